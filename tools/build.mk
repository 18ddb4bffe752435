# tools/: the admin CLI (and, later, the daemons).

CTL := $(B)/grouprolectl
# store = ldap (lib/fleet/writer.h): the CLI and the daemon write to LDAP; grouprole-sync reads it.
LDAP_LIBS := $(or $(call pc_libs,ldap),-lldap) -llber

# Programs that may load the NSS or PAM module (the CLI looks groups up
# through NSS) export lib/'s tdb lock, so every copy of lib/ in the process
# serializes tdb_open/tdb_close on one mutex (lib/core/tdbfile.h).
GR_TDB_LOCK_EXPORT := -Wl,--export-dynamic-symbol=gr_tdb_lock_v1
# ... and tell the NSS module that it is in one of grouprole's own programs
# (lib/core/tdbfile.h, GR_NSS_SELF_SYMBOL).
GR_NSS_SELF_EXPORT := -Wl,--export-dynamic-symbol=gr_nss_self_v1
CTL_SRCS := tools/grouprolectl.c tools/ctl_commands.c tools/ctl_check.c tools/ctl_output.c tools/ctl_token.c tools/ctl_status.c tools/ctl_events.c
CTL_OBJS := $(patsubst %.c,$(B)/%.o,$(CTL_SRCS))

$(CTL): $(CTL_OBJS) $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(GR_TDB_LOCK_EXPORT) $(GR_NSS_SELF_EXPORT) -pie -o $@ \
		$(CTL_OBJS) $(LIBGR) \
		$(LDAP_LIBS) $(JANSSON_LIBS) $(TDB_LIBS) $(GNUTLS_LIBS)

$(CTL_OBJS): ALL_CFLAGS += -fPIE

PROGRAMS += $(CTL)

# grouprole-scimd: the SCIM endpoint (lib/server, lib/scim, lib/http do the work).
SCIMD := $(B)/grouprole-scimd
SCIMD_OBJS := $(B)/tools/grouprole-scimd/main.o
MHD_LIBS := $(or $(call pc_libs,libmicrohttpd),-lmicrohttpd)
SYSTEMD_LIBS := $(or $(call pc_libs,libsystemd),-lsystemd)

$(SCIMD): $(SCIMD_OBJS) $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(GR_TDB_LOCK_EXPORT) $(GR_NSS_SELF_EXPORT) -pie -o $@ \
		$(SCIMD_OBJS) $(LIBGR) \
		$(LDAP_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS) $(SYSTEMD_LIBS) $(JANSSON_LIBS) $(TDB_LIBS) -lpthread

$(SCIMD_OBJS): ALL_CFLAGS += -fPIE

PROGRAMS += $(SCIMD)

# grouprole-ssh-keys: sshd's AuthorizedKeysCommand (lib/accounts does the work).
SSHKEYS := $(B)/grouprole-ssh-keys
SSHKEYS_OBJS := $(B)/tools/grouprole-ssh-keys/main.o

$(SSHKEYS): $(SSHKEYS_OBJS) $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -Wl,--as-needed -o $@ $(SSHKEYS_OBJS) $(LIBGR) \
		$(TDB_LIBS) -lresolv

$(SSHKEYS_OBJS): ALL_CFLAGS += -fPIE

PROGRAMS += $(SSHKEYS)

# grouprole-sync: fleet mode's host daemon (lib/fleet does the work).
SYNCD := $(B)/grouprole-sync
SYNCD_OBJS := $(B)/tools/grouprole-sync/main.o

$(SYNCD): $(SYNCD_OBJS) $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(GR_TDB_LOCK_EXPORT) $(GR_NSS_SELF_EXPORT) -pie -o $@ $(SYNCD_OBJS) $(LIBGR) \
		$(LDAP_LIBS) $(SYSTEMD_LIBS) $(GNUTLS_LIBS) $(JANSSON_LIBS) $(TDB_LIBS) -lpthread

$(SYNCD_OBJS): ALL_CFLAGS += -fPIE

PROGRAMS += $(SYNCD)

# The example event hooks (examples/hooks/), installed in LIBEXECDIR/grouprole/hooks.
WEBHOOK := $(B)/grouprole-webhook
WEBHOOK_OBJS := $(B)/examples/hooks/grouprole-webhook.o
CURL_LIBS := $(or $(call pc_libs,libcurl),-lcurl)

$(WEBHOOK): $(WEBHOOK_OBJS) $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -o $@ $(WEBHOOK_OBJS) $(LIBGR) $(CURL_LIBS)

$(WEBHOOK_OBJS): ALL_CFLAGS += -fPIE

HOOK_PROGS += $(WEBHOOK)

# tools/: the admin CLI (and, later, the daemons).

CTL := $(B)/grouprolectl
CTL_SRCS := tools/grouprolectl.c tools/ctl_commands.c tools/ctl_check.c tools/ctl_output.c
CTL_OBJS := $(patsubst %.c,$(B)/%.o,$(CTL_SRCS))

$(CTL): $(CTL_OBJS) $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pie -o $@ $(CTL_OBJS) $(LIBGR) \
		$(JANSSON_LIBS) $(TDB_LIBS)

$(CTL_OBJS): ALL_CFLAGS += -fPIE

PROGRAMS += $(CTL)

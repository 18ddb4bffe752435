# pam_grouprole/: the PAM module, its module tests and end-to-end tests.

PAM_MODULE := $(B)/pam_grouprole.so
PAM_SYM := pam_grouprole/pam_grouprole.sym
PAM_OBJS := $(B)/pam_grouprole/pam_grouprole.o

# libpam, libtdb, jansson and libc, nothing else; the version script keeps
# every libgrouprole symbol local.
$(PAM_MODULE): $(PAM_OBJS) $(LIBGR) $(PAM_SYM)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -shared -Wl,--version-script=$(PAM_SYM) \
		-o $@ $(PAM_OBJS) $(LIBGR) $(JANSSON_LIBS) $(TDB_LIBS) $(PAM_LIBS)

MODULES += $(PAM_MODULE)

# The copy sshd, su, sudo and login load in the end-to-end tests (see
# HOST_DIR in the Makefile): the same module, uninstrumented under SANITIZE.
ifneq ($(SANITIZE),)
PAM_MODULE_HOST := $(HOST_DIR)/pam_grouprole.so
$(PAM_MODULE_HOST): $(HOST_DIR)/pam_grouprole/pam_grouprole.o $(PLAIN_LIB) $(PAM_SYM)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PLAIN_CFLAGS) $(PLAIN_LDFLAGS) -shared -Wl,--version-script=$(PAM_SYM) \
		-o $@ $< $(PLAIN_LIB) $(JANSSON_LIBS) $(TDB_LIBS) $(PAM_LIBS)

TEST_HELPERS += $(PAM_MODULE_HOST)
endif

# ---- module tests (tests/module/pam_*) ----
# pam_module drives the built module through real libpam under pam_wrapper
# and libpamtest; pam_logic unit-tests lib/pam/pamlogic.c; pam_dlopen loads the
# module and checks what it exports.
PAM_WRAPPER_LIB := $(or $(call pc_libs,pam_wrapper),libpam_wrapper.so)
PAMTEST_LIBS := $(or $(call pc_libs,libpamtest),-lpamtest)
PAM_TEST_FIXTURE := $(B)/tests/module/pam_fixture.o
PAM_TESTS := $(B)/tests/pam_module $(B)/tests/pam_logic $(B)/tests/pam_dlopen

$(B)/tests/module/pam_%.o: ALL_CPPFLAGS += -Itests/module \
	-DGR_PAM_MODULE_PATH='"$(abspath $(PAM_MODULE))"' \
	-DGR_PAM_WRAPPER_LIB='"$(PAM_WRAPPER_LIB)"'

$(B)/tests/pam_%: $(B)/tests/module/pam_%.o $(PAM_TEST_FIXTURE) $(LIBGR) $(PAM_MODULE)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PAM_TEST_FIXTURE) $(LIBGR) \
		$(PAMTEST_LIBS) $(PAM_LIBS) $(JANSSON_LIBS) $(TDB_LIBS) $(CMOCKA_LIBS) -ldl

TEST_PROGS += $(PAM_TESTS)

# pam_try: one decision through real libpam for shell tests (tests/fleet/sync.bats).
TEST_HELPERS += $(B)/tests/pam_try

# ---- end-to-end tests (tests/e2e/pam_*) ----
# pam_syslogd stands in for syslog inside the test mount namespace, so the
# tests read what the module logged.
PAM_SYSLOGD := $(B)/tests/pam_syslogd
$(PAM_SYSLOGD): $(B)/tests/e2e/pam_syslogd.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^

TEST_HELPERS += $(PAM_SYSLOGD)
TEST_SCRIPTS += $(sort $(wildcard tests/e2e/pam_*.bats))

# Keep the test objects: make would otherwise delete them as intermediates.
.SECONDARY: $(patsubst $(B)/tests/%,$(B)/tests/module/%.o,$(PAM_TESTS) $(B)/tests/pam_try) \
	$(PAM_TEST_FIXTURE) \
	$(B)/tests/e2e/pam_syslogd.o

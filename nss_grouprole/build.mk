# nss_grouprole/: the NSS module, its module tests and end-to-end tests.

NSS_MODULE := $(B)/libnss_grouprole.so.2
NSS_SYM := nss_grouprole/nss_grouprole.sym
NSS_OBJS := $(B)/nss_grouprole/nss_grouprole.o

# libtdb and libc only (checked by tests/module/nss_symbols.bats).  The
# version script keeps every libgrouprole symbol local; -z nodelete because
# the module registers pthread_atfork handlers and glibc may dlclose it.
$(NSS_MODULE): $(NSS_OBJS) $(LIBGR) $(NSS_SYM)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -shared -Wl,-soname,libnss_grouprole.so.2 \
		-Wl,--version-script=$(NSS_SYM) -Wl,-z,nodelete -Wl,--as-needed \
		-o $@ $(NSS_OBJS) $(LIBGR) $(TDB_LIBS)

MODULES += $(NSS_MODULE)

# The copy host programs load in the end-to-end tests (see HOST_DIR in the
# Makefile): the same module, uninstrumented under SANITIZE.
NSS_MODULE_HOST := $(HOST_DIR)/libnss_grouprole.so.2
ifneq ($(SANITIZE),)
$(NSS_MODULE_HOST): $(HOST_DIR)/nss_grouprole/nss_grouprole.o $(PLAIN_LIB) $(NSS_SYM)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PLAIN_CFLAGS) $(PLAIN_LDFLAGS) -shared \
		-Wl,-soname,libnss_grouprole.so.2 -Wl,--version-script=$(NSS_SYM) \
		-Wl,-z,nodelete -Wl,--as-needed -o $@ $< $(PLAIN_LIB) $(TDB_LIBS)

TEST_HELPERS += $(NSS_MODULE_HOST)
endif
export GR_NSS_MODULE_HOST := $(abspath $(NSS_MODULE_HOST))

# ---- module tests (tests/module/nss_*) ----
# nss_module: every entry point through dlopen/dlsym; nss_concurrency: 8
# reader threads against 1,000 publishes; nss_symbols.bats: what the module
# exports and links; nss_wrapper.bats: getent/getgrouplist through
# nss_wrapper without root.
NSS_TEST_FIXTURE := $(B)/tests/module/nss_fixture.o
NSS_TESTS := $(B)/tests/nss_module $(B)/tests/nss_concurrency $(B)/tests/nss_passwd
NSS_GROUPLIST := $(B)/tests/nss_grouplist

$(B)/tests/module/nss_%.o: ALL_CPPFLAGS += -Itests/module -Itests/unit \
	-DGR_NSS_MODULE_PATH='"$(abspath $(NSS_MODULE))"' \
	-DGR_CTL_PATH='"$(abspath $(CTL))"'

# testutil.o by name: tests/build.mk, which defines TESTUTIL_OBJS, is read after this file.
NSS_TESTUTIL := $(B)/tests/unit/testutil.o
.SECONDARY: $(NSS_TESTUTIL) $(NSS_TEST_FIXTURE)

# nss_module runs grouprolectl too.
$(B)/tests/nss_%: $(B)/tests/module/nss_%.o $(NSS_TEST_FIXTURE) $(NSS_TESTUTIL) $(LIBGR) \
		$(NSS_MODULE) | $(CTL)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(GR_TDB_LOCK_EXPORT) $(NSS_TEST_EXPORTS) -o $@ $< \
		$(NSS_TEST_FIXTURE) \
		$(NSS_TESTUTIL) \
		$(LIBGR) $(JANSSON_LIBS) $(TDB_LIBS) $(CMOCKA_LIBS) -ldl

# nss_concurrency interposes close() for libtdb and the module: export it.
$(B)/tests/nss_concurrency: NSS_TEST_EXPORTS := -Wl,--export-dynamic-symbol=close

# A plain program for nss_wrapper and the end-to-end tests: no cmocka, no lib.
$(NSS_GROUPLIST): tests/module/nss_grouplist.c
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

TEST_HELPERS += $(NSS_GROUPLIST)
TEST_PROGS += $(NSS_TESTS)
TEST_SCRIPTS += tests/module/nss_symbols.bats tests/module/nss_wrapper.bats \
	tests/module/nss_valgrind.bats tests/module/nss_accounts.bats tests/e2e/nss_e2e.bats

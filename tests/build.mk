# tests/: unit tests (cmocka), CLI tests (bats); the module fragments add
# their own module and end-to-end tests to TEST_PROGS / TEST_SCRIPTS.

TESTUTIL_OBJS := $(B)/tests/unit/testutil.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_PROGS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))

$(B)/tests/test_%: $(B)/tests/unit/test_%.o $(TESTUTIL_OBJS) $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(JANSSON_LIBS) $(TDB_LIBS) \
		$(GNUTLS_LIBS) $(CMOCKA_LIBS) -ldl

# Tests may use test-only helpers from the lib tree and cmocka's headers.
$(B)/tests/%.o: ALL_CPPFLAGS += $(call pc_cflags,cmocka) -Itests/unit

TEST_PROGS += $(UNIT_PROGS)
TEST_SCRIPTS += $(sort $(wildcard tests/cli/*.bats)) tests/unit/valgrind.bats

# Environment for every test: where the build is, which CLI to run.
export GR_BUILD := $(abspath $(B))
export GR_SRCDIR := $(abspath .)
ifneq ($(SANITIZE),)
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
export GR_SANITIZE := $(SANITIZE)
endif

# ---- integration tests (tests/integration/): servers over loopback ----

# webhook_sink is a helper of events.bats, not a test.
INTEGRATION_PROGS := $(patsubst tests/integration/%.c,$(B)/tests/%,$(filter-out \
	tests/integration/webhook_sink.c,$(wildcard tests/integration/*.c)))
WEBHOOK_SINK := $(B)/tests/webhook_sink

$(B)/tests/%: $(B)/tests/integration/%.o $(TESTUTIL_OBJS) $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(MHD_LIBS) $(CURL_LIBS) $(GNUTLS_LIBS) \
		$(JANSSON_LIBS) $(TDB_LIBS) $(CMOCKA_LIBS) -lpthread

TEST_PROGS += $(INTEGRATION_PROGS)
TEST_HELPERS += $(WEBHOOK_SINK)
.SECONDARY: $(B)/tests/integration/webhook_sink.o
.SECONDARY: $(patsubst $(B)/tests/%,$(B)/tests/integration/%.o,$(INTEGRATION_PROGS))
TEST_SCRIPTS += tests/integration/scimd.bats tests/integration/api.bats tests/integration/api_orgs.bats
TEST_SCRIPTS += tests/integration/events.bats
TEST_SCRIPTS += tests/fleet/ldap.bats tests/fleet/ldap_tls.bats tests/fleet/sync.bats \
	tests/fleet/writer.bats tests/fleet/resilience.bats tests/fleet/bench_smoke.bats

# A helper the API tests run (not a test): fills a store to a limit at once.
SEED_STORE := $(B)/tests/seed_store
$(SEED_STORE): $(B)/tests/integration/seed/seed_store.o $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(JANSSON_LIBS) $(TDB_LIBS) $(GNUTLS_LIBS)
TEST_HELPERS += $(SEED_STORE)

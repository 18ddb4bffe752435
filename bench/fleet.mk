# bench/fleet.mk: fleet convergence (make bench-fleet): real slapd providers
# and a replica (tests/fleet/ldap_helpers.bash), N hosts each running
# grouprole-sync, W writes; how long until every host has published each
# write, the snapshots compared, the agents' memory.  No root needed.
# BENCH_FLEET_HOSTS (default 50) and BENCH_FLEET_WRITES (default 10) scale
# it; BENCH_FLEET_USERS and BENCH_FLEET_GROUPS the data set (1000, 100).
# Then lookups and login decisions on a few hosts (BENCH_FLEET_SPEED_HOSTS,
# default 5) with the servers up, with every slapd stopped, and with the
# agents stopped too: fleet_tool speed, through the built modules.

FLEET_TOOL := $(B)/bench/fleet_tool

# fleet_tool speed loads the built modules, as a process on a host would.
$(B)/bench/fleet_tool.o: ALL_CPPFLAGS += -DGR_NSS_MODULE_PATH='"$(abspath $(NSS_MODULE))"' \
	-DGR_PAM_MODULE_PATH='"$(abspath $(PAM_MODULE))"'

$(FLEET_TOOL): $(B)/bench/fleet_tool.o $(LIBGR) | $(NSS_MODULE) $(PAM_MODULE)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(JANSSON_LIBS) $(TDB_LIBS) $(PAM_LIBS) -ldl

.PHONY: bench-fleet
bench-fleet: $(FLEET_TOOL) $(SYNCD) $(CTL) $(NSS_MODULE) $(PAM_MODULE)
	@echo "== fleet: convergence of a write across hosts running grouprole-sync"
	@GR_BUILD=$(abspath $(B)) GR_SRCDIR=$(abspath .) bash bench/fleet_bench.sh
BENCH_TARGETS += bench-fleet

# tests/fleet/bench_smoke.bats runs the script at 3 hosts in `make check`.
TEST_HELPERS += $(FLEET_TOOL)

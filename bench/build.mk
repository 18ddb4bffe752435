# bench/: benchmarks.  `make bench` runs every target in BENCH_TARGETS and
# prints tables; figures are ratios against anchors measured in the same run.

BENCH_TARGETS :=
# Clocks, sorting and the benchmark directory, shared by the benchmarks.
BENCH_GEN := $(B)/bench/bench_gen.o
$(B)/bench/%.o: ALL_CPPFLAGS += -Ibench
-include bench/nss.mk
-include bench/pam.mk
-include bench/scim.mk
-include bench/fleet.mk

$(B)/bench/bench_store: $(B)/bench/bench_store.o $(BENCH_GEN) $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(JANSSON_LIBS) $(TDB_LIBS)

# BENCH_STORE_ARGS="USERS GROUPS MEMBERSHIPS" scales it (default 100000 10000 1000000).
.PHONY: bench-store
bench-store: $(B)/bench/bench_store
	@echo "== store, resolution, publish"
	@$(B)/bench/bench_store $(BENCH_STORE_ARGS)
BENCH_TARGETS += bench-store

.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(BENCH_TARGETS)

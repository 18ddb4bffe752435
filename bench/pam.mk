# bench/pam.mk: what pam_grouprole.so adds to one login (make bench-pam).
# BENCH_PAM_ARGS="USERS GROUPS PER_USER" scales it (default 100000 10000 10).

$(B)/bench/pam_bench.o: ALL_CPPFLAGS += -DGR_PAM_MODULE_PATH='"$(abspath $(PAM_MODULE))"'

$(B)/bench/pam_bench: $(B)/bench/pam_bench.o $(BENCH_GEN) $(LIBGR) $(PAM_MODULE)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BENCH_GEN) $(LIBGR) $(PAM_LIBS) $(JANSSON_LIBS) \
		$(TDB_LIBS) -ldl

.PHONY: bench-pam
bench-pam: $(B)/bench/pam_bench
	@echo "== PAM module: acct_mgmt + open_session per login"
	@$(B)/bench/pam_bench $(BENCH_PAM_ARGS)
BENCH_TARGETS += bench-pam

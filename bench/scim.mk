# bench/scim.mk: provisioning over HTTP against grouprole-scimd (make bench-scim).
# BENCH_SCIM_ARGS="USERS GROUPS MEMBERSHIPS CONNECTIONS" scales it
# (default 100000 10000 1000000 8: the issue's target run).

$(B)/bench/scim_bench.o: ALL_CPPFLAGS += -DGR_SCIMD_PATH='"$(abspath $(SCIMD))"' \
	-DGR_NSS_MODULE_PATH='"$(abspath $(NSS_MODULE))"' \
	-DGR_PAM_MODULE_PATH='"$(abspath $(PAM_MODULE))"'

$(B)/bench/scim_bench: $(B)/bench/scim_bench.o $(BENCH_GEN) $(LIBGR) $(SCIMD) $(NSS_MODULE) \
		$(PAM_MODULE)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(GR_TDB_LOCK_EXPORT) -o $@ $< $(BENCH_GEN) $(LIBGR) \
		$(CURL_LIBS) $(JANSSON_LIBS) $(TDB_LIBS) $(GNUTLS_LIBS) $(PAM_LIBS) -ldl -lpthread

.PHONY: bench-scim
bench-scim: $(B)/bench/scim_bench
	@echo "== grouprole-scimd: provisioning over HTTP"
	@$(B)/bench/scim_bench $(BENCH_SCIM_ARGS)
BENCH_TARGETS += bench-scim

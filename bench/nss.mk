# bench/nss.mk: libnss_grouprole.so.2 against glibc's nss_files holding the
# same groups and against a do-nothing module (the dispatch floor), in one
# run, inside a mount namespace (make bench-nss; needs root).
# BENCH_NSS_SIZES="1000 10000" limits the sizes (default 1000 ... 1000000).

NSS_BENCH_BINS := $(B)/bench/nss_bench $(B)/bench/nss_gen $(B)/bench/libnss_gr_noop.so.2

$(B)/bench/nss_bench: $(B)/bench/nss_bench.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -ldl

$(B)/bench/nss_gen: $(B)/bench/nss_gen.o $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS)

$(B)/bench/libnss_gr_noop.so.2: $(B)/bench/nss_noop.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -shared -Wl,-soname,libnss_gr_noop.so.2 -o $@ $^

.PHONY: bench-nss
bench-nss: $(NSS_BENCH_BINS) $(NSS_MODULE)
	@echo "== NSS module: grouprole vs nss_files vs the dispatch floor"
	@GR_BUILD=$(abspath $(B)) GR_NSS_MODULE_HOST=$(abspath $(NSS_MODULE_HOST)) \
		bash bench/nss_bench.sh $(BENCH_NSS_SIZES)
BENCH_TARGETS += bench-nss

# Accounts (users = yes): getpwnam_r/getpwuid_r against nss_files and the
# floor, and grouprole-ssh-keys per call (make bench-passwd; needs root).
# BENCH_PW_SIZES="10000 100000" limits the sizes (default 10000 ... 1000000).
PW_BENCH_BINS := $(B)/bench/pw_bench $(B)/bench/pw_gen $(B)/bench/libnss_gr_noop.so.2

$(B)/bench/pw_bench: $(B)/bench/pw_bench.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^

$(B)/bench/pw_gen: $(B)/bench/pw_gen.o $(LIBGR)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(TDB_LIBS)

.PHONY: bench-passwd
bench-passwd: $(PW_BENCH_BINS) $(NSS_MODULE) $(SSHKEYS)
	@echo "== NSS module, passwd: grouprole vs nss_files vs the dispatch floor; grouprole-ssh-keys"
	@GR_BUILD=$(abspath $(B)) GR_NSS_MODULE_HOST=$(abspath $(NSS_MODULE_HOST)) \
		bash bench/pw_bench.sh $(BENCH_PW_SIZES)
BENCH_TARGETS += bench-passwd

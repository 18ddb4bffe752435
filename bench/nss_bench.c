/* SPDX-License-Identifier: MIT */
/*
 * nss_bench: time group lookups through glibc with whatever
 * /etc/nsswitch.conf says (bench/nss_bench.sh runs it inside a mount
 * namespace once per source: grouprole, files, and the do-nothing module).
 *
 *   nss_bench run LABEL N     one line per operation, tab-separated:
 *                             LABEL N OP MEDIAN_NS P99_NS SAMPLES
 *   nss_bench load PATH PREFIX
 *                             dlopen+dlsym of module PATH, then its first
 *                             getgrnam_r (configuration, open, lookup), in
 *                             ns: "DLOPEN_NS FIRST_CALL_NS"; run it in a fresh
 *                             process per sample
 *
 * Each call is timed on its own with CLOCK_MONOTONIC (about 20 ns of it is
 * the clock itself).  An operation runs for about BUDGET_NS or MAX_SAMPLES
 * calls, whichever comes first, and at least MIN_SAMPLES: nss_files scans
 * the whole file per lookup, so its big sizes get few samples.  Keys cycle
 * through 1,000 names or gids picked at random (fixed seed), the same for
 * every source.
 */
#include <dlfcn.h>
#include <grp.h>
#include <nss.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nss_data.h"

#define KEYS 1000
#define BUDGET_NS 400000000ll
#define MAX_SAMPLES 200000
#define MIN_SAMPLES 5

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t *samples;
static char names[KEYS][32], misses[KEYS][32];
static gid_t gids[KEYS];
static char buf[4 << 20];

enum op { OP_HIT, OP_MISS, OP_GID, OP_GROUPLIST, OP_MID, OP_BIG };

static int call(enum op op, int i)
{
	struct group gr, *res = NULL;
	gid_t list[64];
	int n = 64;

	switch (op) {
	case OP_HIT:
		return getgrnam_r(names[i % KEYS], &gr, buf, sizeof(buf), &res) == 0 && res;
	case OP_MISS:
		return getgrnam_r(misses[i % KEYS], &gr, buf, sizeof(buf), &res) == 0 && !res;
	case OP_GID:
		return getgrgid_r(gids[i % KEYS], &gr, buf, sizeof(buf), &res) == 0 && res;
	case OP_GROUPLIST:
		return getgrouplist(NSS_BENCH_USER, 100, list, &n) == 1 + NSS_BENCH_USER_ROLES;
	case OP_MID:
		return getgrnam_r(NSS_BENCH_MID_NAME, &gr, buf, sizeof(buf), &res) == 0 && res &&
		       gr.gr_mem[NSS_BENCH_MID_MEMBERS - 1] && !gr.gr_mem[NSS_BENCH_MID_MEMBERS];
	case OP_BIG:
		return getgrnam_r(NSS_BENCH_BIG_NAME, &gr, buf, sizeof(buf), &res) == 0 && res &&
		       gr.gr_mem[NSS_BENCH_BIG_MEMBERS - 1] && !gr.gr_mem[NSS_BENCH_BIG_MEMBERS];
	}
	return 0;
}

static void measure(const char *label, uint32_t n, const char *name, enum op op)
{
	int64_t start = now_ns(), t0, t1;
	int i, bad = 0;

	/* One warm-up call: the first one opens files and maps the snapshot. */
	if (!call(op, 0))
		bad++;
	for (i = 0; i < MAX_SAMPLES; i++) {
		t0 = now_ns();
		if (!call(op, i + 1))
			bad++;
		t1 = now_ns();
		samples[i] = t1 - t0;
		if (i + 1 >= MIN_SAMPLES && t1 - start > BUDGET_NS) {
			i++;
			break;
		}
	}
	qsort(samples, (size_t)i, sizeof(*samples), cmp_i64);
	printf("%s\t%u\t%s\t%lld\t%lld\t%d%s\n", label, n, name, (long long)samples[i / 2],
	       (long long)samples[(size_t)i * 99 / 100], i, bad ? "\tWRONG-ANSWERS" : "");
	fflush(stdout);
}

/*
 * A full enumeration, each getgrent_r timed on its own like the lookups (the
 * 50,000-member group is one entry among N, so it shows in p99, not in the
 * median).  Three passes; every entry of every pass is a sample.
 */
static void enumerate(const char *label, uint32_t n)
{
	int64_t *all;
	size_t cap = 3 * ((size_t)n + 2), k = 0;
	long count = 0;
	int round;

	all = malloc(cap * sizeof(*all));
	if (!all)
		return;
	for (round = 0; round < 3; round++) {
		struct group gr, *res;
		int64_t t0, t1;

		count = 0;
		setgrent();
		for (;;) {
			int r;

			t0 = now_ns();
			r = getgrent_r(&gr, buf, sizeof(buf), &res);
			t1 = now_ns();
			if (r != 0 || !res)
				break;
			if (k < cap)
				all[k++] = t1 - t0;
			count++;
		}
		endgrent();
	}
	qsort(all, k, sizeof(*all), cmp_i64);
	printf("%s\t%u\tgetgrent_r-per-entry\t%lld\t%lld\t%zu%s\n", label, n,
	       (long long)(k ? all[k / 2] : 0), (long long)(k ? all[k * 99 / 100] : 0), k,
	       count < (long)n + 1 ? "\tWRONG-ANSWERS" : "");
	free(all);
}

static int run(const char *label, uint32_t n)
{
	uint64_t seed = 42;
	int i;

	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	if (!samples)
		return 1;
	for (i = 0; i < KEYS; i++) {
		uint32_t k = nss_bench_rand(&seed) % n;

		nss_bench_name(names[i], sizeof(names[i]), k);
		gids[i] = NSS_BENCH_GID0 + nss_bench_rand(&seed) % n;
		snprintf(misses[i], sizeof(misses[i]), "nosuch-%07u", nss_bench_rand(&seed) % n);
	}
	measure(label, n, "getgrnam_r-hit", OP_HIT);
	measure(label, n, "getgrnam_r-miss", OP_MISS);
	measure(label, n, "getgrgid_r", OP_GID);
	measure(label, n, "getgrouplist-20", OP_GROUPLIST);
	measure(label, n, "getgrnam_r-500-members", OP_MID);
	measure(label, n, "getgrnam_r-50k-members", OP_BIG);
	enumerate(label, n);
	free(samples);
	return 0;
}

static int load(const char *path, const char *prefix)
{
	enum nss_status (*fn)(const char *, struct group *, char *, size_t, int *);
	char sym[128];
	struct group gr;
	int64_t t0, t1, t2;
	int err;
	void *h;

	snprintf(sym, sizeof(sym), "_nss_%s_getgrnam_r", prefix);
	t0 = now_ns();
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	*(void **)&fn = h ? dlsym(h, sym) : NULL;
	t1 = now_ns();
	if (!fn) {
		fprintf(stderr, "nss_bench: %s\n", dlerror());
		return 1;
	}
	fn("role-g0000000", &gr, buf, sizeof(buf), &err);
	t2 = now_ns();
	printf("%lld %lld\n", (long long)(t1 - t0), (long long)(t2 - t1));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "run"))
		return run(argv[2], (uint32_t)strtoul(argv[3], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "load"))
		return load(argv[2], argv[3]);
	fprintf(stderr, "usage: nss_bench run LABEL N | load PATH PREFIX\n");
	return 2;
}

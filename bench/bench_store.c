/* SPDX-License-Identifier: MIT */
/*
 * Benchmark: the store, resolution and publishing at scale.
 *
 * Builds the benchmark directory (bench_gen.h: USERS users, GROUPS groups,
 * each user in MEMBERSHIPS/USERS of them, 50 roles, tenant and organization
 * mappings, some assignments) through gr_import_directory, then measures:
 *
 *   - resolution of one user on a read-only handle, as the PAM module does
 *     it (read lock, facts, resolve), with and without loading the host
 *     context each time;
 *   - one libtdb fetch of a user record on the same handle: the floor that
 *     resolution (a dozen fetches plus JSON decoding) is a multiple of;
 *   - a full publish of the NSS snapshot, and its size per membership.
 *
 *   bench_store [USERS GROUPS MEMBERSHIPS]     defaults: 100000 10000 1000000
 *
 * BENCH_ACCOUNTS=1 in the environment sets users = yes (every user gets a
 * uid at import, and the publish writes accounts): what accounts cost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_gen.h"
#include "resolve/facts.h"
#include "store/import.h"
#include "publish/model.h"
#include "publish/publish.h"
#include "store/records.h"
#include "resolve/resolve.h"
#include "store/roles.h"
#include "store/store.h"

#define SAMPLES 20000

static void summarize(const char *what, double *v, size_t n, double anchor)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	printf("| %-44s | %10.2f | %10.2f |", what, v[n / 2] / 1000.0, v[n * 99 / 100] / 1000.0);
	if (anchor > 0)
		printf(" %8.1fx |\n", v[n / 2] / anchor);
	else
		printf("          |\n");
}

static void die(const char *what, const struct gr_err *err)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, gr_err_msg(err));
	exit(1);
}

/*
 * Resolve SAMPLES random users as a login does (read lock, facts, resolve)
 * into SAMPLES[]; with CTX NULL, load the full host context each time.
 * Returns the average number of roles.
 */
static double time_resolve(struct gr_store *st, const struct gr_context *ctx, size_t n_users,
			   double *samples)
{
	struct gr_err err;
	size_t i, roles = 0;

	gr_err_clear(&err);
	for (i = 0; i < SAMPLES; i++) {
		struct gr_context *own = NULL;
		struct gr_facts *f = NULL;
		struct gr_resolution res;
		char login[32];
		double a;

		snprintf(login, sizeof(login), "user%zu", (size_t)(bench_rand() % n_users));
		a = bench_now_ns();
		gr_store_read_lock(st, NULL);
		if ((!ctx && gr_context_load(st, &own, &err) < 0) ||
		    gr_facts_load_login(st, ctx ? ctx : own, login, &f, &err) < 0)
			die("facts", &err);
		gr_resolve(gr_facts_input(f), &res);
		gr_store_read_unlock(st);
		samples[i] = bench_now_ns() - a;
		roles += res.n_roles;
		gr_resolution_free(&res);
		gr_facts_free(f);
		gr_context_free(own);
	}
	return (double)roles / SAMPLES;
}

/*
 * The daemon's incremental publish re-resolves only what changed, then
 * writes login.tdb and nss.tdb whole from its model: time that write alone,
 * the part that grows with the directory (median of 5).
 */
/* Deactivate (or reactivate) N users spread over the directory, in one transaction. */
static void toggle_users(struct gr_store *st, size_t n_users, size_t n, bool active)
{
	struct gr_err err;
	size_t i;

	gr_err_clear(&err);
	if (gr_store_begin(st, &err) < 0)
		die("begin", &err);
	for (i = 0; i < n; i++) {
		char key[64];
		json_t *u = NULL;

		snprintf(key, sizeof(key), "scim/okta/u%zu", i * (n_users / n));
		if (gr_store_get_json(st, key, &u, &err) < 0)
			die("user", &err);
		json_object_set_new(u, "active", json_boolean(active));
		if (gr_user_put(st, "okta", u, NULL, &err) < 0)
			die("user put", &err);
		json_decref(u);
	}
	if (gr_store_commit(st, &err) < 0)
		die("commit", &err);
}

static void sort5(double *t, int i)
{
	int j;

	for (j = i; j > 0 && t[j] < t[j - 1]; j--) {
		double x = t[j];

		t[j] = t[j - 1];
		t[j - 1] = x;
	}
}

/*
 * What a live publisher's write costs (median of 5): whole, as after a
 * rebuild, and as the patch that follows a commit changing PATCH_USERS users.
 */
static int unpatched; /* patches that became whole writes (many users changed) */

static void time_model_write(struct gr_store *st, const struct gr_config *cfg, size_t n_users,
			     size_t patch_users, double *whole, double *patch, double *update)
{
	struct gr_pub_model *m = NULL;
	struct gr_publish_stats ps;
	struct gr_err err;
	double tw[5], tp[5], tu[5];
	int fd, i;

	gr_err_clear(&err);
	memset(&ps, 0, sizeof(ps));
	if ((fd = gr_publish_lock(cfg, &err)) < 0 || gr_pub_model_new(&m) < 0)
		die("model", &err);
	gr_store_observe(st, gr_pub_model_observe, m);
	if (gr_pub_model_update(m, st, &ps, &err) < 0)
		die("model", &err);
	for (i = 0; i < 5; i++) {
		double t0 = bench_now_ns();

		gr_pub_model_write_whole_next(m);
		if (gr_pub_model_write(m, cfg, &ps, &err) < 0 || ps.patched)
			die("model write", &err);
		tw[i] = (bench_now_ns() - t0) / 1e9;
		sort5(tw, i);
	}
	for (i = 0; i < 5; i++) {
		double t0;

		gr_publish_unlock(fd);
		toggle_users(st, n_users, patch_users, i % 2 != 0);
		t0 = bench_now_ns();
		if ((fd = gr_publish_lock(cfg, &err)) < 0 || gr_pub_model_update(m, st, &ps, &err) < 0)
			die("model", &err);
		tu[i] = (bench_now_ns() - t0) / 1e9;
		sort5(tu, i);
		t0 = bench_now_ns();
		if (gr_pub_model_write(m, cfg, &ps, &err) < 0)
			die("model write", &err);
		if (!ps.patched && patch_users <= 100)
			die("a patch was expected", &err);
		unpatched += !ps.patched;
		tp[i] = (bench_now_ns() - t0) / 1e9;
		sort5(tp, i);
	}
	gr_store_observe(st, NULL, NULL);
	gr_pub_model_free(m);
	gr_publish_unlock(fd);
	*whole = tw[2];
	*patch = tp[2];
	*update = tu[2];
}

int main(int argc, char **argv)
{
	size_t n_users = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	size_t n_groups = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	size_t n_members = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000000;
	size_t per_user = n_users ? n_members / n_users : 0;
	char dir[] = "/tmp/grouprole-bench.XXXXXX";
	struct gr_config cfg;
	struct gr_store *st = NULL;
	struct gr_err err;
	struct gr_publish_stats ps;
	double t0, t1, *samples, fetch_floor, write_only, patch_only, update_only;
	size_t patch_users;
	uint32_t hash = 1;

	if (!n_users || !n_groups || per_user > n_groups) {
		fprintf(stderr, "usage: bench_store [USERS GROUPS MEMBERSHIPS]\n");
		return 2;
	}
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0) {
		perror("mkdtemp");
		return 1;
	}
	gr_config_defaults(&cfg);
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s/state", dir);
	strcpy(cfg.organization, "acme");
	strcpy(cfg.resources[0], "host:web1");
	cfg.n_resources = 1;
	cfg.test_mode = true;
	strcpy(cfg.login_domains[0], "bench.example");
	cfg.n_login_domains = 1;
	/* libtdb wants the hash sized to the records (about 5 per user here). */
	while (hash < n_users * 5 && hash < 16000000)
		hash = hash * 2 + 1;
	cfg.hash_size = hash;
	gr_err_clear(&err);

	cfg.users = secure_getenv("BENCH_ACCOUNTS") != NULL;
	t0 = bench_now_ns();
	if (bench_make_directory(&cfg, n_users, n_groups, per_user, &err) < 0)
		die("directory", &err);
	printf("directory built (import) in %.2f s%s\n", (bench_now_ns() - t0) / 1e9,
	       cfg.users ? ", users = yes" : "");
	if (gr_store_open(&cfg, GR_STORE_WRITE, &st, &err) < 0)
		die("open", &err);

	/* ---- publish ---- */
	t0 = bench_now_ns();
	if (gr_publish(st, &ps, &err) < 0)
		die("publish", &err);
	t1 = bench_now_ns();
	/* BENCH_PATCH_USERS: how many users each timed patch follows (100; a tenth below 1,000). */
	patch_users = secure_getenv("BENCH_PATCH_USERS")
			      ? strtoul(secure_getenv("BENCH_PATCH_USERS"), NULL, 10)
			      : (n_users < 1000 ? n_users / 10 : 100);
	if (patch_users < 1 || patch_users > n_users)
		patch_users = n_users < 10 ? 1 : n_users / 10;
	time_model_write(st, &cfg, n_users, patch_users, &write_only, &patch_only,
			 &update_only);
	gr_store_close(st);
	st = NULL;

	/* ---- resolve, as the PAM module does ---- */
	if (gr_store_open(&cfg, GR_STORE_READ, &st, &err) < 0)
		die("open read-only", &err);
	samples = calloc(SAMPLES, sizeof(*samples));

	fetch_floor = bench_fetch_floor(st, n_users, samples, SAMPLES);

	printf("\n| %-44s | %10s | %10s | %9s |\n", "operation", "median us", "p99 us",
	       "x fetch");
	printf("|%s|%s|%s|%s|\n", "----------------------------------------------",
	       "------------", "------------", "----------");
	summarize("fetch + decode one user record (floor)", samples, SAMPLES, fetch_floor);
	{
		struct gr_context *ctx = NULL;
		double roles;

		if (gr_store_read_lock(st, &err) < 0 || gr_context_load(st, &ctx, &err) < 0)
			die("context", &err);
		gr_store_read_unlock(st);
		roles = time_resolve(st, ctx, n_users, samples);
		summarize("resolve one user (host context loaded once)", samples, SAMPLES,
			  fetch_floor);
		printf("  (%.1f roles per user on average)\n", roles);
		gr_context_free(ctx);
	}
	time_resolve(st, NULL, n_users, samples);
	summarize("resolve one user, loading the host context", samples, SAMPLES, fetch_floor);
	gr_store_close(st);

	printf("\nfull publish: %.2f s for %zu users (%zu with roles), %zu role groups, %zu memberships, %zu accounts\n",
	       (t1 - t0) / 1e9, ps.users, ps.users_with_roles, ps.groups, ps.memberships,
	       ps.accounts);
	printf("snapshot write alone, whole (after a rebuild): median %.3f s of 5\n", write_only);
	printf("snapshot write alone, patch after %zu users changed: median %.4f s of 5%s\n",
	       patch_users, patch_only, unpatched ? " (some were whole writes)" : "");
	printf("model update (re-resolving) after %zu users changed: median %.4f s of 5, %.1f us per user\n",
	       patch_users, update_only, patch_users ? update_only * 1e6 / (double)patch_users : 0.0);
	printf("snapshot: %llu bytes, %.1f bytes per membership\n", (unsigned long long)ps.bytes,
	       ps.memberships ? (double)ps.bytes / (double)ps.memberships : 0.0);
	{
		struct stat sb;
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/directory.tdb", cfg.state_dir);
		if (stat(path, &sb) == 0)
			printf("directory.tdb: %lld bytes (hash size %u)\n", (long long)sb.st_size,
			       cfg.hash_size);
	}
	free(samples);
	bench_rmtree(dir);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Benchmark: the store, resolution and publishing at scale.
 *
 * Generates a directory of USERS users, GROUPS groups and about MEMBERSHIPS
 * memberships (each user in MEMBERSHIPS/USERS random groups), 50 roles,
 * tenant and organization mappings and some assignments; imports it through
 * gr_import_directory (one transaction), then measures:
 *
 *   - resolution of one user on a read-only handle, as the PAM module does
 *     it (read lock, facts, resolve), with and without loading the host
 *     context each time;
 *   - one libtdb fetch of a user record on the same handle: the floor that
 *     resolution (a dozen fetches plus JSON decoding) is a multiple of;
 *   - a full publish of the NSS snapshot, and its size per membership.
 *
 *   bench_store [USERS GROUPS MEMBERSHIPS]     defaults: 100000 10000 1000000
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "facts.h"
#include "import.h"
#include "publish.h"
#include "records.h"
#include "resolve.h"
#include "roles.h"
#include "store.h"

#define N_ROLES 50
#define SAMPLES 20000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summarize(const char *what, double *v, size_t n, double anchor)
{
	qsort(v, n, sizeof(*v), cmp_double);
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

/* xorshift: reproducible data without libc's global rand() state. */
static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int rm_cb(const char *p, const struct stat *sb, int f, struct FTW *ftw)
{
	(void)sb;
	(void)f;
	(void)ftw;
	return remove(p);
}

int main(int argc, char **argv)
{
	size_t n_users = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	size_t n_groups = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	size_t n_members = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000000;
	size_t per_user = n_users ? n_members / n_users : 0, i, j;
	char dir[] = "/tmp/grouprole-bench.XXXXXX", key[64];
	struct gr_config cfg;
	struct gr_store *st = NULL;
	struct gr_err err;
	struct gr_publish_stats ps;
	json_t *users, *groups, **gmembers;
	double t0, t1, *samples, fetch_floor;
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
	/* libtdb wants the hash sized to the records (about 5 per user here). */
	while (hash < n_users * 5 && hash < 16000000)
		hash = hash * 2 + 1;
	cfg.hash_size = hash;
	gr_err_clear(&err);

	/* ---- generate ---- */
	t0 = now_ns();
	users = json_array();
	groups = json_array();
	gmembers = calloc(n_groups, sizeof(*gmembers));
	for (j = 0; j < n_groups; j++)
		gmembers[j] = json_array();
	for (i = 0; i < n_users; i++) {
		char id[32], name[64];

		snprintf(id, sizeof(id), "u%zu", i);
		snprintf(name, sizeof(name), "user%zu@bench.example", i);
		json_array_append_new(users, json_pack("{s:s,s:s,s:b,s:{s:s,s:s}}", "id", id,
						       "userName", name, "active", i % 97 != 0,
						       "name", "givenName", "Bench", "familyName",
						       "User"));
		/* per_user distinct groups: a random start, a random odd stride. */
		size_t start = next_rand() % n_groups, stride = 1 + 2 * (next_rand() % 7);

		for (j = 0; j < per_user; j++) {
			size_t g = (start + j * stride) % n_groups;

			json_array_append_new(gmembers[g], json_pack("{s:s}", "value", id));
		}
	}
	for (j = 0; j < n_groups; j++) {
		char id[32], name[64];

		snprintf(id, sizeof(id), "g%zu", j);
		snprintf(name, sizeof(name), "Group %zu", j);
		json_array_append_new(groups, json_pack("{s:s,s:s,s:o}", "id", id, "displayName",
							name, "members", gmembers[j]));
	}
	free(gmembers);
	t1 = now_ns();
	printf("generated %zu users, %zu groups, %zu memberships in %.1f s\n", n_users, n_groups,
	       per_user * n_users, (t1 - t0) / 1e9);

	/* ---- load ---- */
	if (gr_store_open(&cfg, GR_STORE_WRITE | GR_STORE_CREATE, &st, &err) < 0)
		die("open", &err);
	if (gr_store_begin(st, &err) < 0 || gr_dir_create(st, "okta", &err) < 0 ||
	    gr_org_create(st, "acme", &err) < 0 ||
	    gr_org_connection(st, "acme", "okta", true, true, &err) < 0)
		die("setup", &err);
	for (i = 0; i < N_ROLES; i++) {
		struct gr_role role;

		memset(&role, 0, sizeof(role));
		snprintf(role.slug, sizeof(role.slug), "role%zu", i);
		role.priority = (int)i;
		if (gr_role_create(st, &role, 0, &err) < 0)
			die("role", &err);
	}
	if (gr_store_commit(st, &err) < 0)
		die("commit", &err);
	t0 = now_ns();
	if (gr_import_directory(st, "okta", users, groups, true, NULL, NULL, &err) < 0)
		die("import", &err);
	t1 = now_ns();
	printf("imported in %.1f s (one transaction)\n", (t1 - t0) / 1e9);
	json_decref(users);
	json_decref(groups);

	/* A third of the groups map to a role, a tenth to an organization role. */
	if (gr_store_begin(st, &err) < 0)
		die("begin", &err);
	for (j = 0; j < n_groups; j++) {
		char gid[32], slug[32];
		const char *s = slug;

		snprintf(gid, sizeof(gid), "g%zu", j);
		snprintf(slug, sizeof(slug), "role%zu", j % N_ROLES);
		if (j % 3 == 0 && gr_group_roles_change(st, NULL, "okta", gid, &s, 1, true, &err) < 0)
			die("mapping", &err);
		if (j % 10 == 0 && gr_group_roles_change(st, "acme", "okta", gid, &s, 1, true, &err) < 0)
			die("org mapping", &err);
	}
	for (i = 0; i < n_users; i += 100) {
		struct gr_ref ref;

		snprintf(ref.dir, sizeof(ref.dir), "okta");
		snprintf(ref.id, sizeof(ref.id), "u%zu", i);
		if (gr_assign_add(st, &ref, "role1", "host:web1", 0, &err) < 0)
			die("assign", &err);
	}
	if (gr_store_commit(st, &err) < 0)
		die("commit", &err);

	/* ---- publish ---- */
	t0 = now_ns();
	if (gr_publish(st, &ps, &err) < 0)
		die("publish", &err);
	t1 = now_ns();
	gr_store_close(st);
	st = NULL;

	/* ---- resolve, as the PAM module does ---- */
	if (gr_store_open(&cfg, GR_STORE_READ, &st, &err) < 0)
		die("open read-only", &err);
	samples = calloc(SAMPLES, sizeof(*samples));

	/* Floor: one fetch of a user record under the read lock. */
	for (i = 0; i < SAMPLES; i++) {
		json_t *u = NULL;
		double a;

		snprintf(key, sizeof(key), "user/okta/u%zu", (size_t)(next_rand() % n_users));
		a = now_ns();
		gr_store_read_lock(st, NULL);
		gr_store_get_json(st, key, &u, NULL);
		gr_store_read_unlock(st);
		samples[i] = now_ns() - a;
		json_decref(u);
	}
	qsort(samples, SAMPLES, sizeof(*samples), cmp_double);
	fetch_floor = samples[SAMPLES / 2];

	printf("\n| %-44s | %10s | %10s | %9s |\n", "operation", "median us", "p99 us",
	       "x fetch");
	printf("|%s|%s|%s|%s|\n", "----------------------------------------------",
	       "------------", "------------", "----------");
	summarize("fetch + decode one user record (floor)", samples, SAMPLES, fetch_floor);
	{
		struct gr_context *ctx = NULL;
		size_t roles = 0;

		if (gr_store_read_lock(st, &err) < 0 || gr_context_load(st, &ctx, &err) < 0)
			die("context", &err);
		gr_store_read_unlock(st);
		for (i = 0; i < SAMPLES; i++) {
			struct gr_facts *f = NULL;
			struct gr_resolution res;
			char login[32];
			double a;

			snprintf(login, sizeof(login), "user%zu", (size_t)(next_rand() % n_users));
			a = now_ns();
			gr_store_read_lock(st, NULL);
			if (gr_facts_load_login(st, ctx, login, &f, &err) < 0)
				die("facts", &err);
			gr_resolve(gr_facts_input(f), &res);
			gr_store_read_unlock(st);
			samples[i] = now_ns() - a;
			roles += res.n_roles;
			gr_resolution_free(&res);
			gr_facts_free(f);
		}
		summarize("resolve one user (host context loaded once)", samples, SAMPLES,
			  fetch_floor);
		printf("  (%.1f roles per user on average)\n", (double)roles / SAMPLES);
		gr_context_free(ctx);
	}
	for (i = 0; i < SAMPLES; i++) {
		struct gr_context *ctx = NULL;
		struct gr_facts *f = NULL;
		struct gr_resolution res;
		char login[32];
		double a;

		snprintf(login, sizeof(login), "user%zu", (size_t)(next_rand() % n_users));
		a = now_ns();
		gr_store_read_lock(st, NULL);
		if (gr_context_load(st, &ctx, &err) < 0 ||
		    gr_facts_load_login(st, ctx, login, &f, &err) < 0)
			die("facts", &err);
		gr_resolve(gr_facts_input(f), &res);
		gr_store_read_unlock(st);
		samples[i] = now_ns() - a;
		gr_resolution_free(&res);
		gr_facts_free(f);
		gr_context_free(ctx);
	}
	summarize("resolve one user, loading the host context", samples, SAMPLES, fetch_floor);
	gr_store_close(st);

	printf("\nfull publish: %.2f s for %zu users (%zu with roles), %zu role groups, %zu memberships\n",
	       (t1 - t0) / 1e9, ps.users, ps.users_with_roles, ps.groups, ps.memberships);
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
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

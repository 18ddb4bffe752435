/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_gen.h"
#include "store/import.h"
#include "store/records.h"
#include "store/roles.h"
#include "store/store.h"

double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return v[n / 2];
}

/* xorshift: the same data every run, independent of libc's rand(). */
static uint64_t rng = 88172645463325252ull;

uint64_t bench_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int documents(size_t n_users, size_t n_groups, size_t per_user, json_t **users,
		     json_t **groups)
{
	json_t **members = calloc(n_groups, sizeof(*members));
	size_t i, j;

	*users = json_array();
	*groups = json_array();
	if (!members || !*users || !*groups) {
		free(members);
		return -1;
	}
	for (j = 0; j < n_groups; j++)
		members[j] = json_array();
	for (i = 0; i < n_users; i++) {
		/* PER_USER distinct groups: a random start and a random odd stride. */
		size_t start = bench_rand() % n_groups, stride = 1 + 2 * (bench_rand() % 7);
		char id[32], name[64];

		snprintf(id, sizeof(id), "u%zu", i);
		snprintf(name, sizeof(name), "user%zu@bench.example", i);
		json_array_append_new(*users, json_pack("{s:s,s:s,s:b,s:{s:s,s:s}}", "id", id,
							"userName", name, "active", i % 97 != 0,
							"name", "givenName", "Bench", "familyName",
							"User"));
		for (j = 0; j < per_user; j++)
			json_array_append_new(members[(start + j * stride) % n_groups],
					      json_pack("{s:s}", "value", id));
	}
	for (j = 0; j < n_groups; j++) {
		char id[32], name[64];

		snprintf(id, sizeof(id), "g%zu", j);
		snprintf(name, sizeof(name), "Group %zu", j);
		json_array_append_new(*groups, json_pack("{s:s,s:s,s:o}", "id", id, "displayName",
							 name, "members", members[j]));
	}
	free(members);
	return 0;
}

int bench_make_directory(const struct gr_config *cfg, size_t n_users, size_t n_groups,
			 size_t per_user, struct gr_err *err)
{
	struct gr_store *st = NULL;
	json_t *users = NULL, *groups = NULL;
	double t0 = bench_now_ns(), t1;
	size_t i, j;
	int r;

	if (documents(n_users, n_groups, per_user, &users, &groups) < 0)
		return gr_err_set(err, -ENOMEM, "out of memory");
	t1 = bench_now_ns();
	if ((r = gr_store_open(cfg, GR_STORE_WRITE | GR_STORE_CREATE, &st, err)) < 0 ||
	    (r = gr_store_begin(st, err)) < 0 || (r = gr_dir_create(st, "okta", err)) < 0 ||
	    (r = gr_org_create(st, "acme", err)) < 0 ||
	    (r = gr_org_connection(st, "acme", "okta", true, true, err)) < 0)
		goto out;
	for (i = 0; i < BENCH_ROLES; i++) {
		struct gr_role role;

		memset(&role, 0, sizeof(role));
		snprintf(role.slug, sizeof(role.slug), "role%zu", i);
		role.priority = (int)i;
		if ((r = gr_role_create(st, &role, 0, err)) < 0)
			goto out;
	}
	if ((r = gr_store_commit(st, err)) < 0 ||
	    (r = gr_import_directory(st, "okta", users, groups, true, NULL, NULL, err)) < 0)
		goto out;
	printf("generated %zu users, %zu groups, %zu memberships in %.1f s; imported in %.1f s (one transaction)\n",
	       n_users, n_groups, n_users * per_user, (t1 - t0) / 1e9,
	       (bench_now_ns() - t1) / 1e9);
	if ((r = gr_store_begin(st, err)) < 0)
		goto out;
	for (j = 0; j < n_groups; j++) {
		char gid[32], slug[32];
		const char *s = slug;

		snprintf(gid, sizeof(gid), "g%zu", j);
		snprintf(slug, sizeof(slug), "role%zu", j % BENCH_ROLES);
		if (j % 3 == 0 &&
		    (r = gr_group_roles_change(st, NULL, "okta", gid, &s, 1, true, err)) < 0)
			goto out;
		if (j % 10 == 0 &&
		    (r = gr_group_roles_change(st, "acme", "okta", gid, &s, 1, true, err)) < 0)
			goto out;
	}
	for (i = 0; i < n_users; i += 100) {
		struct gr_ref ref;

		snprintf(ref.dir, sizeof(ref.dir), "okta");
		snprintf(ref.id, sizeof(ref.id), "u%zu", i);
		if ((r = gr_assign_add(st, &ref, "role1", "host:web1", 0, err)) < 0)
			goto out;
	}
	r = gr_store_commit(st, err);
out:
	gr_store_close(st);
	json_decref(users);
	json_decref(groups);
	return r;
}

double bench_fetch_floor(struct gr_store *st, size_t n_users, double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *u = NULL;
		char key[64];
		double a;

		snprintf(key, sizeof(key), "user/okta/u%zu", (size_t)(bench_rand() % n_users));
		a = bench_now_ns();
		gr_store_read_lock(st, NULL);
		gr_store_get_json(st, key, &u, NULL);
		gr_store_read_unlock(st);
		v[i] = bench_now_ns() - a;
		json_decref(u);
	}
	return bench_median(v, n);
}

static int rm_cb(const char *p, const struct stat *sb, int f, struct FTW *ftw)
{
	(void)sb;
	(void)f;
	(void)ftw;
	return remove(p);
}

void bench_rmtree(const char *dir)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

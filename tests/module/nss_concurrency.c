/* SPDX-License-Identifier: MIT */
/*
 * Eight threads look groups and group lists up through the module without a
 * pause while the real publisher (gr_publish, as grouprolectl runs it)
 * replaces the snapshot 1,000 times, flipping between two states.  Every
 * answer must be entirely one state or the other: never an error, never a
 * group from one state with members from the other.
 *
 * State A: Engineering (user00..user49) -> alpha, Ops (user00..user09) -> beta
 * State B: Engineering -> beta, Ops -> alpha
 * so role-alpha has 50 members in A and 10 in B, role-beta the reverse, and
 * user20 holds alpha in A and beta in B.
 *
 * GROUPROLE_NSS_RECHECK_MS=0 makes the module check the snapshot's identity
 * on every call, so every lookup races the rename.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/import.h"
#include "nss_fixture.h"
#include "publish/publish.h"
#include "store/records.h"
#include "testutil.h"

#define THREADS 8
#define PUBLISHES 1000
#define USERS 50
#define OPS 10

static struct nf_mod mod;
static atomic_bool done;
static uint32_t gid_alpha, gid_beta;
static char big_list[USERS * 8], small_list[OPS * 8];

struct reader {
	pthread_t thread;
	int id;
	unsigned long answers[2]; /* per state */
	unsigned long failures;
	char first_failure[256];
};

static void fail_once(struct reader *r, const char *what, long v)
{
	if (!r->failures++)
		snprintf(r->first_failure, sizeof(r->first_failure), "%s: %ld", what, v);
}

/* Which state does this rendering of role-alpha belong to?  -1: neither. */
static int state_of_alpha(const struct group *gr, uint32_t gid)
{
	char members[USERS * 8];

	if (gid != gid_alpha)
		return -1;
	nf_members(gr, members, sizeof(members));
	if (!strcmp(members, big_list))
		return 0;
	if (!strcmp(members, small_list))
		return 1;
	return -1;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	static __thread char buf[16384];
	struct group gr;
	unsigned long i;
	int err, st;

	for (i = 0; !atomic_load(&done); i++) {
		enum nss_status s;

		switch ((i + (unsigned long)r->id) % 3) {
		case 0:
			s = mod.getgrnam_r("role-alpha", &gr, buf, sizeof(buf), &err);
			if (s != NSS_STATUS_SUCCESS) {
				fail_once(r, "getgrnam_r(role-alpha) status", s);
				break;
			}
			st = state_of_alpha(&gr, gr.gr_gid);
			if (st < 0)
				fail_once(r, "getgrnam_r(role-alpha) mixed answer, gid", gr.gr_gid);
			else
				r->answers[st]++;
			break;
		case 1:
			s = mod.getgrgid_r(gid_alpha, &gr, buf, sizeof(buf), &err);
			if (s != NSS_STATUS_SUCCESS) {
				fail_once(r, "getgrgid_r(alpha) status", s);
				break;
			}
			st = state_of_alpha(&gr, gr.gr_gid);
			if (st < 0 || strcmp(gr.gr_name, "role-alpha"))
				fail_once(r, "getgrgid_r(alpha) mixed answer, gid", gr.gr_gid);
			else
				r->answers[st]++;
			break;
		default: {
			gid_t *groups = malloc(sizeof(*groups));
			long int start = 1, size = 1;

			if (!groups) {
				fail_once(r, "malloc failed", 0);
				break;
			}
			groups[0] = 100;
			s = mod.initgroups_dyn("user20", 100, &start, &size, &groups, 0, &err);
			if (s != NSS_STATUS_SUCCESS)
				fail_once(r, "initgroups_dyn(user20) status", s);
			else if (start == 2 && groups[1] == gid_alpha)
				r->answers[0]++;
			else if (start == 2 && groups[1] == gid_beta)
				r->answers[1]++;
			else
				fail_once(r, "initgroups_dyn(user20) wrong gids, count", start - 1);
			free(groups);
			break;
		}
		}
	}
	return NULL;
}

static void set_state(struct gr_store *st, const char *eng, const char *ops, bool add)
{
	struct gr_err err;

	gr_err_clear(&err);
	tu_assert_ok(gr_group_roles_change(st, NULL, "okta", "g1", &eng, 1, add, &err), &err);
	tu_assert_ok(gr_group_roles_change(st, NULL, "okta", "g2", &ops, 1, add, &err), &err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members' names as the publisher sorts them, space-separated. */
static void expected_list(char *out, size_t len, int n)
{
	char names[USERS][8];
	const char *p[USERS];
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "user%02d", i);
		p[i] = names[i];
	}
	qsort(p, (size_t)n, sizeof(p[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? " " : "", p[i]);
}

static void test_publish_while_reading(void **state)
{
	struct reader readers[THREADS];
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
	json_t *users = json_array(), *groups = json_array();
	const char *members[USERS];
	char ids[USERS][8];
	unsigned long total[2] = { 0, 0 };
	int i;

	(void)state;
	tu_setup(&env, NULL);
	assert_int_equal(setenv("GROUPROLE_CONF", env.conf, 1), 0);
	assert_int_equal(setenv("GROUPROLE_NSS_RECHECK_MS", "0", 1), 0);
	st = tu_open(&env);
	gr_err_clear(&err);
	for (i = 0; i < USERS; i++) {
		char name[64];

		snprintf(ids[i], sizeof(ids[i]), "u%02d", i);
		snprintf(name, sizeof(name), "user%02d@example.com", i);
		json_array_append_new(users, tu_user(ids[i], name, true));
		members[i] = ids[i];
	}
	json_array_append_new(groups, tu_group("g1", "Engineering", members, USERS));
	json_array_append_new(groups, tu_group("g2", "Ops", members, OPS));
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_dir_create(st, "okta", &err), &err);
	gid_alpha = tu_role(st, "alpha", 0);
	gid_beta = tu_role(st, "beta", 0);
	tu_commit(st);
	tu_assert_ok(gr_import_directory(st, "okta", users, groups, true, NULL, NULL, &err), &err);
	json_decref(users);
	json_decref(groups);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	set_state(st, "alpha", "beta", true);
	tu_commit(st);
	tu_assert_ok(gr_publish(st, NULL, &err), &err);
	expected_list(big_list, sizeof(big_list), USERS);
	expected_list(small_list, sizeof(small_list), OPS);

	memset(readers, 0, sizeof(readers));
	atomic_store(&done, false);
	for (i = 0; i < THREADS; i++) {
		readers[i].id = i;
		assert_int_equal(pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]),
				 0);
	}
	for (i = 0; i < PUBLISHES; i++) {
		bool to_b = i % 2 == 0;

		tu_assert_ok(gr_store_begin(st, &err), &err);
		set_state(st, to_b ? "alpha" : "beta", to_b ? "beta" : "alpha", false);
		set_state(st, to_b ? "beta" : "alpha", to_b ? "alpha" : "beta", true);
		tu_commit(st);
		tu_assert_ok(gr_publish(st, NULL, &err), &err);
	}
	atomic_store(&done, true);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(readers[i].thread, NULL), 0);
		if (readers[i].failures)
			fail_msg("reader %d: %lu bad answers, first: %s", i, readers[i].failures,
				 readers[i].first_failure);
		total[0] += readers[i].answers[0];
		total[1] += readers[i].answers[1];
	}
	print_message("# %d publishes; answers: %lu from state A, %lu from state B\n", PUBLISHES,
		      total[0], total[1]);
	/* Both states were really seen: the readers raced the publisher. */
	assert_true(total[0] > 0 && total[1] > 0);
	gr_store_close(st);
	tu_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_while_reading),
	};

	nf_module_load(&mod);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

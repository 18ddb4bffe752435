/* SPDX-License-Identifier: MIT */
/*
 * The groups holding roles, as a writable handle keeps them between counts
 * (lib/store/holders.c): after commits, cancels, units of a batch, a
 * rolled-back unit and another process's commits, the count the handle
 * gives must be the true one -- the one a walk of the store would give.
 * The same for the organizations' names the handle keeps beside them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/limits.h"
#include "store/orgs.h"
#include "store/records.h"
#include "testutil.h"

static const char *const r1[] = { "r1" };
static const char *const r2[] = { "r2" };

/*
 * Another process: on 'a' it maps r1 to g6, on 'd' it unmaps g1, on 'o'
 * it creates organization "beta", on 'x' deletes it, each in its own commit.
 */
static void other_writer(struct gr_config *cfg, int in, int out)
{
	char cmd;

	alarm(60);
	while (read(in, &cmd, 1) == 1 && cmd != 'q') {
		struct gr_store *st = NULL;
		struct gr_err err = { 0 };
		bool add = cmd == 'a';
		int r;

		if (gr_store_open(cfg, GR_STORE_WRITE, &st, &err) < 0 ||
		    gr_store_begin(st, &err) < 0)
			_exit(3);
		if (cmd == 'o')
			r = gr_org_create(st, "beta", &err);
		else if (cmd == 'x')
			r = gr_org_delete(st, "beta", &err);
		else
			r = gr_group_roles_change(st, NULL, "corp", add ? "g6" : "g1", r1, 1, add,
						  &err);
		if (r < 0 || gr_store_commit(st, &err) < 0)
			_exit(3);
		gr_store_close(st);
		if (write(out, "k", 1) != 1)
			_exit(4);
	}
	_exit(0);
}

static void tell(int to, int from, char cmd)
{
	char ack = 0;

	assert_int_equal(write(to, &cmd, 1), 1);
	assert_int_equal(read(from, &ack, 1), 1);
	assert_int_equal(ack, 'k');
}

static void expect(struct gr_store *st, const char *gid, size_t want, bool want_holds)
{
	struct gr_err err = { 0 };
	size_t n = 0;
	bool holds = false;

	tu_assert_ok(gr_groups_with_roles(st, "corp", gid, &n, &holds, &err), &err);
	assert_int_equal(n, want);
	assert_int_equal(holds, want_holds);
}

static void change(struct gr_store *st, const char *org, const char *gid, const char *const *role,
		   bool add)
{
	struct gr_err err = { 0 };

	tu_assert_ok(gr_group_roles_change(st, org, "corp", gid, role, 1, add, &err), &err);
}

static void test_count_follows_every_path(void **state)
{
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err = { 0 };
	struct tu_peer other;
	char gid[8];
	int i;

	(void)state;
	tu_setup(&env, "organization = acme");
	tu_peer_start(&other, &env.cfg, other_writer);

	st = tu_open(&env);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_dir_create(st, "corp", &err), &err);
	tu_assert_ok(gr_org_create(st, "acme", &err), &err);
	tu_role(st, "r1", 1);
	tu_role(st, "r2", 2);
	for (i = 1; i <= 6; i++) {
		json_t *g;

		snprintf(gid, sizeof(gid), "g%d", i);
		g = tu_group(gid, gid, NULL, 0);
		tu_assert_ok(gr_group_put(st, "corp", g, 0, &err), &err);
		json_decref(g);
	}
	tu_commit(st);
	expect(st, "g1", 0, false);

	/* Committed: a tenant mapping, and a group with both scopes counts once. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	change(st, NULL, "g1", r1, true);
	change(st, "acme", "g2", r1, true);
	change(st, NULL, "g2", r2, true);
	expect(st, "g2", 2, true);
	tu_commit(st);
	expect(st, "g2", 2, true);

	/* Cancelled: the count goes back. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	change(st, NULL, "g3", r1, true);
	expect(st, "g3", 3, true);
	gr_store_cancel(st);
	expect(st, "g3", 2, false);

	/* A batch: one unit stands, one is undone. */
	tu_assert_ok(gr_store_batch_begin(st, &err), &err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	change(st, NULL, "g4", r1, true);
	tu_assert_ok(gr_store_commit(st, &err), &err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	change(st, NULL, "g5", r1, true);
	expect(st, "g5", 4, true);
	gr_store_cancel(st);
	expect(st, "g5", 3, false);
	tu_assert_ok(gr_store_batch_end(st, &err), &err);
	expect(st, "g4", 3, true);

	/* A rewrite of a holder's mapping is no new holder. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	change(st, NULL, "g4", r2, true);
	tu_commit(st);
	expect(st, "g4", 3, true);

	/* Another process's commits: seen in the next transaction, and outside one. */
	tell(other.to, other.from, 'a');
	tu_assert_ok(gr_store_begin(st, &err), &err);
	expect(st, "g6", 4, true);
	gr_store_cancel(st);
	tell(other.to, other.from, 'd');
	expect(st, "g1", 3, false);

	/* Losing one scope keeps the holder; losing the last one does not. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	change(st, NULL, "g2", r2, false);
	expect(st, "g2", 3, true);
	change(st, "acme", "g2", r1, false);
	expect(st, "g2", 2, false);
	tu_commit(st);
	expect(st, "g2", 2, false);

	tu_peer_stop(&other);
	gr_store_close(st);
	tu_teardown(&env);
}

/* The organizations' names ST gives, comma-separated, against WANT. */
static void expect_orgs(struct gr_store *st, const char *want)
{
	struct gr_err err = { 0 };
	char got[256] = "";
	json_t *names = NULL, *v;
	size_t i;

	tu_assert_ok(gr_org_names(st, &names, &err), &err);
	json_array_foreach(names, i, v) {
		assert_true(json_is_string(v));
		if (i)
			strcat(got, ",");
		strcat(got, json_string_value(v));
	}
	json_decref(names);
	assert_string_equal(got, want);
}

static void test_org_names_follow_every_path(void **state)
{
	struct tu_env env;
	struct gr_store *st, *ro;
	struct gr_err err = { 0 };
	struct tu_peer other;

	(void)state;
	tu_setup(&env, NULL);
	tu_peer_start(&other, &env.cfg, other_writer);

	st = tu_open(&env);
	expect_orgs(st, "");
	/* Inside the transaction, then committed; sorted by name. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_org_create(st, "zeta", &err), &err);
	tu_assert_ok(gr_org_create(st, "acme", &err), &err);
	expect_orgs(st, "acme,zeta");
	tu_commit(st);
	expect_orgs(st, "acme,zeta");

	/* Cancelled: gone again. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_org_create(st, "mid", &err), &err);
	expect_orgs(st, "acme,mid,zeta");
	gr_store_cancel(st);
	expect_orgs(st, "acme,zeta");

	/* A batch: one unit stands, one is undone. */
	tu_assert_ok(gr_store_batch_begin(st, &err), &err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_org_delete(st, "zeta", &err), &err);
	tu_assert_ok(gr_store_commit(st, &err), &err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_org_create(st, "mid", &err), &err);
	expect_orgs(st, "acme,mid");
	gr_store_cancel(st);
	tu_assert_ok(gr_store_batch_end(st, &err), &err);
	expect_orgs(st, "acme");

	/* Another process's commits: seen in the next transaction, and outside one. */
	tell(other.to, other.from, 'o');
	tu_assert_ok(gr_store_begin(st, &err), &err);
	expect_orgs(st, "acme,beta");
	gr_store_cancel(st);
	tell(other.to, other.from, 'x');
	expect_orgs(st, "acme");

	tu_peer_stop(&other);
	gr_store_close(st);

	/* A read-only handle walks for them. */
	tu_assert_ok(gr_store_open(&env.cfg, GR_STORE_READ, &ro, &err), &err);
	expect_orgs(ro, "acme");
	gr_store_close(ro);
	tu_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_follows_every_path),
		cmocka_unit_test(test_org_names_follow_every_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The listing and creating functions grouprolectl and the Management API
 * share (store/orgs.h, store/assignments.h), the one time format
 * (core/timefmt.h), and resolution as a host of another organization
 * (gr_context_load_org): outputs compared whole, in their documented order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "resolve/facts.h"
#include "store/assignments.h"
#include "store/orgs.h"
#include "testutil.h"

/* Directories corp and lab; users u1 (in g1), u2; groups g1, g2 of corp and x of lab. */
static int fx_setup(void **state)
{
	const char *m1[] = { "u1" };
	struct tu_fx *fx;
	json_t *v;

	tu_fx_setup(state);
	fx = *state;
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "lab", &fx->err), &fx->err);
	v = tu_user("u1", "ann@corp.example", true);
	tu_assert_ok(gr_user_put(fx->st, "corp", v, NULL, &fx->err), &fx->err);
	json_decref(v);
	v = tu_user("u2", "bob@corp.example", true);
	tu_assert_ok(gr_user_put(fx->st, "corp", v, NULL, &fx->err), &fx->err);
	json_decref(v);
	v = tu_group("g2", "Ops", NULL, 0);
	tu_assert_ok(gr_group_put(fx->st, "corp", v, 0, &fx->err), &fx->err);
	json_decref(v);
	v = tu_group("g1", "Eng", m1, 1);
	tu_assert_ok(gr_group_put(fx->st, "corp", v, 0, &fx->err), &fx->err);
	json_decref(v);
	v = tu_group("x", "Lab", NULL, 0);
	tu_assert_ok(gr_group_put(fx->st, "lab", v, 0, &fx->err), &fx->err);
	json_decref(v);
	tu_role(fx->st, "admin", 0);
	tu_commit(fx->st);
	return 0;
}

static void assert_json(json_t *got, const char *want)
{
	char *s = json_dumps(got, JSON_COMPACT);

	assert_non_null(s);
	if (strcmp(s, want))
		fail_msg("got %s, want %s", s, want);
	free(s);
	json_decref(got);
}

static void test_org_lists(void **state)
{
	struct tu_fx *fx = *state;
	struct gr_ref u1 = { "corp", "u1" }, gone = { "corp", "gone" };
	json_t *out = NULL;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_org_create(fx->st, "zeta", &fx->err), &fx->err);
	tu_assert_ok(gr_org_create(fx->st, "acme", &fx->err), &fx->err);
	tu_assert_ok(gr_org_connection(fx->st, "acme", "corp", true, true, &fx->err), &fx->err);
	tu_assert_ok(gr_org_member(fx->st, "acme", &u1, true, &fx->err), &fx->err);
	/* A member record outlives its user until removed: listed all the same. */
	tu_assert_ok(gr_org_member(fx->st, "acme", &gone, true, &fx->err), &fx->err);
	tu_commit(fx->st);

	tu_assert_ok(gr_org_list(fx->st, &out, &fx->err), &fx->err);
	assert_json(out, "[{\"name\":\"acme\",\"connections\":{\"corp\":{\"auto_membership\":true}}},"
			 "{\"name\":\"zeta\",\"connections\":{}}]");
	tu_assert_ok(gr_org_members(fx->st, "acme", &out, &fx->err), &fx->err);
	assert_json(out, "[{\"directory\":\"corp\",\"id\":\"gone\"},{\"directory\":\"corp\",\"id\":\"u1\"}]");
	tu_assert_ok(gr_org_members(fx->st, "zeta", &out, &fx->err), &fx->err);
	assert_json(out, "[]");
	/* Connection groups: those of the connected directories only, sorted. */
	tu_assert_ok(gr_org_groups(fx->st, "acme", &out, &fx->err), &fx->err);
	assert_json(out, "[{\"directory\":\"corp\",\"id\":\"g1\",\"displayName\":\"Eng\"},"
			 "{\"directory\":\"corp\",\"id\":\"g2\",\"displayName\":\"Ops\"}]");
	tu_assert_ok(gr_org_groups(fx->st, "zeta", &out, &fx->err), &fx->err);
	assert_json(out, "[]");
	tu_assert_fails(gr_org_members(fx->st, "nosuch", &out, &fx->err), &fx->err,
			-GR_E_NOTFOUND, "no organization 'nosuch'");
	assert_null(out);
	tu_assert_fails(gr_org_groups(fx->st, "nosuch", &out, &fx->err), &fx->err,
			-GR_E_NOTFOUND, "no organization 'nosuch'");
}

static void test_assignments(void **state)
{
	struct tu_fx *fx = *state;
	struct gr_ref u1 = { "corp", "u1" }, u2 = { "corp", "u2" };
	json_t *out = NULL;
	char *before;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_assign_create(fx->st, &u2, "admin", "host:web1", 0, 1000, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_assign_create(fx->st, &u1, "admin", "host:web2", 2000, 1000, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_assign_create(fx->st, &u1, "admin", "hostgroup:db", 0, 1000, &fx->err),
		     &fx->err);
	tu_commit(fx->st);
	/* An expiry not in the future is refused, and nothing is written. */
	before = tu_dump(fx->st, "meta");
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_fails(gr_assign_create(fx->st, &u1, "admin", "host:web3", 1000, 1000, &fx->err),
			&fx->err, -GR_E_INVALID, "in the past");
	gr_store_cancel(fx->st);
	{
		char *after = tu_dump(fx->st, "meta");

		assert_string_equal(before, after);
		free(after);
	}
	free(before);

	tu_assert_ok(gr_assign_list(fx->st, NULL, NULL, &out, &fx->err), &fx->err);
	assert_json(out, "[{\"directory\":\"corp\",\"id\":\"u1\",\"role\":\"admin\",\"resource\":\"host:web2\",\"expires\":2000},"
			 "{\"directory\":\"corp\",\"id\":\"u1\",\"role\":\"admin\",\"resource\":\"hostgroup:db\",\"expires\":0},"
			 "{\"directory\":\"corp\",\"id\":\"u2\",\"role\":\"admin\",\"resource\":\"host:web1\",\"expires\":0}]");
	tu_assert_ok(gr_assign_list(fx->st, "corp", "u2", &out, &fx->err), &fx->err);
	assert_json(out, "[{\"directory\":\"corp\",\"id\":\"u2\",\"role\":\"admin\",\"resource\":\"host:web1\",\"expires\":0}]");
	tu_assert_ok(gr_assign_list(fx->st, "corp", "nobody", &out, &fx->err), &fx->err);
	assert_json(out, "[]");
}

static void test_time_format(void **state)
{
	static const struct {
		const char *in;
		long long t; /* -1: refused */
	} rows[] = {
		{ "2027-01-31T12:30:05Z", 1801398605LL },
		{ "2099-01-01", 4070908800LL },
		{ "2027-01-31T12:30:05", -1 },
		{ "2027-01-31 12:30:05Z", -1 },
		{ "yesterday", -1 },
		{ "", -1 },
		{ "1970-01-01", -1 },
	};
	char buf[32];
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int r = gr_time_parse(rows[i].in, &t);

		if (rows[i].t < 0 ? r == 0 : (r != 0 || t != rows[i].t))
			fail_msg("'%s': %d %lld, want %lld", rows[i].in, r, (long long)t, rows[i].t);
	}
	assert_string_equal(gr_time_format(1801398605LL, buf, sizeof(buf)), "2027-01-31T12:30:05Z");
	assert_null(gr_time_format(1801398605LL, buf, 8));
}

/* The roles of u1 as resolved with CTX, as "slug:source,..." */
static void resolved(struct tu_fx *fx, struct gr_context *ctx, char *out, size_t len)
{
	struct gr_facts *f = NULL;
	struct gr_resolution res;
	size_t i, j, n = 0;

	tu_assert_ok(gr_facts_load(fx->st, ctx, "corp", "u1", &f, &fx->err), &fx->err);
	assert_int_equal(gr_resolve(gr_facts_input(f), &res), 0);
	out[0] = '\0';
	for (i = 0; i < res.n_roles; i++)
		for (j = 0; j < res.roles[i].n_prov; j++)
			n += (size_t)snprintf(out + n, len - n, "%s%s:%s", n ? "," : "",
					      res.roles[i].slug,
					      gr_source_name(res.roles[i].prov[j].kind));
	if (res.org_member)
		snprintf(out + n, len - n, "%smember", n ? "," : "");
	gr_resolution_free(&res);
	gr_facts_free(f);
}

static void test_context_of_another_org(void **state)
{
	struct tu_fx *fx = *state;
	const char *slugs[] = { "admin" };
	struct gr_context *ctx = NULL;
	char got[256];

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_org_create(fx->st, "acme", &fx->err), &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, "acme", "corp", "g1", slugs, 1, true, &fx->err),
		     &fx->err);
	tu_commit(fx->st);

	/* This host serves no organization: acme's roles are not its. */
	tu_assert_ok(gr_context_load(fx->st, &ctx, &fx->err), &fx->err);
	resolved(fx, ctx, got, sizeof(got));
	assert_string_equal(got, "");
	gr_context_free(ctx);
	/* As a host of acme: a mapping alone is not enough (no connection)... */
	tu_assert_ok(gr_context_load_org(fx->st, "acme", &ctx, &fx->err), &fx->err);
	resolved(fx, ctx, got, sizeof(got));
	assert_string_equal(got, "");
	gr_context_free(ctx);
	/* ... auto-membership on the connection is. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_org_connection(fx->st, "acme", "corp", true, true, &fx->err), &fx->err);
	tu_commit(fx->st);
	tu_assert_ok(gr_context_load_org(fx->st, "acme", &ctx, &fx->err), &fx->err);
	resolved(fx, ctx, got, sizeof(got));
	assert_string_equal(got, "admin:organization,member");
	gr_context_free(ctx);
	ctx = (struct gr_context *)1;
	tu_assert_fails(gr_context_load_org(fx->st, "nosuch", &ctx, &fx->err), &fx->err,
			-GR_E_NOTFOUND, "no organization 'nosuch'");
	assert_null(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_org_lists, fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_assignments, fx_setup, tu_fx_teardown),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test_setup_teardown(test_context_of_another_org, fx_setup, tu_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

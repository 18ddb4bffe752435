/* SPDX-License-Identifier: MIT */
/*
 * Orphaned admin records (lib/store/orphans.c): assignments and organization
 * memberships of deleted users, role mappings of groups that no longer
 * exist.  They must be listed exactly, found by SCIM id (and only when they
 * really are orphans), and removable by id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/orphans.h"
#include "store/records.h"
#include "testutil.h"

struct fx {
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
};

static void put_user(struct fx *fx, const char *dir, const char *id, const char *name)
{
	json_t *u = tu_user(id, name, true);

	tu_assert_ok(gr_user_put(fx->st, dir, u, NULL, &fx->err), &fx->err);
	json_decref(u);
}

static int fx_setup(void **state)
{
	static const char *const g1_members[] = { "u1" };
	static const char *const admin[] = { "admin" };
	struct fx *fx = calloc(1, sizeof(*fx));
	struct gr_ref u1 = { "corp", "u1" }, u2 = { "corp", "u2" }, x1 = { "other", "u1" };
	json_t *g;

	assert_non_null(fx);
	tu_setup(&fx->env, NULL);
	fx->st = tu_open(&fx->env);
	gr_err_clear(&fx->err);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_role(fx->st, "admin", 10);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "other", &fx->err), &fx->err);
	tu_assert_ok(gr_org_create(fx->st, "acme", &fx->err), &fx->err);
	put_user(fx, "corp", "u1", "alice@example.com");
	put_user(fx, "corp", "u2", "bob@example.com");
	put_user(fx, "other", "u1", "alice@other.example");
	g = tu_group("g1", "Engineering", g1_members, 1);
	tu_assert_ok(gr_group_put(fx->st, "corp", g, 0, &fx->err), &fx->err);
	json_decref(g);
	tu_assert_ok(gr_assign_add(fx->st, &u1, "admin", "host:web1", 0, &fx->err), &fx->err);
	tu_assert_ok(gr_assign_add(fx->st, &u1, "admin", "hostgroup:db", 4102444800LL, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_assign_add(fx->st, &x1, "admin", "host:web1", 0, &fx->err), &fx->err);
	tu_assert_ok(gr_org_member(fx->st, "acme", &u2, true, &fx->err), &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "g1", admin, 1, true, &fx->err),
		     &fx->err);
	/* Live records: none of these is an orphan yet. */
	tu_commit(fx->st);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	gr_store_close(fx->st);
	tu_teardown(&fx->env);
	free(fx);
	return 0;
}

static char *list_text(struct fx *fx)
{
	json_t *o = NULL;
	char *s;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_orphans_list(fx->st, &o, &fx->err), &fx->err);
	gr_store_cancel(fx->st);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* The IdP deletes users; mappings of a vanished group linger (old data). */
static void make_orphans(struct fx *fx)
{
	json_t *roles = json_pack("[s]", "admin");

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_user_delete(fx->st, "corp", "u1", &fx->err), &fx->err);
	tu_assert_ok(gr_user_delete(fx->st, "corp", "u2", &fx->err), &fx->err);
	tu_assert_ok(gr_user_delete(fx->st, "other", "u1", &fx->err), &fx->err);
	/* gr_group_delete removes mappings; a restored backup may not have. */
	tu_assert_ok(gr_store_put_json(fx->st, "troles/corp/g9", roles, &fx->err), &fx->err);
	tu_assert_ok(gr_store_put_json(fx->st, "oroles/acme/corp/g9", roles, &fx->err), &fx->err);
	tu_commit(fx->st);
	json_decref(roles);
}

static void test_none_while_alive(void **state)
{
	struct fx *fx = *state;
	char *s = list_text(fx);

	assert_string_equal(s, "[]");
	free(s);
}

static void test_list(void **state)
{
	struct fx *fx = *state;
	char *s;

	make_orphans(fx);
	s = list_text(fx);
	assert_string_equal(s,
		"[{\"directory\":\"corp\",\"expires\":0,\"id\":\"u1\",\"kind\":\"assignment\","
		"\"resource\":\"host:web1\",\"role\":\"admin\"},"
		"{\"directory\":\"corp\",\"expires\":4102444800,\"id\":\"u1\",\"kind\":\"assignment\","
		"\"resource\":\"hostgroup:db\",\"role\":\"admin\"},"
		"{\"directory\":\"other\",\"expires\":0,\"id\":\"u1\",\"kind\":\"assignment\","
		"\"resource\":\"host:web1\",\"role\":\"admin\"},"
		"{\"directory\":\"corp\",\"id\":\"u2\",\"kind\":\"organization_member\","
		"\"organization\":\"acme\"},"
		"{\"directory\":\"corp\",\"id\":\"g9\",\"kind\":\"group_roles\",\"roles\":[\"admin\"]},"
		"{\"directory\":\"corp\",\"id\":\"g9\",\"kind\":\"organization_group_roles\","
		"\"organization\":\"acme\",\"roles\":[\"admin\"]}]");
	free(s);
}

static const char *find(struct fx *fx, enum gr_orphan_kind kind, const char *org,
			const char *dir, const char *id, char *buf, size_t len)
{
	struct gr_ref ref;
	int r;

	gr_err_clear(&fx->err);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	r = gr_orphan_find(fx->st, kind, org, dir, id, &ref, &fx->err);
	gr_store_cancel(fx->st);
	if (r < 0)
		snprintf(buf, len, "%s: %s", r == -GR_E_NOTFOUND   ? "notfound"
					     : r == -GR_E_CONFLICT ? "conflict"
								   : "other",
			 gr_err_msg(&fx->err));
	else
		snprintf(buf, len, "%s/%s", ref.dir, ref.id);
	return buf;
}

static void test_find(void **state)
{
	struct fx *fx = *state;
	char b[512];

	/* A live user is no orphan. */
	assert_string_equal(find(fx, GR_ORPHAN_ASSIGNMENT, NULL, "corp", "u1", b, sizeof(b)),
			    "notfound: no user 'u1'");
	make_orphans(fx);
	assert_string_equal(find(fx, GR_ORPHAN_ASSIGNMENT, NULL, "corp", "u1", b, sizeof(b)),
			    "corp/u1");
	/* Orphans in two directories: the admin must say which. */
	assert_string_equal(find(fx, GR_ORPHAN_ASSIGNMENT, NULL, NULL, "u1", b, sizeof(b)),
			    "conflict: orphaned records for user 'u1' exist in several directories; "
			    "name one with --directory");
	assert_string_equal(find(fx, GR_ORPHAN_ORG_MEMBER, "acme", NULL, "u2", b, sizeof(b)),
			    "corp/u2");
	assert_string_equal(find(fx, GR_ORPHAN_ORG_MEMBER, "other-org", NULL, "u2", b, sizeof(b)),
			    "notfound: no user 'u2'");
	assert_string_equal(find(fx, GR_ORPHAN_ASSIGNMENT, NULL, NULL, "u2", b, sizeof(b)),
			    "notfound: no user 'u2'");
	assert_string_equal(find(fx, GR_ORPHAN_GROUP_ROLES, NULL, NULL, "g9", b, sizeof(b)),
			    "corp/g9");
	assert_string_equal(find(fx, GR_ORPHAN_ORG_GROUP_ROLES, "acme", NULL, "g9", b, sizeof(b)),
			    "corp/g9");
	assert_string_equal(find(fx, GR_ORPHAN_GROUP_ROLES, NULL, NULL, "g1", b, sizeof(b)),
			    "notfound: no group 'g1'");
}

/* Removal by id empties the list; adding to a vanished group stays refused. */
static void test_remove_by_id(void **state)
{
	static const char *const admin[] = { "admin" };
	struct fx *fx = *state;
	struct gr_ref u1 = { "corp", "u1" }, u2 = { "corp", "u2" }, x1 = { "other", "u1" };
	char *s;

	make_orphans(fx);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_fails(gr_group_roles_change(fx->st, NULL, "corp", "g9", admin, 1, true,
					      &fx->err),
			&fx->err, -GR_E_NOTFOUND, "no group 'g9' in directory 'corp'");
	tu_assert_ok(gr_assign_remove(fx->st, &u1, "admin", "host:web1", &fx->err), &fx->err);
	tu_assert_ok(gr_assign_remove(fx->st, &u1, "admin", "hostgroup:db", &fx->err), &fx->err);
	tu_assert_ok(gr_assign_remove(fx->st, &x1, "admin", "host:web1", &fx->err), &fx->err);
	tu_assert_ok(gr_org_member(fx->st, "acme", &u2, false, &fx->err), &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "g9", admin, 1, false, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, "acme", "corp", "g9", admin, 1, false,
					   &fx->err), &fx->err);
	tu_commit(fx->st);
	s = list_text(fx);
	assert_string_equal(s, "[]");
	free(s);
}

#define FX(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	static const struct CMUnitTest tests[] = {
		FX(test_none_while_alive),
		FX(test_list),
		FX(test_find),
		FX(test_remove_by_id),
	};

	return cmocka_run_group_tests_name("orphans", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The Management API's pure pieces as tables (role ids from Auth0 names,
 * group ids, scopes, the error shape), and the store's limits (roles per
 * group, roles, roles per user, groups holding roles), which live in
 * lib/store so the CLI and the API refuse alike: each is reached exactly at
 * its figure, refused with -GR_E_LIMIT naming it, and through gr_api_serve
 * it is a 400 "limit_exceeded" that says which, with nothing changed.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "store/limits.h"
#include "testutil.h"

#define S64 "abcdefghijklmnopqrstuvwxyz012345abcdefghijklmnopqrstuvwxyz012345"

static void test_role_slug(void **state)
{
	static const struct {
		const char *name, *slug; /* slug NULL: refused */
	} rows[] = {
		{ "admin", "admin" },
		{ "Support Engineers", "support-engineers" },
		{ "  DB -- Admins  ", "db-admins" },
		{ "ops_team", "ops_team" },
		{ "Team/2024.Q1", "team-2024-q1" },
		{ "-lead-", "lead" },
		{ "Caf\xc3\xa9 crew", "caf-crew" },
		{ S64, S64 },
		{ S64 "x", NULL },
		{ "", NULL },
		{ "!!!", NULL },
		{ "--", NULL },
		{ "\xc3\xa9", NULL },
	};
	char out[GR_NAME_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int r = gr_api_role_slug(rows[i].name, out, sizeof(out));

		if (!rows[i].slug) {
			if (r != -GR_E_INVALID)
				fail_msg("'%s' gave '%s', expected a refusal", rows[i].name, out);
			continue;
		}
		if (r != 0 || strcmp(out, rows[i].slug))
			fail_msg("'%s' gave %d '%s', expected '%s'", rows[i].name, r, r ? "" : out,
				 rows[i].slug);
	}
}

static void test_group_id(void **state)
{
	static const struct {
		const char *id, *dir, *gid; /* dir NULL: refused */
	} rows[] = {
		{ "okta:0f3c9a", "okta", "0f3c9a" },
		{ "entra:a:b", "entra", "a:b" },
		{ "okta:", NULL, NULL },
		{ ":abc", NULL, NULL },
		{ "nocolon", NULL, NULL },
		{ "Okta:abc", NULL, NULL },
		{ "okta:a b", NULL, NULL },
		{ S64 "x:abc", NULL, NULL },
	};
	struct gr_ref ref;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int r = gr_api_group_id(rows[i].id, &ref);

		if (!rows[i].dir) {
			if (r != -GR_E_INVALID || ref.dir[0] || ref.id[0])
				fail_msg("'%s' was accepted", rows[i].id);
			continue;
		}
		if (r != 0 || strcmp(ref.dir, rows[i].dir) || strcmp(ref.id, rows[i].gid))
			fail_msg("'%s' gave %d '%s' '%s'", rows[i].id, r, ref.dir, ref.id);
	}
}

static void test_scopes_and_errors(void **state)
{
	json_t *scopes = json_pack("[s,i,s]", "read:roles", 7, "update:groups");
	json_t *e;

	(void)state;
	assert_true(gr_api_has_scope(scopes, "read:roles"));
	assert_true(gr_api_has_scope(scopes, "update:groups"));
	assert_false(gr_api_has_scope(scopes, "read:role"));
	assert_false(gr_api_has_scope(scopes, "create:roles"));
	assert_false(gr_api_has_scope(NULL, "read:roles"));
	json_decref(scopes);

	e = gr_api_error_body(403, "insufficient_scope", "Insufficient scope");
	assert_int_equal(json_integer_value(json_object_get(e, "statusCode")), 403);
	assert_string_equal(json_string_value(json_object_get(e, "error")), "Forbidden");
	assert_string_equal(json_string_value(json_object_get(e, "message")), "Insufficient scope");
	assert_string_equal(json_string_value(json_object_get(e, "errorCode")), "insufficient_scope");
	json_decref(e);
	e = gr_api_error_body(503, NULL, "later");
	assert_null(json_object_get(e, "errorCode"));
	assert_string_equal(json_string_value(json_object_get(e, "error")), "Service Unavailable");
	json_decref(e);
}

static void test_roles_per_group_limit(void **state)
{
	struct tu_fx *fx = *state;
	const char *slugs[GR_GROUP_ROLES_MAX + 1];
	char names[GR_GROUP_ROLES_MAX + 1][16], body[64];
	json_t *group, *scopes = json_pack("[s]", "create:group_roles"), *mapped = NULL;
	struct gr_api_reply reply = { 0 };
	struct gr_api_request rq = { .method = "POST", .path = "groups/corp:g1/roles",
				     .body = body, .scopes = scopes };
	uint64_t gen, gen2;
	size_t i;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	group = tu_group("g1", "Engineering", NULL, 0);
	tu_assert_ok(gr_group_put(fx->st, "corp", group, 0, &fx->err), &fx->err);
	json_decref(group);
	for (i = 0; i <= GR_GROUP_ROLES_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "r%zu", i);
		slugs[i] = names[i];
		tu_role(fx->st, names[i], 0);
	}
	/* The CLI's path: the whole list at once is refused, saying which limit. */
	tu_assert_fails(gr_group_roles_change(fx->st, NULL, "corp", "g1", slugs,
					      GR_GROUP_ROLES_MAX + 1, true, &fx->err),
			&fx->err, -GR_E_LIMIT, "at most 100");
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "g1", slugs, GR_GROUP_ROLES_MAX,
					   true, &fx->err), &fx->err);
	tu_commit(fx->st);

	/* The API's: one more is a 400 naming the limit, and nothing is written. */
	tu_assert_ok(gr_store_generation(fx->st, &gen, &fx->err), &fx->err);
	snprintf(body, sizeof(body), "{\"roles\":[\"r%d\"]}", GR_GROUP_ROLES_MAX);
	rq.len = strlen(body);
	assert_int_equal(gr_api_serve(fx->st, &rq, &reply), 0);
	assert_int_equal(reply.status, 400);
	assert_non_null(strstr(json_string_value(json_object_get(reply.body, "message")),
			       "limit reached: roles per group"));
	assert_string_equal(json_string_value(json_object_get(reply.body, "errorCode")),
			    "limit_exceeded");
	assert_false(reply.changed);
	gr_api_reply_clear(&reply);
	tu_assert_ok(gr_store_generation(fx->st, &gen2, &fx->err), &fx->err);
	assert_int_equal(gen, gen2);
	tu_assert_ok(gr_group_roles_get(fx->st, NULL, "corp", "g1", &mapped, &fx->err), &fx->err);
	assert_int_equal(json_array_size(mapped), GR_GROUP_ROLES_MAX);
	json_decref(mapped);

	/* A role already held is no addition: 204, and still nothing written. */
	snprintf(body, sizeof(body), "{\"roles\":[\"r0\"]}");
	rq.len = strlen(body);
	assert_int_equal(gr_api_serve(fx->st, &rq, &reply), 0);
	assert_int_equal(reply.status, 204);
	assert_null(reply.body);
	assert_false(reply.changed);
	tu_assert_ok(gr_store_generation(fx->st, &gen2, &fx->err), &fx->err);
	assert_int_equal(gen, gen2);
	json_decref(scopes);
}

/* Serve METHOD PATH (BODY may be NULL) with SCOPE; the reply's status. */
static unsigned serve(struct tu_fx *fx, const char *method, const char *path, const char *body,
		      const char *scope, const char *from, const char *take,
		      struct gr_api_reply *reply)
{
	json_t *scopes = json_pack("[s]", scope);
	struct gr_api_request rq = { .method = method, .path = path, .body = body,
				     .len = body ? strlen(body) : 0, .scopes = scopes,
				     .from = from, .take = take };

	gr_api_reply_clear(reply);
	assert_int_equal(gr_api_serve(fx->st, &rq, reply), 0);
	json_decref(scopes);
	return reply->status;
}

/*
 * POST /roles/{id}/groups over several groups is one transaction: when the
 * store refuses the second group (it holds the most roles a group may), the
 * first is not changed either.
 */
static void test_role_groups_all_or_none(void **state)
{
	struct tu_fx *fx = *state;
	const char *slugs[GR_GROUP_ROLES_MAX];
	char names[GR_GROUP_ROLES_MAX + 1][16];
	struct gr_api_reply reply = { 0 };
	json_t *g, *mapped = NULL;
	uint64_t gen, gen2;
	size_t i;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	for (i = 1; i <= 2; i++) {
		char id[8], name[16];

		snprintf(id, sizeof(id), "g%zu", i);
		snprintf(name, sizeof(name), "Group %zu", i);
		g = tu_group(id, name, NULL, 0);
		tu_assert_ok(gr_group_put(fx->st, "corp", g, 0, &fx->err), &fx->err);
		json_decref(g);
	}
	for (i = 0; i <= GR_GROUP_ROLES_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "r%zu", i);
		if (i < GR_GROUP_ROLES_MAX)
			slugs[i] = names[i];
		tu_role(fx->st, names[i], 0);
	}
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "g2", slugs, GR_GROUP_ROLES_MAX,
					   true, &fx->err), &fx->err);
	tu_commit(fx->st);
	tu_assert_ok(gr_store_generation(fx->st, &gen, &fx->err), &fx->err);

	assert_int_equal(serve(fx, "POST", "roles/r100/groups",
			       "{\"groups\":[\"corp:g1\",\"corp:g2\"]}", "create:group_roles", NULL,
			       NULL, &reply), 400);
	assert_non_null(strstr(json_string_value(json_object_get(reply.body, "message")),
			       "limit reached: roles per group"));
	assert_string_equal(json_string_value(json_object_get(reply.body, "errorCode")),
			    "limit_exceeded");
	assert_false(reply.changed);
	tu_assert_ok(gr_store_generation(fx->st, &gen2, &fx->err), &fx->err);
	assert_int_equal(gen, gen2);
	tu_assert_ok(gr_group_roles_get(fx->st, NULL, "corp", "g1", &mapped, &fx->err), &fx->err);
	assert_int_equal(json_array_size(mapped), 0);
	json_decref(mapped);

	/* The group with room takes it; the role's groups then name it. */
	assert_int_equal(serve(fx, "POST", "roles/r100/groups", "{\"groups\":[\"corp:g1\"]}",
			       "update:groups", NULL, NULL, &reply), 204);
	assert_true(reply.changed);
	assert_int_equal(serve(fx, "GET", "roles/r100/groups", NULL, "read:group_roles", NULL, NULL,
			       &reply), 200);
	assert_int_equal(json_array_size(reply.body), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(reply.body, 0), "id")),
			    "corp:g1");
	assert_int_equal(serve(fx, "GET", "roles/r0/groups", NULL, "read:group_roles", NULL, NULL,
			       &reply), 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(reply.body, 0), "name")),
			    "Group 2");
	gr_api_reply_clear(&reply);
}

/* from/take: every group once, in id order, whatever the page size. */
static void test_groups_cursor(void **state)
{
	static const char *const ids[] = { "a1", "b2", "c3", "d4", "e5" };
	struct tu_fx *fx = *state;
	struct gr_api_reply reply = { 0 };
	char take[8], from[300], seen[300];
	size_t i, n;
	json_t *g, *v;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	for (i = 5; i-- > 0;) {
		g = tu_group(ids[i], ids[i], NULL, 0);
		tu_assert_ok(gr_group_put(fx->st, "corp", g, 0, &fx->err), &fx->err);
		json_decref(g);
	}
	tu_commit(fx->st);
	for (n = 1; n <= 6; n++) {
		bool more = true;

		snprintf(take, sizeof(take), "%zu", n);
		from[0] = seen[0] = '\0';
		while (more) {
			assert_int_equal(serve(fx, "GET", "groups", NULL, "read:groups",
					       from[0] ? from : NULL, take, &reply), 200);
			assert_true(json_array_size(json_object_get(reply.body, "groups")) <= n);
			json_array_foreach(json_object_get(reply.body, "groups"), i, v) {
				strcat(seen, json_string_value(json_object_get(v, "id")));
				strcat(seen, " ");
			}
			v = json_object_get(reply.body, "next");
			more = v != NULL;
			if (more)
				snprintf(from, sizeof(from), "%s", json_string_value(v));
		}
		assert_string_equal(seen, "corp:a1 corp:b2 corp:c3 corp:d4 corp:e5 ");
	}
	/* A cursor that names no group starts at the next one in order. */
	assert_int_equal(serve(fx, "GET", "groups", NULL, "read:groups", "corp:b", "1", &reply), 200);
	assert_string_equal(json_string_value(json_object_get(reply.body, "next")), "corp:c3");
	assert_int_equal(serve(fx, "GET", "groups", NULL, "read:groups", NULL, "0", &reply), 400);
	/* Paths that are none of the endpoints. */
	assert_int_equal(serve(fx, "GET", "groups/corp:a1/nosuch", NULL, "read:groups", NULL, NULL,
			       &reply), 404);
	assert_int_equal(serve(fx, "GET", "groups/corp:a1/members/x", NULL, "read:group_members",
			       NULL, NULL, &reply), 404);
	assert_int_equal(serve(fx, "GET", "users", NULL, "read:users", NULL, NULL, &reply), 404);
	assert_int_equal(serve(fx, "GET", "groups/", NULL, "read:groups", NULL, NULL, &reply), 404);
	assert_int_equal(serve(fx, "PATCH", "groups/corp:a1", NULL, "read:groups", NULL, NULL,
			       &reply), 405);
	assert_string_equal(reply.allow, "GET");
	gr_api_reply_clear(&reply);
}

/* ---- the store's limits (store/limits.h), through the CLI's functions and the API ---- */

/* POST PATH BODY with SCOPE through the API: the reply's status (REPLY cleared by the caller). */
static unsigned post(struct tu_fx *fx, const char *path, const char *body, const char *scope,
		     struct gr_api_reply *reply)
{
	json_t *scopes = json_pack("[s]", scope);
	struct gr_api_request rq = { .method = "POST", .path = path, .body = body,
				     .len = strlen(body), .scopes = scopes };

	assert_int_equal(gr_api_serve(fx->st, &rq, reply), 0);
	json_decref(scopes);
	return reply->status;
}

static void assert_limit_reply(const struct gr_api_reply *reply, const char *which)
{
	assert_int_equal(reply->status, 400);
	assert_string_equal(json_string_value(json_object_get(reply->body, "errorCode")),
			    "limit_exceeded");
	assert_non_null(strstr(json_string_value(json_object_get(reply->body, "message")), which));
	assert_false(reply->changed);
}

static void test_roles_limit(void **state)
{
	struct tu_fx *fx = *state;
	struct gr_api_reply reply = { 0 };
	struct gr_role role;
	char slug[32], *before, *after;
	int i;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	for (i = 0; i < GR_ROLES_MAX; i++) {
		snprintf(slug, sizeof(slug), "r%04d", i);
		tu_role(fx->st, slug, 0);
	}
	memset(&role, 0, sizeof(role));
	strcpy(role.slug, "one-more");
	tu_assert_fails(gr_role_create(fx->st, &role, 0, &fx->err), &fx->err, -GR_E_LIMIT,
			"limit reached: roles (at most 1000)");
	tu_commit(fx->st);

	before = tu_dump(fx->st, NULL);
	post(fx, "roles", "{\"name\":\"One More\"}", "create:roles", &reply);
	assert_limit_reply(&reply, "roles (at most 1000)");
	gr_api_reply_clear(&reply);
	after = tu_dump(fx->st, NULL);
	assert_string_equal(before, after);
	free(after);

	/* A deleted role makes room for one. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_role_delete(fx->st, "r0000", &fx->err), &fx->err);
	tu_assert_ok(gr_role_create(fx->st, &role, 0, &fx->err), &fx->err);
	tu_commit(fx->st);
	free(before);
}

static void test_user_roles_limit(void **state)
{
	struct tu_fx *fx = *state;
	struct gr_ref u = { "corp", "u1" };
	json_t *user = tu_user("u1", "ann@corp.example", true), *arr = NULL;
	char slug[32], *before, *after;
	int i;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	tu_assert_ok(gr_user_put(fx->st, "corp", user, NULL, &fx->err), &fx->err);
	json_decref(user);
	for (i = 0; i <= GR_USER_ROLES_MAX; i++) {
		snprintf(slug, sizeof(slug), "r%02d", i);
		tu_role(fx->st, slug, 0);
	}
	for (i = 0; i < GR_USER_ROLES_MAX; i++) {
		snprintf(slug, sizeof(slug), "r%02d", i);
		tu_assert_ok(gr_assign_add(fx->st, &u, slug, "host:web1", 0, &fx->err), &fx->err);
	}
	/* At the limit: the same roles on another resource, or a new expiry, add no role. */
	tu_assert_ok(gr_assign_add(fx->st, &u, "r00", "host:web2", 0, &fx->err), &fx->err);
	tu_assert_ok(gr_assign_add(fx->st, &u, "r01", "host:web1", 4102444800LL, &fx->err),
		     &fx->err);
	snprintf(slug, sizeof(slug), "r%02d", GR_USER_ROLES_MAX);
	tu_assert_fails(gr_assign_add(fx->st, &u, slug, "host:web1", 0, &fx->err), &fx->err,
			-GR_E_LIMIT, "limit reached: roles per user (at most 50");
	tu_commit(fx->st);
	tu_assert_ok(gr_assign_get(fx->st, "corp", "u1", &arr, &fx->err), &fx->err);
	assert_int_equal(json_array_size(arr), GR_USER_ROLES_MAX + 1);
	json_decref(arr);

	before = tu_dump(fx->st, NULL);
	{
		struct gr_api_reply reply = { 0 };
		char body[200];

		snprintf(body, sizeof(body),
			 "{\"user_id\":\"corp:u1\",\"role_id\":\"%s\",\"resource\":\"host:web1\"}",
			 slug);
		post(fx, "role-assignments", body, "create:role_assignments", &reply);
		assert_limit_reply(&reply, "roles per user (at most 50");
		gr_api_reply_clear(&reply);
	}
	after = tu_dump(fx->st, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_groups_with_roles_limit(void **state)
{
	struct tu_fx *fx = *state;
	json_t *g = tu_group("real", "Real", NULL, 0), *one = json_pack("[s]", "r");
	const char *slugs[] = { "r" };
	char key[64], *before, *after;
	size_t n;
	bool holds;
	int i;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	tu_assert_ok(gr_group_put(fx->st, "corp", g, 0, &fx->err), &fx->err);
	json_decref(g);
	tu_assert_ok(gr_org_create(fx->st, "acme", &fx->err), &fx->err);
	tu_role(fx->st, "r", 0);
	/*
	 * GR_GROUPS_WITH_ROLES_MAX - 1 groups hold tenant roles (written as bare
	 * records: creating that many groups would only slow the test), one of
	 * them also organization roles, which counts it once.
	 */
	for (i = 0; i < GR_GROUPS_WITH_ROLES_MAX - 1; i++) {
		snprintf(key, sizeof(key), "troles/corp/g%05d", i);
		tu_assert_ok(gr_store_put_json(fx->st, key, one, &fx->err), &fx->err);
	}
	tu_assert_ok(gr_store_put_json(fx->st, "oroles/acme/corp/g00000", one, &fx->err), &fx->err);
	tu_assert_ok(gr_groups_with_roles(fx->st, "corp", "g00000", &n, &holds, &fx->err),
		     &fx->err);
	assert_int_equal(n, GR_GROUPS_WITH_ROLES_MAX - 1);
	assert_true(holds);
	/* The last one fits, at the organization's scope; its tenant roles are no new group. */
	tu_assert_ok(gr_group_roles_change(fx->st, "acme", "corp", "real", slugs, 1, true, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "real", slugs, 1, true, &fx->err),
		     &fx->err);
	tu_commit(fx->st);

	/* One more group is refused, by the CLI's function and by the API. */
	g = tu_group("late", "Late", NULL, 0);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_group_put(fx->st, "corp", g, 0, &fx->err), &fx->err);
	json_decref(g);
	tu_commit(fx->st);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_fails(gr_group_roles_change(fx->st, NULL, "corp", "late", slugs, 1, true,
					      &fx->err),
			&fx->err, -GR_E_LIMIT, "limit reached: groups holding roles (at most 10000)");
	gr_store_cancel(fx->st);
	before = tu_dump(fx->st, NULL);
	{
		struct gr_api_reply reply = { 0 };

		post(fx, "groups/corp:late/roles", "{\"roles\":[\"r\"]}", "create:group_roles",
		     &reply);
		assert_limit_reply(&reply, "groups holding roles");
		gr_api_reply_clear(&reply);
		post(fx, "organizations/acme/groups/corp:late/roles", "{\"roles\":[\"r\"]}",
		     "create:organization_group_roles", &reply);
		assert_limit_reply(&reply, "groups holding roles");
		gr_api_reply_clear(&reply);
	}
	after = tu_dump(fx->st, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
	json_decref(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_slug),
		cmocka_unit_test(test_group_id),
		cmocka_unit_test(test_scopes_and_errors),
		cmocka_unit_test_setup_teardown(test_roles_per_group_limit, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_role_groups_all_or_none, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_groups_cursor, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_roles_limit, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_roles_limit, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_groups_with_roles_limit, tu_fx_setup, tu_fx_teardown),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}

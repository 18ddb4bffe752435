/* SPDX-License-Identifier: MIT */
/*
 * store = ldap: from the keys a transaction wrote to the fleet entries they
 * belong to (lib/fleet/entities.c) -- the inverse of lib/fleet/apply.c's
 * layout, derived keys ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/entities.h"
#include "testutil.h"

static void expect(const char *key, enum gr_fleet_key_class cls, enum gr_fleet_kind kind,
		   const char *dir, const char *id)
{
	struct gr_fleet_entity e;

	assert_int_equal(gr_fleet_key_entity(key, &e), cls);
	if (cls != GR_FLEET_KEY_ENTITY)
		return;
	assert_int_equal(e.kind, kind);
	assert_string_equal(e.dir, dir);
	assert_string_equal(e.id, id);
}

static void test_key_classes(void **state)
{
	(void)state;
	expect("dir/okta", GR_FLEET_KEY_ENTITY, GR_FLEET_DIRECTORY, "", "okta");
	expect("role/admin", GR_FLEET_KEY_ENTITY, GR_FLEET_ROLE, "", "admin");
	expect("user/okta/u1", GR_FLEET_KEY_ENTITY, GR_FLEET_USER, "okta", "u1");
	expect("scim/okta/u1", GR_FLEET_KEY_ENTITY, GR_FLEET_USER, "okta", "u1");
	expect("group/okta/g1", GR_FLEET_KEY_ENTITY, GR_FLEET_GROUP, "okta", "g1");
	expect("members/okta/g1", GR_FLEET_KEY_ENTITY, GR_FLEET_GROUP, "okta", "g1");
	expect("troles/okta/g1", GR_FLEET_KEY_ENTITY, GR_FLEET_MAPPING, "okta", "g1");
	/* A group's organization roles are on its mapping entry; members on the organization's. */
	expect("oroles/payments/okta/g1", GR_FLEET_KEY_ENTITY, GR_FLEET_MAPPING, "okta", "g1");
	expect("org/payments", GR_FLEET_KEY_ENTITY, GR_FLEET_ORG, "", "payments");
	expect("orgmember/payments/okta/u1", GR_FLEET_KEY_ENTITY, GR_FLEET_ORG, "", "payments");
	expect("assign/okta/u1", GR_FLEET_KEY_ENTITY, GR_FLEET_ASSIGN, "okta", "u1");
	expect("policy", GR_FLEET_KEY_ENTITY, GR_FLEET_POLICY, "", "policy");
	/* Derived on every host, or host-local by design. */
	static const char *const ignored[] = {
		"ug/okta/u1", "ug/okta/u1/2", "uname/okta/alice", "login/alice", "gname/okta/sre",
		"rgroup/role-admin", "gid/200001", "roleindex", "meta", "schema", "token/abc",
		"fleet/cookie", "fleet/uuid/1234", "publish/state", "events/1",
		/* not the shape of an entity key */
		"dir/okta/x", "user/okta", "user/okta/", "user//u1", "role/", "troles/a/b/c",
		"org/", "org/a/b", "orgmember/p/okta", "orgmember/p/okta/u1/x", "orgmember//okta/u1",
		"oroles/p/okta", "oroles/p//g1", "oroles/p/okta/g1/x", "assign/okta", "assign/okta/u1/x",
		"policy/x", "policies",
	};
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		expect(ignored[i], GR_FLEET_KEY_IGNORED, 0, "", "");
}

static void test_entities_are_distinct_and_parents_first(void **state)
{
	static const char *const keys[] = {
		"troles/okta/g1", "members/okta/g1", "ug/okta/u1", "scim/okta/u1", "group/okta/g1",
		"user/okta/u1", "meta", "role/admin", "dir/okta", "login/alice", "oroles/p/okta/g1",
		"orgmember/p/okta/u1", "org/p", "assign/okta/u1", "policy",
	};
	struct gr_fleet_entity *v = NULL;
	struct gr_err err = { 0 };
	size_t n = 0;

	(void)state;
	tu_assert_ok(gr_fleet_entities(keys, sizeof(keys) / sizeof(keys[0]), &v, &n, &err), &err);
	/* troles/ and oroles/ of one group are one entry, org/ and orgmember/ of one organization too. */
	assert_int_equal(n, 8);
	assert_int_equal(v[0].kind, GR_FLEET_DIRECTORY);
	assert_int_equal(v[1].kind, GR_FLEET_ROLE);
	assert_int_equal(v[2].kind, GR_FLEET_USER);
	assert_string_equal(v[2].id, "u1");
	assert_int_equal(v[3].kind, GR_FLEET_GROUP);
	/* An organization before the mappings: their organization roles name it. */
	assert_int_equal(v[4].kind, GR_FLEET_ORG);
	assert_string_equal(v[4].id, "p");
	assert_int_equal(v[5].kind, GR_FLEET_MAPPING);
	assert_string_equal(v[5].dir, "okta");
	assert_string_equal(v[5].id, "g1");
	/* Assignments after roles and users. */
	assert_int_equal(v[6].kind, GR_FLEET_ASSIGN);
	assert_string_equal(v[6].dir, "okta");
	/* The policy last: its default role must be there. */
	assert_int_equal(v[7].kind, GR_FLEET_POLICY);
	free(v);
	/* Nothing of the fleet's: nothing to write. */
	tu_assert_ok(gr_fleet_entities(keys + 6, 1, &v, &n, &err), &err);
	assert_int_equal(n, 0);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_classes),
		cmocka_unit_test(test_entities_are_distinct_and_parents_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Roles and their Unix groups, against a fixed fake host (root 0, adm 4,
 * sudo 27, docker 999, ops 5000, legacy 200005): gid allocation, gids never
 * reused, reserved and existing names, bound roles, and what deleting a role
 * takes with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/records.h"
#include "store/roles.h"
#include "testutil.h"

struct fx {
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
	const void *row; /* table rows: the row, passed in as the initial state */
};

static int setup_with(void **state, const char *extra)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->row = *state;
	tu_setup(&fx->env, extra);
	tu_fake_host_groups();
	fx->st = tu_open(&fx->env);
	gr_err_clear(&fx->err);
	*state = fx;
	return 0;
}

static int fx_setup(void **state)
{
	return setup_with(state, NULL);
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	gr_store_close(fx->st);
	tu_host_groups_reset();
	tu_teardown(&fx->env);
	free(fx);
	return 0;
}

/* Run one gr_role_create in its own transaction; commit only on success. */
static int create(struct fx *fx, const char *slug, const char *unix_group, uint32_t gid,
		  unsigned flags, struct gr_role *out)
{
	struct gr_role role;
	int r;

	memset(&role, 0, sizeof(role));
	snprintf(role.slug, sizeof(role.slug), "%s", slug);
	if (unix_group)
		snprintf(role.unix_group, sizeof(role.unix_group), "%s", unix_group);
	role.gid = gid;
	gr_err_clear(&fx->err);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	r = gr_role_create(fx->st, &role, flags, &fx->err);
	if (r < 0)
		gr_store_cancel(fx->st);
	else
		tu_commit(fx->st);
	if (out)
		*out = role;
	return r;
}

static uint32_t create_ok(struct fx *fx, const char *slug)
{
	struct gr_role role;

	tu_assert_ok(create(fx, slug, NULL, 0, 0, &role), &fx->err);
	return role.gid;
}

static int delete(struct fx *fx, const char *slug)
{
	int r;

	gr_err_clear(&fx->err);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	r = gr_role_delete(fx->st, slug, &fx->err);
	if (r < 0)
		gr_store_cancel(fx->st);
	else
		tu_commit(fx->st);
	return r;
}

/* The whole database, for "a refused request changed nothing". */
static char *dump(struct fx *fx)
{
	return tu_dump(fx->st, "meta");
}

static void assert_unchanged(struct fx *fx, char *before)
{
	char *after = dump(fx);

	assert_string_equal(after, before);
	free(after);
	free(before);
}

/* ---- allocation ---- */

static void test_first_gids(void **state)
{
	struct fx *fx = *state;
	struct gr_role role;
	json_t *v = NULL;

	assert_int_equal(create_ok(fx, "admin"), 200000);
	assert_int_equal(create_ok(fx, "dev"), 200001);
	tu_assert_ok(gr_role_get(fx->st, "admin", &role, &fx->err), &fx->err);
	assert_string_equal(role.slug, "admin");
	assert_string_equal(role.name, "admin");
	assert_string_equal(role.unix_group, "role-admin");
	assert_int_equal(role.gid, 200000);
	assert_false(role.bound);
	/* The registry and the index that make both unique. */
	tu_assert_ok(gr_store_get_json(fx->st, "gid/200000", &v, &fx->err), &fx->err);
	assert_string_equal(json_string_value(json_object_get(v, "slug")), "admin");
	assert_true(json_is_false(json_object_get(v, "retired")));
	json_decref(v);
	tu_assert_ok(gr_store_get_json(fx->st, "meta", &v, &fx->err), &fx->err);
	assert_int_equal(json_integer_value(json_object_get(v, "next_gid")), 200002);
	json_decref(v);

	/* The cursor survives closing the database. */
	gr_store_close(fx->st);
	fx->st = tu_open(&fx->env);
	assert_int_equal(create_ok(fx, "ops-team"), 200002);
}

static void test_fields(void **state)
{
	struct fx *fx = *state;
	struct gr_role role, got;

	memset(&role, 0, sizeof(role));
	strcpy(role.slug, "db-admin");
	strcpy(role.name, "Database administrators");
	strcpy(role.description, "Full access to the database hosts");
	role.priority = -5;
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_role_create(fx->st, &role, 0, &fx->err), &fx->err);
	tu_commit(fx->st);
	tu_assert_ok(gr_role_get(fx->st, "db-admin", &got, &fx->err), &fx->err);
	assert_string_equal(got.name, "Database administrators");
	assert_string_equal(got.description, "Full access to the database hosts");
	assert_int_equal(got.priority, -5);
	assert_string_equal(got.unix_group, "role-db-admin");

	/* Update changes the labels, never the gid or the group. */
	strcpy(role.name, "");
	strcpy(role.description, "changed");
	role.priority = 7;
	role.gid = 1;
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_role_update(fx->st, &role, &fx->err), &fx->err);
	tu_commit(fx->st);
	tu_assert_ok(gr_role_get(fx->st, "db-admin", &got, &fx->err), &fx->err);
	assert_string_equal(got.name, "db-admin");
	assert_string_equal(got.description, "changed");
	assert_int_equal(got.priority, 7);
	assert_int_equal(got.gid, 200000);

	tu_assert_fails(gr_role_get(fx->st, "nope", &got, &fx->err), &fx->err, -GR_E_NOTFOUND,
			"no role 'nope'");
	tu_assert_fails(gr_role_get(fx->st, "No", &got, &fx->err), &fx->err, -GR_E_INVALID,
			"invalid role slug 'No'");
}

static void test_priority_bounds(void **state)
{
	struct fx *fx = *state;
	struct gr_role role;

	memset(&role, 0, sizeof(role));
	strcpy(role.slug, "p");
	role.priority = GR_PRIORITY_MAX + 1;
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_fails(gr_role_create(fx->st, &role, 0, &fx->err), &fx->err, -GR_E_INVALID,
			"priority must be between -1000000 and 1000000");
	role.priority = GR_PRIORITY_MIN;
	tu_assert_ok(gr_role_create(fx->st, &role, 0, &fx->err), &fx->err);
	role.priority = GR_PRIORITY_MIN - 1;
	tu_assert_fails(gr_role_update(fx->st, &role, &fx->err), &fx->err, -GR_E_INVALID,
			"priority must be between");
	gr_store_cancel(fx->st);
}

static int skip_setup(void **state)
{
	/* legacy (200005) lives on the host, two below it are ours. */
	return setup_with(state, "gid_min = 200004");
}

static void test_skip_host_gid(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(create_ok(fx, "a"), 200004);
	assert_int_equal(create_ok(fx, "b"), 200006);
	assert_int_equal(create_ok(fx, "c"), 200007);
}

static int nobody_setup(void **state)
{
	return setup_with(state, "gid_min = 65533\ngid_max = 65540");
}

/* 65534 and 65535 are nobody/nogroup and the 16-bit (gid_t)-1: never ours. */
static void test_skip_reserved_gids(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(create_ok(fx, "a"), 65533);
	assert_int_equal(create_ok(fx, "b"), 65536);
}

/* An explicit gid inside the range is skipped by later allocation. */
static void test_explicit_gid(void **state)
{
	struct fx *fx = *state;
	struct gr_role role;

	tu_assert_ok(create(fx, "pinned", NULL, 200001, GR_ROLE_GID_SET, &role), &fx->err);
	assert_int_equal(role.gid, 200001);
	assert_int_equal(create_ok(fx, "a"), 200000);
	assert_int_equal(create_ok(fx, "b"), 200002);
	/* Never twice. */
	tu_assert_fails(create(fx, "again", NULL, 200001, GR_ROLE_GID_SET, NULL), &fx->err,
			-GR_E_CONFLICT, "gid 200001 was already allocated (gids are never reused)");
	/* The edges of the range are inside it. */
	tu_assert_ok(create(fx, "low", NULL, 200000 + 10, GR_ROLE_GID_SET, &role), &fx->err);
	tu_assert_ok(create(fx, "high", NULL, 299999, GR_ROLE_GID_SET, &role), &fx->err);
	assert_int_equal(role.gid, 299999);
}

static void test_delete_retires_gid(void **state)
{
	struct fx *fx = *state;
	struct gr_role role;
	json_t *v = NULL;
	char *before;

	assert_int_equal(create_ok(fx, "temp"), 200000);
	tu_assert_ok(delete(fx, "temp"), &fx->err);
	tu_assert_fails(gr_role_get(fx->st, "temp", &role, &fx->err), &fx->err, -GR_E_NOTFOUND,
			"no role 'temp'");
	assert_false(gr_store_exists(fx->st, "rgroup/role-temp"));
	tu_assert_ok(gr_store_get_json(fx->st, "gid/200000", &v, &fx->err), &fx->err);
	assert_string_equal(json_string_value(json_object_get(v, "slug")), "temp");
	assert_true(json_is_true(json_object_get(v, "retired")));
	json_decref(v);

	/* The same slug again is a new role with a new gid. */
	assert_int_equal(create_ok(fx, "temp"), 200001);
	tu_assert_ok(delete(fx, "temp"), &fx->err);
	/* Even after closing, and even when asked for by number. */
	gr_store_close(fx->st);
	fx->st = tu_open(&fx->env);
	before = dump(fx);
	tu_assert_fails(create(fx, "other", NULL, 200000, GR_ROLE_GID_SET, NULL), &fx->err,
			-GR_E_CONFLICT, "gid 200000 was already allocated (gids are never reused)");
	assert_unchanged(fx, before);
	assert_int_equal(create_ok(fx, "other"), 200002);
}

static int tiny_setup(void **state)
{
	return setup_with(state, "gid_min = 200000\ngid_max = 200001");
}

static void test_exhausted(void **state)
{
	struct fx *fx = *state;
	char *before;

	assert_int_equal(create_ok(fx, "a"), 200000);
	assert_int_equal(create_ok(fx, "b"), 200001);
	before = dump(fx);
	tu_assert_fails(create(fx, "c", NULL, 0, 0, NULL), &fx->err, -GR_E_EXHAUSTED,
			"no free gid left in 200000-200001 (gids are never reused); raise gid_max");
	assert_unchanged(fx, before);
	/* Deleting does not give a gid back. */
	tu_assert_ok(delete(fx, "a"), &fx->err);
	tu_assert_fails(create(fx, "c", NULL, 0, 0, NULL), &fx->err, -GR_E_EXHAUSTED,
			"no free gid left in 200000-200001");
}

static int hostonly_setup(void **state)
{
	return setup_with(state, "gid_min = 200005\ngid_max = 200005");
}

/* A range whose only gid is taken on the host is exhausted from the start. */
static void test_exhausted_by_host(void **state)
{
	struct fx *fx = *state;

	tu_assert_fails(create(fx, "a", NULL, 0, 0, NULL), &fx->err, -GR_E_EXHAUSTED,
			"no free gid left in 200005-200005");
}

/* ---- names and gids that are not ours ---- */

struct refuse_row {
	const char *name;
	const char *slug;
	const char *unix_group;
	uint32_t gid;
	unsigned flags;
	int code;
	const char *msg; /* the exact sentence */
};

static const struct refuse_row refuse_rows[] = {
	{ "reserved name sudo", "s", "sudo", 0, 0, -GR_E_RESERVED,
	  "'sudo' is a reserved system group; bind to it explicitly with --bind" },
	{ "reserved name wheel (not on this host)", "w", "wheel", 0, 0, -GR_E_RESERVED,
	  "'wheel' is a reserved system group; bind to it explicitly with --bind" },
	{ "reserved name root", "r", "root", 0, 0, -GR_E_RESERVED,
	  "'root' is a reserved system group; bind to it explicitly with --bind" },
	{ "reserved name shadow", "sh", "shadow", 0, 0, -GR_E_RESERVED,
	  "'shadow' is a reserved system group; bind to it explicitly with --bind" },
	{ "reserved name with an explicit gid", "d", "disk", 200100, GR_ROLE_GID_SET,
	  -GR_E_RESERVED, "'disk' is a reserved system group; bind to it explicitly with --bind" },
	{ "binding to a missing group", "w", "wheel", 0, GR_ROLE_BIND, -GR_E_NOTFOUND,
	  "cannot bind: the host has no group 'wheel'" },
	{ "binding without a group name", "b", NULL, 0, GR_ROLE_BIND, -GR_E_INVALID,
	  "binding to a host group needs --unix-group NAME" },
	{ "binding with the wrong gid", "dk", "docker", 1000, GR_ROLE_BIND | GR_ROLE_GID_SET,
	  -GR_E_CONFLICT, "host group 'docker' has gid 999, not 1000" },
	{ "existing host group name", "o", "ops", 0, 0, -GR_E_CONFLICT,
	  "the host already has a group 'ops' (gid 5000); "
	  "bind to it with --bind or choose another name" },
	{ "existing host group name from the prefix", "legacy", "legacy", 0, 0, -GR_E_CONFLICT,
	  "the host already has a group 'legacy' (gid 200005); "
	  "bind to it with --bind or choose another name" },
	{ "explicit gid of a host group", "x", NULL, 200005, GR_ROLE_GID_SET, -GR_E_CONFLICT,
	  "gid 200005 is already used by host group 'legacy'" },
	{ "explicit gid of ops", "x", NULL, 5000, GR_ROLE_GID_SET, -GR_E_CONFLICT,
	  "gid 5000 is already used by host group 'ops'" },
	{ "explicit system gid", "x", NULL, 500, GR_ROLE_GID_SET, -GR_E_RESERVED,
	  "gid 500 is reserved" },
	{ "explicit gid 0", "x", NULL, 0, GR_ROLE_GID_SET, -GR_E_RESERVED, "gid 0 is reserved" },
	{ "explicit nogroup gid", "x", NULL, 65534, GR_ROLE_GID_SET, -GR_E_RESERVED,
	  "gid 65534 is reserved" },
	{ "explicit (gid_t)-1", "x", NULL, 4294967295u, GR_ROLE_GID_SET, -GR_E_RESERVED,
	  "gid 4294967295 is reserved" },
	{ "explicit (gid_t)-2", "x", NULL, 4294967294u, GR_ROLE_GID_SET, -GR_E_RESERVED,
	  "gid 4294967294 is reserved" },
	{ "explicit 16-bit (gid_t)-1", "x", NULL, 65535, GR_ROLE_GID_SET, -GR_E_RESERVED,
	  "gid 65535 is reserved" },
	{ "explicit gid below gid_min", "x", NULL, 199999, GR_ROLE_GID_SET, -GR_E_INVALID,
	  "gid 199999 is outside gid_min..gid_max (200000-299999)" },
	{ "explicit gid above gid_max", "x", NULL, 300000, GR_ROLE_GID_SET, -GR_E_INVALID,
	  "gid 300000 is outside gid_min..gid_max (200000-299999)" },
	{ "explicit gid far above gid_max", "x", NULL, 350000, GR_ROLE_GID_SET, -GR_E_INVALID,
	  "gid 350000 is outside gid_min..gid_max (200000-299999)" },
	{ "slug with uppercase", "Admin", NULL, 0, 0, -GR_E_INVALID,
	  "invalid role slug 'Admin' (1-64 of a-z, 0-9, '-', '_')" },
	{ "slug with a leading dash", "-admin", NULL, 0, 0, -GR_E_INVALID,
	  "invalid role slug '-admin' (1-64 of a-z, 0-9, '-', '_')" },
	{ "empty slug", "", NULL, 0, 0, -GR_E_INVALID,
	  "invalid role slug '' (1-64 of a-z, 0-9, '-', '_')" },
	{ "slug with a space", "db admin", NULL, 0, 0, -GR_E_INVALID,
	  "invalid role slug 'db admin' (1-64 of a-z, 0-9, '-', '_')" },
	{ "prefix and slug over 32 characters", "abcdefghijklmnopqrstuvwxyz01", NULL, 0, 0,
	  -GR_E_INVALID,
	  "group name 'role-abcdefghijklmnopqrstuvwxyz01' is longer than 32 characters; "
	  "use --unix-group" },
	{ "invalid unix group", "x", "Role-X", 0, 0, -GR_E_INVALID,
	  "'Role-X' is not a valid Unix group name" },
	{ "all-digit unix group", "x", "12345", 0, 0, -GR_E_INVALID,
	  "'12345' is not a valid Unix group name" },
};

static void test_refuse(void **state)
{
	struct fx *fx = *state;
	const struct refuse_row *row = fx->row;
	char *before;

	/* Something already there, so "nothing changed" means something. */
	create_ok(fx, "existing");
	before = dump(fx);
	tu_assert_fails(create(fx, row->slug, row->unix_group, row->gid, row->flags, NULL),
			&fx->err, row->code, row->msg);
	assert_string_equal(gr_err_msg(&fx->err), row->msg);
	assert_unchanged(fx, before);
	/* The refusal did not move the allocation cursor either. */
	assert_int_equal(create_ok(fx, "next"), 200001);
}

/* 32 characters exactly is fine. */
static void test_longest_default_name(void **state)
{
	struct fx *fx = *state;
	struct gr_role role;

	tu_assert_ok(create(fx, "abcdefghijklmnopqrstuvwxyz0", NULL, 0, 0, &role), &fx->err);
	assert_string_equal(role.unix_group, "role-abcdefghijklmnopqrstuvwxyz0");
	/* A long slug can still get a role with --unix-group. */
	tu_assert_ok(create(fx, "abcdefghijklmnopqrstuvwxyz0123456789", "role-long", 0, 0, &role),
		     &fx->err);
	assert_string_equal(role.unix_group, "role-long");
}

static int noprefix_setup(void **state)
{
	return setup_with(state, "group_prefix =");
}

/* Without a prefix a slug becomes the group name, and the rules still hold. */
static void test_no_prefix(void **state)
{
	struct fx *fx = *state;
	struct gr_role role;

	tu_assert_fails(create(fx, "sudo", NULL, 0, 0, NULL), &fx->err, -GR_E_RESERVED,
			"'sudo' is a reserved system group");
	tu_assert_fails(create(fx, "ops", NULL, 0, 0, NULL), &fx->err, -GR_E_CONFLICT,
			"the host already has a group 'ops' (gid 5000)");
	tu_assert_ok(create(fx, "devs", NULL, 0, 0, &role), &fx->err);
	assert_string_equal(role.unix_group, "devs");
	/* A slug that is not a valid group name on its own (leading digit). */
	tu_assert_fails(create(fx, "1st", NULL, 0, 0, NULL), &fx->err, -GR_E_INVALID,
			"'1st' is not a valid Unix group name");
}

static void test_duplicates(void **state)
{
	struct fx *fx = *state;
	char *before;

	create_ok(fx, "dev");
	tu_assert_ok(create(fx, "team", "eng-team", 0, 0, NULL), &fx->err);
	tu_assert_ok(create(fx, "x", "role-y", 0, 0, NULL), &fx->err);
	before = dump(fx);
	tu_assert_fails(create(fx, "dev", NULL, 0, 0, NULL), &fx->err, -GR_E_CONFLICT,
			"role 'dev' already exists");
	tu_assert_fails(create(fx, "dev", "other", 0, 0, NULL), &fx->err, -GR_E_CONFLICT,
			"role 'dev' already exists");
	tu_assert_fails(create(fx, "team2", "eng-team", 0, 0, NULL), &fx->err, -GR_E_CONFLICT,
			"Unix group 'eng-team' already belongs to role 'team'");
	/* A default name colliding with an explicit one. */
	tu_assert_fails(create(fx, "y", NULL, 0, 0, NULL), &fx->err, -GR_E_CONFLICT,
			"Unix group 'role-y' already belongs to role 'x'");
	assert_unchanged(fx, before);
}

/* ---- bound roles ---- */

static void test_bind(void **state)
{
	struct fx *fx = *state;
	struct gr_role role, got;
	char buf[64];

	tu_assert_ok(create(fx, "containers", "docker", 0, GR_ROLE_BIND, &role), &fx->err);
	assert_int_equal(role.gid, 999);
	assert_true(role.bound);
	tu_assert_ok(gr_role_get(fx->st, "containers", &got, &fx->err), &fx->err);
	assert_int_equal(got.gid, 999);
	assert_true(got.bound);
	assert_string_equal(got.unix_group, "docker");
	tu_assert_ok(gr_store_get_str(fx->st, "rgroup/docker", buf, sizeof(buf), &fx->err),
		     &fx->err);
	assert_string_equal(buf, "containers");
	/* The host's gid is not ours: it is not in the registry, nor allocated. */
	assert_false(gr_store_exists(fx->st, "gid/999"));
	assert_int_equal(create_ok(fx, "next"), 200000);

	/* Binding with the matching explicit gid, and to a non-reserved host group. */
	tu_assert_ok(create(fx, "operators", "ops", 5000, GR_ROLE_BIND | GR_ROLE_GID_SET, &role),
		     &fx->err);
	assert_int_equal(role.gid, 5000);
	assert_true(role.bound);
	tu_assert_ok(create(fx, "sudoers", "sudo", 0, GR_ROLE_BIND, &role), &fx->err);
	assert_int_equal(role.gid, 27);
	/* One role per group, bound or not. */
	tu_assert_fails(create(fx, "containers2", "docker", 0, GR_ROLE_BIND, NULL), &fx->err,
			-GR_E_CONFLICT, "Unix group 'docker' already belongs to role 'containers'");

	/* Deleting a bound role retires nothing, and the group can be bound again. */
	tu_assert_ok(delete(fx, "containers"), &fx->err);
	assert_false(gr_store_exists(fx->st, "gid/999"));
	assert_false(gr_store_exists(fx->st, "rgroup/docker"));
	tu_assert_ok(create(fx, "containers2", "docker", 0, GR_ROLE_BIND, &role), &fx->err);
	assert_int_equal(role.gid, 999);
}

/* ---- deleting ---- */

static void test_delete_default_role(void **state)
{
	struct fx *fx = *state;
	struct gr_policy pol;
	char *before;

	create_ok(fx, "viewer");
	memset(&pol, 0, sizeof(pol));
	pol.multiple_roles = true;
	strcpy(pol.default_role, "viewer");
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_policy_put(fx->st, &pol, &fx->err), &fx->err);
	tu_commit(fx->st);
	before = dump(fx);
	tu_assert_fails(delete(fx, "viewer"), &fx->err, -GR_E_REFUSED,
			"role 'viewer' is the default role; "
			"change 'policy set default-role' first");
	assert_unchanged(fx, before);
	tu_assert_fails(delete(fx, "absent"), &fx->err, -GR_E_NOTFOUND, "no role 'absent'");

	pol.default_role[0] = '\0';
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_policy_put(fx->st, &pol, &fx->err), &fx->err);
	tu_commit(fx->st);
	tu_assert_ok(delete(fx, "viewer"), &fx->err);
}

static json_t *get_json(struct fx *fx, const char *key)
{
	json_t *v = NULL;

	tu_assert_ok(gr_store_get_json(fx->st, key, &v, &fx->err), &fx->err);
	return v;
}

static void assert_json(struct fx *fx, const char *key, const char *expect)
{
	json_t *v = get_json(fx, key);
	char *s = json_dumps(v, JSON_COMPACT);

	assert_string_equal(s, expect);
	free(s);
	json_decref(v);
}

static void test_delete_strips_mappings(void **state)
{
	struct fx *fx = *state;
	static const char *const members[] = { "u1", "u2" };
	static const char *const both[] = { "dev", "dev-lead" };
	static const char *const dev[] = { "dev" };
	struct gr_ref u1 = { "corp", "u1" }, u2 = { "corp", "u2" };
	json_t *user, *group;
	struct gr_role role;

	create_ok(fx, "dev");
	create_ok(fx, "dev-lead");
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	user = tu_user("u1", "alice@example.com", true);
	tu_assert_ok(gr_user_put(fx->st, "corp", user, NULL, &fx->err), &fx->err);
	json_decref(user);
	user = tu_user("u2", "bob@example.com", true);
	tu_assert_ok(gr_user_put(fx->st, "corp", user, NULL, &fx->err), &fx->err);
	json_decref(user);
	group = tu_group("g1", "Engineering", members, 2);
	tu_assert_ok(gr_group_put(fx->st, "corp", group, 0, &fx->err), &fx->err);
	json_decref(group);
	group = tu_group("g2", "Leads", members, 1);
	tu_assert_ok(gr_group_put(fx->st, "corp", group, 0, &fx->err), &fx->err);
	json_decref(group);
	tu_assert_ok(gr_org_create(fx->st, "acme", &fx->err), &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "g1", both, 2, true, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "g2", dev, 1, true, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, "acme", "corp", "g1", both, 2, true, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, "acme", "corp", "g2", dev, 1, true, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_assign_add(fx->st, &u1, "dev", "host:web1", 0, &fx->err), &fx->err);
	tu_assert_ok(gr_assign_add(fx->st, &u1, "dev-lead", "host:web1", 0, &fx->err), &fx->err);
	tu_assert_ok(gr_assign_add(fx->st, &u2, "dev", "hostgroup:db", 1900000000, &fx->err),
		     &fx->err);
	tu_commit(fx->st);

	tu_assert_ok(delete(fx, "dev"), &fx->err);
	/* "dev-lead" contains "dev": only the exact slug goes. */
	assert_json(fx, "troles/corp/g1", "[\"dev-lead\"]");
	assert_false(gr_store_exists(fx->st, "troles/corp/g2"));
	assert_json(fx, "oroles/acme/corp/g1", "[\"dev-lead\"]");
	assert_false(gr_store_exists(fx->st, "oroles/acme/corp/g2"));
	assert_json(fx, "assign/corp/u1",
		    "[{\"role\":\"dev-lead\",\"resource\":\"host:web1\",\"expires\":0}]");
	assert_false(gr_store_exists(fx->st, "assign/corp/u2"));
	assert_false(gr_store_exists(fx->st, "role/dev"));
	assert_false(gr_store_exists(fx->st, "rgroup/role-dev"));
	/* The directory's own data is untouched. */
	assert_json(fx, "members/corp/g1", "[\"u1\",\"u2\"]");
	tu_assert_ok(gr_role_get(fx->st, "dev-lead", &role, &fx->err), &fx->err);
	assert_int_equal(role.gid, 200001);
}

static void test_list(void **state)
{
	struct fx *fx = *state;
	struct gr_role *roles = NULL;
	size_t n = 99;

	tu_assert_ok(gr_role_list(fx->st, &roles, &n, &fx->err), &fx->err);
	assert_int_equal(n, 0);
	free(roles);
	create_ok(fx, "zeta");
	create_ok(fx, "alpha");
	tu_assert_ok(create(fx, "mid", "docker", 0, GR_ROLE_BIND, NULL), &fx->err);
	tu_assert_ok(gr_role_list(fx->st, &roles, &n, &fx->err), &fx->err);
	assert_int_equal(n, 3);
	assert_string_equal(roles[0].slug, "alpha");
	assert_int_equal(roles[0].gid, 200001);
	assert_string_equal(roles[1].slug, "mid");
	assert_true(roles[1].bound);
	assert_string_equal(roles[2].slug, "zeta");
	assert_int_equal(roles[2].gid, 200000);
	free(roles);
}

#define N_REFUSE (sizeof(refuse_rows) / sizeof(refuse_rows[0]))
#define FX(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

static const struct CMUnitTest fixed[] = {
	FX(test_first_gids),
	FX(test_fields),
	FX(test_priority_bounds),
	cmocka_unit_test_setup_teardown(test_skip_host_gid, skip_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_skip_reserved_gids, nobody_setup, fx_teardown),
	FX(test_explicit_gid),
	FX(test_delete_retires_gid),
	cmocka_unit_test_setup_teardown(test_exhausted, tiny_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_exhausted_by_host, hostonly_setup, fx_teardown),
	FX(test_longest_default_name),
	cmocka_unit_test_setup_teardown(test_no_prefix, noprefix_setup, fx_teardown),
	FX(test_duplicates),
	FX(test_bind),
	FX(test_delete_default_role),
	FX(test_delete_strips_mappings),
	FX(test_list),
};

#define N_FIXED (sizeof(fixed) / sizeof(fixed[0]))

int main(void)
{
	struct CMUnitTest tests[N_FIXED + N_REFUSE];
	size_t i, n = 0;

	for (i = 0; i < N_FIXED; i++)
		tests[n++] = fixed[i];
	for (i = 0; i < N_REFUSE; i++, n++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = refuse_rows[i].name;
		tests[n].test_func = test_refuse;
		tests[n].setup_func = fx_setup;
		tests[n].teardown_func = fx_teardown;
		tests[n].initial_state = (void *)(uintptr_t)&refuse_rows[i];
	}
	return _cmocka_run_group_tests("roles", tests, n, NULL, NULL);
}

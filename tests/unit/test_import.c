/* SPDX-License-Identifier: MIT */
/*
 * gr_import_directory as a full sync: counts, idempotence, renames that keep
 * role mappings, removals, swapped names, the delete guard, every kind of
 * invalid input (which must leave the database byte for byte as it was),
 * users whose login cannot be mapped, and export -> import round trips.
 *
 * Documents are written inline as JSON with single quotes (J() turns them
 * into double quotes), which keeps the tables readable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/import.h"
#include "store/records.h"
#include "store/roles.h"
#include "scim/scim.h"
#include "testutil.h"

struct fx {
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
	struct gr_import_stats stats;
	json_t *unmapped;
	const void *row; /* table rows: the row, passed in as the initial state */
};

static int setup_with(void **state, const char *extra)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->row = *state;
	tu_setup(&fx->env, extra);
	fx->st = tu_open(&fx->env);
	gr_err_clear(&fx->err);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	tu_commit(fx->st);
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

	json_decref(fx->unmapped);
	gr_store_close(fx->st);
	tu_teardown(&fx->env);
	free(fx);
	return 0;
}

/* JSON from single-quoted text. */
static json_t *J(const char *text)
{
	char *s = strdup(text), *p;
	json_error_t jerr;
	json_t *v;

	assert_non_null(s);
	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(s, JSON_DECODE_ANY, &jerr);
	if (!v)
		fail_msg("test JSON does not parse: %s: %s", jerr.text, s);
	free(s);
	return v;
}

/* Import USERS and GROUPS (JSON text) into DIR; returns the result. */
static int import_text(struct fx *fx, const char *dir, const char *users, const char *groups,
		       bool force)
{
	json_t *u = J(users), *g = J(groups);
	int r;

	json_decref(fx->unmapped);
	fx->unmapped = NULL;
	gr_err_clear(&fx->err);
	r = gr_import_directory(fx->st, dir, u, g, force, &fx->stats, &fx->unmapped, &fx->err);
	json_decref(u);
	json_decref(g);
	return r;
}

static void import_ok(struct fx *fx, const char *users, const char *groups)
{
	tu_assert_ok(import_text(fx, "corp", users, groups, false), &fx->err);
}

static void assert_stats(const struct gr_import_stats *s, size_t ua, size_t uu, size_t ur,
			 size_t ga, size_t gu, size_t gr, size_t memberships, size_t existing)
{
#define STATS_FMT "users +%zu ~%zu -%zu, groups +%zu ~%zu -%zu, members %zu, existing %zu"
	char got[256], want[256];

	snprintf(got, sizeof(got), STATS_FMT, s->users_added, s->users_updated, s->users_removed,
		 s->groups_added, s->groups_updated, s->groups_removed, s->memberships,
		 s->existing);
	snprintf(want, sizeof(want), STATS_FMT, ua, uu, ur, ga, gu, gr, memberships, existing);
	assert_string_equal(got, want);
}

/* The rest of the stats: unchanged users and groups, memberships. */
static void assert_changes(const struct gr_import_stats *s, size_t uu, size_t gu, size_t ma,
			   size_t mr, size_t existing_m)
{
#define CHANGES_FMT "unchanged users %zu groups %zu, memberships +%zu -%zu of %zu"
	char got[256], want[256];

	snprintf(got, sizeof(got), CHANGES_FMT, s->users_unchanged, s->groups_unchanged,
		 s->memberships_added, s->memberships_removed, s->existing_memberships);
	snprintf(want, sizeof(want), CHANGES_FMT, uu, gu, ma, mr, existing_m);
	assert_string_equal(got, want);
}

static uint64_t generation(struct fx *fx)
{
	uint64_t gen = 0;

	tu_assert_ok(gr_store_generation(fx->st, &gen, &fx->err), &fx->err);
	return gen;
}

/* A record's JSON text (index records: their bare string), or "(none)". */
static char *rec(struct fx *fx, const char *key)
{
	static const char *const index_kinds[] = { "login/", "uname/", "gname/", "orgmember/" };
	char buf[512];
	json_t *v = NULL;
	size_t i;
	char *s;
	int r;

	for (i = 0; i < sizeof(index_kinds) / sizeof(index_kinds[0]); i++) {
		if (strncmp(key, index_kinds[i], strlen(index_kinds[i])))
			continue;
		r = gr_store_get_str(fx->st, key, buf, sizeof(buf), &fx->err);
		if (r == -GR_E_NOTFOUND)
			return strdup("(none)");
		tu_assert_ok(r, &fx->err);
		return strdup(buf);
	}
	/* A user's record as readers see it: gr_user_get adds its groups (ug/ chunks). */
	if (!strncmp(key, "user/", 5) && strchr(key + 5, '/')) {
		const char *slash = strchr(key + 5, '/');

		snprintf(buf, sizeof(buf), "%.*s", (int)(slash - key - 5), key + 5);
		r = gr_user_get(fx->st, buf, slash + 1, &v, &fx->err);
	} else {
		r = gr_store_get_json(fx->st, key, &v, &fx->err);
	}
	if (r == -GR_E_NOTFOUND)
		return strdup("(none)");
	tu_assert_ok(r, &fx->err);
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	json_decref(v);
	return s;
}

#define assert_rec(fx, key, expect)                                                      \
	do {                                                                               \
		char *got_ = rec((fx), (key));                                             \
		if (strcmp(got_, (expect)))                                                \
			fail_msg("%s = %s, expected %s", (key), got_, (expect));            \
		free(got_);                                                                \
	} while (0)

/* Where WHO leads: "DIR/ID", or the error code. */
static void assert_find(struct fx *fx, const char *who, const char *expect)
{
	struct gr_ref ref;
	char got[512];
	int r = gr_user_find(fx->st, NULL, who, &ref, &fx->err);

	if (r == -GR_E_NOTFOUND)
		snprintf(got, sizeof(got), "not found");
	else if (r < 0)
		snprintf(got, sizeof(got), "error %d", r);
	else
		snprintf(got, sizeof(got), "%s/%s", ref.dir, ref.id);
	if (strcmp(got, expect))
		fail_msg("user '%s' -> %s, expected %s", who, got, expect);
}

static void assert_gfind(struct fx *fx, const char *what, const char *expect)
{
	struct gr_ref ref;
	char got[512];
	int r = gr_group_find(fx->st, "corp", what, &ref, &fx->err);

	if (r == -GR_E_NOTFOUND)
		snprintf(got, sizeof(got), "not found");
	else if (r < 0)
		snprintf(got, sizeof(got), "error %d", r);
	else
		snprintf(got, sizeof(got), "%s/%s", ref.dir, ref.id);
	if (strcmp(got, expect))
		fail_msg("group '%s' -> %s, expected %s", what, got, expect);
}

/* Everything that must not change when an import is refused. */
struct before {
	uint64_t gen;
	char *dump;
	char *export;
};

static char *export_text(struct fx *fx, const char *dir)
{
	json_t *u = NULL, *g = NULL, *both;
	char *s;

	tu_assert_ok(gr_export_directory(fx->st, dir, &u, &g, &fx->err), &fx->err);
	both = json_pack("{s:o,s:o}", "users", u, "groups", g);
	s = json_dumps(both, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(both);
	return s;
}

static void snapshot(struct fx *fx, struct before *b)
{
	b->gen = generation(fx);
	b->dump = tu_dump(fx->st, NULL);
	b->export = export_text(fx, "corp");
}

static void assert_unchanged(struct fx *fx, struct before *b)
{
	char *dump = tu_dump(fx->st, NULL), *exp = export_text(fx, "corp");

	assert_int_equal(generation(fx), b->gen);
	assert_string_equal(exp, b->export);
	assert_string_equal(dump, b->dump);
	free(dump);
	free(exp);
	free(b->dump);
	free(b->export);
}

/* ---- the documents most tests start from ---- */

#define USERS3                                                                          \
	"[{'id':'u1','userName':'Alice@Example.com','externalId':'00u1'," \
	"'name':{'givenName':'Alice'},'emails':[{'value':'alice@example.com','primary':true}]}," \
	"{'id':'u2','userName':'bob@example.com','active':true}," \
	"{'id':'u3','userName':'carol@example.com','active':false}]"
#define GROUPS3                                                                         \
	"[{'id':'g1','displayName':'Engineering','externalId':'eng'," \
	"'members':[{'value':'u1'},{'value':'u2','type':'User'}]}," \
	"{'id':'g2','displayName':'Ops','members':[{'value':'u1'},{'value':'u3'}]}," \
	"{'id':'g3','displayName':'Empty'}]"

static void test_first_import(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(generation(fx), 2);
	import_ok(fx, USERS3, GROUPS3);
	assert_stats(&fx->stats, 3, 0, 0, 3, 0, 0, 4, 0);
	assert_int_equal(fx->stats.unmapped, 0);
	assert_non_null(fx->unmapped);
	assert_int_equal(json_array_size(fx->unmapped), 0);
	/* One import, one commit. */
	assert_int_equal(generation(fx), 3);

	assert_rec(fx, "user/corp/u1",
		   "{\"active\":true,\"externalId\":\"00u1\",\"groups\":[\"g1\",\"g2\"],"
		   "\"id\":\"u1\",\"login\":\"alice\",\"userName\":\"Alice@Example.com\"}");
	assert_rec(fx, "user/corp/u2",
		   "{\"active\":true,\"groups\":[\"g1\"],\"id\":\"u2\",\"login\":\"bob\","
		   "\"userName\":\"bob@example.com\"}");
	assert_rec(fx, "user/corp/u3",
		   "{\"active\":false,\"groups\":[\"g2\"],\"id\":\"u3\",\"login\":\"carol\","
		   "\"userName\":\"carol@example.com\"}");
	/* The full resource is kept as received. */
	assert_rec(fx, "scim/corp/u1",
		   "{\"emails\":[{\"primary\":true,\"value\":\"alice@example.com\"}],"
		   "\"externalId\":\"00u1\",\"id\":\"u1\",\"name\":{\"givenName\":\"Alice\"},"
		   "\"userName\":\"Alice@Example.com\"}");
	assert_rec(fx, "group/corp/g1",
		   "{\"displayName\":\"Engineering\",\"externalId\":\"eng\",\"id\":\"g1\"}");
	assert_rec(fx, "members/corp/g1", "[\"u1\",\"u2\"]");
	assert_rec(fx, "members/corp/g2", "[\"u1\",\"u3\"]");
	assert_rec(fx, "group/corp/g3", "{\"displayName\":\"Empty\",\"id\":\"g3\"}");
	assert_rec(fx, "members/corp/g3", "(none)");
	/* Indexes: login, userName (case-insensitive), displayName. */
	assert_find(fx, "alice", "corp/u1");
	assert_find(fx, "ALICE@example.COM", "corp/u1");
	assert_find(fx, "u2", "corp/u2");
	assert_find(fx, "carol", "corp/u3");
	assert_gfind(fx, "engineering", "corp/g1");
	assert_gfind(fx, "g2", "corp/g2");
}

/* A member listed twice is one membership, stored once. */
static void test_duplicate_member(void **state)
{
	struct fx *fx = *state;

	import_ok(fx, "[{'id':'u1','userName':'a@x.com'},{'id':'u2','userName':'b@x.com'}]",
		  "[{'id':'g1','displayName':'G','members':[{'value':'u1'},{'value':'u2'},"
		  "{'value':'u1'}]}]");
	assert_stats(&fx->stats, 2, 0, 0, 1, 0, 0, 2, 0);
	assert_rec(fx, "members/corp/g1", "[\"u1\",\"u2\"]");
	assert_rec(fx, "user/corp/u1",
		   "{\"active\":true,\"groups\":[\"g1\"],\"id\":\"u1\",\"login\":\"a\","
		   "\"userName\":\"a@x.com\"}");
}

static void test_reimport_idempotent(void **state)
{
	struct fx *fx = *state;
	char *first, *second;

	import_ok(fx, USERS3, GROUPS3);
	first = tu_dump(fx->st, "meta");
	import_ok(fx, USERS3, GROUPS3);
	/* Nothing differs from what is stored: nothing is reported as updated. */
	assert_stats(&fx->stats, 0, 0, 0, 0, 0, 0, 4, 6);
	assert_changes(&fx->stats, 3, 3, 0, 0, 4);
	assert_int_equal(json_array_size(fx->unmapped), 0);
	assert_int_equal(generation(fx), 4);
	second = tu_dump(fx->st, "meta");
	assert_string_equal(second, first);
	free(second);
	free(first);
}

/* Admin data for g1 / u1 that the IdP's documents must never disturb. */
static void map_roles(struct fx *fx)
{
	static const char *const dev[] = { "dev" };
	struct gr_ref u1 = { "corp", "u1" };

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_role(fx->st, "dev", 0);
	tu_assert_ok(gr_org_create(fx->st, "acme", &fx->err), &fx->err);
	tu_assert_ok(gr_org_connection(fx->st, "acme", "corp", true, false, &fx->err), &fx->err);
	tu_assert_ok(gr_org_member(fx->st, "acme", &u1, true, &fx->err), &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "g1", dev, 1, true, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_group_roles_change(fx->st, "acme", "corp", "g1", dev, 1, true, &fx->err),
		     &fx->err);
	tu_assert_ok(gr_assign_add(fx->st, &u1, "dev", "host:web1", 0, &fx->err), &fx->err);
	tu_commit(fx->st);
}

static void test_rename_keeps_roles(void **state)
{
	struct fx *fx = *state;

	import_ok(fx, USERS3, GROUPS3);
	map_roles(fx);
	/* g1 renamed, u1 renamed (and so its login), nothing else. */
	import_ok(fx,
		  "[{'id':'u1','userName':'alice.smith@example.com'},"
		  "{'id':'u2','userName':'bob@example.com'},"
		  "{'id':'u3','userName':'carol@example.com','active':false}]",
		  "[{'id':'g1','displayName':'Platform','members':[{'value':'u1'},{'value':'u2'}]},"
		  "{'id':'g2','displayName':'Ops','members':[{'value':'u1'},{'value':'u3'}]},"
		  "{'id':'g3','displayName':'Empty'}]");
	/* u1 renamed, u2 lost its explicit "active": true; g1 renamed. */
	assert_stats(&fx->stats, 0, 2, 0, 0, 1, 0, 4, 6);
	assert_changes(&fx->stats, 1, 2, 0, 0, 4);
	assert_rec(fx, "troles/corp/g1", "[\"dev\"]");
	assert_rec(fx, "oroles/acme/corp/g1", "[\"dev\"]");
	assert_rec(fx, "orgmember/acme/corp/u1", "1");
	assert_rec(fx, "assign/corp/u1",
		   "[{\"expires\":0,\"resource\":\"host:web1\",\"role\":\"dev\"}]");
	assert_gfind(fx, "Platform", "corp/g1");
	assert_gfind(fx, "Engineering", "not found");
	assert_rec(fx, "gname/corp/engineering", "(none)");
	assert_find(fx, "alice.smith", "corp/u1");
	assert_find(fx, "alice", "not found");
	assert_find(fx, "alice@example.com", "not found");
	assert_rec(fx, "login/alice", "(none)");
	assert_rec(fx, "uname/corp/alice@example.com", "(none)");
}

static void test_user_removed(void **state)
{
	struct fx *fx = *state;
	struct gr_ref u2 = { "corp", "u2" };

	import_ok(fx, USERS3, GROUPS3);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_role(fx->st, "dev", 0);
	tu_assert_ok(gr_assign_add(fx->st, &u2, "dev", "host:web1", 0, &fx->err), &fx->err);
	tu_commit(fx->st);
	/* bob leaves: gone from the users and from Engineering's members. */
	import_ok(fx,
		  "[{'id':'u1','userName':'Alice@Example.com'},"
		  "{'id':'u3','userName':'carol@example.com','active':false}]",
		  "[{'id':'g1','displayName':'Engineering','members':[{'value':'u1'}]},"
		  "{'id':'g2','displayName':'Ops','members':[{'value':'u1'},{'value':'u3'}]},"
		  "{'id':'g3','displayName':'Empty'}]");
	assert_stats(&fx->stats, 0, 1, 1, 0, 1, 0, 3, 6);
	assert_changes(&fx->stats, 1, 2, 0, 1, 4);
	assert_rec(fx, "user/corp/u2", "(none)");
	assert_rec(fx, "scim/corp/u2", "(none)");
	assert_rec(fx, "login/bob", "(none)");
	assert_rec(fx, "uname/corp/bob@example.com", "(none)");
	assert_rec(fx, "members/corp/g1", "[\"u1\"]");
	assert_find(fx, "bob", "not found");
	/* Assignments are the admin's: they wait for the user to come back. */
	assert_rec(fx, "assign/corp/u2",
		   "[{\"expires\":0,\"resource\":\"host:web1\",\"role\":\"dev\"}]");
}

static void test_group_removed(void **state)
{
	struct fx *fx = *state;

	import_ok(fx, USERS3, GROUPS3);
	map_roles(fx);
	/*
	 * Engineering goes: one of six users and groups, under the guard's
	 * 25%, but two of four memberships, over it.
	 */
	tu_assert_fails(import_text(fx, "corp", USERS3,
				    "[{'id':'g2','displayName':'Ops','members':[{'value':'u1'},"
				    "{'value':'u3'}]},{'id':'g3','displayName':'Empty'}]", false),
			&fx->err, -GR_E_REFUSED,
			"import would remove 2 of 4 memberships in 'corp' (more than 25%); "
			"check the documents or use --force");
	tu_assert_ok(import_text(fx, "corp", USERS3,
				 "[{'id':'g2','displayName':'Ops','members':[{'value':'u1'},"
				 "{'value':'u3'}]},{'id':'g3','displayName':'Empty'}]", true),
		     &fx->err);
	assert_stats(&fx->stats, 0, 0, 0, 0, 0, 1, 2, 6);
	assert_changes(&fx->stats, 3, 2, 0, 2, 4);
	assert_rec(fx, "group/corp/g1", "(none)");
	assert_rec(fx, "members/corp/g1", "(none)");
	assert_rec(fx, "gname/corp/engineering", "(none)");
	/* Its mappings go with it: a new group reusing the id starts clean. */
	assert_rec(fx, "troles/corp/g1", "(none)");
	assert_rec(fx, "oroles/acme/corp/g1", "(none)");
	assert_rec(fx, "user/corp/u2",
		   "{\"active\":true,\"groups\":[],\"id\":\"u2\",\"login\":\"bob\","
		   "\"userName\":\"bob@example.com\"}");
	assert_rec(fx, "user/corp/u1",
		   "{\"active\":true,\"externalId\":\"00u1\",\"groups\":[\"g2\"],\"id\":\"u1\","
		   "\"login\":\"alice\",\"userName\":\"Alice@Example.com\"}");
}

/* Two users trade userNames (and so logins) between imports. */
static void test_swap_user_names(void **state)
{
	struct fx *fx = *state;
	static const char *const swapped =
		"[{'id':'u1','userName':'bob@example.com'},"
		"{'id':'u2','userName':'Alice@Example.com'},"
		"{'id':'u3','userName':'carol@example.com','active':false}]";

	import_ok(fx, USERS3, GROUPS3);
	import_ok(fx, swapped, GROUPS3);
	assert_int_equal(json_array_size(fx->unmapped), 0);
	assert_find(fx, "alice", "corp/u2");
	assert_find(fx, "bob", "corp/u1");
	assert_find(fx, "alice@example.com", "corp/u2");
	assert_find(fx, "bob@example.com", "corp/u1");
	assert_rec(fx, "login/alice", "corp/u2");
	assert_rec(fx, "login/bob", "corp/u1");
	assert_rec(fx, "uname/corp/alice@example.com", "u2");
	assert_rec(fx, "uname/corp/bob@example.com", "u1");
	assert_rec(fx, "user/corp/u1",
		   "{\"active\":true,\"groups\":[\"g1\",\"g2\"],\"id\":\"u1\",\"login\":\"bob\","
		   "\"userName\":\"bob@example.com\"}");
	/* And back again, in the other document order. */
	import_ok(fx,
		  "[{'id':'u3','userName':'carol@example.com','active':false},"
		  "{'id':'u2','userName':'bob@example.com'},"
		  "{'id':'u1','userName':'Alice@Example.com'}]",
		  GROUPS3);
	assert_int_equal(json_array_size(fx->unmapped), 0);
	assert_find(fx, "alice", "corp/u1");
	assert_find(fx, "bob", "corp/u2");
	assert_find(fx, "alice@example.com", "corp/u1");
	assert_find(fx, "bob@example.com", "corp/u2");
}

/* Two groups trade displayNames between imports; mappings follow the ids. */
static void test_swap_group_names(void **state)
{
	struct fx *fx = *state;

	import_ok(fx, USERS3, GROUPS3);
	map_roles(fx);
	import_ok(fx, USERS3,
		  "[{'id':'g1','displayName':'Ops','members':[{'value':'u1'},{'value':'u2'}]},"
		  "{'id':'g2','displayName':'Engineering',"
		  "'members':[{'value':'u1'},{'value':'u3'}]},"
		  "{'id':'g3','displayName':'Empty'}]");
	assert_gfind(fx, "Ops", "corp/g1");
	assert_gfind(fx, "Engineering", "corp/g2");
	assert_rec(fx, "troles/corp/g1", "[\"dev\"]");
	assert_rec(fx, "troles/corp/g2", "(none)");
}

static void test_delete_guard(void **state)
{
	struct fx *fx = *state;
	struct before b;
	static const char *const one_user = "[{'id':'u1','userName':'Alice@Example.com'}]";
	static const char *const one_group = "[{'id':'g3','displayName':'Empty'}]";

	import_ok(fx, USERS3, GROUPS3);
	map_roles(fx);
	snapshot(fx, &b);
	/* Four of six would go: refused, nothing changed. */
	tu_assert_fails(import_text(fx, "corp", one_user, one_group, false), &fx->err,
			-GR_E_REFUSED,
			"import would remove 4 of 6 users and groups in 'corp' (more than 25%); "
			"check the documents or use --force");
	assert_null(fx->unmapped);
	assert_unchanged(fx, &b);
	/* An empty pair of documents (a broken export, say) is the worst case. */
	snapshot(fx, &b);
	tu_assert_fails(import_text(fx, "corp", "[]", "[]", false), &fx->err, -GR_E_REFUSED,
			"import would remove 6 of 6 users and groups in 'corp'");
	assert_unchanged(fx, &b);

	/* --force passes. */
	tu_assert_ok(import_text(fx, "corp", one_user, one_group, true), &fx->err);
	assert_stats(&fx->stats, 0, 1, 2, 0, 0, 2, 0, 6);
	assert_rec(fx, "user/corp/u2", "(none)");
	assert_rec(fx, "group/corp/g1", "(none)");
	assert_rec(fx, "troles/corp/g1", "(none)");
}

/* Exactly the limit is allowed: 1 of 4 is 25%. */
static void test_delete_guard_boundary(void **state)
{
	struct fx *fx = *state;

	import_ok(fx, "[{'id':'u1','userName':'a@x.com'},{'id':'u2','userName':'b@x.com'},"
		      "{'id':'u3','userName':'c@x.com'}]",
		  "[{'id':'g1','displayName':'G'}]");
	import_ok(fx, "[{'id':'u1','userName':'a@x.com'},{'id':'u2','userName':'b@x.com'}]",
		  "[{'id':'g1','displayName':'G'}]");
	assert_stats(&fx->stats, 0, 0, 1, 0, 0, 0, 0, 4);
	/* 1 of 3 is over. */
	tu_assert_fails(import_text(fx, "corp", "[{'id':'u1','userName':'a@x.com'}]",
				    "[{'id':'g1','displayName':'G'}]", false),
			&fx->err, -GR_E_REFUSED,
			"import would remove 1 of 3 users and groups in 'corp' (more than 25%)");
}

static int zero_setup(void **state)
{
	return setup_with(state, "import_max_delete_percent = 0");
}

/* A limit of 0 refuses any removal but still allows additions. */
static void test_delete_guard_zero(void **state)
{
	struct fx *fx = *state;

	import_ok(fx, "[{'id':'u1','userName':'a@x.com'}]", "[]");
	import_ok(fx, "[{'id':'u1','userName':'a@x.com'},{'id':'u2','userName':'b@x.com'}]", "[]");
	assert_stats(&fx->stats, 1, 0, 0, 0, 0, 0, 0, 1);
	tu_assert_fails(import_text(fx, "corp", "[{'id':'u1','userName':'a@x.com'}]", "[]", false),
			&fx->err, -GR_E_REFUSED,
			"import would remove 1 of 2 users and groups in 'corp' (more than 0%)");
	tu_assert_ok(import_text(fx, "corp", "[{'id':'u1','userName':'a@x.com'}]", "[]", true),
		     &fx->err);
}

/* ---- invalid documents: an error, and nothing changed ---- */

struct bad_row {
	const char *name;
	const char *users;  /* NULL: USERS3 */
	const char *groups; /* NULL: GROUPS3 */
	const char *dir;    /* NULL: "corp" */
	int code;
	const char *msg;
};

#define U1 "{'id':'u1','userName':'Alice@Example.com'}"
#define U2 "{'id':'u2','userName':'bob@example.com'}"

static const struct bad_row bad_rows[] = {
	{ "missing userName", "[" U1 ",{'id':'u9','active':true}]", "[]", NULL, -GR_E_INVALID,
	  "user (no userName): missing \"userName\"" },
	{ "empty userName", "[" U1 ",{'id':'u9','userName':''}]", "[]", NULL, -GR_E_INVALID,
	  "user : \"userName\" is empty" },
	{ "userName not a string", "[{'id':'u9','userName':42}]", "[]", NULL, -GR_E_INVALID,
	  "user (no userName): \"userName\" must be a string" },
	{ "userName with a control character", "[{'id':'u9','userName':'a\\u0007b'}]", "[]", NULL,
	  -GR_E_INVALID, "\"userName\" is too long or has control characters" },
	{ "non-boolean active", "[" U1 ",{'id':'u9','userName':'x@y.com','active':'true'}]", "[]",
	  NULL, -GR_E_INVALID, "user x@y.com: \"active\" must be true or false" },
	{ "user without id", "[{'userName':'x@y.com'}]", "[]", NULL, -GR_E_INVALID,
	  "user x@y.com: missing \"id\"" },
	{ "user id with '/'", "[{'id':'u/9','userName':'x@y.com'}]", "[]", NULL, -GR_E_INVALID,
	  "user x@y.com: \"id\" must be 1-255 printable characters without '/' or spaces" },
	{ "user id with a space", "[{'id':'u 9','userName':'x@y.com'}]", "[]", NULL, -GR_E_INVALID,
	  "user x@y.com: \"id\" must be 1-255 printable characters without '/' or spaces" },
	{ "user id not a string", "[{'id':9,'userName':'x@y.com'}]", "[]", NULL, -GR_E_INVALID,
	  "user x@y.com: \"id\" must be 1-255 printable characters without '/' or spaces" },
	{ "user that is not an object", "[" U1 ",'u2']", "[]", NULL, -GR_E_INVALID,
	  "user resource is not a JSON object" },
	{ "duplicate user id", "[" U1 ",{'id':'u1','userName':'other@example.com'}]", "[]", NULL,
	  -GR_E_INVALID, "duplicate user id 'u1'" },
	{ "duplicate userName differing in case",
	  "[" U1 ",{'id':'u9','userName':'ALICE@example.com'}]", "[]", NULL, -GR_E_INVALID,
	  "duplicate userName 'ALICE@example.com'" },
	{ "users not an array", "{'Resources':[]}", "[]", NULL, -GR_E_INVALID,
	  "users and groups must be arrays of resources" },
	{ "groups not an array", "[" U1 "]", "{}", NULL, -GR_E_INVALID,
	  "users and groups must be arrays of resources" },
	{ "group without displayName", "[" U1 "]", "[{'id':'g9'}]", NULL, -GR_E_INVALID,
	  "group (no displayName): missing \"displayName\"" },
	{ "group without id", "[" U1 "]", "[{'displayName':'X'}]", NULL, -GR_E_INVALID,
	  "group X: missing \"id\"" },
	{ "group id with '/'", "[" U1 "]", "[{'id':'g/1','displayName':'X'}]", NULL, -GR_E_INVALID,
	  "group X: \"id\" must be 1-255 printable characters without '/' or spaces" },
	{ "duplicate group id", "[" U1 "]",
	  "[{'id':'g1','displayName':'X'},{'id':'g1','displayName':'Y'}]", NULL, -GR_E_INVALID,
	  "duplicate group id 'g1'" },
	{ "duplicate displayName differing in case", "[" U1 "]",
	  "[{'id':'g1','displayName':'Engineering'},{'id':'g2','displayName':'ENGINEERING'}]", NULL,
	  -GR_E_INVALID, "duplicate group displayName 'ENGINEERING'" },
	{ "member not among the users", "[" U1 "," U2 "]",
	  "[{'id':'g1','displayName':'Engineering','members':[{'value':'u1'},{'value':'u9'}]}]",
	  NULL, -GR_E_INVALID, "group 'Engineering': member 'u9' is not among the users" },
	{ "nested group member", "[" U1 "]",
	  "[{'id':'g1','displayName':'Engineering','members':[{'value':'g2','type':'Group'}]},"
	  "{'id':'g2','displayName':'Inner'}]",
	  NULL, -GR_E_INVALID,
	  "group Engineering: member 0 has type \"Group\"; nested groups are not supported" },
	{ "member without a value", "[" U1 "]",
	  "[{'id':'g1','displayName':'Engineering','members':[{'display':'Alice'}]}]", NULL,
	  -GR_E_INVALID, "group Engineering: member 0 has no valid \"value\"" },
	{ "member value with '/'", "[" U1 "]",
	  "[{'id':'g1','displayName':'Engineering','members':[{'value':'u/1'}]}]", NULL,
	  -GR_E_INVALID, "group Engineering: member 0 has no valid \"value\"" },
	{ "member that is not an object", "[" U1 "]",
	  "[{'id':'g1','displayName':'Engineering','members':['u1']}]", NULL, -GR_E_INVALID,
	  "group Engineering: member 0 is not an object" },
	{ "members not an array", "[" U1 "]",
	  "[{'id':'g1','displayName':'Engineering','members':{'value':'u1'}}]", NULL,
	  -GR_E_INVALID, "group Engineering: \"members\" must be an array" },
	{ "unknown directory", "[" U1 "]", "[]", "nope", -GR_E_NOTFOUND, "no directory 'nope'" },
	{ "invalid directory name", "[" U1 "]", "[]", "No Such", -GR_E_INVALID,
	  "invalid directory name 'No Such'" },
};

static void test_bad_row(void **state)
{
	struct fx *fx = *state;
	const struct bad_row *row = fx->row;
	struct before b;

	/* A populated directory with admin data, so "unchanged" means something. */
	import_ok(fx, USERS3, GROUPS3);
	map_roles(fx);
	snapshot(fx, &b);
	tu_assert_fails(import_text(fx, row->dir ? row->dir : "corp",
				    row->users ? row->users : USERS3,
				    row->groups ? row->groups : GROUPS3, true),
			&fx->err, row->code, row->msg);
	assert_null(fx->unmapped);
	assert_unchanged(fx, &b);
}

/* ---- invalid files, through gr_scim_load_list as the CLI reads them ---- */

struct file_row {
	const char *name;
	const char *text; /* the users file; the groups file is always valid */
	const char *msg;  /* expected after "PATH" */
};

#define LIST_URN "urn:ietf:params:scim:api:messages:2.0:ListResponse"

static const struct file_row file_rows[] = {
	{ "malformed JSON", "{\"schemas\": [\"" LIST_URN "\"],\n\"Resources\": [\n",
	  ":3:0: ']' expected near end of file" },
	{ "trailing garbage", "{\"schemas\": [\"" LIST_URN "\"], \"Resources\": []} x",
	  ":1:86: end of file expected near 'x'" },
	{ "duplicate key",
	  "{\"schemas\": [\"" LIST_URN "\"], \"Resources\": [], \"Resources\": []}",
	  ":1:96: duplicate object key near '\"Resources\"'" },
	{ "empty file", "", ":1:0: '[' or '{' expected near end of file" },
	{ "not a ListResponse",
	  "{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"], \"Resources\": []}",
	  ": not a SCIM ListResponse (schemas must include " LIST_URN ")" },
	{ "a bare array of resources", "[{\"id\":\"u1\",\"userName\":\"a@x.com\"}]",
	  ": not a SCIM ListResponse (schemas must include " LIST_URN ")" },
	{ "schemas not an array", "{\"schemas\": \"" LIST_URN "\", \"Resources\": []}",
	  ": not a SCIM ListResponse (schemas must include " LIST_URN ")" },
	{ "Resources not an array", "{\"schemas\": [\"" LIST_URN "\"], \"Resources\": {}}",
	  ": \"Resources\" must be an array" },
	/* One page of many would be taken as the whole directory and delete the rest. */
	{ "one page of many: totalResults larger than Resources",
	  "{\"schemas\": [\"" LIST_URN "\"], \"totalResults\": 3, \"itemsPerPage\": 1,"
	  " \"startIndex\": 1, \"Resources\": [{\"id\":\"u1\",\"userName\":\"a@x.com\"}]}",
	  ": incomplete ListResponse: totalResults is 3 but Resources holds 1; import needs the "
	  "whole directory in one document" },
	{ "a later page: startIndex past 1",
	  "{\"schemas\": [\"" LIST_URN "\"], \"totalResults\": 1, \"startIndex\": 2,"
	  " \"Resources\": [{\"id\":\"u1\",\"userName\":\"a@x.com\"}]}",
	  ": incomplete ListResponse: startIndex is 2 (a later page); import needs the whole "
	  "directory in one document" },
	{ "a page: itemsPerPage below totalResults",
	  "{\"schemas\": [\"" LIST_URN "\"], \"totalResults\": 1, \"itemsPerPage\": 0,"
	  " \"Resources\": [{\"id\":\"u1\",\"userName\":\"a@x.com\"}]}",
	  ": incomplete ListResponse: itemsPerPage 0 is less than totalResults 1; import needs "
	  "the whole directory in one document" },
	{ "totalResults not a number",
	  "{\"schemas\": [\"" LIST_URN "\"], \"totalResults\": \"1\", \"Resources\": []}",
	  ": \"totalResults\" must be a non-negative integer" },
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0 || !text[0], 1);
	assert_int_equal(fclose(f), 0);
}

static void test_file_row(void **state)
{
	struct fx *fx = *state;
	const struct file_row *row = fx->row;
	char upath[PATH_MAX + 16], gpath[PATH_MAX + 16], expect[PATH_MAX + 256];
	json_t *users = (json_t *)&users, *groups = NULL;
	struct before b;
	int r;

	import_ok(fx, USERS3, GROUPS3);
	map_roles(fx);
	snapshot(fx, &b);
	snprintf(upath, sizeof(upath), "%s/users.json", fx->env.dir);
	snprintf(gpath, sizeof(gpath), "%s/groups.json", fx->env.dir);
	write_file(upath, row->text);
	write_file(gpath, "{\"schemas\":[\"" LIST_URN "\"],\"totalResults\":0}");
	snprintf(expect, sizeof(expect), "%s%s", upath, row->msg);

	/* What the CLI does: load both, import only when both loaded. */
	tu_assert_ok(gr_scim_load_list(gpath, &groups, &fx->err), &fx->err);
	gr_err_clear(&fx->err);
	r = gr_scim_load_list(upath, &users, &fx->err);
	if (r == 0)
		r = gr_import_directory(fx->st, "corp", users, groups, true, NULL, NULL, &fx->err);
	tu_assert_fails(r, &fx->err, -GR_E_INVALID, expect);
	assert_null(users);
	json_decref(groups);
	assert_unchanged(fx, &b);
}

static void test_missing_file(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX + 16];
	json_t *v = NULL;

	snprintf(path, sizeof(path), "%s/absent.json", fx->env.dir);
	tu_assert_fails(gr_scim_load_list(path, &v, &fx->err), &fx->err, -GR_E_INVALID, path);
	assert_null(v);
}

/* RFC 7644: Resources may be absent when there are none. */
static void test_list_without_resources(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX + 16];
	json_t *v = NULL;

	snprintf(path, sizeof(path), "%s/empty.json", fx->env.dir);
	write_file(path, "{\"schemas\":[\"" LIST_URN "\"],\"totalResults\":0}");
	tu_assert_ok(gr_scim_load_list(path, &v, &fx->err), &fx->err);
	assert_true(json_is_array(v));
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);
}

/* ---- users whose login cannot be mapped ---- */

static void test_unmapped(void **state)
{
	struct fx *fx = *state;
	char *report;

	import_ok(fx,
		  "[{'id':'u1','userName':'alice@a.com'},{'id':'u2','userName':'alice@b.com'},"
		  "{'id':'u3','userName':'9@x.com'},{'id':'u4','userName':'dave@x.com'}]",
		  "[{'id':'g1','displayName':'All','members':[{'value':'u1'},{'value':'u2'},"
		  "{'value':'u3'},{'value':'u4'}]}]");
	assert_int_equal(fx->stats.unmapped, 3);
	assert_stats(&fx->stats, 4, 0, 0, 1, 0, 0, 4, 0);
	report = json_dumps(fx->unmapped, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(report,
			    "[{\"error\":\"login name 'alice' is claimed by several users at once; none gets it while more than one claims it\",\"userName\":\"alice@a.com\"},"
			    "{\"error\":\"login name 'alice' is claimed by several users at once; none gets it while more than one claims it\",\"userName\":\"alice@b.com\"},"
			    "{\"error\":\"'9@x.com' does not map to a valid Unix login name\","
			    "\"userName\":\"9@x.com\"}]");
	free(report);
	/*
	 * Stored, without a login and with the reason.  Two new claimants of
	 * one free name: neither gets it (document order must not choose).
	 */
	assert_rec(fx, "user/corp/u2",
		   "{\"active\":true,\"groups\":[\"g1\"],\"id\":\"u2\","
		   "\"login_error\":\"login name 'alice' is claimed by several users at once; none gets it while more than one claims it\","
		   "\"userName\":\"alice@b.com\"}");
	assert_rec(fx, "user/corp/u3",
		   "{\"active\":true,\"groups\":[\"g1\"],\"id\":\"u3\","
		   "\"login_error\":\"'9@x.com' does not map to a valid Unix login name\","
		   "\"userName\":\"9@x.com\"}");
	assert_find(fx, "alice@a.com", "corp/u1");
	assert_find(fx, "alice@b.com", "corp/u2");
	assert_find(fx, "9@x.com", "corp/u3");
	assert_rec(fx, "members/corp/g1", "[\"u1\",\"u2\",\"u3\",\"u4\"]");

	/* The same documents again: the same report. */
	import_ok(fx,
		  "[{'id':'u1','userName':'alice@a.com'},{'id':'u2','userName':'alice@b.com'},"
		  "{'id':'u3','userName':'9@x.com'},{'id':'u4','userName':'dave@x.com'}]",
		  "[{'id':'g1','displayName':'All','members':[{'value':'u1'},{'value':'u2'},"
		  "{'value':'u3'},{'value':'u4'}]}]");
	assert_int_equal(fx->stats.unmapped, 3);
	assert_int_equal(json_array_size(fx->unmapped), 3);

	/* Fixed at the source: mapped, and the error is gone. */
	import_ok(fx,
		  "[{'id':'u1','userName':'alice@a.com'},{'id':'u2','userName':'alice.b@b.com'},"
		  "{'id':'u3','userName':'nine@x.com'},{'id':'u4','userName':'dave@x.com'}]",
		  "[{'id':'g1','displayName':'All','members':[{'value':'u1'},{'value':'u2'},"
		  "{'value':'u3'},{'value':'u4'}]}]");
	assert_int_equal(fx->stats.unmapped, 0);
	assert_int_equal(json_array_size(fx->unmapped), 0);
	assert_rec(fx, "user/corp/u3",
		   "{\"active\":true,\"groups\":[\"g1\"],\"id\":\"u3\",\"login\":\"nine\","
		   "\"userName\":\"nine@x.com\"}");
	assert_find(fx, "alice.b", "corp/u2");
	/* alice has one claimant left, who gets it. */
	assert_find(fx, "alice", "corp/u1");
}

/* A login is unique on the host, across directories too. */
static void test_unmapped_across_directories(void **state)
{
	struct fx *fx = *state;
	char *report;

	import_ok(fx, "[{'id':'u1','userName':'alice@a.com'}]", "[]");
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "partner", &fx->err), &fx->err);
	tu_commit(fx->st);
	tu_assert_ok(import_text(fx, "partner", "[{'id':'p1','userName':'alice@partner.com'}]",
				 "[]", false),
		     &fx->err);
	report = json_dumps(fx->unmapped, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(report, "[{\"error\":\"login name 'alice' is already used by corp/u1\","
				    "\"userName\":\"alice@partner.com\"}]");
	free(report);
	assert_find(fx, "alice", "corp/u1");
}

/* ---- export and import ---- */

static void test_round_trip(void **state)
{
	struct fx *fx = *state;
	char upath[PATH_MAX + 16], gpath[PATH_MAX + 16];
	json_t *u = NULL, *g = NULL, *doc;
	char *orig, *copy, *copy_dump;

	import_ok(fx, USERS3, GROUPS3);
	orig = export_text(fx, "corp");

	/* Through files, exactly as "export" writes and "import" reads them. */
	tu_assert_ok(gr_export_directory(fx->st, "corp", &u, &g, &fx->err), &fx->err);
	assert_int_equal(json_array_size(u), 3);
	assert_int_equal(json_array_size(g), 3);
	snprintf(upath, sizeof(upath), "%s/users.json", fx->env.dir);
	snprintf(gpath, sizeof(gpath), "%s/groups.json", fx->env.dir);
	doc = gr_scim_list_response(u);
	assert_int_equal(json_integer_value(json_object_get(doc, "totalResults")), 3);
	assert_int_equal(json_dump_file(doc, upath, JSON_INDENT(2)), 0);
	json_decref(doc);
	doc = gr_scim_list_response(g);
	assert_int_equal(json_dump_file(doc, gpath, JSON_INDENT(2)), 0);
	json_decref(doc);

	/* Into a fresh directory, once the original (and its logins) is gone. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_delete(fx->st, "corp", &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "copy", &fx->err), &fx->err);
	tu_commit(fx->st);
	tu_assert_ok(gr_scim_load_list(upath, &u, &fx->err), &fx->err);
	tu_assert_ok(gr_scim_load_list(gpath, &g, &fx->err), &fx->err);
	json_decref(fx->unmapped);
	tu_assert_ok(gr_import_directory(fx->st, "copy", u, g, false, &fx->stats, &fx->unmapped,
					 &fx->err),
		     &fx->err);
	json_decref(u);
	json_decref(g);
	assert_stats(&fx->stats, 3, 0, 0, 3, 0, 0, 4, 0);
	assert_int_equal(fx->stats.unmapped, 0);
	copy = export_text(fx, "copy");
	assert_string_equal(copy, orig);
	assert_find(fx, "alice", "copy/u1");
	assert_find(fx, "carol", "copy/u3");

	/* Importing the export of a directory into itself changes nothing. */
	tu_assert_ok(gr_export_directory(fx->st, "copy", &u, &g, &fx->err), &fx->err);
	copy_dump = tu_dump(fx->st, "meta");
	tu_assert_ok(gr_import_directory(fx->st, "copy", u, g, false, NULL, NULL, &fx->err),
		     &fx->err);
	json_decref(u);
	json_decref(g);
	free(orig);
	orig = tu_dump(fx->st, "meta");
	assert_string_equal(orig, copy_dump);
	free(copy_dump);
	free(copy);
	free(orig);
}

static void test_export_unknown_directory(void **state)
{
	struct fx *fx = *state;
	json_t *u = (json_t *)&u, *g = (json_t *)&g;

	tu_assert_fails(gr_export_directory(fx->st, "nope", &u, &g, &fx->err), &fx->err,
			-GR_E_NOTFOUND, "no directory 'nope'");
	assert_null(u);
	assert_null(g);
}

/*
 * A groups document with its members arrays stripped keeps every user and
 * group, so the users-and-groups guard sees nothing; it drops every
 * membership, and so every role.  The memberships guard refuses it.
 */
static void test_delete_guard_memberships(void **state)
{
	struct fx *fx = *state;
	struct before b;
	static const char *const stripped =
		"[{'id':'g1','displayName':'Engineering','externalId':'eng'},"
		"{'id':'g2','displayName':'Ops'},{'id':'g3','displayName':'Empty'}]";

	import_ok(fx, USERS3, GROUPS3);
	map_roles(fx);
	snapshot(fx, &b);
	tu_assert_fails(import_text(fx, "corp", USERS3, stripped, false), &fx->err,
			-GR_E_REFUSED,
			"import would remove 4 of 4 memberships in 'corp' (more than 25%); "
			"check the documents or use --force");
	assert_null(fx->unmapped);
	assert_unchanged(fx, &b);
	/* One of four is the limit, and allowed. */
	import_ok(fx, USERS3,
		  "[{'id':'g1','displayName':'Engineering','externalId':'eng',"
		  "'members':[{'value':'u1'}]},"
		  "{'id':'g2','displayName':'Ops','members':[{'value':'u1'},{'value':'u3'}]},"
		  "{'id':'g3','displayName':'Empty'}]");
	assert_changes(&fx->stats, 3, 2, 0, 1, 4);
	tu_assert_ok(import_text(fx, "corp", USERS3, stripped, true), &fx->err);
	assert_stats(&fx->stats, 0, 0, 0, 0, 2, 0, 0, 6);
	assert_changes(&fx->stats, 3, 1, 0, 3, 3);
	assert_rec(fx, "members/corp/g1", "(none)");
}

/* What changed is named, with exact counts; unchanged things are not. */
static void test_change_report(void **state)
{
	struct fx *fx = *state;
	json_t *u = J(USERS3), *g = J(GROUPS3), *changes = NULL;
	char *text;

	tu_assert_ok(gr_import_directory_report(fx->st, "corp", u, g, false, &fx->stats, NULL,
						&changes, &fx->err), &fx->err);
	text = json_dumps(changes, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
		"{\"groups\":{\"added\":[\"Engineering\",\"Ops\",\"Empty\"],\"removed\":[],"
		"\"updated\":[]},\"users\":{\"added\":[\"Alice@Example.com\",\"bob@example.com\","
		"\"carol@example.com\"],\"removed\":[],\"updated\":[]}}");
	free(text);
	json_decref(changes);
	json_decref(u);
	json_decref(g);

	/* carol is reactivated, bob leaves, dave arrives; Ops gains dave. */
	u = J("[{'id':'u1','userName':'Alice@Example.com','externalId':'00u1',"
	      "'name':{'givenName':'Alice'},'emails':[{'value':'alice@example.com','primary':true}]},"
	      "{'id':'u3','userName':'carol@example.com','active':true},"
	      "{'id':'u4','userName':'dave@example.com'}]");
	g = J("[{'id':'g1','displayName':'Engineering','externalId':'eng',"
	      "'members':[{'value':'u1'}]},"
	      "{'id':'g2','displayName':'Ops','members':[{'value':'u1'},{'value':'u3'},"
	      "{'value':'u4'}]},{'id':'g3','displayName':'Empty'}]");
	tu_assert_ok(gr_import_directory_report(fx->st, "corp", u, g, false, &fx->stats, NULL,
						&changes, &fx->err), &fx->err);
	assert_stats(&fx->stats, 1, 1, 1, 0, 2, 0, 4, 6);
	assert_changes(&fx->stats, 1, 1, 1, 1, 4);
	text = json_dumps(changes, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
		"{\"groups\":{\"added\":[],\"removed\":[],\"updated\":[\"Engineering\",\"Ops\"]},"
		"\"users\":{\"added\":[\"dave@example.com\"],\"removed\":[\"bob@example.com\"],"
		"\"updated\":[\"carol@example.com\"]}}");
	free(text);
	json_decref(changes);
	json_decref(u);
	json_decref(g);
}

/* A change of login mapping alone (another username mode) is an update. */
static void test_change_report_login(void **state)
{
	struct fx *fx = *state;

	import_ok(fx, USERS3, GROUPS3);
	gr_store_close(fx->st);
	fx->env.cfg.username_mode = GR_USERNAME_USERNAME;
	fx->st = tu_open(&fx->env);
	import_ok(fx, USERS3, GROUPS3);
	assert_stats(&fx->stats, 0, 3, 0, 0, 0, 0, 4, 6);
}

#define N_BAD (sizeof(bad_rows) / sizeof(bad_rows[0]))
#define N_FILE (sizeof(file_rows) / sizeof(file_rows[0]))
#define FX(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

static const struct CMUnitTest fixed[] = {
	FX(test_first_import),
	FX(test_duplicate_member),
	FX(test_reimport_idempotent),
	FX(test_rename_keeps_roles),
	FX(test_user_removed),
	FX(test_group_removed),
	FX(test_swap_user_names),
	FX(test_swap_group_names),
	FX(test_delete_guard),
	FX(test_delete_guard_boundary),
	FX(test_delete_guard_memberships),
	FX(test_change_report),
	FX(test_change_report_login),
	cmocka_unit_test_setup_teardown(test_delete_guard_zero, zero_setup, fx_teardown),
	FX(test_missing_file),
	FX(test_list_without_resources),
	FX(test_unmapped),
	FX(test_unmapped_across_directories),
	FX(test_round_trip),
	FX(test_export_unknown_directory),
};

#define N_FIXED (sizeof(fixed) / sizeof(fixed[0]))

int main(void)
{
	struct CMUnitTest tests[N_FIXED + N_BAD + N_FILE];
	static char names[N_BAD + N_FILE][128];
	size_t i, n = 0;

	for (i = 0; i < N_FIXED; i++)
		tests[n++] = fixed[i];
	for (i = 0; i < N_BAD; i++, n++) {
		snprintf(names[i], sizeof(names[i]), "invalid input: %s", bad_rows[i].name);
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = names[i];
		tests[n].test_func = test_bad_row;
		tests[n].setup_func = fx_setup;
		tests[n].teardown_func = fx_teardown;
		tests[n].initial_state = (void *)(uintptr_t)&bad_rows[i];
	}
	for (i = 0; i < N_FILE; i++, n++) {
		snprintf(names[N_BAD + i], sizeof(names[0]), "invalid file: %s", file_rows[i].name);
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = names[N_BAD + i];
		tests[n].test_func = test_file_row;
		tests[n].setup_func = fx_setup;
		tests[n].teardown_func = fx_teardown;
		tests[n].initial_state = (void *)(uintptr_t)&file_rows[i];
	}
	return _cmocka_run_group_tests("import", tests, n, NULL, NULL);
}

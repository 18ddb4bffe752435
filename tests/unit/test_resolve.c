/* SPDX-License-Identifier: MIT */
/*
 * The resolution rules as a table: each row is a set of facts and the exact
 * roles (with provenance) that must come out.  The expected string lists
 * roles in slug order as "slug<-source[,source...]" joined by " | ", where a
 * source is "group:NAME", "org:ORG/NAME", "attr:VALUE", "default" or
 * "assign:RESOURCE".
 */
#include <stdio.h>
#include <string.h>

/* Rows start from BASE and override single fields on purpose. */
#pragma GCC diagnostic ignored "-Woverride-init"

#include "resolve/resolve.h"
#include "testutil.h"

#define NOW 1800000000LL

static const struct gr_role_ref catalog[] = {
	/* sorted by slug */
	{ "admin", 100 }, { "auditor", 50 }, { "dev", 10 }, { "ops", 50 }, { "viewer", 1 },
};

static const char *const eng_t[] = { "dev" };
static const char *const eng_o[] = { "viewer" };
static const char *const sre_t[] = { "admin", "dev" };
static const char *const audit_t[] = { "auditor" };
static const char *const ops_t[] = { "ops" };
static const char *const stale_t[] = { "deleted-role", "viewer" };

static const struct gr_in_group g_eng = { "g1", "Engineering", eng_t, 1, eng_o, 1 };
static const struct gr_in_group g_sre = { "g2", "SRE", sre_t, 2, NULL, 0 };
static const struct gr_in_group g_audit = { "g3", "Audit", audit_t, 1, NULL, 0 };
static const struct gr_in_group g_ops = { "g4", "Ops", ops_t, 1, NULL, 0 };
static const struct gr_in_group g_stale = { "g5", "Stale", stale_t, 2, NULL, 0 };
static const struct gr_in_group g_none = { "g6", "Unmapped", NULL, 0, NULL, 0 };

static const char *const resources_web1[] = { "host:web1", "hostgroup:web" };

struct row {
	const char *name;
	struct gr_resolve_input in;
	const char *expect;
	bool inactive;
	const char *ignored; /* comma list */
	int64_t next_expiry;
};

#define BASE                                                                         \
	.known = true, .active = true, .multiple_roles = true, .catalog = catalog,     \
	.n_catalog = sizeof(catalog) / sizeof(catalog[0]), .now = NOW,                 \
	.host_resources = resources_web1, .n_host_resources = 2

static const struct gr_in_group grp_eng[] = { g_eng };
static const struct gr_in_group grp_eng_sre[] = { g_eng, g_sre };
static const struct gr_in_group grp_audit_ops[] = { g_audit, g_ops };
static const struct gr_in_group grp_ops_audit[] = { g_ops, g_audit };
static const struct gr_in_group grp_sre_audit[] = { g_sre, g_audit };
static const struct gr_in_group grp_stale[] = { g_stale };
static const struct gr_in_group grp_none[] = { g_none };

static const char *const attr_vals[] = { "auditor", "nonexistent", "ops" };
static const char *const attr_dup[] = { "dev" };
static const char *const attr_admin[] = { "admin" };

static const struct gr_in_assignment as_web1[] = { { "ops", "host:web1", 0 } };
static const struct gr_in_assignment as_db1[] = { { "ops", "host:db1", 0 } };
static const struct gr_in_assignment as_hg[] = { { "auditor", "hostgroup:web", 0 } };
static const struct gr_in_assignment as_expired[] = { { "ops", "host:web1", NOW - 1 } };
static const struct gr_in_assignment as_now[] = { { "ops", "host:web1", NOW } };
static const struct gr_in_assignment as_future[] = {
	{ "ops", "host:web1", NOW + 3600 }, { "auditor", "host:web1", NOW + 60 } };
static const struct gr_in_assignment as_unknown_role[] = { { "nope", "host:web1", 0 } };

static const struct row rows[] = {
	{ "unknown user has no roles", { .known = false, .active = true, .groups = grp_eng,
	  .n_groups = 1, .catalog = catalog, .n_catalog = 5 }, "", false, NULL, 0 },
	{ "inactive user has no roles and is flagged",
	  { BASE, .active = false, .groups = grp_eng_sre, .n_groups = 2,
	    .assignments = as_web1, .n_assignments = 1 }, "", true, NULL, 0 },
	{ "tenant roles of every group", { BASE, .groups = grp_eng_sre, .n_groups = 2 },
	  "admin<-group:SRE | dev<-group:Engineering,group:SRE", false, NULL, 0 },
	{ "group without mappings gives nothing", { BASE, .groups = grp_none, .n_groups = 1 },
	  "", false, NULL, 0 },
	{ "organization roles with auto-membership on",
	  { BASE, .groups = grp_eng, .n_groups = 1, .host_org = "acme", .org_connected = true,
	    .org_auto_membership = true },
	  "dev<-group:Engineering | viewer<-org:acme/Engineering", false, NULL, 0 },
	{ "no organization roles with auto-membership off and no explicit membership",
	  { BASE, .groups = grp_eng, .n_groups = 1, .host_org = "acme", .org_connected = true,
	    .org_auto_membership = false },
	  "dev<-group:Engineering", false, NULL, 0 },
	{ "explicit member without connection gets no organization roles",
	  { BASE, .groups = grp_eng, .n_groups = 1, .host_org = "acme", .org_member = true },
	  "dev<-group:Engineering", false, NULL, 0 },
	{ "explicit member with connection but auto-membership off gets no organization roles",
	  { BASE, .groups = grp_eng, .n_groups = 1, .host_org = "acme", .org_connected = true,
	    .org_auto_membership = false, .org_member = true },
	  "dev<-group:Engineering", false, NULL, 0 },
	{ "explicit member with auto-membership on gets organization roles",
	  { BASE, .groups = grp_eng, .n_groups = 1, .host_org = "acme", .org_connected = true,
	    .org_auto_membership = true, .org_member = true },
	  "dev<-group:Engineering | viewer<-org:acme/Engineering", false, NULL, 0 },
	{ "auto-membership needs a connection to the user's directory",
	  { BASE, .groups = grp_eng, .n_groups = 1, .host_org = "acme", .org_connected = false,
	    .org_auto_membership = true },
	  "dev<-group:Engineering", false, NULL, 0 },
	{ "host in another organization the user is not in",
	  { BASE, .groups = grp_eng, .n_groups = 1, .host_org = "globex" },
	  "dev<-group:Engineering", false, NULL, 0 },
	{ "host serving no organization ignores organization roles",
	  { BASE, .groups = grp_eng, .n_groups = 1, .host_org = NULL, .org_member = true,
	    .org_connected = true, .org_auto_membership = true },
	  "dev<-group:Engineering", false, NULL, 0 },
	{ "multiple roles off keeps the highest priority",
	  { BASE, .multiple_roles = false, .groups = grp_eng_sre, .n_groups = 2 },
	  "admin<-group:SRE", false, NULL, 0 },
	{ "multiple roles off: tie goes to the slug that sorts first",
	  { BASE, .multiple_roles = false, .groups = grp_ops_audit, .n_groups = 2 },
	  "auditor<-group:Audit", false, NULL, 0 },
	{ "multiple roles off: tie independent of group order",
	  { BASE, .multiple_roles = false, .groups = grp_audit_ops, .n_groups = 2 },
	  "auditor<-group:Audit", false, NULL, 0 },
	{ "multiple roles off keeps every provenance of the winner",
	  { BASE, .multiple_roles = false, .groups = grp_eng_sre, .n_groups = 2,
	    .host_org = "acme", .org_member = true, .attribute = "title",
	    .attr_values = attr_admin, .n_attr_values = 1 },
	  "admin<-group:SRE,attr:admin", false, NULL, 0 },
	{ "multiple roles off with an organization role competing",
	  { BASE, .multiple_roles = false, .groups = grp_eng, .n_groups = 1, .host_org = "acme",
	    .org_connected = true, .org_auto_membership = true },
	  "dev<-group:Engineering", false, NULL, 0 },
	{ "default role when no IdP role",
	  { BASE, .groups = grp_none, .n_groups = 1, .default_role = "viewer" },
	  "viewer<-default", false, NULL, 0 },
	{ "default role not used when an IdP role exists",
	  { BASE, .groups = grp_eng, .n_groups = 1, .default_role = "viewer" },
	  "dev<-group:Engineering", false, NULL, 0 },
	{ "default role naming a deleted role gives nothing",
	  { BASE, .default_role = "gone" }, "", false, NULL, 0 },
	{ "default role still applies next to an assignment",
	  { BASE, .default_role = "viewer", .assignments = as_web1, .n_assignments = 1 },
	  "ops<-assign:host:web1 | viewer<-default", false, NULL, 0 },
	{ "attribute values name roles; unknown ones are reported",
	  { BASE, .attribute = "title", .attr_values = attr_vals, .n_attr_values = 3 },
	  "auditor<-attr:auditor | ops<-attr:ops", false, "nonexistent", 0 },
	{ "attribute and group granting the same role",
	  { BASE, .groups = grp_eng, .n_groups = 1, .attribute = "title", .attr_values = attr_dup,
	    .n_attr_values = 1 },
	  "dev<-group:Engineering,attr:dev", false, NULL, 0 },
	{ "attribute roles take part in the single-role choice",
	  { BASE, .multiple_roles = false, .groups = grp_eng, .n_groups = 1, .attribute = "title",
	    .attr_values = attr_vals, .n_attr_values = 3 },
	  "auditor<-attr:auditor", false, "nonexistent", 0 },
	{ "assignment on this host",
	  { BASE, .assignments = as_web1, .n_assignments = 1 }, "ops<-assign:host:web1", false,
	  NULL, 0 },
	{ "assignment on this host's host group",
	  { BASE, .assignments = as_hg, .n_assignments = 1 }, "auditor<-assign:hostgroup:web",
	  false, NULL, 0 },
	{ "assignment on another host is ignored",
	  { BASE, .assignments = as_db1, .n_assignments = 1 }, "", false, NULL, 0 },
	{ "expired assignment is ignored", { BASE, .assignments = as_expired, .n_assignments = 1 },
	  "", false, NULL, 0 },
	{ "assignment expiring exactly now is expired",
	  { BASE, .assignments = as_now, .n_assignments = 1 }, "", false, NULL, 0 },
	{ "future expiry applies and sets the next expiry",
	  { BASE, .assignments = as_future, .n_assignments = 2 },
	  "auditor<-assign:host:web1 | ops<-assign:host:web1", false, NULL, NOW + 60 },
	{ "assignments survive multiple roles off",
	  { BASE, .multiple_roles = false, .groups = grp_sre_audit, .n_groups = 2,
	    .assignments = as_web1, .n_assignments = 1 },
	  "admin<-group:SRE | ops<-assign:host:web1", false, NULL, 0 },
	{ "assignment of a deleted role is ignored",
	  { BASE, .assignments = as_unknown_role, .n_assignments = 1 }, "", false, NULL, 0 },
	{ "stale mapping to a deleted role is dropped",
	  { BASE, .groups = grp_stale, .n_groups = 1 }, "viewer<-group:Stale", false, NULL, 0 },
};

static void describe(const struct gr_provenance *p, char *buf, size_t len)
{
	switch (p->kind) {
	case GR_SRC_GROUP: snprintf(buf, len, "group:%s", p->detail); break;
	case GR_SRC_ORG_GROUP: snprintf(buf, len, "org:%s/%s", p->context, p->detail); break;
	case GR_SRC_ATTRIBUTE: snprintf(buf, len, "attr:%s", p->detail); break;
	case GR_SRC_DEFAULT: snprintf(buf, len, "default"); break;
	case GR_SRC_ASSIGNMENT: snprintf(buf, len, "assign:%s", p->detail); break;
	}
}

static void render(const struct gr_resolution *res, char *out, size_t len)
{
	size_t i, j;
	char src[256];

	out[0] = '\0';
	for (i = 0; i < res->n_roles; i++) {
		if (i)
			strncat(out, " | ", len - strlen(out) - 1);
		strncat(out, res->roles[i].slug, len - strlen(out) - 1);
		strncat(out, "<-", len - strlen(out) - 1);
		for (j = 0; j < res->roles[i].n_prov; j++) {
			describe(&res->roles[i].prov[j], src, sizeof(src));
			if (j)
				strncat(out, ",", len - strlen(out) - 1);
			strncat(out, src, len - strlen(out) - 1);
		}
	}
}

/* One table row: every field of the result must match. */
static void test_row(void **state)
{
	const struct row *row = *state;
	struct gr_resolution res;
	char got[1024], ign[256] = "";
	size_t j;

	assert_int_equal(gr_resolve(&row->in, &res), 0);
	render(&res, got, sizeof(got));
	for (j = 0; j < res.n_ignored; j++) {
		if (j)
			strcat(ign, ",");
		strncat(ign, res.ignored[j], sizeof(ign) - strlen(ign) - 2);
	}
	assert_string_equal(got, row->expect);
	assert_int_equal(res.inactive, row->inactive);
	assert_string_equal(ign, row->ignored ? row->ignored : "");
	assert_int_equal(res.next_expiry, row->next_expiry);
	gr_resolution_free(&res);
}

/* The function is pure: the same input twice gives the same output. */
static void test_deterministic(void **state)
{
	struct gr_resolve_input in = { BASE, .groups = grp_eng_sre, .n_groups = 2,
				       .host_org = "acme", .org_connected = true,
				       .org_auto_membership = true };
	struct gr_resolution a, b;
	char ra[1024], rb[1024];

	(void)state;
	assert_int_equal(gr_resolve(&in, &a), 0);
	assert_int_equal(gr_resolve(&in, &b), 0);
	render(&a, ra, sizeof(ra));
	render(&b, rb, sizeof(rb));
	assert_string_equal(ra, rb);
	assert_string_equal(ra, "admin<-group:SRE | dev<-group:Engineering,group:SRE | "
				"viewer<-org:acme/Engineering");
	assert_true(a.org_member);
	assert_true(a.org_roles);
	gr_resolution_free(&a);
	gr_resolution_free(&b);
}

/*
 * Membership is shown as it is recorded (explicit or automatic), but only a
 * connection with auto-membership on makes organization roles flow.
 */
static void test_org_membership_flags(void **state)
{
	static const struct {
		bool member, connected, autom, host;
		bool want_member, want_roles;
	} cases[] = {
		{ true, false, false, true, true, false },   /* explicit, no connection */
		{ true, true, false, true, true, false },    /* explicit, auto-membership off */
		{ false, true, true, true, true, true },     /* auto-membership */
		{ true, true, true, true, true, true },      /* both */
		{ false, true, false, true, false, false },  /* connected only */
		{ true, true, true, false, false, false },   /* host serves no organization */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gr_resolve_input in = { BASE, .groups = grp_eng, .n_groups = 1 };
		struct gr_resolution res;

		in.host_org = cases[i].host ? "acme" : NULL;
		in.org_member = cases[i].member;
		in.org_connected = cases[i].connected;
		in.org_auto_membership = cases[i].autom;
		assert_int_equal(gr_resolve(&in, &res), 0);
		assert_int_equal(res.org_member, cases[i].want_member);
		assert_int_equal(res.org_roles, cases[i].want_roles);
		gr_resolution_free(&res);
	}
}

/* More provenances than the cap: the role stays, the list is truncated. */
static void test_provenance_cap(void **state)
{
	struct gr_in_group many[GR_MAX_PROVENANCE + 4];
	struct gr_resolve_input in = { BASE };
	struct gr_resolution res;
	size_t i;

	(void)state;
	for (i = 0; i < GR_MAX_PROVENANCE + 4; i++)
		many[i] = g_eng;
	in.groups = many;
	in.n_groups = GR_MAX_PROVENANCE + 4;
	assert_int_equal(gr_resolve(&in, &res), 0);
	assert_int_equal(res.n_roles, 1);
	assert_string_equal(res.roles[0].slug, "dev");
	assert_int_equal(res.roles[0].n_prov, GR_MAX_PROVENANCE);
	gr_resolution_free(&res);
}

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

int main(void)
{
	struct CMUnitTest tests[N_ROWS + 3];
	size_t i;

	/* Every row is its own named case, so a failure names the rule. */
	for (i = 0; i < N_ROWS; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = rows[i].name;
		tests[i].test_func = test_row;
		tests[i].initial_state = (void *)(uintptr_t)&rows[i];
	}
	tests[N_ROWS] = (struct CMUnitTest)cmocka_unit_test(test_deterministic);
	tests[N_ROWS + 1] = (struct CMUnitTest)cmocka_unit_test(test_provenance_cap);
	tests[N_ROWS + 2] = (struct CMUnitTest)cmocka_unit_test(test_org_membership_flags);
	return _cmocka_run_group_tests("resolve", tests, N_ROWS + 3, NULL, NULL);
}

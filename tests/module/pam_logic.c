/* SPDX-License-Identifier: MIT */
/*
 * lib/pam/pamlogic.c without PAM: the decision table, the PAM code of every
 * decision in every phase, argument handling and log escaping.  The same
 * behaviour through real libpam is in pam_module.c.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "resolve/facts.h"
#include "pam_fixture.h"
#include "pam/pamlogic.h"
#include "store/records.h"
#include "resolve/resolve.h"
#include "store/store.h"
#include "publish/publish.h"
#include <sys/stat.h>

#define tu_ok(expr, errp)                                                                 \
	do {                                                                               \
		int tu_r_ = (expr);                                                       \
		if (tu_r_ < 0)                                                             \
			fail_msg("%s = %d: %s", #expr, tu_r_, gr_err_msg(errp));             \
	} while (0)

/* ---- the decision table ---- */

enum { NONE = 0, ADMIN = 1 };        /* require_role */
enum { DEF = 0, OPEN = 1, CLOSED = 2 }; /* fail= */

struct decide_row {
	int require;
	bool unknown_deny;
	int fail;
	bool db_ok, known, inactive;
	const char *roles; /* comma list */
	enum gr_pam_decision want;
};

static const struct decide_row decide_rows[] = {
	/* database unreadable: fail mode, nothing else matters */
	{ NONE, false, DEF, false, false, false, "", GR_PAM_FAIL_OPEN },
	{ NONE, true, DEF, false, false, false, "", GR_PAM_FAIL_OPEN },
	{ ADMIN, false, DEF, false, false, false, "", GR_PAM_FAIL_CLOSED },
	{ NONE, false, CLOSED, false, false, false, "", GR_PAM_FAIL_CLOSED },
	{ ADMIN, false, OPEN, false, false, false, "", GR_PAM_FAIL_OPEN },
	{ NONE, false, OPEN, false, true, false, "admin", GR_PAM_FAIL_OPEN },
	/* unknown users */
	{ NONE, false, DEF, true, false, false, "", GR_PAM_IGNORE_UNKNOWN },
	{ NONE, true, DEF, true, false, false, "", GR_PAM_DENY_UNKNOWN },
	{ ADMIN, false, DEF, true, false, false, "", GR_PAM_DENY_ROLE },
	{ ADMIN, true, DEF, true, false, false, "", GR_PAM_DENY_ROLE },
	{ NONE, false, CLOSED, true, false, false, "", GR_PAM_IGNORE_UNKNOWN },
	/* deactivated users, whatever else holds */
	{ NONE, false, DEF, true, true, true, "", GR_PAM_DENY_INACTIVE },
	{ ADMIN, false, DEF, true, true, true, "admin", GR_PAM_DENY_INACTIVE },
	{ NONE, false, OPEN, true, true, true, "", GR_PAM_DENY_INACTIVE },
	/* active directory users */
	{ NONE, false, DEF, true, true, false, "", GR_PAM_ALLOW },
	{ NONE, true, DEF, true, true, false, "dev", GR_PAM_ALLOW },
	{ ADMIN, false, DEF, true, true, false, "admin", GR_PAM_ALLOW },
	{ ADMIN, false, DEF, true, true, false, "auditor,dev", GR_PAM_DENY_ROLE },
	{ ADMIN, false, DEF, true, true, false, "", GR_PAM_DENY_ROLE },
	{ ADMIN, false, DEF, true, true, false, "admins", GR_PAM_DENY_ROLE },
};

static void test_decide(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(decide_rows) / sizeof(decide_rows[0]); i++) {
		const struct decide_row *row = &decide_rows[i];
		struct gr_config cfg;
		const char *roles[8];
		char buf[128], *save = NULL, *tok;
		size_t n = 0;
		enum gr_pam_decision got;

		gr_config_defaults(&cfg);
		if (row->require) {
			strcpy(cfg.require_role[0], "ops");
			strcpy(cfg.require_role[1], "admin");
			cfg.n_require_role = 2;
		}
		cfg.unknown = row->unknown_deny ? GR_UNKNOWN_DENY : GR_UNKNOWN_IGNORE;
		cfg.fail = row->fail == OPEN ? GR_FAIL_OPEN
			 : row->fail == CLOSED ? GR_FAIL_CLOSED : GR_FAIL_DEFAULT;
		snprintf(buf, sizeof(buf), "%s", row->roles);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			roles[n++] = tok;
		got = gr_pam_decide(&cfg, row->db_ok, row->known, row->inactive, roles, n);
		if (got != row->want)
			fail_msg("row %zu: decision %s (%d), expected %s (%d)", i,
				 gr_pam_decision_name(got), got, gr_pam_decision_name(row->want),
				 row->want);
	}
}

/* ---- PAM codes ---- */

static void test_codes(void **state)
{
	static const struct {
		enum gr_pam_decision d;
		int account, open, close;
	} t[] = {
		{ GR_PAM_ALLOW, PAM_SUCCESS, PAM_SUCCESS, PAM_SUCCESS },
		{ GR_PAM_IGNORE_UNKNOWN, PAM_IGNORE, PAM_SUCCESS, PAM_SUCCESS },
		{ GR_PAM_DENY_UNKNOWN, PAM_USER_UNKNOWN, PAM_SESSION_ERR, PAM_SUCCESS },
		{ GR_PAM_DENY_INACTIVE, PAM_PERM_DENIED, PAM_SESSION_ERR, PAM_SUCCESS },
		{ GR_PAM_DENY_ROLE, PAM_PERM_DENIED, PAM_SESSION_ERR, PAM_SUCCESS },
		{ GR_PAM_FAIL_OPEN, PAM_IGNORE, PAM_IGNORE, PAM_SUCCESS },
		{ GR_PAM_FAIL_CLOSED, PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, PAM_SUCCESS },
		{ GR_PAM_CONFIG_ERROR, PAM_SERVICE_ERR, PAM_SESSION_ERR, PAM_SUCCESS },
		{ GR_PAM_NO_USER, PAM_USER_UNKNOWN, PAM_SESSION_ERR, PAM_SUCCESS },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(gr_pam_code(GR_PAM_ACCOUNT, t[i].d), t[i].account);
		assert_int_equal(gr_pam_code(GR_PAM_OPEN_SESSION, t[i].d), t[i].open);
		assert_int_equal(gr_pam_code(GR_PAM_CLOSE_SESSION, t[i].d), t[i].close);
	}
	assert_string_equal(gr_pam_decision_name(GR_PAM_ALLOW), "allow");
	assert_string_equal(gr_pam_decision_name(GR_PAM_DENY_ROLE), "deny");
	assert_string_equal(gr_pam_decision_name(GR_PAM_FAIL_CLOSED), "fail-closed");
}

/* ---- arguments ---- */

static char g_dir[PATH_MAX - 64];
static char g_conf[PATH_MAX];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/pam_logic.XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(g_conf, sizeof(g_conf), "%s/grouprole.conf", g_dir);
	/* The file's require_role and unknown, for the override checks. */
	return pf_write_conf(g_conf, "/var/lib/grouprole-test",
			     "require_role = dev\nunknown = deny\nfail = open");
}

static int teardown_dir(void **state)
{
	(void)state;
	pf_rm_rf(g_dir);
	return 0;
}

struct arg_row {
	const char *args; /* space-separated; "@C@" is the test config file */
	const char *error; /* substring of the error, or NULL for success */
	const char *require; /* expected require_role list after success */
	int unknown, fail, debug, quiet;
};

static const struct arg_row arg_rows[] = {
	{ "config=@C@", NULL, "dev", GR_UNKNOWN_DENY, GR_FAIL_OPEN, 0, 0 },
	/* arguments override the file wherever they stand */
	{ "require_role=admin config=@C@", NULL, "admin", GR_UNKNOWN_DENY, GR_FAIL_OPEN, 0, 0 },
	{ "config=@C@ unknown=ignore fail=closed debug quiet", NULL, "dev", GR_UNKNOWN_IGNORE,
	  GR_FAIL_CLOSED, 1, 1 },
	{ "config=@C@ require_role=admin,ops", NULL, "admin,ops", GR_UNKNOWN_DENY, GR_FAIL_OPEN,
	  0, 0 },
	{ "config=@C@ debug=no quiet=yes", NULL, "dev", GR_UNKNOWN_DENY, GR_FAIL_OPEN, 0, 1 },
	/* everything that cannot be interpreted */
	{ .args = "config=@C@ bogus", .error = "argument 'bogus' needs a value" },
	{ .args = "config=@C@ bogus=1", .error = "unknown key 'bogus'" },
	{ .args = "config=@C@ require_role=Admin", .error = "require_role: invalid value 'Admin'" },
	{ .args = "config=@C@ require_role=a;b", .error = "require_role: invalid value 'a;b'" },
	{ .args = "config=@C@ require_role=,", .error = "require_role: empty list" },
	{ .args = "config=@C@ require_role=admin require_role=ops",
	  .error = "argument 'require_role' given twice" },
	{ .args = "config=@C@ debug debug=no", .error = "argument 'debug' given twice" },
	{ .args = "config=@C@ config=@C@", .error = "'config=' given twice" },
	{ .args = "config=", .error = "config=: expected an absolute path" },
	{ .args = "config=x.conf", .error = "config=: expected an absolute path" },
	{ .args = "config=/nonexistent/grouprole.conf", .error = "/nonexistent/grouprole.conf" },
	{ .args = "config=@C@ =x", .error = "invalid argument '=x'" },
	{ .args = "config=@C@ fail=", .error = "fail: expected open or closed" },
	{ .args = "config=@C@ gid_min=5", .error = "gid_min: must be a number" },
	{ .args = "config=@C@ gid_min=250000 gid_max=240000",
	  .error = "gid_min 250000 is above gid_max 240000" },
	{ .args = "config=@C@ state_dir=relative", .error = "state_dir: must be an absolute path" },
};

static void split_args(const char *spec, char *buf, size_t len, const char **argv, int *argc)
{
	char *save = NULL, *tok;
	size_t o = 0;
	const char *p;

	/* Expand @C@ first, then split at spaces. */
	for (p = spec; *p && o + 1 < len; p++) {
		if (!strncmp(p, "@C@", 3)) {
			o += (size_t)snprintf(buf + o, len - o, "%s", g_conf);
			p += 2;
			continue;
		}
		buf[o++] = *p;
	}
	buf[o] = '\0';
	*argc = 0;
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[(*argc)++] = tok;
	/* "config=" alone must survive the split as an empty value. */
	if (!strcmp(spec, "config="))
		argv[(*argc)++] = "config=";
}

static void test_arguments(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(arg_rows) / sizeof(arg_rows[0]); i++) {
		const struct arg_row *row = &arg_rows[i];
		struct gr_config cfg;
		struct gr_err err;
		const char *argv[16];
		char buf[4096], req[256] = "";
		unsigned k;
		int argc, r;

		split_args(row->args, buf, sizeof(buf), argv, &argc);
		r = gr_pam_config(&cfg, argc, argv, &err);
		if (row->error) {
			if (r != -GR_E_CONFIG || !strstr(gr_err_msg(&err), row->error))
				fail_msg("'%s': got %d \"%s\", expected an error containing \"%s\"",
					 row->args, r, r < 0 ? gr_err_msg(&err) : "",
					 row->error);
			continue;
		}
		if (r < 0)
			fail_msg("'%s': %s", row->args, gr_err_msg(&err));
		for (k = 0; k < cfg.n_require_role; k++)
			snprintf(req + strlen(req), sizeof(req) - strlen(req), "%s%s", k ? "," : "",
				 cfg.require_role[k]);
		assert_string_equal(req, row->require);
		assert_int_equal(cfg.unknown, row->unknown);
		assert_int_equal(cfg.fail, row->fail);
		assert_int_equal(cfg.debug, row->debug);
		assert_int_equal(cfg.quiet, row->quiet);
	}
}

/* Without config=, GROUPROLE_CONF names the file; a missing default is fine. */
static void test_default_path(void **state)
{
	struct gr_config cfg;
	struct gr_err err;
	char missing[PATH_MAX];
	const char *argv[] = { "debug" };

	(void)state;
	setenv("GROUPROLE_CONF", g_conf, 1);
	assert_int_equal(gr_pam_config(&cfg, 1, argv, &err), 0);
	assert_int_equal(cfg.n_require_role, 1);
	assert_string_equal(cfg.path, g_conf);
	assert_true(cfg.debug);

	snprintf(missing, sizeof(missing), "%s/absent.conf", g_dir);
	setenv("GROUPROLE_CONF", missing, 1);
	assert_int_equal(gr_pam_config(&cfg, 0, NULL, &err), 0);
	assert_int_equal(cfg.n_require_role, 0);
	assert_int_equal(cfg.unknown, GR_UNKNOWN_IGNORE);
	unsetenv("GROUPROLE_CONF");
}

static void test_fail_mode(void **state)
{
	struct gr_config cfg;

	(void)state;
	gr_config_defaults(&cfg);
	assert_false(gr_pam_fail_closed(&cfg));
	cfg.n_require_role = 1;
	assert_true(gr_pam_fail_closed(&cfg));
	cfg.fail = GR_FAIL_OPEN;
	assert_false(gr_pam_fail_closed(&cfg));
	cfg.n_require_role = 0;
	cfg.fail = GR_FAIL_CLOSED;
	assert_true(gr_pam_fail_closed(&cfg));
}

/* ---- log lines ---- */

/* Every field is key="value", escaped: a user name cannot add or end one. */
static void test_escaping(void **state)
{
	static const struct {
		const char *user;
		const char *line;
	} t[] = {
		{ "alice", "user=\"alice\" result=\"closed\" roles=\"dev\"" },
		{ "a b=\"c\" result=allow", "user=\"a b=\\x22c\\x22 result=allow\" result=\"closed\" "
					    "roles=\"dev\"" },
		{ "jos\xc3\xa9\nx", "user=\"jos\\xc3\\xa9\\x0ax\" result=\"closed\" roles=\"dev\"" },
		{ "back\\slash\x7f\t", "user=\"back\\x5cslash\\x7f\\x09\" result=\"closed\" "
				       "roles=\"dev\"" },
		{ "", "user=\"?\" result=\"closed\" roles=\"dev\"" },
	};
	struct gr_config cfg;
	struct gr_pam_outcome out;
	size_t i;

	(void)state;
	gr_config_defaults(&cfg);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(gr_pam_close(&cfg, t[i].user, "dev", &out), 0);
		assert_string_equal(out.line, t[i].line);
		gr_pam_outcome_free(&out);
	}
}

/*
 * Directory data in the decision line: a group name that tries to close
 * from="..." and open fields of its own, list separators inside names,
 * UTF-8 and controls; assignments that expired after the publish; system
 * accounts that the directory names.
 */
#define T_PAST 1000000000LL /* 2001-09-09T01:46:40Z */
#define GRP GR_SRC_GROUP
#define ASG GR_SRC_ASSIGNMENT

static const struct pf_login crafted[] = {
	{ "mallory", false, { NULL },
	  { { "dev", { { GRP, "x\" decision=allow from=\"y", NULL, 0 } } },
	    { "ops", { { GRP, "a, b; admin: group c", NULL, 0 },
		       { GR_SRC_ORG_GROUP, "Jos\xc3\xa9\n", "acme", 0 } } } } },
	{ "eve", true, { "\xc3\x9cn\xc3\xaf\"x", "Staff, EMEA" }, { { NULL } } },
	{ "erin", false, { NULL },
	  { { "auditor", { { ASG, "host:web1", NULL, T_PAST } } },
	    { "dev", { { ASG, "host:web1", NULL, T_PAST }, { GRP, "Staff", NULL, 0 } } },
	    { "ops", { { ASG, "host:web1", NULL, PF_EXPIRY } } } } },
	{ "root", false, { NULL }, { { "admin", { { GRP, "Engineering", NULL, 0 } } } } },
	{ "daemon", true, { "Engineering" }, { { NULL } } },
};

static void test_decision_lines(void **state)
{
	static const struct {
		const char *user;
		const char *args; /* one extra argument, or NULL */
		const char *line;
		const char *roles;
	} t[] = {
		{ "mallory", NULL,
		  "user=\"mallory\" result=\"allow\" directory=\"okta\" roles=\"dev,ops\" "
		  "from=\"dev: group x\\x22 decision=allow from=\\x22y; "
		  "ops: group a\\x2c b\\x3b admin: group c, group Jos\\xc3\\xa9\\x0a in organization "
		  "acme\"", "dev,ops" },
		{ "eve", NULL,
		  "user=\"eve\" result=\"deny\" reason=\"deactivated in the directory\" "
		  "directory=\"okta\" groups=\"\\xc3\\x9cn\\xc3\\xaf\\x22x, Staff\\x2c EMEA\"", "" },
		/* Expired since the publish: auditor goes, dev keeps its group. */
		{ "erin", NULL,
		  "user=\"erin\" result=\"allow\" directory=\"okta\" roles=\"dev,ops\" "
		  "from=\"dev: group Staff; ops: assignment on host:web1 until "
		  "2099-01-01T00:00:00Z\"", "dev,ops" },
		{ "erin", "require_role=auditor",
		  "user=\"erin\" result=\"deny\" reason=\"holds none of the required roles "
		  "(auditor)\" directory=\"okta\" roles=\"dev,ops\" from=\"dev: group Staff; "
		  "ops: assignment on host:web1 until 2099-01-01T00:00:00Z\"", "dev,ops" },
		/* System accounts: never granted, never denied by directory data. */
		{ "root", NULL,
		  "user=\"root\" result=\"ignore\" reason=\"local system account, its directory "
		  "entry is ignored\"", "" },
		{ "daemon", NULL,
		  "user=\"daemon\" result=\"ignore\" reason=\"local system account, its directory "
		  "entry is ignored\"", "" },
		{ "jos\xc3\xa9\nx", NULL,
		  "user=\"jos\\xc3\\xa9\\x0ax\" result=\"ignore\" reason=\"not in the directory\"",
		  "" },
	};
	char conf[PATH_MAX], state_dir[PATH_MAX];
	struct gr_config cfg;
	struct gr_err err;
	size_t i;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/crafted.conf", g_dir);
	snprintf(state_dir, sizeof(state_dir), "%s/crafted-state", g_dir);
	assert_int_equal(mkdir(state_dir, 0700), 0);
	assert_int_equal(pf_write_conf(conf, state_dir,
				       "organization = acme\nresources = host:web1"), 0);
	tu_ok(pf_write_login(conf, crafted, sizeof(crafted) / sizeof(crafted[0]), &err), &err);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gr_pam_outcome out;
		const char *argv[2];
		char arg[PATH_MAX + 8];
		int argc = 0;

		snprintf(arg, sizeof(arg), "config=%s", conf);
		argv[argc++] = arg;
		if (t[i].args)
			argv[argc++] = t[i].args;
		tu_ok(gr_pam_config(&cfg, argc, argv, &err), &err);
		assert_int_equal(gr_pam_evaluate(&cfg, GR_PAM_ACCOUNT, t[i].user, NULL, &out), 0);
		if (strcmp(out.line, t[i].line))
			fail_msg("%s:\n got  %s\n want %s", t[i].user, out.line, t[i].line);
		assert_string_equal(out.roles, t[i].roles);
		gr_pam_outcome_free(&out);
	}
}

static void test_no_user(void **state)
{
	struct gr_config cfg;
	struct gr_pam_outcome out;

	(void)state;
	gr_config_defaults(&cfg);
	assert_int_equal(gr_pam_evaluate(&cfg, GR_PAM_ACCOUNT, NULL, NULL, &out), 0);
	assert_int_equal(out.decision, GR_PAM_NO_USER);
	assert_int_equal(out.pam_code, PAM_USER_UNKNOWN);
	assert_int_equal(out.priority, LOG_NOTICE);
	assert_string_equal(out.line, "user=\"?\" result=\"deny\" reason=\"no user name\"");
	assert_false(out.resolved);
	gr_pam_outcome_free(&out);

	assert_int_equal(gr_pam_evaluate(&cfg, GR_PAM_ACCOUNT, "", NULL, &out), 0);
	assert_int_equal(out.pam_code, PAM_USER_UNKNOWN);
	gr_pam_outcome_free(&out);
}

static void test_config_failure_line(void **state)
{
	struct gr_pam_outcome out;
	struct gr_err err;

	(void)state;
	gr_err_set(&err, -GR_E_CONFIG, "argument 'x=\"1\"': unknown key 'x'");
	assert_int_equal(gr_pam_config_failure(GR_PAM_ACCOUNT, "bob", &err, &out), 0);
	assert_int_equal(out.pam_code, PAM_SERVICE_ERR);
	assert_int_equal(out.priority, LOG_ERR);
	assert_true(out.log);
	assert_string_equal(out.line, "user=\"bob\" result=\"config-error\" reason=\"configuration "
				      "error, refusing: argument 'x=\\x221\\x22': unknown key 'x'\"");
	gr_pam_outcome_free(&out);
	assert_int_equal(gr_pam_config_failure(GR_PAM_OPEN_SESSION, NULL, &err, &out), 0);
	assert_int_equal(out.pam_code, PAM_SESSION_ERR);
	assert_non_null(strstr(out.line, "user=\"?\" "));
	gr_pam_outcome_free(&out);
}

static void test_close_line(void **state)
{
	struct gr_config cfg;
	struct gr_pam_outcome out;

	(void)state;
	gr_config_defaults(&cfg);
	assert_int_equal(gr_pam_close(&cfg, "alice", "admin,dev", &out), 0);
	assert_int_equal(out.pam_code, PAM_SUCCESS);
	assert_string_equal(out.line, "user=\"alice\" result=\"closed\" roles=\"admin,dev\"");
	assert_true(out.log);
	gr_pam_outcome_free(&out);
	cfg.quiet = true;
	assert_int_equal(gr_pam_close(&cfg, "alice", NULL, &out), 0);
	assert_string_equal(out.line, "user=\"alice\" result=\"closed\"");
	assert_false(out.log);
	gr_pam_outcome_free(&out);
}

/*
 * The module decides from the published login snapshot; it must give what a
 * full resolution from directory.tdb gives (grouprolectl user show).
 */
static char *reference_roles(const struct gr_config *cfg, const char *login)
{
	struct gr_store *st = NULL;
	struct gr_context *ctx = NULL;
	struct gr_facts *f = NULL;
	struct gr_resolution res;
	struct gr_err err;
	char *csv = NULL;
	size_t len = 0, i;
	FILE *out;

	tu_ok(gr_store_open(cfg, GR_STORE_READ, &st, &err), &err);
	tu_ok(gr_store_read_lock(st, &err), &err);
	tu_ok(gr_context_load(st, &ctx, &err), &err);
	tu_ok(gr_facts_load_login(st, ctx, login, &f, &err), &err);
	assert_int_equal(gr_resolve(gr_facts_input(f), &res), 0);
	out = open_memstream(&csv, &len);
	assert_non_null(out);
	for (i = 0; i < res.n_roles; i++)
		fprintf(out, "%s%s", i ? "," : "", res.roles[i].slug);
	fclose(out);
	gr_resolution_free(&res);
	gr_facts_free(f);
	gr_context_free(ctx);
	gr_store_close(st);
	return csv;
}

static void set_policy(const struct gr_config *cfg, bool multiple, const char *def)
{
	struct gr_store *st = NULL;
	struct gr_policy pol;
	struct gr_err err;

	tu_ok(gr_store_open(cfg, GR_STORE_WRITE, &st, &err), &err);
	tu_ok(gr_store_begin(st, &err), &err);
	tu_ok(gr_policy_get(st, &pol, &err), &err);
	pol.multiple_roles = multiple;
	snprintf(pol.default_role, sizeof(pol.default_role), "%s", def);
	tu_ok(gr_policy_put(st, &pol, &err), &err);
	tu_ok(gr_store_commit(st, &err), &err);
	tu_ok(gr_publish(st, NULL, &err), &err);
	gr_store_close(st);
}

static void test_matches_full_catalog(void **state)
{
	static const char *const users[] = { "alice", "bob", "carol", "dave", "erin", "root" };
	static const struct {
		bool multiple;
		const char *def;
	} policies[] = { { true, "" }, { false, "" }, { true, "dev" }, { false, "auditor" } };
	char conf[PATH_MAX], state_dir[PATH_MAX];
	struct gr_config cfg;
	struct gr_err err;
	size_t p, u;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/full.conf", g_dir);
	snprintf(state_dir, sizeof(state_dir), "%s/full-state", g_dir);
	assert_int_equal(pf_write_conf(conf, state_dir,
				       "organization = acme\nresources = host:web1"), 0);
	tu_ok(pf_build_small(conf, &err), &err);
	tu_ok(gr_config_load(&cfg, conf, false, &err), &err);
	for (p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		set_policy(&cfg, policies[p].multiple, policies[p].def);
		for (u = 0; u < sizeof(users) / sizeof(users[0]); u++) {
			struct gr_pam_outcome out;
			char *want = reference_roles(&cfg, users[u]);

			assert_int_equal(gr_pam_evaluate(&cfg, GR_PAM_ACCOUNT, users[u], NULL, &out),
					 0);
			assert_true(out.resolved);
			if (strcmp(out.roles, want))
				fail_msg("policy %zu, %s: module resolved \"%s\", full catalog \"%s\"",
					 p, users[u], out.roles, want);
			gr_pam_outcome_free(&out);
			free(want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_fail_mode),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_decision_lines),
		cmocka_unit_test(test_no_user),
		cmocka_unit_test(test_config_failure_line),
		cmocka_unit_test(test_close_line),
		cmocka_unit_test(test_matches_full_catalog),
	};

	return cmocka_run_group_tests_name("pam_logic", tests, setup_dir, teardown_dir);
}

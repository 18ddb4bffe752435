/* SPDX-License-Identifier: MIT */
/*
 * pam_grouprole.so through real Linux-PAM, loaded by pam_wrapper and driven
 * by libpamtest: every decision, every PAM code, bad arguments, a missing or
 * unreadable database under fail=open and fail=closed, GROUPROLE_ROLES and
 * the exact log lines.
 *
 * The program runs twice.  The first run (no GR_PAM_TEST_DIR) builds a
 * private state directory, config files and one PAM service file per table
 * row in a temporary directory, then runs itself again with pam_wrapper
 * preloaded (pam_wrapper copies the service directory when it starts, so the
 * files must exist first) and removes the directory afterwards.
 *
 * Every service wraps the module so that its own return code is what
 * pam_acct_mgmt() and pam_open_session() return:
 *
 *   account [success=done ignore=ignore default=done] pam_grouprole.so ARGS
 *   account required pam_debug.so acct=acct_expired
 *
 * A module answer of PAM_IGNORE falls through to pam_debug, whose
 * PAM_ACCT_EXPIRED (PAM_CRED_EXPIRED in sessions) the module never returns:
 * so "ignored" is told apart from a denial, which a bare stack of ignoring
 * modules would also report as PAM_PERM_DENIED.
 *
 * pam_wrapper hands pam_syslog() lines to its debug log on stderr as
 * "SYSLOG(priority): text"; each case captures stderr and checks the
 * module's lines with their priorities.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpamtest.h>
#include <tdb.h>

#include "core/gr_error.h"
#include "pam_fixture.h"

#ifndef GR_PAM_MODULE_PATH
#error "GR_PAM_MODULE_PATH must name the built pam_grouprole.so"
#endif
#ifndef GR_PAM_WRAPPER_LIB
#define GR_PAM_WRAPPER_LIB "libpam_wrapper.so"
#endif

/* Expected-code pseudo values. */
#define IGNORED (-100) /* the module returned PAM_IGNORE */
#define SKIP (-1)      /* phase not run */
#define MARK_ACCT PAM_ACCT_EXPIRED
#define MARK_SESSION PAM_CRED_EXPIRED

#define MAX_LINES 32

struct want_line {
	int prio;
	const char *text; /* after template expansion */
	bool exact;       /* whole line, else substring */
};

struct row {
	const char *name;
	const char *args;
	const char *user;
	int acct;
	int session;     /* pam_open_session; SKIP for none */
	const char *env; /* GROUPROLE_ROLES after the session; NULL: must be unset */
	struct want_line lines[4];
	int n_lines;     /* exact number of module lines; -1: not checked */
};

#define E true  /* exact line */
#define S false /* substring */

static const struct row rows[] = {
	/* ---- decisions on a readable directory ---- */
	{ "allow: roles from tenant groups, one line per login plus the end",
	  "config=@N@", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev",
	  { { LOG_INFO, "user=alice result=allow directory=okta roles=\"admin,dev\" "
			"from=\"admin: group Engineering; dev: group Staff\"", E },
	    { LOG_INFO, "user=alice result=closed roles=\"admin,dev\"", E } }, 2 },
	{ "allow: organization role and expiring assignment with provenance",
	  "config=@N@", "erin", PAM_SUCCESS, PAM_SUCCESS, "auditor,ops",
	  { { LOG_INFO, "user=erin result=allow directory=okta roles=\"auditor,ops\" "
			"from=\"auditor: assignment on host:web1 until 2099-01-01T00:00:00Z; "
			"ops: group Platform in organization acme\"", E } }, 2 },
	{ "allow: directory user without roles gets an empty GROUPROLE_ROLES",
	  "config=@N@", "dave", PAM_SUCCESS, PAM_SUCCESS, "",
	  { { LOG_INFO, "user=dave result=allow directory=okta roles=\"\" from=\"\"", E } }, 2 },
	{ "deny: deactivated user, PAM_PERM_DENIED, groups in the log",
	  "config=@N@", "carol", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=carol result=deny reason=\"deactivated in the directory\" "
			  "directory=okta groups=\"Engineering\"", E } }, 1 },
	{ "ignore: local account outside the directory (unknown=ignore default)",
	  "config=@N@", "root", IGNORED, PAM_SUCCESS, "",
	  { { LOG_INFO, "user=root result=ignore reason=\"not in the directory\"", E },
	    { LOG_INFO, "user=root result=closed roles=\"\"", E } }, 2 },
	{ "deny: unknown=deny refuses users outside the directory with PAM_USER_UNKNOWN",
	  "config=@N@ unknown=deny", "root", PAM_USER_UNKNOWN, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=root result=deny reason=\"not in the directory (unknown=deny)\"",
	      E } }, 1 },
	{ "allow: unknown=deny leaves directory users alone",
	  "config=@N@ unknown=deny", "bob", PAM_SUCCESS, PAM_SUCCESS, "dev", { { 0 } }, 2 },
	{ "require_role: holder admitted",
	  "config=@N@ require_role=admin", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev",
	  { { LOG_INFO, "user=alice result=allow", S } }, 2 },
	{ "require_role: non-holder refused with what they do hold",
	  "config=@N@ require_role=admin", "bob", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=bob result=deny reason=\"holds none of the required roles "
			  "(admin)\" directory=okta roles=\"dev\" from=\"dev: group Staff\"", E } },
	  1 },
	{ "require_role: any listed role admits (organization role)",
	  "config=@N@ require_role=admin,ops", "erin", PAM_SUCCESS, PAM_SUCCESS, "auditor,ops",
	  { { 0 } }, 2 },
	{ "require_role: a list separated by spaces in the config file works the same",
	  "config=@R@", "erin", PAM_SUCCESS, PAM_SUCCESS, "auditor,ops", { { 0 } }, 2 },
	{ "require_role: file-configured list refuses a non-holder",
	  "config=@R@", "bob", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "reason=\"holds none of the required roles (admin,ops)\"", S } }, 1 },
	{ "require_role: users outside the directory hold no role",
	  "config=@N@ require_role=admin", "root", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=root result=deny reason=\"holds none of the required roles "
			  "(admin)\"", E } }, 1 },
	{ "require_role: user without roles refused",
	  "config=@N@ require_role=dev", "dave", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=dave result=deny", S } }, 1 },
	{ "require_role: deactivated holder refused as deactivated",
	  "config=@N@ require_role=admin", "carol", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "reason=\"deactivated in the directory\"", S } }, 1 },
	{ "quiet: allowed logins leave no line",
	  "config=@N@ quiet", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev", { { 0 } }, 0 },
	{ "quiet: denials are still logged",
	  "config=@N@ quiet", "carol", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=carol result=deny", S } }, 1 },
	{ "debug: a detail line follows the decision",
	  "config=@N@ debug", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev",
	  { { LOG_INFO, "user=alice result=allow", S },
	    { LOG_DEBUG, "debug: config=@N@ state_dir=@D@/state generation=", S } }, -1 },
	{ "no config=: GROUPROLE_CONF names the file",
	  "", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev", { { 0 } }, 2 },
	{ "user names that cannot be logins are unknown users",
	  "config=@N@", "../../etc", IGNORED, PAM_SUCCESS, "",
	  { { LOG_INFO, "user=../../etc result=ignore", S } }, 2 },
	{ "control characters in the user name are escaped in the log",
	  "config=@N@ unknown=deny", "ev\nil\"", PAM_USER_UNKNOWN, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=ev\\x0ail\\x22 result=deny", S } }, 1 },

	/* ---- arguments and config files that cannot be interpreted: fail closed ---- */
	{ "bad argument: unknown option refuses (PAM_SERVICE_ERR)",
	  "config=@N@ bogus=1", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "user=alice result=config-error reason=\"configuration error, refusing: "
		       "argument 'bogus=1': unknown key 'bogus'\"", E } }, 2 },
	{ "bad argument: refuses local accounts too",
	  "config=@N@ requre_role=admin", "root", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "unknown key 'requre_role'", S } }, 2 },
	{ "bad argument: malformed require_role",
	  "config=@N@ require_role=Admin!", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "require_role: invalid value 'Admin!'", S } }, 2 },
	{ "bad argument: empty require_role",
	  "config=@N@ require_role=", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "require_role: empty list", S } }, 2 },
	{ "bad argument: require_role without a value",
	  "config=@N@ require_role", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "argument 'require_role' needs a value", S } }, 2 },
	{ "bad argument: unknown= value",
	  "config=@N@ unknown=maybe", "root", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "unknown: expected ignore or deny", S } }, 2 },
	{ "bad argument: fail= value",
	  "config=@N@ fail=sometimes", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "fail: expected open or closed", S } }, 2 },
	{ "bad argument: config file missing",
	  "config=@D@/nope.conf", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "@D@/nope.conf", S } }, 2 },
	{ "bad argument: relative config path",
	  "config=grouprole.conf", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "config=: expected an absolute path", S } }, 2 },
	{ "bad argument: config= twice",
	  "config=@N@ config=@M@", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "'config=' given twice", S } }, 2 },
	{ "bad config file: unknown key, named with file and line",
	  "config=@B@", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "@B@:4: unknown key 'colour'", S } }, 2 },
	{ "bad config file: group-writable config is not trusted",
	  "config=@W@", "root", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "result=config-error", S } }, 2 },

	/* ---- database missing or unreadable ---- */
	{ "missing database: fail=open by default ignores",
	  "config=@M@", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "user=alice result=fail-open reason=\"database unavailable "
			   "(fail=open): @D@/state-missing/directory.tdb", S } }, 1 },
	{ "missing database: require_role makes the default fail=closed",
	  "config=@M@ require_role=admin", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "user=alice result=fail-closed reason=\"database unavailable "
		       "(fail=closed)", S } }, 1 },
	{ "missing database: fail=closed refuses everyone",
	  "config=@M@ fail=closed", "root", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "result=fail-closed", S } }, 1 },
	{ "missing database: fail=open overrides require_role's default",
	  "config=@M@ require_role=admin fail=open", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "result=fail-open", S } }, 1 },
	{ "missing database: unknown=deny cannot tell, fail=open applies",
	  "config=@M@ unknown=deny", "root", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "result=fail-open", S } }, 1 },
	{ "unreadable database (not a TDB): fail=open",
	  "config=@G@", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "result=fail-open reason=\"database unavailable (fail=open): ", S } },
	  1 },
	{ "unreadable database (not a TDB): fail=closed",
	  "config=@G@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "result=fail-closed", S } }, 1 },
	{ "world-writable database is not trusted: fail=closed",
	  "config=@U@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "result=fail-closed", S } }, 1 },
	{ "database with a newer schema: fail=open",
	  "config=@S@", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "schema version 99", S } }, 1 },
	{ "corrupt user record: that user fails as configured",
	  "config=@C@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "result=fail-closed", S } }, 1 },
	{ "corrupt user record: other users are unaffected",
	  "config=@C@ fail=closed", "bob", PAM_SUCCESS, PAM_SUCCESS, "dev", { { 0 } }, 2 },
};

/* ---- templates ---- */

static char g_dir[PATH_MAX - 64];

static const struct {
	char key;
	const char *file;
} templates[] = {
	{ 'N', "normal.conf" }, { 'M', "missing.conf" }, { 'G', "garbage.conf" },
	{ 'U', "unsafe.conf" }, { 'S', "schema.conf" },	 { 'C', "corrupt.conf" },
	{ 'B', "bad.conf" },	{ 'W', "writable.conf" }, { 'R', "require.conf" },
	{ 'H', "hostile.conf" },
};

/* Expand @X@ (a config file in the test directory) and @D@ (the directory). */
static void expand(const char *in, char *out, size_t len)
{
	size_t o = 0, i;

	while (*in && o + 1 < len) {
		if (in[0] == '@' && in[1] && in[2] == '@') {
			const char *rep = NULL;
			char buf[PATH_MAX];

			if (in[1] == 'D')
				rep = g_dir;
			for (i = 0; !rep && i < sizeof(templates) / sizeof(templates[0]); i++) {
				if (templates[i].key == in[1]) {
					snprintf(buf, sizeof(buf), "%s/%s", g_dir,
						 templates[i].file);
					rep = buf;
				}
			}
			if (rep) {
				o += (size_t)snprintf(out + o, len - o, "%s", rep);
				if (o >= len)
					o = len - 1;
				in += 3;
				continue;
			}
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
}

/* ---- capturing pam_syslog through pam_wrapper's stderr ---- */

struct logline {
	int prio;
	char text[2048];
};

struct captured {
	struct logline lines[MAX_LINES];
	int n;
	char *raw;
};

static int saved_stderr = -1;

static void capture_start(void)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/stderr.log", g_dir);
	fflush(stderr);
	saved_stderr = dup(2);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved_stderr >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
}

static void capture_stop(struct captured *c)
{
	char path[PATH_MAX];
	char *line, *save = NULL;
	size_t len = 0;
	FILE *f;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/stderr.log", g_dir);
	f = fopen(path, "re");
	assert_non_null(f);
	c->raw = NULL;
	if (getdelim(&c->raw, &len, '\0', f) < 0) {
		free(c->raw);
		c->raw = strdup("");
	}
	fclose(f);
	/* "PWRAP_xxx[...] - SYSLOG(6): text": keep the module's own lines. */
	for (line = strtok_r(c->raw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, "SYSLOG(");
		char *text;

		if (!p || c->n >= MAX_LINES)
			continue;
		text = strstr(p, "): ");
		if (!text)
			continue;
		text += 3;
		if (strncmp(text, "user=", 5) && strncmp(text, "debug:", 6) &&
		    strncmp(text, "cannot export", 13))
			continue;
		c->lines[c->n].prio = atoi(p + 7);
		snprintf(c->lines[c->n].text, sizeof(c->lines[0].text), "%s", text);
		c->n++;
	}
}

static void print_captured(const struct captured *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		print_message("#   log[%d] prio %d: %s\n", i, c->lines[i].prio, c->lines[i].text);
}

/* Every wanted line, in order, with its priority. */
static void check_lines(const struct captured *c, const struct want_line *want, size_t n_want,
			int n_lines)
{
	int at = 0;
	size_t w;

	for (w = 0; w < n_want && want[w].text; w++) {
		char text[4096];
		bool found = false;

		expand(want[w].text, text, sizeof(text));
		for (; at < c->n && !found; at++) {
			if (c->lines[at].prio != want[w].prio)
				continue;
			found = want[w].exact ? !strcmp(c->lines[at].text, text)
					      : strstr(c->lines[at].text, text) != NULL;
		}
		if (!found) {
			print_captured(c);
			fail_msg("no log line (prio %d) %s \"%s\"", want[w].prio,
				 want[w].exact ? "equal to" : "containing", text);
		}
	}
	if (n_lines >= 0 && c->n != n_lines) {
		print_captured(c);
		fail_msg("%d module log lines, expected %d", c->n, n_lines);
	}
}

/* ---- running a conversation ---- */

static int expected_code(int want, int mark)
{
	return want == IGNORED ? mark : want;
}

static const char *env_value(char **envlist, const char *name)
{
	size_t n = strlen(name);

	for (; envlist && *envlist; envlist++)
		if (!strncmp(*envlist, name, n) && (*envlist)[n] == '=')
			return *envlist + n + 1;
	return NULL;
}

static void run_row(const struct row *row, const char *service)
{
	struct pamtest_conv_data conv;
	struct pam_testcase cases[4];
	struct captured cap;
	enum pamtest_err perr;
	size_t n = 0, i;
	const char *env;
	char **envlist;

	memset(&conv, 0, sizeof(conv));
	memset(cases, 0, sizeof(cases));
	cases[n++] = (struct pam_testcase)pam_test(PAMTEST_ACCOUNT,
						   expected_code(row->acct, MARK_ACCT));
	if (row->session != SKIP) {
		cases[n++] = (struct pam_testcase)pam_test(
			PAMTEST_OPEN_SESSION, expected_code(row->session, MARK_SESSION));
		cases[n++] = (struct pam_testcase)pam_test(PAMTEST_GETENVLIST, 0);
		/* Applications close only what they opened. */
		if (row->session == PAM_SUCCESS)
			cases[n++] = (struct pam_testcase)pam_test(PAMTEST_CLOSE_SESSION,
								   PAM_SUCCESS);
	}
	capture_start();
	perr = _pamtest(service, row->user, &conv, cases, n, NULL);
	capture_stop(&cap);
	if (perr != PAMTEST_ERR_OK) {
		const struct pam_testcase *bad = _pamtest_failed_case(cases, n);

		print_captured(&cap);
		if (bad)
			fail_msg("%s: operation %d returned %d (%s), expected %d", row->name,
				 bad->pam_operation, bad->op_rv, pam_strerror(NULL, bad->op_rv),
				 bad->expected_rv);
		fail_msg("%s: %s", row->name, pamtest_strerror(perr));
	}
	check_lines(&cap, row->lines, sizeof(row->lines) / sizeof(row->lines[0]), row->n_lines);
	if (row->session != SKIP) {
		envlist = cases[2].case_out.envlist;
		env = env_value(envlist, "GROUPROLE_ROLES");
		if (row->env && (!env || strcmp(env, row->env)))
			fail_msg("GROUPROLE_ROLES=%s, expected %s", env ? env : "(unset)",
				 row->env);
		if (!row->env && env)
			fail_msg("GROUPROLE_ROLES=%s, expected it unset", env);
		pamtest_free_env(envlist);
	}
	for (i = 0; i < (size_t)cap.n; i++)
		assert_null(strchr(cap.lines[i].text, '\n'));
	free(cap.raw);
}

static void test_row(void **state)
{
	const struct row *row = *state;
	char service[32];

	snprintf(service, sizeof(service), "row%02zu", (size_t)(row - rows));
	run_row(row, service);
}

/* ---- cases that need more than one conversation ---- */

/* Session without a preceding account phase in the handle: the session logs the line. */
static void test_session_alone_logs(void **state)
{
	struct pamtest_conv_data conv;
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, 0),
	};
	struct captured cap;
	enum pamtest_err perr;

	(void)state;
	memset(&conv, 0, sizeof(conv));
	capture_start();
	perr = run_pamtest("row00", "alice", &conv, cases, NULL);
	capture_stop(&cap);
	assert_int_equal(perr, PAMTEST_ERR_OK);
	assert_string_equal(env_value(cases[1].case_out.envlist, "GROUPROLE_ROLES"), "admin,dev");
	pamtest_free_env(cases[1].case_out.envlist);
	{
		const struct want_line want[] = { { LOG_INFO, "user=alice result=allow", S } };

		check_lines(&cap, want, 1, 1);
	}
	free(cap.raw);
}

/*
 * The directory changes between pam_acct_mgmt and pam_open_session of one
 * handle: the session resolves again, logs the new state and acts on it.
 */
static void between_phases(const char *change, const char *revert, int session_rv,
			   const char *env, const char *line)
{
	char conf[PATH_MAX];
	struct pamtest_conv_data conv;
	struct pam_testcase acct[] = {
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_KEEPHANDLE, 0),
	};
	struct pam_testcase sess[] = {
		pam_test(PAMTEST_OPEN_SESSION, session_rv),
		pam_test(PAMTEST_GETENVLIST, 0),
	};
	struct captured cap;
	struct gr_err err;
	pam_handle_t *ph;
	enum pamtest_err perr;

	memset(&conv, 0, sizeof(conv));
	expand("@N@", conf, sizeof(conf));
	capture_start();
	perr = run_pamtest("row00", "alice", &conv, acct, NULL);
	capture_stop(&cap);
	free(cap.raw);
	assert_int_equal(perr, PAMTEST_ERR_OK);
	ph = acct[1].case_out.ph;

	if (!strcmp(change, "deactivate"))
		assert_int_equal(pf_set_active(conf, "u1", 0, &err), 0);
	else
		assert_int_equal(pf_group_role(conf, "Engineering", "admin", 0, &err), 0);

	capture_start();
	perr = run_pamtest("row00", "alice", &conv, sess, ph);
	capture_stop(&cap);
	if (!strcmp(revert, "activate"))
		assert_int_equal(pf_set_active(conf, "u1", 1, &err), 0);
	else
		assert_int_equal(pf_group_role(conf, "Engineering", "admin", 1, &err), 0);
	if (perr != PAMTEST_ERR_OK) {
		print_captured(&cap);
		fail_msg("open_session returned %d, expected %d", sess[0].op_rv, session_rv);
	}
	if (env)
		assert_string_equal(env_value(sess[1].case_out.envlist, "GROUPROLE_ROLES"), env);
	else
		assert_null(env_value(sess[1].case_out.envlist, "GROUPROLE_ROLES"));
	pamtest_free_env(sess[1].case_out.envlist);
	{
		const int prio = session_rv == PAM_SUCCESS ? LOG_INFO : LOG_NOTICE;
		const struct want_line want[] = { { prio, line, E } };

		check_lines(&cap, want, 1, 1);
	}
	free(cap.raw);
	/* run_pamtest ended the handle after the session case. */
}

static void test_deactivated_between_phases(void **state)
{
	(void)state;
	between_phases("deactivate", "activate", PAM_SESSION_ERR, NULL,
		       "user=alice result=deny reason=\"deactivated in the directory\" "
		       "directory=okta groups=\"Engineering, Staff\"");
}

static void test_role_removed_between_phases(void **state)
{
	(void)state;
	between_phases("unmap", "map", PAM_SUCCESS, "dev",
		       "user=alice result=allow directory=okta roles=\"dev\" "
		       "from=\"dev: group Staff\"");
}

/* setcred succeeds and changes nothing; there is no authenticate to call. */
static void test_setcred(void **state)
{
	struct pamtest_conv_data conv;
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_SETCRED, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, 0),
	};
	struct pam_testcase auth[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_MODULE_UNKNOWN),
	};
	struct captured cap;

	(void)state;
	memset(&conv, 0, sizeof(conv));
	capture_start();
	assert_int_equal(run_pamtest("authstack", "alice", &conv, cases, NULL), PAMTEST_ERR_OK);
	capture_stop(&cap);
	assert_null(env_value(cases[1].case_out.envlist, "GROUPROLE_ROLES"));
	pamtest_free_env(cases[1].case_out.envlist);
	check_lines(&cap, NULL, 0, 0);
	free(cap.raw);

	/* Listed under "auth" by mistake, the module refuses instead of passing. */
	capture_start();
	assert_int_equal(run_pamtest("authstack", "alice", &conv, auth, NULL), PAMTEST_ERR_OK);
	capture_stop(&cap);
	free(cap.raw);
}

/* Closing never fails, even when the arguments are broken; the error is logged. */
static void test_close_with_bad_arguments(void **state)
{
	struct pamtest_conv_data conv;
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	struct captured cap;
	const struct want_line want[] = { { LOG_ERR, "unknown key 'bogus'", S } };

	(void)state;
	memset(&conv, 0, sizeof(conv));
	capture_start();
	assert_int_equal(run_pamtest("closebad", "alice", &conv, cases, NULL), PAMTEST_ERR_OK);
	capture_stop(&cap);
	check_lines(&cap, want, 1, 1);
	free(cap.raw);
}

/* ---- the module never writes ---- */

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *f = fopen(path, "re");

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len ? *len : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static void test_never_writes(void **state)
{
	char path[PATH_MAX], svc[32];
	struct stat before, after;
	char *a, *b;
	size_t alen, blen, i;

	(void)state;
	snprintf(path, sizeof(path), "%s/state/directory.tdb", g_dir);
	assert_int_equal(stat(path, &before), 0);
	a = slurp(path, &alen);
	for (i = 0; i < 4; i++) {
		snprintf(svc, sizeof(svc), "row%02zu", i);
		run_row(&rows[i], svc);
	}
	assert_int_equal(stat(path, &after), 0);
	b = slurp(path, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	free(a);
	free(b);
}

/* ---- hostile database contents ---- */

static const struct {
	const char *key;
	const char *value;
} hostile[] = {
	{ "user/okta/u1", "not json {" },
	{ "user/okta/u1", "[]" },
	{ "user/okta/u1", "{\"groups\": 5, \"active\": \"yes\", \"login\": 7}" },
	{ "user/okta/u1", "{\"groups\": [1, null, {}, \"g1\", \"g1\", \"missing\"]}" },
	{ "user/okta/u1", "{\"groups\": [\"../../x\", \"\"], \"active\": false}" },
	{ "user/okta/u1", "\"just a string\"" },
	{ "group/okta/g1", "[1,2,3]" },
	{ "group/okta/g1", "{\"displayName\": {\"nested\": true}}" },
	{ "troles/okta/g1", "{\"admin\": 1}" },
	{ "troles/okta/g1", "[\"admin\", 5, null, \"UPPER\", \"no such role\", \"../x\"]" },
	{ "troles/okta/g1", "[[[[[[[[[[[[[[[[[[[[[[[[\"admin\"]]]]]]]]]]]]]]]]]]]]]]]]" },
	{ "role/admin", "garbage" },
	{ "role/admin", "{\"slug\": \"admin\", \"priority\": \"high\"}" },
	{ "role/admin", "{}" },
	{ "login/alice", "" },
	{ "login/alice", "okta" },
	{ "login/alice", "okta/u999" },
	{ "login/alice", "nodir/u1" },
	{ "policy", "[]" },
	{ "policy", "{\"default_role\": 42, \"multiple_roles\": \"maybe\"}" },
	{ "policy", "{\"default_role\": \"nonexistent\", \"role_attribute\": \"roles\"}" },
	{ "roleindex", "{\"no\": \"array\"}" },
	{ "org/acme", "{\"connections\": []}" },
	{ "org/acme", "{\"connections\": {\"okta\": 5}}" },
	{ "assign/okta/u5", "{\"role\": \"auditor\"}" },
	{ "assign/okta/u5", "[{\"role\": 1, \"resource\": [], \"expires\": \"never\"}]" },
	{ "oroles/acme/okta/g3", "\"ops\"" },
	{ "meta", "[1]" },
	{ "schema", "{\"version\": \"1\"}" },
	{ "schema", "{}" },
};

static void hostile_db(const char *key, const char *value)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct tdb_context *tdb;
	TDB_DATA k, v;

	/* No system(): a child shell would inherit pam_wrapper through LD_PRELOAD. */
	snprintf(src, sizeof(src), "%s/state/directory.tdb", g_dir);
	snprintf(dst, sizeof(dst), "%s/state-hostile/directory.tdb", g_dir);
	assert_int_equal(pf_copy_file(src, dst, 0600), 0);
	tdb = tdb_open(dst, 0, 0, O_RDWR, 0600);
	assert_non_null(tdb);
	k.dptr = (unsigned char *)(uintptr_t)key;
	k.dsize = strlen(key);
	v.dptr = (unsigned char *)(uintptr_t)value;
	v.dsize = strlen(value);
	assert_int_equal(tdb_store(tdb, k, v, TDB_REPLACE), 0);
	tdb_close(tdb);
}

/*
 * Whatever a record holds, the module answers with one of its documented
 * codes and never crashes: a crash here kills the test program.
 */
static void test_hostile_records(void **state)
{
	static const char *const users[] = { "alice", "bob", "erin", "root" };
	const int ok_acct[] = { PAM_SUCCESS, MARK_ACCT, PAM_PERM_DENIED, PAM_AUTHINFO_UNAVAIL };
	size_t i, u, k;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		hostile_db(hostile[i].key, hostile[i].value);
		for (u = 0; u < sizeof(users) / sizeof(users[0]); u++) {
			struct pamtest_conv_data conv;
			struct pam_testcase cases[] = {
				pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
				pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
				pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
			};
			struct captured cap;
			bool ok = false;

			memset(&conv, 0, sizeof(conv));
			capture_start();
			_pamtest("hostile", users[u], &conv, cases, 3, NULL);
			capture_stop(&cap);
			for (k = 0; k < sizeof(ok_acct) / sizeof(ok_acct[0]); k++)
				ok = ok || cases[0].op_rv == ok_acct[k];
			if (!ok) {
				print_captured(&cap);
				fail_msg("%s=%s: %s got %d", hostile[i].key, hostile[i].value,
					 users[u], cases[0].op_rv);
			}
			/* fail=closed here: an unreadable record never admits. */
			if (cases[0].op_rv == PAM_AUTHINFO_UNAVAIL)
				assert_true(cap.n >= 1 && cap.lines[0].prio == LOG_ERR);
			free(cap.raw);
		}
	}
}

/* ---- set-up: the first run ---- */

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g_dir, name);
	f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	chmod(path, mode);
}

static void write_service(const char *name, const char *args)
{
	char expanded[4096], *text = NULL, path[64];

	expand(args, expanded, sizeof(expanded));
	if (asprintf(&text,
		     "account [success=done ignore=ignore default=done] %s %s\n"
		     "account required pam_debug.so acct=acct_expired\n"
		     "session [success=done ignore=ignore default=done] %s %s\n"
		     "session required pam_debug.so open_session=cred_expired "
		     "close_session=cred_expired\n",
		     GR_PAM_MODULE_PATH, expanded, GR_PAM_MODULE_PATH, expanded) < 0)
		exit(1);
	snprintf(path, sizeof(path), "services/%s", name);
	write_file(path, text, 0644);
	free(text);
}

static void die(const char *what, const struct gr_err *err)
{
	fprintf(stderr, "set-up: %s: %s\n", what, err ? gr_err_msg(err) : strerror(errno));
	exit(1);
}

static void copy_state(const char *to, mode_t mode)
{
	char src[PATH_MAX], dst[PATH_MAX];

	snprintf(dst, sizeof(dst), "%s/%s", g_dir, to);
	mkdir(dst, 0700);
	snprintf(src, sizeof(src), "%s/state/directory.tdb", g_dir);
	snprintf(dst, sizeof(dst), "%s/%s/directory.tdb", g_dir, to);
	if (pf_copy_file(src, dst, mode) < 0)
		die(dst, NULL);
}

static void poke(const char *state, const char *key, const char *value)
{
	char path[PATH_MAX];
	struct tdb_context *tdb;
	TDB_DATA k = { (unsigned char *)(uintptr_t)key, strlen(key) };
	TDB_DATA v = { (unsigned char *)(uintptr_t)value, strlen(value) };

	snprintf(path, sizeof(path), "%s/%s/directory.tdb", g_dir, state);
	tdb = tdb_open(path, 0, 0, O_RDWR, 0600);
	if (!tdb || tdb_store(tdb, k, v, TDB_REPLACE) != 0)
		die(path, NULL);
	tdb_close(tdb);
}

#define HOST "organization = acme\nresources = host:web1"

static void setup_files(void)
{
	static const struct {
		const char *conf, *state, *extra;
	} confs[] = {
		{ "normal.conf", "state", HOST },
		{ "missing.conf", "state-missing", HOST },
		{ "garbage.conf", "state-garbage", HOST },
		{ "unsafe.conf", "state-unsafe", HOST },
		{ "schema.conf", "state-schema", HOST },
		{ "corrupt.conf", "state-corrupt", HOST },
		{ "hostile.conf", "state-hostile", HOST "\nfail = closed" },
		{ "require.conf", "state", HOST "\nrequire_role = admin ops" },
		{ "writable.conf", "state", HOST },
	};
	char path[PATH_MAX], state[PATH_MAX];
	struct gr_err err;
	size_t i;

	for (i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", g_dir, confs[i].conf);
		snprintf(state, sizeof(state), "%s/%s", g_dir, confs[i].state);
		if (pf_write_conf(path, state, confs[i].extra) < 0)
			die(path, NULL);
	}
	snprintf(path, sizeof(path), "%s/writable.conf", g_dir);
	chmod(path, 0620);
	write_file("bad.conf",
		   "# a typo the module must not guess about\nstate_dir = /nonexistent\n"
		   "test_mode = yes\ncolour = blue\n", 0600);

	snprintf(path, sizeof(path), "%s/normal.conf", g_dir);
	if (pf_build_small(path, &err) < 0)
		die("building the directory", &err);
	snprintf(path, sizeof(path), "%s/state-missing", g_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/state-garbage", g_dir);
	mkdir(path, 0700);
	write_file("state-garbage/directory.tdb", "this is not a TDB file at all\n", 0600);
	copy_state("state-unsafe", 0666);
	copy_state("state-schema", 0600);
	poke("state-schema", "schema", "{\"version\": 99}");
	copy_state("state-corrupt", 0600);
	poke("state-corrupt", "user/okta/u1", "{\"id\": \"u1\", \"groups\": ");
	copy_state("state-hostile", 0600);

	snprintf(path, sizeof(path), "%s/services", g_dir);
	mkdir(path, 0755);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "row%02zu", i);
		write_service(name, rows[i].args);
	}
	write_service("hostile", "config=@H@");
	write_service("closebad", "config=@N@ bogus=1");
	write_file("services/authstack", "auth required " GR_PAM_MODULE_PATH "\n", 0644);
	/* libpam falls back to "other" for unknown services: refuse, loudly. */
	write_file("services/other", "auth required pam_deny.so\naccount required pam_deny.so\n"
				     "session required pam_deny.so\n", 0644);
}

/* The sanitizer runtime, when this program was linked with one. */
static int find_asan(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "libasan.so")) {
		snprintf(data, PATH_MAX, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

static int first_run(char **argv)
{
	const char *base = getenv("GR_BUILD");
	char preload[2 * PATH_MAX], asan[PATH_MAX] = "", path[PATH_MAX];
	int status;
	pid_t pid;

	/* In the build tree under make check; in /tmp when run by hand. */
	if (base)
		snprintf(g_dir, sizeof(g_dir), "%s/tests/pam_module.XXXXXX", base);
	else
		snprintf(g_dir, sizeof(g_dir), "/tmp/pam_module.XXXXXX");
	if (!mkdtemp(g_dir))
		die("mkdtemp", NULL);
	setup_files();

	/*
	 * ASan must be the first library of the process, ahead of the preloaded
	 * pam_wrapper, and it cannot work with the RTLD_DEEPBIND that
	 * pam_wrapper uses to load libpam (pam_wrapper's documented switch).
	 */
	dl_iterate_phdr(find_asan, asan);
	snprintf(preload, sizeof(preload), "%s%s%s", asan, asan[0] ? ":" : "",
		 GR_PAM_WRAPPER_LIB);
	if (asan[0])
		setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	snprintf(path, sizeof(path), "%s/services", g_dir);
	setenv("PAM_WRAPPER", "1", 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", path, 1);
	setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);
	setenv("LD_PRELOAD", preload, 1);
	setenv("GR_PAM_TEST_DIR", g_dir, 1);
	snprintf(path, sizeof(path), "%s/normal.conf", g_dir);
	setenv("GROUPROLE_CONF", path, 1);

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		die("fork", NULL);
	if (!getenv("GR_KEEP_TEST_DIR"))
		pf_rm_rf(g_dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	struct CMUnitTest tests[sizeof(rows) / sizeof(rows[0]) + 16];
	size_t n = 0, i;
	const char *dir = getenv("GR_PAM_TEST_DIR");

	(void)argc;
	if (!dir)
		return first_run(argv);
	snprintf(g_dir, sizeof(g_dir), "%s", dir);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_row, (void *)&rows[i]);
		tests[n++].name = rows[i].name;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_session_alone_logs);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_deactivated_between_phases);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_role_removed_between_phases);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_setcred);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_close_with_bad_arguments);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_never_writes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_hostile_records);
	return _cmocka_run_group_tests("pam_module", tests, n, NULL, NULL);
}

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
#include <signal.h>
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

#include "core/config.h"
#include "core/gr_error.h"
#include "publish/publish.h"
#include "resolve/resolve.h"
#include "store/store.h"
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
	  { { LOG_INFO, "user=\"alice\" result=\"allow\" directory=\"okta\" roles=\"admin,dev\" "
			"from=\"admin: group Engineering; dev: group Staff\"", E },
	    { LOG_INFO, "user=\"alice\" result=\"closed\" roles=\"admin,dev\"", E } }, 2 },
	{ "allow: organization role and expiring assignment with provenance",
	  "config=@N@", "erin", PAM_SUCCESS, PAM_SUCCESS, "auditor,ops",
	  { { LOG_INFO, "user=\"erin\" result=\"allow\" directory=\"okta\" roles=\"auditor,ops\" "
			"from=\"auditor: assignment on host:web1 until 2099-01-01T00:00:00Z; "
			"ops: group Platform in organization acme\"", E } }, 2 },
	{ "allow: directory user without roles gets an empty GROUPROLE_ROLES",
	  "config=@N@", "dave", PAM_SUCCESS, PAM_SUCCESS, "",
	  { { LOG_INFO, "user=\"dave\" result=\"allow\" directory=\"okta\" roles=\"\" from=\"\"", E } }, 2 },
	{ "deny: deactivated user, PAM_PERM_DENIED, groups in the log",
	  "config=@N@", "carol", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=\"carol\" result=\"deny\" reason=\"deactivated in the directory\" "
			  "directory=\"okta\" groups=\"Engineering\"", E } }, 1 },
	{ "ignore: local account outside the directory (unknown=ignore default)",
	  "config=@N@", "root", IGNORED, PAM_SUCCESS, "",
	  { { LOG_INFO, "user=\"root\" result=\"ignore\" reason=\"not in the directory\"", E },
	    { LOG_INFO, "user=\"root\" result=\"closed\" roles=\"\"", E } }, 2 },
	{ "deny: unknown=deny refuses users outside the directory with PAM_USER_UNKNOWN",
	  "config=@N@ unknown=deny", "root", PAM_USER_UNKNOWN, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=\"root\" result=\"deny\" reason=\"not in the directory (unknown=deny)\"",
	      E } }, 1 },
	{ "allow: unknown=deny leaves directory users alone",
	  "config=@N@ unknown=deny", "bob", PAM_SUCCESS, PAM_SUCCESS, "dev", { { 0 } }, 2 },
	{ "require_role: holder admitted",
	  "config=@N@ require_role=admin", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev",
	  { { LOG_INFO, "user=\"alice\" result=\"allow\"", S } }, 2 },
	{ "require_role: non-holder refused with what they do hold",
	  "config=@N@ require_role=admin", "bob", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=\"bob\" result=\"deny\" reason=\"holds none of the required roles "
			  "(admin)\" directory=\"okta\" roles=\"dev\" from=\"dev: group Staff\"", E } },
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
	  { { LOG_NOTICE, "user=\"root\" result=\"deny\" reason=\"holds none of the required roles "
			  "(admin)\"", E } }, 1 },
	{ "require_role: user without roles refused",
	  "config=@N@ require_role=dev", "dave", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=\"dave\" result=\"deny\"", S } }, 1 },
	{ "require_role: deactivated holder refused as deactivated",
	  "config=@N@ require_role=admin", "carol", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "reason=\"deactivated in the directory\"", S } }, 1 },
	{ "quiet: allowed logins leave no line",
	  "config=@N@ quiet", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev", { { 0 } }, 0 },
	{ "quiet: denials are still logged",
	  "config=@N@ quiet", "carol", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=\"carol\" result=\"deny\"", S } }, 1 },
	{ "debug: a detail line follows the decision",
	  "config=@N@ debug", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev",
	  { { LOG_INFO, "user=\"alice\" result=\"allow\"", S },
	    { LOG_DEBUG, "debug: config=\"@N@\" state_dir=\"@D@/state\" generation=\"", S } },
	  -1 },
	{ "no config=: GROUPROLE_CONF names the file",
	  "", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev", { { 0 } }, 2 },
	{ "user names that cannot be logins are unknown users",
	  "config=@N@", "../../etc", IGNORED, PAM_SUCCESS, "",
	  { { LOG_INFO, "user=\"../../etc\" result=\"ignore\"", S } }, 2 },
	{ "control characters in the user name are escaped in the log",
	  "config=@N@ unknown=deny", "ev\nil\"", PAM_USER_UNKNOWN, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=\"ev\\x0ail\\x22\" result=\"deny\"", S } }, 1 },

	/* ---- arguments and config files that cannot be interpreted: fail closed ---- */
	{ "bad argument: unknown option refuses (PAM_SERVICE_ERR)",
	  "config=@N@ bogus=1", "alice", PAM_SERVICE_ERR, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "user=\"alice\" result=\"config-error\" reason=\"configuration error, refusing: "
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
	  { { LOG_ERR, "result=\"config-error\"", S } }, 2 },

	/* ---- login snapshot missing or unreadable ---- */
	{ "missing snapshot: fail=open by default ignores",
	  "config=@M@", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "user=\"alice\" result=\"fail-open\" reason=\"login snapshot unavailable "
			   "(fail=open): @D@/state-missing/login.tdb: no such file (never "
			   "published?)\"", E } }, 1 },
	{ "missing snapshot: require_role makes the default fail=closed",
	  "config=@M@ require_role=admin", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "user=\"alice\" result=\"fail-closed\" reason=\"login snapshot unavailable "
		       "(fail=closed)", S } }, 1 },
	{ "missing snapshot: fail=closed refuses everyone",
	  "config=@M@ fail=closed", "root", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "result=\"fail-closed\"", S } }, 1 },
	{ "missing snapshot: fail=open overrides require_role's default",
	  "config=@M@ require_role=admin fail=open", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "result=\"fail-open\"", S } }, 1 },
	{ "missing snapshot: unknown=deny cannot tell, fail=open applies",
	  "config=@M@ unknown=deny", "root", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "result=\"fail-open\"", S } }, 1 },
	{ "directory.tdb but never published: fail=open",
	  "config=@P@", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "@D@/state-unpublished/login.tdb: no such file", S } }, 1 },
	{ "directory.tdb but never published: fail=closed",
	  "config=@P@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "result=\"fail-closed\" reason=\"login snapshot unavailable (fail=closed): "
		       "@D@/state-unpublished/login.tdb: no such file", S } }, 1 },
	{ "unreadable snapshot (not a TDB): fail=open",
	  "config=@G@", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "result=\"fail-open\" reason=\"login snapshot unavailable (fail=open): "
			   "@D@/state-garbage/login.tdb: not a login snapshot\"", S } }, 1 },
	{ "unreadable snapshot (not a TDB): fail=closed",
	  "config=@G@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "result=\"fail-closed\"", S } }, 1 },
	{ "nss.tdb where login.tdb belongs is not a login snapshot",
	  "config=@X@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "state-nss/login.tdb: not a login snapshot\"", S } }, 1 },
	{ "world-writable snapshot is not trusted: fail=closed",
	  "config=@U@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "state-unsafe/login.tdb: writable by group or others (mode 0666)", S } }, 1 },
	{ "world-readable snapshot (0644) is not trusted: fail=closed",
	  "config=@O@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "state-readable/login.tdb: readable by group or others (mode 0644)", S } },
	  1 },
	{ "world-readable snapshot (0644): fail=open",
	  "config=@O@", "carol", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "result=\"fail-open\"", S } }, 1 },
	{ "snapshot of another format version: fail=open",
	  "config=@S@", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "login snapshot version 99, this module reads 1", S } }, 1 },
	{ "corrupt user entry: that user fails as configured",
	  "config=@C@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "user=\"alice\" result=\"fail-closed\" reason=\"login snapshot unavailable "
		       "(fail=closed): login snapshot: this user's entry is corrupt\"", E } }, 1 },
	{ "corrupt user entry: other users are unaffected",
	  "config=@C@ fail=closed", "bob", PAM_SUCCESS, PAM_SUCCESS, "dev", { { 0 } }, 2 },

	/* ---- the host context the snapshot was published for ---- */
	{ "another organization than published: fail=open, named in the log",
	  "config=@N@ organization=globex", "alice", IGNORED, IGNORED, NULL,
	  { { LOG_WARNING, "user=\"alice\" result=\"fail-open\" reason=\"login snapshot unavailable "
			   "(fail=open): @D@/state/login.tdb was published for another host "
			   "context (snapshot: organization=acme; this module: "
			   "organization=globex); run grouprolectl publish with this "
			   "configuration\"", E } }, 1 },
	{ "other resources than published: fail=closed",
	  "config=@N@ resources=host:web2 fail=closed", "alice", PAM_AUTHINFO_UNAVAIL,
	  PAM_SESSION_ERR, NULL,
	  { { LOG_ERR, "(snapshot: resources=host:web1; this module: resources=host:web2)", S } },
	  1 },
	{ "arguments that repeat the published context are the same context",
	  "config=@N@ organization=acme resources=host:web1", "alice", PAM_SUCCESS, PAM_SUCCESS,
	  "admin,dev", { { 0 } }, 2 },
	{ "a state directory copied elsewhere (restored backup) still decides",
	  "config=@N@ state_dir=@D@/state-copy", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev",
	  { { 0 } }, 2 },

	/* ---- decided without directory.tdb; changes since the publish ---- */
	{ "directory.tdb absent: the snapshot alone decides (allow)",
	  "config=@Z@", "alice", PAM_SUCCESS, PAM_SUCCESS, "admin,dev",
	  { { LOG_INFO, "user=\"alice\" result=\"allow\" directory=\"okta\" roles=\"admin,dev\" "
			"from=\"admin: group Engineering; dev: group Staff\"", E } }, 2 },
	{ "directory.tdb absent: the snapshot alone decides (deny)",
	  "config=@Z@", "carol", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "user=\"carol\" result=\"deny\" reason=\"deactivated in the directory\"",
	      S } }, 1 },
	{ "assignment expired since the publish: dropped at login",
	  "config=@K@", "erin", PAM_SUCCESS, PAM_SUCCESS, "dev,ops",
	  { { LOG_INFO, "user=\"erin\" result=\"allow\" directory=\"okta\" roles=\"dev,ops\" "
			"from=\"dev: group Staff; ops: group Platform in organization acme\"",
	      E } }, 2 },
	{ "assignment expired since the publish: require_role no longer met",
	  "config=@K@ require_role=auditor", "erin", PAM_PERM_DENIED, PAM_SESSION_ERR, NULL,
	  { { LOG_NOTICE, "reason=\"holds none of the required roles (auditor)\"", S } }, 1 },
	{ "system account in the directory data (root with roles) is not in the directory",
	  "config=@K@", "root", IGNORED, PAM_SUCCESS, "",
	  { { LOG_INFO, "user=\"root\" result=\"ignore\" reason=\"local system account, its "
			"directory entry is ignored\"", E } }, 2 },
	{ "system account in the directory data (daemon, deactivated) is not denied",
	  "config=@K@", "daemon", IGNORED, PAM_SUCCESS, "",
	  { { LOG_INFO, "user=\"daemon\" result=\"ignore\" reason=\"local system account, its "
			"directory entry is ignored\"", E } }, 2 },
	{ "a group name cannot forge fields or provenance",
	  "config=@K@", "mallory", PAM_SUCCESS, PAM_SUCCESS, "dev",
	  { { LOG_INFO, "user=\"mallory\" result=\"allow\" directory=\"okta\" roles=\"dev\" "
			"from=\"dev: group x\\x22 decision=allow from=\\x22y\\x3b admin: group "
			"Jos\\xc3\\xa9\\x0a\"", E } }, 2 },
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
	{ 'H', "hostile.conf" },	{ 'P', "unpublished.conf" }, { 'X', "nss.conf" },
	{ 'O', "readable.conf" }, { 'Z', "nodir.conf" },	 { 'K', "crafted.conf" },
	{ 'Q', "owner.conf" },
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
	saved_stderr = -1;
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
		const struct want_line want[] = { { LOG_INFO, "user=\"alice\" result=\"allow\"", S } };

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
		       "user=\"alice\" result=\"deny\" reason=\"deactivated in the directory\" "
		       "directory=\"okta\" groups=\"Engineering, Staff\"");
}

static void test_role_removed_between_phases(void **state)
{
	(void)state;
	between_phases("unmap", "map", PAM_SUCCESS, "dev",
		       "user=\"alice\" result=\"allow\" directory=\"okta\" roles=\"dev\" "
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
	static const char *const files[] = { "directory.tdb", "login.tdb", "nss.tdb" };
	char path[PATH_MAX], svc[32];
	struct stat before[3], after;
	char *a[3], *b;
	size_t alen[3], blen, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/state/%s", g_dir, files[i]);
		assert_int_equal(stat(path, &before[i]), 0);
		a[i] = slurp(path, &alen[i]);
	}
	for (i = 0; i < 4; i++) {
		snprintf(svc, sizeof(svc), "row%02zu", i);
		run_row(&rows[i], svc);
	}
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/state/%s", g_dir, files[i]);
		assert_int_equal(stat(path, &after), 0);
		b = slurp(path, &blen);
		assert_int_equal(alen[i], blen);
		assert_memory_equal(a[i], b, blen);
		assert_int_equal(before[i].st_mtim.tv_sec, after.st_mtim.tv_sec);
		assert_int_equal(before[i].st_mtim.tv_nsec, after.st_mtim.tv_nsec);
		assert_int_equal(before[i].st_ino, after.st_ino);
		free(a[i]);
		free(b);
	}
}

/* ---- logins never wait on a writer ---- */

static void hang_detected(int sig)
{
	static const char msg[] = "pam_module: a login waited on the stopped writer (hang)\n";

	(void)sig;
	/* stderr may be redirected into the capture file just now. */
	if (write(saved_stderr >= 0 ? saved_stderr : 2, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to report with */
	}
	_exit(1);
}

/*
 * A writer stopped in the middle of its commit -- libtdb's transaction and
 * all-record write locks held, recovery area written, SIGSTOP -- must not hold
 * a login.  The old module took libtdb's shared all-record lock and waited
 * here for ever.  alarm() only detects that hang (and fails the test); it
 * times nothing.
 */
static void test_stopped_writer(void **state)
{
	char path[PATH_MAX];
	int status, i;
	pid_t pid;

	(void)state;
	snprintf(path, sizeof(path), "%s/state/directory.tdb", g_dir);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tdb_context *tdb = tdb_open(path, 0, 0, O_RDWR, 0600);
		TDB_DATA k = { (unsigned char *)"user/okta/u3", 12 };
		TDB_DATA v = { (unsigned char *)"{}", 2 };

		if (!tdb || tdb_transaction_start(tdb) != 0 || tdb_store(tdb, k, v, TDB_REPLACE) ||
		    tdb_transaction_prepare_commit(tdb) != 0)
			_exit(2);
		raise(SIGSTOP);
		_exit(3); /* never reached: the parent kills us */
	}
	assert_int_equal(waitpid(pid, &status, WUNTRACED), pid);
	if (!WIFSTOPPED(status))
		fail_msg("the writer did not reach its commit (status %d)", status);

	signal(SIGALRM, hang_detected);
	alarm(60);
	for (i = 0; i < 2; i++) {
		run_row(&rows[0], "row00"); /* alice: allow, admin,dev */
		run_row(&rows[3], "row03"); /* carol: deactivated, denied */
	}
	alarm(0);
	signal(SIGALRM, SIG_DFL);

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/*
 * Outside test_mode the snapshot must belong to root, whatever its mode.
 * Needs root to give the file away.
 */
static void test_snapshot_not_root_owned(void **state)
{
	char path[PATH_MAX];
	const struct row row = {
		"login.tdb owned by another user, test_mode off: fail=closed",
		"config=@Q@ fail=closed", "alice", PAM_AUTHINFO_UNAVAIL, PAM_SESSION_ERR, NULL,
		{ { LOG_ERR, "state-owner/login.tdb: owned by uid 65534, not root\"", S } }, 1
	};

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(path, sizeof(path), "%s/state-owner/login.tdb", g_dir);
	assert_int_equal(chown(path, 65534, 65534), 0);
	run_row(&row, "owner");
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

/*
 * A hostile directory record reaches the module only through the publisher:
 * poke it into a copy of the directory and publish that (the publish may
 * refuse, which leaves the previous, good snapshot in place).
 */
static void hostile_db(const char *key, const char *value)
{
	char src[PATH_MAX], dst[PATH_MAX], conf[PATH_MAX];
	struct gr_config cfg;
	struct gr_store *st = NULL;
	struct gr_err err;
	struct tdb_context *tdb;
	TDB_DATA k, v;
	const char *files[] = { "directory.tdb", "login.tdb" };
	size_t i;

	/* No system(): a child shell would inherit pam_wrapper through LD_PRELOAD. */
	for (i = 0; i < 2; i++) {
		snprintf(src, sizeof(src), "%s/state/%s", g_dir, files[i]);
		snprintf(dst, sizeof(dst), "%s/state-hostile/%s", g_dir, files[i]);
		assert_int_equal(pf_copy_file(src, dst, 0600), 0);
	}
	snprintf(dst, sizeof(dst), "%s/state-hostile/directory.tdb", g_dir);
	tdb = tdb_open(dst, 0, 0, O_RDWR, 0600);
	assert_non_null(tdb);
	k.dptr = (unsigned char *)(uintptr_t)key;
	k.dsize = strlen(key);
	v.dptr = (unsigned char *)(uintptr_t)value;
	v.dsize = strlen(value);
	assert_int_equal(tdb_store(tdb, k, v, TDB_REPLACE), 0);
	tdb_close(tdb);
	expand("@H@", conf, sizeof(conf));
	assert_int_equal(gr_config_load(&cfg, conf, false, &err), 0);
	if (gr_store_open(&cfg, GR_STORE_WRITE, &st, &err) == 0)
		gr_publish(st, NULL, &err);
	gr_store_close(st);
}

/* Whatever the answer, it is one of the documented codes and nothing crashed. */
static void hostile_logins(const char *what, const int *ok_acct, size_t n_ok)
{
	static const char *const users[] = { "alice", "bob", "erin", "root" };
	size_t u, k;

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
		for (k = 0; k < n_ok; k++)
			ok = ok || cases[0].op_rv == ok_acct[k];
		if (!ok) {
			print_captured(&cap);
			fail_msg("%s: %s got %d", what, users[u], cases[0].op_rv);
		}
		/* fail=closed here: an unreadable entry never admits. */
		if (cases[0].op_rv == PAM_AUTHINFO_UNAVAIL)
			assert_true(cap.n >= 1 && cap.lines[0].prio == LOG_ERR);
		free(cap.raw);
	}
}

static void test_hostile_records(void **state)
{
	const int ok_acct[] = { PAM_SUCCESS, MARK_ACCT, PAM_PERM_DENIED, PAM_AUTHINFO_UNAVAIL };
	char what[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		hostile_db(hostile[i].key, hostile[i].value);
		snprintf(what, sizeof(what), "%s=%s", hostile[i].key, hostile[i].value);
		hostile_logins(what, ok_acct, sizeof(ok_acct) / sizeof(ok_acct[0]));
	}
}

/*
 * Login snapshot entries that do not decode: every one is refused for that
 * user (fail=closed: PAM_AUTHINFO_UNAVAIL), never half-read.
 */
static void poke(const char *state, const char *file, const void *key, size_t klen,
		 const void *value, size_t len);

static void test_hostile_entries(void **state)
{
#define U32(v) (unsigned char)(v), 0, 0, 0
	static const struct {
		const char *what;
		unsigned char bytes[48];
		size_t len;
	} bad[] = {
		{ "empty", { 0 }, 0 },
		{ "short header", { U32(1), U32(0) }, 8 },
		{ "unknown flag", { U32(3), U32(0), U32(0), 'o', 0, 'u', 0 }, 16 },
		{ "no NUL after the directory", { U32(1), U32(0), U32(0), 'o', 'k' }, 14 },
		{ "trailing bytes", { U32(1), U32(0), U32(0), 'o', 0, 'u', 0, 'x' }, 17 },
		{ "more roles than bytes", { U32(1), U32(9), U32(0), 'o', 0, 'u', 0 }, 16 },
		{ "too many roles", { U32(1), 0xff, 0xff, 0, 0, U32(0), 'o', 0, 'u', 0 }, 16 },
		{ "role without a reason",
		  { U32(1), U32(1), U32(0), 'o', 0, 'u', 0, U32(0), 'd', 'e', 'v', 0, 0 }, 25 },
		{ "slug that is no slug",
		  { U32(1), U32(1), U32(0), 'o', 0, 'u', 0, U32(1), 'a', '=', 'b', 0, 0,
		    U32(0), 0, 0, 0, 0, 0, 0, 0, 0, 'g', 0, 0 }, 40 },
		{ "unknown kind of reason",
		  { U32(1), U32(1), U32(0), 'o', 0, 'u', 0, U32(1), 'd', 'e', 'v', 0, 0,
		    U32(99), 0, 0, 0, 0, 0, 0, 0, 0, 'g', 0, 0 }, 40 },
		{ "too many reasons",
		  { U32(1), U32(1), U32(0), 'o', 0, 'u', 0, U32(17), 'd', 'e', 'v', 0, 0 }, 25 },
		{ "groups past the end", { U32(0), U32(0), U32(5), 'o', 0, 'u', 0, 'g', 0 }, 18 },
	};
	const int closed[] = { PAM_AUTHINFO_UNAVAIL };
	const int ok_acct[] = { PAM_SUCCESS, MARK_ACCT, PAM_PERM_DENIED, PAM_AUTHINFO_UNAVAIL };
	char src[PATH_MAX], dst[PATH_MAX];
	const char *users[] = { "Ualice", "Ubob", "Uerin", "Uroot" };
	size_t i, u;

	(void)state;
	/* A well-formed entry, for contrast: the same bytes as "good" but valid. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(src, sizeof(src), "%s/state/login.tdb", g_dir);
		snprintf(dst, sizeof(dst), "%s/state-hostile/login.tdb", g_dir);
		assert_int_equal(pf_copy_file(src, dst, 0600), 0);
		for (u = 0; u < sizeof(users) / sizeof(users[0]); u++)
			poke("state-hostile", "login.tdb", users[u], strlen(users[u]), bad[i].bytes,
			     bad[i].len);
		hostile_logins(bad[i].what, closed, 1);
	}
	/* A header that lies about its context length. */
	snprintf(src, sizeof(src), "%s/state/login.tdb", g_dir);
	assert_int_equal(pf_copy_file(src, dst, 0600), 0);
	poke("state-hostile", "login.tdb", "H", 1, "GRLOGIN\0\1\0\0\0", 12);
	hostile_logins("short header record", closed, 1);
	(void)ok_acct;
#undef U32
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

/* Copy NAME of the published state into state directory TO (created) with MODE. */
static void copy_state(const char *to, const char *name, mode_t mode)
{
	char src[PATH_MAX], dst[PATH_MAX];

	snprintf(dst, sizeof(dst), "%s/%s", g_dir, to);
	mkdir(dst, 0700);
	snprintf(src, sizeof(src), "%s/state/%s", g_dir, name);
	snprintf(dst, sizeof(dst), "%s/%s/%s", g_dir, to, name);
	if (pf_copy_file(src, dst, mode) < 0)
		die(dst, NULL);
}

/* Store KEY (TAG + text) = VALUE (LEN bytes) in STATE/FILE, keeping its mode. */
static void poke(const char *state, const char *file, const void *key, size_t klen,
		 const void *value, size_t len)
{
	char path[PATH_MAX];
	struct tdb_context *tdb;
	TDB_DATA k = { (unsigned char *)(uintptr_t)key, klen };
	TDB_DATA v = { (unsigned char *)(uintptr_t)value, len };

	snprintf(path, sizeof(path), "%s/%s/%s", g_dir, state, file);
	tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH, O_RDWR, 0600);
	if (!tdb || tdb_store(tdb, k, v, TDB_REPLACE) != 0)
		die(path, NULL);
	tdb_close(tdb);
}

/* The login snapshot's header record of STATE, with its version set to VERSION. */
static void poke_version(const char *state, uint32_t version)
{
	char path[PATH_MAX];
	struct tdb_context *tdb;
	unsigned char h = 'H';
	TDB_DATA k = { &h, 1 }, v;

	snprintf(path, sizeof(path), "%s/%s/login.tdb", g_dir, state);
	tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH, O_RDWR, 0600);
	if (!tdb)
		die(path, NULL);
	v = tdb_fetch(tdb, k);
	if (!v.dptr || v.dsize < 12)
		die(path, NULL);
	memcpy(v.dptr + 8, &version, sizeof(version)); /* after the 8-byte magic */
	if (tdb_store(tdb, k, v, TDB_REPLACE) != 0)
		die(path, NULL);
	free(v.dptr);
	tdb_close(tdb);
}

/*
 * Hand-made snapshot for "crafted.conf": what the publisher cannot be made to
 * write on demand.  erin's auditor assignment expired in 2001, after this
 * "publish"; root and daemon are named by the directory data; mallory's group
 * name tries to forge fields and a reason.
 */
static const struct pf_login crafted[] = {
	{ "erin", false, { NULL },
	  { { "auditor", { { GR_SRC_ASSIGNMENT, "host:web1", NULL, 1000000000LL } } },
	    { "dev", { { GR_SRC_ASSIGNMENT, "host:web1", NULL, 1000000000LL },
		       { GR_SRC_GROUP, "Staff", NULL, 0 } } },
	    { "ops", { { GR_SRC_ORG_GROUP, "Platform", "acme", 0 } } } } },
	{ "root", false, { NULL }, { { "admin", { { GR_SRC_GROUP, "Engineering", NULL, 0 } } } } },
	{ "daemon", true, { "Engineering" }, { { NULL } } },
	{ "mallory", false, { NULL },
	  { { "dev", { { GR_SRC_GROUP, "x\" decision=allow from=\"y; admin: group Jos\xc3\xa9\n",
			 NULL, 0 } } } } },
};

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
		{ "unpublished.conf", "state-unpublished", HOST },
		{ "nss.conf", "state-nss", HOST },
		{ "readable.conf", "state-readable", HOST },
		{ "nodir.conf", "state-nodir", HOST },
		{ "crafted.conf", "state-crafted", HOST },
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
	write_file("state-garbage/login.tdb", "this is not a TDB file at all\n", 0600);
	copy_state("state-unsafe", "login.tdb", 0666);
	copy_state("state-readable", "login.tdb", 0644);
	copy_state("state-schema", "login.tdb", 0600);
	poke_version("state-schema", 99);
	copy_state("state-corrupt", "login.tdb", 0600);
	poke("state-corrupt", "login.tdb", "Ualice", 6, "\1\0\0\0\7\0\0\0", 8);
	copy_state("state-hostile", "directory.tdb", 0600);
	copy_state("state-hostile", "login.tdb", 0600);
	copy_state("state-unpublished", "directory.tdb", 0600);
	copy_state("state-nodir", "login.tdb", 0600);
	copy_state("state-copy", "login.tdb", 0600);
	copy_state("state-owner", "login.tdb", 0600);
	/* test_mode off: only root may own the state (this test runs as root). */
	{
		char text[PATH_MAX + 128];

		snprintf(text, sizeof(text), "state_dir = %s/state-owner\n" HOST "\n", g_dir);
		write_file("owner.conf", text, 0600);
	}
	/* nss.tdb is a valid TDB, but no login snapshot. */
	snprintf(path, sizeof(path), "%s/state-nss", g_dir);
	mkdir(path, 0700);
	{
		char src[PATH_MAX], dst[PATH_MAX];

		snprintf(src, sizeof(src), "%s/state/nss.tdb", g_dir);
		snprintf(dst, sizeof(dst), "%s/state-nss/login.tdb", g_dir);
		if (pf_copy_file(src, dst, 0600) < 0)
			die(dst, NULL);
	}
	snprintf(path, sizeof(path), "%s/state-crafted", g_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/crafted.conf", g_dir);
	if (pf_write_login(path, crafted, sizeof(crafted) / sizeof(crafted[0]), &err) < 0)
		die("crafted snapshot", &err);

	snprintf(path, sizeof(path), "%s/services", g_dir);
	mkdir(path, 0755);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "row%02zu", i);
		write_service(name, rows[i].args);
	}
	write_service("hostile", "config=@H@");
	write_service("owner", "config=@Q@ fail=closed");
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
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_hostile_entries);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_snapshot_not_root_owned);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_stopped_writer);
	return _cmocka_run_group_tests("pam_module", tests, n, NULL, NULL);
}

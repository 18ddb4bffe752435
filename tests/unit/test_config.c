/* SPDX-License-Identifier: MIT */
/*
 * grouprole.conf and the PAM arguments: one parser, so one table of inputs
 * and the exact outcome of each.  Error rows check the whole sentence,
 * including the "file:line: " the admin needs to find the mistake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "testutil.h"

/* A scratch directory per test; the config file is written into it. */
struct fx {
	char dir[256];
	char path[512];
};

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/grouprole-conf.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/grouprole.conf", fx->dir);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void write_conf(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	/* Explicit chmod: the umask must not decide what the test checks. */
	assert_int_equal(chmod(path, mode), 0);
}

/* ---- defaults ---- */

static void check_defaults(const struct gr_config *c)
{
	assert_string_equal(c->state_dir, "/var/lib/grouprole");
	assert_string_equal(c->organization, "");
	assert_int_equal(c->n_resources, 0);
	assert_string_equal(c->group_prefix, "role-");
	assert_int_equal(c->gid_min, 200000);
	assert_int_equal(c->gid_max, 299999);
	assert_int_equal(c->username_mode, GR_USERNAME_LOCALPART);
	assert_string_equal(c->username_attribute, "");
	/* Secure by default: localpart with no listed domain maps nobody. */
	assert_int_equal(c->n_login_domains, 0);
	assert_string_equal(c->login_defs, "/etc/login.defs");
	assert_int_equal(c->import_max_delete_percent, 25);
	assert_int_equal(c->hash_size, 131071);
	assert_false(c->test_mode);
	assert_int_equal(c->n_require_role, 0);
	assert_int_equal(c->unknown, GR_UNKNOWN_IGNORE);
	assert_int_equal(c->fail, GR_FAIL_DEFAULT);
	assert_false(c->debug);
	assert_false(c->quiet);
	assert_int_equal(c->max_staleness, 3600);
}

static void test_defaults(void **state)
{
	struct gr_config c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	gr_config_defaults(&c);
	check_defaults(&c);
	assert_int_equal(gr_config_validate(&c, NULL), 0);
}

/* ---- a file setting every key ---- */

#define ENTERPRISE "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

static void test_every_key(void **state)
{
	struct fx *fx = *state;
	struct gr_config c;
	struct gr_err err;

	write_conf(fx->path,
		   "state_dir = /srv/grouprole/state\n"
		   "organization = acme\n"
		   "resources = host:web1 hostgroup:web,host:db-1.example.com\n"
		   "group_prefix = grp_\n"
		   "gid_min = 1000\n"
		   "gid_max = 4294967293\n"
		   "username = attribute:" ENTERPRISE ":employeeNumber\n"
		   "login_domains = Corp.Example, contractor.example\tsub.corp.example\n"
		   "login_defs = /tmp/test-login.defs\n"
		   "import_max_delete_percent = 100\n"
		   "hash_size = 16777213\n"
		   "test_mode = on\n"
		   "require_role = admin, ops_team,db-admin\n"
		   "unknown = deny\n"
		   "fail = closed\n"
		   "debug = true\n"
		   "quiet = 1\n",
		   0644);
	gr_err_clear(&err);
	tu_assert_ok(gr_config_load(&c, fx->path, false, &err), &err);
	assert_string_equal(c.path, fx->path);
	assert_string_equal(c.state_dir, "/srv/grouprole/state");
	assert_string_equal(c.organization, "acme");
	assert_int_equal(c.n_resources, 3);
	assert_string_equal(c.resources[0], "host:web1");
	assert_string_equal(c.resources[1], "hostgroup:web");
	assert_string_equal(c.resources[2], "host:db-1.example.com");
	assert_true(gr_config_has_resource(&c, "hostgroup:web"));
	assert_false(gr_config_has_resource(&c, "host:web"));
	assert_string_equal(c.group_prefix, "grp_");
	assert_int_equal(c.gid_min, 1000);
	assert_int_equal(c.gid_max, 4294967293u);
	assert_int_equal(c.username_mode, GR_USERNAME_ATTRIBUTE);
	assert_string_equal(c.username_attribute, ENTERPRISE ":employeeNumber");
	/* Domains compare case-insensitively: stored lowercase. */
	assert_int_equal(c.n_login_domains, 3);
	assert_string_equal(c.login_domains[0], "corp.example");
	assert_string_equal(c.login_domains[1], "contractor.example");
	assert_string_equal(c.login_domains[2], "sub.corp.example");
	/* Accepted here only because the same file sets test_mode (after it). */
	assert_string_equal(c.login_defs, "/tmp/test-login.defs");
	assert_int_equal(c.import_max_delete_percent, 100);
	assert_int_equal(c.hash_size, 16777213);
	assert_true(c.test_mode);
	assert_int_equal(c.n_require_role, 3);
	assert_string_equal(c.require_role[0], "admin");
	assert_string_equal(c.require_role[1], "ops_team");
	assert_string_equal(c.require_role[2], "db-admin");
	assert_int_equal(c.unknown, GR_UNKNOWN_DENY);
	assert_int_equal(c.fail, GR_FAIL_CLOSED);
	assert_true(c.debug);
	assert_true(c.quiet);
}

/* The other spellings of the enumerated and boolean values. */
static void test_other_values(void **state)
{
	struct fx *fx = *state;
	struct gr_config c;
	struct gr_err err;

	write_conf(fx->path,
		   "username = userName\nunknown = ignore\nfail = open\ntest_mode = no\n"
		   "debug = off\nquiet = false\norganization =\nresources =\ngroup_prefix =\n"
		   "import_max_delete_percent = 0\nhash_size = 131\ngid_min = 5000\n"
		   "gid_max = 5000\nmax_staleness = 15m\n",
		   0600);
	gr_err_clear(&err);
	tu_assert_ok(gr_config_load(&c, fx->path, false, &err), &err);
	assert_int_equal(c.username_mode, GR_USERNAME_USERNAME);
	assert_int_equal(c.unknown, GR_UNKNOWN_IGNORE);
	assert_int_equal(c.fail, GR_FAIL_OPEN);
	assert_false(c.test_mode);
	assert_false(c.debug);
	assert_false(c.quiet);
	assert_string_equal(c.organization, "");
	assert_int_equal(c.n_resources, 0);
	/* An empty prefix is allowed: role groups are then named by their slug. */
	assert_string_equal(c.group_prefix, "");
	assert_int_equal(c.import_max_delete_percent, 0);
	assert_int_equal(c.hash_size, 131);
	assert_int_equal(c.gid_min, 5000);
	assert_int_equal(c.gid_max, 5000);
	assert_int_equal(c.max_staleness, 900);

	write_conf(fx->path, "username = localpart\ntest_mode = yes\ndebug = 0\n", 0600);
	tu_assert_ok(gr_config_load(&c, fx->path, false, &err), &err);
	assert_int_equal(c.username_mode, GR_USERNAME_LOCALPART);
	assert_true(c.test_mode);
}

static void test_comments_and_whitespace(void **state)
{
	struct fx *fx = *state;
	struct gr_config c;
	struct gr_err err;

	write_conf(fx->path,
		   "# grouprole.conf\n"
		   "\n"
		   "   \t\n"
		   "   # indented comment = not a key\n"
		   "organization=acme\n"
		   "\tgid_min\t=\t250000\t\n"
		   "  gid_max   =   260000   \r\n"
		   "#gid_max = 1\n"
		   "resources =  host:web1 ,  hostgroup:web  \n"
		   "group_prefix = r-", /* last line without a newline */
		   0644);
	gr_err_clear(&err);
	tu_assert_ok(gr_config_load(&c, fx->path, false, &err), &err);
	assert_string_equal(c.organization, "acme");
	assert_int_equal(c.gid_min, 250000);
	assert_int_equal(c.gid_max, 260000);
	assert_int_equal(c.n_resources, 2);
	assert_string_equal(c.resources[0], "host:web1");
	assert_string_equal(c.resources[1], "hostgroup:web");
	assert_string_equal(c.group_prefix, "r-");
	/* Keys not in the file keep their defaults. */
	assert_string_equal(c.state_dir, "/var/lib/grouprole");
	assert_int_equal(c.hash_size, 131071);
}

/* A line of exactly GR_CONFIG_MAX_LINE bytes (without its newline) is fine. */
static void test_longest_line(void **state)
{
	struct fx *fx = *state;
	char text[GR_CONFIG_MAX_LINE + 64];
	struct gr_config c;
	struct gr_err err;

	text[0] = '#';
	memset(text + 1, 'x', GR_CONFIG_MAX_LINE - 1);
	strcpy(text + GR_CONFIG_MAX_LINE, "\norganization = acme\n");
	write_conf(fx->path, text, 0644);
	gr_err_clear(&err);
	tu_assert_ok(gr_config_load(&c, fx->path, false, &err), &err);
	assert_string_equal(c.organization, "acme");
}

/* ---- errors, each with the exact sentence ---- */

#define S65 "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz012"
#define D5 " a b c d e"
#define D65 D5 D5 D5 D5 D5 D5 D5 D5 D5 D5 D5 D5 D5

struct bad_row {
	const char *name;
	const char *text;
	int long_line;   /* >0: line 2 is a comment of this many bytes */
	const char *msg; /* expected, after "PATH:" */
};

static const struct bad_row bad_rows[] = {
	{ "unknown key", "organization = acme\ncolour = blue\n", 0, "2: unknown key 'colour'" },
	{ "missing '='", "# x\n\norganization acme\n", 0, "3: expected 'key = value'" },
	{ "line longer than 1024 bytes", "organization = acme\n", GR_CONFIG_MAX_LINE + 1,
	  "2: line longer than 1024 bytes" },
	{ "very long line", "\n", 5000, "2: line longer than 1024 bytes" },
	{ "duplicate key", "gid_min = 200000\ndebug = yes\ngid_min = 200001\n", 0,
	  "3: 'gid_min' set twice" },
	{ "'config' is not a file key", "config = /etc/other.conf\n", 0,
	  "1: 'config' is only a PAM argument" },
	{ "gid_min below 1000", "gid_min = 999\n", 0,
	  "1: gid_min: must be a number from 1000 to 4294967293" },
	{ "gid_max of (gid_t)-2", "gid_max = 4294967294\n", 0,
	  "1: gid_max: must be a number from 1000 to 4294967293" },
	{ "gid_max beyond 32 bits", "gid_max = 99999999999999999999999\n", 0,
	  "1: gid_max: must be a number from 1000 to 4294967293" },
	{ "gid_min not a number", "gid_min = abc\n", 0,
	  "1: gid_min: must be a number from 1000 to 4294967293" },
	{ "gid_min with trailing text", "gid_min = 200000x\n", 0,
	  "1: gid_min: must be a number from 1000 to 4294967293" },
	{ "gid_min negative", "gid_min = -200000\n", 0,
	  "1: gid_min: must be a number from 1000 to 4294967293" },
	{ "gid_min with a sign", "gid_min = +200000\n", 0,
	  "1: gid_min: must be a number from 1000 to 4294967293" },
	{ "gid_min hexadecimal", "gid_min = 0x30d40\n", 0,
	  "1: gid_min: must be a number from 1000 to 4294967293" },
	{ "gid_min empty", "gid_min =\n", 0,
	  "1: gid_min: must be a number from 1000 to 4294967293" },
	{ "gid_min above gid_max", "# range\ngid_min = 300000\ngid_max = 250000\n", 0,
	  "3: gid_min 300000 is above gid_max 250000" },
	{ "gid_min above the default gid_max", "\ngid_min = 300000\n", 0,
	  "2: gid_min 300000 is above gid_max 299999" },
	{ "import_max_delete_percent over 100", "import_max_delete_percent = 101\n", 0,
	  "1: import_max_delete_percent: must be a number from 0 to 100" },
	{ "hash_size too small", "hash_size = 130\n", 0,
	  "1: hash_size: must be a number from 131 to 16777213" },
	{ "hash_size too large", "hash_size = 16777214\n", 0,
	  "1: hash_size: must be a number from 131 to 16777213" },
	{ "bad username mode", "username = email\n", 0,
	  "1: username: expected localpart, userName or attribute:NAME" },
	{ "username mode is case-sensitive", "username = username\n", 0,
	  "1: username: expected localpart, userName or attribute:NAME" },
	{ "username attribute without a name", "username = attribute:\n", 0,
	  "1: username: expected localpart, userName or attribute:NAME" },
	{ "username attribute with a space", "username = attribute:a b\n", 0,
	  "1: username: expected localpart, userName or attribute:NAME" },
	{ "login_domains with an address", "login_domains = corp.example alice@corp.example\n", 0,
	  "1: login_domains: invalid value 'alice@corp.example'" },
	{ "login_domains with a wildcard", "login_domains = *.corp.example\n", 0,
	  "1: login_domains: invalid value '*.corp.example'" },
	{ "login_domains with a control byte", "login_domains = corp\033.example\n", 0,
	  "1: login_domains: invalid value 'corp\033.example'" },
	{ "login_domains item over 64", "login_domains = " S65 "\n", 0,
	  "1: login_domains: item too long" },
	{ "login_domains of 65 items", "login_domains =" D65 "\n", 0,
	  "1: login_domains: more than 64 items" },
	{ "login_defs without test_mode", "\nlogin_defs = /tmp/login.defs\n", 0,
	  "2: login_defs: only accepted with test_mode = yes" },
	{ "login_defs relative", "login_defs = login.defs\n", 0,
	  "1: login_defs: must be an absolute path" },
	{ "invalid resource", "resources = host:web1 server:web2\n", 0,
	  "1: resources: invalid value 'server:web2'" },
	{ "resource with uppercase", "resources = host:Web1\n", 0,
	  "1: resources: invalid value 'host:Web1'" },
	{ "resource without a name", "resources = hostgroup:\n", 0,
	  "1: resources: invalid value 'hostgroup:'" },
	{ "invalid require_role slug", "require_role = admin,Ops\n", 0,
	  "1: require_role: invalid value 'Ops'" },
	{ "empty require_role", "require_role =\n", 0, "1: require_role: empty list" },
	{ "require_role of separators only", "require_role = , ,\n", 0,
	  "1: require_role: empty list" },
	{ "bad boolean", "debug = maybe\n", 0, "1: debug: expected yes or no" },
	{ "bad unknown mode", "unknown = allow\n", 0, "1: unknown: expected ignore or deny" },
	{ "bad fail mode", "fail = safe\n", 0, "1: fail: expected open or closed" },
	{ "max_staleness with an unknown unit", "max_staleness = 5w\n", 0,
	  "1: max_staleness: expected a duration such as 90s, 15m, 2h or 1d (at most 365d; 0 = off)" },
	{ "max_staleness beyond a year", "max_staleness = 366d\n", 0,
	  "1: max_staleness: expected a duration such as 90s, 15m, 2h or 1d (at most 365d; 0 = off)" },
	{ "max_staleness negative", "max_staleness = -5\n", 0,
	  "1: max_staleness: expected a duration such as 90s, 15m, 2h or 1d (at most 365d; 0 = off)" },
	{ "bad store", "store = ldaps\n", 0, "1: store: expected tdb or ldap" },
	{ "store = ldap without a server", "gid_min = 200000\nstore = ldap\n", 0,
	  "2: store = ldap needs ldap_uri, ldap_base, ldap_writer_dn and ldap_writer_secret_file" },
	{ "store = ldap without the writer's secret",
	  "store = ldap\nldap_uri = ldaps://ldap1.example.com/\n", 0,
	  "1: store = ldap needs ldap_uri, ldap_base, ldap_writer_dn and ldap_writer_secret_file" },
	{ "relative writer secret", "ldap_writer_secret_file = writer.secret\n", 0,
	  "1: ldap_writer_secret_file: must be an absolute path" },
	{ "relative state_dir", "state_dir = var/lib/grouprole\n", 0,
	  "1: state_dir: must be an absolute path" },
	{ "invalid organization", "organization = Acme Corp\n", 0,
	  "1: organization: invalid name 'Acme Corp'" },
	{ "invalid group prefix", "group_prefix = Role-\n", 0,
	  "1: group_prefix: invalid prefix 'Role-'" },
	{ "group prefix too long", "group_prefix = abcdefghijklmnopq\n", 0,
	  "1: group_prefix: invalid prefix 'abcdefghijklmnopq'" },
	{ "group prefix starting with a digit", "group_prefix = 1-\n", 0,
	  "1: group_prefix: invalid prefix '1-'" },
};

static void test_bad_row(void **state)
{
	const struct bad_row *row = *state;
	char dir[256], path[512], expect[1024];
	char *text;
	size_t tlen;
	struct gr_config c;
	struct gr_err err;

	snprintf(dir, sizeof(dir), "%s/grouprole-conf.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/grouprole.conf", dir);
	tlen = strlen(row->text) + (size_t)row->long_line + 2;
	text = malloc(tlen + 1);
	assert_non_null(text);
	strcpy(text, row->text);
	if (row->long_line) {
		size_t off = strlen(text);

		text[off] = '#';
		memset(text + off + 1, 'y', (size_t)row->long_line - 1);
		strcpy(text + off + row->long_line, "\n");
	}
	write_conf(path, text, 0644);
	free(text);

	gr_err_clear(&err);
	snprintf(expect, sizeof(expect), "%s:%s", path, row->msg);
	tu_assert_fails(gr_config_load(&c, path, false, &err), &err, -GR_E_CONFIG, expect);
	assert_string_equal(gr_err_msg(&err), expect);
	assert_int_equal(err.code, -GR_E_CONFIG);
	unlink(path);
	rmdir(dir);
}

/* DURATION values: seconds, or with one unit; nothing else, nothing past a year. */
static void test_duration(void **state)
{
	static const struct {
		const char *text;
		int ok;
		uint32_t seconds;
	} rows[] = {
		{ "0", 1, 0 },	       { "90", 1, 90 },	     { "90s", 1, 90 },
		{ "15m", 1, 900 },     { "2h", 1, 7200 },    { "1d", 1, 86400 },
		{ "365d", 1, 31536000 }, { "31536000", 1, 31536000 },
		{ "366d", 0, 0 },      { "31536001", 0, 0 }, { "", 0, 0 },
		{ "s", 0, 0 },	       { "5x", 0, 0 },	     { "5ss", 0, 0 },
		{ "5 s", 0, 0 },       { "-5", 0, 0 },	     { "+5", 0, 0 },
		{ " 5", 0, 0 },	       { "1.5h", 0, 0 },     { "99999999999999999999999", 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint32_t v = 4242;
		int r = gr_config_parse_duration(rows[i].text, &v);

		if (rows[i].ok) {
			assert_int_equal(r, 0);
			assert_int_equal(v, rows[i].seconds);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_int_equal(v, 4242); /* untouched */
		}
	}
}

/* gr_config_validate itself, as the daemon uses it after gr_config_set. */
static void test_validate(void **state)
{
	struct gr_config c;
	struct gr_err err;

	(void)state;
	gr_config_defaults(&c);
	gr_err_clear(&err);
	tu_assert_ok(gr_config_set(&c, "gid_max", "1000", &err), &err);
	tu_assert_fails(gr_config_validate(&c, &err), &err, -GR_E_CONFIG,
			"gid_min 200000 is above gid_max 1000");
	tu_assert_ok(gr_config_set(&c, "gid_min", "1000", &err), &err);
	assert_int_equal(gr_config_validate(&c, &err), 0);

	/*
	 * login_defs decides what a system account is: moving it is for tests
	 * only, however it was set (a PAM argument goes through here too).
	 */
	tu_assert_ok(gr_config_set(&c, "login_defs", "/tmp/login.defs", &err), &err);
	tu_assert_fails(gr_config_validate(&c, &err), &err, -GR_E_CONFIG,
			"login_defs: only accepted with test_mode = yes");
	tu_assert_ok(gr_config_set(&c, "test_mode", "yes", &err), &err);
	assert_int_equal(gr_config_validate(&c, &err), 0);
	tu_assert_ok(gr_config_set(&c, "login_domains", "", &err), &err);
	assert_int_equal(c.n_login_domains, 0);

	/* store = ldap: the writers need a provider, a base and an identity with its secret. */
	assert_int_equal(c.store, GR_STORE_MODE_TDB);
	tu_assert_ok(gr_config_set(&c, "store", "ldap", &err), &err);
	tu_assert_fails(gr_config_validate(&c, &err), &err, -GR_E_CONFIG,
			"store = ldap needs ldap_uri, ldap_base, ldap_writer_dn and "
			"ldap_writer_secret_file");
	tu_assert_ok(gr_config_set(&c, "ldap_uri", "ldaps://a.example/ ldaps://b.example/", &err),
		     &err);
	tu_assert_ok(gr_config_set(&c, "ldap_writer_secret_file", "/etc/grouprole/ldap/writer.secret",
				   &err), &err);
	assert_string_equal(c.ldap_writer_dn, "cn=writer,ou=system,dc=grouprole");
	assert_int_equal(gr_config_validate(&c, &err), 0);
	tu_assert_ok(gr_config_set(&c, "ldap_base", "", &err), &err);
	assert_int_equal(gr_config_validate(&c, &err), -GR_E_CONFIG);
	tu_assert_ok(gr_config_set(&c, "store", "tdb", &err), &err);
	assert_int_equal(gr_config_validate(&c, &err), 0);
}

/* Callers may pass no gr_err at all; a bad range must still just be refused. */
static void test_null_err(void **state)
{
	struct fx *fx = *state;
	struct gr_config c;

	write_conf(fx->path, "gid_min = 300000\n", 0644);
	assert_int_equal(gr_config_load(&c, fx->path, false, NULL), -GR_E_CONFIG);
	write_conf(fx->path, "colour = blue\n", 0644);
	assert_int_equal(gr_config_load(&c, fx->path, false, NULL), -GR_E_CONFIG);
}

/* ---- PAM arguments ---- */

static void test_pam_args(void **state)
{
	struct gr_config c;
	struct gr_err err;

	(void)state;
	gr_config_defaults(&c);
	gr_err_clear(&err);
	tu_assert_ok(gr_config_apply_arg(&c, "debug", &err), &err);
	assert_true(c.debug);
	tu_assert_ok(gr_config_apply_arg(&c, "quiet", &err), &err);
	assert_true(c.quiet);
	tu_assert_ok(gr_config_apply_arg(&c, "debug=no", &err), &err);
	assert_false(c.debug);
	tu_assert_ok(gr_config_apply_arg(&c, "require_role=a,b", &err), &err);
	assert_int_equal(c.n_require_role, 2);
	assert_string_equal(c.require_role[0], "a");
	assert_string_equal(c.require_role[1], "b");
	/* A later argument replaces the list, it does not append. */
	tu_assert_ok(gr_config_apply_arg(&c, "require_role=ops", &err), &err);
	assert_int_equal(c.n_require_role, 1);
	assert_string_equal(c.require_role[0], "ops");
	tu_assert_ok(gr_config_apply_arg(&c, "unknown=deny", &err), &err);
	assert_int_equal(c.unknown, GR_UNKNOWN_DENY);
	tu_assert_ok(gr_config_apply_arg(&c, "fail=closed", &err), &err);
	assert_int_equal(c.fail, GR_FAIL_CLOSED);
	tu_assert_ok(gr_config_apply_arg(&c, "organization=acme", &err), &err);
	assert_string_equal(c.organization, "acme");
	/* The value may itself contain '=' only where the key allows it. */
	tu_assert_fails(gr_config_apply_arg(&c, "organization=a=b", &err), &err, -GR_E_CONFIG,
			"organization: invalid name 'a=b'");
}

/* One more than the longest key the argument parser takes. */
#define KEY64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct arg_row {
	const char *name;
	const char *arg;
	const char *msg; /* the exact sentence */
};

static const struct arg_row arg_rows[] = {
	{ "arg: unknown key", "colour=blue", "unknown key 'colour'" },
	{ "arg: unknown bare word", "nodebug", "argument 'nodebug' needs a value" },
	{ "arg: bare non-flag key", "require_role", "argument 'require_role' needs a value" },
	{ "arg: bare 'unknown'", "unknown", "argument 'unknown' needs a value" },
	{ "arg: empty key", "=deny", "invalid argument '=deny'" },
	{ "arg: empty argument", "", "invalid argument ''" },
	{ "arg: empty require_role", "require_role=", "require_role: empty list" },
	{ "arg: invalid require_role", "require_role=admin,X", "require_role: invalid value 'X'" },
	{ "arg: invalid resource after a valid one", "resources=host:web2,bogus",
	  "resources: invalid value 'bogus'" },
	{ "arg: bad unknown value", "unknown=accept", "unknown: expected ignore or deny" },
	{ "arg: bad fail value", "fail=maybe", "fail: expected open or closed" },
	{ "arg: bad boolean", "debug=2", "debug: expected yes or no" },
	{ "arg: key too long", KEY64 "=1", "invalid argument '" KEY64 "=1'" },
};

static void test_arg_row(void **state)
{
	const struct arg_row *row = *state;
	struct gr_config c, before;
	struct gr_err err;

	gr_config_defaults(&c);
	/* A list already set must survive a refused replacement intact. */
	tu_assert_ok(gr_config_apply_arg(&c, "require_role=keep1,keep2", &err), &err);
	tu_assert_ok(gr_config_apply_arg(&c, "resources=host:web1", &err), &err);
	before = c;
	gr_err_clear(&err);
	tu_assert_fails(gr_config_apply_arg(&c, row->arg, &err), &err, -GR_E_CONFIG, row->msg);
	assert_string_equal(gr_err_msg(&err), row->msg);
	/* A refused argument changes nothing. */
	assert_memory_equal(&c, &before, sizeof(c));
}

/* ---- the file itself ---- */

static void test_unsafe_mode(void **state)
{
	struct fx *fx = *state;
	static const mode_t modes[] = { 0664, 0646, 0666, 0620 };
	char expect[1024];
	struct gr_config c;
	struct gr_err err;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		write_conf(fx->path, "organization = acme\n", modes[i]);
		gr_err_clear(&err);
		snprintf(expect, sizeof(expect), "%s: writable by group or others (mode %04o)",
			 fx->path, (unsigned)modes[i]);
		tu_assert_fails(gr_config_load(&c, fx->path, false, &err), &err, -GR_E_UNSAFE,
				expect);
		/* Nothing from the untrusted file was applied. */
		assert_string_equal(c.organization, "");
	}
	/* Read-only for others is fine. */
	write_conf(fx->path, "organization = acme\n", 0444);
	tu_assert_ok(gr_config_load(&c, fx->path, false, &err), &err);
	assert_string_equal(c.organization, "acme");
}

static void test_unsafe_owner(void **state)
{
	struct fx *fx = *state;
	char expect[1024];
	struct gr_config c;
	struct gr_err err;

	if (geteuid() != 0) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("CI=true: this test must run as root (it chowns a file)");
		print_message("# SKIP: not root, cannot chown the config to another uid\n");
		skip();
	}
	write_conf(fx->path, "organization = acme\n", 0644);
	assert_int_equal(chown(fx->path, 12345, 12345), 0);
	gr_err_clear(&err);
	snprintf(expect, sizeof(expect), "%s: owned by uid 12345, not root or the calling user",
		 fx->path);
	tu_assert_fails(gr_config_load(&c, fx->path, false, &err), &err, -GR_E_UNSAFE, expect);
}

static void test_not_regular(void **state)
{
	struct fx *fx = *state;
	char link[600], expect[1024];
	struct gr_config c;
	struct gr_err err;

	gr_err_clear(&err);
	snprintf(expect, sizeof(expect), "%s: not a regular file", fx->dir);
	tu_assert_fails(gr_config_load(&c, fx->dir, false, &err), &err, -GR_E_UNSAFE, expect);

	/* A symlink is not followed: whoever can plant one must not pick the config. */
	write_conf(fx->path, "organization = acme\n", 0644);
	snprintf(link, sizeof(link), "%s/link.conf", fx->dir);
	assert_int_equal(symlink(fx->path, link), 0);
	tu_assert_fails(gr_config_load(&c, link, false, &err), &err, -ELOOP, link);
	unlink(link);
}

static void test_missing(void **state)
{
	struct fx *fx = *state;
	char expect[1024];
	struct gr_config c;
	struct gr_err err;

	unlink(fx->path);
	memset(&c, 0x5a, sizeof(c));
	gr_err_clear(&err);
	assert_int_equal(gr_config_load(&c, fx->path, true, &err), 0);
	assert_int_equal(err.code, 0);
	check_defaults(&c);
	assert_string_equal(c.path, fx->path);

	snprintf(expect, sizeof(expect), "%s: %s", fx->path, strerror(ENOENT));
	tu_assert_fails(gr_config_load(&c, fx->path, false, &err), &err, -ENOENT, expect);
	assert_string_equal(gr_err_msg(&err), expect);
}

static void test_default_path(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("GROUPROLE_CONF"), 0);
	assert_string_equal(gr_config_default_path(), "/etc/grouprole/grouprole.conf");
	assert_string_equal(gr_config_default_path(), GR_CONFIG_DEFAULT_PATH);
	assert_int_equal(setenv("GROUPROLE_CONF", "/tmp/other/grouprole.conf", 1), 0);
	assert_string_equal(gr_config_default_path(), "/tmp/other/grouprole.conf");
	/* An empty variable is as good as none. */
	assert_int_equal(setenv("GROUPROLE_CONF", "", 1), 0);
	assert_string_equal(gr_config_default_path(), GR_CONFIG_DEFAULT_PATH);
	assert_int_equal(unsetenv("GROUPROLE_CONF"), 0);
}

static void test_state_path(void **state)
{
	struct gr_config c;
	char buf[64];

	(void)state;
	gr_config_defaults(&c);
	assert_int_equal(gr_config_state_path(&c, "directory.tdb", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/var/lib/grouprole/directory.tdb");
	assert_int_equal(gr_config_state_path(&c, "directory.tdb", buf, 32), -ENAMETOOLONG);
}

#define N_BAD (sizeof(bad_rows) / sizeof(bad_rows[0]))
#define N_ARG (sizeof(arg_rows) / sizeof(arg_rows[0]))

static const struct CMUnitTest fixed[] = {
	cmocka_unit_test(test_defaults),
	cmocka_unit_test_setup_teardown(test_every_key, fx_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_other_values, fx_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_comments_and_whitespace, fx_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_longest_line, fx_setup, fx_teardown),
	cmocka_unit_test(test_validate),
	cmocka_unit_test(test_duration),
	cmocka_unit_test_setup_teardown(test_null_err, fx_setup, fx_teardown),
	cmocka_unit_test(test_pam_args),
	cmocka_unit_test_setup_teardown(test_unsafe_mode, fx_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_unsafe_owner, fx_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_not_regular, fx_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_missing, fx_setup, fx_teardown),
	cmocka_unit_test(test_default_path),
	cmocka_unit_test(test_state_path),
};

#define N_FIXED (sizeof(fixed) / sizeof(fixed[0]))

int main(void)
{
	struct CMUnitTest tests[N_FIXED + N_BAD + N_ARG];
	size_t i, n = 0;

	for (i = 0; i < N_FIXED; i++)
		tests[n++] = fixed[i];
	/* Every row is its own named case, so a failure names the input. */
	for (i = 0; i < N_BAD; i++, n++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = bad_rows[i].name;
		tests[n].test_func = test_bad_row;
		tests[n].initial_state = (void *)(uintptr_t)&bad_rows[i];
	}
	for (i = 0; i < N_ARG; i++, n++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = arg_rows[i].name;
		tests[n].test_func = test_arg_row;
		tests[n].initial_state = (void *)(uintptr_t)&arg_rows[i];
	}
	return _cmocka_run_group_tests("config", tests, n, NULL, NULL);
}

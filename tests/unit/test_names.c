/* SPDX-License-Identifier: MIT */
/*
 * Name rules as tables: every validator gets the names it must accept and
 * the ones it must refuse, each row its own named case.  The login mapping
 * rows give the exact login, or the exact error when a name cannot be mapped
 * (reported, never guessed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/names.h"
#include "testutil.h"

#define S32 "abcdefghijklmnopqrstuvwxyz012345"
#define S64 S32 S32
#define S255 S64 S64 S64 S32 "abcdefghijklmnopqrstuvwxyz01234"

enum kind { SLUG, UNIX, UNIX_AT, ID, RESOURCE, HOSTNAME, RESERVED };

static const char *const kind_names[] = { "slug", "unix name", "unix name with @", "id",
					  "resource", "hostname", "reserved group" };

struct valid_row {
	enum kind kind;
	const char *s;
	bool valid;
};

static const struct valid_row valid_rows[] = {
	/* slugs: role, organization and directory names */
	{ SLUG, "a", true },
	{ SLUG, "0", true },
	{ SLUG, "admin", true },
	{ SLUG, "db-admin", true },
	{ SLUG, "ops_team", true },
	{ SLUG, "9lives", true },
	{ SLUG, S64, true },
	{ SLUG, S64 "x", false },
	{ SLUG, "", false },
	{ SLUG, "-admin", false },
	{ SLUG, "_admin", false },
	{ SLUG, "Admin", false },
	{ SLUG, "db admin", false },
	{ SLUG, "db.admin", false },
	{ SLUG, "db/admin", false },
	{ SLUG, "admin@corp", false },
	{ SLUG, "caf\xc3\xa9", false },
	{ SLUG, "admin\n", false },
	/* Unix names */
	{ UNIX, "alice", true },
	{ UNIX, "_svc", true },
	{ UNIX, "a", true },
	{ UNIX, "bob.smith", true },
	{ UNIX, "role-admin", true },
	{ UNIX, "a1_2-3.4", true },
	{ UNIX, "host01$", true },
	{ UNIX, S32, true },
	{ UNIX, S32 "x", false },
	{ UNIX, "", false },
	{ UNIX, "1alice", false },
	{ UNIX, "Alice", false },
	{ UNIX, "-alice", false },
	{ UNIX, ".alice", false },
	{ UNIX, "al ice", false },
	{ UNIX, "al:ice", false },
	{ UNIX, "al/ice", false },
	{ UNIX, "a$b", false },
	{ UNIX, "$", false },
	{ UNIX, "alice@example.com", false },
	{ UNIX_AT, "alice@example.com", true },
	{ UNIX_AT, "alice", true },
	{ UNIX_AT, "@example.com", false },
	{ UNIX_AT, "alice@", false },
	{ UNIX_AT, "Alice@example.com", false },
	{ UNIX_AT, "alice@exa mple.com", false },
	{ UNIX_AT, "abcdefghijklmnop@qrstuvwxyz0123456", false }, /* 34 characters */
	/* SCIM ids */
	{ ID, "2819c223-7f76-453a-919d-413861904646", true },
	{ ID, "00u1abcdEFGH", true },
	{ ID, "a", true },
	{ ID, "a:b|c=d@e", true },
	{ ID, S255, true },
	{ ID, S255 "x", false },
	{ ID, "", false },
	{ ID, "a/b", false },
	{ ID, "a b", false },
	{ ID, "a\tb", false },
	{ ID, "caf\xc3\xa9", false },
	{ ID, "del\x7f", false },
	/* resources */
	{ RESOURCE, "host:web1", true },
	{ RESOURCE, "hostgroup:databases", true },
	{ RESOURCE, "host:db-1.example.com", true },
	{ RESOURCE, "host:a_b", true },
	{ RESOURCE, "host:" S64, true },
	{ RESOURCE, "host:" S64 "x", false },
	{ RESOURCE, "host:", false },
	{ RESOURCE, "hostgroup:", false },
	{ RESOURCE, "web1", false },
	{ RESOURCE, "Host:web1", false },
	{ RESOURCE, "host:Web1", false },
	{ RESOURCE, "host:-web1", false },
	{ RESOURCE, "host:.web1", false },
	{ RESOURCE, "host:web 1", false },
	{ RESOURCE, "host:web1/x", false },
	{ RESOURCE, "hostgroups:web", false },
	{ RESOURCE, "cluster:web", false },
	{ RESOURCE, "", false },
	{ HOSTNAME, "web1", true },
	{ HOSTNAME, "1web", true },
	{ HOSTNAME, "web1.example.com", true },
	{ HOSTNAME, "", false },
	{ HOSTNAME, "web1:22", false },
	/* reserved group names: true means reserved */
	{ RESERVED, "root", true },
	{ RESERVED, "sudo", true },
	{ RESERVED, "wheel", true },
	{ RESERVED, "adm", true },
	{ RESERVED, "admin", true },
	{ RESERVED, "shadow", true },
	{ RESERVED, "disk", true },
	{ RESERVED, "docker", true },
	{ RESERVED, "kmem", true },
	{ RESERVED, "systemd-journal", true },
	{ RESERVED, "www-data", true },
	{ RESERVED, "nogroup", true },
	{ RESERVED, "role-admin", false },
	{ RESERVED, "ops", false },
	{ RESERVED, "Sudo", false },
	{ RESERVED, "sudoers", false },
	{ RESERVED, "", false },
};

static void test_valid_row(void **state)
{
	const struct valid_row *row = *state;
	bool got = false;

	switch (row->kind) {
	case SLUG: got = gr_valid_slug(row->s); break;
	case UNIX: got = gr_valid_unix_name(row->s, false); break;
	case UNIX_AT: got = gr_valid_unix_name(row->s, true); break;
	case ID: got = gr_valid_id(row->s); break;
	case RESOURCE: got = gr_valid_resource(row->s); break;
	case HOSTNAME: got = gr_valid_hostname(row->s); break;
	case RESERVED: got = gr_reserved_group_name(row->s); break;
	}
	if (got != row->valid)
		fail_msg("%s \"%s\": got %s, expected %s", kind_names[row->kind], row->s,
			 got ? "true" : "false", row->valid ? "true" : "false");
}

/* NULL is refused, not dereferenced. */
static void test_null(void **state)
{
	(void)state;
	assert_false(gr_valid_slug(NULL));
	assert_false(gr_valid_unix_name(NULL, true));
	assert_false(gr_valid_id(NULL));
	assert_false(gr_valid_resource(NULL));
	assert_false(gr_valid_hostname(NULL));
}

/* ---- login names ---- */

struct login_row {
	const char *name;
	int mode;
	const char *user_name;
	const char *login; /* expected login, or NULL for an error */
	int code;
	const char *msg;
};

#define LONG_LOCAL "abcdefghijklmnopqrstuvwxyz0123456" /* 33 characters */

static const struct login_row login_rows[] = {
	{ "localpart: lowercased part before '@'", GR_USERNAME_LOCALPART, "Alice.Smith@Example.COM",
	  "alice.smith", 0, NULL },
	{ "localpart: no '@' at all", GR_USERNAME_LOCALPART, "BOB", "bob", 0, NULL },
	{ "localpart: first '@' splits", GR_USERNAME_LOCALPART, "x@y@z", "x", 0, NULL },
	{ "localpart: 32 characters", GR_USERNAME_LOCALPART, S32 "@example.com", S32, 0, NULL },
	{ "localpart: 33 characters refused", GR_USERNAME_LOCALPART, LONG_LOCAL "@example.com",
	  NULL, -GR_E_INVALID,
	  "'" LONG_LOCAL "@example.com' does not map to a valid Unix login name" },
	{ "localpart: all digits refused", GR_USERNAME_LOCALPART, "9@x", NULL, -GR_E_INVALID,
	  "'9@x' does not map to a valid Unix login name" },
	{ "localpart: leading digit refused", GR_USERNAME_LOCALPART, "1alice@x.com", NULL,
	  -GR_E_INVALID, "'1alice@x.com' does not map to a valid Unix login name" },
	{ "localpart: empty before '@' refused", GR_USERNAME_LOCALPART, "@example.com", NULL,
	  -GR_E_INVALID, "'@example.com' does not map to a valid Unix login name" },
	{ "localpart: space refused", GR_USERNAME_LOCALPART, "alice smith@x.com", NULL,
	  -GR_E_INVALID, "'alice smith@x.com' does not map to a valid Unix login name" },
	{ "localpart: non-ASCII refused", GR_USERNAME_LOCALPART, "j\xc3\xb6rg@x.de", NULL,
	  -GR_E_INVALID, "'j\xc3\xb6rg@x.de' does not map to a valid Unix login name" },
	{ "localpart: apostrophe refused", GR_USERNAME_LOCALPART, "o'brien@x.ie", NULL,
	  -GR_E_INVALID, "'o'brien@x.ie' does not map to a valid Unix login name" },
	{ "localpart: empty userName", GR_USERNAME_LOCALPART, "", NULL, -GR_E_INVALID,
	  "empty user name" },
	{ "userName: whole name lowercased", GR_USERNAME_USERNAME, "Alice@Example.com",
	  "alice@example.com", 0, NULL },
	{ "userName: without '@'", GR_USERNAME_USERNAME, "Carol", "carol", 0, NULL },
	{ "userName: all-digit local part refused", GR_USERNAME_USERNAME, "9@x", NULL,
	  -GR_E_INVALID, "'9@x' does not map to a valid Unix login name" },
	{ "userName: longer than 32 refused", GR_USERNAME_USERNAME,
	  "alice.smith@engineering.example.com", NULL, -GR_E_INVALID,
	  "'alice.smith@engineering.example.com' does not map to a valid Unix login name" },
	{ "userName: trailing '@' refused", GR_USERNAME_USERNAME, "alice@", NULL, -GR_E_INVALID,
	  "'alice@' does not map to a valid Unix login name" },
	{ "attribute: value lowercased", GR_USERNAME_ATTRIBUTE, "E12345", "e12345", 0, NULL },
	{ "attribute: digits only refused", GR_USERNAME_ATTRIBUTE, "12345", NULL, -GR_E_INVALID,
	  "'12345' does not map to a valid Unix login name" },
	/* An attribute value is a plain Unix name: nothing that forges output. */
	{ "attribute: '@' refused", GR_USERNAME_ATTRIBUTE, "alice@corp", NULL, -GR_E_INVALID,
	  "'alice@corp' does not map to a valid Unix login name" },
	{ "attribute: newline refused", GR_USERNAME_ATTRIBUTE, "alice\nok: fine", NULL,
	  -GR_E_INVALID, "'alice\nok: fine' does not map to a valid Unix login name" },
	{ "attribute: escape sequence refused", GR_USERNAME_ATTRIBUTE, "a\033[2J", NULL,
	  -GR_E_INVALID, "'a\033[2J' does not map to a valid Unix login name" },
};

/* ---- login names under a configuration: login_domains ---- */

struct map_row {
	const char *name;
	int mode;
	const char *domains; /* login_domains value */
	const char *value;
	const char *login;   /* expected login, or NULL for an error */
	const char *msg;
};

static const struct map_row map_rows[] = {
	{ "localpart: listed domain", GR_USERNAME_LOCALPART, "corp.example", "Alice@corp.example",
	  "alice", NULL },
	{ "localpart: domain compared case-insensitively", GR_USERNAME_LOCALPART,
	  "Corp.Example", "alice@CORP.example", "alice", NULL },
	{ "localpart: second listed domain", GR_USERNAME_LOCALPART, "corp.example eu.corp.example",
	  "bob@eu.corp.example", "bob", NULL },
	{ "localpart: contractor domain refused", GR_USERNAME_LOCALPART, "corp.example",
	  "alice@contractor.example", NULL,
	  "'alice@contractor.example': domain 'contractor.example' is not in login_domains" },
	{ "localpart: subdomain is not the domain", GR_USERNAME_LOCALPART, "corp.example",
	  "alice@evil.corp.example", NULL,
	  "'alice@evil.corp.example': domain 'evil.corp.example' is not in login_domains" },
	{ "localpart: suffix is not the domain", GR_USERNAME_LOCALPART, "corp.example",
	  "alice@corp.example.evil", NULL,
	  "'alice@corp.example.evil': domain 'corp.example.evil' is not in login_domains" },
	{ "localpart: second '@' is not a listed domain", GR_USERNAME_LOCALPART, "corp.example",
	  "alice@x@corp.example", NULL,
	  "'alice@x@corp.example': domain 'x@corp.example' is not in login_domains" },
	{ "localpart: no domain does not map", GR_USERNAME_LOCALPART, "corp.example", "alice",
	  NULL, "'alice' has no domain; username = localpart maps only names in login_domains" },
	{ "localpart: empty login_domains maps nobody", GR_USERNAME_LOCALPART, "",
	  "alice@corp.example", NULL,
	  "username = localpart maps no user until login_domains lists the accepted domains" },
	{ "localpart: listed domain, invalid local part", GR_USERNAME_LOCALPART, "corp.example",
	  "9@corp.example", NULL, "'9@corp.example' does not map to a valid Unix login name" },
	{ "userName: login_domains does not apply", GR_USERNAME_USERNAME, "",
	  "Carol@Elsewhere.example", "carol@elsewhere.example", NULL },
	{ "attribute: login_domains does not apply", GR_USERNAME_ATTRIBUTE, "", "E12345", "e12345",
	  NULL },
};

static void test_map_row(void **state)
{
	const struct map_row *row = *state;
	char out[GR_UNIX_NAME_MAX + 1];
	struct gr_config cfg;
	struct gr_err err;
	int r;

	gr_config_defaults(&cfg);
	cfg.username_mode = row->mode;
	gr_err_clear(&err);
	tu_assert_ok(gr_config_set(&cfg, "login_domains", row->domains, &err), &err);
	strcpy(out, "untouched");
	r = gr_login_map(&cfg, row->value, out, sizeof(out), &err);
	if (row->login) {
		if (r != 0)
			fail_msg("'%s' -> %d (%s), expected '%s'", row->value, r, gr_err_msg(&err),
				 row->login);
		assert_string_equal(out, row->login);
		return;
	}
	assert_int_equal(r, -GR_E_INVALID);
	assert_string_equal(gr_err_msg(&err), row->msg);
	assert_string_equal(out, "untouched");
}

/* ---- free text: role names and descriptions ---- */

static void test_valid_text(void **state)
{
	(void)state;
	assert_true(gr_valid_text("", 8));
	assert_true(gr_valid_text("On-call engineers (EU), 24/7 \\ \"quoted\"", 64));
	assert_true(gr_valid_text("Jos\xc3\xa9 \xf0\x9f\x94\x91", 64));
	assert_true(gr_valid_text("12345678", 8));
	assert_false(gr_valid_text("123456789", 8));
	assert_false(gr_valid_text("a\nok: all good", 64));
	assert_false(gr_valid_text("a\tb", 64));
	assert_false(gr_valid_text("x\033[2Jy", 64));
	assert_false(gr_valid_text("a\177b", 64));
	assert_false(gr_valid_text("a\xc2\x9b" "2J", 64));      /* C1 CSI */
	assert_false(gr_valid_text("a\x9b" "2J", 64));           /* lone 8-bit CSI */
	assert_false(gr_valid_text("admin\xe2\x80\xae" "cba", 64)); /* bidi override */
	assert_false(gr_valid_text("a\xe2\x81\xa6" "b", 64));  /* bidi isolate */
	assert_false(gr_valid_text("a\xe2\x80\xa8" "b", 64));  /* line separator */
	assert_false(gr_valid_text("a\xc0\xaf", 64));           /* overlong */
	assert_false(gr_valid_text("\xed\xa0\x80", 64));       /* surrogate */
	assert_false(gr_valid_text("ab\xe2\x82", 64));          /* truncated */
	assert_false(gr_valid_text(NULL, 64));
}

static void test_login_row(void **state)
{
	const struct login_row *row = *state;
	char out[GR_UNIX_NAME_MAX + 1];
	struct gr_err err;
	int r;

	strcpy(out, "untouched");
	gr_err_clear(&err);
	r = gr_login_from_username(row->user_name, row->mode, out, sizeof(out), &err);
	if (row->login) {
		if (r != 0)
			fail_msg("'%s' -> %d (%s), expected '%s'", row->user_name, r,
				 gr_err_msg(&err), row->login);
		assert_string_equal(out, row->login);
		return;
	}
	assert_int_equal(r, row->code);
	assert_int_equal(err.code, row->code);
	assert_string_equal(gr_err_msg(&err), row->msg);
	/* Not guessed: the output is left alone. */
	assert_string_equal(out, "untouched");
}

static void test_login_edge_cases(void **state)
{
	char small[6], big[300];
	struct gr_err err;

	(void)state;
	gr_err_clear(&err);
	/* The output buffer is the caller's to size; too small is an error. */
	tu_assert_fails(gr_login_from_username("alice@x.com", GR_USERNAME_LOCALPART, small, 5,
					       &err),
			&err, -ENAMETOOLONG, "login name too long");
	assert_int_equal(gr_login_from_username("alice@x.com", GR_USERNAME_LOCALPART, small,
						sizeof(small), &err), 0);
	assert_string_equal(small, "alice");
	tu_assert_fails(gr_login_from_username(NULL, GR_USERNAME_LOCALPART, small, sizeof(small),
					       &err), &err, -GR_E_INVALID, "empty user name");
	/* A userName longer than any login is refused before it is looked at. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tu_assert_fails(gr_login_from_username(big, GR_USERNAME_USERNAME, small, sizeof(small),
					       &err), &err, -GR_E_INVALID, "user name too long");
}

static void test_lowercase(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(gr_lowercase("AbC-Z@9", out, sizeof(out)), 0);
	assert_string_equal(out, "abc-z@9");
	assert_int_equal(gr_lowercase("ABCDEFG", out, sizeof(out)), 0);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(gr_lowercase("ABCDEFGH", out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(gr_lowercase("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(gr_lowercase("", out, 0), -ENAMETOOLONG);
	/* Only ASCII is folded; UTF-8 bytes pass through untouched. */
	assert_int_equal(gr_lowercase("\xc3\x96", out, sizeof(out)), 0);
	assert_string_equal(out, "\xc3\x96");
}

/* Case names go into TAP lines: show control and non-ASCII bytes as \xNN. */
static void printable_name(char *out, size_t len, const char *s)
{
	size_t o = 0;

	if (!s[0])
		s = "(empty)";
	for (; *s && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

#define N_VALID (sizeof(valid_rows) / sizeof(valid_rows[0]))
#define N_LOGIN (sizeof(login_rows) / sizeof(login_rows[0]))
#define N_MAP (sizeof(map_rows) / sizeof(map_rows[0]))

int main(void)
{
	static char names[N_VALID][400];
	struct CMUnitTest tests[N_VALID + N_LOGIN + N_MAP + 4];
	size_t i, n = 0;

	for (i = 0; i < N_VALID; i++, n++) {
		const struct valid_row *row = &valid_rows[i];
		char shown[300];

		printable_name(shown, sizeof(shown), row->s);
		snprintf(names[i], sizeof(names[i]), "%s %s: %s",
			 row->kind == RESERVED ? (row->valid ? "reserved" : "not reserved")
					       : (row->valid ? "valid" : "invalid"),
			 kind_names[row->kind], shown);
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = names[i];
		tests[n].test_func = test_valid_row;
		tests[n].initial_state = (void *)(uintptr_t)row;
	}
	for (i = 0; i < N_LOGIN; i++, n++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = login_rows[i].name;
		tests[n].test_func = test_login_row;
		tests[n].initial_state = (void *)(uintptr_t)&login_rows[i];
	}
	for (i = 0; i < N_MAP; i++, n++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = map_rows[i].name;
		tests[n].test_func = test_map_row;
		tests[n].initial_state = (void *)(uintptr_t)&map_rows[i];
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_valid_text);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_null);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_login_edge_cases);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lowercase);
	return _cmocka_run_group_tests("names", tests, n, NULL, NULL);
}

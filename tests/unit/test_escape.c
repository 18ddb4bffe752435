/* SPDX-License-Identifier: MIT */
/*
 * Hostile text on its way to a terminal or a log, as a table: each row the
 * exact bytes that must come out.  Then system accounts: reserved names,
 * login.defs parsing, and real accounts through NSS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>

#include "core/escape.h"
#include "core/names.h"
#include "testutil.h"

struct esc_row {
	const char *name;
	const char *in;
	const char *log;   /* GR_ESC_LOG */
	const char *term;  /* GR_ESC_TERM */
};

static const struct esc_row rows[] = {
	{ "plain ascii", "alice.nguyen", "alice.nguyen", "alice.nguyen" },
	{ "newline forging a line", "bob\nok: all good", "bob\\x0aok: all good",
	  "bob\\x0aok: all good" },
	{ "terminal escape", "x\033[2Jy", "x\\x1b[2Jy", "x\\x1b[2Jy" },
	{ "quote forging a field", "a\" decision=allow", "a\\x22 decision=allow",
	  "a\" decision=allow" },
	{ "backslash", "a\\x41", "a\\x5cx41", "a\\x5cx41" },
	{ "DEL", "a\177b", "a\\x7fb", "a\\x7fb" },
	{ "utf-8 name", "Jos\xc3\xa9", "Jos\\xc3\\xa9", "Jos\xc3\xa9" },
	{ "C1 CSI as utf-8", "a\xc2\x9b" "2Jb", "a\\xc2\\x9b2Jb", "a\\u{009b}2Jb" },
	{ "lone 8-bit CSI", "a\x9b" "2J", "a\\x9b2J", "a\\x9b2J" },
	{ "bidi override", "admin\xe2\x80\xae" "cba", "admin\\xe2\\x80\\xaecba",
	  "admin\\u{202e}cba" },
	{ "line separator", "a\xe2\x80\xa8" "b", "a\\xe2\\x80\\xa8b", "a\\u{2028}b" },
	{ "overlong slash", "a\xc0\xaf", "a\\xc0\\xaf", "a\\xc0\\xaf" },
	{ "surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80", "\\xed\\xa0\\x80" },
	{ "truncated sequence", "ab\xe2\x82", "ab\\xe2\\x82", "ab\\xe2\\x82" },
	{ "emoji", "\xf0\x9f\x94\x91", "\\xf0\\x9f\\x94\\x91", "\xf0\x9f\x94\x91" },
	{ "empty", "", "", "" },
};

static void test_esc_row(void **state)
{
	const struct esc_row *row = *state;
	char buf[256];
	char *mem = NULL;
	size_t len = 0;
	FILE *f;

	assert_string_equal(gr_esc(buf, sizeof(buf), row->in, GR_ESC_LOG), row->log);
	assert_string_equal(gr_esc(buf, sizeof(buf), row->in, GR_ESC_TERM), row->term);
	f = open_memstream(&mem, &len);
	assert_non_null(f);
	gr_esc_put(f, row->in, GR_ESC_NOMAX, GR_ESC_TERM);
	fclose(f);
	assert_string_equal(mem, row->term);
	free(mem);
	assert_int_equal(gr_esc_clean(row->in, GR_ESC_LOG), !strcmp(row->in, row->log));
	assert_int_equal(gr_esc_clean(row->in, GR_ESC_TERM), !strcmp(row->in, row->term));
}

static void test_esc_bounds(void **state)
{
	char buf[12];
	char *mem = NULL;
	size_t len = 0;
	FILE *f;

	/* Cut, marked, always terminated, never past the buffer. */
	assert_string_equal(gr_esc(buf, sizeof(buf), "abcdefghijklmnop", GR_ESC_LOG),
			    "abcdefgh...");
	assert_string_equal(gr_esc(buf, sizeof(buf), "\n\n\n\n", GR_ESC_LOG), "\\x0a\\x0a...");
	assert_string_equal(gr_esc(buf, 3, "abc", GR_ESC_LOG), "");
	assert_string_equal(gr_esc(buf, sizeof(buf), NULL, GR_ESC_LOG), "");
	/* MAX counts input bytes and never splits a UTF-8 sequence. */
	f = open_memstream(&mem, &len);
	assert_non_null(f);
	gr_esc_put(f, "abcdef", 3, GR_ESC_LOG);
	gr_esc_put(f, "|", GR_ESC_NOMAX, GR_ESC_LOG);
	gr_esc_put(f, "a\xc3\xa9z", 2, GR_ESC_TERM);
	gr_esc_put(f, NULL, GR_ESC_NOMAX, GR_ESC_TERM);
	fclose(f);
	assert_string_equal(mem, "abc...|a...");
	free(mem);
}

static void test_reserved_users(void **state)
{
	assert_true(gr_reserved_user_name("root"));
	assert_true(gr_reserved_user_name("www-data"));
	assert_true(gr_reserved_user_name("sshd"));
	assert_true(gr_reserved_user_name("nobody"));
	assert_true(gr_reserved_user_name("systemd-anything"));
	assert_false(gr_reserved_user_name("alice"));
	assert_false(gr_reserved_user_name("rooty"));
}

static void test_login_defs(void **state)
{
	char dir[] = "/tmp/gr-logindefs-XXXXXX";
	char path[256];
	unsigned long lo, hi;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/login.defs", dir);
	/* Missing: the defaults. */
	assert_int_equal(gr_login_defs_uid_range(path, &lo, &hi), 0);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 60000);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# UID_MIN 5\nMAIL_DIR /var/mail\n  UID_MIN\t\t 2000  # people\n"
	      "SYS_UID_MIN 100\nUID_MAX 50000\nUID_MAXX 7\nUID_MAX junk\n", f);
	fclose(f);
	assert_int_equal(gr_login_defs_uid_range(path, &lo, &hi), 0);
	assert_int_equal(lo, 2000);
	assert_int_equal(hi, 50000);
	/* Nonsense (min above max) falls back to the defaults, never to "everyone is a system account". */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("UID_MIN 70000\nUID_MAX 100\n", f);
	fclose(f);
	assert_int_equal(gr_login_defs_uid_range(path, &lo, &hi), 0);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 60000);
	unlink(path);
	rmdir(dir);
}

static void test_login_is_system(void **state)
{
	/* root exists on every host with uid 0; the reserved list needs no NSS at all. */
	assert_int_equal(gr_login_is_system("root", 1000, 60000), 1);
	assert_int_equal(gr_login_is_system("www-data", 1000, 60000), 1);
	assert_int_equal(gr_login_is_system("gr-no-such-user-x", 1000, 60000), 0);
	/* An account NSS knows and the list does not: judged by its uid alone. */
	{
		struct passwd *pw;
		char login[64] = "";
		unsigned long uid = 0;

		setpwent();
		while ((pw = getpwent()))
			if (!gr_reserved_user_name(pw->pw_name) && pw->pw_uid > 0) {
				snprintf(login, sizeof(login), "%s", pw->pw_name);
				uid = pw->pw_uid;
				break;
			}
		endpwent();
		if (!login[0])
			return; /* a host with system accounts only: the cases above stand */
		assert_int_equal(gr_login_is_system(login, uid + 1, 0x7fffffff), 1);
		assert_int_equal(gr_login_is_system(login, 1, uid - 1), 1);
		assert_int_equal(gr_login_is_system(login, uid, uid), 0);
	}
}

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

int main(void)
{
	struct CMUnitTest tests[N_ROWS + 4];
	size_t i, n = 0;

	for (i = 0; i < N_ROWS; i++, n++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = rows[i].name;
		tests[n].test_func = test_esc_row;
		tests[n].initial_state = (void *)(uintptr_t)&rows[i];
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_esc_bounds);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reserved_users);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_login_defs);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_login_is_system);
	return _cmocka_run_group_tests("escape", tests, n, NULL, NULL);
}

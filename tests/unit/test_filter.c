/* SPDX-License-Identifier: MIT */
/*
 * SCIM filters and PATCH paths as tables.  Parse rows give the canonical
 * text the tree prints back as (which proves the tree's shape: precedence,
 * grouping, the split of URN, attribute and sub-attribute) or the exact
 * error.  Match rows evaluate filters against one User the way Okta and
 * Entra query it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "scim/filter.h"
#include "testutil.h"

struct parse_row {
	const char *in;
	const char *canon; /* NULL: must fail */
	const char *error; /* substring of the error when it fails */
};

#define ENT "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

static const struct parse_row parse_rows[] = {
	/* Okta's existence check and the RFC's examples. */
	{ "userName eq \"bjensen@example.com\"", "userName eq \"bjensen@example.com\"", NULL },
	{ "userName Eq \"x\"", "userName eq \"x\"", NULL },
	{ "name.familyName co \"O'Malley\"", "name.familyName co \"O'Malley\"", NULL },
	{ "title pr", "title pr", NULL },
	{ "title PR", "title pr", NULL },
	{ "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
	  "meta.lastModified gt \"2011-05-13T04:42:34Z\"", NULL },
	{ "title pr and userType eq \"Employee\"",
	  "title pr and userType eq \"Employee\"", NULL },
	{ "title pr or userType eq \"Intern\"", "title pr or userType eq \"Intern\"", NULL },
	/* and binds tighter than or; not tighter than and. */
	{ "a pr or b pr and c pr", "a pr or b pr and c pr", NULL },
	{ "a pr or (b pr and c pr)", "a pr or b pr and c pr", NULL },
	{ "(a pr or b pr) or c pr", "a pr or b pr or c pr", NULL },
	{ "a pr or (b pr or c pr)", "a pr or (b pr or c pr)", NULL },
	{ "a pr and b pr or c pr", "a pr and b pr or c pr", NULL },
	{ "a pr and (b pr or c pr)", "a pr and (b pr or c pr)", NULL },
	{ "(a pr or b pr) and c pr", "(a pr or b pr) and c pr", NULL },
	{ "((a pr))", "a pr", NULL },
	{ "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
	  "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
	  NULL },
	{ "not(a pr)", "not (a pr)", NULL },
	{ "NOT (a pr)", "not (a pr)", NULL },
	/* An attribute whose name starts with a keyword is an attribute. */
	{ "notes pr", "notes pr", NULL },
	{ "orders eq 1 and andy eq 2", "orders eq 1 and andy eq 2", NULL },
	/* Value paths. */
	{ "emails[type eq \"work\" and value co \"@example.com\"]",
	  "emails[type eq \"work\" and value co \"@example.com\"]", NULL },
	{ "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
	  "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
	  NULL },
	{ "members[value eq \"2819c223\"]", "members[value eq \"2819c223\"]", NULL },
	{ "emails[not (type eq \"home\")]", "emails[not (type eq \"home\")]", NULL },
	/* URNs: the attribute is after the last ':', sub-attributes after it. */
	{ ENT ":employeeNumber eq \"701984\"", ENT ":employeeNumber eq \"701984\"", NULL },
	{ ENT ":manager.value eq \"26118915\"", ENT ":manager.value eq \"26118915\"", NULL },
	{ "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"",
	  "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"", NULL },
	/* Literals: JSON, decoded by jansson. */
	{ "active eq true", "active eq true", NULL },
	{ "active eq False", "active eq false", NULL },
	{ "x eq null", "x eq null", NULL },
	{ "x gt 10", "x gt 10", NULL },
	{ "x le -1.5e3", "x le -1500.0", NULL },
	{ "x eq \"a\\\"b\\\\c\\u00e9\"", "x eq \"a\\\"b\\\\c\\u00E9\"", NULL },
	{ "$ref eq \"x\"", "$ref eq \"x\"", NULL },
	{ "  a pr  ", "a pr", NULL },
	{ "a  eq   \"x\"", "a eq \"x\"", NULL },
	/* Errors, each with its reason. */
	{ "", NULL, "offset 0 (end): expected an attribute name" },
	{ "userName", NULL, "offset 8 (end): expected a space" },
	{ "userName eq", NULL, "offset 11 (end): expected a space" },
	{ "userName eq ", NULL, "offset 12 (end): expected a value" },
	{ "userName xx \"a\"", NULL, "offset 9 (near \"xx \\x22a\\x22\"): expected an operator" },
	{ "userName eq \"a", NULL, "offset 12 (near \"\\x22a\"): unterminated string" },
	{ "userName eq bjensen", NULL, "expected a value" },
	{ "userName eq \"a\" extra", NULL, "offset 16 (near \"extra\"): unexpected text" },
	{ "userName eq \"a\" and", NULL, "expected a space" },
	{ "(a pr", NULL, "offset 5 (end): expected ')'" },
	{ "a pr)", NULL, "offset 4 (near \")\"): unexpected text" },
	{ "emails[type eq \"work\"", NULL, "expected ']'" },
	{ "emails[type[value pr]]", NULL, "value filters do not nest" },
	{ "emails[" ENT ":x pr]", NULL, "sub-attributes only" },
	{ "emails[type.x pr]", NULL, "sub-attributes only" },
	{ "name.givenName[value pr]", NULL, "follows a plain attribute" },
	{ "active gt true", NULL, "operator does not apply" },
	{ "x co 5", NULL, "operator does not apply" },
	{ "x sw null", NULL, "operator does not apply" },
	{ "1abc pr", NULL, "invalid attribute name" },
	{ "a..b pr", NULL, "invalid attribute name" },
	{ "foo:bar pr", NULL, "invalid schema URN" },
	{ "x eq \"\x01\"", NULL, "invalid value literal" },
	{ "x eq 1e999", NULL, "invalid" },
	{ "x eq \"a\"\n", NULL, "offset 8 (near \"\\x0a\"): unexpected text" },
	{ "x pr\tand y pr", NULL, "unexpected text" },
	{ "x eq \"\\u0000\"", NULL, "invalid value literal" },
};

static void test_parse_row(void **state)
{
	const struct parse_row *row = *state;
	struct gr_scim_filter *f = NULL;
	struct gr_err err = { 0 };
	int r = gr_scim_filter_parse(row->in, strlen(row->in), &f, &err);

	if (!row->canon) {
		if (r != -GR_E_INVALID || !strstr(err.msg, row->error))
			fail_msg("\"%s\": want error containing \"%s\", got %d \"%s\"", row->in,
				 row->error, r, err.msg);
		assert_null(f);
		return;
	}
	if (r != 0)
		fail_msg("\"%s\": %s", row->in, err.msg);
	{
		char *canon = gr_scim_filter_format(f), *again;
		struct gr_scim_filter *g = NULL;

		assert_non_null(canon);
		assert_string_equal(canon, row->canon);
		/* The canonical text parses to the same tree. */
		assert_int_equal(gr_scim_filter_parse(canon, strlen(canon), &g, &err), 0);
		again = gr_scim_filter_format(g);
		assert_string_equal(again, canon);
		free(again);
		free(canon);
		gr_scim_filter_free(g);
	}
	gr_scim_filter_free(f);
}

static void test_limits(void **state)
{
	char buf[GR_SCIM_FILTER_MAX + 16];
	struct gr_scim_filter *f = NULL;
	struct gr_err err = { 0 };
	size_t i, n = 0;

	/* Nesting: 16 levels parse, 17 do not. */
	for (i = 0; i < GR_SCIM_FILTER_DEPTH; i++)
		buf[n++] = '(';
	n += (size_t)sprintf(buf + n, "a pr");
	for (i = 0; i < GR_SCIM_FILTER_DEPTH; i++)
		buf[n++] = ')';
	assert_int_equal(gr_scim_filter_parse(buf, n, &f, &err), 0);
	gr_scim_filter_free(f);
	memmove(buf + 1, buf, n);
	buf[0] = '(';
	buf[n + 1] = ')';
	assert_int_equal(gr_scim_filter_parse(buf, n + 2, &f, &err), -GR_E_INVALID);
	assert_non_null(strstr(err.msg, "nested too deeply"));
	/* Expressions: a long or-chain stops at the node bound. */
	n = 0;
	for (i = 0; i < GR_SCIM_FILTER_NODES; i++)
		n += (size_t)sprintf(buf + n, "%sa pr", i ? " or " : "");
	assert_int_equal(gr_scim_filter_parse(buf, n, &f, &err), -GR_E_INVALID);
	assert_non_null(strstr(err.msg, "too many expressions"));
	/* Length. */
	memset(buf, 'a', GR_SCIM_FILTER_MAX + 1);
	assert_int_equal(gr_scim_filter_parse(buf, GR_SCIM_FILTER_MAX + 1, &f, &err),
			 -GR_E_INVALID);
	assert_non_null(strstr(err.msg, "longer than"));
	/* A NUL inside the given length. */
	assert_int_equal(gr_scim_filter_parse("a pr\0or b pr", 12, &f, &err), -GR_E_INVALID);
	assert_non_null(strstr(err.msg, "NUL"));
	assert_null(f);
}

/* ---- matching ---- */

static const char user_json[] =
	"{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\", \"" ENT "\"],"
	" \"id\": \"2819c223-7f76\", \"externalId\": \"00u1AbC\", \"userName\": \"Bjensen@Example.com\","
	" \"name\": {\"familyName\": \"Jensen\", \"givenName\": \"Barbara\"},"
	" \"displayName\": \"Babs Jensen\", \"title\": \"\", \"active\": true, \"logins\": 42,"
	" \"emails\": [{\"value\": \"bjensen@example.com\", \"type\": \"work\", \"primary\": true},"
	"   {\"value\": \"babs@jensen.org\", \"type\": \"home\"}],"
	" \"groups\": [{\"value\": \"e9e30dba\", \"display\": \"Admins\"}],"
	" \"meta\": {\"lastModified\": \"2011-05-13T04:42:34Z\", \"version\": \"W/\\\"a330bc54\\\"\"},"
	" \"" ENT "\": {\"employeeNumber\": \"701984\", \"manager\": {\"value\": \"26118915\"}}}";

struct match_row {
	const char *filter;
	bool want;
};

static const struct match_row match_rows[] = {
	{ "userName eq \"bjensen@example.com\"", true }, /* case-insensitive */
	{ "USERNAME eq \"BJENSEN@EXAMPLE.COM\"", true },  /* names too */
	{ "userName eq \"bjensen\"", false },
	{ "userName sw \"bjen\"", true },
	{ "userName ew \"@EXAMPLE.com\"", true },
	{ "userName co \"sen@ex\"", true },
	{ "userName co \"\"", true },
	{ "id eq \"2819C223-7F76\"", false },             /* ids are case-exact */
	{ "id eq \"2819c223-7f76\"", true },
	{ "externalId eq \"00u1abc\"", false },
	{ "name.familyName eq \"jensen\"", true },
	{ "name.middleName pr", false },
	{ "title pr", false },                              /* empty string is not present */
	{ "displayName pr", true },
	{ "nickName eq null", true },
	{ "displayName eq null", false },
	{ "displayName ne null", true },
	{ "active eq true", true },
	{ "active eq false", false },
	{ "active ne false", true },
	{ "active eq \"true\"", false },                    /* a string is not a boolean */
	{ "logins gt 41", true },
	{ "logins ge 42.0", true },
	{ "logins lt 42", false },
	{ "logins eq \"42\"", false },
	{ "meta.lastModified gt \"2011-05-13T04:42:33Z\"", true },
	{ "meta.lastModified lt \"2011-05-13T04:42:33Z\"", false },
	{ "meta.version eq \"w/\\\"A330BC54\\\"\"", false },
	/* Multi-valued: any value; complex ones compare "value". */
	{ "emails co \"jensen.org\"", true },
	{ "emails.value ew \".org\"", true },
	{ "emails.type eq \"other\"", false },
	{ "emails.type pr", true },
	{ "emails ne \"babs@jensen.org\"", false },
	{ "emails[type eq \"work\" and value co \"@example.com\"]", true },
	{ "emails[type eq \"home\" and value co \"@example.com\"]", false },
	{ "emails[not (type eq \"home\")]", true },
	{ "emails[primary eq true]", true },
	{ "groups[value eq \"E9E30DBA\"]", false },         /* group ids are case-exact */
	{ "groups[value eq \"e9e30dba\"]", true },
	{ "groups[display eq \"admins\"]", true },
	/* Extension attributes through their URN. */
	{ ENT ":employeeNumber eq \"701984\"", true },
	{ ENT ":manager.value eq \"26118915\"", true },
	{ "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User:employeeNumber pr", true },
	{ "employeeNumber pr", false },                     /* core schema only without a URN */
	{ "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"B\"", true },
	/* Logic. */
	{ "userName sw \"x\" or name.givenName eq \"barbara\"", true },
	{ "userName sw \"x\" and name.givenName eq \"barbara\"", false },
	{ "not (userName sw \"x\")", true },
	{ "not (emails pr) or active eq true", true },
};

static void test_match_row(void **state)
{
	const struct match_row *row = *state;
	struct gr_scim_filter *f = NULL;
	struct gr_err err = { 0 };
	json_error_t jerr;
	json_t *user = json_loads(user_json, 0, &jerr);

	if (!user)
		fail_msg("fixture: %s", jerr.text);
	if (gr_scim_filter_parse(row->filter, strlen(row->filter), &f, &err) != 0)
		fail_msg("%s: %s", row->filter, err.msg);
	if (gr_scim_filter_match(f, user, NULL) != row->want)
		fail_msg("%s: want %s", row->filter, row->want ? "match" : "no match");
	gr_scim_filter_free(f);
	json_decref(user);
}

/* ---- PATCH paths ---- */

struct path_row {
	const char *in;
	const char *uri, *attr, *sub, *filter, *after; /* attr NULL: must fail */
	const char *error;
};

static const struct path_row path_rows[] = {
	{ "members", NULL, "members", NULL, NULL, NULL, NULL },
	{ "name.givenName", NULL, "name", "givenName", NULL, NULL, NULL },
	{ "members[value eq \"2819c223\"]", NULL, "members", NULL, "value eq \"2819c223\"", NULL,
	  NULL },
	{ "emails[type eq \"work\"].value", NULL, "emails", NULL, "type eq \"work\"", "value",
	  NULL },
	{ ENT ":employeeNumber", ENT, "employeeNumber", NULL, NULL, NULL, NULL },
	{ ENT ":manager.value", ENT, "manager", "value", NULL, NULL, NULL },
	{ "addresses[type eq \"work\" and primary eq true].streetAddress", NULL, "addresses", NULL,
	  "type eq \"work\" and primary eq true", "streetAddress", NULL },
	{ "", NULL, NULL, NULL, NULL, NULL, "invalid path at offset 0 (end): expected an attribute" },
	{ "members[", NULL, NULL, NULL, NULL, NULL, "expected an attribute name" },
	{ "members[value eq \"x\"", NULL, NULL, NULL, NULL, NULL, "expected ']'" },
	{ "members[value eq \"x\"].", NULL, NULL, NULL, NULL, NULL, "invalid sub-attribute" },
	{ "members[value eq \"x\"]x", NULL, NULL, NULL, NULL, NULL, "unexpected text" },
	{ "members value", NULL, NULL, NULL, NULL, NULL, "offset 7" },
	{ "name.givenName[value pr]", NULL, NULL, NULL, NULL, NULL, "follows a plain attribute" },
	{ "members[value[x pr]]", NULL, NULL, NULL, NULL, NULL, "do not nest" },
};

static void test_path_row(void **state)
{
	const struct path_row *row = *state;
	struct gr_scim_patch_path pp;
	struct gr_err err = { 0 };
	int r = gr_scim_patch_path_parse(row->in, strlen(row->in), &pp, &err);

	if (!row->attr) {
		if (r != -GR_E_INVALID || !strstr(err.msg, row->error))
			fail_msg("\"%s\": want error containing \"%s\", got %d \"%s\"", row->in,
				 row->error, r, err.msg);
		assert_null(pp.path.attr);
		assert_null(pp.filter);
		return;
	}
	if (r != 0)
		fail_msg("\"%s\": %s", row->in, err.msg);
	if (row->uri)
		assert_string_equal(pp.path.uri, row->uri);
	else
		assert_null(pp.path.uri);
	assert_string_equal(pp.path.attr, row->attr);
	if (row->sub)
		assert_string_equal(pp.path.sub, row->sub);
	else
		assert_null(pp.path.sub);
	if (row->filter) {
		char *t = gr_scim_filter_format(pp.filter);

		assert_string_equal(t, row->filter);
		free(t);
	} else {
		assert_null(pp.filter);
	}
	if (row->after)
		assert_string_equal(pp.sub, row->after);
	else
		assert_null(pp.sub);
	gr_scim_patch_path_clear(&pp);
}

#define NP (sizeof(parse_rows) / sizeof(parse_rows[0]))
#define NM (sizeof(match_rows) / sizeof(match_rows[0]))
#define NPP (sizeof(path_rows) / sizeof(path_rows[0]))

static struct CMUnitTest row_test(char *name, size_t len, const char *prefix, const char *text,
				  void (*fn)(void **), const void *row)
{
	struct CMUnitTest t;
	char shown[160];

	memset(&t, 0, sizeof(t));
	gr_esc(shown, sizeof(shown), text, GR_ESC_LOG);
	snprintf(name, len, "%s: %s", prefix, shown);
	t.name = name;
	t.test_func = fn;
	t.initial_state = (void *)(uintptr_t)row;
	return t;
}

int main(void)
{
	static char names[NP + NM + NPP][200];
	struct CMUnitTest tests[NP + NM + NPP + 1];
	size_t i, n = 0;

	for (i = 0; i < NP; i++, n++)
		tests[n] = row_test(names[n], sizeof(names[n]), parse_rows[i].canon ? "parses" : "refused",
				    parse_rows[i].in, test_parse_row, &parse_rows[i]);
	for (i = 0; i < NM; i++, n++)
		tests[n] = row_test(names[n], sizeof(names[n]), match_rows[i].want ? "matches" : "no match",
				    match_rows[i].filter, test_match_row, &match_rows[i]);
	for (i = 0; i < NPP; i++, n++)
		tests[n] = row_test(names[n], sizeof(names[n]), path_rows[i].attr ? "path" : "bad path",
				    path_rows[i].in, test_path_row, &path_rows[i]);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_limits);
	return _cmocka_run_group_tests("scim filter", tests, n, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * SCIM PATCH as a table: a resource, a PatchOp as Okta or Entra sends it,
 * and the exact resource (compared as JSON) or the exact SCIM error type
 * that must come out.  Group rows also give the membership change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scim/patch.h"
#include "testutil.h"

#define ENT "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define OP(x) "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[" x "]}"
#define USER0 "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"id\":\"u1\"," \
	"\"userName\":\"alice@corp.example\",\"active\":true,\"name\":{\"givenName\":\"Alice\",\"familyName\":\"Ng\"}," \
	"\"emails\":[{\"value\":\"alice@corp.example\",\"type\":\"work\",\"primary\":true}]}"
#define USERS(x) "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"id\":\"u1\"," \
	"\"userName\":\"alice@corp.example\"," x "}"
#define USER_BARE "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"id\":\"u1\"," \
	"\"userName\":\"alice@corp.example\"}"

struct row {
	const char *name;
	bool group;
	const char *resource;
	const char *patch;
	const char *want;    /* the resource afterwards, or NULL when it must fail */
	const char *error;   /* SCIM error type when it fails */
	const char *members; /* groups: "[replace] +a +b -c" */
};

static const struct row rows[] = {
	/* Okta */
	{ "okta: deactivate with a no-path replace", false, USER0,
	  OP("{\"op\":\"replace\",\"value\":{\"active\":false}}"),
	  "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"id\":\"u1\",\"userName\":\"alice@corp.example\","
	  "\"active\":false,\"name\":{\"givenName\":\"Alice\",\"familyName\":\"Ng\"},"
	  "\"emails\":[{\"value\":\"alice@corp.example\",\"type\":\"work\",\"primary\":true}]}", NULL, NULL },
	{ "okta: rename carrying id and displayName", true,
	  "{\"id\":\"g1\",\"displayName\":\"Eng\"}",
	  OP("{\"op\":\"replace\",\"value\":{\"id\":\"g1\",\"displayName\":\"Engineering\"}}"),
	  "{\"id\":\"g1\",\"displayName\":\"Engineering\"}", NULL, "" },
	{ "okta: membership remove by filter and add in one request", true,
	  "{\"id\":\"g1\",\"displayName\":\"Eng\"}",
	  OP("{\"op\":\"remove\",\"path\":\"members[value eq \\\"u2\\\"]\"},"
	     "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"u3\",\"display\":\"c@x\"},{\"value\":\"u4\"}]}"),
	  "{\"id\":\"g1\",\"displayName\":\"Eng\"}", NULL, "+u3 +u4 -u2" },
	{ "a password is dropped, never stored", false, USERS("\"password\":\"old\""),
	  OP("{\"op\":\"replace\",\"value\":{\"password\":\"hunter2\",\"title\":\"Eng\"}}"),
	  USERS("\"title\":\"Eng\""), NULL, NULL },
	/* Entra */
	{ "entra: capitalised ops and string booleans", false, USER0,
	  OP("{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"},"
	     "{\"op\":\"Add\",\"path\":\"title\",\"value\":\"Engineer\"}"),
	  "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"id\":\"u1\",\"userName\":\"alice@corp.example\","
	  "\"active\":false,\"title\":\"Engineer\",\"name\":{\"givenName\":\"Alice\",\"familyName\":\"Ng\"},"
	  "\"emails\":[{\"value\":\"alice@corp.example\",\"type\":\"work\",\"primary\":true}]}", NULL, NULL },
	{ "entra: no-path replace whose keys are paths", false, USER0,
	  OP("{\"op\":\"Replace\",\"value\":{\"name.givenName\":\"Ally\",\"" ENT ":department\":\"R&D\","
	     "\"active\":\"True\"}}"),
	  "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\",\"" ENT "\"],\"id\":\"u1\","
	  "\"userName\":\"alice@corp.example\",\"active\":true,\"name\":{\"givenName\":\"Ally\",\"familyName\":\"Ng\"},"
	  "\"emails\":[{\"value\":\"alice@corp.example\",\"type\":\"work\",\"primary\":true}],"
	  "\"" ENT "\":{\"department\":\"R&D\"}}", NULL, NULL },
	{ "entra: value-path replace of an existing email", false, USER0,
	  OP("{\"op\":\"Replace\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"a2@corp.example\"}"),
	  "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"id\":\"u1\",\"userName\":\"alice@corp.example\","
	  "\"active\":true,\"name\":{\"givenName\":\"Alice\",\"familyName\":\"Ng\"},"
	  "\"emails\":[{\"value\":\"a2@corp.example\",\"type\":\"work\",\"primary\":true}]}", NULL, NULL },
	{ "entra: value-path Add creates the element from the filter", false, USERS("\"active\":true"),
	  OP("{\"op\":\"Add\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"a@corp.example\"}"),
	  USERS("\"active\":true,\"emails\":[{\"type\":\"work\",\"value\":\"a@corp.example\"}]"), NULL, NULL },
	{ "entra: Remove members with a value list removes only those", true,
	  "{\"id\":\"g1\",\"displayName\":\"Eng\"}",
	  OP("{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"u2\"},{\"value\":\"u5\"}]}"),
	  "{\"id\":\"g1\",\"displayName\":\"Eng\"}", NULL, "-u2 -u5" },
	{ "entra: enterprise extension object in a no-path Add", false, USERS("\"active\":true"),
	  OP("{\"op\":\"Add\",\"value\":{\"" ENT "\":{\"employeeNumber\":\"7\",\"manager\":{\"value\":\"u9\"}}}}"),
	  "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\",\"" ENT "\"],\"id\":\"u1\","
	  "\"userName\":\"alice@corp.example\",\"active\":true,"
	  "\"" ENT "\":{\"employeeNumber\":\"7\",\"manager\":{\"value\":\"u9\"}}}", NULL, NULL },
	/* Members */
	{ "replace members replaces the set", true, "{\"id\":\"g1\",\"displayName\":\"Eng\"}",
	  OP("{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"u1\"}]},"
	     "{\"op\":\"replace\",\"path\":\"members\",\"value\":[{\"value\":\"u7\"}]}"),
	  "{\"id\":\"g1\",\"displayName\":\"Eng\"}", NULL, "replace +u7" },
	{ "remove all members, then add one", true, "{\"id\":\"g1\",\"displayName\":\"Eng\"}",
	  OP("{\"op\":\"remove\",\"path\":\"members\"},{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"u3\"}]}"),
	  "{\"id\":\"g1\",\"displayName\":\"Eng\"}", NULL, "replace +u3" },
	{ "remove after add of the same member cancels it", true, "{\"id\":\"g1\",\"displayName\":\"Eng\"}",
	  OP("{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"u3\"}]},"
	     "{\"op\":\"remove\",\"path\":\"members[value eq \\\"u3\\\" or value eq \\\"u4\\\"]\"}"),
	  "{\"id\":\"g1\",\"displayName\":\"Eng\"}", NULL, "-u3 -u4" },
	{ "members by display name are refused", true, "{\"id\":\"g1\",\"displayName\":\"Eng\"}",
	  OP("{\"op\":\"remove\",\"path\":\"members[display eq \\\"Bob\\\"]\"}"), NULL, "invalidFilter", NULL },
	{ "a member without an id is refused", true, "{\"id\":\"g1\",\"displayName\":\"Eng\"}",
	  OP("{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"display\":\"Bob\"}]}"), NULL, "invalidValue", NULL },
	{ "too many members in one request", true, "{\"id\":\"g1\",\"displayName\":\"Eng\"}",
	  OP("{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"a\"},{\"value\":\"b\"},{\"value\":\"c\"},{\"value\":\"d\"}]}"),
	  NULL, "tooMany", NULL },
	/* RFC semantics */
	{ "add to a multi-valued attribute appends, once", false,
	  USERS("\"emails\":[{\"value\":\"a@x\"}]"),
	  OP("{\"op\":\"add\",\"path\":\"emails\",\"value\":[{\"value\":\"a@x\"},{\"value\":\"b@x\"}]}"),
	  USERS("\"emails\":[{\"value\":\"a@x\"},{\"value\":\"b@x\"}]"), NULL, NULL },
	{ "replace of a multi-valued attribute replaces it", false,
	  USERS("\"emails\":[{\"value\":\"a@x\"}]"),
	  OP("{\"op\":\"replace\",\"path\":\"emails\",\"value\":[{\"value\":\"b@x\"}]}"),
	  USERS("\"emails\":[{\"value\":\"b@x\"}]"), NULL, NULL },
	{ "replace of a complex attribute keeps unnamed sub-attributes", false,
	  USERS("\"name\":{\"givenName\":\"A\",\"familyName\":\"B\"}"),
	  OP("{\"op\":\"replace\",\"path\":\"name\",\"value\":{\"givenName\":\"C\"}}"),
	  USERS("\"name\":{\"givenName\":\"C\",\"familyName\":\"B\"}"), NULL, NULL },
	{ "attribute names are case-insensitive and stored in schema spelling", false,
	  USERS("\"title\":\"x\""),
	  OP("{\"op\":\"replace\",\"path\":\"TITLE\",\"value\":\"y\"},{\"op\":\"add\",\"path\":\"Name.GivenName\",\"value\":\"Z\"}"),
	  USERS("\"title\":\"y\",\"name\":{\"givenName\":\"Z\"}"), NULL, NULL },
	{ "remove by path", false, USERS("\"title\":\"x\",\"name\":{\"givenName\":\"A\",\"familyName\":\"B\"}"),
	  OP("{\"op\":\"remove\",\"path\":\"title\"},{\"op\":\"remove\",\"path\":\"name.familyName\"}"),
	  USERS("\"name\":{\"givenName\":\"A\"}"), NULL, NULL },
	{ "remove by value path, last element takes the attribute", false,
	  USERS("\"emails\":[{\"value\":\"a@x\",\"type\":\"home\"}]"),
	  OP("{\"op\":\"remove\",\"path\":\"emails[type eq \\\"home\\\"]\"}"), USER_BARE, NULL, NULL },
	{ "remove of what is not there is a no-op", false, USERS("\"title\":\"x\""),
	  OP("{\"op\":\"remove\",\"path\":\"nickName\"},{\"op\":\"remove\",\"path\":\"emails[type eq \\\"x\\\"]\"}"),
	  USERS("\"title\":\"x\""), NULL, NULL },
	{ "replace with null removes", false, USERS("\"title\":\"x\""),
	  OP("{\"op\":\"replace\",\"path\":\"title\",\"value\":null}"), USER_BARE, NULL, NULL },
	/* Errors */
	{ "id is read-only", false, USER0, OP("{\"op\":\"replace\",\"path\":\"id\",\"value\":\"u2\"}"),
	  NULL, "mutability", NULL },
	{ "id in a no-path value must be the same", false, USER0,
	  OP("{\"op\":\"replace\",\"value\":{\"id\":\"other\"}}"), NULL, "mutability", NULL },
	{ "groups of a user are read-only", false, USER0,
	  OP("{\"op\":\"add\",\"path\":\"groups\",\"value\":[{\"value\":\"g1\"}]}"), NULL, "mutability", NULL },
	{ "meta by path is read-only", false, USER0,
	  OP("{\"op\":\"replace\",\"path\":\"meta.version\",\"value\":\"x\"}"), NULL, "mutability", NULL },
	{ "unknown op", false, USER0, OP("{\"op\":\"move\",\"path\":\"title\",\"value\":\"x\"}"),
	  NULL, "invalidSyntax", NULL },
	{ "no Operations", false, USER0, "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"]}",
	  NULL, "invalidSyntax", NULL },
	{ "wrong schema", false, USER0, "{\"schemas\":[\"urn:x\"],\"Operations\":[{\"op\":\"remove\",\"path\":\"title\"}]}",
	  NULL, "invalidSyntax", NULL },
	{ "remove without a path", false, USER0, OP("{\"op\":\"remove\"}"), NULL, "noTarget", NULL },
	{ "add without a value", false, USER0, OP("{\"op\":\"add\",\"path\":\"title\"}"), NULL, "invalidValue", NULL },
	{ "bad path", false, USER0, OP("{\"op\":\"add\",\"path\":\"emails[type eq]\",\"value\":\"x\"}"),
	  NULL, "invalidPath", NULL },
	{ "bad key in a no-path value", false, USER0, OP("{\"op\":\"add\",\"value\":{\"a b\":\"x\"}}"),
	  NULL, "invalidPath", NULL },
	{ "value path that cannot describe a new element", false, USER0,
	  OP("{\"op\":\"replace\",\"path\":\"emails[type ne \\\"work\\\"].value\",\"value\":\"x\"}"),
	  NULL, "noTarget", NULL },
	{ "no-path value that is not an object", false, USER0, OP("{\"op\":\"replace\",\"value\":[1]}"),
	  NULL, "invalidValue", NULL },
	{ "too many operations", false, USER0,
	  OP("{\"op\":\"remove\",\"path\":\"a\"},{\"op\":\"remove\",\"path\":\"b\"},{\"op\":\"remove\",\"path\":\"c\"},"
	     "{\"op\":\"remove\",\"path\":\"d\"},{\"op\":\"remove\",\"path\":\"e\"}"), NULL, "tooMany", NULL },
};

static char *members_text(const struct gr_scim_members *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *k, *sep = "";
	json_t *v;
	void *it;

	if (m->replace_all) {
		fputs("replace", f);
		sep = " ";
	}
	/* Object iteration order is insertion order in jansson >= 2.8; sort for a stable text. */
	for (int pass = 0; pass < 2; pass++) {
		json_t *set = pass ? m->remove : m->add;
		const char *keys[64];
		size_t n = 0, i, j;

		json_object_foreach(set, k, v)
			if (n < 64)
				keys[n++] = k;
		for (i = 1; i < n; i++)
			for (j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
				const char *t = keys[j];
				keys[j] = keys[j - 1];
				keys[j - 1] = t;
			}
		for (i = 0; i < n; i++) {
			fprintf(f, "%s%c%s", sep, pass ? '-' : '+', keys[i]);
			sep = " ";
		}
	}
	(void)it;
	fclose(f);
	return buf;
}

static void test_row(void **state)
{
	const struct row *row = *state;
	struct gr_scim_patch_limits lim = { .max_operations = 4, .max_members = 3 };
	struct gr_scim_members m;
	enum gr_scim_patch_error kind;
	struct gr_err err = { 0 };
	json_error_t jerr;
	json_t *res = json_loads(row->resource, 0, &jerr), *body = json_loads(row->patch, 0, &jerr);
	int r;

	if (!res || !body)
		fail_msg("fixture does not parse: %s", jerr.text);
	gr_scim_members_init(&m);
	r = gr_scim_patch_apply(res, body, row->group, &lim, row->group ? &m : NULL, &kind, &err);
	if (!row->want) {
		if (r >= 0)
			fail_msg("accepted; want %s", row->error);
		assert_non_null(gr_scim_patch_error_type(kind));
		assert_string_equal(gr_scim_patch_error_type(kind), row->error);
		assert_true(err.msg[0] != '\0');
	} else {
		json_t *want = json_loads(row->want, 0, &jerr);

		if (r < 0)
			fail_msg("refused (%s): %s", gr_scim_patch_error_type(kind), err.msg);
		assert_non_null(want);
		if (!json_equal(res, want)) {
			char *got = json_dumps(res, JSON_SORT_KEYS);

			fail_msg("got %s", got);
		}
		json_decref(want);
		if (row->group) {
			char *t = members_text(&m);

			assert_string_equal(t, row->members ? row->members : "");
			free(t);
		}
	}
	gr_scim_members_clear(&m);
	json_decref(res);
	json_decref(body);
}

#define N (sizeof(rows) / sizeof(rows[0]))

int main(void)
{
	struct CMUnitTest tests[N];
	size_t i;

	for (i = 0; i < N; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = rows[i].name;
		tests[i].test_func = test_row;
		tests[i].initial_state = (void *)(uintptr_t)&rows[i];
	}
	return _cmocka_run_group_tests("scim patch", tests, N, NULL, NULL);
}

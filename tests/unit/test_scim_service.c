/* SPDX-License-Identifier: MIT */
/*
 * The SCIM service provider without HTTP: what Okta and Entra send, in
 * order, with the exact statuses, bodies and stored effects that must
 * follow.  The store is real (directory.tdb in a temporary directory).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scim/resource.h"
#include "scim/service.h"
#include "store/records.h"
#include "testutil.h"

#define BASE "https://idp.test:8636/scim/v2/okta"
#define USER_URN "urn:ietf:params:scim:schemas:core:2.0:User"

static struct tu_env env;

struct fx {
	struct gr_store *st;
	struct gr_scim_service svc;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct gr_err err = { 0 };

	tu_setup(&env, NULL);
	fx->st = tu_open(&env);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_dir_create(fx->st, "okta", &err), &err);
	tu_commit(fx->st);
	fx->svc = (struct gr_scim_service){ .st = fx->st, .dir = "okta", .base = BASE, .now = 1700000000,
					     .max_results = 3, .max_members = 5,
					     .patch = { .max_operations = 10, .max_members = 4 } };
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	gr_store_close(fx->st);
	free(fx);
	tu_teardown(&env);
	return 0;
}

/* One request; the reply stays in R (clear it). */
static unsigned call(struct fx *fx, const char *method, const char *path, const char *query_filter,
		     const char *body, struct gr_scim_reply *r)
{
	struct gr_scim_query q = { .filter = query_filter };

	gr_scim_serve(&fx->svc, method, path, &q, body ? body : "", body ? strlen(body) : 0, r);
	return r->status;
}

static unsigned callq(struct fx *fx, const char *method, const char *path,
		      const struct gr_scim_query *q, const char *body, struct gr_scim_reply *r)
{
	gr_scim_serve(&fx->svc, method, path, q, body ? body : "", body ? strlen(body) : 0, r);
	return r->status;
}

static const char *s(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static void assert_error(const struct gr_scim_reply *r, unsigned status, const char *type)
{
	char st[8];

	snprintf(st, sizeof(st), "%u", status);
	assert_int_equal(r->status, status);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r->body, "schemas"), 0)),
			    "urn:ietf:params:scim:api:messages:2.0:Error");
	assert_string_equal(s(r->body, "status"), st);
	if (type)
		assert_string_equal(s(r->body, "scimType"), type);
	else
		assert_null(json_object_get(r->body, "scimType"));
	assert_true(strlen(s(r->body, "detail")) > 0);
}

/* Create a user, return its id in ID. */
static void make_user(struct fx *fx, const char *uname, char *id)
{
	struct gr_scim_reply r;
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"schemas\":[\"" USER_URN "\"],\"userName\":\"%s\",\"active\":true,"
		 "\"name\":{\"givenName\":\"G\",\"familyName\":\"F\"}}", uname);
	assert_int_equal(call(fx, "POST", "Users", NULL, body, &r), 201);
	strcpy(id, s(r.body, "id"));
	gr_scim_reply_clear(&r);
}

static void test_okta_user_lifecycle(void **state)
{
	struct fx *fx = *state;
	struct gr_scim_reply r;
	struct gr_err err = { 0 };
	char id[64], loc[256], etag[64];
	json_t *u = NULL;

	/* Existence check first: 200 with an empty list. */
	assert_int_equal(call(fx, "GET", "Users", "userName eq \"alice@corp.example\"", NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 0);
	assert_int_equal(json_array_size(json_object_get(r.body, "Resources")), 0);
	gr_scim_reply_clear(&r);
	/* Create, with a password that is never stored nor returned. */
	assert_int_equal(call(fx, "POST", "Users", NULL,
			      "{\"schemas\":[\"" USER_URN "\"],\"userName\":\"alice@corp.example\","
			      "\"name\":{\"givenName\":\"Alice\",\"familyName\":\"Ng\"},\"active\":true,"
			      "\"password\":\"hunter2\",\"emails\":[{\"value\":\"alice@corp.example\","
			      "\"type\":\"work\",\"primary\":true}]}", &r), 201);
	strcpy(id, s(r.body, "id"));
	assert_int_equal(strlen(id), 36);
	assert_null(json_object_get(r.body, "password"));
	snprintf(loc, sizeof(loc), BASE "/Users/%s", id);
	assert_string_equal(r.location, loc);
	assert_string_equal(r.etag, "W/\"1\"");
	assert_string_equal(s(json_object_get(r.body, "meta"), "location"), loc);
	assert_string_equal(s(json_object_get(r.body, "meta"), "resourceType"), "User");
	assert_string_equal(s(json_object_get(r.body, "meta"), "created"), "2023-11-14T22:13:20Z");
	assert_true(r.changed);
	gr_scim_reply_clear(&r);
	/* Stored through the record code: the login name was mapped, the password is nowhere. */
	tu_assert_ok(gr_store_read_lock(fx->st, &err), &err);
	tu_assert_ok(gr_user_get(fx->st, "okta", id, &u, &err), &err);
	gr_store_read_unlock(fx->st);
	assert_true(json_is_true(json_object_get(u, "active")));
	json_decref(u);
	{
		char *dump = tu_dump(fx->st, NULL);

		assert_null(strstr(dump, "hunter2"));
		free(dump);
	}
	/* The same userName in another case is a 409. */
	assert_int_equal(call(fx, "POST", "Users", NULL,
			      "{\"userName\":\"ALICE@corp.example\"}", &r), 409);
	assert_error(&r, 409, "uniqueness");
	gr_scim_reply_clear(&r);
	/* Found by userName, case-insensitively, through the index. */
	assert_int_equal(call(fx, "GET", "Users", "userName eq \"Alice@Corp.Example\"", NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 1);
	assert_string_equal(s(json_array_get(json_object_get(r.body, "Resources"), 0), "id"), id);
	gr_scim_reply_clear(&r);
	/* Deactivate with a no-path replace. */
	snprintf(loc, sizeof(loc), "Users/%s", id);
	assert_int_equal(call(fx, "PATCH", loc, NULL,
			      "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],"
			      "\"Operations\":[{\"op\":\"replace\",\"value\":{\"active\":false}}]}", &r), 200);
	assert_true(json_is_false(json_object_get(r.body, "active")));
	assert_string_equal(r.etag, "W/\"2\"");
	strcpy(etag, r.etag);
	gr_scim_reply_clear(&r);
	/* A stale If-Match is 412 and changes nothing. */
	{
		struct gr_scim_query q = { .if_match = "W/\"1\"" };

		assert_int_equal(callq(fx, "PUT", loc, &q, "{\"userName\":\"alice@corp.example\"}", &r), 412);
		gr_scim_reply_clear(&r);
		q.if_match = etag;
		/* Full PUT of what was fetched: id equal, meta and groups ignored. */
		assert_int_equal(callq(fx, "PUT", loc, &q,
				       "{\"id\":\"ignored-if-equal\",\"userName\":\"alice@corp.example\"}", &r),
				 400);
		assert_error(&r, 400, "mutability");
		gr_scim_reply_clear(&r);
	}
	{
		char body[512];

		snprintf(body, sizeof(body),
			 "{\"id\":\"%s\",\"userName\":\"alice@corp.example\",\"active\":true,"
			 "\"meta\":{\"version\":\"W/\\\"77\\\"\"},\"groups\":[{\"value\":\"x\"}]}", id);
		assert_int_equal(call(fx, "PUT", loc, NULL, body, &r), 200);
		assert_string_equal(r.etag, "W/\"3\"");
		assert_null(json_object_get(r.body, "name")); /* PUT replaces */
		assert_null(json_object_get(r.body, "groups"));
		gr_scim_reply_clear(&r);
	}
	/* Delete, then 404 for the second delete and for a read. */
	assert_int_equal(call(fx, "DELETE", loc, NULL, NULL, &r), 204);
	assert_null(r.body);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "DELETE", loc, NULL, NULL, &r), 404);
	assert_error(&r, 404, NULL);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "GET", loc, NULL, NULL, &r), 404);
	gr_scim_reply_clear(&r);
}

static void test_groups_and_membership(void **state)
{
	struct fx *fx = *state;
	struct gr_scim_reply r;
	struct gr_err err = { 0 };
	char a[64], b[64], c[64], gid[64], path[128], body[1024];
	json_t *u = NULL, *m = NULL;

	make_user(fx, "a@corp.example", a);
	make_user(fx, "b@corp.example", b);
	make_user(fx, "c@corp.example", c);
	/* Entra: an extra schema URI and no members. */
	assert_int_equal(call(fx, "POST", "Groups", NULL,
			      "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\","
			      "\"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group\"],"
			      "\"externalId\":\"e1\",\"displayName\":\"Engineering\"}", &r), 201);
	strcpy(gid, s(r.body, "id"));
	assert_int_equal(json_array_size(json_object_get(r.body, "members")), 0);
	gr_scim_reply_clear(&r);
	/* Duplicate displayName in any case: 409. */
	assert_int_equal(call(fx, "POST", "Groups", NULL, "{\"displayName\":\"ENGINEERING\"}", &r), 409);
	gr_scim_reply_clear(&r);
	/* Okta: add members, then remove one by filter and add another in one PATCH. */
	snprintf(path, sizeof(path), "Groups/%s", gid);
	snprintf(body, sizeof(body),
		 "{\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"%s\"},{\"value\":\"%s\"}]}]}",
		 a, b);
	assert_int_equal(call(fx, "PATCH", path, NULL, body, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.body, "members")), 2);
	gr_scim_reply_clear(&r);
	snprintf(body, sizeof(body),
		 "{\"Operations\":[{\"op\":\"remove\",\"path\":\"members[value eq \\\"%s\\\"]\"},"
		 "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"%s\"}]}]}", a, c);
	assert_int_equal(call(fx, "PATCH", path, NULL, body, &r), 200);
	gr_scim_reply_clear(&r);
	tu_assert_ok(gr_store_read_lock(fx->st, &err), &err);
	tu_assert_ok(gr_group_members(fx->st, "okta", gid, &m, &err), &err);
	assert_int_equal(json_array_size(m), 2);
	json_decref(m);
	/* The user side of the membership follows. */
	tu_assert_ok(gr_user_get(fx->st, "okta", a, &u, &err), &err);
	assert_int_equal(json_array_size(json_object_get(u, "groups")), 0);
	json_decref(u);
	tu_assert_ok(gr_user_get(fx->st, "okta", c, &u, &err), &err);
	assert_string_equal(json_string_value(json_array_get(json_object_get(u, "groups"), 0)), gid);
	json_decref(u);
	gr_store_read_unlock(fx->st);
	/* The user's groups attribute is computed. */
	snprintf(path, sizeof(path), "Users/%s", c);
	assert_int_equal(call(fx, "GET", path, NULL, NULL, &r), 200);
	assert_string_equal(s(json_array_get(json_object_get(r.body, "groups"), 0), "display"), "Engineering");
	gr_scim_reply_clear(&r);
	/* Entra: excludedAttributes=members on a read; rename with a no-path replace carrying id. */
	snprintf(path, sizeof(path), "Groups/%s", gid);
	{
		struct gr_scim_query q = { .excluded_attributes = "members" };

		assert_int_equal(callq(fx, "GET", path, &q, NULL, &r), 200);
		assert_null(json_object_get(r.body, "members"));
		assert_string_equal(s(r.body, "displayName"), "Engineering");
		gr_scim_reply_clear(&r);
	}
	snprintf(body, sizeof(body),
		 "{\"Operations\":[{\"op\":\"replace\",\"value\":{\"id\":\"%s\",\"displayName\":\"Eng\"}}]}", gid);
	assert_int_equal(call(fx, "PATCH", path, NULL, body, &r), 200);
	assert_string_equal(s(r.body, "displayName"), "Eng");
	assert_int_equal(json_array_size(json_object_get(r.body, "members")), 2); /* kept */
	assert_string_equal(r.etag, "W/\"4\""); /* create, two member patches, rename */
	assert_string_equal(s(json_object_get(r.body, "meta"), "resourceType"), "Group");
	gr_scim_reply_clear(&r);
	/* Entra: Remove members with a value list. */
	snprintf(body, sizeof(body),
		 "{\"Operations\":[{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"%s\"}]}]}", b);
	assert_int_equal(call(fx, "PATCH", path, NULL, body, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.body, "members")), 1);
	gr_scim_reply_clear(&r);
	/* A member that is no user is refused and changes nothing. */
	assert_int_equal(call(fx, "PATCH", path, NULL,
			      "{\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"nobody\"}]}]}",
			      &r), 400);
	assert_error(&r, 400, "invalidValue");
	gr_scim_reply_clear(&r);
	/* Too many members in one PATCH: 413 tooMany. */
	assert_int_equal(call(fx, "PATCH", path, NULL,
			      "{\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"a\"},"
			      "{\"value\":\"b\"},{\"value\":\"c\"},{\"value\":\"d\"},{\"value\":\"e\"}]}]}", &r), 413);
	assert_error(&r, 413, "tooMany");
	gr_scim_reply_clear(&r);
	/* Deleting the group removes the memberships. */
	assert_int_equal(call(fx, "DELETE", path, NULL, NULL, &r), 204);
	gr_scim_reply_clear(&r);
	tu_assert_ok(gr_store_read_lock(fx->st, &err), &err);
	tu_assert_ok(gr_user_get(fx->st, "okta", c, &u, &err), &err);
	assert_int_equal(json_array_size(json_object_get(u, "groups")), 0);
	json_decref(u);
	gr_store_read_unlock(fx->st);
}

static void test_list_paging_and_filters(void **state)
{
	struct fx *fx = *state;
	struct gr_scim_reply r;
	char ids[5][64];
	const char *sorted[5];
	int i, j;

	for (i = 0; i < 5; i++) {
		char u[64];

		snprintf(u, sizeof(u), "user%d@corp.example", i);
		make_user(fx, u, ids[i]);
		sorted[i] = ids[i];
	}
	for (i = 1; i < 5; i++)
		for (j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
			const char *t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	/* count above max_results (3) is cut to it; order is by id, stable across pages. */
	{
		struct gr_scim_query q = { .count = "100" };

		assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 200);
		assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 5);
		assert_int_equal(json_integer_value(json_object_get(r.body, "itemsPerPage")), 3);
		for (i = 0; i < 3; i++)
			assert_string_equal(s(json_array_get(json_object_get(r.body, "Resources"), (size_t)i), "id"),
					    sorted[i]);
		gr_scim_reply_clear(&r);
		q.start_index = "4";
		q.count = "3";
		assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 200);
		assert_int_equal(json_integer_value(json_object_get(r.body, "startIndex")), 4);
		assert_int_equal(json_array_size(json_object_get(r.body, "Resources")), 2);
		assert_string_equal(s(json_array_get(json_object_get(r.body, "Resources"), 0), "id"), sorted[3]);
		gr_scim_reply_clear(&r);
		q.start_index = "x";
		assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 400);
		gr_scim_reply_clear(&r);
		/* A negative count is 0 and a startIndex below 1 is 1 (RFC 7644 3.4.2.4). */
		q.start_index = "-5";
		q.count = "-1";
		assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 200);
		assert_int_equal(json_integer_value(json_object_get(r.body, "startIndex")), 1);
		assert_int_equal(json_array_size(json_object_get(r.body, "Resources")), 0);
		gr_scim_reply_clear(&r);
		/* count=0: only the total. */
		q.start_index = NULL;
		q.count = "0";
		assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 200);
		assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 5);
		assert_int_equal(json_array_size(json_object_get(r.body, "Resources")), 0);
		gr_scim_reply_clear(&r);
	}
	/* A walked filter and attribute projection. */
	{
		struct gr_scim_query q = { .filter = "userName sw \"USER1\" or userName ew \"4@corp.example\"",
					   .attributes = "userName" };
		json_t *res;

		assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 200);
		assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 2);
		res = json_array_get(json_object_get(r.body, "Resources"), 0);
		assert_non_null(json_object_get(res, "id"));
		assert_non_null(json_object_get(res, "userName"));
		assert_null(json_object_get(res, "name"));
		assert_null(json_object_get(res, "meta"));
		gr_scim_reply_clear(&r);
	}
	assert_int_equal(call(fx, "GET", "Users", "userName eq", NULL, &r), 400);
	assert_error(&r, 400, "invalidFilter");
	gr_scim_reply_clear(&r);
}

/* The page cache follows every change, made here or by another writer. */
static void test_list_cache(void **state)
{
	struct fx *fx = *state;
	struct gr_scim_list_cache cache[2] = { 0 };
	struct gr_scim_query q = { .count = "100" };
	struct gr_scim_reply r;
	struct gr_err err = { 0 };
	char a[64], b[64];

	fx->svc.cache = cache;
	make_user(fx, "a@corp.example", a);
	assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 1);
	gr_scim_reply_clear(&r);
	assert_non_null(cache[0].ids);
	/* A second page of the same generation comes from the cache, and says the same. */
	assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 1);
	assert_string_equal(s(json_array_get(json_object_get(r.body, "Resources"), 0), "id"), a);
	gr_scim_reply_clear(&r);
	/* A change through SCIM moves the generation: the new user is listed. */
	make_user(fx, "b@corp.example", b);
	assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 2);
	gr_scim_reply_clear(&r);
	/* So does one by another writer (the CLI, an import). */
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_user_delete(fx->st, "okta", a, &err), &err);
	tu_commit(fx->st);
	assert_int_equal(callq(fx, "GET", "Users", &q, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 1);
	assert_string_equal(s(json_array_get(json_object_get(r.body, "Resources"), 0), "id"), b);
	gr_scim_reply_clear(&r);
	/* Groups have their own entry. */
	assert_int_equal(callq(fx, "GET", "Groups", &q, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 0);
	gr_scim_reply_clear(&r);
	fx->svc.cache = NULL;
	gr_scim_list_cache_clear(&cache[0]);
	gr_scim_list_cache_clear(&cache[1]);
}

static void test_bad_requests_change_nothing(void **state)
{
	struct fx *fx = *state;
	struct gr_scim_reply r;
	char *before, *after;

	before = tu_dump(fx->st, NULL);
	assert_int_equal(call(fx, "POST", "Users", NULL, "{not json", &r), 400);
	assert_error(&r, 400, "invalidSyntax");
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "POST", "Users", NULL, "[1,2]", &r), 400);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "POST", "Users", NULL, "{\"displayName\":\"no userName\"}", &r), 400);
	assert_error(&r, 400, "invalidValue");
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "POST", "Users", NULL, "{\"userName\":\"a\",\"userName\":\"b\"}", &r), 400);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "PATCH", "Users/nope", NULL, "{\"Operations\":[]}", &r), 404);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "DELETE", "Users", NULL, NULL, &r), 405);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "GET", "Users/a/b", NULL, NULL, &r), 404);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "GET", "Nope", NULL, NULL, &r), 404);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "POST", "ServiceProviderConfig", NULL, "{}", &r), 405);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "POST", "Bulk", NULL, "{}", &r), 501);
	assert_error(&r, 501, NULL);
	gr_scim_reply_clear(&r);
	after = tu_dump(fx->st, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* users = yes with one uid: the second user is refused, clearly, and nothing of it stays. */
static void test_uid_range_used_up(void **state)
{
	struct fx *fx = *state;
	struct gr_scim_reply r;
	struct gr_err err = { 0 };
	char id[128], *before, *after;

	gr_store_close(fx->st);
	tu_teardown(&env);
	tu_setup(&env, "users = yes\nuid_min = 300000\nuid_max = 300000\nlogin_domains = example.com");
	fx->st = tu_open(&env);
	fx->svc.st = fx->st;
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_dir_create(fx->st, "okta", &err), &err);
	tu_commit(fx->st);
	make_user(fx, "alice@example.com", id);
	before = tu_dump(fx->st, NULL);
	assert_int_equal(call(fx, "POST", "Users", NULL,
			      "{\"schemas\":[\"" USER_URN "\"],\"userName\":\"bob@example.com\"}", &r),
			 409);
	assert_error(&r, 409, NULL);
	assert_non_null(strstr(s(r.body, "detail"), "uid_min..uid_max (300000..300000) is used up"));
	gr_scim_reply_clear(&r);
	after = tu_dump(fx->st, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_discovery(void **state)
{
	struct fx *fx = *state;
	struct gr_scim_reply r;

	assert_int_equal(call(fx, "GET", "ServiceProviderConfig", NULL, NULL, &r), 200);
	assert_true(json_is_true(json_object_get(json_object_get(r.body, "patch"), "supported")));
	assert_true(json_is_false(json_object_get(json_object_get(r.body, "bulk"), "supported")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r.body, "filter"), "maxResults")), 3);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "GET", "ResourceTypes", NULL, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "totalResults")), 2);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "GET", "ResourceTypes/User", NULL, NULL, &r), 200);
	assert_string_equal(s(json_array_get(json_object_get(r.body, "schemaExtensions"), 0), "schema"),
			    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "GET", "Schemas/" USER_URN, NULL, NULL, &r), 200);
	assert_string_equal(s(r.body, "id"), USER_URN);
	gr_scim_reply_clear(&r);
	assert_int_equal(call(fx, "GET", "Schemas/urn:nope", NULL, NULL, &r), 404);
	gr_scim_reply_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_okta_user_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_and_membership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_paging_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uid_range_used_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discovery, setup, teardown),
	};
	return cmocka_run_group_tests_name("scim service", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Bearer tokens: what is stored (never the secret), what verifies (only
 * the exact live token of the right kind), listing, revocation, expiry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/records.h"
#include "store/tokens.h"
#include "testutil.h"

static struct tu_env env;

static int setup(void **state)
{
	struct gr_store *st;
	struct gr_err err = { 0 };

	tu_setup(&env, NULL);
	st = tu_open(&env);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_dir_create(st, "okta", &err), &err);
	tu_assert_ok(gr_dir_create(st, "entra", &err), &err);
	tu_commit(st);
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	gr_store_close(*state);
	tu_teardown(&env);
	return 0;
}

static void create(struct gr_store *st, enum gr_token_kind kind, const char *dir,
		   const char *const *scopes, size_t n, long long expires, char *token, char *id)
{
	struct gr_err err = { 0 };

	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_token_create(st, kind, dir, scopes, n, expires, "rotation 1", 1000, token, id,
				     &err), &err);
	tu_commit(st);
}

static void test_scim_token(void **state)
{
	struct gr_store *st = *state;
	char token[GR_TOKEN_MAX], id[GR_TOKEN_ID_LEN + 1], bad[GR_TOKEN_MAX];
	struct gr_err err = { 0 };
	json_t *rec = NULL;
	char *dump;

	create(st, GR_TOKEN_SCIM, "okta", NULL, 0, 0, token, id);
	assert_int_equal(strlen(token), 4 + 16 + 1 + 64);
	assert_memory_equal(token, "grs_", 4);
	assert_memory_equal(token + 4, id, 16);
	/* The secret is nowhere in the database. */
	dump = tu_dump(st, NULL);
	assert_null(strstr(dump, token + 21));
	assert_non_null(strstr(dump, id));
	free(dump);
	/* It verifies, and says which directory it reaches. */
	assert_int_equal(gr_store_read_lock(st, &err), 0);
	assert_int_equal(gr_token_verify(st, token, 2000, &rec, &err), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "directory")), "okta");
	assert_string_equal(json_string_value(json_object_get(rec, "kind")), "scim");
	assert_null(json_object_get(rec, "hash"));
	json_decref(rec);
	/* One changed secret digit, a changed kind, a truncation: all one answer. */
	strcpy(bad, token);
	bad[40] = bad[40] == '0' ? '1' : '0';
	assert_int_equal(gr_token_verify(st, bad, 2000, &rec, &err), -EACCES);
	strcpy(bad, token);
	bad[2] = 'a';
	assert_int_equal(gr_token_verify(st, bad, 2000, &rec, &err), -EACCES);
	strcpy(bad, token);
	bad[strlen(bad) - 1] = '\0';
	assert_int_equal(gr_token_verify(st, bad, 2000, &rec, &err), -EACCES);
	assert_int_equal(gr_token_verify(st, "", 2000, &rec, &err), -EACCES);
	assert_int_equal(gr_token_verify(st, NULL, 2000, &rec, &err), -EACCES);
	strcpy(bad, token);
	bad[5] = 'Z';
	assert_int_equal(gr_token_verify(st, bad, 2000, &rec, &err), -EACCES);
	assert_null(rec);
	gr_store_read_unlock(st);
}

static void test_rotation_and_revocation(void **state)
{
	struct gr_store *st = *state;
	char t1[GR_TOKEN_MAX], t2[GR_TOKEN_MAX], id1[20], id2[20];
	struct gr_err err = { 0 };
	json_t *rec = NULL, *list = NULL;

	create(st, GR_TOKEN_SCIM, "okta", NULL, 0, 0, t1, id1);
	create(st, GR_TOKEN_SCIM, "okta", NULL, 0, 0, t2, id2);
	assert_string_not_equal(id1, id2);
	assert_string_not_equal(t1, t2);
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	assert_int_equal(gr_token_verify(st, t1, 2000, &rec, &err), 0);
	json_decref(rec);
	assert_int_equal(gr_token_verify(st, t2, 2000, &rec, &err), 0);
	json_decref(rec);
	tu_assert_ok(gr_token_list(st, "okta", &list, &err), &err);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")),
			    strcmp(id1, id2) < 0 ? id1 : id2);
	assert_null(json_object_get(json_array_get(list, 0), "hash"));
	json_decref(list);
	tu_assert_ok(gr_token_list(st, "entra", &list, &err), &err);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	gr_store_read_unlock(st);
	/* Revoking one leaves the other working. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_token_revoke(st, id1, &err), &err);
	tu_assert_fails(gr_token_revoke(st, id1, &err), &err, -GR_E_NOTFOUND, "no token");
	tu_assert_fails(gr_token_revoke(st, "xyz", &err), &err, -GR_E_INVALID, "hex digits");
	tu_commit(st);
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	assert_int_equal(gr_token_verify(st, t1, 2000, &rec, &err), -EACCES);
	assert_int_equal(gr_token_verify(st, t2, 2000, &rec, &err), 0);
	json_decref(rec);
	gr_store_read_unlock(st);
	/* Deleting the directory's tokens. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_token_revoke_directory(st, "okta", &err), &err);
	tu_commit(st);
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	assert_int_equal(gr_token_verify(st, t2, 2000, &rec, &err), -EACCES);
	gr_store_read_unlock(st);
}

static void test_expiry_and_api(void **state)
{
	struct gr_store *st = *state;
	static const char *const scopes[] = { "read:roles", "create:group_roles" };
	char t[GR_TOKEN_MAX], id[20];
	struct gr_err err = { 0 };
	json_t *rec = NULL;

	create(st, GR_TOKEN_API, NULL, scopes, 2, 5000, t, id);
	assert_memory_equal(t, "gra_", 4);
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	assert_int_equal(gr_token_verify(st, t, 4999, &rec, &err), 0);
	assert_int_equal(json_array_size(json_object_get(rec, "scopes")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(rec, "scopes"), 1)),
			    "create:group_roles");
	json_decref(rec);
	assert_int_equal(gr_token_verify(st, t, 5000, &rec, &err), -EACCES); /* expiry is exclusive */
	gr_store_read_unlock(st);
}

static void test_refusals(void **state)
{
	struct gr_store *st = *state;
	static const char *const bad_scopes[] = { "read roles" };
	char t[GR_TOKEN_MAX], id[20];
	struct gr_err err = { 0 };
	char *before = tu_dump(st, "meta"), *after;

	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_fails(gr_token_create(st, GR_TOKEN_SCIM, "nope", NULL, 0, 0, NULL, 1000, t, id, &err),
			&err, -GR_E_NOTFOUND, "no directory nope");
	tu_assert_fails(gr_token_create(st, GR_TOKEN_API, NULL, NULL, 0, 0, NULL, 1000, t, id, &err),
			&err, -GR_E_INVALID, "1 to 64 scopes");
	tu_assert_fails(gr_token_create(st, GR_TOKEN_API, NULL, bad_scopes, 1, 0, NULL, 1000, t, id,
					&err), &err, -GR_E_INVALID, "scope 1");
	tu_assert_fails(gr_token_create(st, GR_TOKEN_SCIM, "okta", NULL, 0, 999, NULL, 1000, t, id,
					&err), &err, -GR_E_INVALID, "in the past");
	tu_assert_fails(gr_token_create(st, GR_TOKEN_SCIM, "okta", NULL, 0, 0, "a\nb", 1000, t, id,
					&err), &err, -GR_E_INVALID, "control characters");
	gr_store_cancel(st);
	after = tu_dump(st, "meta");
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_true(gr_token_valid_scope("read:group_members"));
	assert_false(gr_token_valid_scope("read:"));
	assert_false(gr_token_valid_scope(":x"));
	assert_false(gr_token_valid_scope("a:b:c"));
	assert_false(gr_token_valid_scope("READ:x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scim_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_and_revocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_and_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};
	return cmocka_run_group_tests_name("tokens", tests, NULL, NULL);
}

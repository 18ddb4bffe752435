/* SPDX-License-Identifier: MIT */
/*
 * The user -> groups index (lib/store/ugroups.c): fixed-size chunks that a
 * membership change rewrites in place, never a record that grows.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/ugroups.h"
#include "testutil.h"

struct fx {
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	tu_setup(&fx->env, NULL);
	fx->st = tu_open(&fx->env);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	gr_store_close(fx->st);
	tu_teardown(&fx->env);
	free(fx);
	return 0;
}

static void gid(char *buf, size_t len, unsigned i)
{
	snprintf(buf, len, "6f1c2a8e-0000-4000-8000-%012u", i);
}

/* Directory "d" with user u1 and groups 0..N-1, u1 a member of each. */
static void world(struct fx *fx, unsigned n)
{
	char id[64];
	unsigned i;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "d", &fx->err), &fx->err);
	{
		json_t *u = tu_user("u1", "u1@example.com", true);

		tu_assert_ok(gr_user_put(fx->st, "d", u, NULL, &fx->err), &fx->err);
		json_decref(u);
	}
	for (i = 0; i < n; i++) {
		const char *members[] = { "u1" };
		char name[32];
		json_t *g;

		gid(id, sizeof(id), i);
		snprintf(name, sizeof(name), "group %u", i);
		g = tu_group(id, name, members, 1);
		tu_assert_ok(gr_group_put(fx->st, "d", g, 0, &fx->err), &fx->err);
		json_decref(g);
	}
	tu_commit(fx->st);
}

/* How many chunks u1 has; each must be exactly GR_UG_CHUNK bytes. */
static unsigned chunks(struct fx *fx)
{
	char key[64], buf[GR_UG_CHUNK + 64];
	unsigned n;

	for (n = 0;; n++) {
		if (n)
			snprintf(key, sizeof(key), "ug/d/u1/%u", n);
		else
			snprintf(key, sizeof(key), "ug/d/u1");
		if (gr_store_get_str(fx->st, key, buf, sizeof(buf), NULL) == -GR_E_NOTFOUND)
			return n;
		assert_int_equal(strlen(buf), GR_UG_CHUNK);
	}
}

static json_t *groups_of_u1(struct fx *fx)
{
	json_t *u = NULL, *g;

	tu_assert_ok(gr_user_get(fx->st, "d", "u1", &u, &fx->err), &fx->err);
	g = json_incref(json_object_get(u, "groups"));
	json_decref(u);
	return g;
}

static void test_chunks(void **state)
{
	struct fx *fx = *state;
	char id[64], *before, *after;
	json_t *g, *u = NULL;
	unsigned i;

	world(fx, 40);
	/* 14 UUIDs fit a chunk: 40 take three, all the same size. */
	assert_int_equal(chunks(fx), 3);
	g = groups_of_u1(fx);
	assert_int_equal(json_array_size(g), 40);
	for (i = 0; i < 40; i++) {
		gid(id, sizeof(id), i);
		assert_string_equal(json_string_value(json_array_get(g, i)), id);
	}
	json_decref(g);

	/* The user's own record does not change with its memberships. */
	tu_assert_ok(gr_store_get_json(fx->st, "user/d/u1", &u, &fx->err), &fx->err);
	assert_null(json_object_get(u, "groups"));
	before = json_dumps(u, JSON_SORT_KEYS);
	json_decref(u);

	/* Leaving 20 groups compacts to two chunks, in the same order. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	for (i = 0; i < 40; i += 2) {
		json_t *grp;

		gid(id, sizeof(id), i);
		grp = tu_group(id, "x", NULL, 0);
		json_object_set_new(grp, "displayName", json_sprintf("group %u", i));
		tu_assert_ok(gr_group_put(fx->st, "d", grp, 0, &fx->err), &fx->err);
		json_decref(grp);
	}
	tu_commit(fx->st);
	assert_int_equal(chunks(fx), 2);
	g = groups_of_u1(fx);
	assert_int_equal(json_array_size(g), 20);
	gid(id, sizeof(id), 1);
	assert_string_equal(json_string_value(json_array_get(g, 0)), id);
	gid(id, sizeof(id), 39);
	assert_string_equal(json_string_value(json_array_get(g, 19)), id);
	json_decref(g);
	tu_assert_ok(gr_store_get_json(fx->st, "user/d/u1", &u, &fx->err), &fx->err);
	after = json_dumps(u, JSON_SORT_KEYS);
	json_decref(u);
	assert_string_equal(before, after);
	free(before);
	free(after);

	/* Deleting the user leaves no chunk behind. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_user_delete(fx->st, "d", "u1", &fx->err), &fx->err);
	tu_commit(fx->st);
	assert_int_equal(chunks(fx), 0);
}

/* Ids may hold '"' and '\\' (gr_valid_id): escaped, they still round-trip. */
static void test_escaped_ids(void **state)
{
	struct fx *fx = *state;
	char quotes[256];
	json_t *g, *want;
	size_t n;

	world(fx, 3);
	memset(quotes, '"', 255);
	quotes[255] = '\0';
	want = json_pack("[s,s,s,s,s]", "6f1c2a8e-0000-4000-8000-000000000000",
			 "6f1c2a8e-0000-4000-8000-000000000001", "6f1c2a8e-0000-4000-8000-000000000002",
			 quotes, "a\\b\"c");
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_ugroups_change(fx->st, "d", "u1", quotes, true, &fx->err), &fx->err);
	tu_assert_ok(gr_ugroups_change(fx->st, "d", "u1", "a\\b\"c", true, &fx->err), &fx->err);
	/* Adding again changes nothing. */
	tu_assert_ok(gr_ugroups_change(fx->st, "d", "u1", quotes, true, &fx->err), &fx->err);
	tu_commit(fx->st);
	g = NULL;
	tu_assert_ok(gr_ugroups_get(fx->st, "d", "u1", &g, &n, &fx->err), &fx->err);
	assert_true(json_equal(g, want));
	/* 512 bytes of escaped quotes cannot share a chunk with three UUIDs. */
	assert_int_equal(n, 2);
	assert_int_equal(chunks(fx), 2);
	json_decref(g);
	json_decref(want);
}

/* A schema 1 database (groups inline): read as it is, upgraded by a writer. */
static void test_upgrade(void **state)
{
	struct fx *fx = *state;
	json_t *v = NULL, *g;
	char buf[GR_UG_CHUNK + 1];

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	v = json_pack("{s:i}", "version", 1);
	tu_assert_ok(gr_store_put_json(fx->st, "schema", v, &fx->err), &fx->err);
	json_decref(v);
	tu_assert_ok(gr_dir_create(fx->st, "d", &fx->err), &fx->err);
	v = json_pack("{s:s,s:s,s:b,s:[s,s]}", "id", "u1", "userName", "u1@example.com", "active",
		      1, "groups", "g1", "g2");
	tu_assert_ok(gr_store_put_json(fx->st, "user/d/u1", v, &fx->err), &fx->err);
	json_decref(v);
	tu_commit(fx->st);
	gr_store_close(fx->st);

	/* A reader leaves it alone and still sees the groups. */
	tu_assert_ok(gr_store_open(&fx->env.cfg, GR_STORE_READ, &fx->st, &fx->err), &fx->err);
	g = groups_of_u1(fx);
	assert_int_equal(json_array_size(g), 2);
	json_decref(g);
	tu_assert_ok(gr_store_get_json(fx->st, "schema", &v, &fx->err), &fx->err);
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 1);
	json_decref(v);
	gr_store_close(fx->st);

	/* A writer moves them into chunks and stamps schema 2, in one commit. */
	tu_assert_ok(gr_store_open(&fx->env.cfg, GR_STORE_WRITE, &fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_store_get_json(fx->st, "schema", &v, &fx->err), &fx->err);
	assert_int_equal(json_integer_value(json_object_get(v, "version")), GR_SCHEMA_VERSION);
	json_decref(v);
	tu_assert_ok(gr_store_get_json(fx->st, "user/d/u1", &v, &fx->err), &fx->err);
	assert_null(json_object_get(v, "groups"));
	json_decref(v);
	tu_assert_ok(gr_store_get_str(fx->st, "ug/d/u1", buf, sizeof(buf), &fx->err), &fx->err);
	assert_int_equal(strlen(buf), GR_UG_CHUNK);
	assert_memory_equal(buf, "[\"g1\",\"g2\"] ", 12);
	g = groups_of_u1(fx);
	v = json_pack("[s,s]", "g1", "g2");
	assert_true(json_equal(g, v));
	json_decref(g);
	json_decref(v);
}

/* u1's chunk N as stored (GR_UG_CHUNK bytes), into BUF. */
static void chunk_bytes(struct fx *fx, unsigned n, char *buf, size_t len)
{
	char key[64];

	if (n)
		snprintf(key, sizeof(key), "ug/d/u1/%u", n);
	else
		snprintf(key, sizeof(key), "ug/d/u1");
	tu_assert_ok(gr_store_get_str(fx->st, key, buf, len, &fx->err), &fx->err);
	assert_int_equal(strlen(buf), GR_UG_CHUNK);
}

/*
 * The last chunk ends in a newline, the others in a space; a reader stops
 * at the mark (a chunk past it is not read) and, without one, goes on
 * looking, as it did before the mark existed.
 */
static void test_last_chunk_mark(void **state)
{
	struct fx *fx = *state;
	char buf[GR_UG_CHUNK + 64];
	json_t *g;

	world(fx, 20); /* two chunks: 14 + 6 */
	chunk_bytes(fx, 0, buf, sizeof(buf));
	assert_int_equal(buf[GR_UG_CHUNK - 1], ' ');
	chunk_bytes(fx, 1, buf, sizeof(buf));
	assert_int_equal(buf[GR_UG_CHUNK - 1], '\n');

	/* A chunk past the marked one is never read. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_store_put_str(fx->st, "ug/d/u1/2", "[\"stray\"]", &fx->err), &fx->err);
	tu_commit(fx->st);
	g = groups_of_u1(fx);
	assert_int_equal(json_array_size(g), 20);
	json_decref(g);

	/* Unmarked (as a file written before the mark): the reader looks further. */
	chunk_bytes(fx, 1, buf, sizeof(buf));
	buf[GR_UG_CHUNK - 1] = ' ';
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_store_put_str(fx->st, "ug/d/u1/1", buf, &fx->err), &fx->err);
	tu_commit(fx->st);
	g = groups_of_u1(fx);
	assert_int_equal(json_array_size(g), 21);
	assert_string_equal(json_string_value(json_array_get(g, 20)), "stray");
	json_decref(g);

	/* A change rewrites the chunks, marked again, and removes the third. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_ugroups_change(fx->st, "d", "u1", "stray", false, &fx->err), &fx->err);
	tu_commit(fx->st);
	assert_int_equal(chunks(fx), 2);
	chunk_bytes(fx, 1, buf, sizeof(buf));
	assert_int_equal(buf[GR_UG_CHUNK - 1], '\n');
}

/*
 * In a batch, a cancelled unit's membership change is undone from the
 * chunk's value as the change read it: every byte comes back, and a user
 * who had no chunk has none again.
 */
static void test_cancelled_change_in_batch(void **state)
{
	struct fx *fx = *state;
	char before[GR_UG_CHUNK + 64], after[GR_UG_CHUNK + 64];
	json_t *u = tu_user("u2", "u2@example.com", true);

	world(fx, 3);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_user_put(fx->st, "d", u, NULL, &fx->err), &fx->err);
	tu_commit(fx->st);
	json_decref(u);
	chunk_bytes(fx, 0, before, sizeof(before));

	tu_assert_ok(gr_store_batch_begin(fx->st, &fx->err), &fx->err);
	/* A committed unit first, so that the batch commits (and the undo is what counts). */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_store_put_str(fx->st, "t/other", "unit 1", &fx->err), &fx->err);
	tu_commit(fx->st);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_ugroups_change(fx->st, "d", "u1", "g-new", true, &fx->err), &fx->err);
	tu_assert_ok(gr_ugroups_change(fx->st, "d", "u2", "g-new", true, &fx->err), &fx->err);
	chunk_bytes(fx, 0, after, sizeof(after));
	assert_string_not_equal(before, after);
	gr_store_cancel(fx->st);
	tu_assert_ok(gr_store_batch_end(fx->st, &fx->err), &fx->err);

	chunk_bytes(fx, 0, after, sizeof(after));
	assert_string_equal(before, after);
	assert_false(gr_store_exists(fx->st, "ug/d/u2"));
	assert_true(gr_store_exists(fx->st, "t/other"));
	/* Not a user: refused, nothing written. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_fails(gr_ugroups_change(fx->st, "d", "nobody", "g-new", true, &fx->err), &fx->err,
			-GR_E_INVALID, "not a user");
	gr_store_cancel(fx->st);
	assert_false(gr_store_exists(fx->st, "ug/d/nobody"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaped_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_chunk_mark, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancelled_change_in_batch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

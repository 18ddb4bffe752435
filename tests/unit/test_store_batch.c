/* SPDX-License-Identifier: MIT */
/*
 * Group commit (lib/store/batch.c): units inside one libtdb transaction, a
 * cancelled unit undone without touching the others, one sync for all, and
 * nothing of an unfinished batch on disk.  Plus the write observer and the
 * pre-commit hook (store = ldap's writer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "testutil.h"

static int fx_setup(void **state)
{
	struct tu_env *env = calloc(1, sizeof(*env));

	assert_non_null(env);
	tu_setup(env, NULL);
	*state = env;
	return 0;
}

static int fx_teardown(void **state)
{
	tu_teardown(*state);
	free(*state);
	return 0;
}

static void put(struct gr_store *st, const char *key, const char *val)
{
	struct gr_err err = { 0 };

	tu_assert_ok(gr_store_put_str(st, key, val, &err), &err);
}

static void del(struct gr_store *st, const char *key)
{
	struct gr_err err = { 0 };

	tu_assert_ok(gr_store_del(st, key, &err), &err);
}

/* KEY's value, or "(absent)". */
static const char *get(struct gr_store *st, const char *key)
{
	static char buf[256];
	struct gr_err err = { 0 };
	int r = gr_store_get_str(st, key, buf, sizeof(buf), &err);

	if (r == -GR_E_NOTFOUND)
		return "(absent)";
	tu_assert_ok(r, &err);
	return buf;
}

static uint64_t generation(struct gr_store *st)
{
	struct gr_err err = { 0 };
	uint64_t g = 0;

	tu_assert_ok(gr_store_generation(st, &g, &err), &err);
	return g;
}

static void begin(struct gr_store *st)
{
	struct gr_err err = { 0 };

	tu_assert_ok(gr_store_begin(st, &err), &err);
}

static void commit(struct gr_store *st)
{
	struct gr_err err = { 0 };

	tu_assert_ok(gr_store_commit(st, &err), &err);
}

/* A store holding a=1, b=2 (committed). */
static struct gr_store *seeded(struct tu_env *env)
{
	struct gr_store *st = tu_open(env);

	begin(st);
	put(st, "t/a", "1");
	put(st, "t/b", "2");
	commit(st);
	return st;
}

static struct gr_store *reopen(struct tu_env *env, struct gr_store *st)
{
	gr_store_close(st);
	return tu_open(env);
}

static void test_units_commit_together(void **state)
{
	struct tu_env *env = *state;
	struct gr_store *st = seeded(env);
	struct gr_err err = { 0 };
	uint64_t g0 = generation(st);

	tu_assert_ok(gr_store_batch_begin(st, &err), &err);
	assert_true(gr_store_in_batch(st));
	begin(st);
	put(st, "t/a", "10");
	commit(st);
	begin(st);
	/* The second unit sees the first one's change, without a read lock. */
	assert_string_equal(get(st, "t/a"), "10");
	put(st, "t/c", "3");
	commit(st);
	assert_int_equal(generation(st), g0 + 2);
	tu_assert_ok(gr_store_batch_end(st, &err), &err);
	assert_false(gr_store_in_batch(st));

	st = reopen(env, st);
	assert_string_equal(get(st, "t/a"), "10");
	assert_string_equal(get(st, "t/c"), "3");
	assert_int_equal(generation(st), g0 + 2);
	gr_store_close(st);
}

static void test_cancelled_unit_is_undone_alone(void **state)
{
	struct tu_env *env = *state;
	struct gr_store *st = seeded(env);
	struct gr_err err = { 0 };
	uint64_t g0 = generation(st);

	tu_assert_ok(gr_store_batch_begin(st, &err), &err);
	begin(st);
	put(st, "t/x", "kept");
	commit(st);
	/* This unit replaces, deletes, creates and rewrites keys, then cancels. */
	begin(st);
	put(st, "t/a", "changed");
	put(st, "t/a", "changed again");
	del(st, "t/b");
	put(st, "t/new", "n");
	del(st, "t/x");
	put(st, "t/x", "overwritten");
	gr_store_cancel(st);
	assert_false(gr_store_in_transaction(st));
	assert_string_equal(get(st, "t/a"), "1");
	assert_string_equal(get(st, "t/b"), "2");
	assert_string_equal(get(st, "t/new"), "(absent)");
	assert_string_equal(get(st, "t/x"), "kept");
	/* A third unit goes on after the cancelled one. */
	begin(st);
	put(st, "t/y", "after");
	commit(st);
	tu_assert_ok(gr_store_batch_end(st, &err), &err);

	st = reopen(env, st);
	assert_string_equal(get(st, "t/a"), "1");
	assert_string_equal(get(st, "t/b"), "2");
	assert_string_equal(get(st, "t/new"), "(absent)");
	assert_string_equal(get(st, "t/x"), "kept");
	assert_string_equal(get(st, "t/y"), "after");
	assert_int_equal(generation(st), g0 + 2);
	gr_store_close(st);
}

static void test_batch_without_commits_changes_nothing(void **state)
{
	struct tu_env *env = *state;
	struct gr_store *st = seeded(env);
	struct gr_err err = { 0 };
	uint64_t g0 = generation(st);

	tu_assert_ok(gr_store_batch_begin(st, &err), &err);
	/* Reads need no lock inside a batch and do not fail. */
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	assert_string_equal(get(st, "t/a"), "1");
	gr_store_read_unlock(st);
	begin(st);
	put(st, "t/a", "nope");
	gr_store_cancel(st);
	/* A unit still open at the end does not count either. */
	begin(st);
	put(st, "t/b", "open");
	tu_assert_ok(gr_store_batch_end(st, &err), &err);
	assert_false(gr_store_in_transaction(st));
	assert_string_equal(get(st, "t/a"), "1");
	assert_string_equal(get(st, "t/b"), "2");
	assert_int_equal(generation(st), g0);
	gr_store_close(st);
}

/* A batch that never ended (the process died) left nothing on disk. */
static void test_unended_batch_leaves_nothing(void **state)
{
	struct tu_env *env = *state;
	struct gr_store *st = seeded(env);
	struct gr_err err = { 0 };
	uint64_t g0 = generation(st);

	tu_assert_ok(gr_store_batch_begin(st, &err), &err);
	begin(st);
	put(st, "t/a", "committed unit, unended batch");
	commit(st);
	st = reopen(env, st);
	assert_string_equal(get(st, "t/a"), "1");
	assert_int_equal(generation(st), g0);
	gr_store_close(st);
}

static void test_batch_refuses_nesting(void **state)
{
	struct tu_env *env = *state;
	struct gr_store *st = seeded(env);
	struct gr_err err = { 0 };

	begin(st);
	tu_assert_fails(gr_store_batch_begin(st, &err), &err, -EBUSY, "already active");
	gr_store_cancel(st);
	tu_assert_ok(gr_store_batch_begin(st, &err), &err);
	tu_assert_fails(gr_store_batch_begin(st, &err), &err, -EBUSY, "already active");
	begin(st);
	tu_assert_fails(gr_store_begin(st, &err), &err, -EBUSY, "already active");
	gr_store_cancel(st);
	tu_assert_ok(gr_store_batch_end(st, &err), &err);
	tu_assert_fails(gr_store_batch_end(st, &err), &err, -EINVAL, "no batch");
	gr_store_close(st);
}

struct seen {
	char log[1024];
	int commits;
};

static void observer(void *ctx, enum gr_store_event ev, const char *key)
{
	struct seen *s = ctx;
	size_t n = strlen(s->log);

	if (ev == GR_STORE_EV_COMMIT) {
		s->commits++;
		snprintf(s->log + n, sizeof(s->log) - n, "commit;");
	} else {
		snprintf(s->log + n, sizeof(s->log) - n, "%s;", key);
	}
}

static void test_observer_sees_writes_and_commits(void **state)
{
	struct tu_env *env = *state;
	struct gr_store *st = seeded(env);
	struct gr_err err = { 0 };
	struct seen s = { "", 0 };

	gr_store_observe(st, observer, &s);
	begin(st);
	put(st, "t/a", "5");
	del(st, "t/b");
	commit(st);
	assert_string_equal(s.log, "t/a;t/b;meta;commit;");
	s.log[0] = '\0';
	tu_assert_ok(gr_store_batch_begin(st, &err), &err);
	begin(st);
	put(st, "t/c", "1");
	gr_store_cancel(st);
	begin(st);
	put(st, "t/d", "1");
	commit(st);
	tu_assert_ok(gr_store_batch_end(st, &err), &err);
	/* A cancelled unit's writes are reported too; only the committed unit counts. */
	assert_string_equal(s.log, "t/c;t/d;meta;commit;");
	assert_int_equal(s.commits, 2);
	gr_store_observe(st, NULL, NULL);
	gr_store_close(st);
}

/* A pre-commit hook that records the keys it is given, sorted, and refuses when told to. */
struct hooked {
	char keys[256];
	char seen_a[16]; /* t/a as the hook read it: the new state */
	int calls;
	bool refuse;
};

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int hook(void *ctx, struct gr_store *st, const char *const *keys, size_t n,
		struct gr_err *err)
{
	struct hooked *h = ctx;
	const char *v[16];
	size_t i, len = 0;

	assert_true(n <= 16);
	memcpy(v, keys, n * sizeof(*v));
	qsort(v, n, sizeof(*v), key_cmp);
	h->keys[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(h->keys + len, sizeof(h->keys) - len, "%s;", v[i]);
	snprintf(h->seen_a, sizeof(h->seen_a), "%s", get(st, "t/a"));
	h->calls++;
	return h->refuse ? gr_err_set(err, -GR_E_UNAVAILABLE, "provider down") : 0;
}

static void test_precommit_sees_the_written_keys_and_can_refuse(void **state)
{
	struct tu_env *env = *state;
	struct gr_store *st = seeded(env);
	struct gr_err err = { 0 };
	struct hooked h = { .refuse = false };
	uint64_t g0 = generation(st);

	gr_store_precommit(st, hook, &h);
	/* Puts, and deletes of what existed; a delete of nothing is no change. */
	begin(st);
	put(st, "t/a", "5");
	put(st, "t/a", "6");
	del(st, "t/b");
	del(st, "t/nothing");
	commit(st);
	assert_string_equal(h.keys, "t/a;t/b;");
	assert_string_equal(h.seen_a, "6");
	/* Nothing written: no call. */
	begin(st);
	commit(st);
	assert_int_equal(h.calls, 1);
	/* A refusal cancels: the commit's error, and the store as it was. */
	h.refuse = true;
	begin(st);
	put(st, "t/a", "7");
	assert_int_equal(gr_store_commit(st, &err), -GR_E_UNAVAILABLE);
	assert_string_equal(err.msg, "provider down");
	assert_false(gr_store_in_transaction(st));
	assert_string_equal(get(st, "t/a"), "6");
	assert_int_equal(generation(st), g0 + 2);
	/* A cancelled transaction's keys are not the next one's. */
	h.refuse = false;
	begin(st);
	put(st, "t/z", "1");
	gr_store_cancel(st);
	begin(st);
	put(st, "t/c", "1");
	commit(st);
	assert_string_equal(h.keys, "t/c;");
	gr_store_precommit(st, NULL, NULL);
	st = reopen(env, st);
	assert_string_equal(get(st, "t/a"), "6");
	assert_string_equal(get(st, "t/b"), "(absent)");
	gr_store_close(st);
}

static void test_precommit_refusal_undoes_one_unit_of_a_batch(void **state)
{
	struct tu_env *env = *state;
	struct gr_store *st = seeded(env);
	struct gr_err err = { 0 };
	struct hooked h = { .refuse = false };

	gr_store_precommit(st, hook, &h);
	tu_assert_ok(gr_store_batch_begin(st, &err), &err);
	begin(st);
	put(st, "t/a", "10");
	commit(st);
	assert_string_equal(h.keys, "t/a;");
	h.refuse = true;
	begin(st);
	put(st, "t/a", "11");
	put(st, "t/d", "4");
	assert_int_equal(gr_store_commit(st, &err), -GR_E_UNAVAILABLE);
	assert_string_equal(h.keys, "t/a;t/d;");
	assert_string_equal(h.seen_a, "11");
	h.refuse = false;
	begin(st);
	put(st, "t/e", "5");
	commit(st);
	assert_string_equal(h.keys, "t/e;");
	tu_assert_ok(gr_store_batch_end(st, &err), &err);
	gr_store_precommit(st, NULL, NULL);
	st = reopen(env, st);
	assert_string_equal(get(st, "t/a"), "10");
	assert_string_equal(get(st, "t/d"), "(absent)");
	assert_string_equal(get(st, "t/e"), "5");
	gr_store_close(st);
}

#define FX(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX(test_units_commit_together),
		FX(test_cancelled_unit_is_undone_alone),
		FX(test_batch_without_commits_changes_nothing),
		FX(test_unended_batch_leaves_nothing),
		FX(test_batch_refuses_nesting),
		FX(test_observer_sees_writes_and_commits),
		FX(test_precommit_sees_the_written_keys_and_can_refuse),
		FX(test_precommit_refusal_undoes_one_unit_of_a_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

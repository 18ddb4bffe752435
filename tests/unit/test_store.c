/* SPDX-License-Identifier: MIT */
/*
 * directory.tdb: how it is created, which files it refuses to trust, the
 * schema record, transactions and the generation counter, prefix walks, the
 * read-lock rules, and what a second process sees while a writer works.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"

struct fx {
	struct tu_env env;
	char db[PATH_MAX + 32];
	const void *row; /* table rows: the row, passed in as the initial state */
};

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->row = *state;
	tu_setup(&fx->env, NULL);
	assert_int_equal(gr_config_state_path(&fx->env.cfg, GR_STORE_FILE, fx->db,
					      sizeof(fx->db)), 0);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	tu_teardown(&fx->env);
	free(fx);
	return 0;
}

/* Create the database and close it again. */
static void create_db(struct fx *fx)
{
	gr_store_close(tu_open(&fx->env));
}

static int open_flags(struct fx *fx, unsigned flags, struct gr_store **st, struct gr_err *err)
{
	gr_err_clear(err);
	return gr_store_open(&fx->env.cfg, flags, st, err);
}

/* Raw libtdb access, to forge what the library itself would never write. */
static struct tdb_context *raw_open(const char *path, int flags)
{
	struct tdb_context *tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH, flags, 0600);

	if (!tdb)
		fail_msg("tdb_open %s: %s", path, strerror(errno));
	return tdb;
}

static void raw_store(const char *path, const char *key, const char *val)
{
	struct tdb_context *tdb = raw_open(path, O_RDWR);
	TDB_DATA k = { (unsigned char *)(uintptr_t)key, strlen(key) };
	TDB_DATA v = { (unsigned char *)(uintptr_t)val, strlen(val) };

	assert_int_equal(tdb_store(tdb, k, v, TDB_REPLACE), 0);
	assert_int_equal(tdb_close(tdb), 0);
}

/* The raw value of KEY as a new string, or NULL when absent. */
static char *raw_fetch(const char *path, const char *key)
{
	struct tdb_context *tdb = raw_open(path, O_RDWR);
	TDB_DATA k = { (unsigned char *)(uintptr_t)key, strlen(key) };
	TDB_DATA v = tdb_fetch(tdb, k);
	char *s = NULL;

	if (v.dptr) {
		s = strndup((const char *)v.dptr, v.dsize);
		free(v.dptr);
	}
	assert_int_equal(tdb_close(tdb), 0);
	return s;
}

static bool need_root(void)
{
	if (geteuid() == 0)
		return true;
	if (getenv("CI") && !strcmp(getenv("CI"), "true"))
		fail_msg("CI=true: this test must run as root (it chowns files to another uid)");
	print_message("# SKIP: not root, cannot chown to another uid\n");
	return false;
}

/* ---- creation and the schema record ---- */

static void test_create(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st;
	struct gr_err err;
	struct stat sb;
	json_t *v = NULL;
	uint64_t gen = 0;
	char *raw;

	/* The state directory does not exist yet: CREATE makes it. */
	assert_int_equal(stat(fx->env.state, &sb), -1);
	st = tu_open(&fx->env);
	assert_int_equal(stat(fx->env.state, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 022, 0);
	assert_int_equal(stat(fx->db, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_uid, getuid());

	gr_err_clear(&err);
	tu_assert_ok(gr_store_get_json(st, "schema", &v, &err), &err);
	assert_int_equal(json_integer_value(json_object_get(v, "version")), GR_SCHEMA_VERSION);
	assert_int_equal(json_object_size(v), 1);
	json_decref(v);
	/* Stamping the schema was the first commit. */
	tu_assert_ok(gr_store_generation(st, &gen, &err), &err);
	assert_int_equal(gen, 1);
	assert_false(gr_store_in_transaction(st));
	assert_string_equal(gr_store_config(st)->state_dir, fx->env.state);
	gr_store_close(st);

	/* What is on disk, read without the library. */
	raw = raw_fetch(fx->db, "schema");
	assert_non_null(raw);
	assert_string_equal(raw, "{\"version\":2}");
	free(raw);

	/* An existing database opens with every mode, and is not re-stamped. */
	assert_int_equal(open_flags(fx, GR_STORE_READ, &st, &err), 0);
	tu_assert_ok(gr_store_generation(st, &gen, &err), &err);
	assert_int_equal(gen, 1);
	gr_store_close(st);
	assert_int_equal(open_flags(fx, GR_STORE_WRITE, &st, &err), 0);
	gr_store_close(st);
	st = tu_open(&fx->env);
	tu_assert_ok(gr_store_generation(st, &gen, &err), &err);
	assert_int_equal(gen, 1);
	gr_store_close(st);
}

static void test_missing(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st = (struct gr_store *)&st;
	struct gr_err err;

	/* No state directory. */
	tu_assert_fails(open_flags(fx, GR_STORE_WRITE, &st, &err), &err, -ENOENT,
			fx->env.state);
	assert_null(st);
	/* A state directory without a database: opening does not create one. */
	assert_int_equal(mkdir(fx->env.state, 0700), 0);
	tu_assert_fails(open_flags(fx, GR_STORE_READ, &st, &err), &err, -ENOENT, fx->db);
	tu_assert_fails(open_flags(fx, GR_STORE_WRITE, &st, &err), &err, -ENOENT, fx->db);
	assert_int_equal(access(fx->db, F_OK), -1);
}

struct schema_row {
	const char *name;
	const char *value; /* raw value of the "schema" record */
	int code;
	const char *msg;   /* after "DB: " */
};

static const struct schema_row schema_rows[] = {
	{ "newer schema refused", "{\"version\":99}", -GR_E_SCHEMA,
	  "schema version 99 is newer than this program's (2)" },
	{ "next schema refused", "{\"version\":3}", -GR_E_SCHEMA,
	  "schema version 3 is newer than this program's (2)" },
	{ "schema version 0 refused", "{\"version\":0}", -GR_E_SCHEMA, "unreadable schema record" },
	{ "schema version as a string refused", "{\"version\":\"1\"}", -GR_E_SCHEMA,
	  "unreadable schema record" },
	{ "schema without a version refused", "{}", -GR_E_SCHEMA, "unreadable schema record" },
	{ "schema record that is not JSON refused", "version 1", -GR_E_CORRUPT,
	  "record 'schema' is not JSON" },
};

static void test_schema_row(void **state)
{
	struct fx *fx = *state;
	const struct schema_row *row = fx->row;
	static const unsigned flags[] = { GR_STORE_READ, GR_STORE_WRITE,
					  GR_STORE_WRITE | GR_STORE_CREATE };
	struct gr_store *st;
	struct gr_err err;
	char expect[PATH_MAX + 256], *raw;
	size_t i;

	create_db(fx);
	raw_store(fx->db, "schema", row->value);
	snprintf(expect, sizeof(expect), "%s: %s", fx->db, row->msg);
	/* Refused however it is opened; CREATE must not "repair" it either. */
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		st = NULL;
		tu_assert_fails(open_flags(fx, flags[i], &st, &err), &err, row->code, expect);
		assert_null(st);
	}
	raw = raw_fetch(fx->db, "schema");
	assert_string_equal(raw, row->value);
	free(raw);
}

/* A TDB that is not ours (no schema record) is refused, even with CREATE. */
static void test_foreign_tdb(void **state)
{
	struct fx *fx = *state;
	struct tdb_context *tdb;
	struct gr_store *st = NULL;
	struct gr_err err;
	char expect[PATH_MAX + 64], *raw;

	assert_int_equal(mkdir(fx->env.state, 0755), 0);
	tdb = tdb_open(fx->db, 0, TDB_INCOMPATIBLE_HASH, O_RDWR | O_CREAT, 0600);
	assert_non_null(tdb);
	assert_int_equal(tdb_close(tdb), 0);
	raw_store(fx->db, "secrets/1", "someone else's data");
	snprintf(expect, sizeof(expect), "%s: not a grouprole database", fx->db);
	tu_assert_fails(open_flags(fx, GR_STORE_READ, &st, &err), &err, -GR_E_SCHEMA, expect);
	tu_assert_fails(open_flags(fx, GR_STORE_WRITE, &st, &err), &err, -GR_E_SCHEMA, expect);
	tu_assert_fails(open_flags(fx, GR_STORE_WRITE | GR_STORE_CREATE, &st, &err), &err,
			-GR_E_SCHEMA, expect);
	assert_null(st);
	/* Untouched: no schema stamped into someone else's file. */
	raw = raw_fetch(fx->db, "schema");
	assert_null(raw);
	raw = raw_fetch(fx->db, "secrets/1");
	assert_string_equal(raw, "someone else's data");
	free(raw);
}

/*
 * An empty TDB (a crash between creating the file and stamping it) is not
 * a grouprole database yet, but CREATE may finish the job.
 */
static void test_empty_tdb(void **state)
{
	struct fx *fx = *state;
	struct tdb_context *tdb;
	struct gr_store *st = NULL;
	struct gr_err err;
	char expect[PATH_MAX + 64];
	uint64_t gen;

	assert_int_equal(mkdir(fx->env.state, 0755), 0);
	tdb = tdb_open(fx->db, 0, TDB_INCOMPATIBLE_HASH, O_RDWR | O_CREAT, 0600);
	assert_non_null(tdb);
	assert_int_equal(tdb_close(tdb), 0);
	snprintf(expect, sizeof(expect), "%s: not a grouprole database", fx->db);
	tu_assert_fails(open_flags(fx, GR_STORE_WRITE, &st, &err), &err, -GR_E_SCHEMA, expect);
	st = tu_open(&fx->env);
	tu_assert_ok(gr_store_generation(st, &gen, &err), &err);
	assert_int_equal(gen, 1);
	assert_true(gr_store_exists(st, "schema"));
	gr_store_close(st);
}

/* ---- trust ---- */

enum target { STATE_DIR, DB_FILE };

struct unsafe_row {
	const char *name;
	enum target target;
	mode_t mode;  /* 0: keep */
	uid_t owner;  /* 0: keep */
	const char *msg; /* after "PATH: " */
};

static const struct unsafe_row unsafe_rows[] = {
	{ "group-writable state dir refused", STATE_DIR, 0775, 0,
	  "writable by group or others (mode 0775)" },
	{ "world-writable state dir refused", STATE_DIR, 0757, 0,
	  "writable by group or others (mode 0757)" },
	{ "sticky world-writable state dir refused", STATE_DIR, 01777, 0,
	  "writable by group or others (mode 1777)" },
	{ "group-writable database refused", DB_FILE, 0660, 0,
	  "writable by group or others (mode 0660)" },
	{ "world-writable database refused", DB_FILE, 0606, 0,
	  "writable by group or others (mode 0606)" },
	{ "state dir owned by another uid refused", STATE_DIR, 0, 12345,
	  "owned by uid 12345, not root or the calling user" },
	{ "database owned by another uid refused", DB_FILE, 0, 12345,
	  "owned by uid 12345, not root or the calling user" },
};

static void test_unsafe_row(void **state)
{
	struct fx *fx = *state;
	const struct unsafe_row *row = fx->row;
	static const unsigned flags[] = { GR_STORE_READ, GR_STORE_WRITE,
					  GR_STORE_WRITE | GR_STORE_CREATE };
	struct gr_store *st;
	struct gr_err err;
	char expect[PATH_MAX + 256];
	const char *path;
	size_t i;

	if (row->owner && !need_root()) {
		skip();
		return;
	}
	create_db(fx);
	path = row->target == STATE_DIR ? fx->env.state : fx->db;
	if (row->mode)
		assert_int_equal(chmod(path, row->mode), 0);
	if (row->owner)
		assert_int_equal(chown(path, row->owner, row->owner), 0);
	snprintf(expect, sizeof(expect), "%s: %s", path, row->msg);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		st = NULL;
		tu_assert_fails(open_flags(fx, flags[i], &st, &err), &err, -GR_E_UNSAFE, expect);
		assert_null(st);
	}
}

/* A symlink in place of the database is not followed. */
static void test_symlink_db(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st = NULL;
	struct gr_err err;
	char real[PATH_MAX + 64];

	create_db(fx);
	snprintf(real, sizeof(real), "%s/real.tdb", fx->env.state);
	assert_int_equal(rename(fx->db, real), 0);
	assert_int_equal(symlink(real, fx->db), 0);
	tu_assert_fails(open_flags(fx, GR_STORE_WRITE, &st, &err), &err, -ELOOP, fx->db);
	assert_null(st);
}

/* ---- transactions ---- */

static void test_write_outside_transaction(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st = tu_open(&fx->env);
	struct gr_err err;
	json_t *v = json_pack("{s:i}", "n", 1);
	uint64_t gen;

	gr_err_clear(&err);
	tu_assert_fails(gr_store_put_json(st, "k/1", v, &err), &err, -EINVAL,
			"write of 'k/1' outside a transaction");
	tu_assert_fails(gr_store_put_str(st, "k/2", "x", &err), &err, -EINVAL,
			"write of 'k/2' outside a transaction");
	tu_assert_fails(gr_store_del(st, "schema", &err), &err, -EINVAL,
			"delete of 'schema' outside a transaction");
	tu_assert_fails(gr_store_commit(st, &err), &err, -EINVAL, "no transaction to commit");
	assert_false(gr_store_exists(st, "k/1"));
	assert_false(gr_store_exists(st, "k/2"));
	assert_true(gr_store_exists(st, "schema"));
	tu_assert_ok(gr_store_generation(st, &gen, &err), &err);
	assert_int_equal(gen, 1);

	/* One transaction at a time. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_fails(gr_store_begin(st, &err), &err, -EBUSY, "already active");
	gr_store_cancel(st);
	gr_store_close(st);

	/* A read-only handle cannot start one at all. */
	assert_int_equal(open_flags(fx, GR_STORE_READ, &st, &err), 0);
	tu_assert_fails(gr_store_begin(st, &err), &err, -EROFS, "opened read-only");
	tu_assert_fails(gr_store_put_json(st, "k/1", v, &err), &err, -EINVAL,
			"outside a transaction");
	gr_store_close(st);
	json_decref(v);
}

static void test_commit_generation(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st = tu_open(&fx->env);
	struct gr_err err;
	json_t *v = json_pack("{s:s}", "name", "x"), *got = NULL;
	char buf[16];
	uint64_t gen;

	gr_err_clear(&err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	assert_true(gr_store_in_transaction(st));
	tu_assert_ok(gr_store_put_json(st, "dir/x", v, &err), &err);
	tu_assert_ok(gr_store_put_str(st, "idx/x", "x", &err), &err);
	/* Inside the transaction its own writes are visible. */
	assert_true(gr_store_exists(st, "dir/x"));
	tu_commit(st);
	assert_false(gr_store_in_transaction(st));
	tu_assert_ok(gr_store_generation(st, &gen, &err), &err);
	assert_int_equal(gen, 2);

	/* Every commit counts, even one that changed nothing else. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_commit(st);
	tu_assert_ok(gr_store_generation(st, &gen, &err), &err);
	assert_int_equal(gen, 3);
	gr_store_close(st);

	/* Durable across handles. */
	assert_int_equal(open_flags(fx, GR_STORE_READ, &st, &err), 0);
	tu_assert_ok(gr_store_generation(st, &gen, &err), &err);
	assert_int_equal(gen, 3);
	tu_assert_ok(gr_store_get_json(st, "dir/x", &got, &err), &err);
	assert_true(json_equal(got, v));
	tu_assert_ok(gr_store_get_str(st, "idx/x", buf, sizeof(buf), &err), &err);
	assert_string_equal(buf, "x");
	gr_store_close(st);
	json_decref(got);
	json_decref(v);
}

static void test_cancel(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st = tu_open(&fx->env);
	struct gr_err err;
	char *before, *after;
	uint64_t gen;

	gr_err_clear(&err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_put_str(st, "keep", "1", &err), &err);
	tu_commit(st);
	before = tu_dump(st, NULL);

	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_put_str(st, "new", "1", &err), &err);
	tu_assert_ok(gr_store_put_str(st, "keep", "2", &err), &err);
	tu_assert_ok(gr_store_del(st, "schema", &err), &err);
	gr_store_cancel(st);
	assert_false(gr_store_in_transaction(st));
	after = tu_dump(st, NULL);
	assert_string_equal(after, before);
	free(after);
	tu_assert_ok(gr_store_generation(st, &gen, &err), &err);
	assert_int_equal(gen, 2);
	/* Cancelling without a transaction is harmless. */
	gr_store_cancel(st);

	/* Closing with a transaction open abandons it too. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_put_str(st, "new", "1", &err), &err);
	gr_store_close(st);
	st = tu_open(&fx->env);
	after = tu_dump(st, NULL);
	assert_string_equal(after, before);
	free(after);
	free(before);
	gr_store_close(st);
}

/* ---- values ---- */

static void test_values(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st = tu_open(&fx->env);
	struct gr_err err;
	json_t *v = NULL;
	char buf[8], key[16];

	gr_err_clear(&err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_put_str(st, "text", "not json", &err), &err);
	tu_assert_ok(gr_store_put_str(st, "long", "0123456789", &err), &err);
	v = json_string("a bare string");
	tu_assert_ok(gr_store_put_json(st, "str", v, &err), &err);
	json_decref(v);
	tu_commit(st);

	v = (json_t *)&v;
	assert_int_equal(gr_store_get_json(st, "absent", &v, &err), -GR_E_NOTFOUND);
	assert_null(v);
	assert_int_equal(gr_store_get_str(st, "absent", buf, sizeof(buf), &err), -GR_E_NOTFOUND);
	tu_assert_fails(gr_store_get_json(st, "text", &v, &err), &err, -GR_E_CORRUPT,
			"record 'text' is not JSON");
	assert_null(v);
	tu_assert_fails(gr_store_get_str(st, "long", buf, sizeof(buf), &err), &err, -GR_E_CORRUPT,
			"index record 'long' is malformed");
	tu_assert_ok(gr_store_get_json(st, "str", &v, &err), &err);
	assert_string_equal(json_string_value(v), "a bare string");
	json_decref(v);
	/* Deleting an absent key is not an error. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_del(st, "absent", &err), &err);
	tu_assert_ok(gr_store_del(st, "text", &err), &err);
	tu_commit(st);
	assert_false(gr_store_exists(st, "text"));
	gr_store_close(st);

	assert_int_equal(gr_key(key, sizeof(key), "user/%s/%s", "d", "1"), 0);
	assert_string_equal(key, "user/d/1");
	assert_int_equal(gr_key(key, sizeof(key), "user/%s/%s", "directory", "12345"),
			 -ENAMETOOLONG);
}

/* ---- walks ---- */

struct collect {
	char keys[32][64];
	size_t n;
	int stop_after; /* return 7 after this many, 0 = never */
};

static int collect_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct collect *c = p;

	(void)val;
	(void)len;
	if (c->n < 32)
		snprintf(c->keys[c->n], sizeof(c->keys[0]), "%s", key);
	c->n++;
	if (c->stop_after && (int)c->n >= c->stop_after)
		return 7;
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void walk(struct gr_store *st, const char *prefix, struct collect *c, int expect_r)
{
	struct gr_err err;
	int r;

	gr_err_clear(&err);
	r = gr_store_walk(st, prefix, collect_cb, c, &err);
	if (r != expect_r)
		fail_msg("walk '%s' = %d (%s), expected %d", prefix, r, gr_err_msg(&err), expect_r);
	if (c->n <= 32)
		qsort(c->keys, c->n, sizeof(c->keys[0]), cmp_key);
}

static void test_walk_prefix(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st = tu_open(&fx->env);
	static const char *const keys[] = { "user/d/1", "user/d/2", "user/e/1", "users/x",
					    "group/d/1", "user" };
	struct collect c;
	struct gr_err err;
	size_t i, count;

	gr_err_clear(&err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		tu_assert_ok(gr_store_put_str(st, keys[i], "v", &err), &err);
	tu_commit(st);

	memset(&c, 0, sizeof(c));
	walk(st, "user/d/", &c, 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.keys[0], "user/d/1");
	assert_string_equal(c.keys[1], "user/d/2");

	memset(&c, 0, sizeof(c));
	walk(st, "user/", &c, 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.keys[0], "user/d/1");
	assert_string_equal(c.keys[1], "user/d/2");
	assert_string_equal(c.keys[2], "user/e/1");

	memset(&c, 0, sizeof(c));
	walk(st, "nothing/", &c, 0);
	assert_int_equal(c.n, 0);

	/* The empty prefix is every record, ours included (the commit's journal too). */
	memset(&c, 0, sizeof(c));
	walk(st, "", &c, 0);
	assert_int_equal(c.n, 9);
	assert_string_equal(c.keys[0], "group/d/1");
	assert_string_equal(c.keys[1], "journal/2");
	assert_string_equal(c.keys[2], "meta");
	assert_string_equal(c.keys[3], "schema");
	assert_string_equal(c.keys[4], "user");

	/* A non-zero return stops the walk and is handed back. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	walk(st, "user/", &c, 7);
	assert_int_equal(c.n, 1);

	tu_assert_ok(gr_store_count(st, "user/", &count, &err), &err);
	assert_int_equal(count, 3);
	tu_assert_ok(gr_store_count(st, "group/", &count, &err), &err);
	assert_int_equal(count, 1);

	/* Inside a transaction the walk sees the transaction's view. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_put_str(st, "user/d/3", "v", &err), &err);
	tu_assert_ok(gr_store_del(st, "user/e/1", &err), &err);
	memset(&c, 0, sizeof(c));
	walk(st, "user/", &c, 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.keys[2], "user/d/3");
	gr_store_cancel(st);
	gr_store_close(st);
}

/* ---- read locks ---- */

static void test_read_lock(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st;
	struct collect c;
	struct gr_err err;
	char buf[8];
	size_t count;

	st = tu_open(&fx->env);
	gr_err_clear(&err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_put_str(st, "user/d/1", "v", &err), &err);
	tu_commit(st);

	/* Writable handle: the read lock is a transaction, walks work. */
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	memset(&c, 0, sizeof(c));
	walk(st, "user/", &c, 0);
	assert_int_equal(c.n, 1);
	tu_assert_fails(gr_store_begin(st, &err), &err, -EBUSY, "already active");
	gr_store_read_unlock(st);
	gr_store_read_unlock(st); /* idempotent */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	gr_store_cancel(st);
	gr_store_close(st);

	/* Read-only handle: lockall_read, so fetches only. */
	assert_int_equal(open_flags(fx, GR_STORE_READ, &st, &err), 0);
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	tu_assert_ok(gr_store_get_str(st, "user/d/1", buf, sizeof(buf), &err), &err);
	assert_string_equal(buf, "v");
	memset(&c, 0, sizeof(c));
	tu_assert_fails(gr_store_walk(st, "user/", collect_cb, &c, &err), &err, -EDEADLK,
			"walk under a read-only lock");
	assert_int_equal(c.n, 0);
	tu_assert_fails(gr_store_count(st, "", &count, &err), &err, -EDEADLK,
			"walk under a read-only lock");
	gr_store_read_unlock(st);
	/* Without the lock the walk is allowed again. */
	memset(&c, 0, sizeof(c));
	walk(st, "user/", &c, 0);
	assert_int_equal(c.n, 1);
	gr_store_close(st);
}

/* ---- two processes ---- */

/*
 * The child runs a tiny command loop on its own read-only handle and
 * answers with what it sees; the parent, the writer, checks the answers.
 * cmocka's asserts are not used in the child (they would unwind the
 * parent's copy of the runner).
 */
static void child_loop(struct gr_config *cfg, int in, int out)
{
	struct gr_store *st = NULL;
	char cmd, buf[64], line[160];
	uint64_t gen = 0;
	int r, n;

	alarm(60);
	if (gr_store_open(cfg, GR_STORE_READ, &st, NULL) < 0)
		_exit(3);
	while (read(in, &cmd, 1) == 1 && cmd != 'q') {
		bool locked = cmd == 'l';

		if (locked && gr_store_read_lock(st, NULL) < 0)
			_exit(4);
		r = gr_store_get_str(st, "k", buf, sizeof(buf), NULL);
		if (r == -GR_E_NOTFOUND)
			strcpy(buf, "(none)");
		else if (r < 0)
			snprintf(buf, sizeof(buf), "(error %d)", r);
		if (gr_store_generation(st, &gen, NULL) < 0)
			_exit(5);
		if (locked)
			gr_store_read_unlock(st);
		n = snprintf(line, sizeof(line), "%s gen=%llu", buf, (unsigned long long)gen);
		if (write(out, line, (size_t)n + 1) != n + 1)
			_exit(6);
	}
	gr_store_close(st);
	_exit(0);
}

static void ask(int to, int from, char cmd, const char *expect)
{
	char line[160];
	size_t n = 0;

	assert_int_equal(write(to, &cmd, 1), 1);
	while (n < sizeof(line) - 1) {
		ssize_t r = read(from, line + n, 1);

		assert_int_equal(r, 1);
		if (line[n] == '\0')
			break;
		n++;
	}
	line[n] = '\0';
	assert_string_equal(line, expect);
}

/* Mappings of FILE that do not start at offset 0: what libtdb leaks (core/tdbfile.h). */
static int tails_of(const char *file)
{
	struct stat sb;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	int n = 0;

	assert_non_null(f);
	assert_int_equal(stat(file, &sb), 0);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e, off, ino;
		unsigned maj, min;
		char perm[8];

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &s, &e, perm, &off, &maj, &min,
			   &ino) == 7 &&
		    off != 0 && ino == (unsigned long)sb.st_ino && makedev(maj, min) == sb.st_dev)
			n++;
	}
	fclose(f);
	return n;
}

static void grow(struct gr_store *st, int round, size_t n)
{
	struct gr_err err;
	char key[64], val[2048];
	size_t i;

	gr_err_clear(&err);
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "user/okta/r%d-%zu", round, i);
		tu_assert_ok(gr_store_put_str(st, key, val, &err), &err);
	}
}

/*
 * A transaction that grows the file makes libtdb 1.4 leave part of its
 * mapping behind; the store unmaps it after every commit, cancel and read
 * transaction, so a long-lived writer's resident set does not collect every
 * region the file ever grew by.  Each round writes enough to grow the file
 * (committed, in a batch, or cancelled), then takes a read transaction (the
 * transaction after a growth leaks a second tail).
 */
static void test_no_leaked_mappings(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st = tu_open(&fx->env);
	struct gr_err err;
	struct stat before, after;
	int round, grew = 0;

	gr_err_clear(&err);
	for (round = 0; round < 12; round++) {
		assert_int_equal(stat(fx->db, &before), 0);
		if (round % 3 == 2) {
			tu_assert_ok(gr_store_batch_begin(st, &err), &err);
			tu_assert_ok(gr_store_begin(st, &err), &err);
			grow(st, round, 150);
			tu_commit(st);
			tu_assert_ok(gr_store_batch_end(st, &err), &err);
		} else {
			tu_assert_ok(gr_store_begin(st, &err), &err);
			grow(st, round, 150);
			if (round % 3 == 1) {
				gr_store_cancel(st);
			} else {
				tu_commit(st);
			}
		}
		assert_int_equal(stat(fx->db, &after), 0);
		grew += after.st_size > before.st_size;
		assert_int_equal(tails_of(fx->db), 0);
		tu_assert_ok(gr_store_read_lock(st, &err), &err);
		gr_store_read_unlock(st);
		assert_int_equal(tails_of(fx->db), 0);
	}
	assert_true(grew >= 6); /* the case in point (libtdb grows by a quarter or more) */
	/* Every round's data is there, the cancelled rounds' is not. */
	assert_true(gr_store_exists(st, "user/okta/r0-149"));
	assert_true(gr_store_exists(st, "user/okta/r11-149"));
	assert_false(gr_store_exists(st, "user/okta/r1-0"));
	assert_int_equal(tails_of(fx->db), 0);
	gr_store_close(st);
}

static void test_two_processes(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st;
	struct gr_err err;
	struct tu_peer peer;

	create_db(fx);
	tu_peer_start(&peer, &fx->env.cfg, child_loop);
	alarm(60);

	st = tu_open(&fx->env);
	gr_err_clear(&err);
	ask(peer.to, peer.from, 'r', "(none) gen=1");

	/* An open transaction's writes are invisible to others... */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_put_str(st, "k", "v1", &err), &err);
	ask(peer.to, peer.from, 'r', "(none) gen=1");
	ask(peer.to, peer.from, 'l', "(none) gen=1");
	/* ...until the commit, which the other process sees at once. */
	tu_commit(st);
	ask(peer.to, peer.from, 'r', "v1 gen=2");
	ask(peer.to, peer.from, 'l', "v1 gen=2");

	/* A cancelled transaction is never seen. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_put_str(st, "k", "v2", &err), &err);
	gr_store_cancel(st);
	ask(peer.to, peer.from, 'l', "v1 gen=2");

	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_store_del(st, "k", &err), &err);
	tu_commit(st);
	ask(peer.to, peer.from, 'r', "(none) gen=3");

	tu_peer_stop(&peer);
	alarm(0);
	gr_store_close(st);
}

#define N_SCHEMA (sizeof(schema_rows) / sizeof(schema_rows[0]))
#define N_UNSAFE (sizeof(unsafe_rows) / sizeof(unsafe_rows[0]))

#define FX(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

/* A populated store, closed; returns nothing, the file is fx->db. */
static void populate(struct fx *fx)
{
	struct gr_store *st = tu_open(&fx->env);
	struct gr_err err;
	char key[64];
	int i;

	gr_err_clear(&err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "user/okta/u%d", i);
		tu_assert_ok(gr_store_put_str(st, key, "a value long enough to find", &err), &err);
	}
	tu_commit(st);
	gr_store_close(st);
}

static void verify_file(struct fx *fx, struct gr_store_integrity *in)
{
	struct gr_store *st;
	struct gr_err err;

	gr_err_clear(&err);
	tu_assert_ok(gr_store_open(&fx->env.cfg, GR_STORE_WRITE, &st, &err), &err);
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	tu_assert_ok(gr_store_verify(st, in, &err), &err);
	gr_store_close(st);
}

/* Real corruption -- a record's header or a hash chain head -- is never "dead space". */
static void test_verify_corruption(void **state)
{
	struct fx *fx = *state;
	struct gr_store_integrity in;
	char buf[1 << 16], *hit;
	ssize_t n;
	int fd;

	populate(fx);
	verify_file(fx, &in);
	assert_true(in.ok);

	/* Overwrite the record header (24 bytes before the key) of one user. */
	fd = open(fx->db, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	n = pread(fd, buf, sizeof(buf), 0);
	assert_true(n > 0);
	/* The key itself, not a mention of it in the change journal ("...","user/okta/u17"). */
	hit = memmem(buf, (size_t)n, "user/okta/u17", 13);
	while (hit && hit[-1] == '"')
		hit = memmem(hit + 1, (size_t)n - (size_t)(hit + 1 - buf), "user/okta/u17", 13);
	assert_non_null(hit);
	assert_int_equal(pwrite(fd, "\xff\xff\xff\xff\x10\x00\x00\x00", 8, hit - buf - 24 + 4), 8);
	close(fd);
	verify_file(fx, &in);
	assert_false(in.ok);
	assert_false(in.dead_tail);
}

static void test_verify_hash_head(void **state)
{
	struct fx *fx = *state;
	struct gr_store_integrity in;
	int fd;

	populate(fx);
	fd = open(fx->db, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	/* The head of chain 1000 (hash heads start at byte 168) points nowhere. */
	assert_int_equal(pwrite(fd, "\x00\x10\x00\x00", 4, 168 + 4 * 1000), 4);
	close(fd);
	verify_file(fx, &in);
	assert_false(in.ok);
	assert_false(in.dead_tail);
	assert_string_equal(in.detail, "Hashes do not match records");
}

/*
 * directory.tdb readable by others is repaired on open (and reported);
 * a 0600 file is not touched at all, not even its ctime.
 */
static void test_readable_mode(void **state)
{
	struct fx *fx = *state;
	struct gr_store *st;
	struct gr_err err;
	struct stat before, after;

	gr_err_clear(&err);
	populate(fx);
	assert_int_equal(stat(fx->db, &before), 0);
	assert_int_equal(before.st_mode & 07777, 0600);
	tu_assert_ok(gr_store_open(&fx->env.cfg, GR_STORE_READ, &st, &err), &err);
	assert_int_equal(gr_store_repaired_mode(st), 0);
	gr_store_close(st);
	assert_int_equal(stat(fx->db, &after), 0);
	assert_int_equal(after.st_ctim.tv_sec, before.st_ctim.tv_sec);
	assert_int_equal(after.st_ctim.tv_nsec, before.st_ctim.tv_nsec);

	assert_int_equal(chmod(fx->db, 0644), 0);
	tu_assert_ok(gr_store_open(&fx->env.cfg, GR_STORE_READ, &st, &err), &err);
	assert_int_equal(gr_store_repaired_mode(st), 0644);
	gr_store_close(st);
	assert_int_equal(stat(fx->db, &after), 0);
	assert_int_equal(after.st_mode & 07777, 0600);
}

static const struct CMUnitTest fixed[] = {
	FX(test_verify_corruption),
	FX(test_verify_hash_head),
	FX(test_readable_mode),
	FX(test_create),
	FX(test_missing),
	FX(test_foreign_tdb),
	FX(test_empty_tdb),
	FX(test_symlink_db),
	FX(test_write_outside_transaction),
	FX(test_commit_generation),
	FX(test_cancel),
	FX(test_values),
	FX(test_walk_prefix),
	FX(test_read_lock),
	FX(test_no_leaked_mappings),
	FX(test_two_processes),
};

#define N_FIXED (sizeof(fixed) / sizeof(fixed[0]))

int main(void)
{
	struct CMUnitTest tests[N_FIXED + N_SCHEMA + N_UNSAFE];
	size_t i, n = 0;

	for (i = 0; i < N_FIXED; i++)
		tests[n++] = fixed[i];
	for (i = 0; i < N_SCHEMA; i++, n++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = schema_rows[i].name;
		tests[n].test_func = test_schema_row;
		tests[n].setup_func = fx_setup;
		tests[n].teardown_func = fx_teardown;
		tests[n].initial_state = (void *)(uintptr_t)&schema_rows[i];
	}
	for (i = 0; i < N_UNSAFE; i++, n++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = unsafe_rows[i].name;
		tests[n].test_func = test_unsafe_row;
		tests[n].setup_func = fx_setup;
		tests[n].teardown_func = fx_teardown;
		tests[n].initial_state = (void *)(uintptr_t)&unsafe_rows[i];
	}
	return _cmocka_run_group_tests("store", tests, n, NULL, NULL);
}

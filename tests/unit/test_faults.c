/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: the disk fills up at every possible point of a commit or a
 * publish, and afterwards the store and the snapshot must hold exactly the
 * last committed / last published state.
 *
 * The test program defines the libc functions libtdb and the publisher use to
 * put bytes on disk (write, pwrite, posix_fallocate, ftruncate, fsync,
 * fdatasync).  The dynamic linker binds libtdb's references to these
 * definitions because the executable exports them; each forwards to the real
 * function (dlsym RTLD_NEXT) until the Nth call after arming, from which on it
 * fails with ENOSPC -- a disk that stays full -- until disarmed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/import.h"
#include "publish/publish.h"
#include "store/records.h"
#include "publish/snapshot.h"
#include "testutil.h"

static int armed;
static long countdown; /* calls left before failures start */
static long calls;
static bool crash; /* die by SIGKILL at the failure point instead of failing */

static bool inject(void)
{
	if (!armed)
		return false;
	calls++;
	if (countdown > 0) {
		countdown--;
		return false;
	}
	if (crash)
		raise(SIGKILL);
	return true;
}

static void arm(long after)
{
	armed = 1;
	countdown = after;
	calls = 0;
}

static void disarm(void)
{
	armed = 0;
}

#define REAL(name, ret, ...)                                                            \
	static ret (*real_##name)(__VA_ARGS__);                                         \
	if (!real_##name)                                                               \
		real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

#define EXPORT __attribute__((visibility("default")))

EXPORT ssize_t write(int fd, const void *buf, size_t n);
EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(write, ssize_t, int, const void *, size_t);
	/* Never break the test's own output. */
	if (fd > 2 && inject()) {
		errno = ENOSPC;
		return -1;
	}
	return real_write(fd, buf, n);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite, ssize_t, int, const void *, size_t, off_t);
	if (inject()) {
		errno = ENOSPC;
		return -1;
	}
	return real_pwrite(fd, buf, n, off);
}

EXPORT int posix_fallocate(int fd, off_t off, off_t len);
EXPORT int posix_fallocate(int fd, off_t off, off_t len)
{
	REAL(posix_fallocate, int, int, off_t, off_t);
	if (inject())
		return ENOSPC;
	return real_posix_fallocate(fd, off, len);
}

EXPORT int ftruncate(int fd, off_t len);
EXPORT int ftruncate(int fd, off_t len)
{
	REAL(ftruncate, int, int, off_t);
	if (inject()) {
		errno = ENOSPC;
		return -1;
	}
	return real_ftruncate(fd, len);
}

EXPORT int fdatasync(int fd);
EXPORT int fdatasync(int fd)
{
	REAL(fdatasync, int, int);
	if (inject()) {
		errno = EIO;
		return -1;
	}
	return real_fdatasync(fd);
}

EXPORT int msync(void *addr, size_t len, int flags);
EXPORT int msync(void *addr, size_t len, int flags)
{
	REAL(msync, int, void *, size_t, int);
	if (inject()) {
		errno = EIO;
		return -1;
	}
	return real_msync(addr, len, flags);
}

EXPORT int fsync(int fd);
EXPORT int fsync(int fd)
{
	REAL(fsync, int, int);
	if (inject()) {
		errno = EIO;
		return -1;
	}
	return real_fsync(fd);
}

/* ---- fixtures ---- */

static json_t *users_doc(size_t n, const char *suffix)
{
	json_t *arr = json_array();
	char id[32], name[64];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "u%zu", i);
		snprintf(name, sizeof(name), "user%zu%s@example.com", i, suffix);
		json_array_append_new(arr, tu_user(id, name, true));
	}
	return arr;
}

static json_t *groups_doc(size_t n_users, const char *name)
{
	json_t *arr = json_array(), *g;
	char id[32];
	size_t i;

	g = tu_group("g1", name, NULL, 0);
	for (i = 0; i < n_users; i++) {
		snprintf(id, sizeof(id), "u%zu", i);
		json_array_append_new(json_object_get(g, "members"), json_pack("{s:s}", "value", id));
	}
	json_array_append_new(arr, g);
	return arr;
}

/* The state a reader sees: every user's userName and the group's name, as one string. */
static char *fingerprint_of(struct tu_env *env, struct gr_store *open_st, bool allow_dead_tail)
{
	struct gr_store_integrity in;
	struct gr_store *st = open_st;
	struct gr_err err;
	json_t *u = NULL, *g = NULL, *both;
	char *s;

	gr_err_clear(&err);
	/* A fresh handle runs libtdb's crash recovery if a commit died half-way. */
	if (!st)
		tu_assert_ok(gr_store_open(&env->cfg, GR_STORE_WRITE, &st, &err), &err);
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	tu_assert_ok(gr_store_verify(st, &in, &err), &err);
	if (!in.ok && !(allow_dead_tail && in.dead_tail))
		fail_msg("tdb_check fails: %s", in.detail);
	tu_assert_ok(gr_export_directory(st, "okta", &u, &g, &err), &err);
	gr_store_read_unlock(st);
	if (!open_st)
		gr_store_close(st);
	both = json_pack("{s:o,s:o}", "u", u, "g", g);
	s = json_dumps(both, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(both);
	return s;
}

static char *fingerprint(struct tu_env *env, struct gr_store *open_st)
{
	return fingerprint_of(env, open_st, false);
}

static void import_state(struct gr_store *st, const char *suffix, const char *gname,
			 struct gr_err *err, int expect_ok)
{
	json_t *u = users_doc(40, suffix), *g = groups_doc(40, gname);
	int r = gr_import_directory(st, "okta", u, g, true, NULL, NULL, err);

	json_decref(u);
	json_decref(g);
	if (expect_ok)
		tu_assert_ok(r, err);
}

/*
 * For every N: commit state A, then try to commit state B with the disk
 * failing from the Nth write on.  Reopened afterwards (which runs libtdb's
 * recovery), the store must hold exactly A or, if the commit reported
 * success, exactly B -- never anything else.
 */
static void commit_failures(unsigned open_flags)
{
	char *a = NULL, *b = NULL;
	long n, failed = 0, unsynced = 0, total = 0;

	for (n = 0;; n++) {
		struct tu_env env;
		struct gr_store *st;
		struct gr_err err;
		char *now;
		int r;

		tu_setup(&env, NULL);
		gr_err_clear(&err);
		tu_assert_ok(gr_store_open(&env.cfg, GR_STORE_WRITE | GR_STORE_CREATE | open_flags,
					   &st, &err), &err);
		tu_assert_ok(gr_store_begin(st, &err), &err);
		tu_assert_ok(gr_dir_create(st, "okta", &err), &err);
		tu_commit(st);
		import_state(st, "", "Engineering", &err, 1);
		if (!a)
			a = fingerprint(&env, st);

		arm(n);
		json_t *u = users_doc(40, ".b"), *g = groups_doc(40, "Platform");
		r = gr_import_directory(st, "okta", u, g, true, NULL, NULL, &err);
		json_decref(u);
		json_decref(g);
		total = calls;
		disarm();
		gr_store_close(st);

		now = fingerprint(&env, NULL);
		if (r == -GR_E_UNSYNCED) {
			/* Every write landed; only the final sync failed (see store.h). */
			unsynced++;
			if (!strcmp(now, a))
				fail_msg("call %ld: reported applied-but-unsynced, yet the change is absent", n);
		} else if (r < 0) {
			failed++;
			if (strcmp(now, a))
				fail_msg("call %ld failed (%s) but the store is not the last committed state",
					 n, gr_err_msg(&err));
		} else {
			if (!b)
				b = strdup(now);
			if (!strcmp(now, a))
				fail_msg("call %ld: commit reported success after %ld calls, but a reopen shows the old state",
					 n, total);
			free(now);
			tu_teardown(&env);
			break;
		}
		free(now);
		tu_teardown(&env);
		assert_true(n < 100000);
	}
	/* The commit touches the disk many times; each of those points was tried. */
	print_message("# %s: %ld failure points rolled back, %ld after the last write\n",
		      open_flags & GR_STORE_NOMMAP ? "pwrite" : "mmap", failed, unsynced);
	assert_true(failed >= 2);
	assert_true(unsynced <= failed);
	assert_true(total >= 3);
	free(a);
	free(b);
}

/* Writes through the mapping: failures come from growing and syncing the file. */
static void test_commit_failures_mmap(void **state)
{
	(void)state;
	commit_failures(0);
}

/* Every write a system call: a failing write in the middle of a commit. */
static void test_commit_failures_pwrite(void **state)
{
	(void)state;
	commit_failures(GR_STORE_NOMMAP);
}

static int count_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, ".nss.tdb.", 9))
			n++;
	closedir(d);
	return n;
}

/* Group name and member count of role "admin" in the published snapshot. */
static int snap_cb(const struct gr_snap_group *g, void *ctx)
{
	*(uint32_t *)ctx = g->n_members;
	return 0;
}

static uint32_t published_members(struct tu_env *env, uint64_t *gen)
{
	char path[PATH_MAX + 16];
	struct gr_snap *s = NULL;
	uint32_t n = 0;

	snprintf(path, sizeof(path), "%s/nss.tdb", env->state);
	assert_int_equal(gr_snap_open(path, true, &s), 0);
	assert_int_equal(gr_snap_group_by_name(s, "role-admin", snap_cb, &n), 0);
	*gen = gr_snap_header(s)->generation;
	gr_snap_close(s);
	return n;
}

/*
 * A publish that fails at any write leaves the previous snapshot in place,
 * readable and unchanged, and no temporary file behind.
 */
static void test_publish_failures(void **state)
{
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
	const char *g1[] = { "u0", "u1" };
	uint64_t gen0, gen;
	long n;
	int r;

	(void)state;
	tu_setup(&env, NULL);
	st = tu_open(&env);
	gr_err_clear(&err);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_dir_create(st, "okta", &err), &err);
	tu_role(st, "admin", 0);
	tu_commit(st);
	import_state(st, "", "Engineering", &err, 1);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	{
		struct gr_ref ref;
		const char *slug = "admin";

		tu_assert_ok(gr_group_find(st, "okta", "Engineering", &ref, &err), &err);
		tu_assert_ok(gr_group_roles_change(st, NULL, "okta", ref.id, &slug, 1, true, &err),
			     &err);
	}
	tu_commit(st);
	tu_assert_ok(gr_publish(st, NULL, &err), &err);
	assert_int_equal(published_members(&env, &gen0), 40);

	/* Shrink the group to two members: the next publish would show 2. */
	tu_assert_ok(gr_store_begin(st, &err), &err);
	{
		json_t *g = tu_group("g1", "Engineering", g1, 2);

		tu_assert_ok(gr_group_put(st, "okta", g, 0, &err), &err);
		json_decref(g);
	}
	tu_commit(st);

	for (n = 0;; n++) {
		arm(n);
		r = gr_publish(st, NULL, &err);
		disarm();
		if (r == 0)
			break;
		if (published_members(&env, &gen) != 40)
			fail_msg("publish failing at write %ld (%s) changed the snapshot", n,
				 gr_err_msg(&err));
		assert_int_equal(gen, gen0);
		assert_int_equal(count_temp_files(env.state), 0);
		assert_true(n < 10000);
	}
	assert_true(n >= 2);
	print_message("# %ld failure points in one publish, old snapshot kept each time\n", n);
	assert_int_equal(published_members(&env, &gen), 2);
	assert_true(gen > gen0);
	gr_store_close(st);
	tu_teardown(&env);
}

/* Copy FROM to TO (a crashed file, to recover it two ways). */
static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static void verify(struct tu_env *env, unsigned flags, struct gr_store_integrity *in,
		   bool *repacked)
{
	struct gr_store *st;
	struct gr_err err;

	gr_err_clear(&err);
	tu_assert_ok(gr_store_open(&env->cfg, flags, &st, &err), &err);
	*repacked = gr_store_repacked(st);
	tu_assert_ok(gr_store_read_lock(st, &err), &err);
	tu_assert_ok(gr_store_verify(st, in, &err), &err);
	gr_store_read_unlock(st);
	gr_store_close(st);
}

/*
 * kill -9 at every disk operation of a commit that grows the file.  After
 * libtdb's recovery the store holds the last committed state, and what
 * tdb_check() then objects to is only ever the dead tail of the grown file:
 * never reported as corruption, and reclaimed by a writer that finds the
 * recovery pending.
 */
static void test_crash_in_growing_commit(void **state)
{
	long n, tails = 0, reclaimed = 0;
	char *a = NULL, *b;
	struct tu_env benv;
	struct gr_store *bst;
	struct gr_err berr;

	(void)state;
	/* The state the import commits, when it does. */
	tu_setup(&benv, NULL);
	gr_err_clear(&berr);
	bst = tu_open(&benv);
	tu_assert_ok(gr_store_begin(bst, &berr), &berr);
	tu_assert_ok(gr_dir_create(bst, "okta", &berr), &berr);
	tu_commit(bst);
	{
		json_t *u = users_doc(3000, ".b"), *g = groups_doc(3000, "Platform");

		tu_assert_ok(gr_import_directory(bst, "okta", u, g, true, NULL, NULL, &berr), &berr);
		json_decref(u);
		json_decref(g);
	}
	b = fingerprint(&benv, bst);
	gr_store_close(bst);
	tu_teardown(&benv);

	for (n = 0;; n++) {
		struct tu_env env, env2;
		struct gr_store_integrity in;
		struct gr_store *st;
		struct gr_err err;
		char from[PATH_MAX + 32], to[PATH_MAX + 32], *now;
		bool repacked;
		pid_t pid;
		int status;

		tu_setup(&env, NULL);
		tu_setup(&env2, NULL);
		gr_err_clear(&err);
		st = tu_open(&env);
		tu_assert_ok(gr_store_begin(st, &err), &err);
		tu_assert_ok(gr_dir_create(st, "okta", &err), &err);
		tu_commit(st);
		import_state(st, "", "Engineering", &err, 1);
		if (!a)
			a = fingerprint(&env, st);
		gr_store_close(st);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* Far more than the file's slack: the commit grows it. */
			json_t *u = users_doc(3000, ".b"), *g = groups_doc(3000, "Platform");

			int rc;

			if (gr_store_open(&env.cfg, GR_STORE_WRITE, &st, &err) < 0)
				_exit(2);
			crash = true;
			arm(n);
			rc = gr_import_directory(st, "okta", u, g, true, NULL, NULL, &err) < 0;
			/* Not killed: leave nothing for a leak checker to report. */
			disarm();
			gr_store_close(st);
			json_decref(u);
			json_decref(g);
			free(a);
			free(b);
			_exit(rc);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status)) {
			/* No disk operation left to crash at: the import went through. */
			assert_int_equal(WEXITSTATUS(status), 0);
			tu_teardown(&env);
			tu_teardown(&env2);
			break;
		}
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		snprintf(from, sizeof(from), "%s/directory.tdb", env.state);
		snprintf(to, sizeof(to), "%s/directory.tdb", env2.state);
		assert_int_equal(mkdir(env2.state, 0700), 0);
		copy_file(from, to);

		/* A reader runs the recovery: the tail stays, and is told apart. */
		verify(&env, GR_STORE_READ, &in, &repacked);
		if (!in.ok) {
			if (!in.dead_tail)
				fail_msg("crash %ld: rolled back, but reported as corruption (%s)", n,
					 in.detail);
			tails++;
		}
		now = fingerprint_of(&env, NULL, true);
		/* Killed after its last write, the commit may have landed. */
		if (strcmp(now, a) && strcmp(now, b))
			fail_msg("crash %ld: the store is neither the old nor the new state", n);
		free(now);

		/* A writer runs the recovery: it reclaims the tail at once. */
		verify(&env2, GR_STORE_WRITE, &in, &repacked);
		if (!in.ok)
			fail_msg("crash %ld: a writer recovered, yet tdb_check fails (%s)", n,
				 in.detail);
		reclaimed += repacked;
		now = fingerprint(&env2, NULL);
		if (strcmp(now, a) && strcmp(now, b))
			fail_msg("crash %ld: the store is neither the old nor the new state", n);
		free(now);
		tu_teardown(&env);
		tu_teardown(&env2);
		assert_true(n < 1000);
	}
	print_message("# %ld crash points; %ld left a dead tail, %ld reclaimed by the writer\n", n,
		      tails, reclaimed);
	/* The case this test exists for did happen. */
	assert_true(tails >= 1);
	assert_true(reclaimed >= tails);
	free(a);
	free(b);
}

static int count_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

/*
 * The disk fills at every point of creating a database and its first
 * commit.  Afterwards there is either no directory.tdb (and the next open
 * creates one) or a complete one -- never a file that later commands call
 * "not a grouprole database" -- and no temporary file.  The error names
 * the system's reason, not libtdb's stale "Record does not exist".
 */
static bool names_cause(const char *msg)
{
	return !strstr(msg, "Record does not exist") &&
	       (strstr(msg, strerror(ENOSPC)) || strstr(msg, strerror(EIO)));
}

static void test_first_commit_failures(void **state)
{
	long n, absent = 0, complete = 0;

	(void)state;
	for (n = 0;; n++) {
		struct tu_env env;
		struct gr_store *st = NULL;
		struct gr_err err;
		char path[PATH_MAX + 32];
		json_t *dirs = NULL;
		int r;

		tu_setup(&env, NULL);
		gr_err_clear(&err);
		snprintf(path, sizeof(path), "%s/directory.tdb", env.state);
		arm(n);
		r = gr_store_open(&env.cfg, GR_STORE_WRITE | GR_STORE_CREATE, &st, &err);
		if (r == 0) {
			r = gr_store_begin(st, &err);
			if (r == 0)
				r = gr_dir_create(st, "okta", &err);
			if (r == 0)
				r = gr_store_commit(st, &err);
		}
		disarm();
		gr_store_close(st);
		if (r == 0) {
			tu_teardown(&env);
			break;
		}
		/* Unsynced: applied, only the last sync failed (store.h); said so. */
		if (r != -GR_E_UNSYNCED && !names_cause(gr_err_msg(&err)))
			fail_msg("failure %ld: the message hides the cause: %s", n, gr_err_msg(&err));
		assert_int_equal(count_prefix(env.state, ".directory.tdb."), 0);
		if (access(path, F_OK) == 0) {
			/* Complete: opens without creating, schema and all. */
			tu_assert_ok(gr_store_open(&env.cfg, GR_STORE_WRITE, &st, &err), &err);
			gr_store_close(st);
			complete++;
		} else {
			absent++;
		}
		/* Either way the next command just works. */
		st = tu_open(&env);
		tu_assert_ok(gr_store_begin(st, &err), &err);
		if (!gr_store_exists(st, "dir/okta"))
			tu_assert_ok(gr_dir_create(st, "okta", &err), &err);
		tu_commit(st);
		tu_assert_ok(gr_store_read_lock(st, &err), &err);
		tu_assert_ok(gr_store_get_json(st, "dir/okta", &dirs, &err), &err);
		gr_store_read_unlock(st);
		json_decref(dirs);
		gr_store_close(st);
		tu_teardown(&env);
		assert_true(n < 10000);
	}
	print_message("# %ld failure points: %ld left no database, %ld a complete one\n", n, absent,
		      complete);
	assert_true(absent >= 2);
	assert_true(complete >= 1);
}

/* Events (lib/store/events.c): counted as the sink receives them. */
static void count_events(void *ctx, const json_t *events)
{
	*(size_t *)ctx += json_array_size(events);
}

/*
 * A batch of three units whose commit fails at every possible write
 * announces nothing; once it lands (or is applied but unconfirmed), it
 * announces exactly its units' three user.created events.
 */
static void test_events_only_after_durable_commit(void **state)
{
	long n, failed = 0;

	(void)state;
	for (n = 0;; n++) {
		struct tu_env env;
		struct gr_store *st;
		struct gr_err err;
		size_t got = 0;
		int i, r;

		tu_setup(&env, "login_domains = example.com");
		gr_err_clear(&err);
		tu_assert_ok(gr_store_open(&env.cfg, GR_STORE_WRITE | GR_STORE_CREATE | GR_STORE_NOMMAP,
					   &st, &err), &err);
		tu_assert_ok(gr_store_begin(st, &err), &err);
		tu_assert_ok(gr_dir_create(st, "okta", &err), &err);
		tu_commit(st);
		gr_store_event_sink(st, count_events, &got);
		tu_assert_ok(gr_store_batch_begin(st, &err), &err);
		for (i = 0; i < 3; i++) {
			char id[8], name[32];
			json_t *u;

			snprintf(id, sizeof(id), "u%d", i);
			snprintf(name, sizeof(name), "user%d@example.com", i);
			u = tu_user(id, name, true);
			tu_assert_ok(gr_store_begin(st, &err), &err);
			tu_assert_ok(gr_user_put(st, "okta", u, NULL, &err), &err);
			tu_assert_ok(gr_store_commit(st, &err), &err);
			json_decref(u);
		}
		arm(n);
		r = gr_store_batch_end(st, &err);
		disarm();
		gr_store_close(st);
		tu_teardown(&env);
		if (r < 0 && r != -GR_E_UNSYNCED) {
			failed++;
			if (got)
				fail_msg("call %ld: the batch rolled back (%s), yet %zu events were announced",
					 n, gr_err_msg(&err), got);
			continue;
		}
		if (got != 3)
			fail_msg("call %ld: the batch landed, but %zu events were announced, not 3", n, got);
		if (r == 0)
			break;
		assert_true(n < 100000);
	}
	print_message("# events: %ld failure points announced nothing\n", failed);
	assert_true(failed >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_commit_failures),
		cmocka_unit_test(test_crash_in_growing_commit),
		cmocka_unit_test(test_commit_failures_mmap),
		cmocka_unit_test(test_commit_failures_pwrite),
		cmocka_unit_test(test_publish_failures),
		cmocka_unit_test(test_events_only_after_durable_commit),
	};

	return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}

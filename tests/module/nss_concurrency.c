/* SPDX-License-Identifier: MIT */
/*
 * test_close_unlisted_first: deterministic.  libtdb closes a database's
 * descriptor before it takes the database off its process-global list, and
 * refuses (EBUSY) to open any inode on that list; an inode freed in that
 * window can be reused by the publisher's next temporary file.  This binary
 * interposes close() (libtdb and the module call ours: an executable's
 * definition comes first) and, at every close of a replaced snapshot's
 * descriptor, asks libtdb whether it still lists the inode -- through a
 * hard link the test keeps, so the inode itself is never reused here.  If
 * it is still listed, the close must not be the process's last reference
 * (lib/core/tdbfile.c pins it), and the module must be holding the
 * program's tdb lock (gr_tdb_lock_v1, which this binary exports), so no
 * tdb_open or tdb_close of the program's can run in between.
 *
 * test_publish_while_reading: the stress test.  Eight threads look groups, group lists and
 * (users = yes) accounts up through the module without a
 * pause while the real publisher (gr_publish, as grouprolectl runs it)
 * replaces the snapshot 1,000 times, flipping between two states.  Every
 * answer must be entirely one state or the other: never an error, never a
 * group from one state with members from the other; an account is the same
 * in both.
 *
 * State A: Engineering (user00..user49) -> alpha, Ops (user00..user09) -> beta
 * State B: Engineering -> beta, Ops -> alpha
 * so role-alpha has 50 members in A and 10 in B, role-beta the reverse, and
 * user20 holds alpha in A and beta in B.
 *
 * GROUPROLE_NSS_RECHECK_MS=0 makes the module check the snapshot's identity
 * on every call, so every lookup races the rename.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdb.h>

#include "store/import.h"
#include "nss_fixture.h"
#include "publish/publish.h"
#include "store/records.h"
#include "testutil.h"

#define THREADS 8
#define PUBLISHES 1000
#define USERS 50
#define OPS 10

static struct nf_mod mod;

/* ---- close() seen from inside libtdb ---- */

extern pthread_mutex_t gr_tdb_lock_v1;

static struct {
	bool armed;
	dev_t dev;
	ino_t ino;
	char link[PATH_MAX];   /* a hard link to the watched inode */
	int closes;            /* closes of the watched inode */
	int listed;            /* ... while libtdb still listed it */
	int unpinned;          /* ... and nothing else in the process held it */
	int unlocked;          /* ... and the program's tdb lock was free */
	pthread_t thread;
} watch;

static int (*real_close)(int);

/* Does any descriptor of this process other than SKIP refer to the inode? */
static bool inode_held(dev_t dev, ino_t ino)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	struct stat st;
	bool held = false;

	assert_non_null(d);
	while (!held && (e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		held = fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
	}
	closedir(d);
	return held;
}

/* Default visibility: lib/'s -fvisibility=hidden applies to the tests too. */
__attribute__((visibility("default"))) int close(int fd);
int close(int fd)
{
	static __thread bool inside;
	struct tdb_context *probe;
	struct stat st;
	bool watched;
	int r, saved;

	if (!real_close)
		real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	watched = !inside && __atomic_load_n(&watch.armed, __ATOMIC_ACQUIRE) &&
		  pthread_equal(pthread_self(), watch.thread) && fstat(fd, &st) == 0 &&
		  st.st_dev == watch.dev && st.st_ino == watch.ino;
	r = real_close(fd);
	if (!watched)
		return r;
	saved = errno;
	inside = true;
	watch.closes++;
	/* Raw libtdb on purpose: this asks libtdb's list, not our wrapper. */
	errno = 0;
	probe = tdb_open(watch.link, 0, 0, O_RDONLY, 0);
	if (probe) {
		tdb_close(probe);
	} else if (errno == EBUSY) {
		watch.listed++;
		if (!inode_held(watch.dev, watch.ino))
			watch.unpinned++;
		if (pthread_mutex_trylock(&gr_tdb_lock_v1) == 0) {
			watch.unlocked++;
			pthread_mutex_unlock(&gr_tdb_lock_v1);
		}
	}
	inside = false;
	errno = saved;
	return r;
}

static void test_close_unlisted_first(void **state)
{
	static const char *const m[] = { "ann", "bob" };
	const struct nf_group one[] = { { "role-one", 300001, m, 2 } };
	const struct nf_group two[] = { { "role-two", 300002, m, 1 } };
	static char buf[4096];
	struct nf_env env;
	struct group gr;
	struct stat st;
	int err, i;

	(void)state;
	nf_setup(&env, NULL);
	assert_int_equal(setenv("GROUPROLE_NSS_RECHECK_MS", "0", 1), 0);
	for (i = 0; i < 4; i++) {
		const struct nf_group *g = i % 2 ? two : one;

		assert_int_equal(nf_publish(&env, g, 1, NULL, 0), 0);
		assert_int_equal(mod.getgrnam_r(g->name, &gr, buf, sizeof(buf), &err),
				 NSS_STATUS_SUCCESS);
		/* Watch the snapshot the module has open now; the next publish replaces it. */
		assert_int_equal(stat(env.snap, &st), 0);
		snprintf(watch.link, sizeof(watch.link), "%s/watched.lnk", env.dir);
		unlink(watch.link);
		assert_int_equal(link(env.snap, watch.link), 0);
		watch.dev = st.st_dev;
		watch.ino = st.st_ino;
		watch.thread = pthread_self();
		assert_int_equal(nf_publish(&env, i % 2 ? one : two, 1, NULL, 0), 0);
		/* This lookup notices the new file and closes the old one. */
		__atomic_store_n(&watch.armed, true, __ATOMIC_RELEASE);
		assert_int_equal(mod.getgrnam_r(i % 2 ? "role-one" : "role-two", &gr, buf,
						sizeof(buf), &err),
				 NSS_STATUS_SUCCESS);
		__atomic_store_n(&watch.armed, false, __ATOMIC_RELEASE);
		unlink(watch.link);
	}
	print_message("# %d closes of replaced snapshots, %d while libtdb listed them\n",
		      watch.closes, watch.listed);
	/* libtdb really does close before unlisting: the check below saw that window. */
	assert_true(watch.listed >= 4);
	assert_int_equal(watch.unpinned, 0);
	assert_int_equal(watch.unlocked, 0);
	nf_teardown(&env);
}
static atomic_bool done;
static uint32_t gid_alpha, gid_beta;
static char big_list[USERS * 8], small_list[OPS * 8];

struct reader {
	pthread_t thread;
	int id;
	unsigned long answers[2]; /* per state */
	unsigned long failures;
	char first_failure[256];
};

static void fail_once(struct reader *r, const char *what, long v)
{
	if (!r->failures++)
		snprintf(r->first_failure, sizeof(r->first_failure), "%s: %ld", what, v);
}

/* Which state does this rendering of role-alpha belong to?  -1: neither. */
static int state_of_alpha(const struct group *gr, uint32_t gid)
{
	char members[USERS * 8];

	if (gid != gid_alpha)
		return -1;
	nf_members(gr, members, sizeof(members));
	if (!strcmp(members, big_list))
		return 0;
	if (!strcmp(members, small_list))
		return 1;
	return -1;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	static __thread char buf[16384];
	struct group gr;
	unsigned long i;
	int err, st;

	for (i = 0; !atomic_load(&done); i++) {
		enum nss_status s;

		switch ((i + (unsigned long)r->id) % 4) {
		case 3: {
			struct passwd pw;

			s = i % 8 < 4 ? mod.getpwnam_r("user20", &pw, buf, sizeof(buf), &err)
				      : mod.getpwuid_r(300020, &pw, buf, sizeof(buf), &err);
			if (s != NSS_STATUS_SUCCESS)
				fail_once(r, "getpw*_r(user20) status", s);
			else if (pw.pw_uid != 300020 || strcmp(pw.pw_name, "user20") ||
				 strcmp(pw.pw_dir, "/home/user20"))
				fail_once(r, "getpw*_r(user20) wrong entry, uid", (long)pw.pw_uid);
			break;
		}
		case 0:
			s = mod.getgrnam_r("role-alpha", &gr, buf, sizeof(buf), &err);
			if (s != NSS_STATUS_SUCCESS) {
				fail_once(r, "getgrnam_r(role-alpha) status", s);
				break;
			}
			st = state_of_alpha(&gr, gr.gr_gid);
			if (st < 0)
				fail_once(r, "getgrnam_r(role-alpha) mixed answer, gid", gr.gr_gid);
			else
				r->answers[st]++;
			break;
		case 1:
			s = mod.getgrgid_r(gid_alpha, &gr, buf, sizeof(buf), &err);
			if (s != NSS_STATUS_SUCCESS) {
				fail_once(r, "getgrgid_r(alpha) status", s);
				break;
			}
			st = state_of_alpha(&gr, gr.gr_gid);
			if (st < 0 || strcmp(gr.gr_name, "role-alpha"))
				fail_once(r, "getgrgid_r(alpha) mixed answer, gid", gr.gr_gid);
			else
				r->answers[st]++;
			break;
		default: {
			gid_t *groups = malloc(sizeof(*groups));
			long int start = 1, size = 1;

			if (!groups) {
				fail_once(r, "malloc failed", 0);
				break;
			}
			groups[0] = 100;
			s = mod.initgroups_dyn("user20", 100, &start, &size, &groups, 0, &err);
			if (s != NSS_STATUS_SUCCESS)
				fail_once(r, "initgroups_dyn(user20) status", s);
			else if (start == 2 && groups[1] == gid_alpha)
				r->answers[0]++;
			else if (start == 2 && groups[1] == gid_beta)
				r->answers[1]++;
			else
				fail_once(r, "initgroups_dyn(user20) wrong gids, count", start - 1);
			free(groups);
			break;
		}
		}
	}
	return NULL;
}

static void set_state(struct gr_store *st, const char *eng, const char *ops, bool add)
{
	struct gr_err err;

	gr_err_clear(&err);
	tu_assert_ok(gr_group_roles_change(st, NULL, "okta", "g1", &eng, 1, add, &err), &err);
	tu_assert_ok(gr_group_roles_change(st, NULL, "okta", "g2", &ops, 1, add, &err), &err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members' names as the publisher sorts them, space-separated. */
static void expected_list(char *out, size_t len, int n)
{
	char names[USERS][8];
	const char *p[USERS];
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "user%02d", i);
		p[i] = names[i];
	}
	qsort(p, (size_t)n, sizeof(p[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? " " : "", p[i]);
}

static void test_publish_while_reading(void **state)
{
	struct reader readers[THREADS];
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
	json_t *users = json_array(), *groups = json_array();
	const char *members[USERS];
	char ids[USERS][8];
	unsigned long total[2] = { 0, 0 };
	int i;

	(void)state;
	tu_setup(&env, "users = yes");
	assert_int_equal(setenv("GROUPROLE_CONF", env.conf, 1), 0);
	assert_int_equal(setenv("GROUPROLE_NSS_RECHECK_MS", "0", 1), 0);
	st = tu_open(&env);
	gr_err_clear(&err);
	for (i = 0; i < USERS; i++) {
		char name[64];

		snprintf(ids[i], sizeof(ids[i]), "u%02d", i);
		snprintf(name, sizeof(name), "user%02d@example.com", i);
		json_array_append_new(users, tu_user(ids[i], name, true));
		members[i] = ids[i];
	}
	json_array_append_new(groups, tu_group("g1", "Engineering", members, USERS));
	json_array_append_new(groups, tu_group("g2", "Ops", members, OPS));
	tu_assert_ok(gr_store_begin(st, &err), &err);
	tu_assert_ok(gr_dir_create(st, "okta", &err), &err);
	gid_alpha = tu_role(st, "alpha", 0);
	gid_beta = tu_role(st, "beta", 0);
	tu_commit(st);
	tu_assert_ok(gr_import_directory(st, "okta", users, groups, true, NULL, NULL, &err), &err);
	json_decref(users);
	json_decref(groups);
	tu_assert_ok(gr_store_begin(st, &err), &err);
	set_state(st, "alpha", "beta", true);
	tu_commit(st);
	tu_assert_ok(gr_publish(st, NULL, &err), &err);
	expected_list(big_list, sizeof(big_list), USERS);
	expected_list(small_list, sizeof(small_list), OPS);

	memset(readers, 0, sizeof(readers));
	atomic_store(&done, false);
	for (i = 0; i < THREADS; i++) {
		readers[i].id = i;
		assert_int_equal(pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]),
				 0);
	}
	for (i = 0; i < PUBLISHES; i++) {
		bool to_b = i % 2 == 0;

		tu_assert_ok(gr_store_begin(st, &err), &err);
		set_state(st, to_b ? "alpha" : "beta", to_b ? "beta" : "alpha", false);
		set_state(st, to_b ? "beta" : "alpha", to_b ? "alpha" : "beta", true);
		tu_commit(st);
		tu_assert_ok(gr_publish(st, NULL, &err), &err);
	}
	atomic_store(&done, true);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(readers[i].thread, NULL), 0);
		if (readers[i].failures)
			fail_msg("reader %d: %lu bad answers, first: %s", i, readers[i].failures,
				 readers[i].first_failure);
		total[0] += readers[i].answers[0];
		total[1] += readers[i].answers[1];
	}
	print_message("# %d publishes; answers: %lu from state A, %lu from state B\n", PUBLISHES,
		      total[0], total[1]);
	/* Both states were really seen: the readers raced the publisher. */
	assert_true(total[0] > 0 && total[1] > 0);
	gr_store_close(st);
	tu_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_unlisted_first),
		cmocka_unit_test(test_publish_while_reading),
	};

	nf_module_load(&mod);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

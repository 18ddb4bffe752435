/* SPDX-License-Identifier: MIT */
/*
 * The passwd side of libnss_grouprole.so.2 (users = yes) through
 * dlopen/dlsym, as glibc calls it: getpwnam_r and getpwuid_r with every
 * short buffer, unknown names and uids, errno, snapshots without accounts,
 * corrupt entries, and an enumeration over several chunks that a group
 * enumeration and lookups run through without disturbing.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdb.h>

#include "nss_fixture.h"
#include "publish/pwsnap.h"
#include "publish/snapshot.h"
#include "testutil.h"

static struct nf_mod mod;

#define SENTINEL_ERRNO 4242
#define SENTINEL_ERRNOP 777

static const struct gr_snap_account_in basic[] = {
	{ "alice", 300000, 300000, "Alice Nguyen", "/home/alice", "/bin/bash" },
	{ "bob", 300001, 100, "", "/home/bob", "/bin/sh" },
};
static const struct nf_group private_groups[] = {
	{ "alice", 300000, NULL, 0 },
};

static int group_setup(void **state)
{
	(void)state;
	nf_module_load(&mod);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	nf_module_unload(&mod);
	return 0;
}

static int setup(void **state)
{
	*state = nf_env_new("users = yes");
	return 0;
}

static int teardown(void **state)
{
	struct nf_env *env = *state;

	mod.endpwent();
	mod.endgrent();
	nf_teardown(env);
	free(env);
	return 0;
}

static void publish_basic(struct nf_env *env)
{
	assert_int_equal(nf_publish_accounts(env, private_groups, 1, basic, 2, NULL, NULL, 0), 0);
}

/* "name:passwd:uid:gid:gecos:dir:shell", after checking every string lies in BUF. */
static void render(const struct passwd *pw, const char *buf, size_t len, char *out, size_t olen)
{
	const char *const f[] = { pw->pw_name, pw->pw_passwd, pw->pw_gecos, pw->pw_dir,
				  pw->pw_shell };
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		assert_true(f[i] >= buf && f[i] + strlen(f[i]) < buf + len);
	snprintf(out, olen, "%s:%s:%u:%u:%s:%s:%s", pw->pw_name, pw->pw_passwd,
		 (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, pw->pw_gecos, pw->pw_dir,
		 pw->pw_shell);
}

/* Look NAME (or, when NULL, UID) up: the rendered entry, or "-" for NOTFOUND. */
static void lookup(const char *name, uid_t uid, char *out, size_t olen)
{
	static char buf[4096];
	struct passwd pw;
	int err = SENTINEL_ERRNOP;
	enum nss_status s;

	errno = SENTINEL_ERRNO;
	s = name ? mod.getpwnam_r(name, &pw, buf, sizeof(buf), &err)
		 : mod.getpwuid_r(uid, &pw, buf, sizeof(buf), &err);
	/* Success and NOTFOUND leave errno and *errnop alone. */
	assert_int_equal(errno, SENTINEL_ERRNO);
	assert_int_equal(err, SENTINEL_ERRNOP);
	if (s == NSS_STATUS_NOTFOUND) {
		snprintf(out, olen, "-");
		return;
	}
	assert_int_equal(s, NSS_STATUS_SUCCESS);
	render(&pw, buf, sizeof(buf), out, olen);
}

static void assert_name(const char *name, const char *want)
{
	char got[512];

	lookup(name, 0, got, sizeof(got));
	assert_string_equal(got, want);
}

static void assert_uid(uid_t uid, const char *want)
{
	char got[512];

	lookup(NULL, uid, got, sizeof(got));
	assert_string_equal(got, want);
}

static void test_lookups(void **state)
{
	publish_basic(*state);
	assert_name("alice", "alice:*:300000:300000:Alice Nguyen:/home/alice:/bin/bash");
	assert_name("bob", "bob:*:300001:100::/home/bob:/bin/sh");
	assert_uid(300000, "alice:*:300000:300000:Alice Nguyen:/home/alice:/bin/bash");
	assert_uid(300001, "bob:*:300001:100::/home/bob:/bin/sh");
}

static void test_unknown(void **state)
{
	char longname[600];

	publish_basic(*state);
	assert_name("carol", "-");
	assert_name("", "-");
	assert_name("Alice", "-");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_name(longname, "-");
	assert_uid(0, "-");
	assert_uid(300002, "-");
	assert_uid((uid_t)-1, "-");
}

/* Every buffer shorter than the entry: TRYAGAIN with ERANGE, and nothing else. */
static void test_erange(void **state)
{
	const char *want = "alice:*:300000:300000:Alice Nguyen:/home/alice:/bin/bash";
	size_t need = strlen("alice") + strlen("Alice Nguyen") + strlen("/home/alice") +
		      strlen("/bin/bash") + 4 + 2;
	char buf[256], got[512];
	struct passwd pw;
	size_t len;
	int err;

	publish_basic(*state);
	for (len = 0; len < need; len++) {
		err = 0;
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(mod.getpwnam_r("alice", &pw, buf, len, &err), NSS_STATUS_TRYAGAIN);
		assert_int_equal(err, ERANGE);
		/* Not a byte of the caller's buffer was written. */
		assert_int_equal(buf[0], 'x');
		err = 0;
		assert_int_equal(mod.getpwuid_r(300000, &pw, buf, len, &err), NSS_STATUS_TRYAGAIN);
		assert_int_equal(err, ERANGE);
	}
	assert_int_equal(mod.getpwnam_r("alice", &pw, buf, need, &err), NSS_STATUS_SUCCESS);
	render(&pw, buf, need, got, sizeof(got));
	assert_string_equal(got, want);
}

static void test_no_accounts(void **state)
{
	struct nf_env *env = *state;
	static const struct nf_group g[] = { { "role-admin", 200000, NULL, 0 } };
	struct passwd pw;
	char buf[64];
	int err = SENTINEL_ERRNOP;

	/* No snapshot at all: nothing, and an empty enumeration. */
	assert_name("alice", "-");
	assert_int_equal(mod.setpwent(0), NSS_STATUS_SUCCESS);
	assert_int_equal(mod.getpwent_r(&pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	mod.endpwent();
	/* A group-only snapshot (users = no): the same. */
	assert_int_equal(nf_publish(env, g, 1, NULL, 0), 0);
	assert_name("alice", "-");
	assert_uid(200000, "-");
	assert_int_equal(mod.setpwent(0), NSS_STATUS_SUCCESS);
	assert_int_equal(mod.getpwent_r(&pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(err, SENTINEL_ERRNOP);
}

/* The private group comes from the group functions, from the same snapshot. */
static void test_private_group(void **state)
{
	static char buf[1024];
	struct group gr;
	int err = 0;

	publish_basic(*state);
	assert_int_equal(mod.getgrgid_r(300000, &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(gr.gr_name, "alice");
	assert_null(gr.gr_mem[0]);
}

#define ENUM_N 300 /* several chunks of GR_SNAP_CHUNK_ENTRIES */

static void test_enumeration(void **state)
{
	struct nf_env *env = *state;
	static struct gr_snap_account_in a[ENUM_N];
	static char names[ENUM_N][16];
	static const struct nf_group g[] = { { "role-a", 200000, NULL, 0 },
					     { "role-b", 200001, NULL, 0 } };
	char buf[256], tiny[8], got[512], want[512];
	struct passwd pw;
	struct group gr;
	int i, err;

	for (i = 0; i < ENUM_N; i++) {
		snprintf(names[i], sizeof(names[i]), "user%03d", i);
		a[i] = (struct gr_snap_account_in){ names[i], 300000 + (uint32_t)i, 100, "",
						    "/home/u", "/bin/sh" };
	}
	assert_int_equal(nf_publish_accounts(env, g, 2, a, ENUM_N, NULL, NULL, 0), 0);
	assert_int_equal(mod.setpwent(0), NSS_STATUS_SUCCESS);
	assert_int_equal(mod.setgrent(0), NSS_STATUS_SUCCESS);
	for (i = 0; i < ENUM_N; i++) {
		/* A short buffer does not advance the enumeration. */
		err = 0;
		assert_int_equal(mod.getpwent_r(&pw, tiny, sizeof(tiny), &err),
				 NSS_STATUS_TRYAGAIN);
		assert_int_equal(err, ERANGE);
		assert_int_equal(mod.getpwent_r(&pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
		render(&pw, buf, sizeof(buf), got, sizeof(got));
		snprintf(want, sizeof(want), "user%03d:*:%d:100::/home/u:/bin/sh", i, 300000 + i);
		assert_string_equal(got, want);
		/* Lookups and the group enumeration in between change nothing. */
		if (i == 100) {
			assert_name("user007", "user007:*:300007:100::/home/u:/bin/sh");
			assert_int_equal(mod.getgrent_r(&gr, buf, sizeof(buf), &err),
					 NSS_STATUS_SUCCESS);
			assert_string_equal(gr.gr_name, "role-a");
		}
	}
	assert_int_equal(mod.getpwent_r(&pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(mod.getgrent_r(&gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(gr.gr_name, "role-b");
	/* setpwent starts over. */
	assert_int_equal(mod.setpwent(0), NSS_STATUS_SUCCESS);
	assert_int_equal(mod.getpwent_r(&pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "user000");
}

/* A hand-made snapshot: header, accounts table, and one "P" record of BYTES. */
static void write_raw_account(const char *path, const void *bytes, size_t len)
{
	char tmp[PATH_MAX + 8];
	struct gr_snap_header hdr, h;
	struct gr_snap_pw_table t = { 1, 0 };
	struct tdb_context *tdb;
	unsigned char k[16] = "Pmallory", hk = GR_SNAP_TAG_HEADER, tk = GR_SNAP_TAG_PW_TABLE;
	TDB_DATA key, val;
	struct stat st;

	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC));
	hdr.version = GR_SNAP_VERSION;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	tdb = tdb_open(tmp, 131, TDB_INCOMPATIBLE_HASH, O_RDWR | O_CREAT, 0644);
	assert_non_null(tdb);
	key = (TDB_DATA){ k, 8 };
	val = (TDB_DATA){ (unsigned char *)(uintptr_t)bytes, len };
	assert_int_equal(tdb_store(tdb, key, val, TDB_REPLACE), 0);
	/* A table claiming one account in no chunk is itself corrupt: make it one chunk. */
	t.n_chunks = 1;
	key = (TDB_DATA){ &tk, 1 };
	val = (TDB_DATA){ (unsigned char *)&t, sizeof(t) };
	assert_int_equal(tdb_store(tdb, key, val, TDB_REPLACE), 0);
	h = hdr;
	key = (TDB_DATA){ &hk, 1 };
	val = (TDB_DATA){ (unsigned char *)&h, sizeof(h) };
	assert_int_equal(tdb_store(tdb, key, val, TDB_REPLACE), 0);
	assert_int_equal(fstat(tdb_fd(tdb), &st), 0);
	h.file_size = (uint64_t)st.st_size;
	assert_int_equal(tdb_store(tdb, key, val, TDB_REPLACE), 0);
	assert_int_equal(tdb_close(tdb), 0);
	assert_int_equal(chmod(tmp, 0644), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static enum nss_status raw_lookup(const struct nf_env *env, const void *bytes, size_t len,
				  int *err)
{
	static char buf[4096];
	struct passwd pw;

	write_raw_account(env->snap, bytes, len);
	*err = 0;
	return mod.getpwnam_r("mallory", &pw, buf, sizeof(buf), err);
}

/* Entries whose lengths or NULs do not agree are UNAVAIL, never half-returned. */
static void test_corrupt_entries(void **state)
{
	struct nf_env *env = *state;
	struct gr_snap_pw_hdr h = { 300000, 300000, 7, 1, 2, 2 };
	unsigned char e[128];
	size_t n = sizeof(h);
	int err;

	memcpy(e, &h, sizeof(h));
	memcpy(e + n, "mallory\0M\0/h\0/s", 16);
	n += 16;
	/* Sound, to show the hand-made file itself is fine. */
	assert_int_equal(raw_lookup(env, e, n, &err), NSS_STATUS_SUCCESS);
	/* Truncated: the last NUL is missing. */
	assert_int_equal(raw_lookup(env, e, n - 1, &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(err, EIO);
	/* A NUL inside a field. */
	e[sizeof(h) + 2] = '\0';
	assert_int_equal(raw_lookup(env, e, n, &err), NSS_STATUS_UNAVAIL);
	e[sizeof(h) + 2] = 'l';
	/* Lengths past the record, and an empty shell. */
	h.dir_len = 200;
	memcpy(e, &h, sizeof(h));
	assert_int_equal(raw_lookup(env, e, n, &err), NSS_STATUS_UNAVAIL);
	h.dir_len = 2;
	h.shell_len = 0;
	memcpy(e, &h, sizeof(h));
	assert_int_equal(raw_lookup(env, e, n, &err), NSS_STATUS_UNAVAIL);
	/* Shorter than the header. */
	assert_int_equal(raw_lookup(env, e, sizeof(h) - 1, &err), NSS_STATUS_UNAVAIL);
}

/* The writer refuses what would break a passwd line or the format. */
static void test_writer_refuses(void **state)
{
	struct nf_env *env = *state;
	static const struct gr_snap_account_in bad[] = {
		{ "a:b", 300000, 1, "", "/h", "/s" },
		{ "a", 300000, 1, "x:y", "/h", "/s" },
		{ "a", 300000, 1, "", "/h\n", "/s" },
		{ "a", 300000, 1, "", "/h", "" },
		{ "", 300000, 1, "", "/h", "/s" },
	};
	static const struct gr_snap_account_in dup_uid[] = {
		{ "a", 300000, 1, "", "/h", "/s" },
		{ "b", 300000, 1, "", "/h", "/s" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(nf_publish_accounts(env, NULL, 0, &bad[i], 1, NULL, NULL, 0),
				 -EINVAL);
	assert_int_equal(nf_publish_accounts(env, NULL, 0, dup_uid, 2, NULL, NULL, 0), -EEXIST);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lookups),	 T(test_unknown),	  T(test_erange),
		T(test_no_accounts),	 T(test_private_group),	  T(test_enumeration),
		T(test_corrupt_entries), T(test_writer_refuses),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

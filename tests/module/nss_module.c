/* SPDX-License-Identifier: MIT */
/*
 * libnss_grouprole.so.2 through dlopen/dlsym, the way glibc calls it: every
 * entry point, short buffers, a 50,000-member group, unknown names, missing,
 * corrupt and untrusted snapshots, errno, initgroups_dyn's array handling,
 * enumeration, and how a process notices a new snapshot.
 *
 * Most tests set GROUPROLE_NSS_RECHECK_MS=0 so that every call checks the
 * snapshot's identity; test_freshness checks the default, rate-limited path.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tdb.h>

#include "nss_fixture.h"
#include "publish/snapshot.h"
#include "testutil.h"

static struct nf_mod mod;

/* errno and *errnop values that must survive a successful or NOTFOUND call. */
#define SENTINEL_ERRNO 4242
#define SENTINEL_ERRNOP 777

static const char *const m_admin[] = { "alice" };
static const char *const m_dev[] = { "alice", "bob" };
static const uint32_t g_alice[] = { 999, 200000, 200001 }; /* 999: bound to host "docker" */
static const uint32_t g_bob[] = { 200001 };

static const struct nf_group basic_groups[] = {
	{ "role-admin", 200000, m_admin, 1 },
	{ "role-dev", 200001, m_dev, 2 },
	{ "role-empty", 200002, NULL, 0 },
};
static const struct nf_user basic_users[] = {
	{ "alice", g_alice, 3 },
	{ "bob", g_bob, 1 },
};

static void publish_basic(struct nf_env *env)
{
	assert_int_equal(nf_publish(env, basic_groups, 3, basic_users, 2), 0);
}

static int group_setup(void **state)
{
	(void)state;
	nf_module_load(&mod);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	/* The module is -z nodelete: dlclose must be harmless. */
	dlclose(mod.handle);
	return 0;
}

static int setup(void **state)
{
	struct nf_env *env = calloc(1, sizeof(*env));

	assert_non_null(env);
	assert_int_equal(setenv("GROUPROLE_NSS_RECHECK_MS", "0", 1), 0);
	nf_setup(env, NULL);
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	struct nf_env *env = *state;

	mod.endgrent();
	nf_teardown(env);
	free(env);
	return 0;
}

/* ---- helpers ---- */

static enum nss_status by_name(const char *name, struct group *gr, char *buf, size_t len,
			       int *err)
{
	return mod.getgrnam_r(name, gr, buf, len, err);
}

/* Look NAME up and render it as "name:passwd:gid:m1 m2"; NOTFOUND as "-". */
static void lookup(const char *name, char *out, size_t len)
{
	static char buf[1 << 16];
	struct group gr;
	char members[4096];
	int err = SENTINEL_ERRNOP;
	enum nss_status s;

	errno = SENTINEL_ERRNO;
	s = by_name(name, &gr, buf, sizeof(buf), &err);
	if (s == NSS_STATUS_NOTFOUND) {
		assert_int_equal(errno, SENTINEL_ERRNO);
		assert_int_equal(err, SENTINEL_ERRNOP);
		snprintf(out, len, "-");
		return;
	}
	if (s != NSS_STATUS_SUCCESS)
		fail_msg("getgrnam_r(%s) = %d, errno %d", name, s, err);
	assert_int_equal(errno, SENTINEL_ERRNO);
	assert_int_equal(err, SENTINEL_ERRNOP);
	nf_members(&gr, members, sizeof(members));
	snprintf(out, len, "%s:%s:%u:%s", gr.gr_name, gr.gr_passwd, (unsigned)gr.gr_gid, members);
}

static void assert_lookup(const char *name, const char *expect)
{
	char got[8192];

	lookup(name, got, sizeof(got));
	if (strcmp(got, expect))
		fail_msg("getgrnam_r(%s): got '%s', want '%s'", name, got, expect);
}

static void assert_status(enum nss_status got, enum nss_status want)
{
	if (got != want)
		fail_msg("status %d, want %d", got, want);
}

/* ---- lookups ---- */

static void test_getgrnam(void **state)
{
	publish_basic(*state);
	assert_lookup("role-admin", "role-admin:*:200000:alice");
	assert_lookup("role-dev", "role-dev:*:200001:alice bob");
	assert_lookup("role-empty", "role-empty:*:200002:");
}

static void test_getgrgid(void **state)
{
	static char buf[4096];
	char members[256];
	struct group gr;
	int err = SENTINEL_ERRNOP;

	publish_basic(*state);
	errno = SENTINEL_ERRNO;
	assert_status(mod.getgrgid_r(200001, &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_int_equal(errno, SENTINEL_ERRNO);
	assert_int_equal(err, SENTINEL_ERRNOP);
	assert_string_equal(gr.gr_name, "role-dev");
	assert_int_equal(gr.gr_gid, 200001);
	nf_members(&gr, members, sizeof(members));
	assert_string_equal(members, "alice bob");
	assert_status(mod.getgrgid_r(200002, &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_null(gr.gr_mem[0]);
	/* Everything points into the caller's buffer. */
	assert_true(gr.gr_name >= buf && gr.gr_name < buf + sizeof(buf));
	assert_true((char *)gr.gr_mem >= buf && (char *)gr.gr_mem < buf + sizeof(buf));
}

static void test_unknown(void **state)
{
	static char buf[4096];
	char longname[400];
	struct group gr;
	int err = SENTINEL_ERRNOP;
	const gid_t gids[] = { 0, 999, 200003, 4294967294u, 4294967295u };
	size_t i;

	publish_basic(*state);
	memset(longname, 'r', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_lookup("nope", "-");
	assert_lookup("role-", "-");
	assert_lookup("", "-");
	assert_lookup("ROLE-ADMIN", "-");
	assert_lookup("alice", "-"); /* a user, not a group */
	assert_lookup(longname, "-");
	for (i = 0; i < sizeof(gids) / sizeof(gids[0]); i++) {
		errno = SENTINEL_ERRNO;
		/* 999 is bound to the host's docker group: never shadowed by an entry of ours. */
		assert_status(mod.getgrgid_r(gids[i], &gr, buf, sizeof(buf), &err),
			      NSS_STATUS_NOTFOUND);
		assert_int_equal(errno, SENTINEL_ERRNO);
		assert_int_equal(err, SENTINEL_ERRNOP);
	}
}

static enum nss_status call_ent(void *ctx, struct group *gr, char *buf, size_t len, int *err);

/*
 * Every buffer size below the need gets TRYAGAIN/ERANGE and not one byte is
 * written (the size is computed before copying); from the need on it works,
 * at any alignment.
 */
static size_t check_erange(enum nss_status (*call)(void *ctx, struct group *, char *, size_t,
						    int *),
			   void *ctx, const char *want_name)
{
	enum { GUARD = 64, MAX = 4096 };
	static unsigned char area[MAX + GUARD + 8];
	struct group gr, pristine;
	size_t len, need = 0, off;
	int err;

	memset(&pristine, 0x5a, sizeof(pristine));
	for (off = 0; off < 3; off++) {
		if (call == call_ent)
			assert_status(mod.setgrent(0), NSS_STATUS_SUCCESS);
		for (len = 0; len < MAX; len++) {
			char *buf = (char *)area + off;
			size_t i;
			enum nss_status s;

			memset(area, 0xa5, sizeof(area));
			memcpy(&gr, &pristine, sizeof(gr));
			err = SENTINEL_ERRNOP;
			errno = SENTINEL_ERRNO;
			s = call(ctx, &gr, len ? buf : NULL, len, &err);
			if (s == NSS_STATUS_SUCCESS) {
				assert_string_equal(gr.gr_name, want_name);
				assert_true((uintptr_t)gr.gr_mem % sizeof(char *) == 0);
				/* Nothing was written past LEN. */
				for (i = off + len; i < sizeof(area); i++)
					assert_int_equal(area[i], 0xa5);
				break;
			}
			assert_status(s, NSS_STATUS_TRYAGAIN);
			assert_int_equal(err, ERANGE);
			assert_int_equal(errno, SENTINEL_ERRNO);
			assert_memory_equal(&gr, &pristine, sizeof(gr));
			for (i = 0; i < sizeof(area); i++)
				if (area[i] != 0xa5)
					fail_msg("len %zu: byte %zu written before ERANGE", len, i);
		}
		assert_true(len < MAX);
		if (off == 0)
			need = len;
		/* Alignment padding may add at most sizeof(char *) - 1 bytes. */
		assert_true(len >= need && len < need + sizeof(char *));
	}
	return need;
}

static enum nss_status call_name(void *ctx, struct group *gr, char *buf, size_t len, int *err)
{
	return mod.getgrnam_r(ctx, gr, buf, len, err);
}

static enum nss_status call_gid(void *ctx, struct group *gr, char *buf, size_t len, int *err)
{
	return mod.getgrgid_r(*(gid_t *)ctx, gr, buf, len, err);
}

static enum nss_status call_ent(void *ctx, struct group *gr, char *buf, size_t len, int *err)
{
	(void)ctx;
	return mod.getgrent_r(gr, buf, len, err);
}

static void test_erange(void **state)
{
	gid_t gid = 200001;
	size_t need;

	publish_basic(*state);
	/* gr_mem[3] (24) + "role-dev\0" (9) + "*\0" (2) + "alice\0bob\0" (10) */
	need = check_erange(call_name, (void *)(uintptr_t)"role-dev", "role-dev");
	assert_int_equal(need, 3 * sizeof(char *) + 9 + 2 + 10);
	assert_int_equal(check_erange(call_gid, &gid, "role-dev"), need);
	/* Enumeration: ERANGE must not advance, so the first entry comes back each time. */
	mod.setgrent(0);
	check_erange(call_ent, NULL, "role-admin");
}

static void test_big_group(void **state)
{
	enum { N = 50000 };
	static char names[N][12];
	static const char *members[N];
	static char buf[2 << 20];
	struct nf_group g[2];
	struct nf_user u;
	struct group gr;
	uint32_t ugid = 200100;
	gid_t *groups;
	long int start = 0, size = 1;
	int err = 0, i;

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "user%05d", i);
		members[i] = names[i];
	}
	g[0] = (struct nf_group){ "role-everyone", 200100, members, N };
	g[1] = (struct nf_group){ "role-small", 200101, members, 1 };
	u = (struct nf_user){ "user04242", &ugid, 1 };
	assert_int_equal(nf_publish(*state, g, 2, &u, 1), 0);

	assert_status(mod.getgrnam_r("role-everyone", &gr, buf, sizeof(buf), &err),
		      NSS_STATUS_SUCCESS);
	for (i = 0; i < N; i++)
		if (!gr.gr_mem[i] || strcmp(gr.gr_mem[i], names[i]))
			fail_msg("member %d: %s", i, gr.gr_mem[i] ? gr.gr_mem[i] : "(null)");
	assert_null(gr.gr_mem[N]);
	assert_status(mod.getgrgid_r(200100, &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(gr.gr_mem[N - 1], "user49999");
	/* 50,000 pointers alone need 400 kB. */
	assert_status(mod.getgrnam_r("role-everyone", &gr, buf, 300000, &err),
		      NSS_STATUS_TRYAGAIN);
	assert_int_equal(err, ERANGE);

	groups = malloc(sizeof(*groups));
	assert_non_null(groups);
	assert_status(mod.initgroups_dyn("user04242", 100, &start, &size, &groups, 0, &err),
		      NSS_STATUS_SUCCESS);
	assert_int_equal(start, 1);
	assert_int_equal(groups[0], 200100);
	free(groups);

	mod.setgrent(0);
	assert_status(mod.getgrent_r(&gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(gr.gr_name, "role-everyone");
	assert_string_equal(gr.gr_mem[N / 2], names[N / 2]);
	assert_status(mod.getgrent_r(&gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(gr.gr_name, "role-small");
	assert_status(mod.getgrent_r(&gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
}

/* ---- missing, corrupt and untrusted snapshots ---- */

/* Every entry point answers STATUS (and UNAVAIL sets *errnop, the rest keep errno). */
static void assert_all(enum nss_status want)
{
	static char buf[4096];
	struct group gr;
	gid_t *groups = malloc(4 * sizeof(*groups));
	long int start = 1, size = 4;
	int err;

	assert_non_null(groups);
	groups[0] = 1000;
#define CHECK(call, expect)                                                               \
	do {                                                                               \
		enum nss_status s_;                                                        \
		err = SENTINEL_ERRNOP;                                                     \
		errno = SENTINEL_ERRNO;                                                    \
		s_ = (call);                                                               \
		if (s_ != (expect))                                                        \
			fail_msg("%s = %d (errno %d), want %d", #call, s_, err, (expect));  \
		if (s_ == NSS_STATUS_UNAVAIL) {                                            \
			assert_int_not_equal(err, SENTINEL_ERRNOP);                        \
			assert_int_not_equal(err, 0);                                      \
		} else {                                                                   \
			assert_int_equal(err, SENTINEL_ERRNOP);                            \
		}                                                                          \
		assert_int_equal(errno, SENTINEL_ERRNO);                                   \
	} while (0)
	CHECK(mod.getgrnam_r("role-admin", &gr, buf, sizeof(buf), &err), want);
	CHECK(mod.getgrgid_r(200000, &gr, buf, sizeof(buf), &err), want);
	CHECK(mod.initgroups_dyn("alice", 1000, &start, &size, &groups, 0, &err), want);
	assert_int_equal(start, 1);
	/* setgrent and endgrent have no errnop; errno must still survive. */
	errno = SENTINEL_ERRNO;
	assert_status(mod.setgrent(0), want == NSS_STATUS_NOTFOUND ? NSS_STATUS_SUCCESS : want);
	assert_int_equal(errno, SENTINEL_ERRNO);
	CHECK(mod.getgrent_r(&gr, buf, sizeof(buf), &err), want);
	CHECK(mod.getgrent_r(&gr, buf, sizeof(buf), &err), want);
	assert_status(mod.endgrent(), NSS_STATUS_SUCCESS);
	assert_int_equal(errno, SENTINEL_ERRNO);
#undef CHECK
	free(groups);
}

static void test_no_snapshot(void **state)
{
	struct nf_env *env = *state;
	char conf[PATH_MAX + 64];

	/* The state directory exists, the snapshot does not. */
	assert_all(NSS_STATUS_NOTFOUND);
	/* Published, then removed: the host's own groups must keep working. */
	publish_basic(env);
	assert_lookup("role-admin", "role-admin:*:200000:alice");
	assert_int_equal(unlink(env->snap), 0);
	assert_all(NSS_STATUS_NOTFOUND);
	/* No state directory at all. */
	snprintf(conf, sizeof(conf), "test_mode = yes\nstate_dir = %s/missing", env->dir);
	nf_write_conf(env, conf);
	assert_all(NSS_STATUS_NOTFOUND);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX + 8];
	int fd;

	/* Replace by rename, as a publisher would, so the identity changes. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size);
	assert_non_null(p);
	assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

/*
 * Store header HDR as the last record, with file_size set to the file's
 * final size as the writer does (the same-sized rewrite stays in place).
 */
static void store_header(struct tdb_context *tdb, const struct gr_snap_header *hdr)
{
	struct gr_snap_header h = *hdr;
	unsigned char k = GR_SNAP_TAG_HEADER;
	TDB_DATA key = { &k, 1 }, val = { (unsigned char *)&h, sizeof(h) };
	struct stat st;

	assert_int_equal(tdb_store(tdb, key, val, TDB_REPLACE), 0);
	assert_int_equal(fstat(tdb_fd(tdb), &st), 0);
	h.file_size = (uint64_t)st.st_size;
	assert_int_equal(tdb_store(tdb, key, val, TDB_REPLACE), 0);
	assert_int_equal(fstat(tdb_fd(tdb), &st), 0);
	assert_int_equal(h.file_size, (uint64_t)st.st_size);
}

/* A valid TDB whose header record is HDR: right format, wrong contents. */
static void write_tdb_header(const char *path, const struct gr_snap_header *hdr)
{
	char tmp[PATH_MAX + 8];
	struct tdb_context *tdb;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	tdb = tdb_open(tmp, 131, TDB_INCOMPATIBLE_HASH, O_RDWR | O_CREAT, 0644);
	assert_non_null(tdb);
	store_header(tdb, hdr);
	assert_int_equal(tdb_close(tdb), 0);
	assert_int_equal(chmod(tmp, 0644), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void test_corrupt(void **state)
{
	struct nf_env *env = *state;
	struct gr_snap_header hdr;
	unsigned char junk[8192];
	unsigned char *good;
	size_t len, i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	write_file(env->snap, junk, sizeof(junk), 0644);
	assert_all(NSS_STATUS_UNAVAIL);
	write_file(env->snap, "", 0, 0644);
	assert_all(NSS_STATUS_UNAVAIL);

	/* A TDB, but not ours, or from another version of the format. */
	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, "NOTOURS", 8);
	hdr.version = GR_SNAP_VERSION;
	write_tdb_header(env->snap, &hdr);
	assert_all(NSS_STATUS_UNAVAIL);
	memcpy(hdr.magic, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC));
	hdr.version = GR_SNAP_VERSION + 1;
	write_tdb_header(env->snap, &hdr);
	assert_all(NSS_STATUS_UNAVAIL);
	/* Ours, but it claims groups whose chunks are missing. */
	hdr.version = GR_SNAP_VERSION;
	hdr.n_groups = 3;
	hdr.n_chunks = 1;
	write_tdb_header(env->snap, &hdr);
	{
		static char buf[4096];
		struct group gr;
		int err = 0;

		assert_status(mod.setgrent(0), NSS_STATUS_SUCCESS);
		assert_status(mod.getgrent_r(&gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
		assert_int_equal(err, EIO);
		mod.endgrent();
	}

	/* Truncated: the header survives, the records do not. */
	publish_basic(env);
	good = read_file(env->snap, &len);
	write_file(env->snap, good, len / 2, 0644);
	{
		static char buf[4096];
		struct group gr;
		int err = 0;
		enum nss_status s = mod.getgrnam_r("role-dev", &gr, buf, sizeof(buf), &err);

		assert_true(s == NSS_STATUS_UNAVAIL || s == NSS_STATUS_NOTFOUND);
	}
	free(good);
}

/*
 * A snapshot whose only group entry is NAME with member count N, claiming
 * MEMBERS_LEN bytes of names, of which the first BYTES of MEMBERS are stored.
 * The N stored lengths (format v3) are those of the names found in MEMBERS,
 * padded with 1 (LENS, when not NULL, gives them instead).
 */
static void write_raw_group_lens(const char *path, const char *name, uint32_t n,
				 const unsigned char *lens, const char *members,
				 uint32_t members_len, uint32_t bytes)
{
	char tmp[PATH_MAX + 8];
	unsigned char k[64], entry[256];
	struct gr_snap_header hdr;
	struct gr_snap_entry_hdr eh;
	struct tdb_context *tdb;
	TDB_DATA key, val;
	size_t nlen = strlen(name), len, off = 0;
	uint32_t i;

	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC));
	hdr.version = GR_SNAP_VERSION;
	memset(&eh, 0, sizeof(eh));
	eh.gid = 200000;
	eh.n_members = n;
	eh.name_len = (uint32_t)nlen;
	eh.members_len = members_len;
	memcpy(entry, &eh, sizeof(eh));
	memcpy(entry + sizeof(eh), name, nlen + 1);
	for (i = 0; i < n; i++) {
		size_t l = off < bytes ? strnlen(members + off, bytes - off) : 1;

		entry[sizeof(eh) + nlen + 1 + i] = lens ? lens[i] : (unsigned char)l;
		off += l + 1;
	}
	memcpy(entry + sizeof(eh) + nlen + 1 + n, members, bytes);
	len = sizeof(eh) + nlen + 1 + n + bytes;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	tdb = tdb_open(tmp, 131, TDB_INCOMPATIBLE_HASH, O_RDWR | O_CREAT, 0644);
	assert_non_null(tdb);
	k[0] = GR_SNAP_TAG_NAME;
	memcpy(k + 1, name, nlen);
	key = (TDB_DATA){ k, 1 + nlen };
	val = (TDB_DATA){ entry, len };
	assert_int_equal(tdb_store(tdb, key, val, TDB_REPLACE), 0);
	store_header(tdb, &hdr);
	assert_int_equal(tdb_close(tdb), 0);
	assert_int_equal(chmod(tmp, 0644), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void write_raw_group_len(const char *path, const char *name, uint32_t n,
				const char *members, uint32_t members_len, uint32_t bytes)
{
	write_raw_group_lens(path, name, n, NULL, members, members_len, bytes);
}

static void write_raw_group(const char *path, const char *name, uint32_t n, const char *members,
			    uint32_t members_len)
{
	write_raw_group_len(path, name, n, members, members_len, members_len);
}

/* Entries whose member names do not match their count are refused, not half-returned. */
static void test_corrupt_entries(void **state)
{
	struct nf_env *env = *state;
	static char buf[4096];
	struct group gr;
	int err;

	/* Sound, to show the hand-made file itself is fine. */
	write_raw_group(env->snap, "role-x", 2, "aa\0bb\0", 6);
	assert_lookup("role-x", "role-x:*:200000:aa bb");
	/* Three announced, two present. */
	write_raw_group(env->snap, "role-x", 3, "aa\0bb\0", 6);
	err = 0;
	assert_status(mod.getgrnam_r("role-x", &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(err, EIO);
	/* Two announced, three present. */
	write_raw_group(env->snap, "role-x", 2, "a\0b\0c\0", 6);
	assert_status(mod.getgrnam_r("role-x", &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	/* An empty name among them. */
	write_raw_group(env->snap, "role-x", 2, "a\0\0b\0", 5);
	assert_status(mod.getgrnam_r("role-x", &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	/* Lengths beyond the record. */
	write_raw_group_len(env->snap, "role-x", 1, "a\0", 200, 2);
	assert_status(mod.getgrnam_r("role-x", &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	/* Stored lengths (v3) that do not match the names: never trusted. */
	write_raw_group_lens(env->snap, "role-x", 2, (const unsigned char *)"\1\3", "aa\0bb\0",
			     6, 6);
	assert_status(mod.getgrnam_r("role-x", &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	write_raw_group_lens(env->snap, "role-x", 2, (const unsigned char *)"\2\4", "aa\0bb\0",
			     6, 6);
	assert_status(mod.getgrnam_r("role-x", &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	write_raw_group_lens(env->snap, "role-x", 2, (const unsigned char *)"\0\5", "aa\0bb\0",
			     6, 6);
	assert_status(mod.getgrnam_r("role-x", &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	/*
	 * A file of another size than the header says (here: grown by a
	 * page): not what the publisher wrote, though libtdb would read it.
	 */
	write_raw_group(env->snap, "role-x", 2, "aa\0bb\0", 6);
	assert_lookup("role-x", "role-x:*:200000:aa bb");
	assert_int_equal(nf_run("head -c 4096 /dev/zero >> '%s'", env->snap), 0);
	assert_status(mod.getgrnam_r("role-x", &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
}

/*
 * Whatever the bytes, the module must not crash, hang or hand out pointers
 * outside the caller's buffer: flip bytes of a valid snapshot and let a child
 * process call every entry point on it.
 */
static unsigned char *fuzz_good, *fuzz_bad;
static size_t fuzz_len;

static void exercise_child(void)
{
	static char buf[8192];
	const char *names[] = { "role-admin", "role-dev", "role-empty", "nope" };
	const gid_t gids[] = { 200000, 200001, 200002, 5 };
	struct group gr;
	gid_t *groups;
	long int start, size;
	int err, i, n;
	enum nss_status s;

#define IN_BUF(p) ((char *)(p) >= buf && (char *)(p) < buf + sizeof(buf))
#define CHECK_ENTRY()                                                                     \
	do {                                                                               \
		if (s == NSS_STATUS_SUCCESS) {                                             \
			char **m_;                                                         \
			if (!IN_BUF(gr.gr_name) || !IN_BUF(gr.gr_mem) || !IN_BUF(gr.gr_passwd)) \
				_exit(3);                                                  \
			for (m_ = gr.gr_mem; *m_; m_++)                                    \
				if (!IN_BUF(*m_) || !IN_BUF(*m_ + strlen(*m_)))            \
					_exit(4);                                          \
		} else if (s != NSS_STATUS_NOTFOUND && s != NSS_STATUS_UNAVAIL &&           \
			   s != NSS_STATUS_TRYAGAIN) {                                     \
			_exit(5);                                                          \
		}                                                                          \
	} while (0)
	for (i = 0; i < 4; i++) {
		s = mod.getgrnam_r(names[i], &gr, buf, sizeof(buf), &err);
		CHECK_ENTRY();
		s = mod.getgrgid_r(gids[i], &gr, buf, sizeof(buf), &err);
		CHECK_ENTRY();
	}
	for (i = 0; i < 3; i++) {
		groups = malloc(sizeof(*groups));
		start = 0;
		size = 1;
		s = mod.initgroups_dyn(i == 0 ? "alice" : i == 1 ? "bob" : "x", 0, &start, &size,
				       &groups, 0, &err);
		if (start > size || start > 65536)
			_exit(6);
		free(groups);
	}
	mod.setgrent(0);
	for (n = 0; n < 100000; n++) {
		s = mod.getgrent_r(&gr, buf, sizeof(buf), &err);
		if (s != NSS_STATUS_SUCCESS)
			break;
		CHECK_ENTRY();
	}
	mod.endgrent();
	/* The parent's buffers, so that valgrind's leak check in this child stays quiet. */
	free(fuzz_good);
	free(fuzz_bad);
	_exit(n == 100000 ? 7 : 0);
#undef CHECK_ENTRY
#undef IN_BUF
}

static void test_fuzz(void **state)
{
	struct nf_env *env = *state;
	unsigned char *good, *bad;
	size_t len, i;
	unsigned int seed = 1;
	int round, rounds = getenv("GR_VALGRIND") ? 40 : 300;

	publish_basic(env);
	good = fuzz_good = read_file(env->snap, &len);
	bad = fuzz_bad = malloc(len);
	assert_non_null(bad);
	for (round = 0; round < rounds; round++) {
		pid_t pid;
		int st, flips = 1 + round % 8;

		memcpy(bad, good, len);
		for (i = 0; i < (size_t)flips; i++)
			bad[(size_t)rand_r(&seed) % len] ^=
				(unsigned char)(1 + rand_r(&seed) % 255);
		write_file(env->snap, bad, len, 0644);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			alarm(20);
			exercise_child();
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("round %d: child %s %d", round,
				 WIFEXITED(st) ? "exited with" : "killed by signal",
				 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	free(bad);
	free(good);
	fuzz_good = fuzz_bad = NULL;
}

static void test_unsafe(void **state)
{
	struct nf_env *env = *state;
	char conf[PATH_MAX + 64];

	publish_basic(env);
	assert_lookup("role-admin", "role-admin:*:200000:alice");
	/* Group- or world-writable: refused even in test mode. */
	publish_basic(env); /* a new file, so the module looks again */
	assert_int_equal(chmod(env->snap, 0664), 0);
	assert_all(NSS_STATUS_UNAVAIL);
	publish_basic(env);
	assert_int_equal(chmod(env->snap, 0646), 0);
	assert_all(NSS_STATUS_UNAVAIL);

	/* Outside test mode only root's file is trusted. */
	snprintf(conf, sizeof(conf), "test_mode = no");
	nf_write_conf(env, conf);
	publish_basic(env);
	if (getuid() == 0) {
		assert_lookup("role-admin", "role-admin:*:200000:alice");
		assert_int_equal(chown(env->snap, 4242, 4242), 0);
		publish_basic(env);
		assert_int_equal(chown(env->snap, 4242, 4242), 0);
		assert_all(NSS_STATUS_UNAVAIL);
		/* In test mode the real uid is trusted, and root's uid is 0, not 4242. */
		nf_write_conf(env, "test_mode = yes");
		publish_basic(env);
		assert_int_equal(chown(env->snap, 4242, 4242), 0);
		assert_all(NSS_STATUS_UNAVAIL);
	} else {
		/* Our own file, not root's. */
		assert_all(NSS_STATUS_UNAVAIL);
	}
}

/* ---- initgroups_dyn ---- */

static void test_initgroups(void **state)
{
	gid_t *groups;
	long int start, size;
	int err;

	publish_basic(*state);

	/* Appends after START, grows the array from one slot. */
	groups = malloc(sizeof(*groups));
	assert_non_null(groups);
	groups[0] = 1000;
	start = 1;
	size = 1;
	err = SENTINEL_ERRNOP;
	errno = SENTINEL_ERRNO;
	assert_status(mod.initgroups_dyn("alice", 1000, &start, &size, &groups, 0, &err),
		      NSS_STATUS_SUCCESS);
	assert_int_equal(errno, SENTINEL_ERRNO);
	assert_int_equal(err, SENTINEL_ERRNOP);
	assert_int_equal(start, 4);
	assert_true(size >= 4);
	assert_int_equal(groups[0], 1000);
	/* 999 is the bound role's host group: in the list, though we have no entry for it. */
	assert_int_equal(groups[1], 999);
	assert_int_equal(groups[2], 200000);
	assert_int_equal(groups[3], 200001);
	free(groups);

	/* Skips SKIPGID and gids already present. */
	groups = calloc(8, sizeof(*groups));
	assert_non_null(groups);
	groups[0] = 1000;
	groups[1] = 200001;
	start = 2;
	size = 8;
	assert_status(mod.initgroups_dyn("alice", 200000, &start, &size, &groups, 0, &err),
		      NSS_STATUS_SUCCESS);
	assert_int_equal(start, 3);
	assert_int_equal(size, 8);
	assert_int_equal(groups[2], 999);

	/* LIMIT truncates and still succeeds. */
	start = 1;
	assert_status(mod.initgroups_dyn("alice", 1000, &start, &size, &groups, 2, &err),
		      NSS_STATUS_SUCCESS);
	assert_int_equal(start, 2);
	assert_int_equal(groups[1], 999);
	start = 2;
	assert_status(mod.initgroups_dyn("alice", 1000, &start, &size, &groups, 2, &err),
		      NSS_STATUS_SUCCESS);
	assert_int_equal(start, 2);
	free(groups);

	/* Growing never goes past LIMIT. */
	groups = malloc(sizeof(*groups));
	assert_non_null(groups);
	start = 1;
	size = 1;
	groups[0] = 1000;
	assert_status(mod.initgroups_dyn("alice", 1000, &start, &size, &groups, 3, &err),
		      NSS_STATUS_SUCCESS);
	assert_int_equal(start, 3);
	assert_true(size <= 3);

	/* A login without roles, or no login at all. */
	start = 1;
	errno = SENTINEL_ERRNO;
	err = SENTINEL_ERRNOP;
	assert_status(mod.initgroups_dyn("carol", 1000, &start, &size, &groups, 0, &err),
		      NSS_STATUS_NOTFOUND);
	assert_status(mod.initgroups_dyn("", 1000, &start, &size, &groups, 0, &err),
		      NSS_STATUS_NOTFOUND);
	assert_int_equal(start, 1);
	assert_int_equal(errno, SENTINEL_ERRNO);
	assert_int_equal(err, SENTINEL_ERRNOP);
	free(groups);
}

/* ---- enumeration ---- */

#define ENUM_N 300
static char enum_names[ENUM_N][16];
static const char *const *enum_members_of(int i)
{
	static const char *const pool[] = { "ann", "ben", "cat", "dan" };

	return i % 5 ? pool : NULL;
}

static void publish_many(struct nf_env *env)
{
	static struct nf_group g[ENUM_N];
	int i;

	for (i = 0; i < ENUM_N; i++) {
		snprintf(enum_names[i], sizeof(enum_names[i]), "g-%03d", i);
		g[i] = (struct nf_group){ enum_names[i], 300000 + (uint32_t)i, enum_members_of(i),
					  (uint32_t)(i % 5) };
	}
	assert_int_equal(nf_publish(env, g, ENUM_N, NULL, 0), 0);
}

static void next_entry(const char *want)
{
	static char buf[4096];
	struct group gr;
	int err = SENTINEL_ERRNOP;

	errno = SENTINEL_ERRNO;
	if (!want) {
		assert_status(mod.getgrent_r(&gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	} else {
		assert_status(mod.getgrent_r(&gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
		assert_string_equal(gr.gr_name, want);
	}
	assert_int_equal(errno, SENTINEL_ERRNO);
	assert_int_equal(err, SENTINEL_ERRNOP);
}

static void test_enumeration(void **state)
{
	struct nf_env *env = *state;
	static char buf[4096];
	struct group gr;
	int err, i;

	publish_many(env);
	errno = SENTINEL_ERRNO;
	assert_status(mod.setgrent(1), NSS_STATUS_SUCCESS);
	assert_int_equal(errno, SENTINEL_ERRNO);
	for (i = 0; i < ENUM_N; i++) {
		char members[64];

		assert_status(mod.getgrent_r(&gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
		assert_string_equal(gr.gr_name, enum_names[i]);
		assert_int_equal(gr.gr_gid, 300000 + i);
		nf_members(&gr, members, sizeof(members));
		assert_string_equal(members, i % 5 == 0 ? "" : i % 5 == 1 ? "ann" :
					     i % 5 == 2 ? "ann ben" : i % 5 == 3 ? "ann ben cat" :
					     "ann ben cat dan");
	}
	/* The end stays the end. */
	next_entry(NULL);
	next_entry(NULL);
	assert_status(mod.endgrent(), NSS_STATUS_SUCCESS);

	/* Without setgrent, getgrent starts at the beginning. */
	next_entry("g-000");
	/* Lookups never move or reset the enumeration. */
	next_entry("g-001");
	assert_lookup("g-250", "g-250:*:300250:");
	assert_status(mod.getgrgid_r(300100, &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	next_entry("g-002");
	/* A short buffer does not consume the entry. */
	err = 0;
	assert_status(mod.getgrent_r(&gr, buf, 8, &err), NSS_STATUS_TRYAGAIN);
	assert_int_equal(err, ERANGE);
	next_entry("g-003");
	/* setgrent rewinds. */
	assert_status(mod.setgrent(0), NSS_STATUS_SUCCESS);
	next_entry("g-000");
}

static void test_enumeration_pinned(void **state)
{
	struct nf_env *env = *state;
	static const char *const m[] = { "zed" };
	const struct nf_group newer[] = { { "new-a", 400000, m, 1 }, { "new-b", 400001, NULL, 0 } };
	int i;

	publish_many(env);
	assert_status(mod.setgrent(0), NSS_STATUS_SUCCESS);
	next_entry("g-000");
	/* The publisher replaces the snapshot in the middle of the enumeration. */
	assert_int_equal(nf_publish(env, newer, 2, NULL, 0), 0);
	assert_lookup("new-a", "new-a:*:400000:zed");
	assert_lookup("g-001", "-");
	/* ...which goes on through the state it started with, to its end. */
	for (i = 1; i < ENUM_N; i++)
		next_entry(enum_names[i]);
	next_entry(NULL);
	/* The next one sees the new state. */
	assert_status(mod.setgrent(0), NSS_STATUS_SUCCESS);
	next_entry("new-a");
	next_entry("new-b");
	next_entry(NULL);
	mod.endgrent();
}

/* ---- freshness ---- */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct nf_group state_a[] = { { "role-a", 200010, NULL, 0 } };
static const struct nf_group state_b[] = { { "role-b", 200011, NULL, 0 } };

static void test_freshness(void **state)
{
	struct nf_env *env = *state;
	char got[256];
	int64_t t0;
	pid_t pid;
	int st;

	/* The default, rate-limited check (read again when the snapshot changes). */
	assert_int_equal(unsetenv("GROUPROLE_NSS_RECHECK_MS"), 0);
	assert_int_equal(nf_publish(env, state_a, 1, NULL, 0), 0);
	assert_lookup("role-a", "role-a:*:200010:");
	/* From now on the module checks at most every 100 ms. */
	t0 = mono_ms();
	assert_lookup("role-a", "role-a:*:200010:");
	assert_int_equal(nf_publish(env, state_b, 1, NULL, 0), 0);
	lookup("role-b", got, sizeof(got));
	if (mono_ms() - t0 < 50)
		assert_string_equal(got, "-"); /* still the old state: checked < 100 ms ago */

	/* A forked child checks on its first call. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static char buf[1024];
		struct group gr;
		int err;

		_exit(mod.getgrnam_r("role-b", &gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS
			      ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);

	/* And this process within the interval. */
	usleep(150 * 1000);
	assert_lookup("role-b", "role-b:*:200011:");
	assert_lookup("role-a", "-");

	/* Back to checking every call for the next tests: the module reads it on a change. */
	assert_int_equal(setenv("GROUPROLE_NSS_RECHECK_MS", "0", 1), 0);
	assert_int_equal(nf_publish(env, state_a, 1, NULL, 0), 0);
	usleep(150 * 1000);
	assert_lookup("role-a", "role-a:*:200010:");
}

/* ---- hostile files: FIFOs, files changed in place, untrusted directories ---- */

/*
 * Run FN in a child with a watchdog: the alarm only detects a hang (a
 * blocking open never returns), it times nothing.  Fails the test unless the
 * child exits 0 -- a hang shows as SIGALRM, a crash as SIGBUS or SIGSEGV.
 */
static void in_child(const char *what, int (*fn)(struct nf_env *), struct nf_env *env)
{
	pid_t pid;
	int st;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka catches these to report a failure; here they must kill the child. */
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		alarm(20);
		_exit(fn(env));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s: child %s %d", what, WIFEXITED(st) ? "exited with" : "killed by signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* Status of getgrnam_r(NAME); the child helpers use no cmocka asserts. */
static enum nss_status status_of_name(const char *name)
{
	static char buf[8192];
	struct group gr;
	int err = 0;

	return mod.getgrnam_r(name, &gr, buf, sizeof(buf), &err);
}

static int lookups_unavail(struct nf_env *env)
{
	static char buf[4096];
	struct group gr;
	gid_t *groups = malloc(4 * sizeof(*groups));
	long int start = 0, size = 4;
	int err = 0, bad = 0;

	(void)env;
	bad |= status_of_name("role-admin") != NSS_STATUS_UNAVAIL;
	bad |= mod.getgrgid_r(200000, &gr, buf, sizeof(buf), &err) != NSS_STATUS_UNAVAIL;
	bad |= !groups || mod.initgroups_dyn("alice", 1000, &start, &size, &groups, 0, &err) !=
				  NSS_STATUS_UNAVAIL;
	bad |= mod.setgrent(0) != NSS_STATUS_UNAVAIL;
	mod.endgrent();
	free(groups);
	return bad;
}

static void test_fifo(void **state)
{
	struct nf_env *env = *state;
	char conf[PATH_MAX + 16];
	int st;

	/* nss.tdb is a FIFO: refused at once (opening it used to wait for a writer). */
	assert_int_equal(mkfifo(env->snap, 0644), 0);
	in_child("nss.tdb is a FIFO", lookups_unavail, env);
	assert_int_equal(unlink(env->snap), 0);
	publish_basic(env);
	assert_lookup("role-admin", "role-admin:*:200000:alice");

	/* grouprole.conf is a FIFO: the module, and the CLI. */
	snprintf(conf, sizeof(conf), "%s", env->conf);
	assert_int_equal(unlink(conf), 0);
	assert_int_equal(mkfifo(conf, 0644), 0);
	publish_basic(env); /* a new snapshot makes the module read its config again */
	in_child("grouprole.conf is a FIFO", lookups_unavail, env);
	st = nf_run("timeout 20 %s --config '%s' role list >/dev/null 2>%s/err", GR_CTL_PATH, conf,
		    env->dir);
	assert_int_not_equal(st, 124); /* timeout(1): it hung */
	assert_int_equal(st, 1);
	assert_int_equal(nf_run("grep -q 'not a regular file' %s/err", env->dir), 0);
}

static int truncated_child(struct nf_env *env)
{
	static char buf[8192];
	struct group gr;
	enum nss_status s;
	int err = 0, i, fd;

	/* Open and map the snapshot, start an enumeration (its first chunk is a copy). */
	if (status_of_name("g-001") != NSS_STATUS_SUCCESS || mod.setgrent(0) != NSS_STATUS_SUCCESS ||
	    mod.getgrent_r(&gr, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS)
		return 10;
	/* What an admin restoring a backup does: truncate in place... */
	if (truncate(env->snap, 0) < 0)
		return 11;
	/* ...and every later access: a reopen that finds nothing usable, never SIGBUS. */
	for (i = 0; i < ENUM_N; i++) {
		s = status_of_name(enum_names[i]);
		if (s != NSS_STATUS_NOTFOUND && s != NSS_STATUS_UNAVAIL)
			return 12;
	}
	/* The enumeration pinned the old mapping: it must end, not fault, at its next chunk. */
	for (i = 1; i <= ENUM_N; i++) {
		s = mod.getgrent_r(&gr, buf, sizeof(buf), &err);
		if (s != NSS_STATUS_SUCCESS)
			break;
	}
	if (s != NSS_STATUS_UNAVAIL || err != ESTALE)
		return 13;
	mod.endgrent();
	/* `cp good nss.tdb`: the same inode, rewritten with another snapshot. */
	fd = open(env->snap, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, fuzz_good, fuzz_len) != (ssize_t)fuzz_len || close(fd) < 0)
		return 14;
	if (status_of_name("role-admin") != NSS_STATUS_SUCCESS ||
	    status_of_name("g-001") != NSS_STATUS_NOTFOUND)
		return 15;
	return 0;
}

static void test_changed_in_place(void **state)
{
	struct nf_env *env = *state;

	publish_basic(env);
	fuzz_good = read_file(env->snap, &fuzz_len);
	publish_many(env);
	in_child("nss.tdb truncated and rewritten in place", truncated_child, env);
	free(fuzz_good);
	fuzz_good = NULL;
}

static void test_unsafe_dir(void **state)
{
	struct nf_env *env = *state;
	char real[PATH_MAX];

	publish_basic(env);
	assert_lookup("role-admin", "role-admin:*:200000:alice");
	/* Group- or world-writable state directory: refused even in test mode. */
	assert_int_equal(chmod(env->state, 0775), 0);
	publish_basic(env); /* a new file, so the module opens again */
	assert_all(NSS_STATUS_UNAVAIL);
	assert_int_equal(chmod(env->state, 0757), 0);
	publish_basic(env);
	assert_all(NSS_STATUS_UNAVAIL);
	assert_int_equal(chmod(env->state, 0755), 0);
	publish_basic(env);
	assert_lookup("role-admin", "role-admin:*:200000:alice");

	/* A symlink to a sound directory is still refused (CLI and PAM refuse it). */
	snprintf(real, sizeof(real), "%s/state.real", env->dir);
	assert_int_equal(rename(env->state, real), 0);
	assert_int_equal(symlink(real, env->state), 0);
	publish_basic(env);
	assert_all(NSS_STATUS_UNAVAIL);
	assert_int_equal(unlink(env->state), 0);
	assert_int_equal(rename(real, env->state), 0);

	/* Owned by someone else: refused outside test mode, and in it unless ours. */
	if (getuid() == 0) {
		assert_int_equal(chown(env->state, 4242, 4242), 0);
		publish_basic(env);
		assert_all(NSS_STATUS_UNAVAIL);
		nf_write_conf(env, "test_mode = no");
		publish_basic(env);
		assert_all(NSS_STATUS_UNAVAIL);
		assert_int_equal(chown(env->state, 0, 0), 0);
		publish_basic(env);
		assert_lookup("role-admin", "role-admin:*:200000:alice");
	}
}

/* The snapshot's descriptor must not leak into programs the caller executes. */
static void test_cloexec(void **state)
{
	struct nf_env *env = *state;
	char link[PATH_MAX + 1], path[300];
	struct dirent *de;
	DIR *d;
	int found = 0;

	publish_basic(env);
	assert_lookup("role-admin", "role-admin:*:200000:alice");
	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, env->snap))
			continue;
		found++;
		assert_true(fcntl(atoi(de->d_name), F_GETFD) & FD_CLOEXEC);
	}
	closedir(d);
	assert_true(found >= 1);
}

/* The state the real publisher writes, built with the real CLI. */
static void test_grouprolectl_state(void **state)
{
	struct nf_env *env = *state;
	char users[PATH_MAX + 16], groups[PATH_MAX + 16];
	FILE *f;
	gid_t *gl;
	long int start = 0, size = 4;
	int err;

	snprintf(users, sizeof(users), "%s/users.json", env->dir);
	snprintf(groups, sizeof(groups), "%s/groups.json", env->dir);
	f = fopen(users, "w");
	assert_non_null(f);
	fputs("{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],"
	      "\"Resources\":[{\"id\":\"u1\",\"userName\":\"alice@example.com\",\"active\":true},"
	      "{\"id\":\"u2\",\"userName\":\"bob@example.com\",\"active\":true},"
	      "{\"id\":\"u3\",\"userName\":\"carol@example.com\",\"active\":true}]}\n", f);
	assert_int_equal(fclose(f), 0);
	f = fopen(groups, "w");
	assert_non_null(f);
	fputs("{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],"
	      "\"Resources\":[{\"id\":\"g1\",\"displayName\":\"Engineering\","
	      "\"members\":[{\"value\":\"u1\"},{\"value\":\"u2\"}]},"
	      "{\"id\":\"g2\",\"displayName\":\"SRE\",\"members\":[{\"value\":\"u1\"}]}]}\n", f);
	assert_int_equal(fclose(f), 0);
#define CTL "'" GR_CTL_PATH "' --config '%s' "
	assert_int_equal(nf_run(CTL "directory create okta >/dev/null", env->conf), 0);
	assert_int_equal(nf_run(CTL "role create admin >/dev/null", env->conf), 0);
	assert_int_equal(nf_run(CTL "role create dev >/dev/null", env->conf), 0);
	assert_int_equal(nf_run(CTL "import --directory okta '%s' '%s' >/dev/null", env->conf,
				users, groups), 0);
	assert_int_equal(nf_run(CTL "group roles assign Engineering dev >/dev/null", env->conf), 0);
	assert_int_equal(nf_run(CTL "group roles assign SRE admin >/dev/null", env->conf), 0);
	assert_lookup("role-admin", "role-admin:*:200000:alice");
	assert_lookup("role-dev", "role-dev:*:200001:alice bob");
	gl = calloc((size_t)size, sizeof(*gl));
	assert_non_null(gl);
	assert_status(mod.initgroups_dyn("alice", 0, &start, &size, &gl, 0, &err),
		      NSS_STATUS_SUCCESS);
	assert_int_equal(start, 2);
	start = 0;
	assert_status(mod.initgroups_dyn("carol", 0, &start, &size, &gl, 0, &err),
		      NSS_STATUS_NOTFOUND);
	free(gl);
	/* A change is visible on the next call (the check runs on every call here). */
	assert_int_equal(nf_run(CTL "group roles remove SRE admin >/dev/null", env->conf), 0);
	assert_lookup("role-admin", "role-admin:*:200000:");
#undef CTL
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_getgrnam, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getgrgid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erange, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initgroups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enumeration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enumeration_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freshness, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cloexec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grouprolectl_state, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

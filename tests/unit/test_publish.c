/* SPDX-License-Identifier: MIT */
/*
 * gr_publish end to end: a directory built through the library, published,
 * then read back with the same snapshot reader the NSS module uses.
 *
 * The host (organization acme, resources host:web1 hostgroup:web) and the
 * directory "corp":
 *   roles   admin 200000 (prio 100), dev 200001, viewer 200002, dba 200003,
 *           unused 200004, containers bound to the host's docker (999)
 *   users   u1 alice, u2 bob, u3 carol (inactive), u4 dave, u5 erin,
 *           u6 "9@x.com" (no login)
 *   groups  g1 Engineering [u1 u2 u3 u6] -> dev, containers; org acme: viewer
 *           g2 Ops [u1] -> admin
 *           g3 Support [u5]; org acme: viewer
 *   org     acme, connected to corp without auto-membership; members u1, u5
 *   assign  u2 dba on host:web1 until NOW+3600; u4 dba on host:db1;
 *           u5 dba on host:web1, expired
 * so:
 *   alice  admin containers dev viewer     bob  containers dba dev
 *   erin   viewer                          carol, dave, u6: nothing
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "publish/publish.h"
#include "store/records.h"
#include "store/roles.h"
#include "publish/snapshot.h"
#include "testutil.h"

struct fx {
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
	char snap[PATH_MAX + 32];
	int64_t expiry;
};

static void put_user(struct fx *fx, const char *id, const char *name, bool active)
{
	json_t *u = tu_user(id, name, active);

	tu_assert_ok(gr_user_put(fx->st, "corp", u, NULL, &fx->err), &fx->err);
	json_decref(u);
}

static void put_group(struct fx *fx, const char *id, const char *name,
		      const char *const *members, size_t n)
{
	json_t *g = tu_group(id, name, members, n);

	tu_assert_ok(gr_group_put(fx->st, "corp", g, 0, &fx->err), &fx->err);
	json_decref(g);
}

static void map(struct fx *fx, const char *org, const char *gid, const char *slug)
{
	tu_assert_ok(gr_group_roles_change(fx->st, org, "corp", gid, &slug, 1, true, &fx->err),
		     &fx->err);
}

static void assign(struct fx *fx, const char *uid, const char *role, const char *res,
		   int64_t expires)
{
	struct gr_ref u;

	snprintf(u.dir, sizeof(u.dir), "corp");
	snprintf(u.id, sizeof(u.id), "%s", uid);
	tu_assert_ok(gr_assign_add(fx->st, &u, role, res, expires, &fx->err), &fx->err);
}

static int fx_setup(void **state)
{
	static const char *const eng[] = { "u1", "u2", "u3", "u6" };
	static const char *const ops[] = { "u1" };
	static const char *const support[] = { "u5" };
	struct fx *fx = calloc(1, sizeof(*fx));
	struct gr_role bound;
	struct gr_ref ref = { "corp", "" };

	assert_non_null(fx);
	tu_setup(&fx->env, "organization = acme\nresources = host:web1 hostgroup:web");
	tu_fake_host_groups();
	fx->st = tu_open(&fx->env);
	gr_err_clear(&fx->err);
	assert_int_equal(gr_config_state_path(&fx->env.cfg, GR_SNAP_FILE, fx->snap,
					      sizeof(fx->snap)), 0);
	fx->expiry = (int64_t)time(NULL) + 3600;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	assert_int_equal(tu_role(fx->st, "admin", 100), 200000);
	assert_int_equal(tu_role(fx->st, "dev", 10), 200001);
	assert_int_equal(tu_role(fx->st, "viewer", 1), 200002);
	assert_int_equal(tu_role(fx->st, "dba", 50), 200003);
	assert_int_equal(tu_role(fx->st, "unused", 0), 200004);
	memset(&bound, 0, sizeof(bound));
	strcpy(bound.slug, "containers");
	strcpy(bound.unix_group, "docker");
	tu_assert_ok(gr_role_create(fx->st, &bound, GR_ROLE_BIND, &fx->err), &fx->err);
	assert_int_equal(bound.gid, 999);

	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	put_user(fx, "u1", "alice@example.com", true);
	put_user(fx, "u2", "bob@example.com", true);
	put_user(fx, "u3", "carol@example.com", false);
	put_user(fx, "u4", "dave@example.com", true);
	put_user(fx, "u5", "erin@example.com", true);
	put_user(fx, "u6", "9@x.com", true);
	put_group(fx, "g1", "Engineering", eng, 4);
	put_group(fx, "g2", "Ops", ops, 1);
	put_group(fx, "g3", "Support", support, 1);
	map(fx, NULL, "g1", "dev");
	map(fx, NULL, "g1", "containers");
	map(fx, NULL, "g2", "admin");

	tu_assert_ok(gr_org_create(fx->st, "acme", &fx->err), &fx->err);
	tu_assert_ok(gr_org_connection(fx->st, "acme", "corp", true, true, &fx->err), &fx->err);
	strcpy(ref.id, "u1");
	tu_assert_ok(gr_org_member(fx->st, "acme", &ref, true, &fx->err), &fx->err);
	strcpy(ref.id, "u5");
	tu_assert_ok(gr_org_member(fx->st, "acme", &ref, true, &fx->err), &fx->err);
	map(fx, "acme", "g2", "viewer");
	map(fx, "acme", "g3", "viewer");

	assign(fx, "u2", "dba", "host:web1", fx->expiry);
	assign(fx, "u4", "dba", "host:db1", 0);
	assign(fx, "u5", "dba", "host:web1", (int64_t)time(NULL) - 10);
	tu_commit(fx->st);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	gr_store_close(fx->st);
	tu_host_groups_reset();
	tu_teardown(&fx->env);
	free(fx);
	return 0;
}

static void publish(struct fx *fx, struct gr_publish_stats *stats)
{
	gr_err_clear(&fx->err);
	tu_assert_ok(gr_publish(fx->st, stats, &fx->err), &fx->err);
}

static struct gr_snap *snap_open(struct fx *fx)
{
	struct gr_snap *s = NULL;

	assert_int_equal(gr_snap_open(fx->snap, true, &s), 0);
	assert_non_null(s);
	return s;
}

/* A group entry as "name gid: m1,m2,...". */
static int render_group(const struct gr_snap_group *g, void *ctx)
{
	char *out = ctx;
	const char *m;
	size_t pos = 0, len, n = 0;
	int off;

	off = snprintf(out, 512, "%.*s %u:", (int)g->name_len, g->name, g->gid);
	while ((m = gr_snap_next_member(g, &pos, &len)) != NULL) {
		off += snprintf(out + off, 512 - (size_t)off, "%s%.*s", n ? "," : " ", (int)len, m);
		n++;
	}
	/* The member count in the entry must match the names in it. */
	return n == g->n_members ? 0 : -EBADMSG;
}

static void assert_group(struct gr_snap *s, const char *name, uint32_t gid, const char *expect)
{
	char by_name[512] = "", by_gid[512] = "";
	int r;

	r = gr_snap_group_by_name(s, name, render_group, by_name);
	if (r != 0)
		fail_msg("group '%s' by name: %d", name, r);
	assert_string_equal(by_name, expect);
	r = gr_snap_group_by_gid(s, gid, render_group, by_gid);
	if (r != 0)
		fail_msg("group %u by gid: %d", gid, r);
	assert_string_equal(by_gid, expect);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The login's gids, sorted, as "g1 g2 ..." ("" when absent). */
static int render_gids(const unsigned char *gids, uint32_t n, void *ctx)
{
	uint32_t v[64];
	char *out = ctx;
	size_t off = 0;
	uint32_t i;

	if (n > 64)
		return -E2BIG;
	memcpy(v, gids, n * sizeof(uint32_t));
	qsort(v, n, sizeof(v[0]), cmp_u32);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(out + off, 512 - off, "%s%u", i ? " " : "", v[i]);
	return 0;
}

static void assert_user(struct gr_snap *s, const char *login, const char *expect)
{
	char got[512] = "";
	int r = gr_snap_user_gids(s, login, render_gids, got);

	if (!expect) {
		if (r != -ENOENT)
			fail_msg("user '%s' should be absent, got %d '%s'", login, r, got);
		return;
	}
	if (r != 0)
		fail_msg("user '%s': %d", login, r);
	assert_string_equal(got, expect);
}

static void test_groups_and_users(void **state)
{
	struct fx *fx = *state;
	struct gr_publish_stats stats;
	const struct gr_snap_header *h;
	struct gr_snap *s;
	char dummy[512];
	uint64_t gen;

	publish(fx, &stats);
	s = snap_open(fx);
	assert_group(s, "role-admin", 200000, "role-admin 200000: alice");
	assert_group(s, "role-dev", 200001, "role-dev 200001: alice,bob");
	assert_group(s, "role-viewer", 200002, "role-viewer 200002: alice,erin");
	assert_group(s, "role-dba", 200003, "role-dba 200003: bob");
	assert_group(s, "role-unused", 200004, "role-unused 200004:");
	/* A bound role has no entry of its own: the host's docker group stays. */
	assert_int_equal(gr_snap_group_by_name(s, "docker", render_group, dummy), -ENOENT);
	assert_int_equal(gr_snap_group_by_gid(s, 999, render_group, dummy), -ENOENT);
	assert_int_equal(gr_snap_group_by_name(s, "role-containers", render_group, dummy),
			 -ENOENT);
	assert_int_equal(gr_snap_group_by_name(s, "nope", render_group, dummy), -ENOENT);
	assert_int_equal(gr_snap_group_by_gid(s, 200005, render_group, dummy), -ENOENT);

	/* ...but its gid is in the members' lists. */
	assert_user(s, "alice", "999 200000 200001 200002");
	assert_user(s, "bob", "999 200001 200003");
	assert_user(s, "erin", "200002");
	assert_user(s, "carol", NULL);
	assert_user(s, "dave", NULL);
	assert_user(s, "9", NULL);
	assert_user(s, "nobody", NULL);

	h = gr_snap_header(s);
	assert_memory_equal(h->magic, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC));
	assert_int_equal(h->version, GR_SNAP_VERSION);
	assert_int_equal(h->n_groups, 5);
	assert_int_equal(h->n_users, 3);
	tu_assert_ok(gr_store_generation(fx->st, &gen, &fx->err), &fx->err);
	assert_int_equal(h->generation, gen);
	assert_true(h->created >= (int64_t)time(NULL) - 60 && h->created <= (int64_t)time(NULL));
	/* The expired assignment does not count; bob's pending one does. */
	assert_int_equal(h->next_expiry, fx->expiry);

	assert_int_equal(stats.users, 5); /* every user with a login was resolved */
	assert_int_equal(stats.users_with_roles, 3);
	assert_int_equal(stats.groups, 5);
	assert_int_equal(stats.memberships, 8);
	assert_int_equal(stats.generation, gen);
	assert_int_equal(stats.next_expiry, fx->expiry);
	gr_snap_close(s);
}

struct names {
	char list[16][64];
	size_t n;
};

static int collect_name(const struct gr_snap_group *g, void *ctx)
{
	struct names *n = ctx;

	if (n->n >= 16)
		return -E2BIG;
	snprintf(n->list[n->n++], sizeof(n->list[0]), "%.*s", (int)g->name_len, g->name);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Enumeration by index visits every group exactly once. */
static void test_index(void **state)
{
	struct fx *fx = *state;
	struct names n;
	struct gr_snap *s;
	uint32_t i;

	publish(fx, NULL);
	s = snap_open(fx);
	memset(&n, 0, sizeof(n));
	for (i = 0; i < gr_snap_header(s)->n_groups; i++)
		assert_int_equal(gr_snap_group_by_index(s, i, collect_name, &n), 0);
	assert_int_equal(gr_snap_group_by_index(s, i, collect_name, &n), -ENOENT);
	assert_int_equal(n.n, 5);
	qsort(n.list, n.n, sizeof(n.list[0]), cmp_name);
	assert_string_equal(n.list[0], "role-admin");
	assert_string_equal(n.list[1], "role-dba");
	assert_string_equal(n.list[2], "role-dev");
	assert_string_equal(n.list[3], "role-unused");
	assert_string_equal(n.list[4], "role-viewer");
	gr_snap_close(s);
}

static void assert_no_temp_files(struct fx *fx)
{
	DIR *d = opendir(fx->env.state);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (!strncmp(e->d_name, ".nss.tdb.", 9))
			fail_msg("temporary file %s left behind", e->d_name);
	closedir(d);
}

static void test_file(void **state)
{
	struct fx *fx = *state;
	struct gr_publish_stats stats;
	struct stat sb;

	publish(fx, &stats);
	assert_int_equal(stat(fx->snap, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	/* Every process reads it: world-readable, writable by its owner only. */
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(sb.st_uid, getuid());
	assert_int_equal(stats.bytes, (uint64_t)sb.st_size);
	assert_no_temp_files(fx);
	/* A reader that insists on root ownership accepts it when we are root. */
	if (getuid() == 0) {
		struct gr_snap *s = NULL;

		assert_int_equal(gr_snap_open(fx->snap, false, &s), 0);
		gr_snap_close(s);
	}
}

/* A new snapshot is a new file renamed over the old: readers keep theirs. */
static void test_republish(void **state)
{
	struct fx *fx = *state;
	static const char *const eng[] = { "u1", "u3", "u6" };
	struct gr_snap *old, *cur;
	struct stat a, b;
	json_t *u = NULL;

	publish(fx, NULL);
	old = snap_open(fx);
	assert_int_equal(stat(fx->snap, &a), 0);
	assert_true(gr_snap_is_current(old, fx->snap));

	/* bob leaves Engineering. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	put_group(fx, "g1", "Engineering", eng, 3);
	tu_commit(fx->st);
	tu_assert_ok(gr_user_get(fx->st, "corp", "u2", &u, &fx->err), &fx->err);
	assert_int_equal(json_array_size(json_object_get(u, "groups")), 0);
	json_decref(u);
	publish(fx, NULL);

	assert_int_equal(stat(fx->snap, &b), 0);
	assert_true(a.st_ino != b.st_ino);
	assert_int_equal(b.st_mode & 07777, 0644);
	assert_false(gr_snap_is_current(old, fx->snap));
	assert_no_temp_files(fx);

	cur = snap_open(fx);
	assert_true(gr_snap_is_current(cur, fx->snap));
	assert_group(cur, "role-dev", 200001, "role-dev 200001: alice");
	/* bob keeps only what does not come from Engineering. */
	assert_user(cur, "bob", "200003");
	assert_user(cur, "alice", "999 200000 200001 200002");
	assert_int_equal(gr_snap_header(cur)->generation, gr_snap_header(old)->generation + 1);

	/* The old mapping is still whole and still the old state. */
	assert_group(old, "role-dev", 200001, "role-dev 200001: alice,bob");
	assert_user(old, "bob", "999 200001 200003");
	gr_snap_close(old);
	gr_snap_close(cur);
}

/* Deactivating a user removes it from every group at the next publish. */
static void test_deactivate(void **state)
{
	struct fx *fx = *state;
	struct gr_snap *s;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	put_user(fx, "u1", "alice@example.com", false);
	tu_commit(fx->st);
	publish(fx, NULL);
	s = snap_open(fx);
	assert_user(s, "alice", NULL);
	assert_group(s, "role-admin", 200000, "role-admin 200000:");
	assert_group(s, "role-dev", 200001, "role-dev 200001: bob");
	assert_group(s, "role-viewer", 200002, "role-viewer 200002: erin");
	assert_int_equal(gr_snap_header(s)->n_users, 2);
	gr_snap_close(s);
}

/* The earliest pending expiry wins; none pending means 0. */
static void test_next_expiry(void **state)
{
	struct fx *fx = *state;
	struct gr_ref bob = { "corp", "u2" };
	struct gr_publish_stats stats;
	struct gr_snap *s;
	int64_t soon = fx->expiry - 1800;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	assign(fx, "u1", "unused", "hostgroup:web", soon);
	tu_commit(fx->st);
	publish(fx, &stats);
	s = snap_open(fx);
	assert_int_equal(gr_snap_header(s)->next_expiry, soon);
	assert_int_equal(stats.next_expiry, soon);
	assert_group(s, "role-unused", 200004, "role-unused 200004: alice");
	gr_snap_close(s);

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_assign_remove(fx->st, &bob, "dba", "host:web1", &fx->err), &fx->err);
	bob.id[1] = '1';
	tu_assert_ok(gr_assign_remove(fx->st, &bob, "unused", "hostgroup:web", &fx->err),
		     &fx->err);
	tu_commit(fx->st);
	publish(fx, &stats);
	s = snap_open(fx);
	assert_int_equal(gr_snap_header(s)->next_expiry, 0);
	assert_user(s, "bob", "999 200001");
	gr_snap_close(s);
}

static void test_inside_transaction(void **state)
{
	struct fx *fx = *state;

	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_fails(gr_publish(fx->st, NULL, &fx->err), &fx->err, -EINVAL,
			"publish inside a transaction");
	gr_store_cancel(fx->st);
	assert_int_equal(access(fx->snap, F_OK), -1);
}

/* An empty directory still publishes a valid, empty snapshot. */
static void test_empty(void **state)
{
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
	struct gr_snap *s = NULL;
	char path[PATH_MAX + 32], dummy[512];

	(void)state;
	tu_setup(&env, NULL);
	st = tu_open(&env);
	gr_err_clear(&err);
	tu_assert_ok(gr_publish(st, NULL, &err), &err);
	assert_int_equal(gr_config_state_path(&env.cfg, GR_SNAP_FILE, path, sizeof(path)), 0);
	assert_int_equal(gr_snap_open(path, true, &s), 0);
	assert_int_equal(gr_snap_header(s)->n_groups, 0);
	assert_int_equal(gr_snap_header(s)->n_users, 0);
	assert_int_equal(gr_snap_group_by_index(s, 0, render_group, dummy), -ENOENT);
	gr_snap_close(s);
	gr_store_close(st);
	tu_teardown(&env);
}

static void touch(struct fx *fx, const char *name)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fx->env.state, name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static bool present(struct fx *fx, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", fx->env.state, name);
	return access(path, F_OK) == 0;
}

/*
 * Killed publishers leave their temporary files; the next publisher, under
 * publish.lock, removes them -- those of every snapshot it writes, and
 * nothing else.  A sweep without the lock does nothing while a publisher
 * holds it.
 */
static void test_stale_temp_files(void **state)
{
	struct fx *fx = *state;
	static const char *const stale[] = { ".nss.tdb.a1B2c3", ".login.tdb.Zz9yX8" };
	static const char *const keep[] = { ".nss.tdb.toolongname", ".nss.tdb.", "nss.tdb.a1B2c3",
					    ".directory.tdb.a1B2c3", ".other.tdb.a1B2c3" };
	struct gr_sweep sw;
	char lockpath[PATH_MAX + 32];
	size_t i;
	int fd;

	for (i = 0; i < 2; i++)
		touch(fx, stale[i]);
	for (i = 0; i < 5; i++)
		touch(fx, keep[i]);

	/* A live publisher holds the lock: its file must survive. */
	publish(fx, NULL);
	snprintf(lockpath, sizeof(lockpath), "%s/publish.lock", fx->env.state);
	fd = open(lockpath, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	touch(fx, stale[0]);
	tu_assert_ok(gr_publish_sweep(&fx->env.cfg, &sw, &fx->err), &fx->err);
	assert_true(sw.busy);
	assert_true(present(fx, stale[0]));
	close(fd);

	/* The lock is free: whatever is there is a dead publisher's. */
	tu_assert_ok(gr_publish_sweep(&fx->env.cfg, &sw, &fx->err), &fx->err);
	assert_false(sw.busy);
	assert_int_equal(sw.removed, 1);
	assert_int_equal(sw.left, 0);
	assert_false(present(fx, stale[0]));

	/* And publishing removes them itself. */
	touch(fx, stale[0]);
	touch(fx, stale[1]);
	publish(fx, NULL);
	for (i = 0; i < 2; i++)
		assert_false(present(fx, stale[i]));
	for (i = 0; i < 5; i++)
		assert_true(present(fx, keep[i]));
}

#define FX(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	static const struct CMUnitTest tests[] = {
		FX(test_groups_and_users),
		FX(test_index),
		FX(test_file),
		FX(test_republish),
		FX(test_deactivate),
		FX(test_next_expiry),
		FX(test_inside_transaction),
		FX(test_stale_temp_files),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}

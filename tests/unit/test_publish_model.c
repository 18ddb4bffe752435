/* SPDX-License-Identifier: MIT */
/*
 * The live publisher's model (lib/publish/model.c): after any sequence of
 * committed changes, a model brought up to date incrementally -- only the
 * users the observed writes reach -- must equal one built from scratch, and
 * it must fall back to a full rebuild whenever it cannot know what changed.
 *
 * The sequence is pseudo-random but fixed (a seeded generator): users in two
 * directories drawn from a small pool of names, so logins collide across
 * directories and userNames inside one; groups created, renamed, refilled
 * and deleted; tenant and organization role mappings, organization members
 * and resource assignments changed; units cancelled on purpose after writing.
 * All of it runs as units of group-commit batches, as the daemon does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "publish/canon.h"
#include "publish/loginsnap.h"
#include "publish/model.h"
#include "publish/snapshot.h"
#include "store/records.h"
#include "store/roles.h"
#include "testutil.h"

struct fx {
	struct tu_env env;
	struct gr_store *st;
	struct gr_pub_model *m;
	uint64_t rng;
	int64_t (*clock)(void); /* the models' clock; NULL for time(2) */
	unsigned writes, patched; /* the observing model's writes, and how many were patches */
};

/* A clock the expiry test moves by hand, so no step races the wall clock. */
static int64_t fake_now;

static int64_t fake_clock(void)
{
	return fake_now;
}

static const char *const dirs[] = { "corp", "other" };
static const char *const roles[] = { "admin", "dev", "viewer" };

static unsigned rnd(struct fx *fx, unsigned n)
{
	fx->rng = fx->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((fx->rng >> 33) % n);
}

static int setup_with(void **state, const char *extra)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct gr_err err = { 0 };
	size_t i;

	assert_non_null(fx);
	tu_setup(&fx->env, extra);
	tu_fake_host_groups();
	fx->st = tu_open(&fx->env);
	fx->rng = 42;
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	for (i = 0; i < 3; i++)
		tu_role(fx->st, roles[i], (int)(10 * i));
	for (i = 0; i < 2; i++)
		tu_assert_ok(gr_dir_create(fx->st, dirs[i], &err), &err);
	tu_assert_ok(gr_org_create(fx->st, "acme", &err), &err);
	tu_assert_ok(gr_org_connection(fx->st, "acme", "corp", true, true, &err), &err);
	tu_commit(fx->st);
	assert_int_equal(gr_pub_model_new(&fx->m), 0);
	gr_store_observe(fx->st, gr_pub_model_observe, fx->m);
	*state = fx;
	return 0;
}

static int fx_setup(void **state)
{
	return setup_with(state, "organization = acme\nresources = host:web1");
}

/* Accounts on: entries also carry uid, GECOS, home, shell and keys. */
static int fx_setup_accounts(void **state)
{
	return setup_with(state, "organization = acme\nresources = host:web1\nusers = yes\n"
			  "ssh_keys_attribute = keys");
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	gr_store_observe(fx->st, NULL, NULL);
	gr_pub_model_free(fx->m);
	gr_store_close(fx->st);
	tu_host_groups_reset();
	tu_teardown(&fx->env);
	free(fx);
	return 0;
}

static char *dump(const struct gr_pub_model *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	gr_pub_model_dump(m, f);
	fclose(f);
	return buf;
}

/* FILE's records, as gr_snap_canon prints them. */
static char *records_of(const char *file)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int r;

	assert_non_null(f);
	r = gr_snap_canon(file, f);
	fclose(f);
	if (r < 0)
		fail_msg("cannot read %s: %s", file, gr_strerror(r));
	return out;
}

/*
 * Write both models' snapshots: the observing model's (a patch of its last
 * write when it can) into the fixture's state directory, the fresh one's
 * (always whole) into another.  Every record must be the same.
 */
static void write_and_compare(struct fx *fx, struct gr_pub_model *fresh)
{
	struct gr_config whole = fx->env.cfg;
	struct gr_publish_stats stats = { 0 }, fresh_stats = { 0 };
	struct gr_err err = { 0 };
	static const char *const files[] = { GR_SNAP_FILE, GR_LOGIN_FILE };
	size_t i;
	int lock;

	snprintf(whole.state_dir, sizeof(whole.state_dir), "%s/whole", fx->env.dir);
	assert_true(mkdir(whole.state_dir, 0755) == 0 || errno == EEXIST);
	lock = gr_publish_lock(&fx->env.cfg, &err);
	tu_assert_ok(lock < 0 ? lock : 0, &err);
	tu_assert_ok(gr_pub_model_write(fx->m, &fx->env.cfg, &stats, &err), &err);
	gr_publish_unlock(lock);
	tu_assert_ok(gr_pub_model_write(fresh, &whole, &fresh_stats, &err), &err);
	assert_false(fresh_stats.patched);
	fx->writes++;
	fx->patched += stats.patched;
	assert_int_equal(stats.users_with_roles, fresh_stats.users_with_roles);
	assert_int_equal(stats.memberships, fresh_stats.memberships);
	assert_int_equal(stats.groups, fresh_stats.groups);
	assert_int_equal(stats.next_expiry, fresh_stats.next_expiry);
	/* The NSS module's reader takes the file (trust checks, header, file size). */
	{
		char np[PATH_MAX + 16];
		struct gr_snap *sn = NULL;
		int rr;

		snprintf(np, sizeof(np), "%s/%s", fx->env.cfg.state_dir, GR_SNAP_FILE);
		rr = gr_snap_open(np, true, &sn);
		if (rr < 0)
			fail_msg("the reader refuses the %s nss.tdb: %s",
				 stats.patched ? "patched" : "whole", gr_strerror(rr));
		gr_snap_close(sn);
	}
	for (i = 0; i < 2; i++) {
		char a_path[PATH_MAX + 16], b_path[PATH_MAX + 16];
		char *a, *b;

		snprintf(a_path, sizeof(a_path), "%s/%s", fx->env.cfg.state_dir, files[i]);
		snprintf(b_path, sizeof(b_path), "%s/%s", whole.state_dir, files[i]);
		a = records_of(a_path);
		b = records_of(b_path);
		if (strcmp(a, b))
			fail_msg("%s %s differs from a whole write:\n--- %s\n%s--- whole\n%s",
				 files[i], stats.patched ? "patched" : "written", a_path, a, b);
		free(a);
		free(b);
	}
}

/* Update the observing model; it must equal a model built from scratch. */
static void update_and_compare(struct fx *fx, bool expect_full)
{
	struct gr_publish_stats stats = { 0 }, fresh_stats = { 0 };
	struct gr_pub_model *fresh = NULL;
	struct gr_err err = { 0 };
	char *a, *b;

	tu_assert_ok(gr_pub_model_update(fx->m, fx->st, &stats, &err), &err);
	assert_int_equal(stats.full, expect_full);
	assert_int_equal(gr_pub_model_new(&fresh), 0);
	gr_pub_model_set_clock(fresh, fx->clock);
	tu_assert_ok(gr_pub_model_update(fresh, fx->st, &fresh_stats, &err), &err);
	assert_true(fresh_stats.full);
	a = dump(fx->m);
	b = dump(fresh);
	if (strcmp(a, b))
		fail_msg("incremental model differs from a full build:\n--- incremental\n%s"
			 "--- full\n%s", a, b);
	free(a);
	free(b);
	write_and_compare(fx, fresh);
	gr_pub_model_free(fresh);
}

/* One random change; a negative result leaves it to the caller to cancel. */
static int random_change(struct fx *fx, struct gr_err *err)
{
	const char *dir = dirs[rnd(fx, 2)];
	char id[16], name[64];
	struct gr_ref ref;
	json_t *v;
	int r;

	switch (rnd(fx, 9)) {
	case 0:
	case 1: /* create or replace a user (names collide on purpose) */
		snprintf(id, sizeof(id), "u%u", rnd(fx, 10));
		snprintf(name, sizeof(name), "n%u@example.com", rnd(fx, 7));
		v = tu_user(id, name, rnd(fx, 5) != 0);
		r = gr_user_put(fx->st, dir, v, NULL, err);
		json_decref(v);
		return r;
	case 2:
		snprintf(id, sizeof(id), "u%u", rnd(fx, 10));
		return gr_user_delete(fx->st, dir, id, err);
	case 3:
	case 4: { /* create, rename or refill a group */
		const char *members[4];
		char mid[4][16];
		size_t n = 1 + rnd(fx, 4), i;

		size_t k = 0;

		/* Members among the directory's users, mostly: an unknown one is refused. */
		for (i = 0; i < n && i < 4; i++) {
			char key[64];

			snprintf(mid[k], sizeof(mid[k]), "u%u", rnd(fx, 10));
			snprintf(key, sizeof(key), "user/%s/%s", dir, mid[k]);
			if (gr_store_exists(fx->st, key) || rnd(fx, 10) == 0)
				members[k] = mid[k], k++;
		}
		n = k;
		snprintf(id, sizeof(id), "g%u", rnd(fx, 5));
		snprintf(name, sizeof(name), "Group %u", rnd(fx, 6));
		v = tu_group(id, name, members, n < 4 ? n : 4);
		r = gr_group_put(fx->st, dir, v, 0, err);
		json_decref(v);
		return r;
	}
	case 5:
		snprintf(id, sizeof(id), "g%u", rnd(fx, 5));
		return gr_group_delete(fx->st, dir, id, err);
	case 6: { /* map or unmap a role, tenant-wide or in the organization */
		const char *slug = roles[rnd(fx, 3)];

		snprintf(id, sizeof(id), "g%u", rnd(fx, 5));
		return gr_group_roles_change(fx->st, rnd(fx, 2) ? "acme" : NULL, dir, id, &slug, 1,
					     rnd(fx, 3) != 0, err);
	}
	case 7:
		snprintf(ref.dir, sizeof(ref.dir), "%s", dir);
		snprintf(ref.id, sizeof(ref.id), "u%u", rnd(fx, 10));
		return gr_org_member(fx->st, "acme", &ref, rnd(fx, 2), err);
	default:
		snprintf(ref.dir, sizeof(ref.dir), "%s", dir);
		snprintf(ref.id, sizeof(ref.id), "u%u", rnd(fx, 10));
		if (rnd(fx, 2))
			return gr_assign_add(fx->st, &ref, roles[rnd(fx, 3)], "host:web1",
					     rnd(fx, 2) ? (int64_t)time(NULL) + 3600 : 0, err);
		return gr_assign_remove(fx->st, &ref, roles[rnd(fx, 3)], "host:web1", err);
	}
}

static void test_incremental_equals_full(void **state)
{
	struct fx *fx = *state;
	struct gr_err err = { 0 };
	unsigned batch, committed = 0, cancelled = 0, failed = 0;

	update_and_compare(fx, true); /* the first update is a full build */
	for (batch = 0; batch < 300; batch++) {
		unsigned units = 1 + rnd(fx, 4), i;

		tu_assert_ok(gr_store_batch_begin(fx->st, &err), &err);
		for (i = 0; i < units; i++) {
			tu_assert_ok(gr_store_begin(fx->st, &err), &err);
			if (random_change(fx, &err) < 0) {
				failed++;
				gr_store_cancel(fx->st);
			} else if (rnd(fx, 8) == 0) {
				cancelled++; /* written, then given up: the undo must not confuse the model */
				gr_store_cancel(fx->st);
			} else {
				committed++;
				tu_assert_ok(gr_store_commit(fx->st, &err), &err);
			}
		}
		tu_assert_ok(gr_store_batch_end(fx->st, &err), &err);
		update_and_compare(fx, false);
		if (getenv("TEST_MODEL_VERBOSE")) {
			char *d = dump(fx->m);

			fprintf(stderr, "batch %u:\n%s", batch, d);
			free(d);
		}
	}
	/* The sequence exercised every path: commits, refusals and cancels. */
	if (committed < 250 || failed < 5 || cancelled < 20)
		fail_msg("committed %u, refused %u, cancelled %u", committed, failed, cancelled);
	/* Without accounts most writes were patches; with them every write is whole. */
	if (fx->env.cfg.users ? fx->patched != 0 : fx->patched * 10 < fx->writes * 8)
		fail_msg("%u of %u writes were patches", fx->patched, fx->writes);
}

/* The same with users = yes: every user gets a uid, the model carries the accounts. */
static void test_incremental_equals_full_accounts(void **state)
{
	struct fx *fx = *state;
	char *d;

	test_incremental_equals_full(state);
	d = dump(fx->m);
	assert_non_null(strstr(d, " account=300"));
	free(d);
}

/* Writes the model cannot follow, and other writers, make the next update a full one. */
/* Write U as another process would: through a handle the model does not observe. */
static void foreign_user_put(struct fx *fx, json_t *u)
{
	struct gr_err err = { 0 };

	gr_store_observe(fx->st, NULL, NULL);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_user_put(fx->st, "corp", u, NULL, &err), &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	gr_store_observe(fx->st, gr_pub_model_observe, fx->m);
}

static void test_falls_back_to_full(void **state)
{
	struct fx *fx = *state;
	struct gr_err err = { 0 };
	json_t *u;

	update_and_compare(fx, true);
	/* A new role: every user may resolve differently. */
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_role(fx->st, "ops", 5);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	update_and_compare(fx, true);

	/*
	 * A commit the model did not observe -- another process's, as far as
	 * it can tell -- whose journal is gone (an older program's, or too
	 * old): the generation moved by more than it can account for.
	 */
	u = tu_user("u1", "n1@example.com", true);
	foreign_user_put(fx, u);
	{
		char slot[64];
		uint64_t gen = 0;

		tu_assert_ok(gr_store_generation(fx->st, &gen, &err), &err);
		snprintf(slot, sizeof(slot), "journal/%llu",
			 (unsigned long long)(gen % GR_JOURNAL_SLOTS));
		tu_assert_ok(gr_store_begin(fx->st, &err), &err);
		tu_assert_ok(gr_store_del(fx->st, slot, &err), &err);
		tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	}
	update_and_compare(fx, true);

	/* Its own user write: incremental. */
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	json_object_set_new(u, "active", json_false());
	tu_assert_ok(gr_user_put(fx->st, "corp", u, NULL, &err), &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	update_and_compare(fx, false);

	/* An explicit invalidation (a config reload). */
	gr_pub_model_invalidate(fx->m);
	update_and_compare(fx, true);
	json_decref(u);
}

/* An assignment that expires re-resolves its user without any write. */
static void test_expiry_reresolves(void **state)
{
	struct fx *fx = *state;
	struct gr_publish_stats stats = { 0 };
	struct gr_err err = { 0 };
	struct gr_ref ref = { "corp", "u1" };
	json_t *u = tu_user("u1", "n1@example.com", true);
	char *before, *after, want[64];
	int64_t soon;

	fake_now = (int64_t)time(NULL);
	soon = fake_now + 3600;
	fx->clock = fake_clock;
	gr_pub_model_set_clock(fx->m, fake_clock);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_user_put(fx->st, "corp", u, NULL, &err), &err);
	tu_assert_ok(gr_assign_add(fx->st, &ref, "admin", "host:web1", soon, &err), &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	json_decref(u);
	update_and_compare(fx, true);
	before = dump(fx->m);
	snprintf(want, sizeof(want), "corp/u1 n1 expiry=%lld roles=0", (long long)soon);
	assert_non_null(strstr(before, want));

	/* Nothing written; only the clock passes the expiry. */
	fake_now = soon;
	tu_assert_ok(gr_pub_model_update(fx->m, fx->st, &stats, &err), &err);
	assert_false(stats.full);
	assert_int_equal(stats.resolved, 1);
	after = dump(fx->m);
	assert_non_null(strstr(after, "corp/u1 n1 expiry=0 roles= rec="));
	free(before);
	free(after);
	update_and_compare(fx, false);
}

/*
 * Patches across enumeration chunks: a role group shrunk below a chunk's
 * bytes gives a chunk back, and grown past it again moves the groups after
 * it into a new chunk.  Each step is patched, and holds what a whole write
 * holds.
 */
static void test_patch_moves_chunks(void **state)
{
	struct fx *fx = *state;
	struct gr_err err = { 0 };
	const char *admin = "admin", **members = calloc(6000, sizeof(*members));
	char (*ids)[16] = calloc(6000, sizeof(*ids));
	json_t *v;
	size_t i;
	unsigned patched;

	assert_non_null(members);
	assert_non_null(ids);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	/* Half of them stay out of the group: a patch is for when at most half the logins change. */
	for (i = 0; i < 6000; i++) {
		char name[64];

		snprintf(ids[i], sizeof(ids[i]), "m%zu", i);
		snprintf(name, sizeof(name), "member-with-a-long-name-%04zu@example.com", i);
		v = tu_user(ids[i], name, true);
		tu_assert_ok(gr_user_put(fx->st, "corp", v, NULL, &err), &err);
		json_decref(v);
		members[i] = ids[i];
	}
	v = tu_group("big", "Big", members, 2250);
	tu_assert_ok(gr_group_put(fx->st, "corp", v, 0, &err), &err);
	json_decref(v);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "big", &admin, 1, true, &err),
		     &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	update_and_compare(fx, true);
	patched = fx->patched;
	/*
	 * Members take 30 bytes each in the admin group's entry: with 2250 it
	 * outgrows a chunk (65,536 bytes) and the other two groups sit in a
	 * second one; with 2100 all three share one.  150 logins change each
	 * time, few enough that libtdb's free list stays short and both steps
	 * are patches.
	 */
	for (i = 0; i < 2; i++) {
		tu_assert_ok(gr_store_begin(fx->st, &err), &err);
		v = tu_group("big", "Big", members, i == 0 ? 2100 : 2250);
		tu_assert_ok(gr_group_put(fx->st, "corp", v, 0, &err), &err);
		json_decref(v);
		tu_assert_ok(gr_store_commit(fx->st, &err), &err);
		update_and_compare(fx, false);
	}
	assert_int_equal(fx->patched, patched + 2);
	free(members);
	free(ids);
}

/* One update after a change: incremental, and how many users it resolved again. */
static size_t resolved_again(struct fx *fx)
{
	struct gr_publish_stats stats = { 0 };
	struct gr_err err = { 0 };

	tu_assert_ok(gr_pub_model_update(fx->m, fx->st, &stats, &err), &err);
	assert_false(stats.full);
	update_and_compare(fx, false); /* and it holds what a full build holds */
	return stats.resolved;
}

#define KEEP_MAPPING (-1)

/*
 * Put group GID of corp named NAME with MEMBERS (NULL-terminated), SCIM's
 * meta set to VERSION; in the same commit map (MAP 1) or unmap (0) admin
 * from it, or leave its mapping (KEEP_MAPPING).
 */
static void put_group(struct fx *fx, const char *gid, const char *name, const char *const *members,
		      const char *version, int map)
{
	struct gr_err err = { 0 };
	const char *slug = "admin";
	size_t n = 0;
	json_t *g;

	while (members[n])
		n++;
	g = tu_group(gid, name, members, n);
	json_object_set_new(g, "meta", json_pack("{s:s}", "version", version));
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	if (map != KEEP_MAPPING)
		tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", gid, &slug, 1, map == 1,
						   &err), &err);
	tu_assert_ok(gr_group_put(fx->st, "corp", g, 0, &err), &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	json_decref(g);
}

/*
 * Membership changes re-resolve only the users whose entries they can
 * change: joining or leaving a group that maps no role changes nothing in
 * an active login's entry (it lists the groups that gave it roles), but an
 * inactive login's entry lists every group.  A group record written again
 * with the same name (SCIM's meta) re-resolves nobody.
 */
static void test_membership_reresolves_only_what_changes(void **state)
{
	static const char *const none[] = { NULL }, *const both[] = { "u1", "u2", NULL };
	static const char *const one[] = { "u1", NULL }, *const two[] = { "u2", NULL };
	char *d;
	struct fx *fx = *state;
	struct gr_err err = { 0 };
	const char *slug = "admin";
	json_t *u;

	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	u = tu_user("u1", "n1@example.com", true);
	tu_assert_ok(gr_user_put(fx->st, "corp", u, NULL, &err), &err);
	json_decref(u);
	u = tu_user("u2", "n2@example.com", false);
	tu_assert_ok(gr_user_put(fx->st, "corp", u, NULL, &err), &err);
	json_decref(u);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	put_group(fx, "plain", "Plain", none, "1", KEEP_MAPPING);
	put_group(fx, "mapped", "Mapped", none, "1", KEEP_MAPPING);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "mapped", &slug, 1, true, &err),
		     &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	update_and_compare(fx, true);

	put_group(fx, "plain", "Plain", both, "2", KEEP_MAPPING);
	assert_int_equal(resolved_again(fx), 1); /* u2, inactive: its entry lists the group */
	put_group(fx, "plain", "Plain", both, "3", KEEP_MAPPING);
	assert_int_equal(resolved_again(fx), 0); /* only meta changed */
	put_group(fx, "plain", "Plain renamed", both, "4", KEEP_MAPPING);
	assert_int_equal(resolved_again(fx), 2); /* the name is in entries: every member */
	put_group(fx, "mapped", "Mapped", one, "2", KEEP_MAPPING);
	assert_int_equal(resolved_again(fx), 1); /* u1 gains admin */
	put_group(fx, "mapped", "Mapped", none, "3", KEEP_MAPPING);
	assert_int_equal(resolved_again(fx), 1); /* and loses it */

	/* Mapped: every member is looked at. */
	put_group(fx, "plain", "Plain renamed", both, "5", 1);
	assert_int_equal(resolved_again(fx), 2);
	/* Unmapped as u1 leaves, in one commit: u1, who loses admin, is looked at too. */
	put_group(fx, "plain", "Plain renamed", two, "6", 0);
	assert_int_equal(resolved_again(fx), 2);
	/* Mapped again as u1 comes back. */
	put_group(fx, "plain", "Plain renamed", both, "7", 1);
	assert_int_equal(resolved_again(fx), 2);
	d = dump(fx->m);
	assert_non_null(strstr(d, "corp/u1 n1 expiry=0 roles=0 "));
	free(d);
}

/*
 * Another process's small commits (grouprolectl mapping a group, adding a
 * user) are read from the store's change journal: no rebuild, and the
 * result is what a full build gives -- also when they interleave with the
 * model's own commits.  One with too many keys to list, or a group commit
 * that rolled back, rebuilds.
 */
static void test_foreign_commits_from_the_journal(void **state)
{
	static const char *const members[] = { "u1", "u2", NULL };
	struct fx *fx = *state;
	struct gr_err err = { 0 };
	const char *slug = "admin";
	json_t *u1 = tu_user("u1", "n1@example.com", true), *u2 = tu_user("u2", "n2@example.com", true);
	unsigned i;

	update_and_compare(fx, true);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_user_put(fx->st, "corp", u1, NULL, &err), &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	foreign_user_put(fx, u2); /* between two of its own */
	put_group(fx, "g1", "Admins", members, "v1", KEEP_MAPPING);
	update_and_compare(fx, false);

	/* Mapped by another process: the members gain the role, incrementally. */
	gr_store_observe(fx->st, NULL, NULL);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "g1", &slug, 1, true, &err), &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	gr_store_observe(fx->st, gr_pub_model_observe, fx->m);
	assert_int_equal(resolved_again(fx), 2);

	/* More keys than a journal lists (an import): rebuilt. */
	gr_store_observe(fx->st, NULL, NULL);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	for (i = 0; i <= GR_JOURNAL_MAX_KEYS; i++) {
		char key[64];

		snprintf(key, sizeof(key), "token/x%u", i);
		tu_assert_ok(gr_store_put_str(fx->st, key, "{}", &err), &err);
	}
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	gr_store_observe(fx->st, gr_pub_model_observe, fx->m);
	update_and_compare(fx, true);

	/*
	 * Its own group commit rolled back: what it observed of it is void.
	 * Then another process's commit brings the generation to what the
	 * model counted, so only the rollback's notice tells.
	 */
	tu_assert_ok(gr_store_batch_begin(fx->st, &err), &err);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	json_object_set_new(u1, "active", json_false());
	tu_assert_ok(gr_user_put(fx->st, "corp", u1, NULL, &err), &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	gr_store_batch_abort(fx->st);
	json_object_set_new(u2, "active", json_false());
	foreign_user_put(fx, u2);
	update_and_compare(fx, true);
	json_decref(u1);
	json_decref(u2);
}

/* Update M, write its snapshots in place (as its process publishes); its role changes. */
static json_t *publish_model(struct fx *fx, struct gr_pub_model *m)
{
	struct gr_publish_stats stats = { 0 };
	struct gr_err err = { 0 };
	int lock;

	tu_assert_ok(gr_pub_model_update(m, fx->st, &stats, &err), &err);
	lock = gr_publish_lock(&fx->env.cfg, &err);
	tu_assert_ok(lock < 0 ? lock : 0, &err);
	tu_assert_ok(gr_pub_model_write(m, &fx->env.cfg, &stats, &err), &err);
	gr_publish_unlock(lock);
	return gr_pub_model_take_changes(m);
}

/* Map (or unmap) admin from g1 through a handle the model does not observe. */
static void foreign_map(struct fx *fx, bool map)
{
	struct gr_err err = { 0 };
	const char *slug = "admin";

	gr_store_observe(fx->st, NULL, NULL);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "corp", "g1", &slug, 1, map, &err), &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	gr_store_observe(fx->st, gr_pub_model_observe, fx->m);
}

/*
 * A role change that another process committed and published (and so
 * announced) is not announced again when the model takes it in from the
 * journal; one it committed without publishing is, once.
 */
static void test_foreign_role_change_announced_once(void **state)
{
	static const char *const members[] = { "u1", NULL };
	struct fx *fx = *state;
	struct gr_pub_model *other = NULL;
	json_t *u1 = tu_user("u1", "n1@example.com", true), *c;
	struct gr_err err = { 0 };

	gr_pub_model_track_roles(fx->m, true);
	tu_assert_ok(gr_store_begin(fx->st, &err), &err);
	tu_assert_ok(gr_user_put(fx->st, "corp", u1, NULL, &err), &err);
	tu_assert_ok(gr_store_commit(fx->st, &err), &err);
	put_group(fx, "g1", "Admins", members, "v1", KEEP_MAPPING);
	json_decref(publish_model(fx, fx->m));

	/* grouprolectl maps and publishes: its own model announces u1's change. */
	foreign_map(fx, true);
	assert_int_equal(gr_pub_model_new(&other), 0);
	gr_pub_model_set_clock(other, fx->clock);
	gr_pub_model_track_roles(other, true);
	json_decref(publish_model(fx, other));
	gr_pub_model_free(other);
	c = publish_model(fx, fx->m);
	assert_int_equal(json_array_size(c), 0);
	json_decref(c);

	/* Unmapped without a publish: the model announces it, from admin to none. */
	foreign_map(fx, false);
	c = publish_model(fx, fx->m);
	assert_int_equal(json_array_size(c), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 0), "login")),
			    "n1");
	assert_int_equal(json_array_size(json_object_get(json_array_get(c, 0), "old")), 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(c, 0), "new")), 0);
	json_decref(c);
	json_decref(u1);
}

#define FX(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX(test_incremental_equals_full),
		FX(test_patch_moves_chunks),
		cmocka_unit_test_setup_teardown(test_incremental_equals_full_accounts,
						fx_setup_accounts, fx_teardown),
		FX(test_falls_back_to_full),
		FX(test_foreign_commits_from_the_journal),
		FX(test_foreign_role_change_announced_once),
		FX(test_expiry_reresolves),
		FX(test_membership_reresolves_only_what_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

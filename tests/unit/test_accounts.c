/* SPDX-License-Identifier: MIT */
/*
 * Accounts (users = yes): uid allocation in the store (lib/accounts), the
 * passwd fields the publisher derives, and what gr_publish writes to
 * nss.tdb, read back with the reader the NSS module uses.
 *
 * The host's other NSS sources are played by getpwuid_r/getgrgid_r defined
 * here: the executable's definitions come first, so lib/accounts asks them
 * (and they ask libc's own for every id not in the table).
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "publish/publish.h"
#include "publish/pwsnap.h"
#include "publish/snapshot.h"
#include "testutil.h"

/* ---- the host's other accounts ---- */

static uint32_t taken_uid, taken_gid; /* 0: none */

int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len, struct passwd **res);
int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	int (*real)(uid_t, struct passwd *, char *, size_t, struct passwd **);

	if (taken_uid && uid == taken_uid && len > 16) {
		memset(pw, 0, sizeof(*pw));
		strcpy(buf, "ldapuser");
		pw->pw_name = pw->pw_passwd = pw->pw_gecos = pw->pw_dir = pw->pw_shell = buf;
		pw->pw_uid = uid;
		*res = pw;
		return 0;
	}
	*(void **)&real = dlsym(RTLD_NEXT, "getpwuid_r");
	return real(uid, pw, buf, len, res);
}

int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len, struct group **res);
int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len, struct group **res)
{
	int (*real)(gid_t, struct group *, char *, size_t, struct group **);

	if (taken_gid && gid == taken_gid && len > 16) {
		static char *none[] = { NULL };

		memset(gr, 0, sizeof(*gr));
		strcpy(buf, "ldapgroup");
		gr->gr_name = gr->gr_passwd = buf;
		gr->gr_gid = gid;
		gr->gr_mem = none;
		*res = gr;
		return 0;
	}
	*(void **)&real = dlsym(RTLD_NEXT, "getgrgid_r");
	return real(gid, gr, buf, len, res);
}

/* ---- fixture ---- */

struct fx {
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
};

static struct fx *fx_open(const char *extra)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	tu_setup(&fx->env, extra);
	fx->st = tu_open(&fx->env);
	gr_err_clear(&fx->err);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	tu_commit(fx->st);
	return fx;
}

static void fx_close(struct fx *fx)
{
	gr_store_close(fx->st);
	tu_teardown(&fx->env);
	free(fx);
	taken_uid = taken_gid = 0;
}

static int put(struct fx *fx, json_t *u)
{
	int r;

	gr_err_clear(&fx->err);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	r = gr_user_put(fx->st, "corp", u, NULL, &fx->err);
	json_decref(u);
	if (r < 0) {
		gr_store_cancel(fx->st);
		return r;
	}
	tu_commit(fx->st);
	return 0;
}

static void del(struct fx *fx, const char *id)
{
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_user_delete(fx->st, "corp", id, &fx->err), &fx->err);
	tu_commit(fx->st);
}

static uint32_t uid_of(struct fx *fx, const char *id)
{
	uint32_t uid = 0;

	tu_assert_ok(gr_account_uid(fx->st, "corp", id, &uid, &fx->err), &fx->err);
	return uid;
}

#define ACCOUNTS "users = yes\nlogin_domains = example.com\n"

/* ---- allocation ---- */

static void test_users_off_writes_nothing(void **state)
{
	struct fx *fx = fx_open("login_domains = example.com");
	uint32_t uid;
	char *dump;

	(void)state;
	assert_int_equal(put(fx, tu_user("u1", "alice@example.com", true)), 0);
	assert_int_equal(gr_account_uid(fx->st, "corp", "u1", &uid, NULL), -GR_E_NOTFOUND);
	dump = tu_dump(fx->st, NULL);
	assert_null(strstr(dump, "account/"));
	assert_null(strstr(dump, "uids="));
	free(dump);
	fx_close(fx);
}

static void test_allocated_once_kept_across_rename(void **state)
{
	struct fx *fx = fx_open(ACCOUNTS);

	(void)state;
	assert_int_equal(put(fx, tu_user("u1", "alice@example.com", true)), 0);
	assert_int_equal(put(fx, tu_user("u2", "bob@example.com", true)), 0);
	assert_int_equal(uid_of(fx, "u1"), 300000);
	assert_int_equal(uid_of(fx, "u2"), 300001);
	/* A rename (new userName, new login) and a deactivation keep the uid. */
	assert_int_equal(put(fx, tu_user("u1", "alice.n@example.com", false)), 0);
	assert_int_equal(uid_of(fx, "u1"), 300000);
	fx_close(fx);
}

static void test_never_reused_after_delete(void **state)
{
	struct fx *fx = fx_open(ACCOUNTS);
	uint32_t uid;

	(void)state;
	assert_int_equal(put(fx, tu_user("u1", "alice@example.com", true)), 0);
	assert_int_equal(put(fx, tu_user("u2", "bob@example.com", true)), 0);
	del(fx, "u2");
	assert_int_equal(gr_account_uid(fx->st, "corp", "u2", &uid, NULL), -GR_E_NOTFOUND);
	/* Neither a newcomer nor the same SCIM id coming back gets 300001 again. */
	assert_int_equal(put(fx, tu_user("u3", "carol@example.com", true)), 0);
	assert_int_equal(uid_of(fx, "u3"), 300002);
	assert_int_equal(put(fx, tu_user("u2", "bob@example.com", true)), 0);
	assert_int_equal(uid_of(fx, "u2"), 300003);
	/* Deleting the directory drops its accounts, and the mark stays. */
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_delete(fx->st, "corp", &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	tu_commit(fx->st);
	assert_int_equal(gr_account_uid(fx->st, "corp", "u1", &uid, NULL), -GR_E_NOTFOUND);
	assert_int_equal(put(fx, tu_user("u1", "alice@example.com", true)), 0);
	assert_int_equal(uid_of(fx, "u1"), 300004);
	fx_close(fx);
}

static void test_skips_ids_other_sources_have(void **state)
{
	struct fx *fx = fx_open(ACCOUNTS);

	(void)state;
	taken_uid = 300000;
	taken_gid = 300001; /* a host group: the private group could not have it */
	assert_int_equal(put(fx, tu_user("u1", "alice@example.com", true)), 0);
	assert_int_equal(uid_of(fx, "u1"), 300002);
	fx_close(fx);

	/* One users_gid for everyone: the gids are not the uids' business. */
	fx = fx_open(ACCOUNTS "users_gid = 100");
	taken_gid = 300000;
	assert_int_equal(put(fx, tu_user("u1", "alice@example.com", true)), 0);
	assert_int_equal(uid_of(fx, "u1"), 300000);
	fx_close(fx);
}

static void test_exhausted_range_is_a_clear_error(void **state)
{
	struct fx *fx = fx_open(ACCOUNTS "uid_min = 300000\nuid_max = 300001");
	char *before, *after;

	(void)state;
	assert_int_equal(put(fx, tu_user("u1", "alice@example.com", true)), 0);
	assert_int_equal(put(fx, tu_user("u2", "bob@example.com", true)), 0);
	del(fx, "u1"); /* its uid stays spent */
	before = tu_dump(fx->st, NULL);
	tu_assert_fails(put(fx, tu_user("u3", "carol@example.com", true)), &fx->err,
			-GR_E_EXHAUSTED, "uid_min..uid_max (300000..300001) is used up");
	after = tu_dump(fx->st, NULL);
	/* Nothing of the refused user was stored. */
	assert_string_equal(before, after);
	free(before);
	free(after);
	fx_close(fx);
}

/* ---- configuration ---- */

static void test_config(void **state)
{
	struct gr_config cfg;
	struct gr_err err;

	(void)state;
	gr_config_defaults(&cfg);
	assert_false(cfg.users);
	assert_int_equal(cfg.uid_min, 300000);
	assert_string_equal(cfg.home_template, "/home/%u");
	gr_err_clear(&err);
	tu_assert_ok(gr_config_set(&cfg, "users", "yes", &err), &err);
	tu_assert_ok(gr_config_set(&cfg, "uid_min", "250000", &err), &err);
	tu_assert_fails(gr_config_validate(&cfg, &err), &err, -GR_E_CONFIG,
			"overlaps gid_min..gid_max");
	tu_assert_ok(gr_config_set(&cfg, "users_gid", "100", &err), &err);
	tu_assert_ok(gr_config_validate(&cfg, &err), &err);
	tu_assert_fails(gr_config_set(&cfg, "uid_max", "999", &err), &err, -GR_E_CONFIG,
			"from 1000");
	tu_assert_fails(gr_config_set(&cfg, "home_template", "/home/%x", &err), &err,
			-GR_E_CONFIG, "home_template");
	tu_assert_fails(gr_config_set(&cfg, "home_template", "home/%u", &err), &err,
			-GR_E_CONFIG, "home_template");
	tu_assert_fails(gr_config_set(&cfg, "default_shell", "bash", &err), &err, -GR_E_CONFIG,
			"absolute path");
	tu_assert_ok(gr_config_set(&cfg, "home_template", "/srv/%d/%u-%U%%", &err), &err);
	{
		/* Expanded, it could outgrow a passwd field of the snapshot. */
		char t[256] = "/h";
		int i;

		for (i = 0; i < 100; i++)
			strcat(t, "%u");
		tu_assert_fails(gr_config_set(&cfg, "home_template", t, &err), &err, -GR_E_CONFIG,
				"home_template");
	}
}

static void test_home_template(void **state)
{
	struct gr_config cfg;
	struct gr_err err;
	char out[64];

	(void)state;
	gr_config_defaults(&cfg);
	gr_err_clear(&err);
	assert_int_equal(gr_account_home(&cfg, "alice", 300000, "corp", out, sizeof(out)), 0);
	assert_string_equal(out, "/home/alice");
	tu_assert_ok(gr_config_set(&cfg, "home_template", "/srv/%d/%u-%U%%", &err), &err);
	assert_int_equal(gr_account_home(&cfg, "alice", 300000, "corp", out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/corp/alice-300000%");
	assert_int_equal(gr_account_home(&cfg, "alice", 300000, "corp", out, 12), -ENAMETOOLONG);
}

/* ---- the passwd fields ---- */

#define EXT "urn:ietf:params:scim:schemas:extension:grouprole:2.0:User"

static void load(struct fx *fx, const char *id, const char *login, struct gr_account *a)
{
	assert_int_equal(gr_account_load(fx->st, "corp", id, login, a, &fx->err), 1);
}

static void test_fields(void **state)
{
	struct fx *fx = fx_open(ACCOUNTS "shell_attribute = " EXT ":loginShell\n"
				"ssh_keys_attribute = " EXT ":sshPublicKeys");
	struct gr_account a;
	json_t *u;

	(void)state;
	u = tu_user("u1", "alice@example.com", true);
	json_object_set_new(u, "displayName", json_string("Alice: Nguyen"));
	json_object_set_new(u, "name", json_pack("{s:s}", "formatted", "A. Nguyen"));
	json_object_set_new(u, EXT, json_pack("{s:s,s:[s,s,s]}", "loginShell", "/bin/sh",
					      "sshPublicKeys", "ssh-ed25519 AAAA one",
					      "bad\nline", "ssh-rsa AAAA two"));
	assert_int_equal(put(fx, u), 0);
	load(fx, "u1", "alice", &a);
	assert_int_equal(a.uid, 300000);
	assert_int_equal(a.gid, 300000);
	/* ':' would split the passwd line. */
	assert_string_equal(a.gecos, "Alice Nguyen");
	assert_string_equal(a.home, "/home/alice");
	assert_string_equal(a.shell, "/bin/sh");
	assert_int_equal(a.keys_len, strlen("ssh-ed25519 AAAA one\nssh-rsa AAAA two\n"));
	assert_memory_equal(a.keys, "ssh-ed25519 AAAA one\nssh-rsa AAAA two\n", a.keys_len);
	gr_account_clear(&a);

	/* No displayName: the formatted name, else given and family names. */
	u = tu_user("u2", "bob@example.com", true);
	json_object_set_new(u, "name", json_pack("{s:s,s:s}", "givenName", "Bob",
						 "familyName", "Okafor"));
	/* A shell /etc/shells does not list is not taken. */
	json_object_set_new(u, EXT, json_pack("{s:s}", "loginShell", "/tmp/evil"));
	assert_int_equal(put(fx, u), 0);
	load(fx, "u2", "bob", &a);
	assert_string_equal(a.gecos, "Bob Okafor");
	assert_string_equal(a.shell, "/bin/bash");
	assert_null(a.keys);
	gr_account_clear(&a);
	fx_close(fx);
}

/* Whatever the directory sends, the fields fit a snapshot: the publish never fails on them. */
static void test_oversized_fields(void **state)
{
	struct fx *fx = fx_open(ACCOUNTS "ssh_keys_attribute = " EXT ":sshPublicKeys");
	char big[GR_SNAP_MAX_PW_FIELD + 100], key[2001];
	struct gr_account a;
	json_t *u, *keys = json_array();
	size_t i;

	(void)state;
	/* A long name of two-byte characters, cut between characters. */
	for (i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	memset(key, 'A', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	for (i = 0; i < 64; i++)
		json_array_append_new(keys, json_string(key));
	u = tu_user("u1", "alice@example.com", true);
	json_object_set_new(u, "displayName", json_string(big));
	json_object_set_new(u, EXT, json_pack("{s:o}", "sshPublicKeys", keys));
	assert_int_equal(put(fx, u), 0);
	load(fx, "u1", "alice", &a);
	assert_true(strlen(a.gecos) <= GR_SNAP_MAX_PW_FIELD && strlen(a.gecos) > 4000);
	assert_int_equal(strlen(a.gecos) % 2, 0);
	assert_true(a.keys_len <= GR_SNAP_MAX_KEYS && a.keys_len > GR_SNAP_MAX_KEYS - 2001);
	gr_account_clear(&a);
	tu_assert_ok(gr_publish(fx->st, NULL, &fx->err), &fx->err);
	fx_close(fx);
}

/* ---- what gr_publish writes ---- */

struct seen {
	char line[512];
};

static int seen_account(const struct gr_snap_account *a, void *ctx)
{
	struct seen *s = ctx;
	const char *name = a->strings, *gecos = name + a->name_len + 1;
	const char *dir = gecos + a->gecos_len + 1, *shell = dir + a->dir_len + 1;

	snprintf(s->line, sizeof(s->line), "%s:%u:%u:%s:%s:%s", name, a->uid, a->gid, gecos, dir,
		 shell);
	return 0;
}

static int seen_keys(const char *text, size_t len, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->line, sizeof(s->line), "%.*s", (int)len, text);
	return 0;
}

static int seen_group(const struct gr_snap_group *g, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->line, sizeof(s->line), "%s:%u:%u", g->name, g->gid, g->n_members);
	return 0;
}

static void publish(struct fx *fx, struct gr_snap **snap)
{
	char path[PATH_MAX + 32];

	tu_assert_ok(gr_publish(fx->st, NULL, &fx->err), &fx->err);
	assert_int_equal(gr_config_state_path(&fx->env.cfg, GR_SNAP_FILE, path, sizeof(path)), 0);
	assert_int_equal(gr_snap_open(path, true, snap), 0);
}

static void test_published(void **state)
{
	struct fx *fx = fx_open(ACCOUNTS "ssh_keys_attribute = " EXT ":sshPublicKeys");
	struct gr_snap *snap = NULL;
	struct seen s;
	json_t *u;

	(void)state;
	u = tu_user("u1", "alice@example.com", true);
	json_object_set_new(u, EXT, json_pack("{s:[s]}", "sshPublicKeys", "ssh-ed25519 AAAA a"));
	assert_int_equal(put(fx, u), 0);
	u = tu_user("u2", "bob@example.com", false);
	json_object_set_new(u, EXT, json_pack("{s:[s]}", "sshPublicKeys", "ssh-ed25519 AAAA b"));
	assert_int_equal(put(fx, u), 0);
	publish(fx, &snap);
	assert_true(gr_snap_has_accounts(snap));
	assert_int_equal(gr_snap_pw_table(snap)->n_accounts, 2);
	assert_int_equal(gr_snap_account_by_name(snap, "alice", seen_account, &s), 0);
	assert_string_equal(s.line, "alice:300000:300000::/home/alice:/bin/bash");
	assert_int_equal(gr_snap_account_by_uid(snap, 300001, seen_account, &s), 0);
	assert_string_equal(s.line, "bob:300001:300001::/home/bob:/bin/bash");
	/* The private group, served by the group functions. */
	assert_int_equal(gr_snap_group_by_gid(snap, 300000, seen_group, &s), 0);
	assert_string_equal(s.line, "alice:300000:0");
	/* Keys for the active user only; the deactivated one keeps its entry. */
	assert_int_equal(gr_snap_keys(snap, "alice", seen_keys, &s), 0);
	assert_string_equal(s.line, "ssh-ed25519 AAAA a\n");
	assert_int_equal(gr_snap_keys(snap, "bob", seen_keys, &s), -ENOENT);
	gr_snap_close(snap);

	/* Deleted: gone from passwd, its group and its keys. */
	del(fx, "u1");
	publish(fx, &snap);
	assert_int_equal(gr_snap_account_by_name(snap, "alice", seen_account, &s), -ENOENT);
	assert_int_equal(gr_snap_account_by_uid(snap, 300000, seen_account, &s), -ENOENT);
	assert_int_equal(gr_snap_group_by_gid(snap, 300000, seen_group, &s), -ENOENT);
	assert_int_equal(gr_snap_keys(snap, "alice", seen_keys, &s), -ENOENT);
	gr_snap_close(snap);
	fx_close(fx);
}

static void test_users_off_snapshot_has_no_accounts(void **state)
{
	struct fx *fx = fx_open("login_domains = example.com");
	struct gr_snap *snap = NULL;
	struct seen s;

	(void)state;
	assert_int_equal(put(fx, tu_user("u1", "alice@example.com", true)), 0);
	publish(fx, &snap);
	assert_false(gr_snap_has_accounts(snap));
	assert_int_equal(gr_snap_account_by_name(snap, "alice", seen_account, &s), -ENOENT);
	assert_int_equal(gr_snap_group_by_name(snap, "alice", seen_group, &s), -ENOENT);
	gr_snap_close(snap);
	fx_close(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_off_writes_nothing),
		cmocka_unit_test(test_allocated_once_kept_across_rename),
		cmocka_unit_test(test_never_reused_after_delete),
		cmocka_unit_test(test_skips_ids_other_sources_have),
		cmocka_unit_test(test_exhausted_range_is_a_clear_error),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_home_template),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_oversized_fields),
		cmocka_unit_test(test_published),
		cmocka_unit_test(test_users_off_snapshot_has_no_accounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

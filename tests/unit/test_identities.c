/* SPDX-License-Identifier: MIT */
/*
 * Directory identities on a host: which login a directory user gets.
 *
 *   - system accounts never map (reserved names; NSS accounts outside the
 *     login.defs UID_MIN..UID_MAX), at import and again at publish;
 *   - a login's holder keeps it, whatever the document order, across
 *     re-imports and directories; a new claimant gets a login_error; a
 *     free name that several claim goes to none of them; when the holder
 *     leaves or renames away, the name is free for the next claimant.
 *
 * Cases that depend on document order run once per order.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "publish/publish.h"
#include "store/import.h"
#include "testutil.h"

/*
 * The host's accounts as this test sees them, when FAKE_ACCOUNTS is set:
 * the library lists accounts with setpwent/getpwent_r/endpwent, and these
 * definitions in the test program take the calls, so a host whose accounts
 * are all on the reserved list (a minimal Debian) still has one ordinary
 * system account, "backupsvc" (uid 998), to judge by login.defs.
 */
static bool fake_accounts;
static size_t fake_pos;
static const struct {
	const char *name;
	uid_t uid;
} fake_passwd[] = { { "root", 0 }, { "daemon", 1 }, { "backupsvc", 998 }, { "kim", 1001 } };

void setpwent(void)
{
	void (*real)(void);

	fake_pos = 0;
	if (!fake_accounts && (*(void **)&real = dlsym(RTLD_NEXT, "setpwent")))
		real();
}

void endpwent(void)
{
	void (*real)(void);

	if (!fake_accounts && (*(void **)&real = dlsym(RTLD_NEXT, "endpwent")))
		real();
}

int getpwent_r(struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	int (*real)(struct passwd *, char *, size_t, struct passwd **);

	if (!fake_accounts) {
		*(void **)&real = dlsym(RTLD_NEXT, "getpwent_r");
		return real ? real(pw, buf, len, res) : ENOENT;
	}
	*res = NULL;
	if (fake_pos >= sizeof(fake_passwd) / sizeof(fake_passwd[0]))
		return ENOENT;
	if (strlen(fake_passwd[fake_pos].name) + 1 > len)
		return ERANGE;
	memset(pw, 0, sizeof(*pw));
	strcpy(buf, fake_passwd[fake_pos].name);
	pw->pw_name = buf;
	pw->pw_uid = fake_passwd[fake_pos].uid;
	pw->pw_gid = fake_passwd[fake_pos].uid;
	fake_pos++;
	*res = pw;
	return 0;
}

struct fx {
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
	char defs[PATH_MAX];
};

static void write_defs(struct fx *fx, unsigned long lo, unsigned long hi)
{
	FILE *f = fopen(fx->defs, "w");

	assert_non_null(f);
	fprintf(f, "# test login.defs\nUID_MIN %lu\nUID_MAX %lu\n", lo, hi);
	assert_int_equal(fclose(f), 0);
}

static int fx_setup(void **state)
{
	fake_accounts = false; /* a failed case may have left it set */
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	tu_setup(&fx->env, "login_domains = corp.example Contractor.Example");
	snprintf(fx->defs, sizeof(fx->defs), "%s/login.defs", fx->env.dir);
	write_defs(fx, 1000, 60000);
	gr_err_clear(&fx->err);
	/* A test-only login.defs (accepted because the config has test_mode). */
	tu_assert_ok(gr_config_set(&fx->env.cfg, "login_defs", fx->defs, &fx->err), &fx->err);
	tu_assert_ok(gr_config_validate(&fx->env.cfg, &fx->err), &fx->err);
	fx->st = tu_open(&fx->env);
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "corp", &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "ctr", &fx->err), &fx->err);
	tu_role(fx->st, "admin", 100);
	tu_commit(fx->st);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	gr_store_close(fx->st);
	tu_teardown(&fx->env);
	free(fx);
	return 0;
}

/*
 * Import into DIR the users given as "id=userName" strings, all members of
 * one group g1 mapped to role admin.  Returns the import's result; the
 * unmapped report goes to *UNMAPPED when not NULL.
 */
static int import(struct fx *fx, const char *dir, const char *const *users, size_t n,
		  json_t **unmapped)
{
	json_t *ul = json_array(), *gl = json_array(), *g;
	const char *ids[16];
	char idbuf[16][32];
	size_t i;
	int r;

	assert_true(n <= 16);
	for (i = 0; i < n; i++) {
		const char *eq = strchr(users[i], '=');

		assert_non_null(eq);
		snprintf(idbuf[i], sizeof(idbuf[i]), "%.*s", (int)(eq - users[i]), users[i]);
		ids[i] = idbuf[i];
		json_array_append_new(ul, tu_user(ids[i], eq + 1, true));
	}
	g = tu_group("g1", "Admins", ids, n);
	json_array_append_new(gl, g);
	gr_err_clear(&fx->err);
	r = gr_import_directory(fx->st, dir, ul, gl, true, NULL, unmapped, &fx->err);
	json_decref(ul);
	json_decref(gl);
	if (r == 0) {
		const char *slug = "admin";

		tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
		tu_assert_ok(gr_group_roles_change(fx->st, NULL, dir, "g1", &slug, 1, true,
						   &fx->err), &fx->err);
		tu_commit(fx->st);
	}
	return r;
}

/* The login of DIR/ID, or "!" + its login_error. */
static const char *login_of(struct fx *fx, const char *dir, const char *id, char *buf,
			    size_t len)
{
	json_t *u = NULL;

	tu_assert_ok(gr_store_read_lock(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_user_get(fx->st, dir, id, &u, &fx->err), &fx->err);
	gr_store_read_unlock(fx->st);
	if (json_object_get(u, "login"))
		snprintf(buf, len, "%s", json_string_value(json_object_get(u, "login")));
	else
		snprintf(buf, len, "!%s", json_string_value(json_object_get(u, "login_error")));
	json_decref(u);
	return buf;
}

#define assert_login(fx, dir, id, expect)                                                   \
	do {                                                                              \
		char b_[512];                                                             \
		assert_string_equal(login_of((fx), (dir), (id), b_, sizeof(b_)), (expect)); \
	} while (0)

static size_t published_users(struct fx *fx)
{
	struct gr_publish_stats ps;

	tu_assert_ok(gr_publish(fx->st, &ps, &fx->err), &fx->err);
	return ps.users;
}

/* ---- system accounts ---- */

static void test_system_accounts_never_map(void **state)
{
	struct fx *fx = *state;
	static const char *const users[] = { "u1=root@corp.example", "u2=www-data@corp.example",
					     "u3=sshd@corp.example", "u4=alice@corp.example",
					     "u5=systemd-foo@corp.example" };
	json_t *unmapped = NULL;
	struct gr_ref ref;

	tu_assert_ok(import(fx, "corp", users, 5, &unmapped), &fx->err);
	assert_login(fx, "corp", "u1", "!login name 'root' is a system account on this host");
	assert_login(fx, "corp", "u2", "!login name 'www-data' is a system account on this host");
	assert_login(fx, "corp", "u3", "!login name 'sshd' is a system account on this host");
	assert_login(fx, "corp", "u4", "alice");
	assert_login(fx, "corp", "u5",
		     "!login name 'systemd-foo' is a system account on this host");
	/* Reported by import, one entry per user. */
	assert_int_equal(json_array_size(unmapped), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(unmapped, 0),
							      "userName")), "root@corp.example");
	json_decref(unmapped);
	/* No login index: PAM and NSS cannot find a directory "root". */
	tu_assert_ok(gr_store_read_lock(fx->st, &fx->err), &fx->err);
	assert_false(gr_store_exists(fx->st, "login/root"));
	assert_false(gr_store_exists(fx->st, "login/www-data"));
	tu_assert_fails(gr_user_find(fx->st, NULL, "root", &ref, &fx->err), &fx->err,
			-GR_E_NOTFOUND, "no user 'root'");
	gr_store_read_unlock(fx->st);
	/* Only alice is in role-admin. */
	assert_int_equal(published_users(fx), 1);
}

/* An account NSS knows (not on the reserved list): judged by login.defs. */
static void test_login_defs_range_and_publish(void **state)
{
	struct fx *fx = *state;
	struct passwd *pw;
	char login[64] = "", uname[128], entry[160], expect[256];
	const char *users[1] = { entry };
	unsigned long uid = 0;

	/* An account the reserved list does not name: its uid decides. */
	(void)pw;
	fake_accounts = true;
	snprintf(login, sizeof(login), "backupsvc");
	uid = 998;
	snprintf(uname, sizeof(uname), "%s@corp.example", login);
	snprintf(entry, sizeof(entry), "u1=%s", uname);
	snprintf(expect, sizeof(expect), "!login name '%s' is a system account on this host",
		 login);

	/* Below UID_MIN: a system account. */
	write_defs(fx, uid + 1, 0x7fffffff);
	tu_assert_ok(import(fx, "corp", users, 1, NULL), &fx->err);
	assert_login(fx, "corp", "u1", expect);
	assert_int_equal(published_users(fx), 0);

	/* Inside the range: a person's account, so the user may hold it. */
	write_defs(fx, uid, uid);
	tu_assert_ok(import(fx, "corp", users, 1, NULL), &fx->err);
	assert_login(fx, "corp", "u1", login);
	assert_int_equal(published_users(fx), 1);

	/*
	 * The account becomes a system account after the import (here: the
	 * range moves; on a host: a package creates it).  Publishing skips it
	 * without any import.
	 */
	write_defs(fx, uid + 1, 0x7fffffff);
	assert_int_equal(published_users(fx), 0);
	fake_accounts = false;
}

/* ---- ownership ---- */

/* The holder keeps the login whatever the order and however often re-imported. */
static void test_holder_keeps_login(void **state)
{
	struct fx *fx = *state;
	static const char *const first[] = { "u1=alice@corp.example" };
	static const char *const order_a[] = { "u1=alice@corp.example",
					       "u2=alice@contractor.example" };
	static const char *const order_b[] = { "u2=alice@contractor.example",
					       "u1=alice@corp.example" };
	int round;

	tu_assert_ok(import(fx, "corp", first, 1, NULL), &fx->err);
	assert_login(fx, "corp", "u1", "alice");
	for (round = 0; round < 4; round++) {
		tu_assert_ok(import(fx, "corp", round % 2 ? order_a : order_b, 2, NULL), &fx->err);
		assert_login(fx, "corp", "u1", "alice");
		assert_login(fx, "corp", "u2", "!login name 'alice' is already used by corp/u1");
	}
	assert_int_equal(published_users(fx), 1);
}

/* Two new claimants of a free name in one import: neither, in either order. */
static void test_contested_name(void **state)
{
	struct fx *fx = *state;
	static const char *const order_a[] = { "u1=alice@corp.example",
					       "u2=alice@contractor.example",
					       "u3=bob@corp.example" };
	static const char *const order_b[] = { "u3=bob@corp.example",
					       "u2=alice@contractor.example",
					       "u1=alice@corp.example" };
	static const char *const only_u1[] = { "u1=alice@corp.example", "u3=bob@corp.example" };
	static const char *const msg =
		"!login name 'alice' is claimed by several users at once; none gets it while more than one claims it";
	int round;

	for (round = 0; round < 2; round++) {
		tu_assert_ok(import(fx, "corp", round ? order_b : order_a, 3, NULL), &fx->err);
		assert_login(fx, "corp", "u1", msg);
		assert_login(fx, "corp", "u2", msg);
		assert_login(fx, "corp", "u3", "bob");
	}
	/* One claimant left: the name is free for it. */
	tu_assert_ok(import(fx, "corp", only_u1, 2, NULL), &fx->err);
	assert_login(fx, "corp", "u1", "alice");
}

/* The holder leaves (deleted): the next import gives the name to the claimant. */
static void test_holder_deleted(void **state)
{
	struct fx *fx = *state;
	static const char *const first[] = { "u1=alice@corp.example" };
	static const char *const both[] = { "u2=alice@contractor.example",
					    "u1=alice@corp.example" };
	static const char *const after[] = { "u2=alice@contractor.example" };

	tu_assert_ok(import(fx, "corp", first, 1, NULL), &fx->err);
	tu_assert_ok(import(fx, "corp", both, 2, NULL), &fx->err);
	assert_login(fx, "corp", "u2", "!login name 'alice' is already used by corp/u1");
	tu_assert_ok(import(fx, "corp", after, 1, NULL), &fx->err);
	assert_login(fx, "corp", "u2", "alice");
}

/* The holder renames away: the claimant gets the name in the same import, either order. */
static void test_holder_renamed_away(void **state)
{
	struct fx *fx = *state;
	static const char *const first[] = { "u1=alice@corp.example",
					     "u2=alice@contractor.example" };
	static const char *const hold[] = { "u1=alice@corp.example" };
	static const char *const order_a[] = { "u1=alice.old@corp.example",
					       "u2=alice@contractor.example" };
	static const char *const order_b[] = { "u2=alice@contractor.example",
					       "u1=alice.old@corp.example" };
	int order;

	for (order = 0; order < 2; order++) {
		/* u1 holds alice, u2 claims it in vain ... */
		tu_assert_ok(import(fx, "corp", hold, 1, NULL), &fx->err);
		tu_assert_ok(import(fx, "corp", first, 2, NULL), &fx->err);
		assert_login(fx, "corp", "u1", "alice");
		assert_login(fx, "corp", "u2", "!login name 'alice' is already used by corp/u1");
		/* ... until u1 is renamed. */
		tu_assert_ok(import(fx, "corp", order ? order_b : order_a, 2, NULL), &fx->err);
		assert_login(fx, "corp", "u1", "alice.old");
		assert_login(fx, "corp", "u2", "alice");
		tu_assert_ok(import(fx, "corp", NULL, 0, NULL), &fx->err);
	}
}

/* Two holders swap names in one import: both get the other's, either order. */
static void test_swap(void **state)
{
	struct fx *fx = *state;
	static const char *const first[] = { "u1=alice@corp.example", "u2=bob@corp.example" };
	static const char *const swap_a[] = { "u1=bob@corp.example", "u2=alice@corp.example" };
	static const char *const swap_b[] = { "u2=bob@corp.example", "u1=alice@corp.example" };

	tu_assert_ok(import(fx, "corp", first, 2, NULL), &fx->err);
	tu_assert_ok(import(fx, "corp", swap_a, 2, NULL), &fx->err);
	assert_login(fx, "corp", "u1", "bob");
	assert_login(fx, "corp", "u2", "alice");
	tu_assert_ok(import(fx, "corp", swap_b, 2, NULL), &fx->err);
	assert_login(fx, "corp", "u1", "alice");
	assert_login(fx, "corp", "u2", "bob");
}

/* Across directories: the first directory to map a name holds it. */
static void test_across_directories(void **state)
{
	struct fx *fx = *state;
	static const char *const corp[] = { "u1=alice@corp.example" };
	static const char *const ctr[] = { "c1=alice@contractor.example" };
	int round;

	tu_assert_ok(import(fx, "corp", corp, 1, NULL), &fx->err);
	for (round = 0; round < 2; round++) {
		tu_assert_ok(import(fx, "ctr", ctr, 1, NULL), &fx->err);
		assert_login(fx, "ctr", "c1", "!login name 'alice' is already used by corp/u1");
		tu_assert_ok(import(fx, "corp", corp, 1, NULL), &fx->err);
		assert_login(fx, "corp", "u1", "alice");
	}
	/* The holder's directory drops it: the other directory's claimant may have it. */
	tu_assert_ok(import(fx, "corp", NULL, 0, NULL), &fx->err);
	tu_assert_ok(import(fx, "ctr", ctr, 1, NULL), &fx->err);
	assert_login(fx, "ctr", "c1", "alice");
}

/* ---- login_domains ---- */

static void test_domains(void **state)
{
	struct fx *fx = *state;
	static const char *const users[] = { "u1=alice@corp.example", "u2=bob@CORP.EXAMPLE",
					     "u3=carol@evil.example", "u4=dave" };

	tu_assert_ok(import(fx, "corp", users, 4, NULL), &fx->err);
	assert_login(fx, "corp", "u1", "alice");
	assert_login(fx, "corp", "u2", "bob");
	assert_login(fx, "corp", "u3",
		     "!'carol@evil.example': domain 'evil.example' is not in login_domains");
	assert_login(fx, "corp", "u4",
		     "!'dave' has no domain; username = localpart maps only names in login_domains");
}

/* No login_domains: nobody maps, and each user is told which key is missing. */
static void test_no_domains(void **state)
{
	struct fx *fx = *state;
	static const char *const users[] = { "u1=alice@corp.example" };

	fx->env.cfg.n_login_domains = 0;
	gr_store_close(fx->st);
	fx->st = tu_open(&fx->env);
	tu_assert_ok(import(fx, "corp", users, 1, NULL), &fx->err);
	assert_login(fx, "corp", "u1",
		     "!username = localpart maps no user until login_domains lists the accepted domains");
	assert_int_equal(published_users(fx), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_system_accounts_never_map),
		T(test_login_defs_range_and_publish),
		T(test_holder_keeps_login),
		T(test_contested_name),
		T(test_holder_deleted),
		T(test_holder_renamed_away),
		T(test_swap),
		T(test_across_directories),
		T(test_domains),
		T(test_no_domains),
	};

	return cmocka_run_group_tests_name("identities", tests, NULL, NULL);
}

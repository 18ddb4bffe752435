/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "accounts/accounts.h"
#include "core/names.h"
#include "store/limits.h"
#include "store/changes.h"
#include "store/records.h"
#include "store/ugroups.h"
#include "store/roles.h"
#include "scim/scim.h"

/* ---- JSON helpers ---- */

bool gr_json_array_has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

int gr_json_array_add(json_t *arr, const char *s)
{
	if (gr_json_array_has(arr, s))
		return 0;
	return json_array_append_new(arr, json_string(s)) == 0 ? 1 : -ENOMEM;
}

static int keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **gr_json_sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys));
	const char *k;
	json_t *v;

	*n = 0;
	if (!keys)
		return NULL;
	json_object_foreach((json_t *)obj, k, v)
		keys[(*n)++] = k;
	qsort(keys, *n, sizeof(*keys), keycmp);
	return keys;
}

size_t gr_json_array_remove(json_t *arr, const char *s)
{
	size_t i = 0, n = 0;

	while (i < json_array_size(arr)) {
		json_t *v = json_array_get(arr, i);

		if (json_is_string(v) && !strcmp(json_string_value(v), s)) {
			json_array_remove(arr, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

/* Fetch an array record, or a new empty array when absent. */
static int get_array(struct gr_store *st, const char *key, json_t **out, struct gr_err *err)
{
	int r = gr_store_get_json(st, key, out, err);

	if (r == -GR_E_NOTFOUND) {
		*out = json_array();
		return *out ? 0 : gr_err_set(err, -ENOMEM, "out of memory");
	}
	if (r < 0)
		return r;
	if (!json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		return gr_err_set(err, -GR_E_CORRUPT, "record '%s' is not an array", key);
	}
	return 0;
}

/* Store ARR, or delete the key when it is empty. */
static int put_array(struct gr_store *st, const char *key, const json_t *arr, struct gr_err *err)
{
	if (json_array_size(arr) == 0)
		return gr_store_del(st, key, err);
	return gr_store_put_json(st, key, arr, err);
}

static int keyerr(struct gr_err *err)
{
	return gr_err_set(err, -ENAMETOOLONG, "record key too long");
}

/* Collect keys under a prefix so they can be changed after the walk. */
struct keylist {
	char **keys;
	size_t n, cap;
};

static int keylist_cb(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	struct keylist *kl = ctx;

	(void)val;
	(void)len;
	if (kl->n == kl->cap) {
		size_t ncap = kl->cap ? kl->cap * 2 : 64;
		char **nk = realloc(kl->keys, ncap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		kl->keys = nk;
		kl->cap = ncap;
	}
	kl->keys[kl->n] = strdup(key);
	if (!kl->keys[kl->n])
		return -ENOMEM;
	kl->n++;
	return 0;
}

static void keylist_free(struct keylist *kl)
{
	size_t i;

	for (i = 0; i < kl->n; i++)
		free(kl->keys[i]);
	free(kl->keys);
	memset(kl, 0, sizeof(*kl));
}

static int keylist_collect(struct gr_store *st, const char *prefix, struct keylist *kl,
			   struct gr_err *err)
{
	int r;

	memset(kl, 0, sizeof(*kl));
	r = gr_store_walk(st, prefix, keylist_cb, kl, err);
	if (r == -ENOMEM)
		gr_err_set(err, r, "out of memory");
	if (r < 0)
		keylist_free(kl);
	return r;
}

static int delete_prefix(struct gr_store *st, const char *prefix, struct gr_err *err)
{
	struct keylist kl;
	size_t i;
	int r = keylist_collect(st, prefix, &kl, err);

	for (i = 0; r == 0 && i < kl.n; i++)
		r = gr_store_del(st, kl.keys[i], err);
	keylist_free(&kl);
	return r;
}

/* ---- directories ---- */

int gr_dir_check(struct gr_store *st, const char *name, struct gr_err *err)
{
	char key[GR_KEY_MAX];

	if (!gr_valid_slug(name))
		return gr_err_set(err, -GR_E_INVALID, "invalid directory name '%s'", name);
	if (gr_key(key, sizeof(key), "dir/%s", name) < 0)
		return keyerr(err);
	if (!gr_store_exists(st, key))
		return gr_err_set(err, -GR_E_NOTFOUND, "no directory '%s'", name);
	return 0;
}

int gr_dir_create(struct gr_store *st, const char *name, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *v;
	int r;

	if (!gr_valid_slug(name))
		return gr_err_set(err, -GR_E_INVALID,
				  "invalid directory name '%s' (use a-z, 0-9, '-' and '_')", name);
	if (gr_key(key, sizeof(key), "dir/%s", name) < 0)
		return keyerr(err);
	if (gr_store_exists(st, key))
		return gr_err_set(err, -GR_E_CONFLICT, "directory '%s' already exists", name);
	v = json_pack("{s:s,s:I}", "name", name, "created", (json_int_t)time(NULL));
	if (!v)
		return gr_err_set(err, -ENOMEM, "out of memory");
	r = gr_store_put_json(st, key, v, err);
	json_decref(v);
	return r;
}

int gr_dir_delete(struct gr_store *st, const char *name, struct gr_err *err)
{
	/* "account": users = yes's uid records (lib/accounts); the uids stay spent. */
	static const char *const kinds[] = { "user", "ug", "scim", "uname", "group", "members",
					     "gname", "troles", "assign", "account" };
	struct keylist orgs;
	char key[GR_KEY_MAX];
	size_t i;
	int r;

	r = gr_dir_check(st, name, err);
	if (r < 0)
		return r;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (gr_key(key, sizeof(key), "%s/%s/", kinds[i], name) < 0)
			return keyerr(err);
		r = delete_prefix(st, key, err);
		if (r < 0)
			return r;
	}
	/* login/ is keyed by login name: drop the entries pointing here. */
	{
		struct keylist kl;
		char val[GR_KEY_MAX];
		size_t plen = strlen(name);

		r = keylist_collect(st, "login/", &kl, err);
		for (i = 0; r == 0 && i < kl.n; i++) {
			if (gr_store_get_str(st, kl.keys[i], val, sizeof(val), NULL) == 0 &&
			    !strncmp(val, name, plen) && val[plen] == '/')
				r = gr_store_del(st, kl.keys[i], err);
		}
		keylist_free(&kl);
		if (r < 0)
			return r;
	}
	/* Organization data that names this directory. */
	r = keylist_collect(st, "org/", &orgs, err);
	for (i = 0; r == 0 && i < orgs.n; i++) {
		const char *org = orgs.keys[i] + 4;

		if ((r = gr_org_connection(st, org, name, false, false, err)) < 0)
			break;
		if (gr_key(key, sizeof(key), "orgmember/%s/%s/", org, name) < 0 ||
		    (r = delete_prefix(st, key, err)) < 0)
			break;
		if (gr_key(key, sizeof(key), "oroles/%s/%s/", org, name) < 0 ||
		    (r = delete_prefix(st, key, err)) < 0)
			break;
	}
	keylist_free(&orgs);
	if (r < 0)
		return r;
	if (gr_key(key, sizeof(key), "dir/%s", name) < 0)
		return keyerr(err);
	return gr_store_del(st, key, err);
}

/* ---- users ---- */

int gr_user_get(struct gr_store *st, const char *dir, const char *id, json_t **out,
		struct gr_err *err)
{
	char key[GR_KEY_MAX];
	int r;

	if (gr_key(key, sizeof(key), "user/%s/%s", dir, id) < 0)
		return keyerr(err);
	r = gr_store_get_json(st, key, out, err);
	if (r == 0 && !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return gr_err_set(err, -GR_E_CORRUPT, "record '%s' is not an object", key);
	}
	/* The groups live in their own chunks (ugroups.h); schema 1 had them inline. */
	if (r == 0 && !json_object_get(*out, "groups")) {
		json_t *groups = NULL;

		r = gr_ugroups_get(st, dir, id, &groups, NULL, err);
		if (r == 0 && json_object_set_new(*out, "groups", groups) < 0)
			r = gr_err_set(err, -ENOMEM, "out of memory");
		if (r < 0) {
			json_decref(*out);
			*out = NULL;
		}
	}
	return r;
}

int gr_user_get_scim(struct gr_store *st, const char *dir, const char *id, json_t **out,
		     struct gr_err *err)
{
	char key[GR_KEY_MAX];

	if (gr_key(key, sizeof(key), "scim/%s/%s", dir, id) < 0)
		return keyerr(err);
	return gr_store_get_json(st, key, out, err);
}

int gr_user_login_for(const struct gr_config *cfg, const json_t *scim, char *out, size_t len,
		      struct gr_err *err)
{
	const char *src = gr_scim_str(scim, "userName");

	if (cfg->username_mode == GR_USERNAME_ATTRIBUTE) {
		const char *vals[1];

		if (gr_scim_attr_values(scim, cfg->username_attribute, vals, 1) != 1)
			return gr_err_set(err, -GR_E_INVALID, "attribute '%s' is not set",
					  cfg->username_attribute);
		src = vals[0];
	}
	return gr_login_map(cfg, src, out, len, err);
}

int gr_login_rules_load(const struct gr_config *cfg, struct gr_login_rules *rules,
			struct gr_err *err)
{
	struct passwd pw, *res;
	char buf[4096];
	int r = gr_login_defs_uid_range(cfg->login_defs, &rules->uid_min, &rules->uid_max);

	rules->contested = NULL;
	rules->system = NULL;
	if (r < 0)
		return gr_err_set(err, r, "cannot read %s: %s", cfg->login_defs, strerror(-r));
	rules->system = json_object();
	if (!rules->system)
		return gr_err_set(err, -ENOMEM, "out of memory");
	setpwent();
	while ((r = getpwent_r(&pw, buf, sizeof(buf), &res)) == 0 && res) {
		if ((pw.pw_uid < rules->uid_min || pw.pw_uid > rules->uid_max) &&
		    json_object_set_new(rules->system, pw.pw_name, json_true()) < 0) {
			r = ENOMEM;
			break;
		}
	}
	endpwent();
	/*
	 * ENOENT ends the list.  Any other error (ERANGE for an entry past
	 * 4 KiB included) fails the caller: an account we could not read may
	 * be a system account, and guessing either way is wrong.
	 */
	if (r != 0 && r != ENOENT) {
		gr_login_rules_free(rules);
		return gr_err_set(err, -r, "cannot list the host's accounts: %s", strerror(r));
	}
	return 0;
}

void gr_login_rules_free(struct gr_login_rules *rules)
{
	json_decref(rules->system);
	rules->system = NULL;
}

int gr_login_rules_is_system(const struct gr_login_rules *rules, const char *login)
{
	return gr_reserved_user_name(login) || json_object_get(rules->system, login) ? 1 : 0;
}

/*
 * The login USER may take (return 0), or a login_error sentence in LERR
 * (return 1); negative on a store error.
 */
static int login_claim(struct gr_store *st, const char *me, const json_t *scim,
		       const struct gr_login_rules *rules, char *login, size_t len,
		       struct gr_err *lerr, struct gr_err *err)
{
	char key[GR_KEY_MAX], owner[GR_KEY_MAX];

	if (gr_user_login_for(gr_store_config(st), scim, login, len, lerr) < 0)
		return 1;
	if (gr_login_rules_is_system(rules, login)) {
		gr_err_set(lerr, -GR_E_INVALID, "login name '%s' is a system account on this host",
			   login);
		return 1;
	}
	if (gr_key(key, sizeof(key), "login/%s", login) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	if (gr_store_get_str(st, key, owner, sizeof(owner), NULL) == 0 && strcmp(owner, me)) {
		/* The holder keeps the name; the newcomer is reported. */
		gr_err_set(lerr, -GR_E_CONFLICT, "login name '%s' is already used by %s", login,
			   owner);
		return 1;
	}
	if (rules->contested && json_object_get(rules->contested, login)) {
		gr_err_set(lerr, -GR_E_CONFLICT,
			   "login name '%s' is claimed by several users at once; none gets it while more than one claims it",
			   login);
		return 1;
	}
	return 0;
}

/* Drop the index entries of the stored user OLD. */
static int user_unindex(struct gr_store *st, const char *dir, const json_t *old,
			struct gr_err *err)
{
	char key[GR_KEY_MAX], lower[512], owner[GR_KEY_MAX];
	const char *uname = gr_scim_str(old, "userName");
	const char *login = gr_scim_str(old, "login");
	const char *id = gr_scim_str(old, "id");
	int r;

	/*
	 * Only entries that still point at this user: within an import another
	 * user may already have taken the old name (two users swapping names).
	 */
	if (uname && id && gr_lowercase(uname, lower, sizeof(lower)) == 0 &&
	    gr_key(key, sizeof(key), "uname/%s/%s", dir, lower) == 0 &&
	    gr_store_get_str(st, key, owner, sizeof(owner), NULL) == 0 && !strcmp(owner, id)) {
		r = gr_store_del(st, key, err);
		if (r < 0)
			return r;
	}
	if (login && id && gr_key(key, sizeof(key), "login/%s", login) == 0 &&
	    gr_store_get_str(st, key, owner, sizeof(owner), NULL) == 0) {
		char mine[GR_KEY_MAX];

		/* Only our own entry: a collision loser never held the index. */
		if (gr_key(mine, sizeof(mine), "%s/%s", dir, id) == 0 && !strcmp(owner, mine)) {
			r = gr_store_del(st, key, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int gr_login_rules_refresh(struct gr_login_rules_cache *c, const struct gr_config *cfg,
			   struct gr_err *err)
{
	struct gr_login_rules fresh;
	struct stat sb;
	int r;

	if (stat("/etc/passwd", &sb) < 0)
		memset(&sb, 0, sizeof(sb));
	if (c->loaded && sb.st_dev == c->dev && sb.st_ino == c->ino && sb.st_size == c->size &&
	    sb.st_mtim.tv_sec == c->mtime.tv_sec && sb.st_mtim.tv_nsec == c->mtime.tv_nsec)
		return 0;
	r = gr_login_rules_load(cfg, &fresh, err);
	if (r < 0) {
		gr_login_rules_free(&fresh);
		return r;
	}
	gr_login_rules_cache_free(c);
	c->rules = fresh;
	c->loaded = true;
	c->dev = sb.st_dev;
	c->ino = sb.st_ino;
	c->size = sb.st_size;
	c->mtime = sb.st_mtim;
	return 1;
}

void gr_login_rules_cache_free(struct gr_login_rules_cache *c)
{
	if (c->loaded)
		gr_login_rules_free(&c->rules);
	c->loaded = false;
}

int gr_user_put(struct gr_store *st, const char *dir, const json_t *scim, const json_t *groups,
		struct gr_err *err)
{
	struct gr_login_rules rules;
	int r = gr_login_rules_load(gr_store_config(st), &rules, err);

	if (r == 0)
		r = gr_user_put_rules(st, dir, scim, groups, &rules, err);
	gr_login_rules_free(&rules);
	return r;
}

int gr_user_put_rules(struct gr_store *st, const char *dir, const json_t *scim,
		      const json_t *groups, const struct gr_login_rules *rules, struct gr_err *err)
{
	char key[GR_KEY_MAX], lower[512], login[GR_UNIX_NAME_MAX + 1], me[GR_KEY_MAX];
	char owner[GR_KEY_MAX];
	const char *id = gr_scim_str(scim, "id");
	const char *uname = gr_scim_str(scim, "userName");
	const char *ext = gr_scim_str(scim, "externalId");
	json_t *old = NULL, *rec = NULL, *grp = NULL;
	struct gr_err lerr;
	int r;

	if (!id || !uname)
		return gr_err_set(err, -GR_E_INVALID, "user resource without id or userName");
	if (gr_lowercase(uname, lower, sizeof(lower)) < 0)
		return gr_err_set(err, -GR_E_INVALID, "userName too long");
	if (gr_key(me, sizeof(me), "%s/%s", dir, id) < 0)
		return keyerr(err);

	r = gr_user_get(st, dir, id, &old, err);
	if (r < 0 && r != -GR_E_NOTFOUND)
		return r;
	if (old) {
		r = user_unindex(st, dir, old, err);
		if (r < 0)
			goto out;
	}

	/* userName is unique within a directory, case-insensitively. */
	if (gr_key(key, sizeof(key), "uname/%s/%s", dir, lower) < 0) {
		r = keyerr(err);
		goto out;
	}
	if (gr_store_get_str(st, key, owner, sizeof(owner), NULL) == 0 && strcmp(owner, id)) {
		r = gr_err_set(err, -GR_E_CONFLICT, "userName '%s' is already used by user %s in '%s'",
			       uname, owner, dir);
		goto out;
	}
	r = gr_store_put_str(st, key, id, err);
	if (r < 0)
		goto out;

	if (groups) {
		size_t nchunks;

		if ((r = gr_ugroups_get(st, dir, id, &grp, &nchunks, err)) < 0 ||
		    (r = gr_ugroups_put(st, dir, id, groups, nchunks, err)) < 0)
			goto out;
	}
	rec = json_pack("{s:s,s:s,s:b}", "id", id, "userName", uname, "active",
			gr_scim_active(scim));
	if (!rec || (ext && json_object_set_new(rec, "externalId", json_string(ext)) < 0)) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}

	gr_err_clear(&lerr);
	r = login_claim(st, me, scim, rules, login, sizeof(login), &lerr, err);
	if (r < 0)
		goto out;
	if (r == 0) {
		if (gr_key(key, sizeof(key), "login/%s", login) < 0) {
			r = keyerr(err);
			goto out;
		}
		r = gr_store_put_str(st, key, me, err);
		if (r < 0)
			goto out;
		r = json_object_set_new(rec, "login", json_string(login));
	} else {
		r = json_object_set_new(rec, "login_error", json_string(gr_err_msg(&lerr)));
	}
	if (r < 0) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}

	if (gr_key(key, sizeof(key), "user/%s/%s", dir, id) < 0) {
		r = keyerr(err);
		goto out;
	}
	r = gr_store_put_json(st, key, rec, err);
	if (r < 0)
		goto out;
	if (gr_key(key, sizeof(key), "scim/%s/%s", dir, id) < 0) {
		r = keyerr(err);
		goto out;
	}
	/* Events: before the SCIM resource is replaced (the previous one is compared). */
	if ((r = gr_changes_user_put(st, dir, old, rec, scim, err)) < 0)
		goto out;
	r = gr_store_put_json(st, key, scim, err);
	/* Accounts (users = yes): the user's uid, allocated once (lib/accounts). */
	if (r == 0)
		r = gr_account_assign(st, dir, id, err);
out:
	json_decref(old);
	json_decref(rec);
	json_decref(grp);
	return r;
}

int gr_user_delete(struct gr_store *st, const char *dir, const char *id, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *old = NULL, *g;
	size_t i;
	int r;

	r = gr_user_get(st, dir, id, &old, err);
	if (r == -GR_E_NOTFOUND)
		return gr_err_set(err, r, "no user '%s' in directory '%s'", id, dir);
	if (r < 0)
		return r;
	r = user_unindex(st, dir, old, err);
	if (r == 0)
		r = gr_changes_user_delete(st, dir, old, err); /* events */
	json_array_foreach(json_object_get(old, "groups"), i, g) {
		json_t *members = NULL;

		if (r < 0 || !json_is_string(g))
			continue;
		if (gr_key(key, sizeof(key), "members/%s/%s", dir, json_string_value(g)) < 0) {
			r = keyerr(err);
			break;
		}
		r = get_array(st, key, &members, err);
		if (r == 0 && gr_json_array_remove(members, id))
			r = put_array(st, key, members, err);
		json_decref(members);
	}
	json_decref(old);
	if (r == 0)
		r = gr_ugroups_put(st, dir, id, NULL, SIZE_MAX, err);
	if (r < 0)
		return r;
	/*
	 * Organization memberships and resource assignments are the admin's
	 * records, not the IdP's: they stay, keyed on the SCIM id, and apply
	 * again if the IdP brings the same user back.
	 */
	/* Accounts: the user's uid record goes, the uid stays spent (lib/accounts). */
	r = gr_account_release(st, dir, id, err);
	if (r < 0)
		return r;
	if (gr_key(key, sizeof(key), "user/%s/%s", dir, id) < 0)
		return keyerr(err);
	r = gr_store_del(st, key, err);
	if (r < 0)
		return r;
	if (gr_key(key, sizeof(key), "scim/%s/%s", dir, id) < 0)
		return keyerr(err);
	return gr_store_del(st, key, err);
}

static int set_ref(struct gr_ref *ref, const char *dir, const char *id)
{
	if (strlen(dir) >= sizeof(ref->dir) || strlen(id) >= sizeof(ref->id))
		return -ENAMETOOLONG;
	strcpy(ref->dir, dir);
	strcpy(ref->id, id);
	return 0;
}

/*
 * Look WHAT up in every directory (or only DIR): first as a SCIM id (a
 * KIND/DIR/WHAT record), then through the case-insensitive name index
 * INDEX/DIR/lower(WHAT).  Users and groups are found the same way.
 */
struct find_ctx {
	struct gr_store *st;
	const char *kind, *index; /* "user", "uname" or "group", "gname" */
	const char *what, *lower, *dir;
	struct gr_ref *out;
	int found;
};

static int find_in_dir_cb(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	struct find_ctx *f = ctx;
	const char *dir = key + 4;
	char k[GR_KEY_MAX], id[256];

	(void)val;
	(void)len;
	if (f->dir && strcmp(f->dir, dir))
		return 0;
	if (gr_valid_id(f->what) && gr_key(k, sizeof(k), "%s/%s/%s", f->kind, dir, f->what) == 0 &&
	    gr_store_exists(f->st, k)) {
		f->found++;
		return set_ref(f->out, dir, f->what);
	}
	if (gr_key(k, sizeof(k), "%s/%s/%s", f->index, dir, f->lower) == 0 &&
	    gr_store_get_str(f->st, k, id, sizeof(id), NULL) == 0) {
		f->found++;
		return set_ref(f->out, dir, id);
	}
	return 0;
}

static int find_in_dirs(struct find_ctx *f, const char *noun, struct gr_err *err)
{
	int r = gr_store_walk(f->st, "dir/", find_in_dir_cb, f, err);

	if (r < 0)
		return r;
	if (f->found == 0)
		return gr_err_set(err, -GR_E_NOTFOUND, "no %s '%s'", noun, f->what);
	if (f->found > 1)
		return gr_err_set(err, -GR_E_CONFLICT,
				  "%s '%s' exists in several directories; name one with --directory",
				  noun, f->what);
	return 0;
}

int gr_user_find(struct gr_store *st, const char *dir, const char *who,
		 struct gr_ref *out, struct gr_err *err)
{
	char key[GR_KEY_MAX], val[GR_KEY_MAX], lower[512];
	struct find_ctx f = { st, "user", "uname", who, lower, dir, out, 0 };
	char *slash;

	memset(out, 0, sizeof(*out));
	if (!who || !who[0] || gr_lowercase(who, lower, sizeof(lower)) < 0)
		return gr_err_set(err, -GR_E_INVALID, "invalid user '%s'", who ? who : "");
	/* A login name is unique on the host: it wins. */
	if (gr_valid_unix_name(lower, true) && gr_key(key, sizeof(key), "login/%s", lower) == 0 &&
	    gr_store_get_str(st, key, val, sizeof(val), NULL) == 0 &&
	    (slash = strchr(val, '/')) != NULL) {
		*slash = '\0';
		if (!dir || !strcmp(dir, val))
			return set_ref(out, val, slash + 1) < 0 ? keyerr(err) : 0;
	}
	return find_in_dirs(&f, "user", err);
}

/* ---- groups ---- */

int gr_group_get(struct gr_store *st, const char *dir, const char *id, json_t **out,
		 struct gr_err *err)
{
	char key[GR_KEY_MAX];

	if (gr_key(key, sizeof(key), "group/%s/%s", dir, id) < 0)
		return keyerr(err);
	return gr_store_get_json(st, key, out, err);
}

int gr_group_members(struct gr_store *st, const char *dir, const char *id, json_t **out,
		     struct gr_err *err)
{
	char key[GR_KEY_MAX];

	if (gr_key(key, sizeof(key), "members/%s/%s", dir, id) < 0)
		return keyerr(err);
	return get_array(st, key, out, err);
}

static int strpcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The keys under PREFIX ("KIND/DIR/GID" or "KIND/DIR/"), sorted, each as a
 * {"directory", "id"} object appended to OUT with FN's extra members; FN
 * returns 1 to keep the row, 0 to skip it, negative to stop.
 */
static int group_keys(struct gr_store *st, const char *prefix,
		      int (*fn)(struct gr_store *st, json_t *row, const char *key, const void *arg,
				struct gr_err *err),
		      const void *arg, json_t **out, struct gr_err *err)
{
	struct keylist kl;
	json_t *arr = json_array();
	size_t i;
	int r;

	*out = NULL;
	if (!arr)
		return gr_err_set(err, -ENOMEM, "out of memory");
	if ((r = keylist_collect(st, prefix, &kl, err)) < 0) {
		json_decref(arr);
		return r;
	}
	qsort(kl.keys, kl.n, sizeof(*kl.keys), strpcmp);
	for (i = 0; r >= 0 && i < kl.n; i++) {
		char *dir = strchr(kl.keys[i], '/'), *gid;
		json_t *row;

		if (!dir || !(gid = strchr(++dir, '/')))
			continue;
		row = json_pack("{s:s%,s:s}", "directory", dir, (size_t)(gid - dir), "id", gid + 1);
		if (!row) {
			r = gr_err_set(err, -ENOMEM, "out of memory");
			break;
		}
		r = fn(st, row, kl.keys[i], arg, err);
		if (r > 0 && json_array_append(arr, row) < 0)
			r = gr_err_set(err, -ENOMEM, "out of memory");
		json_decref(row);
	}
	keylist_free(&kl);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

static int group_row(struct gr_store *st, json_t *row, const char *key, const void *arg,
		     struct gr_err *err)
{
	json_t *g = NULL;
	int r = gr_store_get_json(st, key, &g, err);

	(void)arg;
	if (r == -GR_E_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	json_object_set(row, "displayName", json_object_get(g, "displayName"));
	if (json_is_string(json_object_get(g, "externalId")))
		json_object_set(row, "externalId", json_object_get(g, "externalId"));
	json_decref(g);
	return 1;
}

int gr_group_list(struct gr_store *st, const char *dir, json_t **out, struct gr_err *err)
{
	char prefix[GR_KEY_MAX];
	int r;

	*out = NULL;
	if (dir && (r = gr_dir_check(st, dir, err)) < 0)
		return r;
	if (gr_key(prefix, sizeof(prefix), "group/%s%s", dir ? dir : "", dir ? "/" : "") < 0)
		return keyerr(err);
	return group_keys(st, prefix, group_row, NULL, out, err);
}

static int holds_role(struct gr_store *st, json_t *row, const char *key, const void *slug,
		      struct gr_err *err)
{
	json_t *roles = NULL;
	int r = get_array(st, key, &roles, err);

	(void)row;
	if (r < 0)
		return r;
	r = gr_json_array_has(roles, slug) ? 1 : 0;
	json_decref(roles);
	return r;
}

int gr_role_groups(struct gr_store *st, const char *slug, json_t **out, struct gr_err *err)
{
	return group_keys(st, "troles/", holds_role, slug, out, err);
}

int gr_group_put(struct gr_store *st, const char *dir, const json_t *scim, unsigned flags,
		 struct gr_err *err)
{
	char key[GR_KEY_MAX], lower[2048], owner[256];
	const char *id = gr_scim_str(scim, "id");
	const char *name = gr_scim_str(scim, "displayName");
	const char *ext = gr_scim_str(scim, "externalId");
	json_t *old = NULL, *old_members = NULL, *members = NULL, *rec = NULL, *m;
	json_t *newset = NULL, *oldset = NULL;
	size_t i;
	int r;

	if (!id || !name)
		return gr_err_set(err, -GR_E_INVALID, "group resource without id or displayName");
	if (gr_lowercase(name, lower, sizeof(lower)) < 0)
		return gr_err_set(err, -GR_E_INVALID, "displayName too long");

	r = gr_group_get(st, dir, id, &old, err);
	if (r < 0 && r != -GR_E_NOTFOUND)
		return r;
	if (old) {
		const char *oname = gr_scim_str(old, "displayName");
		char olower[2048];

		/* Only if still ours: another group may have taken the old name. */
		if (oname && gr_lowercase(oname, olower, sizeof(olower)) == 0 &&
		    gr_key(key, sizeof(key), "gname/%s/%s", dir, olower) == 0 &&
		    gr_store_get_str(st, key, owner, sizeof(owner), NULL) == 0 &&
		    !strcmp(owner, id) && (r = gr_store_del(st, key, err)) < 0)
			goto out;
	}
	if (gr_key(key, sizeof(key), "gname/%s/%s", dir, lower) < 0) {
		r = keyerr(err);
		goto out;
	}
	if (gr_store_get_str(st, key, owner, sizeof(owner), NULL) == 0 && strcmp(owner, id)) {
		r = gr_err_set(err, -GR_E_CONFLICT,
			       "displayName '%s' is already used by group %s in '%s'", name, owner,
			       dir);
		goto out;
	}
	if ((r = gr_store_put_str(st, key, id, err)) < 0)
		goto out;

	/*
	 * Member sets as JSON objects (jansson's hash tables): the diff below
	 * stays linear for a 50,000-member group, and duplicates collapse.
	 */
	members = json_array();
	newset = json_object();
	oldset = json_object();
	if (!members || !newset || !oldset) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(gr_scim_get(scim, "members"), i, m) {
		const char *uid = gr_scim_str(m, "value");

		if (!uid || json_object_get(newset, uid))
			continue;
		if (json_object_set_new(newset, uid, json_true()) < 0 ||
		    json_array_append_new(members, json_string(uid)) < 0) {
			r = gr_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	}
	if ((r = gr_group_members(st, dir, id, &old_members, err)) < 0)
		goto out;

	if (!(flags & GR_GROUP_NO_USER_INDEX)) {
		json_t *v;

		json_array_foreach(old_members, i, v) {
			if (json_is_string(v) &&
			    json_object_set_new(oldset, json_string_value(v), json_true()) < 0) {
				r = gr_err_set(err, -ENOMEM, "out of memory");
				goto out;
			}
		}
		json_array_foreach(members, i, v) {
			if (json_object_get(oldset, json_string_value(v)))
				continue;
			r = gr_ugroups_change(st, dir, json_string_value(v), id, true, err);
			if (r < 0)
				goto out;
		}
		json_array_foreach(old_members, i, v) {
			if (!json_is_string(v) || json_object_get(newset, json_string_value(v)))
				continue;
			r = gr_ugroups_change(st, dir, json_string_value(v), id, false, err);
			if (r < 0 && r != -GR_E_INVALID)
				goto out;
			r = 0;
		}
	}
	if (gr_key(key, sizeof(key), "members/%s/%s", dir, id) < 0) {
		r = keyerr(err);
		goto out;
	}
	if ((r = put_array(st, key, members, err)) < 0)
		goto out;

	rec = json_pack("{s:s,s:s}", "id", id, "displayName", name);
	/* SCIM's "meta" (created, version) travels with the group; import sends none. */
	if (rec && json_is_object(gr_scim_get(scim, "meta")) &&
	    json_object_set(rec, "meta", gr_scim_get(scim, "meta")) < 0) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	if (!rec || (ext && json_object_set_new(rec, "externalId", json_string(ext)) < 0)) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	if (gr_key(key, sizeof(key), "group/%s/%s", dir, id) < 0) {
		r = keyerr(err);
		goto out;
	}
	if ((r = gr_changes_group_put(st, dir, old, rec, old_members, members, err)) < 0)
		goto out; /* events */
	r = gr_store_put_json(st, key, rec, err);
out:
	json_decref(old);
	json_decref(old_members);
	json_decref(members);
	json_decref(newset);
	json_decref(oldset);
	json_decref(rec);
	return r;
}

int gr_group_delete(struct gr_store *st, const char *dir, const char *id, struct gr_err *err)
{
	char key[GR_KEY_MAX], lower[2048];
	json_t *old = NULL, *members = NULL, *m;
	struct keylist orgs;
	const char *name;
	size_t i;
	int r;

	r = gr_group_get(st, dir, id, &old, err);
	if (r == -GR_E_NOTFOUND)
		return gr_err_set(err, r, "no group '%s' in directory '%s'", id, dir);
	if (r < 0)
		return r;
	name = gr_scim_str(old, "displayName");
	if (name && gr_lowercase(name, lower, sizeof(lower)) == 0 &&
	    gr_key(key, sizeof(key), "gname/%s/%s", dir, lower) == 0 &&
	    (r = gr_store_del(st, key, err)) < 0)
		goto out;
	if ((r = gr_group_members(st, dir, id, &members, err)) < 0)
		goto out;
	if ((r = gr_changes_group_delete(st, dir, old, members, err)) < 0)
		goto out; /* events */
	json_array_foreach(members, i, m) {
		if (!json_is_string(m))
			continue;
		r = gr_ugroups_change(st, dir, json_string_value(m), id, false, err);
		if (r < 0 && r != -GR_E_INVALID)
			goto out;
		r = 0;
	}
	{
		static const char *const kinds[] = { "group", "members", "troles" };

		for (i = 0; i < 3; i++) {
			if (gr_key(key, sizeof(key), "%s/%s/%s", kinds[i], dir, id) < 0) {
				r = keyerr(err);
				goto out;
			}
			if ((r = gr_store_del(st, key, err)) < 0)
				goto out;
		}
	}
	r = keylist_collect(st, "org/", &orgs, err);
	for (i = 0; r == 0 && i < orgs.n; i++) {
		if (gr_key(key, sizeof(key), "oroles/%s/%s/%s", orgs.keys[i] + 4, dir, id) < 0)
			r = keyerr(err);
		else
			r = gr_store_del(st, key, err);
	}
	keylist_free(&orgs);
out:
	json_decref(old);
	json_decref(members);
	return r;
}

int gr_group_find(struct gr_store *st, const char *dir, const char *what,
		  struct gr_ref *out, struct gr_err *err)
{
	char lower[2048];
	struct find_ctx f = { st, "group", "gname", what, lower, dir, out, 0 };
	int r;

	memset(out, 0, sizeof(*out));
	if (!what || !what[0] || gr_lowercase(what, lower, sizeof(lower)) < 0)
		return gr_err_set(err, -GR_E_INVALID, "invalid group '%s'", what ? what : "");
	if (dir && (r = gr_dir_check(st, dir, err)) < 0)
		return r;
	return find_in_dirs(&f, "group", err);
}

/* ---- group role mappings ---- */

static int roles_key(char *key, size_t len, const char *org, const char *dir, const char *gid)
{
	if (org)
		return gr_key(key, len, "oroles/%s/%s/%s", org, dir, gid);
	return gr_key(key, len, "troles/%s/%s", dir, gid);
}

int gr_group_roles_get(struct gr_store *st, const char *org, const char *dir, const char *gid,
		       json_t **out, struct gr_err *err)
{
	char key[GR_KEY_MAX];

	if (roles_key(key, sizeof(key), org, dir, gid) < 0)
		return keyerr(err);
	return get_array(st, key, out, err);
}

int gr_group_roles_change(struct gr_store *st, const char *org, const char *dir,
			  const char *gid, const char *const *slugs, size_t n, bool add,
			  struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *arr = NULL, *was;
	size_t i;
	int r;

	if (org) {
		if (gr_key(key, sizeof(key), "org/%s", org) < 0)
			return keyerr(err);
		if (!gr_store_exists(st, key))
			return gr_err_set(err, -GR_E_NOTFOUND, "no organization '%s'", org);
	}
	if (gr_key(key, sizeof(key), "group/%s/%s", dir, gid) < 0)
		return keyerr(err);
	/*
	 * A mapping outlives its group only if the group was deleted behind
	 * the store's back (older versions, a restored backup): it can still
	 * be removed by the group's id, never added to.
	 */
	if (!gr_store_exists(st, key)) {
		char mkey[GR_KEY_MAX];

		if (add || roles_key(mkey, sizeof(mkey), org, dir, gid) < 0 ||
		    !gr_store_exists(st, mkey))
			return gr_err_set(err, -GR_E_NOTFOUND, "no group '%s' in directory '%s'",
					  gid, dir);
	}
	for (i = 0; i < n; i++) {
		if (!gr_valid_slug(slugs[i]) || gr_key(key, sizeof(key), "role/%s", slugs[i]) < 0)
			return gr_err_set(err, -GR_E_INVALID, "invalid role '%s'", slugs[i]);
		if (add && !gr_store_exists(st, key))
			return gr_err_set(err, -GR_E_NOTFOUND, "no role '%s'", slugs[i]);
	}
	if (roles_key(key, sizeof(key), org, dir, gid) < 0)
		return keyerr(err);
	r = get_array(st, key, &arr, err);
	if (r < 0)
		return r;
	/* A group's first role at this scope may be past the groups limit. */
	if (add && json_array_size(arr) == 0 && n > 0 &&
	    (r = gr_limit_group_with_roles(st, dir, gid, err)) < 0) {
		json_decref(arr);
		return r;
	}
	was = json_copy(arr); /* events */
	if (!was)
		r = -ENOMEM;
	for (i = 0; i < n && r == 0; i++) {
		if (add)
			r = gr_json_array_add(arr, slugs[i]) < 0 ? -ENOMEM : 0;
		else
			gr_json_array_remove(arr, slugs[i]);
	}
	if (r < 0)
		gr_err_set(err, r, "out of memory");
	else if (add && json_array_size(arr) > GR_GROUP_ROLES_MAX)
		r = gr_err_set(err, -GR_E_LIMIT,
			       "limit reached: roles per group (group '%s' would hold %zu at this scope, at most %d)",
			       gid, json_array_size(arr), GR_GROUP_ROLES_MAX);
	else
		r = put_array(st, key, arr, err);
	if (r == 0)
		r = gr_changes_group_roles(st, org, dir, gid, was, arr, err); /* events */
	json_decref(was);
	json_decref(arr);
	return r;
}

/* ---- organizations ---- */

int gr_org_get(struct gr_store *st, const char *name, json_t **out, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	int r;

	if (!gr_valid_slug(name))
		return gr_err_set(err, -GR_E_INVALID, "invalid organization name '%s'", name);
	if (gr_key(key, sizeof(key), "org/%s", name) < 0)
		return keyerr(err);
	r = gr_store_get_json(st, key, out, err);
	if (r == -GR_E_NOTFOUND)
		return gr_err_set(err, r, "no organization '%s'", name);
	return r;
}

int gr_org_create(struct gr_store *st, const char *name, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *v;
	int r;

	if (!gr_valid_slug(name))
		return gr_err_set(err, -GR_E_INVALID,
				  "invalid organization name '%s' (use a-z, 0-9, '-' and '_')", name);
	if (gr_key(key, sizeof(key), "org/%s", name) < 0)
		return keyerr(err);
	if (gr_store_exists(st, key))
		return gr_err_set(err, -GR_E_CONFLICT, "organization '%s' already exists", name);
	v = json_pack("{s:s,s:{}}", "name", name, "connections");
	if (!v)
		return gr_err_set(err, -ENOMEM, "out of memory");
	r = gr_store_put_json(st, key, v, err);
	json_decref(v);
	return r;
}

int gr_org_delete(struct gr_store *st, const char *name, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *org = NULL;
	int r;

	r = gr_org_get(st, name, &org, err);
	json_decref(org);
	if (r < 0)
		return r;
	if (gr_key(key, sizeof(key), "orgmember/%s/", name) < 0)
		return keyerr(err);
	if ((r = delete_prefix(st, key, err)) < 0)
		return r;
	if (gr_key(key, sizeof(key), "oroles/%s/", name) < 0)
		return keyerr(err);
	if ((r = delete_prefix(st, key, err)) < 0)
		return r;
	if (gr_key(key, sizeof(key), "org/%s", name) < 0)
		return keyerr(err);
	return gr_store_del(st, key, err);
}

int gr_org_connection(struct gr_store *st, const char *org, const char *dir, bool enable,
		      bool auto_membership, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *o = NULL, *conns;
	int r;

	r = gr_org_get(st, org, &o, err);
	if (r < 0)
		return r;
	if (enable && (r = gr_dir_check(st, dir, err)) < 0)
		goto out;
	conns = json_object_get(o, "connections");
	if (!json_is_object(conns)) {
		conns = json_object();
		if (!conns || json_object_set_new(o, "connections", conns) < 0) {
			r = gr_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	}
	if (enable) {
		if (json_object_set_new(conns, dir, json_pack("{s:b}", "auto_membership",
							      auto_membership)) < 0) {
			r = gr_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	} else if (json_object_del(conns, dir) < 0) {
		r = 0; /* not connected: nothing to do */
		goto out;
	}
	if (gr_key(key, sizeof(key), "org/%s", org) < 0) {
		r = keyerr(err);
		goto out;
	}
	r = gr_store_put_json(st, key, o, err);
out:
	json_decref(o);
	return r;
}

int gr_org_member(struct gr_store *st, const char *org, const struct gr_ref *u, bool add,
		  struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *o = NULL;
	int r;

	r = gr_org_get(st, org, &o, err);
	json_decref(o);
	if (r < 0)
		return r;
	if (gr_key(key, sizeof(key), "orgmember/%s/%s/%s", org, u->dir, u->id) < 0)
		return keyerr(err);
	if (add)
		return gr_store_put_str(st, key, "1", err);
	return gr_store_del(st, key, err);
}

bool gr_org_is_member(struct gr_store *st, const char *org, const char *dir, const char *uid)
{
	char key[GR_KEY_MAX];

	if (gr_key(key, sizeof(key), "orgmember/%s/%s/%s", org, dir, uid) < 0)
		return false;
	return gr_store_exists(st, key);
}

/* ---- resource assignments ---- */

int gr_assign_get(struct gr_store *st, const char *dir, const char *uid, json_t **out,
		  struct gr_err *err)
{
	char key[GR_KEY_MAX];

	if (gr_key(key, sizeof(key), "assign/%s/%s", dir, uid) < 0)
		return keyerr(err);
	return get_array(st, key, out, err);
}

static bool assignment_is(const json_t *a, const char *role, const char *resource)
{
	const char *ar = json_string_value(json_object_get(a, "role"));
	const char *res = json_string_value(json_object_get(a, "resource"));

	return ar && res && !strcmp(ar, role) && !strcmp(res, resource);
}

int gr_assign_add(struct gr_store *st, const struct gr_ref *u, const char *role,
		  const char *resource, int64_t expires, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *arr = NULL, *a;
	size_t i;
	int r;

	if (!gr_valid_resource(resource))
		return gr_err_set(err, -GR_E_INVALID,
				  "invalid resource '%s' (expected host:NAME or hostgroup:NAME)",
				  resource);
	if (!gr_valid_slug(role) || gr_key(key, sizeof(key), "role/%s", role) < 0 ||
	    !gr_store_exists(st, key))
		return gr_err_set(err, -GR_E_NOTFOUND, "no role '%s'", role);
	if (expires < 0)
		return gr_err_set(err, -GR_E_INVALID, "invalid expiry");
	r = gr_assign_get(st, u->dir, u->id, &arr, err);
	if (r < 0)
		return r;
	/* Re-assigning replaces the expiry: one assignment per (role, resource). */
	json_array_foreach(arr, i, a) {
		if (assignment_is(a, role, resource)) {
			json_array_remove(arr, i);
			break;
		}
	}
	a = json_pack("{s:s,s:s,s:I}", "role", role, "resource", resource, "expires",
		      (json_int_t)expires);
	if (!a || json_array_append_new(arr, a) < 0) {
		json_decref(arr);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	r = gr_limit_user_roles(arr, u->id, err);
	if (r == 0 && gr_key(key, sizeof(key), "assign/%s/%s", u->dir, u->id) < 0)
		r = keyerr(err);
	else if (r == 0)
		r = put_array(st, key, arr, err);
	json_decref(arr);
	return r;
}

int gr_assign_remove(struct gr_store *st, const struct gr_ref *u, const char *role,
		     const char *resource, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *arr = NULL, *a;
	bool found = false;
	size_t i;
	int r;

	r = gr_assign_get(st, u->dir, u->id, &arr, err);
	if (r < 0)
		return r;
	json_array_foreach(arr, i, a) {
		if (assignment_is(a, role, resource)) {
			json_array_remove(arr, i);
			found = true;
			break;
		}
	}
	if (!found) {
		json_decref(arr);
		return gr_err_set(err, -GR_E_NOTFOUND, "no assignment of '%s' on '%s'", role,
				  resource);
	}
	if (gr_key(key, sizeof(key), "assign/%s/%s", u->dir, u->id) < 0)
		r = keyerr(err);
	else
		r = put_array(st, key, arr, err);
	json_decref(arr);
	return r;
}

/* ---- policy ---- */

int gr_policy_get(struct gr_store *st, struct gr_policy *p, struct gr_err *err)
{
	json_t *v = NULL;
	const char *s;
	int r;

	memset(p, 0, sizeof(*p));
	p->multiple_roles = true;
	r = gr_store_get_json(st, "policy", &v, err);
	if (r == -GR_E_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	p->multiple_roles = !json_is_false(json_object_get(v, "multiple_roles"));
	s = json_string_value(json_object_get(v, "default_role"));
	if (s && strlen(s) < sizeof(p->default_role))
		strcpy(p->default_role, s);
	s = json_string_value(json_object_get(v, "role_attribute"));
	if (s && strlen(s) < sizeof(p->role_attribute))
		strcpy(p->role_attribute, s);
	json_decref(v);
	return 0;
}

int gr_policy_put(struct gr_store *st, const struct gr_policy *p, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *v;
	int r;

	if (p->default_role[0]) {
		if (!gr_valid_slug(p->default_role) ||
		    gr_key(key, sizeof(key), "role/%s", p->default_role) < 0 ||
		    !gr_store_exists(st, key))
			return gr_err_set(err, -GR_E_NOTFOUND, "no role '%s'", p->default_role);
	}
	if (p->role_attribute[0] && strpbrk(p->role_attribute, " \t/"))
		return gr_err_set(err, -GR_E_INVALID, "invalid attribute name '%s'",
				  p->role_attribute);
	v = json_pack("{s:b,s:s?,s:s?}", "multiple_roles", p->multiple_roles, "default_role",
		      p->default_role[0] ? p->default_role : NULL, "role_attribute",
		      p->role_attribute[0] ? p->role_attribute : NULL);
	if (!v)
		return gr_err_set(err, -ENOMEM, "out of memory");
	r = gr_store_put_json(st, "policy", v, err);
	json_decref(v);
	return r;
}

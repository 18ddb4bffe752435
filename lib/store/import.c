/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/import.h"
#include "core/names.h"
#include "store/records.h"
#include "scim/scim.h"

static int oom(struct gr_err *err)
{
	return gr_err_set(err, -ENOMEM, "out of memory");
}

/* Ids under PREFIX ("user/DIR/"), as keys of a JSON object (jansson's hash table). */
struct ids_ctx {
	json_t *ids;
	size_t skip;
};

static int ids_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct ids_ctx *c = p;

	(void)val;
	(void)len;
	return json_object_set_new(c->ids, key + c->skip, json_true()) < 0 ? -ENOMEM : 0;
}

static int existing_ids(struct gr_store *st, const char *kind, const char *dir, json_t **out,
			struct gr_err *err)
{
	char prefix[GR_KEY_MAX];
	struct ids_ctx c;
	int r;

	*out = NULL;
	if (gr_key(prefix, sizeof(prefix), "%s/%s/", kind, dir) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	c.ids = json_object();
	c.skip = strlen(prefix);
	if (!c.ids)
		return oom(err);
	r = gr_store_walk(st, prefix, ids_cb, &c, err);
	if (r < 0) {
		json_decref(c.ids);
		return r == -ENOMEM ? oom(err) : r;
	}
	*out = c.ids;
	return 0;
}

/* Check the documents; build uid -> [gid...] in *USER_GROUPS. */
static int validate(const json_t *users, const json_t *groups, json_t *user_ids,
		    json_t *group_ids, json_t *user_groups, json_t *group_counts,
		    size_t *memberships, struct gr_err *err)
{
	json_t *names = json_object(), *v, *m;
	char lower[2048];
	size_t i, j;
	int r = 0;

	if (!names)
		return oom(err);
	if (!json_is_array(users) || !json_is_array(groups)) {
		r = gr_err_set(err, -GR_E_INVALID, "users and groups must be arrays of resources");
		goto out;
	}
	json_array_foreach(users, i, v) {
		const char *id, *uname;

		if ((r = gr_scim_check_user(v, true, err)) < 0)
			goto out;
		id = gr_scim_str(v, "id");
		uname = gr_scim_str(v, "userName");
		if (json_object_get(user_ids, id)) {
			r = gr_err_set(err, -GR_E_INVALID, "duplicate user id '%s'", id);
			goto out;
		}
		if (gr_lowercase(uname, lower, sizeof(lower)) < 0 || json_object_get(names, lower)) {
			r = gr_err_set(err, -GR_E_INVALID, "duplicate userName '%s'", uname);
			goto out;
		}
		if (json_object_set_new(user_ids, id, json_true()) < 0 ||
		    json_object_set_new(names, lower, json_true()) < 0) {
			r = oom(err);
			goto out;
		}
	}
	json_object_clear(names);
	json_array_foreach(groups, i, v) {
		const char *gid, *name;
		size_t unique = 0;

		if ((r = gr_scim_check_group(v, true, err)) < 0)
			goto out;
		gid = gr_scim_str(v, "id");
		name = gr_scim_str(v, "displayName");
		if (json_object_get(group_ids, gid)) {
			r = gr_err_set(err, -GR_E_INVALID, "duplicate group id '%s'", gid);
			goto out;
		}
		if (gr_lowercase(name, lower, sizeof(lower)) < 0 || json_object_get(names, lower)) {
			r = gr_err_set(err, -GR_E_INVALID, "duplicate group displayName '%s'", name);
			goto out;
		}
		if (json_object_set_new(group_ids, gid, json_true()) < 0 ||
		    json_object_set_new(names, lower, json_true()) < 0) {
			r = oom(err);
			goto out;
		}
		json_array_foreach(gr_scim_get(v, "members"), j, m) {
			const char *uid = gr_scim_str(m, "value");
			json_t *list;

			if (!json_object_get(user_ids, uid)) {
				r = gr_err_set(err, -GR_E_INVALID,
					       "group '%s': member '%s' is not among the users", name,
					       uid);
				goto out;
			}
			list = json_object_get(user_groups, uid);
			if (!list) {
				list = json_array();
				if (!list || json_object_set_new(user_groups, uid, list) < 0) {
					r = oom(err);
					goto out;
				}
			}
			/* A member listed twice is still one membership. */
			if (json_array_size(list) &&
			    !strcmp(json_string_value(json_array_get(list, json_array_size(list) - 1)),
				    gid))
				continue;
			if (json_array_append_new(list, json_string(gid)) < 0) {
				r = oom(err);
				goto out;
			}
			(*memberships)++;
			unique++;
		}
		if (json_object_set_new(group_counts, gid, json_integer((json_int_t)unique)) < 0) {
			r = oom(err);
			goto out;
		}
	}
out:
	json_decref(names);
	return r;
}

/*
 * Before users are re-added: drop the directory's userName index entries
 * (users may swap names), and the login index entries of holders that the
 * documents (DOC_USERS, id -> resource) no longer map to the login they
 * hold.  A holder whose login is unchanged keeps its entry, so no claimant
 * can take the name, whatever the order of the document; one that renamed
 * away lets go here, before anyone claims, so the freed name goes to a
 * claimant in this same import.  (Holders that left were deleted already.)
 */
static int clear_user_indexes(struct gr_store *st, const char *dir, const json_t *old_ids,
			      const json_t *doc_users, struct gr_err *err)
{
	char key[GR_KEY_MAX], mine[GR_KEY_MAX], owner[GR_KEY_MAX];
	char want[GR_UNIX_NAME_MAX + 1];
	const char *id;
	json_t *v;
	int r;

	json_object_foreach((json_t *)old_ids, id, v) {
		json_t *u = NULL, *doc = json_object_get(doc_users, id);
		const char *login, *uname;
		char lower[512];

		r = gr_user_get(st, dir, id, &u, err);
		if (r == -GR_E_NOTFOUND)
			continue;
		if (r < 0)
			return r;
		login = json_string_value(json_object_get(u, "login"));
		uname = json_string_value(json_object_get(u, "userName"));
		if (login && doc &&
		    gr_user_login_for(gr_store_config(st), doc, want, sizeof(want), NULL) == 0 &&
		    !strcmp(want, login))
			login = NULL; /* still maps to the name it holds: keeps it */
		if (login && gr_key(key, sizeof(key), "login/%s", login) == 0 &&
		    gr_key(mine, sizeof(mine), "%s/%s", dir, id) == 0 &&
		    gr_store_get_str(st, key, owner, sizeof(owner), NULL) == 0 &&
		    !strcmp(owner, mine))
			r = gr_store_del(st, key, err);
		if (r == 0 && uname && gr_lowercase(uname, lower, sizeof(lower)) == 0 &&
		    gr_key(key, sizeof(key), "uname/%s/%s", dir, lower) == 0)
			r = gr_store_del(st, key, err);
		json_decref(u);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Logins that nobody holds and several users of USERS claim (keys of
 * CONTESTED): none of them gets it, since only document order could choose.
 * Run after clear_user_indexes, so held names are exactly the indexed ones.
 */
static int contested_logins(struct gr_store *st, const json_t *users, json_t *contested,
			    struct gr_err *err)
{
	char want[GR_UNIX_NAME_MAX + 1], key[GR_KEY_MAX];
	json_t *claims = json_object(), *v, *n;
	const char *login;
	size_t i;
	int r = 0;

	if (!claims)
		return oom(err);
	json_array_foreach(users, i, v) {
		if (gr_user_login_for(gr_store_config(st), v, want, sizeof(want), NULL) < 0 ||
		    gr_key(key, sizeof(key), "login/%s", want) < 0 || gr_store_exists(st, key))
			continue;
		n = json_object_get(claims, want);
		if (json_object_set_new(claims, want,
					json_integer(n ? json_integer_value(n) + 1 : 1)) < 0) {
			r = oom(err);
			goto out;
		}
	}
	json_object_foreach(claims, login, n) {
		if (json_integer_value(n) > 1 && json_object_set_new(contested, login, json_true()) < 0) {
			r = oom(err);
			goto out;
		}
	}
out:
	json_decref(claims);
	return r;
}

/* The same for displayNames: groups may swap names too. */
static int clear_group_indexes(struct gr_store *st, const char *dir, const json_t *old_ids,
			       struct gr_err *err)
{
	char key[GR_KEY_MAX], owner[GR_KEY_MAX], lower[2048];
	const char *id, *name;
	json_t *v;
	int r;

	json_object_foreach((json_t *)old_ids, id, v) {
		json_t *g = NULL;

		r = gr_group_get(st, dir, id, &g, err);
		if (r == -GR_E_NOTFOUND)
			continue;
		if (r < 0)
			return r;
		name = json_string_value(json_object_get(g, "displayName"));
		if (name && gr_lowercase(name, lower, sizeof(lower)) == 0 &&
		    gr_key(key, sizeof(key), "gname/%s/%s", dir, lower) == 0 &&
		    gr_store_get_str(st, key, owner, sizeof(owner), NULL) == 0 &&
		    !strcmp(owner, id))
			r = gr_store_del(st, key, err);
		json_decref(g);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The stored memberships, compared with the documents' (USER_GROUPS, uid ->
 * [gid...]) without holding them all: counts in total and removed, and per
 * group [stored, removed] in PER_GROUP so a group's change can be told.
 */
struct old_members {
	const json_t *user_groups;
	json_t *per_group;
	size_t skip, existing, removed;
};

static int old_members_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct old_members *c = p;
	const char *gid = key + c->skip;
	json_t *arr = json_loadb((const char *)val, len, 0, NULL), *m;
	size_t i, n = 0, gone = 0;
	int r;

	if (!json_is_array(arr)) {
		json_decref(arr);
		return -GR_E_CORRUPT;
	}
	json_array_foreach(arr, i, m) {
		if (!json_is_string(m))
			continue;
		n++;
		if (!gr_json_array_has(json_object_get(c->user_groups, json_string_value(m)), gid))
			gone++;
	}
	json_decref(arr);
	c->existing += n;
	c->removed += gone;
	r = json_object_set_new(c->per_group, gid, json_pack("[I,I]", (json_int_t)n,
							     (json_int_t)gone));
	return r < 0 ? -ENOMEM : 0;
}

static int count_old_members(struct gr_store *st, const char *dir, struct old_members *c,
			     struct gr_err *err)
{
	char prefix[GR_KEY_MAX];
	int r;

	if (gr_key(prefix, sizeof(prefix), "members/%s/", dir) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	c->skip = strlen(prefix);
	r = gr_store_walk(st, prefix, old_members_cb, c, err);
	if (r == -ENOMEM || r == -GR_E_CORRUPT)
		return gr_err_set(err, r, "cannot read the memberships of '%s': %s", dir,
				  gr_strerror(r));
	return r;
}

/* Name NAME under CHANGES[KIND][WHAT], up to GR_IMPORT_MAX_NAMES. */
static int note(json_t *changes, const char *kind, const char *what, const char *name)
{
	json_t *list = json_object_get(json_object_get(changes, kind), what);

	if (!list || !name || json_array_size(list) >= GR_IMPORT_MAX_NAMES)
		return 0;
	return json_array_append_new(list, json_string(name)) < 0 ? -ENOMEM : 0;
}

/* Members K of A and B are both absent or equal. */
static bool same_member(const json_t *a, const json_t *b, const char *k)
{
	json_t *x = json_object_get(a, k), *y = json_object_get(b, k);

	return (!x && !y) || (x && y && json_equal(x, y));
}

/*
 * A stored user (OLD_SCIM, OLD_REC) differs from what the import wrote
 * (SCIM, REC): the resource as received, or the login the configuration
 * derives from it.  Group lists are memberships, counted apart.
 */
static bool user_changed(const json_t *old_scim, const json_t *old_rec, const json_t *scim,
			 const json_t *rec)
{
	if (!old_scim || !old_rec || !rec || !json_equal(old_scim, scim))
		return true;
	return !same_member(old_rec, rec, "login") || !same_member(old_rec, rec, "login_error");
}

/* A stored group differs from resource G: names, or members (PER_GROUP, COUNTS). */
static bool group_changed(const json_t *old, const json_t *g, const json_t *per_group,
			  const json_t *counts)
{
	const char *id = gr_scim_str(g, "id"), *ext = gr_scim_str(g, "externalId");
	const char *oname = json_string_value(json_object_get(old, "displayName"));
	const char *oext = json_string_value(json_object_get(old, "externalId"));
	const json_t *pg = json_object_get(per_group, id);
	json_int_t stored = json_integer_value(json_array_get(pg, 0));
	json_int_t removed = json_integer_value(json_array_get(pg, 1));
	json_int_t now = json_integer_value(json_object_get(counts, id));

	if (!oname || strcmp(oname, gr_scim_str(g, "displayName")))
		return true;
	if ((oext || ext) && (!oext || !ext || strcmp(oext, ext)))
		return true;
	return removed > 0 || now != stored - removed;
}

int gr_import_directory(struct gr_store *st, const char *dir, const json_t *users,
			const json_t *groups, bool force, struct gr_import_stats *stats,
			json_t **unmapped, struct gr_err *err)
{
	return gr_import_directory_report(st, dir, users, groups, force, stats, unmapped, NULL,
					  err);
}

int gr_import_directory_report(struct gr_store *st, const char *dir, const json_t *users,
			       const json_t *groups, bool force, struct gr_import_stats *stats,
			       json_t **unmapped, json_t **changes, struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(st);
	struct gr_import_stats local;
	json_t *user_ids = json_object(), *group_ids = json_object();
	json_t *user_groups = json_object(), *old_users = NULL, *old_groups = NULL;
	json_t *empty = json_array(), *v, *report = NULL, *group_counts = json_object();
	json_t *chg = json_pack("{s:{s:[],s:[],s:[]},s:{s:[],s:[],s:[]}}", "users", "added",
				"updated", "removed", "groups", "added", "updated", "removed");
	struct old_members om = { user_groups, json_object(), 0, 0, 0 };
	json_t *doc_users = json_object(), *contested = json_object();
	struct gr_login_rules rules = { 0 };
	const char *id;
	size_t i, removing = 0;
	int r;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (unmapped)
		*unmapped = NULL;
	if (changes)
		*changes = NULL;
	if (!user_ids || !group_ids || !user_groups || !empty || !group_counts || !chg ||
	    !om.per_group || !doc_users || !contested) {
		r = oom(err);
		goto out;
	}
	if ((r = gr_dir_check(st, dir, err)) < 0)
		goto out;
	r = validate(users, groups, user_ids, group_ids, user_groups, group_counts,
		     &stats->memberships, err);
	if (r < 0)
		goto out;
	/* login.defs and the host's accounts once per import, not per user. */
	if ((r = gr_login_rules_load(cfg, &rules, err)) < 0)
		goto out;
	rules.contested = contested;
	json_array_foreach(users, i, v) {
		if (json_object_set(doc_users, gr_scim_str(v, "id"), v) < 0) {
			r = oom(err);
			goto out;
		}
	}

	r = gr_store_begin(st, err);
	if (r < 0)
		goto out;
	if ((r = existing_ids(st, "user", dir, &old_users, err)) < 0 ||
	    (r = existing_ids(st, "group", dir, &old_groups, err)) < 0)
		goto cancel;
	stats->existing = json_object_size(old_users) + json_object_size(old_groups);
	json_object_foreach(old_users, id, v)
		if (!json_object_get(user_ids, id))
			removing++;
	json_object_foreach(old_groups, id, v)
		if (!json_object_get(group_ids, id))
			removing++;
	if (!force && stats->existing &&
	    removing * 100 > (size_t)cfg->import_max_delete_percent * stats->existing) {
		r = gr_err_set(err, -GR_E_REFUSED,
			       "import would remove %zu of %zu users and groups in '%s' (more than %u%%); check the documents or use --force",
			       removing, stats->existing, dir, cfg->import_max_delete_percent);
		goto cancel;
	}
	/*
	 * Memberships carry the roles: a groups document whose members were
	 * left out keeps every user and group but drops every role.
	 */
	if ((r = count_old_members(st, dir, &om, err)) < 0)
		goto cancel;
	stats->existing_memberships = om.existing;
	stats->memberships_removed = om.removed;
	stats->memberships_added = stats->memberships - (om.existing - om.removed);
	if (!force && om.existing &&
	    om.removed * 100 > (size_t)cfg->import_max_delete_percent * om.existing) {
		r = gr_err_set(err, -GR_E_REFUSED,
			       "import would remove %zu of %zu memberships in '%s' (more than %u%%); check the documents or use --force",
			       om.removed, om.existing, dir, cfg->import_max_delete_percent);
		goto cancel;
	}

	json_object_foreach(old_groups, id, v) {
		json_t *g = NULL;

		if (json_object_get(group_ids, id))
			continue;
		if (gr_group_get(st, dir, id, &g, NULL) == 0)
			r = note(chg, "groups", "removed",
				 json_string_value(json_object_get(g, "displayName")));
		json_decref(g);
		if (r < 0) {
			oom(err);
			goto cancel;
		}
		if ((r = gr_group_delete(st, dir, id, err)) < 0)
			goto cancel;
		stats->groups_removed++;
	}
	json_object_foreach(old_users, id, v) {
		json_t *u = NULL;

		if (json_object_get(user_ids, id))
			continue;
		if (gr_user_get(st, dir, id, &u, NULL) == 0)
			r = note(chg, "users", "removed",
				 json_string_value(json_object_get(u, "userName")));
		json_decref(u);
		if (r < 0) {
			oom(err);
			goto cancel;
		}
		if ((r = gr_user_delete(st, dir, id, err)) < 0)
			goto cancel;
		stats->users_removed++;
	}
	/* Renames may swap names between users or groups: re-index from scratch. */
	if ((r = clear_user_indexes(st, dir, old_users, doc_users, err)) < 0 ||
	    (r = clear_group_indexes(st, dir, old_groups, err)) < 0 ||
	    (r = contested_logins(st, users, contested, err)) < 0)
		goto cancel;
	report = json_array();
	if (!report) {
		r = oom(err);
		goto cancel;
	}
	json_array_foreach(users, i, v) {
		const char *uid = gr_scim_str(v, "id");
		json_t *gl = json_object_get(user_groups, uid), *rec = NULL;
		json_t *old_rec = NULL, *old_scim = NULL;
		bool existed = json_object_get(old_users, uid) != NULL;

		/* Read what is stored first, to report only real changes. */
		if (existed) {
			gr_user_get(st, dir, uid, &old_rec, NULL);
			gr_user_get_scim(st, dir, uid, &old_scim, NULL);
		}
		r = gr_user_put_rules(st, dir, v, gl ? gl : empty, &rules, err);
		if (r == 0)
			gr_user_get(st, dir, uid, &rec, NULL);
		if (r == 0 && !existed) {
			stats->users_added++;
			r = note(chg, "users", "added", gr_scim_str(v, "userName"));
		} else if (r == 0 && user_changed(old_scim, old_rec, v, rec)) {
			stats->users_updated++;
			r = note(chg, "users", "updated", gr_scim_str(v, "userName"));
		} else if (r == 0) {
			stats->users_unchanged++;
		}
		json_decref(old_rec);
		json_decref(old_scim);
		if (r < 0) {
			json_decref(rec);
			if (r == -ENOMEM)
				oom(err);
			goto cancel;
		}
		if (json_object_get(rec, "login_error")) {
			stats->unmapped++;
			json_array_append_new(report,
					      json_pack("{s:s,s:O}", "userName",
							gr_scim_str(v, "userName"), "error",
							json_object_get(rec, "login_error")));
		}
		json_decref(rec);
	}
	json_array_foreach(groups, i, v) {
		const char *gid = gr_scim_str(v, "id"), *name = gr_scim_str(v, "displayName");
		json_t *old = NULL;
		bool existed = json_object_get(old_groups, gid) != NULL;

		if (existed)
			gr_group_get(st, dir, gid, &old, NULL);
		r = gr_group_put(st, dir, v, GR_GROUP_NO_USER_INDEX, err);
		if (r == 0 && !existed) {
			stats->groups_added++;
			r = note(chg, "groups", "added", name);
		} else if (r == 0 && group_changed(old, v, om.per_group, group_counts)) {
			stats->groups_updated++;
			r = note(chg, "groups", "updated", name);
		} else if (r == 0) {
			stats->groups_unchanged++;
		}
		json_decref(old);
		if (r < 0) {
			if (r == -ENOMEM)
				oom(err);
			goto cancel;
		}
	}
	r = gr_store_commit(st, err);
	if (r == 0 && unmapped) {
		*unmapped = report;
		report = NULL;
	}
	if (r == 0 && changes) {
		*changes = chg;
		chg = NULL;
	}
	goto out;
cancel:
	gr_store_cancel(st);
out:
	json_decref(report);
	json_decref(chg);
	json_decref(group_counts);
	json_decref(om.per_group);
	json_decref(user_ids);
	json_decref(group_ids);
	json_decref(user_groups);
	json_decref(old_users);
	json_decref(old_groups);
	json_decref(empty);
	json_decref(doc_users);
	json_decref(contested);
	gr_login_rules_free(&rules);
	return r;
}

static int sort_by_id(const void *a, const void *b)
{
	const char *x = gr_scim_str(*(json_t *const *)a, "id");
	const char *y = gr_scim_str(*(json_t *const *)b, "id");

	return strcmp(x ? x : "", y ? y : "");
}

static json_t *sorted(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	json_t **v = calloc(n ? n : 1, sizeof(*v)), *out = json_array();

	if (!v || !out) {
		free(v);
		json_decref(out);
		return NULL;
	}
	for (i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	qsort(v, n, sizeof(*v), sort_by_id);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

struct export_ctx {
	struct gr_store *st;
	const char *dir;
	json_t *out;
	int r;
	struct gr_err *err;
};

static int export_user_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct export_ctx *c = p;
	json_t *v = json_loadb((const char *)val, len, 0, NULL);

	(void)key;
	if (!v)
		return -GR_E_CORRUPT;
	return json_array_append_new(c->out, v) < 0 ? -ENOMEM : 0;
}

static int export_group_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct export_ctx *c = p;
	json_t *g = json_loadb((const char *)val, len, 0, NULL), *members = NULL, *out, *m;
	const char *id = gr_scim_str(g, "id");
	size_t i;
	int r;

	(void)key;
	if (!g || !id) {
		json_decref(g);
		return -GR_E_CORRUPT;
	}
	r = gr_group_members(c->st, c->dir, id, &members, c->err);
	if (r < 0) {
		json_decref(g);
		return r;
	}
	out = json_pack("{s:[s],s:s,s:O,s:[]}", "schemas", GR_SCIM_GROUP_URN, "id", id,
			"displayName", json_object_get(g, "displayName"), "members");
	if (out && json_object_get(g, "externalId"))
		json_object_set(out, "externalId", json_object_get(g, "externalId"));
	json_array_foreach(members, i, m)
		if (out)
			json_array_append_new(json_object_get(out, "members"),
					      json_pack("{s:O,s:s}", "value", m, "type", "User"));
	json_decref(g);
	json_decref(members);
	if (!out)
		return -ENOMEM;
	return json_array_append_new(c->out, out) < 0 ? -ENOMEM : 0;
}

int gr_export_directory(struct gr_store *st, const char *dir, json_t **users, json_t **groups,
			struct gr_err *err)
{
	struct export_ctx c = { st, dir, NULL, 0, err };
	char prefix[GR_KEY_MAX];
	json_t *u = NULL, *g = NULL;
	int r;

	*users = *groups = NULL;
	if ((r = gr_dir_check(st, dir, err)) < 0)
		return r;
	u = json_array();
	g = json_array();
	if (!u || !g) {
		r = oom(err);
		goto fail;
	}
	c.out = u;
	if (gr_key(prefix, sizeof(prefix), "scim/%s/", dir) < 0 ||
	    (r = gr_store_walk(st, prefix, export_user_cb, &c, err)) < 0)
		goto fail;
	c.out = g;
	if (gr_key(prefix, sizeof(prefix), "group/%s/", dir) < 0 ||
	    (r = gr_store_walk(st, prefix, export_group_cb, &c, err)) < 0)
		goto fail;
	*users = sorted(u);
	*groups = sorted(g);
	json_decref(u);
	json_decref(g);
	if (!*users || !*groups) {
		json_decref(*users);
		json_decref(*groups);
		*users = *groups = NULL;
		return oom(err);
	}
	return 0;
fail:
	json_decref(u);
	json_decref(g);
	if (r == -ENOMEM || r == -GR_E_CORRUPT)
		return gr_err_set(err, r, "cannot export '%s': %s", dir, gr_strerror(r));
	return r;
}

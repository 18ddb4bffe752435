/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "events/event.h"
#include "scim/scim.h"
#include "store/changes.h"
#include "store/records.h"

static int oom(struct gr_err *err)
{
	return gr_err_set(err, -ENOMEM, "out of memory");
}

/* Queue an event of type T about "KIND/DIR/ID", stealing DATA. */
static int push(struct gr_store *st, enum gr_event_type t, const char *kind, const char *dir,
		const char *id, json_t *data, struct gr_err *err)
{
	char subject[GR_KEY_MAX];

	if (!data)
		return oom(err);
	if (gr_key(subject, sizeof(subject), "%s/%s/%s", kind, dir, id ? id : "") < 0) {
		json_decref(data);
		return gr_err_set(err, -ENAMETOOLONG, "event subject too long");
	}
	return gr_store_event_push(st, gr_event_new(t, gr_store_event_origin_get(st), subject, data),
				   err);
}

/* Copy the string members KEYS of FROM that are set into TO. */
static int copy_strings(json_t *to, const json_t *from, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *v = gr_scim_str(from, *keys);

		if (v && json_object_set_new(to, *keys, json_string(v)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Add KEY to CHANGES when A's and B's values of it differ (absent from both is no change). */
static int note_diff(json_t *changes, const json_t *a, const json_t *b, const char *key)
{
	const json_t *va = json_object_get(a, key), *vb = json_object_get(b, key);

	if (va == vb || json_equal(va, vb))
		return 0;
	return gr_json_array_add(changes, key) < 0 ? -ENOMEM : 0;
}

/* SCIM attributes that are no change of the user's: bookkeeping, and what is never shown. */
static bool ignored(const char *name)
{
	return !strcmp(name, "meta") || !strcmp(name, "schemas") || !strcmp(name, "password");
}

static json_t *user_data(const char *dir, const json_t *rec)
{
	static const char *const keys[] = { "id", "userName", "externalId", "login", NULL };
	json_t *d = json_pack("{s:s, s:b}", "directory", dir, "active",
			      json_is_true(json_object_get(rec, "active")));

	if (d && copy_strings(d, rec, keys) < 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

int gr_changes_user_put(struct gr_store *st, const char *dir, const json_t *old_rec,
			const json_t *new_rec, const json_t *new_scim, struct gr_err *err)
{
	static const char *const compact[] = { "userName", "externalId", "active", "login", NULL };
	const char *id = gr_scim_str(new_rec, "id");
	json_t *old_scim = NULL, *changes = NULL, *data, *v;
	const char *const *k;
	const char *name;
	int r = 0;

	if (!gr_store_events_wanted(st))
		return 0;
	data = user_data(dir, new_rec);
	if (!old_rec)
		return push(st, GR_EV_USER_CREATED, "users", dir, id, data, err);
	changes = json_array();
	if (!data || !changes)
		goto nomem;
	for (k = compact; *k && r == 0; k++)
		r = note_diff(changes, old_rec, new_rec, *k);
	/* The rest of the SCIM resource: attribute names only, never their values. */
	if (r == 0 && gr_user_get_scim(st, dir, id, &old_scim, NULL) == 0) {
		json_object_foreach((json_t *)new_scim, name, v) {
			if (r == 0 && !ignored(name))
				r = note_diff(changes, old_scim, new_scim, name);
		}
		json_object_foreach(old_scim, name, v) {
			if (r == 0 && !ignored(name) && !json_object_get(new_scim, name))
				r = gr_json_array_add(changes, name) < 0 ? -ENOMEM : 0;
		}
	}
	json_decref(old_scim);
	if (r < 0)
		goto nomem;
	if (!json_array_size(changes)) {
		json_decref(changes);
		json_decref(data);
		return 0;
	}
	/* The deactivated user's login stays in the event: a hook ends its sessions by it. */
	if (!json_object_get(data, "login") && gr_scim_str(old_rec, "login") &&
	    json_object_set_new(data, "login", json_string(gr_scim_str(old_rec, "login"))) < 0)
		goto nomem;
	if (json_object_set_new(data, "changes", changes) < 0) {
		changes = NULL;
		goto nomem;
	}
	return push(st,
		    json_is_true(json_object_get(old_rec, "active")) &&
				    !json_is_true(json_object_get(new_rec, "active"))
			    ? GR_EV_USER_DEACTIVATED
			    : GR_EV_USER_UPDATED,
		    "users", dir, id, data, err);
nomem:
	json_decref(changes);
	json_decref(data);
	return oom(err);
}

static json_t *member_data(struct gr_store *st, const char *dir, const char *gid,
			   const char *group_name, const char *uid)
{
	static const char *const keys[] = { "userName", "login", NULL };
	char key[GR_KEY_MAX];
	json_t *u = NULL, *d = json_pack("{s:s, s:s, s:s}", "directory", dir, "group_id", gid,
					 "user_id", uid);

	if (d && group_name && json_object_set_new(d, "displayName", json_string(group_name)) < 0)
		goto fail;
	/* The record alone, not gr_user_get: the user's groups are not wanted here. */
	if (d && gr_key(key, sizeof(key), "user/%s/%s", dir, uid) == 0 &&
	    gr_store_get_json(st, key, &u, NULL) == 0 && json_is_object(u) &&
	    copy_strings(d, u, keys) < 0)
		goto fail;
	json_decref(u);
	return d;
fail:
	json_decref(u);
	json_decref(d);
	return NULL;
}

int gr_changes_user_delete(struct gr_store *st, const char *dir, const json_t *old_rec,
			   struct gr_err *err)
{
	const char *id = gr_scim_str(old_rec, "id");
	json_t *data, *g;
	size_t i;
	int r;

	if (!gr_store_events_wanted(st))
		return 0;
	data = user_data(dir, old_rec);
	if (data && json_object_set(data, "groups", json_object_get(old_rec, "groups") ?: json_null()) < 0) {
		json_decref(data);
		data = NULL;
	}
	r = push(st, GR_EV_USER_DELETED, "users", dir, id, data, err);
	json_array_foreach(json_object_get(old_rec, "groups"), i, g) {
		json_t *grp = NULL;
		const char *gid = json_string_value(g);

		if (r < 0 || !gid)
			continue;
		(void)gr_group_get(st, dir, gid, &grp, NULL);
		r = push(st, GR_EV_GROUP_MEMBER_REMOVED, "groups", dir, gid,
			 member_data(st, dir, gid, gr_scim_str(grp, "displayName"), id), err);
		json_decref(grp);
	}
	return r;
}

static json_t *group_data(const char *dir, const json_t *rec)
{
	static const char *const keys[] = { "id", "displayName", "externalId", NULL };
	json_t *d = json_pack("{s:s}", "directory", dir);

	if (d && copy_strings(d, rec, keys) < 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

/* One member event per id of A that is not in B. */
static int member_events(struct gr_store *st, enum gr_event_type t, const char *dir,
			 const char *gid, const char *name, const json_t *a, const json_t *b,
			 struct gr_err *err)
{
	json_t *in_b = json_object(), *v;
	size_t i;
	int r = in_b ? 0 : -ENOMEM;

	/* A set (jansson's hash table): a 50,000-member diff stays linear. */
	json_array_foreach(b, i, v) {
		if (r == 0 && json_is_string(v) &&
		    json_object_set_new(in_b, json_string_value(v), json_true()) < 0)
			r = -ENOMEM;
	}
	if (r < 0) {
		json_decref(in_b);
		return oom(err);
	}
	json_array_foreach(a, i, v) {
		const char *uid = json_string_value(v);

		if (r < 0 || !uid || json_object_get(in_b, uid))
			continue;
		/* Seen once: a duplicate in A makes no second event. */
		if (json_object_set_new(in_b, uid, json_true()) < 0) {
			r = oom(err);
			break;
		}
		r = push(st, t, "groups", dir, gid, member_data(st, dir, gid, name, uid), err);
	}
	json_decref(in_b);
	return r;
}

int gr_changes_group_put(struct gr_store *st, const char *dir, const json_t *old_rec,
			 const json_t *new_rec, const json_t *old_members,
			 const json_t *new_members, struct gr_err *err)
{
	const char *gid = gr_scim_str(new_rec, "id"), *name = gr_scim_str(new_rec, "displayName");
	json_t *data, *changes = NULL;
	int r = 0;

	if (!gr_store_events_wanted(st))
		return 0;
	data = group_data(dir, new_rec);
	if (!old_rec) {
		r = push(st, GR_EV_GROUP_CREATED, "groups", dir, gid, data, err);
	} else {
		changes = json_array();
		if (!data || !changes || note_diff(changes, old_rec, new_rec, "displayName") < 0 ||
		    note_diff(changes, old_rec, new_rec, "externalId") < 0) {
			json_decref(changes);
			json_decref(data);
			return oom(err);
		}
		if (json_array_size(changes) && json_object_set_new(data, "changes", changes) == 0)
			r = push(st, GR_EV_GROUP_UPDATED, "groups", dir, gid, data, err);
		else {
			json_decref(changes);
			json_decref(data);
		}
	}
	if (r == 0)
		r = member_events(st, GR_EV_GROUP_MEMBER_ADDED, dir, gid, name, new_members,
				  old_members, err);
	if (r == 0)
		r = member_events(st, GR_EV_GROUP_MEMBER_REMOVED, dir, gid, name, old_members,
				  new_members, err);
	return r;
}

int gr_changes_group_delete(struct gr_store *st, const char *dir, const json_t *old_rec,
			    const json_t *members, struct gr_err *err)
{
	json_t *data;

	if (!gr_store_events_wanted(st))
		return 0;
	data = group_data(dir, old_rec);
	if (data && json_object_set_new(data, "members", json_integer((json_int_t)json_array_size(members))) < 0) {
		json_decref(data);
		data = NULL;
	}
	return push(st, GR_EV_GROUP_DELETED, "groups", dir, gr_scim_str(old_rec, "id"), data, err);
}

/* A's slugs that B lacks, as a new array. */
static json_t *minus(const json_t *a, const json_t *b)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (out && json_is_string(v) && !gr_json_array_has(b, json_string_value(v)) &&
		    gr_json_array_add(out, json_string_value(v)) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

int gr_changes_group_roles(struct gr_store *st, const char *org, const char *dir,
			   const char *gid, const json_t *before, const json_t *after,
			   struct gr_err *err)
{
	static const enum gr_event_type types[2] = { GR_EV_GROUP_ROLES_ASSIGNED,
						     GR_EV_GROUP_ROLES_REMOVED };
	json_t *grp = NULL;
	int i, r = 0;

	if (!gr_store_events_wanted(st))
		return 0;
	(void)gr_group_get(st, dir, gid, &grp, NULL);
	for (i = 0; i < 2 && r == 0; i++) {
		json_t *slugs = i == 0 ? minus(after, before) : minus(before, after);
		json_t *data;

		if (slugs && !json_array_size(slugs)) {
			json_decref(slugs);
			continue;
		}
		data = slugs ? json_pack("{s:s, s:s, s:o}", "directory", dir, "group_id", gid, "roles",
					 slugs)
			     : NULL;
		if (data && ((org && json_object_set_new(data, "organization", json_string(org)) < 0) ||
			     (gr_scim_str(grp, "displayName") &&
			      json_object_set_new(data, "displayName",
						  json_string(gr_scim_str(grp, "displayName"))) < 0))) {
			json_decref(data);
			data = NULL;
		}
		r = push(st, types[i], "groups", dir, gid, data, err);
	}
	json_decref(grp);
	return r;
}

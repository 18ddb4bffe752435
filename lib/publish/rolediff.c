/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/event.h"
#include "publish/loginsnap.h"
#include "publish/model.h"
#include "publish/rolediff.h"
#include "store/records.h"

int gr_roles_change_add(json_t *changes, const char *login, const char *ref, const json_t *old,
			const json_t *now)
{
	json_t *c = json_pack("{s:s, s:s, s:O, s:O}", "login", login, "ref", ref, "old", old,
			      "new", now);

	if (!c || json_array_append_new(changes, c) < 0)
		return -ENOMEM;
	return 0;
}

/* Do the arrays of slugs A and B hold the same set?  (Both come in gr_resolve's order.) */
static bool same_set(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	size_t i, j;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && strcmp(a[i], b[j]); j++)
			;
		if (j == nb)
			return false;
	}
	return true;
}

static json_t *slug_array(const char *const *s, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(s[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

struct diff {
	const struct gr_pub_model *m;
	int64_t now;
	json_t *changes;
	json_t *seen; /* logins of the old snapshot */
	const char *slugs[GR_LOGIN_MAX_ROLES];
	const char *old[GR_LOGIN_MAX_ROLES];
};

/* Append LOGIN's change from OLD to what the model holds (N_NEW slugs in D->slugs). */
static int add(struct diff *d, const char *login, const char *ref, size_t n_old, int n_new)
{
	json_t *o = slug_array(d->old, n_old), *n = slug_array(d->slugs, n_new > 0 ? (size_t)n_new : 0);
	int r = (o && n) ? gr_roles_change_add(d->changes, login, ref, o, n) : -ENOMEM;

	json_decref(o);
	json_decref(n);
	return r;
}

/*
 * Append LOGIN's change when the roles login.tdb gave it (U, NULL: none; as
 * PAM sees them at D->now) differ from the model's.  The user is named by
 * the model's ref, else login.tdb's, else FALLBACK (NULL: no change then).
 */
static int compare_login(struct diff *d, const char *login, struct gr_login_user *u,
			 const char *fallback)
{
	const char *ref = NULL;
	char oldref[GR_KEY_MAX];
	size_t i, n_old = 0;
	int n;

	if (u) {
		gr_login_user_expire(u, d->now);
		for (i = 0; i < u->n_roles; i++)
			d->old[i] = u->roles[i].slug;
		n_old = u->n_roles;
	}
	n = gr_pub_model_login_roles(d->m, login, &ref, d->slugs, GR_LOGIN_MAX_ROLES);
	if (same_set(d->old, n_old, d->slugs, n > 0 ? (size_t)n : 0))
		return 0;
	if (!ref && u) {
		snprintf(oldref, sizeof(oldref), "%s/%s", u->dir ? u->dir : "", u->id ? u->id : "");
		ref = oldref;
	}
	if (!ref)
		ref = fallback;
	return ref ? add(d, login, ref, n_old, n) : 0;
}

static int old_login(const char *login, struct gr_login_user *u, void *ctx)
{
	struct diff *d = ctx;

	if (json_object_set_new(d->seen, login, json_true()) < 0)
		return -ENOMEM;
	return compare_login(d, login, u, NULL);
}

static int new_login(const char *login, void *ctx)
{
	struct diff *d = ctx;
	const char *ref = NULL;
	int n;

	if (json_object_get(d->seen, login))
		return 0;
	n = gr_pub_model_login_roles(d->m, login, &ref, d->slugs, GR_LOGIN_MAX_ROLES);
	return n > 0 ? add(d, login, ref, 0, n) : 0;
}

int gr_roles_diff_snapshot(const struct gr_pub_model *m, const struct gr_config *cfg, int64_t now,
			   json_t *changes, struct gr_err *err)
{
	struct gr_login_snap *snap = NULL;
	struct diff *d;
	int r;

	r = gr_login_snap_open_all(cfg, &snap, NULL);
	if (r < 0)
		return 0; /* no baseline (see the header) */
	d = calloc(1, sizeof(*d));
	if (!d) {
		gr_login_snap_close(snap);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	d->m = m;
	d->now = now;
	d->changes = changes;
	d->seen = json_object();
	r = d->seen ? gr_login_snap_walk(snap, old_login, d) : -ENOMEM;
	if (r == 0)
		r = gr_pub_model_each_login(m, new_login, d);
	json_decref(d->seen);
	free(d);
	gr_login_snap_close(snap);
	if (r == -ENOMEM)
		return gr_err_set(err, r, "out of memory");
	return r < 0 ? gr_err_set(err, r, "cannot read the previous login snapshot") : 0;
}

int gr_roles_diff_logins(const struct gr_pub_model *m, const struct gr_config *cfg, int64_t now,
			 const json_t *logins, json_t *changes, struct gr_err *err)
{
	struct gr_login_snap *snap = NULL;
	struct diff d = { .m = m, .now = now, .changes = changes };
	const char *login;
	json_t *v;
	int r = 0;

	if (!json_object_size(logins) || gr_login_snap_open(cfg, &snap, NULL) < 0)
		return 0; /* no baseline */
	json_object_foreach((json_t *)logins, login, v) {
		struct gr_login_user *u = NULL;

		r = gr_login_snap_lookup(snap, login, &u, NULL);
		if (r == 0 || r == -ENOENT)
			r = compare_login(&d, login, u,
					  json_string_value(json_object_get(v, "ref")));
		gr_login_user_free(u);
		if (r < 0)
			break;
	}
	gr_login_snap_close(snap);
	if (r == -ENOMEM)
		return gr_err_set(err, r, "out of memory");
	return r < 0 ? gr_err_set(err, r, "cannot read the previous login snapshot") : 0;
}

json_t *gr_roles_change_events(const json_t *changes, const char *origin)
{
	json_t *out = json_array(), *c;
	size_t i;

	json_array_foreach(changes, i, c) {
		const char *ref = json_string_value(json_object_get(c, "ref"));
		const char *slash = ref ? strchr(ref, '/') : NULL;
		json_t *old = json_object_get(c, "old"), *now = json_object_get(c, "new");
		json_t *added = json_array(), *removed = json_array(), *v, *data, *ev;
		char subject[600];
		size_t j;

		if (!out || !slash || !added || !removed) {
			json_decref(added);
			json_decref(removed);
			if (!slash)
				continue;
			json_decref(out);
			return NULL;
		}
		json_array_foreach(now, j, v)
			if (!gr_json_array_has(old, json_string_value(v)))
				json_array_append(added, v);
		json_array_foreach(old, j, v)
			if (!gr_json_array_has(now, json_string_value(v)))
				json_array_append(removed, v);
		data = json_pack("{s:s, s:s%, s:s, s:O, s:O, s:o, s:o}", "login",
				 json_string_value(json_object_get(c, "login")), "directory", ref,
				 (size_t)(slash - ref), "id", slash + 1, "old", old, "new", now, "added",
				 added, "removed", removed);
		snprintf(subject, sizeof(subject), "users/%s", ref);
		ev = gr_event_new(GR_EV_USER_ROLES_CHANGED, origin, subject, data);
		if (!ev || json_array_append_new(out, ev) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

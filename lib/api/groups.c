/* SPDX-License-Identifier: MIT */
/*
 * Groups (/groups, /groups/{id}, members) and their roles, tenant-wide
 * (/groups/{id}/roles) and in an organization (/organizations/{org}/groups/{id}/roles).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_priv.h"
#include "core/names.h"

/* ---- groups ---- */

/* Auth0's group: {"id": "DIR:GID", "name", "external_id" when set, "connection_id": DIR}. */
json_t *gr_api_group_json(const char *dir, const char *gid, const json_t *g)
{
	const json_t *ext = json_object_get(g, "externalId");
	char id[GR_NAME_MAX + 300];
	json_t *v;

	snprintf(id, sizeof(id), "%s:%s", dir, gid);
	v = json_pack("{s:s,s:O?,s:s}", "id", id, "name", json_object_get(g, "displayName"),
		      "connection_id", dir);
	if (v && json_is_string(ext))
		json_object_set(v, "external_id", (json_t *)ext);
	return v;
}

/*
 * Rows [{"directory", "id"}] (taken) as Auth0 groups (each read from the
 * store; a group gone since is left out), sorted by id, and answered as a
 * page of KEY.
 */
int gr_api_answer_groups(struct gr_api_call *q, json_t *rows, bool cursor)
{
	struct gr_err err = { 0 };
	json_t *arr = json_array(), *row;
	size_t i;
	int r = 0;

	json_array_foreach(rows, i, row) {
		const char *dir = json_string_value(json_object_get(row, "directory"));
		const char *gid = json_string_value(json_object_get(row, "id"));
		json_t *g = NULL;

		r = gr_group_get(q->st, dir, gid, &g, &err);
		if (r == -GR_E_NOTFOUND) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		json_array_append_new(arr, gr_api_group_json(dir, gid, g));
		json_decref(g);
	}
	json_decref(rows);
	if (r < 0) {
		json_decref(arr);
		return gr_api_store_fail(q, r, &err);
	}
	if (!arr || !(arr = gr_api_sorted_by_id(arr)))
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_page(q, arr, "groups", cursor);
}

/*
 * The group of API id ID into REF (and its record into *G when G is not
 * NULL); 1, 0 when answered (404), negative on store failure.
 */
int gr_api_lookup_group(struct gr_api_call *q, const char *id, struct gr_ref *ref, json_t **g)
{
	struct gr_err err = { 0 };
	json_t *rec = NULL;
	int r;

	if (gr_api_group_id(id, ref) < 0)
		return gr_api_fail(q, 404, "inexistent_group",
			    "The group '%.100s' does not exist (a group id is DIRECTORY:ID).", id);
	r = gr_group_get(q->st, ref->dir, ref->id, &rec, &err);
	if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
		return gr_api_fail(q, 404, "inexistent_group", "The group '%.100s' does not exist.", id);
	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	if (g)
		*g = rec;
	else
		json_decref(rec);
	return 1;
}

int gr_api_groups_list(struct gr_api_call *q)
{
	const struct gr_api_request *rq = q->rq;
	const char *dir = rq->connection_id;
	struct gr_err err = { 0 };
	json_t *rows = NULL, *keep, *row;
	size_t i;
	int r;

	if (dir && !gr_valid_slug(dir))
		return gr_api_answer_page(q, json_array(), "groups", true); /* no such connection */
	r = gr_group_list(q->st, dir, &rows, &err);
	if (r == -GR_E_NOTFOUND && dir)
		return gr_api_answer_page(q, json_array(), "groups", true);
	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	keep = json_array();
	json_array_foreach(rows, i, row) {
		const char *name = json_string_value(json_object_get(row, "displayName"));
		const char *ext = json_string_value(json_object_get(row, "externalId"));

		if (rq->name && (!name || strcasecmp(name, rq->name)))
			continue;
		if (rq->external_id && (!ext || strcmp(ext, rq->external_id)))
			continue;
		json_array_append(keep, row);
	}
	json_decref(rows);
	if (!keep)
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_groups(q, keep, true);
}

int gr_api_group_get(struct gr_api_call *q)
{
	struct gr_ref ref;
	json_t *g = NULL;
	int r = gr_api_lookup_group(q, q->id, &ref, &g);

	if (r > 0)
		gr_api_ok(q, 200, gr_api_group_json(ref.dir, ref.id, g));
	json_decref(g);
	return r < 0 ? r : 0;
}

/*
 * Auth0's member: {"id": "DIR:UID", "member_type": "user", "type": "connection",
 * "connection_id"}.
 */
static int answer_members(struct gr_api_call *q, const char *dir, const json_t *uids,
			  const char *key)
{
	char id[GR_NAME_MAX + 300];
	json_t *arr = json_array(), *s;
	size_t i;

	json_array_foreach(uids, i, s) {
		snprintf(id, sizeof(id), "%s:%s", dir, json_string_value(s));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s}", "id", id, "member_type",
						     "user", "type", "connection", "connection_id",
						     dir));
	}
	if (!arr || !(arr = gr_api_sorted_by_id(arr)))
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_page(q, arr, key, true);
}

int gr_api_group_members(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	struct gr_ref ref;
	json_t *uids = NULL;
	int r = gr_api_lookup_group(q, q->id, &ref, NULL);

	if (r <= 0)
		return r;
	if ((r = gr_group_members(q->st, ref.dir, ref.id, &uids, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	r = answer_members(q, ref.dir, uids, "members");
	json_decref(uids);
	return r;
}

/* ---- group roles, and the reverse: a role's groups ---- */

/*
 * The scope of a group roles path: tenant-wide (groups/{id}/roles: *ORG
 * NULL) or an organization's (organizations/{org}/groups/{id}/roles, which
 * must exist); *GID the group's API id.  1, 0 when answered, negative.
 */
static int scope_of(struct gr_api_call *q, bool in_org, const char **org, const char **gid)
{
	int r;

	*org = NULL;
	*gid = q->id;
	if (!in_org)
		return 1;
	if ((r = gr_api_find_org(q, q->id, NULL)) <= 0)
		return r;
	*org = q->id;
	*gid = q->id2;
	return 1;
}

static int group_roles_list(struct gr_api_call *q, bool in_org)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	struct gr_ref ref;
	const char *org, *gid;
	json_t *mapped = NULL, *arr, *s;
	size_t i;
	int r = scope_of(q, in_org, &org, &gid);

	if (r <= 0 || (r = gr_api_lookup_group(q, gid, &ref, NULL)) <= 0)
		return r;
	if ((r = gr_group_roles_get(q->st, org, ref.dir, ref.id, &mapped, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	arr = json_array();
	json_array_foreach(mapped, i, s) {
		r = gr_role_get(q->st, json_string_value(s), &role, &err);
		if (r == -GR_E_NOTFOUND)
			continue; /* roles delete their mappings; a stray one is not shown */
		if (r < 0) {
			json_decref(arr);
			json_decref(mapped);
			return gr_api_store_fail(q, r, &err);
		}
		json_array_append_new(arr, gr_api_role_json(&role));
	}
	json_decref(mapped);
	if (!arr || !(arr = gr_api_sorted_by_id(arr)))
		return gr_api_fail(q, 503, NULL, "out of memory");
	/* Auth0 pages organization group roles with from/take. */
	return gr_api_answer_page(q, arr, "roles", in_org);
}

int gr_api_group_roles_list(struct gr_api_call *q)
{
	return group_roles_list(q, false);
}

int gr_api_org_group_roles_list(struct gr_api_call *q)
{
	return group_roles_list(q, true);
}

/* Check every role of SLUGS; 1, 0 when answered (404), negative on store failure. */
int gr_api_check_roles(struct gr_api_call *q, const char *const *slugs, size_t n)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = gr_role_get(q->st, slugs[i], &role, &err);
		if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
			return gr_api_fail(q, 404, "inexistent_role", "The role '%.100s' does not exist.",
				    slugs[i]);
		if (r < 0)
			return gr_api_store_fail(q, r, &err);
	}
	return 1;
}

/*
 * Map (ADD) or unmap every role of SLUGS on every group of GIDS (API ids),
 * tenant-wide, in one transaction: every group and role is checked before
 * anything is written (ROLES_FIRST: the roles first, so that the path's
 * unknown role is named before the body's groups), an unknown one is 404 and
 * nothing changes, and a request that would change nothing writes nothing.
 * POST and DELETE of both /groups/{id}/roles and /roles/{id}/groups.
 */
int gr_api_mappings_change(struct gr_api_call *q, const char *org, const char *const *gids,
			   size_t ng, const char *const *slugs, size_t ns, bool add,
			   bool roles_first)
{
	struct gr_ref *refs = calloc(ng, sizeof(*refs));
	struct gr_err err = { 0 };
	json_t *mapped;
	bool change = false;
	size_t i, j;
	int r;

	if (!refs)
		return gr_api_fail(q, 503, NULL, "out of memory");
	if ((r = gr_store_begin(q->st, &err)) < 0) {
		free(refs);
		return gr_api_store_fail(q, r, &err);
	}
	if (roles_first && (r = gr_api_check_roles(q, slugs, ns)) <= 0)
		goto cancel;
	for (i = 0; i < ng; i++)
		if ((r = gr_api_lookup_group(q, gids[i], &refs[i], NULL)) <= 0)
			goto cancel;
	if (!roles_first && (r = gr_api_check_roles(q, slugs, ns)) <= 0)
		goto cancel;
	for (i = 0; i < ng && !change; i++) {
		r = gr_group_roles_get(q->st, org, refs[i].dir, refs[i].id, &mapped, &err);
		if (r < 0) {
			r = gr_api_store_fail(q, r, &err);
			goto cancel;
		}
		for (j = 0; j < ns; j++)
			if (gr_json_array_has(mapped, slugs[j]) != add)
				change = true;
		json_decref(mapped);
	}
	r = 0;
	for (i = 0; change && i < ng && r >= 0; i++)
		r = gr_group_roles_change(q->st, org, refs[i].dir, refs[i].id, slugs, ns, add,
					  &err);
	free(refs);
	if (!change) {
		gr_store_cancel(q->st);
	} else if ((r = gr_api_finish(q, r, &err)) <= 0) {
		return r;
	}
	gr_api_ok(q, 204, NULL);
	return 0;
cancel:
	free(refs);
	gr_store_cancel(q->st);
	return r < 0 ? r : 0;
}

static int group_roles_change(struct gr_api_call *q, bool in_org, bool add)
{
	const char *slugs[GR_API_MAX_ROLES_PER_REQUEST];
	const char *org, *gid;
	size_t n;
	int r = scope_of(q, in_org, &org, &gid);

	if (r <= 0 || !gr_api_body_list(q, "roles", slugs, GR_API_MAX_ROLES_PER_REQUEST, &n))
		return r < 0 ? r : 0;
	return gr_api_mappings_change(q, org, &gid, 1, slugs, n, add, false);
}

int gr_api_group_roles_add(struct gr_api_call *q)
{
	return group_roles_change(q, false, true);
}

int gr_api_group_roles_remove(struct gr_api_call *q)
{
	return group_roles_change(q, false, false);
}

int gr_api_org_group_roles_add(struct gr_api_call *q)
{
	return group_roles_change(q, true, true);
}

int gr_api_org_group_roles_remove(struct gr_api_call *q)
{
	return group_roles_change(q, true, false);
}

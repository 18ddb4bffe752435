/* SPDX-License-Identifier: MIT */
/* Users: their groups and the roles this host grants them (/users/{id}/...). */
#include <stdlib.h>
#include <string.h>

#include "api/api_priv.h"
#include "core/names.h"
#include "resolve/facts.h"

/* ---- users ---- */

/* User ID into REF and its record into *U; 1, 0 when answered (404), negative on failure. */
int gr_api_find_user(struct gr_api_call *q, const char *id, struct gr_ref *ref, json_t **u)
{
	struct gr_err err = { 0 };
	int r;

	*u = NULL;
	if (gr_api_group_id(id, ref) < 0)
		return gr_api_fail(q, 404, "inexistent_user",
			    "The user does not exist (a user id is DIRECTORY:ID).");
	r = gr_user_get(q->st, ref->dir, ref->id, u, &err);
	if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
		return gr_api_fail(q, 404, "inexistent_user", "The user does not exist.");
	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	return 1;
}

int gr_api_user_groups(struct gr_api_call *q)
{
	struct gr_ref ref;
	json_t *u, *rows, *s;
	size_t i;
	int r = gr_api_find_user(q, q->id, &ref, &u);

	if (r <= 0)
		return r;
	rows = json_array();
	json_array_foreach(json_object_get(u, "groups"), i, s)
		if (json_is_string(s))
			json_array_append_new(rows, json_pack("{s:s,s:O}", "directory", ref.dir,
							      "id", s));
	json_decref(u);
	if (!rows)
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_groups(q, rows, true);
}

/* One user resolved as grouprolectl user show does, for the effective-roles endpoints. */
struct resolved {
	struct gr_context *ctx;
	struct gr_facts *f;
	struct gr_resolution res;
	struct gr_ref ref;
};

static void resolved_free(struct resolved *rv)
{
	gr_resolution_free(&rv->res);
	gr_facts_free(rv->f);
	gr_context_free(rv->ctx);
}

/*
 * Resolve user UID (an API id) with this host's context -- or, with ORG,
 * the context of a host serving organization ORG (gr_context_load_org),
 * where the user must be a member of ORG (explicit, or through a connection
 * with auto-membership).  1 with *RV filled (resolved_free), 0 when
 * answered (404), negative on store failure.
 */
static int resolve_user(struct gr_api_call *q, const char *org, const char *uid,
			struct resolved *rv)
{
	struct gr_err err = { 0 };
	json_t *u;
	int r;

	memset(rv, 0, sizeof(*rv));
	if (org && !gr_valid_slug(org))
		return gr_api_fail(q, 404, "inexistent_organization",
				   "The organization does not exist.");
	if ((r = gr_api_find_user(q, uid, &rv->ref, &u)) <= 0)
		return r;
	json_decref(u);
	r = org ? gr_context_load_org(q->st, org, &rv->ctx, &err)
		: gr_context_load(q->st, &rv->ctx, &err);
	if (r == -GR_E_NOTFOUND)
		return gr_api_fail(q, 404, "inexistent_organization",
				   "The organization '%s' does not exist.", org);
	if (r == 0)
		r = gr_facts_load(q->st, rv->ctx, rv->ref.dir, rv->ref.id, &rv->f, &err);
	if (r < 0) {
		resolved_free(rv);
		return gr_api_store_fail(q, r, &err);
	}
	if (gr_resolve(gr_facts_input(rv->f), &rv->res) < 0) {
		resolved_free(rv);
		return gr_api_fail(q, 503, NULL, "out of memory");
	}
	if (org && !rv->res.org_member) {
		resolved_free(rv);
		return gr_api_fail(q, 404, "inexistent_member",
				   "The user is not a member of organization '%s'.", org);
	}
	return 1;
}

/*
 * The roles RV grants: each an Auth0 role with its "sources"
 * (gr_provenance_json), in slug order.
 */
static int answer_roles(struct gr_api_call *q, struct resolved *rv)
{
	const struct gr_role *catalog;
	json_t *arr = json_array();
	size_t i, j, n_catalog = 0;

	catalog = gr_context_roles(rv->ctx, &n_catalog);
	for (i = 0; arr && i < rv->res.n_roles; i++) {
		const struct gr_resolved_role *rr = &rv->res.roles[i];
		long idx = gr_context_role_index(rv->ctx, rr->slug);
		json_t *role, *sources;

		if (idx < 0 || (size_t)idx >= n_catalog)
			continue; /* resolution keeps catalog roles only */
		role = gr_api_role_json(&catalog[idx]);
		sources = json_array();
		for (j = 0; j < rr->n_prov; j++)
			json_array_append_new(sources, gr_provenance_json(&rr->prov[j]));
		json_object_set_new(role, "sources", sources);
		json_array_append_new(arr, role);
	}
	resolved_free(rv);
	if (!arr)
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_page(q, arr, "roles", false);
}

/*
 * The groups through which RV holds the role of the query's role_id, tenant
 * or organization groups, each once, as a cursor-paged list of Auth0 groups.
 * A provenance names its group by the very string of the facts' group
 * (resolve.c sets detail = group->name), which is how it maps back to the
 * group's id.
 */
static int answer_source_groups(struct gr_api_call *q, struct resolved *rv)
{
	const struct gr_resolve_input *in = gr_facts_input(rv->f);
	const char *role_id = q->rq->role_id;
	json_t *rows = json_array(), *seen = json_object();
	size_t i, j, k;

	if (!role_id || !role_id[0]) {
		json_decref(rows);
		json_decref(seen);
		resolved_free(rv);
		return gr_api_fail(q, 400, "invalid_query_string",
				   "Query validation error: Missing required property: role_id");
	}
	for (i = 0; rows && seen && i < rv->res.n_roles; i++) {
		const struct gr_resolved_role *rr = &rv->res.roles[i];

		if (strcmp(rr->slug, role_id))
			continue;
		for (j = 0; j < rr->n_prov; j++) {
			const struct gr_provenance *p = &rr->prov[j];

			if (p->kind != GR_SRC_GROUP && p->kind != GR_SRC_ORG_GROUP)
				continue;
			for (k = 0; k < in->n_groups; k++) {
				const char *gid = in->groups[k].id;

				if (in->groups[k].name != p->detail || !gid ||
				    json_object_get(seen, gid))
					continue;
				json_object_set_new(seen, gid, json_true());
				json_array_append_new(rows, json_pack("{s:s,s:s}", "directory",
								      rv->ref.dir, "id", gid));
			}
		}
	}
	json_decref(seen);
	resolved_free(rv);
	if (!rows)
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_groups(q, rows, true);
}

int gr_api_user_effective_roles(struct gr_api_call *q)
{
	struct resolved rv;
	int r = resolve_user(q, NULL, q->id, &rv);

	return r <= 0 ? r : answer_roles(q, &rv);
}

int gr_api_user_role_source_groups(struct gr_api_call *q)
{
	struct resolved rv;
	int r = resolve_user(q, NULL, q->id, &rv);

	return r <= 0 ? r : answer_source_groups(q, &rv);
}

int gr_api_member_effective_roles(struct gr_api_call *q)
{
	struct resolved rv;
	int r = resolve_user(q, q->id, q->id2, &rv);

	return r <= 0 ? r : answer_roles(q, &rv);
}

int gr_api_member_role_source_groups(struct gr_api_call *q)
{
	struct resolved rv;
	int r = resolve_user(q, q->id, q->id2, &rv);

	return r <= 0 ? r : answer_source_groups(q, &rv);
}

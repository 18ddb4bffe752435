/* SPDX-License-Identifier: MIT */
/* Roles (/roles, /roles/{id}) and the groups holding one (/roles/{id}/groups). */
#include <stdlib.h>
#include <string.h>

#include "api/api_priv.h"

static const char *const role_fields[] = { "name", "description", "priority", NULL };

/* The role fields of the body into ROLE (members that are present only). */
static int role_from_body(struct gr_api_call *q, struct gr_role *role)
{
	json_t *p = json_object_get(q->body, "priority");

	if (!gr_api_body_string(q, "name", role->name, sizeof(role->name) - 1, false) ||
	    !gr_api_body_string(q, "description", role->description, sizeof(role->description) - 1, true))
		return 0;
	if (p) {
		if (!json_is_integer(p) || json_integer_value(p) < GR_PRIORITY_MIN ||
		    json_integer_value(p) > GR_PRIORITY_MAX)
			return gr_api_fail(q, 400, "invalid_body",
				    "Payload validation error: 'priority' must be an integer from %d to %d.",
				    GR_PRIORITY_MIN, GR_PRIORITY_MAX);
		role->priority = (int)json_integer_value(p);
	}
	return 1;
}

/* ---- roles ---- */

int gr_api_roles_list(struct gr_api_call *q)
{
	struct gr_role *roles = NULL;
	struct gr_err err = { 0 };
	const char *filter = q->rq->name_filter;
	json_t *arr;
	size_t n, i;
	int r = gr_role_list(q->st, &roles, &n, &err);

	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	arr = json_array();
	for (i = 0; arr && i < n; i++)
		if (!filter || !filter[0] || strcasestr(roles[i].name, filter))
			json_array_append_new(arr, gr_api_role_json(&roles[i]));
	free(roles);
	if (!arr)
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_page(q, arr, "roles", false);
}

int gr_api_role_create(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	int r;

	memset(&role, 0, sizeof(role));
	if (!gr_api_parse_body(q, role_fields) || !role_from_body(q, &role))
		return 0;
	if (!role.name[0])
		return gr_api_fail(q, 400, "invalid_body",
			    "Payload validation error: 'Missing required property: name'.");
	if (gr_api_role_slug(role.name, role.slug, sizeof(role.slug)) < 0)
		return gr_api_fail(q, 400, "invalid_body",
			    "the role name must hold a letter or digit, and make an id of at most %d characters",
			    GR_NAME_MAX);
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	r = gr_role_create(q->st, &role, 0, &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 200, gr_api_role_json(&role));
	return 0;
}

/* The path's role into ROLE; 1, or 0 when answered (404), negative on store failure. */
static int find_role(struct gr_api_call *q, struct gr_role *role)
{
	struct gr_err err = { 0 };
	int r = gr_role_get(q->st, q->id, role, &err);

	if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
		return gr_api_fail(q, 404, "inexistent_role", "The role does not exist.");
	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	return 1;
}

int gr_api_role_get(struct gr_api_call *q)
{
	struct gr_role role;
	int r = find_role(q, &role);

	if (r > 0)
		gr_api_ok(q, 200, gr_api_role_json(&role));
	return r < 0 ? r : 0;
}

int gr_api_role_update(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	int r;

	if (!gr_api_parse_body(q, role_fields))
		return 0;
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	if ((r = find_role(q, &role)) <= 0 || !role_from_body(q, &role)) {
		gr_store_cancel(q->st);
		return r < 0 ? r : 0;
	}
	r = gr_role_update(q->st, &role, &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 200, gr_api_role_json(&role));
	return 0;
}

int gr_api_role_delete(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	int r;

	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	if ((r = find_role(q, &role)) <= 0) {
		gr_store_cancel(q->st);
		return r;
	}
	r = gr_role_delete(q->st, role.slug, &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 204, NULL);
	return 0;
}

int gr_api_role_groups_list(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	json_t *rows = NULL;
	int r = find_role(q, &role);

	if (r <= 0)
		return r;
	if ((r = gr_role_groups(q->st, role.slug, &rows, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	return gr_api_answer_groups(q, rows, false);
}
static int role_groups_change(struct gr_api_call *q, bool add)
{
	const char *gids[GR_API_MAX_GROUPS_PER_REQUEST];
	const char *slug = q->id;
	size_t n;

	if (!gr_api_body_list(q, "groups", gids, GR_API_MAX_GROUPS_PER_REQUEST, &n))
		return 0;
	return gr_api_mappings_change(q, NULL, gids, n, &slug, 1, add, true);
}

int gr_api_role_groups_add(struct gr_api_call *q)
{
	return role_groups_change(q, true);
}

int gr_api_role_groups_remove(struct gr_api_call *q)
{
	return role_groups_change(q, false);
}


/* SPDX-License-Identifier: MIT */
/*
 * Resource assignments (/role-assignments) and the resolution policy
 * (/policy): grouprole's own endpoints, in Auth0's style, for what Auth0
 * has no endpoint for.  grouprolectl assign and policy are the other face
 * of the same lib/store operations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_priv.h"
#include "core/names.h"
#include "core/timefmt.h"
#include "store/assignments.h"

/* An expiry as RFC 3339 UTC ("2027-01-31T00:00:00Z"), or JSON null for never. */
static json_t *expiry_json(int64_t t)
{
	char buf[32];

	return t && gr_time_format(t, buf, sizeof(buf)) ? json_string(buf) : json_null();
}

static json_t *assignment_json(const char *dir, const char *uid, const char *role,
			       const char *resource, int64_t expires)
{
	char id[GR_NAME_MAX + 300];

	snprintf(id, sizeof(id), "%s:%s", dir, uid);
	return json_pack("{s:s,s:s,s:s,s:o}", "user_id", id, "role_id", role, "resource", resource,
			 "expires_at", expiry_json(expires));
}

int gr_api_assignments_list(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	struct gr_ref ref = { "", "" };
	json_t *rows = NULL, *row, *arr;
	size_t i;
	int r;

	if (q->rq->user_id && gr_api_group_id(q->rq->user_id, &ref) < 0)
		return gr_api_answer_page(q, json_array(), "role_assignments", false);
	r = gr_assign_list(q->st, q->rq->user_id ? ref.dir : NULL, ref.id, &rows, &err);
	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	arr = json_array();
	json_array_foreach(rows, i, row)
		json_array_append_new(arr, assignment_json(
			json_string_value(json_object_get(row, "directory")),
			json_string_value(json_object_get(row, "id")),
			json_string_value(json_object_get(row, "role")),
			json_string_value(json_object_get(row, "resource")),
			json_integer_value(json_object_get(row, "expires"))));
	json_decref(rows);
	if (!arr)
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_page(q, arr, "role_assignments", false);
}

/* The body's user_id, role_id and resource (and expires_at); 1, 0 when answered. */
static int assignment_body(struct gr_api_call *q, const char *const *fields, char *user,
			   char *role, char *resource, int64_t *expires)
{
	static const char *const required[] = { "user_id", "role_id", "resource" };
	char *out[] = { user, role, resource };
	json_t *e;
	size_t i;

	if (!gr_api_parse_body(q, fields))
		return 0;
	for (i = 0; i < 3; i++) {
		out[i][0] = '\0';
		if (!gr_api_body_string(q, required[i], out[i], GR_NAME_MAX + 256, false))
			return 0;
		if (!out[i][0])
			return gr_api_fail(q, 400, "invalid_body",
					   "Payload validation error: 'Missing required property: %s'.",
					   required[i]);
	}
	e = json_object_get(q->body, "expires_at");
	*expires = 0;
	if (e && !json_is_null(e) &&
	    (!json_is_string(e) || gr_time_parse(json_string_value(e), expires) < 0))
		return gr_api_fail(q, 400, "invalid_body",
				   "Payload validation error: 'expires_at' must be YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DD or null.");
	return 1;
}

#define FIELD_MAX (GR_NAME_MAX + 257)

int gr_api_assignment_create(struct gr_api_call *q)
{
	static const char *const fields[] = { "user_id", "role_id", "resource", "expires_at",
					      NULL };
	char user[FIELD_MAX], role[FIELD_MAX], resource[FIELD_MAX];
	struct gr_err err = { 0 };
	struct gr_ref ref;
	int64_t expires;
	json_t *u;
	int r;

	if (!assignment_body(q, fields, user, role, resource, &expires))
		return 0;
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	if ((r = gr_api_find_user(q, user, &ref, &u)) <= 0 ||
	    (r = gr_api_check_roles(q, (const char *const[]){ role }, 1)) <= 0) {
		if (r > 0)
			json_decref(u);
		gr_store_cancel(q->st);
		return r < 0 ? r : 0;
	}
	json_decref(u);
	r = gr_assign_create(q->st, &ref, role, resource, expires, (int64_t)time(NULL), &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 201, assignment_json(ref.dir, ref.id, role, resource, expires));
	return 0;
}

int gr_api_assignment_delete(struct gr_api_call *q)
{
	static const char *const fields[] = { "user_id", "role_id", "resource", NULL };
	char user[FIELD_MAX], role[FIELD_MAX], resource[FIELD_MAX];
	struct gr_err err = { 0 };
	struct gr_ref ref;
	int64_t expires;
	int r;

	if (!assignment_body(q, fields, user, role, resource, &expires))
		return 0;
	/* The user may be gone from the IdP: its assignments are still removed by id. */
	if (gr_api_group_id(user, &ref) < 0)
		return gr_api_fail(q, 404, "inexistent_user",
				   "The user does not exist (a user id is DIRECTORY:ID).");
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	r = gr_assign_remove(q->st, &ref, role, resource, &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 204, NULL);
	return 0;
}

/* ---- policy ---- */

static json_t *policy_json(const struct gr_policy *p)
{
	return json_pack("{s:b,s:s?,s:s?}", "multiple_roles", p->multiple_roles, "default_role",
			 p->default_role[0] ? p->default_role : NULL, "role_attribute",
			 p->role_attribute[0] ? p->role_attribute : NULL);
}

int gr_api_policy_get(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	struct gr_policy p;
	int r = gr_policy_get(q->st, &p, &err);

	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	gr_api_ok(q, 200, policy_json(&p));
	return 0;
}

/* Member NAME: a string into OUT, or null for none (""); 1, 0 when answered. */
static int nullable_string(struct gr_api_call *q, const char *name, char *out, size_t len)
{
	json_t *v = json_object_get(q->body, name);

	if (json_is_null(v)) {
		out[0] = '\0';
		return 1;
	}
	return gr_api_body_string(q, name, out, len - 1, false);
}

int gr_api_policy_update(struct gr_api_call *q)
{
	static const char *const fields[] = { "multiple_roles", "default_role", "role_attribute",
					      NULL };
	struct gr_err err = { 0 };
	struct gr_policy p;
	json_t *m;
	int r;

	if (!gr_api_parse_body(q, fields))
		return 0;
	m = json_object_get(q->body, "multiple_roles");
	if (m && !json_is_boolean(m))
		return gr_api_fail(q, 400, "invalid_body",
				   "Payload validation error: 'Expected type boolean' on property multiple_roles.");
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	if ((r = gr_policy_get(q->st, &p, &err)) < 0) {
		gr_store_cancel(q->st);
		return gr_api_store_fail(q, r, &err);
	}
	if (m)
		p.multiple_roles = json_is_true(m);
	if (!nullable_string(q, "default_role", p.default_role, sizeof(p.default_role)) ||
	    !nullable_string(q, "role_attribute", p.role_attribute, sizeof(p.role_attribute))) {
		gr_store_cancel(q->st);
		return 0;
	}
	r = gr_policy_put(q->st, &p, &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 200, policy_json(&p));
	return 0;
}

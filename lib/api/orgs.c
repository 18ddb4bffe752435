/* SPDX-License-Identifier: MIT */
/*
 * Organizations (/organizations, /organizations/{org}): their enabled
 * connections (directories, with assign_membership_on_login), explicit
 * members and connection groups.  An organization's id is its name (a slug);
 * a connection's id is its directory's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_priv.h"
#include "core/names.h"
#include "store/orgs.h"

/* Most members one POST or DELETE /organizations/{org}/members may name. */
#define MAX_MEMBERS_PER_REQUEST 100

int gr_api_find_org(struct gr_api_call *q, const char *org, json_t **o)
{
	struct gr_err err = { 0 };
	json_t *rec = NULL;
	int r;

	if (o)
		*o = NULL;
	if (!gr_valid_slug(org))
		return gr_api_fail(q, 404, "inexistent_organization",
				   "The organization does not exist.");
	r = gr_org_get(q->st, org, &rec, &err);
	if (r == -GR_E_NOTFOUND)
		return gr_api_fail(q, 404, "inexistent_organization",
				   "The organization '%s' does not exist.", org);
	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	if (o)
		*o = rec;
	else
		json_decref(rec);
	return 1;
}

static json_t *org_json(const char *name)
{
	return json_pack("{s:s,s:s}", "id", name, "name", name);
}

int gr_api_orgs_list(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	json_t *rows = NULL, *row, *arr;
	size_t i;
	int r = gr_org_list(q->st, &rows, &err);

	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	arr = json_array();
	json_array_foreach(rows, i, row)
		json_array_append_new(arr, org_json(json_string_value(json_object_get(row, "name"))));
	json_decref(rows);
	if (!arr)
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_page(q, arr, "organizations", true);
}

int gr_api_org_create(struct gr_api_call *q)
{
	static const char *const fields[] = { "name", NULL };
	struct gr_err err = { 0 };
	char name[GR_NAME_MAX + 1] = "";
	int r;

	if (!gr_api_parse_body(q, fields) ||
	    !gr_api_body_string(q, "name", name, sizeof(name) - 1, false))
		return 0;
	if (!name[0])
		return gr_api_fail(q, 400, "invalid_body",
				   "Payload validation error: 'Missing required property: name'.");
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	r = gr_org_create(q->st, name, &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 201, org_json(name));
	return 0;
}

int gr_api_org_get(struct gr_api_call *q)
{
	int r = gr_api_find_org(q, q->id, NULL);

	if (r > 0)
		gr_api_ok(q, 200, org_json(q->id));
	return r < 0 ? r : 0;
}

int gr_api_org_delete(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	int r;

	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	if ((r = gr_api_find_org(q, q->id, NULL)) <= 0) {
		gr_store_cancel(q->st);
		return r;
	}
	r = gr_org_delete(q->st, q->id, &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 204, NULL);
	return 0;
}

/* ---- enabled connections ---- */

static json_t *connection_json(const char *dir, const json_t *conn)
{
	return json_pack("{s:s,s:b,s:{s:s,s:s}}", "connection_id", dir,
			 "assign_membership_on_login",
			 json_is_true(json_object_get(conn, "auto_membership")), "connection",
			 "name", dir, "strategy", "scim");
}

int gr_api_org_connections_list(struct gr_api_call *q)
{
	json_t *o, *conn, *arr;
	const char *dir;
	int r = gr_api_find_org(q, q->id, &o);

	if (r <= 0)
		return r;
	arr = json_array();
	json_object_foreach(json_object_get(o, "connections"), dir, conn)
		json_array_append_new(arr, connection_json(dir, conn));
	json_decref(o);
	/* connection_id plays the part of a list item's id: sorted, paged by it. */
	if (arr) {
		size_t i;
		json_t *c;

		json_array_foreach(arr, i, c)
			json_object_set(c, "id", json_object_get(c, "connection_id"));
		arr = gr_api_sorted_by_id(arr);
		json_array_foreach(arr, i, c)
			json_object_del(c, "id");
	}
	if (!arr)
		return gr_api_fail(q, 503, NULL, "out of memory");
	return gr_api_answer_page(q, arr, "enabled_connections", false);
}

/* ORG's connection to DIR into *CONN (borrowed from O); 1, 0 answered (404). */
static int find_connection(struct gr_api_call *q, const json_t *o, const char *dir,
			   const json_t **conn)
{
	*conn = json_object_get(json_object_get(o, "connections"), dir);
	if (!json_is_object(*conn))
		return gr_api_fail(q, 404, "inexistent_connection",
				   "The connection '%.100s' is not enabled for organization '%s'.",
				   dir, q->id);
	return 1;
}

int gr_api_org_connection_get(struct gr_api_call *q)
{
	const json_t *conn;
	json_t *o;
	int r = gr_api_find_org(q, q->id, &o);

	if (r > 0 && (r = find_connection(q, o, q->id2, &conn)) > 0)
		gr_api_ok(q, 200, connection_json(q->id2, conn));
	json_decref(o);
	return r < 0 ? r : 0;
}

/*
 * Enable (POST) or update (PATCH: MUST_EXIST) the connection to DIR with the
 * body's assign_membership_on_login (when absent: off for a new connection,
 * unchanged for an enabled one), in one transaction; answers STATUS with
 * the connection.
 */
static int connection_put(struct gr_api_call *q, const char *dir, bool must_exist,
			  unsigned status)
{
	struct gr_err err = { 0 };
	const json_t *conn;
	json_t *o = NULL, *am, *out;
	bool autom = false;
	int r;

	am = json_object_get(q->body, "assign_membership_on_login");
	if (am && !json_is_boolean(am))
		return gr_api_fail(q, 400, "invalid_body",
				   "Payload validation error: 'Expected type boolean' on property assign_membership_on_login.");
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	if ((r = gr_api_find_org(q, q->id, &o)) <= 0)
		goto cancel;
	if (must_exist && (r = find_connection(q, o, dir, &conn)) <= 0)
		goto cancel;
	if (!must_exist && !gr_valid_slug(dir)) {
		r = gr_api_fail(q, 404, "inexistent_connection", "The connection does not exist.");
		goto cancel;
	}
	conn = json_object_get(json_object_get(o, "connections"), dir);
	autom = am ? json_is_true(am) : json_is_true(json_object_get(conn, "auto_membership"));
	json_decref(o);
	o = NULL;
	r = gr_org_connection(q->st, q->id, dir, true, autom, &err);
	if (r == -GR_E_NOTFOUND) {
		r = gr_api_fail(q, 404, "inexistent_connection",
				"The connection '%s' does not exist.", dir);
		goto cancel;
	}
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	out = json_pack("{s:b}", "auto_membership", autom);
	gr_api_ok(q, status, connection_json(dir, out));
	json_decref(out);
	return 0;
cancel:
	json_decref(o);
	gr_store_cancel(q->st);
	return r < 0 ? r : 0;
}

int gr_api_org_connection_add(struct gr_api_call *q)
{
	static const char *const fields[] = { "connection_id", "assign_membership_on_login",
					      NULL };
	char dir[GR_NAME_MAX + 1] = "";

	if (!gr_api_parse_body(q, fields) ||
	    !gr_api_body_string(q, "connection_id", dir, sizeof(dir) - 1, false))
		return 0;
	if (!dir[0])
		return gr_api_fail(q, 400, "invalid_body",
				   "Payload validation error: 'Missing required property: connection_id'.");
	return connection_put(q, dir, false, 201);
}

int gr_api_org_connection_update(struct gr_api_call *q)
{
	static const char *const fields[] = { "assign_membership_on_login", NULL };

	if (!gr_api_parse_body(q, fields))
		return 0;
	return connection_put(q, q->id2, true, 200);
}

int gr_api_org_connection_delete(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	const json_t *conn;
	json_t *o = NULL;
	int r;

	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	if ((r = gr_api_find_org(q, q->id, &o)) <= 0 ||
	    (r = find_connection(q, o, q->id2, &conn)) <= 0) {
		json_decref(o);
		gr_store_cancel(q->st);
		return r < 0 ? r : 0;
	}
	json_decref(o);
	r = gr_org_connection(q->st, q->id, q->id2, false, false, &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 204, NULL);
	return 0;
}

/* ---- explicit members ---- */

int gr_api_org_members_list(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	char id[GR_NAME_MAX + 300];
	json_t *rows = NULL, *row, *arr;
	size_t i;
	int r = gr_api_find_org(q, q->id, NULL);

	if (r <= 0)
		return r;
	if ((r = gr_org_members(q->st, q->id, &rows, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	arr = json_array();
	json_array_foreach(rows, i, row) {
		snprintf(id, sizeof(id), "%s:%s", json_string_value(json_object_get(row, "directory")),
			 json_string_value(json_object_get(row, "id")));
		json_array_append_new(arr, json_pack("{s:s,s:s}", "user_id", id, "id", id));
	}
	json_decref(rows);
	if (!arr || !(arr = gr_api_sorted_by_id(arr)))
		return gr_api_fail(q, 503, NULL, "out of memory");
	/* "id" orders the cursor; Auth0's members carry user_id only. */
	json_array_foreach(arr, i, row)
		json_object_del(row, "id");
	return gr_api_answer_page(q, arr, "members", false);
}

/*
 * Add (ADD) or remove the body's members, all or none: every user to add
 * must exist (404 naming the first that does not, nothing changed); a
 * member already in (or already out) changes nothing; a request that would
 * change nothing writes nothing.  204.
 */
static int members_change(struct gr_api_call *q, bool add)
{
	const char *ids[MAX_MEMBERS_PER_REQUEST];
	struct gr_ref refs[MAX_MEMBERS_PER_REQUEST];
	struct gr_err err = { 0 };
	bool change = false;
	size_t n, i;
	json_t *u;
	int r;

	if (!gr_api_body_list(q, "members", ids, MAX_MEMBERS_PER_REQUEST, &n))
		return 0;
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	if ((r = gr_api_find_org(q, q->id, NULL)) <= 0)
		goto cancel;
	for (i = 0; i < n; i++) {
		if (add) {
			if ((r = gr_api_find_user(q, ids[i], &refs[i], &u)) <= 0)
				goto cancel;
			json_decref(u);
		} else if (gr_api_group_id(ids[i], &refs[i]) < 0) {
			r = gr_api_fail(q, 404, "inexistent_user",
					"The user '%.100s' does not exist (a user id is DIRECTORY:ID).",
					ids[i]);
			goto cancel;
		}
		if (gr_org_is_member(q->st, q->id, refs[i].dir, refs[i].id) != add)
			change = true;
	}
	if (!change) {
		gr_store_cancel(q->st);
		gr_api_ok(q, 204, NULL);
		return 0;
	}
	r = 0;
	for (i = 0; i < n && r == 0; i++)
		r = gr_org_member(q->st, q->id, &refs[i], add, &err);
	if ((r = gr_api_finish(q, r, &err)) <= 0)
		return r;
	gr_api_ok(q, 204, NULL);
	return 0;
cancel:
	gr_store_cancel(q->st);
	return r < 0 ? r : 0;
}

int gr_api_org_members_add(struct gr_api_call *q)
{
	return members_change(q, true);
}

int gr_api_org_members_remove(struct gr_api_call *q)
{
	return members_change(q, false);
}

/* ---- connection groups ---- */

/*
 * The organization's groups: those of the directories connected to it,
 * the groups whose organization roles can take effect (Auth0 lists the
 * groups assigned to an organization; here a group belongs to an
 * organization through its directory's connection, as in WorkOS).
 */
int gr_api_org_groups(struct gr_api_call *q)
{
	struct gr_err err = { 0 };
	json_t *rows = NULL;
	int r = gr_api_find_org(q, q->id, NULL);

	if (r <= 0)
		return r;
	if ((r = gr_org_groups(q->st, q->id, &rows, &err)) < 0)
		return gr_api_store_fail(q, r, &err);
	return gr_api_answer_groups(q, rows, true);
}

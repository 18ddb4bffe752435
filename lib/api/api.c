/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/names.h"
#include "store/roles.h"

/* One request being answered. */
struct req {
	struct gr_store *st;
	const struct gr_api_request *rq;
	struct gr_api_reply *reply;
	const char *id;             /* the path's {id}, NUL-terminated copy */
	json_t *body;               /* the parsed body, for methods that take one */
};

static const char *reason(unsigned status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

json_t *gr_api_error_body(unsigned status, const char *code, const char *message)
{
	json_t *v = json_pack("{s:i,s:s,s:s}", "statusCode", (int)status, "error", reason(status),
			      "message", message);

	if (v && code)
		json_object_set_new(v, "errorCode", json_string(code));
	return v;
}

void gr_api_reply_clear(struct gr_api_reply *reply)
{
	json_decref(reply->body);
	reply->body = NULL;
}

/* Answer STATUS with an error; returns 0 so handlers can "return fail(...)". */
static int fail(struct req *q, unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct req *q, unsigned status, const char *code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(q->reply->body);
	q->reply->status = status;
	q->reply->body = gr_api_error_body(status, code, msg);
	return 0;
}

/*
 * A refusal or failure from lib/store as an answer.  Store failures are
 * 503 and their code is returned for the caller's log; the rest are the
 * client's: 0.
 */
static int store_fail(struct req *q, int r, const struct gr_err *err)
{
	switch (r) {
	case -GR_E_NOTFOUND:
		return fail(q, 404, "inexistent_resource", "%s", gr_err_msg(err));
	case -GR_E_INVALID:
		return fail(q, 400, "invalid_body", "%s", gr_err_msg(err));
	case -GR_E_CONFLICT:
	case -GR_E_RESERVED:
	case -GR_E_EXHAUSTED:
	case -GR_E_REFUSED:
		return fail(q, 409, "conflict", "%s", gr_err_msg(err));
	default:
		fail(q, 503, NULL, "the store is unavailable, retry later");
		return r;
	}
}

static void ok(struct req *q, unsigned status, json_t *body)
{
	json_decref(q->reply->body);
	q->reply->status = status;
	q->reply->body = body;
}

bool gr_api_has_scope(const json_t *scopes, const char *scope)
{
	const json_t *s;
	size_t i;

	json_array_foreach(scopes, i, s)
		if (json_is_string(s) && !strcmp(json_string_value(s), scope))
			return true;
	return false;
}

int gr_api_role_slug(const char *name, char *out, size_t len)
{
	size_t n = 0;
	bool dash = false;
	const char *p;

	if (!name || len == 0)
		return -GR_E_INVALID;
	for (p = name; *p; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
			dash = true; /* '-' too: a run of separators is one '-' */
			continue;
		}
		/* A separator only between two kept characters. */
		if (dash && n > 0) {
			if (n + 1 >= len)
				return -GR_E_INVALID;
			out[n++] = '-';
		}
		dash = false;
		if (n + 1 >= len)
			return -GR_E_INVALID;
		out[n++] = c;
	}
	out[n] = '\0';
	return gr_valid_slug(out) ? 0 : -GR_E_INVALID;
}

int gr_api_group_id(const char *id, struct gr_ref *out)
{
	const char *colon = id ? strchr(id, ':') : NULL;
	size_t n = colon ? (size_t)(colon - id) : 0;

	memset(out, 0, sizeof(*out));
	if (!colon || n == 0 || n >= sizeof(out->dir) || strlen(colon + 1) >= sizeof(out->id))
		return -GR_E_INVALID;
	memcpy(out->dir, id, n);
	out->dir[n] = '\0';
	strcpy(out->id, colon + 1);
	if (!gr_valid_slug(out->dir) || !gr_valid_id(out->id)) {
		memset(out, 0, sizeof(*out));
		return -GR_E_INVALID;
	}
	return 0;
}

/* ---- paging ---- */

/* A non-negative decimal no larger than MAX, or -1. */
static long parse_count(const char *s, long max)
{
	char *end;
	long v;

	if (!s || !*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return v;
}

/*
 * Answer ITEMS (taken) as Auth0 pages them: the whole array when no page
 * was asked for, else page (from 0) of per_page; include_totals wraps it in
 * {KEY: [...], "start", "limit", "total"}.
 */
static int answer_page(struct req *q, json_t *items, const char *key)
{
	const struct gr_api_request *rq = q->rq;
	size_t total = json_array_size(items), start = 0, limit = total, i;
	bool totals = rq->include_totals && !strcmp(rq->include_totals, "true");
	long page = 0, per_page = GR_API_MAX_PER_PAGE;
	json_t *out;

	if (rq->include_totals && !totals && strcmp(rq->include_totals, "false")) {
		json_decref(items);
		return fail(q, 400, "invalid_query_string",
			    "Query validation error: 'include_totals' must be true or false");
	}
	if ((rq->page && (page = parse_count(rq->page, 1000000)) < 0) ||
	    (rq->per_page && ((per_page = parse_count(rq->per_page, GR_API_MAX_PER_PAGE)) < 1))) {
		json_decref(items);
		return fail(q, 400, "invalid_query_string",
			    "Query validation error: 'page' must be a number from 0 and 'per_page' a number from 1 to %d",
			    GR_API_MAX_PER_PAGE);
	}
	if (rq->page || rq->per_page) {
		start = (size_t)page * (size_t)per_page;
		limit = (size_t)per_page;
		out = json_array();
		for (i = start; out && i < total && i < start + limit; i++)
			json_array_append(out, json_array_get(items, i));
		json_decref(items);
	} else {
		out = items;
	}
	if (out && totals)
		out = json_pack("{s:o,s:I,s:I,s:I}", key, out, "start", (json_int_t)start, "limit",
				(json_int_t)limit, "total", (json_int_t)total);
	if (!out)
		return fail(q, 503, NULL, "out of memory");
	ok(q, 200, out);
	return 0;
}

/* ---- bodies ---- */

/*
 * Parse the body as a JSON object whose members are all among ALLOWED
 * (NULL-terminated).  Returns 1 when q->body holds it, 0 when answered.
 */
static int parse_body(struct req *q, const char *const *allowed)
{
	json_error_t jerr;
	const char *key;
	json_t *v;
	size_t i;

	q->body = json_loadb(q->rq->body ? q->rq->body : "", q->rq->len,
			     JSON_REJECT_DUPLICATES, &jerr);
	if (!q->body)
		return fail(q, 400, "invalid_body", "Invalid request payload JSON format: %s",
			    jerr.text);
	if (!json_is_object(q->body))
		return fail(q, 400, "invalid_body",
			    "Payload validation error: 'Expected type object but found another type'.");
	json_object_foreach(q->body, key, v) {
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i])
			return fail(q, 400, "invalid_body",
				    "Payload validation error: 'Additional properties not allowed: %.100s'.",
				    key);
	}
	return 1;
}

/*
 * Member NAME of the body as a string of 1..MAX bytes, copied into OUT
 * (MAX + 1 bytes); *OUT untouched when absent.  1 when usable, 0 when answered.
 */
static int body_string(struct req *q, const char *name, char *out, size_t max, bool empty_ok)
{
	json_t *v = json_object_get(q->body, name);
	size_t n;

	if (!v)
		return 1;
	if (!json_is_string(v))
		return fail(q, 400, "invalid_body",
			    "Payload validation error: 'Expected type string' on property %s.", name);
	n = json_string_length(v);
	if ((n == 0 && !empty_ok) || n > max || strlen(json_string_value(v)) != n)
		return fail(q, 400, "invalid_body",
			    "Payload validation error: '%s' must be %s%zu bytes or fewer, without NUL.",
			    name, empty_ok ? "" : "1 to ", max);
	memcpy(out, json_string_value(v), n + 1);
	return 1;
}

static const char *const role_fields[] = { "name", "description", "priority", NULL };

/* The role fields of the body into ROLE (members that are present only). */
static int role_from_body(struct req *q, struct gr_role *role)
{
	json_t *p = json_object_get(q->body, "priority");

	if (!body_string(q, "name", role->name, sizeof(role->name) - 1, false) ||
	    !body_string(q, "description", role->description, sizeof(role->description) - 1, true))
		return 0;
	if (p) {
		if (!json_is_integer(p) || json_integer_value(p) < GR_PRIORITY_MIN ||
		    json_integer_value(p) > GR_PRIORITY_MAX)
			return fail(q, 400, "invalid_body",
				    "Payload validation error: 'priority' must be an integer from %d to %d.",
				    GR_PRIORITY_MIN, GR_PRIORITY_MAX);
		role->priority = (int)json_integer_value(p);
	}
	return 1;
}

static json_t *role_json(const struct gr_role *r)
{
	return json_pack("{s:s,s:s,s:s,s:i}", "id", r->slug, "name", r->name, "description",
			 r->description, "priority", r->priority);
}

/* ---- writes ---- */

/*
 * The transaction of this request is done (R its result so far): cancel on
 * failure, else commit.  1 when committed and durable up to the batch, 0
 * when answered, negative for a store failure (answered as 503).
 */
static int finish(struct req *q, int r, const struct gr_err *werr)
{
	struct gr_err err = { 0 };

	if (r < 0) {
		gr_store_cancel(q->st);
		return store_fail(q, r, werr);
	}
	r = gr_store_commit(q->st, &err);
	if (r == -GR_E_UNSYNCED) {
		q->reply->changed = true;
		fail(q, 503, NULL, "the change was applied but the disk did not confirm it; "
				   "read it back before retrying");
		return r;
	}
	if (r < 0)
		return store_fail(q, r, &err);
	q->reply->changed = true;
	return 1;
}

/* ---- roles ---- */

static int roles_list(struct req *q)
{
	struct gr_role *roles = NULL;
	struct gr_err err = { 0 };
	const char *filter = q->rq->name_filter;
	json_t *arr;
	size_t n, i;
	int r = gr_role_list(q->st, &roles, &n, &err);

	if (r < 0)
		return store_fail(q, r, &err);
	arr = json_array();
	for (i = 0; arr && i < n; i++)
		if (!filter || !filter[0] || strcasestr(roles[i].name, filter))
			json_array_append_new(arr, role_json(&roles[i]));
	free(roles);
	if (!arr)
		return fail(q, 503, NULL, "out of memory");
	return answer_page(q, arr, "roles");
}

static int role_create(struct req *q)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	int r;

	memset(&role, 0, sizeof(role));
	if (!parse_body(q, role_fields) || !role_from_body(q, &role))
		return 0;
	if (!role.name[0])
		return fail(q, 400, "invalid_body",
			    "Payload validation error: 'Missing required property: name'.");
	if (gr_api_role_slug(role.name, role.slug, sizeof(role.slug)) < 0)
		return fail(q, 400, "invalid_body",
			    "the role name must hold a letter or digit, and make an id of at most %d characters",
			    GR_NAME_MAX);
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return store_fail(q, r, &err);
	r = gr_role_create(q->st, &role, 0, &err);
	if ((r = finish(q, r, &err)) <= 0)
		return r;
	ok(q, 200, role_json(&role));
	return 0;
}

/* The path's role into ROLE; 1, or 0 when answered (404), negative on store failure. */
static int find_role(struct req *q, struct gr_role *role)
{
	struct gr_err err = { 0 };
	int r = gr_role_get(q->st, q->id, role, &err);

	if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
		return fail(q, 404, "inexistent_role", "The role does not exist.");
	if (r < 0)
		return store_fail(q, r, &err);
	return 1;
}

static int role_get(struct req *q)
{
	struct gr_role role;
	int r = find_role(q, &role);

	if (r > 0)
		ok(q, 200, role_json(&role));
	return r < 0 ? r : 0;
}

static int role_update(struct req *q)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	int r;

	if (!parse_body(q, role_fields))
		return 0;
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return store_fail(q, r, &err);
	if ((r = find_role(q, &role)) <= 0 || !role_from_body(q, &role)) {
		gr_store_cancel(q->st);
		return r < 0 ? r : 0;
	}
	r = gr_role_update(q->st, &role, &err);
	if ((r = finish(q, r, &err)) <= 0)
		return r;
	ok(q, 200, role_json(&role));
	return 0;
}

static int role_delete(struct req *q)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	int r;

	if ((r = gr_store_begin(q->st, &err)) < 0)
		return store_fail(q, r, &err);
	if ((r = find_role(q, &role)) <= 0) {
		gr_store_cancel(q->st);
		return r;
	}
	r = gr_role_delete(q->st, role.slug, &err);
	if ((r = finish(q, r, &err)) <= 0)
		return r;
	ok(q, 204, NULL);
	return 0;
}

/* ---- group roles ---- */

/* The path's group into REF, and its mapped slugs; 1, 0 when answered, negative on failure. */
static int find_group(struct req *q, struct gr_ref *ref, json_t **mapped)
{
	struct gr_err err = { 0 };
	json_t *g = NULL;
	int r;

	*mapped = NULL;
	if (gr_api_group_id(q->id, ref) < 0)
		return fail(q, 404, "inexistent_group",
			    "The group does not exist (a group id is DIRECTORY:ID).");
	r = gr_group_get(q->st, ref->dir, ref->id, &g, &err);
	json_decref(g);
	if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
		return fail(q, 404, "inexistent_group", "The group does not exist.");
	if (r < 0 || (r = gr_group_roles_get(q->st, NULL, ref->dir, ref->id, mapped, &err)) < 0)
		return store_fail(q, r, &err);
	return 1;
}

static int group_roles_list(struct req *q)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	struct gr_ref ref;
	json_t *mapped, *arr, *s;
	size_t i;
	int r = find_group(q, &ref, &mapped);

	if (r <= 0)
		return r;
	arr = json_array();
	json_array_foreach(mapped, i, s) {
		r = gr_role_get(q->st, json_string_value(s), &role, &err);
		if (r == -GR_E_NOTFOUND)
			continue; /* roles delete their mappings; a stray one is not shown */
		if (r < 0) {
			json_decref(arr);
			json_decref(mapped);
			return store_fail(q, r, &err);
		}
		json_array_append_new(arr, role_json(&role));
	}
	json_decref(mapped);
	if (!arr)
		return fail(q, 503, NULL, "out of memory");
	return answer_page(q, arr, "roles");
}

/*
 * POST (ADD) or DELETE: every role of the body, checked before anything is
 * written; a request that would change nothing writes nothing.
 */
static int group_roles_change(struct req *q, bool add)
{
	static const char *const fields[] = { "roles", NULL };
	const char *slugs[GR_API_MAX_ROLES_PER_REQUEST];
	struct gr_err err = { 0 };
	struct gr_role role;
	struct gr_ref ref;
	json_t *list, *mapped = NULL, *s;
	bool change = false;
	size_t i, n;
	int r;

	if (!parse_body(q, fields))
		return 0;
	list = json_object_get(q->body, "roles");
	if (!json_is_array(list))
		return fail(q, 400, "invalid_body", list
			    ? "Payload validation error: 'Expected type array but found another type' on property roles."
			    : "Payload validation error: 'Missing required property: roles'.");
	n = json_array_size(list);
	if (n == 0 || n > GR_API_MAX_ROLES_PER_REQUEST)
		return fail(q, 400, "invalid_body",
			    "Payload validation error: 'roles' must name 1 to %d roles (the limit of roles per group).",
			    GR_API_MAX_ROLES_PER_REQUEST);
	json_array_foreach(list, i, s) {
		if (!json_is_string(s))
			return fail(q, 400, "invalid_body",
				    "Payload validation error: 'Expected type string' on roles[%zu].", i);
		slugs[i] = json_string_value(s);
	}
	if ((r = gr_store_begin(q->st, &err)) < 0)
		return store_fail(q, r, &err);
	if ((r = find_group(q, &ref, &mapped)) <= 0)
		goto cancel;
	for (i = 0; i < n; i++) {
		r = gr_role_get(q->st, slugs[i], &role, &err);
		if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID) {
			r = fail(q, 404, "inexistent_role", "The role '%.100s' does not exist.", slugs[i]);
			goto cancel;
		}
		if (r < 0) {
			r = store_fail(q, r, &err);
			goto cancel;
		}
		if (gr_json_array_has(mapped, slugs[i]) != add)
			change = true;
	}
	json_decref(mapped);
	mapped = NULL;
	if (!change) {
		gr_store_cancel(q->st);
		ok(q, 204, NULL);
		return 0;
	}
	r = gr_group_roles_change(q->st, NULL, ref.dir, ref.id, slugs, n, add, &err);
	if ((r = finish(q, r, &err)) <= 0)
		return r;
	ok(q, 204, NULL);
	return 0;
cancel:
	json_decref(mapped);
	gr_store_cancel(q->st);
	return r < 0 ? r : 0;
}

static int group_roles_add(struct req *q) { return group_roles_change(q, true); }
static int group_roles_remove(struct req *q) { return group_roles_change(q, false); }

/* ---- dispatch ---- */

enum path_kind { P_ROLES, P_ROLE, P_GROUP_ROLES };

struct route {
	enum path_kind kind;
	const char *method;
	const char *scope, *alt_scope; /* either one suffices */
	int (*fn)(struct req *q);
};

static const struct route routes[] = {
	{ P_ROLES, "GET", "read:roles", NULL, roles_list },
	{ P_ROLES, "POST", "create:roles", NULL, role_create },
	{ P_ROLE, "GET", "read:roles", NULL, role_get },
	{ P_ROLE, "PATCH", "update:roles", NULL, role_update },
	{ P_ROLE, "DELETE", "delete:roles", NULL, role_delete },
	{ P_GROUP_ROLES, "GET", "read:group_roles", NULL, group_roles_list },
	{ P_GROUP_ROLES, "POST", "create:group_roles", "update:groups", group_roles_add },
	{ P_GROUP_ROLES, "DELETE", "delete:group_roles", "update:groups", group_roles_remove },
};

static const char *const allow[] = {
	[P_ROLES] = "GET, POST",
	[P_ROLE] = "GET, PATCH, DELETE",
	[P_GROUP_ROLES] = "GET, POST, DELETE",
};

/* Which endpoint PATH is, with its {id} copied into ID (LEN bytes); -1 for none. */
static int classify(const char *path, char *id, size_t len)
{
	static const char suffix[] = "/roles";
	size_t n, sl = strlen(suffix);
	const char *p;

	if (!strcmp(path, "roles"))
		return P_ROLES;
	if (!strncmp(path, "roles/", 6)) {
		p = path + 6;
		n = strlen(p);
		if (n == 0 || n >= len || strchr(p, '/'))
			return -1;
		memcpy(id, p, n + 1);
		return P_ROLE;
	}
	if (!strncmp(path, "groups/", 7)) {
		p = path + 7;
		n = strlen(p);
		if (n <= sl || strcmp(p + n - sl, suffix) || n - sl >= len)
			return -1;
		memcpy(id, p, n - sl);
		id[n - sl] = '\0';
		return strchr(id, '/') ? -1 : P_GROUP_ROLES;
	}
	return -1;
}

int gr_api_serve(struct gr_store *st, const struct gr_api_request *rq, struct gr_api_reply *reply)
{
	char id[600];
	struct req q = { .st = st, .rq = rq, .reply = reply, .id = id };
	const struct route *rt = NULL;
	int kind = classify(rq->path, id, sizeof(id)), r;
	size_t i;

	reply->changed = false;
	reply->allow = NULL;
	if (kind < 0) {
		fail(&q, 404, "invalid_uri", "Not Found");
		return 0;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]) && !rt; i++)
		if (routes[i].kind == (enum path_kind)kind && !strcmp(routes[i].method, rq->method))
			rt = &routes[i];
	if (!rt) {
		reply->allow = allow[kind];
		fail(&q, 405, NULL, "Method Not Allowed");
		return 0;
	}
	if (!gr_api_has_scope(rq->scopes, rt->scope) &&
	    !(rt->alt_scope && gr_api_has_scope(rq->scopes, rt->alt_scope))) {
		fail(&q, 403, "insufficient_scope", "Insufficient scope, expected any of: %s%s%s",
		     rt->scope, rt->alt_scope ? "," : "", rt->alt_scope ? rt->alt_scope : "");
		return 0;
	}
	r = rt->fn(&q);
	json_decref(q.body);
	if (!reply->body && reply->status != 204)
		fail(&q, 503, NULL, "out of memory");
	return r < 0 ? r : 0;
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/names.h"
#include "resolve/facts.h"
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

/* The id of list item V ({"id": ...}), "" when it has none. */
static const char *item_id(const json_t *v)
{
	const char *id = json_string_value(json_object_get(v, "id"));

	return id ? id : "";
}

static int answer_cursor(struct req *q, json_t *items, const char *key)
{
	const struct gr_api_request *rq = q->rq;
	long take = GR_API_DEFAULT_TAKE;
	size_t total = json_array_size(items), i;
	json_t *out, *arr = json_array();

	if (rq->page || rq->per_page || rq->include_totals ||
	    (rq->take && (take = parse_count(rq->take, GR_API_MAX_PER_PAGE)) < 1)) {
		json_decref(items);
		json_decref(arr);
		return fail(q, 400, "invalid_query_string",
			    "Query validation error: 'take' must be a number from 1 to %d, and "
			    "from/take do not mix with page, per_page or include_totals",
			    GR_API_MAX_PER_PAGE);
	}
	for (i = 0; rq->from && i < total && strcmp(item_id(json_array_get(items, i)), rq->from) < 0;
	     i++)
		;
	for (; arr && i < total && json_array_size(arr) < (size_t)take; i++)
		json_array_append(arr, json_array_get(items, i));
	out = arr ? json_pack("{s:o}", key, arr) : NULL;
	if (out && i < total)
		json_object_set_new(out, "next", json_string(item_id(json_array_get(items, i))));
	json_decref(items);
	if (!out)
		return fail(q, 503, NULL, "out of memory");
	ok(q, 200, out);
	return 0;
}

/*
 * Answer ITEMS (taken) as Auth0 pages them: the whole array when no page
 * was asked for, else page (from 0) of per_page; include_totals wraps it in
 * {KEY: [...], "start", "limit", "total"}.  With CURSOR (lists whose items
 * have string ids, in the order of those ids), from/take page instead:
 * {KEY: [up to take items whose id is from or after], "next": the id after
 * them, absent at the end}.
 */
static int answer_page(struct req *q, json_t *items, const char *key, bool cursor)
{
	const struct gr_api_request *rq = q->rq;
	size_t total = json_array_size(items), start = 0, limit = total, i;
	bool totals = rq->include_totals && !strcmp(rq->include_totals, "true");
	long page = 0, per_page = GR_API_MAX_PER_PAGE;
	json_t *out;

	if (cursor && (rq->from || rq->take))
		return answer_cursor(q, items, key);
	if (rq->from || rq->take) {
		json_decref(items);
		return fail(q, 400, "invalid_query_string",
			    "Query validation error: 'from' and 'take' are not accepted here");
	}
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
	return answer_page(q, arr, "roles", false);
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

/* ---- groups ---- */

/* Auth0's group: {"id": "DIR:GID", "name", "external_id" when set, "connection_id": DIR}. */
static json_t *group_json(const char *dir, const char *gid, const json_t *g)
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

static int id_cmp(const void *a, const void *b)
{
	return strcmp(item_id(*(json_t *const *)a), item_id(*(json_t *const *)b));
}

/* ARR (taken) sorted by "id", the order lists are paged in; NULL when out of memory. */
static json_t *sorted_by_id(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	json_t **v = malloc((n ? n : 1) * sizeof(*v)), *out = json_array();

	if (!v || !out) {
		free(v);
		json_decref(out);
		json_decref(arr);
		return NULL;
	}
	for (i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	qsort(v, n, sizeof(*v), id_cmp);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(arr);
	return out;
}

/*
 * Rows [{"directory", "id"}] (taken) as Auth0 groups (each read from the
 * store; a group gone since is left out), sorted by id, and answered as a
 * page of KEY.
 */
static int answer_groups(struct req *q, json_t *rows, bool cursor)
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
		json_array_append_new(arr, group_json(dir, gid, g));
		json_decref(g);
	}
	json_decref(rows);
	if (r < 0) {
		json_decref(arr);
		return store_fail(q, r, &err);
	}
	if (!arr || !(arr = sorted_by_id(arr)))
		return fail(q, 503, NULL, "out of memory");
	return answer_page(q, arr, "groups", cursor);
}

/*
 * The group of API id ID into REF (and its record into *G when G is not
 * NULL); 1, 0 when answered (404), negative on store failure.
 */
static int lookup_group(struct req *q, const char *id, struct gr_ref *ref, json_t **g)
{
	struct gr_err err = { 0 };
	json_t *rec = NULL;
	int r;

	if (gr_api_group_id(id, ref) < 0)
		return fail(q, 404, "inexistent_group",
			    "The group '%.100s' does not exist (a group id is DIRECTORY:ID).", id);
	r = gr_group_get(q->st, ref->dir, ref->id, &rec, &err);
	if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
		return fail(q, 404, "inexistent_group", "The group '%.100s' does not exist.", id);
	if (r < 0)
		return store_fail(q, r, &err);
	if (g)
		*g = rec;
	else
		json_decref(rec);
	return 1;
}

static int groups_list(struct req *q)
{
	const struct gr_api_request *rq = q->rq;
	const char *dir = rq->connection_id;
	struct gr_err err = { 0 };
	json_t *rows = NULL, *keep, *row;
	size_t i;
	int r;

	if (dir && !gr_valid_slug(dir))
		return answer_page(q, json_array(), "groups", true); /* no such connection */
	r = gr_group_list(q->st, dir, &rows, &err);
	if (r == -GR_E_NOTFOUND && dir)
		return answer_page(q, json_array(), "groups", true);
	if (r < 0)
		return store_fail(q, r, &err);
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
		return fail(q, 503, NULL, "out of memory");
	return answer_groups(q, keep, true);
}

static int group_get(struct req *q)
{
	struct gr_ref ref;
	json_t *g = NULL;
	int r = lookup_group(q, q->id, &ref, &g);

	if (r > 0)
		ok(q, 200, group_json(ref.dir, ref.id, g));
	json_decref(g);
	return r < 0 ? r : 0;
}

/* Auth0's member: {"id": "DIR:UID", "member_type": "user", "type": "connection", "connection_id"}. */
static int answer_members(struct req *q, const char *dir, const json_t *uids, const char *key)
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
	if (!arr || !(arr = sorted_by_id(arr)))
		return fail(q, 503, NULL, "out of memory");
	return answer_page(q, arr, key, true);
}

static int group_members(struct req *q)
{
	struct gr_err err = { 0 };
	struct gr_ref ref;
	json_t *uids = NULL;
	int r = lookup_group(q, q->id, &ref, NULL);

	if (r <= 0)
		return r;
	if ((r = gr_group_members(q->st, ref.dir, ref.id, &uids, &err)) < 0)
		return store_fail(q, r, &err);
	r = answer_members(q, ref.dir, uids, "members");
	json_decref(uids);
	return r;
}

/* ---- group roles, and the reverse: a role's groups ---- */

/* The path's group into REF, and its mapped slugs; 1, 0 when answered, negative on failure. */
static int find_group(struct req *q, struct gr_ref *ref, json_t **mapped)
{
	struct gr_err err = { 0 };
	int r;

	*mapped = NULL;
	if ((r = lookup_group(q, q->id, ref, NULL)) <= 0)
		return r;
	if ((r = gr_group_roles_get(q->st, NULL, ref->dir, ref->id, mapped, &err)) < 0)
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
	return answer_page(q, arr, "roles", false);
}

static int role_groups_list(struct req *q)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	json_t *rows = NULL;
	int r = find_role(q, &role);

	if (r <= 0)
		return r;
	if ((r = gr_role_groups(q->st, role.slug, &rows, &err)) < 0)
		return store_fail(q, r, &err);
	return answer_groups(q, rows, false);
}

/*
 * The body's KEY: an array of 1..MAX strings into OUT (borrowed from the
 * body) and *N; 1 when usable, 0 when answered.
 */
static int body_list(struct req *q, const char *key, const char **out, size_t max, size_t *n)
{
	const char *const fields[] = { key, NULL };
	json_t *list, *s;
	size_t i;

	if (!parse_body(q, fields))
		return 0;
	list = json_object_get(q->body, key);
	if (!json_is_array(list))
		return fail(q, 400, "invalid_body", list
			    ? "Payload validation error: 'Expected type array but found another type' on property %s."
			    : "Payload validation error: 'Missing required property: %s'.", key);
	*n = json_array_size(list);
	if (*n == 0 || *n > max)
		return fail(q, 400, "invalid_body",
			    "Payload validation error: '%s' must name 1 to %zu %s.", key, max,
			    !strcmp(key, "roles") ? "roles (the limit of roles per group)" : key);
	json_array_foreach(list, i, s) {
		if (!json_is_string(s))
			return fail(q, 400, "invalid_body",
				    "Payload validation error: 'Expected type string' on %s[%zu].", key, i);
		out[i] = json_string_value(s);
	}
	return 1;
}

/* Check every role of SLUGS; 1, 0 when answered (404), negative on store failure. */
static int check_roles(struct req *q, const char *const *slugs, size_t n)
{
	struct gr_err err = { 0 };
	struct gr_role role;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = gr_role_get(q->st, slugs[i], &role, &err);
		if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
			return fail(q, 404, "inexistent_role", "The role '%.100s' does not exist.",
				    slugs[i]);
		if (r < 0)
			return store_fail(q, r, &err);
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
static int mappings_change(struct req *q, const char *const *gids, size_t ng,
			   const char *const *slugs, size_t ns, bool add, bool roles_first)
{
	struct gr_ref *refs = calloc(ng, sizeof(*refs));
	struct gr_err err = { 0 };
	json_t *mapped;
	bool change = false;
	size_t i, j;
	int r;

	if (!refs)
		return fail(q, 503, NULL, "out of memory");
	if ((r = gr_store_begin(q->st, &err)) < 0) {
		free(refs);
		return store_fail(q, r, &err);
	}
	if (roles_first && (r = check_roles(q, slugs, ns)) <= 0)
		goto cancel;
	for (i = 0; i < ng; i++)
		if ((r = lookup_group(q, gids[i], &refs[i], NULL)) <= 0)
			goto cancel;
	if (!roles_first && (r = check_roles(q, slugs, ns)) <= 0)
		goto cancel;
	for (i = 0; i < ng && !change; i++) {
		r = gr_group_roles_get(q->st, NULL, refs[i].dir, refs[i].id, &mapped, &err);
		if (r < 0) {
			r = store_fail(q, r, &err);
			goto cancel;
		}
		for (j = 0; j < ns; j++)
			if (gr_json_array_has(mapped, slugs[j]) != add)
				change = true;
		json_decref(mapped);
	}
	r = 0;
	for (i = 0; change && i < ng && r >= 0; i++)
		r = gr_group_roles_change(q->st, NULL, refs[i].dir, refs[i].id, slugs, ns, add, &err);
	free(refs);
	if (!change) {
		gr_store_cancel(q->st);
	} else if ((r = finish(q, r, &err)) <= 0) {
		return r;
	}
	ok(q, 204, NULL);
	return 0;
cancel:
	free(refs);
	gr_store_cancel(q->st);
	return r < 0 ? r : 0;
}

static int group_roles_change(struct req *q, bool add)
{
	const char *slugs[GR_API_MAX_ROLES_PER_REQUEST];
	const char *gid = q->id;
	size_t n;

	if (!body_list(q, "roles", slugs, GR_API_MAX_ROLES_PER_REQUEST, &n))
		return 0;
	return mappings_change(q, &gid, 1, slugs, n, add, false);
}

static int role_groups_change(struct req *q, bool add)
{
	const char *gids[GR_API_MAX_GROUPS_PER_REQUEST];
	const char *slug = q->id;
	size_t n;

	if (!body_list(q, "groups", gids, GR_API_MAX_GROUPS_PER_REQUEST, &n))
		return 0;
	return mappings_change(q, gids, n, &slug, 1, add, true);
}

static int group_roles_add(struct req *q) { return group_roles_change(q, true); }
static int group_roles_remove(struct req *q) { return group_roles_change(q, false); }
static int role_groups_add(struct req *q) { return role_groups_change(q, true); }
static int role_groups_remove(struct req *q) { return role_groups_change(q, false); }

/* ---- users ---- */

/* The path's user into REF and its record into *U; 1, 0 when answered (404), negative on failure. */
static int find_user(struct req *q, struct gr_ref *ref, json_t **u)
{
	struct gr_err err = { 0 };
	int r;

	*u = NULL;
	if (gr_api_group_id(q->id, ref) < 0)
		return fail(q, 404, "inexistent_user",
			    "The user does not exist (a user id is DIRECTORY:ID).");
	r = gr_user_get(q->st, ref->dir, ref->id, u, &err);
	if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
		return fail(q, 404, "inexistent_user", "The user does not exist.");
	if (r < 0)
		return store_fail(q, r, &err);
	return 1;
}

static int user_groups(struct req *q)
{
	struct gr_ref ref;
	json_t *u, *rows, *s;
	size_t i;
	int r = find_user(q, &ref, &u);

	if (r <= 0)
		return r;
	rows = json_array();
	json_array_foreach(json_object_get(u, "groups"), i, s)
		if (json_is_string(s))
			json_array_append_new(rows, json_pack("{s:s,s:O}", "directory", ref.dir,
							      "id", s));
	json_decref(u);
	if (!rows)
		return fail(q, 503, NULL, "out of memory");
	return answer_groups(q, rows, true);
}

/*
 * The roles this host grants the user, as grouprolectl user show resolves
 * them: each an Auth0 role with its "sources" (gr_provenance_json), in slug
 * order.
 */
static int user_effective_roles(struct req *q)
{
	struct gr_err err = { 0 };
	struct gr_context *ctx = NULL;
	struct gr_facts *f = NULL;
	struct gr_resolution res;
	const struct gr_role *catalog;
	struct gr_ref ref;
	json_t *u, *arr;
	size_t i, j, n_catalog = 0;
	int r = find_user(q, &ref, &u);

	if (r <= 0)
		return r;
	json_decref(u);
	memset(&res, 0, sizeof(res));
	if ((r = gr_context_load(q->st, &ctx, &err)) < 0 ||
	    (r = gr_facts_load(q->st, ctx, ref.dir, ref.id, &f, &err)) < 0) {
		gr_context_free(ctx);
		return r == -GR_E_NOTFOUND ? fail(q, 404, "inexistent_user", "The user does not exist.")
					   : store_fail(q, r, &err);
	}
	if (gr_resolve(gr_facts_input(f), &res) < 0) {
		gr_facts_free(f);
		gr_context_free(ctx);
		return fail(q, 503, NULL, "out of memory");
	}
	catalog = gr_context_roles(ctx, &n_catalog);
	arr = json_array();
	for (i = 0; arr && i < res.n_roles; i++) {
		long idx = gr_context_role_index(ctx, res.roles[i].slug);
		json_t *role, *sources = json_array();

		if (idx < 0 || (size_t)idx >= n_catalog) {
			json_decref(sources);
			continue; /* resolution keeps catalog roles only */
		}
		role = role_json(&catalog[idx]);
		for (j = 0; j < res.roles[i].n_prov; j++)
			json_array_append_new(sources, gr_provenance_json(&res.roles[i].prov[j]));
		json_object_set_new(role, "sources", sources);
		json_array_append_new(arr, role);
	}
	gr_resolution_free(&res);
	gr_facts_free(f);
	gr_context_free(ctx);
	if (!arr)
		return fail(q, 503, NULL, "out of memory");
	return answer_page(q, arr, "roles", false);
}

/* ---- dispatch ---- */

enum path_kind {
	P_ROLES, P_ROLE, P_ROLE_GROUPS, P_GROUPS, P_GROUP, P_GROUP_ROLES, P_GROUP_MEMBERS,
	P_USER_GROUPS, P_USER_ROLES,
};

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
	{ P_ROLE_GROUPS, "GET", "read:group_roles", NULL, role_groups_list },
	{ P_ROLE_GROUPS, "POST", "create:group_roles", "update:groups", role_groups_add },
	{ P_ROLE_GROUPS, "DELETE", "delete:group_roles", "update:groups", role_groups_remove },
	{ P_GROUPS, "GET", "read:groups", NULL, groups_list },
	{ P_GROUP, "GET", "read:groups", NULL, group_get },
	{ P_GROUP_ROLES, "GET", "read:group_roles", NULL, group_roles_list },
	{ P_GROUP_ROLES, "POST", "create:group_roles", "update:groups", group_roles_add },
	{ P_GROUP_ROLES, "DELETE", "delete:group_roles", "update:groups", group_roles_remove },
	{ P_GROUP_MEMBERS, "GET", "read:group_members", NULL, group_members },
	{ P_USER_GROUPS, "GET", "read:users", NULL, user_groups },
	{ P_USER_ROLES, "GET", "read:users", NULL, user_effective_roles },
};

static const char *const allow[] = {
	[P_ROLES] = "GET, POST",
	[P_ROLE] = "GET, PATCH, DELETE",
	[P_ROLE_GROUPS] = "GET, POST, DELETE",
	[P_GROUPS] = "GET",
	[P_GROUP] = "GET",
	[P_GROUP_ROLES] = "GET, POST, DELETE",
	[P_GROUP_MEMBERS] = "GET",
	[P_USER_GROUPS] = "GET",
	[P_USER_ROLES] = "GET",
};

/*
 * Which endpoint PATH is ("COLLECTION", "COLLECTION/{id}" or
 * "COLLECTION/{id}/SUB"), with its {id} copied into ID (LEN bytes); -1 for none.
 */
static int classify(const char *path, char *id, size_t len)
{
	static const struct {
		const char *collection, *sub; /* sub: NULL for the item, "" for the collection */
		enum path_kind kind;
	} paths[] = {
		{ "roles", "", P_ROLES },          { "roles", NULL, P_ROLE },
		{ "roles", "groups", P_ROLE_GROUPS }, { "groups", "", P_GROUPS },
		{ "groups", NULL, P_GROUP },       { "groups", "roles", P_GROUP_ROLES },
		{ "groups", "members", P_GROUP_MEMBERS }, { "users", "groups", P_USER_GROUPS },
		{ "users", "effective-roles", P_USER_ROLES },
	};
	const char *slash = strchr(path, '/'), *p, *sub;
	size_t cl = slash ? (size_t)(slash - path) : strlen(path), n, i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (strlen(paths[i].collection) != cl || strncmp(path, paths[i].collection, cl))
			continue;
		if (!slash) {
			if (paths[i].sub && !paths[i].sub[0])
				return paths[i].kind;
			continue;
		}
		if (paths[i].sub && !paths[i].sub[0])
			continue;
		p = slash + 1;
		sub = strchr(p, '/');
		n = sub ? (size_t)(sub - p) : strlen(p);
		if (n == 0 || n >= len)
			return -1;
		if (sub ? !paths[i].sub || strcmp(sub + 1, paths[i].sub) : paths[i].sub != NULL)
			continue;
		memcpy(id, p, n);
		id[n] = '\0';
		return paths[i].kind;
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

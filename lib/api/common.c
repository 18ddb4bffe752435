/* SPDX-License-Identifier: MIT */
/* What every Management API handler shares: errors, paging, bodies, commits. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_priv.h"
#include "core/names.h"

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

/* Answer STATUS with an error; returns 0 so handlers can "return gr_api_fail(...)". */
int gr_api_fail(struct gr_api_call *q, unsigned status, const char *code, const char *fmt,
		...)
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
int gr_api_store_fail(struct gr_api_call *q, int r, const struct gr_err *err)
{
	switch (r) {
	case -GR_E_NOTFOUND:
		return gr_api_fail(q, 404, "inexistent_resource", "%s", gr_err_msg(err));
	case -GR_E_INVALID:
		return gr_api_fail(q, 400, "invalid_body", "%s", gr_err_msg(err));
	case -GR_E_LIMIT:
		return gr_api_fail(q, 400, "limit_exceeded", "%s", gr_err_msg(err));
	case -GR_E_CONFLICT:
	case -GR_E_RESERVED:
	case -GR_E_EXHAUSTED:
	case -GR_E_REFUSED:
		return gr_api_fail(q, 409, "conflict", "%s", gr_err_msg(err));
	case -GR_E_UNAVAILABLE:
		/* store = ldap: no provider took the change; nothing was written, a retry may work. */
		gr_api_fail(q, 503, NULL, "%s", gr_err_msg(err));
		return r;
	default:
		gr_api_fail(q, 503, NULL, "the store is unavailable, retry later");
		return r;
	}
}

void gr_api_ok(struct gr_api_call *q, unsigned status, json_t *body)
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

static int answer_cursor(struct gr_api_call *q, json_t *items, const char *key)
{
	const struct gr_api_request *rq = q->rq;
	long take = GR_API_DEFAULT_TAKE;
	size_t total = json_array_size(items), i;
	json_t *out, *arr = json_array();

	if (rq->page || rq->per_page || rq->include_totals ||
	    (rq->take && (take = parse_count(rq->take, GR_API_MAX_PER_PAGE)) < 1)) {
		json_decref(items);
		json_decref(arr);
		return gr_api_fail(q, 400, "invalid_query_string",
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
		return gr_api_fail(q, 503, NULL, "out of memory");
	gr_api_ok(q, 200, out);
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
int gr_api_answer_page(struct gr_api_call *q, json_t *items, const char *key, bool cursor)
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
		return gr_api_fail(q, 400, "invalid_query_string",
			    "Query validation error: 'from' and 'take' are not accepted here");
	}
	if (rq->include_totals && !totals && strcmp(rq->include_totals, "false")) {
		json_decref(items);
		return gr_api_fail(q, 400, "invalid_query_string",
			    "Query validation error: 'include_totals' must be true or false");
	}
	if ((rq->page && (page = parse_count(rq->page, 1000000)) < 0) ||
	    (rq->per_page && ((per_page = parse_count(rq->per_page, GR_API_MAX_PER_PAGE)) < 1))) {
		json_decref(items);
		return gr_api_fail(q, 400, "invalid_query_string",
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
		return gr_api_fail(q, 503, NULL, "out of memory");
	gr_api_ok(q, 200, out);
	return 0;
}

/* ---- bodies ---- */

/*
 * Parse the body as a JSON object whose members are all among ALLOWED
 * (NULL-terminated).  Returns 1 when q->body holds it, 0 when answered.
 */
int gr_api_parse_body(struct gr_api_call *q, const char *const *allowed)
{
	json_error_t jerr;
	const char *key;
	json_t *v;
	size_t i;

	q->body = json_loadb(q->rq->body ? q->rq->body : "", q->rq->len,
			     JSON_REJECT_DUPLICATES, &jerr);
	if (!q->body)
		return gr_api_fail(q, 400, "invalid_body", "Invalid request payload JSON format: %s",
			    jerr.text);
	if (!json_is_object(q->body))
		return gr_api_fail(q, 400, "invalid_body",
			    "Payload validation error: 'Expected type object but found another type'.");
	json_object_foreach(q->body, key, v) {
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i])
			return gr_api_fail(q, 400, "invalid_body",
				    "Payload validation error: 'Additional properties not allowed: %.100s'.",
				    key);
	}
	return 1;
}

/*
 * Member NAME of the body as a string of 1..MAX bytes, copied into OUT
 * (MAX + 1 bytes); *OUT untouched when absent.  1 when usable, 0 when answered.
 */
int gr_api_body_string(struct gr_api_call *q, const char *name, char *out, size_t max,
		       bool empty_ok)
{
	json_t *v = json_object_get(q->body, name);
	size_t n;

	if (!v)
		return 1;
	if (!json_is_string(v))
		return gr_api_fail(q, 400, "invalid_body",
			    "Payload validation error: 'Expected type string' on property %s.", name);
	n = json_string_length(v);
	if ((n == 0 && !empty_ok) || n > max || strlen(json_string_value(v)) != n)
		return gr_api_fail(q, 400, "invalid_body",
			    "Payload validation error: '%s' must be %s%zu bytes or fewer, without NUL.",
			    name, empty_ok ? "" : "1 to ", max);
	memcpy(out, json_string_value(v), n + 1);
	return 1;
}

json_t *gr_api_role_json(const struct gr_role *r)
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
int gr_api_finish(struct gr_api_call *q, int r, const struct gr_err *werr)
{
	struct gr_err err = { 0 };

	if (r < 0) {
		gr_store_cancel(q->st);
		return gr_api_store_fail(q, r, werr);
	}
	r = gr_store_commit(q->st, &err);
	if (r == -GR_E_UNSYNCED) {
		q->reply->changed = true;
		gr_api_fail(q, 503, NULL, "the change was applied but the disk did not confirm it; "
				   "read it back before retrying");
		return r;
	}
	if (r < 0)
		return gr_api_store_fail(q, r, &err);
	q->reply->changed = true;
	return 1;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(item_id(*(json_t *const *)a), item_id(*(json_t *const *)b));
}

/* ARR (taken) sorted by "id", the order lists are paged in; NULL when out of memory. */
json_t *gr_api_sorted_by_id(json_t *arr)
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
 * The body's KEY: an array of 1..MAX strings into OUT (borrowed from the
 * body) and *N; 1 when usable, 0 when answered.
 */
int gr_api_body_list(struct gr_api_call *q, const char *key, const char **out, size_t max,
		     size_t *n)
{
	const char *const fields[] = { key, NULL };
	json_t *list, *s;
	size_t i;

	if (!gr_api_parse_body(q, fields))
		return 0;
	list = json_object_get(q->body, key);
	if (!json_is_array(list))
		return gr_api_fail(q, 400, "invalid_body", list
			    ? "Payload validation error: 'Expected type array but found another type' on property %s."
			    : "Payload validation error: 'Missing required property: %s'.", key);
	*n = json_array_size(list);
	if (*n == 0 || *n > max)
		return gr_api_fail(q, 400, "invalid_body",
			    "Payload validation error: '%s' must name 1 to %zu %s.", key, max,
			    !strcmp(key, "roles") ? "roles (the limit of roles per group)" : key);
	json_array_foreach(list, i, s) {
		if (!json_is_string(s))
			return gr_api_fail(q, 400, "invalid_body",
				    "Payload validation error: 'Expected type string' on %s[%zu].", key, i);
		out[i] = json_string_value(s);
	}
	return 1;
}


/* SPDX-License-Identifier: MIT */
/*
 * SCIM request semantics for Users and Groups (RFC 7644 section 3): create,
 * read, list with filter and paging, replace, patch, delete, on top of the
 * store's record operations.  Discovery documents are in discovery.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/escape.h"
#include "core/names.h"
#include "scim/discovery.h"
#include "scim/filter.h"
#include "scim/resource.h"
#include "scim/scim.h"
#include "scim/service.h"
#include "store/records.h"

struct req {
	struct gr_scim_service *svc;
	const struct gr_scim_query *q;
	struct gr_scim_reply *reply;
	bool is_group;
};

void gr_scim_list_cache_clear(struct gr_scim_list_cache *c)
{
	json_decref(c->ids);
	memset(c, 0, sizeof(*c));
}

json_t *gr_scim_error_body(unsigned status, const char *scim_type, const char *detail)
{
	char st[8];
	json_t *e;

	snprintf(st, sizeof(st), "%u", status);
	e = json_pack("{s:[s], s:s, s:s}", "schemas", GR_SCIM_ERROR_URN, "status", st, "detail",
		      detail ? detail : "");
	if (e && scim_type)
		json_object_set_new(e, "scimType", json_string(scim_type));
	return e;
}

void gr_scim_reply_clear(struct gr_scim_reply *reply)
{
	json_decref(reply->body);
	memset(reply, 0, sizeof(*reply));
}

static int reply_error(struct req *rq, unsigned status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int reply_error(struct req *rq, unsigned status, const char *type, const char *fmt, ...)
{
	char detail[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_decref(rq->reply->body);
	rq->reply->body = gr_scim_error_body(status, type, detail);
	rq->reply->status = status;
	rq->reply->etag[0] = rq->reply->location[0] = '\0';
	return 0;
}

/* A store error as the client sees it: the sentence for what it caused, a bare 500 otherwise. */
static int reply_store_error(struct req *rq, int code, const struct gr_err *err)
{
	switch (code) {
	case -GR_E_CONFLICT:
		return reply_error(rq, 409, "uniqueness", "%s", gr_err_msg(err));
	case -GR_E_INVALID:
	case -GR_E_RESERVED:
		return reply_error(rq, 400, "invalidValue", "%s", gr_err_msg(err));
	case -GR_E_NOTFOUND:
		return reply_error(rq, 404, NULL, "%s", gr_err_msg(err));
	case -GR_E_EXHAUSTED:
		/* users = yes and the uid range is used up: the admin must act, a retry will not do. */
		return reply_error(rq, 409, NULL, "%s", gr_err_msg(err));
	case -GR_E_UNAVAILABLE:
		/* store = ldap: no provider took the change; nothing was written, a retry may work. */
		reply_error(rq, 503, NULL, "%s", gr_err_msg(err));
		return code;
	default:
		reply_error(rq, 500, NULL, "the directory could not be read or written");
		return code;
	}
}

static const char *kind_name(const struct req *rq) { return rq->is_group ? "Groups" : "Users"; }

static void set_location(struct req *rq, const char *id)
{
	snprintf(rq->reply->location, sizeof(rq->reply->location), "%s/%s/%s", rq->svc->base,
		 kind_name(rq), id);
}

/* ---- rendering ---- */

/* The user's groups as SCIM "groups" values (read-only, computed). */
static int user_groups(struct req *rq, const char *id, json_t *out)
{
	json_t *u = NULL, *g, *arr = json_array();
	struct gr_err err;
	size_t i;
	int r;

	if (!arr)
		return -ENOMEM;
	r = gr_user_get(rq->svc->st, rq->svc->dir, id, &u, &err);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	json_array_foreach(json_object_get(u, "groups"), i, g) {
		const char *gid = json_string_value(g);
		json_t *grp = NULL, *v;
		char ref[1200];

		if (!gid || gr_group_get(rq->svc->st, rq->svc->dir, gid, &grp, &err) < 0)
			continue;
		snprintf(ref, sizeof(ref), "%s/Groups/%s", rq->svc->base, gid);
		v = json_pack("{s:s, s:s, s:s, s:s}", "value", gid, "$ref", ref, "display",
			      gr_scim_str(grp, "displayName") ? gr_scim_str(grp, "displayName") : "",
			      "type", "direct");
		json_decref(grp);
		if (v)
			json_array_append_new(arr, v);
	}
	json_decref(u);
	if (json_array_size(arr))
		json_object_set_new(out, "groups", arr);
	else
		json_decref(arr);
	return 0;
}

static void finish_meta(struct req *rq, json_t *res, const char *id)
{
	json_t *meta = gr_scim_get(res, "meta");
	char loc[1200];

	if (!json_is_object(meta))
		return;
	snprintf(loc, sizeof(loc), "%s/%s/%s", rq->svc->base, kind_name(rq), id);
	json_object_set_new(meta, "location", json_string(loc));
}

/*
 * The resource ID as GET returns it (new reference in *OUT), before
 * projection.  WITH_MEMBERS: a group's members (a 50,000-member list is not
 * built for a client that excluded it).
 */
static int render(struct req *rq, const char *id, bool with_members, json_t **out)
{
	struct gr_scim_service *svc = rq->svc;
	json_t *res = NULL, *members = NULL, *arr, *m;
	struct gr_err err;
	size_t i;
	int r;

	*out = NULL;
	if (!rq->is_group) {
		r = gr_user_get_scim(svc->st, svc->dir, id, &res, &err);
		if (r < 0)
			return r;
		json_object_del(res, "password");
		r = user_groups(rq, id, res);
		if (r < 0) {
			json_decref(res);
			return r;
		}
	} else {
		r = gr_group_get(svc->st, svc->dir, id, &res, &err);
		if (r < 0)
			return r;
		if (!json_object_get(res, "schemas"))
			json_object_set_new(res, "schemas", json_pack("[s]", GR_SCIM_GROUP_URN));
		if (with_members) {
			r = gr_group_members(svc->st, svc->dir, id, &members, &err);
			arr = json_array();
			if (r < 0 || !arr) {
				json_decref(arr);
				json_decref(res);
				return r < 0 ? r : -ENOMEM;
			}
			json_array_foreach(members, i, m) {
				char ref[1200];

				if (!json_is_string(m))
					continue;
				snprintf(ref, sizeof(ref), "%s/Users/%s", svc->base, json_string_value(m));
				json_array_append_new(arr, json_pack("{s:O, s:s, s:s}", "value", m, "$ref",
								     ref, "type", "User"));
			}
			json_decref(members);
			json_object_set_new(res, "members", arr);
		}
	}
	finish_meta(rq, res, id);
	*out = res;
	return 0;
}

static bool members_wanted(const struct gr_scim_query *q)
{
	if (q->attributes && *q->attributes)
		return gr_scim_list_names(q->attributes, "members");
	return !(q->excluded_attributes && gr_scim_list_names(q->excluded_attributes, "members"));
}

/* Reply with resource ID (STATUS 200 or 201), projected as the query asks. */
static int reply_resource(struct req *rq, const char *id, unsigned status)
{
	json_t *res = NULL;
	const char *etag;
	struct gr_err err = { 0 };
	int r = render(rq, id, !rq->is_group || members_wanted(rq->q), &res);

	if (r < 0)
		return reply_store_error(rq, r, &err);
	if (gr_scim_project(res, rq->q->attributes, rq->q->excluded_attributes) < 0) {
		json_decref(res);
		return reply_error(rq, 400, "invalidValue", "attributes or excludedAttributes do not parse");
	}
	etag = gr_scim_etag(res);
	snprintf(rq->reply->etag, sizeof(rq->reply->etag), "%s", etag ? etag : "");
	rq->reply->status = status;
	rq->reply->body = res;
	if (status == 201)
		set_location(rq, id);
	return 0;
}

/* ---- list ---- */

struct walk {
	struct req *rq;
	const struct gr_scim_filter *f;
	bool need_render; /* the filter reads computed attributes (groups, members) */
	json_t *ids;
	size_t prefix_len;
};

static int walk_one(const char *key, const unsigned char *val, size_t len, void *vctx)
{
	struct walk *w = vctx;
	const char *id = key + w->prefix_len;
	json_error_t jerr;
	json_t *res;
	bool hit;

	if (!w->f)
		return json_array_append_new(w->ids, json_string(id)) ? -ENOMEM : 0;
	if (w->need_render) {
		/* Computed attributes are read after the walk (no store reads inside one). */
		return json_array_append_new(w->ids, json_string(id)) ? -ENOMEM : 0;
	}
	res = json_loadb((const char *)val, len, 0, &jerr);
	if (!res)
		return -GR_E_CORRUPT;
	hit = gr_scim_filter_match(w->f, res, NULL);
	json_decref(res);
	return hit && json_array_append_new(w->ids, json_string(id)) ? -ENOMEM : 0;
}

static bool filter_mentions(const struct gr_scim_filter *f, const char *attr)
{
	if (!f)
		return false;
	if (f->path.attr && !f->path.uri && !strcasecmp(f->path.attr, attr))
		return true;
	return filter_mentions(f->a, attr) || filter_mentions(f->b, attr);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * A paging number: DEF when absent, -1 when it is not a number.  RFC 7644
 * 3.4.2.4 makes a negative count 0 and a startIndex below 1 be 1: clamped
 * to 0 here, and startIndex to 1 by the caller.
 */
static long paging(const char *s, long def)
{
	char *end;
	long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE && end != s && !*end)
		return v < 0 ? 0 : LONG_MAX;
	if (errno || *end || end == s)
		return -1;
	return v < 0 ? 0 : v;
}

/*
 * Candidate ids for F without a walk: "userName eq" / "displayName eq" use
 * the name index, "id eq" the key itself.  Returns 1 when F was answered so.
 */
static int indexed(struct req *rq, const struct gr_scim_filter *f, json_t *ids)
{
	struct gr_scim_service *svc = rq->svc;
	char key[GR_KEY_MAX], lower[2048], owner[256];
	const char *v;

	if (!f || f->op != GR_SCIM_F_EQ || f->path.sub || !json_is_string(f->value) ||
	    (f->path.uri && strcasecmp(f->path.uri, rq->is_group ? GR_SCIM_GROUP_URN
								  : GR_SCIM_USER_URN)))
		return 0;
	v = json_string_value(f->value);
	if (!strcasecmp(f->path.attr, rq->is_group ? "displayName" : "userName")) {
		if (gr_lowercase(v, lower, sizeof(lower)) < 0 ||
		    gr_key(key, sizeof(key), "%s/%s/%s", rq->is_group ? "gname" : "uname", svc->dir,
			   lower) < 0)
			return 1; /* too long to exist */
		if (gr_store_get_str(svc->st, key, owner, sizeof(owner), NULL) == 0)
			json_array_append_new(ids, json_string(owner));
		return 1;
	}
	if (!strcasecmp(f->path.attr, "id")) {
		if (gr_valid_id(v) &&
		    gr_key(key, sizeof(key), "%s/%s/%s", rq->is_group ? "group" : "scim", svc->dir,
			   v) == 0 &&
		    gr_store_exists(svc->st, key))
			json_array_append_new(ids, json_string(v));
		return 1;
	}
	return 0;
}

static int list(struct req *rq)
{
	struct gr_scim_service *svc = rq->svc;
	const struct gr_scim_query *q = rq->q;
	struct gr_scim_filter *f = NULL;
	struct gr_err err = { 0 };
	json_t *ids = json_array(), *page = NULL, *list_body;
	const char **sorted = NULL;
	long start = paging(q->start_index, 1), count = paging(q->count, (long)svc->max_results);
	char prefix[GR_KEY_MAX];
	size_t i, n, first, kept = 0;
	uint64_t gen = 0;
	bool cached = false;
	int r = 0;

	if (!ids)
		return reply_error(rq, 500, NULL, "out of memory");
	if (start < 0 || count < 0) {
		json_decref(ids);
		return reply_error(rq, 400, "invalidValue", "startIndex and count must be numbers");
	}
	if (start < 1)
		start = 1; /* RFC 7644 3.4.2.4: below 1 is 1 */
	if ((size_t)count > svc->max_results)
		count = (long)svc->max_results;
	if (q->filter && gr_scim_filter_parse(q->filter, strlen(q->filter), &f, &err) < 0) {
		json_decref(ids);
		return reply_error(rq, 400, "invalidFilter", "%s", err.msg);
	}
	if (!f && svc->cache) {
		struct gr_scim_list_cache *c = &svc->cache[rq->is_group];

		if (gr_store_generation(svc->st, &gen, &err) < 0)
			gen = 0;
		if (gen && c->ids && c->generation == gen && !strcmp(c->dir, svc->dir)) {
			json_decref(ids);
			ids = json_incref(c->ids);
			cached = true;
		}
	}
	if (cached) {
		/* the ids of this generation, from the cache */
	} else if (!indexed(rq, f, ids)) {
		struct walk w = { .rq = rq, .f = f, .ids = ids,
				  .need_render = filter_mentions(f, "groups") || filter_mentions(f, "members") ||
						 filter_mentions(f, "meta") };

		gr_key(prefix, sizeof(prefix), "%s/%s/", rq->is_group ? "group" : "scim", svc->dir);
		w.prefix_len = strlen(prefix);
		r = gr_store_walk(svc->st, prefix, walk_one, &w, &err);
		if (r < 0)
			goto out;
		if (w.need_render) {
			/* Render each candidate, then filter: the computed attributes are in place. */
			json_t *hits = json_array();

			for (i = 0; hits && i < json_array_size(ids); i++) {
				json_t *res = NULL;
				const char *id = json_string_value(json_array_get(ids, i));

				if (render(rq, id, true, &res) == 0 && gr_scim_filter_match(f, res, NULL))
					json_array_append_new(hits, json_string(id));
				json_decref(res);
			}
			json_decref(ids);
			ids = hits;
			if (!ids) {
				r = -ENOMEM;
				goto out;
			}
		}
	} else if (f) {
		/* An index answered; the filter still decides (e.g. a case-exact id). */
		json_t *hits = json_array();

		for (i = 0; hits && i < json_array_size(ids); i++) {
			json_t *res = NULL;
			const char *id = json_string_value(json_array_get(ids, i));

			if (render(rq, id, filter_mentions(f, "members"), &res) == 0 &&
			    gr_scim_filter_match(f, res, NULL))
				json_array_append_new(hits, json_string(id));
			json_decref(res);
		}
		json_decref(ids);
		ids = hits;
	}
	/* A stable order: by id. */
	n = json_array_size(ids);
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	page = json_array();
	if (!sorted || !page) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		sorted[i] = json_string_value(json_array_get(ids, i));
	qsort(sorted, n, sizeof(*sorted), by_string);
	if (!f && svc->cache && !cached && gen) {
		struct gr_scim_list_cache *c = &svc->cache[rq->is_group];

		gr_scim_list_cache_clear(c);
		snprintf(c->dir, sizeof(c->dir), "%s", svc->dir);
		c->generation = gen;
		c->ids = json_incref(ids);
	}
	first = (size_t)start - 1;
	for (i = first; i < n && kept < (size_t)count; i++) {
		json_t *res = NULL;

		r = render(rq, sorted[i], !rq->is_group || members_wanted(q), &res);
		if (r == -GR_E_NOTFOUND)
			continue;
		if (r < 0)
			goto out;
		if (gr_scim_project(res, q->attributes, q->excluded_attributes) < 0) {
			json_decref(res);
			r = 0;
			reply_error(rq, 400, "invalidValue", "attributes or excludedAttributes do not parse");
			goto done;
		}
		json_array_append_new(page, res);
		kept++;
	}
	list_body = json_pack("{s:[s], s:I, s:I, s:I, s:o}", "schemas", GR_SCIM_LIST_URN,
			      "totalResults", (json_int_t)n, "startIndex", (json_int_t)start,
			      "itemsPerPage", (json_int_t)kept, "Resources", page);
	page = NULL;
	if (!list_body) {
		r = -ENOMEM;
		goto out;
	}
	rq->reply->status = 200;
	rq->reply->body = list_body;
	r = 0;
	goto done;
out:
	if (r < 0)
		r = reply_store_error(rq, r, &err);
done:
	free(sorted);
	json_decref(page);
	json_decref(ids);
	gr_scim_filter_free(f);
	return r;
}

/* ---- writes ---- */

static int parse_body(struct req *rq, const char *body, size_t len, json_t **out)
{
	json_error_t jerr;

	*out = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return reply_error(rq, 400, "invalidSyntax", "the body is not a JSON object: %s",
				   jerr.text[0] ? jerr.text : "not an object");
	}
	return 1;
}

/*
 * Make a client's resource storable: our id, no password, no read-only
 * attributes, the schema URN, booleans as booleans, meta carried over from
 * OLD (may be NULL) and bumped.
 */
static int prepare(struct req *rq, json_t *res, const char *id, const json_t *old)
{
	json_t *active = gr_scim_get(res, "active");

	gr_scim_del(res, "id");
	gr_scim_del(res, "password");
	gr_scim_del(res, "meta");
	gr_scim_del(res, "groups");
	if (json_is_string(active)) {
		const char *s = json_string_value(active);

		if (!strcasecmp(s, "true") || !strcasecmp(s, "false")) {
			bool b = !strcasecmp(s, "true");

			gr_scim_del(res, "active");
			json_object_set_new(res, "active", json_boolean(b));
		}
	}
	if (!gr_scim_get(res, "schemas"))
		json_object_set_new(res, "schemas",
				    json_pack("[s]", rq->is_group ? GR_SCIM_GROUP_URN : GR_SCIM_USER_URN));
	if (old && gr_scim_get(old, "meta"))
		json_object_set(res, "meta", gr_scim_get(old, "meta"));
	if (json_object_set_new(res, "id", json_string(id)) ||
	    gr_scim_meta_touch(res, rq->is_group ? "Group" : "User", rq->svc->now) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * Validate RES.  MAX_MEMBERS caps a Group's members in this request (POST
 * and PUT send them all; a PATCH's own cap counted what it named, so it
 * passes (size_t)-1).
 */
static int check_resource(struct req *rq, json_t *res, size_t max_members)
{
	struct gr_err err = { 0 };
	int r;

	if (rq->is_group) {
		json_t *m = gr_scim_get(res, "members");

		if (json_is_array(m) && json_array_size(m) > max_members)
			return reply_error(rq, 413, "tooMany", "more than %zu members in one request",
					   max_members);
		r = gr_scim_check_group(res, true, &err);
	} else {
		r = gr_scim_check_user(res, true, &err);
	}
	if (r < 0)
		return reply_error(rq, 400, "invalidValue", "%s", err.msg);
	return 1;
}

/*
 * The write of this request is done (R is its result): cancel on failure,
 * else commit.  A 2xx may follow only a commit that is on disk: one that
 * libtdb applied but could not confirm (GR_E_UNSYNCED) is a 503, and the
 * publisher still runs, since the change is what readers see.
 */
static int finish_write(struct req *rq, int r, const struct gr_err *werr)
{
	struct gr_err err = { 0 };

	if (r < 0) {
		gr_store_cancel(rq->svc->st);
		return reply_store_error(rq, r, werr);
	}
	r = gr_store_commit(rq->svc->st, &err);
	if (r == -GR_E_UNSYNCED) {
		rq->reply->changed = true;
		return reply_error(rq, 503, NULL, "the change was applied but the disk did not "
						  "confirm it; read it back before retrying");
	}
	if (r < 0)
		return reply_store_error(rq, r, &err);
	rq->reply->changed = true;
	return 1;
}

/* Store RES (prepared and checked) in the open transaction and commit. */
static int store_and_commit(struct req *rq, json_t *res, const char *id, unsigned status)
{
	struct gr_scim_service *svc = rq->svc;
	struct gr_err err = { 0 };
	int r;

	r = rq->is_group ? gr_group_put(svc->st, svc->dir, res, 0, &err)
		: svc->rules ? gr_user_put_rules(svc->st, svc->dir, res, NULL, svc->rules, &err)
			     : gr_user_put(svc->st, svc->dir, res, NULL, &err);
	if ((r = finish_write(rq, r, &err)) <= 0)
		return r;
	return reply_resource(rq, id, status);
}

static int get_stored(struct req *rq, const char *id, json_t **out)
{
	struct gr_err err;

	return rq->is_group ? gr_group_get(rq->svc->st, rq->svc->dir, id, out, &err)
			    : gr_user_get_scim(rq->svc->st, rq->svc->dir, id, out, &err);
}

static int create(struct req *rq, const char *body, size_t len)
{
	char id[GR_SCIM_ID_LEN + 1];
	struct gr_err err = { 0 };
	json_t *res = NULL;
	int r;

	if ((r = parse_body(rq, body, len, &res)) <= 0)
		return r;
	if (gr_scim_new_id(id) < 0 || prepare(rq, res, id, NULL) < 0) {
		json_decref(res);
		return reply_error(rq, 500, NULL, "out of memory");
	}
	if ((r = check_resource(rq, res, rq->svc->max_members)) <= 0)
		goto out;
	r = gr_store_begin(rq->svc->st, &err);
	if (r < 0) {
		r = reply_store_error(rq, r, &err);
		goto out;
	}
	r = store_and_commit(rq, res, id, 201);
out:
	json_decref(res);
	return r;
}

/* The open transaction's view of ID, and If-Match against it; 1 when the request may go on. */
static int precondition(struct req *rq, const char *id, json_t **old)
{
	struct gr_err err = { 0 };
	int r = gr_store_begin(rq->svc->st, &err);

	*old = NULL;
	if (r < 0)
		return reply_store_error(rq, r, &err);
	r = get_stored(rq, id, old);
	if (r == -GR_E_NOTFOUND) {
		gr_store_cancel(rq->svc->st);
		return reply_error(rq, 404, NULL, "no %s with id %s", rq->is_group ? "Group" : "User",
				   gr_valid_id(id) ? id : "(invalid)");
	}
	if (r < 0) {
		gr_store_cancel(rq->svc->st);
		return reply_store_error(rq, r, &err);
	}
	if (!gr_scim_if_match(rq->q->if_match, gr_scim_etag(*old))) {
		gr_store_cancel(rq->svc->st);
		json_decref(*old);
		*old = NULL;
		return reply_error(rq, 412, NULL, "If-Match does not match the current version");
	}
	return 1;
}

static int replace(struct req *rq, const char *id, const char *body, size_t len)
{
	json_t *res = NULL, *old = NULL, *sent_id;
	int r;

	if ((r = parse_body(rq, body, len, &res)) <= 0)
		return r;
	sent_id = gr_scim_get(res, "id");
	if (sent_id && (!json_is_string(sent_id) || strcmp(json_string_value(sent_id), id))) {
		json_decref(res);
		return reply_error(rq, 400, "mutability", "\"id\" is read-only");
	}
	if ((r = precondition(rq, id, &old)) <= 0)
		goto out;
	if (prepare(rq, res, id, old) < 0) {
		gr_store_cancel(rq->svc->st);
		r = reply_error(rq, 500, NULL, "out of memory");
		goto out;
	}
	if ((r = check_resource(rq, res, rq->svc->max_members)) <= 0) {
		gr_store_cancel(rq->svc->st);
		goto out;
	}
	r = store_and_commit(rq, res, id, 200);
out:
	json_decref(old);
	json_decref(res);
	return r;
}

static int patch(struct req *rq, const char *id, const char *body, size_t len)
{
	struct gr_scim_service *svc = rq->svc;
	struct gr_scim_members m = { 0 };
	enum gr_scim_patch_error kind;
	struct gr_err err = { 0 };
	json_t *ops = NULL, *old = NULL, *res = NULL;
	int r;

	if ((r = parse_body(rq, body, len, &ops)) <= 0)
		return r;
	if ((r = precondition(rq, id, &old)) <= 0)
		goto out;
	res = json_deep_copy(old);
	if (rq->is_group)
		gr_scim_members_init(&m);
	if (!res || (rq->is_group && (!m.add || !m.remove))) {
		gr_store_cancel(svc->st);
		r = reply_error(rq, 500, NULL, "out of memory");
		goto out;
	}
	r = gr_scim_patch_apply(res, ops, rq->is_group, &svc->patch, rq->is_group ? &m : NULL, &kind,
				&err);
	if (r < 0) {
		gr_store_cancel(svc->st);
		r = reply_error(rq, kind == GR_SCIM_PATCH_TOO_MANY ? 413 : 400,
				gr_scim_patch_error_type(kind), "%s", err.msg);
		goto out;
	}
	if (rq->is_group) {
		/* The new member list: current (unless replaced) - removed + added. */
		json_t *cur = NULL, *list = json_array(), *v;
		const char *k;
		size_t i;

		if (!m.replace_all && gr_group_members(svc->st, svc->dir, id, &cur, &err) < 0)
			cur = NULL;
		json_array_foreach(cur, i, v)
			if (json_is_string(v) && !json_object_get(m.remove, json_string_value(v)) &&
			    !json_object_get(m.add, json_string_value(v)))
				json_array_append_new(list, json_pack("{s:O}", "value", v));
		json_object_foreach(m.add, k, v)
			json_array_append_new(list, json_pack("{s:s}", "value", k));
		json_decref(cur);
		json_object_set_new(res, "members", list);
	}
	if (prepare(rq, res, id, old) < 0) {
		gr_store_cancel(svc->st);
		r = reply_error(rq, 500, NULL, "out of memory");
		goto out;
	}
	if ((r = check_resource(rq, res, (size_t)-1)) <= 0) {
		gr_store_cancel(svc->st);
		goto out;
	}
	r = store_and_commit(rq, res, id, 200);
out:
	if (rq->is_group)
		gr_scim_members_clear(&m);
	json_decref(res);
	json_decref(old);
	json_decref(ops);
	return r;
}

static int delete(struct req *rq, const char *id)
{
	struct gr_scim_service *svc = rq->svc;
	struct gr_err err = { 0 };
	json_t *old = NULL;
	int r;

	if ((r = precondition(rq, id, &old)) <= 0)
		return r;
	json_decref(old);
	r = rq->is_group ? gr_group_delete(svc->st, svc->dir, id, &err)
			 : gr_user_delete(svc->st, svc->dir, id, &err);
	if ((r = finish_write(rq, r, &err)) <= 0)
		return r;
	rq->reply->status = 204;
	return 0;
}

static int read_one(struct req *rq, const char *id)
{
	struct gr_err err = { 0 };
	int r = gr_store_read_lock(rq->svc->st, &err);

	if (r < 0)
		return reply_store_error(rq, r, &err);
	r = reply_resource(rq, id, 200);
	gr_store_read_unlock(rq->svc->st);
	if (rq->reply->status == 200 && rq->q->if_none_match && rq->reply->etag[0] &&
	    gr_scim_if_match(rq->q->if_none_match, rq->reply->etag)) {
		json_decref(rq->reply->body);
		rq->reply->body = NULL;
		rq->reply->status = 304;
	}
	return r;
}

static int resources(struct req *rq, const char *method, const char *id, const char *body,
		     size_t len)
{
	int r;

	if (id && !gr_valid_id(id))
		return reply_error(rq, 404, NULL, "no such resource");
	if (!id) {
		if (!strcmp(method, "GET")) {
			struct gr_err err = { 0 };

			r = gr_store_read_lock(rq->svc->st, &err);
			if (r < 0)
				return reply_store_error(rq, r, &err);
			r = list(rq);
			gr_store_read_unlock(rq->svc->st);
			return r;
		}
		if (!strcmp(method, "POST"))
			return create(rq, body, len);
		return reply_error(rq, 405, NULL, "%s is not allowed on /%s", method, kind_name(rq));
	}
	if (!strcmp(method, "GET"))
		return read_one(rq, id);
	if (!strcmp(method, "PUT"))
		return replace(rq, id, body, len);
	if (!strcmp(method, "PATCH"))
		return patch(rq, id, body, len);
	if (!strcmp(method, "DELETE"))
		return delete(rq, id);
	return reply_error(rq, 405, NULL, "%s is not allowed on /%s/{id}", method, kind_name(rq));
}

int gr_scim_serve(struct gr_scim_service *svc, const char *method, const char *path,
		  const struct gr_scim_query *q, const char *body, size_t len,
		  struct gr_scim_reply *reply)
{
	struct req rq = { .svc = svc, .q = q, .reply = reply };
	const char *slash;
	char first[32];
	size_t n;

	memset(reply, 0, sizeof(*reply));
	while (*path == '/')
		path++;
	slash = strchr(path, '/');
	n = slash ? (size_t)(slash - path) : strlen(path);
	if (n >= sizeof(first))
		return reply_error(&rq, 404, NULL, "no such endpoint");
	memcpy(first, path, n);
	first[n] = '\0';
	if (slash && slash[1] == '\0')
		slash = NULL; /* "Users/" is "Users" */
	if (!strcmp(first, "Bulk"))
		return reply_error(&rq, 501, NULL, "bulk operations are not supported "
						   "(see /ServiceProviderConfig)");
	if (!strcmp(first, "Users") || !strcmp(first, "Groups")) {
		rq.is_group = first[0] == 'G';
		if (slash && strchr(slash + 1, '/'))
			return reply_error(&rq, 404, NULL, "no such endpoint");
		return resources(&rq, method, slash ? slash + 1 : NULL, body, len);
	}
	if (strcmp(method, "GET"))
		return reply_error(&rq, 405, NULL, "the discovery endpoints are read-only");
	if (!gr_scim_discovery(first, slash ? slash + 1 : NULL, svc->base, svc->max_results,
			       &reply->body))
		return reply_error(&rq, 404, NULL, "no such endpoint");
	reply->status = reply->body ? 200 : 404;
	if (!reply->body)
		return reply_error(&rq, 404, NULL, "no such schema or resource type");
	return 0;
}

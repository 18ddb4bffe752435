/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "api/api.h"
#include "core/escape.h"
#include "core/names.h"
#include "scim/service.h"
#include "server/app.h"
#include "store/tokens.h"

#define SCIM_PREFIX "/scim/v2/"
#define SCIM_TYPE "application/scim+json"
#define API_PREFIX "/api/v2/"
#define API_TYPE "application/json; charset=utf-8"

struct route {
	const char *method;      /* NULL: any */
	const char *path;
	bool prefix;             /* PATH is a prefix */
	void (*fn)(struct gr_app *app, const struct gr_http_request_view *req,
		   struct gr_http_response *resp);
};

/*
 * The two faces of the daemon, SCIM and the Management API: each answers
 * in its own media type and error shape.
 */
struct face {
	const char *type;
	json_t *(*error_body)(unsigned status, const char *message);
};

static json_t *scim_error_body(unsigned status, const char *message)
{
	return gr_scim_error_body(status, NULL, message);
}

static json_t *api_error_body(unsigned status, const char *message)
{
	return gr_api_error_body(status, NULL, message);
}

static const struct face scim_face = { SCIM_TYPE, scim_error_body };
static const struct face api_face = { API_TYPE, api_error_body };

static void face_json(struct gr_http_response *resp, const struct face *f, unsigned status,
		      json_t *body)
{
	resp->status = status;
	resp->content_type = f->type;
	if (body) {
		resp->body = json_dumps(body, JSON_COMPACT);
		resp->len = resp->body ? strlen(resp->body) : 0;
		json_decref(body);
	}
}

static void set_json(struct gr_http_response *resp, unsigned status, json_t *body)
{
	face_json(resp, &scim_face, status, body);
}

static void scim_error(struct gr_http_response *resp, unsigned status, const char *type,
		       const char *detail)
{
	set_json(resp, status, gr_scim_error_body(status, type, detail));
}

static void face_error(struct gr_http_response *resp, const struct face *f, unsigned status,
		       const char *message)
{
	face_json(resp, f, status, f->error_body(status, message));
}

/*
 * A bearer TOKEN of KIND ("scim", "api"): 0 and its record in *OUT (new
 * reference) when it is a live token of that kind, -EACCES when it is not
 * (whatever was wrong), another negative code when the store failed.
 */
static int verify_token(struct gr_app *app, const char *token, const char *kind, json_t **out,
			struct gr_err *err)
{
	int r = gr_token_verify(app->st, token, (int64_t)time(NULL), out, err);

	if (r == 0 && strcmp(json_string_value(json_object_get(*out, "kind")) ?: "", kind)) {
		json_decref(*out);
		*out = NULL;
		r = -EACCES;
	}
	return r;
}

/*
 * The request's unit did not reach the disk (gr_gate_run returned R < 0):
 * its answer stands void, and the client hears 503.
 */
static void gate_failed(struct gr_app *app, const struct face *f, const char *what, int r,
			const struct gr_err *err, struct gr_http_response *resp)
{
	app->log(LOG_ERR, "%s: commit failed: %s", what, gr_err_msg(err));
	if (r == -GR_E_UNSYNCED)
		gr_publisher_kick(app->pub); /* applied all the same: readers must see it */
	face_error(resp, f, 503, r == -GR_E_UNSYNCED
		   ? "the change was applied but the disk did not confirm it; read it back before retrying"
		   : "the change could not be saved; nothing was changed, retry later");
}

/* 413 for a body past scim_max_body (the HTTP layer drained it); true when answered. */
static bool refuse_too_large(const struct gr_app *app, const struct face *f,
			     const struct gr_http_request_view *req, struct gr_http_response *resp)
{
	char msg[96];

	if (!req->too_large)
		return false;
	snprintf(msg, sizeof(msg), "the body is larger than %u bytes", app->cfg.scim_max_body);
	face_error(resp, f, 413, msg);
	return true;
}

/* The token was refused (R from verify_token): one 401 whatever was wrong, or 503. */
static void token_refused(struct gr_app *app, const struct face *f, int r,
			  const struct gr_err *err, const char *message,
			  struct gr_http_response *resp)
{
	if (r != 0 && r != -EACCES) {
		app->log(LOG_ERR, "token check failed: %s", gr_err_msg(err));
		face_error(resp, f, 503, "the service is unavailable");
		return;
	}
	gr_metrics_auth_failure(app->metrics);
	face_error(resp, f, 401, message);
	gr_http_add_header(resp, "WWW-Authenticate", "Bearer realm=\"grouprole\"");
}

static void set_text(struct gr_http_response *resp, unsigned status, const char *type,
		     char *body, size_t len)
{
	resp->status = status;
	resp->content_type = type;
	resp->body = body;
	resp->len = len;
}

static void rolled_back(void *vapp)
{
	struct gr_app *app = vapp;

	/* Lists computed inside a batch that rolled back describe a state that never was. */
	gr_scim_list_cache_clear(&app->list_cache[0]);
	gr_scim_list_cache_clear(&app->list_cache[1]);
}

static void committed(void *vapp, unsigned units, double seconds)
{
	gr_metrics_commit(((struct gr_app *)vapp)->metrics, units, seconds);
}

void gr_app_events_sink(void *dispatcher, const json_t *events)
{
	gr_event_dispatcher_emit(dispatcher, events);
}

void gr_app_init(struct gr_app *app)
{
	gr_gate_init(&app->gate, app->st);
	app->gate.rolled_back = rolled_back;
	app->gate.rolled_back_ctx = app;
	app->gate.committed = committed;
	app->gate.committed_ctx = app;
}

void gr_app_destroy(struct gr_app *app)
{
	rolled_back(app);
	gr_login_rules_cache_free(&app->rules);
	gr_gate_destroy(&app->gate);
}

struct health_unit {
	struct gr_app *app;
	uint64_t gen;
	struct gr_err err;
	int r;
};

static void health_unit(void *arg)
{
	struct health_unit *h = arg;

	h->r = gr_store_generation(h->app->st, &h->gen, &h->err);
}

static void health(struct gr_app *app, const struct gr_http_request_view *req,
		   struct gr_http_response *resp)
{
	struct health_unit h = { .app = app };
	char *msg = NULL;
	uint64_t gen;
	int r, n;

	r = gr_gate_run(&app->gate, health_unit, &h, &h.err);
	if (r == 0)
		r = h.r;
	gen = h.gen;
	n = r == 0 ? asprintf(&msg, "ok generation=%llu\n", (unsigned long long)gen)
		   : asprintf(&msg, "store unavailable\n");
	set_text(resp, r == 0 ? 200 : 503, "text/plain; charset=utf-8", n > 0 ? msg : NULL,
		 n > 0 ? (size_t)n : 0);
}

static void metrics(struct gr_app *app, const struct gr_http_request_view *req,
		    struct gr_http_response *resp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		resp->status = 500;
		return;
	}
	gr_metrics_render(app->metrics, f);
	if (app->events) {
		struct gr_event_stats es;

		gr_event_dispatcher_stats(app->events, &es);
		gr_metrics_render_events(f, &es);
	}
	fclose(f);
	set_text(resp, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len);
}

/* The directory of a /scim/v2/{directory}/... path into DIR, and the rest. */
static const char *scim_directory(const char *path, char *dir, size_t len)
{
	const char *p = path + strlen(SCIM_PREFIX), *slash = strchr(p, '/');
	size_t n = slash ? (size_t)(slash - p) : strlen(p);

	if (n == 0 || n >= len)
		return NULL;
	memcpy(dir, p, n);
	dir[n] = '\0';
	if (!gr_valid_slug(dir))
		return NULL;
	return slash ? slash + 1 : "";
}

/* "Bearer TOKEN" (scheme case-insensitive), or NULL. */
static const char *bearer(const struct gr_http_request_view *req)
{
	const char *h = gr_http_header(req, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7))
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

/* The absolute base URL of DIR's SCIM endpoint for meta.location and Location. */
static void base_url(const struct gr_app *app, const struct gr_http_request_view *req,
		     const char *dir, char *out, size_t len)
{
	const char *host = gr_http_header(req, "Host");

	if (app->cfg.public_url[0]) {
		snprintf(out, len, "%s" SCIM_PREFIX "%s", app->cfg.public_url, dir);
		return;
	}
	/* The Host header is the client's word: keep it only when it looks like a host. */
	if (!host || !host[0] || strlen(host) > 255 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
		    strlen(host))
		host = app->cfg.scim_listen;
	snprintf(out, len, "%s://%s" SCIM_PREFIX "%s", app->tls ? "https" : "http", host, dir);
}

/* One SCIM request, run as a unit of a batch (server/gate.h). */
struct scim_unit {
	struct gr_app *app;
	const struct gr_http_request_view *req;
	const char *dir, *rest, *token, *base;
	const struct gr_scim_query *q;
	struct gr_scim_reply reply;
	struct gr_err err;
	bool allowed;
	int r;
};

static void scim_unit(void *arg)
{
	struct scim_unit *u = arg;
	struct gr_app *app = u->app;
	json_t *tok = NULL;
	const char *tdir;

	u->r = verify_token(app, u->token, "scim", &tok, &u->err);
	if (u->r == 0) {
		tdir = json_string_value(json_object_get(tok, "directory"));
		u->allowed = tdir && !strcmp(tdir, u->dir);
	}
	json_decref(tok);
	/* The host's accounts, listed again only when /etc/passwd changed. */
	if (u->allowed && gr_login_rules_refresh(&app->rules, &app->cfg, &u->err) < 0) {
		app->log(LOG_ERR, "cannot list the host's accounts: %s", gr_err_msg(&u->err));
		u->reply.status = 503;
		u->reply.body = gr_scim_error_body(503, NULL, "the host's accounts cannot be listed");
		return;
	}
	if (u->allowed) {
		char origin[GR_NAME_MAX + 8];
		struct gr_scim_service svc = {
			.st = app->st, .dir = u->dir, .base = u->base, .now = (int64_t)time(NULL),
			.max_results = app->cfg.scim_max_results, .max_members = 10000,
			.patch = { .max_operations = 1000, .max_members = 1000 },
			.cache = app->list_cache,
			.rules = &app->rules.rules,
		};

		snprintf(origin, sizeof(origin), "scim/%s", u->dir);
		gr_store_event_origin(app->st, origin);
		u->r = gr_scim_serve(&svc, u->req->method, u->rest, u->q, u->req->body, u->req->len,
				     &u->reply);
	}
}

static void scim(struct gr_app *app, const struct gr_http_request_view *req,
		 struct gr_http_response *resp)
{
	char dir[GR_NAME_MAX + 1], base[600];
	const char *rest = scim_directory(req->path, dir, sizeof(dir));
	struct gr_scim_query q = {
		.filter = gr_http_query(req, "filter"),
		.attributes = gr_http_query(req, "attributes"),
		.excluded_attributes = gr_http_query(req, "excludedAttributes"),
		.start_index = gr_http_query(req, "startIndex"),
		.count = gr_http_query(req, "count"),
		.if_match = gr_http_header(req, "If-Match"),
		.if_none_match = gr_http_header(req, "If-None-Match"),
	};
	struct scim_unit u = { .app = app, .req = req, .dir = dir, .rest = rest,
			       .token = bearer(req), .base = base, .q = &q };
	struct gr_err err = { 0 };
	int r;

	if (!rest) {
		scim_error(resp, 404, NULL, "no such endpoint");
		return;
	}
	if (refuse_too_large(app, &scim_face, req, resp))
		return;
	base_url(app, req, dir, base, sizeof(base));
	r = gr_gate_run(&app->gate, scim_unit, &u, &err);
	if (r < 0) {
		char what[GR_NAME_MAX + 16];

		/* The batch this request was part of did not reach the disk: its answer stands void. */
		snprintf(what, sizeof(what), "directory %s", dir);
		gr_scim_reply_clear(&u.reply);
		gate_failed(app, &scim_face, what, r, &err, resp);
		return;
	}
	if (!u.allowed) {
		gr_scim_reply_clear(&u.reply);
		token_refused(app, &scim_face, u.r, &u.err,
			      "a valid bearer token for this directory is required", resp);
		return;
	}
	if (u.r < 0)
		app->log(LOG_ERR, "directory %s: store failure: %s", dir, gr_strerror(u.r));
	if (u.reply.changed)
		gr_publisher_kick(app->pub);
	if (u.reply.etag[0])
		gr_http_add_header(resp, "ETag", u.reply.etag);
	if (u.reply.location[0])
		gr_http_add_header(resp, "Location", u.reply.location);
	set_json(resp, u.reply.status, u.reply.body);
	u.reply.body = NULL;
	gr_scim_reply_clear(&u.reply);
}

/* One Management API request, run as a unit of a batch (server/gate.h). */
struct api_unit {
	struct gr_app *app;
	const char *token;
	struct gr_api_request rq;
	struct gr_api_reply reply;
	struct gr_err err;
	bool allowed;
	int r;
};

static void api_unit(void *arg)
{
	struct api_unit *u = arg;
	json_t *tok = NULL;

	u->r = verify_token(u->app, u->token, "api", &tok, &u->err);
	u->allowed = u->r == 0;
	if (u->allowed) {
		u->rq.scopes = json_object_get(tok, "scopes");
		gr_store_event_origin(u->app->st, "api");
		u->r = gr_api_serve(u->app->st, &u->rq, &u->reply);
		u->rq.scopes = NULL;
	}
	json_decref(tok);
}

static void api(struct gr_app *app, const struct gr_http_request_view *req,
		struct gr_http_response *resp)
{
	struct api_unit u = {
		.app = app, .token = bearer(req),
		.rq = {
			.method = req->method, .path = req->path + strlen(API_PREFIX),
			.body = req->body, .len = req->len,
			.page = gr_http_query(req, "page"),
			.per_page = gr_http_query(req, "per_page"),
			.include_totals = gr_http_query(req, "include_totals"),
			.name_filter = gr_http_query(req, "name_filter"),
			.from = gr_http_query(req, "from"),
			.take = gr_http_query(req, "take"),
			.connection_id = gr_http_query(req, "connection_id"),
			.name = gr_http_query(req, "name"),
			.external_id = gr_http_query(req, "external_id"),
			.role_id = gr_http_query(req, "role_id"),
			.user_id = gr_http_query(req, "user_id"),
		},
	};
	struct gr_err err = { 0 };
	int r;

	if (refuse_too_large(app, &api_face, req, resp))
		return;
	r = gr_gate_run(&app->gate, api_unit, &u, &err);
	if (r < 0) {
		gr_api_reply_clear(&u.reply);
		gate_failed(app, &api_face, "management API", r, &err, resp);
		return;
	}
	if (!u.allowed) {
		gr_api_reply_clear(&u.reply);
		token_refused(app, &api_face, u.r, &u.err, "a valid API token is required", resp);
		return;
	}
	if (u.r < 0)
		app->log(LOG_ERR, "management API: store failure: %s", gr_strerror(u.r));
	if (u.reply.changed)
		gr_publisher_kick(app->pub);
	if (u.reply.allow)
		gr_http_add_header(resp, "Allow", u.reply.allow);
	face_json(resp, &api_face, u.reply.status, u.reply.body);
	u.reply.body = NULL;
}

static const struct route routes[] = {
	{ "GET", "/healthz", false, health },
	{ "GET", "/metrics", false, metrics },
	{ NULL, SCIM_PREFIX, true, scim },
	{ NULL, API_PREFIX, true, api },
};

void gr_app_handle(void *vapp, const struct gr_http_request_view *req,
		   struct gr_http_response *resp)
{
	struct gr_app *app = vapp;
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];

		if (rt->prefix ? strncmp(req->path, rt->path, strlen(rt->path))
			       : strcmp(req->path, rt->path))
			continue;
		if (rt->method && strcmp(rt->method, req->method)) {
			scim_error(resp, 405, NULL, "method not allowed");
			gr_http_add_header(resp, "Allow", rt->method);
			return;
		}
		rt->fn(app, req, resp);
		return;
	}
	scim_error(resp, 404, NULL, "no such endpoint");
}

void gr_app_log_request(void *vapp, const struct gr_http_request_view *req,
			const struct gr_http_response *resp, double seconds)
{
	struct gr_app *app = vapp;
	char dir[GR_NAME_MAX + 1] = "", path[160], method[24];
	bool is_scim = !strncmp(req->path, SCIM_PREFIX, strlen(SCIM_PREFIX)) &&
		       scim_directory(req->path, dir, sizeof(dir));

	gr_metrics_request(app->metrics, is_scim ? dir : NULL, req->method, resp->status, seconds);
	/* Paths and methods are the client's bytes: escaped.  Never a header, never a token. */
	app->log(resp->status >= 500 ? LOG_ERR : LOG_INFO,
		 "client=%s directory=%s method=%s path=\"%s\" status=%u time_ms=%.1f", req->client,
		 dir[0] ? dir : "-", gr_esc(method, sizeof(method), req->method, GR_ESC_LOG),
		 gr_esc(path, sizeof(path), req->path, GR_ESC_LOG), resp->status, seconds * 1000);
}

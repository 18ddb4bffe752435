/* SPDX-License-Identifier: MIT */
#ifndef GR_APP_H
#define GR_APP_H

#include <pthread.h>
#include <stdarg.h>

#include "core/config.h"
#include "events/dispatch.h"
#include "http/server.h"
#include "scim/service.h"
#include "server/metrics.h"
#include "server/gate.h"
#include "server/publisher.h"
#include "store/store.h"

/*
 * grouprole-scimd's request handling: a table of routes, bearer-token
 * authentication, the SCIM service of each directory, /healthz and
 * /metrics.  The store is entered only through GATE (server/gate.h): the
 * HTTP pool runs handlers on several threads, libtdb is not thread-safe,
 * and concurrent requests share one commit.
 *
 *   GET  /healthz                      200 "ok" while the store answers
 *   GET  /metrics                      Prometheus text
 *   *    /scim/v2/{directory}/...      SCIM 2.0, with a SCIM token of that directory
 *   *    /api/v2/...                   the Management API (api/api.h), with an API token
 *
 * Every refusal of a token is the same 401, whatever was wrong, and says
 * nothing about other directories.
 */

struct gr_app {
	struct gr_config cfg;
	struct gr_store *st;
	struct gr_gate gate;
	struct gr_publisher *pub;
	struct gr_metrics *metrics;
	struct gr_event_dispatcher *events; /* may be NULL: no events */
	struct gr_scim_list_cache list_cache[2]; /* under the gate */
	struct gr_login_rules_cache rules;       /* under the gate */
	bool tls;
	/* One line to the daemon's log (syslog priority, printf format). */
	void (*log)(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

/* Set up the gate over APP->st (opened); gr_app_destroy undoes it and the caches. */
void gr_app_init(struct gr_app *app);
void gr_app_destroy(struct gr_app *app);

/*
 * A gr_store_event_sink_fn whose CTX is a struct gr_event_dispatcher: the
 * store's and the publisher's events go to APP->events through it.
 */
void gr_app_events_sink(void *dispatcher, const json_t *events);

/* gr_http_handler_fn and gr_http_log_fn for the HTTP layer; APP is a struct gr_app. */
void gr_app_handle(void *app, const struct gr_http_request_view *req,
		   struct gr_http_response *resp);
void gr_app_log_request(void *app, const struct gr_http_request_view *req,
			const struct gr_http_response *resp, double seconds);

#endif

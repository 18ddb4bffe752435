/* SPDX-License-Identifier: MIT */
#ifndef GR_HTTP_SERVER_H
#define GR_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/gr_error.h"

/*
 * The HTTP(S) listener of grouprole-scimd, on libmicrohttpd with its GnuTLS
 * support.  This layer knows nothing about SCIM: it accepts connections
 * within the limits, collects a request's body up to max_body, calls the
 * application's handler with the whole request on the connection's own
 * thread (libmicrohttpd's thread per connection: a handler may block, as
 * grouprole-scimd's do until their commit is on disk, without holding up
 * any other client), and sends what the handler filled in.  Handlers run
 * concurrently: whatever they share (the store) they must serialise.
 *
 * TLS certificates are handed to GnuTLS per handshake through a callback, so
 * gr_http_reload_tls() replaces them on a running server (SIGHUP) without
 * dropping a connection.
 */

struct gr_http_server;
struct gr_http_request;

struct gr_http_config {
	const char *listen;       /* "127.0.0.1:8636", "[::1]:8636"; port 0 picks one */
	const char *tls_cert;     /* PEM files; both NULL for plain HTTP */
	const char *tls_key;
	size_t max_body;          /* bytes; a larger body is answered by the handler as 413 */
	unsigned max_connections; /* in total */
	unsigned per_ip;          /* connections per client address */
	unsigned timeout_s;       /* idle connection timeout: slow clients are cut off */
};

#define GR_HTTP_MAX_HEADERS 8

struct gr_http_response {
	unsigned status;
	const char *content_type; /* static string */
	char *body;               /* malloc()ed, freed by the server; may be NULL */
	size_t len;
	struct {
		const char *name;     /* static string */
		char *value;          /* malloc()ed, freed by the server */
	} headers[GR_HTTP_MAX_HEADERS];
	size_t n_headers;
};

/* Add a header (VALUE is copied).  Returns 0 or -ENOMEM / -E2BIG. */
int gr_http_add_header(struct gr_http_response *resp, const char *name, const char *value);

/*
 * A request as the handler sees it.  BODY is NUL-terminated (for
 * convenience; it may contain NULs of its own, LEN is authoritative).
 * TOO_LARGE: the body went past max_body and was not kept.
 */
struct gr_http_request_view {
	const char *method;
	const char *path;     /* the URL path, percent-decoded by libmicrohttpd, without the query */
	const char *body;
	size_t len;
	bool too_large;
	const char *client;   /* numeric address of the peer */
	const struct gr_http_request *raw;
};

/* A request header (case-insensitive) or query argument, or NULL. */
const char *gr_http_header(const struct gr_http_request_view *req, const char *name);
const char *gr_http_query(const struct gr_http_request_view *req, const char *name);

/*
 * The application: HANDLER fills RESP for REQ (it must set a status); LOG,
 * when not NULL, is called after the response is queued, with the time
 * the request took.
 */
typedef void (*gr_http_handler_fn)(void *app, const struct gr_http_request_view *req,
				   struct gr_http_response *resp);
typedef void (*gr_http_log_fn)(void *app, const struct gr_http_request_view *req,
			       const struct gr_http_response *resp, double seconds);

/*
 * Start listening.  Returns 0 and the server in *OUT, or a negative code
 * with a sentence in ERR (address in use, unreadable certificate, ...).
 */
int gr_http_start(const struct gr_http_config *cfg, gr_http_handler_fn handler,
		  gr_http_log_fn log, void *app, struct gr_http_server **out, struct gr_err *err);

/* The port actually bound (useful with port 0). */
uint16_t gr_http_port(const struct gr_http_server *srv);

/* Read new certificate and key files; the old ones stay in use on failure. */
int gr_http_reload_tls(struct gr_http_server *srv, const char *cert, const char *key,
		       struct gr_err *err);

/*
 * Stop accepting, let requests being handled finish, then stop and free
 * the server.
 */
void gr_http_stop(struct gr_http_server *srv);

/* Split "ADDR:PORT" / "[ADDR]:PORT" into a socket address.  Returns 0 or -GR_E_INVALID. */
struct sockaddr_storage;
int gr_http_parse_listen(const char *listen, struct sockaddr_storage *sa, unsigned *salen,
			 struct gr_err *err);

/* Is the listen address a loopback one (127.0.0.0/8, ::1)? */
bool gr_http_is_loopback(const struct sockaddr_storage *sa);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd plumbing: limits, body collection, TLS with reloadable
 * certificates, graceful stop.  See server.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "http/server.h"

/* A certificate chain and its key, as GnuTLS wants them for a handshake. */
struct tls_bundle {
	gnutls_pcert_st pcerts[8];
	unsigned n_pcerts;
	gnutls_privkey_t key;
	struct tls_bundle *next; /* retired bundles, freed at stop */
};

struct gr_http_server {
	struct MHD_Daemon *mhd;
	gr_http_handler_fn handler;
	gr_http_log_fn log;
	void *app;
	size_t max_body;
	pthread_mutex_t tls_lock;
	struct tls_bundle *tls;
	struct tls_bundle *retired;
};

/* One request; libmicrohttpd keeps it in the connection's con_cls. */
struct gr_http_request {
	struct gr_http_server *srv;
	struct MHD_Connection *conn;
	char *body;
	size_t len, cap;
	bool too_large;
	bool answered;
	size_t dropped;  /* body bytes read and thrown away after too_large */
	struct timespec start;
	char client[INET6_ADDRSTRLEN];
};

/*
 * GnuTLS's certificate callback has no closure argument: the one TLS server
 * of the process is found here.  grouprole-scimd runs one listener.
 */
static struct gr_http_server *tls_server;

int gr_http_add_header(struct gr_http_response *resp, const char *name, const char *value)
{
	if (resp->n_headers >= GR_HTTP_MAX_HEADERS)
		return -E2BIG;
	resp->headers[resp->n_headers].value = strdup(value);
	if (!resp->headers[resp->n_headers].value)
		return -ENOMEM;
	resp->headers[resp->n_headers++].name = name;
	return 0;
}

const char *gr_http_header(const struct gr_http_request_view *req, const char *name)
{
	return MHD_lookup_connection_value(req->raw->conn, MHD_HEADER_KIND, name);
}

const char *gr_http_query(const struct gr_http_request_view *req, const char *name)
{
	return MHD_lookup_connection_value(req->raw->conn, MHD_GET_ARGUMENT_KIND, name);
}

int gr_http_parse_listen(const char *listen, struct sockaddr_storage *sa, unsigned *salen,
			 struct gr_err *err)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = listen;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	size_t hl;
	char *end;
	unsigned long port;

	if (!listen)
		return gr_err_set(err, -GR_E_INVALID, "no listen address");
	colon = strrchr(listen, ':');
	if (!colon || colon == listen)
		return gr_err_set(err, -GR_E_INVALID, "listen address must be ADDR:PORT or [ADDR]:PORT");
	hl = (size_t)(colon - listen);
	if (listen[0] == '[') {
		if (hl < 3 || listen[hl - 1] != ']')
			return gr_err_set(err, -GR_E_INVALID, "listen address: unbalanced '['");
		h = listen + 1;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return gr_err_set(err, -GR_E_INVALID, "listen address too long");
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535)
		return gr_err_set(err, -GR_E_INVALID, "listen port must be 0-65535");
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || !ai)
		return gr_err_set(err, -GR_E_INVALID, "listen address is not a numeric IPv4 or IPv6 address");
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	*salen = (unsigned)ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

bool gr_http_is_loopback(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

/* ---- TLS ---- */

static void bundle_free(struct tls_bundle *b)
{
	unsigned i;

	if (!b)
		return;
	for (i = 0; i < b->n_pcerts; i++)
		gnutls_pcert_deinit(&b->pcerts[i]);
	if (b->key)
		gnutls_privkey_deinit(b->key);
	free(b);
}

static int bundle_load(const char *cert, const char *key, struct tls_bundle **out,
		       struct gr_err *err)
{
	struct tls_bundle *b = calloc(1, sizeof(*b));
	gnutls_datum_t data = { NULL, 0 };
	int r;

	if (!b)
		return gr_err_set(err, -ENOMEM, "out of memory");
	b->n_pcerts = sizeof(b->pcerts) / sizeof(b->pcerts[0]);
	r = gnutls_pcert_list_import_x509_file(b->pcerts, &b->n_pcerts, cert, GNUTLS_X509_FMT_PEM,
					       NULL, NULL, 0);
	if (r < 0) {
		b->n_pcerts = 0;
		bundle_free(b);
		return gr_err_set(err, -GR_E_INVALID, "certificate %s: %s", cert, gnutls_strerror(r));
	}
	r = gnutls_load_file(key, &data);
	if (r >= 0)
		r = gnutls_privkey_init(&b->key);
	if (r >= 0)
		r = gnutls_privkey_import_x509_raw(b->key, &data, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (data.data) {
		gnutls_memset(data.data, 0, data.size);
		gnutls_free(data.data);
	}
	if (r < 0) {
		bundle_free(b);
		return gr_err_set(err, -GR_E_INVALID, "key %s: %s", key, gnutls_strerror(r));
	}
	*out = b;
	return 0;
}

static int cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
			 const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
			 gnutls_pcert_st **pcert, unsigned int *pcert_length,
			 gnutls_privkey_t *pkey)
{
	struct gr_http_server *srv = tls_server;
	int r = -1;

	if (!srv)
		return -1;
	pthread_mutex_lock(&srv->tls_lock);
	if (srv->tls) {
		/* Retired bundles live until the server stops, so a handshake never loses its key. */
		*pcert = srv->tls->pcerts;
		*pcert_length = srv->tls->n_pcerts;
		*pkey = srv->tls->key;
		r = 0;
	}
	pthread_mutex_unlock(&srv->tls_lock);
	return r;
}

int gr_http_reload_tls(struct gr_http_server *srv, const char *cert, const char *key,
		       struct gr_err *err)
{
	struct tls_bundle *b = NULL;
	int r;

	if (!srv->tls)
		return gr_err_set(err, -GR_E_INVALID, "the server runs without TLS");
	r = bundle_load(cert, key, &b, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&srv->tls_lock);
	srv->tls->next = srv->retired;
	srv->retired = srv->tls;
	srv->tls = b;
	pthread_mutex_unlock(&srv->tls_lock);
	return 0;
}

/* ---- requests ---- */

/* How much of an oversized body is read and dropped before the connection is cut. */
static size_t drain_limit(const struct gr_http_server *srv)
{
	size_t lim = srv->max_body * 4;

	return lim > (1u << 20) ? lim : (1u << 20);
}

static void fill_client(struct gr_http_request *rq)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(rq->client, sizeof(rq->client), "-");
	if (sa)
		getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							  : sizeof(struct sockaddr_in),
			    rq->client, sizeof(rq->client), NULL, 0, NI_NUMERICHOST);
}

static void response_clear(struct gr_http_response *resp)
{
	size_t i;

	free(resp->body);
	for (i = 0; i < resp->n_headers; i++)
		free(resp->headers[i].value);
	memset(resp, 0, sizeof(*resp));
}

static enum MHD_Result answer(struct gr_http_request *rq, const char *method, const char *url)
{
	struct gr_http_server *srv = rq->srv;
	struct gr_http_request_view view = {
		.method = method, .path = url, .body = rq->body ? rq->body : "",
		.len = rq->len, .too_large = rq->too_large, .client = rq->client, .raw = rq,
	};
	struct gr_http_response resp = { 0 };
	struct MHD_Response *mr;
	struct timespec end;
	enum MHD_Result r;
	size_t i;

	rq->answered = true;
	srv->handler(srv->app, &view, &resp);
	if (!resp.status)
		resp.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	mr = MHD_create_response_from_buffer(resp.len, resp.body ? resp.body : (void *)"",
					     resp.body ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	if (!mr) {
		response_clear(&resp);
		return MHD_NO;
	}
	if (resp.content_type)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type);
	for (i = 0; i < resp.n_headers; i++)
		MHD_add_response_header(mr, resp.headers[i].name, resp.headers[i].value);
	r = MHD_queue_response(rq->conn, resp.status, mr);
	MHD_destroy_response(mr);
	if (srv->log) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		srv->log(srv->app, &view, &resp,
			 (double)(end.tv_sec - rq->start.tv_sec) +
				 (double)(end.tv_nsec - rq->start.tv_nsec) / 1e9);
	}
	response_clear(&resp);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct gr_http_server *srv = cls;
	struct gr_http_request *rq = *con_cls;

	if (!rq) {
		const char *cl;

		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->srv = srv;
		rq->conn = conn;
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		fill_client(rq);
		*con_cls = rq;
		/*
		 * A declared length past the limit: a client waiting for "100
		 * Continue" is answered before it sends a byte; one that sends
		 * anyway has its body read and dropped (up to drain_limit), so it
		 * sees the 413 instead of a reset connection.
		 */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > srv->max_body) {
			const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
									 MHD_HTTP_HEADER_EXPECT);

			rq->too_large = true;
			if ((expect && !strcasecmp(expect, "100-continue")) ||
			    strtoull(cl, NULL, 10) > drain_limit(srv))
				return answer(rq, method, url);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (rq->answered)
			return MHD_YES;
		if (rq->too_large || rq->len + n > srv->max_body) {
			/* Past the limit: keep nothing, count what is dropped, give up at the drain limit. */
			if (!rq->too_large) {
				rq->dropped = rq->len;
				free(rq->body);
				rq->body = NULL;
				rq->len = rq->cap = 0;
				rq->too_large = true;
			}
			rq->dropped += n;
			if (rq->dropped > drain_limit(srv))
				return answer(rq, method, url);
			return MHD_YES;
		}
		if (rq->len + n + 1 > rq->cap) {
			size_t cap = rq->cap ? rq->cap : 4096;
			char *b;

			while (cap < rq->len + n + 1)
				cap *= 2;
			b = realloc(rq->body, cap);
			if (!b)
				return MHD_NO;
			rq->body = b;
			rq->cap = cap;
		}
		memcpy(rq->body + rq->len, upload_data, n);
		rq->len += n;
		rq->body[rq->len] = '\0';
		return MHD_YES;
	}
	if (rq->answered)
		return MHD_YES;
	return answer(rq, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct gr_http_request *rq = *con_cls;

	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

int gr_http_start(const struct gr_http_config *cfg, gr_http_handler_fn handler,
		  gr_http_log_fn log, void *app, struct gr_http_server **out, struct gr_err *err)
{
	struct gr_http_server *srv;
	struct sockaddr_storage sa;
	unsigned salen, flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ITC;
	int r;

	*out = NULL;
	r = gr_http_parse_listen(cfg->listen, &sa, &salen, err);
	if (r < 0)
		return r;
	if (!cfg->tls_cert != !cfg->tls_key)
		return gr_err_set(err, -GR_E_INVALID, "TLS needs both a certificate and a key");
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return gr_err_set(err, -ENOMEM, "out of memory");
	srv->handler = handler;
	srv->log = log;
	srv->app = app;
	srv->max_body = cfg->max_body;
	pthread_mutex_init(&srv->tls_lock, NULL);
	if (cfg->tls_cert) {
		if (tls_server) {
			free(srv);
			return gr_err_set(err, -EBUSY, "one TLS listener per process");
		}
		r = bundle_load(cfg->tls_cert, cfg->tls_key, &srv->tls, err);
		if (r < 0) {
			free(srv);
			return r;
		}
		tls_server = srv;
		flags |= MHD_USE_TLS;
	}
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		cfg->tls_cert ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, cert_callback,
		MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
		MHD_OPTION_END);
	if (!srv->mhd) {
		r = errno ? -errno : -EADDRINUSE;
		if (tls_server == srv)
			tls_server = NULL;
		bundle_free(srv->tls);
		pthread_mutex_destroy(&srv->tls_lock);
		free(srv);
		return gr_err_set(err, r, "cannot listen on %s: %s", cfg->listen, strerror(-r));
	}
	(void)salen;
	*out = srv;
	return 0;
}

uint16_t gr_http_port(const struct gr_http_server *srv)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);

	return di ? di->port : 0;
}

void gr_http_stop(struct gr_http_server *srv)
{
	const union MHD_DaemonInfo *di;
	struct tls_bundle *b;
	int waited_ms = 0;
	MHD_socket s;

	if (!srv)
		return;
	/* Stop accepting, then give requests in progress up to 10 s to finish. */
	s = MHD_quiesce_daemon(srv->mhd);
	while (waited_ms < 10000) {
		di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!di || di->num_connections == 0)
			break;
		usleep(10000);
		waited_ms += 10;
	}
	MHD_stop_daemon(srv->mhd);
	if (s != MHD_INVALID_SOCKET)
		close(s);
	if (tls_server == srv)
		tls_server = NULL;
	bundle_free(srv->tls);
	while ((b = srv->retired)) {
		srv->retired = b->next;
		bundle_free(b);
	}
	pthread_mutex_destroy(&srv->tls_lock);
	free(srv);
}

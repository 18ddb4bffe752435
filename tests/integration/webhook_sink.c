/* SPDX-License-Identifier: MIT */
/*
 * A web hook receiver for tests/integration/events.bats, on lib/http:
 *
 *   webhook_sink FILE [STATUS]
 *
 * Listens on a loopback port of its own choosing (printed on stdout as
 * "port N"), answers every request STATUS (default 204) and appends one
 * JSON line per request to FILE: {"method", "path", "type", "auth", "body"}.
 * Runs until SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/server.h"

static FILE *out;
static unsigned status = 204;

static void handler(void *app, const struct gr_http_request_view *req,
		    struct gr_http_response *resp)
{
	json_t *v = json_pack("{s:s, s:s, s:s?, s:s?, s:s%}", "method", req->method, "path", req->path,
			      "type", gr_http_header(req, "Content-Type"), "auth",
			      gr_http_header(req, "Authorization"), "body", req->body ? req->body : "",
			      req->body ? req->len : 0);

	(void)app;
	if (v) {
		json_dumpf(v, out, JSON_COMPACT);
		fputc('\n', out);
		fflush(out);
	}
	json_decref(v);
	resp->status = status;
}

int main(int argc, char **argv)
{
	struct gr_http_config hc = { .listen = "127.0.0.1:0", .max_body = 1 << 20,
				     .max_connections = 16, .per_ip = 16, .timeout_s = 10 };
	struct gr_http_server *srv = NULL;
	struct gr_err err = { 0 };
	sigset_t sigs;
	int sig;

	if (argc < 2 || argc > 3 || !(out = fopen(argv[1], "a"))) {
		fputs("usage: webhook_sink FILE [STATUS]\n", stderr);
		return 2;
	}
	if (argc == 3)
		status = (unsigned)atoi(argv[2]);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (gr_http_start(&hc, handler, NULL, NULL, &srv, &err) < 0) {
		fprintf(stderr, "webhook_sink: %s\n", gr_err_msg(&err));
		return 1;
	}
	printf("port %u\n", gr_http_port(srv));
	fflush(stdout);
	sigwait(&sigs, &sig);
	gr_http_stop(srv);
	fclose(out);
	return 0;
}

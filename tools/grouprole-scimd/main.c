/* SPDX-License-Identifier: MIT */
/*
 * grouprole-scimd: the SCIM 2.0 endpoint identity providers push to.
 *
 *   grouprole-scimd [--config FILE] [--listen ADDR:PORT] [--syslog]
 *
 * A foreground service: logs go to stderr (the journal under systemd) or,
 * with --syslog, to syslog.  SIGTERM and SIGINT stop it after the requests
 * in progress are answered and the last change is published; SIGHUP reloads
 * the TLS certificate and key.  With NOTIFY_SOCKET set it reports readiness
 * through sd_notify.  Everything it does is in lib/ (server/, scim/, http/).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "core/config.h"
#include "http/server.h"
#include "server/app.h"
#include "store/store.h"

static bool use_syslog;

__attribute__((format(printf, 2, 3)))
static void logline(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(priority, fmt, ap);
	} else {
		/* One write per line, so lines from pool threads never interleave. */
		char buf[1024];
		int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);

		if (n < 0)
			n = 0;
		if ((size_t)n > sizeof(buf) - 2)
			n = (int)sizeof(buf) - 2;
		buf[n++] = '\n';
		fwrite(buf, 1, (size_t)n, stderr);
	}
	va_end(ap);
}

static void usage(FILE *f)
{
	fputs("usage: grouprole-scimd [--config FILE] [--listen ADDR:PORT] [--syslog]\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "listen", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 's' },       { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *listen_arg = NULL;
	struct gr_app app = { .log = logline };
	struct gr_http_server *srv = NULL;
	struct sockaddr_storage sa;
	struct gr_err err = { 0 };
	sigset_t sigs;
	unsigned salen;
	int opt, sig, r, status = 1;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'l': listen_arg = optarg; break;
		case 's': use_syslog = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (use_syslog)
		openlog("grouprole-scimd", LOG_PID, LOG_DAEMON);
	r = gr_config_load(&app.cfg, config ? config : gr_config_default_path(), !config, &err);
	if (r == 0 && listen_arg)
		r = gr_config_set(&app.cfg, "scim_listen", listen_arg, &err);
	if (r == 0)
		r = gr_config_validate(&app.cfg, &err);
	if (r == 0)
		r = gr_http_parse_listen(app.cfg.scim_listen, &sa, &salen, &err);
	if (r < 0) {
		logline(LOG_ERR, "grouprole-scimd: %s", gr_err_msg(&err));
		return 2;
	}
	app.tls = app.cfg.tls_cert[0] != '\0';
	if (!app.tls && !gr_http_is_loopback(&sa) && !app.cfg.insecure_http) {
		logline(LOG_ERR, "grouprole-scimd: refusing plain HTTP on %s: set tls_cert and tls_key, "
				 "or insecure_http = yes behind a TLS-terminating proxy", app.cfg.scim_listen);
		return 2;
	}
	if (app.tls != (app.cfg.tls_key[0] != '\0')) {
		logline(LOG_ERR, "grouprole-scimd: tls_cert and tls_key go together");
		return 2;
	}

	/* Signals are taken by sigwait below; every thread created from here on blocks them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_mutex_init(&app.store_lock, NULL);
	r = gr_store_open(&app.cfg, GR_STORE_WRITE | GR_STORE_CREATE, &app.st, &err);
	if (r < 0) {
		logline(LOG_ERR, "grouprole-scimd: %s", gr_err_msg(&err));
		goto out;
	}
	app.metrics = gr_metrics_new();
	if (!app.metrics || gr_publisher_start(app.st, &app.store_lock, app.metrics, 20, &app.pub) < 0) {
		logline(LOG_ERR, "grouprole-scimd: cannot start the publisher");
		goto out;
	}
	{
		struct gr_http_config hc = {
			.listen = app.cfg.scim_listen,
			.tls_cert = app.tls ? app.cfg.tls_cert : NULL,
			.tls_key = app.tls ? app.cfg.tls_key : NULL,
			.max_body = app.cfg.scim_max_body,
			.threads = app.cfg.scim_threads,
			.max_connections = app.cfg.scim_max_connections,
			.per_ip = app.cfg.scim_per_ip,
			.timeout_s = app.cfg.scim_timeout,
		};

		r = gr_http_start(&hc, gr_app_handle, gr_app_log_request, &app, &srv, &err);
	}
	if (r < 0) {
		logline(LOG_ERR, "grouprole-scimd: %s", gr_err_msg(&err));
		goto out;
	}
	logline(LOG_INFO, "grouprole-scimd: listening on %s (%s), port %u", app.cfg.scim_listen,
		app.tls ? "https" : "http", gr_http_port(srv));
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s", app.cfg.scim_listen);

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			struct gr_config fresh;

			sd_notify(0, "RELOADING=1");
			r = gr_config_load(&fresh, config ? config : gr_config_default_path(), !config, &err);
			if (r == 0 && app.tls)
				r = gr_http_reload_tls(srv, fresh.tls_cert, fresh.tls_key, &err);
			if (r < 0)
				logline(LOG_ERR, "grouprole-scimd: reload failed, keeping the running "
						 "configuration: %s", gr_err_msg(&err));
			else
				logline(LOG_INFO, "grouprole-scimd: reloaded%s", app.tls ? " the certificate" : "");
			sd_notify(0, "READY=1");
			continue;
		}
		break;
	}
	sd_notify(0, "STOPPING=1");
	logline(LOG_INFO, "grouprole-scimd: stopping");
	status = 0;
out:
	/* Requests in progress finish, then the last change is published. */
	gr_http_stop(srv);
	if (app.pub) {
		gr_publisher_flush(app.pub);
		gr_publisher_stop(app.pub);
	}
	gr_metrics_free(app.metrics);
	gr_store_close(app.st);
	pthread_mutex_destroy(&app.store_lock);
	return status;
}

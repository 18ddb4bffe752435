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
#include "fleet/ldapconn.h"
#include "fleet/writer.h"
#include "http/server.h"
#include "publish/publish.h"
#include "server/app.h"
#include "server/status.h"
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

/* What `grouprolectl status` shows; written at start, after each publish and at exit. */
struct status {
	struct gr_app *app;
	pthread_mutex_t lock;
	int64_t started;
	const char *state;
	int64_t last_time;
	int last_result;
	char last_msg[256];
	double last_seconds;
	uint64_t last_generation;
	size_t last_shadowed;    /* the publisher thread's alone */
};

static void write_status(struct status *s)
{
	uint64_t requests = 0, auth = 0, pubs = 0, pub_fail = 0;
	struct gr_err err = { 0 };
	json_t *v;

	gr_metrics_totals(s->app->metrics, &requests, &auth, &pubs, &pub_fail);
	pthread_mutex_lock(&s->lock);
	v = json_pack("{s:I, s:I, s:s, s:b, s:s, s:I, s:I, s:I, s:I}", "pid", (json_int_t)getpid(),
		      "started", (json_int_t)s->started, "listen", s->app->cfg.scim_listen, "tls",
		      s->app->tls, "state", s->state, "requests", (json_int_t)requests,
		      "auth_failures", (json_int_t)auth, "publishes", (json_int_t)pubs,
		      "publish_failures", (json_int_t)pub_fail);
	if (v && s->last_time)
		json_object_set_new(v, "last_publish",
				    json_pack("{s:I, s:b, s:f, s:I, s:s}", "time",
					      (json_int_t)s->last_time, "ok", s->last_result == 0,
					      "seconds", s->last_seconds, "generation",
					      (json_int_t)s->last_generation, "error", s->last_msg));
	pthread_mutex_unlock(&s->lock);
	if (v && gr_status_write(&s->app->cfg, v, &err) < 0)
		logline(LOG_WARNING, "grouprole-scimd: %s", gr_err_msg(&err));
	json_decref(v);
}

static void on_published(void *ctx, int r, const char *msg, const struct gr_publish_stats *stats,
			 double seconds)
{
	struct status *s = ctx;

	pthread_mutex_lock(&s->lock);
	s->last_time = (int64_t)time(NULL);
	s->last_result = r;
	s->last_seconds = seconds;
	snprintf(s->last_msg, sizeof(s->last_msg), "%s", msg);
	if (r == 0)
		s->last_generation = stats->generation;
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		logline(LOG_ERR, "grouprole-scimd: publish failed (the old snapshots stay): %s", msg);
	/* users = yes: say so when the directory logins local accounts keep change in number. */
	if (r == 0 && stats->shadowed != s->last_shadowed && stats->shadowed)
		logline(LOG_WARNING,
			"grouprole-scimd: %zu directory login(s) are local accounts and not served as accounts (the first: %s); see grouprolectl check",
			stats->shadowed, stats->first_shadowed);
	if (r == 0)
		s->last_shadowed = stats->shadowed;
	write_status(s);
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
	struct status status = { .app = &app, .state = "running" };
	struct gr_http_server *srv = NULL;
	struct sockaddr_storage sa;
	struct gr_err err = { 0 };
	struct gr_fleet_writer *writer = NULL;
	sigset_t sigs;
	unsigned salen;
	int opt, sig, r, exit_code = 1;

	gr_ldap_skip_sasl_plugins();
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

	/*
	 * Unmapped: libtdb remaps a mapped file at every commit, and the sync of
	 * each commit write-protects the mapped pages it cleans (a TLB
	 * shootdown).  With group commit that is a commit every few requests;
	 * reads through pread cost less than both here (docs/performance.md,
	 * "grouprole-scimd", fifth session).
	 */
	r = gr_store_open(&app.cfg, GR_STORE_WRITE | GR_STORE_CREATE | GR_STORE_NOMMAP, &app.st,
			  &err);
	if (r < 0) {
		logline(LOG_ERR, "grouprole-scimd: %s", gr_err_msg(&err));
		return 1;
	}
	/* store = ldap: every change is on a provider before it is committed here. */
	if (gr_fleet_writer_attach(app.st, &writer, &err) < 0) {
		logline(LOG_ERR, "grouprole-scimd: %s", gr_err_msg(&err));
		gr_store_close(app.st);
		return 1;
	}
	if (writer)
		logline(LOG_INFO, "grouprole-scimd: store = ldap: writing to %s as %s",
			app.cfg.ldap_uri, app.cfg.ldap_writer_dn);
	app.metrics = gr_metrics_new();
	r = gr_event_dispatcher_start(&app.cfg, logline, &app.events);
	if (r < 0) {
		logline(LOG_ERR, "grouprole-scimd: cannot start the event thread: %s", strerror(-r));
		gr_metrics_free(app.metrics);
		gr_store_close(app.st);
		gr_fleet_writer_free(writer);
		return 1;
	}
	/* Before any request: every committed change from now on makes its events. */
	gr_store_event_sink(app.st, gr_app_events_sink, app.events);
	gr_app_init(&app);
	pthread_mutex_init(&status.lock, NULL);
	status.started = (int64_t)time(NULL);
	if (!app.metrics || gr_publisher_start(&app.gate, app.metrics, 20, on_published, &status,
					       gr_app_events_sink, app.events, &app.pub) < 0) {
		logline(LOG_ERR, "grouprole-scimd: cannot start the publisher");
		goto out;
	}
	{
		struct gr_http_config hc = {
			.listen = app.cfg.scim_listen,
			.tls_cert = app.tls ? app.cfg.tls_cert : NULL,
			.tls_key = app.tls ? app.cfg.tls_key : NULL,
			.max_body = app.cfg.scim_max_body,
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
	{
		/* Port 0 asked for any port: from here on, say which one it is. */
		char *colon = strrchr(app.cfg.scim_listen, ':');

		if (colon && !strcmp(colon, ":0"))
			snprintf(colon, sizeof(app.cfg.scim_listen) - (size_t)(colon - app.cfg.scim_listen),
				 ":%u", gr_http_port(srv));
	}
	write_status(&status);
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
				logline(LOG_INFO, "grouprole-scimd: reloaded%s; republishing in full",
					app.tls ? " the certificate" : "");
			/* The host may have changed under us (accounts, login.defs): resolve everyone again. */
			if (r == 0)
				gr_publisher_invalidate(app.pub);
			sd_notify(0, "READY=1");
			continue;
		}
		break;
	}
	sd_notify(0, "STOPPING=1");
	logline(LOG_INFO, "grouprole-scimd: stopping");
	exit_code = 0;
out:
	/* Requests in progress finish, then the last change is published. */
	gr_http_stop(srv);
	if (app.pub) {
		gr_publisher_flush(app.pub);
		gr_publisher_stop(app.pub);
		status.state = "stopped";
		write_status(&status);
	}
	gr_metrics_free(app.metrics);
	gr_app_destroy(&app);
	gr_store_close(app.st);
	gr_fleet_writer_free(writer);
	/* After the last commit and publish: their events are recorded; a hook running finishes. */
	gr_event_dispatcher_stop(app.events);
	return exit_code;
}

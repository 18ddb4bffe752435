/* SPDX-License-Identifier: MIT */
/*
 * grouprolectl status: what this host's daemons are doing, from the status
 * files they keep in the state directory: grouprole-scimd's
 * (lib/server/status.h) and, on a fleet host, grouprole-sync's
 * (lib/fleet/syncstatus.h).  Exit 0 when every daemon that ran here is
 * running, scimd's last publish worked and the host is not out of step
 * for longer than max_staleness; 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/escape.h"
#include "ctl.h"
#include "fleet/syncstatus.h"
#include "server/status.h"

/* grouprole-scimd's section, as it always was.  True when all is well. */
static bool print_scimd(const json_t *s)
{
	json_t *last = json_object_get(s, "last_publish");
	bool running = json_is_true(json_object_get(s, "running"));
	char t1[40], t2[40], listen[80];

	printf("grouprole-scimd: %s", running ? "running" : "not running");
	if (running)
		printf(" (pid %lld, since %s), %s on %s\n",
		       (long long)json_integer_value(json_object_get(s, "pid")),
		       ctl_format_time(json_integer_value(json_object_get(s, "started")), t1,
				       sizeof(t1)),
		       json_is_true(json_object_get(s, "tls")) ? "https" : "http",
		       gr_esc(listen, sizeof(listen), json_string_value(json_object_get(s, "listen")),
			      GR_ESC_TERM));
	else
		putchar('\n');
	printf("requests: %lld answered, %lld refused for a token\n",
	       (long long)json_integer_value(json_object_get(s, "requests")),
	       (long long)json_integer_value(json_object_get(s, "auth_failures")));
	printf("publishes: %lld, %lld failed\n",
	       (long long)json_integer_value(json_object_get(s, "publishes")),
	       (long long)json_integer_value(json_object_get(s, "publish_failures")));
	if (last) {
		printf("last publish: %s, %s, generation %lld, %.2f s",
		       ctl_format_time(json_integer_value(json_object_get(last, "time")), t2,
				       sizeof(t2)),
		       json_is_true(json_object_get(last, "ok")) ? "ok" : "FAILED",
		       (long long)json_integer_value(json_object_get(last, "generation")),
		       json_real_value(json_object_get(last, "seconds")));
		if (!json_is_true(json_object_get(last, "ok"))) {
			fputs(": ", stdout);
			gr_esc_put(stdout, json_string_value(json_object_get(last, "error")), 256,
				   GR_ESC_TERM);
		}
		putchar('\n');
	}
	return running && (!last || json_is_true(json_object_get(last, "ok")));
}

/*
 * Add what a reader wants computed to grouprole-sync's record: "staleness"
 * (seconds since the host was last in step; null when it never was),
 * "max_staleness" (0 = off) and "stale".
 */
static void add_staleness(const struct gr_config *cfg, json_t *s)
{
	json_int_t in_step = json_integer_value(json_object_get(s, "last_in_step"));
	json_int_t now = (json_int_t)time(NULL);
	json_int_t age = in_step > 0 && now > in_step ? now - in_step : 0;

	json_object_set_new(s, "staleness", in_step > 0 ? json_integer(age) : json_null());
	json_object_set_new(s, "max_staleness", json_integer(cfg->max_staleness));
	json_object_set_new(s, "stale", json_boolean(cfg->max_staleness &&
						     (in_step <= 0 || age > cfg->max_staleness)));
}

/* A time field of the sync record, or "never". */
static const char *sync_time(const json_t *s, const char *key, char *buf, size_t len)
{
	json_int_t t = json_integer_value(json_object_get(s, key));

	return t > 0 ? ctl_format_time(t, buf, len) : "never";
}

/* grouprole-sync's section.  True when it runs and the host is not stale. */
static bool print_sync(const json_t *s)
{
	bool running = json_is_true(json_object_get(s, "running"));
	bool stale = json_is_true(json_object_get(s, "stale"));
	const char *server = json_string_value(json_object_get(s, "server"));
	json_t *age = json_object_get(s, "staleness");
	char t[40];

	printf("grouprole-sync: %s", running ? "running" : "not running");
	if (running)
		printf(" (pid %lld, since %s)",
		       (long long)json_integer_value(json_object_get(s, "pid")),
		       sync_time(s, "started", t, sizeof(t)));
	fputs("\nserver: ", stdout);
	if (running && server) {
		gr_esc_put(stdout, server, 1024, GR_ESC_TERM);
		printf(" (since %s)\n", sync_time(s, "connected_since", t, sizeof(t)));
	} else {
		puts("none");
	}
	printf("last change applied: %s\n", sync_time(s, "last_change", t, sizeof(t)));
	printf("last in step: %s\n", sync_time(s, "last_in_step", t, sizeof(t)));
	if (json_is_integer(age))
		printf("staleness: %lld s", (long long)json_integer_value(age));
	else
		fputs("staleness: never in step", stdout);
	if (json_integer_value(json_object_get(s, "max_staleness")))
		printf(" (max_staleness %lld s)%s",
		       (long long)json_integer_value(json_object_get(s, "max_staleness")),
		       stale ? ": STALE" : "");
	putchar('\n');
	if (json_is_string(json_object_get(s, "last_error"))) {
		printf("last error: %s: ", sync_time(s, "last_error_time", t, sizeof(t)));
		gr_esc_put(stdout, json_string_value(json_object_get(s, "last_error")), 512,
			   GR_ESC_TERM);
		putchar('\n');
	}
	return running && !stale;
}

int cmd_status(struct ctl *c, int argc, char **argv)
{
	json_t *s = NULL, *sync = NULL;
	struct gr_err err;
	bool ok = true;
	int r;

	(void)argc;
	(void)argv;
	gr_err_clear(&err);
	r = gr_status_read(&c->cfg, &s, &err);
	if (r < 0 && r != -ENOENT)
		return ctl_error(c, &err);
	gr_err_clear(&err);
	r = gr_sync_status_read(&c->cfg, &sync, &err);
	if (r < 0 && r != -ENOENT) {
		json_decref(s);
		return ctl_error(c, &err);
	}
	if (!s && !sync)
		return ctl_fail(c, EXIT_REFUSED,
				"grouprole-scimd has not run with state_dir %s",
				c->cfg.state_dir);
	if (sync)
		add_staleness(&c->cfg, sync);
	if (c->json) {
		/* scimd's object as it was; a fleet host's adds "sync". */
		json_t *v = s ? json_incref(s) : json_object();

		if (sync)
			json_object_set(v, "sync", sync);
		ctl_print_json(v);
		json_decref(v);
	}
	if (s) {
		bool sok = json_is_true(json_object_get(s, "running"));
		json_t *last = json_object_get(s, "last_publish");

		sok = sok && (!last || json_is_true(json_object_get(last, "ok")));
		if (!c->json)
			sok = print_scimd(s);
		ok = ok && sok;
	}
	if (sync) {
		bool yok = json_is_true(json_object_get(sync, "running")) &&
			   !json_is_true(json_object_get(sync, "stale"));

		if (!c->json)
			yok = print_sync(sync);
		ok = ok && yok;
	}
	json_decref(s);
	json_decref(sync);
	return ok ? EXIT_OK : EXIT_REFUSED;
}

/* SPDX-License-Identifier: MIT */
/*
 * grouprolectl events [--since TIME] [--follow] [--json]: read the event
 * log (lib/events/log.h); and the delivery of the events of the command's
 * own changes when it exits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/escape.h"
#include "ctl.h"
#include "events/dispatch.h"
#include "events/event.h"
#include "events/log.h"

__attribute__((format(printf, 2, 3)))
static void warn(int priority, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	(void)priority;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	fputs("grouprolectl: warning: ", stderr);
	gr_esc_put(stderr, n < 0 ? "out of memory" : msg, GR_ESC_NOMAX, GR_ESC_TERM);
	fputc('\n', stderr);
	free(msg);
}

void ctl_deliver_events(struct ctl *c)
{
	if (!c->events)
		return;
	fflush(stdout); /* the command's output first, then whatever a hook prints */
	gr_events_deliver_now(&c->cfg, c->events, warn);
	json_decref(c->events);
	c->events = NULL;
}

/* --since: RFC 3339, YYYY-MM-DD, or -Nd/-Nh/-Nm (that long ago). */
static int parse_since(const char *s, long long now, long long *out)
{
	if (s[0] == '-') {
		char plus[32];
		long long n;

		if (snprintf(plus, sizeof(plus), "+%s", s + 1) >= (int)sizeof(plus) ||
		    ctl_parse_time(plus, 0, &n) < 0)
			return -EINVAL;
		*out = now - n;
		return 0;
	}
	return ctl_parse_time(s, now, out);
}

static void join(FILE *f, const char *label, const json_t *arr)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return;
	fprintf(f, " %s=", label);
	json_array_foreach(arr, i, v)
		fprintf(f, "%s%s", i ? "," : "", ctl_t(json_string_value(v)) ?: "");
}

static int print_event(const json_t *ev, void *ctx)
{
	struct ctl *c = ctx;
	const json_t *data = json_object_get(ev, "data");
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *login = json_string_value(json_object_get(data, "login"));

	if (c->json) {
		json_dumpf(ev, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		putchar('\n');
		return 0;
	}
	printf("%s %s %s", ctl_t(json_string_value(json_object_get(ev, "time"))),
	       ctl_t(type + strlen(GR_EVENT_TYPE_PREFIX)),
	       ctl_t(json_string_value(json_object_get(ev, "subject"))));
	if (login)
		printf(" login=%s", ctl_t(login));
	join(stdout, "roles", json_object_get(data, "roles"));
	join(stdout, "old", json_object_get(data, "old"));
	join(stdout, "new", json_object_get(data, "new"));
	join(stdout, "changes", json_object_get(data, "changes"));
	putchar('\n');
	return 0;
}

int cmd_events(struct ctl *c, int argc, char **argv)
{
	struct gr_event_cursor cur;
	struct gr_err err;
	long long since = 0;
	int r;

	(void)argc;
	(void)argv;
	if (c->opt_since && parse_since(c->opt_since, (long long)time(NULL), &since) < 0)
		return ctl_fail(c, EXIT_USAGE,
				"--since: expected RFC 3339 (2026-01-31T12:00:00Z), YYYY-MM-DD or -N[dhm], not '%s'",
				c->opt_since);
	gr_err_clear(&err);
	gr_event_cursor_init(&cur);
	for (;;) {
		r = gr_event_log_read(&c->cfg, &cur, since, print_event, c, &err);
		if (r < 0) {
			gr_event_cursor_close(&cur);
			return ctl_fail(c, EXIT_REFUSED, "%s", gr_err_msg(&err));
		}
		if (fflush(stdout) != 0 || !c->opt_follow)
			break;
		gr_event_log_wait(&c->cfg, &cur, 1000);
	}
	gr_event_cursor_close(&cur);
	if (cur.bad)
		warn(0, "%zu lines of the event log are not events; skipped", cur.bad);
	return EXIT_OK;
}

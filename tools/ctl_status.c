/* SPDX-License-Identifier: MIT */
/*
 * grouprolectl status: what grouprole-scimd on this host is doing, from the
 * status file it keeps in the state directory (lib/server/status.h).  Exit
 * 0 when it runs and its last publish worked, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/escape.h"
#include "ctl.h"
#include "server/status.h"

int cmd_status(struct ctl *c, int argc, char **argv)
{
	json_t *s = NULL, *last;
	struct gr_err err;
	bool running, ok;
	char t1[40], t2[40], listen[80];
	int r;

	gr_err_clear(&err);
	r = gr_status_read(&c->cfg, &s, &err);
	if (r == -ENOENT)
		return ctl_fail(c, EXIT_REFUSED, "grouprole-scimd has not run with state_dir %s",
				c->cfg.state_dir);
	if (r < 0)
		return ctl_error(c, &err);
	running = json_is_true(json_object_get(s, "running"));
	last = json_object_get(s, "last_publish");
	ok = running && (!last || json_is_true(json_object_get(last, "ok")));
	if (c->json) {
		ctl_print_json(s);
	} else {
		printf("grouprole-scimd: %s", running ? "running" : "not running");
		if (running)
			printf(" (pid %lld, since %s), %s on %s\n",
			       (long long)json_integer_value(json_object_get(s, "pid")),
			       ctl_format_time(json_integer_value(json_object_get(s, "started")), t1,
					       sizeof(t1)),
			       json_is_true(json_object_get(s, "tls")) ? "https" : "http",
			       gr_esc(listen, sizeof(listen),
				      json_string_value(json_object_get(s, "listen")), GR_ESC_TERM));
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
	}
	json_decref(s);
	return ok ? EXIT_OK : EXIT_REFUSED;
}

/* SPDX-License-Identifier: MIT */
#ifndef GR_EVENT_DISPATCH_H
#define GR_EVENT_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/config.h"

/*
 * Where committed events go: the event log (events/log.h), syslog, and
 * the configured event_hook.
 *
 * Syslog: one line per event at LOG_AUTHPRIV|LOG_NOTICE -- the events name
 * users, their logins and roles, which is what authpriv is for -- written
 * by this module itself, whatever the program logs elsewhere: the syslog
 * line is one of the event sinks, not a diagnostic.
 */

/* Log function of the program (priority, printf format) for the sinks' own failures. */
typedef void (*gr_event_logfn)(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * grouprolectl: append EVENTS (an array) to the log with fdatasync, a
 * syslog line each, then run the hook for each event in turn (each within
 * event_hook_timeout).  Failures go to LOG; the command's result does not
 * change, its change is committed already.
 */
void gr_events_deliver_now(const struct gr_config *cfg, const json_t *events, gr_event_logfn log);

/*
 * grouprole-scimd: the same, without ever making a request wait for a
 * hook or the system logger.  gr_event_dispatcher_emit appends to the log
 * at once (a write(2), no sync), queues the events' syslog lines for a
 * thread of their own (in order; when 65,536 wait, emit waits for room),
 * and queues each event for the hook thread; a full hook queue
 * (event_hook_queue) drops the event for the hook only, logged and counted.
 * The hook thread runs the hook for one event at a time and syncs the log
 * at most once a second.  Stopping writes every queued syslog line.
 * Thread-safe.
 */
struct gr_event_stats {
	uint64_t emitted;        /* events recorded */
	uint64_t log_failures;   /* batches the event log could not take */
	uint64_t hook_runs;
	uint64_t hook_failures;  /* non-zero exit, signal, or not started */
	uint64_t hook_timeouts;
	uint64_t hook_dropped;   /* queue full */
	unsigned queued;         /* waiting now */
};

struct gr_event_dispatcher;

int gr_event_dispatcher_start(const struct gr_config *cfg, gr_event_logfn log,
			      struct gr_event_dispatcher **out);
void gr_event_dispatcher_emit(struct gr_event_dispatcher *d, const json_t *events);
/* Tests: where the syslog lines go instead of syslog(3); set before the first emit. */
typedef void (*gr_event_line_fn)(int priority, const char *line);
void gr_event_dispatcher_line_fn(struct gr_event_dispatcher *d, gr_event_line_fn fn);
void gr_event_dispatcher_stats(struct gr_event_dispatcher *d, struct gr_event_stats *out);
/* Finish the hook that runs, drop (and count) what is still queued, stop the thread. */
void gr_event_dispatcher_stop(struct gr_event_dispatcher *d);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_EVENT_HOOK_H
#define GR_EVENT_HOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/gr_error.h"

/*
 * Running event_hook for one event: PROGRAM is started (no shell) in a
 * process group of its own, with the event's JSON on its standard input
 * (a socket pair: a hook that does not read cannot block us, nor kill us
 * with SIGPIPE), standard output on /dev/null, standard error inherited (the
 * daemon's journal), and an environment of PATH plus GROUPROLE_EVENT_TYPE,
 * GROUPROLE_EVENT_ID, GROUPROLE_EVENT_SUBJECT and, when the event names one,
 * GROUPROLE_EVENT_LOGIN (the Unix login: a name the store accepted as one,
 * so a shell hook can use it without parsing JSON).  When it has not exited
 * after TIMEOUT_MS its whole process group is killed (SIGKILL).
 *
 * The result says what happened; the caller logs it (library code does not).
 */
enum gr_hook_outcome {
	GR_HOOK_OK,        /* exited 0 */
	GR_HOOK_EXIT,      /* exited with STATUS != 0 */
	GR_HOOK_SIGNAL,    /* killed by signal STATUS */
	GR_HOOK_TIMEOUT,   /* ran past the limit and was killed */
	GR_HOOK_SPAWN,     /* could not be started (ERRNO_) */
};

struct gr_hook_result {
	enum gr_hook_outcome outcome;
	int status;
	int errno_;
	double seconds;
};

struct gr_hook_event {
	const char *json, *type, *id, *subject, *login; /* LOGIN may be NULL */
};

int gr_hook_run(const char *program, const struct gr_hook_event *ev, unsigned timeout_ms,
		struct gr_hook_result *res);

/* A sentence for a result that is not GR_HOOK_OK, into BUF. */
const char *gr_hook_describe(const char *program, const struct gr_hook_result *res, char *buf,
			     size_t len);

#endif

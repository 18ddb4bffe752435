/* SPDX-License-Identifier: MIT */
#ifndef GR_FLEET_SYNCSTATUS_H
#define GR_FLEET_SYNCSTATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "core/config.h"
#include "core/gr_error.h"

/*
 * state_dir/sync.status: what grouprole-sync is doing, for `grouprolectl
 * status`, `grouprolectl check` and pam_grouprole's staleness warning.
 *
 *   {"pid", "started", "state": "running"|"stopped", "server": URI|null,
 *    "connected_since", "last_change", "last_change_ns", "last_in_step",
 *    "last_error", "last_error_time"}
 *
 * Times are seconds since the epoch, null for never; last_change_ns is the
 * same moment as last_change in nanoseconds (CLOCK_REALTIME), for whoever
 * measures how fast a change crosses the fleet (make bench-fleet).  That
 * moment is taken after the commit *and* after the publish: when the
 * status says a change is applied, the NSS and PAM snapshot already has it.
 *
 * The daemon replaces it (temporary file, rename; root, 0644 like
 * scimd.status: it holds no secret and no directory data) when it starts
 * and stops, connects and disconnects, and after every commit -- never per
 * entry.
 *
 * "In step" is the last moment the host knew it had everything: a refresh
 * done, a persist poll answered (changes, or a quiet second on a live
 * connection).  The file's mtime always equals last_in_step: the daemon
 * sets it on every replacement and, while it follows a server, touches it
 * at most once a second.  So a reader learns the staleness with one
 * stat(), without parsing anything (gr_sync_staleness).
 */

#define GR_SYNC_STATUS_FILE "sync.status"

struct gr_sync_status {
	long long pid;
	time_t started;
	bool running;
	char server[1024];     /* "" = not connected */
	time_t connected_since;
	time_t last_change;    /* last commit that applied, deleted or purged something */
	int64_t last_change_ns; /* the same, in ns since the epoch (published by then) */
	time_t last_in_step;
	char last_error[512];
	time_t last_error_time;
};

/*
 * Start a record for this process: pid, started now, running, and the
 * history (last change, last in step) of the previous record when there
 * is one, so a restart neither forgets nor hides how stale the host is.
 */
void gr_sync_status_init(const struct gr_config *cfg, struct gr_sync_status *s);

/* Replace the file with S; its mtime becomes S->last_in_step. */
int gr_sync_status_write(const struct gr_config *cfg, const struct gr_sync_status *s,
			 struct gr_err *err);

/*
 * The host is in step at NOW: set S->last_in_step and the file's mtime
 * (one utimensat, only when the second changed).  Returns 0 or -errno.
 */
int gr_sync_status_touch(const struct gr_config *cfg, struct gr_sync_status *s, time_t now);

/*
 * Read the record back (new reference) with "running" (the pid is alive
 * and is grouprole-sync, and the state says so) and "last_in_step" taken
 * from the file's mtime.  -ENOENT when grouprole-sync never ran here.
 */
int gr_sync_status_read(const struct gr_config *cfg, json_t **out, struct gr_err *err);

/*
 * Seconds the host has been out of step at NOW (0 when in the future):
 * one stat() of the file, nothing parsed -- cheap enough for a login.
 * -ENOENT when grouprole-sync never ran here (not a fleet host).
 */
int gr_sync_staleness(const struct gr_config *cfg, time_t now, int64_t *seconds);

#endif

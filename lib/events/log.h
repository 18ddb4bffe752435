/* SPDX-License-Identifier: MIT */
#ifndef GR_EVENT_LOG_H
#define GR_EVENT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/config.h"
#include "core/gr_error.h"

/*
 * The event log: state_dir/events.log, one CloudEvents JSON object per line,
 * append-only, mode 0600, owned by root (it names users and their roles).
 *
 * Writers (grouprole-scimd, grouprolectl) append under an exclusive flock of
 * the file, with one write(2) per batch of events, O_APPEND.  When a batch
 * would take the file past cfg->event_log_max bytes, the writer first
 * renames it to events.log.1 (replacing the previous one) and starts a new
 * file, so the two files together hold between event_log_max and twice that.
 * A writer that opened the file before another rotated it notices under
 * the lock (the path names another inode) and reopens.
 *
 * Durability (SYNC): grouprolectl appends with fdatasync before it exits;
 * the daemon appends without syncing on the request path and its event
 * thread calls gr_event_log_sync at most once a second, so an event reaches
 * the disk within about a second of its commit.  A crash
 * between a commit and that write loses those events: delivery is at most
 * once (docs/events.md).
 */

#define GR_EVENT_LOG_FILE "events.log"
#define GR_EVENT_LOG_OLD "events.log.1"

/* Append every event of the array EVENTS.  0 or a negative code with ERR set. */
int gr_event_log_append(const struct gr_config *cfg, const json_t *events, bool sync,
			struct gr_err *err);

/* fdatasync the current log file (after appends without SYNC). */
int gr_event_log_sync(const struct gr_config *cfg, struct gr_err *err);

/*
 * Reading: a cursor remembers which file (inode) it reads and how far.
 * gr_event_log_read calls FN for every complete line from where the cursor
 * stands -- the first call starts with events.log.1, then events.log --
 * that parses as an event and whose time is at or after SINCE (seconds;
 * 0 for all).  Lines that do not parse are counted in BAD and skipped.  A
 * rotation since the last call is followed: the rest of the old file (now
 * events.log.1) is read before the new one.  A non-zero return of FN stops
 * the read and is returned.
 */
struct gr_event_cursor {
	bool started;
	dev_t dev;
	ino_t ino;
	/*
	 * The id of the file's first event: a rotated-away file's inode can be
	 * reused by a new log at once, so (dev, ino) alone would resume a new
	 * file in the middle of a line.
	 */
	char first_id[64];
	off_t off;
	size_t bad;
	int notify_fd; /* inotify on state_dir, for gr_event_log_wait; -1 until used */
};

typedef int (*gr_event_fn)(const json_t *ev, void *ctx);

void gr_event_cursor_init(struct gr_event_cursor *c);
void gr_event_cursor_close(struct gr_event_cursor *c);
int gr_event_log_read(const struct gr_config *cfg, struct gr_event_cursor *c, int64_t since,
		      gr_event_fn fn, void *ctx, struct gr_err *err);

/*
 * Wait until state_dir may hold new events (inotify), or TIMEOUT_MS pass
 * (a polling fallback where inotify is unavailable).  0, or -EINTR.
 */
int gr_event_log_wait(const struct gr_config *cfg, struct gr_event_cursor *c, int timeout_ms);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_PUBLISHER_H
#define GR_PUBLISHER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/gate.h"
#include "server/metrics.h"

/*
 * The daemon's publishing thread.  Every commit kicks it; kicks that arrive
 * while it waits or works are coalesced into one publish, so a burst of
 * SCIM requests costs one rebuild.  It also wakes when the snapshot's
 * earliest assignment expiry passes, so an expired assignment leaves NSS
 * without a timer.
 *
 * It keeps a publish model (lib/publish/model.h) that observes the store
 * handle, so a publish re-resolves only the users the daemon's commits
 * touched.  It holds the store (through the gate, between batches) only
 * while it brings the model up to date; writing the snapshots from the
 * model happens while requests go on.
 */

struct gr_publisher;

/*
 * Called on the publishing thread after every publish attempt: R is its
 * result (0 or a negative code, MSG the sentence), STATS what was
 * published, SECONDS how long it took.
 */
struct gr_publish_stats;
typedef void (*gr_published_fn)(void *ctx, int r, const char *msg,
				const struct gr_publish_stats *stats, double seconds);

/*
 * Start the thread.  COALESCE_MS: how long to wait after the first kick for
 * more (0 publishes at once).  AFTER (may be NULL) is told of every publish.
 * EVENTS (may be NULL) gets user.roles.changed events (lib/publish/rolediff.h)
 * on the publishing thread after each publish that installed snapshots:
 * the logins whose roles that publish changed.  Returns 0 or -errno.
 */
int gr_publisher_start(struct gr_gate *gate, struct gr_metrics *m, unsigned coalesce_ms,
		       gr_published_fn after, void *after_ctx, gr_store_event_sink_fn events,
		       void *events_ctx, struct gr_publisher **out);

/* A commit happened now: publish soon. */
void gr_publisher_kick(struct gr_publisher *p);

/* Something besides the store changed (the config): re-resolve everyone, soon. */
void gr_publisher_invalidate(struct gr_publisher *p);

/* Wait until everything kicked before this call is published (tests, shutdown). */
void gr_publisher_flush(struct gr_publisher *p);

/* Publish what is pending, stop the thread, free P. */
void gr_publisher_stop(struct gr_publisher *p);

/* The last publish's result: 0 or a negative code, and its message (copied into MSG). */
int gr_publisher_last(struct gr_publisher *p, char *msg, size_t len);

#endif

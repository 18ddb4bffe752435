/* SPDX-License-Identifier: MIT */
#ifndef GR_METRICS_H
#define GR_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The daemon's counters, rendered in the Prometheus text exposition format
 * for GET /metrics.  Thread-safe (one mutex; every update is a few
 * additions).  Label values are directory names (slugs), methods and
 * status codes: nothing that needs escaping, nothing secret.
 */

struct gr_metrics;

struct gr_metrics *gr_metrics_new(void);
void gr_metrics_free(struct gr_metrics *m);

/* One answered request: DIRECTORY may be NULL (not a SCIM path). */
void gr_metrics_request(struct gr_metrics *m, const char *directory, const char *method,
			unsigned status, double seconds);
void gr_metrics_auth_failure(struct gr_metrics *m);
/*
 * A publish finished: the time from the oldest commit it covers to the
 * snapshot being in place; PATCHED when it patched the last snapshots.
 */
void gr_metrics_published(struct gr_metrics *m, double commit_to_published, int64_t when,
			  int ok, bool patched);

/* A batch of UNITS requests was committed (or found nothing to commit) in SECONDS. */
void gr_metrics_commit(struct gr_metrics *m, unsigned units, double seconds);

/* Totals for a status line: requests answered, token refusals, publishes and failed ones. */
void gr_metrics_totals(struct gr_metrics *m, uint64_t *requests, uint64_t *auth_failures,
		       uint64_t *publishes, uint64_t *publish_failures);

/* Write everything to F. */
void gr_metrics_render(struct gr_metrics *m, FILE *f);

/* The event counters (lib/events/dispatch.h), to F after the rest. */
struct gr_event_stats;
void gr_metrics_render_events(FILE *f, const struct gr_event_stats *s);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_GATE_H
#define GR_GATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/*
 * The one way the daemon's threads reach its store handle: libtdb is not
 * thread-safe, so one thread at a time, and every request is a unit of a
 * group commit (gr_store_batch_begin).
 *
 * A request thread runs its work as a unit of the open batch (opening one
 * if none is).  When it is done and other requests are queued behind it,
 * it leaves the batch open for them and sleeps; the last one in (no one
 * queued, or GR_GATE_MAX_BATCH units) commits the batch with one sync and
 * wakes the others.  Every unit -- a read too, which may have seen the
 * batch's other changes -- learns the batch's result before it answers, so
 * no client hears of a change before it is on disk.  With one client at a
 * time each batch is that one request, as before.
 *
 * The publisher takes the store between batches (gr_gate_exclusive), so it
 * only ever reads committed state; once it asks, the open batch is the
 * last before it, however busy the clients keep the gate.
 */

#define GR_GATE_MAX_BATCH 64

struct gr_gate_waiter;

struct gr_gate {
	struct gr_store *st;
	pthread_mutex_t lock;
	pthread_cond_t done;      /* a batch ended */
	atomic_uint queued;       /* units waiting for LOCK */
	bool open;                /* a batch is open */
	unsigned exclusive_wanted; /* gr_gate_exclusive callers waiting: no new batch opens */
	unsigned units;           /* in the open batch */
	struct gr_gate_waiter *waiters; /* units of the open batch waiting for its end */
	/* Called under LOCK when a batch rolled back (caches computed inside it). */
	void (*rolled_back)(void *ctx);
	void *rolled_back_ctx;
	/* Told of every batch that ended well: its units and its commit time (may be NULL). */
	void (*committed)(void *ctx, unsigned units, double seconds);
	void *committed_ctx;
};

void gr_gate_init(struct gr_gate *g, struct gr_store *st);
void gr_gate_destroy(struct gr_gate *g);

/*
 * Run FN(CTX) as a unit of a batch and wait for the batch's end.  FN may
 * use the store (gr_store_begin/commit/cancel, reads).  Returns 0 when the
 * batch is durable (or had nothing to commit), or the batch's failure
 * (ERR says why): then whatever FN did is rolled back -- or, -GR_E_UNSYNCED,
 * applied but not confirmed -- and FN's answer must not be given.
 */
int gr_gate_run(struct gr_gate *g, void (*fn)(void *ctx), void *ctx, struct gr_err *err);

/* Run FN(CTX) with the store to itself, no batch open (the publisher). */
void gr_gate_exclusive(struct gr_gate *g, void (*fn)(void *ctx), void *ctx);

#endif

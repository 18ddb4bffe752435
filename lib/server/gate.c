/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "server/gate.h"

/* A unit waiting for its batch's end; lives on that unit's stack. */
struct gr_gate_waiter {
	struct gr_gate_waiter *next;
	bool ended;
	int r;
	struct gr_err err;
};

void gr_gate_init(struct gr_gate *g, struct gr_store *st)
{
	memset(g, 0, sizeof(*g));
	g->st = st;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->done, NULL);
	atomic_init(&g->queued, 0);
}

void gr_gate_destroy(struct gr_gate *g)
{
	pthread_cond_destroy(&g->done);
	pthread_mutex_destroy(&g->lock);
}

/* Commit the open batch; tell every waiting unit. Under LOCK. */
static int end_batch(struct gr_gate *g, struct gr_err *err)
{
	struct gr_gate_waiter *w;
	struct timespec t0, t1;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = gr_store_batch_end(g->st, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	g->open = false;
	if (r == 0 && g->committed) {
		g->committed(g->committed_ctx, g->units,
			     (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	} else if (r < 0 && r != -GR_E_UNSYNCED && g->rolled_back) {
		g->rolled_back(g->rolled_back_ctx);
	}
	for (w = g->waiters; w; w = w->next) {
		w->r = r;
		if (r < 0)
			w->err = *err;
		w->ended = true;
	}
	g->waiters = NULL;
	g->units = 0;
	pthread_cond_broadcast(&g->done);
	return r;
}

int gr_gate_run(struct gr_gate *g, void (*fn)(void *ctx), void *ctx, struct gr_err *err)
{
	struct gr_gate_waiter self = { 0 };
	int r;

	atomic_fetch_add(&g->queued, 1);
	pthread_mutex_lock(&g->lock);
	atomic_fetch_sub(&g->queued, 1);
	/* The publisher asked for the store: it gets it before a new batch opens. */
	while (!g->open && g->exclusive_wanted)
		pthread_cond_wait(&g->done, &g->lock);
	if (!g->open) {
		r = gr_store_batch_begin(g->st, err);
		if (r < 0) {
			pthread_mutex_unlock(&g->lock);
			return r;
		}
		g->open = true;
	}
	fn(ctx);
	g->units++;
	if (atomic_load(&g->queued) > 0 && g->units < GR_GATE_MAX_BATCH) {
		/* Others are queued: they join this batch, and the last of them commits it. */
		self.next = g->waiters;
		g->waiters = &self;
		while (!self.ended)
			pthread_cond_wait(&g->done, &g->lock);
		pthread_mutex_unlock(&g->lock);
		if (self.r < 0)
			*err = self.err;
		return self.r;
	}
	r = end_batch(g, err);
	pthread_mutex_unlock(&g->lock);
	return r;
}

void gr_gate_exclusive(struct gr_gate *g, void (*fn)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&g->lock);
	g->exclusive_wanted++;
	while (g->open)
		pthread_cond_wait(&g->done, &g->lock);
	fn(ctx);
	g->exclusive_wanted--;
	pthread_cond_broadcast(&g->done);
	pthread_mutex_unlock(&g->lock);
}

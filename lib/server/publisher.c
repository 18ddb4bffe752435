/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "publish/model.h"
#include "publish/publish.h"
#include "publish/rolediff.h"
#include "server/publisher.h"

extern char **environ;

struct gr_publisher {
	struct gr_gate *gate;
	struct gr_pub_model *model; /* the publisher thread's; its notes under the gate */
	struct gr_metrics *metrics;
	unsigned coalesce_ms;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* kicks, stop, and "published up to" for flush */
	uint64_t kicked, done;    /* kick counter and the counter the last publish covered */
	uint64_t taken;           /* the counter the publish under way covers (= done between) */
	struct timespec first_kick; /* of the oldest kick after TAKEN */
	bool stopping;
	int64_t next_expiry;
	uint64_t attempts;        /* publishes tried, for flush */
	double last_seconds;      /* how long the last publish took */
	double incr_seconds;      /* ... the last incremental one */
	unsigned fulls_in_row;    /* full rebuilds since the last incremental publish */
	gr_published_fn after;
	void *after_ctx;
	gr_store_event_sink_fn events;
	void *events_ctx;
	int last_result;
	char last_msg[512];
};

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* nscd caches group lookups: tell it to forget them, when it runs. */
/* Invalidate nscd's group cache, and its passwd cache with users = yes. */
static void flush_nscd(bool users)
{
	static const char *const nscd[] = { "/usr/sbin/nscd", "/sbin/nscd" };
	static const char *const dbs[] = { "group", "passwd" };
	struct stat sb;
	size_t i, d;

	if (stat("/var/run/nscd/socket", &sb) < 0 && stat("/run/nscd/socket", &sb) < 0)
		return;
	for (i = 0; i < sizeof(nscd) / sizeof(nscd[0]); i++) {
		if (access(nscd[i], X_OK) < 0)
			continue;
		for (d = 0; d < (users ? 2u : 1u); d++) {
			char *argv[] = { (char *)nscd[i], (char *)"-i", (char *)dbs[d], NULL };
			pid_t pid;
			int status;

			if (posix_spawn(&pid, nscd[i], NULL, NULL, argv, environ) == 0)
				waitpid(pid, &status, 0);
		}
		return;
	}
}

struct update {
	struct gr_publisher *p;
	struct gr_publish_stats *stats;
	struct gr_err *err;
	int r;
};

static void update(void *arg)
{
	struct update *u = arg;

	u->r = gr_pub_model_update(u->p->model, u->p->gate->st, u->stats, u->err);
}

/* Bring the model up to date under the gate, then write the snapshots without it. */
static int publish(struct gr_publisher *p, struct gr_publish_stats *stats, struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(p->gate->st);
	struct update u = { p, stats, err, 0 };
	int lockfd = gr_publish_lock(cfg, err);

	if (lockfd < 0)
		return lockfd;
	gr_gate_exclusive(p->gate, update, &u);
	if (u.r == 0)
		u.r = gr_pub_model_write(p->model, cfg, stats, err);
	gr_publish_unlock(lockfd);
	return u.r;
}

/* The logins whose roles the publish just installed changed: user.roles.changed. */
static void announce_roles(struct gr_publisher *p)
{
	json_t *changes = gr_pub_model_take_changes(p->model), *events = NULL;

	if (json_array_size(changes))
		events = gr_roles_change_events(changes, "publish");
	if (events)
		p->events(p->events_ctx, events);
	json_decref(events);
	json_decref(changes);
}

static void *run(void *arg)
{
	struct gr_publisher *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct gr_publish_stats stats = { 0 };
		struct gr_err err = { 0 };
		struct timespec first, started;
		uint64_t covering;
		int r;

		while (p->kicked == p->done && !p->stopping) {
			if (p->next_expiry > 0) {
				struct timespec until = { .tv_sec = (time_t)p->next_expiry };

				/* The expiry is wall-clock time: wait on the realtime clock for it. */
				if (pthread_cond_timedwait(&p->cond, &p->lock, &until) == ETIMEDOUT &&
				    time(NULL) >= p->next_expiry) {
					p->kicked++;
					clock_gettime(CLOCK_MONOTONIC, &p->first_kick);
				}
			} else {
				pthread_cond_wait(&p->cond, &p->lock);
			}
		}
		if (p->kicked == p->done && p->stopping)
			break;
		if (!p->stopping) {
			/*
			 * Gather kicks for COALESCE_MS, or for as long as the last
			 * publish took if that was longer: a large directory's
			 * snapshots take a while to write and sync, and commits
			 * share the disk (and, during a full rebuild, the store)
			 * with them.  Requests keep at least half of both, and a
			 * burst still costs one publish.  A full rebuild (a role
			 * mapped, a restart) says little about the publish after
			 * it, most likely incremental: after one, wait as long as the
			 * last incremental publish took; after two in a row, as long
			 * as the full one did.
			 */
			double took = p->fulls_in_row == 1 ? p->incr_seconds : p->last_seconds;
			double wait = took > p->coalesce_ms / 1000.0 ? took : p->coalesce_ms / 1000.0;

			pthread_mutex_unlock(&p->lock);
			if (wait > 0)
				usleep((useconds_t)(wait * 1e6));
			pthread_mutex_lock(&p->lock);
		}
		covering = p->kicked;
		p->taken = covering;
		first = p->first_kick;
		pthread_mutex_unlock(&p->lock);

		clock_gettime(CLOCK_MONOTONIC, &started);
		r = publish(p, &stats, &err);
		if (r == 0)
			flush_nscd(gr_store_config(p->gate->st)->users);
		if (r == 0 && p->events)
			announce_roles(p);
		if (p->metrics)
			gr_metrics_published(p->metrics, since(&first), (int64_t)time(NULL), r == 0,
					     r == 0 && stats.patched);
		if (p->after)
			p->after(p->after_ctx, r, r == 0 ? "" : gr_err_msg(&err), &stats, since(&started));

		pthread_mutex_lock(&p->lock);
		p->last_result = r;
		p->attempts++;
		p->last_seconds = since(&started);
		if (r == 0 && stats.full) {
			p->fulls_in_row++;
		} else if (r == 0) {
			p->fulls_in_row = 0;
			p->incr_seconds = p->last_seconds;
		}
		snprintf(p->last_msg, sizeof(p->last_msg), "%s", r == 0 ? "" : gr_err_msg(&err));
		if (r == 0)
			p->next_expiry = stats.next_expiry;
		p->done = covering; /* kicks during the publish set first_kick themselves */
		pthread_cond_broadcast(&p->cond);
		if (r < 0 && p->stopping)
			break; /* stopping: the snapshot stays as it was; the next start publishes */
		if (r < 0) {
			/* A failed publish (a full disk) is tried again, not forgotten; not in a tight loop. */
			struct timespec retry;

			clock_gettime(CLOCK_REALTIME, &retry);
			retry.tv_sec += 1;
			p->done = p->taken = covering - 1;
			p->first_kick = first; /* what failed is still waiting, since then */
			pthread_cond_timedwait(&p->cond, &p->lock, &retry);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void observe(void *arg)
{
	struct gr_publisher *p = arg;

	gr_store_observe(p->gate->st, p->model ? gr_pub_model_observe : NULL, p->model);
}

int gr_publisher_start(struct gr_gate *gate, struct gr_metrics *m, unsigned coalesce_ms,
		       gr_published_fn after, void *after_ctx, gr_store_event_sink_fn events,
		       void *events_ctx, struct gr_publisher **out)
{
	struct gr_publisher *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;
	int r;

	if (!p)
		return -ENOMEM;
	if (gr_pub_model_new(&p->model) < 0) {
		free(p);
		return -ENOMEM;
	}
	gr_pub_model_track_roles(p->model, events != NULL);
	p->events = events;
	p->events_ctx = events_ctx;
	p->gate = gate;
	gr_gate_exclusive(gate, observe, p);
	p->metrics = m;
	p->coalesce_ms = coalesce_ms;
	p->after = after;
	p->after_ctx = after_ctx;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_REALTIME);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* Publish once at start: the snapshot may be older than the store (a crash, a full disk). */
	p->kicked = 1;
	clock_gettime(CLOCK_MONOTONIC, &p->first_kick);
	r = pthread_create(&p->thread, NULL, run, p);
	if (r) {
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		gr_pub_model_free(p->model);
		p->model = NULL;
		gr_gate_exclusive(gate, observe, p);
		free(p);
		return -r;
	}
	*out = p;
	return 0;
}

void gr_publisher_kick(struct gr_publisher *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->kicked == p->taken)
		clock_gettime(CLOCK_MONOTONIC, &p->first_kick);
	p->kicked++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void gr_publisher_flush(struct gr_publisher *p)
{
	uint64_t want, tried;

	pthread_mutex_lock(&p->lock);
	want = p->kicked;
	tried = p->attempts;
	/* Until what was kicked is published, or an attempt made after this call failed. */
	while (p->done < want && !(p->attempts > tried && p->last_result < 0))
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void gr_publisher_stop(struct gr_publisher *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	gr_pub_model_free(p->model);
	p->model = NULL;
	gr_gate_exclusive(p->gate, observe, p);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static void invalidate(void *arg)
{
	gr_pub_model_invalidate(((struct gr_publisher *)arg)->model);
}

void gr_publisher_invalidate(struct gr_publisher *p)
{
	gr_gate_exclusive(p->gate, invalidate, p);
	gr_publisher_kick(p);
}

int gr_publisher_last(struct gr_publisher *p, char *msg, size_t len)
{
	int r;

	pthread_mutex_lock(&p->lock);
	r = p->last_result;
	snprintf(msg, len, "%s", p->last_msg);
	pthread_mutex_unlock(&p->lock);
	return r;
}

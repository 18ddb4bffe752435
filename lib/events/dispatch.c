/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "events/dispatch.h"
#include "events/event.h"
#include "events/hook.h"
#include "events/log.h"

static void syslog_line(int priority, const char *line)
{
	syslog(priority, "%s", line);
}

static void to_syslog(const json_t *events, gr_event_line_fn out)
{
	char line[1024];
	size_t i;
	json_t *ev;

	json_array_foreach(events, i, ev)
		out(LOG_AUTHPRIV | LOG_NOTICE, gr_event_log_line(ev, line, sizeof(line)));
}

/* Run the hook for EV; logs what went wrong. */
static enum gr_hook_outcome run_hook(const struct gr_config *cfg, const struct gr_hook_event *ev,
				     gr_event_logfn log)
{
	struct gr_hook_result res;
	char msg[PATH_MAX + 128];

	if (gr_hook_run(cfg->event_hook, ev, cfg->event_hook_timeout * 1000u, &res) < 0)
		log(res.outcome == GR_HOOK_TIMEOUT ? LOG_ERR : LOG_WARNING, "%s (event %s %s)",
		    gr_hook_describe(cfg->event_hook, &res, msg, sizeof(msg)), ev->type, ev->id);
	return res.outcome;
}

static const char *ev_str(const json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key)) ?: "";
}

/* The hook's view of EV, pointing into it; JSON is its text (the caller's). */
static struct gr_hook_event hook_event(const json_t *ev, const char *json)
{
	struct gr_hook_event h = {
		.json = json, .type = ev_str(ev, "type"), .id = ev_str(ev, "id"),
		.subject = ev_str(ev, "subject"),
		.login = json_string_value(json_object_get(json_object_get(ev, "data"), "login")),
	};

	return h;
}

void gr_events_deliver_now(const struct gr_config *cfg, const json_t *events, gr_event_logfn log)
{
	struct gr_err err = { 0 };
	size_t i;
	json_t *ev;

	if (!json_array_size(events))
		return;
	if (gr_event_log_append(cfg, events, true, &err) < 0)
		log(LOG_ERR, "event log: %s", gr_err_msg(&err));
	to_syslog(events, syslog_line);
	if (!cfg->event_hook[0])
		return;
	json_array_foreach(events, i, ev) {
		char *json = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
		struct gr_hook_event h = hook_event(ev, json);

		if (json)
			run_hook(cfg, &h, log);
		free(json);
	}
}

/* ---- the daemon's hook thread ---- */

struct queued {
	char *json, *type, *id, *subject, *login;
};

struct gr_event_dispatcher {
	struct gr_config cfg;
	gr_event_logfn log;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct queued *ring;
	unsigned cap, head, n;
	bool stopping, dirty;
	struct timespec next_sync; /* CLOCK_MONOTONIC: the log is synced at most once a second */
	struct gr_event_stats stats;
	/* The syslog lines' own queue and thread (syslog_thread). */
	pthread_t syslog_thread;
	pthread_mutex_t lines_lock;
	pthread_cond_t lines_ready, lines_room;
	json_t *lines; /* events waiting for their syslog line, oldest first */
	gr_event_line_fn line_out;
	bool lines_stop;
};

/*
 * Events a syslog line may wait behind before gr_event_dispatcher_emit
 * waits for room: the lines are late at worst, never lost.
 */
#define LINES_MAX 65536

static bool sync_due(const struct gr_event_dispatcher *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->next_sync.tv_sec ||
	       (now.tv_sec == d->next_sync.tv_sec && now.tv_nsec >= d->next_sync.tv_nsec);
}

static void queued_free(struct queued *q)
{
	free(q->json);
	free(q->type);
	free(q->id);
	free(q->subject);
	free(q->login);
	memset(q, 0, sizeof(*q));
}

static void *hook_thread(void *arg)
{
	struct gr_event_dispatcher *d = arg;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct queued q;
		enum gr_hook_outcome o;
		bool dirty;

		while (!d->n && !d->stopping && !(d->dirty && sync_due(d))) {
			if (d->dirty)
				pthread_cond_timedwait(&d->cond, &d->lock, &d->next_sync);
			else
				pthread_cond_wait(&d->cond, &d->lock);
		}
		dirty = d->dirty && (d->stopping || sync_due(d));
		if (dirty) {
			struct gr_err err = { 0 };

			/*
			 * The events written since the last sync reach the disk, off the
			 * request path, at most once a second: a sync per request would
			 * compete with the commits' own (measured: +12 % per request).
			 */
			d->dirty = false;
			clock_gettime(CLOCK_MONOTONIC, &d->next_sync);
			d->next_sync.tv_sec += 1;
			pthread_mutex_unlock(&d->lock);
			if (gr_event_log_sync(&d->cfg, &err) < 0)
				d->log(LOG_ERR, "event log: %s", gr_err_msg(&err));
			pthread_mutex_lock(&d->lock);
		}
		if (d->stopping)
			break;
		if (!d->n)
			continue;
		q = d->ring[d->head];
		memset(&d->ring[d->head], 0, sizeof(q));
		d->head = (d->head + 1) % d->cap;
		d->n--;
		pthread_mutex_unlock(&d->lock);
		{
			struct gr_hook_event h = { q.json, q.type, q.id, q.subject, q.login };

			o = run_hook(&d->cfg, &h, d->log);
		}
		queued_free(&q);
		pthread_mutex_lock(&d->lock);
		d->stats.hook_runs++;
		if (o == GR_HOOK_TIMEOUT)
			d->stats.hook_timeouts++;
		else if (o != GR_HOOK_OK)
			d->stats.hook_failures++;
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/*
 * syslog(3) is a blocking send to /dev/log: from this thread, so that the
 * caller of gr_event_dispatcher_emit (grouprole-scimd holds its store then)
 * never waits for the system logger, nor formats a line per event.
 */
static void *syslog_thread(void *arg)
{
	struct gr_event_dispatcher *d = arg;

	pthread_mutex_lock(&d->lines_lock);
	for (;;) {
		gr_event_line_fn out;
		json_t *take;

		while (!json_array_size(d->lines) && !d->lines_stop)
			pthread_cond_wait(&d->lines_ready, &d->lines_lock);
		if (!json_array_size(d->lines))
			break; /* stopping, all written */
		take = d->lines;
		d->lines = json_array(); /* NULL, out of memory: queue_lines writes its own */
		out = d->line_out;
		pthread_cond_broadcast(&d->lines_room);
		pthread_mutex_unlock(&d->lines_lock);
		to_syslog(take, out);
		json_decref(take);
		pthread_mutex_lock(&d->lines_lock);
		if (!d->lines && !(d->lines = json_array()))
			break;
	}
	pthread_mutex_unlock(&d->lines_lock);
	return NULL;
}

/* Queue EVENTS' syslog lines; writes them here when the queue cannot take them. */
static void queue_lines(struct gr_event_dispatcher *d, const json_t *events)
{
	gr_event_line_fn out;

	pthread_mutex_lock(&d->lines_lock);
	while (d->lines && json_array_size(d->lines) >= LINES_MAX)
		pthread_cond_wait(&d->lines_room, &d->lines_lock);
	if (d->lines && json_array_extend(d->lines, (json_t *)events) == 0) {
		pthread_cond_signal(&d->lines_ready);
		pthread_mutex_unlock(&d->lines_lock);
		return;
	}
	out = d->line_out;
	pthread_mutex_unlock(&d->lines_lock);
	to_syslog(events, out);
}

int gr_event_dispatcher_start(const struct gr_config *cfg, gr_event_logfn log,
			      struct gr_event_dispatcher **out)
{
	struct gr_event_dispatcher *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	d->log = log;
	d->cap = cfg->event_hook_queue ? cfg->event_hook_queue : 1;
	d->ring = calloc(d->cap, sizeof(*d->ring));
	d->lines = json_array();
	d->line_out = syslog_line;
	if (!d->ring || !d->lines) {
		json_decref(d->lines);
		free(d->ring);
		free(d);
		return -ENOMEM;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->lines_lock, NULL);
	pthread_cond_init(&d->lines_ready, NULL);
	pthread_cond_init(&d->lines_room, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&d->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	r = pthread_create(&d->thread, NULL, hook_thread, d);
	if (!r) {
		r = pthread_create(&d->syslog_thread, NULL, syslog_thread, d);
		if (r) {
			pthread_mutex_lock(&d->lock);
			d->stopping = true;
			pthread_cond_signal(&d->cond);
			pthread_mutex_unlock(&d->lock);
			pthread_join(d->thread, NULL);
		}
	}
	if (r) {
		pthread_cond_destroy(&d->lines_room);
		pthread_cond_destroy(&d->lines_ready);
		pthread_mutex_destroy(&d->lines_lock);
		pthread_cond_destroy(&d->cond);
		pthread_mutex_destroy(&d->lock);
		json_decref(d->lines);
		free(d->ring);
		free(d);
		return -r;
	}
	*out = d;
	return 0;
}

/* Copy EV's text and attributes into Q; false when out of memory. */
static bool queued_fill(struct queued *q, const json_t *ev)
{
	char *json = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	struct gr_hook_event h = hook_event(ev, json);

	q->json = json;
	q->type = strdup(h.type);
	q->id = strdup(h.id);
	q->subject = strdup(h.subject);
	q->login = h.login ? strdup(h.login) : NULL;
	if (q->json && q->type && q->id && q->subject && (q->login || !h.login))
		return true;
	queued_free(q);
	return false;
}

void gr_event_dispatcher_emit(struct gr_event_dispatcher *d, const json_t *events)
{
	struct gr_err err = { 0 };
	size_t i, dropped = 0;
	json_t *ev;
	int r;

	if (!json_array_size(events))
		return;
	r = gr_event_log_append(&d->cfg, events, false, &err);
	if (r < 0)
		d->log(LOG_ERR, "event log: %s", gr_err_msg(&err));
	queue_lines(d, events);
	pthread_mutex_lock(&d->lock);
	d->stats.emitted += json_array_size(events);
	d->stats.log_failures += r < 0;
	d->dirty |= r == 0;
	json_array_foreach(events, i, ev) {
		struct queued *q;

		if (!d->cfg.event_hook[0])
			break;
		if (d->n == d->cap) {
			dropped++;
			continue;
		}
		q = &d->ring[(d->head + d->n) % d->cap];
		if (!queued_fill(q, ev)) {
			dropped++;
			continue;
		}
		d->n++;
	}
	d->stats.hook_dropped += dropped;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	if (dropped)
		d->log(LOG_ERR, "event hook: queue full (%u events); %zu events will not run the hook",
		       d->cfg.event_hook_queue, dropped);
}

void gr_event_dispatcher_line_fn(struct gr_event_dispatcher *d, gr_event_line_fn fn)
{
	pthread_mutex_lock(&d->lines_lock);
	d->line_out = fn;
	pthread_mutex_unlock(&d->lines_lock);
}

void gr_event_dispatcher_stats(struct gr_event_dispatcher *d, struct gr_event_stats *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->stats;
	out->queued = d->n;
	pthread_mutex_unlock(&d->lock);
}

void gr_event_dispatcher_stop(struct gr_event_dispatcher *d)
{
	unsigned left;

	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	/* Every queued syslog line is written before the thread ends. */
	pthread_mutex_lock(&d->lines_lock);
	d->lines_stop = true;
	pthread_cond_signal(&d->lines_ready);
	pthread_mutex_unlock(&d->lines_lock);
	pthread_join(d->syslog_thread, NULL);
	left = d->n;
	while (d->n) {
		queued_free(&d->ring[d->head]);
		d->head = (d->head + 1) % d->cap;
		d->n--;
	}
	if (left)
		d->log(LOG_WARNING, "event hook: stopping; %u queued events will not run the hook", left);
	pthread_cond_destroy(&d->lines_room);
	pthread_cond_destroy(&d->lines_ready);
	pthread_mutex_destroy(&d->lines_lock);
	json_decref(d->lines);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	free(d->ring);
	free(d);
}

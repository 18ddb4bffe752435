/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "events/dispatch.h"
#include "server/metrics.h"

/* Latency buckets in seconds (le=...), shared by both histograms. */
static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 };
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))
#define MAX_SERIES 256

struct histogram {
	uint64_t counts[N_BUCKETS + 1];
	double sum;
	uint64_t n;
};

struct series {
	char directory[65];
	char method[8];
	unsigned status;
	uint64_t count;
};

struct gr_metrics {
	pthread_mutex_t lock;
	struct series series[MAX_SERIES];
	size_t n_series;
	uint64_t dropped_series;
	struct histogram latency;
	struct histogram publish_lag;
	struct histogram commit;
	uint64_t batch_units;
	uint64_t auth_failures;
	uint64_t publishes, publish_failures;
	int64_t last_publish;
	uint64_t publish_patches;
};

struct gr_metrics *gr_metrics_new(void)
{
	struct gr_metrics *m = calloc(1, sizeof(*m));

	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void gr_metrics_free(struct gr_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void observe(struct histogram *h, double v)
{
	size_t i;

	for (i = 0; i < N_BUCKETS && v > buckets[i]; i++)
		;
	h->counts[i]++;
	h->sum += v;
	h->n++;
}

void gr_metrics_request(struct gr_metrics *m, const char *directory, const char *method,
			unsigned status, double seconds)
{
	const char *dir = directory ? directory : "";
	size_t i;

	pthread_mutex_lock(&m->lock);
	observe(&m->latency, seconds);
	for (i = 0; i < m->n_series; i++)
		if (m->series[i].status == status && !strcmp(m->series[i].method, method) &&
		    !strcmp(m->series[i].directory, dir))
			break;
	if (i == m->n_series) {
		/* A bounded number of series: a flood of odd methods cannot grow memory. */
		if (m->n_series == MAX_SERIES || strlen(method) >= sizeof(m->series[0].method) ||
		    strlen(dir) >= sizeof(m->series[0].directory)) {
			m->dropped_series++;
			pthread_mutex_unlock(&m->lock);
			return;
		}
		strcpy(m->series[i].directory, dir);
		strcpy(m->series[i].method, method);
		m->series[i].status = status;
		m->n_series++;
	}
	m->series[i].count++;
	pthread_mutex_unlock(&m->lock);
}

void gr_metrics_auth_failure(struct gr_metrics *m)
{
	pthread_mutex_lock(&m->lock);
	m->auth_failures++;
	pthread_mutex_unlock(&m->lock);
}

void gr_metrics_published(struct gr_metrics *m, double lag, int64_t when, int ok, bool patched)
{
	pthread_mutex_lock(&m->lock);
	if (ok) {
		m->publishes++;
		m->publish_patches += patched;
		m->last_publish = when;
		observe(&m->publish_lag, lag);
	} else {
		m->publish_failures++;
	}
	pthread_mutex_unlock(&m->lock);
}

void gr_metrics_commit(struct gr_metrics *m, unsigned units, double seconds)
{
	pthread_mutex_lock(&m->lock);
	observe(&m->commit, seconds);
	m->batch_units += units;
	pthread_mutex_unlock(&m->lock);
}

void gr_metrics_totals(struct gr_metrics *m, uint64_t *requests, uint64_t *auth_failures,
		       uint64_t *publishes, uint64_t *publish_failures)
{
	pthread_mutex_lock(&m->lock);
	*requests = m->latency.n;
	*auth_failures = m->auth_failures;
	*publishes = m->publishes;
	*publish_failures = m->publish_failures;
	pthread_mutex_unlock(&m->lock);
}

static void render_histogram(FILE *f, const char *name, const char *help, const struct histogram *h)
{
	uint64_t cum = 0;
	size_t i;

	fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (i = 0; i < N_BUCKETS; i++) {
		cum += h->counts[i];
		fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, buckets[i], (unsigned long long)cum);
	}
	cum += h->counts[N_BUCKETS];
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
		(unsigned long long)cum, name, h->sum, name, (unsigned long long)h->n);
}

void gr_metrics_render(struct gr_metrics *m, FILE *f)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	fputs("# HELP grouprole_scim_requests_total Requests answered, by directory, method and status.\n"
	      "# TYPE grouprole_scim_requests_total counter\n", f);
	for (i = 0; i < m->n_series; i++)
		fprintf(f, "grouprole_scim_requests_total{directory=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
			m->series[i].directory, m->series[i].method, m->series[i].status,
			(unsigned long long)m->series[i].count);
	render_histogram(f, "grouprole_scim_request_duration_seconds",
			 "Time from a request's first byte to its response.", &m->latency);
	render_histogram(f, "grouprole_publish_lag_seconds",
			 "Time from a commit to the snapshot that contains it being in place.",
			 &m->publish_lag);
	render_histogram(f, "grouprole_commit_duration_seconds",
			 "Time to commit one batch of requests to disk (one sync for the batch).",
			 &m->commit);
	fprintf(f, "# HELP grouprole_commit_requests_total Requests answered from committed batches "
		   "(divided by grouprole_commit_duration_seconds_count: requests per batch).\n"
		   "# TYPE grouprole_commit_requests_total counter\ngrouprole_commit_requests_total %llu\n",
		(unsigned long long)m->batch_units);
	fprintf(f, "# HELP grouprole_auth_failures_total Requests refused for a missing or wrong token.\n"
		   "# TYPE grouprole_auth_failures_total counter\ngrouprole_auth_failures_total %llu\n",
		(unsigned long long)m->auth_failures);
	fprintf(f, "# HELP grouprole_publishes_total Snapshots published.\n"
		   "# TYPE grouprole_publishes_total counter\ngrouprole_publishes_total %llu\n",
		(unsigned long long)m->publishes);
	fprintf(f, "# HELP grouprole_publish_patches_total Publishes that patched the last snapshots instead of writing them whole.\n"
		   "# TYPE grouprole_publish_patches_total counter\ngrouprole_publish_patches_total %llu\n",
		(unsigned long long)m->publish_patches);
	fprintf(f, "# HELP grouprole_publish_failures_total Publishes that failed (the old snapshot stays).\n"
		   "# TYPE grouprole_publish_failures_total counter\ngrouprole_publish_failures_total %llu\n",
		(unsigned long long)m->publish_failures);
	fprintf(f, "# HELP grouprole_last_publish_timestamp_seconds When the last snapshot was published.\n"
		   "# TYPE grouprole_last_publish_timestamp_seconds gauge\n"
		   "grouprole_last_publish_timestamp_seconds %lld\n", (long long)m->last_publish);
	fprintf(f, "# HELP grouprole_metrics_series_dropped_total Request series not kept (table full).\n"
		   "# TYPE grouprole_metrics_series_dropped_total counter\n"
		   "grouprole_metrics_series_dropped_total %llu\n", (unsigned long long)m->dropped_series);
	pthread_mutex_unlock(&m->lock);
}

void gr_metrics_render_events(FILE *f, const struct gr_event_stats *s)
{
	static const char *const fmt =
		"# HELP grouprole_%s %s\n# TYPE grouprole_%s %s\ngrouprole_%s %llu\n";
	const struct {
		const char *name, *help, *type;
		uint64_t v;
	} rows[] = {
		{ "events_total", "Events recorded (event log and syslog).", "counter", s->emitted },
		{ "event_log_failures_total", "Batches of events the event log could not take.",
		  "counter", s->log_failures },
		{ "event_hook_runs_total", "Runs of event_hook.", "counter", s->hook_runs },
		{ "event_hook_failures_total",
		  "event_hook runs that exited non-zero, died of a signal or did not start.", "counter",
		  s->hook_failures },
		{ "event_hook_timeouts_total", "event_hook runs killed at event_hook_timeout.",
		  "counter", s->hook_timeouts },
		{ "event_hook_dropped_total", "Events that did not run the hook: its queue was full.",
		  "counter", s->hook_dropped },
		{ "event_hook_queued", "Events waiting for the hook now.", "gauge", s->queued },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		fprintf(f, fmt, rows[i].name, rows[i].help, rows[i].name, rows[i].type, rows[i].name,
			(unsigned long long)rows[i].v);
}

/* SPDX-License-Identifier: MIT */
/*
 * Events (lib/events, lib/store/events.c, lib/store/changes.c): the
 * CloudEvents encoding, the store's per-unit queue (nothing for a cancelled
 * unit or an unended batch), what each record operation announces, the
 * event log's rotation and reader, and the hook runner's time limit.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "events/dispatch.h"
#include "events/event.h"
#include "events/hook.h"
#include "events/log.h"
#include "testutil.h"

/* ---- encoding ---- */

static void test_event_encoding(void **state)
{
	json_t *ev = gr_event_new(GR_EV_GROUP_CREATED, "scim/okta", "groups/okta/g1",
				  json_pack("{s:s}", "displayName", "SRE"));
	json_t *ev2 = gr_event_new(GR_EV_GROUP_CREATED, "scim/okta", "groups/okta/g1",
				   json_pack("{s:s}", "displayName", "SRE"));
	const char *id, *source;
	struct gr_err err = { 0 };
	int64_t t;

	(void)state;
	assert_non_null(ev);
	tu_assert_ok(gr_event_check(ev, &err), &err);
	assert_string_equal(json_string_value(json_object_get(ev, "specversion")), "1.0");
	assert_string_equal(json_string_value(json_object_get(ev, "type")),
			    "org.grouprole.group.created");
	assert_string_equal(json_string_value(json_object_get(ev, "subject")), "groups/okta/g1");
	assert_string_equal(json_string_value(json_object_get(ev, "datacontenttype")),
			    "application/json");
	source = json_string_value(json_object_get(ev, "source"));
	assert_true(!strncmp(source, "/grouprole/", 11));
	assert_non_null(strstr(source, "/scim/okta"));
	id = json_string_value(json_object_get(ev, "id"));
	assert_int_equal(strlen(id), 32);
	assert_int_equal(strspn(id, "0123456789abcdef"), 32);
	assert_string_not_equal(id, json_string_value(json_object_get(ev2, "id")));
	t = gr_event_time(ev);
	assert_true(t > time(NULL) - 60 && t <= time(NULL));
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "data"),
							      "displayName")), "SRE");
	/* Without an origin, the CLI's. */
	json_decref(ev2);
	ev2 = gr_event_new(GR_EV_USER_CREATED, NULL, "users/okta/u1", json_object());
	assert_non_null(strstr(json_string_value(json_object_get(ev2, "source")), "/cli"));
	/* No data object, no event. */
	assert_null(gr_event_new(GR_EV_USER_CREATED, "cli", "users/okta/u1", json_array()));
	assert_null(gr_event_new(GR_EV__COUNT, "cli", "users/okta/u1", json_object()));
	json_decref(ev);
	json_decref(ev2);
}

static void test_event_check_rejects(void **state)
{
	static const struct {
		const char *key, *value, *why;
	} bad[] = {
		{ "id", NULL, "without 'id'" },
		{ "specversion", "0.3", "specversion '0.3'" },
		{ "type", "org.grouprole.user.exploded", "unknown event type" },
		{ "type", "com.example.user.created", "is not ours" },
		{ "time", "yesterday", "not RFC 3339" },
		{ "time", "2026-01-01T00:00:00+01:00", "not RFC 3339" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *ev = gr_event_new(GR_EV_USER_CREATED, "cli", "users/okta/u1", json_object());
		struct gr_err err = { 0 };

		if (bad[i].value)
			json_object_set_new(ev, bad[i].key, json_string(bad[i].value));
		else
			json_object_del(ev, bad[i].key);
		tu_assert_fails(gr_event_check(ev, &err), &err, -GR_E_INVALID, bad[i].why);
		json_decref(ev);
	}
}

static void test_event_log_line_is_one_escaped_line(void **state)
{
	json_t *ev = gr_event_new(GR_EV_USER_DEACTIVATED, "scim/okta", "users/okta/u\n1\"",
				  json_pack("{s:s}", "login", "bob\nFAKE"));
	char line[1024];

	(void)state;
	gr_event_log_line(ev, line, sizeof(line));
	assert_null(strchr(line, '\n'));
	assert_non_null(strstr(line, "event org.grouprole.user.deactivated "));
	assert_non_null(strstr(line, "login=\"bob\\x0aFAKE\""));
	assert_non_null(strstr(line, "subject=\"users/okta/u\\x0a1\\x22\""));
	json_decref(ev);
}

/* ---- the store's queue ---- */

struct sink {
	json_t *events;
	unsigned calls;
};

static void collect(void *ctx, const json_t *events)
{
	struct sink *s = ctx;

	s->calls++;
	json_array_extend(s->events, (json_t *)events);
}

struct fx {
	struct tu_env env;
	struct gr_store *st;
	struct sink sink;
	struct gr_err err;
};

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	tu_setup(&fx->env, "login_domains = example.com");
	fx->st = tu_open(&fx->env);
	fx->sink.events = json_array();
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
	tu_assert_ok(gr_dir_create(fx->st, "okta", &fx->err), &fx->err);
	tu_role(fx->st, "admin", 10);
	tu_role(fx->st, "ops", 5);
	tu_commit(fx->st);
	gr_store_event_sink(fx->st, collect, &fx->sink);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	gr_store_close(fx->st);
	json_decref(fx->sink.events);
	tu_teardown(&fx->env);
	free(fx);
	return 0;
}

/* "type subject" of every event collected since the last call, one line each. */
static char *taken(struct fx *fx)
{
	char *buf = NULL;
	size_t len = 0, i;
	json_t *ev;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_array_foreach(fx->sink.events, i, ev) {
		fprintf(f, "%s %s\n",
			json_string_value(json_object_get(ev, "type")) + strlen(GR_EVENT_TYPE_PREFIX),
			json_string_value(json_object_get(ev, "subject")));
		assert_int_equal(gr_event_check(ev, NULL), 0);
	}
	fclose(f);
	return buf;
}

static void expect(struct fx *fx, const char *want)
{
	char *got = taken(fx);

	assert_string_equal(got, want);
	free(got);
}

/* The data of the Nth event collected. */
static json_t *data_of(struct fx *fx, size_t n)
{
	return json_object_get(json_array_get(fx->sink.events, n), "data");
}

static void assert_json(const json_t *v, const char *want)
{
	char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void user_put(struct fx *fx, const char *id, const char *name, bool active)
{
	json_t *u = tu_user(id, name, active);

	tu_assert_ok(gr_user_put(fx->st, "okta", u, NULL, &fx->err), &fx->err);
	json_decref(u);
}

static void begin(struct fx *fx)
{
	json_array_clear(fx->sink.events);
	fx->sink.calls = 0;
	tu_assert_ok(gr_store_begin(fx->st, &fx->err), &fx->err);
}

static void commit(struct fx *fx)
{
	tu_assert_ok(gr_store_commit(fx->st, &fx->err), &fx->err);
}

static void test_commit_delivers_cancel_drops(void **state)
{
	struct fx *fx = *state;

	gr_store_event_origin(fx->st, "scim/okta");
	begin(fx);
	user_put(fx, "u1", "alice@example.com", true);
	/* Nothing before the commit. */
	assert_int_equal(fx->sink.calls, 0);
	commit(fx);
	expect(fx, "user.created users/okta/u1\n");
	assert_int_equal(fx->sink.calls, 1);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(fx->sink.events, 0),
								 "source")), "/scim/okta"));
	assert_string_equal(json_string_value(json_object_get(data_of(fx, 0), "login")), "alice");
	assert_string_equal(json_string_value(json_object_get(data_of(fx, 0), "userName")),
			    "alice@example.com");

	begin(fx);
	user_put(fx, "u2", "bob@example.com", true);
	gr_store_cancel(fx->st);
	expect(fx, "");
	assert_int_equal(fx->sink.calls, 0);

	/* The same resource again changes nothing: no event. */
	begin(fx);
	user_put(fx, "u1", "alice@example.com", true);
	commit(fx);
	expect(fx, "");

	begin(fx);
	user_put(fx, "u1", "alice@example.com", false);
	commit(fx);
	expect(fx, "user.deactivated users/okta/u1\n");
	assert_string_equal(json_string_value(json_object_get(data_of(fx, 0), "login")), "alice");
	assert_false(json_is_true(json_object_get(data_of(fx, 0), "active")));

	/* Another attribute: user.updated naming it, never its value. */
	begin(fx);
	{
		json_t *u = tu_user("u1", "alice@example.com", false);

		json_object_set_new(u, "displayName", json_string("Alice N"));
		tu_assert_ok(gr_user_put(fx->st, "okta", u, NULL, &fx->err), &fx->err);
		json_decref(u);
	}
	commit(fx);
	expect(fx, "user.updated users/okta/u1\n");
	assert_json(json_object_get(data_of(fx, 0), "changes"), "[\"displayName\"]");
}

static void test_batch_delivers_committed_units_at_its_end(void **state)
{
	struct fx *fx = *state;

	json_array_clear(fx->sink.events);
	tu_assert_ok(gr_store_batch_begin(fx->st, &fx->err), &fx->err);
	begin(fx);
	user_put(fx, "u3", "carol@example.com", true);
	commit(fx);
	begin(fx);
	user_put(fx, "u4", "dave@example.com", true);
	gr_store_cancel(fx->st);
	/* A committed unit of a batch is not durable yet: nothing announced. */
	assert_int_equal(fx->sink.calls, 0);
	tu_assert_ok(gr_store_batch_end(fx->st, &fx->err), &fx->err);
	assert_int_equal(fx->sink.calls, 1);
	expect(fx, "user.created users/okta/u3\n");
}

static void test_unended_batch_announces_nothing(void **state)
{
	struct fx *fx = *state;
	json_t *u = NULL;

	tu_assert_ok(gr_store_batch_begin(fx->st, &fx->err), &fx->err);
	begin(fx);
	user_put(fx, "u5", "erin@example.com", true);
	commit(fx);
	/* The process ends with the batch open: libtdb rolls it back, and its events go with it. */
	gr_store_close(fx->st);
	assert_int_equal(fx->sink.calls, 0);
	fx->st = tu_open(&fx->env);
	gr_store_event_sink(fx->st, collect, &fx->sink);
	assert_int_equal(gr_user_get(fx->st, "okta", "u5", &u, NULL), -GR_E_NOTFOUND);
}

static void roles(struct fx *fx, bool add, const char *const *slugs, size_t n)
{
	tu_assert_ok(gr_group_roles_change(fx->st, NULL, "okta", "g1", slugs, n, add, &fx->err),
		     &fx->err);
}

/* Group g1 of okta as NAME with MEMBERS, in a transaction of its own. */
static void group_put(struct fx *fx, const char *name, const char *const *members, size_t n)
{
	json_t *g = tu_group("g1", name, members, n);

	begin(fx);
	tu_assert_ok(gr_group_put(fx->st, "okta", g, 0, &fx->err), &fx->err);
	json_decref(g);
	commit(fx);
}

static void test_group_events(void **state)
{
	static const char *const alice[] = { "u1" };
	static const char *const twice[] = { "admin", "admin" };
	static const char *const some[] = { "admin", "ops" };
	struct fx *fx = *state;

	begin(fx);
	user_put(fx, "u1", "alice@example.com", true);
	commit(fx);

	group_put(fx, "SRE", alice, 1);
	expect(fx, "group.created groups/okta/g1\ngroup.member.added groups/okta/g1\n");
	assert_string_equal(json_string_value(json_object_get(data_of(fx, 1), "login")), "alice");
	assert_string_equal(json_string_value(json_object_get(data_of(fx, 1), "user_id")), "u1");
	assert_string_equal(json_string_value(json_object_get(data_of(fx, 1), "displayName")), "SRE");

	group_put(fx, "Site Reliability", NULL, 0);
	expect(fx, "group.updated groups/okta/g1\ngroup.member.removed groups/okta/g1\n");
	assert_json(json_object_get(data_of(fx, 0), "changes"), "[\"displayName\"]");

	begin(fx);
	roles(fx, true, twice, 2);
	commit(fx);
	expect(fx, "group.roles.assigned groups/okta/g1\n");
	assert_int_equal(json_array_size(json_object_get(data_of(fx, 0), "roles")), 1);

	/* Assigning an assigned role, removing an absent one: nothing. */
	begin(fx);
	roles(fx, true, twice, 1);
	commit(fx);
	expect(fx, "");

	begin(fx);
	roles(fx, false, some, 2);
	commit(fx);
	expect(fx, "group.roles.removed groups/okta/g1\n");
	assert_string_equal(json_string_value(json_array_get(json_object_get(data_of(fx, 0), "roles"),
							     0)), "admin");

	begin(fx);
	tu_assert_ok(gr_group_delete(fx->st, "okta", "g1", &fx->err), &fx->err);
	tu_assert_ok(gr_user_delete(fx->st, "okta", "u1", &fx->err), &fx->err);
	commit(fx);
	expect(fx, "group.deleted groups/okta/g1\nuser.deleted users/okta/u1\n");
	assert_string_equal(json_string_value(json_object_get(data_of(fx, 1), "login")), "alice");
}

/* ---- the event log ---- */

static json_t *some_events(unsigned n)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; i < n; i++) {
		char subject[64];

		snprintf(subject, sizeof(subject), "users/okta/u%u", i);
		json_array_append_new(a, gr_event_new(GR_EV_USER_CREATED, "cli", subject,
						      json_pack("{s:s}", "pad", "..........................")));
	}
	return a;
}

static int count_cb(const json_t *ev, void *ctx)
{
	(void)ev;
	(*(unsigned *)ctx)++;
	return 0;
}

static off_t size_of(const char *dir, const char *name, mode_t *mode)
{
	char path[PATH_MAX + 32];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &sb) < 0)
		return -1;
	*mode = sb.st_mode & 07777;
	return sb.st_size;
}

static void test_log_rotates_and_reader_follows(void **state)
{
	struct tu_env env;
	struct gr_event_cursor cur;
	struct gr_err err = { 0 };
	unsigned i, seen = 0, appended = 0;
	mode_t mode = 0;
	json_t *one = some_events(1);
	char *text = json_dumps(json_array_get(one, 0), JSON_COMPACT);
	size_t line = strlen(text) + 1;

	(void)state;
	tu_setup(&env, "event_log_max = 4096");
	mkdir(env.state, 0755);
	gr_event_cursor_init(&cur);
	/* The reader starts while the log is young, and keeps reading as it rotates. */
	for (i = 0; i < 40; i++) {
		json_t *evs = some_events(1);

		tu_assert_ok(gr_event_log_append(&env.cfg, evs, i % 2, &err), &err);
		appended++;
		json_decref(evs);
		if (i % 7 == 0)
			tu_assert_ok(gr_event_log_read(&env.cfg, &cur, 0, count_cb, &seen, &err), &err);
	}
	tu_assert_ok(gr_event_log_read(&env.cfg, &cur, 0, count_cb, &seen, &err), &err);
	/* Only one rotation can pass between two reads here (7 lines < 4096 bytes). */
	assert_true(line * 7 < 4096);
	assert_int_equal(seen, appended);
	assert_int_equal(cur.bad, 0);
	assert_true(size_of(env.state, GR_EVENT_LOG_OLD, &mode) > 0);
	assert_int_equal(mode, 0600);
	assert_true(size_of(env.state, GR_EVENT_LOG_FILE, &mode) <= 4096);
	assert_int_equal(mode, 0600);
	/* A new reader sees the two files: what rotation kept, at least 4096 bytes' worth. */
	{
		struct gr_event_cursor fresh;
		unsigned n = 0;

		gr_event_cursor_init(&fresh);
		tu_assert_ok(gr_event_log_read(&env.cfg, &fresh, 0, count_cb, &n, &err), &err);
		/* events.log.1 holds more than event_log_max less one line. */
		assert_true((n + 1) * line > 4096 && n < appended);
		/* --since in the future: nothing. */
		gr_event_cursor_init(&fresh);
		n = 0;
		tu_assert_ok(gr_event_log_read(&env.cfg, &fresh, time(NULL) + 3600, count_cb, &n, &err),
			     &err);
		assert_int_equal(n, 0);
	}
	/* One batch larger than two files: neither file grows past the bound; its end is kept. */
	{
		json_t *big = some_events(40);
		struct gr_event_cursor fresh;
		unsigned n = 0;

		tu_assert_ok(gr_event_log_append(&env.cfg, big, true, &err), &err);
		json_decref(big);
		assert_true(size_of(env.state, GR_EVENT_LOG_OLD, &mode) <= 4096);
		assert_true(size_of(env.state, GR_EVENT_LOG_FILE, &mode) <= 4096);
		gr_event_cursor_init(&fresh);
		tu_assert_ok(gr_event_log_read(&env.cfg, &fresh, 0, count_cb, &n, &err), &err);
		assert_true((n + 1) * line > 4096 && n < 40);
		/* The running reader catches up with what is left. */
		tu_assert_ok(gr_event_log_read(&env.cfg, &cur, 0, count_cb, &seen, &err), &err);
	}
	/* A line being written (no newline yet) waits for the next read; garbage is skipped. */
	{
		char path[PATH_MAX + 32];
		int fd;
		unsigned n = 0;

		snprintf(path, sizeof(path), "%s/%s", env.state, GR_EVENT_LOG_FILE);
		fd = open(path, O_WRONLY | O_APPEND);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "not json\n{\"half", 16), 16);
		close(fd);
		tu_assert_ok(gr_event_log_read(&env.cfg, &cur, 0, count_cb, &n, &err), &err);
		assert_int_equal(n, 0);
		assert_int_equal(cur.bad, 1);
	}
	gr_event_cursor_close(&cur);
	free(text);
	json_decref(one);
	tu_teardown(&env);
}

/* ---- the hook runner ---- */

static void script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

static void test_hook_outcomes(void **state)
{
	struct tu_env env;
	struct gr_hook_result res;
	char hook[PATH_MAX], out[PATH_MAX], pidfile[PATH_MAX], body[3 * PATH_MAX], got[256] = "";
	struct gr_hook_event ev = { "{\"type\":\"org.grouprole.user.deactivated\"}", "T", "I", "S",
				    "alice" };
	FILE *f;

	(void)state;
	tu_setup(&env, NULL);
	snprintf(hook, sizeof(hook), "%s/hook", env.dir);
	snprintf(out, sizeof(out), "%s/out", env.dir);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", env.dir);

	/* The event on stdin, its attributes in the environment. */
	snprintf(body, sizeof(body), "cat > %s; echo \" $GROUPROLE_EVENT_TYPE $GROUPROLE_EVENT_ID $GROUPROLE_EVENT_LOGIN\" >> %s",
		 out, out);
	script(hook, body);
	assert_int_equal(gr_hook_run(hook, &ev, 5000, &res), 0);
	assert_int_equal(res.outcome, GR_HOOK_OK);
	f = fopen(out, "r");
	assert_non_null(f);
	assert_non_null(fgets(got, sizeof(got), f));
	fclose(f);
	assert_string_equal(got, "{\"type\":\"org.grouprole.user.deactivated\"} T I alice\n");

	script(hook, "exit 3");
	assert_int_equal(gr_hook_run(hook, &ev, 5000, &res), -1);
	assert_int_equal(res.outcome, GR_HOOK_EXIT);
	assert_int_equal(res.status, 3);

	/* A hook that hangs, with a child: killed at the limit, child and all. */
	snprintf(body, sizeof(body), "sleep 30 & echo $! > %s; wait", pidfile);
	script(hook, body);
	assert_int_equal(gr_hook_run(hook, &ev, 300, &res), -1);
	assert_int_equal(res.outcome, GR_HOOK_TIMEOUT);
	assert_true(res.seconds < 10);
	{
		char stat[64], line[256] = "";
		long pid = 0;
		unsigned tries;

		f = fopen(pidfile, "r");
		assert_non_null(f);
		assert_int_equal(fscanf(f, "%ld", &pid), 1);
		fclose(f);
		snprintf(stat, sizeof(stat), "/proc/%ld/stat", pid);
		/* SIGKILL was sent to the group; the child is gone or a zombie (bounded wait). */
		for (tries = 0; tries < 500; tries++) {
			f = fopen(stat, "r");
			if (!f)
				break;
			line[0] = '\0';
			if (fgets(line, sizeof(line), f) && strstr(line, ") Z "))
				tries = 1000;
			fclose(f);
			if (tries < 1000)
				usleep(10000);
		}
		assert_true(!f || strstr(line, ") Z "));
	}

	assert_int_equal(gr_hook_run("/nonexistent/hook", &ev, 1000, &res), -1);
	assert_int_equal(res.outcome, GR_HOOK_SPAWN);
	assert_int_equal(res.errno_, ENOENT);
	tu_teardown(&env);
}

/* ---- the daemon's dispatcher: syslog lines off the caller's path ---- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool release;
	unsigned started, written;
	char subjects[8][64];
} logger = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, 0, { { 0 } } };

static void void_log(int priority, const char *fmt, ...)
{
	(void)priority;
	(void)fmt;
}

/* A system logger that hangs on its first line until released (10 s at most). */
static void stuck_logger(int priority, const char *line)
{
	struct timespec until;
	const char *subj = strstr(line, "users/okta/");

	assert_int_equal(priority, LOG_AUTHPRIV | LOG_NOTICE);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&logger.lock);
	logger.started++;
	while (!logger.release &&
	       pthread_cond_timedwait(&logger.cond, &logger.lock, &until) != ETIMEDOUT)
		;
	if (logger.written < 8 && subj)
		snprintf(logger.subjects[logger.written], sizeof(logger.subjects[0]), "%.*s",
			 (int)strcspn(subj, " \""), subj);
	logger.written++;
	pthread_mutex_unlock(&logger.lock);
}

static void test_dispatcher_syslog_off_the_callers_path(void **state)
{
	struct gr_event_dispatcher *d = NULL;
	struct tu_env env;
	json_t *a = some_events(3), *b = some_events(2);
	unsigned i;

	(void)state;
	tu_setup(&env, NULL);
	mkdir(env.state, 0755);
	assert_int_equal(gr_event_dispatcher_start(&env.cfg, void_log, &d), 0);
	gr_event_dispatcher_line_fn(d, stuck_logger);
	/* The logger hangs on the first line: both emits return all the same. */
	gr_event_dispatcher_emit(d, a);
	gr_event_dispatcher_emit(d, b);
	pthread_mutex_lock(&logger.lock);
	assert_int_equal(logger.written, 0);
	logger.release = true;
	pthread_cond_broadcast(&logger.cond);
	pthread_mutex_unlock(&logger.lock);
	/* Stopping writes every line, in the order emitted. */
	gr_event_dispatcher_stop(d);
	assert_int_equal(logger.written, 5);
	for (i = 0; i < 5; i++) {
		char want[64];

		snprintf(want, sizeof(want), "users/okta/u%u", i < 3 ? i : i - 3);
		assert_string_equal(logger.subjects[i], want);
	}
	json_decref(a);
	json_decref(b);
	tu_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_encoding),
		cmocka_unit_test(test_event_check_rejects),
		cmocka_unit_test(test_event_log_line_is_one_escaped_line),
		cmocka_unit_test_setup_teardown(test_commit_delivers_cancel_drops, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_batch_delivers_committed_units_at_its_end, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_unended_batch_announces_nothing, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_group_events, fx_setup, fx_teardown),
		cmocka_unit_test(test_log_rotates_and_reader_follows),
		cmocka_unit_test(test_hook_outcomes),
		cmocka_unit_test(test_dispatcher_syslog_off_the_callers_path),
	};

	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/escape.h"
#include "events/event.h"

static const char *const type_names[GR_EV__COUNT] = {
	[GR_EV_GROUP_CREATED] = "group.created",
	[GR_EV_GROUP_UPDATED] = "group.updated",
	[GR_EV_GROUP_DELETED] = "group.deleted",
	[GR_EV_GROUP_MEMBER_ADDED] = "group.member.added",
	[GR_EV_GROUP_MEMBER_REMOVED] = "group.member.removed",
	[GR_EV_GROUP_ROLES_ASSIGNED] = "group.roles.assigned",
	[GR_EV_GROUP_ROLES_REMOVED] = "group.roles.removed",
	[GR_EV_USER_CREATED] = "user.created",
	[GR_EV_USER_UPDATED] = "user.updated",
	[GR_EV_USER_DEACTIVATED] = "user.deactivated",
	[GR_EV_USER_DELETED] = "user.deleted",
	[GR_EV_USER_ROLES_CHANGED] = "user.roles.changed",
};

const char *gr_event_type_name(enum gr_event_type t)
{
	return (unsigned)t < GR_EV__COUNT ? type_names[t] : NULL;
}

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static char host[256];

static void read_host(void)
{
	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	/* A source is a URI reference: a host name with a '/' or space would not be one. */
	host[strcspn(host, "/ ?#")] = '\0';
}

/* 128 random bits as hex; falls back to time and a counter if getrandom fails. */
static void new_id(char out[33])
{
	static unsigned long counter;
	unsigned char b[16];
	size_t i;

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		struct timespec ts;
		unsigned long n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);

		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(out, 33, "%016llx%08lx%08lx", (unsigned long long)ts.tv_sec,
			 (unsigned long)ts.tv_nsec, n & 0xffffffffUL);
		return;
	}
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06dZ", base, (int)(ts.tv_nsec / 1000) % 1000000);
}

json_t *gr_event_new(enum gr_event_type t, const char *origin, const char *subject, json_t *data)
{
	char id[33], when[48], source[512];
	json_t *ev;

	if (!gr_event_type_name(t) || !json_is_object(data)) {
		json_decref(data);
		return NULL;
	}
	pthread_once(&host_once, read_host);
	new_id(id);
	now_rfc3339(when, sizeof(when));
	snprintf(source, sizeof(source), "/grouprole/%s/%s", host, origin && origin[0] ? origin : "cli");
	ev = json_pack("{s:s, s:s, s:s, s:s+, s:s, s:s, s:s, s:o}", "specversion",
		       GR_EVENT_SPECVERSION, "id", id, "source", source, "type",
		       GR_EVENT_TYPE_PREFIX, type_names[t], "time", when, "subject", subject,
		       "datacontenttype", "application/json", "data", data);
	return ev;
}

static const char *str(const json_t *v, const char *key)
{
	return json_string_value(json_object_get(v, key));
}

int64_t gr_event_time(const json_t *v)
{
	const char *t = str(v, "time");
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (!t || !(end = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm)))
		return -1;
	if (*end == '.')
		end += 1 + strspn(end + 1, "0123456789");
	if (strcmp(end, "Z"))
		return -1;
	return (int64_t)timegm(&tm);
}

int gr_event_check(const json_t *v, struct gr_err *err)
{
	static const char *const required[] = { "specversion", "id", "source", "type", "time",
						"subject", "datacontenttype" };
	const char *type;
	size_t i, n = strlen(GR_EVENT_TYPE_PREFIX);
	int t;

	if (!json_is_object(v))
		return gr_err_set(err, -GR_E_INVALID, "an event is a JSON object");
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const char *s = str(v, required[i]);

		if (!s || !s[0])
			return gr_err_set(err, -GR_E_INVALID, "event without '%s'", required[i]);
	}
	if (strcmp(str(v, "specversion"), GR_EVENT_SPECVERSION))
		return gr_err_set(err, -GR_E_INVALID, "event of specversion '%s'", str(v, "specversion"));
	type = str(v, "type");
	if (strncmp(type, GR_EVENT_TYPE_PREFIX, n))
		return gr_err_set(err, -GR_E_INVALID, "event type '%s' is not ours", type);
	for (t = 0; t < GR_EV__COUNT; t++)
		if (!strcmp(type + n, type_names[t]))
			break;
	if (t == GR_EV__COUNT)
		return gr_err_set(err, -GR_E_INVALID, "unknown event type '%s'", type);
	if (gr_event_time(v) < 0)
		return gr_err_set(err, -GR_E_INVALID, "event time '%s' is not RFC 3339 UTC",
				  str(v, "time"));
	if (!json_is_object(json_object_get(v, "data")))
		return gr_err_set(err, -GR_E_INVALID, "event without a data object");
	return 0;
}

const char *gr_event_log_line(const json_t *v, char *buf, size_t len)
{
	const json_t *data = json_object_get(v, "data");
	const char *login = str(data, "login");
	char type[96], subject[256], id[40], lg[80], origin[160];

	snprintf(buf, len, "event %s subject=\"%s\" source=\"%s\" id=%s%s%s%s",
		 gr_esc(type, sizeof(type), str(v, "type"), GR_ESC_LOG),
		 gr_esc(subject, sizeof(subject), str(v, "subject"), GR_ESC_LOG),
		 gr_esc(origin, sizeof(origin), str(v, "source"), GR_ESC_LOG),
		 gr_esc(id, sizeof(id), str(v, "id"), GR_ESC_LOG), login ? " login=\"" : "",
		 login ? gr_esc(lg, sizeof(lg), login, GR_ESC_LOG) : "", login ? "\"" : "");
	return buf;
}

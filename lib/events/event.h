/* SPDX-License-Identifier: MIT */
#ifndef GR_EVENT_H
#define GR_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/gr_error.h"

/*
 * One change, as a CloudEvents 1.0 JSON object (the "structured content
 * mode" of the JSON event format):
 *
 *   {"specversion": "1.0", "id": "<32 hex digits>", "source": "/grouprole/HOST/ORIGIN",
 *    "type": "org.grouprole.group.created", "time": "2026-12-01T10:31:40.123456Z",
 *    "subject": "groups/DIR/GID", "datacontenttype": "application/json", "data": {...}}
 *
 * TYPE is "org.grouprole." followed by one of the names below (the reverse
 * DNS prefix the specification recommends; the names follow the noun.verb
 * shape of the issue).  SOURCE names the host and what made the change:
 * "scim/DIR" (an identity provider's push), "api" (the Management API),
 * "cli" (grouprolectl), "publish" (user.roles.changed, found by the
 * publisher).  SUBJECT is "users/DIR/UID" or "groups/DIR/GID".  ID is 128
 * random bits; TIME is when the event was made, right before its commit.
 *
 * Nothing secret ever goes into an event: no token, no password, no SCIM
 * attribute values beyond the identifiers each type lists (docs/events.md).
 */

#define GR_EVENT_TYPE_PREFIX "org.grouprole."
#define GR_EVENT_SPECVERSION "1.0"

enum gr_event_type {
	GR_EV_GROUP_CREATED,
	GR_EV_GROUP_UPDATED,
	GR_EV_GROUP_DELETED,
	GR_EV_GROUP_MEMBER_ADDED,
	GR_EV_GROUP_MEMBER_REMOVED,
	GR_EV_GROUP_ROLES_ASSIGNED,
	GR_EV_GROUP_ROLES_REMOVED,
	GR_EV_USER_CREATED,
	GR_EV_USER_UPDATED,
	GR_EV_USER_DEACTIVATED,
	GR_EV_USER_DELETED,
	GR_EV_USER_ROLES_CHANGED,
	GR_EV__COUNT
};

/* "group.created", ... (without the prefix). */
const char *gr_event_type_name(enum gr_event_type t);

/*
 * A new event of type T from ORIGIN ("scim/okta", "api", "cli", ...) about
 * SUBJECT, stealing DATA (an object; NULL is an error).  The host name is
 * read once per process.  Returns a new reference, or NULL when out of
 * memory (DATA is released either way).
 */
json_t *gr_event_new(enum gr_event_type t, const char *origin, const char *subject, json_t *data);

/*
 * Check that V is a CloudEvents 1.0 event of ours: every required attribute
 * a non-empty string, a known type, an RFC 3339 UTC time, an object as data.
 * 0 or -GR_E_INVALID with the reason in ERR.
 */
int gr_event_check(const json_t *v, struct gr_err *err);

/* The event's time as seconds since the epoch (fraction dropped); -1 when unreadable. */
int64_t gr_event_time(const json_t *v);

/*
 * One line for syslog: "event TYPE subject=... id=... login=..." with every
 * value escaped for logs (GR_ESC_LOG), into BUF.  Returns BUF.
 */
const char *gr_event_log_line(const json_t *v, char *buf, size_t len);

#endif

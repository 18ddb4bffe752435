/* SPDX-License-Identifier: MIT */
#ifndef GR_SCIM_H
#define GR_SCIM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/gr_error.h"

/* RFC 7643/7644 schema URNs. */
#define GR_SCIM_USER_URN "urn:ietf:params:scim:schemas:core:2.0:User"
#define GR_SCIM_GROUP_URN "urn:ietf:params:scim:schemas:core:2.0:Group"
#define GR_SCIM_ENTERPRISE_URN "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define GR_SCIM_LIST_URN "urn:ietf:params:scim:api:messages:2.0:ListResponse"
#define GR_SCIM_ERROR_URN "urn:ietf:params:scim:api:messages:2.0:Error"

/* Caps on what one document may carry: a push larger than this is refused. */
#define GR_SCIM_MAX_RESOURCES 2000000
#define GR_SCIM_MAX_MEMBERS 1000000
#define GR_SCIM_MAX_STRING 1024

/*
 * Case-insensitive attribute lookup, as RFC 7643 section 2.1 requires of
 * attribute names.  Borrowed reference or NULL.
 */
json_t *gr_scim_get(const json_t *obj, const char *name);

/* Delete every key of OBJ equal to NAME ignoring case (a client may send "Meta" and "meta"). */
void gr_scim_del(json_t *obj, const char *name);

/*
 * Check a SCIM User resource.  REQUIRE_ID: the resource must carry "id" (a
 * document being imported) rather than receive one.  On success the core
 * fields are available through gr_scim_get; "active" defaults to true.
 */
int gr_scim_check_user(const json_t *user, bool require_id, struct gr_err *err);

/*
 * Check a SCIM Group resource, including every member (type "User" or
 * absent, "value" a valid id; nested groups are refused).
 */
int gr_scim_check_group(const json_t *group, bool require_id, struct gr_err *err);

/* userName / displayName / id as a borrowed C string, or NULL. */
const char *gr_scim_str(const json_t *obj, const char *name);

/* "active": true unless it is present and false. */
bool gr_scim_active(const json_t *user);

/*
 * Values of attribute PATH on USER: "name", "name.sub", or
 * "urn:...:Schema:name" (the attribute after the last ':' inside the
 * extension object).  Strings are taken as they are; arrays contribute
 * their strings and the "value" of their objects.  Up to MAX borrowed
 * pointers go to VALS; returns how many.
 */
size_t gr_scim_attr_values(const json_t *user, const char *path, const char **vals,
			   size_t max);

/*
 * Parse a ListResponse document (RFC 7644 section 3.4.2) from PATH and return
 * its Resources array (new reference in *OUT).
 */
int gr_scim_load_list(const char *path, json_t **out, struct gr_err *err);

/* A new ListResponse wrapping RESOURCES (reference stolen). */
json_t *gr_scim_list_response(json_t *resources);

#endif

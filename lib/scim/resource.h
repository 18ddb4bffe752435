/* SPDX-License-Identifier: MIT */
#ifndef GR_SCIM_RESOURCE_H
#define GR_SCIM_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Helpers for SCIM resources as the service stores and returns them: ids,
 * "meta", "attributes"/"excludedAttributes" projection.
 */

#define GR_SCIM_ID_LEN 36 /* a UUID */

/* A new random (version 4) UUID as the SCIM id.  Returns 0 or -errno. */
int gr_scim_new_id(char out[GR_SCIM_ID_LEN + 1]);

/*
 * Set RES's "meta" for a change at NOW: "created" (kept when present, else
 * NOW), "lastModified" = NOW, and a "version" one higher than before
 * (W/"1", W/"2", ...).  RESOURCE_TYPE: "User" or "Group".  Returns 0 or
 * -ENOMEM.
 */
int gr_scim_meta_touch(json_t *res, const char *resource_type, int64_t now);

/* The weak ETag of RES (its meta.version), or NULL. */
const char *gr_scim_etag(const json_t *res);

/*
 * Does an If-Match header value accept ETAG?  "*" accepts anything; a list
 * of tags accepts any of them; NULL (no header) accepts.
 */
bool gr_scim_if_match(const char *header, const char *etag);

/* RFC 3339 UTC time into BUF (at least 32 bytes). */
const char *gr_scim_time(int64_t t, char *buf, size_t len);

/*
 * Apply "attributes" (keep only these, plus "id" and "schemas", which are
 * always returned) or "excludedAttributes" (drop these; "id" and "schemas"
 * stay) to RES in place.  Lists are comma-separated attribute paths, names
 * case-insensitive: "userName", "name.givenName", "members",
 * "urn:...:enterprise:2.0:User:department".  Returns 0 or -GR_E_INVALID
 * when a list does not parse.
 */
int gr_scim_project(json_t *res, const char *attributes, const char *excluded);

/* Does the comma-separated attribute LIST name ATTR (a top-level attribute)? */
bool gr_scim_list_names(const char *list, const char *attr);

#endif

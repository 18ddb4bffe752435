/* SPDX-License-Identifier: MIT */
#ifndef GR_SCIM_SERVICE_H
#define GR_SCIM_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/config.h"
#include "scim/patch.h"
#include "store/records.h"
#include "store/store.h"

/*
 * The SCIM 2.0 service provider of one directory (RFC 7644 section 3), apart
 * from any transport: grouprole-scimd hands it a method, the path below
 * /scim/v2/{directory}/, the query arguments and the body, and sends back the
 * reply.  Every change is one store transaction, committed before the reply
 * says 2xx; a refused request changes nothing.  What arrives goes through
 * the same record code as `grouprolectl import` (lib/store/records.c):
 * validation, login-name mapping, collisions, membership bookkeeping.
 *
 * The caller serialises calls: libtdb must not be entered from two threads.
 */

/*
 * The ids of one directory's Users or Groups in list order, kept between
 * requests while the store's generation does not move: an IdP that pages
 * through a directory 100 at a time would otherwise walk all of it for
 * every page.  Only unfiltered lists use it.  Zero-initialise; release with
 * gr_scim_list_cache_clear.
 */
struct gr_scim_list_cache {
	char dir[GR_NAME_MAX + 1];
	uint64_t generation;
	json_t *ids;              /* array of id strings, or NULL */
};

void gr_scim_list_cache_clear(struct gr_scim_list_cache *c);

struct gr_scim_service {
	struct gr_store *st;
	const char *dir;         /* the directory the bearer token reaches */
	const char *base;        /* absolute URL of /scim/v2/{directory}, for meta.location */
	int64_t now;             /* unix time of the request */
	size_t max_results;      /* largest page ("count") served */
	size_t max_members;      /* members in one POST or PUT of a Group */
	struct gr_scim_patch_limits patch;
	struct gr_scim_list_cache *cache; /* [0] Users, [1] Groups; may be NULL */
	/* The host's accounts for login mapping, kept by the caller; NULL: listed per write. */
	const struct gr_login_rules *rules;
};

struct gr_scim_query {
	const char *filter;
	const char *attributes;
	const char *excluded_attributes;
	const char *start_index;
	const char *count;
	const char *if_match;     /* If-Match header */
	const char *if_none_match;
};

struct gr_scim_reply {
	unsigned status;
	json_t *body;             /* NULL for 204 */
	char etag[64];            /* "" when none */
	char location[1024];      /* "" when none */
	bool changed;             /* the store was changed and committed: publish */
};

/*
 * Serve METHOD on PATH ("Users", "Users/ID", "Groups", "Groups/ID",
 * "ServiceProviderConfig", "Schemas[/URN]", "ResourceTypes[/NAME]").
 * Always fills REPLY (an error is a SCIM Error body with its status and
 * scimType); returns 0, or a negative code when the store failed in a way
 * that the daemon should log beyond the 500 it answers.
 */
int gr_scim_serve(struct gr_scim_service *svc, const char *method, const char *path,
		  const struct gr_scim_query *q, const char *body, size_t len,
		  struct gr_scim_reply *reply);

void gr_scim_reply_clear(struct gr_scim_reply *reply);

/* A SCIM Error body (new reference): status as a string, scimType when not NULL. */
json_t *gr_scim_error_body(unsigned status, const char *scim_type, const char *detail);

#endif

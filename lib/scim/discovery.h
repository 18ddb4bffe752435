/* SPDX-License-Identifier: MIT */
#ifndef GR_SCIM_DISCOVERY_H
#define GR_SCIM_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * The read-only discovery endpoints of RFC 7644 section 4:
 * /ServiceProviderConfig, /ResourceTypes[/NAME], /Schemas[/URN], describing
 * what this service provider really does (PATCH, filter with MAX_RESULTS,
 * ETags; no bulk, sort or password change).
 *
 * Returns false when ENDPOINT is not one of them; otherwise true with the
 * document (new reference) in *OUT, or *OUT = NULL when SUB names no schema
 * or resource type.  BASE is the directory's SCIM base URL.
 */
bool gr_scim_discovery(const char *endpoint, const char *sub, const char *base,
		       size_t max_results, json_t **out);

#endif

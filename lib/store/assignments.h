/* SPDX-License-Identifier: MIT */
#ifndef GR_ASSIGNMENTS_H
#define GR_ASSIGNMENTS_H

#include <stdint.h>

#include <jansson.h>

#include "store/records.h"

/*
 * Resource assignments as grouprolectl and the Management API make and list
 * them (records.h has the record operations).
 */

/*
 * Assign ROLE to user U on RESOURCE until EXPIRES (unix time, 0 = never),
 * as of NOW: an expiry that is not in the future is -GR_E_INVALID (an
 * assignment born expired grants nothing and is a mistake); otherwise
 * gr_assign_add, with its limit (store/limits.h).
 */
int gr_assign_create(struct gr_store *st, const struct gr_ref *u, const char *role,
		     const char *resource, int64_t expires, int64_t now, struct gr_err *err);

/*
 * Every assignment, or user (DIR, UID)'s when DIR is not NULL, sorted by
 * directory and user id, each user's in the order made: a new array of
 * {"directory", "id", "role", "resource", "expires"} in *OUT.
 */
int gr_assign_list(struct gr_store *st, const char *dir, const char *uid, json_t **out,
		   struct gr_err *err);

#endif

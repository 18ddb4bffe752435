/* SPDX-License-Identifier: MIT */
#ifndef GR_UGROUPS_H
#define GR_UGROUPS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "store/store.h"

/*
 * The user -> groups index (ugroups.c): a user's group ids in fixed-size
 * chunks "ug/DIR/UID" and "ug/DIR/UID/N", so that membership changes never
 * make a record grow.  gr_user_get() puts them in the record's "groups".
 */
#define GR_UG_CHUNK 576 /* bytes per chunk: 14 UUIDs, or any one valid id escaped */

/* Every group id of DIR/UID (an empty array when none); NCHUNKS may be NULL. */
int gr_ugroups_get(struct gr_store *st, const char *dir, const char *uid, json_t **out,
		   size_t *nchunks, struct gr_err *err);
/*
 * Replace them with GROUPS (NULL: none); OLD_CHUNKS is what gr_ugroups_get
 * counted, or SIZE_MAX to look.
 */
int gr_ugroups_put(struct gr_store *st, const char *dir, const char *uid, const json_t *groups,
		   size_t old_chunks, struct gr_err *err);
/*
 * Add or remove GID (no-op when already so).  -GR_E_INVALID when DIR/UID is
 * not a user.
 */
int gr_ugroups_change(struct gr_store *st, const char *dir, const char *uid, const char *gid,
		      bool add, struct gr_err *err);
/* Schema 1 -> 2, inside the caller's transaction: move inline "groups" into chunks. */
int gr_ugroups_migrate(struct gr_store *st, struct gr_err *err);

#endif

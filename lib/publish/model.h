/* SPDX-License-Identifier: MIT */
#ifndef GR_PUBLISH_MODEL_H
#define GR_PUBLISH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "publish/publish.h"
#include "store/store.h"

/*
 * The publisher's model: every login's resolution, in memory, from which
 * nss.tdb and login.tdb are written.
 *
 * `grouprolectl publish` builds one, writes the snapshots and drops it.
 * grouprole-scimd keeps one for its lifetime and makes it an observer of its
 * store handle (gr_store_observe): it then knows which keys its own commits
 * wrote, and gr_pub_model_update() re-resolves only the users those keys
 * reach -- a user's records, a login index entry, or every member of a group
 * whose name or role mappings changed -- instead of the whole directory.
 * A user who joined or left a group (GR_STORE_EV_LINK) is re-resolved only
 * if the group maps a role on this host (now or before), or the user's
 * entry is inactive (it lists every group); a group record rewritten with
 * the same name and mappings (SCIM's meta) re-resolves nobody.
 *
 * A full rebuild happens instead when anything else may have changed:
 *   - the first update, or after gr_pub_model_invalidate() (a config reload);
 *   - the store's generation is not the model's plus the commits observed
 *     (another process committed, or a batch rolled back);
 *   - a write to any record that is not a user's or a group's (roles,
 *     policy, organizations: they can change every user);
 *   - /etc/passwd changed (an account that is now a system account).
 * An assignment's expiry re-resolves the users whose entries expire.
 */

struct gr_pub_model;

int gr_pub_model_new(struct gr_pub_model **out);
void gr_pub_model_free(struct gr_pub_model *m);

/* A gr_store_observer_fn: note what a write or commit may have changed. */
void gr_pub_model_observe(void *model, enum gr_store_event ev, const char *key);

/* The clock that decides which assignments have expired (NULL: time(2)); for tests. */
void gr_pub_model_set_clock(struct gr_pub_model *m, int64_t (*clock)(void));

/* Make the next update a full rebuild. */
void gr_pub_model_invalidate(struct gr_pub_model *m);

/*
 * Bring the model up to ST's committed state.  The caller has exclusive use
 * of ST (no transaction, no batch open) and holds the publish lock
 * (gr_publish_lock).  Fills STATS' generation, full and resolved.  On
 * failure the model is left for a full rebuild next time.
 */
int gr_pub_model_update(struct gr_pub_model *m, struct gr_store *st,
			struct gr_publish_stats *stats, struct gr_err *err);

/*
 * Write login.tdb and nss.tdb for CFG from the model, as gr_publish
 * describes (publish.h); reads no store.  The caller holds the publish lock.
 */
int gr_pub_model_write(struct gr_pub_model *m, const struct gr_config *cfg,
		       struct gr_publish_stats *stats, struct gr_err *err);

/*
 * A write after the first patches the snapshots this model wrote last when
 * it can (lib/publish/modelwrite.c; STATS' patched says so).  This makes the
 * next one a whole write regardless (benchmarks and tests).
 */
void gr_pub_model_write_whole_next(struct gr_pub_model *m);

/*
 * user.roles.changed.  With tracking on, every update also finds the logins
 * whose roles changed (lib/publish/rolediff.h): an incremental update from
 * the entries it re-resolved (their roles before and after), a full one by
 * comparing with the login.tdb it is about to replace.  The changes pile
 * up until gr_pub_model_take_changes (an array of gr_roles_change_add
 * objects, new reference), which the caller does once the snapshots are
 * installed, so a publish that failed and is retried loses none.
 */
void gr_pub_model_track_roles(struct gr_pub_model *m, bool on);
json_t *gr_pub_model_take_changes(struct gr_pub_model *m);

/*
 * LOGIN's roles in the model: up to MAX slugs into SLUGS and its "DIR/UID"
 * into *REF (both borrowed until the next update); the count, or -ENOENT.
 */
int gr_pub_model_login_roles(const struct gr_pub_model *m, const char *login, const char **ref,
			     const char **slugs, size_t max);
/* FN(LOGIN, CTX) for every login of the model, in order; a non-zero return stops it. */
int gr_pub_model_each_login(const struct gr_pub_model *m, int (*fn)(const char *login, void *ctx),
			    void *ctx);

/* Every entry, one line each in a fixed order (tests compare models with it). */
void gr_pub_model_dump(const struct gr_pub_model *m, FILE *f);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_FLEET_APPLY_H
#define GR_FLEET_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/gr_error.h"
#include "store/records.h"
#include "store/store.h"

/*
 * Applying the fleet's LDAP entries (docs/fleet.md, "Data") to this host's
 * directory.tdb.  The LDAP side holds the source facts; everything else
 * (indexes, login names, users' groups) is derived here by the same record
 * operations the one-host daemon uses.
 *
 * Entries are collected into a batch (one refresh, or what one poll of the
 * persist phase brought), coalesced by entryUUID (the last state of an
 * entry wins), and applied in one group commit: deletes first (children
 * first), then upserts (parents first: gr_fleet_kind_rank), so references
 * always point at something that exists.  Each
 * entry is a unit of the batch: one that cannot apply (a userName another
 * user holds, a mapping to a role this host lacks) is undone alone,
 * logged, and counted; the batch stands.
 *
 * Local records keep, per entryUUID, what they came from
 * ("fleet/uuid/UUID" -> "KIND DIR ID"), because a delete names only the
 * UUID; "fleet/cookie" is the sync cookie, written in the same commit as
 * the changes it covers.  Entries that wait for what they name are
 * "fleet/deferred/UUID", and "fleet/ndeferred" counts them, so a batch
 * with nothing waiting does not walk the store to find out.
 */

enum gr_fleet_kind {
	GR_FLEET_NONE,
	GR_FLEET_DIRECTORY,
	GR_FLEET_ROLE,
	GR_FLEET_USER,
	GR_FLEET_GROUP,
	GR_FLEET_MAPPING,
	/*
	 * Later kinds, numbered after the first ones because "fleet/uuid/"
	 * records keep the number: the apply order is gr_fleet_kind_rank's.
	 */
	GR_FLEET_ORG,
	GR_FLEET_ASSIGN,
	GR_FLEET_POLICY,
};
#define GR_FLEET_KIND_LAST GR_FLEET_POLICY

/*
 * The order entries are applied (and written) in, parents first:
 * directories, roles, users, groups, organizations (their connections name
 * directories), mappings (tenant and organization roles name a group, its
 * roles and organizations), assignments (a user and a role), the policy
 * (its default role).  Deletions go the other way.
 */
int gr_fleet_kind_rank(enum gr_fleet_kind kind);

struct gr_fleet_batch;

int gr_fleet_batch_new(struct gr_fleet_batch **out);
void gr_fleet_batch_free(struct gr_fleet_batch *b);
size_t gr_fleet_batch_size(const struct gr_fleet_batch *b);

/*
 * An entry that is now present: KIND from its object class, DIR and ID from
 * its DN and grId (grName for directories, organizations and the policy),
 * JSON its grJson (borrowed; may be NULL), VALUES its multi-valued
 * attribute (borrowed): grMember (groups: SCIM ids; organizations:
 * "DIR/UID"), grRole (mappings) or grAssignment (assignments: a JSON object
 * each).  A mapping's JSON is {"org_roles": ["ORG SLUG"...]}, its grOrgRole
 * values, when it has any.
 */
int gr_fleet_batch_put(struct gr_fleet_batch *b, const char *uuid, enum gr_fleet_kind kind,
		       const char *dir, const char *id, const json_t *json, const json_t *values,
		       struct gr_err *err);
/* An entry that is gone, by UUID. */
int gr_fleet_batch_delete(struct gr_fleet_batch *b, const char *uuid, struct gr_err *err);
/* A UUID the server says is still present (refresh, present phase). */
int gr_fleet_batch_present(struct gr_fleet_batch *b, const char *uuid, struct gr_err *err);

struct gr_fleet_stats {
	size_t applied, deleted, skipped, purged;
};

/*
 * Apply B in one group commit, with COOKIE (may be NULL: keep the stored
 * one; "" clears it).  PURGE: B is a complete refresh (no cookie, or the
 * server's present phase): delete every local fleet record whose UUID B
 * neither carried nor reported present.  Empties B.
 */
int gr_fleet_apply(struct gr_store *st, struct gr_fleet_batch *b, const char *cookie,
		   bool purge, struct gr_fleet_stats *stats, struct gr_err *err);

/*
 * The same in steps, for a refresh longer than memory should hold: open
 * the group commit, apply what B holds as often as needed (B remembers the
 * UUIDs it carried, for the purge), then end it.  STATS add up.
 */
int gr_fleet_open(struct gr_store *st, struct gr_fleet_stats *stats, struct gr_err *err);
int gr_fleet_step(struct gr_store *st, struct gr_fleet_batch *b, struct gr_fleet_stats *stats,
		  struct gr_err *err);
int gr_fleet_close(struct gr_store *st, struct gr_fleet_batch *b, const char *cookie, bool purge,
		   struct gr_fleet_stats *stats, struct gr_err *err);
/* Abandon an open group commit: nothing of it stays. */
void gr_fleet_abort(struct gr_store *st, struct gr_fleet_batch *b);

/* The stored cookie ("" when none). */
int gr_fleet_cookie(struct gr_store *st, char *buf, size_t len, struct gr_err *err);

#endif

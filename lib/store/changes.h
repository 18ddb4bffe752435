/* SPDX-License-Identifier: MIT */
#ifndef GR_STORE_CHANGES_H
#define GR_STORE_CHANGES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "store/store.h"

/*
 * The events a record operation's change makes (lib/events/event.h),
 * queued on the open unit (gr_store_event_push): records.c calls one of
 * these at one place per operation, with the values before and after, and
 * they work out what actually changed -- a repeated PUT, an assignment of an
 * assigned role, a member added twice make no event.  Each does nothing and
 * returns 0 when no sink wants events.  All borrow their arguments.
 */

/*
 * User (DIR, id of NEW_REC) is about to get NEW_SCIM as its SCIM resource:
 * call before writing scim/DIR/UID (the previous resource is read from
 * there).  OLD_REC: the compact record before, NULL for a new user.
 * user.created, user.deactivated (active went from true to false) or
 * user.updated naming the attributes that changed.
 */
int gr_changes_user_put(struct gr_store *st, const char *dir, const json_t *old_rec,
			const json_t *new_rec, const json_t *new_scim, struct gr_err *err);

/* User OLD_REC of DIR is being deleted: user.deleted, and group.member.removed per group. */
int gr_changes_user_delete(struct gr_store *st, const char *dir, const json_t *old_rec,
			   struct gr_err *err);

/*
 * Group (DIR, id of NEW_REC) written as NEW_REC with members NEW_MEMBERS (an
 * array of user ids); OLD_REC and OLD_MEMBERS before (NULL: a new group).
 * group.created or group.updated (displayName, externalId), then one
 * group.member.added or .removed per user whose membership changed.
 */
int gr_changes_group_put(struct gr_store *st, const char *dir, const json_t *old_rec,
			 const json_t *new_rec, const json_t *old_members,
			 const json_t *new_members, struct gr_err *err);

/* Group OLD_REC of DIR, with MEMBERS, is being deleted: group.deleted. */
int gr_changes_group_delete(struct gr_store *st, const char *dir, const json_t *old_rec,
			    const json_t *members, struct gr_err *err);

/*
 * The roles of group (DIR, GID), tenant-wide (ORG NULL) or for ORG, went
 * from BEFORE to AFTER (arrays of slugs): group.roles.assigned with the
 * slugs that are new, group.roles.removed with those that are gone.
 */
int gr_changes_group_roles(struct gr_store *st, const char *org, const char *dir,
			   const char *gid, const json_t *before, const json_t *after,
			   struct gr_err *err);

#endif

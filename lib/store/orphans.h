/* SPDX-License-Identifier: MIT */
#ifndef GR_ORPHANS_H
#define GR_ORPHANS_H

#include <stdbool.h>

#include <jansson.h>

#include "store/records.h"
#include "store/store.h"

/*
 * Orphaned admin records: assignments and organization memberships of users,
 * and role mappings of groups, that no longer exist.  Admin data is keyed on
 * SCIM ids and outlives the IdP's deletions on purpose (a user who comes
 * back with the same id gets it again), so these records are not errors;
 * but an admin must be able to see them and remove them by id.
 */
enum gr_orphan_kind {
	GR_ORPHAN_ASSIGNMENT = 0, /* assign/DIR/UID */
	GR_ORPHAN_ORG_MEMBER,     /* orgmember/ORG/DIR/UID */
	GR_ORPHAN_GROUP_ROLES,    /* troles/DIR/GID */
	GR_ORPHAN_ORG_GROUP_ROLES /* oroles/ORG/DIR/GID */
};

/* "assignment", "organization_member", "group_roles", "organization_group_roles". */
const char *gr_orphan_kind_name(enum gr_orphan_kind kind);

bool gr_user_exists(struct gr_store *st, const char *dir, const char *id);
bool gr_group_exists(struct gr_store *st, const char *dir, const char *id);

/*
 * Every orphaned record, as a new array (caller owns) sorted by record key,
 * one object per assignment, membership or mapping:
 *   {"kind", "directory", "id", ["organization"], ["role", "resource", "expires"] | ["roles"]}
 * The caller holds a transaction or read transaction (walks are needed).
 */
int gr_orphans_list(struct gr_store *st, json_t **out, struct gr_err *err);

/*
 * Find an orphaned record of KIND for the user or group with SCIM id ID, in
 * directory DIR or, when DIR is NULL, in any directory; ORG names the
 * organization for the organization kinds.  -GR_E_NOTFOUND when there is
 * none, -GR_E_CONFLICT when several directories have one.
 */
int gr_orphan_find(struct gr_store *st, enum gr_orphan_kind kind, const char *org,
		   const char *dir, const char *id, struct gr_ref *out, struct gr_err *err);

#endif

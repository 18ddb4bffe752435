/* SPDX-License-Identifier: MIT */
#ifndef GR_IMPORT_H
#define GR_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "store/store.h"

/*
 * What an import changed, compared with what was stored: a user is "updated"
 * when its SCIM resource or its login (name or error) changed, a group when
 * its displayName, externalId or members changed; the rest are "unchanged".
 */
struct gr_import_stats {
	size_t users_added, users_updated, users_removed, users_unchanged;
	size_t groups_added, groups_updated, groups_removed, groups_unchanged;
	size_t memberships; /* in the documents */
	size_t memberships_added, memberships_removed;
	size_t unmapped; /* users stored without a login name */
	size_t existing; /* users + groups before the import */
	size_t existing_memberships;
};

/* Names listed per kind of change in the report; the counts stay exact. */
#define GR_IMPORT_MAX_NAMES 50

/*
 * Full sync of directory DIR from USERS and GROUPS, arrays of SCIM resources
 * (the Resources of a GET /Users and GET /Groups ListResponse; borrowed).
 *
 * Everything is checked before anything is written: every resource must be
 * valid and carry an id; ids, userNames and displayNames must be unique
 * (the names case-insensitively); every group member must be one of USERS.
 * Then, in one transaction: users and groups absent from the documents are
 * removed, the rest are created or replaced, and memberships follow the
 * groups.  Role mappings, organization memberships and assignments are keyed
 * on ids and survive renames.
 *
 * When the import would remove more than import_max_delete_percent of the
 * directory's users and groups, or of its memberships (a groups document
 * whose members were left out drops every role), it is refused
 * (-GR_E_REFUSED) unless FORCE.
 * On any error nothing has changed.  On success the transaction is
 * committed; publishing is the caller's job.  *UNMAPPED (may be NULL)
 * receives a new array of {"userName", "error"} for users stored without a
 * login name.
 */
int gr_import_directory(struct gr_store *st, const char *dir, const json_t *users,
			const json_t *groups, bool force, struct gr_import_stats *stats,
			json_t **unmapped, struct gr_err *err);

/*
 * The same, and *CHANGES (may be NULL) receives a new object naming what
 * changed, userNames and displayNames as they came (not escaped):
 *   {"users":  {"added": [...], "updated": [...], "removed": [...]},
 *    "groups": {"added": [...], "updated": [...], "removed": [...]}}
 * with at most GR_IMPORT_MAX_NAMES names per list.
 */
int gr_import_directory_report(struct gr_store *st, const char *dir, const json_t *users,
			       const json_t *groups, bool force, struct gr_import_stats *stats,
			       json_t **unmapped, json_t **changes, struct gr_err *err);

/*
 * The directory's users and groups as arrays of SCIM resources (new
 * references), ready for gr_scim_list_response: the inverse of import.
 */
int gr_export_directory(struct gr_store *st, const char *dir, json_t **users, json_t **groups,
			struct gr_err *err);

#endif

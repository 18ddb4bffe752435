/* SPDX-License-Identifier: MIT */
#ifndef GR_FLEET_ENTITIES_H
#define GR_FLEET_ENTITIES_H

#include <stddef.h>

#include "core/config.h"
#include "core/gr_error.h"
#include "fleet/apply.h"

/*
 * Which fleet entry a key of directory.tdb belongs to: the inverse of what
 * lib/fleet/apply.c writes for each LDAP entry (docs/fleet.md, "Data").
 *
 *   dir/DIR                       directory DIR
 *   role/SLUG                     role SLUG
 *   user/DIR/UID, scim/DIR/UID    user UID of DIR
 *   group/DIR/GID, members/DIR/GID  group GID of DIR (its members are grMember)
 *   troles/DIR/GID                the role mapping of group GID of DIR (grRole)
 *   oroles/ORG/DIR/GID            the same entry (grOrgRole "ORG SLUG")
 *   org/ORG, orgmember/ORG/DIR/UID  organization ORG (its members are grMember "DIR/UID")
 *   assign/DIR/UID                the resource assignments of user UID of DIR
 *   policy                        the policy (id "policy")
 *
 * Everything else is derived on each host (indexes, users' groups, gids,
 * the generation) or host-local by design (tokens, events, the sync
 * cookie, the publisher's state): IGNORED.
 */
enum gr_fleet_key_class {
	GR_FLEET_KEY_IGNORED,
	GR_FLEET_KEY_ENTITY,
};

struct gr_fleet_entity {
	enum gr_fleet_kind kind;
	char dir[GR_NAME_MAX + 1]; /* "" for directories, roles, organizations, the policy */
	char id[256];              /* SCIM id, role slug, directory or organization name, "policy" */
};

/* Classify KEY; fill *OUT for an ENTITY. */
enum gr_fleet_key_class gr_fleet_key_entity(const char *key, struct gr_fleet_entity *out);

/*
 * The distinct entities of KEYS, sorted in the order their LDAP writes
 * must happen in: upserts parents first (gr_fleet_kind_rank), which the
 * writer reverses for deletions.  *OUT is malloc()ed (free it), *N its
 * length.
 */
int gr_fleet_entities(const char *const *keys, size_t n, struct gr_fleet_entity **out,
		      size_t *n_out, struct gr_err *err);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_ROLES_H
#define GR_ROLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/config.h"
#include "core/names.h"
#include "store/store.h"

/*
 * Roles and their Unix groups.
 *
 *   role/SLUG    {"slug", "name", "description", "priority", "unix_group", "gid", "bound"}
 *   rgroup/NAME  SLUG   (Unix group names are unique among roles)
 *   gid/N        {"slug", "retired"}  every gid ever allocated; never reused
 *   meta         "next_gid": the allocation cursor, which only moves up
 *   roleindex    [SLUG...]  every role, so the catalog needs no walk
 *
 * A role's gid comes from gid_min..gid_max (or an explicit --gid), and is
 * refused when another NSS source already has it.  Its group name is
 * group_prefix + slug unless given, and is refused when reserved (root,
 * sudo, wheel, ...) or already a host group, unless the role is explicitly
 * bound to that existing host group: then it takes the host group's gid, and
 * NSS adds that gid to members' group lists without shadowing the group.
 */

#define GR_PRIORITY_MIN (-1000000)
#define GR_PRIORITY_MAX 1000000

struct gr_role {
	char slug[GR_NAME_MAX + 1];
	char name[256];
	char description[1024];
	int priority;
	char unix_group[GR_UNIX_NAME_MAX + 1];
	uint32_t gid;
	bool bound;
};

enum {
	GR_ROLE_BIND = 1 << 0,    /* bind to the existing host group named unix_group */
	GR_ROLE_GID_SET = 1 << 1, /* use role->gid instead of allocating */
};

/*
 * Host group lookups, overridable for tests that must not depend on the
 * machine's /etc/group.  Each returns 1 and fills the other field when the
 * host has the group, 0 when not, negative on lookup failure.
 */
struct gr_host_groups {
	int (*by_name)(const char *name, uint32_t *gid);
	int (*by_gid)(uint32_t gid, char *name, size_t len);
};
/* Replace the lookups (NULL restores getgrnam_r/getgrgid_r). */
void gr_roles_set_host_groups(const struct gr_host_groups *hg);

/*
 * Create ROLE.  ROLE->slug must be set; empty name defaults to the slug and
 * empty unix_group to prefix+slug.  On success ROLE holds the stored values
 * (gid, unix_group).
 */
int gr_role_create(struct gr_store *st, struct gr_role *role, unsigned flags,
		   struct gr_err *err);
int gr_role_get(struct gr_store *st, const char *slug, struct gr_role *role,
		struct gr_err *err);
/* Update name, description and priority of an existing role. */
int gr_role_update(struct gr_store *st, const struct gr_role *role, struct gr_err *err);
/*
 * Delete a role: its mappings, assignments and index go, its gid is retired
 * for good.  Refused while it is the policy's default role.
 */
int gr_role_delete(struct gr_store *st, const char *slug, struct gr_err *err);
/* Every role, sorted by slug; *OUT is malloc()ed, free() it. */
int gr_role_list(struct gr_store *st, struct gr_role **out, size_t *n, struct gr_err *err);

/* Decode a role record (exposed for the publisher and tests). */
int gr_role_from_json(const json_t *v, struct gr_role *role);

#endif

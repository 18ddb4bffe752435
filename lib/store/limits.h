/* SPDX-License-Identifier: MIT */
#ifndef GR_LIMITS_H
#define GR_LIMITS_H

#include <stdbool.h>

#include <jansson.h>

#include "store/store.h"

/*
 * How much one store holds, no less than Auth0 allows (its figure in
 * brackets), checked here so that grouprolectl, the Management API and
 * anything else that writes through lib/store obey the same rule.  A write
 * past a limit is -GR_E_LIMIT with a sentence that names the limit, and
 * changes nothing.
 *
 *   roles per group, at each scope   GR_GROUP_ROLES_MAX (records.h) = 100  [10]
 *   roles                            GR_ROLES_MAX = 1,000                  [1,000]
 *   roles assigned to one user       GR_USER_ROLES_MAX = 50                [50]
 *     (distinct roles of the user's resource assignments: the roles given
 *      directly, not through a group)
 *   groups holding roles             GR_GROUPS_WITH_ROLES_MAX = 10,000     [10,000]
 *     (a group counts once, whether it holds tenant roles, organization
 *      roles or both)
 */
#define GR_ROLES_MAX 1000
#define GR_USER_ROLES_MAX 50
#define GR_GROUPS_WITH_ROLES_MAX 10000

/* May one more role be created?  0, or -GR_E_LIMIT. */
int gr_limit_roles(struct gr_store *st, struct gr_err *err);

/*
 * May user UID, whose assignments would be ASSIGNMENTS (an array of
 * {"role", ...}), hold them?  0, or -GR_E_LIMIT when they name more than
 * GR_USER_ROLES_MAX distinct roles.
 */
int gr_limit_user_roles(const json_t *assignments, const char *uid, struct gr_err *err);

/*
 * May group (DIR, GID), which holds no role at the scope about to change,
 * start holding one?  Yes when it already holds roles at another scope or
 * fewer than GR_GROUPS_WITH_ROLES_MAX groups hold roles; else -GR_E_LIMIT.
 * Counting reads every record once (libtdb has no ordered keys); a
 * writable handle then keeps the count up to date through its own writes
 * (holders.c), so loading many mappings is not quadratic.
 */
int gr_limit_group_with_roles(struct gr_store *st, const char *dir, const char *gid,
			      struct gr_err *err);

/*
 * How many groups hold roles (at any scope); *HOLDS tells whether (DIR,
 * GID) is one of them (DIR may be NULL when HOLDS is).
 */
int gr_groups_with_roles(struct gr_store *st, const char *dir, const char *gid, size_t *count,
			 bool *holds, struct gr_err *err);

#endif

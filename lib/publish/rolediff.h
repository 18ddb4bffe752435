/* SPDX-License-Identifier: MIT */
#ifndef GR_ROLEDIFF_H
#define GR_ROLEDIFF_H

#include <stdint.h>

#include <jansson.h>

#include "core/config.h"
#include "core/gr_error.h"

/*
 * user.roles.changed: which logins' effective roles on this host changed
 * between two publishes, whatever caused it (a membership, a mapping, a
 * role, the policy, an organization, an expiry, the host context).
 *
 * A change is {"login", "ref": "DIR/UID", "old": [SLUG...], "new": [SLUG...]}.
 * The publish model (model.h) collects them; the publisher turns them into
 * events after the snapshots are installed.
 */

struct gr_pub_model;

/* Append a change to CHANGES (OLD and NOW are copied). 0 or -ENOMEM. */
int gr_roles_change_add(json_t *changes, const char *login, const char *ref, const json_t *old,
			const json_t *now);

/*
 * Compare model M with the login.tdb of CFG that is in place now (as PAM
 * sees it at NOW: expired assignments dropped) and append a change per
 * login whose roles differ.  No login.tdb yet, or one published for
 * another host context, is no baseline: nothing is appended, 0 is
 * returned (a first publish does not announce every user's roles).
 */
int gr_roles_diff_snapshot(const struct gr_pub_model *m, const struct gr_config *cfg, int64_t now,
			   json_t *changes, struct gr_err *err);

/*
 * The same for LOGINS only (an object keyed by login; a value's "ref" names
 * the user when neither the model nor login.tdb does): what the model holds
 * for each, against its login.tdb entry.  For an incremental update that
 * took in another process's commits, which that process may already have
 * published and announced.
 */
int gr_roles_diff_logins(const struct gr_pub_model *m, const struct gr_config *cfg, int64_t now,
			 const json_t *logins, json_t *changes, struct gr_err *err);

/* One user.roles.changed event per change, from ORIGIN (new array; NULL when out of memory). */
json_t *gr_roles_change_events(const json_t *changes, const char *origin);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_ORGS_H
#define GR_ORGS_H

#include <jansson.h>

#include "store/records.h"

/*
 * Listing organizations and what they hold, for grouprolectl and the
 * Management API alike (records.h has the writes).  Each returns 0 and a
 * new array in *OUT, or a negative code (-GR_E_NOTFOUND for an unknown
 * organization, with a sentence).
 */

/* Every organization, sorted by name: [{"name", "connections": {DIR: {"auto_membership"}}}]. */
int gr_org_list(struct gr_store *st, json_t **out, struct gr_err *err);

/*
 * Every organization's name, sorted: a new array of strings.  A writable
 * handle keeps them between calls, following its own writes (holders.c),
 * so asking on every write costs no walk of the store.
 */
int gr_org_names(struct gr_store *st, json_t **out, struct gr_err *err);

/*
 * ORG's explicit members (orgmember/ORG/DIR/UID), sorted by directory then
 * id: [{"directory", "id"}].  A member whose user is gone is still listed
 * (the record outlives it until removed).
 */
int gr_org_members(struct gr_store *st, const char *org, json_t **out, struct gr_err *err);

/*
 * The groups of every directory connected to ORG (the organization's
 * connection groups: the groups whose organization roles can take effect),
 * sorted by directory then id, as gr_group_list's rows.
 */
int gr_org_groups(struct gr_store *st, const char *org, json_t **out, struct gr_err *err);

#endif

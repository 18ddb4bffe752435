/* SPDX-License-Identifier: MIT */
#ifndef GR_SCIM_PATCH_H
#define GR_SCIM_PATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/gr_error.h"

/*
 * SCIM PATCH (RFC 7644 section 3.5.2) applied to a resource in memory, as
 * Okta and Microsoft Entra ID send it:
 *
 *   - "op" is case-insensitive ("Add", "Replace", "Remove": Entra);
 *   - no-path add/replace whose value object's keys are attribute paths
 *     ("name.givenName", enterprise URN attributes: Entra; "id" and
 *     "displayName" together for a rename, "active": false to deactivate:
 *     Okta);
 *   - value paths ("emails[type eq \"work\"].value"); an add or replace
 *     that matches no element creates one from the filter's "eq" terms
 *     (Entra sends "Add" for a changed work email);
 *   - booleans sent as strings ("True", "False": Entra) for "active" and
 *     "primary";
 *   - "remove" of a multi-valued attribute with a value list removes only
 *     those values (Entra's member removal).
 *
 * Group membership is never edited inside the JSON: a 50,000-member group
 * is not decoded to change one member.  Operations on "members" are
 * collected, in order, into a struct gr_scim_members change that the store
 * applies to its member index.  Members are selected by value only
 * ("members[value eq \"id\"]", or several joined with "or").
 *
 * Read-only attributes: "id" may be sent only with the resource's own
 * value, "meta" and "schemas" in a no-path value are ignored, a "password"
 * is dropped (never stored, never returned), "groups" of a User is refused
 * (membership changes through Groups).
 */

/* How a failed PATCH maps to a SCIM error's "scimType" (RFC 7644 section 3.12). */
enum gr_scim_patch_error {
	GR_SCIM_PATCH_OK = 0,
	GR_SCIM_PATCH_INVALID_SYNTAX, /* the request is not a PatchOp */
	GR_SCIM_PATCH_INVALID_PATH,   /* a path that does not parse */
	GR_SCIM_PATCH_INVALID_FILTER, /* a value filter we cannot apply */
	GR_SCIM_PATCH_INVALID_VALUE,  /* a value of the wrong shape */
	GR_SCIM_PATCH_NO_TARGET,      /* replace/add of a value path with no way to create it */
	GR_SCIM_PATCH_MUTABILITY,     /* a read-only attribute */
	GR_SCIM_PATCH_TOO_MANY,       /* more operations or members than allowed (413) */
};

/* "invalidSyntax", "invalidPath", ...; NULL for GR_SCIM_PATCH_OK. */
const char *gr_scim_patch_error_type(enum gr_scim_patch_error e);

/* Membership changes of a Group PATCH, applied in this order by the store. */
struct gr_scim_members {
	bool replace_all; /* drop every current member first */
	json_t *add;      /* object used as a set: member id -> true */
	json_t *remove;   /* likewise; never overlaps ADD */
};

void gr_scim_members_init(struct gr_scim_members *m);
void gr_scim_members_clear(struct gr_scim_members *m);

struct gr_scim_patch_limits {
	size_t max_operations; /* Operations in one request */
	size_t max_members;    /* member ids named in one request */
};

/*
 * Apply the PatchOp BODY to RESOURCE, which is changed in place: pass a copy
 * (json_deep_copy) and keep the original until the result is stored, so a
 * failing operation leaves nothing half-applied.  IS_GROUP selects the
 * Group rules (members go to MEMBERS, which must be initialised; NULL for a
 * User).  On failure returns -GR_E_INVALID (or -E2BIG for TOO_MANY,
 * -ENOMEM) with a sentence in ERR and the SCIM error type in *KIND.
 */
int gr_scim_patch_apply(json_t *resource, const json_t *body, bool is_group,
			const struct gr_scim_patch_limits *limits, struct gr_scim_members *members,
			enum gr_scim_patch_error *kind, struct gr_err *err);

#endif

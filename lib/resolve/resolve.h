/* SPDX-License-Identifier: MIT */
#ifndef GR_RESOLVE_H
#define GR_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Role resolution: one pure function from facts to roles.
 *
 * The caller gathers everything about one user on one host into a
 * struct gr_resolve_input (facts.c does it from the store; tests build it by
 * hand) and gr_resolve() applies the design's rules in order:
 *
 *  1. unknown or inactive user: no roles at all;
 *  2. IdP roles: tenant roles of the user's groups, organization roles of
 *     the user's groups when the host's organization is connected to the
 *     user's directory with auto-membership on (an explicit organization
 *     member without that gets none: Auth0's rule), and roles named by the
 *     user's role attribute (values naming no role are reported in
 *     `ignored`);
 *  3. multiple roles off: only the IdP role with the highest priority
 *     survives; equal priorities go to the slug that sorts first (strcmp);
 *  4. no IdP role and a default role: the default role;
 *  5. plus the user's resource assignments for this host's resources that
 *     have not expired (expires == 0 means never; expires <= now is expired).
 *
 * Roles that are not in the catalog (deleted roles still named by a stale
 * mapping) are dropped.  The output lists each role once, sorted by slug,
 * with every reason it was granted.
 */

enum gr_source {
	GR_SRC_GROUP = 0,  /* tenant group role: detail = group name */
	GR_SRC_ORG_GROUP,  /* organization group role: detail = group, org = org */
	GR_SRC_ATTRIBUTE,  /* role attribute: detail = attribute value */
	GR_SRC_DEFAULT,    /* policy default role */
	GR_SRC_ASSIGNMENT, /* resource assignment: detail = resource */
};

struct gr_role_ref {
	const char *slug;
	int priority; /* higher wins when multiple roles are off */
};

struct gr_in_group {
	const char *id;
	const char *name;
	const char *const *tenant_roles;
	size_t n_tenant_roles;
	const char *const *org_roles; /* roles of (host organization, group) */
	size_t n_org_roles;
};

struct gr_in_assignment {
	const char *role;
	const char *resource;
	int64_t expires; /* unix time; 0 = never */
};

struct gr_resolve_input {
	bool known;
	bool active;

	const struct gr_in_group *groups;
	size_t n_groups;

	const char *host_org;     /* NULL: the host serves no organization */
	bool org_member;          /* explicit member of host_org (shown; grants no roles) */
	bool org_connected;       /* host_org is connected to the user's directory */
	bool org_auto_membership; /* ... with auto-membership on */

	const char *attribute;    /* role attribute name, for provenance */
	const char *const *attr_values;
	size_t n_attr_values;

	const struct gr_in_assignment *assignments;
	size_t n_assignments;
	const char *const *host_resources;
	size_t n_host_resources;
	int64_t now;

	bool multiple_roles;
	const char *default_role; /* NULL: none */

	const struct gr_role_ref *catalog; /* every role, sorted by slug */
	size_t n_catalog;
};

struct gr_provenance {
	enum gr_source kind;
	const char *detail;  /* group name, attribute value or resource */
	const char *context; /* organization (ORG_GROUP) or attribute name (ATTRIBUTE) */
	int64_t expires;    /* GR_SRC_ASSIGNMENT only */
};

#define GR_MAX_PROVENANCE 16

struct gr_resolved_role {
	const char *slug;
	int priority;
	size_t n_prov;
	struct gr_provenance prov[GR_MAX_PROVENANCE];
};

struct gr_resolution {
	bool inactive;      /* known but deactivated: PAM denies */
	bool org_member;    /* member of the host organization: explicit or automatic */
	bool org_roles;     /* organization group roles apply: connected, auto-membership on */
	struct gr_resolved_role *roles;
	size_t n_roles;
	const char **ignored; /* attribute values that name no role */
	size_t n_ignored;
	int64_t next_expiry;  /* earliest future expiry among granted roles; 0 = none */
};

/*
 * Resolve IN into *OUT.  All strings in *OUT point into IN, which must
 * outlive it; the arrays are allocated and released by gr_resolution_free.
 * Returns 0 or -ENOMEM.
 */
int gr_resolve(const struct gr_resolve_input *in, struct gr_resolution *out);
void gr_resolution_free(struct gr_resolution *out);

/* "group", "organization", "attribute", "default", "assignment". */
const char *gr_source_name(enum gr_source kind);

/* Sort a catalog by slug for gr_resolve (qsort comparator). */
int gr_role_ref_cmp(const void *a, const void *b);

#endif

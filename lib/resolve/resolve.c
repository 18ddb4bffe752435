/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolve/resolve.h"

const char *gr_source_name(enum gr_source kind)
{
	switch (kind) {
	case GR_SRC_GROUP: return "group";
	case GR_SRC_ORG_GROUP: return "organization";
	case GR_SRC_ATTRIBUTE: return "attribute";
	case GR_SRC_DEFAULT: return "default";
	case GR_SRC_ASSIGNMENT: return "assignment";
	}
	return "unknown";
}

int gr_role_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gr_role_ref *)a)->slug, ((const struct gr_role_ref *)b)->slug);
}

static const struct gr_role_ref *catalog_find(const struct gr_resolve_input *in,
					      const char *slug)
{
	struct gr_role_ref key = { slug, 0 };

	if (!slug || !in->n_catalog)
		return NULL;
	return bsearch(&key, in->catalog, in->n_catalog, sizeof(key), gr_role_ref_cmp);
}

/* The output list grows in place; roles stay unique by slug. */
struct acc {
	struct gr_resolved_role *roles;
	size_t n, cap;
};

static int add_role(struct acc *a, const struct gr_role_ref *ref, const struct gr_provenance *p)
{
	struct gr_resolved_role *r = NULL;
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (!strcmp(a->roles[i].slug, ref->slug)) {
			r = &a->roles[i];
			break;
		}
	}
	if (!r) {
		if (a->n == a->cap) {
			size_t ncap = a->cap ? a->cap * 2 : 8;
			struct gr_resolved_role *nr = realloc(a->roles, ncap * sizeof(*nr));

			if (!nr)
				return -ENOMEM;
			a->roles = nr;
			a->cap = ncap;
		}
		r = &a->roles[a->n++];
		memset(r, 0, sizeof(*r));
		r->slug = ref->slug;
		r->priority = ref->priority;
	}
	/* Provenance beyond the cap is dropped; the role itself is not. */
	if (r->n_prov < GR_MAX_PROVENANCE)
		r->prov[r->n_prov++] = *p;
	return 0;
}

static int add_named(struct acc *a, const struct gr_resolve_input *in, const char *slug,
		     const struct gr_provenance *p)
{
	const struct gr_role_ref *ref = catalog_find(in, slug);

	return ref ? add_role(a, ref, p) : 0;
}

static int resolved_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gr_resolved_role *)a)->slug,
		      ((const struct gr_resolved_role *)b)->slug);
}

/* Higher priority first; on a tie the slug that sorts first. */
static bool outranks(const struct gr_resolved_role *a, const struct gr_resolved_role *b)
{
	if (a->priority != b->priority)
		return a->priority > b->priority;
	return strcmp(a->slug, b->slug) < 0;
}

static bool host_has_resource(const struct gr_resolve_input *in, const char *res)
{
	size_t i;

	for (i = 0; i < in->n_host_resources; i++)
		if (!strcmp(in->host_resources[i], res))
			return true;
	return false;
}

int gr_resolve(const struct gr_resolve_input *in, struct gr_resolution *out)
{
	struct acc a = { NULL, 0, 0 };
	struct gr_provenance p;
	size_t i, j;
	int r = 0;

	memset(out, 0, sizeof(*out));
	/* Rule 1. */
	if (!in->known)
		return 0;
	/*
	 * Organization group roles flow only through a connection to the user's
	 * directory with auto-membership on (Auth0: "Requires Auto-Membership
	 * enabled on the enterprise connection for role inheritance to take
	 * effect").  An explicit membership is recorded and shown, but on its
	 * own it grants nothing.
	 */
	out->org_roles = in->host_org && in->org_connected && in->org_auto_membership;
	out->org_member = in->host_org && (in->org_member || out->org_roles);
	if (!in->active) {
		out->inactive = true;
		return 0;
	}

	/* Rule 2: IdP roles. */
	for (i = 0; i < in->n_groups && r == 0; i++) {
		const struct gr_in_group *g = &in->groups[i];

		memset(&p, 0, sizeof(p));
		p.kind = GR_SRC_GROUP;
		p.detail = g->name;
		for (j = 0; j < g->n_tenant_roles && r == 0; j++)
			r = add_named(&a, in, g->tenant_roles[j], &p);
		if (!out->org_roles)
			continue;
		p.kind = GR_SRC_ORG_GROUP;
		p.context = in->host_org;
		for (j = 0; j < g->n_org_roles && r == 0; j++)
			r = add_named(&a, in, g->org_roles[j], &p);
	}
	for (i = 0; i < in->n_attr_values && r == 0; i++) {
		const char *v = in->attr_values[i];

		if (!catalog_find(in, v)) {
			const char **ni = realloc(out->ignored, (out->n_ignored + 1) * sizeof(*ni));

			if (!ni) {
				r = -ENOMEM;
				break;
			}
			out->ignored = ni;
			out->ignored[out->n_ignored++] = v;
			continue;
		}
		memset(&p, 0, sizeof(p));
		p.kind = GR_SRC_ATTRIBUTE;
		p.detail = v;
		p.context = in->attribute;
		r = add_named(&a, in, v, &p);
	}
	if (r < 0)
		goto fail;

	/* Rule 3: a single IdP role. */
	if (!in->multiple_roles && a.n > 1) {
		size_t best = 0;

		for (i = 1; i < a.n; i++)
			if (outranks(&a.roles[i], &a.roles[best]))
				best = i;
		a.roles[0] = a.roles[best];
		a.n = 1;
	}

	/* Rule 4: default role. */
	if (a.n == 0 && in->default_role) {
		memset(&p, 0, sizeof(p));
		p.kind = GR_SRC_DEFAULT;
		r = add_named(&a, in, in->default_role, &p);
		if (r < 0)
			goto fail;
	}

	/* Rule 5: resource assignments for this host. */
	for (i = 0; i < in->n_assignments; i++) {
		const struct gr_in_assignment *as = &in->assignments[i];

		if (as->expires && as->expires <= in->now)
			continue;
		if (!host_has_resource(in, as->resource))
			continue;
		if (!catalog_find(in, as->role))
			continue;
		memset(&p, 0, sizeof(p));
		p.kind = GR_SRC_ASSIGNMENT;
		p.detail = as->resource;
		p.expires = as->expires;
		r = add_named(&a, in, as->role, &p);
		if (r < 0)
			goto fail;
		if (as->expires && (!out->next_expiry || as->expires < out->next_expiry))
			out->next_expiry = as->expires;
	}

	if (a.n > 1)
		qsort(a.roles, a.n, sizeof(*a.roles), resolved_cmp);
	out->roles = a.roles;
	out->n_roles = a.n;
	return 0;
fail:
	free(a.roles);
	free(out->ignored);
	memset(out, 0, sizeof(*out));
	return r;
}

void gr_resolution_free(struct gr_resolution *out)
{
	if (!out)
		return;
	free(out->roles);
	free(out->ignored);
	memset(out, 0, sizeof(*out));
}

/* SPDX-License-Identifier: MIT */
#ifndef GR_FACTS_H
#define GR_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/config.h"
#include "store/records.h"
#include "resolve/resolve.h"
#include "store/roles.h"
#include "store/store.h"

/*
 * Gathering the facts gr_resolve() needs from the store.
 *
 * A gr_context holds what is the same for every user on this host: the
 * policy, the role catalog, the host's organization and resources, and the
 * time.  gr_facts_load() then reads one user's records.  Bulk callers (the
 * publisher, benchmarks) call gr_context_preload() once, so per-user work
 * reads only the user's own records.
 *
 * Callers outside a transaction hold gr_store_read_lock() for the whole
 * sequence, so every fact comes from one committed state.
 */

struct gr_context;
struct gr_facts;

/* Load the host context.  *OUT is owned by the caller (gr_context_free). */
int gr_context_load(struct gr_store *st, struct gr_context **out, struct gr_err *err);
/*
 * The same without the role catalog: gr_context_roles() is empty, and so is
 * the catalog in the facts' input.  gr_context_load reads every role; one
 * login needs only the roles the user's records name, so the PAM module builds
 * that catalog itself (lib/pam/pamlogic.c) and its cost does not grow with the
 * number of roles.
 */
int gr_context_load_host(struct gr_store *st, struct gr_context **out, struct gr_err *err);
/*
 * gr_context_load for a host serving organization ORG instead of the
 * configured one (the Management API's organization-member forms):
 * -GR_E_NOTFOUND when ORG does not exist.
 */
int gr_context_load_org(struct gr_store *st, const char *org, struct gr_context **out,
			struct gr_err *err);
/* Load every group's name and role mappings into memory for bulk resolution. */
int gr_context_preload(struct gr_store *st, struct gr_context *ctx, struct gr_err *err);
/*
 * The same, with the caller's EXTRA walk (NULL: none) in the same pass over
 * the database (gr_store_walk_many): a full rebuild reads every record once.
 */
int gr_context_preload_with(struct gr_store *st, struct gr_context *ctx,
			    const struct gr_store_walker *extra, struct gr_err *err);
/*
 * After a preload: read group (DIR, GID)'s record and role mappings again --
 * created, renamed, remapped or deleted since.  A long-running publisher
 * (lib/publish/model.h) keeps one context and refreshes what changed.
 * Returns 1 when what resolution reads of the group changed (it appeared or
 * went, its name, its role mappings) or the context has no preload to
 * compare with, 0 when only the rest of its record did (SCIM's meta).
 */
int gr_context_refresh_group(struct gr_store *st, struct gr_context *ctx, const char *dir,
			     const char *gid, struct gr_err *err);
/*
 * Can group (DIR, GID) give a member a role on this host?  False only when
 * the preloaded context knows it has no role mapping, tenant-wide or in the
 * host's organization (or knows no such group); true without a preload.
 */
bool gr_context_group_maps_roles(const struct gr_context *ctx, const char *dir, const char *gid);
/* The time resolution compares expiries with (set at load). */
void gr_context_set_now(struct gr_context *ctx, int64_t now);
void gr_context_free(struct gr_context *ctx);

/* Roles in the context, sorted by slug (borrowed). */
const struct gr_role *gr_context_roles(const struct gr_context *ctx, size_t *n);
const struct gr_policy *gr_context_policy(const struct gr_context *ctx);
/* Index of SLUG in gr_context_roles(), or -1. */
long gr_context_role_index(const struct gr_context *ctx, const char *slug);

/*
 * Load the facts about user (DIR, ID).  A user that does not exist yields
 * facts with in.known == false, not an error.  *OUT is owned by the caller
 * (gr_facts_free) and borrows from CTX, which must outlive it.
 */
int gr_facts_load(struct gr_store *st, const struct gr_context *ctx, const char *dir,
		  const char *id, struct gr_facts **out, struct gr_err *err);
/* Same, for a Unix login name; unknown logins give in.known == false. */
int gr_facts_load_login(struct gr_store *st, const struct gr_context *ctx, const char *login,
			struct gr_facts **out, struct gr_err *err);
void gr_facts_free(struct gr_facts *f);

const struct gr_resolve_input *gr_facts_input(const struct gr_facts *f);
/* The user's compact record (borrowed; NULL when unknown). */
const json_t *gr_facts_user(const struct gr_facts *f);
/* The user's login name ("" when unmapped or unknown). */
const char *gr_facts_login(const struct gr_facts *f);
const char *gr_facts_dir(const struct gr_facts *f);

/*
 * Why a role was granted, as JSON (new reference): {"source": group |
 * organization | attribute | default | assignment (gr_source_name), and "group",
 * "organization", "attribute", "value", "resource", "expires" as they
 * apply}.  grouprolectl user show --json and the API's effective roles.
 */
json_t *gr_provenance_json(const struct gr_provenance *p);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_API_PRIV_H
#define GR_API_PRIV_H

/*
 * The Management API's insides, shared by the files of lib/api only: one file per
 * resource (roles.c, groups.c, users.c, orgs.c, assignments.c), the helpers
 * every handler uses (common.c) and the route table (api.c).
 *
 * A handler answers one request into q->reply and returns 0 (answered,
 * whatever the status), or the negative code of a store failure that it
 * answered as 503 (for the daemon's log).  Helpers that may answer return 1
 * when the caller should go on, 0 when they answered, negative on a store
 * failure.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "api/api.h"
#include "store/roles.h"

/* One request being answered. */
struct gr_api_call {
	struct gr_store *st;
	const struct gr_api_request *rq;
	struct gr_api_reply *reply;
	const char *id;             /* the path's first {id}, NUL-terminated copy */
	const char *id2;            /* the path's second {id}, or NULL */
	json_t *body;               /* the parsed body, for methods that take one */
};

/* ---- common.c: answers ---- */

/* Answer STATUS with an error; returns 0 so handlers can "return gr_api_fail(...)". */
int gr_api_fail(struct gr_api_call *q, unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A refusal or failure from lib/store as an answer (404, 400, 409; 503 returns R). */
int gr_api_store_fail(struct gr_api_call *q, int r, const struct gr_err *err);
/* Answer STATUS with BODY (taken; NULL for 204). */
void gr_api_ok(struct gr_api_call *q, unsigned status, json_t *body);
/*
 * Answer ITEMS (taken) as Auth0 pages them under KEY; with CURSOR, from/take
 * as well (items in the order of their string "id").
 */
int gr_api_answer_page(struct gr_api_call *q, json_t *items, const char *key, bool cursor);
/* ARR (taken) sorted by "id", the order lists are paged in; NULL when out of memory. */
json_t *gr_api_sorted_by_id(json_t *arr);

/* ---- common.c: bodies ---- */

/* The body as an object whose members are all among ALLOWED: 1 (q->body), 0 answered. */
int gr_api_parse_body(struct gr_api_call *q, const char *const *allowed);
/* Member NAME as a string of 1..MAX bytes (0.. with EMPTY_OK) into OUT; 1, 0 answered. */
int gr_api_body_string(struct gr_api_call *q, const char *name, char *out, size_t max,
		       bool empty_ok);
/* The body's only member KEY: 1..MAX strings into OUT (borrowed) and *N; 1, 0 answered. */
int gr_api_body_list(struct gr_api_call *q, const char *key, const char **out, size_t max,
		     size_t *n);

/* ---- common.c: writes ---- */

/*
 * The transaction of this request is done (R its result so far): cancel on
 * failure, else commit.  1 when committed, 0 when answered, negative for a
 * store failure (answered as 503).
 */
int gr_api_finish(struct gr_api_call *q, int r, const struct gr_err *werr);

/* ---- shapes and lookups shared between resources ---- */

/* Auth0's role: {"id", "name", "description", "priority"} (common.c). */
json_t *gr_api_role_json(const struct gr_role *r);
/* Auth0's group: {"id": "DIR:GID", "name", "external_id" when set, "connection_id"} (groups.c). */
json_t *gr_api_group_json(const char *dir, const char *gid, const json_t *g);
/* Rows [{"directory", "id"}] (taken) as a page of Auth0 groups, sorted by id (groups.c). */
int gr_api_answer_groups(struct gr_api_call *q, json_t *rows, bool cursor);
/* The group of API id ID into REF (and *G when not NULL); 1, 0 answered (404), negative. */
int gr_api_lookup_group(struct gr_api_call *q, const char *id, struct gr_ref *ref, json_t **g);
/* Every role of SLUGS exists; 1, 0 answered (404), negative (groups.c). */
int gr_api_check_roles(struct gr_api_call *q, const char *const *slugs, size_t n);
/*
 * Map (ADD) or unmap every role of SLUGS on every group of GIDS (API ids), at
 * ORG's scope (NULL: tenant-wide), all or none, in one transaction; answers
 * 204 (groups.c).
 */
int gr_api_mappings_change(struct gr_api_call *q, const char *org, const char *const *gids,
			   size_t ng, const char *const *slugs, size_t ns, bool add,
			   bool roles_first);
/* The user of API id ID into REF, its record into *U; 1, 0 answered (404), negative (users.c). */
int gr_api_find_user(struct gr_api_call *q, const char *id, struct gr_ref *ref, json_t **u);
/* Organization ORG exists (its record into *O when not NULL); 1, 0 answered (404) (orgs.c). */
int gr_api_find_org(struct gr_api_call *q, const char *org, json_t **o);

/* ---- handlers (the route table in api.c) ---- */

int gr_api_roles_list(struct gr_api_call *q);
int gr_api_role_create(struct gr_api_call *q);
int gr_api_role_get(struct gr_api_call *q);
int gr_api_role_update(struct gr_api_call *q);
int gr_api_role_delete(struct gr_api_call *q);
int gr_api_role_groups_list(struct gr_api_call *q);
int gr_api_role_groups_add(struct gr_api_call *q);
int gr_api_role_groups_remove(struct gr_api_call *q);

int gr_api_groups_list(struct gr_api_call *q);
int gr_api_group_get(struct gr_api_call *q);
int gr_api_group_members(struct gr_api_call *q);
int gr_api_group_roles_list(struct gr_api_call *q);
int gr_api_group_roles_add(struct gr_api_call *q);
int gr_api_group_roles_remove(struct gr_api_call *q);

int gr_api_user_groups(struct gr_api_call *q);
int gr_api_user_effective_roles(struct gr_api_call *q);
int gr_api_user_role_source_groups(struct gr_api_call *q);
int gr_api_member_effective_roles(struct gr_api_call *q);
int gr_api_member_role_source_groups(struct gr_api_call *q);

int gr_api_orgs_list(struct gr_api_call *q);
int gr_api_org_create(struct gr_api_call *q);
int gr_api_org_get(struct gr_api_call *q);
int gr_api_org_delete(struct gr_api_call *q);
int gr_api_org_connections_list(struct gr_api_call *q);
int gr_api_org_connection_add(struct gr_api_call *q);
int gr_api_org_connection_get(struct gr_api_call *q);
int gr_api_org_connection_update(struct gr_api_call *q);
int gr_api_org_connection_delete(struct gr_api_call *q);
int gr_api_org_members_list(struct gr_api_call *q);
int gr_api_org_members_add(struct gr_api_call *q);
int gr_api_org_members_remove(struct gr_api_call *q);
int gr_api_org_groups(struct gr_api_call *q);
int gr_api_org_group_roles_list(struct gr_api_call *q);
int gr_api_org_group_roles_add(struct gr_api_call *q);
int gr_api_org_group_roles_remove(struct gr_api_call *q);

int gr_api_assignments_list(struct gr_api_call *q);
int gr_api_assignment_create(struct gr_api_call *q);
int gr_api_assignment_delete(struct gr_api_call *q);
int gr_api_policy_get(struct gr_api_call *q);
int gr_api_policy_update(struct gr_api_call *q);

#endif

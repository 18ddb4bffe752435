/* SPDX-License-Identifier: MIT */
#ifndef GR_API_H
#define GR_API_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "store/records.h"
#include "store/store.h"

/*
 * The Management API under /api/v2, with the paths, bodies, status codes and
 * error shape of Auth0's Management API v2, so that a script written against
 * Auth0 runs against grouprole with only the base URL and token changed.
 * This layer knows nothing of HTTP transport or tokens: the caller (the
 * daemon's app) has checked that the bearer is a live API token and passes
 * its scopes; every rule about roles and mappings lives in lib/store, shared
 * with grouprolectl.
 *
 *   GET    roles                 read:roles      list (page, per_page, include_totals, name_filter)
 *   POST   roles                 create:roles    {"name", "description", "priority"} -> 200 role
 *   GET    roles/{id}            read:roles
 *   PATCH  roles/{id}            update:roles    {"name", "description", "priority"} -> 200 role
 *   DELETE roles/{id}            delete:roles    -> 204
 *   GET    groups/{id}/roles     read:group_roles  (paged like roles)
 *   POST   groups/{id}/roles     create:group_roles or update:groups  {"roles": [ID...]} -> 204
 *   DELETE groups/{id}/roles     delete:group_roles or update:groups  {"roles": [ID...]} -> 204
 *   GET    roles/{id}/groups     read:group_roles  the groups holding the role (paged)
 *   POST   roles/{id}/groups     create:group_roles or update:groups  {"groups": [ID...]} -> 204
 *   DELETE roles/{id}/groups     delete:group_roles or update:groups  {"groups": [ID...]} -> 204
 *   GET    groups                read:groups     (connection_id, name, external_id; paged,
 *                                                 or from/take with a "next" cursor)
 *   GET    groups/{id}           read:groups
 *   GET    groups/{id}/members   read:group_members  (paged, or from/take)
 *   GET    users/{id}/groups     read:users      (paged, or from/take)
 *   GET    users/{id}/effective-roles  read:users  roles with their "sources" (paged)
 *   GET    users/{id}/effective-roles/sources/groups?role_id=R  read:users
 *   organizations, {org}, {org}/enabled_connections[/{dir}], {org}/members,
 *   {org}/members/{id}/effective-roles[/sources/groups], {org}/groups,
 *   {org}/groups/{id}/roles, role-assignments, policy: see the route table
 *   in api.c and docs/admin-guide.md.
 *
 * A user's id is "DIRECTORY:SCIM_ID" like a group's.  Lists are in a stable
 * order: roles by id, groups and members by id ("next" is the id to start
 * from).
 *
 * Ids: a role's id is its slug; its "name" is the display name, and the slug
 * of a new role is derived from the name (gr_api_role_slug).  A group's id is
 * "DIRECTORY:SCIM_ID" (directories are slugs, so the first ':' splits it).
 *
 * Errors are Auth0's {"statusCode", "error", "message", "errorCode"}.  A
 * request that is refused changes nothing: group role changes check the
 * group and every role before writing, in one transaction.
 *
 * The caller serialises calls (libtdb is not thread-safe): the daemon runs
 * each one as a unit of a gate batch (server/gate.h).
 */

/* Most roles one POST or DELETE /groups/{id}/roles may name (= GR_GROUP_ROLES_MAX). */
#define GR_API_MAX_ROLES_PER_REQUEST GR_GROUP_ROLES_MAX
/* Most groups one POST or DELETE /roles/{id}/groups may name. */
#define GR_API_MAX_GROUPS_PER_REQUEST 100
/* per_page and take are 1..GR_API_MAX_PER_PAGE, as Auth0's; take defaults to 50. */
#define GR_API_MAX_PER_PAGE 100
#define GR_API_DEFAULT_TAKE 50

struct gr_api_request {
	const char *method;
	const char *path;           /* after "/api/v2/" */
	const char *body;           /* NUL-terminated; LEN is authoritative */
	size_t len;
	const json_t *scopes;       /* the token's scope words (borrowed) */
	/* Query arguments, NULL when absent. */
	const char *page, *per_page, *include_totals, *name_filter;
	const char *from, *take;                         /* cursor paging */
	const char *connection_id, *name, *external_id;  /* GET groups filters */
	const char *role_id;        /* effective-roles/sources/groups: the role asked about */
	const char *user_id;        /* GET role-assignments: one user's */
};

struct gr_api_reply {
	unsigned status;
	json_t *body;               /* NULL for 204 */
	const char *allow;          /* for a 405: the methods the path has */
	bool changed;               /* the store was changed (committed, or applied unsynced): publish */
};

/*
 * Answer RQ from ST into REPLY (which the caller owns: gr_api_reply_clear).
 * Returns 0, or the negative code of a store failure that was answered as
 * 503 (for the caller's log).
 */
int gr_api_serve(struct gr_store *st, const struct gr_api_request *rq, struct gr_api_reply *reply);
void gr_api_reply_clear(struct gr_api_reply *reply);

/*
 * Auth0's error body (new reference): statusCode, error (the status's
 * reason phrase), message, and errorCode when CODE is not NULL.
 */
json_t *gr_api_error_body(unsigned status, const char *code, const char *message);

/*
 * The role slug for an Auth0 role NAME: ASCII letters lowercased, digits
 * and '_' kept, every run of other bytes ('-' too) one '-', none at either end
 * ("Support Engineers" -> "support-engineers").  Returns 0, or -GR_E_INVALID
 * when nothing is left or it is longer than a slug may be.
 */
int gr_api_role_slug(const char *name, char *out, size_t len);

/* Split a group id "DIR:SCIM_ID" into OUT; -GR_E_INVALID when it is not one. */
int gr_api_group_id(const char *id, struct gr_ref *out);

/* Does SCOPES (an array of strings) hold SCOPE? */
bool gr_api_has_scope(const json_t *scopes, const char *scope);

#endif

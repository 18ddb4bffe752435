/* SPDX-License-Identifier: MIT */
/* The Management API's route table: path patterns, methods, scopes, handlers. */
#include <stdio.h>
#include <string.h>

#include "api/api_priv.h"

/*
 * One endpoint: a path pattern of '/'-separated segments, where "*" stands
 * for one {id} (at most two), and the methods it answers.
 */
struct path {
	const char *pattern;
	const char *allow;          /* for a 405 */
};

struct route {
	const char *pattern;
	const char *method;
	const char *scope, *alt_scope; /* either one suffices */
	int (*fn)(struct gr_api_call *q);
};

static const struct path paths[] = {
	{ "roles", "GET, POST" },
	{ "roles/*", "GET, PATCH, DELETE" },
	{ "roles/*/groups", "GET, POST, DELETE" },
	{ "groups", "GET" },
	{ "groups/*", "GET" },
	{ "groups/*/roles", "GET, POST, DELETE" },
	{ "groups/*/members", "GET" },
	{ "users/*/groups", "GET" },
	{ "users/*/effective-roles", "GET" },
	{ "users/*/effective-roles/sources/groups", "GET" },
	{ "organizations", "GET, POST" },
	{ "organizations/*", "GET, DELETE" },
	{ "organizations/*/enabled_connections", "GET, POST" },
	{ "organizations/*/enabled_connections/*", "GET, PATCH, DELETE" },
	{ "organizations/*/members", "GET, POST, DELETE" },
	{ "organizations/*/members/*/effective-roles", "GET" },
	{ "organizations/*/members/*/effective-roles/sources/groups", "GET" },
	{ "organizations/*/groups", "GET" },
	{ "organizations/*/groups/*/roles", "GET, POST, DELETE" },
	{ "role-assignments", "GET, POST, DELETE" },
	{ "policy", "GET, PATCH" },
};

static const struct route routes[] = {
	{ "roles", "GET", "read:roles", NULL, gr_api_roles_list },
	{ "roles", "POST", "create:roles", NULL, gr_api_role_create },
	{ "roles/*", "GET", "read:roles", NULL, gr_api_role_get },
	{ "roles/*", "PATCH", "update:roles", NULL, gr_api_role_update },
	{ "roles/*", "DELETE", "delete:roles", NULL, gr_api_role_delete },
	{ "roles/*/groups", "GET", "read:group_roles", NULL, gr_api_role_groups_list },
	{ "roles/*/groups", "POST", "create:group_roles", "update:groups", gr_api_role_groups_add },
	{ "roles/*/groups", "DELETE", "delete:group_roles", "update:groups",
	  gr_api_role_groups_remove },
	{ "groups", "GET", "read:groups", NULL, gr_api_groups_list },
	{ "groups/*", "GET", "read:groups", NULL, gr_api_group_get },
	{ "groups/*/roles", "GET", "read:group_roles", NULL, gr_api_group_roles_list },
	{ "groups/*/roles", "POST", "create:group_roles", "update:groups", gr_api_group_roles_add },
	{ "groups/*/roles", "DELETE", "delete:group_roles", "update:groups",
	  gr_api_group_roles_remove },
	{ "groups/*/members", "GET", "read:group_members", NULL, gr_api_group_members },
	{ "users/*/groups", "GET", "read:users", NULL, gr_api_user_groups },
	{ "users/*/effective-roles", "GET", "read:users", NULL, gr_api_user_effective_roles },
	{ "users/*/effective-roles/sources/groups", "GET", "read:users", NULL,
	  gr_api_user_role_source_groups },
	{ "organizations", "GET", "read:organizations", NULL, gr_api_orgs_list },
	{ "organizations", "POST", "create:organizations", NULL, gr_api_org_create },
	{ "organizations/*", "GET", "read:organizations", NULL, gr_api_org_get },
	{ "organizations/*", "DELETE", "delete:organizations", NULL, gr_api_org_delete },
	{ "organizations/*/enabled_connections", "GET", "read:organization_connections", NULL,
	  gr_api_org_connections_list },
	{ "organizations/*/enabled_connections", "POST", "create:organization_connections", NULL,
	  gr_api_org_connection_add },
	{ "organizations/*/enabled_connections/*", "GET", "read:organization_connections", NULL,
	  gr_api_org_connection_get },
	{ "organizations/*/enabled_connections/*", "PATCH", "update:organization_connections",
	  NULL, gr_api_org_connection_update },
	{ "organizations/*/enabled_connections/*", "DELETE", "delete:organization_connections",
	  NULL, gr_api_org_connection_delete },
	{ "organizations/*/members", "GET", "read:organization_members", NULL,
	  gr_api_org_members_list },
	{ "organizations/*/members", "POST", "create:organization_members", NULL,
	  gr_api_org_members_add },
	{ "organizations/*/members", "DELETE", "delete:organization_members", NULL,
	  gr_api_org_members_remove },
	{ "organizations/*/members/*/effective-roles", "GET", "read:organization_member_roles",
	  NULL, gr_api_member_effective_roles },
	{ "organizations/*/members/*/effective-roles/sources/groups", "GET",
	  "read:organization_member_roles", NULL, gr_api_member_role_source_groups },
	{ "organizations/*/groups", "GET", "read:organization_groups", "read:organizations",
	  gr_api_org_groups },
	{ "organizations/*/groups/*/roles", "GET", "read:organization_group_roles", NULL,
	  gr_api_org_group_roles_list },
	{ "organizations/*/groups/*/roles", "POST", "create:organization_group_roles", NULL,
	  gr_api_org_group_roles_add },
	{ "organizations/*/groups/*/roles", "DELETE", "delete:organization_group_roles", NULL,
	  gr_api_org_group_roles_remove },
	{ "role-assignments", "GET", "read:role_assignments", NULL, gr_api_assignments_list },
	{ "role-assignments", "POST", "create:role_assignments", NULL, gr_api_assignment_create },
	{ "role-assignments", "DELETE", "delete:role_assignments", NULL,
	  gr_api_assignment_delete },
	{ "policy", "GET", "read:policy", NULL, gr_api_policy_get },
	{ "policy", "PATCH", "update:policy", NULL, gr_api_policy_update },
};

#define ID_MAX 600

/*
 * Does PATH match PATTERN?  Its {id}s are copied into IDS (up to two, each
 * ID_MAX bytes); an empty or overlong id segment matches nothing.
 */
static bool match(const char *pattern, const char *path, char ids[2][ID_MAX], size_t *n_ids)
{
	const char *p = pattern, *s = path;

	*n_ids = 0;
	for (;;) {
		const char *pe = strchrnul(p, '/'), *se = strchrnul(s, '/');
		size_t pl = (size_t)(pe - p), sl = (size_t)(se - s);

		if (pl == 1 && *p == '*') {
			if (sl == 0 || sl >= ID_MAX || *n_ids == 2)
				return false;
			memcpy(ids[*n_ids], s, sl);
			ids[(*n_ids)++][sl] = '\0';
		} else if (pl != sl || strncmp(p, s, pl)) {
			return false;
		}
		if (!*pe || !*se)
			return !*pe && !*se;
		p = pe + 1;
		s = se + 1;
	}
}

int gr_api_serve(struct gr_store *st, const struct gr_api_request *rq, struct gr_api_reply *reply)
{
	char ids[2][ID_MAX];
	struct gr_api_call q = { .st = st, .rq = rq, .reply = reply, .id = ids[0] };
	const struct path *pt = NULL;
	const struct route *rt = NULL;
	size_t i, n_ids = 0;
	int r;

	reply->changed = false;
	reply->allow = NULL;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]) && !pt; i++)
		if (match(paths[i].pattern, rq->path, ids, &n_ids))
			pt = &paths[i];
	if (!pt) {
		gr_api_fail(&q, 404, "invalid_uri", "Not Found");
		return 0;
	}
	q.id2 = n_ids > 1 ? ids[1] : NULL;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]) && !rt; i++)
		if (!strcmp(routes[i].pattern, pt->pattern) && !strcmp(routes[i].method, rq->method))
			rt = &routes[i];
	if (!rt) {
		reply->allow = pt->allow;
		gr_api_fail(&q, 405, NULL, "Method Not Allowed");
		return 0;
	}
	if (!gr_api_has_scope(rq->scopes, rt->scope) &&
	    !(rt->alt_scope && gr_api_has_scope(rq->scopes, rt->alt_scope))) {
		gr_api_fail(&q, 403, "insufficient_scope", "Insufficient scope, expected any of: %s%s%s",
			    rt->scope, rt->alt_scope ? "," : "", rt->alt_scope ? rt->alt_scope : "");
		return 0;
	}
	r = rt->fn(&q);
	json_decref(q.body);
	if (!reply->body && reply->status != 204)
		gr_api_fail(&q, 503, NULL, "out of memory");
	return r < 0 ? r : 0;
}

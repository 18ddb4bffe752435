/* SPDX-License-Identifier: MIT */
/* From the keys a transaction wrote to the fleet entries they belong to (entities.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/entities.h"

static const struct {
	const char *prefix;
	enum gr_fleet_kind kind;
	int parts; /* after the prefix: 1 = NAME, 2 = DIR/ID */
} entity_keys[] = {
	{ "dir/", GR_FLEET_DIRECTORY, 1 }, { "role/", GR_FLEET_ROLE, 1 },
	{ "user/", GR_FLEET_USER, 2 },	   { "scim/", GR_FLEET_USER, 2 },
	{ "group/", GR_FLEET_GROUP, 2 },   { "members/", GR_FLEET_GROUP, 2 },
	{ "troles/", GR_FLEET_MAPPING, 2 },
};

static const char *const local_only[] = { "org/", "orgmember/", "oroles/", "assign/" };

enum gr_fleet_key_class gr_fleet_key_entity(const char *key, struct gr_fleet_entity *out)
{
	size_t i, plen;
	const char *rest, *slash;

	memset(out, 0, sizeof(*out));
	if (!strcmp(key, "policy"))
		return GR_FLEET_KEY_LOCAL_ONLY;
	for (i = 0; i < sizeof(local_only) / sizeof(local_only[0]); i++)
		if (!strncmp(key, local_only[i], strlen(local_only[i])))
			return GR_FLEET_KEY_LOCAL_ONLY;
	for (i = 0; i < sizeof(entity_keys) / sizeof(entity_keys[0]); i++) {
		plen = strlen(entity_keys[i].prefix);
		if (strncmp(key, entity_keys[i].prefix, plen))
			continue;
		rest = key + plen;
		slash = strchr(rest, '/');
		if (entity_keys[i].parts == 1) {
			/* dir/DIR and role/SLUG have no further part; anything else is not ours. */
			if (slash || !rest[0] || strlen(rest) >= sizeof(out->id))
				return GR_FLEET_KEY_IGNORED;
			strcpy(out->id, rest);
		} else {
			/* DIR/ID: names and ids hold no '/' (gr_valid_name, gr_valid_id). */
			if (!slash || slash == rest || !slash[1] || strchr(slash + 1, '/') ||
			    (size_t)(slash - rest) >= sizeof(out->dir) ||
			    strlen(slash + 1) >= sizeof(out->id))
				return GR_FLEET_KEY_IGNORED;
			memcpy(out->dir, rest, (size_t)(slash - rest));
			out->dir[slash - rest] = '\0';
			strcpy(out->id, slash + 1);
		}
		out->kind = entity_keys[i].kind;
		return GR_FLEET_KEY_ENTITY;
	}
	return GR_FLEET_KEY_IGNORED;
}

static int entity_cmp(const void *pa, const void *pb)
{
	const struct gr_fleet_entity *a = pa, *b = pb;
	int r;

	/* The kinds are declared in apply order: directories, roles, users, groups, mappings. */
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((r = strcmp(a->dir, b->dir)))
		return r;
	return strcmp(a->id, b->id);
}

int gr_fleet_entities(const char *const *keys, size_t n,
		      int (*local_exists)(void *ctx, const char *key), void *ctx,
		      struct gr_fleet_entity **out, size_t *n_out, struct gr_err *err)
{
	struct gr_fleet_entity *v = NULL, e;
	size_t i, m = 0;

	*out = NULL;
	*n_out = 0;
	if (n && !(v = calloc(n, sizeof(*v))))
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		switch (gr_fleet_key_entity(keys[i], &e)) {
		case GR_FLEET_KEY_ENTITY:
			v[m++] = e;
			break;
		case GR_FLEET_KEY_LOCAL_ONLY:
			if (local_exists && local_exists(ctx, keys[i])) {
				free(v);
				return gr_err_set(err, -GR_E_REFUSED,
						  "'%s': organizations, resource assignments and the "
						  "policy are not replicated in fleet mode yet "
						  "(store = ldap)",
						  keys[i]);
			}
			break;
		default:
			break;
		}
	}
	qsort(v, m, sizeof(*v), entity_cmp);
	/* Several keys of one entity (user/ and scim/, group/ and members/) make one write. */
	for (i = 0, n = m, m = 0; i < n; i++)
		if (m == 0 || entity_cmp(&v[m - 1], &v[i]))
			v[m++] = v[i];
	*out = v;
	*n_out = m;
	return 0;
}

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
	int parts;  /* '/'-separated parts after the prefix */
	int dir_at; /* the part that is the entity's directory, or -1 */
	int id_at;  /* the part that is its id */
} entity_keys[] = {
	{ "dir/", GR_FLEET_DIRECTORY, 1, -1, 0 },
	{ "role/", GR_FLEET_ROLE, 1, -1, 0 },
	{ "user/", GR_FLEET_USER, 2, 0, 1 },
	{ "scim/", GR_FLEET_USER, 2, 0, 1 },
	{ "group/", GR_FLEET_GROUP, 2, 0, 1 },
	{ "members/", GR_FLEET_GROUP, 2, 0, 1 },
	{ "troles/", GR_FLEET_MAPPING, 2, 0, 1 },
	/* A group's organization roles live on its mapping entry (grOrgRole "ORG SLUG"). */
	{ "oroles/", GR_FLEET_MAPPING, 3, 1, 2 },
	{ "org/", GR_FLEET_ORG, 1, -1, 0 },
	/* An organization's explicit members are its grMember values ("DIR/UID"). */
	{ "orgmember/", GR_FLEET_ORG, 3, -1, 0 },
	/* A user's resource assignments: one entry, an assignment per grAssignment value. */
	{ "assign/", GR_FLEET_ASSIGN, 2, 0, 1 },
};

/* Copy part I of the N parts of REST (each non-empty, no '/') into OUT; -1 when it does not fit. */
static int part(const char *rest, int i, char *out, size_t len)
{
	const char *p = rest, *end;

	while (i-- > 0)
		p = strchr(p, '/') + 1;
	end = strchr(p, '/');
	if (!end)
		end = p + strlen(p);
	if ((size_t)(end - p) >= len)
		return -1;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return 0;
}

/* How many '/'-separated parts REST has, or -1 when one is empty. */
static int count_parts(const char *rest)
{
	const char *p = rest, *slash;
	int n = 1;

	for (;;) {
		slash = strchr(p, '/');
		if ((slash ? slash : p + strlen(p)) == p)
			return -1;
		if (!slash)
			return n;
		n++;
		p = slash + 1;
	}
}

enum gr_fleet_key_class gr_fleet_key_entity(const char *key, struct gr_fleet_entity *out)
{
	size_t i, plen;
	const char *rest;

	memset(out, 0, sizeof(*out));
	if (!strcmp(key, "policy")) {
		out->kind = GR_FLEET_POLICY;
		strcpy(out->id, "policy");
		return GR_FLEET_KEY_ENTITY;
	}
	for (i = 0; i < sizeof(entity_keys) / sizeof(entity_keys[0]); i++) {
		plen = strlen(entity_keys[i].prefix);
		if (strncmp(key, entity_keys[i].prefix, plen))
			continue;
		rest = key + plen;
		/* Names and ids hold no '/' (gr_valid_name, gr_valid_id): any other shape is not ours. */
		if (count_parts(rest) != entity_keys[i].parts ||
		    (entity_keys[i].dir_at >= 0 &&
		     part(rest, entity_keys[i].dir_at, out->dir, sizeof(out->dir)) < 0) ||
		    part(rest, entity_keys[i].id_at, out->id, sizeof(out->id)) < 0) {
			memset(out, 0, sizeof(*out));
			return GR_FLEET_KEY_IGNORED;
		}
		out->kind = entity_keys[i].kind;
		return GR_FLEET_KEY_ENTITY;
	}
	return GR_FLEET_KEY_IGNORED;
}

int gr_fleet_kind_rank(enum gr_fleet_kind kind)
{
	static const enum gr_fleet_kind order[] = { GR_FLEET_DIRECTORY, GR_FLEET_ROLE,
						    GR_FLEET_USER,	GR_FLEET_GROUP,
						    GR_FLEET_ORG,	GR_FLEET_MAPPING,
						    GR_FLEET_ASSIGN,	GR_FLEET_POLICY };
	int i;

	for (i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++)
		if (order[i] == kind)
			return i;
	return -1;
}

static int entity_cmp(const void *pa, const void *pb)
{
	const struct gr_fleet_entity *a = pa, *b = pb;
	int r;

	if (a->kind != b->kind)
		return gr_fleet_kind_rank(a->kind) < gr_fleet_kind_rank(b->kind) ? -1 : 1;
	if ((r = strcmp(a->dir, b->dir)))
		return r;
	return strcmp(a->id, b->id);
}

int gr_fleet_entities(const char *const *keys, size_t n, struct gr_fleet_entity **out,
		      size_t *n_out, struct gr_err *err)
{
	struct gr_fleet_entity *v = NULL, e;
	size_t i, m = 0;

	*out = NULL;
	*n_out = 0;
	if (n && !(v = calloc(n, sizeof(*v))))
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (gr_fleet_key_entity(keys[i], &e) == GR_FLEET_KEY_ENTITY)
			v[m++] = e;
	qsort(v, m, sizeof(*v), entity_cmp);
	/* Several keys of one entity (user/ and scim/, group/ and members/) make one write. */
	for (i = 0, n = m, m = 0; i < n; i++)
		if (m == 0 || entity_cmp(&v[m - 1], &v[i]))
			v[m++] = v[i];
	*out = v;
	*n_out = m;
	return 0;
}

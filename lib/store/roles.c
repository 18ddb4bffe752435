/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "store/limits.h"
#include "store/records.h"
#include "store/roles.h"

/* ---- host group lookups ---- */

static int nss_by_name(const char *name, uint32_t *gid)
{
	struct group gr, *res = NULL;
	char buf[16384];
	int r = getgrnam_r(name, &gr, buf, sizeof(buf), &res);

	if (r == ERANGE)
		return -ERANGE;
	if (!res)
		return 0;
	*gid = (uint32_t)gr.gr_gid;
	return 1;
}

static int nss_by_gid(uint32_t gid, char *name, size_t len)
{
	struct group gr, *res = NULL;
	char buf[16384];
	int r = getgrgid_r((gid_t)gid, &gr, buf, sizeof(buf), &res);

	if (r == ERANGE)
		return -ERANGE;
	if (!res)
		return 0;
	if (strlen(gr.gr_name) < len)
		strcpy(name, gr.gr_name);
	else if (len)
		name[0] = '\0';
	return 1;
}

static const struct gr_host_groups nss_groups = { nss_by_name, nss_by_gid };
static const struct gr_host_groups *host_groups = &nss_groups;

void gr_roles_set_host_groups(const struct gr_host_groups *hg)
{
	host_groups = hg ? hg : &nss_groups;
}

/* ---- records ---- */

static int index_change(struct gr_store *st, const char *slug, bool add, struct gr_err *err);

int gr_role_from_json(const json_t *v, struct gr_role *role)
{
	const char *slug = json_string_value(json_object_get(v, "slug"));
	const char *name = json_string_value(json_object_get(v, "name"));
	const char *desc = json_string_value(json_object_get(v, "description"));
	const char *ug = json_string_value(json_object_get(v, "unix_group"));
	json_t *gid = json_object_get(v, "gid");
	json_t *prio = json_object_get(v, "priority");

	memset(role, 0, sizeof(*role));
	if (!slug || !ug || !json_is_integer(gid) || strlen(slug) >= sizeof(role->slug) ||
	    strlen(ug) >= sizeof(role->unix_group) || json_integer_value(gid) < 0 ||
	    json_integer_value(gid) > 0xfffffffeLL)
		return -GR_E_CORRUPT;
	strcpy(role->slug, slug);
	strcpy(role->unix_group, ug);
	role->gid = (uint32_t)json_integer_value(gid);
	if (name)
		snprintf(role->name, sizeof(role->name), "%s", name);
	if (desc)
		snprintf(role->description, sizeof(role->description), "%s", desc);
	if (json_is_integer(prio))
		role->priority = (int)json_integer_value(prio);
	role->bound = json_is_true(json_object_get(v, "bound"));
	return 0;
}

static json_t *role_to_json(const struct gr_role *role)
{
	return json_pack("{s:s,s:s,s:s,s:i,s:s,s:I,s:b}", "slug", role->slug, "name", role->name,
			 "description", role->description, "priority", role->priority,
			 "unix_group", role->unix_group, "gid", (json_int_t)role->gid, "bound",
			 role->bound);
}

int gr_role_get(struct gr_store *st, const char *slug, struct gr_role *role,
		struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *v = NULL;
	int r;

	if (!gr_valid_slug(slug))
		return gr_err_set(err, -GR_E_INVALID, "invalid role slug '%s'", slug);
	if (gr_key(key, sizeof(key), "role/%s", slug) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "slug too long");
	r = gr_store_get_json(st, key, &v, err);
	if (r == -GR_E_NOTFOUND)
		return gr_err_set(err, r, "no role '%s'", slug);
	if (r < 0)
		return r;
	r = gr_role_from_json(v, role);
	json_decref(v);
	if (r < 0)
		return gr_err_set(err, r, "role record '%s' is corrupt", slug);
	return 0;
}

static bool gid_known(struct gr_store *st, uint32_t gid)
{
	char key[GR_KEY_MAX];

	return gr_key(key, sizeof(key), "gid/%u", gid) == 0 && gr_store_exists(st, key);
}

/*
 * Is GID in use on the host?  Our own published groups are visible through
 * NSS too when nsswitch.conf lists grouprole; a gid in our registry is ours,
 * not a foreign one.
 */
static int host_has_gid(struct gr_store *st, uint32_t gid)
{
	char name[256];
	int r;

	if (gid_known(st, gid))
		return 1;
	r = host_groups->by_gid(gid, name, sizeof(name));
	return r;
}

static bool reserved_gid(uint32_t gid)
{
	/*
	 * root and the system range, the "nobody" group of old and new (65534,
	 * and 65535, the 16-bit (gid_t)-1), and (gid_t)-1 and (gid_t)-2, which
	 * setgroups/chown and NFS treat as "no change" and "nobody".
	 */
	return gid < 1000 || gid == 65534 || gid == 65535 || gid >= 0xfffffffeu;
}

static int allocate_gid(struct gr_store *st, uint32_t *out, struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(st);
	json_t *meta = NULL;
	uint64_t next;
	int r;

	r = gr_store_get_json(st, "meta", &meta, err);
	if (r == -GR_E_NOTFOUND) {
		meta = json_object();
		r = meta ? 0 : gr_err_set(err, -ENOMEM, "out of memory");
	}
	if (r < 0)
		return r;
	next = (uint64_t)json_integer_value(json_object_get(meta, "next_gid"));
	if (next < cfg->gid_min)
		next = cfg->gid_min;
	for (; next <= cfg->gid_max; next++) {
		r = host_has_gid(st, (uint32_t)next);
		if (r < 0) {
			json_decref(meta);
			return gr_err_set(err, r, "cannot look up gid %llu",
					  (unsigned long long)next);
		}
		if (r == 0 && !reserved_gid((uint32_t)next))
			break;
	}
	if (next > cfg->gid_max) {
		json_decref(meta);
		return gr_err_set(err, -GR_E_EXHAUSTED,
				  "no free gid left in %u-%u (gids are never reused); raise gid_max",
				  cfg->gid_min, cfg->gid_max);
	}
	*out = (uint32_t)next;
	r = json_object_set_new(meta, "next_gid", json_integer((json_int_t)next + 1));
	if (r == 0)
		r = gr_store_put_json(st, "meta", meta, err);
	else
		r = gr_err_set(err, -ENOMEM, "out of memory");
	json_decref(meta);
	return r;
}

/*
 * Names and descriptions are shown in terminals and logs: no control
 * characters, no invalid UTF-8, no bidi overrides (escaped on output too).
 * The field sizes bound the length: callers refuse longer values before
 * copying them in, rather than cut them.
 */
static int check_text(const struct gr_role *role, struct gr_err *err)
{
	if (!gr_valid_text(role->name, sizeof(role->name) - 1))
		return gr_err_set(err, -GR_E_INVALID,
				  "role name must be UTF-8 text without control characters");
	if (!gr_valid_text(role->description, sizeof(role->description) - 1))
		return gr_err_set(err, -GR_E_INVALID,
				  "role description must be UTF-8 text without control characters");
	return 0;
}

int gr_role_create(struct gr_store *st, struct gr_role *role, unsigned flags,
		   struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(st);
	char key[GR_KEY_MAX], owner[GR_KEY_MAX];
	json_t *v;
	uint32_t hostgid = 0;
	int r;

	if (!gr_valid_slug(role->slug))
		return gr_err_set(err, -GR_E_INVALID,
				  "invalid role slug '%s' (1-64 of a-z, 0-9, '-', '_')", role->slug);
	if ((r = check_text(role, err)) < 0)
		return r;
	if (role->priority < GR_PRIORITY_MIN || role->priority > GR_PRIORITY_MAX)
		return gr_err_set(err, -GR_E_INVALID, "priority must be between %d and %d",
				  GR_PRIORITY_MIN, GR_PRIORITY_MAX);
	if (gr_key(key, sizeof(key), "role/%s", role->slug) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "slug too long");
	if (gr_store_exists(st, key))
		return gr_err_set(err, -GR_E_CONFLICT, "role '%s' already exists", role->slug);
	if ((r = gr_limit_roles(st, err)) < 0)
		return r;
	if (!role->name[0])
		snprintf(role->name, sizeof(role->name), "%s", role->slug);
	if (!role->unix_group[0]) {
		if (flags & GR_ROLE_BIND)
			return gr_err_set(err, -GR_E_INVALID,
					  "binding to a host group needs --unix-group NAME");
		if (strlen(cfg->group_prefix) + strlen(role->slug) > GR_UNIX_NAME_MAX)
			return gr_err_set(err, -GR_E_INVALID,
					  "group name '%s%s' is longer than %d characters; use --unix-group",
					  cfg->group_prefix, role->slug, GR_UNIX_NAME_MAX);
		strcpy(role->unix_group, cfg->group_prefix);
		strcat(role->unix_group, role->slug);
	}
	if (!gr_valid_unix_name(role->unix_group, false))
		return gr_err_set(err, -GR_E_INVALID, "'%s' is not a valid Unix group name",
				  role->unix_group);
	if (gr_key(key, sizeof(key), "rgroup/%s", role->unix_group) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "group name too long");
	if (gr_store_get_str(st, key, owner, sizeof(owner), NULL) == 0)
		return gr_err_set(err, -GR_E_CONFLICT, "Unix group '%s' already belongs to role '%s'",
				  role->unix_group, owner);

	r = host_groups->by_name(role->unix_group, &hostgid);
	if (r < 0)
		return gr_err_set(err, r, "cannot look up group '%s'", role->unix_group);
	if (flags & GR_ROLE_BIND) {
		if (r == 0)
			return gr_err_set(err, -GR_E_NOTFOUND,
					  "cannot bind: the host has no group '%s'", role->unix_group);
		if (gid_known(st, hostgid))
			return gr_err_set(err, -GR_E_CONFLICT,
					  "cannot bind: '%s' is a grouprole group, not a host group",
					  role->unix_group);
		if ((flags & GR_ROLE_GID_SET) && role->gid != hostgid)
			return gr_err_set(err, -GR_E_CONFLICT,
					  "host group '%s' has gid %u, not %u", role->unix_group,
					  hostgid, role->gid);
		role->gid = hostgid;
		role->bound = true;
	} else {
		if (gr_reserved_group_name(role->unix_group))
			return gr_err_set(err, -GR_E_RESERVED,
					  "'%s' is a reserved system group; bind to it explicitly with --bind",
					  role->unix_group);
		if (r == 1 && !gid_known(st, hostgid))
			return gr_err_set(err, -GR_E_CONFLICT,
					  "the host already has a group '%s' (gid %u); bind to it with --bind or choose another name",
					  role->unix_group, hostgid);
		role->bound = false;
		if (flags & GR_ROLE_GID_SET) {
			if (reserved_gid(role->gid))
				return gr_err_set(err, -GR_E_RESERVED, "gid %u is reserved",
						  role->gid);
			if (gid_known(st, role->gid))
				return gr_err_set(err, -GR_E_CONFLICT,
						  "gid %u was already allocated (gids are never reused)",
						  role->gid);
			r = host_groups->by_gid(role->gid, owner, sizeof(owner));
			if (r < 0)
				return gr_err_set(err, r, "cannot look up gid %u", role->gid);
			if (r == 1)
				return gr_err_set(err, -GR_E_CONFLICT,
						  "gid %u is already used by host group '%s'",
						  role->gid, owner);
			/*
			 * An explicit gid stays inside the configured range, so
			 * the range is the whole truth about what grouprole
			 * owns; a host group outside it is bound, not taken.
			 */
			if (role->gid < cfg->gid_min || role->gid > cfg->gid_max)
				return gr_err_set(err, -GR_E_INVALID,
						  "gid %u is outside gid_min..gid_max (%u-%u)",
						  role->gid, cfg->gid_min, cfg->gid_max);
		} else {
			r = allocate_gid(st, &role->gid, err);
			if (r < 0)
				return r;
		}
		/* Record the gid for good: deleting the role only retires it. */
		if (gr_key(key, sizeof(key), "gid/%u", role->gid) < 0)
			return gr_err_set(err, -ENAMETOOLONG, "key too long");
		v = json_pack("{s:s,s:b}", "slug", role->slug, "retired", 0);
		if (!v)
			return gr_err_set(err, -ENOMEM, "out of memory");
		r = gr_store_put_json(st, key, v, err);
		json_decref(v);
		if (r < 0)
			return r;
	}

	if (gr_key(key, sizeof(key), "rgroup/%s", role->unix_group) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	if ((r = gr_store_put_str(st, key, role->slug, err)) < 0)
		return r;
	if ((r = index_change(st, role->slug, true, err)) < 0)
		return r;
	v = role_to_json(role);
	if (!v)
		return gr_err_set(err, -ENOMEM, "out of memory");
	if (gr_key(key, sizeof(key), "role/%s", role->slug) < 0)
		r = gr_err_set(err, -ENAMETOOLONG, "key too long");
	else
		r = gr_store_put_json(st, key, v, err);
	json_decref(v);
	return r;
}

int gr_role_update(struct gr_store *st, const struct gr_role *role, struct gr_err *err)
{
	struct gr_role cur;
	char key[GR_KEY_MAX];
	json_t *v;
	int r;

	r = gr_role_get(st, role->slug, &cur, err);
	if (r < 0)
		return r;
	if ((r = check_text(role, err)) < 0)
		return r;
	if (role->priority < GR_PRIORITY_MIN || role->priority > GR_PRIORITY_MAX)
		return gr_err_set(err, -GR_E_INVALID, "priority must be between %d and %d",
				  GR_PRIORITY_MIN, GR_PRIORITY_MAX);
	snprintf(cur.name, sizeof(cur.name), "%s", role->name[0] ? role->name : cur.slug);
	snprintf(cur.description, sizeof(cur.description), "%s", role->description);
	cur.priority = role->priority;
	v = role_to_json(&cur);
	if (!v)
		return gr_err_set(err, -ENOMEM, "out of memory");
	if (gr_key(key, sizeof(key), "role/%s", cur.slug) < 0)
		r = gr_err_set(err, -ENAMETOOLONG, "key too long");
	else
		r = gr_store_put_json(st, key, v, err);
	json_decref(v);
	return r;
}

/* Remove SLUG from every array record under PREFIX (troles/, oroles/). */
struct strip_ctx {
	const char *slug;
	char **keys;
	size_t n, cap;
};

static int strip_collect(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	struct strip_ctx *s = ctx;
	size_t slen = strlen(s->slug);
	char **nk;

	/* Cheap pre-filter: the quoted slug must occur in the JSON text. */
	if (len < slen + 2 || !memmem(val, len, s->slug, slen))
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		nk = realloc(s->keys, s->cap * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		s->keys = nk;
	}
	s->keys[s->n] = strdup(key);
	return s->keys[s->n++] ? 0 : -ENOMEM;
}

static int strip_role(struct gr_store *st, const char *prefix, const char *slug, bool assign,
		      struct gr_err *err)
{
	struct strip_ctx s = { slug, NULL, 0, 0 };
	size_t i, j;
	int r;

	r = gr_store_walk(st, prefix, strip_collect, &s, err);
	if (r == -ENOMEM)
		gr_err_set(err, r, "out of memory");
	for (i = 0; r == 0 && i < s.n; i++) {
		json_t *arr = NULL;

		r = gr_store_get_json(st, s.keys[i], &arr, err);
		if (r < 0)
			break;
		if (assign) {
			for (j = 0; j < json_array_size(arr);) {
				const char *role = json_string_value(
					json_object_get(json_array_get(arr, j), "role"));

				if (role && !strcmp(role, slug))
					json_array_remove(arr, j);
				else
					j++;
			}
		} else {
			gr_json_array_remove(arr, slug);
		}
		if (json_array_size(arr) == 0)
			r = gr_store_del(st, s.keys[i], err);
		else
			r = gr_store_put_json(st, s.keys[i], arr, err);
		json_decref(arr);
	}
	for (i = 0; i < s.n; i++)
		free(s.keys[i]);
	free(s.keys);
	return r;
}

int gr_role_delete(struct gr_store *st, const char *slug, struct gr_err *err)
{
	struct gr_policy pol;
	struct gr_role role;
	char key[GR_KEY_MAX];
	json_t *v;
	int r;

	r = gr_role_get(st, slug, &role, err);
	if (r < 0)
		return r;
	r = gr_policy_get(st, &pol, err);
	if (r < 0)
		return r;
	if (!strcmp(pol.default_role, slug))
		return gr_err_set(err, -GR_E_REFUSED,
				  "role '%s' is the default role; change 'policy set default-role' first",
				  slug);
	if ((r = strip_role(st, "troles/", slug, false, err)) < 0 ||
	    (r = strip_role(st, "oroles/", slug, false, err)) < 0 ||
	    (r = strip_role(st, "assign/", slug, true, err)) < 0)
		return r;
	if (!role.bound) {
		if (gr_key(key, sizeof(key), "gid/%u", role.gid) < 0)
			return gr_err_set(err, -ENAMETOOLONG, "key too long");
		v = json_pack("{s:s,s:b}", "slug", slug, "retired", 1);
		if (!v)
			return gr_err_set(err, -ENOMEM, "out of memory");
		r = gr_store_put_json(st, key, v, err);
		json_decref(v);
		if (r < 0)
			return r;
	}
	if (gr_key(key, sizeof(key), "rgroup/%s", role.unix_group) < 0 ||
	    (r = gr_store_del(st, key, err)) < 0)
		return r;
	if ((r = index_change(st, slug, false, err)) < 0)
		return r;
	if (gr_key(key, sizeof(key), "role/%s", slug) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	return gr_store_del(st, key, err);
}

static int role_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gr_role *)a)->slug, ((const struct gr_role *)b)->slug);
}

/*
 * "roleindex" lists every slug, so readers can get the catalog with fetches
 * alone: a read-only handle (the PAM module) may not walk the database.
 */
static int index_change(struct gr_store *st, const char *slug, bool add, struct gr_err *err)
{
	json_t *idx = NULL;
	int r = gr_store_get_json(st, "roleindex", &idx, err);

	if (r == -GR_E_NOTFOUND) {
		idx = json_array();
		r = idx ? 0 : gr_err_set(err, -ENOMEM, "out of memory");
	}
	if (r < 0)
		return r;
	if (!json_is_array(idx)) {
		json_decref(idx);
		return gr_err_set(err, -GR_E_CORRUPT, "role index is not an array");
	}
	if (add)
		r = gr_json_array_add(idx, slug) < 0 ? gr_err_set(err, -ENOMEM, "out of memory") : 0;
	else
		gr_json_array_remove(idx, slug);
	if (r == 0)
		r = gr_store_put_json(st, "roleindex", idx, err);
	json_decref(idx);
	return r;
}

int gr_role_list(struct gr_store *st, struct gr_role **out, size_t *n, struct gr_err *err)
{
	struct gr_role *roles = NULL;
	json_t *idx = NULL, *v;
	size_t i, count = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = gr_store_get_json(st, "roleindex", &idx, err);
	if (r == -GR_E_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	if (!json_is_array(idx)) {
		json_decref(idx);
		return gr_err_set(err, -GR_E_CORRUPT, "role index is not an array");
	}
	roles = calloc(json_array_size(idx) + 1, sizeof(*roles));
	if (!roles) {
		json_decref(idx);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	json_array_foreach(idx, i, v) {
		r = json_is_string(v) ? gr_role_get(st, json_string_value(v), &roles[count], err)
				      : -GR_E_CORRUPT;
		if (r < 0) {
			free(roles);
			json_decref(idx);
			return r == -GR_E_CORRUPT ? gr_err_set(err, r, "role index is corrupt") : r;
		}
		count++;
	}
	json_decref(idx);
	if (count > 1)
		qsort(roles, count, sizeof(*roles), role_cmp);
	*out = roles;
	*n = count;
	return 0;
}

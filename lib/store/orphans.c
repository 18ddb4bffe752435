/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "store/orphans.h"

const char *gr_orphan_kind_name(enum gr_orphan_kind kind)
{
	switch (kind) {
	case GR_ORPHAN_ASSIGNMENT: return "assignment";
	case GR_ORPHAN_ORG_MEMBER: return "organization_member";
	case GR_ORPHAN_GROUP_ROLES: return "group_roles";
	case GR_ORPHAN_ORG_GROUP_ROLES: return "organization_group_roles";
	}
	return "unknown";
}

static bool record_exists(struct gr_store *st, const char *kind, const char *dir,
			  const char *id)
{
	char key[GR_KEY_MAX];

	return gr_key(key, sizeof(key), "%s/%s/%s", kind, dir, id) == 0 && gr_store_exists(st, key);
}

bool gr_user_exists(struct gr_store *st, const char *dir, const char *id)
{
	return record_exists(st, "user", dir, id);
}

bool gr_group_exists(struct gr_store *st, const char *dir, const char *id)
{
	return record_exists(st, "group", dir, id);
}

static bool is_user_kind(enum gr_orphan_kind kind)
{
	return kind == GR_ORPHAN_ASSIGNMENT || kind == GR_ORPHAN_ORG_MEMBER;
}

static bool is_org_kind(enum gr_orphan_kind kind)
{
	return kind == GR_ORPHAN_ORG_MEMBER || kind == GR_ORPHAN_ORG_GROUP_ROLES;
}

static const char *const prefixes[] = { "assign/", "orgmember/", "troles/", "oroles/" };

/* Records under a prefix as key -> value; values parsed unless bare strings. */
struct collect {
	json_t *obj;
	bool parse;
};

static int collect_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct collect *c = p;
	json_t *v = c->parse ? json_loadb((const char *)val, len, JSON_DECODE_ANY, NULL)
			     : json_stringn((const char *)val, len);

	if (!v)
		return -GR_E_CORRUPT;
	return json_object_set_new(c->obj, key, v) < 0 ? -ENOMEM : 0;
}

/*
 * Split "PREFIX[ORG/]DIR/ID" into its parts (in BUF).  Returns false for a
 * key of another shape.
 */
static bool split_key(const char *key, enum gr_orphan_kind kind, char *buf, size_t len,
		      const char **org, const char **dir, const char **id)
{
	char *p, *slash;

	if (strlen(key) >= len)
		return false;
	strcpy(buf, key + strlen(prefixes[kind]));
	p = buf;
	*org = NULL;
	if (is_org_kind(kind)) {
		if (!(slash = strchr(p, '/')))
			return false;
		*slash = '\0';
		*org = p;
		p = slash + 1;
	}
	if (!(slash = strchr(p, '/')))
		return false;
	*slash = '\0';
	*dir = p;
	*id = slash + 1;
	return **dir && **id && !strchr(*id, '/');
}

static int add_orphans(struct gr_store *st, enum gr_orphan_kind kind, const char *key,
		       const json_t *val, json_t *out)
{
	char buf[GR_KEY_MAX];
	const char *org, *dir, *id;
	json_t *base, *a;
	size_t i;
	int r = 0;

	if (!split_key(key, kind, buf, sizeof(buf), &org, &dir, &id))
		return 0;
	if (is_user_kind(kind) ? gr_user_exists(st, dir, id) : gr_group_exists(st, dir, id))
		return 0;
	base = json_pack("{s:s,s:s,s:s}", "kind", gr_orphan_kind_name(kind), "directory", dir,
			 "id", id);
	if (!base || (org && json_object_set_new(base, "organization", json_string(org)) < 0)) {
		json_decref(base);
		return -ENOMEM;
	}
	if (kind == GR_ORPHAN_ASSIGNMENT) {
		/* One entry per assignment: each is removed on its own. */
		json_array_foreach(val, i, a) {
			json_t *e = json_deep_copy(base);

			if (!e || json_object_update(e, a) < 0 || json_array_append_new(out, e) < 0) {
				json_decref(e);
				r = -ENOMEM;
				break;
			}
		}
		json_decref(base);
		return r;
	}
	if (kind != GR_ORPHAN_ORG_MEMBER && json_object_set(base, "roles", (json_t *)val) < 0) {
		json_decref(base);
		return -ENOMEM;
	}
	return json_array_append_new(out, base) < 0 ? -ENOMEM : 0;
}

int gr_orphans_list(struct gr_store *st, json_t **out, struct gr_err *err)
{
	json_t *res = json_array();
	size_t k;
	int r = 0;

	*out = NULL;
	if (!res)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]) && r == 0; k++) {
		struct collect c = { json_object(), k != GR_ORPHAN_ORG_MEMBER };
		const char **keys = NULL;
		size_t n = 0, i;

		if (!c.obj) {
			r = -ENOMEM;
			break;
		}
		/* Collect first: existence checks are fetches, made after the walk. */
		r = gr_store_walk(st, prefixes[k], collect_cb, &c, err);
		if (r == 0 && !(keys = gr_json_sorted_keys(c.obj, &n)))
			r = -ENOMEM;
		for (i = 0; r == 0 && i < n; i++)
			r = add_orphans(st, (enum gr_orphan_kind)k, keys[i],
					json_object_get(c.obj, keys[i]), res);
		free(keys);
		json_decref(c.obj);
	}
	if (r < 0) {
		json_decref(res);
		if (r == -ENOMEM || r == -GR_E_CORRUPT)
			return gr_err_set(err, r, "cannot list orphaned records: %s", gr_strerror(r));
		return r;
	}
	*out = res;
	return 0;
}

/* The key of KIND's record for (ORG, DIR, ID). */
static int orphan_key(char *key, size_t len, enum gr_orphan_kind kind, const char *org,
		      const char *dir, const char *id)
{
	if (is_org_kind(kind))
		return gr_key(key, len, "%s%s/%s/%s", prefixes[kind], org, dir, id);
	return gr_key(key, len, "%s%s/%s", prefixes[kind], dir, id);
}

static bool is_orphan(struct gr_store *st, enum gr_orphan_kind kind, const char *org,
		      const char *dir, const char *id)
{
	char key[GR_KEY_MAX];

	if (orphan_key(key, sizeof(key), kind, org, dir, id) < 0 || !gr_store_exists(st, key))
		return false;
	return is_user_kind(kind) ? !gr_user_exists(st, dir, id) : !gr_group_exists(st, dir, id);
}

static int dirs_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	(void)val;
	(void)len;
	return json_array_append_new(p, json_string(key + strlen("dir/"))) < 0 ? -ENOMEM : 0;
}

int gr_orphan_find(struct gr_store *st, enum gr_orphan_kind kind, const char *org,
		   const char *dir, const char *id, struct gr_ref *out, struct gr_err *err)
{
	const char *noun = is_user_kind(kind) ? "user" : "group";
	json_t *dirs = NULL, *d;
	const char *found = NULL;
	size_t i, n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (!id || !gr_valid_id(id) || (is_org_kind(kind) && !org))
		return gr_err_set(err, -GR_E_NOTFOUND, "no %s '%s'", noun, id ? id : "");
	if (dir) {
		dirs = json_pack("[s]", dir);
		r = dirs ? 0 : -ENOMEM;
	} else {
		dirs = json_array();
		r = dirs ? gr_store_walk(st, "dir/", dirs_cb, dirs, err) : -ENOMEM;
	}
	if (r == -ENOMEM)
		gr_err_set(err, r, "out of memory");
	json_array_foreach(dirs, i, d) {
		if (r < 0)
			break;
		if (is_orphan(st, kind, org, json_string_value(d), id)) {
			found = json_string_value(d);
			n++;
		}
	}
	if (r == 0 && n == 0)
		r = gr_err_set(err, -GR_E_NOTFOUND, "no %s '%s'", noun, id);
	else if (r == 0 && n > 1)
		r = gr_err_set(err, -GR_E_CONFLICT,
			       "orphaned records for %s '%s' exist in several directories; name one with --directory",
			       noun, id);
	else if (r == 0 && (strlen(found) >= sizeof(out->dir) || strlen(id) >= sizeof(out->id)))
		r = gr_err_set(err, -ENAMETOOLONG, "record key too long");
	if (r == 0) {
		strcpy(out->dir, found);
		strcpy(out->id, id);
	}
	json_decref(dirs);
	return r;
}

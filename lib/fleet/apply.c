/* SPDX-License-Identifier: MIT */
/* Applying a batch of the fleet's LDAP entries to directory.tdb (apply.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "fleet/apply.h"
#include "store/orgs.h"
#include "store/roles.h"

struct change {
	char uuid[64];
	enum gr_fleet_kind kind;
	bool deleted;
	char dir[GR_NAME_MAX + 1];
	char id[256];
	json_t *json, *values;
};

struct gr_fleet_batch {
	struct change *v;
	size_t n, cap;
	json_t *by_uuid; /* uuid -> index into v */
	json_t *present; /* uuids reported present */
	/*
	 * The host's system accounts, listed again only when /etc/passwd
	 * changes: listing them (login.defs, a getpwent walk through every
	 * NSS source) on each persist commit was most of the time a
	 * one-entry commit took before its publish.
	 */
	struct gr_login_rules_cache rules;
};

static const char *const kind_names[] = { "",	   "directory",	   "role",	  "user", "group",
					   "mapping", "organization", "assignments", "policy" };

static int oom(struct gr_err *err)
{
	return gr_err_set(err, -ENOMEM, "out of memory");
}

int gr_fleet_batch_new(struct gr_fleet_batch **out)
{
	struct gr_fleet_batch *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b || !(b->by_uuid = json_object()) || !(b->present = json_object())) {
		gr_fleet_batch_free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

static void batch_clear(struct gr_fleet_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		json_decref(b->v[i].json);
		json_decref(b->v[i].values);
	}
	b->n = 0;
	json_object_clear(b->by_uuid);
	json_object_clear(b->present);
}

void gr_fleet_batch_free(struct gr_fleet_batch *b)
{
	if (!b)
		return;
	if (b->by_uuid && b->present)
		batch_clear(b);
	free(b->v);
	json_decref(b->by_uuid);
	json_decref(b->present);
	gr_login_rules_cache_free(&b->rules);
	free(b);
}

size_t gr_fleet_batch_size(const struct gr_fleet_batch *b)
{
	return b->n;
}

/* The change for UUID: the existing one (a later state replaces it) or a new one. */
static struct change *slot(struct gr_fleet_batch *b, const char *uuid, struct gr_err *err)
{
	json_t *idx = json_object_get(b->by_uuid, uuid);
	struct change *c;

	if (strlen(uuid) >= sizeof(c->uuid)) {
		gr_err_set(err, -GR_E_INVALID, "entryUUID '%s' is too long", uuid);
		return NULL;
	}
	if (idx) {
		c = &b->v[json_integer_value(idx)];
		json_decref(c->json);
		json_decref(c->values);
	} else {
		if (b->n == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 64;
			struct change *v = realloc(b->v, cap * sizeof(*v));

			if (!v) {
				oom(err);
				return NULL;
			}
			b->v = v;
			b->cap = cap;
		}
		if (json_object_set_new(b->by_uuid, uuid, json_integer((json_int_t)b->n)) < 0) {
			oom(err);
			return NULL;
		}
		c = &b->v[b->n++];
	}
	memset(c, 0, sizeof(*c));
	strcpy(c->uuid, uuid);
	return c;
}

int gr_fleet_batch_put(struct gr_fleet_batch *b, const char *uuid, enum gr_fleet_kind kind,
		       const char *dir, const char *id, const json_t *json, const json_t *values,
		       struct gr_err *err)
{
	struct change *c;

	if ((dir && strlen(dir) > GR_NAME_MAX) || !id || strlen(id) >= sizeof(c->id))
		return gr_err_set(err, -GR_E_INVALID, "entry %s: directory or id too long", uuid);
	if (!(c = slot(b, uuid, err)))
		return err->code;
	c->kind = kind;
	snprintf(c->dir, sizeof(c->dir), "%s", dir ? dir : "");
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->json = json ? json_deep_copy(json) : NULL;
	c->values = values ? json_deep_copy(values) : json_array();
	if ((json && !c->json) || !c->values)
		return oom(err);
	return 0;
}

int gr_fleet_batch_delete(struct gr_fleet_batch *b, const char *uuid, struct gr_err *err)
{
	struct change *c = slot(b, uuid, err);

	if (!c)
		return err->code;
	c->deleted = true;
	return 0;
}

int gr_fleet_batch_present(struct gr_fleet_batch *b, const char *uuid, struct gr_err *err)
{
	return json_object_set_new(b->present, uuid, json_true()) < 0 ? oom(err) : 0;
}

/* ---- the local side ---- */

static int map_key(char *key, size_t len, const char *uuid)
{
	return gr_key(key, len, "fleet/uuid/%s", uuid);
}

/* What UUID made here: KIND, DIR, ID; -GR_E_NOTFOUND when nothing. */
static int map_get(struct gr_store *st, const char *uuid, enum gr_fleet_kind *kind, char *dir,
		   char *id, struct gr_err *err)
{
	char key[GR_KEY_MAX], val[GR_NAME_MAX + 300], *sp1, *sp2;
	unsigned k;
	int r;

	if (map_key(key, sizeof(key), uuid) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	r = gr_store_get_str(st, key, val, sizeof(val), err);
	if (r < 0)
		return r;
	sp1 = strchr(val, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2 || sscanf(val, "%u", &k) != 1 || k == GR_FLEET_NONE || k > GR_FLEET_KIND_LAST ||
	    (size_t)(sp2 - sp1 - 1) > GR_NAME_MAX || strlen(sp2 + 1) >= 256)
		return gr_err_set(err, -GR_E_CORRUPT, "record '%s' is malformed", key);
	*kind = (enum gr_fleet_kind)k;
	memcpy(dir, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	dir[sp2 - sp1 - 1] = '\0';
	strcpy(id, sp2 + 1);
	return 0;
}

static int map_put(struct gr_store *st, const struct change *c, struct gr_err *err)
{
	char key[GR_KEY_MAX], val[GR_NAME_MAX + 300];

	if (map_key(key, sizeof(key), c->uuid) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	snprintf(val, sizeof(val), "%u %s %s", (unsigned)c->kind, c->dir, c->id);
	return gr_store_put_str(st, key, val, err);
}

static int set_mapping(struct gr_store *st, const char *dir, const char *gid,
		       const json_t *tenant, const json_t *org_roles, struct gr_err *err);
static int set_assignments(struct gr_store *st, const char *dir, const char *uid,
			   const json_t *values, struct gr_err *err);
static int put_policy(struct gr_store *st, const json_t *j, struct gr_err *err);

/* Remove what KIND DIR ID made here (already gone: fine). */
static int remove_local(struct gr_store *st, enum gr_fleet_kind kind, const char *dir,
			const char *id, struct gr_err *err)
{
	int r;

	switch (kind) {
	case GR_FLEET_USER:
		r = gr_user_delete(st, dir, id, err);
		break;
	case GR_FLEET_GROUP:
		r = gr_group_delete(st, dir, id, err);
		break;
	case GR_FLEET_ROLE:
		r = gr_role_delete(st, id, err);
		break;
	case GR_FLEET_DIRECTORY:
		r = gr_dir_delete(st, id, err);
		break;
	case GR_FLEET_MAPPING:
		r = set_mapping(st, dir, id, NULL, NULL, err);
		break;
	case GR_FLEET_ORG:
		r = gr_org_delete(st, id, err);
		break;
	case GR_FLEET_ASSIGN:
		r = set_assignments(st, dir, id, NULL, err);
		break;
	case GR_FLEET_POLICY:
		r = put_policy(st, NULL, err); /* the default policy */
		break;
	default:
		r = 0;
	}
	return r == -GR_E_NOTFOUND ? 0 : r;
}

static int ensure_dir(struct gr_store *st, const char *dir, struct gr_err *err)
{
	int r = gr_dir_check(st, dir, err);

	return r == -GR_E_NOTFOUND ? gr_dir_create(st, dir, err) : r;
}

static int put_role(struct gr_store *st, const char *slug, const json_t *j, struct gr_err *err)
{
	struct gr_role want = { 0 }, have;
	json_int_t gid = json_integer_value(json_object_get(j, "gid"));
	const char *s;
	int r;

	if (gid <= 0 || gid > 0xfffffffdLL || snprintf(want.slug, sizeof(want.slug), "%s", slug) >=
						     (int)sizeof(want.slug))
		return gr_err_set(err, -GR_E_INVALID, "role '%s': no valid gid in its entry", slug);
	want.gid = (uint32_t)gid;
	want.priority = (int)json_integer_value(json_object_get(j, "priority"));
	if ((s = json_string_value(json_object_get(j, "name"))))
		snprintf(want.name, sizeof(want.name), "%s", s);
	if ((s = json_string_value(json_object_get(j, "description"))))
		snprintf(want.description, sizeof(want.description), "%s", s);
	if ((s = json_string_value(json_object_get(j, "unix_group"))))
		snprintf(want.unix_group, sizeof(want.unix_group), "%s", s);
	r = gr_role_get(st, slug, &have, err);
	if (r == -GR_E_NOTFOUND)
		return gr_role_create(st, &want,
				      GR_ROLE_GID_SET |
					      (json_is_true(json_object_get(j, "bound")) ? GR_ROLE_BIND : 0),
				      err);
	if (r < 0)
		return r;
	if (have.gid != want.gid)
		return gr_err_set(err, -GR_E_CONFLICT,
				  "role '%s' has gid %u here and %u in the fleet; a gid never changes",
				  slug, have.gid, want.gid);
	return gr_role_update(st, &want, err);
}

/* 0, or 1 when members were left out because this host does not know them yet. */
static int put_group(struct gr_store *st, const struct change *c, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	bool missing = false;
	json_t *res = json_is_object(c->json) ? json_deep_copy(c->json) : json_object(), *m, *v;
	size_t i;
	int r;

	m = json_array();
	if (!res || !m || json_object_set_new(res, "id", json_string(c->id)) < 0) {
		json_decref(res);
		json_decref(m);
		return oom(err);
	}
	/* Members the host does not know yet are left out, and the group deferred. */
	json_array_foreach(c->values, i, v) {
		if (gr_key(key, sizeof(key), "user/%s/%s", c->dir, json_string_value(v)) == 0 &&
		    gr_store_exists(st, key))
			json_array_append_new(m, json_pack("{s:O}", "value", v));
		else
			missing = true;
	}
	r = json_object_set_new(res, "members", m) < 0 ? oom(err)
						     : gr_group_put(st, c->dir, res, 0, err);
	json_decref(res);
	return r == 0 && missing ? 1 : r;
}

/* Bring group (DIR, GID)'s roles at one scope (ORG, or tenant-wide: NULL) to WANT (NULL: none). */
static int set_roles(struct gr_store *st, const char *org, const char *dir, const char *gid,
		     const json_t *want, struct gr_err *err)
{
	json_t *have = NULL, *v;
	const char *slug;
	size_t i;
	int r = gr_group_roles_get(st, org, dir, gid, &have, err);

	json_array_foreach(have, i, v) {
		slug = json_string_value(v);
		if (r == 0 && !gr_json_array_has(want, slug))
			r = gr_group_roles_change(st, org, dir, gid, &slug, 1, false, err);
	}
	json_array_foreach(want, i, v) {
		slug = json_string_value(v);
		if (r == 0 && slug && !gr_json_array_has(have, slug))
			r = gr_group_roles_change(st, org, dir, gid, &slug, 1, true, err);
	}
	json_decref(have);
	return r;
}

/*
 * A mapping entry's grOrgRole values ("ORG SLUG") as {ORG: [SLUG...]};
 * NULL when out of memory.  A value of another shape is left out.
 */
static json_t *org_roles_by_org(const json_t *values)
{
	json_t *by = json_object(), *v, *arr;
	const char *s, *sp;
	char org[GR_NAME_MAX + 1];
	size_t i;

	json_array_foreach(values, i, v) {
		if (!by || !(s = json_string_value(v)) || !(sp = strchr(s, ' ')) || sp == s ||
		    (size_t)(sp - s) > GR_NAME_MAX || !sp[1])
			continue;
		memcpy(org, s, (size_t)(sp - s));
		org[sp - s] = '\0';
		if (!(arr = json_object_get(by, org))) {
			arr = json_array();
			if (!arr || json_object_set_new(by, org, arr) < 0) {
				json_decref(by);
				return NULL;
			}
		}
		if (gr_json_array_add(arr, sp + 1) < 0) {
			json_decref(by);
			return NULL;
		}
	}
	return by;
}

/*
 * Bring group (DIR, GID)'s roles to its mapping entry: tenant roles TENANT,
 * organization roles ORG_ROLES ({ORG: [SLUG...]}) in every organization
 * (NULL, NULL: none anywhere).  An organization this host lacks yet is
 * -GR_E_NOTFOUND: the entry waits (deferred) until it comes.
 */
static int set_mapping(struct gr_store *st, const char *dir, const char *gid,
		       const json_t *tenant, const json_t *org_roles, struct gr_err *err)
{
	json_t *orgs = NULL, *o, *arr;
	const char *org;
	size_t i;
	int r = set_roles(st, NULL, dir, gid, tenant, err);

	/* Organizations here first: roles in one the entry no longer names go. */
	if (r == 0)
		r = gr_org_names(st, &orgs, err);
	json_array_foreach(orgs, i, o) {
		org = json_string_value(o);
		if (r == 0 && org && !json_object_get(org_roles, org))
			r = set_roles(st, org, dir, gid, NULL, err);
	}
	json_decref(orgs);
	json_object_foreach((json_t *)org_roles, org, arr) {
		if (r == 0)
			r = set_roles(st, org, dir, gid, arr, err);
	}
	return r;
}

static int put_mapping(struct gr_store *st, const struct change *c, struct gr_err *err)
{
	json_t *by = org_roles_by_org(json_object_get(c->json, "org_roles"));
	int r = by ? set_mapping(st, c->dir, c->id, c->values, by, err) : oom(err);

	json_decref(by);
	return r;
}

/*
 * The policy as its entry's grJson J says (NULL: the default one, as a
 * host without a policy record has), through gr_policy_put.  A default
 * role this host lacks yet is -GR_E_NOTFOUND: the entry waits.
 */
static int put_policy(struct gr_store *st, const json_t *j, struct gr_err *err)
{
	struct gr_policy p = { .multiple_roles = true };
	const char *s;

	if (j && !json_is_object(j))
		return gr_err_set(err, -GR_E_INVALID, "the policy's grJson is not an object");
	p.multiple_roles = !json_is_false(json_object_get(j, "multiple_roles"));
	if ((s = json_string_value(json_object_get(j, "default_role"))) &&
	    snprintf(p.default_role, sizeof(p.default_role), "%s", s) >= (int)sizeof(p.default_role))
		return gr_err_set(err, -GR_E_INVALID, "the policy's default role is too long");
	if ((s = json_string_value(json_object_get(j, "role_attribute"))) &&
	    snprintf(p.role_attribute, sizeof(p.role_attribute), "%s", s) >=
		    (int)sizeof(p.role_attribute))
		return gr_err_set(err, -GR_E_INVALID, "the policy's role attribute is too long");
	return gr_policy_put(st, &p, err);
}

/* The assignment of ARR ([{"role", "resource", "expires"}]) to ROLE on RESOURCE, or NULL. */
static const json_t *assignment_of(const json_t *arr, const char *role, const char *resource)
{
	const json_t *a;
	size_t i;

	json_array_foreach(arr, i, a) {
		const char *ar = json_string_value(json_object_get(a, "role")),
			   *res = json_string_value(json_object_get(a, "resource"));

		if (ar && res && !strcmp(ar, role) && !strcmp(res, resource))
			return a;
	}
	return NULL;
}

/*
 * Bring user (DIR, UID)'s resource assignments to VALUES, the entry's
 * grAssignment values (each {"role", "resource", "expires"} as JSON; NULL:
 * none), through gr_assign_remove and gr_assign_add (which replaces an
 * expiry).  A role this host lacks yet is -GR_E_NOTFOUND: the entry waits.
 */
static int set_assignments(struct gr_store *st, const char *dir, const char *uid,
			   const json_t *values, struct gr_err *err)
{
	json_t *want = json_array(), *have = NULL, *a, *v;
	const char *role, *res;
	struct gr_ref u;
	json_int_t exp;
	size_t i;
	int r = want ? 0 : oom(err);

	if (snprintf(u.dir, sizeof(u.dir), "%s", dir) >= (int)sizeof(u.dir) ||
	    snprintf(u.id, sizeof(u.id), "%s", uid) >= (int)sizeof(u.id))
		r = gr_err_set(err, -ENAMETOOLONG, "user '%s/%s': name too long", dir, uid);
	json_array_foreach(values, i, v) {
		if (r < 0)
			break;
		a = json_is_string(v) ? json_loads(json_string_value(v), 0, NULL) : NULL;
		if (!json_is_string(json_object_get(a, "role")) ||
		    !json_is_string(json_object_get(a, "resource")) ||
		    !json_is_integer(json_object_get(a, "expires")))
			r = gr_err_set(err, -GR_E_INVALID,
				       "assignments of '%s/%s': '%s' is not an assignment", dir, uid,
				       json_is_string(v) ? json_string_value(v) : "?");
		else if (json_array_append(want, a) < 0)
			r = oom(err);
		json_decref(a);
	}
	if (r == 0)
		r = gr_assign_get(st, dir, uid, &have, err);
	json_array_foreach(have, i, a) {
		role = json_string_value(json_object_get(a, "role"));
		res = json_string_value(json_object_get(a, "resource"));
		if (r == 0 && role && res && !assignment_of(want, role, res))
			r = gr_assign_remove(st, &u, role, res, err);
	}
	json_array_foreach(want, i, a) {
		role = json_string_value(json_object_get(a, "role"));
		res = json_string_value(json_object_get(a, "resource"));
		exp = json_integer_value(json_object_get(a, "expires"));
		if (r == 0 && !json_equal(assignment_of(have, role, res), a))
			r = gr_assign_add(st, &u, role, res, (int64_t)exp, err);
	}
	json_decref(have);
	json_decref(want);
	return r;
}

/*
 * Organization C->id as its entry says: created when new, its connections
 * (grJson "connections") and its explicit members (grMember "DIR/UID")
 * brought to the entry's.  A connection to a directory this host lacks yet
 * is -GR_E_NOTFOUND: the entry waits.
 */
static int put_org(struct gr_store *st, const struct change *c, struct gr_err *err)
{
	json_t *have = NULL, *want = json_object_get(c->json, "connections"), *hconns, *v,
	       *members = NULL, *held = json_object();
	const char *dir, *s, *slash;
	struct gr_ref u;
	char key[GR_KEY_MAX];
	size_t i;
	int r;

	if (!held)
		return oom(err);
	r = gr_org_get(st, c->id, &have, err);
	if (r == -GR_E_NOTFOUND && (r = gr_org_create(st, c->id, err)) == 0)
		r = gr_org_get(st, c->id, &have, err);
	hconns = json_object_get(have, "connections");
	json_object_foreach(hconns, dir, v) {
		if (r == 0 && !json_object_get(want, dir))
			r = gr_org_connection(st, c->id, dir, false, false, err);
	}
	json_object_foreach(want, dir, v) {
		if (r == 0 && !json_equal(json_object_get(hconns, dir), v))
			r = gr_org_connection(st, c->id, dir, true,
					      json_is_true(json_object_get(v, "auto_membership")),
					      err);
	}
	/* Explicit members: "DIR/UID" values against orgmember/ORG/DIR/UID. */
	if (r == 0)
		r = gr_org_members(st, c->id, &members, err);
	json_array_foreach(members, i, v) {
		if (r < 0)
			break;
		snprintf(u.dir, sizeof(u.dir), "%s",
			 json_string_value(json_object_get(v, "directory")) ?: "");
		snprintf(u.id, sizeof(u.id), "%s", json_string_value(json_object_get(v, "id")) ?: "");
		if (gr_key(key, sizeof(key), "%s/%s", u.dir, u.id) < 0)
			continue;
		if (json_object_set_new(held, key, json_true()) < 0)
			r = oom(err);
		else if (!gr_json_array_has(c->values, key))
			r = gr_org_member(st, c->id, &u, false, err);
	}
	json_array_foreach(c->values, i, v) {
		if (r < 0 || !(s = json_string_value(v)) || json_object_get(held, s))
			continue;
		slash = strchr(s, '/');
		if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/') ||
		    (size_t)(slash - s) > GR_NAME_MAX || strlen(slash + 1) >= sizeof(u.id)) {
			r = gr_err_set(err, -GR_E_INVALID, "organization '%s': member '%s' is not DIR/ID",
				       c->id, s);
			break;
		}
		memcpy(u.dir, s, (size_t)(slash - s));
		u.dir[slash - s] = '\0';
		strcpy(u.id, slash + 1);
		r = gr_org_member(st, c->id, &u, true, err);
	}
	json_decref(members);
	json_decref(held);
	json_decref(have);
	return r;
}

static int put_local(struct gr_store *st, const struct change *c,
		     const struct gr_login_rules *rules, struct gr_err *err)
{
	json_t *res;
	int r;

	switch (c->kind) {
	case GR_FLEET_DIRECTORY:
		return ensure_dir(st, c->id, err);
	case GR_FLEET_ROLE:
		return put_role(st, c->id, c->json, err);
	case GR_FLEET_USER:
		if ((r = ensure_dir(st, c->dir, err)) < 0)
			return r;
		res = json_is_object(c->json) ? json_deep_copy(c->json) : NULL;
		if (!res || json_object_set_new(res, "id", json_string(c->id)) < 0)
			r = res ? oom(err) : gr_err_set(err, -GR_E_INVALID, "user without grJson");
		else
			r = gr_user_put_rules(st, c->dir, res, NULL, rules, err);
		json_decref(res);
		return r;
	case GR_FLEET_GROUP:
		if ((r = ensure_dir(st, c->dir, err)) < 0)
			return r;
		return put_group(st, c, err);
	case GR_FLEET_MAPPING:
		return put_mapping(st, c, err);
	case GR_FLEET_ORG:
		return put_org(st, c, err);
	case GR_FLEET_ASSIGN:
		return set_assignments(st, c->dir, c->id, c->values, err);
	case GR_FLEET_POLICY:
		return put_policy(st, c->json, err);
	default:
		return gr_err_set(err, -GR_E_INVALID, "entry of a kind this host does not apply");
	}
}

/*
 * Deferred entries: one that names what this host does not have yet (a
 * mapping of a group not yet here, a group with members not yet here) is
 * kept as "fleet/deferred/UUID" and tried again after every batch, until it
 * applies whole or the server deletes it.
 */
static int deferred_key(char *key, size_t len, const char *uuid)
{
	return gr_key(key, len, "fleet/deferred/%s", uuid);
}

/*
 * How many entries wait, kept beside them ("fleet/ndeferred") and changed
 * in the same unit as they are, so that a batch finds out there is nothing
 * to retry without walking the whole store: that walk is a traversal of
 * every record of directory.tdb, which on each persist commit of a large
 * directory would cost more than the change and make the whole file
 * resident.  -1: unknown (a store from before the count); the next retry
 * walks and counts.
 */
#define NDEFERRED_KEY "fleet/ndeferred"

static long ndeferred(struct gr_store *st)
{
	char buf[32], *end;
	long n;

	if (gr_store_get_str(st, NDEFERRED_KEY, buf, sizeof(buf), NULL) < 0)
		return -1;
	n = strtol(buf, &end, 10);
	return *end || n < 0 ? -1 : n;
}

static int set_ndeferred(struct gr_store *st, long n, struct gr_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", n);
	return gr_store_put_str(st, NDEFERRED_KEY, buf, err);
}

/* Add DELTA to a known count; an unknown one stays unknown. */
static int count_deferred(struct gr_store *st, long delta, struct gr_err *err)
{
	long n = ndeferred(st);

	return n < 0 ? 0 : set_ndeferred(st, n + delta < 0 ? 0 : n + delta, err);
}

static int defer(struct gr_store *st, const struct change *c, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *d = json_pack("{s:i,s:s,s:s,s:O*,s:O}", "kind", (int)c->kind, "dir", c->dir, "id",
			      c->id, "json", c->json, "values", c->values);
	bool known;
	int r;

	if (!d)
		return oom(err);
	if (deferred_key(key, sizeof(key), c->uuid) < 0) {
		json_decref(d);
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	}
	known = gr_store_exists(st, key);
	r = gr_store_put_json(st, key, d, err);
	json_decref(d);
	return r == 0 && !known ? count_deferred(st, 1, err) : r;
}

static int undefer(struct gr_store *st, const char *uuid, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	int r;

	if (deferred_key(key, sizeof(key), uuid) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	if (!gr_store_exists(st, key))
		return 0;
	r = gr_store_del(st, key, err);
	return r == 0 ? count_deferred(st, -1, err) : r;
}

/* Errors that concern one entry: undo it, log it, go on.  Others end the batch. */
static bool entry_error(int r)
{
	return r == -GR_E_INVALID || r == -GR_E_CONFLICT || r == -GR_E_NOTFOUND ||
	       r == -GR_E_LIMIT || r == -ENAMETOOLONG;
}

typedef int (*unit_fn)(struct gr_store *st, const struct change *c, const void *arg,
		       struct gr_err *err);

enum unit_mode { UNIT_PUT, UNIT_DELETE, UNIT_RETRY };

/*
 * Run FN as one unit of the batch: 0 applied, 1 skipped (undone; logged and
 * deferred for a first put, logged for a delete, neither for a retry), or < 0.
 */
static int unit(struct gr_store *st, const struct change *c, unit_fn fn, const void *arg,
		enum unit_mode mode, struct gr_fleet_stats *stats, struct gr_err *err)
{
	struct gr_err uerr;
	int r;

	gr_err_clear(&uerr);
	if ((r = gr_store_begin(st, err)) < 0)
		return r;
	r = fn(st, c, arg, &uerr);
	if (r == 0)
		return gr_store_commit(st, err);
	gr_store_cancel(st);
	if (!entry_error(r))
		return gr_err_set(err, r, "%s", gr_err_msg(&uerr));
	stats->skipped++;
	if (mode == UNIT_RETRY)
		return 1;
	syslog(LOG_WARNING, "grouprole-sync: %s %s%s%s (entryUUID %s) not applied: %s",
	       kind_names[c->kind], c->dir, c->dir[0] ? "/" : "", c->id, c->uuid, gr_err_msg(&uerr));
	if (mode == UNIT_DELETE)
		return 1;
	if ((r = gr_store_begin(st, err)) < 0)
		return r;
	if ((r = defer(st, c, err)) < 0) {
		gr_store_cancel(st);
		return r;
	}
	return (r = gr_store_commit(st, err)) < 0 ? r : 1;
}

static int do_delete(struct gr_store *st, const struct change *c, const void *arg,
		     struct gr_err *err)
{
	char key[GR_KEY_MAX];
	int r = c->kind == GR_FLEET_NONE ? 0 : remove_local(st, c->kind, c->dir, c->id, err);

	(void)arg;
	if (r == 0 && map_key(key, sizeof(key), c->uuid) == 0 && gr_store_exists(st, key))
		r = gr_store_del(st, key, err);
	return r == 0 ? undefer(st, c->uuid, err) : r;
}

static int do_put(struct gr_store *st, const struct change *c, const void *rules,
		  struct gr_err *err)
{
	int incomplete = put_local(st, c, rules, err), r;

	if (incomplete < 0)
		return incomplete;
	if ((r = map_put(st, c, err)) < 0)
		return r;
	/* Incomplete (members not here yet): applied as far as it goes, and kept for later. */
	return incomplete ? defer(st, c, err) : undefer(st, c->uuid, err);
}

/* The UUID of every entry this host holds something of: applied, or deferred. */
static int purge_cb(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	static const char *const prefixes[] = { "fleet/uuid/", "fleet/deferred/" };
	json_t *held = ctx;
	size_t i;

	(void)val;
	(void)len;
	for (i = 0; i < 2; i++)
		if (!strncmp(key, prefixes[i], strlen(prefixes[i])) &&
		    json_object_set_new(held, key + strlen(prefixes[i]), json_true()) < 0)
			return -ENOMEM;
	return 0;
}

/* A change for every local UUID that B neither carried nor reported present. */
static int add_purges(struct gr_store *st, struct gr_fleet_batch *b, struct gr_err *err)
{
	json_t *held = json_object(), *v;
	const char *uuid;
	int r;

	if (!held)
		return oom(err);
	r = gr_store_walk(st, "fleet/", purge_cb, held, err);
	json_object_foreach(held, uuid, v) {
		if (r == 0 && !json_object_get(b->by_uuid, uuid) && !json_object_get(b->present, uuid))
			r = gr_fleet_batch_delete(b, uuid, err);
	}
	json_decref(held);
	return r;
}

/* NONE first: entries never applied here, of which at most a deferred record is left. */
static const enum gr_fleet_kind del_order[] = { GR_FLEET_NONE,  GR_FLEET_POLICY, GR_FLEET_ASSIGN,
						GR_FLEET_MAPPING, GR_FLEET_ORG, GR_FLEET_GROUP,
						GR_FLEET_USER, GR_FLEET_ROLE, GR_FLEET_DIRECTORY };
/* gr_fleet_kind_rank's order. */
static const enum gr_fleet_kind put_order[] = { GR_FLEET_DIRECTORY, GR_FLEET_ROLE, GR_FLEET_USER,
						GR_FLEET_GROUP,	    GR_FLEET_ORG,  GR_FLEET_MAPPING,
						GR_FLEET_ASSIGN,    GR_FLEET_POLICY };

static int deferred_cb(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	json_t *all = ctx, *d = json_loadb((const char *)val, len, 0, NULL);

	if (!d)
		return 0; /* not ours to judge here; gr_store_verify reports bad records */
	return json_object_set_new(all, key + strlen("fleet/deferred/"), d) < 0 ? -ENOMEM : 0;
}

/* Try every deferred entry that this batch did not carry again, in kind order. */
static int retry_deferred(struct gr_store *st, struct gr_fleet_batch *b,
			  const struct gr_login_rules *rules, struct gr_fleet_stats *stats,
			  struct gr_err *err)
{
	json_t *all, *d;
	const char *uuid;
	long known = ndeferred(st);
	size_t k;
	int r;

	if (known == 0)
		return 0; /* nothing waits: no walk */
	if (!(all = json_object()))
		return oom(err);
	r = gr_store_walk(st, "fleet/deferred/", deferred_cb, all, err);
	if (r == 0 && known < 0 && (r = gr_store_begin(st, err)) == 0) {
		/* A store from before the count: count them now. */
		if ((r = set_ndeferred(st, (long)json_object_size(all), err)) < 0)
			gr_store_cancel(st);
		else
			r = gr_store_commit(st, err);
	}
	for (k = 0; r >= 0 && k < sizeof(put_order) / sizeof(put_order[0]); k++) {
		json_object_foreach(all, uuid, d) {
			struct change c = { .kind = (enum gr_fleet_kind)json_integer_value(
						    json_object_get(d, "kind")) };

			if (r < 0 || c.kind != put_order[k] || json_object_get(b->by_uuid, uuid) ||
			    strlen(uuid) >= sizeof(c.uuid))
				continue;
			strcpy(c.uuid, uuid);
			snprintf(c.dir, sizeof(c.dir), "%s", json_string_value(json_object_get(d, "dir")) ?: "");
			snprintf(c.id, sizeof(c.id), "%s", json_string_value(json_object_get(d, "id")) ?: "");
			c.json = json_object_get(d, "json");
			c.values = json_object_get(d, "values");
			if (!json_is_array(c.values))
				c.values = NULL;
			r = unit(st, &c, do_put, rules, UNIT_RETRY, stats, err);
			if (r == 1) {
				stats->skipped--; /* still waiting, already counted */
				r = 0;
			}
		}
	}
	json_decref(all);
	return r;
}

int gr_fleet_open(struct gr_store *st, struct gr_fleet_stats *stats, struct gr_err *err)
{
	memset(stats, 0, sizeof(*stats));
	return gr_store_batch_begin(st, err);
}

/* Apply B's changes and forget them, remembering their UUIDs as seen. */
int gr_fleet_step(struct gr_store *st, struct gr_fleet_batch *b, struct gr_fleet_stats *stats,
		  struct gr_err *err)
{
	const struct gr_login_rules *rules = &b->rules.rules;
	size_t i, k;
	int r;

	if ((r = gr_login_rules_refresh(&b->rules, gr_store_config(st), err)) < 0)
		return r;
	r = 0;
	/* A deleted entry is known here only by what its UUID made. */
	for (i = 0; r == 0 && i < b->n; i++) {
		struct change *c = &b->v[i];

		if (!c->deleted)
			continue;
		r = map_get(st, c->uuid, &c->kind, c->dir, c->id, err);
		if (r == -GR_E_NOTFOUND) {
			c->kind = GR_FLEET_NONE; /* never applied here */
			r = 0;
		}
	}
	for (k = 0; r >= 0 && k < sizeof(del_order) / sizeof(del_order[0]); k++)
		for (i = 0; r >= 0 && i < b->n; i++)
			if (b->v[i].deleted && b->v[i].kind == del_order[k] &&
			    (r = unit(st, &b->v[i], do_delete, NULL, UNIT_DELETE, stats, err)) == 0)
				stats->deleted++;
	for (k = 0; r >= 0 && k < sizeof(put_order) / sizeof(put_order[0]); k++)
		for (i = 0; r >= 0 && i < b->n; i++)
			if (!b->v[i].deleted && b->v[i].kind == put_order[k] &&
			    (r = unit(st, &b->v[i], do_put, rules, UNIT_PUT, stats, err)) == 0)
				stats->applied++;
	if (r > 0)
		r = 0;
	if (r == 0)
		r = retry_deferred(st, b, rules, stats, err);
	/* What was carried counts as present for a purge at the end. */
	for (i = 0; r == 0 && i < b->n; i++)
		if (!b->v[i].deleted)
			r = gr_fleet_batch_present(b, b->v[i].uuid, err);
	for (i = 0; i < b->n; i++) {
		json_decref(b->v[i].json);
		json_decref(b->v[i].values);
	}
	b->n = 0;
	json_object_clear(b->by_uuid);
	return r;
}

static int put_cookie(struct gr_store *st, const char *cookie, struct gr_err *err)
{
	int r = gr_store_begin(st, err);

	if (r < 0)
		return r;
	r = cookie[0] ? gr_store_put_str(st, "fleet/cookie", cookie, err)
		      : gr_store_del(st, "fleet/cookie", err);
	if (r == 0)
		return gr_store_commit(st, err);
	gr_store_cancel(st);
	return r;
}

int gr_fleet_close(struct gr_store *st, struct gr_fleet_batch *b, const char *cookie, bool purge,
		   struct gr_fleet_stats *stats, struct gr_err *err)
{
	int r = gr_fleet_step(st, b, stats, err);

	if (r == 0 && purge) {
		size_t before = b->n;

		r = add_purges(st, b, err);
		stats->purged = b->n - before;
		if (r == 0)
			r = gr_fleet_step(st, b, stats, err);
	}
	if (r == 0 && cookie)
		r = put_cookie(st, cookie, err);
	if (r < 0) {
		gr_fleet_abort(st, b);
		return r;
	}
	batch_clear(b);
	return gr_store_batch_end(st, err);
}

void gr_fleet_abort(struct gr_store *st, struct gr_fleet_batch *b)
{
	gr_store_batch_abort(st);
	batch_clear(b);
}

int gr_fleet_apply(struct gr_store *st, struct gr_fleet_batch *b, const char *cookie,
		   bool purge, struct gr_fleet_stats *stats, struct gr_err *err)
{
	int r = gr_fleet_open(st, stats, err);

	if (r < 0) {
		batch_clear(b);
		return r;
	}
	return gr_fleet_close(st, b, cookie, purge, stats, err);
}

int gr_fleet_cookie(struct gr_store *st, char *buf, size_t len, struct gr_err *err)
{
	int r = gr_store_get_str(st, "fleet/cookie", buf, len, err);

	if (r == -GR_E_NOTFOUND) {
		buf[0] = '\0';
		return 0;
	}
	return r;
}

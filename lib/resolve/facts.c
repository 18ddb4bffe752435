/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolve/facts.h"
#include "core/names.h"
#include "scim/scim.h"

#define MAX_ATTR_VALUES 64
#define MAX_USER_GROUPS 100000

/* One group's name and role mappings, preloaded for bulk resolution. */
struct group_info {
	char *key;         /* "DIR/GID", the sort key */
	const char *name;  /* borrowed from REC */
	json_t *rec;       /* the group record (owned, like the two below) */
	json_t *troles;
	json_t *oroles;
};

struct gr_context {
	struct gr_config cfg;
	struct gr_policy policy;
	struct gr_role *roles;
	size_t n_roles;
	struct gr_role_ref *catalog;
	json_t *org; /* the host organization's record, or NULL */
	const char *resources[GR_CONFIG_MAX_LIST];
	int64_t now;

	struct group_info *groups; /* sorted by key */
	size_t n_groups, cap_groups;
	bool preloaded;
};

struct gr_facts {
	struct gr_resolve_input in;
	json_t *user;
	json_t *scim;
	json_t *keep;
	struct gr_in_group *groups;
	const char **role_ptrs; /* backing store for the groups' role lists */
	struct gr_in_assignment *assignments;
	const char *attr_values[MAX_ATTR_VALUES];
	char *attr_lower[MAX_ATTR_VALUES];
	char login[GR_UNIX_NAME_MAX + 1];
	char dir[GR_NAME_MAX + 1];
};

static int oom(struct gr_err *err)
{
	return gr_err_set(err, -ENOMEM, "out of memory");
}

static int context_load(struct gr_store *st, bool with_roles, struct gr_context **out,
			struct gr_err *err)
{
	struct gr_context *ctx;
	size_t i;
	int r;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return oom(err);
	ctx->cfg = *gr_store_config(st);
	ctx->now = (int64_t)time(NULL);
	for (i = 0; i < ctx->cfg.n_resources; i++)
		ctx->resources[i] = ctx->cfg.resources[i];
	r = gr_policy_get(st, &ctx->policy, err);
	if (r < 0)
		goto fail;
	r = with_roles ? gr_role_list(st, &ctx->roles, &ctx->n_roles, err) : 0;
	if (r < 0)
		goto fail;
	ctx->catalog = calloc(ctx->n_roles ? ctx->n_roles : 1, sizeof(*ctx->catalog));
	if (!ctx->catalog) {
		r = oom(err);
		goto fail;
	}
	/* gr_role_list sorts by slug: the catalog inherits the order. */
	for (i = 0; i < ctx->n_roles; i++) {
		ctx->catalog[i].slug = ctx->roles[i].slug;
		ctx->catalog[i].priority = ctx->roles[i].priority;
	}
	if (ctx->cfg.organization[0]) {
		/* A host naming an organization that does not exist gets no org roles. */
		r = gr_org_get(st, ctx->cfg.organization, &ctx->org, NULL);
		if (r < 0 && r != -GR_E_NOTFOUND) {
			gr_err_set(err, r, "cannot read organization '%s'", ctx->cfg.organization);
			goto fail;
		}
	}
	*out = ctx;
	return 0;
fail:
	gr_context_free(ctx);
	return r;
}

int gr_context_load(struct gr_store *st, struct gr_context **out, struct gr_err *err)
{
	return context_load(st, true, out, err);
}

int gr_context_load_org(struct gr_store *st, const char *org, struct gr_context **out,
			struct gr_err *err)
{
	struct gr_context *ctx;
	int r = context_load(st, true, out, err);

	if (r < 0)
		return r;
	ctx = *out;
	json_decref(ctx->org);
	ctx->org = NULL;
	snprintf(ctx->cfg.organization, sizeof(ctx->cfg.organization), "%s", org);
	r = gr_org_get(st, org, &ctx->org, err);
	if (r < 0) {
		gr_context_free(ctx);
		*out = NULL;
	}
	return r;
}

int gr_context_load_host(struct gr_store *st, struct gr_context **out, struct gr_err *err)
{
	return context_load(st, false, out, err);
}

static void gi_clear(struct group_info *gi)
{
	free(gi->key);
	json_decref(gi->rec);
	json_decref(gi->troles);
	json_decref(gi->oroles);
}

void gr_context_free(struct gr_context *ctx)
{
	size_t i;

	if (!ctx)
		return;
	for (i = 0; i < ctx->n_groups; i++)
		gi_clear(&ctx->groups[i]);
	free(ctx->groups);
	json_decref(ctx->org);
	free(ctx->catalog);
	free(ctx->roles);
	free(ctx);
}

const struct gr_role *gr_context_roles(const struct gr_context *ctx, size_t *n)
{
	*n = ctx->n_roles;
	return ctx->roles;
}

const struct gr_policy *gr_context_policy(const struct gr_context *ctx)
{
	return &ctx->policy;
}

long gr_context_role_index(const struct gr_context *ctx, const char *slug)
{
	struct gr_role_ref key = { slug, 0 };
	const struct gr_role_ref *f;

	if (!ctx->n_roles)
		return -1;
	f = bsearch(&key, ctx->catalog, ctx->n_roles, sizeof(key), gr_role_ref_cmp);
	return f ? (long)(f - ctx->catalog) : -1;
}

/* ---- preload ---- */

static int gi_cmp(const void *a, const void *b)
{
	return strcmp(((const struct group_info *)a)->key, ((const struct group_info *)b)->key);
}

static struct group_info *gi_find(const struct gr_context *ctx, const char *key)
{
	struct group_info k = { .key = (char *)(uintptr_t)key };

	if (!ctx->n_groups)
		return NULL;
	return bsearch(&k, ctx->groups, ctx->n_groups, sizeof(k), gi_cmp);
}

static int gi_reserve(struct gr_context *ctx)
{
	if (ctx->n_groups == ctx->cap_groups) {
		size_t ncap = ctx->cap_groups ? ctx->cap_groups * 2 : 256;
		struct group_info *ng = realloc(ctx->groups, ncap * sizeof(*ng));

		if (!ng)
			return -ENOMEM;
		ctx->groups = ng;
		ctx->cap_groups = ncap;
	}
	return 0;
}

static int preload_group_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct gr_context *ctx = p;
	struct group_info *gi;
	json_t *v;

	if (gi_reserve(ctx) < 0)
		return -ENOMEM;
	v = json_loadb((const char *)val, len, 0, NULL);
	if (!v)
		return -GR_E_CORRUPT;
	gi = &ctx->groups[ctx->n_groups];
	memset(gi, 0, sizeof(*gi));
	gi->rec = v;
	gi->key = strdup(key + strlen("group/"));
	if (!gi->key) {
		json_decref(v);
		return -ENOMEM;
	}
	gi->name = json_string_value(json_object_get(v, "displayName"));
	ctx->n_groups++;
	return 0;
}

/* Mappings met during the preload's walk, attached once the groups are sorted. */
struct mappings {
	json_t *tenant, *org; /* "DIR/GID" -> role array */
	size_t org_skip;      /* length of "oroles/ORG/" */
};

static int stash_mapping(json_t *into, const char *ref, const unsigned char *val, size_t len)
{
	json_t *v = json_loadb((const char *)val, len, 0, NULL);

	if (!v || !json_is_array(v)) {
		json_decref(v);
		return -GR_E_CORRUPT;
	}
	return json_object_set_new(into, ref, v) < 0 ? -ENOMEM : 0;
}

static int tenant_mapping_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct mappings *mp = p;

	return stash_mapping(mp->tenant, key + strlen("troles/"), val, len);
}

static int org_mapping_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct mappings *mp = p;

	return stash_mapping(mp->org, key + mp->org_skip, val, len);
}

/* Give each preloaded group its mappings; those of groups that no longer exist are left. */
static void attach_mappings(struct gr_context *ctx, json_t *from, bool org)
{
	const char *ref;
	json_t *v;

	json_object_foreach(from, ref, v) {
		struct group_info *gi = gi_find(ctx, ref);

		if (!gi)
			continue;
		if (org)
			gi->oroles = json_incref(v);
		else
			gi->troles = json_incref(v);
	}
}

int gr_context_preload_with(struct gr_store *st, struct gr_context *ctx,
			    const struct gr_store_walker *extra, struct gr_err *err)
{
	struct mappings mp = { NULL, NULL, 0 };
	struct gr_store_walker w[4] = {
		{ "group/", preload_group_cb, ctx },
		{ "troles/", tenant_mapping_cb, &mp },
	};
	char prefix[GR_KEY_MAX];
	size_t n = 2;
	int r;

	if (ctx->preloaded) /* only the caller's walk is left */
		return extra ? gr_store_walk_many(st, extra, 1, err) : 0;
	ctx->preloaded = true; /* once, even if it fails (as a half-loaded list would repeat) */
	if (ctx->org) {
		if (gr_key(prefix, sizeof(prefix), "oroles/%s/", ctx->cfg.organization) < 0)
			return gr_err_set(err, -ENAMETOOLONG, "key too long");
		mp.org_skip = strlen(prefix);
		w[n++] = (struct gr_store_walker){ prefix, org_mapping_cb, &mp };
	}
	if (extra)
		w[n++] = *extra;
	mp.tenant = json_object();
	mp.org = json_object();
	r = mp.tenant && mp.org ? gr_store_walk_many(st, w, n, err) : -ENOMEM;
	if (r == 0) {
		if (ctx->n_groups > 1)
			qsort(ctx->groups, ctx->n_groups, sizeof(*ctx->groups), gi_cmp);
		attach_mappings(ctx, mp.tenant, false);
		attach_mappings(ctx, mp.org, true);
	}
	json_decref(mp.tenant);
	json_decref(mp.org);
	if (r == -ENOMEM || r == -GR_E_CORRUPT)
		return gr_err_set(err, r, "cannot preload groups: %s", gr_strerror(r));
	return r;
}

int gr_context_preload(struct gr_store *st, struct gr_context *ctx, struct gr_err *err)
{
	return gr_context_preload_with(st, ctx, NULL, err);
}

/* An optional array record, or NULL (*OUT); -GR_E_CORRUPT when it is not an array. */
static int get_array(struct gr_store *st, const char *key, json_t **out, struct gr_err *err)
{
	int r = gr_store_get_json(st, key, out, err);

	if (r == -GR_E_NOTFOUND) {
		*out = NULL;
		return 0;
	}
	if (r == 0 && !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		return gr_err_set(err, -GR_E_CORRUPT, "record '%s' is malformed", key);
	}
	return r;
}

/* Two role lists (NULL: none) name the same roles in the same order. */
static bool same_array(const json_t *a, const json_t *b)
{
	if (!json_array_size(a) || !json_array_size(b))
		return !json_array_size(a) && !json_array_size(b);
	return json_equal(a, b);
}

bool gr_context_group_maps_roles(const struct gr_context *ctx, const char *dir, const char *gid)
{
	char key[GR_KEY_MAX];
	const struct group_info *gi;

	if (!ctx->preloaded || gr_key(key, sizeof(key), "%s/%s", dir, gid) < 0)
		return true;
	gi = gi_find(ctx, key);
	return gi && (json_array_size(gi->troles) || json_array_size(gi->oroles));
}

int gr_context_refresh_group(struct gr_store *st, struct gr_context *ctx, const char *dir,
			     const char *gid, struct gr_err *err)
{
	struct group_info fresh = { 0 }, *gi;
	char key[GR_KEY_MAX];
	size_t lo = 0, hi = ctx->n_groups;
	int r;

	if (!ctx->preloaded)
		return 1;
	if (gr_key(key, sizeof(key), "group/%s/%s", dir, gid) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	r = gr_store_get_json(st, key, &fresh.rec, err);
	if (r < 0 && r != -GR_E_NOTFOUND)
		return r;
	if (fresh.rec) {
		fresh.name = json_string_value(json_object_get(fresh.rec, "displayName"));
		r = gr_key(key, sizeof(key), "troles/%s/%s", dir, gid) < 0
			    ? 0 : get_array(st, key, &fresh.troles, err);
		if (r == 0 && ctx->org &&
		    gr_key(key, sizeof(key), "oroles/%s/%s/%s", ctx->cfg.organization, dir, gid) == 0)
			r = get_array(st, key, &fresh.oroles, err);
		if (r < 0) {
			gi_clear(&fresh);
			return r;
		}
	}
	if (gr_key(key, sizeof(key), "%s/%s", dir, gid) < 0) {
		gi_clear(&fresh);
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	}
	/* Where KEY is, or would go, in the sorted table. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ctx->groups[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	gi = lo < ctx->n_groups && !strcmp(ctx->groups[lo].key, key) ? &ctx->groups[lo] : NULL;
	if (gi) {
		bool same = fresh.rec && (fresh.name && gi->name ? !strcmp(fresh.name, gi->name)
								 : fresh.name == gi->name) &&
			    same_array(fresh.troles, gi->troles) && same_array(fresh.oroles, gi->oroles);

		fresh.key = gi->key;
		gi->key = NULL;
		gi_clear(gi);
		if (fresh.rec) {
			*gi = fresh;
		} else {
			free(fresh.key);
			memmove(gi, gi + 1, (ctx->n_groups - lo - 1) * sizeof(*gi));
			ctx->n_groups--;
		}
		return same ? 0 : 1;
	}
	if (!fresh.rec)
		return 0;
	fresh.key = strdup(key);
	if (!fresh.key || gi_reserve(ctx) < 0) {
		gi_clear(&fresh);
		return oom(err);
	}
	memmove(&ctx->groups[lo + 1], &ctx->groups[lo], (ctx->n_groups - lo) * sizeof(*gi));
	ctx->groups[lo] = fresh;
	ctx->n_groups++;
	return 0;
}

void gr_context_set_now(struct gr_context *ctx, int64_t now)
{
	ctx->now = now;
}

/* ---- per-user facts ---- */

void gr_facts_free(struct gr_facts *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < MAX_ATTR_VALUES; i++)
		free(f->attr_lower[i]);
	json_decref(f->user);
	json_decref(f->scim);
	json_decref(f->keep);
	free(f->groups);
	free(f->role_ptrs);
	free(f->assignments);
	free(f);
}

const struct gr_resolve_input *gr_facts_input(const struct gr_facts *f)
{
	return &f->in;
}

const json_t *gr_facts_user(const struct gr_facts *f)
{
	return f->user;
}

const char *gr_facts_login(const struct gr_facts *f)
{
	return f->login;
}

const char *gr_facts_dir(const struct gr_facts *f)
{
	return f->dir;
}

static void init_input(struct gr_facts *f, const struct gr_context *ctx)
{
	f->in.host_org = ctx->cfg.organization[0] ? ctx->cfg.organization : NULL;
	f->in.host_resources = ctx->resources;
	f->in.n_host_resources = ctx->cfg.n_resources;
	f->in.now = ctx->now;
	f->in.multiple_roles = ctx->policy.multiple_roles;
	f->in.default_role = ctx->policy.default_role[0] ? ctx->policy.default_role : NULL;
	f->in.catalog = ctx->catalog;
	f->in.n_catalog = ctx->n_roles;
}

/* Fetch an optional array record and keep it alive in F. */
static int fetch_kept_array(struct gr_store *st, struct gr_facts *f, const char *key,
			    const json_t **out, struct gr_err *err)
{
	json_t *v = NULL;
	int r = gr_store_get_json(st, key, &v, err);

	*out = NULL;
	if (r == -GR_E_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	if (!json_is_array(v) && !json_is_object(v)) {
		json_decref(v);
		return gr_err_set(err, -GR_E_CORRUPT, "record '%s' is malformed", key);
	}
	if (json_array_append_new(f->keep, v) < 0)
		return oom(err);
	*out = v;
	return 0;
}

static size_t count_strings(const json_t *arr)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			n++;
	return n;
}

static size_t fill_strings(const json_t *arr, const char **dst)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			dst[n++] = json_string_value(v);
	return n;
}

static int load_groups(struct gr_store *st, const struct gr_context *ctx, struct gr_facts *f,
		       const char *dir, bool org_roles, struct gr_err *err)
{
	const json_t *gids = json_object_get(f->user, "groups");
	size_t n = json_array_size(gids), i, total = 0, used = 0;
	struct {
		const char *name;
		const json_t *troles, *oroles;
	} *tmp;
	char key[GR_KEY_MAX];
	int r = 0;

	if (n == 0)
		return 0;
	if (n > MAX_USER_GROUPS)
		n = MAX_USER_GROUPS;
	tmp = calloc(n, sizeof(*tmp));
	f->groups = calloc(n, sizeof(*f->groups));
	if (!tmp || !f->groups) {
		free(tmp);
		return oom(err);
	}
	for (i = 0; i < n; i++) {
		const char *gid = json_string_value(json_array_get(gids, i));

		if (!gid)
			continue;
		f->groups[i].id = gid;
		if (ctx->preloaded) {
			const struct group_info *gi;

			if (gr_key(key, sizeof(key), "%s/%s", dir, gid) < 0)
				continue;
			gi = gi_find(ctx, key);
			if (!gi)
				continue;
			tmp[i].name = gi->name;
			tmp[i].troles = gi->troles;
			tmp[i].oroles = gi->oroles;
		} else {
			const json_t *g;

			if (gr_key(key, sizeof(key), "group/%s/%s", dir, gid) < 0)
				continue;
			if ((r = fetch_kept_array(st, f, key, &g, err)) < 0)
				break;
			tmp[i].name = json_string_value(json_object_get(g, "displayName"));
			if (gr_key(key, sizeof(key), "troles/%s/%s", dir, gid) < 0)
				continue;
			if ((r = fetch_kept_array(st, f, key, &tmp[i].troles, err)) < 0)
				break;
			if (org_roles) {
				if (gr_key(key, sizeof(key), "oroles/%s/%s/%s",
					   ctx->cfg.organization, dir, gid) < 0)
					continue;
				r = fetch_kept_array(st, f, key, &tmp[i].oroles, err);
				if (r < 0)
					break;
			}
		}
		total += count_strings(tmp[i].troles) + count_strings(tmp[i].oroles);
	}
	if (r == 0 && total) {
		f->role_ptrs = calloc(total, sizeof(*f->role_ptrs));
		if (!f->role_ptrs)
			r = oom(err);
	}
	for (i = 0; r == 0 && i < n; i++) {
		struct gr_in_group *g = &f->groups[i];

		g->name = tmp[i].name ? tmp[i].name : (g->id ? g->id : "?");
		g->tenant_roles = f->role_ptrs + used;
		g->n_tenant_roles = tmp[i].troles ? fill_strings(tmp[i].troles, f->role_ptrs + used)
						  : 0;
		used += g->n_tenant_roles;
		g->org_roles = f->role_ptrs + used;
		g->n_org_roles =
			(org_roles && tmp[i].oroles) ? fill_strings(tmp[i].oroles, f->role_ptrs + used) : 0;
		used += g->n_org_roles;
	}
	free(tmp);
	if (r == 0) {
		f->in.groups = f->groups;
		f->in.n_groups = n;
	}
	return r;
}

static int load_assignments(struct gr_store *st, struct gr_facts *f, const char *dir,
			    const char *id, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	const json_t *arr;
	json_t *a;
	size_t i, n = 0;
	int r;

	if (gr_key(key, sizeof(key), "assign/%s/%s", dir, id) < 0)
		return 0;
	r = fetch_kept_array(st, f, key, &arr, err);
	if (r < 0 || !json_is_array(arr) || json_array_size(arr) == 0)
		return r;
	f->assignments = calloc(json_array_size(arr), sizeof(*f->assignments));
	if (!f->assignments)
		return oom(err);
	json_array_foreach(arr, i, a) {
		const char *role = json_string_value(json_object_get(a, "role"));
		const char *res = json_string_value(json_object_get(a, "resource"));

		if (!role || !res)
			continue;
		f->assignments[n].role = role;
		f->assignments[n].resource = res;
		f->assignments[n].expires = json_integer_value(json_object_get(a, "expires"));
		n++;
	}
	f->in.assignments = f->assignments;
	f->in.n_assignments = n;
	return 0;
}

static int load_attribute(struct gr_store *st, const struct gr_context *ctx,
			  struct gr_facts *f, const char *dir, const char *id, struct gr_err *err)
{
	const char *vals[MAX_ATTR_VALUES];
	size_t n, i;
	int r;

	if (!ctx->policy.role_attribute[0])
		return 0;
	r = gr_user_get_scim(st, dir, id, &f->scim, err);
	if (r == -GR_E_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	n = gr_scim_attr_values(f->scim, ctx->policy.role_attribute, vals, MAX_ATTR_VALUES);
	/* Slugs are lowercase; IdPs send "Admin" as readily as "admin". */
	for (i = 0; i < n; i++) {
		size_t len = strlen(vals[i]) + 1;

		f->attr_lower[i] = malloc(len);
		if (!f->attr_lower[i])
			return oom(err);
		gr_lowercase(vals[i], f->attr_lower[i], len);
		f->attr_values[i] = f->attr_lower[i];
	}
	f->in.attribute = ctx->policy.role_attribute;
	f->in.attr_values = f->attr_values;
	f->in.n_attr_values = n;
	return 0;
}

int gr_facts_load(struct gr_store *st, const struct gr_context *ctx, const char *dir,
		  const char *id, struct gr_facts **out, struct gr_err *err)
{
	struct gr_facts *f;
	const json_t *conn;
	const char *login;
	int r;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return oom(err);
	f->keep = json_array();
	if (!f->keep) {
		free(f);
		return oom(err);
	}
	init_input(f, ctx);
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	r = gr_user_get(st, dir, id, &f->user, err);
	if (r == -GR_E_NOTFOUND) {
		*out = f;
		return 0;
	}
	if (r < 0)
		goto fail;
	f->in.known = true;
	f->in.active = !json_is_false(json_object_get(f->user, "active"));
	login = json_string_value(json_object_get(f->user, "login"));
	if (login && strlen(login) < sizeof(f->login))
		strcpy(f->login, login);
	/*
	 * Inactive users are loaded in full too: resolution gives them nothing,
	 * but "user show" and the PAM log still describe their groups.
	 */
	if (ctx->org) {
		conn = json_object_get(json_object_get(ctx->org, "connections"), dir);
		f->in.org_connected = json_is_object(conn);
		f->in.org_auto_membership = json_is_true(json_object_get(conn, "auto_membership"));
		f->in.org_member = gr_org_is_member(st, ctx->cfg.organization, dir, id);
	}
	/* Only auto-membership makes organization roles flow (resolve.c, rule 2). */
	r = load_groups(st, ctx, f, dir,
			ctx->org && f->in.org_connected && f->in.org_auto_membership, err);
	if (r < 0)
		goto fail;
	r = load_assignments(st, f, dir, id, err);
	if (r < 0)
		goto fail;
	r = load_attribute(st, ctx, f, dir, id, err);
	if (r < 0)
		goto fail;
	*out = f;
	return 0;
fail:
	gr_facts_free(f);
	return r;
}

int gr_facts_load_login(struct gr_store *st, const struct gr_context *ctx, const char *login,
			struct gr_facts **out, struct gr_err *err)
{
	char key[GR_KEY_MAX], val[GR_KEY_MAX];
	char *slash;
	int r;

	*out = NULL;
	if (!gr_valid_unix_name(login, true) || gr_key(key, sizeof(key), "login/%s", login) < 0 ||
	    (r = gr_store_get_str(st, key, val, sizeof(val), err)) == -GR_E_NOTFOUND) {
		struct gr_facts *f = calloc(1, sizeof(*f));

		if (!f)
			return oom(err);
		init_input(f, ctx);
		*out = f;
		return 0;
	}
	if (r < 0)
		return r;
	slash = strchr(val, '/');
	if (!slash)
		return gr_err_set(err, -GR_E_CORRUPT, "login index for '%s' is malformed", login);
	*slash = '\0';
	return gr_facts_load(st, ctx, val, slash + 1, out, err);
}

json_t *gr_provenance_json(const struct gr_provenance *p)
{
	json_t *v = json_pack("{s:s}", "source", gr_source_name(p->kind));

	if (p->detail)
		json_object_set_new(v, p->kind == GR_SRC_GROUP || p->kind == GR_SRC_ORG_GROUP ? "group"
				       : p->kind == GR_SRC_ATTRIBUTE ? "value"
								    : "resource",
				    json_string(p->detail));
	if (p->context)
		json_object_set_new(v, p->kind == GR_SRC_ORG_GROUP ? "organization" : "attribute",
				    json_string(p->context));
	if (p->kind == GR_SRC_ASSIGNMENT)
		json_object_set_new(v, "expires", json_integer(p->expires));
	return v;
}

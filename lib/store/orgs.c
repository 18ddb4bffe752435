/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "store/orgs.h"

static int oom(struct gr_err *err)
{
	return gr_err_set(err, -ENOMEM, "out of memory");
}

/* Rows of a walk: each key (after SKIP bytes) with its parsed value. */
struct rows {
	json_t *obj;                /* key -> value */
	size_t skip;
	bool parse;
};

static int rows_cb(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	struct rows *rw = ctx;
	json_t *v = rw->parse ? json_loadb((const char *)val, len, 0, NULL) : json_true();

	if (!v)
		return -GR_E_CORRUPT;
	return json_object_set_new(rw->obj, key + rw->skip, v) < 0 ? -ENOMEM : 0;
}

/*
 * Walk PREFIX into an object, then call FN on each (key, value) in key
 * order, appending what it makes to a new array in *OUT.
 */
static int walk_sorted(struct gr_store *st, const char *prefix, bool parse,
		       json_t *(*fn)(const char *key, json_t *v), json_t **out, struct gr_err *err)
{
	struct rows rw = { json_object(), strlen(prefix), parse };
	const char **keys = NULL;
	json_t *arr = json_array();
	size_t n = 0, i;
	int r;

	*out = NULL;
	if (!rw.obj || !arr) {
		json_decref(rw.obj);
		json_decref(arr);
		return oom(err);
	}
	r = gr_store_walk(st, prefix, rows_cb, &rw, err);
	if (r == -ENOMEM)
		oom(err);
	else if (r == -GR_E_CORRUPT)
		gr_err_set(err, r, "a record under '%s' is corrupt", prefix);
	if (r == 0 && !(keys = gr_json_sorted_keys(rw.obj, &n)))
		r = oom(err);
	for (i = 0; r == 0 && i < n; i++) {
		json_t *row = fn(keys[i], json_object_get(rw.obj, keys[i]));

		if (row && json_array_append_new(arr, row) < 0)
			r = oom(err);
	}
	free(keys);
	json_decref(rw.obj);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

static json_t *org_row(const char *name, json_t *v)
{
	json_t *conns = json_object_get(v, "connections");

	return json_pack("{s:s,s:O}", "name", name, "connections",
			 json_is_object(conns) ? conns : json_object());
}

int gr_org_list(struct gr_store *st, json_t **out, struct gr_err *err)
{
	return walk_sorted(st, "org/", true, org_row, out, err);
}

/* "DIR/UID" as {"directory", "id"}. */
static json_t *member_row(const char *key, json_t *v)
{
	const char *slash = strchr(key, '/');

	(void)v;
	if (!slash)
		return NULL;
	return json_pack("{s:s%,s:s}", "directory", key, (size_t)(slash - key), "id", slash + 1);
}

int gr_org_members(struct gr_store *st, const char *org, json_t **out, struct gr_err *err)
{
	char prefix[GR_KEY_MAX];
	json_t *o = NULL;
	int r = gr_org_get(st, org, &o, err);

	*out = NULL;
	json_decref(o);
	if (r < 0)
		return r;
	if (gr_key(prefix, sizeof(prefix), "orgmember/%s/", org) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	return walk_sorted(st, prefix, false, member_row, out, err);
}

int gr_org_groups(struct gr_store *st, const char *org, json_t **out, struct gr_err *err)
{
	json_t *o = NULL, *all = json_array(), *rows, *row;
	const char **dirs = NULL;
	size_t n = 0, i, j;
	int r = gr_org_get(st, org, &o, err);

	*out = NULL;
	if (r == 0 && (!all || !(dirs = gr_json_sorted_keys(json_object_get(o, "connections"), &n))))
		r = oom(err);
	for (i = 0; r == 0 && i < n; i++) {
		r = gr_group_list(st, dirs[i], &rows, err);
		if (r == -GR_E_NOTFOUND) {
			r = 0; /* a connection to a directory deleted since */
			continue;
		}
		json_array_foreach(rows, j, row)
			if (r == 0 && json_array_append(all, row) < 0)
				r = oom(err);
		json_decref(rows);
	}
	free(dirs);
	json_decref(o);
	if (r < 0) {
		json_decref(all);
		return r;
	}
	*out = all;
	return 0;
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/assignments.h"

int gr_assign_create(struct gr_store *st, const struct gr_ref *u, const char *role,
		     const char *resource, int64_t expires, int64_t now, struct gr_err *err)
{
	if (expires != 0 && expires <= now)
		return gr_err_set(err, -GR_E_INVALID, "the expiry is in the past");
	return gr_assign_add(st, u, role, resource, expires, err);
}

static int assign_cb(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	json_t *v = json_loadb((const char *)val, len, 0, NULL);

	if (!v)
		return -GR_E_CORRUPT;
	return json_object_set_new(ctx, key + strlen("assign/"), v) < 0 ? -ENOMEM : 0;
}

/* Append the assignments ARR of "DIR/UID" to OUT as rows. */
static int append_rows(json_t *out, const char *dg, const json_t *arr)
{
	const char *slash = strchr(dg, '/');
	json_t *a;
	size_t i;

	if (!slash)
		return 0;
	json_array_foreach(arr, i, a) {
		if (json_array_append_new(out, json_pack("{s:s%,s:s,s:O,s:O,s:I}", "directory", dg,
							 (size_t)(slash - dg), "id", slash + 1,
							 "role", json_object_get(a, "role"),
							 "resource", json_object_get(a, "resource"),
							 "expires", (json_int_t)json_integer_value(
								 json_object_get(a, "expires")))) < 0)
			return -ENOMEM;
	}
	return 0;
}

int gr_assign_list(struct gr_store *st, const char *dir, const char *uid, json_t **out,
		   struct gr_err *err)
{
	json_t *all = json_object(), *arr = json_array(), *v;
	const char **keys = NULL;
	char key[GR_KEY_MAX];
	size_t n = 0, i;
	int r = 0;

	*out = NULL;
	if (!all || !arr)
		r = -ENOMEM;
	else if (dir && gr_key(key, sizeof(key), "assign/%s/%s", dir, uid) < 0)
		r = gr_err_set(err, -ENAMETOOLONG, "key too long");
	else if (dir && (r = gr_assign_get(st, dir, uid, &v, err)) == 0)
		r = json_object_set_new(all, key + strlen("assign/"), v) < 0 ? -ENOMEM : 0;
	else if (!dir)
		r = gr_store_walk(st, "assign/", assign_cb, all, err);
	if (r == 0 && !(keys = gr_json_sorted_keys(all, &n)))
		r = -ENOMEM;
	for (i = 0; r == 0 && i < n; i++)
		r = append_rows(arr, keys[i], json_object_get(all, keys[i]));
	free(keys);
	json_decref(all);
	if (r == -ENOMEM)
		gr_err_set(err, r, "out of memory");
	else if (r == -GR_E_CORRUPT)
		gr_err_set(err, r, "an assignment record is corrupt");
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

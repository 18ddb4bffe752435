/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "core/names.h"
#include "store/limits.h"
#include "store/records.h"

int gr_limit_roles(struct gr_store *st, struct gr_err *err)
{
	json_t *idx = NULL;
	size_t n;
	int r = gr_store_get_json(st, "roleindex", &idx, err);

	if (r == -GR_E_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	n = json_array_size(idx);
	json_decref(idx);
	if (n >= GR_ROLES_MAX)
		return gr_err_set(err, -GR_E_LIMIT,
				  "limit reached: roles (at most %d); delete a role first", GR_ROLES_MAX);
	return 0;
}

int gr_limit_user_roles(const json_t *assignments, const char *uid, struct gr_err *err)
{
	json_t *seen = json_object(), *a;
	size_t i, n;

	if (!seen)
		return gr_err_set(err, -ENOMEM, "out of memory");
	json_array_foreach(assignments, i, a) {
		const char *role = json_string_value(json_object_get(a, "role"));

		if (role && json_object_set_new(seen, role, json_true()) < 0) {
			json_decref(seen);
			return gr_err_set(err, -ENOMEM, "out of memory");
		}
	}
	n = json_object_size(seen);
	json_decref(seen);
	if (n > GR_USER_ROLES_MAX)
		return gr_err_set(err, -GR_E_LIMIT,
				  "limit reached: roles per user (at most %d assigned to user '%s')",
				  GR_USER_ROLES_MAX, uid);
	return 0;
}

int gr_limit_group_with_roles(struct gr_store *st, const char *dir, const char *gid,
			      struct gr_err *err)
{
	size_t n;
	bool holds;
	int r = gr_groups_with_roles(st, dir, gid, &n, &holds, err);

	if (r < 0)
		return r;
	if (!holds && n >= GR_GROUPS_WITH_ROLES_MAX)
		return gr_err_set(err, -GR_E_LIMIT,
				  "limit reached: groups holding roles (at most %d); group '%s' holds none yet",
				  GR_GROUPS_WITH_ROLES_MAX, gid);
	return 0;
}

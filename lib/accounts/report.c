/* SPDX-License-Identifier: MIT */
/*
 * What an admin should hear about accounts (users = yes): directory logins a
 * local account has (the local account wins; import and check say so), and
 * users stored before users = yes, who have no uid until they change.
 */
#include <errno.h>
#include <string.h>

#include "accounts/accounts.h"

struct report {
	struct gr_store *st;
	const struct gr_local_accounts *local;
	json_t *out;
	int r;
};

static int report_user(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	struct report *rp = ctx;
	json_t *u = json_loadb((const char *)val, len, 0, NULL);
	const char *login = json_string_value(json_object_get(u, "login"));
	const char *id = json_string_value(json_object_get(u, "id"));
	const char *slash = strchr(key + strlen("user/"), '/');
	char dir[GR_NAME_MAX + 1];
	const char *why = NULL;
	uint32_t uid;

	if (!u || !login || !id || !slash || (size_t)(slash - key - 5) >= sizeof(dir)) {
		json_decref(u);
		return 0;
	}
	memcpy(dir, key + 5, (size_t)(slash - key - 5));
	dir[slash - key - 5] = '\0';
	if (gr_local_accounts_shadow(rp->local, login))
		why = "is a local account on this host: the local account is served, not the directory's";
	else if (gr_account_uid(rp->st, dir, id, &uid, NULL) == -GR_E_NOTFOUND)
		why = "has no uid yet (stored before users = yes): run grouprolectl accounts allocate, or the next import or change of the user gives it one";
	if (why && json_array_append_new(rp->out, json_pack("{s:s,s:s,s:s}", "userName",
							     json_string_value(json_object_get(u, "userName")),
							     "login", login, "reason", why)) < 0)
		rp->r = -ENOMEM;
	json_decref(u);
	return 0;
}

int gr_accounts_report(struct gr_store *st, json_t **out, struct gr_err *err)
{
	struct gr_local_accounts local = { 0 };
	struct report rp = { st, &local, json_array(), 0 };
	int r;

	*out = NULL;
	if (!rp.out)
		return gr_err_set(err, -ENOMEM, "out of memory");
	if (!gr_store_config(st)->users) {
		*out = rp.out;
		return 0;
	}
	r = gr_local_accounts_refresh(&local, err);
	if (r >= 0)
		r = gr_store_walk(st, "user/", report_user, &rp, err);
	gr_local_accounts_free(&local);
	if (r >= 0 && rp.r < 0)
		r = gr_err_set(err, rp.r, "out of memory");
	if (r < 0) {
		json_decref(rp.out);
		return r;
	}
	*out = rp.out;
	return 0;
}

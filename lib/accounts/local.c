/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

#include "accounts/accounts.h"
#include "core/safefile.h"

/*
 * One enumeration of NSS (once per change of /etc/passwd, as for the system
 * accounts).  Our own module stays out of it: grouprolectl and
 * grouprole-scimd export GR_NSS_SELF_SYMBOL (lib/core/tdbfile.h).
 */
static int list_accounts(json_t **out, struct gr_err *err)
{
	struct passwd pw, *res;
	char buf[16384];
	json_t *m = json_object();
	int r;

	*out = NULL;
	if (!m)
		return gr_err_set(err, -ENOMEM, "out of memory");
	setpwent();
	while ((r = getpwent_r(&pw, buf, sizeof(buf), &res)) == 0 && res) {
		if (json_object_set_new(m, pw.pw_name, json_true()) < 0) {
			r = ENOMEM;
			break;
		}
	}
	endpwent();
	if (r != 0 && r != ENOENT) {
		json_decref(m);
		return gr_err_set(err, -r, "cannot list the host's accounts: %s", strerror(r));
	}
	*out = m;
	return 0;
}

int gr_local_accounts_refresh(struct gr_local_accounts *l, struct gr_err *err)
{
	struct gr_file_stamp now;
	json_t *fresh;
	int r;

	if (!gr_file_stamp_changed("/etc/passwd", &l->stamp, &now))
		return 0;
	r = list_accounts(&fresh, err);
	if (r < 0)
		return r;
	json_decref(l->byname);
	l->byname = fresh;
	l->stamp = now;
	return 1;
}

void gr_local_accounts_free(struct gr_local_accounts *l)
{
	json_decref(l->byname);
	memset(l, 0, sizeof(*l));
}

bool gr_local_accounts_shadow(const struct gr_local_accounts *l, const char *login)
{
	return json_object_get(l->byname, login) != NULL;
}

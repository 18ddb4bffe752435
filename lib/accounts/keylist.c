/* SPDX-License-Identifier: MIT */
/*
 * The keys of one login, from the published snapshot, for grouprole-ssh-keys
 * (sshkey.h).  Apart from the key checker, which the fuzz harness links
 * without libtdb.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "accounts/sshkey.h"
#include "publish/pwsnap.h"
#include "publish/snapshot.h"

struct list_ctx {
	const struct gr_sshkey_sink *sink;
	int n;
};

static int account_exists(const struct gr_snap_account *a, void *ctx)
{
	(void)a;
	(void)ctx;
	return 0;
}

static int each_line(const char *text, size_t len, void *ctx)
{
	struct list_ctx *l = ctx;
	const char *p = text, *end = text + len, *nl, *why;
	unsigned pos = 0;

	while (p < end) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		pos++;
		if (gr_sshkey_check(p, n, &why) == 0) {
			l->sink->key(p, n, l->sink->ctx);
			l->n++;
		} else if (l->sink->skip) {
			l->sink->skip(pos, why, l->sink->ctx);
		}
		p += n + 1;
	}
	return 0;
}

int gr_sshkey_list(const struct gr_config *cfg, const char *login,
		   const struct gr_sshkey_sink *sink, struct gr_err *err)
{
	struct list_ctx l = { sink, 0 };
	struct gr_snap *s = NULL;
	char path[PATH_MAX];
	int r;

	if (!cfg->users || !cfg->ssh_keys_attribute[0])
		return 0;
	if (gr_config_state_path(cfg, GR_SNAP_FILE, path, sizeof(path)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	r = gr_snap_open(path, cfg->test_mode, &s);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gr_err_set(err, r, "cannot read %s: %s", path, gr_strerror(r));
	r = gr_snap_account_by_name(s, login, account_exists, NULL);
	if (r == 0)
		r = gr_snap_keys(s, login, each_line, &l);
	gr_snap_close(s);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gr_err_set(err, r, "cannot read %s: %s", path, gr_strerror(r));
	return l.n;
}

/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nss_fixture.h"
#include "publish/pwsnap.h"
#include "publish/snapshot.h"
#include "testutil.h"

void nf_write_conf(struct nf_env *env, const char *lines)
{
	FILE *f = fopen(env->conf, "w");

	assert_non_null(f);
	fprintf(f, "# written by the NSS module tests\n");
	if (!lines || !strstr(lines, "state_dir"))
		fprintf(f, "state_dir = %s\n", env->state);
	fprintf(f, "%s\n", lines ? lines : "");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(env->conf, 0644), 0);
}

void nf_setup(struct nf_env *env, const char *extra)
{
	char lines[1024];

	memset(env, 0, sizeof(*env));
	snprintf(env->dir, sizeof(env->dir), "%s/grouprole-nss.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(env->dir));
	assert_int_equal(chmod(env->dir, 0755), 0);
	snprintf(env->state, sizeof(env->state), "%s/state", env->dir);
	snprintf(env->conf, sizeof(env->conf), "%s/grouprole.conf", env->dir);
	snprintf(env->snap, sizeof(env->snap), "%s/%s", env->state, GR_SNAP_FILE);
	assert_int_equal(mkdir(env->state, 0755), 0);
	snprintf(lines, sizeof(lines), "%s\n%s\n%s", extra && strstr(extra, "test_mode") ? "" :
		 "test_mode = yes", extra && strstr(extra, "login_domains") ? "" :
		 "login_domains = example.com", extra ? extra : "");
	nf_write_conf(env, lines);
	assert_int_equal(setenv("GROUPROLE_CONF", env->conf, 1), 0);
}

void *nf_env_new(const char *extra)
{
	struct nf_env *env = calloc(1, sizeof(*env));

	assert_non_null(env);
	assert_int_equal(setenv("GROUPROLE_NSS_RECHECK_MS", "0", 1), 0);
	nf_setup(env, extra);
	return env;
}

void nf_module_unload(struct nf_mod *mod)
{
	dlclose(mod->handle);
}

void nf_teardown(struct nf_env *env)
{
	if (env->dir[0])
		nf_run("rm -rf '%s'", env->dir);
	env->dir[0] = '\0';
}

/* Write the snapshot through a temporary file and rename it in, as the publisher does. */
static int publish(const struct nf_env *env, const struct nf_group *groups, size_t n_groups,
		   const struct nf_user *users, size_t n_users,
		   const struct gr_snap_account_in *accounts, size_t n_accounts,
		   const char *const *key_logins, const char *const *keys, size_t n_keys)
{
	struct gr_snap_writer *w = NULL;
	char tmp[PATH_MAX];
	size_t i;
	int fd, r;

	snprintf(tmp, sizeof(tmp), "%s/.nss.tdb.XXXXXX", env->state);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	r = gr_snap_writer_open_accounts(tmp, n_groups, n_users, n_accounts, &w);
	for (i = 0; r == 0 && i < n_groups; i++)
		r = gr_snap_writer_add_group(w, groups[i].name, groups[i].gid, groups[i].members,
					     groups[i].n);
	for (i = 0; r == 0 && i < n_users; i++)
		r = gr_snap_writer_add_user(w, users[i].login, users[i].gids, users[i].n);
	for (i = 0; r == 0 && i < n_accounts; i++)
		r = gr_snap_writer_add_account(w, &accounts[i]);
	for (i = 0; r == 0 && i < n_keys; i++)
		r = gr_snap_writer_add_keys(w, key_logins[i], keys[i], strlen(keys[i]));
	if (r == 0) {
		r = gr_snap_writer_finish(w, 1, 0);
	} else if (w) {
		gr_snap_writer_abort(w);
	}
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, env->snap) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int nf_publish(const struct nf_env *env, const struct nf_group *groups, size_t n_groups,
	       const struct nf_user *users, size_t n_users)
{
	return publish(env, groups, n_groups, users, n_users, NULL, 0, NULL, NULL, 0);
}

int nf_publish_accounts(const struct nf_env *env, const struct nf_group *groups,
			size_t n_groups, const struct gr_snap_account_in *accounts,
			size_t n_accounts, const char *const *key_logins,
			const char *const *keys, size_t n_keys)
{
	return publish(env, groups, n_groups, NULL, 0, accounts, n_accounts, key_logins, keys,
		       n_keys);
}

#define SYM(m, name)                                                                     \
	do {                                                                               \
		*(void **)&(m)->name = dlsym((m)->handle, "_nss_grouprole_" #name);           \
		if (!(m)->name)                                                            \
			fail_msg("dlsym _nss_grouprole_%s: %s", #name, dlerror());           \
	} while (0)

void nf_module_load(struct nf_mod *mod)
{
	memset(mod, 0, sizeof(*mod));
	mod->handle = dlopen(GR_NSS_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
	if (!mod->handle)
		fail_msg("dlopen %s: %s", GR_NSS_MODULE_PATH, dlerror());
	SYM(mod, getgrnam_r);
	SYM(mod, getgrgid_r);
	SYM(mod, setgrent);
	SYM(mod, getgrent_r);
	SYM(mod, endgrent);
	SYM(mod, initgroups_dyn);
	SYM(mod, getpwnam_r);
	SYM(mod, getpwuid_r);
	SYM(mod, setpwent);
	SYM(mod, getpwent_r);
	SYM(mod, endpwent);
}

void nf_members(const struct group *gr, char *out, size_t len)
{
	size_t off = 0;
	char **m;

	out[0] = '\0';
	for (m = gr->gr_mem; *m && off < len; m++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", off ? " " : "", *m);
}

int nf_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

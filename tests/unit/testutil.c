/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

void tu_setup(struct tu_env *env, const char *extra)
{
	struct gr_err err;
	FILE *f;

	memset(env, 0, sizeof(*env));
	snprintf(env->dir, sizeof(env->dir), "%s/grouprole-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(env->dir));
	assert_int_equal(chmod(env->dir, 0755), 0);
	snprintf(env->state, sizeof(env->state), "%s/state", env->dir);
	snprintf(env->conf, sizeof(env->conf), "%s/grouprole.conf", env->dir);
	f = fopen(env->conf, "w");
	assert_non_null(f);
	/* username = localpart maps only listed domains: list the tests' own. */
	fprintf(f, "# written by the unit tests\nstate_dir = %s\ntest_mode = yes\nhash_size = 1031\n%s\n%s\n",
		env->state,
		extra && strstr(extra, "login_domains") ? "" :
		"login_domains = example.com x.com y.com a.com b.com partner.com",
		extra ? extra : "");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(env->conf, 0644), 0);
	gr_err_clear(&err);
	tu_assert_ok(gr_config_load(&env->cfg, env->conf, false, &err), &err);
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_teardown(struct tu_env *env)
{
	if (env->dir[0])
		nftw(env->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	env->dir[0] = '\0';
}

struct gr_store *tu_open(struct tu_env *env)
{
	struct gr_store *st = NULL;
	struct gr_err err;

	gr_err_clear(&err);
	tu_assert_ok(gr_store_open(&env->cfg, GR_STORE_WRITE | GR_STORE_CREATE, &st, &err), &err);
	return st;
}

static const struct {
	const char *name;
	uint32_t gid;
} fake_groups[] = {
	{ "root", 0 }, { "adm", 4 }, { "sudo", 27 }, { "docker", 999 },
	{ "ops", 5000 }, { "legacy", 200005 },
};

static int fake_by_name(const char *name, uint32_t *gid)
{
	size_t i;

	for (i = 0; i < sizeof(fake_groups) / sizeof(fake_groups[0]); i++) {
		if (!strcmp(fake_groups[i].name, name)) {
			*gid = fake_groups[i].gid;
			return 1;
		}
	}
	return 0;
}

static int fake_by_gid(uint32_t gid, char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(fake_groups) / sizeof(fake_groups[0]); i++) {
		if (fake_groups[i].gid == gid) {
			snprintf(name, len, "%s", fake_groups[i].name);
			return 1;
		}
	}
	return 0;
}

static const struct gr_host_groups fake = { fake_by_name, fake_by_gid };

void tu_fake_host_groups(void)
{
	gr_roles_set_host_groups(&fake);
}

void tu_host_groups_reset(void)
{
	gr_roles_set_host_groups(NULL);
}

int tu_fx_setup(void **state)
{
	struct tu_fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	tu_fake_host_groups();
	tu_setup(&fx->env, "gid_min = 300000\ngid_max = 310000\n");
	fx->st = tu_open(&fx->env);
	*state = fx;
	return 0;
}

int tu_fx_teardown(void **state)
{
	struct tu_fx *fx = *state;

	gr_store_close(fx->st);
	tu_teardown(&fx->env);
	tu_host_groups_reset();
	free(fx);
	return 0;
}

json_t *tu_user(const char *id, const char *user_name, bool active)
{
	return json_pack("{s:[s],s:s,s:s,s:b}", "schemas",
			 "urn:ietf:params:scim:schemas:core:2.0:User", "id", id, "userName",
			 user_name, "active", active);
}

json_t *tu_group(const char *id, const char *name, const char *const *members, size_t n)
{
	json_t *g = json_pack("{s:[s],s:s,s:s,s:[]}", "schemas",
			      "urn:ietf:params:scim:schemas:core:2.0:Group", "id", id,
			      "displayName", name, "members");
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(json_object_get(g, "members"),
				      json_pack("{s:s}", "value", members[i]));
	return g;
}

void tu_commit(struct gr_store *st)
{
	struct gr_err err;

	gr_err_clear(&err);
	tu_assert_ok(gr_store_commit(st, &err), &err);
}

uint32_t tu_role(struct gr_store *st, const char *slug, int priority)
{
	struct gr_role role;
	struct gr_err err;

	memset(&role, 0, sizeof(role));
	snprintf(role.slug, sizeof(role.slug), "%s", slug);
	role.priority = priority;
	gr_err_clear(&err);
	tu_assert_ok(gr_role_create(st, &role, 0, &err), &err);
	return role.gid;
}

struct dump_ctx {
	char **lines;
	size_t n, cap;
	const char *skip;
};

static int dump_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct dump_ctx *d = p;
	char *line;

	if (d->skip && !strcmp(key, d->skip))
		return 0;
	/* The change journal is bookkeeping of each commit, as "meta" is (store.h). */
	if (!strncmp(key, "journal/", 8))
		return 0;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->lines = realloc(d->lines, d->cap * sizeof(*d->lines));
		assert_non_null(d->lines);
	}
	assert_true(asprintf(&line, "%s=%.*s\n", key, (int)len, (const char *)val) > 0);
	d->lines[d->n++] = line;
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *tu_dump(struct gr_store *st, const char *skip)
{
	struct dump_ctx d = { NULL, 0, 0, skip };
	struct gr_err err;
	size_t i, total = 1;
	char *out;

	gr_err_clear(&err);
	tu_assert_ok(gr_store_walk(st, "", dump_cb, &d, &err), &err);
	/* The walk's order is the hash's: sort for a stable comparison. */
	qsort(d.lines, d.n, sizeof(*d.lines), cmp_line);
	for (i = 0; i < d.n; i++)
		total += strlen(d.lines[i]);
	out = malloc(total);
	assert_non_null(out);
	out[0] = '\0';
	for (i = 0; i < d.n; i++) {
		strcat(out, d.lines[i]);
		free(d.lines[i]);
	}
	free(d.lines);
	return out;
}

void tu_peer_start(struct tu_peer *p, struct gr_config *cfg,
		   void (*fn)(struct gr_config *cfg, int in, int out))
{
	int to_child[2], from_child[2];

	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(from_child), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		close(to_child[1]);
		close(from_child[0]);
		fn(cfg, to_child[0], from_child[1]);
		_exit(0);
	}
	close(to_child[0]);
	close(from_child[1]);
	p->to = to_child[1];
	p->from = from_child[0];
}

void tu_peer_stop(struct tu_peer *p)
{
	int status;

	assert_int_equal(write(p->to, "q", 1), 1);
	assert_int_equal(waitpid(p->pid, &status, 0), p->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(p->to);
	close(p->from);
}

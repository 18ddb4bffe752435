/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/config.h"
#include "store/import.h"
#include "publish/loginsnap.h"
#include "publish/publish.h"
#include "pam_fixture.h"
#include "store/records.h"
#include "store/roles.h"
#include "store/store.h"

int pf_write_conf(const char *path, const char *state_dir, const char *extra)
{
	FILE *f;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	fprintf(f, "# written by the PAM tests\nstate_dir = %s\ntest_mode = yes\n%s%s%s",
		state_dir, extra && strstr(extra, "login_domains") ? "" :
		"login_domains = example.com\n", extra ? extra : "", extra && extra[0] ? "\n" : "");
	return fclose(f) == 0 ? 0 : -EIO;
}

static int open_conf(const char *conf, struct gr_config *cfg, unsigned flags,
		     struct gr_store **st, struct gr_err *err)
{
	int r = gr_config_load(cfg, conf, false, err);

	return r < 0 ? r : gr_store_open(cfg, flags, st, err);
}

static json_t *user(const char *id, const char *name, int active)
{
	return json_pack("{s:s,s:s,s:b}", "id", id, "userName", name, "active", active);
}

static json_t *group(const char *id, const char *name, const char *m1, const char *m2)
{
	json_t *g = json_pack("{s:s,s:s,s:[]}", "id", id, "displayName", name, "members");
	json_t *members = json_object_get(g, "members");

	if (m1)
		json_array_append_new(members, json_pack("{s:s}", "value", m1));
	if (m2)
		json_array_append_new(members, json_pack("{s:s}", "value", m2));
	return g;
}

static int map_role(struct gr_store *st, const char *org, const char *gid, const char *slug,
		    int add, struct gr_err *err)
{
	const char *slugs[1] = { slug };

	return gr_group_roles_change(st, org, "okta", gid, slugs, 1, add, err);
}

int pf_build_small(const char *conf, struct gr_err *err)
{
	static const char *const roles[] = { "admin", "auditor", "dev", "ops", "unused" };
	/* Distinct priorities, so "multiple roles off" has one right answer. */
	static const int priorities[] = { 10, 5, 20, 1, 0 };
	struct gr_config cfg;
	struct gr_store *st = NULL;
	struct gr_ref erin;
	json_t *users = NULL, *groups = NULL;
	size_t i;
	int r;

	r = open_conf(conf, &cfg, GR_STORE_CREATE | GR_STORE_WRITE, &st, err);
	if (r < 0)
		return r;
	r = gr_store_begin(st, err);
	if (r == 0)
		r = gr_dir_create(st, "okta", err);
	for (i = 0; r == 0 && i < sizeof(roles) / sizeof(roles[0]); i++) {
		struct gr_role role;

		memset(&role, 0, sizeof(role));
		snprintf(role.slug, sizeof(role.slug), "%s", roles[i]);
		role.priority = priorities[i];
		r = gr_role_create(st, &role, 0, err);
	}
	if (r == 0)
		r = gr_store_commit(st, err);
	if (r < 0)
		goto out;

	users = json_pack("[o,o,o,o,o]", user("u1", "alice@example.com", 1),
			  user("u2", "bob@example.com", 1), user("u3", "carol@example.com", 0),
			  user("u4", "dave@example.com", 1), user("u5", "erin@example.com", 1));
	groups = json_pack("[o,o,o]", group("g1", "Engineering", "u1", "u3"),
			   group("g2", "Staff", "u1", "u2"), group("g3", "Platform", "u5", NULL));
	if (!users || !groups) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	r = gr_import_directory(st, "okta", users, groups, true, NULL, NULL, err);
	if (r < 0)
		goto out;

	r = gr_store_begin(st, err);
	if (r == 0)
		r = map_role(st, NULL, "g1", "admin", 1, err);
	if (r == 0)
		r = map_role(st, NULL, "g2", "dev", 1, err);
	if (r == 0)
		r = gr_org_create(st, "acme", err);
	if (r == 0)
		r = gr_org_connection(st, "acme", "okta", true, true, err);
	if (r == 0)
		r = gr_user_find(st, "okta", "erin", &erin, err);
	if (r == 0)
		r = gr_org_member(st, "acme", &erin, true, err);
	if (r == 0)
		r = map_role(st, "acme", "g3", "ops", 1, err);
	if (r == 0)
		r = gr_assign_add(st, &erin, "auditor", "host:web1", PF_EXPIRY, err);
	if (r == 0)
		r = gr_store_commit(st, err);
	/* The PAM module decides from what is published, as after grouprolectl. */
	if (r == 0)
		r = gr_publish(st, NULL, err);
out:
	json_decref(users);
	json_decref(groups);
	gr_store_close(st);
	return r;
}

int pf_set_active(const char *conf, const char *id, int active, struct gr_err *err)
{
	struct gr_config cfg;
	struct gr_store *st = NULL;
	json_t *users = NULL, *groups = NULL, *u;
	size_t i;
	int r;

	r = open_conf(conf, &cfg, GR_STORE_WRITE, &st, err);
	if (r == 0)
		r = gr_store_read_lock(st, err);
	if (r == 0)
		r = gr_export_directory(st, "okta", &users, &groups, err);
	if (st)
		gr_store_read_unlock(st);
	if (r < 0)
		goto out;
	json_array_foreach(users, i, u)
		if (!strcmp(json_string_value(json_object_get(u, "id")), id))
			json_object_set_new(u, "active", json_boolean(active));
	r = gr_import_directory(st, "okta", users, groups, true, NULL, NULL, err);
	if (r == 0)
		r = gr_publish(st, NULL, err);
out:
	json_decref(users);
	json_decref(groups);
	gr_store_close(st);
	return r;
}

int pf_group_role(const char *conf, const char *group_name, const char *slug, int add,
		  struct gr_err *err)
{
	struct gr_config cfg;
	struct gr_store *st = NULL;
	struct gr_ref g;
	int r;

	r = open_conf(conf, &cfg, GR_STORE_WRITE, &st, err);
	if (r == 0)
		r = gr_store_begin(st, err);
	if (r == 0)
		r = gr_group_find(st, "okta", group_name, &g, err);
	if (r == 0)
		r = map_role(st, NULL, g.id, slug, add, err);
	if (r == 0)
		r = gr_store_commit(st, err);
	if (r == 0)
		r = gr_publish(st, NULL, err);
	gr_store_close(st);
	return r;
}

int pf_copy_file(const char *src, const char *dst, unsigned mode)
{
	char buf[65536];
	ssize_t n;
	int in, out, r = 0;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			r = -EIO;
			break;
		}
	if (n < 0)
		r = -errno;
	if (r == 0 && fchmod(out, (mode_t)mode) < 0)
		r = -errno;
	close(in);
	if (close(out) < 0 && r == 0)
		r = -errno;
	return r;
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

void pf_rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int pf_write_login(const char *conf, const struct pf_login *users, size_t n,
		   struct gr_err *err)
{
	struct gr_config cfg;
	struct gr_login_writer *w = NULL;
	size_t i, j, k;
	int r;

	r = gr_config_load(&cfg, conf, false, err);
	if (r == 0)
		r = gr_login_writer_open(&cfg, n, &w, err);
	for (i = 0; r == 0 && i < n; i++) {
		const struct pf_login *u = &users[i];
		struct gr_in_group groups[4];
		struct gr_resolved_role roles[4];
		struct gr_resolve_input in;
		struct gr_resolution res;

		memset(&in, 0, sizeof(in));
		memset(&res, 0, sizeof(res));
		memset(groups, 0, sizeof(groups));
		memset(roles, 0, sizeof(roles));
		in.known = true;
		in.active = !u->inactive;
		for (j = 0; j < 4 && u->groups[j]; j++)
			groups[j].name = u->groups[j];
		in.groups = groups;
		in.n_groups = j;
		res.inactive = u->inactive;
		for (j = 0; j < 4 && u->roles[j].slug; j++) {
			roles[j].slug = u->roles[j].slug;
			for (k = 0; k < 4 && u->roles[j].prov[k].detail; k++) {
				struct gr_provenance *p = &roles[j].prov[k];

				p->kind = (enum gr_source)u->roles[j].prov[k].kind;
				p->detail = u->roles[j].prov[k].detail;
				p->context = u->roles[j].prov[k].context;
				p->expires = u->roles[j].prov[k].expires;
			}
			roles[j].n_prov = k;
		}
		res.roles = roles;
		res.n_roles = j;
		r = gr_login_writer_add(w, NULL, u->login, "okta", u->login, &in, &res);
		if (r < 0)
			gr_err_set(err, r, "cannot add %s", u->login);
	}
	if (r == 0)
		r = gr_login_writer_finish(w, 1, err);
	if (r == 0) {
		r = gr_login_writer_install(w, NULL, NULL, err);
		w = NULL;
	}
	gr_login_writer_abort(w);
	return r;
}

/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "resolve/facts.h"
#include "publish/publish.h"
#include "core/names.h"
#include "core/safefile.h"
#include "publish/loginsnap.h"
#include "store/records.h"
#include "publish/snapshot.h"

struct login_entry {
	char *login;
	char *ref; /* "DIR/UID", split in place */
	uint32_t *gids;
	uint32_t n_gids;
};

struct member_list {
	const char **logins;
	uint32_t n, cap;
};

struct pub {
	struct login_entry *users;
	size_t n_users, cap_users;
	struct member_list *members; /* one per role in the context, same order */
	const struct gr_role *roles;
	size_t n_roles;
	int64_t next_expiry;
	struct gr_login_writer *login; /* login.tdb for the PAM module */
};

static int collect_login(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	struct pub *p = ctx;
	struct login_entry *e;

	if (p->n_users == p->cap_users) {
		size_t ncap = p->cap_users ? p->cap_users * 2 : 1024;
		struct login_entry *nu = realloc(p->users, ncap * sizeof(*nu));

		if (!nu)
			return -ENOMEM;
		p->users = nu;
		p->cap_users = ncap;
	}
	e = &p->users[p->n_users];
	memset(e, 0, sizeof(*e));
	e->login = strdup(key + strlen("login/"));
	e->ref = strndup((const char *)val, len);
	if (!e->login || !e->ref) {
		free(e->login);
		free(e->ref);
		return -ENOMEM;
	}
	p->n_users++;
	return 0;
}

static void pub_free(struct pub *p)
{
	size_t i;

	for (i = 0; i < p->n_users; i++) {
		free(p->users[i].login);
		free(p->users[i].ref);
		free(p->users[i].gids);
	}
	free(p->users);
	if (p->members)
		for (i = 0; i < p->n_roles; i++)
			free(p->members[i].logins);
	free(p->members);
	gr_login_writer_abort(p->login);
}

static int add_member(struct member_list *m, const char *login)
{
	if (m->n == m->cap) {
		uint32_t ncap = m->cap ? m->cap * 2 : 16;
		const char **nl = realloc(m->logins, ncap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		m->logins = nl;
		m->cap = ncap;
	}
	m->logins[m->n++] = login;
	return 0;
}

/* Resolve every user with a login; fills gids and member lists. */
static int resolve_all(struct gr_store *st, struct gr_context *ctx, struct pub *p,
		       const struct gr_login_rules *lr, struct gr_publish_stats *stats,
		       struct gr_err *err)
{
	size_t i, j;
	int r;

	r = gr_store_walk(st, "login/", collect_login, p, err);
	if (r == -ENOMEM)
		return gr_err_set(err, r, "out of memory");
	if (r < 0)
		return r;
	r = gr_login_writer_open(gr_store_config(st), p->n_users, &p->login, err);
	if (r < 0)
		return r;
	for (i = 0; i < p->n_users; i++) {
		struct login_entry *e = &p->users[i];
		struct gr_resolution res;
		struct gr_facts *f = NULL;
		char *slash = strchr(e->ref, '/');

		if (!slash)
			continue;
		/*
		 * A package may have created this account since the import:
		 * a system account never gets a directory user's roles.
		 */
		if (gr_login_rules_is_system(lr, e->login))
			continue;
		*slash = '\0';
		r = gr_facts_load(st, ctx, e->ref, slash + 1, &f, err);
		if (r < 0)
			return r;
		r = gr_resolve(gr_facts_input(f), &res);
		if (r < 0) {
			gr_facts_free(f);
			return gr_err_set(err, r, "out of memory");
		}
		stats->users++;
		r = gr_login_writer_add(p->login, ctx, e->login, e->ref, slash + 1,
					gr_facts_input(f), &res);
		if (r < 0) {
			gr_resolution_free(&res);
			gr_facts_free(f);
			return gr_err_set(err, r, "cannot write login snapshot: %s", gr_strerror(r));
		}
		if (res.n_roles) {
			e->gids = calloc(res.n_roles, sizeof(*e->gids));
			if (!e->gids)
				r = -ENOMEM;
			stats->users_with_roles++;
		}
		for (j = 0; r == 0 && j < res.n_roles; j++) {
			long idx = gr_context_role_index(ctx, res.roles[j].slug);

			if (idx < 0)
				continue;
			e->gids[e->n_gids++] = p->roles[idx].gid;
			stats->memberships++;
			if (!p->roles[idx].bound)
				r = add_member(&p->members[idx], e->login);
		}
		if (res.next_expiry && (!p->next_expiry || res.next_expiry < p->next_expiry))
			p->next_expiry = res.next_expiry;
		gr_resolution_free(&res);
		gr_facts_free(f);
		if (r < 0)
			return gr_err_set(err, r, "out of memory");
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int write_groups(struct gr_snap_writer *w, struct pub *p, size_t *written)
{
	size_t i;
	int r;

	*written = 0;
	for (i = 0; i < p->n_roles; i++) {
		const struct gr_role *role = &p->roles[i];
		struct member_list *m = &p->members[i];

		if (role->bound)
			continue;
		if (m->n > 1)
			qsort(m->logins, m->n, sizeof(*m->logins), cmp_str);
		r = gr_snap_writer_add_group(w, role->unix_group, role->gid, m->logins, m->n);
		if (r < 0)
			return r;
		(*written)++;
	}
	return 0;
}

static int write_users(struct gr_snap_writer *w, struct pub *p)
{
	size_t i;
	int r;

	for (i = 0; i < p->n_users; i++) {
		struct login_entry *e = &p->users[i];

		if (!e->n_gids)
			continue;
		r = gr_snap_writer_add_user(w, e->login, e->gids, e->n_gids);
		if (r < 0)
			return r;
	}
	return 0;
}

static int write_snapshot(const struct gr_config *cfg, struct pub *p,
			  struct gr_publish_stats *stats, struct gr_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct gr_snap_writer *w = NULL;
	struct stat sb;
	size_t n_groups = 0;
	int fd = -1, r;

	if (gr_config_state_path(cfg, GR_SNAP_FILE, path, sizeof(path)) < 0 ||
	    gr_config_state_path(cfg, ".nss.tdb.XXXXXX", tmp, sizeof(tmp)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return gr_err_set(err, -errno, "cannot create %s: %s", tmp, strerror(errno));
	r = gr_snap_writer_open(tmp, p->n_roles, stats->users_with_roles, &w);
	if (r < 0) {
		r = gr_err_set(err, -GR_E_IO, "cannot create snapshot %s: %s", tmp,
			       gr_strerror(r));
		goto fail;
	}
	r = write_groups(w, p, &n_groups);
	if (r == 0)
		r = write_users(w, p);
	if (r < 0) {
		gr_snap_writer_abort(w);
		r = gr_err_set(err, r == -ENOMEM ? r : -GR_E_IO, "cannot write snapshot: %s",
			       gr_strerror(r));
		goto fail;
	}
	/* Writes the header, syncs and closes, and frees W whatever happens. */
	r = gr_snap_writer_finish(w, stats->generation, p->next_expiry);
	if (r < 0) {
		r = gr_err_set(err, r == -ENOMEM ? r : -GR_E_IO, "cannot write snapshot: %s",
			       gr_strerror(r));
		goto fail;
	}
	if (fchmod(fd, 0644) < 0 || fstat(fd, &sb) < 0) {
		r = gr_err_set(err, -errno, "cannot set snapshot mode: %s", strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = gr_err_set(err, -errno, "cannot install %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	/*
	 * The rename is durable once the directory is.  If that sync fails the
	 * new snapshot is nonetheless in place and correct for every reader;
	 * reporting the publish as failed would be false, so it is a warning.
	 */
	stats->dir_sync_error = gr_fsync_parent(path);
	stats->groups = n_groups;
	stats->bytes = (uint64_t)sb.st_size;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

/*
 * Temporary names the publisher writes snapshots under: "." + the
 * snapshot's file name + "." + mkostemp's six characters.  One entry per
 * snapshot file it builds.
 */
static const char *const snapshot_files[] = { GR_SNAP_FILE, "login.tdb" };

static bool is_publish_temp(const char *name)
{
	size_t i, n;

	if (name[0] != '.')
		return false;
	for (i = 0; i < sizeof(snapshot_files) / sizeof(snapshot_files[0]); i++) {
		n = strlen(snapshot_files[i]);
		if (!strncmp(name + 1, snapshot_files[i], n) && name[1 + n] == '.' &&
		    strlen(name + 2 + n) == 6)
			return true;
	}
	return false;
}

/* Remove every temporary snapshot file; the caller holds publish.lock. */
static int remove_temp_files(const struct gr_config *cfg, struct gr_sweep *out,
			     struct gr_err *err)
{
	DIR *d;
	struct dirent *e;
	int dfd, r = 0;

	dfd = open(cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return gr_err_set(err, -errno, "cannot read %s: %s", cfg->state_dir,
				  strerror(errno));
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	while ((e = readdir(d))) {
		if (!is_publish_temp(e->d_name))
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0 || errno == ENOENT) {
			out->removed++;
			continue;
		}
		if (!out->left++) {
			snprintf(out->first_left, sizeof(out->first_left), "%s", e->d_name);
			r = gr_err_set(err, -errno, "cannot remove %s/%s: %s", cfg->state_dir,
				       e->d_name, strerror(errno));
		}
	}
	closedir(d);
	return r;
}

static int open_publish_lock(const struct gr_config *cfg, int how, struct gr_err *err)
{
	char lockpath[PATH_MAX];
	int fd;

	if (gr_config_state_path(cfg, "publish.lock", lockpath, sizeof(lockpath)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return gr_err_set(err, -errno, "cannot open %s: %s", lockpath, strerror(errno));
	if (flock(fd, how) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return -EWOULDBLOCK;
		return gr_err_set(err, -GR_E_LOCK, "cannot lock %s: %s", lockpath, strerror(e));
	}
	return fd;
}

int gr_publish_sweep(const struct gr_config *cfg, struct gr_sweep *out, struct gr_err *err)
{
	int fd, r;

	memset(out, 0, sizeof(*out));
	fd = open_publish_lock(cfg, LOCK_EX | LOCK_NB, err);
	if (fd == -EWOULDBLOCK) {
		out->busy = true;
		return 0;
	}
	if (fd < 0)
		return fd;
	r = remove_temp_files(cfg, out, err);
	close(fd);
	return r;
}

int gr_publish_lag(struct gr_store *st, uint64_t *snap_gen, uint64_t *store_gen,
		   struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(st);
	char path[PATH_MAX];
	struct gr_snap *snap = NULL;
	int r;

	*snap_gen = 0;
	r = gr_store_generation(st, store_gen, err);
	if (r < 0)
		return r;
	if (gr_config_state_path(cfg, GR_SNAP_FILE, path, sizeof(path)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	r = gr_snap_open(path, cfg->test_mode, &snap);
	if (r < 0)
		return r == -ENOENT ? 1 : r;
	*snap_gen = gr_snap_header(snap)->generation;
	gr_snap_close(snap);
	return *snap_gen != *store_gen;
}

int gr_publish(struct gr_store *st, struct gr_publish_stats *stats, struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(st);
	struct gr_publish_stats local;
	struct gr_context *ctx = NULL;
	struct gr_login_rules lr = { 0 };
	struct pub p;
	int lockfd = -1, r;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	memset(&p, 0, sizeof(p));
	if (gr_store_in_transaction(st))
		return gr_err_set(err, -EINVAL, "publish inside a transaction");
	lockfd = open_publish_lock(cfg, LOCK_EX, err);
	if (lockfd < 0)
		return lockfd;
	/*
	 * Publishers hold this lock while their temporary file exists, so any
	 * temporary file seen now belongs to one that died (kill -9, a crash):
	 * remove them.  One that cannot be removed is no reason not to publish;
	 * `check` reports it.
	 */
	{
		struct gr_sweep sw = { 0 };

		(void)remove_temp_files(cfg, &sw, NULL);
	}

	/* The host's system accounts, listed once (outside the read lock). */
	r = gr_login_rules_load(cfg, &lr, err);
	if (r < 0)
		goto out;
	r = gr_store_read_lock(st, err);
	if (r < 0)
		goto out;
	r = gr_store_generation(st, &stats->generation, err);
	if (r == 0)
		r = gr_context_load(st, &ctx, err);
	if (r == 0)
		r = gr_context_preload(st, ctx, err);
	if (r == 0) {
		p.roles = gr_context_roles(ctx, &p.n_roles);
		p.members = calloc(p.n_roles ? p.n_roles : 1, sizeof(*p.members));
		r = p.members ? resolve_all(st, ctx, &p, &lr, stats, err)
			      : gr_err_set(err, -ENOMEM, "out of memory");
	}
	gr_store_read_unlock(st);
	if (r < 0)
		goto out;
	stats->next_expiry = p.next_expiry;
	/* login.tdb is written and synced first: after nss.tdb only renames remain. */
	r = gr_login_writer_finish(p.login, stats->generation, err);
	if (r == 0)
		r = write_snapshot(cfg, &p, stats, err);
	if (r == 0) {
		r = gr_login_writer_install(p.login, NULL, err);
		p.login = NULL;
	}
out:
	gr_login_rules_free(&lr);
	pub_free(&p);
	gr_context_free(ctx);
	if (lockfd >= 0)
		close(lockfd);
	return r;
}

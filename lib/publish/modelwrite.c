/* SPDX-License-Identifier: MIT */
/*
 * Writing nss.tdb and login.tdb from the publisher's model: whole, or as a
 * patch of the files this model wrote last.
 *
 * A whole write encodes every record of both files.  A patch copies the two
 * installed files (copy_file_range) and stores only the records that
 * differ: the entries of the logins the model changed since (model.c marks
 * them), the role groups whose members changed and the enumeration chunks
 * holding them, and the headers.  The result holds exactly the records a
 * whole write would (tests/unit/test_publish_model.c compares them after
 * every step); only where libtdb placed them in the file differs.  It is
 * then synced and renamed into place like a new file: readers see nothing
 * else.  Whatever cannot be patched -- the files are not the ones this
 * model wrote, the roles or the host context changed (a full rebuild),
 * users = yes, most logins changed, the files have grown well past what
 * the last whole write made -- is written whole, as is any patch that fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/safefile.h"
#include "core/tdbfile.h"
#include "publish/loginsnap.h"
#include "publish/model.h"
#include "publish/model_priv.h"
#include "publish/pwsnap.h"
#include "publish/snapshot.h"

struct member_list {
	const char **logins;
	uint32_t n, cap;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int add_member(struct member_list *l, const char *login)
{
	if (l->n == l->cap) {
		uint32_t ncap = l->cap ? l->cap * 2 : 16;
		const char **nl = realloc(l->logins, ncap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		l->logins = nl;
		l->cap = ncap;
	}
	l->logins[l->n++] = login;
	return 0;
}

/*
 * What the whole model adds up to: each role's members (in walk order), the
 * users with roles, the memberships and the earliest expiry.  A whole write
 * sums it while it writes login.tdb; a patch, which writes few entries,
 * walks for it alone (by login, so the member lists come out sorted).
 */
struct tally {
	const struct gr_role *roles;
	struct member_list *members; /* one per role */
	size_t users_with_roles, memberships;
	int64_t next_expiry;
	int r;
};

static void tally_entry(struct tally *t, const struct pub_entry *e)
{
	uint32_t i;

	if (e->n_roles)
		t->users_with_roles++;
	for (i = 0; t->r == 0 && i < e->n_roles; i++) {
		t->memberships++;
		if (!t->roles[e->roles[i]].bound)
			t->r = add_member(&t->members[e->roles[i]], e->login);
	}
	if (e->next_expiry && (!t->next_expiry || e->next_expiry < t->next_expiry))
		t->next_expiry = e->next_expiry;
}

static void tally(const void *node, VISIT which, void *closure)
{
	struct tally *t = closure;

	if ((which == postorder || which == leaf) && t->r == 0)
		tally_entry(t, *(const struct pub_entry *const *)node);
}

struct out {
	struct gr_pub_model *m;
	const struct gr_role *roles;
	size_t n_roles;
	struct tally t;
	struct gr_login_writer *login;
	struct gr_publish_stats *stats;
	size_t nss_bytes; /* estimated (struct sizes) */
	struct stat nss_installed, login_installed;
	int r;
};

/* Per entry: its login.tdb record, and the tally. */
static void gather(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct out *o = closure;

	if ((which != postorder && which != leaf) || o->r < 0 || o->t.r < 0)
		return;
	o->r = gr_login_writer_put(o->login, e->login, e->rec, e->rec_len, e->next_expiry);
	if (o->r == 0)
		tally_entry(&o->t, e);
}

/*
 * What the two files will hold, counted before writing them so that each
 * is grown once (gr_tdb_reserve) rather than a quarter at a time.  An
 * estimate: too little only means libtdb grows the file at the end, too
 * much leaves free space in it.  nss.tdb holds a role group's entry three
 * times ("N", "D" and its enumeration chunk), a member as its name, a NUL
 * and a length byte.
 */
struct sizes {
	const struct gr_role *roles;
	bool accounts;
	size_t login, nss;
};

static void estimate(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct sizes *z = closure;
	size_t len = strlen(e->login) + 1, i;

	if (which != postorder && which != leaf)
		return;
	z->login += GR_TDB_RECORD_OVERHEAD + 1 + len + e->rec_len;
	if (e->n_roles)
		z->nss += GR_TDB_RECORD_OVERHEAD + 1 + len + 4 * (size_t)e->n_roles;
	for (i = 0; i < e->n_roles; i++)
		if (!z->roles[e->roles[i]].bound)
			z->nss += 3 * (len + 1);
	if (z->accounts && e->has_account) {
		/* "P", "Q" and a chunk's copy of the entry; "K"; its private group's three. */
		size_t entry = sizeof(struct gr_snap_pw_hdr) + len +
			       (e->account.gecos ? strlen(e->account.gecos) : 0) +
			       (e->account.home ? strlen(e->account.home) : 0) +
			       (e->account.shell ? strlen(e->account.shell) : 0) + 3;

		z->nss += 3 * (GR_TDB_RECORD_OVERHEAD + entry) + GR_TDB_RECORD_OVERHEAD + len +
			  e->account.keys_len +
			  3 * (GR_TDB_RECORD_OVERHEAD + sizeof(struct gr_snap_entry_hdr) + len);
	}
}

struct users_out {
	const struct gr_role *roles;
	struct gr_snap_writer *w;
	int r;
};

static void write_user(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct users_out *u = closure;
	uint32_t gids[GR_LOGIN_MAX_ROLES], i;

	if ((which != postorder && which != leaf) || u->r < 0 || !e->n_roles)
		return;
	for (i = 0; i < e->n_roles && i < GR_LOGIN_MAX_ROLES; i++)
		gids[i] = u->roles[e->roles[i]].gid;
	u->r = gr_snap_writer_add_user(u->w, e->login, gids, i);
}

struct accounts_out {
	struct gr_pub_model *m;
	const struct gr_config *cfg;
	struct gr_snap_writer *w;
	struct gr_publish_stats *stats;
	int r;
};

/*
 * Users = yes: E's passwd entry, its private group and (active users only)
 * its keys -- unless a local account has the login: the local account wins,
 * and gets neither the entry nor the keys.
 */
static void write_account(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct accounts_out *a = closure;
	struct gr_snap_account_in in;

	if ((which != postorder && which != leaf) || a->r < 0 || !e->has_account)
		return;
	if (gr_local_accounts_shadow(&a->m->local, e->login)) {
		if (!a->stats->shadowed++)
			snprintf(a->stats->first_shadowed, sizeof(a->stats->first_shadowed), "%s",
				 e->login);
		return;
	}
	/* A role group with the same name keeps it; the uid's number still names the group. */
	if (!a->cfg->users_gid) {
		a->r = gr_snap_writer_add_group(a->w, e->login, e->account.uid, NULL, 0);
		if (a->r == -EEXIST)
			a->r = 0;
	}
	in.name = e->login;
	in.uid = e->account.uid;
	in.gid = e->account.gid;
	in.gecos = e->account.gecos;
	in.dir = e->account.home;
	in.shell = e->account.shell;
	if (a->r == 0)
		a->r = gr_snap_writer_add_account(a->w, &in);
	if (a->r == 0 && e->active && e->account.keys)
		a->r = gr_snap_writer_add_keys(a->w, e->login, e->account.keys,
					       e->account.keys_len);
	if (a->r == 0)
		a->stats->accounts++;
}

/*
 * nss.tdb, finished in TMP (open as FD): mode 0644 and rename into place.
 * The rename is durable once the directory is: login.tdb's install, next,
 * syncs the directory both files are in, once for the two.
 */
static int install_nss(int fd, const char *tmp, const char *path, struct stat *sb,
		       struct gr_err *err)
{
	if (fchmod(fd, 0644) < 0)
		return gr_err_set(err, -errno, "cannot set snapshot mode: %s", strerror(errno));
	if (rename(tmp, path) < 0)
		return gr_err_set(err, -errno, "cannot install %s: %s", path, strerror(errno));
	if (fstat(fd, sb) < 0)
		memset(sb, 0, sizeof(*sb));
	return 0;
}

static int write_nss(const struct gr_config *cfg, struct out *o, struct gr_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct gr_snap_writer *w = NULL;
	struct users_out u = { o->roles, NULL, 0 };
	struct stat sb;
	size_t i, n_groups = 0;
	int fd = -1, r = 0;

	if (gr_config_state_path(cfg, GR_SNAP_FILE, path, sizeof(path)) < 0 ||
	    gr_config_state_path(cfg, ".nss.tdb.XXXXXX", tmp, sizeof(tmp)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return gr_err_set(err, -errno, "cannot create %s: %s", tmp, strerror(errno));
	o->stats->accounts = o->stats->shadowed = 0;
	if (cfg->users)
		r = gr_snap_writer_open_accounts(tmp, o->n_roles + o->m->n_entries,
						 o->stats->users_with_roles, o->m->n_entries, &w);
	else
		r = gr_snap_writer_open(tmp, o->n_roles, o->stats->users_with_roles, &w);
	if (r == 0 && (r = gr_snap_writer_reserve(w, o->nss_bytes)) < 0)
		gr_snap_writer_abort(w);
	if (r < 0) {
		r = gr_err_set(err, -GR_E_IO, "cannot create snapshot %s: %s", tmp, gr_strerror(r));
		goto fail;
	}
	for (i = 0; r == 0 && i < o->n_roles; i++) {
		struct member_list *l = &o->t.members[i];

		if (o->roles[i].bound)
			continue;
		if (l->n > 1)
			qsort(l->logins, l->n, sizeof(*l->logins), cmp_str);
		r = gr_snap_writer_add_group(w, o->roles[i].unix_group, o->roles[i].gid, l->logins,
					     l->n);
		n_groups++;
	}
	if (r == 0 && cfg->users) {
		struct accounts_out a = { o->m, cfg, w, o->stats, 0 };

		twalk_r(o->m->by_ref, write_account, &a);
		r = a.r;
	}
	if (r == 0) {
		u.w = w;
		twalk_r(o->m->by_ref, write_user, &u);
		r = u.r;
	}
	if (r < 0) {
		gr_snap_writer_abort(w);
		r = gr_err_set(err, r == -ENOMEM ? r : -GR_E_IO, "cannot write snapshot: %s",
			       gr_strerror(r));
		goto fail;
	}
	/* Writes the header, syncs and closes, and frees W whatever happens. */
	r = gr_snap_writer_finish(w, o->stats->generation, o->t.next_expiry);
	if (r < 0) {
		r = gr_err_set(err, r == -ENOMEM ? r : -GR_E_IO, "cannot write snapshot: %s",
			       gr_strerror(r));
		goto fail;
	}
	r = install_nss(fd, tmp, path, &sb, err);
	if (r < 0)
		goto fail;
	close(fd);
	o->stats->groups = n_groups;
	o->stats->bytes = (uint64_t)sb.st_size;
	o->nss_installed = sb;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

/* ---- what was written ---- */

/* Both files are installed: they are what the next patch starts from. */
static void remember(struct gr_pub_model *m, const struct gr_config *cfg, const struct stat *nss,
		     const struct stat *login, uint64_t generation, bool whole)
{
	struct gr_pub_written *w = &m->written;

	w->valid = nss->st_ino && login->st_ino;
	w->users = cfg->users;
	gr_file_stamp_of(nss, &w->nss);
	gr_file_stamp_of(login, &w->login);
	w->generation = generation;
	if (whole) {
		w->entries_at_full = m->n_entries;
		w->nss_bytes_at_full = (uint64_t)nss->st_size;
		w->login_bytes_at_full = (uint64_t)login->st_size;
		w->patches = 0;
		w->rewrite = false;
	} else {
		w->patches++;
	}
	gr_pub_model_marks_clear(m);
}

static int write_whole(struct gr_pub_model *m, const struct gr_config *cfg,
		       struct gr_publish_stats *stats, struct gr_err *err)
{
	struct out o = { .m = m, .stats = stats };
	struct sizes z = { 0 };
	size_t i;
	int r;

	stats->users = m->n_entries;
	o.roles = gr_context_roles(m->ctx, &o.n_roles);
	o.t.roles = o.roles;
	o.t.members = calloc(o.n_roles ? o.n_roles : 1, sizeof(*o.t.members));
	if (!o.t.members)
		return gr_err_set(err, -ENOMEM, "out of memory");
	z.roles = o.roles;
	z.accounts = cfg->users;
	twalk_r(m->by_ref, estimate, &z);
	for (i = 0; i < o.n_roles; i++)
		z.nss += 3 * (GR_TDB_RECORD_OVERHEAD + sizeof(struct gr_snap_entry_hdr) +
			      strlen(o.roles[i].unix_group) + 1);
	o.nss_bytes = z.nss;
	r = gr_login_writer_open(cfg, m->n_entries, &o.login, err);
	if (r == 0 && gr_login_writer_reserve(o.login, z.login) < 0)
		r = gr_err_set(err, -GR_E_IO, "cannot write login snapshot");
	if (r == 0) {
		twalk_r(m->by_ref, gather, &o);
		r = o.r < 0 ? o.r : o.t.r;
		if (r < 0)
			r = gr_err_set(err, r, "cannot write login snapshot: %s", gr_strerror(r));
	}
	stats->users_with_roles = o.t.users_with_roles;
	stats->memberships = o.t.memberships;
	stats->next_expiry = o.t.next_expiry;
	/* login.tdb is written and synced first: after nss.tdb only renames remain. */
	if (r == 0)
		r = gr_login_writer_finish(o.login, stats->generation, err);
	if (r == 0)
		r = write_nss(cfg, &o, err);
	if (r == 0) {
		/*
		 * Also makes nss.tdb's rename durable.  If that sync fails, both
		 * snapshots are nonetheless in place and correct for every
		 * reader; reporting the publish as failed would be false, so it
		 * is a warning (dir_sync_error).
		 */
		r = gr_login_writer_install(o.login, &stats->dir_sync_error, &o.login_installed,
					    err);
		o.login = NULL;
	}
	if (r == 0)
		remember(m, cfg, &o.nss_installed, &o.login_installed, stats->generation, true);
	gr_login_writer_abort(o.login);
	for (i = 0; i < o.n_roles; i++)
		free(o.t.members[i].logins);
	free(o.t.members);
	return r;
}

/* ---- the patch ---- */

struct patch {
	struct gr_pub_model *m;
	const struct gr_role *roles;
	size_t n_roles;
	struct tally t;
	struct gr_login_writer *login;
	struct gr_snap_writer *nss;
	bool mapped; /* open the copies mapped (PATCH_MAPPED) */
	int r;
};

/*
 * Records a patch reads or writes, past which its copies are opened mapped:
 * unmapped, every record read is a system call (several microseconds on a
 * virtual machine); mapped, the unmap and the sync cost a TLB shootdown on
 * every CPU, which is what dominates a small patch among many processes
 * (a fleet host).  Measured both ways in docs/performance.md.
 */
#define PATCH_MAPPED 64

/*
 * Free records past which the next write is whole.  A record that outgrows
 * its place (a user given a role) moves and leaves its old place on the
 * free list, and libtdb walks that list on every allocation and every free
 * -- one system call per entry in an unmapped copy.  Measured at 20,000
 * users: patches of 100 entries took up to 940 ms once the lists had grown,
 * against 10 ms for most.
 */
#define PATCH_MAX_FREE 256

/* state_dir/NAME opened for reading, if it is still the file this model installed as WANT. */
static int open_installed(const struct gr_config *cfg, const char *name,
			  const struct gr_file_stamp *want, struct stat *sb)
{
	struct gr_file_stamp now;
	char path[PATH_MAX];
	int fd;

	if (gr_config_state_path(cfg, name, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, sb) == 0)
		gr_file_stamp_of(sb, &now);
	else
		memset(&now, 0, sizeof(now));
	if (!now.set || !S_ISREG(sb->st_mode) || !gr_file_stamp_same(&now, want)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* For each login changed since the last write: its login.tdb entry, or its removal. */
static void patch_login_entry(const void *node, VISIT which, void *closure)
{
	const char *login = *(const char *const *)node;
	struct patch *p = closure;
	const struct pub_entry *e;

	if ((which != postorder && which != leaf) || p->r < 0)
		return;
	e = gr_pub_model_find_login(p->m, login);
	p->r = e ? gr_login_writer_put(p->login, login, e->rec, e->rec_len, e->next_expiry)
		 : gr_login_writer_remove(p->login, login);
}

/* ... and its gids in nss.tdb, or their removal. */
static void patch_nss_user(const void *node, VISIT which, void *closure)
{
	const char *login = *(const char *const *)node;
	struct patch *p = closure;
	const struct pub_entry *e;
	uint32_t gids[GR_LOGIN_MAX_ROLES], i;

	if ((which != postorder && which != leaf) || p->r < 0)
		return;
	e = gr_pub_model_find_login(p->m, login);
	if (!e || !e->n_roles) {
		p->r = gr_snap_writer_remove_user(p->nss, login);
		return;
	}
	for (i = 0; i < e->n_roles && i < GR_LOGIN_MAX_ROLES; i++)
		gids[i] = p->roles[e->roles[i]].gid;
	p->r = gr_snap_writer_add_user(p->nss, login, gids, i);
}

static int patch_nss(const struct gr_config *cfg, struct patch *p, struct gr_publish_stats *stats,
		     struct stat *installed, struct gr_err *err)
{
	struct gr_snap_header old;
	char path[PATH_MAX], tmp[PATH_MAX];
	struct stat sb;
	size_t i, n_groups = 0;
	int in, fd, r;

	if (gr_config_state_path(cfg, GR_SNAP_FILE, path, sizeof(path)) < 0 ||
	    gr_config_state_path(cfg, ".nss.tdb.XXXXXX", tmp, sizeof(tmp)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	in = open_installed(cfg, GR_SNAP_FILE, &p->m->written.nss, &sb);
	if (in < 0)
		return gr_err_set(err, in, "%s changed since it was written", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = gr_err_set(err, -errno, "cannot create %s: %s", tmp, strerror(errno));
		close(in);
		return r;
	}
	r = gr_copy_fd(in, fd, (uint64_t)sb.st_size);
	close(in);
	if (r < 0) {
		r = gr_err_set(err, r, "cannot copy %s: %s", path, gr_strerror(r));
		goto fail;
	}
	r = gr_snap_writer_open_copy(tmp, p->mapped, &old, &p->nss);
	if (r < 0) {
		r = gr_err_set(err, r, "cannot patch %s: %s", path, gr_strerror(r));
		goto fail;
	}
	for (i = 0; i < p->n_roles; i++)
		n_groups += !p->roles[i].bound;
	if (old.generation != p->m->written.generation || old.n_groups != n_groups) {
		gr_snap_writer_abort(p->nss);
		r = gr_err_set(err, -ESTALE, "%s is not the snapshot this publisher wrote", path);
		goto fail;
	}
	twalk_r(p->m->dirty, patch_nss_user, p);
	/* Every group again: those whose bytes did not change are compared, not written. */
	for (i = 0, r = p->r; r == 0 && i < p->n_roles; i++)
		if (!p->roles[i].bound)
			r = gr_snap_writer_add_group(p->nss, p->roles[i].unix_group, p->roles[i].gid,
						     p->t.members[i].logins, p->t.members[i].n);
	if (r < 0) {
		gr_snap_writer_abort(p->nss);
		r = gr_err_set(err, r == -ENOMEM ? r : -GR_E_IO, "cannot patch %s: %s", path,
			       gr_strerror(r));
		goto fail;
	}
	if (gr_snap_writer_free_records(p->nss) > PATCH_MAX_FREE)
		p->m->written.rewrite = true;
	gr_snap_writer_set_users(p->nss, (uint32_t)p->t.users_with_roles);
	r = gr_snap_writer_finish(p->nss, stats->generation, p->t.next_expiry);
	if (r < 0) {
		r = gr_err_set(err, r == -ENOMEM ? r : -GR_E_IO, "cannot write snapshot: %s",
			       gr_strerror(r));
		goto fail;
	}
	r = install_nss(fd, tmp, path, installed, err);
	if (r < 0)
		goto fail;
	close(fd);
	stats->groups = n_groups;
	stats->bytes = (uint64_t)installed->st_size;
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return r;
}

static int write_patch(struct gr_pub_model *m, const struct gr_config *cfg,
		       struct gr_publish_stats *stats, struct gr_err *err)
{
	struct patch p = { .m = m };
	struct stat sb, nss_installed, login_installed;
	uint64_t generation = 0;
	size_t i;
	int in, r;

	p.roles = gr_context_roles(m->ctx, &p.n_roles);
	/* Each changed login: an entry in each file; each role: its three records. */
	p.mapped = 2 * m->n_dirty + 3 * p.n_roles > PATCH_MAPPED;
	p.t.roles = p.roles;
	p.t.members = calloc(p.n_roles ? p.n_roles : 1, sizeof(*p.t.members));
	if (!p.t.members)
		return gr_err_set(err, -ENOMEM, "out of memory");
	twalk_r(m->by_login, tally, &p.t);
	r = p.t.r < 0 ? gr_err_set(err, p.t.r, "out of memory") : 0;
	stats->users = m->n_entries;
	stats->users_with_roles = p.t.users_with_roles;
	stats->memberships = p.t.memberships;
	stats->next_expiry = p.t.next_expiry;
	stats->accounts = stats->shadowed = 0;
	in = r < 0 ? r : open_installed(cfg, GR_LOGIN_FILE, &m->written.login, &sb);
	if (r == 0 && in < 0)
		r = gr_err_set(err, in, "%s changed since it was written", GR_LOGIN_FILE);
	if (r == 0) {
		r = gr_login_writer_open_copy(cfg, in, (uint64_t)sb.st_size, p.mapped, &generation,
					      &p.login, err);
		close(in);
	}
	if (r == 0 && generation != m->written.generation)
		r = gr_err_set(err, -ESTALE, "%s is not the snapshot this publisher wrote",
			       GR_LOGIN_FILE);
	if (r == 0) {
		twalk_r(m->dirty, patch_login_entry, &p);
		if (p.r < 0)
			r = gr_err_set(err, p.r, "cannot patch %s: %s", GR_LOGIN_FILE,
				       gr_strerror(p.r));
	}
	if (r == 0 && gr_login_writer_free_records(p.login) > PATCH_MAX_FREE)
		m->written.rewrite = true;
	if (r == 0) {
		gr_login_writer_set_totals(p.login, (uint32_t)m->n_entries, p.t.next_expiry);
		r = gr_login_writer_finish(p.login, stats->generation, err);
	}
	if (r == 0)
		r = patch_nss(cfg, &p, stats, &nss_installed, err);
	if (r == 0) {
		r = gr_login_writer_install(p.login, &stats->dir_sync_error, &login_installed, err);
		p.login = NULL;
	}
	gr_login_writer_abort(p.login);
	if (r == 0) {
		remember(m, cfg, &nss_installed, &login_installed, stats->generation, false);
		stats->patched = true;
	}
	for (i = 0; i < p.n_roles; i++)
		free(p.t.members[i].logins);
	free(p.t.members);
	return r;
}

/*
 * A patch is worth it while few logins changed, and the files it starts
 * from are not much larger than the last whole write made them: their hash
 * tables were sized for twice the records (so chains stay short), and
 * records that grew leave free space behind.
 */
static bool can_patch(const struct gr_pub_model *m, const struct gr_config *cfg)
{
	const struct gr_pub_written *w = &m->written;

	return w->valid && !w->rewrite && !m->dirty_all && !cfg->users && !w->users &&
	       m->n_dirty <= m->n_entries / 2 + 64 &&
	       m->n_entries <= 2 * w->entries_at_full + 1024 &&
	       (uint64_t)w->nss.size <= 2 * w->nss_bytes_at_full + (1u << 20) &&
	       (uint64_t)w->login.size <= 2 * w->login_bytes_at_full + (1u << 20);
}

void gr_pub_model_write_whole_next(struct gr_pub_model *m)
{
	m->written.valid = false;
}

int gr_pub_model_write(struct gr_pub_model *m, const struct gr_config *cfg,
		       struct gr_publish_stats *stats, struct gr_err *err)
{
	int r;

	if (!m->valid)
		return gr_err_set(err, -EINVAL, "the model was not updated");
	stats->patched = false;
	if (can_patch(m, cfg)) {
		r = write_patch(m, cfg, stats, err);
		if (r == 0)
			return 0;
		/* Whatever stopped the patch, a whole write says it again if it still holds. */
		gr_err_clear(err);
		stats->dir_sync_error = 0;
	}
	r = write_whole(m, cfg, stats, err);
	if (r < 0)
		m->written.valid = false;
	return r;
}

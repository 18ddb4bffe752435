/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tdb.h>

#include "core/names.h"
#include "core/safefile.h"
#include "core/tdbfile.h"
#include "publish/loginsnap.h"
#include "publish/snapshot.h"
#include "resolve/facts.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int gr_login_context(const struct gr_config *cfg, char *buf, size_t len)
{
	const char *res[GR_CONFIG_MAX_LIST];
	size_t o, i, n = cfg->n_resources < GR_CONFIG_MAX_LIST ? cfg->n_resources
								 : GR_CONFIG_MAX_LIST;
	int k;

	for (i = 0; i < n; i++)
		res[i] = cfg->resources[i];
	if (n > 1)
		qsort(res, n, sizeof(*res), cmp_str);
	k = snprintf(buf, len, "organization=%s\nresources=", cfg->organization);
	if (k < 0 || (size_t)k >= len)
		return -ENAMETOOLONG;
	o = (size_t)k;
	for (i = 0; i < n; i++) {
		k = snprintf(buf + o, len - o, "%s%s", i ? " " : "", res[i]);
		if (k < 0 || (size_t)k >= len - o)
			return -ENAMETOOLONG;
		o += (size_t)k;
	}
	k = snprintf(buf + o, len - o, "\n");
	if (k < 0 || (size_t)k >= len - o)
		return -ENAMETOOLONG;
	return (int)(o + (size_t)k);
}

/* ---- writer ---- */

/* A growing byte buffer for one encoded entry. */
struct enc {
	unsigned char *buf;
	size_t len, cap;
	int oom;
};

struct gr_login_writer {
	struct tdb_context *tdb;
	int fd;
	char tmp[PATH_MAX];
	char path[PATH_MAX];
	char context[GR_LOGIN_MAX_CONTEXT];
	size_t context_len;
	struct enc e; /* one encoded entry */
	uint32_t n_users;
	int64_t next_expiry;
	bool patch; /* a copy changed in place (gr_login_writer_open_copy) */
};

static void put_bytes(struct enc *w, const void *p, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t ncap = w->cap ? w->cap : 256;
		unsigned char *nb;

		while (ncap < w->len + n)
			ncap *= 2;
		nb = realloc(w->buf, ncap);
		if (!nb) {
			w->oom = 1;
			return;
		}
		w->buf = nb;
		w->cap = ncap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_u32(struct enc *w, uint32_t v)
{
	put_bytes(w, &v, sizeof(v));
}

static void put_str(struct enc *w, const char *s)
{
	put_bytes(w, s ? s : "", (s ? strlen(s) : 0) + 1);
}

/* libtdb wants a hash size near the record count (see docs/architecture.md). */
static int hash_size_for(size_t records)
{
	size_t n = records < 131 ? 131 : (records > 16000000 ? 16000000 : records);
	size_t d;

	for (;; n++) {
		for (d = 2; d * d <= n && n % d; d++)
			;
		if (d * d > n)
			return (int)n;
	}
}

/* The writer and its new temporary file, still without a database in it. */
static int start(const struct gr_config *cfg, struct gr_login_writer **out, struct gr_err *err)
{
	struct gr_login_writer *w;
	int r;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return gr_err_set(err, -ENOMEM, "out of memory");
	w->fd = -1;
	r = gr_login_context(cfg, w->context, sizeof(w->context));
	if (r < 0) {
		free(w);
		return gr_err_set(err, r, "host context too long for %s", GR_LOGIN_FILE);
	}
	w->context_len = (size_t)r;
	if (gr_config_state_path(cfg, GR_LOGIN_FILE, w->path, sizeof(w->path)) < 0 ||
	    gr_config_state_path(cfg, "." GR_LOGIN_FILE ".XXXXXX", w->tmp, sizeof(w->tmp)) < 0) {
		free(w);
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	}
	/* mkostemp creates the file 0600, which is what it stays. */
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		r = -errno;
		free(w);
		return gr_err_set(err, r, "cannot create %s: %s", w->tmp, strerror(-r));
	}
	*out = w;
	return 0;
}

int gr_login_writer_open(const struct gr_config *cfg, size_t users_hint,
			 struct gr_login_writer **out, struct gr_err *err)
{
	struct gr_login_writer *w;
	int r = start(cfg, &w, err);

	*out = NULL;
	if (r < 0)
		return r;
	/* Nobody else knows this file yet: no locking, no syncing per store. */
	errno = 0;
	/* Twice the entries: patches (modelwrite.c) add to the file until it doubles. */
	w->tdb = gr_tdb_open(w->tmp, hash_size_for(2 * users_hint + 1),
			     TDB_NOLOCK | TDB_NOSYNC | TDB_INCOMPATIBLE_HASH, O_RDWR | O_CREAT, 0600,
			     NULL);
	if (!w->tdb) {
		r = errno ? -errno : -GR_E_IO;
		gr_err_set(err, -GR_E_IO, "cannot create login snapshot %s: %s", w->tmp,
			   gr_strerror(r));
		gr_login_writer_abort(w);
		return -GR_E_IO;
	}
	*out = w;
	return 0;
}

int gr_login_writer_open_copy(const struct gr_config *cfg, int from, uint64_t size, bool mapped,
			      uint64_t *generation, struct gr_login_writer **out,
			      struct gr_err *err)
{
	unsigned char hk[1] = { GR_LOGIN_TAG_HEADER };
	TDB_DATA key = { hk, 1 }, h = { NULL, 0 };
	struct gr_login_header hdr;
	struct gr_login_writer *w;
	int r = start(cfg, &w, err);

	*out = NULL;
	if (r < 0)
		return r;
	w->patch = true;
	r = gr_copy_fd(from, w->fd, size);
	if (r < 0) {
		gr_err_set(err, r, "cannot copy %s: %s", GR_LOGIN_FILE, gr_strerror(r));
		gr_login_writer_abort(w);
		return r;
	}
	/* Mapped or not as nss.tdb's patch (gr_snap_writer_open_copy). */
	w->tdb = gr_tdb_open(w->tmp, 0,
			     TDB_NOLOCK | TDB_NOSYNC | TDB_INCOMPATIBLE_HASH | (mapped ? 0 : TDB_NOMMAP),
			     O_RDWR, 0600, NULL);
	if (w->tdb)
		h = tdb_fetch(w->tdb, key);
	if (h.dsize >= sizeof(hdr))
		memcpy(&hdr, h.dptr, sizeof(hdr));
	if (h.dsize < sizeof(hdr) || memcmp(hdr.magic, GR_LOGIN_MAGIC, sizeof(GR_LOGIN_MAGIC)) ||
	    hdr.version != GR_LOGIN_VERSION || hdr.context_len != w->context_len ||
	    h.dsize != sizeof(hdr) + w->context_len ||
	    memcmp(h.dptr + sizeof(hdr), w->context, w->context_len)) {
		free(h.dptr);
		gr_login_writer_abort(w);
		return gr_err_set(err, -GR_E_CORRUPT, "%s is not a login snapshot to patch",
				  GR_LOGIN_FILE);
	}
	free(h.dptr);
	*generation = hdr.generation;
	*out = w;
	return 0;
}

int gr_login_writer_remove(struct gr_login_writer *w, const char *login)
{
	unsigned char k[256];
	TDB_DATA key = { k, gr_snap_key(k, sizeof(k), GR_LOGIN_TAG_USER, login, strlen(login)) };

	if (!w->patch || !key.dsize)
		return -EINVAL;
	return gr_tdb_delete_present(w->tdb, key) < 0 ? -GR_E_IO : 0;
}

int gr_login_writer_free_records(struct gr_login_writer *w)
{
	return tdb_freelist_size(w->tdb);
}

void gr_login_writer_set_totals(struct gr_login_writer *w, uint32_t n_users, int64_t next_expiry)
{
	w->n_users = n_users;
	w->next_expiry = next_expiry;
}

int gr_login_writer_reserve(struct gr_login_writer *w, size_t bytes)
{
	return gr_tdb_reserve(w->tdb, bytes) == -EIO ? -GR_E_IO : 0;
}

static int store(struct gr_login_writer *w, const unsigned char *k, size_t klen,
		 const void *v, size_t vlen)
{
	TDB_DATA key = { (unsigned char *)(uintptr_t)k, klen };
	TDB_DATA val = { (unsigned char *)(uintptr_t)v, vlen };

	if ((w->patch ? gr_tdb_store_changed(w->tdb, key, val)
		      : tdb_store(w->tdb, key, val, TDB_INSERT)) == 0)
		return 0;
	switch (tdb_error(w->tdb)) {
	case TDB_ERR_EXISTS: return -EEXIST;
	case TDB_ERR_OOM: return -ENOMEM;
	default: return -GR_E_IO;
	}
}

static const char *unix_group_of(const struct gr_context *ctx, const char *slug)
{
	const struct gr_role *roles;
	size_t n;
	long idx;

	if (!ctx)
		return "";
	idx = gr_context_role_index(ctx, slug);
	roles = gr_context_roles(ctx, &n);
	return idx >= 0 && (size_t)idx < n ? roles[idx].unix_group : "";
}

static int encode(struct enc *w, const struct gr_context *ctx, const char *dir, const char *id,
		  const struct gr_resolve_input *in, const struct gr_resolution *res)
{
	bool groups = res->inactive;
	size_t i, j;

	if (res->n_roles > GR_LOGIN_MAX_ROLES || in->n_groups > GR_LOGIN_MAX_GROUPS)
		return -E2BIG;
	w->len = 0;
	put_u32(w, res->inactive ? 0 : GR_LOGIN_ACTIVE);
	put_u32(w, (uint32_t)res->n_roles);
	put_u32(w, groups ? (uint32_t)in->n_groups : 0);
	put_str(w, dir);
	put_str(w, id);
	for (i = 0; i < res->n_roles; i++) {
		const struct gr_resolved_role *rr = &res->roles[i];

		put_u32(w, (uint32_t)rr->n_prov);
		put_str(w, rr->slug);
		put_str(w, unix_group_of(ctx, rr->slug));
		for (j = 0; j < rr->n_prov; j++) {
			const struct gr_provenance *p = &rr->prov[j];
			int64_t exp = p->kind == GR_SRC_ASSIGNMENT ? p->expires : 0;

			put_u32(w, (uint32_t)p->kind);
			put_bytes(w, &exp, sizeof(exp));
			put_str(w, p->detail);
			put_str(w, p->context);
		}
	}
	for (i = 0; groups && i < in->n_groups; i++)
		put_str(w, in->groups[i].name);
	return w->oom ? -ENOMEM : 0;
}

int gr_login_encode(const struct gr_context *ctx, const char *dir, const char *id,
		    const struct gr_resolve_input *in, const struct gr_resolution *res,
		    unsigned char **buf, size_t *len)
{
	struct enc e = { 0 };
	int r = encode(&e, ctx, dir, id, in, res);

	if (r < 0) {
		free(e.buf);
		return r;
	}
	*buf = e.buf;
	*len = e.len;
	return 0;
}

int gr_login_writer_put(struct gr_login_writer *w, const char *login, const unsigned char *buf,
			size_t len, int64_t next_expiry)
{
	unsigned char k[256];
	size_t klen = gr_snap_key(k, sizeof(k), GR_LOGIN_TAG_USER, login, strlen(login));
	int r;

	if (!login[0] || klen == 0)
		return -EINVAL;
	r = store(w, k, klen, buf, len);
	if (r < 0)
		return r;
	w->n_users++;
	if (next_expiry && (!w->next_expiry || next_expiry < w->next_expiry))
		w->next_expiry = next_expiry;
	return 0;
}

int gr_login_writer_add(struct gr_login_writer *w, const struct gr_context *ctx,
			const char *login, const char *dir, const char *id,
			const struct gr_resolve_input *in, const struct gr_resolution *res)
{
	int r;

	if (!in->known)
		return 0;
	if (!login[0])
		return -EINVAL;
	r = encode(&w->e, ctx, dir, id, in, res);
	return r < 0 ? r : gr_login_writer_put(w, login, w->e.buf, w->e.len, res->next_expiry);
}

static void writer_free(struct gr_login_writer *w)
{
	if (w->tdb)
		gr_tdb_close(w->tdb);
	if (w->fd >= 0)
		close(w->fd);
	free(w->e.buf);
	free(w);
}

void gr_login_writer_abort(struct gr_login_writer *w)
{
	if (!w)
		return;
	unlink(w->tmp);
	writer_free(w);
}

int gr_login_writer_finish(struct gr_login_writer *w, uint64_t generation,
			   struct gr_err *err)
{
	struct gr_login_header hdr;
	unsigned char k[1] = { GR_LOGIN_TAG_HEADER };
	unsigned char *rec;
	int r;

	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, GR_LOGIN_MAGIC, sizeof(GR_LOGIN_MAGIC));
	hdr.version = GR_LOGIN_VERSION;
	hdr.n_users = w->n_users;
	hdr.generation = generation;
	hdr.created = (int64_t)time(NULL);
	hdr.next_expiry = w->next_expiry;
	hdr.context_len = (uint32_t)w->context_len;
	rec = malloc(sizeof(hdr) + w->context_len);
	if (!rec)
		return gr_err_set(err, -ENOMEM, "out of memory");
	memcpy(rec, &hdr, sizeof(hdr));
	memcpy(rec + sizeof(hdr), w->context, w->context_len);
	r = store(w, k, 1, rec, sizeof(hdr) + w->context_len);
	free(rec);
	if (r < 0)
		return gr_err_set(err, r, "cannot write login snapshot: %s", gr_strerror(r));
	/* Unmapped first, then synced through our own descriptor (see gr_snap_writer_finish). */
	r = gr_tdb_close(w->tdb);
	w->tdb = NULL;
	if (r != 0)
		return gr_err_set(err, -GR_E_IO, "cannot write login snapshot %s", w->tmp);
	if (fsync(w->fd) < 0)
		return gr_err_set(err, -errno, "cannot sync login snapshot: %s", strerror(errno));
	return 0;
}

int gr_login_writer_install(struct gr_login_writer *w, int *dir_sync_error,
			    struct stat *installed, struct gr_err *err)
{
	int r;

	if (w->tdb) {
		gr_login_writer_abort(w);
		return gr_err_set(err, -EINVAL, "login snapshot installed before it was finished");
	}
	if (rename(w->tmp, w->path) < 0) {
		r = gr_err_set(err, -errno, "cannot install %s: %s", w->path, strerror(errno));
		gr_login_writer_abort(w);
		return r;
	}
	/* As for nss.tdb: once renamed, the snapshot is what readers see. */
	r = gr_fsync_parent(w->path);
	if (dir_sync_error)
		*dir_sync_error = r;
	if (installed && fstat(w->fd, installed) < 0)
		memset(installed, 0, sizeof(*installed));
	writer_free(w);
	return 0;
}

/* ---- reader ---- */

struct gr_login_snap {
	struct tdb_context *tdb;
	struct gr_login_header hdr;
};

const struct gr_login_header *gr_login_snap_header(const struct gr_login_snap *s)
{
	return &s->hdr;
}

void gr_login_snap_close(struct gr_login_snap *s)
{
	if (!s)
		return;
	if (s->tdb)
		gr_tdb_close(s->tdb);
	free(s);
}

/* Describe the first line that differs between the two contexts, for the log. */
static int context_mismatch(const char *have, size_t have_len, const char *want,
			    const char *path, struct gr_err *err)
{
	const char *h = have, *w = want, *he = have + have_len;

	while (h < he && *w) {
		const char *hn = memchr(h, '\n', (size_t)(he - h));
		const char *wn = strchr(w, '\n');
		size_t hl = hn ? (size_t)(hn - h) : (size_t)(he - h);
		size_t wl = wn ? (size_t)(wn - w) : strlen(w);

		if (hl != wl || memcmp(h, w, hl)) {
			return gr_err_set(err, -GR_E_CONFIG,
					  "%s was published for another host context "
					  "(snapshot: %.*s; this module: %.*s); run grouprolectl "
					  "publish with this configuration",
					  path, (int)(hl > 300 ? 300 : hl), h,
					  (int)(wl > 300 ? 300 : wl), w);
		}
		h += hl + (hn ? 1 : 0);
		w += wl + (wn ? 1 : 0);
	}
	return gr_err_set(err, -GR_E_CONFIG, "%s was published for another host context", path);
}

static int try_open(const struct gr_config *cfg, const char *path, int tdb_flags,
		    struct gr_login_snap **out, struct gr_err *err)
{
	unsigned char k[1] = { GR_LOGIN_TAG_HEADER };
	TDB_DATA key = { k, 1 }, val = { NULL, 0 };
	char want[GR_LOGIN_MAX_CONTEXT];
	struct gr_login_snap *s = NULL;
	struct stat ours, theirs;
	int fd, r, wl;

	/* O_NONBLOCK: a FIFO planted here must not hang the login. */
	fd = gr_safe_open(path, O_RDONLY | O_NONBLOCK, 0, cfg->test_mode, err);
	if (fd < 0)
		return fd;
	if (fstat(fd, &ours) < 0) {
		r = gr_err_set(err, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (ours.st_mode & 077) {
		r = gr_err_set(err, -GR_E_UNSAFE, "%s: readable by group or others (mode %04o)",
			       path, (unsigned)(ours.st_mode & 07777));
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	/*
	 * libtdb opens by path: compare what it opened with what was checked.
	 * O_RDONLY makes libtdb take no locks at all; the file never changes in
	 * place (it is replaced by rename), so that is safe.  TDB_NOMMAP: one
	 * login reads a header and one record, and mapping the file only to
	 * unmap it again cost 10x the whole open here (page-table setup and
	 * teardown for a 35 MB mapping: 128 us against 13 us with pread).  It
	 * also turns a file truncated in place into a read error, not SIGBUS.
	 */
	errno = 0;
	s->tdb = gr_tdb_open(path, 0, TDB_INCOMPATIBLE_HASH | tdb_flags, O_RDONLY, 0, NULL);
	if (!s->tdb) {
		r = errno == ENOENT ? -EAGAIN
				    : gr_err_set(err, -GR_E_CORRUPT, "%s: not a login snapshot",
						 path);
		goto out;
	}
	if (fstat(tdb_fd(s->tdb), &theirs) < 0 || theirs.st_dev != ours.st_dev ||
	    theirs.st_ino != ours.st_ino) {
		r = -EAGAIN;
		goto out;
	}
	val = tdb_fetch(s->tdb, key);
	if (!val.dptr || val.dsize < sizeof(s->hdr)) {
		r = gr_err_set(err, -GR_E_CORRUPT, "%s: no login snapshot header", path);
		goto out;
	}
	memcpy(&s->hdr, val.dptr, sizeof(s->hdr));
	if (memcmp(s->hdr.magic, GR_LOGIN_MAGIC, sizeof(GR_LOGIN_MAGIC)) != 0) {
		r = gr_err_set(err, -GR_E_CORRUPT, "%s: not a login snapshot", path);
		goto out;
	}
	if (s->hdr.version != GR_LOGIN_VERSION) {
		r = gr_err_set(err, -GR_E_SCHEMA,
			       "%s: login snapshot version %u, this module reads %u; run "
			       "grouprolectl publish", path, s->hdr.version, GR_LOGIN_VERSION);
		goto out;
	}
	if (s->hdr.context_len > GR_LOGIN_MAX_CONTEXT ||
	    val.dsize != sizeof(s->hdr) + s->hdr.context_len) {
		r = gr_err_set(err, -GR_E_CORRUPT, "%s: bad login snapshot header", path);
		goto out;
	}
	wl = gr_login_context(cfg, want, sizeof(want));
	if (wl < 0 || (size_t)wl != s->hdr.context_len ||
	    memcmp(want, val.dptr + sizeof(s->hdr), (size_t)wl)) {
		r = wl < 0 ? gr_err_set(err, -GR_E_CONFIG, "host context too long")
			   : context_mismatch((const char *)val.dptr + sizeof(s->hdr),
					      s->hdr.context_len, want, path, err);
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	free(val.dptr);
	gr_login_snap_close(s);
	close(fd);
	return r;
}

static int snap_open(const struct gr_config *cfg, int tdb_flags, struct gr_login_snap **out,
		     struct gr_err *err)
{
	char path[PATH_MAX];
	int tries, r;

	*out = NULL;
	if (gr_config_state_path(cfg, GR_LOGIN_FILE, path, sizeof(path)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	r = gr_safe_check_dir(cfg->state_dir, cfg->test_mode, err);
	if (r < 0)
		return r;
	/* Each retry means a publisher renamed a new snapshot in meanwhile. */
	r = -EAGAIN;
	for (tries = 0; tries < 8 && r == -EAGAIN; tries++)
		r = try_open(cfg, path, tdb_flags, out, err);
	if (r == -EAGAIN)
		return gr_err_set(err, -GR_E_UNSAFE, "%s keeps changing while opened", path);
	if (r == -ENOENT)
		return gr_err_set(err, -ENOENT, "%s: no such file (never published?)", path);
	return r;
}

int gr_login_snap_open(const struct gr_config *cfg, struct gr_login_snap **out,
		       struct gr_err *err)
{
	return snap_open(cfg, TDB_NOMMAP, out, err);
}

int gr_login_snap_open_all(const struct gr_config *cfg, struct gr_login_snap **out,
			   struct gr_err *err)
{
	/* Every record is read: the mapping pays for itself (pread per record took 3x as long). */
	return snap_open(cfg, 0, out, err);
}

/* ---- decoding ---- */

struct cursor {
	unsigned char *p, *end;
	int bad;
};

/* Copy N bytes out of the record (unaligned); past the end sets BAD and yields zeros. */
static void get(struct cursor *c, void *out, size_t n)
{
	memset(out, 0, n);
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return;
	}
	memcpy(out, c->p, n);
	c->p += n;
}

static uint32_t get_u32(struct cursor *c)
{
	uint32_t v;

	get(c, &v, sizeof(v));
	return v;
}

static int64_t get_i64(struct cursor *c)
{
	int64_t v;

	get(c, &v, sizeof(v));
	return v;
}

static const char *get_str(struct cursor *c)
{
	unsigned char *nul;
	const char *s;

	if (c->bad || c->p >= c->end) {
		c->bad = 1;
		return "";
	}
	nul = memchr(c->p, '\0', (size_t)(c->end - c->p));
	if (!nul) {
		c->bad = 1;
		return "";
	}
	s = (const char *)c->p;
	c->p = nul + 1;
	return s;
}

int gr_login_decode(unsigned char *data, size_t len, struct gr_login_user *u)
{
	struct cursor c = { data, data + len, 0 };
	uint32_t flags, n_roles, n_groups, i, j;

	memset(u, 0, sizeof(*u));
	flags = get_u32(&c);
	n_roles = get_u32(&c);
	n_groups = get_u32(&c);
	if (c.bad || n_roles > GR_LOGIN_MAX_ROLES || n_groups > GR_LOGIN_MAX_GROUPS ||
	    (flags & ~GR_LOGIN_ACTIVE))
		return -GR_E_CORRUPT;
	u->active = flags & GR_LOGIN_ACTIVE;
	u->dir = get_str(&c);
	u->id = get_str(&c);
	u->roles = calloc(n_roles ? n_roles : 1, sizeof(*u->roles));
	u->groups = calloc(n_groups ? n_groups : 1, sizeof(*u->groups));
	if (!u->roles || !u->groups)
		return -ENOMEM;
	for (i = 0; i < n_roles && !c.bad; i++) {
		struct gr_login_role *r = &u->roles[i];
		uint32_t n_prov = get_u32(&c);

		if (n_prov == 0 || n_prov > GR_MAX_PROVENANCE)
			c.bad = 1;
		r->slug = get_str(&c);
		r->unix_group = get_str(&c);
		/* Slugs reach GROUPROLE_ROLES: only what gr_valid_slug admits. */
		if (!c.bad && !gr_valid_slug(r->slug))
			c.bad = 1;
		for (j = 0; j < n_prov && !c.bad; j++) {
			uint32_t kind = get_u32(&c);

			if (kind > GR_SRC_ASSIGNMENT)
				c.bad = 1;
			r->prov[j].kind = (enum gr_source)kind;
			r->prov[j].expires = get_i64(&c);
			r->prov[j].detail = get_str(&c);
			r->prov[j].context = get_str(&c);
		}
		r->n_prov = n_prov;
	}
	u->n_roles = n_roles;
	for (i = 0; i < n_groups && !c.bad; i++)
		u->groups[i] = get_str(&c);
	u->n_groups = n_groups;
	/* Trailing bytes mean the writer and reader disagree on the format. */
	if (c.bad || c.p != c.end)
		return -GR_E_CORRUPT;
	return 0;
}

void gr_login_user_free(struct gr_login_user *u)
{
	if (!u)
		return;
	free(u->roles);
	free(u->groups);
	free(u->buf);
	free(u);
}

int gr_login_snap_lookup(struct gr_login_snap *s, const char *login,
			 struct gr_login_user **out, struct gr_err *err)
{
	unsigned char k[256];
	size_t klen = gr_snap_key(k, sizeof(k), GR_LOGIN_TAG_USER, login, strlen(login));
	TDB_DATA key = { k, klen }, val;
	struct gr_login_user *u;
	int r;

	*out = NULL;
	if (!klen || !login[0])
		return -ENOENT; /* longer than any login: not in the directory */
	val = tdb_fetch(s->tdb, key);
	if (!val.dptr) {
		if (tdb_error(s->tdb) == TDB_ERR_NOEXIST)
			return -ENOENT;
		return gr_err_set(err, -GR_E_CORRUPT, "login snapshot: cannot read this user");
	}
	u = malloc(sizeof(*u));
	if (!u) {
		free(val.dptr);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	r = gr_login_decode(val.dptr, val.dsize, u);
	u->buf = val.dptr;
	if (r < 0) {
		gr_login_user_free(u);
		return gr_err_set(err, r, r == -ENOMEM ? "out of memory"
						       : "login snapshot: this user's entry is corrupt");
	}
	*out = u;
	return 0;
}

struct walk {
	gr_login_walk_fn fn;
	void *ctx;
	int r;
};

static int walk_one(struct tdb_context *tdb, TDB_DATA key, TDB_DATA val, void *arg)
{
	struct walk *w = arg;
	struct gr_login_user u = { 0 };
	char login[256];

	(void)tdb;
	if (key.dsize < 2 || key.dsize > sizeof(login) || key.dptr[0] != GR_LOGIN_TAG_USER)
		return 0;
	memcpy(login, key.dptr + 1, key.dsize - 1);
	login[key.dsize - 1] = '\0';
	if (gr_login_decode(val.dptr, val.dsize, &u) == 0)
		w->r = w->fn(login, &u, w->ctx);
	free(u.roles);
	free(u.groups);
	return w->r != 0;
}

int gr_login_snap_walk(struct gr_login_snap *s, gr_login_walk_fn fn, void *ctx)
{
	struct walk w = { fn, ctx, 0 };

	if (tdb_traverse_read(s->tdb, walk_one, &w) < 0 && !w.r)
		return -GR_E_CORRUPT;
	return w.r;
}

void gr_login_user_expire(struct gr_login_user *u, int64_t now)
{
	size_t i, j, k, n = 0;

	for (i = 0; i < u->n_roles; i++) {
		struct gr_login_role *r = &u->roles[i];

		for (j = k = 0; j < r->n_prov; j++) {
			const struct gr_provenance *p = &r->prov[j];

			if (p->kind == GR_SRC_ASSIGNMENT && p->expires && p->expires <= now)
				continue;
			r->prov[k++] = *p;
		}
		r->n_prov = k;
		if (k && n != i)
			u->roles[n] = *r;
		if (k)
			n++;
	}
	u->n_roles = n;
}

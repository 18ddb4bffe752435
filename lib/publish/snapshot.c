/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tdb.h>

#include "core/gr_error.h"
#include "core/safefile.h"
#include "core/tdbfile.h"
#include "publish/snapshot.h"
#include "publish/snapshot_priv.h"

size_t gr_snap_key(unsigned char *buf, size_t len, char tag, const void *data, size_t dlen)
{
	if (dlen + 1 > len)
		return 0;
	buf[0] = (unsigned char)tag;
	if (dlen)
		memcpy(buf + 1, data, dlen);
	return dlen + 1;
}

/*
 * Decode the entry at the start of DATA (LEN bytes available, unaligned) and
 * report its size in *USED.  Every length is checked against LEN first.
 */
static int decode_entry(const unsigned char *data, size_t len, struct gr_snap_group *g,
			size_t *used)
{
	struct gr_snap_entry_hdr h;
	size_t need;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (h.n_members > GR_SNAP_MAX_MEMBERS || h.name_len == 0 ||
	    h.name_len > GR_SNAP_MAX_NAME)
		return -EINVAL;
	/* A name takes at least two bytes (one character and its NUL). */
	if ((h.n_members == 0) != (h.members_len == 0) ||
	    (uint64_t)h.members_len < 2 * (uint64_t)h.n_members)
		return -EINVAL;
	need = sizeof(h) + (size_t)h.name_len + 1 + (size_t)h.n_members + (size_t)h.members_len;
	if (need > len)
		return -EINVAL;
	g->gid = h.gid;
	g->n_members = h.n_members;
	g->name = (const char *)data + sizeof(h);
	g->name_len = h.name_len;
	if (g->name[h.name_len] != '\0' || memchr(g->name, '\0', h.name_len))
		return -EINVAL;
	g->lens = (const unsigned char *)g->name + h.name_len + 1;
	g->members = (const char *)g->lens + h.n_members;
	g->members_len = h.members_len;
	if (h.members_len && g->members[h.members_len - 1] != '\0')
		return -EINVAL;
	*used = need;
	return 0;
}

int gr_snap_decode_group(const unsigned char *data, size_t len, struct gr_snap_group *g)
{
	size_t used;
	int r = decode_entry(data, len, g, &used);

	if (r < 0)
		return r;
	return used == len ? 0 : -EINVAL;
}

const char *gr_snap_next_member(const struct gr_snap_group *g, size_t *pos, size_t *len)
{
	const char *p, *end;

	if (*pos >= g->members_len)
		return NULL;
	p = g->members + *pos;
	end = memchr(p, '\0', g->members_len - *pos);
	if (!end || end == p)
		return NULL;
	*len = (size_t)(end - p);
	*pos += *len + 1;
	return p;
}

/*
 * Is A still the file B describes?  A rename of a new snapshot changes
 * (st_dev, st_ino); an admin writing into the file itself (`truncate`, `cp`
 * over it) keeps the inode but changes its size and mtime, and a mapping of
 * a file that shrank faults (SIGBUS) past its new end.  WITH_CTIME adds the
 * ctime, which also catches a write that restored the old mtime (`cp -p`,
 * `touch -r`) -- but only for the path: the inode of a snapshot that was
 * renamed over changes its ctime when it loses its last link.
 */
static bool same_file(const struct stat *a, const struct stat *b, bool with_ctime)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       (!with_ctime || (a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
				a->st_ctim.tv_nsec == b->st_ctim.tv_nsec));
}

static int try_open(const char *path, bool allow_real_uid, struct gr_snap **out)
{
	unsigned char kbuf[1];
	char fdpath[sizeof("/proc/self/fd/") + 3 * sizeof(int)];
	struct gr_snap *s;
	struct stat theirs;
	TDB_DATA key, val;
	int fd, r;

	*out = NULL;
	/* Non-blocking, regular files only: a FIFO here must not hang the caller. */
	fd = gr_safe_open(path, O_RDONLY, 0, allow_real_uid, NULL);
	if (fd < 0)
		return fd;
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	if (fstat(fd, &s->id) < 0) {
		r = -errno;
		goto fail;
	}
	/*
	 * libtdb opens by name.  Through /proc/self/fd it opens the very inode
	 * checked above, whatever the path names by now (a FIFO swapped in
	 * cannot block it); without /proc, the path itself, and the identity
	 * comparison below catches a newer file.  O_RDONLY: libtdb takes no
	 * locks and maps the file read-only.
	 */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	s->tdb = gr_tdb_open(fdpath, 0, TDB_INCOMPATIBLE_HASH, O_RDONLY, 0, NULL);
	if (!s->tdb && errno == ENOENT)
		s->tdb = gr_tdb_open(path, 0, TDB_INCOMPATIBLE_HASH, O_RDONLY, 0, NULL);
	if (!s->tdb) {
		/* Renamed away between the two opens, or a second handle (EBUSY). */
		r = errno == ENOENT ? -EAGAIN : errno == EBUSY ? -EBUSY : -GR_E_CORRUPT;
		goto fail;
	}
	close(fd);
	fd = -1;
	if (fstat(tdb_fd(s->tdb), &theirs) < 0 || !same_file(&theirs, &s->id, true)) {
		r = -EAGAIN;
		goto fail;
	}
	kbuf[0] = GR_SNAP_TAG_HEADER;
	key.dptr = kbuf;
	key.dsize = 1;
	val = tdb_fetch(s->tdb, key);
	if (!val.dptr || val.dsize != sizeof(s->hdr)) {
		free(val.dptr);
		r = -GR_E_CORRUPT;
		goto fail;
	}
	memcpy(&s->hdr, val.dptr, sizeof(s->hdr));
	free(val.dptr);
	r = gr_snap_pw_load_table(s);
	if (r < 0)
		goto fail;
	/*
	 * file_size: the publisher's final size.  A file of any other size is
	 * not what it wrote (a copy still in progress, a truncated restore).
	 */
	if (memcmp(s->hdr.magic, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC)) != 0 ||
	    s->hdr.version != GR_SNAP_VERSION || s->hdr.file_size != (uint64_t)s->id.st_size ||
	    (s->hdr.n_groups == 0) != (s->hdr.n_chunks == 0) ||
	    s->hdr.n_chunks > s->hdr.n_groups) {
		r = -GR_E_CORRUPT;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	gr_snap_close(s);
	return r;
}

/* The directory holding PATH must pass the same trust checks as the file. */
static int check_parent(const char *path, bool allow_real_uid)
{
	char dir[PATH_MAX];
	int r = gr_parent_dir(path, dir, sizeof(dir));

	return r < 0 ? r : gr_safe_check_dir(dir, allow_real_uid, NULL);
}

int gr_snap_open(const char *path, bool allow_real_uid, struct gr_snap **out)
{
	int tries, r;

	*out = NULL;
	r = check_parent(path, allow_real_uid);
	if (r < 0)
		return r;
	/* Each retry means the publisher renamed a new snapshot in meanwhile. */
	for (tries = 0, r = -EAGAIN; tries < 8 && r == -EAGAIN; tries++)
		r = try_open(path, allow_real_uid, out);
	return r == -EAGAIN ? -GR_E_UNSAFE : r;
}

void gr_snap_close(struct gr_snap *s)
{
	if (!s)
		return;
	gr_tdb_close(s->tdb);
	free(s);
}

bool gr_snap_is_current(const struct gr_snap *s, const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && same_file(&st, &s->id, true);
}

bool gr_snap_unchanged(const struct gr_snap *s)
{
	struct stat st;

	return fstat(tdb_fd(s->tdb), &st) == 0 && same_file(&st, &s->id, false);
}

const struct gr_snap_header *gr_snap_header(const struct gr_snap *s)
{
	return &s->hdr;
}

struct group_parse {
	gr_snap_group_fn fn;
	void *ctx;
	int r;
};

static int group_parser(TDB_DATA key, TDB_DATA data, void *priv)
{
	struct group_parse *p = priv;
	struct gr_snap_group g;

	(void)key;
	if (gr_snap_decode_group(data.dptr, data.dsize, &g) < 0)
		p->r = -GR_E_CORRUPT;
	else
		p->r = p->fn(&g, p->ctx);
	return 0;
}

static int lookup_group(struct gr_snap *s, const unsigned char *k, size_t klen,
			gr_snap_group_fn fn, void *ctx)
{
	struct group_parse p = { fn, ctx, 0 };
	TDB_DATA key = { (unsigned char *)(uintptr_t)k, klen };

	if (tdb_parse_record(s->tdb, key, group_parser, &p) != 0)
		return tdb_error(s->tdb) == TDB_ERR_NOEXIST ? -ENOENT : -GR_E_CORRUPT;
	return p.r;
}

int gr_snap_group_by_name(struct gr_snap *s, const char *name, gr_snap_group_fn fn, void *ctx)
{
	unsigned char k[256];
	size_t klen = gr_snap_key(k, sizeof(k), GR_SNAP_TAG_NAME, name, strlen(name));

	if (!klen)
		return -ENOENT;
	return lookup_group(s, k, klen, fn, ctx);
}

int gr_snap_group_by_gid(struct gr_snap *s, uint32_t gid, gr_snap_group_fn fn, void *ctx)
{
	unsigned char k[1 + sizeof(gid)];

	gr_snap_key(k, sizeof(k), GR_SNAP_TAG_GID, &gid, sizeof(gid));
	return lookup_group(s, k, sizeof(k), fn, ctx);
}

/* The header of a chunk, read in place without copying the chunk. */
static int chunk_hdr_parser(TDB_DATA key, TDB_DATA data, void *priv)
{
	(void)key;
	if (data.dsize < sizeof(struct gr_snap_chunk_hdr))
		return -1;
	memcpy(priv, data.dptr, sizeof(struct gr_snap_chunk_hdr));
	return 0;
}

static bool chunk_hdr_valid(uint32_t n_items, uint32_t index, const struct gr_snap_chunk_hdr *h)
{
	/* Chunk 0 starts at 0; every chunk is non-empty and inside the table. */
	return h->count > 0 && h->first < n_items && h->count <= n_items - h->first &&
	       (index > 0 || h->first == 0);
}

static int chunk_key(unsigned char *k, char tag, uint32_t index)
{
	return (int)gr_snap_key(k, 1 + sizeof(index), tag, &index, sizeof(index));
}

static int chunk_hdr(struct gr_snap *s, uint32_t index, struct gr_snap_chunk_hdr *h)
{
	unsigned char k[1 + sizeof(index)];
	TDB_DATA key = { k, sizeof(k) };

	chunk_key(k, GR_SNAP_TAG_INDEX, index);
	/* Every chunk below n_chunks must exist. */
	if (tdb_parse_record(s->tdb, key, chunk_hdr_parser, h) != 0 ||
	    !chunk_hdr_valid(s->hdr.n_groups, index, h))
		return -GR_E_CORRUPT;
	return 0;
}

struct index_parse {
	uint32_t skip; /* entries before the wanted one */
	struct group_parse gp;
};

static int index_parser(TDB_DATA key, TDB_DATA data, void *priv)
{
	struct index_parse *ip = priv;
	struct gr_snap_group g;
	size_t pos = sizeof(struct gr_snap_chunk_hdr), used;
	uint32_t i;

	(void)key;
	for (i = 0;; i++) {
		if (pos > data.dsize ||
		    decode_entry(data.dptr + pos, data.dsize - pos, &g, &used) < 0) {
			ip->gp.r = -GR_E_CORRUPT;
			return 0;
		}
		if (i == ip->skip)
			break;
		pos += used;
	}
	ip->gp.r = ip->gp.fn(&g, ip->gp.ctx);
	return 0;
}

int gr_snap_group_by_index(struct gr_snap *s, uint32_t index, gr_snap_group_fn fn, void *ctx)
{
	struct gr_snap_chunk_hdr h;
	struct index_parse ip = { 0, { fn, ctx, 0 } };
	unsigned char k[1 + sizeof(index)];
	TDB_DATA key = { k, sizeof(k) };
	uint32_t lo = 0, hi, mid;
	int r;

	if (index >= s->hdr.n_groups)
		return -ENOENT;
	/* Binary search for the last chunk whose first index is <= INDEX. */
	hi = s->hdr.n_chunks - 1;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		r = chunk_hdr(s, mid, &h);
		if (r < 0)
			return r;
		if (h.first <= index)
			lo = mid;
		else
			hi = mid - 1;
	}
	r = chunk_hdr(s, lo, &h);
	if (r < 0)
		return r;
	if (index - h.first >= h.count)
		return -GR_E_CORRUPT;
	ip.skip = index - h.first;
	chunk_key(k, GR_SNAP_TAG_INDEX, lo);
	if (tdb_parse_record(s->tdb, key, index_parser, &ip) != 0)
		return -GR_E_CORRUPT;
	return ip.gp.r;
}

int gr_snap_chunk_load_table(struct gr_snap *s, char tag, uint32_t n_items, uint32_t n_chunks,
			     uint32_t index, struct gr_snap_chunk *c)
{
	struct gr_snap_chunk_hdr h;
	unsigned char k[1 + sizeof(index)];
	TDB_DATA key = { k, sizeof(k) }, val;

	memset(c, 0, sizeof(*c));
	if (index >= n_chunks)
		return -ENOENT;
	chunk_key(k, tag, index);
	val = tdb_fetch(s->tdb, key);
	if (!val.dptr)
		return tdb_error(s->tdb) == TDB_ERR_OOM ? -ENOMEM : -GR_E_CORRUPT;
	if (val.dsize < sizeof(h)) {
		free(val.dptr);
		return -GR_E_CORRUPT;
	}
	memcpy(&h, val.dptr, sizeof(h));
	if (!chunk_hdr_valid(n_items, index, &h)) {
		free(val.dptr);
		return -GR_E_CORRUPT;
	}
	c->data = val.dptr;
	c->len = val.dsize;
	c->first = h.first;
	c->count = h.count;
	return 0;
}

int gr_snap_chunk_load(struct gr_snap *s, uint32_t index, struct gr_snap_chunk *c)
{
	return gr_snap_chunk_load_table(s, GR_SNAP_TAG_INDEX, s->hdr.n_groups, s->hdr.n_chunks,
					index, c);
}

void gr_snap_chunk_release(struct gr_snap_chunk *c)
{
	free(c->data);
	memset(c, 0, sizeof(*c));
}

int gr_snap_chunk_next(const struct gr_snap_chunk *c, size_t *pos, struct gr_snap_group *g)
{
	size_t used;

	if (*pos == 0)
		*pos = sizeof(struct gr_snap_chunk_hdr);
	if (*pos == c->len)
		return 0;
	if (*pos > c->len || decode_entry(c->data + *pos, c->len - *pos, g, &used) < 0)
		return -GR_E_CORRUPT;
	*pos += used;
	return 1;
}

struct gids_parse {
	gr_snap_gids_fn fn;
	void *ctx;
	int r;
};

static int gids_parser(TDB_DATA key, TDB_DATA data, void *priv)
{
	struct gids_parse *p = priv;

	(void)key;
	if (data.dsize % sizeof(uint32_t) ||
	    data.dsize / sizeof(uint32_t) > GR_SNAP_MAX_USER_GIDS)
		p->r = -GR_E_CORRUPT;
	else
		p->r = p->fn(data.dptr, (uint32_t)(data.dsize / sizeof(uint32_t)), p->ctx);
	return 0;
}

int gr_snap_user_gids(struct gr_snap *s, const char *login, gr_snap_gids_fn fn, void *ctx)
{
	struct gids_parse p = { fn, ctx, 0 };
	unsigned char k[256];
	size_t klen = gr_snap_key(k, sizeof(k), GR_SNAP_TAG_USER, login, strlen(login));
	TDB_DATA key = { k, klen };

	if (!klen)
		return -ENOENT;
	if (tdb_parse_record(s->tdb, key, gids_parser, &p) != 0)
		return tdb_error(s->tdb) == TDB_ERR_NOEXIST ? -ENOENT : -GR_E_CORRUPT;
	return p.r;
}

/* ---- writer ---- */

static bool is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	for (d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

/* libtdb wants a hash size near the record count (see docs/architecture.md). */
static int hash_size_for(size_t records)
{
	uint32_t n = records < 131 ? 131 : (records > 16000000 ? 16000000 : (uint32_t)records);

	while (!is_prime(n))
		n++;
	return (int)n;
}

int gr_snap_grow(unsigned char **buf, size_t *cap, size_t need)
{
	unsigned char *nb;
	size_t ncap = *cap ? *cap : 1024;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nb = realloc(*buf, ncap);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

int gr_snap_put(struct gr_snap_writer *w, char tag, const void *kdata, size_t klen,
		const void *v, size_t vlen)
{
	unsigned char k[256];
	TDB_DATA key = { k, 0 };
	TDB_DATA val = { (unsigned char *)(uintptr_t)v, vlen };

	key.dsize = gr_snap_key(k, sizeof(k), tag, kdata, klen);
	if (!key.dsize)
		return -EINVAL;
	if ((w->patch ? gr_tdb_store_changed(w->tdb, key, val)
		      : tdb_store(w->tdb, key, val, TDB_INSERT)) == 0)
		return 0;
	switch (tdb_error(w->tdb)) {
	case TDB_ERR_EXISTS:
		return -EEXIST;
	case TDB_ERR_OOM:
		return -ENOMEM;
	default:
		return -GR_E_IO;
	}
}

int gr_snap_writer_reserve(struct gr_snap_writer *w, size_t bytes)
{
	return gr_tdb_reserve(w->tdb, bytes) == -EIO ? -GR_E_IO : 0;
}

int gr_snap_writer_open(const char *path, size_t groups_hint, size_t users_hint,
			struct gr_snap_writer **out)
{
	return gr_snap_writer_open_accounts(path, groups_hint, users_hint, 0, out);
}

int gr_snap_writer_open_accounts(const char *path, size_t groups_hint, size_t users_hint,
				 size_t accounts_hint, struct gr_snap_writer **out)
{
	struct gr_snap_writer *w;
	/* Accounts: "P", "Q", "K" each, their chunks and the table record. */
	size_t records = 2 * groups_hint + groups_hint / GR_SNAP_CHUNK_ENTRIES + users_hint + 2 +
			 (accounts_hint ? 3 * accounts_hint + accounts_hint / GR_SNAP_CHUNK_ENTRIES + 1 : 0);

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->groups.tag = GR_SNAP_TAG_INDEX;
	w->accounts.tag = GR_SNAP_TAG_PW_INDEX;
	/* Nobody else knows this file yet: no locking, no syncing per store. */
	/* Sized for twice the records: patches (modelwrite.c) add to the file until it doubles. */
	w->tdb = gr_tdb_open(path, hash_size_for(2 * records),
			     TDB_NOLOCK | TDB_NOSYNC | TDB_INCOMPATIBLE_HASH, O_RDWR | O_CREAT, 0600,
			     NULL);
	if (!w->tdb) {
		int r = errno ? -errno : -GR_E_IO;

		free(w);
		return r;
	}
	*out = w;
	return 0;
}

static int header_parser(TDB_DATA key, TDB_DATA data, void *priv)
{
	(void)key;
	if (data.dsize != sizeof(struct gr_snap_header))
		return -1;
	memcpy(priv, data.dptr, sizeof(struct gr_snap_header));
	return 0;
}

int gr_snap_writer_open_copy(const char *path, bool mapped, struct gr_snap_header *old,
			     struct gr_snap_writer **out)
{
	unsigned char hk = GR_SNAP_TAG_HEADER, pk = GR_SNAP_TAG_PW_TABLE;
	TDB_DATA key = { &hk, 1 }, pkey = { &pk, 1 };
	struct gr_snap_writer *w;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->groups.tag = GR_SNAP_TAG_INDEX;
	w->accounts.tag = GR_SNAP_TAG_PW_INDEX;
	w->patch = true;
	w->tdb = gr_tdb_open(path, 0,
			     TDB_NOLOCK | TDB_NOSYNC | TDB_INCOMPATIBLE_HASH | (mapped ? 0 : TDB_NOMMAP),
			     O_RDWR, 0600, NULL);
	if (!w->tdb) {
		int r = errno ? -errno : -GR_E_IO;

		free(w);
		return r;
	}
	if (tdb_parse_record(w->tdb, key, header_parser, old) != 0 ||
	    memcmp(old->magic, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC)) ||
	    old->version != GR_SNAP_VERSION || tdb_exists(w->tdb, pkey)) {
		gr_snap_writer_abort(w);
		return -GR_E_CORRUPT;
	}
	w->old_chunks = old->n_chunks;
	*out = w;
	return 0;
}

int gr_snap_writer_remove_user(struct gr_snap_writer *w, const char *login)
{
	unsigned char k[256];
	TDB_DATA key = { k, gr_snap_key(k, sizeof(k), GR_SNAP_TAG_USER, login, strlen(login)) };

	if (!w->patch || !key.dsize)
		return -EINVAL;
	return gr_tdb_delete_present(w->tdb, key) < 0 ? -GR_E_IO : 0;
}

int gr_snap_writer_free_records(struct gr_snap_writer *w)
{
	return tdb_freelist_size(w->tdb);
}

void gr_snap_writer_set_users(struct gr_snap_writer *w, uint32_t n_users)
{
	w->n_users = n_users;
}

/* Patching: chunks past the new last one held groups that now sit in fewer chunks. */
static int drop_old_chunks(struct gr_snap_writer *w)
{
	uint32_t i;

	for (i = w->groups.n_chunks; w->patch && i < w->old_chunks; i++) {
		unsigned char k[16];
		TDB_DATA key = { k, gr_snap_key(k, sizeof(k), GR_SNAP_TAG_INDEX, &i, sizeof(i)) };

		if (gr_tdb_delete_present(w->tdb, key) < 0)
			return -GR_E_IO;
	}
	return 0;
}

int gr_snap_chunker_flush(struct gr_snap_writer *w, struct gr_snap_chunker *c)
{
	int r;

	if (!c->ch.count)
		return 0;
	memcpy(c->chunk, &c->ch, sizeof(c->ch));
	r = gr_snap_put(w, c->tag, &c->n_chunks, sizeof(c->n_chunks), c->chunk, c->len);
	if (r < 0)
		return r;
	c->n_chunks++;
	c->ch.first += c->ch.count;
	c->ch.count = 0;
	c->len = 0;
	return 0;
}

int gr_snap_chunker_add(struct gr_snap_writer *w, struct gr_snap_chunker *c,
			const unsigned char *entry, size_t need)
{
	int r;

	if (c->ch.count && c->len + need > GR_SNAP_CHUNK_BYTES) {
		r = gr_snap_chunker_flush(w, c);
		if (r < 0)
			return r;
	}
	if (c->len == 0)
		c->len = sizeof(struct gr_snap_chunk_hdr);
	r = gr_snap_grow(&c->chunk, &c->cap, c->len + need);
	if (r < 0)
		return r;
	memcpy(c->chunk + c->len, entry, need);
	c->len += need;
	c->ch.count++;
	c->n_items++;
	if (c->ch.count == GR_SNAP_CHUNK_ENTRIES || c->len >= GR_SNAP_CHUNK_BYTES)
		return gr_snap_chunker_flush(w, c);
	return 0;
}

int gr_snap_writer_add_group(struct gr_snap_writer *w, const char *name, uint32_t gid,
			     const char *const *members, uint32_t n)
{
	struct gr_snap_entry_hdr h;
	size_t nlen = strlen(name), need, off, l;
	uint64_t mlen = 0;
	uint32_t i;
	int r;

	if (nlen == 0 || nlen > GR_SNAP_MAX_NAME)
		return -EINVAL;
	if (n > GR_SNAP_MAX_MEMBERS || w->groups.n_items == UINT32_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		l = strlen(members[i]);
		if (l == 0 || l > GR_SNAP_MAX_NAME)
			return -EINVAL;
		mlen += l + 1;
	}
	if (mlen > UINT32_MAX)
		return -E2BIG;
	memset(&h, 0, sizeof(h));
	h.gid = gid;
	h.n_members = n;
	h.name_len = (uint32_t)nlen;
	h.members_len = (uint32_t)mlen;
	need = sizeof(h) + nlen + 1 + n + (size_t)mlen;
	r = gr_snap_grow(&w->entry, &w->entry_cap, need);
	if (r < 0)
		return r;
	memcpy(w->entry, &h, sizeof(h));
	off = sizeof(h);
	memcpy(w->entry + off, name, nlen + 1);
	off += nlen + 1;
	/* Each length fits a byte: names are at most GR_SNAP_MAX_NAME (254). */
	for (i = 0; i < n; i++)
		w->entry[off++] = (unsigned char)strlen(members[i]);
	for (i = 0; i < n; i++) {
		l = strlen(members[i]) + 1;
		memcpy(w->entry + off, members[i], l);
		off += l;
	}
	r = gr_snap_put(w, GR_SNAP_TAG_NAME, name, nlen, w->entry, need);
	if (r == 0)
		r = gr_snap_put(w, GR_SNAP_TAG_GID, &gid, sizeof(gid), w->entry, need);
	if (r < 0)
		return r;
	return gr_snap_chunker_add(w, &w->groups, w->entry, need);
}

int gr_snap_writer_add_user(struct gr_snap_writer *w, const char *login, const uint32_t *gids,
			    uint32_t n)
{
	size_t llen = strlen(login);
	int r;

	if (llen == 0 || llen > GR_SNAP_MAX_NAME || n == 0)
		return -EINVAL;
	if (n > GR_SNAP_MAX_USER_GIDS)
		return -E2BIG;
	r = gr_snap_put(w, GR_SNAP_TAG_USER, login, llen, gids, (size_t)n * sizeof(*gids));
	if (r == 0)
		w->n_users++;
	return r;
}

static void writer_free(struct gr_snap_writer *w)
{
	free(w->entry);
	free(w->groups.chunk);
	free(w->accounts.chunk);
	free(w);
}

int gr_snap_writer_finish(struct gr_snap_writer *w, uint64_t generation, int64_t next_expiry)
{
	struct gr_snap_header hdr;
	struct stat st;
	TDB_DATA key, val;
	unsigned char k = GR_SNAP_TAG_HEADER;
	int fd, r;

	r = gr_snap_chunker_flush(w, &w->groups);
	if (r == 0)
		r = drop_old_chunks(w);
	if (r == 0)
		r = gr_snap_pw_finish(w);
	if (r == 0) {
		memset(&hdr, 0, sizeof(hdr));
		memcpy(hdr.magic, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC));
		hdr.version = GR_SNAP_VERSION;
		hdr.n_groups = w->groups.n_items;
		hdr.n_users = w->n_users;
		hdr.n_chunks = w->groups.n_chunks;
		hdr.generation = generation;
		hdr.created = (int64_t)time(NULL);
		hdr.next_expiry = next_expiry;
		r = gr_snap_put(w, GR_SNAP_TAG_HEADER, NULL, 0, &hdr, sizeof(hdr));
	}
	/*
	 * Then record the file's final size in the header: a record stored
	 * again with the same size is rewritten in place, so the size does not
	 * change (checked).
	 */
	if (r == 0 && fstat(tdb_fd(w->tdb), &st) < 0)
		r = -errno;
	if (r == 0) {
		hdr.file_size = (uint64_t)st.st_size;
		key.dptr = &k;
		key.dsize = 1;
		val.dptr = (unsigned char *)&hdr;
		val.dsize = sizeof(hdr);
		if (tdb_store(w->tdb, key, val, TDB_MODIFY) != 0)
			r = -GR_E_IO;
		else if (fstat(tdb_fd(w->tdb), &st) < 0)
			r = -errno;
		else if ((uint64_t)st.st_size != hdr.file_size)
			r = -GR_E_IO;
	}
	/*
	 * Unmap before syncing: writing back pages that are still mapped
	 * makes the kernel write-protect every one of them, a TLB shootdown
	 * on each CPU per batch of pages -- most of a publish's time on a
	 * virtual machine.  Written back unmapped, the same sync is a plain
	 * flush of the page cache.
	 */
	fd = r == 0 ? fcntl(tdb_fd(w->tdb), F_DUPFD_CLOEXEC, 0) : -1;
	if (r == 0 && fd < 0)
		r = -errno;
	if (gr_tdb_close(w->tdb) != 0 && r == 0)
		r = -GR_E_IO;
	w->tdb = NULL;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	writer_free(w);
	return r;
}

void gr_snap_writer_abort(struct gr_snap_writer *w)
{
	if (!w)
		return;
	gr_tdb_close(w->tdb);
	writer_free(w);
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tdb.h>

#include "gr_error.h"
#include "safefile.h"
#include "snapshot.h"

struct gr_snap {
	struct tdb_context *tdb;
	dev_t dev;
	ino_t ino;
	struct gr_snap_header hdr;
};

size_t gr_snap_key(unsigned char *buf, size_t len, char tag, const void *data, size_t dlen)
{
	if (dlen + 1 > len)
		return 0;
	buf[0] = (unsigned char)tag;
	memcpy(buf + 1, data, dlen);
	return dlen + 1;
}

int gr_snap_decode_group(const unsigned char *data, size_t len, struct gr_snap_group *g)
{
	struct gr_snap_entry_hdr h;
	size_t need;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (h.n_members > GR_SNAP_MAX_MEMBERS || h.name_len == 0)
		return -EINVAL;
	need = sizeof(h) + (size_t)h.name_len + 1 + (size_t)h.members_len;
	if (need != len || h.members_len < h.n_members)
		return -EINVAL;
	g->gid = h.gid;
	g->n_members = h.n_members;
	g->name = (const char *)data + sizeof(h);
	g->name_len = h.name_len;
	if (g->name[h.name_len] != '\0' || memchr(g->name, '\0', h.name_len))
		return -EINVAL;
	g->members = g->name + h.name_len + 1;
	g->members_len = h.members_len;
	if (h.members_len && g->members[h.members_len - 1] != '\0')
		return -EINVAL;
	return 0;
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

int gr_snap_open(const char *path, bool allow_real_uid, struct gr_snap **out)
{
	unsigned char kbuf[1];
	struct gr_snap *s;
	struct stat ours, theirs;
	TDB_DATA key, val;
	int fd, r;

	*out = NULL;
	fd = gr_safe_open(path, O_RDONLY, 0, allow_real_uid, NULL);
	if (fd < 0)
		return fd;
	if (fstat(fd, &ours) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	/* O_RDONLY: libtdb takes no locks and maps the file read-only. */
	s->tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH, O_RDONLY, 0);
	close(fd);
	if (!s->tdb) {
		free(s);
		return -GR_E_CORRUPT;
	}
	if (fstat(tdb_fd(s->tdb), &theirs) < 0 || theirs.st_dev != ours.st_dev ||
	    theirs.st_ino != ours.st_ino) {
		gr_snap_close(s);
		return -GR_E_UNSAFE;
	}
	s->dev = ours.st_dev;
	s->ino = ours.st_ino;
	kbuf[0] = GR_SNAP_TAG_HEADER;
	key.dptr = kbuf;
	key.dsize = 1;
	val = tdb_fetch(s->tdb, key);
	if (!val.dptr || val.dsize != sizeof(s->hdr)) {
		free(val.dptr);
		gr_snap_close(s);
		return -GR_E_CORRUPT;
	}
	memcpy(&s->hdr, val.dptr, sizeof(s->hdr));
	free(val.dptr);
	if (memcmp(s->hdr.magic, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC)) != 0 ||
	    s->hdr.version != GR_SNAP_VERSION) {
		gr_snap_close(s);
		return -GR_E_CORRUPT;
	}
	*out = s;
	return 0;
}

void gr_snap_close(struct gr_snap *s)
{
	if (!s)
		return;
	if (s->tdb)
		tdb_close(s->tdb);
	free(s);
}

bool gr_snap_is_current(const struct gr_snap *s, const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
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

static int u32_parser(TDB_DATA key, TDB_DATA data, void *priv)
{
	(void)key;
	if (data.dsize != sizeof(uint32_t))
		return -1;
	memcpy(priv, data.dptr, sizeof(uint32_t));
	return 0;
}

int gr_snap_group_by_index(struct gr_snap *s, uint32_t index, gr_snap_group_fn fn, void *ctx)
{
	unsigned char k[1 + sizeof(index)];
	TDB_DATA key = { k, sizeof(k) };
	uint32_t gid;
	int r;

	if (index >= s->hdr.n_groups)
		return -ENOENT;
	gr_snap_key(k, sizeof(k), GR_SNAP_TAG_INDEX, &index, sizeof(index));
	r = tdb_parse_record(s->tdb, key, u32_parser, &gid);
	if (r != 0)
		return -GR_E_CORRUPT; /* every index below n_groups must exist */
	r = gr_snap_group_by_gid(s, gid, fn, ctx);
	return r == -ENOENT ? -GR_E_CORRUPT : r;
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

/* SPDX-License-Identifier: MIT */
/*
 * Accounts in nss.tdb: the passwd entries and SSH keys of pwsnap.h.  The
 * reader side runs inside libnss_grouprole (no allocation in a lookup,
 * only libc and libtdb); the writer side in the publisher.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tdb.h>

#include "core/gr_error.h"
#include "publish/pwsnap.h"
#include "publish/snapshot_priv.h"

/* ---- reader ---- */

/*
 * Decode the entry at the start of DATA (LEN bytes available, unaligned) and
 * report its size in *USED.
 */
static int decode_account(const unsigned char *data, size_t len, struct gr_snap_account *a,
			  size_t *used)
{
	struct gr_snap_pw_hdr h;
	const char *p;
	size_t strings;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (h.name_len == 0 || h.name_len > GR_SNAP_MAX_NAME || h.gecos_len > GR_SNAP_MAX_PW_FIELD ||
	    h.dir_len == 0 || h.dir_len > GR_SNAP_MAX_PW_FIELD || h.shell_len == 0 ||
	    h.shell_len > GR_SNAP_MAX_PW_FIELD)
		return -EINVAL;
	strings = (size_t)h.name_len + h.gecos_len + h.dir_len + h.shell_len + 4;
	if (strings > len - sizeof(h))
		return -EINVAL;
	p = (const char *)data + sizeof(h);
	/* Each field ends with a NUL where its length says, and holds none before. */
	if (p[h.name_len] || p[h.name_len + 1 + h.gecos_len] ||
	    p[h.name_len + h.gecos_len + 2 + h.dir_len] || p[strings - 1] ||
	    strlen(p) != h.name_len || strlen(p + h.name_len + 1) != h.gecos_len ||
	    strlen(p + h.name_len + h.gecos_len + 2) != h.dir_len ||
	    strlen(p + h.name_len + h.gecos_len + h.dir_len + 3) != h.shell_len)
		return -EINVAL;
	a->uid = h.uid;
	a->gid = h.gid;
	a->strings = p;
	a->strings_len = strings;
	a->name_len = h.name_len;
	a->gecos_len = h.gecos_len;
	a->dir_len = h.dir_len;
	a->shell_len = h.shell_len;
	*used = sizeof(h) + strings;
	return 0;
}

int gr_snap_decode_account(const unsigned char *data, size_t len, struct gr_snap_account *a)
{
	size_t used;
	int r = decode_account(data, len, a, &used);

	if (r < 0)
		return r;
	return used == len ? 0 : -EINVAL;
}

int gr_snap_pw_load_table(struct gr_snap *s)
{
	unsigned char k = GR_SNAP_TAG_PW_TABLE;
	TDB_DATA key = { &k, 1 }, val;
	struct gr_snap_pw_table t;

	memset(&s->pw, 0, sizeof(s->pw));
	val = tdb_fetch(s->tdb, key);
	if (!val.dptr)
		return tdb_error(s->tdb) == TDB_ERR_NOEXIST ? 0 : -GR_E_CORRUPT;
	if (val.dsize != sizeof(t)) {
		free(val.dptr);
		return -GR_E_CORRUPT;
	}
	memcpy(&t, val.dptr, sizeof(t));
	free(val.dptr);
	if ((t.n_accounts == 0) != (t.n_chunks == 0) || t.n_chunks > t.n_accounts)
		return -GR_E_CORRUPT;
	s->pw = t;
	return 0;
}

bool gr_snap_has_accounts(const struct gr_snap *s)
{
	return s->pw.n_accounts > 0;
}

const struct gr_snap_pw_table *gr_snap_pw_table(const struct gr_snap *s)
{
	return &s->pw;
}

struct account_parse {
	gr_snap_account_fn fn;
	void *ctx;
	int r;
};

static int account_parser(TDB_DATA key, TDB_DATA data, void *priv)
{
	struct account_parse *p = priv;
	struct gr_snap_account a;

	(void)key;
	if (gr_snap_decode_account(data.dptr, data.dsize, &a) < 0)
		p->r = -GR_E_CORRUPT;
	else
		p->r = p->fn(&a, p->ctx);
	return 0;
}

static int lookup_account(struct gr_snap *s, const unsigned char *k, size_t klen,
			  gr_snap_account_fn fn, void *ctx)
{
	struct account_parse p = { fn, ctx, 0 };
	TDB_DATA key = { (unsigned char *)(uintptr_t)k, klen };

	if (tdb_parse_record(s->tdb, key, account_parser, &p) != 0)
		return tdb_error(s->tdb) == TDB_ERR_NOEXIST ? -ENOENT : -GR_E_CORRUPT;
	return p.r;
}

int gr_snap_account_by_name(struct gr_snap *s, const char *name, gr_snap_account_fn fn,
			    void *ctx)
{
	unsigned char k[256];
	size_t klen = gr_snap_key(k, sizeof(k), GR_SNAP_TAG_PW_NAME, name, strlen(name));

	if (!klen)
		return -ENOENT;
	return lookup_account(s, k, klen, fn, ctx);
}

int gr_snap_account_by_uid(struct gr_snap *s, uint32_t uid, gr_snap_account_fn fn, void *ctx)
{
	unsigned char k[1 + sizeof(uid)];

	gr_snap_key(k, sizeof(k), GR_SNAP_TAG_PW_UID, &uid, sizeof(uid));
	return lookup_account(s, k, sizeof(k), fn, ctx);
}

int gr_snap_pw_chunk_load(struct gr_snap *s, uint32_t index, struct gr_snap_chunk *c)
{
	return gr_snap_chunk_load_table(s, GR_SNAP_TAG_PW_INDEX, s->pw.n_accounts,
					s->pw.n_chunks, index, c);
}

int gr_snap_pw_chunk_next(const struct gr_snap_chunk *c, size_t *pos, struct gr_snap_account *a)
{
	size_t used;

	if (*pos == 0)
		*pos = sizeof(struct gr_snap_chunk_hdr);
	if (*pos == c->len)
		return 0;
	if (*pos > c->len || decode_account(c->data + *pos, c->len - *pos, a, &used) < 0)
		return -GR_E_CORRUPT;
	*pos += used;
	return 1;
}

struct keys_parse {
	gr_snap_keys_fn fn;
	void *ctx;
	int r;
};

static int keys_parser(TDB_DATA key, TDB_DATA data, void *priv)
{
	struct keys_parse *p = priv;

	(void)key;
	if (data.dsize == 0 || data.dsize > GR_SNAP_MAX_KEYS)
		p->r = -GR_E_CORRUPT;
	else
		p->r = p->fn((const char *)data.dptr, data.dsize, p->ctx);
	return 0;
}

int gr_snap_keys(struct gr_snap *s, const char *login, gr_snap_keys_fn fn, void *ctx)
{
	struct keys_parse p = { fn, ctx, 0 };
	unsigned char k[256];
	size_t klen = gr_snap_key(k, sizeof(k), GR_SNAP_TAG_KEYS, login, strlen(login));
	TDB_DATA key = { k, klen };

	if (!klen)
		return -ENOENT;
	if (tdb_parse_record(s->tdb, key, keys_parser, &p) != 0)
		return tdb_error(s->tdb) == TDB_ERR_NOEXIST ? -ENOENT : -GR_E_CORRUPT;
	return p.r;
}

/* ---- writer ---- */

/* A passwd field: no ':' or newline (they would break the passwd format), bounded. */
static bool field_ok(const char *v, size_t max, bool empty_ok)
{
	size_t n = strlen(v);

	return (n || empty_ok) && n <= max && !strpbrk(v, ":\n");
}

int gr_snap_writer_add_account(struct gr_snap_writer *w, const struct gr_snap_account_in *a)
{
	struct gr_snap_pw_hdr h;
	size_t need, off;
	int r;

	if (!field_ok(a->name, GR_SNAP_MAX_NAME, false) ||
	    !field_ok(a->gecos, GR_SNAP_MAX_PW_FIELD, true) ||
	    !field_ok(a->dir, GR_SNAP_MAX_PW_FIELD, false) ||
	    !field_ok(a->shell, GR_SNAP_MAX_PW_FIELD, false))
		return -EINVAL;
	if (w->accounts.n_items == UINT32_MAX)
		return -E2BIG;
	memset(&h, 0, sizeof(h));
	h.uid = a->uid;
	h.gid = a->gid;
	h.name_len = (uint32_t)strlen(a->name);
	h.gecos_len = (uint32_t)strlen(a->gecos);
	h.dir_len = (uint32_t)strlen(a->dir);
	h.shell_len = (uint32_t)strlen(a->shell);
	need = sizeof(h) + (size_t)h.name_len + h.gecos_len + h.dir_len + h.shell_len + 4;
	r = gr_snap_grow(&w->entry, &w->entry_cap, need);
	if (r < 0)
		return r;
	memcpy(w->entry, &h, sizeof(h));
	off = sizeof(h);
	memcpy(w->entry + off, a->name, h.name_len + 1);
	off += h.name_len + 1;
	memcpy(w->entry + off, a->gecos, h.gecos_len + 1);
	off += h.gecos_len + 1;
	memcpy(w->entry + off, a->dir, h.dir_len + 1);
	off += h.dir_len + 1;
	memcpy(w->entry + off, a->shell, h.shell_len + 1);
	r = gr_snap_put(w, GR_SNAP_TAG_PW_NAME, a->name, h.name_len, w->entry, need);
	if (r == 0)
		r = gr_snap_put(w, GR_SNAP_TAG_PW_UID, &h.uid, sizeof(h.uid), w->entry, need);
	if (r < 0)
		return r;
	return gr_snap_chunker_add(w, &w->accounts, w->entry, need);
}

int gr_snap_writer_add_keys(struct gr_snap_writer *w, const char *login, const char *text,
			    size_t len)
{
	size_t llen = strlen(login);

	if (llen == 0 || llen > GR_SNAP_MAX_NAME || len == 0 || len > GR_SNAP_MAX_KEYS)
		return -EINVAL;
	return gr_snap_put(w, GR_SNAP_TAG_KEYS, login, llen, text, len);
}

int gr_snap_pw_finish(struct gr_snap_writer *w)
{
	struct gr_snap_pw_table t;
	int r;

	/* No accounts, no table: the snapshot is the group-only one. */
	if (!w->accounts.n_items)
		return 0;
	r = gr_snap_chunker_flush(w, &w->accounts);
	if (r < 0)
		return r;
	memset(&t, 0, sizeof(t));
	t.n_accounts = w->accounts.n_items;
	t.n_chunks = w->accounts.n_chunks;
	return gr_snap_put(w, GR_SNAP_TAG_PW_TABLE, NULL, 0, &t, sizeof(t));
}

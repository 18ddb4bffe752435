/* SPDX-License-Identifier: MIT */
/*
 * The user -> groups index, in fixed-size chunks.
 *
 * A user's group ids live in "ug/DIR/UID" (chunk 0) and "ug/DIR/UID/N"
 * (N >= 1), each a JSON array padded with spaces to GR_UG_CHUNK bytes.  Why
 * not an array inside the user's record, as schema 1 had it: libtdb
 * rewrites a record that outgrows its slot elsewhere and puts the old slot
 * on its free list, and its allocator walks that list until something
 * fits.  During a provisioning run every user grows at once, so the list
 * filled with one too-small slot per user and every membership change
 * walked all of them (94% of a PATCH at 100,000 users, see
 * docs/performance.md).  Chunks never grow: a change rewrites a chunk in
 * place, and a freed chunk is exactly the size the next new chunk needs.
 *
 * Chunks are dense (0..n-1, each non-empty); ids are kept in insertion
 * order.  An id that cannot fit a chunk (escaping can double an id's
 * length) gets an unpadded chunk of its own, which is still correct.
 *
 * The last chunk says so: its padding ends in a newline instead of a space
 * (both JSON whitespace, so a reader that does not know ignores it).  A
 * reader stops there instead of asking libtdb for a chunk that is not there
 * -- a hash chain walk, a system call per record on an unmapped file.  A
 * chunk without the mark (unpadded, or written before the mark existed)
 * sends the reader on to look for the next one, as before.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/records.h"
#include "store/store_priv.h"
#include "store/ugroups.h"

#define MAX_CHUNKS 4096
#define LAST_MARK '\n'

static int chunk_key(char *key, size_t len, const char *dir, const char *uid, size_t n)
{
	return n ? gr_key(key, len, "ug/%s/%s/%zu", dir, uid, n)
		 : gr_key(key, len, "ug/%s/%s", dir, uid);
}

static int keyerr(struct gr_err *err)
{
	return gr_err_set(err, -ENAMETOOLONG, "key too long");
}

/*
 * Chunk N of DIR/UID appended to ALL; *LAST: it says it is the last one.
 * RAW (may be NULL) takes libtdb's copy of its bytes.  -GR_E_NOTFOUND: none.
 */
static int read_chunk(struct gr_store *st, const char *dir, const char *uid, size_t n,
		      json_t *all, bool *last, unsigned char **raw, size_t *raw_len,
		      struct gr_err *err)
{
	char key[GR_KEY_MAX];
	unsigned char *val;
	json_t *chunk;
	size_t len;
	int r;

	if (chunk_key(key, sizeof(key), dir, uid, n) < 0)
		return keyerr(err);
	if ((r = gr_store_fetch(st, key, &val, &len, err)) < 0)
		return r;
	chunk = json_loadb((const char *)val, len, JSON_DECODE_ANY, NULL);
	if (!json_is_array(chunk) || json_array_extend(all, chunk) < 0)
		r = gr_err_set(err, -GR_E_CORRUPT, "record '%s' is not an array", key);
	json_decref(chunk);
	*last = len == GR_UG_CHUNK && val[len - 1] == LAST_MARK;
	if (r == 0 && raw) {
		*raw = val;
		*raw_len = len;
	} else {
		free(val);
	}
	return r;
}

/* gr_ugroups_get, keeping chunk 0's bytes in *RAW0 (NULL when there is none). */
static int get_all(struct gr_store *st, const char *dir, const char *uid, json_t **out,
		   size_t *nchunks, unsigned char **raw0, size_t *raw0_len, struct gr_err *err)
{
	json_t *all = json_array();
	bool last = false;
	size_t n;
	int r = 0;

	*out = NULL;
	if (raw0)
		*raw0 = NULL;
	if (!all)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (n = 0; n < MAX_CHUNKS && !last; n++) {
		r = read_chunk(st, dir, uid, n, all, &last, n == 0 ? raw0 : NULL, raw0_len, err);
		if (r == -GR_E_NOTFOUND) {
			r = 0;
			break;
		}
		if (r < 0)
			break;
	}
	if (r < 0) {
		if (raw0) {
			free(*raw0);
			*raw0 = NULL;
		}
		json_decref(all);
		return r;
	}
	if (nchunks)
		*nchunks = n;
	*out = all;
	return 0;
}

int gr_ugroups_get(struct gr_store *st, const char *dir, const char *uid, json_t **out,
		   size_t *nchunks, struct gr_err *err)
{
	return get_all(st, dir, uid, out, nchunks, NULL, NULL, err);
}

/*
 * Write ITEMS[from..to) as chunk N, padded to GR_UG_CHUNK when it fits (and
 * marked when LAST).  KNOWN: OLD is the chunk's value as this unit read it
 * (NULL: absent), for the undo.
 */
static int put_chunk(struct gr_store *st, const char *dir, const char *uid, size_t n,
		     const json_t *groups, size_t from, size_t to, bool last, bool known,
		     const unsigned char *old, size_t old_len, struct gr_err *err)
{
	char key[GR_KEY_MAX], *s, *padded = NULL;
	json_t *arr = json_array();
	size_t i, len;
	int r;

	for (i = from; arr && i < to; i++)
		if (json_array_append(arr, json_array_get(groups, i)) < 0)
			break;
	s = arr && i == to ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	if (!s)
		return gr_err_set(err, -ENOMEM, "out of memory");
	len = strlen(s);
	if (len < GR_UG_CHUNK && (padded = malloc(GR_UG_CHUNK + 1))) {
		memcpy(padded, s, len);
		memset(padded + len, ' ', GR_UG_CHUNK - len);
		if (last)
			padded[GR_UG_CHUNK - 1] = LAST_MARK;
		padded[GR_UG_CHUNK] = '\0';
		len = GR_UG_CHUNK;
	}
	if (chunk_key(key, sizeof(key), dir, uid, n) < 0)
		r = keyerr(err);
	else if (known)
		r = gr_store_put_over(st, key, padded ? padded : s, len, old, old_len, err);
	else
		r = gr_store_put_str(st, key, padded ? padded : s, err);
	free(padded);
	free(s);
	return r;
}

/* The length of V in a compact JSON array: quotes and escapes included. */
static size_t encoded_len(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = 2;

	for (; s && *s; s++)
		n += (*s == '"' || *s == '\\') ? 2 : ((unsigned char)*s < 0x20 ? 6 : 1);
	return n;
}

/* gr_ugroups_put; KNOWN0: OLD0 is chunk 0's value as this unit read it (NULL: absent). */
static int put_all(struct gr_store *st, const char *dir, const char *uid, const json_t *groups,
		   size_t old_chunks, bool known0, const unsigned char *old0, size_t old0_len,
		   struct gr_err *err)
{
	char key[GR_KEY_MAX];
	size_t i = 0, n = 0, total = json_array_size(groups);
	int r = 0;

	while (i < total && r == 0) {
		size_t start = i, len = 2 + encoded_len(json_array_get(groups, i++));

		/* Greedy: as many ids as fit, at least one. */
		while (i < total && len + 1 + encoded_len(json_array_get(groups, i)) <= GR_UG_CHUNK)
			len += 1 + encoded_len(json_array_get(groups, i++));
		if (n >= MAX_CHUNKS)
			return gr_err_set(err, -GR_E_INVALID, "user '%s' is in too many groups", uid);
		r = put_chunk(st, dir, uid, n, groups, start, i, i == total, n == 0 && known0, old0,
			      old0_len, err);
		n++;
	}
	for (; r == 0 && n < old_chunks && n < MAX_CHUNKS; n++) {
		if (chunk_key(key, sizeof(key), dir, uid, n) < 0)
			return keyerr(err);
		if (old_chunks == SIZE_MAX && !gr_store_exists(st, key))
			break;
		r = gr_store_del(st, key, err);
	}
	return r;
}

int gr_ugroups_put(struct gr_store *st, const char *dir, const char *uid, const json_t *groups,
		   size_t old_chunks, struct gr_err *err)
{
	return put_all(st, dir, uid, groups, old_chunks, false, NULL, 0, err);
}

int gr_ugroups_change(struct gr_store *st, const char *dir, const char *uid, const char *gid,
		      bool add, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *groups = NULL;
	unsigned char *raw0 = NULL;
	size_t nchunks, raw0_len = 0;
	int r, changed;

	r = get_all(st, dir, uid, &groups, &nchunks, &raw0, &raw0_len, err);
	if (r < 0)
		return r;
	/* Chunks exist only for users (a user's delete removes them): else ask. */
	if (!nchunks && (gr_key(key, sizeof(key), "user/%s/%s", dir, uid) < 0 ||
			 !gr_store_exists(st, key))) {
		json_decref(groups);
		return gr_err_set(err, -GR_E_INVALID, "group member '%s' is not a user of '%s'",
				  uid, dir);
	}
	changed = add ? gr_json_array_add(groups, gid) : (int)gr_json_array_remove(groups, gid);
	if (changed < 0) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
	} else if (changed > 0) {
		/* The observer hears "DIR/UID GID" instead of the chunks' keys (store.h). */
		if (st->observer) {
			char link[GR_KEY_MAX];

			if (gr_key(link, sizeof(link), "%s/%s %s", dir, uid, gid) == 0) {
				st->observer(st->observer_ctx, GR_STORE_EV_LINK, link);
				st->observer_muted = true;
			}
		}
		r = put_all(st, dir, uid, groups, nchunks, true, raw0, raw0_len, err);
		st->observer_muted = false;
	}
	free(raw0);
	json_decref(groups);
	return r;
}

/* ---- schema 1 -> 2: move each user's inline "groups" into chunks ---- */

static int inline_cb(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	json_t *keys = ctx;

	/* Cheap test first: only records holding a non-empty "groups" array. */
	if (!memmem(val, len, "\"groups\":[\"", 11))
		return 0;
	return json_array_append_new(keys, json_string(key)) < 0 ? -ENOMEM : 0;
}

int gr_ugroups_migrate(struct gr_store *st, struct gr_err *err)
{
	json_t *keys = json_array(), *k;
	size_t i;
	int r;

	if (!keys)
		return gr_err_set(err, -ENOMEM, "out of memory");
	r = gr_store_walk(st, "user/", inline_cb, keys, err);
	json_array_foreach(keys, i, k) {
		const char *rest = json_string_value(k) + 5, *slash = strchr(rest, '/');
		char dir[GR_NAME_MAX + 1];
		json_t *u = NULL;

		if (r < 0)
			break;
		if (!slash || (size_t)(slash - rest) > GR_NAME_MAX)
			continue;
		memcpy(dir, rest, (size_t)(slash - rest));
		dir[slash - rest] = '\0';
		r = gr_store_get_json(st, json_string_value(k), &u, err);
		if (r == 0 && json_is_object(u))
			r = gr_ugroups_put(st, dir, slash + 1, json_object_get(u, "groups"), 0, err);
		if (r == 0 && json_is_object(u)) {
			json_object_del(u, "groups");
			r = gr_store_put_json(st, json_string_value(k), u, err);
		}
		json_decref(u);
	}
	json_decref(keys);
	return r;
}

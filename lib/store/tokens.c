/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "core/names.h"
#include "store/tokens.h"

#define SECRET_BYTES 32
#define HASH_BYTES 32

static const char hexdig[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool from_hex(const char *s, size_t n, unsigned char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

static int fill_random(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}

static int sha256(const void *data, size_t len, unsigned char out[HASH_BYTES])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out) == 0 ? 0 : -EIO;
}

/* Compare without an early exit, so the time taken says nothing about where they differ. */
static bool equal_const_time(const unsigned char *a, const unsigned char *b, size_t n)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool gr_token_valid_scope(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t i, n = strlen(s);

	if (!colon || colon == s || !colon[1] || n > 64 || strchr(colon + 1, ':'))
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

static bool printable_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int gr_token_create(struct gr_store *st, enum gr_token_kind kind, const char *directory,
		    const char *const *scopes, size_t n_scopes, int64_t expires,
		    const char *description, int64_t now, char *token, char *id,
		    struct gr_err *err)
{
	unsigned char raw_id[GR_TOKEN_ID_LEN / 2], secret[SECRET_BYTES], hash[HASH_BYTES];
	char secret_hex[2 * SECRET_BYTES + 1], hash_hex[2 * HASH_BYTES + 1];
	char key[GR_KEY_MAX];
	json_t *rec = NULL, *sc = NULL;
	size_t i;
	int r;

	if (kind == GR_TOKEN_SCIM) {
		if (!directory || !gr_valid_slug(directory))
			return gr_err_set(err, -GR_E_INVALID, "a SCIM token needs a valid directory name");
		r = gr_key(key, sizeof(key), "dir/%s", directory);
		if (r < 0)
			return gr_err_set(err, r, "directory name too long");
		if (!gr_store_exists(st, key))
			return gr_err_set(err, -GR_E_NOTFOUND, "no directory %s", directory);
	} else {
		if (n_scopes == 0 || n_scopes > GR_TOKEN_MAX_SCOPES)
			return gr_err_set(err, -GR_E_INVALID, "an API token needs 1 to %d scopes",
					  GR_TOKEN_MAX_SCOPES);
		for (i = 0; i < n_scopes; i++)
			if (!gr_token_valid_scope(scopes[i]))
				return gr_err_set(err, -GR_E_INVALID,
						  "scope %zu is not a scope word like read:roles", i + 1);
	}
	if (description && (strlen(description) > GR_TOKEN_MAX_DESCRIPTION ||
			    !printable_text(description)))
		return gr_err_set(err, -GR_E_INVALID,
				  "a description is at most %d characters, without control characters",
				  GR_TOKEN_MAX_DESCRIPTION);
	if (expires < 0 || (expires && expires <= now))
		return gr_err_set(err, -GR_E_INVALID, "the expiry is in the past");
	/* A fresh id; a collision among 2^64 ids is checked anyway, never overwritten. */
	do {
		r = fill_random(raw_id, sizeof(raw_id));
		if (r < 0)
			return gr_err_set(err, r, "getrandom: %s", strerror(-r));
		to_hex(raw_id, sizeof(raw_id), id);
		gr_key(key, sizeof(key), "token/%s", id);
	} while (gr_store_exists(st, key));
	r = fill_random(secret, sizeof(secret));
	if (r < 0)
		return gr_err_set(err, r, "getrandom: %s", strerror(-r));
	to_hex(secret, sizeof(secret), secret_hex);
	r = sha256(secret_hex, strlen(secret_hex), hash);
	if (r < 0)
		return gr_err_set(err, r, "cannot hash the token");
	to_hex(hash, sizeof(hash), hash_hex);
	rec = json_pack("{s:s, s:s, s:I, s:I}", "kind", kind == GR_TOKEN_SCIM ? "scim" : "api",
			"hash", hash_hex, "created", (json_int_t)now, "expires", (json_int_t)expires);
	if (!rec)
		goto oom;
	if (kind == GR_TOKEN_SCIM && json_object_set_new(rec, "directory", json_string(directory)))
		goto oom;
	if (kind == GR_TOKEN_API) {
		sc = json_array();
		for (i = 0; sc && i < n_scopes; i++)
			if (json_array_append_new(sc, json_string(scopes[i])))
				goto oom;
		if (!sc || json_object_set_new(rec, "scopes", sc))
			goto oom;
		sc = NULL;
	}
	if (description && json_object_set_new(rec, "description", json_string(description)))
		goto oom;
	r = gr_store_put_json(st, key, rec, err);
	json_decref(rec);
	if (r < 0)
		return r;
	snprintf(token, GR_TOKEN_MAX, "%s_%s_%s", kind == GR_TOKEN_SCIM ? "grs" : "gra", id,
		 secret_hex);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(secret_hex, sizeof(secret_hex));
	return 0;
oom:
	json_decref(sc);
	json_decref(rec);
	return gr_err_set(err, -ENOMEM, "out of memory");
}

static bool valid_token_id(const char *id)
{
	size_t i;

	for (i = 0; i < GR_TOKEN_ID_LEN; i++)
		if (hex_val(id[i]) < 0)
			return false;
	return id[GR_TOKEN_ID_LEN] == '\0';
}

int gr_token_revoke(struct gr_store *st, const char *id, struct gr_err *err)
{
	char key[GR_KEY_MAX];

	if (!valid_token_id(id))
		return gr_err_set(err, -GR_E_INVALID, "a token id is %d hex digits", GR_TOKEN_ID_LEN);
	gr_key(key, sizeof(key), "token/%s", id);
	if (!gr_store_exists(st, key))
		return gr_err_set(err, -GR_E_NOTFOUND, "no token %s", id);
	return gr_store_del(st, key, err);
}

struct list_ctx {
	json_t *out;
	const char *directory;
	bool want_keys; /* collect keys only (for revoking) */
};

static int list_one(const char *key, const unsigned char *val, size_t len, void *vctx)
{
	struct list_ctx *ctx = vctx;
	json_error_t jerr;
	json_t *rec = json_loadb((const char *)val, len, 0, &jerr);
	const char *dir;
	int r = 0;

	if (!rec)
		return -GR_E_CORRUPT;
	dir = json_string_value(json_object_get(rec, "directory"));
	if (ctx->directory && (!dir || strcmp(dir, ctx->directory)))
		goto out;
	if (ctx->want_keys) {
		r = json_array_append_new(ctx->out, json_string(key)) ? -ENOMEM : 0;
		goto out;
	}
	json_object_del(rec, "hash");
	if (json_object_set_new(rec, "id", json_string(key + strlen("token/"))) ||
	    json_array_append(ctx->out, rec))
		r = -ENOMEM;
out:
	json_decref(rec);
	return r;
}

static int by_id(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return strcmp(json_string_value(json_object_get(x, "id")),
		      json_string_value(json_object_get(y, "id")));
}

int gr_token_list(struct gr_store *st, const char *directory, json_t **out, struct gr_err *err)
{
	struct list_ctx ctx = { .out = json_array(), .directory = directory };
	json_t **items = NULL, *sorted = NULL;
	size_t i, n;
	int r;

	*out = NULL;
	if (!ctx.out)
		return gr_err_set(err, -ENOMEM, "out of memory");
	r = gr_store_walk(st, "token/", list_one, &ctx, err);
	if (r < 0) {
		json_decref(ctx.out);
		return r == -GR_E_CORRUPT ? gr_err_set(err, r, "a token record does not decode") : r;
	}
	n = json_array_size(ctx.out);
	items = calloc(n ? n : 1, sizeof(*items));
	sorted = json_array();
	if (!items || !sorted) {
		free(items);
		json_decref(sorted);
		json_decref(ctx.out);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		items[i] = json_array_get(ctx.out, i);
	qsort(items, n, sizeof(*items), by_id);
	for (i = 0; i < n; i++)
		json_array_append(sorted, items[i]);
	free(items);
	json_decref(ctx.out);
	*out = sorted;
	return 0;
}

int gr_token_revoke_directory(struct gr_store *st, const char *directory, struct gr_err *err)
{
	struct list_ctx ctx = { .out = json_array(), .directory = directory, .want_keys = true };
	size_t i;
	int r;

	if (!ctx.out)
		return gr_err_set(err, -ENOMEM, "out of memory");
	r = gr_store_walk(st, "token/", list_one, &ctx, err);
	for (i = 0; r >= 0 && i < json_array_size(ctx.out); i++)
		r = gr_store_del(st, json_string_value(json_array_get(ctx.out, i)), err);
	json_decref(ctx.out);
	return r < 0 ? r : 0;
}

int gr_token_verify(struct gr_store *st, const char *presented, int64_t now, json_t **out,
		    struct gr_err *err)
{
	unsigned char want[HASH_BYTES], got[HASH_BYTES];
	char id[GR_TOKEN_ID_LEN + 1], key[GR_KEY_MAX];
	const char *kind, *hash, *secret;
	json_t *rec = NULL;
	json_int_t expires;
	int r;

	*out = NULL;
	/* "grs_" or "gra_", 16 hex, "_", 64 hex: anything else is simply not a token. */
	if (!presented || strlen(presented) != 4 + GR_TOKEN_ID_LEN + 1 + 2 * SECRET_BYTES ||
	    (strncmp(presented, "grs_", 4) && strncmp(presented, "gra_", 4)) ||
	    presented[4 + GR_TOKEN_ID_LEN] != '_')
		return -EACCES;
	memcpy(id, presented + 4, GR_TOKEN_ID_LEN);
	id[GR_TOKEN_ID_LEN] = '\0';
	if (!valid_token_id(id))
		return -EACCES;
	secret = presented + 4 + GR_TOKEN_ID_LEN + 1;
	gr_key(key, sizeof(key), "token/%s", id);
	r = gr_store_get_json(st, key, &rec, err);
	if (r == -GR_E_NOTFOUND)
		return -EACCES;
	if (r < 0)
		return r;
	kind = json_string_value(json_object_get(rec, "kind"));
	hash = json_string_value(json_object_get(rec, "hash"));
	expires = json_integer_value(json_object_get(rec, "expires"));
	r = -EACCES;
	if (!kind || !hash || strlen(hash) != 2 * HASH_BYTES || !from_hex(hash, HASH_BYTES, want))
		goto out;
	if (strcmp(kind, presented[2] == 's' ? "scim" : "api"))
		goto out;
	if (sha256(secret, 2 * SECRET_BYTES, got) < 0) {
		r = gr_err_set(err, -EIO, "cannot hash the token");
		goto out;
	}
	if (!equal_const_time(want, got, HASH_BYTES) || (expires && expires <= now))
		goto out;
	/* A SCIM token dies with its directory, even one deleted without revoking it. */
	if (presented[2] == 's') {
		const char *dir = json_string_value(json_object_get(rec, "directory"));

		if (!dir || gr_key(key, sizeof(key), "dir/%s", dir) < 0 || !gr_store_exists(st, key))
			goto out;
	}
	json_object_del(rec, "hash");
	json_object_set_new(rec, "id", json_string(id));
	*out = rec;
	rec = NULL;
	r = 0;
out:
	json_decref(rec);
	return r;
}

/* SPDX-License-Identifier: MIT */
#ifndef GR_TOKENS_H
#define GR_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/gr_error.h"
#include "store/store.h"

/*
 * Bearer tokens: SCIM tokens reach one directory's /scim/v2/{directory}/;
 * API tokens reach /api/v2 with a list of scopes.
 *
 * A token is "grs_" (SCIM) or "gra_" (API), a 16-hex-digit id, "_", and 64
 * hex digits of secret from getrandom(2).  Only the id and the SHA-256 of
 * the secret (GnuTLS) are stored, under "token/ID"; the secret is shown
 * once, when created.  The secrets are 256 random bits, so a plain hash is
 * enough: there is nothing to brute-force that a slow KDF would protect.
 * Verification compares the hashes in constant time.
 *
 *   token/ID  {"kind": "scim"|"api", "directory": D (scim), "scopes": [..] (api),
 *              "hash": hex, "created": t, "expires": t or 0, "description": text}
 */

#define GR_TOKEN_MAX 96       /* "grs_" + 16 + "_" + 64 + NUL, with room */
#define GR_TOKEN_ID_LEN 16
#define GR_TOKEN_MAX_SCOPES 64
#define GR_TOKEN_MAX_DESCRIPTION 200

enum gr_token_kind { GR_TOKEN_SCIM, GR_TOKEN_API };

/*
 * Create a token inside the open transaction.  DIRECTORY must exist for a
 * SCIM token (NULL for API tokens); SCOPES (API only) are "verb:noun"
 * words; EXPIRES is unix time or 0 for never; DESCRIPTION may be NULL.
 * The whole token is written to TOKEN (GR_TOKEN_MAX bytes) and its id to ID
 * (GR_TOKEN_ID_LEN + 1 bytes).
 */
int gr_token_create(struct gr_store *st, enum gr_token_kind kind, const char *directory,
		    const char *const *scopes, size_t n_scopes, int64_t expires,
		    const char *description, int64_t now, char *token, char *id,
		    struct gr_err *err);

/* Delete token ID inside the open transaction; -GR_E_NOTFOUND when there is none. */
int gr_token_revoke(struct gr_store *st, const char *id, struct gr_err *err);

/*
 * Every token's record without its hash, with "id" added, sorted by id,
 * as a new JSON array in *OUT.  DIRECTORY (may be NULL) keeps that
 * directory's SCIM tokens only.
 */
int gr_token_list(struct gr_store *st, const char *directory, json_t **out, struct gr_err *err);

/*
 * Check a presented bearer token at time NOW.  Returns 0 and the token's
 * record (new reference, without its hash) in *OUT, or -EACCES for anything
 * that is not a live token: malformed, unknown, revoked, expired or wrong
 * secret -- one answer, so a caller cannot tell them apart.  Other negative
 * codes are store failures.
 */
int gr_token_verify(struct gr_store *st, const char *presented, int64_t now, json_t **out,
		    struct gr_err *err);

/* Delete every SCIM token of DIRECTORY (when the directory is deleted). */
int gr_token_revoke_directory(struct gr_store *st, const char *directory, struct gr_err *err);

/* Is S a valid scope word ("read:roles")? */
bool gr_token_valid_scope(const char *s);

#endif

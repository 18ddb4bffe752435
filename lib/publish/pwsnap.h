/* SPDX-License-Identifier: MIT */
#ifndef GR_PWSNAP_H
#define GR_PWSNAP_H

/*
 * Accounts in nss.tdb (users = yes): directory users as passwd entries and
 * their SSH public keys, next to the groups of snapshot.h, in the same file
 * and with the same trust and freshness rules.
 *
 * Records (same key scheme as snapshot.h; none of them exist with
 * users = no, so such a snapshot is exactly what it was before accounts):
 *
 *   "p"          the accounts table: struct gr_snap_pw_table
 *   "P" login    account entry, by login name
 *   "Q" uid      account entry, by uid (the same bytes as "P")
 *   "F" chunk    enumeration chunk, as "E" is for groups: struct
 *                gr_snap_chunk_hdr, then `count` account entries
 *   "K" login    the login's SSH public keys, one per line, as the directory
 *                sent them (grouprole-ssh-keys checks each before printing);
 *                only for active users
 *
 * An account entry is struct gr_snap_pw_hdr, then the login name, GECOS,
 * home directory and shell, each followed by its NUL.  A reader checks every
 * length against the record's size, and that a NUL ends each field where its
 * length says and nowhere before.  The four strings back to back are what
 * the NSS module copies into the caller's buffer, in one piece.
 *
 * The table record is a separate record rather than header fields, so the
 * header (and GR_SNAP_VERSION) stay as they were: a module without accounts
 * support reads a snapshot with accounts and simply ignores them.
 */

#include <stddef.h>
#include <stdint.h>

#include "publish/snapshot.h"

#define GR_SNAP_TAG_PW_TABLE 'p'
#define GR_SNAP_TAG_PW_NAME 'P'
#define GR_SNAP_TAG_PW_UID 'Q'
#define GR_SNAP_TAG_PW_INDEX 'F'
#define GR_SNAP_TAG_KEYS 'K'

#define GR_SNAP_MAX_PW_FIELD 4096u  /* GECOS, home, shell: bytes without the NUL */
#define GR_SNAP_MAX_KEYS 65536u     /* one login's key lines */

struct gr_snap_pw_table {
	uint32_t n_accounts;
	uint32_t n_chunks;    /* "F" records */
};

struct gr_snap_pw_hdr {
	uint32_t uid;
	uint32_t gid;
	uint32_t name_len;    /* bytes of each string, without its NUL */
	uint32_t gecos_len;
	uint32_t dir_len;
	uint32_t shell_len;
};

/* A decoded account entry; pointers are into the record (or a chunk copy). */
struct gr_snap_account {
	uint32_t uid;
	uint32_t gid;
	const char *strings;  /* name, gecos, dir, shell with their NULs, back to back */
	size_t strings_len;
	uint32_t name_len, gecos_len, dir_len, shell_len;
};

/* An account to write. */
struct gr_snap_account_in {
	const char *name;
	uint32_t uid;
	uint32_t gid;
	const char *gecos;
	const char *dir;
	const char *shell;
};

/* Decode and check an account entry of exactly LEN bytes.  0 or -EINVAL. */
int gr_snap_decode_account(const unsigned char *data, size_t len, struct gr_snap_account *a);

/* Does S carry accounts (a snapshot published with users = yes)? */
bool gr_snap_has_accounts(const struct gr_snap *s);
const struct gr_snap_pw_table *gr_snap_pw_table(const struct gr_snap *s);

/*
 * Look an account up and hand the decoded entry to FN (which must not keep
 * the pointers).  FN's result, -ENOENT when absent, -GR_E_CORRUPT when the
 * entry does not decode.
 */
typedef int (*gr_snap_account_fn)(const struct gr_snap_account *a, void *ctx);
int gr_snap_account_by_name(struct gr_snap *s, const char *name, gr_snap_account_fn fn,
			    void *ctx);
int gr_snap_account_by_uid(struct gr_snap *s, uint32_t uid, gr_snap_account_fn fn, void *ctx);

/* Enumeration, as gr_snap_chunk_load/gr_snap_chunk_next are for groups. */
int gr_snap_pw_chunk_load(struct gr_snap *s, uint32_t index, struct gr_snap_chunk *c);
int gr_snap_pw_chunk_next(const struct gr_snap_chunk *c, size_t *pos, struct gr_snap_account *a);

/*
 * LOGIN's key lines: FN gets the bytes (not NUL-terminated) and their
 * length.  -ENOENT when the login has none.
 */
typedef int (*gr_snap_keys_fn)(const char *text, size_t len, void *ctx);
int gr_snap_keys(struct gr_snap *s, const char *login, gr_snap_keys_fn fn, void *ctx);

/*
 * Add an account (strings copied; enumerated in the order added).  -EINVAL
 * for an empty or overlong name or field, or one holding ':' or a newline;
 * -EEXIST for a duplicate login or uid; -ENOMEM; -GR_E_IO.
 */
int gr_snap_writer_add_account(struct gr_snap_writer *w, const struct gr_snap_account_in *a);
/* Add LOGIN's key lines (LEN bytes, 1..GR_SNAP_MAX_KEYS). */
int gr_snap_writer_add_keys(struct gr_snap_writer *w, const char *login, const char *text,
			    size_t len);

/*
 * gr_snap_writer_open with room for ACCOUNTS accounts in libtdb's hash
 * table (GROUPS_HINT should count their private groups too).
 */
int gr_snap_writer_open_accounts(const char *path, size_t groups_hint, size_t users_hint,
				 size_t accounts, struct gr_snap_writer **out);

#endif

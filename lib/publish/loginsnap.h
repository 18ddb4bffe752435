/* SPDX-License-Identifier: MIT */
#ifndef GR_LOGINSNAP_H
#define GR_LOGINSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/config.h"
#include "core/gr_error.h"
#include "resolve/resolve.h"

/*
 * login.tdb: what pam_grouprole decides from.
 *
 * The publisher (gr_publish) resolves every login under one read lock and
 * writes this file next to nss.tdb, the same way: a temporary file in the
 * state directory, fsync, mode 0600 (it names every user's directory, groups
 * and roles), rename, fsync of the directory.  The PAM module opens it
 * O_RDONLY -- libtdb then takes no locks and maps the file -- so a login
 * never waits on a writer of directory.tdb, and never opens it.
 *
 * Records (keys are a one-byte tag and the key bytes; integers native-endian,
 * unaligned -- the file never leaves the host that wrote it):
 *
 *   "H"        struct gr_login_header, then `context_len` bytes: the host
 *              context it was resolved for (gr_login_context)
 *   "U" login  one user entry, below
 *
 * A user entry:
 *
 *   u32 flags (GR_LOGIN_ACTIVE)   u32 n_roles   u32 n_groups
 *   str directory   str scim_id
 *   n_roles times:  u32 n_prov   str slug   str unix_group
 *                   n_prov times: u32 kind (enum gr_source)  i64 expires
 *                                 str detail   str context
 *   n_groups times: str group_name     (written for deactivated users only:
 *                                       the log line names their groups)
 *
 * where "str" is the bytes and a NUL.  Roles are in gr_resolve's order (by
 * slug) with its provenance, as of the publish.  A provenance of kind
 * GR_SRC_ASSIGNMENT carries its expiry, so the reader drops an assignment
 * that has expired since (gr_login_user_expire) without waiting for a new
 * publish: resource assignments are added after every other rule (rule 5),
 * so removing one never changes what the other rules gave.
 *
 * The reader checks every count and length against the record before using
 * it; a record that does not decode is -GR_E_CORRUPT for that user only.
 */

#define GR_LOGIN_FILE "login.tdb"
#define GR_LOGIN_MAGIC "GRLOGIN"
#define GR_LOGIN_VERSION 1

#define GR_LOGIN_TAG_HEADER 'H'
#define GR_LOGIN_TAG_USER 'U'

#define GR_LOGIN_ACTIVE 0x1u

/* Bounds the reader enforces; anything beyond them is corrupt. */
#define GR_LOGIN_MAX_ROLES 4096u
#define GR_LOGIN_MAX_GROUPS 65536u
#define GR_LOGIN_MAX_CONTEXT 8192u

struct gr_login_header {
	char magic[8];
	uint32_t version;
	uint32_t n_users;
	uint64_t generation;  /* directory.tdb generation it was resolved from */
	int64_t created;      /* unix time */
	int64_t next_expiry;  /* earliest assignment expiry it holds; 0 = none */
	uint32_t context_len; /* bytes of host context after the header */
	uint32_t reserved;
};

/*
 * The host context a resolution depends on besides directory.tdb, as one
 * canonical string: "organization=ORG\nresources=R1 R2\n", resources
 * sorted, so the order they are listed in does not matter.  The publisher
 * stores it; the PAM module compares it with its own configuration (its
 * arguments may override the file's) and refuses a snapshot resolved for
 * another organization or other resources.  state_dir is deliberately not
 * part of it: the module reads the snapshot of its own state_dir, which only
 * a publisher of that directory writes, and a state directory restored from
 * a backup under another path must keep working.  Returns the length, or
 * -ENAMETOOLONG when BUF is too small.
 */
int gr_login_context(const struct gr_config *cfg, char *buf, size_t len);

/* ---- writer (the publisher) ---- */

struct gr_login_writer;
struct gr_context;

/*
 * Start a login snapshot for CFG's state directory in a new temporary file
 * there (".login.tdb.XXXXXX", mode 0600).  USERS_HINT sizes the hash table.
 * *OUT is owned by the caller: gr_login_writer_install or _abort.
 */
int gr_login_writer_open(const struct gr_config *cfg, size_t users_hint,
			 struct gr_login_writer **out, struct gr_err *err);

/*
 * Add LOGIN, resolved as RES from the facts IN, of user ID in directory DIR.
 * CTX (may be NULL) supplies the roles' Unix group names.  Users that IN
 * does not know are skipped.  Returns 0, -EINVAL for an unusable name,
 * -EEXIST for a login added twice, -ENOMEM or -GR_E_IO.
 */
int gr_login_writer_add(struct gr_login_writer *w, const struct gr_context *ctx,
			const char *login, const char *dir, const char *id,
			const struct gr_resolve_input *in, const struct gr_resolution *res);

/* Make room for about BYTES of entries at once (gr_tdb_reserve); 0 or -GR_E_IO. */
int gr_login_writer_reserve(struct gr_login_writer *w, size_t bytes);

/*
 * Patching: start from a copy of the installed login.tdb, open as FROM
 * (SIZE bytes), in the new temporary file.  The copy must be of this
 * version and CFG's host context (else -GR_E_CORRUPT); its generation goes
 * to *GENERATION.  Puts then store an entry only where its bytes differ;
 * entries not put stay as they were unless removed; the totals are the
 * caller's (gr_login_writer_set_totals) since it knows the whole.  MAPPED
 * as for gr_snap_writer_open_copy.
 */
int gr_login_writer_open_copy(const struct gr_config *cfg, int from, uint64_t size, bool mapped,
			      uint64_t *generation, struct gr_login_writer **out,
			      struct gr_err *err);
int gr_login_writer_remove(struct gr_login_writer *w, const char *login);
/* The free records in the file, as gr_snap_writer_free_records. */
int gr_login_writer_free_records(struct gr_login_writer *w);
void gr_login_writer_set_totals(struct gr_login_writer *w, uint32_t n_users, int64_t next_expiry);


/*
 * The same in two steps, for a publisher that keeps entries in memory
 * between publishes (lib/publish/model.c): encode the entry of (DIR, ID)
 * into a new buffer (*BUF, malloc'd, *LEN bytes; the user must be known),
 * and later add that entry for LOGIN with its resolution's next expiry.
 */
int gr_login_encode(const struct gr_context *ctx, const char *dir, const char *id,
		    const struct gr_resolve_input *in, const struct gr_resolution *res,
		    unsigned char **buf, size_t *len);
int gr_login_writer_put(struct gr_login_writer *w, const char *login, const unsigned char *buf,
			size_t len, int64_t next_expiry);

/*
 * Write the header (GENERATION, now, CFG's host context), fsync and close the
 * temporary file.  Does not free W.  The publisher finishes this file before
 * it installs nss.tdb, so that the write and sync failures (a full disk) all
 * happen while neither snapshot has changed; only renames remain after.
 */
int gr_login_writer_finish(struct gr_login_writer *w, uint64_t generation,
			   struct gr_err *err);

/*
 * Rename the finished file to state_dir/login.tdb, then fsync the directory
 * (a failure of that last step only sets *DIR_SYNC_ERROR, when not NULL: the
 * snapshot is in place).  INSTALLED (may be NULL) receives the installed
 * file's fstat.  Always frees W; on failure the temporary file is removed
 * and the previous snapshot stays.
 */
int gr_login_writer_install(struct gr_login_writer *w, int *dir_sync_error,
			    struct stat *installed, struct gr_err *err);

/* Give up: remove the temporary file and free W (NULL is fine). */
void gr_login_writer_abort(struct gr_login_writer *w);

/* ---- reader (the PAM module) ---- */

struct gr_login_snap;

/*
 * Open state_dir/login.tdb of CFG read-only: the state directory and the file
 * must be root-owned (or owned by the real uid under test_mode, never in an
 * AT_SECURE process), the file a regular file of mode 0600 or stricter
 * (group/world access refused: it holds every user's data), with our magic
 * and version, built for CFG's host context.  Errors, each with a sentence
 * in ERR: -ENOENT (never published), -GR_E_UNSAFE, -GR_E_CORRUPT,
 * -GR_E_SCHEMA (another version), -GR_E_CONFIG (another host context).
 */
int gr_login_snap_open(const struct gr_config *cfg, struct gr_login_snap **out,
		       struct gr_err *err);
/* The same, mapped, for a reader of every entry (gr_login_snap_walk). */
int gr_login_snap_open_all(const struct gr_config *cfg, struct gr_login_snap **out,
			   struct gr_err *err);
void gr_login_snap_close(struct gr_login_snap *s);
const struct gr_login_header *gr_login_snap_header(const struct gr_login_snap *s);

struct gr_login_role {
	const char *slug;
	const char *unix_group; /* "" when the publisher did not know it */
	size_t n_prov;
	struct gr_provenance prov[GR_MAX_PROVENANCE];
};

/* One decoded entry; every string points into BUF, which it owns. */
struct gr_login_user {
	bool active;
	const char *dir;
	const char *id;
	struct gr_login_role *roles;
	size_t n_roles;
	const char **groups;
	size_t n_groups;
	unsigned char *buf;
};

/*
 * Look up LOGIN.  Returns 0 with *OUT (free with gr_login_user_free),
 * -ENOENT when the snapshot has no such login (not in the directory),
 * -GR_E_CORRUPT when the entry does not decode, -ENOMEM.
 */
int gr_login_snap_lookup(struct gr_login_snap *s, const char *login,
			 struct gr_login_user **out, struct gr_err *err);
void gr_login_user_free(struct gr_login_user *u);

/*
 * Call FN(LOGIN, ENTRY, CTX) for every user entry, in no order; ENTRY and
 * LOGIN are valid during the call only.  An entry that does not decode is
 * skipped.  A non-zero return of FN stops the walk and is returned.
 */
typedef int (*gr_login_walk_fn)(const char *login, struct gr_login_user *entry, void *ctx);
int gr_login_snap_walk(struct gr_login_snap *s, gr_login_walk_fn fn, void *ctx);

/*
 * Drop the assignment reasons that have expired by NOW (expires != 0 and
 * expires <= NOW, as gr_resolve counts them), and the roles left with no
 * reason at all.
 */
void gr_login_user_expire(struct gr_login_user *u, int64_t now);

/* Decode a user entry of LEN bytes at DATA into U (strings point into DATA). */
int gr_login_decode(unsigned char *data, size_t len, struct gr_login_user *u);

#endif

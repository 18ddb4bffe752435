/* SPDX-License-Identifier: MIT */
#ifndef GR_SNAPSHOT_H
#define GR_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * nss.tdb: the published snapshot that libnss_grouprole reads.
 *
 * Built whole in a temporary file by the publisher, fsynced and renamed over
 * the previous one, so it never changes in place: readers open it O_RDONLY,
 * which makes libtdb skip locking entirely, and mmap it.  A reader notices a
 * new snapshot by the path's (st_dev, st_ino) changing.
 *
 * This file only depends on libc and libtdb: the NSS module links it.
 *
 * Records (keys are a one-byte tag followed by the key bytes; integers are
 * native-endian uint32 -- the file never leaves the host that wrote it):
 *
 *   "H"                header: struct gr_snap_header
 *   "N" name           group entry, by Unix group name
 *   "D" gid            group entry, by gid (the same bytes as "N")
 *   "E" index          gid of the index'th group, 0 <= index < n_groups,
 *                      for enumeration in a stable order
 *   "U" login          the login's gids, uint32[] (includes gids of roles
 *                      bound to existing host groups, which have no entry)
 *
 * A group entry is struct gr_snap_entry_hdr, then the group name and NUL,
 * then n_members member names, each followed by NUL.  Readers check every
 * length against the record size before trusting it.
 */

#define GR_SNAP_FILE "nss.tdb"
#define GR_SNAP_MAGIC "GRSNAP1"
#define GR_SNAP_VERSION 1

#define GR_SNAP_TAG_HEADER 'H'
#define GR_SNAP_TAG_NAME 'N'
#define GR_SNAP_TAG_GID 'D'
#define GR_SNAP_TAG_INDEX 'E'
#define GR_SNAP_TAG_USER 'U'

/* Upper bounds a reader enforces; a record beyond them is corrupt. */
#define GR_SNAP_MAX_MEMBERS 1000000u
#define GR_SNAP_MAX_USER_GIDS 65536u

struct gr_snap_header {
	char magic[8];
	uint32_t version;
	uint32_t n_groups;
	uint32_t n_users;
	uint32_t reserved;
	uint64_t generation;  /* directory.tdb generation it was built from */
	int64_t created;      /* unix time */
	int64_t next_expiry;  /* earliest assignment expiry it reflects; 0 = none */
};

struct gr_snap_entry_hdr {
	uint32_t gid;
	uint32_t n_members;
	uint32_t name_len;     /* bytes of the name, without its NUL */
	uint32_t members_len;  /* bytes of all member names with their NULs */
};

/* A decoded group entry; pointers are into the snapshot's mapping. */
struct gr_snap_group {
	uint32_t gid;
	uint32_t n_members;
	const char *name;
	size_t name_len;
	const char *members;   /* n_members NUL-terminated names back to back */
	size_t members_len;
};

/*
 * Decode and bounds-check a group entry of LEN bytes at DATA (unaligned).
 * Returns 0 or -EINVAL.  The member names themselves are checked by the
 * consumer while it walks them (gr_snap_next_member).
 */
int gr_snap_decode_group(const unsigned char *data, size_t len, struct gr_snap_group *g);

/*
 * Iterate member names: start with *POS = 0; returns the next name and its
 * length in *LEN, or NULL at the end or when the region is malformed.
 */
const char *gr_snap_next_member(const struct gr_snap_group *g, size_t *pos, size_t *len);

/* Build the key for TAG + bytes; returns its length or 0 when it does not fit. */
size_t gr_snap_key(unsigned char *buf, size_t len, char tag, const void *data, size_t dlen);

/* ---- reader ---- */

struct gr_snap;

/*
 * Open the snapshot at PATH read-only.  The file must be root-owned (or,
 * when ALLOW_REAL_UID, owned by the real uid) and not group/world-writable;
 * its header must carry our magic and version.  Returns 0, -ENOENT when
 * there is no snapshot, -EACCES/-GR_E_UNSAFE/-GR_E_CORRUPT otherwise.
 * Does not set errno-visible state beyond what libc calls do.
 */
int gr_snap_open(const char *path, bool allow_real_uid, struct gr_snap **out);
void gr_snap_close(struct gr_snap *s);

/*
 * Does PATH still name the file S was opened from?  One stat(2); false when
 * the path is gone or was replaced.
 */
bool gr_snap_is_current(const struct gr_snap *s, const char *path);

const struct gr_snap_header *gr_snap_header(const struct gr_snap *s);

/*
 * Look up a group and hand the decoded entry to FN, which must not keep the
 * pointers.  Returns FN's result, -ENOENT when absent, -GR_E_CORRUPT when
 * the entry does not decode.
 */
typedef int (*gr_snap_group_fn)(const struct gr_snap_group *g, void *ctx);
int gr_snap_group_by_name(struct gr_snap *s, const char *name, gr_snap_group_fn fn, void *ctx);
int gr_snap_group_by_gid(struct gr_snap *s, uint32_t gid, gr_snap_group_fn fn, void *ctx);
int gr_snap_group_by_index(struct gr_snap *s, uint32_t index, gr_snap_group_fn fn, void *ctx);

/*
 * The gids of LOGIN: FN gets the (unaligned) array and its count.
 * -ENOENT when the login has no roles.
 */
typedef int (*gr_snap_gids_fn)(const unsigned char *gids, uint32_t n, void *ctx);
int gr_snap_user_gids(struct gr_snap *s, const char *login, gr_snap_gids_fn fn, void *ctx);

#endif

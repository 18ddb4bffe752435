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
 * the previous one, so the tools never change it in place: readers open it
 * O_RDONLY, which makes libtdb skip locking entirely, and mmap it.  A reader
 * notices a new snapshot by the path's (st_dev, st_ino) changing, and a file
 * someone wrote in place (truncate, cp over it) by its size, mtime or ctime
 * changing; the header's file_size must equal the file's size at open.
 *
 * This file only depends on libc and libtdb: the NSS module links it.
 *
 * Records (keys are a one-byte tag followed by the key bytes; integers are
 * native-endian uint32 -- the file never leaves the host that wrote it):
 *
 *   "H"                header: struct gr_snap_header
 *   "N" name           group entry, by Unix group name
 *   "D" gid            group entry, by gid (the same bytes as "N")
 *   "E" chunk          enumeration chunk 0 <= chunk < n_chunks: struct
 *                      gr_snap_chunk_hdr, then `count` group entries back to
 *                      back; chunks hold the groups in a stable order, chunk
 *                      c starting at group index `first`
 *   "U" login          the login's gids, uint32[] (includes gids of roles
 *                      bound to existing host groups, which have no entry)
 *
 * A group entry (v3) is struct gr_snap_entry_hdr, then the group name and
 * its NUL, then n_members bytes holding each member name's length (1..254,
 * without its NUL), then the n_members names, each followed by NUL
 * (members_len bytes in all).  Readers check every length against the record
 * size before trusting it; the lengths must sum (each + 1) to members_len,
 * none may be 0, a NUL must follow each name where its length says, and the
 * region must end with a NUL.  The stored lengths let a reader build gr_mem
 * without scanning the names byte by byte (docs/performance.md).
 *
 * Version 2 replaced version 1's one "E" record per group (index -> gid,
 * then a second lookup by gid) with chunks: an enumeration reads one record
 * per GR_SNAP_CHUNK_ENTRIES groups instead of two per group, which is what
 * keeps getgrent_r under 150 ns per entry (see docs/performance.md).
 * Version 3 added the member lengths and the header's file_size.
 */

#define GR_SNAP_FILE "nss.tdb"
#define GR_SNAP_MAGIC "GRSNAP1"
#define GR_SNAP_VERSION 3

#define GR_SNAP_TAG_HEADER 'H'
#define GR_SNAP_TAG_NAME 'N'
#define GR_SNAP_TAG_GID 'D'
#define GR_SNAP_TAG_INDEX 'E'
#define GR_SNAP_TAG_USER 'U'

/* Upper bounds a reader enforces; a record beyond them is corrupt. */
#define GR_SNAP_MAX_MEMBERS 1000000u
#define GR_SNAP_MAX_USER_GIDS 65536u
#define GR_SNAP_MAX_NAME 254u       /* group and login names; keys fit 256 bytes */

/*
 * A chunk is closed when it holds this many entries or this many bytes,
 * whichever comes first (a single larger entry gets a chunk of its own), so
 * the reader's copy of one chunk stays small.
 */
#define GR_SNAP_CHUNK_ENTRIES 64u
#define GR_SNAP_CHUNK_BYTES 65536u

struct gr_snap_header {
	char magic[8];
	uint32_t version;
	uint32_t n_groups;
	uint32_t n_users;
	uint32_t n_chunks;    /* "E" records */
	uint64_t generation;  /* directory.tdb generation it was built from */
	int64_t created;      /* unix time */
	int64_t next_expiry;  /* earliest assignment expiry it reflects; 0 = none */
	uint64_t file_size;   /* st_size of the finished file (v3) */
};

struct gr_snap_entry_hdr {
	uint32_t gid;
	uint32_t n_members;
	uint32_t name_len;     /* bytes of the name, without its NUL */
	uint32_t members_len;  /* bytes of all member names with their NULs */
};

struct gr_snap_chunk_hdr {
	uint32_t first;        /* index of the chunk's first group */
	uint32_t count;        /* entries in the chunk, at least 1 */
};

/* A decoded group entry; pointers are into the snapshot's mapping. */
struct gr_snap_group {
	uint32_t gid;
	uint32_t n_members;
	const char *name;
	size_t name_len;
	const unsigned char *lens; /* n_members name lengths, without the NULs (v3) */
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
 * Does PATH still name the file S was opened from, unchanged?  One stat(2);
 * false when the path is gone or was replaced, or when the file was
 * written in place (its size, mtime or ctime differ).
 */
bool gr_snap_is_current(const struct gr_snap *s, const char *path);

/* The same for S's own descriptor (one fstat(2)), whatever the path names now. */
bool gr_snap_unchanged(const struct gr_snap *s);

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
 * One enumeration chunk, copied out of the snapshot so that it stays valid
 * whatever happens to the snapshot handle.  DATA is malloc'ed and owned by
 * the chunk: release it with gr_snap_chunk_release().
 */
struct gr_snap_chunk {
	unsigned char *data;
	size_t len;
	uint32_t first;
	uint32_t count;
};

/*
 * Copy chunk INDEX (0 <= INDEX < n_chunks) into C.  Returns 0, -ENOENT past
 * the last chunk, -ENOMEM, or -GR_E_CORRUPT when the chunk is missing or its
 * header does not fit the snapshot's counts.
 */
int gr_snap_chunk_load(struct gr_snap *s, uint32_t index, struct gr_snap_chunk *c);
void gr_snap_chunk_release(struct gr_snap_chunk *c);

/*
 * Decode the entry at *POS of chunk C (start with *POS = 0) into G, whose
 * pointers are into C->data, and advance *POS.  Returns 1 for an entry, 0
 * after the last one, -GR_E_CORRUPT when the bytes do not decode.
 */
int gr_snap_chunk_next(const struct gr_snap_chunk *c, size_t *pos, struct gr_snap_group *g);

/*
 * The gids of LOGIN: FN gets the (unaligned) array and its count.
 * -ENOENT when the login has no roles.
 */
typedef int (*gr_snap_gids_fn)(const unsigned char *gids, uint32_t n, void *ctx);
int gr_snap_user_gids(struct gr_snap *s, const char *login, gr_snap_gids_fn fn, void *ctx);

/* ---- writer ---- */

struct gr_snap_writer;

/*
 * Start a snapshot in the new, empty (or not yet existing) file PATH, which
 * nobody else may know yet: no locking, no syncing until the end.  The hints
 * size libtdb's hash table (a fetch among 100k records costs 61 us with the
 * default 131 buckets, 1 us with enough).
 */
int gr_snap_writer_open(const char *path, size_t groups_hint, size_t users_hint,
			struct gr_snap_writer **out);

/*
 * Add a group with its N member names (copied; the caller decides their
 * order, which readers keep).  Groups are enumerated in the order added.
 * Returns 0, -EINVAL for a bad name, -E2BIG for too many members, -EEXIST for
 * a duplicate name or gid, -ENOMEM, or -GR_E_IO.
 */
int gr_snap_writer_add_group(struct gr_snap_writer *w, const char *name, uint32_t gid,
			     const char *const *members, uint32_t n);

/* Add LOGIN's N gids (N >= 1).  Same returns as gr_snap_writer_add_group. */
int gr_snap_writer_add_user(struct gr_snap_writer *w, const char *login, const uint32_t *gids,
			    uint32_t n);

/*
 * Write the header, fsync and close the file.  Always frees W, also on
 * failure (then the file's contents are undefined: remove it).  The caller
 * renames the file into place.
 */
int gr_snap_writer_finish(struct gr_snap_writer *w, uint64_t generation, int64_t next_expiry);

/*
 * Patching: PATH is a private copy of a finished snapshot without accounts
 * (the publisher's temporary file), to be changed in place.  OLD receives
 * its header.  Every add then stores a record only where its bytes differ
 * from the copy's, and the chunks are rebuilt from the groups added (all of
 * them, in order, exactly as for a new file: the result holds the records a
 * new file would).  Users not added keep their records unless removed.
 * MAPPED opens it mapped, for patches that touch many records: unmapped,
 * each record read is a system call; mapped, the unmap and the sync cost a
 * TLB shootdown on every CPU.  -GR_E_CORRUPT when the copy is not such a
 * snapshot.
 */
int gr_snap_writer_open_copy(const char *path, bool mapped, struct gr_snap_header *old,
			     struct gr_snap_writer **out);
/* Patching: the free records in the file (libtdb walks them on every allocation). */
int gr_snap_writer_free_records(struct gr_snap_writer *w);
/* Patching: LOGIN has no gids any more. */
int gr_snap_writer_remove_user(struct gr_snap_writer *w, const char *login);
/* Patching: the header's user count, for the users left untouched too. */
void gr_snap_writer_set_users(struct gr_snap_writer *w, uint32_t n_users);

/* Make room for about BYTES of records at once (gr_tdb_reserve); 0 or -GR_E_IO. */
int gr_snap_writer_reserve(struct gr_snap_writer *w, size_t bytes);

/* Give up: close the file without a header (so no reader accepts it), free W. */
void gr_snap_writer_abort(struct gr_snap_writer *w);

#endif

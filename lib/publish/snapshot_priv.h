/* SPDX-License-Identifier: MIT */
#ifndef GR_SNAPSHOT_PRIV_H
#define GR_SNAPSHOT_PRIV_H

/*
 * What snapshot.c (groups) and pwsnap.c (accounts) share about nss.tdb's
 * reader and writer.  Not for anyone else: the public interfaces are
 * snapshot.h and pwsnap.h.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "publish/pwsnap.h"
#include "publish/snapshot.h"

struct tdb_context;

struct gr_snap {
	struct tdb_context *tdb;
	struct stat id;        /* what the file looked like when opened */
	struct gr_snap_header hdr;
	struct gr_snap_pw_table pw; /* zero when the snapshot has no accounts */
};

/* Enumeration chunks of one table being written ("E" groups, "F" accounts). */
struct gr_snap_chunker {
	char tag;
	unsigned char *chunk;  /* the chunk being filled, header included */
	size_t len, cap;
	struct gr_snap_chunk_hdr ch;
	uint32_t n_chunks;
	uint32_t n_items;
};

struct gr_snap_writer {
	struct tdb_context *tdb;
	unsigned char *entry;  /* scratch for one entry */
	size_t entry_cap;
	struct gr_snap_chunker groups, accounts;
	uint32_t n_users;
	bool patch;            /* a copy changed in place (gr_snap_writer_open_copy) */
	uint32_t old_chunks;   /* patching: the copy's "E" records, to drop the surplus */
};

int gr_snap_grow(unsigned char **buf, size_t *cap, size_t need);
/* Store a new record TAG+KDATA; -EEXIST for a duplicate, -ENOMEM, -GR_E_IO. */
int gr_snap_put(struct gr_snap_writer *w, char tag, const void *kdata, size_t klen,
		const void *v, size_t vlen);
/* Append an entry of NEED bytes to C's current chunk, writing full chunks out. */
int gr_snap_chunker_add(struct gr_snap_writer *w, struct gr_snap_chunker *c,
			const unsigned char *entry, size_t need);
int gr_snap_chunker_flush(struct gr_snap_writer *w, struct gr_snap_chunker *c);

/* Copy chunk INDEX of the table TAG (N_ITEMS entries in N_CHUNKS chunks). */
int gr_snap_chunk_load_table(struct gr_snap *s, char tag, uint32_t n_items, uint32_t n_chunks,
			     uint32_t index, struct gr_snap_chunk *c);

/* pwsnap.c: read the "p" record at open (absent: no accounts); write it at finish. */
int gr_snap_pw_load_table(struct gr_snap *s);
int gr_snap_pw_finish(struct gr_snap_writer *w);

#endif

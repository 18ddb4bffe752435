/* SPDX-License-Identifier: MIT */
#ifndef GR_PUBLISH_CANON_H
#define GR_PUBLISH_CANON_H

#include <stdio.h>

/*
 * A snapshot (nss.tdb or login.tdb) as its records: one line per record,
 * key and value in hex, sorted, with the header fields that depend on when
 * and where it was written set to zero -- the generation (how many commits
 * the writing host made), the creation time and nss.tdb's file size.  Two
 * snapshots with the same lines answer every lookup alike, however libtdb
 * placed the records (a patched file and a whole one differ there).  For
 * tests and benchmarks.  0, or a negative code (the file is not a snapshot,
 * cannot be read, out of memory).
 */
int gr_snap_canon(const char *path, FILE *out);

#endif

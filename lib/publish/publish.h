/* SPDX-License-Identifier: MIT */
#ifndef GR_PUBLISH_H
#define GR_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct gr_publish_stats {
	size_t users;        /* users with a login name that were resolved */
	size_t users_with_roles;
	size_t groups;       /* role groups written (bound roles have none) */
	size_t memberships;  /* (user, role) pairs */
	uint64_t generation; /* directory generation the snapshot reflects */
	int64_t next_expiry; /* when the snapshot must be rebuilt; 0 = never */
	uint64_t bytes;      /* size of the new snapshot file */
	int dir_sync_error;  /* non-zero: installed, but the directory fsync failed */
};

/*
 * Resolve every user with a login name on this host and replace the NSS
 * snapshot (state_dir/nss.tdb) with the result.
 *
 * Publishers are serialized by an exclusive lock on state_dir/publish.lock,
 * and each reads the directory under one read lock, so a snapshot never
 * reflects an older state than one already published.  The new file is
 * written in full under a temporary name, fsynced, made 0644 and renamed
 * into place, then the directory is fsynced.  On any failure (a full disk,
 * say) the temporary file is removed and the previous snapshot stays.  The
 * PAM module's snapshot, state_dir/login.tdb (0600), is built from the same
 * resolution and installed the same way after nss.tdb (lib/publish/loginsnap.h).
 *
 * STATS may be NULL.  Must not be called inside a transaction that has
 * uncommitted changes: it publishes what is committed.
 */
int gr_publish(struct gr_store *st, struct gr_publish_stats *stats, struct gr_err *err);

#endif

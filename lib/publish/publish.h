/* SPDX-License-Identifier: MIT */
#ifndef GR_PUBLISH_H
#define GR_PUBLISH_H

#include <stdbool.h>
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
	bool full;           /* every user was resolved (not only what changed) */
	bool patched;        /* the files were patched, not written whole (model.h) */
	size_t resolved;     /* users resolved for this publish */
	/* users = yes */
	size_t accounts;     /* passwd entries written (and private groups, unless users_gid) */
	size_t shadowed;     /* directory logins a local account has: not served */
	char first_shadowed[256]; /* the first of them, for a message */
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

/*
 * gr_publish, and the user.roles.changed events of ORIGIN for the logins
 * whose roles changed from the login.tdb it replaced to the one it
 * installed (lib/publish/rolediff.h), appended to the array EVENTS once the
 * snapshots are in place.  A publisher that finds nothing to change, or no
 * previous login.tdb, appends none.
 */
int gr_publish_events(struct gr_store *st, struct gr_publish_stats *stats, const char *origin,
		      json_t *events, struct gr_err *err);

/*
 * Take state_dir/publish.lock (waiting for another publisher) and remove
 * the temporary files of publishers that died.  Returns the lock's file
 * descriptor for gr_publish_unlock, or a negative code.  gr_publish takes
 * it itself; a long-running publisher (lib/publish/model.h) holds it from
 * reading the store until its snapshots are installed.
 */
int gr_publish_lock(const struct gr_config *cfg, struct gr_err *err);
void gr_publish_unlock(int fd);

/*
 * Is the snapshot behind the store?  Fills the generation in nss.tdb's
 * header (0 when it cannot be read) and the store's, and returns 1 when
 * they differ or the snapshot is missing (a commit whose publish failed: a
 * full disk, a killed process), 0 when they match, or a negative code when
 * the snapshot exists but cannot be opened (-GR_E_UNSAFE, -GR_E_CORRUPT, ...)
 * or the store cannot be read.
 */
int gr_publish_lag(struct gr_store *st, uint64_t *snap_gen, uint64_t *store_gen,
		   struct gr_err *err);

/*
 * Remove temporary snapshot files (".nss.tdb.XXXXXX" and the like) that
 * dead publishers left in state_dir.  A live publisher's file looks the
 * same, so this only happens under publish.lock, which every publisher
 * holds while its file exists: gr_publish does it itself; this takes the
 * lock without waiting and sets BUSY instead when a publisher holds it.
 * REMOVED counts the files removed, LEFT those that could not be (the first
 * named in FIRST_LEFT, the reason in ERR, and a negative return).
 */
struct gr_sweep {
	bool busy;
	size_t removed, left;
	char first_left[256];
};
int gr_publish_sweep(const struct gr_config *cfg, struct gr_sweep *out, struct gr_err *err);

#endif

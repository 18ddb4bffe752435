/* SPDX-License-Identifier: MIT */
#ifndef GR_NSS_STATE_H
#define GR_NSS_STATE_H

/*
 * The logic behind libnss_grouprole.so.2: one long-lived snapshot handle per
 * process, the enumeration cursor, and packing entries into the caller's
 * buffer.  nss_grouprole/nss_grouprole.c only translates these results into
 * NSS statuses.
 *
 * Every function returns 0 on success or a negative code:
 *   -ENOENT   not found: unknown name or gid, a login without roles, the end
 *             of an enumeration, or no snapshot at all (NSS "NOTFOUND")
 *   -ERANGE   BUF is too short; nothing was written to GR (NSS "TRYAGAIN")
 *   -ENOMEM   allocation failed (NSS "TRYAGAIN")
 *   other     the configuration or the snapshot exists but cannot be read,
 *             validated or trusted (NSS "UNAVAIL"); nothing is returned
 *
 * Thread safety: every function takes one process-wide mutex.  Nothing here
 * writes a file, takes a file lock, or talks to the network: the snapshot is
 * opened read-only, which makes libtdb skip locking.
 *
 * Freshness: a brand-new process opens the current snapshot on its first
 * call; a forked child re-checks on its first call; a long-lived process
 * compares the snapshot path's (st_dev, st_ino) with its open handle at most
 * once per GR_NSS_RECHECK_MS (measured with CLOCK_MONOTONIC_COARSE, which
 * costs no system call) and reopens when the publisher renamed a new file in.
 * docs/performance.md explains why not on every call: glibc itself already
 * stats /etc/nsswitch.conf on every lookup, and a second stat per call
 * would alone take a miss past 1.5x of the dispatch floor.
 */

#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <sys/types.h>

#define GR_NSS_RECHECK_MS 100

/* Fill GR with group NAME / GID; strings and gr_mem point into BUF. */
int gr_nss_getgrnam(const char *name, struct group *gr, char *buf, size_t len);
int gr_nss_getgrgid(gid_t gid, struct group *gr, char *buf, size_t len);

/*
 * Enumeration, independent of the lookups above: setgrent pins the current
 * snapshot until endgrent (or the end of the enumeration), so one pass sees
 * one published state even while the publisher replaces the file.
 * getgrent returns -ERANGE without advancing, so the caller can retry the
 * same entry with a larger buffer.  getgrent without setgrent starts at the
 * beginning.
 */
int gr_nss_setgrent(void);
int gr_nss_getgrent(struct group *gr, char *buf, size_t len);
void gr_nss_endgrent(void);

/*
 * Accounts (users = yes), with the same rules: PW's strings point into BUF;
 * -ENOENT for a snapshot without accounts.  The passwd enumeration has its
 * own cursor, apart from the group one and from the lookups.
 */
int gr_nss_getpwnam(const char *name, struct passwd *pw, char *buf, size_t len);
int gr_nss_getpwuid(uid_t uid, struct passwd *pw, char *buf, size_t len);
int gr_nss_setpwent(void);
int gr_nss_getpwent(struct passwd *pw, char *buf, size_t len);
void gr_nss_endpwent(void);

/*
 * Append USER's role gids to *GROUPSP (*START used of *SIZE), the way glibc's
 * initgroups_dyn wants it: skip SKIPGID and gids already present, grow the
 * array with realloc (updating *SIZE), stop quietly at LIMIT entries when
 * LIMIT > 0.  -ENOENT when USER has no roles.
 */
int gr_nss_initgroups(const char *user, gid_t skipgid, long int *start, long int *size,
		      gid_t **groupsp, long int limit);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_TDBFILE_H
#define GR_TDBFILE_H

/*
 * Every tdb_open and tdb_close in lib/ goes through these two functions.
 *
 * Why: libtdb keeps one process-global list of open databases, without a
 * lock.  tdb_open refuses (EBUSY) a file whose (st_dev, st_ino) is already
 * in the list, and tdb_close closes its descriptor *before* it takes the
 * context off the list.  Two consequences, both seen in
 * tests/module/nss_concurrency.c:
 *
 *  - the NSS module closing a replaced snapshot frees its inode while the
 *    stale entry is still listed; the publisher's next temporary file can
 *    get that inode number and its tdb_open then fails with EBUSY;
 *  - tdb_open and tdb_close running in two threads edit the list at the
 *    same time, which can lose an entry or keep a freed one.
 *
 * gr_tdb_close therefore keeps a second descriptor on the file until
 * tdb_close has returned (an inode that is still open cannot be reused), and
 * both functions run under one process-wide mutex.
 *
 * One mutex for the whole process: the NSS and PAM modules each carry their
 * own static copy of lib/ (their version scripts keep it local), so a plain
 * static mutex would be one per copy.  A program that may load the modules
 * exports the object GR_TDB_LOCK_SYMBOL (link with GR_TDB_LOCK_EXPORT, see
 * tools/build.mk); every copy looks it up with dlsym(RTLD_DEFAULT) when it
 * is loaded and uses the program's, falling back to its own when the
 * program does not export one (sshd, su: single-threaded where they load
 * us; each module's copy is then still serialized within itself and the
 * descriptor pin still prevents the EBUSY).
 *
 * Lock order: a caller may hold its own locks (the NSS module's state mutex)
 * around these calls; nothing here calls back out.  The copy whose mutex is
 * in use takes it around fork() (pthread_atfork), so a child never inherits
 * it locked.
 */

#include <stdbool.h>
#include <sys/types.h>

#include <tdb.h>

#define GR_TDB_LOCK_SYMBOL "gr_tdb_lock_v1"

/*
 * grouprole's own programs (grouprolectl, grouprole-scimd) export this too
 * (GR_NSS_SELF_EXPORT in tools/build.mk): the NSS module, finding it, stays
 * out of their lookups.  They look at the host's accounts and groups to
 * leave them alone (system accounts, local accounts, uids and gids in use),
 * so grouprole's own answers are not what they ask for -- and the module
 * holding nss.tdb open would make their own opens of it fail (EBUSY, above).
 */
#define GR_NSS_SELF_SYMBOL "gr_nss_self_v1"
extern const char gr_nss_self_v1[];

/* tdb_open_ex under the process-wide lock; same arguments, same results. */
struct tdb_context *gr_tdb_open(const char *path, int hash_size, int tdb_flags, int open_flags,
				mode_t mode, const struct tdb_logging_context *log);

/*
 * tdb_close under the process-wide lock, with the file pinned by a second
 * descriptor until libtdb has forgotten it.  Returns tdb_close's result;
 * NULL is a no-op returning 0.  errno is preserved.
 */
int gr_tdb_close(struct tdb_context *tdb);

/*
 * libtdb 1.4 (Debian 12's 1.4.8) leaks part of its mapping when a
 * transaction grows the file: it maps the grown file, then forgets the new
 * size, and later unmaps only the old length.  The tail stays mapped for
 * the life of the process (tdb_close does not find it either), pinning
 * file pages in the resident set: twice per growth, 49 of grouprole-
 * scimd's 130 MB at 20,000 users.  libtdb itself only ever maps a file
 * from offset 0, so a mapping of the same file at any other offset is such
 * a tail, and unmapping it is safe.
 *
 * Call after each transaction ends (commit or cancel), from the thread that
 * owns the handle, and with T->again set after reopening a file that an
 * earlier handle had mapped.  Cheap when nothing grew: one fstat.  When
 * the file has grown since the last call, and once more at the next call
 * (the following transaction releases a second tail), it reads
 * /proc/self/maps and unmaps every tail of this file.  Returns how many
 * it unmapped.
 */
struct gr_tdb_tails {
	off_t size;
	bool again;
};
int gr_tdb_unmap_tails(struct tdb_context *tdb, struct gr_tdb_tails *t);

/*
 * Grow a database that is being filled (a new file nobody else has open)
 * at once by what records of BYTES in all (each counted as its key, its data
 * and GR_TDB_RECORD_OVERHEAD) will take.  libtdb otherwise grows the file
 * by a quarter at a time, and every growth remaps it (an munmap is a TLB
 * shootdown on each CPU) and lengthens the free list later allocations
 * walk.  Done by storing one record and deleting it: libtdb gives a record
 * 5/4 of its size, and when the file must grow for it, grows it by 100
 * times that for a record up to 100 KiB and twice that above; a record of
 * BYTES / 100 (up to 8 MB) or BYTES / 2 thus leaves 5/4 BYTES free, what
 * the records will take, and costs little copying.
 * This relies on libtdb's allocation policy only for the file's size,
 * never for its contents.  Returns 0; -ENOMEM or -EINVAL (too large) when it
 * reserved nothing, which only costs the speed; -EIO when the file could
 * not be written, a failure of the write under way.
 */
#define GR_TDB_RECORD_OVERHEAD 32u
int gr_tdb_reserve(struct tdb_context *tdb, size_t bytes);

/*
 * For a file changed in place (a patched snapshot): store VAL under KEY
 * unless KEY already holds exactly VAL, which is then left alone (no write,
 * no move).  tdb_store's result: 0, or -1 with tdb_error() set.
 */
int gr_tdb_store_changed(struct tdb_context *tdb, TDB_DATA key, TDB_DATA val);
/* Delete KEY; 0 also when it is absent, -EIO when the delete failed. */
int gr_tdb_delete_present(struct tdb_context *tdb, TDB_DATA key);

#endif

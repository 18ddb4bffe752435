/* SPDX-License-Identifier: MIT */
#ifndef GR_SAFEFILE_H
#define GR_SAFEFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/gr_error.h"

/*
 * Trust rules for files grouprole reads: a regular file (or directory, for
 * gr_safe_check_dir), owned by root, or by the caller's real uid when
 * ALLOW_REAL_UID is set (test state directories, by explicit config), and
 * not writable by group or others.
 */

/* Check an fstat()ed descriptor's metadata against the rules. */
int gr_safe_check_stat(const struct stat *st, bool allow_real_uid, const char *path,
		       struct gr_err *err);

/*
 * Open PATH with O_CLOEXEC|O_NOFOLLOW plus FLAGS, then check the open
 * descriptor (not the path) against the rules.  Returns the descriptor, which
 * the caller closes, or a negative code.  With O_CREAT, MODE applies.
 */
int gr_safe_open(const char *path, int flags, mode_t mode, bool allow_real_uid,
		 struct gr_err *err);

/* Check that directory PATH exists and obeys the rules. */
int gr_safe_check_dir(const char *path, bool allow_real_uid, struct gr_err *err);

/* The directory part of PATH ("." when it has none) into BUF; -ENAMETOOLONG when it does not fit. */
int gr_parent_dir(const char *path, char *buf, size_t len);

/*
 * Create directory PATH (mode 0755, parents are not created) if it does not
 * exist, then check it.
 */
int gr_safe_mkdir(const char *path, bool allow_real_uid, struct gr_err *err);

/* fsync the directory holding PATH, so a rename into it is durable. */
int gr_fsync_parent(const char *path);

/*
 * Copy LEN bytes from the start of IN to the start of OUT (both regular
 * files), inside the kernel where it can (copy_file_range), else through a
 * buffer.  0, or -EIO when IN is shorter than LEN, or the failing call's -errno.
 */
int gr_copy_fd(int in, int out, uint64_t len);

/*
 * What a file looked like (inode, size, mtime), to notice that it changed
 * without reading it: gr_file_stamp_changed() stats PATH, returns true when
 * it differs from *STAMP (or STAMP was never set) and stores the new look
 * in *NOW for gr_file_stamp_set once the caller has used the file.  A
 * missing file has the all-zero stamp.
 */
struct gr_file_stamp {
	bool set;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};
bool gr_file_stamp_changed(const char *path, const struct gr_file_stamp *stamp,
			   struct gr_file_stamp *now);
/* The stamp of what SB describes (an fstat of a file the caller has open). */
void gr_file_stamp_of(const struct stat *sb, struct gr_file_stamp *out);
/* Do A and B describe the same file, unchanged?  (Two unset stamps do not.) */
bool gr_file_stamp_same(const struct gr_file_stamp *a, const struct gr_file_stamp *b);

#endif

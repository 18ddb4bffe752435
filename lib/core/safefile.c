/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "core/safefile.h"

int gr_safe_check_stat(const struct stat *st, bool allow_real_uid, const char *path,
		       struct gr_err *err)
{
	/*
	 * The real uid is trusted only in a process that is not setuid or
	 * otherwise privileged-by-exec (AT_SECURE): inside sudo or su the real
	 * uid is the unprivileged caller.
	 */
	if (allow_real_uid && getauxval(AT_SECURE))
		allow_real_uid = false;
	if (st->st_uid != 0 && !(allow_real_uid && st->st_uid == getuid()))
		return gr_err_set(err, -GR_E_UNSAFE,
				  "%s: owned by uid %u, not root%s", path,
				  (unsigned)st->st_uid,
				  allow_real_uid ? " or the calling user" : "");
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return gr_err_set(err, -GR_E_UNSAFE,
				  "%s: writable by group or others (mode %04o)", path,
				  (unsigned)(st->st_mode & 07777));
	return 0;
}

int gr_safe_open(const char *path, int flags, mode_t mode, bool allow_real_uid,
		 struct gr_err *err)
{
	struct stat st;
	int fd, r;

	/*
	 * O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer;
	 * it is refused below, and a regular file gets blocking mode back.
	 */
	fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, mode);
	if (fd < 0) {
		r = -errno;
		return gr_err_set(err, r, "%s: %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = gr_err_set(err, -GR_E_UNSAFE, "%s: not a regular file", path);
		goto fail_quiet;
	}
	r = gr_safe_check_stat(&st, allow_real_uid, path, err);
	if (r < 0)
		goto fail_quiet;
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	gr_err_set(err, r, "%s: %s", path, strerror(-r));
fail_quiet:
	close(fd);
	return r;
}

int gr_safe_check_dir(const char *path, bool allow_real_uid, struct gr_err *err)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		int r = -errno;
		return gr_err_set(err, r, "%s: %s", path, strerror(-r));
	}
	if (!S_ISDIR(st.st_mode))
		return gr_err_set(err, -GR_E_UNSAFE, "%s: not a directory", path);
	return gr_safe_check_stat(&st, allow_real_uid, path, err);
}

int gr_safe_mkdir(const char *path, bool allow_real_uid, struct gr_err *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		int r = -errno;
		return gr_err_set(err, r, "cannot create %s: %s", path, strerror(-r));
	}
	return gr_safe_check_dir(path, allow_real_uid, err);
}

int gr_parent_dir(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, slash ? path : ".", n);
	buf[n] = '\0';
	return 0;
}

int gr_fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	int fd, r = gr_parent_dir(path, dir, sizeof(dir));

	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

bool gr_file_stamp_changed(const char *path, const struct gr_file_stamp *stamp,
			   struct gr_file_stamp *now)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		memset(&sb, 0, sizeof(sb));
	gr_file_stamp_of(&sb, now);
	return !gr_file_stamp_same(stamp, now);
}

void gr_file_stamp_of(const struct stat *sb, struct gr_file_stamp *out)
{
	memset(out, 0, sizeof(*out));
	out->set = true;
	out->dev = sb->st_dev;
	out->ino = sb->st_ino;
	out->size = sb->st_size;
	out->mtime = sb->st_mtim;
}

bool gr_file_stamp_same(const struct gr_file_stamp *a, const struct gr_file_stamp *b)
{
	return a->set && b->set && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

int gr_copy_fd(int in, int out, uint64_t len)
{
	off_t from = 0, to = 0;
	char buf[65536];
	bool kernel = true;

	while ((uint64_t)from < len) {
		size_t want = len - (uint64_t)from > (1u << 30) ? (1u << 30) : (size_t)(len - (uint64_t)from);
		ssize_t n;

		if (kernel) {
			n = copy_file_range(in, &from, out, &to, want, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP ||
				      errno == EINVAL)) {
				kernel = false;
				continue;
			}
		} else {
			n = pread(in, buf, want < sizeof(buf) ? want : sizeof(buf), from);
			if (n > 0) {
				ssize_t w = pwrite(out, buf, (size_t)n, to);

				if (w != n)
					return w < 0 ? -errno : -EIO;
				from += n;
				to += n;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
	}
	return 0;
}

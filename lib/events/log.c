/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/safefile.h"
#include "events/event.h"
#include "events/log.h"

static int log_paths(const struct gr_config *cfg, char *cur, char *old, struct gr_err *err)
{
	if (gr_config_state_path(cfg, GR_EVENT_LOG_FILE, cur, PATH_MAX) < 0 ||
	    (old && gr_config_state_path(cfg, GR_EVENT_LOG_OLD, old, PATH_MAX) < 0))
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	return 0;
}

/* Open PATH for appending, create it 0600, take the lock, and make sure PATH still names it. */
static int open_locked(const struct gr_config *cfg, const char *path, struct stat *sb,
		       struct gr_err *err)
{
	int tries;

	for (tries = 0; tries < 8; tries++) {
		struct stat now;
		int fd = gr_safe_open(path, O_WRONLY | O_APPEND | O_CREAT, 0600, cfg->test_mode, err);

		if (fd < 0)
			return fd;
		if (flock(fd, LOCK_EX) < 0 || fstat(fd, sb) < 0) {
			int e = errno;

			close(fd);
			return gr_err_set(err, -e, "%s: %s", path, strerror(e));
		}
		/* Another writer rotated it between our open and our lock: reopen. */
		if (stat(path, &now) == 0 && now.st_dev == sb->st_dev && now.st_ino == sb->st_ino) {
			if ((sb->st_mode & 077) && fchmod(fd, 0600) == 0)
				sb->st_mode &= ~(mode_t)077;
			return fd;
		}
		close(fd);
	}
	return gr_err_set(err, -GR_E_LOCK, "%s: keeps being replaced", path);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Every event of EVENTS, one compact line each, into one buffer; *ENDS gets each line's end. */
static char *encode_lines(const json_t *events, size_t *len, size_t **ends)
{
	char *buf = NULL;
	size_t i;
	json_t *ev;
	FILE *f = open_memstream(&buf, len);

	*ends = calloc(json_array_size(events) + 1, sizeof(**ends));
	if (!f || !*ends) {
		if (f)
			fclose(f);
		free(buf);
		free(*ends);
		return NULL;
	}
	json_array_foreach(events, i, ev) {
		if (json_dumpf(ev, f, JSON_COMPACT | JSON_SORT_KEYS) < 0 || fputc('\n', f) == EOF) {
			fclose(f);
			free(buf);
			free(*ends);
			return NULL;
		}
		fflush(f);
		(*ends)[i] = *len;
	}
	if (fclose(f) != 0) {
		free(buf);
		free(*ends);
		return NULL;
	}
	return buf;
}

/* Rename the log to events.log.1 and open a new one, locked; closes FD. */
static int rotate(const struct gr_config *cfg, const char *path, const char *old, int fd,
		  struct stat *sb, struct gr_err *err)
{
	int r;

	/* Under the lock: whoever waits for it sees another inode and reopens. */
	if (rename(path, old) < 0) {
		r = gr_err_set(err, -errno, "cannot rotate %s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	r = open_locked(cfg, path, sb, err);
	close(fd);
	return r;
}

int gr_event_log_append(const struct gr_config *cfg, const json_t *events, bool sync,
			struct gr_err *err)
{
	char path[PATH_MAX], old[PATH_MAX];
	size_t len = 0, *ends = NULL, n = json_array_size(events), i, done = 0;
	struct stat sb;
	char *buf;
	int fd, r;

	if (!n)
		return 0;
	if ((r = log_paths(cfg, path, old, err)) < 0)
		return r;
	buf = encode_lines(events, &len, &ends);
	if (!buf)
		return gr_err_set(err, -ENOMEM, "out of memory");
	fd = open_locked(cfg, path, &sb, err);
	/*
	 * As many whole lines as the file takes, then rotate and go on: no file
	 * grows past event_log_max (but for one line longer than that).  A
	 * batch larger than two files (a bulk import) keeps only its end here;
	 * syslog has every line.
	 */
	i = 0;
	while (fd >= 0 && i < n) {
		uint64_t room = cfg->event_log_max > (uint64_t)sb.st_size
					? cfg->event_log_max - (uint64_t)sb.st_size : 0;
		size_t end = done;

		while (i < n && ends[i] - done <= room)
			end = ends[i++];
		if (end == done && sb.st_size == 0)
			end = ends[i++]; /* a line longer than the bound: alone in its file */
		if (end > done) {
			r = write_all(fd, buf + done, end - done);
			if (r < 0)
				break;
			sb.st_size += (off_t)(end - done);
			done = end;
		}
		if (i < n)
			fd = rotate(cfg, path, old, fd, &sb, err);
	}
	if (fd < 0) {
		r = fd;
	} else {
		if (r == 0 && sync && fdatasync(fd) < 0)
			r = -errno;
		close(fd); /* releases the lock */
	}
	if (r < 0 && fd >= 0)
		gr_err_set(err, r, "cannot write %s: %s", path, strerror(-r));
	free(buf);
	free(ends);
	return r;
}

int gr_event_log_sync(const struct gr_config *cfg, struct gr_err *err)
{
	char path[PATH_MAX];
	int fd, r = 0;

	if ((r = log_paths(cfg, path, NULL, err)) < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : gr_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fdatasync(fd) < 0)
		r = gr_err_set(err, -errno, "cannot sync %s: %s", path, strerror(errno));
	close(fd);
	return r;
}

/* ---- reading ---- */

void gr_event_cursor_init(struct gr_event_cursor *c)
{
	memset(c, 0, sizeof(*c));
	c->notify_fd = -1;
}

void gr_event_cursor_close(struct gr_event_cursor *c)
{
	if (c->notify_fd >= 0)
		close(c->notify_fd);
	c->notify_fd = -1;
}

struct reader {
	int64_t since;
	gr_event_fn fn;
	void *ctx;
	size_t *bad;
};

static int one_line(struct reader *rd, const char *line, size_t len)
{
	json_t *ev = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	int r = 0;

	if (!ev || gr_event_check(ev, NULL) < 0)
		(*rd->bad)++;
	else if (gr_event_time(ev) >= rd->since)
		r = rd->fn(ev, rd->ctx);
	json_decref(ev);
	return r;
}

/*
 * Read the complete lines of FD from *OFF on; *OFF moves past the last
 * newline (a line being written stays for the next call).
 */
static int read_from(struct reader *rd, int fd, off_t *off)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int dfd = dup(fd), r = 0;

	if (dfd < 0)
		return -errno;
	f = fdopen(dfd, "r");
	if (!f) {
		close(dfd);
		return -ENOMEM;
	}
	if (fseeko(f, *off, SEEK_SET) < 0) {
		fclose(f);
		return -errno;
	}
	while (r == 0 && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break;
		*off += n;
		r = one_line(rd, line, (size_t)n - 1);
	}
	free(line);
	fclose(f);
	return r;
}

/* The id of FD's first event into OUT ("" when it has no complete line yet). */
static void first_id(int fd, char *out, size_t len)
{
	char buf[8192];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *nl;
	json_t *ev;

	out[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (!nl)
		return;
	ev = json_loadb(buf, (size_t)(nl - buf), 0, NULL);
	snprintf(out, len, "%s", json_string_value(json_object_get(ev, "id")) ?: "?");
	json_decref(ev);
}

/* Is FD (SB) the file the cursor was reading? */
static bool same_file(struct gr_event_cursor *c, int fd, const struct stat *sb)
{
	char id[sizeof(c->first_id)];

	if (!c->started || sb->st_dev != c->dev || sb->st_ino != c->ino || sb->st_size < c->off)
		return false;
	first_id(fd, id, sizeof(id));
	if (!c->first_id[0])
		snprintf(c->first_id, sizeof(c->first_id), "%s", id);
	return !strcmp(id, c->first_id);
}

static int open_read(const struct gr_config *cfg, const char *path, struct stat *sb,
		     struct gr_err *err)
{
	int fd = gr_safe_open(path, O_RDONLY, 0, cfg->test_mode, err);

	if (fd >= 0 && fstat(fd, sb) < 0) {
		close(fd);
		return gr_err_set(err, -errno, "%s: %s", path, strerror(errno));
	}
	return fd;
}

int gr_event_log_read(const struct gr_config *cfg, struct gr_event_cursor *c, int64_t since,
		      gr_event_fn fn, void *ctx, struct gr_err *err)
{
	struct reader rd = { since, fn, ctx, &c->bad };
	char path[PATH_MAX], old[PATH_MAX];
	struct stat sb, osb;
	int fd, ofd, r;

	if ((r = log_paths(cfg, path, old, err)) < 0)
		return r;
	fd = open_read(cfg, path, &sb, err);
	if (fd < 0 && fd != -ENOENT)
		return fd;
	if (fd >= 0 && same_file(c, fd, &sb)) {
		r = read_from(&rd, fd, &c->off);
		close(fd);
		return r;
	}
	/* First read, or rotated since: the old file first (from where we were, if it is ours). */
	ofd = open_read(cfg, old, &osb, NULL);
	if (ofd >= 0) {
		off_t off = 0;

		if (c->started && !same_file(c, ofd, &osb))
			off = osb.st_size; /* rotated twice: what we missed is gone */
		else if (c->started)
			off = c->off;
		r = read_from(&rd, ofd, &off);
		close(ofd);
		if (r) {
			if (fd >= 0)
				close(fd);
			return r;
		}
	}
	c->started = true;
	c->off = 0;
	if (fd < 0) {
		c->dev = 0;
		c->ino = 0;
		c->first_id[0] = '\0';
		return 0;
	}
	c->dev = sb.st_dev;
	c->ino = sb.st_ino;
	first_id(fd, c->first_id, sizeof(c->first_id));
	r = read_from(&rd, fd, &c->off);
	close(fd);
	return r;
}

int gr_event_log_wait(const struct gr_config *cfg, struct gr_event_cursor *c, int timeout_ms)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p;

	if (c->notify_fd < 0) {
		c->notify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (c->notify_fd >= 0 &&
		    inotify_add_watch(c->notify_fd, cfg->state_dir,
				      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
			close(c->notify_fd);
			c->notify_fd = -1;
		}
	}
	if (c->notify_fd < 0) {
		if (poll(NULL, 0, timeout_ms) < 0 && errno == EINTR)
			return -EINTR;
		return 0;
	}
	p.fd = c->notify_fd;
	p.events = POLLIN;
	if (poll(&p, 1, timeout_ms) < 0)
		return errno == EINTR ? -EINTR : 0;
	while (read(c->notify_fd, buf, sizeof(buf)) > 0)
		;
	return 0;
}

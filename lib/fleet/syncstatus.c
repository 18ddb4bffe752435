/* SPDX-License-Identifier: MIT */
/* grouprole-sync's status record (syncstatus.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/safefile.h"
#include "fleet/syncstatus.h"
#include "server/status.h"

static int status_path(const struct gr_config *cfg, char *buf, size_t len)
{
	return gr_config_state_path(cfg, GR_SYNC_STATUS_FILE, buf, len);
}

void gr_sync_status_init(const struct gr_config *cfg, struct gr_sync_status *s)
{
	json_t *old = NULL;

	memset(s, 0, sizeof(*s));
	s->pid = (long long)getpid();
	s->started = time(NULL);
	s->running = true;
	if (gr_sync_status_read(cfg, &old, NULL) == 0) {
		s->last_change = (time_t)json_integer_value(json_object_get(old, "last_change"));
		s->last_change_ns = (int64_t)json_integer_value(json_object_get(old, "last_change_ns"));
		s->last_in_step = (time_t)json_integer_value(json_object_get(old, "last_in_step"));
	}
	json_decref(old);
}

/* A time, or null for never. */
static json_t *when(time_t t)
{
	return t > 0 ? json_integer((json_int_t)t) : json_null();
}

int gr_sync_status_write(const struct gr_config *cfg, const struct gr_sync_status *s,
			 struct gr_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct timespec times[2] = { { s->last_in_step, 0 }, { s->last_in_step, 0 } };
	json_t *v;
	int fd, r = 0;

	if (status_path(cfg, path, sizeof(path)) < 0 ||
	    gr_config_state_path(cfg, "." GR_SYNC_STATUS_FILE ".XXXXXX", tmp, sizeof(tmp)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	v = json_pack("{s:I,s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "pid", (json_int_t)s->pid,
		      "started", (json_int_t)s->started, "state",
		      s->running ? "running" : "stopped", "server",
		      s->server[0] ? json_string(s->server) : json_null(), "connected_since",
		      when(s->server[0] ? s->connected_since : 0), "last_change",
		      when(s->last_change), "last_change_ns",
		      s->last_change_ns > 0 ? json_integer((json_int_t)s->last_change_ns) : json_null(),
		      "last_in_step", when(s->last_in_step), "last_error",
		      s->last_error[0] ? json_string(s->last_error) : json_null(),
		      "last_error_time", when(s->last_error_time));
	if (!v)
		return gr_err_set(err, -ENOMEM, "out of memory");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		json_decref(v);
		return gr_err_set(err, -errno, "cannot write %s: %s", tmp, strerror(errno));
	}
	errno = 0;
	if (json_dumpfd(v, fd, JSON_COMPACT) != 0 || write(fd, "\n", 1) != 1 ||
	    fchmod(fd, 0644) != 0 || futimens(fd, times) != 0 || rename(tmp, path) != 0) {
		r = gr_err_set(err, -(errno ? errno : EIO), "cannot write %s: %s", path,
			       strerror(errno ? errno : EIO));
		unlink(tmp);
	}
	close(fd);
	json_decref(v);
	return r;
}

int gr_sync_status_touch(const struct gr_config *cfg, struct gr_sync_status *s, time_t now)
{
	char path[PATH_MAX];
	struct timespec times[2] = { { now, 0 }, { now, 0 } };

	if (now == s->last_in_step)
		return 0;
	s->last_in_step = now;
	if (status_path(cfg, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	return utimensat(AT_FDCWD, path, times, 0) < 0 ? -errno : 0;
}

int gr_sync_status_read(const struct gr_config *cfg, json_t **out, struct gr_err *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	struct stat sb;
	json_t *v = NULL;
	FILE *f;
	int fd;

	*out = NULL;
	if (status_path(cfg, path, sizeof(path)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	fd = gr_safe_open(path, O_RDONLY, 0, cfg->test_mode, err);
	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0 || !(f = fdopen(fd, "r"))) {
		close(fd);
		return gr_err_set(err, -EIO, "cannot read %s", path);
	}
	v = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!json_is_object(v)) {
		json_decref(v);
		return gr_err_set(err, -GR_E_CORRUPT, "%s is not a status record", path);
	}
	/* The mtime is the truth: the daemon touches it without rewriting the file. */
	json_object_set_new(v, "last_in_step", when(sb.st_mtime));
	json_object_set_new(v, "running",
			    json_boolean(gr_status_pid_is(json_integer_value(json_object_get(v, "pid")),
							  "grouprole-sync") &&
					 !strcmp(json_string_value(json_object_get(v, "state")) ?: "",
						 "running")));
	*out = v;
	return 0;
}

int gr_sync_staleness(const struct gr_config *cfg, time_t now, int64_t *seconds)
{
	char path[PATH_MAX];
	struct stat sb;

	if (status_path(cfg, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (stat(path, &sb) < 0)
		return -errno;
	*seconds = now > sb.st_mtime ? (int64_t)(now - sb.st_mtime) : 0;
	return 0;
}

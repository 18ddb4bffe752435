/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "publish/publish.h"
#include "core/names.h"
#include "core/safefile.h"
#include "publish/loginsnap.h"
#include "publish/model.h"
#include "publish/rolediff.h"
#include "store/records.h"
#include "publish/snapshot.h"

/*
 * Temporary names the publisher writes snapshots under: "." + the
 * snapshot's file name + "." + mkostemp's six characters.  One entry per
 * snapshot file it builds.
 */
static const char *const snapshot_files[] = { GR_SNAP_FILE, "login.tdb" };

static bool is_publish_temp(const char *name)
{
	size_t i, n;

	if (name[0] != '.')
		return false;
	for (i = 0; i < sizeof(snapshot_files) / sizeof(snapshot_files[0]); i++) {
		n = strlen(snapshot_files[i]);
		if (!strncmp(name + 1, snapshot_files[i], n) && name[1 + n] == '.' &&
		    strlen(name + 2 + n) == 6)
			return true;
	}
	return false;
}

/* Remove every temporary snapshot file; the caller holds publish.lock. */
static int remove_temp_files(const struct gr_config *cfg, struct gr_sweep *out,
			     struct gr_err *err)
{
	DIR *d;
	struct dirent *e;
	int dfd, r = 0;

	dfd = open(cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return gr_err_set(err, -errno, "cannot read %s: %s", cfg->state_dir,
				  strerror(errno));
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	while ((e = readdir(d))) {
		if (!is_publish_temp(e->d_name))
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0 || errno == ENOENT) {
			out->removed++;
			continue;
		}
		if (!out->left++) {
			snprintf(out->first_left, sizeof(out->first_left), "%s", e->d_name);
			r = gr_err_set(err, -errno, "cannot remove %s/%s: %s", cfg->state_dir,
				       e->d_name, strerror(errno));
		}
	}
	closedir(d);
	return r;
}

static int open_publish_lock(const struct gr_config *cfg, int how, struct gr_err *err)
{
	char lockpath[PATH_MAX];
	int fd;

	if (gr_config_state_path(cfg, "publish.lock", lockpath, sizeof(lockpath)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return gr_err_set(err, -errno, "cannot open %s: %s", lockpath, strerror(errno));
	if (flock(fd, how) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return -EWOULDBLOCK;
		return gr_err_set(err, -GR_E_LOCK, "cannot lock %s: %s", lockpath, strerror(e));
	}
	return fd;
}

int gr_publish_sweep(const struct gr_config *cfg, struct gr_sweep *out, struct gr_err *err)
{
	int fd, r;

	memset(out, 0, sizeof(*out));
	fd = open_publish_lock(cfg, LOCK_EX | LOCK_NB, err);
	if (fd == -EWOULDBLOCK) {
		out->busy = true;
		return 0;
	}
	if (fd < 0)
		return fd;
	r = remove_temp_files(cfg, out, err);
	close(fd);
	return r;
}

int gr_publish_lag(struct gr_store *st, uint64_t *snap_gen, uint64_t *store_gen,
		   struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(st);
	char path[PATH_MAX];
	struct gr_snap *snap = NULL;
	int r;

	*snap_gen = 0;
	r = gr_store_generation(st, store_gen, err);
	if (r < 0)
		return r;
	if (gr_config_state_path(cfg, GR_SNAP_FILE, path, sizeof(path)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	r = gr_snap_open(path, cfg->test_mode, &snap);
	if (r < 0)
		return r == -ENOENT ? 1 : r;
	*snap_gen = gr_snap_header(snap)->generation;
	gr_snap_close(snap);
	return *snap_gen != *store_gen;
}

int gr_publish_lock(const struct gr_config *cfg, struct gr_err *err)
{
	int fd = open_publish_lock(cfg, LOCK_EX, err);
	struct gr_sweep sw = { 0 };

	if (fd < 0)
		return fd;
	/*
	 * Publishers hold this lock while their temporary files exist, so any
	 * temporary file seen now belongs to one that died (kill -9, a crash):
	 * remove them.  One that cannot be removed is no reason not to publish;
	 * `check` reports it.
	 */
	(void)remove_temp_files(cfg, &sw, NULL);
	return fd;
}

void gr_publish_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int gr_publish_events(struct gr_store *st, struct gr_publish_stats *stats, const char *origin,
		      json_t *events, struct gr_err *err)
{
	struct gr_publish_stats local;
	struct gr_pub_model *m = NULL;
	int lockfd, r;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	/* gr_pub_model_update refuses a store inside a transaction or batch. */
	if (gr_pub_model_new(&m) < 0)
		return gr_err_set(err, -ENOMEM, "out of memory");
	gr_pub_model_track_roles(m, events != NULL);
	lockfd = gr_publish_lock(gr_store_config(st), err);
	r = lockfd < 0 ? lockfd : gr_pub_model_update(m, st, stats, err);
	if (r == 0)
		r = gr_pub_model_write(m, gr_store_config(st), stats, err);
	gr_publish_unlock(lockfd);
	if (r == 0 && events) {
		json_t *changes = gr_pub_model_take_changes(m);
		json_t *ev = gr_roles_change_events(changes, origin);

		/* The snapshots are in: a failure here loses events, not the publish. */
		if (ev)
			json_array_extend(events, ev);
		json_decref(ev);
		json_decref(changes);
	}
	gr_pub_model_free(m);
	return r;
}

int gr_publish(struct gr_store *st, struct gr_publish_stats *stats, struct gr_err *err)
{
	return gr_publish_events(st, stats, NULL, NULL, err);
}

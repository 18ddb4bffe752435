/* SPDX-License-Identifier: MIT */
/*
 * fleet_tool: the two things bench/fleet_bench.sh cannot do well in shell
 * for hundreds of hosts.
 *
 *   fleet_tool wait [--since NS] [--timeout SECONDS] STATE_DIR...
 *
 * Waits until every STATE_DIR/sync.status says last_change_ns >= NS
 * (default 1: any change at all, i.e. the first refresh), then prints
 * "STATE_DIR LAST_CHANGE_NS" per directory in argument order.  It learns
 * of a new status through inotify (the daemon replaces the file by
 * rename), and rereads every host that is still behind every 250 ms in
 * case an event was missed, so hundreds of hosts are not polled in a busy
 * loop that would steal the CPU they converge with.  The figures do not
 * depend on when this program notices: last_change_ns is the host's own
 * clock reading, taken after its commit and publish.  On timeout it names
 * the hosts still behind on stderr and exits 1.
 *
 *   fleet_tool canon FILE
 *
 * Writes FILE, an nss.tdb or login.tdb snapshot, to stdout with the two
 * header fields that differ from host to host by design -- the generation
 * of the host's own directory.tdb (how many commits that host made, which
 * depends on how the changes were batched) and the creation time -- set to
 * zero.  Equal output means the snapshots are byte for byte the same
 * except for those fields.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <tdb.h>

#include "publish/loginsnap.h"
#include "publish/snapshot.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* last_change_ns of DIR/sync.status; 0 when absent, unreadable or never. */
static int64_t last_change(const char *dir)
{
	char path[PATH_MAX];
	json_t *v;
	int64_t t;

	if (snprintf(path, sizeof(path), "%s/sync.status", dir) >= (int)sizeof(path))
		return 0;
	if (!(v = json_load_file(path, 0, NULL)))
		return 0; /* not written yet */
	t = (int64_t)json_integer_value(json_object_get(v, "last_change_ns"));
	json_decref(v);
	return t;
}

static int cmd_wait(int argc, char **argv)
{
	int64_t since = 1, deadline, next_scan = 0, *seen;
	double timeout = 60;
	int fd, *wd, i, n, behind;

	while (argc > 1 && !strncmp(argv[0], "--", 2)) {
		if (!strcmp(argv[0], "--since"))
			since = strtoll(argv[1], NULL, 10);
		else if (!strcmp(argv[0], "--timeout"))
			timeout = strtod(argv[1], NULL);
		else
			break;
		argc -= 2;
		argv += 2;
	}
	if (argc < 1 || argv[0][0] == '-') {
		fprintf(stderr, "usage: fleet_tool wait [--since NS] [--timeout S] STATE_DIR...\n");
		return 2;
	}
	n = argc;
	seen = calloc((size_t)n, sizeof(*seen));
	wd = calloc((size_t)n, sizeof(*wd));
	if (!seen || !wd || (fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0) {
		perror("fleet_tool");
		return 1;
	}
	for (i = 0; i < n; i++)
		wd[i] = inotify_add_watch(fd, argv[i], IN_MOVED_TO | IN_CLOSE_WRITE);
	deadline = now_ns() + (int64_t)(timeout * 1e9);
	for (;;) {
		union {
			struct inotify_event ev;
			char buf[64 * 1024];
		} u;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t len;
		char *q;

		/* A full scan at first and every 250 ms; in between, what inotify names. */
		if (now_ns() >= next_scan) {
			for (i = 0; i < n; i++)
				if (seen[i] < since)
					seen[i] = last_change(argv[i]);
			next_scan = now_ns() + 250 * 1000000LL;
		}
		for (behind = 0, i = 0; i < n; i++)
			behind += seen[i] < since;
		if (!behind)
			break;
		if (now_ns() >= deadline) {
			fprintf(stderr, "fleet_tool: %d of %d hosts never showed last_change_ns >= %lld "
					"within %.0f s:",
				behind, n, (long long)since, timeout);
			for (i = 0; i < n; i++)
				if (seen[i] < since)
					fprintf(stderr, " %s", argv[i]);
			fputc('\n', stderr);
			return 1;
		}
		if (poll(&p, 1, 50) <= 0)
			continue;
		while ((len = read(fd, u.buf, sizeof(u.buf))) > 0) {
			for (q = u.buf; q < u.buf + len;
			     q += sizeof(struct inotify_event) + ((struct inotify_event *)q)->len) {
				const struct inotify_event *ev = (const struct inotify_event *)q;

				if (!ev->len || strcmp(ev->name, "sync.status"))
					continue;
				for (i = 0; i < n; i++)
					if (wd[i] == ev->wd && seen[i] < since)
						seen[i] = last_change(argv[i]);
			}
		}
	}
	for (i = 0; i < n; i++)
		printf("%s %lld\n", argv[i], (long long)seen[i]);
	close(fd);
	free(seen);
	free(wd);
	return 0;
}

static int cmd_canon(const char *path)
{
	unsigned char hkey = 'H';
	TDB_DATA key = { &hkey, 1 }, hdr = { NULL, 0 };
	struct tdb_context *tdb;
	unsigned char *file = NULL, *at;
	size_t gen_off, created_off;
	struct stat sb;
	int fd, r = 1;

	/* Only the header's value is taken from tdb; the bytes are the file's own. */
	tdb = tdb_open(path, 0, TDB_INCOMPATIBLE_HASH, O_RDONLY, 0);
	if (tdb)
		hdr = tdb_fetch(tdb, key);
	if (hdr.dsize == sizeof(struct gr_snap_header) &&
	    !memcmp(hdr.dptr, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC))) {
		gen_off = offsetof(struct gr_snap_header, generation);
		created_off = offsetof(struct gr_snap_header, created);
	} else if (hdr.dsize >= sizeof(struct gr_login_header) &&
		   !memcmp(hdr.dptr, GR_LOGIN_MAGIC, sizeof(GR_LOGIN_MAGIC))) {
		gen_off = offsetof(struct gr_login_header, generation);
		created_off = offsetof(struct gr_login_header, created);
	} else {
		fprintf(stderr, "fleet_tool: %s: no snapshot header\n", path);
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) < 0 ||
	    !(file = malloc((size_t)sb.st_size ? (size_t)sb.st_size : 1)) ||
	    read(fd, file, (size_t)sb.st_size) != sb.st_size) {
		fprintf(stderr, "fleet_tool: %s: %s\n", path, strerror(errno ? errno : EIO));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	if (!(at = memmem(file, (size_t)sb.st_size, hdr.dptr, hdr.dsize))) {
		fprintf(stderr, "fleet_tool: %s: header not found in the file\n", path);
		goto out;
	}
	memset(at + gen_off, 0, sizeof(uint64_t));
	memset(at + created_off, 0, sizeof(int64_t));
	r = fwrite(file, 1, (size_t)sb.st_size, stdout) == (size_t)sb.st_size ? 0 : 1;
out:
	free(file);
	free(hdr.dptr);
	if (tdb)
		tdb_close(tdb);
	return r;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "wait"))
		return cmd_wait(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "canon"))
		return cmd_canon(argv[2]);
	fprintf(stderr, "usage: fleet_tool wait [--since NS] [--timeout S] STATE_DIR...\n"
			"       fleet_tool canon SNAPSHOT.tdb\n");
	return 2;
}

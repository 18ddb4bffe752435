/* SPDX-License-Identifier: MIT */
/*
 * nss_gen N DIR: write the NSS benchmark's data set (bench/nss_data.h) for N
 * role groups twice: DIR/state/nss.tdb, a grouprole snapshot made with the
 * library's snapshot writer (what gr_publish uses, minus resolving a
 * directory, which the store benchmark measures), and DIR/group, the same
 * groups in /etc/group format for glibc's nss_files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gr_error.h"
#include "nss_data.h"
#include "publish/snapshot.h"

static int is_user_role(uint32_t n, uint32_t i)
{
	uint32_t k;

	for (k = 0; k < NSS_BENCH_USER_ROLES; k++)
		if (nss_bench_user_role(n, k) == i)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const user[] = { NSS_BENCH_USER };
	static char mnames[NSS_BENCH_BIG_MEMBERS][8];
	static const char *members[NSS_BENCH_BIG_MEMBERS];
	char path[4096], tmp[4096], name[32];
	struct gr_snap_writer *w = NULL;
	uint32_t n, i, gids[NSS_BENCH_USER_ROLES], big = NSS_BENCH_BIG_GID;
	FILE *f;
	int fd, r;

	if (argc != 3 || (n = (uint32_t)strtoul(argv[1], NULL, 10)) < NSS_BENCH_USER_ROLES) {
		fprintf(stderr, "usage: nss_gen N DIR  (N >= 20)\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/state", argv[2]);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s/state/.nss.tdb.XXXXXX", argv[2]);
	snprintf(path, sizeof(path), "%s/state/%s", argv[2], GR_SNAP_FILE);
	fd = mkstemp(tmp);
	if (fd < 0) {
		perror(tmp);
		return 1;
	}
	r = gr_snap_writer_open(tmp, n + 2, NSS_BENCH_BIG_MEMBERS + 1, &w);
	for (i = 0; r == 0 && i < n; i++) {
		int member = is_user_role(n, i);

		nss_bench_name(name, sizeof(name), i);
		r = gr_snap_writer_add_group(w, name, NSS_BENCH_GID0 + i, member ? user : NULL,
					     member ? 1 : 0);
	}
	for (i = 0; i < NSS_BENCH_BIG_MEMBERS; i++) {
		snprintf(mnames[i], sizeof(mnames[i]), "m%05u", i);
		members[i] = mnames[i];
	}
	if (r == 0)
		r = gr_snap_writer_add_group(w, NSS_BENCH_BIG_NAME, NSS_BENCH_BIG_GID, members,
					     NSS_BENCH_BIG_MEMBERS);
	if (r == 0)
		r = gr_snap_writer_add_group(w, NSS_BENCH_MID_NAME, NSS_BENCH_MID_GID, members,
					     NSS_BENCH_MID_MEMBERS);
	for (i = 0; i < NSS_BENCH_USER_ROLES; i++)
		gids[i] = NSS_BENCH_GID0 + nss_bench_user_role(n, i);
	if (r == 0)
		r = gr_snap_writer_add_user(w, NSS_BENCH_USER, gids, NSS_BENCH_USER_ROLES);
	for (i = 0; r == 0 && i < NSS_BENCH_BIG_MEMBERS; i++)
		r = gr_snap_writer_add_user(w, mnames[i], &big, 1);
	if (r == 0)
		r = gr_snap_writer_finish(w, 1, 0);
	else if (w)
		gr_snap_writer_abort(w);
	if (r == 0 && (fchmod(fd, 0644) < 0 || rename(tmp, path) < 0))
		r = -errno;
	close(fd);
	if (r < 0) {
		unlink(tmp);
		fprintf(stderr, "nss_gen: %s\n", gr_strerror(r));
		return 1;
	}

	snprintf(path, sizeof(path), "%s/group", argv[2]);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	fprintf(f, "root:x:0:\n");
	for (i = 0; i < n; i++) {
		nss_bench_name(name, sizeof(name), i);
		fprintf(f, "%s:x:%u:%s\n", name, NSS_BENCH_GID0 + i,
			is_user_role(n, i) ? NSS_BENCH_USER : "");
	}
	fprintf(f, "%s:x:%u:", NSS_BENCH_BIG_NAME, NSS_BENCH_BIG_GID);
	for (i = 0; i < NSS_BENCH_BIG_MEMBERS; i++)
		fprintf(f, "%s%s", i ? "," : "", mnames[i]);
	fprintf(f, "\n%s:x:%u:", NSS_BENCH_MID_NAME, NSS_BENCH_MID_GID);
	for (i = 0; i < NSS_BENCH_MID_MEMBERS; i++)
		fprintf(f, "%s%s", i ? "," : "", mnames[i]);
	fprintf(f, "\n");
	if (fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * pw_gen N DIR: the accounts benchmark's data set, twice: DIR/state/nss.tdb,
 * a grouprole snapshot with N accounts "u%07u" (uid PW_BENCH_UID0 + i, a
 * private group each, and one ed25519 key line each when N <= 100,000),
 * made with the library's writer as gr_publish does; and DIR/passwd, the
 * same accounts in /etc/passwd format for glibc's nss_files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gr_error.h"
#include "publish/pwsnap.h"
#include "publish/snapshot.h"

#define PW_BENCH_UID0 300000u
/* A well-formed ed25519 public key (the blob of an all-zero key). */
#define PW_BENCH_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA bench\n"

int main(int argc, char **argv)
{
	char path[4096], tmp[4096], name[32], home[64];
	struct gr_snap_writer *w = NULL;
	struct gr_snap_account_in a;
	uint32_t n, i;
	FILE *f;
	int fd, r;

	if (argc != 3 || (n = (uint32_t)strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: pw_gen N DIR\n");
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
	r = gr_snap_writer_open_accounts(tmp, n, 0, n, &w);
	for (i = 0; r == 0 && i < n; i++) {
		snprintf(name, sizeof(name), "u%07u", i);
		snprintf(home, sizeof(home), "/home/%s", name);
		a = (struct gr_snap_account_in){ name, PW_BENCH_UID0 + i, PW_BENCH_UID0 + i,
						 "Bench User", home, "/bin/bash" };
		r = gr_snap_writer_add_group(w, name, PW_BENCH_UID0 + i, NULL, 0);
		if (r == 0)
			r = gr_snap_writer_add_account(w, &a);
		if (r == 0 && n <= 100000)
			r = gr_snap_writer_add_keys(w, name, PW_BENCH_KEY, strlen(PW_BENCH_KEY));
	}
	if (r == 0)
		r = gr_snap_writer_finish(w, 1, 0);
	else if (w)
		gr_snap_writer_abort(w);
	if (r == 0 && (fchmod(fd, 0644) < 0 || rename(tmp, path) < 0))
		r = -errno;
	close(fd);
	if (r < 0) {
		unlink(tmp);
		fprintf(stderr, "pw_gen: %s\n", gr_strerror(r));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/passwd", argv[2]);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	fprintf(f, "root:x:0:0:root:/root:/bin/bash\n");
	for (i = 0; i < n; i++)
		fprintf(f, "u%07u:x:%u:%u:Bench User:/home/u%07u:/bin/bash\n", i, PW_BENCH_UID0 + i,
			PW_BENCH_UID0 + i, i);
	if (fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

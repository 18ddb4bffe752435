/* SPDX-License-Identifier: MIT */
/*
 * nss_grouplist USER [GID]: print getgrouplist(USER, GID) one gid per line as
 * "GID NAME" (NAME "-" when getgrgid finds none).  GID defaults to 100000,
 * a gid no test system has.  Starts with room for one group, so the
 * grow-and-retry path of getgrouplist (and the module's initgroups_dyn) runs.
 * Used by the nss_wrapper and end-to-end tests.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	gid_t base = 100000, *groups = NULL;
	int n = 1, i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s USER [GID]\n", argv[0]);
		return 2;
	}
	if (argc == 3)
		base = (gid_t)strtoul(argv[2], NULL, 10);
	for (;;) {
		int want = n;

		free(groups);
		groups = calloc((size_t)want, sizeof(*groups));
		if (!groups)
			return 1;
		if (getgrouplist(argv[1], base, groups, &n) >= 0)
			break;
		/* -1: N now says how many there are. */
		if (n <= want) {
			fprintf(stderr, "getgrouplist: no progress (%d)\n", n);
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		struct group *gr;

		errno = 0;
		gr = getgrgid(groups[i]);
		printf("%u %s\n", (unsigned)groups[i], gr ? gr->gr_name : "-");
	}
	free(groups);
	return 0;
}

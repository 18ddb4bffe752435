/* SPDX-License-Identifier: MIT */
/*
 * A helper of the API tests, not a test: fills a store to a limit in one
 * transaction, where requests would take minutes (each commit is synced).
 *
 *   seed_store CONF roles N          create roles seed0001..seedN (gr_role_create)
 *   seed_store CONF group-roles N R  N groups of directory "seed" hold role R
 *                                    (bare troles/ records: the groups need not
 *                                    exist to count, and creating them would
 *                                    only take time)
 *
 * Run it while grouprole-scimd is stopped.  Exit 0, or 1 with one line on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "store/records.h"
#include "store/roles.h"
#include "store/store.h"

static int seed(struct gr_store *st, const char *what, long n, const char *role,
		struct gr_err *err)
{
	json_t *one = json_pack("[s]", role ? role : "");
	char key[64];
	long i;
	int r = one ? 0 : -1;

	for (i = 1; r == 0 && i <= n; i++) {
		if (!strcmp(what, "roles")) {
			struct gr_role ro;

			memset(&ro, 0, sizeof(ro));
			snprintf(ro.slug, sizeof(ro.slug), "seed%04ld", i);
			r = gr_role_create(st, &ro, 0, err);
		} else {
			snprintf(key, sizeof(key), "troles/seed/g%06ld", i);
			r = gr_store_put_json(st, key, one, err);
		}
	}
	json_decref(one);
	return r;
}

int main(int argc, char **argv)
{
	struct gr_config cfg;
	struct gr_err err = { 0 };
	struct gr_store *st = NULL;
	long n = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	int r;

	if (argc < 4 || n < 1 || (strcmp(argv[2], "roles") && strcmp(argv[2], "group-roles")) ||
	    (!strcmp(argv[2], "group-roles") && argc < 5)) {
		fprintf(stderr, "usage: seed_store CONF roles N | CONF group-roles N ROLE\n");
		return 2;
	}
	if ((r = gr_config_load(&cfg, argv[1], false, &err)) < 0 ||
	    (r = gr_store_open(&cfg, GR_STORE_WRITE, &st, &err)) < 0 ||
	    (r = gr_store_begin(st, &err)) < 0 ||
	    (r = seed(st, argv[2], n, argc > 4 ? argv[4] : NULL, &err)) < 0 ||
	    (r = gr_store_commit(st, &err)) < 0) {
		fprintf(stderr, "seed_store: %s\n", gr_err_msg(&err));
		gr_store_close(st);
		return 1;
	}
	gr_store_close(st);
	return 0;
}

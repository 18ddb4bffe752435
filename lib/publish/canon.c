/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <tdb.h>

#include "core/gr_error.h"
#include "core/tdbfile.h"
#include "publish/canon.h"
#include "publish/loginsnap.h"
#include "publish/snapshot.h"

struct lines {
	char **v;
	size_t n, cap;
	int r;
};

static void put_hex(FILE *f, const unsigned char *p, size_t n)
{
	while (n--)
		fprintf(f, "%02x", *p++);
}

/* The header with its per-write fields zeroed. */
static void zero_header(unsigned char *val, size_t len)
{
	if (len == sizeof(struct gr_snap_header) && !memcmp(val, GR_SNAP_MAGIC, sizeof(GR_SNAP_MAGIC))) {
		memset(val + offsetof(struct gr_snap_header, generation), 0, sizeof(uint64_t));
		memset(val + offsetof(struct gr_snap_header, created), 0, sizeof(int64_t));
		memset(val + offsetof(struct gr_snap_header, file_size), 0, sizeof(uint64_t));
	} else if (len >= sizeof(struct gr_login_header) &&
		   !memcmp(val, GR_LOGIN_MAGIC, sizeof(GR_LOGIN_MAGIC))) {
		memset(val + offsetof(struct gr_login_header, generation), 0, sizeof(uint64_t));
		memset(val + offsetof(struct gr_login_header, created), 0, sizeof(int64_t));
	}
}

static int add_line(struct tdb_context *tdb, TDB_DATA k, TDB_DATA v, void *arg)
{
	struct lines *l = arg;
	unsigned char *val = malloc(v.dsize ? v.dsize : 1);
	char *line = NULL;
	size_t len = 0;
	FILE *f = NULL;

	(void)tdb;
	if (!val || !(f = open_memstream(&line, &len)))
		goto oom;
	memcpy(val, v.dptr, v.dsize);
	if (k.dsize == 1 && k.dptr[0] == GR_SNAP_TAG_HEADER)
		zero_header(val, v.dsize);
	put_hex(f, k.dptr, k.dsize);
	fputc(' ', f);
	put_hex(f, val, v.dsize);
	free(val);
	val = NULL;
	if (fclose(f) != 0) {
		f = NULL;
		goto oom;
	}
	f = NULL;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 256;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			goto oom;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = line;
	return 0;
oom:
	if (f)
		fclose(f);
	free(val);
	free(line);
	l->r = -ENOMEM;
	return -1;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int gr_snap_canon(const char *path, FILE *out)
{
	unsigned char hk = GR_SNAP_TAG_HEADER;
	TDB_DATA key = { &hk, 1 };
	struct tdb_context *tdb = gr_tdb_open(path, 0, TDB_INCOMPATIBLE_HASH, O_RDONLY, 0, NULL);
	struct lines l = { 0 };
	size_t i;
	int r = 0;

	if (!tdb)
		return errno ? -errno : -GR_E_IO;
	if (!tdb_exists(tdb, key))
		r = -GR_E_CORRUPT;
	else if (tdb_traverse_read(tdb, add_line, &l) < 0)
		r = l.r < 0 ? l.r : -GR_E_CORRUPT;
	gr_tdb_close(tdb);
	if (r == 0) {
		qsort(l.v, l.n, sizeof(*l.v), cmp_line);
		for (i = 0; i < l.n; i++)
			fprintf(out, "%s\n", l.v[i]);
		if (fflush(out) != 0)
			r = -errno;
	}
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return r;
}

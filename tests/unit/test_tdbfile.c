/* SPDX-License-Identifier: MIT */
/*
 * gr_tdb_reserve (lib/core/tdbfile.c): a fresh database reserved for the
 * records about to be stored must not grow while they are stored, must
 * not grow much larger than the same records make it unreserved, and must
 * hold exactly those records afterwards (the reserving record is gone).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/tdbfile.h"
#include "testutil.h"

static char dir[] = "/tmp/gr-tdbfile.XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static off_t file_size(struct tdb_context *tdb)
{
	struct stat sb;

	assert_int_equal(fstat(tdb_fd(tdb), &sb), 0);
	return sb.st_size;
}

/* Record I: key "kI", data of a length that varies with I, filled with I's low byte. */
static size_t data_len(size_t i, size_t base)
{
	return base + (i * 37) % base;
}

static int count_record(struct tdb_context *tdb, TDB_DATA k, TDB_DATA v, void *p)
{
	(*(size_t *)p)++;
	return 0;
}

/*
 * Store N records of about BASE bytes, reserved (or not); returns the
 * file's final size, and checks every record and the size after reserving.
 */
static off_t fill(const char *name, size_t n, size_t base, bool reserve)
{
	char path[128], key[32];
	unsigned char *buf = malloc(2 * base);
	struct tdb_context *tdb;
	size_t i, bytes = 0, count = 0;
	off_t reserved, end;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tdb = gr_tdb_open(path, 1009, TDB_NOLOCK | TDB_NOSYNC | TDB_INCOMPATIBLE_HASH,
			  O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	assert_non_null(tdb);
	for (i = 0; i < n; i++)
		bytes += (size_t)snprintf(key, sizeof(key), "k%zu", i) + data_len(i, base) +
			 GR_TDB_RECORD_OVERHEAD;
	if (reserve)
		assert_int_equal(gr_tdb_reserve(tdb, bytes), 0);
	reserved = file_size(tdb);
	if (reserve)
		assert_true(reserved >= (off_t)bytes);
	for (i = 0; i < n; i++) {
		TDB_DATA k = { (unsigned char *)key, 0 }, v = { buf, data_len(i, base) };

		k.dsize = (size_t)snprintf(key, sizeof(key), "k%zu", i);
		memset(buf, (int)(i & 0xff), v.dsize);
		assert_int_equal(tdb_store(tdb, k, v, TDB_INSERT), 0);
	}
	end = file_size(tdb);
	if (reserve)
		assert_int_equal(end, reserved); /* no growth while filling */
	/* Exactly the N records, each as stored. */
	assert_int_equal(tdb_traverse_read(tdb, count_record, &count), (int)n);
	assert_int_equal(count, n);
	for (i = 0; i < n; i++) {
		TDB_DATA k = { (unsigned char *)key, 0 }, v;

		k.dsize = (size_t)snprintf(key, sizeof(key), "k%zu", i);
		v = tdb_fetch(tdb, k);
		assert_non_null(v.dptr);
		assert_int_equal(v.dsize, data_len(i, base));
		assert_int_equal(v.dptr[0], (unsigned char)(i & 0xff));
		assert_int_equal(v.dptr[v.dsize - 1], (unsigned char)(i & 0xff));
		free(v.dptr);
	}
	assert_int_equal(gr_tdb_close(tdb), 0);
	free(buf);
	return end;
}

/* Below 8 MB the reserving record is a hundredth of the size. */
static void test_small(void **state)
{
	off_t plain = fill("small-plain.tdb", 2000, 120, false);
	off_t reserved = fill("small-reserved.tdb", 2000, 120, true);

	/* No bigger than libtdb's own growth makes it, give or take a page or two. */
	assert_true(reserved <= plain + 8192);
}

/* Above it, half the size: 12 MB of records. */
static void test_large(void **state)
{
	off_t plain = fill("large-plain.tdb", 24000, 350, false);
	off_t reserved = fill("large-reserved.tdb", 24000, 350, true);

	assert_true(reserved <= plain + 8192);
}

/* Nothing to reserve: the file stays as tdb_open made it. */
static void test_nothing(void **state)
{
	char path[128];
	struct tdb_context *tdb;
	off_t before;

	snprintf(path, sizeof(path), "%s/empty.tdb", dir);
	tdb = gr_tdb_open(path, 131, TDB_NOLOCK | TDB_NOSYNC, O_RDWR | O_CREAT | O_EXCL, 0600,
			  NULL);
	assert_non_null(tdb);
	before = file_size(tdb);
	assert_int_equal(gr_tdb_reserve(tdb, 0), 0);
	assert_int_equal(gr_tdb_reserve(tdb, GR_TDB_RECORD_OVERHEAD), 0);
	assert_int_equal(file_size(tdb), before);
	assert_int_equal(tdb_traverse_read(tdb, NULL, NULL), 0);
	/* Far too large: refused, nothing written. */
	assert_int_equal(gr_tdb_reserve(tdb, (size_t)UINT32_MAX * 4), -EINVAL);
	assert_int_equal(file_size(tdb), before);
	gr_tdb_close(tdb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

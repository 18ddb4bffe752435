/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/tdbfile.h"

/*
 * Exported by programs (-Wl,--export-dynamic-symbol=gr_tdb_lock_v1); kept
 * local by the modules' version scripts.  Default visibility so the linker
 * can export it at all (lib/ is built with -fvisibility=hidden).
 */
__attribute__((visibility("default"))) pthread_mutex_t gr_tdb_lock_v1 =
	PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t *list_lock = &gr_tdb_lock_v1;

/* See GR_NSS_SELF_SYMBOL; exported only by the programs that ask for it. */
__attribute__((visibility("default"))) const char gr_nss_self_v1[] = "grouprole";

static void atfork_prepare(void)
{
	pthread_mutex_lock(list_lock);
}

static void atfork_release(void)
{
	pthread_mutex_unlock(list_lock);
}

/*
 * At load time (program start, or dlopen of a module): find the mutex the
 * program exports.  Only the copy that owns the mutex in use registers the
 * fork handlers, so the mutex is never taken twice around one fork.  A PAM
 * module's handlers (and its own mutex, when it uses its own) go away with
 * it on dlclose: glibc drops the handlers of an unloaded object.
 */
__attribute__((constructor)) static void find_list_lock(void)
{
	pthread_mutex_t *m = dlsym(RTLD_DEFAULT, GR_TDB_LOCK_SYMBOL);

	list_lock = m ? m : &gr_tdb_lock_v1;
	if (list_lock == &gr_tdb_lock_v1)
		pthread_atfork(atfork_prepare, atfork_release, atfork_release);
}

struct tdb_context *gr_tdb_open(const char *path, int hash_size, int tdb_flags, int open_flags,
				mode_t mode, const struct tdb_logging_context *log)
{
	struct tdb_context *tdb;
	int saved;

	pthread_mutex_lock(list_lock);
	errno = 0;
	tdb = tdb_open_ex(path, hash_size, tdb_flags, open_flags, mode, log, NULL);
	saved = errno;
	pthread_mutex_unlock(list_lock);
	errno = saved;
	return tdb;
}

int gr_tdb_close(struct tdb_context *tdb)
{
	int saved = errno, pin = -1, r;

	if (!tdb)
		return 0;
	/*
	 * The pin keeps the inode allocated until libtdb has taken the context
	 * off its list.  Should the dup fail (no descriptor left), the lock
	 * still keeps every tdb_open that goes through gr_tdb_open waiting
	 * until the list is consistent again.
	 */
	if (tdb_fd(tdb) >= 0)
		pin = fcntl(tdb_fd(tdb), F_DUPFD_CLOEXEC, 0);
	pthread_mutex_lock(list_lock);
	r = tdb_close(tdb);
	pthread_mutex_unlock(list_lock);
	if (pin >= 0)
		close(pin);
	errno = saved;
	return r;
}

int gr_tdb_reserve(struct tdb_context *tdb, size_t bytes)
{
	/* The key sorts nowhere near a snapshot's one-letter tags. */
	static const unsigned char k[] = "\0grouprole-reserve";
	TDB_DATA key = { (unsigned char *)(uintptr_t)k, sizeof(k) - 1 }, val;
	size_t pad = bytes <= 8000000 ? bytes / 100 : bytes / 2;
	int r = 0;

	if (pad <= GR_TDB_RECORD_OVERHEAD)
		return 0;
	val.dsize = pad - GR_TDB_RECORD_OVERHEAD;
	if (val.dsize > UINT32_MAX / 2)
		return -EINVAL;
	/* calloc: untouched pages of zeros, not written until libtdb copies them. */
	val.dptr = calloc(1, val.dsize);
	if (!val.dptr)
		return -ENOMEM;
	if (tdb_store(tdb, key, val, TDB_INSERT) != 0)
		r = tdb_error(tdb) == TDB_ERR_OOM ? -ENOMEM : -EIO;
	else if (tdb_delete(tdb, key) != 0)
		r = -EIO;
	free(val.dptr);
	return r;
}

static int same_value(TDB_DATA key, TDB_DATA data, void *priv)
{
	const TDB_DATA *want = priv;

	(void)key;
	return data.dsize == want->dsize && !memcmp(data.dptr, want->dptr, data.dsize) ? 1 : 0;
}

int gr_tdb_store_changed(struct tdb_context *tdb, TDB_DATA key, TDB_DATA val)
{
	if (tdb_parse_record(tdb, key, same_value, &val) == 1)
		return 0;
	return tdb_store(tdb, key, val, TDB_REPLACE);
}

int gr_tdb_delete_present(struct tdb_context *tdb, TDB_DATA key)
{
	if (tdb_delete(tdb, key) == 0 || tdb_error(tdb) == TDB_ERR_NOEXIST)
		return 0;
	return -EIO;
}

/* Unmap every mapping of (DEV, INO) that does not start at offset 0. */
static int unmap_tails_of(dev_t dev, ino_t ino)
{
	uintptr_t start[16], end[16];
	int total = 0;

	for (;;) {
		FILE *f = fopen("/proc/self/maps", "re");
		char line[512];
		size_t n = 0, i;
		bool more = false;

		if (!f)
			return total;
		while (fgets(line, sizeof(line), f)) {
			unsigned long s, e, off, ino_l;
			unsigned maj, min;
			char perm[8];

			if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &s, &e, perm, &off, &maj, &min,
				   &ino_l) != 7 ||
			    off == 0 || ino_l != (unsigned long)ino || makedev(maj, min) != dev)
				continue;
			if (n == sizeof(start) / sizeof(start[0])) {
				more = true;
				break;
			}
			start[n] = s;
			end[n++] = e;
		}
		fclose(f);
		for (i = 0; i < n; i++) {
			if (munmap((void *)start[i], end[i] - start[i]) != 0)
				more = false; /* it would be listed again: no endless rescan */
			else
				total++;
		}
		if (!more)
			return total;
	}
}

int gr_tdb_unmap_tails(struct tdb_context *tdb, struct gr_tdb_tails *t)
{
	struct stat sb;

	if (!tdb || fstat(tdb_fd(tdb), &sb) < 0)
		return 0;
	if (sb.st_size == t->size && !t->again)
		return 0;
	t->again = sb.st_size != t->size;
	t->size = sb.st_size;
	return unmap_tails_of(sb.st_dev, sb.st_ino);
}

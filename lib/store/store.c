/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/safefile.h"
#include "core/tdbfile.h"
#include "store/store.h"
#include "store/store_priv.h"
#include "store/ugroups.h"


static void store_log(struct tdb_context *tdb, enum tdb_debug_level level,
		      const char *fmt, ...)
{
	struct gr_store *st = tdb_get_logging_private(tdb);
	va_list ap;
	size_t n;

	if (!st || level > TDB_DEBUG_ERROR)
		return;
	if (level == TDB_DEBUG_FATAL)
		st->fatal_logged = true;
	va_start(ap, fmt);
	vsnprintf(st->tdb_msg, sizeof(st->tdb_msg), fmt, ap);
	va_end(ap);
	n = strlen(st->tdb_msg);
	if (n && st->tdb_msg[n - 1] == '\n')
		st->tdb_msg[n - 1] = '\0';
}

/* Early opens (before tdb_open_ex returns) log with no private data set. */
static void store_log_open(struct tdb_context *tdb, enum tdb_debug_level level,
			   const char *fmt, ...)
{
	(void)tdb;
	(void)level;
	(void)fmt;
}

/*
 * Errors that only the operating system can explain.  libtdb's own error
 * code is not reset by successful calls, so after a failed write it may
 * still say "Record does not exist" from an earlier fetch; errno (cleared
 * before every call that writes) says "No space left on device".
 */
static bool disk_errno(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS || e == EFBIG;
}

static int tdb_failure(struct gr_store *st, struct gr_err *err, const char *what)
{
	int saved = errno;
	enum TDB_ERROR e = tdb_error(st->tdb);
	int code = e == TDB_ERR_LOCK || e == TDB_ERR_LOCK_TIMEOUT ? -GR_E_LOCK
		 : e == TDB_ERR_CORRUPT			   ? -GR_E_CORRUPT
		 : e == TDB_ERR_OOM			   ? -ENOMEM
		 : e == TDB_ERR_NOEXIST			   ? -GR_E_NOTFOUND
							   : -GR_E_IO;
	const char *why = tdb_errorstr(st->tdb);

	if (disk_errno(saved) && code != -GR_E_LOCK && code != -GR_E_CORRUPT) {
		code = -saved;
		why = strerror(saved);
	}
	return gr_err_set(err, code, "%s: %s failed: %s%s%s", st->path, what, why,
			  st->tdb_msg[0] ? ": " : "", st->tdb_msg);
}

int gr_store_tdb_failure(struct gr_store *st, struct gr_err *err, const char *what)
{
	return tdb_failure(st, err, what);
}

int gr_key(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static TDB_DATA key_data(const char *key)
{
	TDB_DATA k = { (unsigned char *)(uintptr_t)key, strlen(key) };
	return k;
}

/*
 * Schema 1 -> 2 (users' groups moved into ugroups chunks), in one
 * transaction: a crash leaves schema 1 intact.  Read-only handles read
 * either (gr_user_get takes inline groups when a record has them).
 */
static int upgrade_schema(struct gr_store *st, struct gr_err *err)
{
	json_t *v;
	int r = gr_store_begin(st, err);

	if (r < 0)
		return r;
	r = gr_ugroups_migrate(st, err);
	v = r == 0 ? json_pack("{s:i}", "version", GR_SCHEMA_VERSION) : NULL;
	if (r == 0)
		r = v ? gr_store_put_json(st, "schema", v, err) : gr_err_set(err, -ENOMEM,
									    "out of memory");
	json_decref(v);
	if (r < 0) {
		gr_store_cancel(st);
		return r;
	}
	return gr_store_commit(st, err);
}

static int check_schema(struct gr_store *st, bool create, struct gr_err *err)
{
	json_t *v = NULL, *ver;
	int r;

	r = gr_store_get_json(st, "schema", &v, err);
	if (r == -GR_E_NOTFOUND) {
		/*
		 * Only an empty file is ours to stamp (fresh, or a crash before
		 * the first commit); a TDB holding records but no schema belongs
		 * to someone else, CREATE or not.
		 */
		if (!create || tdb_traverse_read(st->tdb, NULL, NULL) != 0)
			return gr_err_set(err, -GR_E_SCHEMA, "%s: not a grouprole database",
					  st->path);
		/* A fresh file: stamp it in its own transaction. */
		r = gr_store_begin(st, err);
		if (r < 0)
			return r;
		v = json_pack("{s:i}", "version", GR_SCHEMA_VERSION);
		r = v ? gr_store_put_json(st, "schema", v, err) : -ENOMEM;
		json_decref(v);
		if (r < 0) {
			gr_store_cancel(st);
			return r;
		}
		return gr_store_commit(st, err);
	}
	if (r < 0)
		return r;
	ver = json_object_get(v, "version");
	if (!json_is_integer(ver) || json_integer_value(ver) < 1) {
		json_decref(v);
		return gr_err_set(err, -GR_E_SCHEMA, "%s: unreadable schema record", st->path);
	}
	if (json_integer_value(ver) > GR_SCHEMA_VERSION) {
		long long found = json_integer_value(ver);

		json_decref(v);
		return gr_err_set(err, -GR_E_SCHEMA,
				  "%s: schema version %lld is newer than this program's (%d)",
				  st->path, found, GR_SCHEMA_VERSION);
	}
	if (json_integer_value(ver) < GR_SCHEMA_VERSION && st->writable) {
		json_decref(v);
		return upgrade_schema(st, err);
	}
	json_decref(v);
	return 0;
}

/*
 * A few facts of libtdb's on-disk format (tdb_private.h, stable since
 * 2008), read only to recognise the space a crashed commit leaves behind:
 * the header holds the recovery area's offset at byte 44, and a record
 * header is six 32-bit words, the last one its magic.
 */
#define TDB_HDR_RECOVERY_START 44
#define TDB_RECOVERY_MAGIC_VALID 0xf53bc0e7u
struct tdb_rec_hdr {
	uint32_t next, rec_len, key_len, data_len, full_hash, magic;
};

/*
 * The recovery record of the file behind FD: its offset, and its header.
 * key_len is the file size before the commit it protects.  -ENOENT when
 * the file has none.
 */
static int read_recovery_record(int fd, uint32_t *off, struct tdb_rec_hdr *rec)
{
	if (pread(fd, off, sizeof(*off), TDB_HDR_RECOVERY_START) != (ssize_t)sizeof(*off))
		return -EIO;
	if (*off == 0)
		return -ENOENT;
	if (pread(fd, rec, sizeof(*rec), *off) != (ssize_t)sizeof(*rec))
		return -EIO;
	return 0;
}

/*
 * A commit that died after growing the file leaves, once libtdb's recovery
 * has restored the old contents, the grown part of the file in place: half-
 * written records that no hash chain refers to.  They are harmless, but
 * tdb_check() counts them as corruption for ever.  A writer that finds a
 * recovery pending (before libtdb runs it, at open) reclaims that space
 * afterwards with tdb_repack(), which rewrites the database inside a
 * transaction and turns everything unreferenced into free space.
 */
static bool grown_commit_pending(int fd, const struct stat *sb)
{
	struct tdb_rec_hdr rec;
	uint32_t off;

	return read_recovery_record(fd, &off, &rec) == 0 && rec.magic == TDB_RECOVERY_MAGIC_VALID &&
	       rec.key_len < (uint64_t)sb->st_size;
}

/*
 * A new database appears whole or not at all: it is built under a temporary
 * name in the state directory (libtdb's header and hash table, then the
 * schema and generation in one transaction, whose commit syncs), then
 * linked into place.  A full disk at any point leaves no directory.tdb and
 * no temporary file.  If another process created the database meanwhile,
 * link() fails with EEXIST and theirs is used.
 */
static int create_database(struct gr_store *st, struct gr_err *err)
{
	struct tdb_logging_context quiet = { store_log_open, NULL };
	struct tdb_context *tdb = NULL;
	char tmp[PATH_MAX];
	json_t *v = NULL;
	char *s = NULL;
	int fd = -1, r = 0, e;

	if (gr_config_state_path(&st->cfg, ".directory.tdb.XXXXXX", tmp, sizeof(tmp)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return gr_err_set(err, -errno, "cannot create %s: %s", tmp, strerror(errno));
	errno = 0;
	tdb = gr_tdb_open(tmp, (int)st->cfg.hash_size, st->tdb_flags, O_RDWR | O_CREAT, 0600,
			  &quiet);
	if (!tdb)
		goto fail_errno;
	v = json_pack("{s:i}", "version", GR_SCHEMA_VERSION);
	s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	if (!s) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	errno = 0;
	if (tdb_transaction_start(tdb) != 0 ||
	    tdb_store(tdb, key_data("schema"), (TDB_DATA){ (unsigned char *)s, strlen(s) },
		      TDB_INSERT) != 0 ||
	    tdb_store(tdb, key_data("meta"),
		      (TDB_DATA){ (unsigned char *)"{\"generation\":1}", 16 }, TDB_INSERT) != 0 ||
	    tdb_transaction_commit(tdb) != 0 || fsync(fd) != 0)
		goto fail_errno;
	if (link(tmp, st->path) < 0 && errno != EEXIST) {
		e = errno;
		r = gr_err_set(err, -e, "cannot create %s: %s", st->path, strerror(e));
		goto out;
	}
	/*
	 * Durable once the directory is; if that sync fails the file is
	 * complete either way, and a power cut leaves either it or nothing.
	 */
	(void)gr_fsync_parent(st->path);
	goto out;
fail_errno:
	e = errno && errno != ENOENT ? errno : EIO;
	r = gr_err_set(err, -e, "cannot create %s: %s", st->path, strerror(e));
out:
	if (tdb)
		gr_tdb_close(tdb);
	close(fd);
	unlink(tmp);
	free(s);
	json_decref(v);
	return r;
}

/*
 * directory.tdb holds every user's data: a mode that lets others read it
 * (an admin's cp or chmod) is repaired on the open descriptor, after the
 * trust checks have established that the file is ours.  Writability by
 * others was refused before this point.
 */
static int repair_mode(struct gr_store *st, int fd, struct stat *sb, struct gr_err *err)
{
	if (!(sb->st_mode & 077))
		return 0;
	if (fchmod(fd, 0600) < 0)
		return gr_err_set(err, -GR_E_UNSAFE,
				  "%s: readable by others (mode %04o) and cannot be repaired: %s; run chmod 600 %s",
				  st->path, (unsigned)(sb->st_mode & 07777), strerror(errno), st->path);
	st->repaired_mode = (unsigned)(sb->st_mode & 07777);
	sb->st_mode = (sb->st_mode & ~07777u) | 0600;
	return 0;
}

int gr_store_open(const struct gr_config *cfg, unsigned flags, struct gr_store **out,
		  struct gr_err *err)
{
	struct gr_store *st = NULL;
	struct stat ours, theirs;
	struct tdb_logging_context quiet = { store_log_open, NULL };
	bool create = flags & GR_STORE_CREATE;
	bool reclaim;
	int fd = -1, r;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return gr_err_set(err, -ENOMEM, "out of memory");
	st->cfg = *cfg;
	st->writable = flags & (GR_STORE_WRITE | GR_STORE_CREATE);
	r = gr_config_state_path(cfg, GR_STORE_FILE, st->path, sizeof(st->path));
	if (r < 0) {
		gr_err_set(err, r, "state_dir too long");
		goto fail;
	}
	r = create ? gr_safe_mkdir(cfg->state_dir, cfg->test_mode, err)
		   : gr_safe_check_dir(cfg->state_dir, cfg->test_mode, err);
	if (r < 0)
		goto fail;

	st->tdb_flags = TDB_INCOMPATIBLE_HASH | TDB_DISALLOW_NESTING |
			((flags & GR_STORE_NOMMAP) ? TDB_NOMMAP : 0);
	if (create && access(st->path, F_OK) < 0 && errno == ENOENT) {
		r = create_database(st, err);
		if (r < 0)
			goto fail;
	}
	/*
	 * Check the file through our own descriptor, then make sure libtdb
	 * opened the very same inode: no window for a swapped path.
	 */
	fd = gr_safe_open(st->path, O_RDWR, 0600, cfg->test_mode, err);
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	if (fstat(fd, &ours) < 0) {
		r = gr_err_set(err, -errno, "%s: %s", st->path, strerror(errno));
		goto fail;
	}
	r = repair_mode(st, fd, &ours, err);
	if (r < 0)
		goto fail;
	reclaim = st->writable && grown_commit_pending(fd, &ours);
	st->tdb = gr_tdb_open(st->path, (int)cfg->hash_size, st->tdb_flags,
			      O_RDWR | (create ? O_CREAT : 0), 0600, &quiet);
	if (!st->tdb) {
		r = gr_err_set(err, errno == ENOENT ? -ENOENT : -GR_E_IO,
			       "%s: cannot open database: %s", st->path,
			       strerror(errno ? errno : EIO));
		goto fail;
	}
	st->log.log_fn = store_log;
	st->log.log_private = st;
	tdb_set_logging_function(st->tdb, &st->log);
	if (fstat(tdb_fd(st->tdb), &theirs) < 0 || theirs.st_dev != ours.st_dev ||
	    theirs.st_ino != ours.st_ino) {
		r = gr_err_set(err, -GR_E_UNSAFE, "%s: file changed while opening", st->path);
		goto fail;
	}
	close(fd);
	fd = -1;
	r = check_schema(st, create, err);
	if (r < 0)
		goto fail;
	/* libtdb's open has just rolled the dead commit back. */
	if (reclaim) {
		errno = 0;
		if (tdb_repack(st->tdb) != 0) {
			r = tdb_failure(st, err, "reclaiming space after an interrupted commit");
			goto fail;
		}
		st->repacked = true;
	}
	*out = st;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	gr_store_close(st);
	return r;
}

void gr_store_close(struct gr_store *st)
{
	if (!st)
		return;
	if (st->tdb) {
		gr_store_cancel(st);
		if (st->batch) {
			tdb_transaction_cancel(st->tdb);
			st->batch = false;
		}
		gr_store_read_unlock(st);
		gr_tdb_close(st->tdb);
	}
	gr_store_unit_forget(st);
	free(st->undo);
	gr_store_events_free(st);
	json_decref(st->pc_keys);
	json_decref(st->jr_keys);
	gr_store_holders_drop(st);
	free(st);
}

void gr_store_precommit(struct gr_store *st, gr_store_precommit_fn fn, void *ctx)
{
	st->pc_fn = fn;
	st->pc_ctx = ctx;
	json_decref(st->pc_keys);
	st->pc_keys = NULL;
}

/* Remember KEY for the pre-commit hook (only when there is one). */
static int pc_track(struct gr_store *st, const char *key, struct gr_err *err)
{
	if (!st->pc_fn)
		return 0;
	if (!st->pc_keys && !(st->pc_keys = json_object()))
		return gr_err_set(err, -ENOMEM, "out of memory");
	if (json_object_set_new_nocheck(st->pc_keys, key, json_true()) < 0)
		return gr_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

static void pc_forget(struct gr_store *st)
{
	if (st->pc_keys)
		json_object_clear(st->pc_keys);
}

/* Run the hook over what the open transaction wrote; nothing to do when it wrote nothing. */
static int pc_run(struct gr_store *st, struct gr_err *err)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t n = st->pc_keys ? json_object_size(st->pc_keys) : 0, i = 0;
	int r;

	if (!st->pc_fn || n == 0)
		return 0;
	if (!(keys = calloc(n, sizeof(*keys))))
		return gr_err_set(err, -ENOMEM, "out of memory");
	json_object_foreach(st->pc_keys, k, v)
		keys[i++] = k;
	r = st->pc_fn(st->pc_ctx, st, keys, n, err);
	free(keys);
	return r;
}

const struct gr_config *gr_store_config(const struct gr_store *st)
{
	return &st->cfg;
}

struct tdb_context *gr_store_tdb(struct gr_store *st)
{
	return st->tdb;
}

#define CHECK_OPEN(st, err)                                                              \
	do {                                                                             \
		if (!(st)->tdb)                                                           \
			return gr_err_set((err), -GR_E_IO,                                \
					  "%s: unusable after a failed commit; reopen it",     \
					  (st)->path);                                    \
	} while (0)

int gr_store_begin(struct gr_store *st, struct gr_err *err)
{
	CHECK_OPEN(st, err);
	if (!st->writable)
		return gr_err_set(err, -EROFS, "%s: opened read-only", st->path);
	if (st->in_txn || st->read_locked)
		return gr_err_set(err, -EBUSY, "%s: transaction or read lock already active",
				  st->path);
	gr_store_events_unit_drop(st);
	pc_forget(st);
	gr_store_journal_forget(st);
	if (st->batch) {
		/* A unit of the open batch (batch.c): libtdb's transaction is already running. */
		gr_store_unit_forget(st);
		st->in_txn = true;
		return 0;
	}
	st->tdb_msg[0] = '\0';
	errno = 0;
	if (tdb_transaction_start(st->tdb) != 0)
		return tdb_failure(st, err, "transaction start");
	st->in_txn = true;
	gr_store_holders_txn_start(st);
	return 0;
}

/*
 * After a commit that went wrong late, reopen the database -- libtdb's open
 * replays its recovery area if the marker is still valid -- and read the
 * generation back: the caller learns whether the change is in (EXPECTED) or
 * was rolled back.
 */
static int settle(struct gr_store *st, uint64_t expected, struct gr_err *err)
{
	struct tdb_logging_context quiet = { store_log_open, NULL };
	char msg[sizeof(st->tdb_msg)];
	uint64_t now = 0;

	memcpy(msg, st->tdb_msg, sizeof(msg));
	if (!msg[0])
		strcpy(msg, "sync failed");
	gr_tdb_close(st->tdb);
	st->tdb = gr_tdb_open(st->path, 0, st->tdb_flags, O_RDWR, 0600, &quiet);
	if (!st->tdb)
		return gr_err_set(err, -GR_E_IO,
				  "%s: commit failed (%s) and the database could not be reopened; libtdb recovers it at the next open",
				  st->path, msg);
	tdb_set_logging_function(st->tdb, &st->log);
	st->tails.again = true; /* the closed handle's, found at the next check */
	if (gr_store_generation(st, &now, NULL) == 0 && now == expected)
		return gr_err_set(err, -GR_E_UNSYNCED,
				  "%s: changes applied, but the disk did not confirm them (%s); check the disk",
				  st->path, msg);
	return gr_err_set(err, -GR_E_IO, "%s: commit failed and was rolled back: %s", st->path, msg);
}

/* Add one to the generation in the open transaction; *GEN gets the new value. */
static int bump_generation(struct gr_store *st, uint64_t *gen, struct gr_err *err)
{
	json_t *meta = NULL;
	int r;

	r = gr_store_get_json(st, "meta", &meta, err);
	if (r == -GR_E_NOTFOUND) {
		meta = json_object();
		r = meta ? 0 : -ENOMEM;
	}
	if (r < 0)
		goto out;
	*gen = (uint64_t)json_integer_value(json_object_get(meta, "generation")) + 1;
	if (json_object_set_new(meta, "generation", json_integer((json_int_t)*gen)) < 0) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	r = gr_store_put_json(st, "meta", meta, err);
out:
	json_decref(meta);
	return r;
}

/* After every libtdb transaction ends: unmap what libtdb leaked (core/tdbfile.h). */
static void txn_ended(struct gr_store *st)
{
	(void)gr_tdb_unmap_tails(st->tdb, &st->tails);
}

void gr_store_tdb_cancel(struct gr_store *st)
{
	tdb_transaction_cancel(st->tdb);
	txn_ended(st);
}

static int commit_tdb(struct gr_store *st, uint64_t expected, struct gr_err *err);

int gr_store_commit_tdb(struct gr_store *st, uint64_t expected, struct gr_err *err)
{
	int r = commit_tdb(st, expected, err);

	txn_ended(st);
	return r;
}

static int commit_tdb(struct gr_store *st, uint64_t expected, struct gr_err *err)
{
	int r;

	st->fatal_logged = false;
	errno = 0;
	r = tdb_transaction_commit(st->tdb);
	if (r != 0 && tdb_transaction_active(st->tdb)) {
		/*
		 * libtdb rolls back a commit whose writes fail and cancels it.
		 * Still active means every write landed and only the final
		 * sync failed; cancelling now tries to drop the recovery marker.
		 */
		tdb_transaction_cancel(st->tdb);
		return settle(st, expected, err);
	}
	if (r != 0)
		return tdb_failure(st, err, "commit");
	if (st->fatal_logged) {
		/*
		 * Success, yet libtdb complained on the way out -- typically it
		 * could not remove the recovery marker, and the next opener
		 * would roll this commit back.  Find out which state is real.
		 */
		return settle(st, expected, err);
	}
	return 0;
}

int gr_store_commit(struct gr_store *st, struct gr_err *err)
{
	uint64_t gen = 0;
	int r;

	if (!st->in_txn)
		return gr_err_set(err, -EINVAL, "%s: no transaction to commit", st->path);
	/* Before anything of ours: a refusal leaves the store as it was. */
	r = pc_run(st, err);
	pc_forget(st);
	if (r < 0) {
		gr_store_cancel(st);
		return r;
	}
	r = bump_generation(st, &gen, err);
	if (r == 0)
		r = gr_store_journal_write(st, gen, err);
	if (r < 0) {
		gr_store_cancel(st);
		return r;
	}
	gr_store_holders_committed(st, gen);
	st->in_txn = false;
	if (st->batch) {
		gr_store_unit_committed(st);
		gr_store_events_unit_keep(st);
		return 0;
	}
	r = gr_store_commit_tdb(st, gen, err);
	if (r < 0 && r != -GR_E_UNSYNCED)
		gr_store_holders_drop(st); /* rolled back, or the file reopened */
	if (r == 0 && st->observer)
		st->observer(st->observer_ctx, GR_STORE_EV_COMMIT, NULL);
	/* Applied but unconfirmed is in effect for every reader: its events stand too. */
	if (r == 0 || r == -GR_E_UNSYNCED)
		gr_store_events_unit_deliver(st);
	else
		gr_store_events_unit_drop(st);
	return r;
}

void gr_store_cancel(struct gr_store *st)
{
	if (!st->in_txn || !st->tdb)
		return;
	gr_store_events_unit_drop(st);
	pc_forget(st);
	gr_store_journal_forget(st);
	gr_store_holders_drop(st);
	st->in_txn = false;
	if (st->batch) {
		gr_store_unit_undo(st);
		return;
	}
	gr_store_tdb_cancel(st);
}

bool gr_store_in_transaction(const struct gr_store *st)
{
	return st->in_txn;
}

/*
 * libtdb's lock order is: transaction lock, then the all-record lock.
 * tdb_traverse_read() takes the transaction lock, so a process that holds
 * tdb_lockall_read() and then walks can deadlock against a committing
 * writer (which holds the transaction lock and upgrades its all-record lock).
 * A writable handle therefore takes its consistent view as a transaction
 * that it cancels afterwards (walks are fine inside it, and it also keeps
 * other writers out); a read-only handle takes the all-record read lock and
 * may only fetch, never walk.
 */
int gr_store_read_lock(struct gr_store *st, struct gr_err *err)
{
	CHECK_OPEN(st, err);
	if (st->in_txn || st->read_locked || st->batch)
		return 0;
	st->tdb_msg[0] = '\0';
	if (st->writable) {
		if (tdb_transaction_start(st->tdb) != 0)
			return tdb_failure(st, err, "read transaction");
		st->read_txn = true;
	} else if (tdb_lockall_read(st->tdb) != 0) {
		return tdb_failure(st, err, "read lock");
	}
	st->read_locked = true;
	return 0;
}

void gr_store_read_unlock(struct gr_store *st)
{
	if (!st->read_locked || !st->tdb)
		return;
	if (st->read_txn)
		gr_store_tdb_cancel(st);
	else
		tdb_unlockall_read(st->tdb);
	st->read_locked = false;
	st->read_txn = false;
}

struct get_ctx {
	json_t *v;
	json_error_t jerr;
};

static int parse_json_cb(TDB_DATA key, TDB_DATA data, void *priv)
{
	struct get_ctx *g = priv;

	(void)key;
	g->v = json_loadb((const char *)data.dptr, data.dsize, JSON_DECODE_ANY, &g->jerr);
	return 0;
}

int gr_store_get_json(struct gr_store *st, const char *key, json_t **out,
		      struct gr_err *err)
{
	struct get_ctx g = { NULL, { 0 } };

	*out = NULL;
	CHECK_OPEN(st, err);
	if (tdb_parse_record(st->tdb, key_data(key), parse_json_cb, &g) != 0) {
		if (tdb_error(st->tdb) == TDB_ERR_NOEXIST)
			return -GR_E_NOTFOUND;
		return tdb_failure(st, err, "read");
	}
	if (!g.v)
		return gr_err_set(err, -GR_E_CORRUPT, "%s: record '%s' is not JSON: %s",
				  st->path, key, g.jerr.text);
	*out = g.v;
	return 0;
}

/* Write KEY; KNOWN: OLD (NULL: absent) is its value now, read by the caller in this unit. */
static int store_raw(struct gr_store *st, const char *key, const void *val, size_t len,
		     bool known, const unsigned char *old, size_t old_len, struct gr_err *err)
{
	TDB_DATA d = { (unsigned char *)(uintptr_t)val, len };
	int r;

	if (!st->in_txn)
		return gr_err_set(err, -EINVAL, "write of '%s' outside a transaction", key);
	r = known ? gr_store_unit_note_known(st, key, old, old_len, err)
		  : gr_store_unit_note(st, key, err);
	if (r < 0 || (r = pc_track(st, key, err)) < 0 ||
	    (r = gr_store_journal_track(st, key, err)) < 0)
		return r;
	gr_store_holders_note(st, key, true);
	errno = 0;
	if (tdb_store(st->tdb, key_data(key), d, TDB_REPLACE) != 0)
		return tdb_failure(st, err, "write");
	return 0;
}

int gr_store_put_over(struct gr_store *st, const char *key, const void *val, size_t len,
		      const unsigned char *old, size_t old_len, struct gr_err *err)
{
	return store_raw(st, key, val, len, true, old, old_len, err);
}

int gr_store_fetch(struct gr_store *st, const char *key, unsigned char **val, size_t *len,
		   struct gr_err *err)
{
	TDB_DATA d;

	*val = NULL;
	*len = 0;
	CHECK_OPEN(st, err);
	d = tdb_fetch(st->tdb, key_data(key));
	if (!d.dptr) {
		if (tdb_error(st->tdb) == TDB_ERR_NOEXIST)
			return -GR_E_NOTFOUND;
		return tdb_failure(st, err, "read");
	}
	*val = d.dptr;
	*len = d.dsize;
	return 0;
}

int gr_store_put_json(struct gr_store *st, const char *key, const json_t *v,
		      struct gr_err *err)
{
	char *s;
	int r;

	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		return gr_err_set(err, -ENOMEM, "out of memory encoding '%s'", key);
	r = store_raw(st, key, s, strlen(s), false, NULL, 0, err);
	free(s);
	return r;
}

struct str_ctx {
	char *buf;
	size_t len;
	int r;
};

static int copy_str_cb(TDB_DATA key, TDB_DATA data, void *priv)
{
	struct str_ctx *c = priv;

	(void)key;
	if (data.dsize >= c->len || memchr(data.dptr, '\0', data.dsize)) {
		c->r = -GR_E_CORRUPT;
		return 0;
	}
	memcpy(c->buf, data.dptr, data.dsize);
	c->buf[data.dsize] = '\0';
	return 0;
}

int gr_store_get_str(struct gr_store *st, const char *key, char *buf, size_t len,
		     struct gr_err *err)
{
	struct str_ctx c = { buf, len, 0 };

	CHECK_OPEN(st, err);
	if (tdb_parse_record(st->tdb, key_data(key), copy_str_cb, &c) != 0) {
		if (tdb_error(st->tdb) == TDB_ERR_NOEXIST)
			return -GR_E_NOTFOUND;
		return tdb_failure(st, err, "read");
	}
	if (c.r < 0)
		return gr_err_set(err, c.r, "%s: index record '%s' is malformed", st->path, key);
	return 0;
}

int gr_store_put_str(struct gr_store *st, const char *key, const char *val,
		     struct gr_err *err)
{
	return store_raw(st, key, val, strlen(val), false, NULL, 0, err);
}

int gr_store_del(struct gr_store *st, const char *key, struct gr_err *err)
{
	int r;

	if (!st->in_txn)
		return gr_err_set(err, -EINVAL, "delete of '%s' outside a transaction", key);
	if ((r = gr_store_unit_note(st, key, err)) < 0 ||
	    (r = gr_store_journal_track(st, key, err)) < 0)
		return r;
	/* Deleting what is not there changes nothing the hook must hear of. */
	if (st->pc_fn && tdb_exists(st->tdb, key_data(key)) == 1 && (r = pc_track(st, key, err)) < 0)
		return r;
	gr_store_holders_note(st, key, false);
	errno = 0;
	if (tdb_delete(st->tdb, key_data(key)) != 0 && tdb_error(st->tdb) != TDB_ERR_NOEXIST)
		return tdb_failure(st, err, "delete");
	return 0;
}

bool gr_store_exists(struct gr_store *st, const char *key)
{
	return st->tdb && tdb_exists(st->tdb, key_data(key)) == 1;
}

struct walk_ctx {
	const struct gr_store_walker *w;
	size_t n;
	int r;
};

static int walk_cb(struct tdb_context *tdb, TDB_DATA key, TDB_DATA val, void *priv)
{
	struct walk_ctx *wc = priv;
	char kbuf[GR_KEY_MAX + 1];
	size_t i;

	(void)tdb;
	if (key.dsize > GR_KEY_MAX)
		return 0;
	for (i = 0; i < wc->n; i++) {
		size_t plen = strlen(wc->w[i].prefix);

		if (key.dsize >= plen && !memcmp(key.dptr, wc->w[i].prefix, plen))
			break;
	}
	if (i == wc->n)
		return 0;
	memcpy(kbuf, key.dptr, key.dsize);
	kbuf[key.dsize] = '\0';
	if (memchr(kbuf, '\0', key.dsize))
		return 0;
	wc->r = wc->w[i].fn(kbuf, val.dptr, val.dsize, wc->w[i].ctx);
	return wc->r != 0;
}

int gr_store_walk_many(struct gr_store *st, const struct gr_store_walker *w, size_t n,
		       struct gr_err *err)
{
	struct walk_ctx wc = { w, n, 0 };

	CHECK_OPEN(st, err);
	if (st->read_locked && !st->read_txn)
		return gr_err_set(err, -EDEADLK, "%s: walk under a read-only lock", st->path);
	/*
	 * Inside our transaction tdb_traverse_read sees the transaction's
	 * view; outside it takes its own read locks chain by chain, so callers
	 * that need a consistent picture hold gr_store_read_lock.
	 */
	if (tdb_traverse_read(st->tdb, walk_cb, &wc) < 0 && wc.r == 0)
		return tdb_failure(st, err, "traverse");
	return wc.r;
}

int gr_store_walk(struct gr_store *st, const char *prefix, gr_store_walk_fn fn, void *ctx,
		  struct gr_err *err)
{
	struct gr_store_walker w = { prefix, fn, ctx };

	return gr_store_walk_many(st, &w, 1, err);
}

static int count_cb(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	(void)key;
	(void)val;
	(void)len;
	(*(size_t *)ctx)++;
	return 0;
}

int gr_store_count(struct gr_store *st, const char *prefix, size_t *count,
		   struct gr_err *err)
{
	*count = 0;
	return gr_store_walk(st, prefix, count_cb, count, err);
}

int gr_store_generation(struct gr_store *st, uint64_t *gen, struct gr_err *err)
{
	json_t *meta = NULL;
	int r = gr_store_get_json(st, "meta", &meta, err);

	*gen = 0;
	if (r == -GR_E_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	*gen = (uint64_t)json_integer_value(json_object_get(meta, "generation"));
	json_decref(meta);
	return 0;
}

unsigned gr_store_repaired_mode(const struct gr_store *st)
{
	return st->repaired_mode;
}

bool gr_store_repacked(const struct gr_store *st)
{
	return st->repacked;
}

static int count_cb_tdb(struct tdb_context *tdb, TDB_DATA k, TDB_DATA v, void *p)
{
	(void)tdb;
	(void)k;
	(void)v;
	(*(size_t *)p)++;
	return 0;
}

/*
 * Is the damage tdb_check() found only the unreferenced tail of a commit
 * that died after growing the file?  The recovery record keeps the file
 * size from before that commit (its key_len) after libtdb has rolled it
 * back.  Copy the file up to that size: if the copy passes tdb_check()
 * and holds as many records as the live file, every record lies below it
 * and nothing past it is referenced -- dead space, not corruption.
 * Anything else (no such record, a copy that fails, a count that differs)
 * is corruption.
 */
static bool only_dead_tail(struct gr_store *st, uint64_t *dead)
{
	struct tdb_logging_context quiet = { store_log_open, NULL };
	struct tdb_context *copy = NULL;
	struct tdb_rec_hdr rec;
	struct stat sb;
	char tmp[PATH_MAX], buf[65536];
	size_t live = 0, copied = 0;
	uint64_t done = 0;
	uint32_t off;
	int fd = tdb_fd(st->tdb), out = -1;
	bool ok = false;

	if (fstat(fd, &sb) < 0 || read_recovery_record(fd, &off, &rec) < 0 ||
	    rec.magic == TDB_RECOVERY_MAGIC_VALID || rec.key_len == 0 ||
	    rec.key_len >= (uint64_t)sb.st_size ||
	    gr_config_state_path(&st->cfg, ".check-directory.XXXXXX", tmp, sizeof(tmp)) < 0)
		return false;
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0)
		return false;
	while (done < rec.key_len) {
		size_t want = rec.key_len - done < sizeof(buf) ? (size_t)(rec.key_len - done)
							       : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)done);

		if (n <= 0 || write(out, buf, (size_t)n) != n)
			goto out;
		done += (uint64_t)n;
	}
	copy = gr_tdb_open(tmp, 0, st->tdb_flags, O_RDWR, 0600, &quiet);
	if (!copy || tdb_check(copy, NULL, NULL) != 0 ||
	    tdb_traverse_read(copy, count_cb_tdb, &copied) < 0 ||
	    tdb_traverse_read(st->tdb, count_cb_tdb, &live) < 0 || live != copied)
		goto out;
	*dead = (uint64_t)sb.st_size - rec.key_len;
	ok = true;
out:
	if (copy)
		gr_tdb_close(copy);
	close(out);
	unlink(tmp);
	return ok;
}

int gr_store_verify(struct gr_store *st, struct gr_store_integrity *out, struct gr_err *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	CHECK_OPEN(st, err);
	st->tdb_msg[0] = '\0';
	r = tdb_check(st->tdb, NULL, NULL);
	snprintf(out->detail, sizeof(out->detail), "%s", st->tdb_msg);
	st->tdb_msg[0] = '\0';
	if (r == 0) {
		out->ok = true;
		return 0;
	}
	out->dead_tail = only_dead_tail(st, &out->dead_bytes);
	return 0;
}

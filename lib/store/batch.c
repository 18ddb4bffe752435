/* SPDX-License-Identifier: MIT */
/*
 * Group commit: many units of work in one libtdb transaction, one sync.
 *
 * libtdb nests transactions, but a nested cancel only poisons the outer one,
 * so it cannot give a unit of a batch its own rollback.  The store keeps one
 * instead: before each write of a unit it saves the key's previous
 * value (or its absence), and a cancel puts those back, newest first.  What
 * the undo cannot put back (out of memory, a failed write) breaks the batch,
 * which then rolls back as a whole at gr_store_batch_end().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_priv.h"

struct gr_undo {
	char *key;
	unsigned char *old; /* libtdb's malloc'd copy; NULL: the key did not exist */
	size_t old_len;
};

static TDB_DATA key_of(const char *key)
{
	TDB_DATA k = { (unsigned char *)(uintptr_t)key, strlen(key) };
	return k;
}

void gr_store_observe(struct gr_store *st, gr_store_observer_fn fn, void *ctx)
{
	st->observer = fn;
	st->observer_ctx = ctx;
}

bool gr_store_in_batch(const struct gr_store *st)
{
	return st->batch;
}

int gr_store_batch_begin(struct gr_store *st, struct gr_err *err)
{
	if (!st->tdb)
		return gr_err_set(err, -GR_E_IO, "%s: unusable after a failed commit; reopen it",
				  st->path);
	if (!st->writable)
		return gr_err_set(err, -EROFS, "%s: opened read-only", st->path);
	if (st->batch || st->in_txn || st->read_locked)
		return gr_err_set(err, -EBUSY, "%s: transaction or read lock already active",
				  st->path);
	st->tdb_msg[0] = '\0';
	errno = 0;
	if (tdb_transaction_start(st->tdb) != 0)
		return gr_store_tdb_failure(st, err, "transaction start");
	st->batch = true;
	st->batch_changed = false;
	st->batch_broken = false;
	gr_store_holders_txn_start(st);
	return 0;
}

void gr_store_unit_forget(struct gr_store *st)
{
	size_t i;

	for (i = 0; i < st->n_undo; i++) {
		free(st->undo[i].key);
		free(st->undo[i].old);
	}
	st->n_undo = 0;
}

/*
 * Save KEY's value before the open unit first writes it (in a batch): OLD
 * when KNOWN (the caller has just read it; NULL: absent), else read now.
 */
static int unit_save(struct gr_store *st, const char *key, bool known, const unsigned char *old,
		     size_t old_len, struct gr_err *err)
{
	struct gr_undo *u;
	TDB_DATA v;

	if (st->observer && !st->observer_muted)
		st->observer(st->observer_ctx, GR_STORE_EV_WRITE, key);
	if (!st->batch)
		return 0;
	/* A key written twice is saved twice: undone newest first, the oldest value wins. */
	if (st->n_undo == st->cap_undo) {
		size_t ncap = st->cap_undo ? st->cap_undo * 2 : 16;
		struct gr_undo *nu = realloc(st->undo, ncap * sizeof(*nu));

		if (!nu)
			return gr_err_set(err, -ENOMEM, "out of memory");
		st->undo = nu;
		st->cap_undo = ncap;
	}
	u = &st->undo[st->n_undo];
	u->key = strdup(key);
	if (!u->key)
		return gr_err_set(err, -ENOMEM, "out of memory");
	if (known) {
		v.dptr = old ? malloc(old_len ? old_len : 1) : NULL;
		v.dsize = old_len;
		if (old && !v.dptr) {
			free(u->key);
			return gr_err_set(err, -ENOMEM, "out of memory");
		}
		if (old_len)
			memcpy(v.dptr, old, old_len);
	} else {
		v = tdb_fetch(st->tdb, key_of(key));
		if (!v.dptr && tdb_error(st->tdb) != TDB_ERR_NOEXIST) {
			free(u->key);
			return gr_store_tdb_failure(st, err, "read");
		}
	}
	u->old = v.dptr;
	u->old_len = v.dsize;
	st->n_undo++;
	return 0;
}

int gr_store_unit_note(struct gr_store *st, const char *key, struct gr_err *err)
{
	return unit_save(st, key, false, NULL, 0, err);
}

int gr_store_unit_note_known(struct gr_store *st, const char *key, const unsigned char *old,
			     size_t old_len, struct gr_err *err)
{
	return unit_save(st, key, true, old, old_len, err);
}

void gr_store_unit_committed(struct gr_store *st)
{
	gr_store_unit_forget(st);
	st->batch_changed = true;
	if (st->observer)
		st->observer(st->observer_ctx, GR_STORE_EV_COMMIT, NULL);
}

void gr_store_unit_undo(struct gr_store *st)
{
	size_t i;

	for (i = st->n_undo; i-- > 0;) {
		struct gr_undo *u = &st->undo[i];
		TDB_DATA v = { u->old, u->old_len };
		int r;

		r = u->old ? tdb_store(st->tdb, key_of(u->key), v, TDB_REPLACE)
			   : tdb_delete(st->tdb, key_of(u->key));
		if (r != 0 && !(!u->old && tdb_error(st->tdb) == TDB_ERR_NOEXIST))
			st->batch_broken = true;
	}
	gr_store_unit_forget(st);
}

/* The batch's committed units are not in after all: the observer forgets them. */
static void batch_void(struct gr_store *st)
{
	if (st->observer)
		st->observer(st->observer_ctx, GR_STORE_EV_ROLLBACK, NULL);
}

int gr_store_batch_end(struct gr_store *st, struct gr_err *err)
{
	uint64_t gen = 0;
	int r;

	if (!st->batch)
		return gr_err_set(err, -EINVAL, "%s: no batch to commit", st->path);
	gr_store_cancel(st); /* a unit left open does not count */
	st->batch = false;
	if (st->batch_broken || !st->batch_changed)
		gr_store_events_batch_end(st, false);
	if (st->batch_broken) {
		gr_store_holders_drop(st);
		gr_store_tdb_cancel(st);
		batch_void(st);
		return gr_err_set(err, -GR_E_IO,
				  "%s: a cancelled change could not be undone; the batch was rolled back",
				  st->path);
	}
	if (!st->batch_changed) {
		gr_store_tdb_cancel(st);
		return 0;
	}
	if (gr_store_generation(st, &gen, err) < 0) {
		gr_store_holders_drop(st);
		gr_store_tdb_cancel(st);
		gr_store_events_batch_end(st, false);
		batch_void(st);
		return -GR_E_IO;
	}
	r = gr_store_commit_tdb(st, gen, err);
	if (r < 0 && r != -GR_E_UNSYNCED) {
		gr_store_holders_drop(st);
		batch_void(st);
	}
	/* Every committed unit's events, now that the batch is on disk (or applied, unconfirmed). */
	gr_store_events_batch_end(st, r == 0 || r == -GR_E_UNSYNCED);
	return r;
}

void gr_store_batch_abort(struct gr_store *st)
{
	if (!st->batch)
		return;
	gr_store_cancel(st);
	st->batch = false;
	gr_store_holders_drop(st);
	gr_store_tdb_cancel(st);
	if (st->batch_changed)
		batch_void(st);
}

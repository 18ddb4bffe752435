/* SPDX-License-Identifier: MIT */
#ifndef GR_STORE_H
#define GR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <tdb.h>

#include "core/config.h"
#include "core/gr_error.h"

/*
 * directory.tdb: the one source of truth on a host.
 *
 * Writers change it only inside a transaction (gr_store_begin/commit), which
 * libtdb makes atomic and durable: after gr_store_commit() returns 0 the
 * change is on disk, and a crash or failed write at any point leaves the last
 * committed state.  Readers that are not inside a transaction hold
 * gr_store_read_lock() so they never see a half-applied commit; libtdb takes
 * no locks for O_RDONLY opens, which is why even read-only users open the
 * file read-write.
 *
 * Keys are "kind/part/part" strings (see records.h); values are JSON, except
 * index records, which hold a bare string.
 */

#define GR_SCHEMA_VERSION 2
#define GR_STORE_FILE "directory.tdb"
#define GR_KEY_MAX 1024

enum {
	GR_STORE_READ = 0,       /* existing database, read access only */
	GR_STORE_WRITE = 1 << 0, /* transactions allowed */
	GR_STORE_CREATE = 1 << 1, /* create state_dir and database if missing */
	/*
	 * Write through pwrite(2) instead of the mapping (libtdb's TDB_NOMMAP),
	 * so every write of a commit is a system call that can fail: used by
	 * the fault-injection tests.
	 */
	GR_STORE_NOMMAP = 1 << 2
};

struct gr_store;

/*
 * Open the database in CFG->state_dir.  The directory and file must pass the
 * safefile rules (root-owned, not group/world-writable; the caller's own uid
 * is accepted when CFG->test_mode).  A missing database is -ENOENT unless
 * GR_STORE_CREATE; a database with a newer or unknown schema is
 * -GR_E_SCHEMA.  On success *OUT is owned by the caller (gr_store_close).
 */
int gr_store_open(const struct gr_config *cfg, unsigned flags, struct gr_store **out,
		  struct gr_err *err);
void gr_store_close(struct gr_store *st);

/* The configuration the store was opened with (borrowed). */
const struct gr_config *gr_store_config(const struct gr_store *st);

/* Start a write transaction (waits for other writers). */
int gr_store_begin(struct gr_store *st, struct gr_err *err);
/*
 * Bump the generation counter and commit.  On failure the transaction is
 * cancelled and the database keeps its last committed state -- with one
 * exception that libtdb imposes: when every write succeeded and only the
 * final fsync failed, the new state is already in the file and stays there;
 * that case returns -GR_E_UNSYNCED ("applied but not confirmed on disk").
 */
int gr_store_commit(struct gr_store *st, struct gr_err *err);
/* Abandon the transaction; safe to call when none is active. */
void gr_store_cancel(struct gr_store *st);
bool gr_store_in_transaction(const struct gr_store *st);

/*
 * Group commit, for a server that answers many clients through one handle.
 * gr_store_batch_begin() opens one libtdb transaction; until
 * gr_store_batch_end(), each gr_store_begin()..gr_store_commit() or
 * gr_store_cancel() is a unit inside it.  A unit's commit bumps the
 * generation and keeps its changes without syncing; its cancel undoes
 * exactly that unit's writes (the store keeps the previous value of every
 * key the unit writes), so the other units stand.  gr_store_batch_end()
 * commits the batch with one sync -- or cancels it when no unit committed --
 * and its result is every unit's result: nothing in the batch is durable,
 * or may be reported as done, before it returns 0.  On failure the whole
 * batch is rolled back (or, -GR_E_UNSYNCED, applied but not confirmed, as
 * for gr_store_commit).  Reads inside the batch see its units' changes and
 * need no read lock.
 */
int gr_store_batch_begin(struct gr_store *st, struct gr_err *err);
int gr_store_batch_end(struct gr_store *st, struct gr_err *err);
/* Roll the whole batch back, committed units included. */
void gr_store_batch_abort(struct gr_store *st);
bool gr_store_in_batch(const struct gr_store *st);

/*
 * An observer learns of every write through this handle: FN(CTX,
 * GR_STORE_EV_WRITE, key) before each put or delete (also of writes that a
 * cancel later undoes), and FN(CTX, GR_STORE_EV_COMMIT, NULL) after each commit
 * that bumped the generation (a unit's, in a batch).  The live publisher
 * uses it to re-resolve only what changed.  FN must not use the store.
 *
 * A membership change made through gr_ugroups_change (a group's members
 * added or removed) is told as FN(CTX, GR_STORE_EV_LINK, "DIR/UID GID")
 * instead of the writes of the user's "ug/" chunks, so that an observer
 * can tell which group the user joined or left.  Other writes of those
 * chunks (a user replaced or deleted with its groups) stay plain writes.
 *
 * FN(CTX, GR_STORE_EV_ROLLBACK, NULL): a batch whose units were committed
 * (and told) rolled back as a whole; what the observer learnt of it is void.
 */
enum gr_store_event { GR_STORE_EV_WRITE, GR_STORE_EV_COMMIT, GR_STORE_EV_LINK,
		      GR_STORE_EV_ROLLBACK };
typedef void (*gr_store_observer_fn)(void *ctx, enum gr_store_event ev, const char *key);
void gr_store_observe(struct gr_store *st, gr_store_observer_fn fn, void *ctx);

/*
 * The change journal (journal.c), for an observer in another process: each
 * commit through a handle without an observer (grouprolectl, an import)
 * also records the keys it wrote, as of generation GEN.  A commit of more
 * than GR_JOURNAL_MAX_KEYS keys records only that it wrote many.  The last
 * GR_JOURNAL_SLOTS commits are kept at most.
 *
 * gr_store_journal_get: 0 and *KEYS (a new array) for commit GEN, or 0 and
 * *KEYS NULL when it wrote too many to list; -GR_E_NOTFOUND when GEN has
 * no record (an observer's own commit, an older program's, or one too old).
 */
#define GR_JOURNAL_MAX_KEYS 256
#define GR_JOURNAL_SLOTS 1024
int gr_store_journal_get(struct gr_store *st, uint64_t gen, json_t **keys, struct gr_err *err);

/*
 * A pre-commit hook: FN(CTX, ST, KEYS, N, ERR) runs inside the open
 * transaction when gr_store_commit() is called -- for a plain commit and
 * for each unit of a group commit -- with the keys the transaction (or
 * unit) wrote: every put, and every delete of a key that existed, each key
 * once, in no particular order.  It may read the store (it sees the new
 * state); it must not write.  A negative return cancels the transaction
 * (the unit, in a batch) and is gr_store_commit()'s result, with ERR as
 * FN set it.  Not called when nothing was written.  Fleet mode's writers
 * (lib/fleet/writer.h) use it so the LDAP provider acknowledges a change
 * before it is committed here.  FN NULL removes the hook.
 */
typedef int (*gr_store_precommit_fn)(void *ctx, struct gr_store *st, const char *const *keys,
				     size_t n, struct gr_err *err);
void gr_store_precommit(struct gr_store *st, gr_store_precommit_fn fn, void *ctx);

/*
 * Events (lib/events) for what a unit changed, delivered only once it is
 * committed.  Record operations (records.c, through store/changes.h) queue
 * events on the open unit with gr_store_event_push; a cancel drops the
 * unit's events; a commit outside a batch delivers them to SINK once libtdb's
 * commit returned (0, or -GR_E_UNSYNCED: applied, in effect for readers);
 * a unit committed inside a batch keeps them until gr_store_batch_end,
 * which delivers every committed unit's events when the batch is durable
 * and drops them all when it rolls back.  SINK(CTX, EVENTS) gets an array
 * it borrows, and must not use the store.  Without a sink nothing is
 * queued (gr_store_events_wanted is false) and record operations skip the
 * work of describing their changes.
 *
 * ORIGIN ("scim/DIR", "api", "cli") goes into the source of the events
 * queued after it is set; the daemon sets it per unit.
 */
typedef void (*gr_store_event_sink_fn)(void *ctx, const json_t *events);
void gr_store_event_sink(struct gr_store *st, gr_store_event_sink_fn fn, void *ctx);
void gr_store_event_origin(struct gr_store *st, const char *origin);
const char *gr_store_event_origin_get(const struct gr_store *st);
bool gr_store_events_wanted(const struct gr_store *st);
/* Queue EV (stolen) on the open unit.  Only inside a transaction; -ENOMEM. */
int gr_store_event_push(struct gr_store *st, json_t *ev, struct gr_err *err);

/*
 * Consistent reads outside a write transaction.  On a writable handle this is
 * a transaction that is cancelled on unlock (it excludes writers, and walks
 * work); on a read-only handle it is libtdb's all-record read lock, which
 * admits other readers but forbids gr_store_walk (lock ordering).
 */
int gr_store_read_lock(struct gr_store *st, struct gr_err *err);
void gr_store_read_unlock(struct gr_store *st);

/* Format a key into BUF; -ENAMETOOLONG when it does not fit. */
int gr_key(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Fetch KEY as JSON.  *OUT receives a new reference (json_decref it).
 * Returns -GR_E_NOTFOUND (without a message) when the key is absent,
 * -GR_E_CORRUPT when the value is not JSON.
 */
int gr_store_get_json(struct gr_store *st, const char *key, json_t **out,
		      struct gr_err *err);
/* Store V (any JSON value) under KEY.  Only inside a transaction. */
int gr_store_put_json(struct gr_store *st, const char *key, const json_t *v,
		      struct gr_err *err);

/*
 * Fetch a bare-string index record into BUF (NUL-terminated).
 * -GR_E_NOTFOUND when absent, -GR_E_CORRUPT when it does not fit or holds NUL.
 */
int gr_store_get_str(struct gr_store *st, const char *key, char *buf, size_t len,
		     struct gr_err *err);
int gr_store_put_str(struct gr_store *st, const char *key, const char *val,
		     struct gr_err *err);

/* Delete KEY; absent keys are not an error.  Only inside a transaction. */
int gr_store_del(struct gr_store *st, const char *key, struct gr_err *err);
bool gr_store_exists(struct gr_store *st, const char *key);

/*
 * Call FN for every record whose key starts with PREFIX, in no particular
 * order.  KEY is NUL-terminated; VAL points into libtdb's buffer and is valid
 * only during the call.  FN must not modify the database; a non-zero return
 * stops the walk and is returned.
 */
typedef int (*gr_store_walk_fn)(const char *key, const unsigned char *val, size_t len,
				void *ctx);
int gr_store_walk(struct gr_store *st, const char *prefix, gr_store_walk_fn fn, void *ctx,
		  struct gr_err *err);
/*
 * Several walks in one pass over the database: each record goes to the
 * first of the N walkers whose prefix it starts with.  On an unmapped file
 * a walk costs system calls for every record, whatever its prefix.
 */
struct gr_store_walker {
	const char *prefix;
	gr_store_walk_fn fn;
	void *ctx;
};
int gr_store_walk_many(struct gr_store *st, const struct gr_store_walker *w, size_t n,
		       struct gr_err *err);

/* Number of records in the database (for statistics and import limits). */
int gr_store_count(struct gr_store *st, const char *prefix, size_t *count,
		   struct gr_err *err);

/* Generation counter: bumped by every commit. */
int gr_store_generation(struct gr_store *st, uint64_t *gen, struct gr_err *err);

/*
 * What gr_store_open() repaired: the mode the file had when it was readable
 * by others (it is 0600 now), or 0; and whether it reclaimed the space a
 * commit that died after growing the file left behind (see gr_store_verify).
 * The CLI reports both; library code does not log.
 */
unsigned gr_store_repaired_mode(const struct gr_store *st);
bool gr_store_repacked(const struct gr_store *st);

/*
 * libtdb's integrity check, told apart from the one harmless thing it also
 * objects to: after a commit that grew the file died and was rolled back,
 * the grown part stays in the file, holding records no hash chain refers
 * to, and tdb_check() reports "Hashes do not match records".  That tail is
 * recognised (OK false, DEAD_TAIL true) through the recovery record, which
 * keeps the pre-commit file size: the file cut at that size must pass
 * tdb_check() and hold every record.  The next writer that opens the file
 * before libtdb's recovery has run reclaims it (gr_store_repacked); one that
 * opens it later does not know, so `check` reports the tail as a warning.
 * Anything else is corruption (OK and DEAD_TAIL false).  DETAIL holds
 * libtdb's last complaint.  Call under gr_store_read_lock.
 */
struct gr_store_integrity {
	bool ok;
	bool dead_tail;
	uint64_t dead_bytes;
	char detail[256];
};
int gr_store_verify(struct gr_store *st, struct gr_store_integrity *out, struct gr_err *err);

/* libtdb handle, for the few callers (tests, benchmarks) that need it. */
struct tdb_context *gr_store_tdb(struct gr_store *st);

#endif

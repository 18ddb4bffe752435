/* SPDX-License-Identifier: MIT */
#ifndef GR_STORE_PRIV_H
#define GR_STORE_PRIV_H

/* The store handle's insides, shared by store.c, batch.c, events.c and holders.c only. */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <tdb.h>

#include "core/tdbfile.h"
#include "store/store.h"

struct gr_undo;

struct gr_store {
	struct tdb_context *tdb;
	struct gr_config cfg;
	bool writable;
	bool in_txn;
	bool read_locked;
	bool read_txn; /* the read lock is a transaction we will cancel */
	char path[PATH_MAX];
	/* libtdb's last complaint, folded into our error sentences. */
	char tdb_msg[256];
	bool fatal_logged; /* libtdb reported a TDB_DEBUG_FATAL problem */
	int tdb_flags;
	struct tdb_logging_context log;
	unsigned repaired_mode; /* the unsafe mode fixed at open, or 0 */
	bool repacked;          /* dead space after a crashed commit was reclaimed */
	struct gr_tdb_tails tails; /* libtdb's leaked mappings (store.c, txn_ended) */

	/* Group commit (batch.c): one libtdb transaction holding many units. */
	bool batch;
	bool batch_changed;     /* a unit committed: the batch has something to sync */
	bool batch_broken;      /* a unit could not be undone: the batch must roll back */
	struct gr_undo *undo;   /* the open unit's previous values, oldest first */
	size_t n_undo, cap_undo;
	gr_store_observer_fn observer;
	void *observer_ctx;
	bool observer_muted;    /* a membership change told as one GR_STORE_EV_LINK */

	/* Pre-commit hook (store.c): the keys the open transaction or unit wrote, as a set. */
	gr_store_precommit_fn pc_fn;
	void *pc_ctx;
	json_t *pc_keys;

	/*
	 * Groups holding roles (holders.c): "DIR/GID" -> keys naming it, and the
	 * organizations' names (name -> true), counted in the same walk; both
	 * NULL = not counted.
	 */
	json_t *holders, *org_names;
	uint64_t holders_gen; /* the generation they describe, with the open transaction's writes */

	/* Change journal (journal.c): the open transaction's keys, as a set; or too many. */
	json_t *jr_keys;
	bool jr_many;

	/* Events (events.c): the open unit's, and the committed units' of the open batch. */
	json_t *ev_unit, *ev_batch;
	gr_store_event_sink_fn ev_sink;
	void *ev_sink_ctx;
	char ev_origin[160];
};

/*
 * tdb_transaction_cancel, then unmap what libtdb leaked if the file grew
 * (core/tdbfile.h); commits do the same in gr_store_commit_tdb.
 */
void gr_store_tdb_cancel(struct gr_store *st);

/* batch.c: called by store.c before each write of KEY and after each commit. */
int gr_store_unit_note(struct gr_store *st, const char *key, struct gr_err *err);
/* The same, when the caller has just read KEY's value OLD (NULL: absent) in this unit. */
int gr_store_unit_note_known(struct gr_store *st, const char *key, const unsigned char *old,
			     size_t old_len, struct gr_err *err);
void gr_store_unit_committed(struct gr_store *st);
void gr_store_unit_undo(struct gr_store *st);
void gr_store_unit_forget(struct gr_store *st);

/*
 * events.c: the open unit's events are dropped (cancel, begin), kept for
 * the batch (a unit's commit in a batch) or delivered (a commit outside
 * one); a batch's are delivered or dropped at its end; all go at close.
 */
void gr_store_events_unit_drop(struct gr_store *st);
void gr_store_events_unit_keep(struct gr_store *st);
void gr_store_events_unit_deliver(struct gr_store *st);
void gr_store_events_batch_end(struct gr_store *st, bool deliver);
void gr_store_events_free(struct gr_store *st);

/*
 * holders.c: the groups holding roles and the organizations' names,
 * followed through this handle's
 * writes (note, before each put or delete), brought to a unit's new
 * generation on commit, checked against the generation when a libtdb
 * transaction starts, and dropped whenever the store may have gone back.
 */
void gr_store_holders_note(struct gr_store *st, const char *key, bool put);
void gr_store_holders_committed(struct gr_store *st, uint64_t gen);
void gr_store_holders_txn_start(struct gr_store *st);
void gr_store_holders_drop(struct gr_store *st);

/* store.c: libtdb's commit of the open transaction, settled when the sync failed. */
/*
 * For the store's own indexes (ugroups.c), which read a record and rewrite
 * it: KEY's value as libtdb's malloc'd copy (-GR_E_NOTFOUND when absent),
 * and a write of KEY whose undo takes OLD, the value just read, instead of
 * reading it again -- on an unmapped file each read is a hash chain walk
 * of system calls.
 */
int gr_store_fetch(struct gr_store *st, const char *key, unsigned char **val, size_t *len,
		   struct gr_err *err);
int gr_store_put_over(struct gr_store *st, const char *key, const void *val, size_t len,
		      const unsigned char *old, size_t old_len, struct gr_err *err);

/*
 * journal.c: remember each key the open transaction writes (a handle
 * without an observer only); write them as commit GEN's journal record
 * (inside the transaction, after the generation's bump); forget them.
 */
int gr_store_journal_track(struct gr_store *st, const char *key, struct gr_err *err);
int gr_store_journal_write(struct gr_store *st, uint64_t gen, struct gr_err *err);
void gr_store_journal_forget(struct gr_store *st);

int gr_store_commit_tdb(struct gr_store *st, uint64_t expected, struct gr_err *err);
int gr_store_tdb_failure(struct gr_store *st, struct gr_err *err, const char *what);

#endif

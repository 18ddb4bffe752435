/* SPDX-License-Identifier: MIT */
/*
 * The change journal: what another process's commit wrote (store.h).
 *
 * The live publisher follows its own process's writes through the
 * observer; a commit by grouprolectl (a role mapped during a provisioning
 * run) only shows as a generation it did not count, and without knowing
 * what changed it had to rebuild everything: 13 s at 100,000 users on an
 * unmapped file, with the store held, every request waiting.  So a handle
 * without an observer -- grouprolectl, an import -- records the keys each
 * commit wrote, in the same transaction, and the publisher reads them
 * instead of rebuilding.
 *
 * The journal is a ring of GR_JOURNAL_SLOTS records "journal/N", commit
 * GEN in slot GEN % GR_JOURNAL_SLOTS, holding {"gen": GEN, "keys": [...]}
 * or, past GR_JOURNAL_MAX_KEYS keys, {"gen": GEN, "many": true}.  A slot
 * is overwritten, never deleted, so the ring needs no pruning and stays
 * small: at most a few megabytes, a few kilobytes in the common case of
 * a handful of keys per admin command.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/types.h>

#include "store/store_priv.h"

static bool journaled(const char *key)
{
	return !strncmp(key, "journal/", 8) || !strcmp(key, "meta");
}

int gr_store_journal_track(struct gr_store *st, const char *key, struct gr_err *err)
{
	if (st->observer || st->jr_many || journaled(key))
		return 0;
	if (!st->jr_keys && !(st->jr_keys = json_object()))
		return gr_err_set(err, -ENOMEM, "out of memory");
	if (json_object_size(st->jr_keys) >= GR_JOURNAL_MAX_KEYS) {
		st->jr_many = true;
		json_object_clear(st->jr_keys);
		return 0;
	}
	if (json_object_set_new_nocheck(st->jr_keys, key, json_true()) < 0)
		return gr_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

void gr_store_journal_forget(struct gr_store *st)
{
	if (st->jr_keys)
		json_object_clear(st->jr_keys);
	st->jr_many = false;
}

static int slot_key(char *key, size_t len, uint64_t gen)
{
	return gr_key(key, len, "journal/%" PRIu64, gen % GR_JOURNAL_SLOTS);
}

/* Commit GEN's journal record: the keys tracked, or "many"; NULL when out of memory. */
static json_t *journal_record(const struct gr_store *st, uint64_t gen)
{
	json_t *rec = json_pack("{s:I}", "gen", (json_int_t)gen), *keys, *v;
	const char *k;
	bool ok;

	if (!rec)
		return NULL;
	if (st->jr_many) {
		ok = json_object_set_new(rec, "many", json_true()) == 0;
	} else {
		keys = json_array();
		ok = keys && json_object_set_new(rec, "keys", keys) == 0;
		if (ok && st->jr_keys)
			json_object_foreach(st->jr_keys, k, v)
				ok = ok && json_array_append_new(keys, json_string(k)) == 0;
	}
	if (!ok) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

int gr_store_journal_write(struct gr_store *st, uint64_t gen, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *rec;
	int r;

	if (st->observer)
		return 0;
	if (!(rec = journal_record(st, gen)))
		r = gr_err_set(err, -ENOMEM, "out of memory");
	else if (slot_key(key, sizeof(key), gen) < 0)
		r = gr_err_set(err, -ENAMETOOLONG, "key too long");
	else
		r = gr_store_put_json(st, key, rec, err);
	json_decref(rec);
	gr_store_journal_forget(st);
	return r;
}

int gr_store_journal_get(struct gr_store *st, uint64_t gen, json_t **keys, struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *rec = NULL;
	int r;

	*keys = NULL;
	if (slot_key(key, sizeof(key), gen) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	r = gr_store_get_json(st, key, &rec, err);
	if (r < 0)
		return r;
	if (!json_is_object(rec) ||
	    json_integer_value(json_object_get(rec, "gen")) != (json_int_t)gen) {
		r = -GR_E_NOTFOUND; /* another commit's slot now, or not ours to read */
	} else if (json_is_true(json_object_get(rec, "many"))) {
		r = 0;
	} else if (json_is_array(json_object_get(rec, "keys"))) {
		*keys = json_incref(json_object_get(rec, "keys"));
		r = 0;
	} else {
		r = gr_err_set(err, -GR_E_CORRUPT, "%s: record '%s' is malformed", st->path, key);
	}
	json_decref(rec);
	return r;
}

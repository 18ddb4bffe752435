/* SPDX-License-Identifier: MIT */
/*
 * The groups that hold roles, remembered per writable handle.
 *
 * The limit on groups holding roles (limits.c) needs their number, and
 * counting them means reading every record: libtdb has no ordered keys.
 * Paid on every first mapping of a group, that made loading N mappings cost
 * N walks of the store -- a fleet host's full refresh was quadratic in its
 * mappings (22.8 s of CPU at 10,000 users and 1,000 mappings).  So a
 * writable handle keeps what it counted -- "DIR/GID" -> how many troles/
 * and oroles/ keys name that group -- follows its own writes of those keys,
 * and forgets it whenever it cannot vouch for it:
 *   - a cancel (of a transaction or of a unit of a batch), a failed commit,
 *     a rolled-back batch: the store went back to a state the set may not
 *     describe;
 *   - another writer's commit: at the start of each libtdb transaction the
 *     generation must still be the one the set was last brought to.
 * The next count walks the store again.
 */
#include <errno.h>
#include <string.h>

#include "store/limits.h"
#include "store/records.h"
#include "store/store_priv.h"

/* "DIR/GID" of a troles/DIR/GID or oroles/ORG/DIR/GID key, or NULL for other keys. */
static const char *holder_of(const char *key)
{
	if (!strncmp(key, "troles/", 7))
		return key + 7;
	if (!strncmp(key, "oroles/", 7) && (key = strchr(key + 7, '/')))
		return key + 1;
	return NULL;
}

void gr_store_holders_drop(struct gr_store *st)
{
	json_decref(st->holders);
	st->holders = NULL;
}

void gr_store_holders_txn_start(struct gr_store *st)
{
	struct gr_err err;
	uint64_t gen = 0;

	if (!st->holders)
		return;
	gr_err_clear(&err);
	if (gr_store_generation(st, &gen, &err) < 0 || gen != st->holders_gen)
		gr_store_holders_drop(st);
}

void gr_store_holders_committed(struct gr_store *st, uint64_t gen)
{
	st->holders_gen = gen;
}

/* Before KEY is written (PUT) or deleted: count it in or out. */
void gr_store_holders_note(struct gr_store *st, const char *key, bool put)
{
	const char *dg;
	json_int_t n;
	int existed;

	if (!st->holders || !(dg = holder_of(key)))
		return;
	existed = tdb_exists(st->tdb, (TDB_DATA){ (unsigned char *)(uintptr_t)key, strlen(key) });
	if (put == (existed == 1))
		return; /* a rewrite, or the deletion of what is not there */
	n = json_integer_value(json_object_get(st->holders, dg)) + (put ? 1 : -1);
	if (n > 0 ? json_object_set_new(st->holders, dg, json_integer(n)) < 0
		  : json_object_del(st->holders, dg) < 0)
		gr_store_holders_drop(st); /* out of memory, or a count that was wrong: count again */
}

static int count_cb(const char *key, const unsigned char *val, size_t len, void *set)
{
	const char *dg = holder_of(key);
	json_int_t n;

	(void)val;
	(void)len;
	if (!dg)
		return 0;
	n = json_integer_value(json_object_get(set, dg)) + 1;
	return json_object_set_new(set, dg, json_integer(n)) < 0 ? -ENOMEM : 0;
}

/*
 * The set of groups holding roles: the handle's, or counted now (and kept
 * when the handle is writable).  *OWNED tells the caller to json_decref it.
 */
static int holders_get(struct gr_store *st, json_t **set, bool *owned, struct gr_err *err)
{
	uint64_t gen = 0;
	json_t *s;
	int r;

	*set = NULL;
	*owned = false;
	/* Inside a transaction the set follows its writes; outside, it must be current. */
	if (st->holders && !st->in_txn && !st->batch &&
	    (gr_store_generation(st, &gen, err) < 0 || gen != st->holders_gen))
		gr_store_holders_drop(st);
	if (st->holders) {
		*set = st->holders;
		return 0;
	}
	if (!(s = json_object()))
		return gr_err_set(err, -ENOMEM, "out of memory");
	/* One pass over the store; it sees the open transaction's writes. */
	r = gr_store_walk(st, "", count_cb, s, err);
	if (r == 0)
		r = gr_store_generation(st, &gen, err);
	if (r < 0) {
		json_decref(s);
		return r == -ENOMEM ? gr_err_set(err, r, "out of memory") : r;
	}
	*set = s;
	if (st->writable) {
		st->holders = s;
		st->holders_gen = gen;
	} else {
		*owned = true;
	}
	return 0;
}

int gr_groups_with_roles(struct gr_store *st, const char *dir, const char *gid, size_t *count,
			 bool *holds, struct gr_err *err)
{
	char dg[GR_KEY_MAX];
	json_t *set;
	bool owned;
	int r;

	*count = 0;
	if (holds)
		*holds = false;
	if ((r = holders_get(st, &set, &owned, err)) < 0)
		return r;
	*count = json_object_size(set);
	if (holds && gr_key(dg, sizeof(dg), "%s/%s", dir, gid) == 0)
		*holds = json_object_get(set, dg) != NULL;
	if (owned)
		json_decref(set);
	return 0;
}

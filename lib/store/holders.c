/* SPDX-License-Identifier: MIT */
/*
 * The groups that hold roles, remembered per writable handle -- and the
 * organizations' names, found by the same walk: applying a group's mapping
 * (grouprole-sync, the LDAP writer) asks for them on every write, and
 * listing them alone was a walk of the whole store per mapping.
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
#include <stdlib.h>
#include <string.h>

#include "store/limits.h"
#include "store/orgs.h"
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

/* NAME of an org/NAME key, or NULL for other keys. */
static const char *org_of(const char *key)
{
	return !strncmp(key, "org/", 4) && key[4] && !strchr(key + 4, '/') ? key + 4 : NULL;
}

void gr_store_holders_drop(struct gr_store *st)
{
	json_decref(st->holders);
	json_decref(st->org_names);
	st->holders = st->org_names = NULL;
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
	const char *dg = holder_of(key), *org = dg ? NULL : org_of(key);
	json_int_t n;
	int existed;

	if (!st->holders || (!dg && !org))
		return;
	existed = tdb_exists(st->tdb, (TDB_DATA){ (unsigned char *)(uintptr_t)key, strlen(key) });
	if (put == (existed == 1))
		return; /* a rewrite, or the deletion of what is not there */
	if (org) {
		if (put ? json_object_set_new(st->org_names, org, json_true()) < 0
			: json_object_del(st->org_names, org) < 0)
			gr_store_holders_drop(st);
		return;
	}
	n = json_integer_value(json_object_get(st->holders, dg)) + (put ? 1 : -1);
	if (n > 0 ? json_object_set_new(st->holders, dg, json_integer(n)) < 0
		  : json_object_del(st->holders, dg) < 0)
		gr_store_holders_drop(st); /* out of memory, or a count that was wrong: count again */
}

struct sets {
	json_t *holders, *orgs;
};

static int count_cb(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	struct sets *s = ctx;
	const char *dg = holder_of(key), *org;
	json_int_t n;

	(void)val;
	(void)len;
	if (!dg)
		return (org = org_of(key)) && json_object_set_new(s->orgs, org, json_true()) < 0
			       ? -ENOMEM
			       : 0;
	n = json_integer_value(json_object_get(s->holders, dg)) + 1;
	return json_object_set_new(s->holders, dg, json_integer(n)) < 0 ? -ENOMEM : 0;
}

/*
 * The groups holding roles and the organizations' names: the handle's, or
 * counted now (and kept when the handle is writable).  *OWNED tells the
 * caller to json_decref both.
 */
static int sets_get(struct gr_store *st, struct sets *out, bool *owned, struct gr_err *err)
{
	uint64_t gen = 0;
	struct sets s;
	int r;

	out->holders = out->orgs = NULL;
	*owned = false;
	/* Inside a transaction the sets follow its writes; outside, they must be current. */
	if (st->holders && !st->in_txn && !st->batch &&
	    (gr_store_generation(st, &gen, err) < 0 || gen != st->holders_gen))
		gr_store_holders_drop(st);
	if (st->holders) {
		out->holders = st->holders;
		out->orgs = st->org_names;
		return 0;
	}
	s.holders = json_object();
	s.orgs = json_object();
	/* One pass over the store; it sees the open transaction's writes. */
	r = s.holders && s.orgs ? gr_store_walk(st, "", count_cb, &s, err) : -ENOMEM;
	if (r == 0)
		r = gr_store_generation(st, &gen, err);
	if (r < 0) {
		json_decref(s.holders);
		json_decref(s.orgs);
		return r == -ENOMEM ? gr_err_set(err, r, "out of memory") : r;
	}
	*out = s;
	if (st->writable) {
		st->holders = s.holders;
		st->org_names = s.orgs;
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
	struct sets s;
	bool owned;
	int r;

	*count = 0;
	if (holds)
		*holds = false;
	if ((r = sets_get(st, &s, &owned, err)) < 0)
		return r;
	*count = json_object_size(s.holders);
	if (holds && gr_key(dg, sizeof(dg), "%s/%s", dir, gid) == 0)
		*holds = json_object_get(s.holders, dg) != NULL;
	if (owned) {
		json_decref(s.holders);
		json_decref(s.orgs);
	}
	return 0;
}

static int name_cb(const char *key, const unsigned char *val, size_t len, void *set)
{
	const char *org = org_of(key);

	(void)val;
	(void)len;
	return org && json_object_set_new(set, org, json_true()) < 0 ? -ENOMEM : 0;
}

int gr_org_names(struct gr_store *st, json_t **out, struct gr_err *err)
{
	struct sets s = { NULL, NULL };
	const char **names = NULL;
	json_t *arr = NULL;
	bool owned = false;
	size_t n = 0, i;
	int r;

	*out = NULL;
	/* A writable handle keeps them; a reader walks for the names alone. */
	if (st->writable) {
		r = sets_get(st, &s, &owned, err);
	} else if (!(s.orgs = json_object())) {
		r = -ENOMEM;
	} else {
		owned = true;
		r = gr_store_walk(st, "org/", name_cb, s.orgs, err);
	}
	if (r == 0 && (!(arr = json_array()) || !(names = gr_json_sorted_keys(s.orgs, &n))))
		r = -ENOMEM;
	for (i = 0; r == 0 && i < n; i++)
		if (json_array_append_new(arr, json_string(names[i])) < 0)
			r = -ENOMEM;
	free(names);
	if (owned) {
		json_decref(s.holders);
		json_decref(s.orgs);
	}
	if (r < 0) {
		json_decref(arr);
		return r == -ENOMEM ? gr_err_set(err, r, "out of memory") : r;
	}
	*out = arr;
	return 0;
}

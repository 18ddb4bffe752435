/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accounts/accounts.h"
#include "core/safefile.h"
#include "core/tdbfile.h"
#include "publish/loginsnap.h"
#include "publish/model.h"
#include "publish/model_priv.h"
#include "publish/pwsnap.h"
#include "publish/rolediff.h"
#include "publish/snapshot.h"
#include "resolve/facts.h"
#include "store/records.h"

#define MAX_NOTES 2000000 /* beyond this many noted keys, rebuild instead */

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const struct pub_entry *)a)->ref, ((const struct pub_entry *)b)->ref);
}

static int cmp_login(const void *a, const void *b)
{
	return strcmp(((const struct pub_entry *)a)->login, ((const struct pub_entry *)b)->login);
}

static void entry_free(void *p)
{
	struct pub_entry *e = p;

	if (!e)
		return;
	free(e->ref);
	free(e->login);
	free(e->roles);
	free(e->rec);
	gr_account_clear(&e->account);
	free(e);
}

static void noop_free(void *p)
{
	(void)p;
}

static void notes_clear(struct notes *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		free(n->v[i]);
	n->n = 0;
}

static int notes_add(struct notes *n, char tag, const char *text, size_t len)
{
	char *s;

	if (n->n == n->cap) {
		size_t ncap = n->cap ? n->cap * 2 : 64;
		char **nv = realloc(n->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		n->v = nv;
		n->cap = ncap;
	}
	s = malloc(len + 2);
	if (!s)
		return -ENOMEM;
	s[0] = tag;
	memcpy(s + 1, text, len);
	s[len + 1] = '\0';
	n->v[n->n++] = s;
	return 0;
}

static void entries_clear(struct gr_pub_model *m)
{
	tdestroy(m->by_login, noop_free);
	tdestroy(m->by_ref, entry_free);
	m->by_login = m->by_ref = NULL;
	m->n_entries = 0;
}

static int64_t wall_clock(void)
{
	return (int64_t)time(NULL);
}

int gr_pub_model_new(struct gr_pub_model **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->clock = wall_clock;
	return 0;
}

void gr_pub_model_set_clock(struct gr_pub_model *m, int64_t (*clock)(void))
{
	m->clock = clock ? clock : wall_clock;
}

void gr_pub_model_free(struct gr_pub_model *m)
{
	if (!m)
		return;
	entries_clear(m);
	notes_clear(&m->notes);
	free(m->notes.v);
	gr_context_free(m->ctx);
	gr_login_rules_cache_free(&m->rules);
	gr_local_accounts_free(&m->local);
	json_decref(m->touched);
	json_decref(m->changes);
	gr_pub_model_marks_clear(m);
	tdestroy(m->removed, entry_free);
	free(m);
}

void gr_pub_model_invalidate(struct gr_pub_model *m)
{
	m->full = true;
}

/* ---- the observer ---- */

/*
 * Record families and what a write to one means.  SKIP is how many key
 * segments come before "DIR/ID" (an organization name).  Families that no
 * resolution reads are ignored; any family not listed rebuilds everything.
 */
static const struct {
	const char *prefix;
	char tag; /* 0: ignore */
	unsigned skip;
} families[] = {
	{ "user/", 'u', 0 },   { "ug/", 'u', 0 },	 { "scim/", 'u', 0 },
	{ "assign/", 'u', 0 },
	{ "orgmember/", 'u', 1 }, { "login/", 'l', 0 }, { "group/", 'g', 0 },
	{ "troles/", 'g', 0 }, { "oroles/", 'g', 1 }, { "account/", 'u', 0 },
	/* indexes and records resolution does not read (members: ug/ carries the users' groups) */
	{ "uname/", 0, 0 },    { "gname/", 0, 0 },	 { "members/", 0, 0 },
	{ "token/", 0, 0 },    { "dir/", 0, 0 },	 { "uids", 0, 0 },
	{ "fleet/", 0, 0 }, /* grouprole-sync's bookkeeping */
	{ "journal/", 0, 0 }, /* what other processes wrote (read by note_foreign) */
};

void gr_pub_model_observe(void *model, enum gr_store_event ev, const char *key)
{
	struct gr_pub_model *m = model;
	size_t i, n;

	if (ev == GR_STORE_EV_COMMIT) {
		m->commits++;
		return;
	}
	if (ev == GR_STORE_EV_ROLLBACK) {
		m->full = true; /* and the commits counted are not in the generation */
		return;
	}
	if (m->full || !strcmp(key, "meta"))
		return;
	if (ev == GR_STORE_EV_LINK) {
		if (m->notes.n >= MAX_NOTES || notes_add(&m->notes, 'm', key, strlen(key)) < 0)
			m->full = true;
		return;
	}
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const char *rest, *slash;
		unsigned s;
		size_t len;

		n = strlen(families[i].prefix);
		if (strncmp(key, families[i].prefix, n))
			continue;
		if (!families[i].tag)
			return;
		rest = key + n;
		for (s = 0; s < families[i].skip && rest; s++) {
			rest = strchr(rest, '/');
			rest = rest ? rest + 1 : NULL;
		}
		/* A user's ref is DIR/ID: "ug/DIR/ID/N" names chunk N of the same user. */
		len = rest ? strlen(rest) : 0;
		if (rest && families[i].tag == 'u' && (slash = strchr(rest, '/')) &&
		    (slash = strchr(slash + 1, '/')))
			len = (size_t)(slash - rest);
		if (!rest || m->notes.n >= MAX_NOTES ||
		    notes_add(&m->notes, families[i].tag, rest, len) < 0)
			m->full = true;
		return;
	}
	m->full = true;
}

/* ---- resolving ---- */

struct work {
	struct gr_pub_model *m;
	struct gr_store *st;
	struct notes *evicted; /* refs to look at again after an eviction, or NULL */
	size_t resolved;
	bool full;
	struct gr_err *err;
};

static struct pub_entry *find_ref(struct gr_pub_model *m, const char *ref)
{
	struct pub_entry k = { .ref = (char *)(uintptr_t)ref };
	struct pub_entry **f = tfind(&k, &m->by_ref, cmp_ref);

	return f ? *f : NULL;
}

static struct pub_entry *find_login(const struct gr_pub_model *m, const char *login)
{
	struct pub_entry k = { .login = (char *)(uintptr_t)login };
	struct pub_entry **f = tfind(&k, &m->by_login, cmp_login);

	return f ? *f : NULL;
}

struct pub_entry *gr_pub_model_find_login(const struct gr_pub_model *m, const char *login)
{
	return find_login(m, login);
}

/* ---- user.roles.changed: what an incremental update changed ---- */

void gr_pub_model_track_roles(struct gr_pub_model *m, bool on)
{
	m->track = on;
}

int gr_pub_model_login_roles(const struct gr_pub_model *m, const char *login, const char **ref,
			     const char **slugs, size_t max)
{
	const struct pub_entry *e = find_login(m, login);
	const struct gr_role *roles;
	size_t n, i;

	if (!e)
		return -ENOENT;
	roles = gr_context_roles(m->ctx, &n);
	*ref = e->ref;
	for (i = 0; i < e->n_roles && i < max; i++)
		slugs[i] = roles[e->roles[i]].slug;
	return (int)i;
}

struct each_login {
	int (*fn)(const char *login, void *ctx);
	void *ctx;
	int r;
};

static void each_login(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct each_login *x = closure;

	if ((which == postorder || which == leaf) && x->r == 0)
		x->r = x->fn(e->login, x->ctx);
}

int gr_pub_model_each_login(const struct gr_pub_model *m, int (*fn)(const char *login, void *ctx),
			    void *ctx)
{
	struct each_login x = { fn, ctx, 0 };

	twalk_r(m->by_login, each_login, &x);
	return x.r;
}

/* LOGIN's roles now, as an array of slugs (and its ref into *REF, NULL when none). */
static json_t *roles_now(const struct gr_pub_model *m, const char *login, const char **ref)
{
	const char *slugs[GR_LOGIN_MAX_ROLES];
	json_t *a = json_array();
	int i, n = gr_pub_model_login_roles(m, login, ref, slugs, GR_LOGIN_MAX_ROLES);

	if (n < 0)
		*ref = NULL;
	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(slugs[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Before LOGIN's entry changes in an incremental update: keep its roles as they were. */
static int touch(struct work *w, const char *login)
{
	struct gr_pub_model *m = w->m;
	const char *ref;
	json_t *was;

	if (!m->track || w->full || (m->touched && json_object_get(m->touched, login)))
		return 0;
	if (!m->touched && !(m->touched = json_object()))
		return -ENOMEM;
	was = roles_now(m, login, &ref);
	if (!was || json_object_set_new(m->touched, login,
					json_pack("{s:s?, s:o}", "ref", ref, "roles", was)) < 0)
		return -ENOMEM;
	return 0;
}

/* After an incremental update: a change per touched login whose roles differ now. */
static int settle_touched(struct gr_pub_model *m)
{
	const char *login, *ref;
	json_t *was;
	int r = 0;

	json_object_foreach(m->touched, login, was) {
		json_t *now = roles_now(m, login, &ref);
		const char *id = ref ? ref : json_string_value(json_object_get(was, "ref"));

		if (!now) {
			r = -ENOMEM;
			break;
		}
		if (json_equal(now, json_object_get(was, "roles")) || !id) {
			json_decref(now);
			continue;
		}
		r = gr_roles_change_add(m->changes, login, id, json_object_get(was, "roles"), now);
		json_decref(now);
		if (r < 0)
			break;
	}
	json_object_clear(m->touched);
	return r;
}

json_t *gr_pub_model_take_changes(struct gr_pub_model *m)
{
	json_t *c = m->changes;

	m->changes = NULL;
	return c ? c : json_array();
}

/* ---- what changed since the snapshots were written ---- */

static int cmp_mark(const void *a, const void *b)
{
	return strcmp(a, b);
}

void gr_pub_model_mark(struct gr_pub_model *m, const char *login)
{
	char *s, **f;

	if (m->dirty_all)
		return;
	s = strdup(login);
	f = s ? tsearch(s, &m->dirty, cmp_mark) : NULL;
	if (!f) {
		/* Out of memory: the next write is a whole one, which needs no list. */
		free(s);
		m->dirty_all = true;
	} else if (*f != s) {
		free(s);
	} else {
		m->n_dirty++;
	}
}

void gr_pub_model_marks_clear(struct gr_pub_model *m)
{
	tdestroy(m->dirty, free);
	m->dirty = NULL;
	m->n_dirty = 0;
	m->dirty_all = false;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Would A and B write the same records?  (The login is the same.) */
static bool same_entry(const struct pub_entry *a, const struct pub_entry *b)
{
	return a->n_roles == b->n_roles && a->rec_len == b->rec_len &&
	       a->next_expiry == b->next_expiry && a->active == b->active &&
	       a->has_account == b->has_account && !strcmp(a->ref, b->ref) &&
	       !memcmp(a->roles, b->roles, a->n_roles * sizeof(*a->roles)) &&
	       !memcmp(a->rec, b->rec, a->rec_len) &&
	       (!a->has_account ||
		(a->account.uid == b->account.uid && a->account.gid == b->account.gid &&
		 a->account.keys_len == b->account.keys_len &&
		 same_str(a->account.gecos, b->account.gecos) &&
		 same_str(a->account.home, b->account.home) &&
		 same_str(a->account.shell, b->account.shell) &&
		 (!a->account.keys_len ||
		  !memcmp(a->account.keys, b->account.keys, a->account.keys_len))));
}

/*
 * An update re-resolves users by removing their entries and adding them
 * again, mostly unchanged (every member of a group whose mappings changed,
 * say).  So a removed entry is kept, by login, until the update ends: an
 * entry added for the same login is marked changed only if it differs from
 * the first one removed (the state before the update), and a login left
 * without an entry at the end is marked then (settle_removed).
 */
static void remove_entry(struct gr_pub_model *m, struct pub_entry *e)
{
	struct pub_entry **kept;

	tdelete(e, &m->by_login, cmp_login);
	tdelete(e, &m->by_ref, cmp_ref);
	m->n_entries--;
	if (m->dirty_all) {
		entry_free(e);
		return;
	}
	kept = tsearch(e, &m->removed, cmp_login);
	if (!kept) {
		gr_pub_model_mark(m, e->login);
		entry_free(e);
	} else if (*kept != e) {
		entry_free(e); /* removed before in this update: the first is the one to compare with */
	}
}

static void mark_removed(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct gr_pub_model *m = closure;

	if ((which == postorder || which == leaf) && !find_login(m, e->login))
		gr_pub_model_mark(m, e->login);
}

/* The update is over: logins whose entries were removed and not added back changed. */
static void settle_removed(struct gr_pub_model *m)
{
	twalk_r(m->removed, mark_removed, m);
	tdestroy(m->removed, entry_free);
	m->removed = NULL;
}

/* Insert E, taking its login from a stale holder (whose ref is noted to be looked at again). */
static int insert_entry(struct work *w, struct pub_entry *e)
{
	struct gr_pub_model *m = w->m;
	struct pub_entry *old = find_login(m, e->login);
	void *a, *b;

	if (old) {
		if (w->evicted && notes_add(w->evicted, 'u', old->ref, strlen(old->ref)) < 0)
			return -ENOMEM;
		remove_entry(m, old);
	}
	a = tsearch(e, &m->by_ref, cmp_ref);
	if (!a)
		return -ENOMEM;
	b = tsearch(e, &m->by_login, cmp_login);
	if (!b) {
		tdelete(e, &m->by_ref, cmp_ref);
		return -ENOMEM;
	}
	m->n_entries++;
	{
		struct pub_entry **was = m->removed ? tfind(e, &m->removed, cmp_login) : NULL;

		if (!was || !same_entry(*was, e))
			gr_pub_model_mark(m, e->login);
	}
	return 0;
}

/* Resolve (DIR, UID), which holds LOGIN, from F and add its entry. */
static int add_resolved(struct work *w, const char *login, const char *dir, const char *uid,
			const struct gr_facts *f)
{
	struct gr_pub_model *m = w->m;
	struct gr_resolution res;
	struct pub_entry *e;
	size_t i;
	int r;

	/* A package may have created this account since: a system account never gets roles. */
	if (gr_login_rules_is_system(&m->rules.rules, login))
		return 0;
	r = gr_resolve(gr_facts_input(f), &res);
	if (r < 0)
		return gr_err_set(w->err, r, "out of memory");
	w->resolved++;
	e = calloc(1, sizeof(*e));
	if (!e || asprintf(&e->ref, "%s/%s", dir, uid) < 0) {
		if (e)
			e->ref = NULL;
		r = -ENOMEM;
		goto out;
	}
	e->login = strdup(login);
	e->roles = calloc(res.n_roles ? res.n_roles : 1, sizeof(*e->roles));
	if (!e->login || !e->roles) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < res.n_roles; i++) {
		long idx = gr_context_role_index(m->ctx, res.roles[i].slug);

		if (idx >= 0)
			e->roles[e->n_roles++] = (uint32_t)idx;
	}
	e->next_expiry = res.next_expiry;
	e->active = gr_facts_input(f)->active;
	if (gr_store_config(w->st)->users) {
		r = gr_account_load(w->st, dir, uid, login, &e->account, w->err);
		if (r < 0) {
			entry_free(e);
			gr_resolution_free(&res);
			return r;
		}
		e->has_account = r == 1;
	}
	r = gr_login_encode(m->ctx, dir, uid, gr_facts_input(f), &res, &e->rec, &e->rec_len);
	if (r == 0)
		r = touch(w, login);
	if (r == 0)
		r = insert_entry(w, e);
	if (r == 0)
		e = NULL;
out:
	gr_resolution_free(&res);
	entry_free(e);
	if (r == -E2BIG)
		return gr_err_set(w->err, r, "user %s/%s has too many roles or groups for %s", dir,
				  uid, GR_LOGIN_FILE);
	return r < 0 ? gr_err_set(w->err, r, "out of memory") : 0;
}

/* Split "DIR/UID" into DIR and UID (copies). */
static int split_ref(const char *ref, char *dir, size_t dlen, const char **uid)
{
	const char *slash = strchr(ref, '/');

	if (!slash || (size_t)(slash - ref) >= dlen)
		return -EINVAL;
	memcpy(dir, ref, (size_t)(slash - ref));
	dir[slash - ref] = '\0';
	*uid = slash + 1;
	return 0;
}

/* Look at user REF again: drop its entry, and add it back as the store has it now. */
static int reresolve(struct work *w, const char *ref)
{
	struct gr_pub_model *m = w->m;
	struct pub_entry *e = find_ref(m, ref);
	char dir[GR_NAME_MAX + 1], key[GR_KEY_MAX], holder[GR_KEY_MAX];
	struct gr_facts *f = NULL;
	const char *uid, *login;
	int r;

	if (e && (r = touch(w, e->login)) < 0)
		return r;
	if (e)
		remove_entry(m, e);
	if (split_ref(ref, dir, sizeof(dir), &uid) < 0)
		return 0;
	r = gr_facts_load(w->st, m->ctx, dir, uid, &f, w->err);
	if (r < 0)
		return r;
	login = gr_facts_login(f);
	if (!gr_facts_input(f)->known || !login[0])
		goto out;
	/* Only the holder the login index names gets the login. */
	if (gr_key(key, sizeof(key), "login/%s", login) < 0)
		goto out;
	r = gr_store_get_str(w->st, key, holder, sizeof(holder), w->err);
	if (r == -GR_E_NOTFOUND) {
		r = 0;
		goto out;
	}
	if (r == 0 && !strcmp(holder, ref))
		r = add_resolved(w, login, dir, uid, f);
out:
	gr_facts_free(f);
	return r;
}

struct login_ref {
	char *login, *ref;
};

struct collect {
	struct login_ref *v;
	size_t n, cap;
};

static int collect_login(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		struct login_ref *nv = realloc(c->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = ncap;
	}
	c->v[c->n].login = strdup(key + strlen("login/"));
	c->v[c->n].ref = strndup((const char *)val, len);
	if (!c->v[c->n].login || !c->v[c->n].ref) {
		free(c->v[c->n].login);
		free(c->v[c->n].ref);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

static int rebuild(struct work *w)
{
	struct gr_pub_model *m = w->m;
	struct collect c = { 0 };
	size_t i;
	int r;

	entries_clear(m);
	m->dirty_all = true; /* a new context, maybe other roles: the next write is whole */
	gr_context_free(m->ctx);
	m->ctx = NULL;
	r = gr_context_load(w->st, &m->ctx, w->err);
	if (r == 0) {
		/* The groups, their mappings and the logins, in one pass over the store. */
		struct gr_store_walker logins = { "login/", collect_login, &c };

		gr_context_set_now(m->ctx, m->clock());
		r = gr_context_preload_with(w->st, m->ctx, &logins, w->err);
		if (r == -ENOMEM)
			r = gr_err_set(w->err, r, "out of memory");
	}
	for (i = 0; r == 0 && i < c.n; i++) {
		char dir[GR_NAME_MAX + 1];
		struct gr_facts *f = NULL;
		const char *uid;

		if (split_ref(c.v[i].ref, dir, sizeof(dir), &uid) < 0)
			continue;
		r = gr_facts_load(w->st, m->ctx, dir, uid, &f, w->err);
		if (r == 0 && gr_facts_input(f)->known)
			r = add_resolved(w, c.v[i].login, dir, uid, f);
		gr_facts_free(f);
	}
	for (i = 0; i < c.n; i++) {
		free(c.v[i].login);
		free(c.v[i].ref);
	}
	free(c.v);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Add every member of group "DIR/GID" (TEXT) as a user to look at. */
static int note_members(struct work *w, const char *text, struct notes *refs)
{
	char dir[GR_NAME_MAX + 1], key[GR_KEY_MAX];
	const char *gid;
	json_t *members = NULL, *v;
	size_t i;
	int r;

	if (split_ref(text, dir, sizeof(dir), &gid) < 0)
		return 0;
	r = gr_context_refresh_group(w->st, w->m->ctx, dir, gid, w->err);
	if (r <= 0)
		return r; /* unchanged for resolution (SCIM's meta): the members are as they were */
	if (gr_key(key, sizeof(key), "members/%s/%s", dir, gid) < 0)
		return 0;
	r = gr_store_get_json(w->st, key, &members, w->err);
	if (r == -GR_E_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	json_array_foreach(members, i, v) {
		char ref[GR_KEY_MAX];

		if (!json_is_string(v) || gr_key(ref, sizeof(ref), "%s/%s", dir, json_string_value(v)) < 0)
			continue;
		if ((r = notes_add(refs, 'u', ref, strlen(ref))) < 0)
			break;
	}
	json_decref(members);
	return r < 0 ? gr_err_set(w->err, r, "out of memory") : 0;
}

struct expiry_walk {
	struct notes *refs;
	int64_t now;
	int r;
};

static void note_expired(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct expiry_walk *x = closure;

	if ((which == postorder || which == leaf) && e->next_expiry && e->next_expiry <= x->now &&
	    notes_add(x->refs, 'u', e->ref, strlen(e->ref)) < 0)
		x->r = -ENOMEM;
}

/*
 * Membership note T ("DIR/UID GID"): does the user need resolving again?
 * Not when the group maps no role on this host and did not before this
 * update, and the user's entry is an active one: an active
 * login's entry names only the groups that gave it a role (an inactive
 * one lists every group).  The user's other records changing say so in
 * notes of their own.
 */
static bool link_matters(struct gr_pub_model *m, const char *t)
{
	const char *sp = strchr(t, ' '), *slash = strchr(t, '/');
	char ref[GR_KEY_MAX], dir[GR_NAME_MAX + 1];
	const struct pub_entry *e;

	if (!sp || !slash || slash > sp || (size_t)(sp - t) >= sizeof(ref) ||
	    (size_t)(slash - t) >= sizeof(dir))
		return true;
	memcpy(ref, t, (size_t)(sp - t));
	ref[sp - t] = '\0';
	memcpy(dir, t, (size_t)(slash - t));
	dir[slash - t] = '\0';
	e = find_ref(m, ref);
	return !e || !e->active || gr_context_group_maps_roles(m->ctx, dir, sp + 1);
}

/* Add the user of membership note T ("DIR/UID GID") to REFS. */
static int note_link_user(struct notes *refs, const char *t)
{
	const char *sp = strchr(t, ' ');

	return notes_add(refs, 'u', t, sp ? (size_t)(sp - t) : strlen(t));
}

static int incremental(struct work *w, int64_t now)
{
	struct gr_pub_model *m = w->m;
	struct notes refs = { 0 }, evicted = { 0 };
	struct expiry_walk x = { &refs, now, 0 };
	size_t i;
	int r = 0;

	gr_context_set_now(m->ctx, now);
	/*
	 * Membership notes against the groups as they were, before 'g' notes
	 * refresh them; those that do not matter yet become 'q', to be asked
	 * again below.
	 */
	for (i = 0; r == 0 && i < m->notes.n; i++) {
		if (m->notes.v[i][0] != 'm')
			continue;
		if (link_matters(m, m->notes.v[i] + 1))
			r = note_link_user(&refs, m->notes.v[i] + 1);
		else
			m->notes.v[i][0] = 'q';
	}
	for (i = 0; r == 0 && i < m->notes.n; i++) {
		const char *t = m->notes.v[i] + 1;

		switch (m->notes.v[i][0]) {
		case 'u':
			r = notes_add(&refs, 'u', t, strlen(t));
			break;
		case 'g':
			r = note_members(w, t, &refs);
			break;
		case 'l': {
			char key[GR_KEY_MAX], holder[GR_KEY_MAX];
			struct pub_entry *e = find_login(m, t);

			if (e)
				r = notes_add(&refs, 'u', e->ref, strlen(e->ref));
			if (r < 0 || gr_key(key, sizeof(key), "login/%s", t) < 0)
				break;
			r = gr_store_get_str(w->st, key, holder, sizeof(holder), w->err);
			if (r == 0)
				r = notes_add(&refs, 'u', holder, strlen(holder));
			else if (r == -GR_E_NOTFOUND)
				r = 0;
			break;
		}
		}
	}
	/* ... and as they are now. */
	for (i = 0; r == 0 && i < m->notes.n; i++)
		if (m->notes.v[i][0] == 'q' && link_matters(m, m->notes.v[i] + 1))
			r = note_link_user(&refs, m->notes.v[i] + 1);
	if (r == 0) {
		twalk_r(m->by_ref, note_expired, &x);
		r = x.r;
	}
	if (refs.n > 1)
		qsort(refs.v, refs.n, sizeof(*refs.v), cmp_str);
	w->evicted = &evicted;
	for (i = 0; r == 0 && i < refs.n; i++)
		if (i == 0 || strcmp(refs.v[i], refs.v[i - 1]))
			r = reresolve(w, refs.v[i] + 1);
	/* A user whose login another took back: look at it again (each round removes an entry). */
	while (r == 0 && evicted.n) {
		struct notes again = evicted;

		memset(&evicted, 0, sizeof(evicted));
		for (i = 0; r == 0 && i < again.n; i++)
			r = reresolve(w, again.v[i] + 1);
		notes_clear(&again);
		free(again.v);
	}
	notes_clear(&evicted);
	free(evicted.v);
	notes_clear(&refs);
	free(refs.v);
	if (r == -ENOMEM)
		r = gr_err_set(w->err, r, "out of memory");
	return r;
}

/*
 * The commits up to GEN that this process did not make (grouprolectl's, an
 * import's), noted from the store's change journal as if observed, so that
 * they need no rebuild.  False when they cannot all be accounted for -- not
 * journaled (too many keys, too old, an older program's) -- or one of them
 * wrote what only a rebuild handles: then everything is rebuilt.
 */
static bool note_foreign(struct gr_pub_model *m, struct gr_store *st, uint64_t gen,
			 struct gr_err *err)
{
	uint64_t g, found = 0, ours = m->commits;

	if (gen < m->generation + ours || gen - m->generation > GR_JOURNAL_SLOTS)
		return false;
	for (g = m->generation + 1; g <= gen && !m->full; g++) {
		json_t *keys = NULL, *k;
		size_t i;
		int r = gr_store_journal_get(st, g, &keys, err);

		if (r == -GR_E_NOTFOUND)
			continue; /* ours, or not journaled: the count below tells */
		if (r < 0 || !keys)
			return false; /* many keys, or unreadable */
		json_array_foreach(keys, i, k)
			if (json_is_string(k))
				gr_pub_model_observe(m, GR_STORE_EV_WRITE, json_string_value(k));
		json_decref(keys);
		found++;
	}
	m->foreign = found > 0;
	return !m->full && found == gen - m->generation - ours;
}

int gr_pub_model_update(struct gr_pub_model *m, struct gr_store *st,
			struct gr_publish_stats *stats, struct gr_err *err)
{
	struct work w = { .m = m, .st = st, .err = err };
	uint64_t gen = 0;
	bool full = m->full || !m->valid;
	int r;

	if (gr_store_in_transaction(st) || gr_store_in_batch(st))
		return gr_err_set(err, -EINVAL, "publish inside a transaction");
	/* The host's system accounts, listed again (outside the read lock) when /etc/passwd changed. */
	r = gr_login_rules_refresh(&m->rules, gr_store_config(st), err);
	if (r < 0)
		return r;
	if (r > 0)
		full = true;
	/* Local accounts are looked at when writing: a change needs no resolution. */
	if (gr_store_config(st)->users) {
		r = gr_local_accounts_refresh(&m->local, err);
		if (r < 0)
			return r;
	}
	r = gr_store_read_lock(st, err);
	if (r < 0)
		return r;
	r = gr_store_generation(st, &gen, err);
	if (r == 0) {
		/* Another writer (unless its journal tells what it did), or a batch that rolled back. */
		if (!full && gen != m->generation + m->commits && !note_foreign(m, st, gen, err))
			full = true;
		m->valid = false;
		w.full = full;
		r = full ? rebuild(&w) : incremental(&w, m->clock());
	}
	gr_store_read_unlock(st);
	/*
	 * Roles changed: an incremental update knows what it touched; a full one
	 * compares with the login.tdb it is about to replace, which is what
	 * logins see now -- whoever wrote it, this process or grouprolectl.
	 */
	if (r == 0 && m->track && !m->changes && !(m->changes = json_array()))
		r = gr_err_set(err, -ENOMEM, "out of memory");
	/*
	 * Another process's commits may be in login.tdb and announced already
	 * (grouprolectl publishes after committing): then the touched logins
	 * are compared with login.tdb, as a full rebuild does, not with what
	 * the model held, so that no change is announced twice.
	 */
	if (r == 0 && m->track && !full && m->touched && m->foreign)
		r = gr_roles_diff_logins(m, gr_store_config(st), m->clock(), m->touched, m->changes,
					 err);
	else if (r == 0 && m->track && !full && m->touched)
		r = settle_touched(m) < 0 ? gr_err_set(err, -ENOMEM, "out of memory") : 0;
	if (r == 0 && m->track && full) {
		json_array_clear(m->changes);
		r = gr_roles_diff_snapshot(m, gr_store_config(st), m->clock(), m->changes, err);
	}
	if (m->touched)
		json_object_clear(m->touched);
	settle_removed(m);
	notes_clear(&m->notes);
	m->commits = 0;
	m->full = false;
	m->foreign = false;
	if (r < 0)
		return r;
	m->valid = true;
	m->generation = gen;
	stats->generation = gen;
	stats->full = full;
	stats->resolved = w.resolved;
	return 0;
}

/* ---- a canonical text form, to compare models ---- */

static void dump_entry(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	FILE *f = closure;
	size_t i;

	if (which != postorder && which != leaf)
		return;
	fprintf(f, "%s %s expiry=%lld roles=", e->ref, e->login, (long long)e->next_expiry);
	for (i = 0; i < e->n_roles; i++)
		fprintf(f, "%s%u", i ? "," : "", e->roles[i]);
	fputs(" rec=", f);
	for (i = 0; i < e->rec_len; i++)
		fprintf(f, "%02x", e->rec[i]);
	if (e->has_account)
		fprintf(f, " account=%u:%u:%s:%s:%s active=%d keys=%zu", e->account.uid,
			e->account.gid, e->account.gecos, e->account.home, e->account.shell,
			e->active, e->account.keys_len);
	fputc('\n', f);
}

void gr_pub_model_dump(const struct gr_pub_model *m, FILE *f)
{
	fprintf(f, "generation=%llu entries=%zu\n", (unsigned long long)m->generation,
		m->n_entries);
	twalk_r(m->by_ref, dump_entry, f);
}

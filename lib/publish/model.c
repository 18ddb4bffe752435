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
#include "publish/pwsnap.h"
#include "publish/rolediff.h"
#include "publish/snapshot.h"
#include "resolve/facts.h"
#include "store/records.h"

/* One login's resolution. */
struct pub_entry {
	char *ref;          /* "DIR/UID" */
	char *login;
	uint32_t *roles;    /* indexes into the context's roles */
	uint32_t n_roles;
	unsigned char *rec; /* its login.tdb entry */
	size_t rec_len;
	int64_t next_expiry;
	/* users = yes: the passwd entry, when the user has a uid */
	bool has_account;
	bool active;
	struct gr_account account;
};

/* Strings to look at again: a tag ('u' user DIR/UID, 'l' login, 'g' group DIR/GID), then the text. */
struct notes {
	char **v;
	size_t n, cap;
};

struct gr_pub_model {
	struct gr_context *ctx;
	struct gr_login_rules_cache rules; /* the host's system accounts */
	struct gr_local_accounts local;    /* users = yes: logins local accounts hold */
	void *by_ref, *by_login; /* tsearch trees of struct pub_entry */
	size_t n_entries;
	uint64_t generation; /* the store generation the model reflects */
	bool valid;

	/* Noted by the observer since the last update. */
	struct notes notes;
	uint64_t commits;
	bool full;

	/*
	 * user.roles.changed (gr_pub_model_track_roles): the logins an
	 * incremental update touched, with their roles before it
	 * (login -> {"ref", "roles"}), and the changes found and not yet taken.
	 */
	bool track;
	json_t *touched, *changes;

	int64_t (*clock)(void); /* what "now" is for expiry; time(2) unless a test set one */
};

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
};

void gr_pub_model_observe(void *model, enum gr_store_event ev, const char *key)
{
	struct gr_pub_model *m = model;
	size_t i, n;

	if (ev == GR_STORE_EV_COMMIT) {
		m->commits++;
		return;
	}
	if (m->full || !strcmp(key, "meta"))
		return;
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

static void remove_entry(struct gr_pub_model *m, struct pub_entry *e)
{
	tdelete(e, &m->by_login, cmp_login);
	tdelete(e, &m->by_ref, cmp_ref);
	m->n_entries--;
	entry_free(e);
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
	gr_context_free(m->ctx);
	m->ctx = NULL;
	r = gr_context_load(w->st, &m->ctx, w->err);
	if (r == 0) {
		gr_context_set_now(m->ctx, m->clock());
		r = gr_context_preload(w->st, m->ctx, w->err);
	}
	if (r == 0) {
		r = gr_store_walk(w->st, "login/", collect_login, &c, w->err);
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
	if (r < 0)
		return r;
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

static int incremental(struct work *w, int64_t now)
{
	struct gr_pub_model *m = w->m;
	struct notes refs = { 0 }, evicted = { 0 };
	struct expiry_walk x = { &refs, now, 0 };
	size_t i;
	int r = 0;

	gr_context_set_now(m->ctx, now);
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
		if (gen != m->generation + m->commits)
			full = true; /* another writer, or a batch that rolled back */
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
	if (r == 0 && m->track && !full && m->touched)
		r = settle_touched(m) < 0 ? gr_err_set(err, -ENOMEM, "out of memory") : 0;
	if (r == 0 && m->track && full) {
		json_array_clear(m->changes);
		r = gr_roles_diff_snapshot(m, gr_store_config(st), m->clock(), m->changes, err);
	}
	if (m->touched)
		json_object_clear(m->touched);
	notes_clear(&m->notes);
	m->commits = 0;
	m->full = false;
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

/* ---- writing the snapshots ---- */

struct member_list {
	const char **logins;
	uint32_t n, cap;
};

struct out {
	struct gr_pub_model *m;
	const struct gr_role *roles;
	size_t n_roles;
	struct member_list *members; /* one per role */
	struct gr_login_writer *login;
	struct gr_publish_stats *stats;
	int64_t next_expiry;
	size_t nss_bytes; /* estimated (struct sizes) */
	int r;
};

static int add_member(struct member_list *l, const char *login)
{
	if (l->n == l->cap) {
		uint32_t ncap = l->cap ? l->cap * 2 : 16;
		const char **nl = realloc(l->logins, ncap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		l->logins = nl;
		l->cap = ncap;
	}
	l->logins[l->n++] = login;
	return 0;
}

/* Per entry: its login.tdb record, its role groups' member lists, the counts. */
static void gather(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct out *o = closure;
	uint32_t i;

	if ((which != postorder && which != leaf) || o->r < 0)
		return;
	o->r = gr_login_writer_put(o->login, e->login, e->rec, e->rec_len, e->next_expiry);
	if (e->n_roles)
		o->stats->users_with_roles++;
	for (i = 0; o->r == 0 && i < e->n_roles; i++) {
		o->stats->memberships++;
		if (!o->roles[e->roles[i]].bound)
			o->r = add_member(&o->members[e->roles[i]], e->login);
	}
	if (e->next_expiry && (!o->next_expiry || e->next_expiry < o->next_expiry))
		o->next_expiry = e->next_expiry;
}

/*
 * What the two files will hold, counted before writing them so that each
 * is grown once (gr_tdb_reserve) rather than a quarter at a time.  An
 * estimate: too little only means libtdb grows the file at the end, too
 * much leaves free space in it.  nss.tdb holds a role group's entry three
 * times ("N", "D" and its enumeration chunk), a member as its name, a NUL
 * and a length byte.
 */
struct sizes {
	const struct gr_role *roles;
	bool accounts;
	size_t login, nss;
};

static void estimate(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct sizes *z = closure;
	size_t len = strlen(e->login) + 1, i;

	if (which != postorder && which != leaf)
		return;
	z->login += GR_TDB_RECORD_OVERHEAD + 1 + len + e->rec_len;
	if (e->n_roles)
		z->nss += GR_TDB_RECORD_OVERHEAD + 1 + len + 4 * (size_t)e->n_roles;
	for (i = 0; i < e->n_roles; i++)
		if (!z->roles[e->roles[i]].bound)
			z->nss += 3 * (len + 1);
	if (z->accounts && e->has_account) {
		/* "P", "Q" and a chunk's copy of the entry; "K"; its private group's three. */
		size_t entry = sizeof(struct gr_snap_pw_hdr) + len +
			       (e->account.gecos ? strlen(e->account.gecos) : 0) +
			       (e->account.home ? strlen(e->account.home) : 0) +
			       (e->account.shell ? strlen(e->account.shell) : 0) + 3;

		z->nss += 3 * (GR_TDB_RECORD_OVERHEAD + entry) + GR_TDB_RECORD_OVERHEAD + len +
			  e->account.keys_len +
			  3 * (GR_TDB_RECORD_OVERHEAD + sizeof(struct gr_snap_entry_hdr) + len);
	}
}

struct users_out {
	const struct gr_role *roles;
	struct gr_snap_writer *w;
	int r;
};

static void write_user(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct users_out *u = closure;
	uint32_t gids[GR_LOGIN_MAX_ROLES], i;

	if ((which != postorder && which != leaf) || u->r < 0 || !e->n_roles)
		return;
	for (i = 0; i < e->n_roles && i < GR_LOGIN_MAX_ROLES; i++)
		gids[i] = u->roles[e->roles[i]].gid;
	u->r = gr_snap_writer_add_user(u->w, e->login, gids, i);
}

struct accounts_out {
	struct gr_pub_model *m;
	const struct gr_config *cfg;
	struct gr_snap_writer *w;
	struct gr_publish_stats *stats;
	int r;
};

/*
 * Users = yes: E's passwd entry, its private group and (active users only)
 * its keys -- unless a local account has the login: the local account wins,
 * and gets neither the entry nor the keys.
 */
static void write_account(const void *node, VISIT which, void *closure)
{
	const struct pub_entry *e = *(const struct pub_entry *const *)node;
	struct accounts_out *a = closure;
	struct gr_snap_account_in in;

	if ((which != postorder && which != leaf) || a->r < 0 || !e->has_account)
		return;
	if (gr_local_accounts_shadow(&a->m->local, e->login)) {
		if (!a->stats->shadowed++)
			snprintf(a->stats->first_shadowed, sizeof(a->stats->first_shadowed), "%s",
				 e->login);
		return;
	}
	/* A role group with the same name keeps it; the uid's number still names the group. */
	if (!a->cfg->users_gid) {
		a->r = gr_snap_writer_add_group(a->w, e->login, e->account.uid, NULL, 0);
		if (a->r == -EEXIST)
			a->r = 0;
	}
	in.name = e->login;
	in.uid = e->account.uid;
	in.gid = e->account.gid;
	in.gecos = e->account.gecos;
	in.dir = e->account.home;
	in.shell = e->account.shell;
	if (a->r == 0)
		a->r = gr_snap_writer_add_account(a->w, &in);
	if (a->r == 0 && e->active && e->account.keys)
		a->r = gr_snap_writer_add_keys(a->w, e->login, e->account.keys,
					       e->account.keys_len);
	if (a->r == 0)
		a->stats->accounts++;
}

static int write_nss(const struct gr_config *cfg, struct out *o, struct gr_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct gr_snap_writer *w = NULL;
	struct users_out u = { o->roles, NULL, 0 };
	struct stat sb;
	size_t i, n_groups = 0;
	int fd = -1, r = 0;

	if (gr_config_state_path(cfg, GR_SNAP_FILE, path, sizeof(path)) < 0 ||
	    gr_config_state_path(cfg, ".nss.tdb.XXXXXX", tmp, sizeof(tmp)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return gr_err_set(err, -errno, "cannot create %s: %s", tmp, strerror(errno));
	o->stats->accounts = o->stats->shadowed = 0;
	if (cfg->users)
		r = gr_snap_writer_open_accounts(tmp, o->n_roles + o->m->n_entries,
						 o->stats->users_with_roles, o->m->n_entries, &w);
	else
		r = gr_snap_writer_open(tmp, o->n_roles, o->stats->users_with_roles, &w);
	if (r == 0 && (r = gr_snap_writer_reserve(w, o->nss_bytes)) < 0)
		gr_snap_writer_abort(w);
	if (r < 0) {
		r = gr_err_set(err, -GR_E_IO, "cannot create snapshot %s: %s", tmp, gr_strerror(r));
		goto fail;
	}
	for (i = 0; r == 0 && i < o->n_roles; i++) {
		struct member_list *l = &o->members[i];

		if (o->roles[i].bound)
			continue;
		if (l->n > 1)
			qsort(l->logins, l->n, sizeof(*l->logins), cmp_str);
		r = gr_snap_writer_add_group(w, o->roles[i].unix_group, o->roles[i].gid, l->logins,
					     l->n);
		n_groups++;
	}
	if (r == 0 && cfg->users) {
		struct accounts_out a = { o->m, cfg, w, o->stats, 0 };

		twalk_r(o->m->by_ref, write_account, &a);
		r = a.r;
	}
	if (r == 0) {
		u.w = w;
		twalk_r(o->m->by_ref, write_user, &u);
		r = u.r;
	}
	if (r < 0) {
		gr_snap_writer_abort(w);
		r = gr_err_set(err, r == -ENOMEM ? r : -GR_E_IO, "cannot write snapshot: %s",
			       gr_strerror(r));
		goto fail;
	}
	/* Writes the header, syncs and closes, and frees W whatever happens. */
	r = gr_snap_writer_finish(w, o->stats->generation, o->next_expiry);
	if (r < 0) {
		r = gr_err_set(err, r == -ENOMEM ? r : -GR_E_IO, "cannot write snapshot: %s",
			       gr_strerror(r));
		goto fail;
	}
	if (fchmod(fd, 0644) < 0 || fstat(fd, &sb) < 0) {
		r = gr_err_set(err, -errno, "cannot set snapshot mode: %s", strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = gr_err_set(err, -errno, "cannot install %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	/*
	 * The rename is durable once the directory is: login.tdb's install,
	 * next, syncs the directory both files are in, once for the two.
	 */
	o->stats->groups = n_groups;
	o->stats->bytes = (uint64_t)sb.st_size;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int gr_pub_model_write(struct gr_pub_model *m, const struct gr_config *cfg,
		       struct gr_publish_stats *stats, struct gr_err *err)
{
	struct out o = { .m = m, .stats = stats };
	struct sizes z = { 0 };
	size_t i;
	int r;

	if (!m->valid)
		return gr_err_set(err, -EINVAL, "the model was not updated");
	stats->users = m->n_entries;
	stats->users_with_roles = stats->memberships = 0;
	o.roles = gr_context_roles(m->ctx, &o.n_roles);
	o.members = calloc(o.n_roles ? o.n_roles : 1, sizeof(*o.members));
	if (!o.members)
		return gr_err_set(err, -ENOMEM, "out of memory");
	z.roles = o.roles;
	z.accounts = cfg->users;
	twalk_r(m->by_ref, estimate, &z);
	for (i = 0; i < o.n_roles; i++)
		z.nss += 3 * (GR_TDB_RECORD_OVERHEAD + sizeof(struct gr_snap_entry_hdr) +
			      strlen(o.roles[i].unix_group) + 1);
	o.nss_bytes = z.nss;
	r = gr_login_writer_open(cfg, m->n_entries, &o.login, err);
	if (r == 0 && gr_login_writer_reserve(o.login, z.login) < 0)
		r = gr_err_set(err, -GR_E_IO, "cannot write login snapshot");
	if (r == 0) {
		twalk_r(m->by_ref, gather, &o);
		r = o.r;
		if (r < 0)
			r = gr_err_set(err, r, "cannot write login snapshot: %s", gr_strerror(r));
	}
	stats->next_expiry = o.next_expiry;
	/* login.tdb is written and synced first: after nss.tdb only renames remain. */
	if (r == 0)
		r = gr_login_writer_finish(o.login, stats->generation, err);
	if (r == 0)
		r = write_nss(cfg, &o, err);
	if (r == 0) {
		/*
		 * Also makes nss.tdb's rename durable.  If that sync fails, both
		 * snapshots are nonetheless in place and correct for every
		 * reader; reporting the publish as failed would be false, so it
		 * is a warning (dir_sync_error).
		 */
		r = gr_login_writer_install(o.login, &stats->dir_sync_error, err);
		o.login = NULL;
	}
	gr_login_writer_abort(o.login);
	for (i = 0; i < o.n_roles; i++)
		free(o.members[i].logins);
	free(o.members);
	return r;
}

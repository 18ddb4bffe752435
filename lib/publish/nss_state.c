/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/gr_error.h"
#include "core/tdbfile.h"
#include "publish/nss_state.h"
#include "publish/pwsnap.h"
#include "publish/snapshot.h"

/*
 * A snapshot handle shared by the lookups and an enumeration in progress.
 * The lookups drop their reference when the publisher replaces the file; an
 * enumeration keeps the old handle until it ends.  Both references live under
 * the one mutex, so a plain counter does.
 */
struct snap_ref {
	struct gr_snap *snap;
	unsigned int refs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The lookups' view. */
static struct {
	struct snap_ref *cur;   /* NULL: no usable snapshot, see status */
	int status;             /* result of the last open when cur is NULL */
	bool checked;           /* false: check on the next call (first call, after fork) */
	int64_t checked_at;     /* CLOCK_MONOTONIC_COARSE, ms */
	int64_t recheck_ms;     /* GR_NSS_RECHECK_MS unless the environment says otherwise */
	char path[PATH_MAX];
	bool test_mode;
} lk;

/* An enumeration's cursor, apart from the lookups: one for groups, one for passwd. */
struct cursor {
	bool started;
	int status;             /* an error that ends the enumeration, or 0 */
	struct snap_ref *ref;
	struct gr_snap_chunk chunk;
	uint32_t next_chunk;    /* chunk to load once this one is used up */
	uint32_t next_index;    /* index of the next entry, to check chunk order */
	uint32_t left;          /* entries of CHUNK not returned yet */
	size_t pos;             /* offset of the next entry in CHUNK */
	int (*load)(struct gr_snap *s, uint32_t index, struct gr_snap_chunk *c);
};

static struct cursor en_gr = { .load = gr_snap_chunk_load };
static struct cursor en_pw = { .load = gr_snap_pw_chunk_load };

/*
 * Large, so never on the stack: NSS calls run on whatever thread stack the
 * host program has.  Only used under the mutex.
 */
static struct gr_config cfg_scratch;

static void atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

static void atfork_child(void)
{
	/*
	 * A forked child (an sshd session, a cron job) may live on long after
	 * the parent's last check: look again on its first call.
	 */
	lk.checked = false;
	pthread_mutex_unlock(&lock);
}

/* Inside grouprole's own programs: answer nothing (GR_NSS_SELF_SYMBOL). */
static bool in_own_program;

static void init_once(void)
{
	/* The module is linked -z nodelete, so these handlers never dangle. */
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	in_own_program = dlsym(RTLD_DEFAULT, GR_NSS_SELF_SYMBOL) != NULL;
}

static void lock_state(void)
{
	pthread_once(&once, init_once);
	pthread_mutex_lock(&lock);
}

static void unlock_state(void)
{
	pthread_mutex_unlock(&lock);
}

static void ref_put(struct snap_ref *ref)
{
	if (!ref || --ref->refs)
		return;
	gr_snap_close(ref->snap);
	free(ref);
}

static struct snap_ref *ref_get(struct snap_ref *ref)
{
	if (ref)
		ref->refs++;
	return ref;
}

static bool now_ms(int64_t *ms)
{
	struct timespec ts;

	/* The coarse clock is read from the vDSO: no system call. */
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) < 0)
		return false;
	*ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return true;
}

/*
 * GROUPROLE_NSS_RECHECK_MS (0..1000; read with secure_getenv, so never in a
 * setuid program) shortens the interval: 0 checks on every call, as the
 * design first said.  The tests use it to make every lookup race the
 * publisher.
 */
static int64_t recheck_interval(void)
{
	const char *v = secure_getenv("GROUPROLE_NSS_RECHECK_MS");
	char *end;
	long n;

	if (!v || !*v)
		return GR_NSS_RECHECK_MS;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 0 || n > 1000)
		return GR_NSS_RECHECK_MS;
	return n;
}

static int load_config(void)
{
	struct gr_err err;
	int r;

	lk.recheck_ms = recheck_interval();
	gr_err_clear(&err);
	r = gr_config_load(&cfg_scratch, gr_config_default_path(), true, &err);
	if (r < 0)
		return r;
	r = gr_config_state_path(&cfg_scratch, GR_SNAP_FILE, lk.path, sizeof(lk.path));
	if (r < 0)
		return r;
	lk.test_mode = cfg_scratch.test_mode;
	return 0;
}

/* Make lk.cur the current snapshot, or set lk.status.  Called locked. */
static void refresh(void)
{
	struct gr_snap *s = NULL;
	struct snap_ref *ref;
	int64_t now = 0;
	bool have_clock = now_ms(&now);
	int r;

	if (lk.checked && have_clock && now - lk.checked_at < lk.recheck_ms)
		return;
	if (in_own_program) {
		lk.checked = true;
		lk.status = -ENOENT;
		return;
	}
	lk.checked = true;
	lk.checked_at = now;
	if (lk.cur && gr_snap_is_current(lk.cur->snap, lk.path))
		return;

	/*
	 * New, replaced or removed: read the configuration again (it names the
	 * state directory), then open whatever is there now.
	 */
	ref_put(lk.cur);
	lk.cur = NULL;
	r = load_config();
	if (r == 0)
		r = gr_snap_open(lk.path, lk.test_mode, &s);
	if (r == 0) {
		ref = malloc(sizeof(*ref));
		if (!ref) {
			gr_snap_close(s);
			r = -ENOMEM;
			/* Try again on the next call rather than after the interval. */
			lk.checked = false;
		} else {
			ref->snap = s;
			ref->refs = 1;
			lk.cur = ref;
		}
	}
	lk.status = r;
}

/*
 * Check the member lengths of G before anything is copied: every name is
 * non-empty and the names with their NULs fill members_len exactly.  A
 * separate pass over one byte per member, which the compiler vectorizes.
 */
static bool lens_valid(const struct gr_snap_group *g)
{
	uint64_t total = 0;
	uint32_t i, zeros = 0;

	for (i = 0; i < g->n_members; i++) {
		total += (uint64_t)g->lens[i] + 1;
		zeros += g->lens[i] == 0;
	}
	return zeros == 0 && total == g->members_len;
}

/*
 * Copy group G into BUF for GR: the aligned gr_mem array first, then the
 * name, the password field and the member names.  The size is computed and
 * checked before anything is written.
 */
static int pack_group(const struct gr_snap_group *g, struct group *gr, char *buf, size_t len)
{
	const size_t align = alignof(char *);
	size_t pad = (align - (uintptr_t)buf % align) % align;
	size_t need;
	char **mem, *p, *name, *passwd;
	unsigned char nul = 0;
	uint32_t i;

	need = pad + ((size_t)g->n_members + 1) * sizeof(char *) + g->name_len + 1 + 2 +
	       g->members_len;
	if (len < need)
		return -ERANGE;
	if (!lens_valid(g))
		return -GR_E_CORRUPT;
	mem = (char **)(void *)(buf + pad);
	p = (char *)(mem + g->n_members + 1);
	name = p;
	memcpy(p, g->name, g->name_len + 1);
	p += g->name_len + 1;
	/* No group passwords: "*" never matches, and there is no gshadow entry. */
	passwd = p;
	memcpy(p, "*", 2);
	p += 2;
	if (g->members_len)
		memcpy(p, g->members, g->members_len);
	/*
	 * The pointers come from the stored lengths (format v3) instead of a
	 * scan for every NUL.  lens_valid() keeps them inside the copy, and
	 * every name must end where its length says: a NUL there, OR-ed up and
	 * checked once at the end.  (decode_entry already made sure the region
	 * ends with a NUL, so no string can run past it whatever the bytes.)
	 */
	for (i = 0; i < g->n_members; i++) {
		mem[i] = p;
		p += g->lens[i];
		nul |= (unsigned char)*p++;
	}
	if (nul)
		return -GR_E_CORRUPT;
	mem[i] = NULL;
	gr->gr_name = name;
	gr->gr_passwd = passwd;
	gr->gr_gid = (gid_t)g->gid;
	gr->gr_mem = mem;
	return 0;
}

struct pack_ctx {
	struct group *gr;
	char *buf;
	size_t len;
};

static int pack_cb(const struct gr_snap_group *g, void *ctx)
{
	struct pack_ctx *pc = ctx;

	return pack_group(g, pc->gr, pc->buf, pc->len);
}

int gr_nss_getgrnam(const char *name, struct group *gr, char *buf, size_t len)
{
	struct pack_ctx pc = { gr, buf, len };
	int r;

	lock_state();
	refresh();
	if (lk.cur)
		r = gr_snap_group_by_name(lk.cur->snap, name, pack_cb, &pc);
	else
		r = lk.status;
	unlock_state();
	return r;
}

int gr_nss_getgrgid(gid_t gid, struct group *gr, char *buf, size_t len)
{
	struct pack_ctx pc = { gr, buf, len };
	int r;

	lock_state();
	refresh();
	if (lk.cur)
		r = gr_snap_group_by_gid(lk.cur->snap, (uint32_t)gid, pack_cb, &pc);
	else
		r = lk.status;
	unlock_state();
	return r;
}

/* Called locked. */
static void enum_reset(struct cursor *en)
{
	int (*load)(struct gr_snap *, uint32_t, struct gr_snap_chunk *) = en->load;

	gr_snap_chunk_release(&en->chunk);
	ref_put(en->ref);
	memset(en, 0, sizeof(*en));
	en->load = load;
}

/* Called locked. */
static void enum_start(struct cursor *en)
{
	enum_reset(en);
	refresh();
	en->started = true;
	en->ref = ref_get(lk.cur);
	en->status = lk.cur ? 0 : lk.status;
}

static int setent(struct cursor *en)
{
	int r;

	lock_state();
	enum_start(en);
	/* No snapshot: an empty enumeration, not an error. */
	r = en->status == -ENOENT ? 0 : en->status;
	unlock_state();
	return r;
}

static void endent(struct cursor *en)
{
	lock_state();
	enum_reset(en);
	unlock_state();
}

int gr_nss_setgrent(void)
{
	return setent(&en_gr);
}

void gr_nss_endgrent(void)
{
	endent(&en_gr);
}

/* Make EN->chunk hold an unreturned entry.  Called locked. */
static int enum_fill(struct cursor *en)
{
	int r;

	if (en->left)
		return 0;
	if (en->chunk.data) {
		/* Every entry the chunk announced was read, and nothing else is in it. */
		if (en->pos != en->chunk.len)
			return -GR_E_CORRUPT;
		gr_snap_chunk_release(&en->chunk);
	}
	/*
	 * The enumeration keeps its snapshot across publishes, so the lookups'
	 * recheck does not cover it: one fstat per chunk (per 64 entries) makes
	 * sure the file was not written in place before we read from its
	 * mapping again.
	 */
	if (!gr_snap_unchanged(en->ref->snap))
		return -ESTALE;
	r = en->load(en->ref->snap, en->next_chunk, &en->chunk);
	if (r < 0)
		return r; /* -ENOENT: past the last chunk, the end */
	if (en->chunk.first != en->next_index)
		return -GR_E_CORRUPT;
	en->next_chunk++;
	en->next_index += en->chunk.count;
	en->left = en->chunk.count;
	en->pos = 0;
	return 0;
}

/* Decode and pack the next entry of EN's chunk at *POS.  Called locked. */
typedef int (*next_fn)(const struct gr_snap_chunk *c, size_t *pos, void *out, char *buf,
		       size_t len);

static int getent(struct cursor *en, next_fn next, void *out, char *buf, size_t len)
{
	size_t pos;
	int r;

	lock_state();
	if (!en->started)
		enum_start(en);
	r = en->status;
	if (r == 0 && !en->ref)
		r = -ENOENT;
	if (r == 0)
		r = enum_fill(en);
	if (r == 0) {
		pos = en->pos;
		r = next(&en->chunk, &pos, out, buf, len);
		if (r == 0) {
			en->pos = pos;
			en->left--;
		}
	}
	/* The end and real errors stay; a short buffer can be retried. */
	if (r < 0 && r != -ERANGE && r != -ENOMEM) {
		en->status = r;
		if (en->ref) {
			gr_snap_chunk_release(&en->chunk);
			ref_put(en->ref);
			en->ref = NULL;
		}
	}
	unlock_state();
	return r;
}

static int next_group(const struct gr_snap_chunk *c, size_t *pos, void *out, char *buf,
		      size_t len)
{
	struct gr_snap_group g;
	int r = gr_snap_chunk_next(c, pos, &g);

	return r == 1 ? pack_group(&g, out, buf, len) : -GR_E_CORRUPT;
}

int gr_nss_getgrent(struct group *gr, char *buf, size_t len)
{
	return getent(&en_gr, next_group, gr, buf, len);
}

/* ---- passwd ---- */

/*
 * Copy account A into BUF for PW: the four strings in one piece, then the
 * password field.  The size is checked before anything is written.
 */
static int pack_account(const struct gr_snap_account *a, struct passwd *pw, char *buf,
			size_t len)
{
	if (len < a->strings_len + 2)
		return -ERANGE;
	memcpy(buf, a->strings, a->strings_len);
	/* No password: "*" never matches, and keeps pam_unix off a shadow lookup. */
	memcpy(buf + a->strings_len, "*", 2);
	pw->pw_name = buf;
	pw->pw_gecos = buf + a->name_len + 1;
	pw->pw_dir = pw->pw_gecos + a->gecos_len + 1;
	pw->pw_shell = pw->pw_dir + a->dir_len + 1;
	pw->pw_passwd = buf + a->strings_len;
	pw->pw_uid = (uid_t)a->uid;
	pw->pw_gid = (gid_t)a->gid;
	return 0;
}

struct pw_ctx {
	struct passwd *pw;
	char *buf;
	size_t len;
};

static int pack_account_cb(const struct gr_snap_account *a, void *ctx)
{
	struct pw_ctx *pc = ctx;

	return pack_account(a, pc->pw, pc->buf, pc->len);
}

int gr_nss_getpwnam(const char *name, struct passwd *pw, char *buf, size_t len)
{
	struct pw_ctx pc = { pw, buf, len };
	int r;

	lock_state();
	refresh();
	if (lk.cur)
		r = gr_snap_account_by_name(lk.cur->snap, name, pack_account_cb, &pc);
	else
		r = lk.status;
	unlock_state();
	return r;
}

int gr_nss_getpwuid(uid_t uid, struct passwd *pw, char *buf, size_t len)
{
	struct pw_ctx pc = { pw, buf, len };
	int r;

	lock_state();
	refresh();
	if (lk.cur)
		r = gr_snap_account_by_uid(lk.cur->snap, (uint32_t)uid, pack_account_cb, &pc);
	else
		r = lk.status;
	unlock_state();
	return r;
}

int gr_nss_setpwent(void)
{
	return setent(&en_pw);
}

void gr_nss_endpwent(void)
{
	endent(&en_pw);
}

static int next_account(const struct gr_snap_chunk *c, size_t *pos, void *out, char *buf,
			size_t len)
{
	struct gr_snap_account a;
	int r = gr_snap_pw_chunk_next(c, pos, &a);

	return r == 1 ? pack_account(&a, out, buf, len) : -GR_E_CORRUPT;
}

int gr_nss_getpwent(struct passwd *pw, char *buf, size_t len)
{
	return getent(&en_pw, next_account, pw, buf, len);
}

struct gids_ctx {
	gid_t skip;
	long int *start;
	long int *size;
	gid_t **groupsp;
	long int limit;
};

static bool have_gid(const gid_t *groups, long int n, gid_t gid)
{
	long int i;

	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static int add_gids(const unsigned char *gids, uint32_t n, void *ctx)
{
	struct gids_ctx *c = ctx;
	uint32_t i, v;

	for (i = 0; i < n; i++) {
		gid_t gid;

		memcpy(&v, gids + (size_t)i * sizeof(v), sizeof(v));
		gid = (gid_t)v;
		if (gid == c->skip || have_gid(*c->groupsp, *c->start, gid))
			continue;
		/* The caller's limit truncates the list; that is not an error. */
		if (c->limit > 0 && *c->start >= c->limit)
			break;
		if (*c->start >= *c->size) {
			long int nsize = *c->size > 0 ? *c->size * 2 : 16;
			gid_t *ng;

			if (c->limit > 0 && nsize > c->limit)
				nsize = c->limit;
			ng = realloc(*c->groupsp, (size_t)nsize * sizeof(*ng));
			if (!ng)
				return -ENOMEM;
			*c->groupsp = ng;
			*c->size = nsize;
		}
		(*c->groupsp)[(*c->start)++] = gid;
	}
	return 0;
}

int gr_nss_initgroups(const char *user, gid_t skipgid, long int *start, long int *size,
		      gid_t **groupsp, long int limit)
{
	struct gids_ctx c = { skipgid, start, size, groupsp, limit };
	int r;

	lock_state();
	refresh();
	if (lk.cur)
		r = gr_snap_user_gids(lk.cur->snap, user, add_gids, &c);
	else
		r = lk.status;
	unlock_state();
	return r;
}

/* SPDX-License-Identifier: MIT */
/* store = ldap: each commit's fleet entries, written on a provider first (writer.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "fleet/entities.h"
#include "fleet/ldapconn.h"
#include "fleet/writer.h"

#define SECRET_MAX 256
#define URIS_MAX 16
#define DN_MAX 1024
/* Read, then write: another writer may change the entry in between; try again so often. */
#define RACE_TRIES 3

struct gr_fleet_writer {
	struct gr_config cfg;
	char secret[SECRET_MAX];
	char uribuf[sizeof(((struct gr_config *)0)->ldap_uri)];
	const char *uris[URIS_MAX];
	size_t n_uris;
	LDAP *ld;   /* the connection in use, or NULL */
	size_t cur; /* the provider it goes to */
	char last[384]; /* why the last provider failed, for the error */
};

/* The state one fleet entry must have on the provider, read from the transaction. */
struct want {
	const struct gr_fleet_entity *e;
	const char *base;   /* ldap_base */
	bool present;
	char dn[DN_MAX];
	json_t *json;       /* grJson (NULL: none, mappings) */
	const char *vattr;  /* grMember, grRole, or NULL */
	json_t *values;     /* its values (array of strings) */
	bool absent;        /* a delete found nothing to delete */
};

static const char *const oc_names[] = { "", "grDirectory", "grRoleDef", "grUser", "grGroup",
					"grGroupRoles" };
static const char *const ou_names[] = { "", "", "roles", "users", "groups", "mappings" };

static int oom(struct gr_err *err)
{
	return gr_err_set(err, -ENOMEM, "out of memory");
}

int gr_fleet_writer_new(const struct gr_config *cfg, struct gr_fleet_writer **out,
			struct gr_err *err)
{
	struct gr_fleet_writer *w = calloc(1, sizeof(*w));
	char *save = NULL, *u;
	int r;

	*out = NULL;
	if (!w)
		return oom(err);
	w->cfg = *cfg;
	if ((r = gr_ldap_read_secret(cfg, cfg->ldap_writer_secret_file, w->secret,
				     sizeof(w->secret), err)) < 0) {
		gr_fleet_writer_free(w);
		return r;
	}
	strcpy(w->uribuf, cfg->ldap_uri);
	for (u = strtok_r(w->uribuf, " \t", &save); u && w->n_uris < URIS_MAX;
	     u = strtok_r(NULL, " \t", &save))
		w->uris[w->n_uris++] = u;
	if (!w->n_uris) {
		gr_fleet_writer_free(w);
		return gr_err_set(err, -GR_E_CONFIG, "store = ldap: ldap_uri names no provider");
	}
	*out = w;
	return 0;
}

void gr_fleet_writer_free(struct gr_fleet_writer *w)
{
	if (!w)
		return;
	if (w->ld)
		ldap_unbind_ext_s(w->ld, NULL, NULL);
	explicit_bzero(w->secret, sizeof(w->secret));
	free(w);
}

/* ---- providers, in order, with failover ---- */

/* Results that say "not this server", not "not this write": go on with the next provider. */
static bool provider_failed(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ||
	       rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_REFERRAL ||
	       /* a replica without an update referral: a shadow context */
	       rc == LDAP_UNWILLING_TO_PERFORM;
}

static void drop(struct gr_fleet_writer *w)
{
	if (w->ld)
		ldap_unbind_ext_s(w->ld, NULL, NULL);
	w->ld = NULL;
}

/* Connect to the first provider, in ldap_uri order, not yet found DEAD in this run. */
static int connect_first(struct gr_fleet_writer *w, bool *dead, struct gr_err *err)
{
	struct gr_err cerr;
	size_t i;

	for (i = 0; i < w->n_uris; i++) {
		if (dead[i])
			continue;
		gr_err_clear(&cerr);
		w->ld = gr_ldap_connect(&w->cfg, w->uris[i], w->cfg.ldap_writer_dn, w->secret, &cerr);
		if (w->ld) {
			w->cur = i;
			return 0;
		}
		dead[i] = true;
		snprintf(w->last, sizeof(w->last), "%s", gr_err_msg(&cerr));
	}
	return gr_err_set(err, -GR_E_UNAVAILABLE,
			  "no LDAP provider of ldap_uri acknowledged the write (last: %s); "
			  "nothing was changed here", w->last);
}

typedef int (*ldap_op)(LDAP *ld, struct want *wt);

/*
 * Run OP on the provider in use -- the writer keeps its connection, so
 * after a failover it stays with the provider that answered -- and, while
 * the answer is that of an unusable server, on the first provider in
 * ldap_uri order that this run has not found unusable.  A kept connection
 * that fails may only have been closed while idle: it costs its provider
 * nothing, the next connection tries it first again.  Returns 0 with OP's
 * LDAP result code in *RC (libldap's own codes are negative: keep them
 * apart from ours), or -GR_E_UNAVAILABLE when no provider is left.  OP must
 * be safe to repeat: an operation whose answer was lost may have been done.
 */
static int run(struct gr_fleet_writer *w, ldap_op op, struct want *wt, int *rc_out,
	       struct gr_err *err)
{
	bool dead[URIS_MAX] = { false }, fresh = false;
	int rc, r;

	for (;;) {
		if (!w->ld) {
			if ((r = connect_first(w, dead, err)) < 0)
				return r;
			fresh = true;
		}
		rc = op(w->ld, wt);
		if (!provider_failed(rc)) {
			*rc_out = rc;
			return 0;
		}
		snprintf(w->last, sizeof(w->last), "%s: %s", w->uris[w->cur], ldap_err2string(rc));
		if (fresh)
			dead[w->cur] = true;
		drop(w);
	}
}

/* ---- DNs (RFC 4514) ---- */

static int rdn_escape(char *out, size_t len, const char *v)
{
	size_t o = 0, i, n = strlen(v);
	int k;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f)
			k = snprintf(out + o, len - o, "\\%02x", c);
		else if (strchr("\"+,;<>\\=", c) || (i == 0 && (c == ' ' || c == '#')) ||
			 (i == n - 1 && c == ' '))
			k = snprintf(out + o, len - o, "\\%c", c);
		else
			k = snprintf(out + o, len - o, "%c", c);
		if (k < 0 || (size_t)k >= len - o)
			return -ENAMETOOLONG;
		o += (size_t)k;
	}
	if (o == 0 && len)
		out[0] = '\0';
	return 0;
}

/* The DN of entity E: the layout lib/fleet/consumer.c reads back. */
static int entity_dn(const struct gr_config *cfg, enum gr_fleet_kind kind, const char *dir,
		     const char *id, char *out, size_t len)
{
	char d[GR_NAME_MAX * 3 + 1], i[256 * 3 + 1];
	int n;

	if ((dir[0] && rdn_escape(d, sizeof(d), dir) < 0) || rdn_escape(i, sizeof(i), id) < 0)
		return -ENAMETOOLONG;
	switch (kind) {
	case GR_FLEET_DIRECTORY:
		n = snprintf(out, len, "grName=%s,%s", i, cfg->ldap_base);
		break;
	case GR_FLEET_ROLE:
		n = snprintf(out, len, "grId=%s,ou=roles,%s", i, cfg->ldap_base);
		break;
	case GR_FLEET_USER:
	case GR_FLEET_GROUP:
	case GR_FLEET_MAPPING:
		n = snprintf(out, len, "grId=%s,ou=%s,grName=%s,%s", i, ou_names[kind], d,
			     cfg->ldap_base);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The directory DIR's own entry. */
static int entity_dn_base(const char *base, const char *dir, char *out, size_t len)
{
	char d[GR_NAME_MAX * 3 + 1];
	int n;

	if (rdn_escape(d, sizeof(d), dir) < 0)
		return -ENAMETOOLONG;
	n = snprintf(out, len, "grName=%s,%s", d, base);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- the new state, from the transaction ---- */

/* KEY's record, or *OUT NULL when absent. */
static int get_opt(struct gr_store *st, int keylen, const char *key, json_t **out,
		   struct gr_err *err)
{
	int r;

	*out = NULL;
	if (keylen < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	r = gr_store_get_json(st, key, out, err);
	return r == -GR_E_NOTFOUND ? 0 : r;
}

static int read_want(struct gr_fleet_writer *w, struct gr_store *st,
		     const struct gr_fleet_entity *e, struct want *wt, struct gr_err *err)
{
	char k[GR_KEY_MAX];
	const char *d = e->dir, *id = e->id;
	json_t *rec = NULL;
	int r;

	memset(wt, 0, sizeof(*wt));
	wt->e = e;
	wt->base = w->cfg.ldap_base;
	if (entity_dn(&w->cfg, e->kind, d, id, wt->dn, sizeof(wt->dn)) < 0)
		return gr_err_set(err, -GR_E_INVALID, "%s/%s: no DN fits", d, id);
	switch (e->kind) {
	case GR_FLEET_DIRECTORY:
		r = get_opt(st, gr_key(k, sizeof(k), "dir/%s", id), k, &wt->json, err);
		break;
	case GR_FLEET_ROLE:
		r = get_opt(st, gr_key(k, sizeof(k), "role/%s", id), k, &wt->json, err);
		break;
	case GR_FLEET_USER:
		/* The compact record says whether the user exists; grJson is the resource as received. */
		r = get_opt(st, gr_key(k, sizeof(k), "user/%s/%s", d, id), k, &rec, err);
		if (r == 0 && rec)
			r = get_opt(st, gr_key(k, sizeof(k), "scim/%s/%s", d, id), k, &wt->json, err);
		json_decref(rec);
		break;
	case GR_FLEET_GROUP:
		wt->vattr = "grMember";
		r = get_opt(st, gr_key(k, sizeof(k), "group/%s/%s", d, id), k, &wt->json, err);
		if (r == 0 && wt->json)
			r = get_opt(st, gr_key(k, sizeof(k), "members/%s/%s", d, id), k, &wt->values,
				    err);
		break;
	case GR_FLEET_MAPPING:
		wt->vattr = "grRole";
		r = get_opt(st, gr_key(k, sizeof(k), "troles/%s/%s", d, id), k, &wt->values, err);
		/* A group without tenant roles has no mapping entry. */
		wt->present = r == 0 && json_array_size(wt->values) > 0;
		return r;
	default:
		return gr_err_set(err, -EINVAL, "not a fleet entity");
	}
	wt->present = r == 0 && wt->json;
	return r;
}

static void want_free(struct want *wt)
{
	json_decref(wt->json);
	json_decref(wt->values);
}

/* ---- LDAP operations (each safe to repeat) ---- */

static char **strings_of(const json_t *arr)
{
	size_t i, n = json_array_size(arr), m = 0;
	char **v = calloc(n + 1, sizeof(*v));

	for (i = 0; v && i < n; i++)
		if (json_is_string(json_array_get(arr, i)))
			v[m++] = (char *)(uintptr_t)json_string_value(json_array_get(arr, i));
	return v;
}

static int add_entry(LDAP *ld, const char *dn, const char *oc, const char *rdn_attr,
		     const char *rdn_value, const char *json, const char *vattr, char **values)
{
	char *ocv[] = { (char *)(uintptr_t)oc, NULL }, *rv[] = { (char *)(uintptr_t)rdn_value, NULL },
	     *jv[] = { (char *)(uintptr_t)json, NULL };
	LDAPMod m_oc = { LDAP_MOD_ADD, (char *)"objectClass", { ocv } },
		m_rdn = { LDAP_MOD_ADD, (char *)(uintptr_t)rdn_attr, { rv } },
		m_json = { LDAP_MOD_ADD, (char *)"grJson", { jv } },
		m_vals = { LDAP_MOD_ADD, (char *)(uintptr_t)vattr, { values } };
	LDAPMod *mods[5] = { &m_oc, &m_rdn, NULL, NULL, NULL };
	size_t n = 2;

	if (json)
		mods[n++] = &m_json;
	if (vattr && values && values[0])
		mods[n++] = &m_vals;
	return ldap_add_ext_s(ld, dn, mods, NULL, NULL);
}

static int add_ou(LDAP *ld, const char *ou, const char *parent)
{
	char dn[DN_MAX];
	int rc;

	if (snprintf(dn, sizeof(dn), "ou=%s,%s", ou, parent) >= (int)sizeof(dn))
		return LDAP_PARAM_ERROR;
	rc = add_entry(ld, dn, "organizationalUnit", "ou", ou, NULL, NULL, NULL);
	return rc == LDAP_ALREADY_EXISTS ? LDAP_SUCCESS : rc;
}

/* ou=roles, or the directory's entry and its three containers: made when first needed. */
static int add_parents(LDAP *ld, const struct want *wt)
{
	char dn[DN_MAX];
	int rc, i;

	if (wt->e->kind == GR_FLEET_ROLE)
		return add_ou(ld, "roles", wt->base);
	if (entity_dn_base(wt->base, wt->e->dir, dn, sizeof(dn)) < 0)
		return LDAP_PARAM_ERROR;
	rc = add_entry(ld, dn, "grDirectory", "grName", wt->e->dir, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS && rc != LDAP_ALREADY_EXISTS)
		return rc;
	for (i = GR_FLEET_USER, rc = LDAP_SUCCESS; rc == LDAP_SUCCESS && i <= GR_FLEET_MAPPING; i++)
		rc = add_ou(ld, ou_names[i], dn);
	return rc;
}

static int add_wanted(LDAP *ld, struct want *wt)
{
	const struct gr_fleet_entity *e = wt->e;
	char *json = wt->json ? json_dumps(wt->json, JSON_COMPACT | JSON_SORT_KEYS) : NULL,
	     **values = wt->vattr ? strings_of(wt->values) : NULL;
	int rc;

	if ((wt->json && !json) || (wt->vattr && !values))
		rc = LDAP_NO_MEMORY;
	else
		rc = add_entry(ld, wt->dn, oc_names[e->kind],
			       e->kind == GR_FLEET_DIRECTORY ? "grName" : "grId", e->id, json,
			       wt->vattr, values);
	if (rc == LDAP_NO_SUCH_OBJECT && (e->kind != GR_FLEET_DIRECTORY) &&
	    (rc = add_parents(ld, wt)) == LDAP_SUCCESS)
		rc = add_entry(ld, wt->dn, oc_names[e->kind], "grId", e->id, json, wt->vattr,
			       values);
	free(json);
	free(values);
	return rc;
}

/* The values of SET (an object used as a set) not in OTHER, as a NULL-ended array. */
static char **set_minus(json_t *set, json_t *other)
{
	char **v = calloc(json_object_size(set) + 1, sizeof(*v));
	const char *k;
	json_t *x;
	size_t n = 0;

	json_object_foreach(set, k, x)
		if (v && !json_object_get(other, k))
			v[n++] = (char *)(uintptr_t)k;
	return v;
}

static json_t *set_of_array(const json_t *arr)
{
	json_t *set = json_object(), *x;
	size_t i;

	json_array_foreach(arr, i, x)
		if (set && json_is_string(x))
			json_object_set_new_nocheck(set, json_string_value(x), json_true());
	return set;
}

static json_t *set_of_values(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **v = attr ? ldap_get_values_len(ld, e, attr) : NULL;
	json_t *set = json_object();
	char buf[1024];
	size_t i;

	for (i = 0; set && v && v[i]; i++)
		if (v[i]->bv_len < sizeof(buf)) {
			memcpy(buf, v[i]->bv_val, v[i]->bv_len);
			buf[v[i]->bv_len] = '\0';
			json_object_set_new_nocheck(set, buf, json_true());
		}
	ldap_value_free_len(v);
	return set;
}

/*
 * Bring the existing entry E to WT: replace grJson when it differs (as
 * JSON), and add and delete single values of grMember/grRole, so a member
 * added here and another added by another writer both stay.
 */
static int modify_to(LDAP *ld, LDAPMessage *e, struct want *wt)
{
	struct berval **oldj = ldap_get_values_len(ld, e, "grJson");
	json_t *old = oldj && oldj[0] ? json_loadb(oldj[0]->bv_val, oldj[0]->bv_len, 0, NULL) : NULL;
	json_t *have = set_of_values(ld, e, wt->vattr), *want = set_of_array(wt->values);
	char *json = NULL, *jv[2] = { NULL, NULL }, **add = NULL, **del = NULL;
	LDAPMod m_json = { LDAP_MOD_REPLACE, (char *)"grJson", { jv } },
		m_add = { LDAP_MOD_ADD, (char *)(uintptr_t)wt->vattr, { NULL } },
		m_del = { LDAP_MOD_DELETE, (char *)(uintptr_t)wt->vattr, { NULL } };
	LDAPMod *mods[4] = { NULL };
	size_t n = 0;
	int rc = LDAP_SUCCESS;

	ldap_value_free_len(oldj);
	if (!have || !want) {
		rc = LDAP_NO_MEMORY;
		goto out;
	}
	if (wt->json && !json_equal(old, wt->json)) {
		if (!(json = jv[0] = json_dumps(wt->json, JSON_COMPACT | JSON_SORT_KEYS))) {
			rc = LDAP_NO_MEMORY;
			goto out;
		}
		mods[n++] = &m_json;
	}
	if (wt->vattr) {
		add = m_add.mod_values = set_minus(want, have);
		del = m_del.mod_values = set_minus(have, want);
		if (!add || !del) {
			rc = LDAP_NO_MEMORY;
			goto out;
		}
		if (add[0])
			mods[n++] = &m_add;
		if (del[0])
			mods[n++] = &m_del;
	}
	if (n) /* else: the provider has it already (grouprole-sync brought it, or a retry) */
		rc = ldap_modify_ext_s(ld, wt->dn, mods, NULL, NULL);
out:
	json_decref(old);
	json_decref(have);
	json_decref(want);
	free(json);
	free(add);
	free(del);
	return rc;
}

/* Add the entry when absent, else bring it to WT; again when another writer got in between. */
static int op_upsert(LDAP *ld, struct want *wt)
{
	char *attrs[] = { (char *)"grJson", (char *)(uintptr_t)(wt->vattr ? wt->vattr : "grJson"),
			  NULL };
	struct timeval tv = { 5, 0 };
	LDAPMessage *res = NULL, *e;
	int rc = LDAP_OTHER, i;

	for (i = 0; i < RACE_TRIES; i++) {
		rc = ldap_search_ext_s(ld, wt->dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0,
				       NULL, NULL, &tv, 1, &res);
		if (rc == LDAP_NO_SUCH_OBJECT) {
			ldap_msgfree(res);
			res = NULL;
			rc = add_wanted(ld, wt);
			if (rc == LDAP_ALREADY_EXISTS)
				continue;
			return rc;
		}
		if (rc != LDAP_SUCCESS || !(e = ldap_first_entry(ld, res))) {
			ldap_msgfree(res);
			return rc == LDAP_SUCCESS ? LDAP_NO_SUCH_OBJECT : rc;
		}
		rc = modify_to(ld, e, wt);
		ldap_msgfree(res);
		res = NULL;
		if (rc != LDAP_NO_SUCH_OBJECT && rc != LDAP_TYPE_OR_VALUE_EXISTS &&
		    rc != LDAP_NO_SUCH_ATTRIBUTE)
			return rc;
	}
	return rc;
}

static int dn_depth_cmp(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	/* Below a common base, a longer DN is never the parent of a shorter one. */
	return la < lb ? 1 : la > lb ? -1 : 0;
}

/*
 * Delete the entry (gone already: fine).  A directory goes with everything
 * below it, children first: its users, groups and mappings are gone here
 * too, and LDAP deletes only leaves.
 */
static int op_delete(LDAP *ld, struct want *wt)
{
	char *attrs[] = { (char *)LDAP_NO_ATTRS, NULL }, **dns = NULL;
	struct timeval tv = { 5, 0 };
	LDAPMessage *res = NULL, *e;
	size_t n = 0, i;
	int rc;

	if (wt->e->kind == GR_FLEET_DIRECTORY) {
		rc = ldap_search_ext_s(ld, wt->dn, LDAP_SCOPE_SUBTREE, "(objectClass=*)", attrs, 0,
				       NULL, NULL, &tv, 0, &res);
		if (rc == LDAP_SUCCESS) {
			dns = calloc((size_t)ldap_count_entries(ld, res) + 1, sizeof(*dns));
			for (e = ldap_first_entry(ld, res); dns && e; e = ldap_next_entry(ld, e))
				if ((dns[n] = ldap_get_dn(ld, e)))
					n++;
			qsort(dns, n, sizeof(*dns), dn_depth_cmp);
			for (i = 0; rc == LDAP_SUCCESS && i < n; i++) {
				rc = ldap_delete_ext_s(ld, dns[i], NULL, NULL);
				if (rc == LDAP_NO_SUCH_OBJECT)
					rc = LDAP_SUCCESS;
			}
			for (i = 0; i < n; i++)
				ldap_memfree(dns[i]);
			free(dns);
		}
		ldap_msgfree(res);
	} else {
		rc = ldap_delete_ext_s(ld, wt->dn, NULL, NULL);
	}
	wt->absent = rc == LDAP_NO_SUCH_OBJECT;
	return wt->absent ? LDAP_SUCCESS : rc;
}

/* ---- the hook ---- */

static int local_exists(void *ctx, const char *key)
{
	return gr_store_exists(ctx, key);
}

static const char *const kind_words[] = { "", "directory", "role", "user", "group",
					  "role mapping of group" };

/*
 * A delete that found nothing may have met a provider that has not caught
 * up yet -- one that was down while the entry was added through another:
 * its later replication would bring the entry back.  So the delete goes to
 * every other provider that can be reached too, and replication carries it
 * (best effort: one that cannot be reached has it deleted by replication
 * from the one that had it, or had nothing).
 */
static void delete_elsewhere(struct gr_fleet_writer *w, struct want *wt)
{
	struct gr_err cerr;
	size_t i;
	LDAP *ld;

	for (i = 0; i < w->n_uris; i++) {
		if (i == w->cur)
			continue;
		gr_err_clear(&cerr);
		if (!(ld = gr_ldap_connect(&w->cfg, w->uris[i], w->cfg.ldap_writer_dn, w->secret,
					   &cerr)))
			continue;
		op_delete(ld, wt);
		ldap_unbind_ext_s(ld, NULL, NULL);
	}
}

static int write_one(struct gr_fleet_writer *w, struct want *wt, struct gr_err *err)
{
	const struct gr_fleet_entity *e = wt->e;
	char *diag = NULL;
	int rc = LDAP_OTHER, r = run(w, wt->present ? op_upsert : op_delete, wt, &rc, err);

	if (r == 0 && rc == LDAP_SUCCESS && wt->absent)
		delete_elsewhere(w, wt);
	if (r < 0 || rc == LDAP_SUCCESS) /* no provider left (ERR says so), or done */
		return r;
	if (w->ld)
		ldap_get_option(w->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	r = gr_err_set(err, -GR_E_UNAVAILABLE,
		       "%s: the LDAP provider refused to %s %s %s%s%s: %s%s%s; nothing was changed "
		       "here", w->uris[w->cur], wt->present ? "write" : "delete", kind_words[e->kind],
		       e->dir, e->dir[0] ? "/" : "", e->id, ldap_err2string(rc),
		       diag && diag[0] ? ": " : "", diag ? diag : "");
	ldap_memfree(diag);
	return r;
}

int gr_fleet_writer_precommit(void *ctx, struct gr_store *st, const char *const *keys, size_t n,
			      struct gr_err *err)
{
	struct gr_fleet_writer *w = ctx;
	struct gr_fleet_entity *v = NULL;
	struct want *wants = NULL;
	size_t m = 0, i;
	int r;

	if ((r = gr_fleet_entities(keys, n, local_exists, st, &v, &m, err)) < 0 || m == 0)
		goto out;
	if (!(wants = calloc(m, sizeof(*wants)))) {
		r = oom(err);
		goto out;
	}
	for (i = 0; r == 0 && i < m; i++)
		r = read_want(w, st, &v[i], &wants[i], err);
	/*
	 * Deletions children first (mappings, groups, users, roles,
	 * directories), then additions and changes parents first -- the order
	 * lib/fleet/apply.c applies them in, so references point at something.
	 */
	for (i = m; r == 0 && i-- > 0;)
		if (!wants[i].present)
			r = write_one(w, &wants[i], err);
	for (i = 0; r == 0 && i < m; i++)
		if (wants[i].present)
			r = write_one(w, &wants[i], err);
out:
	for (i = 0; wants && i < m; i++)
		want_free(&wants[i]);
	free(wants);
	free(v);
	return r;
}
int gr_fleet_writer_attach(struct gr_store *st, struct gr_fleet_writer **out,
			   struct gr_err *err)
{
	int r;

	*out = NULL;
	if (gr_store_config(st)->store != GR_STORE_MODE_LDAP)
		return 0;
	if ((r = gr_fleet_writer_new(gr_store_config(st), out, err)) < 0)
		return r;
	gr_store_precommit(st, gr_fleet_writer_precommit, *out);
	return 0;
}

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
#include "store/orgs.h"

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
	json_t *json;       /* grJson (NULL: none, mappings and assignments) */
	const char *vattr;  /* grMember, grRole, grAssignment, or NULL */
	json_t *values;     /* its values (array of strings) */
	const char *vattr2; /* grOrgRole (mappings), or NULL */
	json_t *values2;    /* its values */
	bool absent;        /* a delete found nothing to delete */
};

/* By enum gr_fleet_kind. */
static const char *const oc_names[] = { "",	      "grDirectory",	"grRoleDef",
					"grUser",     "grGroup",	"grGroupRoles",
					"grOrganization", "grAssignments", "grPolicy" };
static const char *const ou_names[] = { "",	    "",		     "roles",	    "users", "groups",
					"mappings", "organizations", "assignments", "policy" };

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
	case GR_FLEET_ORG:
	case GR_FLEET_POLICY:
		n = snprintf(out, len, "grName=%s,ou=%s,%s", i, ou_names[kind], cfg->ldap_base);
		break;
	case GR_FLEET_USER:
	case GR_FLEET_GROUP:
	case GR_FLEET_MAPPING:
	case GR_FLEET_ASSIGN:
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

/* Group (DIR, GID)'s roles in every organization, as grOrgRole values "ORG SLUG". */
static int read_org_roles(struct gr_store *st, const char *dir, const char *gid, json_t **out,
			  struct gr_err *err)
{
	json_t *orgs = NULL, *o, *slugs, *v, *arr = json_array();
	const char *org;
	size_t i, j;
	char val[GR_NAME_MAX + 80];
	int r = arr ? gr_org_names(st, &orgs, err) : oom(err);

	json_array_foreach(orgs, i, o) {
		org = json_string_value(o);
		if (r < 0 || !org)
			continue;
		slugs = NULL;
		r = gr_group_roles_get(st, org, dir, gid, &slugs, err);
		json_array_foreach(slugs, j, v) {
			if (r == 0 && json_is_string(v) &&
			    snprintf(val, sizeof(val), "%s %s", org, json_string_value(v)) <
				    (int)sizeof(val) &&
			    json_array_append_new(arr, json_string(val)) < 0)
				r = oom(err);
		}
		json_decref(slugs);
	}
	json_decref(orgs);
	if (r < 0) {
		json_decref(arr);
		arr = NULL;
	}
	*out = arr;
	return r;
}

/* Organization ORG's explicit members, as grMember values "DIR/UID". */
static int read_org_members(struct gr_store *st, const char *org, json_t **out,
			    struct gr_err *err)
{
	json_t *rows = NULL, *row, *arr = json_array();
	char val[GR_NAME_MAX + 260];
	size_t i;
	int r = arr ? gr_org_members(st, org, &rows, err) : oom(err);

	json_array_foreach(rows, i, row) {
		if (r == 0 &&
		    snprintf(val, sizeof(val), "%s/%s",
			     json_string_value(json_object_get(row, "directory")) ?: "",
			     json_string_value(json_object_get(row, "id")) ?: "") < (int)sizeof(val) &&
		    json_array_append_new(arr, json_string(val)) < 0)
			r = oom(err);
	}
	json_decref(rows);
	if (r < 0) {
		json_decref(arr);
		arr = NULL;
	}
	*out = arr;
	return r;
}

/* A user's assignments (assign/DIR/UID's array, or NULL) as grAssignment values, JSON each. */
static int assignment_values(const json_t *rec, json_t **out, struct gr_err *err)
{
	json_t *arr = json_array(), *a;
	char *s;
	size_t i;

	*out = NULL;
	if (!arr)
		return oom(err);
	json_array_foreach(rec, i, a) {
		if (!(s = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS)) ||
		    json_array_append_new(arr, json_string(s)) < 0) {
			free(s);
			json_decref(arr);
			return oom(err);
		}
		free(s);
	}
	*out = arr;
	return 0;
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
		wt->vattr2 = "grOrgRole";
		r = get_opt(st, gr_key(k, sizeof(k), "troles/%s/%s", d, id), k, &wt->values, err);
		if (r == 0)
			r = read_org_roles(st, d, id, &wt->values2, err);
		/* A group without roles, tenant-wide or in any organization, has no mapping entry. */
		wt->present = r == 0 && (json_array_size(wt->values) || json_array_size(wt->values2));
		return r;
	case GR_FLEET_POLICY:
		r = get_opt(st, 0, "policy", &wt->json, err);
		break;
	case GR_FLEET_ASSIGN:
		/* No grJson: each assignment is a value, so one added here and one elsewhere both stay. */
		wt->vattr = "grAssignment";
		r = get_opt(st, gr_key(k, sizeof(k), "assign/%s/%s", d, id), k, &rec, err);
		if (r == 0)
			r = assignment_values(rec, &wt->values, err);
		json_decref(rec);
		wt->present = r == 0 && json_array_size(wt->values) > 0;
		return r;
	case GR_FLEET_ORG:
		wt->vattr = "grMember";
		r = get_opt(st, gr_key(k, sizeof(k), "org/%s", id), k, &wt->json, err);
		if (r == 0 && wt->json)
			r = read_org_members(st, id, &wt->values, err);
		break;
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
	json_decref(wt->values2);
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
		     const char *rdn_value, const char *json, const char *vattr, char **values,
		     const char *vattr2, char **values2)
{
	char *ocv[] = { (char *)(uintptr_t)oc, NULL }, *rv[] = { (char *)(uintptr_t)rdn_value, NULL },
	     *jv[] = { (char *)(uintptr_t)json, NULL };
	LDAPMod m_oc = { LDAP_MOD_ADD, (char *)"objectClass", { ocv } },
		m_rdn = { LDAP_MOD_ADD, (char *)(uintptr_t)rdn_attr, { rv } },
		m_json = { LDAP_MOD_ADD, (char *)"grJson", { jv } },
		m_vals = { LDAP_MOD_ADD, (char *)(uintptr_t)vattr, { values } },
		m_vals2 = { LDAP_MOD_ADD, (char *)(uintptr_t)vattr2, { values2 } };
	LDAPMod *mods[6] = { &m_oc, &m_rdn, NULL, NULL, NULL, NULL };
	size_t n = 2;

	if (json)
		mods[n++] = &m_json;
	if (vattr && values && values[0])
		mods[n++] = &m_vals;
	if (vattr2 && values2 && values2[0])
		mods[n++] = &m_vals2;
	return ldap_add_ext_s(ld, dn, mods, NULL, NULL);
}

static int add_ou(LDAP *ld, const char *ou, const char *parent)
{
	char dn[DN_MAX];
	int rc;

	if (snprintf(dn, sizeof(dn), "ou=%s,%s", ou, parent) >= (int)sizeof(dn))
		return LDAP_PARAM_ERROR;
	rc = add_entry(ld, dn, "organizationalUnit", "ou", ou, NULL, NULL, NULL, NULL, NULL);
	return rc == LDAP_ALREADY_EXISTS ? LDAP_SUCCESS : rc;
}

/* The kinds whose entries are below a directory, each in its own container. */
static const enum gr_fleet_kind dir_kinds[] = { GR_FLEET_USER, GR_FLEET_GROUP, GR_FLEET_MAPPING,
						GR_FLEET_ASSIGN };

/*
 * ou=roles, ou=organizations, ou=policy, or the directory's entry and its
 * containers: made when first needed (a directory's entry from before
 * ou=assignments existed gets it then).
 */
static int add_parents(LDAP *ld, const struct want *wt)
{
	char dn[DN_MAX];
	int rc, i;

	if (wt->e->kind == GR_FLEET_ROLE || wt->e->kind == GR_FLEET_ORG ||
	    wt->e->kind == GR_FLEET_POLICY)
		return add_ou(ld, ou_names[wt->e->kind], wt->base);
	if (entity_dn_base(wt->base, wt->e->dir, dn, sizeof(dn)) < 0)
		return LDAP_PARAM_ERROR;
	rc = add_entry(ld, dn, "grDirectory", "grName", wt->e->dir, NULL, NULL, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS && rc != LDAP_ALREADY_EXISTS)
		return rc;
	for (i = 0, rc = LDAP_SUCCESS;
	     rc == LDAP_SUCCESS && i < (int)(sizeof(dir_kinds) / sizeof(dir_kinds[0])); i++)
		rc = add_ou(ld, ou_names[dir_kinds[i]], dn);
	return rc;
}

static int add_wanted(LDAP *ld, struct want *wt)
{
	const struct gr_fleet_entity *e = wt->e;
	char *json = wt->json ? json_dumps(wt->json, JSON_COMPACT | JSON_SORT_KEYS) : NULL,
	     **values = wt->vattr ? strings_of(wt->values) : NULL,
	     **values2 = wt->vattr2 ? strings_of(wt->values2) : NULL;
	const char *rdn = e->kind == GR_FLEET_DIRECTORY || e->kind == GR_FLEET_ORG ||
					  e->kind == GR_FLEET_POLICY
				  ? "grName"
				  : "grId";
	int rc;

	if ((wt->json && !json) || (wt->vattr && !values) || (wt->vattr2 && !values2))
		rc = LDAP_NO_MEMORY;
	else
		rc = add_entry(ld, wt->dn, oc_names[e->kind], rdn, e->id, json, wt->vattr, values,
			       wt->vattr2, values2);
	if (rc == LDAP_NO_SUCH_OBJECT && (e->kind != GR_FLEET_DIRECTORY) &&
	    (rc = add_parents(ld, wt)) == LDAP_SUCCESS)
		rc = add_entry(ld, wt->dn, oc_names[e->kind], rdn, e->id, json, wt->vattr, values,
			       wt->vattr2, values2);
	free(json);
	free(values);
	free(values2);
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

/* The value changes that bring ATTR of entry E to WANT_ARR: an add and a delete (either empty). */
struct value_diff {
	json_t *have, *want;
	char **add, **del;
	LDAPMod m_add, m_del;
};

static int value_diff(LDAP *ld, LDAPMessage *e, const char *attr, const json_t *want_arr,
		      struct value_diff *d, LDAPMod **mods, size_t *n)
{
	memset(d, 0, sizeof(*d));
	if (!attr)
		return LDAP_SUCCESS;
	d->have = set_of_values(ld, e, attr);
	d->want = set_of_array(want_arr);
	if (!d->have || !d->want)
		return LDAP_NO_MEMORY;
	d->add = set_minus(d->want, d->have);
	d->del = set_minus(d->have, d->want);
	if (!d->add || !d->del)
		return LDAP_NO_MEMORY;
	d->m_add = (LDAPMod){ LDAP_MOD_ADD, (char *)(uintptr_t)attr, { d->add } };
	d->m_del = (LDAPMod){ LDAP_MOD_DELETE, (char *)(uintptr_t)attr, { d->del } };
	if (d->add[0])
		mods[(*n)++] = &d->m_add;
	if (d->del[0])
		mods[(*n)++] = &d->m_del;
	return LDAP_SUCCESS;
}

static void value_diff_free(struct value_diff *d)
{
	json_decref(d->have);
	json_decref(d->want);
	free(d->add);
	free(d->del);
}

/*
 * Bring the existing entry E to WT: replace grJson when it differs (as
 * JSON), and add and delete single values of the multi-valued attributes
 * (grMember, grRole, grOrgRole), so a member added here and another added
 * by another writer both stay.
 */
static int modify_to(LDAP *ld, LDAPMessage *e, struct want *wt)
{
	struct berval **oldj = ldap_get_values_len(ld, e, "grJson");
	json_t *old = oldj && oldj[0] ? json_loadb(oldj[0]->bv_val, oldj[0]->bv_len, 0, NULL) : NULL;
	char *json = NULL, *jv[2] = { NULL, NULL };
	LDAPMod m_json = { LDAP_MOD_REPLACE, (char *)"grJson", { jv } };
	LDAPMod *mods[6] = { NULL };
	struct value_diff d1, d2;
	size_t n = 0;
	int rc = LDAP_SUCCESS;

	ldap_value_free_len(oldj);
	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	if (wt->json && !json_equal(old, wt->json)) {
		if (!(json = jv[0] = json_dumps(wt->json, JSON_COMPACT | JSON_SORT_KEYS)))
			rc = LDAP_NO_MEMORY;
		else
			mods[n++] = &m_json;
	}
	if (rc == LDAP_SUCCESS)
		rc = value_diff(ld, e, wt->vattr, wt->values, &d1, mods, &n);
	if (rc == LDAP_SUCCESS)
		rc = value_diff(ld, e, wt->vattr2, wt->values2, &d2, mods, &n);
	/* No change: the provider has it already (grouprole-sync brought it, or a retry). */
	if (rc == LDAP_SUCCESS && n)
		rc = ldap_modify_ext_s(ld, wt->dn, mods, NULL, NULL);
	json_decref(old);
	value_diff_free(&d1);
	value_diff_free(&d2);
	free(json);
	return rc;
}

/* Add the entry when absent, else bring it to WT; again when another writer got in between. */
static int op_upsert(LDAP *ld, struct want *wt)
{
	char *attrs[] = { (char *)"grJson", (char *)(uintptr_t)(wt->vattr ? wt->vattr : "grJson"),
			  (char *)(uintptr_t)(wt->vattr2 ? wt->vattr2 : "grJson"), NULL };
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

static const char *const kind_words[] = { "",	    "directory",
					  "role",   "user",
					  "group",  "role mapping of group",
					  "organization", "resource assignments of user",
					  "policy" };

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

	if ((r = gr_fleet_entities(keys, n, &v, &m, err)) < 0 || m == 0)
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

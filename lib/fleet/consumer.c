/* SPDX-License-Identifier: MIT */
/* grouprole-sync's RFC 4533 consumer on libldap's ldap_sync API (consumer.h). */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "fleet/apply.h"
#include "fleet/consumer.h"
#include "fleet/ldapconn.h"
#include "fleet/syncstatus.h"

#define SECRET_MAX 256
#define BACKOFF_MAX 60

struct session {
	struct gr_store *st;
	struct gr_fleet_batch *b;
	struct gr_fleet_stats stats;
	const char *uri;
	bool full;        /* started without a cookie: the refresh is everything */
	bool in_refresh;  /* the refresh's group commit is open */
	/*
	 * The server listed present entries: a present phase, after which
	 * what it did not name is gone (RFC 4533 3.3.1).  Only then, or after
	 * a refresh without a cookie, does the refresh purge.
	 */
	bool presents;
	bool done;        /* refreshDone seen */
	bool trim;        /* committed since the heap was last returned */
	struct timespec committed; /* CLOCK_MONOTONIC of the last commit */
	int failed;       /* a callback could not record something */
	struct gr_err err;
	struct gr_sync_status *status; /* state_dir/sync.status, kept by gr_fleet_run */
};

static const char *const wanted_attrs[] = { "objectClass", "grId", "grName", "grJson",
					     "grMember", "grRole", "grOrgRole", "grAssignment",
					     NULL };

static void uuid_str(const struct berval *bv, char *out, size_t len)
{
	const unsigned char *u = (const unsigned char *)bv->bv_val;

	if (!bv || bv->bv_len != 16) {
		snprintf(out, len, "invalid");
		return;
	}
	snprintf(out, len,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
		 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
}

/* The first value of ATTR as a string (malloc()ed), or NULL. */
static char *first_value(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char *s = NULL;

	if (v && v[0])
		s = strndup(v[0]->bv_val, v[0]->bv_len);
	ldap_value_free_len(v);
	return s;
}

static json_t *all_values(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && v && v[i]; i++)
		json_array_append_new(arr, json_stringn(v[i]->bv_val, v[i]->bv_len));
	ldap_value_free_len(v);
	return arr;
}

static enum gr_fleet_kind kind_of(LDAP *ld, LDAPMessage *e)
{
	static const struct {
		const char *oc;
		enum gr_fleet_kind kind;
	} map[] = { { "grDirectory", GR_FLEET_DIRECTORY }, { "grRoleDef", GR_FLEET_ROLE },
		    { "grUser", GR_FLEET_USER },	     { "grGroup", GR_FLEET_GROUP },
		    { "grGroupRoles", GR_FLEET_MAPPING },   { "grOrganization", GR_FLEET_ORG },
		    { "grAssignments", GR_FLEET_ASSIGN },  { "grPolicy", GR_FLEET_POLICY } };
	struct berval **v = ldap_get_values_len(ld, e, "objectClass");
	enum gr_fleet_kind k = GR_FLEET_NONE;
	size_t i, j;

	for (i = 0; v && v[i] && k == GR_FLEET_NONE; i++)
		for (j = 0; j < sizeof(map) / sizeof(map[0]); j++)
			if (strlen(map[j].oc) == v[i]->bv_len &&
			    !strncasecmp(v[i]->bv_val, map[j].oc, v[i]->bv_len))
				k = map[j].kind;
	ldap_value_free_len(v);
	return k;
}

/* The directory an entry belongs to: the value of the grName RDN above it. */
static int dir_of(const char *dn, char *out, size_t len)
{
	LDAPDN parsed = NULL;
	int i, r = -1;

	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return -1;
	for (i = 1; parsed[i] && r < 0; i++) {
		LDAPAVA *a = parsed[i][0];

		if (a && a->la_attr.bv_len == 6 && !strncasecmp(a->la_attr.bv_val, "grName", 6) &&
		    a->la_value.bv_len < len) {
			memcpy(out, a->la_value.bv_val, a->la_value.bv_len);
			out[a->la_value.bv_len] = '\0';
			r = 0;
		}
	}
	ldap_dnfree(parsed);
	return r;
}

static int record_entry(struct session *s, LDAP *ld, LDAPMessage *e, const char *uuid)
{
	enum gr_fleet_kind kind = kind_of(ld, e);
	char *dn = ldap_get_dn(ld, e), *id = NULL, *js = NULL, dir[GR_NAME_MAX + 1] = "";
	json_t *json = NULL, *values = NULL, *org_roles = NULL;
	json_error_t jerr;
	int r = 0;
	/* grName, not grId; and no directory above */
	bool named = kind == GR_FLEET_DIRECTORY || kind == GR_FLEET_ORG || kind == GR_FLEET_POLICY;

	if (kind == GR_FLEET_NONE) /* containers, and kinds this version does not apply */
		goto out;
	id = first_value(ld, e, named ? "grName" : "grId");
	js = first_value(ld, e, "grJson");
	if (js && !(json = json_loads(js, 0, &jerr))) {
		syslog(LOG_WARNING, "grouprole-sync: %s: grJson is not JSON (%s); skipped",
		       dn ? dn : "?", jerr.text);
		goto out;
	}
	values = all_values(ld, e, kind == GR_FLEET_MAPPING ? "grRole"
				   : kind == GR_FLEET_ASSIGN ? "grAssignment"
							     : "grMember");
	/* A mapping's organization roles travel as its JSON: {"org_roles": ["ORG SLUG"...]}. */
	if (kind == GR_FLEET_MAPPING && (org_roles = all_values(ld, e, "grOrgRole")) &&
	    json_array_size(org_roles)) {
		json_decref(json);
		json = json_pack("{s:O}", "org_roles", org_roles);
	}
	if (!id || (!named && kind != GR_FLEET_ROLE && dir_of(dn, dir, sizeof(dir)) < 0)) {
		syslog(LOG_WARNING, "grouprole-sync: %s: no grId or directory in the entry; skipped",
		       dn ? dn : "?");
		goto out;
	}
	r = gr_fleet_batch_put(s->b, uuid, kind, dir, id, json, values, &s->err);
out:
	json_decref(json);
	json_decref(values);
	json_decref(org_roles);
	free(js);
	free(id);
	ldap_memfree(dn);
	return r;
}

static int on_entry(ldap_sync_t *ls, LDAPMessage *msg, struct berval *entryUUID,
		    ldap_sync_refresh_t phase)
{
	struct session *s = ls->ls_private;
	char uuid[40];
	int r;

	uuid_str(entryUUID, uuid, sizeof(uuid));
	switch (phase) {
	case LDAP_SYNC_CAPI_ADD:
	case LDAP_SYNC_CAPI_MODIFY:
		r = record_entry(s, ls->ls_ld, msg, uuid);
		break;
	case LDAP_SYNC_CAPI_DELETE:
		r = gr_fleet_batch_delete(s->b, uuid, &s->err);
		break;
	case LDAP_SYNC_CAPI_PRESENT:
		r = gr_fleet_batch_present(s->b, uuid, &s->err);
		s->presents = true;
		break;
	default:
		r = 0;
	}
	if (r < 0)
		s->failed = r;
	return 0;
}

static int on_intermediate(ldap_sync_t *ls, LDAPMessage *msg, BerVarray uuids,
			   ldap_sync_refresh_t phase)
{
	struct session *s = ls->ls_private;
	char uuid[40];
	size_t i;
	int r = 0;

	(void)msg;
	switch (phase) {
	case LDAP_SYNC_CAPI_PRESENTS_IDSET:
	case LDAP_SYNC_CAPI_DELETES_IDSET:
		for (i = 0; uuids && uuids[i].bv_val && r == 0; i++) {
			uuid_str(&uuids[i], uuid, sizeof(uuid));
			r = phase == LDAP_SYNC_CAPI_DELETES_IDSET
				    ? gr_fleet_batch_delete(s->b, uuid, &s->err)
				    : gr_fleet_batch_present(s->b, uuid, &s->err);
		}
		if (phase == LDAP_SYNC_CAPI_PRESENTS_IDSET)
			s->presents = true;
		break;
	case LDAP_SYNC_CAPI_DONE:
		s->done = true;
		break;
	default:
		break;
	}
	if (r < 0)
		s->failed = r;
	return 0;
}

static int on_result(ldap_sync_t *ls, LDAPMessage *msg, int refreshDeletes)
{
	(void)ls;
	(void)msg;
	(void)refreshDeletes;
	return 0; /* the server ended the search: ldap_sync_poll returns, we reconnect */
}

static int on_reference(ldap_sync_t *ls, LDAPMessage *msg)
{
	(void)ls;
	(void)msg;
	return 0;
}

/* ldap_sync keeps the cookie as a berval; the store keeps printable text. */
static bool cookie_text(const struct berval *c, char *out, size_t len)
{
	size_t i;

	if (!c->bv_val || c->bv_len >= len)
		return false;
	for (i = 0; i < c->bv_len; i++)
		if (c->bv_val[i] < 0x21 || c->bv_val[i] > 0x7e)
			return false;
	memcpy(out, c->bv_val, c->bv_len);
	out[c->bv_len] = '\0';
	return true;
}

/* Replace the status file; a failure is logged, never fatal. */
static void save_status(const struct gr_config *cfg, const struct gr_sync_status *st)
{
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_sync_status_write(cfg, st, &err) < 0)
		syslog(LOG_WARNING, "grouprole-sync: status: %s", gr_err_msg(&err));
}

/* What a group commit did; STATS count from its gr_fleet_open, which zeroes them. */
static size_t changes(const struct gr_fleet_stats *st)
{
	return st->applied + st->deleted + st->purged;
}

/* Apply what the last poll brought; end the refresh's commit when it is done. */
static int settle(struct session *s, ldap_sync_t *ls, const struct gr_fleet_hooks *hooks,
		  bool *ready)
{
	char cookie[1024];
	const char *c = cookie_text(&ls->ls_cookie, cookie, sizeof(cookie)) ? cookie : NULL;
	struct timespec now;
	bool changed;
	int r;

	if (s->failed)
		return s->failed;
	if (s->in_refresh && !s->done)
		return gr_fleet_step(s->st, s->b, &s->stats, &s->err);
	if (!s->in_refresh) {
		if (!gr_fleet_batch_size(s->b))
			return 0;
		if ((r = gr_fleet_open(s->st, &s->stats, &s->err)) < 0)
			return r;
	}
	r = gr_fleet_close(s->st, s->b, c, s->in_refresh && (s->full || s->presents), &s->stats,
			   &s->err);
	if (r < 0)
		return r;
	/*
	 * Committed: the host has what the server sent, up to now.  Whether
	 * this commit changed anything is what its own counters say: they
	 * cover exactly this commit (from its gr_fleet_open), so comparing
	 * them with the previous commit's would miss two commits of the same
	 * size.
	 */
	changed = changes(&s->stats) > 0;
	/*
	 * Publish before the status says so: a reader of sync.status (an
	 * operator, the fleet benchmark) may take last_change as the moment
	 * the change reached NSS and PAM, and must never see it earlier.
	 */
	if (hooks->committed) {
		struct gr_err perr;

		gr_err_clear(&perr);
		if (hooks->committed(hooks->ctx, &perr) < 0)
			syslog(LOG_ERR, "grouprole-sync: publish: %s", gr_err_msg(&perr));
	}
	clock_gettime(CLOCK_REALTIME, &now);
	s->status->last_in_step = now.tv_sec;
	if (changed) {
		s->status->last_change = now.tv_sec;
		s->status->last_change_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	save_status(gr_store_config(s->st), s->status);
	s->trim = true;
	clock_gettime(CLOCK_MONOTONIC, &s->committed);
	if (s->in_refresh) {
		/*
		 * A present phase after a cookie is the server saying that its
		 * session log no longer reaches back to the cookie: every entry
		 * was compared and what it did not name was purged.  That is a
		 * full reload, not a resumption, and the log says so.
		 */
		const char *why = !s->full && s->presents
					  ? " (present phase: the server could not resume from the cookie)"
					  : "";

		syslog(LOG_INFO,
		       "grouprole-sync: %s: %s refresh applied: %zu entries, %zu deleted, %zu purged, "
		       "%zu skipped%s",
		       s->uri, s->full || s->presents ? "full" : "incremental", s->stats.applied,
		       s->stats.deleted, s->stats.purged, s->stats.skipped, why);
		s->in_refresh = false;
		/*
		 * A refresh held every entry, the server's messages and the
		 * publish's working set at once; glibc keeps freed heap for
		 * reuse, which for a daemon that then sits in the persist
		 * phase is memory it never needs again (about 2.8 of 6.2 MB of
		 * anonymous memory at 1,000 users, make bench-fleet).
		 */
		malloc_trim(0);
		s->trim = false;
		/* Ready (systemd) once the first refresh is published, not merely committed. */
		if (!*ready && hooks->ready)
			hooks->ready(hooks->ctx);
		*ready = true;
	}
	return 0;
}

/* A second or more has passed since T (CLOCK_MONOTONIC). */
static bool quiet_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000000000L + (now.tv_nsec - t->tv_nsec) >= 1000000000L;
}

/* One session with one server: refresh, then persist until it fails or we stop. */
static int session(struct gr_store *st, const struct gr_config *cfg, const char *uri,
		   const char *secret, const struct gr_fleet_hooks *hooks,
		   struct gr_sync_status *status, volatile sig_atomic_t *stop, bool once,
		   bool *ready, struct gr_err *err)
{
	struct session s = { .st = st, .uri = uri, .status = status };
	char cookie[1024];
	ldap_sync_t ls;
	int r, rc;

	if (gr_fleet_batch_new(&s.b) < 0)
		return gr_err_set(err, -ENOMEM, "out of memory");
	ldap_sync_initialize(&ls);
	if (!(ls.ls_ld = gr_ldap_connect(cfg, uri, cfg->ldap_bind_dn, secret, err))) {
		r = err->code;
		goto out;
	}
	syslog(LOG_INFO, "grouprole-sync: following %s", uri);
	snprintf(s.status->server, sizeof(s.status->server), "%s", uri);
	s.status->connected_since = time(NULL);
	save_status(cfg, s.status);
restart:
	if ((r = gr_fleet_cookie(st, cookie, sizeof(cookie), err)) < 0)
		goto out;
	s.full = !cookie[0];
	s.done = s.presents = false;
	ls.ls_base = (char *)(uintptr_t)cfg->ldap_base;
	ls.ls_scope = LDAP_SCOPE_SUBTREE;
	ls.ls_filter = (char *)(uintptr_t)"(objectClass=*)";
	ls.ls_attrs = (char **)(uintptr_t)wanted_attrs;
	ls.ls_timeout = 1;
	ls.ls_search_entry = on_entry;
	ls.ls_intermediate = on_intermediate;
	ls.ls_search_result = on_result;
	ls.ls_search_reference = on_reference;
	ls.ls_private = &s;
	ber_memfree(ls.ls_cookie.bv_val);
	ls.ls_cookie.bv_val = cookie[0] ? ber_strdup(cookie) : NULL;
	ls.ls_cookie.bv_len = cookie[0] ? strlen(cookie) : 0;
	if ((r = gr_fleet_open(st, &s.stats, &s.err)) < 0) {
		*err = s.err;
		goto out;
	}
	s.in_refresh = true;
	rc = ldap_sync_init(&ls, LDAP_SYNC_REFRESH_AND_PERSIST);
	while (rc == LDAP_SUCCESS && !*stop) {
		rc = ldap_sync_poll(&ls);
		if (rc == LDAP_SUCCESS || rc == LDAP_TIMEOUT) {
			rc = LDAP_SUCCESS;
			if ((r = settle(&s, &ls, hooks, ready)) < 0) {
				*err = s.err;
				goto out;
			}
			/*
			 * Past the refresh, a poll that returned (changes, or a
			 * quiet second on a live connection) means in step.
			 */
			if (!s.in_refresh)
				gr_sync_status_touch(cfg, s.status, time(NULL));
			/*
			 * A quiet second after changes: give the heap that the
			 * publish freed back to the system.  Not after every
			 * commit: a burst would pay for faulting it in again
			 * (13% more CPU per write, 10 hosts x 30 writes).
			 * Between bursts the agent holds 0.6 MB less (RssAnon
			 * 2.3 instead of 2.9 MB at 1,000 users).
			 */
			if (s.trim && !s.in_refresh && quiet_since(&s.committed)) {
				malloc_trim(0);
				s.trim = false;
			}
			if (once && *ready)
				break;
		}
	}
	if (rc == LDAP_SYNC_REFRESH_REQUIRED) {
		/* The server cannot resume from our cookie: reload everything. */
		syslog(LOG_NOTICE, "grouprole-sync: %s: refresh required; reloading everything", uri);
		gr_fleet_abort(st, s.b);
		s.in_refresh = false;
		if ((r = gr_fleet_apply(st, s.b, "", false, &s.stats, err)) < 0)
			goto out;
		ldap_abandon_ext(ls.ls_ld, ls.ls_msgid, NULL, NULL);
		ls.ls_msgid = -1;
		goto restart;
	}
	r = 0;
	if (rc != LDAP_SUCCESS && !*stop)
		r = gr_err_set(err, -GR_E_IO, "%s: %s", uri, ldap_err2string(rc));
out:
	if (s.in_refresh)
		gr_fleet_abort(st, s.b); /* half a refresh never commits */
	if (s.status->server[0]) {
		s.status->server[0] = '\0';
		save_status(cfg, s.status);
	}
	ls.ls_base = NULL;
	ls.ls_filter = NULL;
	ls.ls_attrs = NULL;
	ldap_sync_destroy(&ls, 0);
	gr_fleet_batch_free(s.b);
	return r;
}

/* Sleep up to SECONDS, waking when *STOP is set. */
static void pause_for(double seconds, volatile sig_atomic_t *stop)
{
	while (seconds > 0 && !*stop) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		seconds -= 0.1;
	}
}

int gr_fleet_run(struct gr_store *st, const struct gr_fleet_hooks *hooks,
		 volatile sig_atomic_t *stop, bool once, struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(st);
	char secret[SECRET_MAX], uris[sizeof(cfg->ldap_uri)], *save = NULL, *uri;
	struct gr_sync_status status;
	double backoff = 1;
	bool ready = false;
	int r;

	if (!cfg->ldap_uri[0])
		return gr_err_set(err, -GR_E_CONFIG, "ldap_uri is not set: no server to follow");
	if ((r = gr_ldap_read_secret(cfg, cfg->ldap_secret_file, secret, sizeof(secret), err)) < 0)
		return r;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	gr_sync_status_init(cfg, &status);
	save_status(cfg, &status);
	while (!*stop) {
		strcpy(uris, cfg->ldap_uri);
		for (uri = strtok_r(uris, " \t", &save); uri && !*stop;
		     uri = strtok_r(NULL, " \t", &save)) {
			struct gr_err serr;

			gr_err_clear(&serr);
			r = session(st, cfg, uri, secret, hooks, &status, stop, once, &ready, &serr);
			if (once && ready)
				goto done;
			if (r < 0) {
				syslog(LOG_WARNING, "grouprole-sync: %s", gr_err_msg(&serr));
				snprintf(status.last_error, sizeof(status.last_error), "%s",
					 gr_err_msg(&serr));
				status.last_error_time = time(NULL);
				save_status(cfg, &status);
				continue;
			}
			backoff = 1; /* a session that ended cleanly: start over at once */
		}
		/* Every server failed: wait, with jitter so hosts do not return in step. */
		pause_for(backoff * (0.75 + 0.5 * rand() / (double)RAND_MAX), stop);
		backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
	}
done:
	status.running = false;
	status.server[0] = '\0';
	save_status(cfg, &status);
	explicit_bzero(secret, sizeof(secret));
	return 0;
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_appl.h>

#include "core/escape.h"
#include "core/names.h"
#include "fleet/syncstatus.h"
#include "pam/pamlogic.h"
#include "publish/loginsnap.h"

/* A log line stays readable and below what syslog daemons accept (8 KiB). */
#define LINE_MAX_BYTES 4000
#define FIELD_MAX 256

const char *gr_pam_decision_name(enum gr_pam_decision d)
{
	switch (d) {
	case GR_PAM_ALLOW: return "allow";
	case GR_PAM_IGNORE_UNKNOWN: return "ignore";
	case GR_PAM_DENY_UNKNOWN:
	case GR_PAM_DENY_INACTIVE:
	case GR_PAM_DENY_ROLE:
	case GR_PAM_NO_USER: return "deny";
	case GR_PAM_FAIL_OPEN: return "fail-open";
	case GR_PAM_FAIL_CLOSED: return "fail-closed";
	case GR_PAM_CONFIG_ERROR: return "config-error";
	}
	return "?";
}

int gr_pam_code(enum gr_pam_phase phase, enum gr_pam_decision d)
{
	if (phase == GR_PAM_CLOSE_SESSION)
		return PAM_SUCCESS;
	if (phase == GR_PAM_OPEN_SESSION) {
		switch (d) {
		case GR_PAM_ALLOW:
		case GR_PAM_IGNORE_UNKNOWN: return PAM_SUCCESS;
		case GR_PAM_FAIL_OPEN: return PAM_IGNORE;
		default: return PAM_SESSION_ERR;
		}
	}
	switch (d) {
	case GR_PAM_ALLOW: return PAM_SUCCESS;
	case GR_PAM_IGNORE_UNKNOWN:
	case GR_PAM_FAIL_OPEN: return PAM_IGNORE;
	case GR_PAM_DENY_UNKNOWN:
	case GR_PAM_NO_USER: return PAM_USER_UNKNOWN;
	case GR_PAM_DENY_INACTIVE:
	case GR_PAM_DENY_ROLE: return PAM_PERM_DENIED;
	case GR_PAM_FAIL_CLOSED: return PAM_AUTHINFO_UNAVAIL;
	case GR_PAM_CONFIG_ERROR: return PAM_SERVICE_ERR;
	}
	return PAM_SERVICE_ERR;
}

/* ---- arguments ---- */

int gr_pam_config(struct gr_config *cfg, int argc, const char **argv, struct gr_err *err)
{
	const char *file = NULL;
	struct gr_err sub;
	int i, r;

	gr_err_clear(err);
	if (argc < 0 || (argc > 0 && !argv))
		return gr_err_set(err, -GR_E_CONFIG, "invalid argument vector");
	for (i = 0; i < argc; i++) {
		if (!argv[i])
			return gr_err_set(err, -GR_E_CONFIG, "invalid argument vector");
		if (strncmp(argv[i], "config=", 7) != 0)
			continue;
		if (file)
			return gr_err_set(err, -GR_E_CONFIG, "'config=' given twice");
		file = argv[i] + 7;
		if (file[0] != '/')
			return gr_err_set(err, -GR_E_CONFIG,
					  "config=: expected an absolute path, got '%s'", file);
	}
	/* An explicitly named file must exist; the default one may be absent. */
	gr_err_clear(&sub);
	r = gr_config_load(cfg, file ? file : gr_config_default_path(), !file, &sub);
	if (r < 0)
		return gr_err_set(err, -GR_E_CONFIG, "%s", gr_err_msg(&sub));
	for (i = 0; i < argc; i++) {
		size_t klen = strcspn(argv[i], "=");
		int j;

		if (!strncmp(argv[i], "config=", 7))
			continue;
		/* As in the file: a key given twice is a conflict, not "last wins". */
		for (j = 0; j < i; j++) {
			if (!strncmp(argv[j], argv[i], klen) &&
			    (argv[j][klen] == '=' || argv[j][klen] == '\0'))
				return gr_err_set(err, -GR_E_CONFIG, "argument '%.*s' given twice",
						  (int)(klen > 64 ? 64 : klen), argv[i]);
		}
		gr_err_clear(&sub);
		r = gr_config_apply_arg(cfg, argv[i], &sub);
		if (r < 0 && strstr(gr_err_msg(&sub), "argument '"))
			return gr_err_set(err, -GR_E_CONFIG, "%s", gr_err_msg(&sub));
		if (r < 0)
			return gr_err_set(err, -GR_E_CONFIG, "argument '%.64s': %s", argv[i],
					  gr_err_msg(&sub));
	}
	r = gr_config_validate(cfg, err);
	return r < 0 ? -GR_E_CONFIG : 0;
}

bool gr_pam_fail_closed(const struct gr_config *cfg)
{
	if (cfg->fail == GR_FAIL_OPEN)
		return false;
	if (cfg->fail == GR_FAIL_CLOSED)
		return true;
	return cfg->n_require_role > 0;
}

static bool holds_required(const struct gr_config *cfg, const char *const *roles, size_t n)
{
	unsigned i;
	size_t j;

	for (i = 0; i < cfg->n_require_role; i++)
		for (j = 0; j < n; j++)
			if (!strcmp(cfg->require_role[i], roles[j]))
				return true;
	return false;
}

enum gr_pam_decision gr_pam_decide(const struct gr_config *cfg, bool db_ok, bool known,
				   bool inactive, const char *const *roles, size_t n_roles)
{
	if (!db_ok)
		return gr_pam_fail_closed(cfg) ? GR_PAM_FAIL_CLOSED : GR_PAM_FAIL_OPEN;
	if (!known) {
		/* require_role is a positive list: an unknown user holds nothing. */
		if (cfg->n_require_role)
			return GR_PAM_DENY_ROLE;
		return cfg->unknown == GR_UNKNOWN_DENY ? GR_PAM_DENY_UNKNOWN
						       : GR_PAM_IGNORE_UNKNOWN;
	}
	if (inactive)
		return GR_PAM_DENY_INACTIVE;
	if (cfg->n_require_role && !holds_required(cfg, roles, n_roles))
		return GR_PAM_DENY_ROLE;
	return GR_PAM_ALLOW;
}

/* ---- reading the login snapshot ---- */

/*
 * Everything a decision needs comes from state_dir/login.tdb, which the
 * publisher writes after each commit and replaces by rename.  It is opened
 * read-only: libtdb takes no locks on such a handle, so no writer of
 * directory.tdb -- stopped inside a commit, or committing a large import --
 * can make a login wait.  directory.tdb itself is never opened here.
 */
struct lookup {
	struct gr_login_user *u; /* NULL: not in the directory */
	bool resolved;           /* the snapshot was read */
	bool system;             /* a local system account: directory entry ignored */
	uint64_t generation;
	int64_t created;
};

static void lookup_free(struct lookup *lk)
{
	gr_login_user_free(lk->u);
	memset(lk, 0, sizeof(*lk));
}

/*
 * A directory entry never speaks for a local system account (root, daemons):
 * a deactivated "root@corp.example" must not lock root out, nor hand roles to
 * a service account.  The publisher should not map such names at all; this
 * is the second line.  An NSS failure counts as "system", as names.h asks.
 */
static bool system_account(const struct gr_config *cfg, const char *user)
{
	unsigned long lo, hi;

	if (gr_reserved_user_name(user))
		return true;
	gr_login_defs_uid_range(GR_LOGIN_DEFS, &lo, &hi);
	if (gr_login_is_system(user, lo, hi) == 0)
		return false;
	/*
	 * users = yes: grouprole's own accounts have uids from uid_min..uid_max,
	 * above login.defs' UID_MAX, and are the directory's users, not the
	 * system's (their deactivation must still deny them).
	 */
	return !cfg->users || gr_login_is_system(user, cfg->uid_min, cfg->uid_max) != 0;
}

static int lookup_user(const struct gr_config *cfg, const char *user, struct lookup *lk,
		       struct gr_err *err)
{
	struct gr_login_snap *snap = NULL;
	int r;

	r = gr_login_snap_open(cfg, &snap, err);
	if (r < 0)
		return r;
	lk->generation = gr_login_snap_header(snap)->generation;
	lk->created = gr_login_snap_header(snap)->created;
	r = gr_login_snap_lookup(snap, user, &lk->u, err);
	gr_login_snap_close(snap);
	if (r == -ENOENT)
		r = 0;
	if (r < 0)
		return r;
	if (lk->u && system_account(cfg, user)) {
		gr_login_user_free(lk->u);
		lk->u = NULL;
		lk->system = true;
	}
	/* Assignments that expired since the publish no longer count. */
	if (lk->u)
		gr_login_user_expire(lk->u, (int64_t)time(NULL));
	lk->resolved = true;
	return 0;
}

/* ---- formatting ---- */

/*
 * Every field is key="value", every value escaped by gr_esc_put (GR_ESC_LOG:
 * printable ASCII only, '"', '\\' and every other byte as \xNN), so nothing
 * a user name or the directory holds can end a field, add one, or start a
 * line.
 */
static void put_field(FILE *f, const char *key, const char *value, size_t max)
{
	fprintf(f, "%s%s=\"", ftell(f) > 0 ? " " : "", key);
	gr_esc_put(f, value, max, GR_ESC_LOG);
	fputc('"', f);
}

/*
 * One directory string inside a list value (from=, groups=): escaped as
 * above, and the list separators ',' and ';' as well, so a group named
 * "x; admin: group y" cannot add a reason inside the quotes either.
 */
static void put_item(FILE *f, const char *s)
{
	char buf[FIELD_MAX * 4 + 8];
	const char *p;

	gr_esc(buf, sizeof(buf), s ? s : "", GR_ESC_LOG);
	for (p = buf; *p; p++) {
		if (*p == ',' || *p == ';')
			fprintf(f, "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, f);
	}
}

static void put_time(FILE *f, int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		fputs(buf, f);
	else
		fprintf(f, "%lld", (long long)t);
}

/* The same words as "grouprolectl user show". */
static void put_provenance(FILE *f, const struct gr_provenance *p)
{
	switch (p->kind) {
	case GR_SRC_GROUP:
		fputs("group ", f);
		put_item(f, p->detail);
		break;
	case GR_SRC_ORG_GROUP:
		fputs("group ", f);
		put_item(f, p->detail);
		fputs(" in organization ", f);
		put_item(f, p->context);
		break;
	case GR_SRC_ATTRIBUTE:
		fputs("attribute ", f);
		put_item(f, p->context);
		fputs(" = ", f);
		put_item(f, p->detail);
		break;
	case GR_SRC_DEFAULT:
		fputs("default role", f);
		break;
	case GR_SRC_ASSIGNMENT:
		fputs("assignment on ", f);
		put_item(f, p->detail);
		if (p->expires) {
			fputs(" until ", f);
			put_time(f, p->expires);
		}
		break;
	}
}

static char *roles_csv(const struct gr_login_user *u)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (i = 0; u && i < u->n_roles; i++)
		fprintf(f, "%s%s", i ? "," : "", u->roles[i].slug);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char *reason_text(enum gr_pam_decision d, bool system)
{
	switch (d) {
	case GR_PAM_IGNORE_UNKNOWN:
		return system ? "local system account, its directory entry is ignored"
			      : "not in the directory";
	case GR_PAM_DENY_UNKNOWN:
		return system ? "local system account, its directory entry is ignored "
				"(unknown=deny)"
			      : "not in the directory (unknown=deny)";
	case GR_PAM_DENY_INACTIVE: return "deactivated in the directory";
	case GR_PAM_NO_USER: return "no user name";
	default: return NULL;
	}
}

/* Cut an over-long line where it stands rather than lose it. */
static char *finish_line(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	if (strlen(*buf) > LINE_MAX_BYTES)
		strcpy(*buf + LINE_MAX_BYTES - 3, "...");
	return *buf;
}

static char *format_line(const struct gr_config *cfg, const char *user,
			 enum gr_pam_decision d, const char *why, const struct lookup *lk)
{
	char *buf = NULL, *list = NULL;
	size_t len = 0, llen = 0, i, j;
	FILE *f = open_memstream(&buf, &len), *l;
	const struct gr_login_user *u = lk && lk->resolved ? lk->u : NULL;

	if (!f)
		return NULL;
	put_field(f, "user", user && user[0] ? user : "?", GR_UNIX_NAME_MAX * 2);
	put_field(f, "result", gr_pam_decision_name(d), FIELD_MAX);
	l = open_memstream(&list, &llen);
	if (!l) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (d == GR_PAM_DENY_ROLE) {
		fputs("holds none of the required roles (", l);
		for (i = 0; i < cfg->n_require_role; i++)
			fprintf(l, "%s%s", i ? "," : "", cfg->require_role[i]);
		fputs(")", l);
	} else if (why) {
		fputs(why, l);
	} else if (reason_text(d, lk && lk->system)) {
		fputs(reason_text(d, lk && lk->system), l);
	}
	fflush(l);
	if (llen)
		put_field(f, "reason", list, 512);
	fclose(l);
	free(list);
	list = NULL;
	if (u) {
		put_field(f, "directory", u->dir, FIELD_MAX);
		/* The list values are built escaped item by item, then written as they are. */
		l = open_memstream(&list, &llen);
		if (!l) {
			fclose(f);
			free(buf);
			return NULL;
		}
		if (d == GR_PAM_DENY_INACTIVE) {
			/* No roles to show: the groups say what the account still belongs to. */
			for (i = 0; i < u->n_groups; i++) {
				fputs(i ? ", " : "", l);
				put_item(l, u->groups[i]);
			}
			fclose(l);
			fprintf(f, " groups=\"%s\"", list);
		} else {
			for (i = 0; i < u->n_roles; i++) {
				fputs(i ? "," : "", l);
				put_item(l, u->roles[i].slug);
			}
			fclose(l);
			fprintf(f, " roles=\"%s\" from=\"", list);
			for (i = 0; i < u->n_roles; i++) {
				const struct gr_login_role *rr = &u->roles[i];

				fputs(i ? "; " : "", f);
				put_item(f, rr->slug);
				fputs(": ", f);
				for (j = 0; j < rr->n_prov; j++) {
					fputs(j ? ", " : "", f);
					put_provenance(f, &rr->prov[j]);
				}
			}
			fputc('"', f);
		}
		free(list);
	}
	return finish_line(f, &buf);
}

static int priority_of(enum gr_pam_decision d)
{
	switch (d) {
	case GR_PAM_ALLOW:
	case GR_PAM_IGNORE_UNKNOWN: return LOG_INFO;
	case GR_PAM_FAIL_OPEN: return LOG_WARNING;
	case GR_PAM_FAIL_CLOSED:
	case GR_PAM_CONFIG_ERROR: return LOG_ERR;
	default: return LOG_NOTICE;
	}
}

static char *xstrdup(const char *s, int *r)
{
	char *d = strdup(s);

	if (!d)
		*r = -ENOMEM;
	return d;
}

static double elapsed_us(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e6 + (double)(b.tv_nsec - a->tv_nsec) / 1e3;
}

/*
 * On a fleet host out of step for longer than max_staleness: the warning
 * line, or NULL.  One stat(); a host without grouprole-sync has no status
 * file and never warns.
 */
static char *stale_warning(const struct gr_config *cfg, const char *user,
			   enum gr_pam_decision d)
{
	char *buf = NULL, num[160];
	size_t len = 0;
	int64_t age;
	FILE *f;

	if (!cfg->max_staleness || gr_sync_staleness(cfg, time(NULL), &age) < 0 ||
	    age <= (int64_t)cfg->max_staleness)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	put_field(f, "user", user ? user : "", FIELD_MAX);
	put_field(f, "result", gr_pam_decision_name(d), FIELD_MAX);
	snprintf(num, sizeof(num),
		 "host stale: last in step with the fleet %lld s ago (max_staleness %u s); "
		 "deciding from local data", (long long)age, cfg->max_staleness);
	put_field(f, "warning", num, sizeof(num));
	return finish_line(f, &buf);
}

int gr_pam_evaluate(const struct gr_config *cfg, enum gr_pam_phase phase, const char *user,
		    const char *previous, struct gr_pam_outcome *out)
{
	struct lookup lk;
	struct gr_err err;
	struct timespec t0;
	const char **slugs = NULL;
	const char *why = NULL;
	char *dbg = NULL;
	size_t dlen = 0, i;
	bool db_ok = false;
	int r = 0, lr = 0;

	memset(out, 0, sizeof(*out));
	memset(&lk, 0, sizeof(lk));
	gr_err_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	if (!user || !user[0]) {
		out->decision = GR_PAM_NO_USER;
	} else {
		lr = lookup_user(cfg, user, &lk, &err);
		db_ok = lr == 0;
		if (!db_ok)
			why = gr_err_msg(&err);
		if (db_ok && lk.u && lk.u->n_roles) {
			slugs = calloc(lk.u->n_roles, sizeof(*slugs));
			if (!slugs) {
				/* No sound decision without the role list: fail as configured. */
				db_ok = false;
				why = "out of memory";
				r = -ENOMEM;
			}
			for (i = 0; slugs && i < lk.u->n_roles; i++)
				slugs[i] = lk.u->roles[i].slug;
		}
		out->decision = gr_pam_decide(cfg, db_ok, lk.resolved && lk.u,
					      lk.u && !lk.u->active, slugs,
					      db_ok && lk.u ? lk.u->n_roles : 0);
	}
	out->pam_code = gr_pam_code(phase, out->decision);
	out->priority = priority_of(out->decision);
	out->resolved = db_ok;
	if (db_ok) {
		out->roles = roles_csv(lk.u);
		if (!out->roles)
			r = -ENOMEM;
	}
	if (out->decision == GR_PAM_FAIL_OPEN || out->decision == GR_PAM_FAIL_CLOSED) {
		/* Name the configured outcome, so the line explains the code. */
		const char *mode = gr_pam_fail_closed(cfg) ? "fail=closed" : "fail=open";
		char buf[sizeof(err.msg) + 64];

		snprintf(buf, sizeof(buf), "login snapshot unavailable (%s): %s", mode,
			 why ? why : "unknown error");
		out->line = format_line(cfg, user, out->decision, buf, NULL);
	} else {
		out->line = format_line(cfg, user, out->decision, NULL, &lk);
	}
	if (!out->line)
		r = -ENOMEM;

	/*
	 * "DECISION ROLES": the account phase stores it, the session phase
	 * compares, so a normal login logs once and a change in between shows.
	 */
	if (asprintf(&out->summary, "%s %s", gr_pam_decision_name(out->decision),
		     out->roles ? out->roles : "-") < 0) {
		out->summary = NULL;
		r = -ENOMEM;
	}
	out->log = true;
	if (phase == GR_PAM_OPEN_SESSION && previous && out->summary &&
	    !strcmp(previous, out->summary))
		out->log = false;
	if (cfg->quiet && out->priority == LOG_INFO)
		out->log = false;
	/* Once per login: at the account phase, or a session no account phase preceded. */
	if (phase == GR_PAM_ACCOUNT || (phase == GR_PAM_OPEN_SESSION && !previous))
		out->warning = stale_warning(cfg, user, out->decision);

	if (cfg->debug) {
		FILE *f = open_memstream(&dbg, &dlen);

		if (f) {
			char num[64];

			fputs("debug:", f);
			put_field(f, "config", cfg->path, FIELD_MAX);
			put_field(f, "state_dir", cfg->state_dir, FIELD_MAX);
			snprintf(num, sizeof(num), "%llu", (unsigned long long)lk.generation);
			put_field(f, "generation", num, FIELD_MAX);
			fputs(" published=\"", f);
			if (lk.created)
				put_time(f, lk.created);
			fputc('"', f);
			put_field(f, "previous", previous ? previous : "", FIELD_MAX);
			snprintf(num, sizeof(num), "%.0f", elapsed_us(&t0));
			put_field(f, "elapsed_us", num, FIELD_MAX);
			out->debug = finish_line(f, &dbg);
		}
	}
	free(slugs);
	lookup_free(&lk);
	return r;
}

int gr_pam_config_failure(enum gr_pam_phase phase, const char *user, const struct gr_err *err,
			  struct gr_pam_outcome *out)
{
	char buf[sizeof(err->msg) + 64];
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->decision = GR_PAM_CONFIG_ERROR;
	out->pam_code = gr_pam_code(phase, out->decision);
	out->priority = LOG_ERR;
	out->log = true;
	snprintf(buf, sizeof(buf), "configuration error, refusing: %s", gr_err_msg(err));
	out->line = format_line(NULL, user, out->decision, buf, NULL);
	out->summary = xstrdup("config-error -", &r);
	if (!out->line)
		r = -ENOMEM;
	return r;
}

int gr_pam_close(const struct gr_config *cfg, const char *user, const char *roles,
		 struct gr_pam_outcome *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	out->decision = GR_PAM_ALLOW;
	out->pam_code = gr_pam_code(GR_PAM_CLOSE_SESSION, out->decision);
	out->priority = LOG_INFO;
	out->log = !cfg->quiet;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	put_field(f, "user", user && user[0] ? user : "?", GR_UNIX_NAME_MAX * 2);
	put_field(f, "result", "closed", FIELD_MAX);
	if (roles)
		put_field(f, "roles", roles, LINE_MAX_BYTES / 2);
	out->line = finish_line(f, &buf);
	return out->line ? 0 : -ENOMEM;
}

void gr_pam_outcome_free(struct gr_pam_outcome *out)
{
	if (!out)
		return;
	free(out->line);
	free(out->roles);
	free(out->summary);
	free(out->debug);
	free(out->warning);
	memset(out, 0, sizeof(*out));
}

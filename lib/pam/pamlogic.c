/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_appl.h>

#include "resolve/facts.h"
#include "pam/pamlogic.h"
#include "resolve/resolve.h"
#include "store/roles.h"
#include "store/store.h"

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

/* ---- reading the directory ---- */

struct lookup {
	struct gr_store *st;
	struct gr_context *ctx;
	struct gr_facts *f;
	struct gr_resolve_input in;
	struct gr_role_ref *catalog;
	struct gr_resolution res;
	bool resolved;
	unsigned long long generation;
};

static void lookup_free(struct lookup *lk)
{
	gr_resolution_free(&lk->res);
	free(lk->catalog);
	gr_facts_free(lk->f);
	gr_context_free(lk->ctx);
	gr_store_close(lk->st); /* drops the read lock */
	memset(lk, 0, sizeof(*lk));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Every role slug the user's facts name, sorted and unique, so the catalog
 * needs one fetch per named role instead of a walk over the whole database.
 * gr_resolve only asks the catalog whether a role exists and its priority,
 * so this catalog gives exactly the result the full one would.
 */
static int named_slugs(const struct gr_resolve_input *in, const char ***out, size_t *n_out)
{
	const char **s;
	size_t n = 0, cap = 1, i, j;

	for (i = 0; i < in->n_groups; i++)
		cap += in->groups[i].n_tenant_roles + in->groups[i].n_org_roles;
	cap += in->n_attr_values + in->n_assignments;
	s = calloc(cap, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0; i < in->n_groups; i++) {
		for (j = 0; j < in->groups[i].n_tenant_roles; j++)
			s[n++] = in->groups[i].tenant_roles[j];
		for (j = 0; j < in->groups[i].n_org_roles; j++)
			s[n++] = in->groups[i].org_roles[j];
	}
	for (i = 0; i < in->n_attr_values; i++)
		s[n++] = in->attr_values[i];
	for (i = 0; i < in->n_assignments; i++)
		s[n++] = in->assignments[i].role;
	if (in->default_role)
		s[n++] = in->default_role;
	for (i = j = 0; i < n; i++)
		if (s[i])
			s[j++] = s[i];
	n = j;
	if (n > 1)
		qsort(s, n, sizeof(*s), cmp_str);
	for (i = j = 0; i < n; i++)
		if (j == 0 || strcmp(s[j - 1], s[i]))
			s[j++] = s[i];
	*out = s;
	*n_out = j;
	return 0;
}

static int build_catalog(struct lookup *lk, struct gr_err *err)
{
	const char **slugs = NULL;
	struct gr_role role;
	size_t n = 0, i, k = 0;
	int r;

	r = named_slugs(&lk->in, &slugs, &n);
	if (r < 0)
		return gr_err_set(err, r, "out of memory");
	lk->catalog = calloc(n ? n : 1, sizeof(*lk->catalog));
	if (!lk->catalog) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct gr_err sub;

		gr_err_clear(&sub);
		r = gr_role_get(lk->st, slugs[i], &role, &sub);
		/* Deleted roles and names that are no slug drop out, as in gr_resolve. */
		if (r == -GR_E_NOTFOUND || r == -GR_E_INVALID)
			continue;
		if (r < 0) {
			r = gr_err_set(err, r, "%s", gr_err_msg(&sub));
			goto out;
		}
		lk->catalog[k].slug = slugs[i];
		lk->catalog[k].priority = role.priority;
		k++;
	}
	r = 0;
	lk->in.catalog = lk->catalog;
	lk->in.n_catalog = k;
out:
	free(slugs);
	return r;
}

static int lookup_user(const struct gr_config *cfg, const char *user, struct lookup *lk,
		       struct gr_err *err)
{
	uint64_t gen = 0;
	int r;

	r = gr_store_open(cfg, GR_STORE_READ, &lk->st, err);
	if (r == -ENOENT && !err->msg[0])
		gr_err_set(err, r, "%s/%s: no such file", cfg->state_dir, GR_STORE_FILE);
	if (r < 0)
		return r;
	/*
	 * One shared lock for the whole lookup, so every fact comes from the same
	 * committed state; writers wait only while we read.
	 */
	r = gr_store_read_lock(lk->st, err);
	if (r < 0)
		return r;
	r = gr_store_generation(lk->st, &gen, err);
	if (r < 0)
		return r;
	lk->generation = gen;
	r = gr_context_load_host(lk->st, &lk->ctx, err);
	if (r < 0)
		return r;
	r = gr_facts_load_login(lk->st, lk->ctx, user, &lk->f, err);
	if (r < 0)
		return r;
	lk->in = *gr_facts_input(lk->f);
	r = build_catalog(lk, err);
	if (r < 0)
		return r;
	r = gr_resolve(&lk->in, &lk->res);
	if (r < 0)
		return gr_err_set(err, r, "out of memory");
	lk->resolved = true;
	return 0;
}

/* ---- formatting ---- */

void gr_pam_put_escaped(FILE *f, const char *s, size_t max)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= max) {
			fputs("...", f);
			return;
		}
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
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
		gr_pam_put_escaped(f, p->detail, FIELD_MAX);
		break;
	case GR_SRC_ORG_GROUP:
		fputs("group ", f);
		gr_pam_put_escaped(f, p->detail, FIELD_MAX);
		fputs(" in organization ", f);
		gr_pam_put_escaped(f, p->context, FIELD_MAX);
		break;
	case GR_SRC_ATTRIBUTE:
		fputs("attribute ", f);
		gr_pam_put_escaped(f, p->context, FIELD_MAX);
		fputs(" = ", f);
		gr_pam_put_escaped(f, p->detail, FIELD_MAX);
		break;
	case GR_SRC_DEFAULT:
		fputs("default role", f);
		break;
	case GR_SRC_ASSIGNMENT:
		fputs("assignment on ", f);
		gr_pam_put_escaped(f, p->detail, FIELD_MAX);
		if (p->expires) {
			fputs(" until ", f);
			put_time(f, p->expires);
		}
		break;
	}
}

static char *roles_csv(const struct gr_resolution *res)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (i = 0; i < res->n_roles; i++)
		fprintf(f, "%s%s", i ? "," : "", res->roles[i].slug);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char *reason_text(enum gr_pam_decision d)
{
	switch (d) {
	case GR_PAM_IGNORE_UNKNOWN: return "not in the directory";
	case GR_PAM_DENY_UNKNOWN: return "not in the directory (unknown=deny)";
	case GR_PAM_DENY_INACTIVE: return "deactivated in the directory";
	case GR_PAM_NO_USER: return "no user name";
	default: return NULL;
	}
}

static void put_required(FILE *f, const struct gr_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->n_require_role; i++)
		fprintf(f, "%s%s", i ? "," : "", cfg->require_role[i]);
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
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&buf, &len);
	const char *reason = reason_text(d);

	if (!f)
		return NULL;
	fputs("user=", f);
	gr_pam_put_escaped(f, user && user[0] ? user : "?", GR_UNIX_NAME_MAX * 2);
	fprintf(f, " result=%s", gr_pam_decision_name(d));
	if (d == GR_PAM_DENY_ROLE) {
		fputs(" reason=\"holds none of the required roles (", f);
		put_required(f, cfg);
		fputs(")\"", f);
	} else if (why) {
		fputs(" reason=\"", f);
		gr_pam_put_escaped(f, why, 512);
		fputs("\"", f);
	} else if (reason) {
		fprintf(f, " reason=\"%s\"", reason);
	}
	if (lk && lk->resolved && lk->in.known && d == GR_PAM_DENY_INACTIVE) {
		/* No roles to show: the groups say what the account still belongs to. */
		fputs(" directory=", f);
		gr_pam_put_escaped(f, gr_facts_dir(lk->f), FIELD_MAX);
		fputs(" groups=\"", f);
		for (i = 0; i < lk->in.n_groups; i++) {
			if (i)
				fputs(", ", f);
			gr_pam_put_escaped(f, lk->in.groups[i].name, FIELD_MAX);
		}
		fputs("\"", f);
	} else if (lk && lk->resolved && lk->in.known) {
		fputs(" directory=", f);
		gr_pam_put_escaped(f, gr_facts_dir(lk->f), FIELD_MAX);
		fputs(" roles=\"", f);
		for (i = 0; i < lk->res.n_roles; i++)
			fprintf(f, "%s%s", i ? "," : "", lk->res.roles[i].slug);
		fputs("\" from=\"", f);
		for (i = 0; i < lk->res.n_roles; i++) {
			const struct gr_resolved_role *rr = &lk->res.roles[i];

			fprintf(f, "%s%s: ", i ? "; " : "", rr->slug);
			for (j = 0; j < rr->n_prov; j++) {
				if (j)
					fputs(", ", f);
				put_provenance(f, &rr->prov[j]);
			}
		}
		fputs("\"", f);
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
		if (db_ok && lk.res.n_roles) {
			slugs = calloc(lk.res.n_roles, sizeof(*slugs));
			if (!slugs) {
				/* No sound decision without the role list: fail as configured. */
				db_ok = false;
				why = "out of memory";
				r = -ENOMEM;
			}
			for (i = 0; slugs && i < lk.res.n_roles; i++)
				slugs[i] = lk.res.roles[i].slug;
		}
		out->decision = gr_pam_decide(cfg, db_ok, lk.resolved && lk.in.known,
					      lk.res.inactive, slugs, db_ok ? lk.res.n_roles : 0);
	}
	out->pam_code = gr_pam_code(phase, out->decision);
	out->priority = priority_of(out->decision);
	out->resolved = db_ok;
	if (db_ok) {
		out->roles = roles_csv(&lk.res);
		if (!out->roles)
			r = -ENOMEM;
	}
	if (out->decision == GR_PAM_FAIL_OPEN || out->decision == GR_PAM_FAIL_CLOSED) {
		/* Name the configured outcome, so the line explains the code. */
		const char *mode = gr_pam_fail_closed(cfg) ? "fail=closed" : "fail=open";
		char buf[sizeof(err.msg) + 64];

		snprintf(buf, sizeof(buf), "database unavailable (%s): %s", mode,
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

	if (cfg->debug) {
		FILE *f = open_memstream(&dbg, &dlen);

		if (f) {
			fputs("debug: config=", f);
			gr_pam_put_escaped(f, cfg->path, FIELD_MAX);
			fputs(" state_dir=", f);
			gr_pam_put_escaped(f, cfg->state_dir, FIELD_MAX);
			fprintf(f, " generation=%llu catalog=%zu previous=\"", lk.generation,
				lk.in.n_catalog);
			gr_pam_put_escaped(f, previous ? previous : "", FIELD_MAX);
			fprintf(f, "\" elapsed_us=%.0f", elapsed_us(&t0));
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
	fputs("user=", f);
	gr_pam_put_escaped(f, user && user[0] ? user : "?", GR_UNIX_NAME_MAX * 2);
	fputs(" result=closed", f);
	if (roles) {
		fputs(" roles=\"", f);
		gr_pam_put_escaped(f, roles, LINE_MAX_BYTES / 2);
		fputs("\"", f);
	}
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
	memset(out, 0, sizeof(*out));
}

/* SPDX-License-Identifier: MIT */
/*
 * pam_grouprole.so: enterprise roles at login.
 *
 *   account   look the user's roles up in the published login.tdb and decide
 *   session   look up again, export GROUPROLE_ROLES; log the end on close
 *   auth      setcred only, which succeeds and changes nothing
 *
 * The entry points only talk to PAM: the arguments, the decision and the log
 * line come from lib/pam/pamlogic.c, which the unit tests drive directly.  There
 * is deliberately no pam_sm_authenticate: the module proves nothing about who
 * the user is, and listing it in an "auth" stack then fails (libpam reports
 * the missing symbol) instead of silently succeeding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pam/pamlogic.h"

#define GR_PAM_EXPORT __attribute__((visibility("default")))

/* pam_set_data keys: what account decided, and what the session exported. */
#define DATA_ACCOUNT "pam_grouprole:account"
#define DATA_ROLES "pam_grouprole:roles"

#define ENV_ROLES "GROUPROLE_ROLES"

static void free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* Keep a copy of S under NAME for later phases of this PAM handle. */
static void remember(pam_handle_t *pamh, const char *name, const char *s)
{
	char *copy = s ? strdup(s) : NULL;

	if (!copy || pam_set_data(pamh, name, copy, free_data) != PAM_SUCCESS)
		free(copy); /* only costs a repeated log line later */
}

static const char *recall(pam_handle_t *pamh, const char *name)
{
	const void *data = NULL;

	if (pam_get_data(pamh, name, &data) != PAM_SUCCESS)
		return NULL;
	return data;
}

/*
 * PAM_USER as the application set it.  pam_get_user() would prompt for a
 * name when there is none, which is not this module's business.
 */
static const char *pam_user(pam_handle_t *pamh)
{
	const void *item = NULL;

	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS)
		return NULL;
	return item;
}

static void emit(pam_handle_t *pamh, const struct gr_pam_outcome *out)
{
	if (out->log)
		pam_syslog(pamh, out->priority, "%s",
			   out->line ? out->line : "out of memory formatting the log line");
	if (out->warning)
		pam_syslog(pamh, LOG_WARNING, "%s", out->warning);
	if (out->debug)
		pam_syslog(pamh, LOG_DEBUG, "%s", out->debug);
}

/* Export the resolved roles; an inherited GROUPROLE_ROLES is overwritten. */
static int export_roles(pam_handle_t *pamh, const char *roles)
{
	char *kv = NULL;
	int r;

	if (asprintf(&kv, "%s=%s", ENV_ROLES, roles) < 0)
		return PAM_BUF_ERR;
	r = pam_putenv(pamh, kv);
	free(kv);
	return r;
}

static int run(pam_handle_t *pamh, enum gr_pam_phase phase, int argc, const char **argv)
{
	struct gr_pam_outcome out;
	struct gr_config *cfg;
	struct gr_err err;
	const char *user = pam_user(pamh);
	int code, r;

	/* struct gr_config is ~20 KiB: too much for a stack we do not own. */
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		pam_syslog(pamh, LOG_CRIT, "out of memory");
		return phase == GR_PAM_CLOSE_SESSION ? PAM_SUCCESS : PAM_BUF_ERR;
	}
	if (gr_pam_config(cfg, argc, argv, &err) < 0)
		gr_pam_config_failure(phase, user, &err, &out);
	else if (phase == GR_PAM_CLOSE_SESSION)
		gr_pam_close(cfg, user, recall(pamh, DATA_ROLES), &out);
	else
		gr_pam_evaluate(cfg, phase, user,
				phase == GR_PAM_OPEN_SESSION ? recall(pamh, DATA_ACCOUNT) : NULL,
				&out);
	code = out.pam_code;

	if (phase == GR_PAM_ACCOUNT)
		remember(pamh, DATA_ACCOUNT, out.summary);
	if (phase == GR_PAM_OPEN_SESSION && code == PAM_SUCCESS && out.resolved) {
		r = out.roles ? export_roles(pamh, out.roles) : PAM_BUF_ERR;
		if (r != PAM_SUCCESS) {
			/* A stale inherited value could survive: do not open the session. */
			pam_syslog(pamh, LOG_ERR, "cannot export %s: %s", ENV_ROLES,
				   pam_strerror(pamh, r));
			code = PAM_SESSION_ERR;
		}
		remember(pamh, DATA_ROLES, out.roles);
	}
	emit(pamh, &out);
	gr_pam_outcome_free(&out);
	free(cfg);
	return code;
}

GR_PAM_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	return run(pamh, GR_PAM_ACCOUNT, argc, argv);
}

GR_PAM_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
				      const char **argv)
{
	(void)flags;
	return run(pamh, GR_PAM_OPEN_SESSION, argc, argv);
}

GR_PAM_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
				       const char **argv)
{
	(void)flags;
	return run(pamh, GR_PAM_CLOSE_SESSION, argc, argv);
}

/* Roles reach the session through NSS and the environment: no credentials to set. */
GR_PAM_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* SPDX-License-Identifier: MIT */
#ifndef GR_PAMLOGIC_H
#define GR_PAMLOGIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/config.h"
#include "core/gr_error.h"

/*
 * Everything pam_grouprole.so decides, as plain functions: argument handling,
 * the access decision, its PAM return code and the log line.  The module's
 * entry points only fetch the user from PAM and hand the outcome to
 * pam_syslog, pam_putenv and pam_set_data; this file uses PAM's constants but
 * no libpam function, so it is unit-tested without a PAM stack.
 *
 * The decision (pam_sm_acct_mgmt; pam_sm_open_session applies the same one
 * again, for applications that never call pam_acct_mgmt):
 *
 *   arguments or config file not understood   CONFIG_ERROR   PAM_SERVICE_ERR
 *   login snapshot missing, unreadable,        FAIL_OPEN      PAM_IGNORE
 *     unsafe, or built for another host context
 *     (fail=open, the default without          FAIL_CLOSED    PAM_AUTHINFO_UNAVAIL
 *      require_role; fail=closed, the default with it)
 *   user not in the directory, require_role    DENY_ROLE      PAM_PERM_DENIED
 *   user not in the directory, unknown=deny    DENY_UNKNOWN   PAM_USER_UNKNOWN
 *   user not in the directory, unknown=ignore  IGNORE_UNKNOWN PAM_IGNORE
 *   user deactivated in the directory          DENY_INACTIVE  PAM_PERM_DENIED
 *   holds none of require_role's roles         DENY_ROLE      PAM_PERM_DENIED
 *   otherwise                                  ALLOW          PAM_SUCCESS
 *
 * A configuration error fails closed for every user, root included: a
 * misspelt "require_rol=admin" must not quietly admit everyone, and the
 * module cannot tell which of the words it could not read mattered.
 */

enum gr_pam_phase {
	GR_PAM_ACCOUNT = 0,
	GR_PAM_OPEN_SESSION,
	GR_PAM_CLOSE_SESSION,
};

enum gr_pam_decision {
	GR_PAM_ALLOW = 0,
	GR_PAM_IGNORE_UNKNOWN,
	GR_PAM_DENY_UNKNOWN,
	GR_PAM_DENY_INACTIVE,
	GR_PAM_DENY_ROLE,
	GR_PAM_FAIL_OPEN,
	GR_PAM_FAIL_CLOSED,
	GR_PAM_CONFIG_ERROR,
	GR_PAM_NO_USER, /* PAM has no user name for us: PAM_USER_UNKNOWN */
};

/* "allow", "ignore", "deny", "fail-open", "fail-closed", "config-error", ... */
const char *gr_pam_decision_name(enum gr_pam_decision d);

/*
 * The PAM return code for D in PHASE.  In sessions a denial is
 * PAM_SESSION_ERR, and closing a session always succeeds: there is nothing
 * left to protect, and an error there only confuses the application.
 */
int gr_pam_code(enum gr_pam_phase phase, enum gr_pam_decision d);

/*
 * Read the module arguments into CFG: first the file named by "config=FILE"
 * (which must exist), or else gr_config_default_path() (which may be
 * missing), then every other argument in order through gr_config_apply_arg,
 * then gr_config_validate.  Arguments override the file wherever they
 * stand.  A second "config=" or a relative one, any key given twice, an
 * unknown key or an invalid value is an error (-GR_E_CONFIG with a
 * sentence), never a guess.
 */
int gr_pam_config(struct gr_config *cfg, int argc, const char **argv, struct gr_err *err);

/* The effective fail mode: fail= when set, else closed with require_role, else open. */
bool gr_pam_fail_closed(const struct gr_config *cfg);

/*
 * The decision table above as a pure function: DB_OK says whether the
 * database could be read; the rest describes the user (ROLES: the slugs
 * resolved for them).
 */
enum gr_pam_decision gr_pam_decide(const struct gr_config *cfg, bool db_ok, bool known,
				   bool inactive, const char *const *roles, size_t n_roles);

/*
 * The outcome of one call.  Strings are malloc()ed and released by
 * gr_pam_outcome_free; any of them may be NULL after an allocation failure,
 * in which case the decision and code still stand.
 */
struct gr_pam_outcome {
	enum gr_pam_decision decision;
	int pam_code;
	bool log;       /* log LINE (false: nothing worth a line, or quiet) */
	int priority;   /* syslog priority of LINE */
	char *line;     /* user="alice" result="allow" roles="..." ... */
	bool resolved;  /* the database was read: ROLES is the truth */
	char *roles;    /* comma-separated slugs, "" for none */
	char *summary;  /* "DECISION ROLES", remembered between account and session */
	char *debug;    /* detail for the debug option, or NULL */
	char *warning;  /* a LOG_WARNING line (the host is stale), or NULL */
};

/*
 * Decide for USER (may be NULL) in PHASE with the configuration CFG (already
 * read by gr_pam_config).  PREVIOUS is the summary this PAM handle's account
 * phase stored (NULL when there was none); an open session whose decision
 * and roles match it does not log again, so a login logs one line.  Reads
 * only state_dir/login.tdb (lib/publish/loginsnap.h), opened read-only
 * without locks and closed again; never opens directory.tdb, never writes.
 * On a fleet host out of step for longer than max_staleness (one stat() of
 * state_dir/sync.status, fleet/syncstatus.h), WARNING says so, once per
 * login; the decision is the same as ever -- the host stays autonomous.  Always fills OUT; returns 0, or -ENOMEM when OUT's strings could
 * not all be built.
 */
int gr_pam_evaluate(const struct gr_config *cfg, enum gr_pam_phase phase, const char *user,
		    const char *previous, struct gr_pam_outcome *out);

/*
 * Fill OUT for a configuration error ERR in PHASE, for USER (may be NULL).
 */
int gr_pam_config_failure(enum gr_pam_phase phase, const char *user, const struct gr_err *err,
			  struct gr_pam_outcome *out);

/*
 * The line for the end of a session: user="alice" result="closed" roles="admin,dev".  ROLES
 * is what the open session exported (may be NULL).
 */
int gr_pam_close(const struct gr_config *cfg, const char *user, const char *roles,
		 struct gr_pam_outcome *out);

void gr_pam_outcome_free(struct gr_pam_outcome *out);

#endif

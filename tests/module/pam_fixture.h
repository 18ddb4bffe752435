/* SPDX-License-Identifier: MIT */
#ifndef GR_PAM_FIXTURE_H
#define GR_PAM_FIXTURE_H

/*
 * A small, known directory for the PAM module's tests, built through the
 * library exactly as grouprolectl would build it.  Shared by the module tests
 * and the PAM benchmark; reports errors by return code so either can use it.
 *
 * Directory "okta", host organization "acme", host resources "host:web1":
 *   alice  active    Engineering (-> admin), Staff (-> dev)
 *   bob    active    Staff (-> dev)
 *   carol  inactive  Engineering
 *   dave   active    no groups
 *   erin   active    Platform (-> ops in organization acme; explicit member),
 *                    assignment auditor on host:web1 until PF_EXPIRY
 * Roles (priority): admin (10), auditor (5), dev (20), ops (1), and "unused"
 * (0), which nobody holds.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/gr_error.h"

#define PF_EXPIRY 4070908800LL /* 2099-01-01T00:00:00Z */

/* Write a grouprole.conf (mode 0600) naming STATE_DIR, plus EXTRA lines (may be NULL). */
int pf_write_conf(const char *path, const char *state_dir, const char *extra);

/*
 * Build the directory above in the state_dir of config file CONF and publish
 * it (nss.tdb, login.tdb).  Every change below publishes too.
 */
int pf_build_small(const char *conf, struct gr_err *err);

/*
 * Deactivate (ACTIVE false) or reactivate user ID "u1".."u5" by a full
 * re-import with the same groups, as a real directory sync would do it.
 */
int pf_set_active(const char *conf, const char *id, int active, struct gr_err *err);

/* Map (ADD true) or unmap the tenant role SLUG on group NAME. */
int pf_group_role(const char *conf, const char *group, const char *slug, int add,
		  struct gr_err *err);

/* Copy file SRC to DST (replaced) with mode MODE; 0 or -errno. */
int pf_copy_file(const char *src, const char *dst, unsigned mode);

/* Remove every file below PATH and PATH itself (test clean-up). */
void pf_rm_rf(const char *path);


/*
 * Hand-made login snapshots, for what the publisher cannot produce on
 * demand: assignments that expired after the publish, system accounts in the
 * directory, hostile names.  Written with the publisher's own writer
 * (lib/publish/loginsnap.h) into the state_dir of CONF.
 */
struct pf_prov {
	int kind;           /* enum gr_source */
	const char *detail; /* group name, resource, attribute value */
	const char *context;
	int64_t expires;
};

struct pf_role {
	const char *slug;
	struct pf_prov prov[4];
};

struct pf_login {
	const char *login;
	bool inactive;
	const char *groups[4];
	struct pf_role roles[4];
};

int pf_write_login(const char *conf, const struct pf_login *users, size_t n,
		   struct gr_err *err);

#endif

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

#include <stddef.h>

#include "core/gr_error.h"

#define PF_EXPIRY 4070908800LL /* 2099-01-01T00:00:00Z */

/* Write a grouprole.conf (mode 0600) naming STATE_DIR, plus EXTRA lines (may be NULL). */
int pf_write_conf(const char *path, const char *state_dir, const char *extra);

/* Build the directory above in the state_dir of config file CONF. */
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

#endif

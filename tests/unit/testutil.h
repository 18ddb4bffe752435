/* SPDX-License-Identifier: MIT */
#ifndef GR_TESTUTIL_H
#define GR_TESTUTIL_H

/* Shared set-up for the unit tests: a private state directory and config. */

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "core/config.h"
#include "store/records.h"
#include "store/roles.h"
#include "store/store.h"

struct tu_env {
	char dir[PATH_MAX - 64]; /* temporary directory, removed by tu_teardown */
	char state[PATH_MAX]; /* state_dir inside it */
	char conf[PATH_MAX];  /* grouprole.conf inside it */
	struct gr_config cfg;
};

/*
 * Create a temporary directory with a config (test_mode = yes, state_dir
 * inside it) plus the extra "key = value" lines in EXTRA (may be NULL), and
 * load it into env->cfg.  Fails the test on error.
 */
void tu_setup(struct tu_env *env, const char *extra);
void tu_teardown(struct tu_env *env);

/* Open (creating) the store of ENV; fails the test on error. */
struct gr_store *tu_open(struct tu_env *env);

/*
 * Replace NSS group lookups with a fixed table: root 0, sudo 27, adm 4,
 * docker 999, ops 5000, legacy 200005.  Call tu_host_groups_reset() after.
 */
void tu_fake_host_groups(void);
void tu_host_groups_reset(void);

/*
 * The fixture many tests share: a store in a fresh state directory (gid
 * range 300000-310000, room for GR_ROLES_MAX roles) with the fake host
 * groups.  tu_fx_setup and tu_fx_teardown are cmocka setup and teardown
 * functions; *state is the struct tu_fx.
 */
struct tu_fx {
	struct tu_env env;
	struct gr_store *st;
	struct gr_err err;
};
int tu_fx_setup(void **state);
int tu_fx_teardown(void **state);

/* SCIM resources for tests (new references). */
json_t *tu_user(const char *id, const char *user_name, bool active);
json_t *tu_group(const char *id, const char *name, const char *const *members, size_t n);

/* Run FN inside a transaction and commit; fails the test on error. */
void tu_commit(struct gr_store *st);

/* Create a role with default options; returns its gid. */
uint32_t tu_role(struct gr_store *st, const char *slug, int priority);

#define tu_assert_ok(expr, errp)                                                         \
	do {                                                                               \
		int tu_r_ = (expr);                                                       \
		if (tu_r_ < 0)                                                             \
			fail_msg("%s = %d: %s", #expr, tu_r_, gr_err_msg(errp));             \
	} while (0)

/*
 * EXPR must fail with exactly CODE, and the sentence in *ERRP must contain
 * SUBSTR: a test that only checked "< 0" would pass on the wrong error.
 */
#define tu_assert_fails(expr, errp, code, substr)                                        \
	do {                                                                               \
		int tu_r_ = (expr);                                                       \
		if (tu_r_ != (code))                                                       \
			fail_msg("%s = %d (%s), expected %d (%s)", #expr, tu_r_,             \
				 gr_err_msg(errp), (int)(code), gr_strerror(code));           \
		if (!strstr(gr_err_msg(errp), (substr)))                                   \
			fail_msg("%s: message \"%s\" lacks \"%s\"", #expr, gr_err_msg(errp),   \
				 (substr));                                                 \
	} while (0)

/*
 * Every record of ST as "key=value\n" lines sorted by key (malloc()ed), for
 * comparing a whole database before and after an operation that must not
 * change it.  Keys equal to SKIP (may be NULL, e.g. "meta") are left out.
 */
char *tu_dump(struct gr_store *st, const char *skip);

/*
 * Another process on the same database, forked before this one opens it
 * (libtdb lets a process open a file only once): FN runs in the child
 * with CFG, reading one-byte commands from IN and answering on OUT, and
 * must _exit (cmocka's asserts would unwind the parent's copy of the
 * runner).  tu_peer_stop sends 'q' and asserts it exited 0.
 */
struct tu_peer {
	pid_t pid;
	int to, from; /* the parent's ends */
};
void tu_peer_start(struct tu_peer *p, struct gr_config *cfg,
		   void (*fn)(struct gr_config *cfg, int in, int out));
void tu_peer_stop(struct tu_peer *p);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_NSS_FIXTURE_H
#define GR_NSS_FIXTURE_H

/*
 * Set-up shared by the NSS module tests: a private state directory with a
 * grouprole.conf that GROUPROLE_CONF points at, snapshots written with the
 * library's own snapshot writer (temporary file, then rename, as the
 * publisher does), and the built module loaded with dlopen, its entry
 * points found with dlsym.
 */

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <nss.h>
#include <stddef.h>
#include <stdint.h>

struct nf_env {
	char dir[PATH_MAX - 256]; /* temporary directory, removed by nf_teardown */
	char state[PATH_MAX - 128];
	char conf[PATH_MAX - 128];
	char snap[PATH_MAX];     /* state/nss.tdb */
};

struct nf_group {
	const char *name;
	uint32_t gid;
	const char *const *members;
	uint32_t n;
};

struct nf_user {
	const char *login;
	const uint32_t *gids;
	uint32_t n;
};

/* The eleven entry points, as dlsym found them. */
struct nf_mod {
	void *handle;
	enum nss_status (*getgrnam_r)(const char *, struct group *, char *, size_t, int *);
	enum nss_status (*getgrgid_r)(gid_t, struct group *, char *, size_t, int *);
	enum nss_status (*setgrent)(int);
	enum nss_status (*getgrent_r)(struct group *, char *, size_t, int *);
	enum nss_status (*endgrent)(void);
	enum nss_status (*initgroups_dyn)(const char *, gid_t, long int *, long int *, gid_t **,
					  long int, int *);
	enum nss_status (*getpwnam_r)(const char *, struct passwd *, char *, size_t, int *);
	enum nss_status (*getpwuid_r)(uid_t, struct passwd *, char *, size_t, int *);
	enum nss_status (*setpwent)(int);
	enum nss_status (*getpwent_r)(struct passwd *, char *, size_t, int *);
	enum nss_status (*endpwent)(void);
};

struct gr_snap_account_in;

/*
 * nf_publish with accounts too (users = yes), and key lines for the logins
 * in KEY_LOGINS (KEYS[i] for KEY_LOGINS[i]).
 */
int nf_publish_accounts(const struct nf_env *env, const struct nf_group *groups,
			size_t n_groups, const struct gr_snap_account_in *accounts,
			size_t n_accounts, const char *const *key_logins,
			const char *const *keys, size_t n_keys);

/*
 * Create a temporary directory with state/ and a config naming it (test_mode
 * = yes unless EXTRA says otherwise; EXTRA may be NULL), and point
 * GROUPROLE_CONF at it.  Fails the test on error.
 */
void nf_setup(struct nf_env *env, const char *extra);
void nf_teardown(struct nf_env *env);

/*
 * A cmocka test's state: nf_setup into a new nf_env, with every lookup
 * checking the snapshot's identity (GROUPROLE_NSS_RECHECK_MS=0).
 */
void *nf_env_new(const char *extra);
/* Unload check: the module is -z nodelete, so dlclose must be harmless. */
void nf_module_unload(struct nf_mod *mod);

/* Rewrite ENV's config with LINES (test_mode is not added; state_dir unless LINES set it). */
void nf_write_conf(struct nf_env *env, const char *lines);

/*
 * Publish a snapshot of these groups and users at ENV->snap through a
 * temporary file and rename.  Returns 0 or a negative code.
 */
int nf_publish(const struct nf_env *env, const struct nf_group *groups, size_t n_groups,
	       const struct nf_user *users, size_t n_users);

/* Load the built module (GR_NSS_MODULE_PATH); fails the test on error. */
void nf_module_load(struct nf_mod *mod);

/* Space-separated member names of GR, in order, into OUT. */
void nf_members(const struct group *gr, char *out, size_t len);

/* Run a shell command line; returns its exit status (-1 when it did not exit). */
int nf_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

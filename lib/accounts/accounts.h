/* SPDX-License-Identifier: MIT */
#ifndef GR_ACCOUNTS_H
#define GR_ACCOUNTS_H

/*
 * Accounts (users = yes): directory users as passwd entries.
 *
 * Store side: every directory user gets a uid from uid_min..uid_max the first
 * time it is stored, keyed on (directory, SCIM id) so a rename keeps it.
 * Records in directory.tdb:
 *
 *   account/DIR/UID   {"uid": n}
 *   uids              {"next": n}   the high-water mark: uids below it were
 *                                   handed out once and are never again
 *
 * Deleting a user drops its account record; the high-water mark never goes
 * down, so a uid is never reused, not even for the same SCIM id coming back.
 * A uid that another NSS source already knows (getpwuid, and getgrgid for
 * the private group that shares the number) is skipped.  Our own module
 * never answers inside grouprole's programs (lib/core/tdbfile.h), and could
 * not know a candidate anyway: it only serves uids below the mark.
 *
 * With users = no nothing here writes anything.
 *
 * Publish side: gr_account_load() turns a stored user into the passwd fields
 * the publisher writes to nss.tdb (lib/publish/pwsnap.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/config.h"
#include "core/safefile.h"
#include "store/store.h"

/*
 * Give user (DIR, ID) a uid unless it has one.  Inside a transaction.
 * -GR_E_EXHAUSTED when the range is used up, with a sentence saying so.
 */
int gr_account_assign(struct gr_store *st, const char *dir, const char *id, struct gr_err *err);

/*
 * Give every user without a uid one (users stored before users = yes), in
 * key order.  Inside a transaction.  -GR_E_REFUSED with users = no.
 */
int gr_accounts_allocate(struct gr_store *st, size_t *allocated, struct gr_err *err);

/* Drop user (DIR, ID)'s account record (the uid stays spent).  Inside a transaction. */
int gr_account_release(struct gr_store *st, const char *dir, const char *id,
		       struct gr_err *err);

/* The uid of (DIR, ID): 0 and *UID, or -GR_E_NOTFOUND. */
int gr_account_uid(struct gr_store *st, const char *dir, const char *id, uint32_t *uid,
		   struct gr_err *err);

/* One user's passwd fields and keys, as the publisher writes them. */
struct gr_account {
	uint32_t uid;
	uint32_t gid;     /* the private group (= uid) or users_gid */
	char *gecos;
	char *home;
	char *shell;
	char *keys;       /* key lines, '\n'-separated, NULL when none */
	size_t keys_len;
};

/*
 * Fill A for user (DIR, ID) holding LOGIN, from its account record and SCIM
 * resource.  Returns 1 when filled, 0 when the user has no uid yet, or a
 * negative code.  A owns its strings: gr_account_clear.
 *
 *   GECOS  displayName, else name.formatted, else "givenName familyName";
 *          ':' and control characters dropped
 *   home   home_template with %u, %U, %d expanded
 *   shell  the shell_attribute's value when /etc/shells lists it, else
 *          default_shell
 *   keys   the ssh_keys_attribute's values, each one line (no checking here:
 *          grouprole-ssh-keys checks every key before it prints it)
 */
int gr_account_load(struct gr_store *st, const char *dir, const char *id, const char *login,
		    struct gr_account *a, struct gr_err *err);
void gr_account_clear(struct gr_account *a);

/* Expand home_template for LOGIN (uid UID, directory DIR) into OUT. */
int gr_account_home(const struct gr_config *cfg, const char *login, uint32_t uid,
		    const char *dir, char *out, size_t len);

/* Is SHELL listed in SHELLS_PATH (one path per line, '#' comments)? */
bool gr_account_shell_listed(const char *shells_path, const char *shell);

/*
 * The host's other accounts, to leave a directory login alone when a local
 * account has it: every login NSS enumerates (our own module stays out of
 * grouprole's programs, lib/core/tdbfile.h).  Listed again only when
 * /etc/passwd changed (its inode, size or mtime).
 */
struct gr_local_accounts {
	json_t *byname;    /* {login: true} */
	struct gr_file_stamp stamp; /* /etc/passwd when listed */
};
/* 1 when listed again, 0 when the cached list stands, or a negative code. */
int gr_local_accounts_refresh(struct gr_local_accounts *l, struct gr_err *err);
void gr_local_accounts_free(struct gr_local_accounts *l);
/* Does a local account hold LOGIN? */
bool gr_local_accounts_shadow(const struct gr_local_accounts *l, const char *login);

/*
 * With users = yes: the users an admin should hear about, as
 * [{"userName", "login", "reason"}] (new reference): logins a local account
 * has, users without a uid.  An empty array with users = no.  Takes the
 * store's read side itself (gr_store_walk).
 */
int gr_accounts_report(struct gr_store *st, json_t **out, struct gr_err *err);

#endif

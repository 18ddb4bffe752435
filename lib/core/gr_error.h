/* SPDX-License-Identifier: MIT */
#ifndef GR_ERROR_H
#define GR_ERROR_H

/*
 * Error handling for libgrouprole.
 *
 * Every internal function returns 0 (or a non-negative count) on success and
 * a negative code on failure: either a negated errno value (-ENOENT, -EINVAL,
 * -ENOMEM, ...) or one of the grouprole-specific codes below, which sit far
 * above the errno range.  gr_strerror() turns any of them into words.
 *
 * Most functions also take an optional struct gr_err, which receives one
 * human-readable sentence with the context (file, key, name) that a bare code
 * cannot carry.  Library code never prints or logs; callers decide where the
 * sentence goes (stderr, syslog, a SCIM error body).
 */

#include <stddef.h>

enum {
	GR_E_BASE = 10000,
	GR_E_SCHEMA,      /* database schema is newer or unknown */
	GR_E_CORRUPT,     /* a record does not decode */
	GR_E_UNSAFE,      /* file owner or mode is not trustworthy */
	GR_E_CONFIG,      /* configuration file or argument is invalid */
	GR_E_CONFLICT,    /* name, id or gid already taken */
	GR_E_EXHAUSTED,   /* gid range used up */
	GR_E_RESERVED,    /* reserved group name or gid */
	GR_E_INVALID,     /* invalid input (SCIM resource, name, value) */
	GR_E_REFUSED,     /* request understood but refused by a safety rule */
	GR_E_IO,          /* database I/O failed */
	GR_E_LOCK,        /* could not take a lock */
	GR_E_NOTFOUND,    /* named object does not exist */
	GR_E_UNSYNCED,    /* a commit was applied but the disk did not confirm it */
	GR_E_LIMIT,       /* a limit of the store (store/limits.h) is reached */
	GR_E_UNAVAILABLE, /* store = ldap: no LDAP provider acknowledged the write */
	GR_E_LAST
};

struct gr_err {
	int code;
	char msg[512];
};

/* Return a static description of CODE (negative errno or GR_E_*). */
const char *gr_strerror(int code);

/*
 * Record CODE and a formatted sentence in ERR (which may be NULL) and return
 * CODE, so callers can write "return gr_err_set(err, -EINVAL, ...)".
 */
int gr_err_set(struct gr_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clear ERR (may be NULL). */
void gr_err_clear(struct gr_err *err);

/*
 * The message to show for ERR: its sentence when one was set, otherwise the
 * description of its code.  Never NULL.
 */
const char *gr_err_msg(const struct gr_err *err);

#endif

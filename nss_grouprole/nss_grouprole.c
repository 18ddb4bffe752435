/* SPDX-License-Identifier: MIT */
/*
 * libnss_grouprole.so.2: grouprole's roles as Unix groups and, with
 * users = yes, directory users as passwd entries.
 *
 * Only the NSS entry points live here; the snapshot handle, the enumeration
 * cursor and the packing of entries are in lib/nss_state.c.  This file turns
 * their 0 / negative-code results into glibc's statuses:
 *
 *   0        NSS_STATUS_SUCCESS    errno untouched
 *   -ENOENT  NSS_STATUS_NOTFOUND   errno untouched
 *   -ERANGE  NSS_STATUS_TRYAGAIN   *errnop = ERANGE (caller retries, larger buffer)
 *   -ENOMEM  NSS_STATUS_TRYAGAIN   *errnop = ENOMEM
 *   other    NSS_STATUS_UNAVAIL    *errnop = the errno, or EIO for grouprole codes
 *
 * The module is loaded into every process that looks up a group, so it never
 * prints, never logs and leaves the caller's errno as it found it unless it
 * reports an error (the errno value glibc passes is usually &errno itself,
 * and our own failed stat/open calls must not leak into it).
 */
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>

#include "core/gr_error.h"
#include "publish/nss_state.h"

#define _public_ __attribute__((visibility("default")))

/* Lets the compiler check every signature against glibc's own prototypes. */
NSS_DECLARE_MODULE_FUNCTIONS(grouprole)

static enum nss_status status_of(int r, int *errnop, int saved_errno)
{
	errno = saved_errno;
	switch (r) {
	case 0:
		return NSS_STATUS_SUCCESS;
	case -ENOENT:
		return NSS_STATUS_NOTFOUND;
	case -ERANGE:
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	case -ENOMEM:
		*errnop = ENOMEM;
		return NSS_STATUS_TRYAGAIN;
	default:
		*errnop = (r < 0 && -r < GR_E_BASE) ? -r : EIO;
		return NSS_STATUS_UNAVAIL;
	}
}

_public_ enum nss_status _nss_grouprole_getgrnam_r(const char *name, struct group *gr,
						   char *buf, size_t len, int *errnop)
{
	int saved = errno;

	return status_of(gr_nss_getgrnam(name, gr, buf, len), errnop, saved);
}

_public_ enum nss_status _nss_grouprole_getgrgid_r(gid_t gid, struct group *gr, char *buf,
						   size_t len, int *errnop)
{
	int saved = errno;

	return status_of(gr_nss_getgrgid(gid, gr, buf, len), errnop, saved);
}

_public_ enum nss_status _nss_grouprole_setgrent(int stayopen)
{
	int saved = errno, dummy;

	/* STAYOPEN is about keeping files open between calls; we always do. */
	(void)stayopen;
	return status_of(gr_nss_setgrent(), &dummy, saved);
}

_public_ enum nss_status _nss_grouprole_getgrent_r(struct group *gr, char *buf, size_t len,
						   int *errnop)
{
	int saved = errno;

	return status_of(gr_nss_getgrent(gr, buf, len), errnop, saved);
}

_public_ enum nss_status _nss_grouprole_endgrent(void)
{
	int saved = errno;

	gr_nss_endgrent();
	errno = saved;
	return NSS_STATUS_SUCCESS;
}

_public_ enum nss_status _nss_grouprole_initgroups_dyn(const char *user, gid_t group,
						       long int *start, long int *size,
						       gid_t **groupsp, long int limit,
						       int *errnop)
{
	int saved = errno;

	return status_of(gr_nss_initgroups(user, group, start, size, groupsp, limit), errnop,
			 saved);
}

_public_ enum nss_status _nss_grouprole_getpwnam_r(const char *name, struct passwd *pw,
						   char *buf, size_t len, int *errnop)
{
	int saved = errno;

	return status_of(gr_nss_getpwnam(name, pw, buf, len), errnop, saved);
}

_public_ enum nss_status _nss_grouprole_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
						   size_t len, int *errnop)
{
	int saved = errno;

	return status_of(gr_nss_getpwuid(uid, pw, buf, len), errnop, saved);
}

_public_ enum nss_status _nss_grouprole_setpwent(int stayopen)
{
	int saved = errno, dummy;

	(void)stayopen;
	return status_of(gr_nss_setpwent(), &dummy, saved);
}

_public_ enum nss_status _nss_grouprole_getpwent_r(struct passwd *pw, char *buf, size_t len,
						   int *errnop)
{
	int saved = errno;

	return status_of(gr_nss_getpwent(pw, buf, len), errnop, saved);
}

_public_ enum nss_status _nss_grouprole_endpwent(void)
{
	int saved = errno;

	gr_nss_endpwent();
	errno = saved;
	return NSS_STATUS_SUCCESS;
}

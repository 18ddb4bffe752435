/* SPDX-License-Identifier: MIT */
/*
 * libnss_gr_noop.so.2: the NSS benchmark's dispatch floor.  It does as little
 * as an NSS module can while still answering: a fixed one-member entry for
 * every name that does not start with "nosuch" and every gid, NOTFOUND for
 * the rest, 20 fixed gids for initgroups, and $GR_NOOP_ENTRIES fixed entries
 * for an enumeration.  What glibc spends around it is the floor.
 */
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#define _public_ __attribute__((visibility("default")))

NSS_DECLARE_MODULE_FUNCTIONS(gr_noop)

static enum nss_status fill(struct group *gr, char *buf, size_t len, gid_t gid, int *errnop)
{
	static const char name[] = "noop", member[] = "benchuser";
	char **mem;

	if (len < 2 * sizeof(char *) + sizeof(name) + sizeof(member) + sizeof(char *)) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	mem = (char **)(void *)(buf + (-(unsigned long)buf & (sizeof(char *) - 1)));
	memcpy((char *)(mem + 2), name, sizeof(name));
	memcpy((char *)(mem + 2) + sizeof(name), member, sizeof(member));
	mem[0] = (char *)(mem + 2) + sizeof(name);
	mem[1] = NULL;
	gr->gr_name = (char *)(mem + 2);
	gr->gr_passwd = (char *)(mem + 2) + sizeof(name) - 1;
	gr->gr_gid = gid;
	gr->gr_mem = mem;
	return NSS_STATUS_SUCCESS;
}

_public_ enum nss_status _nss_gr_noop_getgrnam_r(const char *name, struct group *gr, char *buf,
						 size_t len, int *errnop)
{
	if (!strncmp(name, "nosuch", 6))
		return NSS_STATUS_NOTFOUND;
	return fill(gr, buf, len, 300000, errnop);
}

_public_ enum nss_status _nss_gr_noop_getgrgid_r(gid_t gid, struct group *gr, char *buf,
						 size_t len, int *errnop)
{
	return fill(gr, buf, len, gid, errnop);
}

static long entries, given;

_public_ enum nss_status _nss_gr_noop_setgrent(int stayopen)
{
	const char *v = getenv("GR_NOOP_ENTRIES");

	(void)stayopen;
	entries = v ? atol(v) : 0;
	given = 0;
	return NSS_STATUS_SUCCESS;
}

_public_ enum nss_status _nss_gr_noop_getgrent_r(struct group *gr, char *buf, size_t len,
						 int *errnop)
{
	if (given >= entries)
		return NSS_STATUS_NOTFOUND;
	given++;
	return fill(gr, buf, len, 300000, errnop);
}

_public_ enum nss_status _nss_gr_noop_endgrent(void)
{
	return NSS_STATUS_SUCCESS;
}

_public_ enum nss_status _nss_gr_noop_initgroups_dyn(const char *user, gid_t group,
						     long int *start, long int *size,
						     gid_t **groupsp, long int limit, int *errnop)
{
	long int k;

	(void)user;
	(void)group;
	(void)limit;
	for (k = 0; k < 20; k++) {
		if (*start == *size) {
			gid_t *ng = realloc(*groupsp, (size_t)(*size * 2) * sizeof(*ng));

			if (!ng) {
				*errnop = ENOMEM;
				return NSS_STATUS_TRYAGAIN;
			}
			*groupsp = ng;
			*size *= 2;
		}
		(*groupsp)[(*start)++] = (gid_t)(300000 + k);
	}
	return NSS_STATUS_SUCCESS;
}

/* passwd (bench/pw_bench.sh): a fixed entry for every name but "nosuch*" and every uid. */
static enum nss_status fill_pw(struct passwd *pw, char *buf, size_t len, uid_t uid, int *errnop)
{
	static const char s[] = "noop\0*\0Noop\0/home/noop\0/bin/sh";

	if (len < sizeof(s)) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	memcpy(buf, s, sizeof(s));
	pw->pw_name = buf;
	pw->pw_passwd = buf + 5;
	pw->pw_gecos = buf + 7;
	pw->pw_dir = buf + 12;
	pw->pw_shell = buf + 23;
	pw->pw_uid = uid;
	pw->pw_gid = uid;
	return NSS_STATUS_SUCCESS;
}

_public_ enum nss_status _nss_gr_noop_getpwnam_r(const char *name, struct passwd *pw, char *buf,
						 size_t len, int *errnop)
{
	if (!strncmp(name, "nosuch", 6))
		return NSS_STATUS_NOTFOUND;
	return fill_pw(pw, buf, len, 300000, errnop);
}

_public_ enum nss_status _nss_gr_noop_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
						 size_t len, int *errnop)
{
	return fill_pw(pw, buf, len, uid, errnop);
}

/* SPDX-License-Identifier: MIT */
#ifndef GR_NAMES_H
#define GR_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/gr_error.h"

/* Longest Unix user or group name we accept (useradd's and utmp's limit). */
#define GR_UNIX_NAME_MAX 32

/*
 * Role slugs, organization names and directory names: 1-64 characters of
 * [a-z0-9_-], starting with a letter or digit.  Slugs are immutable and end
 * up in Unix group names, log lines and environment variables, so they are
 * kept to characters that need no quoting anywhere.
 */
bool gr_valid_slug(const char *s);

/*
 * Unix user and group names: 1-32 characters, first [a-z_], then
 * [a-z0-9_.-], optionally ending in '$'; never all digits (it would read as
 * a uid).  WITH_AT additionally admits '@', for login names taken from a whole
 * userName.
 */
bool gr_valid_unix_name(const char *s, bool with_at);

/*
 * SCIM ids and externalIds as stored in keys: 1-255 printable ASCII
 * characters without '/' or spaces.
 */
bool gr_valid_id(const char *s);

/* Resources: "host:NAME" or "hostgroup:NAME", NAME as in gr_valid_hostname. */
bool gr_valid_resource(const char *s);

/* Host names: 1-64 characters of [a-z0-9.-], first a letter or digit. */
bool gr_valid_hostname(const char *s);

/*
 * Derive the Unix login name from a SCIM userName (or attribute value,
 * already extracted by the caller) according to MODE (enum gr_username_mode).
 * Lowercases; for GR_USERNAME_LOCALPART keeps the part before the first '@'.
 * The result is validated; an unmappable name yields -GR_E_INVALID and a
 * sentence in ERR, never a guess.
 */
int gr_login_from_username(const char *username, int mode, char *out, size_t outlen,
			   struct gr_err *err);

/*
 * The login name for VALUE -- the userName, or for username =
 * attribute:NAME the attribute's value, extracted by the caller -- under
 * CFG's username mode.  With localpart, VALUE must be "local@domain" with a
 * domain listed in login_domains (case-insensitive); an empty login_domains
 * maps nobody, so that a contractor's "alice@contractor.example" cannot
 * become an employee's "alice" by default.  Attribute values are Unix names
 * as they stand (no '@').  Errors as for gr_login_from_username; the
 * sentence embeds VALUE raw, so printing it needs gr_esc (GR_ESC_TERM).
 * Does not look at the host's accounts (see gr_login_is_system).
 */
struct gr_config;
int gr_login_map(const struct gr_config *cfg, const char *value, char *out, size_t outlen,
		 struct gr_err *err);

/*
 * Free text an admin sets (role names and descriptions): at most MAX bytes
 * of valid UTF-8 without C0 or C1 controls, DEL, or the bidi and line
 * separator code points that make a line read as something it is not.
 */
bool gr_valid_text(const char *s, size_t max);

/* Lowercase copy of S into OUT (ASCII only); -ENAMETOOLONG if it does not fit. */
int gr_lowercase(const char *s, char *out, size_t outlen);

/*
 * Reserved host group names (root, sudo, wheel, adm, ...) that a role may not
 * take unless explicitly bound to them.
 */
bool gr_reserved_group_name(const char *name);

/*
 * System accounts: a directory user never maps onto one.  Without this a
 * deactivated "root@corp.example" would make PAM deny root, and
 * "www-data@..." would hand role-admin to the web server.
 *
 * gr_reserved_user_name: names that are system accounts on any host
 * (root, daemon, nobody, sshd, www-data, systemd-*, ...), present or not.
 *
 * gr_login_defs_uid_range: UID_MIN and UID_MAX from the login.defs file at
 * PATH (GR_LOGIN_DEFS), the range useradd gives to people; defaults 1000
 * and 60000 when the file or a key is missing.  Returns 0 or -errno when the
 * file exists but cannot be read (the defaults are still filled in).
 *
 * gr_login_is_system: 1 when LOGIN is reserved, or is an account that NSS
 * knows with a uid outside UID_MIN..UID_MAX (root, daemons, nobody at
 * 65534); 0 when it is not; a negative errno when NSS failed, which callers
 * must treat as "yes".
 */
#define GR_LOGIN_DEFS "/etc/login.defs"
#define GR_LOGIN_DEFS_UID_MIN 1000UL
#define GR_LOGIN_DEFS_UID_MAX 60000UL
bool gr_reserved_user_name(const char *name);
int gr_login_defs_uid_range(const char *path, unsigned long *uid_min, unsigned long *uid_max);
int gr_login_is_system(const char *login, unsigned long uid_min, unsigned long uid_max);

#endif

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "names.h"

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/*
 * 1-64 characters of [a-z0-9] plus the characters in EXTRA, the first a
 * letter or digit.
 */
static bool valid_token(const char *s, const char *extra)
{
	size_t i;

	if (!s || !s[0] || !(is_lower(s[0]) || is_digit(s[0])))
		return false;
	for (i = 0; s[i]; i++) {
		if (i >= GR_NAME_MAX)
			return false;
		if (!(is_lower(s[i]) || is_digit(s[i]) || strchr(extra, s[i])))
			return false;
	}
	return true;
}

bool gr_valid_slug(const char *s)
{
	return valid_token(s, "-_");
}

bool gr_valid_unix_name(const char *s, bool with_at)
{
	size_t i, len;
	bool all_digits = true;

	if (!s)
		return false;
	len = strlen(s);
	if (len == 0 || len > GR_UNIX_NAME_MAX)
		return false;
	if (!(is_lower(s[0]) || s[0] == '_'))
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!is_digit(c))
			all_digits = false;
		if (is_lower(c) || is_digit(c) || c == '_' || c == '.' || c == '-')
			continue;
		if (c == '@' && with_at && i > 0 && i + 1 < len)
			continue;
		if (c == '$' && i == len - 1 && i > 0)
			continue;
		return false;
	}
	return !all_digits;
}

bool gr_valid_id(const char *s)
{
	size_t i;

	if (!s || !s[0])
		return false;
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 255 || c <= ' ' || c >= 0x7f || c == '/')
			return false;
	}
	return true;
}

bool gr_valid_hostname(const char *s)
{
	return valid_token(s, "-._");
}

bool gr_valid_resource(const char *s)
{
	if (!s)
		return false;
	if (!strncmp(s, "host:", 5))
		return gr_valid_hostname(s + 5);
	if (!strncmp(s, "hostgroup:", 10))
		return gr_valid_hostname(s + 10);
	return false;
}

int gr_lowercase(const char *s, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (i + 1 >= outlen)
			return -ENAMETOOLONG;
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	}
	if (outlen == 0)
		return -ENAMETOOLONG;
	out[i] = '\0';
	return 0;
}

int gr_login_from_username(const char *username, int mode, char *out, size_t outlen,
			   struct gr_err *err)
{
	char buf[256];
	char *at;

	if (!username || !username[0])
		return gr_err_set(err, -GR_E_INVALID, "empty user name");
	if (gr_lowercase(username, buf, sizeof(buf)) < 0)
		return gr_err_set(err, -GR_E_INVALID, "user name too long");
	if (mode == GR_USERNAME_LOCALPART) {
		at = strchr(buf, '@');
		if (at)
			*at = '\0';
	}
	if (!gr_valid_unix_name(buf, mode != GR_USERNAME_LOCALPART))
		return gr_err_set(err, -GR_E_INVALID,
				  "'%s' does not map to a valid Unix login name", username);
	if (strlen(buf) >= outlen)
		return gr_err_set(err, -ENAMETOOLONG, "login name too long");
	strcpy(out, buf);
	return 0;
}

/*
 * Groups that grant privilege or belong to the system on Debian, Fedora and
 * their derivatives.  A role that took one of these names would silently
 * hand out that privilege; binding to them must be explicit.
 */
static const char *const reserved_groups[] = {
	"adm", "admin", "audio", "backup", "bin", "cdrom", "crontab", "daemon",
	"dialout", "dip", "disk", "docker", "floppy", "games", "gnats", "input",
	"irc", "kmem", "kvm", "libvirt", "list", "lp", "lpadmin", "lxd", "mail",
	"man", "messagebus", "netdev", "news", "nobody", "nogroup", "operator",
	"plugdev", "proxy", "render", "root", "sasl", "sgx", "shadow", "src",
	"ssh", "ssl-cert", "staff", "sudo", "sys", "systemd-journal",
	"systemd-network", "systemd-resolve", "systemd-timesync", "tape", "tss",
	"tty", "users", "utmp", "uucp", "video", "voice", "wheel", "www-data",
};

bool gr_reserved_group_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(reserved_groups) / sizeof(reserved_groups[0]); i++)
		if (!strcmp(name, reserved_groups[i]))
			return true;
	return false;
}

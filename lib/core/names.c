/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/escape.h"
#include "core/names.h"

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
	/* Only a whole userName may keep its '@'; an attribute value is a plain name. */
	if (!gr_valid_unix_name(buf, mode == GR_USERNAME_USERNAME))
		return gr_err_set(err, -GR_E_INVALID,
				  "'%s' does not map to a valid Unix login name", username);
	if (strlen(buf) >= outlen)
		return gr_err_set(err, -ENAMETOOLONG, "login name too long");
	strcpy(out, buf);
	return 0;
}

static bool domain_listed(const struct gr_config *cfg, const char *domain)
{
	unsigned i;

	for (i = 0; i < cfg->n_login_domains; i++)
		if (!strcasecmp(cfg->login_domains[i], domain))
			return true;
	return false;
}

int gr_login_map(const struct gr_config *cfg, const char *value, char *out, size_t outlen,
		 struct gr_err *err)
{
	const char *at;

	if (cfg->username_mode == GR_USERNAME_LOCALPART && value && value[0]) {
		if (cfg->n_login_domains == 0)
			return gr_err_set(err, -GR_E_INVALID,
					  "username = localpart maps no user until login_domains lists the accepted domains");
		at = strchr(value, '@');
		if (!at)
			return gr_err_set(err, -GR_E_INVALID,
					  "'%s' has no domain; username = localpart maps only names in login_domains",
					  value);
		if (!domain_listed(cfg, at + 1))
			return gr_err_set(err, -GR_E_INVALID, "'%s': domain '%s' is not in login_domains",
					  value, at + 1);
	}
	return gr_login_from_username(value, (int)cfg->username_mode, out, outlen, err);
}

bool gr_valid_text(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	if (!s || strlen(s) > max)
		return false;
	while (u[i]) {
		n = gr_utf8_char(u + i, &cp);
		if (!n || gr_codepoint_is_control(cp))
			return false;
		i += n;
	}
	return true;
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

/*
 * Accounts that exist on Debian, Fedora and their derivatives (or that
 * packages create) for the system's own use.  A directory user may never
 * become one of them, whatever the host's passwd says today: the account
 * may be created by a package after the directory was imported.
 */
static const char *const reserved_users[] = {
	"_apt", "adm", "avahi", "backup", "bin", "chrony", "colord", "daemon",
	"dbus", "dnsmasq", "ftp", "games", "gdm", "gnats", "halt", "irc", "list",
	"lp", "mail", "man", "messagebus", "news", "nobody", "nfsnobody",
	"ntp", "operator", "polkitd", "postfix", "proxy", "root", "rpc",
	"rpcuser", "rtkit", "shutdown", "sshd", "sync", "sys", "syslog",
	"systemd-coredump", "systemd-network", "systemd-oom", "systemd-resolve",
	"systemd-timesync", "tcpdump", "tss", "uucp", "uuidd", "www-data",
};

bool gr_reserved_user_name(const char *name)
{
	size_t i;

	if (!strncmp(name, "systemd-", 8))
		return true;
	for (i = 0; i < sizeof(reserved_users) / sizeof(reserved_users[0]); i++)
		if (!strcmp(name, reserved_users[i]))
			return true;
	return false;
}

int gr_login_defs_uid_range(const char *path, unsigned long *uid_min, unsigned long *uid_max)
{
	char line[512];
	FILE *f;

	*uid_min = GR_LOGIN_DEFS_UID_MIN;
	*uid_max = GR_LOGIN_DEFS_UID_MAX;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char key[32];
		unsigned long v;
		char *end;
		const char *p = line;
		size_t n = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		while (n + 1 < sizeof(key) && ((*p >= 'A' && *p <= 'Z') || *p == '_'))
			key[n++] = *p++;
		key[n] = '\0';
		if (*p != ' ' && *p != '\t')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			continue;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || (*end && *end != '\n' && *end != ' ' && *end != '\t' && *end != '#'))
			continue;
		/* Values past 2^31 would be uids nobody can have: ignore them. */
		if (v > 0x7fffffffUL)
			continue;
		if (!strcmp(key, "UID_MIN"))
			*uid_min = v;
		else if (!strcmp(key, "UID_MAX"))
			*uid_max = v;
	}
	fclose(f);
	if (*uid_min > *uid_max || *uid_min == 0) {
		*uid_min = GR_LOGIN_DEFS_UID_MIN;
		*uid_max = GR_LOGIN_DEFS_UID_MAX;
	}
	return 0;
}

int gr_login_is_system(const char *login, unsigned long uid_min, unsigned long uid_max)
{
	struct passwd pw, *res = NULL;
	char stackbuf[4096];
	char *buf = stackbuf, *heap = NULL;
	size_t len = sizeof(stackbuf);
	int r;

	if (gr_reserved_user_name(login))
		return 1;
	for (;;) {
		r = getpwnam_r(login, &pw, buf, len, &res);
		if (r != ERANGE || len >= (1u << 20))
			break;
		len *= 4;
		free(heap);
		heap = malloc(len);
		if (!heap)
			return -ENOMEM;
		buf = heap;
	}
	if (r == 0 && res)
		r = res->pw_uid < uid_min || res->pw_uid > uid_max;
	else if (r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM)
		r = 0; /* no such local account (glibc's documented "not found" errnos) */
	else
		r = -r;
	free(heap);
	return r;
}

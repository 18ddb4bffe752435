/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/names.h"
#include "core/safefile.h"

void gr_config_defaults(struct gr_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->state_dir, GR_STATEDIR);
	strcpy(cfg->group_prefix, "role-");
	/*
	 * Above Debian's reserved 60000-65535 block and below systemd's
	 * container range (524288+), clear of DynamicUser (61184-65519).
	 */
	cfg->gid_min = 200000;
	cfg->gid_max = 299999;
	cfg->username_mode = GR_USERNAME_LOCALPART;
	strcpy(cfg->login_defs, GR_LOGIN_DEFS);
	/* Accounts: above the role gids (a private group shares its uid's number). */
	cfg->uid_min = 300000;
	cfg->uid_max = 499999;
	strcpy(cfg->home_template, "/home/%u");
	strcpy(cfg->default_shell, "/bin/bash");
	cfg->import_max_delete_percent = 25;
	cfg->hash_size = 131071;
	cfg->unknown = GR_UNKNOWN_IGNORE;
	cfg->fail = GR_FAIL_DEFAULT;
	/* Loopback until the admin configures TLS or a proxy: nothing listens on the network by default. */
	strcpy(cfg->scim_listen, "127.0.0.1:9636");
	strcpy(cfg->ldap_base, "ou=data,dc=grouprole");
	strcpy(cfg->ldap_bind_dn, "cn=hosts,ou=system,dc=grouprole");
	strcpy(cfg->ldap_writer_dn, "cn=writer,ou=system,dc=grouprole");
	cfg->scim_max_body = 4u << 20; /* a 10,000-member group push fits */
	cfg->scim_max_connections = 128;
	cfg->scim_per_ip = 32;
	cfg->scim_timeout = 30;
	cfg->scim_max_results = 1000;
	cfg->event_hook_timeout = 5;
	cfg->event_hook_queue = 1024;
	cfg->event_log_max = 10u << 20;
	/*
	 * An hour: a healthy host is never more than about two minutes out of
	 * step (reconnects back off to 60 s; a silent peer is noticed by TCP
	 * keepalive within 90 s), so an hour means a real outage, not a blip.
	 * Hosts without grouprole-sync have no sync status and never warn.
	 */
	cfg->max_staleness = 3600;
}

const char *gr_config_default_path(void)
{
	const char *p = secure_getenv("GROUPROLE_CONF");

	return (p && p[0]) ? p : GR_CONFIG_DEFAULT_PATH;
}

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long n;

	if (!v[0] || v[0] == '-' || v[0] == '+')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -ERANGE;
	*out = (uint32_t)n;
	return 0;
}

int gr_config_parse_duration(const char *v, uint32_t *out)
{
	static const struct {
		char suffix;
		uint32_t factor;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char *end;
	unsigned long long n;
	uint32_t factor = 1;
	size_t i;

	if (!v[0] || v[0] < '0' || v[0] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end) {
		for (i = 0; i < sizeof(units) / sizeof(units[0]) && units[i].suffix != *end; i++)
			;
		if (i == sizeof(units) / sizeof(units[0]) || end[1])
			return -EINVAL;
		factor = units[i].factor;
	}
	if (n > 365ull * 86400 / factor)
		return -EINVAL;
	*out = (uint32_t)(n * factor);
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Split V at spaces and commas into the fixed-size list.  Each item is
 * validated by VALID; the list is replaced, not appended to.  The new items
 * are collected aside and copied in only when all of them are valid, so a
 * refused value leaves the previous list intact.
 */
static int parse_list(const char *key, const char *v, char *list, size_t itemsz,
		      unsigned *count, bool allow_empty, bool (*valid)(const char *),
		      struct gr_err *err)
{
	char item[256];
	char tmp[GR_CONFIG_MAX_LIST * (GR_NAME_MAX * 2 + 2)];
	unsigned n = 0, i;
	const char *p = v;

	if (itemsz * GR_CONFIG_MAX_LIST > sizeof(tmp))
		return gr_err_set(err, -EINVAL, "%s: list item size too large", key);

	while (*p) {
		size_t len;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " ,\t");
		if (len >= sizeof(item) || len >= itemsz)
			return gr_err_set(err, -GR_E_CONFIG, "%s: item too long", key);
		memcpy(item, p, len);
		item[len] = '\0';
		if (!valid(item))
			return gr_err_set(err, -GR_E_CONFIG, "%s: invalid value '%s'", key,
					  item);
		if (n >= GR_CONFIG_MAX_LIST)
			return gr_err_set(err, -GR_E_CONFIG, "%s: more than %d items", key,
					  GR_CONFIG_MAX_LIST);
		strcpy(tmp + n * itemsz, item);
		n++;
		p += len;
	}
	if (n == 0 && !allow_empty)
		return gr_err_set(err, -GR_E_CONFIG, "%s: empty list", key);
	for (i = 0; i < n; i++)
		strcpy(list + i * itemsz, tmp + i * itemsz);
	*count = n;
	return 0;
}

static bool valid_prefix(const char *s)
{
	size_t i;

	if (strlen(s) > GR_PREFIX_MAX)
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || c == '_' || (i > 0 && ((c >= '0' && c <= '9') ||
								  c == '-' || c == '.'))))
			return false;
	}
	return true;
}

/* The numeric limits of grouprole-scimd and of events: key, bounds, field. */
static const struct {
	const char *key;
	uint32_t min, max;
	size_t offset;
} daemon_numbers[] = {
	{ "scim_max_body", 1024, 64u << 20, offsetof(struct gr_config, scim_max_body) },
	{ "scim_max_connections", 1, 10000, offsetof(struct gr_config, scim_max_connections) },
	{ "scim_per_ip", 1, 10000, offsetof(struct gr_config, scim_per_ip) },
	{ "scim_timeout", 1, 3600, offsetof(struct gr_config, scim_timeout) },
	{ "scim_max_results", 1, 10000, offsetof(struct gr_config, scim_max_results) },
	{ "event_hook_timeout", 1, 600, offsetof(struct gr_config, event_hook_timeout) },
	{ "event_hook_queue", 1, 1000000, offsetof(struct gr_config, event_hook_queue) },
	{ "event_log_max", 4096, 1u << 30, offsetof(struct gr_config, event_log_max) },
};

/*
 * %u, %U, %d and %% only, an absolute path, no ':' (it ends up in passwd),
 * and short enough expanded (a login and a directory name are at most
 * GR_NAME_MAX) for a passwd field of a snapshot (4096 bytes, pwsnap.h).
 */
static bool valid_home_template(const char *v)
{
	const char *p;
	size_t n = strlen(v);

	if (v[0] != '/' || strpbrk(v, ":\n"))
		return false;
	for (p = strchr(v, '%'); p; p = strchr(p + 2, '%')) {
		if (!p[1] || !strchr("uUd%", p[1]))
			return false;
		n += GR_NAME_MAX;
	}
	return n < 4096;
}

/* An attribute path for gr_scim_attr_values: non-empty, no blanks. */
static int set_attribute(char *dst, size_t len, const char *key, const char *v,
			 struct gr_err *err)
{
	if (strlen(v) >= len || strpbrk(v, " \t"))
		return gr_err_set(err, -GR_E_CONFIG, "%s: expected an attribute name or nothing", key);
	strcpy(dst, v);
	return 0;
}

static int set_accounts_key(struct gr_config *cfg, const char *key, const char *v,
			    struct gr_err *err)
{
	uint32_t n;

	if (!strcmp(key, "users")) {
		if (parse_bool(v, &cfg->users) < 0)
			return gr_err_set(err, -GR_E_CONFIG, "%s: expected yes or no", key);
	} else if (!strcmp(key, "uid_min") || !strcmp(key, "uid_max")) {
		/* Never below the normal-user range, never (uid_t)-1 or -2. */
		if (parse_u32(v, 1000, 4294967293u, &n) < 0)
			return gr_err_set(err, -GR_E_CONFIG,
					  "%s: must be a number from 1000 to 4294967293", key);
		*(key[5] == 'i' ? &cfg->uid_min : &cfg->uid_max) = n;
	} else if (!strcmp(key, "users_gid")) {
		if (parse_u32(v, 0, 4294967293u, &n) < 0)
			return gr_err_set(err, -GR_E_CONFIG,
					  "%s: must be a gid, or 0 for private groups", key);
		cfg->users_gid = n;
	} else if (!strcmp(key, "home_template")) {
		if (strlen(v) >= sizeof(cfg->home_template) || !valid_home_template(v))
			return gr_err_set(err, -GR_E_CONFIG,
					  "%s: expected an absolute path using only %%u, %%U, %%d and %%%%",
					  key);
		strcpy(cfg->home_template, v);
	} else if (!strcmp(key, "default_shell")) {
		if (v[0] != '/' || strlen(v) >= sizeof(cfg->default_shell) || strpbrk(v, ": \t"))
			return gr_err_set(err, -GR_E_CONFIG, "%s: must be an absolute path", key);
		strcpy(cfg->default_shell, v);
	} else if (!strcmp(key, "shell_attribute")) {
		return set_attribute(cfg->shell_attribute, sizeof(cfg->shell_attribute), key, v, err);
	} else {
		return set_attribute(cfg->ssh_keys_attribute, sizeof(cfg->ssh_keys_attribute), key,
				     v, err);
	}
	return 0;
}

static int set_daemon_key(struct gr_config *cfg, const char *key, const char *v,
			  struct gr_err *err)
{
	size_t i;

	for (i = 0; i < sizeof(daemon_numbers) / sizeof(daemon_numbers[0]); i++) {
		uint32_t n;

		if (strcmp(key, daemon_numbers[i].key))
			continue;
		if (parse_u32(v, daemon_numbers[i].min, daemon_numbers[i].max, &n) < 0)
			return gr_err_set(err, -GR_E_CONFIG, "%s: must be a number from %u to %u", key,
					  daemon_numbers[i].min, daemon_numbers[i].max);
		*(uint32_t *)((char *)cfg + daemon_numbers[i].offset) = n;
		return 0;
	}
	if (!strcmp(key, "scim_listen")) {
		/* Checked fully when the daemon binds; here only its shape and size. */
		if (!v[0] || strlen(v) >= sizeof(cfg->scim_listen) ||
		    strspn(v, "0123456789abcdefABCDEF.:[]") != strlen(v) || !strchr(v, ':'))
			return gr_err_set(err, -GR_E_CONFIG,
					  "scim_listen: expected ADDR:PORT or [ADDR]:PORT (numeric)");
		strcpy(cfg->scim_listen, v);
	} else if (!strcmp(key, "tls_cert") || !strcmp(key, "tls_key")) {
		char *dst = key[4] == 'c' ? cfg->tls_cert : cfg->tls_key;

		if (v[0] && (v[0] != '/' || strlen(v) >= PATH_MAX))
			return gr_err_set(err, -GR_E_CONFIG, "%s: must be an absolute path", key);
		strcpy(dst, v);
	} else if (!strcmp(key, "event_hook")) {
		if (v[0] && (v[0] != '/' || strlen(v) >= sizeof(cfg->event_hook)))
			return gr_err_set(err, -GR_E_CONFIG, "%s: must be an absolute path", key);
		strcpy(cfg->event_hook, v);
	} else if (!strcmp(key, "insecure_http")) {
		if (parse_bool(v, &cfg->insecure_http) < 0)
			return gr_err_set(err, -GR_E_CONFIG, "%s: expected yes or no", key);
	} else if (!strcmp(key, "public_url")) {
		size_t n = strlen(v);

		if (v[0] && (n >= sizeof(cfg->public_url) ||
			     (strncmp(v, "https://", 8) && strncmp(v, "http://", 7)) ||
			     strpbrk(v, " \t\"<>\\") || v[n - 1] == '/'))
			return gr_err_set(err, -GR_E_CONFIG,
					  "public_url: expected https://HOST[:PORT][/PATH] without a trailing /");
		strcpy(cfg->public_url, v);
	} else {
		return gr_err_set(err, -GR_E_CONFIG, "unknown key '%s'", key);
	}
	return 0;
}

/* ldap_*: fleet mode.  Only shapes here; grouprole-sync checks the rest when it connects. */
static int set_ldap_key(struct gr_config *cfg, const char *key, const char *v,
			struct gr_err *err)
{
	static const struct {
		const char *key;
		size_t offset, size;
		bool path;
	} keys[] = {
		{ "ldap_uri", offsetof(struct gr_config, ldap_uri), sizeof(cfg->ldap_uri), false },
		{ "ldap_base", offsetof(struct gr_config, ldap_base), sizeof(cfg->ldap_base), false },
		{ "ldap_bind_dn", offsetof(struct gr_config, ldap_bind_dn), sizeof(cfg->ldap_bind_dn),
		  false },
		{ "ldap_secret_file", offsetof(struct gr_config, ldap_secret_file),
		  sizeof(cfg->ldap_secret_file), true },
		{ "ldap_ca_file", offsetof(struct gr_config, ldap_ca_file), sizeof(cfg->ldap_ca_file),
		  true },
		{ "ldap_writer_dn", offsetof(struct gr_config, ldap_writer_dn),
		  sizeof(cfg->ldap_writer_dn), false },
		{ "ldap_writer_secret_file", offsetof(struct gr_config, ldap_writer_secret_file),
		  sizeof(cfg->ldap_writer_secret_file), true },
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].key))
			continue;
		if (strlen(v) >= keys[i].size)
			return gr_err_set(err, -GR_E_CONFIG, "%s: longer than %zu bytes", key,
					  keys[i].size - 1);
		if (keys[i].path && v[0] && v[0] != '/')
			return gr_err_set(err, -GR_E_CONFIG, "%s: must be an absolute path", key);
		if (!strcmp(key, "ldap_uri")) {
			char copy[sizeof(cfg->ldap_uri)], *save = NULL, *u;

			strcpy(copy, v);
			for (u = strtok_r(copy, " \t", &save); u; u = strtok_r(NULL, " \t", &save))
				if (strncmp(u, "ldaps://", 8) && strncmp(u, "ldap://", 7) &&
				    strncmp(u, "ldapi://", 8))
					return gr_err_set(err, -GR_E_CONFIG,
							  "ldap_uri: '%s' is not an ldap://, ldaps:// "
							  "or ldapi:// URL", u);
		}
		strcpy((char *)cfg + keys[i].offset, v);
		return 0;
	}
	return gr_err_set(err, -GR_E_CONFIG, "unknown key '%s'", key);
}

int gr_config_set(struct gr_config *cfg, const char *key, const char *v,
		  struct gr_err *err)
{
	int r;

	if (!strcmp(key, "state_dir")) {
		if (v[0] != '/' || strlen(v) >= sizeof(cfg->state_dir) - 32)
			return gr_err_set(err, -GR_E_CONFIG,
					  "state_dir: must be an absolute path");
		strcpy(cfg->state_dir, v);
	} else if (!strcmp(key, "organization")) {
		if (v[0] && !gr_valid_slug(v))
			return gr_err_set(err, -GR_E_CONFIG,
					  "organization: invalid name '%s'", v);
		strcpy(cfg->organization, v);
	} else if (!strcmp(key, "resources")) {
		return parse_list(key, v, &cfg->resources[0][0], sizeof(cfg->resources[0]),
				  &cfg->n_resources, true, gr_valid_resource, err);
	} else if (!strcmp(key, "group_prefix")) {
		if (!valid_prefix(v))
			return gr_err_set(err, -GR_E_CONFIG,
					  "group_prefix: invalid prefix '%s'", v);
		strcpy(cfg->group_prefix, v);
	} else if (!strcmp(key, "gid_min") || !strcmp(key, "gid_max")) {
		uint32_t n;

		/* Never below the normal-user range, never (gid_t)-1 or -2. */
		if (parse_u32(v, 1000, 4294967293u, &n) < 0)
			return gr_err_set(err, -GR_E_CONFIG,
					  "%s: must be a number from 1000 to 4294967293", key);
		if (key[4] == 'm' && key[5] == 'i')
			cfg->gid_min = n;
		else
			cfg->gid_max = n;
	} else if (!strcmp(key, "username")) {
		if (!strcmp(v, "localpart")) {
			cfg->username_mode = GR_USERNAME_LOCALPART;
	strcpy(cfg->login_defs, GR_LOGIN_DEFS);
		} else if (!strcmp(v, "userName")) {
			cfg->username_mode = GR_USERNAME_USERNAME;
		} else if (!strncmp(v, "attribute:", 10) && v[10] &&
			   strlen(v + 10) < sizeof(cfg->username_attribute) &&
			   !strpbrk(v + 10, " \t")) {
			cfg->username_mode = GR_USERNAME_ATTRIBUTE;
			strcpy(cfg->username_attribute, v + 10);
		} else {
			return gr_err_set(err, -GR_E_CONFIG,
					  "username: expected localpart, userName or attribute:NAME");
		}
	} else if (!strcmp(key, "login_domains")) {
		char lower[GR_CONFIG_MAX_LINE + 1];

		/* Domains compare case-insensitively: keep them lowercase. */
		if (gr_lowercase(v, lower, sizeof(lower)) < 0)
			return gr_err_set(err, -GR_E_CONFIG, "%s: value too long", key);
		return parse_list(key, lower, &cfg->login_domains[0][0],
				  sizeof(cfg->login_domains[0]), &cfg->n_login_domains, true,
				  gr_valid_hostname, err);
	} else if (!strcmp(key, "login_defs")) {
		if (v[0] != '/' || strlen(v) >= sizeof(cfg->login_defs))
			return gr_err_set(err, -GR_E_CONFIG, "login_defs: must be an absolute path");
		strcpy(cfg->login_defs, v);
	} else if (!strcmp(key, "import_max_delete_percent")) {
		uint32_t n;

		if (parse_u32(v, 0, 100, &n) < 0)
			return gr_err_set(err, -GR_E_CONFIG,
					  "%s: must be a number from 0 to 100", key);
		cfg->import_max_delete_percent = n;
	} else if (!strcmp(key, "hash_size")) {
		uint32_t n;

		if (parse_u32(v, 131, 16777213, &n) < 0)
			return gr_err_set(err, -GR_E_CONFIG,
					  "%s: must be a number from 131 to 16777213", key);
		cfg->hash_size = n;
	} else if (!strcmp(key, "test_mode") || !strcmp(key, "debug") ||
		   !strcmp(key, "quiet")) {
		bool b;

		if (parse_bool(v, &b) < 0)
			return gr_err_set(err, -GR_E_CONFIG, "%s: expected yes or no", key);
		if (key[0] == 't')
			cfg->test_mode = b;
		else if (key[0] == 'd')
			cfg->debug = b;
		else
			cfg->quiet = b;
	} else if (!strcmp(key, "require_role")) {
		r = parse_list(key, v, &cfg->require_role[0][0], sizeof(cfg->require_role[0]),
			       &cfg->n_require_role, false, gr_valid_slug, err);
		if (r < 0)
			return r;
	} else if (!strcmp(key, "unknown")) {
		if (!strcmp(v, "ignore"))
			cfg->unknown = GR_UNKNOWN_IGNORE;
		else if (!strcmp(v, "deny"))
			cfg->unknown = GR_UNKNOWN_DENY;
		else
			return gr_err_set(err, -GR_E_CONFIG, "unknown: expected ignore or deny");
	} else if (!strcmp(key, "fail")) {
		if (!strcmp(v, "open"))
			cfg->fail = GR_FAIL_OPEN;
		else if (!strcmp(v, "closed"))
			cfg->fail = GR_FAIL_CLOSED;
		else
			return gr_err_set(err, -GR_E_CONFIG, "fail: expected open or closed");
	} else if (!strcmp(key, "users") || !strcmp(key, "uid_min") || !strcmp(key, "uid_max") ||
		   !strcmp(key, "users_gid") || !strcmp(key, "home_template") ||
		   !strcmp(key, "default_shell") || !strcmp(key, "shell_attribute") ||
		   !strcmp(key, "ssh_keys_attribute")) {
		return set_accounts_key(cfg, key, v, err);
	} else if (!strncmp(key, "scim_", 5) || !strncmp(key, "event_", 6) ||
		   !strcmp(key, "tls_cert") || !strcmp(key, "tls_key") ||
		   !strcmp(key, "insecure_http") || !strcmp(key, "public_url")) {
		return set_daemon_key(cfg, key, v, err);
	} else if (!strncmp(key, "ldap_", 5)) {
		return set_ldap_key(cfg, key, v, err);
	} else if (!strcmp(key, "store")) {
		if (!strcmp(v, "tdb"))
			cfg->store = GR_STORE_MODE_TDB;
		else if (!strcmp(v, "ldap"))
			cfg->store = GR_STORE_MODE_LDAP;
		else
			return gr_err_set(err, -GR_E_CONFIG, "store: expected tdb or ldap");
	} else if (!strcmp(key, "max_staleness")) {
		if (gr_config_parse_duration(v, &cfg->max_staleness) < 0)
			return gr_err_set(err, -GR_E_CONFIG,
					  "%s: expected a duration such as 90s, 15m, 2h or 1d "
					  "(at most 365d; 0 = off)", key);
	} else {
		return gr_err_set(err, -GR_E_CONFIG, "unknown key '%s'", key);
	}
	return 0;
}

/*
 * login_defs decides which accounts are the system's; a config that is not
 * a test must not be able to move it (and a typo must not weaken it).
 */
static int check_login_defs(const struct gr_config *cfg, struct gr_err *err)
{
	if (strcmp(cfg->login_defs, GR_LOGIN_DEFS) && !cfg->test_mode)
		return gr_err_set(err, -GR_E_CONFIG, "login_defs: only accepted with test_mode = yes");
	return 0;
}

/* Writing to the fleet needs somewhere to write, and the right to. */
static int check_store(const struct gr_config *cfg, struct gr_err *err)
{
	if (cfg->store == GR_STORE_MODE_LDAP && (!cfg->ldap_uri[0] || !cfg->ldap_base[0] ||
						 !cfg->ldap_writer_dn[0] ||
						 !cfg->ldap_writer_secret_file[0]))
		return gr_err_set(err, -GR_E_CONFIG,
				  "store = ldap needs ldap_uri, ldap_base, ldap_writer_dn and "
				  "ldap_writer_secret_file");
	return 0;
}

int gr_config_validate(const struct gr_config *cfg, struct gr_err *err)
{
	int r = check_login_defs(cfg, err);

	if (r < 0)
		return r;
	if (cfg->gid_min > cfg->gid_max)
		return gr_err_set(err, -GR_E_CONFIG, "gid_min %u is above gid_max %u",
				  cfg->gid_min, cfg->gid_max);
	if ((r = check_store(cfg, err)) < 0)
		return r;
	if (!cfg->users)
		return 0;
	if (cfg->uid_min > cfg->uid_max)
		return gr_err_set(err, -GR_E_CONFIG, "uid_min %u is above uid_max %u",
				  cfg->uid_min, cfg->uid_max);
	/* A private group takes its uid's number: it must not be a role's gid. */
	if (!cfg->users_gid && cfg->uid_min <= cfg->gid_max && cfg->gid_min <= cfg->uid_max)
		return gr_err_set(err, -GR_E_CONFIG,
				  "uid_min..uid_max (%u..%u) overlaps gid_min..gid_max (%u..%u): private groups share their uid's number",
				  cfg->uid_min, cfg->uid_max, cfg->gid_min, cfg->gid_max);
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int gr_config_load(struct gr_config *cfg, const char *path, bool missing_ok,
		   struct gr_err *err)
{
	char line[GR_CONFIG_MAX_LINE + 2];
	char seen[64][32];
	unsigned nseen = 0, lineno = 0, i;
	unsigned range_line = 0; /* last line that set gid_min or gid_max */
	unsigned defs_line = 0;  /* the line that set login_defs */
	unsigned store_line = 0; /* the line that set store */
	FILE *f = NULL;
	int fd, r = 0;

	gr_config_defaults(cfg);
	if (strlen(path) >= sizeof(cfg->path))
		return gr_err_set(err, -GR_E_CONFIG, "config path too long");
	strcpy(cfg->path, path);

	/* The config names the state directory: it must be as trusted as root. */
	fd = gr_safe_open(path, O_RDONLY, 0, true, err);
	if (fd == -ENOENT && missing_ok) {
		gr_err_clear(err);
		return 0;
	}
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		r = -errno;
		close(fd);
		return gr_err_set(err, r, "%s: %s", path, strerror(-r));
	}
	while (fgets(line, sizeof(line), f)) {
		char *k, *v, *eq;
		struct gr_err sub;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			r = gr_err_set(err, -GR_E_CONFIG, "%s:%u: line longer than %d bytes",
				       path, lineno, GR_CONFIG_MAX_LINE);
			goto out;
		}
		k = trim(line);
		if (!k[0] || k[0] == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			r = gr_err_set(err, -GR_E_CONFIG, "%s:%u: expected 'key = value'", path,
				       lineno);
			goto out;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (!strcmp(k, "config")) {
			r = gr_err_set(err, -GR_E_CONFIG, "%s:%u: 'config' is only a PAM argument",
				       path, lineno);
			goto out;
		}
		for (i = 0; i < nseen; i++) {
			if (!strcmp(seen[i], k)) {
				r = gr_err_set(err, -GR_E_CONFIG, "%s:%u: '%s' set twice", path,
					       lineno, k);
				goto out;
			}
		}
		if (nseen < 64 && strlen(k) < sizeof(seen[0]))
			strcpy(seen[nseen++], k);
		if (!strcmp(k, "gid_min") || !strcmp(k, "gid_max") || !strcmp(k, "uid_min") ||
		    !strcmp(k, "uid_max") || !strcmp(k, "users") || !strcmp(k, "users_gid"))
			range_line = lineno;
		if (!strcmp(k, "login_defs"))
			defs_line = lineno;
		if (!strcmp(k, "store"))
			store_line = lineno;
		gr_err_clear(&sub);
		r = gr_config_set(cfg, k, v, &sub);
		if (r < 0) {
			r = gr_err_set(err, r, "%s:%u: %s", path, lineno, gr_err_msg(&sub));
			goto out;
		}
	}
	if (ferror(f)) {
		r = gr_err_set(err, -EIO, "%s: read error", path);
		goto out;
	}
	{
		struct gr_err sub;

		/*
		 * Cross-field rules: login_defs needs test_mode, and the gid
		 * range.  Point at the line that set login_defs or completed
		 * the bad range, so the error names file:line like every other.
		 */
		gr_err_clear(&sub);
		r = check_login_defs(cfg, &sub);
		if (r < 0) {
			r = gr_err_set(err, r, "%s:%u: %s", path, defs_line, gr_err_msg(&sub));
			goto out;
		}
		if ((r = check_store(cfg, &sub)) < 0) {
			r = gr_err_set(err, r, "%s:%u: %s", path, store_line, gr_err_msg(&sub));
			goto out;
		}
		r = gr_config_validate(cfg, &sub);
		if (r < 0 && range_line)
			r = gr_err_set(err, r, "%s:%u: %s", path, range_line, gr_err_msg(&sub));
		else if (r < 0)
			r = gr_err_set(err, r, "%s: %s", path, gr_err_msg(&sub));
	}
out:
	fclose(f);
	return r;
}

int gr_config_apply_arg(struct gr_config *cfg, const char *arg, struct gr_err *err)
{
	char key[64];
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);

	if (klen == 0 || klen >= sizeof(key))
		return gr_err_set(err, -GR_E_CONFIG, "invalid argument '%s'", arg);
	memcpy(key, arg, klen);
	key[klen] = '\0';
	if (!eq) {
		/* Bare flags: only the booleans make sense without a value. */
		if (strcmp(key, "debug") && strcmp(key, "quiet") && strcmp(key, "test_mode"))
			return gr_err_set(err, -GR_E_CONFIG, "argument '%s' needs a value", key);
		return gr_config_set(cfg, key, "yes", err);
	}
	return gr_config_set(cfg, key, eq + 1, err);
}

bool gr_config_has_resource(const struct gr_config *cfg, const char *res)
{
	unsigned i;

	for (i = 0; i < cfg->n_resources; i++)
		if (!strcmp(cfg->resources[i], res))
			return true;
	return false;
}

int gr_config_state_path(const struct gr_config *cfg, const char *name, char *buf,
			 size_t len)
{
	int n = snprintf(buf, len, "%s/%s", cfg->state_dir, name);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* SPDX-License-Identifier: MIT */
#ifndef GR_CONFIG_H
#define GR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <limits.h>

#include "core/gr_error.h"

#ifndef GR_SYSCONFDIR
#define GR_SYSCONFDIR "/etc"
#endif
#ifndef GR_STATEDIR
#define GR_STATEDIR "/var/lib/grouprole"
#endif

#define GR_CONFIG_DEFAULT_PATH GR_SYSCONFDIR "/grouprole/grouprole.conf"
#define GR_CONFIG_MAX_LINE 1024
#define GR_CONFIG_MAX_LIST 64       /* resources, require_role entries */
#define GR_NAME_MAX 64              /* organization names, slugs */
#define GR_PREFIX_MAX 16

enum gr_username_mode {
	GR_USERNAME_LOCALPART = 0, /* part of userName before '@', lowercased */
	GR_USERNAME_USERNAME,      /* the whole userName, lowercased */
	GR_USERNAME_ATTRIBUTE,     /* the value of a named attribute */
};

enum gr_unknown_mode { GR_UNKNOWN_IGNORE = 0, GR_UNKNOWN_DENY };
enum gr_fail_mode { GR_FAIL_DEFAULT = 0, GR_FAIL_OPEN, GR_FAIL_CLOSED };
/* Where the writers' changes go: this host's directory.tdb, or the fleet's LDAP providers. */
enum gr_store_mode { GR_STORE_MODE_TDB = 0, GR_STORE_MODE_LDAP };

/*
 * One configuration, shared by every program and module.  The same key names
 * are accepted in grouprole.conf ("key = value") and as PAM module arguments
 * ("key=value", or a bare "debug"/"quiet").  All strings live inside the
 * structure, so it can be copied and needs no freeing.
 */
struct gr_config {
	char state_dir[PATH_MAX];
	char organization[GR_NAME_MAX + 1];          /* "" = none */
	char resources[GR_CONFIG_MAX_LIST][GR_NAME_MAX * 2 + 2];
	unsigned n_resources;
	char group_prefix[GR_PREFIX_MAX + 1];
	uint32_t gid_min;
	uint32_t gid_max;
	enum gr_username_mode username_mode;
	char username_attribute[256];
	/* username = localpart maps only these domains (lowercase); none = nobody. */
	char login_domains[GR_CONFIG_MAX_LIST][GR_NAME_MAX + 1];
	unsigned n_login_domains;
	/*
	 * Where UID_MIN/UID_MAX come from (accounts outside that range are
	 * system accounts no directory user may take).  Only test_mode may
	 * point it elsewhere: the file decides who counts as a system account.
	 */
	char login_defs[PATH_MAX];
	unsigned import_max_delete_percent;
	uint32_t hash_size;
	bool test_mode;

	/*
	 * Accounts (users = yes): directory users as passwd entries.  uids
	 * from uid_min..uid_max; primary group: a private group with the
	 * uid's number, or users_gid for everyone when it is not 0.
	 * home_template expands %u (login), %U (uid), %d (directory), %%.
	 */
	bool users;
	uint32_t uid_min;
	uint32_t uid_max;
	uint32_t users_gid;
	char home_template[256];
	char default_shell[256];
	char shell_attribute[256];       /* "" = default_shell for everyone */
	char ssh_keys_attribute[256];    /* "" = no keys for sshd */

	/* PAM module policy; also valid in the file. */
	char require_role[GR_CONFIG_MAX_LIST][GR_NAME_MAX + 1];
	unsigned n_require_role;
	enum gr_unknown_mode unknown;
	enum gr_fail_mode fail;
	bool debug;
	bool quiet;

	/* grouprole-scimd. */
	char scim_listen[64];            /* "127.0.0.1:8636" */
	char tls_cert[PATH_MAX];         /* "" = plain HTTP (loopback or insecure_http only) */
	char tls_key[PATH_MAX];
	bool insecure_http;              /* plain HTTP on a non-loopback address (behind a TLS proxy) */
	char public_url[256];            /* base of meta.location; "" = from the request's Host */
	uint32_t scim_max_body;          /* bytes of one request body */
	uint32_t scim_max_connections;
	uint32_t scim_per_ip;
	uint32_t scim_timeout;           /* seconds a connection may stay idle */
	uint32_t scim_max_results;       /* largest page of a list */

	/* Fleet mode: grouprole-sync's LDAP servers (docs/fleet.md). */
	char ldap_uri[1024];             /* space-separated, in order of preference; "" = off */
	char ldap_base[256];             /* the grouprole subtree */
	char ldap_bind_dn[256];          /* this host's identity */
	char ldap_secret_file[256];      /* its password, alone in a root-owned file */
	char ldap_ca_file[256];          /* CA for ldaps:// and StartTLS; "" = system CAs */
	/*
	 * store = ldap: grouprole-scimd and grouprolectl write to the providers
	 * of ldap_uri as the writer identity (lib/fleet/writer.h).
	 */
	enum gr_store_mode store;
	char ldap_writer_dn[256];        /* the writers' identity */
	char ldap_writer_secret_file[256]; /* its password, alone in a root-owned file */
	uint32_t max_staleness;          /* seconds out of step before PAM, check and status warn; 0 = off */

	/* Events (lib/events): the hook run for each, and the event log's bound. */
	char event_hook[PATH_MAX];       /* "" = none */
	uint32_t event_hook_timeout;     /* seconds a hook may run */
	uint32_t event_hook_queue;       /* events waiting for the daemon's hook thread */
	uint32_t event_log_max;          /* bytes of events.log before it rotates */

	/* Where this configuration came from, for messages. */
	char path[PATH_MAX];
};

/*
 * A DURATION value: a whole number of seconds, or one followed by s, m, h
 * or d ("90", "90s", "15m", "2h", "1d"), from 0 up to 365 days.  Stores the
 * seconds in *OUT; -EINVAL on anything else, *OUT unchanged.
 */
int gr_config_parse_duration(const char *v, uint32_t *out);

/* Fill CFG with built-in defaults. */
void gr_config_defaults(struct gr_config *cfg);

/*
 * The configuration path to use when none was given on the command line:
 * $GROUPROLE_CONF (read with secure_getenv, so ignored in setuid programs)
 * or GR_CONFIG_DEFAULT_PATH.  Returns a pointer into the environment or a
 * static string.
 */
const char *gr_config_default_path(void);

/*
 * Reset CFG to defaults and read PATH into it.  When MISSING_OK is true and
 * the file does not exist, CFG keeps the defaults and 0 is returned.  The
 * file must be a regular file owned by root (or, for test setups, by the
 * caller's real uid) and not writable by group or others.  Errors name
 * "file:line".
 */
int gr_config_load(struct gr_config *cfg, const char *path, bool missing_ok,
		   struct gr_err *err);

/*
 * Apply one "key=value" (or bare flag) argument, as the PAM module receives
 * them.  "config=" is not handled here: the caller loads that file first.
 */
int gr_config_apply_arg(struct gr_config *cfg, const char *arg, struct gr_err *err);

/* Set KEY to VALUE, with the same validation as the file parser. */
int gr_config_set(struct gr_config *cfg, const char *key, const char *value,
		  struct gr_err *err);

/* Cross-field checks (gid_min <= gid_max, ...), run after all values are set. */
int gr_config_validate(const struct gr_config *cfg, struct gr_err *err);

/* True when the host's resources include RES. */
bool gr_config_has_resource(const struct gr_config *cfg, const char *res);

/* Path of a file in the state directory; returns -ENAMETOOLONG if it does not fit. */
int gr_config_state_path(const struct gr_config *cfg, const char *name, char *buf,
			 size_t len);

#endif

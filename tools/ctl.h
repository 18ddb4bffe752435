/* SPDX-License-Identifier: MIT */
#ifndef GR_CTL_H
#define GR_CTL_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "core/config.h"
#include "fleet/writer.h"
#include "store/store.h"

/*
 * Exit codes: the contract of grouprolectl(8) and the README.
 * EXIT_REFUSED means nothing changed (for check: problems found);
 * EXIT_UNPUBLISHED means the change is committed -- PAM sees it -- but the
 * NSS snapshot is not rebuilt yet (the next command publishes it);
 * EXIT_WARNINGS is check's "no problem, but warnings".
 */
enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_UNPUBLISHED = 3, EXIT_WARNINGS = 4 };

struct ctl_cmd;

struct ctl {
	const struct ctl_cmd *cmd;
	struct gr_config cfg;
	struct gr_store *st;
	struct gr_fleet_writer *writer; /* store = ldap: the store's pre-commit hook */
	bool json;
	const char *prog;
	/* Per-command options, filled by the option parser. */
	const char *opt_directory;
	const char *opt_name;
	const char *opt_description;
	const char *opt_priority;
	const char *opt_unix_group;
	const char *opt_gid;
	const char *opt_resource;
	const char *opt_expires;
	const char *opt_auto_membership;
	const char *opt_scopes;
	const char *opt_organization;
	bool opt_bind;
	bool opt_force;
	bool opt_api;
	const char *opt_since;
	bool opt_follow;
	/* Events of this command's commits and publishes, delivered when it is done. */
	json_t *events;
};

/* A command: NOUN [SUB] VERB, its argument count, handler and usage line. */
/*
 * CMD_WRITE: runs inside a write transaction it must commit (ctl_commit).
 * CMD_READ: runs under a consistent read lock.
 * CMD_OWNTXN: gets a writable store and manages its own transactions.
 */
enum { CMD_WRITE = 1 << 0, CMD_READ = 1 << 1, CMD_OWNTXN = 1 << 2,
       /* The handler checks its arguments first, then calls ctl_open itself. */
       CMD_LAZY = 1 << 3,
       /*
        * ctl_open does not publish first when the snapshot is behind the
        * store (publish does it anyway; check reports it instead).
        */
       CMD_NO_CATCHUP = 1 << 4 };

struct ctl_cmd {
	const char *words[4];
	int min_args, max_args; /* -1: unlimited */
	unsigned flags;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *usage;
};

extern const struct ctl_cmd ctl_commands[];

/* tools/ctl_token.c */
int cmd_token_create(struct ctl *c, int argc, char **argv);
int cmd_token_list(struct ctl *c, int argc, char **argv);
int cmd_token_revoke(struct ctl *c, int argc, char **argv);
/* tools/ctl_status.c */
int cmd_status(struct ctl *c, int argc, char **argv);
/* tools/ctl_events.c */
int cmd_events(struct ctl *c, int argc, char **argv);
/* Record and run the hook for C->events (lib/events/dispatch.h); then they are gone. */
void ctl_deliver_events(struct ctl *c);

/*
 * One-line error to stderr: "grouprolectl: MESSAGE", the whole message
 * escaped for the terminal (it may embed directory text).  Returns CODE.
 */
int ctl_fail(struct ctl *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Map a library error to an exit code and print it. */
int ctl_error(struct ctl *c, const struct gr_err *err);

/*
 * Open the store as the command's flags say (creating it for writes) and
 * start its transaction or read lock.  Idempotent.  Returns an exit code.
 */
int ctl_open(struct ctl *c);

/*
 * Commit the open transaction, then publish; prints and maps errors
 * (EXIT_UNPUBLISHED when the commit landed but the publish did not).
 */
int ctl_commit(struct ctl *c, struct gr_err *err);
/*
 * gr_publish, collecting the user.roles.changed events of what it installs
 * into C->events (compared with the login.tdb it replaces).
 */
struct gr_publish_stats;
int ctl_publish(struct ctl *c, struct gr_publish_stats *ps, struct gr_err *err);
/* Publish after a commit that is already in; EXIT_UNPUBLISHED on failure. */
int ctl_publish_committed(struct ctl *c, struct gr_err *err);

/* grouprolectl check (tools/ctl_check.c). */
int cmd_check(struct ctl *c, int argc, char **argv);

/*
 * S made safe for a terminal (GR_ESC_TERM: controls, invalid UTF-8, bidi
 * overrides become \xNN or \u{NNNN}), for a printf argument.  Everything
 * from the directory (userNames, group names, attribute values, login
 * errors) or an admin's command line goes through it in text output.  The
 * result stays valid for the next CTL_T_RING - 1 calls, so one printf may
 * take up to that many.  NULL gives NULL.
 */
#define CTL_T_RING 16
const char *ctl_t(const char *s);

/* Output: JSON (for --json) or text; ctl_table escapes every cell. */
void ctl_print_json(const json_t *v);
void ctl_table(FILE *f, const char *const *header, const char *const *const *rows,
	       size_t n_rows, size_t n_cols);

/* Parse an --expires value: RFC 3339, YYYY-MM-DD, or +Nd/+Nh/+Nm. */
int ctl_parse_time(const char *s, long long now, long long *out);
/* Format unix time as RFC 3339 UTC into BUF. */
const char *ctl_format_time(long long t, char *buf, size_t len);

#endif

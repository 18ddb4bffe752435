/* SPDX-License-Identifier: MIT */
#ifndef GR_RECORDS_H
#define GR_RECORDS_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/config.h"
#include "store/store.h"

/*
 * The records of directory.tdb and the operations that keep them and their
 * indexes consistent.  Every function that changes something must run inside
 * a transaction (gr_store_begin); none commits.
 *
 * Keys (DIR is a directory name, UID/GID SCIM ids, ORG an organization):
 *   schema                    {"version": 2}
 *   meta                      {"generation": n, "next_gid": n}
 *   policy                    {"multiple_roles": b, "default_role": s|null, "role_attribute": s|null}
 *   dir/DIR                   {"name", "created"}
 *   user/DIR/UID              {"id", "userName", "externalId", "active", "login", "login_error"}
 *                             (compact: what resolution reads; gr_user_get adds "groups")
 *   ug/DIR/UID, ug/DIR/UID/N  [GID...] padded, fixed size: the user's groups (ugroups.h)
 *   scim/DIR/UID              the full SCIM User resource as received
 *   uname/DIR/lower(userName) UID            (bare string index)
 *   login/LOGIN               DIR/UID        (bare string index)
 *   group/DIR/GID             {"id", "displayName", "externalId"}
 *   members/DIR/GID           [UID...]
 *   gname/DIR/lower(name)     GID            (bare string index)
 *   troles/DIR/GID            [SLUG...]      tenant group roles
 *   org/ORG                   {"name", "connections": {DIR: {"auto_membership": b}}}
 *   orgmember/ORG/DIR/UID     "1"
 *   oroles/ORG/DIR/GID        [SLUG...]      organization group roles
 *   assign/DIR/UID            [{"role", "resource", "expires"}]
 *   role/SLUG, rgroup/NAME, gid/N, roleindex   see roles.h
 *
 * Admin data (role mappings, organization members, resource assignments)
 * is keyed on SCIM ids, so group renames keep their roles; IdP changes never
 * touch assignments.
 */

/* A user or group: its directory and SCIM id. */
struct gr_ref {
	char dir[GR_NAME_MAX + 1];
	char id[256];
};

/* ---- directories ---- */
int gr_dir_create(struct gr_store *st, const char *name, struct gr_err *err);
/* Delete a directory with its users, groups, mappings, memberships, assignments. */
int gr_dir_delete(struct gr_store *st, const char *name, struct gr_err *err);
int gr_dir_check(struct gr_store *st, const char *name, struct gr_err *err);

/* ---- users ---- */
/*
 * Create or replace user ID (from the resource) in DIR.  SCIM is borrowed and
 * must have passed gr_scim_check_user with an id.  GROUPS (borrowed, may be
 * NULL to keep the user's current groups) is the user's group id list; the
 * caller then owns keeping members/ consistent (import does).  The login
 * name is derived per configuration; a user whose name cannot be mapped, or
 * maps onto a system account, or whose login is held by another user, is
 * stored with "login_error" set and no login index: reported, never guessed.
 */
int gr_user_put(struct gr_store *st, const char *dir, const json_t *scim, const json_t *groups,
		struct gr_err *err);

/*
 * Login names.  A login is owned by the user whose DIR/UID the login/LOGIN
 * index names (the holder); the holder keeps it as long as it maps to that
 * login, whatever other users claim it, in any directory.  A claimant of a
 * held name is stored with a login_error.  No login is ever a system account
 * (gr_login_is_system with the UID_MIN..UID_MAX of cfg->login_defs).
 *
 * struct gr_login_rules carries what is the same for every user of one
 * import: the uid range, and the logins that several claimants want while
 * nobody holds them (CONTESTED: an object whose keys are those logins, or
 * NULL), which none of them gets -- document order must not decide.
 */
struct gr_login_rules {
	unsigned long uid_min, uid_max;
	/*
	 * The host's system accounts (keys), from one enumeration of NSS: a
	 * getpwnam per login costs about 0.5 ms with nss-systemd, a minute per
	 * 100,000 users.  Sources that do not enumerate (LDAP, sssd without
	 * enumerate) are not seen; system accounts live in /etc/passwd.
	 */
	json_t *system;
	const json_t *contested;
};
/*
 * Fill RULES from CFG (reads cfg->login_defs, enumerates NSS accounts);
 * contested = NULL.  Free with gr_login_rules_free.
 */
int gr_login_rules_load(const struct gr_config *cfg, struct gr_login_rules *rules,
			struct gr_err *err);
void gr_login_rules_free(struct gr_login_rules *rules);
/*
 * Rules kept by a long-running process (grouprole-scimd): listed again only
 * when /etc/passwd changed since (its inode, size or mtime), which is where
 * packages create system accounts.  gr_login_rules_refresh returns 1 when it
 * listed them again, 0 when the cached ones stand, or a negative code (the
 * previous rules, if any, stay).
 */
struct gr_login_rules_cache {
	struct gr_login_rules rules;
	bool loaded;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};
int gr_login_rules_refresh(struct gr_login_rules_cache *c, const struct gr_config *cfg,
			   struct gr_err *err);
void gr_login_rules_cache_free(struct gr_login_rules_cache *c);
/* 1 when LOGIN is reserved or one of RULES' system accounts, else 0. */
int gr_login_rules_is_system(const struct gr_login_rules *rules, const char *login);
/*
 * The login USER (a checked SCIM resource) maps to by name alone -- the
 * username mode, login_domains and Unix name rules -- without looking at
 * the host's accounts or at who holds it.
 */
int gr_user_login_for(const struct gr_config *cfg, const json_t *scim, char *out, size_t len,
		      struct gr_err *err);
/* gr_user_put with rules loaded once by the caller (bulk import). */
int gr_user_put_rules(struct gr_store *st, const char *dir, const json_t *scim,
		      const json_t *groups, const struct gr_login_rules *rules, struct gr_err *err);
/* Remove a user, its indexes and its group memberships. */
int gr_user_delete(struct gr_store *st, const char *dir, const char *id, struct gr_err *err);
/* The compact record (new reference). */
int gr_user_get(struct gr_store *st, const char *dir, const char *id, json_t **out,
		struct gr_err *err);
/* The full SCIM resource (new reference). */
int gr_user_get_scim(struct gr_store *st, const char *dir, const char *id, json_t **out,
		     struct gr_err *err);
/*
 * Find WHO, a login name, userName or SCIM id, optionally within DIR.
 * -GR_E_NOTFOUND when nothing matches, -GR_E_CONFLICT when it is ambiguous.
 */
int gr_user_find(struct gr_store *st, const char *dir, const char *who,
		 struct gr_ref *out, struct gr_err *err);

/* ---- groups ---- */
enum {
	/*
	 * The caller has already written every member's "groups" list (bulk
	 * import); skip the per-member read-modify-write.
	 */
	GR_GROUP_NO_USER_INDEX = 1 << 0,
};

/*
 * Create or replace a group from a checked SCIM resource with an id.  Every
 * member must be a user of DIR.  displayName is unique (case-insensitively)
 * within DIR.
 */
int gr_group_put(struct gr_store *st, const char *dir, const json_t *scim, unsigned flags,
		 struct gr_err *err);
/* Remove a group, its members list, its role mappings at every scope. */
int gr_group_delete(struct gr_store *st, const char *dir, const char *id, struct gr_err *err);
int gr_group_get(struct gr_store *st, const char *dir, const char *id, json_t **out,
		 struct gr_err *err);
int gr_group_members(struct gr_store *st, const char *dir, const char *id, json_t **out,
		     struct gr_err *err);
/*
 * Every group of DIR (every directory when NULL), sorted by directory then
 * id: [{"directory", "id", "displayName", "externalId" when set}].
 */
int gr_group_list(struct gr_store *st, const char *dir, json_t **out, struct gr_err *err);
/* Find WHAT, a group id or displayName, optionally within DIR. */
int gr_group_find(struct gr_store *st, const char *dir, const char *what,
		  struct gr_ref *out, struct gr_err *err);

/* ---- group role mappings ---- */
/*
 * Add or remove role SLUGS on group (DIR, GID), tenant-wide when ORG is NULL,
 * otherwise for organization ORG.  Every slug must name an existing role.
 * A group holds at most GR_GROUP_ROLES_MAX roles at each scope (Auth0 allows
 * 10): an addition past it is -GR_E_INVALID, saying so.
 */
#define GR_GROUP_ROLES_MAX 100
int gr_group_roles_change(struct gr_store *st, const char *org, const char *dir,
			  const char *gid, const char *const *slugs, size_t n, bool add,
			  struct gr_err *err);
/* The mapped slugs (new reference; an empty array when none). */
int gr_group_roles_get(struct gr_store *st, const char *org, const char *dir, const char *gid,
		       json_t **out, struct gr_err *err);

/* The groups holding role SLUG tenant-wide, sorted: [{"directory", "id"}]. */
int gr_role_groups(struct gr_store *st, const char *slug, json_t **out, struct gr_err *err);

/* ---- organizations ---- */
int gr_org_create(struct gr_store *st, const char *name, struct gr_err *err);
int gr_org_delete(struct gr_store *st, const char *name, struct gr_err *err);
int gr_org_get(struct gr_store *st, const char *name, json_t **out, struct gr_err *err);
/* Connect ORG to DIR (ENABLE) with auto-membership on or off, or disconnect it. */
int gr_org_connection(struct gr_store *st, const char *org, const char *dir, bool enable,
		      bool auto_membership, struct gr_err *err);
int gr_org_member(struct gr_store *st, const char *org, const struct gr_ref *u, bool add,
		  struct gr_err *err);
bool gr_org_is_member(struct gr_store *st, const char *org, const char *dir, const char *uid);

/* ---- resource assignments ---- */
int gr_assign_add(struct gr_store *st, const struct gr_ref *u, const char *role,
		  const char *resource, int64_t expires, struct gr_err *err);
int gr_assign_remove(struct gr_store *st, const struct gr_ref *u, const char *role,
		     const char *resource, struct gr_err *err);
int gr_assign_get(struct gr_store *st, const char *dir, const char *uid, json_t **out,
		  struct gr_err *err);

/* ---- policy ---- */
struct gr_policy {
	bool multiple_roles;
	char default_role[GR_NAME_MAX + 1];  /* "" = none */
	char role_attribute[256];            /* "" = none */
};
int gr_policy_get(struct gr_store *st, struct gr_policy *p, struct gr_err *err);
int gr_policy_put(struct gr_store *st, const struct gr_policy *p, struct gr_err *err);

/* ---- JSON string-array helpers shared by the record code ---- */
bool gr_json_array_has(const json_t *arr, const char *s);
/* Append S unless present; returns 1 when added, 0 when present, -ENOMEM. */
int gr_json_array_add(json_t *arr, const char *s);
/* Remove every S; returns how many were removed. */
size_t gr_json_array_remove(json_t *arr, const char *s);
/*
 * OBJ's keys in strcmp order, borrowed from OBJ (valid while it is not
 * changed), in a new NULL-terminated array the caller frees; their number
 * in *N.  NULL when out of memory.
 */
const char **gr_json_sorted_keys(const json_t *obj, size_t *n);

#endif

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tdb.h>

#include "ctl.h"
#include "accounts/accounts.h"
#include "core/escape.h"
#include "store/tokens.h"
#include "resolve/facts.h"
#include "store/import.h"
#include "store/orphans.h"
#include "store/assignments.h"
#include "store/orgs.h"
#include "core/names.h"
#include "publish/publish.h"
#include "store/records.h"
#include "resolve/resolve.h"
#include "store/roles.h"
#include "store/ugroups.h"
#include "core/safefile.h"
#include "scim/scim.h"
#include "publish/snapshot.h"

#define FAIL(c, e) ctl_error((c), (e))

static int parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || !s[0] || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_onoff(const char *s, bool *out)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* ---- lookups shared by commands ---- */

static int find_group(struct ctl *c, const char *what, struct gr_ref *ref, struct gr_err *err)
{
	return gr_group_find(c->st, c->opt_directory, what, ref, err);
}

static int find_user(struct ctl *c, const char *who, struct gr_ref *ref, struct gr_err *err)
{
	if (c->opt_directory) {
		int r = gr_dir_check(c->st, c->opt_directory, err);

		if (r < 0)
			return r;
	}
	return gr_user_find(c->st, c->opt_directory, who, ref, err);
}

/*
 * USER or GROUP as the admin gave it; when nothing matches and WHAT is the
 * SCIM id of a user or group that no longer exists but still has admin
 * records of KIND (in --directory, or in exactly one directory), those
 * records' owner: orphans stay reachable by id.
 */
static int find_or_orphan(struct ctl *c, const char *what, enum gr_orphan_kind kind,
			  const char *org, struct gr_ref *ref, struct gr_err *err)
{
	bool user = kind == GR_ORPHAN_ASSIGNMENT || kind == GR_ORPHAN_ORG_MEMBER;
	struct gr_err oerr;
	int r = user ? find_user(c, what, ref, err) : find_group(c, what, ref, err);

	if (r != -GR_E_NOTFOUND)
		return r;
	gr_err_clear(&oerr);
	r = gr_orphan_find(c->st, kind, org, c->opt_directory, what, ref, &oerr);
	if (r == -GR_E_NOTFOUND)
		return -GR_E_NOTFOUND; /* ERR keeps "no user 'X'" */
	if (r < 0)
		*err = oerr;
	return r;
}

static const char *group_name(struct ctl *c, const char *dir, const char *gid, char *buf,
			      size_t len)
{
	json_t *g = NULL;

	if (gr_group_get(c->st, dir, gid, &g, NULL) == 0 &&
	    json_string_value(json_object_get(g, "displayName")))
		snprintf(buf, len, "%s", json_string_value(json_object_get(g, "displayName")));
	else
		snprintf(buf, len, "%s", gid);
	json_decref(g);
	return buf;
}

/* Collect keys (and values) under a prefix into a JSON object key -> value. */
struct collect {
	json_t *obj;
	bool parse;
};

static int collect_cb(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct collect *cl = p;
	json_t *v = cl->parse ? json_loadb((const char *)val, len, JSON_DECODE_ANY, NULL)
			      : json_stringn((const char *)val, len);

	if (!v)
		return -GR_E_CORRUPT;
	return json_object_set_new(cl->obj, key, v) < 0 ? -ENOMEM : 0;
}

static int collect(struct ctl *c, const char *prefix, bool parse, json_t **out,
		   struct gr_err *err)
{
	struct collect cl = { json_object(), parse };
	int r;

	*out = NULL;
	if (!cl.obj)
		return gr_err_set(err, -ENOMEM, "out of memory");
	r = gr_store_walk(c->st, prefix, collect_cb, &cl, err);
	if (r < 0) {
		json_decref(cl.obj);
		if (r == -ENOMEM || r == -GR_E_CORRUPT)
			return gr_err_set(err, r, "cannot read '%s' records: %s", prefix,
					  gr_strerror(r));
		return r;
	}
	*out = cl.obj;
	return 0;
}

/* Sorted keys of a JSON object, for stable output. */
static int keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char **sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys));
	const char *k;
	json_t *v;
	size_t i = 0;

	if (!keys)
		return NULL;
	json_object_foreach((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, i, sizeof(*keys), keycmp);
	*n = i;
	return keys;
}

/* ---- role ---- */

static json_t *role_json(const struct gr_role *r)
{
	return json_pack("{s:s,s:s,s:s,s:i,s:s,s:I,s:b}", "slug", r->slug, "name", r->name,
			 "description", r->description, "priority", r->priority, "unix_group",
			 r->unix_group, "gid", (json_int_t)r->gid, "bound", r->bound);
}

static int fill_role_opts(struct ctl *c, struct gr_role *role)
{
	long long n;

	/* Checked before copying: a cut would hide an overlong value. */
	if (c->opt_name && !gr_valid_text(c->opt_name, sizeof(role->name) - 1))
		return ctl_fail(c, EXIT_USAGE,
				"--name: expected at most %zu bytes of UTF-8 text without control characters",
				sizeof(role->name) - 1);
	if (c->opt_description && !gr_valid_text(c->opt_description, sizeof(role->description) - 1))
		return ctl_fail(c, EXIT_USAGE,
				"--description: expected at most %zu bytes of UTF-8 text without control characters",
				sizeof(role->description) - 1);
	if (c->opt_name)
		snprintf(role->name, sizeof(role->name), "%s", c->opt_name);
	if (c->opt_description)
		snprintf(role->description, sizeof(role->description), "%s", c->opt_description);
	if (c->opt_priority) {
		if (parse_int(c->opt_priority, GR_PRIORITY_MIN, GR_PRIORITY_MAX, &n) < 0)
			return ctl_fail(c, EXIT_USAGE, "--priority: expected a number from %d to %d",
					GR_PRIORITY_MIN, GR_PRIORITY_MAX);
		role->priority = (int)n;
	}
	return 0;
}

static int cmd_role_create(struct ctl *c, int argc, char **argv)
{
	struct gr_role role;
	struct gr_err err;
	unsigned flags = 0;
	long long n;
	int r;

	gr_err_clear(&err);
	memset(&role, 0, sizeof(role));
	if (strlen(argv[0]) >= sizeof(role.slug) || !gr_valid_slug(argv[0]))
		return ctl_fail(c, EXIT_USAGE, "invalid role slug '%s' (1-64 of a-z, 0-9, '-', '_')",
				argv[0]);
	strcpy(role.slug, argv[0]);
	if ((r = fill_role_opts(c, &role)))
		return r;
	if (c->opt_unix_group) {
		if (strlen(c->opt_unix_group) >= sizeof(role.unix_group))
			return ctl_fail(c, EXIT_USAGE, "--unix-group: name too long");
		strcpy(role.unix_group, c->opt_unix_group);
	}
	if (c->opt_gid) {
		/* Any 32-bit value parses; the library says which are refused and why. */
		if (parse_int(c->opt_gid, 0, 4294967295LL, &n) < 0)
			return ctl_fail(c, EXIT_USAGE, "--gid: expected a number from 0 to 4294967295");
		role.gid = (uint32_t)n;
		flags |= GR_ROLE_GID_SET;
	}
	if (c->opt_bind)
		flags |= GR_ROLE_BIND;
	if ((r = ctl_open(c)))
		return r;
	r = gr_role_create(c->st, &role, flags, &err);
	if (r < 0)
		return FAIL(c, &err);
	if ((r = ctl_commit(c, &err)))
		return r;
	if (c->json) {
		json_t *v = role_json(&role);

		ctl_print_json(v);
		json_decref(v);
	} else {
		printf("created role %s: group %s, gid %u%s\n", role.slug, role.unix_group, role.gid,
		       role.bound ? " (bound to the host group)" : "");
	}
	return EXIT_OK;
}

static int cmd_role_update(struct ctl *c, int argc, char **argv)
{
	struct gr_role role;
	struct gr_err err;
	int r;

	gr_err_clear(&err);
	memset(&role, 0, sizeof(role));
	if ((r = fill_role_opts(c, &role)) || (r = ctl_open(c)))
		return r;
	if (gr_role_get(c->st, argv[0], &role, &err) < 0)
		return FAIL(c, &err);
	if ((r = fill_role_opts(c, &role)))
		return r;
	if (gr_role_update(c->st, &role, &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int cmd_role_list(struct ctl *c, int argc, char **argv)
{
	struct gr_role *roles = NULL;
	struct gr_err err;
	size_t n, i;

	gr_err_clear(&err);
	if (gr_role_list(c->st, &roles, &n, &err) < 0)
		return FAIL(c, &err);
	if (c->json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(arr, role_json(&roles[i]));
		ctl_print_json(arr);
		json_decref(arr);
	} else {
		static const char *const hdr[] = { "SLUG", "NAME", "PRIORITY", "UNIX GROUP", "GID" };
		const char *(*rows)[5] = calloc(n + 1, sizeof(*rows));
		char (*num)[2][16] = calloc(n + 1, sizeof(*num));
		const char ***rowp = calloc(n + 1, sizeof(*rowp));

		if (!rows || !num || !rowp) {
			free(rows);
			free(num);
			free(rowp);
			free(roles);
			return ctl_fail(c, EXIT_REFUSED, "out of memory");
		}
		for (i = 0; i < n; i++) {
			snprintf(num[i][0], 16, "%d", roles[i].priority);
			snprintf(num[i][1], 16, "%u%s", roles[i].gid, roles[i].bound ? "*" : "");
			rows[i][0] = roles[i].slug;
			rows[i][1] = roles[i].name;
			rows[i][2] = num[i][0];
			rows[i][3] = roles[i].unix_group;
			rows[i][4] = num[i][1];
			rowp[i] = rows[i];
		}
		ctl_table(stdout, hdr, (const char *const *const *)rowp, n, 5);
		for (i = 0; i < n && !roles[i].bound; i++)
			;
		if (i < n)
			printf("(* bound to an existing host group)\n");
		free(rows);
		free(num);
		free(rowp);
	}
	free(roles);
	return EXIT_OK;
}

/* Which groups map to SLUG, at tenant and organization scope. */
static int role_mappings(struct ctl *c, const char *slug, json_t **out, struct gr_err *err)
{
	static const char *const prefixes[] = { "troles/", "oroles/" };
	json_t *res = json_array(), *all = NULL, *v;
	const char *key;
	char name[512];
	size_t p;
	int r = 0;

	if (!res)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (p = 0; p < 2 && r == 0; p++) {
		r = collect(c, prefixes[p], true, &all, err);
		if (r < 0)
			break;
		json_object_foreach(all, key, v) {
			char buf[GR_KEY_MAX], *parts[4] = { NULL };
			char *save = NULL, *tok;
			int np = 0;

			if (!gr_json_array_has(v, slug))
				continue;
			snprintf(buf, sizeof(buf), "%s", key);
			for (tok = strtok_r(buf, "/", &save); tok && np < 4;
			     tok = strtok_r(NULL, "/", &save))
				parts[np++] = tok;
			if (p == 0 && np == 3)
				json_array_append_new(res, json_pack("{s:s,s:s,s:s}", "directory",
					parts[1], "group", group_name(c, parts[1], parts[2], name,
					sizeof(name)), "scope", "tenant"));
			else if (p == 1 && np == 4)
				json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s}", "directory",
					parts[2], "group", group_name(c, parts[2], parts[3], name,
					sizeof(name)), "scope", "organization", "organization",
					parts[1]));
		}
		json_decref(all);
		all = NULL;
	}
	if (r < 0) {
		json_decref(res);
		return r;
	}
	*out = res;
	return 0;
}

static int cmd_role_show(struct ctl *c, int argc, char **argv)
{
	struct gr_role role;
	struct gr_err err;
	json_t *maps = NULL, *m;
	size_t i;

	gr_err_clear(&err);
	if (gr_role_get(c->st, argv[0], &role, &err) < 0 ||
	    role_mappings(c, role.slug, &maps, &err) < 0)
		return FAIL(c, &err);
	if (c->json) {
		json_t *v = role_json(&role);

		json_object_set_new(v, "mappings", maps);
		ctl_print_json(v);
		json_decref(v);
		return EXIT_OK;
	}
	printf("role:        %s\n", role.slug);
	printf("name:        %s\n", ctl_t(role.name));
	if (role.description[0])
		printf("description: %s\n", ctl_t(role.description));
	printf("priority:    %d\n", role.priority);
	printf("unix group:  %s (gid %u)%s\n", role.unix_group, role.gid,
	       role.bound ? ", bound to the existing host group" : "");
	printf("mapped from:%s\n", json_array_size(maps) ? "" : " (no group)");
	json_array_foreach(maps, i, m) {
		if (json_object_get(m, "organization"))
			printf("  group %s (%s), organization %s\n",
			       ctl_t(json_string_value(json_object_get(m, "group"))),
			       json_string_value(json_object_get(m, "directory")),
			       json_string_value(json_object_get(m, "organization")));
		else
			printf("  group %s (%s), tenant-wide\n",
			       ctl_t(json_string_value(json_object_get(m, "group"))),
			       json_string_value(json_object_get(m, "directory")));
	}
	json_decref(maps);
	return EXIT_OK;
}

static int cmd_role_delete(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_role_delete(c->st, argv[0], &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

/* ---- directory ---- */

static int cmd_directory_create(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_dir_create(c->st, argv[0], &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int cmd_directory_delete(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_dir_delete(c->st, argv[0], &err) < 0 ||
	    gr_token_revoke_directory(c->st, argv[0], &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int cmd_directory_list(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	json_t *dirs = NULL, *arr = json_array();
	const char **keys;
	size_t n, i;

	gr_err_clear(&err);
	if (collect(c, "dir/", true, &dirs, &err) < 0) {
		json_decref(arr);
		return FAIL(c, &err);
	}
	keys = sorted_keys(dirs, &n);
	for (i = 0; keys && i < n; i++) {
		const char *name = keys[i] + 4;
		char prefix[GR_KEY_MAX];
		size_t users = 0, groups = 0;

		snprintf(prefix, sizeof(prefix), "user/%s/", name);
		gr_store_count(c->st, prefix, &users, NULL);
		snprintf(prefix, sizeof(prefix), "group/%s/", name);
		gr_store_count(c->st, prefix, &groups, NULL);
		json_array_append_new(arr, json_pack("{s:s,s:I,s:I}", "name", name, "users",
						     (json_int_t)users, "groups", (json_int_t)groups));
	}
	if (c->json) {
		ctl_print_json(arr);
	} else {
		json_t *d;

		printf("%-24s %8s %8s\n", "DIRECTORY", "USERS", "GROUPS");
		json_array_foreach(arr, i, d)
			printf("%-24s %8lld %8lld\n", json_string_value(json_object_get(d, "name")),
			       json_integer_value(json_object_get(d, "users")),
			       json_integer_value(json_object_get(d, "groups")));
	}
	free(keys);
	json_decref(dirs);
	json_decref(arr);
	return EXIT_OK;
}

/* ---- import / export ---- */

/* Names listed per kind of change on a terminal (--json has up to GR_IMPORT_MAX_NAMES). */
#define IMPORT_TEXT_NAMES 10

/* "  added user NAME" lines for one list of CHANGES, then how many more there were. */
static void print_changes(const json_t *changes, const char *kind, const char *noun,
			  const char *what, size_t count)
{
	const json_t *names = json_object_get(json_object_get(changes, kind), what), *n;
	size_t i, shown = 0;

	json_array_foreach(names, i, n) {
		if (shown == IMPORT_TEXT_NAMES)
			break;
		printf("  %s %s ", what, noun);
		gr_esc_put(stdout, json_string_value(n), 256, GR_ESC_TERM);
		putchar('\n');
		shown++;
	}
	if (count > shown)
		printf("  ... and %zu more %s %s%s\n", count - shown, what, noun,
		       count - shown == 1 ? "" : "s");
}

/* users = yes: the directory logins local accounts keep (grouprolectl check lists them too). */
static void import_accounts_warnings(struct ctl *c)
{
	json_t *report = NULL, *v;
	struct gr_err err;
	size_t i;

	gr_err_clear(&err);
	if (gr_accounts_report(c->st, &report, &err) < 0) {
		fprintf(stderr, "warning: %s\n", gr_err_msg(&err));
		return;
	}
	json_array_foreach(report, i, v) {
		fputs("warning: user ", stderr);
		gr_esc_put(stderr, json_string_value(json_object_get(v, "userName")), 256, GR_ESC_TERM);
		fputs(": login '", stderr);
		gr_esc_put(stderr, json_string_value(json_object_get(v, "login")), 256, GR_ESC_TERM);
		fprintf(stderr, "' %s\n", json_string_value(json_object_get(v, "reason")));
	}
	json_decref(report);
}

static int cmd_import(struct ctl *c, int argc, char **argv)
{
	struct gr_import_stats s;
	struct gr_err err;
	json_t *users = NULL, *groups = NULL, *unmapped = NULL, *changes = NULL, *u;
	size_t i;
	int r;

	gr_err_clear(&err);
	if (!c->opt_directory)
		return ctl_fail(c, EXIT_USAGE, "import: --directory NAME is required");
	if (gr_scim_load_list(argv[0], &users, &err) < 0 ||
	    gr_scim_load_list(argv[1], &groups, &err) < 0) {
		json_decref(users);
		return FAIL(c, &err);
	}
	if ((r = ctl_open(c))) {
		json_decref(users);
		json_decref(groups);
		return r;
	}
	r = gr_import_directory_report(c->st, c->opt_directory, users, groups, c->opt_force, &s,
				       &unmapped, &changes, &err);
	json_decref(users);
	json_decref(groups);
	if (r < 0)
		return FAIL(c, &err);
	/* Warnings go to stderr, so stdout stays the summary. */
	json_array_foreach(unmapped, i, u) {
		fputs("warning: user ", stderr);
		gr_esc_put(stderr, json_string_value(json_object_get(u, "userName")), 256, GR_ESC_TERM);
		fputs(" has no login name: ", stderr);
		gr_esc_put(stderr, json_string_value(json_object_get(u, "error")), 512, GR_ESC_TERM);
		fputc('\n', stderr);
	}
	r = ctl_publish_committed(c, &err);
	if (r) {
		json_decref(unmapped);
		json_decref(changes);
		return r;
	}
	import_accounts_warnings(c);
	if (c->json) {
		json_t *v = json_pack("{s:s,s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I},"
				      "s:{s:I,s:I,s:I},s:O,s:O}",
			"directory", c->opt_directory,
			"users", "added", (json_int_t)s.users_added, "updated",
			(json_int_t)s.users_updated, "removed", (json_int_t)s.users_removed,
			"unchanged", (json_int_t)s.users_unchanged,
			"groups", "added", (json_int_t)s.groups_added, "updated",
			(json_int_t)s.groups_updated, "removed", (json_int_t)s.groups_removed,
			"unchanged", (json_int_t)s.groups_unchanged,
			"memberships", "added", (json_int_t)s.memberships_added, "removed",
			(json_int_t)s.memberships_removed, "total", (json_int_t)s.memberships,
			"changes", changes, "unmapped", unmapped);

		ctl_print_json(v);
		json_decref(v);
	} else {
		printf("imported into '%s': users %zu added, %zu updated, %zu removed, %zu unchanged; "
		       "groups %zu added, %zu updated, %zu removed, %zu unchanged; "
		       "memberships %zu added, %zu removed, %zu in all\n",
		       c->opt_directory, s.users_added, s.users_updated, s.users_removed,
		       s.users_unchanged, s.groups_added, s.groups_updated, s.groups_removed,
		       s.groups_unchanged, s.memberships_added, s.memberships_removed,
		       s.memberships);
		print_changes(changes, "users", "user", "added", s.users_added);
		print_changes(changes, "users", "user", "updated", s.users_updated);
		print_changes(changes, "users", "user", "removed", s.users_removed);
		print_changes(changes, "groups", "group", "added", s.groups_added);
		print_changes(changes, "groups", "group", "updated", s.groups_updated);
		print_changes(changes, "groups", "group", "removed", s.groups_removed);
	}
	json_decref(unmapped);
	json_decref(changes);
	return EXIT_OK;
}

/* Write V to PATH atomically: temporary file, fsync, rename. */
static int write_json_file(struct ctl *c, const char *path, json_t *v)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return ctl_fail(c, EXIT_USAGE, "%s: path too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return ctl_fail(c, EXIT_REFUSED, "cannot write %s: %s", path, strerror(errno));
	f = fdopen(fd, "w");
	if (!f || json_dumpf(v, f, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 || fputc('\n', f) == EOF ||
	    fflush(f) != 0 || fsync(fd) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		int e = errno;

		if (!f)
			close(fd);
		unlink(tmp);
		return ctl_fail(c, EXIT_REFUSED, "cannot write %s: %s", path, strerror(e));
	}
	return EXIT_OK;
}

static int cmd_export(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	json_t *users = NULL, *groups = NULL, *ul, *gl;
	int r = EXIT_OK;

	gr_err_clear(&err);
	if (!c->opt_directory)
		return ctl_fail(c, EXIT_USAGE, "export: --directory NAME is required");
	if (argc == 1)
		return ctl_fail(c, EXIT_USAGE, "export: give both USERS.json and GROUPS.json, or neither");
	if ((r = ctl_open(c)))
		return r;
	if (gr_export_directory(c->st, c->opt_directory, &users, &groups, &err) < 0)
		return FAIL(c, &err);
	ul = gr_scim_list_response(users);
	gl = gr_scim_list_response(groups);
	if (!ul || !gl) {
		r = ctl_fail(c, EXIT_REFUSED, "out of memory");
	} else if (argc == 2) {
		r = write_json_file(c, argv[0], ul);
		if (r == EXIT_OK)
			r = write_json_file(c, argv[1], gl);
	} else {
		json_t *both = json_pack("{s:O,s:O}", "users", ul, "groups", gl);

		ctl_print_json(both);
		json_decref(both);
	}
	json_decref(ul);
	json_decref(gl);
	return r;
}

/* ---- group ---- */

struct group_row {
	char *dir, *id, *name;
	size_t members;
	json_t *roles;
};

/* A table's last cell: the slugs of ROLES joined by ',', or "-"; then the line's end. */
static void print_roles(const json_t *roles)
{
	const json_t *s;
	size_t j;

	json_array_foreach(roles, j, s)
		printf("%s%s", j ? "," : "", json_string_value(s));
	printf("%s\n", json_array_size(roles) ? "" : "-");
}

static int cmd_group_list(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	json_t *groups = NULL, *arr = json_array(), *v, *g;
	size_t i;

	gr_err_clear(&err);
	if (gr_group_list(c->st, c->opt_directory, &groups, &err) < 0) {
		json_decref(arr);
		return FAIL(c, &err);
	}
	json_array_foreach(groups, i, g) {
		const char *dir = json_string_value(json_object_get(g, "directory"));
		const char *id = json_string_value(json_object_get(g, "id"));
		json_t *members = NULL, *roles = NULL;

		gr_group_members(c->st, dir, id, &members, NULL);
		gr_group_roles_get(c->st, NULL, dir, id, &roles, NULL);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:O,s:I,s:o}", "directory", dir,
			"id", id, "displayName", json_object_get(g, "displayName"), "members",
			(json_int_t)json_array_size(members), "roles", roles ? roles : json_array()));
		json_decref(members);
	}
	if (c->json) {
		ctl_print_json(arr);
	} else {
		printf("%-12s %-38s %-28s %7s  %s\n", "DIRECTORY", "ID", "NAME", "MEMBERS",
		       "TENANT ROLES");
		json_array_foreach(arr, i, v) {
			printf("%-12s %-38s %-28s %7lld  ",
			       json_string_value(json_object_get(v, "directory")),
			       ctl_t(json_string_value(json_object_get(v, "id"))),
			       ctl_t(json_string_value(json_object_get(v, "displayName"))),
			       json_integer_value(json_object_get(v, "members")));
			print_roles(json_object_get(v, "roles"));
		}
	}
	json_decref(groups);
	json_decref(arr);
	return EXIT_OK;
}

static json_t *login_or_name(struct ctl *c, const char *dir, const char *uid)
{
	json_t *u = NULL, *out;

	if (gr_user_get(c->st, dir, uid, &u, NULL) < 0)
		return json_string(uid);
	if (json_object_get(u, "login"))
		out = json_incref(json_object_get(u, "login"));
	else
		out = json_incref(json_object_get(u, "userName"));
	json_decref(u);
	return out ? out : json_string(uid);
}

static int cmd_group_show(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	struct gr_ref ref;
	json_t *g = NULL, *members = NULL, *troles = NULL, *orgs = NULL, *out, *names, *m, *o;
	const char *key;
	size_t i;

	gr_err_clear(&err);
	if (find_group(c, argv[0], &ref, &err) < 0 || gr_group_get(c->st, ref.dir, ref.id, &g, &err) < 0)
		return FAIL(c, &err);
	if (gr_group_members(c->st, ref.dir, ref.id, &members, &err) < 0 ||
	    gr_group_roles_get(c->st, NULL, ref.dir, ref.id, &troles, &err) < 0 ||
	    collect(c, "org/", true, &orgs, &err) < 0) {
		json_decref(g);
		json_decref(members);
		json_decref(troles);
		return FAIL(c, &err);
	}
	names = json_array();
	json_array_foreach(members, i, m)
		json_array_append_new(names, login_or_name(c, ref.dir, json_string_value(m)));
	out = json_pack("{s:s,s:s,s:O,s:o,s:O,s:{}}", "directory", ref.dir, "id", ref.id,
			"displayName", json_object_get(g, "displayName"), "members", names,
			"tenant_roles", troles, "organization_roles");
	if (json_object_get(g, "externalId"))
		json_object_set(out, "externalId", json_object_get(g, "externalId"));
	json_object_foreach(orgs, key, o) {
		json_t *oroles = NULL;

		if (gr_group_roles_get(c->st, key + 4, ref.dir, ref.id, &oroles, NULL) == 0 &&
		    json_array_size(oroles))
			json_object_set(json_object_get(out, "organization_roles"), key + 4, oroles);
		json_decref(oroles);
	}
	if (c->json) {
		ctl_print_json(out);
	} else {
		json_t *s;
		size_t j;

		printf("group:        %s\n",
		       ctl_t(json_string_value(json_object_get(out, "displayName"))));
		printf("directory:    %s\nid:           %s\n", ref.dir, ref.id);
		if (json_object_get(out, "externalId"))
			printf("externalId:   %s\n",
			       ctl_t(json_string_value(json_object_get(out, "externalId"))));
		printf("members:      %zu", json_array_size(names));
		json_array_foreach(names, i, m)
			printf("%s%s", i ? ", " : " (", ctl_t(json_string_value(m)));
		printf("%s\n", json_array_size(names) ? ")" : "");
		printf("tenant roles: ");
		json_array_foreach(troles, i, s)
			printf("%s%s", i ? ", " : "", json_string_value(s));
		printf("%s\n", json_array_size(troles) ? "" : "-");
		json_object_foreach(json_object_get(out, "organization_roles"), key, o) {
			printf("roles in organization %s: ", key);
			json_array_foreach(o, j, s)
				printf("%s%s", j ? ", " : "", json_string_value(s));
			printf("\n");
		}
	}
	json_decref(out);
	json_decref(g);
	json_decref(members);
	json_decref(troles);
	json_decref(orgs);
	return EXIT_OK;
}

static int group_roles_change(struct ctl *c, const char *org, const char *group, int n,
			      char **slugs, bool add)
{
	struct gr_err err;
	struct gr_ref ref;

	gr_err_clear(&err);
	/* Removal also reaches the mappings of a group that no longer exists, by id. */
	if ((add ? find_group(c, group, &ref, &err)
		 : find_or_orphan(c, group, org ? GR_ORPHAN_ORG_GROUP_ROLES : GR_ORPHAN_GROUP_ROLES,
				  org, &ref, &err)) < 0)
		return FAIL(c, &err);
	if (gr_group_roles_change(c->st, org, ref.dir, ref.id, (const char *const *)slugs,
				  (size_t)n, add, &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int group_roles_list(struct ctl *c, const char *org, const char *group)
{
	struct gr_err err;
	struct gr_ref ref;
	json_t *roles = NULL, *s;
	size_t i;

	gr_err_clear(&err);
	if (org) {
		json_t *o = NULL;

		if (gr_org_get(c->st, org, &o, &err) < 0)
			return FAIL(c, &err);
		json_decref(o);
	}
	if (find_or_orphan(c, group, org ? GR_ORPHAN_ORG_GROUP_ROLES : GR_ORPHAN_GROUP_ROLES, org,
			   &ref, &err) < 0 ||
	    gr_group_roles_get(c->st, org, ref.dir, ref.id, &roles, &err) < 0)
		return FAIL(c, &err);
	if (c->json)
		ctl_print_json(roles);
	else
		json_array_foreach(roles, i, s)
			printf("%s\n", json_string_value(s));
	json_decref(roles);
	return EXIT_OK;
}

static int cmd_group_roles_assign(struct ctl *c, int argc, char **argv)
{
	return group_roles_change(c, NULL, argv[0], argc - 1, argv + 1, true);
}

static int cmd_group_roles_remove(struct ctl *c, int argc, char **argv)
{
	return group_roles_change(c, NULL, argv[0], argc - 1, argv + 1, false);
}

static int cmd_group_roles_list(struct ctl *c, int argc, char **argv)
{
	return group_roles_list(c, NULL, argv[0]);
}

/* ---- org ---- */

static int cmd_org_create(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_org_create(c->st, argv[0], &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int cmd_org_delete(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_org_delete(c->st, argv[0], &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

/* ORG's explicit members (gr_org_members) with their login names, orphans marked. */
static json_t *org_members(struct ctl *c, const char *org)
{
	json_t *rows = NULL, *out = json_array(), *row;
	size_t i;

	if (gr_org_members(c->st, org, &rows, NULL) < 0)
		return out;
	json_array_foreach(rows, i, row) {
		const char *dir = json_string_value(json_object_get(row, "directory"));
		const char *uid = json_string_value(json_object_get(row, "id"));

		json_array_append_new(out, json_pack("{s:s,s:s,s:o,s:b}", "directory", dir, "id",
						     uid, "user", login_or_name(c, dir, uid),
						     "orphaned", !gr_user_exists(c->st, dir, uid)));
	}
	json_decref(rows);
	return out;
}

static int cmd_org_list(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	json_t *orgs = NULL, *arr = json_array(), *o;
	size_t i;

	gr_err_clear(&err);
	if (gr_org_list(c->st, &orgs, &err) < 0) {
		json_decref(arr);
		return FAIL(c, &err);
	}
	json_array_foreach(orgs, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		json_t *m = org_members(c, name);

		json_array_append_new(arr, json_pack("{s:s,s:O,s:I}", "name", name, "connections",
			json_object_get(o, "connections"), "members",
			(json_int_t)json_array_size(m)));
		json_decref(m);
	}
	if (c->json) {
		ctl_print_json(arr);
	} else {
		printf("%-20s %-8s %s\n", "ORGANIZATION", "MEMBERS", "CONNECTIONS");
		json_array_foreach(arr, i, o) {
			const char *d;
			json_t *conn;
			int k = 0;

			printf("%-20s %-8lld ", json_string_value(json_object_get(o, "name")),
			       json_integer_value(json_object_get(o, "members")));
			json_object_foreach(json_object_get(o, "connections"), d, conn)
				printf("%s%s (auto-membership %s)", k++ ? ", " : "", d,
				       json_is_true(json_object_get(conn, "auto_membership")) ? "on"
											      : "off");
			printf("%s\n", k ? "" : "-");
		}
	}
	json_decref(orgs);
	json_decref(arr);
	return EXIT_OK;
}

static int cmd_org_show(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	json_t *o = NULL, *out, *m, *conn;
	const char *d;
	size_t i;

	gr_err_clear(&err);
	if (gr_org_get(c->st, argv[0], &o, &err) < 0)
		return FAIL(c, &err);
	out = json_pack("{s:s,s:O,s:o}", "name", argv[0], "connections",
			json_object_get(o, "connections"), "members", org_members(c, argv[0]));
	if (c->json) {
		ctl_print_json(out);
	} else {
		printf("organization: %s\nconnections:\n", argv[0]);
		json_object_foreach(json_object_get(o, "connections"), d, conn)
			printf("  %s, auto-membership %s\n", d,
			       json_is_true(json_object_get(conn, "auto_membership")) ? "on" : "off");
		printf("explicit members:\n");
		json_array_foreach(json_object_get(out, "members"), i, m)
			printf("  %s (%s%s)\n", ctl_t(json_string_value(json_object_get(m, "user"))),
			       json_string_value(json_object_get(m, "directory")),
			       json_is_true(json_object_get(m, "orphaned"))
				       ? ", orphaned: the user no longer exists" : "");
	}
	json_decref(out);
	json_decref(o);
	return EXIT_OK;
}

/* The groups of ORG's connected directories (gr_org_groups), with their roles in ORG. */
static int cmd_org_groups(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	json_t *groups = NULL, *arr = json_array(), *g;
	size_t i;

	gr_err_clear(&err);
	if (gr_org_groups(c->st, argv[0], &groups, &err) < 0) {
		json_decref(arr);
		return FAIL(c, &err);
	}
	json_array_foreach(groups, i, g) {
		const char *dir = json_string_value(json_object_get(g, "directory"));
		const char *id = json_string_value(json_object_get(g, "id"));
		json_t *roles = NULL;

		gr_group_roles_get(c->st, argv[0], dir, id, &roles, NULL);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:O,s:o}", "directory", dir, "id", id,
			"displayName", json_object_get(g, "displayName"), "roles",
			roles ? roles : json_array()));
	}
	if (c->json) {
		ctl_print_json(arr);
	} else {
		printf("%-12s %-38s %-28s %s\n", "DIRECTORY", "ID", "NAME", "ORGANIZATION ROLES");
		json_array_foreach(arr, i, g) {
			printf("%-12s %-38s %-28s ", json_string_value(json_object_get(g, "directory")),
			       ctl_t(json_string_value(json_object_get(g, "id"))),
			       ctl_t(json_string_value(json_object_get(g, "displayName"))));
			print_roles(json_object_get(g, "roles"));
		}
	}
	json_decref(groups);
	json_decref(arr);
	return EXIT_OK;
}

static int cmd_org_connection_enable(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	bool autom = false;

	gr_err_clear(&err);
	int r;

	if (c->opt_auto_membership && parse_onoff(c->opt_auto_membership, &autom) < 0)
		return ctl_fail(c, EXIT_USAGE, "--auto-membership: expected on or off");
	if ((r = ctl_open(c)))
		return r;
	if (gr_org_connection(c->st, argv[0], argv[1], true, autom, &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int cmd_org_connection_disable(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_org_connection(c->st, argv[0], argv[1], false, false, &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int org_member_change(struct ctl *c, char **argv, bool add)
{
	struct gr_err err;
	struct gr_ref ref;

	gr_err_clear(&err);
	if ((add ? find_user(c, argv[1], &ref, &err)
		 : find_or_orphan(c, argv[1], GR_ORPHAN_ORG_MEMBER, argv[0], &ref, &err)) < 0 ||
	    gr_org_member(c->st, argv[0], &ref, add, &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int cmd_org_member_add(struct ctl *c, int argc, char **argv)
{
	return org_member_change(c, argv, true);
}

static int cmd_org_member_remove(struct ctl *c, int argc, char **argv)
{
	return org_member_change(c, argv, false);
}

static int cmd_org_group_roles_assign(struct ctl *c, int argc, char **argv)
{
	return group_roles_change(c, argv[0], argv[1], argc - 2, argv + 2, true);
}

static int cmd_org_group_roles_remove(struct ctl *c, int argc, char **argv)
{
	return group_roles_change(c, argv[0], argv[1], argc - 2, argv + 2, false);
}

static int cmd_org_group_roles_list(struct ctl *c, int argc, char **argv)
{
	return group_roles_list(c, argv[0], argv[1]);
}

/* ---- assign ---- */

static int cmd_assign_add(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	struct gr_ref ref;
	long long now = (long long)time(NULL), expires = 0;
	int r;

	gr_err_clear(&err);
	if (!c->opt_resource)
		return ctl_fail(c, EXIT_USAGE, "assign add: --resource RES is required");
	if (c->opt_expires && ctl_parse_time(c->opt_expires, now, &expires) < 0)
		return ctl_fail(c, EXIT_USAGE,
				"--expires: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or +N[dhm]");
	if ((r = ctl_open(c)))
		return r;
	if (find_user(c, argv[0], &ref, &err) < 0 ||
	    gr_assign_create(c->st, &ref, argv[1], c->opt_resource, expires, now, &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int cmd_assign_remove(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	struct gr_ref ref;
	int r;

	gr_err_clear(&err);
	if (!c->opt_resource)
		return ctl_fail(c, EXIT_USAGE, "assign remove: --resource RES is required");
	if ((r = ctl_open(c)))
		return r;
	if (find_or_orphan(c, argv[0], GR_ORPHAN_ASSIGNMENT, NULL, &ref, &err) < 0 ||
	    gr_assign_remove(c->st, &ref, argv[1], c->opt_resource, &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int cmd_assign_list(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	struct gr_ref ref;
	json_t *rows = NULL, *arr = json_array(), *a, *v;
	char tbuf[64];
	long long now = (long long)time(NULL);
	size_t i;

	gr_err_clear(&err);
	if ((argc == 1 && find_or_orphan(c, argv[0], GR_ORPHAN_ASSIGNMENT, NULL, &ref, &err) < 0) ||
	    gr_assign_list(c->st, argc == 1 ? ref.dir : NULL, argc == 1 ? ref.id : NULL, &rows,
			   &err) < 0) {
		json_decref(arr);
		return FAIL(c, &err);
	}
	json_array_foreach(rows, i, a) {
		const char *dir = json_string_value(json_object_get(a, "directory"));
		const char *uid = json_string_value(json_object_get(a, "id"));
		long long exp = json_integer_value(json_object_get(a, "expires"));

		/* The user may be gone from the IdP: the record stays, shown by id. */
		json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:O,s:O,s:I,s:b,s:b}",
			"directory", dir, "id", uid, "user", login_or_name(c, dir, uid), "role",
			json_object_get(a, "role"), "resource", json_object_get(a, "resource"),
			"expires", (json_int_t)exp, "expired", exp && exp <= now, "orphaned",
			!gr_user_exists(c->st, dir, uid)));
	}
	json_decref(rows);
	if (c->json) {
		ctl_print_json(arr);
	} else {
		printf("%-20s %-16s %-24s %s\n", "USER", "ROLE", "RESOURCE", "EXPIRES");
		json_array_foreach(arr, i, v) {
			long long exp = json_integer_value(json_object_get(v, "expires"));

			printf("%-20s %-16s %-24s %s%s",
			       ctl_t(json_string_value(json_object_get(v, "user"))),
			       ctl_t(json_string_value(json_object_get(v, "role"))),
			       ctl_t(json_string_value(json_object_get(v, "resource"))),
			       exp ? ctl_format_time(exp, tbuf, sizeof(tbuf)) : "never",
			       json_is_true(json_object_get(v, "expired")) ? " (expired)" : "");
			if (json_is_true(json_object_get(v, "orphaned"))) {
				fputs(" (orphaned: no user ", stdout);
				gr_esc_put(stdout, json_string_value(json_object_get(v, "id")), 256,
					   GR_ESC_TERM);
				printf(" in %s)", json_string_value(json_object_get(v, "directory")));
			}
			putchar('\n');
		}
	}
	json_decref(arr);
	return EXIT_OK;
}

/* ---- policy ---- */

static int cmd_policy_set(struct ctl *c, int argc, char **argv)
{
	struct gr_policy p;
	struct gr_err err;
	int r;

	gr_err_clear(&err);
	if (strcmp(argv[0], "multiple-roles") && strcmp(argv[0], "default-role") &&
	    strcmp(argv[0], "role-attribute"))
		return ctl_fail(c, EXIT_USAGE,
				"policy set: expected multiple-roles, default-role or role-attribute");
	if (!strcmp(argv[0], "multiple-roles") && parse_onoff(argv[1], &p.multiple_roles) < 0)
		return ctl_fail(c, EXIT_USAGE, "policy set multiple-roles: expected on or off");
	if ((r = ctl_open(c)))
		return r;
	if (gr_policy_get(c->st, &p, &err) < 0)
		return FAIL(c, &err);
	if (!strcmp(argv[0], "multiple-roles")) {
		if (parse_onoff(argv[1], &p.multiple_roles) < 0)
			return ctl_fail(c, EXIT_USAGE, "policy set multiple-roles: expected on or off");
	} else if (!strcmp(argv[0], "default-role")) {
		if (!strcmp(argv[1], "none"))
			p.default_role[0] = '\0';
		else if (!gr_valid_slug(argv[1]))
			return ctl_fail(c, EXIT_USAGE, "invalid role slug '%s'", argv[1]);
		else
			snprintf(p.default_role, sizeof(p.default_role), "%s", argv[1]);
	} else if (!strcmp(argv[0], "role-attribute")) {
		if (!strcmp(argv[1], "none"))
			p.role_attribute[0] = '\0';
		else if (strlen(argv[1]) >= sizeof(p.role_attribute) || strpbrk(argv[1], " \t/"))
			return ctl_fail(c, EXIT_USAGE, "invalid attribute name '%s'", argv[1]);
		else
			snprintf(p.role_attribute, sizeof(p.role_attribute), "%s", argv[1]);
	} else {
		return ctl_fail(c, EXIT_USAGE,
				"policy set: expected multiple-roles, default-role or role-attribute");
	}
	if (gr_policy_put(c->st, &p, &err) < 0)
		return FAIL(c, &err);
	return ctl_commit(c, &err);
}

static int cmd_policy_show(struct ctl *c, int argc, char **argv)
{
	struct gr_policy p;
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_policy_get(c->st, &p, &err) < 0)
		return FAIL(c, &err);
	if (c->json) {
		json_t *v = json_pack("{s:b,s:s?,s:s?}", "multiple_roles", p.multiple_roles,
				      "default_role", p.default_role[0] ? p.default_role : NULL,
				      "role_attribute", p.role_attribute[0] ? p.role_attribute : NULL);

		ctl_print_json(v);
		json_decref(v);
	} else {
		printf("multiple-roles: %s\n", p.multiple_roles ? "on" : "off");
		printf("default-role:   %s\n", p.default_role[0] ? p.default_role : "none");
		printf("role-attribute: %s\n", p.role_attribute[0] ? ctl_t(p.role_attribute) : "none");
	}
	return EXIT_OK;
}

/* ---- user ---- */

static int cmd_user_list(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	json_t *users = NULL, *arr = json_array(), *v;
	char prefix[GR_KEY_MAX];
	const char **keys;
	size_t n, i;

	gr_err_clear(&err);
	if (c->opt_directory && gr_dir_check(c->st, c->opt_directory, &err) < 0) {
		json_decref(arr);
		return FAIL(c, &err);
	}
	snprintf(prefix, sizeof(prefix), "user/%s%s", c->opt_directory ? c->opt_directory : "",
		 c->opt_directory ? "/" : "");
	if (collect(c, prefix, true, &users, &err) < 0) {
		json_decref(arr);
		return FAIL(c, &err);
	}
	keys = sorted_keys(users, &n);
	for (i = 0; keys && i < n; i++) {
		json_t *u = json_object_get(users, keys[i]);
		const char *rest = keys[i] + 5, *slash = strchr(rest, '/');

		json_t *groups = NULL;

		if (!slash)
			continue;
		json_object_set_new(u, "directory", json_stringn(rest, (size_t)(slash - rest)));
		/* The record holds no groups (schema 2): count the user's chunks' ids. */
		if (!json_object_get(u, "groups")) {
			char d[GR_NAME_MAX + 1];

			snprintf(d, sizeof(d), "%.*s", (int)(slash - rest), rest);
			gr_ugroups_get(c->st, d, slash + 1, &groups, NULL, NULL);
		}
		json_object_set_new(u, "groups",
				    json_integer((json_int_t)json_array_size(
					    groups ? groups : json_object_get(u, "groups"))));
		json_decref(groups);
		json_array_append(arr, u);
	}
	if (c->json) {
		ctl_print_json(arr);
	} else {
		printf("%-12s %-16s %-32s %-6s %6s  %s\n", "DIRECTORY", "LOGIN", "USERNAME", "ACTIVE",
		       "GROUPS", "NOTE");
		json_array_foreach(arr, i, v) {
			const char *login = json_string_value(json_object_get(v, "login"));
			const char *lerr = json_string_value(json_object_get(v, "login_error"));

			printf("%-12s %-16s %-32s %-6s %6lld  %s\n",
			       json_string_value(json_object_get(v, "directory")),
			       login ? ctl_t(login) : "-",
			       ctl_t(json_string_value(json_object_get(v, "userName"))),
			       json_is_false(json_object_get(v, "active")) ? "no" : "yes",
			       json_integer_value(json_object_get(v, "groups")), lerr ? ctl_t(lerr) : "");
		}
	}
	free(keys);
	json_decref(users);
	json_decref(arr);
	return EXIT_OK;
}

static void print_provenance(const struct gr_provenance *p)
{
	char tbuf[64];

	switch (p->kind) {
	case GR_SRC_GROUP:
		printf("group %s", ctl_t(p->detail));
		break;
	case GR_SRC_ORG_GROUP:
		printf("group %s in organization %s", ctl_t(p->detail), ctl_t(p->context));
		break;
	case GR_SRC_ATTRIBUTE:
		printf("attribute %s = %s", ctl_t(p->context), ctl_t(p->detail));
		break;
	case GR_SRC_DEFAULT:
		printf("default role");
		break;
	case GR_SRC_ASSIGNMENT:
		printf("assignment on %s", ctl_t(p->detail));
		if (p->expires)
			printf(" until %s", ctl_format_time(p->expires, tbuf, sizeof(tbuf)));
		break;
	}
}

static int cmd_user_show(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	struct gr_ref ref;
	struct gr_context *ctx = NULL;
	struct gr_facts *f = NULL;
	struct gr_resolution res;
	const struct gr_resolve_input *in;
	const json_t *u;
	json_t *out = NULL, *groups, *roles;
	size_t i, j, n_roles = 0;
	const struct gr_role *catalog;
	uint32_t uid = 0;
	int r;

	gr_err_clear(&err);
	memset(&res, 0, sizeof(res));
	/* --organization: as a host serving ORG would (the API's member form). */
	if (find_user(c, argv[0], &ref, &err) < 0 ||
	    (c->opt_organization ? gr_context_load_org(c->st, c->opt_organization, &ctx, &err)
				 : gr_context_load(c->st, &ctx, &err)) < 0 ||
	    gr_facts_load(c->st, ctx, ref.dir, ref.id, &f, &err) < 0) {
		gr_context_free(ctx);
		return FAIL(c, &err);
	}
	in = gr_facts_input(f);
	r = gr_resolve(in, &res);
	if (r < 0 || (c->opt_organization && !res.org_member)) {
		r = r < 0 ? ctl_fail(c, EXIT_REFUSED, "out of memory")
			  : ctl_fail(c, EXIT_REFUSED, "'%s' is not a member of organization '%s'",
				     argv[0], c->opt_organization);
		gr_resolution_free(&res);
		gr_facts_free(f);
		gr_context_free(ctx);
		return r;
	}
	catalog = gr_context_roles(ctx, &n_roles);
	u = gr_facts_user(f);
	groups = json_array();
	for (i = 0; i < in->n_groups; i++)
		json_array_append_new(groups, json_pack("{s:s,s:s}", "id", in->groups[i].id, "name",
							in->groups[i].name));
	roles = json_array();
	for (i = 0; i < res.n_roles; i++) {
		long idx = gr_context_role_index(ctx, res.roles[i].slug);
		json_t *prov = json_array();

		for (j = 0; j < res.roles[i].n_prov; j++)
			json_array_append_new(prov, gr_provenance_json(&res.roles[i].prov[j]));
		json_array_append_new(roles, json_pack("{s:s,s:s,s:I,s:o}", "slug", res.roles[i].slug,
			"unix_group", idx >= 0 ? catalog[idx].unix_group : "",
			"gid", (json_int_t)(idx >= 0 ? catalog[idx].gid : 0), "from", prov));
	}
	out = json_pack("{s:s,s:s,s:O,s:O*,s:O*,s:b,s:o,s:o,s:b}", "directory", ref.dir, "id",
			ref.id, "userName", json_object_get(u, "userName"), "login",
			json_object_get(u, "login"), "login_error", json_object_get(u, "login_error"),
			"active", in->active, "groups", groups, "roles", roles,
			"organization_member", res.org_member);
	json_object_set_new(out, "organization_roles", json_boolean(res.org_roles));
	/* users = yes: the uid (kept across renames), when the user has one. */
	if (c->cfg.users && gr_account_uid(c->st, ref.dir, ref.id, &uid, NULL) == 0)
		json_object_set_new(out, "uid", json_integer(uid));
	/* The host's organization and how the user belongs to it, as the text form says. */
	json_object_set_new(out, "organization", in->host_org ? json_string(in->host_org) : json_null());
	json_object_set_new(out, "organization_explicit_member", json_boolean(in->org_member));
	if (res.n_ignored) {
		json_t *ign = json_array();

		for (i = 0; i < res.n_ignored; i++)
			json_array_append_new(ign, json_string(res.ignored[i]));
		json_object_set_new(out, "ignored_attribute_values", ign);
	}
	r = EXIT_OK;
	if (c->json) {
		ctl_print_json(out);
	} else {
		const char *login = json_string_value(json_object_get(u, "login"));

		printf("user:         %s\n", ctl_t(json_string_value(json_object_get(u, "userName"))));
		printf("directory:    %s\nid:           %s\n", ref.dir, ref.id);
		printf("login:        %s\n",
		       ctl_t(login ? login : json_string_value(json_object_get(u, "login_error"))));
		printf("active:       %s\n", in->active ? "yes" : "no (logins are denied)");
		if (json_object_get(out, "uid"))
			printf("uid:          %" PRIu32 "\n", uid);
		printf("groups:       ");
		for (i = 0; i < in->n_groups; i++)
			printf("%s%s", i ? ", " : "", ctl_t(in->groups[i].name));
		printf("%s\n", in->n_groups ? "" : "-");
		/* Organization roles flow only through auto-membership (resolve.h). */
		if (in->host_org && !res.org_member)
			printf("organization: %s (not a member)\n", in->host_org);
		else if (in->host_org && res.org_roles)
			printf("organization: %s (%s)\n", in->host_org,
			       in->org_member ? "explicit member, auto-membership on"
					      : "member by auto-membership");
		else if (in->host_org)
			printf("organization: %s (explicit member; its group roles need "
			       "auto-membership on its connection to %s)\n", in->host_org, ref.dir);
		if (c->opt_organization)
			printf("roles on a host of organization %s:%s\n", c->opt_organization,
			       res.n_roles ? "" : " none");
		else
			printf("roles on this host:%s\n", res.n_roles ? "" : " none");
		for (i = 0; i < res.n_roles; i++) {
			long idx = gr_context_role_index(ctx, res.roles[i].slug);

			printf("  %-16s %-22s from ", res.roles[i].slug,
			       idx >= 0 ? catalog[idx].unix_group : "");
			for (j = 0; j < res.roles[i].n_prov; j++) {
				if (j)
					printf("; ");
				print_provenance(&res.roles[i].prov[j]);
			}
			printf("\n");
		}
		for (i = 0; i < res.n_ignored; i++)
			printf("  (attribute value '%s' names no role: ignored)\n",
			       ctl_t(res.ignored[i]));
	}
	json_decref(out);
	gr_resolution_free(&res);
	gr_facts_free(f);
	gr_context_free(ctx);
	return r;
}

/* ---- publish / check ---- */

static int cmd_publish(struct ctl *c, int argc, char **argv)
{
	struct gr_publish_stats ps;
	struct gr_err err;

	gr_err_clear(&err);
	if (ctl_publish(c, &ps, &err) < 0)
		return FAIL(c, &err);
	if (c->json) {
		json_t *v = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "users", (json_int_t)ps.users,
			"users_with_roles", (json_int_t)ps.users_with_roles, "groups",
			(json_int_t)ps.groups, "memberships", (json_int_t)ps.memberships,
			"generation", (json_int_t)ps.generation, "next_expiry",
			(json_int_t)ps.next_expiry, "bytes", (json_int_t)ps.bytes);

		ctl_print_json(v);
		json_decref(v);
	} else {
		printf("published generation %" PRIu64 ": %zu role groups, %zu of %zu users with roles, "
		       "%zu memberships, %" PRIu64 " bytes",
		       ps.generation, ps.groups, ps.users_with_roles, ps.users, ps.memberships,
		       ps.bytes);
		if (c->cfg.users)
			printf("; %zu accounts, %zu logins left to local accounts", ps.accounts,
			       ps.shadowed);
		putchar('\n');
	}
	return EXIT_OK;
}

/* users = yes: a uid for every user stored before accounts were turned on. */
static int cmd_accounts_allocate(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	size_t n = 0;
	int r;

	(void)argc;
	(void)argv;
	gr_err_clear(&err);
	if (gr_accounts_allocate(c->st, &n, &err) < 0)
		return FAIL(c, &err);
	r = ctl_commit(c, &err);
	if (r == EXIT_OK && !c->json)
		printf("gave %zu user%s a uid\n", n, n == 1 ? "" : "s");
	return r;
}

/* ---- the command table ---- */

#define W CMD_WRITE
#define R CMD_READ
const struct ctl_cmd ctl_commands[] = {
	{ { "role", "create" }, 1, 1, W | CMD_LAZY, cmd_role_create,
	  "role create SLUG [--name T] [--description T] [--priority N] [--unix-group NAME] [--gid N] [--bind]" },
	{ { "role", "update" }, 1, 1, W | CMD_LAZY, cmd_role_update,
	  "role update SLUG [--name T] [--description T] [--priority N]" },
	{ { "role", "list" }, 0, 0, R, cmd_role_list, "role list" },
	{ { "role", "show" }, 1, 1, R, cmd_role_show, "role show SLUG" },
	{ { "role", "delete" }, 1, 1, W, cmd_role_delete, "role delete SLUG" },
	{ { "directory", "create" }, 1, 1, W, cmd_directory_create, "directory create NAME" },
	{ { "directory", "list" }, 0, 0, R, cmd_directory_list, "directory list" },
	{ { "directory", "delete" }, 1, 1, W, cmd_directory_delete, "directory delete NAME" },
	{ { "import" }, 2, 2, CMD_OWNTXN | CMD_LAZY, cmd_import,
	  "import --directory NAME USERS.json GROUPS.json [--force]" },
	{ { "export" }, 0, 2, R | CMD_LAZY, cmd_export, "export --directory NAME [USERS.json GROUPS.json]" },
	{ { "group", "list" }, 0, 0, R, cmd_group_list, "group list [--directory NAME]" },
	{ { "group", "show" }, 1, 1, R, cmd_group_show, "group show GROUP [--directory NAME]" },
	{ { "group", "roles", "assign" }, 2, -1, W, cmd_group_roles_assign,
	  "group roles assign GROUP ROLE... [--directory NAME]" },
	{ { "group", "roles", "remove" }, 2, -1, W, cmd_group_roles_remove,
	  "group roles remove GROUP ROLE... [--directory NAME]" },
	{ { "group", "roles", "list" }, 1, 1, R, cmd_group_roles_list,
	  "group roles list GROUP [--directory NAME]" },
	{ { "org", "create" }, 1, 1, W, cmd_org_create, "org create ORG" },
	{ { "org", "list" }, 0, 0, R, cmd_org_list, "org list" },
	{ { "org", "show" }, 1, 1, R, cmd_org_show, "org show ORG" },
	{ { "org", "groups" }, 1, 1, R, cmd_org_groups, "org groups ORG" },
	{ { "org", "delete" }, 1, 1, W, cmd_org_delete, "org delete ORG" },
	{ { "org", "connection", "enable" }, 2, 2, W | CMD_LAZY, cmd_org_connection_enable,
	  "org connection enable ORG DIRECTORY [--auto-membership on|off]" },
	{ { "org", "connection", "disable" }, 2, 2, W, cmd_org_connection_disable,
	  "org connection disable ORG DIRECTORY" },
	{ { "org", "member", "add" }, 2, 2, W, cmd_org_member_add,
	  "org member add ORG USER [--directory NAME]" },
	{ { "org", "member", "remove" }, 2, 2, W, cmd_org_member_remove,
	  "org member remove ORG USER [--directory NAME]" },
	{ { "org", "group", "roles", "assign" }, 3, -1, W, cmd_org_group_roles_assign,
	  "org group roles assign ORG GROUP ROLE... [--directory NAME]" },
	{ { "org", "group", "roles", "remove" }, 3, -1, W, cmd_org_group_roles_remove,
	  "org group roles remove ORG GROUP ROLE... [--directory NAME]" },
	{ { "org", "group", "roles", "list" }, 2, 2, R, cmd_org_group_roles_list,
	  "org group roles list ORG GROUP [--directory NAME]" },
	{ { "assign", "add" }, 2, 2, W | CMD_LAZY, cmd_assign_add,
	  "assign add USER ROLE --resource RES [--expires TIME] [--directory NAME]" },
	{ { "assign", "remove" }, 2, 2, W | CMD_LAZY, cmd_assign_remove,
	  "assign remove USER ROLE --resource RES [--directory NAME]" },
	{ { "assign", "list" }, 0, 1, R, cmd_assign_list, "assign list [USER] [--directory NAME]" },
	{ { "policy", "set" }, 2, 2, W | CMD_LAZY, cmd_policy_set,
	  "policy set multiple-roles on|off | default-role SLUG|none | role-attribute ATTR|none" },
	{ { "policy", "show" }, 0, 0, R, cmd_policy_show, "policy show" },
	{ { "user", "list" }, 0, 0, R, cmd_user_list, "user list [--directory NAME]" },
	{ { "user", "show" }, 1, 1, R, cmd_user_show, "user show USER [--directory NAME] [--organization ORG]" },
	{ { "accounts", "allocate" }, 0, 0, W, cmd_accounts_allocate, "accounts allocate" },
	{ { "publish" }, 0, 0, CMD_OWNTXN | CMD_NO_CATCHUP, cmd_publish, "publish" },
	{ { "check" }, 0, 0, R | CMD_NO_CATCHUP, cmd_check, "check" },
	{ { "token", "create" }, 0, 0, CMD_OWNTXN | CMD_LAZY, cmd_token_create,
	  "token create --directory NAME | --api --scopes S1,S2 [--expires TIME] [--description TEXT]" },
	{ { "token", "list" }, 0, 0, R, cmd_token_list, "token list [--directory NAME]" },
	{ { "token", "revoke" }, 1, 1, W, cmd_token_revoke, "token revoke ID" },
	{ { "status" }, 0, 0, CMD_LAZY | CMD_NO_CATCHUP, cmd_status, "status" },
	{ { "events" }, 0, 0, CMD_LAZY | CMD_NO_CATCHUP, cmd_events,
	  "events [--since TIME] [--follow] [--json]" },
	{ { NULL }, 0, 0, 0, NULL, NULL },
};

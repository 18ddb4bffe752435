/* SPDX-License-Identifier: MIT */
/*
 * grouprolectl check: is this host's state sound, in a form monitoring can
 * act on.
 *
 * Problems (exit 1) mean NSS or PAM may be answering wrongly, or will stop
 * answering: a corrupt database, a snapshot that is missing, unreadable,
 * behind the database (a commit whose publish failed) or past an
 * assignment's expiry, temporary files that cannot be removed.  Unsafe
 * permissions never get here: opening the store refuses them (exit 1).
 *
 * Warnings (exit 4 when there is no problem) are facts an admin should see
 * but that do not make the host wrong: users whose name does not map to a
 * login (unmappable, or colliding with another user's), the dead space an
 * interrupted commit left, a readable database mode that was just repaired,
 * stale temporary files that were just removed, a host organization that
 * does not exist, admin records (assignments, organization members, group
 * role mappings) whose user or group the IdP deleted, and a fleet host out
 * of step with its LDAP servers for longer than max_staleness (it keeps
 * answering from what it has: a warning, not a problem).
 *
 * Every line that may carry directory data is escaped for the terminal;
 * --json gives {"ok", "generation", "problems": [...], "warnings": [...], "orphans": [...]}.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "accounts/accounts.h"
#include "core/escape.h"
#include "fleet/syncstatus.h"
#include "publish/loginsnap.h"
#include "publish/publish.h"
#include "publish/snapshot.h"
#include "store/orphans.h"
#include "store/records.h"

struct findings {
	json_t *problems;
	json_t *warnings;
};

static int check_user(const char *key, const unsigned char *val, size_t len, void *p)
{
	struct findings *f = p;
	json_t *u = json_loadb((const char *)val, len, 0, NULL);

	if (!u) {
		json_array_append_new(f->problems, json_sprintf("%s: record is not JSON", key));
		return 0;
	}
	if (json_object_get(u, "login_error"))
		json_array_append_new(f->warnings,
				      json_sprintf("user %s: %s",
						   json_string_value(json_object_get(u, "userName")),
						   json_string_value(json_object_get(u, "login_error"))));
	json_decref(u);
	return 0;
}

/* users = yes: directory logins local accounts keep, users without a uid. */
static void check_accounts(struct ctl *c, struct findings *f)
{
	json_t *report = NULL, *v;
	struct gr_err err;
	size_t i;

	gr_err_clear(&err);
	if (gr_accounts_report(c->st, &report, &err) < 0) {
		json_array_append_new(f->problems, json_string(gr_err_msg(&err)));
		return;
	}
	json_array_foreach(report, i, v)
		json_array_append_new(f->warnings,
			json_sprintf("user %s: login '%s' %s",
				     json_string_value(json_object_get(v, "userName")),
				     json_string_value(json_object_get(v, "login")),
				     json_string_value(json_object_get(v, "reason"))));
	json_decref(report);
}

static void check_database(struct ctl *c, struct findings *f)
{
	struct gr_store_integrity in;
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_store_verify(c->st, &in, &err) < 0) {
		json_array_append_new(f->problems, json_string(gr_err_msg(&err)));
		return;
	}
	if (in.dead_tail)
		json_array_append_new(f->warnings,
			json_sprintf("directory.tdb holds %" PRIu64 " bytes of dead space left by an interrupted commit (harmless; the data is intact)",
				     in.dead_bytes));
	else if (!in.ok)
		json_array_append_new(f->problems,
			json_sprintf("directory.tdb fails libtdb's integrity check%s%s",
				     in.detail[0] ? ": " : "", in.detail));
	if (gr_store_repaired_mode(c->st))
		json_array_append_new(f->warnings,
			json_sprintf("directory.tdb was readable by others (mode %04o); it is 0600 now",
				     gr_store_repaired_mode(c->st)));
}

static void check_snapshot(struct ctl *c, struct findings *f, uint64_t gen)
{
	char path[PATH_MAX];
	struct gr_snap *snap = NULL;
	int r;

	gr_config_state_path(&c->cfg, GR_SNAP_FILE, path, sizeof(path));
	r = gr_snap_open(path, c->cfg.test_mode, &snap);
	if (r < 0) {
		json_array_append_new(f->problems, json_sprintf("snapshot %s: %s", path,
			r == -ENOENT ? "missing (run 'grouprolectl publish')" : gr_strerror(r)));
		return;
	}
	const struct gr_snap_header *h = gr_snap_header(snap);

	if (h->generation != gen)
		json_array_append_new(f->problems,
			json_sprintf("snapshot is from generation %" PRIu64
				     ", the directory is at %" PRIu64 " (run 'grouprolectl publish')",
				     h->generation, gen));
	if (h->next_expiry && h->next_expiry <= (int64_t)time(NULL))
		json_array_append_new(f->problems,
			json_string("an assignment in the snapshot has expired since it was published (run 'grouprolectl publish')"));
	gr_snap_close(snap);
}

/* login.tdb, what PAM decides from: present, readable, built for this host, current. */
static void check_login_snapshot(struct ctl *c, struct findings *f, uint64_t gen)
{
	struct gr_login_snap *snap = NULL;
	struct gr_err err;
	int r;

	gr_err_clear(&err);
	r = gr_login_snap_open(&c->cfg, &snap, &err);
	if (r == -ENOENT) {
		json_array_append_new(f->problems, json_string(
			"login snapshot login.tdb: missing, PAM applies fail= (run 'grouprolectl publish')"));
		return;
	}
	if (r < 0) {
		json_array_append_new(f->problems,
			json_sprintf("login snapshot: %s (PAM applies fail=)", gr_err_msg(&err)));
		return;
	}
	if (gr_login_snap_header(snap)->generation != gen)
		json_array_append_new(f->problems,
			json_sprintf("login snapshot is from generation %" PRIu64
				     ", the directory is at %" PRIu64 " (run 'grouprolectl publish')",
				     gr_login_snap_header(snap)->generation, gen));
	gr_login_snap_close(snap);
}

static void check_temp_files(struct ctl *c, struct findings *f)
{
	struct gr_sweep sw;
	struct gr_err err;

	gr_err_clear(&err);
	/* A publisher at work holds the lock; its file is not stale. */
	if (gr_publish_sweep(&c->cfg, &sw, &err) < 0 && !sw.left) {
		json_array_append_new(f->problems, json_string(gr_err_msg(&err)));
		return;
	}
	if (sw.left)
		json_array_append_new(f->problems,
			json_sprintf("%zu stale temporary snapshot file(s) cannot be removed: %s",
				     sw.left, gr_err_msg(&err)));
	if (sw.removed)
		json_array_append_new(f->warnings,
			json_sprintf("removed %zu temporary snapshot file(s) left by a publish that did not finish",
				     sw.removed));
}

static void print_lines(const char *label, const json_t *arr)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		printf("%s: ", label);
		gr_esc_put(stdout, json_string_value(v), GR_ESC_NOMAX, GR_ESC_TERM);
		putchar('\n');
	}
}

/* One line about an orphaned record (gr_orphans_list); print_lines escapes it. */
static json_t *orphan_warning(const json_t *o)
{
	char what[600] = "";
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *dir = json_string_value(json_object_get(o, "directory"));
	const char *org = json_string_value(json_object_get(o, "organization"));
	const json_t *roles = json_object_get(o, "roles"), *v;
	size_t i;

	json_array_foreach(roles, i, v) {
		size_t len = strlen(what);

		snprintf(what + len, sizeof(what) - len, " %s", json_string_value(v));
	}
	if (!strcmp(kind, "assignment"))
		return json_sprintf("orphaned assignment: role %s on %s for user %s in '%s', which no "
				    "longer exists (remove: grouprolectl assign remove --directory %s "
				    "%s %s --resource %s)",
				    json_string_value(json_object_get(o, "role")),
				    json_string_value(json_object_get(o, "resource")), id, dir, dir,
				    id, json_string_value(json_object_get(o, "role")),
				    json_string_value(json_object_get(o, "resource")));
	if (!strcmp(kind, "organization_member"))
		return json_sprintf("orphaned organization member: user %s in '%s' of organization "
				    "%s no longer exists (remove: grouprolectl org member remove "
				    "--directory %s %s %s)", id, dir, org, dir, org, id);
	if (!strcmp(kind, "group_roles"))
		return json_sprintf("orphaned group roles:%s of group %s in '%s', which no longer "
				    "exists (remove: grouprolectl group roles remove --directory %s "
				    "%s%s)", what, id, dir, dir, id, what);
	return json_sprintf("orphaned organization group roles:%s of group %s in '%s' for "
			    "organization %s, which no longer exists (remove: grouprolectl org "
			    "group roles remove --directory %s %s %s%s)", what, id, dir, org, dir,
			    org, id, what);
}

/* A fleet host (grouprole-sync ran here) out of step for longer than max_staleness. */
static void check_staleness(struct ctl *c, struct findings *f)
{
	int64_t age;

	if (!c->cfg.max_staleness || gr_sync_staleness(&c->cfg, time(NULL), &age) < 0 ||
	    age <= (int64_t)c->cfg.max_staleness)
		return;
	json_array_append_new(f->warnings,
		json_sprintf("host is stale: last in step with the fleet's LDAP servers %lld s ago "
			     "(max_staleness %u s); see 'grouprolectl status'",
			     (long long)age, c->cfg.max_staleness));
}

int cmd_check(struct ctl *c, int argc, char **argv)
{
	struct findings f = { json_array(), json_array() };
	json_t *orphans = NULL, *orphan;
	struct gr_err err;
	uint64_t gen = 0;
	size_t np, nw, i;
	int r;

	(void)argc;
	(void)argv;
	check_database(c, &f);
	gr_store_walk(c->st, "user/", check_user, &f, NULL);
	check_accounts(c, &f);
	/* Admin records keyed on ids the IdP deleted: warnings, each with its removal command. */
	gr_err_clear(&err);
	if (gr_orphans_list(c->st, &orphans, &err) < 0)
		json_array_append_new(f.problems, json_string(gr_err_msg(&err)));
	json_array_foreach(orphans, i, orphan)
		json_array_append_new(f.warnings, orphan_warning(orphan));
	if (c->cfg.organization[0]) {
		json_t *o = NULL;

		if (gr_org_get(c->st, c->cfg.organization, &o, NULL) < 0)
			json_array_append_new(f.warnings,
				json_sprintf("host organization '%s' does not exist",
					     c->cfg.organization));
		json_decref(o);
	}
	gr_store_generation(c->st, &gen, NULL);
	check_snapshot(c, &f, gen);
	check_login_snapshot(c, &f, gen);
	check_temp_files(c, &f);
	check_staleness(c, &f);

	np = json_array_size(f.problems);
	nw = json_array_size(f.warnings);
	if (c->json) {
		json_t *v = json_pack("{s:b,s:I,s:O,s:O,s:o}", "ok", np == 0, "generation",
				      (json_int_t)gen, "problems", f.problems, "warnings",
				      f.warnings, "orphans", orphans ? json_incref(orphans) : json_array());

		ctl_print_json(v);
		json_decref(v);
	} else {
		print_lines("problem", f.problems);
		print_lines("warning", f.warnings);
		if (!np)
			printf("ok: database and snapshot are consistent (generation %" PRIu64 ")%s\n",
			       gen, nw ? ", with warnings" : "");
	}
	r = np ? EXIT_REFUSED : nw ? EXIT_WARNINGS : EXIT_OK;
	json_decref(f.problems);
	json_decref(f.warnings);
	json_decref(orphans);
	return r;
}

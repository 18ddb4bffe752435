/* SPDX-License-Identifier: MIT */
/*
 * grouprolectl: the admin CLI.
 *
 *   grouprolectl [--config FILE] [--json] NOUN [SUB] VERB [ARGS] [OPTIONS]
 *
 * Exit 0 on success, 1 when the request is refused (invalid data, conflict,
 * not found, I/O; nothing changed), 2 on usage errors, 3 when a change was
 * committed but not published (the next command publishes it); check adds 4
 * (warnings only).  Every error is one line on stderr.  Every change is one
 * transaction, committed, then published.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fleet/ldapconn.h"
#include "publish/publish.h"

static void usage(FILE *f, const char *prog)
{
	size_t i;

	fprintf(f, "usage: %s [--config FILE] [--json] COMMAND ...\n\ncommands:\n", prog);
	for (i = 0; ctl_commands[i].fn; i++)
		fprintf(f, "  %s\n", ctl_commands[i].usage);
}

/* Per-command options; which ones a command takes is checked from its usage line. */
enum {
	OPT_DIRECTORY = 1000, OPT_NAME, OPT_DESCRIPTION, OPT_PRIORITY, OPT_UNIX_GROUP, OPT_GID,
	OPT_RESOURCE, OPT_EXPIRES, OPT_AUTO_MEMBERSHIP, OPT_BIND, OPT_FORCE, OPT_SCOPES, OPT_API,
	/* in the order of cmd_options below: the table is indexed by OPT_* - OPT_DIRECTORY */
	OPT_SINCE, OPT_FOLLOW, OPT_JSON, OPT_ORGANIZATION,
};

static const struct option cmd_options[] = {
	{ "directory", required_argument, NULL, OPT_DIRECTORY },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "description", required_argument, NULL, OPT_DESCRIPTION },
	{ "priority", required_argument, NULL, OPT_PRIORITY },
	{ "unix-group", required_argument, NULL, OPT_UNIX_GROUP },
	{ "gid", required_argument, NULL, OPT_GID },
	{ "resource", required_argument, NULL, OPT_RESOURCE },
	{ "expires", required_argument, NULL, OPT_EXPIRES },
	{ "auto-membership", required_argument, NULL, OPT_AUTO_MEMBERSHIP },
	{ "bind", no_argument, NULL, OPT_BIND },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "scopes", required_argument, NULL, OPT_SCOPES },
	{ "api", no_argument, NULL, OPT_API },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "organization", required_argument, NULL, OPT_ORGANIZATION },
	{ NULL, 0, NULL, 0 },
};

static bool usage_mentions(const struct ctl_cmd *cmd, const char *opt)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "--%s", opt);
	return strstr(cmd->usage, needle) != NULL;
}

static int parse_cmd_options(struct ctl *c, const struct ctl_cmd *cmd, int *argc, char ***argv)
{
	int opt, idx;

	optind = 0; /* full reset: permute options after positionals */
	opterr = 0;
	while ((opt = getopt_long(*argc, *argv, "", cmd_options, &idx)) != -1) {
		if (opt == '?' || opt == ':')
			return ctl_fail(c, EXIT_USAGE, "%s: unknown or incomplete option '%s'; usage: %s",
					cmd->words[0], (*argv)[optind - 1], cmd->usage);
		if (opt == OPT_JSON) {
			c->json = true;
			continue;
		}
		if (!usage_mentions(cmd, cmd_options[opt - OPT_DIRECTORY].name))
			return ctl_fail(c, EXIT_USAGE, "option --%s does not apply; usage: %s",
					cmd_options[opt - OPT_DIRECTORY].name, cmd->usage);
		switch (opt) {
		case OPT_DIRECTORY: c->opt_directory = optarg; break;
		case OPT_NAME: c->opt_name = optarg; break;
		case OPT_DESCRIPTION: c->opt_description = optarg; break;
		case OPT_PRIORITY: c->opt_priority = optarg; break;
		case OPT_UNIX_GROUP: c->opt_unix_group = optarg; break;
		case OPT_GID: c->opt_gid = optarg; break;
		case OPT_RESOURCE: c->opt_resource = optarg; break;
		case OPT_EXPIRES: c->opt_expires = optarg; break;
		case OPT_AUTO_MEMBERSHIP: c->opt_auto_membership = optarg; break;
		case OPT_BIND: c->opt_bind = true; break;
		case OPT_FORCE: c->opt_force = true; break;
		case OPT_SCOPES: c->opt_scopes = optarg; break;
		case OPT_API: c->opt_api = true; break;
		case OPT_ORGANIZATION: c->opt_organization = optarg; break;
		case OPT_SINCE: c->opt_since = optarg; break;
		case OPT_FOLLOW: c->opt_follow = true; break;
		}
	}
	*argc -= optind;
	*argv += optind;
	return 0;
}

static size_t nwords(const struct ctl_cmd *cmd)
{
	size_t n = 0;

	while (n < 4 && cmd->words[n])
		n++;
	return n;
}

/* The command whose words match the most leading arguments. */
static const struct ctl_cmd *find_command(int argc, char **argv, size_t *used)
{
	const struct ctl_cmd *best = NULL;
	size_t i, j, bestn = 0;

	for (i = 0; ctl_commands[i].fn; i++) {
		size_t n = nwords(&ctl_commands[i]);

		if ((int)n > argc || n <= bestn)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(argv[j], ctl_commands[i].words[j]))
				break;
		if (j == n) {
			best = &ctl_commands[i];
			bestn = n;
		}
	}
	*used = bestn;
	return best;
}

int main(int argc, char **argv)
{
	static const struct option global[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c;
	struct gr_err err;
	const struct ctl_cmd *cmd;
	const char *config = NULL;
	size_t used;
	int opt, r;

	gr_ldap_skip_sasl_plugins();
	memset(&c, 0, sizeof(c));
	gr_err_clear(&err);
	c.prog = "grouprolectl";
	setlocale(LC_ALL, "C");

	while ((opt = getopt_long(argc, argv, "+c:jh", global, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'j': c.json = true; break;
		case 'h': usage(stdout, c.prog); return EXIT_OK;
		default:
			usage(stderr, c.prog);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr, c.prog);
		return EXIT_USAGE;
	}
	cmd = find_command(argc, argv, &used);
	if (!cmd)
		return ctl_fail(&c, EXIT_USAGE, "unknown command '%s'; see --help", argv[0]);
	/* getopt wants argv[0] to be a program name: keep the last command word. */
	argc -= (int)used - 1;
	argv += used - 1;
	r = parse_cmd_options(&c, cmd, &argc, &argv);
	if (r)
		return r;
	if (argc < cmd->min_args || (cmd->max_args >= 0 && argc > cmd->max_args))
		return ctl_fail(&c, EXIT_USAGE, "usage: %s", cmd->usage);

	r = gr_config_load(&c.cfg, config ? config : gr_config_default_path(), !config, &err);
	if (r < 0)
		return ctl_fail(&c, EXIT_REFUSED, "%s", gr_err_msg(&err));

	c.cmd = cmd;
	if (!(cmd->flags & CMD_LAZY) && (r = ctl_open(&c)))
		return r;
	r = cmd->fn(&c, argc, argv);
	gr_store_close(c.st); /* cancels whatever was not committed */
	gr_fleet_writer_free(c.writer);
	ctl_deliver_events(&c); /* of what was committed */
	if (fflush(stdout) != 0 || ferror(stdout))
		return ctl_fail(&c, EXIT_REFUSED, "cannot write output: %s", strerror(errno));
	return r;
}

static void collect_events(void *ctx, const json_t *events)
{
	struct ctl *c = ctx;

	if (!c->events)
		c->events = json_array();
	if (c->events)
		json_array_extend(c->events, (json_t *)events);
}

int ctl_publish(struct ctl *c, struct gr_publish_stats *ps, struct gr_err *err)
{
	if (!c->events)
		c->events = json_array();
	return gr_publish_events(c->st, ps, "cli", c->events, err);
}

/*
 * A command that found the snapshot behind the store -- an earlier commit
 * whose publish failed (full disk) or was killed -- publishes first, so NSS
 * catches up with what PAM already sees.  A store that was just created has
 * no snapshot yet and needs none before its first commit.  If publishing
 * fails again the command goes on: its own commit retries, and `check`
 * keeps reporting the lag.
 */
static void catch_up(struct ctl *c)
{
	struct gr_publish_stats ps;
	struct gr_err err;
	uint64_t snap_gen = 0, store_gen = 0;
	int r;

	gr_err_clear(&err);
	r = gr_publish_lag(c->st, &snap_gen, &store_gen, &err);
	if (r == 0 || (r == 1 && snap_gen == 0 && store_gen <= 1))
		return;
	gr_err_clear(&err);
	if (ctl_publish(c, &ps, &err) < 0) {
		/* A change publishes after its commit and reports a failure then. */
		if (!(c->cmd->flags & (CMD_WRITE | CMD_OWNTXN)))
			ctl_fail(c, 0, "warning: the NSS snapshot is behind the database and publishing failed: %s",
				 gr_err_msg(&err));
		return;
	}
	if (snap_gen)
		ctl_fail(c, 0, "published generation %" PRIu64 " (the NSS snapshot was at %" PRIu64 ")",
			 ps.generation, snap_gen);
	else
		ctl_fail(c, 0, "published generation %" PRIu64 " (the NSS snapshot was missing or unreadable)",
			 ps.generation);
}

int ctl_open(struct ctl *c)
{
	unsigned flags = GR_STORE_WRITE;
	struct gr_err err;
	int r;

	if (c->st)
		return EXIT_OK;
	gr_err_clear(&err);
	if (c->cmd->flags & (CMD_WRITE | CMD_OWNTXN))
		flags |= GR_STORE_CREATE;
	r = gr_store_open(&c->cfg, flags, &c->st, &err);
	if (r == 0) {
		/* Every change this command commits makes its events (delivered at exit). */
		gr_store_event_sink(c->st, collect_events, c);
		gr_store_event_origin(c->st, "cli");
	}
	if (r == -ENOENT)
		return ctl_fail(c, EXIT_REFUSED,
				"no database in %s yet (create a directory or role first)",
				c->cfg.state_dir);
	if (r < 0)
		return ctl_fail(c, EXIT_REFUSED, "%s", gr_err_msg(&err));
	/* store = ldap: a change counts once a provider has it (lib/fleet/writer.h). */
	if ((c->cmd->flags & (CMD_WRITE | CMD_OWNTXN)) &&
	    gr_fleet_writer_attach(c->st, &c->writer, &err) < 0) {
		gr_store_close(c->st);
		c->st = NULL;
		return ctl_fail(c, EXIT_REFUSED, "%s", gr_err_msg(&err));
	}
	if (gr_store_repaired_mode(c->st))
		ctl_fail(c, 0, "warning: %s/%s was readable by others (mode %04o); it is 0600 now",
			 c->cfg.state_dir, GR_STORE_FILE, gr_store_repaired_mode(c->st));
	if (gr_store_repacked(c->st))
		ctl_fail(c, 0, "reclaimed the space an interrupted commit left in %s/%s",
			 c->cfg.state_dir, GR_STORE_FILE);
	if (!(c->cmd->flags & CMD_NO_CATCHUP))
		catch_up(c);
	if (c->cmd->flags & CMD_WRITE)
		r = gr_store_begin(c->st, &err);
	else if (c->cmd->flags & CMD_READ)
		r = gr_store_read_lock(c->st, &err);
	if (r < 0) {
		gr_store_close(c->st);
		c->st = NULL;
		return ctl_fail(c, EXIT_REFUSED, "%s", gr_err_msg(&err));
	}
	return EXIT_OK;
}

int ctl_publish_committed(struct ctl *c, struct gr_err *err)
{
	struct gr_publish_stats ps;

	if (ctl_publish(c, &ps, err) < 0)
		return ctl_fail(c, EXIT_UNPUBLISHED,
				"change committed, but not published: %s; the next grouprolectl command publishes it (or run 'grouprolectl publish')",
				gr_err_msg(err));
	return EXIT_OK;
}

int ctl_commit(struct ctl *c, struct gr_err *err)
{
	int r;

	r = gr_store_commit(c->st, err);
	/* Applied, but unconfirmed: it is in the store, so it is not "nothing changed". */
	if (r == -GR_E_UNSYNCED)
		return ctl_fail(c, EXIT_UNPUBLISHED,
				"%s; not published: the next grouprolectl command publishes it",
				gr_err_msg(err));
	if (r < 0)
		return ctl_error(c, err);
	return ctl_publish_committed(c, err);
}

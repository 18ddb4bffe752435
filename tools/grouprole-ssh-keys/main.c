/* SPDX-License-Identifier: MIT */
/*
 * grouprole-ssh-keys: sshd's AuthorizedKeysCommand for directory users.
 *
 *   grouprole-ssh-keys [--config FILE] USER
 *
 * Prints USER's SSH public keys from the directory, one per line, each
 * checked first (lib/accounts/sshkey.h); a malformed key is left out and
 * logged to syslog (sshd discards the command's stderr).  Nothing for a
 * deactivated user, a local account's login, or with users = no.  Reads
 * only the published, world-readable nss.tdb, so it runs as an unprivileged
 * AuthorizedKeysCommandUser.  Exit 0 whenever it could answer (also with no
 * keys); 1 with one line on stderr when the configuration or the snapshot
 * cannot be read or trusted; 2 on usage errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "accounts/sshkey.h"
#include "core/config.h"

static void print_key(const char *line, size_t len, void *ctx)
{
	(void)ctx;
	fwrite(line, 1, len, stdout);
	putchar('\n');
}

static void log_skip(unsigned pos, const char *why, void *ctx)
{
	syslog(LOG_AUTHPRIV | LOG_WARNING, "user %s: key %u left out: %s", (const char *)ctx, pos,
	       why);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *conf = NULL;
	struct gr_config cfg;
	struct gr_sshkey_sink sink = { print_key, log_skip, NULL };
	struct gr_err err;
	int o, r;

	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (o == 'c') {
			conf = optarg;
		} else {
			fprintf(o == 'h' ? stdout : stderr, "usage: %s [--config FILE] USER\n",
				argv[0]);
			return o == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: %s [--config FILE] USER\n", argv[0]);
		return 2;
	}
	openlog("grouprole-ssh-keys", LOG_PID, LOG_AUTHPRIV);
	gr_err_clear(&err);
	r = gr_config_load(&cfg, conf ? conf : gr_config_default_path(), conf == NULL, &err);
	if (r == 0) {
		sink.ctx = argv[optind];
		r = gr_sshkey_list(&cfg, argv[optind], &sink, &err);
	}
	if (r < 0) {
		fprintf(stderr, "grouprole-ssh-keys: %s\n", gr_err_msg(&err));
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

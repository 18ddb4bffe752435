/* SPDX-License-Identifier: MIT */
/*
 * grouprole-sync [--config FILE] [--once]
 *
 * Fleet mode's host daemon (grouprole-sync(8)): follows the grouprole
 * subtree of the fleet's LDAP servers (lib/fleet/consumer.c), applies every
 * change to this host's directory.tdb (lib/fleet/apply.c) and publishes the
 * snapshots the NSS and PAM modules read, re-resolving only the users a
 * change reaches (lib/publish/model.c).  --once stops after the first
 * complete refresh.  SIGTERM and SIGINT stop it after the change in hand;
 * readiness goes to systemd through sd_notify.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <systemd/sd-daemon.h>

#include "core/config.h"
#include "fleet/consumer.h"
#include "fleet/ldapconn.h"
#include "publish/model.h"
#include "publish/publish.h"
#include "store/store.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct host {
	struct gr_store *st;
	struct gr_pub_model *model;
};

static int publish(void *ctx, struct gr_err *err)
{
	struct host *h = ctx;
	const struct gr_config *cfg = gr_store_config(h->st);
	struct gr_publish_stats ps;
	int lock = gr_publish_lock(cfg, err), r;

	if (lock < 0)
		return lock;
	memset(&ps, 0, sizeof(ps));
	r = gr_pub_model_update(h->model, h->st, &ps, err);
	if (r == 0)
		r = gr_pub_model_write(h->model, cfg, &ps, err);
	gr_publish_unlock(lock);
	return r;
}

static void ready(void *ctx)
{
	(void)ctx;
	sd_notify(0, "READY=1\nSTATUS=following the fleet's LDAP servers");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "once", no_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *conf = gr_config_default_path();
	struct gr_config cfg;
	struct gr_err err;
	struct host h = { 0 };
	struct sigaction sa;
	bool once = false;
	int c, r;

	gr_ldap_skip_sasl_plugins();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'o':
			once = true;
			break;
		case 'h':
			printf("usage: grouprole-sync [--config FILE] [--once]\n");
			return 0;
		default:
			fprintf(stderr, "usage: grouprole-sync [--config FILE] [--once]\n");
			return 2;
		}
	}
	openlog("grouprole-sync", LOG_PID | LOG_PERROR, LOG_AUTHPRIV);
	gr_err_clear(&err);
	/*
	 * directory.tdb unmapped, as grouprole-scimd's: libtdb remaps a mapped
	 * file at every commit, and a change now re-resolves few users, so
	 * preads cost less (300 hosts: agent CPU per write 12-15 -> 8 ms; the
	 * first full refresh is about a quarter slower; docs/performance.md).
	 */
	if (gr_config_load(&cfg, conf, false, &err) < 0 ||
	    gr_store_open(&cfg, GR_STORE_WRITE | GR_STORE_CREATE | GR_STORE_NOMMAP, &h.st,
			  &err) < 0 ||
	    gr_pub_model_new(&h.model) < 0) {
		fprintf(stderr, "grouprole-sync: %s\n", err.msg[0] ? gr_err_msg(&err) : "out of memory");
		return 1;
	}
	gr_store_observe(h.st, gr_pub_model_observe, h.model);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/*
	 * A write to a connection the server has closed (a provider stopped
	 * under us) must be an EPIPE to reconnect from, not the end of the
	 * agent: systemd ignores SIGPIPE for its services, a shell does not.
	 */
	signal(SIGPIPE, SIG_IGN);
	{
		const struct gr_fleet_hooks hooks = { publish, ready, &h };

		r = gr_fleet_run(h.st, &hooks, &stop, once, &err);
	}
	sd_notify(0, "STOPPING=1");
	if (r < 0)
		fprintf(stderr, "grouprole-sync: %s\n", gr_err_msg(&err));
	gr_store_observe(h.st, NULL, NULL);
	gr_pub_model_free(h.model);
	gr_store_close(h.st);
	return r < 0 ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
#ifndef GR_FLEET_CONSUMER_H
#define GR_FLEET_CONSUMER_H

#include <signal.h>
#include <stdbool.h>

#include "core/config.h"
#include "core/gr_error.h"
#include "store/store.h"

/*
 * The host side of fleet mode: an RFC 4533 refreshAndPersist consumer on
 * libldap's ldap_sync API (grouprole-sync(8)).
 *
 * It tries the servers of ldap_uri in order (the local replica first),
 * binds as ldap_bind_dn with the secret in ldap_secret_file over TLS
 * (ldaps://, or StartTLS on ldap:// -- required unless the server is on
 * loopback or a local socket), and follows ldap_base.  The cookie lives in
 * directory.tdb, committed with the changes it covers, so a restart
 * resumes where it stopped.  A whole refresh is one transaction (a reader
 * never sees half of it); in the persist phase, each poll's changes are one.
 * e-syncRefreshRequired drops the cookie and reloads everything, purging
 * what the server no longer has.  When a server fails, the next one is
 * tried; after a round of failures it waits (1 s doubling to 60 s, with
 * jitter) and starts again from the first.
 */

struct gr_fleet_hooks {
	/* After every commit: publish.  A failure is logged; syncing goes on. */
	int (*committed)(void *ctx, struct gr_err *err);
	/* After the first complete refresh (readiness). */
	void (*ready)(void *ctx);
	void *ctx;
};

/*
 * Run until *STOP is set (checked at least once a second) or, with ONCE,
 * until the first refresh is applied.  Returns 0, or a negative code when
 * the configuration cannot work at all (no ldap_uri, unreadable secret).
 */
int gr_fleet_run(struct gr_store *st, const struct gr_fleet_hooks *hooks,
		 volatile sig_atomic_t *stop, bool once, struct gr_err *err);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_FLEET_WRITER_H
#define GR_FLEET_WRITER_H

#include <stddef.h>

#include "core/config.h"
#include "core/gr_error.h"
#include "store/store.h"

/*
 * Fleet mode's writers (store = ldap; docs/fleet.md, "Writers"): grouprole-
 * scimd, the Management API and grouprolectl keep doing every operation on
 * the host's own directory.tdb -- its working copy, which grouprole-sync
 * keeps in step with LDAP -- so every rule and check stays in one place.
 * The writer is the store's pre-commit hook (gr_store_precommit): before a
 * transaction or a unit of a group commit commits, it turns the keys it
 * wrote into the fleet entries they belong to (lib/fleet/entities.h), reads
 * each one's new state in the transaction and writes that one LDAP entry
 * on a provider -- the exact inverse of lib/fleet/apply.c, so a consumer
 * applies it back unchanged.  Only when the provider acknowledged every
 * entry does the local commit go on; otherwise the unit is cancelled and
 * the commit fails with -GR_E_UNAVAILABLE (nothing written here).
 *
 * Providers are the servers of ldap_uri, in order; the writer binds as
 * ldap_writer_dn with the secret in ldap_writer_secret_file, with the
 * consumer's TLS rules (lib/fleet/ldapconn.h).  It keeps its connection;
 * when a provider cannot be reached, refers it elsewhere (a replica) or
 * drops the connection, it goes on with the next one.
 */

struct gr_fleet_writer;

/*
 * A writer for CFG (copied), or -GR_E_CONFIG / -GR_E_UNSAFE when the
 * secret file is missing or unsafe.  No connection is made yet.
 */
int gr_fleet_writer_new(const struct gr_config *cfg, struct gr_fleet_writer **out,
			struct gr_err *err);
void gr_fleet_writer_free(struct gr_fleet_writer *w);

/* The gr_store_precommit_fn; CTX is the writer. */
int gr_fleet_writer_precommit(void *ctx, struct gr_store *st, const char *const *keys, size_t n,
			      struct gr_err *err);

/*
 * With store = ldap in ST's configuration: make a writer and install it as
 * ST's pre-commit hook; *OUT is the caller's (free it after closing ST).
 * With store = tdb: nothing, *OUT = NULL.
 */
int gr_fleet_writer_attach(struct gr_store *st, struct gr_fleet_writer **out,
			   struct gr_err *err);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef GR_FLEET_LDAPCONN_H
#define GR_FLEET_LDAPCONN_H

#include <stddef.h>

#include <ldap.h>

#include "core/config.h"
#include "core/gr_error.h"

/*
 * One connection to one of the fleet's LDAP servers, the same way for the
 * host's consumer (grouprole-sync) and the writers (store = ldap): LDAPv3,
 * 5 s network and operation timeouts, TCP keepalive, no referral chasing,
 * certificates must verify (ldap_ca_file, or the system's CAs), StartTLS
 * required on ldap:// to anything but loopback, then a simple bind.
 */

/*
 * Call first in main(), before any thread and any libldap call: keeps
 * libldap's Cyrus SASL from loading its mechanism plugins.  libldap
 * initializes SASL on its first use whether or not a SASL bind ever
 * follows, and the plugins (DIGEST-MD5, SCRAM, NTLM, sasldb...) bring
 * libcrypto and Berkeley DB into the process: about 2 MB of a host agent's
 * 13.5 MB RSS.  Only simple binds are made here, so none is needed.  Points
 * SASL_PATH (honoured by libsasl2 when the process is not setuid) at a path
 * that can never be a directory; a SASL_PATH already in the environment is
 * left alone.
 */
void gr_ldap_skip_sasl_plugins(void);

/*
 * Read the bind secret from PATH into BUF (first line): the file must pass
 * the safefile rules (root-owned; the caller's uid under test_mode) and be
 * readable by its owner only.
 */
int gr_ldap_read_secret(const struct gr_config *cfg, const char *path, char *buf, size_t len,
			struct gr_err *err);

/*
 * Connect to URI and bind as BIND_DN with SECRET.  Returns the handle
 * (the caller's: ldap_unbind_ext_s) or NULL with ERR set: -GR_E_CONFIG for
 * a URI libldap refuses, -GR_E_IO when the server cannot be reached, will
 * not do TLS or refuses the bind.
 */
LDAP *gr_ldap_connect(const struct gr_config *cfg, const char *uri, const char *bind_dn,
		      const char *secret, struct gr_err *err);

#endif

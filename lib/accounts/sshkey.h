/* SPDX-License-Identifier: MIT */
#ifndef GR_SSHKEY_H
#define GR_SSHKEY_H

/*
 * Checking an SSH public key from the directory before sshd sees it.
 *
 * A line is accepted when it is "TYPE BASE64 [COMMENT]" (no authorized_keys
 * options: the directory does not get to set command= or from=), TYPE is
 * one OpenSSH accepts for user keys (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/
 * 384/521, and the sk- security-key forms; not ssh-dss, not certificates),
 * BASE64 decodes (RFC 4648, glibc's b64_pton), and the decoded blob is that key type's
 * wire form (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4): it starts with the same
 * type string and then holds exactly the fields that type has, each of a
 * plausible size.  The comment is printable ASCII.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/gr_error.h"

#define GR_SSHKEY_MAX_LINE 16384  /* a 16384-bit RSA key is about 2.8 KiB */

/*
 * Check LINE (LEN bytes, no newline).  Returns 0, or -EINVAL with a short
 * static reason in *WHY ("unknown key type", ...).
 */
int gr_sshkey_check(const char *line, size_t len, const char **why);

/*
 * The authorized keys of LOGIN for sshd (grouprole-ssh-keys): from the
 * published nss.tdb only (world-readable; never directory.tdb), and only
 * when the snapshot serves LOGIN as an account (users = yes, not a local
 * account's login) and the user is active (deactivated users have no keys
 * in the snapshot).  KEY gets each valid line (without its newline), SKIP
 * each malformed one with its 1-based position and the reason.  Returns
 * the number of valid keys, 0 when there are none (or the login is not
 * ours), or a negative code when the snapshot cannot be read or trusted.
 */
struct gr_sshkey_sink {
	void (*key)(const char *line, size_t len, void *ctx);
	void (*skip)(unsigned pos, const char *why, void *ctx);
	void *ctx;
};
int gr_sshkey_list(const struct gr_config *cfg, const char *login,
		   const struct gr_sshkey_sink *sink, struct gr_err *err);

#endif

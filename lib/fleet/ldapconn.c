/* SPDX-License-Identifier: MIT */
/* Connecting to the fleet's LDAP servers (ldapconn.h). */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/safefile.h"
#include "fleet/ldapconn.h"

void gr_ldap_skip_sasl_plugins(void)
{
	/* Under a file that is not a directory: nobody can create it. */
	setenv("SASL_PATH", "/dev/null/grouprole-no-sasl-plugins", 0);
}

int gr_ldap_read_secret(const struct gr_config *cfg, const char *path, char *buf, size_t len,
			struct gr_err *err)
{
	int fd = gr_safe_open(path, O_RDONLY, 0, cfg->test_mode, err);
	struct stat sb;
	ssize_t n;

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0 || (sb.st_mode & 077)) {
		close(fd);
		return gr_err_set(err, -GR_E_UNSAFE, "%s: readable by others than its owner", path);
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return gr_err_set(err, -GR_E_CONFIG, "%s: empty or unreadable", path);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool needs_starttls(const char *uri)
{
	return !strncmp(uri, "ldap://", 7) && strncmp(uri, "ldap://127.", 11) &&
	       strncmp(uri, "ldap://localhost", 16) && strncmp(uri, "ldap://[::1]", 12);
}

LDAP *gr_ldap_connect(const struct gr_config *cfg, const char *uri, const char *bind_dn,
		      const char *secret, struct gr_err *err)
{
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, idle = 60, probes = 3,
	    interval = 10, rc;
	struct timeval tv = { 5, 0 };
	struct berval cred = { strlen(secret), (char *)(uintptr_t)secret };
	LDAP *ld = NULL;

	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS) {
		gr_err_set(err, -GR_E_CONFIG, "%s: %s", uri, ldap_err2string(rc));
		return NULL;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &idle);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &probes);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &interval);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
	if (cfg->ldap_ca_file[0])
		ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ldap_ca_file);
	ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	if (needs_starttls(uri) && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		gr_err_set(err, -GR_E_IO, "%s: StartTLS: %s", uri, ldap_err2string(rc));
		goto fail;
	}
	rc = ldap_sasl_bind_s(ld, bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		gr_err_set(err, -GR_E_IO, "%s: bind as %s: %s", uri, bind_dn, ldap_err2string(rc));
		goto fail;
	}
	return ld;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

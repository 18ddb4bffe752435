/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <resolv.h>

#include "accounts/sshkey.h"

/*
 * Key types and the fields of their blob after the type string: a size per
 * field, 0 for "any size up to the blob", -1 for the curve name (which must
 * be the type's own), -2 for an RSA modulus (at least 1024 bits, as
 * OpenSSH requires).
 */
static const struct {
	const char *type;
	const char *curve;
	int fields[3];
	unsigned n;
} types[] = {
	{ "ssh-ed25519", NULL, { 32 }, 1 },
	{ "ssh-rsa", NULL, { 0, -2 }, 2 },
	{ "ecdsa-sha2-nistp256", "nistp256", { -1, 65 }, 2 },
	{ "ecdsa-sha2-nistp384", "nistp384", { -1, 97 }, 2 },
	{ "ecdsa-sha2-nistp521", "nistp521", { -1, 133 }, 2 },
	{ "sk-ssh-ed25519@openssh.com", NULL, { 32, 0 }, 2 },
	{ "sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", { -1, 65, 0 }, 3 },
};

/* The next length-prefixed string of the blob, or false past its end. */
static bool next_string(const unsigned char **p, const unsigned char *end,
			const unsigned char **s, uint32_t *len)
{
	if (end - *p < 4)
		return false;
	*len = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 | (uint32_t)(*p)[2] << 8 |
	       (*p)[3];
	*p += 4;
	if (*len > (size_t)(end - *p))
		return false;
	*s = *p;
	*p += *len;
	return true;
}

static const char *check_blob(unsigned k, const unsigned char *blob, size_t blen)
{
	const unsigned char *p = blob, *end = blob + blen, *s;
	uint32_t len;
	unsigned i;

	if (!next_string(&p, end, &s, &len) || len != strlen(types[k].type) ||
	    memcmp(s, types[k].type, len))
		return "the key's own type does not match";
	for (i = 0; i < types[k].n; i++) {
		int want = types[k].fields[i];

		if (!next_string(&p, end, &s, &len))
			return "the key is truncated";
		if (want > 0 && len != (uint32_t)want)
			return "a key field has the wrong size";
		if (want == -1 && (len != strlen(types[k].curve) || memcmp(s, types[k].curve, len)))
			return "the key's curve does not match its type";
		/* An mpint may carry one leading zero byte. */
		if (want == -2 && (len < 128 || (len == 128 && !(s[0] & 0x80))))
			return "the RSA key is shorter than 1024 bits";
		if (want == 0 && len == 0)
			return "a key field is empty";
	}
	return p == end ? NULL : "the key has trailing bytes";
}

int gr_sshkey_check(const char *line, size_t len, const char **why)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	unsigned char blob[GR_SSHKEY_MAX_LINE];
	char b64[GR_SSHKEY_MAX_LINE + 1];
	const char *sp, *rest, *end = line + len;
	size_t tlen, blen, i;
	unsigned k;
	int n;

	*why = NULL;
	if (len == 0 || len > GR_SSHKEY_MAX_LINE) {
		*why = "empty or too long";
		return -EINVAL;
	}
	sp = memchr(line, ' ', len);
	tlen = sp ? (size_t)(sp - line) : len;
	for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if (strlen(types[k].type) == tlen && !memcmp(types[k].type, line, tlen))
			break;
	if (k == sizeof(types) / sizeof(types[0]) || !sp) {
		*why = "unknown key type (or authorized_keys options, which are not accepted)";
		return -EINVAL;
	}
	rest = memchr(sp + 1, ' ', (size_t)(end - sp - 1));
	blen = (size_t)((rest ? rest : end) - sp - 1);
	for (i = 0; rest && rest + i < end; i++)
		if (rest[i] < 0x20 || rest[i] > 0x7e) {
			*why = "the comment holds a control or non-ASCII character";
			return -EINVAL;
		}
	memcpy(b64, sp + 1, blen);
	b64[blen] = '\0';
	/*
	 * glibc's RFC 4648 decoder (b64_pton, from BIND): libc only, where
	 * GnuTLS's would cost this short-lived program most of its run time
	 * in loading.  It skips white space, which a key must not hold:
	 * the alphabet is checked first.
	 */
	if (blen < 4 || strspn(b64, alphabet) != blen ||
	    (n = b64_pton(b64, blob, sizeof(blob))) < 0) {
		*why = "the key is not valid base64";
		return -EINVAL;
	}
	*why = check_blob(k, blob, (size_t)n);
	return *why ? -EINVAL : 0;
}

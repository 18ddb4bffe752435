/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the SSH public key checker (lib/accounts/sshkey.h),
 * which reads what an identity provider sent: no crash, no leak, a result
 * that is 0 or -EINVAL with a reason, and an accepted line that starts with
 * a key type, a blank and base64 and holds no control character.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/sshkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data, *why = NULL, *sp;
	size_t i;
	int r = gr_sshkey_check(line, size, &why);

	if (r != 0) {
		if (r != -EINVAL || !why || !why[0])
			abort();
		return 0;
	}
	if (why || size < 20)
		abort();
	sp = memchr(line, ' ', size);
	if (!sp || sp == line || strncmp(line, "ssh-", 4) * strncmp(line, "ecdsa-", 6) *
					 strncmp(line, "sk-", 3))
		abort();
	for (i = 0; i < size; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			abort();
	return 0;
}

/* SPDX-License-Identifier: MIT */
#ifndef GR_TIMEFMT_H
#define GR_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Times as grouprolectl and the Management API read and write them: UTC,
 * "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339) or a bare "YYYY-MM-DD" (midnight UTC).
 */

/* Parse S into *OUT (unix time, after 1970); 0, or -EINVAL. */
int gr_time_parse(const char *s, int64_t *out);

/* Format T as "YYYY-MM-DDTHH:MM:SSZ" into BUF; returns BUF, or NULL when it cannot. */
const char *gr_time_format(int64_t t, char *buf, size_t len);

#endif

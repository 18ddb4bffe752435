/* SPDX-License-Identifier: MIT */
#ifndef GR_BENCH_PAM_H
#define GR_BENCH_PAM_H

/*
 * The benchmarks' PAM conversation: pam_grouprole asks nothing of the user,
 * so any prompt is an error.  Header-only, so that fleet_tool (which links
 * no other benchmark object) can use it too.
 */

#include <security/pam_appl.h>

static inline int bench_pam_no_conv(int n, const struct pam_message **msg,
				    struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

#endif

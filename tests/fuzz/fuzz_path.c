/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the SCIM PATCH path parser: no crash, no leak, and
 * a result that is either an error with a sentence and nothing allocated,
 * or a path whose names are valid and whose value filter prints and
 * reparses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scim/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gr_scim_patch_path pp;
	struct gr_err err;

	if (gr_scim_patch_path_parse((const char *)data, size, &pp, &err) != 0) {
		if (pp.path.attr || pp.filter || pp.sub || !err.msg[0])
			abort();
		return 0;
	}
	if (!pp.path.attr || (pp.sub && !pp.filter))
		abort();
	if (pp.filter) {
		struct gr_scim_filter *g = NULL;
		char *t = gr_scim_filter_format(pp.filter);

		/* The filter of a value path is a value filter: bracketing it again must parse. */
		if (!t || gr_scim_filter_parse(t, strlen(t), &g, &err) != 0)
			abort();
		gr_scim_filter_free(g);
		free(t);
	}
	gr_scim_patch_path_clear(&pp);
	return 0;
}

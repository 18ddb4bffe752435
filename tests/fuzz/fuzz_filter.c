/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the SCIM filter parser and matcher.  Properties
 * beyond "no crash, no leak, no undefined behaviour":
 *   - a parsed filter prints as canonical text that parses to a tree that
 *     prints the same (the printer and parser agree on every shape);
 *   - matching it against a User and a Group terminates and is the same
 *     for the original and the reparsed tree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scim/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *user, *group;

static void fixtures(void)
{
	json_error_t e;

	if (user)
		return;
	user = json_loads("{\"id\":\"u1\",\"userName\":\"Bjensen@Example.com\",\"active\":true,"
			  "\"name\":{\"givenName\":\"Barbara\"},\"logins\":4,"
			  "\"emails\":[{\"value\":\"b@example.com\",\"type\":\"work\"},\"x\"],"
			  "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":"
			  "{\"employeeNumber\":\"7\",\"manager\":{\"value\":\"m\"}}}", 0, &e);
	group = json_loads("{\"id\":\"g1\",\"displayName\":\"Admins\","
			   "\"members\":[{\"value\":\"u1\"},{\"value\":\"u2\",\"type\":\"User\"}]}",
			   0, &e);
	if (!user || !group)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gr_scim_filter *f = NULL, *g = NULL;
	struct gr_err err;
	char *text, *again;

	fixtures();
	if (gr_scim_filter_parse((const char *)data, size, &f, &err) != 0) {
		if (f || !err.msg[0])
			abort(); /* a failure must leave no tree and say why */
		return 0;
	}
	text = gr_scim_filter_format(f);
	if (!text)
		abort();
	if (gr_scim_filter_parse(text, strlen(text), &g, &err) != 0)
		abort(); /* canonical text must parse */
	again = gr_scim_filter_format(g);
	if (!again || strcmp(text, again) != 0)
		abort();
	if (gr_scim_filter_match(f, user, NULL) != gr_scim_filter_match(g, user, NULL) ||
	    gr_scim_filter_match(f, group, NULL) != gr_scim_filter_match(g, group, NULL))
		abort();
	free(again);
	free(text);
	gr_scim_filter_free(g);
	gr_scim_filter_free(f);
	return 0;
}

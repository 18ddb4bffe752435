/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for SCIM PATCH: the input is a request body, applied to
 * a User and to a Group.  A refusal must name its SCIM error type and a
 * reason; an acceptance must leave an object with its id unchanged and a
 * membership change whose add and remove sets never overlap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scim/patch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const json_t *body, const char *resource, bool group)
{
	struct gr_scim_patch_limits lim = { .max_operations = 64, .max_members = 256 };
	struct gr_scim_members m;
	enum gr_scim_patch_error kind;
	struct gr_err err = { 0 };
	json_error_t e;
	json_t *res = json_loads(resource, 0, &e);
	const char *k;
	json_t *v;

	if (!res)
		abort();
	gr_scim_members_init(&m);
	if (gr_scim_patch_apply(res, body, group, &lim, group ? &m : NULL, &kind, &err) < 0) {
		if (!gr_scim_patch_error_type(kind) || !err.msg[0])
			abort();
	} else {
		if (!json_is_object(res) || strcmp(json_string_value(json_object_get(res, "id")), "x1"))
			abort();
		json_object_foreach(m.add, k, v)
			if (json_object_get(m.remove, k))
				abort();
	}
	gr_scim_members_clear(&m);
	json_decref(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t e;
	json_t *body = json_loadb((const char *)data, size, 0, &e);

	if (!body)
		return 0;
	one(body, "{\"id\":\"x1\",\"userName\":\"a@b\",\"active\":true,\"name\":{\"givenName\":\"A\"},"
		  "\"emails\":[{\"value\":\"a@b\",\"type\":\"work\"}],"
		  "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{\"department\":\"d\"}}",
	    false);
	one(body, "{\"id\":\"x1\",\"displayName\":\"G\"}", true);
	json_decref(body);
	return 0;
}

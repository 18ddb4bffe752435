/* SPDX-License-Identifier: MIT */
/*
 * grouprolectl token create|list|revoke: bearer tokens for grouprole-scimd.
 * The secret is printed once, alone on the last line of stdout, and stored
 * only as a hash (lib/store/tokens.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/escape.h"
#include "ctl.h"
#include "store/tokens.h"


/* Split "a,b,c" into at most MAX items pointing into BUF. */
static size_t split_scopes(char *buf, const char **out, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(buf, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
		if (*t)
			out[n++] = t;
	return n;
}

int cmd_token_create(struct ctl *c, int argc, char **argv)
{
	const char *scopes[GR_TOKEN_MAX_SCOPES + 1];
	char token[GR_TOKEN_MAX], id[GR_TOKEN_ID_LEN + 1], *scope_buf = NULL;
	long long now = (long long)time(NULL), expires = 0;
	struct gr_err err;
	size_t n = 0;
	int r;

	gr_err_clear(&err);
	if (c->opt_api == !!c->opt_directory)
		return ctl_fail(c, EXIT_USAGE, "give exactly one of --directory NAME or --api");
	if (c->opt_api && !c->opt_scopes)
		return ctl_fail(c, EXIT_USAGE, "an API token needs --scopes S1,S2");
	if (!c->opt_api && c->opt_scopes)
		return ctl_fail(c, EXIT_USAGE, "--scopes goes with --api");
	if (c->opt_expires && ctl_parse_time(c->opt_expires, now, &expires) < 0)
		return ctl_fail(c, EXIT_USAGE, "--expires: expected RFC 3339, YYYY-MM-DD or +Nd/+Nh/+Nm");
	if (c->opt_scopes) {
		scope_buf = strdup(c->opt_scopes);
		if (!scope_buf)
			return ctl_fail(c, EXIT_REFUSED, "out of memory");
		n = split_scopes(scope_buf, scopes, GR_TOKEN_MAX_SCOPES + 1);
	}
	r = ctl_open(c);
	if (r == EXIT_OK) {
		r = gr_store_begin(c->st, &err);
		if (r == 0)
			r = gr_token_create(c->st, c->opt_api ? GR_TOKEN_API : GR_TOKEN_SCIM,
					    c->opt_directory, scopes, n, expires, c->opt_description,
					    now, token, id, &err);
		if (r == 0)
			r = gr_store_commit(c->st, &err);
		r = r < 0 ? ctl_error(c, &err) : EXIT_OK;
	}
	free(scope_buf);
	if (r != EXIT_OK)
		return r;
	if (c->json) {
		json_t *o = json_pack("{s:s, s:s}", "id", id, "token", token);

		ctl_print_json(o);
		json_decref(o);
	} else {
		char d[80];

		printf("token %s for %s%s%s\n", id,
		       c->opt_api ? "the Management API, scopes " : "directory ",
		       gr_esc(d, sizeof(d), c->opt_api ? c->opt_scopes : c->opt_directory, GR_ESC_TERM),
		       expires ? "" : ", no expiry");
		printf("%s\n", token);
	}
	explicit_bzero(token, sizeof(token));
	return EXIT_OK;
}

int cmd_token_list(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;
	json_t *list = NULL, *t;
	size_t i;

	gr_err_clear(&err);
	if (gr_token_list(c->st, c->opt_directory, &list, &err) < 0)
		return ctl_error(c, &err);
	if (c->json) {
		ctl_print_json(list);
		json_decref(list);
		return EXIT_OK;
	}
	printf("%-16s  %-5s  %-20s  %-20s  %s\n", "ID", "KIND", "REACHES", "EXPIRES", "DESCRIPTION");
	json_array_foreach(list, i, t) {
		char when[32], reach[200], desc[240];
		json_int_t exp = json_integer_value(json_object_get(t, "expires"));
		const char *kind = json_string_value(json_object_get(t, "kind"));

		if (kind && !strcmp(kind, "api")) {
			size_t j, len = 0;
			json_t *sc;

			reach[0] = '\0';
			json_array_foreach(json_object_get(t, "scopes"), j, sc)
				len += (size_t)snprintf(reach + len, len < sizeof(reach) ? sizeof(reach) - len : 0,
							"%s%s", j ? "," : "", json_string_value(sc));
		} else {
			snprintf(reach, sizeof(reach), "%s",
				 json_string_value(json_object_get(t, "directory")));
		}
		printf("%-16s  %-5s  %-20s  %-20s  %s\n", json_string_value(json_object_get(t, "id")),
		       kind ? kind : "?", gr_esc(desc, 80, reach, GR_ESC_TERM),
		       exp ? ctl_format_time(exp, when, sizeof(when)) : "never",
		       gr_esc(desc, sizeof(desc),
			      json_string_value(json_object_get(t, "description")) ?: "", GR_ESC_TERM));
	}
	json_decref(list);
	return EXIT_OK;
}

int cmd_token_revoke(struct ctl *c, int argc, char **argv)
{
	struct gr_err err;

	gr_err_clear(&err);
	if (gr_token_revoke(c->st, argv[0], &err) < 0)
		return ctl_error(c, &err);
	if (gr_store_commit(c->st, &err) < 0)
		return ctl_error(c, &err);
	if (!c->json)
		printf("revoked token %s\n", argv[0]);
	return EXIT_OK;
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/names.h"
#include "scim/scim.h"

json_t *gr_scim_get(const json_t *obj, const char *name)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, name);
	if (v)
		return v;
	json_object_foreach((json_t *)obj, k, v)
		if (!strcasecmp(k, name))
			return v;
	return NULL;
}

void gr_scim_del(json_t *obj, const char *name)
{
	const char *k;
	json_t *v;
	void *tmp;

	if (!json_is_object(obj))
		return;
	json_object_foreach_safe(obj, tmp, k, v)
		if (!strcasecmp(k, name))
			json_object_del(obj, k);
}

const char *gr_scim_str(const json_t *obj, const char *name)
{
	return json_string_value(gr_scim_get(obj, name));
}

bool gr_scim_active(const json_t *user)
{
	json_t *a = gr_scim_get(user, "active");

	return !json_is_false(a);
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int check_string(const json_t *obj, const char *name, bool required, const char *what,
			struct gr_err *err)
{
	json_t *v = gr_scim_get(obj, name);
	const char *s;

	if (!v || json_is_null(v)) {
		if (required)
			return gr_err_set(err, -GR_E_INVALID, "%s: missing \"%s\"", what, name);
		return 0;
	}
	if (!json_is_string(v))
		return gr_err_set(err, -GR_E_INVALID, "%s: \"%s\" must be a string", what, name);
	s = json_string_value(v);
	if (required && !s[0])
		return gr_err_set(err, -GR_E_INVALID, "%s: \"%s\" is empty", what, name);
	if (strlen(s) > GR_SCIM_MAX_STRING || !printable(s))
		return gr_err_set(err, -GR_E_INVALID, "%s: \"%s\" is too long or has control characters",
				  what, name);
	return 0;
}

static int check_id(const json_t *obj, bool required, const char *what, struct gr_err *err)
{
	json_t *v = gr_scim_get(obj, "id");

	if (!v) {
		if (required)
			return gr_err_set(err, -GR_E_INVALID, "%s: missing \"id\"", what);
		return 0;
	}
	if (!json_is_string(v) || !gr_valid_id(json_string_value(v)))
		return gr_err_set(err, -GR_E_INVALID,
				  "%s: \"id\" must be 1-255 printable characters without '/' or spaces",
				  what);
	return 0;
}

int gr_scim_check_user(const json_t *user, bool require_id, struct gr_err *err)
{
	json_t *active;
	char what[300];
	int r;

	if (!json_is_object(user))
		return gr_err_set(err, -GR_E_INVALID, "user resource is not a JSON object");
	snprintf(what, sizeof(what), "user %.255s",
		 gr_scim_str(user, "userName") ? gr_scim_str(user, "userName") : "(no userName)");
	if ((r = check_id(user, require_id, what, err)) < 0 ||
	    (r = check_string(user, "userName", true, what, err)) < 0 ||
	    (r = check_string(user, "externalId", false, what, err)) < 0)
		return r;
	active = gr_scim_get(user, "active");
	if (active && !json_is_boolean(active))
		return gr_err_set(err, -GR_E_INVALID, "%s: \"active\" must be true or false", what);
	return 0;
}

int gr_scim_check_group(const json_t *group, bool require_id, struct gr_err *err)
{
	json_t *members, *m;
	char what[300];
	size_t i;
	int r;

	if (!json_is_object(group))
		return gr_err_set(err, -GR_E_INVALID, "group resource is not a JSON object");
	snprintf(what, sizeof(what), "group %.255s",
		 gr_scim_str(group, "displayName") ? gr_scim_str(group, "displayName")
						   : "(no displayName)");
	if ((r = check_id(group, require_id, what, err)) < 0 ||
	    (r = check_string(group, "displayName", true, what, err)) < 0 ||
	    (r = check_string(group, "externalId", false, what, err)) < 0)
		return r;
	members = gr_scim_get(group, "members");
	if (!members || json_is_null(members))
		return 0;
	if (!json_is_array(members))
		return gr_err_set(err, -GR_E_INVALID, "%s: \"members\" must be an array", what);
	if (json_array_size(members) > GR_SCIM_MAX_MEMBERS)
		return gr_err_set(err, -GR_E_INVALID, "%s: more than %d members", what,
				  GR_SCIM_MAX_MEMBERS);
	json_array_foreach(members, i, m) {
		const char *type = gr_scim_str(m, "type");
		const char *value = gr_scim_str(m, "value");

		if (!json_is_object(m))
			return gr_err_set(err, -GR_E_INVALID, "%s: member %zu is not an object", what, i);
		if (type && strcasecmp(type, "User"))
			return gr_err_set(err, -GR_E_INVALID,
					  "%s: member %zu has type \"%.32s\"; nested groups are not supported",
					  what, i, type);
		if (!value || !gr_valid_id(value))
			return gr_err_set(err, -GR_E_INVALID, "%s: member %zu has no valid \"value\"",
					  what, i);
	}
	return 0;
}

static size_t collect(const json_t *v, const char **vals, size_t n, size_t max)
{
	size_t i;
	json_t *e;

	if (json_is_string(v)) {
		if (n < max)
			vals[n++] = json_string_value(v);
		return n;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (json_is_string(e) && n < max)
				vals[n++] = json_string_value(e);
			else if (json_is_object(e) && json_is_string(gr_scim_get(e, "value")) && n < max)
				vals[n++] = json_string_value(gr_scim_get(e, "value"));
		}
	}
	return n;
}

size_t gr_scim_attr_values(const json_t *user, const char *path, const char **vals,
			   size_t max)
{
	const json_t *base = user;
	const char *colon = strrchr(path, ':');
	char attr[256], *dot;

	if (colon) {
		char urn[512];
		size_t ulen = (size_t)(colon - path);

		if (ulen >= sizeof(urn))
			return 0;
		memcpy(urn, path, ulen);
		urn[ulen] = '\0';
		base = gr_scim_get(user, urn);
		path = colon + 1;
	}
	if (!base || strlen(path) >= sizeof(attr))
		return 0;
	strcpy(attr, path);
	dot = strchr(attr, '.');
	if (dot) {
		*dot = '\0';
		base = gr_scim_get(base, attr);
		return collect(gr_scim_get(base, dot + 1), vals, 0, max);
	}
	return collect(gr_scim_get(base, attr), vals, 0, max);
}

/* An optional non-negative integer member of a ListResponse; -1 when absent. */
static int list_count(const json_t *doc, const char *name, json_int_t *out, const char *path,
		      struct gr_err *err)
{
	json_t *v = gr_scim_get(doc, name);

	*out = -1;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return gr_err_set(err, -GR_E_INVALID, "%s: \"%s\" must be a non-negative integer",
				  path, name);
	*out = json_integer_value(v);
	return 0;
}

/*
 * An import is a full sync: whatever a document leaves out gets deleted.  One
 * page of a paged result (RFC 7644 section 3.4.2.4) would delete the rest of
 * the directory, so a document that says it is incomplete is refused.  A
 * document without totalResults makes no claim and is taken as it is.
 */
static int check_complete(const json_t *doc, size_t n, const char *path, struct gr_err *err)
{
	json_int_t total, start, per_page;
	int r;

	if ((r = list_count(doc, "totalResults", &total, path, err)) < 0 ||
	    (r = list_count(doc, "startIndex", &start, path, err)) < 0 ||
	    (r = list_count(doc, "itemsPerPage", &per_page, path, err)) < 0)
		return r;
	if (total >= 0 && (json_int_t)n != total)
		return gr_err_set(err, -GR_E_INVALID,
				  "%s: incomplete ListResponse: totalResults is %" JSON_INTEGER_FORMAT
				  " but Resources holds %zu; import needs the whole directory in one document",
				  path, total, n);
	if (start > 1)
		return gr_err_set(err, -GR_E_INVALID,
				  "%s: incomplete ListResponse: startIndex is %" JSON_INTEGER_FORMAT
				  " (a later page); import needs the whole directory in one document",
				  path, start);
	if (per_page >= 0 && total >= 0 && per_page < total)
		return gr_err_set(err, -GR_E_INVALID,
				  "%s: incomplete ListResponse: itemsPerPage %" JSON_INTEGER_FORMAT
				  " is less than totalResults %" JSON_INTEGER_FORMAT
				  "; import needs the whole directory in one document",
				  path, per_page, total);
	return 0;
}

int gr_scim_load_list(const char *path, json_t **out, struct gr_err *err)
{
	json_error_t jerr;
	json_t *doc, *schemas, *res, *s;
	bool is_list = false;
	size_t i;
	int r;

	*out = NULL;
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return gr_err_set(err, -GR_E_INVALID, "%s:%d:%d: %s", path, jerr.line, jerr.column,
				  jerr.text);
	schemas = gr_scim_get(doc, "schemas");
	json_array_foreach(schemas, i, s)
		if (json_is_string(s) && !strcmp(json_string_value(s), GR_SCIM_LIST_URN))
			is_list = true;
	if (!json_is_object(doc) || !is_list) {
		json_decref(doc);
		return gr_err_set(err, -GR_E_INVALID,
				  "%s: not a SCIM ListResponse (schemas must include %s)", path,
				  GR_SCIM_LIST_URN);
	}
	res = gr_scim_get(doc, "Resources");
	if (!res) {
		/* RFC 7644: Resources may be omitted when totalResults is 0. */
		res = json_array();
	} else if (!json_is_array(res)) {
		json_decref(doc);
		return gr_err_set(err, -GR_E_INVALID, "%s: \"Resources\" must be an array", path);
	} else {
		json_incref(res);
	}
	if (res && (r = check_complete(doc, json_array_size(res), path, err)) < 0) {
		json_decref(res);
		json_decref(doc);
		return r;
	}
	json_decref(doc);
	if (!res)
		return gr_err_set(err, -ENOMEM, "out of memory");
	if (json_array_size(res) > GR_SCIM_MAX_RESOURCES) {
		json_decref(res);
		return gr_err_set(err, -GR_E_INVALID, "%s: more than %d resources", path,
				  GR_SCIM_MAX_RESOURCES);
	}
	*out = res;
	return 0;
}

json_t *gr_scim_list_response(json_t *resources)
{
	size_t n = json_array_size(resources);

	return json_pack("{s:[s],s:I,s:I,s:I,s:o}", "schemas", GR_SCIM_LIST_URN, "totalResults",
			 (json_int_t)n, "startIndex", (json_int_t)1, "itemsPerPage", (json_int_t)n,
			 "Resources", resources);
}

/* SPDX-License-Identifier: MIT */
/*
 * SCIM PATCH semantics on jansson values.  The rules and the clients whose
 * habits they follow are in patch.h; the path grammar is filter.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/escape.h"
#include "core/names.h"
#include "scim/filter.h"
#include "scim/patch.h"
#include "scim/scim.h"

#define PATCHOP_URN "urn:ietf:params:scim:api:messages:2.0:PatchOp"

enum mode { OP_ADD, OP_REPLACE, OP_REMOVE };

struct ctx {
	json_t *res;
	bool is_group;
	const struct gr_scim_patch_limits *limits;
	struct gr_scim_members *members;
	size_t members_named;
	enum gr_scim_patch_error *kind;
	struct gr_err *err;
};

static const char *const error_types[] = {
	[GR_SCIM_PATCH_OK] = NULL,
	[GR_SCIM_PATCH_INVALID_SYNTAX] = "invalidSyntax",
	[GR_SCIM_PATCH_INVALID_PATH] = "invalidPath",
	[GR_SCIM_PATCH_INVALID_FILTER] = "invalidFilter",
	[GR_SCIM_PATCH_INVALID_VALUE] = "invalidValue",
	[GR_SCIM_PATCH_NO_TARGET] = "noTarget",
	[GR_SCIM_PATCH_MUTABILITY] = "mutability",
	[GR_SCIM_PATCH_TOO_MANY] = "tooMany",
};

const char *gr_scim_patch_error_type(enum gr_scim_patch_error e)
{
	return (size_t)e < sizeof(error_types) / sizeof(error_types[0]) ? error_types[e] : NULL;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, enum gr_scim_patch_error kind, const char *fmt, ...)
{
	va_list ap;

	*c->kind = kind;
	if (c->err) {
		c->err->code = kind == GR_SCIM_PATCH_TOO_MANY ? -E2BIG : -GR_E_INVALID;
		va_start(ap, fmt);
		vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
		va_end(ap);
	}
	return kind == GR_SCIM_PATCH_TOO_MANY ? -E2BIG : -GR_E_INVALID;
}

static int oom(struct ctx *c)
{
	*c->kind = GR_SCIM_PATCH_INVALID_VALUE;
	return gr_err_set(c->err, -ENOMEM, "out of memory");
}

void gr_scim_members_init(struct gr_scim_members *m)
{
	m->replace_all = false;
	m->add = json_object();
	m->remove = json_object();
}

void gr_scim_members_clear(struct gr_scim_members *m)
{
	json_decref(m->add);
	json_decref(m->remove);
	m->add = m->remove = NULL;
	m->replace_all = false;
}

/*
 * The schema's spelling of the attributes grouprole knows, so that a
 * client's "USERNAME" does not store a second key beside "userName".
 */
static const char *const known_names[] = {
	"userName", "name", "displayName", "nickName", "profileUrl", "title", "userType",
	"preferredLanguage", "locale", "timezone", "active", "password", "emails",
	"phoneNumbers", "ims", "photos", "addresses", "groups", "entitlements", "roles",
	"x509Certificates", "externalId", "id", "meta", "schemas", "members",
	"formatted", "familyName", "givenName", "middleName", "honorificPrefix",
	"honorificSuffix", "value", "display", "type", "primary", "employeeNumber",
	"costCenter", "organization", "division", "department", "manager",
};

static const char *canonical(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(known_names) / sizeof(known_names[0]); i++)
		if (!strcasecmp(name, known_names[i]))
			return known_names[i];
	return name;
}

/* Set NAME (canonical spelling) in OBJ to V, stealing the reference. */
static int set_ci(json_t *obj, const char *name, json_t *v)
{
	if (!v)
		return -ENOMEM;
	gr_scim_del(obj, name);
	return json_object_set_new(obj, canonical(name), v) == 0 ? 0 : -ENOMEM;
}

/*
 * Entra sends "True"/"False" for booleans.  Coerce them for the boolean
 * attributes we know, at any depth of V.  Returns a new reference.
 */
static bool boolean_attr(const char *name)
{
	return !strcasecmp(name, "active") || !strcasecmp(name, "primary");
}

static json_t *coerce(const char *name, json_t *v)
{
	if (name && boolean_attr(name) && json_is_string(v)) {
		if (!strcasecmp(json_string_value(v), "true"))
			return json_true();
		if (!strcasecmp(json_string_value(v), "false"))
			return json_false();
	}
	if (json_is_object(v)) {
		json_t *o = json_object(), *e;
		const char *k;

		if (!o)
			return NULL;
		json_object_foreach(v, k, e)
			if (json_object_set_new(o, k, coerce(k, e)) != 0) {
				json_decref(o);
				return NULL;
			}
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array(), *e;
		size_t i;

		if (!a)
			return NULL;
		json_array_foreach(v, i, e)
			if (json_array_append_new(a, coerce(name, e)) != 0) {
				json_decref(a);
				return NULL;
			}
		return a;
	}
	return json_incref(v);
}

static bool is_core_urn(const char *uri)
{
	return !uri || !strcasecmp(uri, GR_SCIM_USER_URN) || !strcasecmp(uri, GR_SCIM_GROUP_URN);
}

/* The object that holds PATH's attribute; an extension object is created when CREATE. */
static json_t *container(struct ctx *c, const struct gr_scim_path *path, bool create)
{
	json_t *ext, *schemas;
	size_t i;

	if (is_core_urn(path->uri))
		return c->res;
	ext = gr_scim_get(c->res, path->uri);
	if (ext || !create)
		return json_is_object(ext) ? ext : NULL;
	ext = json_object();
	if (!ext || json_object_set_new(c->res, path->uri, ext) != 0)
		return NULL;
	schemas = gr_scim_get(c->res, "schemas");
	if (json_is_array(schemas)) {
		for (i = 0; i < json_array_size(schemas); i++)
			if (json_is_string(json_array_get(schemas, i)) &&
			    !strcasecmp(json_string_value(json_array_get(schemas, i)), path->uri))
				return ext;
		json_array_append_new(schemas, json_string(path->uri));
	}
	return ext;
}

/* ---- members (Groups) ---- */

static int member_id(struct ctx *c, const json_t *v, const char **id)
{
	const json_t *val = json_is_object(v) ? gr_scim_get(v, "value") : v;

	if (!json_is_string(val) || !gr_valid_id(json_string_value(val)))
		return fail(c, GR_SCIM_PATCH_INVALID_VALUE,
			    "a member must be an object with a \"value\" id");
	if (++c->members_named > c->limits->max_members)
		return fail(c, GR_SCIM_PATCH_TOO_MANY, "more than %zu members in one request",
			    c->limits->max_members);
	*id = json_string_value(val);
	return 0;
}

static int member_add(struct ctx *c, const char *id)
{
	json_object_del(c->members->remove, id);
	return json_object_set_new(c->members->add, id, json_true()) == 0 ? 0 : oom(c);
}

static int member_remove(struct ctx *c, const char *id)
{
	json_object_del(c->members->add, id);
	if (c->members->replace_all)
		return 0; /* not in the set at all */
	return json_object_set_new(c->members->remove, id, json_true()) == 0 ? 0 : oom(c);
}

/* The ids a members filter names: value eq "ID" terms joined by "or". */
static int filter_ids(struct ctx *c, const struct gr_scim_filter *f)
{
	const char *id;
	int r;

	if (f->op == GR_SCIM_F_OR) {
		r = filter_ids(c, f->a);
		return r < 0 ? r : filter_ids(c, f->b);
	}
	if (f->op != GR_SCIM_F_EQ || f->path.sub || f->path.uri || strcasecmp(f->path.attr, "value"))
		return fail(c, GR_SCIM_PATCH_INVALID_FILTER,
			    "members are selected by value only (members[value eq \"ID\"])");
	r = member_id(c, f->value, &id);
	return r < 0 ? r : member_remove(c, id);
}

static int patch_members(struct ctx *c, enum mode mode, const struct gr_scim_patch_path *pp,
			 const json_t *value)
{
	const char *id;
	json_t *e;
	size_t i;
	int r;

	if (pp && pp->filter) {
		if (mode != OP_REMOVE || pp->sub)
			return fail(c, GR_SCIM_PATCH_INVALID_PATH,
				    "a members value path can only be removed");
		return filter_ids(c, pp->filter);
	}
	if (pp && pp->path.sub)
		return fail(c, GR_SCIM_PATCH_INVALID_PATH, "members have no sub-attributes to change");
	if (mode == OP_REPLACE || (mode == OP_REMOVE && (!value || json_is_null(value)))) {
		c->members->replace_all = true;
		json_object_clear(c->members->add);
		json_object_clear(c->members->remove);
		if (mode == OP_REMOVE)
			return 0;
	}
	if (value && !json_is_array(value) && !json_is_object(value))
		return fail(c, GR_SCIM_PATCH_INVALID_VALUE, "members takes an array of members");
	for (i = 0; value && i < (json_is_array(value) ? json_array_size(value) : 1); i++) {
		e = json_is_array(value) ? json_array_get(value, i) : (json_t *)value;
		r = member_id(c, e, &id);
		if (r < 0)
			return r;
		r = mode == OP_REMOVE ? member_remove(c, id) : member_add(c, id);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- value paths ---- */

/*
 * A new element for an add that matched nothing, built from the filter's
 * "eq" terms: emails[type eq "work"] gives {"type": "work"}.  NULL when the
 * filter is anything but eq terms joined by "and".
 */
static bool element_from_filter(const struct gr_scim_filter *f, json_t *out)
{
	if (f->op == GR_SCIM_F_AND)
		return element_from_filter(f->a, out) && element_from_filter(f->b, out);
	if (f->op != GR_SCIM_F_EQ || f->path.sub || json_is_null(f->value))
		return false;
	return set_ci(out, f->path.attr, json_incref(f->value)) == 0;
}

static int merge_into(struct ctx *c, json_t *obj, const json_t *value)
{
	const char *k;
	json_t *v;

	if (!json_is_object(value))
		return fail(c, GR_SCIM_PATCH_INVALID_VALUE, "a complex value must be an object");
	json_object_foreach((json_t *)value, k, v)
		if (set_ci(obj, k, coerce(k, v)) < 0)
			return oom(c);
	return 0;
}

static int patch_value_path(struct ctx *c, enum mode mode, const struct gr_scim_patch_path *pp,
			    const json_t *value)
{
	json_t *holder = container(c, &pp->path, mode != OP_REMOVE);
	json_t *arr = holder ? gr_scim_get(holder, pp->path.attr) : NULL;
	size_t i, matched = 0;
	int r;

	if (arr && !json_is_array(arr))
		return fail(c, GR_SCIM_PATCH_INVALID_PATH, "a value filter needs a multi-valued attribute");
	for (i = arr ? json_array_size(arr) : 0; i-- > 0;) {
		json_t *e = json_array_get(arr, i);

		if (!json_is_object(e) || !gr_scim_filter_match(pp->filter, e, NULL))
			continue;
		matched++;
		if (mode == OP_REMOVE) {
			if (pp->sub)
				gr_scim_del(e, pp->sub);
			else
				json_array_remove(arr, i);
			continue;
		}
		r = pp->sub ? (set_ci(e, pp->sub, coerce(pp->sub, (json_t *)value)) < 0 ? oom(c) : 0)
			    : merge_into(c, e, value);
		if (r < 0)
			return r;
	}
	if (mode == OP_REMOVE) {
		if (arr && json_array_size(arr) == 0)
			gr_scim_del(holder, pp->path.attr);
		return 0; /* removing what is not there is done already */
	}
	if (matched)
		return 0;
	/* Nothing matched: add an element made from the filter (Entra's "Add" of a new email). */
	{
		json_t *e = json_object();

		if (!e)
			return oom(c);
		if (!element_from_filter(pp->filter, e)) {
			json_decref(e);
			return fail(c, GR_SCIM_PATCH_NO_TARGET,
				    "the value filter matches nothing and does not describe a new value");
		}
		r = pp->sub ? (set_ci(e, pp->sub, coerce(pp->sub, (json_t *)value)) < 0 ? oom(c) : 0)
			    : merge_into(c, e, value);
		if (r < 0) {
			json_decref(e);
			return r;
		}
		if (!arr) {
			if (!holder || set_ci(holder, pp->path.attr, json_array()) < 0) {
				json_decref(e);
				return oom(c);
			}
			arr = gr_scim_get(holder, pp->path.attr);
		}
		return json_array_append_new(arr, e) == 0 ? 0 : oom(c);
	}
}

/* ---- plain paths ---- */

static bool contains(const json_t *arr, const json_t *v)
{
	size_t i;

	for (i = 0; i < json_array_size(arr); i++)
		if (json_equal(json_array_get(arr, i), v))
			return true;
	return false;
}

/* Does element E of a multi-valued attribute match V, a value to remove? */
static bool same_value(const json_t *e, const json_t *v)
{
	if (json_equal(e, v))
		return true;
	return json_is_object(e) && json_is_object(v) && gr_scim_get(v, "value") &&
	       json_equal(gr_scim_get(e, "value"), gr_scim_get(v, "value"));
}

static int check_mutability(struct ctx *c, const struct gr_scim_path *path, const json_t *value,
			    bool explicit_path)
{
	const char *a = path->attr;

	if (!is_core_urn(path->uri))
		return 0;
	if (!strcasecmp(a, "id")) {
		const json_t *cur = gr_scim_get(c->res, "id");

		if (!path->sub && value && cur && json_equal(cur, value))
			return 1; /* Okta resends the id with a rename: nothing to do */
		return fail(c, GR_SCIM_PATCH_MUTABILITY, "\"id\" is read-only");
	}
	if (!strcasecmp(a, "meta") || !strcasecmp(a, "schemas")) {
		if (explicit_path)
			return fail(c, GR_SCIM_PATCH_MUTABILITY, "\"%s\" is read-only", canonical(a));
		return 1; /* part of a whole resource sent back: ignored */
	}
	if (!c->is_group && !strcasecmp(a, "groups"))
		return fail(c, GR_SCIM_PATCH_MUTABILITY,
			    "\"groups\" is read-only: change membership through the Group");
	if (!c->is_group && !strcasecmp(a, "password")) {
		gr_scim_del(c->res, "password");
		return 1; /* never stored */
	}
	return 0;
}

static int patch_path(struct ctx *c, enum mode mode, const struct gr_scim_patch_path *pp,
		      const json_t *value, bool explicit_path)
{
	const struct gr_scim_path *path = &pp->path;
	json_t *holder, *cur;
	int r;

	if (c->is_group && is_core_urn(path->uri) && !strcasecmp(path->attr, "members"))
		return patch_members(c, mode, pp, value);
	r = check_mutability(c, path, value, explicit_path);
	if (r != 0)
		return r < 0 ? r : 0;
	if (pp->filter)
		return patch_value_path(c, mode, pp, value);
	if (mode == OP_REMOVE || json_is_null(value)) {
		holder = container(c, path, false);
		cur = holder ? gr_scim_get(holder, path->attr) : NULL;
		if (!cur)
			return 0;
		if (path->sub) {
			size_t i;

			if (json_is_object(cur))
				gr_scim_del(cur, path->sub);
			for (i = 0; json_is_array(cur) && i < json_array_size(cur); i++)
				if (json_is_object(json_array_get(cur, i)))
					gr_scim_del(json_array_get(cur, i), path->sub);
			return 0;
		}
		if (mode == OP_REMOVE && value && json_is_array(cur)) {
			size_t i, j;

			for (i = json_array_size(cur); i-- > 0;)
				for (j = 0; j < (json_is_array(value) ? json_array_size(value) : 1); j++)
					if (same_value(json_array_get(cur, i),
						       json_is_array(value) ? json_array_get(value, j)
									    : value)) {
						json_array_remove(cur, i);
						break;
					}
			if (json_array_size(cur) == 0)
				gr_scim_del(holder, path->attr);
			return 0;
		}
		gr_scim_del(holder, path->attr);
		return 0;
	}
	holder = container(c, path, true);
	if (!holder)
		return fail(c, GR_SCIM_PATCH_INVALID_PATH, "the schema's attributes are not an object");
	cur = gr_scim_get(holder, path->attr);
	if (path->sub) {
		if (!cur) {
			if (set_ci(holder, path->attr, json_object()) < 0)
				return oom(c);
			cur = gr_scim_get(holder, path->attr);
		}
		if (!json_is_object(cur))
			return fail(c, GR_SCIM_PATCH_INVALID_PATH, "\"%s\" has no sub-attributes",
				    canonical(path->attr));
		return set_ci(cur, path->sub, coerce(path->sub, (json_t *)value)) < 0 ? oom(c) : 0;
	}
	if (mode == OP_ADD && json_is_array(cur)) {
		size_t i, n = json_is_array(value) ? json_array_size(value) : 1;

		for (i = 0; i < n; i++) {
			json_t *v = coerce(path->attr,
					   json_is_array(value) ? json_array_get(value, i) : (json_t *)value);

			if (!v)
				return oom(c);
			if (contains(cur, v))
				json_decref(v);
			else if (json_array_append_new(cur, v) != 0)
				return oom(c);
		}
		return 0;
	}
	/* A complex single-valued attribute: the sub-attributes given replace theirs. */
	if (json_is_object(cur) && json_is_object(value))
		return merge_into(c, cur, value);
	return set_ci(holder, path->attr, coerce(path->attr, (json_t *)value)) < 0 ? oom(c) : 0;
}

/* A no-path add or replace: every key of VALUE is a path (or a schema URN holding attributes). */
static int patch_no_path(struct ctx *c, enum mode mode, const json_t *value)
{
	const char *k;
	json_t *v;
	int r;

	if (!json_is_object(value))
		return fail(c, GR_SCIM_PATCH_INVALID_VALUE, "an operation without a path takes an object");
	json_object_foreach((json_t *)value, k, v) {
		struct gr_scim_patch_path pp;
		struct gr_err perr;
		char shown[80];

		if (!strncasecmp(k, "urn:", 4) && json_is_object(v) && !is_core_urn(k)) {
			/* {"urn:...:enterprise:2.0:User": {"department": "x"}} */
			const char *sk;
			json_t *sv;

			json_object_foreach(v, sk, sv) {
				struct gr_scim_patch_path sp = { .path = { .uri = (char *)k,
									   .attr = (char *)sk } };

				r = patch_path(c, mode, &sp, sv, false);
				if (r < 0)
					return r;
			}
			continue;
		}
		if (gr_scim_patch_path_parse(k, strlen(k), &pp, &perr) < 0)
			return fail(c, GR_SCIM_PATCH_INVALID_PATH, "attribute \"%s\": %s",
				    gr_esc(shown, sizeof(shown), k, GR_ESC_LOG), perr.msg);
		r = patch_path(c, mode, &pp, v, false);
		gr_scim_patch_path_clear(&pp);
		if (r < 0)
			return r;
	}
	return 0;
}

static int one_op(struct ctx *c, const json_t *op, size_t index)
{
	const char *name = gr_scim_str(op, "op");
	json_t *path = gr_scim_get(op, "path");
	json_t *value = gr_scim_get(op, "value");
	struct gr_scim_patch_path pp;
	struct gr_err perr;
	enum mode mode;
	int r;

	if (!json_is_object(op) || !name)
		return fail(c, GR_SCIM_PATCH_INVALID_SYNTAX, "operation %zu has no \"op\"", index);
	if (!strcasecmp(name, "add"))
		mode = OP_ADD;
	else if (!strcasecmp(name, "replace"))
		mode = OP_REPLACE;
	else if (!strcasecmp(name, "remove"))
		mode = OP_REMOVE;
	else
		return fail(c, GR_SCIM_PATCH_INVALID_SYNTAX,
			    "operation %zu: \"op\" must be add, replace or remove", index);
	if (path && !json_is_string(path))
		return fail(c, GR_SCIM_PATCH_INVALID_PATH, "operation %zu: \"path\" must be a string",
			    index);
	if (mode != OP_REMOVE && !value)
		return fail(c, GR_SCIM_PATCH_INVALID_VALUE, "operation %zu: %s needs a \"value\"", index,
			    name);
	if (!path) {
		if (mode == OP_REMOVE)
			return fail(c, GR_SCIM_PATCH_NO_TARGET, "operation %zu: remove needs a \"path\"",
				    index);
		return patch_no_path(c, mode, value);
	}
	if (gr_scim_patch_path_parse(json_string_value(path), json_string_length(path), &pp,
				     &perr) < 0)
		return fail(c, GR_SCIM_PATCH_INVALID_PATH, "operation %zu: %s", index, perr.msg);
	r = patch_path(c, mode, &pp, value, true);
	gr_scim_patch_path_clear(&pp);
	return r;
}

int gr_scim_patch_apply(json_t *resource, const json_t *body, bool is_group,
			const struct gr_scim_patch_limits *limits, struct gr_scim_members *members,
			enum gr_scim_patch_error *kind, struct gr_err *err)
{
	struct ctx c = { .res = resource, .is_group = is_group, .limits = limits,
			 .members = members, .kind = kind, .err = err };
	json_t *ops = gr_scim_get(body, "Operations"), *schemas = gr_scim_get(body, "schemas");
	size_t i;
	int r;

	*kind = GR_SCIM_PATCH_OK;
	if (is_group && (!members || !members->add || !members->remove))
		return oom(&c);
	if (!json_is_object(body) || !json_is_array(ops))
		return fail(&c, GR_SCIM_PATCH_INVALID_SYNTAX, "a PatchOp needs an \"Operations\" array");
	if (schemas) {
		bool ok = false;

		for (i = 0; i < json_array_size(schemas); i++)
			ok = ok || (json_is_string(json_array_get(schemas, i)) &&
				    !strcasecmp(json_string_value(json_array_get(schemas, i)),
						PATCHOP_URN));
		if (!ok)
			return fail(&c, GR_SCIM_PATCH_INVALID_SYNTAX, "\"schemas\" must list %s",
				    PATCHOP_URN);
	}
	if (json_array_size(ops) == 0)
		return fail(&c, GR_SCIM_PATCH_INVALID_SYNTAX, "a PatchOp needs at least one operation");
	if (json_array_size(ops) > limits->max_operations)
		return fail(&c, GR_SCIM_PATCH_TOO_MANY, "more than %zu operations in one request",
			    limits->max_operations);
	for (i = 0; i < json_array_size(ops); i++) {
		r = one_op(&c, json_array_get(ops, i), i);
		if (r < 0)
			return r;
	}
	return 0;
}

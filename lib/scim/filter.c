/* SPDX-License-Identifier: MIT */
/*
 * A recursive-descent parser for SCIM filters and PATCH paths, and the
 * matcher that evaluates a filter against a resource.  The grammar is in
 * filter.h.  Every error names the byte offset where parsing stopped.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/escape.h"
#include "scim/filter.h"
#include "scim/scim.h"

struct parser {
	const char *s;
	size_t len, pos;
	int depth, nodes;
	bool in_value_filter; /* inside "attr[...]": no nested value paths, no URIs */
	struct gr_err *err;
	const char *what;     /* "filter" or "path", for messages */
	int failed;
};

static const char *const op_names[] = {
	[GR_SCIM_F_EQ] = "eq", [GR_SCIM_F_NE] = "ne", [GR_SCIM_F_CO] = "co",
	[GR_SCIM_F_SW] = "sw", [GR_SCIM_F_EW] = "ew", [GR_SCIM_F_GT] = "gt",
	[GR_SCIM_F_GE] = "ge", [GR_SCIM_F_LT] = "lt", [GR_SCIM_F_LE] = "le",
	[GR_SCIM_F_PR] = "pr",
};

static int fail(struct parser *p, const char *why)
{
	if (!p->failed) {
		char near[48], tok[24];
		size_t n = p->len - p->pos < sizeof(tok) - 1 ? p->len - p->pos : sizeof(tok) - 1;

		memcpy(tok, p->s + p->pos, n);
		tok[n] = '\0';
		gr_esc(near, sizeof(near), tok, GR_ESC_LOG);
		if (p->pos >= p->len)
			gr_err_set(p->err, -GR_E_INVALID, "invalid %s at offset %zu (end): %s",
				   p->what, p->pos, why);
		else
			gr_err_set(p->err, -GR_E_INVALID, "invalid %s at offset %zu (near \"%s\"): %s",
				   p->what, p->pos, near, why);
		p->failed = 1;
	}
	return -GR_E_INVALID;
}

static bool at_end(const struct parser *p) { return p->pos >= p->len; }
static char peek(const struct parser *p) { return at_end(p) ? '\0' : p->s[p->pos]; }

static void skip_spaces(struct parser *p)
{
	while (!at_end(p) && p->s[p->pos] == ' ')
		p->pos++;
}

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; }

/* Characters that may stand in an attribute path token (URN segments included). */
static bool is_path_char(char c)
{
	return is_name_char(c) || c == ':' || c == '.' || c == '$';
}

/* Does the word W (lowercase) stand at the current position, followed by a delimiter? */
static bool word_at(const struct parser *p, const char *w)
{
	size_t n = strlen(w);

	if (p->len - p->pos < n || strncasecmp(p->s + p->pos, w, n) != 0)
		return false;
	return p->pos + n == p->len || !is_path_char(p->s[p->pos + n]);
}

static bool valid_attr_name(const char *s)
{
	size_t i;

	if (!strcmp(s, "$ref"))
		return true;
	if (!is_alpha(s[0]))
		return false;
	for (i = 1; s[i]; i++)
		if (!is_name_char(s[i]))
			return false;
	return i <= 128;
}

static bool valid_urn(const char *s)
{
	size_t i;

	if (strncasecmp(s, "urn:", 4) != 0)
		return false;
	for (i = 4; s[i]; i++)
		if (!is_name_char(s[i]) && s[i] != ':' && s[i] != '.')
			return false;
	return i <= 256 && s[i - 1] != ':';
}

static void path_clear(struct gr_scim_path *path)
{
	free(path->uri);
	free(path->attr);
	free(path->sub);
	memset(path, 0, sizeof(*path));
}

/*
 * attrPath = [URI ":"] ATTRNAME *1subAttr.  The URI is everything up to the
 * last ':' (URNs contain '.' in "2.0", so sub-attributes are only split
 * after it).
 */
static int parse_path(struct parser *p, struct gr_scim_path *out)
{
	size_t start = p->pos, n;
	const char *tok, *colon, *name, *dot;

	while (!at_end(p) && is_path_char(p->s[p->pos]))
		p->pos++;
	n = p->pos - start;
	if (n == 0)
		return fail(p, "expected an attribute name");
	tok = p->s + start;
	colon = memrchr(tok, ':', n);
	name = colon ? colon + 1 : tok;
	dot = memchr(name, '.', n - (size_t)(name - tok));
	if (colon) {
		out->uri = strndup(tok, (size_t)(colon - tok));
		if (!out->uri)
			return -ENOMEM;
		if (p->in_value_filter || !valid_urn(out->uri)) {
			p->pos = start;
			return fail(p, p->in_value_filter ? "a value filter names sub-attributes only"
							  : "invalid schema URN");
		}
	}
	out->attr = strndup(name, dot ? (size_t)(dot - name) : n - (size_t)(name - tok));
	if (dot)
		out->sub = strndup(dot + 1, n - (size_t)(dot + 1 - tok));
	if (!out->attr || (dot && !out->sub))
		return -ENOMEM;
	if (!valid_attr_name(out->attr) || (out->sub && !valid_attr_name(out->sub))) {
		p->pos = start;
		return fail(p, "invalid attribute name");
	}
	if (p->in_value_filter && out->sub) {
		p->pos = start;
		return fail(p, "a value filter names sub-attributes only");
	}
	return 0;
}

static struct gr_scim_filter *new_node(struct parser *p, enum gr_scim_fop op)
{
	struct gr_scim_filter *f;

	if (++p->nodes > GR_SCIM_FILTER_NODES) {
		fail(p, "too many expressions");
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f)
		f->op = op;
	return f;
}

/* A JSON string literal, number or keyword, decoded by jansson. */
static int parse_value(struct parser *p, json_t **out)
{
	size_t start = p->pos;
	json_error_t jerr;

	if (peek(p) == '"') {
		p->pos++;
		while (!at_end(p) && p->s[p->pos] != '"') {
			if (p->s[p->pos] == '\\')
				p->pos++;
			p->pos++;
		}
		if (at_end(p)) {
			p->pos = start;
			return fail(p, "unterminated string");
		}
		p->pos++;
	} else if (word_at(p, "true") || word_at(p, "false") || word_at(p, "null")) {
		char c = (char)(peek(p) | 0x20);

		*out = c == 't' ? json_true() : c == 'f' ? json_false() : json_null();
		p->pos += c == 'f' ? 5 : 4;
		return 0;
	} else {
		while (!at_end(p) && (is_digit(p->s[p->pos]) || strchr("+-.eE", p->s[p->pos])))
			p->pos++;
		if (p->pos == start)
			return fail(p, "expected a value (string, number, true, false or null)");
	}
	*out = json_loadb(p->s + start, p->pos - start, JSON_DECODE_ANY, &jerr);
	if (!*out || !(json_is_string(*out) || json_is_number(*out))) {
		json_decref(*out);
		*out = NULL;
		p->pos = start;
		return fail(p, "invalid value literal");
	}
	if (json_is_real(*out) && !isfinite(json_real_value(*out))) {
		json_decref(*out);
		*out = NULL;
		p->pos = start;
		return fail(p, "invalid number");
	}
	return 0;
}

static int parse_or(struct parser *p, struct gr_scim_filter **out);

/* Space(s) that must separate tokens (RFC 7644 writes SP; more are tolerated). */
static int need_space(struct parser *p)
{
	if (peek(p) != ' ')
		return fail(p, "expected a space");
	skip_spaces(p);
	return 0;
}

static int parse_attr_expr(struct parser *p, struct gr_scim_filter **out)
{
	struct gr_scim_path path = { 0 };
	struct gr_scim_filter *f = NULL;
	size_t i, op_pos;
	int r;

	r = parse_path(p, &path);
	if (r < 0)
		goto out;
	if (peek(p) == '[') {
		if (p->in_value_filter || path.sub) {
			r = fail(p, p->in_value_filter ? "value filters do not nest"
						       : "a value filter follows a plain attribute");
			goto out;
		}
		if (++p->depth > GR_SCIM_FILTER_DEPTH) {
			r = fail(p, "nested too deeply");
			goto out;
		}
		p->pos++;
		r = -ENOMEM;
		if (!(f = new_node(p, GR_SCIM_F_VALUE_PATH)))
			goto out;
		skip_spaces(p);
		p->in_value_filter = true;
		r = parse_or(p, &f->a);
		p->in_value_filter = false;
		if (r < 0)
			goto out;
		skip_spaces(p);
		if (peek(p) != ']') {
			r = fail(p, "expected ']'");
			goto out;
		}
		p->pos++;
		p->depth--;
		f->path = path;
		memset(&path, 0, sizeof(path));
		*out = f;
		return 0;
	}
	r = need_space(p);
	if (r < 0)
		goto out;
	op_pos = p->pos;
	for (i = 0; i <= GR_SCIM_F_PR; i++)
		if (word_at(p, op_names[i]))
			break;
	if (i > GR_SCIM_F_PR) {
		r = fail(p, "expected an operator (eq ne co sw ew gt ge lt le pr)");
		goto out;
	}
	p->pos += 2;
	r = -ENOMEM;
	if (!(f = new_node(p, (enum gr_scim_fop)i)))
		goto out;
	if (f->op != GR_SCIM_F_PR) {
		r = need_space(p);
		if (r < 0)
			goto out;
		r = parse_value(p, &f->value);
		if (r < 0)
			goto out;
		/* Only strings and numbers have an order or substrings. */
		if (f->op != GR_SCIM_F_EQ && f->op != GR_SCIM_F_NE && !json_is_string(f->value) &&
		    (f->op == GR_SCIM_F_CO || f->op == GR_SCIM_F_SW || f->op == GR_SCIM_F_EW ||
		     !json_is_number(f->value))) {
			p->pos = op_pos;
			r = fail(p, "operator does not apply to that value");
			goto out;
		}
	}
	f->path = path;
	memset(&path, 0, sizeof(path));
	*out = f;
	return 0;
out:
	path_clear(&path);
	gr_scim_filter_free(f);
	if (p->failed)
		return -GR_E_INVALID; /* a bound hit inside new_node, reported there */
	return r == -ENOMEM ? gr_err_set(p->err, -ENOMEM, "out of memory") : r;
}

/* not "(" FILTER ")" / "(" FILTER ")" / attrExp / valuePath */
static int parse_unary(struct parser *p, struct gr_scim_filter **out)
{
	struct gr_scim_filter *f = NULL;
	bool negate = false;
	size_t save = p->pos;
	int r;

	if (word_at(p, "not")) {
		p->pos += 3;
		skip_spaces(p);
		if (peek(p) != '(') {
			/* An attribute that happens to be called "not"? */
			p->pos = save;
			return parse_attr_expr(p, out);
		}
		negate = true;
	}
	if (peek(p) != '(')
		return parse_attr_expr(p, out);
	if (++p->depth > GR_SCIM_FILTER_DEPTH)
		return fail(p, "nested too deeply");
	p->pos++;
	skip_spaces(p);
	r = parse_or(p, &f);
	if (r < 0)
		return r;
	skip_spaces(p);
	if (peek(p) != ')') {
		gr_scim_filter_free(f);
		return fail(p, "expected ')'");
	}
	p->pos++;
	p->depth--;
	if (negate) {
		struct gr_scim_filter *n = new_node(p, GR_SCIM_F_NOT);

		if (!n) {
			gr_scim_filter_free(f);
			return p->failed ? -GR_E_INVALID : gr_err_set(p->err, -ENOMEM, "out of memory");
		}
		n->a = f;
		f = n;
	}
	*out = f;
	return 0;
}

/* LEFT (SP KEYWORD SP RIGHT)*, left-associative. */
static int parse_binary(struct parser *p, struct gr_scim_filter **out, const char *kw,
			enum gr_scim_fop op, int (*next)(struct parser *, struct gr_scim_filter **))
{
	struct gr_scim_filter *left = NULL, *n;
	int r;

	r = next(p, &left);
	if (r < 0)
		return r;
	for (;;) {
		size_t save = p->pos;

		skip_spaces(p);
		if (p->pos == save || !word_at(p, kw)) {
			p->pos = save;
			break;
		}
		p->pos += strlen(kw);
		r = need_space(p);
		if (r < 0)
			goto fail;
		if (!(n = new_node(p, op))) {
			r = p->failed ? -GR_E_INVALID : gr_err_set(p->err, -ENOMEM, "out of memory");
			goto fail;
		}
		n->a = left;
		left = n;
		r = next(p, &n->b);
		if (r < 0)
			goto fail;
	}
	*out = left;
	return 0;
fail:
	gr_scim_filter_free(left);
	return r;
}

static int parse_and(struct parser *p, struct gr_scim_filter **out)
{
	return parse_binary(p, out, "and", GR_SCIM_F_AND, parse_unary);
}

static int parse_or(struct parser *p, struct gr_scim_filter **out)
{
	return parse_binary(p, out, "or", GR_SCIM_F_OR, parse_and);
}

static int check_text(struct parser *p)
{
	if (p->len > GR_SCIM_FILTER_MAX)
		return gr_err_set(p->err, -GR_E_INVALID, "%s longer than %d bytes", p->what,
				  GR_SCIM_FILTER_MAX);
	if (memchr(p->s, '\0', p->len))
		return gr_err_set(p->err, -GR_E_INVALID, "%s contains a NUL byte", p->what);
	return 0;
}

int gr_scim_filter_parse(const char *text, size_t len, struct gr_scim_filter **out,
			 struct gr_err *err)
{
	struct parser p = { .s = text, .len = len, .err = err, .what = "filter" };
	struct gr_scim_filter *f = NULL;
	int r;

	*out = NULL;
	r = check_text(&p);
	if (r < 0)
		return r;
	skip_spaces(&p);
	r = parse_or(&p, &f);
	if (r < 0)
		return r;
	skip_spaces(&p);
	if (!at_end(&p)) {
		gr_scim_filter_free(f);
		return fail(&p, "unexpected text after the filter");
	}
	*out = f;
	return 0;
}

void gr_scim_filter_free(struct gr_scim_filter *f)
{
	if (!f)
		return;
	gr_scim_filter_free(f->a);
	gr_scim_filter_free(f->b);
	path_clear(&f->path);
	json_decref(f->value);
	free(f);
}

int gr_scim_patch_path_parse(const char *text, size_t len, struct gr_scim_patch_path *out,
			     struct gr_err *err)
{
	struct parser p = { .s = text, .len = len, .err = err, .what = "path" };
	int r;

	memset(out, 0, sizeof(*out));
	r = check_text(&p);
	if (r < 0)
		return r;
	r = parse_path(&p, &out->path);
	if (r < 0)
		goto fail;
	if (peek(&p) == '[') {
		if (out->path.sub) {
			r = fail(&p, "a value filter follows a plain attribute");
			goto fail;
		}
		p.pos++;
		p.depth++;
		skip_spaces(&p);
		p.in_value_filter = true;
		r = parse_or(&p, &out->filter);
		p.in_value_filter = false;
		if (r < 0)
			goto fail;
		skip_spaces(&p);
		if (peek(&p) != ']') {
			r = fail(&p, "expected ']'");
			goto fail;
		}
		p.pos++;
		if (peek(&p) == '.') {
			size_t start = ++p.pos;

			while (!at_end(&p) && is_path_char(p.s[p.pos]))
				p.pos++;
			out->sub = strndup(p.s + start, p.pos - start);
			if (!out->sub) {
				r = gr_err_set(err, -ENOMEM, "out of memory");
				goto fail;
			}
			if (!valid_attr_name(out->sub)) {
				p.pos = start;
				r = fail(&p, "invalid sub-attribute name");
				goto fail;
			}
		}
	}
	if (!at_end(&p)) {
		r = fail(&p, "unexpected text after the path");
		goto fail;
	}
	return 0;
fail:
	gr_scim_patch_path_clear(out);
	return r;
}

void gr_scim_patch_path_clear(struct gr_scim_patch_path *pp)
{
	path_clear(&pp->path);
	gr_scim_filter_free(pp->filter);
	free(pp->sub);
	memset(pp, 0, sizeof(*pp));
}

/* ---- canonical text ---- */

static void put_path(FILE *f, const struct gr_scim_path *path)
{
	if (path->uri)
		fprintf(f, "%s:", path->uri);
	fputs(path->attr, f);
	if (path->sub)
		fprintf(f, ".%s", path->sub);
}

static int put_filter(FILE *f, const struct gr_scim_filter *n);

static bool is_binary(const struct gr_scim_filter *n)
{
	return n->op == GR_SCIM_F_AND || n->op == GR_SCIM_F_OR;
}

/*
 * Child C of the and/or node N, in parentheses only where the grammar needs
 * them: an "or" under an "and", or a right operand of the same operator
 * (chains are left-associative).  Printing no more parentheses than the
 * input must have had keeps the canonical text inside the depth bound.
 */
static int put_operand(FILE *f, const struct gr_scim_filter *n, const struct gr_scim_filter *c,
		       bool right)
{
	bool paren = is_binary(c) && ((n->op == GR_SCIM_F_AND && c->op == GR_SCIM_F_OR) ||
				      (right && c->op == n->op));
	int r;

	if (paren)
		fputc('(', f);
	r = put_filter(f, c);
	if (paren)
		fputc(')', f);
	return r;
}

static int put_filter(FILE *f, const struct gr_scim_filter *n)
{
	char *v;

	switch (n->op) {
	case GR_SCIM_F_AND:
	case GR_SCIM_F_OR:
		if (put_operand(f, n, n->a, false) < 0)
			return -ENOMEM;
		fputs(n->op == GR_SCIM_F_AND ? " and " : " or ", f);
		return put_operand(f, n, n->b, true);
	case GR_SCIM_F_NOT:
		fputs("not (", f);
		if (put_filter(f, n->a) < 0)
			return -ENOMEM;
		fputc(')', f);
		return 0;
	case GR_SCIM_F_VALUE_PATH:
		put_path(f, &n->path);
		fputc('[', f);
		if (put_filter(f, n->a) < 0)
			return -ENOMEM;
		fputc(']', f);
		return 0;
	case GR_SCIM_F_PR:
		put_path(f, &n->path);
		fputs(" pr", f);
		return 0;
	default:
		put_path(f, &n->path);
		v = json_dumps(n->value, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
		if (!v)
			return -ENOMEM;
		fprintf(f, " %s %s", op_names[n->op], v);
		free(v);
		return 0;
	}
}

char *gr_scim_filter_format(const struct gr_scim_filter *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int r;

	if (!m)
		return NULL;
	r = put_filter(m, f);
	if (fclose(m) != 0 || r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- matching ---- */

static const char *const exact_attrs[] = { "id", "externalId", "$ref" };

bool gr_scim_case_exact_default(const struct gr_scim_path *path)
{
	size_t i;

	if (path->sub) {
		if (!strcasecmp(path->attr, "meta"))
			return !strcasecmp(path->sub, "version");
		if (!strcasecmp(path->attr, "members") || !strcasecmp(path->attr, "groups"))
			return !strcasecmp(path->sub, "value") || !strcasecmp(path->sub, "$ref");
		return !strcasecmp(path->sub, "$ref");
	}
	for (i = 0; i < sizeof(exact_attrs) / sizeof(exact_attrs[0]); i++)
		if (!strcasecmp(path->attr, exact_attrs[i]))
			return true;
	return false;
}

/* The object holding PATH's attribute: the extension object for a non-core URN. */
static const json_t *container(const json_t *obj, const struct gr_scim_path *path)
{
	if (!path->uri || !strcasecmp(path->uri, GR_SCIM_USER_URN) ||
	    !strcasecmp(path->uri, GR_SCIM_GROUP_URN))
		return obj;
	return gr_scim_get(obj, path->uri);
}

json_t *gr_scim_path_get(const json_t *obj, const struct gr_scim_path *path)
{
	const json_t *c = container(obj, path);
	json_t *v;

	if (!json_is_object(c))
		return NULL;
	v = gr_scim_get(c, path->attr);
	if (v && path->sub)
		v = json_is_object(v) ? gr_scim_get(v, path->sub) : NULL;
	return v;
}

static int fold_cmp(const char *a, size_t alen, const char *b, size_t blen, bool exact)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (!exact) {
			if (x >= 'A' && x <= 'Z')
				x = (unsigned char)(x - 'A' + 'a');
			if (y >= 'A' && y <= 'Z')
				y = (unsigned char)(y - 'A' + 'a');
		}
		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

/* Compare one scalar V with the filter's value; true when the operator holds. */
static bool compare(enum gr_scim_fop op, const json_t *v, const json_t *want, bool exact)
{
	int c;

	if (json_is_string(want)) {
		const char *a, *b;
		size_t al, bl;

		if (!json_is_string(v))
			return false;
		a = json_string_value(v);
		al = json_string_length(v);
		b = json_string_value(want);
		bl = json_string_length(want);
		switch (op) {
		case GR_SCIM_F_CO:
			if (bl == 0)
				return true;
			for (size_t i = 0; i + bl <= al; i++)
				if (fold_cmp(a + i, bl, b, bl, exact) == 0)
					return true;
			return false;
		case GR_SCIM_F_SW:
			return bl <= al && fold_cmp(a, bl, b, bl, exact) == 0;
		case GR_SCIM_F_EW:
			return bl <= al && fold_cmp(a + al - bl, bl, b, bl, exact) == 0;
		default:
			c = fold_cmp(a, al, b, bl, exact);
			break;
		}
	} else if (json_is_number(want)) {
		double x, y;

		if (!json_is_number(v))
			return false;
		x = json_number_value(v);
		y = json_number_value(want);
		c = x < y ? -1 : x > y ? 1 : 0;
	} else {
		/* true, false: equality only (null never reaches here). */
		return json_typeof(v) == json_typeof(want);
	}
	switch (op) {
	case GR_SCIM_F_EQ: return c == 0;
	case GR_SCIM_F_GT: return c > 0;
	case GR_SCIM_F_GE: return c >= 0;
	case GR_SCIM_F_LT: return c < 0;
	case GR_SCIM_F_LE: return c <= 0;
	default: return false;
	}
}

static bool present(const json_t *v)
{
	if (!v || json_is_null(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

/* One value (or array element) of the attribute, as the operator sees it. */
static const json_t *scalar_of(const json_t *v, const struct gr_scim_path *path)
{
	/* A complex value without a sub-attribute compares its "value". */
	if (json_is_object(v) && !path->sub)
		return gr_scim_get(v, "value");
	return v;
}

/*
 * PARENT is the multi-valued attribute of an enclosing value path: inside
 * "members[value eq ...]" the case rule is that of "members.value".
 */
static bool match_attr(const struct gr_scim_filter *f, const json_t *res,
		       gr_scim_case_exact_fn case_exact, const struct gr_scim_path *parent)
{
	const json_t *c = container(res, &f->path);
	const json_t *v = json_is_object(c) ? gr_scim_get(c, f->path.attr) : NULL;
	struct gr_scim_path full = f->path;
	bool exact;
	size_t i, n;

	if (parent) {
		full.uri = parent->uri;
		full.attr = parent->attr;
		full.sub = f->path.attr;
	}
	exact = case_exact(&full);

	if (f->op == GR_SCIM_F_PR) {
		if (json_is_array(v) && f->path.sub) {
			for (i = 0; i < json_array_size(v); i++) {
				const json_t *e = json_array_get(v, i);

				if (json_is_object(e) && present(gr_scim_get(e, f->path.sub)))
					return true;
			}
			return false;
		}
		if (f->path.sub)
			v = json_is_object(v) ? gr_scim_get(v, f->path.sub) : NULL;
		return present(v);
	}
	if (json_is_null(f->value)) {
		/* "eq null": absent; "ne null": present. */
		bool p = f->path.sub && json_is_array(v) ? json_array_size(v) > 0
			 : present(f->path.sub && json_is_object(v) ? gr_scim_get(v, f->path.sub) : v);
		return f->op == GR_SCIM_F_EQ ? !p : p;
	}
	n = json_is_array(v) ? json_array_size(v) : 1;
	for (i = 0; i < n; i++) {
		const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;

		if (f->path.sub)
			e = json_is_object(e) ? gr_scim_get(e, f->path.sub) : NULL;
		else
			e = scalar_of(e, &f->path);
		if (e && compare(f->op == GR_SCIM_F_NE ? GR_SCIM_F_EQ : f->op, e, f->value, exact))
			return f->op != GR_SCIM_F_NE;
	}
	return f->op == GR_SCIM_F_NE;
}

static bool match(const struct gr_scim_filter *f, const json_t *res, gr_scim_case_exact_fn ce,
		  const struct gr_scim_path *parent)
{
	switch (f->op) {
	case GR_SCIM_F_AND:
		return match(f->a, res, ce, parent) && match(f->b, res, ce, parent);
	case GR_SCIM_F_OR:
		return match(f->a, res, ce, parent) || match(f->b, res, ce, parent);
	case GR_SCIM_F_NOT:
		return !match(f->a, res, ce, parent);
	case GR_SCIM_F_VALUE_PATH: {
		const json_t *v = gr_scim_path_get(res, &f->path);
		size_t i;

		if (json_is_object(v))
			return match(f->a, v, ce, &f->path);
		for (i = 0; i < json_array_size(v); i++)
			if (json_is_object(json_array_get(v, i)) &&
			    match(f->a, json_array_get(v, i), ce, &f->path))
				return true;
		return false;
	}
	default:
		return match_attr(f, res, ce, parent);
	}
}

bool gr_scim_filter_match(const struct gr_scim_filter *f, const json_t *resource,
			  gr_scim_case_exact_fn case_exact)
{
	return f && match(f, resource, case_exact ? case_exact : gr_scim_case_exact_default, NULL);
}

/* SPDX-License-Identifier: MIT */
#ifndef GR_SCIM_FILTER_H
#define GR_SCIM_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/gr_error.h"

/*
 * SCIM filters (RFC 7644 section 3.4.2.2) and PATCH paths (section 3.5.2).
 * No C library parses either grammar, so this file does; tests/fuzz has a
 * libFuzzer harness for both parsers.
 *
 *   FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
 *   valuePath = attrPath "[" valFilter "]"
 *   attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
 *   compareOp = eq / ne / co / sw / ew / gt / lt / ge / le
 *   compValue = false / null / true / number / string      (JSON literals)
 *   attrPath  = [URI ":"] ATTRNAME *1subAttr
 *   PATH      = attrPath / valuePath [subAttr]             (PATCH)
 *
 * Operators, "and", "or", "not" and attribute names are case-insensitive;
 * "not" binds tighter than "and", which binds tighter than "or".  Value
 * literals are decoded by jansson (JSON_DECODE_ANY), not by hand.  A value
 * filter may not contain another value path (the RFC's valFilter), and its
 * attribute names are sub-attributes of the multi-valued attribute.
 *
 * Bounds, each answered with an error rather than work: GR_SCIM_FILTER_MAX
 * bytes of text, GR_SCIM_FILTER_DEPTH levels of nesting (parentheses, not,
 * value paths), GR_SCIM_FILTER_NODES expressions.
 */

#define GR_SCIM_FILTER_MAX 4096
#define GR_SCIM_FILTER_DEPTH 16
#define GR_SCIM_FILTER_NODES 128

/* An attribute path.  Names are kept as written and compared case-insensitively. */
struct gr_scim_path {
	char *uri;   /* schema URN, e.g. "urn:...:enterprise:2.0:User", or NULL */
	char *attr;  /* "userName", "emails", "$ref" */
	char *sub;   /* "givenName" in "name.givenName", or NULL */
};

enum gr_scim_fop {
	GR_SCIM_F_EQ,
	GR_SCIM_F_NE,
	GR_SCIM_F_CO,
	GR_SCIM_F_SW,
	GR_SCIM_F_EW,
	GR_SCIM_F_GT,
	GR_SCIM_F_GE,
	GR_SCIM_F_LT,
	GR_SCIM_F_LE,
	GR_SCIM_F_PR,
	GR_SCIM_F_AND,
	GR_SCIM_F_OR,
	GR_SCIM_F_NOT,
	GR_SCIM_F_VALUE_PATH, /* path[a] */
};

struct gr_scim_filter {
	enum gr_scim_fop op;
	struct gr_scim_path path;     /* comparisons, pr, value paths */
	json_t *value;                /* comparisons: a string, number, true, false or null */
	struct gr_scim_filter *a, *b; /* and/or: both; not and value path: a */
};

/*
 * Parse LEN bytes of TEXT (a NUL inside is an error).  On success *OUT is a
 * new tree owned by the caller (gr_scim_filter_free).  On failure returns
 * -GR_E_INVALID with a sentence in ERR naming the byte offset; the SCIM
 * scimType for it is "invalidFilter".
 */
int gr_scim_filter_parse(const char *text, size_t len, struct gr_scim_filter **out,
			 struct gr_err *err);
void gr_scim_filter_free(struct gr_scim_filter *f);

/*
 * The canonical text of F (parentheses only where needed, lowercase operators, JSON
 * literals), malloc()ed, or NULL when out of memory.  Parsing it again gives
 * the same tree: the fuzz harness checks that.
 */
char *gr_scim_filter_format(const struct gr_scim_filter *f);

/* A PATCH operation's "path". */
struct gr_scim_patch_path {
	struct gr_scim_path path;      /* the attribute (with its sub-attribute when no filter) */
	struct gr_scim_filter *filter; /* the value filter in "attr[...]", or NULL */
	char *sub;                     /* the sub-attribute after "]", or NULL */
};

/*
 * Parse a PATCH path of LEN bytes.  Returns 0 or -GR_E_INVALID (scimType
 * "invalidPath") with a sentence in ERR; OUT is cleared either way and must
 * be released with gr_scim_patch_path_clear.
 */
int gr_scim_patch_path_parse(const char *text, size_t len, struct gr_scim_patch_path *out,
			     struct gr_err *err);
void gr_scim_patch_path_clear(struct gr_scim_patch_path *p);

/*
 * Is the attribute at PATH compared case-exactly (RFC 7643 "caseExact")?
 * The matcher asks this for every string comparison; PATH's names are as
 * the filter wrote them.
 */
typedef bool (*gr_scim_case_exact_fn)(const struct gr_scim_path *path);

/*
 * RFC 7643's caseExact for the attributes grouprole serves: true for "id",
 * "externalId", "$ref", "meta.version" and "value" of members/groups (ids);
 * false for everything else, userName and displayName included.
 */
bool gr_scim_case_exact_default(const struct gr_scim_path *path);

/*
 * Does RESOURCE (a User or Group object) match F?  Multi-valued attributes
 * match when any value does; a complex multi-valued attribute without a
 * sub-attribute compares its elements' "value".  "ne" is the negation of
 * "eq"; "eq null" matches an absent attribute.  Strings order by bytes
 * (folded to ASCII lowercase unless case-exact), numbers numerically;
 * booleans and null only compare for (in)equality.  CASE_EXACT may be NULL
 * for gr_scim_case_exact_default.
 */
bool gr_scim_filter_match(const struct gr_scim_filter *f, const json_t *resource,
			  gr_scim_case_exact_fn case_exact);

/*
 * The value at PATH in OBJ (case-insensitive names; a URN selects the
 * extension object, the core schema URN the resource itself).  Borrowed
 * reference or NULL.  Does not descend into arrays.
 */
json_t *gr_scim_path_get(const json_t *obj, const struct gr_scim_path *path);

#endif

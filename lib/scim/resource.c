/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "core/gr_error.h"
#include "scim/filter.h"
#include "scim/resource.h"
#include "scim/scim.h"

int gr_scim_new_id(char out[GR_SCIM_ID_LEN + 1])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, GR_SCIM_ID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return 0;
}

const char *gr_scim_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "1970-01-01T00:00:00Z");
	return buf;
}

int gr_scim_meta_touch(json_t *res, const char *resource_type, int64_t now)
{
	json_t *meta = gr_scim_get(res, "meta"), *fresh;
	const char *v;
	char when[32], ver[32];
	unsigned long long n = 0;

	if (json_is_object(meta) && (v = gr_scim_str(meta, "version")))
		sscanf(v, "W/\"%llu\"", &n);
	fresh = json_object();
	if (!fresh)
		return -ENOMEM;
	gr_scim_time(now, when, sizeof(when));
	snprintf(ver, sizeof(ver), "W/\"%llu\"", n + 1);
	if (json_object_set_new(fresh, "resourceType", json_string(resource_type)) ||
	    json_object_set_new(fresh, "created",
				json_is_object(meta) && gr_scim_str(meta, "created")
					? json_string(gr_scim_str(meta, "created"))
					: json_string(when)) ||
	    json_object_set_new(fresh, "lastModified", json_string(when)) ||
	    json_object_set_new(fresh, "version", json_string(ver))) {
		json_decref(fresh);
		return -ENOMEM;
	}
	/* One "meta", whatever case the client sent it in. */
	{
		const char *k;
		json_t *x;
		void *tmp;

		json_object_foreach_safe(res, tmp, k, x)
			if (!strcasecmp(k, "meta"))
				json_object_del(res, k);
	}
	return json_object_set_new(res, "meta", fresh) ? -ENOMEM : 0;
}

const char *gr_scim_etag(const json_t *res)
{
	return gr_scim_str(gr_scim_get(res, "meta"), "version");
}

bool gr_scim_if_match(const char *header, const char *etag)
{
	const char *p = header;
	size_t n;

	if (!header)
		return true;
	if (!etag)
		return false;
	n = strlen(etag);
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (!strncmp(p, etag, n) && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
		/* A strong tag in the header matches our weak one by its opaque part. */
		if (!strncmp(etag, "W/", 2) && !strncmp(p, etag + 2, n - 2) &&
		    (p[n - 2] == '\0' || p[n - 2] == ',' || p[n - 2] == ' '))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

/* Iterate the comma-separated LIST: each call yields the next trimmed item into BUF. */
static const char *next_item(const char *p, char *buf, size_t len, bool *ok)
{
	size_t n = 0;

	while (*p == ' ' || *p == ',')
		p++;
	if (!*p)
		return NULL;
	while (*p && *p != ',') {
		if (n + 1 >= len) {
			*ok = false;
			return NULL;
		}
		buf[n++] = *p++;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return p;
}

bool gr_scim_list_names(const char *list, const char *attr)
{
	char item[512];
	bool ok = true;
	const char *p = list;

	while (p && (p = next_item(p, item, sizeof(item), &ok))) {
		struct gr_scim_patch_path pp;
		struct gr_err err;
		bool hit;

		if (gr_scim_patch_path_parse(item, strlen(item), &pp, &err) < 0)
			continue;
		hit = !pp.path.uri && !strcasecmp(pp.path.attr, attr);
		gr_scim_patch_path_clear(&pp);
		if (hit)
			return true;
	}
	return false;
}

static bool always_returned(const char *k)
{
	return !strcasecmp(k, "id") || !strcasecmp(k, "schemas");
}

/* The object that PATH's attribute lives in inside RES (extension or RES itself), or NULL. */
static json_t *holder(json_t *res, const struct gr_scim_path *path)
{
	if (!path->uri || !strcasecmp(path->uri, GR_SCIM_USER_URN) ||
	    !strcasecmp(path->uri, GR_SCIM_GROUP_URN))
		return res;
	return gr_scim_get(res, path->uri);
}

/* Copy PATH (and only it) from SRC into DST. */
static int copy_path(json_t *dst, json_t *src, const struct gr_scim_path *path)
{
	json_t *from = holder(src, path), *to = dst, *v;

	if (!json_is_object(from))
		return 0;
	v = gr_scim_get(from, path->attr);
	if (!v)
		return 0;
	if (from != src) {
		/* An extension attribute: into the same extension object of DST. */
		const char *k;
		json_t *x;

		to = NULL;
		json_object_foreach(src, k, x)
			if (x == from) {
				to = json_object_get(dst, k);
				if (!to) {
					to = json_object();
					if (!to || json_object_set_new(dst, k, to))
						return -ENOMEM;
				}
				break;
			}
		if (!to)
			return 0;
	}
	if (!path->sub || !json_is_object(v)) {
		const char *k;
		json_t *x;

		json_object_foreach(from, k, x)
			if (x == v)
				return json_object_set(to, k, v) ? -ENOMEM : 0;
		return 0;
	}
	/* "name.givenName": the complex attribute with only that sub-attribute. */
	{
		const char *k, *sk;
		json_t *x, *sx, *part;

		json_object_foreach(from, k, x)
			if (x == v)
				break;
		part = json_object_get(to, k);
		if (!part) {
			part = json_object();
			if (!part || json_object_set_new(to, k, part))
				return -ENOMEM;
		}
		json_object_foreach(v, sk, sx)
			if (!strcasecmp(sk, path->sub) && json_object_set(part, sk, sx))
				return -ENOMEM;
	}
	return 0;
}

int gr_scim_project(json_t *res, const char *attributes, const char *excluded)
{
	char item[512];
	bool ok = true;
	const char *p;
	int r = 0;

	if (attributes && *attributes) {
		json_t *kept = json_object();
		const char *k;
		json_t *v;
		void *tmp;

		if (!kept)
			return -ENOMEM;
		json_object_foreach(res, k, v)
			if (always_returned(k))
				json_object_set(kept, k, v);
		for (p = attributes; r == 0 && (p = next_item(p, item, sizeof(item), &ok));) {
			struct gr_scim_patch_path pp;
			struct gr_err err;

			if (gr_scim_patch_path_parse(item, strlen(item), &pp, &err) < 0 || pp.filter) {
				gr_scim_patch_path_clear(&pp);
				r = -GR_E_INVALID;
				break;
			}
			r = copy_path(kept, res, &pp.path);
			gr_scim_patch_path_clear(&pp);
		}
		if (r == 0 && ok) {
			json_object_foreach_safe(res, tmp, k, v)
				json_object_del(res, k);
			json_object_update(res, kept);
		}
		json_decref(kept);
		if (r < 0 || !ok)
			return r < 0 ? r : -GR_E_INVALID;
		return 0;
	}
	for (p = excluded; p && (p = next_item(p, item, sizeof(item), &ok));) {
		struct gr_scim_patch_path pp;
		struct gr_err err;
		json_t *h, *v;

		if (gr_scim_patch_path_parse(item, strlen(item), &pp, &err) < 0 || pp.filter) {
			gr_scim_patch_path_clear(&pp);
			return -GR_E_INVALID;
		}
		h = holder(res, &pp.path);
		if (json_is_object(h) && !(h == res && always_returned(pp.path.attr))) {
			if (!pp.path.sub)
				gr_scim_del(h, pp.path.attr);
			else if (json_is_object(v = gr_scim_get(h, pp.path.attr)))
				gr_scim_del(v, pp.path.sub);
		}
		gr_scim_patch_path_clear(&pp);
	}
	return ok ? 0 : -GR_E_INVALID;
}

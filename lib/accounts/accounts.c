/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts/accounts.h"
#include "accounts/sshkey.h"
#include "publish/pwsnap.h"
#include "scim/scim.h"

#define UIDS_KEY "uids"

static int account_key(char *key, size_t len, const char *dir, const char *id,
		       struct gr_err *err)
{
	if (gr_key(key, len, "account/%s/%s", dir, id) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	return 0;
}

int gr_account_uid(struct gr_store *st, const char *dir, const char *id, uint32_t *uid,
		   struct gr_err *err)
{
	char key[GR_KEY_MAX];
	json_t *rec = NULL, *v;
	int r = account_key(key, sizeof(key), dir, id, err);

	if (r < 0)
		return r;
	r = gr_store_get_json(st, key, &rec, err);
	if (r < 0)
		return r;
	v = json_object_get(rec, "uid");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX)
		r = gr_err_set(err, -GR_E_CORRUPT, "record '%s' has no valid uid", key);
	else
		*uid = (uint32_t)json_integer_value(v);
	json_decref(rec);
	return r;
}

/*
 * Does another NSS source know ID as a uid (or, with private groups, as a
 * gid)?  1 taken, 0 free, negative when a source failed: then we cannot
 * know, and guessing "free" could hand out someone's uid.
 */
static int id_taken(uint32_t id, bool private_group, struct gr_err *err)
{
	char buf[16384];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	int e;

	/* 0, ENOENT, ESRCH, EBADF and EPERM all mean "not found" (getpwuid_r(3)). */
	e = getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &pwp);
	if (pwp)
		return 1;
	if (e && e != ENOENT && e != ESRCH && e != EBADF && e != EPERM)
		return gr_err_set(err, -e, "cannot check uid %u with NSS: %s", id, strerror(e));
	if (!private_group)
		return 0;
	e = getgrgid_r((gid_t)id, &gr, buf, sizeof(buf), &grp);
	if (grp)
		return 1;
	if (e && e != ENOENT && e != ESRCH && e != EBADF && e != EPERM)
		return gr_err_set(err, -e, "cannot check gid %u with NSS: %s", id, strerror(e));
	return 0;
}

int gr_account_assign(struct gr_store *st, const char *dir, const char *id, struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(st);
	char key[GR_KEY_MAX];
	json_t *mark = NULL, *rec = NULL;
	uint64_t next = cfg->uid_min;
	uint32_t uid;
	int r;

	if (!cfg->users)
		return 0;
	r = gr_account_uid(st, dir, id, &uid, err);
	if (r != -GR_E_NOTFOUND)
		return r;
	r = gr_store_get_json(st, UIDS_KEY, &mark, err);
	if (r == 0 && json_is_integer(json_object_get(mark, "next")) &&
	    json_integer_value(json_object_get(mark, "next")) > 0)
		next = (uint64_t)json_integer_value(json_object_get(mark, "next"));
	else if (r != -GR_E_NOTFOUND && r < 0)
		return r;
	json_decref(mark);
	/* A range moved up since: start at its bottom; moved down: never below the mark. */
	if (next < cfg->uid_min)
		next = cfg->uid_min;
	for (; next <= cfg->uid_max; next++) {
		r = id_taken((uint32_t)next, cfg->users_gid == 0, err);
		if (r < 0)
			return r;
		if (r == 0)
			break;
	}
	if (next > cfg->uid_max)
		return gr_err_set(err, -GR_E_EXHAUSTED,
				  "no uid left for user %s/%s: uid_min..uid_max (%u..%u) is used up (uids are never reused; widen uid_max)",
				  dir, id, cfg->uid_min, cfg->uid_max);
	r = account_key(key, sizeof(key), dir, id, err);
	if (r < 0)
		return r;
	rec = json_pack("{s:I}", "uid", (json_int_t)next);
	mark = json_pack("{s:I}", "next", (json_int_t)(next + 1));
	if (!rec || !mark)
		r = gr_err_set(err, -ENOMEM, "out of memory");
	if (r == 0)
		r = gr_store_put_json(st, key, rec, err);
	if (r == 0)
		r = gr_store_put_json(st, UIDS_KEY, mark, err);
	json_decref(rec);
	json_decref(mark);
	return r;
}

static int collect_user(const char *key, const unsigned char *val, size_t len, void *ctx)
{
	(void)val;
	(void)len;
	return json_array_append_new(ctx, json_string(key + strlen("user/"))) < 0 ? -ENOMEM : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int gr_accounts_allocate(struct gr_store *st, size_t *allocated, struct gr_err *err)
{
	json_t *refs = NULL;
	const char **v = NULL;
	uint32_t uid;
	size_t i, n = 0;
	int r;

	*allocated = 0;
	if (!gr_store_config(st)->users)
		return gr_err_set(err, -GR_E_REFUSED, "accounts are off (users = no in %s)",
				  gr_store_config(st)->path);
	refs = json_array();
	r = refs ? gr_store_walk(st, "user/", collect_user, refs, err) : -ENOMEM;
	if (r == 0) {
		n = json_array_size(refs);
		v = calloc(n ? n : 1, sizeof(*v));
		r = v ? 0 : -ENOMEM;
	}
	if (r == -ENOMEM)
		r = gr_err_set(err, r, "out of memory");
	/* In key order, so that the same store always gives the same uids. */
	for (i = 0; r == 0 && i < n; i++)
		v[i] = json_string_value(json_array_get(refs, i));
	if (r == 0 && n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; r == 0 && i < n; i++) {
		char dir[GR_NAME_MAX + 1];
		const char *slash = strchr(v[i], '/');

		if (!slash || (size_t)(slash - v[i]) >= sizeof(dir))
			continue;
		memcpy(dir, v[i], (size_t)(slash - v[i]));
		dir[slash - v[i]] = '\0';
		r = gr_account_uid(st, dir, slash + 1, &uid, err);
		if (r == -GR_E_NOTFOUND) {
			r = gr_account_assign(st, dir, slash + 1, err);
			if (r == 0)
				(*allocated)++;
		}
	}
	free(v);
	json_decref(refs);
	return r;
}

int gr_account_release(struct gr_store *st, const char *dir, const char *id,
		       struct gr_err *err)
{
	char key[GR_KEY_MAX];
	int r = account_key(key, sizeof(key), dir, id, err);

	/* Also with users = no: an account from when it was on goes with its user. */
	return r < 0 ? r : gr_store_del(st, key, err);
}

/* ---- the passwd fields ---- */

int gr_account_home(const struct gr_config *cfg, const char *login, uint32_t uid,
		    const char *dir, char *out, size_t len)
{
	const char *p;
	size_t n = 0;
	int k;

	for (p = cfg->home_template; *p; p++) {
		char num[16];
		const char *put = num;

		if (*p != '%') {
			num[0] = *p;
			num[1] = '\0';
		} else if (*++p == 'u') {
			put = login;
		} else if (*p == 'U') {
			snprintf(num, sizeof(num), "%u", uid);
		} else if (*p == 'd') {
			put = dir;
		} else {
			/* "%%"; the parser admits nothing else (and a '%' at the end is refused). */
			strcpy(num, "%");
		}
		k = snprintf(out + n, len - n, "%s", put);
		if (k < 0 || (size_t)k >= len - n)
			return -ENAMETOOLONG;
		n += (size_t)k;
	}
	return 0;
}

bool gr_account_shell_listed(const char *shells_path, const char *shell)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen(shells_path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = line[0] == '/' && !strcmp(line, shell);
	}
	fclose(f);
	return found;
}

/*
 * S with ':' and control characters dropped (they would break a passwd
 * line), cut to what a snapshot entry holds -- at a character boundary: a
 * directory's overlong name must not fail the publish for everyone.
 */
static char *clean_gecos(const char *s)
{
	char *out = strdup(s ? s : ""), *w = out;
	const unsigned char *p;

	if (!out)
		return NULL;
	for (p = (const unsigned char *)out; *p; p++)
		if (*p != ':' && *p >= 0x20 && *p != 0x7f)
			*w++ = (char)*p;
	*w = '\0';
	if (w - out > (ptrdiff_t)GR_SNAP_MAX_PW_FIELD) {
		w = out + GR_SNAP_MAX_PW_FIELD;
		while (w > out && ((unsigned char)*w & 0xc0) == 0x80)
			w--;
		*w = '\0';
	}
	return out;
}

static char *gecos_of(const json_t *scim)
{
	const char *display = gr_scim_str(scim, "displayName");
	const json_t *name = json_object_get(scim, "name");
	const char *formatted = gr_scim_str(name, "formatted");
	const char *given = gr_scim_str(name, "givenName");
	const char *family = gr_scim_str(name, "familyName");
	char *joined = NULL, *out;

	if (display && display[0])
		return clean_gecos(display);
	if (formatted && formatted[0])
		return clean_gecos(formatted);
	if (asprintf(&joined, "%s%s%s", given ? given : "", given && family ? " " : "",
		     family ? family : "") < 0)
		return NULL;
	out = clean_gecos(joined);
	free(joined);
	return out;
}

/*
 * The key lines: every value on its own line.  Values holding a newline, or
 * longer than any key (GR_SSHKEY_MAX_LINE), are dropped, and lines stop at
 * what a snapshot record holds (GR_SNAP_MAX_KEYS): whatever the directory
 * sends, the publish goes through.
 */
static int keys_of(const struct gr_config *cfg, const json_t *scim, char **out, size_t *len)
{
	const char *vals[64];
	size_t n, i, total = 0;
	char *buf, *w;

	*out = NULL;
	*len = 0;
	if (!cfg->ssh_keys_attribute[0])
		return 0;
	n = gr_scim_attr_values(scim, cfg->ssh_keys_attribute, vals, 64);
	for (i = 0; i < n; i++)
		total += strlen(vals[i]) + 1;
	if (!total)
		return 0;
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	for (w = buf, i = 0; i < n; i++) {
		size_t l = strlen(vals[i]);

		if (!l || l > GR_SSHKEY_MAX_LINE || memchr(vals[i], '\n', l) ||
		    memchr(vals[i], '\r', l) || (size_t)(w - buf) + l + 1 > GR_SNAP_MAX_KEYS)
			continue;
		memcpy(w, vals[i], l);
		w += l;
		*w++ = '\n';
	}
	if (w == buf) {
		free(buf);
		return 0;
	}
	*out = buf;
	*len = (size_t)(w - buf);
	return 0;
}

int gr_account_load(struct gr_store *st, const char *dir, const char *id, const char *login,
		    struct gr_account *a, struct gr_err *err)
{
	const struct gr_config *cfg = gr_store_config(st);
	char key[GR_KEY_MAX], home[PATH_MAX];
	const char *shells[1];
	json_t *scim = NULL;
	int r;

	memset(a, 0, sizeof(*a));
	r = gr_account_uid(st, dir, id, &a->uid, err);
	if (r == -GR_E_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	a->gid = cfg->users_gid ? cfg->users_gid : a->uid;
	if (gr_key(key, sizeof(key), "scim/%s/%s", dir, id) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "key too long");
	r = gr_store_get_json(st, key, &scim, err);
	if (r == -GR_E_NOTFOUND)
		r = 0; /* the fields below fall back to their defaults */
	if (r < 0)
		return r;
	if (gr_account_home(cfg, login, a->uid, dir, home, sizeof(home)) < 0) {
		r = gr_err_set(err, -ENAMETOOLONG, "home directory of %s is too long", login);
		goto out;
	}
	a->home = strdup(home);
	a->gecos = gecos_of(scim);
	if (cfg->shell_attribute[0] && gr_scim_attr_values(scim, cfg->shell_attribute, shells, 1) == 1 &&
	    shells[0][0] == '/' && !strpbrk(shells[0], ":\n") &&
	    gr_account_shell_listed("/etc/shells", shells[0]))
		a->shell = strdup(shells[0]);
	else
		a->shell = strdup(cfg->default_shell);
	if (!a->home || !a->gecos || !a->shell || keys_of(cfg, scim, &a->keys, &a->keys_len) < 0) {
		r = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	r = 1;
out:
	json_decref(scim);
	if (r < 0)
		gr_account_clear(a);
	return r;
}

void gr_account_clear(struct gr_account *a)
{
	free(a->gecos);
	free(a->home);
	free(a->shell);
	free(a->keys);
	memset(a, 0, sizeof(*a));
}

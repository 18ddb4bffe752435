/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

int ctl_fail(struct ctl *c, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int ctl_error(struct ctl *c, const struct gr_err *err)
{
	return ctl_fail(c, EXIT_REFUSED, "%s", gr_err_msg(err));
}

void ctl_print_json(const json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

static void cell(FILE *f, const char *s, size_t width, bool last)
{
	if (last)
		fprintf(f, "%s\n", s);
	else
		fprintf(f, "%-*s  ", (int)width, s);
}

void ctl_table(FILE *f, const char *const *header, const char *const *const *rows,
	       size_t n_rows, size_t n_cols)
{
	size_t w[16] = { 0 }, i, j;

	if (n_cols > 16)
		n_cols = 16;
	for (j = 0; j < n_cols; j++)
		w[j] = strlen(header[j]);
	for (i = 0; i < n_rows; i++)
		for (j = 0; j < n_cols; j++)
			if (rows[i][j] && strlen(rows[i][j]) > w[j])
				w[j] = strlen(rows[i][j]);
	for (j = 0; j < n_cols; j++)
		cell(f, header[j], w[j], j + 1 == n_cols);
	for (i = 0; i < n_rows; i++)
		for (j = 0; j < n_cols; j++)
			cell(f, rows[i][j] ? rows[i][j] : "", w[j], j + 1 == n_cols);
}

int ctl_parse_time(const char *s, long long now, long long *out)
{
	struct tm tm;
	char *end;
	long long n;

	if (s[0] == '+') {
		errno = 0;
		n = strtoll(s + 1, &end, 10);
		if (errno || n <= 0 || n > 100000 || end == s + 1 || end[1] != '\0')
			return -EINVAL;
		switch (*end) {
		case 'd': n *= 86400; break;
		case 'h': n *= 3600; break;
		case 'm': n *= 60; break;
		default: return -EINVAL;
		}
		*out = now + n;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (!end || *end)
			return -EINVAL;
	}
	*out = (long long)timegm(&tm);
	return *out > 0 ? 0 : -EINVAL;
}

const char *ctl_format_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", t);
	return buf;
}

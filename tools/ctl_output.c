/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "core/escape.h"
#include "core/timefmt.h"

/*
 * Where escaping happens: here, at print time.  The library's sentences and
 * the store keep directory text as it came (JSON output shows it exactly,
 * escaped by jansson); every text line grouprolectl writes passes its
 * directory- or command-line-given parts through GR_ESC_TERM -- whole
 * error messages in ctl_fail, fields of normal output through ctl_t and
 * ctl_table.
 */

/* S escaped for a terminal, malloc()ed; NULL for NULL (or when out of memory). */
static char *esc_dup(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!s)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	gr_esc_put(f, s, GR_ESC_NOMAX, GR_ESC_TERM);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

const char *ctl_t(const char *s)
{
	static char *ring[CTL_T_RING];
	static unsigned next;
	char *e;

	if (!s)
		return NULL;
	e = esc_dup(s);
	if (!e)
		return "(out of memory)";
	free(ring[next]);
	ring[next] = e;
	next = (next + 1) % CTL_T_RING;
	return e;
}

int ctl_fail(struct ctl *c, int code, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	/*
	 * Messages embed userNames, group names, attribute values and
	 * arguments: escape the sentence as a whole, so not one of them can
	 * add a line or drive the terminal.  It is one line by construction.
	 */
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	gr_esc_put(stderr, c->prog, GR_ESC_NOMAX, GR_ESC_TERM);
	fputs(": ", stderr);
	gr_esc_put(stderr, n < 0 ? "out of memory" : msg, GR_ESC_NOMAX, GR_ESC_TERM);
	fputc('\n', stderr);
	free(msg);
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
	char **esc;

	if (n_cols > 16)
		n_cols = 16;
	/* Cells are escaped first: widths are measured on what is printed. */
	esc = calloc(n_rows * n_cols + 1, sizeof(*esc));
	if (!esc) {
		fputs("(out of memory)\n", f);
		return;
	}
	for (j = 0; j < n_cols; j++)
		w[j] = strlen(header[j]);
	for (i = 0; i < n_rows; i++)
		for (j = 0; j < n_cols; j++) {
			char *e = esc_dup(rows[i][j] ? rows[i][j] : "");

			esc[i * n_cols + j] = e;
			if (e && strlen(e) > w[j])
				w[j] = strlen(e);
		}
	for (j = 0; j < n_cols; j++)
		cell(f, header[j], w[j], j + 1 == n_cols);
	for (i = 0; i < n_rows; i++)
		for (j = 0; j < n_cols; j++) {
			const char *e = esc[i * n_cols + j];

			cell(f, e ? e : "(out of memory)", w[j], j + 1 == n_cols);
		}
	for (i = 0; i < n_rows * n_cols; i++)
		free(esc[i]);
	free(esc);
}

int ctl_parse_time(const char *s, long long now, long long *out)
{
	char *end;
	long long n;
	int64_t t;

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
	if (gr_time_parse(s, &t) < 0)
		return -EINVAL;
	*out = (long long)t;
	return 0;
}

const char *ctl_format_time(long long t, char *buf, size_t len)
{
	if (!gr_time_format((int64_t)t, buf, len))
		snprintf(buf, len, "%lld", t);
	return buf;
}

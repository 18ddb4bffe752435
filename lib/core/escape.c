/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <string.h>

#include "core/escape.h"

/*
 * Length of the valid UTF-8 sequence at S (1-4), with its code point in *CP,
 * or 0 when the bytes are not valid UTF-8 (overlong forms, surrogates and
 * values past U+10FFFF included).
 */
size_t gr_utf8_char(const unsigned char *s, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Code points a terminal shows wrongly or acts on: C1 controls, bidi controls, separators. */
static int dangerous_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0xfeff;
}

int gr_codepoint_is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || dangerous_cp(cp);
}

/* Where escaped output goes: a stream, a bounded buffer, or nowhere (only ESCAPED counts). */
struct sink {
	FILE *f;
	char *buf;
	size_t size, used;
	int full;
	int escaped;   /* something was escaped */
};

static void emit(struct sink *k, const char *p, size_t n)
{
	if (!k->f && !k->buf)
		return;
	if (k->f) {
		fwrite(p, 1, n, k->f);
		return;
	}
	if (k->full)
		return;
	/* Keep room for "..." and the NUL. */
	if (k->used + n + 4 > k->size) {
		k->full = 1;
		return;
	}
	memcpy(k->buf + k->used, p, n);
	k->used += n;
}

static void escape_to(struct sink *k, const char *s, size_t max, enum gr_esc_mode mode)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	char hex[16];

	while (u[i]) {
		unsigned char c = u[i];
		uint32_t cp;
		size_t n;

		if (i >= max) {
			emit(k, "...", 3);
			return;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\' && !(mode == GR_ESC_LOG && c == '"')) {
			emit(k, (const char *)&u[i], 1);
			i++;
			continue;
		}
		if (mode == GR_ESC_TERM && c >= 0x80 && (n = gr_utf8_char(&u[i], &cp)) > 0) {
			if (i + n > max) {
				emit(k, "...", 3);
				return;
			}
			if (dangerous_cp(cp)) {
				int len = snprintf(hex, sizeof(hex), "\\u{%04x}", (unsigned)cp);
				k->escaped = 1;
				emit(k, hex, (size_t)len);
			} else {
				emit(k, (const char *)&u[i], n);
			}
			i += n;
			continue;
		}
		snprintf(hex, sizeof(hex), "\\x%02x", c);
		k->escaped = 1;
		emit(k, hex, 4);
		i++;
	}
}

void gr_esc_put(FILE *f, const char *s, size_t max, enum gr_esc_mode mode)
{
	struct sink k = { .f = f };

	if (s)
		escape_to(&k, s, max, mode);
}

const char *gr_esc(char *buf, size_t size, const char *s, enum gr_esc_mode mode)
{
	struct sink k = { .buf = buf, .size = size };

	if (!buf || size == 0)
		return buf;
	if (size < 4) {
		buf[0] = '\0';
		return buf;
	}
	if (s)
		escape_to(&k, s, GR_ESC_NOMAX, mode);
	if (k.full) {
		memcpy(buf + k.used, "...", 3);
		k.used += 3;
	}
	buf[k.used] = '\0';
	return buf;
}

int gr_esc_clean(const char *s, enum gr_esc_mode mode)
{
	struct sink k = { 0 };

	if (s)
		escape_to(&k, s, GR_ESC_NOMAX, mode);
	return !k.escaped;
}

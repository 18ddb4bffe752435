/* SPDX-License-Identifier: MIT */
#ifndef GR_ESCAPE_H
#define GR_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Everything that comes from a directory (userNames, group names, attribute
 * values) or from an admin's command line (role names, descriptions) is
 * hostile text by the time it reaches a terminal, stderr or syslog: a
 * newline forges a line, an escape sequence rewrites the screen, a quote
 * forges a field.  Every such string goes out through one of these.
 *
 * GR_ESC_LOG    for syslog and key="value" fields: printable ASCII only;
 *               every other byte, '"' and '\\' become \xNN.  The output is
 *               plain ASCII whatever the input, so a log parser cannot be
 *               confused by encodings either.
 * GR_ESC_TERM   for a person's terminal: valid UTF-8 stays readable
 *               ("José"), but C0 and C1 controls, DEL, '\\', invalid UTF-8 and
 *               the Unicode bidi and line/paragraph separators (which can
 *               make a line read as something it is not) become \xNN bytes
 *               or \u{NNNN}.
 *
 * MAX bounds the input bytes used; a cut is marked with "...".  Passing
 * (size_t)-1 means no bound.
 */
enum gr_esc_mode {
	GR_ESC_LOG = 0,
	GR_ESC_TERM = 1,
};

#define GR_ESC_NOMAX ((size_t)-1)

/* Append S, escaped, to F.  A NULL S writes nothing. */
void gr_esc_put(FILE *f, const char *s, size_t max, enum gr_esc_mode mode);

/*
 * Escape S into BUF of SIZE bytes (always NUL-terminated when SIZE > 0; cut
 * with "..." when it does not fit) and return BUF, so it can stand in a
 * printf argument list.
 */
const char *gr_esc(char *buf, size_t size, const char *s, enum gr_esc_mode mode);

/* Does S need no escaping at all in MODE? */
int gr_esc_clean(const char *s, enum gr_esc_mode mode);

/*
 * The building blocks, for validators: the length (1-4) of the valid UTF-8
 * sequence at S with its code point in *CP, or 0 when it is not valid UTF-8
 * (overlong forms and surrogates included); and whether code point CP is a
 * control a terminal acts on or shows wrongly (C0, DEL, C1, bidi controls,
 * line and paragraph separators, BOM).
 */
size_t gr_utf8_char(const unsigned char *s, uint32_t *cp);
int gr_codepoint_is_control(uint32_t cp);

#endif

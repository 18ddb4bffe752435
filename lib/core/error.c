/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/gr_error.h"

static const char *const gr_messages[] = {
	[GR_E_SCHEMA - GR_E_BASE] = "database schema is newer than this program or unknown",
	[GR_E_CORRUPT - GR_E_BASE] = "database record is corrupt",
	[GR_E_UNSAFE - GR_E_BASE] = "file is not owned by root or is writable by others",
	[GR_E_CONFIG - GR_E_BASE] = "invalid configuration",
	[GR_E_CONFLICT - GR_E_BASE] = "already exists",
	[GR_E_EXHAUSTED - GR_E_BASE] = "gid range exhausted",
	[GR_E_RESERVED - GR_E_BASE] = "name or gid is reserved",
	[GR_E_INVALID - GR_E_BASE] = "invalid input",
	[GR_E_REFUSED - GR_E_BASE] = "refused",
	[GR_E_IO - GR_E_BASE] = "database I/O error",
	[GR_E_LOCK - GR_E_BASE] = "could not lock the database",
	[GR_E_NOTFOUND - GR_E_BASE] = "not found",
	[GR_E_UNSYNCED - GR_E_BASE] = "change applied but not confirmed on disk",
	[GR_E_LIMIT - GR_E_BASE] = "limit reached",
	[GR_E_UNAVAILABLE - GR_E_BASE] = "no LDAP provider acknowledged the write",
};

const char *gr_strerror(int code)
{
	if (code < 0)
		code = -code;
	if (code > GR_E_BASE && code < GR_E_LAST)
		return gr_messages[code - GR_E_BASE];
	if (code == 0)
		return "success";
	/* strerror() is not thread-safe in theory; glibc's table lookup is. */
	return strerror(code);
}

int gr_err_set(struct gr_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void gr_err_clear(struct gr_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *gr_err_msg(const struct gr_err *err)
{
	if (!err)
		return "unknown error";
	if (err->msg[0])
		return err->msg;
	return gr_strerror(err->code);
}

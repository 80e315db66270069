/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* The one error domain of vtier. Codes say what kind of failure it was, so callers can react
 * (retry on BUSY, report a conflict, ...); the message says where and why. */
#define VTIER_ERROR vtier_error_quark()

typedef enum {
	VTIER_ERROR_FAILED,
	VTIER_ERROR_INVALID_ARGUMENT, /* a value we (or the user) wrote is not acceptable */
	VTIER_ERROR_NOT_FOUND,
	VTIER_ERROR_PERMISSION_DENIED,
	VTIER_ERROR_BUSY,
	VTIER_ERROR_NOT_SUPPORTED,
	VTIER_ERROR_IO,
	VTIER_ERROR_PARSE,	 /* text we read is malformed */
	VTIER_ERROR_NO_MEMORY,	 /* the kernel answered ENOMEM */
	VTIER_ERROR_CONFLICT,	 /* something we do not own is in the way */
	VTIER_ERROR_TIMED_OUT,
	VTIER_ERROR_LAST
} VtierErrorCode;

GQuark vtier_error_quark(void);
const gchar *vtier_error_code_to_string(VtierErrorCode code);
VtierErrorCode vtier_error_code_from_errno(int errnum);

/* Sets @error to "<formatted message>: <strerror(errnum)>" with the code mapped from @errnum. */
void vtier_error_set_errno(GError **error, int errnum, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

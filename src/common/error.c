/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-error"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/error.h"

G_DEFINE_QUARK(vtier-error-quark, vtier_error)

static const gchar *const code_names[] = {
	[VTIER_ERROR_FAILED] = "failed",
	[VTIER_ERROR_INVALID_ARGUMENT] = "invalid-argument",
	[VTIER_ERROR_NOT_FOUND] = "not-found",
	[VTIER_ERROR_PERMISSION_DENIED] = "permission-denied",
	[VTIER_ERROR_BUSY] = "busy",
	[VTIER_ERROR_NOT_SUPPORTED] = "not-supported",
	[VTIER_ERROR_IO] = "io",
	[VTIER_ERROR_PARSE] = "parse",
	[VTIER_ERROR_NO_MEMORY] = "no-memory",
	[VTIER_ERROR_CONFLICT] = "conflict",
	[VTIER_ERROR_TIMED_OUT] = "timed-out",
};
G_STATIC_ASSERT(G_N_ELEMENTS(code_names) == VTIER_ERROR_LAST);

const gchar *vtier_error_code_to_string(VtierErrorCode code)
{
	if ((guint)code >= VTIER_ERROR_LAST)
		return "unknown";
	return code_names[code];
}

VtierErrorCode vtier_error_code_from_errno(int errnum)
{
	switch (errnum) {
	case EINVAL:
	case ERANGE:
		return VTIER_ERROR_INVALID_ARGUMENT;
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case ESRCH:
		return VTIER_ERROR_NOT_FOUND;
	case EACCES:
	case EPERM:
	case EROFS:
		return VTIER_ERROR_PERMISSION_DENIED;
	case EBUSY:
	case EAGAIN:
		return VTIER_ERROR_BUSY;
	case EOPNOTSUPP:
	case ENOSYS:
		return VTIER_ERROR_NOT_SUPPORTED;
	case ENOMEM:
		return VTIER_ERROR_NO_MEMORY;
	case ETIMEDOUT:
		return VTIER_ERROR_TIMED_OUT;
	case ECANCELED:
		return VTIER_ERROR_FAILED;
	default:
		return VTIER_ERROR_IO;
	}
}

void vtier_error_set_errno(GError **error, int errnum, const gchar *format, ...)
{
	va_list ap;
	g_autofree gchar *msg = NULL;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error(error, VTIER_ERROR, vtier_error_code_from_errno(errnum), "%s: %s", msg,
		    g_strerror(errnum));
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-fileio"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"

int vtier_file_read_errno(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case EACCES:
	case EPERM:
	case EBUSY:
		return errnum;
	default:
		return EIO;
	}
}

/* open, read to the end, close: four system calls for a sysfs or /proc file, where
 * g_file_get_contents() adds an fstat(). vtierd reads hundreds of DAMON files per apply and
 * per interval, and in the lab (TCG, pti=on) each system call costs ~0.1 ms. */
gboolean vtier_file_read(const gchar *path, gchar **ret_contents, GError **error)
{
	g_autoptr(GByteArray) buf = NULL;
	gsize len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int errnum = 0;

	if (fd >= 0) {
		buf = g_byte_array_sized_new(4096);
		for (;;) {
			ssize_t n;

			if (buf->len - len < 4096)
				g_byte_array_set_size(buf, buf->len + MAX(buf->len, 4096));
			n = read(fd, buf->data + len, buf->len - len - 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				errnum = errno;
				break;
			}
			if (n == 0)
				break;
			len += (gsize)n;
		}
		close(fd);
	} else {
		errnum = errno;
	}
	if (fd < 0 || errnum != 0) {
		g_autofree gchar *host = vtier_path_to_host(path);

		errnum = vtier_file_read_errno(errnum);
		vtier_error_set_errno(error, errnum, "cannot read %s", host);
		return FALSE;
	}
	buf->data[len] = '\0';
	g_byte_array_set_size(buf, len + 1);
	*ret_contents = (gchar *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
	return TRUE;
}

gboolean vtier_file_read_trimmed(const gchar *path, gchar **ret_value, GError **error)
{
	gchar *contents = NULL;

	if (!vtier_file_read(path, &contents, error))
		return FALSE;
	*ret_value = g_strstrip(contents);
	return TRUE;
}

gboolean vtier_parse_u64(const gchar *text, const gchar *what, guint64 *ret_value, GError **error)
{
	g_autofree gchar *copy = g_strstrip(g_strdup(text));
	guint base = 10;
	const gchar *digits = copy;
	gchar *end = NULL;
	guint64 value;

	if (g_str_has_prefix(copy, "0x") || g_str_has_prefix(copy, "0X")) {
		base = 16;
		digits = copy + 2;
	}
	if (digits[0] == '\0' || !g_ascii_isxdigit(digits[0]) || (base == 10 && !g_ascii_isdigit(digits[0]))) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: \"%s\" is not a number",
			    what, text);
		return FALSE;
	}
	errno = 0;
	value = g_ascii_strtoull(digits, &end, base);
	if (errno == ERANGE) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: \"%s\" is out of range",
			    what, text);
		return FALSE;
	}
	if (end == NULL || *end != '\0') {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: \"%s\" is not a number",
			    what, text);
		return FALSE;
	}
	*ret_value = value;
	return TRUE;
}

gboolean vtier_file_read_u64(const gchar *path, guint64 *ret_value, GError **error)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *host = vtier_path_to_host(path);

	if (!vtier_file_read_trimmed(path, &text, error))
		return FALSE;
	return vtier_parse_u64(text, host, ret_value, error);
}

gboolean vtier_file_write_value(const gchar *path, const gchar *value, GError **error)
{
	g_autofree gchar *host = vtier_path_to_host(path);
	g_autofree gchar *line = g_strdup_printf("%s\n", value);
	gsize len = strlen(line);
	ssize_t n;
	int fd;

	if (!vtier_paths_check_damon_write(path, error))
		return FALSE;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		vtier_error_set_errno(error, errno, "cannot open %s for writing", host);
		return FALSE;
	}
	do {
		n = write(fd, line, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int errnum = errno;
		close(fd);
		vtier_error_set_errno(error, errnum, "cannot write \"%s\" to %s", value, host);
		return FALSE;
	}
	if (close(fd) < 0) {
		vtier_error_set_errno(error, errno, "cannot write \"%s\" to %s", value, host);
		return FALSE;
	}
	if ((gsize)n != len) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO,
			    "cannot write \"%s\" to %s: short write (%zd of %zu bytes)", value,
			    host, n, len);
		return FALSE;
	}
	return TRUE;
}

guint64 vtier_page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 ? (guint64)page : 4096;
}

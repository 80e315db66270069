/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "vtier-test.h"

static void test_error_errno_format(void)
{
	g_autoptr(GError) error = NULL;

	vtier_error_set_errno(&error, EINVAL, "cannot write \"%s\" to %s", "migrate_hot",
			      ".../schemes/3/action");
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	g_assert_cmpstr(error->message, ==,
			"cannot write \"migrate_hot\" to .../schemes/3/action: Invalid argument");
}

static void test_error_errno_codes(void)
{
	const struct {
		int errnum;
		VtierErrorCode code;
	} table[] = {
		{ EBUSY, VTIER_ERROR_BUSY },	  { ENOMEM, VTIER_ERROR_NO_MEMORY },
		{ ENOENT, VTIER_ERROR_NOT_FOUND }, { EPERM, VTIER_ERROR_PERMISSION_DENIED },
		{ EINVAL, VTIER_ERROR_INVALID_ARGUMENT }, { EIO, VTIER_ERROR_IO },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(table); i++)
		g_assert_cmpint(vtier_error_code_from_errno(table[i].errnum), ==, table[i].code);
	g_assert_cmpstr(vtier_error_code_to_string(VTIER_ERROR_CONFLICT), ==, "conflict");
	g_assert_cmpstr(vtier_error_code_to_string(VTIER_ERROR_LAST), ==, "unknown");
}

static void test_error_prefix_keeps_code(void)
{
	g_autoptr(GError) error = NULL;

	vtier_error_set_errno(&error, ENOMEM, "cannot write \"on\" to kdamonds/0/state");
	g_prefix_error(&error, "starting kdamond 0: ");
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NO_MEMORY);
	g_assert_cmpstr(error->message, ==,
			"starting kdamond 0: cannot write \"on\" to kdamonds/0/state: Cannot "
			"allocate memory");
}

static void test_error_read_names_host_path(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *p = vtier_path_build(VTIER_PATH_NODES, "node7", "meminfo", NULL);
	g_autofree gchar *text = NULL;

	g_assert_false(vtier_file_read(p, &text, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	/* the message shows the path as it is on the host, not the fixture's temporary root */
	g_assert_cmpstr(error->message, ==,
			"cannot read /sys/devices/system/node/node7/meminfo: No such file or "
			"directory");
}

/* What a failed read reports: EBUSY stays EBUSY (DAMON's trylocked sysfs reads; a caller
 * retries it), and its error code is VTIER_ERROR_BUSY; other kernel errors read as EIO. */
static void test_error_read_errno(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = vtier_path_build(VTIER_PATH_NODES, NULL);
	g_autofree gchar *text = NULL;

	g_assert_cmpint(vtier_file_read_errno(EBUSY), ==, EBUSY);
	g_assert_cmpint(vtier_file_read_errno(ENOENT), ==, ENOENT);
	g_assert_cmpint(vtier_file_read_errno(EACCES), ==, EACCES);
	g_assert_cmpint(vtier_file_read_errno(EISDIR), ==, EIO);
	g_assert_cmpint(vtier_error_code_from_errno(vtier_file_read_errno(EBUSY)), ==,
			VTIER_ERROR_BUSY);
	/* a real read that fails (a directory: EISDIR) goes through it */
	g_mkdir_with_parents(dir, 0755);
	g_assert_false(vtier_file_read(dir, &text, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_IO);
	g_assert_cmpstr(error->message, ==,
			"cannot read /sys/devices/system/node: Input/output error");
}

static void test_error_parse_u64(void)
{
	g_autoptr(GError) error = NULL;
	guint64 v = 0;

	g_assert_true(vtier_parse_u64(" 42\n", "x", &v, &error));
	g_assert_cmpuint(v, ==, 42);
	g_assert_true(vtier_parse_u64("0x40000000", "x", &v, &error));
	g_assert_cmpuint(v, ==, 0x40000000);
	g_assert_false(vtier_parse_u64("12abc", "block_size_bytes", &v, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_cmpstr(error->message, ==, "block_size_bytes: \"12abc\" is not a number");
	g_clear_error(&error);
	g_assert_false(vtier_parse_u64("", "x", &v, &error));
	g_clear_error(&error);
	g_assert_false(vtier_parse_u64("-1", "x", &v, &error));
	g_clear_error(&error);
	g_assert_false(vtier_parse_u64("99999999999999999999999", "x", &v, &error));
	g_assert_nonnull(strstr(error->message, "out of range"));
}

static void test_error_write_missing_file(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *p = vtier_path_build(VTIER_PATH_MODULES, "damon_stat", "parameters",
					       "enabled", NULL);

	g_assert_false(vtier_file_write_value(p, "N", &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_cmpstr(error->message, ==,
			"cannot open /sys/module/damon_stat/parameters/enabled for writing: No "
			"such file or directory");
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/error/errno-format", test_error_errno_format);
	g_test_add_func("/error/errno-codes", test_error_errno_codes);
	g_test_add_func("/error/prefix-keeps-code", test_error_prefix_keeps_code);
	g_test_add_func("/error/read-names-host-path", test_error_read_names_host_path);
	g_test_add_func("/error/read-errno", test_error_read_errno);
	g_test_add_func("/error/parse-u64", test_error_parse_u64);
	g_test_add_func("/error/write-missing-file", test_error_write_missing_file);
	return g_test_run();
}

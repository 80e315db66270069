/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Without libsoup: this program's loader (src/common/soup-dl.c, built here with
 * VTIER_SOUP_LOAD_SONAME naming a library that does not exist: tests/unit/metrics.mk) cannot load
 * it, and the /metrics endpoint fails to start with the loader's error, which names the library
 * and its Debian package, instead of calling through a pointer that was never set. The programs
 * themselves no longer link libsoup. */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/soup-dl.h"
#include "metrics/server.h"
#include "vtier-test.h"

static GBytes *no_metrics(gpointer user_data)
{
	(void)user_data;
	return g_bytes_new_static("", 0);
}

static void test_soup_dl_server_fails(void)
{
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierMetricsServer) server =
			vtier_metrics_server_new("127.0.0.1:0", no_metrics, NULL, &error);

		g_assert_null(server);
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED);
		g_assert_nonnull(strstr(error->message, "cannot load " VTIER_SOUP_LOAD_SONAME));
		g_assert_nonnull(strstr(error->message, "Debian package libsoup-3.0-0"));
	}
	g_assert_null(sym_soup_server_new);
}

/* [metrics] listen=off needs no libsoup */
static void test_soup_dl_off(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_null(vtier_metrics_server_new("off", no_metrics, NULL, &error));
	g_assert_no_error(error);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/soup-dl/server-fails", test_soup_dl_server_fails);
	g_test_add_func("/soup-dl/off", test_soup_dl_off);
	return g_test_run();
}

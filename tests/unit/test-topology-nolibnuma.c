/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Without libnuma: this program's topology reader (src/tiering/topology-read.c, built here with
 * VTIER_LIBNUMA_LOAD_SONAME naming a library that does not exist: tests/unit/topology.mk) cannot
 * load it. Only the real machine's topology asks libnuma, so this reads this machine's /sys and
 * /proc (read only): the load must succeed with the capacity from sysfs and a note that names the
 * library and its Debian package. */
#include "config.h"

#include <string.h>

#include "tiering/topology.h"
#include "vtier-test.h"

static gboolean has_note(const VtierTopology *t, const gchar *text)
{
	for (guint i = 0; i < t->notes->len; i++)
		if (strstr(g_ptr_array_index(t->notes, i), text) != NULL)
			return TRUE;
	return FALSE;
}

static void test_topology_without_libnuma(void)
{
	g_autoptr(VtierTopology) t = NULL;
	g_autoptr(GError) error = NULL;

	if (!g_file_test("/sys/devices/system/node/online", G_FILE_TEST_EXISTS)) {
		g_test_skip("this machine has no /sys/devices/system/node");
		return;
	}
	t = vtier_topology_load(NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(t);
	g_assert_cmpuint(t->nodes->len, >, 0);
	g_assert_cmpstr(t->capacity_source, ==, "sysfs meminfo");
	g_assert_true(has_note(t, "cannot load " VTIER_LIBNUMA_LOAD_SONAME));
	g_assert_true(has_note(t, "Debian package libnuma1"));
	g_assert_true(has_note(t, "capacity from sysfs meminfo"));
	for (guint i = 0; i < t->nodes->len; i++) {
		const VtierNode *n = g_ptr_array_index(t->nodes, i);

		g_test_message("node %u: %" G_GUINT64_FORMAT " bytes", n->id, n->total_bytes);
	}
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/topology/without-libnuma", test_topology_without_libnuma);
	return g_test_run();
}

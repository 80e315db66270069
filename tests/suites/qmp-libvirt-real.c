/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The QMP client's libvirt transport against a real libvirtd and a real QEMU guest, run by
 * tests/suites/qmp-libvirt.sh (which starts the guest): VTIER_QMP_LV_URI, VTIER_QMP_LV_DOMAIN. */
#include "config.h"

#include <libvirt/virterror.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "qmp/client.h"
#include "qmp/query.h"
#include "vtier-test.h"

static virConnectPtr conn;
static virDomainPtr dom;

static void quiet_libvirt(void *user_data, virErrorPtr error)
{
}

static void test_lv_memdev(void)
{
	g_autoptr(VtierQmpClient) client = vtier_qmp_client_new_for_libvirt(dom);
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) memdevs = NULL;

	vtier_qmp_query_memdev_async(client, NULL, vtier_qmp_store_result, &res);
	memdevs = vtier_qmp_query_memdev_finish(client, vtier_qmp_wait(&res), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(memdevs->len, >=, 1);
	for (guint i = 0; i < memdevs->len; i++) {
		const VtierGuestMemdev *m = g_ptr_array_index(memdevs, i);

		printf("# observed: memdev %s size=%" G_GUINT64_FORMAT " policy=%s host-nodes=%u\n",
		       m->backend_id, m->size_bytes, m->policy, m->host_nodes->len);
	}
	/* the guest has one NUMA cell of 256 MiB: libvirt names its backend ram-node0 */
	g_assert_cmpstr(((VtierGuestMemdev *)g_ptr_array_index(memdevs, 0))->backend_id, ==,
			"ram-node0");
	g_assert_cmpuint(((VtierGuestMemdev *)g_ptr_array_index(memdevs, 0))->size_bytes, ==,
			 256 << 20);
}

static void test_lv_concurrent(void)
{
	g_autoptr(VtierQmpClient) client = vtier_qmp_client_new_for_libvirt(dom);
	g_autoptr(GAsyncResult) r1 = NULL;
	g_autoptr(GAsyncResult) r2 = NULL;
	g_autoptr(GAsyncResult) r3 = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierQmpStatus) status = NULL;
	g_autofree VtierQmpMemorySizeSummary *sum = NULL;
	g_autoptr(GPtrArray) devices = NULL;

	/* three worker threads at once; libvirt serialises them on its monitor */
	vtier_qmp_query_status_async(client, NULL, vtier_qmp_store_result, &r1);
	vtier_qmp_query_memory_size_summary_async(client, NULL, vtier_qmp_store_result, &r2);
	vtier_qmp_query_memory_devices_async(client, NULL, vtier_qmp_store_result, &r3);
	status = vtier_qmp_query_status_finish(client, vtier_qmp_wait(&r1), &error);
	g_assert_no_error(error);
	printf("# observed: query-status running=%d status=%s\n", status->running, status->status);
	g_assert_true(status->running);
	sum = vtier_qmp_query_memory_size_summary_finish(client, vtier_qmp_wait(&r2), &error);
	g_assert_no_error(error);
	printf("# observed: query-memory-size-summary base=%" G_GUINT64_FORMAT
	       " plugged=%" G_GUINT64_FORMAT "\n", sum->base_memory, sum->plugged_memory);
	g_assert_cmpuint(sum->base_memory, ==, 256 << 20);
	devices = vtier_qmp_query_memory_devices_finish(client, vtier_qmp_wait(&r3), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(devices->len, ==, 0);
}

static void test_lv_refused(void)
{
	g_autoptr(VtierQmpClient) client = vtier_qmp_client_new_for_libvirt(dom);
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = NULL;

	vtier_qmp_client_execute_async(client, "stop", NULL, NULL, vtier_qmp_store_result, &res);
	reply = vtier_qmp_client_execute_finish(client, vtier_qmp_wait(&res), &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
}

/* Last: the guest goes away; the next command fails with libvirt's reason, nothing hangs. */
static void test_lv_domain_gone(void)
{
	g_autoptr(VtierQmpClient) client = vtier_qmp_client_new_for_libvirt(dom);
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = NULL;

	g_assert_cmpint(virDomainDestroy(dom), ==, 0);
	vtier_qmp_client_execute_async(client, "query-status", NULL, NULL, vtier_qmp_store_result,
				       &res);
	reply = vtier_qmp_client_execute_finish(client, vtier_qmp_wait(&res), &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_IO);
	printf("# observed: after destroy: %s\n", error->message);
	g_assert_true(strstr(error->message, "failed: ") != NULL);
	g_assert_false(g_str_has_suffix(error->message, "failed: ")); /* libvirt's reason kept */
}

int main(int argc, char **argv)
{
	const gchar *uri = g_getenv("VTIER_QMP_LV_URI");
	const gchar *name = g_getenv("VTIER_QMP_LV_DOMAIN");
	int rc;

	vtier_test_init(&argc, &argv);
	g_assert_nonnull(uri);
	g_assert_nonnull(name);
	virSetErrorFunc(NULL, quiet_libvirt);
	conn = virConnectOpen(uri);
	g_assert_nonnull(conn);
	dom = virDomainLookupByName(conn, name);
	g_assert_nonnull(dom);
	g_test_add_func("/qmp-libvirt/memdev", test_lv_memdev);
	g_test_add_func("/qmp-libvirt/concurrent", test_lv_concurrent);
	g_test_add_func("/qmp-libvirt/refused", test_lv_refused);
	g_test_add_func("/qmp-libvirt/domain-gone", test_lv_domain_gone);
	rc = g_test_run();
	virDomainFree(dom);
	virConnectClose(conn);
	return rc;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <signal.h>
#include <string.h>

#include "common/error.h"
#include "common/paths.h"
#include "qmp-qemu.h"
#include "qmp/binding.h"
#include "qmp/client.h"
#include "qmp/guest-source.h"
#include "qmp/query.h"
#include "vtier-test.h"

/* The client against a real QEMU (direct unix socket transport). */

typedef struct {
	QmpQemu *qemu;
	VtierQmpClient *client;
	GPtrArray *events;
} Fixture;

static const gchar *const memdev_args[] = {
	"-machine", "none", "-name", "vtier-qmp-test", "-m", "256",
	"-object", "memory-backend-ram,id=vtier-ram0,size=64M,policy=bind,host-nodes=0",
	NULL,
};
static const gchar *const dimm_args[] = {
	"-machine", "pc", "-accel", "tcg", "-S", "-m", "256,slots=2,maxmem=1G",
	"-object", "memory-backend-ram,id=mem1,size=128M",
	"-device", "pc-dimm,id=dimm1,memdev=mem1",
	NULL,
};

static void on_event(VtierQmpClient *client, const gchar *name, JsonObject *data, gint64 usec,
		     gpointer user_data)
{
	Fixture *fx = user_data;

	g_assert_cmpint(usec, >, 0);
	g_ptr_array_add(fx->events, g_strdup(name));
}

static void fixture_setup(Fixture *fx, gconstpointer args)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;

	fx->events = g_ptr_array_new_with_free_func(g_free);
	fx->qemu = qmp_qemu_start(args);
	if (fx->qemu == NULL)
		return;
	vtier_qmp_client_connect_unix_async(fx->qemu->qmp_path, 5000, NULL, vtier_qmp_store_result,
					    &res);
	fx->client = vtier_qmp_client_connect_unix_finish(vtier_qmp_wait(&res), &error);
	g_assert_no_error(error);
	g_signal_connect(fx->client, "event", G_CALLBACK(on_event), fx);
}

static void fixture_teardown(Fixture *fx, gconstpointer args)
{
	if (fx->client != NULL)
		vtier_qmp_client_close(fx->client);
	g_clear_object(&fx->client);
	g_clear_pointer(&fx->qemu, qmp_qemu_stop);
	g_ptr_array_unref(fx->events);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static GPtrArray *query_memdevs(VtierQmpClient *client)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *memdevs;

	vtier_qmp_query_memdev_async(client, NULL, vtier_qmp_store_result, &res);
	memdevs = vtier_qmp_query_memdev_finish(client, vtier_qmp_wait(&res), &error);
	g_assert_no_error(error);
	return memdevs;
}

static const VtierGuestMemdev *find_memdev(GPtrArray *memdevs, const gchar *id)
{
	for (guint i = 0; i < memdevs->len; i++) {
		const VtierGuestMemdev *m = g_ptr_array_index(memdevs, i);

		if (g_strcmp0(m->backend_id, id) == 0)
			return m;
	}
	g_assert_not_reached();
}

static void test_qemu_memdev(Fixture *fx, gconstpointer args)
{
	g_autoptr(GPtrArray) memdevs = NULL;
	g_autoptr(GArray) slow = g_array_new(FALSE, FALSE, sizeof(guint));
	g_autoptr(GPtrArray) warnings = NULL;
	const VtierGuestMemdev *ram, *bound;
	guint node0 = 0;

	if (fx->qemu == NULL)
		return;
	g_assert_nonnull(vtier_qmp_client_get_qemu_version(fx->client));
	g_test_message("QEMU %s", vtier_qmp_client_get_qemu_version(fx->client));
	memdevs = query_memdevs(fx->client);
	g_assert_cmpuint(memdevs->len, ==, 2);
	/* -m 256 on -machine none: QEMU's implicit main RAM backend "ram" */
	ram = find_memdev(memdevs, "ram");
	g_assert_cmpuint(ram->size_bytes, ==, 256 << 20);
	g_assert_cmpstr(ram->policy, ==, "default");
	g_assert_cmpuint(ram->host_nodes->len, ==, 0);
	bound = find_memdev(memdevs, "vtier-ram0");
	g_assert_cmpuint(bound->size_bytes, ==, 64 << 20);
	g_assert_cmpstr(bound->policy, ==, "bind");
	g_assert_cmpuint(bound->host_nodes->len, ==, 1);
	g_assert_cmpuint(g_array_index(bound->host_nodes, guint, 0), ==, 0);
	g_assert_false(bound->share);
	/* pretend host node 0 were slow memory: the bound backend can never be promoted */
	g_array_append_val(slow, node0);
	warnings = vtier_qmp_check_slow_binding(memdevs, slow);
	g_assert_cmpuint(warnings->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(warnings, 0), ==,
			"memory backend vtier-ram0 (64 MiB) is bound with policy=bind to slow host "
			"node 0: its pages cannot be migrated to fast memory; use policy=preferred "
			"or add a fast node to host-nodes");
}

static void test_qemu_status_name_summary(Fixture *fx, gconstpointer args)
{
	g_autoptr(GAsyncResult) r1 = NULL;
	g_autoptr(GAsyncResult) r2 = NULL;
	g_autoptr(GAsyncResult) r3 = NULL;
	g_autoptr(GAsyncResult) r4 = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierQmpStatus) status = NULL;
	g_autofree VtierQmpMemorySizeSummary *sum = NULL;
	g_autoptr(GPtrArray) devices = NULL;
	g_autofree gchar *name = NULL;

	if (fx->qemu == NULL)
		return;
	/* four commands in flight at once */
	vtier_qmp_query_status_async(fx->client, NULL, vtier_qmp_store_result, &r1);
	vtier_qmp_query_name_async(fx->client, NULL, vtier_qmp_store_result, &r2);
	vtier_qmp_query_memory_size_summary_async(fx->client, NULL, vtier_qmp_store_result, &r3);
	vtier_qmp_query_memory_devices_async(fx->client, NULL, vtier_qmp_store_result, &r4);
	status = vtier_qmp_query_status_finish(fx->client, vtier_qmp_wait(&r1), &error);
	g_assert_no_error(error);
	g_assert_true(status->running);
	g_assert_cmpstr(status->status, ==, "running");
	g_assert_true(vtier_qmp_query_name_finish(fx->client, vtier_qmp_wait(&r2), &name, &error));
	g_assert_cmpstr(name, ==, "vtier-qmp-test");
	sum = vtier_qmp_query_memory_size_summary_finish(fx->client, vtier_qmp_wait(&r3), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(sum->base_memory, ==, 256 << 20);
	g_assert_cmpuint(sum->plugged_memory, ==, 0);
	devices = vtier_qmp_query_memory_devices_finish(fx->client, vtier_qmp_wait(&r4), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(devices->len, ==, 0);
}

static void test_qemu_dimm(Fixture *fx, gconstpointer args)
{
	g_autoptr(GAsyncResult) r1 = NULL;
	g_autoptr(GAsyncResult) r2 = NULL;
	g_autoptr(GAsyncResult) r3 = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) devices = NULL;
	g_autoptr(VtierQmpStatus) status = NULL;
	g_autofree VtierQmpMemorySizeSummary *sum = NULL;
	g_autoptr(GPtrArray) memdevs = NULL;
	const VtierQmpMemoryDevice *dimm;

	if (fx->qemu == NULL)
		return;
	vtier_qmp_query_memory_devices_async(fx->client, NULL, vtier_qmp_store_result, &r1);
	vtier_qmp_query_status_async(fx->client, NULL, vtier_qmp_store_result, &r2);
	vtier_qmp_query_memory_size_summary_async(fx->client, NULL, vtier_qmp_store_result, &r3);
	devices = vtier_qmp_query_memory_devices_finish(fx->client, vtier_qmp_wait(&r1), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(devices->len, ==, 1);
	dimm = g_ptr_array_index(devices, 0);
	g_assert_cmpstr(dimm->type, ==, "dimm");
	g_assert_cmpstr(dimm->id, ==, "dimm1");
	g_assert_cmpstr(dimm->memdev, ==, "/objects/mem1");
	g_assert_cmpint(dimm->node, ==, 0);
	g_assert_cmpuint(dimm->size, ==, 128 << 20);
	g_assert_cmpuint(dimm->addr, ==, G_GUINT64_CONSTANT(4) << 30);
	/* -S: created but never started */
	status = vtier_qmp_query_status_finish(fx->client, vtier_qmp_wait(&r2), &error);
	g_assert_no_error(error);
	g_assert_false(status->running);
	g_assert_cmpstr(status->status, ==, "prelaunch");
	sum = vtier_qmp_query_memory_size_summary_finish(fx->client, vtier_qmp_wait(&r3), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(sum->base_memory, ==, 256 << 20);
	g_assert_cmpuint(sum->plugged_memory, ==, 128 << 20);
	memdevs = query_memdevs(fx->client);
	g_assert_cmpuint(find_memdev(memdevs, "pc.ram")->size_bytes, ==, 256 << 20);
	g_assert_cmpuint(find_memdev(memdevs, "mem1")->size_bytes, ==, 128 << 20);
}

/* The test's own raw QMP connection to QEMU's second monitor: vtier itself never sends a
 * command that changes the guest, so the test does it to make QEMU emit events. */
static void raw_command(GDataInputStream *in, GOutputStream *out, const gchar *command)
{
	g_autofree gchar *line = g_strdup_printf("{\"execute\": \"%s\"}\r\n", command);
	g_autoptr(GError) error = NULL;

	g_assert_true(g_output_stream_write_all(out, line, strlen(line), NULL, NULL, &error));
	g_assert_no_error(error);
	for (;;) {
		g_autofree gchar *reply = g_data_input_stream_read_line(in, NULL, NULL, &error);

		g_assert_no_error(error);
		g_assert_nonnull(reply);
		if (g_str_has_prefix(reply, "{\"return\""))
			return;
		g_assert_null(strstr(reply, "\"error\""));
	}
}

static void wait_events(Fixture *fx, guint n)
{
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (fx->events->len < n && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, fx->events->len < n);
}

static void test_qemu_events(Fixture *fx, gconstpointer args)
{
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = NULL;
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *greeting = NULL;

	if (fx->qemu == NULL)
		return;
	addr = g_unix_socket_address_new(fx->qemu->raw_path);
	conn = g_socket_client_connect(sc, G_SOCKET_CONNECTABLE(addr), NULL, &error);
	g_assert_no_error(error);
	in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	g_data_input_stream_set_newline_type(in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
	greeting = g_data_input_stream_read_line(in, NULL, NULL, &error);
	g_assert_true(g_str_has_prefix(greeting, "{\"QMP\""));
	raw_command(in, g_io_stream_get_output_stream(G_IO_STREAM(conn)), "qmp_capabilities");
	raw_command(in, g_io_stream_get_output_stream(G_IO_STREAM(conn)), "stop");
	wait_events(fx, 1);
	raw_command(in, g_io_stream_get_output_stream(G_IO_STREAM(conn)), "cont");
	wait_events(fx, 2);
	g_assert_cmpuint(fx->events->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(fx->events, 0), ==, "STOP");
	g_assert_cmpstr(g_ptr_array_index(fx->events, 1), ==, "RESUME");
}

static void test_qemu_vanishes(Fixture *fx, gconstpointer args)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierQmpStatus) status = NULL;
	g_autofree gchar *want = NULL;

	if (fx->qemu == NULL)
		return;
	/* freeze QEMU so the command stays pending, then kill it */
	g_assert_cmpint(kill(fx->qemu->pid, SIGSTOP), ==, 0);
	vtier_qmp_query_status_async(fx->client, NULL, vtier_qmp_store_result, &res);
	g_main_context_iteration(NULL, FALSE);
	g_assert_null(res);
	g_assert_cmpint(kill(fx->qemu->pid, SIGKILL), ==, 0);
	status = vtier_qmp_query_status_finish(fx->client, vtier_qmp_wait(&res), &error);
	g_assert_null(status);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_IO);
	/* the unread command makes the kernel reset the connection rather than end it */
	want = g_strdup_printf("QMP command query-status got no reply: connection to QMP socket %s "
			       "lost: Error receiving data: Connection reset by peer",
			       fx->qemu->qmp_path);
	g_assert_cmpstr(error->message, ==, want);
	g_assert_true(vtier_qmp_client_is_closed(fx->client));
}

static void test_qemu_peer_pid(Fixture *fx, gconstpointer args)
{
	g_autoptr(GError) error = NULL;
	gint pid = 0;

	if (fx->qemu == NULL)
		return;
	g_assert_true(vtier_qmp_client_get_peer_pid(fx->client, &pid, &error));
	g_assert_no_error(error);
	g_assert_cmpint(pid, ==, fx->qemu->pid);
}

static void check_guest_memdevs(const VtierGuest *guest)
{
	const VtierGuestMemdev *bound = find_memdev(guest->memdevs, "vtier-ram0");

	g_assert_cmpuint(bound->size_bytes, ==, 64 << 20);
	g_assert_cmpstr(bound->policy, ==, "bind");
}

static void test_qemu_guest_from_socket(Fixture *fx, gconstpointer args)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) guest = NULL;

	if (fx->qemu == NULL)
		return;
	/* a QMP socket serves one client at a time: free it for the guest source's own */
	vtier_qmp_client_close(fx->client);
	vtier_paths_set_sysroot(NULL);
	vtier_qmp_guest_from_socket_async(fx->qemu->qmp_path, 5000, NULL, vtier_qmp_store_result,
					  &res);
	guest = vtier_qmp_guest_from_socket_finish(vtier_qmp_wait(&res), &error);
	g_assert_no_error(error);
	g_assert_cmpint(guest->source, ==, VTIER_GUEST_SOURCE_QMP);
	g_assert_cmpint(guest->pid, ==, fx->qemu->pid);
	g_assert_cmpstr(guest->name, ==, "vtier-qmp-test");
	g_assert_cmpuint(guest->memory_bytes, ==, 256 << 20);
	g_assert_cmpuint(guest->memdevs->len, ==, 2);
	check_guest_memdevs(guest);
}

static void test_qemu_guest_from_pid(Fixture *fx, gconstpointer args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) guest = NULL;
	g_autofree gchar *qmp = NULL;

	if (fx->qemu == NULL)
		return;
	vtier_paths_set_sysroot(NULL);
	guest = vtier_qmp_guest_from_pid(fx->qemu->pid, &qmp, &error);
	g_assert_no_error(error);
	g_assert_cmpint(guest->source, ==, VTIER_GUEST_SOURCE_PID);
	g_assert_cmpstr(guest->name, ==, "vtier-qmp-test");
	g_assert_cmpuint(guest->memory_bytes, ==, 256 << 20);
	/* the first -qmp on the command line is vtier's */
	g_assert_cmpstr(qmp, ==, fx->qemu->qmp_path);
	/* the command line knows only the explicit -object, not QEMU's implicit "ram" */
	g_assert_cmpuint(guest->memdevs->len, ==, 1);
	check_guest_memdevs(guest);
}

/* A QEMU without -name: the socket source falls back to "qemu-PID". */
static void test_qemu_guest_unnamed(Fixture *fx, gconstpointer args)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) guest = NULL;
	g_autofree gchar *want = NULL;

	if (fx->qemu == NULL)
		return;
	vtier_paths_set_sysroot(NULL);
	vtier_qmp_guest_from_client_async(fx->client, NULL, vtier_qmp_store_result, &res);
	guest = vtier_qmp_guest_from_client_finish(fx->client, vtier_qmp_wait(&res), &error);
	g_assert_no_error(error);
	want = g_strdup_printf("qemu-%d", fx->qemu->pid);
	g_assert_cmpstr(guest->name, ==, want);
	g_assert_cmpuint(guest->memory_bytes, ==, (256 + 128) << 20);
}

/* `vtierctl guests --qmp SOCKET --json`, the command-line face of the guest source. */
static void test_qemu_vtierctl_guests(Fixture *fx, gconstpointer args)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");
	g_autofree gchar *vtierctl = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonObject *o;
	JsonArray *warnings;
	gint status = -1;

	if (fx->qemu == NULL)
		return;
	if (builddir == NULL) {
		g_test_skip("VTIER_BUILDDIR is not set (run through make check)");
		return;
	}
	vtier_qmp_client_close(fx->client); /* one client per QMP socket */
	vtierctl = g_build_filename(builddir, "vtierctl", NULL);
	{
		const gchar *argv[] = { vtierctl, "guests", "--qmp", fx->qemu->qmp_path,
					"--slow-nodes", "0", "--json", NULL };

		g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
			     &status, &error);
	}
	g_assert_no_error(error);
	g_test_message("vtierctl: %s%s", out, err);
	g_assert_true(g_spawn_check_wait_status(status, &error));
	root = json_from_string(out, &error);
	g_assert_no_error(error);
	o = json_node_get_object(root);
	g_assert_cmpstr(json_object_get_string_member(o, "source"), ==, "qmp");
	g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "vtier-qmp-test");
	g_assert_cmpint(json_object_get_int_member(o, "pid"), ==, fx->qemu->pid);
	g_assert_cmpint(json_object_get_int_member(o, "memory_bytes"), ==, 256 << 20);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "memdevs")), ==, 2);
	warnings = json_object_get_array_member(o, "warnings");
	g_assert_cmpuint(json_array_get_length(warnings), ==, 1);
	g_assert_true(g_str_has_prefix(json_array_get_string_element(warnings, 0),
				       "memory backend vtier-ram0 (64 MiB) is bound"));
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
#define ADD(path, args, fn) \
	g_test_add(path, Fixture, args, fixture_setup, fn, fixture_teardown)
	ADD("/qmp-qemu/memdev", memdev_args, test_qemu_memdev);
	ADD("/qmp-qemu/status-name-summary", memdev_args, test_qemu_status_name_summary);
	ADD("/qmp-qemu/dimm", dimm_args, test_qemu_dimm);
	ADD("/qmp-qemu/events", memdev_args, test_qemu_events);
	ADD("/qmp-qemu/vanishes", memdev_args, test_qemu_vanishes);
	ADD("/qmp-qemu/peer-pid", memdev_args, test_qemu_peer_pid);
	ADD("/qmp-qemu/guest-from-socket", memdev_args, test_qemu_guest_from_socket);
	ADD("/qmp-qemu/guest-from-pid", memdev_args, test_qemu_guest_from_pid);
	ADD("/qmp-qemu/guest-unnamed", dimm_args, test_qemu_guest_unnamed);
	ADD("/qmp-qemu/vtierctl-guests", memdev_args, test_qemu_vtierctl_guests);
#undef ADD
	return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <libvirt/virterror.h>

#include "common/error.h"
#include "qmp-fake-peer.h"
#include "qmp/client.h"
#include "qmp/query.h"
#include "vtier-test.h"

/* The client against a scripted fake peer: the error paths a real QEMU rarely shows. */

typedef struct {
	QmpFakePeer *peer;
	VtierQmpClient *client;
	GPtrArray *events; /* "NAME data-json" */
	guint closed;
} Fixture;

static void on_event(VtierQmpClient *client, const gchar *name, JsonObject *data, gint64 usec,
		     gpointer user_data)
{
	Fixture *fx = user_data;
	g_autofree gchar *json = NULL;

	if (data != NULL) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

		json_node_set_object(node, data);
		json = json_to_string(node, FALSE);
	}
	g_ptr_array_add(fx->events, g_strdup_printf("%s %s %" G_GINT64_FORMAT, name,
						    json != NULL ? json : "null", usec));
}

static void on_closed(VtierQmpClient *client, const GError *why, gpointer user_data)
{
	Fixture *fx = user_data;

	fx->closed++;
}

/* Starts @steps and a client on the other end, without the handshake. */
static void fixture_start(Fixture *fx, const QmpFakeStep *steps, gsize n_steps)
{
	g_autoptr(GIOStream) stream = NULL;

	fx->peer = qmp_fake_peer_new(steps, n_steps, &stream);
	fx->client = vtier_qmp_client_new_for_stream(stream, "QMP fake peer");
	vtier_qmp_client_set_timeout(fx->client, 3000);
	fx->events = g_ptr_array_new_with_free_func(g_free);
	g_signal_connect(fx->client, "event", G_CALLBACK(on_event), fx);
	g_signal_connect(fx->client, "closed", G_CALLBACK(on_closed), fx);
}

static void fixture_handshake(Fixture *fx)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;

	gboolean ok;

	vtier_qmp_client_handshake_async(fx->client, NULL, vtier_qmp_store_result, &res);
	ok = vtier_qmp_client_handshake_finish(fx->client, vtier_qmp_wait(&res), &error);
	g_assert_no_error(error);
	g_assert_true(ok);
	g_assert_cmpstr(vtier_qmp_client_get_qemu_version(fx->client), ==, "7.2.22");
}

/* Closes the client (the peer sees end of file) and checks the script ran exactly. */
static void fixture_finish(Fixture *fx)
{
	vtier_qmp_client_close(fx->client);
	g_clear_object(&fx->client);
	qmp_fake_peer_finish(fx->peer);
	g_ptr_array_unref(fx->events);
	/* let cancelled I/O callbacks run */
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static JsonNode *execute(Fixture *fx, const gchar *command, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;

	vtier_qmp_client_execute_async(fx->client, command, NULL, NULL, vtier_qmp_store_result,
				       &res);
	return vtier_qmp_client_execute_finish(fx->client, vtier_qmp_wait(&res), error);
}

static void test_client_status(void)
{
	static const QmpFakeStep steps[] = {
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-status", NULL, 0 },
		{ PEER_SEND, "query-status",
		  "{\"return\": {\"status\": \"paused\", \"singlestep\": false, \"running\": false},"
		  " \"id\": @ID@}\r\n", 0 },
	};
	Fixture fx = { 0 };
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierQmpStatus) status = NULL;

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	vtier_qmp_query_status_async(fx.client, NULL, vtier_qmp_store_result, &res);
	status = vtier_qmp_query_status_finish(fx.client, vtier_qmp_wait(&res), &error);
	g_assert_no_error(error);
	g_assert_false(status->running);
	g_assert_cmpstr(status->status, ==, "paused");
	g_assert_cmpuint(vtier_qmp_client_get_skipped_lines(fx.client), ==, 0);
	fixture_finish(&fx);
	g_assert_cmpuint(fx.closed, ==, 1);
}

static void test_client_garbage_lines(void)
{
	static const QmpFakeStep steps[] = {
		{ PEER_SEND, NULL, "this is not json\r\n", 0 },
		{ PEER_SEND, NULL, "[1, 2, 3]\r\n\r\n", 0 },
		{ PEER_SEND, NULL, "{\"neither\": \"reply nor event\"}\r\n", 0 },
		{ PEER_SEND, NULL, "{\"QMP\": \xff\xfe}\r\n", 0 },
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-name", NULL, 0 },
		{ PEER_SEND, NULL, "{\"return\": \r\n", 0 },
		{ PEER_SEND, "query-name", "{\"return\": {\"name\": \"g1\"}, \"id\": @ID@}\r\n", 0 },
	};
	Fixture fx = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = NULL;

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	reply = execute(&fx, "query-name", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(reply), "name"), ==,
			"g1");
	/* each bad line skipped, counted, and the connection kept */
	g_assert_cmpuint(vtier_qmp_client_get_skipped_lines(fx.client), ==, 5);
	g_assert_false(vtier_qmp_client_is_closed(fx.client));
	fixture_finish(&fx);
}

static void test_client_partial_lines(void)
{
	static const QmpFakeStep steps[] = {
		{ PEER_SEND, NULL, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, ", 0 },
		{ PEER_PAUSE, NULL, NULL, 30 },
		{ PEER_SEND, NULL, "\"minor\": 2, \"major\": 7}}, \"capabilities\": []}}", 0 },
		{ PEER_PAUSE, NULL, NULL, 30 },
		{ PEER_SEND, NULL, "\r", 0 },
		{ PEER_PAUSE, NULL, NULL, 30 },
		{ PEER_SEND, NULL, "\n", 0 },
		{ PEER_EXPECT, "qmp_capabilities", NULL, 0 },
		{ PEER_SEND, "qmp_capabilities", "{\"return\": {}, \"id\": @ID@}\n", 0 },
		{ PEER_EXPECT, "query-memory-size-summary", NULL, 0 },
		/* an event and the reply in one write, the reply cut in two */
		{ PEER_SEND, "query-memory-size-summary",
		  "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 2, \"microseconds\": 5}}\r\n"
		  "{\"return\": {\"base-memory\": 268435456, ", 0 },
		{ PEER_PAUSE, NULL, NULL, 30 },
		{ PEER_SEND, "query-memory-size-summary",
		  "\"plugged-memory\": 134217728}, \"id\": @ID@}\r\n", 0 },
	};
	Fixture fx = { 0 };
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree VtierQmpMemorySizeSummary *sum = NULL;

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	vtier_qmp_query_memory_size_summary_async(fx.client, NULL, vtier_qmp_store_result, &res);
	sum = vtier_qmp_query_memory_size_summary_finish(fx.client, vtier_qmp_wait(&res), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(sum->base_memory, ==, 256 << 20);
	g_assert_cmpuint(sum->plugged_memory, ==, 128 << 20);
	g_assert_cmpuint(fx.events->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(fx.events, 0), ==, "RESUME null 2000005");
	g_assert_cmpuint(vtier_qmp_client_get_skipped_lines(fx.client), ==, 0);
	fixture_finish(&fx);
}

static void test_client_error_reply(void)
{
	static const QmpFakeStep steps[] = {
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-memdev", NULL, 0 },
		{ PEER_SEND, "query-memdev",
		  "{\"id\": @ID@, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The "
		  "command query-memdev has not been found\"}}\r\n", 0 },
		{ PEER_EXPECT, "query-status", NULL, 0 },
		{ PEER_SEND, "query-status",
		  "{\"id\": @ID@, \"error\": {\"class\": \"GenericError\"}}\r\n", 0 },
	};
	Fixture fx = { 0 };
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) memdevs = NULL;
	g_autoptr(JsonNode) reply = NULL;

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	vtier_qmp_query_memdev_async(fx.client, NULL, vtier_qmp_store_result, &res);
	memdevs = vtier_qmp_query_memdev_finish(fx.client, vtier_qmp_wait(&res), &error);
	g_assert_null(memdevs);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED);
	g_assert_cmpstr(error->message, ==,
			"QMP command query-memdev failed: CommandNotFound: The command "
			"query-memdev has not been found");
	g_clear_error(&error);
	reply = execute(&fx, "query-status", &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_FAILED);
	g_assert_cmpstr(error->message, ==,
			"QMP command query-status failed: GenericError: (no description)");
	g_assert_false(vtier_qmp_client_is_closed(fx.client));
	fixture_finish(&fx);
}

static void test_client_disconnect(void)
{
	static const QmpFakeStep steps[] = {
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-status", NULL, 0 },
		{ PEER_EXPECT, "query-memdev", NULL, 0 },
		{ PEER_CLOSE, NULL, NULL, 0 },
	};
	Fixture fx = { 0 };
	g_autoptr(GAsyncResult) res1 = NULL;
	g_autoptr(GAsyncResult) res2 = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = NULL;
	g_autoptr(GPtrArray) memdevs = NULL;

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	vtier_qmp_client_execute_async(fx.client, "query-status", NULL, NULL,
				       vtier_qmp_store_result, &res1);
	vtier_qmp_query_memdev_async(fx.client, NULL, vtier_qmp_store_result, &res2);
	reply = vtier_qmp_client_execute_finish(fx.client, vtier_qmp_wait(&res1), &error);
	g_assert_null(reply);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_IO);
	g_assert_cmpstr(error->message, ==,
			"QMP command query-status got no reply: QMP fake peer closed the "
			"connection");
	g_clear_error(&error);
	memdevs = vtier_qmp_query_memdev_finish(fx.client, vtier_qmp_wait(&res2), &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_IO);
	g_assert_cmpstr(error->message, ==,
			"QMP command query-memdev got no reply: QMP fake peer closed the "
			"connection");
	g_clear_error(&error);
	g_assert_true(vtier_qmp_client_is_closed(fx.client));
	g_assert_cmpuint(fx.closed, ==, 1);
	/* a command after the close fails at once, without touching the socket */
	g_clear_pointer(&reply, json_node_unref);
	reply = execute(&fx, "query-status", &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_IO);
	g_assert_cmpstr(error->message, ==, "QMP command query-status: QMP fake peer is closed");
	fixture_finish(&fx);
	g_assert_cmpuint(fx.closed, ==, 1);
}

static void test_client_out_of_order(void)
{
	static const QmpFakeStep steps[] = {
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-status", NULL, 0 },
		{ PEER_EXPECT, "query-name", NULL, 0 },
		{ PEER_EXPECT, "query-version", NULL, 0 },
		{ PEER_SEND, "query-version", "{\"return\": {\"qemu\": {\"major\": 7}}, \"id\": @ID@}\r\n",
		  0 },
		{ PEER_SEND, "query-name", "{\"return\": {\"name\": \"vm2\"}, \"id\": @ID@}\r\n", 0 },
		{ PEER_SEND, NULL, "{\"return\": {}, \"id\": \"nobody-asked\"}\r\n", 0 },
		{ PEER_SEND, "query-status",
		  "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": @ID@}\r\n", 0 },
	};
	Fixture fx = { 0 };
	GAsyncResult *res[3] = { NULL, NULL, NULL };
	const gchar *commands[3] = { "query-status", "query-name", "query-version" };
	const gchar *expect[3] = { "{\"status\":\"running\",\"running\":true}",
				   "{\"name\":\"vm2\"}", "{\"qemu\":{\"major\":7}}" };

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	for (guint i = 0; i < 3; i++)
		vtier_qmp_client_execute_async(fx.client, commands[i], NULL, NULL,
					       vtier_qmp_store_result, &res[i]);
	/* each reply reaches its own command although they came back reversed */
	for (guint i = 0; i < 3; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) reply = vtier_qmp_client_execute_finish(
			fx.client, vtier_qmp_wait(&res[i]), &error);
		g_autofree gchar *json = NULL;

		g_assert_no_error(error);
		json = json_to_string(reply, FALSE);
		g_assert_cmpstr(json, ==, expect[i]);
		g_clear_object(&res[i]);
	}
	fixture_finish(&fx);
}

static void test_client_events(void)
{
	static const QmpFakeStep steps[] = {
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-status", NULL, 0 },
		{ PEER_SEND, NULL,
		  "{\"timestamp\": {\"seconds\": 1795673652, \"microseconds\": 250327}, "
		  "\"event\": \"STOP\"}\r\n", 0 },
		{ PEER_SEND, NULL,
		  "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}, \"event\": "
		  "\"BALLOON_CHANGE\", \"data\": {\"actual\": 1073741824}}\r\n", 0 },
		{ PEER_SEND, "query-status",
		  "{\"return\": {\"status\": \"paused\", \"running\": false}, \"id\": @ID@}\r\n", 0 },
	};
	Fixture fx = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = NULL;

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	reply = execute(&fx, "query-status", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(fx.events->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(fx.events, 0), ==, "STOP null 1795673652250327");
	g_assert_cmpstr(g_ptr_array_index(fx.events, 1), ==,
			"BALLOON_CHANGE {\"actual\":1073741824} 1000000");
	fixture_finish(&fx);
}

static void test_client_timeout(void)
{
	static const QmpFakeStep steps[] = {
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-status", NULL, 0 },
		{ PEER_EXPECT, "query-name", NULL, 0 },
		/* the late reply to query-status arrives after its timeout and is dropped */
		{ PEER_PAUSE, NULL, NULL, 400 },
		{ PEER_SEND, "query-status",
		  "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": @ID@}\r\n", 0 },
		{ PEER_SEND, "query-name", "{\"return\": {}, \"id\": @ID@}\r\n", 0 },
	};
	Fixture fx = { 0 };
	g_autoptr(GAsyncResult) res1 = NULL;
	g_autoptr(GAsyncResult) res2 = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = NULL;
	g_autofree gchar *name = NULL;

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	vtier_qmp_client_set_timeout(fx.client, 200);
	vtier_qmp_client_execute_async(fx.client, "query-status", NULL, NULL,
				       vtier_qmp_store_result, &res1);
	vtier_qmp_client_set_timeout(fx.client, 3000);
	vtier_qmp_query_name_async(fx.client, NULL, vtier_qmp_store_result, &res2);
	reply = vtier_qmp_client_execute_finish(fx.client, vtier_qmp_wait(&res1), &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_TIMED_OUT);
	g_assert_cmpstr(error->message, ==,
			"QMP command query-status got no reply from QMP fake peer within 200 ms");
	g_clear_error(&error);
	/* the connection survives a timeout; a QEMU without -name answers {} */
	g_assert_true(vtier_qmp_query_name_finish(fx.client, vtier_qmp_wait(&res2), &name,
						  &error));
	g_assert_no_error(error);
	g_assert_null(name);
	g_assert_false(vtier_qmp_client_is_closed(fx.client));
	fixture_finish(&fx);
}

static void test_client_cancel(void)
{
	static const QmpFakeStep steps[] = {
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-status", NULL, 0 },
		{ PEER_PAUSE, NULL, NULL, 100 },
		{ PEER_SEND, "query-status",
		  "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": @ID@}\r\n", 0 },
		{ PEER_EXPECT, "query-name", NULL, 0 },
		{ PEER_SEND, "query-name", "{\"return\": {\"name\": \"n\"}, \"id\": @ID@}\r\n", 0 },
	};
	Fixture fx = { 0 };
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GCancellable) cancelled = g_cancellable_new();
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GAsyncResult) res2 = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = NULL;
	g_autofree gchar *name = NULL;

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	vtier_qmp_client_execute_async(fx.client, "query-status", NULL, cancellable,
				       vtier_qmp_store_result, &res);
	g_cancellable_cancel(cancellable);
	reply = vtier_qmp_client_execute_finish(fx.client, vtier_qmp_wait(&res), &error);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_clear_error(&error);
	/* a cancellable cancelled beforehand: nothing is sent (the script would notice) */
	g_cancellable_cancel(cancelled);
	g_clear_object(&res);
	vtier_qmp_client_execute_async(fx.client, "query-memdev", NULL, cancelled,
				       vtier_qmp_store_result, &res);
	g_clear_pointer(&reply, json_node_unref);
	reply = vtier_qmp_client_execute_finish(fx.client, vtier_qmp_wait(&res), &error);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_clear_error(&error);
	/* the late reply to the cancelled query-status is dropped; the next command works */
	vtier_qmp_query_name_async(fx.client, NULL, vtier_qmp_store_result, &res2);
	g_assert_true(vtier_qmp_query_name_finish(fx.client, vtier_qmp_wait(&res2), &name, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(name, ==, "n");
	fixture_finish(&fx);
}

static void test_client_allowlist(void)
{
	static const QmpFakeStep steps[] = { QMP_FAKE_HANDSHAKE };
	const gchar *refused[] = { "stop", "cont", "quit", "migrate", "object-add",
				   "human-monitor-command", "query-nonexistent", "" };
	Fixture fx = { 0 };

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	/* refused before anything is written: the script would fail on any extra command */
	for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) reply = execute(&fx, refused[i], &error);
		g_autofree gchar *want = g_strdup_printf(
			"QMP command %s is not a read-only query vtier may send", refused[i]);

		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
		g_assert_cmpstr(error->message, ==, want);
	}
	g_assert_true(vtier_qmp_command_is_allowed("query-memdev"));
	fixture_finish(&fx);
}

static void test_client_handshake_errors(void)
{
	static const QmpFakeStep closes[] = { { PEER_CLOSE, NULL, NULL, 0 } };
	static const QmpFakeStep refuses[] = {
		{ PEER_SEND, NULL, QMP_FAKE_GREETING, 0 },
		{ PEER_EXPECT, "qmp_capabilities", NULL, 0 },
		{ PEER_SEND, "qmp_capabilities",
		  "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities "
		  "negotiation is already complete\"}, \"id\": @ID@}\r\n", 0 },
	};
	struct {
		const QmpFakeStep *steps;
		gsize n;
		const gchar *message;
	} cases[] = {
		{ closes, G_N_ELEMENTS(closes),
		  "QMP handshake with QMP fake peer failed: QMP fake peer closed the connection" },
		{ refuses, G_N_ELEMENTS(refuses),
		  "QMP handshake with QMP fake peer failed: QMP command qmp_capabilities failed: "
		  "CommandNotFound: Capabilities negotiation is already complete" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		Fixture fx = { 0 };
		g_autoptr(GAsyncResult) res = NULL;
		g_autoptr(GError) error = NULL;

		fixture_start(&fx, cases[i].steps, cases[i].n);
		vtier_qmp_client_handshake_async(fx.client, NULL, vtier_qmp_store_result, &res);
		g_assert_false(vtier_qmp_client_handshake_finish(fx.client, vtier_qmp_wait(&res),
								 &error));
		g_assert_nonnull(error);
		g_assert_cmpstr(error->message, ==, cases[i].message);
		fixture_finish(&fx);
	}
}

/* libvirt's passthrough, on the test:/// driver (which has no QEMU): the command runs in a worker
 * thread and its failure comes back to the loop as the command's error. */
static void quiet_libvirt(void *user_data, virErrorPtr error)
{
}

static void test_client_libvirt_transport(void)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierQmpClient) client = NULL;
	g_autoptr(JsonNode) reply = NULL;
	virConnectPtr conn;
	virDomainPtr dom;

	virSetErrorFunc(NULL, quiet_libvirt); /* the message reaches the GError instead */
	conn = virConnectOpen("test:///default");
	g_assert_nonnull(conn);
	dom = virDomainLookupByName(conn, "test");
	g_assert_nonnull(dom);
	client = vtier_qmp_client_new_for_libvirt(dom);
	virDomainFree(dom);
	g_assert_cmpstr(vtier_qmp_client_get_peer_name(client), ==, "libvirt domain test");
	vtier_qmp_client_execute_async(client, "query-memdev", NULL, NULL, vtier_qmp_store_result,
				       &res);
	reply = vtier_qmp_client_execute_finish(client, vtier_qmp_wait(&res), &error);
	g_assert_null(reply);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_IO);
	g_assert_cmpstr(error->message, ==,
			"libvirt passthrough of QMP command query-memdev to domain test failed: "
			"this function is not supported by the connection driver: "
			"virDomainQemuMonitorCommand");
	g_clear_error(&error);
	g_clear_object(&res);
	/* the allowlist holds for libvirt too (passthrough would taint the domain anyway) */
	vtier_qmp_client_execute_async(client, "system_reset", NULL, NULL,
				       vtier_qmp_store_result, &res);
	reply = vtier_qmp_client_execute_finish(client, vtier_qmp_wait(&res), &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
	g_clear_object(&client);
	virConnectClose(conn);
}

/* The fake peer itself: an unexpected command and a step never reached each fail the test. */
static void fake_peer_unexpected_command(void)
{
	static const QmpFakeStep steps[] = {
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-name", NULL, 0 },
		{ PEER_SEND, "query-name", "{\"return\": {}, \"id\": @ID@}\r\n", 0 },
	};
	Fixture fx = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = NULL;

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	vtier_qmp_client_set_timeout(fx.client, 300);
	fixture_handshake(&fx);
	reply = execute(&fx, "query-status", &error);
	fixture_finish(&fx);
}

static void fake_peer_unused_step(void)
{
	static const QmpFakeStep steps[] = {
		QMP_FAKE_HANDSHAKE,
		{ PEER_EXPECT, "query-name", NULL, 0 },
	};
	Fixture fx = { 0 };

	fixture_start(&fx, steps, G_N_ELEMENTS(steps));
	fixture_handshake(&fx);
	fixture_finish(&fx);
}

static void test_client_fake_peer_strict(void)
{
	if (g_test_subprocess()) {
		if (g_strcmp0(g_getenv("QMP_FAKE_CASE"), "unexpected") == 0)
			fake_peer_unexpected_command();
		else
			fake_peer_unused_step();
		return;
	}
	g_setenv("QMP_FAKE_CASE", "unexpected", TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed();
	g_test_trap_assert_stderr("*expected command query-name, got {*query-status*");
	g_setenv("QMP_FAKE_CASE", "unused", TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed();
	g_test_trap_assert_stderr("*expected command query-name, got end of file*");
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/qmp-client/status", test_client_status);
	g_test_add_func("/qmp-client/garbage-lines", test_client_garbage_lines);
	g_test_add_func("/qmp-client/partial-lines", test_client_partial_lines);
	g_test_add_func("/qmp-client/error-reply", test_client_error_reply);
	g_test_add_func("/qmp-client/disconnect", test_client_disconnect);
	g_test_add_func("/qmp-client/out-of-order", test_client_out_of_order);
	g_test_add_func("/qmp-client/events", test_client_events);
	g_test_add_func("/qmp-client/timeout", test_client_timeout);
	g_test_add_func("/qmp-client/cancel", test_client_cancel);
	g_test_add_func("/qmp-client/allowlist", test_client_allowlist);
	g_test_add_func("/qmp-client/handshake-errors", test_client_handshake_errors);
	g_test_add_func("/qmp-client/libvirt-transport", test_client_libvirt_transport);
	g_test_add_func("/qmp-client/fake-peer-strict", test_client_fake_peer_strict);
	return g_test_run();
}

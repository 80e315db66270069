/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-qmp"

#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

#include "common/error.h"
#include "qmp/client-private.h"
#include "qmp/framer.h"

typedef enum {
	STATE_AWAIT_GREETING,
	STATE_NEGOTIATING,
	STATE_READY,
	STATE_CLOSED,
} ClientState;

typedef struct {
	VtierQmpClient *client; /* not a reference: the task holds one */
	GTask *task;
	gchar *id;
	gchar *command;
	guint timeout_ms;
	GSource *timeout;
	GMainContext *context;	   /* where the task completes */
	GCancellable *cancellable; /* the caller's, or NULL */
	gulong cancel_handler;
} Pending;

struct _VtierQmpClient {
	GObject parent;
	gchar *peer_name;
	ClientState state;
	/* stream transport */
	GIOStream *stream;
	GCancellable *io_cancel;
	VtierQmpFramer *framer;
	GQueue writes; /* GBytes, the head being written when writing is set */
	gboolean writing;
	GTask *handshake;
	GSource *handshake_timeout;
	gchar *qemu_version;
	guint skipped_lines;
	/* libvirt transport */
	virDomainPtr domain;
	/* both */
	GHashTable *pending; /* id -> Pending */
	guint64 next_id;
	guint timeout_ms;
};

G_DEFINE_TYPE(VtierQmpClient, vtier_qmp_client, G_TYPE_OBJECT)

enum { SIGNAL_EVENT, SIGNAL_CLOSED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

static const gchar *const allowed_commands[] = {
	"qmp_capabilities",
	"query-balloon",
	"query-commands",
	"query-cpus-fast",
	"query-hotpluggable-cpus",
	"query-iothreads",
	"query-kvm",
	"query-memdev",
	"query-memory-devices",
	"query-memory-size-summary",
	"query-name",
	"query-status",
	"query-target",
	"query-uuid",
	"query-version",
};

gboolean vtier_qmp_command_is_allowed(const gchar *command)
{
	for (gsize i = 0; i < G_N_ELEMENTS(allowed_commands); i++)
		if (g_strcmp0(command, allowed_commands[i]) == 0)
			return TRUE;
	return FALSE;
}

/* A timeout on the thread-default context (where the tasks complete), not the global one. */
static GSource *timeout_source_new(guint ms, GSourceFunc func, gpointer data)
{
	GSource *source = g_timeout_source_new(ms);

	g_source_set_callback(source, func, data, NULL);
	g_source_attach(source, g_main_context_get_thread_default());
	return source;
}

static void timeout_source_clear(GSource **source)
{
	if (*source == NULL)
		return;
	g_source_destroy(*source);
	g_clear_pointer(source, g_source_unref);
}

static void pending_free(Pending *p)
{
	/* first: waits for a handler running in another thread */
	if (p->cancel_handler != 0)
		g_cancellable_disconnect(p->cancellable, p->cancel_handler);
	g_clear_object(&p->cancellable);
	g_clear_pointer(&p->context, g_main_context_unref);
	timeout_source_clear(&p->timeout);
	g_clear_object(&p->task);
	g_free(p->id);
	g_free(p->command);
	g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pending, pending_free)

static void fail_all(VtierQmpClient *client, GError *why);

static void vtier_qmp_client_dispose(GObject *object)
{
	VtierQmpClient *client = VTIER_QMP_CLIENT(object);

	if (client->state != STATE_CLOSED) {
		g_autoptr(GError) why = g_error_new(VTIER_ERROR, VTIER_ERROR_IO,
						    "QMP client for %s released", client->peer_name);
		fail_all(client, g_steal_pointer(&why));
	}
	g_clear_object(&client->stream);
	G_OBJECT_CLASS(vtier_qmp_client_parent_class)->dispose(object);
}

static void vtier_qmp_client_finalize(GObject *object)
{
	VtierQmpClient *client = VTIER_QMP_CLIENT(object);

	g_queue_clear_full(&client->writes, (GDestroyNotify)g_bytes_unref);
	g_clear_pointer(&client->pending, g_hash_table_unref);
	g_clear_pointer(&client->framer, vtier_qmp_framer_free);
	g_clear_object(&client->io_cancel);
	g_clear_pointer(&client->domain, sym_virDomainFree);
	g_free(client->peer_name);
	g_free(client->qemu_version);
	G_OBJECT_CLASS(vtier_qmp_client_parent_class)->finalize(object);
}

static void vtier_qmp_client_class_init(VtierQmpClientClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = vtier_qmp_client_dispose;
	object_class->finalize = vtier_qmp_client_finalize;
	signals[SIGNAL_EVENT] = g_signal_new("event", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
					     NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
					     JSON_TYPE_OBJECT, G_TYPE_INT64);
	signals[SIGNAL_CLOSED] = g_signal_new("closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
					      0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void vtier_qmp_client_init(VtierQmpClient *client)
{
	client->pending = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						(GDestroyNotify)pending_free);
	client->io_cancel = g_cancellable_new();
	client->timeout_ms = VTIER_QMP_TIMEOUT_DEFAULT_MS;
	g_queue_init(&client->writes);
}

void vtier_qmp_client_set_timeout(VtierQmpClient *client, guint timeout_ms)
{
	client->timeout_ms = timeout_ms > 0 ? timeout_ms : VTIER_QMP_TIMEOUT_DEFAULT_MS;
}

const gchar *vtier_qmp_client_get_peer_name(VtierQmpClient *client)
{
	return client->peer_name;
}

const gchar *vtier_qmp_client_get_qemu_version(VtierQmpClient *client)
{
	return client->qemu_version;
}

gboolean vtier_qmp_client_is_closed(VtierQmpClient *client)
{
	return client->state == STATE_CLOSED;
}

guint vtier_qmp_client_get_skipped_lines(VtierQmpClient *client)
{
	return client->skipped_lines;
}

/* Fails every pending command (and a handshake in progress) with @why, consumed. */
static void fail_all(VtierQmpClient *client, GError *why)
{
	g_autoptr(GError) owned = why;
	g_autoptr(GList) list = NULL;
	g_autoptr(GTask) handshake = NULL;

	if (client->state == STATE_CLOSED)
		return;
	handshake = g_steal_pointer(&client->handshake);
	g_object_ref(client);
	client->state = STATE_CLOSED;
	g_debug("%s: closing: %s", client->peer_name, why->message);
	g_cancellable_cancel(client->io_cancel);
	timeout_source_clear(&client->handshake_timeout);
	/* shutdown, not close: the cancelled read still owns the fd until its callback ran */
	if (client->stream != NULL && G_IS_SOCKET_CONNECTION(client->stream))
		g_socket_shutdown(g_socket_connection_get_socket(G_SOCKET_CONNECTION(client->stream)),
				  TRUE, TRUE, NULL);
	/* steal first: a callback may re-enter the client */
	list = g_hash_table_get_values(client->pending);
	g_hash_table_steal_all(client->pending);
	for (GList *l = list; l != NULL; l = l->next) {
		g_autoptr(Pending) p = l->data;
		g_autoptr(GTask) task = g_steal_pointer(&p->task);

		g_task_return_new_error(task, VTIER_ERROR, owned->code,
					"QMP command %s got no reply: %s", p->command,
					owned->message);
	}
	if (handshake != NULL)
		g_task_return_new_error(handshake, VTIER_ERROR, owned->code,
					"QMP handshake with %s failed: %s", client->peer_name,
					owned->message);
	g_signal_emit(client, signals[SIGNAL_CLOSED], 0, owned);
	g_object_unref(client);
}

void vtier_qmp_client_close(VtierQmpClient *client)
{
	fail_all(client, g_error_new(VTIER_ERROR, VTIER_ERROR_IO, "connection to %s closed by vtier",
				     client->peer_name));
}

GError *vtier_qmp_error_from_reply(const gchar *command, const gchar *klass, const gchar *desc)
{
	VtierErrorCode code = VTIER_ERROR_FAILED;

	if (g_strcmp0(klass, "CommandNotFound") == 0)
		code = VTIER_ERROR_NOT_SUPPORTED;
	else if (g_strcmp0(klass, "DeviceNotFound") == 0)
		code = VTIER_ERROR_NOT_FOUND;
	return g_error_new(VTIER_ERROR, code, "QMP command %s failed: %s: %s", command, klass, desc);
}

void vtier_qmp_client_complete(VtierQmpClient *client, const gchar *id, JsonNode *reply,
			       GError *error)
{
	g_autoptr(GError) owned = error;
	g_autoptr(Pending) p = NULL;
	g_autoptr(GTask) task = NULL;
	gpointer key = NULL, value = NULL;

	if (id == NULL || !g_hash_table_steal_extended(client->pending, id, &key, &value)) {
		g_debug("%s: dropping reply for id %s, which is not pending", client->peer_name,
			id != NULL ? id : "(none)");
		return;
	}
	p = value;
	task = g_steal_pointer(&p->task);
	if (owned != NULL)
		g_task_return_error(task, g_steal_pointer(&owned));
	else
		g_task_return_pointer(task, json_node_copy(reply), (GDestroyNotify)json_node_unref);
}

static gboolean on_command_timeout(gpointer user_data)
{
	Pending *p = user_data;
	VtierQmpClient *client = p->client;
	g_autofree gchar *id = g_strdup(p->id);

	timeout_source_clear(&p->timeout);
	vtier_qmp_client_complete(client, id, NULL,
				  g_error_new(VTIER_ERROR, VTIER_ERROR_TIMED_OUT,
					      "QMP command %s got no reply from %s within %u ms",
					      p->command, client->peer_name, p->timeout_ms));
	return G_SOURCE_REMOVE;
}

gchar *vtier_qmp_command_to_json(const gchar *command, JsonObject *arguments, const gchar *id)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execute");
	json_builder_add_string_value(b, command);
	if (arguments != NULL) {
		JsonNode *args = json_node_new(JSON_NODE_OBJECT);

		json_node_set_object(args, arguments);
		json_builder_set_member_name(b, "arguments");
		json_builder_add_value(b, args);
	}
	if (id != NULL) {
		json_builder_set_member_name(b, "id");
		json_builder_add_string_value(b, id);
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

static void write_next(VtierQmpClient *client);

static void on_write_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	VtierQmpClient *client = user_data;

	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, NULL, &error)) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return; /* closed (the client may be gone) */
		fail_all(client, g_error_new(VTIER_ERROR, VTIER_ERROR_IO, "cannot write to %s: %s",
					     client->peer_name, error->message));
		return;
	}
	g_bytes_unref(g_queue_pop_head(&client->writes));
	client->writing = FALSE;
	write_next(client);
}

static void write_next(VtierQmpClient *client)
{
	GBytes *head = g_queue_peek_head(&client->writes);
	gsize len = 0;
	gconstpointer data;

	if (client->writing || head == NULL || client->state == STATE_CLOSED)
		return;
	client->writing = TRUE;
	data = g_bytes_get_data(head, &len);
	g_output_stream_write_all_async(g_io_stream_get_output_stream(client->stream), data, len,
					G_PRIORITY_DEFAULT, client->io_cancel, on_write_done,
					client);
}

/* Cancelling a command fails its task at once (G_IO_ERROR_CANCELLED); QEMU still runs it, and its
 * reply is dropped like a late one. The handler may run in any thread, so it only schedules the
 * completion on the task's context. */
typedef struct {
	VtierQmpClient *client;
	gchar *id;
} CancelIdle;

static void cancel_idle_free(CancelIdle *c)
{
	g_object_unref(c->client);
	g_free(c->id);
	g_free(c);
}

static gboolean on_cancel_idle(gpointer user_data)
{
	CancelIdle *c = user_data;

	vtier_qmp_client_complete(c->client, c->id, NULL,
				  g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED,
						      "QMP command cancelled"));
	return G_SOURCE_REMOVE;
}

static void on_cancelled(GCancellable *cancellable, gpointer user_data)
{
	Pending *p = user_data;
	CancelIdle *c = g_new0(CancelIdle, 1);
	g_autoptr(GSource) idle = g_idle_source_new();

	c->client = g_object_ref(p->client);
	c->id = g_strdup(p->id);
	g_source_set_callback(idle, on_cancel_idle, c, (GDestroyNotify)cancel_idle_free);
	g_source_attach(idle, p->context);
}

/* Registers @task as pending under a fresh id and sends the command. */
static void submit(VtierQmpClient *client, const gchar *command, JsonObject *arguments,
		   GTask *task)
{
	Pending *p = g_new0(Pending, 1);

	p->client = client;
	p->task = g_object_ref(task);
	p->id = g_strdup_printf("vtier-%" G_GUINT64_FORMAT, ++client->next_id);
	p->command = g_strdup(command);
	p->timeout_ms = client->timeout_ms;
	p->timeout = timeout_source_new(p->timeout_ms, on_command_timeout, p);
	p->context = g_main_context_ref_thread_default();
	g_hash_table_insert(client->pending, p->id, p);
	if (g_task_get_cancellable(task) != NULL) {
		p->cancellable = g_object_ref(g_task_get_cancellable(task));
		p->cancel_handler = g_cancellable_connect(p->cancellable, G_CALLBACK(on_cancelled),
							  p, NULL);
	}
	if (client->domain != NULL) {
		vtier_qmp_libvirt_submit(client, client->domain, p->id, command, arguments);
	} else {
		g_autofree gchar *json = vtier_qmp_command_to_json(command, arguments, p->id);
		gchar *line = g_strconcat(json, "\r\n", NULL);

		g_debug("%s: -> %s", client->peer_name, json);
		g_queue_push_tail(&client->writes, g_bytes_new_take(line, strlen(line)));
		write_next(client);
	}
}

void vtier_qmp_client_execute_async(VtierQmpClient *client, const gchar *command,
				    JsonObject *arguments, GCancellable *cancellable,
				    GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(client, cancellable, callback, user_data);

	g_task_set_source_tag(task, vtier_qmp_client_execute_async);
	if (!vtier_qmp_command_is_allowed(command)) {
		g_task_return_new_error(task, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED,
					"QMP command %s is not a read-only query vtier may send",
					command);
		return;
	}
	if (client->state != STATE_READY) {
		g_task_return_new_error(task, VTIER_ERROR, VTIER_ERROR_IO,
					"QMP command %s: %s is %s", command, client->peer_name,
					client->state == STATE_CLOSED ? "closed" : "not ready yet");
		return;
	}
	if (g_task_return_error_if_cancelled(task))
		return;
	submit(client, command, arguments, task);
}

JsonNode *vtier_qmp_client_execute_finish(VtierQmpClient *client, GAsyncResult *result,
					  GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, client), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}

static void on_capabilities(GObject *source, GAsyncResult *result, gpointer user_data)
{
	VtierQmpClient *client = VTIER_QMP_CLIENT(source);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = g_task_propagate_pointer(G_TASK(result), &error);
	g_autoptr(GTask) handshake = g_steal_pointer(&client->handshake);

	timeout_source_clear(&client->handshake_timeout);
	if (reply == NULL) {
		if (handshake != NULL)
			g_task_return_new_error(handshake, VTIER_ERROR, error->code,
						"QMP handshake with %s failed: %s",
						client->peer_name, error->message);
		return;
	}
	if (client->state == STATE_NEGOTIATING)
		client->state = STATE_READY;
	if (handshake != NULL)
		g_task_return_boolean(handshake, TRUE);
}

static void take_greeting(VtierQmpClient *client, JsonNode *qmp)
{
	g_autoptr(GTask) task = NULL;
	JsonObject *version = NULL;
	JsonNode *major, *minor, *micro;

	if (client->state != STATE_AWAIT_GREETING) {
		g_debug("%s: unexpected second greeting ignored", client->peer_name);
		return;
	}
	/* {"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 22}, ...}, ...}} */
	if (qmp != NULL && JSON_NODE_HOLDS_OBJECT(qmp)) {
		JsonNode *v = json_object_get_member(json_node_get_object(qmp), "version");
		JsonNode *q = v != NULL && JSON_NODE_HOLDS_OBJECT(v)
				      ? json_object_get_member(json_node_get_object(v), "qemu")
				      : NULL;

		if (q != NULL && JSON_NODE_HOLDS_OBJECT(q))
			version = json_node_get_object(q);
	}
	major = vtier_qmp_json_value(version, "major", G_TYPE_INT64);
	minor = vtier_qmp_json_value(version, "minor", G_TYPE_INT64);
	micro = vtier_qmp_json_value(version, "micro", G_TYPE_INT64);
	if (major != NULL && minor != NULL && micro != NULL)
		client->qemu_version = g_strdup_printf(
			"%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
			json_node_get_int(major), json_node_get_int(minor), json_node_get_int(micro));
	client->state = STATE_NEGOTIATING;
	task = g_task_new(client, NULL, on_capabilities, NULL);
	submit(client, "qmp_capabilities", NULL, task);
}

static void emit_event(VtierQmpClient *client, JsonObject *message, const VtierQmpMessage *msg)
{
	JsonObject *data = NULL;
	JsonObject *ts = NULL;
	gint64 usec = 0;
	JsonNode *ts_node = json_object_get_member(message, "timestamp");

	if (msg->payload != NULL && JSON_NODE_HOLDS_OBJECT(msg->payload))
		data = json_node_get_object(msg->payload);
	if (ts_node != NULL && JSON_NODE_HOLDS_OBJECT(ts_node))
		ts = json_node_get_object(ts_node);
	if (ts != NULL) {
		JsonNode *sec = vtier_qmp_json_value(ts, "seconds", G_TYPE_INT64);
		JsonNode *us = vtier_qmp_json_value(ts, "microseconds", G_TYPE_INT64);

		/* bounded so that a hostile timestamp cannot overflow */
		if (sec != NULL && us != NULL && json_node_get_int(sec) >= 0 &&
		    json_node_get_int(sec) < G_MAXINT32 && json_node_get_int(us) >= 0 &&
		    json_node_get_int(us) < G_USEC_PER_SEC)
			usec = json_node_get_int(sec) * G_USEC_PER_SEC + json_node_get_int(us);
	}
	g_debug("%s: event %s", client->peer_name, msg->event);
	g_signal_emit(client, signals[SIGNAL_EVENT], 0, msg->event, data, usec);
}

static void dispatch(VtierQmpClient *client, JsonObject *message)
{
	g_autoptr(GError) error = NULL;
	VtierQmpMessage msg;
	Pending *p;

	if (!vtier_qmp_message_classify(message, &msg, &error)) {
		g_debug("%s: %s", client->peer_name, error->message);
		client->skipped_lines++;
		return;
	}
	switch (msg.kind) {
	case VTIER_QMP_MESSAGE_GREETING:
		take_greeting(client, msg.payload);
		break;
	case VTIER_QMP_MESSAGE_RETURN:
		vtier_qmp_client_complete(client, msg.id, msg.payload, NULL);
		break;
	case VTIER_QMP_MESSAGE_ERROR:
		p = msg.id != NULL ? g_hash_table_lookup(client->pending, msg.id) : NULL;
		vtier_qmp_client_complete(client, msg.id, NULL,
					  vtier_qmp_error_from_reply(p != NULL ? p->command : "?",
								     msg.error_class,
								     msg.error_desc));
		break;
	case VTIER_QMP_MESSAGE_EVENT:
		emit_event(client, message, &msg);
		break;
	case VTIER_QMP_MESSAGE_LAST:
	default:
		break;
	}
}

static void read_next(VtierQmpClient *client);

static void process_frames(VtierQmpClient *client)
{
	while (client->state != STATE_CLOSED) {
		g_autoptr(JsonObject) message = NULL;
		g_autoptr(GError) error = NULL;
		VtierQmpFrame frame = vtier_qmp_framer_next(client->framer, &message, &error);

		if (frame == VTIER_QMP_FRAME_NONE)
			return;
		if (frame == VTIER_QMP_FRAME_ERROR) {
			g_debug("%s: %s", client->peer_name, error->message);
			client->skipped_lines++;
			continue;
		}
		dispatch(client, message);
	}
}

static void on_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), result,
								   &error);
	VtierQmpClient *client = user_data;
	gsize len = 0;
	gconstpointer data;

	if (bytes == NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* closed (the client may be gone) */
	if (bytes == NULL) {
		fail_all(client, g_error_new(VTIER_ERROR, VTIER_ERROR_IO, "connection to %s lost: %s",
					     client->peer_name, error->message));
		return;
	}
	data = g_bytes_get_data(bytes, &len);
	if (len == 0) {
		fail_all(client, g_error_new(VTIER_ERROR, VTIER_ERROR_IO,
					     "%s closed the connection", client->peer_name));
		return;
	}
	vtier_qmp_framer_feed(client->framer, data, len);
	g_object_ref(client);
	process_frames(client);
	read_next(client);
	g_object_unref(client);
}

static void read_next(VtierQmpClient *client)
{
	if (client->state == STATE_CLOSED)
		return;
	g_input_stream_read_bytes_async(g_io_stream_get_input_stream(client->stream), 64 * 1024,
					G_PRIORITY_DEFAULT, client->io_cancel, on_read, client);
}

VtierQmpClient *vtier_qmp_client_new_for_stream(GIOStream *stream, const gchar *peer_name)
{
	VtierQmpClient *client = g_object_new(VTIER_TYPE_QMP_CLIENT, NULL);

	client->stream = g_object_ref(stream);
	client->peer_name = g_strdup(peer_name);
	client->framer = vtier_qmp_framer_new(VTIER_QMP_LINE_MAX_DEFAULT);
	client->state = STATE_AWAIT_GREETING;
	return client;
}

static gboolean on_handshake_timeout(gpointer user_data)
{
	VtierQmpClient *client = user_data;

	timeout_source_clear(&client->handshake_timeout);
	fail_all(client, g_error_new(VTIER_ERROR, VTIER_ERROR_TIMED_OUT,
				     "no QMP greeting from %s within %u ms", client->peer_name,
				     client->timeout_ms));
	return G_SOURCE_REMOVE;
}

void vtier_qmp_client_handshake_async(VtierQmpClient *client, GCancellable *cancellable,
				      GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(client, cancellable, callback, user_data);

	g_task_set_source_tag(task, vtier_qmp_client_handshake_async);
	if (client->stream == NULL || client->state != STATE_AWAIT_GREETING ||
	    client->handshake != NULL) {
		g_task_return_new_error(task, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
					"QMP handshake with %s: already done or in progress",
					client->peer_name);
		return;
	}
	client->handshake = g_steal_pointer(&task);
	client->handshake_timeout = timeout_source_new(client->timeout_ms, on_handshake_timeout,
						       client);
	read_next(client);
}

gboolean vtier_qmp_client_handshake_finish(VtierQmpClient *client, GAsyncResult *result,
					   GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, client), FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}

typedef struct {
	gchar *path;
	guint timeout_ms;
	VtierQmpClient *client;
} ConnectData;

static void connect_data_free(ConnectData *d)
{
	g_free(d->path);
	g_clear_object(&d->client);
	g_free(d);
}

static void on_connect_handshake(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	ConnectData *d = g_task_get_task_data(task);
	GError *error = NULL;

	if (!vtier_qmp_client_handshake_finish(VTIER_QMP_CLIENT(source), result, &error)) {
		g_task_return_error(task, error);
		return;
	}
	g_task_return_pointer(task, g_steal_pointer(&d->client), g_object_unref);
}

static void on_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	ConnectData *d = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(source),
									 result, &error);
	g_autofree gchar *name = g_strdup_printf("QMP socket %s", d->path);
	GCancellable *cancellable;

	if (conn == NULL) {
		g_task_return_new_error(task, VTIER_ERROR, VTIER_ERROR_IO,
					"cannot connect to QMP socket %s: %s", d->path,
					error->message);
		return;
	}
	d->client = vtier_qmp_client_new_for_stream(G_IO_STREAM(conn), name);
	vtier_qmp_client_set_timeout(d->client, d->timeout_ms);
	cancellable = g_task_get_cancellable(task);
	vtier_qmp_client_handshake_async(d->client, cancellable, on_connect_handshake,
					 g_steal_pointer(&task));
}

void vtier_qmp_client_connect_unix_async(const gchar *path, guint timeout_ms,
					 GCancellable *cancellable, GAsyncReadyCallback callback,
					 gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	ConnectData *d = g_new0(ConnectData, 1);

	d->path = g_strdup(path);
	d->timeout_ms = timeout_ms;
	g_task_set_task_data(task, d, (GDestroyNotify)connect_data_free);
	g_task_set_source_tag(task, vtier_qmp_client_connect_unix_async);
	g_socket_client_connect_async(sc, G_SOCKET_CONNECTABLE(addr), cancellable, on_connected,
				      g_steal_pointer(&task));
}

VtierQmpClient *vtier_qmp_client_connect_unix_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}

gboolean vtier_qmp_client_get_peer_pid(VtierQmpClient *client, gint *ret_pid, GError **error)
{
	g_autoptr(GCredentials) creds = NULL;
	g_autoptr(GError) local = NULL;
	GSocket *socket;
	pid_t pid;

	if (client->stream == NULL || !G_IS_SOCKET_CONNECTION(client->stream)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "%s is not a socket: no peer credentials", client->peer_name);
		return FALSE;
	}
	socket = g_socket_connection_get_socket(G_SOCKET_CONNECTION(client->stream));
	creds = g_socket_get_credentials(socket, &local);
	if (creds != NULL)
		pid = g_credentials_get_unix_pid(creds, &local);
	if (creds == NULL || pid < 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "cannot read the peer credentials of %s: %s", client->peer_name,
			    local->message);
		return FALSE;
	}
	*ret_pid = (gint)pid;
	return TRUE;
}

void vtier_qmp_store_result(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GAsyncResult **ret = user_data;

	*ret = g_object_ref(result);
}

GAsyncResult *vtier_qmp_wait(GAsyncResult **result)
{
	while (*result == NULL)
		g_main_context_iteration(g_main_context_get_thread_default(), TRUE);
	return *result;
}

VtierQmpClient *vtier_qmp_client_new_for_libvirt(virDomainPtr domain)
{
	VtierQmpClient *client = g_object_new(VTIER_TYPE_QMP_CLIENT, NULL);
	g_autoptr(GError) error = NULL;

	/* @domain exists, so libvirt is in the process already: this finds it and cannot fail */
	if (!vtier_libvirt_load(&error))
		g_critical("%s", error->message);
	sym_virDomainRef(domain);
	client->domain = domain;
	client->peer_name = g_strdup_printf("libvirt domain %s", sym_virDomainGetName(domain));
	client->state = STATE_READY;
	return client;
}

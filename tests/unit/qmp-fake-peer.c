/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "qmp-fake-peer.h"

#define PEER_READ_TIMEOUT_MS 5000

struct _QmpFakePeer {
	const QmpFakeStep *steps;
	gsize n_steps;
	gsize done;	     /* steps completed */
	int fd;
	GThread *thread;
	GHashTable *ids;     /* command -> JSON text of its id */
	GString *inbuf;
	gchar *failure;	     /* first failure, reported by finish */
};

static void peer_fail(QmpFakePeer *peer, gchar *msg)
{
	if (peer->failure == NULL)
		peer->failure = msg;
	else
		g_free(msg);
}

/* Reads one line (blocking, with a timeout); NULL on EOF or timeout (@ret_eof tells which). */
static gchar *peer_read_line(QmpFakePeer *peer, gboolean *ret_eof)
{
	*ret_eof = FALSE;
	for (;;) {
		gchar *nl = strchr(peer->inbuf->str, '\n');
		struct pollfd pfd = { .fd = peer->fd, .events = POLLIN };
		gchar buf[4096];
		ssize_t n;

		if (nl != NULL) {
			gchar *line = g_strndup(peer->inbuf->str, nl - peer->inbuf->str);

			g_string_erase(peer->inbuf, 0, nl - peer->inbuf->str + 1);
			return g_strchomp(line);
		}
		if (poll(&pfd, 1, PEER_READ_TIMEOUT_MS) <= 0)
			return NULL;
		n = read(peer->fd, buf, sizeof(buf));
		if (n <= 0) {
			*ret_eof = TRUE;
			return NULL;
		}
		g_string_append_len(peer->inbuf, buf, n);
	}
}

static gboolean peer_expect(QmpFakePeer *peer, const QmpFakeStep *step)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *line = NULL;
	JsonObject *o;
	JsonNode *id;
	gboolean eof;

	line = peer_read_line(peer, &eof);
	if (line == NULL) {
		peer_fail(peer, g_strdup_printf("expected command %s, got %s", step->command,
						eof ? "end of file" : "nothing within 5 s"));
		return FALSE;
	}
	if (!json_parser_load_from_data(parser, line, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		peer_fail(peer, g_strdup_printf("client sent a non-JSON line: %s", line));
		return FALSE;
	}
	o = json_node_get_object(json_parser_get_root(parser));
	if (g_strcmp0(json_object_get_string_member_with_default(o, "execute", ""),
		      step->command) != 0) {
		peer_fail(peer, g_strdup_printf("expected command %s, got %s", step->command, line));
		return FALSE;
	}
	id = json_object_get_member(o, "id");
	g_hash_table_replace(peer->ids, g_strdup(step->command),
			     id != NULL ? json_to_string(id, FALSE) : g_strdup("null"));
	return TRUE;
}

static void peer_send(QmpFakePeer *peer, const QmpFakeStep *step)
{
	g_autofree gchar *text = NULL;
	const gchar *id = step->command != NULL ? g_hash_table_lookup(peer->ids, step->command)
						: NULL;
	g_auto(GStrv) parts = g_strsplit(step->text, "@ID@", -1);
	gsize len, off = 0;

	text = g_strjoinv(id != NULL ? id : "null", parts);
	len = strlen(text);
	while (off < len) {
		ssize_t n = send(peer->fd, text + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			peer_fail(peer, g_strdup_printf("peer cannot send: %s", g_strerror(errno)));
			return;
		}
		off += (gsize)n;
	}
}

static gpointer peer_thread(gpointer data)
{
	QmpFakePeer *peer = data;
	g_autofree gchar *extra = NULL;
	gboolean eof;

	for (; peer->done < peer->n_steps && peer->failure == NULL; peer->done++) {
		const QmpFakeStep *step = &peer->steps[peer->done];

		if (step->kind == PEER_SEND) {
			peer_send(peer, step);
		} else if (step->kind == PEER_EXPECT) {
			if (!peer_expect(peer, step))
				return NULL;
		} else if (step->kind == PEER_PAUSE) {
			g_usleep(step->ms * 1000);
		} else {
			close(peer->fd);
			peer->fd = -1;
		}
	}
	if (peer->fd < 0 || peer->failure != NULL)
		return NULL;
	/* the script ended: anything but end of file is unexpected */
	extra = peer_read_line(peer, &eof);
	if (extra != NULL)
		peer_fail(peer, g_strdup_printf("unexpected command after the script: %s", extra));
	else if (!eof)
		peer_fail(peer, g_strdup("client did not close the connection after the script"));
	return NULL;
}

QmpFakePeer *qmp_fake_peer_new(const QmpFakeStep *steps, gsize n_steps,
			       GIOStream **ret_client_stream)
{
	QmpFakePeer *peer = g_new0(QmpFakePeer, 1);
	g_autoptr(GSocket) sock = NULL;
	g_autoptr(GError) error = NULL;
	int sv[2];

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
	sock = g_socket_new_from_fd(sv[0], &error);
	g_assert_no_error(error);
	*ret_client_stream = G_IO_STREAM(g_socket_connection_factory_create_connection(sock));
	peer->steps = steps;
	peer->n_steps = n_steps;
	peer->fd = sv[1];
	peer->ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	peer->inbuf = g_string_new(NULL);
	peer->thread = g_thread_new("qmp-fake-peer", peer_thread, peer);
	return peer;
}

void qmp_fake_peer_finish(QmpFakePeer *peer)
{
	g_thread_join(peer->thread);
	if (peer->fd >= 0)
		close(peer->fd);
	if (peer->failure == NULL && peer->done < peer->n_steps)
		peer->failure = g_strdup_printf("script step %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
						" never ran",
						peer->done + 1, peer->n_steps);
	g_hash_table_unref(peer->ids);
	g_string_free(peer->inbuf, TRUE);
	/* the message names the step that went wrong */
	g_assert_cmpstr(peer->failure, ==, NULL);
	g_free(peer);
}

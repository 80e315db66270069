/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* struct ucred, accept4 */
#define G_LOG_DOMAIN "vtier-control"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/control.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"

/* The control socket server (control.h): non-blocking on the GLib default main context. Each
 * connection reads into a buffer bounded by VTIER_CONTROL_MAX_LINE, answers one complete line at a
 * time through the synchronous handler, and writes the reply as the peer reads it; a timer closes
 * a connection that has not completed its line (or read its reply) in time. Nothing here blocks,
 * so a silent, slow, oversize or never-reading client only ever holds its own slot. */

struct _VtierControlServer {
	gchar *path;
	gint fd;
	dev_t dev;
	ino_t ino;
	guint accept_source;
	guint accept_pause; /* timer while out of file descriptors */
	guint allowed_gid;
	guint timeout_ms;
	VtierControlHandler handler;
	VtierControlTextHandler text_handler;
	gpointer user_data;
	GPtrArray *clients; /* ControlClient */
};

typedef struct {
	VtierControlServer *server;
	gint fd;
	GByteArray *in;
	GByteArray *out;
	gsize out_done;
	gboolean close_after_write;
	guint io_source;
	guint timer;
	gint64 waiting_since_us; /* since when it owes a line (its accept, or its last reply) */
} ControlClient;

static void client_free(ControlClient *c)
{
	g_clear_handle_id(&c->io_source, g_source_remove);
	g_clear_handle_id(&c->timer, g_source_remove);
	if (c->fd >= 0)
		close(c->fd);
	g_byte_array_unref(c->in);
	g_byte_array_unref(c->out);
	g_free(c);
}

static void client_drop(ControlClient *c)
{
	g_ptr_array_remove_fast(c->server->clients, c); /* frees it */
}

static gboolean on_client_timeout(gpointer user_data)
{
	ControlClient *c = user_data;

	c->timer = 0;
	g_debug("control: closing a connection that took longer than %u ms",
		c->server->timeout_ms);
	client_drop(c);
	return G_SOURCE_REMOVE;
}

static void client_arm_timer(ControlClient *c)
{
	g_clear_handle_id(&c->timer, g_source_remove);
	c->timer = g_timeout_add(c->server->timeout_ms, on_client_timeout, c);
}

static gboolean on_client_io(gint fd, GIOCondition condition, gpointer user_data);

static void client_watch(ControlClient *c, GIOCondition condition)
{
	g_clear_handle_id(&c->io_source, g_source_remove);
	c->io_source = g_unix_fd_add(c->fd, condition, on_client_io, c);
}

/* Answers one request line (without its newline) into the output buffer. */
static void client_answer(ControlClient *c, const gchar *line, gsize len)
{
	g_autoptr(VtierControlRequest) req = NULL;
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *reply = NULL;
	gint64 id = 0;

	req = vtier_control_request_parse(line, len, &id, &error);
	if (req != NULL && c->server->text_handler != NULL) {
		g_autoptr(GBytes) text = c->server->text_handler(req, c->server->user_data);

		if (text != NULL) {
			vtier_control_reply_ok_append_text(c->out, id, text);
			return;
		}
	}
	if (req != NULL && !c->server->handler(req, &result, &error, c->server->user_data) &&
	    error == NULL)
		g_set_error(&error, VTIER_ERROR, VTIER_ERROR_FAILED, "%s failed",
			    vtier_control_command_to_string(req->cmd));
	if (error != NULL) {
		g_debug("control: %s", error->message);
		reply = vtier_control_reply_error(id, error);
	} else {
		reply = vtier_control_reply_ok(id, result);
	}
	g_byte_array_append(c->out, (const guint8 *)reply, (guint)strlen(reply));
}

/* Answers the first complete line in the input, or the oversize error. TRUE when there is now a
 * reply to write. */
static gboolean client_take_line(ControlClient *c)
{
	const guint8 *nl = c->in->len > 0 ? memchr(c->in->data, '\n', c->in->len) : NULL;

	if (nl != NULL) {
		gsize len = (gsize)(nl - c->in->data);

		client_answer(c, (const gchar *)c->in->data, len);
		g_byte_array_remove_range(c->in, 0, (guint)len + 1);
		return TRUE;
	}
	if (c->in->len >= VTIER_CONTROL_MAX_LINE) {
		g_autoptr(GError) error = g_error_new(VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
						      "request longer than %d bytes",
						      VTIER_CONTROL_MAX_LINE);
		g_autofree gchar *reply = vtier_control_reply_error(0, error);

		g_byte_array_append(c->out, (const guint8 *)reply, (guint)strlen(reply));
		g_byte_array_set_size(c->in, 0);
		c->close_after_write = TRUE;
		return TRUE;
	}
	return FALSE;
}

/* Reads what is there; FALSE when the connection is gone. */
static gboolean client_read(ControlClient *c)
{
	guint8 chunk[16384];
	gsize room = VTIER_CONTROL_MAX_LINE - c->in->len;
	ssize_t n = recv(c->fd, chunk, MIN(sizeof(chunk), room), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return TRUE;
	if (n <= 0)
		return FALSE;
	g_byte_array_append(c->in, chunk, (guint)n);
	return TRUE;
}

/* Writes what the peer takes; FALSE when the connection is gone or done. */
static gboolean client_write(ControlClient *c)
{
	ssize_t n = send(c->fd, c->out->data + c->out_done, c->out->len - c->out_done,
			 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return TRUE;
	if (n < 0)
		return FALSE;
	c->out_done += (gsize)n;
	if (c->out_done < c->out->len)
		return TRUE;
	g_byte_array_set_size(c->out, 0);
	c->out_done = 0;
	if (c->close_after_write)
		return FALSE;
	c->waiting_since_us = g_get_monotonic_time();
	client_arm_timer(c); /* the next request gets its own time */
	return TRUE;
}

static gboolean on_client_io(gint fd, GIOCondition condition, gpointer user_data)
{
	ControlClient *c = user_data;
	gboolean alive;

	c->io_source = 0;
	if (c->out->len > 0) {
		alive = client_write(c);
	} else {
		alive = client_read(c);
		if (alive && client_take_line(c))
			client_arm_timer(c); /* now the time to read the reply */
	}
	/* a pipelined next line is answered once this reply is out */
	if (alive && c->out->len == 0 && client_take_line(c))
		client_arm_timer(c);
	if (!alive) {
		client_drop(c);
		return G_SOURCE_REMOVE;
	}
	client_watch(c, c->out->len > 0 ? G_IO_OUT : G_IO_IN);
	return G_SOURCE_REMOVE;
}

/* Whether @pid's supplementary groups (/proc/PID/status "Groups:") hold @gid. */
static gboolean pid_has_group(pid_t pid, guint gid)
{
	g_autofree gchar *pid_text = g_strdup_printf("%d", (gint)pid);
	g_autofree gchar *path = vtier_path_build_host(VTIER_PATH_PROCFS, pid_text, "status", NULL);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!vtier_file_read(path, &text, NULL))
		return FALSE;
	lines = g_strsplit(text, "\n", -1);
	for (gsize i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) groups = NULL;

		if (!g_str_has_prefix(lines[i], "Groups:"))
			continue;
		groups = g_strsplit_set(lines[i] + strlen("Groups:"), " \t", -1);
		for (gsize j = 0; groups[j] != NULL; j++) {
			guint64 value;

			if (groups[j][0] != '\0' && vtier_parse_u64(groups[j], "gid", &value, NULL) &&
			    value == gid)
				return TRUE;
		}
	}
	return FALSE;
}

static gboolean peer_allowed(VtierControlServer *server, gint fd)
{
	struct ucred cred = { 0 };
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return FALSE;
	if (cred.uid == 0 || cred.uid == geteuid())
		return TRUE;
	if (server->allowed_gid == G_MAXUINT)
		return FALSE;
	return cred.gid == server->allowed_gid || pid_has_group(cred.pid, server->allowed_gid);
}

/* Tells a refused peer why, if its socket takes the line at once, and closes. */
static void refuse(gint fd, VtierErrorCode code, const gchar *message)
{
	g_autoptr(GError) error = g_error_new_literal(VTIER_ERROR, code, message);
	g_autofree gchar *reply = vtier_control_reply_error(0, error);

	if (send(fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		g_debug("control: cannot tell a refused client why: %s", g_strerror(errno));
	close(fd);
}

static void server_add_client(VtierControlServer *server, gint fd)
{
	ControlClient *c = g_new0(ControlClient, 1);

	c->server = server;
	c->fd = fd;
	c->in = g_byte_array_new();
	c->out = g_byte_array_new();
	c->waiting_since_us = g_get_monotonic_time();
	g_ptr_array_add(server->clients, c);
	client_watch(c, G_IO_IN);
	client_arm_timer(c);
}

/* With every slot taken, the connection to close for a new one: the one that has waited longest
 * without a complete request (no reply pending: it owes the server a line), else the oldest. So
 * 64 silent connections delay `vtierctl status` by nothing, not by their timeout; a client that
 * is being answered is closed only when every slot is being answered. */
static ControlClient *server_pick_victim(VtierControlServer *server)
{
	ControlClient *idle = NULL, *oldest = NULL;

	for (guint i = 0; i < server->clients->len; i++) {
		ControlClient *c = g_ptr_array_index(server->clients, i);

		if (oldest == NULL || c->waiting_since_us < oldest->waiting_since_us)
			oldest = c;
		if (c->out->len > 0)
			continue; /* being answered */
		if (idle == NULL || c->waiting_since_us < idle->waiting_since_us)
			idle = c;
	}
	return idle != NULL ? idle : oldest;
}

/* Makes a slot for a new connection: tells the closed one why, if it takes the line at once. */
static void server_make_room(VtierControlServer *server)
{
	ControlClient *victim = server_pick_victim(server);

	g_debug("control: %u connections: closing the longest idle one for a new one",
		server->clients->len);
	refuse(victim->fd, VTIER_ERROR_BUSY,
	       "too many connections to vtierd: this idle one was closed to make room");
	victim->fd = -1; /* closed by refuse() */
	client_drop(victim);
}

static gboolean on_accept(gint fd, GIOCondition condition, gpointer user_data);

static gboolean on_accept_resume(gpointer user_data)
{
	VtierControlServer *server = user_data;

	server->accept_pause = 0;
	server->accept_source = g_unix_fd_add(server->fd, G_IO_IN, on_accept, server);
	return G_SOURCE_REMOVE;
}

static gboolean on_accept(gint fd, GIOCondition condition, gpointer user_data)
{
	VtierControlServer *server = user_data;

	/* a bounded number per wakeup, so that a connection storm cannot hog the loop */
	for (guint i = 0; i < VTIER_CONTROL_MAX_CLIENTS; i++) {
		gint client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (client < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
				   errno == ENOMEM)) {
			/* the pending connection stays readable: pause instead of spinning */
			g_debug("control: cannot accept (%s), pausing", g_strerror(errno));
			server->accept_source = 0;
			server->accept_pause = g_timeout_add(100, on_accept_resume, server);
			return G_SOURCE_REMOVE;
		}
		if (client < 0)
			break;
		if (!peer_allowed(server, client)) {
			refuse(client, VTIER_ERROR_PERMISSION_DENIED,
			       "permission denied: only root or the control group may use vtierd");
			continue;
		}
		/* only an allowed peer may push another out */
		if (server->clients->len >= VTIER_CONTROL_MAX_CLIENTS)
			server_make_room(server);
		server_add_client(server, client);
	}
	return G_SOURCE_CONTINUE;
}

/* Makes room for the socket at @path: refuses anything but a stale socket there. */
static gboolean prepare_path(const gchar *path, GError **error)
{
	g_autofree gchar *dir = g_path_get_dirname(path);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	gint probe;
	gboolean live;

	if (g_mkdir_with_parents(dir, 0755) < 0) {
		vtier_error_set_errno(error, errno, "cannot create %s", dir);
		return FALSE;
	}
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return TRUE;
		vtier_error_set_errno(error, errno, "cannot stat %s", path);
		return FALSE;
	}
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
			    "%s exists and is not a socket: refusing to replace it", path);
		return FALSE;
	}
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	live = probe >= 0 && (connect(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0 ||
			      errno == EAGAIN);
	if (probe >= 0)
		close(probe);
	if (live) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
			    "another server is listening on %s (is vtierd already running?)",
			    path);
		return FALSE;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		vtier_error_set_errno(error, errno, "cannot remove the stale socket %s", path);
		return FALSE;
	}
	return TRUE;
}

/* Binds and listens, the socket file created 0600 then given its final mode and group. */
static gboolean server_listen(VtierControlServer *server, GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	gboolean group = server->allowed_gid != G_MAXUINT;
	struct stat st;
	mode_t old_mask;
	gint rc;

	g_strlcpy(addr.sun_path, server->path, sizeof(addr.sun_path));
	server->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (server->fd < 0) {
		vtier_error_set_errno(error, errno, "cannot create a unix socket");
		return FALSE;
	}
	old_mask = umask(0177);
	rc = bind(server->fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_mask);
	if (rc < 0) {
		vtier_error_set_errno(error, errno, "cannot bind %s", server->path);
		return FALSE;
	}
	if ((group && chown(server->path, (uid_t)-1, (gid_t)server->allowed_gid) < 0) ||
	    chmod(server->path, group ? 0660 : 0600) < 0 || lstat(server->path, &st) < 0) {
		vtier_error_set_errno(error, errno, "cannot set the owner and mode of %s",
				      server->path);
		unlink(server->path);
		return FALSE;
	}
	server->dev = st.st_dev;
	server->ino = st.st_ino;
	if (listen(server->fd, 64) < 0) {
		vtier_error_set_errno(error, errno, "cannot listen on %s", server->path);
		unlink(server->path);
		return FALSE;
	}
	return TRUE;
}

VtierControlServer *vtier_control_server_new(const gchar *path, guint allowed_gid,
					     VtierControlHandler handler, gpointer user_data,
					     GError **error)
{
	g_autoptr(VtierControlServer) server = g_new0(VtierControlServer, 1);

	server->fd = -1;
	server->path = g_strdup(path);
	server->allowed_gid = allowed_gid;
	server->handler = handler;
	server->user_data = user_data;
	server->timeout_ms = VTIER_CONTROL_REQUEST_TIMEOUT_MS;
	server->clients = g_ptr_array_new_with_free_func((GDestroyNotify)client_free);
	if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "%s is longer than a unix socket path may be", path);
		return NULL;
	}
	if (!prepare_path(path, error) || !server_listen(server, error)) {
		g_prefix_error(error, "control socket: ");
		return NULL;
	}
	server->accept_source = g_unix_fd_add(server->fd, G_IO_IN, on_accept, server);
	return g_steal_pointer(&server);
}

void vtier_control_server_free(VtierControlServer *server)
{
	struct stat st;

	if (server == NULL)
		return;
	g_clear_handle_id(&server->accept_source, g_source_remove);
	g_clear_handle_id(&server->accept_pause, g_source_remove);
	g_clear_pointer(&server->clients, g_ptr_array_unref);
	if (server->fd >= 0) {
		close(server->fd);
		/* only our own socket: a newer server may have replaced it */
		if (lstat(server->path, &st) == 0 && st.st_dev == server->dev &&
		    st.st_ino == server->ino)
			unlink(server->path);
	}
	g_free(server->path);
	g_free(server);
}

void vtier_control_server_set_text_handler(VtierControlServer *server,
					   VtierControlTextHandler text_handler)
{
	server->text_handler = text_handler;
}

void vtier_control_server_set_timeout(VtierControlServer *server, guint timeout_ms)
{
	server->timeout_ms = MAX(timeout_ms, 1);
}

guint vtier_control_server_get_n_clients(const VtierControlServer *server)
{
	return server->clients->len;
}

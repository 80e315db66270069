/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-control"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/control.h"
#include "common/error.h"

/* The blocking control client (control.h): one connection, one request, one reply, all within
 * one deadline kept with poll(), so that a wedged vtierd costs a caller at most its timeout. */

typedef struct {
	const gchar *path;
	gint fd;
	gint64 deadline; /* monotonic microseconds */
	guint timeout_ms;
	gboolean unreachable;
} ControlCall;

static void control_call_clear(ControlCall *call)
{
	if (call->fd >= 0)
		close(call->fd);
	call->fd = -1;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ControlCall, control_call_clear)

static void set_unreachable(ControlCall *call, GError **error, int errnum)
{
	call->unreachable = TRUE;
	g_set_error(error, VTIER_ERROR, vtier_error_code_from_errno(errnum),
		    "cannot reach vtierd at %s: %s (is vtierd running?)", call->path,
		    g_strerror(errnum));
}

static void set_timed_out(ControlCall *call, GError **error, const gchar *what)
{
	call->unreachable = TRUE;
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_TIMED_OUT,
		    "vtierd at %s did not %s within %u ms (is vtierd running?)", call->path, what,
		    call->timeout_ms);
}

/* Waits for @events on the call's socket until its deadline; FALSE when the time is up. */
static gboolean wait_fd(ControlCall *call, short events, gint *ret_errno)
{
	for (;;) {
		gint64 left = call->deadline - g_get_monotonic_time();
		struct pollfd pfd = { .fd = call->fd, .events = events };
		int n;

		if (left <= 0)
			return FALSE;
		n = poll(&pfd, 1, (int)MAX(1, left / 1000));
		if (n > 0)
			return TRUE;
		if (n < 0 && errno != EINTR) {
			*ret_errno = errno;
			return TRUE;
		}
	}
}

static gboolean call_connect(ControlCall *call, GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (strlen(call->path) >= sizeof(addr.sun_path)) {
		call->unreachable = TRUE;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "cannot reach vtierd at %s: the path is longer than a unix socket "
			    "allows",
			    call->path);
		return FALSE;
	}
	g_strlcpy(addr.sun_path, call->path, sizeof(addr.sun_path));
	call->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (call->fd < 0) {
		set_unreachable(call, error, errno);
		return FALSE;
	}
	/* a full backlog answers EAGAIN at once: retry until the deadline */
	while (connect(call->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			set_unreachable(call, error, errno);
			return FALSE;
		}
		if (g_get_monotonic_time() >= call->deadline) {
			set_timed_out(call, error, "accept the connection");
			return FALSE;
		}
		g_usleep(2000);
	}
	return TRUE;
}

static gboolean call_send(ControlCall *call, const gchar *line, GError **error)
{
	gsize len = strlen(line), done = 0;

	while (done < len) {
		gint err = 0;
		ssize_t n;

		if (!wait_fd(call, POLLOUT, &err)) {
			set_timed_out(call, error, "take the request");
			return FALSE;
		}
		n = send(call->fd, line + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 || err != 0) {
			set_unreachable(call, error, n < 0 ? errno : err);
			return FALSE;
		}
		done += (gsize)n;
	}
	return TRUE;
}

/* Reads up to and including the first newline; FALSE on EOF, error, size limit or deadline. */
static gboolean call_receive(ControlCall *call, GByteArray *buf, GError **error)
{
	guint8 chunk[16384];

	while (buf->len == 0 || memchr(buf->data, '\n', buf->len) == NULL) {
		gint err = 0;
		ssize_t n;

		if (buf->len >= VTIER_CONTROL_MAX_REPLY) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "vtierd at %s sent a reply longer than %d bytes", call->path,
				    VTIER_CONTROL_MAX_REPLY);
			return FALSE;
		}
		if (!wait_fd(call, POLLIN, &err)) {
			set_timed_out(call, error, "answer");
			return FALSE;
		}
		n = recv(call->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 || err != 0) {
			set_unreachable(call, error, n < 0 ? errno : err);
			return FALSE;
		}
		if (n == 0) {
			call->unreachable = TRUE;
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO,
				    "vtierd at %s closed the connection before a whole answer",
				    call->path);
			return FALSE;
		}
		g_byte_array_append(buf, chunk, (guint)n);
	}
	return TRUE;
}

gboolean vtier_control_call_full(const gchar *path, const VtierControlRequest *request,
				 guint timeout_ms, JsonNode **ret_result, gboolean *ret_unreachable,
				 GError **error)
{
	g_auto(ControlCall) call = { .path = path, .fd = -1, .timeout_ms = timeout_ms };
	g_autoptr(GByteArray) buf = g_byte_array_new();
	g_autofree gchar *line = vtier_control_request_to_line(request);
	gboolean ok = FALSE;
	const guint8 *nl;

	call.deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	if (call_connect(&call, error) && call_send(&call, line, error) &&
	    call_receive(&call, buf, error)) {
		nl = memchr(buf->data, '\n', buf->len);
		ok = vtier_control_reply_parse((const gchar *)buf->data,
					       (gsize)(nl - buf->data) + 1, request->id,
					       ret_result, error);
	}
	if (ret_unreachable != NULL)
		*ret_unreachable = !ok && call.unreachable;
	return ok;
}

gboolean vtier_control_call(const gchar *path, const VtierControlRequest *request,
			    guint timeout_ms, JsonNode **ret_result, GError **error)
{
	return vtier_control_call_full(path, request, timeout_ms, ret_result, NULL, error);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control protocol (src/common/control*.c): the codec's round trips and every class of
 * request it refuses, the client's errors, and the server on a real socket in a temporary
 * directory against hostile clients (silent, slow, oversize, garbage, never reading, many at
 * once), each while another client still gets its answer promptly. */
#include "config.h"

#include <poll.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/control.h"
#include "common/error.h"
#include "common/json.h"
#include "vtier-test.h"

/* How long an answer to a well-behaved client may take while hostile ones are connected: below
 * the server's per-connection timeout (1500 ms here), so a server that waited on a hostile client
 * would fail it, with room for a loaded machine. */
#define PROMPT_MS 1000

/* ---- codec ---- */

static VtierControlRequest *parse_text(const gchar *text, gint64 *ret_id, GError **error)
{
	return vtier_control_request_parse(text, strlen(text), ret_id, error);
}

static VtierControlRequest *roundtrip(const VtierControlRequest *req)
{
	g_autofree gchar *line = vtier_control_request_to_line(req);
	g_autoptr(GError) error = NULL;
	VtierControlRequest *back;
	gint64 id = -1;

	g_assert_true(g_str_has_suffix(line, "\n"));
	g_assert_true(strchr(line, '\n') == line + strlen(line) - 1); /* one line */
	back = vtier_control_request_parse(line, strlen(line), &id, &error);
	g_assert_no_error(error);
	g_assert_nonnull(back);
	g_assert_cmpint(id, ==, req->id);
	g_assert_cmpint(back->cmd, ==, req->cmd);
	return back;
}

static void test_request_roundtrip(void)
{
	g_autoptr(VtierControlRequest) attach = vtier_control_request_new(VTIER_CONTROL_CMD_ATTACH);
	g_autoptr(VtierControlRequest) hook = vtier_control_request_new(VTIER_CONTROL_CMD_HOOK);
	g_autoptr(VtierControlRequest) status = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(VtierControlRequest) back = NULL;
	g_autofree gchar *line = NULL;

	for (guint cmd = 0; cmd < VTIER_CONTROL_CMD_LAST; cmd++) {
		VtierControlCommand parsed;

		g_assert_true(vtier_control_command_from_string(
		    vtier_control_command_to_string(cmd), &parsed));
		g_assert_cmpint(parsed, ==, cmd);
	}
	attach->id = -42;
	attach->name = g_strdup("web \"1\"\n\x1b[31m\xc3\xa9");
	attach->pid = 4242;
	attach->policy = g_strdup("<policy mode='ratio'/>\n");
	back = roundtrip(attach);
	g_assert_cmpstr(back->name, ==, attach->name);
	g_assert_cmpint(back->pid, ==, 4242);
	g_assert_cmpstr(back->policy, ==, attach->policy);
	g_assert_null(back->qmp);
	g_clear_pointer(&back, vtier_control_request_free);

	hook->id = G_MAXINT64;
	hook->name = g_strdup("../x");
	hook->operation = g_strdup("prepare");
	hook->sub_operation = g_strdup("begin");
	hook->extra = g_strdup("-");
	hook->xml_truncated = TRUE;
	back = roundtrip(hook);
	g_assert_true(back->xml_truncated);
	g_assert_cmpstr(back->operation, ==, "prepare");
	g_assert_cmpstr(back->sub_operation, ==, "begin");
	g_assert_cmpstr(back->xml, ==, ""); /* absent XML is empty */
	g_clear_pointer(&back, vtier_control_request_free);

	/* the default view is not written: the line an older vtierd reads */
	line = vtier_control_request_to_line(status);
	g_assert_null(strstr(line, "view"));
	status->view = VTIER_CONTROL_VIEW_TABLE;
	back = roundtrip(status);
	g_assert_cmpint(back->view, ==, VTIER_CONTROL_VIEW_TABLE);
	g_clear_pointer(&back, vtier_control_request_free);
	status->view = VTIER_CONTROL_VIEW_TEXT;
	back = roundtrip(status);
	g_assert_cmpint(back->view, ==, VTIER_CONTROL_VIEW_TEXT);
}

typedef struct {
	const gchar *line;
	gint code;
	const gchar *message_part;
} Rejection;

static void test_request_rejections(void)
{
	const Rejection cases[] = {
	    {"", VTIER_ERROR_PARSE, "not a JSON object"},
	    {"garbage", VTIER_ERROR_PARSE, "not JSON"},
	    {"[1,2]", VTIER_ERROR_PARSE, "not a JSON object"},
	    {"{\"v\":1,\"cmd\":\"ping\"}\n{}", VTIER_ERROR_PARSE, "several lines"},
	    {"{\"v\":1,\"cmd\":\"ping\"}\r", VTIER_ERROR_PARSE, "several lines"},
	    {"{\"v\":1,\"cmd\":\"pi\xff\"}", VTIER_ERROR_PARSE, "UTF-8"},
	    {"{\"v\":1,\"cmd\":\"explain\",\"args\":{\"name\":\"a\\u0000b\"}}", VTIER_ERROR_PARSE,
	     "NUL"},
	    /* json-glib reads "\666" as an octal escape: not UTF-8 once read (fuzz-control) */
	    {"{\"v\":1,\"cmd\":\"hook\",\"args\":{\"name\":\"a\",\"operation\":\"prepare\","
	     "\"xml\":\"<d\\\\\\66666>\"}}",
	     VTIER_ERROR_INVALID_ARGUMENT, "not valid UTF-8"},
	    {"{\"id\":3}", VTIER_ERROR_INVALID_ARGUMENT, "v: missing"},
	    {"{\"v\":2,\"id\":3,\"cmd\":\"ping\"}", VTIER_CONTROL_ERROR_UNSUPPORTED, "version 2"},
	    {"{\"v\":\"1\",\"cmd\":\"ping\"}", VTIER_ERROR_INVALID_ARGUMENT, "v: expected"},
	    {"{\"v\":1}", VTIER_ERROR_INVALID_ARGUMENT, "cmd: missing"},
	    {"{\"v\":1,\"cmd\":\"format-disk\"}", VTIER_ERROR_INVALID_ARGUMENT, "unknown command"},
	    {"{\"v\":1,\"cmd\":7}", VTIER_ERROR_INVALID_ARGUMENT, "expected a string"},
	    {"{\"v\":1,\"id\":1.5,\"cmd\":\"ping\"}", VTIER_ERROR_INVALID_ARGUMENT, "id"},
	    {"{\"v\":1,\"cmd\":\"ping\",\"x\":1}", VTIER_ERROR_INVALID_ARGUMENT, "unknown member"},
	    {"{\"v\":1,\"cmd\":\"ping\",\"args\":{\"name\":\"a\"}}", VTIER_ERROR_INVALID_ARGUMENT,
	     "args.name: unknown member"},
	    {"{\"v\":1,\"cmd\":\"ping\",\"args\":[]}", VTIER_ERROR_INVALID_ARGUMENT,
	     "expected an object"},
	    {"{\"v\":1,\"cmd\":\"status\",\"args\":{\"view\":\"tabl\"}}",
	     VTIER_ERROR_INVALID_ARGUMENT, "args.view: expected \"full\", \"table\" or \"text\""},
	    {"{\"v\":1,\"cmd\":\"dump\",\"args\":{\"view\":\"table\"}}",
	     VTIER_ERROR_INVALID_ARGUMENT, "args.view: unknown member"},
	    {"{\"v\":1,\"cmd\":\"explain\"}", VTIER_ERROR_INVALID_ARGUMENT, "name: missing"},
	    {"{\"v\":1,\"cmd\":\"explain\",\"args\":{\"name\":\"\"}}", VTIER_ERROR_INVALID_ARGUMENT,
	     "empty"},
	    {"{\"v\":1,\"cmd\":\"detach\",\"args\":{\"name\":null}}", VTIER_ERROR_INVALID_ARGUMENT,
	     "expected a value"},
	    {"{\"v\":1,\"cmd\":\"detach\",\"args\":{\"name\":1}}", VTIER_ERROR_INVALID_ARGUMENT,
	     "expected a string"},
	    {"{\"v\":1,\"cmd\":\"attach\",\"args\":{\"name\":\"a\"}}", VTIER_ERROR_INVALID_ARGUMENT,
	     "exactly one of pid and qmp"},
	    {"{\"v\":1,\"cmd\":\"attach\",\"args\":{\"name\":\"a\",\"pid\":1,\"qmp\":\"/q\"}}",
	     VTIER_ERROR_INVALID_ARGUMENT, "exactly one of pid and qmp"},
	    {"{\"v\":1,\"cmd\":\"attach\",\"args\":{\"name\":\"a\",\"pid\":-5}}",
	     VTIER_ERROR_INVALID_ARGUMENT, "positive"},
	    {"{\"v\":1,\"cmd\":\"attach\",\"args\":{\"name\":\"a\",\"pid\":99999999999}}",
	     VTIER_ERROR_INVALID_ARGUMENT, "out of range"},
	    {"{\"v\":1,\"cmd\":\"attach\",\"args\":{\"name\":\"a\",\"pid\":1,\"policy\":\"<p/>\","
	     "\"template\":\"t\"}}",
	     VTIER_ERROR_INVALID_ARGUMENT, "at most one of policy and template"},
	    {"{\"v\":1,\"cmd\":\"hook\",\"args\":{\"name\":\"a\"}}", VTIER_ERROR_INVALID_ARGUMENT,
	     "operation: missing"},
	    {"{\"v\":1,\"cmd\":\"hook\",\"args\":{\"name\":\"a\",\"operation\":\"start\","
	     "\"xml\":[]}}",
	     VTIER_ERROR_INVALID_ARGUMENT, "xml"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierControlRequest) req = parse_text(cases[i].line, NULL, &error);

		g_test_message("case %" G_GSIZE_FORMAT ": %s", i, cases[i].line);
		g_assert_null(req);
		g_test_message("-> %s", error->message);
		g_assert_error(error, VTIER_ERROR, cases[i].code);
		g_assert_nonnull(strstr(error->message, cases[i].message_part));
	}
}

/* The nesting check that the control protocol and the QMP framer share: brackets inside strings
 * (escaped quotes included) do not count, a closing bracket with nothing open is ignored, the
 * limit itself is allowed. */
static void test_json_nesting(void)
{
	static const struct {
		const gchar *text;
		guint max;
		gboolean within;
	} cases[] = {
		{ "", 0, TRUE },
		{ "1", 0, TRUE },
		{ "{}", 0, FALSE },
		{ "{}", 1, TRUE },
		{ "{\"a\":[[1]]}", 3, TRUE },
		{ "{\"a\":[[1]]}", 2, FALSE },
		{ "[\"[[[[\"]", 1, TRUE },
		{ "[\"\\\"[[[\"]", 1, TRUE },
		{ "[\"\\\\\",[[1]]]", 2, FALSE },
		{ "]]]][", 1, TRUE },
		{ "[][][][]", 1, TRUE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("%s within %u", cases[i].text, cases[i].max);
		g_assert_cmpint(vtier_json_text_nesting_within(cases[i].text, strlen(cases[i].text),
							       cases[i].max), ==, cases[i].within);
	}
}

/* NUL bytes, oversize lines and deep nesting are refused before JSON parsing; the id of a
 * refused request is still echoed when it could be read. */
static void test_request_limits(void)
{
	const gchar nul[] = "{\"v\":1,\"cmd\":\"ping\"}\0";
	g_autoptr(GString) big = g_string_new("{\"v\":1,\"id\":9,\"cmd\":\"explain\",\"args\":{\"name\":\"");
	g_autoptr(GString) deep = g_string_new(NULL);
	g_autoptr(GString) name = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierControlRequest) req = NULL;
	gint64 id = -1;

	req = vtier_control_request_parse(nul, sizeof(nul) - 1, &id, &error);
	g_assert_null(req);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_clear_error(&error);

	for (guint i = 0; i < VTIER_CONTROL_MAX_LINE; i++)
		g_string_append_c(big, 'x');
	g_string_append(big, "\"}}");
	req = vtier_control_request_parse(big->str, big->len, &id, &error);
	g_assert_null(req);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "longer than"));
	g_clear_error(&error);

	for (guint i = 0; i < 5000; i++)
		g_string_append_c(deep, '[');
	req = vtier_control_request_parse(deep->str, deep->len, &id, &error);
	g_assert_null(req);
	g_assert_nonnull(strstr(error->message, "nests deeper"));
	g_clear_error(&error);

	/* many shallow siblings are not depth: a status of 100 guests is 4 levels deep */
	{
		g_autoptr(GString) wide = g_string_new("{\"v\":1,\"id\":5,\"ok\":true,\"result\":{\"g\":[");
		g_autoptr(JsonNode) result = NULL;

		for (guint i = 0; i < 100; i++)
			g_string_append_printf(wide, "%s{\"a\":[{\"b\":[1]}]}", i ? "," : "");
		g_string_append(wide, "]}}");
		g_assert_true(vtier_control_reply_parse(wide->str, wide->len, 5, &result, &error));
		g_assert_no_error(error);
	}

	g_string_append(name, "{\"v\":1,\"id\":77,\"cmd\":\"detach\",\"args\":{\"name\":\"");
	for (guint i = 0; i <= VTIER_CONTROL_MAX_NAME; i++)
		g_string_append_c(name, 'n');
	g_string_append(name, "\"}}\n");
	req = vtier_control_request_parse(name->str, name->len, &id, &error);
	g_assert_null(req);
	g_assert_nonnull(strstr(error->message, "too long"));
	g_assert_cmpint(id, ==, 77);
	g_clear_error(&error);

	/* an escaped backslash before "u0000" is text, not a NUL */
	req = parse_text("{\"v\":1,\"cmd\":\"explain\",\"args\":{\"name\":\"a\\\\u0000\"}}\n", &id,
			 &error);
	g_assert_no_error(error);
	g_assert_cmpstr(req->name, ==, "a\\u0000");
}

static void test_reply_roundtrip(void)
{
	g_autoptr(JsonNode) result = json_from_string("{\"guests\":[{\"name\":\"a\\nb\"}]}", NULL);
	g_autoptr(JsonNode) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ok = vtier_control_reply_ok(5, result);
	g_autofree gchar *empty = vtier_control_reply_ok(6, NULL);

	g_assert_nonnull(result);
	g_assert_true(strchr(ok, '\n') == ok + strlen(ok) - 1);
	g_assert_true(vtier_control_reply_parse(ok, strlen(ok), 5, &back, &error));
	g_assert_no_error(error);
	g_assert_true(json_node_equal(back, result));
	g_clear_pointer(&back, json_node_unref);
	g_assert_true(vtier_control_reply_parse(empty, strlen(empty), 6, &back, &error));
	g_assert_cmpuint(json_object_get_size(json_node_get_object(back)), ==, 0);
	/* the id must match */
	g_assert_false(vtier_control_reply_parse(ok, strlen(ok), 4, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
}

/* A result encoded ahead (vtierd's status, once per snapshot) makes the very line
 * vtier_control_reply_ok() makes from its node. */
static void test_reply_text(void)
{
	g_autoptr(JsonNode) result = json_from_string(
		"{\"guests\":[{\"name\":\"a\\nb \\u00e9\",\"n\":-3}],\"x\":null}", NULL);
	g_autofree gchar *text = json_to_string(result, FALSE);
	g_autoptr(GBytes) bytes = g_bytes_new(text, strlen(text));
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree gchar *expected = vtier_control_reply_ok(-7, result);

	vtier_control_reply_ok_append_text(out, -7, bytes);
	g_byte_array_append(out, (const guint8 *)"", 1);
	g_assert_cmpstr((const gchar *)out->data, ==, expected);
}

static void test_reply_errors(void)
{
	for (gint code = 0; code <= VTIER_CONTROL_ERROR_UNSUPPORTED; code++) {
		g_autoptr(GError) sent = g_error_new(VTIER_ERROR, code, "why %d", code);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *line = vtier_control_reply_error(11, sent);
		gint expected = code == VTIER_CONTROL_ERROR_UNSUPPORTED ? VTIER_ERROR_NOT_SUPPORTED
									: code;

		g_assert_cmpint(vtier_error_code_from_control(vtier_error_code_to_control(code)), ==,
				expected);
		g_assert_false(vtier_control_reply_parse(line, strlen(line), 11, NULL, &error));
		g_assert_error(error, VTIER_ERROR, expected);
		g_assert_cmpstr(error->message, ==, sent->message);
	}
	g_assert_cmpstr(vtier_error_code_to_control(VTIER_CONTROL_ERROR_UNSUPPORTED), ==,
			"unsupported");
	g_assert_cmpstr(vtier_error_code_to_control(-3), ==, "failed");
	g_assert_cmpint(vtier_error_code_from_control("no-such-code"), ==, VTIER_ERROR_FAILED);
	{
		/* an error of another domain travels as "failed" with its message */
		g_autoptr(GError) other = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "x");
		g_autofree gchar *line = vtier_control_reply_error(1, other);

		g_assert_nonnull(strstr(line, "\"failed\""));
	}
}

static void test_reply_malformed(void)
{
	const gchar *cases[] = {
		"{\"v\":1,\"id\":1}",
		"{\"v\":1,\"id\":1,\"ok\":true}",
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{},\"error\":{}}",
		"{\"v\":1,\"id\":1,\"ok\":false}",
		"{\"v\":1,\"id\":1,\"ok\":false,\"error\":{\"code\":\"io\"}}",
		"{\"v\":1,\"id\":1,\"ok\":false,\"error\":{\"code\":\"io\",\"message\":\"m\",\"x\":1}}",
		"{\"v\":2,\"id\":1,\"ok\":true,\"result\":{}}",
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{},\"extra\":1}",
		"{\"v\":1,\"id\":1,\"ok\":\"yes\",\"result\":{}}",
		"[]",
		"not json",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) result = NULL;

		g_test_message("reply %s", cases[i]);
		g_assert_false(
		    vtier_control_reply_parse(cases[i], strlen(cases[i]), 1, &result, &error));
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
		g_assert_null(result);
	}
}

/* ---- server ---- */

typedef struct {
	gchar *dir;
	gchar *path;
	VtierControlServer *server;
	GMainLoop *loop;
	GThread *thread;
	guint handled;
	guint texts;
} Fixture;

static gboolean test_handler(const VtierControlRequest *req, JsonNode **ret_result,
			     GError **error, gpointer user_data)
{
	Fixture *fx = user_data;
	g_autoptr(JsonBuilder) b = json_builder_new();

	g_atomic_int_inc(&fx->handled);
	json_builder_begin_object(b);
	switch (req->cmd) {
	case VTIER_CONTROL_CMD_PING:
		json_builder_set_member_name(b, "version");
		json_builder_add_string_value(b, "test");
		break;
	case VTIER_CONTROL_CMD_DUMP: {
		/* 4 MiB: far more than a socket buffer holds */
		g_autofree gchar *big = g_strnfill(4 * 1024 * 1024, 'd');

		json_builder_set_member_name(b, "big");
		json_builder_add_string_value(b, big);
		break;
	}
	case VTIER_CONTROL_CMD_EXPLAIN:
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND, "no guest \"%s\"",
			    req->name);
		return FALSE;
	default:
		break;
	}
	json_builder_end_object(b);
	*ret_result = json_builder_get_root(b);
	return TRUE;
}

/* Answers ping from "encoded" text when the request's id is 42 (the server's owner decides). */
static GBytes *test_text_handler(const VtierControlRequest *req, gpointer user_data)
{
	Fixture *fx = user_data;

	if (req->cmd != VTIER_CONTROL_CMD_PING || req->id != 42)
		return NULL;
	g_atomic_int_inc(&fx->texts);
	return g_bytes_new_static("{\"version\":\"text\"}", strlen("{\"version\":\"text\"}"));
}

static gpointer loop_thread(gpointer user_data)
{
	Fixture *fx = user_data;

	g_main_context_push_thread_default(NULL);
	g_main_loop_run(fx->loop);
	return NULL;
}

static gboolean quit_loop(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

static void fixture_setup(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	fx->dir = g_dir_make_tmp("vtier-control-XXXXXX", &error);
	g_assert_no_error(error);
	fx->path = g_build_filename(fx->dir, "run", "vtier", "control", NULL);
	fx->server = vtier_control_server_new(fx->path, G_MAXUINT, test_handler, fx, &error);
	g_assert_no_error(error);
	vtier_control_server_set_timeout(fx->server, 1500);
	fx->loop = g_main_loop_new(NULL, FALSE);
	fx->thread = g_thread_new("control-loop", loop_thread, fx);
}

static void fixture_teardown(Fixture *fx, gconstpointer data)
{
	g_idle_add(quit_loop, fx->loop);
	g_thread_join(fx->thread);
	g_clear_pointer(&fx->server, vtier_control_server_free);
	g_assert_false(g_file_test(fx->path, G_FILE_TEST_EXISTS)); /* removed */
	g_main_loop_unref(fx->loop);
	vtier_test_rm_rf(fx->dir);
	g_free(fx->path);
	g_free(fx->dir);
}

/* A raw connection, for the hostile clients. */
static gint raw_connect(const gchar *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	gint fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	return fd;
}

static void raw_send(gint fd, const gchar *text)
{
	g_assert_cmpint(send(fd, text, strlen(text), MSG_NOSIGNAL), ==, (gssize)strlen(text));
}

/* Reads until a newline or EOF, at most @timeout_ms; the text read. */
static gchar *raw_read_line(gint fd, guint timeout_ms, gboolean *ret_eof)
{
	GString *text = g_string_new(NULL);
	gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
	struct timeval tv = { .tv_usec = 50000 };

	*ret_eof = FALSE;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (g_get_monotonic_time() < deadline && strchr(text->str, '\n') == NULL) {
		gchar buf[4096];
		gssize n = recv(fd, buf, sizeof(buf), 0);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			*ret_eof = TRUE;
			break;
		}
		if (n > 0)
			g_string_append_len(text, buf, n);
	}
	return g_string_free(text, FALSE);
}

/* A well-behaved client: a ping answered within PROMPT_MS. */
static void assert_prompt_ping(Fixture *fx)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_PING);
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();
	gint64 ms;

	req->id = 31;
	g_assert_true(vtier_control_call(fx->path, req, PROMPT_MS, &result, &error));
	g_assert_no_error(error);
	ms = (g_get_monotonic_time() - t0) / 1000;
	g_test_message("ping answered in %" G_GINT64_FORMAT " ms", ms);
	g_assert_cmpint(ms, <, PROMPT_MS);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(result), "version"), ==,
			"test");
}

static void wait_for_clients(Fixture *fx, guint n, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;

	while (vtier_control_server_get_n_clients(fx->server) != n &&
	       g_get_monotonic_time() < deadline)
		g_usleep(10000);
	g_assert_cmpuint(vtier_control_server_get_n_clients(fx->server), ==, n);
}

static void test_server_basic(Fixture *fx, gconstpointer data)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_EXPLAIN);
	g_autoptr(GError) error = NULL;
	gboolean unreachable = TRUE;
	struct stat st;

	g_assert_cmpint(lstat(fx->path, &st), ==, 0);
	g_assert_true(S_ISSOCK(st.st_mode));
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	assert_prompt_ping(fx);
	req->name = g_strdup("nope");
	g_assert_false(vtier_control_call_full(fx->path, req, 1000, NULL, &unreachable, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_cmpstr(error->message, ==, "no guest \"nope\"");
	g_assert_false(unreachable); /* vtierd answered */
}

/* A text handler answers what it knows, the handler the rest. */
static void test_server_text(Fixture *fx, gconstpointer data)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_PING);
	g_autoptr(GError) error = NULL;

	vtier_control_server_set_text_handler(fx->server, test_text_handler);
	for (gint64 id = 41; id <= 42; id++) {
		g_autoptr(JsonNode) result = NULL;
		JsonObject *obj;

		req->id = id;
		g_assert_true(vtier_control_call(fx->path, req, 1000, &result, &error));
		g_assert_no_error(error);
		obj = json_node_get_object(result);
		g_assert_cmpstr(json_object_get_string_member(obj, "version"), ==,
				id == 42 ? "text" : "test");
	}
	g_assert_cmpuint(g_atomic_int_get(&fx->texts), ==, 1);
	g_assert_cmpuint(g_atomic_int_get(&fx->handled), ==, 1);
}

static void test_server_silent(Fixture *fx, gconstpointer data)
{
	gint fd = raw_connect(fx->path);
	g_autofree gchar *text = NULL;
	gboolean eof;

	assert_prompt_ping(fx);
	/* the silent client is closed after the timeout (1500 ms) */
	text = raw_read_line(fd, 3000, &eof);
	g_assert_true(eof);
	g_assert_cmpstr(text, ==, "");
	close(fd);
	wait_for_clients(fx, 0, 1000);
}

static void test_server_slow(Fixture *fx, gconstpointer data)
{
	const gchar *line = "{\"v\":1,\"id\":2,\"cmd\":\"ping\"}\n";
	gint fd = raw_connect(fx->path);
	g_autofree gchar *text = NULL;
	gboolean eof;

	/* one byte every 20 ms never completes the line within the timeout */
	for (gsize i = 0; i < 10; i++) {
		gchar c[2] = { line[i], 0 };

		raw_send(fd, c);
		assert_prompt_ping(fx);
		g_usleep(20000);
	}
	text = raw_read_line(fd, 3000, &eof);
	g_assert_true(eof);
	g_assert_cmpstr(text, ==, "");
	close(fd);
}

static void test_server_oversize(Fixture *fx, gconstpointer data)
{
	gint fd = raw_connect(fx->path);
	g_autofree gchar *junk = g_strnfill(VTIER_CONTROL_MAX_LINE + 100, 'x');
	g_autofree gchar *text = NULL;
	gboolean eof;

	send(fd, junk, strlen(junk), MSG_NOSIGNAL);
	assert_prompt_ping(fx);
	text = raw_read_line(fd, 2000, &eof);
	g_assert_nonnull(strstr(text, "\"invalid-argument\""));
	g_assert_nonnull(strstr(text, "longer than"));
	g_free(g_steal_pointer(&text));
	text = raw_read_line(fd, 2000, &eof);
	g_assert_true(eof); /* closed after the error */
	close(fd);
}

static void test_server_garbage(Fixture *fx, gconstpointer data)
{
	gint fd = raw_connect(fx->path);
	g_autofree gchar *text = NULL;
	g_autofree gchar *ok = NULL;
	gboolean eof;

	raw_send(fd, "\x1b[2J garbage \x01\x02\n");
	text = raw_read_line(fd, 2000, &eof);
	g_assert_nonnull(strstr(text, "\"ok\":false"));
	g_assert_nonnull(strstr(text, "\"parse\""));
	assert_prompt_ping(fx);
	/* the line framing is intact: the same connection still works, pipelined */
	raw_send(fd, "{\"v\":1,\"id\":5,\"cmd\":\"ping\"}\n{\"v\":1,\"id\":6,\"cmd\":\"status\"}\n");
	ok = raw_read_line(fd, 2000, &eof);
	g_assert_true(g_str_has_prefix(ok, "{\"v\":1,\"id\":5,\"ok\":true"));
	if (strstr(ok, "\"id\":6,") == NULL) {
		g_autofree gchar *second = raw_read_line(fd, 2000, &eof);

		g_assert_true(g_str_has_prefix(second, "{\"v\":1,\"id\":6,\"ok\":true"));
	}
	close(fd);
}

static void test_server_never_reads(Fixture *fx, gconstpointer data)
{
	gint fd = raw_connect(fx->path);
	gint64 t0;

	raw_send(fd, "{\"v\":1,\"id\":3,\"cmd\":\"dump\"}\n");
	wait_for_clients(fx, 1, 1000);
	{
		/* the handler has answered once the reply starts to arrive: from then on the
		 * server only has an unread reply to hold, which must not stall anyone */
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		g_assert_cmpint(poll(&pfd, 1, 10000), ==, 1);
	}
	t0 = g_get_monotonic_time();
	assert_prompt_ping(fx);
	/* the reply (4 MiB) sits unread: the connection is dropped after the timeout */
	wait_for_clients(fx, 0, 3000);
	g_test_message("never-reading client dropped after %" G_GINT64_FORMAT " ms",
		       (g_get_monotonic_time() - t0) / 1000);
	close(fd);
}

typedef struct {
	const gchar *path;
	gint64 ms;
	gboolean ok;
} ClientRun;

static gpointer client_thread(gpointer user_data)
{
	ClientRun *run = user_data;
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(JsonNode) result = NULL;
	gint64 t0 = g_get_monotonic_time();

	req->id = 100;
	run->ok = vtier_control_call(run->path, req, 2000, &result, NULL);
	run->ms = (g_get_monotonic_time() - t0) / 1000;
	return NULL;
}

static void test_server_concurrent(Fixture *fx, gconstpointer data)
{
	ClientRun runs[20];
	GThread *threads[20];
	gint silent = raw_connect(fx->path);
	gint64 worst = 0;

	for (guint i = 0; i < G_N_ELEMENTS(runs); i++) {
		runs[i] = (ClientRun){ .path = fx->path };
		threads[i] = g_thread_new("client", client_thread, &runs[i]);
	}
	assert_prompt_ping(fx);
	for (guint i = 0; i < G_N_ELEMENTS(runs); i++) {
		g_thread_join(threads[i]);
		g_assert_true(runs[i].ok);
		worst = MAX(worst, runs[i].ms);
	}
	g_test_message("20 concurrent clients: slowest answered in %" G_GINT64_FORMAT " ms", worst);
	g_assert_cmpint(worst, <, PROMPT_MS);
	close(silent);
}

/* 64 silent connections fill the table: a new one is still answered at once, the longest silent
 * one closed (told why) to make room; one being answered is not the one closed. */
static void test_server_max_clients(Fixture *fx, gconstpointer data)
{
	gint fds[VTIER_CONTROL_MAX_CLIENTS];
	g_autofree gchar *text = NULL;
	gboolean eof = FALSE;

	vtier_control_server_set_timeout(fx->server, 5000);
	for (guint i = 0; i < G_N_ELEMENTS(fds); i++) {
		fds[i] = raw_connect(fx->path);
		/* one at a time: each is accepted before the next, so fds[0] is the oldest */
		wait_for_clients(fx, i + 1, 2000);
	}
	/* a client that sent half a line is as idle as a silent one, but younger */
	raw_send(fds[1], "{\"v\":1,");
	assert_prompt_ping(fx);
	text = raw_read_line(fds[0], 2000, &eof);
	g_assert_nonnull(strstr(text, "\"busy\""));
	g_assert_nonnull(strstr(text, "closed to make room"));
	g_assert_cmpuint(vtier_control_server_get_n_clients(fx->server), <=,
			 VTIER_CONTROL_MAX_CLIENTS);
	/* full again: the next newcomer pushes out the next oldest, fds[1] */
	wait_for_clients(fx, VTIER_CONTROL_MAX_CLIENTS - 1, 2000);
	close(fds[0]);
	fds[0] = raw_connect(fx->path);
	wait_for_clients(fx, VTIER_CONTROL_MAX_CLIENTS, 2000);
	assert_prompt_ping(fx);
	g_clear_pointer(&text, g_free);
	text = raw_read_line(fds[1], 2000, &eof);
	g_assert_nonnull(strstr(text, "\"busy\""));
	for (guint i = 0; i < G_N_ELEMENTS(fds); i++)
		close(fds[i]);
	wait_for_clients(fx, 0, 2000);
}

/* In a child that drops to uid 65534 (and gid @gid): pings the server at @path. Exit 0 when
 * answered, 1 when refused with permission-denied, 2 otherwise. Only async-signal-safe calls in
 * the child (the parent has threads). */
static gint ping_as_nobody(const gchar *path, gid_t gid)
{
	const gchar ping[] = "{\"v\":1,\"id\":1,\"cmd\":\"ping\"}\n";
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	gint status = -1;
	pid_t pid;

	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		gchar buf[4096] = { 0 };
		gint fd;
		gssize n;

		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(65534) < 0)
			_exit(3);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
			_exit(4);
		/* a refused peer may find the connection closed already: read the reason anyway */
		(void)!send(fd, ping, sizeof(ping) - 1, MSG_NOSIGNAL);
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0 && strstr(buf, "\"ok\":true") != NULL)
			_exit(0);
		_exit(n > 0 && strstr(buf, "\"permission-denied\"") != NULL ? 1 : 2);
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* SO_PEERCRED: a peer that is neither root, the server's user nor in the control group is
 * refused even when the socket's mode would let it connect; a member of the group is served. */
static void test_server_peer_credentials(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *grouped = g_build_filename(fx->dir, "grouped", NULL);
	g_autoptr(VtierControlServer) server = NULL;

	if (geteuid() != 0) {
		g_test_skip("needs root to run a client as another user");
		return;
	}
	g_assert_cmpint(chmod(fx->dir, 0755), ==, 0);
	g_assert_cmpint(chmod(fx->path, 0666), ==, 0); /* the check must not rely on the mode */
	g_assert_cmpint(ping_as_nobody(fx->path, 65534), ==, 1);
	server = vtier_control_server_new(grouped, 4321, test_handler, fx, &error);
	g_assert_no_error(error);
	g_assert_cmpint(chmod(grouped, 0666), ==, 0);
	g_assert_cmpint(ping_as_nobody(grouped, 65534), ==, 1);
	g_assert_cmpint(ping_as_nobody(grouped, 4321), ==, 0);
	assert_prompt_ping(fx);
}

/* Iterates the default context for @ms milliseconds; how many iterations dispatched something. */
static guint iterate_for(guint ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	guint busy = 0;

	while (g_get_monotonic_time() < end) {
		if (g_main_context_iteration(NULL, FALSE))
			busy++;
		else
			g_usleep(1000);
	}
	return busy;
}

/* Out of file descriptors: the server stops watching the listening socket for 100 ms instead of
 * waking up for the same pending connection in a loop, then accepts it once a descriptor is free.
 * Runs in a subprocess (it lowers RLIMIT_NOFILE), the main loop iterated by hand. */
static void test_server_out_of_fds(void)
{
	if (g_test_subprocess()) {
		g_autofree gchar *dir = g_dir_make_tmp("vtier-control-XXXXXX", NULL);
		g_autofree gchar *path = g_build_filename(dir, "control", NULL);
		g_autoptr(VtierControlServer) server =
		    vtier_control_server_new(path, G_MAXUINT, test_handler, NULL, NULL);
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		struct rlimit limit = { 0 };
		gint fds[64];
		guint n = 0;

		g_assert_nonnull(server);
		g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
		getrlimit(RLIMIT_NOFILE, &limit);
		limit.rlim_cur = 64;
		g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &limit), ==, 0);
		/* connect until no descriptor is left: the last connections wait in the backlog */
		while (n < G_N_ELEMENTS(fds)) {
			gint fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

			if (fd < 0)
				break;
			g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
			fds[n++] = fd;
		}
		g_assert_cmpuint(n, >, 4);
		/* a few wakeups for what can be accepted, then quiet instead of a spin */
		iterate_for(50);
		g_assert_cmpuint(iterate_for(50), <, 5);
		/* descriptors freed: the paused accept resumes */
		for (guint i = 0; i < 4; i++)
			close(fds[--n]);
		iterate_for(300);
		g_assert_cmpuint(vtier_control_server_get_n_clients(server), >, 0);
		while (n > 0)
			close(fds[--n]);
		vtier_test_rm_rf(dir);
		return;
	}
	g_test_trap_subprocess(NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

/* ---- socket path handling and the client's errors ---- */

static void test_server_paths(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("vtier-control-XXXXXX", &error);
	g_autofree gchar *file = g_build_filename(dir, "file", NULL);
	g_autofree gchar *sock = g_build_filename(dir, "sock", NULL);
	g_autoptr(VtierControlServer) first = NULL;
	g_autoptr(VtierControlServer) second = NULL;
	struct stat st;

	g_assert_no_error(error);
	vtier_test_write_file(dir, "file", "precious\n");
	second = vtier_control_server_new(file, G_MAXUINT, test_handler, NULL, &error);
	g_assert_null(second);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT);
	g_assert_nonnull(strstr(error->message, "not a socket"));
	g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
	g_clear_error(&error);

	first = vtier_control_server_new(sock, getegid(), test_handler, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(lstat(sock, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0660);
	g_assert_cmpuint(st.st_gid, ==, getegid());
	/* a live server is not replaced */
	second = vtier_control_server_new(sock, G_MAXUINT, test_handler, NULL, &error);
	g_assert_null(second);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT);
	g_clear_error(&error);
	/* a stale socket (its server gone without removing it) is */
	{
		gint fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		g_autofree gchar *stale = g_build_filename(dir, "stale", NULL);

		g_strlcpy(addr.sun_path, stale, sizeof(addr.sun_path));
		g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
		close(fd);
		second = vtier_control_server_new(stale, G_MAXUINT, test_handler, NULL, &error);
		g_assert_no_error(error);
		g_assert_nonnull(second);
	}
	g_clear_pointer(&first, vtier_control_server_free);
	g_clear_pointer(&second, vtier_control_server_free);
	vtier_test_rm_rf(dir);
}

static void test_client_unreachable(void)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_PING);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("vtier-control-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "control", NULL);
	gboolean unreachable = FALSE;

	g_assert_false(vtier_control_call_full(path, req, 1000, NULL, &unreachable, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_true(unreachable);
	g_assert_true(g_str_has_prefix(error->message, "cannot reach vtierd at "));
	g_assert_true(g_str_has_suffix(error->message, "(is vtierd running?)"));
	vtier_test_rm_rf(dir);
}

/* A wedged vtierd (listening, never answering): the call ends at its deadline. */
static void test_client_wedged(void)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_PING);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("vtier-control-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "control", NULL);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	gint fd = socket(AF_UNIX, SOCK_STREAM, 0);
	gboolean unreachable = FALSE;
	gint64 t0, ms;

	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(fd, 1), ==, 0);
	t0 = g_get_monotonic_time();
	g_assert_false(vtier_control_call_full(path, req, 300, NULL, &unreachable, &error));
	ms = (g_get_monotonic_time() - t0) / 1000;
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_TIMED_OUT);
	g_assert_true(unreachable);
	g_assert_cmpint(ms, >=, 290);
	g_assert_cmpint(ms, <, 800);
	close(fd);
	vtier_test_rm_rf(dir);
}

typedef struct {
	gint fd;
	const gchar *reply;
} HostileServer;

/* Accepts one connection, reads the request, answers @reply (NULL: closes at once). */
static gpointer hostile_server_thread(gpointer user_data)
{
	HostileServer *hs = user_data;
	gint client = accept(hs->fd, NULL, NULL);
	gchar buf[4096];

	g_assert_cmpint(client, >=, 0);
	if (hs->reply != NULL) {
		(void)!recv(client, buf, sizeof(buf), 0);
		(void)!send(client, hs->reply, strlen(hs->reply), MSG_NOSIGNAL);
	}
	close(client);
	return NULL;
}

/* A server that answers garbage, a reply for another request or nothing: the client fails with
 * PARSE (vtierd answered, badly) or IO, never crashes, never takes the answer. */
static void test_client_hostile_server(void)
{
	const struct {
		const gchar *reply;
		gint code;
		gboolean unreachable;
	} cases[] = {
		{ "garbage\n", VTIER_ERROR_PARSE, FALSE },
		{ "{\"v\":1,\"id\":999,\"ok\":true,\"result\":{}}\n", VTIER_ERROR_PARSE, FALSE },
		{ "{\"v\":1,\"id\":8,\"ok\":true,\"result\":{}", VTIER_ERROR_IO, TRUE },
		{ NULL, VTIER_ERROR_IO, TRUE },
	};
	g_autofree gchar *dir = g_dir_make_tmp("vtier-control-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "control", NULL);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	gint fd = socket(AF_UNIX, SOCK_STREAM, 0);

	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(fd, 4), ==, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		HostileServer hs = { .fd = fd, .reply = cases[i].reply };
		GThread *thread = g_thread_new("hostile", hostile_server_thread, &hs);
		g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_PING);
		g_autoptr(JsonNode) result = NULL;
		g_autoptr(GError) error = NULL;
		gboolean unreachable = !cases[i].unreachable;

		req->id = 8;
		g_assert_false(
		    vtier_control_call_full(path, req, 2000, &result, &unreachable, &error));
		g_test_message("reply %" G_GSIZE_FORMAT ": %s", i, error->message);
		g_assert_error(error, VTIER_ERROR, cases[i].code);
		g_assert_cmpint(unreachable, ==, cases[i].unreachable);
		g_assert_null(result);
		g_thread_join(thread);
	}
	close(fd);
	vtier_test_rm_rf(dir);
}

static void test_socket_path(void)
{
	g_autofree gchar *configured = NULL;
	g_autofree gchar *env = NULL;

	g_unsetenv("VTIER_CONTROL_SOCKET");
	configured = vtier_control_socket_path("/tmp/x/control");
	g_assert_cmpstr(configured, ==, "/tmp/x/control");
	g_setenv("VTIER_CONTROL_SOCKET", "/tmp/env/control", TRUE);
	env = vtier_control_socket_path("/tmp/x/control");
	g_assert_cmpstr(env, ==, "/tmp/env/control");
	g_unsetenv("VTIER_CONTROL_SOCKET");
}

/* A client (vtierctl, the hook) resolves the path as vtierd does, [daemon] control_socket read
 * from the configuration file of the path store; a file it cannot use leaves the default and a
 * warning, never a failure. */
static void test_socket_path_for_client(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("vtier-control-XXXXXX", NULL);
	g_autofree gchar *conf = g_build_filename(dir, "vtierd.conf", NULL);
	g_autofree gchar *fallback = vtier_control_socket_path(NULL);
	static const struct {
		const gchar *text; /* NULL: no file */
		gssize len;
		const gchar *env;
		const gchar *path; /* NULL: the default */
		const gchar *warning;
	} cases[] = {
		{ NULL, -1, NULL, NULL, NULL },
		{ "[daemon]\ncontrol_socket=/srv/vt/control\n", -1, NULL, "/srv/vt/control", NULL },
		{ "[daemon]\ncontrol_socket=/srv/vt/control\n", -1, "/tmp/env/control",
		  "/tmp/env/control", NULL },
		{ "[daemon]\ncontrol_socket=\n", -1, NULL, NULL, NULL },
		{ "[daemon]\nlog_level=info\n", -1, NULL, NULL, NULL },
		/* a key vtierd would refuse elsewhere does not hide the socket */
		{ "[daemon]\ncontrol_socket=/srv/vt/control\nbogus=1\n", -1, NULL,
		  "/srv/vt/control", NULL },
		{ "not a key file\n", -1, NULL, NULL, "vtierd.conf" },
		{ "[daemon]\ncontrol_socket=/srv/vt/control\n\0x", 42, NULL, NULL,
		  "not a text file" },
		{ "", -1, NULL, NULL, NULL },
	};

	g_setenv("VTIER_CONFIG", conf, TRUE);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *warning = NULL;

		g_unlink(conf);
		if (cases[i].text != NULL)
			g_assert_true(g_file_set_contents(conf, cases[i].text, cases[i].len, NULL));
		if (cases[i].env != NULL)
			g_setenv("VTIER_CONTROL_SOCKET", cases[i].env, TRUE);
		else
			g_unsetenv("VTIER_CONTROL_SOCKET");
		path = vtier_control_socket_path_for_client(&warning);
		g_test_message("case %" G_GSIZE_FORMAT ": %s (%s)", i, path, warning);
		g_assert_cmpstr(path, ==, cases[i].path != NULL ? cases[i].path : fallback);
		if (cases[i].warning == NULL)
			g_assert_null(warning);
		else
			g_assert_nonnull(strstr(warning, cases[i].warning));
	}
	/* unreadable: a folder where the file should be */
	g_unlink(conf);
	g_assert_cmpint(g_mkdir(conf, 0700), ==, 0);
	{
		g_autofree gchar *warning = NULL;
		g_autofree gchar *path = vtier_control_socket_path_for_client(&warning);

		g_assert_cmpstr(path, ==, fallback);
		g_assert_nonnull(strstr(warning, "cannot read"));
	}
	g_unsetenv("VTIER_CONTROL_SOCKET");
	g_unsetenv("VTIER_CONFIG");
	vtier_test_rm_rf(dir);
}

#define ADD_SERVER_TEST(path, func) \
	g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/control/request/roundtrip", test_request_roundtrip);
	g_test_add_func("/control/request/rejections", test_request_rejections);
	g_test_add_func("/control/json-nesting", test_json_nesting);
	g_test_add_func("/control/request/limits", test_request_limits);
	g_test_add_func("/control/reply/roundtrip", test_reply_roundtrip);
	g_test_add_func("/control/reply/text", test_reply_text);
	g_test_add_func("/control/reply/errors", test_reply_errors);
	g_test_add_func("/control/reply/malformed", test_reply_malformed);
	g_test_add_func("/control/socket-path", test_socket_path);
	g_test_add_func("/control/socket-path/client", test_socket_path_for_client);
	g_test_add_func("/control/client/unreachable", test_client_unreachable);
	g_test_add_func("/control/client/wedged", test_client_wedged);
	g_test_add_func("/control/client/hostile-server", test_client_hostile_server);
	g_test_add_func("/control/server/paths", test_server_paths);
	g_test_add_func("/control/server/out-of-fds", test_server_out_of_fds);
	ADD_SERVER_TEST("/control/server/basic", test_server_basic);
	ADD_SERVER_TEST("/control/server/text", test_server_text);
	ADD_SERVER_TEST("/control/server/silent", test_server_silent);
	ADD_SERVER_TEST("/control/server/slow", test_server_slow);
	ADD_SERVER_TEST("/control/server/oversize", test_server_oversize);
	ADD_SERVER_TEST("/control/server/garbage", test_server_garbage);
	ADD_SERVER_TEST("/control/server/never-reads", test_server_never_reads);
	ADD_SERVER_TEST("/control/server/concurrent", test_server_concurrent);
	ADD_SERVER_TEST("/control/server/max-clients", test_server_max_clients);
	ADD_SERVER_TEST("/control/server/peer-credentials", test_server_peer_credentials);
	return g_test_run();
}

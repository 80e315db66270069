/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the control protocol's parsers (src/common/control.c): the input is one
 * request line. A request that parses must survive request -> line -> request unchanged; a refused
 * one must give an error reply that parses back with the same code; the same bytes fed to the
 * reply parser must not crash it. Built and run by tests/suites/fuzz-control.sh; seeds in
 * tests/fuzz/control-request/. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/control.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void abort_on_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
			     gpointer user_data)
{
	g_log_default_handler(domain, level, message, user_data);
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_log_set_default_handler(abort_on_warning, NULL);
	return 0;
}

static void check_roundtrip(const VtierControlRequest *req, gint64 id)
{
	g_autofree gchar *line = vtier_control_request_to_line(req);
	g_autoptr(VtierControlRequest) back = NULL;
	g_autoptr(GError) error = NULL;
	gint64 back_id = 0;

	if (strchr(line, '\n') != line + strlen(line) - 1)
		__builtin_trap(); /* a request line is one line */
	back = vtier_control_request_parse(line, strlen(line), &back_id, &error);
	if (back == NULL || back_id != id || back->cmd != req->cmd || back->pid != req->pid ||
	    g_strcmp0(back->name, req->name) != 0 || g_strcmp0(back->qmp, req->qmp) != 0 ||
	    g_strcmp0(back->policy, req->policy) != 0 || g_strcmp0(back->xml, req->xml) != 0 ||
	    g_strcmp0(back->template_name, req->template_name) != 0 ||
	    g_strcmp0(back->operation, req->operation) != 0 ||
	    g_strcmp0(back->extra, req->extra) != 0 || back->xml_truncated != req->xml_truncated)
		__builtin_trap();
}

static void check_error_reply(gint64 id, const GError *error)
{
	g_autofree gchar *line = vtier_control_reply_error(id, error);
	g_autoptr(GError) back = NULL;
	g_autofree gchar *valid = NULL;

	if (error == NULL || error->message == NULL)
		__builtin_trap(); /* a refusal always says why */
	valid = g_utf8_make_valid(error->message, -1);
	if (vtier_control_reply_parse(line, strlen(line), id, NULL, &back) || back == NULL ||
	    g_strcmp0(back->message, valid) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(VtierControlRequest) req = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) reply_error = NULL;
	g_autoptr(JsonNode) result = NULL;
	gint64 id = 0;

	req = vtier_control_request_parse((const gchar *)data, size, &id, &error);
	if (req != NULL)
		check_roundtrip(req, id);
	else
		check_error_reply(id, error);
	if (vtier_control_reply_parse((const gchar *)data, size, id, &result, &reply_error) ==
	    (result == NULL))
		__builtin_trap(); /* a result exactly when the reply is ok */
	return 0;
}

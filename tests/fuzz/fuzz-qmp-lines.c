/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the QMP line parser (src/qmp/framer.c) and what the client does with each
 * message: classify it and run the typed parsers on any "return" value. Input: one byte choosing
 * the chunk size the bytes are fed in (sockets split messages anywhere), then the stream.
 * Built and run by tests/suites/fuzz-qmp.sh; seeds in tests/fuzz/qmp-lines/. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "qmp/framer.h"
#include "qmp/query.h"

#define FUZZ_LINE_MAX 4096

static void exercise_parsers(JsonNode *payload)
{
	g_autoptr(GPtrArray) memdevs = vtier_qmp_parse_memdevs(payload, NULL);
	g_autoptr(GPtrArray) devices = vtier_qmp_parse_memory_devices(payload, NULL);
	g_autofree VtierQmpMemorySizeSummary *sum = vtier_qmp_parse_memory_size_summary(payload,
										      NULL);
	g_autoptr(VtierQmpStatus) status = vtier_qmp_parse_status(payload, NULL);
	g_autofree gchar *name = vtier_qmp_parse_name(payload, NULL);
}

static void drain(VtierQmpFramer *framer)
{
	for (;;) {
		g_autoptr(JsonObject) message = NULL;
		g_autoptr(GError) error = NULL;
		VtierQmpFrame frame = vtier_qmp_framer_next(framer, &message, &error);
		VtierQmpMessage msg;

		if (frame == VTIER_QMP_FRAME_NONE)
			break;
		if (frame == VTIER_QMP_FRAME_ERROR) {
			if (error == NULL)
				__builtin_trap(); /* an error frame always says why */
			continue;
		}
		if (vtier_qmp_message_classify(message, &msg, &error) &&
		    msg.kind == VTIER_QMP_MESSAGE_RETURN)
			exercise_parsers(msg.payload);
	}
	/* whatever stays buffered is a partial line within the limit */
	if (vtier_qmp_framer_pending(framer) > FUZZ_LINE_MAX)
		__builtin_trap();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
static void abort_on_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
			     gpointer user_data);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* GLib's own fatal path traps (SIGTRAP), which libFuzzer does not catch: abort instead, so that
 * the crashing input is saved. */
static void abort_on_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
			     gpointer user_data)
{
	g_log_default_handler(domain, level, message, user_data);
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* a GLib critical (a json-glib accessor misused on hostile input) is a bug: crash on it */
	g_log_set_default_handler(abort_on_warning, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(VtierQmpFramer) framer = vtier_qmp_framer_new(FUZZ_LINE_MAX);
	gsize chunk;

	if (size < 1)
		return 0;
	chunk = (gsize)(data[0] % 64) + 1;
	for (gsize off = 1; off < size; off += chunk) {
		vtier_qmp_framer_feed(framer, data + off, MIN(chunk, size - off));
		drain(framer);
	}
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-log"

#include "config.h"

#include <stdio.h>

#include "common/escape.h"
#include "common/log.h"

static gchar *log_program;
static gboolean log_debug;

static const gchar *level_name(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_ERROR)
		return "error";
	if (level & G_LOG_LEVEL_CRITICAL)
		return "critical";
	if (level & G_LOG_LEVEL_WARNING)
		return "warning";
	if (level & G_LOG_LEVEL_MESSAGE)
		return "notice";
	if (level & G_LOG_LEVEL_INFO)
		return "info";
	return "debug";
}

static GLogWriterOutput log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
				   gpointer user_data)
{
	const gchar *message = NULL;
	const gchar *domain = NULL;
	g_autofree gchar *line = NULL;

	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
		else if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
	}
	if ((level & G_LOG_LEVEL_DEBUG) && !log_debug && g_log_writer_default_would_drop(level, domain))
		return G_LOG_WRITER_HANDLED;
	/* messages carry guest names and XML: one escaped line each */
	line = vtier_escape_log(message);
	if (level & G_LOG_LEVEL_DEBUG)
		fprintf(stderr, "%s: debug: %s: %s\n", log_program, domain ? domain : "-", line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_program, level_name(level), line);
	fflush(stderr);
	return G_LOG_WRITER_HANDLED;
}

void vtier_log_init(const gchar *program, gboolean debug)
{
	static gboolean installed;

	g_free(log_program);
	log_program = g_strdup(program);
	log_debug = debug;
	if (!installed) {
		g_log_set_writer_func(log_writer, NULL, NULL);
		installed = TRUE;
	}
}

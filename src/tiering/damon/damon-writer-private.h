/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/damon/damon-writer.h"

/* Internals shared by damon-writer*.c. */
struct _VtierDamonWriter {
	VtierDamonIo *io;
	VtierDamonFeatures *features;
	GHashTable *known;   /* relpath -> what the file holds */
	GHashTable *running; /* kdamond index -> GPtrArray of VtierDamonEntry it runs with */
	GHashTable *before;  /* kdamond index -> GPtrArray of VtierDamonEntry read this apply */
	guint tries;
	guint first_delay_us;
	gboolean check_memcg;
};

/* The cgroup paths of @model that the kernel must resolve and that do not exist here, or NULL. */
gchar *vtier_damon_writer_missing_memcgs(const VtierDamonModel *model);

/* Writes @value to admin file @relpath, retrying EBUSY; counts into @result. */
gboolean vtier_damon_writer_write(VtierDamonWriter *w, const gchar *relpath, const gchar *value,
				  VtierDamonApplyResult *result, GError **error);
/* Reads admin file @relpath. */
gboolean vtier_damon_writer_read(VtierDamonWriter *w, const gchar *relpath, gchar **ret_value,
				 GError **error);

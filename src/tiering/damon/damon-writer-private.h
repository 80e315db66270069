/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/damon/damon-render.h"
#include "tiering/damon/damon-writer-known.h"
#include "tiering/damon/damon-writer.h"

/* Internals shared by damon-writer*.c. */
struct _VtierDamonWriter {
	VtierDamonIo *io;
	VtierDamonFeatures *features;
	VtierDamonKnown *known; /* relpath -> what the file holds */
	GHashTable *running; /* kdamond index -> GPtrArray of VtierDamonParts holding those it runs
			      * with (those of other kdamonds too: the render's array, shared) */
	GHashTable *before;  /* kdamond index -> VtierDamonPart of the entries read this apply */
	GPtrArray *last_parts; /* of the model last rendered: a scheme that did not change is
				  neither rendered nor compared again */
	guint tries;
	guint first_delay_us;
	gboolean check_memcg;
	GHashTable *status_schemes; /* scheme indices read_status reads (NULL: every scheme) */
	VtierDamonStagedStart staged; /* staged start of kdamonds with moving schemes (default auto) */
	guint staged_max_wait_ms;   /* bound of the wait for the first quota window */
	void (*wait)(VtierDamonWriter *w, guint ms); /* NULL: sleep (render_script records it) */
	gpointer wait_data;
	VtierDamonStartedFunc started; /* NULL: nobody to tell (see set_started_func()) */
	gpointer started_data;
};

/* damon-writer-staged.c: waits @ms (w->wait, or sleeps). */
void vtier_damon_writer_wait(VtierDamonWriter *w, guint ms);
/* A copy of @model whose moving schemes (vtier_damon_scheme_needs_staged_start()) in the kdamonds
 * with @starting[k] match no region, and the wait for their first quota window in *ret_wait_ms
 * (bounded by @max_wait_ms); NULL when no such scheme is started. */
VtierDamonModel *vtier_damon_writer_staged_model(const VtierDamonModel *model,
						 const gboolean *starting, guint *ret_wait_ms,
						 guint max_wait_ms);

/* The cgroup paths of @model that the kernel must resolve and that do not exist here, or NULL. */
gchar *vtier_damon_writer_missing_memcgs(const VtierDamonModel *model);

/* Writes @value to admin file @relpath, retrying EBUSY; counts into @result. */
gboolean vtier_damon_writer_write(VtierDamonWriter *w, const gchar *relpath, const gchar *value,
				  VtierDamonApplyResult *result, GError **error);
/* Reads admin file @relpath. */
gboolean vtier_damon_writer_read(VtierDamonWriter *w, const gchar *relpath, gchar **ret_value,
				 GError **error);

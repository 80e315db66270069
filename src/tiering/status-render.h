/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "common/control.h"
#include "tiering/snapshot.h"

/* Pure text renderers of vtierctl's status, top and explain (no I/O; tested on hand-built
 * snapshots). Every guest- or host-supplied string is escaped with vtier_escape_terminal(). */

/* top fits a plain terminal of this many columns (each line is at most one less). */
#define VTIER_TOP_WIDTH 80

/* Host part (tiers and nodes, sampler and why, kernel features, kdamond, warnings), one table row
 * per guest (name, mode, target, fast/slow bytes, share, migrated up/down, state, last error),
 * then per-guest notes (state reasons, unmovable bytes). */
gchar *vtier_status_render(const VtierSnapshot *s);
/* status's "text" view (control.h): {"text": vtier_status_render(@s)}. vtierctl status prints it
 * as it is, so its client parses one string instead of a snapshot of hundreds of guests. */
JsonNode *vtier_status_render_json(const VtierSnapshot *s);
/* A status reply's result for @view, as compact JSON text (json_to_string(node, FALSE)): the
 * snapshot (vtier_snapshot_to_json_bytes()) for "full" and "table", the rendered text for "text".
 * vtierd makes it once per snapshot and view. */
GBytes *vtier_status_result_bytes(const VtierSnapshot *s, VtierControlView view);
/* One header line and one row per guest with a bar of its fast/slow split and a marker at its
 * target; every line fits VTIER_TOP_WIDTH - 1 columns. */
gchar *vtier_top_render(const VtierSnapshot *s);
/* The guest's name, then one indented line per sentence. */
gchar *vtier_explain_render(const gchar *name, const gchar *const *sentences);

/* "[###..|...]": @width cells, '#' for the fast share, '.' for slow, '?' when unmeasured
 * (@share_bp VTIER_SNAPSHOT_NO_BP), '|' at the target (none when VTIER_SNAPSHOT_NO_BP). */
gchar *vtier_render_bar(guint share_bp, guint target_bp, guint width);
/* @text escaped for a terminal and cut to @width columns (a cut ends in '~'), padded with spaces
 * to @width when @pad. */
gchar *vtier_render_fit(const gchar *text, guint width, gboolean pad);

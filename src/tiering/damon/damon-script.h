/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/damon/damon-features.h"
#include "tiering/damon/damon-model.h"

/* The writes that applying @model to a fresh DAMON tree (no kdamond, nothing holding DAMON) of a
 * kernel with @features makes, as a shell script: `echo VALUE > /sys/kernel/mm/damon/admin/...`,
 * one line per write, in the writer's order, the staged start included where the writer's default
 * rule stages (kernels whose first quota window may be unlimited: the unmatchable patterns and
 * `on`, a `sleep`, the real patterns and `commit`). It follows the writer's rules
 * (damon-writer.h: a file is written when the model's value differs from what the file holds, an
 * nr_* file before the children it creates) on the rendered entries (damon-render.h) directly,
 * in time linear in the model: it replays neither the writer nor a fake kernel. Every value and
 * path goes through vtier_escape_shell_word(), every comment through
 * vtier_escape_shell_comment(). */
gchar *vtier_damon_render_script(const VtierDamonModel *model, const VtierDamonFeatures *features,
				 GError **error);

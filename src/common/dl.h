/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Libraries loaded at run time (dlopen), for the few that cost every vtier program's start much
 * and serve only some of its commands: libvirt (src/virt/libvirt-dl.c), libpfm4
 * (src/tiering/sampler-pfm.c). Each user lists its symbols once, with pointers of the functions'
 * own types (`typeof(fn) *sym_fn`), and calls vtier_dl_load() once. */

typedef struct {
	const gchar *name; /* the symbol */
	gpointer *ptr;	   /* where its address goes */
} VtierDlSymbol;

/* Opens @soname (never closed) and resolves every symbol of @symbols; FALSE with
 * VTIER_ERROR_NOT_SUPPORTED naming the library (and @package, the Debian package that holds it)
 * or the symbol it lacks. Not thread-safe by itself: call it under a g_once. */
gboolean vtier_dl_load(const gchar *soname, const gchar *package, const VtierDlSymbol *symbols,
		       gsize n_symbols, GError **error);

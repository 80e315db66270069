/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Libraries loaded at run time (dlopen), for the few that cost every vtier program's start much
 * and serve only some of its commands: libvirt (src/virt/libvirt-dl.c), libpfm4
 * (src/tiering/sampler-pfm.c), libxml2 (src/common/libxml-dl.c), libnuma
 * (src/tiering/topology-read.c). Each user lists its symbols once, with pointers of the functions'
 * own types (`typeof(fn) *sym_fn`), and loads its libraries with vtier_dl_load_once(). */

typedef struct {
	const gchar *name; /* the symbol */
	gpointer *ptr;	   /* where its address goes */
} VtierDlSymbol;

/* Opens @soname (never closed) and resolves every symbol of @symbols; FALSE with
 * VTIER_ERROR_NOT_SUPPORTED naming the library (and @package, the Debian package that holds it)
 * or the symbol it lacks. Not thread-safe by itself: vtier_dl_load_once() calls it. */
gboolean vtier_dl_load(const gchar *soname, const gchar *package, const VtierDlSymbol *symbols,
		       gsize n_symbols, GError **error);

/* One library of a vtier_dl_load_once() call. */
typedef struct {
	const gchar *soname;
	const gchar *package;
	const VtierDlSymbol *symbols;
	gsize n_symbols;
} VtierDlLibrary;

/* A user's load state, zero-initialized and static. */
typedef struct {
	gsize once;
	GError *problem; /* NULL: loaded */
} VtierDlOnce;

/* Loads @libraries in order, the first time any thread calls it with @state; every later call
 * gives the first call's result (the same error, copied). */
gboolean vtier_dl_load_once(VtierDlOnce *state, const VtierDlLibrary *libraries, gsize n,
			    GError **error);

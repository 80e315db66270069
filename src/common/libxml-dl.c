/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier"

#include "config.h"

#include "common/dl.h"
#include "common/libxml-dl.h"

#define VTIER_LIBXML_DEFINE(name) typeof(name) *sym_##name;
VTIER_LIBXML_SYMBOLS(VTIER_LIBXML_DEFINE)
#undef VTIER_LIBXML_DEFINE

/* tests/unit/test-libxml-dl.c builds this file with a soname that does not exist */
#ifndef VTIER_LIBXML_LOAD_SONAME
#define VTIER_LIBXML_LOAD_SONAME VTIER_LIBXML_SONAME
#endif

#define VTIER_LIBXML_ENTRY(name) {#name, (gpointer *)&sym_##name},
static const VtierDlSymbol libxml_symbols[] = {VTIER_LIBXML_SYMBOLS(VTIER_LIBXML_ENTRY)};
#undef VTIER_LIBXML_ENTRY

gboolean vtier_libxml_load(GError **error)
{
	static const VtierDlLibrary library = {VTIER_LIBXML_LOAD_SONAME, "libxml2", libxml_symbols,
					       G_N_ELEMENTS(libxml_symbols)};
	static VtierDlOnce state;
	static gsize initialized;

	if (!vtier_dl_load_once(&state, &library, 1, error))
		return FALSE;
	/* once, and before any thread parses (xmlInitParser() is not thread-safe in 2.9) */
	if (g_once_init_enter(&initialized)) {
		sym_xmlInitParser();
		g_once_init_leave(&initialized, 1);
	}
	return TRUE;
}

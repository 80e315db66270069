/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier"

#include "config.h"

#include "common/dl.h"
#include "common/soup-dl.h"

#define VTIER_SOUP_DEFINE(name) typeof(name) *sym_##name;
VTIER_SOUP_SYMBOLS(VTIER_SOUP_DEFINE)
#undef VTIER_SOUP_DEFINE

/* tests/unit/test-soup-dl.c builds this file with a soname that does not exist */
#ifndef VTIER_SOUP_LOAD_SONAME
#define VTIER_SOUP_LOAD_SONAME VTIER_SOUP_SONAME
#endif

#define VTIER_SOUP_ENTRY(name) {#name, (gpointer *)&sym_##name},
static const VtierDlSymbol soup_symbols[] = {VTIER_SOUP_SYMBOLS(VTIER_SOUP_ENTRY)};
#undef VTIER_SOUP_ENTRY

gboolean vtier_soup_load(GError **error)
{
	static const VtierDlLibrary library = {VTIER_SOUP_LOAD_SONAME, "libsoup-3.0-0", soup_symbols,
					       G_N_ELEMENTS(soup_symbols)};
	static VtierDlOnce state;

	return vtier_dl_load_once(&state, &library, 1, error);
}

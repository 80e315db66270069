/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier"

#include "config.h"

#include <dlfcn.h>

#include "common/dl.h"
#include "common/error.h"

gboolean vtier_dl_load(const gchar *soname, const gchar *package, const VtierDlSymbol *symbols,
		       gsize n_symbols, GError **error)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);

	if (lib == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "cannot load %s (install the Debian package %s): %s", soname, package,
			    dlerror());
		return FALSE;
	}
	for (gsize i = 0; i < n_symbols; i++) {
		*symbols[i].ptr = dlsym(lib, symbols[i].name);
		if (*symbols[i].ptr == NULL) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
				    "%s has no symbol %s (%s too old?)", soname, symbols[i].name,
				    package);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean vtier_dl_load_once(VtierDlOnce *state, const VtierDlLibrary *libraries, gsize n,
			    GError **error)
{
	if (g_once_init_enter(&state->once)) {
		for (gsize i = 0; i < n && state->problem == NULL; i++)
			vtier_dl_load(libraries[i].soname, libraries[i].package, libraries[i].symbols,
				      libraries[i].n_symbols, &state->problem);
		g_once_init_leave(&state->once, 1);
	}
	if (state->problem != NULL) {
		g_propagate_error(error, g_error_copy(state->problem));
		return FALSE;
	}
	return TRUE;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-virt"

#include "config.h"

#include <dlfcn.h>

#include "common/error.h"
#include "virt/libvirt-dl.h"

#define VTIER_LIBVIRT_DEFINE(name) typeof(name) *sym_##name;
VTIER_LIBVIRT_SYMBOLS(VTIER_LIBVIRT_DEFINE)
VTIER_LIBVIRT_QEMU_SYMBOLS(VTIER_LIBVIRT_DEFINE)
#undef VTIER_LIBVIRT_DEFINE

/* One symbol of @lib: its address, or a message naming both. */
static gboolean resolve(void *lib, const gchar *soname, const gchar *name, void **ret,
			GString *problem)
{
	*ret = dlsym(lib, name);
	if (*ret != NULL)
		return TRUE;
	if (problem->len == 0)
		g_string_printf(problem, "%s has no symbol %s (libvirt too old?)", soname, name);
	return FALSE;
}

static void *open_library(const gchar *soname, GString *problem)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);

	if (lib == NULL)
		g_string_printf(problem, "cannot load %s (install the Debian package libvirt0): %s",
				soname, dlerror());
	return lib;
}

/* NULL when every symbol resolved, else why not (kept: the answer of every later call). */
static gchar *load_once(void)
{
	g_autoptr(GString) problem = g_string_new(NULL);
	void *lib = open_library(VTIER_LIBVIRT_SONAME, problem);
	void *qemu = lib != NULL ? open_library(VTIER_LIBVIRT_QEMU_SONAME, problem) : NULL;

	if (lib == NULL || qemu == NULL)
		return g_strdup(problem->str);
#define VTIER_LIBVIRT_RESOLVE(name)                                                                \
	resolve(lib, VTIER_LIBVIRT_SONAME, #name, (void **)&sym_##name, problem);
	VTIER_LIBVIRT_SYMBOLS(VTIER_LIBVIRT_RESOLVE)
#undef VTIER_LIBVIRT_RESOLVE
#define VTIER_LIBVIRT_RESOLVE(name)                                                                \
	resolve(qemu, VTIER_LIBVIRT_QEMU_SONAME, #name, (void **)&sym_##name, problem);
	VTIER_LIBVIRT_QEMU_SYMBOLS(VTIER_LIBVIRT_RESOLVE)
#undef VTIER_LIBVIRT_RESOLVE
	return problem->len > 0 ? g_strdup(problem->str) : NULL;
}

gboolean vtier_libvirt_load(GError **error)
{
	static gsize once = 0;
	static gchar *problem; /* NULL: loaded */

	if (g_once_init_enter(&once)) {
		problem = load_once();
		g_once_init_leave(&once, 1);
	}
	if (problem != NULL) {
		g_set_error_literal(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED, problem);
		return FALSE;
	}
	return TRUE;
}

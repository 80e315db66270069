/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-virt"

#include "config.h"

#include "common/dl.h"
#include "virt/libvirt-dl.h"

#define VTIER_LIBVIRT_DEFINE(name) typeof(name) *sym_##name;
VTIER_LIBVIRT_SYMBOLS(VTIER_LIBVIRT_DEFINE)
VTIER_LIBVIRT_QEMU_SYMBOLS(VTIER_LIBVIRT_DEFINE)
#undef VTIER_LIBVIRT_DEFINE

#define VTIER_LIBVIRT_ENTRY(name) {#name, (gpointer *)&sym_##name},
static const VtierDlSymbol libvirt_symbols[] = {VTIER_LIBVIRT_SYMBOLS(VTIER_LIBVIRT_ENTRY)};
static const VtierDlSymbol qemu_symbols[] = {VTIER_LIBVIRT_QEMU_SYMBOLS(VTIER_LIBVIRT_ENTRY)};
#undef VTIER_LIBVIRT_ENTRY

gboolean vtier_libvirt_load(GError **error)
{
	static const VtierDlLibrary libraries[] = {
		{ VTIER_LIBVIRT_SONAME, "libvirt0", libvirt_symbols, G_N_ELEMENTS(libvirt_symbols) },
		{ VTIER_LIBVIRT_QEMU_SONAME, "libvirt0", qemu_symbols, G_N_ELEMENTS(qemu_symbols) },
	};
	static VtierDlOnce state;

	return vtier_dl_load_once(&state, libraries, G_N_ELEMENTS(libraries), error);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

/* libvirt, loaded at run time. No vtier program links libvirt: the dynamic loader would map and
 * relocate it and its ~55 dependencies at every start (~20 ms), which programs and verbs that never
 * talk to libvirt (`vtierctl status`, `top`, ...) would pay for nothing. The first
 * vtier_libvirt_load() opens libvirt (and libvirt-qemu) by the sonames configure found and fills
 * one pointer per function vtier calls, sym_<function>; code calls sym_virDomainGetName(dom) where
 * it would call virDomainGetName(dom). The headers are libvirt's own, so every pointer has the
 * function's exact type. */

#define VTIER_LIBVIRT_SYMBOLS(X)                                                                   \
	X(virConnectAuthPtrDefault) /* a variable: use *sym_virConnectAuthPtrDefault */            \
	X(virConnectClose)                                                                         \
	X(virConnectDomainEventDeregisterAny)                                                      \
	X(virConnectDomainEventRegisterAny)                                                        \
	X(virConnectIsAlive)                                                                       \
	X(virConnectListAllDomains)                                                                \
	X(virConnectOpenAuth)                                                                      \
	X(virConnectOpenReadOnly)                                                                  \
	X(virConnectRegisterCloseCallback)                                                         \
	X(virConnectSetKeepAlive)                                                                  \
	X(virConnectUnregisterCloseCallback)                                                       \
	X(virDomainFree)                                                                           \
	X(virDomainGetMetadata)                                                                    \
	X(virDomainGetName)                                                                        \
	X(virDomainGetUUIDString)                                                                  \
	X(virDomainGetXMLDesc)                                                                     \
	X(virDomainIsActive)                                                                       \
	X(virDomainIsPersistent)                                                                   \
	X(virDomainLookupByName)                                                                   \
	X(virDomainLookupByUUIDString)                                                             \
	X(virDomainRef)                                                                            \
	X(virDomainSetMetadata)                                                                    \
	X(virEventRegisterImpl)                                                                    \
	X(virGetLastError)                                                                         \
	X(virGetLastErrorMessage)                                                                  \
	X(virSetErrorFunc)

#define VTIER_LIBVIRT_QEMU_SYMBOLS(X) X(virDomainQemuMonitorCommand)

#define VTIER_LIBVIRT_DECLARE(name) extern typeof(name) *sym_##name;
VTIER_LIBVIRT_SYMBOLS(VTIER_LIBVIRT_DECLARE)
VTIER_LIBVIRT_QEMU_SYMBOLS(VTIER_LIBVIRT_DECLARE)
#undef VTIER_LIBVIRT_DECLARE

/* Loads libvirt once (thread-safe; later calls return the first one's answer). FALSE with
 * VTIER_ERROR_NOT_SUPPORTED naming the library, or the symbol it lacks, when it cannot. */
gboolean vtier_libvirt_load(GError **error);

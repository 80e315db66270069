/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* libxml2, loaded at run time (common/dl.h). Linked, it and what it needs (ICU's libicuuc and its
 * 30 MB libicudata, libstdc++, liblzma, libz: ~15 000 relocations) cost every vtier program's
 * start ~2.5 ms, half of a `vtierctl status`, which never reads XML. The first vtier_libxml_load()
 * opens it by the soname configure found and fills one pointer per function vtier calls,
 * sym_<function>: code calls sym_xmlFreeDoc(doc) where it would call xmlFreeDoc(doc). Every caller
 * parses through domain-xml.c, policy-xml.c or policy-store.c, which load it first and fail with
 * the loader's error. The headers are libxml2's own, so every pointer has the function's type. */

/* xmlFree is a variable (a pointer to the free function) unless libxml2 keeps its allocators per
 * thread, where it is a macro over __xmlFree(): Debian's 2.9 and later do not. */
#ifdef LIBXML_THREAD_ALLOC_ENABLED
#error "libxml2 built with LIBXML_THREAD_ALLOC_ENABLED: xmlFree is not a variable, load __xmlFree"
#endif

#define VTIER_LIBXML_SYMBOLS(X)                                                                    \
	X(xmlBufferContent)                                                                        \
	X(xmlBufferCreate)                                                                         \
	X(xmlBufferFree)                                                                           \
	X(xmlCtxtGetLastError)                                                                     \
	X(xmlCtxtReadMemory)                                                                       \
	X(xmlDocCopyNode)                                                                          \
	X(xmlDocGetRootElement)                                                                    \
	X(xmlDocSetRootElement)                                                                    \
	X(xmlFree) /* a variable: use (*sym_xmlFree)(p), or vtier_libxml_free(p) */                \
	X(xmlFreeDoc)                                                                              \
	X(xmlFreeParserCtxt)                                                                       \
	X(xmlGetLastError)                                                                         \
	X(xmlGetNoNsProp)                                                                          \
	X(xmlInitParser)                                                                           \
	X(xmlIsBlankNode)                                                                          \
	X(xmlNewDoc)                                                                               \
	X(xmlNewNs)                                                                                \
	X(xmlNewParserCtxt)                                                                        \
	X(xmlNodeDump)                                                                             \
	X(xmlNodeGetContent)                                                                       \
	X(xmlReadMemory)                                                                           \
	X(xmlRelaxNGFree)                                                                          \
	X(xmlRelaxNGFreeParserCtxt)                                                                \
	X(xmlRelaxNGFreeValidCtxt)                                                                 \
	X(xmlRelaxNGNewDocParserCtxt)                                                              \
	X(xmlRelaxNGNewValidCtxt)                                                                  \
	X(xmlRelaxNGParse)                                                                         \
	X(xmlRelaxNGSetParserStructuredErrors)                                                     \
	X(xmlRelaxNGSetValidStructuredErrors)                                                      \
	X(xmlRelaxNGValidateDoc)                                                                   \
	X(xmlSetNs)

#define VTIER_LIBXML_DECLARE(name) extern typeof(name) *sym_##name;
VTIER_LIBXML_SYMBOLS(VTIER_LIBXML_DECLARE)
#undef VTIER_LIBXML_DECLARE

/* Loads libxml2 once (thread-safe; later calls return the first one's answer) and initializes
 * its parser. FALSE with VTIER_ERROR_NOT_SUPPORTED naming the library and its Debian package
 * (libxml2), or the symbol it lacks, when it cannot. */
gboolean vtier_libxml_load(GError **error);

/* Frees what libxml2 allocated for the caller (xmlNodeGetContent(), xmlGetNoNsProp()). */
static inline void vtier_libxml_free(void *p)
{
	if (p != NULL)
		(*sym_xmlFree)(p);
}

/* Only for objects the loaded library made, so the pointers are set when they run. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, sym_xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, sym_xmlFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, sym_xmlBufferFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGParserCtxt, sym_xmlRelaxNGFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGValidCtxt, sym_xmlRelaxNGFreeValidCtxt)

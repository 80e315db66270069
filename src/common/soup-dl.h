/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

/* libsoup, loaded at run time (common/dl.h) by the one user of it, vtierd's /metrics endpoint
 * (src/metrics/server.c), when it starts. Linked, libsoup and what it needs (sqlite3, Kerberos's
 * libgssapi_krb5, libkrb5, libk5crypto, nghttp2, libpsl with libidn2 and libunistring, brotli:
 * ~15 libraries) were mapped by every vtier program: ~1.4 MiB of a vtierd's resident memory with
 * [metrics] listen=off (bench/README.md, perf-F), and the start of every vtierctl. Code calls
 * sym_soup_server_new(...) where it would call soup_server_new(...); the headers are libsoup's
 * own, so every pointer has the function's type. */
#define VTIER_SOUP_SYMBOLS(X)                                                                      \
	X(soup_message_body_append_bytes)                                                          \
	X(soup_message_headers_replace)                                                            \
	X(soup_server_add_handler)                                                                 \
	X(soup_server_disconnect)                                                                  \
	X(soup_server_get_listeners)                                                               \
	X(soup_server_listen)                                                                      \
	X(soup_server_message_get_method)                                                          \
	X(soup_server_message_get_response_body)                                                   \
	X(soup_server_message_get_response_headers)                                                \
	X(soup_server_message_get_socket)                                                          \
	X(soup_server_message_set_status)                                                          \
	X(soup_server_new)

#define VTIER_SOUP_DECLARE(name) extern typeof(name) *sym_##name;
VTIER_SOUP_SYMBOLS(VTIER_SOUP_DECLARE)
#undef VTIER_SOUP_DECLARE

/* Loads libsoup once (thread-safe; later calls return the first one's answer). FALSE with
 * VTIER_ERROR_NOT_SUPPORTED naming the library and its Debian package (libsoup-3.0-0), or the
 * symbol it lacks, when it cannot. */
gboolean vtier_soup_load(GError **error);

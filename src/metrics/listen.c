/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-metrics"

#include "config.h"

#include "common/error.h"
#include "metrics/metrics.h"

/* `[metrics] listen`: the one parser both the config validation and the server use. */

static gboolean parse_port(const gchar *text, guint16 *ret_port)
{
	guint port = 0;
	gsize len = strlen(text);

	if (len == 0 || len > 5)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit(text[i]))
			return FALSE;
		port = port * 10 + (guint)(text[i] - '0');
	}
	if (port > G_MAXUINT16)
		return FALSE;
	*ret_port = (guint16)port;
	return TRUE;
}

/* Splits "HOST:PORT" or "[HOST]:PORT"; the host must be a numeric address of the right family. */
static GInetAddress *split_listen(const gchar *text, guint16 *ret_port)
{
	g_autofree gchar *host = NULL;
	const gchar *colon;
	GInetAddress *address;

	if (text[0] == '[') {
		const gchar *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return NULL;
		host = g_strndup(text + 1, close - text - 1);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL)
			return NULL;
		host = g_strndup(text, colon - text);
		if (strchr(host, ':') != NULL) /* IPv6 needs brackets */
			return NULL;
	}
	if (!parse_port(colon + 1, ret_port))
		return NULL;
	address = g_inet_address_new_from_string(host);
	if (address == NULL)
		return NULL;
	if ((text[0] == '[') != (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6)) {
		g_object_unref(address);
		return NULL;
	}
	return address;
}

gboolean vtier_metrics_parse_listen(const gchar *text, GSocketAddress **ret_address, GError **error)
{
	g_autoptr(GInetAddress) address = NULL;
	guint16 port = 0;

	if (ret_address != NULL)
		*ret_address = NULL;
	if (g_strcmp0(text, "off") == 0)
		return TRUE;
	if (text != NULL)
		address = split_listen(text, &port);
	if (address == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[metrics] listen=\"%s\" is not an address to listen on (allowed: "
			    "IPV4:PORT such as 127.0.0.1:9848, [IPV6]:PORT such as [::1]:9848, "
			    "or off)",
			    text != NULL ? text : "");
		return FALSE;
	}
	if (ret_address != NULL)
		*ret_address = g_inet_socket_address_new(address, port);
	return TRUE;
}

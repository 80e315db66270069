/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <errno.h>
#include <grp.h>

#include "common/control.h"
#include "common/error.h"
#include "daemon/manager-private.h"
#include "metrics/metrics.h"
#include "metrics/server.h"

/* vtierd's endpoints: the control socket (vtierctl, the libvirt hook) and the Prometheus
 * endpoint. */

static gboolean group_lookup(const gchar *name, guint *ret_gid, GError **error)
{
	struct group *gr;

	errno = 0;
	gr = getgrnam(name);
	if (gr == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[daemon] control_group=%s: no such group%s%s", name,
			    errno != 0 ? ": " : "", errno != 0 ? g_strerror(errno) : "");
		return FALSE;
	}
	*ret_gid = (guint)gr->gr_gid;
	return TRUE;
}

static gboolean start_control(VtierManager *m, GError **error)
{
	g_autofree gchar *configured =
		vtier_config_get_string(m->config, "daemon", "control_socket");
	g_autofree gchar *group = vtier_config_get_string(m->config, "daemon", "control_group");
	g_autofree gchar *path = vtier_control_socket_path(configured);
	guint gid = G_MAXUINT;

	if (group[0] != '\0' && !group_lookup(group, &gid, error))
		return FALSE;
	m->control = vtier_control_server_new(path, gid, vtier_manager_handle_request, m, error);
	if (m->control == NULL) {
		g_prefix_error(error, "control socket %s: ", path);
		return FALSE;
	}
	vtier_control_server_set_text_handler(m->control, vtier_manager_handle_request_text);
	g_message("control socket %s", path);
	return TRUE;
}

/* While someone scrapes (a scrape in the last METRICS_SCRAPED_S), the snapshot is rendered as it
 * is published (once a controller interval, and at the end of a reconcile): a scrape then copies
 * text, whatever the number of guests, instead of rendering in the loop while the scraper waits.
 * Nobody scraping, nothing is rendered (1.6 ms a second at 100 guests would be most of an idle
 * vtierd's CPU) and the first scrape renders the snapshot it finds. */
#define METRICS_SCRAPED_S 120

static void metrics_render(VtierManager *m)
{
	g_free(m->metrics_text);
	m->metrics_text = vtier_metrics_render(m->snapshot);
	m->metrics_sequence = m->snapshot->sequence;
	m->metrics_renders++;
}

void vtier_manager_metrics_publish(VtierManager *m)
{
	if (m->metrics == NULL || m->snapshot == NULL)
		return;
	if (m->metrics_scraped != 0 &&
	    g_get_monotonic_time() - m->metrics_scraped < METRICS_SCRAPED_S * G_USEC_PER_SEC)
		metrics_render(m);
	else
		g_clear_pointer(&m->metrics_text, g_free);
}

/* NULL (503) only before the first snapshot, which vtierd publishes as it starts. */
static gchar *serve_metrics(gpointer user_data)
{
	VtierManager *m = user_data;

	if (m->snapshot == NULL)
		return NULL;
	m->metrics_scraped = g_get_monotonic_time();
	if (m->metrics_text == NULL || m->metrics_sequence != m->snapshot->sequence)
		metrics_render(m);
	return g_strdup(m->metrics_text);
}

/* A port in use must not stop tiering: vtierd runs without /metrics, says why in the log and in
 * status, and counts it. */
static void start_metrics(VtierManager *m)
{
	g_autofree gchar *listen = vtier_config_get_string(m->config, "metrics", "listen");
	g_autoptr(GError) error = NULL;

	m->metrics = vtier_metrics_server_new(listen, serve_metrics, m, &error);
	g_clear_pointer(&m->metrics_error, g_free);
	if (m->metrics != NULL) {
		g_autofree gchar *url = vtier_metrics_server_get_url(m->metrics);

		g_message("metrics on %s", url);
	} else if (error != NULL) {
		m->metrics_error = g_strdup_printf("no /metrics: [metrics] listen=%s: %s", listen,
						   error->message);
		vtier_manager_count_error(m, "metrics");
		g_warning("%s", m->metrics_error);
	}
}

gboolean vtier_manager_endpoints_start(VtierManager *m, GError **error)
{
	if (!start_control(m, error))
		return FALSE;
	start_metrics(m);
	return TRUE;
}

void vtier_manager_endpoints_stop(VtierManager *m)
{
	g_clear_pointer((VtierMetricsServer **)&m->metrics, vtier_metrics_server_free);
	g_clear_pointer((VtierControlServer **)&m->control, vtier_control_server_free);
	g_clear_pointer(&m->metrics_text, g_free);
	g_clear_pointer(&m->metrics_error, g_free);
	for (guint i = 0; i < VTIER_CONTROL_VIEW_LAST; i++)
		g_clear_pointer(&m->status_text[i], g_bytes_unref);
}

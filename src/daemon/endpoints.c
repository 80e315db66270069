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

/* What the /metrics thread serves: the snapshot vtierd published last (a reference; a published
 * snapshot is never changed) and its text. Rendering happens in that thread, never in vtierd's
 * loop: while someone scrapes (a scrape in the last METRICS_SCRAPED_S), each snapshot is rendered
 * as soon as it is published (once a controller interval, and at the end of a reconcile), so a
 * scrape copies text whatever the number of guests. Nobody scraping, nothing is rendered (1.6 ms
 * a second at 100 guests would be most of an idle vtierd's CPU) and the first scrape renders the
 * snapshot it finds. */
#define METRICS_SCRAPED_S 120

typedef struct {
	GMutex lock;
	VtierSnapshot *snapshot; /* NULL before the first */
	GBytes *text;		 /* snapshot `sequence` rendered, or NULL */
	guint64 sequence;
	gint64 scraped;		 /* monotonic time of the last scrape, 0: none yet */
	guint64 renders;	 /* renderings (tests) */
} MetricsFeed;

static void feed_free(MetricsFeed *feed)
{
	vtier_snapshot_free(feed->snapshot);
	g_clear_pointer(&feed->text, g_bytes_unref);
	g_mutex_clear(&feed->lock);
	g_free(feed);
}

/* In the /metrics thread (the only one that renders): the text of the latest snapshot, rendered
 * unless it was already; a reference to it for a scrape, NULL otherwise and before the first. */
static GBytes *feed_text(MetricsFeed *feed, gboolean scrape)
{
	g_autoptr(VtierSnapshot) snapshot = NULL;
	GBytes *text = NULL;
	gchar *rendered;

	g_mutex_lock(&feed->lock);
	if (scrape)
		feed->scraped = g_get_monotonic_time();
	if (feed->snapshot == NULL || (feed->text != NULL &&
				       feed->sequence == feed->snapshot->sequence)) {
		if (scrape && feed->text != NULL)
			text = g_bytes_ref(feed->text);
		g_mutex_unlock(&feed->lock);
		return text;
	}
	snapshot = vtier_snapshot_ref(feed->snapshot);
	g_mutex_unlock(&feed->lock);
	rendered = vtier_metrics_render(snapshot);
	text = g_bytes_new_take(rendered, strlen(rendered));
	g_mutex_lock(&feed->lock);
	g_clear_pointer(&feed->text, g_bytes_unref);
	feed->text = text;
	feed->sequence = snapshot->sequence;
	feed->renders++;
	text = scrape ? g_bytes_ref(text) : NULL;
	g_mutex_unlock(&feed->lock);
	return text;
}

static gboolean feed_render(gpointer data)
{
	feed_text(data, FALSE);
	return G_SOURCE_REMOVE;
}

void vtier_manager_metrics_publish(VtierManager *m)
{
	MetricsFeed *feed = m->metrics_feed;
	VtierSnapshot *old;
	gboolean scraped;

	if (m->metrics == NULL || m->snapshot == NULL)
		return;
	g_mutex_lock(&feed->lock);
	old = feed->snapshot;
	feed->snapshot = vtier_snapshot_ref(m->snapshot);
	scraped = feed->scraped != 0 &&
		  g_get_monotonic_time() - feed->scraped < METRICS_SCRAPED_S * G_USEC_PER_SEC;
	if (!scraped)
		g_clear_pointer(&feed->text, g_bytes_unref);
	g_mutex_unlock(&feed->lock);
	vtier_snapshot_free(old);
	if (scraped)
		vtier_metrics_server_invoke(m->metrics, feed_render, feed);
}

guint64 vtier_manager_metrics_renders(VtierManager *m)
{
	MetricsFeed *feed = m->metrics_feed;
	guint64 renders;

	if (feed == NULL)
		return 0;
	g_mutex_lock(&feed->lock);
	renders = feed->renders;
	g_mutex_unlock(&feed->lock);
	return renders;
}

/* NULL (503) only before the first snapshot, which vtierd publishes as it starts. */
static GBytes *serve_metrics(gpointer user_data)
{
	return feed_text(user_data, TRUE);
}

/* A port in use must not stop tiering: vtierd runs without /metrics, says why in the log and in
 * status, and counts it. */
static void start_metrics(VtierManager *m)
{
	g_autofree gchar *listen = vtier_config_get_string(m->config, "metrics", "listen");
	g_autoptr(GError) error = NULL;

	MetricsFeed *feed = g_new0(MetricsFeed, 1);

	g_mutex_init(&feed->lock);
	m->metrics_feed = feed;
	m->metrics = vtier_metrics_server_new(listen, serve_metrics, feed, &error);
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
	/* the server first: its thread may still use the feed until it is joined */
	g_clear_pointer((VtierMetricsServer **)&m->metrics, vtier_metrics_server_free);
	g_clear_pointer((MetricsFeed **)&m->metrics_feed, feed_free);
	g_clear_pointer((VtierControlServer **)&m->control, vtier_control_server_free);
	g_clear_pointer(&m->metrics_error, g_free);
	for (guint i = 0; i < VTIER_CONTROL_VIEW_LAST; i++)
		g_clear_pointer(&m->status_text[i], g_bytes_unref);
}

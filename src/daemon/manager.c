/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#include "common/error.h"
#include "common/paths.h"
#include "daemon/manager-private.h"
#include "tiering/options.h"

/* How long events are gathered before one reconcile runs: a burst of guest starts (hook calls,
 * libvirt events, attaches) ends in one plan and one commit. */
#define RECONCILE_DEBOUNCE_MS 50

void vtier_manager_options_clear(VtierManagerOptions *options)
{
	g_clear_pointer(&options->config_path, g_free);
	g_clear_pointer(&options->connect_uri, g_free);
	g_clear_pointer(&options->kernel_features, g_free);
	g_clear_pointer(&options->policy_dir, g_free);
}

VtierManager *vtier_manager_new(const VtierManagerOptions *options, GError **error)
{
	g_autoptr(VtierManager) m = g_new0(VtierManager, 1);

	m->options.config_path = g_strdup(options->config_path);
	m->options.config_explicit = options->config_explicit;
	m->options.connect_uri = g_strdup(options->connect_uri);
	m->options.dry_run = options->dry_run;
	m->options.kernel_features = g_strdup(options->kernel_features);
	m->options.policy_dir = g_strdup(options->policy_dir);
	m->config_path = g_strdup(options->config_path);
	m->config = vtier_config_load(m->config_path, options->config_explicit, error);
	if (m->config == NULL || !vtier_config_to_options(m->config, &m->typed, error))
		return NULL;
	m->loop = g_main_loop_new(NULL, FALSE);
	m->guests = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					  (GDestroyNotify)vtier_daemon_guest_free);
	m->budgets = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	m->refresh_uuids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m->errors_total = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	m->logged_errors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m->controller = vtier_controller_new();
	m->slots = vtier_plan_slots_new();
	{
		g_autoptr(VtierSnapshot) proto = vtier_snapshot_new();

		m->reconcile_seconds = vtier_histogram_copy(proto->reconcile_seconds);
		m->commit_seconds = vtier_histogram_copy(proto->commit_seconds);
	}
	m->snapshot = vtier_snapshot_new();
	m->kdamond_pid = -1;
	return g_steal_pointer(&m);
}

void vtier_manager_free(VtierManager *m)
{
	if (m == NULL)
		return;
	vtier_manager_endpoints_stop(m);
	if (m->reconcile_source != 0)
		g_source_remove(m->reconcile_source);
	if (m->interval_source != 0)
		g_source_remove(m->interval_source);
	if (m->refresh_source != 0)
		g_source_remove(m->refresh_source);
	if (m->audit_source != 0)
		g_source_remove(m->audit_source);
	if (m->retry_source != 0)
		g_source_remove(m->retry_source);
	m->stopping = TRUE;
	g_clear_pointer(&m->damon_worker, vtier_damon_worker_free); /* before what it uses */
	g_clear_pointer(&m->refresh_uuids, g_hash_table_unref);
	g_clear_pointer(&m->virt, vtier_virt_connection_free);
	g_clear_pointer(&m->guests_by_name, g_ptr_array_unref);
	g_clear_pointer(&m->guests, g_hash_table_unref);
	g_clear_pointer(&m->loop, g_main_loop_unref);
	vtier_config_free(m->config);
	vtier_options_clear(&m->typed);
	vtier_topology_free(m->topology);
	vtier_sampler_free(m->sampler);
	vtier_damon_features_free(m->features);
	vtier_policy_store_free(m->store);
	vtier_damon_driver_free(m->driver);
	vtier_damon_writer_free(m->dry_writer);
	vtier_damon_fake_free(m->fake);
	vtier_plan_slots_free(m->slots);
	vtier_plan_free(m->plan);
	vtier_damon_model_free(m->applied);
	g_clear_pointer(&m->overlaid, g_ptr_array_unref);
	g_clear_pointer(&m->budgets, g_hash_table_unref);
	vtier_controller_free(m->controller);
	vtier_snapshot_free(m->snapshot);
	g_clear_pointer(&m->errors_total, g_hash_table_unref);
	g_clear_pointer(&m->logged_errors, g_hash_table_unref);
	vtier_histogram_free(m->reconcile_seconds);
	vtier_histogram_free(m->commit_seconds);
	g_free(m->last_reconcile_error);
	g_clear_pointer(&m->state_mine, g_free);
	g_clear_pointer(&m->state_root, json_node_unref);
	g_list_free_full(m->dry_run_modules, g_free);
	g_free(m->config_path);
	vtier_manager_options_clear(&m->options);
	g_free(m);
}

const VtierConfig *vtier_manager_get_config(const VtierManager *m)
{
	return m->config;
}

void vtier_manager_count_error(VtierManager *m, const gchar *kind)
{
	guint64 *counter = g_hash_table_lookup(m->errors_total, kind);

	/* a new kind belongs in vtier_snapshot_error_kinds, so /metrics shows it from 0 */
	g_warn_if_fail(vtier_snapshot_error_kind_known(kind));
	if (counter == NULL) {
		counter = g_new0(guint64, 1);
		g_hash_table_insert(m->errors_total, g_strdup(kind), counter);
	}
	(*counter)++;
}

guint64 vtier_manager_fast_capacity(VtierManager *m)
{
	guint64 total = 0;
	guint64 reserve = vtier_config_get_size(m->config, "host", "fast_reserve");

	for (guint i = 0; i < m->topology->nodes->len; i++) {
		const VtierNode *n = g_ptr_array_index(m->topology->nodes, i);

		if (n->role == VTIER_NODE_ROLE_FAST)
			total += n->total_bytes;
	}
	return total > reserve ? total - reserve : 0;
}

static gboolean on_reconcile(gpointer user_data)
{
	VtierManager *m = user_data;

	m->reconcile_source = 0;
	if (vtier_manager_damon_busy(m)) {
		/* stays dirty: begins when the worker is idle (vtier_manager_damon_idle) */
		g_debug("reconcile: waits for the DAMON job in flight");
		return G_SOURCE_REMOVE;
	}
	vtier_manager_reconcile_begin(m);
	return G_SOURCE_REMOVE;
}

void vtier_manager_damon_idle(VtierManager *m)
{
	gint64 wait_ms;

	if (m->stopping || vtier_manager_damon_busy(m))
		return;
	if (m->budgets_pending)
		vtier_manager_apply_budgets(m);
	if (vtier_manager_damon_busy(m))
		return;
	if (!m->dirty || m->reconcile_source != 0) {
		if (m->step_soon && !m->dirty) {
			/* new closed loops are parked in the kernel now: their first budgets */
			m->step_soon = FALSE;
			vtier_manager_interval_restart(m);
		}
		/* behind the interval's status read, if it launched one (vtier_manager_audit) */
		if (vtier_manager_audit_due(m))
			vtier_manager_audit(m);
		return;
	}
	/* the reconcile asked while the job ran (coalesced: one for any number of asks), no sooner
	 * than the debounce after the last one began (a storm of short jobs is no storm of plans) */
	wait_ms = (m->reconcile_began_us + RECONCILE_DEBOUNCE_MS * 1000 - g_get_monotonic_time()) /
		  1000;
	if (wait_ms > 0)
		m->reconcile_source = g_timeout_add_full(G_PRIORITY_DEFAULT, (guint)wait_ms + 1,
							 on_reconcile, m, NULL);
	else
		vtier_manager_reconcile_begin(m);
}

void vtier_manager_mark_dirty(VtierManager *m, const gchar *why)
{
	g_debug("dirty: %s", why);
	m->dirty = TRUE;
	if (m->reconcile_source != 0)
		return;
	/* the default priority, as the control socket's: at G_PRIORITY_LOW a client that keeps
	 * the socket busy (status polled in a loop) starved the reconcile, and an attached guest
	 * stayed pending for as long as it polled; the debounce alone gathers a burst */
	m->reconcile_source = g_timeout_add_full(G_PRIORITY_DEFAULT, RECONCILE_DEBOUNCE_MS,
						 on_reconcile, m, NULL);
}

/* A template that does not parse does not stop the others (a guest naming it is refused with
 * its error): say so when the store is loaded, once per template and text. */
static void report_broken_templates(VtierManager *m)
{
	g_auto(GStrv) broken = vtier_policy_store_list_broken_templates(m->store);

	for (guint i = 0; broken != NULL && broken[i] != NULL; i++) {
		g_autofree gchar *text =
			vtier_escape_log(vtier_policy_store_template_error(m->store, broken[i]));

		g_warning("policy template %s is not used: %s (guests naming it are refused)",
			  broken[i], text);
	}
}

gboolean vtier_manager_reload_policies(VtierManager *m, GError **error)
{
	VtierPolicyStore *store = vtier_policy_store_new(m->options.policy_dir, error);

	if (store == NULL)
		return FALSE;
	vtier_policy_store_free(m->store);
	m->store = store;
	m->store_generation++;
	report_broken_templates(m);
	return TRUE;
}

gboolean vtier_manager_reload(VtierManager *m, GError **error)
{
	g_autoptr(VtierConfig) config = vtier_config_load(m->config_path,
							   m->options.config_explicit, error);
	g_auto(VtierOptions) typed = { 0 };
	VtierPolicyStore *store;

	/* the same validation as at start: a file that does not map is refused whole */
	if (config == NULL || !vtier_config_to_options(config, &typed, error))
		return FALSE;
	store = vtier_policy_store_new(m->options.policy_dir, error);
	if (store == NULL)
		return FALSE;
	vtier_policy_store_free(m->store);
	m->store = store;
	m->store_generation++;
	report_broken_templates(m);
	vtier_config_free(m->config);
	m->config = g_steal_pointer(&config);
	vtier_options_clear(&m->typed);
	m->typed = typed;
	memset(&typed, 0, sizeof(typed));
	vtier_manager_mark_dirty(m, "configuration reloaded");
	return TRUE;
}

static gboolean on_quit_signal(gpointer user_data)
{
	VtierManager *m = user_data;

	g_message("stopping on signal");
	g_main_loop_quit(m->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean on_reload_signal(gpointer user_data)
{
	VtierManager *m = user_data;
	g_autoptr(GError) error = NULL;

	vtier_notify("RELOADING=1");
	if (!vtier_manager_reload(m, &error)) {
		vtier_manager_count_error(m, "config");
		g_warning("keeping the running configuration: %s", error->message);
	} else {
		g_message("reloaded %s", m->config_path);
	}
	vtier_notify("READY=1");
	return G_SOURCE_CONTINUE;
}

/* ---- start ---- */

/* A test knob, honoured only in a dry run: VTIER_DRY_RUN_COMMIT_DELAY_MS makes every commit of
 * the in-process fake wait that long, as the kernel's commit waits for a busy kdamond (the
 * fault tests show that status is served meanwhile; docs/daemon.md). */
static void dry_run_commit_delay(VtierManager *m)
{
	const gchar *text = g_getenv("VTIER_DRY_RUN_COMMIT_DELAY_MS");
	guint64 ms = 0;

	if (text == NULL || text[0] == '\0')
		return;
	if (!g_ascii_string_to_unsigned(text, 10, 0, 600000, &ms, NULL)) {
		g_warning("dry run: VTIER_DRY_RUN_COMMIT_DELAY_MS=%s is not a number of ms "
			  "(0..600000): ignored",
			  text);
		return;
	}
	vtier_damon_fake_set_commit_delay(m->fake, (guint)ms);
	g_message("dry run: every commit waits %" G_GUINT64_FORMAT
		  " ms (VTIER_DRY_RUN_COMMIT_DELAY_MS, a test knob)",
		  ms);
}

static gboolean start_damon(VtierManager *m, GError **error)
{
	gboolean disable_stat = vtier_config_get_boolean(m->config, "damon", "disable_damon_stat");

	if (m->options.dry_run) {
		const gchar *profile = m->options.kernel_features ? m->options.kernel_features
								  : "7.3";

		m->features = vtier_damon_features_load(profile, error);
		if (m->features == NULL)
			return FALSE;
		/* the profile's exclusive modules (damon_stat at boot) would hold the fake kernel:
		 * a dry run shows the plan and warns about them instead (observe.c) */
		for (guint i = 0; m->features->modules != NULL && i < m->features->modules->len;
		     i++) {
			VtierDamonModule *mod = g_ptr_array_index(m->features->modules, i);

			if (mod->enabled)
				m->dry_run_modules = g_list_append(m->dry_run_modules,
								   g_strdup(mod->name));
			mod->enabled = FALSE;
		}
		m->fake = vtier_damon_fake_new(m->features);
		vtier_damon_fake_set_check_memcg(m->fake, FALSE);
		dry_run_commit_delay(m);
		{
			g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(m->fake);

			m->dry_writer = vtier_damon_writer_new(io, m->features);
		}
		vtier_damon_writer_set_staged_start(m->dry_writer, FALSE, 0);
		vtier_damon_writer_set_check_memcg(m->dry_writer, FALSE);
		g_message("dry run: planning for DAMON kernel profile %s; nothing is written to "
			  "the kernel",
			  profile);
		return TRUE;
	}
	m->driver = vtier_damon_driver_new(NULL);
	if (!vtier_damon_driver_start(m->driver, disable_stat, error)) {
		g_prefix_error(error, "cannot drive DAMON: ");
		return FALSE;
	}
	m->features = vtier_damon_features_copy(vtier_damon_driver_get_features(m->driver));
	{
		g_autofree gchar *staged = vtier_config_get_string(m->config, "damon", "staged_start");
		VtierDamonStagedStart mode = VTIER_DAMON_STAGED_AUTO;

		/* the key table allows only these three (config.c) */
		if (!vtier_damon_staged_start_from_string(staged, &mode))
			g_warn_if_reached();
		vtier_damon_writer_set_staged_mode(vtier_damon_driver_get_writer(m->driver), mode);
	}
	{
		const VtierDamonClaim *claim = vtier_damon_driver_get_claim(m->driver);

		m->adopted = claim->adopted != NULL && claim->adopted->len > 0;
		if (m->adopted)
			g_message("adopted vtier's running kdamond (pid %d)",
				  g_array_index(claim->adopted, VtierDamonOwnedKdamond, 0).pid);
		if (claim->damon_stat_disabled)
			g_message("turned damon_stat off ([damon] disable_damon_stat=true)");
	}
	return TRUE;
}

static void on_guest_event(VtierVirtConnection *conn, const VtierGuest *guest, gpointer data)
{
	(void)conn;
	(void)guest;
	vtier_manager_mark_dirty(data, "libvirt event");
}

static void on_connection_changed(VtierVirtConnection *conn, gboolean connected, gpointer data)
{
	VtierManager *m = data;

	(void)conn;
	if (connected)
		g_message("libvirt connected");
	else
		g_warning("libvirt connection lost; reconnecting");
	vtier_manager_mark_dirty(m, "libvirt connection");
}

static void start_libvirt(VtierManager *m)
{
	g_autofree gchar *uri = m->options.connect_uri != NULL
					? g_strdup(m->options.connect_uri)
					: vtier_config_get_string(m->config, "daemon", "libvirt_uri");
	static const VtierVirtCallbacks callbacks = {
		.guest_added = on_guest_event,
		.guest_changed = on_guest_event,
		.guest_removed = on_guest_event,
		.connection_changed = on_connection_changed,
	};
	VtierVirtOptions options = { 0 };
	g_autoptr(GError) error = NULL;

	if (g_strcmp0(uri, "none") == 0 || uri[0] == '\0')
		return;
	options.resolve_memcg = !g_str_has_prefix(uri, "test:");
	m->virt = vtier_virt_connection_new(uri, &options, &callbacks, m);
	if (!vtier_virt_connection_start(m->virt, &error))
		g_warning("libvirt %s: %s (retrying in the background)", uri, error->message);
}

gboolean vtier_manager_start(VtierManager *m, GError **error)
{
	/* the typed options of each part (src/tiering/options.h), mapped from the key file */
	m->topology = vtier_topology_load(&m->typed.topology, error);
	if (m->topology == NULL)
		return FALSE;
	m->sampler = vtier_sampler_detect(&m->typed.sampler, error);
	if (m->sampler == NULL)
		return FALSE;
	if (!vtier_manager_reload_policies(m, error))
		return FALSE;
	vtier_manager_state_check(m);
	if (!start_damon(m, error))
		return FALSE;
	m->damon_worker = vtier_damon_worker_new(m, m->driver, m->dry_writer, m->fake);
	if (!vtier_manager_state_load(m, error))
		return FALSE;
	if (!vtier_manager_endpoints_start(m, error))
		return FALSE;
	start_libvirt(m);
	vtier_manager_snapshot_update(m);
	vtier_manager_mark_dirty(m, "start");
	vtier_manager_interval_start(m);
	vtier_manager_audit_start(m);
	return TRUE;
}

static void stop_damon(VtierManager *m)
{
	g_autoptr(GError) error = NULL;

	if (m->driver == NULL)
		return;
	if (!vtier_config_get_boolean(m->config, "damon", "stop_on_exit")) {
		g_message("leaving vtier's kdamond running with its last plan "
			  "([damon] stop_on_exit=false)");
		return;
	}
	if (!vtier_damon_driver_stop(m->driver, &error))
		g_warning("cannot stop vtier's kdamonds: %s", error->message);
	else
		g_message("stopped vtier's kdamonds ([damon] stop_on_exit=true)");
}

int vtier_manager_run(VtierManager *m)
{
	m->signal_sources[0] = g_unix_signal_add(SIGTERM, on_quit_signal, m);
	m->signal_sources[1] = g_unix_signal_add(SIGINT, on_quit_signal, m);
	m->signal_sources[2] = g_unix_signal_add(SIGHUP, on_reload_signal, m);
	g_message("vtierd %s running (configuration %s%s)", PACKAGE_VERSION, m->config_path,
		  m->options.dry_run ? ", dry run" : "");
	vtier_notify("READY=1");
	g_main_loop_run(m->loop);
	vtier_notify("STOPPING=1");
	/* the DAMON job in flight ends first (a commit may wait for the kdamond); none after it */
	m->stopping = TRUE;
	if (vtier_manager_damon_busy(m))
		g_message("waiting for the DAMON job in flight");
	vtier_damon_worker_drain(m);
	for (guint i = 0; i < G_N_ELEMENTS(m->signal_sources); i++)
		g_source_remove(m->signal_sources[i]);
	vtier_manager_state_save(m, NULL); /* logs a failure itself */
	stop_damon(m);
	return m->exit_status;
}

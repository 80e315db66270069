/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "daemon/manager-private.h"
#include "qmp/guest-source.h"
#include "tiering/plan-input.h"
#include "virt/memcg.h"

/* vtierd's guest table: every guest it knows (from libvirt or attached), its resolved policy
 * and its fault state. */

#define FAULT_BACKOFF_MIN_MS 1000
#define FAULT_BACKOFF_MAX_MS 60000

static void fault_free(VtierFault *fault)
{
	if (fault == NULL)
		return;
	g_free(fault->kind);
	g_free(fault->message);
	g_free(fault);
}

static void result_free(VtierPlanGuestResult *r)
{
	if (r == NULL)
		return;
	g_free(r->name);
	g_free(r->uuid);
	g_free(r->refusal);
	g_free(r);
}

/* Bumped by every guest made or freed: a table in name order sorted at another generation may
 * hold a guest freed since (or miss one made since, its memory maybe a freed one's). A guest taken
 * out of the table and put back (handlers.c) changes neither the set nor the order; while it is
 * out, the table's size tells. */
static guint64 guest_generation;

VtierDaemonGuest *vtier_daemon_guest_new(const gchar *name, VtierGuestOrigin origin)
{
	VtierDaemonGuest *g = g_new0(VtierDaemonGuest, 1);

	guest_generation++;
	g->name = g_strdup(name);
	g->origin = origin;
	g->last_scheme[0] = g->last_scheme[1] = -1;
	return g;
}

void vtier_daemon_guest_free(VtierDaemonGuest *g)
{
	if (g == NULL)
		return;
	guest_generation++;
	g_free(g->name);
	vtier_guest_free(g->record);
	g_free(g->attach_qmp);
	g_free(g->attach_policy);
	g_free(g->attach_template);
	g_clear_pointer(&g->state_attached, json_object_unref);
	g_free(g->state_attached_text);
	vtier_policy_free(g->policy);
	g_free(g->policy_key);
	vtier_plan_guest_free(g->plan_input);
	g_free(g->policy_error);
	g_free(g->refusal);
	fault_free(g->fault);
	result_free(g->result);
	vtier_snapshot_guest_free(g->snap);
	g_free(g);
}

/* An error (@is_error: counted, a warning) or a guest on its way out (one line at info level). */
static void fault_set(VtierManager *m, VtierDaemonGuest *g, const gchar *kind,
		      const gchar *message, gboolean is_error)
{
	gint64 now = g_get_monotonic_time();
	g_autofree gchar *name = NULL;
	g_autofree gchar *text = NULL;

	if (g->fault != NULL && g_strcmp0(g->fault->message, message) == 0) {
		g->fault->backoff_ms = MIN(g->fault->backoff_ms * 2, FAULT_BACKOFF_MAX_MS);
		g->fault->retry_at_us = now + (gint64)g->fault->backoff_ms * 1000;
		return;
	}
	fault_free(g->fault);
	g->fault = g_new0(VtierFault, 1);
	g->fault->kind = g_strdup(kind);
	g->fault->message = g_strdup(message);
	g->fault->since_us = now;
	g->fault->backoff_ms = FAULT_BACKOFF_MIN_MS;
	g->fault->retry_at_us = now + FAULT_BACKOFF_MIN_MS * 1000;
	name = vtier_escape_log(g->name);
	text = vtier_escape_log(message);
	if (!is_error) {
		g_message("guest %s: %s", name, text);
		return;
	}
	vtier_manager_count_error(m, kind);
	g_warning("guest %s: %s (retrying with backoff; other guests are not affected)", name,
		  text);
}

void vtier_daemon_guest_set_fault(VtierManager *m, VtierDaemonGuest *g, const gchar *kind,
				  const gchar *message)
{
	fault_set(m, g, kind, message, TRUE);
}

void vtier_daemon_guest_set_stopping(VtierManager *m, VtierDaemonGuest *g, const gchar *message)
{
	fault_set(m, g, "memcg", message, FALSE);
}

void vtier_daemon_guest_clear_fault(VtierManager *m, VtierDaemonGuest *g)
{
	g_autofree gchar *name = NULL;
	g_autofree gchar *text = NULL;

	(void)m;
	if (g->fault == NULL)
		return;
	name = vtier_escape_log(g->name);
	text = vtier_escape_log(g->fault->message);
	g_message("guest %s: cleared: %s", name, text);
	g_clear_pointer(&g->fault, fault_free);
}

gboolean vtier_daemon_guest_ready(const VtierDaemonGuest *g, gint64 now_us)
{
	return g->fault == NULL || now_us >= g->fault->retry_at_us;
}

/* @keep when it says @text, else a copy of @text (@keep freed). */
static gchar *kept_or_copy(gchar *keep, const gchar *text)
{
	if (g_strcmp0(keep, text) == 0)
		return keep;
	g_free(keep);
	return g_strdup(text);
}

void vtier_daemon_guest_set_result(VtierDaemonGuest *g, const VtierPlanGuestResult *r)
{
	VtierPlanGuestResult *k = g->result;
	gchar *name, *uuid, *refusal;

	if (r == NULL) {
		g_clear_pointer(&g->result, result_free);
		return;
	}
	/* the result of the last plan, in place: every reconcile records one per guest, nearly
	 * always with the same name, uuid and refusal (~1500 copies and frees at 500 guests) */
	if (k == NULL)
		k = g->result = g_new0(VtierPlanGuestResult, 1);
	name = k->name;
	uuid = k->uuid;
	refusal = k->refusal;
	*k = *r;
	k->name = kept_or_copy(name, r->name);
	k->uuid = kept_or_copy(uuid, r->uuid);
	k->refusal = kept_or_copy(refusal, r->refusal);
}

static gint compare_guest_names(gconstpointer a, gconstpointer b)
{
	return strcmp((*(VtierDaemonGuest *const *)a)->name, (*(VtierDaemonGuest *const *)b)->name);
}

GPtrArray *vtier_daemon_guests_by_name(VtierManager *m)
{
	GHashTableIter iter;
	gpointer value;

	if (m->guests_by_name != NULL && m->guests_by_name_generation == guest_generation &&
	    m->guests_by_name->len == g_hash_table_size(m->guests))
		return m->guests_by_name;
	if (m->guests_by_name == NULL)
		m->guests_by_name = g_ptr_array_new();
	g_ptr_array_set_size(m->guests_by_name, 0);
	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(m->guests_by_name, value);
	g_ptr_array_sort(m->guests_by_name, compare_guest_names);
	m->guests_by_name_generation = guest_generation;
	return m->guests_by_name;
}

/* ---- libvirt ---- */

void vtier_daemon_guests_sync_libvirt(VtierManager *m)
{
	GPtrArray *running = m->virt != NULL && vtier_virt_connection_is_connected(m->virt)
				     ? vtier_virt_connection_get_guests(m->virt)
				     : NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter iter;
	gpointer key, value;

	if (m->virt == NULL)
		return;
	if (running == NULL)
		return; /* disconnected: keep the guests as they were until the re-sync */
	for (guint i = 0; i < running->len; i++) {
		const VtierGuest *rec = g_ptr_array_index(running, i);
		VtierDaemonGuest *g = g_hash_table_lookup(m->guests, rec->name);

		g_hash_table_add(seen, rec->name);
		if (g != NULL && g->origin == VTIER_ORIGIN_ATTACH)
			continue; /* an attached guest of the same name keeps its place */
		if (g == NULL) {
			g = vtier_daemon_guest_new(rec->name, VTIER_ORIGIN_LIBVIRT);
			g_hash_table_insert(m->guests, g->name, g);
		} else if (g->record != NULL && !vtier_guest_equal(g->record, rec)) {
			g->stopping = FALSE;
		}
		vtier_guest_free(g->record);
		g->record = vtier_guest_copy(rec);
	}
	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		VtierDaemonGuest *g = value;

		if (g->origin == VTIER_ORIGIN_LIBVIRT && !g_hash_table_contains(seen, key)) {
			vtier_controller_forget(m->controller, g->name);
			g_hash_table_iter_remove(&iter);
		}
	}
}

/* ---- planner input ---- */

/* The policy element an attached guest was given (attach --policy / --template), else NULL. */
static gchar *attach_policy_xml(const VtierDaemonGuest *g)
{
	if (g->attach_policy != NULL)
		return g_strdup(g->attach_policy);
	if (g->attach_template != NULL)
		return g_markup_printf_escaped("<policy xmlns=\"%s\" template=\"%s\"/>",
					       VTIER_POLICY_NAMESPACE, g->attach_template);
	return NULL;
}

/* The guest as the planner input builder sees it: an attached guest's own policy stands where a
 * libvirt guest's <metadata> policy would. */
static VtierGuest *policy_record(const VtierDaemonGuest *g)
{
	VtierGuest *rec = vtier_guest_copy(g->record);
	g_autofree gchar *xml = attach_policy_xml(g);

	if (xml != NULL) {
		g_free(rec->policy_xml);
		rec->policy_xml = g_steal_pointer(&xml);
	}
	return rec;
}

/* The start of policy_key(): the store's generation, the plan options and the guest's memory,
 * each followed by '|'; returns its length. */
static gsize policy_key_head(VtierManager *m, const VtierDaemonGuest *g, gchar *head, gsize size)
{
	return (gsize)g_snprintf(head, size, "%u|%d|%d|%" G_GUINT64_FORMAT "|", m->store_generation,
				 m->typed.plan.default_mode, m->typed.plan.strict,
				 g->record->memory_bytes);
}

#define POLICY_KEY_HEAD 128

/* Everything a guest's resolved policy depends on: the head, the record's policy XML, '|', the
 * attached policy's XML. */
static gchar *policy_key(VtierManager *m, const VtierDaemonGuest *g)
{
	g_autofree gchar *xml = attach_policy_xml(g);
	gchar head[POLICY_KEY_HEAD];

	policy_key_head(m, g, head, sizeof(head));
	return g_strconcat(head, g->record->policy_xml != NULL ? g->record->policy_xml : "", "|",
			   xml != NULL ? xml : "", NULL);
}

/* Whether policy_key(@m, @g) would give @key, without making it (each reconcile asks it for
 * every guest). */
static gboolean policy_key_is(VtierManager *m, const VtierDaemonGuest *g, const gchar *key)
{
	const gchar *rec_xml = g->record->policy_xml != NULL ? g->record->policy_xml : "";
	g_autofree gchar *template_xml = NULL;
	const gchar *xml = g->attach_policy;
	gchar head[POLICY_KEY_HEAD];
	gsize n, len = strlen(rec_xml);

	if (key == NULL)
		return FALSE;
	n = policy_key_head(m, g, head, sizeof(head));
	if (strncmp(key, head, n) != 0 || strncmp(key + n, rec_xml, len) != 0 ||
	    key[n + len] != '|')
		return FALSE;
	if (xml == NULL && g->attach_template != NULL)
		xml = template_xml = attach_policy_xml(g);
	return strcmp(key + n + len + 1, xml != NULL ? xml : "") == 0;
}

/* Checks that an attached guest's policy resolves (attach refuses one that does not). */
static gboolean check_attach_policy(VtierManager *m, const VtierDaemonGuest *g, GError **error)
{
	g_autoptr(VtierGuest) rec = policy_record(g);
	VtierPlanOptions strict = m->typed.plan;
	g_autoptr(VtierPlanGuest) pg = NULL;

	strict.strict = TRUE;
	pg = vtier_plan_input_guest(rec, NULL, m->store, &strict, NULL, error);
	return pg != NULL;
}

/* The planner input through the one builder vtierctl plan uses too (src/tiering/plan-input.h);
 * the resolved policy is kept until something it depends on changes, and the input built from it
 * while the guest's record says the same (no copy of 500 guests' policies at each reconcile). */
const VtierPlanGuest *vtier_daemon_guest_plan_input(VtierManager *m, VtierDaemonGuest *g,
						    gchar **ret_refusal)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) rec = NULL;
	g_autofree gchar *warning = NULL;
	VtierPlanGuest *pg;

	if (g->record == NULL || g->stopping)
		return NULL;
	if (g->policy != NULL && policy_key_is(m, g, g->policy_key)) {
		/* the policy is kept; the <numatune> checks depend on the host and the options */
		if (!vtier_plan_input_check_numatune(g->record, m->topology, &m->typed.plan,
						     &error)) {
			*ret_refusal = g_strdup(error->message);
			return NULL;
		}
		if (g->plan_input == NULL || !vtier_plan_guest_is_from(g->plan_input, g->record)) {
			vtier_plan_guest_free(g->plan_input);
			g->plan_input = vtier_plan_guest_new_from_guest(g->record, g->policy);
		}
		return g->plan_input;
	}
	g_clear_pointer(&g->plan_input, vtier_plan_guest_free);
	g_clear_pointer(&g->policy_error, g_free);
	g_clear_pointer(&g->policy, vtier_policy_free);
	g_free(g->policy_key);
	g->policy_key = policy_key(m, g);
	rec = policy_record(g);
	pg = vtier_plan_input_guest(rec, m->topology, m->store, &m->typed.plan, &warning, &error);
	if (pg == NULL) {
		*ret_refusal = g_strdup(error->message);
		return NULL;
	}
	g->policy_error = g_steal_pointer(&warning);
	g->policy = vtier_policy_copy(pg->policy);
	g->plan_input = pg;
	return pg;
}

/* Whether QEMU binds memory backend @md (policy=bind, from QMP query-memdev or its command line)
 * to host nodes of one tier only: its pages must stay there, so vtier does not move them. */
static gboolean memdev_bound_to_one_tier(const VtierGuestMemdev *md,
					 const VtierTopology *topology)
{
	gboolean fast = FALSE, slow = FALSE;

	if (g_strcmp0(md->policy, "bind") != 0 || md->host_nodes == NULL ||
	    md->host_nodes->len == 0 || topology == NULL)
		return FALSE;
	for (guint i = 0; i < md->host_nodes->len; i++) {
		const VtierNode *node =
			vtier_topology_get_node(topology, g_array_index(md->host_nodes, guint, i));

		fast |= node != NULL && node->role == VTIER_NODE_ROLE_FAST;
		slow |= node != NULL && node->role == VTIER_NODE_ROLE_SLOW;
	}
	return !(fast && slow);
}

/* Memory DAMON's paddr migration cannot move: pages off the LRU. vtier does not pretend:
 * status and explain show it, and the share is measured over what can move. */
void vtier_daemon_guest_unmovable(const VtierDaemonGuest *g, VtierSnapshotGuest *snap,
				  const VtierTopology *topology)
{
	const VtierGuest *rec = g->record;

	if (rec == NULL)
		return;
	if (rec->hugepages)
		vtier_snapshot_guest_add_unmovable(snap, "hugetlbfs", rec->memory_bytes);
	else if (rec->n_hostdevs > 0)
		vtier_snapshot_guest_add_unmovable(snap, "vfio-pinned", rec->memory_bytes);
	else if (rec->memory_locked)
		vtier_snapshot_guest_add_unmovable(snap, "locked", rec->memory_bytes);
	if (g->refusal != NULL && strstr(g->refusal, "<numatune mode=\"strict\">") != NULL)
		vtier_snapshot_guest_add_unmovable(snap, "numatune-strict", rec->memory_bytes);
	/* QEMU's own backends (guests attached by QMP socket or pid), unless all of the guest's
	 * memory is already counted */
	for (guint i = 0; snap->unmovable->len == 0 && rec->memdevs != NULL &&
			  i < rec->memdevs->len; i++) {
		const VtierGuestMemdev *md = g_ptr_array_index(rec->memdevs, i);

		if (memdev_bound_to_one_tier(md, topology))
			vtier_snapshot_guest_add_unmovable(snap, "qemu-bind", md->size_bytes);
	}
}

/* ---- attach / detach ---- */

typedef struct {
	GMainLoop *loop;
	VtierGuest *guest;
	GError *error;
} QmpWait;

static void on_qmp_guest(GObject *source, GAsyncResult *result, gpointer user_data)
{
	QmpWait *w = user_data;

	(void)source;
	w->guest = vtier_qmp_guest_from_socket_finish(result, &w->error);
	g_main_loop_quit(w->loop);
}

/* The facts of the QEMU behind a QMP socket (pid from the socket's peer, memory from QMP).
 * Runs its own main context for at most 2 s: only `attach --qmp` waits on it. */
static gboolean qmp_fill(VtierGuest *rec, const gchar *socket_path, GError **error)
{
	g_autoptr(GMainContext) context = g_main_context_new();
	QmpWait w = { 0 };

	g_main_context_push_thread_default(context);
	w.loop = g_main_loop_new(context, FALSE);
	vtier_qmp_guest_from_socket_async(socket_path, 2000, NULL, on_qmp_guest, &w);
	g_main_loop_run(w.loop);
	g_main_loop_unref(w.loop);
	g_main_context_pop_thread_default(context);
	if (w.guest == NULL) {
		g_propagate_prefixed_error(error, w.error, "attach %s: QMP %s: ", rec->name,
					   socket_path);
		return FALSE;
	}
	if (rec->pid <= 0)
		rec->pid = w.guest->pid;
	rec->memory_bytes = w.guest->memory_bytes;
	g_clear_pointer(&rec->memdevs, g_ptr_array_unref);
	rec->memdevs = g_steal_pointer(&w.guest->memdevs);
	vtier_guest_free(w.guest);
	return TRUE;
}

/* A QEMU started by hand: its memory size from its command line; any other process (a
 * workload in a cgroup) is sized by what its memcg holds. */
static void pid_fill(VtierGuest *rec)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) qemu = vtier_qmp_guest_from_pid(rec->pid, NULL, &error);

	if (qemu == NULL) {
		g_debug("attach %s: pid %d is not a QEMU (%s): sized by its memcg", rec->name,
			rec->pid, error->message);
		return;
	}
	rec->memory_bytes = qemu->memory_bytes;
	rec->hugepages = qemu->hugepages;
	g_clear_pointer(&rec->memdevs, g_ptr_array_unref);
	rec->memdevs = g_steal_pointer(&qemu->memdevs);
}

static gboolean attach_record(VtierManager *m, const VtierControlRequest *req,
			      VtierGuest **ret_record, GError **error)
{
	g_autoptr(VtierGuest) rec = vtier_guest_new(req->qmp != NULL ? VTIER_GUEST_SOURCE_QMP
								     : VTIER_GUEST_SOURCE_PID);
	g_autoptr(GArray) nodes = NULL;
	VtierCgroupVersion version;

	(void)m;
	rec->name = g_strdup(req->name);
	rec->pid = req->pid;
	if (req->qmp != NULL && !qmp_fill(rec, req->qmp, error))
		return FALSE;
	if (req->qmp == NULL && rec->pid > 0)
		pid_fill(rec);
	if (rec->pid <= 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "attach %s: no QEMU pid (give --pid PID or a --qmp socket)", req->name);
		return FALSE;
	}
	if (!vtier_memcg_resolve(rec->pid, &version, &rec->memcg_path, error)) {
		g_prefix_error(error, "attach %s: ", req->name);
		return FALSE;
	}
	if (!vtier_memcg_read_numa_stat(version, rec->memcg_path, &nodes, error)) {
		g_prefix_error(error, "attach %s: ", req->name);
		return FALSE;
	}
	if (rec->memory_bytes == 0) {
		for (guint i = 0; i < nodes->len; i++)
			rec->memory_bytes += g_array_index(nodes, guint64, i);
	}
	*ret_record = g_steal_pointer(&rec);
	return TRUE;
}

/* Refuses a guest whose process or memory cgroup another guest (attached or from libvirt) already
 * has: two scheme sets on one memcg would double its budgets. A re-attach under the same name was
 * taken out of the table before, so it does not meet itself. */
static gboolean check_not_owned(VtierManager *m, const VtierGuest *rec, GError **error)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const VtierDaemonGuest *other = value;
		const VtierGuest *o = other->record;
		gboolean same_pid, same_memcg;

		if (o == NULL || g_strcmp0(other->name, rec->name) == 0)
			continue;
		same_pid = o->pid > 0 && o->pid == rec->pid;
		same_memcg = o->memcg_path != NULL &&
			     g_strcmp0(o->memcg_path, rec->memcg_path) == 0;
		if (!same_pid && !same_memcg)
			continue;
		if (same_pid)
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
				    "attach %s: pid %d is already tiered as %s guest \"%s\"",
				    rec->name, rec->pid,
				    other->origin == VTIER_ORIGIN_LIBVIRT ? "libvirt" : "attached",
				    other->name);
		else
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
				    "attach %s: memory cgroup %s (pid %d) is already tiered as %s "
				    "guest \"%s\"",
				    rec->name, rec->memcg_path, rec->pid,
				    other->origin == VTIER_ORIGIN_LIBVIRT ? "libvirt" : "attached",
				    other->name);
		return FALSE;
	}
	return TRUE;
}

gboolean vtier_daemon_guest_attach(VtierManager *m, const VtierControlRequest *req,
				   VtierDaemonGuest **ret_guest, GError **error)
{
	VtierDaemonGuest *old = g_hash_table_lookup(m->guests, req->name);
	g_autoptr(VtierGuest) rec = NULL;
	VtierDaemonGuest *g;

	if (old != NULL && old->origin == VTIER_ORIGIN_LIBVIRT) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
			    "attach %s: a libvirt guest of that name is already managed",
			    req->name);
		return FALSE;
	}
	if (!attach_record(m, req, &rec, error) || !check_not_owned(m, rec, error))
		return FALSE;
	g = vtier_daemon_guest_new(req->name, VTIER_ORIGIN_ATTACH);
	g->record = g_steal_pointer(&rec);
	g->attach_qmp = g_strdup(req->qmp);
	g->attach_policy = g_strdup(req->policy);
	g->attach_template = g_strdup(req->template_name);
	/* the policy must resolve now: an attach that cannot be tiered is an error */
	if (!check_attach_policy(m, g, error)) {
		vtier_daemon_guest_free(g);
		return FALSE;
	}
	g_hash_table_replace(m->guests, g->name, g);
	vtier_manager_mark_dirty(m, "attach");
	*ret_guest = g;
	return TRUE;
}

gboolean vtier_daemon_guest_detach(VtierManager *m, const gchar *name, GError **error)
{
	VtierDaemonGuest *g = g_hash_table_lookup(m->guests, name);

	if (g == NULL || g->origin != VTIER_ORIGIN_ATTACH) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
			    "detach %s: no attached guest of that name%s", name,
			    g != NULL ? " (it comes from libvirt: stop it there)" : "");
		return FALSE;
	}
	vtier_controller_forget(m->controller, name);
	g_hash_table_remove(m->guests, name);
	vtier_manager_mark_dirty(m, "detach");
	return TRUE;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-snapshot"

#include "config.h"

#include "common/error.h"
#include "tiering/snapshot.h"

static const gchar *const tier_names[] = { "fast", "slow" };
G_STATIC_ASSERT(G_N_ELEMENTS(tier_names) == VTIER_TIER_LAST);

static const gchar *const guest_state_names[] = { "tiering", "pending",	  "refused",
						  "off",     "fault",	  "unmeasured" };
G_STATIC_ASSERT(G_N_ELEMENTS(guest_state_names) == VTIER_GUEST_STATE_LAST);

static const gchar *const control_state_names[] = { "static",	"ramping", "holding",
						    "exchanging", "capped", "blind",
						    "kernel",	"error" };
G_STATIC_ASSERT(G_N_ELEMENTS(control_state_names) == VTIER_CONTROL_STATE_LAST);
static const gchar *const walk_names[] = { "none", "hot", "every", "aimed", "primed", "young" };
G_STATIC_ASSERT(G_N_ELEMENTS(walk_names) == VTIER_SNAPSHOT_WALK_LAST);

/* Reconcile and commit durations: 100 us to 10 s. */
static const gdouble default_bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
					  0.025,  0.05,	   0.1,	   0.25,  0.5,	  1,	 2.5,
					  5,	  10 };

const gchar *vtier_tier_to_string(VtierTier tier)
{
	return tier < VTIER_TIER_LAST ? tier_names[tier] : "unknown";
}

static gboolean name_lookup(const gchar *const *names, guint n, const gchar *text, guint *ret)
{
	for (guint i = 0; i < n; i++) {
		if (g_strcmp0(names[i], text) == 0) {
			*ret = i;
			return TRUE;
		}
	}
	return FALSE;
}

const gchar *vtier_guest_state_to_string(VtierGuestState state)
{
	return state < VTIER_GUEST_STATE_LAST ? guest_state_names[state] : "unknown";
}

gboolean vtier_guest_state_from_string(const gchar *text, VtierGuestState *ret_state)
{
	guint i;

	if (!name_lookup(guest_state_names, VTIER_GUEST_STATE_LAST, text, &i))
		return FALSE;
	*ret_state = i;
	return TRUE;
}

const gchar *vtier_control_state_to_string(VtierControlState state)
{
	return state < VTIER_CONTROL_STATE_LAST ? control_state_names[state] : "unknown";
}

gboolean vtier_control_state_from_string(const gchar *text, VtierControlState *ret_state)
{
	guint i;

	if (!name_lookup(control_state_names, VTIER_CONTROL_STATE_LAST, text, &i))
		return FALSE;
	*ret_state = i;
	return TRUE;
}

const gchar *vtier_snapshot_walk_to_string(VtierSnapshotWalk walk)
{
	return walk < VTIER_SNAPSHOT_WALK_LAST ? walk_names[walk] : "unknown";
}

gboolean vtier_snapshot_walk_from_string(const gchar *text, VtierSnapshotWalk *ret_walk)
{
	guint i;

	if (!name_lookup(walk_names, VTIER_SNAPSHOT_WALK_LAST, text, &i))
		return FALSE;
	*ret_walk = i;
	return TRUE;
}

/* ---- histogram ---- */

VtierHistogram *vtier_histogram_new(const gdouble *bounds, guint n_bounds)
{
	VtierHistogram *h = g_new0(VtierHistogram, 1);

	h->bounds = g_array_new(FALSE, TRUE, sizeof(gdouble));
	h->counts = g_array_new(FALSE, TRUE, sizeof(guint64));
	g_array_append_vals(h->bounds, bounds, n_bounds);
	g_array_set_size(h->counts, n_bounds);
	return h;
}

VtierHistogram *vtier_histogram_copy(const VtierHistogram *histogram)
{
	VtierHistogram *h;

	if (histogram == NULL)
		return NULL;
	h = vtier_histogram_new((const gdouble *)(gpointer)histogram->bounds->data,
				histogram->bounds->len);
	memcpy(h->counts->data, histogram->counts->data, histogram->counts->len * sizeof(guint64));
	h->count = histogram->count;
	h->sum = histogram->sum;
	return h;
}

void vtier_histogram_observe(VtierHistogram *histogram, gdouble value)
{
	for (guint i = 0; i < histogram->bounds->len; i++) {
		if (value <= g_array_index(histogram->bounds, gdouble, i))
			g_array_index(histogram->counts, guint64, i)++;
	}
	histogram->count++;
	histogram->sum += value;
}

void vtier_histogram_free(VtierHistogram *histogram)
{
	if (histogram == NULL)
		return;
	g_array_unref(histogram->bounds);
	g_array_unref(histogram->counts);
	g_free(histogram);
}

/* ---- guests ---- */

static void unmovable_free(gpointer data)
{
	VtierSnapshotUnmovable *u = data;

	g_free(u->reason);
	g_free(u);
}

VtierSnapshotGuest *vtier_snapshot_guest_new(const gchar *name)
{
	VtierSnapshotGuest *g = g_atomic_rc_box_new0(VtierSnapshotGuest);

	g->name = g_strdup(name);
	g->state = VTIER_GUEST_STATE_PENDING;
	g->fast_node = -1;
	g->slow_node = -1;
	g->target_share_bp = VTIER_SNAPSHOT_NO_BP;
	g->share_bp = VTIER_SNAPSHOT_NO_BP;
	g->nodes = g_array_new(FALSE, TRUE, sizeof(VtierSnapshotGuestNode));
	g->unmovable = g_ptr_array_new_with_free_func(unmovable_free);
	g->up.scheme = -1;
	g->down.scheme = -1;
	return g;
}

static void guest_clear(VtierSnapshotGuest *guest)
{
	g_free(guest->name);
	g_free(guest->uuid);
	g_free(guest->source);
	g_free(guest->memcg_path);
	g_free(guest->mode);
	g_free(guest->tuner);
	g_free(guest->policy_origin);
	g_free(guest->state_reason);
	g_free(guest->control_reason);
	g_free(guest->last_error);
	g_array_unref(guest->nodes);
	g_ptr_array_unref(guest->unmovable);
}

VtierSnapshotGuest *vtier_snapshot_guest_ref(VtierSnapshotGuest *guest)
{
	return g_atomic_rc_box_acquire(guest);
}

void vtier_snapshot_guest_free(VtierSnapshotGuest *guest)
{
	if (guest != NULL)
		g_atomic_rc_box_release_full(guest, (GDestroyNotify)guest_clear);
}

gboolean vtier_snapshot_guest_has_loop(const VtierSnapshotGuest *guest)
{
	switch (guest->control_state) {
	case VTIER_CONTROL_STATE_RAMPING:
	case VTIER_CONTROL_STATE_HOLDING:
	case VTIER_CONTROL_STATE_EXCHANGING:
	case VTIER_CONTROL_STATE_CAPPED:
	case VTIER_CONTROL_STATE_BLIND:
		return TRUE;
	default:
		return FALSE;
	}
}

VtierSnapshotGuest *vtier_snapshot_guest_copy(const VtierSnapshotGuest *guest)
{
	VtierSnapshotGuest *g = vtier_snapshot_guest_new(NULL);
	GArray *nodes = g->nodes;
	GPtrArray *unmovable = g->unmovable;

	*g = *guest; /* the scalars; every pointer is replaced by its own copy below */
	g->nodes = nodes;
	g->unmovable = unmovable;
	g->name = g_strdup(guest->name);
	g->uuid = g_strdup(guest->uuid);
	g->source = g_strdup(guest->source);
	g->memcg_path = g_strdup(guest->memcg_path);
	g->mode = g_strdup(guest->mode);
	g->tuner = g_strdup(guest->tuner);
	g->policy_origin = g_strdup(guest->policy_origin);
	g->state_reason = g_strdup(guest->state_reason);
	g->control_reason = g_strdup(guest->control_reason);
	g->last_error = g_strdup(guest->last_error);
	g_array_append_vals(g->nodes, guest->nodes->data, guest->nodes->len);
	for (guint i = 0; i < guest->unmovable->len; i++) {
		const VtierSnapshotUnmovable *u = g_ptr_array_index(guest->unmovable, i);

		vtier_snapshot_guest_add_unmovable(g, u->reason, u->bytes);
	}
	return g;
}

void vtier_snapshot_guest_add_node(VtierSnapshotGuest *guest, guint node, VtierTier tier,
				   guint64 bytes)
{
	VtierSnapshotGuestNode n = { .node = node, .tier = tier, .bytes = bytes };

	g_array_append_val(guest->nodes, n);
}

void vtier_snapshot_guest_add_unmovable(VtierSnapshotGuest *guest, const gchar *reason,
					guint64 bytes)
{
	VtierSnapshotUnmovable *u = g_new0(VtierSnapshotUnmovable, 1);

	u->reason = g_strdup(reason);
	u->bytes = bytes;
	g_ptr_array_add(guest->unmovable, u);
}

/* ---- snapshot ---- */

VtierSnapshot *vtier_snapshot_new(void)
{
	VtierSnapshot *s = g_new0(VtierSnapshot, 1);

	s->version = g_strdup(PACKAGE_VERSION);
	s->kdamond_pid = -1;
	s->kdamond_state = g_strdup("none");
	s->sampler_kind = g_strdup("none");
	s->kernel_features = g_ptr_array_new_with_free_func(g_free);
	s->nodes = g_array_new(FALSE, TRUE, sizeof(VtierSnapshotNode));
	s->warnings = g_ptr_array_new_with_free_func(g_free);
	s->guests = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_snapshot_guest_free);
	s->errors_total = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	s->reconcile_seconds = vtier_histogram_new(default_bounds, G_N_ELEMENTS(default_bounds));
	s->commit_seconds = vtier_histogram_new(default_bounds, G_N_ELEMENTS(default_bounds));
	s->ref_count = 1;
	return s;
}

VtierSnapshot *vtier_snapshot_ref(VtierSnapshot *snapshot)
{
	g_atomic_int_inc(&snapshot->ref_count);
	return snapshot;
}

void vtier_snapshot_free(VtierSnapshot *snapshot)
{
	if (snapshot == NULL || !g_atomic_int_dec_and_test(&snapshot->ref_count))
		return;
	g_free(snapshot->version);
	g_free(snapshot->sysroot);
	g_free(snapshot->kdamond_state);
	g_free(snapshot->sampler_kind);
	g_free(snapshot->sampler_reason);
	g_free(snapshot->kernel_release);
	g_free(snapshot->last_reconcile_error);
	g_ptr_array_unref(snapshot->kernel_features);
	g_array_unref(snapshot->nodes);
	g_ptr_array_unref(snapshot->warnings);
	g_ptr_array_unref(snapshot->guests);
	g_hash_table_unref(snapshot->errors_total);
	vtier_histogram_free(snapshot->reconcile_seconds);
	vtier_histogram_free(snapshot->commit_seconds);
	g_free(snapshot);
}

static void copy_strv(GPtrArray *to, const GPtrArray *from)
{
	for (guint i = 0; i < from->len; i++)
		g_ptr_array_add(to, g_strdup(g_ptr_array_index(from, i)));
}

VtierSnapshot *vtier_snapshot_copy(const VtierSnapshot *snapshot)
{
	VtierSnapshot *s = vtier_snapshot_new();
	GHashTableIter iter;
	gpointer key, value;

	g_free(s->version);
	s->version = g_strdup(snapshot->version);
	s->time_unix_ms = snapshot->time_unix_ms;
	s->sequence = snapshot->sequence;
	s->interval_ms = snapshot->interval_ms;
	s->dry_run = snapshot->dry_run;
	s->sysroot = g_strdup(snapshot->sysroot);
	s->kdamond_up = snapshot->kdamond_up;
	s->kdamond_pid = snapshot->kdamond_pid;
	g_free(s->kdamond_state);
	s->kdamond_state = g_strdup(snapshot->kdamond_state);
	g_free(s->sampler_kind);
	s->sampler_kind = g_strdup(snapshot->sampler_kind);
	s->sampler_reason = g_strdup(snapshot->sampler_reason);
	s->kernel_release = g_strdup(snapshot->kernel_release);
	copy_strv(s->kernel_features, snapshot->kernel_features);
	g_array_append_vals(s->nodes, snapshot->nodes->data, snapshot->nodes->len);
	s->fast_reserve_bytes = snapshot->fast_reserve_bytes;
	s->fast_promised_bytes = snapshot->fast_promised_bytes;
	copy_strv(s->warnings, snapshot->warnings);
	for (guint i = 0; i < snapshot->guests->len; i++)
		g_ptr_array_add(s->guests,
				vtier_snapshot_guest_copy(g_ptr_array_index(snapshot->guests, i)));
	s->reconciles_total = snapshot->reconciles_total;
	s->commits_total = snapshot->commits_total;
	s->writes_total = snapshot->writes_total;
	g_hash_table_iter_init(&iter, snapshot->errors_total);
	while (g_hash_table_iter_next(&iter, &key, &value))
		g_hash_table_insert(s->errors_total, g_strdup(key),
				    g_memdup2(value, sizeof(guint64)));
	vtier_histogram_free(s->reconcile_seconds);
	s->reconcile_seconds = vtier_histogram_copy(snapshot->reconcile_seconds);
	vtier_histogram_free(s->commit_seconds);
	s->commit_seconds = vtier_histogram_copy(snapshot->commit_seconds);
	s->last_reconcile_error = g_strdup(snapshot->last_reconcile_error);
	return s;
}

const VtierSnapshotGuest *vtier_snapshot_lookup(const VtierSnapshot *snapshot, const gchar *name)
{
	for (guint i = 0; i < snapshot->guests->len; i++) {
		const VtierSnapshotGuest *g = g_ptr_array_index(snapshot->guests, i);

		if (g_strcmp0(g->name, name) == 0)
			return g;
	}
	return NULL;
}

const gchar *const vtier_snapshot_error_kinds[] = {
	"config",	       /* a reload or a policy refused (handlers.c, manager.c) */
	"damon",	       /* a guest's DAMON plan the kernel refused (its fault) */
	"damon-foreign-write", /* someone else wrote vtier's kdamond files (audit.c) */
	"damon-write",	       /* a DAMON write failed (damon-worker.c) */
	"memcg",	       /* a guest's cgroup could not be read (its fault) */
	"metrics",	       /* /metrics could not listen (endpoints.c) */
	"reconcile",	       /* a reconcile failed (reconcile.c) */
	"state-file",	       /* the state file could not be saved (state.c) */
	NULL,
};

gboolean vtier_snapshot_error_kind_known(const gchar *kind)
{
	return g_strv_contains(vtier_snapshot_error_kinds, kind);
}

void vtier_snapshot_count_error(VtierSnapshot *snapshot, const gchar *kind)
{
	guint64 *counter = g_hash_table_lookup(snapshot->errors_total, kind);

	if (counter == NULL) {
		counter = g_new0(guint64, 1);
		g_hash_table_insert(snapshot->errors_total, g_strdup(kind), counter);
	}
	(*counter)++;
}

guint64 vtier_snapshot_get_errors(const VtierSnapshot *snapshot, const gchar *kind)
{
	guint64 *counter = g_hash_table_lookup(snapshot->errors_total, kind);

	return counter != NULL ? *counter : 0;
}

static gint compare_guests(gconstpointer a, gconstpointer b)
{
	const VtierSnapshotGuest *ga = *(VtierSnapshotGuest *const *)a;
	const VtierSnapshotGuest *gb = *(VtierSnapshotGuest *const *)b;

	return g_strcmp0(ga->name, gb->name);
}

void vtier_snapshot_sort(VtierSnapshot *snapshot)
{
	g_ptr_array_sort(snapshot->guests, compare_guests);
}

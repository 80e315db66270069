/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include "common/error.h"
#include "tiering/damon/damon-driver.h"
#include "tiering/damon/damon-probe.h"

struct _VtierDamonDriver {
	VtierDamonIo *io;
	VtierDamonClaim claim;
	VtierDamonFeatures *features;
	VtierDamonWriter *writer;
};

VtierDamonDriver *vtier_damon_driver_new(VtierDamonIo *io)
{
	VtierDamonDriver *d = g_new0(VtierDamonDriver, 1);

	d->io = io != NULL ? vtier_damon_io_ref(io) : vtier_damon_io_new_real();
	return d;
}

void vtier_damon_driver_free(VtierDamonDriver *d)
{
	if (d == NULL)
		return;
	vtier_damon_claim_clear(&d->claim);
	vtier_damon_features_free(d->features);
	vtier_damon_writer_free(d->writer);
	vtier_damon_io_unref(d->io);
	g_free(d);
}

/* The probe's result, or the recorded one when vtier's own kdamonds keep the tree busy. */
static VtierDamonFeatures *learn_features(VtierDamonDriver *d, GError **error)
{
	g_autoptr(VtierDamonFeatures) probed = vtier_damon_probe(d->io, error);
	g_autoptr(VtierDamonFeatures) recorded = NULL;
	g_autoptr(GError) local = NULL;

	if (probed == NULL)
		return NULL;
	if (probed->complete) {
		if (!vtier_damon_ownership_save_features(probed, error))
			return NULL;
		return g_steal_pointer(&probed);
	}
	recorded = vtier_damon_ownership_load_features(&local);
	if (recorded != NULL)
		return g_steal_pointer(&recorded);
	if (local != NULL)
		g_debug("recorded DAMON features unusable: %s", local->message);
	/* presence only: the writer then leaves value checks to the kernel */
	return g_steal_pointer(&probed);
}

/* A kdamond was just turned on: record it (every kdamond of the tree is vtier's after the
 * claim) before the apply goes on, so that a restart after SIGKILL mid-apply adopts it. */
static void on_kdamond_started(VtierDamonWriter *writer, guint kdamond, gpointer user_data)
{
	VtierDamonDriver *d = user_data;
	g_autoptr(GError) error = NULL;

	(void)writer;
	if (!vtier_damon_ownership_record(d->io, G_MAXUINT, &error))
		g_debug("cannot record kdamond %u as vtier's yet: %s", kdamond, error->message);
}

gboolean vtier_damon_driver_start(VtierDamonDriver *d, gboolean disable_damon_stat, GError **error)
{
	g_clear_pointer(&d->features, vtier_damon_features_free);
	g_clear_pointer(&d->writer, vtier_damon_writer_free);
	if (!vtier_damon_ownership_claim(d->io, disable_damon_stat, &d->claim, error))
		return FALSE;
	d->features = learn_features(d, error);
	if (d->features == NULL)
		return FALSE;
	if (!d->features->available) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "this kernel has no DAMON sysfs interface (CONFIG_DAMON_SYSFS)");
		return FALSE;
	}
	d->writer = vtier_damon_writer_new(d->io, d->features);
	vtier_damon_writer_set_started_func(d->writer, on_kdamond_started, d);
	return TRUE;
}

const VtierDamonFeatures *vtier_damon_driver_get_features(VtierDamonDriver *d)
{
	return d->features;
}

const VtierDamonClaim *vtier_damon_driver_get_claim(VtierDamonDriver *d)
{
	return &d->claim;
}

VtierDamonWriter *vtier_damon_driver_get_writer(VtierDamonDriver *d)
{
	return d->writer;
}

static gboolean check_started(VtierDamonDriver *d, GError **error)
{
	if (d->writer != NULL)
		return TRUE;
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED, "the DAMON driver was not started");
	return FALSE;
}

gboolean vtier_damon_driver_apply(VtierDamonDriver *d, const VtierDamonModel *model,
				  VtierDamonApplyResult *ret_result, GError **error)
{
	g_autoptr(GError) record_error = NULL;
	gboolean ok;

	if (!check_started(d, error))
		return FALSE;
	ok = vtier_damon_writer_apply(d->writer, model, ret_result, error);
	/* whatever happened, the tree now holds (at most) the model's kdamonds, all vtier's */
	if (!vtier_damon_ownership_record(d->io, model->kdamonds->len, &record_error)) {
		if (ok) {
			g_propagate_prefixed_error(error, g_steal_pointer(&record_error),
						   "cannot record vtier's kdamonds: ");
			return FALSE;
		}
		g_debug("cannot record vtier's kdamonds: %s", record_error->message);
	}
	return ok;
}

gboolean vtier_damon_driver_read_status(VtierDamonDriver *d, guint kdamond,
					VtierDamonKdamondStatus *ret_status, GError **error)
{
	if (!check_started(d, error))
		return FALSE;
	return vtier_damon_writer_read_status(d->writer, kdamond, ret_status, error);
}

gboolean vtier_damon_driver_stop(VtierDamonDriver *d, GError **error)
{
	g_autoptr(VtierDamonModel) empty = vtier_damon_model_new();

	if (!check_started(d, error))
		return FALSE;
	if (!vtier_damon_writer_stop(d->writer, error))
		return FALSE;
	return vtier_damon_driver_apply(d, empty, NULL, error);
}

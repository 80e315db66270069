/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "qmp/client.h"
#include "virt/guest.h"

/* Typed QMP queries: each is a pure parser of the command's "return" value into a plain struct
 * (tested on captured replies) plus an async/finish pair over VtierQmpClient. */

/* query-memory-devices: one pc-dimm, nvdimm, virtio-mem, virtio-pmem, ... */
typedef struct {
	gchar *type;   /* "dimm", "nvdimm", "virtio-mem", "virtio-pmem", "sgx-epc", ... */
	gchar *id;     /* device id, or NULL */
	gchar *memdev; /* QOM path of its backend, e.g. "/objects/mem1", or NULL */
	gint node;     /* guest NUMA node, -1 when the device has none */
	guint64 addr;
	guint64 size;
} VtierQmpMemoryDevice;

typedef struct {
	guint64 base_memory;	/* boot memory */
	guint64 plugged_memory; /* hot-plugged memory devices */
} VtierQmpMemorySizeSummary;

typedef struct {
	gboolean running;
	gchar *status; /* QEMU RunState: "running", "paused", "prelaunch", ... */
} VtierQmpStatus;

void vtier_qmp_memory_device_free(VtierQmpMemoryDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierQmpMemoryDevice, vtier_qmp_memory_device_free)
void vtier_qmp_status_free(VtierQmpStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierQmpStatus, vtier_qmp_status_free)

/* Parsers: @reply is the "return" value. */
GPtrArray *vtier_qmp_parse_memdevs(JsonNode *reply, GError **error);
GPtrArray *vtier_qmp_parse_memory_devices(JsonNode *reply, GError **error);
VtierQmpMemorySizeSummary *vtier_qmp_parse_memory_size_summary(JsonNode *reply, GError **error);
VtierQmpStatus *vtier_qmp_parse_status(JsonNode *reply, GError **error);
gchar *vtier_qmp_parse_name(JsonNode *reply, GError **error);

/* GPtrArray of VtierGuestMemdev. */
void vtier_qmp_query_memdev_async(VtierQmpClient *client, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *vtier_qmp_query_memdev_finish(VtierQmpClient *client, GAsyncResult *result,
					 GError **error);
/* GPtrArray of VtierQmpMemoryDevice. */
void vtier_qmp_query_memory_devices_async(VtierQmpClient *client, GCancellable *cancellable,
					  GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *vtier_qmp_query_memory_devices_finish(VtierQmpClient *client, GAsyncResult *result,
						 GError **error);
/* g_free() the result. */
void vtier_qmp_query_memory_size_summary_async(VtierQmpClient *client, GCancellable *cancellable,
					       GAsyncReadyCallback callback, gpointer user_data);
VtierQmpMemorySizeSummary *vtier_qmp_query_memory_size_summary_finish(VtierQmpClient *client,
								      GAsyncResult *result,
								      GError **error);
void vtier_qmp_query_status_async(VtierQmpClient *client, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data);
VtierQmpStatus *vtier_qmp_query_status_finish(VtierQmpClient *client, GAsyncResult *result,
					      GError **error);
/* The guest name from query-name; NULL without error when QEMU has no -name. */
void vtier_qmp_query_name_async(VtierQmpClient *client, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data);
gboolean vtier_qmp_query_name_finish(VtierQmpClient *client, GAsyncResult *result,
				     gchar **ret_name, GError **error);

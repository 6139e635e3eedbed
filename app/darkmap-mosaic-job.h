/* DarkmapMosaicJob: one read of a mosaic's plane on a worker thread, for
 * the mosaic window: its overview binned by a factor (dm_fits_read_overview)
 * or a region at full resolution (dm_fits_read_region), never the whole
 * plane.
 *
 * Progress is coalesced onto the main context (the "fraction" property;
 * darkmap-progress-relay.h).  Cancelling the GCancellable raises the
 * engine's cancel flag, polled between bands of rows; a cancelled job
 * returns G_IO_ERROR_CANCELLED and no map. */
#pragma once

#include <gio/gio.h>

#include "darkmap/map.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_MOSAIC_JOB (darkmap_mosaic_job_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapMosaicJob, darkmap_mosaic_job, DARKMAP, MOSAIC_JOB, GObject)

/* The image in HDU hdu of path binned factor × factor. */
DarkmapMosaicJob *darkmap_mosaic_job_new_overview (const char *path, int hdu, int factor);
/* Pixels [x0, x0 + nx) × [y0, y0 + ny) of the image in HDU hdu of path. */
DarkmapMosaicJob *darkmap_mosaic_job_new_region (const char *path, int hdu, int x0, int y0,
                                                 int nx, int ny);

/* Latest progress on the main context: the fraction of the rows read. */
double darkmap_mosaic_job_get_fraction (DarkmapMosaicJob *self);

/* A job runs once. */
void darkmap_mosaic_job_run_async (DarkmapMosaicJob *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
/* The map read (owned by the caller), or NULL with error set. */
DmMap *darkmap_mosaic_job_run_finish (DarkmapMosaicJob *self, GAsyncResult *result,
                                      GError **error);

G_END_DECLS

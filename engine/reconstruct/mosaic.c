/* A whole mosaic in one process (darkmap/mosaic.h): plan, every tile,
 * stitch; and its file. */
#include <stdlib.h>

#include "darkmap/fits.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/mosaic.h"
#include "reconstruct/reconstruct-private.h"

void dm_mosaic_free(DmMosaic *mosaic) {
  if (!mosaic) return;
  dm_posterior_free(mosaic->posterior);
  dm_map_free(mosaic->counts);
  free(mosaic);
}

DmMosaic *dm_mosaic_run(const DmMosaicRequest *request, DmCatalogStream *stream,
                        const DmProgress *progress, DmError **error) {
  double start = dm_monotonic_seconds();
  /* The footprint pass: a twentieth of the run; the tiles the rest. */
  DmProgressSegment planning, work;
  dm_progress_segment_init(&planning, progress, 0.0, 0.05, "Survey footprint");
  dm_progress_segment_init(&work, progress, 0.05, 1.0, "Tiles");
  DmMosaicPlan *plan = dm_mosaic_plan_new(request, stream, &planning.progress, error);
  if (!plan) return NULL;
  DmMosaic *mosaic = calloc(1, sizeof *mosaic);
  DmPosterior **tiles = calloc((size_t)plan->n_tiles, sizeof *tiles);
  bool ok = mosaic && tiles;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the mosaic's tiles.");
  ok = ok && dm_mosaic_reconstruct_tiles(plan, request, stream, 0, plan->n_tiles, tiles,
                                         &mosaic->counts, &work.progress, error) &&
       (mosaic->posterior = dm_mosaic_stitch(plan, request, tiles, error)) != NULL;
  if (ok) {
    mosaic->n_tiles = plan->n_tiles;
    mosaic->tile_pixels = plan->core + 2 * plan->overlap;
    for (int t = 0; t < plan->n_tiles; t++) mosaic->n_empty += tiles[t] == NULL;
    mosaic->seconds = dm_monotonic_seconds() - start;
  }
  for (int t = 0; tiles && t < plan->n_tiles; t++) dm_posterior_free(tiles[t]);
  free(tiles);
  dm_mosaic_plan_free(plan);
  if (!ok) {
    dm_mosaic_free(mosaic);
    return NULL;
  }
  return mosaic;
}

bool dm_mosaic_write(const char *path, const DmMosaic *mosaic, DmError **error) {
  const DmPosterior *p = mosaic->posterior;
  DmFitsImageHdu hdus[4];
  int n = 0;
  hdus[n++] = (DmFitsImageHdu){p->mean, NULL};
  if (p->std) hdus[n++] = (DmFitsImageHdu){p->std, "STD"};
  if (p->signif) hdus[n++] = (DmFitsImageHdu){p->signif, "SIGNIF"};
  hdus[n++] = (DmFitsImageHdu){mosaic->counts, "COUNTS"};
  return dm_fits_write_images(path, hdus, n, error);
}

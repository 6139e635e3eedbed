/* The geometry of a mosaic (darkmap/mosaic.h): the catalogue's RA/Dec box
 * from one streamed pass, the mosaic's TAN grid holding its projection, and
 * the tiles' cores and grids. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/mosaic.h"

/* Points along each edge of the RA/Dec box projected to find its extent:
 * meridians project to straight lines and parallels to conics whose
 * extremes lie at the box's corners or its middle meridian, all sampled. */
enum { BOX_EDGE_POINTS = 65 };

void dm_mosaic_request_init(DmMosaicRequest *request, DmReconstructMethod method) {
  *request = (DmMosaicRequest){
      .tile_deg = 2.0,
      .overlap_deg = 0.5,
      .pixel_arcmin = 1.0,
      .noise_model = DM_NOISE_COUNT,
  };
  dm_reconstruct_request_init(&request->reconstruct, method);
}

void dm_mosaic_plan_free(DmMosaicPlan *plan) {
  if (!plan) return;
  dm_wcs_free(plan->wcs);
  free(plan->tiles);
  free(plan);
}

void dm_mosaic_plan_core(const DmMosaicPlan *plan, int t, int *x0, int *y0, int *x1, int *y1) {
  *x0 = (t % plan->tiles_x) * plan->core;
  *y0 = (t / plan->tiles_x) * plan->core;
  *x1 = *x0 + plan->core;
  *y1 = *y0 + plan->core;
}

static bool check_request(const DmMosaicRequest *request, DmError **error) {
  if (!(request->pixel_arcmin > 0.0 && request->pixel_arcmin <= 600.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Pixel scale %g arcmin is out of range (0 to 600 arcmin).",
                        request->pixel_arcmin);
  double pixel_deg = request->pixel_arcmin / 60.0;
  if (!(request->tile_deg >= 4.0 * pixel_deg && request->tile_deg <= 60.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Tile size %g° is out of range: from 4 pixels (%g°) to 60°.",
                        request->tile_deg, 4.0 * pixel_deg);
  if (!(request->overlap_deg >= 0.0 && request->overlap_deg <= request->tile_deg / 2.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Tile overlap %g° is out of range: from 0 to half the tile size (%g°).",
                        request->overlap_deg, request->tile_deg / 2.0);
  return true;
}

/* RA bins of the footprint's pass: 0.1° each.  A survey is a connected
 * patch of sky, so the largest run of empty bins around the circle is where
 * it is not: the RA range starts after it, so that a survey across RA 0/360
 * (KiDS, DES and HSC fields do) gets one range through 0, not a 360° one. */
enum { RA_BINS = 3600 };

/* Each RA bin's lowest and highest RA (in [0, 360)); lo > hi when empty. */
typedef struct {
  double lo[RA_BINS], hi[RA_BINS];
} RaBins;

static double ra_in_circle(double ra) {
  double r = fmod(ra, 360.0);
  return r < 0.0 ? r + 360.0 : r;
}

static bool ra_bin_empty(const RaBins *bins, int b) {
  b %= RA_BINS;
  return bins->lo[b] > bins->hi[b];
}

/* The RA range [range[0], range[1]] of the galaxies in bins, range[1] past
 * 360 when it crosses RA 0; the whole circle's when no bin is empty. */
static void ra_range(const RaBins *bins, double range[2]) {
  int gap_end = -1, best = 0;
  /* The longest circular run of empty bins, each scanned once from the
   * occupied bin before it. */
  for (int b = 0; b < RA_BINS; b++) {
    if (ra_bin_empty(bins, b)) continue;
    int run = 0;
    while (run < RA_BINS - 1 && ra_bin_empty(bins, b + 1 + run)) run++;
    if (run > best) {
      best = run;
      gap_end = (b + 1 + run) % RA_BINS;
    }
  }
  if (gap_end < 0) {
    range[0] = 0.0;
    range[1] = 360.0;
    return;
  }
  int first = gap_end, last = (gap_end + RA_BINS - best - 1) % RA_BINS;
  range[0] = bins->lo[first];
  range[1] = bins->hi[last] + (last < first ? 360.0 : 0.0);
}

/* The catalogue's RA and Dec ranges, from one pass over the stream (see
 * RA_BINS). */
static bool footprint(DmCatalogStream *stream, double range[4], const DmProgress *progress,
                      DmError **error) {
  RaBins *bins = malloc(sizeof *bins);
  if (!bins) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  for (int b = 0; b < RA_BINS; b++) bins->lo[b] = 360.0, bins->hi[b] = 0.0;
  dm_catalog_stream_rewind(stream);
  bool any = false;
  const DmCatalog *chunk;
  while ((chunk = dm_catalog_stream_next(stream, progress, error)) && chunk->n > 0) {
    for (size_t i = 0; i < chunk->n; i++) {
      double ra = ra_in_circle(chunk->ra[i]), dec = chunk->dec[i];
      int b = (int)(ra * (RA_BINS / 360.0));
      if (b >= RA_BINS) b = RA_BINS - 1;
      bins->lo[b] = fmin(bins->lo[b], ra);
      bins->hi[b] = fmax(bins->hi[b], ra);
      if (!any || dec < range[2]) range[2] = dec;
      if (!any || dec > range[3]) range[3] = dec;
      any = true;
    }
    dm_progress_report(progress,
                       (double)dm_catalog_stream_rows_read(stream) / (double)chunk->n_rows,
                       "Survey footprint");
  }
  dm_catalog_stream_rewind(stream);
  if (chunk) ra_range(bins, range);
  free(bins);
  return chunk != NULL;
}

/* Largest |x| and |y| (pixels from the tangent point) of the RA/Dec box's
 * projection on a TAN grid centred on its middle. */
static bool projected_extent(const double range[4], double ra0, double dec0, double pixel_deg,
                             double *half_x, double *half_y, DmError **error) {
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, ra0, dec0, pixel_deg, 1, 1, true, error);
  if (!wcs) return false;
  double ra[4 * BOX_EDGE_POINTS], dec[4 * BOX_EDGE_POINTS];
  double x[4 * BOX_EDGE_POINTS], y[4 * BOX_EDGE_POINTS];
  for (int i = 0; i < BOX_EDGE_POINTS; i++) {
    double f = (double)i / (BOX_EDGE_POINTS - 1);
    double along_ra = range[0] + f * (range[1] - range[0]);
    double along_dec = range[2] + f * (range[3] - range[2]);
    ra[4 * i] = along_ra, dec[4 * i] = range[2];
    ra[4 * i + 1] = along_ra, dec[4 * i + 1] = range[3];
    ra[4 * i + 2] = range[0], dec[4 * i + 2] = along_dec;
    ra[4 * i + 3] = range[1], dec[4 * i + 3] = along_dec;
  }
  bool ok = dm_wcs_world_to_pixel(wcs, 4 * BOX_EDGE_POINTS, ra, dec, x, y, error);
  dm_wcs_free(wcs);
  *half_x = *half_y = 0.0;
  for (int i = 0; ok && i < 4 * BOX_EDGE_POINTS; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The survey (RA %g to %g, Dec %g to %g) is too wide for one "
                          "tangent-plane mosaic.",
                          range[0], range[1], range[2], range[3]);
    *half_x = fmax(*half_x, fabs(x[i]));
    *half_y = fmax(*half_y, fabs(y[i]));
  }
  return ok;
}

/* Tiles covering n mosaic pixels with cores of core pixels, at least one. */
static int tiles_for(double half_extent, int core) {
  /* Pixels from -half to +half around the tangent point, each side whole. */
  double pixels = 2.0 * ceil(half_extent + 0.5);
  int tiles = (int)ceil(pixels / core);
  return tiles < 1 ? 1 : tiles;
}

DmMosaicPlan *dm_mosaic_plan_new(const DmMosaicRequest *request, DmCatalogStream *stream,
                                 const DmProgress *progress, DmError **error) {
  if (!check_request(request, error)) return NULL;
  double range[4] = {0.0, 0.0, 0.0, 0.0}, half_x, half_y;
  double pixel_deg = request->pixel_arcmin / 60.0;
  if (!footprint(stream, range, progress, error)) return NULL;
  double ra0 = ra_in_circle(0.5 * (range[0] + range[1])), dec0 = 0.5 * (range[2] + range[3]);
  if (!(fabs(dec0) < 90.0)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The survey's middle (RA %g, Dec %g) is not a sky position.", ra0, dec0);
    return NULL;
  }
  if (!projected_extent(range, ra0, dec0, pixel_deg, &half_x, &half_y, error)) return NULL;

  int core = (int)lround(request->tile_deg / pixel_deg);
  int overlap = (int)lround(request->overlap_deg / pixel_deg);
  int tiles_x = tiles_for(half_x, core), tiles_y = tiles_for(half_y, core);
  double side = fmax((double)tiles_x, (double)tiles_y) * core;
  if (side > DM_GRID_MAX_SIDE || side * pixel_deg >= 120.0) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A mosaic of %d × %d tiles of %d pixels is too large: at most %d pixels and "
                 "less than 120° a side.",
                 tiles_x, tiles_y, core, DM_GRID_MAX_SIDE);
    return NULL;
  }
  DmMosaicPlan *plan = calloc(1, sizeof *plan);
  if (plan) plan->tiles = calloc((size_t)tiles_x * (size_t)tiles_y, sizeof *plan->tiles);
  if (!plan || !plan->tiles) {
    dm_mosaic_plan_free(plan);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory planning the mosaic.");
    return NULL;
  }
  *plan = (DmMosaicPlan){
      .nx = tiles_x * core,
      .ny = tiles_y * core,
      .core = core,
      .overlap = overlap,
      .tiles_x = tiles_x,
      .tiles_y = tiles_y,
      .n_tiles = tiles_x * tiles_y,
      .tiles = plan->tiles,
  };
  plan->wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, ra0, dec0, pixel_deg, plan->nx, plan->ny, true,
                              error);
  bool ok = plan->wcs != NULL;
  for (int t = 0; ok && t < plan->n_tiles; t++) {
    int x0, y0, x1, y1;
    dm_mosaic_plan_core(plan, t, &x0, &y0, &x1, &y1);
    double cx = 0.5 * (x0 + x1 - 1), cy = 0.5 * (y0 + y1 - 1);
    DmGridSpec *spec = &plan->tiles[t];
    dm_grid_spec_init(spec);
    spec->nx = spec->ny = core + 2 * overlap;
    spec->pixel_arcmin = request->pixel_arcmin;
    spec->flip_e2 = request->flip_e2;
    spec->noise_model = request->noise_model;
    spec->has_center = true;
    ok = dm_wcs_pixel_to_world(plan->wcs, 1, &cx, &cy, &spec->center_ra, &spec->center_dec,
                               error);
  }
  if (!ok) {
    dm_mosaic_plan_free(plan);
    return NULL;
  }
  return plan;
}

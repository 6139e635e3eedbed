/* The geometry of a mosaic (darkmap/mosaic.h): the catalogue's RA/Dec box
 * from one streamed pass, the mosaic's TAN grid holding its projection (or
 * the CAR grid holding the box), and the tiles' cores and grids. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/mosaic.h"

/* Points along each edge of the RA/Dec box projected to find its extent:
 * meridians project to straight lines and parallels to conics whose
 * extremes lie at the box's corners or its middle meridian, all sampled. */
enum { BOX_EDGE_POINTS = 65 };

/* The farthest Dec a CAR mosaic reaches: its RA pixels shrink on the sky as
 * cos(Dec), and its tiles' binning looks 1/cos(Dec) wider (mosaic-tiles.c). */
static const double CAR_MAX_DEC = 80.0;

void dm_mosaic_request_init(DmMosaicRequest *request, DmReconstructMethod method) {
  *request = (DmMosaicRequest){
      .projection = DM_PROJECTION_TAN,
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
  if (request->projection != DM_PROJECTION_TAN && request->projection != DM_PROJECTION_FLAT)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mosaic's grid is TAN or CAR (FLAT).");
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

void dm_mosaic_footprint_init(DmMosaicFootprint *footprint) {
  for (int b = 0; b <= DM_MOSAIC_RA_BINS; b++) {
    footprint->low[b] = b < DM_MOSAIC_RA_BINS ? 360.0 : INFINITY;
    footprint->high[b] = b < DM_MOSAIC_RA_BINS ? 0.0 : -INFINITY;
  }
}

void dm_mosaic_footprint_merge(DmMosaicFootprint *into, const DmMosaicFootprint *other) {
  for (int b = 0; b <= DM_MOSAIC_RA_BINS; b++) {
    into->low[b] = fmin(into->low[b], other->low[b]);
    into->high[b] = fmax(into->high[b], other->high[b]);
  }
}

static double ra_in_circle(double ra) {
  double r = fmod(ra, 360.0);
  return r < 0.0 ? r + 360.0 : r;
}

bool dm_mosaic_footprint_add(DmMosaicFootprint *footprint, DmCatalogStream *stream,
                             const DmProgress *progress, DmError **error) {
  double *dec_low = &footprint->low[DM_MOSAIC_RA_BINS];
  double *dec_high = &footprint->high[DM_MOSAIC_RA_BINS];
  dm_catalog_stream_rewind(stream);
  const DmCatalog *chunk;
  while ((chunk = dm_catalog_stream_next(stream, progress, error)) && chunk->n > 0) {
    for (size_t i = 0; i < chunk->n; i++) {
      double ra = ra_in_circle(chunk->ra[i]), dec = chunk->dec[i];
      int b = (int)(ra * (DM_MOSAIC_RA_BINS / 360.0));
      if (b >= DM_MOSAIC_RA_BINS) b = DM_MOSAIC_RA_BINS - 1;
      footprint->low[b] = fmin(footprint->low[b], ra);
      footprint->high[b] = fmax(footprint->high[b], ra);
      *dec_low = fmin(*dec_low, dec);
      *dec_high = fmax(*dec_high, dec);
    }
    dm_progress_report(progress,
                       (double)dm_catalog_stream_rows_read(stream) /
                           (double)dm_catalog_stream_pass_rows(stream),
                       "Survey footprint");
  }
  dm_catalog_stream_rewind(stream);
  return chunk != NULL;
}

static bool ra_bin_empty(const DmMosaicFootprint *footprint, int b) {
  b %= DM_MOSAIC_RA_BINS;
  return footprint->low[b] > footprint->high[b];
}

/* The footprint's RA range [range[0], range[1]], range[1] past 360 when it
 * crosses RA 0, and its Dec range [range[2], range[3]]; the RA range is
 * the circle less the longest run of empty bins (the whole circle when no
 * bin is empty).  False for an empty footprint. */
static bool footprint_range(const DmMosaicFootprint *footprint, double range[4]) {
  int gap_end = -1, best = 0;
  bool any = false;
  /* The longest circular run of empty bins, each scanned once from the
   * occupied bin before it. */
  for (int b = 0; b < DM_MOSAIC_RA_BINS; b++) {
    if (ra_bin_empty(footprint, b)) continue;
    any = true;
    int run = 0;
    while (run < DM_MOSAIC_RA_BINS - 1 && ra_bin_empty(footprint, b + 1 + run)) run++;
    if (run > best) {
      best = run;
      gap_end = (b + 1 + run) % DM_MOSAIC_RA_BINS;
    }
  }
  range[2] = footprint->low[DM_MOSAIC_RA_BINS];
  range[3] = footprint->high[DM_MOSAIC_RA_BINS];
  if (gap_end < 0) {
    range[0] = 0.0;
    range[1] = 360.0;
    return any;
  }
  int first = gap_end, last = (gap_end + DM_MOSAIC_RA_BINS - best - 1) % DM_MOSAIC_RA_BINS;
  range[0] = footprint->low[first];
  range[1] = footprint->high[last] + (last < first ? 360.0 : 0.0);
  return true;
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
  DmMosaicFootprint *footprint = malloc(sizeof *footprint);
  if (!footprint) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory planning the mosaic.");
    return NULL;
  }
  dm_mosaic_footprint_init(footprint);
  DmMosaicPlan *plan = dm_mosaic_footprint_add(footprint, stream, progress, error)
                           ? dm_mosaic_plan_from_footprint(request, footprint, error)
                           : NULL;
  free(footprint);
  return plan;
}

DmMosaicPlan *dm_mosaic_plan_from_footprint(const DmMosaicRequest *request,
                                            const DmMosaicFootprint *footprint,
                                            DmError **error) {
  if (!check_request(request, error)) return NULL;
  double range[4], half_x, half_y;
  double pixel_deg = request->pixel_arcmin / 60.0;
  if (!footprint_range(footprint, range)) {
    dm_error_set(error, DM_ERROR_NO_DATA, 0, "The survey has no galaxies to map.");
    return NULL;
  }
  double ra0 = ra_in_circle(0.5 * (range[0] + range[1])), dec0 = 0.5 * (range[2] + range[3]);
  if (!(fabs(dec0) < 90.0)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The survey's middle (RA %g, Dec %g) is not a sky position.", ra0, dec0);
    return NULL;
  }
  bool car = request->projection == DM_PROJECTION_FLAT;
  if (car) {
    /* RA and Dec are linear in a CAR grid's pixels. */
    half_x = 0.5 * (range[1] - range[0]) / pixel_deg;
    half_y = 0.5 * (range[3] - range[2]) / pixel_deg;
  } else if (!projected_extent(range, ra0, dec0, pixel_deg, &half_x, &half_y, error)) {
    return NULL;
  }

  int core = (int)lround(request->tile_deg / pixel_deg);
  int overlap = (int)lround(request->overlap_deg / pixel_deg);
  int tiles_x = tiles_for(half_x, core), tiles_y = tiles_for(half_y, core);
  double side = fmax((double)tiles_x, (double)tiles_y) * core;
  double reach_dec = fabs(dec0) + 0.5 * tiles_y * core * pixel_deg + request->overlap_deg;
  if (car && (side > DM_GRID_MAX_SIDE || tiles_x * core * pixel_deg > 360.0 ||
              reach_dec > CAR_MAX_DEC)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A CAR mosaic of %d × %d tiles of %d pixels reaching Dec %.1f° is too large: "
                 "at most %d pixels and 360° a side, and ±%g° Dec (near a pole, a TAN mosaic "
                 "maps it).",
                 tiles_x, tiles_y, core, copysign(reach_dec, dec0), DM_GRID_MAX_SIDE,
                 CAR_MAX_DEC);
    return NULL;
  }
  if (!car && (side > DM_GRID_MAX_SIDE || side * pixel_deg >= 120.0)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A mosaic of %d × %d tiles of %d pixels is too large: at most %d pixels and "
                 "less than 120° a side (a CAR mosaic maps longer surveys).",
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
      .projection = car ? DM_PROJECTION_FLAT : DM_PROJECTION_TAN,
      .nx = tiles_x * core,
      .ny = tiles_y * core,
      .core = core,
      .overlap = overlap,
      .tiles_x = tiles_x,
      .tiles_y = tiles_y,
      .n_tiles = tiles_x * tiles_y,
      .tiles = plan->tiles,
  };
  plan->wcs = dm_wcs_new_grid(plan->projection, ra0, dec0, pixel_deg, plan->nx, plan->ny, true,
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

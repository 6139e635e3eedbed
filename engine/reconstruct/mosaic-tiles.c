/* Binning and reconstructing a range of a mosaic's tiles
 * (darkmap/mosaic.h).
 *
 * One pass over the streamed catalogue: each chunk's galaxies are projected
 * once onto the mosaic's plane, sorted by the tiles whose grid may hold them
 * (a counting sort over the tiles of the range; a galaxy near a corner goes
 * to up to four, or nine for the widest overlaps), and each tile's share is
 * gathered and added to that tile's binner.  The tile's own projection then
 * decides its pixel: the sort only needs to be generous, by MARGIN_PIXELS
 * and a share of the tile for the two projections' difference. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/mosaic.h"
#include "reconstruct/reconstruct-private.h"

/* The sorting margin beyond a tile's grid: 2 pixels and 2 % of its side
 * (two TAN planes a tile apart differ by far less inside a tile). */
static const double MARGIN_PIXELS = 2.0, MARGIN_SHARE = 0.02;

/* A range of tiles being binned (DmMosaicBinning). */
struct DmMosaicBinning {
  const DmMosaicPlan *plan;
  int first, last;
  DmBinner **binners;   /* last − first, NULL once finished */
  DmBinner *counts;     /* the mosaic's grid, or NULL */
  double margin;        /* sorting margin in pixels */
  /* Per chunk: mosaic-plane coordinates, per-tile counts and offsets, the
   * galaxies sorted by tile, and one tile's share gathered. */
  double *x, *y;        /* chunk capacity */
  size_t *offsets;      /* last − first + 1 */
  int *slots;           /* max_slots: the tiles of one galaxy */
  int max_slots;        /* the most tiles a galaxy may fall in (tile_slots_bound) */
  uint32_t *sorted;     /* grows with the pairs (galaxy, tile) */
  size_t sorted_capacity;
  DmCatalog share;      /* arrays of chunk capacity */
};

static void tile_binning_clear(DmMosaicBinning *b) {
  for (int i = 0; b->binners && i < b->last - b->first; i++) dm_binner_free(b->binners[i]);
  free(b->binners);
  dm_binner_free(b->counts);
  free(b->x);
  free(b->y);
  free(b->offsets);
  free(b->slots);
  free(b->sorted);
  free(b->share.ra);
  free(b->share.dec);
  free(b->share.e1);
  free(b->share.e2);
  free(b->share.weight);
}

/* How much wider than its own side a tile spans along the mosaic's RA at
 * Dec dec: 1 for TAN mosaics; for CAR, 1/cos of the farthest Dec the tile
 * reaches from there. */
static double ra_stretch(const DmMosaicBinning *b, double dec) {
  const DmMosaicPlan *p = b->plan;
  if (p->projection != DM_PROJECTION_FLAT) return 1.0;
  double pixel_deg = p->tiles[0].pixel_arcmin / 60.0;
  double far = fabs(dec) + (p->core + 2.0 * p->overlap) * pixel_deg;
  return 1.0 / cos(fmin(far, 89.0) * (M_PI / 180.0));
}

/* How far beyond its core's edge, in mosaic pixels, a tile's grid may hold
 * galaxies along an axis (its overlap and the sorting margin, the tile
 * stretched by stretch). */
static double axis_reach(const DmMosaicBinning *b, double stretch) {
  const DmMosaicPlan *p = b->plan;
  return p->overlap + b->margin + (0.5 * p->core + p->overlap + b->margin) * (stretch - 1.0);
}

/* The most tiles a galaxy may fall in: along each axis, those the reach
 * beyond a core's two edges crosses, at the mosaic's farthest Dec. */
static int tile_slots_bound(const DmMosaicBinning *b, DmError **error) {
  const DmMosaicPlan *p = b->plan;
  double x = 0.5 * (p->nx - 1), y[2] = {0.0, p->ny - 1.0}, ra[2], dec[2];
  double xs[2] = {x, x};
  if (!dm_wcs_pixel_to_world(p->wcs, 2, xs, y, ra, dec, error)) return 0;
  double far = fabs(dec[0]) > fabs(dec[1]) ? dec[0] : dec[1];
  int along_x = 2 + (int)ceil(2.0 * axis_reach(b, ra_stretch(b, far)) / p->core);
  int along_y = 2 + (int)ceil(2.0 * axis_reach(b, 1.0) / p->core);
  return along_x * along_y;
}

static bool tile_binning_init(DmMosaicBinning *b, const DmMosaicPlan *plan, int first, int last,
                              bool counts, DmError **error) {
  *b = (DmMosaicBinning){.plan = plan, .first = first, .last = last};
  b->margin = MARGIN_PIXELS + MARGIN_SHARE * (plan->core + 2 * plan->overlap);
  size_t n = (size_t)(last - first), capacity = DM_CATALOG_STREAM_CHUNK;
  b->binners = calloc(n, sizeof *b->binners);
  b->offsets = calloc(n + 1, sizeof *b->offsets);
  b->x = malloc(capacity * sizeof *b->x);
  b->y = malloc(capacity * sizeof *b->y);
  double **arrays[] = {&b->share.ra, &b->share.dec, &b->share.e1, &b->share.e2,
                       &b->share.weight};
  b->max_slots = tile_slots_bound(b, error);
  if (b->max_slots == 0) return false;
  b->slots = malloc((size_t)b->max_slots * sizeof *b->slots);
  bool ok = b->binners && b->offsets && b->x && b->y && b->slots;
  for (size_t i = 0; ok && i < sizeof arrays / sizeof arrays[0]; i++)
    ok = (*arrays[i] = malloc(capacity * sizeof(double))) != NULL;
  if (!ok) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory binning tiles.");
  for (size_t i = 0; ok && i < n; i++)
    ok = (b->binners[i] = dm_binner_new(&plan->tiles[first + i], error)) != NULL;
  if (ok && counts) {
    DmGridSpec spec;
    dm_grid_spec_init(&spec);
    spec.nx = plan->nx;
    spec.ny = plan->ny;
    spec.pixel_arcmin = plan->tiles[0].pixel_arcmin;
    spec.projection = plan->projection;
    spec.ra_left = true;
    spec.has_center = true;
    double cx = 0.5 * (plan->nx - 1), cy = 0.5 * (plan->ny - 1);
    ok = dm_wcs_pixel_to_world(plan->wcs, 1, &cx, &cy, &spec.center_ra, &spec.center_dec,
                               error) &&
         (b->counts = dm_binner_new(&spec, error)) != NULL;
  }
  return ok;
}

DmMosaicBinning *dm_mosaic_binning_new(const DmMosaicPlan *plan, int first, int last,
                                       bool counts, DmError **error) {
  if (first < 0 || last > plan->n_tiles || first >= last) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Tiles %d to %d are not a range of the mosaic's %d tiles.", first + 1, last,
                 plan->n_tiles);
    return NULL;
  }
  DmMosaicBinning *b = malloc(sizeof *b);
  if (!b) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory binning tiles.");
    return NULL;
  }
  if (!tile_binning_init(b, plan, first, last, counts, error)) {
    dm_mosaic_binning_free(b);
    return NULL;
  }
  return b;
}

void dm_mosaic_binning_free(DmMosaicBinning *b) {
  if (!b) return;
  tile_binning_clear(b);
  free(b);
}

DmBinner *dm_mosaic_binning_tile(DmMosaicBinning *b, int t) {
  return t >= b->first && t < b->last ? b->binners[t - b->first] : NULL;
}

DmBinner *dm_mosaic_binning_counts(DmMosaicBinning *b) { return b->counts; }

/* The tiles [*lo, *hi] along one axis whose grid may hold mosaic coordinate
 * v (pixel centres at integers), clipped to [0, n_tiles); false if none.
 * stretch (>= 1) widens the tiles' reach: a TAN tile of a CAR mosaic spans
 * 1/cos(Dec) as many of the mosaic's RA pixels as its own. */
static bool tile_span(const DmMosaicBinning *b, double v, int n_tiles, double stretch, int *lo,
                      int *hi) {
  const DmMosaicPlan *p = b->plan;
  double reach = axis_reach(b, stretch);
  /* Tile k's grid covers [k C − O − 0.5, (k + 1) C + O − 0.5). */
  double low = ceil((v + 0.5 - p->core - reach) / p->core);
  double high = floor((v + 0.5 + reach) / p->core);
  if (!(low <= high) || high < 0 || low >= n_tiles) return false;
  *lo = low < 0 ? 0 : (int)low;
  *hi = high >= n_tiles ? n_tiles - 1 : (int)high;
  return true;
}

/* The slots (tile − first) of the range's tiles whose grid may hold the
 * galaxy at mosaic coordinates (x, y) and Dec dec; returns their count. */
static int tile_slots(const DmMosaicBinning *b, double x, double y, double dec, int *slots) {
  int tx0, tx1, ty0, ty1, n = 0;
  if (!tile_span(b, x, b->plan->tiles_x, ra_stretch(b, dec), &tx0, &tx1) ||
      !tile_span(b, y, b->plan->tiles_y, 1.0, &ty0, &ty1))
    return 0;
  for (int ty = ty0; ty <= ty1; ty++)
    for (int tx = tx0; tx <= tx1 && n < b->max_slots; tx++) {
      int slot = ty * b->plan->tiles_x + tx - b->first;
      if (slot >= 0 && slot < b->last - b->first) slots[n++] = slot;
    }
  return n;
}

/* Sorts the chunk's galaxies by tile: b->sorted[offsets[s] .. offsets[s+1])
 * are the galaxies of tile first + s, in catalogue order. */
static bool sort_by_tile(DmMosaicBinning *b, const DmCatalog *chunk, DmError **error) {
  size_t n_slots = (size_t)(b->last - b->first);
  if (!dm_wcs_world_to_pixel(b->plan->wcs, chunk->n, chunk->ra, chunk->dec, b->x, b->y, error))
    return false;
  int *slots = b->slots;
  for (size_t s = 0; s <= n_slots; s++) b->offsets[s] = 0;
  for (size_t i = 0; i < chunk->n; i++)
    for (int k = tile_slots(b, b->x[i], b->y[i], chunk->dec[i], slots) - 1; k >= 0; k--)
      b->offsets[slots[k] + 1]++;
  for (size_t s = 0; s < n_slots; s++) b->offsets[s + 1] += b->offsets[s];
  size_t pairs = b->offsets[n_slots];
  if (pairs > b->sorted_capacity) {
    free(b->sorted);
    b->sorted = malloc(pairs * sizeof *b->sorted);
    b->sorted_capacity = b->sorted ? pairs : 0;
    if (!b->sorted)
      return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory binning tiles.");
  }
  /* Fills each tile's run in order, offsets[s] advancing to offsets[s + 1]
   * and then restored. */
  for (size_t i = 0; i < chunk->n; i++)
    for (int k = tile_slots(b, b->x[i], b->y[i], chunk->dec[i], slots) - 1; k >= 0; k--)
      b->sorted[b->offsets[slots[k]]++] = (uint32_t)i;
  for (size_t s = n_slots; s > 0; s--) b->offsets[s] = b->offsets[s - 1];
  b->offsets[0] = 0;
  return true;
}

/* Adds one chunk to the tiles' binners (and the mosaic's counts). */
static bool bin_chunk(DmMosaicBinning *b, const DmCatalog *chunk, DmError **error) {
  if (b->counts && !dm_binner_add(b->counts, chunk, 0, chunk->n, error)) return false;
  if (!sort_by_tile(b, chunk, error)) return false;
  for (int s = 0; s < b->last - b->first; s++) {
    size_t n = 0;
    for (size_t k = b->offsets[s]; k < b->offsets[s + 1]; k++, n++) {
      uint32_t i = b->sorted[k];
      b->share.ra[n] = chunk->ra[i];
      b->share.dec[n] = chunk->dec[i];
      b->share.e1[n] = chunk->e1[i];
      b->share.e2[n] = chunk->e2[i];
      b->share.weight[n] = chunk->weight[i];
    }
    if (n > 0 && !dm_binner_add(b->binners[s], &b->share, 0, n, error)) return false;
  }
  return true;
}

/* Keeps the mean, std and significance of a reconstruction. */
static DmPosterior *keep_summary(DmReconstruction *r) {
  DmPosterior *p = r->posterior;
  r->posterior = NULL;
  dm_map_free(p->samples);
  p->samples = NULL;
  dm_map_free(p->std_raw);
  p->std_raw = NULL;
  dm_reconstruction_free(r);
  return p;
}

/* Finishes tile slot s's binning and reconstructs it into *tile (NULL for
 * a tile without galaxies). */
static bool reconstruct_tile(DmMosaicBinning *b, int s, const DmMosaicRequest *request,
                             const DmProgress *progress, DmPosterior **tile, DmError **error) {
  DmError *local = NULL;
  DmBinnedShear *binned = dm_binner_finish(b->binners[s], &local);
  dm_binner_free(b->binners[s]);
  b->binners[s] = NULL;
  *tile = NULL;
  if (!binned) {
    if (local->code == DM_ERROR_NO_DATA) {
      dm_error_free(local);
      return true;
    }
    dm_error_propagate(error, local);
    return false;
  }
  DmReconstructRequest tile_request = request->reconstruct;
  tile_request.out_path = NULL;
  DmReconstruction *r = dm_reconstruct(binned, &tile_request, progress, &local);
  dm_binned_shear_free(binned);
  if (!r) {
    int t = b->first + s;
    dm_error_set(error, local->code, 0, "Tile %d (row %d, column %d): %s", t + 1,
                 t / b->plan->tiles_x + 1, t % b->plan->tiles_x + 1, local->message);
    dm_error_free(local);
    return false;
  }
  *tile = keep_summary(r);
  return true;
}

bool dm_mosaic_binning_add(DmMosaicBinning *b, DmCatalogStream *stream,
                           const DmProgress *progress, DmError **error) {
  dm_catalog_stream_rewind(stream);
  const DmCatalog *chunk = NULL;
  bool ok = true;
  while (ok && (chunk = dm_catalog_stream_next(stream, progress, error)) && chunk->n > 0) {
    ok = bin_chunk(b, chunk, error);
    dm_progress_report(progress,
                       (double)dm_catalog_stream_rows_read(stream) /
                           (double)dm_catalog_stream_pass_rows(stream),
                       "");
  }
  return ok && chunk != NULL;
}

bool dm_mosaic_binning_reconstruct(DmMosaicBinning *b, const DmMosaicRequest *request,
                                   int first, int last, DmPosterior **tiles, DmMap **counts,
                                   const DmProgress *progress, DmError **error) {
  if (first < b->first || last > b->last || first >= last)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Tiles %d to %d are not among the tiles %d to %d binned.", first + 1,
                        last, b->first + 1, b->last);
  for (int t = first; t < last; t++) tiles[t - first] = NULL;
  if (counts) *counts = NULL;
  bool ok = true;
  if (counts && b->counts) {
    DmBinnedShear *binned = dm_binner_finish(b->counts, error);
    ok = binned && (*counts = dm_map_copy(binned->counts, error)) != NULL;
    dm_binned_shear_free(binned);
  }
  for (int t = first; ok && t < last; t++) {
    char what[64];
    snprintf(what, sizeof what, "Tile %d of %d", t + 1, b->plan->n_tiles);
    DmProgressSegment segment;
    double span = 1.0 / (last - first);
    dm_progress_segment_init(&segment, progress, span * (t - first), span * (t - first + 1),
                             what);
    ok = reconstruct_tile(b, t - b->first, request, &segment.progress, &tiles[t - first], error);
  }
  if (!ok) {
    for (int t = first; t < last; t++) {
      dm_posterior_free(tiles[t - first]);
      tiles[t - first] = NULL;
    }
    if (counts) {
      dm_map_free(*counts);
      *counts = NULL;
    }
  }
  return ok;
}

bool dm_mosaic_reconstruct_tiles(const DmMosaicPlan *plan, const DmMosaicRequest *request,
                                 DmCatalogStream *stream, int first, int last,
                                 DmPosterior **tiles, DmMap **counts,
                                 const DmProgress *progress, DmError **error) {
  for (int t = 0; first >= 0 && t < last - first; t++) tiles[t] = NULL;
  if (counts) *counts = NULL;
  DmMosaicBinning *b = dm_mosaic_binning_new(plan, first, last, counts != NULL, error);
  if (!b) return false;
  /* The pass over the catalogue: a fifth of the run. */
  DmProgressSegment pass, rest;
  dm_progress_segment_init(&pass, progress, 0.0, 0.2, "Binning the tiles");
  dm_progress_segment_init(&rest, progress, 0.2, 1.0, NULL);
  bool ok = dm_mosaic_binning_add(b, stream, &pass.progress, error) &&
            dm_mosaic_binning_reconstruct(b, request, first, last, tiles, counts,
                                          &rest.progress, error);
  dm_mosaic_binning_free(b);
  return ok;
}

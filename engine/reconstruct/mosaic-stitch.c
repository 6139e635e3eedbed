/* Stitching a mosaic's tiles (darkmap/mosaic.h): each tile is interpolated
 * at the mosaic pixels it reaches, offsets make neighbours agree where they
 * overlap, and each tile adds its offset mean (and std) times its
 * apodising weight; the sums are divided by the weights at the end. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/mosaic.h"

#include "core/lanczos.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* A tile's weight along one axis at distance u (mosaic pixels) from its
 * core's centre: 1 to C/2 − O/2, cos² down to 0 at C/2 + O/2. */
static double profile(const DmMosaicPlan *plan, double u) {
  double inner = 0.5 * (plan->core - plan->overlap), outer = 0.5 * (plan->core + plan->overlap);
  u = fabs(u);
  if (u <= inner) return 1.0;
  if (u >= outer) return 0.0;
  double c = cos(0.5 * M_PI * (u - inner) / plan->overlap);
  return c * c;
}

/* A tile's values at the mosaic pixels of its box [x0, x1) × [y0, y1)
 * (row-major): the tile's mean and std interpolated there (NaN where the
 * tile does not reach or weighs nothing). */
typedef struct {
  int x0, y0, x1, y1;
  float *mean, *std;    /* box pixels each; std NULL without std */
} TileSamples;

static void tile_samples_clear(TileSamples *s) {
  free(s->mean);
  free(s->std);
}

/* The weight of tile t at mosaic pixel (x, y). */
static double tile_weight(const DmMosaicPlan *plan, int t, int x, int y) {
  int x0, y0, x1, y1;
  dm_mosaic_plan_core(plan, t, &x0, &y0, &x1, &y1);
  return profile(plan, x - 0.5 * (x0 + x1 - 1)) * profile(plan, y - 0.5 * (y0 + y1 - 1));
}

/* Samples tile t over its box: mosaic pixel → sky → the tile's pixels,
 * interpolated. */
static bool sample_tile(const DmMosaicPlan *plan, int t, const DmPosterior *tile, bool with_std,
                        TileSamples *s, DmError **error) {
  int x0, y0, x1, y1;
  dm_mosaic_plan_core(plan, t, &x0, &y0, &x1, &y1);
  int reach = (plan->overlap + 1) / 2 + 1;
  s->x0 = x0 - reach < 0 ? 0 : x0 - reach;
  s->y0 = y0 - reach < 0 ? 0 : y0 - reach;
  s->x1 = x1 + reach > plan->nx ? plan->nx : x1 + reach;
  s->y1 = y1 + reach > plan->ny ? plan->ny : y1 + reach;
  int bw = s->x1 - s->x0;
  size_t n = (size_t)bw * (size_t)(s->y1 - s->y0);
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  double *ra = malloc(n * sizeof *ra), *dec = malloc(n * sizeof *dec);
  double *tx = malloc(n * sizeof *tx), *ty = malloc(n * sizeof *ty);
  s->mean = malloc(n * sizeof *s->mean);
  s->std = with_std ? malloc(n * sizeof *s->std) : NULL;
  bool ok = x && y && ra && dec && tx && ty && s->mean && (!with_std || s->std);
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory stitching the mosaic.");
  for (size_t k = 0; ok && k < n; k++) {
    x[k] = s->x0 + (double)(k % (size_t)bw);
    y[k] = s->y0 + (double)(k / (size_t)bw);
  }
  ok = ok && dm_wcs_pixel_to_world(plan->wcs, n, x, y, ra, dec, error) &&
       dm_wcs_world_to_pixel(tile->mean->wcs, n, ra, dec, tx, ty, error);
  int nx = tile->mean->nx, ny = tile->mean->ny;
  for (size_t k = 0; ok && k < n; k++) {
    bool inside = tx[k] >= -0.5 && ty[k] >= -0.5 && tx[k] < nx - 0.5 && ty[k] < ny - 0.5 &&
                  tile_weight(plan, t, (int)x[k], (int)y[k]) > 0.0;
    s->mean[k] = inside ? (float)dm_lanczos3(tile->mean->data, nx, ny, tx[k], ty[k]) : NAN;
    if (s->std)
      s->std[k] = inside ? (float)dm_lanczos3(tile->std->data, nx, ny, tx[k], ty[k]) : NAN;
  }
  free(x);
  free(y);
  free(ra);
  free(dec);
  free(tx);
  free(ty);
  return ok;
}

/* Gauss-Seidel sweeps at most (they stop when no offset moves by 1e-10). */
enum { MAX_SWEEPS = 100000 };

/* Shifts the offsets of each group of tiles linked by overlaps (count > 0
 * towards a neighbour) to a zero mean: a group's common constant is free. */
static bool zero_mean_per_group(const DmMosaicPlan *plan, const double *count, double *offsets,
                                DmError **error) {
  int n = plan->n_tiles;
  int *group = malloc((size_t)n * sizeof *group), *stack = malloc((size_t)n * sizeof *stack);
  if (!group || !stack) {
    free(group);
    free(stack);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory stitching the mosaic.");
  }
  for (int t = 0; t < n; t++) group[t] = -1;
  for (int seed = 0; seed < n; seed++) {
    if (group[seed] >= 0) continue;
    /* The group of seed, by depth-first search; then its mean removed. */
    int top = 0, members = 0;
    double sum = 0.0;
    stack[top++] = seed;
    group[seed] = seed;
    while (top > 0) {
      int a = stack[--top];
      sum += offsets[a];
      members++;
      for (int d = 0; d < 9; d++) {
        int b = a + (d % 3 - 1) + (d / 3 - 1) * plan->tiles_x;
        if (count[a * 9 + d] > 0 && group[b] < 0) {
          group[b] = seed;
          stack[top++] = b;
        }
      }
    }
    for (int t = seed; t < n; t++)
      if (group[t] == seed) offsets[t] -= sum / members;
  }
  free(group);
  free(stack);
  return true;
}

/* Offsets c_t making neighbouring tiles agree where they overlap: with
 * d_ab the mean of a − b over the pixels both reach and n_ab their count,
 * the least-squares c minimising sum n_ab (d_ab + c_a − c_b)², by
 * Gauss-Seidel sweeps; each group of linked tiles keeps a zero mean offset
 * (the tiles' average level, which no tile knows, is left as they give
 * it). */
static bool match_offsets(const DmMosaicPlan *plan, const TileSamples *samples,
                          double *offsets, DmError **error) {
  int n = plan->n_tiles;
  /* Pair sums with the 8 neighbours, by direction (dx + 1) + 3 (dy + 1). */
  double *diff = calloc((size_t)n * 9, sizeof *diff), *count = calloc((size_t)n * 9,
                                                                       sizeof *count);
  if (!diff || !count) {
    free(diff);
    free(count);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory stitching the mosaic.");
  }
  for (int a = 0; a < n; a++) {
    const TileSamples *sa = &samples[a];
    if (!sa->mean) continue;
    for (int d = 0; d < 9; d++) {
      int bx = a % plan->tiles_x + d % 3 - 1, by = a / plan->tiles_x + d / 3 - 1;
      if (d == 4 || bx < 0 || by < 0 || bx >= plan->tiles_x || by >= plan->tiles_y) continue;
      const TileSamples *sb = &samples[by * plan->tiles_x + bx];
      if (!sb->mean) continue;
      int x0 = sa->x0 > sb->x0 ? sa->x0 : sb->x0, x1 = sa->x1 < sb->x1 ? sa->x1 : sb->x1;
      int y0 = sa->y0 > sb->y0 ? sa->y0 : sb->y0, y1 = sa->y1 < sb->y1 ? sa->y1 : sb->y1;
      for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
          float va = sa->mean[(size_t)(y - sa->y0) * (sa->x1 - sa->x0) + (x - sa->x0)];
          float vb = sb->mean[(size_t)(y - sb->y0) * (sb->x1 - sb->x0) + (x - sb->x0)];
          if (isnan(va) || isnan(vb)) continue;
          diff[a * 9 + d] += (double)va - vb;
          count[a * 9 + d] += 1.0;
        }
      if (count[a * 9 + d] > 0) diff[a * 9 + d] /= count[a * 9 + d];
    }
  }
  for (int t = 0; t < n; t++) offsets[t] = 0.0;
  for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    double change = 0.0;
    for (int a = 0; a < n; a++) {
      double num = 0.0, den = 0.0;
      for (int d = 0; d < 9; d++) {
        if (count[a * 9 + d] == 0) continue;
        int b = a + (d % 3 - 1) + (d / 3 - 1) * plan->tiles_x;
        num += count[a * 9 + d] * (offsets[b] - diff[a * 9 + d]);
        den += count[a * 9 + d];
      }
      if (den == 0.0) continue;
      change = fmax(change, fabs(num / den - offsets[a]));
      offsets[a] = num / den;
    }
    if (change < 1e-10) break;
  }
  bool ok = zero_mean_per_group(plan, count, offsets, error);
  free(diff);
  free(count);
  return ok;
}

/* Running sums over the mosaic: sum w mean, sum w std, sum w. */
typedef struct {
  double *mean, *std, *weight;  /* nx × ny each; std NULL without std */
} StitchSums;

/* Adds one tile's samples, offset, to the sums. */
static void add_tile(const DmMosaicPlan *plan, int t, const TileSamples *s, double offset,
                     const StitchSums *sums) {
  int bw = s->x1 - s->x0;
  for (int y = s->y0; y < s->y1; y++)
    for (int x = s->x0; x < s->x1; x++) {
      size_t k = (size_t)(y - s->y0) * bw + (x - s->x0);
      if (isnan(s->mean[k])) continue;
      double w = tile_weight(plan, t, x, y);
      size_t p = (size_t)y * (size_t)plan->nx + (size_t)x;
      sums->mean[p] += w * (s->mean[k] + offset);
      if (sums->std) sums->std[p] += w * s->std[k];
      sums->weight[p] += w;
    }
}

/* The mosaic's map of plane values sum / weight (0 where no tile reached),
 * with the mosaic's WCS. */
static DmMap *divide(const DmMosaicPlan *plan, const double *sum, const double *weight,
                     DmError **error) {
  DmMap *map = dm_map_new(plan->nx, plan->ny, 1, plan->wcs, error);
  if (!map) return NULL;
  for (size_t p = 0; p < dm_map_plane_size(map); p++)
    map->data[p] = weight[p] > 0.0 ? (float)(sum[p] / weight[p]) : 0.0f;
  return map;
}

/* Provenance: the first tile's cards and the mosaic's geometry. */
static bool describe(DmMap *map, const DmMosaicPlan *plan, const DmMosaicRequest *request,
                     const DmMap *first_tile, DmError **error) {
  if (first_tile && !dm_map_copy_meta(map, first_tile, error)) return false;
  return dm_map_set_string(map, "MOSAIC", "TAN", "one tangent plane, tiles stitched", error) &&
         dm_map_set_double(map, "TILEDEG", request->tile_deg, "tile core side [deg]", error) &&
         dm_map_set_double(map, "OVERLAP", request->overlap_deg, "tile margin [deg]", error) &&
         dm_map_set_int(map, "NTILES", plan->n_tiles, "tiles in the mosaic", error) &&
         dm_map_set_int(map, "TILEPIX", plan->core + 2 * plan->overlap, "tile grid side [px]",
                        error) &&
         dm_map_set_double(map, "PIXSCALE", request->pixel_arcmin, "pixel side [arcmin]", error);
}

DmPosterior *dm_mosaic_stitch(const DmMosaicPlan *plan, const DmMosaicRequest *request,
                              DmPosterior *const *tiles, DmError **error) {
  size_t npix = (size_t)plan->nx * (size_t)plan->ny;
  const DmPosterior *first = NULL;
  bool with_std = true;
  for (int t = 0; t < plan->n_tiles; t++) {
    if (!tiles[t]) continue;
    if (!first) first = tiles[t];
    with_std = with_std && tiles[t]->std;
  }
  if (!first) {
    dm_error_set(error, DM_ERROR_NO_DATA, 0, "No tile of the mosaic holds a galaxy.");
    return NULL;
  }
  StitchSums sums = {calloc(npix, sizeof(double)), with_std ? calloc(npix, sizeof(double)) : NULL,
                     calloc(npix, sizeof(double))};
  TileSamples *samples = calloc((size_t)plan->n_tiles, sizeof *samples);
  double *offsets = calloc((size_t)plan->n_tiles, sizeof *offsets);
  bool ok = sums.mean && sums.weight && (!with_std || sums.std) && samples && offsets;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory stitching the mosaic.");
  for (int t = 0; ok && t < plan->n_tiles; t++)
    if (tiles[t]) ok = sample_tile(plan, t, tiles[t], with_std, &samples[t], error);
  ok = ok && match_offsets(plan, samples, offsets, error);
  for (int t = 0; ok && t < plan->n_tiles; t++)
    if (tiles[t]) add_tile(plan, t, &samples[t], offsets[t], &sums);
  for (int t = 0; samples && t < plan->n_tiles; t++) tile_samples_clear(&samples[t]);
  free(samples);
  free(offsets);
  DmMap *mean = ok ? divide(plan, sums.mean, sums.weight, error) : NULL;
  DmMap *std = ok && mean && with_std ? divide(plan, sums.std, sums.weight, error) : NULL;
  ok = mean && (!with_std || std) && describe(mean, plan, request, first->mean, error);
  free(sums.mean);
  free(sums.std);
  free(sums.weight);
  DmPosterior *posterior = ok ? calloc(1, sizeof *posterior) : NULL;
  if (ok && !posterior)
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory stitching the mosaic.");
  if (ok && std) {
    DmMap *signif = dm_map_new(plan->nx, plan->ny, 1, plan->wcs, error);
    ok = signif && describe(std, plan, request, first->std, error);
    for (size_t p = 0; ok && p < npix; p++)
      signif->data[p] = std->data[p] > 0.0f ? mean->data[p] / std->data[p] : 0.0f;
    posterior->signif = signif;
  }
  if (!ok) {
    dm_map_free(mean);
    dm_map_free(std);
    if (posterior) dm_posterior_free(posterior);
    return NULL;
  }
  posterior->mean = mean;
  posterior->std = std;
  return posterior;
}

/* Stitching a mosaic's tiles (darkmap/mosaic.h): each tile adds its
 * bilinearly sampled mean (and std) times its apodising weight to the
 * mosaic pixels it reaches; the sums are divided by the weights at the end. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/mosaic.h"

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

/* Bilinear sample of a plane at (x, y) (pixel centres at integers); false
 * outside the plane's pixel centres. */
static bool sample(const float *plane, int nx, int ny, double x, double y, double *value) {
  if (!(x >= 0.0 && y >= 0.0 && x <= nx - 1 && y <= ny - 1)) return false;
  int x0 = (int)x, y0 = (int)y;
  int x1 = x0 + 1 < nx ? x0 + 1 : x0, y1 = y0 + 1 < ny ? y0 + 1 : y0;
  double fx = x - x0, fy = y - y0;
  double top = (1 - fx) * plane[(size_t)y0 * nx + x0] + fx * plane[(size_t)y0 * nx + x1];
  double bottom = (1 - fx) * plane[(size_t)y1 * nx + x0] + fx * plane[(size_t)y1 * nx + x1];
  *value = (1 - fy) * top + fy * bottom;
  return true;
}

/* Running sums over the mosaic: sum w mean, sum w std, sum w. */
typedef struct {
  double *mean, *std, *weight;  /* nx × ny each; std NULL without std */
} StitchSums;

/* Adds one tile's contribution to the sums. */
static bool add_tile(const DmMosaicPlan *plan, int t, const DmPosterior *tile,
                     const StitchSums *sums, DmError **error) {
  int x0, y0, x1, y1;
  dm_mosaic_plan_core(plan, t, &x0, &y0, &x1, &y1);
  double cx = 0.5 * (x0 + x1 - 1), cy = 0.5 * (y0 + y1 - 1);
  int reach = (plan->overlap + 1) / 2 + 1;
  int bx0 = x0 - reach < 0 ? 0 : x0 - reach, by0 = y0 - reach < 0 ? 0 : y0 - reach;
  int bx1 = x1 + reach > plan->nx ? plan->nx : x1 + reach;
  int by1 = y1 + reach > plan->ny ? plan->ny : y1 + reach;
  size_t n = (size_t)(bx1 - bx0) * (size_t)(by1 - by0);
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  double *ra = malloc(n * sizeof *ra), *dec = malloc(n * sizeof *dec);
  double *tx = malloc(n * sizeof *tx), *ty = malloc(n * sizeof *ty);
  bool ok = x && y && ra && dec && tx && ty;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory stitching the mosaic.");
  for (size_t k = 0; ok && k < n; k++) {
    x[k] = bx0 + (double)(k % (size_t)(bx1 - bx0));
    y[k] = by0 + (double)(k / (size_t)(bx1 - bx0));
  }
  /* Mosaic pixels → sky → the tile's pixels. */
  ok = ok && dm_wcs_pixel_to_world(plan->wcs, n, x, y, ra, dec, error) &&
       dm_wcs_world_to_pixel(tile->mean->wcs, n, ra, dec, tx, ty, error);
  const float *mean = tile->mean->data, *std = tile->std ? tile->std->data : NULL;
  int nx = tile->mean->nx, ny = tile->mean->ny;
  for (size_t k = 0; ok && k < n; k++) {
    double w = profile(plan, x[k] - cx) * profile(plan, y[k] - cy), m, s = 0.0;
    if (w <= 0.0 || !sample(mean, nx, ny, tx[k], ty[k], &m)) continue;
    if (sums->std && !sample(std, nx, ny, tx[k], ty[k], &s)) continue;
    size_t p = (size_t)y[k] * (size_t)plan->nx + (size_t)x[k];
    sums->mean[p] += w * m;
    if (sums->std) sums->std[p] += w * s;
    sums->weight[p] += w;
  }
  free(x);
  free(y);
  free(ra);
  free(dec);
  free(tx);
  free(ty);
  return ok;
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
  bool ok = sums.mean && sums.weight && (!with_std || sums.std);
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory stitching the mosaic.");
  for (int t = 0; ok && t < plan->n_tiles; t++)
    if (tiles[t]) ok = add_tile(plan, t, tiles[t], &sums, error);
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

/* Coverage of samples beyond single pixels: aperture means on a lattice of
 * discs, and TARP's expected coverage on tiles (darkmap/mock-evaluation.h). */
#include <math.h>
#include <stdlib.h>

#include "darkmap/mock-evaluation.h"
#include "darkmap/rng.h"
#include "evaluation/sample-quantiles.h"

/* A disc of the aperture lattice: its centre in pixels (pixel centres at
 * integers), squared radius and bounding box. */
typedef struct {
  double cx, cy, r2;
  int x0, x1, y0, y1;
} Disc;

static Disc disc_at(double cx, double cy, double radius) {
  return (Disc){cx,
                cy,
                radius * radius,
                (int)ceil(cx - radius),
                (int)floor(cx + radius),
                (int)ceil(cy - radius),
                (int)floor(cy + radius)};
}

static bool in_disc(const Disc *d, int x, int y) {
  double dx = x - d->cx, dy = y - d->cy;
  return dx * dx + dy * dy <= d->r2;
}

/* Whether the disc has pixels and every one of them is on the grid with
 * mask > 0. */
static bool disc_fits(const Disc *d, const float *mask, int nx, int ny) {
  bool any = false;
  for (int y = d->y0; y <= d->y1; y++)
    for (int x = d->x0; x <= d->x1; x++) {
      if (!in_disc(d, x, y)) continue;
      if (x < 0 || x >= nx || y < 0 || y >= ny || !(mask[(size_t)y * nx + x] > 0.0f))
        return false;
      any = true;
    }
  return any;
}

/* The mean of map (nx wide) over a disc that fits. */
static float disc_mean(const Disc *d, const float *map, int nx) {
  double sum = 0.0;
  int n = 0;
  for (int y = d->y0; y <= d->y1; y++)
    for (int x = d->x0; x <= d->x1; x++)
      if (in_disc(d, x, y)) {
        sum += map[(size_t)y * nx + x];
        n++;
      }
  return (float)(sum / n);
}

bool dm_eval_aperture_coverage(const float *truth, const float *samples, int k, const float *mask,
                               int nx, int ny, double radius_pixels, double level,
                               double *coverage, int *n_apertures, DmError **error) {
  if (k < 2 || !(level > 0.0 && level < 1.0) || !(radius_pixels >= 0.5) || nx < 1 || ny < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Aperture coverage needs at least 2 samples, a level in (0, 1), a "
                        "radius of at least half a pixel and a grid.");
  size_t npix = (size_t)nx * (size_t)ny;
  float *means = malloc((size_t)k * sizeof(float));
  if (!means) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  int n = 0, inside = 0;
  for (int j = 0; j * radius_pixels <= ny - 1; j++)
    for (int i = 0; i * radius_pixels <= nx - 1; i++) {
      Disc d = disc_at(i * radius_pixels, j * radius_pixels, radius_pixels);
      if (!disc_fits(&d, mask, nx, ny)) continue;
      for (int s = 0; s < k; s++) means[s] = disc_mean(&d, samples + (size_t)s * npix, nx);
      double lo, hi;
      dm_sample_interval(means, k, level, &lo, &hi);
      float t = disc_mean(&d, truth, nx);
      inside += t >= lo && t <= hi;
      n++;
    }
  free(means);
  if (n == 0)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "No disc of radius %.3g pixels lies wholly inside the mask.",
                        radius_pixels);
  *coverage = (double)inside / n;
  *n_apertures = n;
  return true;
}

double dm_eval_tarp_alpha(int i) { return (i + 1.0) / (DM_EVAL_TARP_LEVELS + 1); }

/* Whether the tile of side pixels at (x0, y0) has mask > 0 everywhere. */
static bool tile_fits(const float *mask, int nx, int x0, int y0, int side) {
  for (int y = y0; y < y0 + side; y++)
    for (int x = x0; x < x0 + side; x++)
      if (!(mask[(size_t)y * nx + x] > 0.0f)) return false;
  return true;
}

/* The number of the k samples closer (Euclidean, over the tile of side
 * pixels at (x0, y0)) than the truth to a reference point drawn by rng
 * uniformly in the box of the samples and the truth; reference: room for
 * side² values. */
static int closer_than_truth(const float *truth, const float *samples, int k, int nx,
                             size_t npix, int x0, int y0, int side, DmRng *rng,
                             double *reference) {
  int p = 0;
  for (int y = y0; y < y0 + side; y++)
    for (int x = x0; x < x0 + side; x++, p++) {
      size_t i = (size_t)y * nx + x;
      double lo = truth[i], hi = truth[i];
      for (int s = 0; s < k; s++) {
        double v = samples[(size_t)s * npix + i];
        lo = fmin(lo, v);
        hi = fmax(hi, v);
      }
      reference[p] = lo + dm_rng_uniform(rng) * (hi - lo);
    }
  double to_truth = 0.0;
  int closer = 0;
  for (int s = -1; s < k; s++) {
    const float *map = s < 0 ? truth : samples + (size_t)s * npix;
    double d2 = 0.0;
    p = 0;
    for (int y = y0; y < y0 + side; y++)
      for (int x = x0; x < x0 + side; x++, p++) {
        double d = map[(size_t)y * nx + x] - reference[p];
        d2 += d * d;
      }
    if (s < 0) to_truth = d2;
    else closer += d2 < to_truth;
  }
  return closer;
}

bool dm_eval_tarp(const float *truth, const float *samples, int k, const float *mask, int nx,
                  int ny, int tile, uint64_t seed, double ecp[DM_EVAL_TARP_LEVELS], int *n_tiles,
                  DmError **error) {
  if (k < 2 || tile < 1 || nx < 1 || ny < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "TARP needs at least 2 samples, a tile of at least 1 pixel and a grid.");
  size_t npix = (size_t)nx * (size_t)ny;
  int tiles_x = nx / tile, tiles_y = ny / tile;
  /* ranks[c]: tiles with c samples closer to the reference than the truth. */
  int *ranks = calloc((size_t)k + 1, sizeof(int));
  double *reference = tiles_x && tiles_y ? malloc((size_t)tile * tile * sizeof(double)) : NULL;
  if (!ranks || (tiles_x && tiles_y && !reference)) {
    free(ranks);
    free(reference);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  }
  int n = 0;
  for (int ty = 0; ty < tiles_y; ty++)
    for (int tx = 0; tx < tiles_x; tx++) {
      if (!tile_fits(mask, nx, tx * tile, ty * tile, tile)) continue;
      DmRng rng;
      dm_rng_init(&rng, seed, (uint64_t)ty * tiles_x + tx);
      ranks[closer_than_truth(truth, samples, k, nx, npix, tx * tile, ty * tile, tile, &rng,
                              reference)]++;
      n++;
    }
  free(reference);
  if (n == 0) {
    free(ranks);
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "No tile of %d x %d pixels lies wholly inside the mask.", tile, tile);
  }
  for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++) {
    int below = 0;
    for (int c = 0; c <= k; c++)
      if ((double)c / k < dm_eval_tarp_alpha(i)) below += ranks[c];
    ecp[i] = (double)below / n;
  }
  free(ranks);
  *n_tiles = n;
  return true;
}

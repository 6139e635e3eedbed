/* Separable Gaussian smoothing with SciPy's 'reflect' edges (darkmap/smooth.h).
 *
 * The kernel is SciPy's: radius r = int(4 sigma + 0.5), weights
 * exp(−x² / (2 sigma²)) for x = −r..r, normalised to sum 1.  The image is
 * filtered along y (down each column, NumPy axis 0) first, then along x (each
 * row), in scipy.ndimage.gaussian_filter's order; every output pixel is
 * accumulated in double.  Beyond an edge the line continues as its mirror image including the
 * edge sample (d c b a | a b c d | d c b a ...), repeated as often as a kernel
 * wider than the image needs. */
#include "darkmap/smooth.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap/map.h"

/* Columns filtered together in the vertical pass (keeps reads contiguous). */
#define STRIP_WIDTH 32

/* Index into a line of n samples for a position i (any integer) under the
 * half-sample symmetric extension, whose period is 2n. */
static int reflect_index(long i, int n) {
  long period = 2L * n;
  long m = i % period;
  if (m < 0) m += period;
  return (int)(m < n ? m : period - 1 - m);
}

/* weights: 2 radius + 1 doubles, centre at weights[radius]. */
static void make_kernel(double sigma, int radius, double *weights) {
  double sum = 0.0;
  for (int j = -radius; j <= radius; j++) {
    double w = exp(-0.5 * (double)j * (double)j / (sigma * sigma));
    weights[j + radius] = w;
    sum += w;
  }
  for (int j = 0; j <= 2 * radius; j++) weights[j] /= sum;
}

/* Filters each row along x; line (nx + 2 radius doubles, or more) is scratch
 * for one extended row. */
static void filter_rows(float *image, int nx, int ny, const double *weights, int radius,
                        double *line) {
  for (int y = 0; y < ny; y++) {
    float *row = image + (size_t)y * (size_t)nx;
    for (long i = -radius; i < (long)nx + radius; i++) line[i + radius] = row[reflect_index(i, nx)];
    for (int x = 0; x < nx; x++) {
      const double *src = line + x;
      double acc = 0.0;
      for (int j = 0; j <= 2 * radius; j++) acc += weights[j] * src[j];
      row[x] = (float)acc;
    }
  }
}

/* Filters each column along y, in strips of up to STRIP_WIDTH columns: strip holds
 * (ny + 2 radius) × STRIP_WIDTH doubles, the extended columns side by side. */
static void filter_columns(float *image, int nx, int ny, const double *weights, int radius,
                           double *strip) {
  for (int x0 = 0; x0 < nx; x0 += STRIP_WIDTH) {
    int width = nx - x0 < STRIP_WIDTH ? nx - x0 : STRIP_WIDTH;
    for (long i = -radius; i < (long)ny + radius; i++) {
      const float *src = image + (size_t)reflect_index(i, ny) * (size_t)nx + (size_t)x0;
      double *dst = strip + (size_t)(i + radius) * STRIP_WIDTH;
      for (int c = 0; c < width; c++) dst[c] = src[c];
    }
    for (int y = 0; y < ny; y++) {
      double acc[STRIP_WIDTH] = {0};
      for (int j = 0; j <= 2 * radius; j++) {
        const double *src = strip + (size_t)(y + j) * STRIP_WIDTH;
        double w = weights[j];
        for (int c = 0; c < width; c++) acc[c] += w * src[c];
      }
      float *dst = image + (size_t)y * (size_t)nx + (size_t)x0;
      for (int c = 0; c < width; c++) dst[c] = (float)acc[c];
    }
  }
}

bool dm_smooth_gaussian(float *image, int nx, int ny, double sigma_pixels, DmError **error) {
  if (!(sigma_pixels > 0.0)) return true;
  if (!isfinite(sigma_pixels) || sigma_pixels > (double)DM_MAP_MAX_SIDE)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Cannot smooth: the Gaussian sigma %g pixels is not a usable width.",
                        sigma_pixels);
  if (!image || nx <= 0 || ny <= 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Cannot smooth an empty image (%d × %d).", nx, ny);

  int radius = (int)(4.0 * sigma_pixels + 0.5);
  int longest = nx > ny ? nx : ny;
  double *weights = malloc((size_t)(2 * radius + 1) * sizeof *weights);
  /* line: one extended row; strip: STRIP_WIDTH extended columns. */
  double *line = malloc((size_t)(longest + 2 * radius) * sizeof *line);
  double *strip = malloc((size_t)(ny + 2 * radius) * STRIP_WIDTH * sizeof *strip);
  if (!weights || !line || !strip) {
    free(weights);
    free(line);
    free(strip);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                        "Out of memory while smoothing a %d × %d image.", nx, ny);
  }

  make_kernel(sigma_pixels, radius, weights);
  filter_columns(image, nx, ny, weights, radius, strip);
  filter_rows(image, nx, ny, weights, radius, line);

  free(weights);
  free(line);
  free(strip);
  return true;
}

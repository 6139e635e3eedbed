/* Separable Gaussian smoothing with SciPy's 'reflect' edges (darkmap/smooth.h).
 *
 * The kernel is SciPy's: radius r = int(4 sigma + 0.5), weights
 * exp(−x² / (2 sigma²)) for x = −r..r, normalised to sum 1.  The image is
 * filtered along y (down each column, NumPy axis 0) first, then along x (each
 * row), in scipy.ndimage.gaussian_filter's order; every output pixel is
 * accumulated in double.  Beyond an edge the line continues as its mirror image including the
 * edge sample (d c b a | a b c d | d c b a ...), repeated as often as a kernel
 * wider than the image needs.  Each pixel's sum runs over the kernel in order;
 * eight outputs are summed side by side, which the AVX2 copies of the filters
 * (chosen at run time where the processor has it) do four at a time, with the
 * same result.  Large images are shared between the OpenMP threads, strips of
 * columns then rows, with the same result as on one. */
#include "darkmap/smooth.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "core/omp-shares.h"
#include "darkmap/map.h"

/* Columns filtered together in the vertical pass (keeps reads contiguous). */
#define STRIP_WIDTH 32
/* Outputs accumulated together (independent sums in registers). */
#define OUTPUT_BLOCK 8

/* The filters are compiled twice, for AVX2 and for any x86-64, and the copy
 * is chosen by an IFUNC resolver that runs while the dynamic loader relocates
 * the library.  Under ThreadSanitizer that resolver is instrumented and runs
 * before the sanitizer's runtime exists, so those builds keep one copy. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DM_BUILT_WITH_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(DM_BUILT_WITH_TSAN)
#define CLONED_FOR_AVX2
#else
#define CLONED_FOR_AVX2 __attribute__((target_clones("avx2", "default")))
#endif

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

/* Filters rows [y0, y1) along x; line (nx + 2 radius doubles, or more) is
 * scratch for one extended row.  Outputs are accumulated OUTPUT_BLOCK at a time,
 * each over the kernel in order. */
CLONED_FOR_AVX2
static void filter_rows(float *image, int nx, int y0, int y1, const double *weights, int radius,
                        double *line) {
  int taps = 2 * radius + 1;
  for (int y = y0; y < y1; y++) {
    float *row = image + (size_t)y * (size_t)nx;
    for (long i = -radius; i < 0; i++) line[i + radius] = row[reflect_index(i, nx)];
    for (int i = 0; i < nx; i++) line[i + radius] = row[i];
    for (long i = nx; i < (long)nx + radius; i++) line[i + radius] = row[reflect_index(i, nx)];
    int x0 = 0;
    for (; x0 + OUTPUT_BLOCK <= nx; x0 += OUTPUT_BLOCK) {
      double acc[OUTPUT_BLOCK] = {0};
      for (int j = 0; j < taps; j++) {
        const double *src = line + x0 + j;
        double w = weights[j];
        for (int c = 0; c < OUTPUT_BLOCK; c++) acc[c] += w * src[c];
      }
      for (int c = 0; c < OUTPUT_BLOCK; c++) row[x0 + c] = (float)acc[c];
    }
    for (; x0 < nx; x0++) {
      double acc = 0.0;
      for (int j = 0; j < taps; j++) acc += weights[j] * line[x0 + j];
      row[x0] = (float)acc;
    }
  }
}

/* Filters the columns of strips [s0, s1) along y (strip s: columns
 * s STRIP_WIDTH onwards, up to STRIP_WIDTH of them); strip holds
 * (ny + 2 radius) × STRIP_WIDTH doubles, the extended columns side by side. */
CLONED_FOR_AVX2
static void filter_columns(float *image, int nx, int ny, int s0, int s1, const double *weights,
                           int radius, double *strip) {
  int taps = 2 * radius + 1;
  for (int x0 = s0 * STRIP_WIDTH; x0 < nx && x0 < s1 * STRIP_WIDTH; x0 += STRIP_WIDTH) {
    int width = nx - x0 < STRIP_WIDTH ? nx - x0 : STRIP_WIDTH;
    for (long i = -radius; i < (long)ny + radius; i++) {
      const float *src = image + (size_t)reflect_index(i, ny) * (size_t)nx + (size_t)x0;
      double *dst = strip + (size_t)(i + radius) * STRIP_WIDTH;
      for (int c = 0; c < width; c++) dst[c] = src[c];
    }
    for (int y = 0; y < ny; y++) {
      float *dst = image + (size_t)y * (size_t)nx + (size_t)x0;
      int c0 = 0;
      for (; c0 + OUTPUT_BLOCK <= width; c0 += OUTPUT_BLOCK) {
        double acc[OUTPUT_BLOCK] = {0};
        for (int j = 0; j < taps; j++) {
          const double *src = strip + (size_t)(y + j) * STRIP_WIDTH + c0;
          double w = weights[j];
          for (int c = 0; c < OUTPUT_BLOCK; c++) acc[c] += w * src[c];
        }
        for (int c = 0; c < OUTPUT_BLOCK; c++) dst[c0 + c] = (float)acc[c];
      }
      for (; c0 < width; c0++) {
        double acc = 0.0;
        for (int j = 0; j < taps; j++)
          acc += weights[j] * strip[(size_t)(y + j) * STRIP_WIDTH + c0];
        dst[c0] = (float)acc;
      }
    }
  }
}

/* Pixels of one thread's share: about 2 ms of filtering (core/omp-shares.h). */
enum { SHARE_PIXELS = 1 << 19 };

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
  int threads = dm_omp_threads_for((size_t)nx * (size_t)ny, SHARE_PIXELS);
  /* per thread: line, one extended row; strip, STRIP_WIDTH extended columns */
  size_t line_size = (size_t)(longest + 2 * radius);
  size_t strip_size = (size_t)(ny + 2 * radius) * STRIP_WIDTH;
  double *weights = malloc((size_t)(2 * radius + 1) * sizeof *weights);
  double *scratch = malloc((size_t)threads * (line_size + strip_size) * sizeof *scratch);
  if (!weights || !scratch) {
    free(weights);
    free(scratch);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                        "Out of memory while smoothing a %d × %d image.", nx, ny);
  }

  make_kernel(sigma_pixels, radius, weights);
  int strips = (nx + STRIP_WIDTH - 1) / STRIP_WIDTH;
  /* Each thread filters a share of the strips, then (after the barrier) a
   * share of the rows; every pixel is computed as on one thread. */
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), team = omp_get_num_threads();
    double *line = scratch + (size_t)t * (line_size + strip_size), *strip = line + line_size;
    filter_columns(image, nx, ny, (int)((long)strips * t / team),
                   (int)((long)strips * (t + 1) / team), weights, radius, strip);
#pragma omp barrier
    filter_rows(image, nx, (int)((long)ny * t / team), (int)((long)ny * (t + 1) / team), weights,
                radius, line);
  }

  free(weights);
  free(scratch);
  return true;
}

/* Split-conformal scaling of the samples' spread: conformity scores, the
 * factor, the coverage it gives and its application (darkmap/calibration.h). */
#include "darkmap/calibration.h"

#include <math.h>
#include <stdlib.h>

#include "evaluation/sample-quantiles.h"

/* Mean and central interval [lo, hi] of level of pixel i's k samples;
 * values: room for k floats. */
static void pixel_interval(const float *samples, int k, size_t npix, size_t i, double level,
                           float *values, double *mean, double *lo, double *hi) {
  double sum = 0.0;
  for (int j = 0; j < k; j++) {
    values[j] = samples[(size_t)j * npix + i];
    sum += values[j];
  }
  *mean = sum / k;
  dm_sample_interval(values, k, level, lo, hi);
}

/* The smallest scale about mean whose interval [lo, hi] holds t. */
static double conformity(double t, double mean, double lo, double hi) {
  if (t > mean) return hi > mean ? (t - mean) / (hi - mean) : INFINITY;
  if (t < mean) return lo < mean ? (mean - t) / (mean - lo) : INFINITY;
  return 0.0;
}

static bool check_samples(int k, double level, DmError **error) {
  if (k < 2 || !(level > 0.0 && level < 1.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Calibration needs at least 2 samples and a level in (0, 1).");
  return true;
}

bool dm_conformity_scores(const float *truth, const float *samples, int k, const float *mask,
                          size_t npix, double level, double *scores, size_t *n,
                          DmError **error) {
  if (!check_samples(k, level, error)) return false;
  float *values = malloc((size_t)k * sizeof(float));
  if (!values) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  *n = 0;
  for (size_t i = 0; i < npix; i++) {
    if (!(mask[i] > 0.0f)) continue;
    double mean, lo, hi;
    pixel_interval(samples, k, npix, i, level, values, &mean, &lo, &hi);
    scores[(*n)++] = conformity(truth[i], mean, lo, hi);
  }
  free(values);
  return true;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

bool dm_conformal_factor(double *scores, size_t n, double level, double *factor,
                         DmError **error) {
  if (!(level > 0.0 && level < 1.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A conformal factor needs a level in (0, 1), not %g.", level);
  /* The rank ceil((n + 1) level), 1-based; it must not pass n. */
  double rank = ceil((n + 1.0) * level);
  if (n == 0 || rank > (double)n)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "%zu calibration pixels are too few for a %g %% interval.", n,
                        100.0 * level);
  qsort(scores, n, sizeof *scores, compare_doubles);
  *factor = scores[(size_t)rank - 1];
  if (!isfinite(*factor))
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "The samples leave no room for the truth in %.3g %% of the calibration "
                        "pixels: no finite factor covers %g %% of them.",
                        100.0 * (1.0 - level), 100.0 * level);
  return true;
}

bool dm_calibrated_coverage(const float *truth, const float *samples, int k, const float *mask,
                            size_t npix, double level, double factor, double *coverage,
                            DmError **error) {
  if (!check_samples(k, level, error)) return false;
  if (!(factor > 0.0 && isfinite(factor)))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A calibration factor must be finite and positive, not %g.", factor);
  float *values = malloc((size_t)k * sizeof(float));
  if (!values) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  size_t n = 0, inside = 0;
  for (size_t i = 0; i < npix; i++) {
    if (!(mask[i] > 0.0f)) continue;
    double mean, lo, hi;
    pixel_interval(samples, k, npix, i, level, values, &mean, &lo, &hi);
    inside += conformity(truth[i], mean, lo, hi) <= factor;
    n++;
  }
  free(values);
  if (n == 0) return dm_error_set(error, DM_ERROR_NO_DATA, 0, "No pixel to score.");
  *coverage = (double)inside / n;
  return true;
}

void dm_calibration_apply(float *samples, int k, size_t npix, double factor) {
  for (size_t i = 0; i < npix; i++) {
    double sum = 0.0;
    for (int j = 0; j < k; j++) sum += samples[(size_t)j * npix + i];
    double mean = sum / k;
    for (int j = 0; j < k; j++) {
      float *x = &samples[(size_t)j * npix + i];
      *x = (float)(mean + factor * (*x - mean));
    }
  }
}

/* Split-conformal scaling of the samples' spread: conformity scores, the
 * factor, the coverage of the error bars it gives and its application
 * (darkmap/calibration.h). */
#include "darkmap/calibration.h"

#include <math.h>
#include <stdlib.h>


/* The half-width of the central interval of probability level of a
 * standard normal: Phi^-1((1 + level) / 2), by bisection on erf. */
static double normal_half_width(double level) {
  double lo = 0.0, hi = 40.0;
  for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
    double mid = 0.5 * (lo + hi);
    if (erf(mid / M_SQRT2) < level) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* Mean and std (k − 1 in the denominator) of pixel i's k samples. */
static void pixel_moments(const float *samples, int k, size_t npix, size_t i, double *mean,
                          double *std) {
  double sum = 0.0, sum_sq = 0.0;
  for (int j = 0; j < k; j++) sum += samples[(size_t)j * npix + i];
  *mean = sum / k;
  for (int j = 0; j < k; j++) {
    double d = samples[(size_t)j * npix + i] - *mean;
    sum_sq += d * d;
  }
  *std = sqrt(sum_sq / (k - 1));
}

/* The smallest scale of the interval mean ± half_width std that holds t. */
static double conformity(double t, double mean, double std, double half_width) {
  double distance = fabs(t - mean);
  if (distance == 0.0) return 0.0;
  return std > 0.0 ? distance / (half_width * std) : INFINITY;
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
  double half_width = normal_half_width(level);
  *n = 0;
  for (size_t i = 0; i < npix; i++) {
    if (!(mask[i] > 0.0f)) continue;
    double mean, std;
    pixel_moments(samples, k, npix, i, &mean, &std);
    scores[(*n)++] = conformity(truth[i], mean, std, half_width);
  }
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
                        "The samples have no spread where the truth differs from them in more "
                        "than %.3g %% of the calibration pixels: no finite factor covers %g %% "
                        "of them.",
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
  double half_width = normal_half_width(level);
  size_t n = 0, inside = 0;
  for (size_t i = 0; i < npix; i++) {
    if (!(mask[i] > 0.0f)) continue;
    double mean, std;
    pixel_moments(samples, k, npix, i, &mean, &std);
    inside += conformity(truth[i], mean, std, half_width) <= factor;
    n++;
  }
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

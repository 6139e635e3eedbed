/* The two-sample Kolmogorov-Smirnov test on raw values (darkmap/map-statistics.h). */
#include "darkmap/map-statistics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static float *sorted_copy(const float *values, size_t n, const char *name, DmError **error) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(values[i])) {
      dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                   "The KS test's %s sample holds a non-finite value (at %zu).", name, i);
      return NULL;
    }
  float *copy = malloc(n * sizeof(float));
  if (!copy) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the KS test (%zu values).", n);
    return NULL;
  }
  memcpy(copy, values, n * sizeof(float));
  qsort(copy, n, sizeof(float), compare_floats);
  return copy;
}

/* Kolmogorov's Q_KS(l) = 2 Σ_{j>=1} (−1)^(j−1) exp(−2 j² l²).  Below l ≈ 0.04 the series
 * has not converged in 100 terms; Q is 1 to 3e-8 from l = 0.25 down (Q(0.4) = 0.99719),
 * so such a series gives 1. */
static double kolmogorov_q(double lambda) {
  double sum = 0.0, sign = 1.0;
  for (int j = 1; j <= 100; j++) {
    double term = sign * exp(-2.0 * j * j * lambda * lambda);
    sum += term;
    if (fabs(term) <= 1e-12 * fabs(sum)) {
      double q = 2.0 * sum;
      return q < 0.0 ? 0.0 : q > 1.0 ? 1.0 : q;
    }
    sign = -sign;
  }
  return 1.0;
}

bool dm_ks_two_sample(const float *x, size_t n_x, const float *y, size_t n_y, double *d,
                      double *p_value, DmError **error) {
  if (!x || !y || n_x == 0 || n_y == 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The KS test needs two non-empty samples (got %zu and %zu values).",
                        n_x, n_y);
  float *sx = sorted_copy(x, n_x, "first", error);
  if (!sx) return false;
  float *sy = sorted_copy(y, n_y, "second", error);
  if (!sy) {
    free(sx);
    return false;
  }
  /* Walk both sorted samples; at each distinct value step past every copy of it in both,
   * so that tied values move the two distribution functions together. */
  size_t i = 0, j = 0;
  double largest = 0.0;
  while (i < n_x && j < n_y) {
    float value = sx[i] < sy[j] ? sx[i] : sy[j];
    while (i < n_x && sx[i] == value) i++;
    while (j < n_y && sy[j] == value) j++;
    largest = fmax(largest, fabs((double)i / n_x - (double)j / n_y));
  }
  free(sx);
  free(sy);
  double effective = (double)n_x * n_y / ((double)n_x + n_y), root = sqrt(effective);
  *d = largest;
  *p_value = kolmogorov_q((root + 0.12 + 0.11 / root) * largest);
  return true;
}

/* Central intervals of samples (evaluation/sample-quantiles.h). */
#include "evaluation/sample-quantiles.h"

#include <math.h>
#include <stdlib.h>

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* The q-quantile of k sorted values, linear between order statistics. */
static double quantile(const float *sorted, int k, double q) {
  double pos = q * (k - 1);
  int lo = (int)floor(pos);
  if (lo >= k - 1) return sorted[k - 1];
  double t = pos - lo;
  return sorted[lo] + t * ((double)sorted[lo + 1] - sorted[lo]);
}

void dm_sample_interval(float *values, int k, double level, double *lo, double *hi) {
  qsort(values, (size_t)k, sizeof(float), compare_floats);
  *lo = quantile(values, k, 0.5 * (1.0 - level));
  *hi = quantile(values, k, 0.5 * (1.0 + level));
}

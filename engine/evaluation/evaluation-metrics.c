/* Pearson r, RMSE, bias and credible-interval coverage against a truth map
 * (darkmap/mock-evaluation.h). */
#include <math.h>
#include <stdlib.h>

#include "darkmap/mock-evaluation.h"
#include "evaluation/sample-quantiles.h"

bool dm_eval_compare(const float *truth, const float *estimate, const float *mask, size_t npix,
                     double *r, double *rmse, DmError **error) {
  double st = 0.0, se = 0.0;
  size_t n = 0;
  for (size_t i = 0; i < npix; i++)
    if (mask[i] > 0.0f) {
      st += truth[i];
      se += estimate[i];
      n++;
    }
  if (n < 2)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0, "Fewer than 2 pixels to compare.");
  double mt = st / n, me = se / n, ctt = 0.0, cee = 0.0, cte = 0.0, sq = 0.0;
  for (size_t i = 0; i < npix; i++)
    if (mask[i] > 0.0f) {
      double dt = truth[i] - mt, de = estimate[i] - me, d = (double)estimate[i] - truth[i];
      ctt += dt * dt;
      cee += de * de;
      cte += dt * de;
      sq += d * d;
    }
  *r = ctt > 0.0 && cee > 0.0 ? cte / sqrt(ctt * cee) : NAN;
  *rmse = sqrt(sq / n);
  return true;
}

bool dm_eval_bias(const float *truth, const float *estimate, const float *mask, size_t npix,
                  double *bias, DmError **error) {
  double sum = 0.0;
  size_t n = 0;
  for (size_t i = 0; i < npix; i++)
    if (mask[i] > 0.0f) {
      sum += (double)estimate[i] - truth[i];
      n++;
    }
  if (n == 0) return dm_error_set(error, DM_ERROR_NO_DATA, 0, "No pixel to measure a bias on.");
  *bias = sum / n;
  return true;
}

bool dm_eval_coverage(const float *truth, const float *samples, int k, const float *mask,
                      size_t npix, double level, double *coverage, DmError **error) {
  if (k < 2 || !(level > 0.0 && level < 1.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Coverage needs at least 2 samples and a level in (0, 1).");
  float *values = malloc((size_t)k * sizeof(float));
  if (!values) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  size_t n = 0, inside = 0;
  for (size_t i = 0; i < npix; i++) {
    if (!(mask[i] > 0.0f)) continue;
    for (int j = 0; j < k; j++) values[j] = samples[(size_t)j * npix + i];
    double lo, hi;
    dm_sample_interval(values, k, level, &lo, &hi);
    inside += truth[i] >= lo && truth[i] <= hi;
    n++;
  }
  free(values);
  if (n == 0) return dm_error_set(error, DM_ERROR_NO_DATA, 0, "No pixel to score.");
  *coverage = (double)inside / n;
  return true;
}

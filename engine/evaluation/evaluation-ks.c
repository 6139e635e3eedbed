/* The best-smoothed Kaiser-Squires map scored against a truth
 * (darkmap/mock-evaluation.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/ks.h"
#include "darkmap/mock-evaluation.h"
#include "darkmap/smooth.h"
#include "evaluation/evaluation-private.h"

/* KS smoothings tried, sigma in pixels. */
static const double ks_sigmas[] = {0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0};

bool dm_eval_best_ks(const float *truth, const float *g1, const float *g2, const float *mask,
                     int nx, int ny, double *r, double *rmse, double *sigma_pixels,
                     DmError **error) {
  return dm_eval_best_ks_map(truth, g1, g2, mask, nx, ny, NULL, r, rmse, sigma_pixels, error);
}

bool dm_eval_best_ks_map(const float *truth, const float *g1, const float *g2,
                         const float *mask, int nx, int ny, float *best, double *r,
                         double *rmse, double *sigma_pixels, DmError **error) {
  size_t npix = (size_t)nx * (size_t)ny;
  DmKsPlan *plan = dm_ks_plan_new(nx, ny, error);
  if (!plan) return false;
  float *raw = malloc(npix * sizeof(float)), *work = malloc(npix * sizeof(float));
  bool ok = raw && work;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  if (ok) dm_ks_plan_shear_to_kappa(plan, g1, g2, raw, NULL);
  *r = -INFINITY;
  for (size_t s = 0; ok && s < sizeof ks_sigmas / sizeof ks_sigmas[0]; s++) {
    memcpy(work, raw, npix * sizeof(float));
    double rs, rmse_s;
    ok = (ks_sigmas[s] == 0.0 || dm_smooth_gaussian(work, nx, ny, ks_sigmas[s], error)) &&
         dm_eval_compare(truth, work, mask, npix, &rs, &rmse_s, error);
    if (ok && rs > *r) {
      *r = rs;
      *rmse = rmse_s;
      *sigma_pixels = ks_sigmas[s];
      if (best) memcpy(best, work, npix * sizeof(float));
    }
  }
  free(raw);
  free(work);
  dm_ks_plan_free(plan);
  return ok;
}

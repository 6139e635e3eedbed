/* The tempered lensing likelihood (darkmap/score.h) on a 16 × 12 grid with a
 * masked hole and non-uniform noise:
 *  - its gradient is that of its log (central differences, exact for a
 *    quadratic up to float rounding), with and without tempering;
 *  - noise-free shear of kappa_true: the gradient vanishes at kappa_true;
 *  - the shear in masked pixels plays no part. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/ks.h"
#include "darkmap/rng.h"
#include "darkmap/score.h"
#include "test-util.h"

enum { NX = 16, NY = 12 };
#define NPIX ((size_t)NX * NY)

static float g1[NPIX], g2[NPIX], std1[NPIX], std2[NPIX], mask[NPIX], truth[NPIX];

static double max_abs(const float *a) {
  double m = 0.0;
  for (size_t i = 0; i < NPIX; i++) m = fmax(m, fabs(a[i]));
  return m;
}

static void make_problem(void) {
  DmError *error = NULL;
  DmRng rng;
  dm_rng_init(&rng, 21, 0);
  for (size_t i = 0; i < NPIX; i++) truth[i] = (float)(0.02 * dm_rng_normal(&rng));
  DmKsPlan *ks = dm_ks_plan_new(NX, NY, &error);
  CHECK_OK(ks != NULL, error);
  dm_ks_plan_kappa_to_shear(ks, truth, NULL, g1, g2);
  dm_ks_plan_free(ks);
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++) {
      size_t i = (size_t)y * NX + x;
      std1[i] = (float)(0.02 + 0.002 * x);
      std2[i] = (float)(0.025 + 0.001 * y);
      mask[i] = (x >= 5 && x < 9 && y >= 4 && y < 7) ? 0.0f : 1.0f;
    }
}

static void check_gradient(DmScoreLikelihood *l, double sigma) {
  const double h = 1e-3;
  float kappa[NPIX], grad[NPIX], v[NPIX], shifted[NPIX];
  DmRng rng;
  dm_rng_init(&rng, 22, (uint64_t)(sigma * 1000));
  for (size_t i = 0; i < NPIX; i++) kappa[i] = (float)(0.02 * dm_rng_normal(&rng));
  dm_score_likelihood_gradient(l, kappa, sigma, grad);
  for (int trial = 0; trial < 4; trial++) {
    for (size_t i = 0; i < NPIX; i++) v[i] = (float)dm_rng_normal(&rng);
    double analytic = 0.0;
    for (size_t i = 0; i < NPIX; i++) analytic += (double)grad[i] * v[i];
    for (size_t i = 0; i < NPIX; i++) shifted[i] = kappa[i] + (float)(h * v[i]);
    double plus = dm_score_likelihood_log(l, shifted, sigma);
    for (size_t i = 0; i < NPIX; i++) shifted[i] = kappa[i] - (float)(h * v[i]);
    double minus = dm_score_likelihood_log(l, shifted, sigma);
    double numeric = (plus - minus) / (2.0 * h);
    printf("sigma %.3g, direction %d: <grad, v> = %.6g, finite difference %.6g\n", sigma, trial,
           analytic, numeric);
    CHECK_CLOSE(numeric / analytic, 1.0, 1e-3);
  }
}

int main(void) {
  DmError *error = NULL;
  make_problem();

  /* Noise-free data: the gradient vanishes at the truth. */
  DmScoreLikelihood *l = dm_score_likelihood_new(NX, NY, g1, g2, std1, std2, mask, &error);
  CHECK_OK(l != NULL, error);
  if (!l) return dm_test_result();
  float grad[NPIX], zero[NPIX] = {0};
  dm_score_likelihood_gradient(l, truth, 0.0, grad);
  dm_score_likelihood_gradient(l, zero, 0.0, zero);
  printf("|grad| at the truth %.3g, at 0 %.3g\n", max_abs(grad), max_abs(zero));
  CHECK(max_abs(grad) < 1e-4 * max_abs(zero));
  check_gradient(l, 0.0);
  check_gradient(l, 0.05);

  /* Shear changed inside the hole: the same gradient and log-likelihood. */
  float changed[NPIX], kappa[NPIX], grad2[NPIX];
  memcpy(changed, g1, sizeof changed);
  for (size_t i = 0; i < NPIX; i++)
    if (mask[i] == 0.0f) changed[i] = 10.0f;
  DmScoreLikelihood *l2 = dm_score_likelihood_new(NX, NY, changed, g2, std1, std2, mask, &error);
  CHECK_OK(l2 != NULL, error);
  for (size_t i = 0; i < NPIX; i++) kappa[i] = 0.5f * truth[i];
  if (l2) {
    dm_score_likelihood_gradient(l, kappa, 0.01, grad);
    dm_score_likelihood_gradient(l2, kappa, 0.01, grad2);
    CHECK(memcmp(grad, grad2, sizeof grad) == 0);
    CHECK(dm_score_likelihood_log(l, kappa, 0.01) == dm_score_likelihood_log(l2, kappa, 0.01));
  }

  /* Everything masked: no data. */
  float none[NPIX] = {0};
  CHECK_FAILS(dm_score_likelihood_new(NX, NY, g1, g2, std1, std2, none, &error) != NULL, error,
              DM_ERROR_NO_DATA);
  dm_score_likelihood_free(l2);
  dm_score_likelihood_free(l);
  return dm_test_result();
}

/* The Gaussian prior score (darkmap/score.h):
 *  - per-pixel normalisation: fields of dm_field_from_power's grid power plus
 *    white noise of variance sigma² have kappa^T C_sigma⁻¹ kappa = N_pix on
 *    average (a chi-square of N_pix degrees of freedom);
 *  - a single Fourier mode is an eigenvector: score = −kappa / (P(k) + sigma²);
 *  - the score is the gradient of the log-density (central differences,
 *    exact for a quadratic up to float rounding). */
#include <math.h>
#include <stdlib.h>

#include "darkmap/field-from-power.h"
#include "darkmap/rng.h"
#include "darkmap/score.h"
#include "test-util.h"

enum { NX = 32, NY = 24 };
static const double PIXEL_ARCMIN = 2.0;

static void check_normalisation(DmScorePrior *prior, const double *power) {
  DmError *error = NULL;
  const size_t npix = (size_t)NX * NY;
  const int n_fields = 32;
  /* sigma² equal to the mean prior variance: both terms matter. */
  double sigma = sqrt(dm_score_prior_variance(prior, 0.0));
  float *kappa = malloc(npix * sizeof(float));
  double chi2 = 0.0;
  for (int f = 0; f < n_fields; f++) {
    CHECK_OK(dm_field_from_power(power, NX, NY, 11, (uint64_t)f, kappa, &error), error);
    DmRng rng;
    dm_rng_init(&rng, 12, (uint64_t)f);
    for (size_t i = 0; i < npix; i++) kappa[i] += (float)(sigma * dm_rng_normal(&rng));
    chi2 += -2.0 * dm_score_prior_log_density(prior, kappa, sigma);
  }
  double ratio = chi2 / (n_fields * (double)npix);
  /* std of the ratio: sqrt(2 / (n_fields N_pix)) = 0.0078; 4 sigma. */
  printf("chi2 / (n N_pix) = %.4f (sigma = %.4g)\n", ratio, sigma);
  CHECK_CLOSE(ratio, 1.0, 0.032);
  free(kappa);
}

static void check_single_mode(DmScorePrior *prior, const double *power) {
  const size_t npix = (size_t)NX * NY;
  const int kx = 3, ky = 2;
  const double sigma = 0.01;
  float *kappa = malloc(npix * sizeof(float)), *score = malloc(npix * sizeof(float));
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++)
      kappa[y * NX + x] = (float)cos(2.0 * M_PI * ((double)kx * x / NX + (double)ky * y / NY));
  dm_score_prior_score(prior, kappa, sigma, score);
  double p = power[ky * (NX / 2 + 1) + kx], max_err = 0.0;
  for (size_t i = 0; i < npix; i++) {
    double expected = -kappa[i] / (p + sigma * sigma);
    max_err = fmax(max_err, fabs(score[i] - expected) / (1.0 / (p + sigma * sigma)));
  }
  printf("single mode: P = %.4g, max |score − analytic| / |analytic| = %.2g\n", p, max_err);
  CHECK(max_err < 1e-5);
  free(kappa);
  free(score);
}

static void check_finite_differences(DmScorePrior *prior) {
  const size_t npix = (size_t)NX * NY;
  const double sigma = 0.02, h = 1e-3;
  float *kappa = malloc(npix * sizeof(float)), *score = malloc(npix * sizeof(float));
  float *v = malloc(npix * sizeof(float)), *shifted = malloc(npix * sizeof(float));
  DmRng rng;
  dm_rng_init(&rng, 3, 0);
  for (size_t i = 0; i < npix; i++) kappa[i] = (float)(0.03 * dm_rng_normal(&rng));
  dm_score_prior_score(prior, kappa, sigma, score);
  for (int trial = 0; trial < 4; trial++) {
    for (size_t i = 0; i < npix; i++) v[i] = (float)dm_rng_normal(&rng);
    double analytic = 0.0;
    for (size_t i = 0; i < npix; i++) analytic += (double)score[i] * v[i];
    for (size_t i = 0; i < npix; i++) shifted[i] = kappa[i] + (float)(h * v[i]);
    double plus = dm_score_prior_log_density(prior, shifted, sigma);
    for (size_t i = 0; i < npix; i++) shifted[i] = kappa[i] - (float)(h * v[i]);
    double minus = dm_score_prior_log_density(prior, shifted, sigma);
    double numeric = (plus - minus) / (2.0 * h);
    printf("direction %d: <score, v> = %.6g, finite difference %.6g\n", trial, analytic,
           numeric);
    CHECK_CLOSE(numeric / analytic, 1.0, 2e-3);
  }
  free(kappa);
  free(score);
  free(v);
  free(shifted);
}

int main(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return 1;
  DmScorePrior *prior = dm_score_prior_new(theory, NX, NY, PIXEL_ARCMIN, &error);
  double *power = dm_grid_power_from_theory(theory, NX, NY, PIXEL_ARCMIN, &error);
  CHECK_OK(prior && power, error);
  if (prior && power) {
    check_normalisation(prior, power);
    check_single_mode(prior, power);
    check_finite_differences(prior);
  }
  free(power);
  dm_score_prior_free(prior);
  dm_theory_free(theory);
  return dm_test_result();
}

/* The Wiener filter and its posterior samples:
 *  - unmasked field, stationary noise: the iterative solver equals the
 *    closed-form Fourier filter, and the scatter of the constrained
 *    realisations equals the exact posterior std;
 *  - the real COSMOS mask and noise (360², 0.29'): the solver converges;
 *  - the same field rebinned to 90² (1.16'): the mean of n samples tends to
 *    the WF map as 1/sqrt(n). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fits.h"
#include "darkmap/gaussian-field.h"
#include "darkmap/ks.h"
#include "darkmap/rng.h"
#include "darkmap/theory.h"
#include "darkmap/wiener.h"
#include "test-util.h"

static DmTheorySpectrum *theory;

static double rms(const float *a, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)a[i] * a[i];
  return sqrt(s / (double)n);
}

/* Mock shear of a Gaussian field plus white noise sigma (unmasked). */
static void mock_shear(int nx, int ny, double pixel_arcmin, double sigma, uint64_t seed,
                       float *g1, float *g2) {
  DmError *error = NULL;
  float *kappa = malloc((size_t)nx * ny * sizeof(float));
  CHECK_OK(dm_gaussian_field(theory, nx, ny, pixel_arcmin, seed, kappa, &error), error);
  DmKsPlan *ks = dm_ks_plan_new(nx, ny, &error);
  CHECK_OK(ks != NULL, error);
  if (ks) dm_ks_plan_kappa_to_shear(ks, kappa, NULL, g1, g2);
  DmRng rng;
  dm_rng_init(&rng, seed, 99);
  for (size_t i = 0; i < (size_t)nx * ny; i++) {
    g1[i] += (float)(sigma * dm_rng_normal(&rng));
    g2[i] += (float)(sigma * dm_rng_normal(&rng));
  }
  dm_ks_plan_free(ks);
  free(kappa);
}

static void check_stationary(void) {
  DmError *error = NULL;
  const int n = 64;
  const double pixel = 1.0, sigma = 0.05;
  size_t npix = (size_t)n * n;
  float *g1 = malloc(npix * 4), *g2 = malloc(npix * 4), *one = malloc(npix * 4);
  float *wf = malloc(npix * 4), *exact = malloc(npix * 4), *sample = malloc(npix * 4);
  mock_shear(n, n, pixel, sigma, 5, g1, g2);
  for (size_t i = 0; i < npix; i++) one[i] = (float)sigma;

  DmWienerOptions options;
  dm_wiener_options_init(&options);
  options.tolerance = 1e-6;
  DmWiener *w = dm_wiener_new(n, n, pixel, theory, one, one, NULL, &options, &error);
  CHECK_OK(w != NULL, error);
  double posterior_std = 0;
  CHECK_OK(dm_wiener_stationary(n, n, pixel, theory, sigma, g1, g2, exact, &posterior_std,
                                &error), error);
  DmWienerStats stats = {0, 0};
  if (w) CHECK_OK(dm_wiener_filter(w, g1, g2, wf, &stats, NULL, &error), error);
  for (size_t i = 0; i < npix; i++) sample[i] = wf[i] - exact[i];
  double relative = rms(sample, npix) / rms(exact, npix);
  printf("stationary: PCG %d iterations (residual %.1e), |WF − closed form| / |WF| = %.2e\n",
         stats.iterations, stats.residual, relative);
  CHECK(relative < 1e-3);

  /* Scatter of the samples against the exact posterior std. */
  const int n_samples = 300;
  double sum_var = 0;
  float *mean = calloc(npix, 4);
  double *sum_sq = calloc(npix, sizeof(double));
  for (int k = 0; w && k < n_samples; k++) {
    CHECK_OK(dm_wiener_sample(w, g1, g2, 11, (uint64_t)k, sample, NULL, NULL, &error), error);
    for (size_t i = 0; i < npix; i++) {
      mean[i] += sample[i] / n_samples;
      sum_sq[i] += (double)(sample[i] - wf[i]) * (sample[i] - wf[i]);
    }
  }
  for (size_t i = 0; i < npix; i++) sum_var += sum_sq[i] / n_samples;
  double sample_std = sqrt(sum_var / (double)npix);
  printf("stationary: sample std %.5f, exact posterior std %.5f (ratio %.4f)\n", sample_std,
         posterior_std, sample_std / posterior_std);
  CHECK_CLOSE(sample_std / posterior_std, 1.0, 0.02);
  for (size_t i = 0; i < npix; i++) sample[i] = mean[i] - wf[i];
  printf("stationary: rms(sample mean − WF) %.5f, expected %.5f\n", rms(sample, npix),
         posterior_std / sqrt(n_samples));
  CHECK_CLOSE(rms(sample, npix) / (posterior_std / sqrt(n_samples)), 1.0, 0.1);

  /* Deterministic for a seed and index. */
  float *again = malloc(npix * 4);
  if (w) {
    CHECK_OK(dm_wiener_sample(w, g1, g2, 11, 7, sample, NULL, NULL, &error), error);
    CHECK_OK(dm_wiener_sample(w, g1, g2, 11, 7, again, NULL, NULL, &error), error);
    CHECK(memcmp(sample, again, npix * 4) == 0);
  }
  free(again);
  free(mean);
  free(sum_sq);
  dm_wiener_free(w);
  free(g1), free(g2), free(one), free(wf), free(exact), free(sample);
}

/* 4×4 block rebinning of the COSMOS noise (inverse-variance combination)
 * and mask; shear of the blocks averaged the same way. */
static void rebin4(const float *std_in, const float *mask_in, int n_in, float *std_out,
                   float *mask_out) {
  int n = n_in / 4;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      double inv = 0;
      for (int dy = 0; dy < 4; dy++)
        for (int dx = 0; dx < 4; dx++) {
          size_t i = (size_t)(4 * y + dy) * n_in + 4 * x + dx;
          if (mask_in[i] > 0.5f && std_in[i] > 0) inv += 1.0 / ((double)std_in[i] * std_in[i]);
        }
      std_out[(size_t)y * n + x] = inv > 0 ? (float)(1.0 / sqrt(inv)) : 0.0f;
      mask_out[(size_t)y * n + x] = inv > 0 ? 1.0f : 0.0f;
    }
}

static void check_cosmos(void) {
  DmError *error = NULL;
  DmMap *n1 = dm_fits_read_image(dm_test_data_path("cosmos_noise_std1_0.29arcmin_360.fits"),
                                 NULL, &error);
  CHECK_OK(n1 != NULL, error);
  DmMap *n2 = dm_fits_read_image(dm_test_data_path("cosmos_noise_std2_0.29arcmin_360.fits"),
                                 NULL, &error);
  CHECK_OK(n2 != NULL, error);
  DmMap *mask = dm_fits_read_image(dm_test_app_data_path("cosmos/cosmos_mask_0.29arcmin_360.fits"),
                                   NULL, &error);
  CHECK_OK(mask != NULL, error);
  if (!n1 || !n2 || !mask) return;

  /* Full resolution: one WF solve on a mock with the real mask and noise. */
  const int n = 360;
  size_t npix = (size_t)n * n;
  float *g1 = malloc(npix * 4), *g2 = malloc(npix * 4), *wf = malloc(npix * 4);
  mock_shear(n, n, 0.29, 0.0, 21, g1, g2);
  DmWienerOptions options;
  dm_wiener_options_init(&options);
  DmWiener *w = dm_wiener_new(n, n, 0.29, theory, n1->data, n2->data, mask->data, &options, &error);
  CHECK_OK(w != NULL, error);
  DmWienerStats stats = {0, 0};
  if (w) CHECK_OK(dm_wiener_filter(w, g1, g2, wf, &stats, NULL, &error), error);
  printf("COSMOS 360²: %d iterations to relative residual %.2e\n", stats.iterations,
         stats.residual);
  CHECK(stats.residual < options.tolerance && stats.iterations > 1);
  dm_wiener_free(w);
  free(g1), free(g2), free(wf);

  /* 90²: the sample mean converges to the WF map as 1/sqrt(n). */
  const int m = 90;
  size_t mpix = (size_t)m * m;
  float *s1 = malloc(mpix * 4), *s2 = malloc(mpix * 4), *mk = malloc(mpix * 4);
  float *h1 = malloc(mpix * 4), *h2 = malloc(mpix * 4), *map = malloc(mpix * 4);
  float *sample = malloc(mpix * 4), *diff = malloc(mpix * 4);
  double *sum = calloc(mpix, sizeof(double));
  rebin4(n1->data, mask->data, n, s1, mk);
  rebin4(n2->data, mask->data, n, s2, mk);
  mock_shear(m, m, 1.16, 0.0, 22, h1, h2);
  for (size_t i = 0; i < mpix; i++) h1[i] *= mk[i], h2[i] *= mk[i];
  w = dm_wiener_new(m, m, 1.16, theory, s1, s2, mk, &options, &error);
  CHECK_OK(w != NULL, error);
  if (w) CHECK_OK(dm_wiener_filter(w, h1, h2, map, &stats, NULL, &error), error);
  const int checkpoints[] = {12, 50, 200};
  double err[3] = {0}, var_sum = 0;
  int next = 0;
  for (int k = 1; w && k <= 200; k++) {
    CHECK_OK(dm_wiener_sample(w, h1, h2, 3, (uint64_t)k, sample, NULL, NULL, &error), error);
    for (size_t i = 0; i < mpix; i++) {
      sum[i] += sample[i];
      var_sum += (double)(sample[i] - map[i]) * (sample[i] - map[i]);
    }
    if (k == checkpoints[next]) {
      for (size_t i = 0; i < mpix; i++) diff[i] = (float)(sum[i] / k - map[i]);
      err[next++] = rms(diff, mpix);
    }
  }
  double posterior_rms = sqrt(var_sum / 200.0 / (double)mpix);
  printf("COSMOS 90²: rms(mean − WF) after 12, 50, 200 samples: %.5f %.5f %.5f "
         "(posterior std rms %.5f → expected %.5f at 200)\n",
         err[0], err[1], err[2], posterior_rms, posterior_rms / sqrt(200.0));
  CHECK_CLOSE(err[0] / err[2], sqrt(200.0 / 12.0), 0.15 * sqrt(200.0 / 12.0));
  CHECK_CLOSE(err[1] / err[2], 2.0, 0.3);
  CHECK_CLOSE(err[2] / (posterior_rms / sqrt(200.0)), 1.0, 0.15);
  dm_wiener_free(w);
  free(s1), free(s2), free(mk), free(h1), free(h2), free(map), free(sample), free(diff), free(sum);
  dm_map_free(n1);
  dm_map_free(n2);
  dm_map_free(mask);
}

static void check_errors(void) {
  DmError *error = NULL;
  float zero[16] = {0};
  CHECK_FAILS(dm_wiener_new(4, 4, 1.0, theory, zero, zero, NULL, NULL, &error), error,
              DM_ERROR_NO_DATA);
  CHECK_FAILS(dm_wiener_new(4, 4, -1.0, theory, zero, zero, NULL, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
}

int main(void) {
  theory = dm_test_load_ktng_theory();
  if (!theory) return dm_test_result();
  check_stationary();
  check_cosmos();
  check_errors();
  dm_theory_free(theory);
  return dm_test_result();
}

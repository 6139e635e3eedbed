/* Lognormal and Gaussian fields from the kTNG theory C_ell: spectrum,
 * variance, skewness, bounds, and the grid-power generator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/field-from-power.h"
#include "darkmap/gaussian-field.h"
#include "darkmap/lognormal.h"
#include "darkmap/pspec.h"
#include "darkmap/theory.h"
#include "test-util.h"

enum { N = 128, SEEDS = 32, BINS = 8 };
/* 2' pixels: sigma_G ~ 0.83 with the default lambda = 0.02.  At 0.29' the
 * kTNG field has sigma_kappa ~ 0.028 > lambda, sigma_G ~ 1.05 and a one-point
 * PDF so heavy-tailed (skewness ~ 6) that 32 maps of 128² do not pin its
 * variance down to a few per cent. */
#define PIXEL 2.0

/* Mean of the theory over the full-plane modes of each bin of s. */
static void theory_in_bins(const DmTheorySpectrum *theory, const DmPowerSpectrum *s,
                           double *expected) {
  double pixel_rad = PIXEL / 60.0 * M_PI / 180.0;
  for (int b = 0; b < s->n_bins; b++) {
    double sum = 0.0;
    long n = 0;
    for (int ky = 0; ky < N; ky++)
      for (int kx = 0; kx < N; kx++) {
        double ell = 2.0 * M_PI * hypot(dm_fft_freq(kx, N), dm_fft_freq(ky, N)) / pixel_rad;
        if ((kx || ky) && ell >= s->ell_lo[b] && ell < s->ell_hi[b]) {
          sum += dm_theory_eval(theory, ell);
          n++;
        }
      }
    expected[b] = n ? sum / n : NAN;
  }
}

int main(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return dm_test_result();

  /* The grid-power generator reproduces dm_gaussian_field bit for bit. */
  float *a = malloc(N * N * sizeof *a), *b = malloc(N * N * sizeof *b);
  double *power = dm_grid_power_from_theory(theory, N, N, PIXEL, &error);
  CHECK_OK(power != NULL, error);
  CHECK_OK(dm_gaussian_field(theory, N, N, PIXEL, 99, a, &error), error);
  CHECK_OK(power && dm_field_from_power(power, N, N, 99, 0, b, &error), error);
  CHECK(memcmp(a, b, N * N * sizeof *a) == 0);
  double grid_variance = 0.0;  /* (1/N_pix) sum over all modes of P */
  for (int ky = 0; ky < N; ky++)
    for (int kx = 0; kx <= N / 2; kx++)
      grid_variance += ((kx == 0 || kx == N / 2) ? 1 : 2) * power[ky * (N / 2 + 1) + kx];
  grid_variance /= (double)N * N;
  power[3] = -1.0;
  CHECK_FAILS(dm_field_from_power(power, N, N, 99, 0, b, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  free(power);

  DmLognormalOptions options;
  dm_lognormal_options_init(&options);
  DmLognormalModel *model = dm_lognormal_model_new(theory, N, N, PIXEL, &options, &error);
  CHECK_OK(model != NULL, error);
  if (!model) return dm_test_result();
  DmLognormalInfo info;
  dm_lognormal_model_info(model, &info);
  printf("lambda %.3f: sigma_G %.4f, clipped %ld modes, var kappa theory %.4e (grid sum %.4e), "
         "model %.4e, mean xi_G %.2e\n",
         options.shift, info.sigma_g, info.n_clipped, info.variance_kappa, grid_variance,
         info.variance_model, info.mean_xi_g);
  CHECK(fabs(info.variance_kappa / grid_variance - 1.0) < 1e-4);
  CHECK(fabs(info.variance_model / info.variance_kappa - 1.0) < 0.01);

  /* SEEDS realisations: spectrum, moments and bounds. */
  DmMap *map = dm_map_new(N, N, 1, NULL, &error);
  DmPspecOptions po;
  dm_pspec_options_init(&po);
  po.n_bins = BINS;
  po.pixel_arcmin = PIXEL;
  double cl_sum[BINS] = {0}, cl_sq[BINS] = {0}, expected[BINS], var_seed[SEEDS];
  double s1 = 0, s2 = 0, s3 = 0, min = INFINITY, worst_sigma = 0.0;
  long n_modes[BINS] = {0};
  for (int seed = 0; map && seed < SEEDS; seed++) {
    CHECK_OK(dm_lognormal_model_draw(model, 500 + seed, map->data, &error), error);
    var_seed[seed] = 0.0;
    for (int i = 0; i < N * N; i++) {
      double k = map->data[i];
      var_seed[seed] += k * k / (N * N);
      s1 += k;
      s2 += k * k;
      s3 += k * k * k;
      min = fmin(min, k);
    }
    DmPowerSpectrum *s = dm_power_spectrum(map, 0, &po, &error);
    CHECK_OK(s != NULL, error);
    if (!s) break;
    if (seed == 0) theory_in_bins(theory, s, expected);
    for (int bin = 0; bin < BINS; bin++) {
      cl_sum[bin] += s->cl[bin] / SEEDS;
      cl_sq[bin] += s->cl[bin] * s->cl[bin] / SEEDS;
      n_modes[bin] = s->n_modes[bin];
    }
    dm_power_spectrum_free(s);
  }
  /* The lognormal field is far from Gaussian at this pixel scale (sigma_G
   * ~ 1): the scatter of C_ell between maps is measured from the seeds,
   * not taken from the Gaussian formula. */
  for (int bin = 0; bin < BINS; bin++) {
    double scatter = sqrt((cl_sq[bin] - cl_sum[bin] * cl_sum[bin]) / (SEEDS - 1.0) * SEEDS);
    double sigma = scatter / sqrt((double)SEEDS);
    double gaussian = expected[bin] * sqrt(2.0 / n_modes[bin] / SEEDS);
    double pulls = (cl_sum[bin] - expected[bin]) / sigma;
    worst_sigma = fmax(worst_sigma, fabs(pulls));
    printf("bin %d: %5ld modes, C_ell / theory = %.4f ± %.4f (%+.2f sigma; Gaussian error "
           "would be ± %.4f)\n",
           bin, n_modes[bin], cl_sum[bin] / expected[bin], sigma / expected[bin], pulls,
           gaussian / expected[bin]);
    CHECK(fabs(pulls) < 4.0);
  }
  printf("worst deviation %.2f sigma\n", worst_sigma);
  double var_mean = 0.0, var_sq = 0.0;
  for (int seed = 0; seed < SEEDS; seed++) {
    var_mean += var_seed[seed] / SEEDS;
    var_sq += var_seed[seed] * var_seed[seed] / SEEDS;
  }
  printf("pixel variance %.4e ± %.4e over %d maps\n", var_mean,
         sqrt((var_sq - var_mean * var_mean) / (SEEDS - 1.0)), SEEDS);
  double npix = (double)N * N * SEEDS, mean = s1 / npix, var = s2 / npix - mean * mean;
  double skew = (s3 / npix - 3 * mean * var - mean * mean * mean) / pow(var, 1.5);
  printf("pixels: mean %.2e, variance %.4e (grid %.4e, ratio %.4f), skewness %.3f, min %.5f "
         "(> −lambda = −%.2f)\n",
         mean, var, grid_variance, var / grid_variance, skew, min, options.shift);
  CHECK(fabs(var / grid_variance - 1.0) < 0.03);
  CHECK(skew > 0.3);
  CHECK(min > -options.shift);

  /* Cropped from a 2× larger box: bounded, a variance including the larger
   * box's modes, deterministic. */
  options.box_factor = 2;
  DmLognormalInfo boxed;
  CHECK_OK(dm_lognormal_field(theory, N, N, PIXEL, &options, 5, a, &boxed, &error), error);
  CHECK_OK(dm_lognormal_field(theory, N, N, PIXEL, &options, 5, b, NULL, &error), error);
  CHECK(memcmp(a, b, N * N * sizeof *a) == 0);
  double bmin = INFINITY;
  for (int i = 0; i < N * N; i++) bmin = fmin(bmin, a[i]);
  printf("box factor 2: variance %.4e (periodic %.4e), min %.5f\n", boxed.variance_kappa,
         info.variance_kappa, bmin);
  CHECK(bmin > -options.shift && boxed.variance_kappa > info.variance_kappa);
  CHECK_OK(dm_gaussian_field_cropped(theory, N, N, PIXEL, 2, 5, a, &error), error);

  options.shift = 0.0;
  CHECK_FAILS(dm_lognormal_model_new(theory, N, N, PIXEL, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  options.shift = 0.02;
  options.box_factor = 9;
  CHECK_FAILS(dm_lognormal_model_new(theory, N, N, PIXEL, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);

  dm_map_free(map);
  dm_lognormal_model_free(model);
  dm_theory_free(theory);
  free(a);
  free(b);
  return dm_test_result();
}

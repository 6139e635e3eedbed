/* Map statistics on maps whose answers are exact: a peak and a minimum on a flat map, bin
 * edges, the interior pixels of a mask and what the pixels outside it cannot change, the
 * co-area identity of V1 on a ramp, the nu, kappa and S/N scales against one another, the
 * Gaussian formulae's own identities, and bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/map-statistics.h"
#include "darkmap/rng.h"
#include "test-util.h"

#define SIDE 12

static DmMapStatsOptions kappa_options(double lo, double hi, int n) {
  DmMapStatsOptions options;
  dm_map_stats_options_init(&options);
  options.scale = DM_STATS_KAPPA;
  options.lo = lo;
  options.hi = hi;
  options.n_thresholds = n;
  return options;
}

/* A flat map with one peak (+1) and one minimum (−1); thresholds −1, 0, 1. */
static void test_peak_and_minimum(void) {
  float map[SIDE * SIDE] = {0.0f};
  map[5 * SIDE + 5] = 1.0f;
  map[8 * SIDE + 3] = -1.0f;
  DmMapStatsOptions options = kappa_options(-1.0, 1.0, 3);
  DmError *error = NULL;
  DmMapStats *s = dm_map_stats(map, NULL, NULL, SIDE, SIDE, 2.0, &options, &error);
  CHECK_OK(s != NULL, error);
  if (!s) return;
  CHECK(s->n == 3 && s->bin_width == 1.0);
  CHECK(s->threshold[0] == -1.0 && s->threshold[1] == 0.0 && s->threshold[2] == 1.0);
  /* Equal neighbours are neither peaks nor minima: one of each. */
  CHECK(s->n_peaks == 1 && s->n_minima == 1);
  CHECK(s->peaks[0] == 0.0 && s->peaks[1] == 0.0 && s->peaks[2] == 1.0);
  CHECK(s->minima[0] == 1.0 && s->minima[1] == 0.0 && s->minima[2] == 0.0);
  CHECK(s->n_inside == SIDE * SIDE);
  CHECK(s->n_interior == (SIDE - 4) * (SIDE - 4));
  CHECK_CLOSE(s->pdf[0], 1.0 / 144.0, 1e-15);
  CHECK_CLOSE(s->pdf[1], 142.0 / 144.0, 1e-15);
  CHECK_CLOSE(s->pdf[2], 1.0 / 144.0, 1e-15);
  /* V0: h > t strictly. */
  CHECK_CLOSE(s->v0[0], 143.0 / 144.0, 1e-15);
  CHECK_CLOSE(s->v0[1], 1.0 / 144.0, 1e-15);
  CHECK(s->v0[2] == 0.0);
  CHECK_CLOSE(s->mean, 0.0, 1e-15);
  CHECK_CLOSE(s->sigma0, sqrt(2.0 / 144.0), 1e-15);
  CHECK_CLOSE(s->area_deg2, 144.0 * (2.0 / 60.0) * (2.0 / 60.0), 1e-15);
  CHECK_CLOSE(s->interior_area_deg2, 64.0 * (2.0 / 60.0) * (2.0 / 60.0), 1e-15);
  CHECK(dm_map_stats_values(s, DM_STAT_PEAKS) == s->peaks);
  CHECK(dm_map_stats_values(s, DM_STAT_V2) == s->v2);
  CHECK(strcmp(dm_stat_kind_name(DM_STAT_MINIMA), "minima") == 0);
  CHECK(strcmp(dm_stat_kind_name(DM_STAT_V1), "v1") == 0);
  dm_map_stats_free(s);
}

/* A value on an edge belongs to the upper bin; the last bin's upper edge is open. */
static void test_bin_edges(void) {
  float map[SIDE * SIDE];
  for (int i = 0; i < SIDE * SIDE; i++) map[i] = 0.5f; /* edge of bins 1 and 2 */
  map[0] = 1.5f;                                     /* upper edge of the last bin */
  map[1] = -1.5f;                                    /* lower edge of the first */
  DmMapStatsOptions options = kappa_options(-1.0, 1.0, 3);
  DmError *error = NULL;
  DmMapStats *s = dm_map_stats(map, NULL, NULL, SIDE, SIDE, 1.0, &options, &error);
  CHECK_OK(s != NULL, error);
  if (!s) return;
  CHECK_CLOSE(s->pdf[0], 1.0 / 144.0, 1e-15);
  CHECK(s->pdf[1] == 0.0);
  CHECK_CLOSE(s->pdf[2], 142.0 / 144.0, 1e-15);
  dm_map_stats_free(s);
}

/* One masked pixel removes itself from the inside pixels and the 13 pixels whose stencil
 * reads it from the interior ones; a peak beside it is not counted, and nothing the masked
 * pixel holds (even NaN) changes any statistic. */
static void test_mask(void) {
  float map[SIDE * SIDE] = {0.0f}, mask[SIDE * SIDE];
  for (int i = 0; i < SIDE * SIDE; i++) mask[i] = 1.0f;
  mask[6 * SIDE + 6] = 0.0f;
  map[6 * SIDE + 7] = 1.0f;  /* a peak beside the hole: not interior */
  map[3 * SIDE + 3] = 2.0f;  /* a peak far from it */
  DmMapStatsOptions options = kappa_options(-1.0, 2.0, 4);
  DmError *error = NULL;
  DmMapStats *reference = NULL;
  const float outside_values[] = {0.0f, 1e30f, -7.0f, NAN};
  for (int k = 0; k < 4; k++) {
    map[6 * SIDE + 6] = outside_values[k];
    DmMapStats *s = dm_map_stats(map, mask, NULL, SIDE, SIDE, 1.0, &options, &error);
    CHECK_OK(s != NULL, error);
    if (!s) continue;
    CHECK(s->n_inside == SIDE * SIDE - 1);
    CHECK(s->n_interior == 64 - 13);
    CHECK(s->n_peaks == 1 && s->peaks[3] == 1.0 && s->peaks[1] == 0.0);
    if (!reference) {
      reference = s;
      continue;
    }
    for (int kind = 0; kind < DM_STAT_COUNT; kind++)
      CHECK(memcmp(dm_map_stats_values(s, kind), dm_map_stats_values(reference, kind),
                   (size_t)s->n * sizeof(double)) == 0);
    CHECK(s->mean == reference->mean && s->sigma0 == reference->sigma0);
    CHECK(s->sigma1 == reference->sigma1 && s->sigma2 == reference->sigma2);
    dm_map_stats_free(s);
  }
  /* A NaN inside the mask counts as outside it. */
  map[6 * SIDE + 6] = 0.0f;
  mask[6 * SIDE + 6] = 1.0f;
  map[9 * SIDE + 9] = NAN;
  DmMapStats *s = dm_map_stats(map, mask, NULL, SIDE, SIDE, 1.0, &options, &error);
  CHECK_OK(s != NULL, error);
  if (s) CHECK(s->n_inside == SIDE * SIDE - 1 && isfinite(s->sigma1));
  dm_map_stats_free(s);
  dm_map_stats_free(reference);
}

/* On a ramp f = a x every interior pixel has |∇f| = a per pixel and no curvature:
 * 4 Δ Σ_i V1_i is the mean |∇h| over interior pixels (the co-area formula) and V2 is 0. */
static void test_ramp(void) {
  float map[SIDE * SIDE];
  double a = 0.01, pixel_arcmin = 3.0;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) map[y * SIDE + x] = (float)(a * x);
  DmMapStatsOptions options = kappa_options(0.0, 0.12, 25);
  DmError *error = NULL;
  DmMapStats *s = dm_map_stats(map, NULL, NULL, SIDE, SIDE, pixel_arcmin, &options, &error);
  CHECK_OK(s != NULL, error);
  if (!s) return;
  double per_degree = 60.0 / pixel_arcmin, sum = 0.0;
  for (int i = 0; i < s->n; i++) {
    sum += s->v1[i];
    CHECK(fabs(s->v2[i]) < 1e-9);
  }
  CHECK_CLOSE(4.0 * s->bin_width * sum, a * per_degree, 1e-5 * a * per_degree);
  CHECK_CLOSE(s->sigma1, a * per_degree, 1e-5 * a * per_degree);
  CHECK(s->sigma2 < 1e-4);
  CHECK(s->n_peaks == 0 && s->n_minima == 0);
  dm_map_stats_free(s);
}

/* The same Gaussian-noise map on the nu scale and on the kappa scale at the thresholds
 * mean + sigma0 nu: the MFs and the counts agree, the PDF is sigma0 times denser per nu.
 * On the S/N scale with a uniform noise of 0.5, the statistics are those of 2 kappa. */
static void test_scales(void) {
  enum { N = 64 };
  float *map = malloc(sizeof(float) * N * N), *noise = malloc(sizeof(float) * N * N);
  float *doubled = malloc(sizeof(float) * N * N);
  if (!map || !noise || !doubled) return;
  DmRng rng;
  dm_rng_init(&rng, 5, 0);
  for (int i = 0; i < N * N; i++) {
    map[i] = (float)(0.03 + 0.02 * dm_rng_normal(&rng));
    noise[i] = 0.5f;
    doubled[i] = 2.0f * map[i];
  }
  DmError *error = NULL;
  DmMapStats *nu = dm_map_stats(map, NULL, NULL, N, N, 1.0, NULL, &error);
  CHECK_OK(nu != NULL, error);
  DmMapStats *kappa = NULL;
  if (nu) {
    DmMapStatsOptions options =
        kappa_options(nu->mean - 4.0 * nu->sigma0, nu->mean + 4.0 * nu->sigma0, 33);
    kappa = dm_map_stats(map, NULL, NULL, N, N, 1.0, &options, &error);
    CHECK_OK(kappa != NULL, error);
  }
  if (nu && kappa) {
    double worst = 0.0;
    for (int i = 0; i < nu->n; i++) {
      CHECK(nu->peaks[i] == kappa->peaks[i] && nu->minima[i] == kappa->minima[i]);
      worst = fmax(worst, fabs(nu->v0[i] - kappa->v0[i]));
      worst = fmax(worst, fabs(nu->v1[i] - kappa->v1[i]) / fmax(fabs(nu->v1[i]), 1e-300));
      worst = fmax(worst, fabs(nu->v2[i] - kappa->v2[i]) / fmax(fabs(nu->v2[i]), 1e-300));
      worst = fmax(worst, fabs(nu->pdf[i] - kappa->pdf[i] * nu->sigma0) / nu->pdf[16]);
    }
    printf("nu and kappa scales: largest relative difference %.2e\n", worst);
    CHECK(worst < 1e-9);
    CHECK(nu->sigma1 == kappa->sigma1 && nu->sigma0 == kappa->sigma0);
  }
  DmMapStatsOptions snr_options = kappa_options(-0.1, 0.2, 31);
  snr_options.scale = DM_STATS_SNR;
  DmMapStatsOptions doubled_options = kappa_options(-0.1, 0.2, 31);
  DmMapStats *snr = dm_map_stats(map, NULL, noise, N, N, 1.0, &snr_options, &error);
  CHECK_OK(snr != NULL, error);
  DmMapStats *twice = dm_map_stats(doubled, NULL, NULL, N, N, 1.0, &doubled_options, &error);
  CHECK_OK(twice != NULL, error);
  if (snr && twice)
    for (int kind = 0; kind < DM_STAT_COUNT; kind++)
      CHECK(memcmp(dm_map_stats_values(snr, kind), dm_map_stats_values(twice, kind),
                   (size_t)snr->n * sizeof(double)) == 0);
  /* A pixel without noise is outside on the S/N scale. */
  noise[40 * N + 40] = 0.0f;
  DmMapStats *holed = dm_map_stats(map, NULL, noise, N, N, 1.0, &snr_options, &error);
  CHECK_OK(holed != NULL, error);
  if (holed) CHECK(holed->n_inside == N * N - 1);
  dm_map_stats_free(holed);
  dm_map_stats_free(snr);
  dm_map_stats_free(twice);
  dm_map_stats_free(nu);
  dm_map_stats_free(kappa);
  free(map);
  free(noise);
  free(doubled);
}

/* The formulae's identities: V0(0) = 1/2, V1 at its largest tau / 8 at nu = 0, V2 odd,
 * the peak density integrating to sigma2² / (8 sqrt 3 pi sigma1²) and tending to
 * −dV2/dnu (peaks above nu ≈ Euler characteristic) at large nu. */
static void test_gaussian_formulae(void) {
  double sigma0 = 0.02, sigma1 = 0.3, sigma2 = 5.0, v[3], w[3];
  double tau = sigma1 / (sqrt(2.0) * sigma0);
  dm_gaussian_minkowski(0.0, sigma0, sigma1, v);
  CHECK_CLOSE(v[0], 0.5, 1e-15);
  CHECK_CLOSE(v[1], tau / 8.0, 1e-15 * tau);
  CHECK(v[2] == 0.0);
  dm_gaussian_minkowski(1.3, sigma0, sigma1, v);
  dm_gaussian_minkowski(-1.3, sigma0, sigma1, w);
  CHECK_CLOSE(v[0] + w[0], 1.0, 1e-15);
  CHECK_CLOSE(v[1], w[1], 1e-15 * v[1]);
  CHECK_CLOSE(v[2], -w[2], 1e-15 * fabs(v[2]));
  CHECK_CLOSE(v[2], tau * tau * 1.3 * exp(-0.845) / pow(2.0 * M_PI, 1.5), 1e-12 * v[2]);

  double total = 0.0, h = 1e-3;
  for (int i = -10000; i < 10000; i++)
    total += dm_gaussian_peak_density((i + 0.5) * h, sigma0, sigma1, sigma2) * h;
  double expected = sigma2 * sigma2 / (8.0 * sqrt(3.0) * M_PI * sigma1 * sigma1);
  printf("peak density: integral %.10g for %.10g\n", total, expected);
  CHECK_CLOSE(total / expected, 1.0, 1e-9);
  double nu = 6.0, d = 1e-4;
  dm_gaussian_minkowski(nu + d, sigma0, sigma1, v);
  dm_gaussian_minkowski(nu - d, sigma0, sigma1, w);
  double euler_slope = -(v[2] - w[2]) / (2.0 * d);
  double peaks = dm_gaussian_peak_density(nu, sigma0, sigma1, sigma2);
  printf("at nu = 6: peak density / −dV2/dnu = %.4f\n", peaks / euler_slope);
  CHECK_CLOSE(peaks / euler_slope, 1.0, 1e-3);
  CHECK(isnan(dm_gaussian_peak_density(1.0, 1.0, 1.0, 1.0)));  /* gamma = 1 */
}

static void test_bad_input(void) {
  float map[SIDE * SIDE] = {0.0f}, mask[SIDE * SIDE] = {0.0f};
  map[5] = 1.0f;
  DmMapStatsOptions options;
  dm_map_stats_options_init(&options);
  CHECK(options.scale == DM_STATS_NU && options.n_thresholds == 33);
  CHECK(options.lo == -4.0 && options.hi == 4.0);
  DmError *error = NULL;
  CHECK_FAILS(dm_map_stats(NULL, NULL, NULL, SIDE, SIDE, 1.0, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_map_stats(map, NULL, NULL, SIDE, SIDE, 0.0, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_map_stats(map, NULL, NULL, 0, SIDE, 1.0, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  options.n_thresholds = 1;
  CHECK_FAILS(dm_map_stats(map, NULL, NULL, SIDE, SIDE, 1.0, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  options.n_thresholds = 33;
  options.lo = 4.0;
  CHECK_FAILS(dm_map_stats(map, NULL, NULL, SIDE, SIDE, 1.0, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  options.lo = -4.0;
  options.scale = DM_STATS_SNR;
  CHECK_FAILS(dm_map_stats(map, NULL, NULL, SIDE, SIDE, 1.0, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_map_stats(map, mask, NULL, SIDE, SIDE, 1.0, NULL, &error), error,
              DM_ERROR_NO_DATA);
  float flat[SIDE * SIDE] = {0.0f};
  CHECK_FAILS(dm_map_stats(flat, NULL, NULL, SIDE, SIDE, 1.0, NULL, &error), error,
              DM_ERROR_NO_DATA);
  CHECK_FAILS(dm_map_stats(map, NULL, NULL, 4, 4, 1.0, NULL, &error), error, DM_ERROR_NO_DATA);
}

int main(void) {
  test_peak_and_minimum();
  test_bin_edges();
  test_mask();
  test_ramp();
  test_scales();
  test_gaussian_formulae();
  test_bad_input();
  return dm_test_result();
}

/* The comparison of two sets of statistic vectors (Hotelling's T² with the pooled
 * covariance) and the two-sample KS test: exact values (a two-sample t test, the affine
 * invariance of T², an explicit 2 × 2 inverse, KS distances with ties, Kolmogorov's Q),
 * the calibration of both p-values on samples of one model, tiny p-values for two models,
 * singular covariances, and KS on the pixels of Gaussian maps, thinned and not. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/field-from-power.h"
#include "darkmap/map-statistics.h"
#include "darkmap/rng.h"
#include "test-util.h"

/* a = {1, 2, 3}, b = {4, 5, 6}: pooled variance 1, T² = 9 / (2/3) = 13.5, and F(1, 4) is
 * the square of Student's t with 4 dof: p = 1 − t (t² + 6) / (t² + 4)^(3/2). */
static void test_t_test(void) {
  const double a[] = {1.0, 2.0, 3.0}, b[] = {4.0, 5.0, 6.0};
  DmError *error = NULL;
  DmStatsComparison *c = dm_map_stats_compare(a, 3, b, 3, 1, &error);
  CHECK_OK(c != NULL, error);
  if (!c) return;
  double t = sqrt(13.5);
  CHECK(c->n == 1 && c->n_a == 3 && c->n_b == 3 && c->dof == 1);
  CHECK_CLOSE(c->mean_a[0], 2.0, 1e-15);
  CHECK_CLOSE(c->mean_b[0], 5.0, 1e-15);
  CHECK_CLOSE(c->std_a[0], 1.0, 1e-15);
  CHECK_CLOSE(c->std_b[0], 1.0, 1e-15);
  CHECK_CLOSE(c->chi2, 13.5, 1e-12);
  CHECK_CLOSE(c->p_value, 1.0 - t * (t * t + 6.0) / pow(t * t + 4.0, 1.5), 1e-12);
  printf("t test: chi2 %.6f, p %.10f\n", c->chi2, c->p_value);
  dm_stats_comparison_free(c);
}

/* Correlated Gaussian vectors: x_j = mean + z_j + 0.8 z_{j−1} (unit z). */
static void correlated_vectors(DmRng *rng, double *out, int rows, int n, double mean) {
  for (int r = 0; r < rows; r++) {
    double previous = dm_rng_normal(rng);
    for (int j = 0; j < n; j++) {
      double z = dm_rng_normal(rng);
      out[(size_t)r * n + j] = mean + z + 0.8 * previous;
      previous = z;
    }
  }
}

/* T² against an explicit inverse of the 2 × 2 pooled covariance, and unchanged when every
 * vector goes through one invertible linear map (Hotelling's T² is affine invariant). */
static void test_explicit_and_invariant(void) {
  enum { NA = 7, NB = 5, N = 3 };
  double a[NA * N], b[NB * N], ta[NA * N], tb[NB * N];
  DmRng rng;
  dm_rng_init(&rng, 11, 0);
  correlated_vectors(&rng, a, NA, N, 0.0);
  correlated_vectors(&rng, b, NB, N, 0.3);
  double a2[NA * 2], b2[NB * 2];
  for (int r = 0; r < NA; r++) memcpy(a2 + 2 * r, a + N * r, 2 * sizeof(double));
  for (int r = 0; r < NB; r++) memcpy(b2 + 2 * r, b + N * r, 2 * sizeof(double));
  DmError *error = NULL;
  DmStatsComparison *c2 = dm_map_stats_compare(a2, NA, b2, NB, 2, &error);
  CHECK_OK(c2 != NULL, error);
  if (c2) {
    double s[2][2] = {{0.0}};
    for (int set = 0; set < 2; set++) {
      const double *v = set ? b2 : a2, *mean = set ? c2->mean_b : c2->mean_a;
      for (int r = 0; r < (set ? NB : NA); r++)
        for (int i = 0; i < 2; i++)
          for (int k = 0; k < 2; k++) s[i][k] += (v[2 * r + i] - mean[i]) * (v[2 * r + k] - mean[k]);
    }
    for (int i = 0; i < 4; i++) s[i / 2][i % 2] /= NA + NB - 2;
    double det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
    double d0 = c2->mean_a[0] - c2->mean_b[0], d1 = c2->mean_a[1] - c2->mean_b[1];
    double quadratic = (s[1][1] * d0 * d0 - 2.0 * s[0][1] * d0 * d1 + s[0][0] * d1 * d1) / det;
    double expected = quadratic / (1.0 / NA + 1.0 / NB);
    CHECK(c2->dof == 2);
    CHECK_CLOSE(c2->chi2, expected, 1e-10 * expected);
    dm_stats_comparison_free(c2);
  }
  const double m[N][N] = {{2.0, 0.5, -1.0}, {0.0, 30.0, 4.0}, {1e-3, 0.0, 0.7}};
  for (int r = 0; r < NA + NB; r++)
    for (int i = 0; i < N; i++) {
      const double *v = r < NA ? a + N * r : b + N * (r - NA);
      double *t = r < NA ? ta + N * r : tb + N * (r - NA);
      t[i] = 0.0;
      for (int k = 0; k < N; k++) t[i] += m[i][k] * v[k];
    }
  DmStatsComparison *c = dm_map_stats_compare(a, NA, b, NB, N, &error);
  CHECK_OK(c != NULL, error);
  DmStatsComparison *ct = dm_map_stats_compare(ta, NA, tb, NB, N, &error);
  CHECK_OK(ct != NULL, error);
  if (c && ct) {
    printf("affine invariance: chi2 %.10g and %.10g, p %.6g\n", c->chi2, ct->chi2, c->p_value);
    CHECK(c->dof == N && ct->dof == N);
    CHECK_CLOSE(ct->chi2, c->chi2, 1e-9 * c->chi2);
  }
  dm_stats_comparison_free(c);
  dm_stats_comparison_free(ct);
}

/* 1000 pairs of sets of one model: p below 0.05 in 5 % of them (binomial std 0.7 %), 0.5
 * on average, and T² of mean dof (N − 2) / (N − dof − 3) (20,000 pairs gave 0.052, 0.498
 * and 10.54 for 10.48); sets of two models 1.5 std apart in every bin give tiny p. */
static void test_calibration(void) {
  enum { TRIALS = 1000, NA = 20, NB = 20, N = 8 };
  double a[NA * N], b[NB * N];
  DmRng rng;
  dm_rng_init(&rng, 7, 0);
  DmError *error = NULL;
  int below = 0, dof_ok = 0;
  double mean_p = 0.0, chi2_mean = 0.0, worst_shifted = 0.0;
  for (int trial = 0; trial < TRIALS; trial++) {
    correlated_vectors(&rng, a, NA, N, 0.0);
    correlated_vectors(&rng, b, NB, N, 0.0);
    DmStatsComparison *c = dm_map_stats_compare(a, NA, b, NB, N, &error);
    CHECK_OK(c != NULL, error);
    if (!c) return;
    below += c->p_value < 0.05;
    mean_p += c->p_value / TRIALS;
    chi2_mean += c->chi2 / TRIALS;
    dof_ok += c->dof == N;
    dm_stats_comparison_free(c);
    if (trial % 100 == 0) {
      correlated_vectors(&rng, b, NB, N, 1.5 * sqrt(1.64));
      c = dm_map_stats_compare(a, NA, b, NB, N, &error);
      CHECK_OK(c != NULL, error);
      if (c) worst_shifted = fmax(worst_shifted, c->p_value);
      dm_stats_comparison_free(c);
    }
  }
  double expected_chi2 = N * (NA + NB - 2.0) / (NA + NB - N - 3.0);
  printf("one model, %d trials: p < 0.05 in %.3f, mean p %.3f, mean chi2 %.2f (expected %.2f "
         "for %d dof); two models: largest p %.2e\n",
         TRIALS, (double)below / TRIALS, mean_p, chi2_mean, expected_chi2, N, worst_shifted);
  CHECK(dof_ok == TRIALS);
  CHECK(below >= 29 && below <= 71); /* 50 ± 3 binomial std */
  CHECK_CLOSE(mean_p, 0.5, 0.03);     /* 0.5 ± 3.3 std */
  CHECK_CLOSE(chi2_mean / expected_chi2, 1.0, 0.05); /* 3.3 std of the mean */
  CHECK(worst_shifted < 1e-4);
}

/* Constant bins: dropped when the two sets agree there, infinitely far when they do not;
 * more bins than maps: at most N − 2 directions; a single truth map as the second set. */
static void test_singular(void) {
  enum { NA = 4, NB = 3, N = 10 };
  double a[NA * N], b[NB * N];
  DmRng rng;
  dm_rng_init(&rng, 13, 0);
  correlated_vectors(&rng, a, NA, N, 0.0);
  correlated_vectors(&rng, b, NB, N, 0.0);
  for (int r = 0; r < NA; r++) a[r * N + 3] = 0.0;
  for (int r = 0; r < NB; r++) b[r * N + 3] = 0.0;
  DmError *error = NULL;
  DmStatsComparison *c = dm_map_stats_compare(a, NA, b, NB, N, &error);
  CHECK_OK(c != NULL, error);
  if (c) {
    printf("10 bins, 4 + 3 maps: dof %d, chi2 %.3f, p %.3f\n", c->dof, c->chi2, c->p_value);
    CHECK(c->dof == NA + NB - 2);
    CHECK(isfinite(c->chi2) && c->p_value > 0.0 && c->p_value <= 1.0);
    CHECK(c->std_a[3] == 0.0 && c->std_b[3] == 0.0);
  }
  dm_stats_comparison_free(c);
  for (int r = 0; r < NB; r++) b[r * N + 3] = 1.0;
  c = dm_map_stats_compare(a, NA, b, NB, N, &error);
  CHECK_OK(c != NULL, error);
  if (c) CHECK(isinf(c->chi2) && c->p_value == 0.0);
  dm_stats_comparison_free(c);
  /* Every bin constant and equal: nothing to compare. */
  double ones[3] = {1.0, 1.0, 1.0};
  c = dm_map_stats_compare(ones, 2, ones, 1, 1, &error);
  CHECK_OK(c != NULL, error);
  if (c) CHECK(c->dof == 0 && c->chi2 == 0.0 && c->p_value == 1.0);
  dm_stats_comparison_free(c);
  /* One truth vector against 4 samples: the scatter comes from the samples alone. */
  double samples[4] = {1.0, 2.0, 3.0, 4.0}, truth[1] = {2.5};
  c = dm_map_stats_compare(samples, 4, truth, 1, 1, &error);
  CHECK_OK(c != NULL, error);
  if (c) CHECK(c->dof == 1 && c->chi2 == 0.0 && c->std_b[0] == 0.0);
  dm_stats_comparison_free(c);
  double nan_vector[2] = {1.0, NAN};
  CHECK_FAILS(dm_map_stats_compare(samples, 2, nan_vector, 2, 1, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_map_stats_compare(samples, 1, truth, 1, 1, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_map_stats_compare(samples, 2, truth, 1, 0, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
}

static void check_ks(const float *x, size_t nx, const float *y, size_t ny, double d_expected,
                     double p_expected, double p_tolerance) {
  double d = -1.0, p = -1.0;
  DmError *error = NULL;
  CHECK_OK(dm_ks_two_sample(x, nx, y, ny, &d, &p, &error), error);
  CHECK_CLOSE(d, d_expected, 1e-12);
  if (p_tolerance > 0.0) CHECK_CLOSE(p, p_expected, p_tolerance);
}

/* Distances by hand (ties move both distribution functions at once), and p-values from
 * Q_KS((sqrt e + 0.12 + 0.11 / sqrt e) D), e = 50, summed to convergence apart. */
static void test_ks_exact(void) {
  const float x[] = {3.0f, 1.0f, 2.0f}, y[] = {4.5f, 1.5f, 3.5f, 2.5f};
  check_ks(x, 3, y, 4, 0.5, 0.0, 0.0);
  CHECK(x[0] == 3.0f && x[1] == 1.0f); /* not sorted in place */
  const float tx[] = {1.0f, 1.0f, 2.0f}, ty[] = {1.0f, 2.0f, 2.0f};
  check_ks(tx, 3, ty, 3, 1.0 / 3.0, 0.0, 0.0);
  check_ks(tx, 3, tx, 3, 0.0, 1.0, 1e-15);
  float ramp[100], shifted[100], near[100];
  for (int i = 0; i < 100; i++) {
    ramp[i] = (float)i;
    shifted[i] = (float)(i + 50);
    near[i] = (float)(i + 10);
  }
  check_ks(ramp, 100, shifted, 100, 0.5, 1.0553445530400741e-11, 1e-17);
  check_ks(ramp, 100, near, 100, 0.1, 0.6766201497002459, 1e-9);
  DmError *error = NULL;
  double d, p;
  float bad[2] = {1.0f, NAN};
  CHECK_FAILS(dm_ks_two_sample(ramp, 100, bad, 2, &d, &p, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_ks_two_sample(ramp, 0, ramp, 100, &d, &p, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
}

/* Independent normal samples of 400 and 600: p < 0.05 in 5 % of 300 tests (binomial std
 * 1.3 %), 0.5 on average; a 20 % wider sample gives a tiny p. */
static void test_ks_calibration(void) {
  enum { TRIALS = 300, NX = 400, NY = 600, BIG = 20000 };
  float *x = malloc(sizeof(float) * BIG), *y = malloc(sizeof(float) * BIG);
  if (!x || !y) return;
  DmRng rng;
  dm_rng_init(&rng, 14, 0);
  DmError *error = NULL;
  int below = 0;
  double mean_p = 0.0, d, p;
  for (int trial = 0; trial < TRIALS; trial++) {
    for (int i = 0; i < NX; i++) x[i] = (float)dm_rng_normal(&rng);
    for (int i = 0; i < NY; i++) y[i] = (float)dm_rng_normal(&rng);
    CHECK_OK(dm_ks_two_sample(x, NX, y, NY, &d, &p, &error), error);
    below += p < 0.05;
    mean_p += p / TRIALS;
  }
  for (int i = 0; i < BIG; i++) {
    x[i] = (float)dm_rng_normal(&rng);
    y[i] = (float)(1.2 * dm_rng_normal(&rng));
  }
  CHECK_OK(dm_ks_two_sample(x, BIG, y, BIG, &d, &p, &error), error);
  printf("KS, independent values: p < 0.05 in %.3f, mean p %.3f; std 1 against 1.2: D %.4f, "
         "p %.2e\n",
         (double)below / TRIALS, mean_p, d, p);
  CHECK(below >= 5 && below <= 27); /* 15 ± 3.8 */
  CHECK_CLOSE(mean_p, 0.5, 0.05);
  CHECK(p < 1e-6);
  free(x);
  free(y);
}

/* KS on the pixels of Gaussian maps (512², smoothing 2 pixels): two maps of one model,
 * thinned to every 12th pixel in x and y (correlation exp(−r² / 16), 1e-4 at 12 pixels),
 * give p-values close to uniform; the full maps, whose 262,144 pixels hold far fewer
 * independent values, give p far too small (the caveat of map-statistics.h); a 1.3 times
 * larger amplitude gives a tiny p even thinned. */
static void test_ks_maps(void) {
  enum { SIDE = 512, PAIRS = 30, STRIDE = 12 };
  int nh = SIDE / 2 + 1;
  double *power = malloc(sizeof(double) * SIDE * nh);
  float *m1 = malloc(sizeof(float) * SIDE * SIDE), *m2 = malloc(sizeof(float) * SIDE * SIDE);
  float *t1 = malloc(sizeof(float) * SIDE * SIDE), *t2 = malloc(sizeof(float) * SIDE * SIDE);
  if (!power || !m1 || !m2 || !t1 || !t2) return;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < nh; x++) {
      double kx = 2.0 * M_PI * dm_fft_freq(x, SIDE), ky = 2.0 * M_PI * dm_fft_freq(y, SIDE);
      power[y * nh + x] = x == 0 && y == 0 ? 0.0 : exp(-(kx * kx + ky * ky) * 4.0);
    }
  DmError *error = NULL;
  int thinned_below = 0, full_below = 0;
  double thinned_mean = 0.0, d, p, p_amplitude = 1.0;
  for (int pair = 0; pair < PAIRS; pair++) {
    bool ok = dm_field_from_power(power, SIDE, SIDE, 2000 + 2 * pair, 0, m1, &error) &&
              dm_field_from_power(power, SIDE, SIDE, 2001 + 2 * pair, 0, m2, &error);
    CHECK_OK(ok, error);
    if (!ok) break;
    size_t n = 0;
    for (int y = 0; y < SIDE; y += STRIDE)
      for (int x = 0; x < SIDE; x += STRIDE, n++) {
        t1[n] = m1[y * SIDE + x];
        t2[n] = m2[y * SIDE + x];
      }
    CHECK_OK(dm_ks_two_sample(t1, n, t2, n, &d, &p, &error), error);
    thinned_below += p < 0.05;
    thinned_mean += p / PAIRS;
    CHECK_OK(dm_ks_two_sample(m1, (size_t)SIDE * SIDE, m2, (size_t)SIDE * SIDE, &d, &p, &error),
             error);
    full_below += p < 0.05;
    if (pair == 0) {
      for (size_t i = 0; i < n; i++) t2[i] *= 1.3f;
      CHECK_OK(dm_ks_two_sample(t1, n, t2, n, &d, &p_amplitude, &error), error);
    }
  }
  printf("KS of map pixels, one model, %d pairs: thinned p < 0.05 in %.2f (mean p %.2f), "
         "full maps p < 0.05 in %.2f; amplitude 1.3 thinned: p %.2e\n",
         PAIRS, (double)thinned_below / PAIRS, thinned_mean, (double)full_below / PAIRS,
         p_amplitude);
  CHECK(thinned_below <= 6);          /* 1.5 expected, binomial std 1.2 */
  CHECK_CLOSE(thinned_mean, 0.5, 0.16); /* 0.5 ± 0.053 */
  CHECK(full_below >= 10);
  CHECK(p_amplitude < 1e-4);
  free(power);
  free(m1);
  free(m2);
  free(t1);
  free(t2);
}

int main(void) {
  test_t_test();
  test_explicit_and_invariant();
  test_calibration();
  test_singular();
  test_ks_exact();
  test_ks_calibration();
  test_ks_maps();
  return dm_test_result();
}

/* The coverage diagnostics of darkmap/mock-evaluation.h on posteriors whose
 * answer is known, and the evaluation over several mocks:
 *  - per pixel an independent Gaussian posterior N(mu_i, sigma_i²), the
 *    truth one draw of it and K samples K more (calibrated): the per-pixel,
 *    aperture-mean and TARP coverages equal their exact expectation within
 *    a binomial tolerance; samples of twice the spread cover more, of half
 *    the spread less, on all three;
 *  - a constant shift is the bias exactly; masked pixels, discs and tiles
 *    that touch the mask are left out, counted exactly on a constructed
 *    mask; bad input is refused;
 *  - dm_eval_mock over mocks 0 and 1 (KS and Wiener on a 32² Gaussian-noise
 *    survey) gives the mean of the two one-mock runs exactly and their std
 *    as scatter; the samples hook receives the Wiener samples, and its
 *    failure stops the run with its error.
 *
 * Expectations.  With K + 1 exchangeable draws (truth and samples of a
 * calibrated posterior) the truth's rank among them is uniform on 0 … K.
 * K = 201 puts every quantile of the 68 % and 95 % intervals on an order
 * statistic (positions 0.16 × 200 = 32, 168 and 5, 195), so the truth lies
 * inside with probability exactly (hi − lo) / (K + 1) = level (K − 1) /
 * (K + 1), for any continuous distribution; TARP's ECP(alpha) is exactly
 * #{j = 0 … K : j / K < alpha} / (K + 1).  Pixels and tiles are independent
 * (no shared pixels): the fractions are binomial, and the tolerance is 4 of
 * their std, sqrt(p (1 − p) / n).  A disc of radius 2 on the lattice of
 * spacing 2 shares pixels with 12 others (centre offsets of length <= 4:
 * 4 at 2, 4 at 2√2, 4 at 4, the last sharing one pixel), so the variance of
 * the aperture coverage is at most (1 + 12) p (1 − p) / n (covariances
 * bounded by the variance) and the tolerance is 4 std of that bound. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/calibration.h"
#include "darkmap/mock-evaluation.h"
#include "darkmap/rng.h"
#include "darkmap/wcs.h"
#include "test-util.h"

#define SIDE 128
#define NPIX ((size_t)SIDE * SIDE)
#define K 201
#define RADIUS 2.0
#define TILE 4

/* Truth and K samples of independent Gaussian posteriors per pixel (mean
 * 0.05 N(0, 1), std 0.02 (1 + U)); the samples' spread times scale. */
static void draw_posteriors(float *truth, float *samples, double scale, uint64_t seed) {
  DmRng rng;
  dm_rng_init(&rng, seed, 0);
  for (size_t i = 0; i < NPIX; i++) {
    double mu = 0.05 * dm_rng_normal(&rng), sigma = 0.02 * (1.0 + dm_rng_uniform(&rng));
    truth[i] = (float)(mu + sigma * dm_rng_normal(&rng));
    for (int j = 0; j < K; j++)
      samples[(size_t)j * NPIX + i] = (float)(mu + scale * sigma * dm_rng_normal(&rng));
  }
}

/* 4 binomial std of a fraction p of n independent trials, variance times
 * inflation. */
static double tolerance(double p, int n, double inflation) {
  return 4.0 * sqrt(inflation * p * (1.0 - p) / n);
}

/* TARP's exact ECP(alpha_i) for a calibrated sampler of k samples. */
static double tarp_expected(int i, int k) {
  int below = 0;
  for (int j = 0; j <= k; j++) below += (double)j / k < dm_eval_tarp_alpha(i);
  return (double)below / (k + 1);
}

typedef struct {
  double pixel68, pixel95, aperture68, aperture95, ecp[DM_EVAL_TARP_LEVELS];
  int n_apertures, n_tiles;
} Coverages;

static void measure(const float *truth, const float *samples, const float *mask, Coverages *c) {
  DmError *error = NULL;
  CHECK_OK(dm_eval_coverage(truth, samples, K, mask, NPIX, 0.68, &c->pixel68, &error), error);
  CHECK_OK(dm_eval_coverage(truth, samples, K, mask, NPIX, 0.95, &c->pixel95, &error), error);
  CHECK_OK(dm_eval_aperture_coverage(truth, samples, K, mask, SIDE, SIDE, RADIUS, 0.68,
                                     &c->aperture68, &c->n_apertures, &error),
           error);
  CHECK_OK(dm_eval_aperture_coverage(truth, samples, K, mask, SIDE, SIDE, RADIUS, 0.95,
                                     &c->aperture95, &c->n_apertures, &error),
           error);
  CHECK_OK(dm_eval_tarp(truth, samples, K, mask, SIDE, SIDE, TILE, 7, c->ecp, &c->n_tiles,
                        &error),
           error);
}

static void check_calibrated_and_not(void) {
  float *truth = malloc(NPIX * sizeof(float)), *mask = malloc(NPIX * sizeof(float));
  float *samples = malloc((size_t)K * NPIX * sizeof(float));
  CHECK(truth && mask && samples);
  if (!truth || !mask || !samples) goto done;
  for (size_t i = 0; i < NPIX; i++) mask[i] = 1.0f;
  double p68 = 0.68 * (K - 1) / (K + 1), p95 = 0.95 * (K - 1) / (K + 1);
  const int n = (int)NPIX;

  Coverages c;
  draw_posteriors(truth, samples, 1.0, 1);
  measure(truth, samples, mask, &c);
  /* Discs: centres at multiples of 2 from 2 to 124 on each axis (the
   * disc reaches 2 pixels each way); tiles: 32 × 32. */
  CHECK(c.n_apertures == 62 * 62 && c.n_tiles == 32 * 32);
  printf("calibrated: pixel 68 %% %.4f, 95 %% %.4f (exact %.4f, %.4f); aperture %.4f, %.4f; "
         "TARP ECP(0.5) %.4f (exact %.4f)\n",
         c.pixel68, c.pixel95, p68, p95, c.aperture68, c.aperture95, c.ecp[9],
         tarp_expected(9, K));
  CHECK_CLOSE(c.pixel68, p68, tolerance(p68, n, 1.0));
  CHECK_CLOSE(c.pixel95, p95, tolerance(p95, n, 1.0));
  CHECK_CLOSE(c.aperture68, p68, tolerance(p68, c.n_apertures, 13.0));
  CHECK_CLOSE(c.aperture95, p95, tolerance(p95, c.n_apertures, 13.0));
  for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++) {
    double e = tarp_expected(i, K);
    CHECK_CLOSE(c.ecp[i], e, tolerance(e, c.n_tiles, 1.0));
  }
  /* The same seed draws the same references. */
  double again[DM_EVAL_TARP_LEVELS];
  int tiles = 0;
  DmError *error = NULL;
  CHECK_OK(dm_eval_tarp(truth, samples, K, mask, SIDE, SIDE, TILE, 7, again, &tiles, &error),
           error);
  CHECK(memcmp(again, c.ecp, sizeof again) == 0);

  /* Twice the spread: wider intervals, the truth nearer the samples'
   * centre than they are; half: the reverse. */
  draw_posteriors(truth, samples, 2.0, 2);
  measure(truth, samples, mask, &c);
  printf("spread x 2: pixel 68 %% %.4f; aperture %.4f, %.4f; TARP ECP(0.5) %.4f\n", c.pixel68,
         c.aperture68, c.aperture95, c.ecp[9]);
  CHECK(c.pixel68 > p68 + tolerance(p68, n, 1.0));
  CHECK(c.aperture68 > p68 + tolerance(p68, c.n_apertures, 13.0));
  CHECK(c.aperture95 > p95 + tolerance(p95, c.n_apertures, 13.0));
  CHECK(c.ecp[9] > tarp_expected(9, K) + tolerance(0.5, c.n_tiles, 1.0));
  draw_posteriors(truth, samples, 0.5, 3);
  measure(truth, samples, mask, &c);
  printf("spread x 0.5: pixel 68 %% %.4f; aperture %.4f, %.4f; TARP ECP(0.5) %.4f\n",
         c.pixel68, c.aperture68, c.aperture95, c.ecp[9]);
  CHECK(c.pixel68 < p68 - tolerance(p68, n, 1.0));
  CHECK(c.aperture68 < p68 - tolerance(p68, c.n_apertures, 13.0));
  CHECK(c.aperture95 < p95 - tolerance(p95, c.n_apertures, 13.0));
  CHECK(c.ecp[9] < tarp_expected(9, K) - tolerance(0.5, c.n_tiles, 1.0));
done:
  free(truth);
  free(mask);
  free(samples);
}

/* A shift of 0.25 on values that are multiples of 1/64 is exact in float:
 * the bias is 0.25 exactly; masked pixels (shifted by 100) do not count. */
static void check_bias(void) {
  DmError *error = NULL;
  enum { N = 300 };
  float truth[N], estimate[N], mask[N];
  for (int i = 0; i < N; i++) {
    truth[i] = (float)((i % 97) - 48) / 64.0f;
    mask[i] = i % 5 != 0;
    estimate[i] = truth[i] + (mask[i] > 0.0f ? 0.25f : 100.0f);
  }
  double bias = 0.0;
  CHECK_OK(dm_eval_bias(truth, estimate, mask, N, &bias, &error), error);
  CHECK(bias == 0.25);
  float none[N] = {0};
  CHECK_FAILS(dm_eval_bias(truth, estimate, none, N, &bias, &error), error, DM_ERROR_NO_DATA);
}

/* On an 18 × 18 grid: discs of radius 2 fit with centres 2, 4, …, 14 on
 * each axis (7 × 7 = 49), tiles of 4 from the corner 4 × 4 = 16 (the last
 * two rows and columns in none).  Pixel (7, 7) masked out removes the discs
 * centred at (6 or 8, 6 or 8) (distance √2) and the tile (1, 1); pixel
 * (0, 0) no disc that fits and the tile (0, 0). */
static void check_mask_and_refusals(void) {
  enum { S = 18, KS = 4 };
  DmError *error = NULL;
  float truth[S * S], samples[KS * S * S], mask[S * S], none[S * S] = {0};
  DmRng rng;
  dm_rng_init(&rng, 5, 0);
  for (int i = 0; i < S * S; i++) {
    truth[i] = (float)dm_rng_normal(&rng);
    mask[i] = 1.0f;
  }
  for (int i = 0; i < KS * S * S; i++) samples[i] = (float)dm_rng_normal(&rng);
  double coverage, ecp[DM_EVAL_TARP_LEVELS];
  int discs = 0, tiles = 0;
  CHECK_OK(dm_eval_aperture_coverage(truth, samples, KS, mask, S, S, 2.0, 0.68, &coverage,
                                     &discs, &error),
           error);
  CHECK_OK(dm_eval_tarp(truth, samples, KS, mask, S, S, 4, 1, ecp, &tiles, &error), error);
  CHECK(discs == 49 && tiles == 16);
  mask[7 * S + 7] = 0.0f;
  CHECK_OK(dm_eval_aperture_coverage(truth, samples, KS, mask, S, S, 2.0, 0.68, &coverage,
                                     &discs, &error),
           error);
  CHECK_OK(dm_eval_tarp(truth, samples, KS, mask, S, S, 4, 1, ecp, &tiles, &error), error);
  CHECK(discs == 45 && tiles == 15);
  mask[0] = 0.0f;
  CHECK_OK(dm_eval_aperture_coverage(truth, samples, KS, mask, S, S, 2.0, 0.68, &coverage,
                                     &discs, &error),
           error);
  CHECK_OK(dm_eval_tarp(truth, samples, KS, mask, S, S, 4, 1, ecp, &tiles, &error), error);
  CHECK(discs == 45 && tiles == 14);
  printf("constructed mask: %d discs, %d tiles\n", discs, tiles);
  for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++) CHECK(ecp[i] >= 0.0 && ecp[i] <= 1.0);

  CHECK_FAILS(dm_eval_aperture_coverage(truth, samples, 1, mask, S, S, 2.0, 0.68, &coverage,
                                        &discs, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_eval_aperture_coverage(truth, samples, KS, mask, S, S, 0.3, 0.68, &coverage,
                                        &discs, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_eval_aperture_coverage(truth, samples, KS, mask, S, S, 2.0, 1.0, &coverage,
                                        &discs, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_eval_aperture_coverage(truth, samples, KS, none, S, S, 2.0, 0.68, &coverage,
                                        &discs, &error),
              error, DM_ERROR_NO_DATA);
  CHECK_FAILS(dm_eval_aperture_coverage(truth, samples, KS, mask, S, S, 9.0, 0.68, &coverage,
                                        &discs, &error),
              error, DM_ERROR_NO_DATA);
  CHECK_FAILS(dm_eval_tarp(truth, samples, 1, mask, S, S, 4, 1, ecp, &tiles, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_eval_tarp(truth, samples, KS, mask, S, S, 0, 1, ecp, &tiles, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_eval_tarp(truth, samples, KS, mask, S, S, S + 1, 1, ecp, &tiles, &error),
              error, DM_ERROR_NO_DATA);
  CHECK_FAILS(dm_eval_tarp(truth, samples, KS, none, S, S, 4, 1, ecp, &tiles, &error), error,
              DM_ERROR_NO_DATA);
}

/* ---- dm_eval_mock over two mocks ---------------------------------------- */

#define GRID 32

/* The Wiener samples each mock gave the hook (mocks in order). */
typedef struct {
  int calls, k;
  DmEvalMethod method[2];
  float *truth[2], *samples[2], *mask[2];
  size_t npix;
  bool fail;
} Hook;

static bool keep_samples(void *data, DmEvalMethod method, const float *truth,
                         const float *samples, int k, const float *mask, size_t npix,
                         DmError **error) {
  Hook *h = data;
  if (h->fail)
    return dm_error_set(error, DM_ERROR_CANCELLED, 0, "The hook stops the evaluation.");
  if (h->calls < 2) {
    int c = h->calls;
    h->method[c] = method;
    h->truth[c] = malloc(npix * sizeof(float));
    h->mask[c] = malloc(npix * sizeof(float));
    h->samples[c] = malloc((size_t)k * npix * sizeof(float));
    if (h->truth[c]) memcpy(h->truth[c], truth, npix * sizeof(float));
    if (h->mask[c]) memcpy(h->mask[c], mask, npix * sizeof(float));
    if (h->samples[c]) memcpy(h->samples[c], samples, (size_t)k * npix * sizeof(float));
  }
  h->k = k;
  h->npix = npix;
  h->calls++;
  return true;
}

static void hook_free(Hook *h) {
  for (int c = 0; c < 2 && c < h->calls; c++) {
    free(h->truth[c]);
    free(h->mask[c]);
    free(h->samples[c]);
  }
}

/* The mean of a and b, and their sample std, against the two-mock run's. */
static void check_mean_and_std(double mean, double std, double a, double b, const char *what) {
  if (isnan(a) || isnan(b)) {
    CHECK(isnan(mean) && isnan(std));
    return;
  }
  if (!(mean == (a + b) / 2)) {
    fprintf(stderr, "%s: mean %.17g, mocks %.17g and %.17g\n", what, mean, a, b);
    CHECK(mean == (a + b) / 2);
  }
  CHECK_CLOSE(std, fabs(a - b) / sqrt(2.0), 1e-12 * (1.0 + fabs(a) + fabs(b)));
}

static void check_row(const DmEvalResult *two, const DmEvalResult *r0, const DmEvalResult *r1,
                      DmEvalMethod m) {
  const DmEvalMetrics *mean = &two->method[m], *std = &two->scatter[m];
  const DmEvalMetrics *a = &r0->method[m], *b = &r1->method[m];
  CHECK(mean->done && std->done && a->done && b->done);
  CHECK(mean->n_counts == a->n_counts);
  check_mean_and_std(mean->r, std->r, a->r, b->r, "r");
  check_mean_and_std(mean->rmse, std->rmse, a->rmse, b->rmse, "rmse");
  check_mean_and_std(mean->bias, std->bias, a->bias, b->bias, "bias");
  check_mean_and_std(mean->coverage68, std->coverage68, a->coverage68, b->coverage68, "cov68");
  check_mean_and_std(mean->coverage95, std->coverage95, a->coverage95, b->coverage95, "cov95");
  check_mean_and_std(mean->coverage68_calibrated, std->coverage68_calibrated,
                     a->coverage68_calibrated, b->coverage68_calibrated, "cov68 calibrated");
  check_mean_and_std(mean->coverage95_calibrated, std->coverage95_calibrated,
                     a->coverage95_calibrated, b->coverage95_calibrated, "cov95 calibrated");
  check_mean_and_std(mean->aperture68, std->aperture68, a->aperture68, b->aperture68, "ap68");
  check_mean_and_std(mean->aperture95, std->aperture95, a->aperture95, b->aperture95, "ap95");
  check_mean_and_std(mean->tarp_error, std->tarp_error, a->tarp_error, b->tarp_error, "tarp");
  for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++)
    check_mean_and_std(mean->tarp_ecp[i], std->tarp_ecp[i], a->tarp_ecp[i], b->tarp_ecp[i],
                       "ecp");
  for (int j = 0; j < mean->n_counts; j++)
    check_mean_and_std(mean->r_by_count[j], std->r_by_count[j], a->r_by_count[j],
                       b->r_by_count[j], "r by count");
}

/* The Wiener row of one mock against the metrics of the samples the hook
 * received: the same calls on the same samples. */
static void check_wiener_row(const DmEvalResult *r, const Hook *h, int c, double radius_pixels,
                             double factor) {
  DmError *error = NULL;
  const DmEvalMetrics *m = &r->method[DM_EVAL_WIENER];
  double cov68, calibrated68, aperture68;
  int discs = 0;
  CHECK(h->method[c] == DM_EVAL_WIENER);
  CHECK_OK(dm_eval_coverage(h->truth[c], h->samples[c], h->k, h->mask[c], h->npix, 0.68, &cov68,
                            &error),
           error);
  CHECK_OK(dm_calibrated_coverage(h->truth[c], h->samples[c], h->k, h->mask[c], h->npix, 0.68,
                                  factor, &calibrated68, &error),
           error);
  CHECK_OK(dm_eval_aperture_coverage(h->truth[c], h->samples[c], h->k, h->mask[c], GRID, GRID,
                                     radius_pixels, 0.68, &aperture68, &discs, &error),
           error);
  CHECK(m->coverage68 == cov68 && m->coverage68_calibrated == calibrated68);
  CHECK(m->aperture68 == aperture68 && r->n_apertures == discs && discs > 0);
  double worst = 0.0;
  for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++) {
    CHECK(m->tarp_ecp[i] >= 0.0 && m->tarp_ecp[i] <= 1.0);
    worst = fmax(worst, fabs(m->tarp_ecp[i] - dm_eval_tarp_alpha(i)));
  }
  CHECK(m->tarp_error == worst && r->n_tarp_tiles > 0);
  /* KS has no intervals. */
  const DmEvalMetrics *ks = &r->method[DM_EVAL_KS];
  CHECK(isnan(ks->coverage68) && isnan(ks->aperture68) && isnan(ks->tarp_error) &&
        isnan(ks->coverage68_calibrated) && isfinite(ks->bias));
}

/* A 32² survey of 1' pixels with a WCS, Gaussian noise 0.05 and a mask
 * without the first 6 columns. */
static DmMockSurvey *small_survey(DmError **error) {
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.1, 2.2, 1.0 / 60.0, GRID, GRID, true, error);
  DmBinnedShear survey = {0};
  survey.shear = dm_map_new(GRID, GRID, 2, wcs, error);
  survey.counts = dm_map_new(GRID, GRID, 1, wcs, error);
  survey.weight = dm_map_new(GRID, GRID, 1, wcs, error);
  survey.noise = dm_map_new(GRID, GRID, 2, wcs, error);
  survey.mask = dm_map_new(GRID, GRID, 1, wcs, error);
  DmMockSurvey *mock = NULL;
  if (survey.shear && survey.counts && survey.weight && survey.noise && survey.mask) {
    for (int i = 0; i < GRID * GRID; i++) {
      bool in = i % GRID >= 6;
      survey.mask->data[i] = in;
      survey.noise->data[i] = survey.noise->data[GRID * GRID + i] = in ? 0.05f : 0.0f;
    }
    mock = dm_mock_survey_new_gaussian(&survey, error);
  }
  dm_map_free(survey.shear);
  dm_map_free(survey.counts);
  dm_map_free(survey.weight);
  dm_map_free(survey.noise);
  dm_map_free(survey.mask);
  dm_wcs_free(wcs);
  return mock;
}

static void check_two_mocks(const DmTheorySpectrum *theory) {
  DmError *error = NULL;
  DmMockSurvey *survey = small_survey(&error);
  CHECK_OK(survey != NULL, error);
  if (!survey) return;
  DmEvalConfig c;
  dm_eval_config_init(&c);
  CHECK(c.n_mocks == 1 && c.aperture_arcmin == 2.0 && c.tarp_tile == 8);
  c.theory = theory;
  c.survey = survey;
  c.seed = 2024;
  c.n_samples = 6;
  c.baselines = DM_EVAL_BIT(DM_EVAL_KS) | DM_EVAL_BIT(DM_EVAL_WIENER);
  c.tarp_tile = 4;
  c.calibration[DM_EVAL_WIENER] = 1.5;
  Hook hook = {0};
  c.on_samples = keep_samples;
  c.hook_data = &hook;
  DmEvalResult r0, r1, two;
  CHECK_OK(dm_eval_mock(&c, &r0, NULL, &error), error);
  CHECK(hook.calls == 1);
  c.index = 1;
  CHECK_OK(dm_eval_mock(&c, &r1, NULL, &error), error);
  CHECK(hook.calls == 2);
  /* The grid's pixel scale from its WCS: 2' is 2 pixels to rounding. */
  double radius = 2.0 / (dm_wcs_pixel_scale_deg(dm_mock_survey_template(survey)->shear->wcs) *
                         60.0);
  check_wiener_row(&r0, &hook, 0, radius, 1.5);
  check_wiener_row(&r1, &hook, 1, radius, 1.5);
  CHECK(r0.n_mocks == 1 && r0.scatter[DM_EVAL_WIENER].r == 0.0 &&
        r0.scatter[DM_EVAL_WIENER].aperture68 == 0.0 && r0.scatter[DM_EVAL_KS].bias == 0.0);
  CHECK(r0.method[DM_EVAL_WIENER].r != r1.method[DM_EVAL_WIENER].r);

  c.index = 0;
  c.n_mocks = 2;
  hook.fail = false;
  int calls = hook.calls;
  CHECK_OK(dm_eval_mock(&c, &two, NULL, &error), error);
  CHECK(hook.calls == calls + 2);
  CHECK(two.n_mocks == 2 && two.n_pixels == r0.n_pixels);
  CHECK(two.n_apertures == r0.n_apertures && two.n_tarp_tiles == r0.n_tarp_tiles);
  CHECK(two.ks_sigma_pixels == r0.ks_sigma_pixels);
  CHECK(two.n_haloes == lround((r0.n_haloes + r1.n_haloes) / 2.0));
  CHECK(two.truth_std == (r0.truth_std + r1.truth_std) / 2);
  CHECK(two.truth_mean == (r0.truth_mean + r1.truth_mean) / 2);
  check_row(&two, &r0, &r1, DM_EVAL_KS);
  check_row(&two, &r0, &r1, DM_EVAL_WIENER);
  for (int m = DM_EVAL_SCORE; m < DM_EVAL_N_METHODS; m++) CHECK(!two.method[m].done);
  const DmEvalMetrics *w = &two.method[DM_EVAL_WIENER], *s = &two.scatter[DM_EVAL_WIENER];
  printf("Wiener over mocks 0 and 1: r %.4f ± %.4f, bias %.5f ± %.5f, 68 %% %.3f ± %.3f, "
         "calibrated (x1.5) %.3f, aperture 68 %% %.3f ± %.3f (%d discs), TARP error %.3f "
         "(%d tiles)\n",
         w->r, s->r, w->bias, s->bias, w->coverage68, s->coverage68, w->coverage68_calibrated,
         w->aperture68, s->aperture68, two.n_apertures, w->tarp_error, two.n_tarp_tiles);

  /* The hook's failure is the run's. */
  hook.fail = true;
  CHECK_FAILS(dm_eval_mock(&c, &two, NULL, &error), error, DM_ERROR_CANCELLED);
  hook.fail = false;
  /* Refused settings. */
  c.n_mocks = 0;
  CHECK_FAILS(dm_eval_mock(&c, &two, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  c.n_mocks = 1;
  c.aperture_arcmin = 0.0;
  CHECK_FAILS(dm_eval_mock(&c, &two, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  c.aperture_arcmin = 2.0;
  c.tarp_tile = 0;
  CHECK_FAILS(dm_eval_mock(&c, &two, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  c.tarp_tile = 4;
  c.calibration[DM_EVAL_WIENER] = -1.0;
  CHECK_FAILS(dm_eval_mock(&c, &two, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  c.calibration[DM_EVAL_WIENER] = 0.0;
  /* No room: apertures under half a pixel and tiles larger than the grid
   * leave NaN, and the rest of the row. */
  c.on_samples = NULL;
  c.aperture_arcmin = 0.4;
  c.tarp_tile = GRID + 1;
  CHECK_OK(dm_eval_mock(&c, &two, NULL, &error), error);
  w = &two.method[DM_EVAL_WIENER];
  CHECK(w->done && w->r == r0.method[DM_EVAL_WIENER].r && isnan(w->aperture68) &&
        isnan(w->tarp_error) && isnan(w->tarp_ecp[0]) && isnan(w->coverage68_calibrated));
  CHECK(two.n_apertures == 0 && two.n_tarp_tiles == 0);
  hook_free(&hook);
  dm_mock_survey_free(survey);
}

int main(void) {
  check_calibrated_and_not();
  check_bias();
  check_mask_and_refusals();
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (theory) check_two_mocks(theory);
  dm_theory_free(theory);
  return dm_test_result();
}

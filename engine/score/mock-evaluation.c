/* KS, Wiener filter and score sampler on one mock, scored against its truth
 * (darkmap/mock-evaluation.h). */
#include "darkmap/mock-evaluation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "darkmap/dataset.h"
#include "darkmap/ks.h"
#include "darkmap/smooth.h"
#include "darkmap/wiener.h"

/* Chains run together in one sampler batch. */
enum { CHAINS_PER_BATCH = 16 };

void dm_eval_config_init(DmEvalConfig *config) {
  memset(config, 0, sizeof(*config));
  config->haloes = true;
  config->n_samples = 32;
  dm_score_sampler_options_init(&config->sampler);
  dm_score_flow_options_init(&config->flow);
  config->hybrid_step_scale = 0.2;
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* The truth and its shear: the dataset's tuple `index`, with the mean of
 * the truth over the grid (its k = 0 mode, which the shear does not hold)
 * removed and kept in *mean. */
static DmDatasetTuple *make_mock(const DmEvalConfig *config, double *mean, DmError **error) {
  DmDatasetConfig dc;
  dm_dataset_config_init(&dc);
  dc.theory = config->theory;
  dc.survey = config->survey;
  dc.haloes = config->haloes;
  dc.seed = config->seed;
  DmDataset *dataset = dm_dataset_new(&dc, error);
  DmDatasetTuple *tuple = dataset ? dm_dataset_tuple(dataset, config->index, error) : NULL;
  dm_dataset_free(dataset);
  if (!tuple) return NULL;
  float *truth = dm_map_plane(tuple->kappa, 0);
  size_t npix = dm_map_plane_size(tuple->kappa);
  double sum = 0.0;
  for (size_t i = 0; i < npix; i++) sum += truth[i];
  *mean = sum / npix;
  for (size_t i = 0; i < npix; i++) truth[i] = (float)(truth[i] - *mean);
  return tuple;
}

/* The mean of k maps into mean, then r and RMSE; coverage from the samples. */
static bool score_samples(const float *truth, const float *samples, int k, const float *mask,
                          size_t npix, float *mean, DmEvalMetrics *m, DmError **error) {
  for (size_t i = 0; i < npix; i++) {
    double s = 0.0;
    for (int j = 0; j < k; j++) s += samples[(size_t)j * npix + i];
    mean[i] = (float)(s / k);
  }
  return dm_eval_compare(truth, mean, mask, npix, &m->r, &m->rmse, error) &&
         dm_eval_coverage(truth, samples, k, mask, npix, 0.68, &m->coverage68, error) &&
         dm_eval_coverage(truth, samples, k, mask, npix, 0.95, &m->coverage95, error);
}

static bool run_ks(const DmDatasetTuple *t, const float *mask, DmEvalResult *result,
                   DmError **error) {
  double start = now_seconds();
  DmEvalMetrics *m = &result->method[DM_EVAL_KS];
  bool ok = dm_eval_best_ks(dm_map_plane(t->kappa, 0), dm_map_plane(t->shear, 0),
                            dm_map_plane(t->shear, 1), mask, t->kappa->nx, t->kappa->ny, &m->r,
                            &m->rmse, &result->ks_sigma_pixels, error);
  m->coverage68 = m->coverage95 = NAN;
  m->seconds = now_seconds() - start;
  m->done = ok;
  return ok;
}

static bool run_wiener(const DmEvalConfig *config, const DmDatasetTuple *t, double pixel_arcmin,
                       float *samples, float *mean, DmEvalResult *result,
                       const DmProgress *progress, DmError **error) {
  int nx = t->kappa->nx, ny = t->kappa->ny, k = config->n_samples;
  size_t npix = dm_map_plane_size(t->kappa);
  const float *g1 = dm_map_plane(t->shear, 0), *g2 = dm_map_plane(t->shear, 1);
  double start = now_seconds();
  DmWienerOptions options;
  dm_wiener_options_init(&options);
  DmWiener *wiener = dm_wiener_new(nx, ny, pixel_arcmin, config->theory,
                                   dm_map_plane(t->noise, 0), dm_map_plane(t->noise, 1),
                                   t->mask->data, &options, error);
  bool ok = wiener != NULL;
  for (int j = 0; ok && j < k; j++) {
    ok = dm_wiener_sample(wiener, g1, g2, config->seed, (uint64_t)j, samples + (size_t)j * npix,
                          NULL, NULL, error) &&
         dm_progress_check_cancel(progress, error);
    dm_progress_report(progress, 0.5 * (j + 1.0) / k, "Wiener samples");
  }
  DmEvalMetrics *m = &result->method[DM_EVAL_WIENER];
  /* The filter itself is the exact posterior mean: r and RMSE from it. */
  ok = ok && score_samples(dm_map_plane(t->kappa, 0), samples, k, t->mask->data, npix, mean, m,
                           error) &&
       dm_wiener_filter(wiener, g1, g2, mean, NULL, NULL, error) &&
       dm_eval_compare(dm_map_plane(t->kappa, 0), mean, t->mask->data, npix, &m->r, &m->rmse,
                       error);
  dm_wiener_free(wiener);
  m->seconds = now_seconds() - start;
  m->done = ok;
  return ok;
}

static bool run_score(const DmEvalConfig *config, const DmDatasetTuple *t, DmScorePrior *prior,
                      DmScoreLikelihood *like, bool hybrid, float *samples, float *mean,
                      DmEvalResult *result, const DmProgress *progress, DmError **error) {
  size_t npix = dm_map_plane_size(t->kappa);
  int k = config->n_samples;
  DmScoreSamplerOptions options = config->sampler;
  if (hybrid) options.step_scale = config->hybrid_step_scale;
  double start = now_seconds();
  DmScoreSampler *sampler =
      dm_score_sampler_new(prior, like, hybrid ? config->residual : NULL,
                           hybrid ? config->residual_data : NULL, &options, error);
  bool ok = sampler != NULL;
  for (int first = 0; ok && first < k; first += CHAINS_PER_BATCH) {
    int count = k - first < CHAINS_PER_BATCH ? k - first : CHAINS_PER_BATCH;
    ok = dm_score_sampler_run(sampler, first, count, samples + (size_t)first * npix, NULL,
                              progress, error);
    dm_progress_report(progress, 0.5 + 0.5 * (first + count) / k, "Score samples");
  }
  dm_score_sampler_free(sampler);
  DmEvalMetrics *m = &result->method[hybrid ? DM_EVAL_SCORE_HYBRID : DM_EVAL_SCORE];
  ok = ok && score_samples(dm_map_plane(t->kappa, 0), samples, k, t->mask->data, npix, mean, m,
                           error);
  m->seconds = now_seconds() - start;
  m->done = ok;
  return ok;
}

static bool run_flow(const DmEvalConfig *config, const DmDatasetTuple *t, DmScorePrior *prior,
                     DmScoreLikelihood *like, float *samples, float *mean, DmEvalResult *result,
                     const DmProgress *progress, DmError **error) {
  size_t npix = dm_map_plane_size(t->kappa);
  int k = config->n_samples;
  DmScoreFlowOptions options = config->flow;
  options.seed = config->sampler.seed;
  double start = now_seconds();
  bool ok = true;
  for (int first = 0; ok && first < k; first += CHAINS_PER_BATCH) {
    int count = k - first < CHAINS_PER_BATCH ? k - first : CHAINS_PER_BATCH;
    ok = dm_score_flow_run(prior, like, NULL, NULL, &options, first, count,
                           samples + (size_t)first * npix, NULL, progress, error);
  }
  DmEvalMetrics *m = &result->method[DM_EVAL_SCORE_FLOW];
  ok = ok && score_samples(dm_map_plane(t->kappa, 0), samples, k, t->mask->data, npix, mean, m,
                           error);
  m->seconds = now_seconds() - start;
  m->done = ok;
  return ok;
}

/* Number and std of the masked-in truth pixels. */
static void describe_truth(const DmDatasetTuple *t, DmEvalResult *result) {
  size_t npix = dm_map_plane_size(t->kappa), n = 0;
  const float *truth = dm_map_plane(t->kappa, 0);
  double s = 0.0, s2 = 0.0;
  for (size_t i = 0; i < npix; i++)
    if (t->mask->data[i] > 0.0f) {
      s += truth[i];
      s2 += (double)truth[i] * truth[i];
      n++;
    }
  result->n_pixels = n;
  result->truth_std = n ? sqrt(fmax(0.0, s2 / n - (s / n) * (s / n))) : NAN;
  result->n_haloes = t->n_haloes;
}

bool dm_eval_mock(const DmEvalConfig *config, DmEvalResult *result, const DmProgress *progress,
                  DmError **error) {
  if (!config || !result || !config->theory || !config->survey || config->n_samples < 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock evaluation needs a theory, a survey and at least 2 samples.");
  const DmWcs *wcs = dm_mock_survey_template(config->survey)->shear->wcs;
  if (!wcs)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The survey has no WCS: its pixel scale is unknown.");
  memset(result, 0, sizeof(*result));
  double pixel_arcmin = dm_wcs_pixel_scale_deg(wcs) * 60.0;
  DmDatasetTuple *t = make_mock(config, &result->truth_mean, error);
  if (!t) return false;
  describe_truth(t, result);
  int nx = t->kappa->nx, ny = t->kappa->ny;
  size_t npix = dm_map_plane_size(t->kappa);
  float *samples = malloc((size_t)config->n_samples * npix * sizeof(float));
  float *mean = malloc(npix * sizeof(float));
  bool ok = samples && mean;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  ok = ok && run_ks(t, t->mask->data, result, error) &&
       run_wiener(config, t, pixel_arcmin, samples, mean, result, progress, error);
  DmScorePrior *prior = ok ? dm_score_prior_new(config->theory, nx, ny, pixel_arcmin, error) : NULL;
  DmScoreLikelihood *like =
      prior ? dm_score_likelihood_new(nx, ny, dm_map_plane(t->shear, 0), dm_map_plane(t->shear, 1),
                                      dm_map_plane(t->noise, 0), dm_map_plane(t->noise, 1),
                                      t->mask->data, error)
            : NULL;
  ok = like && run_score(config, t, prior, like, false, samples, mean, result, progress, error) &&
       (!config->residual ||
        run_score(config, t, prior, like, true, samples, mean, result, progress, error)) &&
       run_flow(config, t, prior, like, samples, mean, result, progress, error);
  dm_score_likelihood_free(like);
  dm_score_prior_free(prior);
  free(samples);
  free(mean);
  dm_dataset_tuple_free(t);
  return ok;
}

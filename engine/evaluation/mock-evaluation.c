/* KS, Wiener filter, score samplers and MMGAN on one mock, scored against
 * its truth (darkmap/mock-evaluation.h). */
#include "darkmap/mock-evaluation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/dataset.h"
#include "darkmap/ks.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/smooth.h"
#include "darkmap/wiener.h"
#include "reconstruct/reconstruct-private.h"

void dm_eval_config_init(DmEvalConfig *config) {
  memset(config, 0, sizeof(*config));
  config->haloes = true;
  config->n_samples = 32;
  dm_score_sampler_options_init(&config->sampler);
  dm_score_flow_options_init(&config->flow);
  config->hybrid_step_scale = 0.2;
  config->chains_per_batch = 16;
  config->baselines = DM_EVAL_ALL_BASELINES;
}

/* The shares of the whole run's progress: one per sampler that runs. */
typedef struct {
  const DmProgress *outer;  /* the caller's; may be NULL */
  int shares, done;         /* samplers in the run, and finished */
} Schedule;

/* The progress of samples first … first + count − 1 of total, the part of
 * the current sampler's share they take. */
static void schedule_segment(const Schedule *schedule, DmProgressSegment *segment,
                             const char *what, int first, int count, int total, bool gradual) {
  double share = 1.0 / schedule->shares, start = schedule->done * share;
  dm_progress_segment_init_samples(segment, schedule->outer, start + share * first / total,
                                   start + share * (first + count) / total, what, first, count,
                                   total, gradual);
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

/* The mean of the first k maps into mean. */
static void mean_of(const float *samples, int k, size_t npix, float *mean) {
  for (size_t i = 0; i < npix; i++) {
    double s = 0.0;
    for (int j = 0; j < k; j++) s += samples[(size_t)j * npix + i];
    mean[i] = (float)(s / k);
  }
}

/* r of the means of the first 1, 2, 4, … samples; then the mean of all k
 * into mean, its r and RMSE, and the coverage of the samples. */
static bool score_samples(const float *truth, const float *samples, int k, const float *mask,
                          size_t npix, float *mean, DmEvalMetrics *m, DmError **error) {
  double rmse;
  m->n_counts = 0;
  for (int count = 1; count <= k && m->n_counts < DM_EVAL_MAX_COUNTS; count *= 2) {
    mean_of(samples, count, npix, mean);
    if (!dm_eval_compare(truth, mean, mask, npix, &m->r_by_count[m->n_counts++], &rmse, error))
      return false;
  }
  mean_of(samples, k, npix, mean);
  return dm_eval_compare(truth, mean, mask, npix, &m->r, &m->rmse, error) &&
         dm_eval_coverage(truth, samples, k, mask, npix, 0.68, &m->coverage68, error) &&
         dm_eval_coverage(truth, samples, k, mask, npix, 0.95, &m->coverage95, error);
}

static bool run_ks(const DmDatasetTuple *t, const float *mask, DmEvalResult *result,
                   DmError **error) {
  double start = dm_monotonic_seconds();
  DmEvalMetrics *m = &result->method[DM_EVAL_KS];
  bool ok = dm_eval_best_ks(dm_map_plane(t->kappa, 0), dm_map_plane(t->shear, 0),
                            dm_map_plane(t->shear, 1), mask, t->kappa->nx, t->kappa->ny, &m->r,
                            &m->rmse, &result->ks_sigma_pixels, error);
  m->coverage68 = m->coverage95 = NAN;
  m->seconds = dm_monotonic_seconds() - start;
  m->done = ok;
  return ok;
}

static bool run_wiener(const DmEvalConfig *config, const DmDatasetTuple *t, double pixel_arcmin,
                       float *samples, float *mean, DmEvalResult *result, Schedule *schedule,
                       DmError **error) {
  int nx = t->kappa->nx, ny = t->kappa->ny, k = config->n_samples;
  size_t npix = dm_map_plane_size(t->kappa);
  const float *g1 = dm_map_plane(t->shear, 0), *g2 = dm_map_plane(t->shear, 1);
  double start = dm_monotonic_seconds();
  DmWienerOptions options;
  dm_wiener_options_init(&options);
  DmWiener *wiener = dm_wiener_new(nx, ny, pixel_arcmin, config->theory,
                                   dm_map_plane(t->noise, 0), dm_map_plane(t->noise, 1),
                                   t->mask->data, &options, error);
  bool ok = wiener != NULL;
  DmProgressSegment segment;
  schedule_segment(schedule, &segment, "Wiener samples", 0, k, k, true);
  for (int j = 0; ok && j < k; j++) {
    ok = dm_wiener_sample(wiener, g1, g2, config->seed, (uint64_t)j, samples + (size_t)j * npix,
                          NULL, NULL, error) &&
         dm_progress_check_cancel(&segment.progress, error);
    dm_progress_report(&segment.progress, (j + 1.0) / k, NULL);
  }
  schedule->done++;
  DmEvalMetrics *m = &result->method[DM_EVAL_WIENER];
  /* The filter itself is the exact posterior mean: r and RMSE from it. */
  ok = ok && score_samples(dm_map_plane(t->kappa, 0), samples, k, t->mask->data, npix, mean, m,
                           error) &&
       dm_wiener_filter(wiener, g1, g2, mean, NULL, NULL, error) &&
       dm_eval_compare(dm_map_plane(t->kappa, 0), mean, t->mask->data, npix, &m->r, &m->rmse,
                       error);
  dm_wiener_free(wiener);
  m->seconds = dm_monotonic_seconds() - start;
  m->done = ok;
  return ok;
}

/* The annealed HMC (hybrid: with the network residual) or the probability
 * flow of the theory prior, config->chains_per_batch chains at a time on
 * device. */
static bool run_score(const DmEvalConfig *config, const DmDatasetTuple *t, DmScoreDevice *device,
                      DmEvalMethod method, float *samples, float *mean, DmEvalResult *result,
                      Schedule *schedule, DmError **error) {
  static const char *const stages[DM_EVAL_N_METHODS] = {
      [DM_EVAL_SCORE] = "Score sampling, theory prior",
      [DM_EVAL_SCORE_FLOW] = "Probability flow, theory prior",
      [DM_EVAL_SCORE_HYBRID] = "Score sampling with the network",
  };
  size_t npix = dm_map_plane_size(t->kappa);
  int k = config->n_samples, batch = config->chains_per_batch;
  DmScoreSamplerOptions options = config->sampler;
  if (method == DM_EVAL_SCORE_HYBRID) options.step_scale = config->hybrid_step_scale;
  DmScoreFlowOptions flow = config->flow;
  flow.seed = config->sampler.seed;
  double start = dm_monotonic_seconds();
  bool ok = true;
  for (int first = 0; ok && first < k; first += batch) {
    int count = k - first < batch ? k - first : batch;
    float *out = samples + (size_t)first * npix;
    DmProgressSegment segment;
    schedule_segment(schedule, &segment, stages[method], first, count, k, false);
    ok = method == DM_EVAL_SCORE_FLOW
             ? dm_score_device_flow(device, &flow, first, count, out, NULL, &segment.progress,
                                    error)
             : dm_score_device_hmc(device, &options, first, count, out, NULL, &segment.progress,
                                   error);
  }
  schedule->done++;
  DmEvalMetrics *m = &result->method[method];
  ok = ok && score_samples(dm_map_plane(t->kappa, 0), samples, k, t->mask->data, npix, mean, m,
                           error);
  m->seconds = dm_monotonic_seconds() - start;
  m->done = ok;
  return ok;
}

/* The score samplers asked for (the theory prior's baselines, the network)
 * on config->nn (or a one-thread CPU context). */
static bool run_score_samplers(const DmEvalConfig *config, const DmDatasetTuple *t,
                               double pixel_arcmin, float *samples, float *mean,
                               DmEvalResult *result, Schedule *schedule, DmError **error) {
  int nx = t->kappa->nx, ny = t->kappa->ny;
  bool score = config->baselines & DM_EVAL_BIT(DM_EVAL_SCORE);
  bool flow = config->baselines & DM_EVAL_BIT(DM_EVAL_SCORE_FLOW);
  if (!score && !flow && !config->network) return true;
  DmNn *own = config->nn ? NULL : dm_nn_new(DM_NN_DEVICE_CPU, 1, error);
  DmNn *nn = config->nn ? config->nn : own;
  if (own) dm_nn_set_cancel(own, schedule->outer ? schedule->outer->cancel : NULL);
  DmScorePrior *prior = nn ? dm_score_prior_new(config->theory, nx, ny, pixel_arcmin, error) : NULL;
  DmScoreLikelihood *like =
      prior ? dm_score_likelihood_new(nx, ny, dm_map_plane(t->shear, 0), dm_map_plane(t->shear, 1),
                                      dm_map_plane(t->noise, 0), dm_map_plane(t->noise, 1),
                                      t->mask->data, error)
            : NULL;
  DmScoreDevice *theory =
      like && (score || flow) ? dm_score_device_new(nn, prior, like, NULL, NULL, error) : NULL;
  bool ok = like && (theory || !(score || flow)) &&
            (!score || run_score(config, t, theory, DM_EVAL_SCORE, samples, mean, result,
                                 schedule, error)) &&
            (!flow || run_score(config, t, theory, DM_EVAL_SCORE_FLOW, samples, mean, result,
                                schedule, error));
  if (ok && config->network) {
    DmScoreDevice *hybrid = dm_score_device_new(nn, prior, like, dm_score_network_tensor_residual,
                                                config->network, error);
    if (hybrid) dm_score_device_set_theory_prior(hybrid, !config->network->plain);
    ok = hybrid && run_score(config, t, hybrid, DM_EVAL_SCORE_HYBRID, samples, mean, result,
                             schedule, error);
    dm_score_device_free(hybrid);
  }
  dm_score_device_free(theory);
  dm_score_likelihood_free(like);
  dm_score_prior_free(prior);
  dm_nn_free(own);
  return ok;
}

static bool run_mmgan(const DmEvalConfig *config, const DmDatasetTuple *t, float *samples,
                      float *mean, DmEvalResult *result, Schedule *schedule, DmError **error) {
  size_t npix = dm_map_plane_size(t->kappa);
  int k = config->n_samples;
  double start = dm_monotonic_seconds();
  DmProgressSegment segment;
  schedule_segment(schedule, &segment, "MMGAN sampling", 0, k, k, true);
  bool ok = dm_mmgan_sample(config->mmgan, dm_map_plane(t->shear, 0), dm_map_plane(t->shear, 1),
                            t->mask->data, k, config->chains_per_batch, config->sampler.seed,
                            samples, &segment.progress, error);
  schedule->done++;
  DmEvalMetrics *m = &result->method[DM_EVAL_MMGAN];
  ok = ok && score_samples(dm_map_plane(t->kappa, 0), samples, k, t->mask->data, npix, mean, m,
                           error);
  m->seconds = dm_monotonic_seconds() - start;
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
  if (!config || !result || !config->theory || !config->survey || config->n_samples < 2 ||
      config->chains_per_batch < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock evaluation needs a theory, a survey, at least 2 samples and "
                        "at least 1 chain per batch.");
  if (config->network && config->network->nn != config->nn)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The score network must run on the samplers' context.");
  const DmWcs *wcs = dm_mock_survey_template(config->survey)->shear->wcs;
  if (!wcs)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The survey has no WCS: its pixel scale is unknown.");
  memset(result, 0, sizeof(*result));
  double pixel_arcmin = dm_wcs_pixel_scale_deg(wcs) * 60.0;
  const DmMap *grid = dm_mock_survey_template(config->survey)->shear;
  if (config->mmgan &&
      (config->mmgan->config.nx != grid->nx || config->mmgan->config.ny != grid->ny ||
       fabs(config->mmgan->config.pixel_arcmin - pixel_arcmin) > 1e-3 * pixel_arcmin))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The MMGAN model was trained on %d x %d pixels of %.4g', the survey has "
                        "%d x %d of %.4g'.",
                        config->mmgan->config.nx, config->mmgan->config.ny,
                        config->mmgan->config.pixel_arcmin, grid->nx, grid->ny, pixel_arcmin);
  DmDatasetTuple *t = make_mock(config, &result->truth_mean, error);
  if (!t) return false;
  describe_truth(t, result);
  size_t npix = dm_map_plane_size(t->kappa);
  float *samples = malloc((size_t)config->n_samples * npix * sizeof(float));
  float *mean = malloc(npix * sizeof(float));
  bool ok = samples && mean;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  unsigned run = config->baselines;
  Schedule schedule = {progress, 0, 0};
  for (int m = DM_EVAL_WIENER; m < DM_EVAL_N_METHODS; m++)
    schedule.shares += (m == DM_EVAL_SCORE_HYBRID) ? config->network != NULL
                       : (m == DM_EVAL_MMGAN)      ? config->mmgan != NULL
                                                   : (run & DM_EVAL_BIT(m)) != 0;
  ok = ok && (!(run & DM_EVAL_BIT(DM_EVAL_KS)) || run_ks(t, t->mask->data, result, error)) &&
       dm_progress_check_cancel(progress, error) &&
       (!(run & DM_EVAL_BIT(DM_EVAL_WIENER)) ||
        run_wiener(config, t, pixel_arcmin, samples, mean, result, &schedule, error));
  ok = ok &&
       run_score_samplers(config, t, pixel_arcmin, samples, mean, result, &schedule, error) &&
       (!config->mmgan || run_mmgan(config, t, samples, mean, result, &schedule, error));
  free(samples);
  free(mean);
  dm_dataset_tuple_free(t);
  return ok;
}

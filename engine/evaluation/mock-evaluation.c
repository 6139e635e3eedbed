/* KS, Wiener filter, score samplers and MMGAN on one mock or several,
 * scored against their truth, and the scores' mean and scatter over the
 * mocks (darkmap/mock-evaluation.h). */
#include "darkmap/mock-evaluation.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/calibration.h"
#include "darkmap/dataset.h"
#include "darkmap/ks.h"
#include "darkmap/map-tiles.h"
#include "darkmap/memory-budget.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/smooth.h"
#include "darkmap/wiener.h"
#include "evaluation/evaluation-private.h"
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
  config->n_mocks = 1;
  config->aperture_arcmin = 2.0;
  config->tarp_tile = 8;
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

/* The truth and its shear: the dataset's tuple `index` (with tile `index`
 * of truths as its truth when given), with the mean of the truth over the
 * grid (its k = 0 mode, which the shear does not hold) removed and kept in
 * *mean. */
static DmDatasetTuple *make_mock(const DmEvalConfig *config, const DmMapTiles *truths,
                                 uint64_t index, double *mean, DmError **error) {
  DmDatasetConfig dc;
  dm_dataset_config_init(&dc);
  dc.theory = config->theory;
  dc.survey = config->survey;
  dc.haloes = config->haloes;
  dc.halo_options.concentration_scatter = config->halo_concentration_scatter;
  dc.halo_options.elliptical = config->halo_elliptical;
  dc.seed = config->seed;
  DmDataset *dataset = dm_dataset_new(&dc, error);
  DmDatasetTuple *tuple = NULL;
  if (dataset && truths) {
    size_t side = (size_t)dm_map_tiles_size(truths);
    tuple = dm_dataset_tuple_with_kappa(
        dataset, dm_map_tiles_data(truths) + (size_t)index * side * side, index, error);
  } else if (dataset) {
    tuple = dm_dataset_tuple(dataset, index, error);
  }
  dm_dataset_free(dataset);
  if (!tuple) return NULL;
  float *truth = dm_map_plane(tuple->kappa, 0);
  *mean = dm_plane_remove_mean(truth, truth, dm_map_plane_size(tuple->kappa));
  return tuple;
}

/* TARP's Philox key on the mock of index: the seed and index mixed
 * (splitmix64's finaliser), apart from the seed the samplers key on. */
static uint64_t tarp_seed(uint64_t seed, uint64_t index) {
  uint64_t x = (seed ^ 0x5441525052454653ull) + 0x9E3779B97F4A7C15ull * (index + 1);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* One mock being scored: its truth (less its grid mean), mask and grid, and
 * the radius of its apertures and the key of TARP's references on it. */
typedef struct {
  const DmEvalConfig *config;
  const DmDatasetTuple *tuple;
  const float *truth, *mask;  /* ny × nx */
  int nx, ny;
  size_t npix;
  double aperture_pixels;
  uint64_t tarp_seed;
  DmEvalResult *result;       /* this mock's scores */
} Mock;

/* The mean of the first k maps into mean. */
static void mean_of(const float *samples, int k, size_t npix, float *mean) {
  for (size_t i = 0; i < npix; i++) {
    double s = 0.0;
    for (int j = 0; j < k; j++) s += samples[(size_t)j * npix + i];
    mean[i] = (float)(s / k);
  }
}

/* A diagnostic's failure for want of room (DM_ERROR_NO_DATA: no disc or
 * tile inside the mask) leaves its values NaN: true; any other moves from
 * *local into error. */
static bool unless_no_room(DmError **local, DmError **error) {
  if ((*local)->code == DM_ERROR_NO_DATA) {
    dm_error_clear(local);
    return true;
  }
  dm_error_propagate(error, *local);
  *local = NULL;
  return false;
}

/* The coverage of the samples' aperture means (NaN for apertures under half
 * a pixel or without room). */
static bool score_apertures(const Mock *mock, const float *samples, DmEvalMetrics *m,
                            DmError **error) {
  m->aperture68 = m->aperture95 = NAN;
  if (mock->aperture_pixels < 0.5) return true;
  int k = mock->config->n_samples;
  DmError *local = NULL;
  bool ok = dm_eval_aperture_coverage(mock->truth, samples, k, mock->mask, mock->nx, mock->ny,
                                      mock->aperture_pixels, 0.68, &m->aperture68,
                                      &mock->result->n_apertures, &local) &&
            dm_eval_aperture_coverage(mock->truth, samples, k, mock->mask, mock->nx, mock->ny,
                                      mock->aperture_pixels, 0.95, &m->aperture95,
                                      &mock->result->n_apertures, &local);
  return ok || unless_no_room(&local, error);
}

/* TARP's ECP curve and its largest distance to the diagonal (NaN without
 * room for a tile). */
static bool score_tarp(const Mock *mock, const float *samples, DmEvalMetrics *m,
                       DmError **error) {
  m->tarp_error = NAN;
  for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++) m->tarp_ecp[i] = NAN;
  DmError *local = NULL;
  if (!dm_eval_tarp(mock->truth, samples, mock->config->n_samples, mock->mask, mock->nx,
                    mock->ny, mock->config->tarp_tile, mock->tarp_seed, m->tarp_ecp,
                    &mock->result->n_tarp_tiles, &local))
    return unless_no_room(&local, error);
  m->tarp_error = 0.0;
  for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++)
    m->tarp_error = fmax(m->tarp_error, fabs(m->tarp_ecp[i] - dm_eval_tarp_alpha(i)));
  return true;
}

/* The coverage after the samples' spread is scaled by the method's
 * calibration factor (NaN without one). */
static bool score_calibrated(const Mock *mock, DmEvalMethod method, const float *samples,
                             DmEvalMetrics *m, DmError **error) {
  double factor = mock->config->calibration[method];
  int k = mock->config->n_samples;
  m->coverage68_calibrated = m->coverage95_calibrated = NAN;
  return !(factor > 0.0) ||
         (dm_calibrated_coverage(mock->truth, samples, k, mock->mask, mock->npix, 0.68, factor,
                                 &m->coverage68_calibrated, error) &&
          dm_calibrated_coverage(mock->truth, samples, k, mock->mask, mock->npix, 0.95, factor,
                                 &m->coverage95_calibrated, error));
}

/* The samples of a sampler: given to on_samples, then r of the means of the
 * first 1, 2, 4, … samples; the mean of all k into mean, its r, RMSE and
 * bias; the coverage of the samples, calibrated, of aperture means and
 * TARP's. */
static bool score_samples(const Mock *mock, DmEvalMethod method, const float *samples,
                          float *mean, DmError **error) {
  const DmEvalConfig *c = mock->config;
  const float *truth = mock->truth, *mask = mock->mask;
  size_t npix = mock->npix;
  int k = c->n_samples;
  DmEvalMetrics *m = &mock->result->method[method];
  if (c->on_samples && !c->on_samples(c->hook_data, method, truth, samples, k, mask, npix, error)) {
    if (error && !*error)
      dm_error_set(error, DM_ERROR_FAILED, 0, "The samples hook failed without a reason.");
    return false;
  }
  double rmse;
  m->n_counts = 0;
  for (int count = 1; count <= k && m->n_counts < DM_EVAL_MAX_COUNTS; count *= 2) {
    mean_of(samples, count, npix, mean);
    if (!dm_eval_compare(truth, mean, mask, npix, &m->r_by_count[m->n_counts++], &rmse, error))
      return false;
  }
  mean_of(samples, k, npix, mean);
  return dm_eval_compare(truth, mean, mask, npix, &m->r, &m->rmse, error) &&
         dm_eval_bias(truth, mean, mask, npix, &m->bias, error) &&
         dm_eval_coverage(truth, samples, k, mask, npix, 0.68, &m->coverage68, error) &&
         dm_eval_coverage(truth, samples, k, mask, npix, 0.95, &m->coverage95, error) &&
         score_calibrated(mock, method, samples, m, error) &&
         score_apertures(mock, samples, m, error) && score_tarp(mock, samples, m, error);
}

/* The best-smoothed KS map (into map): r, RMSE, bias; no intervals. */
static bool run_ks(const Mock *mock, float *map, DmError **error) {
  const DmDatasetTuple *t = mock->tuple;
  double start = dm_monotonic_seconds();
  DmEvalMetrics *m = &mock->result->method[DM_EVAL_KS];
  bool ok = dm_eval_best_ks_map(mock->truth, dm_map_plane(t->shear, 0), dm_map_plane(t->shear, 1),
                                mock->mask, mock->nx, mock->ny, map, &m->r, &m->rmse,
                                &mock->result->ks_sigma_pixels, error) &&
            dm_eval_bias(mock->truth, map, mock->mask, mock->npix, &m->bias, error);
  m->coverage68 = m->coverage95 = NAN;
  m->coverage68_calibrated = m->coverage95_calibrated = NAN;
  m->aperture68 = m->aperture95 = m->tarp_error = NAN;
  for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++) m->tarp_ecp[i] = NAN;
  m->seconds = dm_monotonic_seconds() - start;
  m->done = ok;
  return ok;
}

static bool run_wiener(const Mock *mock, double pixel_arcmin, float *samples, float *mean,
                       Schedule *schedule, DmError **error) {
  const DmEvalConfig *config = mock->config;
  const DmDatasetTuple *t = mock->tuple;
  int nx = mock->nx, ny = mock->ny, k = config->n_samples;
  size_t npix = mock->npix;
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
  DmEvalMetrics *m = &mock->result->method[DM_EVAL_WIENER];
  /* The filter itself is the exact posterior mean: r, RMSE and bias from it. */
  ok = ok && score_samples(mock, DM_EVAL_WIENER, samples, mean, error) &&
       dm_wiener_filter(wiener, g1, g2, mean, NULL, NULL, error) &&
       dm_eval_compare(mock->truth, mean, mock->mask, npix, &m->r, &m->rmse, error) &&
       dm_eval_bias(mock->truth, mean, mock->mask, npix, &m->bias, error);
  dm_wiener_free(wiener);
  m->seconds = dm_monotonic_seconds() - start;
  m->done = ok;
  return ok;
}

/* The annealed HMC (hybrid: with the network residual) or the probability
 * flow of the theory prior, config->chains_per_batch chains at a time on
 * device. */
static bool run_score(const Mock *mock, DmScoreDevice *device, DmEvalMethod method,
                      float *samples, float *mean, Schedule *schedule, DmError **error) {
  static const char *const stages[DM_EVAL_N_METHODS] = {
      [DM_EVAL_SCORE] = "Score sampling, theory prior",
      [DM_EVAL_SCORE_FLOW] = "Probability flow, theory prior",
      [DM_EVAL_SCORE_HYBRID] = "Score sampling with the network",
  };
  const DmEvalConfig *config = mock->config;
  size_t npix = mock->npix;
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
  DmEvalMetrics *m = &mock->result->method[method];
  ok = ok && score_samples(mock, method, samples, mean, error);
  m->seconds = dm_monotonic_seconds() - start;
  m->done = ok;
  return ok;
}

/* The score samplers asked for (the theory prior's baselines, the network)
 * on config->nn (or a one-thread CPU context). */
static bool run_score_samplers(const Mock *mock, double pixel_arcmin, float *samples,
                               float *mean, Schedule *schedule, DmError **error) {
  const DmEvalConfig *config = mock->config;
  const DmDatasetTuple *t = mock->tuple;
  int nx = mock->nx, ny = mock->ny;
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
            (!score || run_score(mock, theory, DM_EVAL_SCORE, samples, mean, schedule, error)) &&
            (!flow || run_score(mock, theory, DM_EVAL_SCORE_FLOW, samples, mean, schedule, error));
  if (ok && config->network) {
    DmScoreDevice *hybrid = dm_score_device_new(nn, prior, like, dm_score_network_tensor_residual,
                                                config->network, error);
    if (hybrid) dm_score_device_set_theory_prior(hybrid, !config->network->plain);
    ok = hybrid &&
         run_score(mock, hybrid, DM_EVAL_SCORE_HYBRID, samples, mean, schedule, error);
    dm_score_device_free(hybrid);
  }
  dm_score_device_free(theory);
  dm_score_likelihood_free(like);
  dm_score_prior_free(prior);
  dm_nn_free(own);
  return ok;
}

static bool run_mmgan(const Mock *mock, float *samples, float *mean, Schedule *schedule,
                      DmError **error) {
  const DmEvalConfig *config = mock->config;
  const DmDatasetTuple *t = mock->tuple;
  int k = config->n_samples;
  double start = dm_monotonic_seconds();
  DmProgressSegment segment;
  schedule_segment(schedule, &segment, "MMGAN sampling", 0, k, k, true);
  bool ok = dm_mmgan_sample(config->mmgan, dm_map_plane(t->shear, 0), dm_map_plane(t->shear, 1),
                            t->mask->data, k, config->chains_per_batch, config->sampler.seed,
                            samples, &segment.progress, error);
  schedule->done++;
  DmEvalMetrics *m = &mock->result->method[DM_EVAL_MMGAN];
  ok = ok && score_samples(mock, DM_EVAL_MMGAN, samples, mean, error);
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

/* The mock of index scored into one (zeroed by the caller). */
static bool score_mock(const DmEvalConfig *config, const DmMapTiles *truths, uint64_t index,
                       double pixel_arcmin, float *samples, float *mean, Schedule *schedule,
                       DmEvalResult *one, DmError **error) {
  DmDatasetTuple *t = make_mock(config, truths, index, &one->truth_mean, error);
  if (!t) return false;
  describe_truth(t, one);
  Mock mock = {config,
               t,
               dm_map_plane(t->kappa, 0),
               t->mask->data,
               t->kappa->nx,
               t->kappa->ny,
               dm_map_plane_size(t->kappa),
               config->aperture_arcmin / pixel_arcmin,
               tarp_seed(config->seed, index),
               one};
  unsigned run = config->baselines;
  bool ok = (!(run & DM_EVAL_BIT(DM_EVAL_KS)) || run_ks(&mock, mean, error)) &&
            dm_progress_check_cancel(schedule->outer, error) &&
            (!(run & DM_EVAL_BIT(DM_EVAL_WIENER)) ||
             run_wiener(&mock, pixel_arcmin, samples, mean, schedule, error)) &&
            run_score_samplers(&mock, pixel_arcmin, samples, mean, schedule, error) &&
            (!config->mmgan || run_mmgan(&mock, samples, mean, schedule, error));
  dm_dataset_tuple_free(t);
  return ok;
}

/* The averaged scalars of a row (its arrays tarp_ecp and r_by_count too). */
static const size_t row_scalars[] = {
    offsetof(DmEvalMetrics, r),          offsetof(DmEvalMetrics, rmse),
    offsetof(DmEvalMetrics, bias),       offsetof(DmEvalMetrics, coverage68),
    offsetof(DmEvalMetrics, coverage95), offsetof(DmEvalMetrics, coverage68_calibrated),
    offsetof(DmEvalMetrics, coverage95_calibrated), offsetof(DmEvalMetrics, aperture68),
    offsetof(DmEvalMetrics, aperture95), offsetof(DmEvalMetrics, tarp_error),
    offsetof(DmEvalMetrics, seconds),
};

static double *row_value(DmEvalMetrics *row, size_t offset) {
  return (double *)((char *)row + offset);
}

/* The value at offset of method's rows over n mocks: its mean into result's
 * row, its sample std (n − 1; 0 for one mock) into result's scatter. */
static void summarise_value(DmEvalResult *mocks, int n, int method, size_t offset,
                            DmEvalResult *result) {
  double sum = 0.0, squares = 0.0;
  for (int i = 0; i < n; i++) sum += *row_value(&mocks[i].method[method], offset);
  double mean = sum / n;
  for (int i = 0; i < n; i++) {
    double d = *row_value(&mocks[i].method[method], offset) - mean;
    squares += d * d;
  }
  *row_value(&result->method[method], offset) = mean;
  *row_value(&result->scatter[method], offset) = sqrt(squares / (n > 1 ? n - 1 : 1));
}

/* The scores of n mocks into result: each metric's mean and scatter; the
 * truth's description averaged; the first mock's KS smoothing and counts. */
static void summarise(DmEvalResult *mocks, int n, DmEvalResult *result) {
  *result = mocks[0];
  result->n_mocks = n;
  double haloes = 0.0, truth_std = 0.0, truth_mean = 0.0;
  for (int i = 0; i < n; i++) {
    haloes += mocks[i].n_haloes;
    truth_std += mocks[i].truth_std;
    truth_mean += mocks[i].truth_mean;
  }
  result->n_haloes = lround(haloes / n);
  result->truth_std = truth_std / n;
  result->truth_mean = truth_mean / n;
  for (int m = 0; m < DM_EVAL_N_METHODS; m++) {
    if (!result->method[m].done) continue;
    result->scatter[m].done = true;
    result->scatter[m].n_counts = result->method[m].n_counts;
    for (size_t v = 0; v < sizeof row_scalars / sizeof row_scalars[0]; v++)
      summarise_value(mocks, n, m, row_scalars[v], result);
    for (int i = 0; i < DM_EVAL_TARP_LEVELS; i++)
      summarise_value(mocks, n, m, offsetof(DmEvalMetrics, tarp_ecp) + i * sizeof(double),
                      result);
    for (int i = 0; i < DM_EVAL_MAX_COUNTS; i++)
      summarise_value(mocks, n, m, offsetof(DmEvalMetrics, r_by_count) + i * sizeof(double),
                      result);
  }
}

/* Whether the calibration factors are all 0 or positive and finite. */
static bool calibration_valid(const DmEvalConfig *config) {
  for (int m = 0; m < DM_EVAL_N_METHODS; m++)
    if (!(config->calibration[m] >= 0.0 && isfinite(config->calibration[m]))) return false;
  return true;
}

bool dm_eval_mock(const DmEvalConfig *config, DmEvalResult *result, const DmProgress *progress,
                  DmError **error) {
  if (!config || !result || !config->theory || !config->survey || config->n_samples < 2 ||
      config->chains_per_batch < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock evaluation needs a theory, a survey, at least 2 samples and "
                        "at least 1 chain per batch.");
  if (config->n_mocks < 1 || !(config->aperture_arcmin > 0.0) || config->tarp_tile < 1 ||
      !calibration_valid(config))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock evaluation needs at least 1 mock, a positive aperture radius, "
                        "a TARP tile of at least 1 pixel and calibration factors that are 0 "
                        "or positive.");
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
  if (config->truths_path && config->index > (uint64_t)(INT_MAX - config->n_mocks))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Mock %llu has no truth among a file's maps.",
                        (unsigned long long)config->index);
  if (config->truths_path && grid->nx != grid->ny)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Truths from a file are cut into square tiles: the survey's grid of %d "
                        "x %d pixels is not square.",
                        grid->nx, grid->ny);
  size_t npix = (size_t)grid->nx * (size_t)grid->ny;
  if (!dm_memory_check(error, ((double)config->n_samples + 1.0) * (double)npix * sizeof(float),
                       "A mock evaluation with %d samples of %d × %d pixels", config->n_samples,
                       grid->nx, grid->ny))
    return false;
  DmMapTiles *truths = NULL;
  if (config->truths_path &&
      !(truths = dm_map_tiles_read_grid(config->truths_path, grid->nx,
                                            (int)config->index + config->n_mocks, pixel_arcmin,
                                            "the mocks' truths", NULL, error)))
    return false;
  float *samples = malloc((size_t)config->n_samples * npix * sizeof(float));
  float *mean = malloc(npix * sizeof(float));
  DmEvalResult *mocks = calloc((size_t)config->n_mocks, sizeof(DmEvalResult));
  bool ok = samples && mean && mocks;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  unsigned run = config->baselines;
  Schedule schedule = {progress, 0, 0};
  for (int m = DM_EVAL_WIENER; m < DM_EVAL_N_METHODS; m++)
    schedule.shares += (m == DM_EVAL_SCORE_HYBRID) ? config->network != NULL
                       : (m == DM_EVAL_MMGAN)      ? config->mmgan != NULL
                                                   : (run & DM_EVAL_BIT(m)) != 0;
  schedule.shares *= config->n_mocks;
  for (int i = 0; ok && i < config->n_mocks; i++)
    ok = score_mock(config, truths, config->index + (uint64_t)i, pixel_arcmin, samples, mean,
                    &schedule, &mocks[i], error);
  if (ok) summarise(mocks, config->n_mocks, result);
  dm_map_tiles_free(truths);
  free(samples);
  free(mean);
  free(mocks);
  return ok;
}

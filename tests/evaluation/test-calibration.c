/* Calibrated credible intervals (darkmap/calibration.h,
 * darkmap/model-calibration.h):
 *  - the exact Gaussian case: Wiener constrained realisations of Gaussian
 *    truths (the same C_ell as the filter's prior, periodic, the survey's
 *    noise) are the exact posterior, so their split-conformal factor is ≈ 1
 *    at 68 and 95 %, with 256 samples and with 32 (the std of k samples
 *    scatters: mean ± z s covers a fresh draw as Student's t with k − 1
 *    degrees of freedom scaled by sqrt(1 + 1/k) does, a factor of 1.02 at
 *    32 samples); samples whose spread is halved need exactly twice the
 *    factor;
 *  - the conformal rank on known scores, and its refusals;
 *  - a model's calibration stored in its weights file: read back equal, the
 *    tensors unchanged (the same samples bit for bit), hostile values
 *    refused;
 *  - applied when the model samples through dm_reconstruct: mean
 *    unchanged, samples = mean + c (raw − mean), STD = c STDRAW, the header
 *    says so, the posterior file round-trips STDRAW, and --uncalibrated
 *    gives the raw samples;
 *  - a score network's calibration ("score-hmc") is applied to its HMC
 *    samples and not to the probability flow's, for which it was not fitted;
 *  - dm_calibrate_model on a tiny generator: its factor is the conformal
 *    quantile of the scores of the same samples taken by hand, stored with
 *    its card; a cancelled fit leaves the file untouched. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "darkmap/calibration.h"
#include "darkmap/dataset.h"
#include "darkmap/mmgan.h"
#include "darkmap/model-calibration.h"
#include "darkmap/model-card.h"
#include "darkmap/reconstruct.h"
#include "darkmap/score-network.h"
#include "darkmap/wiener.h"
#include "../mmgan/mmgan-test-util.h"
#include "test-util.h"

#define SIZE 32
#define PIXEL_ARCMIN 3.2

/* ---- The exact Gaussian case ------------------------------------------------ */

#define GAUSS_MOCKS 6
#define GAUSS_SAMPLES 256

static void check_gaussian_case(const DmTheorySpectrum *theory, const DmCatalog *catalog) {
  DmError *error = NULL;
  DmGridSpec grid;
  dm_grid_spec_init(&grid);
  grid.nx = grid.ny = SIZE;
  grid.pixel_arcmin = PIXEL_ARCMIN;
  DmMockSurvey *survey = dm_mock_survey_new_rotated(catalog, &grid, &error);
  CHECK_OK(survey != NULL, error);
  if (!survey) return;
  DmDatasetConfig dc;
  dm_dataset_config_init(&dc);
  dc.theory = theory;
  dc.survey = survey;
  dc.field = DM_FIELD_GAUSSIAN;
  dc.seed = 5;
  DmDataset *dataset = dm_dataset_new(&dc, &error);
  CHECK_OK(dataset != NULL, error);
  size_t npix = (size_t)SIZE * SIZE;
  float *samples = malloc(GAUSS_SAMPLES * npix * sizeof(float));
  double *scores[2] = {malloc(GAUSS_MOCKS * npix * sizeof(double)),
                       malloc(GAUSS_MOCKS * npix * sizeof(double))};
  double *halved = malloc(GAUSS_MOCKS * npix * sizeof(double));
  double *few = malloc(GAUSS_MOCKS * npix * sizeof(double));
  const double levels[2] = {0.68, 0.95};
  size_t n[2] = {0, 0}, n_halved = 0, n_few = 0;
  for (int mock = 0; dataset && mock < GAUSS_MOCKS; mock++) {
    DmDatasetTuple *t = dm_dataset_tuple(dataset, (uint64_t)mock, &error);
    CHECK_OK(t != NULL, error);
    if (!t) break;
    float *truth = dm_map_plane(t->kappa, 0);
    dm_plane_remove_mean(truth, truth, npix);
    DmWienerOptions options;
    dm_wiener_options_init(&options);
    DmWiener *wiener = dm_wiener_new(SIZE, SIZE, PIXEL_ARCMIN, theory, dm_map_plane(t->noise, 0),
                                     dm_map_plane(t->noise, 1), t->mask->data, &options, &error);
    CHECK_OK(wiener != NULL, error);
    for (int j = 0; wiener && j < GAUSS_SAMPLES; j++)
      CHECK_OK(dm_wiener_sample(wiener, dm_map_plane(t->shear, 0), dm_map_plane(t->shear, 1), 9,
                                (uint64_t)(mock * GAUSS_SAMPLES + j), samples + j * npix, NULL,
                                NULL, &error),
               error);
    for (int l = 0; l < 2; l++) {
      size_t added = 0;
      CHECK_OK(dm_conformity_scores(truth, samples, GAUSS_SAMPLES, t->mask->data, npix,
                                    levels[l], scores[l] + n[l], &added, &error),
               error);
      n[l] += added;
    }
    /* The first 32 samples alone. */
    size_t counted = 0;
    CHECK_OK(dm_conformity_scores(truth, samples, 32, t->mask->data, npix, 0.68, few + n_few,
                                  &counted, &error),
             error);
    n_few += counted;
    /* The same samples with half their spread. */
    dm_calibration_apply(samples, GAUSS_SAMPLES, npix, 0.5);
    size_t added = 0;
    CHECK_OK(dm_conformity_scores(truth, samples, GAUSS_SAMPLES, t->mask->data, npix, 0.68,
                                  halved + n_halved, &added, &error),
             error);
    n_halved += added;
    dm_wiener_free(wiener);
    dm_dataset_tuple_free(t);
  }
  double factor[2] = {NAN, NAN}, factor_halved = NAN, factor_few = NAN;
  CHECK_OK(dm_conformal_factor(few, n_few, 0.68, &factor_few, &error), error);
  for (int l = 0; l < 2; l++)
    CHECK_OK(dm_conformal_factor(scores[l], n[l], levels[l], &factor[l], &error), error);
  CHECK_OK(dm_conformal_factor(halved, n_halved, 0.68, &factor_halved, &error), error);
  printf("exact Gaussian posterior, %d mocks x %d samples, %zu pixels: factor %.3f at 68 %%, "
         "%.3f at 95 %%; 32 samples: %.3f at 68 %%; spread halved: %.3f\n",
         GAUSS_MOCKS, GAUSS_SAMPLES, n[0], factor[0], factor[1], factor_few, factor_halved);
  CHECK(n[0] > 2000);
  /* The tolerance: the pixels' errors are correlated over a few pixels, so
   * a few hundred independent ones, whose 68 % quantile scatters by about
   * 0.03 in the factor; 0.08 is over twice that. */
  CHECK(fabs(factor[0] - 1.0) < 0.08 && fabs(factor[1] - 1.0) < 0.08 &&
        fabs(factor_few - 1.02) < 0.08);
  /* Halving the spread halves every score's denominator: twice the factor,
   * up to the float rounding of the scaled samples. */
  CHECK(fabs(factor_halved / factor[0] - 2.0) < 1e-4);
  free(samples);
  free(scores[0]);
  free(scores[1]);
  free(halved);
  free(few);
  dm_dataset_free(dataset);
  dm_mock_survey_free(survey);
}

/* ---- The conformal rank ------------------------------------------------------ */

static void check_conformal_rank(void) {
  DmError *error = NULL;
  /* Scores 1 … 9 in some order: ceil(10 × 0.68) = 7th smallest. */
  double scores[9] = {9, 3, 7, 1, 5, 2, 8, 4, 6}, factor = 0.0;
  CHECK_OK(dm_conformal_factor(scores, 9, 0.68, &factor, &error), error);
  CHECK(factor == 7.0);
  /* ceil(10 × 0.95) = 10 > 9 scores: no such rank. */
  CHECK_FAILS(dm_conformal_factor(scores, 9, 0.95, &factor, &error), error, DM_ERROR_NO_DATA);
  double infinite[3] = {1.0, INFINITY, INFINITY};
  CHECK_FAILS(dm_conformal_factor(infinite, 3, 0.5, &factor, &error), error, DM_ERROR_NO_DATA);
  CHECK_FAILS(dm_conformal_factor(scores, 9, 1.0, &factor, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  /* One pixel, samples 0 … 4: mean 2, std sqrt(10 / 4); the 50 % error bar
   * 2 ± 0.6745 std; a truth at 3.5 needs it scaled by 1.5 / (0.6745 std),
   * a truth at 2 by 0. */
  float samples[5] = {0, 1, 2, 3, 4}, mask = 1.0f, truth = 3.5f, centre = 2.0f;
  double s = 0.0, coverage = 0.0, expected = 1.5 / (0.6744897501960817 * sqrt(2.5));
  size_t n = 0;
  CHECK_OK(dm_conformity_scores(&truth, samples, 5, &mask, 1, 0.5, &s, &n, &error), error);
  CHECK(n == 1 && fabs(s - expected) < 1e-12);
  CHECK_OK(dm_conformity_scores(&centre, samples, 5, &mask, 1, 0.5, &s, &n, &error), error);
  CHECK(s == 0.0);
  CHECK_OK(dm_calibrated_coverage(&truth, samples, 5, &mask, 1, 0.5, expected * 0.999,
                                  &coverage, &error),
           error);
  CHECK(coverage == 0.0);
  CHECK_OK(dm_calibrated_coverage(&truth, samples, 5, &mask, 1, 0.5, expected * 1.001,
                                  &coverage, &error),
           error);
  CHECK(coverage == 1.0);
  CHECK_FAILS(dm_conformity_scores(&truth, samples, 1, &mask, 1, 0.5, &s, &n, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
}

/* ---- A model's calibration: stored, read, applied ---------------------------- */

static DmCalibration example_calibration(void) {
  DmCalibration c = {.present = true, .sampler = "mmgan", .level = 0.68, .factor = 0.875,
                     .factor95 = 1.25, .n_mocks = 3, .n_samples = 8, .seed = 77,
                     .n_pixels = 1234, .nx = SIZE, .ny = SIZE, .pixel_arcmin = PIXEL_ARCMIN};
  return c;
}

/* A copy of the model file at path with one metadata value replaced. */
static void check_hostile_value(const char *path, const char *key, const char *value) {
  DmError *error = NULL;
  DmSafetensors *st = dm_safetensors_read(path, &error);
  CHECK_OK(st != NULL, error);
  if (!st) return;
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  for (int i = 0; i < dm_safetensors_metadata_count(st); i++) {
    const char *k = dm_safetensors_metadata_key(st, i);
    dm_safetensors_writer_add_metadata(w, k, strcmp(k, key) == 0 ? value
                                                                 : dm_safetensors_metadata(st, k),
                                       NULL);
  }
  for (int i = 0; i < dm_safetensors_count(st); i++) {
    const DmStTensorInfo *info = dm_safetensors_info(st, i);
    dm_safetensors_writer_add(w, info->name, info->dtype, info->ndim, info->shape,
                              dm_safetensors_data(st, info), NULL);
  }
  char hostile[4096];
  snprintf(hostile, sizeof hostile, "%s", dm_test_tmp_path("hostile.safetensors"));
  CHECK_OK(dm_safetensors_writer_write(w, hostile, &error), error);
  dm_safetensors_writer_free(w);
  dm_safetensors_free(st);
  DmModelInfo info;
  CHECK_FAILS(dm_model_info_read(hostile, &info, &error), error, DM_ERROR_FORMAT);
  unlink(hostile);
}

/* MMGAN posterior of binned through dm_reconstruct. */
static DmReconstruction *sample(const DmBinnedShear *binned, const char *path, bool raw) {
  DmError *error = NULL;
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_MMGAN);
  r.model_path = path;
  r.device = "cpu";
  r.threads = 1;
  r.n_samples = 6;
  r.seed = 4;
  r.uncalibrated = raw;
  DmReconstruction *result = dm_reconstruct(binned, &r, NULL, &error);
  CHECK_OK(result != NULL, error);
  return result;
}

static void check_stored_and_applied(const DmCatalog *catalog, DmNn *nn) {
  DmError *error = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("calibrated.safetensors"));
  if (!dm_test_save_tiny_mmgan(nn, SIZE, SIZE, PIXEL_ARCMIN, 3, path)) return;
  DmGridSpec grid;
  dm_grid_spec_init(&grid);
  grid.nx = grid.ny = SIZE;
  grid.pixel_arcmin = PIXEL_ARCMIN;
  DmBinnedShear *binned = dm_bin_catalog(catalog, &grid, NULL, &error);
  CHECK_OK(binned != NULL, error);
  if (!binned) return;
  DmReconstruction *before = sample(binned, path, false);
  DmModelInfo info;
  CHECK_OK(dm_model_info_read(path, &info, &error), error);
  CHECK(!info.calibration.present);

  DmCalibration c = example_calibration();
  CHECK_OK(dm_calibration_store(path, &c, &error), error);
  CHECK_OK(dm_model_info_read(path, &info, &error), error);
  const DmCalibration *got = &info.calibration;
  CHECK(got->present && strcmp(got->sampler, "mmgan") == 0 && got->level == 0.68 &&
        got->factor == 0.875 && got->factor95 == 1.25 && got->n_mocks == 3 &&
        got->n_samples == 8 && got->seed == 77 && got->n_pixels == 1234 && got->nx == SIZE &&
        got->ny == SIZE && got->pixel_arcmin == PIXEL_ARCMIN);

  DmReconstruction *raw = sample(binned, path, true);
  DmReconstruction *calibrated = sample(binned, path, false);
  if (before && raw && calibrated) {
    const DmPosterior *b = before->posterior, *r = raw->posterior, *p = calibrated->posterior;
    size_t npix = dm_map_plane_size(b->mean), all = npix * 6;
    /* The weights are unchanged: the raw samples are the same bit for bit. */
    CHECK(!b->std_raw && !r->std_raw &&
          memcmp(b->samples->data, r->samples->data, all * sizeof(float)) == 0);
    CHECK(p->std_raw && memcmp(p->std_raw->data, r->std->data, npix * sizeof(float)) == 0);
    double worst_mean = 0.0, worst_sample = 0.0, worst_std = 0.0;
    for (size_t i = 0; i < npix; i++) {
      worst_mean = fmax(worst_mean, fabs(p->mean->data[i] - r->mean->data[i]));
      worst_std = fmax(worst_std, fabs(p->std->data[i] - 0.875 * r->std->data[i]));
      for (int j = 0; j < 6; j++) {
        double expected = r->mean->data[i] + 0.875 * (r->samples->data[j * npix + i] -
                                                      r->mean->data[i]);
        worst_sample = fmax(worst_sample, fabs(p->samples->data[j * npix + i] - expected));
      }
    }
    printf("calibrated sampling: |mean change| %.2g, |sample − expected| %.2g, "
           "|std − c std_raw| %.2g\n", worst_mean, worst_sample, worst_std);
    CHECK(worst_mean < 1e-6 && worst_sample < 1e-6 && worst_std < 1e-7);
    const DmMetaCard *factor = dm_map_find_card(p->mean, "CALIB");
    CHECK(factor && factor->number == 0.875 && !dm_map_find_card(r->mean, "CALIB"));
    /* The file keeps STDRAW. */
    const char *file = dm_test_tmp_path("calibrated-posterior.fits");
    CHECK_OK(dm_posterior_write(file, p, &error), error);
    DmPosterior *read = dm_posterior_read(file, &error);
    CHECK_OK(read != NULL, error);
    CHECK(read && read->std_raw &&
          memcmp(read->std_raw->data, p->std_raw->data, npix * sizeof(float)) == 0);
    dm_posterior_free(read);
    unlink(file);
  }
  dm_reconstruction_free(before);
  dm_reconstruction_free(raw);
  dm_reconstruction_free(calibrated);
  dm_binned_shear_free(binned);

  check_hostile_value(path, "calibration_factor", "abc");
  check_hostile_value(path, "calibration_factor", "-1");
  check_hostile_value(path, "calibration_level", "1.5");
  check_hostile_value(path, "calibration_sampler", "score-hmc");
  check_hostile_value(path, "calibration_grid", "32 by 32");
  check_hostile_value(path, "calibration_mocks", "2.5");
  unlink(path);
}

/* ---- A score network's calibration: HMC only ------------------------------- */

/* Score posterior of binned with the network at path. */
static DmReconstruction *sample_score(const DmBinnedShear *binned, const DmTheorySpectrum *theory,
                                      const char *path, bool flow, bool raw) {
  DmError *error = NULL;
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, flow ? DM_RECONSTRUCT_SCORE_FLOW : DM_RECONSTRUCT_SCORE_HMC);
  r.theory = theory;
  r.model_path = path;
  r.device = "cpu";
  r.threads = 1;
  r.n_samples = 4;
  r.seed = 6;
  r.hmc.n_levels = 3;
  r.hmc.n_leapfrog = 2;
  r.hmc.n_final = 1;
  r.flow.n_steps = 4;
  r.uncalibrated = raw;
  DmReconstruction *result = dm_reconstruct(binned, &r, NULL, &error);
  CHECK_OK(result != NULL, error);
  return result;
}

static void check_score_network(const DmTheorySpectrum *theory, const DmCatalog *catalog,
                                DmNn *nn) {
  DmError *error = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("score.safetensors"));
  DmNnParams *params = dm_nn_params_new(nn);
  const DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = 2, .base_width = 4,
                               .groups = 2, .slope = 0.2f, .noise_features = 8};
  DmUNet *unet = dm_unet_new(params, &config, 7, &error);
  CHECK_OK(unet != NULL, error);
  DmScoreNetwork network = {.nn = nn, .unet = unet, .data_variance = 4e-4};
  bool saved = unet && dm_score_network_save(&network, params, PIXEL_ARCMIN, path, &error);
  CHECK_OK(saved, error);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  DmGridSpec grid;
  dm_grid_spec_init(&grid);
  grid.nx = grid.ny = SIZE;
  grid.pixel_arcmin = PIXEL_ARCMIN;
  DmBinnedShear *binned = saved ? dm_bin_catalog(catalog, &grid, NULL, &error) : NULL;
  CHECK_OK(!saved || binned != NULL, error);
  if (!binned) return;
  DmCalibration c = example_calibration();
  snprintf(c.sampler, sizeof c.sampler, "score-hmc");
  c.factor = 1.25;
  CHECK_OK(dm_calibration_store(path, &c, &error), error);
  DmReconstruction *raw = sample_score(binned, theory, path, false, true);
  DmReconstruction *hmc = sample_score(binned, theory, path, false, false);
  DmReconstruction *flow = sample_score(binned, theory, path, true, false);
  if (raw && hmc && flow) {
    size_t npix = dm_map_plane_size(raw->posterior->mean);
    double worst = 0.0;
    for (size_t i = 0; i < npix; i++)
      worst = fmax(worst, fabs(hmc->posterior->std->data[i] - 1.25 * raw->posterior->std->data[i]));
    CHECK(hmc->posterior->std_raw && worst < 1e-7 &&
          memcmp(hmc->posterior->std_raw->data, raw->posterior->std->data,
                 npix * sizeof(float)) == 0);
    CHECK(!flow->posterior->std_raw && !dm_map_find_card(flow->posterior->mean, "CALIB"));
  }
  dm_reconstruction_free(raw);
  dm_reconstruction_free(hmc);
  dm_reconstruction_free(flow);
  dm_binned_shear_free(binned);
  unlink(path);
}

/* ---- The fit ---------------------------------------------------------------- */

typedef struct {
  double *scores;
  size_t n;
} Scores;

static bool keep_scores(void *data, DmEvalMethod method, const float *truth,
                        const float *samples, int k, const float *mask, size_t npix,
                        DmError **error) {
  Scores *s = data;
  size_t added = 0;
  if (method != DM_EVAL_MMGAN) return true;
  bool ok = dm_conformity_scores(truth, samples, k, mask, npix, 0.68, s->scores + s->n, &added,
                                 error);
  s->n += added;
  return ok;
}

static void check_fit(const DmTheorySpectrum *theory, const DmCatalog *catalog, DmNn *nn) {
  DmError *error = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("fit.safetensors"));
  if (!dm_test_save_tiny_mmgan(nn, SIZE, SIZE, PIXEL_ARCMIN, 3, path)) return;
  DmCalibrationRequest request;
  dm_calibration_request_init(&request);
  CHECK(request.mocks.seed == DM_CALIBRATION_SEED && request.mocks.baselines == 0);
  DmModelEvaluationRequest *m = &request.mocks;
  m->model_path = path;
  m->theory = theory;
  m->catalog = catalog;
  m->grid.nx = m->grid.ny = SIZE;
  m->grid.pixel_arcmin = PIXEL_ARCMIN;
  m->n_mocks = 2;
  m->n_samples = 8;
  m->device = "cpu";
  m->threads = 1;

  /* Cancelled before it starts: the file is as it was. */
  char *card = dm_model_card_path(path);
  atomic_int cancel = 1;
  DmProgress progress = {NULL, NULL, &cancel};
  DmCalibrationResult result;
  request.store = true;
  CHECK_FAILS(dm_calibrate_model(&request, &result, &progress, &error), error,
              DM_ERROR_CANCELLED);
  DmModelInfo info;
  CHECK_OK(dm_model_info_read(path, &info, &error), error);
  CHECK(!info.calibration.present && access(card, F_OK) != 0);

  CHECK_OK(dm_calibrate_model(&request, &result, NULL, &error), error);
  const DmCalibration *c = &result.calibration;
  /* The same mocks and samples scored by hand. */
  Scores s = {malloc(2 * SIZE * SIZE * sizeof(double)), 0};
  DmModelEvaluationRequest by_hand = request.mocks;
  by_hand.on_samples = keep_scores;
  by_hand.hook_data = &s;
  DmModelEvaluation evaluation;
  double expected = NAN;
  CHECK_OK(dm_evaluate_model(&by_hand, &evaluation, NULL, &error), error);
  CHECK_OK(dm_conformal_factor(s.scores, s.n, 0.68, &expected, &error), error);
  printf("fit on 2 mocks x 8 samples: factor %.4f (by hand %.4f), 95 %% %.4f; coverage 68 %% "
         "%.3f -> %.3f over %lld pixels\n",
         c->factor, expected, c->factor95, result.coverage68_raw, result.coverage68,
         (long long)c->n_pixels);
  CHECK(c->present && c->factor == expected && (size_t)c->n_pixels == s.n);
  CHECK(c->n_mocks == 2 && c->n_samples == 8 && c->seed == DM_CALIBRATION_SEED);
  CHECK(result.coverage68 >= 0.68 && result.coverage68 < 0.68 + 0.02);
  CHECK_OK(dm_model_info_read(path, &info, &error), error);
  CHECK(info.calibration.present && info.calibration.factor == c->factor);
  /* The evaluation of the calibrated model scores its row with the factor. */
  CHECK_OK(dm_evaluate_model(&request.mocks, &evaluation, NULL, &error), error);
  CHECK(fabs(evaluation.table.method[DM_EVAL_MMGAN].coverage68_calibrated - result.coverage68) <
        1e-12);
  char *text = NULL;
  FILE *f = fopen(card, "r");
  CHECK(f != NULL);
  if (f) {
    text = calloc(1, 65536);
    fread(text, 1, 65535, f);
    fclose(f);
  }
  CHECK(text && strstr(text, "## Calibration") != NULL);
  free(text);
  free(s.scores);
  unlink(card);
  free(card);
  unlink(path);
}

int main(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmCatalog *catalog = dm_catalog_read(
      dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits"), 0, NULL, NULL, &error);
  CHECK_OK(catalog != NULL, error);
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  check_conformal_rank();
  if (theory && catalog && nn) {
    check_gaussian_case(theory, catalog);
    check_stored_and_applied(catalog, nn);
    check_score_network(theory, catalog, nn);
    check_fit(theory, catalog, nn);
  }
  dm_nn_free(nn);
  dm_catalog_free(catalog);
  dm_theory_free(theory);
  return dm_test_result();
}

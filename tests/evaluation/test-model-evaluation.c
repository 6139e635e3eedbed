/* A model scored on a mock (darkmap/model-evaluation.h) against the engine
 * calls it composes, on 32² mocks of 3.2′ from the COSMOS catalogue:
 *  - without a model, the KS and Wiener rows (r, RMSE, coverage, the best
 *    KS smoothing, the truth) equal dm_eval_mock's on the same survey, bit
 *    for bit, from a catalogue in memory, a catalogue file and a binned
 *    field (Gaussian noise), and the theory-only samplers do not run;
 *  - a tiny MMGAN generator's row equals dm_eval_mock's with the generator
 *    loaded by hand, and the shipped score network's hybrid row equals
 *    dm_eval_mock's with the network loaded by hand;
 *  - an MMGAN generator of another grid is refused with
 *    dm_model_info_check_grid's sentence, and bad requests and a CosmoGAN
 *    emulator (no posterior) are refused;
 *  - progress never goes back and ends at 1, and a cancel raised during the
 *    Wiener samples stops the call with DM_ERROR_CANCELLED. */
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "darkmap/mmgan.h"
#include "darkmap/model-evaluation.h"
#include "darkmap/score-network.h"
#include "../cosmogan/cosmogan-test-util.h"
#include "../mmgan/mmgan-test-util.h"
#include "test-util.h"

#define SIZE 32
#define PIXEL_ARCMIN 3.2
#define SAMPLES 4

static const char *catalog_path(void) {
  return dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits");
}

/* The request's common part: the catalogue in memory on the 32² grid, a
 * short HMC schedule, one CPU thread. */
static void request_init(DmModelEvaluationRequest *r, const DmTheorySpectrum *theory,
                         const DmCatalog *catalog) {
  dm_model_evaluation_request_init(r);
  r->theory = theory;
  r->catalog = catalog;
  r->grid.nx = r->grid.ny = SIZE;
  r->grid.pixel_arcmin = PIXEL_ARCMIN;
  r->seed = 11;
  r->index = 2;
  r->n_samples = SAMPLES;
  r->sampler.n_levels = 3;
  r->sampler.n_leapfrog = 2;
  r->sampler.n_final = 1;
  r->device = "cpu";
  r->threads = 1;
}

/* dm_eval_mock's settings for the same request, on survey and nn. */
static void config_of(const DmModelEvaluationRequest *r, const DmMockSurvey *survey, DmNn *nn,
                      DmEvalConfig *c) {
  dm_eval_config_init(c);
  c->theory = r->theory;
  c->survey = survey;
  c->seed = c->sampler.seed = r->seed;
  c->index = r->index;
  c->n_samples = r->n_samples;
  c->sampler = r->sampler;
  c->sampler.seed = r->seed;
  c->nn = nn;
  c->chains_per_batch = 1;
  c->baselines = r->baselines;
}

static void check_same_row(const DmEvalMetrics *a, const DmEvalMetrics *b, const char *what) {
  CHECK(a->done && b->done);
  bool same = a->r == b->r && a->rmse == b->rmse &&
              (isnan(a->coverage68) ? isnan(b->coverage68) : a->coverage68 == b->coverage68) &&
              (isnan(a->coverage95) ? isnan(b->coverage95) : a->coverage95 == b->coverage95) &&
              a->n_counts == b->n_counts;
  for (int j = 0; same && j < a->n_counts; j++) same = a->r_by_count[j] == b->r_by_count[j];
  CHECK(same);
  printf("%-8s r %.4f (direct %.4f), RMSE %.5f, coverage 68 %% %.3f, 95 %% %.3f\n", what, a->r,
         b->r, a->rmse, a->coverage68, a->coverage95);
}

static void check_same_truth(const DmEvalResult *a, const DmEvalResult *b) {
  CHECK(a->n_pixels == b->n_pixels && a->n_pixels > 0);
  CHECK(a->truth_std == b->truth_std && a->truth_mean == b->truth_mean);
  CHECK(a->n_haloes == b->n_haloes);
}

/* The baselines from a catalogue in memory, a catalogue file and a binned
 * field against dm_eval_mock on the same surveys. */
static void check_baselines(const DmTheorySpectrum *theory, const DmCatalog *catalog) {
  DmError *error = NULL;
  DmModelEvaluationRequest r;
  request_init(&r, theory, catalog);
  DmModelEvaluation from_memory, from_file, from_field;
  CHECK_OK(dm_evaluate_model(&r, &from_memory, NULL, &error), error);
  CHECK(!from_memory.has_model && from_memory.nx == SIZE && from_memory.ny == SIZE);
  CHECK_CLOSE(from_memory.pixel_arcmin, PIXEL_ARCMIN, 1e-9);
  CHECK(!from_memory.table.method[DM_EVAL_SCORE].done);
  CHECK(!from_memory.table.method[DM_EVAL_SCORE_FLOW].done);
  r.catalog = NULL;
  r.catalog_path = catalog_path();
  CHECK_OK(dm_evaluate_model(&r, &from_file, NULL, &error), error);
  r.catalog_path = NULL;
  r.catalog = catalog;

  DmMockSurvey *survey = dm_mock_survey_new_rotated(catalog, &r.grid, &error);
  CHECK_OK(survey != NULL, error);
  if (!survey) return;
  DmEvalConfig c;
  config_of(&r, survey, NULL, &c);
  DmEvalResult direct;
  CHECK_OK(dm_eval_mock(&c, &direct, NULL, &error), error);
  check_same_truth(&from_memory.table, &direct);
  check_same_truth(&from_file.table, &direct);
  check_same_row(&from_memory.table.method[DM_EVAL_KS], &direct.method[DM_EVAL_KS], "KS");
  check_same_row(&from_file.table.method[DM_EVAL_KS], &direct.method[DM_EVAL_KS], "KS file");
  CHECK(from_memory.table.ks_sigma_pixels == direct.ks_sigma_pixels);
  check_same_row(&from_memory.table.method[DM_EVAL_WIENER], &direct.method[DM_EVAL_WIENER],
                 "Wiener");

  /* The survey's binned field: Gaussian noise of its noise map. */
  const DmBinnedShear *field = dm_mock_survey_template(survey);
  r.catalog = NULL;
  r.binned = field;
  CHECK_OK(dm_evaluate_model(&r, &from_field, NULL, &error), error);
  DmMockSurvey *gaussian = dm_mock_survey_new_gaussian(field, &error);
  CHECK_OK(gaussian != NULL, error);
  c.survey = gaussian;
  CHECK_OK(dm_eval_mock(&c, &direct, NULL, &error), error);
  check_same_truth(&from_field.table, &direct);
  check_same_row(&from_field.table.method[DM_EVAL_KS], &direct.method[DM_EVAL_KS], "KS field");
  /* Rotated and Gaussian noise differ: so do their KS maps. */
  CHECK(from_field.table.method[DM_EVAL_KS].r != from_memory.table.method[DM_EVAL_KS].r);
  dm_mock_survey_free(gaussian);
  dm_mock_survey_free(survey);
}

static void check_mmgan(const DmTheorySpectrum *theory, const DmCatalog *catalog, DmNn *nn) {
  DmError *error = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("mmgan.safetensors"));
  if (!dm_test_save_tiny_mmgan(nn, SIZE, SIZE, PIXEL_ARCMIN, 3, path)) return;
  DmModelEvaluationRequest r;
  request_init(&r, theory, catalog);
  r.model_path = path;
  r.baselines = DM_EVAL_BIT(DM_EVAL_KS);
  DmModelEvaluation evaluation;
  CHECK_OK(dm_evaluate_model(&r, &evaluation, NULL, &error), error);
  CHECK(evaluation.has_model && evaluation.info.kind == DM_MODEL_MMGAN);
  CHECK(evaluation.model_method == DM_EVAL_MMGAN);
  CHECK(!evaluation.table.method[DM_EVAL_WIENER].done);

  DmMockSurvey *survey = dm_mock_survey_new_rotated(catalog, &r.grid, &error);
  DmMmgan *m = dm_mmgan_load(nn, path, &error);
  CHECK_OK(survey && m, error);
  if (survey && m) {
    DmEvalConfig c;
    config_of(&r, survey, nn, &c);
    c.mmgan = m;
    DmEvalResult direct;
    CHECK_OK(dm_eval_mock(&c, &direct, NULL, &error), error);
    check_same_row(&evaluation.table.method[DM_EVAL_MMGAN], &direct.method[DM_EVAL_MMGAN],
                   "MMGAN");
  }
  dm_mmgan_free(m);

  /* A generator of another grid: dm_model_info_check_grid's sentence. */
  if (survey && dm_test_save_tiny_mmgan(nn, 16, 24, PIXEL_ARCMIN, 3, path)) {
    DmModelInfo info;
    DmError *expected = NULL;
    CHECK_OK(dm_model_info_read(path, &info, &error), error);
    CHECK(!dm_model_info_check_grid(&info, dm_mock_survey_template(survey), &expected));
    CHECK(!dm_evaluate_model(&r, &evaluation, NULL, &error));
    CHECK(error && error->code == DM_ERROR_INVALID_ARGUMENT);
    CHECK(error && expected && strcmp(error->message, expected->message) == 0);
    if (error) printf("expected failure: %s\n", error->message);
    dm_error_clear(&error);
    dm_error_clear(&expected);
  }
  dm_mock_survey_free(survey);
  remove(path);
}

/* The shipped score network on the 32² mock (hybrid row, HMC). */
static void check_score_network(const DmTheorySpectrum *theory, const DmCatalog *catalog,
                                DmNn *nn) {
  DmError *error = NULL;
  const char *path = dm_test_app_data_path("models/score-cosmos.safetensors");
  char model[4096];
  snprintf(model, sizeof model, "%s", path);
  DmModelEvaluationRequest r;
  request_init(&r, theory, catalog);
  r.model_path = model;
  r.n_samples = 2;
  r.baselines = 0;
  DmModelEvaluation evaluation;
  CHECK_OK(dm_evaluate_model(&r, &evaluation, NULL, &error), error);
  CHECK(evaluation.has_model && evaluation.model_method == DM_EVAL_SCORE_HYBRID);
  CHECK(!evaluation.table.method[DM_EVAL_KS].done);

  DmMockSurvey *survey = dm_mock_survey_new_rotated(catalog, &r.grid, &error);
  DmNnParams *params = NULL;
  DmScoreNetwork network = {0};
  CHECK_OK(survey && dm_score_network_load(nn, model, &params, &network, &error), error);
  if (survey && network.unet) {
    DmEvalConfig c;
    config_of(&r, survey, nn, &c);
    c.network = &network;
    DmEvalResult direct;
    CHECK_OK(dm_eval_mock(&c, &direct, NULL, &error), error);
    check_same_row(&evaluation.table.method[DM_EVAL_SCORE_HYBRID],
                   &direct.method[DM_EVAL_SCORE_HYBRID], "hybrid");
  }
  dm_unet_free(network.unet);
  dm_nn_params_free(params);
  dm_mock_survey_free(survey);
}

static void check_refusals(const DmTheorySpectrum *theory, const DmCatalog *catalog) {
  DmError *error = NULL;
  DmModelEvaluationRequest r;
  DmModelEvaluation evaluation;
  request_init(&r, NULL, catalog);
  CHECK_FAILS(dm_evaluate_model(&r, &evaluation, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  request_init(&r, theory, NULL);
  CHECK_FAILS(dm_evaluate_model(&r, &evaluation, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  request_init(&r, theory, catalog);
  r.n_samples = 1;
  CHECK_FAILS(dm_evaluate_model(&r, &evaluation, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  request_init(&r, theory, catalog);
  r.baselines = DM_EVAL_BIT(DM_EVAL_MMGAN);
  CHECK_FAILS(dm_evaluate_model(&r, &evaluation, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  request_init(&r, theory, catalog);
  r.model_path = dm_test_tmp_path("missing.safetensors");
  CHECK_FAILS(dm_evaluate_model(&r, &evaluation, NULL, &error), error, DM_ERROR_NOT_FOUND);
  /* An emulator samples no posterior. */
  DmNn *nn = cosmogan_test_nn();
  DmCosmogan *emulator = cosmogan_test_model(nn, 4);
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("emulator.safetensors"));
  CHECK_OK(emulator && dm_cosmogan_save(emulator, path, &error), error);
  request_init(&r, theory, catalog);
  r.model_path = path;
  CHECK_FAILS(dm_evaluate_model(&r, &evaluation, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_cosmogan_free(emulator);
  dm_nn_free(nn);
  unlink(path);
}

typedef struct {
  atomic_int cancel;
  double last;          /* the last fraction reported */
  int reports, backwards;
  bool cancel_in_wiener;
} Watch;

static void on_progress(void *user_data, double fraction, const char *stage) {
  Watch *w = user_data;
  if (fraction < w->last) w->backwards++;
  w->last = fraction;
  w->reports++;
  if (w->cancel_in_wiener && stage && strncmp(stage, "Wiener samples", 14) == 0)
    atomic_store(&w->cancel, 1);
}

static void check_progress_and_cancel(const DmTheorySpectrum *theory) {
  DmError *error = NULL;
  DmModelEvaluationRequest r;
  request_init(&r, theory, NULL);
  r.catalog_path = catalog_path();
  r.baselines = DM_EVAL_ALL_BASELINES;
  DmModelEvaluation evaluation;
  Watch watch = {0};
  DmProgress progress = {on_progress, &watch, &watch.cancel};
  CHECK_OK(dm_evaluate_model(&r, &evaluation, &progress, &error), error);
  CHECK(evaluation.table.method[DM_EVAL_SCORE].done);
  CHECK(evaluation.table.method[DM_EVAL_SCORE_FLOW].done);
  CHECK(watch.reports > SAMPLES && watch.backwards == 0);
  CHECK_CLOSE(watch.last, 1.0, 1e-12);

  Watch cancel = {.cancel_in_wiener = true};
  DmProgress cancelling = {on_progress, &cancel, &cancel.cancel};
  CHECK_FAILS(dm_evaluate_model(&r, &evaluation, &cancelling, &error), error,
              DM_ERROR_CANCELLED);
  CHECK(cancel.last < 0.5);
}

int main(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmCatalog *catalog = dm_catalog_read(catalog_path(), 0, NULL, NULL, &error);
  CHECK_OK(catalog != NULL, error);
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  if (theory && catalog && nn) {
    check_baselines(theory, catalog);
    check_mmgan(theory, catalog, nn);
    check_score_network(theory, catalog, nn);
    check_refusals(theory, catalog);
    check_progress_and_cancel(theory);
  }
  dm_nn_free(nn);
  dm_catalog_free(catalog);
  dm_theory_free(theory);
  return dm_test_result();
}

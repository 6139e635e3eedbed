/* A model file scored on a mock survey (darkmap/model-evaluation.h): the
 * survey made from a catalogue or a binned field, the network loaded on the
 * requested device, then dm_eval_mock. */
#include "darkmap/model-evaluation.h"

#include <stdio.h>
#include <string.h>

#include "darkmap/memory-budget.h"
#include "darkmap/mmgan.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/reconstruct.h"
#include "darkmap/score-network.h"

/* The share of the run that reading a catalogue takes. */
#define CATALOG_SHARE 0.05

/* The progress of one part of the call: the inner work's fraction
 * rescaled to [start, end] of the whole, with the inner stage or, when set,
 * stage; the caller's cancel flag. */
typedef struct {
  DmProgress progress;      /* give this to the inner work */
  const DmProgress *outer;  /* the caller's; may be NULL */
  double start, end;
  const char *stage;        /* static; NULL: the inner work's */
} Part;

static void part_report(void *user_data, double fraction, const char *stage) {
  const Part *part = user_data;
  dm_progress_report(part->outer, part->start + (part->end - part->start) * fraction,
                     part->stage ? part->stage : stage);
}

static void part_init(Part *part, const DmProgress *outer, double start, double end,
                      const char *stage) {
  *part = (Part){{part_report, part, outer ? outer->cancel : NULL}, outer, start, end, stage};
}

void dm_model_evaluation_request_init(DmModelEvaluationRequest *request) {
  DmEvalConfig config;
  dm_eval_config_init(&config);
  memset(request, 0, sizeof *request);
  dm_grid_spec_init(&request->grid);
  request->seed = 1;
  request->haloes = config.haloes;
  request->n_samples = config.n_samples;
  request->baselines = DM_EVAL_BIT(DM_EVAL_KS) | DM_EVAL_BIT(DM_EVAL_WIENER);
  request->sampler = config.sampler;
  request->flow = config.flow;
  request->hybrid_step_scale = config.hybrid_step_scale;
  request->n_mocks = config.n_mocks;
}

static bool check_request(const DmModelEvaluationRequest *r, DmError **error) {
  bool catalogue = r->catalog || r->catalog_path;
  if (!r->theory)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock evaluation needs a theory spectrum.");
  if (catalogue == (r->binned != NULL))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock evaluation needs one survey: a catalogue and its grid, or a "
                        "binned field.");
  if (r->binned && (!r->binned->shear || !r->binned->shear->wcs))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The binned field has no WCS: its pixel scale is unknown.");
  if (r->n_mocks < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock evaluation needs at least one mock (%d asked).", r->n_mocks);
  if (r->n_samples < 2 || r->batch < 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock evaluation needs at least 2 samples (%d asked) and a batch of "
                        "at least 1 (0: by device).",
                        r->n_samples);
  if (r->baselines & ~DM_EVAL_ALL_BASELINES)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The baselines are KS, the Wiener filter, the score sampler and the "
                        "probability flow.");
  return true;
}

/* The survey of the request: the catalogue (read in the first share of the
 * run) binned with rotated real noise, or the binned field with Gaussian
 * noise.  *catalog receives a catalogue read here (the survey borrows it). */
static DmMockSurvey *survey_new(const DmModelEvaluationRequest *r, DmCatalog **catalog,
                                const DmProgress *progress, DmError **error) {
  if (r->binned) return dm_mock_survey_new_gaussian(r->binned, error);
  const DmCatalog *galaxies = r->catalog;
  if (!galaxies) {
    Part part;
    part_init(&part, progress, 0.0, CATALOG_SHARE, "Reading the catalogue");
    galaxies = *catalog = dm_catalog_read(r->catalog_path, r->catalog_hdu, &r->catalog_columns,
                                          &part.progress, error);
    if (!galaxies) return NULL;
  }
  return dm_mock_survey_new_rotated(galaxies, &r->grid, error);
}

/* What a run holds. */
typedef struct {
  DmCatalog *catalog;
  DmMockSurvey *survey;
  DmNn *nn;
  DmNnParams *params;
  DmScoreNetwork network;
  DmMmgan *mmgan;
} Run;

static void run_free(Run *run) {
  dm_mmgan_free(run->mmgan);
  dm_unet_free(run->network.unet);
  dm_nn_params_free(run->params);
  dm_nn_free(run->nn);
  dm_mock_survey_free(run->survey);
  dm_catalog_free(run->catalog);
}

/* The network of the model file on run->nn, into config. */
static bool load_model(const DmModelEvaluationRequest *r, const DmModelInfo *info, Run *run,
                       DmEvalConfig *config, DmError **error) {
  if (info->kind == DM_MODEL_MMGAN) {
    run->mmgan = dm_mmgan_load(run->nn, r->model_path, error);
    config->mmgan = run->mmgan;
    return run->mmgan != NULL;
  }
  if (!dm_score_network_load(run->nn, r->model_path, &run->params, &run->network, error))
    return false;
  config->network = &run->network;
  return true;
}

/* The model's row is also scored with its calibration factor, when it has
 * one for the sampler the evaluation runs (MMGAN, or the score network's
 * HMC) and the request does not ask for the raw intervals. */
static void use_calibration(const DmModelEvaluationRequest *r, const DmModelInfo *info,
                            DmEvalMethod method, DmEvalConfig *config) {
  if (!r->uncalibrated && info->calibration.present)
    config->calibration[method] = info->calibration.factor;
}

/* The batch dm_reconstruct chooses (darkmap/reconstruct.h) for the
 * model's sampler (MMGAN or the score network's HMC; without a model the
 * theory score's) on the mock's grid and run's device. */
static int default_batch(const DmModelEvaluationRequest *r, const Run *run,
                         const DmModelInfo *model) {
  const DmMap *shear = dm_mock_survey_template(run->survey)->shear;
  DmReconstructMethod method = model && model->kind == DM_MODEL_MMGAN ? DM_RECONSTRUCT_MMGAN
                                                                      : DM_RECONSTRUCT_SCORE_HMC;
  DmReconstructMemory memory = dm_reconstruct_memory(method, shear->nx, shear->ny, model);
  return dm_reconstruct_default_batch(dm_nn_is_gpu(run->nn), r->n_samples, &memory,
                                      dm_memory_physical_bytes());
}

/* The evaluation's settings from the request, on run's survey and context,
 * for the model whose metadata is model (NULL: none). */
static void make_config(const DmModelEvaluationRequest *r, const Run *run,
                        const DmModelInfo *model, DmEvalConfig *config) {
  dm_eval_config_init(config);
  config->theory = r->theory;
  config->survey = run->survey;
  config->seed = r->seed;
  config->index = r->index;
  config->haloes = r->haloes;
  config->halo_concentration_scatter = r->halo_concentration_scatter;
  config->halo_elliptical = r->halo_elliptical;
  config->truths_path = r->truths_path;
  config->n_samples = r->n_samples;
  config->sampler = r->sampler;
  config->sampler.seed = r->seed;
  config->flow = r->flow;
  config->nn = run->nn;
  config->hybrid_step_scale = r->hybrid_step_scale;
  config->baselines = r->baselines;
  config->n_mocks = r->n_mocks;
  if (r->aperture_arcmin > 0.0) config->aperture_arcmin = r->aperture_arcmin;
  if (r->tarp_tile > 0) config->tarp_tile = r->tarp_tile;
  config->on_samples = r->on_samples;
  config->hook_data = r->hook_data;
  config->chains_per_batch = r->batch > 0 ? r->batch : default_batch(r, run, model);
}

bool dm_evaluate_model(const DmModelEvaluationRequest *request, DmModelEvaluation *result,
                       const DmProgress *progress, DmError **error) {
  if (!request || !result)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A mock evaluation needs a request and a result.");
  double start = dm_monotonic_seconds();
  memset(result, 0, sizeof *result);
  if (!check_request(request, error)) return false;
  result->has_model = request->model_path != NULL;
  if (result->has_model && !dm_model_info_read(request->model_path, &result->info, error))
    return false;
  if (result->has_model && result->info.kind == DM_MODEL_COSMOGAN)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%s is a CosmoGAN emulator: it draws maps from the prior, not posterior "
                        "samples of a shear field, so it has no mock evaluation or calibration.",
                        request->model_path);
  result->model_method =
      result->info.kind == DM_MODEL_MMGAN ? DM_EVAL_MMGAN : DM_EVAL_SCORE_HYBRID;

  Run run = {0};
  run.survey = survey_new(request, &run.catalog, progress, error);
  const DmBinnedShear *grid = run.survey ? dm_mock_survey_template(run.survey) : NULL;
  bool ok = grid && (!result->has_model ||
                     dm_model_info_check_grid(&result->info, grid, error));
  run.nn = ok ? dm_nn_new_by_name(request->device, request->threads, error) : NULL;
  ok = run.nn != NULL;
  DmEvalConfig config;
  if (ok) {
    dm_nn_set_cancel(run.nn, progress ? progress->cancel : NULL);
    snprintf(result->device, sizeof result->device, "%s", dm_nn_device_name(run.nn));
    result->nx = grid->shear->nx;
    result->ny = grid->shear->ny;
    result->pixel_arcmin = dm_wcs_pixel_scale_deg(grid->shear->wcs) * 60.0;
    make_config(request, &run, result->has_model ? &result->info : NULL, &config);
    ok = (!result->has_model || load_model(request, &result->info, &run, &config, error)) &&
         dm_progress_check_cancel(progress, error);
    if (result->has_model) use_calibration(request, &result->info, result->model_method, &config);
  }
  if (ok) {
    double first = request->catalog || request->binned ? 0.0 : CATALOG_SHARE;
    Part part;
    part_init(&part, progress, first, 1.0, NULL);
    ok = dm_eval_mock(&config, &result->table, &part.progress, error);
  }
  run_free(&run);
  result->seconds = dm_monotonic_seconds() - start;
  return ok;
}

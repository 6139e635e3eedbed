/* A model's calibration fitted on mocks (darkmap/model-calibration.h): the
 * model samples the mocks through dm_evaluate_model, whose samples hook
 * collects every pixel's conformity scores at 68 and 95 %. */
#include "darkmap/model-calibration.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/model-card.h"
#include "darkmap/monotonic-clock.h"

void dm_calibration_request_init(DmCalibrationRequest *request) {
  memset(request, 0, sizeof *request);
  dm_model_evaluation_request_init(&request->mocks);
  request->mocks.seed = DM_CALIBRATION_SEED;
  request->mocks.n_mocks = 4;
  request->mocks.baselines = 0;
}

/* The conformity scores of every mock's pixels at both levels, grown as
 * the mocks come. */
typedef struct {
  DmEvalMethod method;     /* the model's row */
  double *scores[2];       /* at DM_CALIBRATION_LEVEL and 0.95 */
  size_t n, capacity;
  int64_t inside[2];       /* raw coverage counts */
} Collector;

static const double LEVELS[2] = {DM_CALIBRATION_LEVEL, 0.95};

static bool collect(void *hook_data, DmEvalMethod method, const float *truth,
                    const float *samples, int k, const float *mask, size_t npix,
                    DmError **error) {
  Collector *c = hook_data;
  if (method != c->method) return true;
  if (c->capacity - c->n < npix) {
    size_t capacity = c->n + npix;
    for (int l = 0; l < 2; l++) {
      double *grown = realloc(c->scores[l], capacity * sizeof(double));
      if (!grown) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
      c->scores[l] = grown;
    }
    c->capacity = capacity;
  }
  size_t n = 0;
  for (int l = 0; l < 2; l++) {
    if (!dm_conformity_scores(truth, samples, k, mask, npix, LEVELS[l], c->scores[l] + c->n, &n,
                              error))
      return false;
    /* A score of at most 1 is a truth inside the raw interval. */
    for (size_t i = 0; i < n; i++) c->inside[l] += c->scores[l][c->n + i] <= 1.0;
  }
  c->n += n;
  return true;
}

/* Fraction of the collected scores at level l that factor covers. */
static double covered(const Collector *c, int l, double factor) {
  size_t inside = 0;
  for (size_t i = 0; i < c->n; i++) inside += c->scores[l][i] <= factor;
  return c->n ? (double)inside / c->n : NAN;
}

bool dm_calibrate_model(const DmCalibrationRequest *request, DmCalibrationResult *result,
                        const DmProgress *progress, DmError **error) {
  if (!request || !result || !request->mocks.model_path)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A calibration needs a model file and a result.");
  memset(result, 0, sizeof *result);
  double start = dm_monotonic_seconds();
  DmModelInfo info;
  if (!dm_model_info_read(request->mocks.model_path, &info, error)) return false;
  Collector c = {.method = info.kind == DM_MODEL_MMGAN ? DM_EVAL_MMGAN : DM_EVAL_SCORE_HYBRID};
  DmModelEvaluationRequest mocks = request->mocks;
  mocks.uncalibrated = true;
  mocks.on_samples = collect;
  mocks.hook_data = &c;
  DmModelEvaluation evaluation;
  DmCalibration *cal = &result->calibration;
  bool ok = dm_evaluate_model(&mocks, &evaluation, progress, error);
  if (ok) {
    result->coverage68_raw = c.n ? (double)c.inside[0] / c.n : NAN;
    result->coverage95_raw = c.n ? (double)c.inside[1] / c.n : NAN;
    ok = dm_conformal_factor(c.scores[0], c.n, LEVELS[0], &cal->factor, error) &&
         dm_conformal_factor(c.scores[1], c.n, LEVELS[1], &cal->factor95, error);
  }
  if (ok) {
    cal->present = true;
    snprintf(cal->sampler, sizeof cal->sampler, "%s",
             info.kind == DM_MODEL_MMGAN ? "mmgan" : "score-hmc");
    cal->level = LEVELS[0];
    cal->n_mocks = mocks.n_mocks;
    cal->n_samples = mocks.n_samples;
    cal->seed = mocks.seed;
    cal->n_pixels = (int64_t)c.n;
    cal->nx = evaluation.nx;
    cal->ny = evaluation.ny;
    cal->pixel_arcmin = evaluation.pixel_arcmin;
    /* The one factor applied to the samples, at both levels. */
    result->coverage68 = covered(&c, 0, cal->factor);
    result->coverage95 = covered(&c, 1, cal->factor);
    snprintf(result->device, sizeof result->device, "%s", evaluation.device);
    result->seconds = dm_monotonic_seconds() - start;
    ok = !request->store || (dm_calibration_store(mocks.model_path, cal, error) &&
                             dm_model_card_add_calibration(mocks.model_path, result, error));
  }
  free(c.scores[0]);
  free(c.scores[1]);
  return ok;
}

/* A learned model's calibration fitted on simulated surveys: request +
 * progress -> the split-conformal factors of darkmap/calibration.h, stored
 * into the model's weights file and card on request.  darkmap-cli calibrate
 * and the window's model library make this one call.
 *
 * The model (an MMGAN generator, or a score network sampled by annealed
 * HMC) samples n_mocks mocks of the request's survey (dm_evaluate_model,
 * without baselines and without the model's present calibration); every
 * pixel with data of every mock gives its conformity score, and the factors
 * at DM_CALIBRATION_LEVEL and 95 % are the conformal quantiles of all of
 * them.  Progress and cancellation are dm_evaluate_model's. */
#ifndef DARKMAP_MODEL_CALIBRATION_H
#define DARKMAP_MODEL_CALIBRATION_H

#include <stdbool.h>

#include "darkmap/calibration.h"
#include "darkmap/error.h"
#include "darkmap/model-evaluation.h"
#include "darkmap/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  /* The mocks (dm_evaluate_model's request: model_path required, the
   * survey, theory, samples, device …).  Defaults: seed
   * DM_CALIBRATION_SEED, 4 mocks, 32 samples, no baselines. */
  DmModelEvaluationRequest mocks;
  bool store;            /* write the factor into the model file (and its card) */
} DmCalibrationRequest;

/* The calibration mocks' default seed: not the evaluation's (2024) nor a
 * training seed, so that the factor is fitted on skies it is not judged on. */
#define DM_CALIBRATION_SEED 77

void dm_calibration_request_init(DmCalibrationRequest *request);

typedef struct {
  DmCalibration calibration;  /* the fitted factor(s) */
  double coverage68_raw, coverage95_raw;  /* on the calibration mocks, before … */
  double coverage68, coverage95;          /* … and after the factor */
  char device[160];
  double seconds;
} DmCalibrationResult;

/* Samples the model on the request's mocks, fits the factors at 68 and
 * 95 % from all their pixels' conformity scores, and with store writes them
 * into the model file and its card.  Fails with DM_ERROR_INVALID_ARGUMENT
 * (no model, fewer than 2 samples), dm_evaluate_model's errors,
 * dm_conformal_factor's, or DM_ERROR_CANCELLED (the file is then untouched). */
bool dm_calibrate_model(const DmCalibrationRequest *request, DmCalibrationResult *result,
                        const DmProgress *progress, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* A trained model scored on a mock survey: request + progress -> the table
 * of darkmap/mock-evaluation.h.  The model library's "Evaluate on a Mock"
 * and darkmap-cli eval-mock both call dm_evaluate_model, so neither loads
 * networks or composes samplers itself.
 *
 * The model (optional: without one only the baselines run) is a weights
 * file whose kind dm_model_info_read tells: a score network (hybrid
 * residual or plain score, the DM_EVAL_SCORE_HYBRID row) or an MMGAN
 * generator (the DM_EVAL_MMGAN row); a CosmoGAN emulator, which samples no
 * posterior, is refused (DM_ERROR_INVALID_ARGUMENT).  A model made for another grid than
 * the survey's is refused before any work with dm_model_info_check_grid's
 * sentence (an MMGAN generator must have the survey's size and pixel
 * scale; a score network the pixel scale it records, if any).
 *
 * The survey is one of
 *   - a catalogue binned on grid, with rotated real noise
 *     (dm_mock_survey_new_rotated): catalog, or the file catalog_path read
 *     with catalog_hdu and catalog_columns (dm_catalog_read);
 *   - an already binned field (binned): Gaussian noise of its noise std
 *     map inside its mask (dm_mock_survey_new_gaussian).
 *
 * Progress: reading the catalogue takes the first 5 % of the run when there
 * is one to read, dm_eval_mock the rest (its stages).  Cancellation is
 * polled as dm_eval_mock polls it and before every kernel op of the
 * network engine: the call then fails with DM_ERROR_CANCELLED. */
#ifndef DARKMAP_MODEL_EVALUATION_H
#define DARKMAP_MODEL_EVALUATION_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/error.h"
#include "darkmap/mock-evaluation.h"
#include "darkmap/model-info.h"
#include "darkmap/progress.h"
#include "darkmap/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *model_path;           /* NULL: the baselines alone */
  const DmTheorySpectrum *theory;   /* borrowed; the mock's spectrum, the WF and score prior */

  /* The survey: a catalogue and grid, or a binned field (exactly one). */
  const DmCatalog *catalog;         /* borrowed */
  const char *catalog_path;         /* read when catalog is NULL */
  int catalog_hdu;                  /* 0: the first table */
  DmCatalogColumns catalog_columns; /* NULL names: detected */
  DmGridSpec grid;                  /* the catalogue's binning */
  const DmBinnedShear *binned;      /* borrowed; with WCS */

  uint64_t seed, index;             /* the first mock (and the samples' seed) */
  int n_mocks;                      /* mocks index, index + 1, … (default 1) */
  double aperture_arcmin;           /* aperture means' radius; 0: dm_eval_config_init's */
  int tarp_tile;                    /* TARP's tile side in pixels; 0: dm_eval_config_init's */
  bool haloes;                      /* NFW haloes in the truth */
  double halo_concentration_scatter; /* their sigma of ln c; 0: none (DmEvalConfig's) */
  bool halo_elliptical;             /* elliptical haloes (DmEvalConfig's) */
  const char *truths_path;          /* the mocks' truths from a file (DmEvalConfig's) */
  int n_samples;                    /* >= 2 */
  unsigned baselines;               /* DM_EVAL_BIT of KS, WIENER, SCORE, SCORE_FLOW */

  const char *device;               /* "auto" (NULL too), "cpu" or "cuda" */
  int threads;                      /* CPU threads; 0: all cores */
  int batch;                        /* chains (samples) per batch; 0: by device, as
                                       dm_reconstruct chooses (darkmap/reconstruct.h) */
  DmScoreSamplerOptions sampler;    /* the HMC's settings (seed: the request's) */
  DmScoreFlowOptions flow;
  double hybrid_step_scale;         /* HMC step scale with the network */
  /* The model's calibration factor (darkmap/calibration.h), when its file
   * has one, gives its row's calibrated coverage; uncalibrated: not used. */
  bool uncalibrated;
  DmEvalSamplesHook on_samples;     /* dm_eval_mock's hook; NULL: none */
  void *hook_data;
} DmModelEvaluationRequest;

/* No model and no survey; dm_eval_config_init's mock, samples and sampler
 * settings, seed 1, index 0, baselines KS and Wiener (the theory-only score
 * samplers take minutes on a CPU), device auto, batch by device. */
void dm_model_evaluation_request_init(DmModelEvaluationRequest *request);

typedef struct {
  DmEvalResult table;         /* the methods that ran and their scores */
  bool has_model;             /* a model was given ... */
  DmModelInfo info;           /* ... of this kind and grid ... */
  DmEvalMethod model_method;  /* ... whose row is DM_EVAL_SCORE_HYBRID or DM_EVAL_MMGAN */
  int nx, ny;                 /* the mock's grid */
  double pixel_arcmin;
  char device[160];           /* the network engine's device */
  double seconds;             /* wall time of the whole call */
} DmModelEvaluation;

/* Checks the request (a theory, one survey, at least 2 samples, the
 * model's kind and grid), makes the survey, loads the model and runs
 * dm_eval_mock.  Fails with DM_ERROR_INVALID_ARGUMENT (the request, a
 * model on another grid), the model file's and catalogue's errors, or
 * DM_ERROR_CANCELLED; result is then unspecified. */
bool dm_evaluate_model(const DmModelEvaluationRequest *request, DmModelEvaluation *result,
                       const DmProgress *progress, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* Model cards: the Markdown file beside a model (score-cosmos.safetensors ->
 * score-cosmos.md) that says what the model is, what it was trained on, how
 * and how well.  Trainings write it (darkmap/train.h); an evaluation on a
 * mock adds its table.  The window's model list reads the first heading,
 * the first paragraph and the first table row marked "(this model)".
 *
 * A card written here has:
 *   # <name>: <kind> for <grid>
 *   <one paragraph: kind, grid and pixel scale, steps, time, device>
 *   ## Evaluation on a mock   (only after dm_model_card_add_evaluation: r,
 *                         RMSE, 68/95 % coverage and time of this model,
 *                         KS and Wiener on the same mock)
 *   ## Calibration       (only after dm_model_card_add_calibration: the
 *                         factor, its mocks and the coverage on them)
 *   ## Validation        (a table whose row "(this model)" holds the last
 *                         validation numbers, beside the theory score or the
 *                         best KS map; a CosmoGAN's: the mean C_ell
 *                         difference and the points inside the training
 *                         maps' scatter of its kept generator, then the
 *                         "### Power spectrum" and "### Pixel PDF and
 *                         Minkowski functionals" tables)
 *   ## Training          (data, sizes, settings: a two-column table whose
 *                         row "| steps | N of M |" dates the card)
 * The evaluation comes first so that its "(this model)" row is the one the
 * model list shows when there is one.  Cards are written atomically. */
#ifndef DARKMAP_MODEL_CARD_H
#define DARKMAP_MODEL_CARD_H

#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/mock-evaluation.h"
#include "darkmap/model-calibration.h"
#include "darkmap/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The card path of a model path (".safetensors" -> ".md"), malloc'ed. */
char *dm_model_card_path(const char *model_path);

/* Writes (replaces) the card of request->model_path from a training's
 * request and result.  An existing "Evaluation on a mock" section is kept
 * only when the step count is unchanged. */
bool dm_model_card_write_training(const DmTrainRequest *request, const DmTrainResult *result,
                                  DmError **error);

/* Replaces the card's "Evaluation on a mock" section (appends it when the
 * card has none; makes a minimal card when the model has none) with the
 * table of result: one row per method that ran, this model's row marked
 * "(this model)" (model_method: DM_EVAL_SCORE_HYBRID or DM_EVAL_MMGAN),
 * and a sentence naming the mock (description). */
bool dm_model_card_add_evaluation(const char *model_path, const DmEvalResult *result,
                                  DmEvalMethod model_method, const char *description,
                                  DmError **error);

/* Replaces the card's "Calibration" section (added before the first section
 * when the card has none; a minimal card when the model has none) with the
 * factor of result and the coverage on its mocks. */
bool dm_model_card_add_calibration(const char *model_path, const DmCalibrationResult *result,
                                   DmError **error);

#ifdef __cplusplus
}
#endif

#endif

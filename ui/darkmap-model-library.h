/* DarkmapModelLibrary: the models of the application's list
 * (darkmap_model_list_get_default: the shipped ones, read-only, and the
 * user's) with each one's kind, grid, size and model card, and what can be
 * done with them:
 *   Rename   a user's model: its weights, card and training checkpoint
 *            together;
 *   Delete   a user's model, after a confirmation: the three files to the
 *            trash (deleted where there is none);
 *   Import   a model file (checked with dm_model_info_read) and the card
 *            beside it, copied into the user's models folder;
 *   Export   the weights and the card, copied atomically to a chosen place;
 *   Evaluate on a Mock
 *            the model, Kaiser-Squires and the Wiener filter scored on one
 *            simulated survey (dm_evaluate_model on a DarkmapEvaluateJob,
 *            with progress and cancel): the open field's catalogue and grid
 *            (set_field), else the bundled COSMOS demo catalogue on 128 ×
 *            128 pixels; an MMGAN generator on its own grid.  The table is
 *            shown and, for a model that is not shipped, written into its
 *            card (dm_model_card_add_evaluation);
 *   Calibrate on Mocks
 *            a user's model's error bars calibrated on simulated surveys of
 *            the same survey (dm_calibrate_model on a DarkmapCalibrateJob,
 *            with progress and cancel; "calibration-mocks" mocks of seed
 *            DM_CALIBRATION_SEED with "calibration-samples" samples each):
 *            the factor is stored in the weights file and the card, the list
 *            reloaded, and a line says the factor and the coverage before
 *            and after; a failure is said in a dialog, and leaves the files
 *            as they were, as does a cancel.  Shipped models are read-only:
 *            the button is greyed, its tooltip says why.
 * Each model's calibration is shown in its row and under the buttons.
 * Every change to the folders reloads the list (darkmap_model_list_reload),
 * so the Reconstruct dialog shows it at once. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-job.h"
#include "darkmap-model-list.h"
#include "darkmap/model-calibration.h"
#include "darkmap/model-evaluation.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_MODEL_LIBRARY (darkmap_model_library_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapModelLibrary, darkmap_model_library, DARKMAP, MODEL_LIBRARY,
                      GtkWindow)

/* Transient for parent (may be NULL), destroyed with it.  Signals:
 *   "evaluation-finished" (GError *error)  an evaluation ended: NULL on
 *                     success (the table is shown, the card written),
 *                     else why not (cancelled: G_IO_ERROR_CANCELLED);
 *   "calibration-finished" (GError *error)  a calibration ended: NULL on
 *                     success (the model file and card hold the factor),
 *                     else why not (cancelled: G_IO_ERROR_CANCELLED).
 * Properties: "calibration-mocks" (int, default 4) and
 * "calibration-samples" (int >= 2, default 32), the next calibration's. */
DarkmapModelLibrary *darkmap_model_library_new (GtkWindow *parent);

/* The field whose catalogue and grid a mock is made on (the catalogue file
 * and the settings it was opened with; copied); NULL: the demo catalogue. */
void darkmap_model_library_set_field (DarkmapModelLibrary *self, const char *catalogue_path,
                                      const DarkmapJobSettings *settings);

/* The truths of the mocks: maps of a FITS cube (or a folder of FITS maps),
 * such as N-body maps from darkmap-cli simulate --field nbody, each mock's
 * truth a tile of them (darkmap/model-evaluation.h); NULL (the default):
 * lognormal fields with NFW haloes, as simulated.  Copied; used by the
 * evaluation and the calibration alike, and shown under Simulated Surveys.
 * "Truths…" in the library chooses the file, "Simulated" goes back. */
void darkmap_model_library_set_truths (DarkmapModelLibrary *self, const char *truths_path);
const char *darkmap_model_library_get_truths (DarkmapModelLibrary *self);

/* The model selected (the list keeps its reference), or NULL; selecting one
 * of the list shows its card. */
DarkmapModel *darkmap_model_library_get_selected (DarkmapModelLibrary *self);
void darkmap_model_library_select (DarkmapModelLibrary *self, DarkmapModel *model);

/* What the buttons do, without their dialogs: darkmap-model-files.h's
 * operations (and their refusals), then the list reloaded.  Rename and
 * import return the model in the reloaded list, which they select; after
 * a rename or a delete, model is no longer valid. */
DarkmapModel *darkmap_model_library_rename (DarkmapModelLibrary *self, DarkmapModel *model,
                                            const char *name, GError **error);
gboolean darkmap_model_library_delete (DarkmapModelLibrary *self, DarkmapModel *model,
                                       GError **error);
DarkmapModel *darkmap_model_library_import (DarkmapModelLibrary *self, GFile *file,
                                            GError **error);
gboolean darkmap_model_library_export (DarkmapModelLibrary *self, DarkmapModel *model,
                                       GFile *destination, GError **error);

/* The request Evaluate on a Mock makes for model: the field's or the
 * demo's survey, the model's grid for MMGAN, the samples chosen, the truths
 * chosen, seed 1, mock 0, KS and Wiener beside the model, device auto.  Its
 * strings belong
 * to the library and live until the next call of this or
 * darkmap_model_library_get_calibration_request. */
void darkmap_model_library_get_evaluation_request (DarkmapModelLibrary *self,
                                                   DarkmapModel *model,
                                                   DmModelEvaluationRequest *request);
/* Starts Evaluate on a Mock of the selected model (what the button does);
 * FALSE when none is selected or one runs. */
gboolean darkmap_model_library_evaluate (DarkmapModelLibrary *self);
/* The last evaluation shown; FALSE before any. */
gboolean darkmap_model_library_get_evaluation (DarkmapModelLibrary *self,
                                               DmModelEvaluation *evaluation);

/* The request Calibrate on Mocks makes for model: the survey of the
 * evaluation request, dm_calibration_request_init's seed, the
 * "calibration-mocks" and "calibration-samples" properties, store.  Its
 * strings belong to the library and live until the next call of this or
 * darkmap_model_library_get_evaluation_request. */
void darkmap_model_library_get_calibration_request (DarkmapModelLibrary *self,
                                                    DarkmapModel *model,
                                                    DmCalibrationRequest *request);
/* Starts Calibrate on Mocks of the selected model (what the button does);
 * FALSE when none is selected, it is not the user's, or a job runs. */
gboolean darkmap_model_library_calibrate (DarkmapModelLibrary *self);
/* The last calibration finished; FALSE before any. */
gboolean darkmap_model_library_get_calibration (DarkmapModelLibrary *self,
                                                DmCalibrationResult *result);

G_END_DECLS

/* DarkmapReconstructDialog: prepares a reconstruction of the open field:
 * the method, the network model it uses (with its model card's summary),
 * the device, the number of samples and the seed.  A model trained on
 * another grid than the field's is refused inline, with a button asking for
 * the field to be rebinned on the model's grid.
 *
 * The dialog hides itself on Reconstruct, Cancel and Escape, so a window can
 * keep one and present it again with the last choices.  "Train a Model…"
 * hides it and activates win.train on the window it is transient for. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-model-list.h"
#include "darkmap/binning.h"
#include "darkmap/reconstruct.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_RECONSTRUCT_DIALOG (darkmap_reconstruct_dialog_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapReconstructDialog, darkmap_reconstruct_dialog, DARKMAP,
                      RECONSTRUCT_DIALOG, GtkWindow)

/* Modal, transient for parent; lists the models of the application's list
 * (darkmap_model_list_get_default(): a reload shows at once, the models
 * chosen found again by path) and starts on Kaiser-Squires, device auto,
 * seed 1.  "Manage Models…" hides the dialog and activates win.models on
 * the window it is transient for.  Signals:
 *   "reconstruct" ()  the user chose Reconstruct; read the choices with
 *                     darkmap_reconstruct_dialog_get_request().
 *   "rebin-requested" (int nx, int ny, double pixel_arcmin)  the user asked
 *                     for the field to be rebinned on the chosen model's grid. */
DarkmapReconstructDialog *darkmap_reconstruct_dialog_new (GtkWindow *parent);

/* The open field's grid, against which the chosen model is checked
 * (dm_model_info_check_grid).  Until one is set, no model is refused. */
void darkmap_reconstruct_dialog_set_grid (DarkmapReconstructDialog *self, int nx, int ny,
                                          double pixel_arcmin);
/* The same from a binned shear (its size and WCS pixel scale; only read). */
void darkmap_reconstruct_dialog_set_field (DarkmapReconstructDialog *self,
                                           const DmBinnedShear *binned);

/* The choices as a request: dm_reconstruct_request_init() of the method,
 * then the model path (NULL for none; the string belongs to the dialog's
 * model list and lives as long as the dialog), the device ("auto", "cpu"
 * or "cuda"), the number of samples and the seed.  theory, theory_path and
 * the method's own options (KS smoothing...) are left to the caller. */
void darkmap_reconstruct_dialog_get_request (DarkmapReconstructDialog *self,
                                             DmReconstructRequest *request);

/* Shows a request's method, model (added to the list when it is not there;
 * NULL: for a score method, the theory prior only), device, samples and
 * seed: the defaults to start from, e.g. the last request. */
void darkmap_reconstruct_dialog_set_request (DarkmapReconstructDialog *self,
                                             const DmReconstructRequest *request);

/* Chooses the model of file (the "Other file…" button's work), switching to
 * a method that takes it.  FALSE with error when it is not a model. */
gboolean darkmap_reconstruct_dialog_choose_model_file (DarkmapReconstructDialog *self,
                                                       GFile *file, GError **error);

/* Whether Reconstruct can run: a model for MMGAN and a model on the
 * field's grid. */
gboolean darkmap_reconstruct_dialog_can_reconstruct (DarkmapReconstructDialog *self);

/* Emits "reconstruct" and hides the dialog; what the Reconstruct button
 * does.  FALSE (nothing done) when it cannot reconstruct. */
gboolean darkmap_reconstruct_dialog_accept (DarkmapReconstructDialog *self);

DarkmapModelList *darkmap_reconstruct_dialog_get_models (DarkmapReconstructDialog *self);

G_END_DECLS

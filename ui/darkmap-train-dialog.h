/* DarkmapTrainDialog: prepares a training for the open field: the kind of
 * model (score prior hybrid or plain, MMGAN, CosmoGAN emulator), the
 * field's geometry it is trained for (the pixel scale for a score prior
 * and for a CosmoGAN's simulated maps; the grid, mask and catalogue noise
 * for MMGAN), a CosmoGAN's training maps (simulated from the theory, or the
 * user's own: a FITS cube or a folder of FITS images), the theory table, the size (Quick on a CPU,
 * Full on a GPU), the device, the steps or a time budget, and the name the
 * model is saved under in the user's models folder.  The request is checked
 * as it is edited (dm_train_check and the name): what is wrong is said
 * under the form and Train is insensitive.  Above the form, the unfinished
 * trainings of the models folder, each with Resume and Discard.
 *
 * The dialog hides itself on Train, Resume, Cancel and Escape, so a window
 * can keep one and present it again. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-job.h"
#include "darkmap/train.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_TRAIN_DIALOG (darkmap_train_dialog_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapTrainDialog, darkmap_train_dialog, DARKMAP, TRAIN_DIALOG, GtkWindow)

/* Modal, transient for parent; starts on a Quick hybrid score prior, device
 * auto, the preset's steps and a name of the kind, field and date.
 * theory_path: the shipped theory table (may be NULL: none chosen yet).
 * Signals:
 *   "train" ()   the user chose Train: read darkmap_train_dialog_get_request().
 *   "resume" (const char *checkpoint_path)  the user chose to resume an
 *                unfinished training.
 *   "unfinished-changed" ()  the list of unfinished trainings changed (one
 *                was discarded).
 *   "rebin-requested" (int size, double pixel_arcmin)  the user asked for
 *                the field to be binned on the quick MMGAN's grid (size ×
 *                size pixels of pixel_arcmin); the dialog stays open and
 *                follows darkmap_train_dialog_set_field. */
DarkmapTrainDialog *darkmap_train_dialog_new (GtkWindow *parent, const char *theory_path);

/* The open field: its binned result (grid, pixel scale, mask; only read
 * now) and the settings that made it (table, columns, grid spec), or NULL
 * for none.  The name is made again for the field. */
void darkmap_train_dialog_set_field (DarkmapTrainDialog *self, const DarkmapResult *result,
                                     const DarkmapJobSettings *settings);
/* A theory table to train on; FALSE with error when it cannot be read. */
gboolean darkmap_train_dialog_set_theory (DarkmapTrainDialog *self, const char *path,
                                          GError **error);

void darkmap_train_dialog_set_kind (DarkmapTrainDialog *self, DmTrainKind kind);
/* Quick or Full (what the Size buttons choose); the preset's steps follow. */
void darkmap_train_dialog_set_preset (DarkmapTrainDialog *self, DmTrainPreset preset);
/* A CosmoGAN's own training maps (a FITS cube or a folder of FITS images,
 * probed for their pixel now: what the Cube… and Folder… choosers do), or
 * NULL for simulated maps; the path chosen, or NULL. */
void darkmap_train_dialog_set_maps_path (DarkmapTrainDialog *self, const char *path);
const char *darkmap_train_dialog_get_maps_path (DarkmapTrainDialog *self);
void darkmap_train_dialog_set_name (DarkmapTrainDialog *self, const char *name);

/* The choices as a request: dm_train_request_init of the kind and preset,
 * then the field's geometry (a CosmoGAN: the field's pixel scale, and its
 * own maps as maps_path when chosen), the theory, steps, budget, device,
 * model path and name.  Its strings and theory belong to the dialog and live until the
 * dialog changes; the MMGAN catalogue is only named (catalog_path; catalog
 * NULL).  FALSE (request undefined) when it cannot train. */
gboolean darkmap_train_dialog_get_request (DarkmapTrainDialog *self, DmTrainRequest *request);

/* Whether Train can run, and what is wrong otherwise ("" when nothing). */
gboolean darkmap_train_dialog_can_train (DarkmapTrainDialog *self);
const char *darkmap_train_dialog_get_message (DarkmapTrainDialog *self);

/* Emits "train" and hides the dialog (the Train button); FALSE (nothing
 * done) when it cannot train. */
gboolean darkmap_train_dialog_accept (DarkmapTrainDialog *self);

/* Lists the models folder's unfinished trainings again. */
void darkmap_train_dialog_refresh_unfinished (DarkmapTrainDialog *self);
guint darkmap_train_dialog_get_n_unfinished (DarkmapTrainDialog *self);
/* The checkpoint of the i-th listed one. */
const char *darkmap_train_dialog_get_unfinished_path (DarkmapTrainDialog *self, guint i);
/* What its Resume button does: emits "resume" and hides the dialog. */
void darkmap_train_dialog_resume (DarkmapTrainDialog *self, guint i);
/* What its Discard button does: deletes the checkpoint (the model of its
 * last checkpoint stays) and lists again; FALSE with error on failure. */
gboolean darkmap_train_dialog_discard (DarkmapTrainDialog *self, guint i, GError **error);

G_END_DECLS

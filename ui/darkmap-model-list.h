/* DarkmapModel and DarkmapModelList: the network models a reconstruction
 * can use.  A model is a *.safetensors weights file with an optional model
 * card (the *.md file of the same name beside it) and, for a model trained
 * here, the training's checkpoint (*.checkpoint.safetensors, not a model);
 * the list holds the shipped models (the data folder's models/) and the
 * user's (g_get_user_data_dir()/darkmap/models/), plus files added by hand.
 *
 * The application shares one list (darkmap_model_list_get_default) between
 * the Reconstruct dialog and the model library.  Whatever changes the
 * folders (a rename, delete or import in the library, a training that
 * wrote or finished a model) calls darkmap_model_list_reload on it, so that
 * every view of the list shows the change at once. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap/model-info.h"
#include "darkmap/reconstruct.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_MODEL (darkmap_model_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapModel, darkmap_model, DARKMAP, MODEL, GObject)

/* Where a model's file is. */
typedef enum
{
  DARKMAP_MODEL_SHIPPED,  /* the data folder's models/: read-only */
  DARKMAP_MODEL_USER,     /* the user's models folder */
  DARKMAP_MODEL_OTHER,    /* elsewhere (added by hand) */
} DarkmapModelOrigin;

/* Reads path's metadata (dm_model_info_read) and its model card when there
 * is one.  NULL with error (DARKMAP_ENGINE_ERROR) when the file is not a
 * model. */
DarkmapModel *darkmap_model_new (const char *path, GError **error);

/* The strings below belong to the model. */
const char *darkmap_model_get_path (DarkmapModel *self);
/* The file name without .safetensors ("score-cosmos"). */
const char *darkmap_model_get_name (DarkmapModel *self);
const DmModelInfo *darkmap_model_get_info (DarkmapModel *self);
DarkmapModelOrigin darkmap_model_get_origin (DarkmapModel *self);
/* The paths of its card (<name>.md) and of a training's checkpoint
 * (<name>.checkpoint.safetensors) beside it, which may not exist (newly
 * allocated). */
char *darkmap_model_get_card_path (DarkmapModel *self);
char *darkmap_model_get_checkpoint_path (DarkmapModel *self);
/* dm_model_kind_describe of the kind ("MMGAN generator"). */
const char *darkmap_model_get_kind_text (DarkmapModel *self);
/* "360 × 360 × 0.29′", "any grid of 0.29′ pixels" or "any grid". */
const char *darkmap_model_get_grid_text (DarkmapModel *self);
/* The card's first heading without its "# " and its first paragraph, as
 * plain text; "" without a card. */
const char *darkmap_model_get_title (DarkmapModel *self);
const char *darkmap_model_get_summary (DarkmapModel *self);
/* The card's own scores: its section heading and the first table row
 * marked "(this model)", as "heading: column value, …"; "" when the card
 * has none. */
const char *darkmap_model_get_validation (DarkmapModel *self);

/* Whether the method can run with this model: score models for the score
 * methods, MMGAN generators for MMGAN; a CosmoGAN emulator for none. */
gboolean darkmap_model_fits_method (DarkmapModel *self, DmReconstructMethod method);

#define DARKMAP_TYPE_MODEL_LIST (darkmap_model_list_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapModelList, darkmap_model_list, DARKMAP, MODEL_LIST, GObject)

/* A GListModel of DarkmapModel: the shipped models, then the user's, each
 * folder in file-name order.  Files that cannot be read as models are
 * skipped (counted, and named by g_debug). */
DarkmapModelList *darkmap_model_list_new (void);

/* The application's list (not a new reference; made on first use). */
DarkmapModelList *darkmap_model_list_get_default (void);
/* Makes the application's list on a worker (every model's header and card
 * read: some 25 ms), so that the first page or dialog that needs it finds
 * it made; until the worker ends, darkmap_model_list_get_default makes its
 * own at once, and the worker's is dropped.  Main thread; once a process. */
void darkmap_model_list_prefetch_default (void);

/* Scans the two folders again and reads every model and card anew, keeping
 * the files added by hand that are still models: every item is replaced
 * (one "items-changed" over the whole list), so views holding a model find
 * it again by path (darkmap_model_list_find).  Call it after changing the
 * folders: renaming, deleting or importing a model, or a training writing
 * one (on the main context, with darkmap_model_list_get_default ()). */
void darkmap_model_list_reload (DarkmapModelList *self);

/* The listed model of path, or NULL (the list keeps its reference). */
DarkmapModel *darkmap_model_list_find (DarkmapModelList *self, const char *path);

/* Files of the two folders that were skipped. */
guint darkmap_model_list_get_n_skipped (DarkmapModelList *self);

/* The model of path: the listed one when it is there, else a new one
 * appended to the list ("items-changed").  NULL with error when path is
 * not a model.  The model belongs to the list. */
DarkmapModel *darkmap_model_list_add_file (DarkmapModelList *self, const char *path,
                                           GError **error);

G_END_DECLS

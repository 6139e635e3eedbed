/* DarkmapModel and DarkmapModelList: the network models a reconstruction
 * can use.  A model is a *.safetensors weights file with an optional model
 * card (the *.md file of the same name beside it); the list holds the
 * shipped models (the data folder's models/) and the user's
 * (g_get_user_data_dir()/darkmap/models/), plus files added by hand. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap/model-info.h"
#include "darkmap/reconstruct.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_MODEL (darkmap_model_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapModel, darkmap_model, DARKMAP, MODEL, GObject)

/* Reads path's metadata (dm_model_info_read) and its model card when there
 * is one.  NULL with error (DARKMAP_ENGINE_ERROR) when the file is not a
 * model. */
DarkmapModel *darkmap_model_new (const char *path, GError **error);

/* The strings below belong to the model. */
const char *darkmap_model_get_path (DarkmapModel *self);
/* The file name without .safetensors ("score-cosmos"). */
const char *darkmap_model_get_name (DarkmapModel *self);
const DmModelInfo *darkmap_model_get_info (DarkmapModel *self);
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
 * methods, MMGAN generators for MMGAN. */
gboolean darkmap_model_fits_method (DarkmapModel *self, DmReconstructMethod method);

#define DARKMAP_TYPE_MODEL_LIST (darkmap_model_list_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapModelList, darkmap_model_list, DARKMAP, MODEL_LIST, GObject)

/* A GListModel of DarkmapModel: the shipped models, then the user's, each
 * folder in file-name order.  Files that cannot be read as models are
 * skipped (counted, and named by g_debug). */
DarkmapModelList *darkmap_model_list_new (void);

/* Files of the two folders that were skipped. */
guint darkmap_model_list_get_n_skipped (DarkmapModelList *self);

/* The model of path: the listed one when it is there, else a new one
 * appended to the list ("items-changed").  NULL with error when path is
 * not a model.  The model belongs to the list. */
DarkmapModel *darkmap_model_list_add_file (DarkmapModelList *self, const char *path,
                                           GError **error);

G_END_DECLS

/* The files of the window's trainings: models and their checkpoints in the
 * user's models folder (g_get_user_data_dir()/darkmap/models, the folder
 * the Reconstruct dialog lists), the names they are saved under, and the
 * unfinished trainings found there after a restart. */
#pragma once

#include <gio/gio.h>

#include "darkmap/train.h"

G_BEGIN_DECLS

/* g_get_user_data_dir()/darkmap/models (newly allocated; may not exist):
 * the user's models, trained or imported. */
char *darkmap_train_models_folder (void);

/* The model file of name in the models folder: <folder>/<name>.safetensors.
 * NULL with error (G_IO_ERROR_INVALID_FILENAME) for an empty name, one with
 * '/' or starting with '.', and (G_IO_ERROR_EXISTS) when the model or its
 * checkpoint exists and overwrite is FALSE. */
char *darkmap_train_model_path (const char *name, gboolean overwrite, GError **error);

/* "<kind>-<field>-<date>": the kind's name, the catalogue's file name
 * without its extension (letters, digits, '-' and '_' kept; NULL or empty:
 * no field part) and today's date, e.g. "mmgan-cosmos-2025-03-14". */
char *darkmap_train_default_name (DmTrainKind kind, const char *catalogue_path);

/* An unfinished training: a checkpoint whose step is short of its total. */
typedef struct
{
  char *checkpoint_path;
  DmTrainCheckpointInfo info;   /* what dm_train_checkpoint_read gave */
} DarkmapUnfinishedTraining;

void darkmap_unfinished_training_free (DarkmapUnfinishedTraining *training);

/* The unfinished trainings of folder (*.checkpoint.safetensors with
 * step < total steps), in file-name order: a GPtrArray that frees its
 * items.  Files that cannot be read as checkpoints are left out (g_debug). */
GPtrArray *darkmap_train_find_unfinished (const char *folder);

/* The kind as the window names it ("Score prior, hybrid"). */
const char *darkmap_train_kind_title (DmTrainKind kind);

/* "Score prior, hybrid — step 120 of 400" for a list. */
char *darkmap_unfinished_training_describe (const DarkmapUnfinishedTraining *training);

/* Deletes the checkpoint (the resume state); the model of its last
 * checkpoint stays usable. */
gboolean darkmap_unfinished_training_discard (const DarkmapUnfinishedTraining *training,
                                              GError **error);

G_END_DECLS

/* The files of a model (darkmap-model-list.h): its weights <name>.safetensors,
 * its card <name>.md and a training's checkpoint
 * <name>.checkpoint.safetensors, moved, removed and copied together.
 * Only the user's models (DARKMAP_MODEL_USER) are renamed or deleted;
 * anything else is refused with G_IO_ERROR_PERMISSION_DENIED.  A name is
 * refused when empty, with '/' or starting with '.'
 * (G_IO_ERROR_INVALID_FILENAME), or when one of its three files exists in
 * the folder (G_IO_ERROR_EXISTS).  Copies are atomic (darkmap/atomic-file.h:
 * unnamed until complete and flushed to disk).  The caller reloads its
 * model list after a change. */
#pragma once

#include <gio/gio.h>

#include "darkmap-model-list.h"

G_BEGIN_DECLS

/* Renames the files; on a failure those renamed are renamed back.  The new
 * weights path (newly allocated), or NULL with error. */
char *darkmap_model_files_rename (DarkmapModel *model, const char *name, GError **error);

/* The files to the trash (deleted where there is no trash). */
gboolean darkmap_model_files_delete (DarkmapModel *model, GError **error);

/* The model file path, checked with dm_model_info_read (nothing is copied
 * when it is not a model: the engine's error), copied into the user's
 * models folder (made when missing) under its own name, with the card
 * beside it when there is one.  The new weights path, or NULL with error. */
char *darkmap_model_files_import (const char *path, GError **error);

/* The weights copied to destination and the card, when there is one, to
 * destination's card path (".safetensors" replaced by ".md"). */
gboolean darkmap_model_files_export (DarkmapModel *model, const char *destination,
                                     GError **error);

G_END_DECLS

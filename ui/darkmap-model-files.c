/* The files of a model in the user's models folder: rename, delete,
 * import and export (darkmap-model-files.h). */
#include "darkmap-model-files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "darkmap-job.h"
#include "darkmap-train-files.h"
#include "darkmap/atomic-file.h"

#define MODEL_SUFFIX ".safetensors"

static gboolean
check_user_model (DarkmapModel *model, GError **error)
{
  if (darkmap_model_get_origin (model) == DARKMAP_MODEL_USER)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               _("“%s” is not in your models folder: it can be exported, not changed."),
               darkmap_model_get_name (model));
  return FALSE;
}

static gboolean
check_name (const char *name, GError **error)
{
  if (name[0] == '\0' || name[0] == '.' || strchr (name, '/') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("“%s” cannot name a model: give a name without “/” that does not start "
                     "with a dot."),
                   name);
      return FALSE;
    }
  return TRUE;
}

/* The weights, card and checkpoint of a model named name in folder. */
static void
model_files (const char *folder, const char *name, char *paths[3])
{
  paths[0] = g_strdup_printf ("%s/%s" MODEL_SUFFIX, folder, name);
  paths[1] = g_strdup_printf ("%s/%s.md", folder, name);
  paths[2] = g_strdup_printf ("%s/%s.checkpoint" MODEL_SUFFIX, folder, name);
}

static void
free_files (char *paths[3])
{
  for (int i = 0; i < 3; i++)
    g_free (paths[i]);
}

/* Refuses when one of the files of name in folder exists. */
static gboolean
check_free (const char *folder, const char *name, GError **error)
{
  char *paths[3];
  gboolean taken = FALSE;

  model_files (folder, name, paths);
  for (int i = 0; i < 3; i++)
    taken = taken || g_file_test (paths[i], G_FILE_TEST_EXISTS);
  free_files (paths);
  if (taken)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                 _("Your models folder has a model named “%s” already."), name);
  return !taken;
}

static void
set_errno_error (GError **error, int saved, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot change %s: %s"), path,
               g_strerror (saved));
}

char *
darkmap_model_files_rename (DarkmapModel *model, const char *name, GError **error)
{
  g_autofree char *folder = NULL;
  const char *old_name;
  char *from[3], *to[3], *path;
  gboolean moved[3] = { FALSE, FALSE, FALSE };
  gboolean ok = TRUE;

  g_return_val_if_fail (DARKMAP_IS_MODEL (model) && name != NULL, NULL);
  if (!check_user_model (model, error) || !check_name (name, error))
    return NULL;
  folder = g_path_get_dirname (darkmap_model_get_path (model));
  old_name = darkmap_model_get_name (model);
  if (strcmp (name, old_name) == 0)
    return g_strdup (darkmap_model_get_path (model));
  if (!check_free (folder, name, error))
    return NULL;
  model_files (folder, old_name, from);
  model_files (folder, name, to);
  /* The weights first; the card and checkpoint when there are; undone on
   * a failure. */
  for (int i = 0; ok && i < 3; i++)
    {
      if (i > 0 && !g_file_test (from[i], G_FILE_TEST_EXISTS))
        continue;
      moved[i] = g_rename (from[i], to[i]) == 0;
      if (!moved[i])
        {
          set_errno_error (error, errno, from[i]);
          ok = FALSE;
        }
    }
  for (int i = 0; !ok && i < 3; i++)
    if (moved[i])
      g_rename (to[i], from[i]);
  path = ok ? g_strdup (to[0]) : NULL;
  free_files (from);
  free_files (to);
  return path;
}

/* To the trash when there is one, else deleted. */
static gboolean
trash_or_delete (const char *path, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) trash_error = NULL;

  if (g_file_trash (file, NULL, &trash_error))
    return TRUE;
  g_debug ("%s not trashed (%s): deleted", path, trash_error->message);
  return g_file_delete (file, NULL, error);
}

gboolean
darkmap_model_files_delete (DarkmapModel *model, GError **error)
{
  g_autofree char *folder = NULL;
  char *paths[3];
  gboolean ok = TRUE;

  g_return_val_if_fail (DARKMAP_IS_MODEL (model), FALSE);
  if (!check_user_model (model, error))
    return FALSE;
  folder = g_path_get_dirname (darkmap_model_get_path (model));
  model_files (folder, darkmap_model_get_name (model), paths);
  for (int i = 0; ok && i < 3; i++)
    if (i == 0 || g_file_test (paths[i], G_FILE_TEST_EXISTS))
      ok = trash_or_delete (paths[i], error);
  free_files (paths);
  return ok;
}

/* source copied to destination atomically (darkmap/atomic-file.h): a
 * failure leaves destination untouched. */
static gboolean
copy_atomically (const char *source, const char *destination, GError **error)
{
  g_autoptr (GFile) from = g_file_new_for_path (source);
  g_autoptr (GFileInputStream) input = g_file_read (from, NULL, error);
  DmError *dm_error = NULL;
  DmAtomicFile *file;
  guint8 buffer[65536];
  gssize n;

  if (input == NULL)
    return FALSE;
  file = dm_atomic_file_new (destination, &dm_error);
  if (file == NULL)
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  do
    n = g_input_stream_read (G_INPUT_STREAM (input), buffer, sizeof buffer, NULL, error);
  while (n > 0 && dm_atomic_file_write (file, buffer, (gsize) n, &dm_error));
  /* n is 0 at the end of source, -1 when reading failed (error is set),
   * positive when writing failed (dm_error is set). */
  if (n != 0)
    {
      dm_atomic_file_abort (file);
      if (dm_error != NULL)
        darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  if (!dm_atomic_file_commit (file, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  return TRUE;
}

/* The weights and, when there is one, the card of weights (a model path)
 * copied to destination (weights) and its card path. */
static gboolean
copy_model (const char *weights, const char *card, const char *destination, GError **error)
{
  g_autofree char *card_destination = NULL;

  if (!copy_atomically (weights, destination, error))
    return FALSE;
  if (!g_file_test (card, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  card_destination = g_str_has_suffix (destination, MODEL_SUFFIX)
                     ? g_strdup_printf ("%.*s.md", (int) (strlen (destination)
                                                         - strlen (MODEL_SUFFIX)), destination)
                     : g_strconcat (destination, ".md", NULL);
  if (copy_atomically (card, card_destination, error))
    return TRUE;
  g_remove (destination);
  return FALSE;
}

char *
darkmap_model_files_import (const char *path, GError **error)
{
  g_autofree char *base = NULL, *name = NULL, *folder = NULL, *card = NULL;
  char *paths[3], *imported;
  DmModelInfo info;
  DmError *dm_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  if (!dm_model_info_read (path, &info, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return NULL;
    }
  base = g_path_get_basename (path);
  name = g_str_has_suffix (base, MODEL_SUFFIX)
         ? g_strndup (base, strlen (base) - strlen (MODEL_SUFFIX)) : g_strdup (base);
  folder = darkmap_train_models_folder ();
  if (!check_name (name, error) || !check_free (folder, name, error))
    return NULL;
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      set_errno_error (error, errno, folder);
      return NULL;
    }
  card = g_str_has_suffix (path, MODEL_SUFFIX)
         ? g_strdup_printf ("%.*s.md", (int) (strlen (path) - strlen (MODEL_SUFFIX)), path)
         : g_strconcat (path, ".md", NULL);
  model_files (folder, name, paths);
  imported = copy_model (path, card, paths[0], error) ? g_strdup (paths[0]) : NULL;
  free_files (paths);
  return imported;
}

gboolean
darkmap_model_files_export (DarkmapModel *model, const char *destination, GError **error)
{
  g_autofree char *card = NULL;

  g_return_val_if_fail (DARKMAP_IS_MODEL (model) && destination != NULL, FALSE);
  card = darkmap_model_get_card_path (model);
  return copy_model (darkmap_model_get_path (model), card, destination, error);
}

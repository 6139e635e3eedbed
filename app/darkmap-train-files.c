/* The files of the window's trainings: names, the models folder, and the
 * unfinished trainings found there. */
#include "darkmap-train-files.h"

#include <string.h>

#include <glib/gi18n.h>

#define MODEL_SUFFIX ".safetensors"
#define CHECKPOINT_SUFFIX ".checkpoint.safetensors"

char *
darkmap_train_models_folder (void)
{
  return g_build_filename (g_get_user_data_dir (), "darkmap", "models", NULL);
}

char *
darkmap_train_model_path (const char *name, gboolean overwrite, GError **error)
{
  g_autofree char *folder = darkmap_train_models_folder ();
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *checkpoint = NULL;

  if (name == NULL || name[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                           _("Give the model a name."));
      return NULL;
    }
  if (strchr (name, '/') != NULL || name[0] == '.')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                           _("A model’s name cannot contain “/” or start with “.”."));
      return NULL;
    }
  file = g_strconcat (name, MODEL_SUFFIX, NULL);
  path = g_build_filename (folder, file, NULL);
  g_free (file);
  file = g_strconcat (name, CHECKPOINT_SUFFIX, NULL);
  checkpoint = g_build_filename (folder, file, NULL);
  if (!overwrite && (g_file_test (path, G_FILE_TEST_EXISTS)
                     || g_file_test (checkpoint, G_FILE_TEST_EXISTS)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("A model named “%s” exists already: choose another name, or replace it."),
                   name);
      return NULL;
    }
  return g_steal_pointer (&path);
}

char *
darkmap_train_default_name (DmTrainKind kind, const char *catalogue_path)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *field = NULL;

  if (catalogue_path != NULL && catalogue_path[0] != '\0')
    {
      char *dot;

      field = g_path_get_basename (catalogue_path);
      if ((dot = strrchr (field, '.')) != NULL && dot != field)
        *dot = '\0';
      for (char *c = field; *c != '\0'; c++)
        if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
          *c = '-';
    }
  if (field == NULL || field[0] == '\0' || field[0] == '.')
    return g_strdup_printf ("%s-%s", dm_train_kind_name (kind), date);
  return g_strdup_printf ("%s-%s-%s", dm_train_kind_name (kind), field, date);
}

const char *
darkmap_train_kind_title (DmTrainKind kind)
{
  switch (kind)
    {
    case DM_TRAIN_SCORE_HYBRID:
      return _("Score prior, hybrid");
    case DM_TRAIN_SCORE_PLAIN:
      return _("Score prior, plain");
    case DM_TRAIN_MMGAN:
      return _("MMGAN");
    case DM_TRAIN_COSMOGAN:
      return _("CosmoGAN emulator");
    default:
      return "";
    }
}

void
darkmap_unfinished_training_free (DarkmapUnfinishedTraining *training)
{
  if (training == NULL)
    return;
  g_free (training->checkpoint_path);
  g_free (training);
}

/* g_ptr_array_sort's comparison of two file names (pointers to strings). */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
darkmap_train_find_unfinished (const char *folder)
{
  GPtrArray *found =
    g_ptr_array_new_with_free_func ((GDestroyNotify) darkmap_unfinished_training_free);
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return found;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, CHECKPOINT_SUFFIX))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      DarkmapUnfinishedTraining *training = g_new0 (DarkmapUnfinishedTraining, 1);
      DmError *error = NULL;

      training->checkpoint_path = g_build_filename (folder, g_ptr_array_index (names, i), NULL);
      if (!dm_train_checkpoint_read (training->checkpoint_path, &training->info, &error))
        {
          g_debug ("Checkpoint %s left out: %s", training->checkpoint_path, error->message);
          dm_error_free (error);
          darkmap_unfinished_training_free (training);
          continue;
        }
      if (training->info.step >= training->info.request.steps)
        {
          darkmap_unfinished_training_free (training);
          continue;
        }
      g_ptr_array_add (found, training);
    }
  return found;
}

char *
darkmap_unfinished_training_describe (const DarkmapUnfinishedTraining *training)
{
  /* TRANSLATORS: the kind of model, then the steps done and the total */
  return g_strdup_printf (_("%s — step %lld of %lld"),
                          darkmap_train_kind_title (training->info.request.kind),
                          (long long) training->info.step,
                          (long long) training->info.request.steps);
}

gboolean
darkmap_unfinished_training_discard (const DarkmapUnfinishedTraining *training, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (training->checkpoint_path);

  return g_file_delete (file, NULL, error);
}

/* DarkmapModel and DarkmapModelList: the models on disk, their metadata and
 * the summary of their model cards. */
#include "darkmap-model-list.h"

#include <string.h>

#include <glib/gi18n.h>

#include "darkmap-application.h"
#include "darkmap-job.h"
#include "darkmap-train-files.h"

#define MODEL_SUFFIX ".safetensors"
#define CHECKPOINT_SUFFIX ".checkpoint.safetensors"

struct _DarkmapModel
{
  GObject parent_instance;

  char *path;        /* owned */
  char *name;        /* owned */
  DarkmapModelOrigin origin;
  DmModelInfo info;
  char *grid_text;   /* owned */
  char *title;       /* owned; "" without a card */
  char *summary;     /* owned; "" without a card */
  char *validation;  /* owned; "" when the card has no scores */
};

G_DEFINE_FINAL_TYPE (DarkmapModel, darkmap_model, G_TYPE_OBJECT)

static void
darkmap_model_finalize (GObject *object)
{
  DarkmapModel *self = DARKMAP_MODEL (object);

  g_free (self->path);
  g_free (self->name);
  g_free (self->grid_text);
  g_free (self->title);
  g_free (self->summary);
  g_free (self->validation);
  G_OBJECT_CLASS (darkmap_model_parent_class)->finalize (object);
}

static void
darkmap_model_class_init (DarkmapModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = darkmap_model_finalize;
}

static void
darkmap_model_init (DarkmapModel *self)
{
}

/* Markdown emphasis and code marks left out: the card as plain text. */
static char *
plain_text (const char *markdown)
{
  GString *text = g_string_new (NULL);

  for (const char *c = markdown; *c != '\0'; c++)
    if (*c != '`' && *c != '*')
      g_string_append_c (text, *c);
  return g_strstrip (g_string_free (text, FALSE));
}

/* The cells of a table row "| a | b |" (stripped), or NULL for another line. */
static char **
table_cells (const char *line)
{
  g_autofree char *inner = NULL;
  size_t n = strlen (line);
  char **cells;

  if (line[0] != '|' || n < 2 || line[n - 1] != '|')
    return NULL;
  inner = g_strndup (line + 1, n - 2);
  cells = g_strsplit (inner, "|", -1);
  for (char **cell = cells; *cell != NULL; cell++)
    {
      char *plain = plain_text (*cell);

      g_free (*cell);
      *cell = plain;
    }
  return cells;
}

/* "heading: h1 v1, h2 v2, …" of a table row under its header row. */
static char *
describe_scores (const char *heading, char **header, char **row)
{
  g_autoptr (GString) scores = g_string_new (NULL);

  for (guint i = 1; row[i] != NULL && header[i] != NULL; i++)
    if (row[i][0] != '\0')
      g_string_append_printf (scores, "%s%s %s", scores->len > 0 ? ", " : "", header[i], row[i]);
  /* TRANSLATORS: a model card's section heading, then its scores. */
  return g_strdup_printf (_("%s: %s"), heading, scores->str);
}

/* The title, first paragraph and own scores of a model card (Markdown). */
static void
read_model_card (DarkmapModel *self, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GString) paragraph = g_string_new (NULL);
  g_auto (GStrv) header = NULL;
  g_autofree char *heading = NULL;
  gboolean in_fence = FALSE, paragraph_done = FALSE, previous_row = FALSE;

  for (char **l = lines; *l != NULL; l++)
    {
      const char *line = g_strstrip (*l);
      g_auto (GStrv) cells = NULL;

      if (g_str_has_prefix (line, "```"))
        {
          in_fence = !in_fence;
          paragraph_done = paragraph_done || paragraph->len > 0;
          continue;
        }
      if (in_fence)
        continue;
      if (line[0] == '#')
        {
          const char *words = line + strspn (line, "#");

          g_free (heading);
          heading = plain_text (words);
          if (self->title == NULL)
            self->title = g_strdup (heading);
        }
      cells = table_cells (line);
      if (cells != NULL && !previous_row)
        {
          g_strfreev (header);
          header = g_steal_pointer (&cells);
        }
      else if (cells != NULL && self->validation == NULL && header != NULL &&
               cells[0] != NULL && strstr (cells[0], "(this model)") != NULL)
        self->validation = describe_scores (heading != NULL ? heading : "", header, cells);
      previous_row = line[0] == '|';

      if (line[0] == '\0' || line[0] == '#' || line[0] == '|')
        paragraph_done = paragraph_done || paragraph->len > 0;
      else if (!paragraph_done && self->title != NULL)
        g_string_append_printf (paragraph, "%s%s", paragraph->len > 0 ? " " : "", line);
    }
  self->summary = plain_text (paragraph->str);
}

static char *
describe_grid (const DmModelInfo *info)
{
  if (info->nx > 0 && info->pixel_arcmin > 0.0)
    return g_strdup_printf (_("%d × %d × %g′"), info->nx, info->ny, info->pixel_arcmin);
  if (info->nx > 0)
    return g_strdup_printf (_("%d × %d pixels"), info->nx, info->ny);
  if (info->pixel_arcmin > 0.0)
    return g_strdup_printf (_("any grid of %g′ pixels"), info->pixel_arcmin);
  return g_strdup (_("any grid"));
}

/* Where the folder of path is: the shipped models', the user's or another. */
static DarkmapModelOrigin
origin_of (const char *path)
{
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *shipped = darkmap_find_data_file ("models");
  g_autofree char *user = darkmap_train_models_folder ();
  g_autoptr (GFile) file = g_file_new_for_path (folder);
  g_autoptr (GFile) shipped_file = g_file_new_for_path (shipped);
  g_autoptr (GFile) user_file = g_file_new_for_path (user);

  if (g_file_equal (file, user_file))
    return DARKMAP_MODEL_USER;
  if (g_file_equal (file, shipped_file))
    return DARKMAP_MODEL_SHIPPED;
  return DARKMAP_MODEL_OTHER;
}

DarkmapModel *
darkmap_model_new (const char *path, GError **error)
{
  g_autoptr (DarkmapModel) self = NULL;
  g_autofree char *base = NULL, *card_path = NULL, *card = NULL;
  DmError *dm_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  self = g_object_new (DARKMAP_TYPE_MODEL, NULL);
  if (!dm_model_info_read (path, &self->info, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return NULL;
    }
  self->path = g_strdup (path);
  self->origin = origin_of (path);
  base = g_path_get_basename (path);
  self->name = g_str_has_suffix (base, MODEL_SUFFIX)
               ? g_strndup (base, strlen (base) - strlen (MODEL_SUFFIX)) : g_strdup (base);
  self->grid_text = describe_grid (&self->info);

  card_path = darkmap_model_get_card_path (self);
  if (g_file_get_contents (card_path, &card, NULL, NULL))
    read_model_card (self, card);
  if (self->title == NULL)
    self->title = g_strdup ("");
  if (self->summary == NULL)
    self->summary = g_strdup ("");
  if (self->validation == NULL)
    self->validation = g_strdup ("");
  return g_steal_pointer (&self);
}

const char *
darkmap_model_get_path (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return self->path;
}

const char *
darkmap_model_get_name (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return self->name;
}

DarkmapModelOrigin
darkmap_model_get_origin (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), DARKMAP_MODEL_OTHER);
  return self->origin;
}

/* path with its ".safetensors" (if any) replaced by suffix. */
static char *
sibling_path (const char *path, const char *suffix)
{
  g_autofree char *stem = g_str_has_suffix (path, MODEL_SUFFIX)
                          ? g_strndup (path, strlen (path) - strlen (MODEL_SUFFIX))
                          : g_strdup (path);

  return g_strconcat (stem, suffix, NULL);
}

char *
darkmap_model_get_card_path (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return sibling_path (self->path, ".md");
}

char *
darkmap_model_get_checkpoint_path (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return sibling_path (self->path, CHECKPOINT_SUFFIX);
}

const DmModelInfo *
darkmap_model_get_info (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return &self->info;
}

const char *
darkmap_model_get_kind_text (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return dm_model_kind_describe (self->info.kind);
}

const char *
darkmap_model_get_grid_text (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return self->grid_text;
}

const char *
darkmap_model_get_title (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return self->title;
}

const char *
darkmap_model_get_summary (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return self->summary;
}

const char *
darkmap_model_get_validation (DarkmapModel *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), NULL);
  return self->validation;
}

gboolean
darkmap_model_fits_method (DarkmapModel *self, DmReconstructMethod method)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL (self), FALSE);
  if (method == DM_RECONSTRUCT_MMGAN)
    return self->info.kind == DM_MODEL_MMGAN;
  return dm_reconstruct_method_takes_model (method)
         && (self->info.kind == DM_MODEL_SCORE_HYBRID || self->info.kind == DM_MODEL_SCORE_PLAIN);
}

struct _DarkmapModelList
{
  GObject parent_instance;

  GPtrArray *models;  /* of DarkmapModel, owned */
  guint n_skipped;
};

static void darkmap_model_list_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DarkmapModelList, darkmap_model_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      darkmap_model_list_list_model_init))

static GType
darkmap_model_list_get_item_type (GListModel *list)
{
  return DARKMAP_TYPE_MODEL;
}

static guint
darkmap_model_list_get_n_items (GListModel *list)
{
  return DARKMAP_MODEL_LIST (list)->models->len;
}

static gpointer
darkmap_model_list_get_item (GListModel *list, guint position)
{
  DarkmapModelList *self = DARKMAP_MODEL_LIST (list);

  if (position >= self->models->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->models, position));
}

static void
darkmap_model_list_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = darkmap_model_list_get_item_type;
  iface->get_n_items = darkmap_model_list_get_n_items;
  iface->get_item = darkmap_model_list_get_item;
}

static void
darkmap_model_list_finalize (GObject *object)
{
  DarkmapModelList *self = DARKMAP_MODEL_LIST (object);

  g_ptr_array_unref (self->models);
  G_OBJECT_CLASS (darkmap_model_list_parent_class)->finalize (object);
}

static void
darkmap_model_list_class_init (DarkmapModelListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = darkmap_model_list_finalize;
}

static void
darkmap_model_list_init (DarkmapModelList *self)
{
  self->models = g_ptr_array_new_with_free_func (g_object_unref);
}

static DarkmapModel *
find_model (DarkmapModelList *self, const char *path)
{
  for (guint i = 0; i < self->models->len; i++)
    {
      DarkmapModel *model = g_ptr_array_index (self->models, i);

      if (g_strcmp0 (model->path, path) == 0)
        return model;
    }
  return NULL;
}

/* g_ptr_array_sort's comparison of two file names (pointers to strings). */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Appends the models of folder (absent: none), in file-name order; a
 * training's checkpoints are not models. */
static void
scan_folder (DarkmapModelList *self, const char *folder)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, MODEL_SUFFIX) && !g_str_has_suffix (name, CHECKPOINT_SUFFIX))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, g_ptr_array_index (names, i), NULL);
      g_autoptr (GError) error = NULL;
      DarkmapModel *model;

      if (find_model (self, path) != NULL)
        continue;
      model = darkmap_model_new (path, &error);
      if (model == NULL)
        {
          g_debug ("Model %s skipped: %s", path, error->message);
          self->n_skipped++;
          continue;
        }
      g_ptr_array_add (self->models, model);
    }
}

/* The shipped folder's models, then the user's. */
static void
scan_folders (DarkmapModelList *self)
{
  g_autofree char *shipped = darkmap_find_data_file ("models");
  g_autofree char *user = darkmap_train_models_folder ();

  scan_folder (self, shipped);
  scan_folder (self, user);
}

DarkmapModelList *
darkmap_model_list_new (void)
{
  DarkmapModelList *self = g_object_new (DARKMAP_TYPE_MODEL_LIST, NULL);

  scan_folders (self);
  return self;
}

/* The process's list (never freed); the main thread's alone. */
static DarkmapModelList *default_list;

DarkmapModelList *
darkmap_model_list_get_default (void)
{
  if (default_list == NULL)
    default_list = darkmap_model_list_new ();
  return default_list;
}

static void
read_default_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  darkmap_job_lower_thread_priority ();
  g_task_return_pointer (task, darkmap_model_list_new (), g_object_unref);
}

static void
on_default_read (GObject *source, GAsyncResult *result, gpointer data)
{
  DarkmapModelList *list = g_task_propagate_pointer (G_TASK (result), NULL);

  if (default_list == NULL)
    default_list = list;
  else
    g_object_unref (list); /* made meanwhile on the main thread */
}

void
darkmap_model_list_prefetch_default (void)
{
  static gboolean started;
  g_autoptr (GTask) task = NULL;

  if (started || default_list != NULL)
    return;
  started = TRUE;
  task = g_task_new (NULL, NULL, on_default_read, NULL);
  g_task_run_in_thread (task, read_default_thread);
}

void
darkmap_model_list_reload (DarkmapModelList *self)
{
  g_autoptr (GPtrArray) old = NULL;
  guint n_old;

  g_return_if_fail (DARKMAP_IS_MODEL_LIST (self));
  old = g_steal_pointer (&self->models);
  n_old = old->len;
  self->models = g_ptr_array_new_with_free_func (g_object_unref);
  self->n_skipped = 0;
  scan_folders (self);
  /* Files added by hand, read again while they are models. */
  for (guint i = 0; i < old->len; i++)
    {
      DarkmapModel *model = g_ptr_array_index (old, i);
      g_autoptr (GError) error = NULL;
      DarkmapModel *again;

      if (model->origin != DARKMAP_MODEL_OTHER || find_model (self, model->path) != NULL)
        continue;
      again = darkmap_model_new (model->path, &error);
      if (again != NULL)
        g_ptr_array_add (self->models, again);
      else
        g_debug ("Model %s dropped: %s", model->path, error->message);
    }
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n_old, self->models->len);
}

DarkmapModel *
darkmap_model_list_find (DarkmapModelList *self, const char *path)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL_LIST (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  return find_model (self, path);
}

guint
darkmap_model_list_get_n_skipped (DarkmapModelList *self)
{
  g_return_val_if_fail (DARKMAP_IS_MODEL_LIST (self), 0);
  return self->n_skipped;
}

DarkmapModel *
darkmap_model_list_add_file (DarkmapModelList *self, const char *path, GError **error)
{
  DarkmapModel *model;

  g_return_val_if_fail (DARKMAP_IS_MODEL_LIST (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  model = find_model (self, path);
  if (model != NULL)
    return model;
  model = darkmap_model_new (path, error);
  if (model == NULL)
    return NULL;
  g_ptr_array_add (self->models, model);
  g_list_model_items_changed (G_LIST_MODEL (self), self->models->len - 1, 0, 1);
  return model;
}

/* The model library (win.models) with a scratch user data folder, beside
 * the Reconstruct dialog, which shares its list:
 *  - a file that is not a model is refused with the engine's message, and
 *    nothing is copied;
 *  - a tiny MMGAN generator (32² of 3.2′, written here, with a card) is
 *    imported: listed as the user's, offered by the Reconstruct dialog for
 *    MMGAN; importing it again is refused; a training's checkpoint beside
 *    it is not listed;
 *  - rename moves the weights, card and checkpoint together and the dialog
 *    offers the new name alone; bad names, clashes and shipped models are
 *    refused;
 *  - export writes the same bytes (SHA-256 of weights and card);
 *  - Evaluate on a Mock (the demo catalogue on 32² pixels of 3.2′, 2
 *    samples) fills the table: its KS and MMGAN rows equal dm_evaluate_model
 *    run directly on the library's request, and the card gains the
 *    "Evaluation on a mock" section with this model's row; a cancelled
 *    evaluation ends with G_IO_ERROR_CANCELLED;
 *  - delete sends the three files away and both lists drop the model. */
#include <string.h>

#include <glib/gstdio.h>

#include <darkmap/mmgan.h>
#include <darkmap/sha256.h>

#include "darkmap-model-library.h"
#include "darkmap-reconstruct-dialog.h"
#include "darkmap-train-files.h"
#include "window-test-util.h"

#define SIZE 32
#define PIXEL_ARCMIN 3.2

/* A file beside the test's user data folder (newly allocated). */
static char *
in_folder (const char *folder, const char *name)
{
  return g_build_filename (folder, name, NULL);
}

/* A tiny generator of SIZE² pixels of PIXEL_ARCMIN at path, and a card. */
static gboolean
write_tiny_model (const char *path, const char *card_path)
{
  DmError *error = NULL;
  DmNn *nn = dm_nn_new (DM_NN_DEVICE_CPU, 1, &error);
  DmMmganConfig config;
  DmMmgan *mmgan = NULL;
  gboolean ok;

  dm_mmgan_config_init (&config);
  config.nx = config.ny = SIZE;
  config.pixel_arcmin = PIXEL_ARCMIN;
  config.depth = 2;
  config.base_width = 4;
  config.groups = 2;
  config.kappa_std = 0.02;
  if (nn != NULL)
    mmgan = dm_mmgan_new (nn, &config, FALSE, 5, &error);
  ok = mmgan != NULL && dm_mmgan_save (mmgan, path, &error);
  CHECK_OK (ok, error);
  dm_mmgan_free (mmgan);
  dm_nn_free (nn);
  return ok && g_file_set_contents (card_path,
                                    "# tiny-gan: a test generator\n\n"
                                    "A generator of **32 × 32** pixels.\n\n"
                                    "## Training\n\n| | |\n|---|---|\n| steps | 0 |\n",
                                    -1, NULL);
}

static DarkmapModelLibrary *
find_library (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (DARKMAP_IS_MODEL_LIBRARY (item))
        return DARKMAP_MODEL_LIBRARY (item);
    }
  return NULL;
}

static DarkmapModel *
find_model (const char *name)
{
  GListModel *list = G_LIST_MODEL (darkmap_model_list_get_default ());

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (DarkmapModel) model = g_list_model_get_item (list, i);

      if (strcmp (darkmap_model_get_name (model), name) == 0)
        return model;  /* the list keeps its reference */
    }
  return NULL;
}

/* Whether the Reconstruct dialog's model chooser (on MMGAN) offers name. */
static gboolean
dialog_offers (DarkmapReconstructDialog *dialog, const char *name)
{
  GtkDropDown *methods = GTK_DROP_DOWN (gtk_widget_get_template_child (
    GTK_WIDGET (dialog), DARKMAP_TYPE_RECONSTRUCT_DIALOG, "method_chooser"));
  GtkDropDown *models = GTK_DROP_DOWN (gtk_widget_get_template_child (
    GTK_WIDGET (dialog), DARKMAP_TYPE_RECONSTRUCT_DIALOG, "model_chooser"));
  GListModel *names;

  gtk_drop_down_set_selected (methods, DM_RECONSTRUCT_MMGAN);
  names = gtk_drop_down_get_model (models);
  for (guint i = 0; i < g_list_model_get_n_items (names); i++)
    if (strcmp (gtk_string_list_get_string (GTK_STRING_LIST (names), i), name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
same_digest (const char *a, const char *b)
{
  char da[65] = "", db[65] = "";
  DmError *error = NULL;
  gboolean ok = dm_sha256_file (a, da, &error) && dm_sha256_file (b, db, &error);

  CHECK_OK (ok, error);
  return ok && strcmp (da, db) == 0;
}

typedef struct
{
  gboolean done;
  GError *error;
} EvaluationWait;

static void
on_evaluation_finished (DarkmapModelLibrary *library, const GError *error, EvaluationWait *wait)
{
  wait->done = TRUE;
  wait->error = error != NULL ? g_error_copy (error) : NULL;
}

/* Starts Evaluate on a Mock (cancelled at once when cancel) and iterates
 * until it ends: its error, or NULL. */
static GError *
evaluate (DarkmapModelLibrary *library, gboolean cancel)
{
  EvaluationWait wait = { FALSE, NULL };
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gulong handler = g_signal_connect (library, "evaluation-finished",
                                     G_CALLBACK (on_evaluation_finished), &wait);

  CHECK (gtk_widget_activate_action (GTK_WIDGET (library), "library.evaluate", NULL));
  if (cancel)
    CHECK (gtk_widget_activate_action (GTK_WIDGET (library), "library.cancel", NULL));
  while (!wait.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (library, handler);
  if (!wait.done)
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no end of the evaluation");
  return wait.error;
}

/* The text of the table's cell (column, row). */
static const char *
table_cell (DarkmapModelLibrary *library, int column, int row)
{
  GtkGrid *grid = GTK_GRID (gtk_widget_get_template_child (GTK_WIDGET (library),
                                                           DARKMAP_TYPE_MODEL_LIBRARY,
                                                           "table_grid"));
  GtkWidget *label = gtk_grid_get_child_at (grid, column, row);

  return label != NULL ? gtk_label_get_text (GTK_LABEL (label)) : NULL;
}

/* The row of the table whose first cell starts with title; −1 if none. */
static int
table_row (DarkmapModelLibrary *library, const char *title)
{
  for (int row = 1; table_cell (library, 0, row) != NULL; row++)
    if (g_str_has_prefix (table_cell (library, 0, row), title))
      return row;
  return -1;
}

static void
check_evaluation (DarkmapModelLibrary *library, DarkmapModel *model)
{
  g_autofree char *demo = darkmap_find_data_file (DARKMAP_DEMO_CATALOGUE);
  g_autofree char *theory_path = darkmap_find_data_file (DARKMAP_THEORY);
  g_autofree char *card_path = darkmap_model_get_card_path (model);
  g_autofree char *card = NULL;
  g_autofree char *ks_text = NULL, *gan_text = NULL;
  g_autoptr (GError) error = NULL;
  GtkSpinButton *samples = GTK_SPIN_BUTTON (gtk_widget_get_template_child (
    GTK_WIDGET (library), DARKMAP_TYPE_MODEL_LIBRARY, "samples_spin"));
  DarkmapJobSettings settings;
  DmModelEvaluationRequest request;
  DmModelEvaluation shown, direct;
  DmTheorySpectrum *theory;
  DmError *dm_error = NULL;
  int ks_row, gan_row;

  darkmap_job_settings_init (&settings);
  settings.grid_size = SIZE;
  settings.pixel_arcmin = PIXEL_ARCMIN;
  darkmap_model_library_set_field (library, demo, &settings);
  gtk_spin_button_set_value (samples, 2);

  error = evaluate (library, FALSE);
  if (error != NULL)
    fprintf (stderr, "evaluation: %s\n", error->message);
  CHECK (error == NULL);
  CHECK (darkmap_model_library_get_evaluation (library, &shown));

  /* The same request run directly. */
  model = find_model ("renamed-gan");
  CHECK (model != NULL);
  if (model == NULL)
    return;
  darkmap_model_library_get_evaluation_request (library, model, &request);
  CHECK (request.n_samples == 2 && request.grid.nx == SIZE);
  theory = dm_theory_read_csv (theory_path, NULL, &dm_error);
  CHECK_OK (theory != NULL, dm_error);
  request.theory = theory;
  CHECK_OK (dm_evaluate_model (&request, &direct, NULL, &dm_error), dm_error);
  dm_theory_free (theory);
  CHECK (shown.model_method == DM_EVAL_MMGAN);
  CHECK (shown.table.method[DM_EVAL_KS].done && shown.table.method[DM_EVAL_WIENER].done);
  CHECK (!shown.table.method[DM_EVAL_SCORE].done && !shown.table.method[DM_EVAL_SCORE_FLOW].done);
  CHECK (shown.table.method[DM_EVAL_KS].r == direct.table.method[DM_EVAL_KS].r);
  CHECK (shown.table.method[DM_EVAL_MMGAN].r == direct.table.method[DM_EVAL_MMGAN].r);
  printf ("window evaluation: KS r %.4f (direct %.4f), Wiener r %.4f, MMGAN r %.4f (direct "
          "%.4f)\n", shown.table.method[DM_EVAL_KS].r, direct.table.method[DM_EVAL_KS].r,
          shown.table.method[DM_EVAL_WIENER].r, shown.table.method[DM_EVAL_MMGAN].r,
          direct.table.method[DM_EVAL_MMGAN].r);

  /* The table shows them: this model first, then KS and Wiener. */
  ks_text = g_strdup_printf ("%.3f", direct.table.method[DM_EVAL_KS].r);
  gan_text = g_strdup_printf ("%.3f", direct.table.method[DM_EVAL_MMGAN].r);
  gan_row = table_row (library, "renamed-gan");
  ks_row = table_row (library, "Kaiser-Squires");
  CHECK (gan_row == 1 && ks_row == 2 && table_row (library, "Wiener") == 3);
  CHECK (ks_row > 0 && g_strcmp0 (table_cell (library, 1, ks_row), ks_text) == 0);
  CHECK (gan_row > 0 && g_strcmp0 (table_cell (library, 1, gan_row), gan_text) == 0);

  /* The card keeps it; the list shows its row. */
  CHECK (g_file_get_contents (card_path, &card, NULL, NULL));
  CHECK (card != NULL && strstr (card, "## Evaluation on a mock") != NULL);
  CHECK (card != NULL && strstr (card, "(this model)") != NULL);
  CHECK (card != NULL && strstr (card, "## Training") != NULL);
  model = find_model ("renamed-gan");
  CHECK (model != NULL && strstr (darkmap_model_get_validation (model), "r ") != NULL);

  g_clear_error (&error);
  error = evaluate (library, TRUE);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

static void
check_library (DarkmapWindow *window, const char *scratch)
{
  g_autofree char *folder = darkmap_train_models_folder ();
  g_autofree char *source = in_folder (scratch, "tiny-gan.safetensors");
  g_autofree char *source_card = in_folder (scratch, "tiny-gan.md");
  g_autofree char *not_model = in_folder (scratch, "notes.safetensors");
  g_autofree char *exported = in_folder (scratch, "exported.safetensors");
  g_autofree char *exported_card = in_folder (scratch, "exported.md");
  g_autofree char *weights = in_folder (folder, "tiny-gan.safetensors");
  g_autofree char *card = in_folder (folder, "tiny-gan.md");
  g_autofree char *checkpoint = in_folder (folder, "tiny-gan.checkpoint.safetensors");
  g_autofree char *new_weights = in_folder (folder, "renamed-gan.safetensors");
  g_autofree char *new_card = in_folder (folder, "renamed-gan.md");
  g_autofree char *new_checkpoint = in_folder (folder, "renamed-gan.checkpoint.safetensors");
  g_autofree char *not_copied = in_folder (folder, "notes.safetensors");
  g_autoptr (GFile) not_model_file = g_file_new_for_path (not_model);
  g_autoptr (GFile) source_file = g_file_new_for_path (source);
  g_autoptr (GFile) exported_file = g_file_new_for_path (exported);
  g_autoptr (GError) error = NULL;
  DarkmapReconstructDialog *dialog = darkmap_reconstruct_dialog_new (GTK_WINDOW (window));
  DarkmapModelLibrary *library;
  DarkmapModel *model, *shipped;
  guint n_shipped;

  CHECK (write_tiny_model (source, source_card));
  CHECK (g_file_set_contents (not_model, "not a model", -1, NULL));
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.models", NULL));
  library = find_library ();
  CHECK (library != NULL && gtk_window_get_transient_for (GTK_WINDOW (library))
                            == GTK_WINDOW (window));
  if (library == NULL)
    return;
  n_shipped = g_list_model_get_n_items (G_LIST_MODEL (darkmap_model_list_get_default ()));
  shipped = find_model ("score-cosmos");
  CHECK (shipped != NULL && darkmap_model_get_origin (shipped) == DARKMAP_MODEL_SHIPPED);

  /* Not a model: refused, nothing copied. */
  CHECK (darkmap_model_library_import (library, not_model_file, &error) == NULL);
  CHECK (error != NULL && strstr (error->message, "notes.safetensors") != NULL);
  if (error != NULL)
    printf ("refused: %s\n", error->message);
  g_clear_error (&error);
  CHECK (!g_file_test (not_copied, G_FILE_TEST_EXISTS));
  CHECK (g_list_model_get_n_items (G_LIST_MODEL (darkmap_model_list_get_default ()))
         == n_shipped);

  /* Import, with its card; the dialog offers it for MMGAN. */
  model = darkmap_model_library_import (library, source_file, &error);
  CHECK (model != NULL && error == NULL);
  if (model == NULL)
    return;
  CHECK (darkmap_model_get_origin (model) == DARKMAP_MODEL_USER);
  CHECK (g_strcmp0 (darkmap_model_get_path (model), weights) == 0);
  CHECK (darkmap_model_library_get_selected (library) == model);
  CHECK (same_digest (source, weights) && same_digest (source_card, card));
  CHECK (g_str_has_prefix (darkmap_model_get_title (model), "tiny-gan: a test generator"));
  CHECK (dialog_offers (dialog, "tiny-gan"));
  CHECK (darkmap_model_library_import (library, source_file, &error) == NULL);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS));
  g_clear_error (&error);

  /* A training's checkpoint beside it is not a model of its own. */
  CHECK (g_file_set_contents (checkpoint, "checkpoint", -1, NULL));
  darkmap_model_list_reload (darkmap_model_list_get_default ());
  CHECK (g_list_model_get_n_items (G_LIST_MODEL (darkmap_model_list_get_default ()))
         == n_shipped + 1);

  /* Rename: refusals, then the three files together. */
  model = find_model ("tiny-gan");
  CHECK (model != NULL);
  if (model == NULL)
    return;
  CHECK (darkmap_model_library_rename (library, model, "a/b", &error) == NULL);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME));
  g_clear_error (&error);
  CHECK (darkmap_model_library_rename (library, model, "", &error) == NULL);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME));
  g_clear_error (&error);
  shipped = find_model ("mmgan-cosmos");
  CHECK (darkmap_model_library_rename (library, shipped, "mine", &error) == NULL);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED));
  g_clear_error (&error);
  CHECK (g_file_set_contents (new_card, "in the way", -1, NULL));
  CHECK (darkmap_model_library_rename (library, model, "renamed-gan", &error) == NULL);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS));
  g_clear_error (&error);
  g_remove (new_card);
  model = darkmap_model_library_rename (library, model, "renamed-gan", &error);
  CHECK (model != NULL && error == NULL);
  CHECK (!g_file_test (weights, G_FILE_TEST_EXISTS) && !g_file_test (card, G_FILE_TEST_EXISTS)
         && !g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  CHECK (g_file_test (new_weights, G_FILE_TEST_IS_REGULAR)
         && g_file_test (new_card, G_FILE_TEST_IS_REGULAR)
         && g_file_test (new_checkpoint, G_FILE_TEST_IS_REGULAR));
  CHECK (same_digest (source, new_weights));
  CHECK (dialog_offers (dialog, "renamed-gan") && !dialog_offers (dialog, "tiny-gan"));
  CHECK (find_model ("tiny-gan") == NULL);

  /* Export: the same bytes. */
  model = find_model ("renamed-gan");
  CHECK (model != NULL);
  if (model == NULL)
    return;
  CHECK (darkmap_model_library_export (library, model, exported_file, &error));
  CHECK (error == NULL);
  CHECK (same_digest (new_weights, exported) && same_digest (new_card, exported_card));

  check_evaluation (library, model);

  /* Delete: the files go, and the model from both lists. */
  model = find_model ("renamed-gan");
  CHECK (model != NULL);
  if (model == NULL)
    return;
  CHECK (darkmap_model_library_delete (library, model, &error));
  CHECK (error == NULL);
  CHECK (!g_file_test (new_weights, G_FILE_TEST_EXISTS)
         && !g_file_test (new_card, G_FILE_TEST_EXISTS)
         && !g_file_test (new_checkpoint, G_FILE_TEST_EXISTS));
  CHECK (find_model ("renamed-gan") == NULL);
  CHECK (!dialog_offers (dialog, "renamed-gan"));
  CHECK (g_list_model_get_n_items (G_LIST_MODEL (darkmap_model_list_get_default ()))
         == n_shipped);
  shipped = find_model ("mmgan-cosmos");
  CHECK (shipped != NULL && !darkmap_model_library_delete (library, shipped, &error));
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED));

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (library));
  g_remove (source);
  g_remove (source_card);
  g_remove (not_model);
  g_remove (exported);
  g_remove (exported_card);
}

/* Removes path and what it holds. */
static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

int
main (void)
{
  g_autofree char *scratch = scratch_path ("model-library-XXXXXX");
  g_autofree char *home = NULL;
  g_autoptr (DarkmapApplication) app = NULL;
  DarkmapWindow *window;

  home = g_strdup (scratch);
  CHECK (g_mkdtemp (home) != NULL);
  if (!g_file_test (home, G_FILE_TEST_IS_DIR))
    return dm_test_result ();
  /* Before anything asks GLib for the user data folder. */
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  app = test_application ();
  if (app == NULL)
    {
      remove_tree (home);
      return DM_TEST_SKIP;
    }
  window = darkmap_window_new (GTK_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));
  check_library (window, home);
  gtk_window_destroy (GTK_WINDOW (window));
  remove_tree (home);
  return dm_test_result ();
}

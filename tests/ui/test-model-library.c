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
 *    evaluation ends with G_IO_ERROR_CANCELLED; with truths from a cube of
 *    maps (Truths…), the evaluation is dm_evaluate_model's with those
 *    truths, the survey label and the card name the maps, and Simulated
 *    goes back;
 *  - Calibrate on Mocks (2 mocks of the demo catalogue on the model's 32²
 *    grid, 4 samples): greyed for a shipped model; a cancelled run and a
 *    failed one (a catalogue that is not there: its sentence in a dialog)
 *    leave the weights and card bytes as they were; a run to the end stores
 *    in the weights file the factor dm_calibrate_model gives for the
 *    library's request run directly (bit for bit), the card gains
 *    "## Calibration", and the library, the list and the Reconstruct
 *    dialog show the line;
 *  - delete sends the three files away and both lists drop the model. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include <darkmap/fits.h>
#include <darkmap/mmgan.h>
#include <darkmap/model-card.h>
#include <darkmap/sha256.h>

#include "darkmap-calibration-text.h"
#include "darkmap-model-library.h"
#include "darkmap-posterior-result.h"
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

/* The position of name in the Reconstruct dialog's model chooser (on
 * MMGAN), or −1. */
static int
dialog_model_index (DarkmapReconstructDialog *dialog, const char *name)
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
      return (int) i;
  return -1;
}

static gboolean
dialog_offers (DarkmapReconstructDialog *dialog, const char *name)
{
  return dialog_model_index (dialog, name) >= 0;
}

/* The calibration line the Reconstruct dialog shows for the model name
 * chosen for MMGAN ("" when it does not offer it). */
static const char *
dialog_calibration (DarkmapReconstructDialog *dialog, const char *name)
{
  GtkWidget *widget = GTK_WIDGET (dialog);
  int index = dialog_model_index (dialog, name);

  if (index < 0)
    return "";
  gtk_drop_down_set_selected (GTK_DROP_DOWN (gtk_widget_get_template_child (
                                widget, DARKMAP_TYPE_RECONSTRUCT_DIALOG, "model_chooser")),
                              (guint) index);
  return gtk_label_get_text (GTK_LABEL (gtk_widget_get_template_child (
    widget, DARKMAP_TYPE_RECONSTRUCT_DIALOG, "calibration_label")));
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

/* Starts a job on mocks with action ("library.evaluate" or
 * "library.calibrate"; cancelled at once when cancel) and iterates until
 * the library emits finished_signal (its error: window-test-util.h's
 * JobWait): its error, or NULL. */
static GError *
run_on_mocks (DarkmapModelLibrary *library, const char *action, const char *finished_signal,
              gboolean cancel)
{
  JobWait wait = { FALSE, NULL };
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gulong handler = g_signal_connect (library, finished_signal, G_CALLBACK (on_job_finished),
                                     &wait);

  CHECK (gtk_widget_activate_action (GTK_WIDGET (library), action, NULL));
  if (cancel)
    CHECK (gtk_widget_activate_action (GTK_WIDGET (library), "library.cancel", NULL));
  while (!wait.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (library, handler);
  if (!wait.done)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no %s", finished_signal);
  return wait.error;
}

static GError *
evaluate (DarkmapModelLibrary *library, gboolean cancel)
{
  return run_on_mocks (library, "library.evaluate", "evaluation-finished", cancel);
}

static GError *
calibrate (DarkmapModelLibrary *library, gboolean cancel)
{
  return run_on_mocks (library, "library.calibrate", "calibration-finished", cancel);
}

/* The text of one of the library's labels. */
static const char *
library_label (DarkmapModelLibrary *library, const char *name)
{
  return gtk_label_get_text (GTK_LABEL (gtk_widget_get_template_child (
    GTK_WIDGET (library), DARKMAP_TYPE_MODEL_LIBRARY, name)));
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

/* Returns the simulated mock's KS r. */
static double
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
    return NAN;
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
  return direct.table.method[DM_EVAL_KS].r;
}

/* A FITS cube of 3 lognormal maps of SIZE² pixels of PIXEL_ARCMIN at path
 * (the mocks' truths a user would take from N-body maps). */
static gboolean
write_truth_cube (const char *path, const DmTheorySpectrum *theory)
{
  DmError *dm_error = NULL;
  DmMap *cube = dm_test_lognormal_map (theory, SIZE, SIZE, 3, PIXEL_ARCMIN, 150.1, 2.2, 40);
  gboolean ok = cube != NULL;

  if (ok)
    CHECK_OK (ok = dm_fits_write_map (path, cube, &dm_error), dm_error);
  dm_map_free (cube);
  return ok;
}

/* Truths from a cube: the window's evaluation is dm_evaluate_model's on
 * the same request with truths_path set (not the simulated mock's), the
 * survey label and the card's description name the maps, and "Simulated"
 * goes back. */
static void
check_evaluation_on_truths (DarkmapModelLibrary *library, const char *folder,
                            double simulated_ks_r)
{
  g_autofree char *cube = in_folder (folder, "truths.fits");
  g_autofree char *theory_path = darkmap_find_data_file (DARKMAP_THEORY);
  g_autofree char *card = NULL, *card_path = NULL, *mention = NULL;
  g_autoptr (GError) error = NULL;
  DmModelEvaluationRequest request;
  DmModelEvaluation shown, direct;
  DmTheorySpectrum *theory;
  DmError *dm_error = NULL;
  DarkmapModel *model;

  theory = dm_theory_read_csv (theory_path, NULL, &dm_error);
  CHECK_OK (theory != NULL, dm_error);
  if (theory == NULL || !write_truth_cube (cube, theory))
    return;
  CHECK (darkmap_model_library_get_truths (library) == NULL);
  darkmap_model_library_set_truths (library, cube);
  CHECK (strstr (library_label (library, "survey_label"), "a tile of the maps of truths.fits"));
  CHECK (strstr (library_label (library, "truths_label"), "truths.fits"));
  error = evaluate (library, FALSE);
  if (error != NULL)
    fprintf (stderr, "evaluation on truths: %s\n", error->message);
  CHECK (error == NULL);
  CHECK (darkmap_model_library_get_evaluation (library, &shown));
  model = find_model ("renamed-gan");
  CHECK (model != NULL);
  if (model == NULL)
    {
      dm_theory_free (theory);
      return;
    }
  darkmap_model_library_get_evaluation_request (library, model, &request);
  CHECK (g_strcmp0 (request.truths_path, cube) == 0);
  request.theory = theory;
  CHECK_OK (dm_evaluate_model (&request, &direct, NULL, &dm_error), dm_error);
  printf ("window evaluation on truths.fits: KS r %.4f (direct %.4f, simulated mock %.4f), "
          "MMGAN r %.4f (direct %.4f)\n",
          shown.table.method[DM_EVAL_KS].r, direct.table.method[DM_EVAL_KS].r,
          simulated_ks_r, shown.table.method[DM_EVAL_MMGAN].r,
          direct.table.method[DM_EVAL_MMGAN].r);
  CHECK (shown.table.method[DM_EVAL_KS].r == direct.table.method[DM_EVAL_KS].r);
  CHECK (shown.table.method[DM_EVAL_MMGAN].r == direct.table.method[DM_EVAL_MMGAN].r);
  CHECK (shown.table.method[DM_EVAL_KS].r != simulated_ks_r);
  card_path = darkmap_model_get_card_path (find_model ("renamed-gan"));
  mention = g_strdup_printf ("(a tile of the maps of `%s`)", cube);
  CHECK (g_file_get_contents (card_path, &card, NULL, NULL));
  CHECK (card != NULL && strstr (card, mention) != NULL);
  CHECK (gtk_widget_activate_action (GTK_WIDGET (library), "library.simulated-truths", NULL));
  CHECK (darkmap_model_library_get_truths (library) == NULL);
  CHECK (strstr (library_label (library, "survey_label"), "a lognormal field with NFW haloes"));
  dm_theory_free (theory);
}

/* The error dialog over library, or NULL. */
static GtkMessageDialog *
find_error_dialog (DarkmapModelLibrary *library)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) item = g_list_model_get_item (toplevels, i);

      if (GTK_IS_MESSAGE_DIALOG (item)
          && gtk_window_get_transient_for (GTK_WINDOW (item)) == GTK_WINDOW (library))
        return GTK_MESSAGE_DIALOG (item);
    }
  return NULL;
}

/* Whether the file at path holds bytes. */
static gboolean
holds (const char *path, const char *bytes, gsize length)
{
  g_autofree char *now = NULL;
  gsize now_length = 0;

  return g_file_get_contents (path, &now, &now_length, NULL) && now_length == length
         && memcmp (now, bytes, length) == 0;
}

/* A posterior whose samples a calibration scaled (as dm_reconstruct does
 * for model) says so in the result list; one without does not. */
static void
check_posterior_summary (const char *model, const DmCalibration *calibration)
{
  g_autofree char *expected = g_strdup_printf ("calibrated ×%.2f", calibration->factor);
  DmError *dm_error = NULL;
  DmMap *samples[2] = { NULL, NULL };
  DmPosterior *posterior[2] = { NULL, NULL };

  for (int p = 0; p < 2; p++)
    {
      samples[p] = dm_map_new (4, 4, 2, NULL, &dm_error);
      CHECK_OK (samples[p] != NULL, dm_error);
      if (samples[p] == NULL)
        return;
      for (int i = 0; i < 4 * 4 * 2; i++)
        samples[p]->data[i] = (float) (i % 3) * 0.01f;
      posterior[p] = dm_posterior_new (NULL, samples[p], &dm_error);
      CHECK_OK (posterior[p] != NULL, dm_error);
      if (posterior[p] == NULL)
        return;
    }
  CHECK_OK (dm_posterior_calibrate (posterior[0], calibration, &dm_error), dm_error);
  for (int p = 0; p < 2; p++)
    {
      g_autoptr (DarkmapPosteriorResult) result =
        darkmap_posterior_result_new (posterior[p], model, "cpu", 1.0, NULL);
      const char *summary = darkmap_posterior_result_get_summary (result);

      printf ("posterior: %s\n", summary);
      CHECK ((strstr (summary, expected) != NULL) == (p == 0));
      CHECK ((strstr (summary, "calibrated") != NULL) == (p == 0));
    }
}

/* Calibrate on Mocks of the user's model (the library on the demo
 * catalogue), and greyed for a shipped one. */
static void
check_calibration (DarkmapModelLibrary *library, DarkmapReconstructDialog *dialog)
{
  g_autofree char *theory_path = darkmap_find_data_file (DARKMAP_THEORY);
  g_autofree char *demo = darkmap_find_data_file (DARKMAP_DEMO_CATALOGUE);
  g_autofree char *missing = g_build_filename (g_get_user_data_dir (), "missing.fits", NULL);
  g_autofree char *weights = NULL, *card_path = NULL;
  g_autofree char *weights_before = NULL, *card_before = NULL, *card = NULL;
  g_autofree char *line = NULL, *status = NULL;
  g_autofree char *secondary = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *button = GTK_WIDGET (gtk_widget_get_template_child (
    GTK_WIDGET (library), DARKMAP_TYPE_MODEL_LIBRARY, "calibrate_button"));
  gsize weights_length = 0, card_length = 0;
  DarkmapJobSettings settings;
  DmCalibrationRequest request;
  DmCalibrationResult shown, direct;
  DmModelInfo info;
  DmTheorySpectrum *theory;
  DmError *dm_error = NULL;
  GtkMessageDialog *failure;
  DarkmapModel *model, *shipped;

  /* A shipped model: greyed, the tooltip says why. */
  shipped = find_model ("mmgan-cosmos");
  CHECK (shipped != NULL);
  if (shipped == NULL)
    return;
  darkmap_model_library_select (library, shipped);
  CHECK (!gtk_widget_get_sensitive (button));
  CHECK (strstr (gtk_widget_get_tooltip_text (button), "read-only") != NULL);
  CHECK (!darkmap_model_library_calibrate (library));
  line = darkmap_calibration_text (&darkmap_model_get_info (shipped)->calibration);
  CHECK (strcmp (library_label (library, "calibration_label"), line) == 0);
  printf ("shipped: %s\n", line);
  g_clear_pointer (&line, g_free);

  model = find_model ("renamed-gan");
  CHECK (model != NULL);
  if (model == NULL)
    return;
  darkmap_model_library_select (library, model);
  CHECK (gtk_widget_get_sensitive (button));
  CHECK (strcmp (library_label (library, "calibration_label"), "Error bars not calibrated") == 0);
  CHECK (strcmp (dialog_calibration (dialog, "renamed-gan"), "Error bars not calibrated") == 0);
  weights = g_strdup (darkmap_model_get_path (model));
  card_path = darkmap_model_get_card_path (model);
  CHECK (g_file_get_contents (weights, &weights_before, &weights_length, NULL));
  CHECK (g_file_get_contents (card_path, &card_before, &card_length, NULL));
  g_object_set (library, "calibration-mocks", 2, "calibration-samples", 4, NULL);

  /* Cancelled: the files as they were. */
  error = calibrate (library, TRUE);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  CHECK (holds (weights, weights_before, weights_length) && holds (card_path, card_before,
                                                                   card_length));
  g_clear_error (&error);

  /* Failed (no catalogue): the engine's sentence in a dialog, the files as
   * they were. */
  darkmap_job_settings_init (&settings);
  settings.grid_size = SIZE;
  settings.pixel_arcmin = PIXEL_ARCMIN;
  darkmap_model_library_set_field (library, missing, &settings);
  error = calibrate (library, FALSE);
  CHECK (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  failure = find_error_dialog (library);
  CHECK (failure != NULL);
  if (failure != NULL)
    {
      g_object_get (failure, "secondary-text", &secondary, NULL);
      CHECK (error != NULL && g_strcmp0 (secondary, error->message) == 0);
      CHECK (secondary != NULL && strstr (secondary, "missing.fits") != NULL);
      printf ("calibration failure: %s\n", secondary);
      gtk_window_destroy (GTK_WINDOW (failure));
    }
  CHECK (holds (weights, weights_before, weights_length) && holds (card_path, card_before,
                                                                   card_length));
  g_clear_error (&error);

  /* To the end: the factor in the weights file is dm_calibrate_model's on
   * the library's request, bit for bit. */
  darkmap_model_library_set_field (library, demo, &settings);
  error = calibrate (library, FALSE);
  if (error != NULL)
    fprintf (stderr, "calibration: %s\n", error->message);
  CHECK (error == NULL);
  CHECK (darkmap_model_library_get_calibration (library, &shown));
  CHECK_OK (dm_model_info_read (weights, &info, &dm_error), dm_error);
  CHECK (info.calibration.present && info.calibration.factor == shown.calibration.factor);
  CHECK (info.calibration.n_mocks == 2 && info.calibration.n_samples == 4);
  CHECK (info.calibration.seed == DM_CALIBRATION_SEED);
  CHECK (info.calibration.nx == SIZE && info.calibration.ny == SIZE);
  model = find_model ("renamed-gan");
  CHECK (model != NULL);
  if (model == NULL)
    return;
  darkmap_model_library_get_calibration_request (library, model, &request);
  CHECK (request.store && request.mocks.n_mocks == 2 && request.mocks.n_samples == 4);
  request.store = FALSE;
  theory = dm_theory_read_csv (theory_path, NULL, &dm_error);
  CHECK_OK (theory != NULL, dm_error);
  request.mocks.theory = theory;
  CHECK_OK (dm_calibrate_model (&request, &direct, NULL, &dm_error), dm_error);
  dm_theory_free (theory);
  CHECK (direct.calibration.factor == info.calibration.factor);
  CHECK (direct.calibration.factor95 == info.calibration.factor95);
  CHECK (direct.coverage68_raw == shown.coverage68_raw && direct.coverage68 == shown.coverage68);
  CHECK (direct.calibration.n_pixels == info.calibration.n_pixels);
  printf ("window calibration: factor %.17g (direct %.17g), 95 %% %.4f, %lld pixels, 68 %% "
          "coverage %.3f -> %.3f\n", info.calibration.factor, direct.calibration.factor,
          info.calibration.factor95, (long long) info.calibration.n_pixels, shown.coverage68_raw,
          shown.coverage68);

  /* The card, the status line, the library's line, the list's row and the
   * Reconstruct dialog. */
  CHECK (g_file_get_contents (card_path, &card, NULL, NULL));
  CHECK (card != NULL && strstr (card, "## Calibration") != NULL);
  CHECK (card != NULL && strstr (card, "## Evaluation on a mock") != NULL);
  status = g_strdup_printf ("Calibrated: error bars × %.2f; 68 %% coverage on the calibration "
                            "mocks %.2f → %.2f", shown.calibration.factor, shown.coverage68_raw,
                            shown.coverage68);
  CHECK (strcmp (library_label (library, "message_label"), status) == 0);
  line = g_strdup_printf ("Error bars calibrated ×%.2f (2 mocks)", info.calibration.factor);
  CHECK (darkmap_model_library_get_selected (library) == model);
  CHECK (strcmp (library_label (library, "calibration_label"), line) == 0);
  CHECK (darkmap_model_get_info (model)->calibration.factor == info.calibration.factor);
  CHECK (strcmp (dialog_calibration (dialog, "renamed-gan"), line) == 0);
  printf ("%s\n%s\n", status, line);

  check_posterior_summary (weights, &info.calibration);
}

static void
check_library (DarkmapWindow *window, const char *scratch)
{
  double simulated_ks_r;
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

  simulated_ks_r = check_evaluation (library, model);
  check_evaluation_on_truths (library, scratch, simulated_ks_r);
  check_calibration (library, dialog);

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

/* The Reconstruct dialog and its model list: the shipped models are listed
 * with their kind, grid and model card, a user's model folder is scanned
 * (an unreadable file skipped), MMGAN on another grid than the model's is
 * refused with the engine's message naming both grids and a request to
 * rebin on the model's grid, each method keeps its own sample count, the
 * request carries the choices, and the GPU cannot be chosen without one. */
#include <string.h>

#include <glib/gstdio.h>

#include "darkmap-application.h"
#include "darkmap-reconstruct-dialog.h"
#include "darkmap/gpu.h"
#include "test-util.h"

typedef struct {
  int n;
  int nx, ny;
  double pixel_arcmin;
} RebinRequest;

static void
on_rebin_requested (DarkmapReconstructDialog *dialog, int nx, int ny, double pixel_arcmin,
                    RebinRequest *request)
{
  request->n++;
  request->nx = nx;
  request->ny = ny;
  request->pixel_arcmin = pixel_arcmin;
}

static void
on_reconstruct (DarkmapReconstructDialog *dialog, int *count)
{
  (*count)++;
}

static gpointer
child (DarkmapReconstructDialog *dialog, const char *id)
{
  return gtk_widget_get_template_child (GTK_WIDGET (dialog), DARKMAP_TYPE_RECONSTRUCT_DIALOG, id);
}

static const char *
label_text (DarkmapReconstructDialog *dialog, const char *id)
{
  return gtk_label_get_text (GTK_LABEL (child (dialog, id)));
}

/* The model chooser's item names, joined by ", ". */
static char *
model_choices (DarkmapReconstructDialog *dialog)
{
  GListModel *names = gtk_drop_down_get_model (GTK_DROP_DOWN (child (dialog, "model_chooser")));
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (names); i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "",
                            gtk_string_list_get_string (GTK_STRING_LIST (names), i));
  return g_string_free (text, FALSE);
}

static void
choose_method (DarkmapReconstructDialog *dialog, DmReconstructMethod method)
{
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (dialog, "method_chooser")), method);
}

static DarkmapModel *
find_model (DarkmapModelList *list, const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr (DarkmapModel) model = g_list_model_get_item (G_LIST_MODEL (list), i);

      if (strcmp (darkmap_model_get_name (model), name) == 0)
        return model;  /* the list keeps its reference */
    }
  return NULL;
}

/* The shipped models and a user folder holding a copy of the MMGAN
 * generator and a file that is not a model. */
static void
check_model_list (const char *user_model)
{
  g_autoptr (DarkmapModelList) list = darkmap_model_list_new ();
  DarkmapModel *score = find_model (list, "score-cosmos");
  DarkmapModel *mmgan = find_model (list, "mmgan-cosmos");
  DarkmapModel *user = find_model (list, "user-gan");
  DarkmapModel *emulator = find_model (list, "cosmogan-cosmos");

  CHECK (g_list_model_get_n_items (G_LIST_MODEL (list)) == 4);
  /* The shipped emulator is listed and fits no reconstruction method. */
  CHECK (emulator != NULL && darkmap_model_get_info (emulator)->kind == DM_MODEL_COSMOGAN);
  for (int m = 0; emulator != NULL && m < DM_RECONSTRUCT_N_METHODS; m++)
    CHECK (!darkmap_model_fits_method (emulator, (DmReconstructMethod) m));
  CHECK (darkmap_model_list_get_n_skipped (list) == 1);
  CHECK (score != NULL && mmgan != NULL && user != NULL);
  if (score == NULL || mmgan == NULL || user == NULL)
    return;

  CHECK (darkmap_model_get_info (score)->kind == DM_MODEL_SCORE_HYBRID);
  CHECK (strcmp (darkmap_model_get_kind_text (score), "score prior (hybrid residual)") == 0);
  CHECK (strcmp (darkmap_model_get_grid_text (score), "any grid") == 0);
  CHECK (g_str_has_prefix (darkmap_model_get_title (score), "score-cosmos: the hybrid prior"));
  CHECK (g_str_has_prefix (darkmap_model_get_summary (score),
                           "score-cosmos.safetensors is the U-Net residual"));
  CHECK (strstr (darkmap_model_get_validation (score), "r 0.713") != NULL);
  CHECK (darkmap_model_fits_method (score, DM_RECONSTRUCT_SCORE_HMC));
  CHECK (!darkmap_model_fits_method (score, DM_RECONSTRUCT_MMGAN));
  fprintf (stderr, "score-cosmos: %s\n  %s\n", darkmap_model_get_summary (score),
           darkmap_model_get_validation (score));

  CHECK (darkmap_model_get_info (mmgan)->kind == DM_MODEL_MMGAN);
  CHECK (strcmp (darkmap_model_get_kind_text (mmgan), "MMGAN generator") == 0);
  CHECK (strcmp (darkmap_model_get_grid_text (mmgan), "360 × 360 × 0.29′") == 0);
  CHECK (darkmap_model_get_info (mmgan)->n_parameters == 2772689);  /* its model card */
  CHECK (g_str_has_prefix (darkmap_model_get_summary (mmgan),
                           "mmgan-cosmos.safetensors is an MMGAN generator"));
  CHECK (strstr (darkmap_model_get_validation (mmgan), "r 0.688 ± 0.035") != NULL);
  CHECK (darkmap_model_fits_method (mmgan, DM_RECONSTRUCT_MMGAN));
  CHECK (!darkmap_model_fits_method (mmgan, DM_RECONSTRUCT_SCORE_FLOW));

  /* No card beside the user's copy. */
  CHECK (strcmp (darkmap_model_get_path (user), user_model) == 0);
  CHECK (strcmp (darkmap_model_get_grid_text (user), "360 × 360 × 0.29′") == 0);
  CHECK (strcmp (darkmap_model_get_summary (user), "") == 0);
}

static void
check_dialog (const char *user_model, const char *not_a_model)
{
  DarkmapReconstructDialog *dialog = darkmap_reconstruct_dialog_new (NULL);
  GtkWidget *reconstruct_button = gtk_window_get_default_widget (GTK_WINDOW (dialog));
  GtkWidget *rebin_button = child (dialog, "rebin_button");
  GtkWidget *gpu_button = child (dialog, "gpu_button");
  GtkSpinButton *samples_spin = child (dialog, "samples_spin");
  DarkmapModel *shipped_gan = find_model (darkmap_reconstruct_dialog_get_models (dialog),
                                          "mmgan-cosmos");
  RebinRequest rebin = { 0 };
  DmReconstructRequest request;
  g_autofree char *choices = NULL;
  g_autoptr (GFile) score_file = NULL, bad_file = NULL;
  g_autofree char *score_path = darkmap_find_data_file ("models/score-cosmos.safetensors");
  g_autoptr (GError) error = NULL;
  int n_reconstruct = 0;

  g_signal_connect (dialog, "rebin-requested", G_CALLBACK (on_rebin_requested), &rebin);
  g_signal_connect (dialog, "reconstruct", G_CALLBACK (on_reconstruct), &n_reconstruct);
  gtk_window_present (GTK_WINDOW (dialog));
  /* Enter runs the default widget: Reconstruct. */
  CHECK (GTK_IS_BUTTON (reconstruct_button) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (reconstruct_button)), "_Reconstruct") == 0);

  /* Kaiser-Squires: no model, samples or device to choose. */
  CHECK (!gtk_widget_get_visible (child (dialog, "model_box")));
  CHECK (!gtk_widget_get_visible (GTK_WIDGET (samples_spin)));
  CHECK (darkmap_reconstruct_dialog_can_reconstruct (dialog));

  /* MMGAN on a 128² × 0.8′ field: refused, naming both grids. */
  darkmap_reconstruct_dialog_set_grid (dialog, 128, 128, 0.8);
  choose_method (dialog, DM_RECONSTRUCT_MMGAN);
  choices = model_choices (dialog);
  CHECK (strcmp (choices, "mmgan-cosmos, user-gan") == 0);
  CHECK (gtk_widget_get_visible (child (dialog, "model_box")));
  CHECK (gtk_spin_button_get_value_as_int (samples_spin) == 64);
  CHECK (strcmp (label_text (dialog, "title_label"),
                 "mmgan-cosmos: the MMGAN generator for the COSMOS grid") == 0);
  CHECK (strcmp (label_text (dialog, "model_info_label"),
                 "MMGAN generator, 360 × 360 × 0.29′") == 0);
  CHECK (g_str_has_prefix (label_text (dialog, "summary_label"), "mmgan-cosmos.safetensors"));
  CHECK (strstr (label_text (dialog, "grid_error_label"), "360 × 360") != NULL);
  CHECK (strstr (label_text (dialog, "grid_error_label"), "128 × 128") != NULL);
  fprintf (stderr, "grid error: %s\n", label_text (dialog, "grid_error_label"));
  CHECK (gtk_widget_get_visible (rebin_button));
  CHECK (!darkmap_reconstruct_dialog_can_reconstruct (dialog));
  CHECK (!gtk_widget_get_sensitive (reconstruct_button));
  CHECK (!darkmap_reconstruct_dialog_accept (dialog));
  CHECK (n_reconstruct == 0);
  g_signal_emit_by_name (rebin_button, "clicked");
  CHECK (rebin.n == 1 && rebin.nx == 360 && rebin.ny == 360);
  CHECK_CLOSE (rebin.pixel_arcmin, 0.29, 1e-9);

  /* On the model's grid. */
  darkmap_reconstruct_dialog_set_grid (dialog, 360, 360, 0.29);
  CHECK (strcmp (label_text (dialog, "grid_error_label"), "") == 0);
  CHECK (!gtk_widget_get_visible (rebin_button));
  CHECK (darkmap_reconstruct_dialog_can_reconstruct (dialog));
  CHECK (gtk_widget_get_sensitive (reconstruct_button));

  /* The choices in the request: the user's generator, CPU, 100 samples, seed 7. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (dialog, "model_chooser")), 1);
  gtk_check_button_set_active (child (dialog, "cpu_button"), TRUE);
  gtk_spin_button_set_value (samples_spin, 100);
  gtk_spin_button_set_value (child (dialog, "seed_spin"), 7);
  darkmap_reconstruct_dialog_get_request (dialog, &request);
  CHECK (request.method == DM_RECONSTRUCT_MMGAN);
  CHECK (g_strcmp0 (request.model_path, user_model) == 0);
  CHECK (g_strcmp0 (request.device, "cpu") == 0);
  CHECK (request.n_samples == 100);
  CHECK (request.seed == 7);
  CHECK (request.theory == NULL);

  /* Score: its own sample count, "None" first, the hybrid model chosen;
   * a score model without a recorded grid fits the 128² field. */
  darkmap_reconstruct_dialog_set_grid (dialog, 128, 128, 0.8);
  choose_method (dialog, DM_RECONSTRUCT_SCORE_FLOW);
  g_free (choices);
  choices = model_choices (dialog);
  CHECK (strcmp (choices, "None (theory prior only), score-cosmos") == 0);
  CHECK (gtk_spin_button_get_value_as_int (samples_spin) == 16);
  CHECK (darkmap_reconstruct_dialog_can_reconstruct (dialog));
  darkmap_reconstruct_dialog_get_request (dialog, &request);
  CHECK (request.method == DM_RECONSTRUCT_SCORE_FLOW);
  CHECK (request.model_path != NULL && g_str_has_suffix (request.model_path,
                                                         "score-cosmos.safetensors"));
  CHECK (request.n_samples == 16);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (dialog, "model_chooser")), 0);
  darkmap_reconstruct_dialog_get_request (dialog, &request);
  CHECK (request.model_path == NULL);
  CHECK (strcmp (label_text (dialog, "title_label"), "Theory prior") == 0);
  CHECK (!gtk_widget_get_visible (child (dialog, "validation_label")));

  /* Wiener: 32 samples, 0 allowed; MMGAN keeps its 100. */
  choose_method (dialog, DM_RECONSTRUCT_WIENER);
  CHECK (gtk_spin_button_get_value_as_int (samples_spin) == 32);
  CHECK (!gtk_widget_get_visible (child (dialog, "model_box")));
  gtk_spin_button_set_value (samples_spin, 0);
  CHECK (gtk_spin_button_get_value_as_int (samples_spin) == 0);
  choose_method (dialog, DM_RECONSTRUCT_MMGAN);
  CHECK (gtk_spin_button_get_value_as_int (samples_spin) == 100);
  gtk_spin_button_set_value (samples_spin, 0);
  CHECK (gtk_spin_button_get_value_as_int (samples_spin) == 1);

  /* The defaults setter: the shipped generator on auto, 64 samples. */
  dm_reconstruct_request_init (&request, DM_RECONSTRUCT_MMGAN);
  request.model_path = darkmap_model_get_path (shipped_gan);
  request.n_samples = 64;
  request.seed = 3;
  darkmap_reconstruct_dialog_set_request (dialog, &request);
  memset (&request, 0, sizeof request);
  darkmap_reconstruct_dialog_get_request (dialog, &request);
  CHECK (request.method == DM_RECONSTRUCT_MMGAN);
  CHECK (g_strcmp0 (request.model_path, darkmap_model_get_path (shipped_gan)) == 0);
  CHECK (g_strcmp0 (request.device, "auto") == 0);
  CHECK (request.n_samples == 64 && request.seed == 3);
  CHECK (!darkmap_reconstruct_dialog_can_reconstruct (dialog));  /* the 128² field */

  /* Another file: not a model, then the score model, which switches method. */
  bad_file = g_file_new_for_path (not_a_model);
  CHECK (!darkmap_reconstruct_dialog_choose_model_file (dialog, bad_file, &error));
  CHECK (error != NULL);
  g_clear_error (&error);
  score_file = g_file_new_for_path (score_path);
  CHECK (darkmap_reconstruct_dialog_choose_model_file (dialog, score_file, &error));
  darkmap_reconstruct_dialog_get_request (dialog, &request);
  CHECK (request.method == DM_RECONSTRUCT_SCORE_HMC);
  CHECK (request.model_path != NULL && g_str_has_suffix (request.model_path,
                                                         "score-cosmos.safetensors"));

  /* Without a GPU it cannot be chosen, and says why. */
  CHECK (gtk_widget_get_sensitive (gpu_button) == dm_gpu_available ());
  if (!dm_gpu_available ())
    CHECK (g_strcmp0 (gtk_widget_get_tooltip_text (gpu_button),
                      "No usable GPU: Darkmap was built without CUDA, or no CUDA device is "
                      "present") == 0);

  /* Reconstruct: the signal, and the dialog hides to be presented again. */
  CHECK (darkmap_reconstruct_dialog_accept (dialog));
  CHECK (n_reconstruct == 1);
  CHECK (!gtk_widget_get_visible (GTK_WIDGET (dialog)));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("darkmap-models-XXXXXX", &error);
  g_autofree char *darkmap_folder = NULL, *folder = NULL, *user_model = NULL;
  g_autofree char *not_a_model = NULL, *shipped = NULL, *contents = NULL;
  gboolean have_display;
  gsize length = 0;

  CHECK (home != NULL);
  if (home == NULL)
    return dm_test_result ();
  /* Before anything asks GLib for the user data folder. */
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  darkmap_folder = g_build_filename (home, "darkmap", NULL);
  folder = g_build_filename (darkmap_folder, "models", NULL);
  user_model = g_build_filename (folder, "user-gan.safetensors", NULL);
  not_a_model = g_build_filename (folder, "broken.safetensors", NULL);
  shipped = darkmap_find_data_file ("models/mmgan-cosmos.safetensors");
  CHECK (g_mkdir_with_parents (folder, 0700) == 0);
  CHECK (g_file_get_contents (shipped, &contents, &length, NULL));
  CHECK (g_file_set_contents (user_model, contents, (gssize) length, NULL));
  CHECK (g_file_set_contents (not_a_model, "not a model", -1, NULL));

  have_display = gtk_init_check ();
  if (have_display)
    {
      check_model_list (user_model);
      check_dialog (user_model, not_a_model);
    }
  g_remove (user_model);
  g_remove (not_a_model);
  g_rmdir (folder);
  g_rmdir (darkmap_folder);
  g_rmdir (home);
  return have_display ? dm_test_result () : DM_TEST_SKIP;
}

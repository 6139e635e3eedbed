/* Training from the window, on the demo field, with tiny score networks
 * (16² maps, width 4, depth 2) given to darkmap_window_start_training (the
 * entry the Train dialog uses), the user's data folder in the build tree:
 *  - the Train dialog starts on a Quick hybrid score prior at the field's
 *    pixel scale, refuses a name with '/' or an existing model, for MMGAN
 *    names the field's catalogue and grid, and follows the field rebinned
 *    on the quick MMGAN's grid;
 *  - a training's dashboard gets every report (steps / report_every points,
 *    the last at the total), its loss curve drawn, and for a tiny MMGAN of
 *    the open field the r and std calibration curves; the model joins the
 *    open Reconstruct dialog's list at once, "Reconstruct with This Model"
 *    selects it there, and a reconstruction with it gives a posterior;
 *  - Checkpoint Now saves one mid-run; Pause holds the steps; Cancel leaves
 *    a checkpoint at the dashboard's last step and a model; the Train dialog lists it as unfinished, and
 *    resuming it from there finishes with a model equal bit for bit to an
 *    uninterrupted dm_train of the same request;
 *  - closing the window during a training asks; Cancel keeps the window
 *    and the training; app.quit then "Stop and Close" closes the window
 *    once the finished steps are saved. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include <darkmap/theory.h>
#include <darkmap/train.h>

#include "darkmap-reconstruct-dialog.h"
#include "darkmap-train-dialog.h"
#include "map-cube-test.h"
#include "train-test-util.h"

#define REPORT_EVERY TINY_REPORT_EVERY
#define SHORT_STEPS 20
#define LONG_STEPS 600

typedef struct
{
  gboolean done;
  GError *error;
} TrainingWait;

static void
on_training_finished (DarkmapWindow *window, const GError *error, TrainingWait *wait)
{
  wait->done = TRUE;
  wait->error = error != NULL ? g_error_copy (error) : NULL;
}

/* Iterates until the window's training ends: its error or NULL. */
static GError *
wait_for_training (DarkmapWindow *window)
{
  TrainingWait wait = { FALSE, NULL };
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gulong handler = g_signal_connect (window, "training-finished",
                                     G_CALLBACK (on_training_finished), &wait);

  while (!wait.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (window, handler);
  if (!wait.done)
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the training did not end");
  return wait.error;
}

static gboolean
same_file (const char *a, const char *b)
{
  g_autofree char *bytes_a = NULL, *bytes_b = NULL;
  gsize n_a = 0, n_b = 0;

  return g_file_get_contents (a, &bytes_a, &n_a, NULL)
         && g_file_get_contents (b, &bytes_b, &n_b, NULL) && n_a == n_b
         && memcmp (bytes_a, bytes_b, n_a) == 0;
}

/* Pixels of the plot drawn in colour (within 0.02 a channel). */
static int
count_colour (DarkmapTrainPlot *plot, const double colour[3])
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 480, 320);
  cairo_t *cr = cairo_create (surface);
  const unsigned char *data;
  int stride, n = 0;

  darkmap_train_plot_render (plot, cr, 480, 320);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < 320; y++)
    for (int x = 0; x < 480; x++)
      {
        guint32 pixel = *(const guint32 *) (data + y * stride + 4 * x);
        double rgb[3] = { ((pixel >> 16) & 0xff) / 255.0, ((pixel >> 8) & 0xff) / 255.0,
                          (pixel & 0xff) / 255.0 };

        n += fabs (rgb[0] - colour[0]) < 0.02 && fabs (rgb[1] - colour[1]) < 0.02
             && fabs (rgb[2] - colour[2]) < 0.02;
      }
  cairo_surface_destroy (surface);
  return n;
}

/* Empties the scratch models folder (files only). */
static void
empty_models_folder (void)
{
  g_autofree char *folder = darkmap_train_models_folder ();
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);

      g_remove (path);
    }
}

static void
check_dialog (DarkmapWindow *window, const char *existing_name)
{
  DarkmapTrainDialog *dialog;
  DmTrainRequest request;
  g_autofree char *folder = darkmap_train_models_folder ();
  const DarkmapResult *field = darkmap_window_get_result (window);

  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  dialog = DARKMAP_TRAIN_DIALOG (darkmap_window_get_train_dialog (window));
  CHECK (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  CHECK (darkmap_train_dialog_get_request (dialog, &request));
  CHECK (request.kind == DM_TRAIN_SCORE_HYBRID);
  {
    DmTrainRequest quick;

    dm_train_request_init (&quick, DM_TRAIN_SCORE_HYBRID, DM_TRAIN_PRESET_QUICK);
    CHECK (request.steps == quick.steps && request.width == quick.width);
  }
  CHECK (request.pixel_arcmin == field->pixel_arcmin);
  CHECK (g_str_has_prefix (request.model_path, folder));
  CHECK (strcmp (darkmap_train_dialog_get_message (dialog), "") == 0);

  darkmap_train_dialog_set_name (dialog, "a/b");
  CHECK (!darkmap_train_dialog_can_train (dialog));
  CHECK (strchr (darkmap_train_dialog_get_message (dialog), '/') != NULL);
  CHECK (!darkmap_train_dialog_accept (dialog));
  darkmap_train_dialog_set_name (dialog, existing_name);
  CHECK (!darkmap_train_dialog_can_train (dialog));
  CHECK (strstr (darkmap_train_dialog_get_message (dialog), existing_name) != NULL);

  /* A score network on the user's maps (a cube of N-body maps): its path
   * in the request; maps of another pixel scale are refused, and said. */
  {
    g_autofree char *cube = NULL, *wide = NULL;

    darkmap_train_dialog_set_name (dialog, "score-maps-check");
    cube = g_strdup (map_cube_test_write ("training-cube.fits", 64, 2, field->pixel_arcmin,
                                          -1, 3));
    wide = g_strdup (map_cube_test_write ("training-wide.fits", 64, 2, 2 * field->pixel_arcmin,
                                          -1, 3));
    darkmap_train_dialog_set_maps_path (dialog, cube);
    CHECK (darkmap_train_dialog_get_request (dialog, &request));
    CHECK (request.kind == DM_TRAIN_SCORE_HYBRID && g_strcmp0 (request.maps_path, cube) == 0);
    CHECK (strcmp (darkmap_train_dialog_get_message (dialog), "") == 0);
    darkmap_train_dialog_set_maps_path (dialog, wide);
    CHECK (!darkmap_train_dialog_can_train (dialog));
    CHECK (strstr (darkmap_train_dialog_get_message (dialog), "have pixels of") != NULL);
    darkmap_train_dialog_set_maps_path (dialog, NULL);
    CHECK (darkmap_train_dialog_get_request (dialog, &request) && request.maps_path == NULL);
    g_remove (cube);
    g_remove (wide);
  }

  darkmap_train_dialog_set_name (dialog, "mmgan-check");
  darkmap_train_dialog_set_kind (dialog, DM_TRAIN_MMGAN);
  CHECK (darkmap_train_dialog_get_request (dialog, &request));
  CHECK (request.kind == DM_TRAIN_MMGAN);
  CHECK (strcmp (request.catalog_path, field->path) == 0);
  CHECK (request.grid.nx == field->kappa_e->nx && request.grid.pixel_arcmin == field->pixel_arcmin);

  /* The field rebinned for a quick MMGAN: the dialog follows it. */
  {
    DmTrainRequest quick;
    g_autoptr (GError) job_error = NULL;

    dm_train_request_init (&quick, DM_TRAIN_MMGAN, DM_TRAIN_PRESET_QUICK);
    CHECK (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.rebin", NULL));
    job_error = wait_for_job (window);
    CHECK (job_error == NULL);
    CHECK (darkmap_window_get_result (window)->kappa_e->nx == quick.grid.nx);
    CHECK (darkmap_train_dialog_get_request (dialog, &request));
    CHECK (request.grid.nx == quick.grid.nx
           && request.grid.pixel_arcmin == quick.grid.pixel_arcmin);
  }
  darkmap_train_dialog_set_kind (dialog, DM_TRAIN_SCORE_HYBRID);
  gtk_window_close (GTK_WINDOW (dialog));
  CHECK (!gtk_widget_get_visible (GTK_WIDGET (dialog)));
}

static void
on_toplevel_destroyed (gpointer data, GObject *where)
{
  *(gboolean *) data = TRUE;
}

int
main (int argc, char **argv)
{
  static const double train_colour[3] = { 0.12, 0.47, 0.71 };
  g_autofree char *xdg = scratch_path ("training-xdg");
  g_autoptr (DarkmapApplication) app = NULL;
  DarkmapWindow *window;
  DarkmapTrainDashboard *dashboard;
  DarkmapReconstructDialog *reconstruct_dialog;
  DmTrainRequest request;
  g_autofree char *short_model = NULL, *long_model = NULL, *direct_model = NULL;
  g_autofree char *close_model = NULL, *checkpoint = NULL;
  g_autofree DmTrainCheckpointInfo *info = g_new0 (DmTrainCheckpointInfo, 1);
  g_autoptr (GError) error = NULL;
  DmError *dm_error = NULL;
  gint64 cancelled_step;
  gboolean destroyed = FALSE;

  /* Nothing touches the real home: the models folder is under the build
   * tree (set before GLib reads it). */
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  if ((app = test_application ()) == NULL)
    return 77;
  empty_models_folder ();
  window = demo_window (app);
  dashboard = DARKMAP_TRAIN_DASHBOARD (darkmap_window_get_train_dashboard (window));

  /* The Reconstruct dialog, open before the training, lists its model. */
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.reconstruct", NULL));
  reconstruct_dialog = DARKMAP_RECONSTRUCT_DIALOG (darkmap_window_get_reconstruct_dialog (window));
  gtk_window_close (GTK_WINDOW (reconstruct_dialog));

  /* A whole training. */
  tiny_request (&request, "tiny", SHORT_STEPS, &short_model);
  CHECK (darkmap_window_start_training (window, &request, &error));
  CHECK (darkmap_window_is_training (window));
  CHECK (!darkmap_window_start_training (window, &request, NULL));
  {
    g_autofree char *page = NULL;

    g_object_get (window, "page", &page, NULL);
    CHECK (g_strcmp0 (page, "training") == 0);
  }
  CHECK (wait_for_frame (GTK_WIDGET (window)));
  error = wait_for_training (window);
  if (error != NULL)
    fprintf (stderr, "training: %s\n", error->message);
  CHECK (error == NULL);
  CHECK (!darkmap_window_is_training (window));
  printf ("dashboard: %u points, last step %lld, “%s”\n",
          darkmap_train_dashboard_get_n_points (dashboard),
          (long long) darkmap_train_dashboard_get_last_step (dashboard),
          darkmap_train_dashboard_get_state_text (dashboard));
  CHECK (darkmap_train_dashboard_get_n_points (dashboard) == SHORT_STEPS / REPORT_EVERY);
  CHECK (darkmap_train_dashboard_get_last_step (dashboard) == SHORT_STEPS);
  CHECK (darkmap_train_plot_get_n_points (darkmap_train_dashboard_get_loss_plot (dashboard), 1)
         == SHORT_STEPS / 10);
  CHECK (count_colour (darkmap_train_dashboard_get_loss_plot (dashboard), train_colour) > 50);
  CHECK (g_file_test (short_model, G_FILE_TEST_EXISTS));
  CHECK (wait_for_frame (GTK_WIDGET (window)));

  /* The model is offered at once, and chosen by Reconstruct with This
   * Model; a few flow samples with it make a posterior. */
  {
    GListModel *models = G_LIST_MODEL (darkmap_reconstruct_dialog_get_models (reconstruct_dialog));
    gboolean listed = FALSE;
    DmReconstructRequest reconstruction;
    guint n_results = g_list_model_get_n_items (darkmap_window_get_posteriors (window));
    GError *reconstruct_error = NULL;
    gulong handler;
    TrainingWait wait = { FALSE, NULL };

    for (guint i = 0; i < g_list_model_get_n_items (models); i++)
      {
        g_autoptr (DarkmapModel) model = g_list_model_get_item (models, i);

        listed = listed || strcmp (darkmap_model_get_path (model), short_model) == 0;
      }
    CHECK (listed);
    CHECK (gtk_widget_activate_action (GTK_WIDGET (dashboard), "dashboard.reconstruct", NULL));
    CHECK (gtk_widget_get_visible (GTK_WIDGET (reconstruct_dialog)));
    darkmap_reconstruct_dialog_get_request (reconstruct_dialog, &reconstruction);
    CHECK (reconstruction.method == DM_RECONSTRUCT_SCORE_HMC);
    CHECK (g_strcmp0 (reconstruction.model_path, short_model) == 0);
    gtk_window_close (GTK_WINDOW (reconstruct_dialog));
    reconstruction.method = DM_RECONSTRUCT_SCORE_FLOW;
    reconstruction.n_samples = 2;
    reconstruction.flow.n_steps = 4;
    reconstruction.flow.n_corrector = 0;
    handler = g_signal_connect (window, "reconstruct-finished",
                                G_CALLBACK (on_training_finished), &wait);
    CHECK (darkmap_window_reconstruct (window, &reconstruction, &reconstruct_error));
    while (!wait.done)
      g_main_context_iteration (NULL, TRUE);
    g_signal_handler_disconnect (window, handler);
    if (wait.error != NULL)
      fprintf (stderr, "reconstruction: %s\n", wait.error->message);
    CHECK (wait.error == NULL);
    CHECK (g_list_model_get_n_items (darkmap_window_get_posteriors (window)) == n_results + 1);
    CHECK (darkmap_posterior_result_get_n_samples (darkmap_window_get_posterior (window)) == 2);
  }

  check_dialog (window, "tiny");

  /* A tiny MMGAN for the field now open (rebinned on the quick grid): the
   * window names its catalogue and grid, the job reads the catalogue, and
   * the r and std calibration curves get each validation. */
  {
    g_autofree char *folder = darkmap_train_models_folder ();
    g_autofree char *mmgan_model = g_build_filename (folder, "tiny-mmgan.safetensors", NULL);
    DmTrainRequest mmgan;

    dm_train_request_init (&mmgan, DM_TRAIN_MMGAN, DM_TRAIN_PRESET_QUICK);
    mmgan.width = 4;
    mmgan.depth = 2;
    mmgan.critic_width = 4;
    mmgan.pool_maps = 4;
    mmgan.pool_noise = 2;
    mmgan.validation = 2;
    mmgan.batch = 1;
    mmgan.steps = 4;
    mmgan.report_every = 2;
    mmgan.validate_every = 2;
    mmgan.checkpoint_every = 0;
    mmgan.device = "cpu";
    mmgan.threads = 1;
    mmgan.model_path = mmgan_model;
    CHECK (darkmap_window_start_training (window, &mmgan, &error));
    CHECK (strcmp (darkmap_train_job_get_request (darkmap_train_dashboard_get_job (dashboard))
                     ->catalog_path,
                   darkmap_window_get_result (window)->path) == 0);
    error = wait_for_training (window);
    if (error != NULL)
      fprintf (stderr, "MMGAN training: %s\n", error->message);
    CHECK (error == NULL);
    CHECK (darkmap_train_dashboard_get_n_points (dashboard) == 2);
    CHECK (darkmap_train_plot_get_n_points (darkmap_train_dashboard_get_r_plot (dashboard), 0)
           == 2);
    CHECK (darkmap_train_plot_get_n_points (darkmap_train_dashboard_get_std_plot (dashboard), 0)
           == 2);
    CHECK (gtk_widget_get_visible (GTK_WIDGET (darkmap_train_dashboard_get_std_plot (dashboard))));
    CHECK (g_file_test (mmgan_model, G_FILE_TEST_EXISTS));
  }

  /* Checkpoint Now (the only checkpoint before the end in this run), then
   * Pause, then Cancel: a checkpoint at the dashboard's last step. */
  tiny_request (&request, "tiny-resumed", LONG_STEPS, &long_model);
  request.checkpoint_every = 0;
  CHECK (darkmap_window_start_training (window, &request, &error));
  CHECK (wait_for_step (dashboard, REPORT_EVERY));
  {
    DarkmapTrainJob *job = darkmap_train_dashboard_get_job (dashboard);
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    CHECK (darkmap_train_job_get_checkpoint_step (job) == -1);
    CHECK (gtk_widget_activate_action (GTK_WIDGET (dashboard), "dashboard.checkpoint", NULL));
    while (darkmap_train_job_get_checkpoint_step (job) < 0 && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    printf ("checkpoint now: step %lld\n", (long long) darkmap_train_job_get_checkpoint_step (job));
    CHECK (darkmap_train_job_get_checkpoint_step (job) > 0);
    CHECK (darkmap_train_job_get_checkpoint_step (job) < LONG_STEPS);
  }
  darkmap_train_job_set_paused (darkmap_train_dashboard_get_job (dashboard), TRUE);
  iterate_for (0.3);
  cancelled_step = darkmap_train_dashboard_get_last_step (dashboard);
  iterate_for (0.3);
  CHECK (darkmap_train_dashboard_get_last_step (dashboard) == cancelled_step);
  CHECK (g_str_has_prefix (darkmap_train_dashboard_get_state_text (dashboard), "Paused"));
  CHECK (gtk_widget_activate_action (GTK_WIDGET (dashboard), "dashboard.cancel", NULL));
  error = wait_for_training (window);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&error);
  cancelled_step = darkmap_train_dashboard_get_last_step (dashboard);
  printf ("cancelled at step %lld: “%s”\n", (long long) cancelled_step,
          darkmap_train_dashboard_get_state_text (dashboard));
  CHECK (cancelled_step > 0 && cancelled_step < LONG_STEPS);
  checkpoint = dm_train_checkpoint_path (&request);
  CHECK (dm_train_checkpoint_read (checkpoint, info, &dm_error));
  CHECK (info->step == cancelled_step);
  CHECK (info->request.steps == LONG_STEPS);
  CHECK (g_file_test (long_model, G_FILE_TEST_EXISTS));
  CHECK (strstr (darkmap_train_dashboard_get_state_text (dashboard), "Cancelled") != NULL);

  /* Listed as unfinished; resumed from the Train dialog, it ends as an
   * uninterrupted run does. */
  {
    DarkmapTrainDialog *dialog;
    DmTrainRequest direct = request;
    g_autofree char *theory_path = darkmap_find_data_file ("theory/ktng_cl_theory.csv");
    DmTheorySpectrum *theory = dm_theory_read_csv (theory_path, NULL, &dm_error);

    CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
    dialog = DARKMAP_TRAIN_DIALOG (darkmap_window_get_train_dialog (window));
    CHECK (darkmap_train_dialog_get_n_unfinished (dialog) == 1);
    CHECK (strcmp (darkmap_train_dialog_get_unfinished_path (dialog, 0), checkpoint) == 0);
    darkmap_train_dialog_resume (dialog, 0);
    CHECK (!gtk_widget_get_visible (GTK_WIDGET (dialog)));
    CHECK (darkmap_window_is_training (window));
    error = wait_for_training (window);
    CHECK (error == NULL);
    CHECK (darkmap_train_dashboard_get_last_step (dashboard) == LONG_STEPS);
    CHECK (darkmap_train_dashboard_get_n_points (dashboard)
           == (LONG_STEPS - cancelled_step + REPORT_EVERY - 1) / REPORT_EVERY);

    CHECK (theory != NULL);
    direct.theory = theory;
    direct.theory_path = theory_path;
    direct_model = g_build_filename (xdg, "tiny-direct.safetensors", NULL);
    direct.model_path = direct_model;
    CHECK (dm_train (&direct, NULL, NULL, NULL, &dm_error));
    dm_theory_free (theory);
    CHECK (same_file (long_model, direct_model));
    CHECK (!same_file (short_model, direct_model));
  }

  /* Closing asks; Cancel keeps the window and its training; app.quit
   * then Stop closes it once the checkpoint is saved. */
  tiny_request (&request, "tiny-closed", 100000, &close_model);
  CHECK (darkmap_window_start_training (window, &request, &error));
  CHECK (wait_for_step (dashboard, REPORT_EVERY));
  g_object_weak_ref (G_OBJECT (window), on_toplevel_destroyed, &destroyed);
  for (int answer = 0; answer < 2; answer++)
    {
      GList *questions;

      if (answer == 0)
        gtk_window_close (GTK_WINDOW (window));
      else
        g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
      iterate_for (0.1);
      questions = message_dialogs (GTK_WINDOW (window));
      CHECK (g_list_length (questions) == 1);
      gtk_dialog_response (GTK_DIALOG (questions->data),
                           answer == 0 ? GTK_RESPONSE_CANCEL : GTK_RESPONSE_ACCEPT);
      g_list_free (questions);
      iterate_for (0.1);
      if (answer == 0)
        {
          CHECK (!destroyed && darkmap_window_is_training (window));
          CHECK (gtk_widget_get_visible (GTK_WIDGET (window)));
        }
    }
  {
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (!destroyed && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  CHECK (destroyed);
  g_free (checkpoint);
  checkpoint = dm_train_checkpoint_path (&request);
  CHECK (dm_train_checkpoint_read (checkpoint, info, &dm_error));
  printf ("closed at step %lld\n", (long long) info->step);
  CHECK (info->step > 0 && info->step < 100000);
  CHECK (g_file_test (close_model, G_FILE_TEST_EXISTS));
  return dm_test_result ();
}

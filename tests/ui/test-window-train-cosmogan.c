/* Training a CosmoGAN from the window, on the demo field (0.29′ pixels),
 * the user's data folder this test's own in the build tree:
 *  - the Train dialog's CosmoGAN request is dm_train_request_init of the
 *    kind and preset (Quick, then Full) with the dialog's fields: the
 *    field's pixel, the shipped theory, the model path and name, device
 *    auto, no maps of the user's; with a cube of the user's chosen (a cube
 *    of emulated maps with WCS), the same with maps_path, and the geometry
 *    gives the cube's WCS pixel; a path that is no FITS file is refused
 *    with a message;
 *  - a tiny CosmoGAN (16² maps, width 2, latent size 8, 20 steps) started
 *    from the dialog's request shows on the Training page both losses and
 *    D on training and generated maps at every report, the validations'
 *    C_ell difference and the fractions inside the training maps' scatter,
 *    equal to the job's reports; "Draw Universes with This Model" shows
 *    the Emulated Universes page with the new model, whose maps are then
 *    drawn. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include <darkmap/cosmogan.h>
#include <darkmap/nn-autograd.h>
#include <darkmap/train.h>

#include "darkmap-train-dashboard.h"
#include "darkmap-train-dialog.h"
#include "darkmap-train-files.h"
#include "darkmap-universes-page.h"
#include "window-test-util.h"

#define STEPS 20
#define REPORT_EVERY 2
#define VALIDATE_EVERY 10

typedef struct
{
  gboolean done;
  GError *error;
} Wait;

static void
on_done (GObject *source, const GError *error, Wait *wait)
{
  wait->done = TRUE;
  wait->error = error != NULL ? g_error_copy (error) : NULL;
}

/* Iterates until instance emits signal (with a GError or NULL): its error. */
static GError *
wait_for (gpointer instance, const char *signal)
{
  Wait wait = { FALSE, NULL };
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gulong handler = g_signal_connect (instance, signal, G_CALLBACK (on_done), &wait);

  while (!wait.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (instance, handler);
  if (!wait.done)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no %s", signal);
  return wait.error;
}

/* A cube of 4 emulated maps of 64² pixels of 0.29′ (with their WCS), from
 * an untrained generator: training maps of the user's. */
static char *
write_cube (void)
{
  g_autofree char *model_path = scratch_path ("train-cosmogan-cube-model.safetensors");
  char *cube_path = scratch_path ("train-cosmogan-cube.fits");
  DmCosmoganGenerateRequest request;
  DmCosmoganGenerateResult result;
  DmCosmoganConfig config;
  DmError *error = NULL;
  DmNn *nn = dm_nn_new (DM_NN_DEVICE_CPU, 1, &error);
  DmCosmogan *model = NULL;

  CHECK_OK (nn != NULL, error);
  dm_cosmogan_config_init (&config);
  config.size = 64;
  config.base_width = 2;
  config.z_dim = 8;
  config.pixel_arcmin = 0.29;
  if (nn != NULL)
    CHECK_OK ((model = dm_cosmogan_new (nn, &config, false, 5, &error)) != NULL, error);
  if (model != NULL)
    CHECK_OK (dm_cosmogan_save (model, model_path, &error), error);
  dm_cosmogan_free (model);
  dm_nn_free (nn);
  dm_cosmogan_generate_request_init (&request);
  request.model_path = model_path;
  request.n_maps = 4;
  request.device = "cpu";
  request.out_path = cube_path;
  request.keep_maps = false;
  CHECK_OK (dm_cosmogan_generate (&request, NULL, &result, &error), error);
  g_remove (model_path);
  return cube_path;
}

/* Every field dm_train_request_init sets, equal. */
static gboolean
same_preset_fields (const DmTrainRequest *a, const DmTrainRequest *b)
{
  return a->kind == b->kind && a->size == b->size && a->haloes == b->haloes
         && a->shift == b->shift && a->pool_maps == b->pool_maps
         && a->pool_noise == b->pool_noise && a->validation == b->validation
         && a->width == b->width && a->depth == b->depth && a->z_channels == b->z_channels
         && a->critic_width == b->critic_width && a->batch == b->batch && a->lr == b->lr
         && a->cosine == b->cosine && a->sigma_min == b->sigma_min
         && a->sigma_max == b->sigma_max && a->beta_adv == b->beta_adv
         && a->adapt_every == b->adapt_every && a->seed == b->seed && a->steps == b->steps
         && a->max_seconds == b->max_seconds && a->report_every == b->report_every
         && a->validate_every == b->validate_every && a->checkpoint_every == b->checkpoint_every
         && a->threads == b->threads && a->resume == b->resume
         && a->checkpoint_path == b->checkpoint_path && a->catalog_path == NULL;
}

/* The dialog's CosmoGAN request against dm_train_request_init. */
static void
check_dialog (DarkmapWindow *window, const char *cube_path)
{
  const DarkmapResult *field = darkmap_window_get_result (window);
  g_autofree char *folder = darkmap_train_models_folder ();
  g_autofree char *theory = darkmap_find_data_file (DARKMAP_THEORY);
  DarkmapTrainDialog *dialog;
  DmTrainRequest request, expected;

  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  dialog = DARKMAP_TRAIN_DIALOG (darkmap_window_get_train_dialog (window));
  darkmap_train_dialog_set_kind (dialog, DM_TRAIN_COSMOGAN);
  darkmap_train_dialog_set_name (dialog, "tiny-cosmogan");
  for (int preset = DM_TRAIN_PRESET_QUICK; preset <= DM_TRAIN_PRESET_FULL; preset++)
    {
      darkmap_train_dialog_set_preset (dialog, (DmTrainPreset) preset);
      CHECK (darkmap_train_dialog_get_request (dialog, &request));
      dm_train_request_init (&expected, DM_TRAIN_COSMOGAN, (DmTrainPreset) preset);
      CHECK (same_preset_fields (&request, &expected));
      CHECK (request.pixel_arcmin == field->pixel_arcmin && request.maps_path == NULL);
      CHECK (g_strcmp0 (request.theory_path, theory) == 0 && request.theory != NULL);
      CHECK (g_strcmp0 (request.device, "auto") == 0 && g_strcmp0 (request.name, "tiny-cosmogan")
                                                         == 0);
      CHECK (g_str_has_prefix (request.model_path, folder)
             && g_str_has_suffix (request.model_path, "tiny-cosmogan.safetensors"));
    }
  CHECK (expected.size == 256);
  darkmap_train_dialog_set_preset (dialog, DM_TRAIN_PRESET_QUICK);
  dm_train_request_init (&expected, DM_TRAIN_COSMOGAN, DM_TRAIN_PRESET_QUICK);
  CHECK (expected.size == 64);

  /* The user's cube: maps_path, its WCS pixel in the geometry. */
  darkmap_train_dialog_set_maps_path (dialog, cube_path);
  CHECK (darkmap_train_dialog_get_request (dialog, &request));
  CHECK (same_preset_fields (&request, &expected));
  CHECK (g_strcmp0 (request.maps_path, cube_path) == 0
         && request.pixel_arcmin == field->pixel_arcmin);
  CHECK (g_strcmp0 (darkmap_train_dialog_get_message (dialog), "") == 0);

  /* A file that holds no maps: refused, and said. */
  darkmap_train_dialog_set_maps_path (dialog, theory);
  CHECK (!darkmap_train_dialog_can_train (dialog));
  CHECK (strstr (darkmap_train_dialog_get_message (dialog), "cannot be read") != NULL);

  /* Simulated maps again. */
  darkmap_train_dialog_set_maps_path (dialog, NULL);
  CHECK (darkmap_train_dialog_get_request (dialog, &request) && request.maps_path == NULL);
  gtk_widget_set_visible (GTK_WIDGET (dialog), FALSE);
}

/* Whether the plot's last point of series is (step, value). */
static gboolean
last_point_is (DarkmapTrainPlot *plot, guint series, gint64 step, double value)
{
  double s, v;

  return darkmap_train_plot_get_last_point (plot, series, &s, &v) && s == (double) step
         && v == value;
}

/* A tiny training from the dialog's request, its dashboard, then its
 * universes. */
static void
check_training (DarkmapWindow *window)
{
  DarkmapTrainDialog *dialog = DARKMAP_TRAIN_DIALOG (darkmap_window_get_train_dialog (window));
  DarkmapTrainDashboard *dashboard
    = DARKMAP_TRAIN_DASHBOARD (darkmap_window_get_train_dashboard (window));
  DarkmapUniversesPage *page
    = DARKMAP_UNIVERSES_PAGE (darkmap_window_get_universes_page (window));
  g_autoptr (GError) error = NULL, universes_error = NULL;
  g_autofree char *model_path = NULL;
  const DmTrainReport *last = NULL, *validation = NULL;
  DarkmapTrainPlot *gan, *d, *inside;
  DarkmapTrainJob *job;
  DmTrainRequest request;
  GArray *history;
  int n_validations = 0;

  CHECK (darkmap_train_dialog_get_request (dialog, &request));
  model_path = g_strdup (request.model_path);
  request.size = 16;
  request.width = 2;
  request.z_channels = 8;
  request.pool_maps = 16;
  request.validation = 8;
  request.batch = 4;
  request.steps = STEPS;
  request.report_every = REPORT_EVERY;
  request.validate_every = VALIDATE_EVERY;
  request.checkpoint_every = 0;
  request.device = "cpu";
  request.threads = 1;
  CHECK (darkmap_window_start_training (window, &request, &error));
  if (error != NULL)
    {
      fprintf (stderr, "start: %s\n", error->message);
      return;
    }
  job = g_object_ref (darkmap_train_dashboard_get_job (dashboard));
  error = wait_for (window, "training-finished");
  CHECK (error == NULL);
  if (error != NULL)
    fprintf (stderr, "training: %s\n", error->message);

  history = darkmap_train_job_get_history (job);
  for (guint i = 0; i < history->len; i++)
    {
      const DmTrainReport *r = &g_array_index (history, DmTrainReport, i);

      last = r;
      if (r->has_validation)
        {
          validation = r;
          n_validations++;
        }
    }
  gan = darkmap_train_dashboard_get_gan_plot (dashboard);
  d = darkmap_train_dashboard_get_discriminator_plot (dashboard);
  inside = darkmap_train_dashboard_get_inside_plot (dashboard);
  CHECK (gtk_widget_get_visible (GTK_WIDGET (gan)) && gtk_widget_get_visible (GTK_WIDGET (d))
         && gtk_widget_get_visible (GTK_WIDGET (inside))
         && !gtk_widget_get_visible (
           GTK_WIDGET (darkmap_train_dashboard_get_loss_plot (dashboard))));
  CHECK (darkmap_train_dashboard_get_n_points (dashboard) == STEPS / REPORT_EVERY);
  CHECK (darkmap_train_plot_get_n_points (gan, 1) == STEPS / REPORT_EVERY);
  CHECK (darkmap_train_plot_get_n_points (d, 0) == STEPS / REPORT_EVERY
         && darkmap_train_plot_get_n_points (d, 1) == STEPS / REPORT_EVERY);
  CHECK (n_validations == STEPS / VALIDATE_EVERY
         && darkmap_train_plot_get_n_points (gan, 2) == (guint) n_validations
         && darkmap_train_plot_get_n_points (inside, 0) == (guint) n_validations);
  CHECK (last != NULL && last->step == STEPS);
  if (last != NULL && validation != NULL)
    fprintf (stderr, "tiny CosmoGAN, step %lld: generator loss %.3f, discriminator loss %.3f, "
             "D %.3f on training maps and %.3f on generated ones; C_ell off by %.2f\n",
             (long long) last->step, last->train_loss, last->critic_loss, last->d_real,
             last->d_fake, validation->validation_loss);
  if (last != NULL)
    CHECK (last_point_is (gan, 0, STEPS, last->train_loss)
           && last_point_is (gan, 1, STEPS, last->critic_loss)
           && last_point_is (d, 0, STEPS, last->d_real)
           && last_point_is (d, 1, STEPS, last->d_fake) && last->d_real > 0.0
           && last->d_real < 1.0);
  if (validation != NULL)
    CHECK (last_point_is (gan, 2, validation->step, validation->validation_loss)
           && last_point_is (inside, 0, validation->step, validation->cl_inside)
           && last_point_is (inside, 1, validation->step, validation->pdf_inside)
           && last_point_is (inside, 2, validation->step, validation->mf_inside));
  g_object_unref (job);

  /* Its universes, from the dashboard. */
  g_signal_emit_by_name (dashboard, "reconstruct", model_path);
  CHECK (g_strcmp0 (gtk_stack_get_visible_child_name (
                      GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (page), GTK_TYPE_STACK))),
                    "universes")
         == 0);
  CHECK (g_strcmp0 (darkmap_universes_page_get_model_path (page), model_path) == 0);
  universes_error = wait_for (page, "finished");
  CHECK (universes_error == NULL);
  CHECK (darkmap_universes_page_get_maps (page) != NULL
         && darkmap_universes_page_get_maps (page)->nx == 16);
}

/* The models of an earlier run go. */
static void
empty_folder (const char *folder)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);

      g_remove (path);
    }
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = NULL;
  g_autofree char *folder = NULL;
  char *cube_path;
  DarkmapWindow *window;

  app = test_application ();
  if (app == NULL)
    return DM_TEST_SKIP;
  folder = darkmap_train_models_folder ();
  g_mkdir_with_parents (folder, 0755);
  empty_folder (folder);
  cube_path = write_cube ();
  window = demo_window (app);
  check_dialog (window, cube_path);
  check_training (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_remove (cube_path);
  g_free (cube_path);
  return dm_test_result ();
}

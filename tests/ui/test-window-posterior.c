/* Posteriors in the window, against darkmap-cli on the same field: the demo
 * catalogue binned on 128² pixels of 0.8′; the shear written out and given
 * to `darkmap-cli wiener` (8 samples, seed 3, the demo's X-ray clusters).
 *  - Wiener from the window gives the same mean and samples as the CLI's
 *    file (one engine entry), and that file opens in the window with the
 *    same mean;
 *  - the significance columns of the clusters equal the CLI's table;
 *  - the Sample layer shows the plane the slider (and →) selects, on fixed
 *    colour limits;
 *  - presentation mode hides the panels and comes back;
 *  - the Compare page shows the two results side by side, zoom and centre
 *    locked;
 *  - a cancelled score run keeps the list and the posterior shown;
 *  - Save writes a posterior file that reads back equal, the same bytes
 *    when written on a worker (as the dialog does), even with another
 *    posterior selected meanwhile; a posterior on another grid is refused
 *    and the list stays;
 *  - the spectrum page gets the samples' band, measured on a worker, equal
 *    to the band computed directly;
 *  - the flip-book animation decodes to K frames;
 *  - a field on another grid opened over a posterior layer comes on its E
 *    mode, the old posteriors gone.
 * argv[1]: darkmap-cli. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <webp/demux.h>

#include <darkmap/binning.h>
#include <darkmap/posterior.h>

#include "darkmap-cluster.h"
#include "darkmap-compare-view.h"
#include "darkmap-map-view.h"
#include "darkmap-sample-player.h"
#include "darkmap-spectrum-band.h"
#include "darkmap-spectrum-view.h"
#include "window-test-util.h"

#define SAMPLES 8
#define SEED 3

typedef struct
{
  gboolean done;
  GError *error;
} ReconstructWait;

static void
on_reconstruct_finished (DarkmapWindow *window, const GError *error, ReconstructWait *wait)
{
  wait->done = TRUE;
  wait->error = error != NULL ? g_error_copy (error) : NULL;
}

/* Starts request and iterates until the window's reconstruction ends; with
 * cancel_after > 0, activates win.cancel that many seconds after the start
 * and prints how long the run took to stop. */
static GError *
reconstruct (DarkmapWindow *window, const DmReconstructRequest *request, double cancel_after)
{
  ReconstructWait wait = { FALSE, NULL };
  gint64 start = g_get_monotonic_time (), cancelled_at = 0;
  gint64 deadline = start + 120 * G_USEC_PER_SEC;
  gulong handler = g_signal_connect (window, "reconstruct-finished",
                                     G_CALLBACK (on_reconstruct_finished), &wait);
  GError *error = NULL;

  if (!darkmap_window_reconstruct (window, request, &error))
    {
      g_signal_handler_disconnect (window, handler);
      return error;
    }
  while (!wait.done && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      if (cancel_after > 0.0 && cancelled_at == 0
          && g_get_monotonic_time () - start > (gint64) (cancel_after * G_USEC_PER_SEC))
        {
          cancelled_at = g_get_monotonic_time ();
          CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL));
        }
      g_usleep (1000);
    }
  g_signal_handler_disconnect (window, handler);
  if (cancelled_at != 0)
    printf ("cancel honoured after %.3f s\n", (g_get_monotonic_time () - cancelled_at) / 1e6);
  if (!wait.done)
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no end");
  return wait.error;
}

/* The CLI's significance table: peak_fraction and snr per row. */
static guint
read_significance_csv (const char *path, double *peak, double *snr, guint max_rows)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  CHECK (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  CHECK (g_str_has_prefix (lines[0], "label,ra,dec,inside,x,y,peak_fraction,kappa_mean,kappa_std,snr"));
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0' && n < max_rows; i++, n++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], ",", -1);

      CHECK (g_strv_length (fields) == 10);
      peak[n] = g_ascii_strtod (fields[6], NULL);
      snr[n] = g_ascii_strtod (fields[9], NULL);
    }
  return n;
}

static guint
animation_frames (const char *path, int *width)
{
  g_autofree char *bytes = NULL;
  gsize size = 0;
  WebPData data;
  WebPAnimDecoderOptions options;
  WebPAnimDecoder *decoder;
  WebPAnimInfo info;
  guint frames = 0;

  CHECK (g_file_get_contents (path, &bytes, &size, NULL));
  data.bytes = (const uint8_t *) bytes;
  data.size = size;
  CHECK (WebPAnimDecoderOptionsInit (&options));
  decoder = WebPAnimDecoderNew (&data, &options);
  CHECK (decoder != NULL);
  CHECK (WebPAnimDecoderGetInfo (decoder, &info));
  *width = (int) info.canvas_width;
  while (WebPAnimDecoderHasMoreFrames (decoder))
    {
      uint8_t *rgba;
      int timestamp;

      CHECK (WebPAnimDecoderGetNext (decoder, &rgba, &timestamp));
      frames++;
    }
  WebPAnimDecoderDelete (decoder);
  return frames;
}

/* A save on a worker, once finished. */
typedef struct
{
  gboolean finished;
  gboolean ok;
  GError *error;
} SaveDone;

static void
on_saved (GObject *window, GAsyncResult *result, gpointer user_data)
{
  SaveDone *done = user_data;

  done->ok = darkmap_window_save_posterior_finish (DARKMAP_WINDOW (window), result, &done->error);
  done->finished = TRUE;
}

/* The selected posterior, saved on a worker while the window selects
 * another, is the file saved at once (saved_path), byte for byte. */
static void
check_save_on_worker (DarkmapWindow *window, const char *saved_path, const char *worker_path)
{
  DarkmapPosteriorResult *selected = darkmap_window_get_posterior (window);
  g_autoptr (DarkmapPosteriorResult) other =
    g_list_model_get_item (darkmap_window_get_posteriors (window), 0);
  g_autofree char *saved = NULL, *written = NULL;
  gsize saved_size = 0, written_size = 0;
  SaveDone done = { FALSE, FALSE, NULL };

  CHECK (other != selected);
  darkmap_window_save_posterior_async (window, worker_path, on_saved, &done);
  darkmap_window_select_posterior (window, other);
  while (!done.finished)
    g_main_context_iteration (NULL, TRUE);
  CHECK (done.ok && done.error == NULL);
  g_clear_error (&done.error);
  CHECK (g_file_get_contents (saved_path, &saved, &saved_size, NULL));
  CHECK (g_file_get_contents (worker_path, &written, &written_size, NULL));
  CHECK (saved_size > 0 && saved_size == written_size
         && memcmp (saved, written, saved_size) == 0);
  darkmap_window_select_posterior (window, selected);
  g_unlink (worker_path);
}

int
main (int argc, char **argv)
{
  g_autoptr (DarkmapApplication) app = NULL;
  DarkmapWindow *window;
  DarkmapJobSettings settings;
  g_autofree char *catalogue = NULL;
  g_autofree char *shear_path = scratch_path ("posterior-shear.fits");
  g_autofree char *cli_path = scratch_path ("posterior-cli.fits");
  g_autofree char *sig_path = scratch_path ("posterior-sig.csv");
  g_autofree char *saved_path = scratch_path ("posterior-saved.fits");
  g_autofree char *worker_path = scratch_path ("posterior-saved-on-worker.fits");
  g_autofree char *webp_path = scratch_path ("posterior-samples.webp");
  g_autofree char *theory = NULL;
  g_autofree char *clusters = NULL;
  g_autofree char *samples_arg = g_strdup_printf ("%d", SAMPLES);
  g_autofree char *seed_arg = g_strdup_printf ("%d", SEED);
  g_autoptr (GFile) catalogue_file = NULL;
  g_autoptr (GFile) cli_file = NULL;
  g_autoptr (GError) error = NULL;
  DmReconstructRequest request;
  DmError *dm_error = NULL;
  DmPosterior *cli = NULL;
  const DmPosterior *shown;
  DarkmapPosteriorResult *wiener, *from_file;
  size_t npix;
  int status = 0;

  if (argc < 2)
    return 2;
  if ((app = test_application ()) == NULL)
    return 77;
  window = demo_window (app);
  catalogue = g_strdup (darkmap_window_get_result (window)->path);
  theory = darkmap_find_data_file ("theory/ktng_cl_theory.csv");
  clusters = darkmap_find_data_file ("cosmos/xray_finoguenov2007.csv");

  /* The field on 128² pixels of 0.8′. */
  darkmap_job_settings_init (&settings);
  settings.grid_size = 128;
  settings.pixel_arcmin = 0.8;
  catalogue_file = g_file_new_for_path (catalogue);
  darkmap_window_open_catalogue (window, catalogue_file, &settings);
  error = wait_for_job (window);
  CHECK (error == NULL);
  CHECK (darkmap_window_get_result (window)->kappa_e->nx == 128);
  CHECK (!gtk_widget_get_sensitive (darkmap_window_get_sample_player (window)));

  /* The CLI on the same binned shear. */
  CHECK (dm_binned_shear_write (shear_path, darkmap_window_get_result (window)->binned, &dm_error));
  {
    const char *cli_argv[] = { argv[1], "wiener", "--shear", shear_path, "--theory", theory,
                               "--samples", samples_arg, "--seed", seed_arg,
                               "--clusters", clusters, "--significance-out", sig_path,
                               "--out", cli_path, NULL };

    CHECK (g_spawn_sync (NULL, (char **) cli_argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL
                         | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL));
    CHECK (g_spawn_check_wait_status (status, NULL));
  }
  cli = dm_posterior_read (cli_path, &dm_error);
  CHECK (cli != NULL && cli->samples != NULL && cli->samples->nplanes == SAMPLES);
  npix = dm_map_plane_size (cli->mean);

  /* Wiener from the window: the CLI's numbers. */
  dm_reconstruct_request_init (&request, DM_RECONSTRUCT_WIENER);
  request.n_samples = SAMPLES;
  request.seed = SEED;
  error = reconstruct (window, &request, 0.0);
  CHECK (error == NULL);
  CHECK (g_list_model_get_n_items (darkmap_window_get_posteriors (window)) == 1);
  wiener = darkmap_window_get_posterior (window);
  CHECK (wiener != NULL);
  shown = darkmap_posterior_result_get_posterior (wiener);
  CHECK (dm_test_max_abs_difference (shown->mean->data, cli->mean->data, npix) == 0.0);
  CHECK (dm_test_max_abs_difference (shown->samples->data, cli->samples->data, npix * SAMPLES) == 0.0);
  CHECK (strcmp (darkmap_posterior_result_get_title (wiener), "Wiener filter") == 0);
  {
    g_autofree char *layer = NULL;

    g_object_get (window, "layer", &layer, NULL);
    CHECK (g_strcmp0 (layer, "mean") == 0);
  }

  /* The samples' band on the spectrum page, from the worker. */
  {
    DarkmapSpectrumView *view = DARKMAP_SPECTRUM_VIEW (darkmap_window_get_spectrum_widget (window));
    const DarkmapResult *field = darkmap_window_get_result (window);
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    double ell, lo, hi, mean_cl;
    g_autoptr (DarkmapSpectrumBand) band = NULL;
    guint compared = 0;

    while (!darkmap_spectrum_view_get_band (view, 0, &ell, &lo, &hi, &mean_cl)
           && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    band = darkmap_spectrum_band_compute (shown->samples, shown->mean, field->binned->mask,
                                          darkmap_spectrum_view_get_spectrum (view)->pixel_arcmin,
                                          &dm_error);
    CHECK (band != NULL);
    for (int bin = 0; bin < band->n_bins; bin++)
      {
        CHECK (darkmap_spectrum_view_get_band (view, (guint) bin, &ell, &lo, &hi, &mean_cl));
        if (isnan (band->lo[bin]))
          continue;
        CHECK (lo == band->lo[bin] && hi == band->hi[bin] && mean_cl == band->mean_cl[bin]);
        CHECK (lo <= hi);
        compared++;
      }
    CHECK (compared >= 10);
  }

  /* The clusters' significance equals the CLI's table. */
  {
    double peak[128], snr[128];
    guint n = read_significance_csv (sig_path, peak, snr, 128);
    GListModel *list = darkmap_window_get_clusters (window);

    CHECK (n == 72 && g_list_model_get_n_items (list) == n);
    CHECK (darkmap_cluster_list_has_significance (list));
    for (guint i = 0; i < n; i++)
      {
        g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (list, i);
        double p = darkmap_cluster_get_peak_fraction (cluster);
        double s = darkmap_cluster_get_snr (cluster);

        CHECK ((isnan (p) && isnan (peak[i])) || fabs (p - peak[i]) < 1e-9);
        CHECK ((isnan (s) && isnan (snr[i])) || fabs (s - snr[i]) < 1e-4 * fmax (1.0, fabs (s)));
      }
  }

  /* The Sample layer follows the slider and →, limits fixed. */
  {
    DarkmapMapView *view = DARKMAP_MAP_VIEW (darkmap_window_get_map_widget (window));
    DarkmapSamplePlayer *player = DARKMAP_SAMPLE_PLAYER (darkmap_window_get_sample_player (window));
    double lo0, hi0, lo, hi;

    g_object_set (window, "layer", "sample", NULL);
    CHECK (gtk_widget_get_visible (GTK_WIDGET (player)));
    CHECK (darkmap_sample_player_get_n_samples (player) == SAMPLES);
    CHECK (darkmap_map_view_get_plane (view) == 0);
    CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (view), 0),
                               dm_map_plane (shown->samples, 0), npix) == 0.0);
    CHECK (darkmap_map_view_get_limits (view, &lo0, &hi0));
    gtk_range_set_value (GTK_RANGE (darkmap_sample_player_get_scale (player)), 4.0);
    CHECK (darkmap_sample_player_get_index (player) == 3);
    CHECK (darkmap_map_view_get_plane (view) == 3);
    CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (view), 3),
                               dm_map_plane (shown->samples, 3), npix) == 0.0);
    darkmap_sample_player_step (player, 1);
    CHECK (darkmap_map_view_get_plane (view) == 4);
    CHECK (darkmap_map_view_get_limits (view, &lo, &hi) && lo == lo0 && hi == hi0);
    CHECK (wait_for_frame (GTK_WIDGET (window)));
  }

  /* Presentation mode: full screen, the caption names what is shown. */
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.presentation", NULL));
  CHECK (darkmap_window_is_presenting (window));
  CHECK (!gtk_widget_get_visible (darkmap_window_get_cluster_panel (window))
         || !gtk_widget_get_mapped (darkmap_window_get_cluster_panel (window)));
  CHECK (wait_for_frame (GTK_WIDGET (window)));
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.presentation", NULL));
  CHECK (!darkmap_window_is_presenting (window));

  /* The CLI's file opens in the window with the file's mean. */
  cli_file = g_file_new_for_path (cli_path);
  CHECK (darkmap_window_open_posterior (window, cli_file, &error));
  CHECK (g_list_model_get_n_items (darkmap_window_get_posteriors (window)) == 2);
  from_file = darkmap_window_get_posterior (window);
  CHECK (from_file != wiener);
  CHECK (dm_test_max_abs_difference (darkmap_posterior_result_get_posterior (from_file)->mean->data,
                             cli->mean->data, npix) == 0.0);

  /* The Compare page: the window's two results, locked. */
  {
    GtkWidget *page;
    DarkmapCompareView *compare;
    DarkmapMapView *left, *right;
    double x, y;

    g_object_set (window, "page", "compare", NULL);
    page = gtk_stack_get_visible_child (GTK_STACK (gtk_widget_get_ancestor (
      darkmap_window_get_spectrum_widget (window), GTK_TYPE_STACK)));
    CHECK (DARKMAP_IS_COMPARE_VIEW (page));
    compare = DARKMAP_COMPARE_VIEW (page);
    CHECK (darkmap_compare_view_get_selected (compare, DARKMAP_COMPARE_LEFT) == 0);
    CHECK (darkmap_compare_view_get_selected (compare, DARKMAP_COMPARE_RIGHT) == 1);
    left = darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_LEFT);
    right = darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_RIGHT);
    CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (left), 0),
                               shown->mean->data, npix) == 0.0);
    CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (right), 0),
                               cli->mean->data, npix) == 0.0);
    darkmap_map_view_set_zoom (left, 3.0);
    darkmap_map_view_set_center (left, 40.0, 70.0);
    darkmap_map_view_get_center (right, &x, &y);
    CHECK (darkmap_map_view_get_zoom (right) == 3.0 && x == 40.0 && y == 70.0);
    CHECK (wait_for_frame (GTK_WIDGET (window)));
    g_object_set (window, "page", "map", NULL);
  }

  /* A cancelled score run keeps what was shown. */
  dm_reconstruct_request_init (&request, DM_RECONSTRUCT_SCORE_HMC);
  request.n_samples = 64;
  request.device = "cpu";
  error = reconstruct (window, &request, 0.3);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&error);
  CHECK (g_list_model_get_n_items (darkmap_window_get_posteriors (window)) == 2);
  CHECK (darkmap_window_get_posterior (window) == from_file);

  /* Save, and read back. */
  CHECK (darkmap_window_save_posterior (window, saved_path, &error));
  {
    DmPosterior *back = dm_posterior_read (saved_path, &dm_error);

    CHECK (back != NULL && back->samples != NULL && back->samples->nplanes == SAMPLES);
    CHECK (dm_test_max_abs_difference (back->mean->data, cli->mean->data, npix) == 0.0);
    dm_posterior_free (back);
  }
  check_save_on_worker (window, saved_path, worker_path);

  /* A posterior on another grid is refused; the list stays. */
  {
    g_autofree char *small = scratch_path ("posterior-small.fits");
    g_autoptr (GFile) small_file = g_file_new_for_path (small);
    DmMap *samples = dm_map_new (64, 64, 2, NULL, &dm_error);
    DmPosterior *other;

    for (size_t i = 0; i < 64 * 64 * 2; i++)
      samples->data[i] = (float) (i % 7) * 0.01f;
    other = dm_posterior_new (NULL, samples, &dm_error);
    CHECK (other != NULL && dm_posterior_write (small, other, &dm_error));
    dm_posterior_free (other);
    CHECK (!darkmap_window_open_posterior (window, small_file, &error));
    CHECK (strstr (error->message, "64 × 64") != NULL);
    g_clear_error (&error);
    CHECK (g_list_model_get_n_items (darkmap_window_get_posteriors (window)) == 2);
  }

  /* The flip-book animation: K frames. */
  {
    int width = 0;

    CHECK (darkmap_window_export_animation (window, webp_path, &error));
    CHECK (animation_frames (webp_path, &width) == SAMPLES);
    CHECK (width >= 128);
  }

  /* Another grid opened while a posterior layer is shown: the new field
   * comes on its E mode and the old posteriors go. */
  {
    g_autofree char *layer = NULL;

    g_object_set (window, "layer", "mean", NULL);
    settings.grid_size = 64;
    settings.pixel_arcmin = 2.0;
    darkmap_window_open_catalogue (window, catalogue_file, &settings);
    error = wait_for_job (window);
    CHECK (error == NULL);
    g_clear_error (&error);
    CHECK (darkmap_window_get_result (window)->kappa_e->nx == 64);
    CHECK (g_list_model_get_n_items (darkmap_window_get_posteriors (window)) == 0);
    CHECK (darkmap_window_get_posterior (window) == NULL);
    g_object_get (window, "layer", &layer, NULL);
    CHECK (g_strcmp0 (layer, "kappa-e") == 0);
  }

  dm_posterior_free (cli);
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}

/* The map page's layers, smoothing, contours and pointer readout on the
 * demo field: win.layer puts each map in the view (the counts layer's
 * limits end at the binned counts' maximum, the noise layer's at the noise
 * maximum, B on E's symmetric limits, sticks only on the shear layer) and
 * changes the drawing; the smoothing scale gives the engine's smoothing of
 * the unsmoothed KS maps (and the same maps as dm_ks_shear_to_kappa with
 * that smoothing), with the spectrum page following; requests made while a
 * smoothing runs end at the last value; win.show-contours shows contours at
 * 2, 3, 4 standard deviations of E inside the mask; the status readout of a
 * known pixel; the new actions have shortcuts, listed in the shortcuts
 * window.  Prints the time of one smoothing of E and B at 360². */
#include <math.h>
#include <string.h>

#include <darkmap/ks.h>
#include <darkmap/pspec.h>
#include <darkmap/smooth.h>

#include "darkmap-map-view.h"
#include "darkmap-spectrum-view.h"
#include "window-test-util.h"

static double
max_of (const float *data, size_t n)
{
  double max = -INFINITY;

  for (size_t i = 0; i < n; i++)
    if (isfinite (data[i]))
      max = fmax (max, data[i]);
  return max;
}

/* Pixels that differ between two renderings of the same size. */
static int
count_differences (GdkTexture *a, GdkTexture *b)
{
  int w = gdk_texture_get_width (a), h = gdk_texture_get_height (a), n = 0;
  guchar *pa = g_malloc ((size_t) w * h * 4), *pb = g_malloc ((size_t) w * h * 4);

  gdk_texture_download (a, pa, (size_t) w * 4);
  gdk_texture_download (b, pb, (size_t) w * 4);
  for (size_t i = 0; i < (size_t) w * h; i++)
    n += memcmp (pa + 4 * i, pb + 4 * i, 4) != 0;
  g_free (pa);
  g_free (pb);
  return n;
}

static GdkTexture *
render_map (DarkmapWindow *window)
{
  GtkWidget *view = darkmap_window_get_map_widget (window);

  CHECK (wait_for_frame (GTK_WIDGET (window)));
  return darkmap_widget_render (view);
}

static void
set_layer (DarkmapWindow *window, const char *layer)
{
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.layer", "s", layer));
}

static void
test_layers (DarkmapWindow *window)
{
  DarkmapMapView *view = DARKMAP_MAP_VIEW (darkmap_window_get_map_widget (window));
  const DarkmapResult *r = darkmap_window_get_result (window);
  size_t n = dm_map_plane_size (r->kappa_e);
  g_autoptr (GdkTexture) e = NULL, b = NULL, counts = NULL, noise = NULL, shear = NULL;
  g_autofree char *state = NULL;
  double lo, hi, e_lo, e_hi;

  g_object_get (window, "layer", &state, NULL);
  CHECK (g_str_equal (state, "kappa-e"));
  CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (view), 0),
                             dm_map_plane (r->kappa_e, 0), n) == 0.0);
  CHECK (darkmap_map_view_get_limits (view, &e_lo, &e_hi));
  CHECK (e_lo == -e_hi && e_hi > 0.0);
  CHECK (!darkmap_map_view_get_show_whiskers (view));
  e = render_map (window);
  CHECK (e != NULL);

  set_layer (window, "kappa-b");
  CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (view), 0),
                             dm_map_plane (r->kappa_b, 0), n) == 0.0);
  CHECK (darkmap_map_view_get_limits (view, &lo, &hi));
  CHECK (lo == e_lo && hi == e_hi);
  b = render_map (window);

  set_layer (window, "counts");
  CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (view), 0),
                             dm_map_plane (r->binned->counts, 0), n) == 0.0);
  CHECK (darkmap_map_view_get_limits (view, &lo, &hi));
  CHECK (lo == 0.0);
  CHECK (hi == max_of (dm_map_plane (r->binned->counts, 0), n));
  printf ("counts layer: limits [%g, %g]\n", lo, hi);
  counts = render_map (window);

  set_layer (window, "noise");
  CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (view), 0),
                             dm_map_plane (r->binned->noise, 0), n) == 0.0);
  CHECK (darkmap_map_view_get_limits (view, &lo, &hi));
  CHECK (lo == 0.0 && hi == max_of (dm_map_plane (r->binned->noise, 0), n));
  noise = render_map (window);

  set_layer (window, "shear");
  CHECK (darkmap_map_view_get_show_whiskers (view));
  CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (view), 0),
                             dm_map_plane (r->kappa_e, 0), n) == 0.0);
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-contours", NULL));
  shear = render_map (window);
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-contours", NULL));
  /* The shear layer with contours, to look at. */
  if (shear != NULL && g_getenv ("DARKMAP_TEST_TMP") != NULL)
    {
      g_autofree char *png = g_build_filename (g_getenv ("DARKMAP_TEST_TMP"),
                                               "test-window-layers-shear.png", NULL);

      CHECK (gdk_texture_save_to_png (shear, png));
    }

  /* Each layer draws something else; the sticks only add to the E map. */
  if (e != NULL && b != NULL && counts != NULL && noise != NULL && shear != NULL)
    {
      int pixels = gdk_texture_get_width (e) * gdk_texture_get_height (e);

      CHECK (count_differences (e, b) > pixels / 10);
      CHECK (count_differences (e, counts) > pixels / 10);
      CHECK (count_differences (counts, noise) > pixels / 10);
      CHECK (count_differences (e, shear) > 2000);
      CHECK (count_differences (e, shear) < pixels / 2);
    }

  set_layer (window, "kappa-e");
  CHECK (!darkmap_map_view_get_show_whiskers (view));

  /* The layer toggles leave with the map page; the smoothing stays. */
  {
    GtkWidget *scale = darkmap_window_get_smoothing_scale (window);
    GtkWidget *layers = NULL;

    for (GtkWidget *w = gtk_widget_get_first_child (gtk_widget_get_parent (scale)); w != NULL;
         w = gtk_widget_get_next_sibling (w))
      if (GTK_IS_BOX (w) && layers == NULL)
        layers = w;
    CHECK (layers != NULL && gtk_widget_get_visible (layers));
    CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.page", "s", "spectrum"));
    CHECK (layers != NULL && !gtk_widget_get_visible (layers));
    CHECK (gtk_widget_get_visible (scale));
    CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.page", "s", "map"));
    CHECK (layers != NULL && gtk_widget_get_visible (layers));
  }
}

/* Iterates the main loop until the smoothing ends; the longest iteration
 * (the main loop blocked), in seconds. */
static double
wait_for_smoothing (DarkmapWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US, longest = 0;

  while (darkmap_window_is_smoothing (window) && g_get_monotonic_time () < deadline)
    {
      gint64 start = g_get_monotonic_time ();

      /* Without blocking: the wait for the worker is not main-loop work. */
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (200);
      longest = MAX (longest, g_get_monotonic_time () - start);
    }
  CHECK (!darkmap_window_is_smoothing (window));
  return longest / 1e6;
}

static void
test_smoothing (DarkmapWindow *window)
{
  DarkmapMapView *view = DARKMAP_MAP_VIEW (darkmap_window_get_map_widget (window));
  DarkmapSpectrumView *spectrum =
    DARKMAP_SPECTRUM_VIEW (darkmap_window_get_spectrum_widget (window));
  GtkRange *scale = GTK_RANGE (darkmap_window_get_smoothing_scale (window));
  const DarkmapResult *r = darkmap_window_get_result (window);
  size_t n = dm_map_plane_size (r->kappa_e);
  int nx = r->kappa_e->nx, ny = r->kappa_e->ny;
  DmKsOptions ks = { .pad = false, .smooth_sigma_pixels = 5.0 };
  DmMap *ks_e = NULL, *ks_b = NULL;
  DmError *dm_error = NULL;
  float *e = g_memdup2 (dm_map_plane (r->kappa_e_raw, 0), n * sizeof (float));
  float *b = g_memdup2 (dm_map_plane (r->kappa_b_raw, 0), n * sizeof (float));
  double high_before, high_after, seconds;
  const DmPowerSpectrum *shown;
  int last;
  gint64 start;

  CHECK (gtk_range_get_value (scale) == r->smooth_sigma);
  CHECK (r->smooth_sigma == 2.0);
  shown = darkmap_spectrum_view_get_spectrum (spectrum);
  last = shown->n_bins - 1;
  high_before = shown->cl[last];

  /* The engine's smoothing of the unsmoothed maps, timed at 10 pixels
   * (the widest kernel the scale offers) and checked at 5. */
  for (int k = 0; k < 2; k++)
    {
      float *copy = g_memdup2 (dm_map_plane (r->kappa_e_raw, 0), n * sizeof (float));

      start = g_get_monotonic_time ();
      CHECK_OK (dm_smooth_gaussian (copy, nx, ny, 10.0, &dm_error), dm_error);
      CHECK_OK (dm_smooth_gaussian (copy, nx, ny, 10.0, &dm_error), dm_error);
      seconds = (g_get_monotonic_time () - start) / 1e6;
      g_free (copy);
    }
  printf ("smoothing E and B at %d x %d, sigma 10 px: %.1f ms\n", nx, ny, seconds * 1e3);
  CHECK_OK (dm_smooth_gaussian (e, nx, ny, 5.0, &dm_error), dm_error);
  CHECK_OK (dm_smooth_gaussian (b, nx, ny, 5.0, &dm_error), dm_error);
  CHECK_OK (dm_ks_shear_to_kappa (r->binned->shear, &ks, &ks_e, &ks_b, &dm_error), dm_error);

  start = g_get_monotonic_time ();
  gtk_range_set_value (scale, 5.0);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  /* The scale returns before the smoothing is done (it runs on the
   * worker); showing the result (map, contours, spectrum) is the longest
   * the main loop waits. */
  CHECK (darkmap_window_is_smoothing (window));
  CHECK (r->smooth_sigma == 2.0);
  printf ("scale change returns after %.2f ms; longest main-loop iteration while smoothing:"
          " %.1f ms\n", seconds * 1e3, wait_for_smoothing (window) * 1e3);
  CHECK (r == darkmap_window_get_result (window));
  CHECK (r->smooth_sigma == 5.0);
  CHECK (dm_test_max_abs_difference (dm_map_plane (r->kappa_e, 0), e, n) == 0.0);
  CHECK (dm_test_max_abs_difference (dm_map_plane (r->kappa_b, 0), b, n) == 0.0);
  CHECK (dm_test_max_abs_difference (dm_map_plane (r->kappa_e, 0), dm_map_plane (ks_e, 0), n) < 1e-6);
  CHECK (dm_test_max_abs_difference (dm_map_plane (r->kappa_b, 0), dm_map_plane (ks_b, 0), n) < 1e-6);
  CHECK (dm_test_max_abs_difference (dm_map_plane (darkmap_map_view_get_map (view), 0), e, n) == 0.0);

  /* The spectrum page shows the smoothed map's spectrum: less power at
   * the highest ell, the engine's value for the new map. */
  shown = darkmap_spectrum_view_get_spectrum (spectrum);
  high_after = shown->cl[last];
  printf ("C_ell at ell %.0f: %.3g (sigma 2), %.3g (sigma 5)\n", shown->ell[last], high_before,
          high_after);
  CHECK (high_after < 0.5 * high_before);
  {
    DmPspecOptions options;
    DmPowerSpectrum *direct;

    dm_pspec_options_init (&options);
    options.n_bins = shown->n_bins;
    options.scale = DM_BINS_LOG;
    options.mask = r->binned->mask;
    direct = dm_power_spectrum (r->kappa_e, 0, &options, &dm_error);
    CHECK_OK (direct != NULL, dm_error);
    if (direct != NULL)
      CHECK (direct->cl[last] == high_after);
    dm_power_spectrum_free (direct);
  }

  /* The clusters' kappa follows the smoothed map; the selection stays. */
  {
    GListModel *clusters = darkmap_window_get_clusters (window);
    g_autoptr (DarkmapCluster) cluster = NULL;
    double cx, cy;

    CHECK (clusters != NULL && g_list_model_get_n_items (clusters) > 3);
    darkmap_map_view_set_selected_cluster (view, NULL);
    for (guint i = 0; i < g_list_model_get_n_items (clusters) && cluster == NULL; i++)
      {
        g_autoptr (DarkmapCluster) c = g_list_model_get_item (clusters, i);

        if (darkmap_cluster_get_pixel (c, &cx, &cy))
          cluster = g_steal_pointer (&c);
      }
    CHECK (cluster != NULL);
    if (cluster != NULL)
      {
        size_t p = (size_t) floor (cy + 0.5) * (size_t) nx + (size_t) floor (cx + 0.5);
        DarkmapCluster *now;

        double before = darkmap_cluster_get_kappa (cluster);

        CHECK (before == dm_map_plane (r->kappa_e, 0)[p]);
        darkmap_map_view_set_selected_cluster (view, cluster);
        gtk_range_set_value (scale, 3.0);
        wait_for_smoothing (window);
        /* The same cluster, placed again on the smoothed map. */
        now = darkmap_map_view_get_selected_cluster (view);
        CHECK (now == cluster);
        if (now != NULL)
          {
            CHECK (darkmap_cluster_get_kappa (now) == dm_map_plane (r->kappa_e, 0)[p]);
            CHECK (darkmap_cluster_get_kappa (now) != before);
          }
        darkmap_map_view_set_selected_cluster (view, NULL);
      }
  }

  /* Requests while one runs: the last one wins. */
  for (int k = 1; k <= 20; k++)
    gtk_range_set_value (scale, 0.5 * k);
  wait_for_smoothing (window);
  CHECK (r->smooth_sigma == 10.0);
  memcpy (e, dm_map_plane (r->kappa_e_raw, 0), n * sizeof (float));
  CHECK_OK (dm_smooth_gaussian (e, nx, ny, 10.0, &dm_error), dm_error);
  CHECK (dm_test_max_abs_difference (dm_map_plane (r->kappa_e, 0), e, n) == 0.0);

  gtk_range_set_value (scale, 2.0);
  wait_for_smoothing (window);
  CHECK (r->smooth_sigma == 2.0);
  dm_map_free (ks_e);
  dm_map_free (ks_b);
  g_free (e);
  g_free (b);
}

static void
test_contours (DarkmapWindow *window)
{
  DarkmapMapView *view = DARKMAP_MAP_VIEW (darkmap_window_get_map_widget (window));
  const DarkmapResult *r = darkmap_window_get_result (window);
  const DarkmapContours *contours = darkmap_map_view_get_contours (view);
  const float *kappa = dm_map_plane (r->kappa_e, 0), *mask = dm_map_plane (r->binned->mask, 0);
  size_t n = dm_map_plane_size (r->kappa_e), count = 0;
  double sum = 0.0, sum2 = 0.0, mean, sigma;
  g_autoptr (GdkTexture) hidden = NULL, shown = NULL;
  gboolean state;

  for (size_t i = 0; i < n; i++)
    if (mask[i] > 0.0f)
      {
        sum += kappa[i];
        count++;
      }
  mean = sum / (double) count;
  for (size_t i = 0; i < n; i++)
    if (mask[i] > 0.0f)
      sum2 += (kappa[i] - mean) * (kappa[i] - mean);
  sigma = sqrt (sum2 / (double) (count - 1));

  CHECK (contours != NULL);
  if (contours == NULL)
    return;
  CHECK (darkmap_contours_get_n_levels (contours) == 3);
  for (int k = 0; k < 3; k++)
    CHECK_CLOSE (darkmap_contours_get_level (contours, k), (k + 2) * sigma, 1e-9 * sigma);
  printf ("contours at %g (2 sigma): %zu lines\n", 2 * sigma,
          darkmap_contours_get_n_lines (contours, 0));
  CHECK (darkmap_contours_get_n_lines (contours, 0) > 10);
  CHECK (darkmap_contours_get_n_lines (contours, 0) > darkmap_contours_get_n_lines (contours, 2));
  /* Every point of every 2 sigma line is on the level: between the two
   * pixels of its grid edge. */
  for (size_t i = 0; i < darkmap_contours_get_n_lines (contours, 0); i++)
    {
      size_t np;
      const float *p = darkmap_contours_get_line (contours, 0, i, &np);

      for (size_t k = 0; k < np; k++)
        {
          int x0 = (int) floorf (p[2 * k]), y0 = (int) floorf (p[2 * k + 1]);
          int x1 = (int) ceilf (p[2 * k]), y1 = (int) ceilf (p[2 * k + 1]);
          double a = kappa[(size_t) y0 * r->kappa_e->nx + x0];
          double b = kappa[(size_t) y1 * r->kappa_e->nx + x1];

          CHECK (fmin (a, b) <= 2 * sigma + 1e-7 && fmax (a, b) >= 2 * sigma - 1e-7);
        }
    }

  hidden = render_map (window);
  CHECK (!darkmap_map_view_get_show_contours (view));
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-contours", NULL));
  g_object_get (window, "show-contours", &state, NULL);
  CHECK (state && darkmap_map_view_get_show_contours (view));
  shown = render_map (window);
  if (hidden != NULL && shown != NULL)
    CHECK (count_differences (hidden, shown) > 500);
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-contours", NULL));
  CHECK (!darkmap_map_view_get_show_contours (view));
}

static void
test_readout (DarkmapWindow *window)
{
  DarkmapMapView *view = DARKMAP_MAP_VIEW (darkmap_window_get_map_widget (window));
  GtkLabel *label = GTK_LABEL (darkmap_window_get_cursor_label (window));
  const DarkmapResult *r = darkmap_window_get_result (window);
  double x = 100.0, y = 200.0, ra, dec, value;
  g_autofree char *pixel = NULL, *reading = NULL, *degrees = NULL;
  const char *text;
  int h, m, d, am, as;
  double s;

  value = dm_map_plane (r->kappa_e, 0)[200 * r->kappa_e->nx + 100];
  CHECK (dm_wcs_pixel_to_world (r->kappa_e->wcs, 1, &x, &y, &ra, &dec, NULL));
  /* What the view emits when the pointer is over pixel (100, 200). */
  g_signal_emit_by_name (view, "cursor-moved", ra, dec, x, y, value);
  text = gtk_label_get_text (label);
  printf ("readout: %s\n", text);
  pixel = g_strdup ("pixel (100, 200)");
  reading = g_strdup_printf ("κ E = %.4f", value);
  degrees = g_strdup_printf ("(%.5f°), Dec", ra);
  CHECK (strstr (text, pixel) != NULL);
  CHECK (strstr (text, reading) != NULL);
  CHECK (strstr (text, degrees) != NULL);
  /* The sexagesimal form is the same position (COSMOS: 10h, +2°). */
  CHECK (sscanf (text, "RA %dh%dm%lfs", &h, &m, &s) == 3);
  CHECK_CLOSE ((h + m / 60.0 + s / 3600.0) * 15.0, ra, 0.05 / 3600.0 * 15.0 + 1e-9);
  CHECK (sscanf (strstr (text, "Dec ") + 4, "+%d°%d′%d″", &d, &am, &as) == 3);
  CHECK_CLOSE (d + am / 60.0 + as / 3600.0, dec, 0.5 / 3600.0 + 1e-9);

  /* The counts layer reads counts; leaving the map clears the readout. */
  set_layer (window, "counts");
  g_signal_emit_by_name (view, "cursor-moved", ra, dec, x, y,
                         (double) dm_map_plane (r->binned->counts, 0)[200 * r->kappa_e->nx + 100]);
  {
    g_autofree char *galaxies = g_strdup_printf (
      " %d galax", (int) dm_map_plane (r->binned->counts, 0)[200 * r->kappa_e->nx + 100]);

    CHECK (strstr (gtk_label_get_text (label), galaxies) != NULL);
  }
  set_layer (window, "kappa-e");
  g_signal_emit_by_name (view, "cursor-moved", NAN, NAN, NAN, NAN, NAN);
  CHECK (g_str_equal (gtk_label_get_text (label), ""));
}

static void
test_shortcuts (DarkmapApplication *app)
{
  static const char *const actions[] = {
    "win.layer::kappa-e", "win.layer::kappa-b", "win.layer::shear", "win.layer::counts",
    "win.layer::noise", "win.show-contours",
  };
  g_autoptr (GBytes) overlay
    = g_resources_lookup_data ("/org/darkmap/Darkmap/darkmap-shortcuts-window.ui", 0, NULL);
  const char *text = overlay != NULL ? g_bytes_get_data (overlay, NULL) : "";

  CHECK (overlay != NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                     actions[i]);
      g_autofree char *listed = g_strdup_printf (">%s<", actions[i]);

      CHECK (accels != NULL && accels[0] != NULL);
      CHECK (strstr (text, listed) != NULL);
    }
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  DarkmapWindow *window;

  if (app == NULL)
    {
      fprintf (stderr, "no display: skipped\n");
      return 77;
    }
  window = demo_window (app);
  if (darkmap_window_get_result (window) == NULL)
    return dm_test_result ();
  test_layers (window);
  test_smoothing (window);
  test_contours (window);
  test_readout (window);
  test_shortcuts (app);
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}

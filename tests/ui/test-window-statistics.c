/* The Statistics page on the demo field (360² pixels of 0.29′ with the
 * COSMOS mask):
 *  - Ctrl+5 is win.page::statistics, listed in the shortcuts window, and
 *    shows the page;
 *  - the page's statistics of the layer shown equal dm_map_stats of that map
 *    inside the mask, bit for bit (the E mode, then the B mode and the counts
 *    after switching layers); a layer switched while the page is hidden is
 *    measured when it comes;
 *  - a posterior of K = 32 samples (the E mode plus white noise of 32
 *    amplitudes, written as a posterior file and opened): its band, measured
 *    on a worker, equals the 16 % and 84 % quantiles (linear between order
 *    statistics) of the per-sample dm_map_stats in the units drawn, and its
 *    mean map's statistics dm_map_stats of the posterior's mean; the Sample
 *    layer is measured on the sample shown;
 *  - selecting another posterior while a band is measured cancels it: the
 *    band shown is the selected posterior's;
 *  - the CSV export reads back (dm_csv_read) to the page's numbers exactly;
 *  - every statistic draws, its map at the map's colour, with a readout;
 *  - a flat map is refused (no nu scale) and the band is drawn alone.
 * Prints the time of dm_map_stats on the 360² map and of the K = 32 band. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <darkmap/csv.h>
#include <darkmap/map-statistics.h>
#include <darkmap/posterior.h>
#include <darkmap/rng.h>

#include "darkmap-sample-player.h"
#include "darkmap-spectrum-band.h"
#include "darkmap-stats-band.h"
#include "darkmap-stats-page.h"
#include "darkmap-stats-view.h"
#include "window-test-util.h"

#define K_SAMPLES 32
#define K_OTHER 12
#define TIMING_RUNS 10
#define WIDTH 800
#define HEIGHT 500

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DmMapStats, dm_map_stats_free)

static DarkmapStatsView *
stats_view (DarkmapWindow *window)
{
  return darkmap_stats_page_get_view (DARKMAP_STATS_PAGE (darkmap_window_get_stats_page (window)));
}

static const char *
visible_page (DarkmapWindow *window)
{
  GtkWidget *page = darkmap_window_get_stats_page (window);

  return gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_parent (page)));
}

/* dm_map_stats of plane of map inside the field's mask, the engine's defaults. */
static DmMapStats *
direct_stats (const DarkmapResult *field, const DmMap *map, int plane)
{
  DmError *dm_error = NULL;
  DmMapStats *s = dm_map_stats (dm_map_plane (map, plane), field->binned->mask->data, NULL,
                                map->nx, map->ny, field->pixel_arcmin, NULL, &dm_error);

  CHECK_OK (s != NULL, dm_error);
  return s;
}

/* Every array and number equal, bit for bit. */
static gboolean
stats_equal (const DmMapStats *a, const DmMapStats *b)
{
  gboolean equal = a != NULL && b != NULL && a->n == b->n && a->mean == b->mean
                   && a->sigma0 == b->sigma0 && a->sigma1 == b->sigma1
                   && a->sigma2 == b->sigma2 && a->n_peaks == b->n_peaks
                   && a->n_minima == b->n_minima && a->n_inside == b->n_inside
                   && a->n_interior == b->n_interior && a->area_deg2 == b->area_deg2
                   && a->interior_area_deg2 == b->interior_area_deg2;

  for (int kind = 0; equal && kind < DM_STAT_COUNT; kind++)
    equal = memcmp (dm_map_stats_values (a, kind), dm_map_stats_values (b, kind),
                    (size_t) a->n * sizeof (double)) == 0
            && memcmp (a->threshold, b->threshold, (size_t) a->n * sizeof (double)) == 0;
  return equal;
}

static void
check_layer (DarkmapWindow *window, const DmMap *map, int plane, const char *label)
{
  g_autoptr (DmMapStats) direct = direct_stats (darkmap_window_get_result (window), map, plane);
  const char *shown = darkmap_stats_view_get_label (stats_view (window));

  CHECK (stats_equal (darkmap_stats_view_get_stats (stats_view (window)), direct));
  CHECK (g_strcmp0 (shown, label) == 0);
  fprintf (stderr, "%s: sigma0 %.4g, %ld peaks, %ld minima, V2(nu = 1) = %.4g per deg2\n",
           shown, direct->sigma0, direct->n_peaks, direct->n_minima, direct->v2[20]);
}

/* The band shown equals the quantiles of per-sample dm_map_stats. */
static void
check_band (DarkmapWindow *window, const DmPosterior *p)
{
  const DarkmapStatsBand *band = darkmap_stats_view_get_band (stats_view (window));
  const DarkmapResult *field = darkmap_window_get_result (window);
  int k_samples = p->samples->nplanes;
  DmMapStats *per_sample[K_SAMPLES];
  g_autoptr (DmMapStats) mean = direct_stats (field, p->mean, 0);
  double values[K_SAMPLES];
  int mismatches = 0;

  CHECK (band != NULL && band->n_maps == k_samples);
  if (band == NULL || band->n_maps != k_samples)
    return;
  for (int k = 0; k < k_samples; k++)
    per_sample[k] = direct_stats (field, p->samples, k);
  for (int kind = 0; kind < DM_STAT_COUNT; kind++)
    for (int i = 0; i < band->n; i++)
      {
        for (int k = 0; k < k_samples; k++)
          {
            values[k] = dm_map_stats_values (per_sample[k], kind)[i];
            if (kind == DM_STAT_PEAKS || kind == DM_STAT_MINIMA)
              values[k] /= per_sample[k]->interior_area_deg2;
          }
        qsort (values, (size_t) k_samples, sizeof *values, compare_doubles);
        mismatches += band->lo[kind][i] != quantile (values, k_samples, 0.16);
        mismatches += band->hi[kind][i] != quantile (values, k_samples, 0.84);
      }
  CHECK (mismatches == 0);
  CHECK (stats_equal (band->mean, mean));
  fprintf (stderr, "band of %d samples: V0(nu = 0) %.4f to %.4f, peaks(nu = 3) %.3g to %.3g "
           "per deg2\n", k_samples, band->lo[DM_STAT_V0][16], band->hi[DM_STAT_V0][16],
           band->lo[DM_STAT_PEAKS][28], band->hi[DM_STAT_PEAKS][28]);
  for (int k = 0; k < k_samples; k++)
    dm_map_stats_free (per_sample[k]);
}

/* Iterates until the page has measured the band of a posterior of
 * k_samples samples. */
static gboolean
wait_for_band (DarkmapWindow *window, int k_samples)
{
  DarkmapStatsPage *page = DARKMAP_STATS_PAGE (darkmap_window_get_stats_page (window));
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  const DarkmapStatsBand *band;

  while (((band = darkmap_stats_view_get_band (stats_view (window))) == NULL
          || band->n_maps != k_samples || darkmap_stats_page_is_measuring (page))
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return band != NULL && band->n_maps == k_samples;
}

/* The standard deviation of the finite values of plane 0. */
static double
plane_std (const DmMap *map)
{
  size_t n = dm_map_plane_size (map), used = 0;
  double sum = 0.0, sum2 = 0.0;

  for (size_t i = 0; i < n; i++)
    if (isfinite (map->data[i]))
      {
        sum += map->data[i];
        sum2 += (double) map->data[i] * map->data[i];
        used++;
      }
  return sqrt (sum2 / (double) used - (sum / (double) used) * (sum / (double) used));
}

/* A posterior file of the field: sample k is the E mode plus white noise of
 * amplitude (0.5 + k / K) sigma, drawn from stream k of seed. */
static char *
write_posterior (const DarkmapResult *field, int k_samples, uint64_t seed, const char *name)
{
  const DmMap *e = field->kappa_e;
  size_t npix = dm_map_plane_size (e);
  double sigma = plane_std (e);
  DmError *dm_error = NULL;
  DmMap *samples = dm_map_new (e->nx, e->ny, k_samples, e->wcs, &dm_error);
  DmPosterior *p;
  char *path = scratch_path (name);

  CHECK_OK (samples != NULL, dm_error);
  for (int k = 0; k < k_samples; k++)
    {
      DmRng rng;
      float *plane = dm_map_plane (samples, k);

      dm_rng_init (&rng, seed, (uint64_t) k);
      for (size_t i = 0; i < npix; i++)
        plane[i] = e->data[i] + (float) ((0.5 + (double) k / k_samples) * sigma
                                         * dm_rng_normal (&rng));
    }
  p = dm_posterior_new (NULL, samples, &dm_error);
  CHECK_OK (p != NULL, dm_error);
  CHECK_OK (dm_posterior_write (path, p, &dm_error), dm_error);
  dm_posterior_free (p);
  return path;
}

static DarkmapPosteriorResult *
open_posterior (DarkmapWindow *window, const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;

  CHECK (darkmap_window_open_posterior (window, file, &error));
  if (error != NULL)
    fprintf (stderr, "%s\n", error->message);
  return darkmap_window_get_posterior (window);
}

static void
check_shortcut (DarkmapApplication *app, DarkmapWindow *window)
{
  g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                 "win.page::statistics");
  g_autoptr (GBytes) overlay
    = g_resources_lookup_data ("/org/darkmap/Darkmap/darkmap-shortcuts-window.ui", 0, NULL);
  guint key = 0;
  GdkModifierType mods = 0;

  CHECK (accels != NULL && accels[0] != NULL);
  if (accels != NULL && accels[0] != NULL)
    CHECK (gtk_accelerator_parse (accels[0], &key, &mods) && key == GDK_KEY_5
           && mods == GDK_CONTROL_MASK);
  CHECK (overlay != NULL
         && strstr (g_bytes_get_data (overlay, NULL), ">win.page::statistics<") != NULL);
  CHECK (g_strcmp0 (visible_page (window), "map") == 0);
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.page", "s", "statistics"));
  CHECK (g_strcmp0 (visible_page (window), "statistics") == 0);
}

static void
check_export (DarkmapWindow *window)
{
  DarkmapStatsView *view = stats_view (window);
  const DmMapStats *s = darkmap_stats_view_get_stats (view);
  const DarkmapStatsBand *band = darkmap_stats_view_get_band (view);
  g_autofree char *path = scratch_path ("window-statistics.csv");
  g_autoptr (GError) error = NULL;
  DmError *dm_error = NULL;
  DmCsvTable *table;
  int set, plane, statistic, threshold, value, checked = 0, wrong = 0;

  CHECK (darkmap_window_export_statistics (window, path, &error));
  table = dm_csv_read (path, &dm_error);
  CHECK_OK (table != NULL, dm_error);
  if (table == NULL || s == NULL || band == NULL)
    return;
  set = dm_csv_find_column (table, "set");
  plane = dm_csv_find_column (table, "plane");
  statistic = dm_csv_find_column (table, "statistic");
  threshold = dm_csv_find_column (table, "threshold");
  value = dm_csv_find_column (table, "value");
  CHECK (set == 0 && plane == 1 && statistic == 2 && threshold == 3 && value == 4);
  /* map: 8 statistics per threshold and 9 numbers; gaussian: 6 per
   * threshold; samples: 6 per threshold twice and n_samples twice; mean as
   * map. */
  CHECK (table->n_rows == (8 * s->n + 9) * 2 + 6 * s->n + 12 * s->n + 2);
  for (int r = 0; r < table->n_rows; r++)
    {
      const char *set_name = table->text[set][r], *name = table->text[statistic][r];
      double t = table->values[threshold][r], v = table->values[value][r];
      int i = (int) lround ((t - s->threshold[0]) / s->bin_width);
      int kind;

      for (kind = 0; kind < DM_STAT_COUNT; kind++)
        if (g_str_equal (name, dm_stat_kind_name (kind)))
          break;
      if (g_str_equal (set_name, "map") && kind < DM_STAT_COUNT)
        {
          wrong += t != s->threshold[i] || v != dm_map_stats_values (s, kind)[i];
          checked++;
        }
      else if (g_str_equal (set_name, "map") && g_str_equal (name, "peaks_per_deg2"))
        {
          wrong += v != darkmap_stats_value (s, DM_STAT_PEAKS, i);
          checked++;
        }
      else if (g_str_equal (set_name, "map") && g_str_equal (name, "sigma1"))
        wrong += v != s->sigma1;
      else if (g_str_equal (set_name, "gaussian") && g_str_equal (name, "v1"))
        {
          wrong += v != darkmap_stats_gaussian (s, DM_STAT_V1, s->threshold[i]);
          checked++;
        }
      else if (g_str_equal (set_name, "samples") && g_str_equal (name, "minima_per_deg2"))
        {
          gboolean low = g_str_equal (table->text[plane][r], "p16");

          wrong += v != (low ? band->lo : band->hi)[DM_STAT_MINIMA][i];
          checked++;
        }
      else if (g_str_equal (set_name, "mean") && g_str_equal (name, "v2"))
        {
          wrong += v != band->mean->v2[i];
          checked++;
        }
    }
  CHECK (wrong == 0);
  CHECK (checked == 6 * s->n + s->n + s->n + 2 * s->n + s->n);
  fprintf (stderr, "CSV: %d rows, %d values compared exactly\n", table->n_rows, checked);
  dm_csv_free (table);
}

/* Each statistic draws; the map's marker at the threshold nearest 0 has the
 * map's colour, rgb (0.12, 0.47, 0.71), and the readout there names it. */
static void
check_drawing (DarkmapWindow *window)
{
  DarkmapStatsView *view = stats_view (window);
  const DmMapStats *s = darkmap_stats_view_get_stats (view);
  int middle = s != NULL ? s->n / 2 : 0;

  for (int kind = 0; s != NULL && kind < DM_STAT_COUNT; kind++)
    {
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
      cairo_t *cr = cairo_create (surface);
      g_autofree char *readout = NULL;
      const unsigned char *data;
      double vx, vy, lo, hi, nu_lo, nu_hi;
      guint32 pixel;

      darkmap_stats_view_set_kind (view, (DmStatKind) kind);
      darkmap_stats_view_render (view, cr, WIDTH, HEIGHT);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      CHECK (darkmap_stats_view_get_range (view, &nu_lo, &nu_hi, &lo, &hi));
      CHECK (nu_lo == s->threshold[0] && nu_hi == s->threshold[s->n - 1]);
      CHECK (darkmap_stats_view_data_to_view (view, WIDTH, HEIGHT, s->threshold[middle],
                                              darkmap_stats_value (s, kind, middle), &vx, &vy));
      CHECK (vy >= DARKMAP_STATS_MARGIN_TOP && vy <= HEIGHT - DARKMAP_STATS_MARGIN_BOTTOM);
      data = cairo_image_surface_get_data (surface)
             + (size_t) floor (vy) * (size_t) cairo_image_surface_get_stride (surface);
      pixel = ((const guint32 *) (const void *) data)[(int) floor (vx)] & 0xffffffu;
      CHECK (abs ((int) (pixel >> 16 & 0xff) - 31) <= 1);
      CHECK (abs ((int) (pixel >> 8 & 0xff) - 120) <= 1);
      CHECK (abs ((int) (pixel & 0xff) - 181) <= 1);
      readout = darkmap_stats_view_readout (view, WIDTH, HEIGHT, vx, vy);
      CHECK (readout != NULL && strstr (readout, darkmap_stats_kind_title (kind)) != NULL);
      fprintf (stderr, "%s: values %g to %g; marker 0x%06x; %s\n", darkmap_stats_kind_title (kind),
               lo, hi, pixel, readout != NULL ? readout : "(none)");
      cairo_surface_destroy (surface);
    }
  CHECK (darkmap_stats_view_readout (view, WIDTH, HEIGHT, 5.0, 5.0) == NULL);
  darkmap_stats_view_set_kind (view, DM_STAT_PDF);
}

/* A flat map has no nu scale: refused, the view says why and draws the band
 * alone. */
static void
check_flat_map (DarkmapWindow *window)
{
  GtkWidget *widget = g_object_ref_sink (darkmap_stats_view_new ());
  DarkmapStatsView *view = DARKMAP_STATS_VIEW (widget);
  const DarkmapStatsBand *shown = darkmap_stats_view_get_band (stats_view (window));
  const DmPosterior *p =
    darkmap_posterior_result_get_posterior (darkmap_window_get_posterior (window));
  const DarkmapResult *field = darkmap_window_get_result (window);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (surface);
  DmError *dm_error = NULL;
  DmMap *flat = dm_map_new (64, 64, 1, NULL, &dm_error);
  DarkmapStatsBand *band;

  CHECK_OK (flat != NULL, dm_error);
  CHECK_FAILS (darkmap_stats_view_set_map (view, flat, 0, NULL, 1.0, "flat", &dm_error), dm_error,
               DM_ERROR_NO_DATA);
  CHECK (darkmap_stats_view_get_stats (view) == NULL);
  band = darkmap_stats_band_compute (p->samples, NULL, field->binned->mask, field->pixel_arcmin,
                                     NULL, &dm_error);
  CHECK_OK (darkmap_stats_view_set_band (view, band, "band", &dm_error), dm_error);
  CHECK (shown != NULL && darkmap_stats_view_get_band (view)->lo[DM_STAT_V1][10]
                            == shown->lo[DM_STAT_V1][10]);
  darkmap_stats_view_render (view, cr, WIDTH, HEIGHT);
  CHECK (cairo_status (cr) == CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  dm_map_free (flat);
  g_object_unref (widget);
}

static void
print_timings (const DarkmapResult *field, const DmPosterior *p)
{
  DmError *dm_error = NULL;
  gint64 start = g_get_monotonic_time ();
  DarkmapStatsBand *band;

  for (int k = 0; k < TIMING_RUNS; k++)
    dm_map_stats_free (direct_stats (field, field->kappa_e, 0));
  fprintf (stderr, "dm_map_stats on %d x %d with the mask: %.2f ms\n", field->kappa_e->nx,
           field->kappa_e->ny, (double) (g_get_monotonic_time () - start) / 1000.0 / TIMING_RUNS);
  start = g_get_monotonic_time ();
  band = darkmap_stats_band_compute (p->samples, p->mean, field->binned->mask,
                                     field->pixel_arcmin, NULL, &dm_error);
  CHECK_OK (band != NULL, dm_error);
  fprintf (stderr, "band of %d samples and the mean: %.1f ms\n", p->samples->nplanes,
           (double) (g_get_monotonic_time () - start) / 1000.0);
  darkmap_stats_band_free (band);
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  DarkmapWindow *window;
  const DarkmapResult *field;
  g_autofree char *posterior_path = NULL;
  g_autofree char *other_path = NULL;
  DarkmapPosteriorResult *first, *other;
  const DmPosterior *p;

  if (app == NULL)
    {
      fprintf (stderr, "no display: skipped\n");
      return 77;
    }
  window = demo_window (app);
  if ((field = darkmap_window_get_result (window)) == NULL)
    return dm_test_result ();

  check_shortcut (app, window);
  check_layer (window, field->kappa_e, 0, "Kaiser-Squires E mode");
  g_object_set (window, "layer", "kappa-b", NULL);
  check_layer (window, field->kappa_b, 0, "Kaiser-Squires B mode");
  g_object_set (window, "layer", "counts", NULL);
  check_layer (window, field->binned->counts, 0, "Galaxy counts");
  /* Hidden, the page waits; shown, it measures the layer. */
  g_object_set (window, "page", "map", NULL);
  g_object_set (window, "layer", "kappa-e", NULL);
  CHECK (g_strcmp0 (darkmap_stats_view_get_label (stats_view (window)), "Galaxy counts") == 0);
  g_object_set (window, "page", "statistics", NULL);
  check_layer (window, field->kappa_e, 0, "Kaiser-Squires E mode");

  /* A posterior: its band from the worker. */
  posterior_path = write_posterior (field, K_SAMPLES, 7, "window-statistics-posterior.fits");
  other_path = write_posterior (field, K_OTHER, 8, "window-statistics-other.fits");
  first = open_posterior (window, posterior_path);
  CHECK (first != NULL);
  if (first == NULL)
    return dm_test_result ();
  p = darkmap_posterior_result_get_posterior (first);
  CHECK (darkmap_stats_page_is_measuring (
    DARKMAP_STATS_PAGE (darkmap_window_get_stats_page (window))));
  CHECK (wait_for_band (window, K_SAMPLES));
  check_band (window, p);
  print_timings (field, p);

  /* The posterior's mean layer, then sample 4 of the Sample layer. */
  g_object_set (window, "layer", "mean", NULL);
  check_layer (window, p->mean, 0, "Posterior — posterior mean");
  g_object_set (window, "layer", "sample", NULL);
  gtk_range_set_value (GTK_RANGE (darkmap_sample_player_get_scale (
                         DARKMAP_SAMPLE_PLAYER (darkmap_window_get_sample_player (window)))),
                       4.0);
  check_layer (window, p->samples, 3, "Posterior — sample 4 of 32");
  g_object_set (window, "layer", "kappa-e", NULL);

  /* Another posterior, then the first again at once: the second's band is
   * cancelled and the first's shown. */
  other = open_posterior (window, other_path);
  CHECK (other != NULL && other != first);
  CHECK (darkmap_stats_view_get_band (stats_view (window)) == NULL);
  darkmap_window_select_posterior (window, first);
  CHECK (wait_for_band (window, K_SAMPLES));
  check_band (window, p);

  check_export (window);
  check_drawing (window);
  check_flat_map (window);
  CHECK (wait_for_frame (GTK_WIDGET (window)));
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}

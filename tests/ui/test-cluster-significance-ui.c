/* Cluster significance across posterior samples in the cluster list, its
 * panel, the popover and the map overlay, on a 64² field of 10 samples:
 * cluster A holds a bump of amplitude 0.05 + 0.01 k in sample k (peak
 * fraction 1), D a bump in the even samples only (0.5), B only noise (0),
 * and C lies off the map.  The clusters carry the engine's rows exactly and
 * the samples' kappa at their pixel; the panel's extra columns sort by peak
 * fraction; the popover shows the numbers and a histogram of the K values;
 * the overlay colours A's ring differently from B's; clearing the
 * significance brings back the plain list and white rings; in a window
 * the panel shows and hides its four columns one at a time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"

#include <darkmap/cluster-significance.h>
#include <darkmap/rng.h>

#include "darkmap-cluster-overlay.h"
#include "darkmap-cluster-panel.h"
#include "darkmap-cluster-popover.h"

#define N 64
#define K 10
#define SIDE 400

/* Table order A, B, C, D; pixel positions of those on the map. */
enum { A, B, C, D, N_CLUSTERS };
static const double px[N_CLUSTERS] = { 20.0, 44.0, NAN, 32.0 };
static const double py[N_CLUSTERS] = { 24.0, 40.0, NAN, 50.0 };

static DmClusterTable *
make_table (const DmWcs *wcs)
{
  static const char *const labels[N_CLUSTERS] = { "A", "B", "C", "D" };
  DmClusterTable *t = calloc (1, sizeof (*t));
  DmError *error = NULL;

  t->n = N_CLUSTERS;
  t->label = calloc (N_CLUSTERS, sizeof (char *));
  t->ra = calloc (N_CLUSTERS, sizeof (double));
  t->dec = calloc (N_CLUSTERS, sizeof (double));
  t->z = calloc (N_CLUSTERS, sizeof (double));
  t->mass = calloc (N_CLUSTERS, sizeof (double));
  for (int i = 0; i < N_CLUSTERS; i++)
    {
      double x = isnan (px[i]) ? 0.0 : px[i], y = isnan (py[i]) ? 0.0 : py[i];

      t->label[i] = strdup (labels[i]);
      t->z[i] = t->mass[i] = NAN;
      CHECK_OK (dm_wcs_pixel_to_world (wcs, 1, &x, &y, &t->ra[i], &t->dec[i], &error), error);
    }
  /* C: a degree east of the field. */
  t->ra[C] = 151.0;
  t->dec[C] = 2.0;
  t->label_column = strdup ("name");
  t->ra_column = strdup ("ra");
  t->dec_column = strdup ("dec");
  t->z_column = strdup ("");
  t->mass_column = strdup ("");
  return t;
}

static double
bump (int x, int y, int cluster)
{
  double r2 = (x - px[cluster]) * (x - px[cluster]) + (y - py[cluster]) * (y - py[cluster]);

  return exp (-0.5 * r2 / (1.5 * 1.5));
}

/* Noise of std 0.001 plus the bumps (width 1.5 pixels). */
static DmMap *
make_samples (const DmWcs *wcs)
{
  DmMap *samples = dm_map_new (N, N, K, wcs, NULL);
  DmRng rng;

  dm_rng_init (&rng, 11, 0);
  for (int k = 0; k < K; k++)
    for (int y = 0; y < N; y++)
      for (int x = 0; x < N; x++)
        {
          double v = 0.001 * dm_rng_normal (&rng) + (0.05 + 0.01 * k) * bump (x, y, A);

          if (k % 2 == 0)
            v += 0.06 * bump (x, y, D);
          dm_map_plane (samples, k)[y * N + x] = (float) v;
        }
  return samples;
}

/* a == b, or both NaN. */
static gboolean
same (double a, double b)
{
  return a == b || (isnan (a) && isnan (b));
}

static void
check_clusters (GListModel *clusters, const DmClusterSignificance *s, const DmMap *samples)
{
  for (guint i = 0; i < N_CLUSTERS; i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);
      double peak_fraction, snr;
      gboolean has;
      const float *values;
      guint n;

      CHECK (darkmap_cluster_has_significance (cluster));
      CHECK (same (darkmap_cluster_get_peak_fraction (cluster), s->peak_fraction[i]));
      CHECK (same (darkmap_cluster_get_kappa_mean (cluster), s->kappa_mean[i]));
      CHECK (same (darkmap_cluster_get_kappa_std (cluster), s->kappa_std[i]));
      CHECK (same (darkmap_cluster_get_snr (cluster), s->snr[i]));
      g_object_get (cluster, "has-significance", &has, "peak-fraction", &peak_fraction, "snr",
                    &snr, NULL);
      CHECK (has && same (peak_fraction, s->peak_fraction[i]) && same (snr, s->snr[i]));

      /* The K values at the cluster's pixel, whose mean the engine took. */
      values = darkmap_cluster_get_sample_kappa (cluster, &n);
      if (i == C)
        {
          CHECK (values == NULL && n == 0);
          continue;
        }
      CHECK (values != NULL && n == K);
      if (values == NULL || n != K)
        continue;
      {
        double sum = 0.0;

        for (int k = 0; k < K; k++)
          {
            CHECK (values[k]
                   == dm_map_plane (samples, k)[(size_t) py[i] * N + (size_t) px[i]]);
            sum += values[k];
          }
        CHECK_CLOSE (sum / K, s->kappa_mean[i], 1e-12);
      }
    }
}

static GtkWidget *
find_export_button (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)),
                    "win.export-significance") == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_export_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The columns shown. */
static guint
n_columns (DarkmapClusterPanel *panel)
{
  GListModel *columns = gtk_column_view_get_columns (darkmap_cluster_panel_get_column_view (panel));
  guint shown = 0;

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr (GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      shown += gtk_column_view_column_get_visible (column);
    }
  return shown;
}

static void
check_panel (DarkmapClusterPanel *panel, GListStore *clusters,
             const DmClusterSignificance *s, const DmMap *samples)
{
  static const char *const titles[] = { "Peak fraction", "κ mean", "κ std", "S/N" };
  GtkColumnView *column_view = darkmap_cluster_panel_get_column_view (panel);
  GListModel *columns = gtk_column_view_get_columns (column_view);
  GListModel *rows = G_LIST_MODEL (darkmap_cluster_panel_get_selection (panel));
  GtkWidget *export_button = find_export_button (GTK_WIDGET (panel));
  g_autoptr (DarkmapCluster) a = g_list_model_get_item (G_LIST_MODEL (clusters), A);

  darkmap_cluster_panel_set_clusters (panel, G_LIST_MODEL (clusters), "");
  CHECK (n_columns (panel) == 6);
  CHECK (export_button != NULL && !gtk_widget_get_visible (export_button));

  /* Setting the significance adds the columns and the button and keeps
   * the selection. */
  darkmap_cluster_panel_set_selected_cluster (panel, a);
  darkmap_cluster_list_set_significance (clusters, s, samples);
  CHECK (darkmap_cluster_panel_get_selected_cluster (panel) == a);
  CHECK (n_columns (panel) == 10);
  CHECK (export_button != NULL && gtk_widget_get_visible (export_button));
  for (guint c = 0; c < G_N_ELEMENTS (titles) && n_columns (panel) == 10; c++)
    {
      g_autoptr (GtkColumnViewColumn) column = g_list_model_get_item (columns, 6 + c);

      CHECK (g_strcmp0 (gtk_column_view_column_get_title (column), titles[c]) == 0);
      CHECK (gtk_column_view_column_get_sorter (column) != NULL);
    }

  /* By peak fraction: B (0), D (0.5), A (1), then C (unknown). */
  if (n_columns (panel) == 10)
    {
      static const char *const order[] = { "B", "D", "A", "C" };
      g_autoptr (GtkColumnViewColumn) peak_column = g_list_model_get_item (columns, 6);

      gtk_column_view_sort_by_column (column_view, peak_column, GTK_SORT_ASCENDING);
      CHECK (g_list_model_get_n_items (rows) == N_CLUSTERS);
      for (guint i = 0; i < N_CLUSTERS && i < g_list_model_get_n_items (rows); i++)
        {
          g_autoptr (DarkmapCluster) row = g_list_model_get_item (rows, i);

          CHECK (g_str_equal (darkmap_cluster_get_label (row), order[i]));
        }
    }
}

/* The columns of a panel in a window change one a main-loop turn: one at
 * once, then the others in turn, never two together; each count seen. */
static void
check_columns_in_turn (DarkmapClusterPanel *panel, GListStore *clusters,
                       const DmClusterSignificance *s, const DmMap *samples, guint from, guint to)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint shown, seen = 1;

  darkmap_cluster_list_set_significance (clusters, s, samples);
  shown = n_columns (panel);
  CHECK (shown == (to > from ? from + 1 : from - 1));
  while (shown != to && g_get_monotonic_time () < deadline)
    {
      guint now;

      g_main_context_iteration (NULL, TRUE);
      now = n_columns (panel);
      CHECK (now == shown || now == (to > from ? shown + 1 : shown - 1));
      seen += now != shown;
      shown = now;
    }
  CHECK (shown == to && seen == 4);
}

static void
check_popover (DarkmapClusterPopover *popover, GListModel *clusters,
               const DmClusterSignificance *s)
{
  g_autoptr (DarkmapCluster) a = g_list_model_get_item (clusters, A);
  g_autoptr (DarkmapCluster) d = g_list_model_get_item (clusters, D);
  g_autofree char *mean_std = g_strdup_printf ("%+.4f ± %.4f", s->kappa_mean[A], s->kappa_std[A]);
  g_autofree char *snr = g_strdup_printf ("%.2f", s->snr[A]);
  const float *values;
  const guint *counts;
  guint n, n_bins, total = 0;
  double lo, hi, min = INFINITY, max = -INFINITY;

  darkmap_cluster_popover_set_cluster (popover, a);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "peak-fraction"), "1.000") == 0);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "kappa-mean-std"), mean_std) == 0);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "snr"), snr) == 0);
  printf ("A: peak fraction %s, kappa %s, S/N %s\n",
          darkmap_cluster_popover_get_text (popover, "peak-fraction"),
          darkmap_cluster_popover_get_text (popover, "kappa-mean-std"),
          darkmap_cluster_popover_get_text (popover, "snr"));

  /* Ten values in ceil(sqrt(10)) → at least 5 bins from the smallest to
   * the largest: every value counted once, both ends occupied. */
  values = darkmap_cluster_get_sample_kappa (a, &n);
  for (guint k = 0; k < n; k++)
    {
      min = fmin (min, values[k]);
      max = fmax (max, values[k]);
    }
  counts = darkmap_cluster_popover_get_histogram (popover, &n_bins, &lo, &hi);
  CHECK (counts != NULL && n_bins == 5);
  CHECK (lo == min && hi == max);
  for (guint b = 0; counts != NULL && b < n_bins; b++)
    total += counts[b];
  CHECK (total == K);
  CHECK (counts != NULL && n_bins == 5 && counts[0] > 0 && counts[4] > 0);

  darkmap_cluster_popover_set_cluster (popover, d);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "peak-fraction"), "0.500") == 0);
}

/* The overlay on a mid-grey field, 6 view pixels a map pixel: the pixel on
 * a ring's right edge, level with its centre (the ring is 1.5 wide round
 * radius DARKMAP_MARKER_RADIUS_PLAIN: that pixel lies wholly inside it). */
#define SCALE 6.0

static cairo_surface_t *
render_overlay (DarkmapClusterOverlay *overlay, GListModel *clusters)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, SIDE, SIDE);
  cairo_t *cr = cairo_create (surface);
  cairo_matrix_t to_view;

  cairo_matrix_init (&to_view, SCALE, 0.0, 0.0, -SCALE, 8.5, SIDE - 7.5);
  cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
  cairo_paint (cr);
  darkmap_cluster_overlay_draw (overlay, cr, &to_view, clusters, NULL);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static void
ring_pixel (cairo_surface_t *surface, int cluster, double rgb[3])
{
  const unsigned char *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  int x = (int) floor (8.5 + SCALE * px[cluster] + DARKMAP_MARKER_RADIUS_PLAIN);
  int y = (int) floor (SIDE - 7.5 - SCALE * py[cluster]);
  guint32 p = ((const guint32 *) (const void *) (data + (size_t) y * (size_t) stride))[x];

  rgb[0] = ((p >> 16) & 0xff) / 255.0;
  rgb[1] = ((p >> 8) & 0xff) / 255.0;
  rgb[2] = (p & 0xff) / 255.0;
}

/* Pixels of the lower left corner (where the key goes) unlike the grey. */
static int
corner_marks (cairo_surface_t *surface)
{
  const unsigned char *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface), n = 0;

  for (int y = SIDE - 60; y < SIDE; y++)
    for (int x = 0; x < 140; x++)
      n += (((const guint32 *) (const void *) (data + (size_t) y * (size_t) stride))[x]
            & 0xffffffu) != 0x808080u;
  return n;
}

static void
check_ring_colours (cairo_surface_t *surface, gboolean significance)
{
  double expected[2][3], got[2][3];

  darkmap_cluster_overlay_peak_colour (1.0, expected[0]);
  darkmap_cluster_overlay_peak_colour (0.0, expected[1]);
  ring_pixel (surface, A, got[0]);
  ring_pixel (surface, B, got[1]);
  printf ("ring of A (%.3f %.3f %.3f), of B (%.3f %.3f %.3f)\n", got[0][0], got[0][1],
          got[0][2], got[1][0], got[1][1], got[1][2]);
  for (int i = 0; i < 2; i++)
    for (int c = 0; c < 3; c++)
      CHECK_CLOSE (got[i][c], significance ? expected[i][c] : 1.0, 2.5 / 255.0);
}

static void
check_overlay (GListStore *clusters, const DmClusterSignificance *s, const DmMap *samples)
{
  DarkmapClusterOverlay *overlay = darkmap_cluster_overlay_new ();
  cairo_surface_t *plain, *coloured;
  double yellow[3], slate[3];

  /* The scale's ends: slate grey-blue and yellow, lighter at 1. */
  darkmap_cluster_overlay_peak_colour (0.0, slate);
  darkmap_cluster_overlay_peak_colour (1.0, yellow);
  CHECK (yellow[0] > 0.9 && yellow[1] > 0.8 && yellow[2] < 0.3);
  CHECK (slate[2] > slate[0] && slate[2] > slate[1]);

  plain = render_overlay (overlay, G_LIST_MODEL (clusters));
  check_ring_colours (plain, FALSE);
  CHECK (corner_marks (plain) == 0);

  darkmap_cluster_list_set_significance (clusters, s, samples);
  coloured = render_overlay (overlay, G_LIST_MODEL (clusters));
  check_ring_colours (coloured, TRUE);
  CHECK (corner_marks (coloured) > 500);
  cairo_surface_destroy (coloured);

  darkmap_cluster_list_set_significance (clusters, NULL, NULL);
  coloured = render_overlay (overlay, G_LIST_MODEL (clusters));
  {
    const unsigned char *a = cairo_image_surface_get_data (plain);
    const unsigned char *b = cairo_image_surface_get_data (coloured);

    CHECK (memcmp (a, b, (size_t) cairo_image_surface_get_stride (plain) * SIDE) == 0);
  }
  cairo_surface_destroy (coloured);
  cairo_surface_destroy (plain);
  darkmap_cluster_overlay_free (overlay);
}

int
main (void)
{
  DmWcs *wcs;
  DmMap *samples, *mean;
  DmClusterTable *table;
  DmClusterSignificanceOptions options;
  DmClusterSignificance *s;
  DmError *error = NULL;
  g_autoptr (GListStore) clusters = NULL;
  GtkWidget *panel, *popover;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "no display: skipped\n");
      return 77;
    }
  /* 1′ pixels, RA to the left. */
  wcs = dm_wcs_new_grid (DM_PROJECTION_TAN, 150.0, 2.0, 1.0 / 60.0, N, N, true, NULL);
  samples = make_samples (wcs);
  mean = dm_map_new (N, N, 1, wcs, NULL);
  if (wcs == NULL || samples == NULL || mean == NULL)
    return EXIT_FAILURE;
  table = make_table (wcs);

  /* Peaks above κ = 0.02 within 2′: the noise (std 0.001) never reaches
   * it, every bump does. */
  dm_cluster_significance_options_init (&options);
  options.unit = DM_PEAK_THRESHOLD_KAPPA;
  options.threshold = 0.02;
  s = dm_cluster_significance_compute (samples, table, &options, &error);
  CHECK_OK (s != NULL, error);
  if (s == NULL)
    return dm_test_result ();
  CHECK (s->peak_fraction[A] == 1.0 && s->peak_fraction[B] == 0.0
         && s->peak_fraction[D] == 0.5 && !s->inside[C]);

  clusters = darkmap_cluster_list_new (table, mean);
  {
    g_autoptr (DarkmapCluster) a = g_list_model_get_item (G_LIST_MODEL (clusters), A);
    guint n = 1;

    CHECK (!darkmap_cluster_list_has_significance (G_LIST_MODEL (clusters)));
    CHECK (!darkmap_cluster_has_significance (a) && isnan (darkmap_cluster_get_peak_fraction (a)));
    CHECK (darkmap_cluster_get_sample_kappa (a, &n) == NULL && n == 0);
  }

  panel = g_object_ref_sink (darkmap_cluster_panel_new ());
  popover = g_object_ref_sink (darkmap_cluster_popover_new ());
  check_panel (DARKMAP_CLUSTER_PANEL (panel), clusters, s, samples);
  CHECK (darkmap_cluster_list_has_significance (G_LIST_MODEL (clusters)));
  check_clusters (G_LIST_MODEL (clusters), s, samples);
  check_popover (DARKMAP_CLUSTER_POPOVER (popover), G_LIST_MODEL (clusters), s);

  /* Cleared: the plain list, panel and popover again. */
  darkmap_cluster_list_set_significance (clusters, NULL, NULL);
  CHECK (!darkmap_cluster_list_has_significance (G_LIST_MODEL (clusters)));
  CHECK (n_columns (DARKMAP_CLUSTER_PANEL (panel)) == 6);
  CHECK (!gtk_widget_get_visible (find_export_button (panel)));
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (DARKMAP_CLUSTER_POPOVER (popover),
                                                      "peak-fraction"), "") == 0);
  {
    guint n_bins = 1;
    double lo, hi;

    CHECK (darkmap_cluster_popover_get_histogram (DARKMAP_CLUSTER_POPOVER (popover), &n_bins,
                                                  &lo, &hi) == NULL && n_bins == 0);
  }
  for (guint i = 0; i < N_CLUSTERS; i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (G_LIST_MODEL (clusters), i);

      CHECK (!darkmap_cluster_has_significance (cluster)
             && isnan (darkmap_cluster_get_kappa_mean (cluster)));
    }

  check_overlay (clusters, s, samples);

  g_object_unref (popover);
  /* In a window: the significance columns come and go one at a time. */
  {
    GtkWidget *window = gtk_window_new ();

    gtk_window_set_child (GTK_WINDOW (window), panel);
    gtk_window_present (GTK_WINDOW (window));
    CHECK (n_columns (DARKMAP_CLUSTER_PANEL (panel)) == 6);
    check_columns_in_turn (DARKMAP_CLUSTER_PANEL (panel), clusters, s, samples, 6, 10);
    CHECK (gtk_widget_get_visible (find_export_button (panel)));
    check_columns_in_turn (DARKMAP_CLUSTER_PANEL (panel), clusters, NULL, NULL, 10, 6);
    CHECK (!gtk_widget_get_visible (find_export_button (panel)));
    gtk_window_set_child (GTK_WINDOW (window), NULL);
    gtk_window_destroy (GTK_WINDOW (window));
  }
  g_object_unref (panel);
  dm_cluster_significance_free (s);
  dm_cluster_table_free (table);
  dm_map_free (mean);
  dm_map_free (samples);
  dm_wcs_free (wcs);
  return dm_test_result ();
}

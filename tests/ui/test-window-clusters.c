/* The demo window's X-ray clusters: every row of the shipped table is
 * listed and placed on the map; the overlay draws a marker at a cluster's
 * position (and nothing there once win.show-clusters turns it off), and
 * paths in SVG exports; a marker's popover shows its properties and follows
 * the marker until it leaves the view; selecting a row selects and centres
 * the cluster, activating it opens the popover, selecting on the map
 * scrolls the list to the row; sorting orders names naturally and puts
 * unknown numbers after known ones; a table without usable columns is
 * refused with a dialog and leaves the clusters shown; a new list shows
 * its first rows at once and the others over the next frames, a cluster
 * selected before them among them.  Prints the
 * overlay's cost per rendered frame, with the 72 clusters and with 5000. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include <darkmap/cluster-table.h>

#include "darkmap-cluster-overlay.h"
#include "darkmap-cluster-panel.h"
#include "darkmap-cluster-popover.h"
#include "darkmap-export.h"
#include "darkmap-map-view.h"
#include "map-view-test-util.h"
#include "window-test-util.h"

#define FRAMES 40

static guint32
pixel_at (cairo_surface_t *surface, int x, int y)
{
  const unsigned char *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  return ((const guint32 *) (const void *) (data + (size_t) y * (size_t) stride))[x] & 0xffffffu;
}

/* Milliseconds per render of the whole view at width × height. */
static double
frame_ms (DarkmapMapView *view, int width, int height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  gint64 start = 0;

  for (int k = 0; k < FRAMES + 1; k++)
    {
      cairo_t *cr = cairo_create (surface);

      if (k == 1)
        start = g_get_monotonic_time ();
      darkmap_map_view_render (view, cr, width, height);
      cairo_destroy (cr);
    }
  cairo_surface_flush (surface);
  cairo_surface_destroy (surface);
  return (double) (g_get_monotonic_time () - start) / 1000.0 / FRAMES;
}

/* The on-map cluster with the largest mass (the biggest marker). */
static DarkmapCluster *
heaviest_on_map (GListModel *clusters)
{
  DarkmapCluster *best = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (clusters); i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);
      double x, y;

      if (darkmap_cluster_get_pixel (cluster, &x, &y)
          && (best == NULL || darkmap_cluster_get_mass (cluster) > darkmap_cluster_get_mass (best)))
        best = cluster;
    }
  return best;
}

static void
check_table (DarkmapWindow *window, DarkmapClusterPanel *panel)
{
  g_autofree char *path = darkmap_find_data_file ("cosmos/xray_finoguenov2007.csv");
  DmError *dm_error = NULL;
  DmClusterTable *table = dm_cluster_table_read (path, &dm_error);
  GListModel *clusters = darkmap_window_get_clusters (window);
  const DarkmapResult *result = darkmap_window_get_result (window);
  guint on_map = 0;

  CHECK_OK (table != NULL, dm_error);
  CHECK (clusters != NULL);
  if (table == NULL || clusters == NULL || result == NULL)
    return;
  CHECK (table->n == 72);
  CHECK (g_list_model_get_n_items (clusters) == table->n);
  while (!darkmap_cluster_panel_is_filled (panel))
    g_main_context_iteration (NULL, TRUE);
  CHECK (g_list_model_get_n_items (G_LIST_MODEL (darkmap_cluster_panel_get_selection (panel)))
         == table->n);
  for (guint i = 0; i < table->n; i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);
      double x, y;

      CHECK (strcmp (darkmap_cluster_get_label (cluster), table->label[i]) == 0);
      CHECK (darkmap_cluster_get_ra (cluster) == table->ra[i]);
      if (darkmap_cluster_get_pixel (cluster, &x, &y))
        {
          size_t ix = (size_t) floor (x + 0.5), iy = (size_t) floor (y + 0.5);

          on_map++;
          CHECK (darkmap_cluster_get_kappa (cluster)
                 == result->kappa_e->data[iy * (size_t) result->kappa_e->nx + ix]);
        }
    }
  /* The 360 × 0.29′ grid holds the whole 1.4° X-ray survey. */
  CHECK (on_map == 72);
  fprintf (stderr, "summary: %s\n", darkmap_cluster_panel_get_summary (panel));
  CHECK (strstr (darkmap_cluster_panel_get_summary (panel), "72 clusters") != NULL);
  dm_cluster_table_free (table);
}

static void
check_overlay_pixels (DarkmapWindow *window, DarkmapMapView *view)
{
  int width = gtk_widget_get_width (GTK_WIDGET (view));
  int height = gtk_widget_get_height (GTK_WIDGET (view));
  DarkmapCluster *cluster = heaviest_on_map (darkmap_window_get_clusters (window));
  cairo_surface_t *on, *off;
  double x, y, vx, vy, ms_on, ms_off;
  int px, py;

  CHECK (cluster != NULL);
  if (cluster == NULL)
    return;
  darkmap_cluster_get_pixel (cluster, &x, &y);
  CHECK (darkmap_map_view_pixel_to_view (view, width, height, x, y, &vx, &vy));
  px = (int) floor (vx);
  py = (int) floor (vy);

  CHECK (darkmap_map_view_get_show_clusters (view));
  on = render_view (view, width, height);
  ms_on = frame_ms (view, width, height);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-clusters", NULL);
  CHECK (!darkmap_map_view_get_show_clusters (view));
  off = render_view (view, width, height);
  ms_off = frame_ms (view, width, height);
  fprintf (stderr, "cluster %s at view (%.1f, %.1f): 0x%06x with markers, 0x%06x without\n",
           darkmap_cluster_get_label (cluster), vx, vy, pixel_at (on, px, py),
           pixel_at (off, px, py));
  fprintf (stderr, "render %d x %d: %.2f ms with the overlay, %.2f ms without (%d frames)\n",
           width, height, ms_on, ms_off, FRAMES);
  /* The white dot at the centre, and the white ring at its radius. */
  CHECK (pixel_at (on, px, py) == 0xffffffu);
  CHECK (pixel_at (on, px, py) != pixel_at (off, px, py));
  {
    double radius = darkmap_cluster_overlay_radius (darkmap_map_view_get_clusters (view), cluster);
    int rx = (int) floor (vx + radius);

    CHECK (radius == DARKMAP_MARKER_RADIUS_MAX);
    CHECK (pixel_at (on, rx, py) != pixel_at (off, rx, py));
  }
  /* Hidden markers cannot be clicked. */
  CHECK (darkmap_map_view_cluster_at (view, width, height, vx, vy) == NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-clusters", NULL);
  CHECK (darkmap_map_view_get_show_clusters (view));
  CHECK (darkmap_map_view_cluster_at (view, width, height, vx, vy) == cluster);
  cairo_surface_destroy (on);
  cairo_surface_destroy (off);
}

/* Figures to PDF and SVG get the markers as paths, not images: each of the
 * 72 adds to the file, and the images are those without them. */
static void
check_vector_export (DarkmapMapView *view)
{
  g_autofree char *path = scratch_path ("ui-clusters.svg");
  gsize size[2] = { 0, 0 };
  guint images[2] = { 0, 0 };

  for (int on = 0; on < 2; on++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *text = NULL;

      darkmap_map_view_set_show_clusters (view, on);
      CHECK (darkmap_export_view (view, path, DARKMAP_EXPORT_SVG, 800, 600, 96.0, &error));
      CHECK (g_file_get_contents (path, &text, &size[on], NULL));
      images[on] = text != NULL ? dm_test_count_substrings (text, "<image") : 0;
    }
  fprintf (stderr, "SVG export: %zu bytes without the clusters, %zu with\n", size[0], size[1]);
  CHECK (size[1] > size[0] + 72 * 200);
  CHECK (images[0] > 0 && images[1] == images[0]);
  g_unlink (path);
}

static void
check_popover (DarkmapWindow *window, DarkmapMapView *view, DarkmapClusterPanel *panel)
{
  GListModel *clusters = darkmap_window_get_clusters (window);
  g_autoptr (DarkmapCluster) first = g_list_model_get_item (clusters, 0);
  DarkmapClusterPopover *popover =
    DARKMAP_CLUSTER_POPOVER (darkmap_map_view_get_cluster_popover (view));
  g_autofree char *kappa = g_strdup_printf ("%.4f", darkmap_cluster_get_kappa (first));

  /* Row 1 of the table: 3, 150.80244, 1.98985, z 0.25, 0.69e13 Msun. */
  darkmap_map_view_popup_cluster (view, first);
  CHECK (gtk_widget_get_visible (GTK_WIDGET (popover)));
  CHECK (darkmap_cluster_popover_get_cluster (popover) == first);
  CHECK (darkmap_map_view_get_selected_cluster (view) == first);
  CHECK (darkmap_cluster_panel_get_selected_cluster (panel) == first);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "ra"), "10h03m12.6s") == 0);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "dec"), "+01°59′23″") == 0);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "z"), "0.250") == 0);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "mass"), "0.69") == 0);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "mass-title"), "m500_1e13msun")
         == 0);
  CHECK (g_strcmp0 (darkmap_cluster_popover_get_text (popover, "kappa"), kappa) == 0);
  fprintf (stderr, "popover: %s %s z %s mass %s kappa %s\n",
           darkmap_cluster_popover_get_text (popover, "ra"),
           darkmap_cluster_popover_get_text (popover, "dec"),
           darkmap_cluster_popover_get_text (popover, "z"),
           darkmap_cluster_popover_get_text (popover, "mass"),
           darkmap_cluster_popover_get_text (popover, "kappa"));
  CHECK (wait_for_frame (GTK_WIDGET (window)));

  /* Zooming about the cluster keeps it open; panning it out of view closes it. */
  {
    double x, y;

    darkmap_cluster_get_pixel (first, &x, &y);
    darkmap_map_view_set_center (view, x, y);
    darkmap_map_view_set_zoom (view, 4.0);
    CHECK (gtk_widget_get_visible (GTK_WIDGET (popover)));
    darkmap_map_view_set_center (view, x + 200.0, y);
    CHECK (!gtk_widget_get_visible (GTK_WIDGET (popover)));
    darkmap_map_view_reset_view (view);
  }
  gtk_popover_popdown (GTK_POPOVER (popover));
}

static void
check_rows (DarkmapMapView *view, DarkmapClusterPanel *panel)
{
  GtkColumnView *column_view = darkmap_cluster_panel_get_column_view (panel);
  GListModel *columns = gtk_column_view_get_columns (column_view);
  GtkSingleSelection *selection = darkmap_cluster_panel_get_selection (panel);
  GListModel *rows = G_LIST_MODEL (selection);
  g_autoptr (DarkmapCluster) row = NULL;
  double x, y, cx, cy, previous = -INFINITY;

  /* Every column sorts, the four of the significance hidden without it; by
   * z (the fourth) the rows come in increasing z. */
  CHECK (g_list_model_get_n_items (columns) == 10);
  for (guint c = 0; c < g_list_model_get_n_items (columns); c++)
    {
      g_autoptr (GtkColumnViewColumn) column = g_list_model_get_item (columns, c);

      CHECK (gtk_column_view_column_get_sorter (column) != NULL);
      CHECK (gtk_column_view_column_get_visible (column) == (c < 6));
    }
  {
    g_autoptr (GtkColumnViewColumn) z_column = g_list_model_get_item (columns, 3);

    gtk_column_view_sort_by_column (column_view, z_column, GTK_SORT_ASCENDING);
  }
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (rows, i);

      CHECK (darkmap_cluster_get_z (cluster) >= previous);
      previous = darkmap_cluster_get_z (cluster);
    }

  /* Names in natural order: ids 3, 9, 11 (not "100", "101"...). */
  {
    g_autoptr (GtkColumnViewColumn) name_column = g_list_model_get_item (columns, 0);
    const char *expected[] = { "3", "9", "11" };

    gtk_column_view_sort_by_column (column_view, name_column, GTK_SORT_ASCENDING);
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (rows, i);

        CHECK (g_strcmp0 (darkmap_cluster_get_label (cluster), expected[i]) == 0);
      }
  }
  {
    g_autoptr (GtkColumnViewColumn) z_column = g_list_model_get_item (columns, 3);

    gtk_column_view_sort_by_column (column_view, z_column, GTK_SORT_ASCENDING);
  }

  gtk_single_selection_set_selected (selection, 5);
  row = g_list_model_get_item (rows, 5);
  CHECK (darkmap_cluster_panel_get_selected_cluster (panel) == row);
  CHECK (darkmap_map_view_get_selected_cluster (view) == row);
  CHECK (darkmap_cluster_get_pixel (row, &x, &y));
  darkmap_map_view_get_center (view, &cx, &cy);
  CHECK_CLOSE (cx, x, 1e-9);
  CHECK_CLOSE (cy, y, 1e-9);
  fprintf (stderr, "row 5 by z: cluster %s, z %.2f, centred at pixel (%.2f, %.2f)\n",
           darkmap_cluster_get_label (row), darkmap_cluster_get_z (row), cx, cy);

  /* Activating the row opens its popover on the map. */
  g_signal_emit_by_name (darkmap_cluster_panel_get_column_view (panel), "activate", 5);
  CHECK (gtk_widget_get_visible (darkmap_map_view_get_cluster_popover (view)));
  CHECK (darkmap_cluster_popover_get_cluster (
           DARKMAP_CLUSTER_POPOVER (darkmap_map_view_get_cluster_popover (view))) == row);
  gtk_popover_popdown (GTK_POPOVER (darkmap_map_view_get_cluster_popover (view)));

  /* Selecting the last row's cluster on the map scrolls the list to it. */
  {
    guint last = g_list_model_get_n_items (rows) - 1;
    g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (rows, last);
    GtkAdjustment *vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (column_view));
    double before = gtk_adjustment_get_value (vadjustment);

    darkmap_map_view_set_selected_cluster (view, cluster);
    CHECK (gtk_single_selection_get_selected (selection) == last);
    CHECK (wait_for_frame (gtk_widget_get_ancestor (GTK_WIDGET (panel), GTK_TYPE_WINDOW)));
    fprintf (stderr, "list scrolled from %.0f to %.0f of %.0f\n", before,
             gtk_adjustment_get_value (vadjustment), gtk_adjustment_get_upper (vadjustment));
    CHECK (gtk_adjustment_get_value (vadjustment) > before);
    CHECK (gtk_adjustment_get_value (vadjustment) + gtk_adjustment_get_page_size (vadjustment)
           >= gtk_adjustment_get_upper (vadjustment) - 1.0);
  }

  /* Clearing the map's selection clears the row's. */
  darkmap_map_view_set_selected_cluster (view, NULL);
  CHECK (darkmap_cluster_panel_get_selected_cluster (panel) == NULL);
}

/* A catalogue of 5000 clusters over the field: all listed, and the frame
 * time it costs (printed). */
static void
check_many_clusters (DarkmapWindow *window, DarkmapMapView *view)
{
  g_autofree char *path = scratch_path ("ui-many-clusters.csv");
  g_autoptr (GString) text = g_string_new ("name,ra,dec,z,mass\n");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  int width = gtk_widget_get_width (GTK_WIDGET (view));
  int height = gtk_widget_get_height (GTK_WIDGET (view));

  /* A deterministic scatter over RA 149.4-150.8, Dec 1.5-2.9. */
  for (int i = 0; i < 5000; i++)
    g_string_append_printf (text, "C%d,%.5f,%.5f,%.2f,%.3g\n", i,
                            149.4 + 1.4 * fmod (i * 0.6180339887, 1.0),
                            1.5 + 1.4 * fmod (i * 0.7548776662, 1.0),
                            0.1 + fmod (i * 0.37, 1.2), 0.3 * pow (10.0, fmod (i * 0.13, 2.0)));
  CHECK (g_file_set_contents (path, text->str, (gssize) text->len, NULL));
  CHECK (darkmap_window_open_clusters (window, file, &error));
  CHECK (g_list_model_get_n_items (darkmap_window_get_clusters (window)) == 5000);
  fprintf (stderr, "render %d x %d with 5000 clusters: %.2f ms\n", width, height,
           frame_ms (view, width, height));
  g_unlink (path);
}

/* A panel of its own: clusters without z sort after those with one. */
static void
check_unknown_last (void)
{
  g_autofree char *path = scratch_path ("ui-some-z.csv");
  GtkWidget *widget = g_object_ref_sink (darkmap_cluster_panel_new ());
  DarkmapClusterPanel *panel = DARKMAP_CLUSTER_PANEL (widget);
  GtkColumnView *column_view = darkmap_cluster_panel_get_column_view (panel);
  GListModel *rows = G_LIST_MODEL (darkmap_cluster_panel_get_selection (panel));
  g_autoptr (GtkColumnViewColumn) z_column =
    g_list_model_get_item (gtk_column_view_get_columns (column_view), 3);
  g_autoptr (GListStore) clusters = NULL;
  const double expected[] = { 0.2, 0.5, NAN, NAN };
  DmError *dm_error = NULL;
  DmClusterTable *table;

  CHECK (g_file_set_contents (path, "ra,dec,z\n1,1,\n2,2,0.5\n3,3,\n4,4,0.2\n", -1, NULL));
  table = dm_cluster_table_read (path, &dm_error);
  CHECK_OK (table != NULL, dm_error);
  if (table != NULL)
    {
      clusters = darkmap_cluster_list_new (table, NULL);
      darkmap_cluster_panel_set_clusters (panel, G_LIST_MODEL (clusters), "");
      gtk_column_view_sort_by_column (column_view, z_column, GTK_SORT_ASCENDING);
      CHECK (g_list_model_get_n_items (rows) == 4);
      for (guint i = 0; i < 4 && i < g_list_model_get_n_items (rows); i++)
        {
          g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (rows, i);
          double z = darkmap_cluster_get_z (cluster);

          CHECK (isnan (expected[i]) ? isnan (z) : z == expected[i]);
        }
      dm_cluster_table_free (table);
    }
  g_unlink (path);
  g_object_unref (widget);
}

static void
check_bad_table (DarkmapWindow *window)
{
  GListModel *before = darkmap_window_get_clusters (window);
  const DarkmapResult *result = darkmap_window_get_result (window);
  g_autofree char *path = scratch_path ("ui-no-positions.csv");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  GList *dialogs;

  CHECK (g_file_set_contents (path, "name,x,y\nA,1,2\n", -1, NULL));
  CHECK (!darkmap_window_open_clusters (window, file, &error));
  CHECK (error != NULL && error->domain == DARKMAP_ENGINE_ERROR);
  if (error != NULL)
    {
      fprintf (stderr, "refused: %s\n", error->message);
      CHECK (strstr (error->message, "No RA column") != NULL);
      CHECK (strstr (error->message, "name, x, y") != NULL);
    }
  CHECK (darkmap_window_get_clusters (window) == before);
  CHECK (g_list_model_get_n_items (before) == 72);
  CHECK (darkmap_window_get_result (window) == result);

  dialogs = message_dialogs (GTK_WINDOW (window));
  CHECK (g_list_length (dialogs) == 1);
  if (dialogs != NULL && error != NULL)
    {
      g_autofree char *text = NULL;
      g_autofree char *secondary = NULL;

      g_object_get (dialogs->data, "text", &text, "secondary-text", &secondary, NULL);
      CHECK (strstr (text, "ui-no-positions.csv") != NULL);
      CHECK (g_strcmp0 (secondary, error->message) == 0);
      gtk_dialog_response (GTK_DIALOG (dialogs->data), GTK_RESPONSE_CLOSE);
    }
  g_list_free (dialogs);
  g_unlink (path);
}

/* A panel of its own: 300 clusters fill the list a few rows at a time; the
 * last one selected at once is shown and selected; then every row comes in
 * the table's order. */
static void
check_filling (void)
{
  g_autofree char *path = scratch_path ("ui-filling.csv");
  g_autoptr (GString) text = g_string_new ("ra,dec\n");
  GtkWidget *widget = g_object_ref_sink (darkmap_cluster_panel_new ());
  DarkmapClusterPanel *panel = DARKMAP_CLUSTER_PANEL (widget);
  GListModel *rows = G_LIST_MODEL (darkmap_cluster_panel_get_selection (panel));
  g_autoptr (GListStore) clusters = NULL;
  DmError *dm_error = NULL;
  DmClusterTable *table;

  for (int i = 0; i < 300; i++)
    g_string_append_printf (text, "%d,1\n", i);
  CHECK (g_file_set_contents (path, text->str, (gssize) text->len, NULL));
  table = dm_cluster_table_read (path, &dm_error);
  CHECK_OK (table != NULL, dm_error);
  if (table != NULL)
    {
      g_autoptr (DarkmapCluster) last = NULL;

      clusters = darkmap_cluster_list_new (table, NULL);
      last = g_list_model_get_item (G_LIST_MODEL (clusters), 299);
      darkmap_cluster_panel_set_clusters (panel, G_LIST_MODEL (clusters), "");
      CHECK (!darkmap_cluster_panel_is_filled (panel));
      CHECK (g_list_model_get_n_items (rows) > 0 && g_list_model_get_n_items (rows) < 300);
      darkmap_cluster_panel_set_selected_cluster (panel, last);
      CHECK (g_list_model_get_n_items (rows) == 300);
      CHECK (darkmap_cluster_panel_get_selected_cluster (panel) == last);

      g_clear_object (&clusters);
      clusters = darkmap_cluster_list_new (table, NULL);
      darkmap_cluster_panel_set_clusters (panel, G_LIST_MODEL (clusters), "");
      CHECK (g_list_model_get_n_items (rows) < 300);
      while (!darkmap_cluster_panel_is_filled (panel))
        g_main_context_iteration (NULL, TRUE);
      CHECK (g_list_model_get_n_items (rows) == 300);
      for (guint i = 0; i < 300 && i < g_list_model_get_n_items (rows); i++)
        {
          g_autoptr (DarkmapCluster) row = g_list_model_get_item (rows, i);
          g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (G_LIST_MODEL (clusters), i);

          CHECK (row == cluster);
        }
      dm_cluster_table_free (table);
    }
  g_unlink (path);
  g_object_unref (widget);
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  DarkmapWindow *window;
  DarkmapMapView *view;
  DarkmapClusterPanel *panel;

  if (app == NULL)
    return DM_TEST_SKIP;

  window = demo_window (app);
  view = DARKMAP_MAP_VIEW (darkmap_window_get_map_widget (window));
  panel = DARKMAP_CLUSTER_PANEL (darkmap_window_get_cluster_panel (window));
  CHECK (wait_for_frame (GTK_WIDGET (window)));
  if (darkmap_window_get_result (window) != NULL)
    {
      check_table (window, panel);
      check_overlay_pixels (window, view);
      check_vector_export (view);
      check_popover (window, view, panel);
      check_rows (view, panel);
      check_bad_table (window);
      check_many_clusters (window, view);
    }
  check_unknown_last ();
  check_filling ();
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}

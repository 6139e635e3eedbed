/* Frame time of the map view: the COSMOS field binned at 360² (0.29′) and at
 * 2048² (0.051′), reconstructed with Kaiser-Squires, drawn with the colour
 * bar, the RA/Dec grid, the mask and the 72 X-ray clusters (rings and
 * labels) into a 1000 × 800 cairo image surface, as the window's cairo
 * renderer does.  Targets: 16 ms per frame at 360², 50 ms at 2048².  The
 * peer measured in the same run is a plain cairo blit of an already drawn
 * frame of the same size (the floor any drawing pays).  A second frame time
 * adds the overlays of the shear layer with contours on: sticks of the
 * binned shear and contours at 2, 3, 4 standard deviations of the map
 * inside the mask (traced once beforehand; the tracing time is printed).
 *
 * Run under a display (xvfb-run -a build/bench/bench-map-view). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gtk/gtk.h>

#include "bench-timing.h"
#include "darkmap-cluster.h"
#include "darkmap-map-view.h"
#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/cluster-table.h"
#include "darkmap/ks.h"

#define FRAME_W 1000
#define FRAME_H 800
#define REPEATS 25

/* Median seconds of REPEATS calls of draw(cr) after 3 untimed ones. */
static double
median_time (void (*draw) (cairo_t *cr, gpointer data), gpointer data)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, FRAME_W, FRAME_H);
  cairo_t *cr = cairo_create (surface);
  double times[REPEATS];

  for (int i = 0; i < 3 + REPEATS; i++)
    {
      gint64 start = g_get_monotonic_time ();

      draw (cr, data);
      cairo_surface_flush (surface);
      if (i >= 3)
        times[i - 3] = (g_get_monotonic_time () - start) / 1e6;
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return bench_median (times, REPEATS);
}

static void
draw_view (cairo_t *cr, gpointer view)
{
  darkmap_map_view_render (view, cr, FRAME_W, FRAME_H);
}

static void
draw_blit (cairo_t *cr, gpointer frame)
{
  cairo_set_source_surface (cr, frame, 0, 0);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint (cr);
}

/* The COSMOS field's KS map (E mode, smoothed 2 px), mask and binned shear
 * at size². */
static gboolean
cosmos_kappa (const DmCatalog *catalog, int size, double pixel_arcmin, DmMap **kappa,
              DmMap **mask, DmMap **shear)
{
  DmGridSpec spec;
  DmKsOptions ks = { .pad = false, .smooth_sigma_pixels = 2.0 };
  DmBinnedShear *binned;
  DmError *error = NULL;
  DmMap *kappa_b = NULL;

  dm_grid_spec_init (&spec);
  spec.nx = spec.ny = size;
  spec.pixel_arcmin = pixel_arcmin;
  binned = dm_bin_catalog (catalog, &spec, NULL, &error);
  if (binned == NULL || !dm_ks_shear_to_kappa (binned->shear, &ks, kappa, &kappa_b, &error))
    {
      fprintf (stderr, "bench-map-view: %s\n", error->message);
      dm_error_free (error);
      dm_binned_shear_free (binned);
      return FALSE;
    }
  *mask = binned->mask;
  binned->mask = NULL;
  *shear = binned->shear;
  binned->shear = NULL;
  dm_binned_shear_free (binned);
  dm_map_free (kappa_b);
  return TRUE;
}

int
main (void)
{
  static const struct { int size; double pixel_arcmin, target_s; } cases[] = {
    { 360, 0.29, 0.016 },
    { 2048, 0.29 * 360 / 2048, 0.050 },
  };
  DmError *error = NULL;
  DmCatalog *catalog;
  DmClusterTable *clusters;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-map-view: no display (run it under xvfb-run -a)\n");
      return 77;
    }
  catalog = dm_catalog_read (BENCH_DATA "/cosmos/cosmos_shear_schrabback2010.fits", 0, NULL,
                             NULL, &error);
  clusters = catalog != NULL ? dm_cluster_table_read (BENCH_DATA "/cosmos/xray_finoguenov2007.csv",
                                                      &error)
                             : NULL;
  if (clusters == NULL)
    {
      fprintf (stderr, "bench-map-view: %s\n", error->message);
      return 1;
    }

  printf ("# map view frame, %d x %d cairo image, colour bar + grid + mask + %zu clusters\n",
          FRAME_W, FRAME_H, clusters->n);
  printf ("%-8s %12s %12s %14s %12s %14s %12s\n", "map", "frame_ms", "target_ms",
          "target/frame", "blit_ms", "overlays_ms", "trace_ms");
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      GtkWidget *view = g_object_ref_sink (darkmap_map_view_new ());
      g_autoptr (GListStore) list = NULL;
      DmMap *kappa = NULL, *mask = NULL, *shear = NULL;
      static const double multiples[] = { 2.0, 3.0, 4.0 };
      double levels[3];
      cairo_surface_t *frame;
      cairo_t *cr;
      double t_view, t_blit, t_overlays, t_trace;
      gint64 start;

      if (!cosmos_kappa (catalog, cases[c].size, cases[c].pixel_arcmin, &kappa, &mask, &shear))
        return 1;
      if (!darkmap_map_view_set_map (DARKMAP_MAP_VIEW (view), kappa, &error) ||
          !darkmap_map_view_set_mask (DARKMAP_MAP_VIEW (view), mask, &error))
        {
          fprintf (stderr, "bench-map-view: %s\n", error->message);
          return 1;
        }
      darkmap_map_view_set_colormap (DARKMAP_MAP_VIEW (view), DARKMAP_COLORMAP_INFERNO);
      darkmap_map_view_set_auto_limits (DARKMAP_MAP_VIEW (view), TRUE);
      darkmap_map_view_set_show_grid (DARKMAP_MAP_VIEW (view), TRUE);
      list = darkmap_cluster_list_new (clusters, kappa);
      darkmap_map_view_set_clusters (DARKMAP_MAP_VIEW (view), G_LIST_MODEL (list));
      darkmap_map_view_set_show_clusters (DARKMAP_MAP_VIEW (view), TRUE);

      t_view = median_time (draw_view, view);
      frame = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, FRAME_W, FRAME_H);
      cr = cairo_create (frame);
      darkmap_map_view_render (DARKMAP_MAP_VIEW (view), cr, FRAME_W, FRAME_H);
      cairo_destroy (cr);
      t_blit = median_time (draw_blit, frame);
      cairo_surface_destroy (frame);

      darkmap_contours_sigma_levels (kappa->data, mask->data, dm_map_plane_size (kappa),
                                     multiples, 3, levels);
      start = g_get_monotonic_time ();
      if (!darkmap_map_view_set_contours (DARKMAP_MAP_VIEW (view), kappa, levels, 3, &error) ||
          !darkmap_map_view_set_whiskers (DARKMAP_MAP_VIEW (view), shear, NULL, &error))
        {
          fprintf (stderr, "bench-map-view: %s\n", error->message);
          return 1;
        }
      t_trace = (g_get_monotonic_time () - start) / 1e6;
      darkmap_map_view_set_show_contours (DARKMAP_MAP_VIEW (view), TRUE);
      t_overlays = median_time (draw_view, view);

      printf ("%4d^2   %12.2f %12.1f %13.2fx %12.3f %14.2f %12.2f\n", cases[c].size,
              t_view * 1e3, cases[c].target_s * 1e3, cases[c].target_s / t_view, t_blit * 1e3,
              t_overlays * 1e3, t_trace * 1e3);
      g_object_unref (view);
      dm_map_free (kappa);
      dm_map_free (mask);
      dm_map_free (shear);
    }
  dm_cluster_table_free (clusters);
  dm_catalog_free (catalog);
  return 0;
}

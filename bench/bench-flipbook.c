/* Flip-book frame time of the map view: showing posterior sample k + 1
 * after sample k.  16 samples (Gaussian fields of the kappaTNG spectrum, on
 * a TAN grid at 360² of 0.29′ and at 2048² of 0.051′, with a disc mask) are
 * given to the view once (darkmap_map_view_set_map, all planes); a flip is
 * darkmap_map_view_set_plane of the next sample plus one frame drawn with
 * fixed limits, colour bar, RA/Dec grid and mask into a 1000 × 800 cairo
 * image surface, as the window's cairo renderer does.  Target: the 16 ms
 * frame budget of a 60 Hz display at both sizes.
 *
 * Beside it: `still_ms`, the same frame without a flip (the sample's colours
 * already made: what the flip adds is the colour mapping of one plane), and
 * `setmap_ms`, a flip made instead by darkmap_map_view_set_map of the next
 * sample as a one-plane map (the view copies the map it is given).
 *
 * Then the flip-book exported: the 16 samples at 360² written as an
 * animated WebP (darkmap_animation_write_webp, lossless) one image pixel per
 * map pixel and two, with the seconds it takes and the file's size.
 *
 * Run under a display (xvfb-run -a build/bench/bench-flipbook). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gtk/gtk.h>

#include <glib/gstdio.h>

#include "bench-timing.h"
#include "darkmap-animation.h"
#include "darkmap-map-view.h"
#include "darkmap/gaussian-field.h"
#include "darkmap/monotonic-clock.h"
#include "darkmap/theory.h"

#define FRAME_W 1000
#define FRAME_H 800
#define N_SAMPLES 16
#define WARMUP 3
#define REPEATS (2 * N_SAMPLES)
#define BUDGET_S 0.016

typedef enum { FLIP_PLANE, FLIP_STILL, FLIP_SET_MAP } FlipKind;

typedef struct
{
  DarkmapMapView *view;
  DmMap **planes; /* N_SAMPLES one-plane copies, for FLIP_SET_MAP */
} Flipbook;

/* Median seconds of REPEATS flips of the given kind after WARMUP untimed
 * ones, each ending with the frame drawn. */
static double
median_flip (Flipbook *book, FlipKind kind)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, FRAME_W, FRAME_H);
  cairo_t *cr = cairo_create (surface);
  double times[REPEATS];

  for (int i = 0; i < WARMUP + REPEATS; i++)
    {
      int next = (i + 1) % N_SAMPLES;
      double start = dm_monotonic_seconds ();

      if (kind == FLIP_PLANE)
        darkmap_map_view_set_plane (book->view, next);
      else if (kind == FLIP_SET_MAP &&
               !darkmap_map_view_set_map (book->view, book->planes[next], NULL))
        {
          fprintf (stderr, "bench-flipbook: cannot set the map\n");
          exit (1);
        }
      darkmap_map_view_render (book->view, cr, FRAME_W, FRAME_H);
      cairo_surface_flush (surface);
      if (i >= WARMUP)
        times[i - WARMUP] = dm_monotonic_seconds () - start;
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return bench_median (times, REPEATS);
}

/* N_SAMPLES Gaussian fields of size² on a TAN grid at the COSMOS centre. */
static DmMap *
make_samples (const DmTheorySpectrum *theory, int size, double pixel_arcmin, DmError **error)
{
  DmWcs *wcs = dm_wcs_new_grid (DM_PROJECTION_TAN, 150.12, 2.21, pixel_arcmin / 60.0, size,
                                size, true, error);
  DmMap *samples = wcs != NULL ? dm_map_new (size, size, N_SAMPLES, wcs, error) : NULL;

  dm_wcs_free (wcs);
  for (int k = 0; samples != NULL && k < N_SAMPLES; k++)
    if (!dm_gaussian_field (theory, size, size, pixel_arcmin, 1000u + (uint64_t) k,
                            dm_map_plane (samples, k), error))
      g_clear_pointer (&samples, dm_map_free);
  return samples;
}

/* 1 inside the disc inscribed in the map, 0 outside. */
static DmMap *
make_mask (int size, DmError **error)
{
  DmMap *mask = dm_map_new (size, size, 1, NULL, error);
  double c = (size - 1) / 2.0;

  for (int y = 0; mask != NULL && y < size; y++)
    for (int x = 0; x < size; x++)
      mask->data[(size_t) y * size + x] = hypot (x - c, y - c) <= size / 2.0 ? 1.0f : 0.0f;
  return mask;
}

/* Writes the samples as an animated WebP of width pixels: prints the
 * seconds and the size; FALSE on failure. */
static gboolean
export_webp (const DmMap *samples, const DmMap *mask, double lo, double hi, int width)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "bench-flipbook.webp", NULL);
  GError *error = NULL;
  GStatBuf st;
  double start = dm_monotonic_seconds (), seconds;

  if (!darkmap_animation_write_webp (path, samples, mask, DARKMAP_COLORMAP_RDBU, NULL, lo, hi,
                                     10.0, width, NULL, &error) ||
      g_stat (path, &st) != 0)
    {
      fprintf (stderr, "bench-flipbook: %s\n", error != NULL ? error->message : path);
      g_clear_error (&error);
      return FALSE;
    }
  seconds = dm_monotonic_seconds () - start;
  printf ("%4d^2   %8d %12d %12.2f %12.1f\n", samples->nx, width, samples->nplanes, seconds,
          st.st_size / 1024.0);
  g_unlink (path);
  return TRUE;
}

int
main (void)
{
  static const struct { int size; double pixel_arcmin; } cases[] = {
    { 360, 0.29 },
    { 2048, 0.29 * 360 / 2048 },
  };
  DmError *error = NULL;
  DmTheorySpectrum *theory;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-flipbook: no display (run it under xvfb-run -a)\n");
      return 77;
    }
  if ((theory = dm_theory_read_csv (BENCH_THEORY, NULL, &error)) == NULL)
    {
      fprintf (stderr, "bench-flipbook: %s\n", error->message);
      return 1;
    }

  printf ("# flip-book frame: next of %d samples, %d x %d cairo image, "
          "fixed limits, colour bar + grid + mask\n", N_SAMPLES, FRAME_W, FRAME_H);
  printf ("%-8s %12s %12s %14s %12s %12s\n", "map", "frame_ms", "budget_ms", "budget/frame",
          "still_ms", "setmap_ms");
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      GtkWidget *view = g_object_ref_sink (darkmap_map_view_new ());
      Flipbook book = { DARKMAP_MAP_VIEW (view), NULL };
      DmMap *samples = make_samples (theory, cases[c].size, cases[c].pixel_arcmin, &error);
      DmMap *mask = samples != NULL ? make_mask (cases[c].size, &error) : NULL;
      DmMap *planes[N_SAMPLES] = { NULL };
      double lo, hi, t_flip, t_still, t_set_map;

      for (int k = 0; mask != NULL && k < N_SAMPLES; k++)
        if ((planes[k] = dm_map_copy_plane (samples, k, &error)) == NULL)
          g_clear_pointer (&mask, dm_map_free);
      if (mask == NULL || !darkmap_map_view_set_map (book.view, samples, &error) ||
          !darkmap_map_view_set_mask (book.view, mask, &error))
        {
          fprintf (stderr, "bench-flipbook: %s\n", error->message);
          return 1;
        }
      book.planes = planes;
      /* Fixed limits, symmetric: the first sample's largest |value|. */
      darkmap_colormap_limits (dm_map_plane (samples, 0), dm_map_plane_size (samples), TRUE,
                               &lo, &hi);
      darkmap_map_view_set_limits (book.view, lo, hi);
      darkmap_map_view_set_colormap (book.view, DARKMAP_COLORMAP_RDBU);
      darkmap_map_view_set_show_grid (book.view, TRUE);

      t_flip = median_flip (&book, FLIP_PLANE);
      t_still = median_flip (&book, FLIP_STILL);
      t_set_map = median_flip (&book, FLIP_SET_MAP);

      printf ("%4d^2   %12.2f %12.1f %13.2fx %12.2f %12.2f\n", cases[c].size, t_flip * 1e3,
              BUDGET_S * 1e3, BUDGET_S / t_flip, t_still * 1e3, t_set_map * 1e3);
      if (c == 0)
        {
          printf ("# animated WebP (lossless) of the %d samples\n", N_SAMPLES);
          printf ("%-8s %8s %12s %12s %12s\n", "map", "width", "frames", "seconds", "kib");
          if (!export_webp (samples, mask, lo, hi, cases[c].size) ||
              !export_webp (samples, mask, lo, hi, 2 * cases[c].size))
            return 1;
        }
      g_object_unref (view);
      for (int k = 0; k < N_SAMPLES; k++)
        dm_map_free (planes[k]);
      dm_map_free (samples);
      dm_map_free (mask);
    }
  dm_theory_free (theory);
  return 0;
}

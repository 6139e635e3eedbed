/* The mosaic window on a 3000 × 2000 mosaic written here (mean and STD
 * planes of a known pattern with a NaN patch, TAN WCS): the overview,
 * binned 2 × 2, equals the engine's block means; zoomed in on a known
 * pixel, the part in view is read at full resolution, equals the file's
 * region there and the readout gives that pixel's value; pans in a burst
 * read only the last part; another plane shows its own overview and
 * detail; zooming out removes the detail; Escape stops an overview being
 * read; Ctrl+W closes the window while a read runs; a file without an
 * image is refused. */
#include <glib/gstdio.h>
#include <string.h>

#include <darkmap/fits-region.h>
#include <darkmap/fits.h>

#include "darkmap-mosaic-window.h"
#include "map-view-test-util.h"
#include "window-test-util.h"

enum { NX = 3000, NY = 2000, FACTOR = 2, U = 1234, V = 567 };

/* The pattern of plane k at mosaic pixel (x, y): smooth, with a NaN patch
 * and a checkerboard of ±0.25 around (U, V) that the overview's 2 × 2
 * means smooth away. */
static float
pattern (int k, int x, int y)
{
  double checker = abs (x - U) < 50 && abs (y - V) < 50 ? 0.5 * ((x + y) % 2) - 0.25 : 0.0;

  if (x >= 1500 && x < 1540 && y >= 900 && y < 960)
    return NAN;
  return (float) (k + sin (0.0031 * x) * cos (0.0047 * y) + 1e-5 * (x + 7 * y) + checker);
}

static gboolean
write_mosaic (const char *path)
{
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid (DM_PROJECTION_TAN, 40.0, -30.0, 0.29 / 60.0, NX, NY, TRUE,
                                &error);
  DmMap *planes[2] = { NULL, NULL };
  gboolean ok = wcs != NULL;

  for (int k = 0; ok && k < 2; k++)
    {
      ok = (planes[k] = dm_map_new (NX, NY, 1, wcs, &error)) != NULL;
      for (int y = 0; ok && y < NY; y++)
        for (int x = 0; x < NX; x++)
          planes[k]->data[(size_t) y * NX + x] = pattern (k, x, y);
    }
  if (ok)
    {
      DmFitsImageHdu hdus[2] = { { planes[0], NULL }, { planes[1], "STD" } };

      ok = dm_fits_write_images (path, hdus, 2, &error);
    }
  CHECK_OK (ok, error);
  dm_map_free (planes[0]);
  dm_map_free (planes[1]);
  dm_wcs_free (wcs);
  return ok;
}

/* Iterates the main loop until the window reads nothing and waits for
 * nothing; FALSE past the limit. */
static gboolean
wait_until_idle (DarkmapMosaicWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  while (darkmap_mosaic_window_is_busy (window) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return !darkmap_mosaic_window_is_busy (window);
}

static gboolean
same_pixels (const float *a, const float *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!(a[i] == b[i] || (isnan (a[i]) && isnan (b[i]))))
      return FALSE;
  return TRUE;
}

/* The overview shown equals the engine's of HDU hdu. */
static void
check_overview (DarkmapMosaicWindow *window, const char *path, int hdu)
{
  const DmMap *shown = darkmap_map_view_get_map (darkmap_mosaic_window_get_map_view (window));
  DmError *error = NULL;
  DmMap *overview = dm_fits_read_overview (path, hdu, FACTOR, NULL, &error);

  CHECK_OK (overview, error);
  CHECK (shown != NULL);
  if (shown != NULL && overview != NULL)
    {
      CHECK (shown->nx == NX / FACTOR && shown->ny == NY / FACTOR);
      CHECK (shown->nx == overview->nx && shown->ny == overview->ny
             && same_pixels (shown->data, overview->data, dm_map_plane_size (overview)));
    }
  dm_map_free (overview);
}

/* The detail shown is the file's region of HDU hdu at full resolution,
 * and covers mosaic pixel (u, v); its region into *x0, *y0. */
static void
check_detail (DarkmapMosaicWindow *window, const char *path, int hdu, int u, int v, int *x0,
              int *y0)
{
  DarkmapMapView *view = darkmap_mosaic_window_get_map_view (window);
  double corner_x, corner_y, scale;
  const DmMap *detail = darkmap_map_view_get_detail (view, &corner_x, &corner_y, &scale);
  DmError *error = NULL;
  DmMap *region;

  CHECK (detail != NULL);
  if (detail == NULL)
    return;
  CHECK (scale == FACTOR);
  /* Mosaic pixel x0 starts at overview position x0 / f − ½. */
  *x0 = (int) lround ((corner_x + 0.5) * FACTOR);
  *y0 = (int) lround ((corner_y + 0.5) * FACTOR);
  CHECK ((corner_x + 0.5) * FACTOR == *x0 && (corner_y + 0.5) * FACTOR == *y0);
  CHECK (*x0 <= u && u < *x0 + detail->nx && *y0 <= v && v < *y0 + detail->ny);
  CHECK (detail->nx < NX && detail->ny < NY);
  region = dm_fits_read_region (path, hdu, *x0, *y0, detail->nx, detail->ny, NULL, &error);
  CHECK_OK (region, error);
  if (region != NULL)
    CHECK (same_pixels (detail->data, region->data, dm_map_plane_size (region)));
  dm_map_free (region);
}

/* Overview position of the centre of mosaic pixel u. */
static double
overview_position (int u)
{
  return (u + 0.5) / FACTOR - 0.5;
}

/* Whether label's text holds text as expected (printed when not). */
static gboolean
label_has (GtkLabel *label, const char *text, gboolean expected)
{
  gboolean found = strstr (gtk_label_get_text (label), text) != NULL;

  if (found != expected)
    fprintf (stderr, "label \"%s\" %s \"%s\"\n", gtk_label_get_text (label),
             found ? "holds" : "lacks", text);
  return found == expected;
}

/* The view drawn shows mosaic pixel (u, v) of plane k in its own colour,
 * that of its value at full resolution in the view's colours and limits,
 * not its overview block's. */
static void
check_drawn (DarkmapMapView *view, int k, int u, int v)
{
  int width = gtk_widget_get_width (GTK_WIDGET (view));
  int height = gtk_widget_get_height (GTK_WIDGET (view));
  cairo_surface_t *surface = render_view (view, width, height);
  float value = pattern (k, u, v);
  DarkmapStretch stretch;
  double vx = 0.0, vy = 0.0, lo = 0.0, hi = 0.0;
  guint32 want = 0, drawn;

  darkmap_map_view_get_stretch (view, &stretch);
  CHECK (darkmap_map_view_get_limits (view, &lo, &hi));
  darkmap_colormap_render (darkmap_map_view_get_colormap (view), &stretch, lo, hi, &value, 1, 1,
                           (unsigned char *) &want, 4);
  CHECK (darkmap_map_view_pixel_to_view (view, width, height, overview_position (u),
                                         overview_position (v), &vx, &vy));
  drawn = *(guint32 *) (void *) (cairo_image_surface_get_data (surface)
                                 + (size_t) floor (vy) * cairo_image_surface_get_stride (surface)
                                 + 4 * (size_t) floor (vx));
  if (drawn != want)
    fprintf (stderr, "pixel (%d, %d) drawn as %08x, its colour is %08x\n", u, v, drawn, want);
  CHECK (drawn == want);
  cairo_surface_destroy (surface);
}

/* The readout at mosaic pixel (u, v) of plane k: its value at full
 * resolution, and the text naming the pixel and the value. */
static void
check_readout (DarkmapMosaicWindow *window, int k, int u, int v)
{
  DarkmapMapView *view = darkmap_mosaic_window_get_map_view (window);
  const DmMap *overview = darkmap_map_view_get_map (view);
  double x = overview_position (u), y = overview_position (v), ra = NAN, dec = NAN;
  double value = darkmap_map_view_value_at (view, x, y);
  g_autofree char *pixel = g_strdup_printf ("pixel (%d, %d)", u, v);
  g_autofree char *reading = g_strdup_printf ("= %.5g", value);

  CHECK (value == pattern (k, u, v));
  CHECK (dm_wcs_pixel_to_world (overview->wcs, 1, &x, &y, &ra, &dec, NULL));
  g_signal_emit_by_name (view, "cursor-moved", ra, dec, x, y, value);
  CHECK (label_has (darkmap_mosaic_window_get_cursor_label (window), pixel, TRUE));
  CHECK (label_has (darkmap_mosaic_window_get_cursor_label (window), reading, TRUE));
  CHECK (label_has (darkmap_mosaic_window_get_cursor_label (window), "mean of", FALSE));
}

static void
test_browse (DarkmapApplication *app, const char *path)
{
  DarkmapMosaicWindow *window = darkmap_mosaic_window_new (GTK_APPLICATION (app));
  DarkmapMapView *view = darkmap_mosaic_window_get_map_view (window);
  GtkLabel *status = darkmap_mosaic_window_get_status_label (window);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  int x0 = -1, y0 = -1, last_x0 = -1;

  gtk_window_present (GTK_WINDOW (window));
  CHECK (darkmap_mosaic_window_open (window, file, &error));
  CHECK (darkmap_mosaic_window_get_factor (window) == FACTOR);
  CHECK (wait_until_idle (window));
  CHECK (wait_for_frame (GTK_WIDGET (window)));
  check_overview (window, path, 1);
  CHECK (darkmap_map_view_get_detail (view, NULL, NULL, NULL) == NULL);
  CHECK (label_has (status, "3000 × 2000 pixels of 0.29′, overview binned 2 × 2", TRUE));
  CHECK (label_has (status, "full resolution", FALSE));

  /* Zoomed in on pixel (U, V): an overview pixel spans several screen
   * pixels. */
  darkmap_map_view_set_zoom (view, 8.0);
  darkmap_map_view_set_center (view, overview_position (U), overview_position (V));
  CHECK (wait_until_idle (window));
  check_detail (window, path, 1, U, V, &x0, &y0);
  CHECK (label_has (status, "— full resolution", TRUE));
  check_readout (window, 0, U, V);
  check_drawn (view, 0, U, V);
  check_drawn (view, 0, U + 1, V);

  /* A burst of pans: the last part in view is read. */
  for (int step = 1; step <= 5; step++)
    darkmap_map_view_set_center (view, overview_position (U + 40 * step), overview_position (V));
  CHECK (wait_until_idle (window));
  check_detail (window, path, 1, U + 200, V, &last_x0, &y0);
  CHECK (last_x0 > x0);
  check_readout (window, 0, U + 200, V);

  /* Another plane: its overview, then its detail where the view is. */
  darkmap_mosaic_window_set_plane (window, 1);
  CHECK (wait_until_idle (window));
  check_overview (window, path, 2);
  check_detail (window, path, 2, U + 200, V, &x0, &y0);
  check_readout (window, 1, U + 200, V);

  /* Zoomed out: the overview alone, its blocks' means in the readout. */
  darkmap_map_view_reset_view (view);
  CHECK (wait_until_idle (window));
  CHECK (darkmap_map_view_get_detail (view, NULL, NULL, NULL) == NULL);
  CHECK (label_has (status, "full resolution", FALSE));
  g_signal_emit_by_name (view, "cursor-moved", NAN, NAN, overview_position (U),
                         overview_position (V), 1.0);
  CHECK (label_has (darkmap_mosaic_window_get_cursor_label (window), "(mean of 2 × 2)", TRUE));

  /* Ctrl+W while a full-resolution read runs. */
  darkmap_map_view_set_zoom (view, 8.0);
  darkmap_mosaic_window_set_plane (window, 0);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "window.close", NULL));
  /* Gone once its stopped read has returned. */
  for (gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
       window != NULL && g_get_monotonic_time () < deadline;)
    g_main_context_iteration (NULL, TRUE);
  CHECK (window == NULL);
}

/* Escape while the overview is read stops it: nothing is shown. */
static void
test_cancel (DarkmapApplication *app, const char *path)
{
  DarkmapMosaicWindow *window = darkmap_mosaic_window_new (GTK_APPLICATION (app));
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;

  gtk_window_present (GTK_WINDOW (window));
  CHECK (darkmap_mosaic_window_open (window, file, &error));
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL));
  CHECK (wait_until_idle (window));
  CHECK (darkmap_map_view_get_map (darkmap_mosaic_window_get_map_view (window)) == NULL);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_refused (DarkmapApplication *app)
{
  DarkmapMosaicWindow *window = darkmap_mosaic_window_new (GTK_APPLICATION (app));
  g_autofree char *path = scratch_path ("mosaic-not-fits.txt");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;

  CHECK (g_file_set_contents (path, "not a FITS file\n", -1, NULL));
  CHECK (!darkmap_mosaic_window_open (window, file, &error));
  CHECK (error != NULL && strstr (error->message, "Not a FITS file") != NULL);
  if (error != NULL)
    printf ("refused: %s\n", error->message);
  CHECK (darkmap_mosaic_window_get_factor (window) == 0);
  gtk_window_destroy (GTK_WINDOW (window));
  g_remove (path);
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  g_autofree char *path = scratch_path ("mosaic-window.fits");

  if (app == NULL)
    return DM_TEST_SKIP;
  if (!write_mosaic (path))
    return dm_test_result ();
  test_browse (app, path);
  test_cancel (app, path);
  test_refused (app);
  g_remove (path);
  return dm_test_result ();
}

/* Exporting the map view as PNG, SVG and PDF, the atomic write's failures,
 * and the window's FITS and HEALPix exports of the kappa map read back by
 * the engine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include <darkmap/fits.h>
#include <darkmap/healpix.h>
#include <darkmap/wcs.h>

#include "darkmap-export.h"
#include "window-test-util.h"

#define NX 32
#define NY 24
#define WIDTH 200
#define HEIGHT 150
#define DPI 192.0

static const unsigned char png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static DarkmapMapView *
gradient_view (void)
{
  DmWcs *wcs = dm_wcs_new_grid (DM_PROJECTION_TAN, 150.0, 2.0, 1.0 / 60.0, NX, NY, true, NULL);
  DmMap *map = dm_map_new (NX, NY, 1, wcs, NULL);
  DarkmapMapView *view = g_object_ref_sink (DARKMAP_MAP_VIEW (darkmap_map_view_new ()));

  CHECK (wcs != NULL && map != NULL);
  if (map != NULL)
    {
      for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++)
          map->data[y * NX + x] = (float) (x + 2 * y);
      CHECK (darkmap_map_view_set_map (view, map, NULL));
    }
  dm_map_free (map);
  dm_wcs_free (wcs);
  return view;
}

/* The file's contents (NULL when it cannot be read). */
static char *
contents (const char *path, gsize *length)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, length, NULL))
    return NULL;
  return text;
}

static gboolean
export_ok (DarkmapMapView *view, const char *path)
{
  g_autoptr (GError) error = NULL;
  DarkmapExportFormat format;

  CHECK (darkmap_export_format_from_path (path, &format, NULL));
  if (!darkmap_export_view (view, path, format, WIDTH, HEIGHT, DPI, &error))
    {
      fprintf (stderr, "export %s: %s\n", path, error != NULL ? error->message : "(no error)");
      return FALSE;
    }
  CHECK (dm_test_count_temporaries (path) == 0);
  return TRUE;
}

static void
check_png (DarkmapMapView *view)
{
  const char *path = dm_test_tmp_path ("view.png");
  g_autofree char *data = NULL;
  cairo_surface_t *image;
  gsize length = 0;
  gboolean varied = FALSE;

  CHECK (export_ok (view, path));
  data = contents (path, &length);
  CHECK (data != NULL && length > sizeof png_signature);
  CHECK (data != NULL && memcmp (data, png_signature, sizeof png_signature) == 0);

  image = cairo_image_surface_create_from_png (path);
  CHECK (cairo_surface_status (image) == CAIRO_STATUS_SUCCESS);
  if (cairo_surface_status (image) == CAIRO_STATUS_SUCCESS)
    {
      int w = cairo_image_surface_get_width (image), h = cairo_image_surface_get_height (image);
      int stride = cairo_image_surface_get_stride (image);
      const unsigned char *pixels = cairo_image_surface_get_data (image);
      guint32 first = *(const guint32 *) pixels;

      CHECK (w == (int) lround (WIDTH * DPI / 96.0));
      CHECK (h == (int) lround (HEIGHT * DPI / 96.0));
      for (int y = 0; y < h && !varied; y++)
        for (int x = 0; x < w && !varied; x++)
          varied = *(const guint32 *) (pixels + y * stride + 4 * x) != first;
      CHECK (varied);
    }
  cairo_surface_destroy (image);
  g_unlink (path);
}

static void
check_vector (DarkmapMapView *view, const char *name, const char *start, const char *inside)
{
  const char *path = dm_test_tmp_path (name);
  g_autofree char *data = NULL;
  gsize length = 0;

  CHECK (export_ok (view, path));
  data = contents (path, &length);
  CHECK (data != NULL && g_str_has_prefix (data, start));
  CHECK (inside == NULL || (data != NULL && strstr (data, inside) != NULL));
  g_unlink (path);
}

static void
check_failures (DarkmapMapView *view)
{
  g_autofree char *missing = g_strdup (dm_test_tmp_path ("no-such-directory/view.png"));
  const char *existing = dm_test_tmp_path ("existing.png");
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  DarkmapExportFormat format;

  CHECK (!darkmap_export_format_from_path ("view.jpeg", &format, &error));
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
  g_clear_error (&error);
  CHECK (darkmap_export_format_from_path ("VIEW.PDF", &format, NULL) &&
         format == DARKMAP_EXPORT_PDF);

  /* No directory to write in: an error, and nothing written. */
  CHECK (!darkmap_export_view (view, missing, DARKMAP_EXPORT_PNG, WIDTH, HEIGHT, DPI, &error));
  CHECK (error != NULL && error->message[0] != '\0');
  if (error != NULL)
    printf ("expected failure: %s\n", error->message);
  CHECK (!g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* Cairo refuses an image this large: the error carries cairo's message,
   * and the file already there is left as it was, with no temporary. */
  CHECK (g_file_set_contents (existing, "before", -1, NULL));
  CHECK (!darkmap_export_view (view, existing, DARKMAP_EXPORT_PNG, 40000, HEIGHT, 96.0, &error));
  CHECK (error != NULL &&
         strstr (error->message, cairo_status_to_string (CAIRO_STATUS_INVALID_SIZE)) != NULL);
  if (error != NULL)
    printf ("expected failure: %s\n", error->message);
  data = contents (existing, NULL);
  CHECK (g_strcmp0 (data, "before") == 0);
  CHECK (dm_test_count_temporaries (existing) == 0);
  g_unlink (existing);
}

static gboolean
has_card (const DmMap *map, const char *key)
{
  for (int i = 0; i < map->n_cards; i++)
    if (strcmp (map->cards[i].key, key) == 0)
      return TRUE;
  return FALSE;
}

typedef struct {
  gboolean finished, ok;
  GError *error;
} AsyncExport;

static void
on_async_export (GObject *window, GAsyncResult *result, gpointer data)
{
  AsyncExport *done = data;

  done->ok = darkmap_window_export_view_finish (DARKMAP_WINDOW (window), result, &done->error);
  done->finished = TRUE;
}

static void
check_fits (DarkmapApplication *app)
{
  const char *path = dm_test_tmp_path ("kappa.fits");
  DarkmapWindow *window = demo_window (app);
  const DarkmapResult *result = darkmap_window_get_result (window);
  g_autoptr (GError) error = NULL;
  DmError *dm_error = NULL;
  const DmMap *kappa;
  DmMap *read;

  if (result == NULL)
    return;
  kappa = result->kappa_e;
  CHECK (darkmap_window_export_fits (window, path, &error));
  if (error != NULL)
    fprintf (stderr, "FITS export: %s\n", error->message);
  CHECK (dm_test_count_temporaries (path) == 0);

  read = dm_fits_read_image (path, NULL, &dm_error);
  CHECK_OK (read != NULL, dm_error);
  if (read != NULL)
    {
      size_t n = dm_map_plane_size (kappa) * (size_t) kappa->nplanes, differ = 0;

      CHECK (read->nx == kappa->nx && read->ny == kappa->ny && read->nplanes == kappa->nplanes);
      for (size_t i = 0; read->nplanes == kappa->nplanes && i < n; i++)
        if (!(read->data[i] == kappa->data[i] || (isnan (read->data[i]) && isnan (kappa->data[i]))))
          differ++;
      CHECK (differ == 0);
      CHECK (kappa->wcs != NULL && read->wcs != NULL &&
             dm_wcs_equal (kappa->wcs, read->wcs, kappa->nx, kappa->ny, 1e-6));
      for (int i = 0; i < kappa->n_cards; i++)
        if (kappa->cards[i].type != DM_META_HISTORY)
          CHECK (has_card (read, kappa->cards[i].key));
      dm_map_free (read);
    }
  g_unlink (path);

  /* The HEALPix export: the engine's conversion of the same map with the
   * galaxy counts as coverage (NSIDE 16384 for 0.29' pixels), bit for bit. */
  {
    g_autofree char *healpix_path = g_strdup (dm_test_tmp_path ("kappa-healpix.fits"));
    const DmMap *planes[] = { kappa };
    const char *names[] = { "KAPPA" };
    DmHealpixMap *expected = dm_healpix_from_maps (planes, names, 1, result->binned->counts, 16384,
                                                   DM_HEALPIX_RING, &dm_error);
    DmHealpixMap *written = NULL;

    CHECK_OK (expected != NULL, dm_error);
    CHECK (darkmap_window_export_healpix (window, healpix_path, &error));
    CHECK (dm_test_count_temporaries (healpix_path) == 0);
    written = dm_healpix_read (healpix_path, &dm_error);
    CHECK_OK (written != NULL, dm_error);
    CHECK (expected != NULL && written != NULL && written->nside == 16384
           && written->n_pixels == expected->n_pixels && written->n_pixels > 100000
           && memcmp (written->pixels, expected->pixels, expected->n_pixels * sizeof (int64_t)) == 0
           && memcmp (written->columns[0], expected->columns[0],
                      expected->n_pixels * sizeof (float)) == 0);
    dm_healpix_free (expected);
    dm_healpix_free (written);
    g_unlink (healpix_path);
  }

  /* The window's view export at a chosen width and resolution: 1200 points
   * at 300 dpi is 3750 pixels wide, with the view's shape. */
  {
    /* dm_test_tmp_path's buffer is reused: the path kept. */
    g_autofree char *png = g_strdup (dm_test_tmp_path ("window-view.png"));
    GtkWidget *view = darkmap_window_get_map_widget (window);
    double shape;
    g_autoptr (GError) png_error = NULL;
    g_autoptr (GdkTexture) texture = NULL;

    /* The view's shape once it is laid out (a loaded machine may not have
     * painted the window yet). */
    CHECK (wait_for_frame (GTK_WIDGET (window)));
    CHECK (gtk_widget_get_width (view) > 0 && gtk_widget_get_height (view) > 0);
    shape = (double) gtk_widget_get_height (view) / MAX (gtk_widget_get_width (view), 1);

    CHECK (darkmap_window_export_view (window, png, 1200, 300.0, &png_error));
    texture = gdk_texture_new_from_filename (png, &png_error);
    CHECK (texture != NULL);
    if (texture != NULL)
      {
        CHECK (gdk_texture_get_width (texture) == 3750);
        CHECK (abs (gdk_texture_get_height (texture) - (int) lround (1200 * shape) * 300 / 96) <= 4);
      }
    CHECK (!darkmap_window_export_view (window, dm_test_tmp_path ("window-view.jpeg"), 0, 96.0,
                                        NULL));

    /* What the Export dialog does: the file written on a worker is the
     * same, byte for byte; a refused name is reported to the callback. */
    {
      g_autofree char *async_png = g_strdup (dm_test_tmp_path ("window-view-async.png"));
      g_autofree char *sync_bytes = NULL, *async_bytes = NULL;
      gsize sync_size = 0, async_size = 0;
      AsyncExport done = { FALSE, FALSE, NULL };

      darkmap_window_export_view_async (window, async_png, 1200, 300.0, on_async_export, &done);
      while (!done.finished)
        g_main_context_iteration (NULL, TRUE);
      CHECK (done.ok && done.error == NULL);
      CHECK (g_file_get_contents (png, &sync_bytes, &sync_size, NULL));
      CHECK (g_file_get_contents (async_png, &async_bytes, &async_size, NULL));
      CHECK (sync_size > 0 && sync_size == async_size
             && memcmp (sync_bytes, async_bytes, sync_size) == 0);
      CHECK (dm_test_count_temporaries (async_png) == 0);
      g_unlink (async_png);

      done = (AsyncExport) { FALSE, FALSE, NULL };
      darkmap_window_export_view_async (window, dm_test_tmp_path ("window-view.jpeg"), 0, 96.0,
                                        on_async_export, &done);
      while (!done.finished)
        g_main_context_iteration (NULL, TRUE);
      CHECK (!done.ok && g_error_matches (done.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
      g_clear_error (&done.error);
    }
    g_unlink (png);
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  DarkmapMapView *view;

  if (app == NULL)
    return DM_TEST_SKIP;

  view = gradient_view ();
  check_png (view);
  check_vector (view, "view.svg", "<?xml", "<svg");
  check_vector (view, "view.pdf", "%PDF-", NULL);
  check_failures (view);
  g_object_unref (view);

  check_fits (app);
  return dm_test_result ();
}

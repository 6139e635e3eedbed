/* The window opens on the COSMOS demo field and, once the job is done, the
 * map area draws a map: its rendered pixels vary. */
#include "window-test-util.h"

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  DarkmapWindow *window;
  const DarkmapResult *result;
  g_autoptr (GdkTexture) texture = NULL;

  if (app == NULL)
    return DM_TEST_SKIP;

  window = demo_window (app);
  result = darkmap_window_get_result (window);
  CHECK (!darkmap_window_is_busy (window));
  if (result != NULL)
    {
      CHECK (result->kappa_e->nx == 360 && result->kappa_e->ny == 360);
      CHECK (result->kappa_b != NULL);
      CHECK (result->binned->n_binned > 400000);
    }

  CHECK (wait_for_frame (GTK_WIDGET (window)));
  texture = darkmap_widget_render (darkmap_window_get_map_widget (window));
  CHECK (texture != NULL);
  if (texture != NULL)
    {
      int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
      gsize stride = (gsize) width * 4;
      g_autofree guint32 *pixels = g_malloc ((gsize) height * stride);
      double sum = 0.0, sum2 = 0.0, n = (double) width * height, variance;
      gboolean one_colour = TRUE;

      CHECK (width >= 360 && height >= 360);
      gdk_texture_download (texture, (guchar *) pixels, stride);
      for (gsize i = 0; i < (gsize) width * (gsize) height; i++)
        {
          double grey = ((pixels[i] >> 16 & 0xff) + (pixels[i] >> 8 & 0xff) + (pixels[i] & 0xff)) / 3.0;

          sum += grey;
          sum2 += grey * grey;
          one_colour = one_colour && pixels[i] == pixels[0];
        }
      variance = sum2 / n - (sum / n) * (sum / n);
      fprintf (stderr, "map area %d x %d, grey variance %.1f\n", width, height, variance);
      CHECK (variance > 100.0);
      CHECK (!one_colour);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}

/* The power-spectrum page on the demo field: the view's C_ell is the
 * engine's dm_power_spectrum of the kappa map inside the mask, bin for bin;
 * the noise level is <(s1² + s2²) / 2> Omega_pix of the noise map; the axes
 * are whole decades holding the spectrum; a known (ell, C_ell) lands at the
 * expected widget position and back; a drawn bin has the data colour; the
 * readout names the nearest bin; without a noise map there is no noise
 * level; win.page shows the page.  Prints the time
 * dm_power_spectrum takes on the 360² map.
 *
 * The posterior band, by construction: sample k is s_k m for the kappa map
 * m, so its C_ell is s_k² C_ell(m) exactly; with K = 64 scales spread evenly
 * over [0.5, 2] (in a shuffled order), the band's edges are the 16 % and
 * 84 % quantiles of s² (linear between order statistics) times the view's
 * own C_ell(m), and the mean (mean s) m has (mean s)² C_ell(m).  The band
 * lies inside the axes, is drawn in its colour, appears in the readout, is
 * removed by NULL and by a new map, and a band on other bins is refused.
 * Prints the time the K = 64 band takes. */
#include <math.h>
#include <string.h>

#include <darkmap/pspec.h>

#include "darkmap-spectrum-view.h"
#include "window-test-util.h"

#define WIDTH 800
#define HEIGHT 500
#define TIMING_RUNS 20
#define K_SAMPLES 64
#define S_MIN 0.5
#define S_MAX 2.0
/* The band's fill, 0.25 × rgb (0.17, 0.63, 0.17) over white. */
#define BAND_R 202
#define BAND_G 231
#define BAND_B 202

static void
check_spectrum (DarkmapSpectrumView *view, const DarkmapResult *result)
{
  const DmPowerSpectrum *shown = darkmap_spectrum_view_get_spectrum (view);
  DmPspecOptions options;
  DmPowerSpectrum *direct;
  DmError *dm_error = NULL;
  gint64 start;
  const DmMap *noise = result->binned->noise, *mask = result->binned->mask;
  double sum = 0.0, pixel_rad = result->pixel_arcmin * G_PI / (180.0 * 60.0);
  size_t used = 0;

  CHECK (shown != NULL);
  dm_pspec_options_init (&options);
  options.n_bins = 20;
  options.scale = DM_BINS_LOG;
  options.mask = mask;
  start = g_get_monotonic_time ();
  for (int k = 0; k < TIMING_RUNS; k++)
    {
      direct = dm_power_spectrum (result->kappa_e, 0, &options, &dm_error);
      CHECK_OK (direct != NULL, dm_error);
      if (k + 1 < TIMING_RUNS)
        dm_power_spectrum_free (direct);
    }
  fprintf (stderr, "dm_power_spectrum on %d x %d with the mask: %.2f ms\n",
           result->kappa_e->nx, result->kappa_e->ny,
           (double) (g_get_monotonic_time () - start) / 1000.0 / TIMING_RUNS);
  if (shown == NULL || direct == NULL)
    return;
  CHECK (shown->n_bins == 20 && direct->n_bins == 20);
  for (int i = 0; i < 20 && i < shown->n_bins; i++)
    {
      CHECK (shown->ell_lo[i] == direct->ell_lo[i]);
      CHECK (shown->ell[i] == direct->ell[i] || (isnan (shown->ell[i]) && isnan (direct->ell[i])));
      CHECK (shown->cl[i] == direct->cl[i] || (isnan (shown->cl[i]) && isnan (direct->cl[i])));
      CHECK (shown->n_modes[i] == direct->n_modes[i]);
    }
  /* The demo map: ell from 2 pi / 1.74° = 207 to the Nyquist 37 200. */
  CHECK_CLOSE (shown->ell_lo[0], 2.0 * G_PI / (360 * pixel_rad), 1e-6);
  fprintf (stderr, "C_ell at ell %.0f: %.3g, at ell %.0f: %.3g, fsky %.3f\n", shown->ell[2],
           shown->cl[2], shown->ell[15], shown->cl[15], shown->fsky);
  dm_power_spectrum_free (direct);

  for (size_t i = 0; i < dm_map_plane_size (noise); i++)
    if (mask->data[i] > 0.0f)
      {
        double s1 = dm_map_plane (noise, 0)[i], s2 = dm_map_plane (noise, 1)[i];

        sum += 0.5 * (s1 * s1 + s2 * s2);
        used++;
      }
  CHECK (used > 0);
  CHECK_CLOSE (darkmap_spectrum_view_get_noise_level (view),
               sum / (double) used * pixel_rad * pixel_rad,
               1e-12 * darkmap_spectrum_view_get_noise_level (view));
  fprintf (stderr, "noise level %.3g per sr\n", darkmap_spectrum_view_get_noise_level (view));
}

static void
check_axes (DarkmapSpectrumView *view)
{
  const DmPowerSpectrum *s = darkmap_spectrum_view_get_spectrum (view);
  double ell_lo, ell_hi, cl_lo, cl_hi, vx, vy, ell, cl;
  double plot_w = WIDTH - DARKMAP_SPECTRUM_MARGIN_LEFT - DARKMAP_SPECTRUM_MARGIN_RIGHT;
  double plot_h = HEIGHT - DARKMAP_SPECTRUM_MARGIN_TOP - DARKMAP_SPECTRUM_MARGIN_BOTTOM;
  double decades_ell, decades_cl;

  CHECK (darkmap_spectrum_view_get_range (view, &ell_lo, &ell_hi, &cl_lo, &cl_hi));
  if (s == NULL)
    return;
  fprintf (stderr, "axes: ell %g to %g, C_ell %g to %g\n", ell_lo, ell_hi, cl_lo, cl_hi);
  /* ell from 207 to 37 200: 10² to 10⁵. */
  CHECK_CLOSE (ell_lo, 100.0, 1e-9);
  CHECK_CLOSE (ell_hi, 1e5, 1e-6);
  CHECK_CLOSE (log10 (cl_lo), round (log10 (cl_lo)), 1e-12);
  CHECK_CLOSE (log10 (cl_hi), round (log10 (cl_hi)), 1e-12);
  for (int i = 0; i < s->n_bins; i++)
    if (s->cl[i] > 0.0)
      CHECK (s->cl[i] >= cl_lo && s->cl[i] <= cl_hi);

  /* ell = 1000 is one decade in of three, C = 10 × cl_lo one decade up. */
  decades_ell = log10 (ell_hi / ell_lo);
  decades_cl = log10 (cl_hi / cl_lo);
  CHECK (darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, 1000.0, 10.0 * cl_lo, &vx, &vy));
  CHECK_CLOSE (vx, DARKMAP_SPECTRUM_MARGIN_LEFT + plot_w / decades_ell, 1e-9);
  CHECK_CLOSE (vy, HEIGHT - DARKMAP_SPECTRUM_MARGIN_BOTTOM - plot_h / decades_cl, 1e-9);
  fprintf (stderr, "(1000, %g) at (%.2f, %.2f) of %d x %d\n", 10.0 * cl_lo, vx, vy, WIDTH,
           HEIGHT);
  CHECK (darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, ell_lo, cl_hi, &vx, &vy));
  CHECK_CLOSE (vx, DARKMAP_SPECTRUM_MARGIN_LEFT, 1e-9);
  CHECK_CLOSE (vy, DARKMAP_SPECTRUM_MARGIN_TOP, 1e-9);
  CHECK (darkmap_spectrum_view_view_to_data (view, WIDTH, HEIGHT, 400.0, 200.0, &ell, &cl));
  CHECK (darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, ell, cl, &vx, &vy));
  CHECK_CLOSE (vx, 400.0, 1e-9);
  CHECK_CLOSE (vy, 200.0, 1e-9);
  CHECK (!darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, 0.0, 1.0, &vx, &vy));
}

static void
check_drawing (DarkmapSpectrumView *view)
{
  const DmPowerSpectrum *s = darkmap_spectrum_view_get_spectrum (view);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (surface);
  g_autofree char *readout = NULL;
  g_autofree char *bin_text = NULL;
  const unsigned char *data;
  int bin = 10, stride;
  double vx, vy;
  guint32 pixel;

  darkmap_spectrum_view_render (view, cr, WIDTH, HEIGHT);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  if (s == NULL)
    {
      cairo_surface_destroy (surface);
      return;
    }
  CHECK (darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, s->ell[bin], s->cl[bin], &vx,
                                             &vy));
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  pixel = ((const guint32 *) (const void *) (data + (size_t) floor (vy) * (size_t) stride))
            [(int) floor (vx)] & 0xffffffu;
  fprintf (stderr, "bin %d (ell %.0f) drawn at (%.1f, %.1f): 0x%06x\n", bin, s->ell[bin], vx, vy,
           pixel);
  /* The data colour, rgb (0.12, 0.47, 0.71). */
  CHECK (abs ((int) (pixel >> 16 & 0xff) - 31) <= 1);
  CHECK (abs ((int) (pixel >> 8 & 0xff) - 120) <= 1);
  CHECK (abs ((int) (pixel & 0xff) - 181) <= 1);
  cairo_surface_destroy (surface);

  readout = darkmap_spectrum_view_readout (view, WIDTH, HEIGHT, vx, vy);
  bin_text = g_strdup_printf ("bin ℓ = %.0f", s->ell[bin]);
  CHECK (readout != NULL && strstr (readout, bin_text) != NULL);
  fprintf (stderr, "readout: %s\n", readout != NULL ? readout : "(none)");
  CHECK (darkmap_spectrum_view_readout (view, WIDTH, HEIGHT, 5.0, 5.0) == NULL);
}

/* Without a noise map (and without a mask) there is no noise level, and
 * the spectrum is the whole map's. */
static void
check_without_noise (const DarkmapResult *result)
{
  GtkWidget *widget = g_object_ref_sink (darkmap_spectrum_view_new ());
  DarkmapSpectrumView *view = DARKMAP_SPECTRUM_VIEW (widget);
  DmError *dm_error = NULL;
  const DmPowerSpectrum *s;

  CHECK (darkmap_spectrum_view_get_spectrum (view) == NULL);
  CHECK (!darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, 1000.0, 1e-10,
                                              &(double) { 0 }, &(double) { 0 }));
  CHECK_OK (darkmap_spectrum_view_set_map (view, result->kappa_e, NULL, NULL, 0.0, &dm_error),
            dm_error);
  s = darkmap_spectrum_view_get_spectrum (view);
  CHECK (s != NULL && s->fsky == 1.0);
  CHECK (isnan (darkmap_spectrum_view_get_noise_level (view)));
  /* A noise map of another size is refused and leaves the view as it was. */
  CHECK_FAILS (darkmap_spectrum_view_set_map (view, result->kappa_e, NULL, result->binned->counts,
                                              0.0, &dm_error),
               dm_error, DM_ERROR_INVALID_ARGUMENT);
  CHECK (darkmap_spectrum_view_get_spectrum (view) == s);
  g_object_unref (widget);
}

/* The q-quantile of s_j² for the sorted scales s_j = S_MIN + (S_MAX −
 * S_MIN) j / (K − 1), linear between order statistics. */
static double
scale_squared_quantile (double q)
{
  double position = q * (K_SAMPLES - 1), t = position - floor (position);
  int j = (int) floor (position);
  double s0 = S_MIN + (S_MAX - S_MIN) * j / (K_SAMPLES - 1.0);
  double s1 = S_MIN + (S_MAX - S_MIN) * (j + 1) / (K_SAMPLES - 1.0);

  return s0 * s0 + t * (s1 * s1 - s0 * s0);
}

static gboolean
is_band_colour (guint32 pixel)
{
  return abs ((int) (pixel >> 16 & 0xff) - BAND_R) <= 2
         && abs ((int) (pixel >> 8 & 0xff) - BAND_G) <= 2
         && abs ((int) (pixel & 0xff) - BAND_B) <= 2;
}

/* Pixels of the band colour in the plot between ell_a and ell_b, and
 * whether the one at (ell, cl) (shifted right by 3 pixels, off the error
 * bar) has it. */
static int
count_band_pixels (DarkmapSpectrumView *view, double ell_a, double ell_b, double ell, double cl,
                   gboolean *at_point)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (surface);
  const guint32 *row;
  double xa, xb, px, py, unused;
  int count = 0;

  darkmap_spectrum_view_render (view, cr, WIDTH, HEIGHT);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  CHECK (darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, ell_a, 1.0, &xa, &unused));
  CHECK (darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, ell_b, 1.0, &xb, &unused));
  CHECK (darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, ell, cl, &px, &py));
  for (int y = (int) DARKMAP_SPECTRUM_MARGIN_TOP; y < HEIGHT - DARKMAP_SPECTRUM_MARGIN_BOTTOM; y++)
    {
      row = (const guint32 *) (const void *) (cairo_image_surface_get_data (surface)
                                               + (size_t) y * (size_t) cairo_image_surface_get_stride (surface));
      for (int x = (int) xa; x <= (int) xb; x++)
        count += is_band_colour (row[x]);
    }
  row = (const guint32 *) (const void *) (cairo_image_surface_get_data (surface)
                                           + (size_t) floor (py) * (size_t) cairo_image_surface_get_stride (surface));
  *at_point = is_band_colour (row[(int) floor (px) + 3]);
  cairo_surface_destroy (surface);
  return count;
}

static void
check_posterior (const DarkmapResult *result)
{
  GtkWidget *widget = g_object_ref_sink (darkmap_spectrum_view_new ());
  DarkmapSpectrumView *view = DARKMAP_SPECTRUM_VIEW (widget);
  const DmMap *m = result->kappa_e;
  const DmPowerSpectrum *s;
  DmMap *samples, *mean, *crop;
  DarkmapSpectrumBand *other;
  DmError *dm_error = NULL;
  double scale_sum = 0.0, lo_q = scale_squared_quantile (0.16);
  double hi_q = scale_squared_quantile (0.84), ell_lo, ell_hi, cl_lo, cl_hi;
  double ell, lo, hi, mean_cl, vx, vy;
  gboolean at_point;
  gint64 start;
  int bin = 5, drawn;
  g_autofree char *readout = NULL;
  g_autofree char *band_text = NULL;

  /* The definition of the percentiles on a small case: position 0.5 × 3. */
  CHECK_CLOSE (darkmap_spectrum_band_quantile ((double[]) { 1.0, 2.0, 4.0, 8.0 }, 4, 0.5), 3.0,
               1e-15);
  CHECK_CLOSE (darkmap_spectrum_band_quantile ((double[]) { 1.0, 2.0, 4.0, 8.0 }, 4, 1.0), 8.0,
               1e-15);

  CHECK_OK (darkmap_spectrum_view_set_map (view, m, result->binned->mask, result->binned->noise,
                                           0.0, &dm_error),
            dm_error);
  s = darkmap_spectrum_view_get_spectrum (view);
  /* Without a WCS: the view gives the samples its pixel size. */
  samples = dm_map_new (m->nx, m->ny, K_SAMPLES, NULL, &dm_error);
  mean = dm_map_new (m->nx, m->ny, 1, NULL, &dm_error);
  CHECK_OK (samples != NULL && mean != NULL, dm_error);
  if (s == NULL || samples == NULL || mean == NULL)
    return;
  for (int k = 0; k < K_SAMPLES; k++)
    {
      /* 37 is prime to 64: every j once, out of order. */
      double scale = S_MIN + (S_MAX - S_MIN) * ((k * 37) % K_SAMPLES) / (K_SAMPLES - 1.0);

      scale_sum += scale;
      for (size_t i = 0; i < dm_map_plane_size (m); i++)
        dm_map_plane (samples, k)[i] = (float) (scale * dm_map_plane (m, 0)[i]);
    }
  for (size_t i = 0; i < dm_map_plane_size (m); i++)
    dm_map_plane (mean, 0)[i] = (float) (scale_sum / K_SAMPLES * dm_map_plane (m, 0)[i]);

  CHECK (!darkmap_spectrum_view_get_band (view, 0, &ell, &lo, &hi, &mean_cl));
  start = g_get_monotonic_time ();
  CHECK_OK (darkmap_spectrum_view_set_posterior (view, samples, mean, "Wiener filter",
                                                 &dm_error),
            dm_error);
  fprintf (stderr, "posterior band of %d samples of %d x %d: %.1f ms\n", K_SAMPLES, m->nx, m->ny,
           (double) (g_get_monotonic_time () - start) / 1000.0);
  CHECK (darkmap_spectrum_view_get_range (view, &ell_lo, &ell_hi, &cl_lo, &cl_hi));
  for (int i = 0; i < s->n_bins; i++)
    {
      CHECK (darkmap_spectrum_view_get_band (view, (guint) i, &ell, &lo, &hi, &mean_cl));
      CHECK (ell == s->ell[i] || (isnan (ell) && isnan (s->ell[i])));
      if (!(s->cl[i] > 0.0))
        continue;
      CHECK_CLOSE (lo, lo_q * s->cl[i], 1e-5 * lo_q * s->cl[i]);
      CHECK_CLOSE (hi, hi_q * s->cl[i], 1e-5 * hi_q * s->cl[i]);
      CHECK_CLOSE (mean_cl, 1.25 * 1.25 * s->cl[i], 1e-5 * 1.25 * 1.25 * s->cl[i]);
      CHECK (lo >= cl_lo && hi <= cl_hi && mean_cl <= cl_hi);
    }
  CHECK (!darkmap_spectrum_view_get_band (view, (guint) s->n_bins, &ell, &lo, &hi, &mean_cl));
  fprintf (stderr, "band at ell %.0f: %.3g to %.3g (%.4f, %.4f × C_ell), mean %.3g\n",
           s->ell[bin], lo_q * s->cl[bin], hi_q * s->cl[bin], lo_q, hi_q,
           1.5625 * s->cl[bin]);

  /* Drawn: a region in the band colour left of the legend, holding a point
   * a tenth of the way up from its lower edge. */
  CHECK (darkmap_spectrum_view_get_band (view, (guint) bin, &ell, &lo, &hi, &mean_cl));
  drawn = count_band_pixels (view, s->ell[2], s->ell[12], ell, lo * pow (hi / lo, 0.1),
                             &at_point);
  fprintf (stderr, "band pixels between bins 2 and 12: %d\n", drawn);
  CHECK (drawn > 2000);
  CHECK (at_point);
  CHECK (darkmap_spectrum_view_data_to_view (view, WIDTH, HEIGHT, ell, s->cl[bin], &vx, &vy));
  readout = darkmap_spectrum_view_readout (view, WIDTH, HEIGHT, vx, vy);
  band_text = g_strdup_printf ("posterior 16–84 %%: %.3g–%.3g", lo, hi);
  CHECK (readout != NULL && strstr (readout, band_text) != NULL);
  fprintf (stderr, "readout: %s\n", readout != NULL ? readout : "(none)");

  /* A band on other bins (half the map, without a mask) is refused. */
  crop = dm_map_new (m->nx / 2, m->ny / 2, 1, NULL, &dm_error);
  CHECK_OK (crop != NULL, dm_error);
  other = darkmap_spectrum_band_compute (crop, NULL, NULL, s->pixel_arcmin, &dm_error);
  CHECK_OK (other != NULL, dm_error);
  CHECK_FAILS (darkmap_spectrum_view_set_band (view, other, "other", &dm_error), dm_error,
               DM_ERROR_INVALID_ARGUMENT);
  CHECK (darkmap_spectrum_view_get_band (view, 0, &ell, &lo, &hi, &mean_cl));
  dm_map_free (crop);

  /* Removed by NULL, and by a new map. */
  CHECK_OK (darkmap_spectrum_view_set_posterior (view, NULL, NULL, NULL, &dm_error), dm_error);
  CHECK (!darkmap_spectrum_view_get_band (view, 0, &ell, &lo, &hi, &mean_cl));
  CHECK (count_band_pixels (view, s->ell[2], s->ell[12], s->ell[bin], s->cl[bin], &at_point)
         == 0);
  CHECK_OK (darkmap_spectrum_view_set_posterior (view, samples, NULL, "Wiener filter",
                                                 &dm_error),
            dm_error);
  CHECK (darkmap_spectrum_view_get_band (view, 0, &ell, &lo, &hi, &mean_cl) && isnan (mean_cl));
  CHECK_OK (darkmap_spectrum_view_set_map (view, m, NULL, NULL, 0.0, &dm_error), dm_error);
  CHECK (!darkmap_spectrum_view_get_band (view, 0, &ell, &lo, &hi, &mean_cl));

  dm_map_free (samples);
  dm_map_free (mean);
  g_object_unref (widget);
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  DarkmapWindow *window;
  DarkmapSpectrumView *view;
  const DarkmapResult *result;

  if (app == NULL)
    return DM_TEST_SKIP;

  window = demo_window (app);
  result = darkmap_window_get_result (window);
  view = DARKMAP_SPECTRUM_VIEW (darkmap_window_get_spectrum_widget (window));
  if (result != NULL)
    {
      check_spectrum (view, result);
      check_axes (view);
      check_drawing (view);
      check_without_noise (result);
      check_posterior (result);
    }

  gtk_widget_activate_action (GTK_WIDGET (window), "win.page", "s", "spectrum");
  CHECK (gtk_widget_get_visible (GTK_WIDGET (view)) && gtk_widget_get_mapped (GTK_WIDGET (view)));
  CHECK (wait_for_frame (GTK_WIDGET (window)));
  CHECK (gtk_widget_get_width (GTK_WIDGET (view)) > 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.page", "s", "map");
  CHECK (!gtk_widget_get_mapped (GTK_WIDGET (view)));

  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}

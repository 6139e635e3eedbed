/* The map view's overlays on synthetic maps: the whisker plot (stick
 * direction and length from the shear, on a TAN grid with RA to the left),
 * contours of a Gaussian bump (at the analytic radius), contour levels in
 * standard deviations, sexagesimal grid labels, and zooming about a point
 * (scroll and pinch). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test-util.h"

#include "darkmap-contours.h"
#include "darkmap-map-view.h"
#include "darkmap-sexagesimal.h"
#include "darkmap-whiskers.h"
#include "map-view-test-util.h"

#define N 64
#define WIDTH 420
#define HEIGHT 320

static guint32
at (cairo_surface_t *surface, int x, int y)
{
  const unsigned char *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  return ((const guint32 *) (const void *) (data + (size_t) y * (size_t) stride))[x] & 0xffffffu;
}

static int
count_differences (cairo_surface_t *a, cairo_surface_t *b)
{
  int n = 0;

  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      n += at (a, x, y) != at (b, x, y);
  return n;
}

/* The view's map pixel → drawing transform, measured through the public
 * conversion (no rotation: a scale and a y flip). */
static void
view_matrix (DarkmapMapView *view, cairo_matrix_t *m)
{
  double x0, y0, x1, y1;

  darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, 0.0, 0.0, &x0, &y0);
  darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, 1.0, 1.0, &x1, &y1);
  cairo_matrix_init (m, x1 - x0, 0.0, 0.0, y1 - y0, x0, y0);
}

static DmMap *
uniform_shear (const DmWcs *wcs, double g1, double g2)
{
  DmMap *shear = dm_map_new (N, N, 2, wcs, NULL);

  for (size_t i = 0; i < (size_t) N * N; i++)
    {
      dm_map_plane (shear, 0)[i] = (float) g1;
      dm_map_plane (shear, 1)[i] = (float) g2;
    }
  return shear;
}

static double *
sticks_of (const DmMap *shear, const cairo_matrix_t *m, size_t *n)
{
  DmError *error = NULL;
  DarkmapWhiskers *w = darkmap_whiskers_new (shear, NULL, &error);
  double *sticks;

  CHECK (w != NULL);
  sticks = darkmap_whiskers_layout (w, m, 0, 0, WIDTH, HEIGHT, n);
  darkmap_whiskers_free (w);
  return sticks;
}

static void
test_whiskers (DarkmapMapView *view, const DmWcs *wcs)
{
  cairo_matrix_t m;
  DmMap *shear;
  double *sticks, scale;
  size_t n;
  int step;
  cairo_surface_t *plain, *drawn;

  view_matrix (view, &m);
  scale = m.xx;
  step = darkmap_whiskers_step (scale);
  CHECK (step * scale >= DARKMAP_WHISKER_SPACING && step * scale < 2 * DARKMAP_WHISKER_SPACING);
  /* Zooming in 4× makes the blocks 4× smaller (down to one pixel). */
  CHECK (darkmap_whiskers_step (4.0 * scale) == MAX (1, step / 4));

  /* g1 > 0: horizontal sticks, one per block of the whole map */
  shear = uniform_shear (wcs, 0.05, 0.0);
  sticks = sticks_of (shear, &m, &n);
  CHECK (n == (size_t) ((N + step - 1) / step) * (size_t) ((N + step - 1) / step));
  for (size_t i = 0; i < n; i++)
    {
      CHECK_CLOSE (sticks[4 * i + 1], sticks[4 * i + 3], 1e-9);
      CHECK (fabs (sticks[4 * i + 2] - sticks[4 * i]) > 5.0);
    }
  /* Uniform: every stick is the reference, 90 % of the spacing long. */
  CHECK_CLOSE (fabs (sticks[2] - sticks[0]), 0.9 * step * scale, 1e-6);
  g_free (sticks);

  /* Drawn: the stick through the middle block is white along its length,
   * and the map is untouched a quarter spacing above it. */
  plain = render_view (view, WIDTH, HEIGHT);
  CHECK (darkmap_map_view_set_whiskers (view, shear, NULL, NULL));
  CHECK (darkmap_map_view_get_show_whiskers (view));
  drawn = render_view (view, WIDTH, HEIGHT);
  {
    double cx = (N / step / 2 + 0.5) * step - 0.5, cy = cx, vx, vy;

    darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, cx, cy, &vx, &vy);
    CHECK (at (drawn, (int) floor (vx + 0.3 * 0.45 * step * scale), (int) floor (vy)) == 0xffffffu);
    CHECK (at (drawn, (int) floor (vx), (int) floor (vy - 0.25 * step * scale))
           == at (plain, (int) floor (vx), (int) floor (vy - 0.25 * step * scale)));
  }
  CHECK (count_differences (plain, drawn) > 1000);
  /* The key under the colour bar: a stick of the reference shear. */
  {
    DarkmapWhiskers *w = darkmap_whiskers_new (shear, NULL, NULL);
    double length, g, vx, vy;
    int key_pixels = 0;

    CHECK (darkmap_whiskers_key (w, scale, &length, &g));
    CHECK_CLOSE (g, 0.05, 1e-7);
    CHECK_CLOSE (length, 0.9 * step * scale, 1e-9);
    /* Right of and below the map (the grid is off: nothing else there). */
    darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, N - 0.5, -0.5, &vx, &vy);
    for (int y = (int) vy + 1; y < HEIGHT; y++)
      for (int x = (int) vx + 1; x < WIDTH; x++)
        key_pixels += at (drawn, x, y) != at (plain, x, y);
    CHECK (key_pixels > 20);
    darkmap_whiskers_free (w);
  }
  cairo_surface_destroy (drawn);
  CHECK (darkmap_map_view_set_whiskers (view, NULL, NULL, NULL));
  drawn = render_view (view, WIDTH, HEIGHT);
  CHECK (count_differences (plain, drawn) == 0);
  cairo_surface_destroy (drawn);
  cairo_surface_destroy (plain);
  dm_map_free (shear);

  /* g1 < 0: vertical */
  shear = uniform_shear (wcs, -0.05, 0.0);
  sticks = sticks_of (shear, &m, &n);
  CHECK (n > 0);
  for (size_t i = 0; i < n; i++)
    CHECK_CLOSE (sticks[4 * i], sticks[4 * i + 2], 1e-9);
  g_free (sticks);
  dm_map_free (shear);

  /* g2 > 0: at 45° from x towards y in the pixel frame, so up and to the
   * right on screen; with RA to the left that end points north-west
   * (Dec up, RA down). */
  shear = uniform_shear (wcs, 0.0, 0.05);
  sticks = sticks_of (shear, &m, &n);
  CHECK (n > 0);
  for (size_t i = 0; i < n; i++)
    {
      double dx = sticks[4 * i + 2] - sticks[4 * i], dy = sticks[4 * i + 3] - sticks[4 * i + 1];

      CHECK_CLOSE (fabs (dx), fabs (dy), 1e-9);
      CHECK (dx * dy < 0.0);
    }
  {
    size_t mid = n / 2;
    double ex = sticks[4 * mid], ey = sticks[4 * mid + 1], fx = sticks[4 * mid + 2];
    double fy = sticks[4 * mid + 3], px[2], py[2], ra[2], dec[2];

    if (fx < ex) /* (fx, fy): the right-hand end */
      {
        double t = ex;
        ex = fx, fx = t;
        t = ey, ey = fy, fy = t;
      }
    darkmap_map_view_view_to_pixel (view, WIDTH, HEIGHT, (ex + fx) / 2, (ey + fy) / 2, &px[0],
                                    &py[0]);
    darkmap_map_view_view_to_pixel (view, WIDTH, HEIGHT, fx, fy, &px[1], &py[1]);
    CHECK (dm_wcs_pixel_to_world (wcs, 2, px, py, ra, dec, NULL));
    CHECK (ra[1] < ra[0] && dec[1] > dec[0]);
  }
  g_free (sticks);

  /* On a flat grid RA increases to the right and the binning negated e2
   * into the same pixel frame: the same stick, on the sky towards
   * north-east. */
  {
    DmWcs *flat = dm_wcs_new_grid (DM_PROJECTION_FLAT, 150.0, 2.0, 1.0 / 60.0, N, N, false, NULL);
    double px[2] = { N / 2.0, N / 2.0 + 1.0 }, py[2] = { N / 2.0, N / 2.0 + 1.0 };
    double ra[2], dec[2];

    CHECK (flat != NULL && dm_wcs_pixel_to_world (flat, 2, px, py, ra, dec, NULL));
    CHECK (ra[1] > ra[0] && dec[1] > dec[0]);
    dm_wcs_free (flat);
  }
  dm_map_free (shear);

  /* Length ∝ |g|: the right half sheared twice as much as the left (the
   * halves fall on block boundaries), sticks twice as long. */
  shear = uniform_shear (wcs, 0.02, 0.0);
  for (int y = 0; y < N; y++)
    for (int x = N / 2; x < N; x++)
      dm_map_plane (shear, 0)[y * N + x] = 0.04f;
  sticks = sticks_of (shear, &m, &n);
  {
    double left = NAN, right = NAN, mid_view, vy;

    darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, N / 2 - 0.5, 0, &mid_view, &vy);
    for (size_t i = 0; i < n; i++)
      {
        double length = fabs (sticks[4 * i + 2] - sticks[4 * i]);

        if ((sticks[4 * i] + sticks[4 * i + 2]) / 2 < mid_view)
          left = length;
        else
          right = length;
      }
    CHECK_CLOSE (right / left, 2.0, 1e-6);
  }
  g_free (sticks);

  /* Counts weight the block means and set the reference: one block of
   * a single galaxy sheared ten times more is left out of the reference
   * and its stick is capped at the spacing; a pixel without galaxies does
   * not count. */
  {
    DmMap *counts = dm_map_new (N, N, 1, wcs, NULL);
    DarkmapWhiskers *w;
    double cap_length = 0.0, other_length = 0.0, cx, cy;

    for (size_t i = 0; i < (size_t) N * N; i++)
      {
        dm_map_plane (shear, 0)[i] = 0.02f;
        counts->data[i] = 4.0f;
      }
    for (int y = 0; y < step; y++)
      for (int x = 0; x < step; x++)
        {
          counts->data[y * N + x] = x == 0 && y == 0 ? 1.0f : 0.0f;
          dm_map_plane (shear, 0)[y * N + x] = x == 0 && y == 0 ? 0.2f : 5.0f;
        }
    w = darkmap_whiskers_new (shear, counts, NULL);
    sticks = darkmap_whiskers_layout (w, &m, 0, 0, WIDTH, HEIGHT, &n);
    cx = (step - 1) / 2.0;
    cy = cx;
    cairo_matrix_transform_point (&m, &cx, &cy);
    for (size_t i = 0; i < n; i++)
      {
        double length = hypot (sticks[4 * i + 2] - sticks[4 * i], sticks[4 * i + 3] - sticks[4 * i + 1]);

        if (fabs ((sticks[4 * i] + sticks[4 * i + 2]) / 2 - cx) < 1e-6
            && fabs ((sticks[4 * i + 1] + sticks[4 * i + 3]) / 2 - cy) < 1e-6)
          cap_length = length;
        else
          other_length = length;
      }
    CHECK_CLOSE (cap_length, step * scale, 1e-6);
    CHECK_CLOSE (other_length, 0.9 * step * scale, 1e-6);
    g_free (sticks);
    darkmap_whiskers_free (w);
    dm_map_free (counts);
  }
  dm_map_free (shear);
}

static void
test_contours (DarkmapMapView *view, const DmWcs *wcs)
{
  const double cx = 32.3, cy = 30.7, s = 6.0;
  const double levels[] = { 0.5, 0.1, 2.0 };
  DmMap *bump = dm_map_new (N, N, 1, wcs, NULL);
  DarkmapContours *c;
  cairo_surface_t *plain, *drawn;

  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      bump->data[y * N + x] = (float) exp (-((x - cx) * (x - cx) + (y - cy) * (y - cy))
                                           / (2 * s * s));
  c = darkmap_contours_new (bump->data, N, N, levels, 3);
  CHECK (darkmap_contours_get_n_levels (c) == 3);
  for (int k = 0; k < 2; k++)
    {
      /* exp(−r²/2s²) = L at r = s sqrt(2 ln(1/L)); every segment end lies
       * on that circle (to the linear interpolation between pixels), and
       * the segments go round it. */
      double r = s * sqrt (2.0 * log (1.0 / levels[k])), worst = 0.0, turned = 0.0;
      size_t n = 0;
      const float *p;

      CHECK (darkmap_contours_get_level (c, k) == levels[k]);
      /* One closed line round the bump. */
      CHECK (darkmap_contours_get_n_lines (c, k) == 1);
      p = darkmap_contours_get_line (c, k, 0, &n);
      CHECK (n > 20 && p[0] == p[2 * n - 2] && p[1] == p[2 * n - 1]);
      for (size_t i = 0; i < n; i++)
        {
          worst = fmax (worst, fabs (hypot (p[2 * i] - cx, p[2 * i + 1] - cy) - r));
          if (i > 0)
            turned += hypot (p[2 * i] - p[2 * i - 2], p[2 * i + 1] - p[2 * i - 1]);
        }
      printf ("level %g: %zu points, radius %.3f, worst distance %.4f px\n", levels[k], n, r,
              worst);
      CHECK (worst < (k == 0 ? 0.05 : 0.1));
      CHECK_CLOSE (turned, 2 * G_PI * r, 0.02 * 2 * G_PI * r);
    }
  CHECK (darkmap_contours_get_n_lines (c, 2) == 0);
  darkmap_contours_free (c);

  /* In the view: drawn where the circle crosses the row through the
   * centre, only while shown. */
  CHECK (darkmap_map_view_set_map (view, bump, NULL));
  darkmap_map_view_set_limits (view, -1.0, 1.0);
  CHECK (darkmap_map_view_set_contours (view, bump, levels, 1, NULL));
  CHECK (darkmap_map_view_get_contours (view) != NULL);
  CHECK (!darkmap_map_view_get_show_contours (view));
  plain = render_view (view, WIDTH, HEIGHT);
  darkmap_map_view_set_show_contours (view, TRUE);
  drawn = render_view (view, WIDTH, HEIGHT);
  {
    double r = s * sqrt (2.0 * log (2.0)), vx, vy;
    int lighter = 0;

    /* The white line (1.2 wide, antialiased, so blended where it covers a
     * pixel in part) within a pixel of the crossing. */
    darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, cx + r, cy, &vx, &vy);
    for (int dx = -1; dx <= 1; dx++)
      {
        guint32 d = at (drawn, (int) floor (vx) + dx, (int) floor (vy));
        guint32 p = at (plain, (int) floor (vx) + dx, (int) floor (vy));
        int sum_d = (int) ((d & 0xff) + ((d >> 8) & 0xff) + ((d >> 16) & 0xff));
        int sum_p = (int) ((p & 0xff) + ((p >> 8) & 0xff) + ((p >> 16) & 0xff));

        lighter += sum_d > sum_p + 120;
      }
    CHECK (lighter > 0);
    CHECK (at (drawn, (int) floor (vx), (int) floor (vy))
           != at (plain, (int) floor (vx), (int) floor (vy)));
    CHECK (count_differences (plain, drawn) > 100);
  }
  cairo_surface_destroy (plain);
  cairo_surface_destroy (drawn);
  darkmap_map_view_set_show_contours (view, FALSE);
  dm_map_free (bump);

  /* Levels in standard deviations of the pixels inside the mask. */
  {
    const float data[] = { 0, 2, 4, 6 }, mask[] = { 1, 1, 1, 0 };
    const double multiples[] = { 1.0, 2.5 };
    double out[2];

    CHECK (darkmap_contours_sigma_levels (data, NULL, 4, multiples, 2, out));
    CHECK_CLOSE (out[0], sqrt (20.0 / 3.0), 1e-12);
    CHECK_CLOSE (out[1], 2.5 * sqrt (20.0 / 3.0), 1e-12);
    CHECK (darkmap_contours_sigma_levels (data, mask, 4, multiples, 2, out));
    CHECK_CLOSE (out[0], 2.0, 1e-12);
    CHECK (!darkmap_contours_sigma_levels (data, mask, 1, multiples, 2, out));
  }
}

static void
test_sexagesimal (DarkmapMapView *view, const DmMap *map)
{
  g_autofree char *ra = NULL, *ra_s = NULL, *ra_h = NULL, *ra_t = NULL;
  g_autofree char *dec = NULL, *dec_s = NULL, *dec_d = NULL, *south = NULL;
  cairo_surface_t *degrees, *sexagesimal;

  /* A 0.5° span: RA every 30 s of time (0.125°), Dec every 10′. */
  CHECK_CLOSE (darkmap_sexagesimal_ra_step (0.5), 30.0 / 240.0, 1e-12);
  CHECK_CLOSE (darkmap_sexagesimal_dec_step (0.5), 10.0 / 60.0, 1e-12);
  ra = darkmap_sexagesimal_ra_label (150.125, 30.0 / 240.0);
  ra_s = darkmap_sexagesimal_ra_label (150.125 + 0.5 / 240.0, 0.5 / 240.0);
  ra_h = darkmap_sexagesimal_ra_label (150.0, 15.0);
  ra_t = darkmap_sexagesimal_ra_label (359.99999, 1.0 / 240.0);
  dec = darkmap_sexagesimal_dec_label (2.2, 1.0 / 60.0);
  dec_s = darkmap_sexagesimal_dec_label (2.2 + 5.0 / 3600.0, 5.0 / 3600.0);
  dec_d = darkmap_sexagesimal_dec_label (-30.0, 10.0);
  south = darkmap_sexagesimal_dec_label (-0.5, 10.0 / 60.0);
  CHECK (g_str_equal (ra, "10h00m30s"));
  CHECK (g_str_equal (ra_s, "10h00m30.5s"));
  CHECK (g_str_equal (ra_h, "10h"));
  CHECK (g_str_equal (ra_t, "00h00m00s"));
  CHECK (g_str_equal (dec, "+2°12′"));
  CHECK (g_str_equal (dec_s, "+2°12′05″"));
  CHECK (g_str_equal (dec_d, "-30°"));
  CHECK (g_str_equal (south, "-0°30′"));

  /* The view's labels change, the map does not. */
  CHECK (darkmap_map_view_set_map (view, map, NULL));
  darkmap_map_view_set_show_grid (view, TRUE);
  degrees = render_view (view, WIDTH, HEIGHT);
  darkmap_map_view_set_sexagesimal (view, TRUE);
  sexagesimal = render_view (view, WIDTH, HEIGHT);
  CHECK (count_differences (degrees, sexagesimal) > 50);
  {
    double vx, vy;

    darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, N / 2 + 0.3, N / 2 + 0.3, &vx, &vy);
    CHECK (at (degrees, (int) vx, (int) vy) == at (sexagesimal, (int) vx, (int) vy));
  }
  cairo_surface_destroy (degrees);
  cairo_surface_destroy (sexagesimal);
  darkmap_map_view_set_sexagesimal (view, FALSE);
  darkmap_map_view_set_show_grid (view, FALSE);
}

/* The map pixel under a point stays under it through zooms in and out,
 * and the zoom stays within its limits. */
static void
test_zoom_at (DarkmapMapView *view)
{
  const double vx = 123.0, vy = 211.0;
  double x0, y0, x1, y1;

  darkmap_map_view_reset_view (view);
  CHECK (darkmap_map_view_view_to_pixel (view, WIDTH, HEIGHT, vx, vy, &x0, &y0));
  darkmap_map_view_zoom_at (view, WIDTH, HEIGHT, 2.5, vx, vy);
  CHECK_CLOSE (darkmap_map_view_get_zoom (view), 2.5, 1e-12);
  CHECK (darkmap_map_view_view_to_pixel (view, WIDTH, HEIGHT, vx, vy, &x1, &y1));
  CHECK_CLOSE (x1, x0, 1e-9);
  CHECK_CLOSE (y1, y0, 1e-9);
  darkmap_map_view_zoom_at (view, WIDTH, HEIGHT, 0.1, vx, vy);
  CHECK_CLOSE (darkmap_map_view_get_zoom (view), 0.25, 1e-12);
  CHECK (darkmap_map_view_view_to_pixel (view, WIDTH, HEIGHT, vx, vy, &x1, &y1));
  CHECK_CLOSE (x1, x0, 1e-9);
  CHECK_CLOSE (y1, y0, 1e-9);
  darkmap_map_view_zoom_at (view, WIDTH, HEIGHT, 1e6, vx, vy);
  CHECK_CLOSE (darkmap_map_view_get_zoom (view), 64.0, 1e-12);
  darkmap_map_view_reset_view (view);
}

int
main (void)
{
  DmWcs *wcs;
  DmMap *map;
  DarkmapMapView *view;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "no display: skipped\n");
      return 77;
    }
  /* 1′ pixels, RA to the left. */
  wcs = dm_wcs_new_grid (DM_PROJECTION_TAN, 150.0, 2.0, 1.0 / 60.0, N, N, true, NULL);
  map = dm_map_new (N, N, 1, wcs, NULL);
  if (wcs == NULL || map == NULL)
    return EXIT_FAILURE;
  view = g_object_ref_sink (DARKMAP_MAP_VIEW (darkmap_map_view_new ()));
  darkmap_map_view_set_show_grid (view, FALSE);
  CHECK (darkmap_map_view_set_map (view, map, NULL));
  darkmap_map_view_set_limits (view, -1.0, 1.0);

  test_whiskers (view, wcs);
  test_contours (view, wcs);
  test_sexagesimal (view, map);
  test_zoom_at (view);

  g_object_unref (view);
  dm_map_free (map);
  dm_wcs_free (wcs);
  return dm_test_result ();
}

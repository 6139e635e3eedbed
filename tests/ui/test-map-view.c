/* DarkmapMapView rendered offscreen: a gradient on a TAN grid.  Checks the
 * orientation (pixel (0, 0) bottom-left, RA to the left), the colours
 * against the colour map, zoom, the WCS grid and the mask overlay. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test-util.h"

#include "darkmap-map-view.h"
#include "map-view-test-util.h"

#define NX 64
#define NY 48
#define WIDTH 400
#define HEIGHT 300
#define BACKDROP 0xd9d9d9u /* 0.85 grey behind the map */


typedef struct
{
  cairo_surface_t *surface;
  const unsigned char *data;
  int stride;
} Image;

static Image
render (DarkmapMapView *view)
{
  Image im;

  im.surface = render_view (view, WIDTH, HEIGHT);
  im.data = cairo_image_surface_get_data (im.surface);
  im.stride = cairo_image_surface_get_stride (im.surface);
  return im;
}

static guint32
at (const Image *im, int x, int y)
{
  return ((const guint32 *) (const void *) (im->data + (size_t) y * (size_t) im->stride))[x]
         & 0xffffffu;
}

static guint32
lut_colour (double value, double lo, double hi)
{
  DarkmapStretch linear = { DARKMAP_STRETCH_LINEAR, 0.0 };
  guint8 c[3];

  darkmap_colormap_lookup (DARKMAP_COLORMAP_VIRIDIS,
                           darkmap_stretch_apply (&linear, lo, hi, value), c);
  return ((guint32) c[0] << 16) | ((guint32) c[1] << 8) | c[2];
}

static double
value_at (int x, int y)
{
  return x + 2.0 * y;
}

/* The colour drawn at the centre of map pixel (x, y). */
static guint32
drawn_at_pixel (DarkmapMapView *view, const Image *im, double x, double y)
{
  double vx, vy;

  if (!darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, x, y, &vx, &vy))
    return 0xffffffffu;
  return at (im, (int) floor (vx), (int) floor (vy));
}

int
main (int argc, char **argv)
{
  DmWcs *wcs;
  DmMap *map, *mask;
  DarkmapMapView *view;
  Image im, zoomed, plain, masked;
  double lo, hi, mx, my, vx0, vy0, vx1, vy1, ra[2], dec[2], px[2] = { 0, NX - 1 }, py[2] = { 0, 0 };
  int left = -1, right = -1, top = -1, bottom = -1, distinct = 0, grid_diff = 0;
  guint32 last = 0;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "no display: skipped\n");
      return 77;
    }

  wcs = dm_wcs_new_grid (DM_PROJECTION_TAN, 150.0, 2.0, 1.0 / 60.0, NX, NY, true, NULL);
  map = dm_map_new (NX, NY, 2, wcs, NULL);
  if (wcs == NULL || map == NULL)
    return EXIT_FAILURE;
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++)
      {
        map->data[y * NX + x] = (float) value_at (x, y);
        dm_map_plane (map, 1)[y * NX + x] = -1.0f;
      }

  view = g_object_ref_sink (DARKMAP_MAP_VIEW (darkmap_map_view_new ()));
  darkmap_map_view_set_show_grid (view, FALSE);
  CHECK (darkmap_map_view_set_map (view, map, NULL));
  CHECK (darkmap_map_view_get_limits (view, &lo, &hi));
  CHECK (lo == 0.0 && hi == value_at (NX - 1, NY - 1));

  im = render (view);
  /* not blank */
  for (int x = 0; x < WIDTH; x++)
    {
      guint32 c = at (&im, x, HEIGHT / 2);
      distinct += c != last;
      last = c;
    }
  CHECK (distinct > 30);

  /* orientation: pixel (0, 0) bottom-left, rows up, RA to the left */
  CHECK (darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, 0, 0, &vx0, &vy0));
  CHECK (darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, NX - 1, NY - 1, &vx1, &vy1));
  CHECK (vx0 < vx1 && vy0 > vy1);
  CHECK (dm_wcs_pixel_to_world (wcs, 2, px, py, ra, dec, NULL));
  CHECK (ra[0] > ra[1]);
  /* colours: minimum at the bottom-left, maximum at the top-right, and a
   * pixel in between */
  CHECK (drawn_at_pixel (view, &im, 0, 0) == lut_colour (lo, lo, hi));
  CHECK (drawn_at_pixel (view, &im, NX - 1, NY - 1) == lut_colour (hi, lo, hi));
  CHECK (drawn_at_pixel (view, &im, 40, 10) == lut_colour (value_at (40, 10), lo, hi));
  CHECK (at (&im, (int) vx0 + 1, (int) vy0 - 1) == lut_colour (lo, lo, hi));

  /* the map's extent on screen, measured from the drawing along the middle
   * row and column */
  CHECK (darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, NX / 2, NY / 2, &mx, &my));
  for (int x = 0; x < WIDTH; x++)
    if (at (&im, x, (int) my) == lut_colour (value_at (0, NY / 2), lo, hi)
        && left < 0)
      left = x;
  for (int x = WIDTH - 1; x >= 0; x--)
    if (at (&im, x, (int) my) == lut_colour (value_at (NX - 1, NY / 2), lo, hi)
        && right < 0)
      right = x;
  for (int y = 0; y < HEIGHT; y++)
    if (at (&im, (int) mx, y) == lut_colour (value_at (NX / 2, NY - 1), lo, hi)
        && top < 0)
      top = y;
  for (int y = HEIGHT - 1; y >= 0; y--)
    if (at (&im, (int) mx, y) == lut_colour (value_at (NX / 2, 0), lo, hi)
        && bottom < 0)
      bottom = y;
  CHECK (left >= 0 && right > left && top >= 0 && bottom > top);
  {
    double scale = (right - left + 1) / (double) NX;
    double cx = (left + right + 1) / 2.0, cy = (top + bottom + 1) / 2.0;

    CHECK (fabs ((bottom - top + 1) / (double) NY - scale) < 0.1);

    /* zoom ×2 about the centre: map pixel (x, y) moves to twice its
     * distance from the centre, and the map now covers the whole area */
    darkmap_map_view_set_zoom (view, 2.0);
    CHECK (darkmap_map_view_get_zoom (view) == 2.0);
    zoomed = render (view);
    for (int k = -8; k <= 8; k += 4)
      {
        int x = NX / 2 + k, y = NY / 2 + k / 2;
        double zx = cx + (x + 0.5 - NX / 2.0) * scale * 2.0;
        double zy = cy - (y + 0.5 - NY / 2.0) * scale * 2.0;
        CHECK (at (&zoomed, (int) floor (zx), (int) floor (zy)) == lut_colour (value_at (x, y), lo, hi));
      }
    for (int x = 70; x < 300; x += 5)
      CHECK (at (&zoomed, x, HEIGHT / 2) != BACKDROP);
    cairo_surface_destroy (zoomed.surface);
    darkmap_map_view_reset_view (view);
    CHECK (darkmap_map_view_get_zoom (view) == 1.0);
  }

  /* the WCS grid: the Dec = 2° line (a multiple of the spacing) crosses
   * the centre column where the WCS puts it, lighter than the map */
  plain = im;
  darkmap_map_view_set_show_grid (view, TRUE);
  im = render (view);
  if (g_getenv ("DARKMAP_TEST_TMP") != NULL)
    {
      char *png = g_build_filename (g_getenv ("DARKMAP_TEST_TMP"), "test-map-view.png", NULL);
      cairo_surface_write_to_png (im.surface, png);
      g_free (png);
    }
  {
    double gra = 150.0, gdec = 2.0, gx, gy, gvx, gvy;
    guint32 lined, bare;
    int found = 0;

    CHECK (dm_wcs_world_to_pixel (wcs, 1, &gra, &gdec, &gx, &gy, NULL));
    CHECK (darkmap_map_view_pixel_to_view (view, WIDTH, HEIGHT, gx + 3.2, gy, &gvx, &gvy));
    for (int dy = -1; dy <= 1; dy++)
      {
        lined = at (&im, (int) gvx, (int) floor (gvy) + dy);
        bare = at (&plain, (int) gvx, (int) floor (gvy) + dy);
        found += lined != bare && (lined & 0xff) > (bare & 0xff) && ((lined >> 8) & 0xff) > ((bare >> 8) & 0xff);
      }
    CHECK (found > 0);
    for (int y = 0; y < HEIGHT; y++)
      for (int x = 0; x < WIDTH; x++)
        grid_diff += at (&im, x, y) != at (&plain, x, y);
    CHECK (grid_diff > 300);
  }
  darkmap_map_view_set_show_grid (view, FALSE);

  /* mask: the left half unobserved is shaded, the right half unchanged */
  mask = dm_map_new (NX, NY, 1, wcs, NULL);
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++)
      mask->data[y * NX + x] = x < NX / 2 ? 0.0f : 1.0f;
  CHECK (darkmap_map_view_set_mask (view, mask, NULL));
  masked = render (view);
  CHECK (drawn_at_pixel (view, &masked, 10, 20) != drawn_at_pixel (view, &plain, 10, 20));
  CHECK (drawn_at_pixel (view, &masked, 50, 20) == drawn_at_pixel (view, &plain, 50, 20));
  {
    DmMap *small = dm_map_new (8, 8, 1, NULL, NULL);
    DmError *error = NULL;
    CHECK (!darkmap_map_view_set_mask (view, small, &error));
    CHECK (error != NULL);
    dm_error_free (error);
    dm_map_free (small);
  }
  cairo_surface_destroy (masked.surface);

  /* planes and fixed limits */
  darkmap_map_view_set_plane (view, 1);
  darkmap_map_view_set_limits (view, -2.0, 0.0);
  cairo_surface_destroy (im.surface);
  im = render (view);
  CHECK (drawn_at_pixel (view, &im, 50, 20) == lut_colour (-1.0, -2.0, 0.0));

  cairo_surface_destroy (im.surface);
  cairo_surface_destroy (plain.surface);
  g_object_unref (view);
  dm_map_free (mask);
  dm_map_free (map);
  dm_wcs_free (wcs);
  return dm_test_result ();
}

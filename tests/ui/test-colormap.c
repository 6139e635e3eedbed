/* Colour maps and stretches: published end colours, monotonic grey and
 * asinh, symmetric asinh, limits, NaN transparent, and a colour bar drawn. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test-util.h"

#include "darkmap-colormap.h"


static guint32
rgb_hex (const guint8 c[3])
{
  return ((guint32) c[0] << 16) | ((guint32) c[1] << 8) | c[2];
}

static void
test_published_ends (void)
{
  const guint8 (*viridis)[3] = darkmap_colormap_table (DARKMAP_COLORMAP_VIRIDIS);
  guint8 c[3];

  CHECK (rgb_hex (viridis[0]) == 0x440154);
  CHECK (rgb_hex (viridis[255]) == 0xfde725);
  darkmap_colormap_lookup (DARKMAP_COLORMAP_VIRIDIS, -3.0, c);
  CHECK (rgb_hex (c) == 0x440154);
  darkmap_colormap_lookup (DARKMAP_COLORMAP_VIRIDIS, 7.0, c);
  CHECK (rgb_hex (c) == 0xfde725);
  /* magma and inferno: matplotlib's end colours */
  CHECK (rgb_hex (darkmap_colormap_table (DARKMAP_COLORMAP_MAGMA)[0]) == 0x000004);
  CHECK (rgb_hex (darkmap_colormap_table (DARKMAP_COLORMAP_MAGMA)[255]) == 0xfcfdbf);
  CHECK (rgb_hex (darkmap_colormap_table (DARKMAP_COLORMAP_INFERNO)[0]) == 0x000004);
  CHECK (rgb_hex (darkmap_colormap_table (DARKMAP_COLORMAP_INFERNO)[255]) == 0xfcffa4);
  /* the diverging map: blue, near-white middle, red */
  {
    const guint8 (*rdbu)[3] = darkmap_colormap_table (DARKMAP_COLORMAP_RDBU);
    CHECK (rdbu[0][2] > rdbu[0][0]);
    CHECK (rdbu[255][0] > rdbu[255][2]);
    CHECK (rdbu[128][0] > 230 && rdbu[128][1] > 230 && rdbu[128][2] > 230);
  }
}

static void
test_names (void)
{
  for (int i = 0; i < DARKMAP_COLORMAP_COUNT; i++)
    {
      DarkmapColormap back = DARKMAP_COLORMAP_COUNT;
      CHECK (darkmap_colormap_from_name (darkmap_colormap_name ((DarkmapColormap) i), &back));
      CHECK ((int) back == i);
    }
  {
    DarkmapColormap c = DARKMAP_COLORMAP_MAGMA;
    CHECK (!darkmap_colormap_from_name ("jet", &c));
    CHECK (c == DARKMAP_COLORMAP_MAGMA);
  }
}

static void
test_grey_monotonic (void)
{
  guint8 prev[3] = { 0, 0, 0 };

  for (int i = 0; i <= 1000; i++)
    {
      guint8 c[3];
      darkmap_colormap_lookup (DARKMAP_COLORMAP_GREY, i / 1000.0, c);
      CHECK (c[0] == c[1] && c[1] == c[2]);
      CHECK (c[0] >= prev[0]);
      prev[0] = c[0];
    }
  CHECK (prev[0] == 255);
}

static void
test_stretches (void)
{
  DarkmapStretch linear = { DARKMAP_STRETCH_LINEAR, 0.0 };
  DarkmapStretch asinh_s = { DARKMAP_STRETCH_ASINH, 0.1 };
  double prev = -1.0;

  /* limits applied, clamped beyond them */
  CHECK (darkmap_stretch_apply (&linear, 2.0, 6.0, 2.0) == 0.0);
  CHECK (darkmap_stretch_apply (&linear, 2.0, 6.0, 6.0) == 1.0);
  CHECK (fabs (darkmap_stretch_apply (&linear, 2.0, 6.0, 3.0) - 0.25) < 1e-12);
  CHECK (darkmap_stretch_apply (&linear, 2.0, 6.0, -100.0) == 0.0);
  CHECK (darkmap_stretch_apply (&linear, 2.0, 6.0, 100.0) == 1.0);
  CHECK (isnan (darkmap_stretch_apply (&linear, 2.0, 6.0, NAN)));

  /* asinh: monotonic, odd, and stronger than linear near zero */
  for (int i = -500; i <= 500; i++)
    {
      double v = i / 100.0;
      double t = darkmap_stretch_apply (&asinh_s, -5.0, 5.0, v);
      double t_neg = darkmap_stretch_apply (&asinh_s, -5.0, 5.0, -v);
      CHECK (t > prev || (i == -500 && t == 0.0));
      CHECK (fabs (t + t_neg - 1.0) < 1e-12);
      prev = t;
    }
  CHECK (fabs (darkmap_stretch_apply (&asinh_s, -5.0, 5.0, 0.0) - 0.5) < 1e-12);
  CHECK (darkmap_stretch_apply (&asinh_s, -5.0, 5.0, 0.5)
         > darkmap_stretch_apply (&linear, -5.0, 5.0, 0.5) + 0.1);
  CHECK (darkmap_stretch_apply (&asinh_s, -5.0, 5.0, 5.0) == 1.0);
}

static void
test_limits (void)
{
  const float data[] = { NAN, -0.5f, 2.0f, INFINITY, 0.25f };
  const float none[] = { NAN, NAN };
  double lo = 0.0, hi = 0.0;

  CHECK (darkmap_colormap_limits (data, 5, FALSE, &lo, &hi));
  CHECK (lo == -0.5 && hi == 2.0);
  CHECK (darkmap_colormap_limits (data, 5, TRUE, &lo, &hi));
  CHECK (lo == -2.0 && hi == 2.0);
  CHECK (!darkmap_colormap_limits (none, 2, FALSE, &lo, &hi));
}

static void
test_render (void)
{
  const float data[6] = { 0.0f, 1.0f, NAN, 10.0f, -3.0f, 0.5f };
  const guint8 (*lut)[3] = darkmap_colormap_table (DARKMAP_COLORMAP_VIRIDIS);
  DarkmapStretch linear = { DARKMAP_STRETCH_LINEAR, 0.0 };
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 3, 2);
  unsigned char *p = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  const guint32 *row0 = (const guint32 *) (void *) p;
  const guint32 *row1 = (const guint32 *) (void *) (p + stride);

  darkmap_colormap_render (DARKMAP_COLORMAP_VIRIDIS, &linear, 0.0, 1.0, data, 3, 2, p, stride);
  cairo_surface_mark_dirty (s);
  CHECK (row0[0] == (0xff000000u | rgb_hex (lut[0])));
  CHECK (row0[1] == (0xff000000u | rgb_hex (lut[255])));
  CHECK ((row0[2] >> 24) == 0); /* NaN: transparent */
  CHECK (row1[0] == (0xff000000u | rgb_hex (lut[255]))); /* above hi */
  CHECK (row1[1] == (0xff000000u | rgb_hex (lut[0])));   /* below lo */
  CHECK (row1[2] == (0xff000000u | rgb_hex (lut[128])));
  CHECK (data[3] == 10.0f && data[4] == -3.0f); /* the data are left alone */
  cairo_surface_destroy (s);
}

static void
test_bar (void)
{
  DarkmapStretch linear = { DARKMAP_STRETCH_LINEAR, 0.0 };
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 80, 2560);
  cairo_t *cr = cairo_create (s);
  const guint8 (*lut)[3] = darkmap_colormap_table (DARKMAP_COLORMAP_MAGMA);
  unsigned char *p;
  int stride, text = 0;

  cairo_set_source_rgb (cr, 0, 0, 0);
  darkmap_colormap_draw_bar (cr, DARKMAP_COLORMAP_MAGMA, &linear, -0.05, 0.1, 0, 0, 16, 2560);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  p = cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s);
  /* 10 rows per entry: inside the frame, the top is the last colour and
   * the bottom the first */
  CHECK ((((const guint32 *) (void *) (p + 2 * stride))[8] & 0xffffff) == rgb_hex (lut[255]));
  CHECK ((((const guint32 *) (void *) (p + 2557 * stride))[8] & 0xffffff) == rgb_hex (lut[0]));
  /* tick labels right of the bar */
  for (int y = 0; y < 2560; y++)
    for (int x = 24; x < 80; x++)
      text += (((const guint32 *) (void *) (p + y * stride))[x] >> 24) > 128;
  CHECK (text > 50);
  cairo_surface_destroy (s);
}

int
main (void)
{
  test_published_ends ();
  test_names ();
  test_grey_monotonic ();
  test_stretches ();
  test_limits ();
  test_render ();
  test_bar ();
  return dm_test_result ();
}

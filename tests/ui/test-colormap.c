/* Colour maps and stretches: published end colours, monotonic grey and
 * asinh, symmetric asinh, limits, NaN transparent, a colour bar drawn, and
 * rendering and lookup byte for byte equal to a per-pixel reference on
 * random maps (NaN, ±inf, values beyond the limits, every stretch and map). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The reference: the stretch and the table entry worked out from their
 * definitions for one value at a time (t from the stretched value and
 * limits, clamped; entry lround (255 t)). */
static double
reference_forward (const DarkmapStretch *stretch, double v)
{
  return stretch->kind == DARKMAP_STRETCH_ASINH && stretch->softening > 0.0
           ? asinh (v / stretch->softening)
           : v;
}

static int
reference_index (double t)
{
  if (!(t > 0.0))
    return 0;
  if (t >= 1.0)
    return 255;
  return (int) lround (t * 255.0);
}

static int
reference_value_index (const DarkmapStretch *stretch, double lo, double hi, double v)
{
  double t;

  if (!(hi > lo))
    return reference_index (0.5);
  t = (reference_forward (stretch, v) - reference_forward (stretch, lo)) /
      (reference_forward (stretch, hi) - reference_forward (stretch, lo));
  return reference_index (t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t);
}

static void
reference_render (DarkmapColormap cmap, const DarkmapStretch *stretch, double lo, double hi,
                  const float *data, int nx, int ny, unsigned char *argb, int stride)
{
  const guint8 (*lut)[3] = darkmap_colormap_table (cmap);

  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++)
      {
        float v = data[(size_t) y * nx + x];
        guint32 pixel = 0;

        if (isfinite (v))
          pixel = 0xff000000u | rgb_hex (lut[reference_value_index (stretch, lo, hi, v)]);
        memcpy (argb + (size_t) y * stride + 4 * (size_t) x, &pixel, 4);
      }
}

/* A value drawn to hit every case: inside and beyond the limits, on them,
 * on the boundaries between table entries, and not finite. */
static float
random_value (GRand *rand, const DarkmapStretch *stretch, double lo, double hi)
{
  double span = hi > lo ? hi - lo : 1.0;

  switch (g_rand_int_range (rand, 0, 12))
    {
    case 0:
      return NAN;
    case 1:
      return g_rand_boolean (rand) ? INFINITY : -INFINITY;
    case 2:
      return g_rand_boolean (rand) ? (float) lo : (float) hi;
    case 3:
      return g_rand_boolean (rand) ? FLT_MAX : -FLT_MAX;
    case 4:
      return (float) g_rand_double_range (rand, -1e-6, 1e-6);
    case 5:
      {
        /* where t × 255 is about k + 1/2, and its float neighbours */
        double t = (g_rand_int_range (rand, 0, 255) + 0.5) / 255.0;
        float v;

        if (stretch->kind == DARKMAP_STRETCH_ASINH && stretch->softening > 0.0)
          {
            double flo = asinh (lo / stretch->softening), fhi = asinh (hi / stretch->softening);
            v = (float) (stretch->softening * sinh (flo + t * (fhi - flo)));
          }
        else
          v = (float) (lo + t * span);
        switch (g_rand_int_range (rand, 0, 3))
          {
          case 0:
            return nextafterf (v, -INFINITY);
          case 1:
            return nextafterf (v, INFINITY);
          default:
            return v;
          }
      }
    default:
      return (float) g_rand_double_range (rand, lo - span, hi + span);
    }
}

static void
test_render_matches_reference (void)
{
  static const DarkmapStretch stretches[] = {
    { DARKMAP_STRETCH_LINEAR, 0.0 },   { DARKMAP_STRETCH_ASINH, 1e-3 },
    { DARKMAP_STRETCH_ASINH, 0.05 },   { DARKMAP_STRETCH_ASINH, 1.0 },
    { DARKMAP_STRETCH_ASINH, 300.0 },  { DARKMAP_STRETCH_ASINH, 0.0 },
  };
  GRand *rand = g_rand_new_with_seed (20240611u);
  int mismatched = 0, cases = 0, placed = 0;

  for (int cmap = 0; cmap < DARKMAP_COLORMAP_COUNT; cmap++)
    for (size_t s = 0; s < G_N_ELEMENTS (stretches); s++)
      for (int trial = 0; trial < 8; trial++)
        {
          const DarkmapStretch *stretch = &stretches[s];
          int nx = g_rand_int_range (rand, 1, 97), ny = g_rand_int_range (rand, 1, 40);
          int stride = 4 * nx + 4 * g_rand_int_range (rand, 0, 3);
          size_t bytes = (size_t) stride * ny;
          float *data = g_new (float, (size_t) nx * ny);
          unsigned char *got = g_malloc (bytes), *want = g_malloc (bytes);
          double lo, hi;

          /* limits: ordinary, symmetric, tiny, equal and reversed */
          lo = g_rand_double_range (rand, -2.0, 1.0);
          hi = lo + pow (10.0, g_rand_double_range (rand, -4.0, 1.0));
          if (trial == 1)
            lo = -hi;
          else if (trial == 2)
            hi = lo;
          else if (trial == 3)
            {
              double swap = lo;
              lo = hi;
              hi = swap;
            }
          for (int i = 0; i < nx * ny; i++)
            data[i] = random_value (rand, stretch, lo, hi);
          /* the padding past each row is left alone by both */
          memset (got, 0xa5, bytes);
          memset (want, 0xa5, bytes);
          darkmap_colormap_render ((DarkmapColormap) cmap, stretch, lo, hi, data, nx, ny, got,
                                   stride);
          reference_render ((DarkmapColormap) cmap, stretch, lo, hi, data, nx, ny, want, stride);
          if (memcmp (got, want, bytes) != 0)
            {
              fprintf (stderr, "render differs: map %d, stretch %zu, limits %.17g %.17g\n", cmap,
                       s, lo, hi);
              mismatched++;
            }
          cases++;
          placed += nx * ny;
          g_free (data);
          g_free (got);
          g_free (want);
        }
  CHECK (mismatched == 0);
  CHECK (cases == DARKMAP_COLORMAP_COUNT * (int) G_N_ELEMENTS (stretches) * 8);
  CHECK (placed > 10000);
  g_rand_free (rand);
}

static void
test_lookup_matches_reference (void)
{
  GRand *rand = g_rand_new_with_seed (7u);

  for (int cmap = 0; cmap < DARKMAP_COLORMAP_COUNT; cmap++)
    {
      const guint8 (*lut)[3] = darkmap_colormap_table ((DarkmapColormap) cmap);

      for (int i = 0; i < 4000; i++)
        {
          /* on each half-way point between entries and either side of
           * it, then anywhere */
          double half = (i / 3 + 0.5) / 255.0, t;
          guint8 c[3];

          if (i >= 256 * 3)
            t = g_rand_double_range (rand, -0.5, 1.5);
          else
            t = i % 3 == 1 ? half : nextafter (half, i % 3 == 0 ? -INFINITY : INFINITY);
          darkmap_colormap_lookup ((DarkmapColormap) cmap, t, c);
          CHECK (rgb_hex (c) == rgb_hex (lut[reference_index (t)]));
        }
      for (int i = 0; i < 3; i++)
        {
          const double odd[3] = { NAN, -INFINITY, INFINITY };
          guint8 c[3];

          darkmap_colormap_lookup ((DarkmapColormap) cmap, odd[i], c);
          CHECK (rgb_hex (c) == rgb_hex (lut[i == 2 ? 255 : 0]));
        }
    }
  g_rand_free (rand);
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
  test_render_matches_reference ();
  test_lookup_matches_reference ();
  return dm_test_result ();
}

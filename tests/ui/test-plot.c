/* The plots' shared drawing (darkmap-plot.h), without a display: nice
 * steps (1, 2 or 5 times a power of ten, the nearest to span / ticks) and
 * the axes rounded out to them or to whole decades; the frame inside a
 * layout's margins; data to pixels and back on linear and logarithmic
 * axes, the plot's corners exact; which points can be drawn; grid lines on
 * whole pixels with the zero line darker; a band filled over each run of
 * two points or more and not across a point missing; the legend box in
 * the corner that hides the fewest points, top right first. */
#include <math.h>

#include "test-util.h"

#include "darkmap-plot.h"

#define WIDTH 300
#define HEIGHT 200

/* 10-pixel margins: the plot area is (10, 10)–(290, 190). */
static const DarkmapPlotLayout LAYOUT = { 10.0, 10.0, 10.0, 10.0, 14.0, 36.0, 16.0 };

static void
check_steps (void)
{
  DarkmapPlotAxis axis;

  CHECK (darkmap_plot_nice_step (1200.0, 5) == 200.0); /* 240: 2.4 → 2 */
  CHECK (darkmap_plot_nice_step (104.0, 5) == 20.0);   /* 20.8 */
  CHECK (darkmap_plot_nice_step (7.0, 5) == 1.0);      /* 1.4 */
  CHECK (darkmap_plot_nice_step (7.5, 5) == 2.0);      /* 1.5, the first 2 */
  CHECK (darkmap_plot_nice_step (17.5, 5) == 5.0);     /* 3.5, the first 5 */
  CHECK (darkmap_plot_nice_step (37.5, 5) == 10.0);    /* 7.5, the first 10 */
  CHECK_CLOSE (darkmap_plot_nice_step (0.45, 5), 0.1, 1e-15);

  darkmap_plot_axis_set_ticks (&axis, -52.0, 52.0, 5);
  CHECK (!axis.log && axis.step == 20.0 && axis.lo == -60.0 && axis.hi == 60.0);
  CHECK (axis.minor == 0.0 && !axis.mark_zero);
  darkmap_plot_axis_set_ticks (&axis, 0.0, 0.41, 5);
  CHECK_CLOSE (axis.step, 0.1, 1e-15);
  CHECK (axis.lo == 0.0);
  CHECK_CLOSE (axis.hi, 0.5, 1e-15);

  darkmap_plot_axis_set_decades (&axis, 3e-12, 2e-8);
  CHECK (axis.log && axis.lo == -12.0 && axis.hi == -7.0);
  darkmap_plot_axis_set_decades (&axis, 1e-3, 1e-3); /* one decade at least */
  CHECK (axis.lo == -3.0 && axis.hi == -2.0);
  darkmap_plot_axis_set_decades (&axis, INFINITY, -INFINITY); /* nothing: 1 to 10 */
  CHECK (axis.lo == 0.0 && axis.hi == 1.0);
}

static void
check_frame (void)
{
  DarkmapPlotFrame f;
  double vx, vy, x, y;

  /* 72 + 16 margins: 111 pixels leave a plot 23 wide, too narrow. */
  CHECK (!darkmap_plot_frame_init (&f, &darkmap_plot_page_layout, 111, 300));
  CHECK (!darkmap_plot_frame_init (&f, &darkmap_plot_page_layout, 400, 107));
  CHECK (darkmap_plot_frame_init (&f, &darkmap_plot_page_layout, 400, 300));
  CHECK (f.x0 == 72.0 && f.y0 == 40.0 && f.x1 == 384.0 && f.y1 == 256.0);

  /* ell-like along a log x axis over 10² to 10⁴, a linear y over [−1, 1]. */
  darkmap_plot_axis_set_decades (&f.x, 100.0, 1e4);
  f.y = (DarkmapPlotAxis) { .lo = -1.0, .hi = 1.0, .step = 0.5 };
  darkmap_plot_to_view (&f, 100.0, -1.0, &vx, &vy);
  CHECK (vx == f.x0 && vy == f.y1);
  darkmap_plot_to_view (&f, 1e4, 1.0, &vx, &vy);
  CHECK (vx == f.x1 && vy == f.y0);
  darkmap_plot_to_view (&f, 1e3, 0.0, &vx, &vy);
  CHECK_CLOSE (vx, (f.x0 + f.x1) / 2.0, 1e-12);
  CHECK_CLOSE (vy, (f.y0 + f.y1) / 2.0, 1e-12);
  for (double u = 0.05; u < 1.0; u += 0.1)
    {
      double ell = pow (10.0, 2.0 + 2.0 * u), value = -1.0 + 2.0 * (1.0 - u);

      darkmap_plot_to_view (&f, ell, value, &vx, &vy);
      darkmap_plot_from_view (&f, vx, vy, &x, &y);
      CHECK_CLOSE (x / ell, 1.0, 1e-12);
      CHECK_CLOSE (y, value, 1e-12);
      CHECK (darkmap_plot_contains (&f, vx, vy));
    }
  CHECK (!darkmap_plot_contains (&f, f.x0 - 0.5, f.y0));
  CHECK (!darkmap_plot_contains (&f, f.x1, f.y1 + 0.5));

  CHECK (darkmap_plot_drawable (&f, 1.0, 0.0));
  CHECK (!darkmap_plot_drawable (&f, 0.0, 0.0));  /* log x */
  CHECK (!darkmap_plot_drawable (&f, -1.0, 0.0));
  CHECK (!darkmap_plot_drawable (&f, INFINITY, 0.0));
  CHECK (!darkmap_plot_drawable (&f, 1.0, NAN));
}

/* A white drawing of WIDTH × HEIGHT and its frame: linear axes over
 * [0, 4] × [−1, 1]. */
static cairo_t *
new_drawing (DarkmapPlotFrame *f)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  darkmap_plot_draw_paper (cr, WIDTH, HEIGHT);
  CHECK (darkmap_plot_frame_init (f, &LAYOUT, WIDTH, HEIGHT));
  f->x = (DarkmapPlotAxis) { .lo = 0.0, .hi = 4.0, .step = 1.0 };
  f->y = (DarkmapPlotAxis) { .lo = -1.0, .hi = 1.0, .step = 0.5, .mark_zero = TRUE };
  return cr;
}

/* Channel c (0 blue, 1 green, 2 red) of pixel (x, y). */
static int
channel (cairo_t *cr, int x, int y, int c)
{
  cairo_surface_t *surface = cairo_get_target (cr);

  cairo_surface_flush (surface);
  return cairo_image_surface_get_data (surface)[y * cairo_image_surface_get_stride (surface)
                                                + 4 * x + c];
}

static void
check_grid (void)
{
  DarkmapPlotFrame f;
  cairo_t *cr = new_drawing (&f);
  double vx, vy;

  darkmap_plot_draw_axes (cr, &f, "x", "y");
  /* Grid lines fill the pixel row under value: 0.88 grey (225 of 255),
   * 0.6 (153) at zero. */
  darkmap_plot_to_view (&f, 2.5, 0.5, &vx, &vy);
  CHECK (channel (cr, (int) vx, (int) round (vy), 1) == 225);
  darkmap_plot_to_view (&f, 2.5, 0.0, &vx, &vy);
  CHECK (channel (cr, (int) vx, (int) round (vy), 1) == 153);
  /* And the column of x = 1; the paper between them stays white. */
  darkmap_plot_to_view (&f, 1.0, 0.25, &vx, &vy);
  CHECK (channel (cr, (int) round (vx), (int) vy, 1) == 225);
  CHECK (channel (cr, (int) round (vx) + 3, (int) vy, 1) == 255);
  cairo_destroy (cr);
}

static void
check_band (void)
{
  static const double BLUE[3] = { 0.0, 0.0, 1.0 };
  const double x[6] = { 0.0, 0.8, 1.6, 2.4, 3.2, 4.0 };
  const double lo[6] = { -0.5, -0.5, -0.5, NAN, -0.5, -0.5 };
  const double hi[6] = { 0.5, 0.5, 0.5, 0.5, 0.5, INFINITY };
  DarkmapPlotFrame f;
  cairo_t *cr = new_drawing (&f);
  double vx, vy;

  darkmap_plot_fill_band (cr, &f, 6, x, lo, hi, BLUE);
  /* Inside the run of points 0 to 2: a quarter blue over white. */
  darkmap_plot_to_view (&f, 1.2, 0.0, &vx, &vy);
  CHECK (channel (cr, (int) vx, (int) vy, 0) == 255);
  CHECK_CLOSE (channel (cr, (int) vx, (int) vy, 2), 255 * (1.0 - DARKMAP_PLOT_BAND_ALPHA), 1.0);
  /* Nothing across point 3 (no lower edge), nor after it: point 4 alone
   * is no run, point 5 has no upper edge. */
  darkmap_plot_to_view (&f, 2.0, 0.0, &vx, &vy);
  CHECK (channel (cr, (int) vx, (int) vy, 2) == 255);
  darkmap_plot_to_view (&f, 3.6, 0.0, &vx, &vy);
  CHECK (channel (cr, (int) vx, (int) vy, 2) == 255);
  cairo_destroy (cr);
}

/* The points of a plot: n (x, y) pairs. */
typedef struct
{
  int n;
  const double *xy;
} Points;

static void
visit_points (gpointer plot, DarkmapPlotPointFunc func, gpointer data)
{
  const Points *points = plot;

  for (int i = 0; i < points->n; i++)
    func (points->xy[2 * i], points->xy[2 * i + 1], data);
}

/* Draws a one-entry legend box for the points and finds its key (pure
 * blue): FALSE without one, else its left and top pixels. */
static gboolean
find_legend (const Points *points, int *left, int *top)
{
  static const double BLUE[3] = { 0.0, 0.0, 1.0 };
  const DarkmapPlotEntry entry = { "a", DARKMAP_PLOT_KEY_LINE, BLUE, NULL };
  DarkmapPlotFrame f;
  cairo_t *cr = new_drawing (&f);

  darkmap_plot_draw_legend_box (cr, &f, &entry, 1, visit_points, (gpointer) points);
  *left = *top = -1;
  for (int y = 0; y < HEIGHT && *left < 0; y++)
    for (int x = 0; x < WIDTH && *left < 0; x++)
      if (channel (cr, x, y, 0) == 255 && channel (cr, x, y, 2) == 0)
        {
          *left = x;
          *top = y;
        }
  cairo_destroy (cr);
  return *left >= 0;
}

static void
check_legend_corner (void)
{
  /* Data corners: (0, 1) is the plot's top left, (4, −1) its bottom right;
   * a box 4 pixels in from a corner covers (0.1, 0.9) from it. */
  const double none[2] = { 2.0, 0.0 };
  const double top_right[4] = { 3.9, 0.9, 3.8, 0.85 };
  const double top[6] = { 3.9, 0.9, 0.1, 0.9, 0.2, 0.85 };
  const double all_but_bottom_left[6] = { 3.9, 0.9, 0.1, 0.9, 3.9, -0.9 };
  const double crowded_bottom_left[14] = { 3.9, 0.9,  0.1, 0.9,  3.9, -0.9, 0.1,
                                           -0.9, 0.2, -0.8, 0.2, -0.9, 0.1, -0.8 };
  Points points;
  int left, top_y;

  points = (Points) { 1, none };
  CHECK (find_legend (&points, &left, &top_y) && left > WIDTH / 2 && top_y < HEIGHT / 2);
  points = (Points) { 2, top_right };
  CHECK (find_legend (&points, &left, &top_y) && left < WIDTH / 2 && top_y < HEIGHT / 2);
  points = (Points) { 3, top };
  CHECK (find_legend (&points, &left, &top_y) && left > WIDTH / 2 && top_y > HEIGHT / 2);
  points = (Points) { 3, all_but_bottom_left };
  CHECK (find_legend (&points, &left, &top_y) && left < WIDTH / 2 && top_y > HEIGHT / 2);
  /* Every corner hides one point but the bottom left, which hides 4: the
   * first with the fewest, top right. */
  points = (Points) { 7, crowded_bottom_left };
  CHECK (find_legend (&points, &left, &top_y) && left > WIDTH / 2 && top_y < HEIGHT / 2);
}

int
main (void)
{
  check_steps ();
  check_frame ();
  check_grid ();
  check_band ();
  check_legend_corner ();
  return dm_test_result ();
}

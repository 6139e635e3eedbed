/* The cairo plots' shared drawing: frame, axes, curves, bands, legends and
 * the pointer. */
#include "darkmap-plot.h"

#include <math.h>

#define MIN_PLOT 24.0
#define FONT_SIZE 11.0
#define EXPONENT_FONT_SIZE 8.0
#define ABOVE_FONT_SIZE 12.0
#define MAJOR_TICK 7.0
#define MINOR_TICK 3.5
#define LABEL_GAP 6.0     /* between the y ticks' labels and the plot */
#define ABOVE_GAP 14.0    /* the readout's baseline above the plot */
#define LEGEND_LINE 16.0  /* the legend's line spacing */
#define LEGEND_INSET 8.0  /* the column legend's right edge, inside the plot */
#define LEGEND_PAD 8.0    /* inside the legend box */
#define LEGEND_MARGIN 4.0 /* between the legend box and the plot's edges */
#define KEY_WIDTH 22.0
#define KEY_GAP 8.0       /* between a key and its name */

static const double INK[3] = { 0.13, 0.13, 0.13 };
static const double GRID[3] = { 0.88, 0.88, 0.88 };
static const double ZERO_LINE[3] = { 0.6, 0.6, 0.6 };
static const double NOTE[3] = { 0.4, 0.4, 0.4 };
static const double POINTER_DASH[2] = { 4.0, 3.0 };

const DarkmapPlotLayout darkmap_plot_page_layout = {
  DARKMAP_PLOT_PAGE_MARGIN_LEFT, DARKMAP_PLOT_PAGE_MARGIN_RIGHT, DARKMAP_PLOT_PAGE_MARGIN_TOP,
  DARKMAP_PLOT_PAGE_MARGIN_BOTTOM, 14.0, 36.0, 16.0
};

/* Frame */

gboolean
darkmap_plot_frame_init (DarkmapPlotFrame *frame, const DarkmapPlotLayout *layout, int width,
                         int height)
{
  *frame = (DarkmapPlotFrame) {
    .layout = layout,
    .x0 = layout->left,
    .y0 = layout->top,
    .x1 = width - layout->right,
    .y1 = height - layout->bottom,
    .x = { .lo = 0.0, .hi = 1.0, .step = 1.0 },
    .y = { .lo = 0.0, .hi = 1.0, .step = 1.0 },
  };
  return frame->x1 - frame->x0 >= MIN_PLOT && frame->y1 - frame->y0 >= MIN_PLOT;
}

void
darkmap_plot_axis_set_decades (DarkmapPlotAxis *axis, double lo, double hi)
{
  if (!(lo <= hi))
    lo = hi = 1.0;
  *axis = (DarkmapPlotAxis) { .log = TRUE, .lo = floor (log10 (lo)), .hi = ceil (log10 (hi)) };
  if (axis->hi <= axis->lo)
    axis->hi = axis->lo + 1.0;
}

double
darkmap_plot_nice_step (double span, int ticks)
{
  double raw = span / ticks;
  double decade = pow (10.0, floor (log10 (raw)));
  double f = raw / decade;

  return decade * (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0);
}

void
darkmap_plot_axis_set_ticks (DarkmapPlotAxis *axis, double lo, double hi, int ticks)
{
  double step = darkmap_plot_nice_step (hi - lo, ticks);

  *axis = (DarkmapPlotAxis) {
    .lo = floor (lo / step) * step,
    .hi = ceil (hi / step) * step,
    .step = step,
  };
}

/* A value in the axis' units (log10 on a logarithmic axis). */
static double
axis_units (const DarkmapPlotAxis *axis, double value)
{
  return axis->log ? log10 (value) : value;
}

/* The position of v, in the axis' units, along the x or the y axis. */
static double
axis_to_view (const DarkmapPlotFrame *frame, gboolean x_axis, double v)
{
  if (x_axis)
    return frame->x0 + (frame->x1 - frame->x0) * (v - frame->x.lo) / (frame->x.hi - frame->x.lo);
  return frame->y1 - (frame->y1 - frame->y0) * (v - frame->y.lo) / (frame->y.hi - frame->y.lo);
}

gboolean
darkmap_plot_drawable (const DarkmapPlotFrame *frame, double x, double y)
{
  return isfinite (x) && isfinite (y) && (!frame->x.log || x > 0.0)
         && (!frame->y.log || y > 0.0);
}

void
darkmap_plot_to_view (const DarkmapPlotFrame *frame, double x, double y, double *vx, double *vy)
{
  *vx = axis_to_view (frame, TRUE, axis_units (&frame->x, x));
  *vy = axis_to_view (frame, FALSE, axis_units (&frame->y, y));
}

void
darkmap_plot_from_view (const DarkmapPlotFrame *frame, double vx, double vy, double *x, double *y)
{
  double u = frame->x.lo + (vx - frame->x0) / (frame->x1 - frame->x0) * (frame->x.hi - frame->x.lo);
  double v = frame->y.lo + (frame->y1 - vy) / (frame->y1 - frame->y0) * (frame->y.hi - frame->y.lo);

  *x = frame->x.log ? pow (10.0, u) : u;
  *y = frame->y.log ? pow (10.0, v) : v;
}

gboolean
darkmap_plot_contains (const DarkmapPlotFrame *frame, double vx, double vy)
{
  return vx >= frame->x0 && vx <= frame->x1 && vy >= frame->y0 && vy <= frame->y1;
}

/* Paper, ink and pens */

void
darkmap_plot_draw_paper (cairo_t *cr, int width, int height)
{
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_fill (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
}

static void
set_colour (cairo_t *cr, const double colour[3])
{
  cairo_set_source_rgb (cr, colour[0], colour[1], colour[2]);
}

void
darkmap_plot_set_pen (cairo_t *cr, const double colour[3], double width, const double dash[2])
{
  set_colour (cr, colour);
  cairo_set_line_width (cr, width);
  cairo_set_dash (cr, dash, dash != NULL ? 2 : 0, 0.0);
}

/* Axes */

/* text with its left end (align 0), middle (0.5) or right end (1) at x and
 * its middle at y. */
static void
show_text_at (cairo_t *cr, const char *text, double x, double y, double align)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  cairo_move_to (cr, x - align * ext.x_advance, y + ext.height / 2.0);
  cairo_show_text (cr, text);
}

/* "10" with the exponent raised, placed as show_text_at places text. */
static void
draw_power_of_ten (cairo_t *cr, int exponent, double x, double y, double align)
{
  char exp_text[16];
  cairo_text_extents_t base, sup;

  g_snprintf (exp_text, sizeof exp_text, "%d", exponent);
  cairo_text_extents (cr, "10", &base);
  cairo_set_font_size (cr, EXPONENT_FONT_SIZE);
  cairo_text_extents (cr, exp_text, &sup);
  x -= align * (base.x_advance + sup.x_advance);
  cairo_set_font_size (cr, FONT_SIZE);
  cairo_move_to (cr, x, y + base.height / 2.0);
  cairo_show_text (cr, "10");
  cairo_set_font_size (cr, EXPONENT_FONT_SIZE);
  cairo_move_to (cr, x + base.x_advance, y - base.height / 2.0 + sup.height / 2.0);
  cairo_show_text (cr, exp_text);
  cairo_set_font_size (cr, FONT_SIZE);
}

/* A linear tick's label: value rounded to the step, with a true minus. */
static char *
tick_label (double value, double step)
{
  double rounded = round (value / step) * step;

  if (fabs (rounded) < 1e-9 * step)
    return g_strdup ("0");
  if (rounded < 0.0)
    return g_strdup_printf ("−%.10g", -rounded);
  return g_strdup_printf ("%.10g", rounded);
}

/* A tick at v (the axis' units) of length along the x or the y axis, with
 * a grid line across the plot in grid (NULL: none) and label (NULL: none)
 * or, for a power of ten, exponent. */
static void
draw_tick (cairo_t *cr, const DarkmapPlotFrame *frame, gboolean x_axis, double v, double length,
           const double *grid, const char *label, const int *exponent)
{
  double pos = round (axis_to_view (frame, x_axis, v)) + 0.5;
  double label_x = x_axis ? pos : frame->x0 - LABEL_GAP;
  double label_y = x_axis ? frame->y1 + frame->layout->x_labels : pos;
  double align = x_axis ? 0.5 : 1.0;

  if (grid != NULL)
    {
      set_colour (cr, grid);
      cairo_move_to (cr, x_axis ? pos : frame->x0, x_axis ? frame->y0 : pos);
      cairo_line_to (cr, x_axis ? pos : frame->x1, x_axis ? frame->y1 : pos);
      cairo_stroke (cr);
    }
  set_colour (cr, INK);
  cairo_move_to (cr, x_axis ? pos : frame->x0, x_axis ? frame->y1 : pos);
  cairo_line_to (cr, x_axis ? pos : frame->x0 + length, x_axis ? frame->y1 - length : pos);
  cairo_stroke (cr);
  if (label != NULL)
    show_text_at (cr, label, label_x, label_y, align);
  else if (exponent != NULL)
    draw_power_of_ten (cr, *exponent, label_x, label_y, align);
}

/* Each power of ten of the axis, and its multiples 2 to 9 below the top. */
static void
draw_decades (cairo_t *cr, const DarkmapPlotFrame *frame, gboolean x_axis)
{
  const DarkmapPlotAxis *axis = x_axis ? &frame->x : &frame->y;

  for (int k = (int) axis->lo; k <= (int) axis->hi; k++)
    for (int m = 1; m <= 9 && (m == 1 || k < (int) axis->hi); m++)
      {
        if (m == 1)
          draw_tick (cr, frame, x_axis, k, MAJOR_TICK, GRID, NULL, &k);
        else
          draw_tick (cr, frame, x_axis, log10 (m) + k, MINOR_TICK, NULL, NULL, NULL);
      }
}

/* The multiples of the axis' minor spacing (else its step) inside it,
 * those of its step labelled. */
static void
draw_linear_ticks (cairo_t *cr, const DarkmapPlotFrame *frame, gboolean x_axis)
{
  const DarkmapPlotAxis *axis = x_axis ? &frame->x : &frame->y;
  double spacing = axis->minor > 0.0 ? axis->minor : axis->step;
  long first = lround (ceil (axis->lo / spacing - 1e-9));
  long last = lround (floor (axis->hi / spacing + 1e-9));

  for (long i = first; i <= last; i++)
    {
      double v = i * spacing;
      gboolean labelled = fabs (v / axis->step - round (v / axis->step)) < 1e-9;
      gboolean zero = axis->mark_zero && fabs (v) < 1e-9 * axis->step;
      g_autofree char *label = labelled ? tick_label (v, axis->step) : NULL;

      draw_tick (cr, frame, x_axis, v, labelled ? MAJOR_TICK : MINOR_TICK,
                 !labelled ? NULL : zero ? ZERO_LINE : GRID, label, NULL);
    }
}

void
darkmap_plot_draw_axes (cairo_t *cr, const DarkmapPlotFrame *frame, const char *x_title,
                        const char *y_title)
{
  cairo_text_extents_t ext;

  cairo_set_line_width (cr, 1.0);
  cairo_set_dash (cr, NULL, 0, 0.0);
  cairo_set_font_size (cr, FONT_SIZE);
  for (int x_axis = TRUE; x_axis >= FALSE; x_axis--)
    {
      if ((x_axis ? &frame->x : &frame->y)->log)
        draw_decades (cr, frame, x_axis);
      else
        draw_linear_ticks (cr, frame, x_axis);
    }
  set_colour (cr, INK);
  cairo_rectangle (cr, frame->x0 + 0.5, frame->y0 + 0.5, frame->x1 - frame->x0 - 1.0,
                   frame->y1 - frame->y0 - 1.0);
  cairo_stroke (cr);

  cairo_text_extents (cr, x_title, &ext);
  cairo_move_to (cr, (frame->x0 + frame->x1 - ext.x_advance) / 2.0,
                 frame->y1 + frame->layout->x_title);
  cairo_show_text (cr, x_title);
  cairo_text_extents (cr, y_title, &ext);
  cairo_save (cr);
  cairo_move_to (cr, frame->layout->y_title, (frame->y0 + frame->y1 + ext.x_advance) / 2.0);
  cairo_rotate (cr, -G_PI / 2.0);
  cairo_show_text (cr, y_title);
  cairo_restore (cr);
}

void
darkmap_plot_render (cairo_t *cr, int width, int height, const DarkmapPlotFrame *frame,
                     const char *x_title, const char *y_title, DarkmapPlotDrawFunc draw_data,
                     DarkmapPlotDrawFunc draw_over, gpointer plot)
{
  cairo_save (cr);
  darkmap_plot_draw_paper (cr, width, height);
  if (frame != NULL)
    {
      darkmap_plot_draw_axes (cr, frame, x_title, y_title);
      cairo_save (cr);
      cairo_rectangle (cr, frame->x0, frame->y0, frame->x1 - frame->x0, frame->y1 - frame->y0);
      cairo_clip (cr);
      draw_data (plot, frame, cr);
      cairo_restore (cr);
      draw_over (plot, frame, cr);
    }
  cairo_restore (cr);
}

/* Curves, markers and bands */

void
darkmap_plot_trace (cairo_t *cr, const DarkmapPlotFrame *frame, double x, double y,
                    gboolean *pen_down)
{
  double vx, vy;

  if (!darkmap_plot_drawable (frame, x, y))
    {
      *pen_down = FALSE;
      return;
    }
  darkmap_plot_to_view (frame, x, y, &vx, &vy);
  if (*pen_down)
    cairo_line_to (cr, vx, vy);
  else
    cairo_move_to (cr, vx, vy);
  *pen_down = TRUE;
}

void
darkmap_plot_draw_line (cairo_t *cr, const DarkmapPlotFrame *frame, int n, const double *x,
                        const double *y)
{
  gboolean pen_down = FALSE;

  cairo_new_path (cr);
  for (int i = 0; i < n; i++)
    darkmap_plot_trace (cr, frame, x[i], y[i], &pen_down);
  cairo_stroke (cr);
}

void
darkmap_plot_draw_marker (cairo_t *cr, DarkmapPlotKey marker, double vx, double vy)
{
  if (marker == DARKMAP_PLOT_KEY_CIRCLE)
    cairo_arc (cr, vx, vy, 3.0, 0.0, 2.0 * G_PI);
  else
    cairo_rectangle (cr, vx - 2.5, vy - 2.5, 5.0, 5.0);
  cairo_fill (cr);
}

void
darkmap_plot_draw_markers (cairo_t *cr, const DarkmapPlotFrame *frame, DarkmapPlotKey marker,
                           int n, const double *x, const double *y)
{
  double vx, vy;

  for (int i = 0; i < n; i++)
    if (darkmap_plot_drawable (frame, x[i], y[i]))
      {
        darkmap_plot_to_view (frame, x[i], y[i], &vx, &vy);
        darkmap_plot_draw_marker (cr, marker, vx, vy);
      }
}

void
darkmap_plot_fill_band (cairo_t *cr, const DarkmapPlotFrame *frame, int n, const double *x,
                        const double *lo, const double *hi, const double colour[3])
{
  double vx, vy;

  cairo_set_source_rgba (cr, colour[0], colour[1], colour[2], DARKMAP_PLOT_BAND_ALPHA);
  for (int first = 0; first < n;)
    {
      int last = first;

      while (last < n && darkmap_plot_drawable (frame, x[last], lo[last])
             && darkmap_plot_drawable (frame, x[last], hi[last]))
        last++;
      if (last - first >= 2)
        {
          cairo_new_path (cr);
          for (int i = first; i < last; i++)
            {
              darkmap_plot_to_view (frame, x[i], hi[i], &vx, &vy);
              cairo_line_to (cr, vx, vy);
            }
          for (int i = last - 1; i >= first; i--)
            {
              darkmap_plot_to_view (frame, x[i], lo[i], &vx, &vy);
              cairo_line_to (cr, vx, vy);
            }
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      first = last + 1;
    }
}

/* Legends */

/* An entry's key from key_x0 to the right and its name after it, on the
 * line of baseline y. */
static void
draw_entry (cairo_t *cr, const DarkmapPlotEntry *e, double key_x0, double y)
{
  double key_x1 = key_x0 + KEY_WIDTH;

  if (e->key == DARKMAP_PLOT_KEY_BAND)
    {
      cairo_set_source_rgba (cr, e->colour[0], e->colour[1], e->colour[2],
                             DARKMAP_PLOT_BAND_ALPHA);
      cairo_rectangle (cr, key_x0, y - 9.0, KEY_WIDTH, 10.0);
      cairo_fill (cr);
    }
  else if (e->key != DARKMAP_PLOT_KEY_NONE)
    {
      darkmap_plot_set_pen (cr, e->colour, 2.0, e->dash);
      cairo_move_to (cr, key_x0, y - 4.0);
      cairo_line_to (cr, key_x1, y - 4.0);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0.0);
      if (e->key != DARKMAP_PLOT_KEY_LINE)
        darkmap_plot_draw_marker (cr, e->key, (key_x0 + key_x1) / 2.0, y - 4.0);
    }
  set_colour (cr, INK);
  cairo_move_to (cr, key_x1 + KEY_GAP, y);
  cairo_show_text (cr, e->name);
}

void
darkmap_plot_draw_legend (cairo_t *cr, const DarkmapPlotFrame *frame,
                          const DarkmapPlotEntry *entries, int n)
{
  double y = frame->y0 + LEGEND_LINE;

  cairo_set_font_size (cr, FONT_SIZE);
  for (int i = 0; i < n; i++)
    {
      cairo_text_extents_t ext;

      cairo_text_extents (cr, entries[i].name, &ext);
      draw_entry (cr, &entries[i],
                  frame->x1 - LEGEND_INSET - ext.x_advance - KEY_GAP - KEY_WIDTH, y);
      y += LEGEND_LINE;
    }
}

/* A candidate box for the legend and the points it would hide. */
typedef struct
{
  const DarkmapPlotFrame *frame;
  double x0, y0, x1, y1;
  int hidden;
} Corner;

static void
count_hidden (double x, double y, gpointer data)
{
  Corner *c = data;
  double vx, vy;

  if (!darkmap_plot_drawable (c->frame, x, y))
    return;
  darkmap_plot_to_view (c->frame, x, y, &vx, &vy);
  if (vx >= c->x0 && vx <= c->x1 && vy >= c->y0 && vy <= c->y1)
    c->hidden++;
}

void
darkmap_plot_draw_legend_box (cairo_t *cr, const DarkmapPlotFrame *frame,
                              const DarkmapPlotEntry *entries, int n,
                              DarkmapPlotForEachPoint for_each_point, gpointer plot)
{
  Corner best = { 0 };
  double box_w = 0.0, box_h = n * LEGEND_LINE + LEGEND_PAD;

  if (n == 0)
    return;
  cairo_set_font_size (cr, FONT_SIZE);
  for (int i = 0; i < n; i++)
    {
      cairo_text_extents_t ext;

      cairo_text_extents (cr, entries[i].name, &ext);
      box_w = fmax (box_w, ext.x_advance + KEY_WIDTH + KEY_GAP + 2.0 * LEGEND_PAD);
    }
  for (int corner = 0; corner < 4; corner++)
    {
      Corner c = { frame, 0.0, 0.0, 0.0, 0.0, 0 };

      c.x0 = corner % 2 == 0 ? frame->x1 - LEGEND_MARGIN - box_w : frame->x0 + LEGEND_MARGIN;
      c.y0 = corner < 2 ? frame->y0 + LEGEND_MARGIN : frame->y1 - LEGEND_MARGIN - box_h;
      c.x1 = c.x0 + box_w;
      c.y1 = c.y0 + box_h;
      for_each_point (plot, count_hidden, &c);
      if (corner == 0 || c.hidden < best.hidden)
        best = c;
    }
  cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 0.85);
  cairo_rectangle (cr, best.x0, best.y0, box_w, box_h);
  cairo_fill (cr);
  for (int i = 0; i < n; i++)
    draw_entry (cr, &entries[i], best.x0 + LEGEND_PAD, best.y0 + (i + 1) * LEGEND_LINE);
}

/* The pointer and the line above the plot */

static void
show_above (cairo_t *cr, const DarkmapPlotFrame *frame, const double colour[3], const char *text)
{
  set_colour (cr, colour);
  cairo_set_font_size (cr, ABOVE_FONT_SIZE);
  cairo_move_to (cr, frame->x0, frame->y0 - ABOVE_GAP);
  cairo_show_text (cr, text);
}

void
darkmap_plot_draw_pointer (cairo_t *cr, const DarkmapPlotFrame *frame, double vx, double vy,
                           const char *readout)
{
  cairo_set_source_rgba (cr, 0.3, 0.3, 0.3, 0.6);
  cairo_set_line_width (cr, 1.0);
  cairo_set_dash (cr, POINTER_DASH, 2, 0.0);
  cairo_move_to (cr, round (vx) + 0.5, frame->y0);
  cairo_line_to (cr, round (vx) + 0.5, frame->y1);
  cairo_move_to (cr, frame->x0, round (vy) + 0.5);
  cairo_line_to (cr, frame->x1, round (vy) + 0.5);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
  show_above (cr, frame, INK, readout);
}

void
darkmap_plot_draw_note (cairo_t *cr, const DarkmapPlotFrame *frame, const char *text)
{
  show_above (cr, frame, NOTE, text);
}

/* The widget */

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, DarkmapPlotPointer *pointer)
{
  pointer->in = TRUE;
  pointer->x = x;
  pointer->y = y;
  gtk_widget_queue_draw (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));
}

static void
on_leave (GtkEventControllerMotion *controller, DarkmapPlotPointer *pointer)
{
  pointer->in = FALSE;
  gtk_widget_queue_draw (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));
}

void
darkmap_plot_track_pointer (GtkWidget *widget, DarkmapPlotPointer *pointer)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), pointer);
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), pointer);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), pointer);
  gtk_widget_add_controller (widget, motion);
}

void
darkmap_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                      int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 180;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 480;
}

/* DarkmapTrainPlot: curves against training steps, with cairo. */
#include "darkmap-train-plot.h"

#include <math.h>

#include <glib/gi18n.h>

#define MARGIN_LEFT 62.0
#define MARGIN_RIGHT 14.0
#define MARGIN_TOP 12.0
#define MARGIN_BOTTOM 42.0
#define MIN_PLOT 24.0
#define TARGET_TICKS 5

static const double INK[3] = { 0.13, 0.13, 0.13 };
static const double GRID[3] = { 0.88, 0.88, 0.88 };
static const double REFERENCE[3] = { 0.45, 0.45, 0.45 };

typedef struct
{
  char *name;
  double colour[3];
  DarkmapTrainPlotStyle style;
  GArray *steps, *values;        /* of double, parallel */
} Series;

struct _DarkmapTrainPlot
{
  GtkDrawingArea parent_instance;

  char *value_title;
  gboolean log_scale;
  GPtrArray *series;             /* of Series, owned */
  double total_steps;            /* 0: from the points */
  double reference;              /* NaN: none */
  char *reference_name;
};

G_DEFINE_FINAL_TYPE (DarkmapTrainPlot, darkmap_train_plot, GTK_TYPE_DRAWING_AREA)

static void
series_free (gpointer data)
{
  Series *s = data;

  g_free (s->name);
  g_array_unref (s->steps);
  g_array_unref (s->values);
  g_free (s);
}

/* The plot area and the axes' ranges (value range in log10 units on a log
 * axis). */
typedef struct
{
  double x0, y0, x1, y1;         /* left, top, right, bottom */
  double step_hi;
  double lo, hi;
} Frame;

/* Whether a value can be drawn on the value axis. */
static gboolean
drawable (DarkmapTrainPlot *self, double value)
{
  return isfinite (value) && (!self->log_scale || value > 0.0);
}

/* A "nice" tick spacing (1, 2 or 5 × 10^k) giving about TARGET_TICKS ticks
 * over span. */
static double
tick_spacing (double span)
{
  double raw = span / TARGET_TICKS;
  double decade = pow (10.0, floor (log10 (raw)));
  double f = raw / decade;

  return decade * (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0);
}

static gboolean
get_frame (DarkmapTrainPlot *self, int width, int height, Frame *f)
{
  double lo = INFINITY, hi = -INFINITY;

  f->x0 = MARGIN_LEFT;
  f->y0 = MARGIN_TOP;
  f->x1 = width - MARGIN_RIGHT;
  f->y1 = height - MARGIN_BOTTOM;
  if (f->x1 - f->x0 < MIN_PLOT || f->y1 - f->y0 < MIN_PLOT)
    return FALSE;

  f->step_hi = self->total_steps;
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      for (guint k = 0; k < s->values->len; k++)
        {
          double v = g_array_index (s->values, double, k);

          f->step_hi = fmax (f->step_hi, g_array_index (s->steps, double, k));
          if (drawable (self, v))
            {
              lo = fmin (lo, v);
              hi = fmax (hi, v);
            }
        }
    }
  if (drawable (self, self->reference))
    {
      lo = fmin (lo, self->reference);
      hi = fmax (hi, self->reference);
    }
  if (!(f->step_hi > 0.0))
    f->step_hi = 1.0;
  if (self->log_scale)
    {
      if (!(lo <= hi))
        lo = hi = 1.0;
      f->lo = floor (log10 (lo));
      f->hi = ceil (log10 (hi));
      if (f->hi <= f->lo)
        f->hi = f->lo + 1.0;
    }
  else
    {
      double pad, spacing;

      if (!(lo <= hi))
        lo = 0.0, hi = 1.0;
      pad = hi > lo ? 0.05 * (hi - lo) : fmax (0.1 * fabs (hi), 0.1);
      spacing = tick_spacing (hi - lo + 2.0 * pad);
      f->lo = floor ((lo - pad) / spacing) * spacing;
      f->hi = ceil ((hi + pad) / spacing) * spacing;
    }
  return TRUE;
}

static double
to_x (const Frame *f, double step)
{
  return f->x0 + (f->x1 - f->x0) * step / f->step_hi;
}

/* The vertical position of value (already in log10 units on a log axis). */
static double
to_y (const Frame *f, double v)
{
  return f->y1 - (f->y1 - f->y0) * (v - f->lo) / (f->hi - f->lo);
}

static double
axis_value (DarkmapTrainPlot *self, double value)
{
  return self->log_scale ? log10 (value) : value;
}

static void
set_colour (cairo_t *cr, const double colour[3])
{
  cairo_set_source_rgb (cr, colour[0], colour[1], colour[2]);
}

/* text with its right end (align 1), middle (0.5) or left end (0) at x, its
 * middle at y. */
static void
show_text_at (cairo_t *cr, const char *text, double x, double y, double align)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  cairo_move_to (cr, x - align * ext.x_advance, y + ext.height / 2.0);
  cairo_show_text (cr, text);
}

/* "10" with the exponent raised, right-aligned at x, its middle at y. */
static void
draw_power_of_ten (cairo_t *cr, int exponent, double x, double y)
{
  char exp_text[16];
  cairo_text_extents_t base, sup;

  g_snprintf (exp_text, sizeof exp_text, "%d", exponent);
  cairo_set_font_size (cr, 11.0);
  cairo_text_extents (cr, "10", &base);
  cairo_set_font_size (cr, 8.0);
  cairo_text_extents (cr, exp_text, &sup);
  x -= base.x_advance + sup.x_advance;
  cairo_set_font_size (cr, 11.0);
  cairo_move_to (cr, x, y + base.height / 2.0);
  cairo_show_text (cr, "10");
  cairo_set_font_size (cr, 8.0);
  cairo_move_to (cr, x + base.x_advance, y - base.height / 2.0 + sup.height / 2.0);
  cairo_show_text (cr, exp_text);
  cairo_set_font_size (cr, 11.0);
}

static void
grid_line (cairo_t *cr, double x0, double y0, double x1, double y1)
{
  set_colour (cr, GRID);
  cairo_move_to (cr, x0, y0);
  cairo_line_to (cr, x1, y1);
  cairo_stroke (cr);
}

static void
draw_axes (DarkmapTrainPlot *self, const Frame *f, cairo_t *cr)
{
  double spacing = fmax (tick_spacing (f->step_hi), 1.0);
  const char *step_title = _("step");
  cairo_text_extents_t ext;

  cairo_set_line_width (cr, 1.0);
  cairo_set_font_size (cr, 11.0);
  /* Steps: linear, whole numbers. */
  for (long i = 0; i * spacing <= f->step_hi * (1.0 + 1e-9); i++)
    {
      double step = i * spacing;
      double x = round (to_x (f, step)) + 0.5;
      char label[32];

      grid_line (cr, x, f->y0, x, f->y1);
      set_colour (cr, INK);
      cairo_move_to (cr, x, f->y1);
      cairo_line_to (cr, x, f->y1 - 6.0);
      cairo_stroke (cr);
      g_snprintf (label, sizeof label, "%.0f", step);
      show_text_at (cr, label, x, f->y1 + 12.0, 0.5);
    }
  /* Values: decades with their minor ticks, or nice linear ticks. */
  if (self->log_scale)
    for (int k = (int) f->lo; k <= (int) f->hi; k++)
      for (int m = 1; m <= 9 && (m == 1 || k < (int) f->hi); m++)
        {
          double y = round (to_y (f, log10 (m) + k)) + 0.5;

          if (m == 1)
            grid_line (cr, f->x0, y, f->x1, y);
          set_colour (cr, INK);
          cairo_move_to (cr, f->x0, y);
          cairo_line_to (cr, f->x0 + (m == 1 ? 7.0 : 3.5), y);
          cairo_stroke (cr);
          if (m == 1)
            draw_power_of_ten (cr, k, f->x0 - 6.0, y);
        }
  else
    {
      double value_spacing = tick_spacing (f->hi - f->lo);
      long first = lround (ceil (f->lo / value_spacing - 1e-9));
      long last = lround (floor (f->hi / value_spacing + 1e-9));

      for (long i = first; i <= last; i++)
        {
          double v = i * value_spacing;
          double y = round (to_y (f, v)) + 0.5;
          char label[32];

          grid_line (cr, f->x0, y, f->x1, y);
          set_colour (cr, INK);
          cairo_move_to (cr, f->x0, y);
          cairo_line_to (cr, f->x0 + 6.0, y);
          cairo_stroke (cr);
          g_snprintf (label, sizeof label, "%g", v);
          show_text_at (cr, label, f->x0 - 6.0, y, 1.0);
        }
    }
  set_colour (cr, INK);
  cairo_rectangle (cr, f->x0 + 0.5, f->y0 + 0.5, f->x1 - f->x0 - 1.0, f->y1 - f->y0 - 1.0);
  cairo_stroke (cr);

  cairo_text_extents (cr, step_title, &ext);
  cairo_move_to (cr, (f->x0 + f->x1 - ext.x_advance) / 2.0, f->y1 + 32.0);
  cairo_show_text (cr, step_title);
  cairo_text_extents (cr, self->value_title, &ext);
  cairo_save (cr);
  cairo_move_to (cr, 14.0, (f->y0 + f->y1 + ext.x_advance) / 2.0);
  cairo_rotate (cr, -G_PI / 2.0);
  cairo_show_text (cr, self->value_title);
  cairo_restore (cr);
}

static void
set_style (cairo_t *cr, DarkmapTrainPlotStyle style)
{
  if (style == DARKMAP_TRAIN_PLOT_DASHED)
    cairo_set_dash (cr, (double[]) { 5.0, 4.0 }, 2, 0.0);
  else
    cairo_set_dash (cr, NULL, 0, 0.0);
}

static void
draw_series (DarkmapTrainPlot *self, const Frame *f, cairo_t *cr, const Series *s)
{
  gboolean pen_down = FALSE;

  set_colour (cr, s->colour);
  cairo_set_line_width (cr, s->style == DARKMAP_TRAIN_PLOT_LINE ? 1.5 : 2.0);
  set_style (cr, s->style);
  cairo_new_path (cr);
  for (guint k = 0; k < s->values->len; k++)
    {
      double v = g_array_index (s->values, double, k);
      double x = to_x (f, g_array_index (s->steps, double, k));

      if (!drawable (self, v))
        {
          pen_down = FALSE;
          continue;
        }
      if (pen_down)
        cairo_line_to (cr, x, to_y (f, axis_value (self, v)));
      else
        cairo_move_to (cr, x, to_y (f, axis_value (self, v)));
      pen_down = TRUE;
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
  if (s->style != DARKMAP_TRAIN_PLOT_MARKED)
    return;
  for (guint k = 0; k < s->values->len; k++)
    {
      double v = g_array_index (s->values, double, k);

      if (drawable (self, v))
        {
          cairo_rectangle (cr, to_x (f, g_array_index (s->steps, double, k)) - 2.5,
                           to_y (f, axis_value (self, v)) - 2.5, 5.0, 5.0);
          cairo_fill (cr);
        }
    }
}

/* One legend line: its key (a line of the series' style) and name, right
 * aligned at x. */
static void
draw_legend_entry (cairo_t *cr, const char *name, const double colour[3],
                   DarkmapTrainPlotStyle style, double x, double y)
{
  cairo_text_extents_t ext;
  double key_x0, key_x1;

  cairo_text_extents (cr, name, &ext);
  key_x0 = x - ext.x_advance - 30.0;
  key_x1 = x - ext.x_advance - 8.0;
  set_colour (cr, colour);
  cairo_set_line_width (cr, 2.0);
  set_style (cr, style);
  cairo_move_to (cr, key_x0, y - 4.0);
  cairo_line_to (cr, key_x1, y - 4.0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
  if (style == DARKMAP_TRAIN_PLOT_MARKED)
    {
      cairo_rectangle (cr, (key_x0 + key_x1) / 2.0 - 2.5, y - 6.5, 5.0, 5.0);
      cairo_fill (cr);
    }
  set_colour (cr, INK);
  cairo_move_to (cr, x - ext.x_advance, y);
  cairo_show_text (cr, name);
}

static void
draw_legend (DarkmapTrainPlot *self, const Frame *f, cairo_t *cr)
{
  double x = f->x1 - 8.0, y = f->y0 + 16.0;

  cairo_set_font_size (cr, 11.0);
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->values->len == 0)
        continue;
      draw_legend_entry (cr, s->name, s->colour, s->style, x, y);
      y += 16.0;
    }
  if (drawable (self, self->reference) && self->reference_name != NULL)
    draw_legend_entry (cr, self->reference_name, REFERENCE, DARKMAP_TRAIN_PLOT_DASHED, x, y);
}

void
darkmap_train_plot_render (DarkmapTrainPlot *self, cairo_t *cr, int width, int height)
{
  Frame f;

  g_return_if_fail (DARKMAP_IS_TRAIN_PLOT (self));
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_fill (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  if (!get_frame (self, width, height, &f))
    {
      cairo_restore (cr);
      return;
    }
  draw_axes (self, &f, cr);
  cairo_save (cr);
  cairo_rectangle (cr, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
  cairo_clip (cr);
  if (drawable (self, self->reference))
    {
      double y = to_y (&f, axis_value (self, self->reference));

      set_colour (cr, REFERENCE);
      cairo_set_line_width (cr, 1.5);
      set_style (cr, DARKMAP_TRAIN_PLOT_DASHED);
      cairo_move_to (cr, f.x0, y);
      cairo_line_to (cr, f.x1, y);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0.0);
    }
  for (guint i = 0; i < self->series->len; i++)
    draw_series (self, &f, cr, g_ptr_array_index (self->series, i));
  cairo_restore (cr);
  draw_legend (self, &f, cr);
  cairo_restore (cr);
}

static void
draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  darkmap_train_plot_render (DARKMAP_TRAIN_PLOT (area), cr, width, height);
}

static void
darkmap_train_plot_finalize (GObject *object)
{
  DarkmapTrainPlot *self = DARKMAP_TRAIN_PLOT (object);

  g_free (self->value_title);
  g_free (self->reference_name);
  g_ptr_array_unref (self->series);
  G_OBJECT_CLASS (darkmap_train_plot_parent_class)->finalize (object);
}

static void
darkmap_train_plot_class_init (DarkmapTrainPlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = darkmap_train_plot_finalize;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "darkmap-train-plot");
}

static void
darkmap_train_plot_init (DarkmapTrainPlot *self)
{
  self->series = g_ptr_array_new_with_free_func (series_free);
  self->reference = NAN;
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self), 240);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self), 180);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self), draw, NULL, NULL);
}

GtkWidget *
darkmap_train_plot_new (const char *value_title, gboolean log_scale)
{
  DarkmapTrainPlot *self = g_object_new (DARKMAP_TYPE_TRAIN_PLOT, NULL);

  self->value_title = g_strdup (value_title);
  self->log_scale = log_scale;
  return GTK_WIDGET (self);
}

guint
darkmap_train_plot_add_series (DarkmapTrainPlot *self, const char *name, const double colour[3],
                               DarkmapTrainPlotStyle style)
{
  Series *s;

  g_return_val_if_fail (DARKMAP_IS_TRAIN_PLOT (self), 0);
  s = g_new0 (Series, 1);
  s->name = g_strdup (name);
  for (int c = 0; c < 3; c++)
    s->colour[c] = colour[c];
  s->style = style;
  s->steps = g_array_new (FALSE, FALSE, sizeof (double));
  s->values = g_array_new (FALSE, FALSE, sizeof (double));
  g_ptr_array_add (self->series, s);
  return self->series->len - 1;
}

void
darkmap_train_plot_add_point (DarkmapTrainPlot *self, guint series, double step, double value)
{
  Series *s;

  g_return_if_fail (DARKMAP_IS_TRAIN_PLOT (self));
  g_return_if_fail (series < self->series->len);
  if (!isfinite (value))
    return;
  s = g_ptr_array_index (self->series, series);
  g_array_append_val (s->steps, step);
  g_array_append_val (s->values, value);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
darkmap_train_plot_get_n_points (DarkmapTrainPlot *self, guint series)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_PLOT (self), 0);
  g_return_val_if_fail (series < self->series->len, 0);
  return ((Series *) g_ptr_array_index (self->series, series))->values->len;
}

gboolean
darkmap_train_plot_get_last_point (DarkmapTrainPlot *self, guint series, double *step,
                                   double *value)
{
  Series *s;

  g_return_val_if_fail (DARKMAP_IS_TRAIN_PLOT (self), FALSE);
  g_return_val_if_fail (series < self->series->len, FALSE);
  s = g_ptr_array_index (self->series, series);
  if (s->values->len == 0)
    return FALSE;
  *step = g_array_index (s->steps, double, s->steps->len - 1);
  *value = g_array_index (s->values, double, s->values->len - 1);
  return TRUE;
}

void
darkmap_train_plot_clear (DarkmapTrainPlot *self)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_PLOT (self));
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      g_array_set_size (s->steps, 0);
      g_array_set_size (s->values, 0);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
darkmap_train_plot_set_total_steps (DarkmapTrainPlot *self, double total)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_PLOT (self));
  self->total_steps = total;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
darkmap_train_plot_set_reference (DarkmapTrainPlot *self, double value, const char *name)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_PLOT (self));
  self->reference = value;
  g_free (self->reference_name);
  self->reference_name = g_strdup (name);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

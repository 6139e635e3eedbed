/* DarkmapTrainPlot: curves against training steps, with cairo. */
#include "darkmap-train-plot.h"

#include <math.h>

#include <glib/gi18n.h>

#include "darkmap-plot.h"

#define TARGET_TICKS 5

static const double REFERENCE[3] = { 0.45, 0.45, 0.45 };
static const double DASH[2] = { 5.0, 4.0 };

/* A compact plot: margins of 62, 14, 12 and 42 pixels (left, right, top,
 * bottom), the x labels' middle 12 below the plot, the x title 32 below,
 * the y title 14 from the left. */
static const DarkmapPlotLayout LAYOUT = { 62.0, 14.0, 12.0, 42.0, 12.0, 32.0, 14.0 };

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

/* Whether a value can be drawn on the value axis. */
static gboolean
drawable (DarkmapTrainPlot *self, double value)
{
  return isfinite (value) && (!self->log_scale || value > 0.0);
}

/* The frame of a drawing of width × height: the steps along x from 0 to
 * the total (or the last step), ticked about TARGET_TICKS times in whole
 * steps; the values along y over the points and the reference, in
 * decades on a log axis, else padded by 5 % and ticked about TARGET_TICKS
 * times.  FALSE for a size too small. */
static gboolean
get_frame (DarkmapTrainPlot *self, int width, int height, DarkmapPlotFrame *f)
{
  double lo = INFINITY, hi = -INFINITY, step_hi = self->total_steps;

  if (!darkmap_plot_frame_init (f, &LAYOUT, width, height))
    return FALSE;
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      for (guint k = 0; k < s->values->len; k++)
        {
          double v = g_array_index (s->values, double, k);

          step_hi = fmax (step_hi, g_array_index (s->steps, double, k));
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
  if (!(step_hi > 0.0))
    step_hi = 1.0;
  f->x = (DarkmapPlotAxis) {
    .lo = 0.0,
    .hi = step_hi,
    .step = fmax (darkmap_plot_nice_step (step_hi, TARGET_TICKS), 1.0),
  };
  if (self->log_scale)
    darkmap_plot_axis_set_decades (&f->y, lo, hi);
  else
    {
      double pad;

      if (!(lo <= hi))
        lo = 0.0, hi = 1.0;
      pad = hi > lo ? 0.05 * (hi - lo) : fmax (0.1 * fabs (hi), 0.1);
      darkmap_plot_axis_set_ticks (&f->y, lo - pad, hi + pad, TARGET_TICKS);
      /* Labelled about TARGET_TICKS times over the range, padded. */
      f->y.step = darkmap_plot_nice_step (f->y.hi - f->y.lo, TARGET_TICKS);
    }
  return TRUE;
}

static const double *
series_dash (DarkmapTrainPlotStyle style)
{
  return style == DARKMAP_TRAIN_PLOT_DASHED ? DASH : NULL;
}

static void
draw_series (cairo_t *cr, const DarkmapPlotFrame *f, const Series *s)
{
  const double *steps = (const double *) s->steps->data;
  const double *values = (const double *) s->values->data;

  darkmap_plot_set_pen (cr, s->colour, s->style == DARKMAP_TRAIN_PLOT_LINE ? 1.5 : 2.0,
                        series_dash (s->style));
  darkmap_plot_draw_line (cr, f, s->values->len, steps, values);
  cairo_set_dash (cr, NULL, 0, 0.0);
  if (s->style == DARKMAP_TRAIN_PLOT_MARKED)
    darkmap_plot_draw_markers (cr, f, DARKMAP_PLOT_KEY_SQUARE, s->values->len, steps, values);
}

/* The legend: the series with points, then the reference when named. */
static void
draw_legend (gpointer plot, const DarkmapPlotFrame *f, cairo_t *cr)
{
  DarkmapTrainPlot *self = plot;
  g_autofree DarkmapPlotEntry *entries = g_new (DarkmapPlotEntry, self->series->len + 1);
  int n = 0;

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->values->len > 0)
        entries[n++] = (DarkmapPlotEntry) {
          s->name,
          s->style == DARKMAP_TRAIN_PLOT_MARKED ? DARKMAP_PLOT_KEY_SQUARE : DARKMAP_PLOT_KEY_LINE,
          s->colour, series_dash (s->style)
        };
    }
  if (drawable (self, self->reference) && self->reference_name != NULL)
    entries[n++] = (DarkmapPlotEntry) { self->reference_name, DARKMAP_PLOT_KEY_LINE, REFERENCE,
                                        DASH };
  darkmap_plot_draw_legend (cr, f, entries, n);
}

/* The reference line across the plot, then the series. */
static void
draw_data (gpointer plot, const DarkmapPlotFrame *f, cairo_t *cr)
{
  DarkmapTrainPlot *self = plot;

  if (drawable (self, self->reference))
    {
      double vx, vy;

      darkmap_plot_to_view (f, 0.0, self->reference, &vx, &vy);
      darkmap_plot_set_pen (cr, REFERENCE, 1.5, DASH);
      cairo_move_to (cr, f->x0, vy);
      cairo_line_to (cr, f->x1, vy);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0.0);
    }
  for (guint i = 0; i < self->series->len; i++)
    draw_series (cr, f, g_ptr_array_index (self->series, i));
}

void
darkmap_train_plot_render (DarkmapTrainPlot *self, cairo_t *cr, int width, int height)
{
  DarkmapPlotFrame f;

  g_return_if_fail (DARKMAP_IS_TRAIN_PLOT (self));
  darkmap_plot_render (cr, width, height, get_frame (self, width, height, &f) ? &f : NULL,
                       _("step"), self->value_title, draw_data, draw_legend, self);
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

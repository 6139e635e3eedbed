/* DarkmapTrainPlot: a training's numbers against its steps, drawn with
 * cairo in a GtkDrawingArea: series of (step, value) points, a linear or
 * logarithmic value axis, an optional horizontal reference line (a target)
 * and a legend.  Drawn on white paper with dark ink, like the spectrum
 * view, so that it reads the same in light and dark themes. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DARKMAP_TYPE_TRAIN_PLOT (darkmap_train_plot_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapTrainPlot, darkmap_train_plot, DARKMAP, TRAIN_PLOT, GtkDrawingArea)

/* How a series is drawn: a line, a dashed line, or a line through square
 * markers (sparse points such as validations). */
typedef enum
{
  DARKMAP_TRAIN_PLOT_LINE,
  DARKMAP_TRAIN_PLOT_DASHED,
  DARKMAP_TRAIN_PLOT_MARKED,
} DarkmapTrainPlotStyle;

/* value_title: the value axis' title; log_scale: a logarithmic value axis
 * (points <= 0 are then not drawn). */
GtkWidget *darkmap_train_plot_new (const char *value_title, gboolean log_scale);

/* A new series (its index, from 0) named in the legend; colour: RGB in
 * [0, 1] (copied). */
guint darkmap_train_plot_add_series (DarkmapTrainPlot *self, const char *name,
                                     const double colour[3], DarkmapTrainPlotStyle style);
/* Appends a point; a value that is not finite is not kept. */
void darkmap_train_plot_add_point (DarkmapTrainPlot *self, guint series, double step,
                                   double value);
/* The points kept of a series, and the last one (FALSE when none). */
guint darkmap_train_plot_get_n_points (DarkmapTrainPlot *self, guint series);
gboolean darkmap_train_plot_get_last_point (DarkmapTrainPlot *self, guint series, double *step,
                                            double *value);
/* Removes every point (the series stay). */
void darkmap_train_plot_clear (DarkmapTrainPlot *self);

/* The step axis runs from 0 to total (or the last step, when larger). */
void darkmap_train_plot_set_total_steps (DarkmapTrainPlot *self, double total);
/* A dashed horizontal line at value, named in the legend (NaN: none). */
void darkmap_train_plot_set_reference (DarkmapTrainPlot *self, double value, const char *name);

/* Draws the plot on cr at width × height (what the widget shows). */
void darkmap_train_plot_render (DarkmapTrainPlot *self, cairo_t *cr, int width, int height);

G_END_DECLS

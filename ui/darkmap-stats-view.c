/* DarkmapStatsView: a map's PDF, peaks, minima or Minkowski functionals
 * against nu, beside a Gaussian field's, the posterior's band and the
 * emulator's. */
#include "darkmap-stats-view.h"

#include <math.h>

#include <glib/gi18n.h>

#include "darkmap-plot.h"

#define GAUSSIAN_SAMPLES 200
#define Y_TICKS 5

/* The spectrum page's colours: the map, theory (here the Gaussian field)
 * and the posterior. */
static const double MAP_COLOUR[3] = { 0.12, 0.47, 0.71 };
static const double GAUSSIAN_COLOUR[3] = { 0.85, 0.37, 0.0 };
static const double POSTERIOR_COLOUR[3] = { 0.17, 0.63, 0.17 };
static const double EMULATOR_COLOUR[3] = { 0.58, 0.40, 0.74 };
static const double GAUSSIAN_DASH[2] = { 6.0, 4.0 };

enum { PROP_0, PROP_KIND, PROP_SHOW_EMULATOR, N_PROPS };
static GParamSpec *properties[N_PROPS];

struct _DarkmapStatsView
{
  GtkWidget parent_instance;

  DmMapStats *stats;          /* the map's (owned), or NULL */
  char *label;                /* the map's legend entry */
  char *message;              /* why the map could not be measured, or NULL */
  DarkmapStatsBand *band;     /* the posterior's (owned), or NULL */
  char *band_label;
  DarkmapStatsBand *emulator; /* the emulated maps' (owned), or NULL */
  char *emulator_label;
  gboolean show_emulator;
  DmStatKind kind;

  gboolean has_range;
  DarkmapPlotAxis nu_axis, value_axis;

  DarkmapPlotPointer pointer;
};

G_DEFINE_FINAL_TYPE (DarkmapStatsView, darkmap_stats_view, GTK_TYPE_WIDGET)

const char *
darkmap_stats_kind_title (DmStatKind kind)
{
  switch (kind)
    {
    case DM_STAT_PDF:
      return _("PDF");
    case DM_STAT_PEAKS:
      return _("Peaks");
    case DM_STAT_MINIMA:
      return _("Minima");
    case DM_STAT_V0:
      return "V₀";
    case DM_STAT_V1:
      return "V₁";
    case DM_STAT_V2:
      return "V₂";
    default:
      return "";
    }
}

/* The value axis' title: the statistic and its units. */
static const char *
value_axis_title (DmStatKind kind)
{
  switch (kind)
    {
    case DM_STAT_PDF:
      return _("one-point PDF (per unit ν)");
    case DM_STAT_PEAKS:
      return _("peaks per deg² in the bin");
    case DM_STAT_MINIMA:
      return _("minima per deg² in the bin");
    case DM_STAT_V0:
      return _("V₀: area fraction above ν");
    case DM_STAT_V1:
      return _("V₁: boundary length (per degree)");
    case DM_STAT_V2:
      return _("V₂: Euler characteristic (per deg²)");
    default:
      return "";
    }
}

/* Statistics that are never negative: their axis starts at 0. */
static gboolean
kind_is_positive (DmStatKind kind)
{
  return kind != DM_STAT_V2;
}

/* Whether the emulator's band is drawn. */
static gboolean
emulator_drawn (DarkmapStatsView *self)
{
  return self->emulator != NULL && self->show_emulator;
}

/* The thresholds drawn: the map's, else a band's; NULL without any. */
static const double *
thresholds (DarkmapStatsView *self, int *n)
{
  if (self->stats != NULL)
    {
      *n = self->stats->n;
      return self->stats->threshold;
    }
  if (self->band != NULL)
    {
      *n = self->band->n;
      return self->band->threshold;
    }
  if (emulator_drawn (self))
    {
      *n = self->emulator->n;
      return self->emulator->threshold;
    }
  *n = 0;
  return NULL;
}

/* The frame of a drawing of width × height: nu along x, the value along
 * y; FALSE with nothing to draw or for a size too small. */
static gboolean
get_frame (DarkmapStatsView *self, int width, int height, DarkmapPlotFrame *f)
{
  if (!self->has_range
      || !darkmap_plot_frame_init (f, &darkmap_plot_page_layout, width, height))
    return FALSE;
  f->x = self->nu_axis;
  f->y = self->value_axis;
  return TRUE;
}

gboolean
darkmap_stats_view_data_to_view (DarkmapStatsView *self, int width, int height, double nu,
                                 double value, double *vx, double *vy)
{
  DarkmapPlotFrame f;

  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);
  if (!get_frame (self, width, height, &f))
    return FALSE;
  darkmap_plot_to_view (&f, nu, value, vx, vy);
  return TRUE;
}

gboolean
darkmap_stats_view_view_to_data (DarkmapStatsView *self, int width, int height, double vx,
                                 double vy, double *nu, double *value)
{
  DarkmapPlotFrame f;

  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);
  if (!get_frame (self, width, height, &f))
    return FALSE;
  darkmap_plot_from_view (&f, vx, vy, nu, value);
  return TRUE;
}

gboolean
darkmap_stats_view_get_range (DarkmapStatsView *self, double *nu_lo, double *nu_hi,
                              double *value_lo, double *value_hi)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);
  if (!self->has_range)
    return FALSE;
  *nu_lo = self->nu_axis.lo;
  *nu_hi = self->nu_axis.hi;
  *value_lo = self->value_axis.lo;
  *value_hi = self->value_axis.hi;
  return TRUE;
}

/* The Gaussian curve's nu at sample j of GAUSSIAN_SAMPLES. */
static double
gaussian_nu (DarkmapStatsView *self, int j)
{
  return self->nu_axis.lo + (self->nu_axis.hi - self->nu_axis.lo) * j / (GAUSSIAN_SAMPLES - 1.0);
}

/* The points of every curve drawn, in data units, to visit (for the axis
 * range and the legend's corner). */
static void
for_each_point (gpointer plot, DarkmapPlotPointFunc func, gpointer data)
{
  DarkmapStatsView *self = plot;
  const DmMapStats *s = self->stats;
  const DarkmapStatsBand *b = self->band;
  const DarkmapStatsBand *e = emulator_drawn (self) ? self->emulator : NULL;

  for (int i = 0; s != NULL && i < s->n; i++)
    func (s->threshold[i], darkmap_stats_value (s, self->kind, i), data);
  for (int j = 0; s != NULL && j < GAUSSIAN_SAMPLES; j++)
    {
      double nu = gaussian_nu (self, j);

      func (nu, darkmap_stats_gaussian (s, self->kind, nu), data);
    }
  for (int i = 0; b != NULL && i < b->n; i++)
    {
      func (b->threshold[i], b->lo[self->kind][i], data);
      func (b->threshold[i], b->hi[self->kind][i], data);
      if (b->mean != NULL)
        func (b->threshold[i], darkmap_stats_value (b->mean, self->kind, i), data);
    }
  for (int i = 0; e != NULL && i < e->n; i++)
    {
      func (e->threshold[i], e->lo[self->kind][i], data);
      func (e->threshold[i], e->hi[self->kind][i], data);
    }
}

static void
extend_range (double nu, double value, gpointer data)
{
  double *range = data;

  if (isfinite (value))
    {
      range[0] = fmin (range[0], value);
      range[1] = fmax (range[1], value);
    }
}

/* Axes: nu over the thresholds, labelled at whole numbers with ticks at
 * halves; the values from a whole tick below every point drawn (0 for a
 * statistic never negative) to a whole tick above, the line at 0 darker. */
static void
update_range (DarkmapStatsView *self)
{
  double range[2] = { INFINITY, -INFINITY };
  const double *t;
  int n;

  t = thresholds (self, &n);
  self->has_range = t != NULL && n >= 2;
  if (!self->has_range)
    return;
  self->nu_axis = (DarkmapPlotAxis) { .lo = t[0], .hi = t[n - 1], .step = 1.0, .minor = 0.5 };
  for_each_point (self, extend_range, range);
  if (kind_is_positive (self->kind))
    range[0] = fmin (range[0], 0.0);
  if (!(range[0] <= range[1]))
    range[0] = range[1] = 0.0;
  if (range[1] - range[0] <= 0.0)
    {
      range[0] -= 0.5;
      range[1] += 0.5;
    }
  darkmap_plot_axis_set_ticks (&self->value_axis, range[0], range[1], Y_TICKS);
  self->value_axis.mark_zero = TRUE;
}

static void
changed (DarkmapStatsView *self)
{
  update_range (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Setting what is drawn */

static gboolean
same_thresholds (const DmMapStats *stats, const DarkmapStatsBand *band)
{
  if (stats->n != band->n)
    return FALSE;
  for (int i = 0; i < stats->n; i++)
    if (stats->threshold[i] != band->threshold[i])
      return FALSE;
  return TRUE;
}

gboolean
darkmap_stats_view_set_map (DarkmapStatsView *self, const DmMap *map, int plane,
                            const DmMap *mask, double pixel_arcmin, const char *label,
                            DmError **error)
{
  DmMapStats *stats = NULL;
  DmError *local = NULL;

  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);

  if (map != NULL)
    stats = darkmap_stats_measure (map, plane, mask, pixel_arcmin, &local);
  g_clear_pointer (&self->stats, dm_map_stats_free);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->message, g_free);
  self->stats = stats;
  if (stats != NULL)
    self->label = g_strdup (label);
  if (local != NULL)
    {
      /* TRANSLATORS: %s names the map, then comes the engine's reason */
      self->message = g_strdup_printf (_("The statistics of %s could not be measured: %s"),
                                       label != NULL ? label : _("the map"), local->message);
      dm_error_propagate (error, local);
    }
  if (stats != NULL && self->band != NULL && !same_thresholds (stats, self->band))
    {
      g_clear_pointer (&self->band, darkmap_stats_band_free);
      g_clear_pointer (&self->band_label, g_free);
    }
  if (stats != NULL && self->emulator != NULL && !same_thresholds (stats, self->emulator))
    {
      g_clear_pointer (&self->emulator, darkmap_stats_band_free);
      g_clear_pointer (&self->emulator_label, g_free);
    }
  changed (self);
  return map == NULL || stats != NULL;
}

const DmMapStats *
darkmap_stats_view_get_stats (DarkmapStatsView *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), NULL);
  return self->stats;
}

const char *
darkmap_stats_view_get_label (DarkmapStatsView *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), NULL);
  return self->label;
}

gboolean
darkmap_stats_view_set_band (DarkmapStatsView *self, DarkmapStatsBand *band, const char *label,
                             DmError **error)
{
  g_autoptr (DarkmapStatsBand) owned = band;

  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);

  if (band != NULL && self->stats != NULL && !same_thresholds (self->stats, band))
    return dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                         "The posterior's statistics have %d thresholds from %g to %g, the "
                         "map's %d from %g to %g",
                         band->n, band->threshold[0], band->threshold[band->n - 1],
                         self->stats->n, self->stats->threshold[0],
                         self->stats->threshold[self->stats->n - 1]);
  g_clear_pointer (&self->band, darkmap_stats_band_free);
  g_clear_pointer (&self->band_label, g_free);
  self->band = g_steal_pointer (&owned);
  self->band_label = band != NULL ? g_strdup (label) : NULL;
  changed (self);
  return TRUE;
}

const DarkmapStatsBand *
darkmap_stats_view_get_band (DarkmapStatsView *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), NULL);
  return self->band;
}

const char *
darkmap_stats_view_get_band_label (DarkmapStatsView *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), NULL);
  return self->band_label;
}

gboolean
darkmap_stats_view_set_emulator_band (DarkmapStatsView *self, DarkmapStatsBand *band,
                                      const char *label, DmError **error)
{
  g_autoptr (DarkmapStatsBand) owned = band;

  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);

  if (band != NULL && self->stats != NULL && !same_thresholds (self->stats, band))
    return dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                         "The emulated maps' statistics have %d thresholds from %g to %g, the "
                         "map's %d from %g to %g",
                         band->n, band->threshold[0], band->threshold[band->n - 1],
                         self->stats->n, self->stats->threshold[0],
                         self->stats->threshold[self->stats->n - 1]);
  g_clear_pointer (&self->emulator, darkmap_stats_band_free);
  g_clear_pointer (&self->emulator_label, g_free);
  self->emulator = g_steal_pointer (&owned);
  self->emulator_label = band != NULL ? g_strdup (label) : NULL;
  changed (self);
  return TRUE;
}

const DarkmapStatsBand *
darkmap_stats_view_get_emulator_band (DarkmapStatsView *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), NULL);
  return self->emulator;
}

const char *
darkmap_stats_view_get_emulator_label (DarkmapStatsView *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), NULL);
  return self->emulator_label;
}

void
darkmap_stats_view_set_show_emulator (DarkmapStatsView *self, gboolean show)
{
  g_return_if_fail (DARKMAP_IS_STATS_VIEW (self));

  show = show != FALSE;
  if (show == self->show_emulator)
    return;
  self->show_emulator = show;
  changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_EMULATOR]);
}

gboolean
darkmap_stats_view_get_show_emulator (DarkmapStatsView *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);
  return self->show_emulator;
}

void
darkmap_stats_view_set_kind (DarkmapStatsView *self, DmStatKind kind)
{
  g_return_if_fail (DARKMAP_IS_STATS_VIEW (self));
  g_return_if_fail (kind >= 0 && kind < DM_STAT_COUNT);

  if (kind == self->kind)
    return;
  self->kind = kind;
  changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

DmStatKind
darkmap_stats_view_get_kind (DarkmapStatsView *self)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), DM_STAT_PDF);
  return self->kind;
}

/* Readout */

/* The readout at (vx, vy) in frame f, or NULL outside the plot area. */
static char *
readout_in_frame (DarkmapStatsView *self, const DarkmapPlotFrame *f, double vx, double vy)
{
  const char *name = darkmap_stats_kind_title (self->kind);
  const double *t;
  GString *text;
  double nu, value;
  int n, i;

  if (!darkmap_plot_contains (f, vx, vy))
    return NULL;
  darkmap_plot_from_view (f, vx, vy, &nu, &value);
  t = thresholds (self, &n);
  i = (int) lround ((nu - t[0]) / (t[n - 1] - t[0]) * (n - 1));
  i = CLAMP (i, 0, n - 1);
  text = g_string_new (NULL);
  /* TRANSLATORS: the pointer's position: the threshold, the statistic's name, its value */
  g_string_printf (text, _("ν = %.2f   %s = %.3g"), nu, name, value);
  if (self->stats != NULL)
    {
      g_string_append (text, "      ");
      /* TRANSLATORS: the nearest threshold, the statistic's name, the map's value there and
       * a Gaussian field's */
      g_string_append_printf (text, _("at ν = %.2f: %s = %.3g (Gaussian %.3g)"), t[i], name,
                              darkmap_stats_value (self->stats, self->kind, i),
                              darkmap_stats_gaussian (self->stats, self->kind, t[i]));
    }
  if (self->band != NULL)
    {
      g_string_append (text, "      ");
      g_string_append_printf (text, _("posterior 16–84 %%: %.3g–%.3g"),
                              self->band->lo[self->kind][i], self->band->hi[self->kind][i]);
    }
  if (emulator_drawn (self))
    {
      g_string_append (text, "      ");
      g_string_append_printf (text, _("emulator 16–84 %%: %.3g–%.3g"),
                              self->emulator->lo[self->kind][i],
                              self->emulator->hi[self->kind][i]);
    }
  return g_string_free (text, FALSE);
}

char *
darkmap_stats_view_readout (DarkmapStatsView *self, int width, int height, double vx, double vy)
{
  DarkmapPlotFrame f;

  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), NULL);
  return get_frame (self, width, height, &f) ? readout_in_frame (self, &f, vx, vy) : NULL;
}

/* Drawing */

static void
draw_gaussian (DarkmapStatsView *self, const DarkmapPlotFrame *f, cairo_t *cr)
{
  gboolean pen_down = FALSE;

  darkmap_plot_set_pen (cr, GAUSSIAN_COLOUR, 2.0, GAUSSIAN_DASH);
  cairo_new_path (cr);
  for (int j = 0; j < GAUSSIAN_SAMPLES; j++)
    {
      double nu = gaussian_nu (self, j);

      darkmap_plot_trace (cr, f, nu, darkmap_stats_gaussian (self->stats, self->kind, nu),
                          &pen_down);
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
}

/* A statistic at the thresholds: a line through a marker at each, round
 * (the map) or square (the posterior's mean map). */
static void
draw_measured (DarkmapStatsView *self, const DarkmapPlotFrame *f, cairo_t *cr,
               const DmMapStats *s, const double *colour, DarkmapPlotKey marker)
{
  g_autofree double *values = g_new (double, s->n);

  for (int i = 0; i < s->n; i++)
    values[i] = darkmap_stats_value (s, self->kind, i);
  darkmap_plot_set_pen (cr, colour, 1.5, NULL);
  darkmap_plot_draw_line (cr, f, s->n, s->threshold, values);
  darkmap_plot_draw_markers (cr, f, marker, s->n, s->threshold, values);
}

static void
draw_band (DarkmapStatsView *self, const DarkmapPlotFrame *f, cairo_t *cr,
           const DarkmapStatsBand *b, const double *colour)
{
  darkmap_plot_fill_band (cr, f, b->n, b->threshold, b->lo[self->kind], b->hi[self->kind],
                          colour);
}

static void
draw_legend (DarkmapStatsView *self, const DarkmapPlotFrame *f, cairo_t *cr)
{
  DarkmapPlotEntry entries[5];
  g_autofree char *band_name = NULL, *mean_name = NULL, *emulator_name = NULL;
  int n = 0;

  if (self->stats != NULL)
    {
      entries[n++] = (DarkmapPlotEntry) { self->label != NULL ? self->label : _("map"),
                                          DARKMAP_PLOT_KEY_CIRCLE, MAP_COLOUR, NULL };
      entries[n++] = (DarkmapPlotEntry) { _("Gaussian field of the same σ₀, σ₁, σ₂"),
                                          DARKMAP_PLOT_KEY_LINE, GAUSSIAN_COLOUR,
                                          GAUSSIAN_DASH };
    }
  if (self->band != NULL)
    {
      const char *label = self->band_label != NULL ? self->band_label : _("posterior");

      /* TRANSLATORS: %s names the posterior, e.g. "Wiener filter" */
      band_name = g_strdup_printf (_("%s: samples 16–84 %%"), label);
      entries[n++] = (DarkmapPlotEntry) { band_name, DARKMAP_PLOT_KEY_BAND, POSTERIOR_COLOUR,
                                          NULL };
      if (self->band->mean != NULL)
        {
          /* TRANSLATORS: %s names the posterior, e.g. "Wiener filter" */
          mean_name = g_strdup_printf (_("%s: mean"), label);
          entries[n++] = (DarkmapPlotEntry) { mean_name, DARKMAP_PLOT_KEY_SQUARE,
                                              POSTERIOR_COLOUR, NULL };
        }
    }
  if (emulator_drawn (self))
    {
      /* TRANSLATORS: %s names the emulator, e.g. "cosmogan-cosmos" */
      emulator_name = g_strdup_printf (_("%s: emulated maps 16–84 %%"),
                                       self->emulator_label != NULL ? self->emulator_label
                                                                    : _("emulator"));
      entries[n++] = (DarkmapPlotEntry) { emulator_name, DARKMAP_PLOT_KEY_BAND, EMULATOR_COLOUR,
                                          NULL };
    }
  darkmap_plot_draw_legend_box (cr, f, entries, n, for_each_point, self);
}

/* Why the map is not drawn, in the middle of a drawing of width × height
 * without a plot. */
static void
draw_message (DarkmapStatsView *self, cairo_t *cr, int width, int height)
{
  cairo_text_extents_t ext;

  cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
  cairo_set_font_size (cr, 13.0);
  cairo_text_extents (cr, self->message, &ext);
  cairo_move_to (cr, width / 2.0 - 0.5 * ext.x_advance, height / 2.0);
  cairo_show_text (cr, self->message);
}

/* The map's numbers where the readout goes, while the pointer is away. */
static void
draw_summary (DarkmapStatsView *self, const DarkmapPlotFrame *f, cairo_t *cr)
{
  const DmMapStats *s = self->stats;
  g_autofree char *text = NULL;

  /* TRANSLATORS: the map's standard deviation, its numbers of peaks and
   * minima, and the area measured */
  text = g_strdup_printf (_("σ₀ %.3g · %ld peaks · %ld minima · %.2f deg²"), s->sigma0,
                          s->n_peaks, s->n_minima, s->area_deg2);
  darkmap_plot_draw_note (cr, f, text);
}

/* The bands, the curves and the legend in the corner they leave. */
static void
draw_data (gpointer plot, const DarkmapPlotFrame *f, cairo_t *cr)
{
  DarkmapStatsView *self = plot;

  if (emulator_drawn (self))
    draw_band (self, f, cr, self->emulator, EMULATOR_COLOUR);
  if (self->band != NULL)
    {
      draw_band (self, f, cr, self->band, POSTERIOR_COLOUR);
      if (self->band->mean != NULL)
        draw_measured (self, f, cr, self->band->mean, POSTERIOR_COLOUR, DARKMAP_PLOT_KEY_SQUARE);
    }
  if (self->stats != NULL)
    {
      draw_gaussian (self, f, cr);
      draw_measured (self, f, cr, self->stats, MAP_COLOUR, DARKMAP_PLOT_KEY_CIRCLE);
    }
  draw_legend (self, f, cr);
}

/* Above the plot: the pointer's readout, else why the map is not drawn,
 * else its numbers. */
static void
draw_over (gpointer plot, const DarkmapPlotFrame *f, cairo_t *cr)
{
  DarkmapStatsView *self = plot;
  g_autofree char *text = NULL;

  if (self->pointer.in)
    {
      if ((text = readout_in_frame (self, f, self->pointer.x, self->pointer.y)) != NULL)
        darkmap_plot_draw_pointer (cr, f, self->pointer.x, self->pointer.y, text);
    }
  else if (self->message != NULL)
    darkmap_plot_draw_note (cr, f, self->message);
  else if (self->stats != NULL)
    draw_summary (self, f, cr);
}

void
darkmap_stats_view_render (DarkmapStatsView *self, cairo_t *cr, int width, int height)
{
  DarkmapPlotFrame f;

  g_return_if_fail (DARKMAP_IS_STATS_VIEW (self));
  if (get_frame (self, width, height, &f))
    darkmap_plot_render (cr, width, height, &f, _("threshold ν = (κ − mean) / σ₀"),
                         value_axis_title (self->kind), draw_data, draw_over, self);
  else
    {
      cairo_save (cr);
      darkmap_plot_draw_paper (cr, width, height);
      if (self->message != NULL)
        draw_message (self, cr, width, height);
      cairo_restore (cr);
    }
}

/* GtkWidget */

static void
darkmap_stats_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  darkmap_stats_view_render (DARKMAP_STATS_VIEW (widget), cr, width, height);
  cairo_destroy (cr);
}

static void
darkmap_stats_view_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  DarkmapStatsView *self = DARKMAP_STATS_VIEW (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_SHOW_EMULATOR:
      g_value_set_boolean (value, self->show_emulator);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_stats_view_set_property (GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
  DarkmapStatsView *self = DARKMAP_STATS_VIEW (object);

  switch (prop_id)
    {
    case PROP_KIND:
      darkmap_stats_view_set_kind (self, (DmStatKind) g_value_get_int (value));
      break;
    case PROP_SHOW_EMULATOR:
      darkmap_stats_view_set_show_emulator (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_stats_view_finalize (GObject *object)
{
  DarkmapStatsView *self = DARKMAP_STATS_VIEW (object);

  dm_map_stats_free (self->stats);
  g_free (self->label);
  g_free (self->message);
  darkmap_stats_band_free (self->band);
  g_free (self->band_label);
  darkmap_stats_band_free (self->emulator);
  g_free (self->emulator_label);
  G_OBJECT_CLASS (darkmap_stats_view_parent_class)->finalize (object);
}

static void
darkmap_stats_view_class_init (DarkmapStatsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = darkmap_stats_view_get_property;
  object_class->set_property = darkmap_stats_view_set_property;
  object_class->finalize = darkmap_stats_view_finalize;
  widget_class->snapshot = darkmap_stats_view_snapshot;
  widget_class->measure = darkmap_plot_measure;
  gtk_widget_class_set_css_name (widget_class, "darkmap-stats-view");

  properties[PROP_KIND] =
    g_param_spec_int ("kind", NULL, NULL, 0, DM_STAT_COUNT - 1, DM_STAT_PDF,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_EMULATOR] =
    g_param_spec_boolean ("show-emulator", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
darkmap_stats_view_init (DarkmapStatsView *self)
{
  self->kind = DM_STAT_PDF;
  self->show_emulator = TRUE;
  darkmap_plot_track_pointer (GTK_WIDGET (self), &self->pointer);
}

GtkWidget *
darkmap_stats_view_new (void)
{
  return g_object_new (DARKMAP_TYPE_STATS_VIEW, NULL);
}

/* DarkmapStatsView: a map's PDF, peaks, minima or Minkowski functionals
 * against nu, beside a Gaussian field's, the posterior's band and the
 * emulator's. */
#include "darkmap-stats-view.h"

#include <math.h>

#include <glib/gi18n.h>

#define GAUSSIAN_SAMPLES 200
#define MIN_PLOT 24.0
#define BAND_ALPHA 0.25
#define Y_TICKS 5
#define LEGEND_LINE 16.0
#define LEGEND_PAD 8.0

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
  double nu_lo, nu_hi, value_lo, value_hi, value_step; /* axes; value ticks every step */

  gboolean pointer_in;
  double pointer_x, pointer_y;
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

typedef struct
{
  double x0, y0, x1, y1; /* the plot area: left, top, right, bottom */
} Plot;

static gboolean
get_plot (DarkmapStatsView *self, int width, int height, Plot *p)
{
  if (!self->has_range)
    return FALSE;
  p->x0 = DARKMAP_STATS_MARGIN_LEFT;
  p->y0 = DARKMAP_STATS_MARGIN_TOP;
  p->x1 = width - DARKMAP_STATS_MARGIN_RIGHT;
  p->y1 = height - DARKMAP_STATS_MARGIN_BOTTOM;
  return p->x1 - p->x0 >= MIN_PLOT && p->y1 - p->y0 >= MIN_PLOT;
}

static void
to_view (DarkmapStatsView *self, const Plot *p, double nu, double value, double *vx, double *vy)
{
  *vx = p->x0 + (p->x1 - p->x0) * (nu - self->nu_lo) / (self->nu_hi - self->nu_lo);
  *vy = p->y1 - (p->y1 - p->y0) * (value - self->value_lo) / (self->value_hi - self->value_lo);
}

gboolean
darkmap_stats_view_data_to_view (DarkmapStatsView *self, int width, int height, double nu,
                                 double value, double *vx, double *vy)
{
  Plot p;

  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);
  if (!get_plot (self, width, height, &p))
    return FALSE;
  to_view (self, &p, nu, value, vx, vy);
  return TRUE;
}

gboolean
darkmap_stats_view_view_to_data (DarkmapStatsView *self, int width, int height, double vx,
                                 double vy, double *nu, double *value)
{
  Plot p;

  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);
  if (!get_plot (self, width, height, &p))
    return FALSE;
  *nu = self->nu_lo + (vx - p.x0) / (p.x1 - p.x0) * (self->nu_hi - self->nu_lo);
  *value = self->value_lo + (p.y1 - vy) / (p.y1 - p.y0) * (self->value_hi - self->value_lo);
  return TRUE;
}

gboolean
darkmap_stats_view_get_range (DarkmapStatsView *self, double *nu_lo, double *nu_hi,
                              double *value_lo, double *value_hi)
{
  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), FALSE);
  if (!self->has_range)
    return FALSE;
  *nu_lo = self->nu_lo;
  *nu_hi = self->nu_hi;
  *value_lo = self->value_lo;
  *value_hi = self->value_hi;
  return TRUE;
}

/* The Gaussian curve's nu at sample j of GAUSSIAN_SAMPLES. */
static double
gaussian_nu (DarkmapStatsView *self, int j)
{
  return self->nu_lo + (self->nu_hi - self->nu_lo) * j / (GAUSSIAN_SAMPLES - 1.0);
}

/* The points of every curve drawn, in data units, to visit (for the axis
 * range and the legend's corner). */
typedef void (*PointFunc) (double nu, double value, gpointer data);

static void
for_each_point (DarkmapStatsView *self, PointFunc func, gpointer data)
{
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

/* 1, 2, 2.5 or 5 times a power of ten, at least x. */
static double
nice_step (double x)
{
  double power = pow (10.0, floor (log10 (x)));
  double f = x / power;

  return power * (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 2.5 ? 2.5 : f <= 5.0 ? 5.0 : 10.0);
}

/* Axes: nu over the thresholds; the values from a whole tick below every
 * point drawn (0 for a statistic never negative) to a whole tick above. */
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
  self->nu_lo = t[0];
  self->nu_hi = t[n - 1];
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
  self->value_step = nice_step ((range[1] - range[0]) / Y_TICKS);
  self->value_lo = floor (range[0] / self->value_step) * self->value_step;
  self->value_hi = ceil (range[1] / self->value_step) * self->value_step;
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

char *
darkmap_stats_view_readout (DarkmapStatsView *self, int width, int height, double vx, double vy)
{
  const char *name = darkmap_stats_kind_title (self->kind);
  const double *t;
  GString *text;
  Plot p;
  double nu, value;
  int n, i;

  g_return_val_if_fail (DARKMAP_IS_STATS_VIEW (self), NULL);
  if (!get_plot (self, width, height, &p) || vx < p.x0 || vx > p.x1 || vy < p.y0 || vy > p.y1)
    return NULL;
  darkmap_stats_view_view_to_data (self, width, height, vx, vy, &nu, &value);
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

/* Drawing */

static void
set_text_colour (cairo_t *cr)
{
  cairo_set_source_rgb (cr, 0.13, 0.13, 0.13);
}

/* A tick label: the value rounded to the step, with a true minus sign. */
static char *
tick_label (double value, double step)
{
  double rounded = round (value / step) * step;

  if (fabs (rounded) < 1e-9 * step)
    return g_strdup ("0");
  if (rounded < 0.0)
    return g_strdup_printf ("−%g", -rounded);
  return g_strdup_printf ("%g", rounded);
}

static void
show_text_at (cairo_t *cr, const char *text, double x, double y, double align)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  cairo_move_to (cr, x - align * ext.x_advance, y);
  cairo_show_text (cr, text);
}

static void
draw_axes (DarkmapStatsView *self, const Plot *p, cairo_t *cr)
{
  cairo_text_extents_t ext;
  const char *x_title = _("threshold ν = (κ − mean) / σ₀");
  const char *y_title = value_axis_title (self->kind);
  double vx, vy;

  cairo_set_line_width (cr, 1.0);
  cairo_set_font_size (cr, 11.0);
  /* nu: a grid line and label at every whole number, ticks every half. */
  for (double nu = ceil (self->nu_lo * 2.0) / 2.0; nu <= self->nu_hi + 1e-9; nu += 0.5)
    {
      gboolean whole = fabs (nu - round (nu)) < 1e-9;

      to_view (self, p, nu, self->value_lo, &vx, &vy);
      vx = round (vx) + 0.5;
      if (whole)
        {
          g_autofree char *label = tick_label (nu, 1.0);

          cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
          cairo_move_to (cr, vx, p->y0);
          cairo_line_to (cr, vx, p->y1);
          cairo_stroke (cr);
          set_text_colour (cr);
          show_text_at (cr, label, vx, p->y1 + 18.0, 0.5);
        }
      set_text_colour (cr);
      cairo_move_to (cr, vx, p->y1);
      cairo_line_to (cr, vx, p->y1 - (whole ? 7.0 : 3.5));
      cairo_stroke (cr);
    }
  /* Values: a grid line, tick and label every step; the zero line darker. */
  for (int k = 0; self->value_lo + k * self->value_step <= self->value_hi + 1e-9 * self->value_step;
       k++)
    {
      double value = self->value_lo + k * self->value_step;
      g_autofree char *label = tick_label (value, self->value_step);
      gboolean zero = fabs (value) < 1e-9 * self->value_step;

      to_view (self, p, self->nu_lo, value, &vx, &vy);
      vy = round (vy) + 0.5;
      if (zero)
        cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
      else
        cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
      cairo_move_to (cr, p->x0, vy);
      cairo_line_to (cr, p->x1, vy);
      cairo_stroke (cr);
      set_text_colour (cr);
      cairo_move_to (cr, p->x0, vy);
      cairo_line_to (cr, p->x0 + 7.0, vy);
      cairo_stroke (cr);
      cairo_text_extents (cr, label, &ext);
      show_text_at (cr, label, p->x0 - 6.0, vy + ext.height / 2.0, 1.0);
    }
  set_text_colour (cr);
  cairo_rectangle (cr, p->x0 + 0.5, p->y0 + 0.5, p->x1 - p->x0 - 1.0, p->y1 - p->y0 - 1.0);
  cairo_stroke (cr);

  show_text_at (cr, x_title, (p->x0 + p->x1) / 2.0, p->y1 + 36.0, 0.5);
  cairo_text_extents (cr, y_title, &ext);
  cairo_save (cr);
  cairo_move_to (cr, 16.0, (p->y0 + p->y1 + ext.x_advance) / 2.0);
  cairo_rotate (cr, -G_PI / 2.0);
  cairo_show_text (cr, y_title);
  cairo_restore (cr);
}

/* Adds (nu, value) to the curve being traced; a value that is not finite
 * lifts the pen. */
static void
trace (DarkmapStatsView *self, const Plot *p, cairo_t *cr, double nu, double value,
       gboolean *pen_down)
{
  double vx, vy;

  if (!isfinite (value))
    {
      *pen_down = FALSE;
      return;
    }
  to_view (self, p, nu, value, &vx, &vy);
  if (*pen_down)
    cairo_line_to (cr, vx, vy);
  else
    cairo_move_to (cr, vx, vy);
  *pen_down = TRUE;
}

static void
draw_gaussian (DarkmapStatsView *self, const Plot *p, cairo_t *cr)
{
  gboolean pen_down = FALSE;

  cairo_set_source_rgb (cr, GAUSSIAN_COLOUR[0], GAUSSIAN_COLOUR[1], GAUSSIAN_COLOUR[2]);
  cairo_set_line_width (cr, 2.0);
  cairo_set_dash (cr, GAUSSIAN_DASH, 2, 0.0);
  cairo_new_path (cr);
  for (int j = 0; j < GAUSSIAN_SAMPLES; j++)
    {
      double nu = gaussian_nu (self, j);

      trace (self, p, cr, nu, darkmap_stats_gaussian (self->stats, self->kind, nu), &pen_down);
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
}

/* A statistic at the thresholds: a line with a marker at each, a circle
 * (the map) or a square (the posterior's mean map). */
static void
draw_measured (DarkmapStatsView *self, const Plot *p, cairo_t *cr, const DmMapStats *s,
               const double *colour, gboolean square)
{
  gboolean pen_down = FALSE;
  double vx, vy;

  cairo_set_source_rgb (cr, colour[0], colour[1], colour[2]);
  cairo_set_line_width (cr, 1.5);
  cairo_new_path (cr);
  for (int i = 0; i < s->n; i++)
    trace (self, p, cr, s->threshold[i], darkmap_stats_value (s, self->kind, i), &pen_down);
  cairo_stroke (cr);
  for (int i = 0; i < s->n; i++)
    {
      double value = darkmap_stats_value (s, self->kind, i);

      if (!isfinite (value))
        continue;
      to_view (self, p, s->threshold[i], value, &vx, &vy);
      if (square)
        cairo_rectangle (cr, vx - 2.5, vy - 2.5, 5.0, 5.0);
      else
        cairo_arc (cr, vx, vy, 3.0, 0.0, 2.0 * G_PI);
      cairo_fill (cr);
    }
}

/* A band: along the upper edge, then back along the lower one. */
static void
draw_band (DarkmapStatsView *self, const Plot *p, cairo_t *cr, const DarkmapStatsBand *b,
           const double *colour)
{
  const double *lo = b->lo[self->kind], *hi = b->hi[self->kind];
  double vx, vy;

  cairo_set_source_rgba (cr, colour[0], colour[1], colour[2], BAND_ALPHA);
  cairo_new_path (cr);
  for (int i = 0; i < b->n; i++)
    {
      to_view (self, p, b->threshold[i], hi[i], &vx, &vy);
      cairo_line_to (cr, vx, vy);
    }
  for (int i = b->n - 1; i >= 0; i--)
    {
      to_view (self, p, b->threshold[i], lo[i], &vx, &vy);
      cairo_line_to (cr, vx, vy);
    }
  cairo_close_path (cr);
  cairo_fill (cr);
}

/* Legend */

typedef enum { ENTRY_MARKED, ENTRY_SQUARE, ENTRY_DASHED, ENTRY_BAND } EntryStyle;

typedef struct
{
  char *name; /* owned */
  EntryStyle style;
  const double *colour;
} LegendEntry;

typedef struct
{
  DarkmapStatsView *self;
  const Plot *plot;
  double x0, y0, x1, y1; /* a candidate box */
  int hidden;            /* points of the curves inside it */
} Corner;

static void
count_hidden (double nu, double value, gpointer data)
{
  Corner *c = data;
  double vx, vy;

  if (!isfinite (value))
    return;
  to_view (c->self, c->plot, nu, value, &vx, &vy);
  if (vx >= c->x0 && vx <= c->x1 && vy >= c->y0 && vy <= c->y1)
    c->hidden++;
}

static void
draw_legend (DarkmapStatsView *self, const Plot *p, cairo_t *cr)
{
  LegendEntry entries[5];
  Corner best = { 0 };
  double box_w = 0.0, box_h, y;
  int n = 0;

  if (self->stats != NULL)
    {
      entries[n++] = (LegendEntry) {
        g_strdup (self->label != NULL ? self->label : _("map")), ENTRY_MARKED, MAP_COLOUR
      };
      entries[n++] = (LegendEntry) { g_strdup (_("Gaussian field of the same σ₀, σ₁, σ₂")),
                                     ENTRY_DASHED, GAUSSIAN_COLOUR };
    }
  if (self->band != NULL)
    {
      const char *label = self->band_label != NULL ? self->band_label : _("posterior");

      /* TRANSLATORS: %s names the posterior, e.g. "Wiener filter" */
      entries[n++] = (LegendEntry) { g_strdup_printf (_("%s: samples 16–84 %%"), label),
                                     ENTRY_BAND, POSTERIOR_COLOUR };
      if (self->band->mean != NULL)
        /* TRANSLATORS: %s names the posterior, e.g. "Wiener filter" */
        entries[n++] = (LegendEntry) { g_strdup_printf (_("%s: mean"), label), ENTRY_SQUARE,
                                       POSTERIOR_COLOUR };
    }
  if (emulator_drawn (self))
    /* TRANSLATORS: %s names the emulator, e.g. "cosmogan-cosmos" */
    entries[n++] = (LegendEntry) {
      g_strdup_printf (_("%s: emulated maps 16–84 %%"),
                       self->emulator_label != NULL ? self->emulator_label : _("emulator")),
      ENTRY_BAND, EMULATOR_COLOUR
    };
  if (n == 0)
    return;

  cairo_set_font_size (cr, 11.0);
  for (int i = 0; i < n; i++)
    {
      cairo_text_extents_t ext;

      cairo_text_extents (cr, entries[i].name, &ext);
      box_w = fmax (box_w, ext.x_advance + 30.0 + 2.0 * LEGEND_PAD);
    }
  box_h = n * LEGEND_LINE + LEGEND_PAD;
  /* The corner hiding the fewest points: top right, top left, bottom right,
   * bottom left, in that order of preference. */
  for (int corner = 0; corner < 4; corner++)
    {
      Corner c = { self, p, 0.0, 0.0, 0.0, 0.0, 0 };

      c.x0 = corner % 2 == 0 ? p->x1 - 4.0 - box_w : p->x0 + 4.0;
      c.y0 = corner < 2 ? p->y0 + 4.0 : p->y1 - 4.0 - box_h;
      c.x1 = c.x0 + box_w;
      c.y1 = c.y0 + box_h;
      for_each_point (self, count_hidden, &c);
      if (corner == 0 || c.hidden < best.hidden)
        best = c;
    }
  cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 0.85);
  cairo_rectangle (cr, best.x0, best.y0, box_w, box_h);
  cairo_fill (cr);

  y = best.y0 + LEGEND_LINE;
  for (int i = 0; i < n; i++)
    {
      const LegendEntry *e = &entries[i];
      double key_x0 = best.x0 + LEGEND_PAD, key_x1 = key_x0 + 22.0;

      if (e->style == ENTRY_BAND)
        {
          cairo_set_source_rgba (cr, e->colour[0], e->colour[1], e->colour[2], BAND_ALPHA);
          cairo_rectangle (cr, key_x0, y - 9.0, key_x1 - key_x0, 10.0);
          cairo_fill (cr);
        }
      else
        {
          cairo_set_source_rgb (cr, e->colour[0], e->colour[1], e->colour[2]);
          cairo_set_line_width (cr, 2.0);
          if (e->style == ENTRY_DASHED)
            cairo_set_dash (cr, GAUSSIAN_DASH, 2, 0.0);
          cairo_move_to (cr, key_x0, y - 4.0);
          cairo_line_to (cr, key_x1, y - 4.0);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0.0);
          if (e->style == ENTRY_MARKED)
            cairo_arc (cr, (key_x0 + key_x1) / 2.0, y - 4.0, 3.0, 0.0, 2.0 * G_PI);
          else if (e->style == ENTRY_SQUARE)
            cairo_rectangle (cr, (key_x0 + key_x1) / 2.0 - 2.5, y - 6.5, 5.0, 5.0);
          cairo_fill (cr);
        }
      set_text_colour (cr);
      cairo_move_to (cr, key_x1 + 8.0, y);
      cairo_show_text (cr, e->name);
      y += LEGEND_LINE;
      g_free (entries[i].name);
    }
}

/* Why the map is not drawn: in the middle, or over a plot of the band
 * alone where the readout goes. */
static void
draw_message (DarkmapStatsView *self, cairo_t *cr, const Plot *p, int width, int height)
{
  cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
  if (p == NULL)
    {
      cairo_set_font_size (cr, 13.0);
      show_text_at (cr, self->message, width / 2.0, height / 2.0, 0.5);
    }
  else
    {
      cairo_set_font_size (cr, 12.0);
      show_text_at (cr, self->message, p->x0, p->y0 - 14.0, 0.0);
    }
}

/* The map's numbers where the readout goes, while the pointer is away. */
static void
draw_summary (DarkmapStatsView *self, const Plot *p, cairo_t *cr)
{
  const DmMapStats *s = self->stats;
  g_autofree char *text = NULL;

  /* TRANSLATORS: the map's standard deviation, its numbers of peaks and
   * minima, and the area measured */
  text = g_strdup_printf (_("σ₀ %.3g · %ld peaks · %ld minima · %.2f deg²"), s->sigma0,
                          s->n_peaks, s->n_minima, s->area_deg2);
  cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
  cairo_set_font_size (cr, 12.0);
  show_text_at (cr, text, p->x0, p->y0 - 14.0, 0.0);
}

static void
draw_pointer (DarkmapStatsView *self, const Plot *p, cairo_t *cr, int width, int height)
{
  g_autofree char *text = darkmap_stats_view_readout (self, width, height, self->pointer_x,
                                                      self->pointer_y);

  if (text == NULL)
    return;
  cairo_set_source_rgba (cr, 0.3, 0.3, 0.3, 0.6);
  cairo_set_line_width (cr, 1.0);
  cairo_set_dash (cr, (double[]) { 4.0, 3.0 }, 2, 0.0);
  cairo_move_to (cr, round (self->pointer_x) + 0.5, p->y0);
  cairo_line_to (cr, round (self->pointer_x) + 0.5, p->y1);
  cairo_move_to (cr, p->x0, round (self->pointer_y) + 0.5);
  cairo_line_to (cr, p->x1, round (self->pointer_y) + 0.5);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
  set_text_colour (cr);
  cairo_set_font_size (cr, 12.0);
  cairo_move_to (cr, p->x0, p->y0 - 14.0);
  cairo_show_text (cr, text);
}

void
darkmap_stats_view_render (DarkmapStatsView *self, cairo_t *cr, int width, int height)
{
  Plot p;

  g_return_if_fail (DARKMAP_IS_STATS_VIEW (self));

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_fill (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  if (!get_plot (self, width, height, &p))
    {
      if (self->message != NULL)
        draw_message (self, cr, NULL, width, height);
      cairo_restore (cr);
      return;
    }
  draw_axes (self, &p, cr);

  cairo_save (cr);
  cairo_rectangle (cr, p.x0, p.y0, p.x1 - p.x0, p.y1 - p.y0);
  cairo_clip (cr);
  if (emulator_drawn (self))
    draw_band (self, &p, cr, self->emulator, EMULATOR_COLOUR);
  if (self->band != NULL)
    {
      draw_band (self, &p, cr, self->band, POSTERIOR_COLOUR);
      if (self->band->mean != NULL)
        draw_measured (self, &p, cr, self->band->mean, POSTERIOR_COLOUR, TRUE);
    }
  if (self->stats != NULL)
    {
      draw_gaussian (self, &p, cr);
      draw_measured (self, &p, cr, self->stats, MAP_COLOUR, FALSE);
    }
  draw_legend (self, &p, cr);
  cairo_restore (cr);

  if (self->pointer_in)
    draw_pointer (self, &p, cr, width, height);
  else if (self->message != NULL)
    draw_message (self, cr, &p, width, height);
  else if (self->stats != NULL)
    draw_summary (self, &p, cr);
  cairo_restore (cr);
}

/* GtkWidget */

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, DarkmapStatsView *self)
{
  self->pointer_in = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller, DarkmapStatsView *self)
{
  self->pointer_in = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

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
darkmap_stats_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                            int *minimum, int *natural, int *minimum_baseline,
                            int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 180;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 480;
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
  widget_class->measure = darkmap_stats_view_measure;
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
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->kind = DM_STAT_PDF;
  self->show_emulator = TRUE;
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
darkmap_stats_view_new (void)
{
  return g_object_new (DARKMAP_TYPE_STATS_VIEW, NULL);
}

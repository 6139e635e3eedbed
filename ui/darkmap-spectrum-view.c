/* DarkmapSpectrumView: C_ell of the map against theory, noise and the
 * posterior's band. */
#include "darkmap-spectrum-view.h"

#include <math.h>

#include <glib/gi18n.h>

#include "darkmap-plot.h"

#define THEORY_SAMPLES 200
#define ARCMIN_RAD (G_PI / (180.0 * 60.0))

static const double MAP_COLOUR[3] = { 0.12, 0.47, 0.71 };
static const double THEORY_COLOUR[3] = { 0.85, 0.37, 0.0 };
static const double NOISE_COLOUR[3] = { 0.45, 0.45, 0.45 };
static const double POSTERIOR_COLOUR[3] = { 0.17, 0.63, 0.17 };
static const double NOISE_DASH[2] = { 2.0, 3.0 };

struct _DarkmapSpectrumView
{
  GtkWidget parent_instance;

  DmPowerSpectrum *spectrum;  /* owned, or NULL */
  DmMap *mask;                /* the spectrum's mask (copy, owned), or NULL */
  DarkmapSpectrumBand *band;  /* the posterior on the spectrum's bins (owned), or NULL */
  char *band_label;
  double noise_level;         /* N per sr before smoothing; NaN: none */
  double smooth_sigma_rad;    /* smoothing of the map; 0: none */
  DmTheorySpectrum theory;    /* arrays owned (n = 0: none); column unused */
  char *theory_name;

  DarkmapPlotAxis ell_axis, cl_axis; /* whole decades */

  DarkmapPlotPointer pointer;
};

G_DEFINE_FINAL_TYPE (DarkmapSpectrumView, darkmap_spectrum_view, GTK_TYPE_WIDGET)

/* The frame of a drawing of width × height: ell along x, C_ell along y;
 * FALSE without a spectrum or for a size too small. */
static gboolean
get_frame (DarkmapSpectrumView *self, int width, int height, DarkmapPlotFrame *f)
{
  if (self->spectrum == NULL
      || !darkmap_plot_frame_init (f, &darkmap_plot_page_layout, width, height))
    return FALSE;
  f->x = self->ell_axis;
  f->y = self->cl_axis;
  return TRUE;
}

gboolean
darkmap_spectrum_view_data_to_view (DarkmapSpectrumView *self, int width, int height,
                                    double ell, double cl, double *vx, double *vy)
{
  DarkmapPlotFrame f;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);
  if (!get_frame (self, width, height, &f) || !(ell > 0.0) || !(cl > 0.0))
    return FALSE;
  darkmap_plot_to_view (&f, ell, cl, vx, vy);
  return TRUE;
}

gboolean
darkmap_spectrum_view_view_to_data (DarkmapSpectrumView *self, int width, int height,
                                    double vx, double vy, double *ell, double *cl)
{
  DarkmapPlotFrame f;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);
  if (!get_frame (self, width, height, &f))
    return FALSE;
  darkmap_plot_from_view (&f, vx, vy, ell, cl);
  return TRUE;
}

gboolean
darkmap_spectrum_view_get_range (DarkmapSpectrumView *self, double *ell_lo, double *ell_hi,
                                 double *cl_lo, double *cl_hi)
{
  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);
  if (self->spectrum == NULL)
    return FALSE;
  *ell_lo = pow (10.0, self->ell_axis.lo);
  *ell_hi = pow (10.0, self->ell_axis.hi);
  *cl_lo = pow (10.0, self->cl_axis.lo);
  *cl_hi = pow (10.0, self->cl_axis.hi);
  return TRUE;
}

/* Curves */

/* The smoothing's transfer function squared at ell. */
static double
smoothing_window (DarkmapSpectrumView *self, double ell)
{
  return exp (-ell * ell * self->smooth_sigma_rad * self->smooth_sigma_rad);
}

/* Axis ranges: whole decades around the measured spectrum (with its
 * errors), the posterior's band and mean, the unsmoothed noise level and
 * theory inside the ell range. */
static void
update_range (DarkmapSpectrumView *self)
{
  const DmPowerSpectrum *s = self->spectrum;
  double ell_lo = INFINITY, ell_hi = -INFINITY, cl_lo = INFINITY, cl_hi = -INFINITY;

  for (int i = 0; i < s->n_bins; i++)
    {
      ell_lo = fmin (ell_lo, s->ell_lo[i]);
      ell_hi = fmax (ell_hi, s->ell_hi[i]);
      if (isfinite (s->cl[i]) && s->cl[i] > 0.0)
        {
          cl_lo = fmin (cl_lo, s->cl[i]);
          cl_hi = fmax (cl_hi, s->cl[i] + (isfinite (s->cl_error[i]) ? s->cl_error[i] : 0.0));
        }
    }
  if (!(ell_lo > 0.0))
    ell_lo = ell_hi / 100.0;
  if (isfinite (self->noise_level) && self->noise_level > 0.0)
    {
      cl_lo = fmin (cl_lo, self->noise_level);
      cl_hi = fmax (cl_hi, self->noise_level);
    }
  for (int i = 0; self->band != NULL && i < self->band->n_bins; i++)
    {
      double values[3] = { self->band->lo[i], self->band->hi[i], self->band->mean_cl[i] };

      for (int j = 0; j < 3; j++)
        if (isfinite (values[j]) && values[j] > 0.0)
          {
            cl_lo = fmin (cl_lo, values[j]);
            cl_hi = fmax (cl_hi, values[j]);
          }
    }
  for (int i = 0; i < self->theory.n; i++)
    if (self->theory.ell[i] >= ell_lo && self->theory.ell[i] <= ell_hi && self->theory.cl[i] > 0.0)
      cl_hi = fmax (cl_hi, self->theory.cl[i]);
  darkmap_plot_axis_set_decades (&self->ell_axis, ell_lo, ell_hi);
  darkmap_plot_axis_set_decades (&self->cl_axis, cl_lo, cl_hi);
}

/* White-noise level <(s1² + s2²) / 2> Omega_pix over the observed pixels. */
static double
noise_level (const DmMap *noise, const DmMap *mask, double pixel_arcmin)
{
  const float *s1 = dm_map_plane (noise, 0), *s2 = dm_map_plane (noise, 1);
  size_t n = dm_map_plane_size (noise), used = 0;
  double sum = 0.0, pixel_rad = pixel_arcmin * ARCMIN_RAD;

  for (size_t i = 0; i < n; i++)
    if ((mask == NULL || mask->data[i] > 0.0f) && isfinite (s1[i]) && isfinite (s2[i]))
      {
        sum += 0.5 * ((double) s1[i] * s1[i] + (double) s2[i] * s2[i]);
        used++;
      }
  return used > 0 ? sum / (double) used * pixel_rad * pixel_rad : NAN;
}

static void
clear_band (DarkmapSpectrumView *self)
{
  g_clear_pointer (&self->band, darkmap_spectrum_band_free);
  g_clear_pointer (&self->band_label, g_free);
}

gboolean
darkmap_spectrum_view_set_map (DarkmapSpectrumView *self, const DmMap *map, const DmMap *mask,
                               const DmMap *noise, double smooth_sigma_pixels, DmError **error)
{
  DmPspecOptions options;
  DmPowerSpectrum *spectrum = NULL;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);

  if (map != NULL)
    {
      darkmap_spectrum_options_init (&options, mask, 0.0);
      if ((spectrum = dm_power_spectrum (map, 0, &options, error)) == NULL)
        return FALSE;
    }
  return darkmap_spectrum_view_set_spectrum (self, map, spectrum, mask, noise,
                                             smooth_sigma_pixels, error);
}

gboolean
darkmap_spectrum_view_set_spectrum (DarkmapSpectrumView *self, const DmMap *map,
                                    DmPowerSpectrum *spectrum, const DmMap *mask,
                                    const DmMap *noise, double smooth_sigma_pixels,
                                    DmError **error)
{
  DmMap *mask_copy = NULL;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);
  g_return_val_if_fail (spectrum == NULL || map != NULL, FALSE);

  if (spectrum != NULL)
    {
      if (noise != NULL && (noise->nx != map->nx || noise->ny != map->ny || noise->nplanes < 2))
        {
          dm_power_spectrum_free (spectrum);
          return dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                               "The noise map (%d × %d × %d) does not match the map (%d × %d)",
                               noise->nx, noise->ny, noise->nplanes, map->nx, map->ny);
        }
      if (mask != NULL && (mask_copy = dm_map_copy (mask, error)) == NULL)
        {
          dm_power_spectrum_free (spectrum);
          return FALSE;
        }
    }
  g_clear_pointer (&self->spectrum, dm_power_spectrum_free);
  self->spectrum = spectrum;
  g_clear_pointer (&self->mask, dm_map_free);
  self->mask = mask_copy;
  clear_band (self);
  self->noise_level = spectrum != NULL && noise != NULL
                        ? noise_level (noise, mask, spectrum->pixel_arcmin)
                        : NAN;
  self->smooth_sigma_rad = spectrum != NULL
                             ? smooth_sigma_pixels * spectrum->pixel_arcmin * ARCMIN_RAD
                             : 0.0;
  if (spectrum != NULL)
    update_range (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

gboolean
darkmap_spectrum_view_set_band (DarkmapSpectrumView *self, DarkmapSpectrumBand *band,
                                const char *label, DmError **error)
{
  g_autoptr (DarkmapSpectrumBand) owned = band;
  const DmPowerSpectrum *s = self->spectrum;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);

  if (band != NULL && s == NULL)
    return dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                         "The posterior's spectrum needs a map's spectrum to compare with");
  if (band != NULL && band->n_bins != s->n_bins)
    return dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                         "The posterior's spectrum has %d bins, the map's %d", band->n_bins,
                         s->n_bins);
  for (int i = 0; band != NULL && i < s->n_bins; i++)
    if (band->ell_lo[i] != s->ell_lo[i] || band->ell_hi[i] != s->ell_hi[i])
      return dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                           "The posterior's spectrum bin %d (ell %g to %g) is not the map's "
                           "(ell %g to %g)",
                           i, band->ell_lo[i], band->ell_hi[i], s->ell_lo[i], s->ell_hi[i]);
  clear_band (self);
  self->band = g_steal_pointer (&owned);
  self->band_label = band != NULL ? g_strdup (label) : NULL;
  if (s != NULL)
    update_range (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

gboolean
darkmap_spectrum_view_set_posterior (DarkmapSpectrumView *self, const DmMap *samples,
                                     const DmMap *mean, const char *label, DmError **error)
{
  DarkmapSpectrumBand *band = NULL;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);

  if (samples != NULL)
    {
      if (self->spectrum == NULL)
        return dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                             "The posterior's spectrum needs a map's spectrum to compare with");
      band = darkmap_spectrum_band_compute (samples, mean, self->mask,
                                            self->spectrum->pixel_arcmin, error);
      if (band == NULL)
        return FALSE;
    }
  return darkmap_spectrum_view_set_band (self, band, label, error);
}

gboolean
darkmap_spectrum_view_get_band (DarkmapSpectrumView *self, guint bin, double *ell, double *lo,
                                double *hi, double *mean_cl)
{
  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);
  if (self->band == NULL || bin >= (guint) self->band->n_bins)
    return FALSE;
  *ell = self->band->ell[bin];
  *lo = self->band->lo[bin];
  *hi = self->band->hi[bin];
  *mean_cl = self->band->mean_cl[bin];
  return TRUE;
}

const DmPowerSpectrum *
darkmap_spectrum_view_get_spectrum (DarkmapSpectrumView *self)
{
  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), NULL);
  return self->spectrum;
}

double
darkmap_spectrum_view_get_noise_level (DarkmapSpectrumView *self)
{
  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), NAN);
  return self->noise_level;
}

static void
clear_theory (DarkmapSpectrumView *self)
{
  g_clear_pointer (&self->theory.ell, g_free);
  g_clear_pointer (&self->theory.cl, g_free);
  g_clear_pointer (&self->theory_name, g_free);
  self->theory.n = 0;
}

void
darkmap_spectrum_view_set_theory (DarkmapSpectrumView *self, const DmTheorySpectrum *theory,
                                  const char *name)
{
  g_return_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self));

  clear_theory (self);
  if (theory != NULL)
    {
      self->theory.n = theory->n;
      self->theory.ell = g_memdup2 (theory->ell, (gsize) theory->n * sizeof (double));
      self->theory.cl = g_memdup2 (theory->cl, (gsize) theory->n * sizeof (double));
      self->theory_name = g_strdup (name);
    }
  if (self->spectrum != NULL)
    update_range (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Readout */

/* The readout at (vx, vy) in frame f, or NULL outside the plot area. */
static char *
readout_in_frame (DarkmapSpectrumView *self, const DarkmapPlotFrame *f, double vx, double vy)
{
  const DmPowerSpectrum *s;
  GString *text;
  double ell, cl, best = INFINITY;
  int nearest = -1;

  if (!darkmap_plot_contains (f, vx, vy))
    return NULL;
  darkmap_plot_from_view (f, vx, vy, &ell, &cl);
  s = self->spectrum;
  for (int i = 0; i < s->n_bins; i++)
    if (isfinite (s->ell[i]) && isfinite (s->cl[i]) && fabs (log (s->ell[i] / ell)) < best)
      {
        best = fabs (log (s->ell[i] / ell));
        nearest = i;
      }
  if (nearest < 0)
    return g_strdup_printf ("ℓ = %.0f   C_ℓ = %.3g", ell, cl);
  text = g_string_new (NULL);
  /* TRANSLATORS: the pointer's position, then the nearest measured bin */
  g_string_printf (text, _("ℓ = %.0f   C_ℓ = %.3g      bin ℓ = %.0f: C_ℓ = %.3g ± %.2g"), ell,
                   cl, s->ell[nearest], s->cl[nearest], s->cl_error[nearest]);
  if (self->band != NULL && isfinite (self->band->lo[nearest]))
    {
      g_string_append (text, "      ");
      /* TRANSLATORS: the posterior samples' 16th to 84th percentiles of C_ℓ in the bin */
      g_string_append_printf (text, _("posterior 16–84 %%: %.3g–%.3g"), self->band->lo[nearest],
                              self->band->hi[nearest]);
    }
  return g_string_free (text, FALSE);
}

char *
darkmap_spectrum_view_readout (DarkmapSpectrumView *self, int width, int height, double vx,
                               double vy)
{
  DarkmapPlotFrame f;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), NULL);
  return get_frame (self, width, height, &f) ? readout_in_frame (self, &f, vx, vy) : NULL;
}

/* Drawing */

/* A curve f(ell) sampled on a log grid across the plot, through the
 * smoothing: the theory or the noise level. */
static void
draw_curve (DarkmapSpectrumView *self, const DarkmapPlotFrame *f, cairo_t *cr, gboolean theory)
{
  gboolean pen_down = FALSE;

  cairo_new_path (cr);
  for (int i = 0; i < THEORY_SAMPLES; i++)
    {
      double log_ell = f->x.lo + (f->x.hi - f->x.lo) * i / (THEORY_SAMPLES - 1.0);
      double ell = pow (10.0, log_ell);
      double cl = (theory ? dm_theory_eval (&self->theory, ell) : self->noise_level)
                  * smoothing_window (self, ell);

      darkmap_plot_trace (cr, f, ell, cl, &pen_down);
    }
  cairo_stroke (cr);
}

/* The measured C_ell: a line through the bins, each with its error bar
 * and a round marker. */
static void
draw_spectrum (DarkmapSpectrumView *self, const DarkmapPlotFrame *f, cairo_t *cr)
{
  const DmPowerSpectrum *s = self->spectrum;

  darkmap_plot_set_pen (cr, MAP_COLOUR, 1.5, NULL);
  darkmap_plot_draw_line (cr, f, s->n_bins, s->ell, s->cl);
  for (int i = 0; i < s->n_bins; i++)
    {
      double vx, vy, lo_y, hi_y, low = s->cl[i] - s->cl_error[i];

      if (!darkmap_plot_drawable (f, s->ell[i], s->cl[i]))
        continue;
      darkmap_plot_to_view (f, s->ell[i], s->cl[i], &vx, &vy);
      darkmap_plot_to_view (f, s->ell[i], s->cl[i] + s->cl_error[i], &vx, &hi_y);
      lo_y = f->y1 + 1.0; /* an error bar reaching zero runs off the bottom */
      if (low > 0.0)
        darkmap_plot_to_view (f, s->ell[i], low, &vx, &lo_y);
      cairo_move_to (cr, vx, lo_y);
      cairo_line_to (cr, vx, hi_y);
      cairo_stroke (cr);
      darkmap_plot_draw_marker (cr, DARKMAP_PLOT_KEY_CIRCLE, vx, vy);
    }
}

/* The posterior: its samples' band, and its mean's C_ell as a line with
 * square markers. */
static void
draw_posterior (DarkmapSpectrumView *self, const DarkmapPlotFrame *f, cairo_t *cr)
{
  const DarkmapSpectrumBand *b = self->band;

  darkmap_plot_fill_band (cr, f, b->n_bins, b->ell, b->lo, b->hi, POSTERIOR_COLOUR);
  darkmap_plot_set_pen (cr, POSTERIOR_COLOUR, 1.5, NULL);
  darkmap_plot_draw_line (cr, f, b->n_bins, b->ell, b->mean_cl);
  darkmap_plot_draw_markers (cr, f, DARKMAP_PLOT_KEY_SQUARE, b->n_bins, b->ell, b->mean_cl);
}

static void
draw_legend (DarkmapSpectrumView *self, const DarkmapPlotFrame *f, cairo_t *cr)
{
  DarkmapPlotEntry entries[6];
  g_autofree char *band_name = NULL, *mean_name = NULL;
  int n = 0;

  entries[n++] = (DarkmapPlotEntry) { _("Kaiser-Squires"), DARKMAP_PLOT_KEY_LINE, MAP_COLOUR,
                                      NULL };
  if (self->band != NULL)
    {
      const char *label = self->band_label != NULL ? self->band_label : _("posterior");

      /* TRANSLATORS: %s names the posterior, e.g. "Wiener filter" */
      band_name = g_strdup_printf (_("%s: samples 16–84 %%"), label);
      entries[n++] = (DarkmapPlotEntry) { band_name, DARKMAP_PLOT_KEY_BAND, POSTERIOR_COLOUR,
                                          NULL };
      if (self->band->has_mean)
        {
          /* TRANSLATORS: %s names the posterior, e.g. "Wiener filter" */
          mean_name = g_strdup_printf (_("%s: mean"), label);
          entries[n++] = (DarkmapPlotEntry) { mean_name, DARKMAP_PLOT_KEY_SQUARE,
                                              POSTERIOR_COLOUR, NULL };
        }
    }
  if (self->theory.n > 0)
    entries[n++] = (DarkmapPlotEntry) {
      self->theory_name != NULL ? self->theory_name : _("theory"), DARKMAP_PLOT_KEY_LINE,
      THEORY_COLOUR, NULL
    };
  if (isfinite (self->noise_level))
    entries[n++] = (DarkmapPlotEntry) { _("noise level"), DARKMAP_PLOT_KEY_LINE, NOISE_COLOUR,
                                        NOISE_DASH };
  if (self->smooth_sigma_rad > 0.0 && (self->theory.n > 0 || isfinite (self->noise_level)))
    entries[n++] = (DarkmapPlotEntry) { _("(curves smoothed as the map)"),
                                        DARKMAP_PLOT_KEY_NONE, NULL, NULL };
  darkmap_plot_draw_legend (cr, f, entries, n);
}

/* The curves: the noise level, theory, the posterior and the spectrum. */
static void
draw_data (gpointer plot, const DarkmapPlotFrame *f, cairo_t *cr)
{
  DarkmapSpectrumView *self = plot;

  if (isfinite (self->noise_level))
    {
      darkmap_plot_set_pen (cr, NOISE_COLOUR, 1.5, NOISE_DASH);
      draw_curve (self, f, cr, FALSE);
    }
  if (self->theory.n > 0)
    {
      darkmap_plot_set_pen (cr, THEORY_COLOUR, 2.0, NULL);
      draw_curve (self, f, cr, TRUE);
    }
  if (self->band != NULL)
    draw_posterior (self, f, cr);
  draw_spectrum (self, f, cr);
}

/* The legend, and the pointer with its readout. */
static void
draw_over (gpointer plot, const DarkmapPlotFrame *f, cairo_t *cr)
{
  DarkmapSpectrumView *self = plot;
  g_autofree char *text = NULL;

  draw_legend (self, f, cr);
  if (self->pointer.in
      && (text = readout_in_frame (self, f, self->pointer.x, self->pointer.y)) != NULL)
    darkmap_plot_draw_pointer (cr, f, self->pointer.x, self->pointer.y, text);
}

void
darkmap_spectrum_view_render (DarkmapSpectrumView *self, cairo_t *cr, int width, int height)
{
  DarkmapPlotFrame f;

  g_return_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self));
  darkmap_plot_render (cr, width, height, get_frame (self, width, height, &f) ? &f : NULL,
                       _("multipole ℓ"), _("C_ℓ (per sr)"), draw_data, draw_over, self);
}

/* GtkWidget */

static void
darkmap_spectrum_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  darkmap_spectrum_view_render (DARKMAP_SPECTRUM_VIEW (widget), cr, width, height);
  cairo_destroy (cr);
}

static void
darkmap_spectrum_view_finalize (GObject *object)
{
  DarkmapSpectrumView *self = DARKMAP_SPECTRUM_VIEW (object);

  g_clear_pointer (&self->spectrum, dm_power_spectrum_free);
  g_clear_pointer (&self->mask, dm_map_free);
  clear_band (self);
  clear_theory (self);
  G_OBJECT_CLASS (darkmap_spectrum_view_parent_class)->finalize (object);
}

static void
darkmap_spectrum_view_class_init (DarkmapSpectrumViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = darkmap_spectrum_view_finalize;
  widget_class->snapshot = darkmap_spectrum_view_snapshot;
  widget_class->measure = darkmap_plot_measure;
  gtk_widget_class_set_css_name (widget_class, "darkmap-spectrum-view");
}

static void
darkmap_spectrum_view_init (DarkmapSpectrumView *self)
{
  self->noise_level = NAN;
  darkmap_plot_track_pointer (GTK_WIDGET (self), &self->pointer);
}

GtkWidget *
darkmap_spectrum_view_new (void)
{
  return g_object_new (DARKMAP_TYPE_SPECTRUM_VIEW, NULL);
}

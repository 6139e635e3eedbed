/* DarkmapSpectrumView: C_ell of the map against theory, noise and the
 * posterior's band. */
#include "darkmap-spectrum-view.h"

#include <math.h>

#include <glib/gi18n.h>

#define THEORY_SAMPLES 200
#define MIN_PLOT 24.0
#define ARCMIN_RAD (G_PI / (180.0 * 60.0))
#define BAND_ALPHA 0.25

static const double MAP_COLOUR[3] = { 0.12, 0.47, 0.71 };
static const double THEORY_COLOUR[3] = { 0.85, 0.37, 0.0 };
static const double NOISE_COLOUR[3] = { 0.45, 0.45, 0.45 };
static const double POSTERIOR_COLOUR[3] = { 0.17, 0.63, 0.17 };

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

  double log_ell_lo, log_ell_hi, log_cl_lo, log_cl_hi; /* axis ranges, whole decades */

  gboolean pointer_in;
  double pointer_x, pointer_y;
};

G_DEFINE_FINAL_TYPE (DarkmapSpectrumView, darkmap_spectrum_view, GTK_TYPE_WIDGET)

typedef struct
{
  double x0, y0, x1, y1; /* the plot area: left, top, right, bottom */
} Plot;

static gboolean
get_plot (DarkmapSpectrumView *self, int width, int height, Plot *p)
{
  if (self->spectrum == NULL)
    return FALSE;
  p->x0 = DARKMAP_SPECTRUM_MARGIN_LEFT;
  p->y0 = DARKMAP_SPECTRUM_MARGIN_TOP;
  p->x1 = width - DARKMAP_SPECTRUM_MARGIN_RIGHT;
  p->y1 = height - DARKMAP_SPECTRUM_MARGIN_BOTTOM;
  return p->x1 - p->x0 >= MIN_PLOT && p->y1 - p->y0 >= MIN_PLOT;
}

static void
to_view (DarkmapSpectrumView *self, const Plot *p, double ell, double cl, double *vx, double *vy)
{
  *vx = p->x0 + (p->x1 - p->x0) * (log10 (ell) - self->log_ell_lo)
                  / (self->log_ell_hi - self->log_ell_lo);
  *vy = p->y1 - (p->y1 - p->y0) * (log10 (cl) - self->log_cl_lo)
                  / (self->log_cl_hi - self->log_cl_lo);
}

gboolean
darkmap_spectrum_view_data_to_view (DarkmapSpectrumView *self, int width, int height,
                                    double ell, double cl, double *vx, double *vy)
{
  Plot p;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);
  if (!get_plot (self, width, height, &p) || !(ell > 0.0) || !(cl > 0.0))
    return FALSE;
  to_view (self, &p, ell, cl, vx, vy);
  return TRUE;
}

gboolean
darkmap_spectrum_view_view_to_data (DarkmapSpectrumView *self, int width, int height,
                                    double vx, double vy, double *ell, double *cl)
{
  Plot p;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);
  if (!get_plot (self, width, height, &p))
    return FALSE;
  *ell = pow (10.0, self->log_ell_lo + (vx - p.x0) / (p.x1 - p.x0)
                                         * (self->log_ell_hi - self->log_ell_lo));
  *cl = pow (10.0, self->log_cl_lo + (p.y1 - vy) / (p.y1 - p.y0)
                                       * (self->log_cl_hi - self->log_cl_lo));
  return TRUE;
}

gboolean
darkmap_spectrum_view_get_range (DarkmapSpectrumView *self, double *ell_lo, double *ell_hi,
                                 double *cl_lo, double *cl_hi)
{
  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);
  if (self->spectrum == NULL)
    return FALSE;
  *ell_lo = pow (10.0, self->log_ell_lo);
  *ell_hi = pow (10.0, self->log_ell_hi);
  *cl_lo = pow (10.0, self->log_cl_lo);
  *cl_hi = pow (10.0, self->log_cl_hi);
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
  if (!(cl_lo <= cl_hi))
    cl_lo = cl_hi = 1.0;
  self->log_ell_lo = floor (log10 (ell_lo));
  self->log_ell_hi = ceil (log10 (ell_hi));
  self->log_cl_lo = floor (log10 (cl_lo));
  self->log_cl_hi = ceil (log10 (cl_hi));
  if (self->log_ell_hi <= self->log_ell_lo)
    self->log_ell_hi = self->log_ell_lo + 1.0;
  if (self->log_cl_hi <= self->log_cl_lo)
    self->log_cl_hi = self->log_cl_lo + 1.0;
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
  DmMap *mask_copy = NULL;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), FALSE);

  if (map != NULL)
    {
      if (noise != NULL && (noise->nx != map->nx || noise->ny != map->ny || noise->nplanes < 2))
        return dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                             "The noise map (%d × %d × %d) does not match the map (%d × %d)",
                             noise->nx, noise->ny, noise->nplanes, map->nx, map->ny);
      darkmap_spectrum_options_init (&options, mask, 0.0);
      if ((spectrum = dm_power_spectrum (map, 0, &options, error)) == NULL)
        return FALSE;
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

char *
darkmap_spectrum_view_readout (DarkmapSpectrumView *self, int width, int height, double vx,
                               double vy)
{
  const DmPowerSpectrum *s;
  GString *text;
  Plot p;
  double ell, cl, best = INFINITY;
  int nearest = -1;

  g_return_val_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self), NULL);
  if (!get_plot (self, width, height, &p) || vx < p.x0 || vx > p.x1 || vy < p.y0 || vy > p.y1)
    return NULL;
  darkmap_spectrum_view_view_to_data (self, width, height, vx, vy, &ell, &cl);
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

/* Drawing */

static void
set_text_colour (cairo_t *cr)
{
  cairo_set_source_rgb (cr, 0.13, 0.13, 0.13);
}

/* "10" with the exponent raised, right-aligned at x (align_right) or
 * centred on it, its middle at y. */
static void
draw_power_of_ten (cairo_t *cr, int exponent, double x, double y, gboolean align_right)
{
  char exp_text[16];
  cairo_text_extents_t base, sup;

  g_snprintf (exp_text, sizeof exp_text, "%d", exponent);
  cairo_set_font_size (cr, 11.0);
  cairo_text_extents (cr, "10", &base);
  cairo_set_font_size (cr, 8.0);
  cairo_text_extents (cr, exp_text, &sup);
  x -= align_right ? base.x_advance + sup.x_advance : (base.x_advance + sup.x_advance) / 2.0;
  cairo_set_font_size (cr, 11.0);
  cairo_move_to (cr, x, y + base.height / 2.0);
  cairo_show_text (cr, "10");
  cairo_set_font_size (cr, 8.0);
  cairo_move_to (cr, x + base.x_advance, y - base.height / 2.0 + sup.height / 2.0);
  cairo_show_text (cr, exp_text);
}

static void
draw_axes (DarkmapSpectrumView *self, const Plot *p, cairo_t *cr)
{
  cairo_text_extents_t ext;
  const char *x_title = _("multipole ℓ");
  const char *y_title = _("C_ℓ (per sr)");

  cairo_set_line_width (cr, 1.0);
  for (int axis = 0; axis < 2; axis++)
    {
      double lo = axis == 0 ? self->log_ell_lo : self->log_cl_lo;
      double hi = axis == 0 ? self->log_ell_hi : self->log_cl_hi;

      for (int k = (int) lo; k <= (int) hi; k++)
        for (int m = 1; m <= 9 && (m == 1 || k < (int) hi); m++)
          {
            double v = log10 (m) + k, pos, length = m == 1 ? 7.0 : 3.5;

            if (axis == 0)
              {
                pos = p->x0 + (p->x1 - p->x0) * (v - lo) / (hi - lo);
                if (m == 1)
                  {
                    cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
                    cairo_move_to (cr, round (pos) + 0.5, p->y0);
                    cairo_line_to (cr, round (pos) + 0.5, p->y1);
                    cairo_stroke (cr);
                  }
                set_text_colour (cr);
                cairo_move_to (cr, round (pos) + 0.5, p->y1);
                cairo_line_to (cr, round (pos) + 0.5, p->y1 - length);
                cairo_stroke (cr);
                if (m == 1)
                  draw_power_of_ten (cr, k, pos, p->y1 + 14.0, FALSE);
              }
            else
              {
                pos = p->y1 - (p->y1 - p->y0) * (v - lo) / (hi - lo);
                if (m == 1)
                  {
                    cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
                    cairo_move_to (cr, p->x0, round (pos) + 0.5);
                    cairo_line_to (cr, p->x1, round (pos) + 0.5);
                    cairo_stroke (cr);
                  }
                set_text_colour (cr);
                cairo_move_to (cr, p->x0, round (pos) + 0.5);
                cairo_line_to (cr, p->x0 + length, round (pos) + 0.5);
                cairo_stroke (cr);
                if (m == 1)
                  draw_power_of_ten (cr, k, p->x0 - 6.0, pos, TRUE);
              }
          }
    }
  set_text_colour (cr);
  cairo_rectangle (cr, p->x0 + 0.5, p->y0 + 0.5, p->x1 - p->x0 - 1.0, p->y1 - p->y0 - 1.0);
  cairo_stroke (cr);

  cairo_set_font_size (cr, 11.0);
  cairo_text_extents (cr, x_title, &ext);
  cairo_move_to (cr, (p->x0 + p->x1 - ext.x_advance) / 2.0, p->y1 + 36.0);
  cairo_show_text (cr, x_title);
  cairo_text_extents (cr, y_title, &ext);
  cairo_save (cr);
  cairo_move_to (cr, 16.0, (p->y0 + p->y1 + ext.x_advance) / 2.0);
  cairo_rotate (cr, -G_PI / 2.0);
  cairo_show_text (cr, y_title);
  cairo_restore (cr);
}

/* Adds the point (ell, cl) to the curve being traced: a line from the
 * previous point while the pen is down; a point that cannot be drawn (ell
 * not finite, cl not positive) lifts the pen. */
static void
trace (DarkmapSpectrumView *self, const Plot *p, cairo_t *cr, double ell, double cl,
       gboolean *pen_down)
{
  double vx, vy;

  if (!isfinite (ell) || !(cl > 0.0))
    {
      *pen_down = FALSE;
      return;
    }
  to_view (self, p, ell, cl, &vx, &vy);
  if (*pen_down)
    cairo_line_to (cr, vx, vy);
  else
    cairo_move_to (cr, vx, vy);
  *pen_down = TRUE;
}

/* A curve f(ell) sampled on a log grid across the plot, through the
 * smoothing. */
static void
draw_curve (DarkmapSpectrumView *self, const Plot *p, cairo_t *cr, gboolean theory)
{
  gboolean pen_down = FALSE;

  cairo_new_path (cr);
  for (int i = 0; i < THEORY_SAMPLES; i++)
    {
      double log_ell = self->log_ell_lo
                       + (self->log_ell_hi - self->log_ell_lo) * i / (THEORY_SAMPLES - 1.0);
      double ell = pow (10.0, log_ell);
      double cl = (theory ? dm_theory_eval (&self->theory, ell) : self->noise_level)
                  * smoothing_window (self, ell);

      trace (self, p, cr, ell, cl, &pen_down);
    }
  cairo_stroke (cr);
}

static void
draw_spectrum (DarkmapSpectrumView *self, const Plot *p, cairo_t *cr)
{
  const DmPowerSpectrum *s = self->spectrum;
  gboolean pen_down = FALSE;

  cairo_set_source_rgb (cr, MAP_COLOUR[0], MAP_COLOUR[1], MAP_COLOUR[2]);
  cairo_set_line_width (cr, 1.5);
  for (int i = 0; i < s->n_bins; i++)
    trace (self, p, cr, s->ell[i], s->cl[i], &pen_down);
  cairo_stroke (cr);
  for (int i = 0; i < s->n_bins; i++)
    {
      double vx, vy, lo_y, hi_y, low = s->cl[i] - s->cl_error[i];

      if (!isfinite (s->ell[i]) || !(s->cl[i] > 0.0))
        continue;
      to_view (self, p, s->ell[i], s->cl[i], &vx, &vy);
      to_view (self, p, s->ell[i], s->cl[i] + s->cl_error[i], &vx, &hi_y);
      lo_y = p->y1 + 1.0; /* an error bar reaching zero runs off the bottom */
      if (low > 0.0)
        to_view (self, p, s->ell[i], low, &vx, &lo_y);
      cairo_move_to (cr, vx, lo_y);
      cairo_line_to (cr, vx, hi_y);
      cairo_stroke (cr);
      cairo_arc (cr, vx, vy, 3.0, 0.0, 2.0 * G_PI);
      cairo_fill (cr);
    }
}

/* The posterior's band: one filled region per run of bins with a band,
 * along the upper edges then back along the lower ones. */
static void
draw_band (DarkmapSpectrumView *self, const Plot *p, cairo_t *cr)
{
  const DarkmapSpectrumBand *b = self->band;

  cairo_set_source_rgba (cr, POSTERIOR_COLOUR[0], POSTERIOR_COLOUR[1], POSTERIOR_COLOUR[2],
                         BAND_ALPHA);
  for (int first = 0; first < b->n_bins;)
    {
      int last = first;
      double vx, vy;

      while (last < b->n_bins && isfinite (b->ell[last]) && b->lo[last] > 0.0)
        last++;
      if (last - first >= 2)
        {
          cairo_new_path (cr);
          for (int i = first; i < last; i++)
            {
              to_view (self, p, b->ell[i], b->hi[i], &vx, &vy);
              cairo_line_to (cr, vx, vy);
            }
          for (int i = last - 1; i >= first; i--)
            {
              to_view (self, p, b->ell[i], b->lo[i], &vx, &vy);
              cairo_line_to (cr, vx, vy);
            }
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      first = last + 1;
    }
}

/* The posterior mean's C_ell: a line with markers at the bins. */
static void
draw_posterior_mean (DarkmapSpectrumView *self, const Plot *p, cairo_t *cr)
{
  const DarkmapSpectrumBand *b = self->band;
  gboolean pen_down = FALSE;
  double vx, vy;

  cairo_set_source_rgb (cr, POSTERIOR_COLOUR[0], POSTERIOR_COLOUR[1], POSTERIOR_COLOUR[2]);
  cairo_set_line_width (cr, 1.5);
  cairo_new_path (cr);
  for (int i = 0; i < b->n_bins; i++)
    trace (self, p, cr, b->ell[i], b->mean_cl[i], &pen_down);
  cairo_stroke (cr);
  for (int i = 0; i < b->n_bins; i++)
    if (isfinite (b->ell[i]) && b->mean_cl[i] > 0.0)
      {
        to_view (self, p, b->ell[i], b->mean_cl[i], &vx, &vy);
        cairo_rectangle (cr, vx - 2.5, vy - 2.5, 5.0, 5.0);
        cairo_fill (cr);
      }
}

/* A legend entry's key: a line, a dashed line, a line with a marker, a
 * patch of the band's fill, or none (a note). */
typedef enum { ENTRY_LINE, ENTRY_DASHED, ENTRY_MARKED, ENTRY_BAND, ENTRY_NOTE } EntryStyle;

typedef struct
{
  char *name; /* owned */
  EntryStyle style;
  const double *colour;
} LegendEntry;

static void
draw_legend (DarkmapSpectrumView *self, const Plot *p, cairo_t *cr)
{
  LegendEntry entries[7];
  int n = 0;
  double x = p->x1 - 8.0, y = p->y0 + 16.0;

  entries[n++] = (LegendEntry) { g_strdup (_("Kaiser-Squires")), ENTRY_LINE, MAP_COLOUR };
  if (self->band != NULL)
    {
      const char *label = self->band_label != NULL ? self->band_label : _("posterior");

      /* TRANSLATORS: %s names the posterior, e.g. "Wiener filter" */
      entries[n++] = (LegendEntry) { g_strdup_printf (_("%s: samples 16–84 %%"), label),
                                     ENTRY_BAND, POSTERIOR_COLOUR };
      if (self->band->has_mean)
        /* TRANSLATORS: %s names the posterior, e.g. "Wiener filter" */
        entries[n++] = (LegendEntry) { g_strdup_printf (_("%s: mean"), label), ENTRY_MARKED,
                                       POSTERIOR_COLOUR };
    }
  if (self->theory.n > 0)
    entries[n++] = (LegendEntry) {
      g_strdup (self->theory_name != NULL ? self->theory_name : _("theory")), ENTRY_LINE,
      THEORY_COLOUR
    };
  if (isfinite (self->noise_level))
    entries[n++] = (LegendEntry) { g_strdup (_("noise level")), ENTRY_DASHED, NOISE_COLOUR };
  if (self->smooth_sigma_rad > 0.0 && (self->theory.n > 0 || isfinite (self->noise_level)))
    entries[n++] = (LegendEntry) { g_strdup (_("(curves smoothed as the map)")), ENTRY_NOTE,
                                   NULL };

  cairo_set_font_size (cr, 11.0);
  for (int i = 0; i < n; i++)
    {
      const LegendEntry *e = &entries[i];
      cairo_text_extents_t ext;
      double key_x0, key_x1;

      cairo_text_extents (cr, e->name, &ext);
      key_x0 = x - ext.x_advance - 30.0;
      key_x1 = x - ext.x_advance - 8.0;
      if (e->style == ENTRY_BAND)
        {
          cairo_set_source_rgba (cr, e->colour[0], e->colour[1], e->colour[2], BAND_ALPHA);
          cairo_rectangle (cr, key_x0, y - 9.0, key_x1 - key_x0, 10.0);
          cairo_fill (cr);
        }
      else if (e->style != ENTRY_NOTE)
        {
          cairo_set_source_rgb (cr, e->colour[0], e->colour[1], e->colour[2]);
          cairo_set_line_width (cr, 2.0);
          if (e->style == ENTRY_DASHED)
            cairo_set_dash (cr, (double[]) { 2.0, 3.0 }, 2, 0.0);
          cairo_move_to (cr, key_x0, y - 4.0);
          cairo_line_to (cr, key_x1, y - 4.0);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0.0);
          if (e->style == ENTRY_MARKED)
            {
              cairo_rectangle (cr, (key_x0 + key_x1) / 2.0 - 2.5, y - 6.5, 5.0, 5.0);
              cairo_fill (cr);
            }
        }
      set_text_colour (cr);
      cairo_move_to (cr, x - ext.x_advance, y);
      cairo_show_text (cr, e->name);
      y += 16.0;
      g_free (entries[i].name);
    }
}

void
darkmap_spectrum_view_render (DarkmapSpectrumView *self, cairo_t *cr, int width, int height)
{
  Plot p;

  g_return_if_fail (DARKMAP_IS_SPECTRUM_VIEW (self));

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_fill (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  if (!get_plot (self, width, height, &p))
    {
      cairo_restore (cr);
      return;
    }
  draw_axes (self, &p, cr);

  cairo_save (cr);
  cairo_rectangle (cr, p.x0, p.y0, p.x1 - p.x0, p.y1 - p.y0);
  cairo_clip (cr);
  if (isfinite (self->noise_level))
    {
      cairo_set_source_rgb (cr, NOISE_COLOUR[0], NOISE_COLOUR[1], NOISE_COLOUR[2]);
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, (double[]) { 2.0, 3.0 }, 2, 0.0);
      draw_curve (self, &p, cr, FALSE);
      cairo_set_dash (cr, NULL, 0, 0.0);
    }
  if (self->theory.n > 0)
    {
      cairo_set_source_rgb (cr, THEORY_COLOUR[0], THEORY_COLOUR[1], THEORY_COLOUR[2]);
      cairo_set_line_width (cr, 2.0);
      draw_curve (self, &p, cr, TRUE);
    }
  if (self->band != NULL)
    {
      draw_band (self, &p, cr);
      draw_posterior_mean (self, &p, cr);
    }
  draw_spectrum (self, &p, cr);
  cairo_restore (cr);
  draw_legend (self, &p, cr);

  if (self->pointer_in)
    {
      g_autofree char *text = darkmap_spectrum_view_readout (self, width, height,
                                                             self->pointer_x, self->pointer_y);

      if (text != NULL)
        {
          cairo_set_source_rgba (cr, 0.3, 0.3, 0.3, 0.6);
          cairo_set_line_width (cr, 1.0);
          cairo_set_dash (cr, (double[]) { 4.0, 3.0 }, 2, 0.0);
          cairo_move_to (cr, round (self->pointer_x) + 0.5, p.y0);
          cairo_line_to (cr, round (self->pointer_x) + 0.5, p.y1);
          cairo_move_to (cr, p.x0, round (self->pointer_y) + 0.5);
          cairo_line_to (cr, p.x1, round (self->pointer_y) + 0.5);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0.0);
          set_text_colour (cr);
          cairo_set_font_size (cr, 12.0);
          cairo_move_to (cr, p.x0, p.y0 - 14.0);
          cairo_show_text (cr, text);
        }
    }
  cairo_restore (cr);
}

/* GtkWidget */

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, DarkmapSpectrumView *self)
{
  self->pointer_in = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller, DarkmapSpectrumView *self)
{
  self->pointer_in = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

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
darkmap_spectrum_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                               int *minimum, int *natural, int *minimum_baseline,
                               int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 180;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 480;
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
  widget_class->measure = darkmap_spectrum_view_measure;
  gtk_widget_class_set_css_name (widget_class, "darkmap-spectrum-view");
}

static void
darkmap_spectrum_view_init (DarkmapSpectrumView *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->noise_level = NAN;
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
darkmap_spectrum_view_new (void)
{
  return g_object_new (DARKMAP_TYPE_SPECTRUM_VIEW, NULL);
}

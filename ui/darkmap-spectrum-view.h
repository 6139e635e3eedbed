/* DarkmapSpectrumView: the angular power spectrum C_ell of a map (the
 * Kaiser-Squires map) on log-log axes with decade ticks, beside a theory
 * curve, the noise level and optionally a posterior: the 16-84 % band of
 * its samples' C_ell and its mean's C_ell (darkmap-spectrum-band.h), with
 * a readout of (ell, C_ell) under the pointer and of the nearest measured
 * bin.
 *
 * Layout of a drawing of width × height (pixels): the plot area spans
 * x in [DARKMAP_SPECTRUM_MARGIN_LEFT, width − DARKMAP_SPECTRUM_MARGIN_RIGHT]
 * and y in [DARKMAP_SPECTRUM_MARGIN_TOP, height − DARKMAP_SPECTRUM_MARGIN_BOTTOM];
 * log10 ell grows linearly to the right and log10 C_ell upwards over the
 * axis ranges (whole decades). */
#pragma once

#include <gtk/gtk.h>

#include <darkmap/map.h>
#include <darkmap/pspec.h>
#include <darkmap/theory.h>

#include "darkmap-plot.h"
#include "darkmap-spectrum-band.h"

G_BEGIN_DECLS

/* A page's plot (darkmap-plot.h). */
#define DARKMAP_SPECTRUM_MARGIN_LEFT DARKMAP_PLOT_PAGE_MARGIN_LEFT
#define DARKMAP_SPECTRUM_MARGIN_RIGHT DARKMAP_PLOT_PAGE_MARGIN_RIGHT
#define DARKMAP_SPECTRUM_MARGIN_TOP DARKMAP_PLOT_PAGE_MARGIN_TOP
#define DARKMAP_SPECTRUM_MARGIN_BOTTOM DARKMAP_PLOT_PAGE_MARGIN_BOTTOM

#define DARKMAP_TYPE_SPECTRUM_VIEW (darkmap_spectrum_view_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapSpectrumView, darkmap_spectrum_view, DARKMAP, SPECTRUM_VIEW,
                      GtkWidget)

GtkWidget *darkmap_spectrum_view_new (void);

/* Measures the spectrum of plane 0 of map (dm_power_spectrum with
 * darkmap_spectrum_options_init: DARKMAP_SPECTRUM_BINS log bins over the
 * automatic range, the pixel size from the map's WCS) inside mask (NULL:
 * the whole map; copied for the posterior's spectra).  noise: NULL, or
 * the per-pixel std of the two shear components (2 planes, the map's size),
 * giving the white-noise level N = <(sigma1² + sigma2²) / 2> Omega_pix over
 * the pixels where mask > 0 (all without a mask).  smooth_sigma_pixels:
 * the Gaussian smoothing already applied to map (0: none); the theory and
 * noise curves are drawn through the same smoothing, exp(−ell² sigma²).
 * map NULL clears the view.  Removes the posterior (set it again after
 * the map).  FALSE with error set (the view unchanged) when the engine
 * cannot measure the spectrum. */
gboolean darkmap_spectrum_view_set_map (DarkmapSpectrumView *self, const DmMap *map,
                                        const DmMap *mask, const DmMap *noise,
                                        double smooth_sigma_pixels, DmError **error);
/* The same with the spectrum of map measured already (on a worker, with
 * darkmap_spectrum_options_init and mask; owned by the view, freed on
 * failure; NULL with map NULL clears the view). */
gboolean darkmap_spectrum_view_set_spectrum (DarkmapSpectrumView *self, const DmMap *map,
                                             DmPowerSpectrum *spectrum, const DmMap *mask,
                                             const DmMap *noise, double smooth_sigma_pixels,
                                             DmError **error);
/* The measured spectrum, or NULL. */
const DmPowerSpectrum *darkmap_spectrum_view_get_spectrum (DarkmapSpectrumView *self);
/* N in sr (before smoothing), or NaN without a noise map. */
double darkmap_spectrum_view_get_noise_level (DarkmapSpectrumView *self);

/* The posterior: the band of the C_ell of samples (K >= 1 planes, the map's
 * size) and the C_ell of mean (1 plane, NULL: none), measured on the map's
 * bins, inside its mask, with its pixel size; label names them in the
 * legend (e.g. "Wiener filter").  samples NULL removes the posterior (mean
 * is then unused).  Runs darkmap_spectrum_band_compute on this thread (K + 1
 * spectra); to keep that off the main thread, compute the band on a worker
 * and hand it to darkmap_spectrum_view_set_band.  FALSE with error set (the
 * view unchanged) without a map or when a spectrum cannot be measured. */
gboolean darkmap_spectrum_view_set_posterior (DarkmapSpectrumView *self, const DmMap *samples,
                                              const DmMap *mean, const char *label,
                                              DmError **error);
/* Shows band (taken, even on failure; NULL removes the posterior) labelled
 * label.  FALSE with error set (the view unchanged) without a map or when
 * the band's bins are not the map spectrum's. */
gboolean darkmap_spectrum_view_set_band (DarkmapSpectrumView *self, DarkmapSpectrumBand *band,
                                         const char *label, DmError **error);
/* Bin bin of the posterior: its mean ell, the band's edges and the mean's
 * C_ell (NaN without a mean); FALSE without a posterior or out of range. */
gboolean darkmap_spectrum_view_get_band (DarkmapSpectrumView *self, guint bin, double *ell,
                                         double *lo, double *hi, double *mean_cl);

/* The theory curve (copied; NULL removes it); name is its legend entry. */
void darkmap_spectrum_view_set_theory (DarkmapSpectrumView *self,
                                       const DmTheorySpectrum *theory, const char *name);

/* The axis ranges in use (powers of ten); FALSE without a spectrum. */
gboolean darkmap_spectrum_view_get_range (DarkmapSpectrumView *self, double *ell_lo,
                                          double *ell_hi, double *cl_lo, double *cl_hi);

/* Between (ell, C_ell) and positions in a drawing of width × height; FALSE
 * without a spectrum, for a size too small, or for non-positive values. */
gboolean darkmap_spectrum_view_data_to_view (DarkmapSpectrumView *self, int width, int height,
                                             double ell, double cl, double *vx, double *vy);
gboolean darkmap_spectrum_view_view_to_data (DarkmapSpectrumView *self, int width, int height,
                                             double vx, double vy, double *ell, double *cl);

/* The readout for pointer position (vx, vy) of a drawing of width × height
 * (what hovering shows), newly allocated; NULL outside the plot area. */
char *darkmap_spectrum_view_readout (DarkmapSpectrumView *self, int width, int height,
                                     double vx, double vy);

/* Draws the whole view into cr over (0, 0, width, height). */
void darkmap_spectrum_view_render (DarkmapSpectrumView *self, cairo_t *cr, int width,
                                   int height);

G_END_DECLS

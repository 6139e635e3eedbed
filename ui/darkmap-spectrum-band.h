/* The binning of the power-spectrum page, and the posterior's band on it:
 * per bin, the 16th and 84th percentiles of the C_ell of posterior samples
 * and the C_ell of the posterior mean, every spectrum measured by the same
 * engine call (dm_power_spectrum) with the same options as the page's map.
 *
 * Percentiles: the q-quantile of K values sorted as x_0 <= … <= x_{K−1} is
 * linear between order statistics at position q (K − 1) (NumPy's default):
 * x_j + t (x_{j+1} − x_j) with j = floor (q (K − 1)), t its fraction.
 *
 * No GTK here: the band can be computed on a worker thread (it only reads
 * the maps given) and handed to the view (darkmap_spectrum_view_set_band). */
#pragma once

#include <glib.h>

#include <darkmap/map.h>
#include <darkmap/pspec.h>

G_BEGIN_DECLS

/* Log-spaced bins of the measured spectra. */
#define DARKMAP_SPECTRUM_BINS 20

/* The band's percentiles. */
#define DARKMAP_SPECTRUM_BAND_LOW 0.16
#define DARKMAP_SPECTRUM_BAND_HIGH 0.84

/* The page's options: DARKMAP_SPECTRUM_BINS log bins over the automatic
 * range, inside mask (NULL: the whole map; borrowed), the pixel size
 * pixel_arcmin (0: from the measured map's WCS). */
void darkmap_spectrum_options_init (DmPspecOptions *options, const DmMap *mask,
                                    double pixel_arcmin);

typedef struct
{
  int n_bins;
  int n_samples;             /* K */
  double *ell_lo, *ell_hi;   /* n_bins bin edges */
  double *ell;               /* n_bins mean ell of the bin's modes (NaN: no mode) */
  double *lo, *hi;           /* n_bins percentiles of the samples' C_ell (NaN: no mode) */
  gboolean has_mean;
  double *mean_cl;           /* n_bins C_ell of the mean (NaN everywhere without one) */
} DarkmapSpectrumBand;

/* The band of samples (K >= 1 planes) and the C_ell of mean (1 plane, the
 * samples' size; NULL: none), with darkmap_spectrum_options_init (mask,
 * pixel_arcmin).  Only reads its arguments.  NULL with error set when the
 * engine cannot measure a spectrum or mean's size differs. */
DarkmapSpectrumBand *darkmap_spectrum_band_compute (const DmMap *samples, const DmMap *mean,
                                                    const DmMap *mask, double pixel_arcmin,
                                                    DmError **error);
void darkmap_spectrum_band_free (DarkmapSpectrumBand *band);
/* A deep copy. */
DarkmapSpectrumBand *darkmap_spectrum_band_copy (const DarkmapSpectrumBand *band);

/* The q-quantile (0 <= q <= 1) of n >= 1 sorted values, as above. */
double darkmap_spectrum_band_quantile (const double *sorted, int n, double q);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DarkmapSpectrumBand, darkmap_spectrum_band_free)

G_END_DECLS

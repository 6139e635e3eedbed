/* The page's binning and the posterior's percentile band of C_ell. */
#include "darkmap-spectrum-band.h"

#include <math.h>
#include <stdlib.h>

void
darkmap_spectrum_options_init (DmPspecOptions *options, const DmMap *mask, double pixel_arcmin)
{
  dm_pspec_options_init (options);
  options->n_bins = DARKMAP_SPECTRUM_BINS;
  options->scale = DM_BINS_LOG;
  options->mask = mask;
  options->pixel_arcmin = pixel_arcmin;
}

void
darkmap_spectrum_band_free (DarkmapSpectrumBand *band)
{
  if (band == NULL)
    return;
  g_free (band->ell_lo);
  g_free (band->ell_hi);
  g_free (band->ell);
  g_free (band->lo);
  g_free (band->hi);
  g_free (band->mean_cl);
  g_free (band);
}

DarkmapSpectrumBand *
darkmap_spectrum_band_copy (const DarkmapSpectrumBand *band)
{
  DarkmapSpectrumBand *copy = g_new (DarkmapSpectrumBand, 1);
  gsize size = (gsize) band->n_bins * sizeof (double);

  *copy = *band;
  copy->ell_lo = g_memdup2 (band->ell_lo, size);
  copy->ell_hi = g_memdup2 (band->ell_hi, size);
  copy->ell = g_memdup2 (band->ell, size);
  copy->lo = g_memdup2 (band->lo, size);
  copy->hi = g_memdup2 (band->hi, size);
  copy->mean_cl = g_memdup2 (band->mean_cl, size);
  return copy;
}

double
darkmap_spectrum_band_quantile (const double *sorted, int n, double q)
{
  double position = q * (n - 1);
  int j = (int) floor (position);

  if (j >= n - 1)
    return sorted[n - 1];
  return sorted[j] + (position - j) * (sorted[j + 1] - sorted[j]);
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

DarkmapSpectrumBand *
darkmap_spectrum_band_compute (const DmMap *samples, const DmMap *mean, const DmMap *mask,
                               double pixel_arcmin, DmError **error)
{
  g_autoptr (DarkmapSpectrumBand) band = NULL;
  g_autofree double *cl = NULL; /* n_bins × K: cl[bin * K + k] of sample k */
  DmPspecOptions options;
  int k_samples, n_bins = DARKMAP_SPECTRUM_BINS;

  g_return_val_if_fail (samples != NULL && samples->nplanes >= 1, NULL);
  k_samples = samples->nplanes;

  if (mean != NULL && (mean->nx != samples->nx || mean->ny != samples->ny))
    {
      dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                    "The posterior mean (%d × %d) does not match the samples (%d × %d)",
                    mean->nx, mean->ny, samples->nx, samples->ny);
      return NULL;
    }
  darkmap_spectrum_options_init (&options, mask, pixel_arcmin);
  band = g_new0 (DarkmapSpectrumBand, 1);
  band->n_bins = n_bins;
  band->n_samples = k_samples;
  band->ell_lo = g_new (double, n_bins);
  band->ell_hi = g_new (double, n_bins);
  band->ell = g_new (double, n_bins);
  band->lo = g_new (double, n_bins);
  band->hi = g_new (double, n_bins);
  band->mean_cl = g_new (double, n_bins);
  cl = g_new (double, (gsize) n_bins * (gsize) k_samples);

  for (int k = 0; k < k_samples; k++)
    {
      DmPowerSpectrum *s = dm_power_spectrum (samples, k, &options, error);

      if (s == NULL)
        return NULL;
      for (int i = 0; i < n_bins; i++)
        cl[(gsize) i * (gsize) k_samples + (gsize) k] = s->cl[i];
      if (k == 0)
        for (int i = 0; i < n_bins; i++)
          {
            band->ell_lo[i] = s->ell_lo[i];
            band->ell_hi[i] = s->ell_hi[i];
            band->ell[i] = s->ell[i];
          }
      dm_power_spectrum_free (s);
    }
  for (int i = 0; i < n_bins; i++)
    {
      double *values = cl + (gsize) i * (gsize) k_samples;

      /* A bin without modes has none in every sample: the same geometry. */
      if (isnan (band->ell[i]))
        {
          band->lo[i] = band->hi[i] = NAN;
          continue;
        }
      qsort (values, (size_t) k_samples, sizeof *values, compare_doubles);
      band->lo[i] = darkmap_spectrum_band_quantile (values, k_samples, DARKMAP_SPECTRUM_BAND_LOW);
      band->hi[i] = darkmap_spectrum_band_quantile (values, k_samples,
                                                    DARKMAP_SPECTRUM_BAND_HIGH);
    }

  if (mean != NULL)
    {
      DmPowerSpectrum *s = dm_power_spectrum (mean, 0, &options, error);

      if (s == NULL)
        return NULL;
      for (int i = 0; i < n_bins; i++)
        band->mean_cl[i] = s->cl[i];
      band->has_mean = TRUE;
      dm_power_spectrum_free (s);
    }
  else
    for (int i = 0; i < n_bins; i++)
      band->mean_cl[i] = NAN;
  return g_steal_pointer (&band);
}

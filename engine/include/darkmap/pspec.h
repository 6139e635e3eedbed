/* Angular power spectrum C_ell of a flat-sky map.
 *
 * C_ell = <|FFT(map)|²> Omega_pix / N_pix in each ell bin (per steradian, the
 * units of the theory tables), with ell = 2 pi |k| / pixel size (radians)
 * and |k| in cycles per pixel.  Every Fourier mode of the full plane counts
 * once (the real-to-complex half plane is weighted accordingly); k = 0 is
 * excluded.
 *
 * Masks: the map is multiplied by a window w, and C_ell is divided by the
 * mean of the squared window, f_sky,2 = <w²> (the first-order pseudo-C_ell
 * correction).  w is the mask (values >= 0, used as weights), or with
 * apodise_sigma_pixels > 0 the mask times its Gaussian-smoothed copy, so that
 * the weight tapers inside the observed region and stays zero outside it.
 * This is exact for white noise and unbiased on scales much smaller than the
 * mask's features; it does not deconvolve mode coupling. */
#ifndef DARKMAP_PSPEC_H
#define DARKMAP_PSPEC_H

#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/map.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { DM_BINS_LINEAR, DM_BINS_LOG } DmBinScale;

typedef struct {
  int n_bins;                  /* > 0 */
  DmBinScale scale;
  double ell_min, ell_max;     /* 0 = automatic: fundamental mode 2 pi / side
                                  (linear: 0) to the Nyquist ell of the
                                  narrower axis */
  double pixel_arcmin;         /* 0 = from the map's WCS */
  const DmMap *mask;           /* may be NULL; same nx, ny as the map */
  double apodise_sigma_pixels; /* 0 = hard mask edges */
} DmPspecOptions;

/* Defaults: 20 log bins over the automatic range, pixel size from the WCS,
 * no mask.  dm_power_spectrum takes NULL options to mean these. */
void dm_pspec_options_init(DmPspecOptions *options);

typedef struct {
  int n_bins;
  double *ell_lo, *ell_hi;  /* bin edges */
  double *ell;              /* mean ell of the modes in the bin (NaN if none) */
  double *cl;               /* C_ell per sr (NaN if no mode) */
  double *cl_error;         /* Gaussian sample-variance error cl sqrt(2 / n_modes) */
  long *n_modes;            /* Fourier modes in the bin */
  double fsky;              /* <w²>, 1 without a mask */
  double pixel_arcmin;
} DmPowerSpectrum;

/* Spectrum of one plane of a map.  Fails with DM_ERROR_INVALID_ARGUMENT when
 * the pixel size is neither given nor in the map's WCS, and DM_ERROR_NO_DATA
 * when the mask excludes every pixel. */
DmPowerSpectrum *dm_power_spectrum(const DmMap *map, int plane, const DmPspecOptions *options,
                                   DmError **error);
void dm_power_spectrum_free(DmPowerSpectrum *spectrum);

/* CSV: the line ell_lo,ell_hi,ell,cl,cl_error,n_modes[,cl_theory], '#' lines
 * describing the columns, one row per bin; cl_theory is dm_theory_eval at the
 * bin's mean ell.  theory may be NULL.  Written to a temporary file next to path, then
 * renamed over it. */
struct DmTheorySpectrum;
bool dm_power_spectrum_write_csv(const DmPowerSpectrum *spectrum,
                                 const struct DmTheorySpectrum *theory, const char *path,
                                 DmError **error);

#ifdef __cplusplus
}
#endif

#endif

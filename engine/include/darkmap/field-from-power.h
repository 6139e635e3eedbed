/* Gaussian random fields from a power array on the FFT grid, and fields
 * generated on a larger periodic box and cropped.
 *
 * Grid power: for an ny × nx periodic grid, power[ky * (nx/2 + 1) + kx]
 * (the real-to-complex half plane: ky = 0 … ny−1, kx = 0 … nx/2, doubles)
 * holds P(k) = E|FFT(field)(k)|² / N_pix with the unnormalised FFT of fft.h:
 * dimensionless, "per pixel".  The field's covariance is then
 * xi(r) = (1/N_pix) sum_k P(k) e^{2 pi i k·r}, its variance the sum of P over
 * all N_pix modes divided by N_pix, and its C_ell (as pspec.h measures it)
 * P(k) Omega_pix.  The mode at ell = 2 pi |k| / pixel side (radians), |k| in
 * cycles per pixel (dm_fft_freq), is the one theory tables describe.
 *
 * Cropping from a larger box: a periodic grid has no modes longer than its
 * side and wraps its correlations around; generating on a box F times larger
 * (same pixel scale) and keeping the central ny × nx pixels gives a field
 * that is not periodic and carries the power of scales up to F times the
 * side, as a patch of the sky does.  Its C_ell, as a periodic estimator
 * measures it, then includes the leakage of the larger modes. */
#ifndef DARKMAP_FIELD_FROM_POWER_H
#define DARKMAP_FIELD_FROM_POWER_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest box factor F accepted for cropped generation. */
#define DM_MAX_BOX_FACTOR 8

/* The grid power of a theory spectrum: P(k) = C(ell_k) / Omega_pix, 0 at
 * k = 0.  Returns a malloc'ed half-plane array (ny × (nx/2 + 1) doubles). */
double *dm_grid_power_from_theory(const DmTheorySpectrum *theory, int nx, int ny,
                                  double pixel_arcmin, DmError **error);

/* Fills field (ny × nx floats) with a Gaussian field of grid power `power`:
 * white noise from DmRng(seed, stream) in pixel order, transformed, scaled
 * by sqrt(P(k)) and transformed back.  Hermitian symmetry holds by
 * construction; negative or non-finite power is refused. */
bool dm_field_from_power(const double *power, int nx, int ny, uint64_t seed, uint64_t stream,
                         float *field, DmError **error);

/* Copies the central ny × nx pixels of a by × bx box (offsets (bx − nx) / 2,
 * (by − ny) / 2, rounded down) into field. */
void dm_crop_centre(const float *box, int bx, int by, float *field, int nx, int ny);

/* dm_gaussian_field (gaussian-field.h) generated on a box_factor times
 * larger grid and cropped to its centre; box_factor 1 is dm_gaussian_field
 * itself. */
bool dm_gaussian_field_cropped(const DmTheorySpectrum *theory, int nx, int ny,
                               double pixel_arcmin, int box_factor, uint64_t seed, float *field,
                               DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* Gaussian random fields from a theory C_ell (darkmap/gaussian-field.h).
 *
 * White noise n ~ N(0, 1) is drawn in real space, pixel by pixel in row-major
 * order from the Philox stream (seed, 0), then coloured in Fourier space:
 *   field = IFFT( FFT(n) sqrt(C(ell_k) / Omega_pix) ) / N_pix,
 * with the k = 0 mode set to zero.  FFT(n) has <|F|²> = N_pix and Hermitian
 * symmetry, so every mode of the field has variance C(ell) N_pix / Omega_pix
 * and the field is real: dm_power_spectrum of it has expectation C(ell). */
#include "darkmap/gaussian-field.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap/field-from-power.h"

bool dm_gaussian_field(const DmTheorySpectrum *theory, int nx, int ny, double pixel_arcmin,
                       uint64_t seed, float *field, DmError **error) {
  if (!theory || !field)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A Gaussian field needs a theory spectrum and an output array.");
  double *power = dm_grid_power_from_theory(theory, nx, ny, pixel_arcmin, error);
  if (!power) return false;
  bool ok = dm_field_from_power(power, nx, ny, seed, 0, field, error);
  free(power);
  return ok;
}

/* Gaussian random fields with a given angular power spectrum (flat sky).
 *
 * The field is periodic on the ny × nx grid: each Fourier mode gets a complex
 * normal amplitude with variance C(ell) N_pix / Omega_pix, Hermitian symmetry
 * enforced, so that the map's expected power spectrum (as dm_power_spectrum
 * measures it) is C(ell) at every mode's ell, and k = 0 is zero. */
#ifndef DARKMAP_GAUSSIAN_FIELD_H
#define DARKMAP_GAUSSIAN_FIELD_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills field (ny × nx floats) with one realisation for a seed. */
bool dm_gaussian_field(const DmTheorySpectrum *theory, int nx, int ny, double pixel_arcmin,
                       uint64_t seed, float *field, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

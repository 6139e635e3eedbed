/* The convergence power spectrum in the Limber approximation, from the
 * halofit non-linear matter spectrum (darkmap/halofit.h) and a source n(z)
 * (darkmap/redshift-distribution.h), for flat Lambda-CDM:
 *   C_ell = (9/4) Omega_m² (H0/c)⁴ ∫_0^chi_max dchi g(chi)² / a(chi)²
 *           P_NL(k = (ell + 1/2) / chi, z(chi))
 * with g the lensing efficiency and chi_max the distance of the last source.
 * The integral runs over z (dchi = c dz / H(z)) by the midpoint rule on 256
 * equal steps from 0 to the last source's z (g is 0 beyond).  C_ell is per steradian, as
 * the theory tables of darkmap/theory.h. */
#ifndef DARKMAP_LIMBER_H
#define DARKMAP_LIMBER_H

#include <stdbool.h>

#include "darkmap/cosmology.h"
#include "darkmap/error.h"
#include "darkmap/redshift-distribution.h"

#ifdef __cplusplus
extern "C" {
#endif

/* cl[i] = C_ell at ell[i] (> 0) for i < n_ell.  Fails for invalid
 * cosmological parameters or an ell <= 0 (DM_ERROR_INVALID_ARGUMENT);
 * takes about 0.1 s for any number of ell. */
bool dm_limber_convergence_cl(const DmCosmology *cosmology,
                              const DmRedshiftDistribution *distribution, const double *ell,
                              int n_ell, double *cl, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

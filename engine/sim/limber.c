/* Limber convergence C_ell from halofit and n(z) (darkmap/limber.h). */
#include "darkmap/limber.h"

#include <math.h>
#include <stddef.h>

#include "darkmap/halofit.h"

enum { LIMBER_STEPS = 256 };

bool dm_limber_convergence_cl(const DmCosmology *cosmology,
                              const DmRedshiftDistribution *distribution, const double *ell,
                              int n_ell, double *cl, DmError **error) {
  for (int i = 0; i < n_ell; i++)
    if (!(ell[i] > 0.0 && isfinite(ell[i])))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Limber C_ell needs multipoles > 0, not ell = %g.", ell[i]);
  DmHalofit *halofit = dm_halofit_new(cosmology, error);
  DmLensingEfficiency *efficiency =
      halofit ? dm_lensing_efficiency_new(distribution, cosmology, error) : NULL;
  bool ok = efficiency != NULL;
  for (int i = 0; i < n_ell; i++) cl[i] = 0.0;
  double hubble = dm_hubble_distance(cosmology);
  double dz = dm_redshift_distribution_z_max(distribution) / LIMBER_STEPS;
  /* (9/4) Omega_m² (H0/c)⁴, and dchi = D_H dz / E(z) */
  double prefactor = 2.25 * cosmology->omega_m * cosmology->omega_m / pow(hubble, 4.0);
  for (int j = 0; ok && j < LIMBER_STEPS; j++) {
    double z = (j + 0.5) * dz, chi = dm_comoving_distance(cosmology, z);
    double g = dm_lensing_efficiency_at(efficiency, chi);
    DmHalofitScale scale;
    ok = dm_halofit_scale(halofit, z, &scale, error);
    double weight = prefactor * g * g * (1.0 + z) * (1.0 + z) * hubble /
                    dm_cosmology_efunc(cosmology, z) * dz;
    for (int i = 0; ok && i < n_ell; i++)
      cl[i] += weight * dm_halofit_power(halofit, &scale, (ell[i] + 0.5) / chi);
  }
  dm_lensing_efficiency_free(efficiency);
  dm_halofit_free(halofit);
  return ok;
}

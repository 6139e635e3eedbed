/* Flat Lambda-CDM background: distances, critical densities, growth.
 *
 * Units: distances in megaparsecs (Mpc), H0 in km/s/Mpc, masses in solar
 * masses (M_sun).  Angular-diameter distances and Sigma_crit are physical
 * (proper), comoving distances comoving.  The universe is flat with
 * Omega_Lambda = 1 − Omega_m and no radiation term (as astropy's
 * FlatLambdaCDM with Tcmb0 = 0).  Distances are integrals of 1/E(z), done
 * by 16-point Gauss-Legendre quadrature on panels of 0.05 in ln(1 + z):
 * relative accuracy better than 1e-12.
 *
 * omega_b, sigma8, n_s and t_cmb do not enter the background: they set the
 * linear matter power spectrum of the halo mass function (mass-function.h).
 *
 * Functions of z return NaN for a negative or non-finite redshift; the
 * parameters must have passed dm_cosmology_check. */
#ifndef DARKMAP_COSMOLOGY_H
#define DARKMAP_COSMOLOGY_H

#include <stdbool.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Speed of light [km/s]. */
#define DM_SPEED_OF_LIGHT_KMS 299792.458

typedef struct {
  double h0;       /* Hubble constant [km/s/Mpc], default 70 */
  double omega_m;  /* matter density today, default 0.3 */
  double omega_b;  /* baryon density today, default 0.046 */
  double sigma8;   /* linear rms fluctuation in 8 h⁻¹ Mpc spheres at z = 0, default 0.8 */
  double n_s;      /* primordial spectral index, default 0.96 */
  double t_cmb;    /* CMB temperature [K] (transfer function only), default 2.7255 */
} DmCosmology;

/* The defaults above. */
void dm_cosmology_init(DmCosmology *cosmology);

/* Fails with DM_ERROR_INVALID_ARGUMENT for parameters out of range
 * (h0 in (0, 1000], omega_m in (0, 1], 0 <= omega_b < omega_m, sigma8 > 0,
 * n_s in (0, 3), t_cmb > 0). */
bool dm_cosmology_check(const DmCosmology *cosmology, DmError **error);

/* E(z) = H(z) / H0 = sqrt(Omega_m (1 + z)³ + 1 − Omega_m). */
double dm_cosmology_efunc(const DmCosmology *cosmology, double z);

/* Hubble distance c / H0 [Mpc]. */
double dm_hubble_distance(const DmCosmology *cosmology);

/* Comoving distance from z1 to z2 (z1 <= z2) [Mpc]; from 0 for the one-argument form. */
double dm_comoving_distance(const DmCosmology *cosmology, double z);
double dm_comoving_distance_between(const DmCosmology *cosmology, double z1, double z2);

/* Angular-diameter distance D_A(z) = D_C(z) / (1 + z) [physical Mpc], and
 * between two redshifts D_A(z1, z2) = (D_C(z2) − D_C(z1)) / (1 + z2)
 * (flat universe; 0 when z2 <= z1). */
double dm_angular_diameter_distance(const DmCosmology *cosmology, double z);
double dm_angular_diameter_distance_between(const DmCosmology *cosmology, double z1,
                                            double z2);

/* Comoving volume per unit redshift and steradian, dV_C / dz / dOmega
 * = D_H D_C(z)² / E(z) [Mpc³ / sr]. */
double dm_comoving_volume_element(const DmCosmology *cosmology, double z);

/* Critical surface density for lensing of sources at z_s by a lens at z_l,
 * Sigma_crit = c² D_s / (4 pi G D_l D_ls) [M_sun / Mpc², physical];
 * +infinity when z_s <= z_l (the lens does not deflect those sources). */
double dm_sigma_crit(const DmCosmology *cosmology, double z_lens, double z_source);

/* Critical density rho_c(z) = 3 H(z)² / (8 pi G) [M_sun / Mpc³, physical]. */
double dm_critical_density(const DmCosmology *cosmology, double z);

/* Linear growth factor D(z) normalised to D(0) = 1 (exact integral form
 * for Lambda-CDM without radiation: D ∝ E(a) ∫_0^a da' / (a' E(a'))³). */
double dm_growth_factor(const DmCosmology *cosmology, double z);

#ifdef __cplusplus
}
#endif

#endif

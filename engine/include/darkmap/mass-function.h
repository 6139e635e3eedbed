/* The halo mass function: Sheth & Tormen (1999) on the linear power
 * spectrum of Eisenstein & Hu (1998, "no-wiggle" transfer function, eqs.
 * 26-31), normalised numerically to sigma8 (darkmap/cosmology.h).
 *
 *   dn/dln M = (rho_m / M) f(nu) |d ln sigma / d ln M|,  nu = delta_c / sigma(M, z)
 *   f(nu) = A sqrt(2a/pi) (1 + (a nu²)^−p) nu exp(−a nu² / 2)
 * with A = 0.3222, a = 0.707, p = 0.3, delta_c = 1.686, rho_m the mean
 * comoving matter density and sigma(M, z) = sigma(M, 0) D(z) the linear rms
 * in top-hat spheres holding M at the mean density.  The masses are read as
 * M200c: Sheth-Tormen is calibrated on friends-of-friends masses, which are
 * close to (~10-20 % above) M200c; this is an approximation documented here
 * rather than corrected.
 *
 * Units: masses M_sun, lengths comoving Mpc, dn/dln M per comoving Mpc³. */
#ifndef DARKMAP_MASS_FUNCTION_H
#define DARKMAP_MASS_FUNCTION_H

#include "darkmap/cosmology.h"
#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Masses the tables cover [M_sun]; outside them the functions return 0. */
#define DM_MASS_FUNCTION_M_MIN 1e8
#define DM_MASS_FUNCTION_M_MAX 1e17

typedef struct DmMassFunction DmMassFunction;  /* a sigma(M) table and the cosmology */

/* Tabulates sigma(M, 0) (about 50 ms).  Fails for invalid parameters. */
DmMassFunction *dm_mass_function_new(const DmCosmology *cosmology, DmError **error);
void dm_mass_function_free(DmMassFunction *mass_function);

/* The cosmology the table was made for (owned by the mass function). */
const DmCosmology *dm_mass_function_cosmology(const DmMassFunction *mass_function);

/* Linear matter power spectrum at z = 0, P(k) [Mpc³] for k in 1/Mpc. */
double dm_mass_function_linear_power(const DmMassFunction *mass_function, double k);

/* sigma(R) at z = 0 for a top-hat of comoving radius R [Mpc], by direct
 * integration of the power spectrum. */
double dm_mass_function_sigma_r(const DmMassFunction *mass_function, double radius);

/* sigma(M, z), from the table. */
double dm_mass_function_sigma(const DmMassFunction *mass_function, double m, double z);

/* dn / dln M [comoving Mpc⁻³] at mass M and redshift z. */
double dm_mass_function_dndlnm(const DmMassFunction *mass_function, double m, double z);

/* The same with the growth factor D(z) given (dm_growth_factor), for
 * tabulating many masses at one redshift. */
double dm_mass_function_dndlnm_growth(const DmMassFunction *mass_function, double m,
                                      double growth);

#ifdef __cplusplus
}
#endif

#endif

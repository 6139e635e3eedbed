/* The non-linear matter power spectrum: the revised halofit of Takahashi et
 * al. (2012, ApJ 761, 152; Smith et al. 2003 refitted to N-body spectra)
 * applied to the linear Eisenstein-Hu no-wiggle spectrum of
 * darkmap/mass-function.h grown by D(z) (darkmap/cosmology.h), for flat
 * Lambda-CDM (w = −1, so the fit's dark-energy terms vanish).
 *
 * With Delta²(k) = k³ P(k) / (2 pi²), at each redshift the fit needs the
 * scale where the Gaussian-filtered linear variance is 1,
 *   sigma²(R) = ∫ dln k Delta²_L(k, z) exp(−k² R²),  sigma(1 / k_sigma) = 1,
 * its effective index n_eff = −3 − dln sigma² / dln R and curvature
 * C = −d² ln sigma² / dln R², both at R = 1 / k_sigma.  Then
 *   Delta²_NL = Delta²_Q + Delta²_H  (Takahashi et al. eqs. A4-A13),
 * the quasi-linear term suppressing Delta²_L by exp(−y/4 − y²/8) with
 * y = k / k_sigma, so that P_NL → P_L as k → 0.
 *
 * At redshifts where sigma stays below 1 down to the smallest radius the
 * table covers (R = 1e-3 Mpc, far beyond z = 10 for usual cosmologies) the
 * spectrum is the linear one.
 *
 * Units: k in 1/Mpc, P in Mpc³ (as mass-function.h; divide k by h and
 * multiply P by h³ for h/Mpc and (Mpc/h)³). */
#ifndef DARKMAP_HALOFIT_H
#define DARKMAP_HALOFIT_H

#include <stdbool.h>

#include "darkmap/cosmology.h"
#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The linear spectrum at z = 0 tabulated in ln k (about 50 ms to make). */
typedef struct DmHalofit DmHalofit;

/* The fit's parameters at one redshift. */
typedef struct {
  double z;
  double growth;     /* D(z), D(0) = 1 */
  bool linear;       /* sigma < 1 at every radius: P_NL = P_L */
  double k_sigma;    /* [1/Mpc] (0 when linear) */
  double n_eff;
  double curvature;  /* C */
  /* the fit's coefficients at these n_eff, C and Omega_m(z) */
  double a_n, b_n, c_n, gamma_n, alpha_n, beta_n, nu_n, f1, f2, f3;
} DmHalofitScale;

/* Fails for invalid cosmological parameters. */
DmHalofit *dm_halofit_new(const DmCosmology *cosmology, DmError **error);
void dm_halofit_free(DmHalofit *halofit);

/* The linear spectrum P_L(k, z) = P_L(k, 0) D(z)² [Mpc³]. */
double dm_halofit_linear_power(const DmHalofit *halofit, double k, double z);

/* The Gaussian-filtered linear rms sigma(R, z) of the definition above
 * (R in Mpc). */
double dm_halofit_sigma_gaussian(const DmHalofit *halofit, double radius, double z);

/* k_sigma, n_eff, C and the coefficients at redshift z >= 0.  Fails with
 * DM_ERROR_INVALID_ARGUMENT for a negative or non-finite z. */
bool dm_halofit_scale(const DmHalofit *halofit, double z, DmHalofitScale *scale,
                      DmError **error);

/* P_NL(k) [Mpc³] at the scale's redshift, k > 0 in 1/Mpc. */
double dm_halofit_power(const DmHalofit *halofit, const DmHalofitScale *scale, double k);

#ifdef __cplusplus
}
#endif

#endif

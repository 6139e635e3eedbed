/* Lognormal convergence fields with the C_ell of a theory table.
 *
 * kappa = lambda (exp(G − sigma_G² / 2) − 1) with a Gaussian field G, so
 * that kappa > −lambda (the shift lambda is the most negative convergence,
 * an empty line of sight), its mean is 0 and its one-point PDF is skewed
 * towards positive values.  G's power makes kappa's covariance the theory's
 * on the periodic grid (Hilbert, Hartlap & Schneider 2011; Xavier et al.
 * 2016):
 *   P_kappa(k) = C(ell_k) / Omega_pix     (grid power, field-from-power.h)
 *   xi_kappa   = inverse FFT of P_kappa   (covariance on the grid's lags)
 *   xi_G       = ln(1 + xi_kappa / lambda²)
 *   P_G        = FFT of xi_G, negative values clipped to 0 (counted), and
 *                P_G(0) = 0 (no mean mode, as for P_kappa)
 *   sigma_G²   = sum of P_G over all modes / N_pix, the variance G has.
 * Then <kappa(x) kappa(x + r)> = lambda² (exp(xi_G(r)) − 1) = xi_kappa(r) up
 * to the clipping and the removed mean of xi_G (both reported).  With a box
 * factor F > 1 all this is done on the F times larger periodic box and the
 * centre is cropped (field-from-power.h). */
#ifndef DARKMAP_LOGNORMAL_H
#define DARKMAP_LOGNORMAL_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double shift;    /* lambda > 0, default 0.02 */
  int box_factor;  /* 1 (default): periodic grid; F > 1: F× larger box, cropped */
} DmLognormalOptions;

void dm_lognormal_options_init(DmLognormalOptions *options);

/* The power of G for one grid and spectrum, made once, drawn many times. */
typedef struct DmLognormalModel DmLognormalModel;

/* Fails with DM_ERROR_INVALID_ARGUMENT for a bad grid or options, or when
 * the spectrum has a correlation xi_kappa <= −lambda² (the shift is too
 * small for it). */
DmLognormalModel *dm_lognormal_model_new(const DmTheorySpectrum *theory, int nx, int ny,
                                         double pixel_arcmin, const DmLognormalOptions *options,
                                         DmError **error);
void dm_lognormal_model_free(DmLognormalModel *model);

typedef struct {
  long n_clipped;          /* modes of P_G that were negative (set to 0), half plane */
  double sigma_g;          /* std of G */
  double variance_kappa;   /* xi_kappa(0): the variance the theory asks for */
  double variance_model;   /* lambda² (exp(sigma_G²) − 1): the variance kappa has */
  double mean_xi_g;        /* mean of xi_G over the box (removed with P_G(0)) */
} DmLognormalInfo;

void dm_lognormal_model_info(const DmLognormalModel *model, DmLognormalInfo *info);

/* One realisation into field (ny × nx floats), G from DmRng(seed, 0). */
bool dm_lognormal_model_draw(const DmLognormalModel *model, uint64_t seed, float *field,
                             DmError **error);

/* Model and draw in one call; info may be NULL. */
bool dm_lognormal_field(const DmTheorySpectrum *theory, int nx, int ny, double pixel_arcmin,
                        const DmLognormalOptions *options, uint64_t seed, float *field,
                        DmLognormalInfo *info, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

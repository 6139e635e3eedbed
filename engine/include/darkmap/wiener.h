/* The Wiener filter and exact Gaussian posterior samples of the convergence.
 *
 * Model: gamma = A kappa + n, with kappa ~ N(0, S), S diagonal in Fourier
 * space (the theory C_ell), A the Kaiser-Squires forward operator (ks.h,
 * kappa_B = 0), and n ~ N(0, N) with N diagonal in pixels: variance
 * sigma_i(x)² per shear component, infinite (N⁻¹ = 0) where the mask is 0.
 *
 * The Wiener filter kappa_WF = (S⁻¹ + A† N⁻¹ A)⁻¹ A† N⁻¹ gamma is the posterior
 * mean.  It is computed by preconditioned conjugate gradients on the
 * whitened system (I + S^½ A† N⁻¹ A S^½) x = S^½ A† N⁻¹ gamma, kappa = S^½ x,
 * preconditioned by the Fourier-diagonal approximation 1 + p(k) <N⁻¹>.  The
 * iteration stops when |r| / |b| < tolerance (r the residual of the whitened
 * system, b its right-hand side) or after max_iterations (then it fails).
 *
 * Posterior samples are constrained realisations (Hoffman & Ribak 1991):
 * kappa_s ~ S, n_s ~ N, then kappa_s + WF(gamma − A kappa_s − n_s).  In this
 * Gaussian model they are exact posterior samples: their mean tends to the WF
 * map and their scatter to the posterior std.
 *
 * Units: p(k) = C(ell_k) / Omega_pix is the prior variance per Fourier mode
 * in per-pixel units (white noise of variance v has p = v). */
#ifndef DARKMAP_WIENER_H
#define DARKMAP_WIENER_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/progress.h"
#include "darkmap/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double tolerance;    /* relative residual to reach; default 1e-5 */
  int max_iterations;  /* default 2000 */
} DmWienerOptions;

void dm_wiener_options_init(DmWienerOptions *options);

typedef struct {
  int iterations;      /* conjugate-gradient iterations used */
  double residual;     /* final |r| / |b| */
} DmWienerStats;

typedef struct DmWiener DmWiener;

/* A problem on an ny × nx grid of square pixels.  noise_std1/2: per-pixel
 * std of each shear component (nx * ny floats); a pixel with a std that is
 * not finite and positive, or with mask[i] == 0 (mask may be NULL), carries
 * no data.  The arrays are copied. */
DmWiener *dm_wiener_new(int nx, int ny, double pixel_arcmin, const DmTheorySpectrum *theory,
                        const float *noise_std1, const float *noise_std2, const float *mask,
                        const DmWienerOptions *options, DmError **error);
void dm_wiener_free(DmWiener *wiener);

/* The Wiener-filtered convergence of a shear (g1, g2: nx * ny floats each).
 * Fails with DM_ERROR_FAILED when the iteration does not converge, or
 * DM_ERROR_CANCELLED. */
bool dm_wiener_filter(DmWiener *wiener, const float *g1, const float *g2, float *kappa,
                      DmWienerStats *stats, const DmProgress *progress, DmError **error);

/* Posterior sample number `index` for a seed (deterministic). */
bool dm_wiener_sample(DmWiener *wiener, const float *g1, const float *g2, uint64_t seed,
                      uint64_t index, float *sample, DmWienerStats *stats,
                      const DmProgress *progress, DmError **error);

/* The closed-form filter for an unmasked field with the same constant noise
 * std sigma on both components: kappa(k) = p (A† gamma)(k) / (sigma² + p |D|²).
 * posterior_std (may be NULL) receives the exact per-pixel posterior std. */
bool dm_wiener_stationary(int nx, int ny, double pixel_arcmin, const DmTheorySpectrum *theory,
                          double sigma, const float *g1, const float *g2, float *kappa,
                          double *posterior_std, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

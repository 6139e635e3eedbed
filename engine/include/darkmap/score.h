/* Score-based posterior sampling of the convergence (Remy et al. 2023).
 *
 * Model (as darkmap/wiener.h): gamma = A kappa + n, A the Kaiser-Squires
 * forward operator (ks.h, kappa_B = 0), n ~ N(0, N) diagonal in pixels
 * (variance per shear component, infinite where masked).  The sampler
 * follows the gradient of log p_sigma(kappa | gamma) for a noise level sigma
 * annealed to ~0:
 *
 *   prior score     s_sigma(kappa) = -F⁻¹[ F[kappa] / (P(k) + sigma²) ]
 *                   (exact score of the Gaussian prior of grid power P(k),
 *                   field-from-power.h's per-pixel convention, convolved
 *                   with white noise of variance sigma² per pixel), plus an
 *                   optional residual r(kappa, sigma) (a network: the hybrid
 *                   prior of Remy et al.);
 *   likelihood      grad log L_sigma = A^T (N + sigma² I)⁻¹ (gamma − A kappa)
 *                   (tempered: sigma² added to the noise variance; masked
 *                   pixels have weight 0).
 *
 * With the residual off the target at sigma -> 0 is exactly the Gaussian
 * posterior whose mean is the Wiener filter.
 *
 * Arrays are row-major ny × nx floats (kappa, shear planes, scores); a batch
 * of n maps is n consecutive maps.  Objects keep work buffers: one thread
 * at a time per object. */
#ifndef DARKMAP_SCORE_H
#define DARKMAP_SCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/posterior.h"
#include "darkmap/progress.h"
#include "darkmap/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The Gaussian (theory) prior score ------------------------------- */

typedef struct DmScorePrior DmScorePrior;

/* The prior of an ny × nx grid of square pixels, P(k) =
 * dm_grid_power_from_theory (0 at k = 0: the mean is fixed to 0 as sigma
 * -> 0). */
DmScorePrior *dm_score_prior_new(const DmTheorySpectrum *theory, int nx, int ny,
                                 double pixel_arcmin, DmError **error);
void dm_score_prior_free(DmScorePrior *prior);

/* The same prior with its own work buffers, for another thread. */
DmScorePrior *dm_score_prior_copy(const DmScorePrior *prior, DmError **error);

/* score = -F⁻¹[F[kappa] / (P + sigma²)]; kappa and score may alias.
 * sigma > 0 (needed for the k = 0 mode). */
void dm_score_prior_score(DmScorePrior *prior, const float *kappa, double sigma, float *score);

/* log N(kappa; 0, C_sigma) up to its constant: −½ kappa^T C_sigma⁻¹ kappa =
 * −½ sum over all modes |F[kappa]|² / (N_pix (P + sigma²)). */
double dm_score_prior_log_density(DmScorePrior *prior, const float *kappa, double sigma);

/* The grid. */
void dm_score_prior_size(const DmScorePrior *prior, int *nx, int *ny);

/* P(k) per half-plane mode: ny × (nx/2 + 1) values in FFTW's r2c layout
 * (row ky, column kx <= nx/2); owned by the prior. */
const double *dm_score_prior_power(const DmScorePrior *prior);

/* P(k) + sigma² averaged over all modes: the per-pixel prior variance of the
 * smoothed prior (used for scales). */
double dm_score_prior_variance(const DmScorePrior *prior, double sigma);

/* ---- The tempered lensing likelihood ----------------------------------- */

typedef struct DmScoreLikelihood DmScoreLikelihood;

/* Binned shear g1, g2 and its per-pixel, per-component noise std; a pixel
 * whose std is not finite and positive in either component, or with
 * mask[i] == 0 (mask may be NULL), has no data.  Arrays are copied. */
DmScoreLikelihood *dm_score_likelihood_new(int nx, int ny, const float *g1, const float *g2,
                                           const float *noise_std1, const float *noise_std2,
                                           const float *mask, DmError **error);
void dm_score_likelihood_free(DmScoreLikelihood *likelihood);

/* grad = A^T (N + sigma²)⁻¹ (gamma − A kappa); sigma >= 0.  kappa and grad
 * may alias. */
void dm_score_likelihood_gradient(DmScoreLikelihood *likelihood, const float *kappa,
                                  double sigma, float *grad);

void dm_score_likelihood_size(const DmScoreLikelihood *likelihood, int *nx, int *ny);

/* The likelihood's data, owned by it (npix = nx ny values each): the shear
 * gamma[0], gamma[1] and noise variances noise_var[0], noise_var[1] per
 * component (both 0 where has_data[i] == 0). */
void dm_score_likelihood_data(const DmScoreLikelihood *likelihood, const float *gamma[2],
                              const float *noise_var[2], const unsigned char **has_data);

/* −½ (gamma − A kappa)^T (N + sigma²)⁻¹ (gamma − A kappa) over pixels with
 * data (log L up to a constant). */
double dm_score_likelihood_log(DmScoreLikelihood *likelihood, const float *kappa, double sigma);

/* ---- The network residual of the hybrid prior --------------------------- */

/* residual (n maps) = r(kappa, sigma) for n maps kappa, added to the
 * Gaussian prior score.  Returns false with *error set on failure. */
typedef bool (*DmScoreResidualFunc)(void *user_data, const float *kappa, int n, int nx, int ny,
                                    double sigma, float *residual, DmError **error);

/* ---- The annealed HMC sampler ------------------------------------------ */

/* Annealed Hamiltonian Monte Carlo, without Metropolis correction by default
 * (as Remy et al.): sigma_l = sigma_max (sigma_min / sigma_max)^(l / (L−1)),
 * l = 0 … L−1; at each level the momenta of every chain are redrawn
 * (identity mass) and one trajectory of n_leapfrog leapfrog steps of size
 * epsilon_l = step_scale × sigma_l is run (the stiffest direction of the
 * exact smoothed posterior has precision <= 2 / sigma², so step_scale < 1
 * keeps the integrator stable at every level); then n_final more
 * trajectories run at sigma_min.  A network residual's Jacobian is not bound
 * that way: with one, smaller steps are needed (0.2 was stable where 0.5
 * diverged, tests/score/test-score-train.c).  With metropolis, each
 * trajectory is accepted with min(1, exp(−ΔH)), H computed from the
 * Gaussian part only (theory prior and likelihood): exact for the Gaussian
 * posterior, but with a residual it pulls the samples back to the Gaussian
 * model (it removed the skewness of hybrid prior samples): for the Gaussian
 * check and diagnostics.  The last state of each chain is one sample.  Chain c draws its
 * initial state (white, std sqrt(dm_score_prior_variance(sigma_max))) and
 * its momenta from Philox streams of (seed, c), its acceptance numbers from
 * DmRng(seed, c) (darkmap/score-device.h): reproducible, and a chain does
 * not depend on the batch it runs in.  The algorithm has one home,
 * dm_score_device_hmc: DmScoreSampler runs it on a CPU context of its own,
 * all chains of a batch at once, the residual called on host arrays. */
typedef struct {
  double sigma_max;   /* default 0.2 */
  double sigma_min;   /* default 1e-3 */
  int n_levels;       /* >= 2; default 40 */
  int n_leapfrog;     /* default 10 */
  double step_scale;  /* default 0.5 */
  int n_final;        /* trajectories at sigma_min after the annealing; default 20 */
  bool metropolis;    /* default false */
  uint64_t seed;      /* default 1 */
} DmScoreSamplerOptions;

void dm_score_sampler_options_init(DmScoreSamplerOptions *options);

/* DM_ERROR_INVALID_ARGUMENT unless sigma_max >= sigma_min > 0 (finite),
 * n_levels >= 2, n_leapfrog >= 1, step_scale > 0 (finite), n_final >= 0. */
bool dm_score_sampler_options_check(const DmScoreSamplerOptions *options, DmError **error);

/* The noise level of trajectory t (0 … n_levels + n_final − 1): the
 * geometric level min(t, n_levels − 1). */
double dm_score_sampler_sigma(const DmScoreSamplerOptions *options, int t);

typedef struct {
  long gradients;     /* score evaluations per chain */
  long accepted;      /* accepted trajectories (all chains; all when !metropolis) */
  long trajectories;  /* trajectories run (all chains) */
} DmScoreSamplerStats;

typedef struct DmScoreSampler DmScoreSampler;

/* Borrows prior and likelihood (same grid, else DM_ERROR_INVALID_ARGUMENT),
 * which must outlive the sampler.
 * residual may be NULL (pure Gaussian prior). */
DmScoreSampler *dm_score_sampler_new(DmScorePrior *prior, DmScoreLikelihood *likelihood,
                                     DmScoreResidualFunc residual, void *residual_data,
                                     const DmScoreSamplerOptions *options, DmError **error);
void dm_score_sampler_free(DmScoreSampler *sampler);

/* Draws n_chains samples, chains first_chain … first_chain + n_chains − 1,
 * run together as one batch, into samples (n_chains maps).  Fails with
 * DM_ERROR_CANCELLED (samples untouched) or the residual's error. */
bool dm_score_sampler_run(DmScoreSampler *sampler, int first_chain, int n_chains, float *samples,
                          DmScoreSamplerStats *stats, const DmProgress *progress,
                          DmError **error);

/* The posterior file of n_samples samples (maps of nx × ny; WCS may be
 * NULL): mean, STD and SAMPLES as posterior.h, with METHOD = 'SCORE-HMC' and
 * the sampler's settings (SIGMAX, SIGMIN, NLEVELS, NLEAP, STEPSC, NFINAL,
 * METROP, SEED, NSAMPLES, HYBRID) on the mean map. */
DmPosterior *dm_score_posterior_new(const float *samples, int n_samples, int nx, int ny,
                                    const DmWcs *wcs, const DmScoreSamplerOptions *options,
                                    bool hybrid, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* The probability-flow sampler: a predictor-corrector alternative to the
 * annealed HMC of darkmap/score.h.
 *
 * Each chain starts from white noise of std
 * sqrt(dm_score_prior_variance(sigma_max)) drawn as the HMC chains do
 * (darkmap/score-device.h), and integrates the probability-flow ODE
 *
 *   dx/dsigma = −sigma s_sigma(x),
 *
 * s_sigma the tempered posterior score of darkmap/score.h (theory prior
 * score, optional network residual, tempered likelihood gradient), from
 * sigma_max down to sigma_min with Heun's method (two score evaluations per
 * step, one on the last) on n_steps geometric steps; after each step
 * n_corrector Langevin steps x += eps s + sqrt(2 eps) z, eps =
 * (corrector_scale sigma)², pull the chains back to the tempered posterior
 * at that sigma.  The last state is the sample.  The ODE alone is exact for
 * a family of posteriors smoothed by white noise, which the tempered
 * posterior is not: without correctors it collapses the scatter (std 0.24
 * of the posterior's on the Gaussian check); with the default 2 correctors
 * it reproduces the Gaussian posterior's std to 1 % and its mean to ~0.06
 * std, with a fifth of HMC's score evaluations
 * (tests/score/test-score-flow.c). */
#ifndef DARKMAP_SCORE_FLOW_H
#define DARKMAP_SCORE_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/progress.h"
#include "darkmap/score.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double sigma_max;  /* default 0.2 */
  double sigma_min;  /* default 1e-3 */
  int n_steps;       /* >= 1; default 32 */
  int n_corrector;   /* Langevin corrector steps after each step, >= 0; default 2 */
  double corrector_scale;  /* corrector step / sigma, in (0, 1); default 0.7 */
  uint64_t seed;     /* default 1 */
} DmScoreFlowOptions;

void dm_score_flow_options_init(DmScoreFlowOptions *options);

/* DM_ERROR_INVALID_ARGUMENT unless 0 < sigma_min < sigma_max (finite),
 * n_steps >= 1, n_corrector >= 0 and corrector_scale in (0, 1). */
bool dm_score_flow_options_check(const DmScoreFlowOptions *options, DmError **error);

/* The noise level after step k (0 … n_steps) of the geometric schedule:
 * sigma_max at k = 0, sigma_min at k = n_steps. */
double dm_score_flow_sigma(const DmScoreFlowOptions *options, int k);

/* Draws chains first_chain … first_chain + n_chains − 1 into samples
 * (n_chains maps of the prior's grid).  prior and likelihood must share
 * their grid; residual may be NULL.  *gradients (may be NULL) receives the
 * score evaluations per chain.  Chain c's corrector noise is draw 1 + k of
 * its Philox stream for the k-th corrector step (darkmap/score-device.h);
 * the steps run as dm_score_device_flow on a CPU context of their own.
 * Fails with DM_ERROR_INVALID_ARGUMENT (bad options or
 * grids), DM_ERROR_NO_MEMORY, DM_ERROR_CANCELLED (samples
 * untouched) or the residual's error. */
bool dm_score_flow_run(DmScorePrior *prior, DmScoreLikelihood *likelihood,
                       DmScoreResidualFunc residual, void *residual_data,
                       const DmScoreFlowOptions *options, int first_chain, int n_chains,
                       float *samples, long *gradients, const DmProgress *progress,
                       DmError **error);

/* The posterior file of flow samples, as dm_score_posterior_new, with
 * METHOD = 'SCORE-FLOW' and the settings SIGMAX, SIGMIN, NSTEPS, NCORR,
 * CORRSC, SEED, NSAMPLES, HYBRID on the mean map. */
DmPosterior *dm_score_flow_posterior_new(const float *samples, int n_samples, int nx, int ny,
                                         const DmWcs *wcs, const DmScoreFlowOptions *options,
                                         bool hybrid, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* The score samplers on a network-engine context: the annealed HMC of
 * darkmap/score.h and the probability flow of darkmap/score-flow.h with
 * every chain of a batch in one tensor [n_chains, 1, ny, nx] on the
 * context's device (CPU with FFTW, or CUDA with cuFFT), the network
 * residual evaluated on device tensors.
 *
 * The posterior score of all chains is
 *   s(kappa) = Re F⁻¹[conj(D) F[W (gamma − F⁻¹[D F[kappa]])]]      (likelihood)
 *            + F⁻¹[−F[kappa] / (P + sigma²)]                        (theory prior)
 *            + r(kappa, sigma)                                      (residual)
 * with D the Kaiser-Squires kernel (dm_ks_kernel), W = (N + sigma²)⁻¹ per
 * pixel and component (0 without data): three dm_nn_fourier_filter calls
 * and element-wise ops, the same model as dm_score_prior_score and
 * dm_score_likelihood_gradient.
 *
 * Random numbers: chain c's maps come from dm_tensor_fill_normal with the
 * options' seed and stream (c << 32) + draw, draw 0 the initial state
 * (white, std sqrt(dm_score_prior_variance(sigma_max))), draw 1 + t the
 * momenta of HMC trajectory t or the noise of the flow's t-th corrector
 * step; a Metropolis test's uniform numbers come from DmRng(seed, c).  A
 * chain therefore does not depend on the batch it runs in, and the CPU and
 * CUDA backends give the same samples up to float rounding (on the CPU this
 * path and the host loop of score-sampler.c draw different numbers: same
 * distribution, different samples).
 *
 * The samplers turn the context's recording off while they run and empty it
 * (dm_nn_clear) after every score evaluation: the caller keeps no
 * temporaries across a run. */
#ifndef DARKMAP_SCORE_DEVICE_H
#define DARKMAP_SCORE_DEVICE_H

#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/nn.h"
#include "darkmap/progress.h"
#include "darkmap/score-flow.h"
#include "darkmap/score-network.h"
#include "darkmap/score.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The residual r(kappa, sigma) of the maps kappa [n, 1, ny, nx] as a new
 * tensor of that shape on kappa's context, or NULL after recording an error
 * in the context. */
typedef DmTensor *(*DmScoreTensorResidualFunc)(void *user_data, DmTensor *kappa, double sigma);

/* A DmScoreTensorResidualFunc of a DmScoreNetwork (dm_score_network_forward). */
DmTensor *dm_score_network_tensor_residual(void *network, DmTensor *kappa, double sigma);

typedef struct DmScoreDevice DmScoreDevice;

/* The posterior model on nn's device.  Borrows nn, prior and likelihood
 * (same grid, else DM_ERROR_INVALID_ARGUMENT), which must outlive it;
 * residual may be NULL (Gaussian prior), and must run on nn. */
DmScoreDevice *dm_score_device_new(DmNn *nn, DmScorePrior *prior, DmScoreLikelihood *likelihood,
                                   DmScoreTensorResidualFunc residual, void *residual_data,
                                   DmError **error);
void dm_score_device_free(DmScoreDevice *device);

/* Whether the score includes the theory prior's (default true).  Off, the
 * residual is the whole prior score: a plain network (DmScoreNetwork.plain).
 * The Metropolis energy keeps the Gaussian model either way. */
void dm_score_device_set_theory_prior(DmScoreDevice *device, bool on);

/* The annealed HMC of darkmap/score.h (same options, schedule and stats):
 * chains first_chain … first_chain + n_chains − 1 as one batch, into
 * samples (n_chains maps).  Fails with DM_ERROR_INVALID_ARGUMENT (options,
 * chains), DM_ERROR_CANCELLED (samples untouched) or the context's error.
 * Both samplers poll the cancel flag before every score evaluation. */
bool dm_score_device_hmc(DmScoreDevice *device, const DmScoreSamplerOptions *options,
                         int first_chain, int n_chains, float *samples,
                         DmScoreSamplerStats *stats, const DmProgress *progress,
                         DmError **error);

/* The probability flow of darkmap/score-flow.h (same options and steps);
 * *gradients (may be NULL) receives the score evaluations per chain. */
bool dm_score_device_flow(DmScoreDevice *device, const DmScoreFlowOptions *options,
                          int first_chain, int n_chains, float *samples, long *gradients,
                          const DmProgress *progress, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* Training an MMGAN (darkmap/mmgan.h) for one survey geometry.
 *
 * Training pairs come from a pool made once (dm_mmgan_pool_new): n_kappa
 * clean convergence maps from a dataset (darkmap/dataset.h: lognormal
 * fields, optionally NFW haloes) and n_noise realisations of the survey's
 * noise (darkmap/mock-survey.h: rotated real galaxies binned with the real
 * mask, or Gaussian).  Pair `index` draws from DmRng(seed, index) a pool
 * map, one of the 8 flips/transposes of the square (4 flips when nx != ny:
 * the convergence field is statistically isotropic) and a noise
 * realisation, and makes the shear g = (A kappa + noise) × mask with the
 * Kaiser-Squires forward operator (an FFT: cheap), so that the slow
 * simulation runs n_kappa + n_noise times, not once per pair.  Validation
 * pairs use n_validation further maps and noise realisations (dataset
 * indices and noise streams from DM_MMGAN_VALIDATION_INDEX), untransformed.
 *
 * Losses (Bendel et al. 2022, Whitney et al. 2024), in normalised units:
 *  - critic (WGAN-GP): mean D(fake) − mean D(real) + gp_weight × GP
 *    + drift × mean D(real)², GP = mean over samples of
 *    (||∇_x D(x̂, y)||₂ − 1)² at x̂ = ε x_real + (1 − ε) x_fake, ε ~ U(0, 1)
 *    per sample.  The penalty is exact: its gradient with respect to the
 *    critic's weights goes through the engine's double backward
 *    (darkmap/nn-autograd.h).  The drift term (weight 1e-3) keeps the
 *    scores near 0, as in rcGAN's code.
 *  - generator: beta_adv × L_adv + L1(x̄_P, x) − w_SD × beta_P × L_SD with
 *    P samples x_i per condition, x̄_P their mean, L_adv = −mean D(x_i, y),
 *    L1 the mean absolute error per pixel and
 *    L_SD = sqrt(pi / (2 P (P − 1))) × Σ_i mean|x_i − x̄_P| (for Gaussian
 *    samples of std s its expectation is s).  beta_P = sqrt(2 / (pi P
 *    (P + 1))) (0.326 for P = 2) is the weight at which, for a Gaussian
 *    posterior of std s and the right mean, the expected loss
 *    sqrt(2/pi) sqrt(s² + σ²/P) − beta σ is smallest at the samples' std
 *    σ = s (rcGAN's beta_SD); above sqrt(2 / (pi P)) it falls without
 *    bound as σ grows.  The multiplier w_SD starts at 1 and is adapted.
 *  - w_SD adaptation (rcGAN): on the validation pairs, with P_v samples
 *    per condition, the PSNR of the P_v-sample mean should exceed that of
 *    one sample by 10 log10(2 P_v / (P_v + 1)) dB (2.50 dB for P_v = 8) when
 *    the samples have the posterior's spread, since
 *    E||x̄_P − x||² = (1 + 1/P) tr Cov; so every adapt_every steps
 *    w_SD += mu_SD × (PSNR_1 + 10 log10(2 P_v / (P_v + 1)) − PSNR_P),
 *    mu_SD = 0.02 (too little spread raises w_SD).
 * One critic update, then one generator update per step, each with its own
 * Adam (published settings: lr 1e-3, betas (0, 0.99)).
 *
 * Every draw of step n (pair choices, ε, the noise codes) comes from
 * DmRng or Philox streams of (seed, n × batch + b), so a run is a pure
 * function of the seed, the pool and the state: a resume from a checkpoint
 * is bit-identical on the CPU. */
#ifndef DARKMAP_MMGAN_TRAIN_H
#define DARKMAP_MMGAN_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/data-parallel.h"
#include "darkmap/dataset.h"
#include "darkmap/mmgan.h"
#include "darkmap/mock-survey.h"
#include "darkmap/nn-optim.h"
#include "darkmap/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DM_MMGAN_VALIDATION_INDEX ((uint64_t)1 << 40)

/* ---- The pool of training data ------------------------------------------ */

typedef struct {
  int n_kappa;       /* clean training maps (default 64) */
  int n_noise;       /* training noise realisations (default 32) */
  int n_validation;  /* validation pairs (default 8) */
  uint64_t noise_seed;  /* seed of the noise realisations (default 1) */
  const float *maps;    /* NULL (default): the dataset's maps; else n_kappa training maps then
                           n_validation validation maps of the survey's grid (borrowed for
                           the call: tiles of N-body maps), in place of the dataset's */
} DmMmganPoolOptions;

void dm_mmgan_pool_options_init(DmMmganPoolOptions *options);

typedef struct DmMmganPool DmMmganPool;

/* Makes the pool on worker threads (OpenMP): dataset tuples 0 … n_kappa − 1
 * and DM_MMGAN_VALIDATION_INDEX + j give the maps (only their kappa, less
 * its grid mean, is kept: a dataset without a survey is enough), the survey
 * the mask and the noise.  The dataset's grid must be the survey's.
 *
 * Each map loses its grid mean (its k = 0 mode) because no shear holds it:
 * a generator trained on the maps as drawn learns the prior's mean of that
 * mode (the haloes make it about 0.02 on COSMOS grids) and adds it to every
 * sample, an offset against the convention every other method and the
 * evaluation keep (k = 0 set to 0).  With options->maps the maps are
 * those, less their grid means, and dataset may be NULL. */
DmMmganPool *dm_mmgan_pool_new(const DmDataset *dataset, const DmMockSurvey *survey,
                               const DmMmganPoolOptions *options, const DmProgress *progress,
                               DmError **error);
void dm_mmgan_pool_free(DmMmganPool *pool);

void dm_mmgan_pool_size(const DmMmganPool *pool, int *nx, int *ny);
const float *dm_mmgan_pool_mask(const DmMmganPool *pool);
int dm_mmgan_pool_validation_count(const DmMmganPool *pool);

/* Normalisation statistics: mean and std of the training maps' pixels, and
 * the rms of the training shear (signal plus noise) inside the mask. */
void dm_mmgan_pool_statistics(const DmMmganPool *pool, double *kappa_mean, double *kappa_std,
                              double *shear_scale);

/* Training pair `index` of seed (see above) and validation pair j: kappa,
 * g1 and g2 (nx × ny each); plan is an nx × ny KS plan. */
void dm_mmgan_pool_training_pair(const DmMmganPool *pool, DmKsPlan *plan, uint64_t seed,
                                 uint64_t index, float *kappa, float *g1, float *g2);
void dm_mmgan_pool_validation_pair(const DmMmganPool *pool, DmKsPlan *plan, int j, float *kappa,
                                   float *g1, float *g2);

/* ---- Loss terms ----------------------------------------------------------- */

/* The gradient penalty mean over samples of (||∇ D||₂ − 1)², the gradient
 * of the critic's summed scores with respect to kappa_hat [N, 1, py, px]
 * (which must require a gradient), recorded so that back-propagating it
 * reaches the critic's weights. */
DmTensor *dm_mmgan_gradient_penalty(DmMmgan *mmgan, DmTensor *kappa_hat, DmTensor *condition);

/* samples [B P, 1, H, W], the P samples of condition b at rows b P … b P +
 * P − 1: *mean gets x̄_P [B, 1, H, W] and the result is L_SD (a scalar). */
DmTensor *dm_mmgan_std_reward(DmNn *nn, DmTensor *samples, int p, DmTensor **mean);

/* ---- The trainer ----------------------------------------------------------- */

typedef struct {
  int batch;           /* conditions per step, over all ranks (default 4) */
  int p;               /* samples per condition in the generator loss (default 2) */
  float lr;            /* both Adams (default 1e-3) */
  float beta1, beta2;  /* (default 0, 0.99) */
  double beta_adv;     /* default 1e-5 */
  double gp_weight;    /* default 10 */
  double drift;        /* default 1e-3 */
  double std_weight;      /* initial w_SD, the multiplier of beta_P (default 1) */
  double mu_sd;        /* w_SD adaptation rate (default 0.02) */
  int validation_p;    /* samples per validation pair (default 8) */
  int adapt_every;     /* steps between w_SD updates; 0 = fixed (default 0) */
  uint64_t seed;       /* pair choices, ε and noise codes (default 1) */
  const DmDataParallel *parallel;  /* NULL (default): one process; else this rank's share
                                      of each batch, both networks' gradients and the
                                      losses averaged over the ranks before each update
                                      (darkmap/data-parallel.h); borrowed */
} DmMmganTrainOptions;

void dm_mmgan_train_options_init(DmMmganTrainOptions *options);

/* Losses of the last step (normalised units). */
typedef struct {
  double critic, gradient_penalty, adversarial, l1, std_reward;
  double std_weight;  /* w_SD after the step */
} DmMmganLosses;

/* Validation metrics over the pool's validation pairs, on the survey grid:
 * PSNR (peak: the truth's range on each map, averaged over maps) of the
 * P_v-sample mean and of one sample, their difference and its target
 * 10 log10(2 P_v / (P_v + 1)); the std calibration
 * sqrt((1 + 1/P_v) mean per-pixel sample variance) / rms(x̄ − x) (1 for a
 * calibrated posterior); Pearson r and RMSE of the mean inside the mask
 * (dm_eval_compare, kappa units, all maps together); and, map by map and
 * averaged, r of the mean and r of the best-smoothed Kaiser-Squires map
 * of the same shear (dm_eval_best_ks), the baseline to beat. */
typedef struct {
  double psnr_mean, psnr_single, psnr_gain, psnr_gain_target;
  double std_ratio, r, rmse;
  double r_map, r_ks;
} DmMmganValidation;

typedef struct DmMmganTrainer DmMmganTrainer;

/* Borrows mmgan (which must have a critic and the pool's grid) and pool;
 * makes the two Adams. */
DmMmganTrainer *dm_mmgan_trainer_new(DmMmgan *mmgan, const DmMmganPool *pool,
                                     const DmMmganTrainOptions *options, DmError **error);
void dm_mmgan_trainer_free(DmMmganTrainer *trainer);

int64_t dm_mmgan_trainer_steps(const DmMmganTrainer *trainer);
double dm_mmgan_trainer_std_weight(const DmMmganTrainer *trainer);

/* n_steps more steps; losses (may be NULL) gets the last step's.  With
 * adapt_every, w_SD is updated after every step whose count is a
 * multiple of it.  Progress per step; cancellation between steps. */
bool dm_mmgan_trainer_run(DmMmganTrainer *trainer, int64_t n_steps, DmMmganLosses *losses,
                          const DmProgress *progress, DmError **error);

/* The validation metrics (no state changes). */
bool dm_mmgan_trainer_validate(DmMmganTrainer *trainer, DmMmganValidation *metrics,
                               DmError **error);

/* The validation samples' mean of pair j (nx × ny) and its truth. */
bool dm_mmgan_trainer_validation_mean(DmMmganTrainer *trainer, int j, float *mean, float *truth,
                                      DmError **error);

/* The trainer's state for a checkpoint (darkmap/train.h): the generator's
 * and the critic's tensors under "generator." and "critic.", the Adam
 * states under "adam_g." and "adam_c." (dm_nn_params_write,
 * dm_adam_write; the step count is adam_g's) and w_SD as metadata
 * "std_weight"; read back strictly into a trainer of the same networks. */
bool dm_mmgan_trainer_write_state(const DmMmganTrainer *trainer, DmSafetensorsWriter *writer,
                                  DmError **error);
bool dm_mmgan_trainer_read_state(DmMmganTrainer *trainer, const DmSafetensors *st,
                                 DmError **error);

#ifdef __cplusplus
}
#endif

#endif

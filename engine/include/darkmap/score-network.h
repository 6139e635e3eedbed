/* The network residual of the hybrid prior score (darkmap/score.h), and its
 * denoising score matching training.
 *
 * Parametrisation: a noise-conditioned DmUNet (1 input and 1 output channel,
 * noise_features > 0) sees the noisy map scaled to unit variance,
 * c_in = 1 / sqrt(v + sigma²) with v the prior's per-pixel variance
 * (dm_score_prior_variance at sigma 0), and outputs sigma times the residual:
 *   r(kappa, sigma) = o(c_in kappa, sigma) / sigma,
 *   hybrid score    = s_theory(kappa, sigma) + r(kappa, sigma).
 *
 * Training (Vincent 2011, denoising score matching, weight sigma²): for a
 * clean map x, u ~ N(0, I) per pixel and sigma log-uniform on
 * [sigma_min, sigma_max], x~ = x + sigma u,
 *   loss = mean over pixels and batch of
 *          ( u + sigma s_theory(x~, sigma) + o(c_in x~, sigma) )²,
 * i.e. the network regresses the target t = −(u + sigma s_theory(x~, sigma)).
 * The theory-only loss is the same with o = 0 (mean of t²); the loss of the
 * exact score of p_sigma is the minimum, so a residual that lowers the loss
 * below the theory-only value has learnt the non-Gaussian part of the prior.
 * A plain network regresses t = −u (score = o / sigma alone); its loss is
 * compared with the same theory-only value.
 *
 * Batch b of step n uses data index n × batch + b, and its u and sigma come
 * from DmRng(seed, that index): a run is a pure function of the seed, the
 * data and the Adam state, so that a resume from a checkpoint is exact.
 * Validation uses indices from DM_SCORE_VALIDATION_INDEX on, with the same
 * rule, the same for every evaluation. */
#ifndef DARKMAP_SCORE_NETWORK_H
#define DARKMAP_SCORE_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/data-parallel.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn-optim.h"
#include "darkmap/nn.h"
#include "darkmap/safetensors.h"
#include "darkmap/score.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The residual network: borrowed context and U-Net (which must outlive it).
 * A plain network (not hybrid) is the whole prior score: it is trained on
 * the target t = −u (the theory score left out) and the samplers leave the
 * theory score out (dm_score_device_set_theory_prior). */
typedef struct {
  DmNn *nn;
  DmUNet *unet;
  double data_variance;  /* v of c_in */
  bool plain;            /* the whole score, not a residual (metadata "score_plain") */
} DmScoreNetwork;

/* A DmScoreResidualFunc (user_data: a DmScoreNetwork).  The output of the
 * U-Net for the n maps at once, without recording; it empties the context
 * (dm_nn_clear).  A failure of the context becomes *error. */
bool dm_score_network_residual(void *network, const float *kappa, int n, int nx, int ny,
                               double sigma, float *residual, DmError **error);

/* The residual r(kappa, sigma) of the maps kappa [n, 1, ny, nx] on the
 * network's device, as a new tensor of the same shape (recorded when the
 * context records).  Any grid size: the U-Net sees kappa padded
 * periodically (dm_nn_periodic_window) to the next multiple of 2^depth, and
 * its output is cropped back. */
DmTensor *dm_score_network_forward(DmScoreNetwork *network, DmTensor *kappa, double sigma);

/* The network's weights file, the model reconstructions load (atomically):
 * the U-Net's tensors (dm_nn_params_save) with its architecture, "arch" =
 * "unet", "score_data_variance", "score_plain" and, when positive, the
 * training maps' "pixel_arcmin" (darkmap/model-info.h) as metadata. */
bool dm_score_network_save(const DmScoreNetwork *network, const DmNnParams *params,
                           double pixel_arcmin, const char *path, DmError **error);

/* A network written by dm_score_network_save: the U-Net's architecture
 * ("arch" = "unet", 1 -> 1 channels, noise conditioning) and
 * "score_data_variance" from the file's metadata, a new U-Net in a new
 * params set on nn (*params, network->unet: the caller frees both), then the
 * weights (strict). */
bool dm_score_network_load(DmNn *nn, const char *path, DmNnParams **params,
                           DmScoreNetwork *network, DmError **error);

/* The index-th clean training map (ny × nx floats) into field; must be a
 * pure function of index, safe to call from several threads at once when the
 * trainer has more than one (dm_score_train_pool_map is). */
typedef bool (*DmScoreDataFunc)(void *user_data, uint64_t index, float *field, DmError **error);

#define DM_SCORE_VALIDATION_INDEX ((uint64_t)1 << 40)

typedef struct {
  int batch;              /* maps per step, over all ranks; default 8 */
  double sigma_min;       /* default 1e-3 */
  double sigma_max;       /* default 0.2 */
  uint64_t seed;          /* noise and sigma draws; default 1 */
  int validation_maps;    /* maps of the validation set; default 64 */
  int threads;            /* threads drawing the maps, their noise and theory scores
                             (the data function is then called from several threads at
                             once); default 1; the result does not depend on it */
  DmLrSchedule schedule;  /* read at Adam's step count; default constant 1e-3 */
  const DmDataParallel *parallel;  /* NULL (default): one process; else this rank's share
                                      of each batch, gradients and loss averaged over the
                                      ranks (darkmap/data-parallel.h); borrowed */
} DmScoreTrainOptions;

void dm_score_train_options_init(DmScoreTrainOptions *options);

typedef struct DmScoreTrainer DmScoreTrainer;

/* Borrows everything: prior (the theory score, on the data's grid), network,
 * the params holding its weights and an Adam over them.  Fails when the
 * U-Net has no noise conditioning or is not 1 -> 1 channels. */
DmScoreTrainer *dm_score_trainer_new(DmScorePrior *prior, DmScoreNetwork *network,
                                     DmNnParams *params, DmAdam *adam, DmScoreDataFunc data,
                                     void *data_user, const DmScoreTrainOptions *options,
                                     DmError **error);
void dm_score_trainer_free(DmScoreTrainer *trainer);

/* n_steps more steps from Adam's step count; last_loss (may be NULL)
 * receives the training loss of the last step.  Progress is reported per
 * step; cancellation stops between steps (the finished steps are kept). */
bool dm_score_trainer_run(DmScoreTrainer *trainer, int64_t n_steps, double *last_loss,
                          const DmProgress *progress, DmError **error);

/* The validation loss of the hybrid score and of the theory score alone. */
bool dm_score_trainer_validate(DmScoreTrainer *trainer, double *loss, double *theory_loss,
                               DmError **error);

/* The trainer's state for a checkpoint (darkmap/train.h): the network's
 * tensors under "network." and the Adam state under "adam."
 * (dm_nn_params_write, dm_adam_write); read back strictly into a trainer
 * of the same network. */
bool dm_score_trainer_write_state(const DmScoreTrainer *trainer, DmSafetensorsWriter *writer,
                                  DmError **error);
bool dm_score_trainer_read_state(DmScoreTrainer *trainer, const DmSafetensors *st,
                                 DmError **error);

#ifdef __cplusplus
}
#endif

#endif

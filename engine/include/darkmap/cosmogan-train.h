/* Training a CosmoGAN (darkmap/cosmogan.h) on a set of convergence maps.
 *
 * Training maps: DmMapTiles (darkmap/map-tiles.h), simulated or tiles of
 * the users' FITS maps (their N-body maps).
 *
 * Losses (the DCGAN of the paper, its code's settings): the discriminator
 * minimises the binary cross-entropy of its logits, real maps labelled 1
 * and generated maps 0, except that on 1 % of the steps (flip) both labels
 * are swapped; the generator minimises the non-saturating loss
 * −mean log D(G(z)).  The gradient of each cross-entropy goes back from the
 * logits l as (sigmoid(l) − y) / N.  Each step: one latent batch z, the
 * generator once (batch statistics, recorded); the discriminator's update
 * on the real batch and on a copy of the generated one, then the
 * generator's update through the updated discriminator.  Adam (lr 2e-4,
 * betas (0.5, 0.999)) for each network.
 *
 * Batches.  Map b of step n is a pure function of (seed, n batch + b): a
 * training map, one of the 8 flips and transposes of the square (the field
 * is statistically isotropic), transformed by s(kappa); the latent vector
 * and the label flip of the step likewise, so that a resume from a
 * checkpoint is bit-identical on the CPU.
 *
 * The generator kept.  A GAN's maps do not improve steadily: between
 * validations their power spectrum drifts by tens of per cent as the two
 * networks chase each other.  The trainer therefore keeps a copy of the
 * generator of the validation (among those that ask to keep) with the lowest
 * mean C_ell difference over the resolved ell bins: that is the model to
 * save, while training goes on from the live networks. */
#ifndef DARKMAP_COSMOGAN_TRAIN_H
#define DARKMAP_COSMOGAN_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/cosmogan-validation.h"
#include "darkmap/cosmogan.h"
#include "darkmap/dataset.h"
#include "darkmap/map-tiles.h"
#include "darkmap/nn-optim.h"
#include "darkmap/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The trainer ----------------------------------------------------------------- */

typedef struct {
  int batch;           /* maps per step (default 64) */
  float lr;            /* both Adams (default 2e-4) */
  float beta1, beta2;  /* (default 0.5, 0.999) */
  double flip;         /* chance that a step swaps the labels (default 0.01) */
  int validation_maps; /* maps generated per validation (default 1000) */
  uint64_t seed;       /* batches, latent vectors and flips (default 1) */
} DmCosmoganTrainOptions;

void dm_cosmogan_train_options_init(DmCosmoganTrainOptions *options);

typedef struct DmCosmoganTrainer DmCosmoganTrainer;

/* The losses of the last step. */
typedef struct {
  double discriminator;  /* BCE on the real batch plus BCE on the generated one */
  double generator;      /* −mean log D(G(z)) */
  double d_real, d_fake; /* mean D (a probability) on the real and the generated batch */
  bool flipped;          /* the labels were swapped */
} DmCosmoganLosses;

/* A trainer of model (with a discriminator, of the maps' size) on maps:
 * both borrowed; the validation reference is made here from the maps (at
 * most the first 2000).  progress: the reference's making. */
DmCosmoganTrainer *dm_cosmogan_trainer_new(DmCosmogan *model, const DmMapTiles *maps,
                                           const DmCosmoganTrainOptions *options,
                                           const DmProgress *progress, DmError **error);
void dm_cosmogan_trainer_free(DmCosmoganTrainer *trainer);

/* One step; losses may be NULL. */
bool dm_cosmogan_trainer_step(DmCosmoganTrainer *trainer, DmCosmoganLosses *losses,
                              DmError **error);
int64_t dm_cosmogan_trainer_steps(const DmCosmoganTrainer *trainer);

/* validation_maps maps drawn with the running statistics (as sampling
 * does) from a fixed seed, against the reference; validation->step is the
 * trainer's step count.  With keep, a generator whose mean C_ell
 * difference is lower than the kept one's (or the first) becomes the one
 * kept. */
bool dm_cosmogan_trainer_validate(DmCosmoganTrainer *trainer, DmCosmoganValidation *validation,
                                  bool keep, DmError **error);

/* The generator kept and its validation (whose step says when it was
 * kept); before any, the live generator and NULL. */
DmCosmogan *dm_cosmogan_trainer_kept(DmCosmoganTrainer *trainer,
                                     const DmCosmoganValidation **validation);

/* The trainer's state (generator, discriminator, both Adams, the generator
 * kept) added to a checkpoint under "generator.", "discriminator.",
 * "adam_g.", "adam_d.", "kept." and the metadata "kept_step" (−1: none),
 * and read back (the kept generator's validation is drawn again: it is a
 * pure function of its weights). */
bool dm_cosmogan_trainer_write_state(const DmCosmoganTrainer *trainer, DmSafetensorsWriter *writer,
                                     DmError **error);
bool dm_cosmogan_trainer_read_state(DmCosmoganTrainer *trainer, const DmSafetensors *st,
                                    DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* MMGAN: posterior samples of the convergence from a conditional GAN
 * (Whitney et al. 2024, arXiv:2410.24197; the regularised conditional GAN,
 * rcGAN, of Bendel et al. 2022).  A generator turns (binned shear, mask,
 * noise code z) into one posterior sample of kappa per call; it is trained
 * once per survey geometry (darkmap/mmgan-train.h).
 *
 * Generator: a DmUNet (darkmap/nn-modules.h; default 4 down and 4 up levels
 * of residual blocks, base width 16) whose input channels are the condition
 *   0, 1  g1, g2 of the binned shear divided by shear_scale,
 *   2     the Kaiser-Squires E mode of that shear divided by shear_scale,
 *   3     the mask (1 = data),
 * followed by z_channels channels of the noise code z ~ N(0, 1) per pixel.
 * Its one output channel is kappa normalised by the training set's
 * statistics: kappa = kappa_mean + kappa_std × output.
 * Critic: a DmCritic (six 3x3 convs + linear, no spectral normalisation: the
 * Lipschitz constraint is the exact gradient penalty) on 5 channels, the
 * normalised kappa then the 4 condition channels.
 *
 * Grids: the U-Net needs sides divisible by 2^depth.  Every map (condition,
 * noise code, and in training the truth) is padded periodically to the next
 * multiple (rows and columns i >= n hold those of i − n: the engine's
 * dm_nn_periodic_window, done on the host for these inputs), and samples
 * are cropped back to the survey's nx × ny on the device.  The training pairs are periodic on
 * the survey grid (A is applied by FFT), so the padded maps are exact
 * periodic continuations.
 *
 * Weights file (safetensors): the generator's tensors under the U-Net's
 * names, with metadata "arch" = "mmgan", the U-Net's architecture, "nx",
 * "ny", "pixel_arcmin", "z_channels", "kappa_mean", "kappa_std",
 * "shear_scale".  The critic and the optimiser state are only in the
 * trainer's checkpoint. */
#ifndef DARKMAP_MMGAN_H
#define DARKMAP_MMGAN_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/ks.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn.h"
#include "darkmap/posterior.h"
#include "darkmap/progress.h"
#include "darkmap/wcs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Condition channels: g1, g2, KS, mask. */
#define DM_MMGAN_CONDITION_CHANNELS 4

typedef struct {
  int nx, ny;            /* the survey grid */
  double pixel_arcmin;   /* its pixel side (provenance and a check on use) */
  int depth;             /* U-Net levels (default 4) */
  int base_width;        /* U-Net width at full resolution (default 16) */
  int groups;            /* GroupNorm groups (default 4) */
  int z_channels;        /* channels of the noise code (default 2) */
  int critic_base;       /* critic width (default 16) */
  double kappa_mean, kappa_std;  /* output normalisation (default 0, 1) */
  double shear_scale;    /* input scale of g1, g2 and KS (default 1) */
} DmMmganConfig;

void dm_mmgan_config_init(DmMmganConfig *config);

/* A generator (and, for training, a critic) on one context.  Fields are
 * read-only for users. */
typedef struct {
  DmNn *nn;                  /* borrowed */
  DmMmganConfig config;
  int px, py;                /* padded grid: nx, ny up to a multiple of 2^depth */
  DmNnParams *generator_params;  /* owned */
  DmUNet *generator;             /* owned */
  DmNnParams *critic_params;     /* owned; NULL without a critic */
  DmCritic *critic;              /* owned; NULL without a critic */
} DmMmgan;

/* New networks initialised from seed (PyTorch's defaults).  Fails on an
 * invalid configuration (sizes, widths not divisible by groups,
 * non-positive kappa_std or shear_scale). */
DmMmgan *dm_mmgan_new(DmNn *nn, const DmMmganConfig *config, bool with_critic, uint64_t seed,
                      DmError **error);
void dm_mmgan_free(DmMmgan *mmgan);

/* The generator's weights file (see above), atomically. */
bool dm_mmgan_save(const DmMmgan *mmgan, const char *path, DmError **error);

/* A generator (no critic) from its weights file: every metadata value is
 * checked (arch, ranges, finite positive scales), then the tensors are
 * loaded strictly (names, shapes, nothing missing or extra).  Anything
 * else fails with DM_ERROR_FORMAT or the reader's error. */
DmMmgan *dm_mmgan_load(DmNn *nn, const char *path, DmError **error);

/* Parameters of the generator (trainable elements). */
int64_t dm_mmgan_generator_size(const DmMmgan *mmgan);

/* The condition of one binned shear: 4 padded planes of py × px floats
 * (see above) from g1, g2 and mask (nx × ny each), using plan (nx × ny). */
void dm_mmgan_condition(const DmMmgan *mmgan, DmKsPlan *plan, const float *g1, const float *g2,
                        const float *mask, float *condition);

/* Periodic padding of one nx × ny plane to px × py (src and dst distinct). */
void dm_mmgan_pad(int nx, int ny, int px, int py, const float *src, float *dst);

/* The generator on condition [N, 4, py, px] and noise code
 * [N, z_channels, py, px]: normalised kappa [N, 1, py, px] (recorded when
 * the context records). */
DmTensor *dm_mmgan_generate(DmMmgan *mmgan, DmTensor *condition, DmTensor *z);

/* Fills z [N, z_channels, py, px] with N(0, 1): sample b from the Philox
 * stream first + b of seed, so that a sample does not depend on the batch
 * it is drawn in. */
bool dm_mmgan_fill_code(DmMmgan *mmgan, DmTensor *z, uint64_t seed, uint64_t first);

/* The critic's scores (N, 1, 1, 1) of normalised kappa [N, 1, py, px] under
 * condition [N, 4, py, px]. */
DmTensor *dm_mmgan_critic(DmMmgan *mmgan, DmTensor *kappa, DmTensor *condition);

/* ---- Sampling -------------------------------------------------------------- */

/* n posterior samples of kappa (n planes of nx × ny into samples) for one
 * binned shear (g1, g2 and mask on the model's grid), batch samples per
 * generator call.  Sample k uses noise-code stream k of seed, whatever the
 * batch.  Each sample has its mean over the grid removed: the k = 0 mode,
 * which the shear does not hold and every method sets to 0 (generators
 * trained on maps that kept it add the prior's mean of it, ~0.02 on COSMOS
 * grids, to every pixel).  Progress per batch; cancellation between
 * batches. */
bool dm_mmgan_sample(DmMmgan *mmgan, const float *g1, const float *g2, const float *mask, int n,
                     int batch, uint64_t seed, float *samples, const DmProgress *progress,
                     DmError **error);

/* The posterior file of n samples (darkmap/posterior.h) with METHOD =
 * 'MMGAN' and the settings in the mean's header. */
DmPosterior *dm_mmgan_posterior_new(const DmMmgan *mmgan, const float *samples, int n,
                                    const DmWcs *wcs, uint64_t seed, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

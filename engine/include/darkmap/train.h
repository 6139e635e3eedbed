/* One call per trainer: request + progress + report -> a model file and its
 * checkpoint.  The command line (train-score, train-mmgan, train-cosmogan)
 * and the application's training job all call dm_train, so none composes
 * networks, pools or optimisers itself.
 *
 * Kinds and what they train (darkmap/score-network.h, darkmap/mmgan-train.h,
 * darkmap/cosmogan-train.h):
 *   SCORE_HYBRID  the network residual of the hybrid prior score, by
 *                 denoising score matching on clean maps (lognormal fields
 *                 of the theory C_ell, optionally NFW haloes) of the
 *                 request's pixel scale; convolutional: the model serves any
 *                 grid of that pixel scale.
 *   SCORE_PLAIN   the same network trained as the whole prior score.
 *   MMGAN         a conditional GAN generator for ONE survey geometry: the
 *                 grid (size, pixel scale, centre), the mask and the rotated
 *                 real noise of the catalogue binned on it.
 *   COSMOGAN      an emulator of convergence maps (a DCGAN generator of
 *                 size × size maps of pixel_arcmin) trained on maps from a
 *                 FITS cube or folder (maps_path: users' own N-body maps) or,
 *                 by default, from the simulator (lognormal fields of the
 *                 theory C_ell with NFW haloes).  Its model file holds the
 *                 generator of the validation at a multiple of
 *                 validate_every with the lowest mean C_ell difference (the
 *                 generator kept, darkmap/cosmogan-train.h), the live one
 *                 before the first.
 *
 * Files.  The model (model_path) is what reconstructions load: the network's
 * weights with its metadata (dm_model_info_read reads its kind and grid).
 * The checkpoint (checkpoint_path) is ONE safetensors file holding
 * everything a resume needs: the network, for MMGAN the critic, for
 * COSMOGAN the discriminator, every optimiser's moments and step, w_SD,
 * the step count and the request itself (dm_train_checkpoint_read gives it
 * back, so that an unfinished
 * training can be resumed from the file alone).  Both are written
 * atomically (temporary file, fsync, rename): a kill at any moment leaves
 * the last checkpoint whole.  The model card (the model's *.md, written by
 * darkmap/model-card.h) is rewritten with each checkpoint.
 *
 * A resumed run equals the uninterrupted one bit for bit on the CPU: every
 * draw of step n is a pure function of (seed, n).
 *
 * Checkpoints are written every checkpoint_every steps, when
 * checkpoint_now is raised (after the step in progress), at the end, on
 * max_seconds, and on cancellation: a cancelled training saves its
 * finished steps, then fails with DM_ERROR_CANCELLED. */
#ifndef DARKMAP_TRAIN_H
#define DARKMAP_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/cosmogan-validation.h"
#include "darkmap/data-parallel.h"
#include "darkmap/error.h"
#include "darkmap/progress.h"
#include "darkmap/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DM_TRAIN_SCORE_HYBRID,
  DM_TRAIN_SCORE_PLAIN,
  DM_TRAIN_MMGAN,
  DM_TRAIN_COSMOGAN,
  DM_TRAIN_N_KINDS
} DmTrainKind;

/* "score-hybrid", "score-plain", "mmgan", "cosmogan". */
const char *dm_train_kind_name(DmTrainKind kind);
bool dm_train_kind_from_name(const char *name, DmTrainKind *kind);

/* Size presets: QUICK is a CPU demonstration that learns something in
 * minutes on two cores; FULL is the published-size run for a GPU (the
 * command line's sizes before presets).
 *   QUICK score: 64² maps of 0.29′, U-Net width 8 depth 3, 64 + 8 pool
 *     maps, batch 4, 2000 steps.
 *   QUICK MMGAN: the grid 64 × 64 pixels of 1.6′ (the COSMOS field at a
 *     coarser pixel; set grid after init for another), width 8 depth 3,
 *     critic 8, 32 maps, 16 noise realisations, 4 validation pairs, batch
 *     2, 2000 steps.
 *   FULL score: 128² maps, width 16 depth 4, 256 + 32 maps, batch 8, 1000
 *     steps; FULL MMGAN: the grid 360 × 360 pixels of 0.29′, width 16
 *     depth 4, critic 16, 64 maps, 32 noise realisations, 8 pairs, batch
 *     4, 2000 steps.
 *   QUICK CosmoGAN: 64² maps of 0.29′ from the simulator, width 8, latent
 *     size 64, 1024 maps, 256 maps generated per validation, batch 32, lr
 *     2e-4, 3000 steps, validations and checkpoints every 500.  Measured on
 *     the same machine: 20 to 23 steps/s, 156 s in all; the generator kept
 *     (step 3000) is 17 % from the training maps' C_ell on average over the
 *     12 resolved bins, all inside their 1-sigma scatter.
 *   FULL CosmoGAN: the paper's network: 256² maps of 0.29′, width 64,
 *     latent size 64, 4096 maps, 1000 per validation, batch 64, lr 2e-4,
 *     20000 steps, validations and checkpoints every 1000.
 *   The others: validations and checkpoints every 100 steps; all: reports
 *   every 10, w_SD updated every 100, lr 1e-3 (CosmoGAN 2e-4), seed 1,
 *   device auto, all cores.
 * Measured on this project's 2-core machine shared with other work (load
 * 2 to 5): QUICK trained the score network at 39 to 42 steps/s and the
 * MMGAN (COSMOS catalogue) at 23 to 25, the whole runs taking 50 s
 * (score: validation loss 0.394 against 0.483 for the theory score alone,
 * 18 % below) and 85 to 90 s (MMGAN: r of the mean 0.79 against 0.74 for
 * the best KS map, std calibration 0.97), pools, validations and
 * checkpoints included; one thread or both cores gave the same speed and
 * the same numbers (the CPU engine gives an op a second thread only for
 * large tensors). */
typedef enum { DM_TRAIN_PRESET_QUICK, DM_TRAIN_PRESET_FULL } DmTrainPreset;

/* Everything a training reads.  Strings are borrowed for the call. */
typedef struct {
  DmTrainKind kind;
  const DmTheorySpectrum *theory;  /* the training fields' C_ell (and the theory score);
                                      NULL: read from theory_path */
  const char *theory_path;         /* recorded in the checkpoint and card */
  const char *theory_column;       /* the table's column; NULL: its first */

  /* Geometry.  Score: maps of size × size pixels of pixel_arcmin (grid
   * ignored).  MMGAN: the catalogue binned on grid (which fixes size and
   * pixel scale; its centre is made explicit in the checkpoint).  COSMOGAN:
   * maps of size × size (a multiple of 16) pixels of pixel_arcmin; with
   * maps_path, the files' WCS pixel when they have one. */
  int size;                        /* score training maps' side (default 128) */
  double pixel_arcmin;             /* score (default 0.29); MMGAN: grid's */
  const char *maps_path;           /* a FITS cube or a folder of FITS images (N-body maps:
                                      darkmap/nbody-sky.h) cut into tiles of the training
                                      grid (score: size²; MMGAN: the grid, square), NaN
                                      tiles skipped; NULL: simulated maps.  Score and
                                      MMGAN: the first pool_maps tiles train, the next
                                      validation tiles validate (tiles in file order:
                                      map by map, rows of tiles from the bottom), drawn
                                      with the same shifts, flips and transposes; the
                                      file's WCS pixel must be the grid's within 1 %.
                                      COSMOGAN: at most pool_maps tiles of size² */
  const char *maps_sha256;         /* set by dm_train: the SHA-256 of maps_path
                                      (dm_map_tiles_digest: a file's, or a folder's
                                      list of files and digests), in the checkpoint and
                                      the card; a resume refuses maps that changed */
  const DmCatalog *catalog;        /* MMGAN: the survey's galaxies (borrowed); NULL: read
                                      from catalog_path, catalog_hdu and catalog_columns */
  const char *catalog_path;        /* recorded for a resume */
  int catalog_hdu;                 /* 1-based HDU of the table; 0: the first table */
  DmCatalogColumns catalog_columns;  /* NULL names: detected.  The checkpoint records the
                                        HDU and the columns the catalogue was read with */
  DmGridSpec grid;                 /* MMGAN: the survey grid */

  /* Training data. */
  bool haloes;                     /* NFW haloes in the fields (default true) */
  double shift;                    /* lognormal shift (default 0.02) */
  int pool_maps;                   /* clean maps made once (score 256, MMGAN 64); COSMOGAN:
                                      maps simulated, or at most read from maps_path */
  int pool_noise;                  /* MMGAN noise realisations (default 32) */
  int validation;                  /* held-out maps / pairs (score 32, MMGAN 8); COSMOGAN:
                                      maps generated per validation (1000), which a resume
                                      may change */

  /* Networks. */
  int width, depth;                /* U-Net base width and levels (default 16, 4); COSMOGAN:
                                      both networks' base width b (64), depth 4 */
  int z_channels, critic_width;    /* MMGAN (default 2, 16); COSMOGAN: z_channels is the
                                      latent size (64) */

  /* Optimisation. */
  int batch;                       /* maps (score, default 8) or conditions (MMGAN, 4) per step,
                                      over all ranks of a data-parallel run */
  double lr;                       /* Adam rate (default 1e-3; COSMOGAN 2e-4, betas 0.5 and
                                      0.999, 1 % label flips) */
  int cosine;                      /* score: warm-up + cosine decay to step N; 0: constant */
  double sigma_min, sigma_max;     /* score noise levels (default 1e-3, 0.3) */
  double beta_adv;                 /* MMGAN adversarial weight (default 1e-5) */
  int adapt_every;                 /* MMGAN w_SD updates (default 100; 0: fixed) */
  uint64_t seed;                   /* weights, pool and draws (default 1) */

  /* How long and how often. */
  int64_t steps;                   /* total steps of the run, resumed ones included
                                      (default 1000 score, 2000 MMGAN) */
  double max_seconds;              /* > 0: stop (and checkpoint) after this much training
                                      time in this call */
  int report_every;                /* steps between reports (default 10) */
  int validate_every;              /* steps between validations (default 100) */
  int checkpoint_every;            /* steps between checkpoints; 0: only at the end */

  const char *device;              /* "auto" (NULL too), "cpu" or "cuda" */
  int threads;                     /* CPU threads; 0: all cores */
  const DmDataParallel *parallel;  /* NULL: one process.  Score and MMGAN: this process is
                                      one rank of a data-parallel run (darkmap/
                                      data-parallel.h; batch divisible by the ranks), all
                                      ranks given the same request: rank 0 alone writes
                                      the checkpoint, model and card and reports; the
                                      ranks agree at each step on stopping (a cancel on
                                      any rank, rank 0's max_seconds or checkpoint_now;
                                      a cancel raised while the maps are read or made
                                      waits for the first step), and pause is ignored.  Not recorded: a checkpoint
                                      resumes with any number of ranks.  COSMOGAN refuses
                                      more than one rank (its batch norms see the whole
                                      batch).  Borrowed */

  const char *model_path;          /* the model written (required) */
  const char *checkpoint_path;     /* NULL: model_path with ".checkpoint.safetensors"
                                      in place of ".safetensors" */
  bool resume;                     /* continue from the checkpoint (which must exist
                                      and match the request's kind and sizes) */
  const char *name;                /* the model card's title; NULL: the file's name */
} DmTrainRequest;

/* The defaults above for kind, at the QUICK or FULL size. */
void dm_train_request_init(DmTrainRequest *request, DmTrainKind kind, DmTrainPreset preset);

/* The checkpoint path of a request (model_path with ".checkpoint.safetensors"
 * in place of ".safetensors", or checkpoint_path), malloc'ed. */
char *dm_train_checkpoint_path(const DmTrainRequest *request);

/* What a report carries (all numbers in the trainer's normalised units
 * unless said). */
typedef struct {
  int64_t step, total_steps;
  double seconds;                  /* training time of this call */
  double steps_per_second;         /* over this call */
  double seconds_left;             /* to total_steps at that rate */
  double train_loss;               /* score: DSM loss of the last step; MMGAN: L1;
                                      COSMOGAN: the generator's loss −mean log D(G(z)) */
  /* MMGAN only: the last step's terms and w_SD.  COSMOGAN: critic_loss is the
   * discriminator's cross-entropy (real plus generated). */
  double critic_loss, gradient_penalty, adversarial_loss, std_reward, std_weight;
  double d_real, d_fake;           /* COSMOGAN: mean D on the real and generated batch */
  /* Validation (has_validation when this report comes with one; the others
   * carry the last validation's numbers, NaN before the first). */
  bool has_validation;
  double validation_loss;          /* score: DSM loss of the network (hybrid or plain);
                                      MMGAN: RMSE of the posterior mean (kappa units,
                                      inside the mask, all pairs together); COSMOGAN: mean
                                      |C_ell generated / C_ell training − 1| over the
                                      resolved ell bins (darkmap/cosmogan-validation.h) */
  double theory_loss;              /* score: the theory score alone (the baseline); NaN MMGAN */
  double r, r_ks;                  /* MMGAN: r of the posterior mean and of the best
                                      KS map, map by map on the validation pairs,
                                      averaged; NaN for score */
  double std_ratio;                /* MMGAN: std calibration (1: calibrated); NaN score */
  double psnr_gain, psnr_gain_target;  /* MMGAN */
  /* COSMOGAN: the fractions of resolved ell bins, PDF thresholds and
   * Minkowski-functional points (V0, V1, V2 together) inside the training
   * set's 1-sigma scatter, and the KS distance D of the pixel values. */
  double cl_inside, pdf_inside, mf_inside, pixel_ks;
  size_t device_memory;            /* bytes the network engine holds (in use + cached) */
  bool checkpointed;               /* a checkpoint was written with this report */
} DmTrainReport;

typedef void (*DmTrainReportFunc)(void *user_data, const DmTrainReport *report);

/* Live controls, polled between steps (each may be NULL). */
typedef struct {
  DmTrainReportFunc report;        /* every report_every steps, validations, checkpoints */
  void *user_data;
  atomic_int *pause;               /* non-zero: wait between steps (cancel still works) */
  atomic_int *checkpoint_now;      /* non-zero: checkpoint after this step, then set to 0 */
} DmTrainMonitor;

typedef struct {
  int64_t steps;                   /* the step count reached */
  double seconds;                  /* wall time of the call, pool included */
  double training_seconds;         /* training time over every call, resumed ones included */
  char device[160];                /* the network engine's device */
  int64_t n_parameters;            /* the model's trainable weights */
  bool finished;                   /* steps == total steps (not stopped on max_seconds) */
  DmTrainReport last;              /* the last report (with the last validation's numbers) */
  DmCosmoganValidation cosmogan;   /* COSMOGAN: the model's validation (the kept generator's,
                                      else the last one; n_generated 0 before the first) */
  char maps[96];                   /* COSMOGAN: what the training maps were ("1024
                                      simulated maps", "96 tiles of 3 files") */
} DmTrainResult;

/* Checks the request before any work: DM_ERROR_INVALID_ARGUMENT with a
 * sentence naming what is wrong (no theory nor its path (COSMOGAN: unless
 * its maps come from maps_path), no catalogue nor its path for MMGAN (the
 * files themselves are read by dm_train), a size not divisible by 2^depth
 * (COSMOGAN: by 16), non-positive rates, an unknown device, no model path,
 * a resume without checkpoint). */
bool dm_train_check(const DmTrainRequest *request, DmError **error);

/* Trains.  progress: the fraction of the steps (the pool's making first)
 * and the stage ("Making the training maps", "Step 120 of 400"), and the
 * cancel flag; monitor may be NULL. */
bool dm_train(const DmTrainRequest *request, const DmProgress *progress,
              const DmTrainMonitor *monitor, DmTrainResult *result, DmError **error);

/* ---- Reading a checkpoint back (to list and resume unfinished runs) ---- */

/* A checkpoint's request, step and time, without loading the weights.  The
 * strings (paths, name) live in the DmTrainCheckpointInfo. */
typedef struct {
  DmTrainRequest request;          /* theory and catalog NULL: read them from their paths */
  int64_t step;                    /* steps done */
  double seconds;                  /* training time so far, over every call */
  char model_path[4096], theory_path[4096], theory_column[256], catalog_path[4096];
  char maps_path[4096], maps_sha256[65];
  char catalog_columns[5][256];    /* ra, dec, e1, e2, weight ("" weight: unit weights) */
  char name[256], device[160];
  char checkpoint_path[4096];      /* the file read (request.checkpoint_path points here) */
} DmTrainCheckpointInfo;

/* Reads the header alone (dm_safetensors_read_header): hostile files fail
 * as it does (DM_ERROR_FORMAT); a safetensors file that is not a Darkmap
 * checkpoint is DM_ERROR_FORMAT too. */
bool dm_train_checkpoint_read(const char *path, DmTrainCheckpointInfo *info, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* CosmoGAN: an emulator of convergence maps (Mustafa et al. 2019,
 * Computational Astrophysics and Cosmology 6:1).  A DCGAN generator turns a
 * latent vector z ~ N(0, I) into one map of kappa; once trained on
 * simulations (darkmap/cosmogan-train.h) it draws new maps in milliseconds
 * whose power spectrum, pixel distribution and Minkowski functionals match
 * the simulations'.
 *
 * Networks (darkmap/nn-modules.h, DmDcganConfig): generator z (z_dim) ->
 * linear to 8b × s/16 × s/16 -> BN + ReLU -> four 5×5 stride-2 transposed
 * convolutions (4b, 2b, b, 1) with BN + ReLU between, tanh out, s × s
 * pixels; discriminator four 5×5 stride-2 convolutions (b, 2b, 4b, 8b) with
 * LeakyReLU 0.2 and BN after the first, linear to one logit.  The paper's
 * network is z_dim 64, b = 64, s = 256; smaller ones (s = 64 or 32, b = 8)
 * train on a CPU.
 *
 * The map transform.  Convergence maps have a long tail of high pixels
 * (haloes) over a narrow bulk, and tanh outputs lie in (−1, 1).  As the
 * paper does, the network works on s(x) = 2 x / (x + a) − 1 of x > 0, which
 * maps (0, ∞) onto (−1, 1) and compresses the tail; here x = kappa + c, the
 * offset c making every training pixel positive (kappa itself can be
 * negative):
 *   s = 2 (kappa + c) / (kappa + c + a) − 1,   kappa = a (1 + s) / (1 − s) − c.
 * dm_cosmogan_fit_transform sets c = −min(kappa) + 0.1 std(kappa) and a =
 * median(kappa) + c over the training pixels, so that the least pixel maps
 * just above −1 and the median to 0: the generator's outputs span
 * kappa > −c.
 *
 * Weights file (safetensors): the generator's tensors under the DCGAN's
 * names (fc.*, norm.i.*, up.i.*; the batch norms' running statistics
 * included), metadata "arch" = "cosmogan", "z_dim", "base_width", "size",
 * "pixel_arcmin", "transform" = "2(kappa+c)/(kappa+c+a)-1", "transform_a",
 * "transform_offset".  The discriminator and the optimisers' state are only
 * in the trainer's checkpoint.
 *
 * Sampling uses the batch norms' running statistics (inference mode, as the
 * paper's code), so a map depends on its latent vector alone: map k of a
 * seed is the same whatever the batch it is drawn in. */
#ifndef DARKMAP_COSMOGAN_H
#define DARKMAP_COSMOGAN_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn.h"
#include "darkmap/progress.h"
#include "darkmap/wcs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The name of the transform in the weights file. */
#define DM_COSMOGAN_TRANSFORM_NAME "2(kappa+c)/(kappa+c+a)-1"

typedef struct {
  int z_dim;               /* latent size (default 64) */
  int base_width;          /* b (default 64) */
  int size;                /* map side, a multiple of 16 from 16 to 4096 (default 256) */
  double pixel_arcmin;     /* pixel side of the training maps (default 0.29) */
  double transform_a;      /* a > 0 (default 1: set it with dm_cosmogan_fit_transform) */
  double transform_offset; /* c (default 0) */
} DmCosmoganConfig;

void dm_cosmogan_config_init(DmCosmoganConfig *config);

/* Whether config is one the networks and the transform accept:
 * DM_ERROR_INVALID_ARGUMENT naming the first value that is not. */
bool dm_cosmogan_config_check(const DmCosmoganConfig *config, DmError **error);

/* ---- The map transform -------------------------------------------------------- */

/* s(kappa) as above; kappa <= −c gives −1 or less (no training pixel does). */
double dm_cosmogan_transform(const DmCosmoganConfig *config, double kappa);

/* kappa(s).  s is taken at most 1 − 2^−24 (the float below 1): a tanh that
 * rounds to 1 would give an infinite kappa; no other value is changed. */
double dm_cosmogan_inverse(const DmCosmoganConfig *config, double s);

/* Sets transform_offset and transform_a from n training pixels (see
 * above): DM_ERROR_NO_DATA when they are constant, DM_ERROR_INVALID_ARGUMENT
 * when one is not finite or n is 0. */
bool dm_cosmogan_fit_transform(const float *kappa, size_t n, DmCosmoganConfig *config,
                               DmError **error);

/* ---- The networks ----------------------------------------------------------------- */

/* A generator (and, for training, a discriminator) on one context.  Fields
 * are read-only for users. */
typedef struct {
  DmNn *nn; /* borrowed */
  DmCosmoganConfig config;
  DmNnParams *generator_params;        /* owned */
  DmDcganGenerator *generator;         /* owned */
  DmNnParams *discriminator_params;    /* owned; NULL without a discriminator */
  DmDcganDiscriminator *discriminator; /* owned; NULL without a discriminator */
} DmCosmogan;

/* New networks initialised from seed (PyTorch's defaults); the
 * configuration is checked first (dm_cosmogan_config_check). */
DmCosmogan *dm_cosmogan_new(DmNn *nn, const DmCosmoganConfig *config, bool with_discriminator,
                            uint64_t seed, DmError **error);
void dm_cosmogan_free(DmCosmogan *model);

/* Trainable elements of the generator. */
int64_t dm_cosmogan_generator_size(const DmCosmogan *model);

/* The generator's weights file (see above), atomically. */
bool dm_cosmogan_save(const DmCosmogan *model, const char *path, DmError **error);

/* A generator (no discriminator) from its weights file.  Every metadata
 * value is checked (arch, transform, integer ranges, finite positive pixel
 * and a, finite c), then the tensors strictly (names, shapes, nothing
 * missing or extra): anything else fails with DM_ERROR_FORMAT or the
 * reader's error. */
DmCosmogan *dm_cosmogan_load(DmNn *nn, const char *path, DmError **error);

/* Fills z [N, z_dim, 1, 1] with N(0, 1): row b from the Philox stream
 * first + b of seed, so that a latent vector does not depend on its batch. */
bool dm_cosmogan_fill_latent(DmCosmogan *model, DmTensor *z, uint64_t seed, uint64_t first);

/* The generator on z [N, z_dim, 1, 1]: transformed maps [N, 1, s, s];
 * training selects the batch statistics (and updates the running ones). */
DmTensor *dm_cosmogan_forward_generator(DmCosmogan *model, DmTensor *z, bool training);

/* The discriminator's logits [N, 1, 1, 1] of transformed maps [N, 1, s, s]. */
DmTensor *dm_cosmogan_forward_discriminator(DmCosmogan *model, DmTensor *maps, bool training);

/* ---- Sampling ----------------------------------------------------------------------- */

/* Maps first … first + n − 1 of seed as kappa (n planes of size × size
 * floats into maps, the inverse transform applied), batch maps per
 * generator call; map k from latent stream k of seed, whatever the batch
 * and the first (a long series can be drawn in parts).  Progress per batch;
 * cancellation between batches. */
bool dm_cosmogan_sample(DmCosmogan *model, uint64_t first, int n, int batch, uint64_t seed,
                        float *maps, const DmProgress *progress, DmError **error);

/* The TAN grid of the model's maps (size × size pixels of pixel_arcmin, RA
 * increasing to the left) centred on (ra, dec) in degrees. */
DmWcs *dm_cosmogan_wcs(const DmCosmoganConfig *config, double ra, double dec, DmError **error);

/* ---- The cube of emulated maps ---------------------------------------------------- */

/* A FITS file laid out as the posterior file (darkmap/posterior.h), written
 * as the maps come (darkmap/fits-cube-writer.h: one batch in memory,
 * atomic): the primary HDU is the mean of the maps, STD their std per pixel
 * (n >= 2), SAMPLES the n maps; all with the TAN WCS of the model's grid and,
 * in the primary header, METHOD = 'COSMOGAN', MODEL and MODELSHA (the weights
 * file and its SHA-256, when a path is given), SEED, NSAMPLES, ZDIM,
 * GWIDTH, GPARAMS, the transform (TRANSFRM, TRANSFA, TRANSFC) and PIXSCALE.
 * Maps are emulated universes, not a posterior: there is no SIGNIF. */
typedef struct {
  bool has_center; /* false: RA 0°, Dec 0° */
  double center_ra, center_dec;
  const char *model_path; /* recorded with its SHA-256; NULL: not recorded */
  uint64_t seed;          /* recorded */
} DmCosmoganCubeOptions;

typedef struct DmCosmoganCube DmCosmoganCube;

/* Creates the temporary file for n maps of model's grid. */
DmCosmoganCube *dm_cosmogan_cube_new(const char *path, const DmCosmogan *model, int n,
                                     const DmCosmoganCubeOptions *options, DmError **error);
/* The next count maps (count × size² floats), in order. */
bool dm_cosmogan_cube_add(DmCosmoganCube *cube, const float *maps, int count, DmError **error);
/* Writes the mean and std and renames the file over path; fails (leaving
 * no file) when fewer than n maps were added.  Frees the cube either way. */
bool dm_cosmogan_cube_finish(DmCosmoganCube *cube, DmError **error);
/* Removes the temporary file and frees the cube; NULL does nothing. */
void dm_cosmogan_cube_abort(DmCosmoganCube *cube);

/* ---- One call: a field of emulated universes ---------------------------------------- */

/* What the command line (sample-cosmogan) and the window ask for. */
typedef struct {
  const char *model_path; /* the generator's weights (required) */
  int n_maps;             /* >= 1 */
  uint64_t seed;          /* latent vectors: map k from stream k */
  int batch;              /* maps per generator call; 0: 64 on a GPU, 8 on the CPU */
  const char *device;     /* "auto" (NULL too), "cpu" or "cuda" */
  int threads;            /* CPU threads; 0: all cores */
  bool has_center;        /* false: RA 0°, Dec 0° */
  double center_ra, center_dec;
  const char *out_path; /* the cube file (see above); NULL: none */
  bool keep_maps;       /* result->maps gets the maps */
} DmCosmoganGenerateRequest;

/* n_maps 16, seed 1, batch 0, device "auto", all threads, RA 0 Dec 0, no
 * file, maps kept. */
void dm_cosmogan_generate_request_init(DmCosmoganGenerateRequest *request);

typedef struct {
  DmMap *maps;         /* n_maps planes with the WCS and the cube's provenance
                          keys, when keep_maps; owned */
  int size;            /* the model's map side */
  double pixel_arcmin; /* and pixel */
  char device[160];    /* the network engine's device */
  int batch;           /* the batch used */
  double seconds;      /* the sampling's wall time (loading excluded) */
} DmCosmoganGenerateResult;

/* Loads the model on the device, draws the maps batch by batch (progress
 * per batch, cancellation between batches and within a network pass) and
 * writes the cube and/or keeps the maps.  Before drawing, the maps held
 * (all when kept, else a batch) must fit in the memory budget
 * (DM_ERROR_NO_MEMORY) and the cube in its folder (DM_ERROR_IO), each
 * message naming the need (darkmap/memory-budget.h).  A cancelled or failed
 * call leaves no file and result->maps NULL. */
bool dm_cosmogan_generate(const DmCosmoganGenerateRequest *request, const DmProgress *progress,
                          DmCosmoganGenerateResult *result, DmError **error);
void dm_cosmogan_generate_result_clear(DmCosmoganGenerateResult *result);

#ifdef __cplusplus
}
#endif

#endif

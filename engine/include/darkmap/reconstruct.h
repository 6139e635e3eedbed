/* One call per mass-mapping method: binned shear + request + progress ->
 * posterior.  The command line (ks, wiener, sample-score, sample-mmgan) and
 * the application's worker job both call dm_reconstruct, so neither
 * composes priors, networks or samplers itself.
 *
 * Methods and what the posterior holds:
 *   KS          mean = Kaiser-Squires E mode (smoothed by ks.smooth_sigma_pixels),
 *               no samples; b_mode = the B mode.
 *   WIENER      mean = the Wiener filter; n_samples constrained realisations
 *               (exact Gaussian posterior samples, darkmap/wiener.h).
 *   SCORE_HMC   annealed HMC on the score (darkmap/score.h, score-device.h):
 *               the theory prior, plus the network of model_path when given
 *               (hybrid residual or plain score, from the file's metadata).
 *   SCORE_FLOW  the probability flow with Langevin correctors
 *               (darkmap/score-flow.h), same prior.
 *   MMGAN       the conditional GAN of model_path (darkmap/mmgan.h); the
 *               shear must be on the model's grid and pixel scale.
 * The mean map's header carries the provenance: METHOD and the method's
 * settings, PRIOR (theory_path), MODEL and MODELSHA (the SHA-256 of the
 * weights file) for networks, SCORENET (none, hybrid or plain) for score
 * posteriors, and CALIB … with the STDRAW extension when the model's
 * calibration was applied (darkmap/posterior.h).
 *
 * Progress: fraction of the whole run and a stage naming the samples done
 * ("Score sampling: 16 of 64 samples").  Cancellation is polled between
 * solver iterations, Wiener samples and score evaluations, and before every
 * kernel op of the network engine (dm_nn_set_cancel: a network evaluation
 * stops within one layer): the call then fails with DM_ERROR_CANCELLED and
 * returns nothing.  Measured at 360² on 2 CPU cores: within 0.3 s for every
 * method. */
#ifndef DARKMAP_RECONSTRUCT_H
#define DARKMAP_RECONSTRUCT_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/binning.h"
#include "darkmap/error.h"
#include "darkmap/ks.h"
#include "darkmap/model-info.h"
#include "darkmap/posterior.h"
#include "darkmap/progress.h"
#include "darkmap/score-flow.h"
#include "darkmap/score.h"
#include "darkmap/theory.h"
#include "darkmap/wiener.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DM_RECONSTRUCT_KS,
  DM_RECONSTRUCT_WIENER,
  DM_RECONSTRUCT_SCORE_HMC,
  DM_RECONSTRUCT_SCORE_FLOW,
  DM_RECONSTRUCT_MMGAN,
  DM_RECONSTRUCT_N_METHODS
} DmReconstructMethod;

/* "ks", "wiener", "score-hmc", "score-flow", "mmgan". */
const char *dm_reconstruct_method_name(DmReconstructMethod method);
/* The method of a name above; false when none has it. */
bool dm_reconstruct_method_from_name(const char *name, DmReconstructMethod *method);
/* Whether the method needs the theory spectrum (Wiener, score), a model
 * file (MMGAN) or can take one (score), and draws samples (all but KS). */
bool dm_reconstruct_method_needs_theory(DmReconstructMethod method);
bool dm_reconstruct_method_needs_model(DmReconstructMethod method);
bool dm_reconstruct_method_takes_model(DmReconstructMethod method);
bool dm_reconstruct_method_samples(DmReconstructMethod method);

/* The memory of a sampling run's network-engine context (score samplers
 * and MMGAN: dm_nn_memory_peak, the blocks in use as the caching allocator
 * rounds them, under 25 % above the bytes asked and at least 256 bytes) is
 * bounded by fixed_bytes + batch × sample_bytes, with N the grid's pixels,
 * P the U-Net's padded pixels (sides rounded up to a multiple of 2^depth),
 * w its base width and c its input channels, in float maps of 4 bytes:
 *   fixed   1.25 × the model's parameters, 256 bytes per tensor of the file
 *           and 256 KiB of small tensors; the score samplers' Kaiser-Squires
 *           kernels and prior filter: 1.25 × 5 N;
 *   MMGAN   per sample, 1.25 × (5 w + 2 c + 3) P: the U-Net's forward
 *           without the tape, 5 w P beyond its input (darkmap/nn-modules.h),
 *           its input and the condition and code it is made of (2 c P), the
 *           output, its crop and its scaling (3 P);
 *   score   per chain with the theory prior, 1.25 × 18 N for the HMC (the
 *           chain's shear, likelihood weights, state, momenta and score, the
 *           state and score that Metropolis keeps, and an energy's
 *           temporaries) and 1.25 × 12 N for the flow (shear, weights, the
 *           Heun step's states and derivatives, a score's temporaries); with
 *           a network 1.25 × (5 w + c + 2) P more: its forward, its input
 *           and its output, padded and cropped (the network runs first in a
 *           score evaluation, while nothing else is held).
 * Measured at 360² on the CPU with the shipped models (bench-inference-batch),
 * peak (bound) in batches of 1 and 8: MMGAN 70 (75) and 471 (504) MiB; the
 * HMC with the score network 68 (82) and 447 (535) MiB; the theory score's
 * HMC 8 (14) and 47 (92) MiB. */
typedef struct {
  double fixed_bytes;   /* the model and the run's tensors of fixed size */
  double sample_bytes;  /* each sample (MMGAN) or chain (score) of a batch */
} DmReconstructMemory;

/* The bound above for method on an nx × ny grid with the model whose
 * metadata is model (darkmap/model-info.h; NULL: none, the theory prior).
 * Zero for KS and the Wiener filter, which use no network engine. */
DmReconstructMemory dm_reconstruct_memory(DmReconstructMethod method, int nx, int ny,
                                          const DmModelInfo *model);
/* fixed_bytes + batch × sample_bytes. */
double dm_reconstruct_memory_bound(const DmReconstructMemory *memory, int batch);

/* Samples (chains) per batch on a GPU and on the CPU, when that fits
 * (below). */
enum { DM_RECONSTRUCT_GPU_BATCH = 64, DM_RECONSTRUCT_CPU_BATCH = 4 };

/* The batch of a request whose batch is 0, for n_samples samples whose
 * memory is bounded by memory: DM_RECONSTRUCT_GPU_BATCH on a GPU; on the
 * CPU DM_RECONSTRUCT_CPU_BATCH, the fewest maps whose network ops are large
 * enough to run on two threads (core/omp-shares.h) and within 2 % of the
 * fastest batch (bench-inference-batch at 360² on 2 idle cores, samples/s
 * at batches 1, 4 and the fastest: MMGAN 6.96, 8.80, 8.98 (8); the HMC
 * with the shipped score network 1.16, 1.63, 1.64 (8); the theory score's
 * HMC 23.1, 22.7, 26.5 (2)).  A batch of one map costs a quarter less
 * processor time, on one thread: faster only on a machine whose other
 * core is busy.  Then no more than n_samples, and no more than
 * budget_bytes holds by the bound (at least 1; budget 0: unknown, no
 * limit). */
int dm_reconstruct_default_batch(bool gpu, int n_samples, const DmReconstructMemory *memory,
                                 double budget_bytes);

typedef struct {
  DmReconstructMethod method;
  const DmTheorySpectrum *theory;  /* borrowed; Wiener and score */
  const char *theory_path;         /* provenance (PRIOR); may be NULL */
  const char *model_path;          /* score (optional) and MMGAN (required) */
  const char *device;              /* "auto" (NULL too), "cpu" or "cuda" */
  int threads;                     /* CPU threads of the network engine; 0: all cores */
  int n_samples;                   /* Wiener >= 0, score and MMGAN >= 1; default 16 */
  uint64_t seed;                   /* default 1 */
  int batch;                       /* chains (samples) per batch; 0: the default
                                      (dm_reconstruct_default_batch) */
  /* A model's calibration (darkmap/calibration.h) scales the spread of its
   * samples (MMGAN, and the HMC of a score network: the sampler it was
   * fitted for) unless this is set: the raw samples are then kept. */
  bool uncalibrated;
  /* The file the posterior will be written to (dm_posterior_write), whose
   * folder must have room for it (darkmap/memory-budget.h); NULL: none. */
  const char *out_path;

  DmKsOptions ks;                  /* KS: padding and smoothing */
  DmWienerOptions wiener;          /* Wiener: solver */
  double noise_std;                /* Wiener: constant noise std per component;
                                      0 (default): the shear's NOISE */
  /* Score: the HMC schedule; step_scale 0 (default) is 0.5 for the theory
   * prior and 0.2 with a network, whose residual is stiffer.  The flow's
   * sigma_max, sigma_min and seed are taken from hmc and the request. */
  DmScoreSamplerOptions hmc;
  DmScoreFlowOptions flow;
} DmReconstructRequest;

/* KS without smoothing or padding, 16 samples, seed 1, device auto, the
 * default solver and sampler settings. */
void dm_reconstruct_request_init(DmReconstructRequest *request, DmReconstructMethod method);

/* What the run measured, for the user (the CLI prints it). */
typedef struct {
  char device[160];          /* the network engine's device, or "cpu: FFTW" */
  double seconds;            /* wall time of the whole call */
  int batch;                 /* the batch used */
  int solver_iterations;     /* Wiener: iterations of the filter */
  double solver_residual;    /* Wiener: its final |r| / |b| */
  double sample_iterations;  /* Wiener: mean iterations per sample */
  long evaluations;          /* score: score evaluations per sample */
  double acceptance;         /* HMC: accepted / trajectories */
  /* Score and MMGAN: the network engine's peak memory over the run
   * (dm_nn_memory_peak) and its bound for the batch used
   * (dm_reconstruct_memory_bound); 0 for the other methods. */
  double peak_bytes;
  double bound_bytes;
} DmReconstructStats;

typedef struct {
  DmPosterior *posterior;
  DmMap *b_mode;             /* KS only: the B mode; else NULL */
  DmReconstructStats stats;
} DmReconstruction;

void dm_reconstruction_free(DmReconstruction *reconstruction);

/* Checks the request against the method and the shear (theory, model,
 * sample count, device name, solver and sampler settings, a WCS for the
 * pixel scale, the model's grid) before any work:
 * DM_ERROR_INVALID_ARGUMENT with a sentence naming what is wrong.  The
 * posterior must fit in the memory budget (darkmap/memory-budget.h: its
 * samples twice, as the sampler's output and the posterior's cube, three
 * maps, and on the CPU the network engine's bound for the batch,
 * dm_reconstruct_memory_bound),
 * DM_ERROR_NO_MEMORY naming the need, and its file in out_path's folder
 * (n_samples + 4 maps), DM_ERROR_IO.  The model file's metadata is read
 * (darkmap/model-info.h): its own errors (DM_ERROR_IO, DM_ERROR_FORMAT)
 * pass through, and a model of the other kind (a score network for MMGAN,
 * a generator for the score) is DM_ERROR_FORMAT, as loading it would be. */
bool dm_reconstruct_check(const DmBinnedShear *binned, const DmReconstructRequest *request,
                          DmError **error);

/* Runs the method on binned (its shear, NOISE and MASK); progress may be
 * NULL.  The binned shear is only read. */
DmReconstruction *dm_reconstruct(const DmBinnedShear *binned, const DmReconstructRequest *request,
                                 const DmProgress *progress, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

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

/* Chains or samples per batch when the request's batch is 0: on a GPU; on
 * the CPU with the theory prior alone; on the CPU with a network (score
 * model or MMGAN), one map at a time, which runs there as fast per map as
 * larger batches or faster (MMGAN at 360² on 2 cores: 9.7 samples/s with
 * batches of 1, 4.8 with 4, 1.9 with 16). */
enum {
  DM_RECONSTRUCT_CPU_BATCH = 16,
  DM_RECONSTRUCT_CPU_NETWORK_BATCH = 1,
  DM_RECONSTRUCT_GPU_BATCH = 64
};

typedef struct {
  DmReconstructMethod method;
  const DmTheorySpectrum *theory;  /* borrowed; Wiener and score */
  const char *theory_path;         /* provenance (PRIOR); may be NULL */
  const char *model_path;          /* score (optional) and MMGAN (required) */
  const char *device;              /* "auto" (NULL too), "cpu" or "cuda" */
  int threads;                     /* CPU threads of the network engine; 0: all cores */
  int n_samples;                   /* Wiener >= 0, score and MMGAN >= 1; default 16 */
  uint64_t seed;                   /* default 1 */
  int batch;                       /* chains (samples) per batch; 0: by device */
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
 * maps, and on the CPU a batch's working memory, measured at 360²: 16 maps
 * per chain of the theory score, 216 per sample of a network),
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

/* The pieces of dm_reconstruct (darkmap/reconstruct.h): one function per
 * method, the model provenance of network posteriors, and the progress of
 * one segment of a call.
 *
 * Each method runs on a request that dm_reconstruct_check accepted and
 * fills result->posterior (and result->b_mode for KS) and its part of
 * result->stats; on failure it leaves result without maps. */
#ifndef DARKMAP_RECONSTRUCT_PRIVATE_H
#define DARKMAP_RECONSTRUCT_PRIVATE_H

#include <stdbool.h>

#include "darkmap/nn.h"
#include "darkmap/reconstruct.h"

bool dm_reconstruct_ks(const DmBinnedShear *binned, const DmReconstructRequest *request,
                       DmReconstruction *result, DmError **error);
bool dm_reconstruct_wiener(const DmBinnedShear *binned, const DmReconstructRequest *request,
                           const DmProgress *progress, DmReconstruction *result,
                           DmError **error);
/* SCORE_HMC and SCORE_FLOW. */
bool dm_reconstruct_score(const DmBinnedShear *binned, const DmReconstructRequest *request,
                          const DmProgress *progress, DmReconstruction *result, DmError **error);
bool dm_reconstruct_mmgan(const DmBinnedShear *binned, const DmReconstructRequest *request,
                          const DmProgress *progress, DmReconstruction *result, DmError **error);

/* The score samplers' settings of a request: its HMC options with its seed
 * and the step scale of its prior (0 in the request: 0.5 for the theory
 * prior, 0.2 with a network), and its flow options with the HMC's noise
 * levels and its seed. */
void dm_reconstruct_score_options(const DmReconstructRequest *request, DmScoreSamplerOptions *hmc,
                                  DmScoreFlowOptions *flow);

/* The memory bound of the request's sampler on an nx × ny grid (the
 * model's metadata read: its errors pass through) and its batch: the
 * request's, else dm_reconstruct_default_batch on a GPU or the CPU, within
 * the machine's physical memory less the posterior's (2 n_samples + 3 maps)
 * on the CPU (no limit when the posterior alone does not fit: the run is
 * refused whatever the batch). */
bool dm_reconstruct_batch(const DmReconstructRequest *request, int nx, int ny, bool gpu,
                          int *batch, DmReconstructMemory *memory, DmError **error);

/* The network-engine context of the request (device by name, threads)
 * with the caller's cancel flag polled before every kernel op, its name in
 * stats->device. */
DmNn *dm_reconstruct_nn_new(const DmReconstructRequest *request, const DmProgress *progress,
                            DmReconstructStats *stats, DmError **error);

/* MODEL = the path as given, MODELSHA = the file's SHA-256 (hex), on the
 * mean map of a posterior drawn with a trained network. */
bool dm_reconstruct_record_model(DmMap *mean, const char *model_path, DmError **error);

/* Applies the calibration of the request's model to posterior when the
 * model has one for sampler ("mmgan", "score-hmc") and the request does not
 * ask for raw samples; nothing otherwise. */
bool dm_reconstruct_calibrate(DmPosterior *posterior, const DmReconstructRequest *request,
                              const char *sampler, DmError **error);

/* The progress of one part of a call: the inner work reports its own
 * fraction through `progress`, which reaches the caller's DmProgress
 * rescaled to [start, end] of the whole call, with the stage "<what>" or,
 * for samples, "<what>: <done> of <total> samples" ("Score sampling: 16 of
 * 64 samples"); the cancel flag is the caller's. */
typedef struct {
  DmProgress progress;      /* give this to the inner work */
  const DmProgress *outer;  /* the caller's; may be NULL */
  double start, end;        /* the segment, in fractions of the whole call */
  const char *what;         /* the stage's name (static); NULL: the inner work's stage */
  int done, total;          /* samples done before the segment and in the call; 0 total: none */
  int count;                /* samples the segment draws */
  bool gradual;             /* the inner fraction counts samples done (MMGAN), else
                               they are done when it reaches 1 (a batch of chains) */
} DmProgressSegment;

/* A segment without samples. */
void dm_progress_segment_init(DmProgressSegment *segment, const DmProgress *outer, double start,
                              double end, const char *what);
/* A segment drawing samples done … done + count − 1 of total. */
void dm_progress_segment_init_samples(DmProgressSegment *segment, const DmProgress *outer,
                                      double start, double end, const char *what, int done,
                                      int count, int total, bool gradual);

#endif

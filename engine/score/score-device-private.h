/* The posterior model of the device samplers (darkmap/score-device.h) as
 * score-device-hmc.c and score-device-flow.c use it: a batch of chains on
 * the context, the score of all of them, the Gaussian energy, the chains'
 * random maps and in-place element-wise updates. */
#ifndef DARKMAP_SCORE_DEVICE_PRIVATE_H
#define DARKMAP_SCORE_DEVICE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/score-device.h"

struct DmScoreDevice {
  DmNn *nn;                       /* borrowed */
  DmScorePrior *prior;            /* borrowed */
  DmScoreLikelihood *likelihood;  /* borrowed */
  DmScoreTensorResidualFunc residual;  /* may be NULL */
  void *residual_data;
  bool theory_prior;              /* add the theory prior's score (default) */
  int nx, ny;
  size_t npix;
  DmTensor *ks;          /* [1, 2, ny, nx]: D = a + i b (dm_ks_kernel) */
  DmTensor *ks_adjoint;  /* [1, 2, ny, nx]: conj(D) */
  float *host_filter;    /* npix: the prior filter of one sigma, on the host */
  float *host_weights;   /* 2 npix: W of one sigma, on the host */
};

/* The tensors of one batch of n chains (persistent, on the device). */
typedef struct {
  int n;
  int first_chain;
  DmTensor *gamma;         /* [n, 2, ny, nx]: the shear, every chain */
  DmTensor *weights;       /* [n, 2, ny, nx]: W at sigma */
  DmTensor *prior_filter;  /* [1, 1, ny, nx]: −1 / (P + sigma²) */
  double sigma;            /* of weights and prior_filter; 0 before the first */
  bool recording;          /* the context's recording before the batch */
} DmScoreDeviceBatch;

/* A batch of chains first_chain … first_chain + n − 1 (n >= 1, first_chain
 * >= 0, else DM_ERROR_INVALID_ARGUMENT); turns recording off until
 * dm_score_device_batch_end, which frees the tensors and restores it. */
bool dm_score_device_batch_begin(DmScoreDevice *device, int first_chain, int n,
                                 DmScoreDeviceBatch *batch, DmError **error);
void dm_score_device_batch_end(DmScoreDevice *device, DmScoreDeviceBatch *batch);

/* A persistent [n, 1, ny, nx] tensor of the batch (NULL after recording an
 * error in the context). */
DmTensor *dm_score_device_chains(DmScoreDevice *device, const DmScoreDeviceBatch *batch);

/* score = s(x) at sigma for every chain (x, score: persistent [n, 1, ny, nx],
 * distinct); empties the context.  False after recording an error in it. */
bool dm_score_device_score(DmScoreDevice *device, DmScoreDeviceBatch *batch, DmTensor *x,
                           double sigma, DmTensor *score);

/* energy[c] = |p_c|² / 2 − log N(x_c; 0, C_sigma) − log L_sigma(x_c), the
 * Gaussian Hamiltonian of darkmap/score.h up to constants, summed in double
 * on the host; empties the context. */
bool dm_score_device_energy(DmScoreDevice *device, DmScoreDeviceBatch *batch, DmTensor *x,
                            DmTensor *p, double sigma, double *energy, DmError **error);

/* dst = std × N(0, 1) per chain, draw `draw` of each chain's stream
 * (darkmap/score-device.h). */
bool dm_score_device_fill_normal(DmScoreDevice *device, const DmScoreDeviceBatch *batch,
                                 DmTensor *dst, uint64_t seed, uint32_t draw, double std);

/* The end of a run: true when ok; else the run's own error local (a
 * cancellation, an option), or the context's, into *error, the context's
 * error cleared either way. */
bool dm_score_device_finish(DmScoreDevice *device, bool ok, DmError *local, DmError **error);

/* y = alpha y + beta x in place (same shapes). */
bool dm_score_device_axpby(DmNn *nn, DmTensor *y, double alpha, const DmTensor *x, double beta);

#endif

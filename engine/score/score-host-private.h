/* The host-array samplers (darkmap/score.h, darkmap/score-flow.h) run the
 * device samplers (darkmap/score-device.h) on a CPU context of their own;
 * a host residual callback (DmScoreResidualFunc) is adapted to tensors by
 * copying the chains out and the residual back. */
#ifndef DARKMAP_SCORE_HOST_PRIVATE_H
#define DARKMAP_SCORE_HOST_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/score-device.h"

typedef struct {
  DmNn *nn;                     /* CPU, one thread (FFTW keeps its own threads) */
  DmScoreDevice *device;
  DmScoreResidualFunc residual; /* may be NULL */
  void *residual_data;
  float *kappa, *out;           /* host copies of the chains and the residual */
  size_t capacity;              /* floats each */
} DmScoreHost;

/* Borrows prior, likelihood and the residual's data. */
bool dm_score_host_init(DmScoreHost *host, DmScorePrior *prior, DmScoreLikelihood *likelihood,
                        DmScoreResidualFunc residual, void *residual_data, DmError **error);
void dm_score_host_clear(DmScoreHost *host);

#endif

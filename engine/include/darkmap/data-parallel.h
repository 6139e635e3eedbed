/* Data-parallel training: R copies of one training, one per process (a
 * "rank", as MPI calls them), each computing the loss of its share of every
 * step's batch; their gradients are averaged before each optimiser update,
 * so that every rank keeps the same weights and the run equals one process
 * with the whole batch (to float rounding: the batch's sum is taken in
 * another order).
 *
 * The engine knows no message-passing library: the caller (darkmap-cli
 * under mpirun) gives a function that sums a vector of floats across the
 * ranks, in place, every rank receiving the same sum.  Every rank must call
 * it the same number of times with the same length: the trainers call it
 * once per optimiser update and once per step to agree on whether to stop
 * (darkmap/train.h).
 *
 * Which share is whose.  A step of global batch B = R b draws the maps (or
 * conditions) with data indices step B + i, i < B, as one process would;
 * rank r takes i in [r b, r b + b).  Every draw of the training is a pure
 * function of its index, so no rank needs another's data. */
#ifndef DARKMAP_DATA_PARALLEL_H
#define DARKMAP_DATA_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/error.h"
#include "darkmap/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sums values[0 .. n) across the ranks, in place; false with *error set
 * when the exchange failed (the training then fails on this rank). */
typedef bool (*DmAllReduceSumFunc)(void *user_data, float *values, size_t n, DmError **error);

typedef struct {
  int rank;                 /* 0 .. ranks − 1; rank 0 writes the files and reports */
  int ranks;                /* >= 1 */
  DmAllReduceSumFunc sum;   /* required when ranks > 1 */
  void *user_data;
} DmDataParallel;

/* Whether p asks for more than one rank (NULL: one process). */
bool dm_data_parallel_active(const DmDataParallel *p);

/* Checks p against a global batch: rank inside [0, ranks), a sum function
 * when ranks > 1, and batch divisible by ranks (a sentence naming both
 * otherwise, DM_ERROR_INVALID_ARGUMENT).  NULL is one process. */
bool dm_data_parallel_check(const DmDataParallel *p, int batch, DmError **error);

/* The averaging of a set of gradients across the ranks: the ->grad of
 * tensors (n, borrowed: a network's trainable tensors) and n_extra numbers
 * (a step's losses, so every rank reports the same), through one host
 * buffer of all of them (made once).  A tensor without a gradient counts as
 * zeros and is left without one (every rank runs the same graph, so it has
 * none on any rank). */
typedef struct DmGradientAverage DmGradientAverage;

DmGradientAverage *dm_gradient_average_new(const DmDataParallel *p, DmTensor **tensors, int n,
                                           int n_extra, DmError **error);
void dm_gradient_average_free(DmGradientAverage *average);

/* Replaces every gradient and extra[0 .. n_extra) by its mean over the
 * ranks.  A no-op for one rank. */
bool dm_gradient_average_run(DmGradientAverage *average, double *extra, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* The memory bound of a sampling run and the default batch it gives
 * (darkmap/reconstruct.h). */
#include "darkmap/reconstruct.h"

#include "darkmap/memory-budget.h"
#include "reconstruct/reconstruct-private.h"

/* The caching allocator's rounding: a block is under 25 % larger than
 * asked (nn-context-allocator.c), and at least 256 bytes. */
#define ROUNDING 1.25
#define MIN_BLOCK 256.0
#define MAP_BYTES 4.0 /* a float */

/* Small tensors of a run (noise levels, GroupNorm statistics, the noise
 * embedding), each one block of at least 256 bytes: room for 1024. */
#define SMALL_TENSORS_BYTES 262144.0

/* Maps per chain of the score samplers with the theory prior (their shear
 * and likelihood weights, 2 each, are the first 4 of each):
 *   HMC:  the shear and weights, the state, momenta and score, and with
 *         Metropolis the state and score at a trajectory's start (counted
 *         whatever the option: 9), then the temporaries of an energy (the
 *         residual and weighted residual, 2 each, the prior's filter of the
 *         state and its product, their products: 9), more than a score
 *         evaluation's (the shear of the state and its residual: 4);
 *   flow: the shear and weights, the state, the Heun step's state and its
 *         two derivatives (8), then a score evaluation's temporaries (4). */
enum { HMC_CHAIN_MAPS = 18, FLOW_CHAIN_MAPS = 12 };
/* The score samplers' Kaiser-Squires kernel and its adjoint (2 maps each)
 * and the prior filter. */
enum { SCORE_FIXED_MAPS = 5 };

/* Pixels of the U-Net's padded grid: each side rounded up to a multiple of
 * 2^depth. */
static double padded_pixels(int nx, int ny, int depth) {
  long multiple = 1L << depth;
  long px = (nx + multiple - 1) / multiple * multiple;
  long py = (ny + multiple - 1) / multiple * multiple;
  return (double)px * (double)py;
}

DmReconstructMemory dm_reconstruct_memory(DmReconstructMethod method, int nx, int ny,
                                          const DmModelInfo *model) {
  DmReconstructMemory memory = {0.0, 0.0};
  bool score = method == DM_RECONSTRUCT_SCORE_HMC || method == DM_RECONSTRUCT_SCORE_FLOW;
  if (!score && method != DM_RECONSTRUCT_MMGAN) return memory;
  double grid = (double)nx * (double)ny * MAP_BYTES;
  memory.fixed_bytes = SMALL_TENSORS_BYTES;
  if (score) {
    memory.fixed_bytes += ROUNDING * SCORE_FIXED_MAPS * grid;
    int maps = method == DM_RECONSTRUCT_SCORE_HMC ? HMC_CHAIN_MAPS : FLOW_CHAIN_MAPS;
    memory.sample_bytes = ROUNDING * maps * grid;
  }
  if (model && model->unet_width > 0) {
    memory.fixed_bytes += ROUNDING * (double)model->n_parameters * MAP_BYTES +
                          MIN_BLOCK * model->n_tensors;
    double padded = padded_pixels(nx, ny, model->unet_depth) * MAP_BYTES;
    double w = model->unet_width, c = model->unet_in_channels;
    /* The U-Net's forward beyond its input (darkmap/nn-modules.h), then for
     * MMGAN the input and what it is made of and the output's three forms,
     * for the score the input and the output padded and cropped. */
    double maps = score ? 5.0 * w + c + 2.0 : 5.0 * w + 2.0 * c + 3.0;
    memory.sample_bytes += ROUNDING * maps * padded;
  }
  return memory;
}

double dm_reconstruct_memory_bound(const DmReconstructMemory *memory, int batch) {
  return memory->fixed_bytes + (double)batch * memory->sample_bytes;
}

int dm_reconstruct_default_batch(bool gpu, int n_samples, const DmReconstructMemory *memory,
                                 double budget_bytes) {
  int batch = gpu ? DM_RECONSTRUCT_GPU_BATCH : DM_RECONSTRUCT_CPU_BATCH;
  if (batch > n_samples) batch = n_samples;
  if (budget_bytes > 0.0 && memory->sample_bytes > 0.0) {
    double fits = (budget_bytes - memory->fixed_bytes) / memory->sample_bytes;
    if (fits < batch) batch = (int)fits;
  }
  return batch < 1 ? 1 : batch;
}

bool dm_reconstruct_batch(const DmReconstructRequest *request, int nx, int ny, bool gpu,
                          int *batch, DmReconstructMemory *memory, DmError **error) {
  DmModelInfo model;
  if (request->model_path && !dm_model_info_read(request->model_path, &model, error))
    return false;
  *memory = dm_reconstruct_memory(request->method, nx, ny, request->model_path ? &model : NULL);
  int n = request->n_samples;
  double posterior = (2.0 * n + 3.0) * (double)nx * (double)ny * MAP_BYTES;
  double physical = dm_memory_physical_bytes();
  /* A posterior that does not fit alone is refused whatever the batch
   * (dm_reconstruct_check): the fastest is kept. */
  double budget = !gpu && posterior < physical ? physical - posterior : 0.0;
  *batch = request->batch > 0 ? request->batch
                              : dm_reconstruct_default_batch(gpu, n, memory, budget);
  return true;
}

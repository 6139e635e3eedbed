/* Named parameter sets: the tensors of a network under PyTorch-style names
 * ("enc.0.conv1.weight"), with their safetensors input/output.
 *
 * A DmNnParams owns its tensors (persistent; freed with the set).  Order is
 * insertion order, which is also the order an optimiser walks. */
#ifndef DARKMAP_NN_PARAMS_H
#define DARKMAP_NN_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/nn.h"
#include "darkmap/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DmNnParams DmNnParams;

DmNnParams *dm_nn_params_new(DmNn *nn);
void dm_nn_params_free(DmNnParams *params);  /* frees every tensor */

/* Makes a persistent tensor named `name` (copied) of that shape; trainable
 * ones require a gradient, buffers (running statistics, spectral-norm
 * vectors) do not.  NULL (sticky error) on duplicate names. */
DmTensor *dm_nn_params_add(DmNnParams *params, const char *name, bool trainable,
                           int64_t n, int64_t c, int64_t h, int64_t w);

int dm_nn_params_count(const DmNnParams *params);
const char *dm_nn_params_name(const DmNnParams *params, int i);
DmTensor *dm_nn_params_tensor(const DmNnParams *params, int i);
bool dm_nn_params_trainable(const DmNnParams *params, int i);
/* The trainable tensors in order, as a new array (free with free(); NULL
 * when out of memory) of *count entries: what an optimiser steps. */
DmTensor **dm_nn_params_trainable_tensors(const DmNnParams *params, int *count);
DmTensor *dm_nn_params_find(const DmNnParams *params, const char *name);
/* How many dimensions the tensor has in PyTorch, which its file shape
 * follows: 2 for a linear layer's weight (O, F) held as (O, F, 1, 1).
 * Without it a tensor whose C, H and W are 1 is written 1-D (N), any
 * other 4-D.  ndim must be 1, 2 or 4. */
bool dm_nn_params_set_file_dims(DmNnParams *params, const DmTensor *tensor, int ndim);
/* The dimensions the i-th tensor is written with (1, 2 or 4). */
int dm_nn_params_file_dims(const DmNnParams *params, int i);

/* Total elements of the trainable tensors. */
int64_t dm_nn_params_numel(const DmNnParams *params);

/* PyTorch's default initialisation (kaiming_uniform with a = sqrt(5)):
 * weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C*kh*kw of
 * a conv weight [O,C,kh,kw] (Cout*kh*kw for a transposed conv, whose name the
 * caller marks with transposed), norms' weight 1 and bias 0.  Deterministic
 * in seed: stream i for the i-th tensor. */
bool dm_nn_params_init_uniform(DmTensor *t, int64_t fan_in, uint64_t seed, uint64_t stream);

/* Key/value strings stored in the safetensors __metadata__. */
typedef struct {
  const char *key;
  const char *value;
} DmNnMetadata;

/* Writes every tensor (float32, or float16 when half) atomically, with the
 * metadata.  Buffers are written too.  Shapes are PyTorch's: 1-D [N] for a
 * tensor whose C, H and W are 1 (biases, norms, vector buffers), else 4-D
 * [N, C, H, W] (a linear layer's weight thus goes out as [O, I, 1, 1]). */
bool dm_nn_params_save(const DmNnParams *params, const char *path, const DmNnMetadata *metadata,
                       int n_metadata, bool half, DmError **error);

/* The same tensors added to a writer under names prefix + name (prefix ""
 * or e.g. "critic."), their values copied (the writer owns them), so that
 * several sets and other state can share one file. */
bool dm_nn_params_write(const DmNnParams *params, DmSafetensorsWriter *writer, const char *prefix,
                        bool half, DmError **error);

/* Loads a safetensors file into the set: every tensor of the set must be in
 * the file with the same shape up to trailing 1s (so that PyTorch's [O, I]
 * linear weights fit (O, I, 1, 1)); F32, F16, BF16 and F64 are converted;
 * tensors in the file that the set does not have are an error when strict.
 * Nothing in the set changes unless every tensor validates. */
bool dm_nn_params_load(DmNnParams *params, const char *path, bool strict, DmError **error);

/* The same from an open file, the set's tensors under names prefix + name;
 * strict refuses the file's other tensors under prefix only. */
bool dm_nn_params_read(DmNnParams *params, const DmSafetensors *st, const char *prefix,
                       bool strict, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

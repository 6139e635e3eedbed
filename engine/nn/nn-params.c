/* Named parameter sets (darkmap/nn-params.h) and PyTorch's default
 * initialisation.  The safetensors input/output is nn-params-io.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-params.h"
#include "nn/nn-params-private.h"

typedef struct {
  char *name;        /* owned */
  DmTensor *tensor;  /* owned, persistent */
  bool trainable;
  int file_dims;     /* PyTorch's dimensions (1, 2 or 4); 0: by shape */
} DmNnParam;

struct DmNnParams {
  DmNn *nn;
  DmNnParam *items;  /* insertion order */
  int count, capacity;
};

DmNnParams *dm_nn_params_new(DmNn *nn) {
  DmNnParams *params = calloc(1, sizeof *params);
  if (!params) {
    dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "Out of memory for a parameter set.");
    return NULL;
  }
  params->nn = nn;
  return params;
}

void dm_nn_params_free(DmNnParams *params) {
  if (!params) return;
  for (int i = 0; i < params->count; i++) {
    free(params->items[i].name);
    dm_tensor_free(params->items[i].tensor);
  }
  free(params->items);
  free(params);
}

DmTensor *dm_nn_params_add(DmNnParams *params, const char *name, bool trainable, int64_t n,
                           int64_t c, int64_t h, int64_t w) {
  DmNn *nn = params->nn;
  if (!dm_nn_ok(nn)) return NULL;
  if (dm_nn_params_find(params, name)) {
    dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT, "Parameter %s is defined twice.", name);
    return NULL;
  }
  if (params->count == params->capacity) {
    int capacity = params->capacity ? 2 * params->capacity : 32;
    DmNnParam *items = realloc(params->items, (size_t)capacity * sizeof *items);
    if (!items) {
      dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "Out of memory adding parameter %s.", name);
      return NULL;
    }
    params->items = items;
    params->capacity = capacity;
  }
  char *copy = strdup(name);
  if (!copy) {
    dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "Out of memory adding parameter %s.", name);
    return NULL;
  }
  DmTensor *t = dm_tensor_new(nn, n, c, h, w);
  if (!t || !dm_tensor_fill(t, 0.0f)) {
    free(copy);
    dm_tensor_free(t);
    return NULL;
  }
  dm_tensor_set_requires_grad(t, trainable);
  params->items[params->count++] = (DmNnParam){copy, t, trainable, 0};
  return t;
}

DmNn *dm_nn_params_context(const DmNnParams *params) { return params->nn; }

int dm_nn_params_count(const DmNnParams *params) { return params->count; }

const char *dm_nn_params_name(const DmNnParams *params, int i) {
  return i >= 0 && i < params->count ? params->items[i].name : NULL;
}

DmTensor *dm_nn_params_tensor(const DmNnParams *params, int i) {
  return i >= 0 && i < params->count ? params->items[i].tensor : NULL;
}

bool dm_nn_params_set_file_dims(DmNnParams *params, const DmTensor *tensor, int ndim) {
  if (ndim != 1 && ndim != 2 && ndim != 4)
    return dm_nn_fail(params->nn, DM_ERROR_INVALID_ARGUMENT,
                      "A parameter is written with 1, 2 or 4 dimensions, not %d.", ndim);
  for (int i = 0; i < params->count; i++) {
    DmNnParam *p = &params->items[i];
    if (p->tensor != tensor) continue;
    const int64_t *s = tensor->shape;
    bool fits = ndim == 4 || (ndim == 2 && s[2] == 1 && s[3] == 1) ||
                (ndim == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1);
    if (!fits)
      return dm_nn_fail(params->nn, DM_ERROR_INVALID_ARGUMENT,
                        "Parameter %s of shape [%lld, %lld, %lld, %lld] cannot be written "
                        "with %d dimensions.", p->name, (long long)s[0], (long long)s[1],
                        (long long)s[2], (long long)s[3], ndim);
    p->file_dims = ndim;
    return true;
  }
  return dm_nn_fail(params->nn, DM_ERROR_INVALID_ARGUMENT,
                    "The tensor is not in this parameter set.");
}

int dm_nn_params_file_dims(const DmNnParams *params, int i) {
  if (i < 0 || i >= params->count) return 0;
  const DmNnParam *p = &params->items[i];
  if (p->file_dims) return p->file_dims;
  const int64_t *s = p->tensor->shape;
  return s[1] == 1 && s[2] == 1 && s[3] == 1 ? 1 : 4;
}

bool dm_nn_params_trainable(const DmNnParams *params, int i) {
  return i >= 0 && i < params->count && params->items[i].trainable;
}

DmTensor **dm_nn_params_trainable_tensors(const DmNnParams *params, int *count) {
  DmTensor **out = malloc((size_t)(params->count > 0 ? params->count : 1) * sizeof *out);
  *count = 0;
  for (int i = 0; out && i < params->count; i++)
    if (params->items[i].trainable) out[(*count)++] = params->items[i].tensor;
  return out;
}

DmTensor *dm_nn_params_find(const DmNnParams *params, const char *name) {
  for (int i = 0; i < params->count; i++)
    if (strcmp(params->items[i].name, name) == 0) return params->items[i].tensor;
  return NULL;
}

int64_t dm_nn_params_numel(const DmNnParams *params) {
  int64_t total = 0;
  for (int i = 0; i < params->count; i++)
    if (params->items[i].trainable) total += dm_tensor_numel(params->items[i].tensor);
  return total;
}

bool dm_nn_params_init_uniform(DmTensor *t, int64_t fan_in, uint64_t seed, uint64_t stream) {
  if (!t) return false;
  if (fan_in < 1)
    return dm_nn_fail(t->nn, DM_ERROR_INVALID_ARGUMENT, "Fan-in %lld is not positive.",
                      (long long)fan_in);
  float bound = (float)(1.0 / sqrt((double)fan_in));
  return dm_tensor_fill_uniform(t, seed, stream, -bound, bound);
}

/* Gradients averaged across data-parallel ranks (darkmap/data-parallel.h):
 * the caller's sum over a host buffer that holds every gradient and the
 * extra numbers, one exchange per optimiser update. */
#include "darkmap/data-parallel.h"

#include <stdlib.h>
#include <string.h>

#include "darkmap/memory-budget.h"

bool dm_data_parallel_active(const DmDataParallel *p) { return p && p->ranks > 1; }

bool dm_data_parallel_check(const DmDataParallel *p, int batch, DmError **error) {
  if (!p) return true;
  if (p->ranks < 1 || p->rank < 0 || p->rank >= p->ranks)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Rank %d of %d is not a rank of a data-parallel training.", p->rank,
                        p->ranks);
  if (p->ranks > 1 && !p->sum)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A data-parallel training of %d ranks needs a way to sum across them.",
                        p->ranks);
  if (batch % p->ranks != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The batch of %d does not split evenly over %d ranks: give a multiple "
                        "of %d.",
                        batch, p->ranks, p->ranks);
  return true;
}

struct DmGradientAverage {
  DmDataParallel parallel;
  DmTensor **tensors;  /* borrowed */
  int n, n_extra;
  float *buffer;       /* every tensor's numel, then n_extra; NULL for one rank */
  size_t length;
};

DmGradientAverage *dm_gradient_average_new(const DmDataParallel *p, DmTensor **tensors, int n,
                                           int n_extra, DmError **error) {
  DmGradientAverage *a = calloc(1, sizeof *a);
  if (!a) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the gradients' exchange.");
    return NULL;
  }
  a->parallel = p ? *p : (DmDataParallel){.rank = 0, .ranks = 1};
  a->tensors = tensors;
  a->n = n;
  a->n_extra = n_extra;
  if (!dm_data_parallel_active(p)) return a;
  a->length = (size_t)n_extra;
  for (int i = 0; i < n; i++) a->length += (size_t)dm_tensor_numel(tensors[i]);
  if (!dm_memory_check(error, (double)a->length * sizeof(float),
                       "Exchanging %zu gradients", a->length) ||
      !(a->buffer = malloc(a->length * sizeof(float)))) {
    if (a->length > 0 && !(error && *error))
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the gradients' exchange.");
    free(a);
    return NULL;
  }
  return a;
}

void dm_gradient_average_free(DmGradientAverage *a) {
  if (!a) return;
  free(a->buffer);
  free(a);
}

bool dm_gradient_average_run(DmGradientAverage *a, double *extra, DmError **error) {
  if (!a->buffer) return true;
  float *at = a->buffer;
  for (int i = 0; i < a->n; i++) {
    const DmTensor *t = a->tensors[i];
    size_t count = (size_t)dm_tensor_numel(t);
    if (t->grad) {
      if (!dm_tensor_download(t->grad, at, count))
        return dm_error_set(error, DM_ERROR_FAILED, 0, "Could not read a gradient to exchange.");
    } else {
      memset(at, 0, count * sizeof(float));
    }
    at += count;
  }
  for (int k = 0; k < a->n_extra; k++) at[k] = (float)extra[k];
  if (!a->parallel.sum(a->parallel.user_data, a->buffer, a->length, error)) {
    dm_error_prefix(error, "Averaging the gradients over %d ranks", a->parallel.ranks);
    return false;
  }
  float scale = 1.0f / (float)a->parallel.ranks;
  for (size_t q = 0; q < a->length; q++) a->buffer[q] *= scale;
  at = a->buffer;
  for (int i = 0; i < a->n; i++) {
    DmTensor *t = a->tensors[i];
    size_t count = (size_t)dm_tensor_numel(t);
    if (t->grad && !dm_tensor_upload(t->grad, at, count))
      return dm_error_set(error, DM_ERROR_FAILED, 0, "Could not write an averaged gradient.");
    at += count;
  }
  for (int k = 0; k < a->n_extra; k++) extra[k] = at[k];
  return true;
}

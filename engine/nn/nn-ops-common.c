/* Argument checks, temporaries and kernel calls shared by the differentiable
 * ops. */
#include <stdarg.h>
#include <stdio.h>

#include "nn/nn-ops-private.h"

bool dm_nn_check_inputs(DmNn *nn, const char *op, int required, int n, DmTensor *const *inputs) {
  if (!nn || !dm_nn_ok(nn)) return false;
  for (int i = 0; i < n; i++) {
    const DmTensor *t = inputs[i];
    if (!t) {
      if (i < required)
        return dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT, "%s: input %d is NULL", op, i);
      continue;
    }
    if (t->nn != nn)
      return dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT, "%s: input %d belongs to another context", op, i);
    if (!dm_tensor_is_contiguous(t))
      return dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT, "%s: input %d is not contiguous", op, i);
  }
  return true;
}

DmTensor *dm_nn_invalid(DmNn *nn, const char *op, const char *format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT, "%s: %s", op, message);
  return NULL;
}

DmTensor *dm_nn_temp_like(DmNn *nn, const DmTensor *t) {
  return dm_tensor_temp(nn, t->shape[0], t->shape[1], t->shape[2], t->shape[3]);
}

DmTensor *dm_nn_temp_filled(DmNn *nn, const int64_t shape[4], float value) {
  DmTensor *t = dm_tensor_temp(nn, shape[0], shape[1], shape[2], shape[3]);
  if (t && !dm_tensor_fill(t, value)) return NULL;
  return t;
}

DmTensor *dm_nn_view_as(DmNn *nn, DmTensor *x, const int64_t shape[4]) {
  if (!dm_tensor_is_contiguous(x)) return dm_nn_invalid(nn, "reshape", "input is not contiguous");
  DmTensor *view = dm_tensor_channel_view(x, 0, x->shape[1]);
  if (!view) return NULL;
  for (int d = 0; d < 4; d++) view->shape[d] = shape[d];
  view->stride[3] = 1;
  view->stride[2] = shape[3];
  view->stride[1] = shape[2] * shape[3];
  view->stride[0] = shape[1] * shape[2] * shape[3];
  return view;
}

DmTensor *dm_nn_run(DmNn *nn, const DmNnNode *node) {
  if (!node->dst[0] || !dm_nn_compute(nn, node)) return NULL;
  return node->dst[0];
}

void dm_nn_advance(DmTensor **h, DmTensor *next) {
  dm_tensor_release(*h);
  *h = next;
}

/* Exponential moving average of a parameter set's trainable weights
 * (darkmap/nn-optim.h): ema = decay * ema + (1 - decay) * w. */
#include <stdlib.h>

#include "darkmap/nn-optim.h"
#include "nn/nn-backend.h"
#include "nn/nn-failure-private.h"

struct DmNnEma {
  DmNnParams *params;  /* borrowed */
  float decay;
  DmTensor **average;  /* owned, one per tensor of the set; NULL for buffers */
  int count;
};

void dm_nn_ema_free(DmNnEma *ema) {
  if (!ema) return;
  for (int i = 0; i < ema->count; i++) dm_tensor_free(ema->average[i]);
  free(ema->average);
  free(ema);
}

DmNnEma *dm_nn_ema_new(DmNnParams *params, float decay, DmError **error) {
  if (!(decay >= 0.0f && decay <= 1.0f)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "EMA decay %g is outside [0, 1]", decay);
    return NULL;
  }
  DmNnEma *ema = calloc(1, sizeof *ema);
  int count = dm_nn_params_count(params);
  if (!ema || !(ema->average = calloc((size_t)(count ? count : 1), sizeof *ema->average))) {
    free(ema);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "EMA: out of memory");
    return NULL;
  }
  ema->params = params;
  ema->decay = decay;
  ema->count = count;
  for (int i = 0; i < count; i++) {
    if (!dm_nn_params_trainable(params, i)) continue;
    DmTensor *w = dm_nn_params_tensor(params, i);
    ema->average[i] = dm_tensor_clone(w);
    if (!ema->average[i]) {
      dm_nn_take_failure(w->nn, error, "EMA: copying the weights");
      dm_nn_ema_free(ema);
      return NULL;
    }
  }
  return ema;
}

bool dm_nn_ema_update(DmNnEma *ema, DmError **error) {
  for (int i = 0; i < ema->count; i++) {
    if (!ema->average[i]) continue;
    DmTensor *w = dm_nn_params_tensor(ema->params, i);
    DmNnNode node = {.op = DM_NN_OP_ADD, .alpha = ema->decay, .beta = 1.0f - ema->decay};
    node.src[0] = ema->average[i];
    node.src[1] = w;
    node.dst[0] = ema->average[i];
    if (!dm_nn_compute(w->nn, &node)) return dm_nn_take_failure(w->nn, error, "EMA update");
  }
  return true;
}

bool dm_nn_ema_copy_to(const DmNnEma *ema, DmNnParams *dest, DmError **error) {
  if (dm_nn_params_count(dest) != ema->count)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "EMA: the destination has %d tensors, the averaged set %d",
                        dm_nn_params_count(dest), ema->count);
  for (int i = 0; i < ema->count; i++) {
    const DmTensor *src = dm_nn_params_tensor(ema->params, i);
    DmTensor *dst = dm_nn_params_tensor(dest, i);
    if (!dm_tensor_same_shape(src, dst))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "EMA: tensor %d (%s) differs in shape in the destination", i,
                          dm_nn_params_name(ema->params, i));
  }
  /* Averaged weights for trainable tensors; buffers as they are now. */
  for (int i = 0; i < ema->count; i++) {
    const DmTensor *src = ema->average[i] ? ema->average[i] : dm_nn_params_tensor(ema->params, i);
    DmTensor *dst = dm_nn_params_tensor(dest, i);
    if (dst != src && !dm_tensor_copy(dst, src)) return dm_nn_take_failure(dst->nn, error, "EMA copy");
  }
  return true;
}

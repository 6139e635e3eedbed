/* Fourier multiplication of a batch of maps (dm_nn_fourier_filter). */
#include "nn/nn-ops-private.h"

bool dm_nn_fourier_filter_shapes(const DmTensor *x, const DmTensor *filter, const DmTensor *y) {
  if (!dm_tensor_is_contiguous(x) || !dm_tensor_is_contiguous(filter) ||
      !dm_tensor_is_contiguous(y) || x->data == y->data)
    return false;
  bool channels_ok = (x->shape[1] == 1 || x->shape[1] == 2) &&
                     (filter->shape[1] == 1 || filter->shape[1] == 2) &&
                     (y->shape[1] == 1 || y->shape[1] == 2);
  return channels_ok && x->shape[0] >= 1 && x->shape[2] >= 1 && x->shape[3] >= 1 &&
         filter->shape[0] == 1 && y->shape[0] == x->shape[0] &&
         filter->shape[2] == x->shape[2] && filter->shape[3] == x->shape[3] &&
         y->shape[2] == x->shape[2] && y->shape[3] == x->shape[3];
}

DmTensor *dm_nn_fourier_filter(DmNn *nn, DmTensor *x, DmTensor *filter, bool real_output) {
  static const char op[] = "fourier_filter";
  DmTensor *inputs[2] = {x, filter};
  if (!dm_nn_check_inputs(nn, op, 2, 2, inputs)) return NULL;
  if (dm_nn_should_record(nn, 2, inputs)) {
    dm_nn_fail(nn, DM_ERROR_UNSUPPORTED,
               "%s has no gradient: call it with recording off or on inputs that need none",
               op);
    return NULL;
  }
  if (x->shape[1] != 1 && x->shape[1] != 2)
    return dm_nn_invalid(nn, op, "x has %lld channels, not 1 (real) or 2 (complex)",
                         (long long)x->shape[1]);
  if (filter->shape[0] != 1 || (filter->shape[1] != 1 && filter->shape[1] != 2) ||
      filter->shape[2] != x->shape[2] || filter->shape[3] != x->shape[3])
    return dm_nn_invalid(nn, op,
                         "the filter is [%lld, %lld, %lld, %lld], not [1, 1|2, %lld, %lld]",
                         (long long)filter->shape[0], (long long)filter->shape[1],
                         (long long)filter->shape[2], (long long)filter->shape[3],
                         (long long)x->shape[2], (long long)x->shape[3]);
  DmNnNode node = {.op = DM_NN_OP_FOURIER_FILTER};
  node.src[0] = x;
  node.src[1] = filter;
  node.dst[0] = dm_tensor_temp(nn, x->shape[0], real_output ? 1 : 2, x->shape[2], x->shape[3]);
  return dm_nn_run(nn, &node);
}

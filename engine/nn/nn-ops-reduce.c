/* Reductions (sum, mean, per-sample sums and sums of squares), their adjoint
 * (broadcast), and the mean losses. */
#include "nn/nn-ops-private.h"

/* entry->flag: per sample; f[0]: alpha; shape: the reduced tensor's shape. */
static bool reduce_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                            DmTensor **grads) {
  if (needs[0]) grads[0] = dm_nn_expand(nn, gy, e->shape, e->f[0]);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_reduce(DmNn *nn, DmTensor *x, bool per_sample, float alpha) {
  if (!dm_nn_check_inputs(nn, "sum", 1, 1, &x)) return NULL;
  DmNnNode node = {.op = DM_NN_OP_SUM, .alpha = alpha};
  node.src[0] = x;
  node.dst[0] = dm_tensor_temp(nn, per_sample ? x->shape[0] : 1, 1, 1, 1);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 1, &x)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, per_sample ? "sum_per_sample" : "sum",
                                         reduce_backward, y, 1, &x);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    e->flag = per_sample;
    e->f[0] = alpha;
    for (int d = 0; d < 4; d++) e->shape[d] = x->shape[d];
  }
  return y;
}

/* entry->f[0]: alpha. */
static bool expand_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                            DmTensor **grads) {
  if (needs[0]) grads[0] = dm_nn_reduce(nn, gy, dm_tensor_numel(e->inputs[0]) != 1, e->f[0]);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_expand(DmNn *nn, DmTensor *g, const int64_t shape[4], float alpha) {
  if (!dm_nn_check_inputs(nn, "expand", 1, 1, &g)) return NULL;
  int64_t ng = dm_tensor_numel(g);
  if (ng != 1 && ng != shape[0])
    return dm_nn_invalid(nn, "expand", "%lld values for %lld samples", (long long)ng,
                         (long long)shape[0]);
  DmNnNode node = {.op = DM_NN_OP_EXPAND, .alpha = alpha};
  node.src[0] = g;
  node.dst[0] = dm_tensor_temp(nn, shape[0], shape[1], shape[2], shape[3]);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 1, &g)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "expand", expand_backward, y, 1, &g);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    e->f[0] = alpha;
  }
  return y;
}

DmTensor *dm_nn_reduce_to(DmNn *nn, DmTensor *g, const DmTensor *like) {
  if (!g) return NULL;
  int64_t n = dm_tensor_numel(like);
  if (n == dm_tensor_numel(g)) return g;
  return dm_nn_reduce(nn, g, n != 1, 1.0f);
}

DmTensor *dm_nn_sum(DmNn *nn, DmTensor *x) { return dm_nn_reduce(nn, x, false, 1.0f); }

DmTensor *dm_nn_mean(DmNn *nn, DmTensor *x) {
  if (!dm_nn_check_inputs(nn, "mean", 1, 1, &x)) return NULL;
  return dm_nn_reduce(nn, x, false, (float)(1.0 / (double)dm_tensor_numel(x)));
}

DmTensor *dm_nn_sum_per_sample(DmNn *nn, DmTensor *x) { return dm_nn_reduce(nn, x, true, 1.0f); }

/* d/dx sum_i x_i^2 = 2 x, times the sample's upstream gradient. */
static bool sum_squares_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy,
                                 const bool *needs, DmTensor **grads) {
  if (needs[0]) grads[0] = dm_nn_scale(nn, dm_nn_mul(nn, e->inputs[0], gy), 2.0f, 0.0f);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_sum_squares_per_sample(DmNn *nn, DmTensor *x) {
  if (!dm_nn_check_inputs(nn, "sum_squares_per_sample", 1, 1, &x)) return NULL;
  DmNnNode node = {.op = DM_NN_OP_SUMSQ, .alpha = 1.0f};
  node.src[0] = x;
  node.dst[0] = dm_tensor_temp(nn, x->shape[0], 1, 1, 1);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 1, &x) &&
      !dm_nn_tape_record(nn, "sum_squares_per_sample", sum_squares_backward, y, 1, &x))
    return NULL;
  return y;
}

/* ---- losses ------------------------------------------------------------- */

static const char *loss_name(DmNnLossMode mode) {
  return mode == DM_NN_LOSS_MSE ? "mse_loss" : "l1_loss";
}

/* entry->i[0]: mode.  First order: gpred from LOSS_BWD, gtarget = -gpred. */
static bool loss_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                          DmTensor **grads) {
  DmTensor *pred = e->inputs[0], *target = e->inputs[1];
  DmNnNode node = {.op = DM_NN_OP_LOSS_BWD, .mode = e->i[0]};
  node.src[0] = pred;
  node.src[1] = target;
  node.src[2] = gy;
  node.dst[0] = dm_nn_temp_like(nn, pred);
  DmTensor *gpred = dm_nn_run(nn, &node);
  if (!gpred) return false;
  DmTensor *inputs[3] = {pred, target, gy};
  const char *op = loss_name((DmNnLossMode)e->i[0]);
  if (needs[0]) {
    grads[0] = gpred;
    if (!dm_nn_tape_first_order_only(nn, op, gpred, 3, inputs)) return false;
  }
  if (needs[1]) {
    DmNnNode negate = {.op = DM_NN_OP_AFFINE, .alpha = -1.0f};
    negate.src[0] = gpred;
    negate.dst[0] = dm_nn_temp_like(nn, pred);
    grads[1] = dm_nn_run(nn, &negate);
    if (!dm_nn_tape_first_order_only(nn, op, grads[1], 3, inputs)) return false;
  }
  return dm_nn_ok(nn);
}

static DmTensor *loss(DmNn *nn, DmTensor *pred, DmTensor *target, DmNnLossMode mode) {
  const char *op = loss_name(mode);
  DmTensor *inputs[2] = {pred, target};
  if (!dm_nn_check_inputs(nn, op, 2, 2, inputs)) return NULL;
  if (!dm_tensor_same_shape(pred, target))
    return dm_nn_invalid(nn, op, "prediction and target differ in shape");
  DmNnNode node = {.op = DM_NN_OP_LOSS, .mode = mode};
  node.src[0] = pred;
  node.src[1] = target;
  node.dst[0] = dm_tensor_temp(nn, 1, 1, 1, 1);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 2, inputs)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, op, loss_backward, y, 2, inputs);
    if (!e) return NULL;
    e->i[0] = (int)mode;
  }
  return y;
}

DmTensor *dm_nn_mse_loss(DmNn *nn, DmTensor *pred, DmTensor *target) {
  return loss(nn, pred, target, DM_NN_LOSS_MSE);
}

DmTensor *dm_nn_l1_loss(DmNn *nn, DmTensor *pred, DmTensor *target) {
  return loss(nn, pred, target, DM_NN_LOSS_L1);
}

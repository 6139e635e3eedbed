/* Group and batch normalisation (first-order backward only). */
#include "nn/nn-ops-private.h"

static bool check_affine(DmNn *nn, const char *op, const DmTensor *x, const DmTensor *gamma,
                         const DmTensor *beta) {
  if (dm_tensor_numel(gamma) != x->shape[1] || dm_tensor_numel(beta) != x->shape[1]) {
    dm_nn_invalid(nn, op, "gamma and beta need %lld elements", (long long)x->shape[1]);
    return false;
  }
  return true;
}

/* Marks each non-NULL gradient as not differentiable again. */
static bool first_order(DmNn *nn, const char *op, DmTensor **grads, int n_grads,
                        DmTensor *const *inputs, int n_inputs) {
  for (int i = 0; i < n_grads; i++)
    if (grads[i] && !dm_nn_tape_first_order_only(nn, op, grads[i], n_inputs, inputs)) return false;
  return dm_nn_ok(nn);
}

/* The backward of a normalisation with its affine (gamma, beta): the kernel
 * node (op and its parameters set by the caller) gets gy, x, gamma and the
 * saved statistics, and makes gx, dgamma, dbeta; grads[i] for the inputs
 * (x, gamma, beta) that need them. */
static bool affine_norm_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                                 DmTensor **grads, DmNnNode *node, const char *name) {
  DmTensor *x = e->inputs[0], *gamma = e->inputs[1], *beta = e->inputs[2];
  node->src[0] = gy;
  node->src[1] = x;
  node->src[2] = gamma;
  node->src[3] = e->saved[0];
  node->dst[0] = dm_nn_temp_like(nn, x);
  node->dst[1] = dm_nn_temp_like(nn, gamma);
  node->dst[2] = dm_nn_temp_like(nn, beta);
  if (!dm_nn_run(nn, node)) return false;
  for (int i = 0; i < 3; i++) {
    grads[i] = needs[i] ? node->dst[i] : NULL;
    if (!needs[i]) dm_tensor_release(node->dst[i]);  /* made by the kernel, not asked for */
  }
  DmTensor *inputs[3] = {gy, x, gamma};
  return first_order(nn, name, grads, 3, inputs, 3);
}

/* ---- group norm --------------------------------------------------------- */

/* entry->saved[0]: stats [N*groups*2]; i[0]: groups. */
static bool group_norm_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy,
                                const bool *needs, DmTensor **grads) {
  DmNnNode node = {.op = DM_NN_OP_GROUP_NORM_BWD, .groups = e->i[0]};
  return affine_norm_backward(nn, e, gy, needs, grads, &node, "group_norm");
}

DmTensor *dm_nn_group_norm(DmNn *nn, DmTensor *x, DmTensor *gamma, DmTensor *beta, int groups,
                           float eps) {
  DmTensor *inputs[3] = {x, gamma, beta};
  if (!dm_nn_check_inputs(nn, "group_norm", 3, 3, inputs)) return NULL;
  if (groups < 1 || x->shape[1] % groups)
    return dm_nn_invalid(nn, "group_norm", "%lld channels are not divisible into %d groups",
                         (long long)x->shape[1], groups);
  if (!check_affine(nn, "group_norm", x, gamma, beta)) return NULL;
  DmNnNode node = {.op = DM_NN_OP_GROUP_NORM, .groups = groups, .eps = eps};
  node.src[0] = x;
  node.src[1] = gamma;
  node.src[2] = beta;
  node.dst[0] = dm_nn_temp_like(nn, x);
  node.dst[1] = dm_tensor_temp(nn, x->shape[0] * groups * 2, 1, 1, 1);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 3, inputs)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "group_norm", group_norm_backward, y, 3, inputs);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, DM_NN_TAPE_INPUT(0) | DM_NN_TAPE_INPUT(1), false);  /* not beta */
    dm_nn_tape_save(e, 0, node.dst[1]);
    e->i[0] = groups;
  } else {
    dm_tensor_release(node.dst[1]);  /* the statistics are for backward only */
  }
  return y;
}

/* ---- batch norm --------------------------------------------------------- */

/* Training mode.  entry->saved[0]: stats [2*C] (mean, rstd). */
static bool batch_norm_train_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy,
                                      const bool *needs, DmTensor **grads) {
  DmNnNode node = {.op = DM_NN_OP_BATCH_NORM_BWD};
  return affine_norm_backward(nn, e, gy, needs, grads, &node, "batch_norm");
}

/* y = BN_eval(src) with the given affine and running statistics. */
static DmTensor *batch_norm_eval(DmNn *nn, DmTensor *src, DmTensor *gamma, DmTensor *beta,
                                 DmTensor *running, float eps) {
  DmNnNode node = {.op = DM_NN_OP_BATCH_NORM, .training = false, .eps = eps};
  node.src[0] = src;
  node.src[1] = gamma;
  node.src[2] = beta;
  node.src[3] = running;
  node.dst[0] = dm_nn_temp_like(nn, src);
  return dm_nn_run(nn, &node);
}

static DmTensor *channel_sum_kernel(DmNn *nn, DmTensor *x) {
  DmNnNode node = {.op = DM_NN_OP_REDUCE_CHANNEL};
  node.src[0] = x;
  node.dst[0] = dm_tensor_temp(nn, x->shape[1], 1, 1, 1);
  return dm_nn_run(nn, &node);
}

/* Eval mode, an affine map per channel: y = gamma (x - mean) rstd + beta,
 * rstd = 1/sqrt(var + eps) from the running statistics (saved[0], a copy).
 * gx = gamma rstd gy is BN_eval(gy) with mean 0 and beta 0; dgamma = sum gy
 * xhat, xhat = BN_eval(x) with gamma 1, beta 0; dbeta = sum gy.
 * entry->f[0]: eps. */
static bool batch_norm_eval_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy,
                                     const bool *needs, DmTensor **grads) {
  DmTensor *x = e->inputs[0], *gamma = e->inputs[1], *running = e->saved[0];
  int64_t c = x->shape[1];
  float eps = e->f[0];
  int64_t vec[4] = {c, 1, 1, 1};
  DmTensor *zeros = dm_nn_temp_filled(nn, vec, 0.0f);
  if (!zeros) return false;
  if (needs[0]) {
    /* The running statistics with the means set to 0. */
    DmTensor *centred = dm_nn_temp_like(nn, running);
    int64_t row[4] = {1, 2 * c, 1, 1};
    DmTensor *means = centred && dm_tensor_copy(centred, running)
                          ? dm_tensor_channel_view(dm_nn_view_as(nn, centred, row), 0, c)
                          : NULL;
    if (!means || !dm_tensor_fill(means, 0.0f)) return false;
    grads[0] = batch_norm_eval(nn, gy, gamma, zeros, centred, eps);
  }
  if (needs[1]) {
    DmTensor *ones = dm_nn_temp_filled(nn, vec, 1.0f);
    DmTensor *xhat = ones ? batch_norm_eval(nn, x, ones, zeros, running, eps) : NULL;
    if (!xhat) return false;
    DmNnNode mul = {.op = DM_NN_OP_MUL};
    mul.src[0] = gy;
    mul.src[1] = xhat;
    mul.dst[0] = dm_nn_temp_like(nn, gy);
    DmTensor *product = dm_nn_run(nn, &mul);
    grads[1] = product ? channel_sum_kernel(nn, product) : NULL;
  }
  if (needs[2]) grads[2] = channel_sum_kernel(nn, gy);
  DmTensor *inputs[3] = {gy, x, gamma};
  return first_order(nn, "batch_norm", grads, 3, inputs, 3);
}

DmTensor *dm_nn_batch_norm(DmNn *nn, DmTensor *x, DmTensor *gamma, DmTensor *beta,
                           DmTensor *running, bool training, float momentum, float eps) {
  DmTensor *inputs[4] = {x, gamma, beta, running};
  if (!dm_nn_check_inputs(nn, "batch_norm", 4, 4, inputs)) return NULL;
  if (!check_affine(nn, "batch_norm", x, gamma, beta)) return NULL;
  if (dm_tensor_numel(running) != 2 * x->shape[1])
    return dm_nn_invalid(nn, "batch_norm", "running statistics need %lld elements",
                         (long long)(2 * x->shape[1]));
  DmNnNode node = {.op = DM_NN_OP_BATCH_NORM, .training = training, .momentum = momentum,
                   .eps = eps};
  node.src[0] = x;
  node.src[1] = gamma;
  node.src[2] = beta;
  node.src[3] = running;
  node.dst[0] = dm_nn_temp_like(nn, x);
  node.dst[1] = training ? dm_tensor_temp(nn, 2 * x->shape[1], 1, 1, 1) : NULL;
  if (training && !node.dst[1]) return NULL;
  DmTensor *y = dm_nn_run(nn, &node);
  if (!y || !dm_nn_should_record(nn, 3, inputs)) {
    dm_tensor_release(node.dst[1]);  /* the statistics are for backward only */
    return y;
  }
  DmNnTapeEntry *e = dm_nn_tape_record(
      nn, "batch_norm", training ? batch_norm_train_backward : batch_norm_eval_backward, y, 3,
      inputs);
  if (!e) return NULL;
  dm_nn_tape_set_reads(e, DM_NN_TAPE_INPUT(0) | DM_NN_TAPE_INPUT(1), false);  /* not beta */
  e->f[0] = eps;
  if (training) {
    dm_nn_tape_save(e, 0, node.dst[1]);
  } else {
    /* The running statistics may change before backward runs. */
    DmTensor *copy = dm_nn_temp_like(nn, running);
    if (!copy || !dm_tensor_copy(copy, running)) return NULL;
    dm_nn_tape_save(e, 0, copy);
  }
  return y;
}

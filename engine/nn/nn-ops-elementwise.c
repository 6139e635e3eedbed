/* Element-wise ops and activations: add, sub, mul (with scalar or per-sample
 * broadcast of the second operand), scale, per-channel bias, and the
 * activations with their gradient side (dm_nn_act_backward). */
#include "nn/nn-ops-private.h"

/* ---- broadcasting binary ops ------------------------------------------- */

/* b has a's shape, 1 element, or a->shape[0] elements. */
static bool broadcast_ok(const DmTensor *a, const DmTensor *b) {
  int64_t nb = dm_tensor_numel(b);
  return dm_tensor_same_shape(a, b) || nb == 1 || nb == a->shape[0];
}

/* dst = alpha a + beta b. */
static DmTensor *add_kernel(DmNn *nn, DmTensor *a, DmTensor *b, float alpha, float beta) {
  DmNnNode node = {.op = DM_NN_OP_ADD, .alpha = alpha, .beta = beta};
  node.src[0] = a;
  node.src[1] = b;
  node.dst[0] = dm_nn_temp_like(nn, a);
  return dm_nn_run(nn, &node);
}

/* entry->f[0], f[1]: alpha, beta. */
static bool add_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                         DmTensor **grads) {
  float alpha = e->f[0], beta = e->f[1];
  if (needs[0]) grads[0] = alpha == 1.0f ? gy : dm_nn_scale(nn, gy, alpha, 0.0f);
  if (needs[1]) {
    DmTensor *g = dm_nn_reduce_to(nn, gy, e->inputs[1]);
    grads[1] = beta == 1.0f ? g : dm_nn_scale(nn, g, beta, 0.0f);
  }
  return dm_nn_ok(nn);
}

static DmTensor *add_scaled(DmNn *nn, const char *op, DmTensor *a, DmTensor *b, float beta) {
  DmTensor *inputs[2] = {a, b};
  if (!dm_nn_check_inputs(nn, op, 2, 2, inputs)) return NULL;
  if (!broadcast_ok(a, b))
    return dm_nn_invalid(nn, op, "b must have a's shape, 1 element or one per sample");
  DmTensor *y = add_kernel(nn, a, b, 1.0f, beta);
  if (y && dm_nn_should_record(nn, 2, inputs)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, op, add_backward, y, 2, inputs);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    e->f[0] = 1.0f;
    e->f[1] = beta;
  }
  return y;
}

DmTensor *dm_nn_add(DmNn *nn, DmTensor *a, DmTensor *b) { return add_scaled(nn, "add", a, b, 1.0f); }
DmTensor *dm_nn_sub(DmNn *nn, DmTensor *a, DmTensor *b) { return add_scaled(nn, "sub", a, b, -1.0f); }

static bool mul_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                         DmTensor **grads) {
  DmTensor *a = e->inputs[0], *b = e->inputs[1];
  if (needs[0]) grads[0] = dm_nn_mul(nn, gy, b);
  if (needs[1]) grads[1] = dm_nn_reduce_to(nn, dm_nn_mul(nn, gy, a), b);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_mul(DmNn *nn, DmTensor *a, DmTensor *b) {
  DmTensor *inputs[2] = {a, b};
  if (!dm_nn_check_inputs(nn, "mul", 2, 2, inputs)) return NULL;
  if (!broadcast_ok(a, b))
    return dm_nn_invalid(nn, "mul", "b must have a's shape, 1 element or one per sample");
  DmNnNode node = {.op = DM_NN_OP_MUL};
  node.src[0] = a;
  node.src[1] = b;
  node.dst[0] = dm_nn_temp_like(nn, a);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 2, inputs) &&
      !dm_nn_tape_record(nn, "mul", mul_backward, y, 2, inputs))
    return NULL;
  return y;
}

/* entry->f[0]: alpha. */
static bool scale_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                           DmTensor **grads) {
  if (needs[0]) grads[0] = dm_nn_scale(nn, gy, e->f[0], 0.0f);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_scale(DmNn *nn, DmTensor *x, float alpha, float beta) {
  if (!dm_nn_check_inputs(nn, "scale", 1, 1, &x)) return NULL;
  DmNnNode node = {.op = DM_NN_OP_AFFINE, .alpha = alpha, .beta = beta};
  node.src[0] = x;
  node.dst[0] = dm_nn_temp_like(nn, x);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 1, &x)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "scale", scale_backward, y, 1, &x);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    e->f[0] = alpha;
  }
  return y;
}

/* ---- per-channel bias and its adjoint ---------------------------------- */

static bool add_channel_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy,
                                 const bool *needs, DmTensor **grads) {
  if (needs[0]) grads[0] = gy;
  if (needs[1]) {
    bool per_sample = dm_tensor_numel(e->inputs[1]) != gy->shape[1];
    grads[1] = dm_nn_channel_sum(nn, gy, per_sample);
  }
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_add_channel(DmNn *nn, DmTensor *x, DmTensor *bias) {
  DmTensor *inputs[2] = {x, bias};
  if (!dm_nn_check_inputs(nn, "add_channel", 2, 2, inputs)) return NULL;
  int64_t nb = dm_tensor_numel(bias);
  if (nb != x->shape[1] && nb != x->shape[0] * x->shape[1])
    return dm_nn_invalid(nn, "add_channel", "bias has %lld elements for %lld channels",
                         (long long)nb, (long long)x->shape[1]);
  DmNnNode node = {.op = DM_NN_OP_ADD_CHANNEL};
  node.src[0] = x;
  node.src[1] = bias;
  node.dst[0] = dm_nn_temp_like(nn, x);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 2, inputs)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "add_channel", add_channel_backward, y, 2, inputs);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
  }
  return y;
}

/* entry->shape: the summed tensor's shape. */
static bool channel_sum_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy,
                                 const bool *needs, DmTensor **grads) {
  if (needs[0]) grads[0] = dm_nn_channel_expand(nn, gy, e->shape);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_channel_sum(DmNn *nn, DmTensor *x, bool per_sample) {
  if (!dm_nn_check_inputs(nn, "channel_sum", 1, 1, &x)) return NULL;
  DmNnNode node = {.op = DM_NN_OP_REDUCE_CHANNEL};
  node.src[0] = x;
  node.dst[0] = per_sample ? dm_tensor_temp(nn, x->shape[0], x->shape[1], 1, 1)
                           : dm_tensor_temp(nn, x->shape[1], 1, 1, 1);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 1, &x)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "channel_sum", channel_sum_backward, y, 1, &x);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    for (int d = 0; d < 4; d++) e->shape[d] = x->shape[d];
  }
  return y;
}

static bool channel_expand_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy,
                                    const bool *needs, DmTensor **grads) {
  if (needs[0]) {
    bool per_sample = dm_tensor_numel(e->inputs[0]) != gy->shape[1];
    grads[0] = dm_nn_channel_sum(nn, gy, per_sample);
  }
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_channel_expand(DmNn *nn, DmTensor *b, const int64_t shape[4]) {
  if (!dm_nn_check_inputs(nn, "channel_expand", 1, 1, &b)) return NULL;
  DmTensor *zeros = dm_nn_temp_filled(nn, shape, 0.0f);
  if (!zeros) return NULL;
  DmNnNode node = {.op = DM_NN_OP_ADD_CHANNEL};
  node.src[0] = zeros;
  node.src[1] = b;
  node.dst[0] = zeros;
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 1, &b)) {
    DmNnTapeEntry *e =
        dm_nn_tape_record(nn, "channel_expand", channel_expand_backward, y, 1, &b);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
  }
  return y;
}

/* ---- activations -------------------------------------------------------- */

static const char *act_name(DmNnAct act) {
  switch (act) {
  case DM_NN_ACT_RELU: return "relu";
  case DM_NN_ACT_LEAKY_RELU: return "leaky_relu";
  case DM_NN_ACT_SILU: return "silu";
  case DM_NN_ACT_TANH: return "tanh";
  case DM_NN_ACT_SIGMOID: return "sigmoid";
  case DM_NN_ACT_SQRT: return "sqrt";
  }
  return "activation";
}

/* Whether f'(x) can be read from y = f(x) with the same bits: ReLU and a
 * LeakyReLU of slope >= 0 have y > 0 exactly where x > 0 (NaN in both
 * fails the test), so that backward keeps the output, which the next layer
 * keeps anyway, rather than the input. */
static bool derivative_from_output(DmNnAct act, float slope) {
  return act == DM_NN_ACT_RELU || (act == DM_NN_ACT_LEAKY_RELU && slope >= 0.0f);
}

/* entry->i[0]: act; f[0]: slope; flag: f' is read from the output. */
static bool act_forward_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy,
                                 const bool *needs, DmTensor **grads) {
  DmTensor *x = e->flag ? e->output : e->inputs[0];
  if (needs[0]) grads[0] = dm_nn_act_backward(nn, gy, x, (DmNnAct)e->i[0], e->f[0]);
  return dm_nn_ok(nn);
}

static DmTensor *activation(DmNn *nn, DmTensor *x, DmNnAct act, float slope) {
  const char *op = act_name(act);
  if (!dm_nn_check_inputs(nn, op, 1, 1, &x)) return NULL;
  DmNnNode node = {.op = DM_NN_OP_ACT, .act = act, .slope = slope};
  node.src[0] = x;
  node.dst[0] = dm_nn_temp_like(nn, x);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 1, &x)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, op, act_forward_backward, y, 1, &x);
    if (!e) return NULL;
    e->flag = derivative_from_output(act, slope);
    if (e->flag) dm_nn_tape_set_reads(e, 0, true);
    e->i[0] = (int)act;
    e->f[0] = slope;
  }
  return y;
}

DmTensor *dm_nn_relu(DmNn *nn, DmTensor *x) { return activation(nn, x, DM_NN_ACT_RELU, 0.0f); }
DmTensor *dm_nn_leaky_relu(DmNn *nn, DmTensor *x, float slope) {
  return activation(nn, x, DM_NN_ACT_LEAKY_RELU, slope);
}
DmTensor *dm_nn_silu(DmNn *nn, DmTensor *x) { return activation(nn, x, DM_NN_ACT_SILU, 0.0f); }
DmTensor *dm_nn_tanh(DmNn *nn, DmTensor *x) { return activation(nn, x, DM_NN_ACT_TANH, 0.0f); }
DmTensor *dm_nn_sigmoid(DmNn *nn, DmTensor *x) { return activation(nn, x, DM_NN_ACT_SIGMOID, 0.0f); }
DmTensor *dm_nn_sqrt(DmNn *nn, DmTensor *x) { return activation(nn, x, DM_NN_ACT_SQRT, 0.0f); }

/* Gradient of act_backward(gy, x) = gy f'(x).  In gy it is linear: the same
 * product with the new upstream gradient.  In x: zero for the piecewise
 * linear ReLU/LeakyReLU; for sqrt, f'(x) = 0.5 x^-1/2 = r and f''(x) =
 * -0.25 x^-3/2 = -2 r^3.  entry->i[0]: act; f[0]: slope. */
static bool act_backward_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *g,
                                  const bool *needs, DmTensor **grads) {
  DmTensor *gy = e->inputs[0], *x = e->inputs[1];
  DmNnAct act = (DmNnAct)e->i[0];
  if (needs[0]) grads[0] = dm_nn_act_backward(nn, g, x, act, e->f[0]);
  if (needs[1] && act == DM_NN_ACT_SQRT) {
    DmTensor *ones = dm_nn_temp_filled(nn, x->shape, 1.0f);
    DmTensor *r = dm_nn_act_backward(nn, ones, x, DM_NN_ACT_SQRT, 0.0f);
    DmTensor *r3 = dm_nn_mul(nn, dm_nn_mul(nn, r, r), r);
    grads[1] = dm_nn_scale(nn, dm_nn_mul(nn, dm_nn_mul(nn, g, gy), r3), -2.0f, 0.0f);
  }
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_act_backward(DmNn *nn, DmTensor *gy, DmTensor *x, DmNnAct act, float slope) {
  DmTensor *inputs[2] = {gy, x};
  if (!dm_nn_check_inputs(nn, "act_backward", 2, 2, inputs)) return NULL;
  DmNnNode node = {.op = DM_NN_OP_ACT_BWD, .act = act, .slope = slope};
  node.src[0] = gy;
  node.src[1] = x;
  node.dst[0] = dm_nn_temp_like(nn, x);
  DmTensor *gx = dm_nn_run(nn, &node);
  if (!gx || !dm_nn_should_record(nn, 2, inputs)) return gx;
  if (act != DM_NN_ACT_RELU && act != DM_NN_ACT_LEAKY_RELU && act != DM_NN_ACT_SQRT)
    return dm_nn_tape_first_order_only(nn, act_name(act), gx, 2, inputs) ? gx : NULL;
  DmNnTapeEntry *e = dm_nn_tape_record(nn, "act_backward", act_backward_backward, gx, 2, inputs);
  if (!e) return NULL;
  e->i[0] = (int)act;
  e->f[0] = slope;
  return gx;
}

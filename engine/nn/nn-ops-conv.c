/* Convolution, transposed convolution, linear layers and matrix products.
 *
 * A convolution's three kernels (forward, backward-data, backward-filter)
 * are each bilinear in their two operands, and each one's derivatives are
 * the other two: all three are taped as differentiable ops, which gives
 * convolutions (and linear layers, through matmul) double backward. */
#include "nn/nn-ops-private.h"

static int64_t matrix_rows(const DmTensor *t) { return t->shape[0]; }
static int64_t matrix_cols(const DmTensor *t) { return t->shape[1] * t->shape[2] * t->shape[3]; }

/* entry->i[0], i[1]: stride, pad. */
static bool conv2d_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                            DmTensor **grads) {
  DmTensor *x = e->inputs[0], *w = e->inputs[1];
  int stride = e->i[0], pad = e->i[1];
  if (needs[0]) grads[0] = dm_nn_conv2d_backward_data(nn, gy, w, x->shape, stride, pad);
  if (needs[1]) grads[1] = dm_nn_conv2d_backward_filter(nn, x, gy, w->shape, stride, pad);
  if (needs[2]) grads[2] = dm_nn_channel_sum(nn, gy, false);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_conv2d(DmNn *nn, DmTensor *x, DmTensor *w, DmTensor *b, int stride, int pad) {
  DmTensor *inputs[3] = {x, w, b};
  if (!dm_nn_check_inputs(nn, "conv2d", 2, 3, inputs)) return NULL;
  if (x->shape[1] != w->shape[1])
    return dm_nn_invalid(nn, "conv2d", "input has %lld channels, weights expect %lld",
                         (long long)x->shape[1], (long long)w->shape[1]);
  if (b && dm_tensor_numel(b) != w->shape[0])
    return dm_nn_invalid(nn, "conv2d", "bias has %lld elements for %lld outputs",
                         (long long)dm_tensor_numel(b), (long long)w->shape[0]);
  if (stride < 1 || pad < 0) return dm_nn_invalid(nn, "conv2d", "stride %d, pad %d", stride, pad);
  int64_t ho = (x->shape[2] + 2 * pad - w->shape[2]) / stride + 1;
  int64_t wo = (x->shape[3] + 2 * pad - w->shape[3]) / stride + 1;
  if (x->shape[2] + 2 * pad < w->shape[2] || x->shape[3] + 2 * pad < w->shape[3])
    return dm_nn_invalid(nn, "conv2d", "the kernel is larger than the padded input");
  DmNnNode node = {.op = DM_NN_OP_CONV2D, .stride = stride, .pad = pad};
  node.src[0] = x;
  node.src[1] = w;
  node.src[2] = b;
  node.dst[0] = dm_tensor_temp(nn, x->shape[0], w->shape[0], ho, wo);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 3, inputs)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "conv2d", conv2d_backward, y, 3, inputs);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, DM_NN_TAPE_INPUT(0) | DM_NN_TAPE_INPUT(1), false);  /* not b */
    e->i[0] = stride;
    e->i[1] = pad;
  }
  return y;
}

/* y = backward_data(gy, w): d<g, y>/dgy = conv2d(g, w), d/dw =
 * backward_filter(g, gy).  entry->i: stride, pad. */
static bool backward_data_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *g,
                                   const bool *needs, DmTensor **grads) {
  DmTensor *gy = e->inputs[0], *w = e->inputs[1];
  int stride = e->i[0], pad = e->i[1];
  if (needs[0]) grads[0] = dm_nn_conv2d(nn, g, w, NULL, stride, pad);
  if (needs[1]) grads[1] = dm_nn_conv2d_backward_filter(nn, g, gy, w->shape, stride, pad);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_conv2d_backward_data(DmNn *nn, DmTensor *gy, DmTensor *w,
                                     const int64_t x_shape[4], int stride, int pad) {
  DmTensor *inputs[2] = {gy, w};
  if (!dm_nn_check_inputs(nn, "conv2d_backward_data", 2, 2, inputs)) return NULL;
  DmNnNode node = {.op = DM_NN_OP_CONV2D_BWD_DATA, .stride = stride, .pad = pad};
  node.src[0] = gy;
  node.src[1] = w;
  node.dst[0] = dm_tensor_temp(nn, x_shape[0], x_shape[1], x_shape[2], x_shape[3]);
  DmTensor *dx = dm_nn_run(nn, &node);
  if (dx && dm_nn_should_record(nn, 2, inputs)) {
    DmNnTapeEntry *e =
        dm_nn_tape_record(nn, "conv2d_backward_data", backward_data_backward, dx, 2, inputs);
    if (!e) return NULL;
    e->i[0] = stride;
    e->i[1] = pad;
  }
  return dx;
}

/* y = backward_filter(x, gy): d<g, y>/dx = backward_data(gy, g), d/dgy =
 * conv2d(x, g).  entry->i: stride, pad. */
static bool backward_filter_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *g,
                                     const bool *needs, DmTensor **grads) {
  DmTensor *x = e->inputs[0], *gy = e->inputs[1];
  int stride = e->i[0], pad = e->i[1];
  if (needs[0]) grads[0] = dm_nn_conv2d_backward_data(nn, gy, g, x->shape, stride, pad);
  if (needs[1]) grads[1] = dm_nn_conv2d(nn, x, g, NULL, stride, pad);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_conv2d_backward_filter(DmNn *nn, DmTensor *x, DmTensor *gy,
                                       const int64_t w_shape[4], int stride, int pad) {
  DmTensor *inputs[2] = {x, gy};
  if (!dm_nn_check_inputs(nn, "conv2d_backward_filter", 2, 2, inputs)) return NULL;
  DmNnNode node = {.op = DM_NN_OP_CONV2D_BWD_FILTER, .stride = stride, .pad = pad};
  node.src[0] = x;
  node.src[1] = gy;
  node.dst[0] = dm_tensor_temp(nn, w_shape[0], w_shape[1], w_shape[2], w_shape[3]);
  DmTensor *dw = dm_nn_run(nn, &node);
  if (dw && dm_nn_should_record(nn, 2, inputs)) {
    DmNnTapeEntry *e =
        dm_nn_tape_record(nn, "conv2d_backward_filter", backward_filter_backward, dw, 2, inputs);
    if (!e) return NULL;
    e->i[0] = stride;
    e->i[1] = pad;
  }
  return dw;
}

DmTensor *dm_nn_conv_transpose2d(DmNn *nn, DmTensor *x, DmTensor *w, DmTensor *b, int stride,
                                 int pad, int output_padding) {
  DmTensor *inputs[3] = {x, w, b};
  if (!dm_nn_check_inputs(nn, "conv_transpose2d", 2, 3, inputs)) return NULL;
  if (x->shape[1] != w->shape[0])
    return dm_nn_invalid(nn, "conv_transpose2d", "input has %lld channels, weights expect %lld",
                         (long long)x->shape[1], (long long)w->shape[0]);
  if (b && dm_tensor_numel(b) != w->shape[1])
    return dm_nn_invalid(nn, "conv_transpose2d", "bias has %lld elements for %lld outputs",
                         (long long)dm_tensor_numel(b), (long long)w->shape[1]);
  if (stride < 1 || pad < 0 || output_padding < 0 || output_padding >= stride)
    return dm_nn_invalid(nn, "conv_transpose2d", "stride %d, pad %d, output padding %d", stride,
                         pad, output_padding);
  int64_t shape[4] = {x->shape[0], w->shape[1],
                      (x->shape[2] - 1) * stride - 2 * pad + w->shape[2] + output_padding,
                      (x->shape[3] - 1) * stride - 2 * pad + w->shape[3] + output_padding};
  if (shape[2] < 1 || shape[3] < 1)
    return dm_nn_invalid(nn, "conv_transpose2d", "the output would be empty");
  DmTensor *y = dm_nn_conv2d_backward_data(nn, x, w, shape, stride, pad);
  if (b) dm_nn_advance(&y, dm_nn_add_channel(nn, y, b));
  return y;
}

/* ---- matrix products ---------------------------------------------------- */

/* C = op(A) op(B); with G = dC:
 *   A B:     dA = G B^T,    dB = A^T G
 *   A^T B:   dA = B G^T,    dB = A G
 *   A B^T:   dA = G B,      dB = G^T A
 *   A^T B^T: dA = B^T G^T,  dB = G^T A^T.
 * entry->i[0], i[1]: trans_a, trans_b. */
static bool matmul_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *g, const bool *needs,
                            DmTensor **grads) {
  DmTensor *a = e->inputs[0], *b = e->inputs[1];
  bool ta = e->i[0], tb = e->i[1];
  if (needs[0]) {
    if (!ta) grads[0] = tb ? dm_nn_matmul(nn, g, b, false, false) : dm_nn_matmul(nn, g, b, false, true);
    else grads[0] = tb ? dm_nn_matmul(nn, b, g, true, true) : dm_nn_matmul(nn, b, g, false, true);
  }
  if (needs[1]) {
    if (!tb) grads[1] = ta ? dm_nn_matmul(nn, a, g, false, false) : dm_nn_matmul(nn, a, g, true, false);
    else grads[1] = ta ? dm_nn_matmul(nn, g, a, true, true) : dm_nn_matmul(nn, g, a, true, false);
  }
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_matmul(DmNn *nn, DmTensor *a, DmTensor *b, bool trans_a, bool trans_b) {
  DmTensor *inputs[2] = {a, b};
  if (!dm_nn_check_inputs(nn, "matmul", 2, 2, inputs)) return NULL;
  int64_t m = trans_a ? matrix_cols(a) : matrix_rows(a);
  int64_t ka = trans_a ? matrix_rows(a) : matrix_cols(a);
  int64_t kb = trans_b ? matrix_cols(b) : matrix_rows(b);
  int64_t n = trans_b ? matrix_rows(b) : matrix_cols(b);
  if (ka != kb)
    return dm_nn_invalid(nn, "matmul", "inner dimensions %lld and %lld differ", (long long)ka,
                         (long long)kb);
  DmNnNode node = {.op = DM_NN_OP_MATMUL, .alpha = 1.0f, .beta = 0.0f, .trans_a = trans_a,
                   .trans_b = trans_b};
  node.src[0] = a;
  node.src[1] = b;
  node.dst[0] = dm_tensor_temp(nn, m, n, 1, 1);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 2, inputs)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "matmul", matmul_backward, y, 2, inputs);
    if (!e) return NULL;
    e->i[0] = trans_a;
    e->i[1] = trans_b;
  }
  return y;
}

DmTensor *dm_nn_linear(DmNn *nn, DmTensor *x, DmTensor *w, DmTensor *b) {
  DmTensor *inputs[3] = {x, w, b};
  if (!dm_nn_check_inputs(nn, "linear", 2, 3, inputs)) return NULL;
  if (matrix_cols(x) != matrix_cols(w))
    return dm_nn_invalid(nn, "linear", "input has %lld features, weights expect %lld",
                         (long long)matrix_cols(x), (long long)matrix_cols(w));
  if (b && dm_tensor_numel(b) != w->shape[0])
    return dm_nn_invalid(nn, "linear", "bias has %lld elements for %lld outputs",
                         (long long)dm_tensor_numel(b), (long long)w->shape[0]);
  DmTensor *y = dm_nn_matmul(nn, x, w, false, true);
  if (b) dm_nn_advance(&y, dm_nn_add_channel(nn, y, b));
  return y;
}

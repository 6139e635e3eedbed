/* Shape and resampling ops: reshape, channel concatenation and slicing (with
 * their adjoint, zero padding of channels), the periodic window (with its
 * adjoint, the fold), nearest/bilinear upsampling and average pooling. */
#include "nn/nn-ops-private.h"

/* entry->shape: the input's shape. */
static bool reshape_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                             DmTensor **grads) {
  if (needs[0]) grads[0] = dm_nn_reshape(nn, gy, e->shape[0], e->shape[1], e->shape[2], e->shape[3]);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_reshape(DmNn *nn, DmTensor *x, int64_t n, int64_t c, int64_t h, int64_t w) {
  if (!dm_nn_check_inputs(nn, "reshape", 1, 1, &x)) return NULL;
  int64_t shape[4] = {n, c, h, w};
  if (n < 1 || c < 1 || h < 1 || w < 1 || n * c * h * w != dm_tensor_numel(x))
    return dm_nn_invalid(nn, "reshape", "%lld elements cannot be viewed as %lldx%lldx%lldx%lld",
                         (long long)dm_tensor_numel(x), (long long)n, (long long)c, (long long)h,
                         (long long)w);
  DmTensor *y = dm_nn_view_as(nn, x, shape);
  if (y && dm_nn_should_record(nn, 1, &x)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "reshape", reshape_backward, y, 1, &x);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    for (int d = 0; d < 4; d++) e->shape[d] = x->shape[d];
  }
  return y;
}

/* dst's channels [c0, c0 + src channels) = src (through a view of dst,
 * released after the copy). */
static bool copy_into_channels(DmNn *nn, DmTensor *dst, int64_t c0, DmTensor *src) {
  DmNnNode node = {.op = DM_NN_OP_COPY};
  node.src[0] = src;
  node.dst[0] = dm_tensor_channel_view(dst, c0, src->shape[1]);
  bool ok = dm_nn_run(nn, &node) != NULL;
  dm_tensor_release(node.dst[0]);
  return ok;
}

/* entry->i[0]: channels of a. */
static bool concat_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                            DmTensor **grads) {
  int64_t ca = e->inputs[0]->shape[1], cb = e->inputs[1]->shape[1];
  if (needs[0]) grads[0] = dm_nn_slice_channels(nn, gy, 0, ca);
  if (needs[1]) grads[1] = dm_nn_slice_channels(nn, gy, ca, cb);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_concat(DmNn *nn, DmTensor *a, DmTensor *b) {
  DmTensor *inputs[2] = {a, b};
  if (!nn || !dm_nn_ok(nn)) return NULL;
  if (!a || !b) return dm_nn_invalid(nn, "concat", "an input is NULL");
  if (a->shape[0] != b->shape[0] || a->shape[2] != b->shape[2] || a->shape[3] != b->shape[3])
    return dm_nn_invalid(nn, "concat", "inputs differ in batch or spatial size");
  DmTensor *y = dm_tensor_temp(nn, a->shape[0], a->shape[1] + b->shape[1], a->shape[2], a->shape[3]);
  if (!y || !copy_into_channels(nn, y, 0, a) || !copy_into_channels(nn, y, a->shape[1], b))
    return NULL;
  if (dm_nn_should_record(nn, 2, inputs)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "concat", concat_backward, y, 2, inputs);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
  }
  return y;
}

/* entry->i[0]: c0. */
static bool slice_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                           DmTensor **grads) {
  if (needs[0]) grads[0] = dm_nn_pad_channels(nn, gy, e->inputs[0]->shape[1], e->i[0]);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_slice_channels(DmNn *nn, DmTensor *x, int64_t c0, int64_t nc) {
  if (!nn || !dm_nn_ok(nn)) return NULL;
  if (!x) return dm_nn_invalid(nn, "slice_channels", "input is NULL");
  if (c0 < 0 || nc < 1 || c0 + nc > x->shape[1])
    return dm_nn_invalid(nn, "slice_channels", "channels [%lld, %lld) of %lld", (long long)c0,
                         (long long)(c0 + nc), (long long)x->shape[1]);
  DmTensor *y = dm_tensor_temp(nn, x->shape[0], nc, x->shape[2], x->shape[3]);
  if (!y) return NULL;
  DmNnNode node = {.op = DM_NN_OP_COPY};
  DmTensor *channels = dm_tensor_channel_view(x, c0, nc);
  node.src[0] = channels;
  node.dst[0] = y;
  bool ok = channels && dm_nn_run(nn, &node);
  dm_tensor_release(channels);
  if (!ok) return NULL;
  if (dm_nn_should_record(nn, 1, &x)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "slice_channels", slice_backward, y, 1, &x);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    e->i[0] = (int)c0;
  }
  return y;
}

/* entry->i[0]: c0. */
static bool pad_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                         DmTensor **grads) {
  if (needs[0]) grads[0] = dm_nn_slice_channels(nn, gy, e->i[0], e->inputs[0]->shape[1]);
  return dm_nn_ok(nn);
}

DmTensor *dm_nn_pad_channels(DmNn *nn, DmTensor *x, int64_t channels, int64_t c0) {
  if (!nn || !dm_nn_ok(nn) || !x) return NULL;
  int64_t shape[4] = {x->shape[0], channels, x->shape[2], x->shape[3]};
  DmTensor *y = dm_nn_temp_filled(nn, shape, 0.0f);
  if (!y || !copy_into_channels(nn, y, c0, x)) return NULL;
  if (dm_nn_should_record(nn, 1, &x)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "pad_channels", pad_backward, y, 1, &x);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    e->i[0] = (int)c0;
  }
  return y;
}

/* ---- periodic window and fold (linear: differentiable to any order) ----- */

static DmTensor *periodic_op(DmNn *nn, DmNnOp kernel, DmTensor *x, int64_t h, int64_t w);

/* The window and the fold are each other's adjoint.  entry->i[0]: the
 * kernel op; entry->shape: the input's shape. */
static bool periodic_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                              DmTensor **grads) {
  DmNnOp adjoint = e->i[0] == DM_NN_OP_PERIODIC_WINDOW ? DM_NN_OP_PERIODIC_FOLD
                                                       : DM_NN_OP_PERIODIC_WINDOW;
  if (needs[0]) grads[0] = periodic_op(nn, adjoint, gy, e->shape[2], e->shape[3]);
  return dm_nn_ok(nn);
}

/* kernel PERIODIC_WINDOW: y [N,C,h,w], x extended or cropped periodically;
 * PERIODIC_FOLD: its adjoint, y [N,C,h,w] summing the copies of each
 * element. */
static DmTensor *periodic_op(DmNn *nn, DmNnOp kernel, DmTensor *x, int64_t h, int64_t w) {
  const char *op = dm_nn_op_name(kernel);
  if (!dm_nn_check_inputs(nn, op, 1, 1, &x)) return NULL;
  if (h < 1 || w < 1)
    return dm_nn_invalid(nn, op, "output size %lldx%lld", (long long)h, (long long)w);
  DmNnNode node = {.op = kernel};
  node.src[0] = x;
  node.dst[0] = dm_tensor_temp(nn, x->shape[0], x->shape[1], h, w);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 1, &x)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, op, periodic_backward, y, 1, &x);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    e->i[0] = (int)kernel;
    for (int d = 0; d < 4; d++) e->shape[d] = x->shape[d];
  }
  return y;
}

DmTensor *dm_nn_periodic_window(DmNn *nn, DmTensor *x, int64_t h, int64_t w) {
  return periodic_op(nn, DM_NN_OP_PERIODIC_WINDOW, x, h, w);
}

/* ---- resampling (first-order backward) ---------------------------------- */

/* entry->i[0]: kernel op of the adjoint; i[1]: mode; i[2]: factor. */
static bool resample_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *gy, const bool *needs,
                              DmTensor **grads) {
  if (!needs[0]) return true;
  DmNnNode node = {.op = (DmNnOp)e->i[0], .mode = e->i[1], .factor = e->i[2]};
  node.src[0] = gy;
  node.dst[0] = dm_nn_temp_like(nn, e->inputs[0]);
  grads[0] = dm_nn_run(nn, &node);
  return dm_nn_tape_first_order_only(nn, e->op, grads[0], 1, &gy);
}

static DmTensor *resample(DmNn *nn, const char *op, DmTensor *x, DmNnOp kernel, DmNnOp adjoint,
                          int mode, int factor) {
  if (!dm_nn_check_inputs(nn, op, 1, 1, &x)) return NULL;
  if (factor < 1) return dm_nn_invalid(nn, op, "factor %d", factor);
  bool down = kernel == DM_NN_OP_AVG_POOL;
  if (down && (x->shape[2] % factor || x->shape[3] % factor))
    return dm_nn_invalid(nn, op, "%lldx%lld is not divisible by %d", (long long)x->shape[2],
                         (long long)x->shape[3], factor);
  DmNnNode node = {.op = kernel, .mode = mode, .factor = factor};
  node.src[0] = x;
  node.dst[0] = down ? dm_tensor_temp(nn, x->shape[0], x->shape[1], x->shape[2] / factor,
                                      x->shape[3] / factor)
                     : dm_tensor_temp(nn, x->shape[0], x->shape[1], x->shape[2] * factor,
                                      x->shape[3] * factor);
  DmTensor *y = dm_nn_run(nn, &node);
  if (y && dm_nn_should_record(nn, 1, &x)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, op, resample_backward, y, 1, &x);
    if (!e) return NULL;
    dm_nn_tape_set_reads(e, 0, false);
    e->i[0] = (int)adjoint;
    e->i[1] = mode;
    e->i[2] = factor;
  }
  return y;
}

DmTensor *dm_nn_upsample_nearest(DmNn *nn, DmTensor *x, int factor) {
  return resample(nn, "upsample_nearest", x, DM_NN_OP_UPSAMPLE, DM_NN_OP_UPSAMPLE_BWD,
                  DM_NN_UPSAMPLE_NEAREST, factor);
}

DmTensor *dm_nn_upsample_bilinear(DmNn *nn, DmTensor *x, int factor) {
  return resample(nn, "upsample_bilinear", x, DM_NN_OP_UPSAMPLE, DM_NN_OP_UPSAMPLE_BWD,
                  DM_NN_UPSAMPLE_BILINEAR, factor);
}

DmTensor *dm_nn_avg_pool(DmNn *nn, DmTensor *x, int factor) {
  return resample(nn, "avg_pool", x, DM_NN_OP_AVG_POOL, DM_NN_OP_AVG_POOL_BWD, 0, factor);
}

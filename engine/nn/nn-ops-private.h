/* What the differentiable ops (nn-ops-*.c) share: argument checks, kernel
 * calls, and the internal differentiable ops that backward rules are built
 * from (the adjoints of the public ops, so that gradients can themselves be
 * differentiated). */
#ifndef DARKMAP_NN_OPS_PRIVATE_H
#define DARKMAP_NN_OPS_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/nn-ops.h"
#include "nn/nn-autograd-private.h"
#include "nn/nn-backend.h"

/* Checks an op's inputs: the context has no pending error, the first
 * `required` of the n inputs are not NULL, every input belongs to nn and is
 * contiguous.  Records the failure (naming op) and returns false otherwise. */
bool dm_nn_check_inputs(DmNn *nn, const char *op, int required, int n, DmTensor *const *inputs);

/* Records DM_ERROR_INVALID_ARGUMENT "op: <message>" and returns NULL. */
DmTensor *dm_nn_invalid(DmNn *nn, const char *op, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* A temporary with t's shape (contents undefined). */
DmTensor *dm_nn_temp_like(DmNn *nn, const DmTensor *t);
/* A temporary of that shape filled with value. */
DmTensor *dm_nn_temp_filled(DmNn *nn, const int64_t shape[4], float value);
/* A temporary that shares x's memory (x contiguous) with another shape of
 * the same element count. */
DmTensor *dm_nn_view_as(DmNn *nn, DmTensor *x, const int64_t shape[4]);

/* Runs a node; returns dst0, or NULL after recording an error. */
DmTensor *dm_nn_run(DmNn *nn, const DmNnNode *node);

/* For forwards that chain ops on one running tensor: releases *h, an
 * intermediate that next was computed from and nothing else will use
 * (dm_tensor_release: at once unless the tape holds it), then *h = next. */
void dm_nn_advance(DmTensor **h, DmTensor *next);

/* ---- Internal differentiable ops (taped like the public ones) ---------- */

/* The gradient side of an activation: gy * f'(x).  Differentiable for ReLU,
 * LeakyReLU (linear in gy, zero derivative in x) and sqrt. */
DmTensor *dm_nn_act_backward(DmNn *nn, DmTensor *gy, DmTensor *x, DmNnAct act, float slope);

/* alpha * sum(x) in total (1,1,1,1) or per sample (N,1,1,1), and its
 * adjoint: alpha * g broadcast to `shape` (g has 1 or shape[0] elements). */
DmTensor *dm_nn_reduce(DmNn *nn, DmTensor *x, bool per_sample, float alpha);
DmTensor *dm_nn_expand(DmNn *nn, DmTensor *g, const int64_t shape[4], float alpha);

/* g (the shape of a broadcast op's result) summed down to like's element
 * count (like's shape, 1 element, or per sample), as broadcasting's
 * adjoint. */
DmTensor *dm_nn_reduce_to(DmNn *nn, DmTensor *g, const DmTensor *like);

/* Per-channel sum of x [N,C,H,W] to [C] (per_sample false) or [N*C] laid
 * out (N, C, 1, 1); and its adjoint, b broadcast over the other axes of
 * `shape`. */
DmTensor *dm_nn_channel_sum(DmNn *nn, DmTensor *x, bool per_sample);
DmTensor *dm_nn_channel_expand(DmNn *nn, DmTensor *b, const int64_t shape[4]);

/* Convolution's two backward products, themselves differentiable:
 * dx [x_shape] from gy and w [O,C,kh,kw]; dw [w_shape] from x and gy. */
DmTensor *dm_nn_conv2d_backward_data(DmNn *nn, DmTensor *gy, DmTensor *w,
                                     const int64_t x_shape[4], int stride, int pad);
DmTensor *dm_nn_conv2d_backward_filter(DmNn *nn, DmTensor *x, DmTensor *gy,
                                       const int64_t w_shape[4], int stride, int pad);

/* x [N,nc,H,W] placed at channels [c0, c0+nc) of a zero [N,channels,H,W]:
 * the adjoint of dm_nn_slice_channels. */
DmTensor *dm_nn_pad_channels(DmNn *nn, DmTensor *x, int64_t channels, int64_t c0);

#endif

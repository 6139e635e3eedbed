/* The CUDA backend's kernel ops (engine/gpu/nn-cuda-*.cu) against the CPU
 * backend's, op by op (engine/nn/nn-backend.h).
 *
 * Without a usable device the test checks the failure it must give (not
 * compiled in, or no device) and is skipped.  With one, every DmNnOp runs on
 * random inputs of several shapes (odd sizes, stride 2, batch > 1, channel
 * views and transposed views for COPY) on both backends, the CUDA one with
 * TF32 off; every output (and the running statistics batch norm updates)
 * must agree to
 * max |CUDA - CPU| / max |CPU| below the case's tolerance (1e-5 unless the
 * op's float rounding differs by more, as said at the case).  Convolutions
 * and GEMM run again with TF32 on, to 1e-2 (TF32 keeps 10 mantissa bits).
 * One table line per case: op, case, output shape, max abs error, relative
 * error, result.  The reductions and the cuDNN backward passes must give
 * identical bits when run twice, an unsupported node must fail with
 * DM_ERROR_UNSUPPORTED, and a CUDA context (darkmap/nn.h: caching allocator,
 * fills, channel views, clone, item) must give the CPU context's values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/gpu.h"
#include "darkmap/nn.h"
#include "darkmap/rng.h"
#include "nn/nn-backend.h"
#include "test-util.h"

#define STRICT 1e-5
#define TF32_TOLERANCE 1e-2

/* How a tensor's host values are drawn. */
typedef enum {
  GEN_NORMAL,   /* N(0, 1) */
  GEN_POSITIVE, /* U(0.5, 2): sqrt inputs, variances, rstd, sigma */
} Gen;

/* One tensor of a case.  shape[0] = 0: absent (NULL).  parent_c > 0: a
 * channel view [c0, c0 + shape[1]) of an [N, parent_c, H, W] allocation
 * (the whole allocation is compared, so untouched elements count too).
 * transposed: H and W swapped in memory (strides C H W, H W, 1, H). */
typedef struct {
  int64_t shape[4];
  int64_t parent_c, c0;
  bool transposed;
  Gen gen;
} Spec;

typedef struct {
  const char *label;
  DmNnNode node;       /* op and parameters; tensors filled in per run */
  Spec src[4], dst[3]; /* dst values are drawn too (MATMUL beta, ADAM state) */
  double tolerance;    /* 0: STRICT */
  bool tf32;           /* also run with TF32 on (convolutions, GEMM) */
  bool deterministic;  /* run twice on the device: identical bits */
} Case;

#define T(n, c, h, w) \
  { .shape = {n, c, h, w}, .gen = GEN_NORMAL }
#define TP(n, c, h, w) \
  { .shape = {n, c, h, w}, .gen = GEN_POSITIVE }
#define VIEW(n, c, h, w, parent, first) \
  { .shape = {n, c, h, w}, .parent_c = parent, .c0 = first, .gen = GEN_NORMAL }
#define TRANSPOSED(n, c, h, w) \
  { .shape = {n, c, h, w}, .transposed = true, .gen = GEN_NORMAL }
#define NODE(...) \
  { __VA_ARGS__ }

static const Case cases[] = {
    /* Fills; odd counts leave half a Box-Muller pair and part of a Philox
     * block. */
    {.label = "constant",
     .node = NODE(.op = DM_NN_OP_FILL, .alpha = 0.25f),
     .dst = {T(3, 5, 7, 9)}},
    {.label = "odd count",
     .node = NODE(.op = DM_NN_OP_FILL_NORMAL, .seed = 0x0123456789abcdefull, .stream = 7,
                  .alpha = 2.0f, .beta = 0.5f),
     .dst = {T(1, 1, 7, 11)}},
    {.label = "large",
     .node = NODE(.op = DM_NN_OP_FILL_NORMAL, .seed = 42, .stream = 1ull << 33, .alpha = 1.0f),
     .dst = {T(4, 3, 129, 67)}},
    {.label = "count % 4 = 1",
     .node =
         NODE(.op = DM_NN_OP_FILL_UNIFORM, .seed = 99, .stream = 3, .alpha = 3.0f, .beta = -1.0f),
     .dst = {T(1, 3, 5, 7)}},
    {.label = "large",
     .node = NODE(.op = DM_NN_OP_FILL_UNIFORM, .seed = 1ull << 40, .alpha = 1.0f),
     .dst = {T(2, 8, 65, 33)}},
    /* Copies between channel views and contiguous tensors. */
    {.label = "contiguous",
     .node = NODE(.op = DM_NN_OP_COPY),
     .src = {T(2, 4, 6, 5)},
     .dst = {T(2, 4, 6, 5)}},
    {.label = "into a channel view",
     .node = NODE(.op = DM_NN_OP_COPY),
     .src = {T(2, 2, 6, 5)},
     .dst = {VIEW(2, 2, 6, 5, 5, 1)}},
    {.label = "view to view",
     .node = NODE(.op = DM_NN_OP_COPY),
     .src = {VIEW(3, 3, 4, 7, 8, 4)},
     .dst = {VIEW(3, 3, 4, 7, 3, 0)}},
    {.label = "from a channel view",
     .node = NODE(.op = DM_NN_OP_COPY),
     .src = {VIEW(2, 1, 9, 9, 4, 3)},
     .dst = {T(2, 1, 9, 9)}},
    {.label = "transposing H and W",
     .node = NODE(.op = DM_NN_OP_COPY),
     .src = {TRANSPOSED(3, 2, 7, 5)},
     .dst = {T(3, 2, 7, 5)}},
    {.label = "into a transposed view",
     .node = NODE(.op = DM_NN_OP_COPY),
     .src = {T(2, 3, 4, 9)},
     .dst = {TRANSPOSED(2, 3, 4, 9)}},
    /* Arithmetic with each broadcast. */
    {.label = "same shape",
     .node = NODE(.op = DM_NN_OP_ADD, .alpha = 0.7f, .beta = -1.3f),
     .src = {T(2, 3, 17, 19), T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "scalar",
     .node = NODE(.op = DM_NN_OP_ADD, .alpha = 1.0f, .beta = 2.0f),
     .src = {T(2, 3, 17, 19), T(1, 1, 1, 1)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "per sample",
     .node = NODE(.op = DM_NN_OP_ADD, .alpha = -1.0f, .beta = 0.5f),
     .src = {T(4, 3, 5, 7), T(4, 1, 1, 1)},
     .dst = {T(4, 3, 5, 7)}},
    {.label = "same shape",
     .node = NODE(.op = DM_NN_OP_MUL),
     .src = {T(2, 3, 17, 19), T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "scalar",
     .node = NODE(.op = DM_NN_OP_MUL),
     .src = {T(2, 3, 17, 19), T(1, 1, 1, 1)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "per sample",
     .node = NODE(.op = DM_NN_OP_MUL),
     .src = {T(4, 3, 5, 7), T(4, 1, 1, 1)},
     .dst = {T(4, 3, 5, 7)}},
    {.label = "",
     .node = NODE(.op = DM_NN_OP_AFFINE, .alpha = -3.0f, .beta = 0.25f),
     .src = {T(3, 1, 31, 33)},
     .dst = {T(3, 1, 31, 33)}},
    {.label = "bias [C]",
     .node = NODE(.op = DM_NN_OP_ADD_CHANNEL),
     .src = {T(3, 5, 7, 9), T(5, 1, 1, 1)},
     .dst = {T(3, 5, 7, 9)}},
    {.label = "bias [N,C]",
     .node = NODE(.op = DM_NN_OP_ADD_CHANNEL),
     .src = {T(3, 5, 7, 9), T(3, 5, 1, 1)},
     .dst = {T(3, 5, 7, 9)}},
    /* Reductions (deterministic: same bits twice). */
    {.label = "to [C]",
     .node = NODE(.op = DM_NN_OP_REDUCE_CHANNEL),
     .src = {T(3, 5, 67, 61)},
     .dst = {T(5, 1, 1, 1)},
     .deterministic = true},
    {.label = "to [N,C]",
     .node = NODE(.op = DM_NN_OP_REDUCE_CHANNEL),
     .src = {T(3, 5, 7, 9)},
     .dst = {T(3, 5, 1, 1)},
     .deterministic = true},
    {.label = "total",
     .node = NODE(.op = DM_NN_OP_SUM, .alpha = 0.5f),
     .src = {T(3, 5, 67, 61)},
     .dst = {T(1, 1, 1, 1)},
     .deterministic = true},
    {.label = "total, 1.5M values",
     .node = NODE(.op = DM_NN_OP_SUM, .alpha = 1.0f),
     .src = {T(2, 3, 512, 509)},
     .dst = {T(1, 1, 1, 1)},
     .deterministic = true},
    {.label = "per sample",
     .node = NODE(.op = DM_NN_OP_SUM, .alpha = -2.0f),
     .src = {T(4, 3, 33, 17)},
     .dst = {T(4, 1, 1, 1)},
     .deterministic = true},
    {.label = "total",
     .node = NODE(.op = DM_NN_OP_SUMSQ, .alpha = 1.0f),
     .src = {T(2, 3, 512, 509)},
     .dst = {T(1, 1, 1, 1)},
     .deterministic = true},
    {.label = "per sample",
     .node = NODE(.op = DM_NN_OP_SUMSQ, .alpha = 0.5f),
     .src = {T(5, 2, 31, 29)},
     .dst = {T(5, 1, 1, 1)},
     .deterministic = true},
    {.label = "scalar",
     .node = NODE(.op = DM_NN_OP_EXPAND, .alpha = 1.5f),
     .src = {T(1, 1, 1, 1)},
     .dst = {T(3, 4, 5, 6)}},
    {.label = "per sample",
     .node = NODE(.op = DM_NN_OP_EXPAND, .alpha = -1.0f),
     .src = {T(3, 1, 1, 1)},
     .dst = {T(3, 4, 5, 6)}},
    /* Activations and their derivatives. */
    {.label = "relu",
     .node = NODE(.op = DM_NN_OP_ACT, .act = DM_NN_ACT_RELU),
     .src = {T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "leaky relu 0.2",
     .node = NODE(.op = DM_NN_OP_ACT, .act = DM_NN_ACT_LEAKY_RELU, .slope = 0.2f),
     .src = {T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "silu",
     .node = NODE(.op = DM_NN_OP_ACT, .act = DM_NN_ACT_SILU),
     .src = {T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "tanh",
     .node = NODE(.op = DM_NN_OP_ACT, .act = DM_NN_ACT_TANH),
     .src = {T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "sigmoid",
     .node = NODE(.op = DM_NN_OP_ACT, .act = DM_NN_ACT_SIGMOID),
     .src = {T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "sqrt",
     .node = NODE(.op = DM_NN_OP_ACT, .act = DM_NN_ACT_SQRT),
     .src = {TP(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "relu",
     .node = NODE(.op = DM_NN_OP_ACT_BWD, .act = DM_NN_ACT_RELU),
     .src = {T(2, 3, 17, 19), T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "leaky relu 0.2",
     .node = NODE(.op = DM_NN_OP_ACT_BWD, .act = DM_NN_ACT_LEAKY_RELU, .slope = 0.2f),
     .src = {T(2, 3, 17, 19), T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "silu",
     .node = NODE(.op = DM_NN_OP_ACT_BWD, .act = DM_NN_ACT_SILU),
     .src = {T(2, 3, 17, 19), T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "tanh",
     .node = NODE(.op = DM_NN_OP_ACT_BWD, .act = DM_NN_ACT_TANH),
     .src = {T(2, 3, 17, 19), T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "sigmoid",
     .node = NODE(.op = DM_NN_OP_ACT_BWD, .act = DM_NN_ACT_SIGMOID),
     .src = {T(2, 3, 17, 19), T(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    {.label = "sqrt",
     .node = NODE(.op = DM_NN_OP_ACT_BWD, .act = DM_NN_ACT_SQRT),
     .src = {T(2, 3, 17, 19), TP(2, 3, 17, 19)},
     .dst = {T(2, 3, 17, 19)}},
    /* Convolutions: 3x3 same, 3x3 stride 2 on odd / even sizes, 1x1,
     * 4x4 stride 2 (DCGAN), a wider layer. */
    {.label = "3x3 s1 p1 +bias",
     .node = NODE(.op = DM_NN_OP_CONV2D, .stride = 1, .pad = 1),
     .src = {T(2, 3, 17, 19), T(8, 3, 3, 3), T(8, 1, 1, 1)},
     .dst = {T(2, 8, 17, 19)},
     .tf32 = true},
    {.label = "3x3 s2 p1 odd H",
     .node = NODE(.op = DM_NN_OP_CONV2D, .stride = 2, .pad = 1),
     .src = {T(3, 5, 17, 16), T(6, 5, 3, 3)},
     .dst = {T(3, 6, 9, 8)},
     .tf32 = true},
    {.label = "1x1 +bias",
     .node = NODE(.op = DM_NN_OP_CONV2D, .stride = 1, .pad = 0),
     .src = {T(2, 4, 9, 9), T(7, 4, 1, 1), T(7, 1, 1, 1)},
     .dst = {T(2, 7, 9, 9)},
     .tf32 = true},
    {.label = "4x4 s2 p1",
     .node = NODE(.op = DM_NN_OP_CONV2D, .stride = 2, .pad = 1),
     .src = {T(2, 3, 16, 16), T(8, 3, 4, 4), T(8, 1, 1, 1)},
     .dst = {T(2, 8, 8, 8)},
     .tf32 = true},
    {.label = "3x3 16->32 32x32",
     .node = NODE(.op = DM_NN_OP_CONV2D, .stride = 1, .pad = 1),
     .src = {T(4, 16, 32, 32), T(32, 16, 3, 3), T(32, 1, 1, 1)},
     .dst = {T(4, 32, 32, 32)},
     .tf32 = true},
    {.label = "2x2 s2 p0",
     .node = NODE(.op = DM_NN_OP_CONV2D, .stride = 2, .pad = 0),
     .src = {T(2, 6, 14, 10), T(4, 6, 2, 2), T(4, 1, 1, 1)},
     .dst = {T(2, 4, 7, 5)},
     .tf32 = true},
    {.label = "3x3 s1 p1",
     .node = NODE(.op = DM_NN_OP_CONV2D_BWD_DATA, .stride = 1, .pad = 1),
     .src = {T(2, 8, 17, 19), T(8, 3, 3, 3)},
     .dst = {T(2, 3, 17, 19)},
     .tf32 = true,
     .deterministic = true},
    {.label = "3x3 s2 p1 odd H",
     .node = NODE(.op = DM_NN_OP_CONV2D_BWD_DATA, .stride = 2, .pad = 1),
     .src = {T(3, 6, 9, 8), T(6, 5, 3, 3)},
     .dst = {T(3, 5, 17, 16)},
     .tf32 = true,
     .deterministic = true},
    {.label = "3x3 s2 p1 even H",
     .node = NODE(.op = DM_NN_OP_CONV2D_BWD_DATA, .stride = 2, .pad = 1),
     .src = {T(3, 6, 9, 8), T(6, 5, 3, 3)},
     .dst = {T(3, 5, 18, 16)},
     .tf32 = true,
     .deterministic = true},
    {.label = "4x4 s2 p1 (transposed)",
     .node = NODE(.op = DM_NN_OP_CONV2D_BWD_DATA, .stride = 2, .pad = 1),
     .src = {T(2, 8, 8, 8), T(8, 3, 4, 4)},
     .dst = {T(2, 3, 16, 16)},
     .tf32 = true,
     .deterministic = true},
    {.label = "2x2 s2 p0 (U-Net up)",
     .node = NODE(.op = DM_NN_OP_CONV2D_BWD_DATA, .stride = 2, .pad = 0),
     .src = {T(2, 16, 8, 8), T(16, 8, 2, 2)},
     .dst = {T(2, 8, 16, 16)},
     .tf32 = true,
     .deterministic = true},
    {.label = "3x3 s1 p1 +db",
     .node = NODE(.op = DM_NN_OP_CONV2D_BWD_FILTER, .stride = 1, .pad = 1),
     .src = {T(2, 3, 17, 19), T(2, 8, 17, 19)},
     .dst = {T(8, 3, 3, 3), T(8, 1, 1, 1)},
     .tf32 = true,
     .deterministic = true},
    {.label = "3x3 s2 p1 odd H",
     .node = NODE(.op = DM_NN_OP_CONV2D_BWD_FILTER, .stride = 2, .pad = 1),
     .src = {T(3, 5, 17, 16), T(3, 6, 9, 8)},
     .dst = {T(6, 5, 3, 3)},
     .tf32 = true,
     .deterministic = true},
    {.label = "3x3 16->32 32x32 +db",
     .node = NODE(.op = DM_NN_OP_CONV2D_BWD_FILTER, .stride = 1, .pad = 1),
     .src = {T(4, 16, 32, 32), T(4, 32, 32, 32)},
     .dst = {T(32, 16, 3, 3), T(32, 1, 1, 1)},
     .tf32 = true,
     .deterministic = true},
    {.label = "2x2 s2 p0 +db",
     .node = NODE(.op = DM_NN_OP_CONV2D_BWD_FILTER, .stride = 2, .pad = 0),
     .src = {T(2, 8, 16, 16), T(2, 16, 8, 8)},
     .dst = {T(16, 8, 2, 2), T(16, 1, 1, 1)},
     .tf32 = true,
     .deterministic = true},
    /* GEMM on matrix views, every transposition, beta != 0. */
    {.label = "A B",
     .node = NODE(.op = DM_NN_OP_MATMUL, .alpha = 1.0f),
     .src = {T(7, 13, 1, 1), T(13, 5, 1, 1)},
     .dst = {T(7, 5, 1, 1)},
     .tf32 = true},
    {.label = "A^T B",
     .node = NODE(.op = DM_NN_OP_MATMUL, .alpha = 1.0f, .trans_a = true),
     .src = {T(13, 7, 1, 1), T(13, 5, 1, 1)},
     .dst = {T(7, 5, 1, 1)},
     .tf32 = true},
    {.label = "A B^T",
     .node = NODE(.op = DM_NN_OP_MATMUL, .alpha = 1.0f, .trans_b = true),
     .src = {T(7, 13, 1, 1), T(5, 13, 1, 1)},
     .dst = {T(7, 5, 1, 1)},
     .tf32 = true},
    {.label = "0.5 A^T B^T - 2 C",
     .node = NODE(.op = DM_NN_OP_MATMUL, .alpha = 0.5f, .beta = -2.0f, .trans_a = true,
                  .trans_b = true),
     .src = {T(13, 7, 1, 1), T(5, 13, 1, 1)},
     .dst = {T(7, 5, 1, 1)},
     .tf32 = true},
    {.label = "4-d views",
     .node = NODE(.op = DM_NN_OP_MATMUL, .alpha = 1.0f),
     .src = {T(6, 3, 2, 2), T(12, 9, 1, 1)},
     .dst = {T(6, 9, 1, 1)},
     .tf32 = true},
    {.label = "64x300 300x129 + C",
     .node = NODE(.op = DM_NN_OP_MATMUL, .alpha = 1.0f, .beta = 1.0f),
     .src = {T(64, 300, 1, 1), T(300, 129, 1, 1)},
     .dst = {T(64, 129, 1, 1)},
     .tf32 = true},
    /* Normalisation.  Statistics are accumulated in double on both sides but
     * in another order; the backward passes subtract means. */
    {.label = "4 groups",
     .node = NODE(.op = DM_NN_OP_GROUP_NORM, .groups = 4, .eps = 1e-5f),
     .src = {T(3, 8, 7, 9), T(8, 1, 1, 1), T(8, 1, 1, 1)},
     .dst = {T(3, 8, 7, 9), T(3 * 4 * 2, 1, 1, 1)},
     .tolerance = 2e-5,
     .deterministic = true},
    {.label = "1 group, no affine",
     .node = NODE(.op = DM_NN_OP_GROUP_NORM, .groups = 1, .eps = 1e-5f),
     .src = {T(2, 6, 33, 31)},
     .dst = {T(2, 6, 33, 31), T(2 * 1 * 2, 1, 1, 1)},
     .tolerance = 2e-5},
    {.label = "8 groups, 3840 values each",
     .node = NODE(.op = DM_NN_OP_GROUP_NORM, .groups = 8, .eps = 1e-5f),
     .src = {T(2, 16, 48, 40), T(16, 1, 1, 1), T(16, 1, 1, 1)},
     .dst = {T(2, 16, 48, 40), T(2 * 8 * 2, 1, 1, 1)},
     .tolerance = 2e-5,
     .deterministic = true},
    {.label = "2 groups, 3 chunks each",
     .node = NODE(.op = DM_NN_OP_GROUP_NORM, .groups = 2, .eps = 1e-5f),
     .src = {T(2, 4, 61, 97), T(4, 1, 1, 1), T(4, 1, 1, 1)},
     .dst = {T(2, 4, 61, 97), T(2 * 2 * 2, 1, 1, 1)},
     .tolerance = 2e-5,
     .deterministic = true},
    {.label = "4 groups",
     .node = NODE(.op = DM_NN_OP_GROUP_NORM_BWD, .groups = 4),
     .src = {T(3, 8, 7, 9), T(3, 8, 7, 9), T(8, 1, 1, 1), TP(3 * 4 * 2, 1, 1, 1)},
     .dst = {T(3, 8, 7, 9), T(8, 1, 1, 1), T(8, 1, 1, 1)},
     .tolerance = 1e-4,
     .deterministic = true},
    {.label = "8 groups of 1",
     .node = NODE(.op = DM_NN_OP_GROUP_NORM_BWD, .groups = 8),
     .src = {T(2, 8, 5, 11), T(2, 8, 5, 11), T(8, 1, 1, 1), TP(2 * 8 * 2, 1, 1, 1)},
     .dst = {T(2, 8, 5, 11), T(8, 1, 1, 1), T(8, 1, 1, 1)},
     .tolerance = 1e-4},
    {.label = "8 groups, 3840 values each",
     .node = NODE(.op = DM_NN_OP_GROUP_NORM_BWD, .groups = 8),
     .src = {T(2, 16, 48, 40), T(2, 16, 48, 40), T(16, 1, 1, 1), TP(2 * 8 * 2, 1, 1, 1)},
     .dst = {T(2, 16, 48, 40), T(16, 1, 1, 1), T(16, 1, 1, 1)},
     .tolerance = 1e-4,
     .deterministic = true},
    {.label = "2 groups, 3 chunks each",
     .node = NODE(.op = DM_NN_OP_GROUP_NORM_BWD, .groups = 2),
     .src = {T(2, 4, 61, 97), T(2, 4, 61, 97), T(4, 1, 1, 1), TP(2 * 2 * 2, 1, 1, 1)},
     .dst = {T(2, 4, 61, 97), T(4, 1, 1, 1), T(4, 1, 1, 1)},
     .tolerance = 1e-4,
     .deterministic = true},
    {.label = "training",
     .node = NODE(.op = DM_NN_OP_BATCH_NORM, .training = true, .momentum = 0.1f, .eps = 1e-5f),
     .src = {T(4, 6, 7, 9), T(6, 1, 1, 1), T(6, 1, 1, 1), TP(12, 1, 1, 1)},
     .dst = {T(4, 6, 7, 9), T(12, 1, 1, 1)},
     .tolerance = 2e-5,
     .deterministic = true},
    {.label = "evaluation",
     .node = NODE(.op = DM_NN_OP_BATCH_NORM, .eps = 1e-5f),
     .src = {T(4, 6, 7, 9), T(6, 1, 1, 1), T(6, 1, 1, 1), TP(12, 1, 1, 1)},
     .dst = {T(4, 6, 7, 9)},
     .tolerance = 2e-5},
    {.label = "training, 3465 per channel",
     .node = NODE(.op = DM_NN_OP_BATCH_NORM, .training = true, .momentum = 0.1f, .eps = 1e-5f),
     .src = {T(3, 4, 33, 35), T(4, 1, 1, 1), T(4, 1, 1, 1), TP(8, 1, 1, 1)},
     .dst = {T(3, 4, 33, 35), T(8, 1, 1, 1)},
     .tolerance = 2e-5},
    {.label = "",
     .node = NODE(.op = DM_NN_OP_BATCH_NORM_BWD),
     .src = {T(4, 6, 7, 9), T(4, 6, 7, 9), T(6, 1, 1, 1), TP(12, 1, 1, 1)},
     .dst = {T(4, 6, 7, 9), T(6, 1, 1, 1), T(6, 1, 1, 1)},
     .tolerance = 1e-4,
     .deterministic = true},
    {.label = "3465 per channel",
     .node = NODE(.op = DM_NN_OP_BATCH_NORM_BWD),
     .src = {T(3, 4, 33, 35), T(3, 4, 33, 35), T(4, 1, 1, 1), TP(8, 1, 1, 1)},
     .dst = {T(3, 4, 33, 35), T(4, 1, 1, 1), T(4, 1, 1, 1)},
     .tolerance = 1e-4},
    /* Resampling and adjoints. */
    {.label = "pad 45x45 -> 48x48",
     .node = NODE(.op = DM_NN_OP_PERIODIC_WINDOW),
     .src = {T(2, 3, 45, 45)},
     .dst = {T(2, 3, 48, 48)},
     .deterministic = true},
    {.label = "crop 48x50 -> 45x47",
     .node = NODE(.op = DM_NN_OP_PERIODIC_WINDOW),
     .src = {T(2, 3, 48, 50)},
     .dst = {T(2, 3, 45, 47)}},
    {.label = "fold 48x48 -> 45x45",
     .node = NODE(.op = DM_NN_OP_PERIODIC_FOLD),
     .src = {T(2, 3, 48, 48)},
     .dst = {T(2, 3, 45, 45)},
     .deterministic = true},
    {.label = "fold 7x9 -> 2x3",
     .node = NODE(.op = DM_NN_OP_PERIODIC_FOLD),
     .src = {T(1, 2, 7, 9)},
     .dst = {T(1, 2, 2, 3)}},
    {.label = "nearest x2",
     .node = NODE(.op = DM_NN_OP_UPSAMPLE, .mode = DM_NN_UPSAMPLE_NEAREST, .factor = 2),
     .src = {T(2, 3, 7, 9)},
     .dst = {T(2, 3, 14, 18)}},
    {.label = "bilinear x2",
     .node = NODE(.op = DM_NN_OP_UPSAMPLE, .mode = DM_NN_UPSAMPLE_BILINEAR, .factor = 2),
     .src = {T(2, 3, 7, 9)},
     .dst = {T(2, 3, 14, 18)}},
    {.label = "bilinear x3",
     .node = NODE(.op = DM_NN_OP_UPSAMPLE, .mode = DM_NN_UPSAMPLE_BILINEAR, .factor = 3),
     .src = {T(1, 2, 5, 4)},
     .dst = {T(1, 2, 15, 12)}},
    {.label = "nearest x2",
     .node = NODE(.op = DM_NN_OP_UPSAMPLE_BWD, .mode = DM_NN_UPSAMPLE_NEAREST, .factor = 2),
     .src = {T(2, 3, 14, 18)},
     .dst = {T(2, 3, 7, 9)}},
    {.label = "bilinear x2",
     .node = NODE(.op = DM_NN_OP_UPSAMPLE_BWD, .mode = DM_NN_UPSAMPLE_BILINEAR, .factor = 2),
     .src = {T(2, 3, 14, 18)},
     .dst = {T(2, 3, 7, 9)}},
    {.label = "bilinear x3",
     .node = NODE(.op = DM_NN_OP_UPSAMPLE_BWD, .mode = DM_NN_UPSAMPLE_BILINEAR, .factor = 3),
     .src = {T(1, 2, 15, 12)},
     .dst = {T(1, 2, 5, 4)}},
    {.label = "bilinear x2, 1x1 input",
     .node = NODE(.op = DM_NN_OP_UPSAMPLE_BWD, .mode = DM_NN_UPSAMPLE_BILINEAR, .factor = 2),
     .src = {T(3, 2, 2, 2)},
     .dst = {T(3, 2, 1, 1)}},
    {.label = "x2",
     .node = NODE(.op = DM_NN_OP_AVG_POOL, .factor = 2),
     .src = {T(2, 3, 8, 10)},
     .dst = {T(2, 3, 4, 5)}},
    {.label = "x4",
     .node = NODE(.op = DM_NN_OP_AVG_POOL, .factor = 4),
     .src = {T(1, 2, 16, 12)},
     .dst = {T(1, 2, 4, 3)}},
    {.label = "x2",
     .node = NODE(.op = DM_NN_OP_AVG_POOL_BWD, .factor = 2),
     .src = {T(2, 3, 4, 5)},
     .dst = {T(2, 3, 8, 10)}},
    {.label = "x4",
     .node = NODE(.op = DM_NN_OP_AVG_POOL_BWD, .factor = 4),
     .src = {T(1, 2, 4, 3)},
     .dst = {T(1, 2, 16, 12)}},
    /* Losses. */
    {.label = "mse",
     .node = NODE(.op = DM_NN_OP_LOSS, .mode = DM_NN_LOSS_MSE),
     .src = {T(3, 4, 17, 19), T(3, 4, 17, 19)},
     .dst = {T(1, 1, 1, 1)},
     .deterministic = true},
    {.label = "l1",
     .node = NODE(.op = DM_NN_OP_LOSS, .mode = DM_NN_LOSS_L1),
     .src = {T(3, 4, 17, 19), T(3, 4, 17, 19)},
     .dst = {T(1, 1, 1, 1)},
     .deterministic = true},
    {.label = "mse",
     .node = NODE(.op = DM_NN_OP_LOSS_BWD, .mode = DM_NN_LOSS_MSE),
     .src = {T(3, 4, 17, 19), T(3, 4, 17, 19), T(1, 1, 1, 1)},
     .dst = {T(3, 4, 17, 19)}},
    {.label = "l1",
     .node = NODE(.op = DM_NN_OP_LOSS_BWD, .mode = DM_NN_LOSS_L1),
     .src = {T(3, 4, 17, 19), T(3, 4, 17, 19), T(1, 1, 1, 1)},
     .dst = {T(3, 4, 17, 19)}},
    /* Noise embedding and the optimiser step. */
    {.label = "5 sigmas x 16 freqs",
     .node = NODE(.op = DM_NN_OP_FOURIER_EMBED),
     .src = {TP(5, 1, 1, 1), T(16, 1, 1, 1)},
     .dst = {T(5, 32, 1, 1)}},
    {.label = "coupled weight decay",
     .node = NODE(.op = DM_NN_OP_ADAM, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                  .weight_decay = 1e-2f, .grad_scale = 0.5f, .bias1 = 10.0f, .bias2 = 1000.5f),
     .src = {T(3, 7, 11, 5)},
     .dst = {T(3, 7, 11, 5), T(3, 7, 11, 5), TP(3, 7, 11, 5)}},
    {.label = "decoupled (AdamW)",
     .node = NODE(.op = DM_NN_OP_ADAM, .lr = 1e-2f, .beta1 = 0.8f, .beta2 = 0.99f, .eps = 1e-8f,
                  .weight_decay = 0.1f, .grad_scale = 1.0f, .bias1 = 1.25f, .bias2 = 1.01f,
                  .decoupled = true),
     .src = {T(3, 7, 11, 5)},
     .dst = {T(3, 7, 11, 5), T(3, 7, 11, 5), TP(3, 7, 11, 5)}},
};

enum { CASE_COUNT = sizeof cases / sizeof cases[0] };

/* --- Tensors on a backend ------------------------------------------------------ */

static bool present(const Spec *s) { return s->shape[0] > 0; }

/* Elements of the allocation behind a spec (the parent for a view). */
static int64_t allocation_numel(const Spec *s) {
  int64_t c = s->parent_c > 0 ? s->parent_c : s->shape[1];
  return s->shape[0] * c * s->shape[2] * s->shape[3];
}

/* A tensor on the backend with the spec's layout, holding host[] (its whole
 * allocation); NULL on failure (reported). */
static DmTensor *tensor_new(const DmNnBackend *backend, const Spec *s, const float *host) {
  DmError *error = NULL;
  DmTensor *t = calloc(1, sizeof *t);
  size_t bytes = (size_t)allocation_numel(s) * sizeof(float);
  void *block = t ? backend->funcs->alloc(backend->ctx, bytes, &error) : NULL;
  CHECK_OK(block, error);
  if (!block) {
    free(t);
    return NULL;
  }
  int64_t c = s->parent_c > 0 ? s->parent_c : s->shape[1];
  int64_t hw = s->shape[2] * s->shape[3];
  memcpy(t->shape, s->shape, sizeof t->shape);
  t->stride[0] = c * hw;
  t->stride[1] = hw;
  t->stride[2] = s->transposed ? 1 : s->shape[3];
  t->stride[3] = s->transposed ? s->shape[2] : 1;
  t->block = block;
  t->data = (float *)block + s->c0 * hw;
  t->persistent = true;
  CHECK_OK(backend->funcs->upload(backend->ctx, block, host, bytes, &error), error);
  return t;
}

static void tensor_free(const DmNnBackend *backend, DmTensor *t) {
  if (!t) return;
  backend->funcs->release(backend->ctx, t->block);
  free(t);
}

/* --- Running a case ------------------------------------------------------------ */

/* The values a case starts from: host[0..3] sources, host[4..6] destinations
 * (whole allocations; NULL when absent). */
typedef struct {
  float *host[7];
} Inputs;

static const Spec *slot_spec(const Case *c, int slot) {
  return slot < 4 ? &c->src[slot] : &c->dst[slot - 4];
}

static void inputs_init(Inputs *in, const Case *c, int index) {
  for (int slot = 0; slot < 7; slot++) {
    const Spec *s = slot_spec(c, slot);
    in->host[slot] = NULL;
    if (!present(s)) continue;
    int64_t n = allocation_numel(s);
    float *v = malloc((size_t)n * sizeof *v);
    CHECK(v);
    if (!v) continue;
    DmRng rng;
    dm_rng_init(&rng, 1000 + (uint64_t)index, (uint64_t)slot);
    for (int64_t i = 0; i < n; i++)
      v[i] = s->gen == GEN_POSITIVE ? (float)(0.5 + 1.5 * dm_rng_uniform(&rng))
                                    : (float)dm_rng_normal(&rng);
    in->host[slot] = v;
  }
}

static void inputs_free(Inputs *in) {
  for (int slot = 0; slot < 7; slot++) free(in->host[slot]);
}

/* Whether slot's contents after the op are an output to compare: every
 * destination, and batch norm's running statistics (src3) in training. */
static bool compared(const Case *c, int slot) {
  if (!present(slot_spec(c, slot))) return false;
  if (slot >= 4) return true;
  return slot == 3 && c->node.op == DM_NN_OP_BATCH_NORM && c->node.training;
}

/* Runs the case on backend; out[slot] (allocated here) receives the
 * contents of each compared slot.  False when it could not run. */
static bool run_case(const DmNnBackend *backend, const Case *c, const Inputs *in, float *out[7]) {
  DmError *error = NULL;
  DmTensor *tensors[7] = {NULL};
  bool ok = true;
  for (int slot = 0; slot < 7; slot++) {
    out[slot] = NULL;
    if (!present(slot_spec(c, slot))) continue;
    tensors[slot] = in->host[slot] ? tensor_new(backend, slot_spec(c, slot), in->host[slot]) : NULL;
    ok = ok && tensors[slot];
  }
  DmNnNode node = c->node;
  for (int i = 0; i < 4; i++) node.src[i] = tensors[i];
  for (int i = 0; i < 3; i++) node.dst[i] = tensors[4 + i];
  if (ok) {
    CHECK(backend->funcs->supports(backend->ctx, &node));
    ok = backend->funcs->compute(backend->ctx, &node, &error);
    CHECK_OK(ok, error);
  }
  for (int slot = 0; slot < 7 && ok; slot++) {
    if (!compared(c, slot)) continue;
    size_t n = (size_t)allocation_numel(slot_spec(c, slot));
    out[slot] = malloc(n * sizeof(float));
    CHECK(out[slot]);
    ok = out[slot] && backend->funcs->download(backend->ctx, out[slot], tensors[slot]->block,
                                               n * sizeof(float), &error);
    CHECK_OK(ok, error);
  }
  for (int slot = 0; slot < 7; slot++) tensor_free(backend, tensors[slot]);
  return ok;
}

static void outputs_free(float *out[7]) {
  for (int slot = 0; slot < 7; slot++) {
    free(out[slot]);
    out[slot] = NULL;
  }
}

/* max |a - b| and max |b| over n values. */
static void difference(const float *a, const float *b, int64_t n, double *max_abs, double *scale) {
  *max_abs = 0.0;
  *scale = 0.0;
  for (int64_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (!(d <= *max_abs)) *max_abs = d; /* NaN propagates */
    *scale = fmax(*scale, fabs((double)b[i]));
  }
}

static const char *slot_name(int slot) {
  static const char *const names[7] = {"src0", "src1", "src2", "running", "dst0", "dst1", "dst2"};
  return names[slot];
}

/* Compares the device's outputs with the CPU's, one table line each. */
static void compare(const Case *c, const char *mode, float *gpu[7], float *cpu[7],
                    double tolerance) {
  for (int slot = 0; slot < 7; slot++) {
    if (!compared(c, slot) || !gpu[slot] || !cpu[slot]) continue;
    const Spec *s = slot_spec(c, slot);
    double max_abs, scale;
    difference(gpu[slot], cpu[slot], allocation_numel(s), &max_abs, &scale);
    double rel = max_abs / (scale > 0.0 ? scale : 1.0);
    bool pass = rel <= tolerance;
    char shape[64];
    snprintf(shape, sizeof shape, "%s [%lld,%lld,%lld,%lld]", slot_name(slot),
             (long long)s->shape[0], (long long)s->shape[1], (long long)s->shape[2],
             (long long)s->shape[3]);
    printf("%-18s %-26s %-5s %-24s max|d| %9.3g  rel %9.3g  tol %.0e  %s\n", dm_nn_op_name(c->node.op),
           c->label, mode, shape, max_abs, rel, tolerance, pass ? "pass" : "FAIL");
    CHECK(pass);
  }
}

/* Runs the case twice on the device: every output must have the same bits. */
static void check_deterministic(const DmNnBackend *gpu, const Case *c, const Inputs *in) {
  float *first[7] = {NULL}, *second[7] = {NULL};
  if (run_case(gpu, c, in, first) && run_case(gpu, c, in, second)) {
    bool same = true;
    for (int slot = 0; slot < 7; slot++)
      if (compared(c, slot) && first[slot] && second[slot])
        same = same && memcmp(first[slot], second[slot],
                              (size_t)allocation_numel(slot_spec(c, slot)) * sizeof(float)) == 0;
    printf("%-18s %-26s twice: %s\n", dm_nn_op_name(c->node.op), c->label,
           same ? "identical bits" : "DIFFERENT BITS");
    CHECK(same);
  }
  outputs_free(first);
  outputs_free(second);
}

static void check_case(int index, const DmNnBackend *cpu, const DmNnBackend *gpu,
                       const DmNnBackend *gpu_tf32) {
  const Case *c = &cases[index];
  Inputs in;
  inputs_init(&in, c, index);
  float *reference[7] = {NULL}, *result[7] = {NULL};
  bool have_reference = run_case(cpu, c, &in, reference);
  if (have_reference && run_case(gpu, c, &in, result))
    compare(c, "fp32", result, reference, c->tolerance > 0.0 ? c->tolerance : STRICT);
  outputs_free(result);
  if (c->tf32 && have_reference && run_case(gpu_tf32, c, &in, result))
    compare(c, "tf32", result, reference, TF32_TOLERANCE);
  outputs_free(result);
  if (c->deterministic) check_deterministic(gpu, c, &in);
  outputs_free(reference);
  inputs_free(&in);
}

/* A node the device must refuse, and the error it must give. */
static void check_unsupported(const DmNnBackend *gpu) {
  static const Case mismatch = {.label = "inner sizes differ",
                                .node = NODE(.op = DM_NN_OP_MATMUL, .alpha = 1.0f),
                                .src = {T(4, 5, 1, 1), T(6, 3, 1, 1)},
                                .dst = {T(4, 3, 1, 1)}};
  Inputs in;
  inputs_init(&in, &mismatch, CASE_COUNT);
  DmTensor *a = tensor_new(gpu, &mismatch.src[0], in.host[0]);
  DmTensor *b = tensor_new(gpu, &mismatch.src[1], in.host[1]);
  DmTensor *c = tensor_new(gpu, &mismatch.dst[0], in.host[4]);
  if (a && b && c) {
    DmNnNode node = mismatch.node;
    node.src[0] = a;
    node.src[1] = b;
    node.dst[0] = c;
    DmError *error = NULL;
    CHECK(!gpu->funcs->supports(gpu->ctx, &node));
    CHECK_FAILS(gpu->funcs->compute(gpu->ctx, &node, &error), error, DM_ERROR_UNSUPPORTED);
  }
  tensor_free(gpu, a);
  tensor_free(gpu, b);
  tensor_free(gpu, c);
  inputs_free(&in);
}

/* --- The context on the device ------------------------------------------------- */

enum { CONTEXT_VALUES = 2 * 5 * 9 * 7 + 2 * 3 * 9 * 7 };

/* The same sequence of context calls on a device: Philox fills, a copy
 * into a channel view, a clone of that view; values[] receives the filled
 * tensor and the clone.  False when the context could not be made. */
static bool context_values(DmNnDevice device, float values[CONTEXT_VALUES]) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(device, 0, &error);
  CHECK_OK(nn, error);
  if (!nn) return false;
  if (device == DM_NN_DEVICE_CUDA) {
    CHECK(dm_nn_is_gpu(nn));
    CHECK(strncmp(dm_nn_device_name(nn), "cuda: ", 6) == 0);
  }
  DmTensor *t = dm_tensor_new(nn, 2, 5, 9, 7); /* [2,5,9,7] */
  DmTensor *u = dm_tensor_new(nn, 2, 3, 9, 7); /* [2,3,9,7] */
  DmTensor *scalar = dm_tensor_new(nn, 1, 1, 1, 1);
  dm_tensor_fill_normal(t, 5, 2, 0.5f, 2.0f);
  dm_tensor_fill_uniform(u, 6, 0, -1.0f, 1.0f);
  dm_tensor_copy(dm_tensor_channel_view(t, 1, 3), u);
  DmTensor *clone = dm_tensor_clone(dm_tensor_channel_view(t, 2, 3)); /* [2,3,9,7] */
  dm_tensor_fill(scalar, 3.5f);
  CHECK(dm_tensor_item(scalar) == 3.5f);
  dm_tensor_download(t, values, 2 * 5 * 9 * 7);
  dm_tensor_download(clone, values + 2 * 5 * 9 * 7, 2 * 3 * 9 * 7);
  bool ok = dm_nn_take_error(nn, &error);
  CHECK_OK(ok, error);
  dm_nn_clear(nn);
  dm_tensor_free(clone);
  dm_tensor_free(scalar);
  dm_tensor_free(u);
  dm_tensor_free(t);
  dm_nn_free(nn);
  return ok;
}

/* The context on the device gives the CPU's values. */
static void check_context(void) {
  static float cpu[CONTEXT_VALUES], gpu[CONTEXT_VALUES];
  if (!context_values(DM_NN_DEVICE_CPU, cpu) || !context_values(DM_NN_DEVICE_CUDA, gpu)) return;
  double max_abs, scale;
  difference(gpu, cpu, CONTEXT_VALUES, &max_abs, &scale);
  double rel = max_abs / scale;
  printf("%-18s %-26s %-5s %-24s max|d| %9.3g  rel %9.3g  tol %.0e  %s\n", "context",
         "fills, view copy, clone", "fp32", "[2,5,9,7] + [2,3,9,7]", max_abs, rel, STRICT,
         rel <= STRICT ? "pass" : "FAIL");
  CHECK(rel <= STRICT);
}

int main(void) {
  DmError *error = NULL;
  DmNnBackend gpu, gpu_tf32, cpu;
  /* Without the backend compiled in (no CUDA, cuBLAS or cuDNN at build
   * time): "not compiled in", device or not; with it and no device: no
   * driver or no device. */
  bool ok = dm_nn_cuda_backend_new(false, &gpu, &error);
  if (!ok && error && error->code == DM_ERROR_UNSUPPORTED && error->message[0]) {
    printf("CUDA network backend not compiled in (%s): skipped\n", error->message);
    dm_error_clear(&error);
    return DM_TEST_SKIP;
  }
  if (!dm_gpu_available()) {
    if (ok) gpu.funcs->destroy(gpu.ctx);
    CHECK(!ok && error && error->code == DM_ERROR_GPU && error->message[0]);
    if (error) printf("expected failure: %s\n", error->message);
    dm_error_clear(&error);
    if (dm_test_failures) return dm_test_result();
    printf("no usable CUDA device: skipped\n");
    return DM_TEST_SKIP;
  }
  CHECK_OK(ok, error);
  if (!ok) return dm_test_result();
  ok = dm_nn_cpu_backend_new(0, &cpu, &error);
  CHECK_OK(ok, error);
  if (!ok) {
    gpu.funcs->destroy(gpu.ctx);
    return dm_test_result();
  }
  ok = dm_nn_cuda_backend_new(true, &gpu_tf32, &error);
  CHECK_OK(ok, error);
  if (!ok) {
    gpu.funcs->destroy(gpu.ctx);
    cpu.funcs->destroy(cpu.ctx);
    return dm_test_result();
  }
  printf("reference: %s\ndevice:    %s\nTF32 run:  %s\n\n", cpu.funcs->describe(cpu.ctx),
         gpu.funcs->describe(gpu.ctx), gpu_tf32.funcs->describe(gpu_tf32.ctx));
  CHECK(strstr(gpu.funcs->describe(gpu.ctx), "TF32 off") != NULL);
  CHECK(strstr(gpu_tf32.funcs->describe(gpu_tf32.ctx), "TF32 on") != NULL);

  /* Every op has at least one case. */
  bool covered[DM_NN_OP_COUNT] = {false};
  for (int i = 0; i < CASE_COUNT; i++) covered[cases[i].node.op] = true;
  for (int op = 0; op < DM_NN_OP_COUNT; op++) {
    if (!covered[op]) fprintf(stderr, "no case for kernel op %d\n", op);
    CHECK(covered[op]);
  }

  for (int i = 0; i < CASE_COUNT; i++) check_case(i, &cpu, &gpu, &gpu_tf32);
  check_unsupported(&gpu);
  check_context();

  gpu_tf32.funcs->destroy(gpu_tf32.ctx);
  gpu.funcs->destroy(gpu.ctx);
  cpu.funcs->destroy(cpu.ctx);
  return dm_test_result();
}

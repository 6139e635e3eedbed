/* The backend interface: what a device must provide to run the network engine.
 *
 * A backend is a table of functions plus an opaque context (ggml's shape).
 * The engine above it (nn-context.c, nn-ops.c, nn-autograd.c) composes every
 * differentiable op and its backward from the kernel ops below; a backend
 * implements each kernel op once, dispatched by one switch in compute().
 * The CPU backend (nn-cpu-*.c) is the reference; the CUDA backend
 * (engine/gpu/nn-cuda-*.cu) is checked against it op by op
 * (tests/gpu/test-gpu-nn-ops.c).
 *
 * Conventions for every kernel op:
 *   - tensors are float32 NCHW, contiguous unless the op says otherwise;
 *   - shapes are checked by the caller (nn-ops.c); a backend may assume them
 *     but must never crash on a shape it does not support: it returns false
 *     with DM_ERROR_UNSUPPORTED (and supports() says so beforehand);
 *   - element-wise ops allow dst[0] == src[0] (in place);
 *   - "matrix view" of a tensor: rows = shape[0], cols = shape[1]*shape[2]*shape[3];
 *   - "per-sample" means one value per index of dim 0;
 *   - work may be queued (CUDA stream); download() and synchronize() wait.
 */
#ifndef DARKMAP_NN_BACKEND_H
#define DARKMAP_NN_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  /* dst0 = alpha.                                                        */
  DM_NN_OP_FILL,
  /* dst0 = beta + alpha * N(0,1).  Element i of dst0 (row-major order):
   * j = i / 2, block = Philox4x32-10(ctr = {j lo, j hi, stream lo, stream hi},
   * key = {seed lo, seed hi}); u1 = (block[0] + 0.5) / 2^32,
   * u2 = (block[1] + 0.5) / 2^32, r = sqrt(-2 ln u1);
   * even i: r cos(2 pi u2), odd i: r sin(2 pi u2).                       */
  DM_NN_OP_FILL_NORMAL,
  /* dst0 = beta + (alpha - beta) * u, u = (block[i % 4] + 0.5) / 2^32 with
   * block = Philox(ctr = {j lo, j hi, stream lo, stream hi}), j = i / 4.
   * (alpha = hi, beta = lo.)                                             */
  DM_NN_OP_FILL_UNIFORM,
  /* dst0 = src0, same shape, ANY strides on both (channel views).        */
  DM_NN_OP_COPY,
  /* dst0 = alpha * src0 + beta * src1.  src1 has src0's shape, or 1
   * element (broadcast), or shape[0] elements (per-sample broadcast).    */
  DM_NN_OP_ADD,
  /* dst0 = src0 * src1 (src1 broadcasts as for ADD).                      */
  DM_NN_OP_MUL,
  /* dst0 = alpha * src0 + beta.                                           */
  DM_NN_OP_AFFINE,
  /* dst0[n,c,h,w] = src0[n,c,h,w] + src1[c] (src1 has C elements) or
   * + src1[n,c] (src1 has N*C elements).                                  */
  DM_NN_OP_ADD_CHANNEL,
  /* Reverse of ADD_CHANNEL: dst0[c] = sum_{n,h,w} src0 (dst0 has C
   * elements) or dst0[n,c] = sum_{h,w} src0 (dst0 has N*C elements).      */
  DM_NN_OP_REDUCE_CHANNEL,
  /* dst0 = alpha * sum(src0): dst0 has 1 element (total) or shape[0]
   * elements (per sample).  Accumulate in double on the CPU.              */
  DM_NN_OP_SUM,
  /* dst0 = alpha * sum(src0^2), total or per sample as for SUM.            */
  DM_NN_OP_SUMSQ,
  /* dst0[n, ...] = alpha * src0[n or 0]: broadcast a scalar (1 element) or
   * per-sample values (shape[0] elements) to dst0's shape.                */
  DM_NN_OP_EXPAND,
  /* dst0 = f(src0), f = act (slope for LeakyReLU).                         */
  DM_NN_OP_ACT,
  /* dst0 = src0 * f'(src1): src0 the upstream gradient, src1 the forward
   * INPUT x.                                                               */
  DM_NN_OP_ACT_BWD,
  /* dst0 = conv2d(src0 = x [N,C,H,W], src1 = w [O,C,kh,kw]) + src2 (bias
   * [O], may be NULL); stride, pad (zero padding, same on both axes).
   * dst0 [N,O,Ho,Wo], Ho = (H + 2 pad - kh) / stride + 1.                 */
  DM_NN_OP_CONV2D,
  /* dst0 = dx [N,C,H,W] from src0 = gy [N,O,Ho,Wo], src1 = w [O,C,kh,kw];
   * dst0's shape gives H, W (with stride 2 two sizes are possible).  This
   * is also the transposed convolution with weights [Cin=O, Cout=C, kh,kw]. */
  DM_NN_OP_CONV2D_BWD_DATA,
  /* dst0 = dw [O,C,kh,kw] = filter gradient from src0 = x [N,C,H,W] and
   * src1 = gy [N,O,Ho,Wo]; dst1 = db [O] = sum_{n,h,w} gy, may be NULL.
   * Overwrites (does not accumulate).                                      */
  DM_NN_OP_CONV2D_BWD_FILTER,
  /* dst0 = alpha * op(A) op(B) + beta * dst0 on matrix views, A = src0,
   * B = src1, op = transpose when trans_a / trans_b.                       */
  DM_NN_OP_MATMUL,
  /* Group normalisation of src0 = x [N,C,H,W] over groups of C/groups
   * channels, affine src1 = gamma [C], src2 = beta [C]; eps.
   * dst0 = y; dst1 = stats [N*groups*2]: (mean, rstd) per (n, g).         */
  DM_NN_OP_GROUP_NORM,
  /* src0 = gy, src1 = x, src2 = gamma, src3 = stats from GROUP_NORM;
   * dst0 = gx, dst1 = dgamma [C], dst2 = dbeta [C] (overwritten).         */
  DM_NN_OP_GROUP_NORM_BWD,
  /* Batch normalisation per channel.  src0 = x, src1 = gamma, src2 = beta,
   * src3 = running [2*C]: (mean[C], var[C]).  training: batch statistics
   * (biased variance to normalise), running <- (1-momentum) running +
   * momentum * batch (unbiased variance), dst1 = stats [2*C] (mean[C], rstd[C]);
   * eval: running statistics, dst1 may be NULL.  dst0 = y.                */
  DM_NN_OP_BATCH_NORM,
  /* Training-mode backward: src0 = gy, src1 = x, src2 = gamma, src3 = stats;
   * dst0 = gx, dst1 = dgamma, dst2 = dbeta.                                */
  DM_NN_OP_BATCH_NORM_BWD,
  /* dst0 = upsample(src0) by integer factor; mode NEAREST or BILINEAR
   * (align_corners = false, PyTorch's rule, edges clamped).               */
  DM_NN_OP_UPSAMPLE,
  /* dst0 = adjoint of UPSAMPLE applied to src0 = gy (dst0 has x's shape).  */
  DM_NN_OP_UPSAMPLE_BWD,
  /* dst0 = average over factor x factor blocks of src0 (H, W divisible).  */
  DM_NN_OP_AVG_POOL,
  DM_NN_OP_AVG_POOL_BWD,   /* dst0 = adjoint of AVG_POOL on src0 = gy.      */
  /* dst0 [N,C,h,w] = periodic window of src0 [N,C,H,W]:
   * dst0[n,c,i,j] = src0[n,c,i mod H,j mod W] (any h, w >= 1).            */
  DM_NN_OP_PERIODIC_WINDOW,
  /* Its adjoint, dst0 [N,C,H,W] from src0 = gy [N,C,h,w]: dst0[n,c,I,J] =
   * sum of gy[n,c,i,j] over i < h, j < w with i mod H = I, j mod W = J.    */
  DM_NN_OP_PERIODIC_FOLD,
  /* dst0 (1 element) = mean over elements of (src0 - src1)^2 (mode MSE) or
   * |src0 - src1| (mode L1).                                               */
  DM_NN_OP_LOSS,
  /* dst0 = d loss / d src0 times src2[0] (the upstream scalar gradient);
   * L1 uses sign(src0 - src1) with sign(0) = 0.                            */
  DM_NN_OP_LOSS_BWD,
  /* src0 = sigma [N], src1 = freqs [F] -> dst0 [N, 2F]:
   * dst0[n, f] = sin(2 pi freqs[f] ln sigma[n]),
   * dst0[n, F + f] = cos(2 pi freqs[f] ln sigma[n]).                       */
  DM_NN_OP_FOURIER_EMBED,
  /* Adam/AdamW in place, element-wise: dst0 = param, dst1 = m, dst2 = v,
   * src0 = grad.  g = grad_scale * grad (+ weight_decay * param unless
   * decoupled); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
   * param -= lr * (m * bias1) / (sqrt(v * bias2) + eps)
   *          (+ lr * weight_decay * param first when decoupled),
   * with bias1 = 1/(1-b1^t), bias2 = 1/(1-b2^t) given by the caller.      */
  DM_NN_OP_ADAM,
  DM_NN_OP_COUNT
} DmNnOp;

typedef enum {
  DM_NN_ACT_RELU,
  DM_NN_ACT_LEAKY_RELU,  /* slope for x < 0 */
  DM_NN_ACT_SILU,        /* x sigmoid(x) */
  DM_NN_ACT_TANH,
  DM_NN_ACT_SIGMOID,
  DM_NN_ACT_SQRT,        /* sqrt(x); backward 0.5 / sqrt(x) */
} DmNnAct;

typedef enum { DM_NN_UPSAMPLE_NEAREST, DM_NN_UPSAMPLE_BILINEAR } DmNnUpsampleMode;
typedef enum { DM_NN_LOSS_MSE, DM_NN_LOSS_L1 } DmNnLossMode;

/* One kernel call.  Unused fields are zero. */
typedef struct {
  DmNnOp op;
  const DmTensor *src[4];
  DmTensor *dst[3];
  float alpha, beta;        /* scalars (see each op) */
  DmNnAct act;
  float slope;              /* LeakyReLU */
  int stride, pad;          /* convolutions */
  int groups;               /* group norm */
  float eps;                /* norms; Adam */
  float momentum;           /* batch norm */
  bool training;            /* batch norm */
  bool trans_a, trans_b;    /* matmul */
  int mode;                 /* DmNnUpsampleMode or DmNnLossMode */
  int factor;               /* upsample, pool */
  uint64_t seed, stream;    /* random fills */
  /* Adam */
  float lr, beta1, beta2, weight_decay, grad_scale, bias1, bias2;
  bool decoupled;
} DmNnNode;

typedef struct {
  const char *name;  /* "cpu", "cuda" */
  void (*destroy)(void *ctx);
  /* Device memory; alloc returns NULL and sets *error on failure. */
  void *(*alloc)(void *ctx, size_t bytes, DmError **error);
  void (*release)(void *ctx, void *ptr);
  bool (*upload)(void *ctx, void *dst, const void *host, size_t bytes, DmError **error);
  bool (*download)(void *ctx, void *host, const void *src, size_t bytes, DmError **error);
  bool (*synchronize)(void *ctx, DmError **error);
  /* Whether compute() can run this node (shapes and parameters included). */
  bool (*supports)(void *ctx, const DmNnNode *node);
  bool (*compute)(void *ctx, const DmNnNode *node, DmError **error);
  /* A one-line description of the device and libraries (static storage
   * owned by the backend). */
  const char *(*describe)(void *ctx);
} DmNnBackendFuncs;

typedef struct {
  const DmNnBackendFuncs *funcs;
  void *ctx;
} DmNnBackend;

/* The CPU backend (oneDNN convolutions and normalisation, OpenBLAS GEMM,
 * OpenMP loops elsewhere).  threads = 0: all cores. */
bool dm_nn_cpu_backend_new(int threads, DmNnBackend *out, DmError **error);

/* The CUDA backend on device 0 (cuDNN, cuBLAS, own kernels).  allow_tf32:
 * TF32 tensor cores for convolutions and GEMM (the default for training and
 * sampling; off for exact comparisons with the CPU).  Without CUDA compiled
 * in it fails with DM_ERROR_UNSUPPORTED; without a usable device with
 * DM_ERROR_GPU. */
bool dm_nn_cuda_backend_new(bool allow_tf32, DmNnBackend *out, DmError **error);

/* A kernel op's name ("conv2d_bwd_data"), for messages and tables. */
const char *dm_nn_op_name(DmNnOp op);

/* Runs one node on the context's backend, recording a failure in the
 * context's sticky error (nn-context.c). */
bool dm_nn_compute(DmNn *nn, const DmNnNode *node);

/* The context's backend (nn-context.c). */
const DmNnBackend *dm_nn_backend(const DmNn *nn);

#ifdef __cplusplus
}
#endif

#endif

/* The CUDA backend of the network engine (see nn/nn-backend.h and
 * nn-cuda.h): device memory, transfers, the op table and its dispatch.
 *
 * All work is queued on the backend's one stream; download() and
 * synchronize() wait for it.  Memory comes straight from cudaMalloc: the
 * engine's caching allocator sits above alloc()/release(). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu-error.h"
#include "gpu-module.h"
#include "nn-cuda.h"

/* --- Workspace ----------------------------------------------------------- */

void *dm_nn_cuda_workspace(DmNnCuda *cuda, size_t bytes, DmError **error) {
  if (bytes <= cuda->workspace_bytes) return cuda->workspace;
  /* Queued kernels may still read the old buffer. */
  if (!DM_CUDA_CHECK(cudaStreamSynchronize(cuda->stream), error)) return NULL;
  cudaFree(cuda->workspace);
  cuda->workspace = NULL;
  cuda->workspace_bytes = 0;
  /* Round up to 1 MiB so that small growths do not reallocate each time. */
  size_t rounded = (bytes + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1);
  if (!DM_CUDA_CHECK(cudaMalloc(&cuda->workspace, rounded), error)) {
    cuda->workspace = NULL;
    dm_error_prefix(error, "Cannot allocate a GPU workspace of %zu bytes", rounded);
    return NULL;
  }
  cuda->workspace_bytes = rounded;
  return cuda->workspace;
}

/* --- Memory and transfers ------------------------------------------------ */

static void backend_destroy(void *ctx) {
  DmNnCuda *cuda = (DmNnCuda *)ctx;
  if (!cuda) return;
  cudaSetDevice(cuda->device);
  if (cuda->stream) cudaStreamSynchronize(cuda->stream);
  dm_nn_cuda_conv_plans_free(cuda);
  dm_nn_cuda_fft_plans_free(cuda);
  cudaFree(cuda->workspace);
  if (cuda->cublas) cublasDestroy(cuda->cublas);
  if (cuda->cudnn) cudnnDestroy(cuda->cudnn);
  if (cuda->stream) cudaStreamDestroy(cuda->stream);
  free(cuda);
}

static void *backend_alloc(void *ctx, size_t bytes, DmError **error) {
  DmNnCuda *cuda = (DmNnCuda *)ctx;
  void *ptr = NULL;
  if (!DM_CUDA_CHECK(cudaSetDevice(cuda->device), error)) return NULL;
  if (!DM_CUDA_CHECK(cudaMalloc(&ptr, bytes > 0 ? bytes : 1), error)) {
    dm_error_prefix(error, "Cannot allocate %zu bytes of GPU memory", bytes);
    return NULL;
  }
  return ptr;
}

static void backend_release(void *ctx, void *ptr) {
  DmNnCuda *cuda = (DmNnCuda *)ctx;
  if (!ptr) return;
  cudaSetDevice(cuda->device);
  /* cudaFree waits for the device; a failure here has nowhere to go and
   * only leaks the block. */
  cudaFree(ptr);
}

static bool backend_upload(void *ctx, void *dst, const void *host, size_t bytes,
                           DmError **error) {
  DmNnCuda *cuda = (DmNnCuda *)ctx;
  if (bytes == 0) return true;
  /* From pageable memory the host buffer is consumed before the call
   * returns, so the caller may reuse it at once. */
  return DM_CUDA_CHECK(cudaSetDevice(cuda->device), error) &&
         DM_CUDA_CHECK(cudaMemcpyAsync(dst, host, bytes, cudaMemcpyHostToDevice, cuda->stream),
                       error);
}

static bool backend_download(void *ctx, void *host, const void *src, size_t bytes,
                             DmError **error) {
  DmNnCuda *cuda = (DmNnCuda *)ctx;
  if (bytes == 0) return true;
  return DM_CUDA_CHECK(cudaSetDevice(cuda->device), error) &&
         DM_CUDA_CHECK(cudaMemcpyAsync(host, src, bytes, cudaMemcpyDeviceToHost, cuda->stream),
                       error) &&
         DM_CUDA_CHECK(cudaStreamSynchronize(cuda->stream), error);
}

static bool backend_synchronize(void *ctx, DmError **error) {
  DmNnCuda *cuda = (DmNnCuda *)ctx;
  return DM_CUDA_CHECK(cudaSetDevice(cuda->device), error) &&
         DM_CUDA_CHECK(cudaStreamSynchronize(cuda->stream), error);
}

static const char *backend_describe(void *ctx) { return ((DmNnCuda *)ctx)->description; }

/* --- What the kernels accept --------------------------------------------- */

/* Dense row-major (the strides of dims of size 1 do not matter: a
 * one-element channel view is contiguous). */
static bool contiguous(const DmTensor *t) { return t && t->data && dm_tensor_is_contiguous(t); }

static bool shape_is(const DmTensor *t, int64_t n, int64_t c, int64_t h, int64_t w) {
  return t->shape[0] == n && t->shape[1] == c && t->shape[2] == h && t->shape[3] == w;
}

static bool same_shape(const DmTensor *a, const DmTensor *b) {
  return shape_is(a, b->shape[0], b->shape[1], b->shape[2], b->shape[3]);
}

static bool fits_int(const DmTensor *t) { return dm_nn_cuda_numel(t) <= INT_MAX; }

/* Element-wise: dst0 and src0..src[count-1] contiguous with dst0's numel. */
static bool elementwise(const DmNnNode *node, int count) {
  if (!contiguous(node->dst[0])) return false;
  for (int i = 0; i < count; i++)
    if (!contiguous(node->src[i]) ||
        dm_nn_cuda_numel(node->src[i]) != dm_nn_cuda_numel(node->dst[0]))
      return false;
  return true;
}

/* ADD / MUL: src1 has src0's numel, 1 element, or src0->shape[0]. */
static bool broadcast_operand(const DmNnNode *node) {
  if (!elementwise(node, 1) || !contiguous(node->src[1])) return false;
  int64_t m = dm_nn_cuda_numel(node->src[1]);
  return m == dm_nn_cuda_numel(node->src[0]) || m == 1 || m == node->src[0]->shape[0];
}

/* dst0 has 1 element or src0->shape[0]. */
static bool total_or_per_sample(const DmTensor *dst, const DmTensor *src) {
  return contiguous(dst) && contiguous(src) &&
         (dm_nn_cuda_numel(dst) == 1 || dm_nn_cuda_numel(dst) == src->shape[0]);
}

/* bias or reduction target of C or N*C elements for x. */
static bool per_channel(const DmTensor *t, const DmTensor *x) {
  int64_t m = dm_nn_cuda_numel(t);
  return contiguous(t) && (m == x->shape[1] || m == x->shape[0] * x->shape[1]);
}

static bool optional_vector(const DmTensor *t, int64_t n) {
  return !t || (contiguous(t) && dm_nn_cuda_numel(t) == n);
}

/* x [N,C,H,W], w [O,C,kh,kw], y [N,O,Ho,Wo] consistent for a convolution. */
static bool conv_shapes(const DmTensor *x, const DmTensor *w, const DmTensor *y, int stride,
                        int pad) {
  if (!contiguous(x) || !contiguous(w) || !contiguous(y) || stride < 1 || pad < 0) return false;
  if (!fits_int(x) || !fits_int(w) || !fits_int(y)) return false;
  if (w->shape[1] != x->shape[1] || y->shape[0] != x->shape[0] || y->shape[1] != w->shape[0])
    return false;
  int64_t ho = (x->shape[2] + 2 * pad - w->shape[2]) / stride + 1;
  int64_t wo = (x->shape[3] + 2 * pad - w->shape[3]) / stride + 1;
  return x->shape[2] + 2 * pad >= w->shape[2] && x->shape[3] + 2 * pad >= w->shape[3] &&
         y->shape[2] == ho && y->shape[3] == wo;
}

static bool matmul_shapes(const DmNnNode *node) {
  const DmTensor *a = node->src[0], *b = node->src[1], *c = node->dst[0];
  if (!contiguous(a) || !contiguous(b) || !contiguous(c)) return false;
  if (!fits_int(a) || !fits_int(b) || !fits_int(c)) return false;
  int64_t a_rows = a->shape[0], a_cols = dm_nn_cuda_numel(a) / (a_rows ? a_rows : 1);
  int64_t b_rows = b->shape[0], b_cols = dm_nn_cuda_numel(b) / (b_rows ? b_rows : 1);
  int64_t m = node->trans_a ? a_cols : a_rows, k = node->trans_a ? a_rows : a_cols;
  int64_t k2 = node->trans_b ? b_cols : b_rows, n = node->trans_b ? b_rows : b_cols;
  return k == k2 && c->shape[0] == m && dm_nn_cuda_numel(c) == m * n;
}

static bool norm_shapes(const DmNnNode *node, bool backward) {
  /* forward: src0 = x; backward: src0 = gy, src1 = x. */
  const DmTensor *x = backward ? node->src[1] : node->src[0];
  if (!contiguous(x) || !contiguous(node->dst[0]) || !same_shape(node->dst[0], x)) return false;
  if (backward && (!contiguous(node->src[0]) || !same_shape(node->src[0], x))) return false;
  int64_t c = x->shape[1];
  const DmTensor *gamma = backward ? node->src[2] : node->src[1];
  if (!optional_vector(gamma, c) || (!backward && !optional_vector(node->src[2], c)))
    return false;
  if (backward) return optional_vector(node->dst[1], c) && optional_vector(node->dst[2], c);
  return true;
}

static bool resample_shapes(const DmTensor *large, const DmTensor *small, int factor) {
  return factor >= 1 && contiguous(large) && contiguous(small) &&
         shape_is(large, small->shape[0], small->shape[1], small->shape[2] * factor,
                  small->shape[3] * factor);
}

static bool backend_supports(void *ctx, const DmNnNode *node) {
  (void)ctx;
  const DmTensor *const *s = node->src;
  DmTensor *const *d = node->dst;
  switch (node->op) {
    case DM_NN_OP_FILL:
    case DM_NN_OP_FILL_NORMAL:
    case DM_NN_OP_FILL_UNIFORM:
      return d[0] && d[0]->data;
    case DM_NN_OP_COPY:
      return d[0] && d[0]->data && s[0] && s[0]->data && same_shape(d[0], s[0]);
    case DM_NN_OP_ADD:
    case DM_NN_OP_MUL:
      return broadcast_operand(node);
    case DM_NN_OP_AFFINE:
      return elementwise(node, 1);
    case DM_NN_OP_ACT:
      return elementwise(node, 1) && node->act >= DM_NN_ACT_RELU && node->act <= DM_NN_ACT_SQRT;
    case DM_NN_OP_ACT_BWD:
      return elementwise(node, 2) && node->act >= DM_NN_ACT_RELU && node->act <= DM_NN_ACT_SQRT;
    case DM_NN_OP_ADD_CHANNEL:
      return elementwise(node, 1) && s[1] && per_channel(s[1], s[0]);
    case DM_NN_OP_REDUCE_CHANNEL:
      return contiguous(s[0]) && d[0] && per_channel(d[0], s[0]);
    case DM_NN_OP_SUM:
    case DM_NN_OP_SUMSQ:
      return d[0] && s[0] && total_or_per_sample(d[0], s[0]);
    case DM_NN_OP_EXPAND:
      return contiguous(d[0]) && contiguous(s[0]) &&
             (dm_nn_cuda_numel(s[0]) == 1 || dm_nn_cuda_numel(s[0]) == d[0]->shape[0]);
    case DM_NN_OP_CONV2D:
      return d[0] && s[0] && s[1] && conv_shapes(s[0], s[1], d[0], node->stride, node->pad) &&
             optional_vector(s[2], s[1]->shape[0]);
    case DM_NN_OP_CONV2D_BWD_DATA:
      return d[0] && s[0] && s[1] && conv_shapes(d[0], s[1], s[0], node->stride, node->pad);
    case DM_NN_OP_CONV2D_BWD_FILTER:
      return d[0] && s[0] && s[1] && conv_shapes(s[0], d[0], s[1], node->stride, node->pad) &&
             optional_vector(d[1], d[0]->shape[0]);
    case DM_NN_OP_MATMUL:
      return d[0] && s[0] && s[1] && matmul_shapes(node);
    case DM_NN_OP_GROUP_NORM:
      return s[0] && d[0] && node->groups >= 1 && s[0]->shape[1] % node->groups == 0 &&
             norm_shapes(node, false) &&
             optional_vector(d[1], 2 * s[0]->shape[0] * node->groups);
    case DM_NN_OP_GROUP_NORM_BWD:
      return s[0] && s[1] && d[0] && node->groups >= 1 &&
             s[1]->shape[1] % node->groups == 0 && norm_shapes(node, true) &&
             contiguous(s[3]) && dm_nn_cuda_numel(s[3]) == 2 * s[1]->shape[0] * node->groups;
    case DM_NN_OP_BATCH_NORM:
      return s[0] && d[0] && norm_shapes(node, false) &&
             (node->training ? optional_vector(s[3], 2 * s[0]->shape[1]) &&
                                   optional_vector(d[1], 2 * s[0]->shape[1])
                             : s[3] && optional_vector(s[3], 2 * s[0]->shape[1]));
    case DM_NN_OP_BATCH_NORM_BWD:
      return s[0] && s[1] && d[0] && norm_shapes(node, true) && s[3] &&
             optional_vector(s[3], 2 * s[1]->shape[1]);
    case DM_NN_OP_UPSAMPLE:
      return d[0] && s[0] && resample_shapes(d[0], s[0], node->factor) &&
             (node->mode == DM_NN_UPSAMPLE_NEAREST || node->mode == DM_NN_UPSAMPLE_BILINEAR);
    case DM_NN_OP_UPSAMPLE_BWD:
      return d[0] && s[0] && resample_shapes(s[0], d[0], node->factor) &&
             (node->mode == DM_NN_UPSAMPLE_NEAREST || node->mode == DM_NN_UPSAMPLE_BILINEAR);
    case DM_NN_OP_AVG_POOL:
      return d[0] && s[0] && resample_shapes(s[0], d[0], node->factor);
    case DM_NN_OP_AVG_POOL_BWD:
      return d[0] && s[0] && resample_shapes(d[0], s[0], node->factor);
    case DM_NN_OP_PERIODIC_WINDOW:
    case DM_NN_OP_PERIODIC_FOLD:
      return d[0] && s[0] && contiguous(d[0]) && contiguous(s[0]) &&
             d[0]->shape[0] == s[0]->shape[0] && d[0]->shape[1] == s[0]->shape[1];
    case DM_NN_OP_LOSS:
      return contiguous(d[0]) && dm_nn_cuda_numel(d[0]) == 1 && contiguous(s[0]) &&
             contiguous(s[1]) && dm_nn_cuda_numel(s[0]) == dm_nn_cuda_numel(s[1]) &&
             dm_nn_cuda_numel(s[0]) > 0 &&
             (node->mode == DM_NN_LOSS_MSE || node->mode == DM_NN_LOSS_L1);
    case DM_NN_OP_LOSS_BWD:
      return elementwise(node, 2) && contiguous(s[2]) && dm_nn_cuda_numel(s[2]) >= 1 &&
             (node->mode == DM_NN_LOSS_MSE || node->mode == DM_NN_LOSS_L1);
    case DM_NN_OP_FOURIER_EMBED:
      return contiguous(d[0]) && contiguous(s[0]) && contiguous(s[1]) &&
             dm_nn_cuda_numel(d[0]) == 2 * dm_nn_cuda_numel(s[0]) * dm_nn_cuda_numel(s[1]);
    case DM_NN_OP_FOURIER_FILTER:
      /* cuFFT takes int sizes and batches. */
      return d[0] && s[0] && s[1] && fits_int(s[0]) && fits_int(d[0]) &&
             dm_nn_fourier_filter_shapes(s[0], s[1], d[0]);
    case DM_NN_OP_ADAM:
      return contiguous(d[0]) && contiguous(d[1]) && contiguous(d[2]) && contiguous(s[0]) &&
             dm_nn_cuda_numel(d[1]) == dm_nn_cuda_numel(d[0]) &&
             dm_nn_cuda_numel(d[2]) == dm_nn_cuda_numel(d[0]) &&
             dm_nn_cuda_numel(s[0]) == dm_nn_cuda_numel(d[0]);
    case DM_NN_OP_COUNT:
      break;
  }
  return false;
}

/* --- Dispatch ------------------------------------------------------------ */

static bool backend_compute(void *ctx, const DmNnNode *node, DmError **error) {
  DmNnCuda *cuda = (DmNnCuda *)ctx;
  if (!backend_supports(ctx, node))
    return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0,
                        "The CUDA backend cannot run kernel op %s with these shapes or "
                        "parameters.",
                        dm_nn_op_name(node->op));
  if (!DM_CUDA_CHECK(cudaSetDevice(cuda->device), error)) return false;
  switch (node->op) {
    case DM_NN_OP_FILL: return dm_nn_cuda_fill(cuda, node, error);
    case DM_NN_OP_FILL_NORMAL: return dm_nn_cuda_fill_normal(cuda, node, error);
    case DM_NN_OP_FILL_UNIFORM: return dm_nn_cuda_fill_uniform(cuda, node, error);
    case DM_NN_OP_COPY: return dm_nn_cuda_copy(cuda, node, error);
    case DM_NN_OP_ADD: return dm_nn_cuda_add(cuda, node, error);
    case DM_NN_OP_MUL: return dm_nn_cuda_mul(cuda, node, error);
    case DM_NN_OP_AFFINE: return dm_nn_cuda_affine(cuda, node, error);
    case DM_NN_OP_ADD_CHANNEL: return dm_nn_cuda_add_channel(cuda, node, error);
    case DM_NN_OP_REDUCE_CHANNEL: return dm_nn_cuda_reduce_channel(cuda, node, error);
    case DM_NN_OP_SUM:
    case DM_NN_OP_SUMSQ: return dm_nn_cuda_sum(cuda, node, error);
    case DM_NN_OP_EXPAND: return dm_nn_cuda_expand(cuda, node, error);
    case DM_NN_OP_ACT: return dm_nn_cuda_act(cuda, node, error);
    case DM_NN_OP_ACT_BWD: return dm_nn_cuda_act_bwd(cuda, node, error);
    case DM_NN_OP_CONV2D: return dm_nn_cuda_conv2d(cuda, node, error);
    case DM_NN_OP_CONV2D_BWD_DATA: return dm_nn_cuda_conv2d_bwd_data(cuda, node, error);
    case DM_NN_OP_CONV2D_BWD_FILTER: return dm_nn_cuda_conv2d_bwd_filter(cuda, node, error);
    case DM_NN_OP_MATMUL: return dm_nn_cuda_matmul(cuda, node, error);
    case DM_NN_OP_GROUP_NORM: return dm_nn_cuda_group_norm(cuda, node, error);
    case DM_NN_OP_GROUP_NORM_BWD: return dm_nn_cuda_group_norm_bwd(cuda, node, error);
    case DM_NN_OP_BATCH_NORM: return dm_nn_cuda_batch_norm(cuda, node, error);
    case DM_NN_OP_BATCH_NORM_BWD: return dm_nn_cuda_batch_norm_bwd(cuda, node, error);
    case DM_NN_OP_UPSAMPLE: return dm_nn_cuda_upsample(cuda, node, error);
    case DM_NN_OP_UPSAMPLE_BWD: return dm_nn_cuda_upsample_bwd(cuda, node, error);
    case DM_NN_OP_AVG_POOL: return dm_nn_cuda_avg_pool(cuda, node, error);
    case DM_NN_OP_AVG_POOL_BWD: return dm_nn_cuda_avg_pool_bwd(cuda, node, error);
    case DM_NN_OP_PERIODIC_WINDOW: return dm_nn_cuda_periodic_window(cuda, node, error);
    case DM_NN_OP_PERIODIC_FOLD: return dm_nn_cuda_periodic_fold(cuda, node, error);
    case DM_NN_OP_LOSS: return dm_nn_cuda_loss(cuda, node, error);
    case DM_NN_OP_LOSS_BWD: return dm_nn_cuda_loss_bwd(cuda, node, error);
    case DM_NN_OP_FOURIER_EMBED: return dm_nn_cuda_fourier_embed(cuda, node, error);
    case DM_NN_OP_FOURIER_FILTER: return dm_nn_cuda_fourier_filter(cuda, node, error);
    case DM_NN_OP_ADAM: return dm_nn_cuda_adam(cuda, node, error);
    case DM_NN_OP_COUNT: break;
  }
  return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0, "Unknown kernel op %d.", (int)node->op);
}

static const DmNnBackendFuncs cuda_funcs = {
    "cuda",
    backend_destroy,
    backend_alloc,
    backend_release,
    backend_upload,
    backend_download,
    backend_synchronize,
    backend_supports,
    backend_compute,
    backend_describe,
};

/* --- Creation ------------------------------------------------------------ */

bool dm_cuda_nn_backend_new(bool allow_tf32, DmNnBackend *out, DmError **error) {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count < 1) {
    cudaGetLastError();  /* no driver or no device: clear the runtime's last error */
    return dm_error_set(error, DM_ERROR_GPU, (int)status,
                        "No usable CUDA device for the network engine: %s.",
                        status != cudaSuccess ? cudaGetErrorString(status) : "none found");
  }
  DmNnCuda *cuda = (DmNnCuda *)calloc(1, sizeof *cuda);
  if (!cuda)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the CUDA backend.");
  cuda->device = 0;
  cuda->allow_tf32 = allow_tf32;
  cudaDeviceProp prop;
  bool ok = DM_CUDA_CHECK(cudaSetDevice(cuda->device), error) &&
            DM_CUDA_CHECK(cudaGetDeviceProperties(&prop, cuda->device), error) &&
            DM_CUDA_CHECK(cudaStreamCreateWithFlags(&cuda->stream, cudaStreamNonBlocking),
                          error) &&
            DM_CUDNN_CHECK(cudnnCreate(&cuda->cudnn), error);
  if (!ok) cuda->cudnn = NULL;
  ok = ok && DM_CUDNN_CHECK(cudnnSetStream(cuda->cudnn, cuda->stream), error) &&
       DM_CUBLAS_CHECK(cublasCreate(&cuda->cublas), error);
  if (!ok) cuda->cublas = NULL;
  ok = ok && DM_CUBLAS_CHECK(cublasSetStream(cuda->cublas, cuda->stream), error) &&
       DM_CUBLAS_CHECK(cublasSetPointerMode(cuda->cublas, CUBLAS_POINTER_MODE_HOST), error) &&
       DM_CUBLAS_CHECK(cublasSetMathMode(cuda->cublas, allow_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                  : CUBLAS_PEDANTIC_MATH),
                       error);
  if (!ok) {
    dm_error_prefix(error, "Cannot start the CUDA backend of the network engine");
    backend_destroy(cuda);
    return false;
  }
  size_t cudnn_version = cudnnGetVersion();
  snprintf(cuda->description, sizeof cuda->description, "cuda: %.200s (cuDNN %zu.%zu, TF32 %s)",
           prop.name, cudnn_version / 10000, cudnn_version % 10000 / 100,
           allow_tf32 ? "on" : "off");
  out->funcs = &cuda_funcs;
  out->ctx = cuda;
  return true;
}

/* The CUDA backend of the network engine: its state and the kernel ops that
 * nn-cuda-backend.cu dispatches to (CUDA sources only).
 *
 * One backend owns one stream, one cuDNN handle and one cuBLAS handle bound
 * to that stream, and one device workspace grown on demand (cuDNN
 * convolution workspaces and the partial sums of the reductions).  Every op
 * below queues its work on the stream and returns; a failure becomes a
 * DmError (DM_ERROR_GPU) with the library's message and the call's
 * file:line.  The ops may assume what supports() in nn-cuda-backend.cu
 * checked: tensors present, contiguous (except FILL* and COPY), sizes in
 * range for the libraries' int arguments. */
#ifndef DARKMAP_NN_CUDA_H
#define DARKMAP_NN_CUDA_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <stdint.h>

#include "gpu-error.h"
#include "nn/nn-backend.h"

/* The convolution algorithms chosen per shape (nn-cuda-conv.cu). */
typedef struct DmNnCudaConvPlan DmNnCudaConvPlan;

typedef struct {
  int device;
  bool allow_tf32;            /* TF32 tensor cores in cuDNN and cuBLAS */
  cudaStream_t stream;
  cudnnHandle_t cudnn;        /* bound to stream; NULL until created */
  cublasHandle_t cublas;      /* bound to stream; NULL until created */
  void *workspace;            /* device, workspace_bytes; grown on demand */
  size_t workspace_bytes;
  DmNnCudaConvPlan *conv_plans;  /* malloc'd array, conv_plan_count used */
  size_t conv_plan_count, conv_plan_capacity;
  char description[256];
} DmNnCuda;

/* cuDNN / cuBLAS status to DmError (nn-cuda-error.cu), as DM_CUDA_CHECK in
 * gpu-error.h: true on success, else *error is set and false returned. */
bool dm_nn_cuda_check_cudnn(cudnnStatus_t status, const char *call, const char *file, int line,
                            DmError **error);
bool dm_nn_cuda_check_cublas(cublasStatus_t status, const char *call, const char *file,
                             int line, DmError **error);
#define DM_CUDNN_CHECK(call, error) \
  dm_nn_cuda_check_cudnn((call), #call, __FILE__, __LINE__, (error))
#define DM_CUBLAS_CHECK(call, error) \
  dm_nn_cuda_check_cublas((call), #call, __FILE__, __LINE__, (error))

/* A device workspace of at least bytes, valid until the next call (work
 * queued on the stream before a growth is waited for first).  NULL and
 * *error set on failure.  bytes = 0 gives the current buffer (maybe NULL). */
void *dm_nn_cuda_workspace(DmNnCuda *cuda, size_t bytes, DmError **error);

/* Element-wise ops (nn-cuda-elementwise.cu). */
bool dm_nn_cuda_fill(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_fill_normal(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_fill_uniform(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_copy(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_add(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_mul(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_affine(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_add_channel(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_expand(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_act(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_act_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_loss_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_fourier_embed(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_adam(DmNnCuda *cuda, const DmNnNode *node, DmError **error);

/* Deterministic reductions (nn-cuda-reduce.cu). */
bool dm_nn_cuda_sum(DmNnCuda *cuda, const DmNnNode *node, DmError **error);  /* SUM, SUMSQ */
bool dm_nn_cuda_reduce_channel(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_loss(DmNnCuda *cuda, const DmNnNode *node, DmError **error);

/* cuDNN convolutions (nn-cuda-conv.cu). */
bool dm_nn_cuda_conv2d(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_conv2d_bwd_data(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_conv2d_bwd_filter(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
void dm_nn_cuda_conv_plans_free(DmNnCuda *cuda);

/* cuBLAS GEMM (nn-cuda-matmul.cu). */
bool dm_nn_cuda_matmul(DmNnCuda *cuda, const DmNnNode *node, DmError **error);

/* Normalisation (nn-cuda-norm.cu). */
bool dm_nn_cuda_group_norm(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_group_norm_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_batch_norm(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_batch_norm_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error);

/* Resampling (nn-cuda-resample.cu). */
bool dm_nn_cuda_upsample(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_upsample_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_avg_pool(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_avg_pool_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_periodic_window(DmNnCuda *cuda, const DmNnNode *node, DmError **error);
bool dm_nn_cuda_periodic_fold(DmNnCuda *cuda, const DmNnNode *node, DmError **error);

/* Launch geometry shared by the kernels. */
enum {
  DM_NN_CUDA_THREADS = 256,          /* threads per block, every kernel */
  DM_NN_CUDA_MAX_BLOCKS = 1 << 20,   /* grid-stride loops beyond this */
};

static inline int64_t dm_nn_cuda_numel(const DmTensor *t) {
  return t->shape[0] * t->shape[1] * t->shape[2] * t->shape[3];
}

/* Blocks for a grid-stride loop over n >= 1 items. */
static inline unsigned dm_nn_cuda_blocks(int64_t n) {
  int64_t blocks = (n + DM_NN_CUDA_THREADS - 1) / DM_NN_CUDA_THREADS;
  if (blocks < 1) blocks = 1;
  return blocks > DM_NN_CUDA_MAX_BLOCKS ? (unsigned)DM_NN_CUDA_MAX_BLOCKS : (unsigned)blocks;
}

/* for (i = global thread index; i < n; i += grid size), 64-bit. */
#define DM_NN_CUDA_GRID_LOOP(i, n)                                             \
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n);    \
       i += (int64_t)gridDim.x * blockDim.x)

/* After a kernel launch: whether it was accepted (launch configuration,
 * earlier asynchronous faults), reported at the caller's file:line. */
#define DM_NN_CUDA_LAUNCHED(error) DM_CUDA_CHECK(cudaGetLastError(), (error))

#ifdef __CUDACC__
/* Sum of v over the block's `threads` threads (a power of two, the block's
 * size), in a fixed order (a tree over thread indices), so that the result
 * is bit-reproducible.  Every thread of the block must call it; all of them
 * get the sum.  shared: `threads` doubles. */
template <unsigned threads>
static __device__ inline double dm_nn_cuda_block_sum(double v, double *shared) {
  unsigned t = threadIdx.x;
  shared[t] = v;
  __syncthreads();
  for (unsigned half = threads / 2; half > 0; half /= 2) {
    if (t < half) shared[t] += shared[t + half];
    __syncthreads();
  }
  double sum = shared[0];
  __syncthreads();
  return sum;
}
#endif

#endif

/* Group and batch normalisation of the CUDA backend (see nn-cuda.h and
 * nn/nn-backend.h), forward and backward, with own kernels.
 *
 * Group norm: the statistics of each (sample, group) set are summed in
 * double over chunks of the set in parallel, then combined in a fixed order
 * (see below).  Batch norm: one block per channel sums its values in double
 * in a fixed order (dm_nn_cuda_block_sum), then normalises or
 * differentiates them.  Both are bit-reproducible.  With xhat = (x - mean) rstd and
 * dxhat = gy gamma, the input gradient over a set of M values is
 *   gx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)).
 * gamma / beta may be NULL (1 / 0); so may the gradients dgamma / dbeta.
 *
 * Statistics layouts: group norm stats [N*G*2] hold (mean, rstd) of
 * (n, g) at 2 (n G + g) and 2 (n G + g) + 1; batch norm stats [2*C] hold
 * mean[C] then rstd[C], as the running statistics hold mean[C] then
 * var[C]. */
#include <math.h>

#include "nn-cuda.h"

/* Threads per batch-norm statistics block: few, large sets (C of them),
 * so wide blocks keep enough loads in flight. */
enum { NORM_THREADS = 1024 };

static __device__ float gamma_at(const float *gamma, int64_t c) { return gamma ? gamma[c] : 1.0f; }
static __device__ float beta_at(const float *beta, int64_t c) { return beta ? beta[c] : 0.0f; }

static const float *data_or_null(const DmTensor *t) { return t ? t->data : NULL; }
static float *out_or_null(DmTensor *t) { return t ? t->data : NULL; }

/* --- Group norm ------------------------------------------------------------- */

/* Group norm runs in three passes so that every set, however few there are
 * (N G of them: 8 at batch 1), spreads over the whole GPU:
 *   1. block (set, chunk) sums NORM_CHUNK values of its set in double
 *      (fixed chunk boundaries and a fixed tree: bit-reproducible);
 *   2. one thread per set adds its chunks' partial sums in order;
 *   3. an element-wise kernel over every value applies the result.
 * Set b = n G + g holds the contiguous run x[b L .. b L + L), L = (C/G) HW. */
enum { NORM_CHUNK = 4096 };

static int64_t chunks_for(int64_t length) { return (length + NORM_CHUNK - 1) / NORM_CHUNK; }

/* Pass 1, forward: partial[2 (set chunks + chunk) + {0, 1}] = sums of x, x^2. */
__global__ static void __launch_bounds__(DM_NN_CUDA_THREADS)
    group_norm_partial_kernel(double *partial, const float *x, int64_t length, int64_t chunks) {
  __shared__ double shared[DM_NN_CUDA_THREADS];
  int64_t set = blockIdx.x / chunks, chunk = blockIdx.x % chunks;
  int64_t begin = chunk * NORM_CHUNK, end = min(begin + (int64_t)NORM_CHUNK, length);
  const float *xs = x + set * length;
  double s = 0.0, ss = 0.0;
  for (int64_t i = begin + threadIdx.x; i < end; i += DM_NN_CUDA_THREADS) {
    double v = xs[i];
    s += v;
    ss += v * v;
  }
  s = dm_nn_cuda_block_sum<DM_NN_CUDA_THREADS>(s, shared);
  ss = dm_nn_cuda_block_sum<DM_NN_CUDA_THREADS>(ss, shared);
  if (threadIdx.x == 0) {
    partial[2 * blockIdx.x] = s;
    partial[2 * blockIdx.x + 1] = ss;
  }
}

/* Pass 2, forward: stats[2 set] = mean, stats[2 set + 1] = rstd. */
__global__ static void group_norm_stats_kernel(float *stats, const double *partial, int64_t sets,
                                               int64_t chunks, int64_t length, float eps) {
  DM_NN_CUDA_GRID_LOOP(set, sets) {
    double s = 0.0, ss = 0.0;
    for (int64_t k = 0; k < chunks; k++) {
      s += partial[2 * (set * chunks + k)];
      ss += partial[2 * (set * chunks + k) + 1];
    }
    double mean = s / (double)length;
    double var = fmax(ss / (double)length - mean * mean, 0.0);
    stats[2 * set] = (float)mean;
    stats[2 * set + 1] = (float)(1.0 / sqrt(var + (double)eps));
  }
}

/* Pass 3, forward: y = (x - mean) rstd gamma + beta over all n values. */
__global__ static void group_norm_apply_kernel(float *y, const float *x, const float *stats,
                                               const float *gamma, const float *beta, int64_t n,
                                               int64_t groups, int64_t channels_per_group,
                                               int64_t hw) {
  int64_t length = channels_per_group * hw;
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t set = i / length;
    int64_t c = (set % groups) * channels_per_group + (i % length) / hw;
    y[i] = (x[i] - stats[2 * set]) * stats[2 * set + 1] * gamma_at(gamma, c) + beta_at(beta, c);
  }
}

/* Pass 1, backward: sums of dxhat = gy gamma and dxhat xhat per chunk. */
__global__ static void __launch_bounds__(DM_NN_CUDA_THREADS)
    group_norm_bwd_partial_kernel(double *partial, const float *gy, const float *x,
                                  const float *gamma, const float *stats, int64_t groups,
                                  int64_t channels_per_group, int64_t hw, int64_t chunks) {
  __shared__ double shared[DM_NN_CUDA_THREADS];
  int64_t length = channels_per_group * hw;
  int64_t set = blockIdx.x / chunks, chunk = blockIdx.x % chunks, g = set % groups;
  int64_t begin = chunk * NORM_CHUNK, end = min(begin + (int64_t)NORM_CHUNK, length);
  int64_t base = set * length;
  float mean = stats[2 * set], rstd = stats[2 * set + 1];
  double s1 = 0.0, s2 = 0.0;
  for (int64_t i = begin + threadIdx.x; i < end; i += DM_NN_CUDA_THREADS) {
    int64_t c = g * channels_per_group + i / hw;
    double dxhat = (double)gy[base + i] * gamma_at(gamma, c);
    s1 += dxhat;
    s2 += dxhat * ((x[base + i] - mean) * rstd);
  }
  s1 = dm_nn_cuda_block_sum<DM_NN_CUDA_THREADS>(s1, shared);
  s2 = dm_nn_cuda_block_sum<DM_NN_CUDA_THREADS>(s2, shared);
  if (threadIdx.x == 0) {
    partial[2 * blockIdx.x] = s1;
    partial[2 * blockIdx.x + 1] = s2;
  }
}

/* Pass 2, backward: means[2 set] = mean(dxhat), means[2 set + 1] =
 * mean(dxhat xhat), from the partial sums in order. */
__global__ static void group_norm_bwd_means_kernel(float *means, const double *partial,
                                                   int64_t sets, int64_t chunks, int64_t length) {
  DM_NN_CUDA_GRID_LOOP(set, sets) {
    double s1 = 0.0, s2 = 0.0;
    for (int64_t k = 0; k < chunks; k++) {
      s1 += partial[2 * (set * chunks + k)];
      s2 += partial[2 * (set * chunks + k) + 1];
    }
    means[2 * set] = (float)(s1 / (double)length);
    means[2 * set + 1] = (float)(s2 / (double)length);
  }
}

/* Pass 3, backward: gx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)). */
__global__ static void group_norm_bwd_apply_kernel(float *gx, const float *gy, const float *x,
                                                   const float *gamma, const float *stats,
                                                   const float *means, int64_t n, int64_t groups,
                                                   int64_t channels_per_group, int64_t hw) {
  int64_t length = channels_per_group * hw;
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t set = i / length;
    int64_t c = (set % groups) * channels_per_group + (i % length) / hw;
    float mean = stats[2 * set], rstd = stats[2 * set + 1];
    float xhat = (x[i] - mean) * rstd;
    float dxhat = gy[i] * gamma_at(gamma, c);
    gx[i] = rstd * (dxhat - means[2 * set] - xhat * means[2 * set + 1]);
  }
}

/* dgamma[c] = sum_{n,hw} gy xhat, dbeta[c] = sum_{n,hw} gy, in two passes:
 * block (c, chunk) sums a chunk of channel c's N HW values (the chunk
 * index runs over n HW), then one thread per channel adds its chunks. */
__global__ static void __launch_bounds__(DM_NN_CUDA_THREADS)
    group_norm_affine_partial_kernel(double *partial, const float *gy, const float *x,
                                     const float *stats, int64_t samples, int64_t channels,
                                     int64_t groups, int64_t hw, int64_t chunks) {
  __shared__ double shared[DM_NN_CUDA_THREADS];
  int64_t c = blockIdx.x / chunks, chunk = blockIdx.x % chunks, g = c / (channels / groups);
  int64_t begin = chunk * NORM_CHUNK, end = min(begin + (int64_t)NORM_CHUNK, samples * hw);
  double sg = 0.0, sgx = 0.0;
  for (int64_t j = begin + threadIdx.x; j < end; j += DM_NN_CUDA_THREADS) {
    int64_t n = j / hw, i = (n * channels + c) * hw + j % hw;
    int64_t set = n * groups + g;
    float xhat = (x[i] - stats[2 * set]) * stats[2 * set + 1];
    sg += gy[i];
    sgx += (double)gy[i] * xhat;
  }
  sg = dm_nn_cuda_block_sum<DM_NN_CUDA_THREADS>(sg, shared);
  sgx = dm_nn_cuda_block_sum<DM_NN_CUDA_THREADS>(sgx, shared);
  if (threadIdx.x == 0) {
    partial[2 * blockIdx.x] = sgx;
    partial[2 * blockIdx.x + 1] = sg;
  }
}

__global__ static void group_norm_affine_sum_kernel(float *dgamma, float *dbeta,
                                                    const double *partial, int64_t channels,
                                                    int64_t chunks) {
  DM_NN_CUDA_GRID_LOOP(c, channels) {
    double sgx = 0.0, sg = 0.0;
    for (int64_t k = 0; k < chunks; k++) {
      sgx += partial[2 * (c * chunks + k)];
      sg += partial[2 * (c * chunks + k) + 1];
    }
    if (dgamma) dgamma[c] = (float)sgx;
    if (dbeta) dbeta[c] = (float)sg;
  }
}

/* Statistics blocks for sets of length values, refused past the grid. */
static bool partial_grid(int64_t sets, int64_t length, int64_t *chunks, DmError **error) {
  *chunks = chunks_for(length);
  if (sets * *chunks > INT32_MAX)
    return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0,
                        "Too many normalisation sets for the GPU grid.");
  return true;
}

bool dm_nn_cuda_group_norm(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0];
  int64_t n = dm_nn_cuda_numel(x), sets = x->shape[0] * node->groups;
  int64_t channels_per_group = x->shape[1] / node->groups, hw = x->shape[2] * x->shape[3];
  int64_t length = channels_per_group * hw, chunks;
  if (sets == 0 || n == 0) return true;
  if (!partial_grid(sets, length, &chunks, error)) return false;
  /* Workspace: the partial sums, then the statistics when the caller keeps none. */
  size_t partial_bytes = (size_t)(sets * chunks) * 2 * sizeof(double);
  char *work = (char *)dm_nn_cuda_workspace(cuda, partial_bytes + (size_t)sets * 2 * sizeof(float),
                                            error);
  if (!work) return false;
  double *partial = (double *)work;
  float *stats = node->dst[1] ? node->dst[1]->data : (float *)(work + partial_bytes);
  group_norm_partial_kernel<<<(unsigned)(sets * chunks), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      partial, x->data, length, chunks);
  if (!DM_NN_CUDA_LAUNCHED(error)) return false;
  group_norm_stats_kernel<<<dm_nn_cuda_blocks(sets), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      stats, partial, sets, chunks, length, node->eps);
  if (!DM_NN_CUDA_LAUNCHED(error)) return false;
  group_norm_apply_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, x->data, stats, data_or_null(node->src[1]),
      data_or_null(node->src[2]), n, node->groups, channels_per_group, hw);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_group_norm_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *gy = node->src[0], *x = node->src[1];
  const float *gamma = data_or_null(node->src[2]), *stats = node->src[3]->data;
  int64_t n = dm_nn_cuda_numel(x), sets = x->shape[0] * node->groups;
  int64_t channels_per_group = x->shape[1] / node->groups, hw = x->shape[2] * x->shape[3];
  int64_t length = channels_per_group * hw, chunks, affine_chunks;
  if (n == 0) return true;
  if (!partial_grid(sets, length, &chunks, error) ||
      !partial_grid(x->shape[1], x->shape[0] * hw, &affine_chunks, error))
    return false;
  /* Workspace: partial sums (data, then affine), then the per-set means. */
  size_t data_bytes = (size_t)(sets * chunks) * 2 * sizeof(double);
  size_t affine_bytes = (size_t)(x->shape[1] * affine_chunks) * 2 * sizeof(double);
  char *work = (char *)dm_nn_cuda_workspace(
      cuda, data_bytes + affine_bytes + (size_t)sets * 2 * sizeof(float), error);
  if (!work) return false;
  double *partial = (double *)work, *affine_partial = (double *)(work + data_bytes);
  float *means = (float *)(work + data_bytes + affine_bytes);

  group_norm_bwd_partial_kernel<<<(unsigned)(sets * chunks), DM_NN_CUDA_THREADS, 0,
                                  cuda->stream>>>(partial, gy->data, x->data, gamma, stats,
                                                  node->groups, channels_per_group, hw, chunks);
  if (!DM_NN_CUDA_LAUNCHED(error)) return false;
  group_norm_bwd_means_kernel<<<dm_nn_cuda_blocks(sets), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      means, partial, sets, chunks, length);
  if (!DM_NN_CUDA_LAUNCHED(error)) return false;
  group_norm_bwd_apply_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, gy->data, x->data, gamma, stats, means, n, node->groups,
      channels_per_group, hw);
  if (!DM_NN_CUDA_LAUNCHED(error)) return false;
  if (!node->dst[1] && !node->dst[2]) return true;
  group_norm_affine_partial_kernel<<<(unsigned)(x->shape[1] * affine_chunks), DM_NN_CUDA_THREADS,
                                     0, cuda->stream>>>(affine_partial, gy->data, x->data, stats,
                                                        x->shape[0], x->shape[1], node->groups,
                                                        hw, affine_chunks);
  if (!DM_NN_CUDA_LAUNCHED(error)) return false;
  group_norm_affine_sum_kernel<<<dm_nn_cuda_blocks(x->shape[1]), DM_NN_CUDA_THREADS, 0,
                                 cuda->stream>>>(out_or_null(node->dst[1]),
                                                 out_or_null(node->dst[2]), affine_partial,
                                                 x->shape[1], affine_chunks);
  return DM_NN_CUDA_LAUNCHED(error);
}

/* --- Batch norm -------------------------------------------------------------- */

/* Training: one block per channel c over its N HW values (planes n C + c).
 * stats and running may be NULL. */
__global__ static void __launch_bounds__(NORM_THREADS)
    batch_norm_train_kernel(float *y, float *stats, float *running, const float *x,
                            const float *gamma, const float *beta, int64_t samples,
                            int64_t channels, int64_t hw, float eps, float momentum) {
  __shared__ double shared[NORM_THREADS];
  int64_t c = blockIdx.x, count = samples * hw;
  double s = 0.0, ss = 0.0;
  for (int64_t j = threadIdx.x; j < count; j += NORM_THREADS) {
    double v = x[((j / hw) * channels + c) * hw + j % hw];
    s += v;
    ss += v * v;
  }
  s = dm_nn_cuda_block_sum<NORM_THREADS>(s, shared);
  ss = dm_nn_cuda_block_sum<NORM_THREADS>(ss, shared);
  double mean = s / (double)count;
  double var = fmax(ss / (double)count - mean * mean, 0.0); /* biased: normalises */
  float mean_f = (float)mean, rstd_f = (float)(1.0 / sqrt(var + (double)eps));
  if (threadIdx.x == 0) {
    if (stats) {
      stats[c] = mean_f;
      stats[channels + c] = rstd_f;
    }
    if (running) {
      double unbiased = count > 1 ? var * (double)count / (double)(count - 1) : var;
      running[c] = (1.0f - momentum) * running[c] + momentum * mean_f;
      running[channels + c] =
          (1.0f - momentum) * running[channels + c] + momentum * (float)unbiased;
    }
  }
  float scale = rstd_f * gamma_at(gamma, c), shift = beta_at(beta, c);
  for (int64_t j = threadIdx.x; j < count; j += NORM_THREADS) {
    int64_t i = ((j / hw) * channels + c) * hw + j % hw;
    y[i] = (x[i] - mean_f) * scale + shift;
  }
}

/* Evaluation with the running statistics: element-wise; stats (may be
 * NULL) get the running mean and its rstd. */
__global__ static void batch_norm_eval_kernel(float *y, float *stats, const float *x,
                                              const float *running, const float *gamma,
                                              const float *beta, int64_t n, int64_t channels,
                                              int64_t hw, float eps) {
  if (stats) {
    DM_NN_CUDA_GRID_LOOP(c, channels) {
      stats[c] = running[c];
      stats[channels + c] = (float)(1.0 / sqrt((double)running[channels + c] + (double)eps));
    }
  }
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t c = (i / hw) % channels;
    float rstd = (float)(1.0 / sqrt((double)running[channels + c] + (double)eps));
    y[i] = (x[i] - running[c]) * rstd * gamma_at(gamma, c) + beta_at(beta, c);
  }
}

/* Training-mode backward, one block per channel; dgamma / dbeta may be NULL. */
__global__ static void __launch_bounds__(NORM_THREADS)
    batch_norm_bwd_kernel(float *gx, float *dgamma, float *dbeta, const float *gy, const float *x,
                          const float *gamma, const float *stats, int64_t samples, int64_t channels,
                          int64_t hw) {
  __shared__ double shared[NORM_THREADS];
  int64_t c = blockIdx.x, count = samples * hw;
  float mean = stats[c], rstd = stats[channels + c];
  double s1 = 0.0, s2 = 0.0;
  for (int64_t j = threadIdx.x; j < count; j += NORM_THREADS) {
    int64_t i = ((j / hw) * channels + c) * hw + j % hw;
    s1 += gy[i];
    s2 += (double)gy[i] * ((x[i] - mean) * rstd);
  }
  s1 = dm_nn_cuda_block_sum<NORM_THREADS>(s1, shared);
  s2 = dm_nn_cuda_block_sum<NORM_THREADS>(s2, shared);
  if (threadIdx.x == 0) {
    if (dgamma) dgamma[c] = (float)s2;
    if (dbeta) dbeta[c] = (float)s1;
  }
  float g = gamma_at(gamma, c);
  float mean_gy = (float)(s1 / (double)count), mean_gy_xhat = (float)(s2 / (double)count);
  for (int64_t j = threadIdx.x; j < count; j += NORM_THREADS) {
    int64_t i = ((j / hw) * channels + c) * hw + j % hw;
    float xhat = (x[i] - mean) * rstd;
    gx[i] = g * rstd * (gy[i] - mean_gy - xhat * mean_gy_xhat);
  }
}

bool dm_nn_cuda_batch_norm(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0];
  int64_t n = dm_nn_cuda_numel(x), channels = x->shape[1], hw = x->shape[2] * x->shape[3];
  if (n == 0) return true;
  if (channels > INT32_MAX)
    return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0, "Too many channels for the GPU grid.");
  if (node->training)
    batch_norm_train_kernel<<<(unsigned)channels, NORM_THREADS, 0, cuda->stream>>>(
        node->dst[0]->data, out_or_null(node->dst[1]), node->src[3] ? node->src[3]->data : NULL,
        x->data, data_or_null(node->src[1]), data_or_null(node->src[2]), x->shape[0], channels, hw,
        node->eps, node->momentum);
  else
    batch_norm_eval_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
        node->dst[0]->data, out_or_null(node->dst[1]), x->data, node->src[3]->data,
        data_or_null(node->src[1]), data_or_null(node->src[2]), n, channels, hw, node->eps);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_batch_norm_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *gy = node->src[0], *x = node->src[1];
  int64_t channels = x->shape[1];
  if (dm_nn_cuda_numel(x) == 0) return true;
  if (channels > INT32_MAX)
    return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0, "Too many channels for the GPU grid.");
  batch_norm_bwd_kernel<<<(unsigned)channels, NORM_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, out_or_null(node->dst[1]), out_or_null(node->dst[2]), gy->data, x->data,
      data_or_null(node->src[2]), node->src[3]->data, x->shape[0], channels,
      x->shape[2] * x->shape[3]);
  return DM_NN_CUDA_LAUNCHED(error);
}

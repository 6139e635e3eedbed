/* Group and batch normalisation of the CUDA backend (see nn-cuda.h and
 * nn/nn-backend.h), forward and backward, with own kernels.
 *
 * One block per statistic set: a (sample, group) for group norm, a channel
 * for batch norm.  The block sums its values in double in a fixed order
 * (dm_nn_cuda_block_sum), so results are bit-reproducible, then normalises
 * or differentiates the same values.  With xhat = (x - mean) rstd and
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

/* Threads per statistics block: few, large sets (N G or C of them), so
 * wide blocks keep enough loads in flight. */
enum { NORM_THREADS = 1024 };

static __device__ float gamma_at(const float *gamma, int64_t c) { return gamma ? gamma[c] : 1.0f; }
static __device__ float beta_at(const float *beta, int64_t c) { return beta ? beta[c] : 0.0f; }

static const float *data_or_null(const DmTensor *t) { return t ? t->data : NULL; }
static float *out_or_null(DmTensor *t) { return t ? t->data : NULL; }

/* --- Group norm ------------------------------------------------------------- */

/* Block b = n G + g normalises the contiguous run x[b L .. b L + L), L =
 * (C/G) HW; stats may be NULL. */
__global__ static void __launch_bounds__(NORM_THREADS)
    group_norm_kernel(float *y, float *stats, const float *x, const float *gamma, const float *beta,
                      int64_t groups, int64_t channels_per_group, int64_t hw, float eps) {
  __shared__ double shared[NORM_THREADS];
  int64_t block = blockIdx.x, length = channels_per_group * hw;
  int64_t g = block % groups, base = block * length;
  double s = 0.0, ss = 0.0;
  for (int64_t i = threadIdx.x; i < length; i += NORM_THREADS) {
    double v = x[base + i];
    s += v;
    ss += v * v;
  }
  s = dm_nn_cuda_block_sum<NORM_THREADS>(s, shared);
  ss = dm_nn_cuda_block_sum<NORM_THREADS>(ss, shared);
  double mean = s / (double)length;
  double var = fmax(ss / (double)length - mean * mean, 0.0);
  float mean_f = (float)mean, rstd_f = (float)(1.0 / sqrt(var + (double)eps));
  if (threadIdx.x == 0 && stats) {
    stats[2 * block] = mean_f;
    stats[2 * block + 1] = rstd_f;
  }
  for (int64_t i = threadIdx.x; i < length; i += NORM_THREADS) {
    int64_t c = g * channels_per_group + i / hw;
    y[base + i] = (x[base + i] - mean_f) * rstd_f * gamma_at(gamma, c) + beta_at(beta, c);
  }
}

/* The input gradient, one block per (n, g) as above. */
__global__ static void __launch_bounds__(NORM_THREADS)
    group_norm_bwd_data_kernel(float *gx, const float *gy, const float *x, const float *gamma,
                               const float *stats, int64_t groups, int64_t channels_per_group,
                               int64_t hw) {
  __shared__ double shared[NORM_THREADS];
  int64_t block = blockIdx.x, length = channels_per_group * hw;
  int64_t g = block % groups, base = block * length;
  float mean = stats[2 * block], rstd = stats[2 * block + 1];
  double s1 = 0.0, s2 = 0.0;
  for (int64_t i = threadIdx.x; i < length; i += NORM_THREADS) {
    int64_t c = g * channels_per_group + i / hw;
    double dxhat = (double)gy[base + i] * gamma_at(gamma, c);
    s1 += dxhat;
    s2 += dxhat * ((x[base + i] - mean) * rstd);
  }
  s1 = dm_nn_cuda_block_sum<NORM_THREADS>(s1, shared);
  s2 = dm_nn_cuda_block_sum<NORM_THREADS>(s2, shared);
  float mean_dxhat = (float)(s1 / (double)length), mean_dxhat_xhat = (float)(s2 / (double)length);
  for (int64_t i = threadIdx.x; i < length; i += NORM_THREADS) {
    int64_t c = g * channels_per_group + i / hw;
    float xhat = (x[base + i] - mean) * rstd;
    float dxhat = gy[base + i] * gamma_at(gamma, c);
    gx[base + i] = rstd * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat);
  }
}

/* dgamma[c] = sum_{n,hw} gy xhat, dbeta[c] = sum_{n,hw} gy: one block per
 * channel c; either output may be NULL. */
__global__ static void __launch_bounds__(NORM_THREADS)
    group_norm_bwd_affine_kernel(float *dgamma, float *dbeta, const float *gy, const float *x,
                                 const float *stats, int64_t samples, int64_t channels,
                                 int64_t groups, int64_t hw) {
  __shared__ double shared[NORM_THREADS];
  int64_t c = blockIdx.x, g = c / (channels / groups);
  double sg = 0.0, sgx = 0.0;
  for (int64_t j = threadIdx.x; j < samples * hw; j += NORM_THREADS) {
    int64_t n = j / hw, i = (n * channels + c) * hw + j % hw;
    int64_t set = n * groups + g;
    float xhat = (x[i] - stats[2 * set]) * stats[2 * set + 1];
    sg += gy[i];
    sgx += (double)gy[i] * xhat;
  }
  sg = dm_nn_cuda_block_sum<NORM_THREADS>(sg, shared);
  sgx = dm_nn_cuda_block_sum<NORM_THREADS>(sgx, shared);
  if (threadIdx.x == 0) {
    if (dgamma) dgamma[c] = (float)sgx;
    if (dbeta) dbeta[c] = (float)sg;
  }
}

bool dm_nn_cuda_group_norm(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0];
  int64_t sets = x->shape[0] * node->groups;
  if (sets == 0 || dm_nn_cuda_numel(x) == 0) return true;
  if (sets > INT32_MAX)
    return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0, "Too many groups for the GPU grid.");
  group_norm_kernel<<<(unsigned)sets, NORM_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, out_or_null(node->dst[1]), x->data, data_or_null(node->src[1]),
      data_or_null(node->src[2]), node->groups, x->shape[1] / node->groups,
      x->shape[2] * x->shape[3], node->eps);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_group_norm_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *gy = node->src[0], *x = node->src[1];
  int64_t sets = x->shape[0] * node->groups, hw = x->shape[2] * x->shape[3];
  if (dm_nn_cuda_numel(x) == 0) return true;
  if (sets > INT32_MAX || x->shape[1] > INT32_MAX)
    return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0, "Too many groups for the GPU grid.");
  group_norm_bwd_data_kernel<<<(unsigned)sets, NORM_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, gy->data, x->data, data_or_null(node->src[2]), node->src[3]->data,
      node->groups, x->shape[1] / node->groups, hw);
  if (!DM_NN_CUDA_LAUNCHED(error)) return false;
  if (!node->dst[1] && !node->dst[2]) return true;
  group_norm_bwd_affine_kernel<<<(unsigned)x->shape[1], NORM_THREADS, 0, cuda->stream>>>(
      out_or_null(node->dst[1]), out_or_null(node->dst[2]), gy->data, x->data, node->src[3]->data,
      x->shape[0], x->shape[1], node->groups, hw);
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

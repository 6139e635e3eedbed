/* Deterministic reductions of the CUDA backend (see nn-cuda.h): SUM and
 * SUMSQ (total or per sample), REDUCE_CHANNEL and the losses.
 *
 * Two passes, both in double, without atomics, so that the same inputs give
 * the same bits on every run:
 *   1. the input is cut into `segments` contiguous runs of `length` values;
 *      each run is summed by `parts` blocks (parts depends on length only),
 *      block p of a run taking values p*T + t + k*parts*T (T threads) and
 *      summing its threads by a fixed tree -> partial[segment][p];
 *   2. output o sums partial[(k*outputs + o)][p] over k < repeats and
 *      p < parts, again by a fixed tree, and stores alpha * sum.
 * Per-sample sums: segments = outputs = N.  Per-channel sums (channel c of
 * every sample): segments (n, c), outputs = C, repeats = N. */
#include "nn-cuda.h"

typedef enum { TERM_VALUE, TERM_SQUARE, TERM_SQUARED_DIFF, TERM_ABS_DIFF } Term;

enum {
  VALUES_PER_THREAD = 16,  /* aimed-for values per thread in pass 1 */
  MAX_PARTS = 1024,        /* blocks per segment in pass 1 */
};

template <Term term>
static __device__ double term_value(const float *a, const float *b, int64_t i) {
  double x = a[i];
  switch (term) {
    case TERM_VALUE: return x;
    case TERM_SQUARE: return x * x;
    case TERM_SQUARED_DIFF: {
      double d = x - (double)b[i];
      return d * d;
    }
    case TERM_ABS_DIFF: return fabs(x - (double)b[i]);
  }
  return 0.0;
}

/* Pass 1: grid = segments * parts blocks (block index = segment * parts + p). */
template <Term term>
__global__ static void partial_kernel(double *partial, const float *a, const float *b,
                                      int64_t length, int64_t parts) {
  __shared__ double shared[DM_NN_CUDA_THREADS];
  int64_t block = blockIdx.x;
  int64_t segment = block / parts, p = block % parts;
  int64_t base = segment * length;
  double sum = 0.0;
  for (int64_t i = p * DM_NN_CUDA_THREADS + threadIdx.x; i < length;
       i += parts * DM_NN_CUDA_THREADS)
    sum += term_value<term>(a, b, base + i);
  sum = dm_nn_cuda_block_sum<DM_NN_CUDA_THREADS>(sum, shared);
  if (threadIdx.x == 0) partial[block] = sum;
}

/* Pass 2: one block per output. */
__global__ static void finish_kernel(float *out, const double *partial, int64_t outputs,
                                     int64_t repeats, int64_t parts, double alpha) {
  __shared__ double shared[DM_NN_CUDA_THREADS];
  int64_t o = blockIdx.x;
  double sum = 0.0;
  for (int64_t j = threadIdx.x; j < repeats * parts; j += DM_NN_CUDA_THREADS) {
    int64_t k = j / parts, p = j % parts;
    sum += partial[(k * outputs + o) * parts + p];
  }
  sum = dm_nn_cuda_block_sum<DM_NN_CUDA_THREADS>(sum, shared);
  if (threadIdx.x == 0) out[o] = (float)(alpha * sum);
}

/* out[o] = alpha * sum over k < repeats of the sum of term over segment
 * (k * outputs + o); segments = repeats * outputs runs of length values. */
template <Term term>
static bool reduce(DmNnCuda *cuda, float *out, const float *a, const float *b, int64_t outputs,
                   int64_t repeats, int64_t length, double alpha, DmError **error) {
  int64_t segments = outputs * repeats;
  int64_t parts = (length + DM_NN_CUDA_THREADS * VALUES_PER_THREAD - 1) /
                  (DM_NN_CUDA_THREADS * VALUES_PER_THREAD);
  if (parts < 1) parts = 1;
  if (parts > MAX_PARTS) parts = MAX_PARTS;
  /* Grid x is limited to 2^31 - 1 blocks. */
  if (segments * parts > INT32_MAX || outputs > INT32_MAX)
    return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0,
                        "A reduction over %lld segments is too large for the GPU grid.",
                        (long long)segments);
  double *partial =
      (double *)dm_nn_cuda_workspace(cuda, (size_t)(segments * parts) * sizeof(double), error);
  if (!partial) return false;
  partial_kernel<term><<<(unsigned)(segments * parts), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      partial, a, b, length, parts);
  if (!DM_NN_CUDA_LAUNCHED(error)) return false;
  finish_kernel<<<(unsigned)outputs, DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      out, partial, outputs, repeats, parts, alpha);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_sum(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0];
  int64_t n = dm_nn_cuda_numel(x);
  int64_t outputs = dm_nn_cuda_numel(node->dst[0]);  /* 1 or N */
  int64_t length = outputs > 0 ? n / outputs : 0;
  if (outputs == 0) return true;
  if (node->op == DM_NN_OP_SUMSQ)
    return reduce<TERM_SQUARE>(cuda, node->dst[0]->data, x->data, NULL, outputs, 1, length,
                               node->alpha, error);
  return reduce<TERM_VALUE>(cuda, node->dst[0]->data, x->data, NULL, outputs, 1, length,
                            node->alpha, error);
}

bool dm_nn_cuda_reduce_channel(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0];
  int64_t samples = x->shape[0], channels = x->shape[1];
  int64_t hw = x->shape[2] * x->shape[3];
  if (samples * channels == 0) return true;
  bool per_sample = dm_nn_cuda_numel(node->dst[0]) != channels;
  if (per_sample)  /* dst[n, c]: one output per segment (n, c) */
    return reduce<TERM_VALUE>(cuda, node->dst[0]->data, x->data, NULL, samples * channels, 1,
                              hw, 1.0, error);
  return reduce<TERM_VALUE>(cuda, node->dst[0]->data, x->data, NULL, channels, samples, hw, 1.0,
                            error);
}

bool dm_nn_cuda_loss(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->src[0]);
  double mean = 1.0 / (double)n;
  if (node->mode == DM_NN_LOSS_L1)
    return reduce<TERM_ABS_DIFF>(cuda, node->dst[0]->data, node->src[0]->data,
                                 node->src[1]->data, 1, 1, n, mean, error);
  return reduce<TERM_SQUARED_DIFF>(cuda, node->dst[0]->data, node->src[0]->data,
                                   node->src[1]->data, 1, 1, n, mean, error);
}

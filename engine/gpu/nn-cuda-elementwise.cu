/* Element-wise kernel ops of the CUDA backend (see nn-cuda.h and the op
 * definitions in nn/nn-backend.h): fills (constant, Philox normal and
 * uniform), strided copy, add/mul with broadcasts, affine, channel bias,
 * expand, activations and their backward, loss gradients, the Fourier
 * noise embedding and the Adam step.
 *
 * Every kernel is a 64-bit grid-stride loop over its elements; in-place use
 * (dst0 == src0) is safe because each element is read before it is written
 * by the same thread. */
#include <math.h>

#include "nn-cuda.h"

/* --- Strided views (FILL*, COPY) ----------------------------------------- */

/* A tensor's layout for element addressing: logical row-major index ->
 * memory offset.  contiguous: offset = index. */
typedef struct {
  float *data;
  int64_t shape[4], stride[4];
  bool contiguous;
} View;

static View view_of(const DmTensor *t) {
  View v;
  v.data = t->data;
  for (int i = 0; i < 4; i++) {
    v.shape[i] = t->shape[i];
    v.stride[i] = t->stride[i];
  }
  v.contiguous = t->stride[3] == 1 && t->stride[2] == t->shape[3] &&
                 t->stride[1] == t->shape[2] * t->shape[3] &&
                 t->stride[0] == t->shape[1] * t->shape[2] * t->shape[3];
  return v;
}

static __device__ int64_t view_offset(const View &v, int64_t i) {
  if (v.contiguous) return i;
  int64_t w = i % v.shape[3];
  i /= v.shape[3];
  int64_t h = i % v.shape[2];
  i /= v.shape[2];
  int64_t c = i % v.shape[1];
  int64_t n = i / v.shape[1];
  return n * v.stride[0] + c * v.stride[1] + h * v.stride[2] + w * v.stride[3];
}

/* --- Philox4x32-10 (as engine/core/rng.c) -------------------------------- */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* The block of counter {j lo, j hi, stream lo, stream hi} under key
 * {seed lo, seed hi}. */
static __device__ uint4 philox_block(uint64_t j, uint64_t stream, uint64_t seed) {
  uint32_t c0 = (uint32_t)j, c1 = (uint32_t)(j >> 32);
  uint32_t c2 = (uint32_t)stream, c3 = (uint32_t)(stream >> 32);
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int round = 0; round < 10; round++) {
    uint32_t hi0 = __umulhi(PHILOX_M0, c0), lo0 = PHILOX_M0 * c0;
    uint32_t hi1 = __umulhi(PHILOX_M1, c2), lo1 = PHILOX_M1 * c2;
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  return make_uint4(c0, c1, c2, c3);
}

/* (bits + 0.5) / 2^32, in (0, 1). */
static __device__ double unit_open(uint32_t bits) {
  return ((double)bits + 0.5) * (1.0 / 4294967296.0);
}

/* --- Fills and copy -------------------------------------------------------- */

__global__ static void fill_kernel(View dst, int64_t n, float value) {
  DM_NN_CUDA_GRID_LOOP(i, n) dst.data[view_offset(dst, i)] = value;
}

/* One Box-Muller pair per block j: elements 2j (cos) and 2j + 1 (sin). */
__global__ static void fill_normal_kernel(View dst, int64_t n, uint64_t seed, uint64_t stream,
                                          double mean, double std) {
  int64_t pairs = (n + 1) / 2;
  DM_NN_CUDA_GRID_LOOP(j, pairs) {
    uint4 block = philox_block((uint64_t)j, stream, seed);
    double radius = sqrt(-2.0 * log(unit_open(block.x)));
    double s, c;
    sincos(2.0 * M_PI * unit_open(block.y), &s, &c);
    dst.data[view_offset(dst, 2 * j)] = (float)(mean + std * radius * c);
    if (2 * j + 1 < n) dst.data[view_offset(dst, 2 * j + 1)] = (float)(mean + std * radius * s);
  }
}

/* Four uniforms per block j: elements 4j .. 4j + 3. */
__global__ static void fill_uniform_kernel(View dst, int64_t n, uint64_t seed, uint64_t stream,
                                           double lo, double hi) {
  int64_t quads = (n + 3) / 4;
  DM_NN_CUDA_GRID_LOOP(j, quads) {
    uint4 block = philox_block((uint64_t)j, stream, seed);
    uint32_t bits[4] = {block.x, block.y, block.z, block.w};
    for (int k = 0; k < 4 && 4 * j + k < n; k++)
      dst.data[view_offset(dst, 4 * j + k)] = (float)(lo + (hi - lo) * unit_open(bits[k]));
  }
}

__global__ static void copy_kernel(View dst, View src, int64_t n) {
  DM_NN_CUDA_GRID_LOOP(i, n) dst.data[view_offset(dst, i)] = src.data[view_offset(src, i)];
}

bool dm_nn_cuda_fill(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  fill_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      view_of(node->dst[0]), n, node->alpha);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_fill_normal(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  fill_normal_kernel<<<dm_nn_cuda_blocks((n + 1) / 2), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      view_of(node->dst[0]), n, node->seed, node->stream, node->beta, node->alpha);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_fill_uniform(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  /* alpha = hi, beta = lo. */
  fill_uniform_kernel<<<dm_nn_cuda_blocks((n + 3) / 4), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      view_of(node->dst[0]), n, node->seed, node->stream, node->beta, node->alpha);
  return DM_NN_CUDA_LAUNCHED(error);
}

/* Whether each sample of t is one contiguous run of C H W values (channel
 * views of contiguous tensors are). */
static bool samples_contiguous(const DmTensor *t) {
  return t->stride[3] == 1 && t->stride[2] == t->shape[3] &&
         t->stride[1] == t->shape[2] * t->shape[3];
}

bool dm_nn_cuda_copy(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *dst = node->dst[0], *src = node->src[0];
  int64_t n = dm_nn_cuda_numel(dst);
  if (n == 0) return true;
  if (samples_contiguous(dst) && samples_contiguous(src) && dst->stride[0] <= INT32_MAX / 4 &&
      src->stride[0] <= INT32_MAX / 4 && n / dst->shape[0] <= INT32_MAX / 4) {
    /* Concatenation and slicing: one row of C H W floats per sample (pitches
     * within the copy engine's limit). */
    size_t row = (size_t)(n / dst->shape[0]) * sizeof(float);
    size_t dst_pitch = dst->shape[0] > 1 ? (size_t)dst->stride[0] * sizeof(float) : row;
    size_t src_pitch = src->shape[0] > 1 ? (size_t)src->stride[0] * sizeof(float) : row;
    return DM_CUDA_CHECK(cudaMemcpy2DAsync(dst->data, dst_pitch, src->data, src_pitch, row,
                                           (size_t)dst->shape[0], cudaMemcpyDeviceToDevice,
                                           cuda->stream),
                         error);
  }
  copy_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      view_of(node->dst[0]), view_of(node->src[0]), n);
  return DM_NN_CUDA_LAUNCHED(error);
}

/* --- Arithmetic ------------------------------------------------------------ */

/* b has n / group elements: element i of a pairs with b[i / group]
 * (group = 1: same shape; n: scalar; n / N: per sample). */
__global__ static void add_kernel(float *dst, const float *a, const float *b, int64_t n,
                                  int64_t group, float alpha, float beta) {
  DM_NN_CUDA_GRID_LOOP(i, n) dst[i] = alpha * a[i] + beta * b[i / group];
}

__global__ static void mul_kernel(float *dst, const float *a, const float *b, int64_t n,
                                  int64_t group) {
  DM_NN_CUDA_GRID_LOOP(i, n) dst[i] = a[i] * b[i / group];
}

__global__ static void affine_kernel(float *dst, const float *x, int64_t n, float alpha,
                                     float beta) {
  DM_NN_CUDA_GRID_LOOP(i, n) dst[i] = alpha * x[i] + beta;
}

/* x [N,C,HW] + bias[c] (per_sample false) or bias[n*C + c]. */
__global__ static void add_channel_kernel(float *dst, const float *x, const float *bias,
                                          int64_t n, int64_t hw, int64_t channels,
                                          bool per_sample) {
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t plane = i / hw;  /* n*C + c */
    dst[i] = x[i] + bias[per_sample ? plane : plane % channels];
  }
}

__global__ static void expand_kernel(float *dst, const float *src, int64_t n, int64_t group,
                                     float alpha) {
  DM_NN_CUDA_GRID_LOOP(i, n) dst[i] = alpha * src[i / group];
}

/* Elements of dst0 per element of the broadcast operand b (m of them). */
static int64_t broadcast_group(int64_t n, int64_t m) { return m > 0 ? n / m : 1; }

bool dm_nn_cuda_add(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  add_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->src[0]->data, node->src[1]->data, n,
      broadcast_group(n, dm_nn_cuda_numel(node->src[1])), node->alpha, node->beta);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_mul(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  mul_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->src[0]->data, node->src[1]->data, n,
      broadcast_group(n, dm_nn_cuda_numel(node->src[1])));
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_affine(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  affine_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->src[0]->data, n, node->alpha, node->beta);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_add_channel(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0];
  int64_t n = dm_nn_cuda_numel(x);
  if (n == 0) return true;
  bool per_sample = dm_nn_cuda_numel(node->src[1]) != x->shape[1];
  add_channel_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, x->data, node->src[1]->data, n, x->shape[2] * x->shape[3],
      x->shape[1], per_sample);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_expand(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  expand_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->src[0]->data, n,
      broadcast_group(n, dm_nn_cuda_numel(node->src[0])), node->alpha);
  return DM_NN_CUDA_LAUNCHED(error);
}

/* --- Activations ----------------------------------------------------------- */

static __device__ float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

static __device__ float activation(DmNnAct act, float slope, float x) {
  switch (act) {
    case DM_NN_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case DM_NN_ACT_LEAKY_RELU: return x > 0.0f ? x : slope * x;
    case DM_NN_ACT_SILU: return x * sigmoid(x);
    case DM_NN_ACT_TANH: return tanhf(x);
    case DM_NN_ACT_SIGMOID: return sigmoid(x);
    case DM_NN_ACT_SQRT: return sqrtf(x);
  }
  return x;
}

/* f'(x). */
static __device__ float activation_derivative(DmNnAct act, float slope, float x) {
  switch (act) {
    case DM_NN_ACT_RELU: return x > 0.0f ? 1.0f : 0.0f;
    case DM_NN_ACT_LEAKY_RELU: return x > 0.0f ? 1.0f : slope;
    case DM_NN_ACT_SILU: {
      float s = sigmoid(x);
      return s * (1.0f + x * (1.0f - s));
    }
    case DM_NN_ACT_TANH: {
      float t = tanhf(x);
      return 1.0f - t * t;
    }
    case DM_NN_ACT_SIGMOID: {
      float s = sigmoid(x);
      return s * (1.0f - s);
    }
    case DM_NN_ACT_SQRT: return 0.5f / sqrtf(x);
  }
  return 1.0f;
}

__global__ static void act_kernel(float *dst, const float *x, int64_t n, DmNnAct act,
                                  float slope) {
  DM_NN_CUDA_GRID_LOOP(i, n) dst[i] = activation(act, slope, x[i]);
}

__global__ static void act_bwd_kernel(float *dst, const float *gy, const float *x, int64_t n,
                                      DmNnAct act, float slope) {
  DM_NN_CUDA_GRID_LOOP(i, n) dst[i] = gy[i] * activation_derivative(act, slope, x[i]);
}

bool dm_nn_cuda_act(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  act_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->src[0]->data, n, node->act, node->slope);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_act_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  act_bwd_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->src[0]->data, node->src[1]->data, n, node->act, node->slope);
  return DM_NN_CUDA_LAUNCHED(error);
}

/* --- Loss gradient --------------------------------------------------------- */

/* d mean(loss)/d pred times the upstream scalar g[0]:
 * MSE 2 (p - t) g / n, L1 sign(p - t) g / n with sign(0) = 0. */
__global__ static void loss_bwd_kernel(float *dst, const float *pred, const float *target,
                                       const float *upstream, int64_t n, bool l1) {
  float scale = upstream[0] / (float)n;
  DM_NN_CUDA_GRID_LOOP(i, n) {
    float diff = pred[i] - target[i];
    float d = l1 ? (float)((diff > 0.0f) - (diff < 0.0f)) : 2.0f * diff;
    dst[i] = d * scale;
  }
}

bool dm_nn_cuda_loss_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  loss_bwd_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->src[0]->data, node->src[1]->data, node->src[2]->data, n,
      node->mode == DM_NN_LOSS_L1);
  return DM_NN_CUDA_LAUNCHED(error);
}

/* --- Fourier embedding ----------------------------------------------------- */

/* sigma [N], freqs [F] -> dst [N, 2F]: sin then cos of 2 pi freqs[f] ln sigma[n],
 * evaluated in double (the phase can be large). */
__global__ static void fourier_embed_kernel(float *dst, const float *sigma, const float *freqs,
                                            int64_t samples, int64_t count) {
  int64_t n = samples * 2 * count;
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t sample = i / (2 * count), k = i % (2 * count);
    double phase = 2.0 * M_PI * (double)freqs[k % count] * log((double)sigma[sample]);
    dst[i] = (float)(k < count ? sin(phase) : cos(phase));
  }
}

bool dm_nn_cuda_fourier_embed(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  fourier_embed_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->src[0]->data, node->src[1]->data,
      dm_nn_cuda_numel(node->src[0]), dm_nn_cuda_numel(node->src[1]));
  return DM_NN_CUDA_LAUNCHED(error);
}

/* --- Adam ------------------------------------------------------------------ */

typedef struct {
  float lr, beta1, beta2, eps, weight_decay, grad_scale, bias1, bias2;
  bool decoupled;
} AdamStep;

__global__ static void adam_kernel(float *param, float *m, float *v, const float *grad,
                                   int64_t n, AdamStep s) {
  DM_NN_CUDA_GRID_LOOP(i, n) {
    float p = param[i];
    float g = s.grad_scale * grad[i];
    if (s.decoupled)
      p -= s.lr * s.weight_decay * p;
    else
      g += s.weight_decay * p;
    float mi = s.beta1 * m[i] + (1.0f - s.beta1) * g;
    float vi = s.beta2 * v[i] + (1.0f - s.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - s.lr * (mi * s.bias1) / (sqrtf(vi * s.bias2) + s.eps);
  }
}

bool dm_nn_cuda_adam(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  AdamStep step = {node->lr,           node->beta1,      node->beta2,
                   node->eps,          node->weight_decay, node->grad_scale,
                   node->bias1,        node->bias2,      node->decoupled};
  adam_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->dst[1]->data, node->dst[2]->data, node->src[0]->data, n, step);
  return DM_NN_CUDA_LAUNCHED(error);
}

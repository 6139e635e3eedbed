/* CPU kernels applied element by element: fills (Philox random numbers as
 * nn-backend.h specifies), strided copy, arithmetic with broadcasting,
 * activations and their derivatives, the Fourier noise embedding and the
 * Adam step.  OpenMP splits the elements between the backend's threads. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "darkmap/rng.h"
#include "nn/nn-cpu-private.h"

/* Selections such as x > 0 ? x : slope x vectorise only when GCC may
 * evaluate both sides, which it refuses while floating-point exceptions
 * count as observable (they do not here: nothing reads the FP flags). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

static int64_t numel(const DmTensor *t) {
  return t->shape[0] * t->shape[1] * t->shape[2] * t->shape[3];
}

void dm_nn_cpu_fill(const DmNnNode *node) {
  float *dst = node->dst[0]->data;
  const float value = node->alpha;
  const int64_t n = numel(node->dst[0]);
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < n; i++) dst[i] = value;
}

/* The Philox block of counter j in the stream, keyed by the seed. */
static void philox_block(uint64_t seed, uint64_t stream, uint64_t j, uint32_t out[4]) {
  const uint32_t ctr[4] = {(uint32_t)j, (uint32_t)(j >> 32), (uint32_t)stream,
                           (uint32_t)(stream >> 32)};
  const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  dm_philox4x32_10(ctr, key, out);
}

static double unit_open(uint32_t word) { return (word + 0.5) / 4294967296.0; }

void dm_nn_cpu_fill_normal(const DmNnNode *node) {
  float *dst = node->dst[0]->data;
  const int64_t n = numel(node->dst[0]);
  const int64_t pairs = (n + 1) / 2;
  const double mean = node->beta, std = node->alpha;
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < pairs; j++) {
    uint32_t block[4];
    philox_block(node->seed, node->stream, (uint64_t)j, block);
    const double r = sqrt(-2.0 * log(unit_open(block[0])));
    const double angle = 2.0 * M_PI * unit_open(block[1]);
    dst[2 * j] = (float)(mean + std * r * cos(angle));
    if (2 * j + 1 < n) dst[2 * j + 1] = (float)(mean + std * r * sin(angle));
  }
}

void dm_nn_cpu_fill_uniform(const DmNnNode *node) {
  float *dst = node->dst[0]->data;
  const int64_t n = numel(node->dst[0]);
  const int64_t quads = (n + 3) / 4;
  const double lo = node->beta, width = (double)node->alpha - node->beta;
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < quads; j++) {
    uint32_t block[4];
    philox_block(node->seed, node->stream, (uint64_t)j, block);
    for (int k = 0; k < 4 && 4 * j + k < n; k++)
      dst[4 * j + k] = (float)(lo + width * unit_open(block[k]));
  }
}

void dm_nn_cpu_copy(const DmNnNode *node) {
  const DmTensor *src = node->src[0];
  DmTensor *dst = node->dst[0];
  const int64_t planes = dst->shape[0] * dst->shape[1];
  const int64_t channels = dst->shape[1], h = dst->shape[2], w = dst->shape[3];
  /* Planes whose rows follow each other on both sides (channel views of
   * NCHW tensors) copy in one piece. */
  const bool dense_planes = src->stride[3] == 1 && dst->stride[3] == 1 &&
                            (h == 1 || (src->stride[2] == w && dst->stride[2] == w));
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    const int64_t n = p / channels, c = p % channels;
    const float *s = src->data + n * src->stride[0] + c * src->stride[1];
    float *d = dst->data + n * dst->stride[0] + c * dst->stride[1];
    if (dense_planes) {
      memcpy(d, s, (size_t)(h * w) * sizeof *d);
      continue;
    }
    for (int64_t y = 0; y < h; y++)
      for (int64_t x = 0; x < w; x++)
        d[y * dst->stride[2] + x * dst->stride[3]] = s[y * src->stride[2] + x * src->stride[3]];
  }
}

/* How src1 of ADD/MUL/EXPAND pairs with the elements of a tensor of n
 * elements and shape[0] samples: element i takes src1[i] (same size),
 * src1[0] (one element) or src1[i / per_sample] (one per sample). */
typedef enum { BROADCAST_NONE, BROADCAST_SCALAR, BROADCAST_PER_SAMPLE } Broadcast;

static Broadcast broadcast_kind(const DmTensor *full, const DmTensor *src1) {
  const int64_t n1 = numel(src1);
  if (n1 == numel(full)) return BROADCAST_NONE;
  return n1 == 1 ? BROADCAST_SCALAR : BROADCAST_PER_SAMPLE;
}

void dm_nn_cpu_add(const DmNnNode *node) {
  const float *a = node->src[0]->data, *b = node->src[1]->data;
  float *dst = node->dst[0]->data;
  const float alpha = node->alpha, beta = node->beta;
  const int64_t n = numel(node->src[0]), samples = node->src[0]->shape[0];
  switch (broadcast_kind(node->src[0], node->src[1])) {
  case BROADCAST_NONE:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) dst[i] = alpha * a[i] + beta * b[i];
    break;
  case BROADCAST_SCALAR: {
    const float shift = beta * b[0];
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) dst[i] = alpha * a[i] + shift;
    break;
  }
  case BROADCAST_PER_SAMPLE: {
    const int64_t per = n / samples;
    for (int64_t s = 0; s < samples; s++) {
      const float shift = beta * b[s];
#pragma omp parallel for simd schedule(static)
      for (int64_t i = s * per; i < (s + 1) * per; i++) dst[i] = alpha * a[i] + shift;
    }
    break;
  }
  }
}

void dm_nn_cpu_mul(const DmNnNode *node) {
  const float *a = node->src[0]->data, *b = node->src[1]->data;
  float *dst = node->dst[0]->data;
  const int64_t n = numel(node->src[0]), samples = node->src[0]->shape[0];
  switch (broadcast_kind(node->src[0], node->src[1])) {
  case BROADCAST_NONE:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) dst[i] = a[i] * b[i];
    break;
  case BROADCAST_SCALAR: {
    const float factor = b[0];
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) dst[i] = a[i] * factor;
    break;
  }
  case BROADCAST_PER_SAMPLE: {
    const int64_t per = n / samples;
    for (int64_t s = 0; s < samples; s++) {
      const float factor = b[s];
#pragma omp parallel for simd schedule(static)
      for (int64_t i = s * per; i < (s + 1) * per; i++) dst[i] = a[i] * factor;
    }
    break;
  }
  }
}

void dm_nn_cpu_affine(const DmNnNode *node) {
  const float *src = node->src[0]->data;
  float *dst = node->dst[0]->data;
  const float alpha = node->alpha, beta = node->beta;
  const int64_t n = numel(node->src[0]);
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < n; i++) dst[i] = alpha * src[i] + beta;
}

void dm_nn_cpu_add_channel(const DmNnNode *node) {
  const DmTensor *x = node->src[0];
  const float *bias = node->src[1]->data;
  float *dst = node->dst[0]->data;
  const int64_t channels = x->shape[1], planes = x->shape[0] * channels;
  const int64_t hw = x->shape[2] * x->shape[3];
  const bool per_sample = numel(node->src[1]) != channels;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    const float b = bias[per_sample ? p : p % channels];
#pragma omp simd
    for (int64_t i = 0; i < hw; i++) dst[p * hw + i] = x->data[p * hw + i] + b;
  }
}

void dm_nn_cpu_expand(const DmNnNode *node) {
  const float *src = node->src[0]->data;
  DmTensor *dst = node->dst[0];
  const float alpha = node->alpha;
  const int64_t n = numel(dst);
  const int64_t samples = numel(node->src[0]) == 1 ? 1 : dst->shape[0], per = n / samples;
  for (int64_t s = 0; s < samples; s++) {
    const float value = alpha * src[s];
#pragma omp parallel for simd schedule(static)
    for (int64_t i = s * per; i < (s + 1) * per; i++) dst->data[i] = value;
  }
}

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* One loop per activation, so that each vectorises. */
void dm_nn_cpu_act(const DmNnNode *node) {
  const float *x = node->src[0]->data;
  float *y = node->dst[0]->data;
  const int64_t n = numel(node->src[0]);
  const float slope = node->slope;
  switch (node->act) {
  case DM_NN_ACT_RELU:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    break;
  case DM_NN_ACT_LEAKY_RELU:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
    break;
  case DM_NN_ACT_SILU:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * sigmoid(x[i]);
    break;
  case DM_NN_ACT_TANH:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
    break;
  case DM_NN_ACT_SIGMOID:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) y[i] = sigmoid(x[i]);
    break;
  case DM_NN_ACT_SQRT:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) y[i] = sqrtf(x[i]);
    break;
  }
}

void dm_nn_cpu_act_bwd(const DmNnNode *node) {
  const float *gy = node->src[0]->data, *x = node->src[1]->data;
  float *gx = node->dst[0]->data;
  const int64_t n = numel(node->src[0]);
  const float slope = node->slope;
  switch (node->act) {
  case DM_NN_ACT_RELU:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) gx[i] = x[i] > 0.0f ? gy[i] : 0.0f;
    break;
  case DM_NN_ACT_LEAKY_RELU:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) gx[i] = x[i] > 0.0f ? gy[i] : slope * gy[i];
    break;
  case DM_NN_ACT_SILU:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) {
      const float s = sigmoid(x[i]);
      gx[i] = gy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
    break;
  case DM_NN_ACT_TANH:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) {
      const float t = tanhf(x[i]);
      gx[i] = gy[i] * (1.0f - t * t);
    }
    break;
  case DM_NN_ACT_SIGMOID:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) {
      const float s = sigmoid(x[i]);
      gx[i] = gy[i] * s * (1.0f - s);
    }
    break;
  case DM_NN_ACT_SQRT:
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) gx[i] = gy[i] * 0.5f / sqrtf(x[i]);
    break;
  }
}

void dm_nn_cpu_fourier_embed(const DmNnNode *node) {
  const float *sigma = node->src[0]->data, *freqs = node->src[1]->data;
  float *dst = node->dst[0]->data;
  const int64_t samples = numel(node->src[0]), f_count = numel(node->src[1]);
  for (int64_t n = 0; n < samples; n++) {
    const double log_sigma = log((double)sigma[n]);
    for (int64_t f = 0; f < f_count; f++) {
      const double phase = 2.0 * M_PI * freqs[f] * log_sigma;
      dst[n * 2 * f_count + f] = (float)sin(phase);
      dst[n * 2 * f_count + f_count + f] = (float)cos(phase);
    }
  }
}

void dm_nn_cpu_adam(const DmNnNode *node) {
  float *param = node->dst[0]->data, *m = node->dst[1]->data, *v = node->dst[2]->data;
  const float *grad = node->src[0]->data;
  const int64_t n = numel(node->dst[0]);
  const float lr = node->lr, b1 = node->beta1, b2 = node->beta2, eps = node->eps;
  const float wd = node->weight_decay, scale = node->grad_scale;
  const float bias1 = node->bias1, bias2 = node->bias2;
  const bool decoupled = node->decoupled;
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < n; i++) {
    float p = param[i];
    float g = scale * grad[i];
    if (decoupled)
      p -= lr * wd * p;
    else
      g += wd * p;
    const float mi = b1 * m[i] + (1.0f - b1) * g;
    const float vi = b2 * v[i] + (1.0f - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - lr * (mi * bias1) / (sqrtf(vi * bias2) + eps);
  }
}

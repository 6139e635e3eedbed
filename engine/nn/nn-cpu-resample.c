/* CPU resampling by an integer factor: nearest and bilinear upsampling
 * (align_corners = false, PyTorch's rule), average pooling, and the adjoint
 * of each; the periodic window and its adjoint (the fold).  One (n, c)
 * plane per OpenMP iteration, so that the adjoints' scatters never race. */
#include <stdint.h>
#include <string.h>

#include "nn/nn-cpu-private.h"

/* Bilinear source taps of output index o along an axis of `size` inputs:
 * x = (o + 0.5) / factor - 0.5 clamped at 0, i0 = floor(x), i1 = i0 + 1
 * clamped at the edge, weights w0 + w1 = 1. */
typedef struct {
  int64_t i0, i1;
  float w0, w1;
} BilinearTap;

static BilinearTap bilinear_tap(int64_t o, int64_t size, int factor) {
  float x = ((float)o + 0.5f) / (float)factor - 0.5f;
  if (x < 0.0f) x = 0.0f;
  BilinearTap tap;
  tap.i0 = (int64_t)x;
  tap.i1 = tap.i0 + (tap.i0 < size - 1 ? 1 : 0);
  tap.w1 = x - (float)tap.i0;
  tap.w0 = 1.0f - tap.w1;
  return tap;
}

void dm_nn_cpu_upsample(const DmNnNode *node) {
  const DmTensor *x = node->src[0];
  float *y = node->dst[0]->data;
  const int f = node->factor;
  const int64_t planes = x->shape[0] * x->shape[1], h = x->shape[2], w = x->shape[3];
  const int64_t ho = h * f, wo = w * f;
  const bool bilinear = node->mode == DM_NN_UPSAMPLE_BILINEAR;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    const float *src = x->data + p * h * w;
    float *dst = y + p * ho * wo;
    for (int64_t oy = 0; oy < ho; oy++) {
      if (!bilinear) {
        const float *row = src + (oy / f) * w;
        float *out = dst + oy * wo;
        for (int64_t ix = 0; ix < w; ix++)
          for (int k = 0; k < f; k++) out[ix * f + k] = row[ix];
        continue;
      }
      const BilinearTap ty = bilinear_tap(oy, h, f);
      for (int64_t ox = 0; ox < wo; ox++) {
        const BilinearTap tx = bilinear_tap(ox, w, f);
        dst[oy * wo + ox] =
            ty.w0 * (tx.w0 * src[ty.i0 * w + tx.i0] + tx.w1 * src[ty.i0 * w + tx.i1]) +
            ty.w1 * (tx.w0 * src[ty.i1 * w + tx.i0] + tx.w1 * src[ty.i1 * w + tx.i1]);
      }
    }
  }
}

void dm_nn_cpu_upsample_bwd(const DmNnNode *node) {
  const float *gy = node->src[0]->data;
  const DmTensor *gx = node->dst[0];
  const int f = node->factor;
  const int64_t planes = gx->shape[0] * gx->shape[1], h = gx->shape[2], w = gx->shape[3];
  const int64_t ho = h * f, wo = w * f;
  const bool bilinear = node->mode == DM_NN_UPSAMPLE_BILINEAR;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    const float *src = gy + p * ho * wo;
    float *dst = gx->data + p * h * w;
    memset(dst, 0, (size_t)(h * w) * sizeof *dst);
    for (int64_t oy = 0; oy < ho; oy++) {
      if (!bilinear) {
        const float *row = src + oy * wo;
        float *out = dst + (oy / f) * w;
        for (int64_t ix = 0; ix < w; ix++)
          for (int k = 0; k < f; k++) out[ix] += row[ix * f + k];
        continue;
      }
      const BilinearTap ty = bilinear_tap(oy, h, f);
      for (int64_t ox = 0; ox < wo; ox++) {
        const BilinearTap tx = bilinear_tap(ox, w, f);
        const float g = src[oy * wo + ox];
        dst[ty.i0 * w + tx.i0] += ty.w0 * tx.w0 * g;
        dst[ty.i0 * w + tx.i1] += ty.w0 * tx.w1 * g;
        dst[ty.i1 * w + tx.i0] += ty.w1 * tx.w0 * g;
        dst[ty.i1 * w + tx.i1] += ty.w1 * tx.w1 * g;
      }
    }
  }
}

void dm_nn_cpu_avg_pool(const DmNnNode *node) {
  const DmTensor *x = node->src[0];
  float *y = node->dst[0]->data;
  const int f = node->factor;
  const int64_t planes = x->shape[0] * x->shape[1], h = x->shape[2], w = x->shape[3];
  const int64_t ho = h / f, wo = w / f;
  const float scale = 1.0f / (float)(f * f);
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    const float *src = x->data + p * h * w;
    float *dst = y + p * ho * wo;
    for (int64_t oy = 0; oy < ho; oy++)
      for (int64_t ox = 0; ox < wo; ox++) {
        float sum = 0.0f;
        for (int dy = 0; dy < f; dy++)
          for (int dx = 0; dx < f; dx++) sum += src[(oy * f + dy) * w + ox * f + dx];
        dst[oy * wo + ox] = sum * scale;
      }
  }
}

void dm_nn_cpu_avg_pool_bwd(const DmNnNode *node) {
  const float *gy = node->src[0]->data;
  const DmTensor *gx = node->dst[0];
  const int f = node->factor;
  const int64_t planes = gx->shape[0] * gx->shape[1], h = gx->shape[2], w = gx->shape[3];
  const int64_t wo = w / f, ho = h / f;
  const float scale = 1.0f / (float)(f * f);
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    const float *src = gy + p * ho * wo;
    float *dst = gx->data + p * h * w;
    for (int64_t y = 0; y < h; y++)
      for (int64_t x = 0; x < w; x++) dst[y * w + x] = src[(y / f) * wo + x / f] * scale;
  }
}

void dm_nn_cpu_periodic_window(const DmNnNode *node) {
  const DmTensor *x = node->src[0], *y = node->dst[0];
  const int64_t planes = x->shape[0] * x->shape[1], h = x->shape[2], w = x->shape[3];
  const int64_t ho = y->shape[2], wo = y->shape[3];
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    const float *src = x->data + p * h * w;
    float *dst = y->data + p * ho * wo;
    for (int64_t oy = 0; oy < ho; oy++)
      for (int64_t ox = 0; ox < wo; ox++) dst[oy * wo + ox] = src[(oy % h) * w + ox % w];
  }
}

/* Gather form, each output summed over its copies in row-major order (the
 * CUDA kernel's order, so that both give the same bits). */
void dm_nn_cpu_periodic_fold(const DmNnNode *node) {
  const DmTensor *gy = node->src[0], *gx = node->dst[0];
  const int64_t planes = gx->shape[0] * gx->shape[1], h = gx->shape[2], w = gx->shape[3];
  const int64_t ho = gy->shape[2], wo = gy->shape[3];
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    const float *src = gy->data + p * ho * wo;
    float *dst = gx->data + p * h * w;
    for (int64_t y = 0; y < h; y++)
      for (int64_t x = 0; x < w; x++) {
        float sum = 0.0f;
        for (int64_t oy = y; oy < ho; oy += h)
          for (int64_t ox = x; ox < wo; ox += w) sum += src[oy * wo + ox];
        dst[y * w + x] = sum;
      }
  }
}

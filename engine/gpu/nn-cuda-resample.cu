/* Resampling of the CUDA backend (see nn-cuda.h): nearest and bilinear
 * upsampling by an integer factor and their adjoints, average pooling and
 * its adjoint, the periodic window and its adjoint (the fold).
 *
 * Every kernel writes each output element once from the inputs it depends
 * on (gather form, no atomics), so results are bit-reproducible.
 *
 * Bilinear, align_corners = false (PyTorch): output index o along an axis
 * of input size S reads source position s = max((o + 0.5) / f - 0.5, 0),
 * i0 = floor(s), i1 = min(i0 + 1, S - 1), weights 1 - (s - i0) and s - i0.
 * The adjoint for input index i sums over the outputs whose i0 or i1 is i;
 * they all lie in [(i - 1) f, (i + 2) f). */
#include "nn-cuda.h"

/* The two taps of output index o along an axis (size: input size). */
typedef struct {
  int64_t i0, i1;
  float w0, w1;
} Taps;

static __device__ Taps bilinear_taps(int64_t o, int64_t size, int factor) {
  float s = ((float)o + 0.5f) / (float)factor - 0.5f;
  if (s < 0.0f) s = 0.0f;
  Taps t;
  t.i0 = (int64_t)s;
  if (t.i0 > size - 1) t.i0 = size - 1;
  t.i1 = t.i0 < size - 1 ? t.i0 + 1 : t.i0;
  t.w1 = s - (float)t.i0;
  t.w0 = 1.0f - t.w1;
  return t;
}

/* Weight of input index i in output index o along an axis. */
static __device__ float bilinear_weight(int64_t o, int64_t i, int64_t size, int factor) {
  Taps t = bilinear_taps(o, size, factor);
  return (t.i0 == i ? t.w0 : 0.0f) + (t.i1 == i ? t.w1 : 0.0f);
}

/* src [planes, h, w] -> dst [planes, h f, w f]. */
__global__ static void upsample_kernel(float *dst, const float *src, int64_t planes, int64_t h,
                                       int64_t w, int factor, bool bilinear) {
  int64_t ho = h * factor, wo = w * factor, n = planes * ho * wo;
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t x = i % wo, y = (i / wo) % ho, plane = i / (wo * ho);
    const float *in = src + plane * h * w;
    if (!bilinear) {
      dst[i] = in[(y / factor) * w + x / factor];
      continue;
    }
    Taps ty = bilinear_taps(y, h, factor), tx = bilinear_taps(x, w, factor);
    dst[i] = ty.w0 * (tx.w0 * in[ty.i0 * w + tx.i0] + tx.w1 * in[ty.i0 * w + tx.i1]) +
             ty.w1 * (tx.w0 * in[ty.i1 * w + tx.i0] + tx.w1 * in[ty.i1 * w + tx.i1]);
  }
}

/* Adjoint: gy [planes, h f, w f] -> dx [planes, h, w]. */
__global__ static void upsample_bwd_kernel(float *dx, const float *gy, int64_t planes,
                                           int64_t h, int64_t w, int factor, bool bilinear) {
  int64_t ho = h * factor, wo = w * factor, n = planes * h * w;
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t x = i % w, y = (i / w) % h, plane = i / (w * h);
    const float *g = gy + plane * ho * wo;
    float sum = 0.0f;
    if (!bilinear) {
      for (int64_t oy = y * factor; oy < (y + 1) * factor; oy++)
        for (int64_t ox = x * factor; ox < (x + 1) * factor; ox++) sum += g[oy * wo + ox];
      dx[i] = sum;
      continue;
    }
    int64_t oy0 = (y - 1) * factor > 0 ? (y - 1) * factor : 0;
    int64_t oy1 = (y + 2) * factor < ho ? (y + 2) * factor : ho;
    int64_t ox0 = (x - 1) * factor > 0 ? (x - 1) * factor : 0;
    int64_t ox1 = (x + 2) * factor < wo ? (x + 2) * factor : wo;
    for (int64_t oy = oy0; oy < oy1; oy++) {
      float wy = bilinear_weight(oy, y, h, factor);
      if (wy == 0.0f) continue;
      float row = 0.0f;
      for (int64_t ox = ox0; ox < ox1; ox++) {
        float wx = bilinear_weight(ox, x, w, factor);
        if (wx != 0.0f) row += wx * g[oy * wo + ox];
      }
      sum += wy * row;
    }
    dx[i] = sum;
  }
}

/* src [planes, h f, w f] -> dst [planes, h, w], mean of each f x f block. */
__global__ static void avg_pool_kernel(float *dst, const float *src, int64_t planes, int64_t h,
                                       int64_t w, int factor) {
  int64_t wi = w * factor, hi = h * factor, n = planes * h * w;
  float scale = 1.0f / (float)(factor * factor);
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t x = i % w, y = (i / w) % h, plane = i / (w * h);
    const float *in = src + plane * hi * wi;
    float sum = 0.0f;
    for (int64_t iy = y * factor; iy < (y + 1) * factor; iy++)
      for (int64_t ix = x * factor; ix < (x + 1) * factor; ix++) sum += in[iy * wi + ix];
    dst[i] = sum * scale;
  }
}

/* Adjoint: gy [planes, h, w] -> dx [planes, h f, w f] = gy / f^2. */
__global__ static void avg_pool_bwd_kernel(float *dx, const float *gy, int64_t planes,
                                           int64_t h, int64_t w, int factor) {
  int64_t wi = w * factor, hi = h * factor, n = planes * hi * wi;
  float scale = 1.0f / (float)(factor * factor);
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t x = i % wi, y = (i / wi) % hi, plane = i / (wi * hi);
    dx[i] = gy[(plane * h + y / factor) * w + x / factor] * scale;
  }
}

bool dm_nn_cuda_upsample(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0];
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  upsample_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, x->data, x->shape[0] * x->shape[1], x->shape[2], x->shape[3],
      node->factor, node->mode == DM_NN_UPSAMPLE_BILINEAR);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_upsample_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *dx = node->dst[0];
  int64_t n = dm_nn_cuda_numel(dx);
  if (n == 0) return true;
  upsample_bwd_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, node->src[0]->data, dx->shape[0] * dx->shape[1], dx->shape[2],
      dx->shape[3], node->factor, node->mode == DM_NN_UPSAMPLE_BILINEAR);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_avg_pool(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *y = node->dst[0];
  int64_t n = dm_nn_cuda_numel(y);
  if (n == 0) return true;
  avg_pool_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      y->data, node->src[0]->data, y->shape[0] * y->shape[1], y->shape[2], y->shape[3],
      node->factor);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_avg_pool_bwd(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *gy = node->src[0];
  int64_t n = dm_nn_cuda_numel(node->dst[0]);
  if (n == 0) return true;
  avg_pool_bwd_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      node->dst[0]->data, gy->data, gy->shape[0] * gy->shape[1], gy->shape[2], gy->shape[3],
      node->factor);
  return DM_NN_CUDA_LAUNCHED(error);
}

/* src [planes, h, w] -> dst [planes, ho, wo], dst[y, x] = src[y mod h, x mod w]. */
__global__ static void periodic_window_kernel(float *dst, const float *src, int64_t planes,
                                              int64_t h, int64_t w, int64_t ho, int64_t wo) {
  int64_t n = planes * ho * wo;
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t x = i % wo, y = (i / wo) % ho, plane = i / (wo * ho);
    dst[i] = src[(plane * h + y % h) * w + x % w];
  }
}

/* Adjoint: gy [planes, ho, wo] -> dx [planes, h, w], each element summed
 * over its copies in row-major order (as the CPU). */
__global__ static void periodic_fold_kernel(float *dx, const float *gy, int64_t planes, int64_t h,
                                            int64_t w, int64_t ho, int64_t wo) {
  int64_t n = planes * h * w;
  DM_NN_CUDA_GRID_LOOP(i, n) {
    int64_t x = i % w, y = (i / w) % h, plane = i / (w * h);
    const float *g = gy + plane * ho * wo;
    float sum = 0.0f;
    for (int64_t oy = y; oy < ho; oy += h)
      for (int64_t ox = x; ox < wo; ox += w) sum += g[oy * wo + ox];
    dx[i] = sum;
  }
}

bool dm_nn_cuda_periodic_window(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0], *y = node->dst[0];
  int64_t n = dm_nn_cuda_numel(y);
  if (n == 0) return true;
  periodic_window_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      y->data, x->data, x->shape[0] * x->shape[1], x->shape[2], x->shape[3], y->shape[2],
      y->shape[3]);
  return DM_NN_CUDA_LAUNCHED(error);
}

bool dm_nn_cuda_periodic_fold(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *gy = node->src[0], *dx = node->dst[0];
  int64_t n = dm_nn_cuda_numel(dx);
  if (n == 0) return true;
  periodic_fold_kernel<<<dm_nn_cuda_blocks(n), DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      dx->data, gy->data, dx->shape[0] * dx->shape[1], dx->shape[2], dx->shape[3], gy->shape[2],
      gy->shape[3]);
  return DM_NN_CUDA_LAUNCHED(error);
}

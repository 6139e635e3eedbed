/* CPU 2-D convolution (cross-correlation, zero padding, equal stride and
 * padding on both axes) and its two adjoints, by direct loops over output
 * planes.  Shapes: x [N,C,H,W], w [O,C,kh,kw], y [N,O,Ho,Wo] with
 * Ho = (H + 2 pad - kh) / stride + 1. */
#include <stdint.h>
#include <string.h>

#include "nn/nn-cpu-private.h"

typedef struct {
  int64_t n, c, h, w;     /* input */
  int64_t o, kh, kw;      /* filters */
  int64_t ho, wo;         /* output */
  int64_t stride, pad;
} ConvShape;

static ConvShape conv_shape(const DmTensor *x, const DmTensor *w, const DmTensor *y,
                            const DmNnNode *node) {
  return (ConvShape){.n = x->shape[0], .c = x->shape[1], .h = x->shape[2], .w = x->shape[3],
                     .o = w->shape[0], .kh = w->shape[2], .kw = w->shape[3],
                     .ho = y->shape[2], .wo = y->shape[3],
                     .stride = node->stride, .pad = node->pad};
}

/* Output columns ox whose input column ox*stride - pad + k lies in [0, w):
 * [*first, *last). */
static void valid_range(int64_t k, int64_t size, int64_t out, int64_t stride, int64_t pad,
                        int64_t *first, int64_t *last) {
  int64_t lo = pad - k > 0 ? (pad - k + stride - 1) / stride : 0;
  int64_t hi = (size - 1 + pad - k) >= 0 ? (size - 1 + pad - k) / stride + 1 : 0;
  if (hi > out) hi = out;
  *first = lo;
  *last = hi > lo ? hi : lo;
}

void dm_nn_cpu_conv2d(const DmNnNode *node) {
  const DmTensor *x = node->src[0], *w = node->src[1];
  const float *bias = node->src[2] ? node->src[2]->data : NULL;
  DmTensor *y = node->dst[0];
  const ConvShape s = conv_shape(x, w, y, node);
#pragma omp parallel for schedule(dynamic)
  for (int64_t no = 0; no < s.n * s.o; no++) {
    const int64_t n = no / s.o, o = no % s.o;
    float *out = y->data + no * s.ho * s.wo;
    const float b = bias ? bias[o] : 0.0f;
    for (int64_t i = 0; i < s.ho * s.wo; i++) out[i] = b;
    for (int64_t c = 0; c < s.c; c++) {
      const float *in = x->data + (n * s.c + c) * s.h * s.w;
      const float *filter = w->data + (o * s.c + c) * s.kh * s.kw;
      for (int64_t ky = 0; ky < s.kh; ky++) {
        int64_t oy0, oy1;
        valid_range(ky, s.h, s.ho, s.stride, s.pad, &oy0, &oy1);
        for (int64_t kx = 0; kx < s.kw; kx++) {
          int64_t ox0, ox1;
          valid_range(kx, s.w, s.wo, s.stride, s.pad, &ox0, &ox1);
          const float wv = filter[ky * s.kw + kx];
          for (int64_t oy = oy0; oy < oy1; oy++) {
            const float *row = in + (oy * s.stride - s.pad + ky) * s.w;
            float *dst = out + oy * s.wo;
            for (int64_t ox = ox0; ox < ox1; ox++)
              dst[ox] += wv * row[ox * s.stride - s.pad + kx];
          }
        }
      }
    }
  }
}

void dm_nn_cpu_conv2d_bwd_data(const DmNnNode *node) {
  const DmTensor *gy = node->src[0], *w = node->src[1];
  DmTensor *gx = node->dst[0];
  const ConvShape s = conv_shape(gx, w, gy, node);
#pragma omp parallel for schedule(dynamic)
  for (int64_t nc = 0; nc < s.n * s.c; nc++) {
    const int64_t n = nc / s.c, c = nc % s.c;
    float *in = gx->data + nc * s.h * s.w;
    memset(in, 0, (size_t)(s.h * s.w) * sizeof *in);
    for (int64_t o = 0; o < s.o; o++) {
      const float *g = gy->data + (n * s.o + o) * s.ho * s.wo;
      const float *filter = w->data + (o * s.c + c) * s.kh * s.kw;
      for (int64_t ky = 0; ky < s.kh; ky++) {
        int64_t oy0, oy1;
        valid_range(ky, s.h, s.ho, s.stride, s.pad, &oy0, &oy1);
        for (int64_t kx = 0; kx < s.kw; kx++) {
          int64_t ox0, ox1;
          valid_range(kx, s.w, s.wo, s.stride, s.pad, &ox0, &ox1);
          const float wv = filter[ky * s.kw + kx];
          for (int64_t oy = oy0; oy < oy1; oy++) {
            float *row = in + (oy * s.stride - s.pad + ky) * s.w;
            const float *src = g + oy * s.wo;
            for (int64_t ox = ox0; ox < ox1; ox++)
              row[ox * s.stride - s.pad + kx] += wv * src[ox];
          }
        }
      }
    }
  }
}

void dm_nn_cpu_conv2d_bwd_filter(const DmNnNode *node) {
  const DmTensor *x = node->src[0], *gy = node->src[1];
  DmTensor *gw = node->dst[0];
  float *gb = node->dst[1] ? node->dst[1]->data : NULL;
  const ConvShape s = conv_shape(x, gw, gy, node);
#pragma omp parallel for schedule(dynamic)
  for (int64_t oc = 0; oc < s.o * s.c; oc++) {
    const int64_t o = oc / s.c, c = oc % s.c;
    float *filter = gw->data + oc * s.kh * s.kw;
    for (int64_t ky = 0; ky < s.kh; ky++) {
      int64_t oy0, oy1;
      valid_range(ky, s.h, s.ho, s.stride, s.pad, &oy0, &oy1);
      for (int64_t kx = 0; kx < s.kw; kx++) {
        int64_t ox0, ox1;
        valid_range(kx, s.w, s.wo, s.stride, s.pad, &ox0, &ox1);
        double sum = 0.0;
        for (int64_t n = 0; n < s.n; n++) {
          const float *in = x->data + (n * s.c + c) * s.h * s.w;
          const float *g = gy->data + (n * s.o + o) * s.ho * s.wo;
          for (int64_t oy = oy0; oy < oy1; oy++) {
            const float *row = in + (oy * s.stride - s.pad + ky) * s.w;
            const float *src = g + oy * s.wo;
            float partial = 0.0f;
            for (int64_t ox = ox0; ox < ox1; ox++)
              partial += row[ox * s.stride - s.pad + kx] * src[ox];
            sum += partial;
          }
        }
        filter[ky * s.kw + kx] = (float)sum;
      }
    }
  }
  if (!gb) return;
#pragma omp parallel for schedule(static)
  for (int64_t o = 0; o < s.o; o++) {
    double sum = 0.0;
    for (int64_t n = 0; n < s.n; n++) {
      const float *g = gy->data + (n * s.o + o) * s.ho * s.wo;
      for (int64_t i = 0; i < s.ho * s.wo; i++) sum += g[i];
    }
    gb[o] = (float)sum;
  }
}

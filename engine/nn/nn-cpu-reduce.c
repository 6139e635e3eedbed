/* CPU reductions: per-channel sums, total or per-sample sums and sums of
 * squares, and the mean losses with their gradients.  Sums accumulate in
 * double. */
#include <math.h>
#include <stdint.h>

#include "nn/nn-cpu-private.h"

static int64_t numel(const DmTensor *t) {
  return t->shape[0] * t->shape[1] * t->shape[2] * t->shape[3];
}

double dm_nn_cpu_sum_floats(const float *x, int64_t n) {
  enum { BLOCK = 1024 };
  double total = 0.0;
  for (int64_t start = 0; start < n; start += BLOCK) {
    const int64_t end = start + BLOCK < n ? start + BLOCK : n;
    float partial = 0.0f;
#pragma omp simd reduction(+ : partial)
    for (int64_t i = start; i < end; i++) partial += x[i];
    total += partial;
  }
  return total;
}

void dm_nn_cpu_reduce_channel(const DmNnNode *node) {
  const DmTensor *x = node->src[0];
  float *dst = node->dst[0]->data;
  const int64_t batch = x->shape[0], channels = x->shape[1];
  const int64_t hw = x->shape[2] * x->shape[3];
  const bool per_sample = numel(node->dst[0]) != channels;
  const int64_t outputs = per_sample ? batch * channels : channels;
#pragma omp parallel for schedule(static)
  for (int64_t o = 0; o < outputs; o++) {
    double sum = 0.0;
    const int64_t first = per_sample ? o / channels : 0, last = per_sample ? first + 1 : batch;
    const int64_t c = o % channels;
    for (int64_t n = first; n < last; n++) sum += dm_nn_cpu_sum_floats(x->data + (n * channels + c) * hw, hw);
    dst[o] = (float)sum;
  }
}

/* Sum (or sum of squares) of count floats. */
static double sum_range(const float *x, int64_t count, bool squares) {
  double sum = 0.0;
  if (squares) {
#pragma omp parallel for reduction(+ : sum) schedule(static)
    for (int64_t i = 0; i < count; i++) sum += (double)x[i] * x[i];
  } else {
#pragma omp parallel for reduction(+ : sum) schedule(static)
    for (int64_t i = 0; i < count; i++) sum += x[i];
  }
  return sum;
}

void dm_nn_cpu_sum(const DmNnNode *node, bool squares) {
  const DmTensor *x = node->src[0];
  float *dst = node->dst[0]->data;
  const int64_t outputs = numel(node->dst[0]), per = numel(x) / outputs;
  for (int64_t o = 0; o < outputs; o++)
    dst[o] = (float)(node->alpha * sum_range(x->data + o * per, per, squares));
}

void dm_nn_cpu_loss(const DmNnNode *node) {
  const float *a = node->src[0]->data, *b = node->src[1]->data;
  const int64_t n = numel(node->src[0]);
  const bool l1 = node->mode == DM_NN_LOSS_L1;
  double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) schedule(static)
  for (int64_t i = 0; i < n; i++) {
    const double d = (double)a[i] - b[i];
    sum += l1 ? fabs(d) : d * d;
  }
  node->dst[0]->data[0] = (float)(sum / n);
}

void dm_nn_cpu_loss_bwd(const DmNnNode *node) {
  const float *a = node->src[0]->data, *b = node->src[1]->data;
  float *dst = node->dst[0]->data;
  const int64_t n = numel(node->src[0]);
  const bool l1 = node->mode == DM_NN_LOSS_L1;
  const float scale = (float)((l1 ? 1.0 : 2.0) * node->src[2]->data[0] / n);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i++) {
    const float d = a[i] - b[i];
    dst[i] = scale * (l1 ? (float)((d > 0.0f) - (d < 0.0f)) : d);
  }
}

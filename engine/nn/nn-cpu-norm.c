/* CPU group and batch normalisation, forward and backward.  Layouts of the
 * saved statistics:
 *   group norm: stats[2 (n groups + g)] = mean, [2 (n groups + g) + 1] = rstd;
 *   batch norm: stats[c] = mean, stats[C + c] = rstd (as running: mean, var).
 * gamma and beta may be NULL (1 and 0); so may the gradients dgamma, dbeta.
 *
 * Sums run over one (n, c) plane at a time in float blocks that vectorise,
 * each block added into a double.  The backward passes need, per plane,
 * only S1 = sum gy and S2 = sum gy x: with xhat = (x - mean) rstd,
 *   sum gy xhat = rstd (S2 - mean S1),
 * and the input gradient is then one affine map of (gy, x) per plane. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "nn/nn-cpu-private.h"

enum { BLOCK = 1024 };

static double squared_deviations(const float *x, int64_t n, float mean) {
  double total = 0.0;
  for (int64_t start = 0; start < n; start += BLOCK) {
    const int64_t end = start + BLOCK < n ? start + BLOCK : n;
    float partial = 0.0f;
#pragma omp simd reduction(+ : partial)
    for (int64_t i = start; i < end; i++) partial += (x[i] - mean) * (x[i] - mean);
    total += partial;
  }
  return total;
}

/* *s1 = sum gy, *s2 = sum gy (x - shift); shift (the mean) keeps S2 well
 * conditioned. */
static void gradient_sums(const float *gy, const float *x, int64_t n, float shift, double *s1,
                          double *s2) {
  double total1 = 0.0, total2 = 0.0;
  for (int64_t start = 0; start < n; start += BLOCK) {
    const int64_t end = start + BLOCK < n ? start + BLOCK : n;
    float partial1 = 0.0f, partial2 = 0.0f;
#pragma omp simd reduction(+ : partial1, partial2)
    for (int64_t i = start; i < end; i++) {
      partial1 += gy[i];
      partial2 += gy[i] * (x[i] - shift);
    }
    total1 += partial1;
    total2 += partial2;
  }
  *s1 = total1;
  *s2 = total2;
}

/* y = x scale + shift over one plane. */
static void affine_plane(const float *x, float *y, int64_t n, float scale, float shift) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) y[i] = x[i] * scale + shift;
}

/* gx = a gy + b x + c over one plane. */
static void gradient_plane(const float *gy, const float *x, float *gx, int64_t n, float a,
                           float b, float c) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) gx[i] = a * gy[i] + b * x[i] + c;
}

void dm_nn_cpu_group_norm(const DmNnNode *node) {
  const DmTensor *x = node->src[0];
  const float *gamma = node->src[1] ? node->src[1]->data : NULL;
  const float *beta = node->src[2] ? node->src[2]->data : NULL;
  float *y = node->dst[0]->data, *stats = node->dst[1] ? node->dst[1]->data : NULL;
  const int64_t batch = x->shape[0], channels = x->shape[1], hw = x->shape[2] * x->shape[3];
  const int groups = node->groups;
  const int64_t per_group = channels / groups, count = per_group * hw;
#pragma omp parallel for schedule(dynamic)
  for (int64_t ng = 0; ng < batch * groups; ng++) {
    const int64_t n = ng / groups, g = ng % groups;
    const float *xg = x->data + (n * channels + g * per_group) * hw;
    const float mean = (float)(dm_nn_cpu_sum_floats(xg, count) / count);
    const double rstd = 1.0 / sqrt(squared_deviations(xg, count, mean) / count + node->eps);
    if (stats) {
      stats[2 * ng] = mean;
      stats[2 * ng + 1] = (float)rstd;
    }
    for (int64_t cl = 0; cl < per_group; cl++) {
      const int64_t c = g * per_group + cl;
      const float scale = (float)rstd * (gamma ? gamma[c] : 1.0f);
      const float shift = (beta ? beta[c] : 0.0f) - mean * scale;
      affine_plane(xg + cl * hw, y + (n * channels + c) * hw, hw, scale, shift);
    }
  }
}

bool dm_nn_cpu_group_norm_bwd(const DmNnNode *node, DmError **error) {
  const float *gy = node->src[0]->data;
  const DmTensor *x = node->src[1];
  const float *gamma = node->src[2] ? node->src[2]->data : NULL;
  const float *stats = node->src[3]->data;
  float *gx = node->dst[0]->data;
  float *dgamma = node->dst[1] ? node->dst[1]->data : NULL;
  float *dbeta = node->dst[2] ? node->dst[2]->data : NULL;
  const int64_t batch = x->shape[0], channels = x->shape[1], hw = x->shape[2] * x->shape[3];
  const int groups = node->groups;
  const int64_t per_group = channels / groups, count = per_group * hw;
  /* Per plane (n, c): s1 = sum gy, s2 = sum gy (x - mean of its group). */
  double *s1 = malloc((size_t)(batch * channels) * sizeof *s1);
  double *s2 = malloc((size_t)(batch * channels) * sizeof *s2);
  if (!s1 || !s2) {
    free(s1);
    free(s2);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                        "Out of memory for group norm's per-channel sums.");
  }
#pragma omp parallel for schedule(dynamic)
  for (int64_t ng = 0; ng < batch * groups; ng++) {
    const int64_t n = ng / groups, g = ng % groups;
    const float mean = stats[2 * ng], rstd = stats[2 * ng + 1];
    /* gx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = gy gamma. */
    double sum_dxhat = 0.0, sum_dxhat_xhat = 0.0;
    for (int64_t cl = 0; cl < per_group; cl++) {
      const int64_t c = g * per_group + cl, plane = n * channels + c;
      gradient_sums(gy + plane * hw, x->data + plane * hw, hw, mean, &s1[plane], &s2[plane]);
      const double gm = gamma ? gamma[c] : 1.0;
      sum_dxhat += gm * s1[plane];
      sum_dxhat_xhat += gm * s2[plane] * rstd;
    }
    const double mean_dxhat = sum_dxhat / count, mean_dxhat_xhat = sum_dxhat_xhat / count;
    for (int64_t cl = 0; cl < per_group; cl++) {
      const int64_t c = g * per_group + cl, plane = n * channels + c;
      const double gm = gamma ? gamma[c] : 1.0;
      /* gx = rstd gm gy - rstd^2 mdx (x - mean) - rstd md */
      const double b = -(double)rstd * rstd * mean_dxhat_xhat;
      gradient_plane(gy + plane * hw, x->data + plane * hw, gx + plane * hw, hw,
                     (float)(rstd * gm), (float)b, (float)(-rstd * mean_dxhat - b * mean));
    }
  }
  if (dgamma || dbeta) {
    for (int64_t c = 0; c < channels; c++) {
      const int64_t g = c / per_group;
      double sum_gy = 0.0, sum_gy_xhat = 0.0;
      for (int64_t n = 0; n < batch; n++) {
        sum_gy += s1[n * channels + c];
        sum_gy_xhat += s2[n * channels + c] * stats[2 * (n * groups + g) + 1];
      }
      if (dgamma) dgamma[c] = (float)sum_gy_xhat;
      if (dbeta) dbeta[c] = (float)sum_gy;
    }
  }
  free(s1);
  free(s2);
  return true;
}

void dm_nn_cpu_batch_norm(const DmNnNode *node) {
  const DmTensor *x = node->src[0];
  const float *gamma = node->src[1] ? node->src[1]->data : NULL;
  const float *beta = node->src[2] ? node->src[2]->data : NULL;
  float *running = node->src[3] ? node->src[3]->data : NULL;
  float *y = node->dst[0]->data, *stats = node->dst[1] ? node->dst[1]->data : NULL;
  const int64_t batch = x->shape[0], channels = x->shape[1], hw = x->shape[2] * x->shape[3];
  const int64_t count = batch * hw;
#pragma omp parallel for schedule(dynamic)
  for (int64_t c = 0; c < channels; c++) {
    double mean, var;
    if (node->training) {
      double sum = 0.0, sum2 = 0.0;
      for (int64_t n = 0; n < batch; n++) sum += dm_nn_cpu_sum_floats(x->data + (n * channels + c) * hw, hw);
      mean = sum / count;
      for (int64_t n = 0; n < batch; n++)
        sum2 += squared_deviations(x->data + (n * channels + c) * hw, hw, (float)mean);
      var = sum2 / count;
      if (running) {
        const double m = node->momentum;
        const double unbiased = count > 1 ? sum2 / (count - 1) : var;
        running[c] = (float)((1.0 - m) * running[c] + m * mean);
        running[channels + c] = (float)((1.0 - m) * running[channels + c] + m * unbiased);
      }
    } else {
      mean = running[c];
      var = running[channels + c];
    }
    const double rstd = 1.0 / sqrt(var + node->eps);
    if (stats) {
      stats[c] = (float)mean;
      stats[channels + c] = (float)rstd;
    }
    const float scale = (float)rstd * (gamma ? gamma[c] : 1.0f);
    const float shift = (beta ? beta[c] : 0.0f) - (float)mean * scale;
    for (int64_t n = 0; n < batch; n++)
      affine_plane(x->data + (n * channels + c) * hw, y + (n * channels + c) * hw, hw, scale,
                   shift);
  }
}

void dm_nn_cpu_batch_norm_bwd(const DmNnNode *node) {
  const float *gy = node->src[0]->data;
  const DmTensor *x = node->src[1];
  const float *gamma = node->src[2] ? node->src[2]->data : NULL;
  const float *stats = node->src[3]->data;
  float *gx = node->dst[0]->data;
  float *dgamma = node->dst[1] ? node->dst[1]->data : NULL;
  float *dbeta = node->dst[2] ? node->dst[2]->data : NULL;
  const int64_t batch = x->shape[0], channels = x->shape[1], hw = x->shape[2] * x->shape[3];
  const int64_t count = batch * hw;
#pragma omp parallel for schedule(dynamic)
  for (int64_t c = 0; c < channels; c++) {
    const float mean = stats[c], rstd = stats[channels + c];
    double sum_gy = 0.0, sum_gy_centered = 0.0;
    for (int64_t n = 0; n < batch; n++) {
      double s1, s2;
      gradient_sums(gy + (n * channels + c) * hw, x->data + (n * channels + c) * hw, hw, mean,
                    &s1, &s2);
      sum_gy += s1;
      sum_gy_centered += s2;
    }
    const double sum_gy_xhat = sum_gy_centered * rstd;
    if (dgamma) dgamma[c] = (float)sum_gy_xhat;
    if (dbeta) dbeta[c] = (float)sum_gy;
    /* gx = gamma rstd (gy - mean(gy) - xhat mean(gy xhat)) */
    const double gm = gamma ? gamma[c] : 1.0;
    const double mean_gy = sum_gy / count, mean_gy_xhat = sum_gy_xhat / count;
    const double a = gm * rstd, b = -gm * (double)rstd * rstd * mean_gy_xhat;
    const float shift = (float)(-gm * rstd * mean_gy - b * mean);
    for (int64_t n = 0; n < batch; n++)
      gradient_plane(gy + (n * channels + c) * hw, x->data + (n * channels + c) * hw,
                     gx + (n * channels + c) * hw, hw, (float)a, (float)b, shift);
  }
}

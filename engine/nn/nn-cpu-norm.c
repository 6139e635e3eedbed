/* CPU group and batch normalisation, forward and backward.  Statistics
 * accumulate in double.  Layouts of the saved statistics:
 *   group norm: stats[2 (n groups + g)] = mean, [2 (n groups + g) + 1] = rstd;
 *   batch norm: stats[c] = mean, stats[C + c] = rstd (as running: mean, var).
 * gamma and beta may be NULL (1 and 0); so may the gradients dgamma, dbeta. */
#include <math.h>
#include <stdint.h>

#include "nn/nn-cpu-private.h"

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
    double sum = 0.0, sum2 = 0.0;
    for (int64_t i = 0; i < count; i++) sum += xg[i];
    const double mean = sum / count;
    for (int64_t i = 0; i < count; i++) sum2 += (xg[i] - mean) * (xg[i] - mean);
    const double rstd = 1.0 / sqrt(sum2 / count + node->eps);
    if (stats) {
      stats[2 * ng] = (float)mean;
      stats[2 * ng + 1] = (float)rstd;
    }
    for (int64_t cl = 0; cl < per_group; cl++) {
      const int64_t c = g * per_group + cl;
      const float scale = (float)rstd * (gamma ? gamma[c] : 1.0f);
      const float shift = (beta ? beta[c] : 0.0f) - (float)mean * scale;
      const float *xc = xg + cl * hw;
      float *yc = y + (n * channels + c) * hw;
      for (int64_t i = 0; i < hw; i++) yc[i] = xc[i] * scale + shift;
    }
  }
}

void dm_nn_cpu_group_norm_bwd(const DmNnNode *node) {
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
#pragma omp parallel for schedule(dynamic)
  for (int64_t ng = 0; ng < batch * groups; ng++) {
    const int64_t n = ng / groups, g = ng % groups;
    const double mean = stats[2 * ng], rstd = stats[2 * ng + 1];
    /* gx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = gy gamma. */
    double sum_dxhat = 0.0, sum_dxhat_xhat = 0.0;
    for (int64_t cl = 0; cl < per_group; cl++) {
      const int64_t c = g * per_group + cl, offset = (n * channels + c) * hw;
      const double gm = gamma ? gamma[c] : 1.0;
      for (int64_t i = 0; i < hw; i++) {
        const double dxhat = gy[offset + i] * gm;
        sum_dxhat += dxhat;
        sum_dxhat_xhat += dxhat * (x->data[offset + i] - mean) * rstd;
      }
    }
    const double mean_dxhat = sum_dxhat / count, mean_dxhat_xhat = sum_dxhat_xhat / count;
    for (int64_t cl = 0; cl < per_group; cl++) {
      const int64_t c = g * per_group + cl, offset = (n * channels + c) * hw;
      const double gm = gamma ? gamma[c] : 1.0;
      for (int64_t i = 0; i < hw; i++) {
        const double xhat = (x->data[offset + i] - mean) * rstd;
        gx[offset + i] = (float)(rstd * (gy[offset + i] * gm - mean_dxhat - xhat * mean_dxhat_xhat));
      }
    }
  }
  if (!dgamma && !dbeta) return;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < channels; c++) {
    const int64_t g = c / per_group;
    double sum_gy = 0.0, sum_gy_xhat = 0.0;
    for (int64_t n = 0; n < batch; n++) {
      const double mean = stats[2 * (n * groups + g)], rstd = stats[2 * (n * groups + g) + 1];
      const int64_t offset = (n * channels + c) * hw;
      for (int64_t i = 0; i < hw; i++) {
        sum_gy += gy[offset + i];
        sum_gy_xhat += gy[offset + i] * (x->data[offset + i] - mean) * rstd;
      }
    }
    if (dgamma) dgamma[c] = (float)sum_gy_xhat;
    if (dbeta) dbeta[c] = (float)sum_gy;
  }
}

void dm_nn_cpu_batch_norm(const DmNnNode *node) {
  const DmTensor *x = node->src[0];
  const float *gamma = node->src[1] ? node->src[1]->data : NULL;
  const float *beta = node->src[2] ? node->src[2]->data : NULL;
  float *running = node->src[3] ? node->src[3]->data : NULL;
  float *y = node->dst[0]->data, *stats = node->dst[1] ? node->dst[1]->data : NULL;
  const int64_t batch = x->shape[0], channels = x->shape[1], hw = x->shape[2] * x->shape[3];
  const int64_t count = batch * hw;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < channels; c++) {
    double mean, var;
    if (node->training) {
      double sum = 0.0, sum2 = 0.0;
      for (int64_t n = 0; n < batch; n++)
        for (int64_t i = 0; i < hw; i++) sum += x->data[(n * channels + c) * hw + i];
      mean = sum / count;
      for (int64_t n = 0; n < batch; n++)
        for (int64_t i = 0; i < hw; i++) {
          const double d = x->data[(n * channels + c) * hw + i] - mean;
          sum2 += d * d;
        }
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
    for (int64_t n = 0; n < batch; n++) {
      const int64_t offset = (n * channels + c) * hw;
      for (int64_t i = 0; i < hw; i++) y[offset + i] = x->data[offset + i] * scale + shift;
    }
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
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < channels; c++) {
    const double mean = stats[c], rstd = stats[channels + c];
    double sum_gy = 0.0, sum_gy_xhat = 0.0;
    for (int64_t n = 0; n < batch; n++) {
      const int64_t offset = (n * channels + c) * hw;
      for (int64_t i = 0; i < hw; i++) {
        sum_gy += gy[offset + i];
        sum_gy_xhat += gy[offset + i] * (x->data[offset + i] - mean) * rstd;
      }
    }
    if (dgamma) dgamma[c] = (float)sum_gy_xhat;
    if (dbeta) dbeta[c] = (float)sum_gy;
    /* gx = gamma rstd (gy - mean(gy) - xhat mean(gy xhat)). */
    const double gm = gamma ? gamma[c] : 1.0;
    const double mean_gy = sum_gy / count, mean_gy_xhat = sum_gy_xhat / count;
    for (int64_t n = 0; n < batch; n++) {
      const int64_t offset = (n * channels + c) * hw;
      for (int64_t i = 0; i < hw; i++) {
        const double xhat = (x->data[offset + i] - mean) * rstd;
        gx[offset + i] = (float)(gm * rstd * (gy[offset + i] - mean_gy - xhat * mean_gy_xhat));
      }
    }
  }
}

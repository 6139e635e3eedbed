/* MMGAN loss terms: the exact gradient penalty and the rcGAN standard
 * deviation reward (darkmap/mmgan-train.h). */
#include "darkmap/mmgan-train.h"

#include <math.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"

DmTensor *dm_mmgan_gradient_penalty(DmMmgan *m, DmTensor *kappa_hat, DmTensor *condition) {
  DmNn *nn = m->nn;
  DmTensor *scores = dm_mmgan_critic(m, kappa_hat, condition);
  DmTensor *g = dm_nn_grad(nn, dm_nn_sum(nn, scores), kappa_hat, true);
  DmTensor *excess = dm_nn_scale(nn, dm_nn_sqrt(nn, dm_nn_sum_squares_per_sample(nn, g)), 1.0f,
                                 -1.0f);
  return dm_nn_mean(nn, dm_nn_mul(nn, excess, excess));
}

DmTensor *dm_mmgan_std_reward(DmNn *nn, DmTensor *samples, int p, DmTensor **mean) {
  *mean = NULL;
  if (!samples) return NULL;
  if (p < 2 || samples->shape[0] % p != 0 || samples->shape[1] != 1) {
    dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT,
               "The standard deviation reward needs P >= 2 one-channel samples per condition "
               "(%lld samples, P = %d).",
               (long long)samples->shape[0], p);
    return NULL;
  }
  int64_t b = samples->shape[0] / p, h = samples->shape[2], w = samples->shape[3];
  /* Condition b's samples as the channels of row b. */
  DmTensor *rows = dm_nn_reshape(nn, samples, b, p, h, w);
  DmTensor *sum = dm_nn_slice_channels(nn, rows, 0, 1);
  for (int i = 1; i < p; i++) sum = dm_nn_add(nn, sum, dm_nn_slice_channels(nn, rows, i, 1));
  DmTensor *x_mean = dm_nn_scale(nn, sum, (float)(1.0 / p), 0.0f);
  DmTensor *total = NULL;
  for (int i = 0; i < p; i++) {
    DmTensor *term = dm_nn_l1_loss(nn, dm_nn_slice_channels(nn, rows, i, 1), x_mean);
    total = total ? dm_nn_add(nn, total, term) : term;
  }
  *mean = x_mean;
  return dm_nn_scale(nn, total, (float)sqrt(M_PI / (2.0 * p * (p - 1.0))), 0.0f);
}

/* MMGAN loss terms: the exact gradient penalty of the critic (its gradient
 * with respect to the critic's weights, through double backward, against
 * central differences of the penalty) and the rcGAN standard deviation
 * reward and P-sample mean against hand-computed values. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/mmgan-train.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "../nn/nn-test-util.h"

typedef struct {
  DmMmgan *m;
  DmTensor *kappa_hat, *cond;
} Case;

static double penalty_value(Case *c) {
  DmTensor *gp = dm_mmgan_gradient_penalty(c->m, c->kappa_hat, c->cond);
  double value = gp ? dm_tensor_item(gp) : NAN;
  dm_nn_clear(c->m->nn);
  return value;
}

static void check_gradient_penalty(DmNn *nn) {
  DmError *error = NULL;
  DmMmganConfig config;
  dm_mmgan_config_init(&config);
  config.nx = config.ny = 8;
  config.depth = 1;
  config.base_width = 4;
  config.groups = 1;
  config.critic_base = 2;
  DmMmgan *m = dm_mmgan_new(nn, &config, true, 7, &error);
  CHECK_OK(m != NULL, error);
  if (!m) return;
  Case c = {m, dm_tensor_new(nn, 2, 1, 8, 8), dm_tensor_new(nn, 2, 4, 8, 8)};
  nn_test_fill_normal(c.kappa_hat, 3, 0, 1.0);
  nn_test_fill_normal(c.cond, 3, 1, 1.0);
  dm_tensor_set_requires_grad(c.kappa_hat, true);
  /* Larger weights than PyTorch's initialisation so that the penalty is
   * far from its minimum and every layer matters. */
  for (int i = 0; i < dm_nn_params_count(m->critic_params); i++)
    nn_test_fill_normal(dm_nn_params_tensor(m->critic_params, i), 5, (uint64_t)i, 0.4);
  DmTensor *gp = dm_mmgan_gradient_penalty(m, c.kappa_hat, c.cond);
  double value = gp ? dm_tensor_item(gp) : NAN;
  printf("gradient penalty %.6f\n", value);
  CHECK(gp && value > 0.01 && isfinite(value));
  CHECK(gp && dm_nn_backward(nn, gp));
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_clear(nn);
  const char *names[] = {"conv.0.weight", "conv.3.weight", "conv.5.weight", "fc.weight"};
  for (int k = 0; k < 4; k++) {
    DmTensor *w = dm_nn_params_find(m->critic_params, names[k]);
    CHECK(w && w->grad);
    if (!w || !w->grad) continue;
    float *analytic = nn_test_download(w->grad), *host = nn_test_download(w);
    int64_t n = dm_tensor_numel(w);
    double diff2 = 0.0, norm2 = 0.0, step = 2e-4, center = penalty_value(&c);
    int kinks = 0;
    for (int s = 0; s < 12; s++) {
      int64_t j = ((int64_t)s * n / 12 + s) % n;
      float x = host[j];
      host[j] = (float)(x + step);
      dm_tensor_upload(w, host, (size_t)n);
      double plus = penalty_value(&c);
      host[j] = (float)(x - step);
      dm_tensor_upload(w, host, (size_t)n);
      double minus = penalty_value(&c);
      host[j] = x;
      dm_tensor_upload(w, host, (size_t)n);
      /* The penalty jumps where a LeakyReLU input crosses 0 (its gradient
       * changes slope there): one-sided differences that disagree mark
       * such a kink within the step, where differences say nothing. */
      double right = (plus - center) / step, left = (center - minus) / step;
      if (fabs(right - left) > 0.1 * fmax(fmax(fabs(right), fabs(left)), 1e-3)) {
        kinks++;
        continue;
      }
      double numeric = (plus - minus) / (2 * step);
      diff2 += (analytic[j] - numeric) * (analytic[j] - numeric);
      norm2 += numeric * numeric;
    }
    CHECK(kinks <= 3);
    double rel = sqrt(diff2) / fmax(sqrt(norm2), 1e-12);
    printf("d GP / d %-14s relative error %.2e (norm %.3g, %d kinks skipped)\n", names[k], rel,
           sqrt(norm2), kinks);
    CHECK(norm2 > 0.0 && rel < 2e-2);
    free(analytic);
    free(host);
  }
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_tensor_free(c.kappa_hat);
  dm_tensor_free(c.cond);
  dm_mmgan_free(m);
}

static void check_std_reward(DmNn *nn) {
  DmError *error = NULL;
  /* Two conditions, P = 2, 1 × 2 pixels: samples (0, 2), (2, 2) and
   * (1, −1), (3, 1). */
  float values[8] = {0, 2, 2, 2, 1, -1, 3, 1};
  DmTensor *samples = dm_tensor_temp(nn, 4, 1, 1, 2);
  CHECK(samples && dm_tensor_upload(samples, values, 8));
  DmTensor *mean = NULL;
  DmTensor *sd = dm_mmgan_std_reward(nn, samples, 2, &mean);
  CHECK(sd && mean);
  if (sd && mean) {
    float m[4];
    CHECK(dm_tensor_download(mean, m, 4));
    CHECK_CLOSE(m[0], 1.0, 1e-6);
    CHECK_CLOSE(m[1], 2.0, 1e-6);
    CHECK_CLOSE(m[2], 2.0, 1e-6);
    CHECK_CLOSE(m[3], 0.0, 1e-6);
    /* Σ_i mean|x_i − x̄| = (1 + 0 + 1 + 1) / 4 + (1 + 0 + 1 + 1) / 4 = 1.5,
     * times sqrt(pi / 4). */
    CHECK_CLOSE(dm_tensor_item(sd), 1.5 * sqrt(M_PI / 4.0), 1e-6);
  }
  dm_nn_clear(nn);
  /* For Gaussian samples of std s the reward's expectation is s. */
  enum { PAIRS = 20000 };
  float *gauss = malloc(2 * PAIRS * sizeof *gauss);
  DmRng rng;
  dm_rng_init(&rng, 11, 0);
  for (int i = 0; i < 2 * PAIRS; i++) gauss[i] = (float)(0.3 * dm_rng_normal(&rng));
  samples = dm_tensor_temp(nn, 2 * PAIRS, 1, 1, 1);
  CHECK(samples && dm_tensor_upload(samples, gauss, 2 * PAIRS));
  sd = dm_mmgan_std_reward(nn, samples, 2, &mean);
  double expected = sd ? dm_tensor_item(sd) : NAN;
  printf("L_SD of N(0, 0.3²) pairs: %.4f\n", expected);
  CHECK_CLOSE(expected, 0.3, 0.006);
  free(gauss);
  dm_nn_clear(nn);
  /* P = 1 has no spread to reward. */
  samples = dm_tensor_temp(nn, 3, 1, 1, 2);
  CHECK(dm_mmgan_std_reward(nn, samples, 1, &mean) == NULL);
  CHECK(!dm_nn_take_error(nn, &error) && error && error->code == DM_ERROR_INVALID_ARGUMENT);
  dm_error_clear(&error);
  dm_nn_clear(nn);
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  check_gradient_penalty(nn);
  check_std_reward(nn);
  dm_nn_free(nn);
  return dm_test_result();
}

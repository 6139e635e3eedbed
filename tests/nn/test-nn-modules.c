/* The DCGAN generator and discriminator, the noise-conditioned U-Net and
 * the WGAN critic: output shapes
 * and ranges, parameter counts from the layer formulas, every trainable
 * tensor reached by backward, spectral normalisation bringing each weight's
 * largest singular value to 1, and the gradient penalty through the
 * spectrally normalised critic against finite differences.  The penalty
 * here is mean |g|^2 (g = d critic / d x), whose relative sensitivity to the
 * weights is large enough for float32 differences; the (|g| - 1)^2 form is
 * checked in test-nn-double-backward. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "nn-test-util.h"

static void check_all_have_gradients(const DmNnParams *params, const char *label) {
  int missing = 0;
  for (int i = 0; i < dm_nn_params_count(params); i++)
    if (dm_nn_params_trainable(params, i) && !dm_nn_params_tensor(params, i)->grad) {
      fprintf(stderr, "%s: %s has no gradient\n", label, dm_nn_params_name(params, i));
      missing++;
    }
  CHECK(missing == 0);
}

static void check_dcgan(DmNn *nn) {
  DmDcganConfig config = {.z_dim = 8, .base = 4, .out_channels = 1, .image_size = 32};
  DmError *error = NULL;
  DmNnParams *gp = dm_nn_params_new(nn), *dp = dm_nn_params_new(nn);
  DmDcganGenerator *g = dm_dcgan_generator_new(gp, &config, 1, &error);
  CHECK_OK(g != NULL, error);
  DmDcganDiscriminator *d = dm_dcgan_discriminator_new(dp, &config, 2, &error);
  CHECK_OK(d != NULL, error);
  if (!g || !d) return;

  /* Generator: fc z -> 8b s0^2 (s0 = 2), BN(8b), transposed convs 5x5
   * 8b -> 4b -> 2b -> b -> 1 with BN(4b, 2b, b). */
  int64_t b = 4, s0 = 2;
  int64_t gen = 8 * (8 * b * s0 * s0) + 8 * b * s0 * s0 + 2 * 8 * b;
  int64_t widths[5] = {8 * b, 4 * b, 2 * b, b, 1};
  for (int i = 0; i < 4; i++) gen += widths[i] * widths[i + 1] * 25 + widths[i + 1];
  for (int i = 1; i < 4; i++) gen += 2 * widths[i];
  CHECK(dm_nn_params_numel(gp) == gen);
  CHECK(dm_nn_params_count(gp) == 22);
  CHECK(dm_nn_params_find(gp, "up.3.weight") && dm_nn_params_find(gp, "norm.0.running"));
  /* Discriminator: convs 5x5 1 -> b -> 2b -> 4b -> 8b, BN after the last
   * three, fc 8b s0^2 -> 1. */
  int64_t disc = 0, dw[5] = {1, b, 2 * b, 4 * b, 8 * b};
  for (int i = 0; i < 4; i++) disc += dw[i] * dw[i + 1] * 25 + dw[i + 1] + (i > 0 ? 2 * dw[i + 1] : 0);
  disc += 8 * b * s0 * s0 + 1;
  CHECK(dm_nn_params_numel(dp) == disc);
  printf("DCGAN: generator %lld parameters, discriminator %lld\n", (long long)gen, (long long)disc);

  DmTensor *z = dm_tensor_new(nn, 3, 8, 1, 1);
  nn_test_fill_normal(z, 5, 0, 1.0);
  DmTensor *image = dm_dcgan_generator_forward(g, z, true);
  CHECK(image && image->shape[0] == 3 && image->shape[1] == 1 && image->shape[2] == 32 &&
        image->shape[3] == 32);
  if (image) {
    float *host = nn_test_download(image);
    bool in_range = true;
    for (int64_t i = 0; i < dm_tensor_numel(image); i++) in_range &= fabsf(host[i]) < 1.0f;
    CHECK(in_range);
    free(host);
  }
  DmTensor *logit = dm_dcgan_discriminator_forward(d, image, true);
  CHECK(logit && dm_tensor_numel(logit) == 3);
  CHECK(dm_nn_backward(nn, dm_nn_mean(nn, logit)));
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_clear(nn);
  check_all_have_gradients(gp, "generator");
  check_all_have_gradients(dp, "discriminator");

  /* Evaluation mode uses the running statistics the training pass updated. */
  logit = dm_dcgan_discriminator_forward(d, dm_dcgan_generator_forward(g, z, false), false);
  CHECK(logit != NULL);
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_clear(nn);
  dm_tensor_free(z);
  dm_dcgan_generator_free(g);
  dm_dcgan_discriminator_free(d);
  dm_nn_params_free(gp);
  dm_nn_params_free(dp);
}

/* The largest singular value of t's matrix view (rows = shape[0]), by 500
 * power iterations in double. */
static double largest_singular_value(const DmTensor *t) {
  float *a = nn_test_download(t);
  int64_t rows = t->shape[0], cols = dm_tensor_numel(t) / rows;
  double *v = malloc((size_t)cols * sizeof *v), *u = malloc((size_t)rows * sizeof *u);
  for (int64_t j = 0; j < cols; j++) v[j] = 1.0 + 0.01 * (double)j;
  double sigma = 0;
  for (int it = 0; it < 500; it++) {
    double nu = 0, nv = 0;
    for (int64_t i = 0; i < rows; i++) {
      u[i] = 0;
      for (int64_t j = 0; j < cols; j++) u[i] += a[i * cols + j] * v[j];
      nu += u[i] * u[i];
    }
    for (int64_t j = 0; j < cols; j++) {
      v[j] = 0;
      for (int64_t i = 0; i < rows; i++) v[j] += a[i * cols + j] * u[i];
      nv += v[j] * v[j];
    }
    sigma = sqrt(nv / nu);
    for (int64_t j = 0; j < cols; j++) v[j] /= sqrt(nv);
  }
  free(a);
  free(u);
  free(v);
  return sigma;
}

typedef struct {
  DmCritic *critic;
  DmTensor *x;
} PenaltyData;

static DmTensor *penalty_of(DmNn *nn, PenaltyData *p, bool create_graph) {
  DmTensor *score = dm_nn_sum(nn, dm_critic_forward(p->critic, p->x, false));
  DmTensor *g = dm_nn_grad(nn, score, p->x, create_graph);
  return dm_nn_mean(nn, dm_nn_sum_squares_per_sample(nn, g));
}

static double penalty_value(DmNn *nn, PenaltyData *p) {
  DmTensor *t = penalty_of(nn, p, false);
  double value = t ? dm_tensor_item(t) : NAN;
  dm_nn_clear(nn);
  return value;
}

/* (f(w_j + step) - f(w_j - step)) / 2 step. */
static double central_difference(DmNn *nn, double (*f)(DmNn *, void *), void *data, DmTensor *w,
                                 int64_t j, double step) {
  float *host = nn_test_download(w);
  size_t n = (size_t)dm_tensor_numel(w);
  float original = host[j];
  host[j] = (float)(original + step);
  CHECK(dm_tensor_upload(w, host, n));
  double plus = f(nn, data);
  host[j] = (float)(original - step);
  CHECK(dm_tensor_upload(w, host, n));
  double minus = f(nn, data);
  host[j] = original;
  CHECK(dm_tensor_upload(w, host, n));
  free(host);
  return (plus - minus) / (2 * step);
}

/* w->grad against central differences of f (steps `step` and step / 2) on
 * 12 elements spread over w, skipping elements where a LeakyReLU input
 * crosses 0 within the step (the differences at the two steps then
 * disagree); at least 8 must be smooth.  Returns |analytic - numeric|_2 /
 * |numeric|_2. */
static double check_against_differences(DmNn *nn, double (*f)(DmNn *, void *), void *data,
                                        DmTensor *w, double step, const char *label) {
  CHECK(w->grad != NULL);
  if (!w->grad) return INFINITY;
  float *analytic = nn_test_download(w->grad);
  int64_t n = dm_tensor_numel(w);
  double diff2 = 0, norm2 = 0;
  int used = 0;
  for (int m = 0; m < 12; m++) {
    int64_t j = m * n / 12;
    double fine = central_difference(nn, f, data, w, j, step / 2);
    double coarse = central_difference(nn, f, data, w, j, step);
    if (fabs(fine - coarse) > 0.05 * fabs(coarse)) continue;
    used++;
    diff2 += (analytic[j] - fine) * (analytic[j] - fine);
    norm2 += fine * fine;
  }
  free(analytic);
  double rel = sqrt(diff2) / fmax(sqrt(norm2), 1e-12);
  printf("%-46s relative error %.2e (%d of 12 elements smooth)\n", label, rel, used);
  CHECK(used >= 8);
  return rel;
}

static double penalty_callback(DmNn *nn, void *data) { return penalty_value(nn, data); }

static void check_critic(DmNn *nn) {
  DmCriticConfig config = {.in_channels = 2, .base = 4, .spectral_norm = true};
  DmError *error = NULL;
  DmNnParams *params = dm_nn_params_new(nn);
  DmCritic *critic = dm_critic_new(params, &config, 3, &error);
  CHECK_OK(critic != NULL, error);
  if (!critic) return;
  CHECK(dm_nn_params_count(params) == 6 * 3 + 3);
  CHECK(dm_nn_params_find(params, "conv.5.u") && dm_nn_params_find(params, "fc.u"));

  DmTensor *x = dm_tensor_new(nn, 2, 2, 8, 8);
  nn_test_fill_normal(x, 9, 0, 1.0);
  DmTensor *score = dm_critic_forward(critic, x, true);
  CHECK(score && score->shape[0] == 2 && dm_tensor_numel(score) == 2);
  dm_nn_clear(nn);

  /* Training calls run power iterations: after enough of them u is the
   * leading singular vector and W / sigma has largest singular value 1. */
  for (int i = 0; i < 60; i++) {
    CHECK(dm_critic_forward(critic, x, true) != NULL);
    dm_nn_clear(nn);
  }
  double worst = 0;
  for (int i = 0; i < 6; i++) {
    char wname[32], uname[32];
    snprintf(wname, sizeof wname, "conv.%d.weight", i);
    snprintf(uname, sizeof uname, "conv.%d.u", i);
    DmTensor *normalized = dm_nn_spectral_normalize(nn, dm_nn_params_find(params, wname),
                                                    dm_nn_params_find(params, uname), 0, false);
    CHECK(normalized != NULL);
    if (normalized) worst = fmax(worst, fabs(largest_singular_value(normalized) - 1.0));
    dm_nn_clear(nn);
  }
  printf("critic: spectrally normalised weights' largest singular value within %.1e of 1\n", worst);
  CHECK(worst < 1e-3);

  /* Gradient penalty through the spectrally normalised critic (evaluation
   * mode: u fixed, so the penalty is a function of the weights alone). */
  dm_tensor_set_requires_grad(x, true);
  PenaltyData data = {critic, x};
  DmTensor *penalty = penalty_of(nn, &data, true);
  CHECK(dm_nn_backward(nn, penalty));
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_clear(nn);
  const char *names[] = {"conv.0.weight", "conv.3.weight", "fc.weight"};
  for (int k = 0; k < 3; k++) {
    char label[64];
    snprintf(label, sizeof label, "critic gradient penalty / %s", names[k]);
    double rel = check_against_differences(nn, penalty_callback, &data,
                                           dm_nn_params_find(params, names[k]), 1e-3, label);
    CHECK(rel < 2e-3);
  }
  dm_tensor_free(x);
  dm_critic_free(critic);
  dm_nn_params_free(params);
}

typedef struct {
  DmUNet *unet;
  DmTensor *x, *sigma, *r;
} UNetData;

/* sum(unet(x, sigma) * r). */
static DmTensor *unet_loss(DmNn *nn, UNetData *d) {
  return dm_nn_sum(nn, dm_nn_mul(nn, dm_unet_forward(d->unet, d->x, d->sigma), d->r));
}

/* The same sum, in double on the host. */
static double unet_loss_value(DmNn *nn, void *data) {
  UNetData *d = data;
  bool was = dm_nn_set_recording(nn, false);
  DmTensor *out = dm_unet_forward(d->unet, d->x, d->sigma);
  double value = NAN;
  if (out) {
    float *y = nn_test_download(out), *r = nn_test_download(d->r);
    value = 0;
    for (int64_t i = 0; i < dm_tensor_numel(out); i++) value += (double)y[i] * r[i];
    free(y);
    free(r);
  }
  dm_nn_clear(nn);
  dm_nn_set_recording(nn, was);
  return value;
}

/* The U-Net with noise conditioning: its extra tensors, the output's
 * dependence on sigma, and the gradients of the conditioning path.  Slope 1
 * makes LeakyReLU the identity, so that the network is smooth and central
 * differences are exact to float rounding. */
static void check_unet_noise(DmNn *nn) {
  DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = 2, .base_width = 8,
                         .groups = 4, .slope = 1.0f, .noise_features = 4};
  DmError *error = NULL;
  DmNnParams *params = dm_nn_params_new(nn);
  DmUNet *unet = dm_unet_new(params, &config, 21, &error);
  CHECK_OK(unet != NULL, error);
  if (!unet) return;
  /* 44 tensors unconditioned, + noise.{weight,bias} in 5 blocks, +
   * embed.freqs and embed.linear.{weight,bias}. */
  CHECK(dm_nn_params_count(params) == 44 + 10 + 3);
  DmTensor *embed = dm_nn_params_find(params, "embed.linear.weight");
  DmTensor *noise = dm_nn_params_find(params, "dec.1.noise.weight");
  CHECK(embed && embed->shape[0] == 32 && embed->shape[1] == 8);
  CHECK(noise && noise->shape[0] == 8 && noise->shape[1] == 32);
  CHECK(dm_nn_params_find(params, "mid.noise.bias") && dm_nn_params_find(params, "embed.freqs"));
  if (!embed || !noise) return;

  UNetData d = {unet, dm_tensor_new(nn, 2, 1, 16, 16), dm_tensor_new(nn, 2, 1, 1, 1),
                dm_tensor_new(nn, 2, 1, 16, 16)};
  nn_test_fill_normal(d.x, 4, 0, 1.0);
  nn_test_fill_normal(d.r, 4, 1, 1.0);
  const float sigmas[2] = {0.1f, 2.0f}, other[2] = {0.3f, 2.0f};
  CHECK(dm_tensor_upload(d.sigma, sigmas, 2));
  double value = unet_loss_value(nn, &d);
  CHECK(dm_tensor_upload(d.sigma, other, 2));
  CHECK(fabs(unet_loss_value(nn, &d) - value) > 1e-4 * fabs(value));
  CHECK(dm_tensor_upload(d.sigma, sigmas, 2));

  CHECK(dm_nn_backward(nn, unet_loss(nn, &d)));
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_clear(nn);
  check_all_have_gradients(params, "conditioned U-Net");
  CHECK(check_against_differences(nn, unet_loss_value, &d, embed, 4e-2, "U-Net embed.linear.weight") < 2e-3);
  CHECK(check_against_differences(nn, unet_loss_value, &d, noise, 4e-2, "U-Net dec.1.noise.weight") < 2e-3);
  dm_tensor_free(d.x);
  dm_tensor_free(d.sigma);
  dm_tensor_free(d.r);
  dm_unet_free(unet);
  dm_nn_params_free(params);
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  check_dcgan(nn);
  check_unet_noise(nn);
  check_critic(nn);
  dm_nn_free(nn);
  return dm_test_result();
}

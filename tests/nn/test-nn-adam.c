/* Adam / AdamW against the update computed by hand in double, global-norm
 * clipping, missing gradients, the state file, the weight EMA and the
 * learning-rate schedules' closed forms. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "darkmap/nn-optim.h"
#include "nn-test-util.h"

#define N_A 12
#define N_B 5
#define STEPS 4

typedef struct {
  DmNnParams *params;
  DmTensor *a, *b;   /* trainable: (3,4,1,1) and (5,1,1,1) */
  DmTensor *unused;  /* trainable, never given a gradient */
  DmTensor *buffer;  /* not trainable */
} Net;

static Net net_new(DmNn *nn) {
  Net net;
  net.params = dm_nn_params_new(nn);
  net.a = dm_nn_params_add(net.params, "a", true, 3, 4, 1, 1);
  net.buffer = dm_nn_params_add(net.params, "buffer", false, 2, 1, 1, 1);
  net.b = dm_nn_params_add(net.params, "b", true, 5, 1, 1, 1);
  net.unused = dm_nn_params_add(net.params, "unused", true, 3, 1, 1, 1);
  nn_test_fill_normal(net.a, 1, 0, 1.0);
  nn_test_fill_normal(net.b, 1, 1, 1.0);
  nn_test_fill_normal(net.unused, 1, 2, 1.0);
  nn_test_fill_normal(net.buffer, 1, 3, 1.0);
  return net;
}

/* Sets a->grad, b->grad to the step's gradients through backward of
 * sum(a ga) + sum(b gb), whose gradients are exactly ga, gb. */
static void set_gradients(DmNn *nn, Net *net, const float *ga, const float *gb) {
  DmTensor *tga = dm_tensor_temp(nn, 3, 4, 1, 1), *tgb = dm_tensor_temp(nn, 5, 1, 1, 1);
  CHECK(dm_tensor_upload(tga, ga, N_A) && dm_tensor_upload(tgb, gb, N_B));
  DmTensor *loss = dm_nn_add(nn, dm_nn_sum(nn, dm_nn_mul(nn, net->a, tga)),
                             dm_nn_sum(nn, dm_nn_mul(nn, net->b, tgb)));
  DmTensor *zero[] = {net->a, net->b};
  dm_nn_zero_grad(zero, 2);
  CHECK(dm_nn_backward(nn, loss));
  dm_nn_clear(nn);
}

/* The reference: one Adam step in double on n values. */
static void adam_reference(const DmAdamConfig *c, double lr, int64_t t, double scale, double *w,
                           double *m, double *v, const float *grad, int n) {
  double b1 = 1 - pow(c->beta1, (double)t), b2 = 1 - pow(c->beta2, (double)t);
  for (int i = 0; i < n; i++) {
    double g = scale * grad[i];
    if (c->decoupled) w[i] -= lr * c->weight_decay * w[i];
    else g += c->weight_decay * w[i];
    m[i] = c->beta1 * m[i] + (1 - c->beta1) * g;
    v[i] = c->beta2 * v[i] + (1 - c->beta2) * g * g;
    w[i] -= lr * (m[i] / b1) / (sqrt(v[i] / b2) + c->eps);
  }
}

static double max_rel_diff(const DmTensor *t, const double *ref, int n) {
  float *host = nn_test_download(t);
  double worst = 0;
  for (int i = 0; i < n; i++) {
    double d = fabs(host[i] - ref[i]) / fmax(fabs(ref[i]), 1e-3);
    if (d > worst) worst = d;
  }
  free(host);
  return worst;
}

static void check_adam(DmNn *nn, const char *label, DmAdamConfig config) {
  Net net = net_new(nn);
  DmError *error = NULL;
  DmAdam *adam = dm_adam_new(net.params, &config, &error);
  CHECK_OK(adam != NULL, error);
  double wa[N_A], wb[N_B], wu[3], ma[N_A] = {0}, va[N_A] = {0}, mb[N_B] = {0}, vb[N_B] = {0},
         mu[3] = {0}, vu[3] = {0};
  float *host = nn_test_download(net.a);
  for (int i = 0; i < N_A; i++) wa[i] = host[i];
  free(host);
  host = nn_test_download(net.b);
  for (int i = 0; i < N_B; i++) wb[i] = host[i];
  free(host);
  host = nn_test_download(net.unused);
  for (int i = 0; i < 3; i++) wu[i] = host[i];
  free(host);
  const float zeros[3] = {0};

  DmRng rng;
  dm_rng_init(&rng, 42, 0);
  double worst = 0;
  for (int s = 1; s <= STEPS; s++) {
    float ga[N_A], gb[N_B];
    double sumsq = 0;
    for (int i = 0; i < N_A; i++) {
      ga[i] = (float)(3 * dm_rng_normal(&rng));
      sumsq += (double)ga[i] * ga[i];
    }
    for (int i = 0; i < N_B; i++) {
      gb[i] = (float)(3 * dm_rng_normal(&rng));
      sumsq += (double)gb[i] * gb[i];
    }
    set_gradients(nn, &net, ga, gb);
    double lr = 0.01 * s;
    float norm = 0;
    CHECK_OK(dm_adam_step(adam, (float)lr, &norm, &error), error);
    CHECK_CLOSE(norm, sqrt(sumsq), 1e-5 * sqrt(sumsq));
    double scale = 1;
    if (config.clip_norm > 0 && config.clip_norm / (sqrt(sumsq) + 1e-6) < 1)
      scale = config.clip_norm / (sqrt(sumsq) + 1e-6);
    adam_reference(&config, lr, s, scale, wa, ma, va, ga, N_A);
    adam_reference(&config, lr, s, scale, wb, mb, vb, gb, N_B);
    adam_reference(&config, lr, s, scale, wu, mu, vu, zeros, 3);
    worst = fmax(worst, max_rel_diff(net.a, wa, N_A));
    worst = fmax(worst, max_rel_diff(net.b, wb, N_B));
    worst = fmax(worst, max_rel_diff(net.unused, wu, 3));
  }
  CHECK(dm_adam_steps(adam) == STEPS);
  printf("%-32s %d steps, max relative difference from the double reference %.2e\n", label,
         STEPS, worst);
  CHECK(worst < 1e-5);
  dm_adam_free(adam);
  dm_nn_params_free(net.params);
}

/* Saving after two steps and loading into a fresh optimiser gives the same
 * third step, bit for bit. */
static void check_state_file(DmNn *nn) {
  DmAdamConfig config = dm_adam_config_default();
  config.weight_decay = 0.01f;
  config.decoupled = true;
  Net net = net_new(nn), copy = net_new(nn);
  DmError *error = NULL;
  DmAdam *adam = dm_adam_new(net.params, &config, &error);
  float ga[N_A], gb[N_B];
  for (int i = 0; i < N_A; i++) ga[i] = (float)(i - 5) * 0.3f;
  for (int i = 0; i < N_B; i++) gb[i] = (float)(2 - i) * 0.7f;
  for (int s = 0; s < 2; s++) {
    set_gradients(nn, &net, ga, gb);
    CHECK_OK(dm_adam_step(adam, 1e-2f, NULL, &error), error);
  }
  const char *path = dm_test_tmp_path("adam-state.safetensors");
  CHECK_OK(dm_adam_save(adam, path, &error), error);

  DmAdamConfig defaults = dm_adam_config_default();
  DmAdam *fresh = dm_adam_new(copy.params, &defaults, &error);
  CHECK_OK(dm_adam_load(fresh, path, &error), error);
  CHECK(dm_adam_steps(fresh) == 2);
  DmTensor *pairs[][2] = {{net.a, copy.a}, {net.b, copy.b}, {net.unused, copy.unused}};
  for (int k = 0; k < 3; k++) CHECK(dm_tensor_copy(pairs[k][1], pairs[k][0]));
  set_gradients(nn, &net, ga, gb);
  set_gradients(nn, &copy, ga, gb);
  CHECK_OK(dm_adam_step(adam, 1e-2f, NULL, &error), error);
  CHECK_OK(dm_adam_step(fresh, 1e-2f, NULL, &error), error);
  for (int k = 0; k < 3; k++) {
    float *x = nn_test_download(pairs[k][0]), *y = nn_test_download(pairs[k][1]);
    CHECK(memcmp(x, y, (size_t)dm_tensor_numel(pairs[k][0]) * sizeof(float)) == 0);
    free(x);
    free(y);
  }
  printf("Adam state file: step 3 after reload is bit-identical\n");

  /* A file whose moments do not fit is refused and changes nothing. */
  Net other;
  other.params = dm_nn_params_new(nn);
  dm_nn_params_add(other.params, "a", true, 2, 2, 1, 1);
  DmAdam *mismatch = dm_adam_new(other.params, &config, &error);
  CHECK_FAILS(dm_adam_load(mismatch, path, &error), error, DM_ERROR_FORMAT);
  CHECK(dm_adam_steps(mismatch) == 0);
  CHECK_FAILS(dm_adam_load(mismatch, dm_test_tmp_path("missing.safetensors"), &error), error,
              DM_ERROR_NOT_FOUND);
  dm_adam_free(mismatch);
  dm_nn_params_free(other.params);
  dm_adam_free(adam);
  dm_adam_free(fresh);
  dm_nn_params_free(net.params);
  dm_nn_params_free(copy.params);
  remove(path);
}

static void check_ema(DmNn *nn) {
  Net net = net_new(nn), dest = net_new(nn);
  DmError *error = NULL;
  DmNnEma *ema = dm_nn_ema_new(net.params, 0.9f, &error);
  CHECK_OK(ema != NULL, error);
  float *a0 = nn_test_download(net.a);
  double ref[N_A];
  for (int i = 0; i < N_A; i++) ref[i] = a0[i];
  for (int s = 1; s <= 3; s++) {
    float *a = nn_test_download(net.a);
    for (int i = 0; i < N_A; i++) a[i] += (float)s * 0.5f;
    CHECK(dm_tensor_upload(net.a, a, N_A));
    for (int i = 0; i < N_A; i++) ref[i] = 0.9 * ref[i] + 0.1 * a[i];
    free(a);
    CHECK_OK(dm_nn_ema_update(ema, &error), error);
  }
  CHECK_OK(dm_nn_ema_copy_to(ema, dest.params, &error), error);
  double worst = max_rel_diff(dest.a, ref, N_A);
  printf("EMA after 3 updates: max relative difference %.2e\n", worst);
  CHECK(worst < 1e-5);
  float *buffer = nn_test_download(net.buffer), *copied = nn_test_download(dest.buffer);
  CHECK(memcmp(buffer, copied, 2 * sizeof(float)) == 0);
  free(buffer);
  free(copied);
  free(a0);
  dm_nn_ema_free(ema);
  dm_nn_params_free(net.params);
  dm_nn_params_free(dest.params);
}

static void check_schedules(void) {
  DmLrSchedule constant = {.kind = DM_LR_CONSTANT, .base_lr = 0.1f};
  CHECK_CLOSE(dm_lr_at(&constant, 12345), 0.1, 1e-7);

  DmLrSchedule cosine = {.kind = DM_LR_WARMUP_COSINE, .base_lr = 1.0f, .warmup = 10,
                         .total = 110, .min_factor = 0.1f};
  CHECK_CLOSE(dm_lr_at(&cosine, 0), 0.1, 1e-7);
  CHECK_CLOSE(dm_lr_at(&cosine, 4), 0.5, 1e-7);
  CHECK_CLOSE(dm_lr_at(&cosine, 10), 1.0, 1e-7);
  CHECK_CLOSE(dm_lr_at(&cosine, 60), 0.1 + 0.9 * 0.5, 1e-6);            /* half way: cos = 0 */
  CHECK_CLOSE(dm_lr_at(&cosine, 35), 0.1 + 0.9 * 0.5 * (1 + cos(M_PI / 4)), 1e-6);
  CHECK_CLOSE(dm_lr_at(&cosine, 110), 0.1, 1e-7);
  CHECK_CLOSE(dm_lr_at(&cosine, 500), 0.1, 1e-7);

  DmLrSchedule step = {.kind = DM_LR_STEP, .base_lr = 2.0f, .step_size = 100, .gamma = 0.5f};
  CHECK_CLOSE(dm_lr_at(&step, 99), 2.0, 1e-7);
  CHECK_CLOSE(dm_lr_at(&step, 100), 1.0, 1e-7);
  CHECK_CLOSE(dm_lr_at(&step, 350), 0.25, 1e-7);
  printf("schedules: closed forms ok\n");
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  DmAdamConfig adam = dm_adam_config_default();
  check_adam(nn, "Adam", adam);

  DmAdamConfig l2 = adam;
  l2.weight_decay = 0.05f;
  check_adam(nn, "Adam with L2 decay", l2);

  DmAdamConfig adamw = adam;
  adamw.weight_decay = 0.1f;
  adamw.decoupled = true;
  check_adam(nn, "AdamW", adamw);

  DmAdamConfig clipped = adam;
  clipped.clip_norm = 1.0f;  /* the gradients' norm is ~ 3 sqrt(17): always clipped */
  clipped.beta1 = 0.8f;
  clipped.beta2 = 0.95f;
  check_adam(nn, "Adam with clipping at 1", clipped);

  check_state_file(nn);
  check_ema(nn);
  check_schedules();

  DmError *error = NULL;
  DmAdamConfig bad = adam;
  bad.beta1 = 1.0f;
  Net net = net_new(nn);
  CHECK_FAILS(dm_adam_new(net.params, &bad, &error), error, DM_ERROR_INVALID_ARGUMENT);
  dm_nn_params_free(net.params);
  dm_nn_free(nn);
  return dm_test_result();
}

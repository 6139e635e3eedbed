/* Every differentiable op's gradient against central finite differences.
 *
 * For each op: random inputs, a fixed random R of the output's shape, loss =
 * sum(out * R).  dm_nn_backward gives d loss / d input; the finite
 * difference (loss(x + h e_j) - loss(x - h e_j)) / 2h, with the loss summed
 * in double on the host, checks it element by element (all elements of
 * small inputs, 24 spread over larger ones).  The error of an input is
 * |analytic - numeric|_2 / |numeric|_2 over the checked elements; it must
 * stay below 1e-3.  Inputs are kept away from kinks (ReLU, LeakyReLU and L1
 * at 0) by more than the step, and sqrt's input away from 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "nn-test-util.h"

#define MAX_INPUTS 4
#define CHECKED_PER_INPUT 24
#define TOLERANCE 1e-3

typedef enum {
  DIST_NORMAL,     /* N(0, 1) */
  DIST_AWAY,       /* +-U(0.2, 1): at least 0.2 from 0 */
  DIST_POSITIVE,   /* U(0.5, 2) */
  DIST_RUNNING,    /* batch-norm statistics: C means N(0, 0.25), C variances U(0.5, 1.5) */
  DIST_L1_TARGET,  /* input 0 +- U(0.2, 0.6): away from L1's kink */
  DIST_UNIT,       /* N(0, 1) normalised */
} Dist;

typedef struct GradCase GradCase;
struct GradCase {
  const char *name;
  int n_inputs;
  int64_t shape[MAX_INPUTS][4];
  Dist dist[MAX_INPUTS];
  bool check[MAX_INPUTS];  /* differentiated (requires a gradient) */
  DmTensor *(*forward)(DmNn *nn, DmTensor **in);
  double step;             /* finite-difference step */
};

/* ---- the ops under test ------------------------------------------------- */

static DmTensor *f_conv2d(DmNn *nn, DmTensor **in) { return dm_nn_conv2d(nn, in[0], in[1], in[2], 1, 1); }
static DmTensor *f_conv2d_s2(DmNn *nn, DmTensor **in) { return dm_nn_conv2d(nn, in[0], in[1], in[2], 2, 1); }
static DmTensor *f_convt_2x2(DmNn *nn, DmTensor **in) {
  return dm_nn_conv_transpose2d(nn, in[0], in[1], in[2], 2, 0, 0);
}
static DmTensor *f_convt_5x5(DmNn *nn, DmTensor **in) {
  return dm_nn_conv_transpose2d(nn, in[0], in[1], in[2], 2, 2, 1);
}
static DmTensor *f_linear(DmNn *nn, DmTensor **in) { return dm_nn_linear(nn, in[0], in[1], in[2]); }
static DmTensor *f_matmul_nn(DmNn *nn, DmTensor **in) { return dm_nn_matmul(nn, in[0], in[1], false, false); }
static DmTensor *f_matmul_tn(DmNn *nn, DmTensor **in) { return dm_nn_matmul(nn, in[0], in[1], true, false); }
static DmTensor *f_matmul_nt(DmNn *nn, DmTensor **in) { return dm_nn_matmul(nn, in[0], in[1], false, true); }
static DmTensor *f_matmul_tt(DmNn *nn, DmTensor **in) { return dm_nn_matmul(nn, in[0], in[1], true, true); }
static DmTensor *f_group_norm(DmNn *nn, DmTensor **in) {
  return dm_nn_group_norm(nn, in[0], in[1], in[2], 2, 1e-5f);
}
static DmTensor *f_batch_norm_train(DmNn *nn, DmTensor **in) {
  return dm_nn_batch_norm(nn, in[0], in[1], in[2], in[3], true, 0.1f, 1e-5f);
}
static DmTensor *f_batch_norm_eval(DmNn *nn, DmTensor **in) {
  return dm_nn_batch_norm(nn, in[0], in[1], in[2], in[3], false, 0.1f, 1e-5f);
}
static DmTensor *f_relu(DmNn *nn, DmTensor **in) { return dm_nn_relu(nn, in[0]); }
static DmTensor *f_leaky_relu(DmNn *nn, DmTensor **in) { return dm_nn_leaky_relu(nn, in[0], 0.2f); }
static DmTensor *f_silu(DmNn *nn, DmTensor **in) { return dm_nn_silu(nn, in[0]); }
static DmTensor *f_tanh(DmNn *nn, DmTensor **in) { return dm_nn_tanh(nn, in[0]); }
static DmTensor *f_sigmoid(DmNn *nn, DmTensor **in) { return dm_nn_sigmoid(nn, in[0]); }
static DmTensor *f_sqrt(DmNn *nn, DmTensor **in) { return dm_nn_sqrt(nn, in[0]); }
static DmTensor *f_add(DmNn *nn, DmTensor **in) { return dm_nn_add(nn, in[0], in[1]); }
static DmTensor *f_sub(DmNn *nn, DmTensor **in) { return dm_nn_sub(nn, in[0], in[1]); }
static DmTensor *f_mul(DmNn *nn, DmTensor **in) { return dm_nn_mul(nn, in[0], in[1]); }
static DmTensor *f_scale(DmNn *nn, DmTensor **in) { return dm_nn_scale(nn, in[0], -1.7f, 0.3f); }
static DmTensor *f_add_channel(DmNn *nn, DmTensor **in) { return dm_nn_add_channel(nn, in[0], in[1]); }
static DmTensor *f_concat(DmNn *nn, DmTensor **in) { return dm_nn_concat(nn, in[0], in[1]); }
static DmTensor *f_slice(DmNn *nn, DmTensor **in) { return dm_nn_slice_channels(nn, in[0], 1, 2); }
static DmTensor *f_reshape(DmNn *nn, DmTensor **in) { return dm_nn_reshape(nn, in[0], 3, 8, 1, 1); }
static DmTensor *f_up_nearest(DmNn *nn, DmTensor **in) { return dm_nn_upsample_nearest(nn, in[0], 2); }
static DmTensor *f_up_bilinear(DmNn *nn, DmTensor **in) { return dm_nn_upsample_bilinear(nn, in[0], 2); }
static DmTensor *f_avg_pool(DmNn *nn, DmTensor **in) { return dm_nn_avg_pool(nn, in[0], 2); }
static DmTensor *f_pad_periodic(DmNn *nn, DmTensor **in) { return dm_nn_periodic_window(nn, in[0], 8, 7); }
static DmTensor *f_crop_periodic(DmNn *nn, DmTensor **in) { return dm_nn_periodic_window(nn, in[0], 3, 2); }
static DmTensor *f_sum(DmNn *nn, DmTensor **in) { return dm_nn_sum(nn, in[0]); }
static DmTensor *f_mean(DmNn *nn, DmTensor **in) { return dm_nn_mean(nn, in[0]); }
static DmTensor *f_sum_per_sample(DmNn *nn, DmTensor **in) { return dm_nn_sum_per_sample(nn, in[0]); }
static DmTensor *f_sum_squares(DmNn *nn, DmTensor **in) { return dm_nn_sum_squares_per_sample(nn, in[0]); }
static DmTensor *f_mse(DmNn *nn, DmTensor **in) { return dm_nn_mse_loss(nn, in[0], in[1]); }
static DmTensor *f_l1(DmNn *nn, DmTensor **in) { return dm_nn_l1_loss(nn, in[0], in[1]); }
static DmTensor *f_spectral(DmNn *nn, DmTensor **in) {
  return dm_nn_spectral_normalize(nn, in[0], in[1], 1, false);
}

#define S(n, c, h, w) {n, c, h, w}
static const GradCase cases[] = {
    {"conv2d 3x3 stride 1 pad 1", 3, {S(2, 3, 5, 6), S(4, 3, 3, 3), S(4, 1, 1, 1)},
     {DIST_NORMAL, DIST_NORMAL, DIST_NORMAL}, {true, true, true}, f_conv2d, 1e-2},
    {"conv2d 3x3 stride 2 pad 1", 3, {S(2, 3, 6, 7), S(4, 3, 3, 3), S(4, 1, 1, 1)},
     {DIST_NORMAL, DIST_NORMAL, DIST_NORMAL}, {true, true, true}, f_conv2d_s2, 1e-2},
    {"conv_transpose2d 2x2 stride 2", 3, {S(2, 4, 3, 4), S(4, 3, 2, 2), S(3, 1, 1, 1)},
     {DIST_NORMAL, DIST_NORMAL, DIST_NORMAL}, {true, true, true}, f_convt_2x2, 1e-2},
    {"conv_transpose2d 5x5 stride 2 pad 2 out_pad 1", 3, {S(2, 3, 3, 3), S(3, 2, 5, 5), S(2, 1, 1, 1)},
     {DIST_NORMAL, DIST_NORMAL, DIST_NORMAL}, {true, true, true}, f_convt_5x5, 1e-2},
    {"linear", 3, {S(3, 2, 2, 2), S(5, 8, 1, 1), S(5, 1, 1, 1)},
     {DIST_NORMAL, DIST_NORMAL, DIST_NORMAL}, {true, true, true}, f_linear, 1e-2},
    {"matmul", 2, {S(3, 4, 1, 1), S(4, 5, 1, 1)}, {DIST_NORMAL, DIST_NORMAL}, {true, true},
     f_matmul_nn, 1e-2},
    {"matmul trans_a", 2, {S(4, 3, 1, 1), S(4, 5, 1, 1)}, {DIST_NORMAL, DIST_NORMAL}, {true, true},
     f_matmul_tn, 1e-2},
    {"matmul trans_b", 2, {S(3, 4, 1, 1), S(5, 4, 1, 1)}, {DIST_NORMAL, DIST_NORMAL}, {true, true},
     f_matmul_nt, 1e-2},
    {"matmul trans_a trans_b", 2, {S(4, 3, 1, 1), S(5, 2, 2, 1)}, {DIST_NORMAL, DIST_NORMAL},
     {true, true}, f_matmul_tt, 1e-2},
    {"group_norm", 3, {S(2, 4, 3, 3), S(4, 1, 1, 1), S(4, 1, 1, 1)},
     {DIST_NORMAL, DIST_NORMAL, DIST_NORMAL}, {true, true, true}, f_group_norm, 3e-3},
    {"batch_norm training", 4, {S(3, 2, 3, 2), S(2, 1, 1, 1), S(2, 1, 1, 1), S(4, 1, 1, 1)},
     {DIST_NORMAL, DIST_NORMAL, DIST_NORMAL, DIST_RUNNING}, {true, true, true, false},
     f_batch_norm_train, 3e-3},
    {"batch_norm eval", 4, {S(3, 2, 3, 2), S(2, 1, 1, 1), S(2, 1, 1, 1), S(4, 1, 1, 1)},
     {DIST_NORMAL, DIST_NORMAL, DIST_NORMAL, DIST_RUNNING}, {true, true, true, false},
     f_batch_norm_eval, 1e-2},
    {"relu", 1, {S(2, 3, 4, 4)}, {DIST_AWAY}, {true}, f_relu, 1e-2},
    {"leaky_relu", 1, {S(2, 3, 4, 4)}, {DIST_AWAY}, {true}, f_leaky_relu, 1e-2},
    {"silu", 1, {S(2, 3, 4, 4)}, {DIST_NORMAL}, {true}, f_silu, 1e-2},
    {"tanh", 1, {S(2, 3, 4, 4)}, {DIST_NORMAL}, {true}, f_tanh, 1e-2},
    {"sigmoid", 1, {S(2, 3, 4, 4)}, {DIST_NORMAL}, {true}, f_sigmoid, 1e-2},
    {"sqrt", 1, {S(2, 3, 4, 4)}, {DIST_POSITIVE}, {true}, f_sqrt, 1e-2},
    {"add", 2, {S(2, 3, 4, 4), S(2, 3, 4, 4)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_add, 1e-2},
    {"add scalar", 2, {S(2, 3, 4, 4), S(1, 1, 1, 1)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_add, 1e-2},
    {"add per sample", 2, {S(2, 3, 4, 4), S(2, 1, 1, 1)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_add, 1e-2},
    {"sub", 2, {S(2, 3, 4, 4), S(2, 3, 4, 4)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_sub, 1e-2},
    {"sub per sample", 2, {S(2, 3, 4, 4), S(2, 1, 1, 1)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_sub, 1e-2},
    {"mul", 2, {S(2, 3, 4, 4), S(2, 3, 4, 4)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_mul, 1e-2},
    {"mul scalar", 2, {S(2, 3, 4, 4), S(1, 1, 1, 1)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_mul, 1e-2},
    {"mul per sample", 2, {S(2, 3, 4, 4), S(2, 1, 1, 1)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_mul, 1e-2},
    {"scale", 1, {S(2, 3, 4, 4)}, {DIST_NORMAL}, {true}, f_scale, 1e-2},
    {"add_channel", 2, {S(2, 3, 4, 4), S(3, 1, 1, 1)}, {DIST_NORMAL, DIST_NORMAL}, {true, true},
     f_add_channel, 1e-2},
    {"add_channel per sample", 2, {S(2, 3, 4, 4), S(2, 3, 1, 1)}, {DIST_NORMAL, DIST_NORMAL},
     {true, true}, f_add_channel, 1e-2},
    {"concat", 2, {S(2, 3, 4, 4), S(2, 2, 4, 4)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_concat, 1e-2},
    {"slice_channels", 1, {S(2, 4, 3, 3)}, {DIST_NORMAL}, {true}, f_slice, 1e-2},
    {"reshape", 1, {S(3, 2, 2, 2)}, {DIST_NORMAL}, {true}, f_reshape, 1e-2},
    {"upsample_nearest", 1, {S(2, 3, 3, 4)}, {DIST_NORMAL}, {true}, f_up_nearest, 1e-2},
    {"upsample_bilinear", 1, {S(2, 3, 3, 4)}, {DIST_NORMAL}, {true}, f_up_bilinear, 1e-2},
    {"avg_pool", 1, {S(2, 3, 4, 6)}, {DIST_NORMAL}, {true}, f_avg_pool, 1e-2},
    {"periodic_window pad", 1, {S(2, 3, 3, 4)}, {DIST_NORMAL}, {true}, f_pad_periodic, 1e-2},
    {"periodic_window crop", 1, {S(2, 3, 5, 4)}, {DIST_NORMAL}, {true}, f_crop_periodic, 1e-2},
    {"sum", 1, {S(2, 3, 4, 4)}, {DIST_NORMAL}, {true}, f_sum, 1e-2},
    {"mean", 1, {S(2, 3, 4, 4)}, {DIST_NORMAL}, {true}, f_mean, 1e-2},
    {"sum_per_sample", 1, {S(3, 3, 4, 4)}, {DIST_NORMAL}, {true}, f_sum_per_sample, 1e-2},
    {"sum_squares_per_sample", 1, {S(3, 3, 4, 4)}, {DIST_NORMAL}, {true}, f_sum_squares, 1e-2},
    {"mse_loss", 2, {S(2, 3, 4, 4), S(2, 3, 4, 4)}, {DIST_NORMAL, DIST_NORMAL}, {true, true}, f_mse, 1e-2},
    {"l1_loss", 2, {S(2, 3, 4, 4), S(2, 3, 4, 4)}, {DIST_NORMAL, DIST_L1_TARGET}, {true, true}, f_l1, 1e-2},
    {"spectral_normalize", 2, {S(4, 3, 2, 2), S(4, 1, 1, 1)}, {DIST_NORMAL, DIST_UNIT},
     {true, false}, f_spectral, 3e-3},
};

/* ---- the check ---------------------------------------------------------- */

static void fill_input(DmTensor *t, Dist dist, uint64_t stream, const float *first_input) {
  size_t n = (size_t)dm_tensor_numel(t);
  float *host = malloc(n * sizeof *host);
  DmRng rng;
  dm_rng_init(&rng, 2024, stream);
  double norm = 0;
  for (size_t i = 0; i < n; i++) {
    double u = dm_rng_uniform(&rng), sign = dm_rng_uniform(&rng) < 0.5 ? -1.0 : 1.0;
    switch (dist) {
    case DIST_NORMAL: host[i] = (float)dm_rng_normal(&rng); break;
    case DIST_UNIT: host[i] = (float)dm_rng_normal(&rng); norm += (double)host[i] * host[i]; break;
    case DIST_AWAY: host[i] = (float)(sign * (0.2 + 0.8 * u)); break;
    case DIST_POSITIVE: host[i] = (float)(0.5 + 1.5 * u); break;
    case DIST_RUNNING:
      host[i] = i < n / 2 ? (float)(0.5 * dm_rng_normal(&rng)) : (float)(0.5 + u);
      break;
    case DIST_L1_TARGET: host[i] = first_input[i] + (float)(sign * (0.2 + 0.4 * u)); break;
    }
  }
  if (dist == DIST_UNIT)
    for (size_t i = 0; i < n; i++) host[i] = (float)(host[i] / sqrt(norm));
  CHECK(dm_tensor_upload(t, host, n));
  free(host);
}

/* sum(out * r) in double, without recording. */
static double loss_on_host(DmNn *nn, const GradCase *c, DmTensor **in, const float *r) {
  DmTensor *out = c->forward(nn, in);
  double loss = 0;
  if (out) {
    float *y = nn_test_download(out);
    for (int64_t i = 0; i < dm_tensor_numel(out); i++) loss += (double)y[i] * r[i];
    free(y);
  }
  dm_nn_clear(nn);
  return loss;
}

static double set_element(DmTensor *t, int64_t j, float value) {
  float *host = nn_test_download(t);
  double old = host[j];
  host[j] = value;
  CHECK(dm_tensor_upload(t, host, (size_t)dm_tensor_numel(t)));
  free(host);
  return old;
}

/* Runs one case; returns the largest relative error over its inputs. */
static double check_case(DmNn *nn, const GradCase *c, uint64_t index) {
  DmTensor *in[MAX_INPUTS] = {NULL};
  float *first = NULL;
  for (int k = 0; k < c->n_inputs; k++) {
    const int64_t *s = c->shape[k];
    in[k] = dm_tensor_new(nn, s[0], s[1], s[2], s[3]);
    fill_input(in[k], c->dist[k], 100 * index + (uint64_t)k, first);
    dm_tensor_set_requires_grad(in[k], c->check[k]);
    if (k == 0) first = nn_test_download(in[0]);
  }
  free(first);

  /* Analytic gradient of sum(out * R). */
  DmTensor *out = c->forward(nn, in);
  CHECK(out != NULL);
  if (!out) {
    DmError *error = NULL;
    dm_nn_take_error(nn, &error);
    fprintf(stderr, "%s: %s\n", c->name, error ? error->message : "?");
    dm_error_free(error);
    for (int k = 0; k < c->n_inputs; k++) dm_tensor_free(in[k]);
    return INFINITY;
  }
  DmTensor *r = dm_tensor_new(nn, out->shape[0], out->shape[1], out->shape[2], out->shape[3]);
  nn_test_fill_normal(r, 7, index, 1.0);
  float *r_host = nn_test_download(r);
  DmTensor *loss = dm_nn_sum(nn, dm_nn_mul(nn, out, r));
  CHECK(dm_nn_backward(nn, loss));
  DmError *error = NULL;
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_clear(nn);

  bool was_recording = dm_nn_set_recording(nn, false);
  double worst = 0;
  for (int k = 0; k < c->n_inputs; k++) {
    if (!c->check[k]) continue;
    CHECK(in[k]->grad != NULL);
    if (!in[k]->grad) continue;
    float *analytic = nn_test_download(in[k]->grad);
    int64_t n = dm_tensor_numel(in[k]);
    int64_t count = n < CHECKED_PER_INPUT ? n : CHECKED_PER_INPUT;
    double diff2 = 0, norm2 = 0;
    for (int64_t m = 0; m < count; m++) {
      int64_t j = m * n / count;
      double x = set_element(in[k], j, 0.0f);
      set_element(in[k], j, (float)(x + c->step));
      double plus = loss_on_host(nn, c, in, r_host);
      set_element(in[k], j, (float)(x - c->step));
      double minus = loss_on_host(nn, c, in, r_host);
      set_element(in[k], j, (float)x);
      double numeric = (plus - minus) / (2 * c->step);
      diff2 += (analytic[j] - numeric) * (analytic[j] - numeric);
      norm2 += numeric * numeric;
    }
    double rel = sqrt(diff2) / fmax(sqrt(norm2), 1e-12);
    printf("  %-44s input %d: relative error %.2e (%lld of %lld elements)\n", c->name, k, rel,
           (long long)count, (long long)n);
    if (rel > worst) worst = rel;
    free(analytic);
  }
  dm_nn_set_recording(nn, was_recording);
  free(r_host);
  dm_tensor_free(r);
  for (int k = 0; k < c->n_inputs; k++) dm_tensor_free(in[k]);
  return worst;
}

/* The embedding has no gradient: its result is never taped. */
static void check_fourier_embedding_untaped(DmNn *nn) {
  DmTensor *sigma = dm_tensor_new(nn, 3, 1, 1, 1);
  DmTensor *freqs = dm_tensor_new(nn, 4, 1, 1, 1);
  nn_test_fill_uniform(sigma, 1, 1, 0.1, 2.0);
  nn_test_fill_normal(freqs, 1, 2, 1.0);
  dm_tensor_set_requires_grad(sigma, true);
  DmTensor *e = dm_nn_fourier_embedding(nn, sigma, freqs);
  CHECK(e != NULL && e->shape[0] == 3 && e->shape[1] == 8);
  CHECK(e != NULL && !e->requires_grad && e->grad_fn == NULL);
  printf("  %-44s no gradient (not taped)\n", "fourier_embedding");
  dm_nn_clear(nn);
  dm_tensor_free(sigma);
  dm_tensor_free(freqs);
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double err = check_case(nn, &cases[i], i);
    printf("%-46s max relative error %.2e %s\n", cases[i].name, err,
           err < TOLERANCE ? "ok" : "FAILED");
    CHECK(err < TOLERANCE);
  }
  check_fourier_embedding_untaped(nn);
  dm_nn_free(nn);
  return dm_test_result();
}

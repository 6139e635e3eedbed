/* Double backward: gradients computed with create_graph, differentiated
 * again, against finite differences of the first-order gradient.
 *
 * 1. The Wasserstein gradient penalty: a critic-like net D (conv2d 3x3,
 *    LeakyReLU 0.2, conv2d 3x3 stride 2, linear, mean); g = d sum D(x) / dx
 *    with create_graph; penalty = mean((sqrt(sum_squares_per_sample(g)) -
 *    1)^2); d penalty / d weights by dm_nn_backward against central
 *    differences of the penalty (whose g is a first-order dm_nn_grad).
 *    The biases get no gradient: g does not depend on them (LeakyReLU's
 *    derivative is piecewise constant).
 * 2. Each op with double backward: L = sum(R out^3), g = dL/d(input 0) with
 *    create_graph, h = sum(S g); dh / d(every input) against differences of
 *    h.
 * 3. Ops with first-order backward only record DM_ERROR_UNSUPPORTED when
 *    their gradient is differentiated. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "nn-test-util.h"

#define TOLERANCE 1e-3

static double set_element(DmTensor *t, int64_t j, double value) {
  float *host = nn_test_download(t);
  double old = host[j];
  host[j] = (float)value;
  CHECK(dm_tensor_upload(t, host, (size_t)dm_tensor_numel(t)));
  free(host);
  return old;
}

/* |a - b|_2 / |b|_2 of d f / d t (a: analytic, from t->grad) against
 * central differences of f over `count` elements spread over t. */
static double compare_with_differences(DmNn *nn, DmTensor *t, double (*f)(DmNn *, void *),
                                       void *data, double step, int count) {
  float *analytic = nn_test_download(t->grad);
  int64_t n = dm_tensor_numel(t);
  if (count > n) count = (int)n;
  double diff2 = 0, norm2 = 0;
  for (int m = 0; m < count; m++) {
    int64_t j = (int64_t)m * n / count;
    double x = set_element(t, j, 0.0);
    set_element(t, j, x + step);
    double plus = f(nn, data);
    set_element(t, j, x - step);
    double minus = f(nn, data);
    set_element(t, j, x);
    double numeric = (plus - minus) / (2 * step);
    diff2 += (analytic[j] - numeric) * (analytic[j] - numeric);
    norm2 += numeric * numeric;
  }
  free(analytic);
  return sqrt(diff2) / fmax(sqrt(norm2), 1e-12);
}

/* ---- 1. gradient penalty ------------------------------------------------ */

typedef struct {
  DmTensor *x;                 /* (2, 2, 8, 8), requires a gradient */
  DmTensor *w1, *b1;           /* conv 3x3, 2 -> 4 */
  DmTensor *w2, *b2;           /* conv 3x3 stride 2, 4 -> 4: 8x8 -> 4x4 */
  DmTensor *w3, *b3;           /* linear 64 -> 1 */
} Critic;

static DmTensor *critic_forward(DmNn *nn, Critic *c) {
  DmTensor *h = dm_nn_leaky_relu(nn, dm_nn_conv2d(nn, c->x, c->w1, c->b1, 1, 1), 0.2f);
  h = dm_nn_conv2d(nn, h, c->w2, c->b2, 2, 1);
  return dm_nn_mean(nn, dm_nn_linear(nn, h, c->w3, c->b3));
}

static DmTensor *penalty_of(DmNn *nn, Critic *c, bool create_graph) {
  DmTensor *g = dm_nn_grad(nn, critic_forward(nn, c), c->x, create_graph);
  DmTensor *norm = dm_nn_sqrt(nn, dm_nn_sum_squares_per_sample(nn, g));
  DmTensor *d = dm_nn_scale(nn, norm, 1.0f, -1.0f);
  return dm_nn_mean(nn, dm_nn_mul(nn, d, d));
}

static double penalty_value(DmNn *nn, void *data) {
  DmTensor *p = penalty_of(nn, data, false);
  double value = p ? dm_tensor_item(p) : NAN;
  dm_nn_clear(nn);
  return value;
}

static void check_gradient_penalty(DmNn *nn) {
  Critic c;
  c.x = dm_tensor_new(nn, 2, 2, 8, 8);
  c.w1 = dm_tensor_new(nn, 4, 2, 3, 3);
  c.b1 = dm_tensor_new(nn, 4, 1, 1, 1);
  c.w2 = dm_tensor_new(nn, 4, 4, 3, 3);
  c.b2 = dm_tensor_new(nn, 4, 1, 1, 1);
  c.w3 = dm_tensor_new(nn, 1, 64, 1, 1);
  c.b3 = dm_tensor_new(nn, 1, 1, 1, 1);
  DmTensor *all[] = {c.x, c.w1, c.b1, c.w2, c.b2, c.w3, c.b3};
  const char *names[] = {"x", "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                         "linear.weight", "linear.bias"};
  const double stds[] = {1.0, 0.3, 0.3, 0.2, 0.3, 0.15, 0.3};
  for (int i = 0; i < 7; i++) {
    nn_test_fill_normal(all[i], 99, (uint64_t)i, stds[i]);
    dm_tensor_set_requires_grad(all[i], true);
  }

  DmTensor *p = penalty_of(nn, &c, true);
  CHECK(p != NULL && p->grad_fn != NULL);
  printf("gradient penalty %.6f\n", p ? dm_tensor_item(p) : NAN);
  CHECK(dm_nn_backward(nn, p));
  DmError *error = NULL;
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_clear(nn);

  bool was_recording = dm_nn_set_recording(nn, true);
  for (int i = 1; i < 7; i += 2) {
    CHECK(all[i]->grad != NULL);
    CHECK(all[i + 1]->grad == NULL);
    if (!all[i]->grad) continue;
    double rel = compare_with_differences(nn, all[i], penalty_value, &c, 2e-3, 24);
    printf("  penalty / %-14s relative error %.2e\n", names[i], rel);
    CHECK(rel < TOLERANCE);
  }
  dm_nn_set_recording(nn, was_recording);
  for (int i = 0; i < 7; i++) dm_tensor_free(all[i]);
}

/* ---- 2. per-op double backward ----------------------------------------- */

typedef struct {
  const char *name;
  int n_inputs;
  int64_t shape[3][4];
  bool positive;  /* inputs in [0.5, 2] (sqrt) instead of +-[0.2, 1] */
  DmTensor *(*forward)(DmNn *nn, DmTensor **in);
} DoubleCase;

static DmTensor *f_conv2d(DmNn *nn, DmTensor **in) { return dm_nn_conv2d(nn, in[0], in[1], in[2], 2, 1); }
static DmTensor *f_convt(DmNn *nn, DmTensor **in) {
  return dm_nn_conv_transpose2d(nn, in[0], in[1], in[2], 2, 0, 0);
}
static DmTensor *f_linear(DmNn *nn, DmTensor **in) { return dm_nn_linear(nn, in[0], in[1], in[2]); }
static DmTensor *f_matmul(DmNn *nn, DmTensor **in) { return dm_nn_matmul(nn, in[0], in[1], true, false); }
static DmTensor *f_add(DmNn *nn, DmTensor **in) { return dm_nn_add(nn, in[0], in[1]); }
static DmTensor *f_sub(DmNn *nn, DmTensor **in) { return dm_nn_sub(nn, in[0], in[1]); }
static DmTensor *f_mul(DmNn *nn, DmTensor **in) { return dm_nn_mul(nn, in[0], in[1]); }
static DmTensor *f_scale(DmNn *nn, DmTensor **in) { return dm_nn_scale(nn, in[0], 1.5f, -0.25f); }
static DmTensor *f_relu(DmNn *nn, DmTensor **in) { return dm_nn_relu(nn, in[0]); }
static DmTensor *f_leaky(DmNn *nn, DmTensor **in) { return dm_nn_leaky_relu(nn, in[0], 0.2f); }
static DmTensor *f_sum(DmNn *nn, DmTensor **in) { return dm_nn_sum(nn, in[0]); }
static DmTensor *f_mean(DmNn *nn, DmTensor **in) { return dm_nn_mean(nn, in[0]); }
static DmTensor *f_sum_ps(DmNn *nn, DmTensor **in) { return dm_nn_sum_per_sample(nn, in[0]); }
static DmTensor *f_sumsq(DmNn *nn, DmTensor **in) { return dm_nn_sum_squares_per_sample(nn, in[0]); }
static DmTensor *f_sqrt(DmNn *nn, DmTensor **in) { return dm_nn_sqrt(nn, in[0]); }
static DmTensor *f_reshape(DmNn *nn, DmTensor **in) { return dm_nn_reshape(nn, in[0], 4, 9, 1, 1); }
static DmTensor *f_concat(DmNn *nn, DmTensor **in) { return dm_nn_concat(nn, in[0], in[1]); }
static DmTensor *f_slice(DmNn *nn, DmTensor **in) { return dm_nn_slice_channels(nn, in[0], 1, 2); }
static DmTensor *f_periodic(DmNn *nn, DmTensor **in) { return dm_nn_periodic_window(nn, in[0], 5, 3); }

#define S(n, c, h, w) {n, c, h, w}
static const DoubleCase double_cases[] = {
    {"conv2d", 3, {S(2, 2, 5, 5), S(3, 2, 3, 3), S(3, 1, 1, 1)}, false, f_conv2d},
    {"conv_transpose2d", 3, {S(2, 3, 3, 3), S(3, 2, 2, 2), S(2, 1, 1, 1)}, false, f_convt},
    {"linear", 3, {S(3, 6, 1, 1), S(4, 6, 1, 1), S(4, 1, 1, 1)}, false, f_linear},
    {"matmul", 2, {S(4, 3, 1, 1), S(4, 5, 1, 1)}, false, f_matmul},
    {"add", 2, {S(2, 3, 2, 2), S(2, 1, 1, 1)}, false, f_add},
    {"sub", 2, {S(2, 3, 2, 2), S(2, 3, 2, 2)}, false, f_sub},
    {"mul", 2, {S(2, 3, 2, 2), S(1, 1, 1, 1)}, false, f_mul},
    {"scale", 1, {S(2, 3, 2, 2)}, false, f_scale},
    {"relu", 1, {S(2, 3, 2, 2)}, false, f_relu},
    {"leaky_relu", 1, {S(2, 3, 2, 2)}, false, f_leaky},
    {"sum", 1, {S(2, 3, 2, 2)}, false, f_sum},
    {"mean", 1, {S(2, 3, 2, 2)}, false, f_mean},
    {"sum_per_sample", 1, {S(2, 3, 2, 2)}, false, f_sum_ps},
    {"sum_squares_per_sample", 1, {S(2, 3, 2, 2)}, false, f_sumsq},
    {"sqrt", 1, {S(2, 3, 2, 2)}, true, f_sqrt},
    {"reshape", 1, {S(2, 3, 3, 2)}, false, f_reshape},
    {"concat", 2, {S(2, 2, 2, 2), S(2, 3, 2, 2)}, false, f_concat},
    {"slice_channels", 1, {S(2, 4, 2, 2)}, false, f_slice},
    {"periodic_window", 1, {S(2, 2, 3, 2)}, false, f_periodic},
};

typedef struct {
  const DoubleCase *c;
  DmTensor **in;
  DmTensor *r, *s;  /* R (out's shape), S (input 0's shape) */
} DoubleData;

/* h = sum(S * dL/d in[0]), L = sum(R out^3). */
static DmTensor *h_of(DmNn *nn, DoubleData *d, bool create_graph) {
  DmTensor *out = d->c->forward(nn, d->in);
  DmTensor *cube = dm_nn_mul(nn, dm_nn_mul(nn, out, out), out);
  DmTensor *loss = dm_nn_sum(nn, dm_nn_mul(nn, cube, d->r));
  DmTensor *g = dm_nn_grad(nn, loss, d->in[0], create_graph);
  return dm_nn_sum(nn, dm_nn_mul(nn, g, d->s));
}

static double h_value(DmNn *nn, void *data) {
  DmTensor *h = h_of(nn, data, false);
  double value = h ? dm_tensor_item(h) : NAN;
  dm_nn_clear(nn);
  return value;
}

static void fill_away(DmTensor *t, uint64_t stream, bool positive) {
  size_t n = (size_t)dm_tensor_numel(t);
  float *host = malloc(n * sizeof *host);
  DmRng rng;
  dm_rng_init(&rng, 5, stream);
  for (size_t i = 0; i < n; i++) {
    double u = dm_rng_uniform(&rng);
    double sign = dm_rng_uniform(&rng) < 0.5 ? -1.0 : 1.0;
    host[i] = positive ? (float)(0.5 + 1.5 * u) : (float)(sign * (0.2 + 0.8 * u));
  }
  CHECK(dm_tensor_upload(t, host, n));
  free(host);
}

static void check_double_case(DmNn *nn, const DoubleCase *c, uint64_t index) {
  DmTensor *in[3] = {NULL};
  for (int k = 0; k < c->n_inputs; k++) {
    in[k] = dm_tensor_new(nn, c->shape[k][0], c->shape[k][1], c->shape[k][2], c->shape[k][3]);
    fill_away(in[k], 10 * index + (uint64_t)k, c->positive);
    dm_tensor_set_requires_grad(in[k], true);
  }
  DoubleData d = {c, in, NULL, NULL};
  DmTensor *out = c->forward(nn, in);
  d.r = dm_tensor_new(nn, out->shape[0], out->shape[1], out->shape[2], out->shape[3]);
  d.s = dm_tensor_new(nn, in[0]->shape[0], in[0]->shape[1], in[0]->shape[2], in[0]->shape[3]);
  nn_test_fill_normal(d.r, 6, index, 1.0);
  nn_test_fill_normal(d.s, 8, index, 1.0);
  dm_nn_clear(nn);

  DmTensor *h = h_of(nn, &d, true);
  CHECK(h != NULL && h->grad_fn != NULL);
  CHECK(dm_nn_backward(nn, h));
  DmError *error = NULL;
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_clear(nn);

  double worst = 0;
  for (int k = 0; k < c->n_inputs; k++) {
    CHECK(in[k]->grad != NULL);
    if (!in[k]->grad) continue;
    double rel = compare_with_differences(nn, in[k], h_value, &d, 1e-2, 24);
    if (rel > worst) worst = rel;
  }
  printf("%-24s second derivative, max relative error %.2e %s\n", c->name, worst,
         worst < TOLERANCE ? "ok" : "FAILED");
  CHECK(worst < TOLERANCE);
  for (int k = 0; k < c->n_inputs; k++) dm_tensor_free(in[k]);
  dm_tensor_free(d.r);
  dm_tensor_free(d.s);
}

/* ---- 3. first-order-only ops ------------------------------------------- */

/* dm_nn_backward, with the context's error moved into *error. */
static bool backward_ok(DmNn *nn, DmTensor *loss, DmError **error) {
  bool ok = dm_nn_backward(nn, loss);
  return dm_nn_take_error(nn, error) && ok;
}

static void check_first_order_only(DmNn *nn) {
  DmTensor *x = dm_tensor_new(nn, 2, 4, 3, 3);
  DmTensor *gamma = dm_tensor_new(nn, 4, 1, 1, 1);
  DmTensor *beta = dm_tensor_new(nn, 4, 1, 1, 1);
  nn_test_fill_normal(x, 3, 0, 1.0);
  nn_test_fill_normal(gamma, 3, 1, 1.0);
  nn_test_fill_normal(beta, 3, 2, 1.0);
  dm_tensor_set_requires_grad(x, true);
  dm_tensor_set_requires_grad(gamma, true);
  DmError *error = NULL;

  DmTensor *y = dm_nn_mul(nn, dm_nn_tanh(nn, x), x);
  DmTensor *g = dm_nn_grad(nn, dm_nn_sum(nn, y), x, true);
  CHECK(g != NULL);
  CHECK_FAILS(backward_ok(nn, dm_nn_sum(nn, dm_nn_mul(nn, g, g)), &error), error,
              DM_ERROR_UNSUPPORTED);
  dm_nn_clear(nn);

  y = dm_nn_group_norm(nn, x, gamma, beta, 2, 1e-5f);
  g = dm_nn_grad(nn, dm_nn_sum(nn, dm_nn_mul(nn, y, y)), x, true);
  CHECK(g != NULL);
  CHECK_FAILS(backward_ok(nn, dm_nn_sum(nn, g), &error), error, DM_ERROR_UNSUPPORTED);
  dm_nn_clear(nn);

  /* Without create_graph the gradient is a constant: nothing to go back to. */
  g = dm_nn_grad(nn, dm_nn_sum(nn, dm_nn_mul(nn, x, x)), x, false);
  CHECK(g != NULL && g->grad_fn == NULL);
  CHECK_FAILS(backward_ok(nn, dm_nn_sum(nn, g), &error), error, DM_ERROR_INVALID_ARGUMENT);
  dm_nn_clear(nn);
  dm_tensor_free(x);
  dm_tensor_free(gamma);
  dm_tensor_free(beta);
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  check_gradient_penalty(nn);
  for (size_t i = 0; i < sizeof double_cases / sizeof double_cases[0]; i++)
    check_double_case(nn, &double_cases[i], i);
  check_first_order_only(nn);
  dm_nn_free(nn);
  return dm_test_result();
}

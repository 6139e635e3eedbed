/* The memory of a training step (darkmap/nn.h, darkmap/nn-autograd.h): a
 * tensor released by its owner lives on the tape only while a backward rule
 * will read it, and a backward pass keeps only the gradients it has still
 * to propagate.  Exact byte counts on a small graph, the ReLU family's
 * gradient read from the output with the input's bits, a second pass
 * through freed intermediates refused, and the peak of a U-Net training
 * step bounded in activations, with nothing left after it but what the
 * caller holds and the gradients the same bits as those of a pass that
 * frees none of the forward's tensors. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "nn-test-util.h"

static size_t in_use_now(const DmNn *nn) {
  size_t in_use = 0;
  dm_nn_memory_stats(nn, &in_use, NULL);
  return in_use;
}

/* [1, 4, 16, 16] floats: a power of two, which the allocator does not
 * round; a scalar takes its smallest block, 256 bytes. */
enum { C = 4, SIDE = 16, COUNT = C * SIDE * SIDE, BLOCK = COUNT * 4, SCALAR = 256 };

static DmTensor *leaf_with_values(DmNn *nn, const float *values) {
  DmTensor *t = dm_tensor_new(nn, 1, C, SIDE, SIDE);
  CHECK(t && dm_tensor_upload(t, values, COUNT));
  dm_tensor_set_requires_grad(t, true);
  return t;
}

/* loss = sum(s * m), m = w * w, s = m + m: what a rule reads stays until
 * backward has run it, what none reads goes at release. */
static void check_lifetimes(void) {
  DmNn *nn = nn_test_cpu();
  DmError *error = NULL;
  float values[COUNT];
  const float choices[] = {-2.0f, -1.0f, -0.5f, 0.5f, 1.0f, 2.0f};
  for (int i = 0; i < COUNT; i++) values[i] = choices[i % 6];
  DmTensor *w = leaf_with_values(nn, values);
  const size_t base = in_use_now(nn);

  DmTensor *m = dm_nn_mul(nn, w, w);
  DmTensor *s = dm_nn_add(nn, m, m);
  DmTensor *p = dm_nn_mul(nn, s, m);
  DmTensor *loss = dm_nn_sum(nn, p);
  CHECK(loss && in_use_now(nn) == base + 3 * BLOCK + SCALAR);
  /* A sum's gradient reads no operand: p goes at once. */
  dm_tensor_release(p);
  CHECK(p->data == NULL && in_use_now(nn) == base + 2 * BLOCK + SCALAR);
  /* The product's gradient reads s and m: they stay. */
  dm_tensor_release(s);
  dm_tensor_release(m);
  CHECK(s->data != NULL && m->data != NULL && in_use_now(nn) == base + 2 * BLOCK + SCALAR);

  /* Backward runs every rule: s and m go, and all that is left is w's
   * gradient and the loss, which its owner has not released. */
  CHECK(dm_nn_backward(nn, loss));
  CHECK(s->data == NULL && m->data == NULL && loss->data != NULL);
  CHECK(in_use_now(nn) == base + BLOCK + SCALAR);
  /* d sum(2 w^4) / dw = 8 w^3, exact for these values. */
  float *grad = nn_test_download(w->grad);
  int wrong = 0;
  for (int i = 0; i < COUNT; i++) wrong += grad[i] != 8.0f * values[i] * values[i] * values[i];
  CHECK(wrong == 0);
  free(grad);

  /* A second backward over the same graph would need the freed m and s. */
  CHECK(!dm_nn_backward(nn, loss));
  CHECK(dm_nn_take_error(nn, &error) == false && error &&
        error->code == DM_ERROR_INVALID_ARGUMENT &&
        strstr(error->message, "needs a tensor that an earlier backward pass freed"));
  if (error) printf("expected failure: %s\n", error->message);
  dm_error_clear(&error);
  dm_nn_clear(nn);
  CHECK(in_use_now(nn) == base + BLOCK);
  dm_tensor_free(w);
  dm_nn_free(nn);
}

/* ReLU and LeakyReLU keep their output for backward, not their input (the
 * input goes at release), and the gradient is the input's bit for bit:
 * d sum(g * f(x)) / dx = g where x > 0, elsewhere slope * g (LeakyReLU) or
 * +0 (ReLU), at zeros of either sign, tiny values, infinities and NaN too. */
static void check_gradient_from_output(bool leaky) {
  DmNn *nn = nn_test_cpu();
  const float slope = leaky ? 0.2f : 0.0f;
  float xs[COUNT], gs[COUNT];
  const float special[] = {0.0f, -0.0f, FLT_MIN, -FLT_MIN, 1e-30f, -1e-30f, NAN, INFINITY,
                           -INFINITY};
  DmRng rng;
  dm_rng_init(&rng, 5, 0);
  for (int i = 0; i < COUNT; i++) {
    xs[i] = i < 9 ? special[i] : (float)dm_rng_normal(&rng);
    gs[i] = (float)dm_rng_normal(&rng);
  }
  DmTensor *x = leaf_with_values(nn, xs);
  DmTensor *g = dm_tensor_new(nn, 1, C, SIDE, SIDE);
  CHECK(g && dm_tensor_upload(g, gs, COUNT));

  /* copy = 1 * x (a temporary) into the activation, then released. */
  DmTensor *copy = dm_nn_scale(nn, x, 1.0f, 0.0f);
  DmTensor *y = leaky ? dm_nn_leaky_relu(nn, copy, slope) : dm_nn_relu(nn, copy);
  dm_tensor_release(copy);
  CHECK(copy->data == NULL && y->data != NULL);
  CHECK(dm_nn_backward(nn, dm_nn_sum(nn, dm_nn_mul(nn, y, g))));
  float *grad = nn_test_download(x->grad);
  int wrong = 0;
  for (int i = 0; i < COUNT; i++) {
    /* scale(x, 1, 0) turns -0 into +0: the activation saw 1 * x + 0. */
    const float seen = 1.0f * xs[i] + 0.0f;
    const float expected = seen > 0.0f ? gs[i] : leaky ? slope * gs[i] : 0.0f;
    wrong += memcmp(&grad[i], &expected, sizeof expected) != 0;
  }
  CHECK(wrong == 0);
  free(grad);
  dm_nn_clear(nn);
  DmError *error = NULL;
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_tensor_free(x);
  dm_tensor_free(g);
  dm_nn_free(nn);
}

/* The bytes a U-Net training step (forward, L1 loss, backward) keeps beyond
 * the parameters, their gradients, the input and the target, in units of A,
 * one activation at full resolution and base width (N w0 H W floats); a
 * tensor of a level-l block's width is A/2^l (twice the channels on a
 * quarter of the pixels).  After the forward, what backward reads
 * (darkmap/nn.h):
 *   - encoder level l: the block's input, conv1's output (GroupNorm's
 *     input), the first LeakyReLU's output (conv2's input), conv2's output
 *     and the block's output (the skip, the down-sampling's input):
 *     5 A/2^l; the middle block: 5 A/2^D;
 *   - decoder level l: the concatenation (2 A/2^l: the input of conv1 and
 *     of the skip convolution), conv1's output, the first LeakyReLU's,
 *     conv2's and the block's output: 6 A/2^l;
 * so K = 11 A (2 - 2^(1-D)) + 5 A/2^D, besides the output (A / w0) and the
 * normalisations' statistics (the allocator's smallest blocks, 256 bytes).
 * Backward's peak is at the last block's second GroupNorm: the block's
 * output is gone (-A), and four activations of gradients are alive, the
 * sum's upstream gradient, the skip convolution's gradient of the
 * concatenation (2 A) and GroupNorm's own: K + 3 A, plus at most 32 small
 * blocks.  With every tensor of the forward kept until dm_nn_clear (and
 * every gradient), the same step took 36 A after the forward and 89 A at
 * its peak. */
static void check_unet_step(void) {
  DmNn *nn = nn_test_cpu();
  DmError *error = NULL;
  enum { N = 2, RES = 32, WIDTH = NN_TEST_UNET_WIDTH, DEPTH = NN_TEST_UNET_DEPTH };
  DmNnParams *params = NULL;
  DmUNet *unet = nn_test_small_unet(nn, &params);
  if (!unet) return;
  DmTensor *x = dm_tensor_new(nn, N, 2, RES, RES), *target = dm_tensor_new(nn, N, 1, RES, RES);
  nn_test_fill_normal(x, 3, 0, 1.0);
  nn_test_fill_normal(target, 3, 1, 1.0);
  const int count = dm_nn_params_count(params);
  DmTensor **tensors = calloc((size_t)count, sizeof *tensors);
  for (int i = 0; i < count; i++) tensors[i] = dm_nn_params_tensor(params, i);
  DmTensor *stem = tensors[0];

  /* A first step makes the gradients' tensors. */
  CHECK(dm_nn_backward(nn, dm_nn_l1_loss(nn, dm_unet_forward(unet, x, NULL), target)));
  dm_nn_clear(nn);
  dm_nn_zero_grad(tensors, count);

  const size_t before = in_use_now(nn);
  dm_nn_memory_reset_peak(nn);
  DmTensor *y = dm_unet_forward(unet, x, NULL);
  DmTensor *loss = dm_nn_l1_loss(nn, y, target);
  const size_t forward_peak = dm_nn_memory_peak(nn) - before;
  const size_t kept = in_use_now(nn) - before;
  CHECK(dm_nn_backward(nn, loss));
  const size_t peak = dm_nn_memory_peak(nn) - before;
  const size_t after = in_use_now(nn) - before;
  const size_t activation = (size_t)N * WIDTH * RES * RES * sizeof(float);
  const size_t output = (size_t)N * 1 * RES * RES * sizeof(float);
  const double k = 11.0 * (2.0 - 1.0 / (1 << (DEPTH - 1))) + 5.0 / (1 << DEPTH);
  printf("U-Net %dx%d, batch %d, width %d, depth %d: one activation A = %zu bytes; beyond "
         "parameters, gradients and data, the forward keeps %.2f A (K = %.3f A), its peak "
         "%.2f A; the step's peak %.2f A (bound K + 3 A)\n",
         RES, RES, N, WIDTH, DEPTH, activation, (double)kept / activation, k,
         (double)forward_peak / activation, (double)peak / activation);
  CHECK(kept <= (size_t)(k * activation) + output + 32 * 256);
  CHECK(peak <= (size_t)((k + 3.0) * activation) + output + 32 * 256);
  /* Left: the output and the loss, which the caller holds. */
  CHECK(after == output + SCALAR);
  float *grad = nn_test_download(stem->grad);
  dm_nn_clear(nn);
  CHECK(in_use_now(nn) == before);

  /* The stem's gradient by dm_nn_grad, which frees none of the forward's
   * tensors: the same bits. */
  DmTensor *reference = dm_nn_grad(
      nn, dm_nn_l1_loss(nn, dm_unet_forward(unet, x, NULL), target), stem, false);
  float *expected = reference ? nn_test_download(reference) : NULL;
  CHECK(expected && memcmp(grad, expected, (size_t)dm_tensor_numel(stem) * sizeof *grad) == 0);
  free(grad);
  free(expected);
  dm_nn_clear(nn);
  CHECK(in_use_now(nn) == before);
  CHECK_OK(dm_nn_take_error(nn, &error), error);

  free(tensors);
  dm_tensor_free(x);
  dm_tensor_free(target);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
}

int main(void) {
  check_lifetimes();
  check_gradient_from_output(false);
  check_gradient_from_output(true);
  check_unet_step();
  return dm_test_result();
}

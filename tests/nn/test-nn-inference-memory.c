/* Inference without keeping every intermediate (darkmap/nn.h, "Inference"):
 * dm_tensor_release and the allocator's peak on cases whose byte counts are
 * exact; then a U-Net forward with recording off, whose peak memory stays
 * under the bound its architecture fixes and far below the peak of the same
 * forward on the tape, with the same output bits.  The noise-conditioned
 * U-Net, the critic and the DCGAN networks give the same bits with and
 * without the tape too, and keep nothing but their output after a forward
 * with recording off. */
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

/* Every allocation here is a power of two of at least 256 bytes, so that the
 * allocator's rounding adds nothing. */
static void check_release_and_peak(void) {
  DmNn *nn = nn_test_cpu();
  DmError *error = NULL;
  enum { BLOCK = 4096 }; /* [1, 4, 16, 16] floats */
  DmTensor *persistent = dm_tensor_new(nn, 1, 4, 16, 16);
  dm_nn_memory_reset_peak(nn);
  CHECK(dm_nn_memory_peak(nn) == BLOCK);

  DmTensor *t1 = dm_tensor_temp(nn, 1, 4, 16, 16), *t2 = dm_tensor_temp(nn, 1, 4, 16, 16);
  CHECK(t1 && t2 && dm_tensor_fill(t1, 1.0f));
  CHECK(in_use_now(nn) == 3 * BLOCK && dm_nn_memory_peak(nn) == 3 * BLOCK);
  const float *t1_memory = t1->data;
  dm_tensor_release(t1);
  size_t cached = 0;
  dm_nn_memory_stats(nn, NULL, &cached);
  CHECK(t1->data == NULL && in_use_now(nn) == 2 * BLOCK && cached == BLOCK);
  CHECK(dm_nn_memory_peak(nn) == 3 * BLOCK);
  dm_tensor_release(t1); /* a second release changes nothing */
  CHECK(in_use_now(nn) == 2 * BLOCK);
  /* The next tensor of that size takes the released block. */
  DmTensor *t3 = dm_tensor_temp(nn, 4, 1, 16, 16);
  CHECK(t3 && t3->data == t1_memory && in_use_now(nn) == 3 * BLOCK);
  CHECK(dm_nn_memory_peak(nn) == 3 * BLOCK);
  dm_nn_memory_reset_peak(nn);
  CHECK(dm_nn_memory_peak(nn) == 3 * BLOCK);

  /* A tensor with a view lives while the view does; releasing the view
   * then the tensor frees it. */
  DmTensor *view = dm_tensor_channel_view(t2, 1, 2);
  dm_tensor_release(t2);
  CHECK(t2->data != NULL && in_use_now(nn) == 3 * BLOCK);
  dm_tensor_release(view);
  CHECK(view->data == NULL && in_use_now(nn) == 3 * BLOCK);
  dm_tensor_release(t2);
  CHECK(t2->data == NULL && in_use_now(nn) == 2 * BLOCK);

  /* A released tensor is refused by ops and transfers. */
  CHECK(dm_nn_relu(nn, t1) == NULL);
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  float host[4 * 16 * 16];
  CHECK(!dm_tensor_download(t1, host, 4 * 16 * 16));
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  CHECK(dm_tensor_channel_view(t1, 0, 1) == NULL);
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);

  /* Persistent tensors are refused. */
  dm_tensor_release(persistent);
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  CHECK(persistent->data != NULL);

  /* What the tape holds lives until dm_nn_clear; with recording off the
   * same op's result is released at once. */
  dm_tensor_set_requires_grad(persistent, true);
  DmTensor *taped = dm_nn_relu(nn, persistent);
  DmTensor *loss = dm_nn_sum(nn, dm_nn_relu(nn, taped));
  dm_tensor_release(taped);
  CHECK(taped && taped->data != NULL);
  CHECK(dm_nn_backward(nn, loss));
  dm_nn_clear(nn);
  CHECK(in_use_now(nn) == 2 * BLOCK); /* persistent and its gradient */
  dm_nn_set_recording(nn, false);
  DmTensor *untaped = dm_nn_relu(nn, persistent);
  CHECK(untaped && in_use_now(nn) == 3 * BLOCK);
  dm_tensor_release(untaped);
  CHECK(in_use_now(nn) == 2 * BLOCK);
  CHECK(dm_nn_take_error(nn, &error));
  dm_tensor_free(persistent);
  dm_nn_free(nn);
}

/* The output of a forward, downloaded. */
typedef DmTensor *(*Forward)(void *network, DmTensor *input, DmTensor *extra);

typedef struct {
  float *output;       /* malloc'd */
  size_t count;
  size_t extra_peak;   /* peak minus the bytes in use before the forward */
  size_t extra_after;  /* bytes in use after the forward minus those before */
} Run;

static Run run_forward(DmNn *nn, bool recording, Forward forward, void *network, DmTensor *input,
                       DmTensor *extra) {
  Run run = {0};
  dm_nn_set_recording(nn, recording);
  dm_nn_memory_reset_peak(nn);
  size_t before = in_use_now(nn);
  DmTensor *y = forward(network, input, extra);
  CHECK(y != NULL);
  if (y) {
    run.extra_peak = dm_nn_memory_peak(nn) - before;
    run.extra_after = in_use_now(nn) - before;
    run.output = nn_test_download(y);
    run.count = (size_t)dm_tensor_numel(y);
  }
  DmError *error = NULL;
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_clear(nn);
  dm_nn_set_recording(nn, true);
  return run;
}

static bool same_bits(const Run *a, const Run *b) {
  return a->output && b->output && a->count == b->count &&
         memcmp(a->output, b->output, a->count * sizeof(float)) == 0;
}

static DmTensor *unet_forward(void *unet, DmTensor *x, DmTensor *sigma) {
  return dm_unet_forward(unet, x, sigma);
}

/* The bytes a forward with recording off keeps at its peak, from the
 * U-Net's layout (darkmap/nn-modules.h), with A the size of one activation
 * at full resolution and base width (N w0 H W floats):
 *   - encoder level l: its input A/2^l, the block's intermediates (at most
 *     three of its output's size A/2^l alive at once: at the residual sum,
 *     GN(conv2), the skip and the sum) and the skips of the levels above it
 *     (A + A/2 + ... < 2A): at most 4A, at level 0;
 *   - decoder level l: its concatenated input [up, skip] (2 A/2^l), three of
 *     the block's output size (A/2^l) and the skips of the finer levels
 *     (A + ... + A/2^(l-1)): 5A/2^l + (2 - 2^(1-l)) A, at most 5A, at
 *     level 0 (the up-sampling before it, with its bias, holds the previous
 *     output, the skip and two of A: 3.5 A).
 * So 5A beyond the parameters and the input, plus at most a few of the
 * allocator's smallest blocks (256 bytes) for the group statistics, which
 * live during one normalisation. */
static void check_unet_peak(void) {
  DmNn *nn = nn_test_cpu();
  enum { N = 2, SIDE = 32, WIDTH = NN_TEST_UNET_WIDTH, DEPTH = NN_TEST_UNET_DEPTH };
  DmNnParams *params = NULL;
  DmUNet *unet = nn_test_small_unet(nn, &params);
  if (!unet) return;
  DmTensor *x = dm_tensor_new(nn, N, 2, SIDE, SIDE);
  nn_test_fill_normal(x, 3, 0, 1.0);

  Run taped = run_forward(nn, true, unet_forward, unet, x, NULL);
  Run untaped = run_forward(nn, false, unet_forward, unet, x, NULL);
  /* Again, with every block now taken from the allocator's cache. */
  Run again = run_forward(nn, false, unet_forward, unet, x, NULL);

  const size_t activation = (size_t)N * WIDTH * SIDE * SIDE * sizeof(float);
  const size_t output = (size_t)N * 1 * SIDE * SIDE * sizeof(float);
  printf("U-Net %dx%d, batch %d, width %d, depth %d: one activation A = %zu bytes; peak beyond "
         "parameters and input: %zu bytes (%.2f A) with the tape, %zu (%.2f A) without\n",
         SIDE, SIDE, N, WIDTH, DEPTH, activation, taped.extra_peak,
         (double)taped.extra_peak / activation, untaped.extra_peak,
         (double)untaped.extra_peak / activation);
  CHECK(same_bits(&taped, &untaped));
  CHECK(same_bits(&untaped, &again));
  CHECK(untaped.extra_peak <= 5 * activation + 4 * 256);
  CHECK(again.extra_peak == untaped.extra_peak);
  /* The tape keeps what backward reads: about 22 A at this depth
   * (test-nn-training-memory bounds it). */
  CHECK(taped.extra_peak >= 4 * untaped.extra_peak);
  /* Nothing is left but the output. */
  CHECK(untaped.extra_after == output);

  free(taped.output);
  free(untaped.output);
  free(again.output);
  dm_tensor_free(x);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
}

/* A forward with and without the tape: same bits, and without it nothing
 * left but the output (`output_bytes`, as the allocator rounds it). */
static void check_same_and_freed(DmNn *nn, const char *label, Forward forward, void *network,
                                 DmTensor *input, DmTensor *extra, size_t output_bytes) {
  Run taped = run_forward(nn, true, forward, network, input, extra);
  Run untaped = run_forward(nn, false, forward, network, input, extra);
  printf("%s: peak beyond the inputs %zu bytes with the tape, %zu without\n", label,
         taped.extra_peak, untaped.extra_peak);
  CHECK(same_bits(&taped, &untaped));
  CHECK(untaped.extra_after == output_bytes);
  CHECK(untaped.extra_peak < taped.extra_peak);
  free(taped.output);
  free(untaped.output);
}

static DmTensor *critic_forward(void *critic, DmTensor *x, DmTensor *unused) {
  (void)unused;
  return dm_critic_forward(critic, x, false);
}

static DmTensor *generator_forward(void *generator, DmTensor *z, DmTensor *unused) {
  (void)unused;
  return dm_dcgan_generator_forward(generator, z, false);
}

static DmTensor *discriminator_forward(void *discriminator, DmTensor *x, DmTensor *unused) {
  (void)unused;
  return dm_dcgan_discriminator_forward(discriminator, x, false);
}

static void check_other_modules(void) {
  DmNn *nn = nn_test_cpu();
  DmError *error = NULL;
  /* One parameter set per network: their names overlap. */
  DmNnParams *params[4];
  for (int i = 0; i < 4; i++) params[i] = dm_nn_params_new(nn);

  /* The noise-conditioned U-Net: the embedding's intermediates go too. */
  DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = 2, .base_width = 8,
                         .groups = 4, .slope = 0.2f, .noise_features = 4};
  DmUNet *unet = dm_unet_new(params[0], &config, 11, &error);
  CHECK_OK(unet != NULL, error);
  DmTensor *x = dm_tensor_new(nn, 2, 1, 16, 16), *sigma = dm_tensor_new(nn, 2, 1, 1, 1);
  nn_test_fill_normal(x, 12, 0, 1.0);
  nn_test_fill_uniform(sigma, 12, 1, 0.1, 2.0);
  if (unet)
    check_same_and_freed(nn, "noise-conditioned U-Net", unet_forward, unet, x, sigma,
                         2 * 16 * 16 * sizeof(float));

  /* The critic (MMGAN's: no spectral normalisation). */
  DmCriticConfig critic_config = {.in_channels = 1, .base = 4, .spectral_norm = false};
  DmCritic *critic = dm_critic_new(params[1], &critic_config, 13, &error);
  CHECK_OK(critic != NULL, error);
  if (critic) check_same_and_freed(nn, "critic", critic_forward, critic, x, NULL, 256);

  /* The DCGAN networks in evaluation mode (running statistics). */
  DmDcganConfig dcgan = {.z_dim = 8, .base = 4, .out_channels = 1, .image_size = 32};
  DmDcganGenerator *generator = dm_dcgan_generator_new(params[2], &dcgan, 14, &error);
  CHECK_OK(generator != NULL, error);
  DmDcganDiscriminator *discriminator = dm_dcgan_discriminator_new(params[3], &dcgan, 15, &error);
  CHECK_OK(discriminator != NULL, error);
  DmTensor *z = dm_tensor_new(nn, 2, 8, 1, 1), *image = dm_tensor_new(nn, 2, 1, 32, 32);
  nn_test_fill_normal(z, 16, 0, 1.0);
  nn_test_fill_normal(image, 16, 1, 1.0);
  if (generator)
    check_same_and_freed(nn, "DCGAN generator", generator_forward, generator, z, NULL,
                         2 * 32 * 32 * sizeof(float));
  if (discriminator)
    check_same_and_freed(nn, "DCGAN discriminator", discriminator_forward, discriminator, image,
                         NULL, 256);

  dm_tensor_free(x);
  dm_tensor_free(sigma);
  dm_tensor_free(z);
  dm_tensor_free(image);
  dm_dcgan_generator_free(generator);
  dm_dcgan_discriminator_free(discriminator);
  dm_critic_free(critic);
  dm_unet_free(unet);
  for (int i = 0; i < 4; i++) dm_nn_params_free(params[i]);
  dm_nn_free(nn);
}

int main(void) {
  check_release_and_peak();
  check_unet_peak();
  check_other_modules();
  return dm_test_result();
}

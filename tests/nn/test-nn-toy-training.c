/* A small U-Net (depth 2, width 8) learns to denoise Gaussian random fields
 * on the CPU: the validation loss must fall by a fixed factor in a few
 * hundred Adam steps (200, with a warm-up and cosine schedule).
 *
 * Fields: white noise smoothed by three passes of a periodic 5x5 box blur
 * (a correlation length of a few pixels), scaled to unit variance; input =
 * field + 0.5 white noise, target = field, loss = MSE.  Before training the
 * network's output is unrelated to the field (validation MSE ~ 1); simply
 * returning the input would give 0.25; a denoiser that uses the field's
 * smoothness does better than both. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "darkmap/nn-optim.h"
#include "nn-test-util.h"

#define SIZE 32
#define BATCH 8
#define VALIDATION 16
#define STEPS 200
#define NOISE 0.5
#define REQUIRED_FACTOR 10.0

/* One smooth unit-variance field (SIZE x SIZE) from (seed, stream). */
static void smooth_field(uint64_t stream, float *field) {
  static double a[SIZE * SIZE], b[SIZE * SIZE];
  DmRng rng;
  dm_rng_init(&rng, 31337, stream);
  for (int i = 0; i < SIZE * SIZE; i++) a[i] = dm_rng_normal(&rng);
  for (int pass = 0; pass < 3; pass++) {
    for (int y = 0; y < SIZE; y++)
      for (int x = 0; x < SIZE; x++) {
        double s = 0;
        for (int dy = -2; dy <= 2; dy++)
          for (int dx = -2; dx <= 2; dx++)
            s += a[((y + dy + SIZE) % SIZE) * SIZE + (x + dx + SIZE) % SIZE];
        b[y * SIZE + x] = s / 25.0;
      }
    memcpy(a, b, sizeof a);
  }
  double mean = 0, var = 0;
  for (int i = 0; i < SIZE * SIZE; i++) mean += a[i];
  mean /= SIZE * SIZE;
  for (int i = 0; i < SIZE * SIZE; i++) var += (a[i] - mean) * (a[i] - mean);
  double scale = 1.0 / sqrt(var / (SIZE * SIZE));
  for (int i = 0; i < SIZE * SIZE; i++) field[i] = (float)((a[i] - mean) * scale);
}

/* n samples starting at sample `first`: noisy inputs and clean targets. */
static void make_batch(uint64_t first, int n, DmTensor *input, DmTensor *target) {
  float *in = malloc((size_t)n * SIZE * SIZE * sizeof *in);
  float *out = malloc((size_t)n * SIZE * SIZE * sizeof *out);
  for (int k = 0; k < n; k++) {
    float *field = out + (size_t)k * SIZE * SIZE;
    smooth_field(first + (uint64_t)k, field);
    DmRng rng;
    dm_rng_init(&rng, 4242, first + (uint64_t)k);
    for (int i = 0; i < SIZE * SIZE; i++)
      in[(size_t)k * SIZE * SIZE + i] = field[i] + (float)(NOISE * dm_rng_normal(&rng));
  }
  CHECK(dm_tensor_upload(input, in, (size_t)n * SIZE * SIZE));
  CHECK(dm_tensor_upload(target, out, (size_t)n * SIZE * SIZE));
  free(in);
  free(out);
}

static double validation_loss(DmNn *nn, DmUNet *unet, DmTensor *input, DmTensor *target) {
  bool was = dm_nn_set_recording(nn, false);
  DmTensor *loss = dm_nn_mse_loss(nn, dm_unet_forward(unet, input, NULL), target);
  double value = loss ? dm_tensor_item(loss) : NAN;
  dm_nn_clear(nn);
  dm_nn_set_recording(nn, was);
  return value;
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  DmError *error = NULL;
  DmNnParams *params = dm_nn_params_new(nn);
  DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = 2, .base_width = 8,
                         .groups = 4, .slope = 0.2f, .noise_features = 0};
  DmUNet *unet = dm_unet_new(params, &config, 7, &error);
  CHECK_OK(unet != NULL, error);
  DmAdamConfig adam_config = dm_adam_config_default();
  DmAdam *adam = dm_adam_new(params, &adam_config, &error);
  CHECK_OK(adam != NULL, error);
  if (!unet || !adam) return dm_test_result();

  DmTensor *val_in = dm_tensor_new(nn, VALIDATION, 1, SIZE, SIZE);
  DmTensor *val_target = dm_tensor_new(nn, VALIDATION, 1, SIZE, SIZE);
  make_batch(1000000, VALIDATION, val_in, val_target);
  DmTensor *in = dm_tensor_new(nn, BATCH, 1, SIZE, SIZE);
  DmTensor *target = dm_tensor_new(nn, BATCH, 1, SIZE, SIZE);

  double before = validation_loss(nn, unet, val_in, val_target);
  printf("validation MSE before training %.4f (identity would give %.4f)\n", before, NOISE * NOISE);
  DmLrSchedule schedule = {.kind = DM_LR_WARMUP_COSINE, .base_lr = 3e-3f, .warmup = 20,
                           .total = STEPS, .min_factor = 0.1f};
  int n_params = dm_nn_params_count(params);
  DmTensor **tensors = malloc((size_t)n_params * sizeof *tensors);
  for (int i = 0; i < n_params; i++) tensors[i] = dm_nn_params_tensor(params, i);

  clock_t start = clock();
  for (int step = 0; step < STEPS; step++) {
    make_batch((uint64_t)step * BATCH, BATCH, in, target);
    dm_nn_zero_grad(tensors, n_params);
    DmTensor *loss = dm_nn_mse_loss(nn, dm_unet_forward(unet, in, NULL), target);
    CHECK(dm_nn_backward(nn, loss));
    dm_nn_clear(nn);
    CHECK_OK(dm_adam_step(adam, dm_lr_at(&schedule, step), NULL, &error), error);
    if (step % 100 == 99)
      printf("step %d: validation MSE %.4f\n", step + 1, validation_loss(nn, unet, val_in, val_target));
  }
  double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
  double after = validation_loss(nn, unet, val_in, val_target);
  printf("validation MSE after %d steps %.4f: fell by a factor %.1f (required %.0f); %.1f s CPU\n",
         STEPS, after, before / after, REQUIRED_FACTOR, seconds);
  CHECK(before / after > REQUIRED_FACTOR);
  CHECK(after < NOISE * NOISE);
  CHECK_OK(dm_nn_take_error(nn, &error), error);

  free(tensors);
  dm_tensor_free(val_in);
  dm_tensor_free(val_target);
  dm_tensor_free(in);
  dm_tensor_free(target);
  dm_adam_free(adam);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  return dm_test_result();
}

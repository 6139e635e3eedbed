/* An exact resume: 2k training steps straight must give the same weights,
 * bit for bit, as k steps, a save of the weights (dm_nn_params_save) and of
 * the Adam state (dm_adam_save), a reload into fresh objects (initialised
 * from another seed, so that only the files can make them agree), and k
 * more steps.  CPU, one thread; the learning rate follows a schedule read
 * at the optimiser's step count. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "darkmap/nn-optim.h"
#include "nn-test-util.h"

#define K 6
#define BATCH 2
#define SIZE 8

typedef struct {
  DmNnParams *params;
  DmUNet *unet;
  DmAdam *adam;
} Trainer;

static const DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = 2,
                                    .base_width = 4, .groups = 2, .slope = 0.2f,
                                    .noise_features = 0};
static const DmLrSchedule schedule = {.kind = DM_LR_WARMUP_COSINE, .base_lr = 1e-2f,
                                      .warmup = 3, .total = 2 * K, .min_factor = 0.2f};

static Trainer trainer_new(DmNn *nn, uint64_t seed) {
  Trainer t;
  DmError *error = NULL;
  DmAdamConfig adam = dm_adam_config_default();
  adam.weight_decay = 1e-3f;
  adam.decoupled = true;
  adam.clip_norm = 1.0f;
  t.params = dm_nn_params_new(nn);
  t.unet = dm_unet_new(t.params, &config, seed, &error);
  CHECK_OK(t.unet != NULL, error);
  t.adam = dm_adam_new(t.params, &adam, &error);
  CHECK_OK(t.adam != NULL, error);
  if (!t.unet || !t.adam) exit(1);
  return t;
}

static void trainer_free(Trainer *t) {
  dm_adam_free(t->adam);
  dm_unet_free(t->unet);
  dm_nn_params_free(t->params);
}

/* One step on the batch of step number `step` (a pure function of it). */
static void train_step(DmNn *nn, Trainer *t, int64_t step) {
  DmTensor *x = dm_tensor_temp(nn, BATCH, 1, SIZE, SIZE);
  DmTensor *y = dm_tensor_temp(nn, BATCH, 1, SIZE, SIZE);
  dm_tensor_fill_normal(x, 77, (uint64_t)step, 0.0f, 1.0f);
  dm_tensor_fill_normal(y, 78, (uint64_t)step, 0.0f, 1.0f);
  for (int i = 0; i < dm_nn_params_count(t->params); i++) {
    DmTensor *p = dm_nn_params_tensor(t->params, i);
    dm_nn_zero_grad(&p, 1);
  }
  CHECK(dm_nn_backward(nn, dm_nn_l1_loss(nn, dm_unet_forward(t->unet, x, NULL), y)));
  dm_nn_clear(nn);
  DmError *error = NULL;
  CHECK_OK(dm_adam_step(t->adam, dm_lr_at(&schedule, dm_adam_steps(t->adam)), NULL, &error), error);
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  DmError *error = NULL;
  const char *weights = dm_test_tmp_path("resume-weights.safetensors");
  char weights_path[4096];
  snprintf(weights_path, sizeof weights_path, "%s", weights);
  const char *state_path = dm_test_tmp_path("resume-adam.safetensors");

  Trainer straight = trainer_new(nn, 11);
  for (int64_t s = 0; s < 2 * K; s++) train_step(nn, &straight, s);

  Trainer first = trainer_new(nn, 11);
  for (int64_t s = 0; s < K; s++) train_step(nn, &first, s);
  CHECK_OK(dm_nn_params_save(first.params, weights_path, NULL, 0, false, &error), error);
  CHECK_OK(dm_adam_save(first.adam, state_path, &error), error);
  trainer_free(&first);

  Trainer resumed = trainer_new(nn, 12345);
  CHECK_OK(dm_nn_params_load(resumed.params, weights_path, true, &error), error);
  CHECK_OK(dm_adam_load(resumed.adam, state_path, &error), error);
  CHECK(dm_adam_steps(resumed.adam) == K);
  for (int64_t s = K; s < 2 * K; s++) train_step(nn, &resumed, s);
  CHECK(dm_adam_steps(resumed.adam) == 2 * K);

  int differ = 0, count = dm_nn_params_count(straight.params);
  CHECK(count == dm_nn_params_count(resumed.params));
  for (int i = 0; i < count; i++) {
    const DmTensor *a = dm_nn_params_tensor(straight.params, i);
    const DmTensor *b = dm_nn_params_tensor(resumed.params, i);
    float *x = nn_test_download(a), *y = nn_test_download(b);
    if (memcmp(x, y, (size_t)dm_tensor_numel(a) * sizeof(float)) != 0) {
      fprintf(stderr, "%s differs after the resume\n", dm_nn_params_name(straight.params, i));
      differ++;
    }
    free(x);
    free(y);
  }
  printf("%d steps straight vs %d + save/load + %d: %d of %d tensors differ\n", 2 * K, K, K,
         differ, count);
  CHECK(differ == 0);
  CHECK_OK(dm_nn_take_error(nn, &error), error);

  trainer_free(&straight);
  trainer_free(&resumed);
  remove(weights_path);
  remove(state_path);
  dm_nn_free(nn);
  return dm_test_result();
}

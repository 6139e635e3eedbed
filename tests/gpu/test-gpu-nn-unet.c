/* Training steps of a noise-conditioned U-Net on a CUDA context against the
 * same steps on a CPU context (darkmap/nn-modules.h, nn-autograd.h,
 * nn-optim.h over the CUDA backend).
 *
 * Without a usable device the test is skipped.  With one, both contexts
 * build the same U-Net (depth 2, width 8, 4 groups, 8 noise features; the
 * weights come from Philox, so they agree), take the same inputs, and run
 * three Adam steps on an MSE loss.  Compared, as max |CUDA - CPU| / max |CPU|
 * per tensor: the first forward output, the first gradient of every
 * trainable tensor, the three losses and Adam's global gradient norms; the CUDA context runs with TF32
 * tensor cores (its default for training), whose 10-bit mantissa bounds the
 * agreement: 2e-2 for outputs and losses, 5e-2 for gradients.  The weights
 * after the steps must agree to 2 lr per step (absolute): Adam moves a
 * weight by about lr per step whatever its gradient's size, so a gradient
 * of rounding size may move it either way.  A second CUDA run must
 * reproduce the first bit for bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/gpu.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "darkmap/nn-optim.h"
#include "test-util.h"

#define BATCH 3
#define SIZE 32
#define STEPS 3
#define OUTPUT_TOLERANCE 2e-2
#define GRADIENT_TOLERANCE 5e-2
#define LEARNING_RATE 1e-3f
#define WEIGHT_TOLERANCE (2.0 * STEPS * LEARNING_RATE)

/* Everything a run produces, on the host. */
typedef struct {
  float *output; /* [BATCH, 1, SIZE, SIZE], first forward */
  float loss[STEPS];
  float grad_norm[STEPS];   /* Adam's global gradient norm */
  int count;                /* trainable tensors */
  float **grads, **weights; /* per trainable tensor: first gradient, final weights */
  int64_t *sizes;           /* their numel */
  char **names;
} Run;

static float *download(const DmTensor *t) {
  size_t n = (size_t)dm_tensor_numel(t);
  float *host = malloc(n * sizeof *host);
  CHECK(host);
  if (host && !dm_tensor_download(t, host, n)) {
    free(host);
    return NULL;
  }
  return host;
}

static void run_free(Run *run) {
  for (int i = 0; i < run->count; i++) { /* count > 0: the arrays exist */
    free(run->grads[i]);
    free(run->weights[i]);
    free(run->names[i]);
  }
  free(run->grads);
  free(run->weights);
  free(run->sizes);
  free(run->names);
  free(run->output);
  memset(run, 0, sizeof *run);
}

/* The trainable tensors of params, in order. */
static int trainable(DmNnParams *params, DmTensor **out) {
  int count = 0;
  for (int i = 0; i < dm_nn_params_count(params); i++)
    if (dm_nn_params_trainable(params, i)) {
      if (out) out[count] = dm_nn_params_tensor(params, i);
      count++;
    }
  return count;
}

/* The steps on one device; false when they could not run (reported). */
static bool run_steps(DmNnDevice device, Run *run) {
  DmError *error = NULL;
  memset(run, 0, sizeof *run);
  DmNn *nn = dm_nn_new(device, 0, &error);
  CHECK_OK(nn, error);
  if (!nn) return false;
  DmNnParams *params = dm_nn_params_new(nn);
  DmUNetConfig config = {.in_channels = 2,
                         .out_channels = 1,
                         .depth = 2,
                         .base_width = 8,
                         .groups = 4,
                         .slope = 0.2f,
                         .noise_features = 8};
  DmUNet *unet = dm_unet_new(params, &config, 11, &error);
  CHECK_OK(unet, error);
  DmAdamConfig adam_config = dm_adam_config_default();
  DmAdam *adam = unet ? dm_adam_new(params, &adam_config, &error) : NULL;
  CHECK_OK(adam, error);
  DmTensor *x = dm_tensor_new(nn, BATCH, 2, SIZE, SIZE);      /* [N,2,H,W] */
  DmTensor *target = dm_tensor_new(nn, BATCH, 1, SIZE, SIZE); /* [N,1,H,W] */
  DmTensor *sigma = dm_tensor_new(nn, BATCH, 1, 1, 1);        /* [N] */
  dm_tensor_fill_normal(x, 3, 0, 0.0f, 1.0f);
  dm_tensor_fill_normal(target, 3, 1, 0.0f, 1.0f);
  dm_tensor_fill_uniform(sigma, 3, 2, 0.05f, 2.0f);
  bool ok = unet && adam && dm_nn_ok(nn);
  int count = ok ? trainable(params, NULL) : 0;
  DmTensor **tensors = calloc((size_t)count + 1, sizeof *tensors);
  run->grads = calloc((size_t)count + 1, sizeof *run->grads);
  run->weights = calloc((size_t)count + 1, sizeof *run->weights);
  run->sizes = calloc((size_t)count + 1, sizeof *run->sizes);
  run->names = calloc((size_t)count + 1, sizeof *run->names);
  ok = ok && tensors && run->grads && run->weights && run->sizes && run->names;
  CHECK(tensors && run->grads && run->weights && run->sizes && run->names);
  if (ok) {
    run->count = count;
    trainable(params, tensors);
    for (int i = 0, k = 0; i < dm_nn_params_count(params); i++)
      if (dm_nn_params_trainable(params, i)) run->names[k++] = strdup(dm_nn_params_name(params, i));
  }
  for (int step = 0; ok && step < STEPS; step++) {
    dm_nn_zero_grad(tensors, run->count);
    DmTensor *y = dm_unet_forward(unet, x, sigma);
    DmTensor *loss = dm_nn_mse_loss(nn, y, target);
    if (step == 0 && y) run->output = download(y);
    ok = dm_nn_backward(nn, loss);
    run->loss[step] = loss ? dm_tensor_item(loss) : NAN;
    for (int i = 0; ok && step == 0 && i < run->count; i++) {
      run->sizes[i] = dm_tensor_numel(tensors[i]);
      run->grads[i] = tensors[i]->grad ? download(tensors[i]->grad) : NULL;
      CHECK(run->grads[i]);
    }
    dm_nn_clear(nn);
    if (ok && !dm_adam_step(adam, LEARNING_RATE, &run->grad_norm[step], &error)) {
      CHECK_OK(false, error);
      ok = false;
    }
  }
  for (int i = 0; ok && i < run->count; i++) run->weights[i] = download(tensors[i]);
  if (!dm_nn_take_error(nn, &error)) {
    CHECK_OK(false, error);
    ok = false;
  }
  free(tensors);
  dm_tensor_free(x);
  dm_tensor_free(target);
  dm_tensor_free(sigma);
  dm_adam_free(adam);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  return ok && run->output;
}

/* max |a - b| / max |b| over n values (NaN propagates). */
static double relative_difference(const float *a, const float *b, int64_t n) {
  double diff = 0.0, scale = 0.0;
  for (int64_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (!(d <= diff)) diff = d;
    scale = fmax(scale, fabs((double)b[i]));
  }
  return diff / (scale > 0.0 ? scale : 1.0);
}

/* max |a - b| over n values (NaN propagates). */
static double absolute_difference(const float *a, const float *b, int64_t n) {
  double diff = 0.0;
  for (int64_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (!(d <= diff)) diff = d;
  }
  return diff;
}

static void report(const char *what, const char *name, const char *measure, double value,
                   double tolerance) {
  printf("%-8s %-30s %-7s %9.3g  tol %.0e  %s\n", what, name, measure, value, tolerance,
         value <= tolerance ? "pass" : "FAIL");
  CHECK(value <= tolerance);
}

static void compare(const Run *gpu, const Run *cpu) {
  report("output", "first forward", "rel",
         relative_difference(gpu->output, cpu->output, BATCH * SIZE * SIZE), OUTPUT_TOLERANCE);
  for (int s = 0; s < STEPS; s++) {
    char label[32];
    snprintf(label, sizeof label, "step %d (CPU %.6f)", s + 1, cpu->loss[s]);
    report("loss", label, "rel", relative_difference(&gpu->loss[s], &cpu->loss[s], 1),
           OUTPUT_TOLERANCE);
    snprintf(label, sizeof label, "step %d (CPU %.6f)", s + 1, cpu->grad_norm[s]);
    report("grad norm", label, "rel",
           relative_difference(&gpu->grad_norm[s], &cpu->grad_norm[s], 1), GRADIENT_TOLERANCE);
  }
  CHECK(gpu->count == cpu->count);
  for (int i = 0; i < gpu->count && i < cpu->count; i++) {
    CHECK(strcmp(gpu->names[i], cpu->names[i]) == 0);
    if (gpu->grads[i] && cpu->grads[i])
      report("grad", cpu->names[i], "rel",
             relative_difference(gpu->grads[i], cpu->grads[i], cpu->sizes[i]), GRADIENT_TOLERANCE);
    if (gpu->weights[i] && cpu->weights[i])
      report("weights", cpu->names[i], "max|d|",
             absolute_difference(gpu->weights[i], cpu->weights[i], cpu->sizes[i]),
             WEIGHT_TOLERANCE);
  }
}

/* Two device runs: the same bits everywhere. */
static void check_reproducible(const Run *a, const Run *b) {
  bool same = a->count == b->count &&
              memcmp(a->output, b->output, BATCH * SIZE * SIZE * sizeof(float)) == 0 &&
              memcmp(a->loss, b->loss, sizeof a->loss) == 0;
  for (int i = 0; same && i < a->count; i++)
    same = a->grads[i] && b->grads[i] && a->weights[i] && b->weights[i] &&
           memcmp(a->grads[i], b->grads[i], (size_t)a->sizes[i] * sizeof(float)) == 0 &&
           memcmp(a->weights[i], b->weights[i], (size_t)a->sizes[i] * sizeof(float)) == 0;
  printf("second CUDA run: %s\n", same ? "identical bits" : "DIFFERENT BITS");
  CHECK(same);
}

int main(void) {
  /* Skipped without a device, or without the backend compiled in. */
  DmError *error = NULL;
  DmNn *nn = dm_gpu_available() ? dm_nn_new(DM_NN_DEVICE_CUDA, 0, &error) : NULL;
  if (!nn && (!error || error->code == DM_ERROR_UNSUPPORTED)) {
    printf("no CUDA context (%s): skipped\n", error ? error->message : "no usable CUDA device");
    dm_error_clear(&error);
    return DM_TEST_SKIP;
  }
  CHECK_OK(nn, error);
  if (!nn) return dm_test_result();
  dm_nn_free(nn);
  /* AUTO picks the device when there is one. */
  nn = dm_nn_new(DM_NN_DEVICE_AUTO, 0, &error);
  CHECK_OK(nn, error);
  CHECK(dm_nn_is_gpu(nn));
  printf("device: %s\n", dm_nn_device_name(nn));
  dm_nn_free(nn);

  Run cpu, gpu, again;
  memset(&cpu, 0, sizeof cpu);
  memset(&gpu, 0, sizeof gpu);
  memset(&again, 0, sizeof again);
  if (run_steps(DM_NN_DEVICE_CPU, &cpu) && run_steps(DM_NN_DEVICE_CUDA, &gpu)) {
    compare(&gpu, &cpu);
    if (run_steps(DM_NN_DEVICE_CUDA, &again)) check_reproducible(&gpu, &again);
    run_free(&again);
  }
  run_free(&cpu);
  run_free(&gpu);
  return dm_test_result();
}

/* The U-Net against PyTorch: tests/data/nn/unet-small-reference.safetensors
 * (tests/nn-io/make-unet-reference.py) holds a depth-2, width-8 network's
 * weights under their state_dict names, an input, a target, the output, the
 * L1 loss and its gradients with respect to the input and every parameter,
 * computed in float64.  The C network, given the same weights, must build
 * the same names and shapes in the same order, write the same metadata, and
 * reproduce output and gradients to 1e-4 relative error (|a - b|_2 / |b|_2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "darkmap/safetensors.h"
#include "nn-test-util.h"

#define TOLERANCE 1e-4

/* The file's tensor as floats, checked against the expected element count. */
static float *read_tensor(const DmSafetensors *st, const char *name, int64_t count) {
  const DmStTensorInfo *info = dm_safetensors_find(st, name);
  CHECK(info != NULL);
  if (!info) return NULL;
  int64_t n = 1;
  for (int d = 0; d < info->ndim; d++) n *= info->shape[d];
  CHECK(n == count);
  if (n != count) return NULL;
  float *host = malloc((size_t)n * sizeof *host);
  DmError *error = NULL;
  CHECK_OK(dm_safetensors_to_f32(st, info, host, (size_t)n, &error), error);
  return host;
}

static double relative_error(const float *a, const float *b, int64_t n) {
  double diff2 = 0, norm2 = 0;
  for (int64_t i = 0; i < n; i++) {
    diff2 += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    norm2 += (double)b[i] * b[i];
  }
  return sqrt(diff2) / fmax(sqrt(norm2), 1e-30);
}

/* Compares t (or its gradient) with the file's tensor `name`. */
static double compare(const DmSafetensors *st, const char *name, const DmTensor *t) {
  float *expected = read_tensor(st, name, dm_tensor_numel(t));
  if (!expected) return INFINITY;
  float *actual = nn_test_download(t);
  double err = relative_error(actual, expected, dm_tensor_numel(t));
  free(actual);
  free(expected);
  return err;
}

static bool is_parameter_name(const char *name) {
  return strcmp(name, "input") && strcmp(name, "target") && strcmp(name, "output") &&
         strcmp(name, "loss") && strncmp(name, "grad.", 5);
}

int main(void) {
  const char *path = dm_test_data_path("nn/unet-small-reference.safetensors");
  DmError *error = NULL;
  DmSafetensors *st = dm_safetensors_read(path, &error);
  CHECK_OK(st != NULL, error);
  if (!st) return dm_test_result();

  DmNn *nn = nn_test_cpu();
  DmNnParams *params = dm_nn_params_new(nn);
  DmUNetConfig config = {.in_channels = 2, .out_channels = 1, .depth = 2, .base_width = 8,
                         .groups = 4, .slope = 0.2f, .noise_features = 0};
  DmUNet *unet = dm_unet_new(params, &config, 1, &error);
  CHECK_OK(unet != NULL, error);
  if (!unet) return dm_test_result();

  /* Names and shapes: the file lists the parameters in name order, the set
   * in module order; every one on each side must be on the other. */
  int in_file = 0;
  for (int i = 0; i < dm_safetensors_count(st); i++)
    in_file += is_parameter_name(dm_safetensors_info(st, i)->name);
  printf("%d parameters in the C network, %d in the file\n", dm_nn_params_count(params), in_file);
  CHECK(dm_nn_params_count(params) == in_file);
  for (int i = 0; i < dm_nn_params_count(params); i++) {
    const char *name = dm_nn_params_name(params, i);
    DmTensor *t = dm_nn_params_tensor(params, i);
    const DmStTensorInfo *info = dm_safetensors_find(st, name);
    CHECK(info != NULL);
    if (!info) {
      fprintf(stderr, "%s is not in the reference\n", name);
      continue;
    }
    for (int d = 0; d < 4; d++) CHECK(t->shape[d] == (d < info->ndim ? info->shape[d] : 1));
  }
  /* Not strict: the file also holds the input, target, output and gradients. */
  CHECK_OK(dm_nn_params_load(params, path, false, &error), error);

  DmNnMetadata *metadata = NULL;
  int n_metadata = dm_unet_config_to_metadata(&config, &metadata);
  CHECK(n_metadata == 8);
  for (int i = 0; i < n_metadata; i++) {
    const char *expected = dm_safetensors_metadata(st, metadata[i].key);
    CHECK(expected && strcmp(expected, metadata[i].value) == 0);
    free((char *)metadata[i].key);
    free((char *)metadata[i].value);
  }
  free(metadata);

  DmTensor *x = dm_tensor_new(nn, 2, 2, 32, 32);
  DmTensor *target = dm_tensor_new(nn, 2, 1, 32, 32);
  float *host = read_tensor(st, "input", dm_tensor_numel(x));
  if (host) CHECK(dm_tensor_upload(x, host, (size_t)dm_tensor_numel(x)));
  free(host);
  host = read_tensor(st, "target", dm_tensor_numel(target));
  if (host) CHECK(dm_tensor_upload(target, host, (size_t)dm_tensor_numel(target)));
  free(host);
  dm_tensor_set_requires_grad(x, true);

  DmTensor *out = dm_unet_forward(unet, x, NULL);
  DmTensor *loss = dm_nn_l1_loss(nn, out, target);
  CHECK(dm_nn_backward(nn, loss));
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  if (!out || !loss) return dm_test_result();

  double worst = 0;
  double err = compare(st, "output", out);
  printf("output: relative error %.2e\n", err);
  worst = fmax(worst, err);
  err = compare(st, "loss", loss);
  printf("loss %.7f: relative error %.2e\n", dm_tensor_item(loss), err);
  worst = fmax(worst, err);
  err = compare(st, "grad.input", x->grad);
  printf("grad.input: relative error %.2e\n", err);
  worst = fmax(worst, err);
  double worst_param = 0;
  for (int i = 0; i < dm_nn_params_count(params); i++) {
    char name[160];
    DmTensor *t = dm_nn_params_tensor(params, i);
    snprintf(name, sizeof name, "grad.%s", dm_nn_params_name(params, i));
    CHECK(t->grad != NULL);
    if (!t->grad) continue;
    err = compare(st, name, t->grad);
    worst_param = fmax(worst_param, err);
  }
  printf("parameter gradients (%d): max relative error %.2e\n", dm_nn_params_count(params),
         worst_param);
  worst = fmax(worst, worst_param);
  CHECK(worst < TOLERANCE);

  dm_tensor_free(x);
  dm_tensor_free(target);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  dm_safetensors_free(st);
  return dm_test_result();
}

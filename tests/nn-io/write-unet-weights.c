/* Writes a small Darkmap U-Net for check-torch-load.py: the network (in 2,
 * out 1, depth 2, base width 8, groups 4, slope 0.2) built by dm_unet_new
 * from a fixed seed, a fixed normal input [2, 2, 32, 32] and the network's
 * output on it, all in one safetensors file: the weights under their
 * state_dict names as dm_nn_params_save writes them, plus "input" and
 * "output", with the configuration in __metadata__.
 *
 *   write-unet-weights OUTPUT.safetensors */
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/nn-modules.h"
#include "darkmap/nn.h"
#include "darkmap/safetensors.h"

enum { BATCH = 2, SIZE = 32 };
static const uint64_t seed = 20261127;

static int fail(DmError *error) {
  fprintf(stderr, "write-unet-weights: %s\n", error ? error->message : "failed");
  dm_error_free(error);
  return 1;
}

/* Copies every tensor and metadata entry of the file at weights into w. */
static bool add_file(DmSafetensorsWriter *w, const DmSafetensors *weights, DmError **error) {
  for (int i = 0; i < dm_safetensors_metadata_count(weights); i++) {
    const char *key = dm_safetensors_metadata_key(weights, i);
    if (!dm_safetensors_writer_add_metadata(w, key, dm_safetensors_metadata(weights, key), error))
      return false;
  }
  for (int i = 0; i < dm_safetensors_count(weights); i++) {
    const DmStTensorInfo *info = dm_safetensors_info(weights, i);
    if (!dm_safetensors_writer_add(w, info->name, info->dtype, info->ndim, info->shape,
                                   dm_safetensors_data(weights, info), error))
      return false;
  }
  return true;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: write-unet-weights OUTPUT.safetensors\n");
    return 2;
  }
  const char *path = argv[1];
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  if (!nn) return fail(error);
  DmNnParams *params = dm_nn_params_new(nn);
  const DmUNetConfig config = {.in_channels = 2, .out_channels = 1, .depth = 2,
                               .base_width = 8, .groups = 4, .slope = 0.2f,
                               .noise_features = 0};
  DmUNet *unet = dm_unet_new(params, &config, seed, &error);
  if (!unet) return fail(error);

  /* x [BATCH, 2, SIZE, SIZE] -> y [BATCH, 1, SIZE, SIZE] */
  DmTensor *x = dm_tensor_new(nn, BATCH, config.in_channels, SIZE, SIZE);
  dm_tensor_fill_normal(x, seed, 1000, 0.0f, 1.0f);
  DmTensor *y = dm_unet_forward(unet, x, NULL);
  static float input[BATCH * 2 * SIZE * SIZE], output[BATCH * 1 * SIZE * SIZE];
  dm_tensor_download(x, input, sizeof input / sizeof input[0]);
  dm_tensor_download(y, output, sizeof output / sizeof output[0]);
  if (!dm_nn_take_error(nn, &error)) return fail(error);

  /* The weights as dm_nn_params_save writes them, then the same file with
   * the input and output added. */
  DmNnMetadata *metadata = NULL;
  int n_metadata = dm_unet_config_to_metadata(&config, &metadata);
  bool saved = dm_nn_params_save(params, path, metadata, n_metadata, false, &error);
  for (int i = 0; i < n_metadata; i++) {
    free((char *)metadata[i].key);
    free((char *)metadata[i].value);
  }
  free(metadata);
  if (!saved) return fail(error);
  DmSafetensors *weights = dm_safetensors_read(path, &error);
  if (!weights) return fail(error);
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  const int64_t input_shape[4] = {BATCH, config.in_channels, SIZE, SIZE};
  const int64_t output_shape[4] = {BATCH, config.out_channels, SIZE, SIZE};
  bool ok = add_file(w, weights, &error) &&
            dm_safetensors_writer_add(w, "input", DM_ST_F32, 4, input_shape, input, &error) &&
            dm_safetensors_writer_add(w, "output", DM_ST_F32, 4, output_shape, output, &error) &&
            dm_safetensors_writer_write(w, path, &error);
  dm_safetensors_writer_free(w);
  dm_safetensors_free(weights);
  dm_tensor_free(x);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  return ok ? 0 : fail(error);
}

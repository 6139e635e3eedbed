/* A score network's safetensors file, written and loaded
 * (darkmap/score-network.h). */
#include "darkmap/score-network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/safetensors.h"

bool dm_score_network_save(const DmScoreNetwork *network, const DmNnParams *params,
                           double pixel_arcmin, const char *path, DmError **error) {
  DmNnMetadata *unet = NULL;
  int n = dm_unet_config_to_metadata(dm_unet_config(network->unet), &unet);
  DmNnMetadata *all = n >= 0 && unet ? malloc((size_t)(n + 3) * sizeof *all) : NULL;
  char variance[64], pixel[64];
  snprintf(variance, sizeof variance, "%.17g", network->data_variance);
  snprintf(pixel, sizeof pixel, "%.17g", pixel_arcmin);
  bool ok = all != NULL;
  if (ok) {
    memcpy(all, unet, (size_t)n * sizeof *all);
    all[n] = (DmNnMetadata){"score_data_variance", variance};
    all[n + 1] = (DmNnMetadata){"score_plain", network->plain ? "true" : "false"};
    all[n + 2] = (DmNnMetadata){"pixel_arcmin", pixel};
    ok = dm_nn_params_save(params, path, all, pixel_arcmin > 0.0 ? n + 3 : n + 2, false, error);
  } else {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the metadata.");
  }
  for (int i = 0; unet && i < n; i++) {
    free((char *)unet[i].key);
    free((char *)unet[i].value);
  }
  free(unet);
  free(all);
  return ok;
}

bool dm_score_network_load(DmNn *nn, const char *path, DmNnParams **params,
                           DmScoreNetwork *network, DmError **error) {
  DmSafetensors *st = dm_safetensors_read(path, error);
  if (!st) return false;
  DmUNetConfig config;
  double slope = 0.0, variance = 0.0;
  const char *arch = dm_safetensors_metadata(st, "arch");
  const char *plain = dm_safetensors_metadata(st, "score_plain");  /* absent: hybrid */
  bool is_plain = plain && strcmp(plain, "true") == 0;
  if (plain && !is_plain && strcmp(plain, "false") != 0) {
    dm_error_set(error, DM_ERROR_FORMAT, 0, "%s: score_plain is \"%s\", not true or false.",
                 path, plain);
    dm_safetensors_free(st);
    return false;
  }
  bool ok = arch && strcmp(arch, "unet") == 0;
  if (!ok)
    dm_error_set(error, DM_ERROR_FORMAT, 0, "%s is not a U-Net (metadata \"arch\").", path);
  ok = ok && dm_safetensors_metadata_int(st, path, "in_channels", 1, 1, &config.in_channels, error) &&
       dm_safetensors_metadata_int(st, path, "out_channels", 1, 1, &config.out_channels, error) &&
       dm_safetensors_metadata_int(st, path, "depth", 1, 8, &config.depth, error) &&
       dm_safetensors_metadata_int(st, path, "base_width", 1, 4096, &config.base_width, error) &&
       dm_safetensors_metadata_int(st, path, "groups", 1, 4096, &config.groups, error) &&
       dm_safetensors_metadata_int(st, path, "noise_features", 1, 4096, &config.noise_features, error) &&
       dm_safetensors_metadata_double(st, path, "slope", &slope, error) &&
       dm_safetensors_metadata_double(st, path, "score_data_variance", &variance, error);
  dm_safetensors_free(st);
  if (ok && !(variance > 0.0))
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "%s: score_data_variance %g is not positive.",
                      path, variance);
  if (!ok) return false;
  config.slope = (float)slope;
  DmNnParams *set = dm_nn_params_new(nn);
  if (!set) {
    if (dm_nn_take_error(nn, error))
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the score network.");
    return false;
  }
  DmUNet *unet = dm_unet_new(set, &config, 0, error);
  if (!unet || !dm_nn_params_load(set, path, true, error)) {
    dm_unet_free(unet);
    dm_nn_params_free(set);
    return false;
  }
  *params = set;
  *network = (DmScoreNetwork){nn, unet, variance, is_plain};
  return true;
}

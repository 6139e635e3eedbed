/* Loading a score network from its safetensors file
 * (darkmap/score-network.h). */
#include "darkmap/score-network.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/safetensors.h"

/* A whole number from metadata key into *out, in [min, max]. */
static bool meta_int(const DmSafetensors *st, const char *path, const char *key, int min, int max,
                     int *out, DmError **error) {
  const char *text = dm_safetensors_metadata(st, key);
  char *end = NULL;
  errno = 0;
  long value = text ? strtol(text, &end, 10) : 0;
  if (!text || *end || errno || value < min || value > max)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: metadata \"%s\" is %s%s%s, expected a whole number in [%d, %d].",
                        path, key, text ? "\"" : "missing", text ? text : "", text ? "\"" : "",
                        min, max);
  *out = (int)value;
  return true;
}

static bool meta_double(const DmSafetensors *st, const char *path, const char *key, double *out,
                        DmError **error) {
  const char *text = dm_safetensors_metadata(st, key);
  char *end = NULL;
  double value = text ? strtod(text, &end) : NAN;
  if (!text || *end || !isfinite(value))
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: metadata \"%s\" is missing or not a finite number.", path, key);
  *out = value;
  return true;
}

bool dm_score_network_load(DmNn *nn, const char *path, DmNnParams **params,
                           DmScoreNetwork *network, DmError **error) {
  DmSafetensors *st = dm_safetensors_read(path, error);
  if (!st) return false;
  DmUNetConfig config;
  double slope = 0.0, variance = 0.0;
  const char *arch = dm_safetensors_metadata(st, "arch");
  bool ok = arch && strcmp(arch, "unet") == 0;
  if (!ok)
    dm_error_set(error, DM_ERROR_FORMAT, 0, "%s is not a U-Net (metadata \"arch\").", path);
  ok = ok && meta_int(st, path, "in_channels", 1, 1, &config.in_channels, error) &&
       meta_int(st, path, "out_channels", 1, 1, &config.out_channels, error) &&
       meta_int(st, path, "depth", 1, 8, &config.depth, error) &&
       meta_int(st, path, "base_width", 1, 4096, &config.base_width, error) &&
       meta_int(st, path, "groups", 1, 4096, &config.groups, error) &&
       meta_int(st, path, "noise_features", 1, 4096, &config.noise_features, error) &&
       meta_double(st, path, "slope", &slope, error) &&
       meta_double(st, path, "score_data_variance", &variance, error);
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
  *network = (DmScoreNetwork){nn, unet, variance};
  return true;
}

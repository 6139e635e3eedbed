/* The MMGAN generator's weights file (darkmap/mmgan.h). */
#include "darkmap/mmgan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/safetensors.h"

enum { EXTRA_KEYS = 8 };

bool dm_mmgan_save(const DmMmgan *m, const char *path, DmError **error) {
  DmNnMetadata *unet = NULL;
  int n = dm_unet_config_to_metadata(dm_unet_config(m->generator), &unet);
  DmNnMetadata *all = n >= 0 && unet ? malloc((size_t)(n + EXTRA_KEYS) * sizeof *all) : NULL;
  if (!all) {
    for (int i = 0; unet && i < n; i++) {
      free((char *)unet[i].key);
      free((char *)unet[i].value);
    }
    free(unet);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the metadata.");
  }
  const DmMmganConfig *c = &m->config;
  char text[EXTRA_KEYS - 1][64];
  snprintf(text[0], sizeof text[0], "%d", c->nx);
  snprintf(text[1], sizeof text[1], "%d", c->ny);
  snprintf(text[2], sizeof text[2], "%.17g", c->pixel_arcmin);
  snprintf(text[3], sizeof text[3], "%d", c->z_channels);
  snprintf(text[4], sizeof text[4], "%.17g", c->kappa_mean);
  snprintf(text[5], sizeof text[5], "%.17g", c->kappa_std);
  snprintf(text[6], sizeof text[6], "%.17g", c->shear_scale);
  memcpy(all, unet, (size_t)n * sizeof *all);
  /* The U-Net's own "arch" = "unet" is replaced: this is an MMGAN file. */
  for (int i = 0; i < n; i++)
    if (strcmp(all[i].key, "arch") == 0) all[i].value = "mmgan";
  all[n] = (DmNnMetadata){"nx", text[0]};
  all[n + 1] = (DmNnMetadata){"ny", text[1]};
  all[n + 2] = (DmNnMetadata){"pixel_arcmin", text[2]};
  all[n + 3] = (DmNnMetadata){"z_channels", text[3]};
  all[n + 4] = (DmNnMetadata){"kappa_mean", text[4]};
  all[n + 5] = (DmNnMetadata){"kappa_std", text[5]};
  all[n + 6] = (DmNnMetadata){"shear_scale", text[6]};
  all[n + 7] = (DmNnMetadata){"method", "MMGAN conditional GAN generator (Darkmap)"};
  bool ok = dm_nn_params_save(m->generator_params, path, all, n + EXTRA_KEYS, false, error);
  for (int i = 0; i < n; i++) {
    free((char *)unet[i].key);
    free((char *)unet[i].value);
  }
  free(unet);
  free(all);
  return ok;
}

DmMmgan *dm_mmgan_load(DmNn *nn, const char *path, DmError **error) {
  DmSafetensors *st = dm_safetensors_read(path, error);
  if (!st) return NULL;
  DmMmganConfig c;
  dm_mmgan_config_init(&c);
  int in_channels = 0, out_channels = 0, noise_features = 0;
  double slope = 0.0;
  const char *arch = dm_safetensors_metadata(st, "arch");
  bool ok = arch && strcmp(arch, "mmgan") == 0;
  if (!ok)
    dm_error_set(error, DM_ERROR_FORMAT, 0,
                 "%s is not an MMGAN generator (metadata \"arch\" is not \"mmgan\").", path);
  ok = ok && dm_safetensors_metadata_int(st, path, "nx", 4, 8192, &c.nx, error) &&
       dm_safetensors_metadata_int(st, path, "ny", 4, 8192, &c.ny, error) &&
       dm_safetensors_metadata_int(st, path, "depth", 1, 6, &c.depth, error) &&
       dm_safetensors_metadata_int(st, path, "base_width", 1, 1024, &c.base_width, error) &&
       dm_safetensors_metadata_int(st, path, "groups", 1, 1024, &c.groups, error) &&
       dm_safetensors_metadata_int(st, path, "z_channels", 1, 64, &c.z_channels, error) &&
       dm_safetensors_metadata_int(st, path, "in_channels", 1, 1000, &in_channels, error) &&
       dm_safetensors_metadata_int(st, path, "out_channels", 1, 1, &out_channels, error) &&
       dm_safetensors_metadata_int(st, path, "noise_features", 0, 0, &noise_features, error) &&
       dm_safetensors_metadata_double(st, path, "slope", &slope, error) &&
       dm_safetensors_metadata_double(st, path, "pixel_arcmin", &c.pixel_arcmin, error) &&
       dm_safetensors_metadata_double(st, path, "kappa_mean", &c.kappa_mean, error) &&
       dm_safetensors_metadata_double(st, path, "kappa_std", &c.kappa_std, error) &&
       dm_safetensors_metadata_double(st, path, "shear_scale", &c.shear_scale, error);
  dm_safetensors_free(st);
  if (ok && (in_channels != DM_MMGAN_CONDITION_CHANNELS + c.z_channels || slope != 0.2))
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s: the generator has %d input channels and slope %g, expected %d "
                      "(4 condition + %d code channels) and 0.2.",
                      path, in_channels, slope, DM_MMGAN_CONDITION_CHANNELS + c.z_channels,
                      c.z_channels);
  if (!ok) return NULL;
  DmError *invalid = NULL;
  DmMmgan *m = dm_mmgan_new(nn, &c, false, 0, &invalid);
  if (!m) {
    dm_error_set(error, invalid && invalid->code == DM_ERROR_INVALID_ARGUMENT
                            ? DM_ERROR_FORMAT
                            : (invalid ? invalid->code : DM_ERROR_FAILED),
                 0, "%s: %s", path, invalid ? invalid->message : "cannot build the generator");
    dm_error_free(invalid);
    return NULL;
  }
  if (!dm_nn_params_load(m->generator_params, path, true, error)) {
    dm_mmgan_free(m);
    return NULL;
  }
  return m;
}

/* The CosmoGAN generator's weights file (darkmap/cosmogan.h). */
#include <stdio.h>
#include <string.h>

#include "darkmap/cosmogan.h"
#include "darkmap/safetensors.h"

bool dm_cosmogan_save(const DmCosmogan *m, const char *path, DmError **error) {
  const DmCosmoganConfig *c = &m->config;
  char text[6][64];
  snprintf(text[0], sizeof text[0], "%d", c->z_dim);
  snprintf(text[1], sizeof text[1], "%d", c->base_width);
  snprintf(text[2], sizeof text[2], "%d", c->size);
  snprintf(text[3], sizeof text[3], "%.17g", c->pixel_arcmin);
  snprintf(text[4], sizeof text[4], "%.17g", c->transform_a);
  snprintf(text[5], sizeof text[5], "%.17g", c->transform_offset);
  const DmNnMetadata metadata[] = {
      {"arch", "cosmogan"},
      {"z_dim", text[0]},
      {"base_width", text[1]},
      {"size", text[2]},
      {"pixel_arcmin", text[3]},
      {"transform", DM_COSMOGAN_TRANSFORM_NAME},
      {"transform_a", text[4]},
      {"transform_offset", text[5]},
      {"method", "CosmoGAN DCGAN generator of convergence maps (Darkmap)"},
  };
  return dm_nn_params_save(m->generator_params, path, metadata,
                           (int)(sizeof metadata / sizeof *metadata), false, error);
}

/* The configuration a file's metadata gives, every value checked. */
static bool read_config(const DmSafetensors *st, const char *path, DmCosmoganConfig *c,
                        DmError **error) {
  const char *arch = dm_safetensors_metadata(st, "arch");
  if (!arch || strcmp(arch, "cosmogan") != 0)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s is not a CosmoGAN generator (metadata \"arch\" is not "
                        "\"cosmogan\").",
                        path);
  const char *transform = dm_safetensors_metadata(st, "transform");
  if (!transform || strcmp(transform, DM_COSMOGAN_TRANSFORM_NAME) != 0)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: the map transform is \"%s\", not \"" DM_COSMOGAN_TRANSFORM_NAME "\".",
                        path, transform ? transform : "missing");
  dm_cosmogan_config_init(c);
  bool ok =
      dm_safetensors_metadata_int(st, path, "z_dim", 1, 4096, &c->z_dim, error) &&
      dm_safetensors_metadata_int(st, path, "base_width", 1, 1024, &c->base_width, error) &&
      dm_safetensors_metadata_int(st, path, "size", 16, 4096, &c->size, error) &&
      dm_safetensors_metadata_double(st, path, "pixel_arcmin", &c->pixel_arcmin, error) &&
      dm_safetensors_metadata_double(st, path, "transform_a", &c->transform_a, error) &&
      dm_safetensors_metadata_double(st, path, "transform_offset", &c->transform_offset, error);
  if (!ok) return false;
  DmError *invalid = NULL;
  if (!dm_cosmogan_config_check(c, &invalid)) {
    dm_error_set(error, DM_ERROR_FORMAT, 0, "%s: %s", path, invalid->message);
    dm_error_free(invalid);
    return false;
  }
  /* The file must hold the first layer the metadata describes before any
   * network of that size is made: a header cannot ask for more memory than
   * the file's own bytes. */
  int64_t s0 = c->size / 16, width = 8 * (int64_t)c->base_width * s0 * s0;
  const DmStTensorInfo *fc = dm_safetensors_find(st, "fc.weight");
  if (!fc || fc->ndim != 2 || fc->shape[0] != width || fc->shape[1] != c->z_dim)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: fc.weight is not the [%lld, %d] matrix a generator of %d × %d maps, "
                        "width %d and latent size %d has.",
                        path, (long long)width, c->z_dim, c->size, c->size, c->base_width,
                        c->z_dim);
  return true;
}

DmCosmogan *dm_cosmogan_load(DmNn *nn, const char *path, DmError **error) {
  DmSafetensors *st = dm_safetensors_read(path, error);
  if (!st) return NULL;
  DmCosmoganConfig c;
  bool ok = read_config(st, path, &c, error);
  dm_safetensors_free(st);
  if (!ok) return NULL;
  DmCosmogan *m = dm_cosmogan_new(nn, &c, false, 0, error);
  DmError *failure = NULL;
  if (m && !dm_nn_params_load(m->generator_params, path, true, &failure)) {
    /* A tensor the metadata's network has and the file lacks: the file is
     * not what it claims. */
    if (failure && failure->code == DM_ERROR_NOT_FOUND) failure->code = DM_ERROR_FORMAT;
    dm_error_propagate(error, failure);
    dm_cosmogan_free(m);
    return NULL;
  }
  return m;
}

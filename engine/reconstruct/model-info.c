/* What a network weights file is for, from its metadata, and whether a
 * shear is on its grid (darkmap/model-info.h). */
#include "darkmap/model-info.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/safetensors.h"

/* The kind, grid and pixel of an open file's metadata. */
static bool read_kind(const DmSafetensors *st, const char *path, DmModelInfo *info,
                      DmError **error) {
  const char *arch = dm_safetensors_metadata(st, "arch");
  if (arch && strcmp(arch, "cosmogan") == 0) {
    info->kind = DM_MODEL_COSMOGAN;
    int size = 0;
    bool ok = dm_safetensors_metadata_int(st, path, "size", 16, 4096, &size, error) &&
              dm_safetensors_metadata_double(st, path, "pixel_arcmin", &info->pixel_arcmin,
                                             error);
    info->nx = info->ny = size;
    return ok;
  }
  if (arch && strcmp(arch, "mmgan") == 0) {
    info->kind = DM_MODEL_MMGAN;
    return dm_safetensors_metadata_int(st, path, "nx", 4, 8192, &info->nx, error) &&
           dm_safetensors_metadata_int(st, path, "ny", 4, 8192, &info->ny, error) &&
           dm_safetensors_metadata_double(st, path, "pixel_arcmin", &info->pixel_arcmin,
                                          error);
  }
  if (!arch || strcmp(arch, "unet") != 0)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s is not a Darkmap network (metadata \"arch\" is %s%s%s, not \"unet\", "
                        "\"mmgan\" or \"cosmogan\").",
                        path, arch ? "\"" : "", arch ? arch : "missing", arch ? "\"" : "");
  const char *plain = dm_safetensors_metadata(st, "score_plain");  /* absent: hybrid */
  if (plain && strcmp(plain, "true") != 0 && strcmp(plain, "false") != 0)
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "%s: score_plain is \"%s\", not true or false.",
                        path, plain);
  info->kind = plain && strcmp(plain, "true") == 0 ? DM_MODEL_SCORE_PLAIN : DM_MODEL_SCORE_HYBRID;
  /* Convolutional: any grid; the pixel scale only where the file records it. */
  return !dm_safetensors_metadata(st, "pixel_arcmin") ||
         dm_safetensors_metadata_double(st, path, "pixel_arcmin", &info->pixel_arcmin, error);
}

/* The U-Net's shape where the metadata has it (MMGAN and score files). */
static bool read_unet(const DmSafetensors *st, const char *path, DmModelInfo *info,
                      DmError **error) {
  if (info->kind == DM_MODEL_COSMOGAN || !dm_safetensors_metadata(st, "base_width")) return true;
  return dm_safetensors_metadata_int(st, path, "depth", 1, 16, &info->unet_depth, error) &&
         dm_safetensors_metadata_int(st, path, "base_width", 1, 4096, &info->unet_width, error) &&
         dm_safetensors_metadata_int(st, path, "in_channels", 1, 4096, &info->unet_in_channels,
                                     error);
}

bool dm_model_info_read(const char *path, DmModelInfo *info, DmError **error) {
  /* Its metadata and tensor sizes: the header alone. */
  DmSafetensors *st = dm_safetensors_read_header(path, error);
  if (!st) return false;
  DmModelInfo found = {0};
  bool ok = read_kind(st, path, &found, error) &&
            dm_calibration_read(st, path, &found.calibration, error);
  if (ok && found.calibration.present && found.kind == DM_MODEL_COSMOGAN)
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s: a CosmoGAN emulator holds a calibration, but it draws no error bars.",
                      path);
  if (ok && found.calibration.present &&
      strcmp(found.calibration.sampler, found.kind == DM_MODEL_MMGAN ? "mmgan" : "score-hmc") != 0)
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s: the %s holds a calibration for the sampler \"%s\".", path,
                      dm_model_kind_describe(found.kind), found.calibration.sampler);
  if (ok && found.pixel_arcmin < 0.0)
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "%s: pixel_arcmin %g is negative.", path,
                      found.pixel_arcmin);
  for (int i = 0; ok && i < dm_safetensors_count(st); i++) {
    found.n_parameters += (int64_t)dm_safetensors_numel(dm_safetensors_info(st, i));
  }
  found.n_tensors = ok ? dm_safetensors_count(st) : 0;
  ok = ok && read_unet(st, path, &found, error);
  dm_safetensors_free(st);
  if (ok) *info = found;
  return ok;
}

const char *dm_model_kind_describe(DmModelKind kind) {
  switch (kind) {
  case DM_MODEL_SCORE_HYBRID:
    return "score prior (hybrid residual)";
  case DM_MODEL_SCORE_PLAIN:
    return "score prior (plain)";
  case DM_MODEL_MMGAN:
    return "MMGAN generator";
  case DM_MODEL_COSMOGAN:
    return "CosmoGAN emulator";
  }
  return "unknown model";
}

bool dm_model_info_check_grid(const DmModelInfo *info, const DmBinnedShear *binned,
                              DmError **error) {
  const DmMap *shear = binned->shear;
  bool has_grid = info->nx > 0 && info->ny > 0, has_pixel = info->pixel_arcmin > 0.0;
  if (has_pixel && !shear->wcs)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The shear has no WCS: its pixel scale is unknown.");
  double pixel = shear->wcs ? dm_wcs_pixel_scale_deg(shear->wcs) * 60.0 : 0.0;
  bool same_size = !has_grid || (shear->nx == info->nx && shear->ny == info->ny);
  bool same_pixel = !has_pixel || fabs(pixel / info->pixel_arcmin - 1.0) <= 0.01;
  if (same_size && same_pixel) return true;
  if (has_grid)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The model was trained on %d × %d pixels of %.4g′; the shear is %d × %d "
                        "pixels of %.4g′.",
                        info->nx, info->ny, info->pixel_arcmin, shear->nx, shear->ny, pixel);
  return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "The model was trained on pixels of %.4g′; the shear has pixels of %.4g′.",
                      info->pixel_arcmin, pixel);
}

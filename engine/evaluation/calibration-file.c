/* A model's calibration in its weights file's metadata: read, stored
 * (the file rewritten atomically with its tensors unchanged) and described
 * (darkmap/calibration.h). */
#include "darkmap/calibration.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX "calibration_"

static bool known_sampler(const char *name) {
  return strcmp(name, "mmgan") == 0 || strcmp(name, "score-hmc") == 0;
}

/* A whole number in [0, max] from a metadata value. */
static bool read_count(const DmSafetensors *st, const char *path, const char *key, double max,
                       double *out, DmError **error) {
  if (!dm_safetensors_metadata_double(st, path, key, out, error)) return false;
  if (*out < 0.0 || *out > max || *out != floor(*out))
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: metadata \"%s\" is not a whole number of at most %.0f.", path, key,
                        max);
  return true;
}

bool dm_calibration_read(const DmSafetensors *st, const char *path, DmCalibration *c,
                         DmError **error) {
  memset(c, 0, sizeof *c);
  const char *sampler = dm_safetensors_metadata(st, KEY_PREFIX "sampler");
  if (!sampler) return true;
  if (!known_sampler(sampler))
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: the calibration is for an unknown sampler \"%.40s\".", path,
                        sampler);
  snprintf(c->sampler, sizeof c->sampler, "%s", sampler);
  double mocks, samples, seed, pixels;
  const char *grid = dm_safetensors_metadata(st, KEY_PREFIX "grid");
  if (!dm_safetensors_metadata_double(st, path, KEY_PREFIX "level", &c->level, error) ||
      !dm_safetensors_metadata_double(st, path, KEY_PREFIX "factor", &c->factor, error) ||
      !dm_safetensors_metadata_double(st, path, KEY_PREFIX "factor95", &c->factor95, error) ||
      !read_count(st, path, KEY_PREFIX "mocks", 1e6, &mocks, error) ||
      !read_count(st, path, KEY_PREFIX "samples", 1e6, &samples, error) ||
      !read_count(st, path, KEY_PREFIX "seed", 9007199254740992.0, &seed, error) ||
      !read_count(st, path, KEY_PREFIX "pixels", 1e15, &pixels, error))
    return false;
  if (!(c->level > 0.0 && c->level < 1.0) || !(c->factor > 0.0) || !isfinite(c->factor) ||
      !(c->factor95 > 0.0) || !isfinite(c->factor95))
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: the calibration (level %g, factors %g and %g) is not a level in "
                        "(0, 1) with finite positive factors.",
                        path, c->level, c->factor, c->factor95);
  if (!grid || sscanf(grid, "%dx%d at %lf", &c->nx, &c->ny, &c->pixel_arcmin) != 3 ||
      c->nx < 1 || c->ny < 1 || !(c->pixel_arcmin > 0.0))
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: metadata \"" KEY_PREFIX "grid\" is not \"NXxNY at P\".", path);
  c->n_mocks = (int)mocks;
  c->n_samples = (int)samples;
  c->seed = (uint64_t)seed;
  c->n_pixels = (int64_t)pixels;
  c->present = true;
  return true;
}

/* The calibration's keys and values (values into text[9][64]). */
static void calibration_entries(const DmCalibration *c, const char *keys[9], char text[9][64]) {
  static const char *const names[9] = {
      KEY_PREFIX "sampler", KEY_PREFIX "level",   KEY_PREFIX "factor",
      KEY_PREFIX "factor95", KEY_PREFIX "mocks",  KEY_PREFIX "samples",
      KEY_PREFIX "seed",     KEY_PREFIX "pixels", KEY_PREFIX "grid"};
  for (int i = 0; i < 9; i++) keys[i] = names[i];
  snprintf(text[0], 64, "%s", c->sampler);
  snprintf(text[1], 64, "%.17g", c->level);
  snprintf(text[2], 64, "%.17g", c->factor);
  snprintf(text[3], 64, "%.17g", c->factor95);
  snprintf(text[4], 64, "%d", c->n_mocks);
  snprintf(text[5], 64, "%d", c->n_samples);
  snprintf(text[6], 64, "%llu", (unsigned long long)c->seed);
  snprintf(text[7], 64, "%lld", (long long)c->n_pixels);
  snprintf(text[8], 64, "%dx%d at %.17g", c->nx, c->ny, c->pixel_arcmin);
}

bool dm_calibration_store(const char *model_path, const DmCalibration *c, DmError **error) {
  if (!c->present || !known_sampler(c->sampler))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "No calibration of a known sampler to store.");
  DmSafetensors *st = dm_safetensors_read(model_path, error);
  if (!st) return false;
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  bool ok = w != NULL;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  /* Every other key as it was, then the calibration's. */
  for (int i = 0; ok && i < dm_safetensors_metadata_count(st); i++) {
    const char *key = dm_safetensors_metadata_key(st, i);
    if (strncmp(key, KEY_PREFIX, strlen(KEY_PREFIX)) != 0)
      ok = dm_safetensors_writer_add_metadata(w, key, dm_safetensors_metadata(st, key), error);
  }
  const char *keys[9];
  char text[9][64];
  calibration_entries(c, keys, text);
  for (int i = 0; ok && i < 9; i++) ok = dm_safetensors_writer_add_metadata(w, keys[i], text[i], error);
  for (int i = 0; ok && i < dm_safetensors_count(st); i++) {
    const DmStTensorInfo *info = dm_safetensors_info(st, i);
    ok = dm_safetensors_writer_add(w, info->name, info->dtype, info->ndim, info->shape,
                                   dm_safetensors_data(st, info), error);
  }
  ok = ok && dm_safetensors_writer_write(w, model_path, error);
  dm_safetensors_writer_free(w);
  dm_safetensors_free(st);
  return ok;
}

void dm_calibration_describe(const DmCalibration *c, char *text, size_t size) {
  if (!c->present) {
    snprintf(text, size, "not calibrated");
    return;
  }
  snprintf(text, size, "×%.3g at %.0f %% (95 %%: ×%.3g), %d mocks of %dx%d at %.3g'", c->factor,
           100.0 * c->level, c->factor95, c->n_mocks, c->nx, c->ny, c->pixel_arcmin);
}

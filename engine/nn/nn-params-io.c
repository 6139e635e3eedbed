/* Parameter sets to and from safetensors files (darkmap/nn-params.h),
 * through the public parameter and tensor functions only.
 *
 * Shapes follow PyTorch's state_dict: a tensor whose C, H and W are all 1
 * (a bias, a norm's scale or shift, a vector buffer) is written 1-D [N];
 * every other one 4-D [N, C, H, W], as convolution weights are.  Loading
 * accepts any shape that equals the tensor's once both are padded with
 * trailing 1s, so that PyTorch's 2-D linear weights [O, I] load into
 * (O, I, 1, 1) tensors.  F32, F16, BF16 and F64 tensors are converted to
 * float32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-params.h"
#include "darkmap/safetensors.h"
#include "nn/nn-failure-private.h"

/* The error recorded in the tensor's context, moved into *error. */
static bool take_tensor_error(const DmTensor *t, const char *what, const char *name,
                              DmError **error) {
  char context[512];
  snprintf(context, sizeof context, "Cannot %s tensor \"%s\"", what, name);
  return dm_nn_take_failure(t->nn, error, context);
}

/* ---- saving ------------------------------------------------------------- */

/* The tensor's shape as PyTorch stores it (see the top of this file);
 * returns the number of dimensions. */
static int file_shape(const DmTensor *t, int64_t shape[4]) {
  if (t->shape[1] == 1 && t->shape[2] == 1 && t->shape[3] == 1) {
    shape[0] = t->shape[0];
    return 1;
  }
  memcpy(shape, t->shape, 4 * sizeof shape[0]);
  return 4;
}

bool dm_nn_params_save(const DmNnParams *params, const char *path, const DmNnMetadata *metadata,
                       int n_metadata, bool half, DmError **error) {
  int n = dm_nn_params_count(params);
  /* host[i]: the i-th tensor's values (float32, or float16 bits when half),
   * borrowed by the writer until it has written the file. */
  void **host = calloc(n > 0 ? (size_t)n : 1, sizeof *host);
  DmSafetensorsWriter *writer = dm_safetensors_writer_new();
  bool ok = host && writer;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory saving %s", path);
  for (int m = 0; ok && m < n_metadata; m++)
    ok = dm_safetensors_writer_add_metadata(writer, metadata[m].key, metadata[m].value, error);
  for (int i = 0; ok && i < n; i++) {
    const char *name = dm_nn_params_name(params, i);
    const DmTensor *t = dm_nn_params_tensor(params, i);
    size_t count = (size_t)dm_tensor_numel(t);
    float *values = malloc(count ? count * sizeof *values : 1);
    if (!values) {
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory saving %s", path);
      break;
    }
    host[i] = values;
    if (!dm_tensor_download(t, values, count)) {
      ok = take_tensor_error(t, "read", name, error);
      break;
    }
    if (half) {
      uint16_t *bits = malloc(count ? count * sizeof *bits : 1);
      if (!bits) {
        ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory saving %s", path);
        break;
      }
      for (size_t k = 0; k < count; k++) bits[k] = dm_f32_to_f16(values[k]);
      free(values);
      host[i] = bits;
    }
    int64_t shape[4];
    int ndim = file_shape(t, shape);
    ok = dm_safetensors_writer_add(writer, name, half ? DM_ST_F16 : DM_ST_F32, ndim, shape,
                                   host[i], error);
  }
  if (ok) ok = dm_safetensors_writer_write(writer, path, error);
  if (!ok) dm_error_prefix(error, "Cannot save the parameters to %s", path);
  dm_safetensors_writer_free(writer);
  for (int i = 0; host && i < n; i++) free(host[i]);
  free(host);
  return ok;
}

/* ---- loading ------------------------------------------------------------ */

/* Whether the file's shape and the tensor's agree once both are padded with
 * trailing 1s. */
static bool shapes_agree(const DmStTensorInfo *info, const DmTensor *t) {
  int dims = info->ndim > 4 ? info->ndim : 4;
  for (int d = 0; d < dims; d++) {
    int64_t in_file = d < info->ndim ? info->shape[d] : 1;
    int64_t in_set = d < 4 ? t->shape[d] : 1;
    if (in_file != in_set) return false;
  }
  return true;
}

static void format_shape(const int64_t *shape, int ndim, char *out, size_t size) {
  size_t used = (size_t)snprintf(out, size, "[");
  for (int d = 0; d < ndim && used < size; d++)
    used += (size_t)snprintf(out + used, size - used, d ? ", %lld" : "%lld", (long long)shape[d]);
  if (used < size) snprintf(out + used, size - used, "]");
}

/* Checks that every tensor of the set is in the file with an agreeing shape
 * and a floating-point dtype, and, when strict, that the file has nothing
 * else; *total is the set's element count. */
static bool validate(const DmNnParams *params, const DmSafetensors *st, bool strict,
                     size_t *total, DmError **error) {
  *total = 0;
  for (int i = 0; i < dm_nn_params_count(params); i++) {
    const char *name = dm_nn_params_name(params, i);
    const DmTensor *t = dm_nn_params_tensor(params, i);
    const DmStTensorInfo *info = dm_safetensors_find(st, name);
    if (!info)
      return dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "The file has no tensor \"%s\"", name);
    if (info->dtype != DM_ST_F32 && info->dtype != DM_ST_F16 && info->dtype != DM_ST_BF16 &&
        info->dtype != DM_ST_F64)
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "Tensor \"%s\" is not floating-point in the file", name);
    if (!shapes_agree(info, t)) {
      char in_file[128], in_set[128];
      format_shape(info->shape, info->ndim, in_file, sizeof in_file);
      format_shape(t->shape, 4, in_set, sizeof in_set);
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "Tensor \"%s\" has shape %s in the file, %s in the network", name,
                          in_file, in_set);
    }
    *total += (size_t)dm_tensor_numel(t);
  }
  for (int i = 0; strict && i < dm_safetensors_count(st); i++) {
    const char *name = dm_safetensors_info(st, i)->name;
    if (!dm_nn_params_find(params, name))
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "The file has tensor \"%s\", which the network does not have", name);
  }
  return true;
}

bool dm_nn_params_load(DmNnParams *params, const char *path, bool strict, DmError **error) {
  DmSafetensors *st = dm_safetensors_read(path, error);
  if (!st) return false;
  size_t total = 0;
  float *values = NULL; /* every tensor's values back to back, in set order */
  bool ok = validate(params, st, strict, &total, error);
  if (ok && !(values = malloc(total ? total * sizeof *values : 1)))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory loading %s", path);
  /* Convert everything before changing anything. */
  size_t offset = 0;
  for (int i = 0; ok && i < dm_nn_params_count(params); i++) {
    const char *name = dm_nn_params_name(params, i);
    size_t count = (size_t)dm_tensor_numel(dm_nn_params_tensor(params, i));
    ok = dm_safetensors_to_f32(st, dm_safetensors_find(st, name), values + offset, count, error);
    offset += count;
  }
  offset = 0;
  for (int i = 0; ok && i < dm_nn_params_count(params); i++) {
    DmTensor *t = dm_nn_params_tensor(params, i);
    size_t count = (size_t)dm_tensor_numel(t);
    if (!dm_tensor_upload(t, values + offset, count))
      ok = take_tensor_error(t, "write", dm_nn_params_name(params, i), error);
    offset += count;
  }
  if (!ok) dm_error_prefix(error, "Cannot load parameters from %s", path);
  free(values);
  dm_safetensors_free(st);
  return ok;
}

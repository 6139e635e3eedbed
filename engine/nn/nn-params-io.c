/* Parameter sets to and from safetensors files (darkmap/nn-params.h),
 * through the public parameter and tensor functions only.
 *
 * Shapes follow PyTorch's state_dict: a tensor whose C, H and W are all 1
 * (a bias, a norm's scale or shift, a vector buffer) is written 1-D [N], a
 * linear layer's weight 2-D [O, F] (dm_nn_params_set_file_dims), every
 * other one 4-D [N, C, H, W], as convolution weights are.  Loading
 * accepts any shape that equals the tensor's once both are padded with
 * trailing 1s, so that PyTorch's 2-D linear weights [O, I] load into
 * (O, I, 1, 1) tensors.  F32, F16, BF16 and F64 tensors are converted to
 * float32.  A set can share a file with other state: its tensors then go
 * under a name prefix (dm_nn_params_write, dm_nn_params_read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-params.h"
#include "darkmap/safetensors.h"
#include "nn/nn-failure-private.h"
#include "nn/nn-params-private.h"

/* The error recorded in the tensor's context, moved into *error. */
static bool take_tensor_error(const DmTensor *t, const char *what, const char *name,
                              DmError **error) {
  char context[512];
  snprintf(context, sizeof context, "Cannot %s tensor \"%s\"", what, name);
  return dm_nn_take_failure(t->nn, error, context);
}

/* ---- saving ------------------------------------------------------------- */

/* The i-th tensor's shape as PyTorch stores it (dm_nn_params_file_dims);
 * returns the number of dimensions. */
static int file_shape(const DmNnParams *params, int i, int64_t shape[4]) {
  int ndim = dm_nn_params_file_dims(params, i);
  memcpy(shape, dm_nn_params_tensor(params, i)->shape, 4 * sizeof shape[0]);
  return ndim;
}

char *dm_nn_prefixed_name(const char *prefix, const char *kind, const char *name) {
  size_t n = strlen(prefix) + strlen(kind) + strlen(name) + 1;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s%s%s", prefix, kind, name);
  return s;
}

bool dm_nn_params_write(const DmNnParams *params, DmSafetensorsWriter *writer, const char *prefix,
                        bool half, DmError **error) {
  bool ok = true;
  for (int i = 0; ok && i < dm_nn_params_count(params); i++) {
    const char *name = dm_nn_params_name(params, i);
    const DmTensor *t = dm_nn_params_tensor(params, i);
    size_t count = (size_t)dm_tensor_numel(t);
    float *values = malloc(count ? count * sizeof *values : 1);
    uint16_t *bits = half ? malloc(count ? count * sizeof *bits : 1) : NULL;
    char *file_name = dm_nn_prefixed_name(prefix, "", name);
    if (!values || (half && !bits) || !file_name) {
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory writing tensor \"%s\"",
                        name);
    } else if (!dm_tensor_download(t, values, count)) {
      ok = take_tensor_error(t, "read", name, error);
    } else {
      for (size_t k = 0; half && k < count; k++) bits[k] = dm_f32_to_f16(values[k]);
      int64_t shape[4];
      int ndim = file_shape(params, i, shape);
      /* The writer takes the values over, also when the add fails. */
      void *data = half ? (void *)bits : (void *)values;
      if (half) bits = NULL;
      else values = NULL;
      ok = dm_safetensors_writer_add_owned(writer, file_name, half ? DM_ST_F16 : DM_ST_F32, ndim,
                                           shape, data, error);
    }
    free(values);
    free(bits);
    free(file_name);
  }
  return ok;
}

bool dm_nn_params_save(const DmNnParams *params, const char *path, const DmNnMetadata *metadata,
                       int n_metadata, bool half, DmError **error) {
  DmSafetensorsWriter *writer = dm_safetensors_writer_new();
  bool ok = writer != NULL;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  for (int m = 0; ok && m < n_metadata; m++)
    ok = dm_safetensors_writer_add_metadata(writer, metadata[m].key, metadata[m].value, error);
  ok = ok && dm_nn_params_write(params, writer, "", half, error) &&
       dm_safetensors_writer_write(writer, path, error);
  if (!ok) dm_error_prefix(error, "Cannot save the parameters to %s", path);
  dm_safetensors_writer_free(writer);
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

/* Checks that every tensor of the set is in the file under prefix with an
 * agreeing shape and a floating-point dtype, and, when strict, that the
 * file has nothing else under prefix; *total is the set's element count. */
static bool validate(const DmNnParams *params, const DmSafetensors *st, const char *prefix,
                     bool strict, size_t *total, DmError **error) {
  *total = 0;
  size_t prefix_length = strlen(prefix);
  bool ok = true;
  for (int i = 0; ok && i < dm_nn_params_count(params); i++) {
    const DmTensor *t = dm_nn_params_tensor(params, i);
    char *name = dm_nn_prefixed_name(prefix, "", dm_nn_params_name(params, i));
    const DmStTensorInfo *info = name ? dm_safetensors_find(st, name) : NULL;
    if (!name) {
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
    } else if (!info) {
      ok = dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "The file has no tensor \"%s\"", name);
    } else if (info->dtype != DM_ST_F32 && info->dtype != DM_ST_F16 &&
               info->dtype != DM_ST_BF16 && info->dtype != DM_ST_F64) {
      ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "Tensor \"%s\" is not floating-point in the file", name);
    } else if (!shapes_agree(info, t)) {
      char in_file[128], in_set[128];
      format_shape(info->shape, info->ndim, in_file, sizeof in_file);
      format_shape(t->shape, 4, in_set, sizeof in_set);
      ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "Tensor \"%s\" has shape %s in the file, %s in the network", name,
                        in_file, in_set);
    }
    free(name);
    *total += (size_t)dm_tensor_numel(t);
  }
  for (int i = 0; ok && strict && i < dm_safetensors_count(st); i++) {
    const char *name = dm_safetensors_info(st, i)->name;
    if (strncmp(name, prefix, prefix_length) == 0 &&
        !dm_nn_params_find(params, name + prefix_length))
      ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "The file has tensor \"%s\", which the network does not have", name);
  }
  return ok;
}

bool dm_nn_params_read(DmNnParams *params, const DmSafetensors *st, const char *prefix,
                       bool strict, DmError **error) {
  size_t total = 0;
  float *values = NULL; /* every tensor's values back to back, in set order */
  bool ok = validate(params, st, prefix, strict, &total, error);
  if (ok && !(values = malloc(total ? total * sizeof *values : 1)))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  /* Convert everything before changing anything. */
  size_t offset = 0;
  for (int i = 0; ok && i < dm_nn_params_count(params); i++) {
    char *name = dm_nn_prefixed_name(prefix, "", dm_nn_params_name(params, i));
    size_t count = (size_t)dm_tensor_numel(dm_nn_params_tensor(params, i));
    ok = name ? dm_safetensors_to_f32(st, dm_safetensors_find(st, name), values + offset, count,
                                      error)
              : dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
    free(name);
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
  free(values);
  return ok;
}

bool dm_nn_params_load(DmNnParams *params, const char *path, bool strict, DmError **error) {
  DmSafetensors *st = dm_safetensors_read(path, error);
  if (!st) return false;
  bool ok = dm_nn_params_read(params, st, "", strict, error);
  if (!ok) dm_error_prefix(error, "Cannot load parameters from %s", path);
  dm_safetensors_free(st);
  return ok;
}

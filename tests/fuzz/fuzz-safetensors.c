/* libFuzzer target: dm_safetensors_parse on arbitrary bytes, and on the
 * bytes it accepts a write and re-read that must give the same tensors.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-safetensors
 *   cp -r tests/fuzz/corpus/fuzz-safetensors build-fuzz/corpus-safetensors
 *   build-fuzz/tests/fuzz/fuzz-safetensors -max_total_time=300 -max_len=4096 \
 *       -dict=tests/fuzz/safetensors.dict build-fuzz/corpus-safetensors
 *
 * A crash, leak or sanitizer report stops the run and leaves the input as
 * crash-<hash>; replay it with `build-fuzz/tests/fuzz/fuzz-safetensors
 * crash-<hash>`.  A file the reader accepts but whose rewrite differs calls
 * __builtin_trap(), which libFuzzer reports as a crash. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "darkmap/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t element_size(DmStDtype dtype) {
  switch (dtype) {
  case DM_ST_U8: return 1;
  case DM_ST_F16:
  case DM_ST_BF16: return 2;
  case DM_ST_F32:
  case DM_ST_I32: return 4;
  case DM_ST_F64:
  case DM_ST_I64: return 8;
  }
  return 1;
}

/* Whether a and b hold the same tensors (names, dtypes, shapes, bytes) and
 * metadata. */
static bool same_contents(const DmSafetensors *a, const DmSafetensors *b) {
  if (dm_safetensors_count(a) != dm_safetensors_count(b) ||
      dm_safetensors_metadata_count(a) != dm_safetensors_metadata_count(b))
    return false;
  for (int i = 0; i < dm_safetensors_count(a); i++) {
    const DmStTensorInfo *x = dm_safetensors_info(a, i);
    const DmStTensorInfo *y = dm_safetensors_find(b, x->name);
    if (!y || x->dtype != y->dtype || x->ndim != y->ndim || x->nbytes != y->nbytes ||
        memcmp(x->shape, y->shape, (size_t)x->ndim * sizeof x->shape[0]) != 0 ||
        (x->nbytes && memcmp(dm_safetensors_data(a, x), dm_safetensors_data(b, y), x->nbytes)))
      return false;
  }
  for (int i = 0; i < dm_safetensors_metadata_count(a); i++) {
    const char *key = dm_safetensors_metadata_key(a, i);
    const char *value = dm_safetensors_metadata(b, key);
    if (!value || strcmp(value, dm_safetensors_metadata(a, key)) != 0) return false;
  }
  return true;
}

/* Writes st to a scratch file and reads it back; the file lives in
 * /dev/shm, where the writer's fsync costs nothing. */
static void check_rewrite(const DmSafetensors *st) {
  static char path[64] = "";
  if (!path[0]) snprintf(path, sizeof path, "/dev/shm/darkmap-fuzz-rewrite-%d", (int)getpid());
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  bool ok = w != NULL;
  for (int i = 0; ok && i < dm_safetensors_metadata_count(st); i++) {
    const char *key = dm_safetensors_metadata_key(st, i);
    ok = dm_safetensors_writer_add_metadata(w, key, dm_safetensors_metadata(st, key), NULL);
  }
  for (int i = 0; ok && i < dm_safetensors_count(st); i++) {
    const DmStTensorInfo *info = dm_safetensors_info(st, i);
    ok = dm_safetensors_writer_add(w, info->name, info->dtype, info->ndim, info->shape,
                                   dm_safetensors_data(st, info), NULL);
  }
  if (!ok || !dm_safetensors_writer_write(w, path, NULL)) __builtin_trap();
  dm_safetensors_writer_free(w);
  DmSafetensors *again = dm_safetensors_read(path, NULL);
  if (!again || !same_contents(st, again)) __builtin_trap();
  dm_safetensors_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DmError *error = NULL;
  DmSafetensors *st = dm_safetensors_parse(data, size, &error);
  if (st) {
    /* Touch every tensor's bytes and convert the floating-point ones. */
    volatile unsigned total = 0;
    for (int i = 0; i < dm_safetensors_count(st); i++) {
      const DmStTensorInfo *info = dm_safetensors_info(st, i);
      const unsigned char *bytes = dm_safetensors_data(st, info);
      for (size_t k = 0; k < info->nbytes; k++) total += bytes[k];
      size_t count = info->nbytes / element_size(info->dtype);
      if (count <= 4096) {
        float out[4096];
        if (dm_safetensors_to_f32(st, info, out, count, NULL))
          for (size_t k = 0; k < count; k++) total += out[k] == out[k];
      }
    }
    (void)total;
    check_rewrite(st);
  }
  dm_safetensors_free(st);
  dm_error_free(error);
  return 0;
}

/* libFuzzer target: dm_nn_params_load and dm_nn_params_read (a network's
 * weights from a safetensors file) on arbitrary bytes, into the parameter
 * set of a tiny score network (the U-Net darkmap-cli train-score makes with
 * --width 1 --depth 1: 4-D convolutions, 1-D biases and norms, 2-D linear
 * layers, a buffer), strict and not, from the file itself (names as in a
 * model file) and under "network." (as in a checkpoint).  The promises of
 * darkmap/nn-params.h checked: a refused file leaves every value of the set
 * as it was, bit for bit; an accepted one gives each tensor the file's
 * values exactly as stored (F32 bit for bit, F16 and BF16 widened, F64
 * rounded to the nearest float).
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-nn-params
 *   cp -r tests/fuzz/corpus/fuzz-nn-params build-fuzz/corpus-nn-params
 *   build-fuzz/tests/fuzz/fuzz-nn-params -dict=tests/fuzz/safetensors.dict \
 *       -max_len=16384 -max_total_time=300 build-fuzz/corpus-nn-params
 *
 * The seeds are the model file and the checkpoint of a one-step training of
 * that network, and hand-made files of every float dtype (corpus/README).
 * A crash, leak or sanitizer report leaves the input as crash-<hash>;
 * replay it by passing that file as the only argument. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-modules.h"
#include "darkmap/nn-params.h"
#include "fuzz-check.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The network whose set every input is loaded into, and the set's values
 * as made (every value back to back in set order; total of them). */
static DmUNet *unet;
static DmNnParams *params;
static float *initial, *values;
static size_t total;

/* The set's values into out (total floats). */
static void download(float *out) {
  size_t offset = 0;
  for (int i = 0; i < dm_nn_params_count(params); i++) {
    const DmTensor *t = dm_nn_params_tensor(params, i);
    size_t n = (size_t)dm_tensor_numel(t);
    FUZZ_REQUIRE(dm_tensor_download(t, out + offset, n));
    offset += n;
  }
}

/* Makes the set once (it lives as long as the process). */
static void make_set(void) {
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, NULL);
  params = nn ? dm_nn_params_new(nn) : NULL;
  DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = 1, .base_width = 1,
                         .groups = 1, .slope = 0.2f, .noise_features = 16};
  FUZZ_REQUIRE(params && (unet = dm_unet_new(params, &config, 1, NULL)));
  for (int i = 0; i < dm_nn_params_count(params); i++)
    total += (size_t)dm_tensor_numel(dm_nn_params_tensor(params, i));
  initial = malloc(total * sizeof *initial);
  values = malloc(total * sizeof *values);
  FUZZ_REQUIRE(initial && values);
  download(initial);
}

/* Puts the set back as made. */
static void reset_set(void) {
  size_t offset = 0;
  for (int i = 0; i < dm_nn_params_count(params); i++) {
    DmTensor *t = dm_nn_params_tensor(params, i);
    size_t n = (size_t)dm_tensor_numel(t);
    FUZZ_REQUIRE(dm_tensor_upload(t, initial + offset, n));
    offset += n;
  }
}

/* Element k of a tensor's stored bytes as the float the set must hold. */
static float stored_value(const unsigned char *bytes, DmStDtype dtype, size_t k) {
  switch (dtype) {
  case DM_ST_F64: {
    double x;
    memcpy(&x, bytes + 8 * k, sizeof x);
    return (float)x;
  }
  case DM_ST_F16: {
    unsigned bits = bytes[2 * k] | (unsigned)bytes[2 * k + 1] << 8;
    int exponent = (int)(bits >> 10 & 0x1f);
    unsigned mantissa = bits & 0x3ff;
    float magnitude = exponent == 31  ? (mantissa ? NAN : INFINITY)
                      : exponent == 0 ? ldexpf((float)mantissa, -24)
                                      : ldexpf((float)(mantissa | 0x400), exponent - 25);
    return bits & 0x8000 ? -magnitude : magnitude;
  }
  case DM_ST_BF16: {
    uint32_t bits = (uint32_t)(bytes[2 * k] | bytes[2 * k + 1] << 8) << 16;
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
  }
  default: {
    float x;
    memcpy(&x, bytes + 4 * k, sizeof x);
    return x;
  }
  }
}

/* Whether the set's value is the stored one: the same bits, or both NaN
 * (the payload of a NaN need not survive a widening). */
static bool same_value(float held, float stored, DmStDtype dtype) {
  if (dtype != DM_ST_F32 && isnan(held) && isnan(stored)) return true;
  return memcmp(&held, &stored, sizeof held) == 0;
}

/* Requires that the set holds the tensors of st under prefix. */
static void require_loaded(const DmSafetensors *st, const char *prefix) {
  download(values);
  size_t offset = 0;
  for (int i = 0; i < dm_nn_params_count(params); i++) {
    char name[256];
    snprintf(name, sizeof name, "%s%s", prefix, dm_nn_params_name(params, i));
    const DmStTensorInfo *info = dm_safetensors_find(st, name);
    FUZZ_REQUIRE(info != NULL);
    const unsigned char *bytes = dm_safetensors_data(st, info);
    size_t n = (size_t)dm_tensor_numel(dm_nn_params_tensor(params, i));
    for (size_t k = 0; k < n; k++)
      FUZZ_REQUIRE(same_value(values[offset + k], stored_value(bytes, info->dtype, k),
                              info->dtype));
    offset += n;
  }
}

/* Loads the input into the set one way (st: the input parsed, NULL when it
 * does not parse; prefix NULL: from the file with dm_nn_params_load) and
 * checks the outcome. */
static void load(const char *path, const DmSafetensors *st, const char *prefix, bool strict) {
  reset_set();
  DmError *error = NULL;
  bool loaded = prefix ? dm_nn_params_read(params, st, prefix, strict, &error)
                       : dm_nn_params_load(params, path, strict, &error);
  if (loaded) {
    FUZZ_REQUIRE(st != NULL);
    require_loaded(st, prefix ? prefix : "");
  } else {
    FUZZ_REQUIRE(error && error->message[0]);
    download(values);
    FUZZ_REQUIRE(memcmp(values, initial, total * sizeof *values) == 0);
  }
  dm_error_free(error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!params) make_set();
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmSafetensors *st = dm_safetensors_parse(data, size, NULL);
  for (int strict = 0; strict < 2; strict++) {
    load(path, st, NULL, strict);
    if (st) load(path, st, "network.", strict);
  }
  dm_safetensors_free(st);
  return 0;
}

/* libFuzzer target: a weights file's model metadata — dm_model_info_read
 * (its kind, grid, size and, through dm_calibration_read, its interval
 * calibration) — on arbitrary bytes, and on the files it accepts the
 * promises of darkmap/model-info.h and darkmap/calibration.h.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-model-info
 *   cp -r tests/fuzz/corpus/fuzz-model-info build-fuzz/corpus-model-info
 *   build-fuzz/tests/fuzz/fuzz-model-info -dict=tests/fuzz/safetensors.dict \
 *       -max_len=4096 -max_total_time=300 build-fuzz/corpus-model-info
 *
 * The seeds are tiny weights files with the metadata of each kind of model
 * and a calibration.  A crash, leak or sanitizer report leaves the input as
 * crash-<hash>; replay it by passing that file as the only argument. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "darkmap/model-info.h"
#include "fuzz-check.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requires that a present calibration is a level in (0, 1) with finite
 * positive factors on a grid, for the sampler of the model's kind. */
static void check_calibration(const DmModelInfo *info) {
  const DmCalibration *c = &info->calibration;
  if (!c->present) return;
  FUZZ_REQUIRE(c->level > 0.0 && c->level < 1.0);
  FUZZ_REQUIRE(c->factor > 0.0 && isfinite(c->factor) && c->factor95 > 0.0 &&
               isfinite(c->factor95));
  FUZZ_REQUIRE(c->nx >= 1 && c->ny >= 1 && c->pixel_arcmin > 0.0 && isfinite(c->pixel_arcmin));
  FUZZ_REQUIRE(c->n_mocks >= 0 && c->n_samples >= 0 && c->n_pixels >= 0);
  FUZZ_REQUIRE(info->kind != DM_MODEL_COSMOGAN);
  FUZZ_REQUIRE(strcmp(c->sampler, info->kind == DM_MODEL_MMGAN ? "mmgan" : "score-hmc") == 0);
  char text[256];
  dm_calibration_describe(c, text, sizeof text);
  FUZZ_REQUIRE(strnlen(text, sizeof text) < sizeof text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  DmModelInfo info;
  if (dm_model_info_read(path, &info, &error)) {
    FUZZ_REQUIRE(info.kind >= DM_MODEL_SCORE_HYBRID && info.kind <= DM_MODEL_COSMOGAN);
    FUZZ_REQUIRE(info.nx >= 0 && info.ny >= 0 && info.n_parameters >= 0);
    FUZZ_REQUIRE(info.pixel_arcmin >= 0.0 && isfinite(info.pixel_arcmin));
    FUZZ_REQUIRE(dm_model_kind_describe(info.kind) != NULL);
    check_calibration(&info);
  } else {
    FUZZ_REQUIRE(error && error->message[0]);
  }
  dm_error_free(error);
  return 0;
}

/* libFuzzer target: dm_train_checkpoint_read (a training checkpoint's
 * request, step and time) on arbitrary bytes, and on the files it accepts
 * the promises of darkmap/train.h: a known kind, every number of the
 * request in the range a training accepts, a step count and training time
 * that can be, and every string terminated inside its buffer of the info.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-train-checkpoint
 *   cp -r tests/fuzz/corpus/fuzz-train-checkpoint build-fuzz/corpus-train-checkpoint
 *   build-fuzz/tests/fuzz/fuzz-train-checkpoint -dict=tests/fuzz/safetensors.dict \
 *       -max_len=20000 -max_total_time=300 build-fuzz/corpus-train-checkpoint
 *
 * The seeds are checkpoints of one-step trainings of each kind at 8 × 8 or
 * 16 × 16 (corpus/README).  A crash, leak or sanitizer report leaves the
 * input as crash-<hash>; replay it by passing that file as the only
 * argument. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/train.h"
#include "fuzz-check.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requires that a string of the request is absent or the text of its own
 * buffer (size bytes), terminated inside it. */
#define REQUIRE_OWN_STRING(pointer, buffer)                                          \
  FUZZ_REQUIRE((pointer) == NULL ||                                                  \
               ((pointer) == (buffer) && strnlen((buffer), sizeof(buffer)) < sizeof(buffer)))

static void check_strings(const DmTrainCheckpointInfo *info, const char *path) {
  const DmTrainRequest *r = &info->request;
  REQUIRE_OWN_STRING(r->theory_path, info->theory_path);
  REQUIRE_OWN_STRING(r->theory_column, info->theory_column);
  REQUIRE_OWN_STRING(r->maps_path, info->maps_path);
  REQUIRE_OWN_STRING(r->catalog_path, info->catalog_path);
  REQUIRE_OWN_STRING(r->catalog_columns.ra, info->catalog_columns[0]);
  REQUIRE_OWN_STRING(r->catalog_columns.dec, info->catalog_columns[1]);
  REQUIRE_OWN_STRING(r->catalog_columns.e1, info->catalog_columns[2]);
  REQUIRE_OWN_STRING(r->catalog_columns.e2, info->catalog_columns[3]);
  REQUIRE_OWN_STRING(r->catalog_columns.weight, info->catalog_columns[4]);
  REQUIRE_OWN_STRING(r->device, info->device);
  REQUIRE_OWN_STRING(r->name, info->name);
  REQUIRE_OWN_STRING(r->model_path, info->model_path);
  FUZZ_REQUIRE(r->model_path != NULL);
  FUZZ_REQUIRE(r->checkpoint_path == info->checkpoint_path &&
               strcmp(info->checkpoint_path, path) == 0);
  char *checkpoint_path = dm_train_checkpoint_path(r);
  FUZZ_REQUIRE(checkpoint_path && strcmp(checkpoint_path, path) == 0);
  free(checkpoint_path);
}

/* Requires the ranges dm_train and the listing of unfinished trainings
 * rely on. */
static void check_numbers(const DmTrainCheckpointInfo *info) {
  const DmTrainRequest *r = &info->request;
  FUZZ_REQUIRE(r->kind >= DM_TRAIN_SCORE_HYBRID && r->kind < DM_TRAIN_N_KINDS);
  DmTrainKind again;
  FUZZ_REQUIRE(dm_train_kind_from_name(dm_train_kind_name(r->kind), &again) && again == r->kind);
  FUZZ_REQUIRE(r->theory == NULL && r->catalog == NULL && !r->resume);
  FUZZ_REQUIRE(info->step >= 0 && r->steps >= 1);
  FUZZ_REQUIRE(isfinite(info->seconds) && info->seconds >= 0.0);
  FUZZ_REQUIRE(r->size >= 4 && r->size <= 8192 && isfinite(r->pixel_arcmin));
  FUZZ_REQUIRE(r->grid.nx >= 1 && r->grid.nx <= DM_GRID_MAX_SIDE && r->grid.ny >= 1 &&
               r->grid.ny <= DM_GRID_MAX_SIDE);
  FUZZ_REQUIRE(isfinite(r->grid.pixel_arcmin) && isfinite(r->grid.center_ra) &&
               isfinite(r->grid.center_dec));
  FUZZ_REQUIRE(r->grid.projection == DM_PROJECTION_TAN ||
               r->grid.projection == DM_PROJECTION_FLAT);
  FUZZ_REQUIRE(r->grid.noise_model == DM_NOISE_COUNT ||
               r->grid.noise_model == DM_NOISE_WEIGHTED);
  FUZZ_REQUIRE(r->catalog_hdu >= 0 && r->pool_maps >= 1 && r->pool_noise >= 0 &&
               r->validation >= 1);
  FUZZ_REQUIRE(r->width >= 1 && r->depth >= 1 && r->depth <= 8 && r->z_channels >= 0 &&
               r->critic_width >= 0 && r->batch >= 1);
  FUZZ_REQUIRE(isfinite(r->shift) && isfinite(r->lr) && isfinite(r->sigma_min) &&
               isfinite(r->sigma_max) && isfinite(r->beta_adv) && isfinite(r->max_seconds));
  FUZZ_REQUIRE(r->cosine >= 0 && r->adapt_every >= 0 && r->report_every >= 1 &&
               r->validate_every >= 0 && r->checkpoint_every >= 0 && r->threads >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  static DmTrainCheckpointInfo info;
  DmError *error = NULL;
  if (dm_train_checkpoint_read(path, &info, &error)) {
    check_numbers(&info);
    check_strings(&info, path);
    /* A resume checks the request first: any answer but a crash will do,
     * and a refusal says why. */
    if (!dm_train_check(&info.request, &error)) FUZZ_REQUIRE(error && error->message[0]);
  } else {
    FUZZ_REQUIRE(error && error->message[0]);
  }
  dm_error_free(error);
  return 0;
}

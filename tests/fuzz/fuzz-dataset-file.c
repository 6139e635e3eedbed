/* libFuzzer target: dm_dataset_file_read (a training set of simulated
 * surveys) on arbitrary bytes, and on the files it accepts: the range it
 * tells holds tuples whose maps have the promised planes and size, and the
 * indices just outside it are refused.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-dataset-file
 *   cp -r tests/fuzz/corpus/fuzz-dataset-file build-fuzz/corpus-dataset-file
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-dataset-file -dict=tests/fuzz/fits.dict -max_len=40000 \
 *       -max_total_time=300 build-fuzz/corpus-dataset-file
 *
 * allocator_may_return_null: as for fuzz-fits-image.  A crash, leak or
 * sanitizer report leaves the input as crash-<hash>; replay it by passing
 * that file as the only argument. */
#include <stdint.h>

#include "darkmap/dataset.h"
#include "fuzz-maps.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requires that tuple index of file reads, with maps of the file's size. */
static void check_tuple(const DmDatasetFile *file, uint64_t index, int nx, int ny) {
  DmError *error = NULL;
  DmDatasetTuple *tuple = dm_dataset_file_tuple(file, index, &error);
  FUZZ_REQUIRE(tuple != NULL);
  const DmMap *maps[4] = {tuple->kappa, tuple->shear, tuple->noise, tuple->mask};
  const int planes[4] = {1, 2, 2, 1};
  for (int i = 0; i < 4; i++) {
    fuzz_check_map(maps[i]);
    FUZZ_REQUIRE(maps[i]->nx == nx && maps[i]->ny == ny && maps[i]->nplanes == planes[i]);
  }
  dm_dataset_tuple_free(tuple);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  DmDatasetFile *file = dm_dataset_file_read(path, &error);
  if (file) {
    uint64_t first = 0;
    int count = 0;
    dm_dataset_file_range(file, &first, &count);
    FUZZ_REQUIRE(count >= 1);
    DmDatasetTuple *probe = dm_dataset_file_tuple(file, first, &error);
    FUZZ_REQUIRE(probe != NULL);
    int nx = probe->kappa->nx, ny = probe->kappa->ny;
    dm_dataset_tuple_free(probe);
    check_tuple(file, first + (uint64_t)count - 1, nx, ny);
    FUZZ_REQUIRE(first + (uint64_t)count > first); /* the range does not wrap */
    FUZZ_REQUIRE(dm_dataset_file_tuple(file, first + (uint64_t)count, &error) == NULL);
    dm_error_clear(&error);
    if (first > 0) {
      FUZZ_REQUIRE(dm_dataset_file_tuple(file, first - 1, &error) == NULL);
      dm_error_clear(&error);
    }
  } else {
    FUZZ_REQUIRE(error && error->message[0]);
  }
  dm_dataset_file_free(file);
  dm_error_free(error);
  return 0;
}

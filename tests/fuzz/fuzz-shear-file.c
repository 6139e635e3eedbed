/* libFuzzer target: dm_binned_shear_read (the shear file every method
 * reads) on arbitrary bytes, and on the files it accepts a write and
 * re-read that must give the same maps and numbers.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-shear-file
 *   cp -r tests/fuzz/corpus/fuzz-shear-file build-fuzz/corpus-shear-file
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-shear-file -dict=tests/fuzz/fits.dict -max_len=40000 \
 *       -max_total_time=300 build-fuzz/corpus-shear-file
 *
 * allocator_may_return_null: as for fuzz-fits-image.  A crash, leak or
 * sanitizer report leaves the input as crash-<hash>; replay it by passing
 * that file as the only argument. */
#include <stdint.h>

#include "darkmap/binning.h"
#include "fuzz-maps.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The file's maps in a fixed order. */
static void maps_of(const DmBinnedShear *binned, const DmMap *maps[5]) {
  maps[0] = binned->shear;
  maps[1] = binned->counts;
  maps[2] = binned->weight;
  maps[3] = binned->noise;
  maps[4] = binned->mask;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  DmBinnedShear *binned = dm_binned_shear_read(path, &error);
  if (binned) {
    const DmMap *maps[5];
    maps_of(binned, maps);
    for (int i = 0; i < 5; i++) FUZZ_REQUIRE(maps[i] != NULL);
    fuzz_check_maps(maps, 5, binned->shear);
    const char *rewrite = fuzz_rewrite_path();
    fuzz_require_written(dm_binned_shear_write(rewrite, binned, &error), &error);
    DmBinnedShear *again = dm_binned_shear_read(rewrite, &error);
    fuzz_require_written(again != NULL, &error);
    FUZZ_REQUIRE(fuzz_same_float((float)binned->sigma_e[0], (float)again->sigma_e[0]) &&
                 fuzz_same_float((float)binned->sigma_e[1], (float)again->sigma_e[1]));
    FUZZ_REQUIRE(binned->n_binned == again->n_binned && binned->n_outside == again->n_outside);
    const DmMap *maps_again[5];
    maps_of(again, maps_again);
    fuzz_require_same_maps(maps, maps_again, 5);
    dm_binned_shear_free(again);
  }
  dm_binned_shear_free(binned);
  dm_error_free(error);
  return 0;
}

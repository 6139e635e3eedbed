/* libFuzzer target: dm_fits_read_image (maps, masks, every image the
 * methods read) on arbitrary bytes, and on the images it accepts a write
 * and re-read that must give the same map (fuzz-maps.h).
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-fits-image
 *   cp -r tests/fuzz/corpus/fuzz-fits-image build-fuzz/corpus-fits-image
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-fits-image -dict=tests/fuzz/fits.dict -max_len=20000 \
 *       -max_total_time=300 build-fuzz/corpus-fits-image
 *
 * allocator_may_return_null: a corrupt header can make cfitsio ask for
 * terabytes; the reader then reports DM_ERROR_NO_MEMORY, which is the
 * behaviour under test.  A crash, leak or sanitizer report stops the run
 * and leaves the input as crash-<hash>; replay it by passing that file as
 * the only argument. */
#include <stdint.h>

#include "darkmap/fits.h"
#include "fuzz-maps.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  DmMap *map = dm_fits_read_image(path, NULL, &error);
  if (map) {
    fuzz_check_map(map);
    const char *rewrite = fuzz_rewrite_path();
    fuzz_require_written(dm_fits_write_map(rewrite, map, &error), &error);
    DmMap *again = dm_fits_read_image(rewrite, NULL, &error);
    fuzz_require_written(again != NULL, &error);
    fuzz_require_same_map(map, again);
    dm_map_free(again);
  }
  dm_map_free(map);
  dm_error_free(error);
  return 0;
}

/* libFuzzer target: square map tiles from a FITS file (the trainers' maps
 * and the mocks' truths) —
 * dm_map_tiles_probe and dm_map_tiles_read (a cube or image, its
 * SAMPLES extension or its primary, cut into size × size tiles) — on
 * arbitrary bytes, and on the files they accept the promises of
 * darkmap/map-tiles.h: a pixel side that is a length, between one and
 * max_maps tiles of the size asked for, every pixel finite, the WCS pixel
 * when the file has one and the caller's otherwise.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-map-tiles
 *   cp -r tests/fuzz/corpus/fuzz-map-tiles build-fuzz/corpus-map-tiles
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-map-tiles -dict=tests/fuzz/fits.dict -max_len=30000 \
 *       -max_total_time=300 build-fuzz/corpus-map-tiles
 *
 * allocator_may_return_null: as for fuzz-fits-image.  A crash, leak or
 * sanitizer report leaves the input as crash-<hash>; replay it by passing
 * that file as the only argument. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/map-tiles.h"
#include "fuzz-check.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The pixel side given for files without a WCS (arcmin). */
#define CALLER_PIXEL 0.5

/* Reads the file's tiles of size (at most max_maps) and requires what the
 * header promises; probed: the pixel side dm_map_tiles_probe found
 * (0: no WCS).  Returns whether the read succeeded. */
static bool check_read(const char *path, int size, int max_maps, double probed) {
  DmError *error = NULL;
  DmMapTiles *maps = dm_map_tiles_read(path, size, max_maps, CALLER_PIXEL, NULL, &error);
  if (!maps) {
    FUZZ_REQUIRE(error && error->message[0]);
    dm_error_free(error);
    return false;
  }
  int count = dm_map_tiles_count(maps);
  FUZZ_REQUIRE(count >= 1 && count <= max_maps && dm_map_tiles_size(maps) == size);
  double pixel = dm_map_tiles_pixel_arcmin(maps);
  FUZZ_REQUIRE(pixel == (probed > 0.0 ? probed : CALLER_PIXEL));
  const float *values = dm_map_tiles_data(maps);
  for (size_t i = 0; i < (size_t)count * (size_t)size * (size_t)size; i++)
    FUZZ_REQUIRE(isfinite(values[i]));
  char expected[96];
  snprintf(expected, sizeof expected, "%d tiles of 1 file", count);
  FUZZ_REQUIRE(strcmp(dm_map_tiles_describe(maps), expected) == 0);
  dm_map_tiles_free(maps);
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  double probed = -1.0;
  if (dm_map_tiles_probe(path, &probed, &error)) {
    FUZZ_REQUIRE(probed >= 0.0 && isfinite(probed));
    /* A second read in tiles of 4 at most 3 (fewer than one growth of the
     * tile store) when the first one worked. */
    if (check_read(path, 8, 16, probed)) FUZZ_REQUIRE(check_read(path, 4, 3, probed));
  } else {
    FUZZ_REQUIRE(error && error->message[0]);
    FUZZ_REQUIRE(!check_read(path, 8, 16, 0.0));
  }
  dm_error_free(error);
  return 0;
}

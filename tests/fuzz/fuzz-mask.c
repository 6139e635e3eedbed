/* libFuzzer target: dm_mask_read_for_map on arbitrary bytes, for an 8 × 8
 * map with a TAN WCS and one without; a mask it accepts must be the map's
 * size, all 0 or 1, with at least one observed pixel.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-mask
 *   cp -r tests/fuzz/corpus/fuzz-mask build-fuzz/corpus-mask
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-mask -dict=tests/fuzz/fits.dict -max_len=20000 \
 *       -max_total_time=300 build-fuzz/corpus-mask
 *
 * The seeds are 8 × 8 masks (one with the WCS of the map below, one with
 * none, one inside a shear file).  allocator_may_return_null: as for
 * fuzz-fits-image.  A crash, leak or sanitizer report leaves the input as
 * crash-<hash>; replay it by passing that file as the only argument. */
#include <stdint.h>

#include "darkmap/mask.h"
#include "darkmap/wcs.h"
#include "fuzz-check.h"
#include "fuzz-scratch.h"

#define MAP_SIDE 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The maps the masks are read for: [0] with a TAN WCS of 1' pixels centred
 * on (150°, 2.2°), [1] without a WCS.  Made once, freed at exit by the
 * system. */
static const DmMap *map_for(int which) {
  static DmMap *maps[2];
  if (!maps[0]) {
    DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.0, 2.2, 1.0 / 60.0, MAP_SIDE, MAP_SIDE,
                                 true, NULL);
    maps[0] = dm_map_new(MAP_SIDE, MAP_SIDE, 1, wcs, NULL);
    maps[1] = dm_map_new(MAP_SIDE, MAP_SIDE, 1, NULL, NULL);
    dm_wcs_free(wcs);
    FUZZ_REQUIRE(maps[0] && maps[0]->wcs && maps[1]);
  }
  return maps[which];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  for (int which = 0; which < 2; which++) {
    const DmMap *map = map_for(which);
    DmError *error = NULL;
    bool had_wcs = false;
    DmMap *mask = dm_mask_read_for_map(path, map, &had_wcs, &error);
    if (mask) {
      FUZZ_REQUIRE(mask->nx == MAP_SIDE && mask->ny == MAP_SIDE && mask->nplanes == 1);
      FUZZ_REQUIRE((mask->wcs == NULL) == (map->wcs == NULL));
      int observed = 0;
      for (int i = 0; i < MAP_SIDE * MAP_SIDE; i++) {
        FUZZ_REQUIRE(mask->data[i] == 0.0f || mask->data[i] == 1.0f);
        observed += mask->data[i] == 1.0f;
      }
      FUZZ_REQUIRE(observed > 0);
    } else {
      FUZZ_REQUIRE(error && error->message[0]);
    }
    dm_map_free(mask);
    dm_error_free(error);
  }
  return 0;
}

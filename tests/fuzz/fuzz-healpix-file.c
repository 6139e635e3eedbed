/* libFuzzer target: dm_healpix_read on arbitrary bytes; what it accepts
 * must hold its promises (an NSIDE in range, pixel indices ascending on the
 * sphere) and be written back and read back the same, bit for bit.  And
 * dm_healpix_project of the same bytes onto a small grid: coverage 0 or 1,
 * the map 0 where it is 0.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-healpix-file
 *   cp -r tests/fuzz/corpus/fuzz-healpix-file build-fuzz/corpus-healpix
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-healpix-file -dict=tests/fuzz/fits.dict \
 *       -max_len=20000 -max_total_time=120 build-fuzz/corpus-healpix
 *
 * The seeds are HEALPix files darkmap-cli healpix wrote (RING and NESTED,
 * one and three columns) and a full-sky map of NSIDE 4 in rows of 64.  A crash, leak, sanitizer report or failed check
 * stops the run and leaves the input as crash-<hash>; replay it by passing
 * that file as the only argument. */
#include <stdint.h>
#include <string.h>

#include "darkmap/healpix.h"
#include "darkmap/wcs.h"
#include "fuzz-check.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The grid the files are projected onto: 8 × 8 pixels of 1° at (150°, 2°),
 * made once, freed at exit by the system. */
static const DmWcs *grid_wcs(void) {
  static DmWcs *wcs;
  if (!wcs) wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.0, 2.0, 1.0, 8, 8, true, NULL);
  FUZZ_REQUIRE(wcs != NULL);
  return wcs;
}

static void check_projection(const char *path) {
  DmError *error = NULL;
  DmMap *coverage = NULL;
  DmMap *map = dm_healpix_project(path, NULL, grid_wcs(), 8, 8, &coverage, &error);
  if (!map) {
    FUZZ_REQUIRE(error && error->message[0] && coverage == NULL);
  } else {
    FUZZ_REQUIRE(coverage && map->nx == 8 && coverage->nx == 8);
    for (int i = 0; i < 64; i++)
      FUZZ_REQUIRE((coverage->data[i] == 1.0f) ||
                   (coverage->data[i] == 0.0f && map->data[i] == 0.0f));
  }
  dm_map_free(map);
  dm_map_free(coverage);
  dm_error_free(error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  check_projection(path);
  DmError *error = NULL;
  DmHealpixMap *map = dm_healpix_read(path, &error);
  if (!map) {
    FUZZ_REQUIRE(error && error->message[0]);
    dm_error_free(error);
    return 0;
  }
  FUZZ_REQUIRE(map->nside >= 1 && map->nside <= DM_HEALPIX_MAX_NSIDE && map->n_pixels >= 1);
  for (int64_t k = 0; k < map->n_pixels; k++)
    FUZZ_REQUIRE(map->pixels[k] >= 0 && map->pixels[k] < 12 * map->nside * map->nside &&
                 (k == 0 || map->pixels[k] > map->pixels[k - 1]));
  /* Written back (when the names can be: a column named PIXEL twice, or
   * with no name, is refused with a message) and read back the same. */
  const char *rewrite = fuzz_rewrite_path();
  if (dm_healpix_write(rewrite, map, &error)) {
    DmHealpixMap *again = dm_healpix_read(rewrite, &error);
    FUZZ_REQUIRE(again && again->nside == map->nside && again->ordering == map->ordering &&
                 again->n_pixels == map->n_pixels && again->n_columns == map->n_columns);
    FUZZ_REQUIRE(memcmp(again->pixels, map->pixels, (size_t)map->n_pixels * 8) == 0);
    for (int c = 0; c < map->n_columns; c++)
      FUZZ_REQUIRE(strcmp(again->column_names[c], map->column_names[c]) == 0 &&
                   memcmp(again->columns[c], map->columns[c], (size_t)map->n_pixels * 4) == 0);
    dm_healpix_free(again);
  } else {
    FUZZ_REQUIRE(error && error->message[0]);
  }
  dm_error_free(error);
  dm_healpix_free(map);
  return 0;
}

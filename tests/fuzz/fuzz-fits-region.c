/* libFuzzer target: the readers of large FITS images in parts
 * (darkmap/fits-region.h) on arbitrary bytes: the planes listed from the
 * headers, then of each plane an overview binned to at most 8 pixels a
 * side and a region from its middle, which must hold the pixels
 * dm_fits_read_image reads there when it reads the plane too.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-fits-region
 *   cp -r tests/fuzz/corpus/fuzz-fits-region build-fuzz/corpus-fits-region
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-fits-region -dict=tests/fuzz/fits.dict -max_len=30000 \
 *       -max_total_time=300 build-fuzz/corpus-fits-region
 *
 * A crash, leak or sanitizer report stops the run and leaves the input as
 * crash-<hash>; replay it by passing that file as the only argument. */
#include <stdint.h>
#include <stdio.h>

#include "darkmap/fits-region.h"
#include "darkmap/fits.h"
#include "fuzz-maps.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The region's pixels are the whole image's there, when the whole image of
 * HDU hdu reads (as the primary or a named extension) as one plane. */
static void check_region(const char *path, const DmFitsPlane *plane, const DmMap *region,
                         int x0, int y0) {
  if (plane->hdu != 1 && plane->extname[0] == '\0') return;
  DmError *error = NULL;
  DmMap *whole = dm_fits_read_image(path, plane->hdu == 1 ? NULL : plane->extname, &error);
  if (whole && whole->nx == plane->nx && whole->ny == plane->ny && whole->nplanes == 1)
    for (int j = 0; j < region->ny; j++)
      for (int i = 0; i < region->nx; i++)
        FUZZ_REQUIRE(fuzz_same_float(region->data[(size_t)j * region->nx + i],
                                     whole->data[(size_t)(y0 + j) * whole->nx + x0 + i]));
  dm_map_free(whole);
  dm_error_free(error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  DmFitsPlaneList *planes = dm_fits_list_planes(path, &error);
  dm_error_clear(&error);
  for (int p = 0; planes && p < planes->n_planes; p++) {
    const DmFitsPlane *plane = &planes->planes[p];
    FUZZ_REQUIRE(plane->nx >= 1 && plane->ny >= 1 && plane->hdu >= 1);
    int factor = dm_fits_overview_factor(plane->nx, plane->ny, 8);
    DmMap *overview = dm_fits_read_overview(path, plane->hdu, factor, NULL, &error);
    dm_error_clear(&error);
    if (overview) {
      fuzz_check_map(overview);
      FUZZ_REQUIRE(overview->nx <= 8 && overview->ny <= 8 &&
                   overview->nx == (plane->nx + factor - 1) / factor);
    }
    dm_map_free(overview);

    int nx = plane->nx < 4 ? plane->nx : 4, ny = plane->ny < 4 ? plane->ny : 4;
    int x0 = (plane->nx - nx) / 2, y0 = (plane->ny - ny) / 2;
    DmMap *region = dm_fits_read_region(path, plane->hdu, x0, y0, nx, ny, NULL, &error);
    dm_error_clear(&error);
    if (region) {
      fuzz_check_map(region);
      FUZZ_REQUIRE(region->nx == nx && region->ny == ny);
      check_region(path, plane, region, x0, y0);
    }
    dm_map_free(region);
  }
  dm_fits_plane_list_free(planes);
  return 0;
}

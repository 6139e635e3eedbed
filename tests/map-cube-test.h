/* Small FITS cubes of convergence maps for the tests of training and mock
 * truths read from files (darkmap/cosmogan-train.h's reader): planes of
 * side × side Gaussian pixels (std 0.02) with a TAN WCS of the pixel side
 * given, written with the FITS image writer. */
#ifndef DARKMAP_MAP_CUBE_TEST_H
#define DARKMAP_MAP_CUBE_TEST_H

#include <math.h>

#include "darkmap/fits.h"
#include "darkmap/rng.h"
#include "darkmap/wcs.h"
#include "test-util.h"

/* Writes planes maps of side² pixels of pixel_arcmin drawn from seed to
 * dm_test_tmp_path(name); plane nan_plane (−1: none) gets one NaN pixel.
 * Returns the path (dm_test_tmp_path's buffer), or NULL, the failure counted. */
static inline const char *map_cube_test_write(const char *name, int side, int planes,
                                              double pixel_arcmin, int nan_plane,
                                              uint64_t seed) {
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, 150.0, 2.0, pixel_arcmin / 60.0, side, side,
                               true, &error);
  DmMap *cube = wcs ? dm_map_new(side, side, planes, wcs, &error) : NULL;
  dm_wcs_free(wcs);
  CHECK_OK(cube != NULL, error);
  if (!cube) return NULL;
  DmRng rng;
  dm_rng_init(&rng, seed, 0);
  size_t n = (size_t)side * (size_t)side * (size_t)planes;
  for (size_t i = 0; i < n; i++) cube->data[i] = (float)(0.02 * dm_rng_normal(&rng));
  if (nan_plane >= 0) dm_map_plane(cube, nan_plane)[side + 1] = NAN;
  const char *path = dm_test_tmp_path(name);
  bool ok = dm_fits_write_map(path, cube, &error);
  CHECK_OK(ok, error);
  dm_map_free(cube);
  return ok ? path : NULL;
}

#endif

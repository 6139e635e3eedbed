/* What the reconstruction tests share: a binned shear made from arrays, and
 * a shear catalogue written from arrays. */
#ifndef DARKMAP_RECONSTRUCT_TEST_UTIL_H
#define DARKMAP_RECONSTRUCT_TEST_UTIL_H

#include <fitsio.h>
#include <stdlib.h>

#include "darkmap/binning.h"
#include "test-util.h"

/* A binned shear of nx × ny pixels of pixel_arcmin with (g1, g2), the noise
 * std (std1, std2) and the mask; uniform values where those are NULL. */
static inline DmBinnedShear *dm_test_binned_new(int nx, int ny, double pixel_arcmin,
                                                const float *s1, const float *s2,
                                                const float *n1, const float *n2,
                                                const float *m) {
  DmError *error = NULL;
  DmWcs *wcs = dm_test_tan_wcs(nx, ny, pixel_arcmin, 150.1, 2.2, &error);
  CHECK_OK(wcs != NULL, error);
  DmBinnedShear *b = calloc(1, sizeof *b);
  b->shear = dm_map_new(nx, ny, 2, wcs, &error);
  b->noise = dm_map_new(nx, ny, 2, wcs, &error);
  b->mask = dm_map_new(nx, ny, 1, wcs, &error);
  dm_wcs_free(wcs);
  size_t npix = (size_t)nx * ny;
  for (size_t i = 0; i < npix; i++) {
    dm_map_plane(b->shear, 0)[i] = s1 ? s1[i] : 0.0f;
    dm_map_plane(b->shear, 1)[i] = s2 ? s2[i] : 0.0f;
    dm_map_plane(b->noise, 0)[i] = n1 ? n1[i] : 0.03f;
    dm_map_plane(b->noise, 1)[i] = n2 ? n2[i] : 0.03f;
    b->mask->data[i] = m ? m[i] : 1.0f;
  }
  return b;
}

/* Writes n galaxies (columns RA, DEC, E1, E2, WEIGHT, in that order, as
 * doubles) to path as a FITS table "SHEAR"; false on a cfitsio error. */
static inline bool dm_test_write_shear_table(const char *path, double *const columns[5],
                                             long n) {
  fitsfile *fits = NULL;
  int status = 0;
  char *names[] = {"RA", "DEC", "E1", "E2", "WEIGHT"};
  char *forms[] = {"D", "D", "D", "D", "D"};
  remove(path);
  fits_create_file(&fits, path, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, 5, names, forms, NULL, "SHEAR", &status);
  for (int c = 0; c < 5; c++) fits_write_col(fits, TDOUBLE, c + 1, 1, 1, n, columns[c], &status);
  fits_close_file(fits, &status);
  return status == 0;
}

#endif

/* Masks opened for a map: values above 0 are observed; a mask must have the
 * map's size and, when it has a WCS, the map's sky grid; a file of several
 * planes is refused unless its MASK extension is the mask; the shipped
 * COSMOS mask (no WCS) goes with a 360² map. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/fits.h"
#include "darkmap/map.h"
#include "darkmap/mask.h"
#include "test-util.h"

#define SIDE 64

/* A SIDE² grid on a TAN projection at (ra0, dec0), 0.5′ pixels. */
static DmMap *grid_map(double ra0, double dec0, int side) {
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, ra0, dec0, 0.5 / 60.0, side, side, true, &error);
  CHECK_OK(wcs, error);
  DmMap *map = dm_map_new(side, side, 1, wcs, &error);
  CHECK_OK(map, error);
  dm_wcs_free(wcs);
  return map;
}

static void write_mask(const char *path, DmMap *mask) {
  DmError *error = NULL;
  CHECK_OK(dm_fits_write_map(path, mask, &error), error);
}

int main(void) {
  DmError *error = NULL;
  const char *path = dm_test_tmp_path("mask.fits");
  DmMap *map = grid_map(150.0, 2.0, SIDE);
  if (!map) return dm_test_result();

  /* Same grid: > 0 observed; 0, negative and NaN masked. */
  DmMap *file = grid_map(150.0, 2.0, SIDE);
  const float values[5] = {1.0f, 0.0f, NAN, 2.5f, -1.0f};
  for (int i = 0; i < SIDE * SIDE; i++) file->data[i] = values[i % 5];
  write_mask(path, file);
  bool had_wcs = false;
  DmMap *mask = dm_mask_read_for_map(path, map, &had_wcs, &error);
  CHECK_OK(mask, error);
  CHECK(had_wcs);
  if (mask) {
    int wrong = 0;
    for (int i = 0; i < SIDE * SIDE; i++)
      wrong += mask->data[i] != ((i % 5 == 0 || i % 5 == 3) ? 1.0f : 0.0f);
    CHECK(wrong == 0);
    CHECK(mask->wcs != NULL && dm_wcs_equal(mask->wcs, map->wcs, SIDE, SIDE, 1e-9));
  }
  dm_map_free(mask);

  /* Shifted by one pixel (0.5′ in Dec): another sky grid. */
  DmMap *shifted = grid_map(150.0, 2.0 + 0.5 / 60.0, SIDE);
  for (int i = 0; i < SIDE * SIDE; i++) shifted->data[i] = 1.0f;
  write_mask(path, shifted);
  CHECK_FAILS(dm_mask_read_for_map(path, map, NULL, &error), error, DM_ERROR_FORMAT);

  /* Another size. */
  DmMap *small = grid_map(150.0, 2.0, SIDE / 2);
  for (int i = 0; i < SIDE * SIDE / 4; i++) small->data[i] = 1.0f;
  write_mask(path, small);
  CHECK(dm_mask_read_for_map(path, map, NULL, &error) == NULL);
  CHECK(error && error->code == DM_ERROR_FORMAT && strstr(error->message, "32 × 32") != NULL);
  dm_error_clear(&error);

  /* No observed pixel. */
  for (int i = 0; i < SIDE * SIDE; i++) file->data[i] = 0.0f;
  write_mask(path, file);
  CHECK_FAILS(dm_mask_read_for_map(path, map, NULL, &error), error, DM_ERROR_FORMAT);

  /* Several planes: refused, unless the file has a MASK extension (a shear
   * file), which is then the mask. */
  DmMap *cube = dm_map_new(SIDE, SIDE, 2, map->wcs, &error);
  CHECK_OK(cube, error);
  if (cube) {
    for (int i = 0; i < 2 * SIDE * SIDE; i++) cube->data[i] = 1.0f;
    write_mask(path, cube);
    CHECK_FAILS(dm_mask_read_for_map(path, map, NULL, &error), error, DM_ERROR_FORMAT);
    DmMap *inner = dm_map_new(SIDE, SIDE, 1, map->wcs, &error);
    CHECK_OK(inner, error);
    for (int i = 0; inner && i < SIDE * SIDE; i++) inner->data[i] = i % 2 ? 1.0f : 0.0f;
    DmFitsImageHdu hdus[2] = {{cube, NULL}, {inner, "MASK"}};
    CHECK_OK(dm_fits_write_images(path, hdus, 2, &error), error);
    DmMap *from_extension = dm_mask_read_for_map(path, map, NULL, &error);
    CHECK_OK(from_extension, error);
    CHECK(from_extension && inner &&
          memcmp(from_extension->data, inner->data, SIDE * SIDE * sizeof(float)) == 0);
    dm_map_free(from_extension);
    dm_map_free(inner);
    dm_map_free(cube);
  }

  /* Not FITS; missing. */
  FILE *text = fopen(path, "w");
  if (text) {
    fputs("SIMPLE = not really\n", text);
    fclose(text);
  }
  CHECK_FAILS(dm_mask_read_for_map(path, map, NULL, &error), error, DM_ERROR_FORMAT);
  remove(path);
  CHECK_FAILS(dm_mask_read_for_map(path, map, NULL, &error), error, DM_ERROR_NOT_FOUND);

  /* The shipped COSMOS mask has no WCS: taken pixel for pixel on a 360² map. */
  DmMap *cosmos = grid_map(150.1161, 2.24749, 360);
  DmMap *shipped = dm_fits_read_image(dm_test_app_data_path("cosmos/cosmos_mask_0.29arcmin_360.fits"),
                                      NULL, &error);
  CHECK_OK(shipped, error);
  had_wcs = true;
  mask = cosmos && shipped ? dm_mask_read_for_map(
                                 dm_test_app_data_path("cosmos/cosmos_mask_0.29arcmin_360.fits"),
                                 cosmos, &had_wcs, &error)
                           : NULL;
  CHECK_OK(mask, error);
  CHECK(!had_wcs);
  if (mask && shipped) {
    size_t observed = 0, expected = 0;
    for (int i = 0; i < 360 * 360; i++) {
      observed += mask->data[i] == 1.0f;
      expected += shipped->data[i] > 0.0f;
    }
    printf("COSMOS mask: %zu observed pixels of %d\n", observed, 360 * 360);
    CHECK(observed == expected);
    CHECK(observed > 360 * 360 / 2 && observed < 360 * 360 * 3 / 5); /* the ACS field: 53 % */
  }
  dm_map_free(mask);
  dm_map_free(shipped);
  dm_map_free(cosmos);
  dm_map_free(small);
  dm_map_free(shifted);
  dm_map_free(file);
  dm_map_free(map);
  return dm_test_result();
}

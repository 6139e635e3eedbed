/* Masks opened for a map (darkmap/mask.h). */
#include "darkmap/mask.h"

#include <math.h>
#include <stddef.h>

#include "darkmap/fits.h"

DmMap *dm_mask_read_image(const char *path, DmError **error) {
  DmError *missing = NULL;
  DmMap *file = dm_fits_read_image(path, "MASK", &missing);
  if (file || (missing && missing->code != DM_ERROR_NOT_FOUND)) {
    if (missing) dm_error_propagate(error, missing);
    return file;
  }
  dm_error_clear(&missing);
  file = dm_fits_read_image(path, NULL, error);
  if (file && file->nplanes != 1) {
    dm_error_set(error, DM_ERROR_FORMAT, 0,
                 "%s holds %d planes and no MASK extension: a mask is one image.", path,
                 file->nplanes);
    dm_map_free(file);
    return NULL;
  }
  return file;
}

DmMap *dm_mask_read_for_map(const char *path, const DmMap *map, bool *had_wcs,
                            DmError **error) {
  DmMap *file = dm_mask_read_image(path, error);
  if (!file) return NULL;
  if (had_wcs) *had_wcs = file->wcs != NULL;

  bool ok = true;
  if (file->nx != map->nx || file->ny != map->ny) {
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "The mask %s is %d × %d pixels but the map is %d × %d: a mask must be "
                      "on the map's grid.",
                      path, file->nx, file->ny, map->nx, map->ny);
  } else if (file->wcs && map->wcs &&
             !dm_wcs_equal(file->wcs, map->wcs, map->nx, map->ny, DM_MASK_WCS_TOLERANCE)) {
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "The mask %s has the map's size but another sky grid (its WCS places "
                      "the pixels elsewhere, by more than %.2g pixel): reproject it onto the "
                      "map's grid first.",
                      path, DM_MASK_WCS_TOLERANCE);
  }

  DmMap *mask = ok ? dm_map_new(map->nx, map->ny, 1, map->wcs, error) : NULL;
  size_t observed = 0;
  if (mask) {
    size_t n = (size_t)map->nx * (size_t)map->ny;
    for (size_t i = 0; i < n; i++) {
      mask->data[i] = file->data[i] > 0.0f ? 1.0f : 0.0f;  /* NaN compares false */
      observed += mask->data[i] > 0.0f;
    }
    if (observed == 0) {
      dm_error_set(error, DM_ERROR_FORMAT, 0,
                   "The mask %s has no observed pixel (none is above 0).", path);
      dm_map_free(mask);
      mask = NULL;
    }
  }
  dm_map_free(file);
  return mask;
}

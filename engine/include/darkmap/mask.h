/* Masks opened for a map: a FITS image on the map's grid.
 *
 * A mask is a FITS image whose pixels are 1 where the field is observed
 * (any value > 0 counts; 0, negative values and NaN are masked).  To go with
 * a map it must have the map's size, and, when it carries a celestial WCS,
 * describe the same pixels on the sky (to 0.01 pixel at the corners and the
 * centre).  A mask without a WCS is taken pixel for pixel. */
#ifndef DARKMAP_MASK_H
#define DARKMAP_MASK_H

#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest disagreement between two grids' WCS, in pixels (dm_wcs_equal),
 * still "the same sky pixels": for a mask and its map, and for a posterior
 * and its field. */
#define DM_MASK_WCS_TOLERANCE 0.01

/* The mask image of path as it is (weights kept, no grid checked): its
 * MASK image extension when it has one (a shear file from 'bin', a
 * dataset, a HEALPix map seen on a grid), else its first image, which must
 * be one plane.  DM_ERROR_FORMAT for several planes without a MASK
 * extension, and the errors of reading the image. */
DmMap *dm_mask_read_image(const char *path, DmError **error);

/* Reads path's mask for map: its MASK image extension when it has one (a
 * shear file from 'bin', a dataset), else its first image, which must be
 * one plane; a new one-plane map of 0/1 with map's WCS.  *had_wcs (may be
 * NULL) tells whether the file had a celestial WCS that was checked.  Fails
 * with DM_ERROR_FORMAT (not an image, several planes without a MASK
 * extension, another size, another WCS, no observed pixel),
 * DM_ERROR_NOT_FOUND or DM_ERROR_IO, leaving nothing allocated. */
DmMap *dm_mask_read_for_map(const char *path, const DmMap *map, bool *had_wcs,
                            DmError **error);

#ifdef __cplusplus
}
#endif

#endif

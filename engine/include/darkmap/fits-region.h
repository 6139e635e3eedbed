/* FITS images too large to read whole (a wide survey's mosaic: 13,000²
 * pixels, 0.7 GB a plane): their list read from the headers alone, a
 * rectangle at full resolution, and an overview binned by an integer
 * factor, read a band of rows at a time.
 *
 * Images are the 2-D image HDUs of a file ("planes": a mosaic's mean,
 * STD, SIGNIF and COUNTS), named by their one-based HDU number.  Pixels
 * come as float32 (any BITPIX, BSCALE/BZERO applied; blanks of integer
 * images → NaN; float values, ±inf and NaN included, as stored), with the
 * file's celestial WCS moved to the new grid (dm_wcs_new_block_grid) so
 * that every pixel keeps its sky position; no metadata cards.  Sizes are
 * checked against the memory budget (darkmap/memory-budget.h) before
 * anything is allocated. */
#ifndef DARKMAP_FITS_REGION_H
#define DARKMAP_FITS_REGION_H

#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* EXTNAME values are at most 68 characters. */
#define DM_FITS_EXTNAME_SIZE 72

typedef struct {
  int hdu;                             /* one-based HDU number */
  char extname[DM_FITS_EXTNAME_SIZE];  /* "" when the HDU has none (a primary) */
  int nx, ny;                          /* NAXIS1, NAXIS2 */
} DmFitsPlane;

typedef struct {
  DmFitsPlane *planes;  /* n_planes, in file order (owned) */
  int n_planes;
} DmFitsPlaneList;

/* The 2-D image HDUs of path with data, from their headers alone (a
 * primary without data and other HDUs are skipped).  DM_ERROR_NOT_FOUND
 * when there is none ("... holds no 2-D image"), the errors of opening a
 * FITS file otherwise. */
DmFitsPlaneList *dm_fits_list_planes(const char *path, DmError **error);
void dm_fits_plane_list_free(DmFitsPlaneList *list);

/* Pixels [x0, x0 + nx) × [y0, y0 + ny) (zero-based) of the image in HDU
 * hdu, at full resolution: a nx × ny map whose pixel (i, j) is the image's
 * (x0 + i, y0 + j).  Read a band of rows at a time, polling progress's
 * cancel flag between bands.  DM_ERROR_INVALID_ARGUMENT for a region
 * empty or not inside the image (naming both), DM_ERROR_NOT_FOUND for a
 * missing HDU, DM_ERROR_FORMAT for an HDU that is not a 2-D image or whose
 * data the file lacks, DM_ERROR_NO_MEMORY for a region beyond the budget. */
DmMap *dm_fits_read_region(const char *path, int hdu, int x0, int y0, int nx, int ny,
                           const DmProgress *progress, DmError **error);

/* The smallest factor f >= 1 that brings an nx × ny image to at most
 * max_side pixels on its longer side binned f × f (ceil(n / f) <= max_side);
 * 1 for max_side < 1. */
int dm_fits_overview_factor(int nx, int ny, int max_side);

/* The image in HDU hdu binned factor × factor: pixel (i, j) of the
 * ceil(nx / factor) × ceil(ny / factor) overview is the mean of the
 * image's pixels [factor i, factor i + factor) × [factor j, factor j +
 * factor) that exist (blocks at the right and top edges may be partial)
 * and are not NaN, summed in double; NaN for a block of only NaN.  The
 * image is read factor rows at a time: memory is the overview and factor
 * rows.  Progress: the fraction of rows read, stage "Overview"; cancel
 * polled between bands.  Errors as dm_fits_read_region, and
 * DM_ERROR_INVALID_ARGUMENT for factor < 1. */
DmMap *dm_fits_read_overview(const char *path, int hdu, int factor, const DmProgress *progress,
                             DmError **error);

#ifdef __cplusplus
}
#endif

#endif

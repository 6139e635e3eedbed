/* DmWcs: the celestial coordinate system of a 2-D grid (wcslib underneath).
 *
 * Pixel coordinates in this API are zero-based: the centre of the first
 * pixel (column 0, row 0 of the data array) is (x, y) = (0, 0); FITS' CRPIX
 * is one-based and the conversion happens inside.  World coordinates are
 * (RA, Dec) in degrees.
 *
 * Two grids are made by Darkmap itself:
 *  - TAN: gnomonic projection around the grid centre, the astronomer's
 *    default; by default RA increases to the left (CDELT1 < 0), as on the sky.
 *  - FLAT: RA and Dec linear in the pixel indices with no cos(Dec) factor
 *    (the shipped COSMOS convention, RA increasing with the column).  It is
 *    written as an exact plate carree ('RA---CAR'/'DEC--CAR' with CRVAL2 = 0,
 *    so that DS9 and astropy read the same linear coordinates).
 * Any other WCS a FITS header describes can be read and used as it is. */
#ifndef DARKMAP_WCS_H
#define DARKMAP_WCS_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DmWcs DmWcs;  /* opaque; owns a wcslib wcsprm */

typedef enum {
  DM_PROJECTION_TAN,   /* gnomonic tangent plane */
  DM_PROJECTION_FLAT,  /* linear RA/Dec (see above) */
  DM_PROJECTION_OTHER, /* read from a file: whatever the header says */
} DmProjection;

/* A grid of nx × ny square pixels of side pixel_deg centred on (ra0, dec0):
 * the centre of the grid (x, y) = ((nx − 1)/2, (ny − 1)/2) maps to (ra0, dec0).
 * ra_left: RA increases to the left (CDELT1 < 0). */
DmWcs *dm_wcs_new_grid(DmProjection projection, double ra0, double dec0,
                       double pixel_deg, int nx, int ny, bool ra_left,
                       DmError **error);

/* Parses the WCS of a FITS header (80-character cards, nkeys of them, no
 * END needed).  Fails with DM_ERROR_WCS when the header has no celestial WCS
 * or one whose pixel side (dm_wcs_pixel_scale_deg) is not a finite positive
 * length (CDELT1 = CDELT2 = 1E200: their product overflows). */
DmWcs *dm_wcs_new_from_header(const char *header, int nkeys, DmError **error);

DmWcs *dm_wcs_copy(const DmWcs *wcs, DmError **error);

/* The WCS of a grid cut and binned from this one: its pixel (i, j) is the
 * factor × factor block of this grid's pixels whose first (zero-based) is
 * (x0 + factor i, y0 + factor j).  The block's centre keeps its sky
 * position: CRPIX' = (CRPIX − x0 − 0.5) / factor + 0.5 per axis (one-based
 * CRPIX), and the pixel → sky matrix (CD, or CDELT) is scaled by factor.
 * factor 1 makes a cutout whose first pixel is (x0, y0); x0 = y0 = 0 a
 * block-averaged overview.  DM_ERROR_INVALID_ARGUMENT for factor < 1;
 * DM_ERROR_UNSUPPORTED for a WCS with distortions (SIP, TPV...), whose
 * polynomials are in the original pixels. */
DmWcs *dm_wcs_new_block_grid(const DmWcs *wcs, int x0, int y0, int factor, DmError **error);
void dm_wcs_free(DmWcs *wcs);

DmProjection dm_wcs_projection(const DmWcs *wcs);

/* Pixel side length in degrees at the reference point (geometric mean of
 * the two axes' scales). */
double dm_wcs_pixel_scale_deg(const DmWcs *wcs);

/* n conversions; pixel coordinates zero-based.  Points that do not project
 * (beyond the TAN horizon) come out as NaN and do not fail the call. */
bool dm_wcs_pixel_to_world(const DmWcs *wcs, size_t n, const double *x, const double *y,
                           double *ra, double *dec, DmError **error);
bool dm_wcs_world_to_pixel(const DmWcs *wcs, size_t n, const double *ra, const double *dec,
                           double *x, double *y, DmError **error);

/* The WCS as FITS header cards: a malloc'ed string of nkeys × 80 characters
 * (no END card), freed by the caller with free(). */
char *dm_wcs_to_header(const DmWcs *wcs, int *nkeys, DmError **error);

/* True when the two describe the same grid to within tol pixels at the
 * corners and centre of an nx × ny image. */
bool dm_wcs_equal(const DmWcs *a, const DmWcs *b, int nx, int ny, double tol_pixels);

#ifdef __cplusplus
}
#endif

#endif

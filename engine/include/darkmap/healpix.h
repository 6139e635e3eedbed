/* HEALPix maps (Górski et al. 2005, ApJ 622, 759) of Darkmap's flat maps,
 * so that a mosaic of a wide survey can be combined with other surveys' and
 * the CMB's maps, which are HEALPix.
 *
 * Pixels.  The sphere in 12 NSIDE² pixels of equal area, numbered in the
 * RING or NESTED scheme (libchealpix does the numbering), on the same
 * celestial RA/Dec as the flat maps (COORDSYS = 'C'): theta = 90° − Dec,
 * phi = RA.  A pixel's side is sqrt(π / 3) / NSIDE radians (3518′ / NSIDE).
 *
 * Resampling.  Only the pixels whose centres fall on the flat grid are
 * made (a partial map).  Pixels less than twice as wide as the grid's take
 * the planes' Lanczos-3 interpolation at their centres (as the mosaic's
 * stitching does); wider ones (a coarser NSIDE) the mean of the grid pixels
 * whose centres they hold (four or more each).  With a coverage plane (galaxies per grid pixel), a
 * pixel is kept only where it holds galaxies: the grid pixel under its
 * centre has some, or, for a larger pixel, its mean is over the grid pixels
 * that have some.
 *
 * File.  The HEALPix partial-sky layout (explicit indexing, as healpy's
 * write_map(partial=True) writes and read_map reads): an empty primary HDU
 * and a binary table of a PIXEL column (int64) and one float column per
 * plane, with PIXTYPE = 'HEALPIX', ORDERING, NSIDE, INDXSCHM = 'EXPLICIT',
 * OBJECT = 'PARTIAL', COORDSYS = 'C' and the flat map's provenance cards. */
#ifndef DARKMAP_HEALPIX_H
#define DARKMAP_HEALPIX_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/posterior.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NSIDE is a power of two from 1 to 2^29 (libchealpix's 64-bit limit). */
#define DM_HEALPIX_MAX_NSIDE ((int64_t)1 << 29)

typedef enum {
  DM_HEALPIX_RING,
  DM_HEALPIX_NESTED,
} DmHealpixOrdering;

/* A partial HEALPix map: n_pixels pixels, their indices ascending, and
 * n_columns planes of values over them. */
typedef struct {
  int64_t nside;
  DmHealpixOrdering ordering;
  int64_t n_pixels;
  int64_t *pixels;        /* n_pixels indices, ascending (owned) */
  int n_columns;
  char **column_names;    /* n_columns FITS column names (owned) */
  float **columns;        /* n_columns arrays of n_pixels values (owned) */
  DmMetaCard *cards;      /* provenance, from the flat map (owned) */
  int n_cards;
} DmHealpixMap;

/* The pixel side of an NSIDE, in arcminutes. */
double dm_healpix_pixel_arcmin(int64_t nside);

/* The smallest NSIDE whose pixels are no larger than pixel_arcmin (the
 * default for a flat map: no detail is lost, 1′ gives NSIDE 4096). */
int64_t dm_healpix_nside_for_pixel(double pixel_arcmin);

/* The HEALPix map of n_planes planes of the same grid (each map's plane 0;
 * all maps of one size and WCS), their columns named names[i].  coverage
 * (NULL: the whole grid) is the galaxies per grid pixel.  cards of
 * planes[0] are kept.  DM_ERROR_INVALID_ARGUMENT for an NSIDE that is not a
 * power of two in range, maps of different grids or a map without WCS;
 * DM_ERROR_NO_DATA when no pixel centre falls on the covered grid (an NSIDE
 * far too coarse for it, say). */
DmHealpixMap *dm_healpix_from_maps(const DmMap *const *planes, const char *const *names,
                                   int n_planes, const DmMap *coverage, int64_t nside,
                                   DmHealpixOrdering ordering, DmError **error);
void dm_healpix_free(DmHealpixMap *map);

/* Writes the map (replacing path atomically: a failure leaves an existing
 * file as it was). */
bool dm_healpix_write(const char *path, const DmHealpixMap *map, DmError **error);

/* The one call for a map file or a mosaic: the posterior's maps (its mean
 * as column KAPPA, then STD and SIGNIF when it has them) put on HEALPix
 * with coverage (NULL: the whole grid) and written to path.  nside 0 takes
 * the finest NSIDE whose pixels are no larger than the maps'
 * (dm_healpix_nside_for_pixel); *nside_used and *n_pixels (each NULL: not
 * wanted) receive what was written.  The errors of dm_healpix_from_maps
 * and dm_healpix_write. */
bool dm_healpix_write_posterior(const char *path, const DmPosterior *posterior,
                                const DmMap *coverage, int64_t nside,
                                DmHealpixOrdering ordering, int64_t *nside_used,
                                int64_t *n_pixels, DmError **error);

/* Reads a partial HEALPix map (the layout above; its columns of numbers
 * as floats, its provenance cards not kept).  DM_ERROR_FORMAT naming what
 * is missing or wrong (no PIXTYPE = 'HEALPIX', an NSIDE that is not a
 * power of two, pixel indices out of range or not ascending...),
 * DM_ERROR_UNSUPPORTED for a full-sky map (implicit indexing). */
DmHealpixMap *dm_healpix_read(const char *path, DmError **error);

/* The reverse, for other surveys' maps: a HEALPix file's values on the
 * flat nx × ny grid of wcs.  Each grid pixel takes the value of the HEALPix
 * pixel holding its centre (nearest-pixel sampling, as healpy's gnomview
 * does), from a partial map (explicit indexing) or a full-sky one (one
 * value per pixel of the sphere in the ordering's numbering, in rows of any
 * length, as healpy's write_map writes them); only the values the grid
 * needs are read.  column names the value column (NULL: the first after
 * PIXEL, or the first).  Returns the map, 0 where the file has no value,
 * and *coverage: 1 where it has one, 0 where the pixel is absent, UNSEEN
 * (−1.6375e30) or NaN.  The map keeps the file's NSIDE, ORDERING and
 * column as HPXNSIDE, HPXORDER and HPXCOL cards.  DM_ERROR_FORMAT for a
 * full-sky table without 12 NSIDE² values, DM_ERROR_NOT_FOUND for a column
 * that is not there, DM_ERROR_NO_DATA when no grid pixel is covered. */
DmMap *dm_healpix_project(const char *path, const char *column, const DmWcs *wcs, int nx,
                          int ny, DmMap **coverage, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

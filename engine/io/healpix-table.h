/* Finding a HEALPix map in a FITS file (private to engine/io): shared by
 * the reader of partial maps (healpix-file.c) and the projection of any
 * HEALPix map onto a flat grid (healpix-projection.c). */
#ifndef DARKMAP_IO_HEALPIX_TABLE_H
#define DARKMAP_IO_HEALPIX_TABLE_H

#include <fitsio.h>
#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/healpix.h"

typedef struct {
  int64_t nside;
  DmHealpixOrdering ordering;
  bool explicit_index;  /* INDXSCHM = 'EXPLICIT': a PIXEL column; else one value per pixel
                           of the sphere, in the ordering's numbering */
} DmHealpixScheme;

/* Moves to the first binary table whose PIXTYPE is HEALPIX and reads its
 * NSIDE, ORDERING and INDXSCHM; DM_ERROR_FORMAT naming what is missing or
 * wrong. */
bool dm_healpix_open_table(fitsfile *fits, const char *path, DmHealpixScheme *scheme,
                           DmError **error);

/* The current table's rows into *rows, after checking that its rows make
 * a size and that the file holds them all (DM_ERROR_FORMAT otherwise). */
bool dm_healpix_table_rows(fitsfile *fits, const char *path, long long *rows, DmError **error);

/* DM_ERROR_FORMAT naming the row unless the n pixel numbers ascend inside
 * the 12 nside² pixels of the sphere. */
bool dm_healpix_check_pixels(const char *path, const int64_t *pixels, long long n,
                             int64_t nside, DmError **error);

/* Whether nside is a power of two from 1 to DM_HEALPIX_MAX_NSIDE. */
bool dm_healpix_nside_is_valid(long long nside);

#endif

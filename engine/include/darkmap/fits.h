/* FITS images (cfitsio): float32 maps with WCS and provenance.
 *
 * Writing is atomic (darkmap/atomic-file.h): the file has no name until it
 * is complete and flushed to disk, so a failure or a killed process never
 * leaves a partial file and never destroys an existing one. */
#ifndef DARKMAP_FITS_H
#define DARKMAP_FITS_H

#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One HDU to write: the primary (first) gets no EXTNAME unless given. */
typedef struct {
  const DmMap *map;      /* 2-D when nplanes == 1, else a 3-D cube */
  const char *extname;   /* may be NULL for the primary */
} DmFitsImageHdu;

/* Writes n HDUs (the first is the primary) as BITPIX = −32 images with the
 * maps' WCS, their metadata cards, and ORIGIN/CREATOR/DATE keywords.
 * Metadata keys must be valid FITS keywords that neither the FITS structure
 * (NAXIS...) nor the WCS (CRVAL1...) own, else DM_ERROR_INVALID_ARGUMENT
 * before anything is written; characters a header cannot hold (outside
 * printable ASCII) are written as '?'. */
bool dm_fits_write_images(const char *path, const DmFitsImageHdu *hdus, int n,
                          DmError **error);

/* Convenience: one map as the primary HDU. */
bool dm_fits_write_map(const char *path, const DmMap *map, DmError **error);

/* Reads an image HDU as float32 (any BITPIX, BSCALE/BZERO applied, blanks →
 * NaN), with its WCS when the header has a celestial one and its
 * non-structural keywords as metadata.  extname NULL reads the primary HDU
 * (or, if it is empty, the first image extension). */
DmMap *dm_fits_read_image(const char *path, const char *extname, DmError **error);

/* A human-readable summary of every HDU (type, size, columns, WCS), as
 * `darkmap-cli info` prints it.  malloc'ed; free with free(). */
char *dm_fits_describe(const char *path, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

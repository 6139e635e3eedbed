/* Streaming FITS writer: float32 image HDUs whose sizes are known up front,
 * filled one plane at a time, so that a file of any size is written while
 * holding a single plane in memory.
 *
 * Writing is atomic (darkmap/atomic-file.h): the file has no name while it
 * is written, and only dm_fits_cube_writer_finish flushes it to disk and
 * gives it the target's name.  A failure, dm_fits_cube_writer_abort or a
 * killed process discards it and never touches an existing target. */
#ifndef DARKMAP_FITS_CUBE_WRITER_H
#define DARKMAP_FITS_CUBE_WRITER_H

#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/wcs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One HDU to create: its size, name, WCS and metadata, without its pixels. */
typedef struct {
  const char *extname;      /* NULL or "" for none (the usual primary) */
  int nx, ny, nplanes;      /* NAXIS1, NAXIS2 and, when nplanes > 1, NAXIS3 */
  const DmWcs *wcs;         /* may be NULL */
  const DmMetaCard *cards;  /* metadata as a DmMap holds it; NULL when n_cards is 0 */
  int n_cards;
} DmFitsCubeHdu;

/* The HDU a map is written as: its size, WCS and metadata. */
DmFitsCubeHdu dm_fits_cube_hdu_for_map(const DmMap *map, const char *extname);

typedef struct DmFitsCubeWriter DmFitsCubeWriter;

/* Creates the temporary file with n HDUs (the first is the primary), each a
 * BITPIX = −32 image with the WCS, the metadata cards and ORIGIN/CREATOR/
 * DATE keywords, its data space reserved.  The HDUs are checked as
 * dm_fits_write_images checks them before anything is created: sizes must be
 * ones a DmMap accepts, so that the file reads back. */
DmFitsCubeWriter *dm_fits_cube_writer_new(const char *path, const DmFitsCubeHdu *hdus, int n,
                                          DmError **error);

/* Writes plane plane_index (from 0) of HDU hdu_index (0 is the primary):
 * nx × ny floats, x fastest, bit for bit.  Planes may come in any order;
 * writing one again replaces it.  An index out of range fails with
 * DM_ERROR_INVALID_ARGUMENT and writes nothing. */
bool dm_fits_cube_writer_write_plane(DmFitsCubeWriter *writer, int hdu_index, int plane_index,
                                     const float *plane, DmError **error);

/* Writes every plane of map, whose size must be the HDU's, to HDU hdu_index. */
bool dm_fits_cube_writer_write_map(DmFitsCubeWriter *writer, int hdu_index, const DmMap *map,
                                   DmError **error);

/* Closes the file, fsyncs it and renames it over the target.  Fails with
 * DM_ERROR_INVALID_ARGUMENT when a plane was never written (or its last
 * write failed), leaving no file.  Frees the writer either way. */
bool dm_fits_cube_writer_finish(DmFitsCubeWriter *writer, DmError **error);

/* Closes and removes the temporary file and frees the writer; the target is
 * not touched.  NULL does nothing. */
void dm_fits_cube_writer_abort(DmFitsCubeWriter *writer);

#ifdef __cplusplus
}
#endif

#endif

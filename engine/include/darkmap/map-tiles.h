/* Sets of square convergence maps: DmMapTiles.
 *
 * Square maps (tiles), size × size each, for the trainers (CosmoGAN's
 * training maps, the score and MMGAN pools from users' maps) and the
 * truths of mock evaluations, made in one of two ways:
 *  - simulated (dm_map_tiles_simulate): dataset tuples 0 … n − 1 of a
 *    dataset configuration (darkmap/dataset.h: lognormal fields of a theory
 *    C_ell, NFW haloes), kept as drawn (their mean included);
 *  - read (dm_map_tiles_read): a FITS cube, or a folder of FITS images
 *    (every *.fits, *.fit, *.fits.gz in name order), so that users train on
 *    their own N-body maps.  A file's maps are its SAMPLES extension when it
 *    has one (a Darkmap posterior file or cube of emulated maps), else its
 *    primary image.  Every plane of every file is cut into
 *    non-overlapping size × size tiles from its first pixel, row by row; a
 *    tile with a non-finite pixel is left out.  The pixel side comes from
 *    the files' WCS (all must agree within 1 %), or from the caller for
 *    files without one. */
#ifndef DARKMAP_MAP_TILES_H
#define DARKMAP_MAP_TILES_H

#include <stdbool.h>

#include "darkmap/dataset.h"
#include "darkmap/error.h"
#include "darkmap/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DmMapTiles DmMapTiles;

/* n maps of the dataset (whose grid must be square), made on worker
 * threads; progress per map, and its cancel flag. */
DmMapTiles *dm_map_tiles_simulate(const DmDatasetConfig *fields, int n,
                                  const DmProgress *progress, DmError **error);

/* The pixel side (arcmin) of the first image a path (cube or folder) holds,
 * from its WCS; 0 when it has none.  Fails as dm_map_tiles_read on a
 * path without images. */
bool dm_map_tiles_probe(const char *path, double *pixel_arcmin, DmError **error);

/* At most max_maps tiles of size × size from path (see above); pixel_arcmin
 * is the pixel side of files without a WCS.  DM_ERROR_NOT_FOUND for a
 * folder without FITS files, DM_ERROR_INVALID_ARGUMENT for planes smaller
 * than size, pixel scales that disagree, or no finite tile. */
DmMapTiles *dm_map_tiles_read(const char *path, int size, int max_maps, double pixel_arcmin,
                              const DmProgress *progress, DmError **error);

/* The SHA-256 of the maps at path (64 hex digits): a file's bytes; for a
 * folder, the digest of one line per FITS file in name order, its name in
 * the folder, a space and its digest (a file added, removed, renamed or
 * changed changes it).  Fails as dm_map_tiles_read on a path without
 * images and as dm_sha256_file on an unreadable file. */
bool dm_map_tiles_digest(const char *path, char hex[65], DmError **error);

/* Exactly count tiles of size × size from path for a grid of pixel_arcmin
 * (the score and MMGAN pools, the truths of mock evaluations): as
 * dm_map_tiles_read, and DM_ERROR_INVALID_ARGUMENT when path holds fewer
 * finite tiles (tiles with a NaN are skipped) or its WCS pixel side differs
 * from pixel_arcmin by more than 1 %.  purpose names, in plural, what the
 * maps are for in those messages ("the mocks' truths"). */
DmMapTiles *dm_map_tiles_read_grid(const char *path, int size, int count,
                                   double pixel_arcmin, const char *purpose,
                                   const DmProgress *progress, DmError **error);

void dm_map_tiles_free(DmMapTiles *maps);
int dm_map_tiles_count(const DmMapTiles *maps);
int dm_map_tiles_size(const DmMapTiles *maps);
double dm_map_tiles_pixel_arcmin(const DmMapTiles *maps);
/* The count maps, one after the other. */
const float *dm_map_tiles_data(const DmMapTiles *maps);
/* Where they came from: "1024 simulated maps" or "96 tiles of 3 files". */
const char *dm_map_tiles_describe(const DmMapTiles *maps);

#ifdef __cplusplus
}
#endif

#endif

/* Binning a shape catalogue onto a pixel grid.
 *
 * Each pixel holds the weighted mean ellipticity sum(w e) / sum(w) of the
 * galaxies inside it (0 where there are none), the galaxy count N, the
 * weight sum, the noise std of each shear component and the mask (N > 0).
 *
 * Pixel edges are uniform, lo + i (hi − lo) / n, and a galaxy exactly on an
 * edge belongs to the upper pixel, the last edge being closed (NumPy's
 * histogram rule): the index is computed, then checked against the edges. */
#ifndef DARKMAP_BINNING_H
#define DARKMAP_BINNING_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/catalog.h"
#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/progress.h"
#include "darkmap/wcs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest grid side binning accepts (refused before allocating). */
#define DM_GRID_MAX_SIDE 16384

typedef enum {
  DM_NOISE_COUNT,     /* sigma_e / sqrt(N): the shipped COSMOS noise maps */
  DM_NOISE_WEIGHTED,  /* sigma_e sqrt(sum w²) / sum w */
} DmNoiseModel;

typedef struct {
  int nx, ny;              /* pixels (columns, rows) */
  double pixel_arcmin;     /* pixel side */
  bool has_center;         /* false: centre on the catalogue median */
  double center_ra, center_dec;  /* degrees */
  DmProjection projection; /* TAN (default) or FLAT */
  bool ra_left;            /* RA increases to the left; default true for TAN,
                              FLAT grids keep the shipped convention (false) */
  bool flip_e2;            /* store −e2 (needed when RA increases to the right) */
  DmNoiseModel noise_model;
} DmGridSpec;

/* Defaults: 360 × 360, 0.29', catalogue-median centre, TAN, RA to the left,
 * no e2 flip, DM_NOISE_COUNT. */
void dm_grid_spec_init(DmGridSpec *spec);

typedef struct {
  DmMap *shear;    /* 2 planes: g1, g2 (weighted mean; 0 where empty) */
  DmMap *counts;   /* galaxies per pixel */
  DmMap *weight;   /* sum of weights per pixel */
  DmMap *noise;    /* 2 planes: std of g1 and g2 per pixel; 0 where empty */
  DmMap *mask;     /* 1 where counts > 0, else 0 */
  double sigma_e[2];     /* per-component ellipticity std of the binned galaxies */
  size_t n_binned;       /* galaxies inside the grid */
  size_t n_outside;      /* galaxies outside it */
} DmBinnedShear;

/* Makes the grid's WCS from a spec (centre must be set). */
DmWcs *dm_grid_spec_wcs(const DmGridSpec *spec, DmError **error);

/* Bins a catalogue.  Fails with DM_ERROR_INVALID_ARGUMENT for a bad grid,
 * DM_ERROR_NO_DATA when no galaxy falls inside it. */
DmBinnedShear *dm_bin_catalog(const DmCatalog *catalog, const DmGridSpec *spec,
                              const DmProgress *progress, DmError **error);

/* A grid's running sums, for galaxies given in pieces (a catalogue read in
 * chunks, or the galaxies of one tile of a mosaic).  It holds the grid's
 * per-pixel sums and scratch for the largest piece given.  Pieces given in
 * chunks of DM_CATALOG_STREAM_CHUNK galaxies, the last shorter, give
 * exactly what dm_bin_catalog gives for their concatenation (the same sums
 * in the same order); other piece sizes change sigma_e only in its last
 * bits (the order of its sums). */
typedef struct DmBinner DmBinner;

/* A binner for the grid of spec, whose centre must be set
 * (DM_ERROR_INVALID_ARGUMENT as dm_bin_catalog for a bad grid). */
DmBinner *dm_binner_new(const DmGridSpec *spec, DmError **error);
void dm_binner_free(DmBinner *binner);

/* Adds the galaxies [start, end) of catalogue (only its arrays are read). */
bool dm_binner_add(DmBinner *binner, const DmCatalog *catalog, size_t start, size_t end,
                   DmError **error);

/* A binner's running sums as one vector of doubles, so that binners of the
 * same grid fed with different galaxies (processes each reading part of a
 * catalogue) can be added into one: per pixel the weight, weighted e1 and
 * e2 and galaxy count (and the sum of weights² for the weighted noise
 * model), the totals of sigma_e and the galaxies given.  The sum equals the
 * binner fed with all the galaxies to rounding (its sums in another
 * order); counts exactly. */
size_t dm_binner_sums_count(const DmBinner *binner);
void dm_binner_sums_copy(const DmBinner *binner, double *sums);
/* Adds sums (from a binner of the same grid) to binner's. */
void dm_binner_sums_add(DmBinner *binner, const double *sums);

/* The binned shear of the galaxies added; DM_ERROR_NO_DATA (naming the
 * galaxies added) when none fell inside the grid.  The binner can be freed
 * afterwards, not added to. */
DmBinnedShear *dm_binner_finish(DmBinner *binner, DmError **error);

/* Bins the catalogue a stream reads (darkmap/catalog.h), one chunk in
 * memory at a time: the result equals dm_bin_catalog's on the whole
 * catalogue bit for bit.  Without a centre in spec, the grid is centred on
 * the catalogue median found by dm_catalog_stream_median_center (passes
 * over the stream before the binning pass).  The stream is rewound first;
 * after the call its counts are those of the whole catalogue. */
DmBinnedShear *dm_bin_catalog_stream(DmCatalogStream *stream, const DmGridSpec *spec,
                                     const DmProgress *progress, DmError **error);

void dm_binned_shear_free(DmBinnedShear *binned);

/* The shear file every method reads: primary HDU a 2-plane cube (g1, g2)
 * with WCS; image extensions COUNTS, WEIGHT, NOISE (2 planes) and MASK. */
bool dm_binned_shear_write(const char *path, const DmBinnedShear *binned, DmError **error);
DmBinnedShear *dm_binned_shear_read(const char *path, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

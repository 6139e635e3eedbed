/* Mosaics of a wide survey: the footprint cut into overlapping tangent-plane
 * tiles, each binned and reconstructed with any method of dm_reconstruct,
 * and the tiles stitched with apodised overlaps into one map.
 *
 * Geometry.  The mosaic is one TAN grid (RA to the left) centred on the
 * middle of the catalogue's RA and Dec ranges, at the request's pixel scale,
 * just large enough to hold the projected RA/Dec box of the catalogue: one
 * tangent plane serves surveys up to a few tens of degrees across (at 10°
 * from the centre the pixels are 3 % larger than at the centre).  Longer
 * surveys (a stripe of 100°) take a CAR grid (projection FLAT): linear in
 * RA and Dec, holding the RA/Dec box, its RA pixels cos(Dec) as wide on the
 * sky as its Dec pixels; the tiles stay TAN grids of the true pixel scale,
 * their binning reaching 1/cos(Dec) as far along the mosaic's RA (at most
 * ±80° Dec); either can be written on HEALPix pixels as well
 * (dm_healpix_write_posterior, darkmap/healpix.h).  The RA range is the
 * circle less its largest empty stretch (0.1° bins), so a survey across RA
 * 0/360 is centred between its edges, whatever range its RAs are written in
 * (359 to 1, or −1 to 1).  The grid is a whole number of square cores of
 * C = round(tile_deg / pixel) mosaic pixels a side; tile t
 * (row-major, t = ty * tiles_x + tx) owns core pixels
 * [tx C, tx C + C) × [ty C, ty C + C).  Each tile is its own TAN grid of the
 * same pixel scale, centred on its core's centre, O = round(overlap_deg /
 * pixel) pixels wider than the core on every side (side C + 2 O).
 *
 * Stitching.  Each mosaic pixel is the weighted mean of the tiles covering
 * it, each interpolated (Lanczos-3) at the mosaic pixel's sky position:
 * tiles share the mosaic's pixel scale and sit a whole number of pixels
 * from it at their centres, but their tangent planes drift from the
 * mosaic's by a fraction of a pixel towards their edges, the more the
 * farther from the mosaic's centre.  Bilinear interpolation smoothed the
 * map (9 % less C_ell at ell 7000 at 1'); the nearest pixel, averaged
 * across a seam with a neighbour's nearest pixel a pixel away, did too
 * (7 % at ell 7000 on a 10° field, where Lanczos-3 loses 6 %, its own
 * response near Nyquist).  A tile's weight is a product of one profile per
 * axis, in mosaic pixels from its core's centre: 1 up to C/2 − O/2, cos²
 * falling to 0 at C/2 + O/2, 0 beyond (the outer O/2 of a tile, where its
 * own reconstruction suffers from its edge, is never used).  Neighbours'
 * profiles add up to 1 across their shared band; at the survey's outer
 * edge the one tile's weight is normalised away.  No tile knows its mean
 * convergence (a reconstruction on a finite grid has no k = 0 mode): each
 * tile's mean map is shifted by the least-squares offset that makes
 * neighbours agree on average where both reach, each group of linked
 * tiles keeping a zero mean offset (without it the seams lose a twentieth
 * of their correlation with the truth, tests/reconstruct/
 * test-mosaic-wide-field.c).  Std mosaics are the same weighted mean of
 * the tiles' std (the tiles' errors are correlated where they overlap: a
 * conservative figure there), significance the mosaic mean over the mosaic
 * std.
 *
 * Work.  One pass over the streamed catalogue finds its RA/Dec ranges
 * (dm_mosaic_plan_new); one pass bins a range of tiles at once, each galaxy
 * only into the tiles whose grid may hold it; then each tile is
 * reconstructed in turn and keeps its mean and std only
 * (dm_mosaic_reconstruct_tiles); dm_mosaic_stitch makes the mosaic.  A run
 * split over processes hands each a range of tiles and stitches on one.
 * Memory: one catalogue chunk, the sums of the tiles binned, one tile's
 * reconstruction and the tiles' means and stds. */
#ifndef DARKMAP_MOSAIC_H
#define DARKMAP_MOSAIC_H

#include <stdbool.h>

#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/error.h"
#include "darkmap/map.h"
#include "darkmap/posterior.h"
#include "darkmap/progress.h"
#include "darkmap/reconstruct.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  DmProjection projection; /* the mosaic's grid: TAN (default), or FLAT: a plate carrée
                              (CAR) grid linear in RA and Dec, for surveys too long for
                              one tangent plane (a stripe of 100°); its tiles are TAN
                              grids either way.  CAR mosaics reach at most ±80° Dec */
  double tile_deg;         /* core side; > 0 */
  double overlap_deg;      /* margin beyond the core; 0 to tile_deg / 2 */
  double pixel_arcmin;     /* pixel side of the tiles and the mosaic */
  bool flip_e2;            /* binning options of every tile (darkmap/binning.h) */
  DmNoiseModel noise_model;
  /* The method and its settings for every tile (its out_path is ignored;
   * an MMGAN model must be of the tiles' side, C + 2 O). */
  DmReconstructRequest reconstruct;
} DmMosaicRequest;

/* TAN, 2° tiles, 0.5° overlap, 1' pixels, count noise, the method's defaults. */
void dm_mosaic_request_init(DmMosaicRequest *request, DmReconstructMethod method);

typedef struct {
  DmProjection projection; /* the mosaic grid's: TAN or FLAT (CAR) */
  DmWcs *wcs;              /* the mosaic's grid (owned) */
  int nx, ny;              /* mosaic pixels */
  int core, overlap;       /* C and O in pixels */
  int tiles_x, tiles_y, n_tiles;
  DmGridSpec *tiles;       /* n_tiles grids (centres set), side core + 2 overlap */
} DmMosaicPlan;

/* Plans the mosaic of the catalogue a stream reads (one pass over it, the
 * stream rewound after).  DM_ERROR_INVALID_ARGUMENT for sizes out of range
 * (naming them), or a mosaic larger than DM_MAP_MAX_SIDE or a TAN plane
 * (120°) holds. */
DmMosaicPlan *dm_mosaic_plan_new(const DmMosaicRequest *request, DmCatalogStream *stream,
                                 const DmProgress *progress, DmError **error);

/* The same plan in steps, for a catalogue read in parts (processes each
 * reading their rows, dm_catalog_stream_set_rows): the footprint of each
 * part, merged, then planned.  A footprint holds per RA bin of 0.1° the
 * lowest and highest RA in [0, 360) (an empty bin: 360 above 0), then the
 * lowest and highest Dec; merging takes the least of the lows and the
 * greatest of the highs, so parts merge into the whole's footprint
 * exactly, in any order (an all-reduce with MIN over low and MAX over
 * high does it). */
#define DM_MOSAIC_RA_BINS 3600
typedef struct {
  double low[DM_MOSAIC_RA_BINS + 1];   /* the bins' lowest RA, then the lowest Dec */
  double high[DM_MOSAIC_RA_BINS + 1];  /* the bins' highest RA, then the highest Dec */
} DmMosaicFootprint;

void dm_mosaic_footprint_init(DmMosaicFootprint *footprint);  /* empty */
/* Adds the galaxies of one pass over the stream's rows (rewound after). */
bool dm_mosaic_footprint_add(DmMosaicFootprint *footprint, DmCatalogStream *stream,
                             const DmProgress *progress, DmError **error);
void dm_mosaic_footprint_merge(DmMosaicFootprint *into, const DmMosaicFootprint *other);
/* The plan of a footprint: dm_mosaic_plan_new's errors, and DM_ERROR_NO_DATA
 * for an empty footprint. */
DmMosaicPlan *dm_mosaic_plan_from_footprint(const DmMosaicRequest *request,
                                            const DmMosaicFootprint *footprint,
                                            DmError **error);
void dm_mosaic_plan_free(DmMosaicPlan *plan);

/* Core pixel range [x0, x1) × [y0, y1) of tile t in the mosaic. */
void dm_mosaic_plan_core(const DmMosaicPlan *plan, int t, int *x0, int *y0, int *x1, int *y1);

/* Bins tiles [first, last) in one pass over the stream and reconstructs
 * each: tiles[t − first] receives tile t's posterior with its mean and, for
 * methods that sample, std and significance (no samples), or NULL for a
 * tile without galaxies.  counts (NULL: not wanted) receives the galaxy
 * count of every mosaic pixel, binned in the same pass.  Fails with the
 * errors of dm_reconstruct, naming the tile ("Tile 3 (row 1, column 3):
 * ..."), and of the catalogue stream. */
bool dm_mosaic_reconstruct_tiles(const DmMosaicPlan *plan, const DmMosaicRequest *request,
                                 DmCatalogStream *stream, int first, int last,
                                 DmPosterior **tiles, DmMap **counts,
                                 const DmProgress *progress, DmError **error);

/* dm_mosaic_reconstruct_tiles in steps, for a catalogue read in parts:
 * binners for tiles [first, last) (and, with counts, for the mosaic's
 * grid); one pass over a stream's rows adds each galaxy to the tiles whose
 * grid may hold it; the binners can be read and added to across processes
 * (dm_binner_sums_copy and dm_binner_sums_add, darkmap/binning.h); then
 * tiles [first', last') within the range are reconstructed from their sums
 * (each binner is finished by it: reconstruct a tile once).  Progress of
 * the reconstruction: the share of the tiles, each named "Tile 3 of 16".
 * Memory: each tile's sums (about 32 bytes a pixel) and one chunk. */
typedef struct DmMosaicBinning DmMosaicBinning;

DmMosaicBinning *dm_mosaic_binning_new(const DmMosaicPlan *plan, int first, int last,
                                       bool counts, DmError **error);
void dm_mosaic_binning_free(DmMosaicBinning *binning);
bool dm_mosaic_binning_add(DmMosaicBinning *binning, DmCatalogStream *stream,
                           const DmProgress *progress, DmError **error);
/* The binner of tile t (NULL outside the range), and of the counts (NULL
 * without). */
DmBinner *dm_mosaic_binning_tile(DmMosaicBinning *binning, int t);
DmBinner *dm_mosaic_binning_counts(DmMosaicBinning *binning);
bool dm_mosaic_binning_reconstruct(DmMosaicBinning *binning, const DmMosaicRequest *request,
                                   int first, int last, DmPosterior **tiles, DmMap **counts,
                                   const DmProgress *progress, DmError **error);

/* The mosaic of n_tiles tiles (plan->n_tiles, NULL entries for empty tiles):
 * a posterior with the stitched mean, and std and significance when the
 * tiles have std; the mosaic's WCS and the provenance cards of the first
 * tile's mean, plus MOSAIC, TILEDEG, OVERLAP, NTILES. */
DmPosterior *dm_mosaic_stitch(const DmMosaicPlan *plan, const DmMosaicRequest *request,
                              DmPosterior *const *tiles, DmError **error);

typedef struct {
  DmPosterior *posterior;  /* mean, and std and signif for sampling methods */
  DmMap *counts;           /* galaxies per mosaic pixel */
  int n_tiles, n_empty;    /* tiles, and those without galaxies */
  int tile_pixels;         /* a tile grid's side, C + 2 O */
  double seconds;          /* wall time of the run */
} DmMosaic;

/* The one call: plan, bin and reconstruct every tile, stitch.  Progress:
 * the fraction of the run (the passes over the catalogue a fifth of it,
 * the tiles the rest, named "Tile 3 of 16"); cancellation as dm_reconstruct
 * polls it, and between chunks of the catalogue. */
DmMosaic *dm_mosaic_run(const DmMosaicRequest *request, DmCatalogStream *stream,
                        const DmProgress *progress, DmError **error);
void dm_mosaic_free(DmMosaic *mosaic);

/* Writes the mosaic: the mean as the primary HDU, then STD and SIGNIF when
 * present (the posterior file's layout, darkmap/posterior.h) and COUNTS. */
bool dm_mosaic_write(const char *path, const DmMosaic *mosaic, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* Training sets of simulated surveys: (kappa, shear, noise, mask) tuples.
 *
 * Tuple i of a configuration is a pure function of (seed, i): it is made on
 * the fly, in any order, and the same on every run.  Each tuple draws
 *   1. a Gaussian or lognormal convergence field with the theory C_ell
 *      (gaussian-field.h, lognormal.h), optionally on a larger box cropped;
 *   2. optionally NFW haloes from the mass function (halo-population.h),
 *      added to the field, with the concentration scatter and the
 *      ellipticity of halo_options when they are on;
 *   3. the mock shear of the survey (mock-survey.h): A kappa plus noise.
 * The seeds of the three steps are derived from (seed, i, step) with the
 * splitmix64 finaliser, so that tuples and steps are independent streams.
 *
 * Files: one FITS file holds `count` consecutive tuples from index `first`:
 *   primary  kappa cube, count planes (plane j = tuple first + j)
 *   SHEAR    cube of 2 count planes: g1 of tuple first + j at plane 2j,
 *            g2 at plane 2j + 1
 *   NOISE    2 planes, the per-pixel noise std of g1 and g2 (the survey's;
 *            the same for every tuple)
 *   MASK     1 plane, 1 where observed
 * all with the survey's WCS, and keywords DSFIRST, DSCOUNT, DSSEED, FIELD,
 * SHIFT, BOXFACT, HALOES, ZSOURCE, HALOCSIG (the haloes' concentration
 * scatter), HALOELL (elliptical haloes), NOISEMOD, PIXSCALE in the primary
 * header.  The writer streams (fits-cube-writer.h): each tuple is made,
 * written plane by plane and freed before the next, so that its memory is
 * one tuple's whatever `count` is, and the file appears atomically once
 * complete.  The reader holds a whole file in memory (3 planes per tuple:
 * 1.5 MB at 360²): large sets are written as several files of consecutive
 * index ranges. */
#ifndef DARKMAP_DATASET_H
#define DARKMAP_DATASET_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/cosmology.h"
#include "darkmap/error.h"
#include "darkmap/halo-population.h"
#include "darkmap/map.h"
#include "darkmap/mock-survey.h"
#include "darkmap/nfw.h"
#include "darkmap/progress.h"
#include "darkmap/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { DM_FIELD_GAUSSIAN, DM_FIELD_LOGNORMAL } DmFieldType;

typedef struct {
  const DmTheorySpectrum *theory;  /* borrowed; required */
  const DmMockSurvey *survey;      /* borrowed; NULL: noiseless, unmasked, no WCS */
  int nx, ny;                      /* grid when survey is NULL (default 256 × 256) */
  double pixel_arcmin;             /* pixel side when the survey has no WCS (default 0.29) */
  DmFieldType field;               /* default lognormal */
  double shift;                    /* lognormal lambda (default 0.02) */
  int box_factor;                  /* generate on a box this many times larger (default 1) */
  bool haloes;                     /* add NFW haloes (default false) */
  DmHaloPopulationOptions halo_options;  /* masses, redshifts, concentration scatter,
                                           ellipticity (all off by default) */
  DmNfwPaintOptions paint;         /* source redshift, truncation, sub-sampling */
  DmCosmology cosmology;
  uint64_t seed;                   /* default 0 */
} DmDatasetConfig;

void dm_dataset_config_init(DmDatasetConfig *config);

typedef struct DmDataset DmDataset;

/* Prepares the models (lognormal power, mass function); the configuration's
 * borrowed theory and survey must outlive the dataset. */
DmDataset *dm_dataset_new(const DmDatasetConfig *config, DmError **error);
void dm_dataset_free(DmDataset *dataset);

typedef struct {
  DmMap *kappa;   /* 1 plane, the truth */
  DmMap *shear;   /* 2 planes (g1, g2), 0 outside the mask */
  DmMap *noise;   /* 2 planes, noise std */
  DmMap *mask;    /* 1 plane */
  long n_haloes;  /* haloes added (−1 when unknown: read from a file) */
} DmDatasetTuple;

void dm_dataset_tuple_free(DmDatasetTuple *tuple);

/* Tuple `index`. */
DmDatasetTuple *dm_dataset_tuple(const DmDataset *dataset, uint64_t index, DmError **error);

/* Tuple `index` with kappa (nx × ny floats of the dataset's grid: an N-body
 * map) in place of its simulated truth: the survey's shear of kappa with the
 * noise of tuple `index`; n_haloes −1. */
DmDatasetTuple *dm_dataset_tuple_with_kappa(const DmDataset *dataset, const float *kappa,
                                            uint64_t index, DmError **error);

/* Writes tuples first … first + count − 1 to path (see the layout above). */
bool dm_dataset_write(const DmDataset *dataset, uint64_t first, int count, const char *path,
                      const DmProgress *progress, DmError **error);

/* A dataset file held in memory for random access. */
typedef struct DmDatasetFile DmDatasetFile;

DmDatasetFile *dm_dataset_file_read(const char *path, DmError **error);
void dm_dataset_file_free(DmDatasetFile *file);

/* Index range of the tuples a file holds. */
void dm_dataset_file_range(const DmDatasetFile *file, uint64_t *first, int *count);

/* Tuple `index` (global index, within the file's range) as a new tuple. */
DmDatasetTuple *dm_dataset_file_tuple(const DmDatasetFile *file, uint64_t index,
                                      DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* How well emulated maps match a reference set, as Mustafa et al. (2019)
 * judge CosmoGAN: the power spectrum, the one-point PDF and the three
 * Minkowski functionals of the generated maps against the reference set's
 * mean and 1-sigma scatter, and the two-sample Kolmogorov-Smirnov test on
 * pixel values.  Maps are size × size floats, square and unmasked.
 *
 * Power spectrum (darkmap/pspec.h): DM_COSMOGAN_ELL_BINS log bins from the
 * fundamental mode to the Nyquist ell; each map's C_ell, then per bin the
 * mean and the sample std over each set.  The resolved range is the bins
 * whose modes have a mean ell at most half the Nyquist ell, wavelengths of
 * four pixels or more: below that the 5×5 stride-2 transposed convolutions
 * leave their two-pixel pattern, and the pixel window dominates.
 *
 * PDF and Minkowski functionals (darkmap/map-statistics.h, kappa scale):
 * DM_COSMOGAN_THRESHOLDS thresholds from the 0.5th to the 99.5th percentile
 * of the reference pixels, every map's PDF, V0, V1 and V2 there, and per
 * threshold the mean and std over each set.  A point is inside when
 * |mean generated − mean reference| <= the reference's std (the paper's
 * 1-sigma band of single maps).
 *
 * KS: D and the asymptotic p-value of all generated pixels against all
 * reference pixels (dm_ks_two_sample).  Neighbouring pixels are correlated,
 * so with millions of pixels p is tiny for any difference: D is the number
 * to read (the largest gap between the two cumulative distributions). */
#ifndef DARKMAP_COSMOGAN_VALIDATION_H
#define DARKMAP_COSMOGAN_VALIDATION_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DM_COSMOGAN_ELL_BINS 16
#define DM_COSMOGAN_THRESHOLDS 25

/* The curves compared at each threshold. */
typedef enum {
  DM_COSMOGAN_PDF, /* density per unit kappa */
  DM_COSMOGAN_V0,  /* area fraction above the threshold */
  DM_COSMOGAN_V1,  /* boundary length per area / 4, per degree */
  DM_COSMOGAN_V2,  /* Euler characteristic per area, per deg² */
  DM_COSMOGAN_N_CURVES
} DmCosmoganCurve;

/* "PDF", "V0", "V1", "V2". */
const char *dm_cosmogan_curve_name(DmCosmoganCurve curve);

typedef struct {
  int n_generated, n_reference; /* maps behind each set (0 generated: no validation) */
  int64_t step;                 /* the training step of the generator validated (0 outside a
                                   training) */
  int size;                     /* map side */
  double pixel_arcmin;

  /* Power spectrum. */
  double ell[DM_COSMOGAN_ELL_BINS];          /* mean ell of the bin's modes (NaN: none) */
  double cl_reference[DM_COSMOGAN_ELL_BINS]; /* per sr */
  double cl_reference_std[DM_COSMOGAN_ELL_BINS];
  double cl_generated[DM_COSMOGAN_ELL_BINS];
  double cl_generated_std[DM_COSMOGAN_ELL_BINS];
  double cl_difference[DM_COSMOGAN_ELL_BINS]; /* cl_generated / cl_reference − 1 */
  bool resolved[DM_COSMOGAN_ELL_BINS];
  bool cl_inside[DM_COSMOGAN_ELL_BINS]; /* within the reference's std */
  int n_resolved, n_cl_inside;          /* bins resolved; of them, inside */
  double cl_mean_difference;            /* mean |cl_difference| over the resolved bins */
  double cl_max_difference;             /* largest |cl_difference| there */

  /* PDF and Minkowski functionals. */
  double threshold[DM_COSMOGAN_THRESHOLDS]; /* kappa */
  double reference[DM_COSMOGAN_N_CURVES][DM_COSMOGAN_THRESHOLDS];
  double reference_std[DM_COSMOGAN_N_CURVES][DM_COSMOGAN_THRESHOLDS];
  double generated[DM_COSMOGAN_N_CURVES][DM_COSMOGAN_THRESHOLDS];
  int n_inside[DM_COSMOGAN_N_CURVES]; /* thresholds inside the 1-sigma band */

  /* Pixel values. */
  double ks_d, ks_p;
} DmCosmoganValidation;

/* The reference set's statistics, computed once (each map's spectrum, PDF
 * and functionals) and its pixels (borrowed: maps must outlive it). */
typedef struct DmCosmoganReference DmCosmoganReference;

/* n maps of size × size pixels of pixel_arcmin; progress per map, and its
 * cancel flag. */
DmCosmoganReference *dm_cosmogan_reference_new(const float *maps, int n, int size,
                                               double pixel_arcmin, const DmProgress *progress,
                                               DmError **error);
void dm_cosmogan_reference_free(DmCosmoganReference *reference);

/* n generated maps (at least 2, the reference's size) against the
 * reference, into v. */
bool dm_cosmogan_validate(const DmCosmoganReference *reference, const float *maps, int n,
                          DmCosmoganValidation *v, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* The posterior file every mass-mapping method writes: the posterior mean as
 * the primary HDU, and extensions STD (per-pixel std), SAMPLES (cube of the
 * samples, when there are any) and SIGNIF (mean / std, 0 where std is 0).
 * All float32 with the shear's WCS and the method's provenance.
 *
 * The std of K samples is the unbiased one, sqrt(sum (x - mean)^2 / (K - 1)):
 * from two samples a and b, |a - b| / sqrt(2).  One sample has none: the
 * file then holds no STD or SIGNIF, and the mean's HISTORY says why.
 *
 * A learned model's calibration (darkmap/calibration.h) scales the samples'
 * spread about their mean: STD, SAMPLES and SIGNIF are then the calibrated
 * ones, STDRAW the std the model gave, and the mean's header says by how
 * much (CALIB, CALIB95, CALLEVEL, CALMOCKS, CALGRID). */
#ifndef DARKMAP_POSTERIOR_H
#define DARKMAP_POSTERIOR_H

#include <stdbool.h>

#include "darkmap/calibration.h"
#include "darkmap/error.h"
#include "darkmap/map.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  DmMap *mean;     /* 1 plane */
  DmMap *std;      /* 1 plane; NULL when fewer than 2 samples */
  DmMap *samples;  /* K planes; NULL when K = 0 */
  DmMap *signif;   /* 1 plane; NULL with std */
  DmMap *std_raw;  /* 1 plane: the std before calibration; NULL when not calibrated */
} DmPosterior;

/* Takes ownership of mean and samples (either may be NULL, not both); makes
 * std and signif from the samples when there are at least 2; mean is the
 * sample mean when NULL (one sample's mean is that sample).  On failure the
 * maps given are freed. */
DmPosterior *dm_posterior_new(DmMap *mean, DmMap *samples, DmError **error);
void dm_posterior_free(DmPosterior *posterior);

/* Scales the samples' spread about their mean by calibration->factor (it
 * must be present, and the posterior have at least 2 samples): samples,
 * std and signif become the calibrated ones, std_raw the std before, and
 * the mean's header records the calibration. */
bool dm_posterior_calibrate(DmPosterior *posterior, const DmCalibration *calibration,
                            DmError **error);

bool dm_posterior_write(const char *path, const DmPosterior *posterior, DmError **error);
DmPosterior *dm_posterior_read(const char *path, DmError **error);

/* Whether path is a readable FITS file with a STD or SAMPLES image
 * extension: a posterior file, not a catalogue.  Never fails. */
bool dm_posterior_file_probe(const char *path);

#ifdef __cplusplus
}
#endif

#endif

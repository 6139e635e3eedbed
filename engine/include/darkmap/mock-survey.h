/* Mock binned shear of a survey from a convergence map.
 *
 * The signal is g = A kappa (Kaiser-Squires forward operator, ks.h, with
 * kappa_B = 0) on the periodic grid of the kappa map, in the weak-lensing
 * limit (shear, not reduced shear).  The noise is one of:
 *  - rotated real noise: every galaxy of the real catalogue has its
 *    ellipticity rotated by a random angle, e -> e exp(2 i phi) with phi
 *    uniform in [0, pi), and the rotated catalogue is binned on the survey's
 *    grid (dm_bin_catalog).  This keeps the true per-pixel noise amplitude,
 *    its spatial variation and the mask, and removes the lensing signal.
 *    phi of galaxy i comes from the Philox block with counter (i, stream)
 *    under the seed: deterministic per seed and independent of the order.
 *  - Gaussian noise: N(0, sigma²) per pixel and component from a noise std
 *    map (2 planes), drawn from DmRng(seed, stream).
 *  - none.
 * The mock shear is signal + noise inside the mask and 0 outside it (as a
 * binned survey holds 0 in empty pixels). */
#ifndef DARKMAP_MOCK_SURVEY_H
#define DARKMAP_MOCK_SURVEY_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/error.h"
#include "darkmap/map.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DM_MOCK_NOISE_NONE,
  DM_MOCK_NOISE_ROTATED,   /* rotated real galaxies, binned */
  DM_MOCK_NOISE_GAUSSIAN,  /* from the survey's noise std map */
} DmMockNoise;

/* A survey's grid, mask and noise, ready to make mocks from. */
typedef struct DmMockSurvey DmMockSurvey;

/* Rotated real noise from a catalogue (borrowed: it must outlive the
 * survey) binned with spec; a spec without centre is centred once on the
 * catalogue median.  The real binning gives the mask, counts and noise. */
DmMockSurvey *dm_mock_survey_new_rotated(const DmCatalog *catalog, const DmGridSpec *spec,
                                         DmError **error);

/* Gaussian noise from a binned survey's noise std and mask (copied). */
DmMockSurvey *dm_mock_survey_new_gaussian(const DmBinnedShear *survey, DmError **error);

/* No noise: an nx × ny grid, unmasked, with this WCS (copied; may be NULL). */
DmMockSurvey *dm_mock_survey_new_noiseless(int nx, int ny, const DmWcs *wcs, DmError **error);

void dm_mock_survey_free(DmMockSurvey *survey);

DmMockNoise dm_mock_survey_noise(const DmMockSurvey *survey);

/* The survey's binned template: mask, counts, weight, noise std and WCS
 * (shear planes hold the real binned shear for rotated noise, else 0). */
const DmBinnedShear *dm_mock_survey_template(const DmMockSurvey *survey);

/* One mock: a DmBinnedShear whose shear is the mock (2 planes) and whose
 * counts, weight, noise and mask are the survey's, with the WCS of the
 * survey.  kappa is 1 plane of the survey's nx × ny (its WCS, if any, must
 * match the survey's to 0.01 pixel).  noise_seed selects the noise
 * realisation; stream separates realisations of one seed. */
DmBinnedShear *dm_mock_survey_make(const DmMockSurvey *survey, const DmMap *kappa,
                                   uint64_t noise_seed, uint64_t stream, DmError **error);

/* The noise alone, as a binned shear (shear = noise realisation, 0 outside
 * the mask): for rotated noise, the rotated catalogue binned. */
DmBinnedShear *dm_mock_survey_noise_only(const DmMockSurvey *survey, uint64_t noise_seed,
                                         uint64_t stream, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* Calibrated credible intervals for the learned samplers (an MMGAN
 * generator, a score network sampled by annealed HMC): one split-conformal
 * factor on the spread of the samples, fitted on simulated surveys of the
 * model's geometry, stored in the weights file's metadata and applied
 * whenever the model samples (darkmap/reconstruct.h); the fit is
 * darkmap/model-calibration.h.
 *
 * The factor.  The k samples of one pixel have a mean m and a std s (k − 1
 * in the denominator), the error bar the posterior file's STD shows; the
 * interval m ± z_L s, z_L = Phi^-1((1 + L) / 2) (0.994 at 68 %, 1.960 at
 * 95 %), is the error bar of level L it implies.  Scaling every sample's
 * deviation from the mean by c, x' = m + c (x − m), scales s by c.  A
 * pixel's conformity score is the smallest c whose interval holds the
 * truth t:
 *   score = |t − m| / (z_L s)   (0 when t = m; +inf when s = 0 and t != m).
 * Over n calibration pixels the factor c_L is the ceil((n + 1) L)-th
 * smallest score (split conformal prediction; Vovk et al. 2005, Angelopoulos
 * & Bates 2023).  If a new (survey, pixel) is exchangeable with the
 * calibration ones, m ± c_L z_L s holds its truth with probability at least
 * L.  The error bars are built from the mean and std rather than from the
 * samples' quantiles so that the factor does not depend on how many samples
 * are drawn: with k samples the quantile interval of an exact posterior
 * covers only about L (k − 1) / (k + 1) (0.639 for 32 samples at 68 %), the
 * std interval L up to the estimate's own scatter, and the calibrated STD
 * map stays a posterior std.  What the guarantee promises, and what not: it
 * is marginal, over pixels and over skies drawn as the calibration mocks are
 * (lognormal fields with NFW haloes, the survey's mask and noise); it holds
 * for a pixel of a new mock only in so far as the pixels of one mock, which
 * are correlated, behave as exchangeable draws (checked on evaluation mocks,
 * not assumed); it says nothing about one given pixel, nor about real skies
 * that differ * from the simulations.  A sampler that is already calibrated has c ≈ 1 (the
 * exact Gaussian posterior: tests/evaluation/test-calibration.c).
 *
 * One factor is applied, the one at DM_CALIBRATION_LEVEL (68 %: the error
 * bars a map's std shows); the 95 % factor is stored beside it and reported.
 *
 * Metadata keys of a calibrated weights file (strings, as every safetensors
 * metadata value): "calibration_sampler" ("mmgan" or "score-hmc": the
 * sampler the factor holds for), "calibration_level", "calibration_factor",
 * "calibration_factor95", "calibration_mocks", "calibration_samples",
 * "calibration_seed", "calibration_pixels", "calibration_grid" ("NXxNY at
 * P arcmin").  Tensors and every other key are kept as they were. */
#ifndef DARKMAP_CALIBRATION_H
#define DARKMAP_CALIBRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DM_CALIBRATION_LEVEL 0.68

/* ---- Conformal scores and factors (arrays of npix; mask > 0 selects) ---- */

/* The conformity score (above) of every selected pixel of k >= 2 samples
 * (k consecutive maps of npix) at level (0 < level < 1), into scores (room
 * for npix); *n receives how many. */
bool dm_conformity_scores(const float *truth, const float *samples, int k, const float *mask,
                          size_t npix, double level, double *scores, size_t *n,
                          DmError **error);

/* The split-conformal factor at level of n >= 1 scores (sorted in place):
 * the ceil((n + 1) level)-th smallest.  Fails with DM_ERROR_NO_DATA when n
 * is too small for that rank to exist (n < level / (1 − level)) or the
 * factor is not finite (the samples leave no room for the truths). */
bool dm_conformal_factor(double *scores, size_t n, double level, double *factor,
                         DmError **error);

/* Coverage of the error bars m ± factor z_L s of level (above): the
 * fraction of selected pixels whose score is at most factor (> 0). */
bool dm_calibrated_coverage(const float *truth, const float *samples, int k, const float *mask,
                            size_t npix, double level, double factor, double *coverage,
                            DmError **error);

/* Scales the spread of k samples (maps of npix) about their per-pixel mean
 * by factor, in place: the mean is unchanged, the std multiplied by factor. */
void dm_calibration_apply(float *samples, int k, size_t npix, double factor);

/* ---- A model's calibration ---------------------------------------------- */

typedef struct {
  bool present;          /* the file holds a calibration */
  char sampler[16];      /* "mmgan" or "score-hmc" */
  double level;          /* the level of factor (DM_CALIBRATION_LEVEL) */
  double factor;         /* the scale applied to the samples' spread */
  double factor95;       /* the factor at 95 % (reported, not applied) */
  int n_mocks;           /* calibration mocks ... */
  int n_samples;         /* ... samples on each ... */
  uint64_t seed;         /* ... their dataset's seed ... */
  int64_t n_pixels;      /* ... and scored pixels in all */
  int nx, ny;            /* the calibration grid */
  double pixel_arcmin;
} DmCalibration;

/* The calibration in st's metadata (path names the file in messages):
 * present = false when it has none; a key present but malformed (not a
 * number, factor not finite and positive, level outside (0, 1), an unknown
 * sampler) fails with DM_ERROR_FORMAT. */
bool dm_calibration_read(const DmSafetensors *st, const char *path, DmCalibration *calibration,
                         DmError **error);

/* Rewrites the weights file at model_path with calibration's keys in its
 * metadata (replacing earlier ones), tensors and other keys unchanged,
 * atomically: a failure leaves the file as it was. */
bool dm_calibration_store(const char *model_path, const DmCalibration *calibration,
                          DmError **error);

/* "×1.43 at 68 % (95 %: ×1.38), 4 mocks of 360x360 at 0.29'", for headers
 * and lists; into text of size bytes. */
void dm_calibration_describe(const DmCalibration *calibration, char *text, size_t size);

#ifdef __cplusplus
}
#endif

#endif

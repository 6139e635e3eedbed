/* Mass-mapping methods scored against the truth of a simulated survey.
 *
 * One mock (darkmap/dataset.h: a lognormal field with the theory C_ell,
 * optionally NFW haloes, the shear of the survey: its mask and its noise,
 * rotated real galaxies for a survey from a catalogue) is reconstructed by
 * the baselines chosen (all by default) and the models given:
 *  - Kaiser-Squires, smoothed by the Gaussian (sigma in pixels from a fixed
 *    list, 0 included) that gives the highest r: the best KS map;
 *  - the Wiener filter and its constrained realisations (darkmap/wiener.h);
 *  - the score sampler (darkmap/score.h) with the theory prior alone, and
 *    with a network residual when one is given;
 *  - the probability-flow sampler (darkmap/score-flow.h), theory prior;
 *  - the MMGAN generator (darkmap/mmgan.h) when one is given;
 * and each is scored inside the mask (mask > 0) by the Pearson r and the RMSE
 * of its map (the filter itself for the Wiener filter, the samples' mean for
 * the score sampler) against the truth less its
 * mean over the grid (the k = 0 mode, which the mock's shear does not hold
 * and every method sets to 0; haloes make it ~0.02 on COSMOS grids), and,
 * for the samplers, by the coverage of the per-pixel central 68 % and 95 %
 * credible intervals of the samples: the fraction of masked-in pixels whose
 * truth lies between the samples' (1 − level) / 2 and (1 + level) / 2
 * quantiles (linear interpolation between order statistics, NumPy's
 * default).  For the samplers, r is also given for the mean of the first
 * 1, 2, 4, … samples: how the mean's quality grows with their number.
 * Every map also has its bias inside the mask: the mean of (map − truth)
 * over the scored pixels (the k = 0 convention above makes it ~0 for an
 * unbiased method).
 *
 * Coverage diagnostics of the samplers beyond the per-pixel intervals:
 *  - aperture means: the mean of kappa in discs of radius aperture_arcmin
 *    (cluster scale, default 2') centred on a regular lattice of centres
 *    one radius apart, (i r, j r) in pixels (pixel centres at integers), a
 *    disc being the pixels whose centres lie within r of its centre; only
 *    discs whose every pixel is on the grid with data (mask > 0) are scored:
 *    the coverage of the central 68 % / 95 % intervals of the samples'
 *    aperture means (the quantile rule above);
 *  - TARP (Lemos et al. 2023, "Sampling-based accuracy testing of posterior
 *    estimators"): the expected coverage probability ECP(alpha) of the
 *    random-reference-point test on tiles of tarp_tile × tarp_tile pixels
 *    wholly inside the mask (the grid cut into tiles from its corner), each
 *    tile's pixels one parameter vector.  For each tile a reference point is
 *    drawn uniformly in the box spanned by its samples and the truth (Philox
 *    stream of the tile's number, seeded: reproducible), f = the fraction of
 *    samples closer (Euclidean) to it than the truth, and ECP(alpha) = the
 *    fraction of tiles with f < alpha.  The box holds the truth too so that
 *    the reference is a symmetric function of the k + 1 points: for a
 *    calibrated sampler the truth is then one more draw among its samples
 *    and its rank is uniform (a box of the samples alone puts the truth
 *    outside it more often than a sample, and drew ECP(0.5) = 0.42 instead
 *    of 0.48 for exact Gaussian posteriors of 64 pixels with 32 samples).
 *    With k samples f takes the values j / k, so a calibrated sampler gives
 *    ECP(alpha) = #{j = 0 … k : j < alpha k} / (k + 1), within 1 / (k + 1)
 *    of alpha (0.023 for 32 samples: the floor of tarp_error).  Above the
 *    diagonal the intervals are too wide, below too narrow.
 * Per-pixel intervals of k samples' quantiles also cover a little less than
 * their level: level (k − 1) / (k + 1) for the exact posterior (0.64 for
 * 68 % with 32 samples).  An aperture under half a pixel, or a mask
 * without room for one disc or one tile, leaves those diagnostics NaN in
 * dm_eval_mock (n_apertures or n_tarp_tiles 0), not a failure.
 *
 * Several mocks (n_mocks, tuple indices index, index + 1, …) are scored one
 * after the other with the same settings: every metric of the result is the
 * mean over the mocks and its scatter the sample std over them (divided by
 * n_mocks − 1; 0 for one mock; NaN where the metric is).  TARP's reference
 * points on a mock come from a Philox key derived from seed and the mock's
 * index, apart from the keys of the samplers.
 *
 * Calibration (darkmap/calibration.h): a sampler with a factor c in
 * calibration[method] is also scored by the coverage of its calibrated
 * error bars, mean ± c z_L std of its samples (z_L = 0.994 at 68 %, 1.960
 * at 95 %): coverage68_calibrated, … (NaN without).
 * on_samples, when set, receives every sampler's samples on every mock (the
 * raw ones): dm_calibrate_model collects its conformity scores through it.
 *
 * The score samplers run on a network-engine context (darkmap/score-device.h:
 * the CPU, or a GPU with cuFFT), all chains of a batch at once.
 *
 * Progress: each sampler that runs (Wiener, score, flow, hybrid, MMGAN)
 * takes an equal share of the whole run, its stage naming the samples done
 * ("Wiener samples: 8 of 32 samples"); the cancel flag is polled between
 * samples and score evaluations, and before every kernel op of a context
 * made here (dm_nn_set_cancel). */
#ifndef DARKMAP_MOCK_EVALUATION_H
#define DARKMAP_MOCK_EVALUATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/error.h"
#include "darkmap/mmgan.h"
#include "darkmap/mock-survey.h"
#include "darkmap/progress.h"
#include "darkmap/score-device.h"
#include "darkmap/score-flow.h"
#include "darkmap/score.h"
#include "darkmap/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Metrics (arrays of npix floats; mask > 0 selects pixels) ---------- */

/* Pearson r and RMSE of estimate against truth.  Fails with
 * DM_ERROR_NO_DATA when fewer than 2 pixels are selected. */
bool dm_eval_compare(const float *truth, const float *estimate, const float *mask, size_t npix,
                     double *r, double *rmse, DmError **error);

/* Coverage of the central credible interval of probability level (0 < level
 * < 1) from k >= 2 samples (k consecutive maps of npix). */
bool dm_eval_coverage(const float *truth, const float *samples, int k, const float *mask,
                      size_t npix, double level, double *coverage, DmError **error);

/* Mean of (estimate − truth) over the selected pixels.  Fails with
 * DM_ERROR_NO_DATA when none is selected. */
bool dm_eval_bias(const float *truth, const float *estimate, const float *mask, size_t npix,
                  double *bias, DmError **error);

/* Coverage of the central credible interval of probability level of the
 * aperture means (above) of k >= 2 samples (nx × ny maps) against the
 * truth's: discs of radius_pixels (>= 0.5) on the lattice above.  *n_apertures
 * receives the number of discs scored; fails with DM_ERROR_NO_DATA when no
 * disc fits inside the mask. */
bool dm_eval_aperture_coverage(const float *truth, const float *samples, int k, const float *mask,
                               int nx, int ny, double radius_pixels, double level,
                               double *coverage, int *n_apertures, DmError **error);

/* TARP levels: alpha_i = (i + 1) / (DM_EVAL_TARP_LEVELS + 1), i.e. 0.05, 0.10, …, 0.95. */
#define DM_EVAL_TARP_LEVELS 19
double dm_eval_tarp_alpha(int i);

/* TARP's expected coverage ECP(alpha_i) (above) of k >= 2 samples on tiles of
 * tile × tile pixels (tile >= 1) wholly inside the mask, each tile's
 * reference point uniform in the box of its samples and truth, from the
 * Philox key seed and the stream of the tile's number (ty × (nx / tile) +
 * tx).  *n_tiles receives the tiles scored; fails with DM_ERROR_NO_DATA when
 * none fits. */
bool dm_eval_tarp(const float *truth, const float *samples, int k, const float *mask, int nx,
                  int ny, int tile, uint64_t seed, double ecp[DM_EVAL_TARP_LEVELS], int *n_tiles,
                  DmError **error);

/* The Kaiser-Squires map of (g1, g2) (ny × nx each) smoothed by the
 * Gaussian, from a fixed list of sigmas in pixels (0 included), that gives
 * the highest r against truth inside the mask: its r, RMSE and sigma. */
bool dm_eval_best_ks(const float *truth, const float *g1, const float *g2, const float *mask,
                     int nx, int ny, double *r, double *rmse, double *sigma_pixels,
                     DmError **error);

/* ---- The evaluation ------------------------------------------------------ */

typedef enum {
  DM_EVAL_KS,            /* smoothed Kaiser-Squires, best smoothing */
  DM_EVAL_WIENER,        /* Wiener filter; samples: constrained realisations */
  DM_EVAL_SCORE,         /* score sampler, theory prior alone */
  DM_EVAL_SCORE_HYBRID,  /* score sampler with the network (hybrid, or plain alone) */
  DM_EVAL_SCORE_FLOW,    /* probability-flow sampler, theory prior alone */
  DM_EVAL_MMGAN,         /* MMGAN generator */
  DM_EVAL_N_METHODS,
} DmEvalMethod;

/* The bit of a method in DmEvalConfig.baselines. */
#define DM_EVAL_BIT(method) (1u << (method))
/* Every baseline: KS, the Wiener filter, the theory-only score sampler and
 * the probability flow (the last two take minutes on a CPU). */
#define DM_EVAL_ALL_BASELINES                                                      \
  (DM_EVAL_BIT(DM_EVAL_KS) | DM_EVAL_BIT(DM_EVAL_WIENER) | DM_EVAL_BIT(DM_EVAL_SCORE) | \
   DM_EVAL_BIT(DM_EVAL_SCORE_FLOW))

/* r of the mean of the first 2^j samples, j < DM_EVAL_MAX_COUNTS. */
#define DM_EVAL_MAX_COUNTS 12

typedef struct {
  bool done;            /* the method ran (the hybrid only with a residual) */
  double r, rmse;       /* of the map (mean of the samples) */
  double bias;          /* mean of (map − truth) over the scored pixels */
  double coverage68, coverage95;  /* samplers only; NaN for KS */
  /* Samplers with a calibration factor: the coverage of the calibrated
   * error bars (above); NaN
   * without (and for KS). */
  double coverage68_calibrated, coverage95_calibrated;
  /* Samplers: the coverage of aperture means (NaN for KS). */
  double aperture68, aperture95;
  /* Samplers: TARP's ECP(alpha_i) and max_i |ECP(alpha_i) − alpha_i| (NaN
   * for KS). */
  double tarp_ecp[DM_EVAL_TARP_LEVELS];
  double tarp_error;
  double seconds;       /* wall time of the method, samples included */
  int n_counts;         /* samplers: entries of r_by_count (2^j <= samples) */
  double r_by_count[DM_EVAL_MAX_COUNTS];
} DmEvalMetrics;

/* Receives k samples (k maps of npix) of a sampler on one mock, its
 * truth (less its grid mean) and mask; returning false (with error set)
 * stops the evaluation with that error. */
typedef bool (*DmEvalSamplesHook)(void *hook_data, DmEvalMethod method, const float *truth,
                                  const float *samples, int k, const float *mask, size_t npix,
                                  DmError **error);

typedef struct {
  const DmTheorySpectrum *theory;  /* borrowed; the prior of WF and score, and the mock's */
  const DmMockSurvey *survey;      /* borrowed; grid (with WCS), mask and noise */
  uint64_t seed, index;            /* the mock: tuple index of the dataset of this seed */
  bool haloes;                     /* NFW haloes in the truth (default true) */
  double halo_concentration_scatter;  /* their sigma of ln c (darkmap/halo-population.h);
                                         0 (default): Duffy et al. 2008's c */
  bool halo_elliptical;            /* elliptical haloes (default false: round) */
  const char *truths_path;         /* NULL (default): simulated truths.  Else a FITS cube or
                                      folder of maps (N-body maps: darkmap/nbody-sky.h) cut
                                      into tiles of the survey's (square) grid as
                                      darkmap/cosmogan-train.h reads them: the mock of
                                      tuple index i takes tile i as its truth (the shear,
                                      mask and noise of tuple i as simulated); the file's
                                      WCS pixel must be the survey's within 1 % */
  int n_samples;                   /* WF and score samples, >= 2 (default 32) */
  DmScoreSamplerOptions sampler;   /* the theory-only sampler's settings */
  DmScoreFlowOptions flow;         /* the flow sampler's (seed: sampler.seed) */
  DmNn *nn;                        /* the score samplers' context (NULL: one CPU thread) */
  int chains_per_batch;            /* score chains run at once (default 16) */
  DmScoreNetwork *network;         /* NULL: no hybrid run; must run on nn */
  DmMmgan *mmgan;                  /* NULL: no MMGAN run; on the survey's grid */
  double hybrid_step_scale;        /* step scale with the residual (default 0.2) */
  unsigned baselines;              /* DM_EVAL_BIT of the baselines run (KS, WIENER,
                                      SCORE, SCORE_FLOW; default DM_EVAL_ALL_BASELINES);
                                      the network and MMGAN run whenever given */
  int n_mocks;                     /* mocks scored, tuple indices index, index + 1, …
                                      (default 1) */
  double aperture_arcmin;          /* radius of the aperture means (default 2) */
  int tarp_tile;                   /* side of TARP's tiles in pixels (default 8) */
  /* Calibration factor of each sampler's spread (darkmap/calibration.h);
   * 0 (default): not calibrated. */
  double calibration[DM_EVAL_N_METHODS];
  DmEvalSamplesHook on_samples;    /* NULL: none */
  void *hook_data;                 /* given to on_samples */
} DmEvalConfig;

void dm_eval_config_init(DmEvalConfig *config);

/* Over several mocks: each value is the mean over the mocks, and scatter
 * holds the std over them of every metric (0 for one mock). */
typedef struct {
  DmEvalMetrics method[DM_EVAL_N_METHODS];
  DmEvalMetrics scatter[DM_EVAL_N_METHODS];
  int n_mocks;             /* mocks scored */
  double ks_sigma_pixels;  /* the best KS smoothing (of the first mock) */
  long n_haloes;           /* haloes in the truth (mean over the mocks, rounded) */
  size_t n_pixels;         /* masked-in pixels scored */
  int n_apertures;         /* aperture means scored per mock */
  int n_tarp_tiles;        /* TARP tiles per mock */
  double truth_std;        /* std of the truth over those pixels (mean) */
  double truth_mean;       /* the truth's mean over the grid, removed (mean) */
} DmEvalResult;

/* Runs the methods on the mocks.  Fails with DM_ERROR_INVALID_ARGUMENT (no
 * theory or survey, a survey without WCS, fewer than 2 samples, no mock, a
 * grid that is not square with truths_path, a truths file with too few
 * finite tiles or another pixel scale, an aperture radius or a TARP tile
 * not positive, a negative calibration factor), the methods' errors
 * (DM_ERROR_CANCELLED through progress) or on_samples' error. */
bool dm_eval_mock(const DmEvalConfig *config, DmEvalResult *result, const DmProgress *progress,
                  DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* The exact Gaussian case shared by the score samplers' tests: 32 × 32
 * pixels of 2', a masked 8 × 6 hole, noise std rising from 0.02 to 0.04
 * across the field (per shear component), and a truth drawn from the given
 * prior, sheared and noised.  The data live in this file's static arrays
 * (one copy per test program). */
#ifndef DARKMAP_SCORE_GAUSSIAN_CASE_H
#define DARKMAP_SCORE_GAUSSIAN_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "darkmap/gaussian-field.h"
#include "darkmap/ks.h"
#include "darkmap/rng.h"
#include "darkmap/theory.h"
#include "darkmap/wiener.h"
#include "test-util.h"

enum { N = 32 };
#define NPIX ((size_t)N * N)
static const double PIXEL_ARCMIN = 2.0;

static float g1[NPIX], g2[NPIX], std1[NPIX], std2[NPIX], mask[NPIX];

static inline bool in_hole(int x, int y) {
  return x >= 12 && x < 20 && y >= 10 && y < 16;
}

static inline void make_data(const DmTheorySpectrum *theory) {
  DmError *error = NULL;
  float truth[NPIX];
  CHECK_OK(dm_gaussian_field(theory, N, N, PIXEL_ARCMIN, 31, truth, &error), error);
  DmKsPlan *ks = dm_ks_plan_new(N, N, &error);
  CHECK_OK(ks != NULL, error);
  if (ks) dm_ks_plan_kappa_to_shear(ks, truth, NULL, g1, g2);
  dm_ks_plan_free(ks);
  DmRng rng;
  dm_rng_init(&rng, 32, 0);
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++) {
      size_t i = (size_t)y * N + x;
      std1[i] = std2[i] = (float)(0.02 + 0.02 * x / (N - 1.0));
      mask[i] = in_hole(x, y) ? 0.0f : 1.0f;
      g1[i] += (float)(std1[i] * dm_rng_normal(&rng));
      g2[i] += (float)(std2[i] * dm_rng_normal(&rng));
    }
}

/* Per-pixel mean and variance of n maps. */
static inline void moments(const float *maps, int n, double *mean, double *var) {
  for (size_t i = 0; i < NPIX; i++) {
    double s = 0.0, s2 = 0.0;
    for (int k = 0; k < n; k++) s += maps[(size_t)k * NPIX + i];
    s /= n;
    for (int k = 0; k < n; k++) {
      double d = maps[(size_t)k * NPIX + i] - s;
      s2 += d * d;
    }
    mean[i] = s;
    var[i] = s2 / (n - 1);
  }
}

/* The exact posterior of the case under the prior theory: its Wiener filter
 * into wf (NPIX) and, when n > 0, the per-pixel mean and variance of n
 * constrained realisations of seed (NPIX each).  Failures are test
 * failures. */
static inline void exact_posterior(const DmTheorySpectrum *theory, int n, uint64_t seed,
                                   float *wf, double *mean, double *var) {
  DmError *error = NULL;
  DmWienerOptions options;
  dm_wiener_options_init(&options);
  options.tolerance = 1e-7;
  DmWiener *wiener = dm_wiener_new(N, N, PIXEL_ARCMIN, theory, std1, std2, mask, &options, &error);
  CHECK_OK(wiener != NULL, error);
  if (!wiener) return;
  CHECK_OK(dm_wiener_filter(wiener, g1, g2, wf, NULL, NULL, &error), error);
  float *maps = n > 0 ? malloc((size_t)n * NPIX * sizeof(float)) : NULL;
  for (int k = 0; maps && k < n; k++)
    CHECK_OK(dm_wiener_sample(wiener, g1, g2, seed, (uint64_t)k, maps + (size_t)k * NPIX, NULL,
                              NULL, &error),
             error);
  if (maps) moments(maps, n, mean, var);
  free(maps);
  dm_wiener_free(wiener);
}

#endif

/* The exact Gaussian check of the score sampler.  32 × 32 pixels of 2', the
 * kTNG C_ell prior, a masked 8 × 6 hole and noise std rising from 0.02 to
 * 0.04 across the field (per shear component): a truth drawn from the prior,
 * its shear plus noise.  With the network residual off, the annealed HMC
 * samples the Gaussian posterior, whose mean is the Wiener filter and whose
 * scatter is that of the constrained realisations (dm_wiener_sample):
 *  - rms over pixels of (sample mean − WF) / posterior std is ~1/sqrt(n)
 *    for n unbiased samples (it would be 1 for a single sample);
 *  - the pixel-averaged sample variance matches the exact posterior
 *    variance, in the data region and in the hole;
 *  - the Metropolis variant accepts nearly all trajectories;
 *  - same seed, same samples; cancellation leaves the output untouched;
 *    bad settings and mismatched grids are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "darkmap/fft.h"
#include "darkmap/score.h"
#include "score-gaussian-case.h"
#include "test-util.h"

enum { N_SAMPLES = 512, N_WIENER = 512 };

static void cancel_now(void *user_data, double fraction, const char *stage) {
  (void)fraction;
  (void)stage;
  atomic_store((atomic_int *)user_data, 1);
}

int main(void) {
  DmError *error = NULL;
  /* 32² transforms are fastest on one thread. */
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return 1;
  make_data(theory);

  /* The exact posterior: WF map and the variance of constrained realisations. */
  float *wf = malloc(NPIX * sizeof(float));
  double *exact_mean = malloc(NPIX * sizeof(double)), *exact_var = malloc(NPIX * sizeof(double));
  exact_posterior(theory, N_WIENER, 77, wf, exact_mean, exact_var);

  /* The score sampler, residual off. */
  DmScorePrior *prior = dm_score_prior_new(theory, N, N, PIXEL_ARCMIN, &error);
  DmScoreLikelihood *like = dm_score_likelihood_new(N, N, g1, g2, std1, std2, mask, &error);
  CHECK_OK(prior && like, error);
  DmScoreSamplerOptions options;
  dm_score_sampler_options_init(&options);
  options.seed = 5;
  DmScoreSampler *sampler = dm_score_sampler_new(prior, like, NULL, NULL, &options, &error);
  CHECK_OK(sampler != NULL, error);
  float *samples = malloc((size_t)N_SAMPLES * NPIX * sizeof(float));
  DmScoreSamplerStats stats;
  clock_t start = clock();
  CHECK_OK(dm_score_sampler_run(sampler, 0, N_SAMPLES, samples, &stats, NULL, &error), error);
  double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
  printf("%d samples in %.2f s CPU (%.1f ms each), %ld gradients per chain\n", N_SAMPLES,
         seconds, 1e3 * seconds / N_SAMPLES, stats.gradients);

  double *mean = malloc(NPIX * sizeof(double)), *var = malloc(NPIX * sizeof(double));
  moments(samples, N_SAMPLES, mean, var);
  double z2 = 0.0, z2_wiener = 0.0, var_data = 0.0, exact_data = 0.0, var_hole = 0.0,
         exact_hole = 0.0;
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++) {
      size_t i = (size_t)y * N + x;
      double d = mean[i] - wf[i], dw = exact_mean[i] - wf[i];
      z2 += d * d / exact_var[i];
      z2_wiener += dw * dw / exact_var[i];
      if (in_hole(x, y)) {
        var_hole += var[i];
        exact_hole += exact_var[i];
      } else {
        var_data += var[i];
        exact_data += exact_var[i];
      }
    }
  double rms_z = sqrt(z2 / NPIX), rms_z_wiener = sqrt(z2_wiener / NPIX);
  double ratio_data = sqrt(var_data / exact_data), ratio_hole = sqrt(var_hole / exact_hole);
  printf("rms (mean − WF) / std = %.4f with %d samples (1/sqrt(n) = %.4f; %d constrained "
         "realisations: %.4f)\n",
         rms_z, N_SAMPLES, 1.0 / sqrt(N_SAMPLES), N_WIENER, rms_z_wiener);
  printf("std ratio (score / exact): %.4f with data, %.4f in the hole\n", ratio_data,
         ratio_hole);
  printf("posterior std: %.4g with data, %.4g in the hole\n",
         sqrt(exact_data / (NPIX - 48)), sqrt(exact_hole / 48));
  /* Tolerances: z² averages ~100 independent patches (std ~14 %: 7 % on
   * the rms); the data-region variance ratio is known to ~0.5 %, the hole's
   * (48 correlated pixels) to ~2 %.  A short annealing (10 levels, no final
   * trajectories) gives 1.036 and 1.041. */
  CHECK(rms_z < 1.15 / sqrt(N_SAMPLES));
  CHECK_CLOSE(ratio_data, 1.0, 0.02);
  CHECK_CLOSE(ratio_hole, 1.0, 0.04);

  /* With the Gaussian Metropolis step the energy is exact: nearly every
   * trajectory is accepted at step_scale 0.5 (a wrong gradient would not
   * be). */
  DmScoreSamplerOptions mh = options;
  mh.metropolis = true;
  DmScoreSampler *mh_sampler = dm_score_sampler_new(prior, like, NULL, NULL, &mh, &error);
  CHECK_OK(mh_sampler != NULL, error);
  float *mh_samples = malloc(32 * NPIX * sizeof(float));
  if (mh_sampler) {
    CHECK_OK(dm_score_sampler_run(mh_sampler, 0, 32, mh_samples, &stats, NULL, &error), error);
    double rate = (double)stats.accepted / (double)stats.trajectories;
    printf("Metropolis acceptance %.4f (%ld trajectories)\n", rate, stats.trajectories);
    CHECK(rate > 0.95);
  }
  dm_score_sampler_free(mh_sampler);
  free(mh_samples);

  /* Reproducible: chains 3 and 4 alone give the same samples as in the batch. */
  float again[2 * NPIX];
  CHECK_OK(dm_score_sampler_run(sampler, 3, 2, again, NULL, NULL, &error), error);
  CHECK(memcmp(again, samples + 3 * NPIX, sizeof again) == 0);

  /* Cancelled: fails, output untouched. */
  atomic_int cancel = 0;
  DmProgress progress = {cancel_now, &cancel, &cancel};
  float untouched[NPIX] = {0};
  CHECK_FAILS(dm_score_sampler_run(sampler, 0, 1, untouched, NULL, &progress, &error), error,
              DM_ERROR_CANCELLED);
  CHECK(untouched[0] == 0.0f && untouched[NPIX - 1] == 0.0f);

  /* Refused settings and grids. */
  DmScoreSamplerOptions bad = options;
  bad.n_levels = 1;
  CHECK_FAILS(dm_score_sampler_new(prior, like, NULL, NULL, &bad, &error) != NULL, error,
              DM_ERROR_INVALID_ARGUMENT);
  bad = options;
  bad.sigma_min = 2.0 * bad.sigma_max;
  CHECK_FAILS(dm_score_sampler_new(prior, like, NULL, NULL, &bad, &error) != NULL, error,
              DM_ERROR_INVALID_ARGUMENT);
  DmScoreLikelihood *small = dm_score_likelihood_new(N / 2, N / 2, g1, g2, std1, std2, NULL,
                                                     &error);
  CHECK_OK(small != NULL, error);
  CHECK_FAILS(dm_score_sampler_new(prior, small, NULL, NULL, &options, &error) != NULL, error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_score_likelihood_free(small);

  /* The posterior file. */
  DmPosterior *posterior =
      dm_score_posterior_new(samples, N_SAMPLES, N, N, NULL, &options, false, &error);
  CHECK_OK(posterior != NULL, error);
  if (posterior) {
    CHECK(posterior->std && posterior->samples && posterior->samples->nplanes == N_SAMPLES);
    CHECK_CLOSE(dm_map_plane(posterior->mean, 0)[100], mean[100], 1e-6);
    const char *path = dm_test_tmp_path("score-posterior.fits");
    CHECK_OK(dm_posterior_write(path, posterior, &error), error);
    DmPosterior *read = dm_posterior_read(path, &error);
    CHECK_OK(read != NULL, error);
    bool found = false;
    for (int c = 0; read && c < read->mean->n_cards; c++)
      if (strcmp(read->mean->cards[c].key, "NLEAP") == 0)
        found = read->mean->cards[c].number == options.n_leapfrog;
    CHECK(found);
    dm_posterior_free(read);
    remove(path);
  }
  dm_posterior_free(posterior);

  dm_score_sampler_free(sampler);
  dm_score_likelihood_free(like);
  dm_score_prior_free(prior);
  free(wf);
  free(exact_mean);
  free(exact_var);
  free(samples);
  free(mean);
  free(var);
  dm_theory_free(theory);
  return dm_test_result();
}

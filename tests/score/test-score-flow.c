/* The probability-flow sampler on the exact Gaussian case of
 * test-score-gaussian.c (32 × 32 pixels of 2', the kTNG prior, a masked
 * 8 × 6 hole, noise std 0.02 to 0.04): with the residual off and its
 * Langevin correctors, the samples' mean is the Wiener filter to within
 * ~0.06 posterior std beyond their scatter, their std is the constrained
 * realisations', and a sample takes a fifth of the score evaluations of an
 * HMC sample; the plain tempered ODE collapses the scatter.  Same seed,
 * same samples; bad settings are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "darkmap/fft.h"
#include "darkmap/score-flow.h"
#include "darkmap/score.h"
#include "score-gaussian-case.h"
#include "test-util.h"

enum { N_SAMPLES = 256, N_WIENER = 256, N_HMC = 64 };

static double cpu_seconds(void) {
  return (double)clock() / CLOCKS_PER_SEC;
}

int main(void) {
  DmError *error = NULL;
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return 1;
  make_data(theory);

  float *wf = malloc(NPIX * sizeof(float));
  double *exact_mean = malloc(NPIX * sizeof(double)), *exact_var = malloc(NPIX * sizeof(double));
  exact_posterior(theory, N_WIENER, 77, wf, exact_mean, exact_var);

  DmScorePrior *prior = dm_score_prior_new(theory, N, N, PIXEL_ARCMIN, &error);
  DmScoreLikelihood *like = dm_score_likelihood_new(N, N, g1, g2, std1, std2, mask, &error);
  CHECK_OK(prior && like, error);
  DmScoreFlowOptions options;
  dm_score_flow_options_init(&options);
  options.seed = 5;

  float *samples = malloc((size_t)N_SAMPLES * NPIX * sizeof(float));
  long gradients = 0;
  double start = cpu_seconds();
  CHECK_OK(dm_score_flow_run(prior, like, NULL, NULL, &options, 0, N_SAMPLES, samples, &gradients,
                             NULL, &error),
           error);
  double flow_ms = 1e3 * (cpu_seconds() - start) / N_SAMPLES;

  /* HMC with its defaults on the same problem, for the time per sample. */
  DmScoreSamplerOptions hmc;
  dm_score_sampler_options_init(&hmc);
  DmScoreSampler *sampler = dm_score_sampler_new(prior, like, NULL, NULL, &hmc, &error);
  CHECK_OK(sampler != NULL, error);
  float *hmc_samples = malloc((size_t)N_HMC * NPIX * sizeof(float));
  DmScoreSamplerStats stats;
  start = cpu_seconds();
  CHECK_OK(sampler && dm_score_sampler_run(sampler, 0, N_HMC, hmc_samples, &stats, NULL, &error),
           error);
  double hmc_ms = 1e3 * (cpu_seconds() - start) / N_HMC;
  printf("flow: %.2f ms per sample (%ld score evaluations); HMC: %.2f ms (%ld)\n", flow_ms,
         gradients, hmc_ms, stats.gradients);
  CHECK(gradients == 2 * options.n_steps - 1 + options.n_steps * options.n_corrector);
  CHECK(gradients * 5 < stats.gradients);

  double *mean = malloc(NPIX * sizeof(double)), *var = malloc(NPIX * sizeof(double));
  moments(samples, N_SAMPLES, mean, var);
  double z2 = 0.0, var_data = 0.0, exact_data = 0.0, var_hole = 0.0, exact_hole = 0.0;
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++) {
      size_t i = (size_t)y * N + x;
      double d = mean[i] - wf[i];
      z2 += d * d / exact_var[i];
      if (in_hole(x, y)) {
        var_hole += var[i];
        exact_hole += exact_var[i];
      } else {
        var_data += var[i];
        exact_data += exact_var[i];
      }
    }
  double rms_z = sqrt(z2 / NPIX);
  double ratio_data = sqrt(var_data / exact_data), ratio_hole = sqrt(var_hole / exact_hole);
  printf("rms (mean − WF) / std = %.4f with %d samples (1/sqrt(n) = %.4f)\n", rms_z, N_SAMPLES,
         1.0 / sqrt(N_SAMPLES));
  printf("std ratio (flow / exact): %.4f with data, %.4f in the hole\n", ratio_data, ratio_hole);
  /* Measured 0.084 against 1/sqrt(256) = 0.0625: a bias of ~0.06 posterior
   * std remains (2 correctors per step; 1 gives 0.11, 4 give 0.067).  The
   * std ratios (0.992, 1.003) are known to ~0.7 % and ~3 %.  Without
   * correctors the tempered flow collapses: rms 0.29, std ratio 0.24. */
  CHECK(rms_z < 0.1);
  CHECK_CLOSE(ratio_data, 1.0, 0.03);
  CHECK_CLOSE(ratio_hole, 1.0, 0.06);
  DmScoreFlowOptions plain = options;
  plain.n_corrector = 0;
  float *collapsed = malloc((size_t)64 * NPIX * sizeof(float));
  CHECK_OK(dm_score_flow_run(prior, like, NULL, NULL, &plain, 0, 64, collapsed, NULL, NULL,
                             &error),
           error);
  moments(collapsed, 64, mean, var);
  double var_plain = 0.0;
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      if (!in_hole(x, y)) var_plain += var[(size_t)y * N + x];
  printf("std ratio without correctors: %.4f with data\n", sqrt(var_plain / exact_data));
  CHECK(sqrt(var_plain / exact_data) < 0.5);
  free(collapsed);

  /* Reproducible, chain by chain. */
  float *again = malloc(2 * NPIX * sizeof(float));
  CHECK_OK(dm_score_flow_run(prior, like, NULL, NULL, &options, 3, 2, again, NULL, NULL, &error),
           error);
  CHECK(memcmp(again, samples + 3 * NPIX, 2 * NPIX * sizeof(float)) == 0);

  DmScoreFlowOptions bad = options;
  bad.n_steps = 0;
  CHECK_FAILS(dm_score_flow_run(prior, like, NULL, NULL, &bad, 0, 1, again, NULL, NULL, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  bad = options;
  bad.sigma_min = 0.5;
  CHECK_FAILS(dm_score_flow_run(prior, like, NULL, NULL, &bad, 0, 1, again, NULL, NULL, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  DmScoreLikelihood *small =
      dm_score_likelihood_new(N / 2, N / 2, g1, g2, std1, std2, NULL, &error);
  CHECK_FAILS(dm_score_flow_run(prior, small, NULL, NULL, &options, 0, 1, again, NULL, NULL,
                                &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  dm_score_likelihood_free(small);

  free(again);
  free(mean);
  free(var);
  free(hmc_samples);
  free(samples);
  dm_score_sampler_free(sampler);
  dm_score_likelihood_free(like);
  dm_score_prior_free(prior);
  free(exact_mean);
  free(exact_var);
  free(wf);
  dm_theory_free(theory);
  return dm_test_result();
}

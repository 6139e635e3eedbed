/* The exact Gaussian check of the device samplers (darkmap/score-device.h)
 * on the CPU backend: the case of score-gaussian-case.h (32 × 32 pixels of
 * 2', kTNG prior, a masked hole, noise rising across the field), residual
 * off, so that the target is the Gaussian posterior whose mean is the
 * Wiener filter and whose scatter is that of its constrained realisations:
 *  - annealed HMC, all 512 chains in one batch: rms over pixels of
 *    (mean − WF) / posterior std ~ 1/sqrt(n); std ratio 1 with data and in
 *    the hole; the Gaussian Metropolis variant accepts nearly everything;
 *  - the probability flow: std ratio and mean as test-score-flow.c;
 *  - chains 3 and 4 run alone equal the same chains of the batch; a second
 *    seed differs; cancellation leaves the output untouched; bad options
 *    and mismatched grids are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "darkmap/fft.h"
#include "darkmap/nn.h"
#include "darkmap/score-device.h"
#include "darkmap/wiener.h"
#include "score-gaussian-case.h"
#include "test-util.h"

enum { N_SAMPLES = 512, N_FLOW = 256, N_WIENER = 512 };

static void cancel_now(void *user_data, double fraction, const char *stage) {
  (void)fraction;
  (void)stage;
  atomic_store((atomic_int *)user_data, 1);
}

/* rms over pixels of (mean − WF) / exact std, and the std ratios (samples /
 * exact) with data and in the hole. */
static void compare(const float *samples, int n, const float *wf, const double *exact_var,
                    double *rms_z, double *ratio_data, double *ratio_hole) {
  double *mean = malloc(NPIX * sizeof(double)), *var = malloc(NPIX * sizeof(double));
  moments(samples, n, mean, var);
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
  *rms_z = sqrt(z2 / NPIX);
  *ratio_data = sqrt(var_data / exact_data);
  *ratio_hole = sqrt(var_hole / exact_hole);
  free(mean);
  free(var);
}

int main(void) {
  DmError *error = NULL;
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return 1;
  make_data(theory);

  DmWienerOptions wopt;
  dm_wiener_options_init(&wopt);
  wopt.tolerance = 1e-7;
  DmWiener *wiener = dm_wiener_new(N, N, PIXEL_ARCMIN, theory, std1, std2, mask, &wopt, &error);
  CHECK_OK(wiener != NULL, error);
  float *wf = malloc(NPIX * sizeof(float));
  float *exact = malloc((size_t)N_WIENER * NPIX * sizeof(float));
  double *exact_mean = malloc(NPIX * sizeof(double)), *exact_var = malloc(NPIX * sizeof(double));
  CHECK_OK(dm_wiener_filter(wiener, g1, g2, wf, NULL, NULL, &error), error);
  for (int k = 0; k < N_WIENER; k++)
    CHECK_OK(dm_wiener_sample(wiener, g1, g2, 77, (uint64_t)k, exact + (size_t)k * NPIX, NULL,
                              NULL, &error),
             error);
  moments(exact, N_WIENER, exact_mean, exact_var);

  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  DmScorePrior *prior = dm_score_prior_new(theory, N, N, PIXEL_ARCMIN, &error);
  DmScoreLikelihood *like = dm_score_likelihood_new(N, N, g1, g2, std1, std2, mask, &error);
  CHECK_OK(nn && prior && like, error);
  DmScoreDevice *device = dm_score_device_new(nn, prior, like, NULL, NULL, &error);
  CHECK_OK(device != NULL, error);
  if (!device) return dm_test_result();

  /* Annealed HMC. */
  DmScoreSamplerOptions options;
  dm_score_sampler_options_init(&options);
  options.seed = 5;
  float *samples = malloc((size_t)N_SAMPLES * NPIX * sizeof(float));
  DmScoreSamplerStats stats;
  clock_t start = clock();
  CHECK_OK(dm_score_device_hmc(device, &options, 0, N_SAMPLES, samples, &stats, NULL, &error),
           error);
  double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
  printf("HMC: %d samples in %.2f s CPU (%.1f ms each), %ld gradients per chain\n", N_SAMPLES,
         seconds, 1e3 * seconds / N_SAMPLES, stats.gradients);
  CHECK(stats.gradients == options.n_levels * (1 + options.n_leapfrog) +
                               options.n_final * options.n_leapfrog);
  CHECK(stats.trajectories == (long)N_SAMPLES * (options.n_levels + options.n_final));
  double rms_z, ratio_data, ratio_hole;
  compare(samples, N_SAMPLES, wf, exact_var, &rms_z, &ratio_data, &ratio_hole);
  printf("HMC: rms (mean − WF) / std = %.4f (1/sqrt(n) = %.4f); std ratio %.4f with data, "
         "%.4f in the hole\n",
         rms_z, 1.0 / sqrt(N_SAMPLES), ratio_data, ratio_hole);
  /* The tolerances of test-score-gaussian.c (same case, same settings). */
  CHECK(rms_z < 1.15 / sqrt(N_SAMPLES));
  CHECK_CLOSE(ratio_data, 1.0, 0.02);
  CHECK_CLOSE(ratio_hole, 1.0, 0.04);

  /* Gaussian Metropolis: the energy is exact, nearly all accepted. */
  DmScoreSamplerOptions mh = options;
  mh.metropolis = true;
  float *mh_samples = malloc(32 * NPIX * sizeof(float));
  CHECK_OK(dm_score_device_hmc(device, &mh, 0, 32, mh_samples, &stats, NULL, &error), error);
  double rate = (double)stats.accepted / (double)stats.trajectories;
  printf("Metropolis acceptance %.4f (%ld trajectories)\n", rate, stats.trajectories);
  CHECK(rate > 0.95 && rate < 1.0);
  free(mh_samples);

  /* Reproducible and batch-independent; another seed differs. */
  float again[2 * NPIX];
  CHECK_OK(dm_score_device_hmc(device, &options, 3, 2, again, NULL, NULL, &error), error);
  CHECK(memcmp(again, samples + 3 * NPIX, sizeof again) == 0);
  DmScoreSamplerOptions other = options;
  other.seed = 6;
  CHECK_OK(dm_score_device_hmc(device, &other, 3, 2, again, NULL, NULL, &error), error);
  CHECK(memcmp(again, samples + 3 * NPIX, sizeof again) != 0);

  /* The probability flow (tolerances of test-score-flow.c). */
  DmScoreFlowOptions flow;
  dm_score_flow_options_init(&flow);
  flow.seed = 9;
  long gradients = 0;
  CHECK_OK(dm_score_device_flow(device, &flow, 0, N_FLOW, samples, &gradients, NULL, &error),
           error);
  CHECK(gradients == 2 * flow.n_steps - 1 + (long)flow.n_steps * flow.n_corrector);
  compare(samples, N_FLOW, wf, exact_var, &rms_z, &ratio_data, &ratio_hole);
  printf("flow: rms (mean − WF) / std = %.4f (1/sqrt(n) = %.4f); std ratio %.4f with data, "
         "%.4f in the hole; %ld gradients per chain\n",
         rms_z, 1.0 / sqrt(N_FLOW), ratio_data, ratio_hole, gradients);
  CHECK(rms_z < 0.1);
  CHECK_CLOSE(ratio_data, 1.0, 0.03);
  CHECK_CLOSE(ratio_hole, 1.0, 0.06);
  CHECK_OK(dm_score_device_flow(device, &flow, 3, 2, again, NULL, NULL, &error), error);
  CHECK(memcmp(again, samples + 3 * NPIX, sizeof again) == 0);

  /* Cancelled: fails, output untouched. */
  atomic_int cancel = 0;
  DmProgress progress = {cancel_now, &cancel, &cancel};
  float untouched[NPIX] = {0};
  CHECK_FAILS(dm_score_device_hmc(device, &options, 0, 1, untouched, NULL, &progress, &error),
              error, DM_ERROR_CANCELLED);
  atomic_store(&cancel, 0);
  CHECK_FAILS(dm_score_device_flow(device, &flow, 0, 1, untouched, NULL, &progress, &error),
              error, DM_ERROR_CANCELLED);
  CHECK(untouched[0] == 0.0f && untouched[NPIX - 1] == 0.0f);

  /* Refused settings, chains and grids; the context stays usable. */
  DmScoreSamplerOptions bad = options;
  bad.n_levels = 1;
  CHECK_FAILS(dm_score_device_hmc(device, &bad, 0, 1, untouched, NULL, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_score_device_hmc(device, &options, 0, 0, untouched, NULL, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  DmScoreFlowOptions bad_flow = flow;
  bad_flow.corrector_scale = 1.5;
  CHECK_FAILS(dm_score_device_flow(device, &bad_flow, 0, 1, untouched, NULL, NULL, &error),
              error, DM_ERROR_INVALID_ARGUMENT);
  DmScoreLikelihood *small = dm_score_likelihood_new(N / 2, N / 2, g1, g2, std1, std2, NULL,
                                                     &error);
  CHECK_OK(small != NULL, error);
  CHECK_FAILS(dm_score_device_new(nn, prior, small, NULL, NULL, &error) != NULL, error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_score_likelihood_free(small);
  CHECK(dm_nn_ok(nn));

  dm_score_device_free(device);
  dm_score_likelihood_free(like);
  dm_score_prior_free(prior);
  dm_nn_free(nn);
  dm_wiener_free(wiener);
  free(wf);
  free(exact);
  free(exact_mean);
  free(exact_var);
  free(samples);
  dm_theory_free(theory);
  return dm_test_result();
}

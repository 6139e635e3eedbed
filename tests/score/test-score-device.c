/* The device samplers' own interface (darkmap/score-device.h) on a caller's
 * CPU context, with a residual on tensors.  (The host samplers run the same
 * code: test-score-gaussian.c and test-score-flow.c are its exact Gaussian
 * checks.)  The case of score-gaussian-case.h (32 × 32 pixels of 2', kTNG
 * prior, a masked hole, noise rising across the field) with the theory
 * score of the kTNG C_ell plus the tensor residual r = s_2 − s_1, the
 * difference of the Gaussian scores of twice that C_ell and of it (one
 * dm_nn_fourier_filter call): the HMC must then sample the Gaussian
 * posterior of the doubled prior, whose mean is that prior's Wiener filter
 * (rms of (mean − WF_2) / std ~ 1/sqrt(n), and far from WF_1) and whose
 * scatter is that of its constrained realisations.  The same posterior
 * again with the theory score switched off (a plain prior) and the residual
 * the whole Gaussian score of the doubled prior.  Also: the context's
 * recording is restored and its temporaries emptied after a run; bad chains
 * and a residual's failure are reported as errors, and the context is
 * usable afterwards. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/fft.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "darkmap/score-device.h"
#include "score-gaussian-case.h"
#include "test-util.h"

enum { N_SAMPLES = 256, N_WIENER = 256 };

/* r = s_to − s_from on tensors: the filter −1/(P_to + s²) + 1/(P_from + s²)
 * over the full plane (P on the half plane: column kx > N/2 is the mode
 * (−ky, N − kx)). */
typedef struct {
  DmScorePrior *from, *to;  /* from NULL: r = s_to, the whole score */
  DmTensor *filter;  /* [1, 1, N, N] */
  float host[NPIX];
  int calls;
  bool fail;         /* record an error instead */
} Residual;

static DmTensor *doubled_prior(void *user_data, DmTensor *kappa, double sigma) {
  Residual *r = user_data;
  r->calls++;
  if (r->fail) {
    dm_nn_fail(kappa->nn, DM_ERROR_FAILED, "residual refused on purpose");
    return NULL;
  }
  const double *p_from = r->from ? dm_score_prior_power(r->from) : NULL;
  const double *p_to = dm_score_prior_power(r->to);
  int nkx = N / 2 + 1;
  for (int ky = 0; ky < N; ky++)
    for (int kx = 0; kx < N; kx++) {
      size_t m = kx < nkx ? (size_t)ky * nkx + kx : (size_t)((N - ky) % N) * nkx + (N - kx);
      r->host[ky * N + kx] = (float)((p_from ? 1.0 / (p_from[m] + sigma * sigma) : 0.0) -
                                     1.0 / (p_to[m] + sigma * sigma));
    }
  if (!dm_tensor_upload(r->filter, r->host, NPIX)) return NULL;
  return dm_nn_fourier_filter(kappa->nn, kappa, r->filter, true);
}

/* rms over pixels of (sample mean − filter) / exact std, for n samples. */
static double rms_to(const double *mean, const float *filter, const double *exact_var) {
  double z2 = 0.0;
  for (size_t i = 0; i < NPIX; i++)
    z2 += (mean[i] - filter[i]) * (mean[i] - filter[i]) / exact_var[i];
  return sqrt(z2 / NPIX);
}

int main(void) {
  DmError *error = NULL;
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmTheorySpectrum *doubled = dm_test_load_ktng_theory();
  if (!theory || !doubled) return 1;
  for (int i = 0; i < doubled->n; i++) doubled->cl[i] *= 2.0;
  make_data(theory);

  /* The doubled prior's posterior, and the original's filter. */
  static float wf1[NPIX], wf2[NPIX];
  double *exact_mean = malloc(NPIX * sizeof(double)), *exact_var = malloc(NPIX * sizeof(double));
  exact_posterior(doubled, N_WIENER, 78, wf2, exact_mean, exact_var);
  exact_posterior(theory, 0, 0, wf1, NULL, NULL);

  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  DmScorePrior *prior = dm_score_prior_new(theory, N, N, PIXEL_ARCMIN, &error);
  DmScorePrior *prior2 = dm_score_prior_new(doubled, N, N, PIXEL_ARCMIN, &error);
  DmScoreLikelihood *like = dm_score_likelihood_new(N, N, g1, g2, std1, std2, mask, &error);
  CHECK_OK(nn && prior && prior2 && like, error);
  if (!nn || !prior || !prior2 || !like) return dm_test_result();
  Residual residual = {.from = prior, .to = prior2, .filter = dm_tensor_new(nn, 1, 1, N, N)};
  DmScoreDevice *device = dm_score_device_new(nn, prior, like, doubled_prior, &residual, &error);
  CHECK_OK(device != NULL, error);
  if (!device) return dm_test_result();

  DmScoreSamplerOptions options;
  dm_score_sampler_options_init(&options);
  options.seed = 12;
  float *samples = malloc((size_t)N_SAMPLES * NPIX * sizeof(float));
  DmScoreSamplerStats stats;
  CHECK_OK(dm_score_device_hmc(device, &options, 0, N_SAMPLES, samples, &stats, NULL, &error),
           error);
  /* One residual call per score evaluation, all chains at once. */
  CHECK(residual.calls == stats.gradients);
  CHECK(dm_nn_is_recording(nn));
  size_t in_use = 0, cached = 0;
  dm_nn_memory_stats(nn, &in_use, &cached);
  /* Only the persistent tensors stay: the filter and D, conj(D). */
  CHECK(in_use <= 3 * 2 * NPIX * sizeof(float) + 4096);

  double *mean = malloc(NPIX * sizeof(double)), *var = malloc(NPIX * sizeof(double));
  moments(samples, N_SAMPLES, mean, var);
  double var_sum = 0.0, exact_sum = 0.0;
  for (size_t i = 0; i < NPIX; i++) {
    var_sum += var[i];
    exact_sum += exact_var[i];
  }
  double rms_z = rms_to(mean, wf2, exact_var), rms_original = rms_to(mean, wf1, exact_var);
  double ratio = sqrt(var_sum / exact_sum);
  printf("rms (mean − WF) / std: %.4f to the doubled prior's filter, %.4f to the original's "
         "(1/sqrt(n) = %.4f); std ratio %.4f; %d residual calls\n",
         rms_z, rms_original, 1.0 / sqrt(N_SAMPLES), ratio, residual.calls);
  /* z² averages ~100 patches (7 % on the rms); the variance ratio is known
   * to ~1 % with 256 samples against 256 realisations. */
  CHECK(rms_z < 1.2 / sqrt(N_SAMPLES));
  CHECK(rms_original > 3.0 * rms_z);
  CHECK_CLOSE(ratio, 1.0, 0.03);

  /* A plain prior: no theory score, the residual the doubled prior's whole
   * score; half the samples. */
  Residual plain = {.to = prior2, .filter = dm_tensor_new(nn, 1, 1, N, N)};
  DmScoreDevice *plain_device = dm_score_device_new(nn, prior, like, doubled_prior, &plain, &error);
  CHECK_OK(plain_device != NULL, error);
  if (plain_device) {
    dm_score_device_set_theory_prior(plain_device, false);
    CHECK_OK(dm_score_device_hmc(plain_device, &options, 0, N_SAMPLES / 2, samples, NULL, NULL,
                                 &error),
             error);
    moments(samples, N_SAMPLES / 2, mean, var);
    double plain_z = rms_to(mean, wf2, exact_var), plain_original = rms_to(mean, wf1, exact_var);
    printf("plain prior: rms (mean − WF) / std %.4f to the doubled prior's filter, %.4f to the "
           "original's (1/sqrt(n) = %.4f)\n",
           plain_z, plain_original, 1.0 / sqrt(N_SAMPLES / 2));
    CHECK(plain_z < 1.2 / sqrt(N_SAMPLES / 2));
    CHECK(plain_original > 2.0 * plain_z);
  }
  dm_score_device_free(plain_device);
  dm_tensor_free(plain.filter);

  /* Failures: bad chains; a residual's error, with the context usable after. */
  CHECK_FAILS(dm_score_device_hmc(device, &options, -1, 1, samples, NULL, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  residual.fail = true;
  DmScoreFlowOptions flow;
  dm_score_flow_options_init(&flow);
  CHECK_FAILS(dm_score_device_flow(device, &flow, 0, 2, samples, NULL, NULL, &error), error,
              DM_ERROR_FAILED);
  CHECK(dm_nn_ok(nn) && dm_nn_is_recording(nn));
  residual.fail = false;
  long gradients = 0;
  CHECK_OK(dm_score_device_flow(device, &flow, 0, 2, samples, &gradients, NULL, &error), error);
  CHECK(gradients == 2 * flow.n_steps - 1 + (long)flow.n_steps * flow.n_corrector);

  dm_score_device_free(device);
  dm_tensor_free(residual.filter);
  dm_score_likelihood_free(like);
  dm_score_prior_free(prior);
  dm_score_prior_free(prior2);
  dm_nn_free(nn);
  free(exact_mean);
  free(exact_var);
  free(mean);
  free(var);
  free(samples);
  dm_theory_free(theory);
  dm_theory_free(doubled);
  return dm_test_result();
}

/* The residual path of the hybrid sampler, exactly: with the prior score of
 * a theory C_ell and the residual r = s_2 − s_1 (the difference between the
 * Gaussian scores of twice that C_ell and of it), the sampler must target
 * the Gaussian posterior of the doubled prior.  24 × 24 pixels of 2', a
 * masked corner, noise std 0.03; 256 samples against the Wiener filter of
 * the doubled prior and the scatter of its constrained realisations (and
 * visibly away from the filter of the undoubled one). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/gaussian-field.h"
#include "darkmap/ks.h"
#include "darkmap/rng.h"
#include "darkmap/score.h"
#include "darkmap/wiener.h"
#include "test-util.h"

enum { N = 24, N_SAMPLES = 256 };
#define NPIX ((size_t)N * N)
static const double PIXEL_ARCMIN = 2.0;

typedef struct {
  DmScorePrior *from, *to;  /* the residual moves the score of `from` to that of `to` */
  float *work;              /* NPIX */
  int calls;
} Residual;

static bool doubled_prior(void *user_data, const float *kappa, int n, int nx, int ny,
                          double sigma, float *residual, DmError **error) {
  Residual *r = user_data;
  (void)error;
  for (int c = 0; c < n; c++) {
    const float *x = kappa + (size_t)c * nx * ny;
    float *out = residual + (size_t)c * nx * ny;
    dm_score_prior_score(r->to, x, sigma, out);
    dm_score_prior_score(r->from, x, sigma, r->work);
    for (size_t i = 0; i < (size_t)nx * ny; i++) out[i] -= r->work[i];
  }
  r->calls++;
  return true;
}

int main(void) {
  DmError *error = NULL;
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmTheorySpectrum *doubled = dm_test_load_ktng_theory();
  if (!theory || !doubled) return 1;
  for (int i = 0; i < doubled->n; i++) doubled->cl[i] *= 2.0;

  /* Data: a draw of the doubled prior, its shear and noise; a masked corner. */
  static float truth[NPIX], g1[NPIX], g2[NPIX], std[NPIX], mask[NPIX];
  CHECK_OK(dm_gaussian_field(doubled, N, N, PIXEL_ARCMIN, 8, truth, &error), error);
  DmKsPlan *ks = dm_ks_plan_new(N, N, &error);
  CHECK_OK(ks != NULL, error);
  if (ks) dm_ks_plan_kappa_to_shear(ks, truth, NULL, g1, g2);
  dm_ks_plan_free(ks);
  DmRng rng;
  dm_rng_init(&rng, 9, 0);
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++) {
      size_t i = (size_t)y * N + x;
      std[i] = 0.03f;
      mask[i] = (x < 6 && y < 6) ? 0.0f : 1.0f;
      g1[i] += (float)(std[i] * dm_rng_normal(&rng));
      g2[i] += (float)(std[i] * dm_rng_normal(&rng));
    }

  /* Exact posteriors of both priors. */
  DmWienerOptions wopt;
  dm_wiener_options_init(&wopt);
  wopt.tolerance = 1e-7;
  DmWiener *w1 = dm_wiener_new(N, N, PIXEL_ARCMIN, theory, std, std, mask, &wopt, &error);
  DmWiener *w2 = dm_wiener_new(N, N, PIXEL_ARCMIN, doubled, std, std, mask, &wopt, &error);
  CHECK_OK(w1 && w2, error);
  float wf1[NPIX], wf2[NPIX], sample[NPIX];
  double var2[NPIX] = {0};
  CHECK_OK(dm_wiener_filter(w1, g1, g2, wf1, NULL, NULL, &error), error);
  CHECK_OK(dm_wiener_filter(w2, g1, g2, wf2, NULL, NULL, &error), error);
  for (int k = 0; k < N_SAMPLES; k++) {
    CHECK_OK(dm_wiener_sample(w2, g1, g2, 10, (uint64_t)k, sample, NULL, NULL, &error), error);
    for (size_t i = 0; i < NPIX; i++) {
      double d = (double)sample[i] - wf2[i];
      var2[i] += d * d;
    }
  }
  for (size_t i = 0; i < NPIX; i++) var2[i] /= N_SAMPLES;

  /* The sampler on the undoubled prior plus the residual. */
  DmScorePrior *p1 = dm_score_prior_new(theory, N, N, PIXEL_ARCMIN, &error);
  DmScorePrior *p2 = dm_score_prior_new(doubled, N, N, PIXEL_ARCMIN, &error);
  DmScoreLikelihood *like = dm_score_likelihood_new(N, N, g1, g2, std, std, mask, &error);
  CHECK_OK(p1 && p2 && like, error);
  if (!p1 || !p2 || !like) return dm_test_result();
  Residual residual = {p1, p2, malloc(NPIX * sizeof(float)), 0};
  DmScoreSamplerOptions options;
  dm_score_sampler_options_init(&options);
  options.seed = 12;
  DmScoreSampler *sampler =
      dm_score_sampler_new(p1, like, doubled_prior, &residual, &options, &error);
  CHECK_OK(sampler != NULL, error);
  float *samples = malloc((size_t)N_SAMPLES * NPIX * sizeof(float));
  DmScoreSamplerStats stats;
  CHECK_OK(sampler && dm_score_sampler_run(sampler, 0, N_SAMPLES, samples, &stats, NULL, &error),
           error);
  /* One batched call per gradient evaluation. */
  CHECK(residual.calls == stats.gradients);

  double z2_to = 0.0, z2_from = 0.0, var = 0.0, exact = 0.0;
  for (size_t i = 0; i < NPIX; i++) {
    double m = 0.0, v = 0.0;
    for (int k = 0; k < N_SAMPLES; k++) m += samples[(size_t)k * NPIX + i];
    m /= N_SAMPLES;
    for (int k = 0; k < N_SAMPLES; k++) {
      double d = samples[(size_t)k * NPIX + i] - m;
      v += d * d;
    }
    var += v / (N_SAMPLES - 1);
    exact += var2[i];
    z2_to += (m - wf2[i]) * (m - wf2[i]) / var2[i];
    z2_from += (m - wf1[i]) * (m - wf1[i]) / var2[i];
  }
  double rms_to = sqrt(z2_to / NPIX), rms_from = sqrt(z2_from / NPIX);
  double ratio = sqrt(var / exact);
  printf("rms (mean − WF) / std: %.4f to the doubled prior's filter, %.4f to the original's "
         "(1/sqrt(n) = %.4f); std ratio %.4f\n",
         rms_to, rms_from, 1.0 / sqrt(N_SAMPLES), ratio);
  CHECK(rms_to < 1.15 / sqrt(N_SAMPLES));
  CHECK(rms_from > 3.0 / sqrt(N_SAMPLES));
  CHECK_CLOSE(ratio, 1.0, 0.03);

  free(samples);
  free(residual.work);
  dm_score_sampler_free(sampler);
  dm_score_likelihood_free(like);
  dm_score_prior_free(p1);
  dm_score_prior_free(p2);
  dm_wiener_free(w1);
  dm_wiener_free(w2);
  dm_theory_free(theory);
  dm_theory_free(doubled);
  return dm_test_result();
}

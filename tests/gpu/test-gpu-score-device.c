/* The device samplers (darkmap/score-device.h) on CUDA against the CPU
 * backend: the case of score-gaussian-case.h (32 × 32, kTNG prior, a masked
 * hole, noise rising across the field), residual off, a short seeded run of
 * 8 chains of the annealed HMC (10 levels of 5 leapfrog steps, 5 final
 * trajectories) and of the probability flow (8 steps, 1 corrector).  The
 * random maps are Philox streams, the same numbers on both backends, and
 * the score is exact (FFTs and element-wise ops, no TF32), so the samples
 * must agree to max |CUDA − CPU| / max |CPU| < 1e-4 (float rounding through
 * 75 score evaluations of stable dynamics); a second CUDA run must give the
 * same bits.  Skipped (77) without a usable device. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/gpu.h"
#include "darkmap/nn.h"
#include "darkmap/score-device.h"
#include "score/score-gaussian-case.h"
#include "test-util.h"

enum { CHAINS = 8 };

/* HMC then flow samples (CHAINS maps each) on a context of that device. */
static bool run(DmNnDevice kind, DmScorePrior *prior, DmScoreLikelihood *like, float *hmc,
                float *flow) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(kind, 1, &error);
  DmScoreDevice *device = nn ? dm_score_device_new(nn, prior, like, NULL, NULL, &error) : NULL;
  DmScoreSamplerOptions options;
  dm_score_sampler_options_init(&options);
  options.n_levels = 10;
  options.n_leapfrog = 5;
  options.n_final = 5;
  options.seed = 3;
  DmScoreFlowOptions flow_options;
  dm_score_flow_options_init(&flow_options);
  flow_options.n_steps = 8;
  flow_options.n_corrector = 1;
  flow_options.seed = 4;
  bool ok = device &&
            dm_score_device_hmc(device, &options, 0, CHAINS, hmc, NULL, NULL, &error) &&
            dm_score_device_flow(device, &flow_options, 0, CHAINS, flow, NULL, NULL, &error);
  CHECK_OK(ok, error);
  if (nn) printf("%s: %s\n", dm_nn_device_name(nn), ok ? "ran" : "failed");
  dm_score_device_free(device);
  dm_nn_free(nn);
  return ok;
}

int main(void) {
  DmError *error = NULL;
  DmNn *probe = dm_gpu_available() ? dm_nn_new(DM_NN_DEVICE_CUDA, 0, &error) : NULL;
  if (!probe && (!error || error->code == DM_ERROR_UNSUPPORTED)) {
    printf("no CUDA context (%s): skipped\n", error ? error->message : "no usable CUDA device");
    dm_error_clear(&error);
    return DM_TEST_SKIP;
  }
  CHECK_OK(probe, error);
  dm_nn_free(probe);
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return 1;
  make_data(theory);
  DmScorePrior *prior = dm_score_prior_new(theory, N, N, PIXEL_ARCMIN, &error);
  DmScoreLikelihood *like = dm_score_likelihood_new(N, N, g1, g2, std1, std2, mask, &error);
  CHECK_OK(prior && like, error);

  size_t total = (size_t)CHAINS * NPIX;
  float *cpu_hmc = malloc(total * sizeof(float)), *cpu_flow = malloc(total * sizeof(float));
  float *gpu_hmc = malloc(total * sizeof(float)), *gpu_flow = malloc(total * sizeof(float));
  float *again_hmc = malloc(total * sizeof(float)), *again_flow = malloc(total * sizeof(float));
  if (run(DM_NN_DEVICE_CPU, prior, like, cpu_hmc, cpu_flow) &&
      run(DM_NN_DEVICE_CUDA, prior, like, gpu_hmc, gpu_flow) &&
      run(DM_NN_DEVICE_CUDA, prior, like, again_hmc, again_flow)) {
    double hmc_error = dm_test_relative_error(gpu_hmc, cpu_hmc, total);
    double flow_error = dm_test_relative_error(gpu_flow, cpu_flow, total);
    printf("HMC: max |CUDA − CPU| / max |CPU| = %.3g\n", hmc_error);
    printf("flow: max |CUDA − CPU| / max |CPU| = %.3g\n", flow_error);
    CHECK(hmc_error < 1e-4);
    CHECK(flow_error < 1e-4);
    bool same = memcmp(gpu_hmc, again_hmc, total * sizeof(float)) == 0 &&
                memcmp(gpu_flow, again_flow, total * sizeof(float)) == 0;
    printf("second CUDA run: %s\n", same ? "identical bits" : "DIFFERENT BITS");
    CHECK(same);
  }
  free(cpu_hmc);
  free(cpu_flow);
  free(gpu_hmc);
  free(gpu_flow);
  free(again_hmc);
  free(again_flow);
  dm_score_likelihood_free(like);
  dm_score_prior_free(prior);
  dm_theory_free(theory);
  return dm_test_result();
}

/* The samplers' memory bound and default batch (darkmap/reconstruct.h):
 *  - dm_reconstruct_default_batch: the CPU's and the GPU's batches, no more
 *    than the samples, and no more than the budget holds by the bound;
 *  - dm_reconstruct_memory: the shipped MMGAN generator's bound at 360²
 *    from its architecture, none for KS and Wiener;
 *  - the network engine's peak of dm_reconstruct stays under the bound it
 *    reports, and above 60 % of it (so that the bound stays a measure of
 *    the need): the shipped MMGAN at 360² in batches of 1 and 2; the theory
 *    score's HMC (with Metropolis) and the probability flow, and the HMC
 *    with a small network, at 192² in batches of 1 and 3. */
#include <stdio.h>

#include "darkmap/memory-budget.h"
#include "darkmap/model-info.h"
#include "darkmap/reconstruct.h"
#include "darkmap/score-network.h"
#include "reconstruct/reconstruct-test-util.h"

static void check_default_batch(void) {
  const DmReconstructMemory memory = {.fixed_bytes = 1000.0, .sample_bytes = 100.0};
  /* The CPU: 4 samples or chains; a GPU: 64. */
  CHECK(dm_reconstruct_default_batch(false, 100, &memory, 0.0) == 4);
  CHECK(dm_reconstruct_default_batch(true, 100, &memory, 0.0) == 64);
  /* No more than the samples. */
  CHECK(dm_reconstruct_default_batch(false, 3, &memory, 0.0) == 3);
  CHECK(dm_reconstruct_default_batch(true, 40, &memory, 0.0) == 40);
  /* No more than the budget holds: 1000 + 7 × 100 <= 1750 < 1000 + 8 × 100. */
  CHECK(dm_reconstruct_default_batch(true, 100, &memory, 1750.0) == 7);
  CHECK(dm_reconstruct_default_batch(true, 100, &memory, 1800.0) == 8);
  CHECK(dm_reconstruct_default_batch(true, 100, &memory, 7400.0) == 64);
  CHECK(dm_reconstruct_default_batch(false, 100, &memory, 1350.0) == 3);
  /* At least one, even when one does not fit (the run is then refused). */
  CHECK(dm_reconstruct_default_batch(false, 100, &memory, 500.0) == 1);
  CHECK(dm_reconstruct_default_batch(true, 100, &memory, 500.0) == 1);
}

static void check_shipped_bound(void) {
  DmError *error = NULL;
  DmModelInfo info;
  CHECK_OK(dm_model_info_read(dm_test_app_data_path("models/mmgan-cosmos.safetensors"), &info,
                              &error),
           error);
  CHECK(info.unet_depth == 4 && info.unet_width == 16 && info.unet_in_channels == 6);
  DmReconstructMemory m = dm_reconstruct_memory(DM_RECONSTRUCT_MMGAN, 360, 360, &info);
  /* Padded to 368²: 1.25 × (5 × 16 + 2 × 6 + 3) maps of 368² floats. */
  CHECK(m.sample_bytes == 1.25 * 95.0 * 368.0 * 368.0 * 4.0);
  CHECK(m.fixed_bytes ==
        1.25 * 4.0 * (double)info.n_parameters + 256.0 * info.n_tensors + 262144.0);
  CHECK(dm_reconstruct_memory_bound(&m, 3) == m.fixed_bytes + 3.0 * m.sample_bytes);
  DmReconstructMemory none = dm_reconstruct_memory(DM_RECONSTRUCT_WIENER, 360, 360, NULL);
  CHECK(none.fixed_bytes == 0.0 && none.sample_bytes == 0.0);
}

/* The peak of request on binned under its bound and above 60 % of it;
 * batch as asked. */
static void check_peak(const DmBinnedShear *binned, const DmReconstructRequest *request,
                       const char *what) {
  DmError *error = NULL;
  DmReconstruction *result = dm_reconstruct(binned, request, NULL, &error);
  CHECK_OK(result != NULL, error);
  if (!result) return;
  const DmReconstructStats *s = &result->stats;
  printf("%s, batch %d: peak %.2f MiB, bound %.2f MiB (%.3f)\n", what, s->batch,
         s->peak_bytes / 1048576.0, s->bound_bytes / 1048576.0, s->peak_bytes / s->bound_bytes);
  CHECK(s->batch == request->batch);
  CHECK(s->peak_bytes > 0.0 && s->peak_bytes <= s->bound_bytes);
  CHECK(s->peak_bytes >= 0.6 * s->bound_bytes);
  dm_reconstruction_free(result);
}

static void check_mmgan_peaks(void) {
  DmBinnedShear *binned = dm_test_binned_new(360, 360, 0.29, NULL, NULL, NULL, NULL, NULL);
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_MMGAN);
  r.model_path = dm_test_app_data_path("models/mmgan-cosmos.safetensors");
  r.device = "cpu";
  r.n_samples = 2;
  for (r.batch = 1; r.batch <= 2; r.batch++) check_peak(binned, &r, "shipped MMGAN at 360²");
  dm_binned_shear_free(binned);
}

/* A small noise-conditioned U-Net saved to path. */
static bool small_network(const char *path) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  DmNnParams *params = nn ? dm_nn_params_new(nn) : NULL;
  const DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = 3, .base_width = 8,
                               .groups = 2, .slope = 0.2f, .noise_features = 8};
  DmUNet *unet = params ? dm_unet_new(params, &config, 7, &error) : NULL;
  DmScoreNetwork network = {.nn = nn, .unet = unet, .data_variance = 4e-4};
  bool saved = unet && dm_score_network_save(&network, params, 0.8, path, &error);
  CHECK_OK(saved, error);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  return saved;
}

static void check_score_peaks(void) {
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmBinnedShear *binned = dm_test_binned_new(192, 192, 0.8, NULL, NULL, NULL, NULL, NULL);
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("memory-score.safetensors"));
  bool network = small_network(path);
  DmReconstructRequest r;
  dm_reconstruct_request_init(&r, DM_RECONSTRUCT_SCORE_HMC);
  r.theory = theory;
  r.device = "cpu";
  r.n_samples = 3;
  r.hmc.n_levels = 2;
  r.hmc.n_leapfrog = 2;
  r.hmc.n_final = 1;
  r.hmc.metropolis = true;
  r.flow.n_steps = 2;
  for (r.batch = 1; theory && r.batch <= 3; r.batch += 2) {
    r.method = DM_RECONSTRUCT_SCORE_HMC;
    r.model_path = NULL;
    check_peak(binned, &r, "theory score HMC at 192²");
    r.method = DM_RECONSTRUCT_SCORE_FLOW;
    check_peak(binned, &r, "theory probability flow at 192²");
    r.method = DM_RECONSTRUCT_SCORE_HMC;
    r.model_path = network ? path : NULL;
    if (network) check_peak(binned, &r, "score HMC with a network at 192²");
  }
  dm_binned_shear_free(binned);
  dm_theory_free(theory);
}

int main(void) {
  check_default_batch();
  check_shipped_bound();
  check_mmgan_peaks();
  check_score_peaks();
  return dm_test_result();
}

/* The score trainer's pool of maps (darkmap/score-train-pool.h) on 16²
 * pixels of 2' (lognormal + NFW haloes):
 *  - made by 1 or 3 threads, it draws the same maps bit for bit, and a draw
 *    is a pure function of its index;
 *  - every draw is one of the 8 × 16² symmetries of the grid (periodic
 *    shift, flips, transpose) applied to a pool map with its grid mean
 *    removed: a training map below DM_SCORE_VALIDATION_INDEX, a validation
 *    map from it on; over 200 draws all 8 flip/transpose combinations
 *    occur;
 *  - a score trainer drawing from it with 1 or 3 threads makes the same
 *    weights bit for bit;
 *  - bad settings are rejected. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-params.h"
#include "darkmap/score-network.h"
#include "darkmap/score-train-pool.h"
#include "test-util.h"

enum { N = 16, N_TRAIN = 6, N_VALIDATION = 3, DRAWS = 200 };
#define NPIX ((size_t)N * N)

/* The symmetry (shift dx, dy; flips; transpose) that maps source onto
 * field, as a code 0 … 7 of flip_x + 2 flip_y + 4 transpose; −1 if none. */
static int symmetry_of(const float *source, const float *field) {
  for (int code = 0; code < 8; code++)
    for (int dy = 0; dy < N; dy++)
      for (int dx = 0; dx < N; dx++) {
        bool same = true;
        for (int y = 0; same && y < N; y++)
          for (int x = 0; same && x < N; x++) {
            int u = code & 4 ? y : x, v = code & 4 ? x : y;
            if (code & 1) u = N - 1 - u;
            if (code & 2) v = N - 1 - v;
            same = field[y * N + x] == source[((v + dy) % N) * N + (u + dx) % N];
          }
        if (same) return code;
      }
  return -1;
}

/* The weights after 2 training steps over pool with `threads` threads
 * (malloc'ed, *count of them). */
static float *trained_weights(DmScoreTrainPool *pool, DmScorePrior *prior, int threads,
                              size_t *count) {
  DmError *error = NULL;
  static const DmUNetConfig unet = {.in_channels = 1, .out_channels = 1, .depth = 1,
                                    .base_width = 4, .groups = 2, .slope = 0.2f,
                                    .noise_features = 4};
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  DmNnParams *params = nn ? dm_nn_params_new(nn) : NULL;
  DmUNet *net = params ? dm_unet_new(params, &unet, 1, &error) : NULL;
  DmAdamConfig adam_config = dm_adam_config_default();
  DmAdam *adam = net ? dm_adam_new(params, &adam_config, &error) : NULL;
  DmScoreNetwork network = {nn, net, dm_score_prior_variance(prior, 0.0), false};
  DmScoreTrainOptions options;
  dm_score_train_options_init(&options);
  options.batch = 5;
  options.threads = threads;
  DmScoreTrainer *trainer = adam ? dm_score_trainer_new(prior, &network, params, adam,
                                                        dm_score_train_pool_map, pool, &options,
                                                        &error)
                                 : NULL;
  CHECK_OK(trainer && dm_score_trainer_run(trainer, 2, NULL, NULL, &error), error);
  float *all = NULL;
  *count = 0;
  for (int i = 0; trainer && i < dm_nn_params_count(params); i++) {
    DmTensor *t = dm_nn_params_tensor(params, i);
    size_t n = (size_t)dm_tensor_numel(t);
    float *grown = realloc(all, (*count + n) * sizeof(float));
    if (!grown) break;
    all = grown;
    dm_tensor_download(t, all + *count, n);
    *count += n;
  }
  dm_score_trainer_free(trainer);
  dm_adam_free(adam);
  dm_unet_free(net);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  return all;
}

int main(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return 1;
  DmDatasetConfig config;
  dm_dataset_config_init(&config);
  config.theory = theory;
  config.nx = config.ny = N;
  config.pixel_arcmin = 2.0;
  config.haloes = true;
  config.seed = 5;
  DmScoreTrainPool *one = dm_score_train_pool_new(&config, N_TRAIN, N_VALIDATION, 9, 1, NULL,
                                                  &error);
  CHECK_OK(one != NULL, error);
  DmScoreTrainPool *three = dm_score_train_pool_new(&config, N_TRAIN, N_VALIDATION, 9, 3, NULL,
                                                    &error);
  CHECK_OK(three != NULL, error);
  if (!one || !three) return dm_test_result();
  int nx = 0, ny = 0;
  dm_score_train_pool_size(one, &nx, &ny);
  CHECK(nx == N && ny == N);

  /* The pool maps themselves: the dataset's tuples, less their mean. */
  DmDataset *dataset = dm_dataset_new(&config, &error);
  CHECK_OK(dataset != NULL, error);
  if (!dataset) return dm_test_result();
  static float maps[N_TRAIN + N_VALIDATION][NPIX];
  for (int m = 0; m < N_TRAIN + N_VALIDATION; m++) {
    DmDatasetTuple *t = dm_dataset_tuple(dataset, (uint64_t)m, &error);
    CHECK_OK(t != NULL, error);
    if (!t) return dm_test_result();
    double sum = 0.0;
    for (size_t i = 0; i < NPIX; i++) sum += dm_map_plane(t->kappa, 0)[i];
    for (size_t i = 0; i < NPIX; i++)
      maps[m][i] = (float)(dm_map_plane(t->kappa, 0)[i] - sum / NPIX);
    dm_dataset_tuple_free(t);
  }
  dm_dataset_free(dataset);

  int codes_seen = 0, unmatched = 0, wrong_part = 0, differ = 0;
  for (int d = 0; d < DRAWS; d++) {
    bool validation = d % 4 == 3;
    uint64_t index = (validation ? DM_SCORE_VALIDATION_INDEX : 0) + (uint64_t)d * 7919u;
    float a[NPIX], b[NPIX], c[NPIX];
    CHECK_OK(dm_score_train_pool_map(one, index, a, &error), error);
    CHECK_OK(dm_score_train_pool_map(three, index, b, &error), error);
    CHECK_OK(dm_score_train_pool_map(one, index, c, &error), error);
    if (memcmp(a, b, sizeof a) != 0 || memcmp(a, c, sizeof a) != 0) differ++;
    int found = -1, code = -1;
    for (int m = 0; found < 0 && m < N_TRAIN + N_VALIDATION; m++)
      if ((code = symmetry_of(maps[m], a)) >= 0) found = m;
    if (found < 0) unmatched++;
    else if ((found >= N_TRAIN) != validation) wrong_part++;
    else codes_seen |= 1 << code;
  }
  printf("%d draws: %d differ between thread counts or calls, %d match no pool map, %d from the "
         "wrong part; symmetries seen 0x%02x\n",
         DRAWS, differ, unmatched, wrong_part, codes_seen);
  CHECK(differ == 0);
  CHECK(unmatched == 0);
  CHECK(wrong_part == 0);
  CHECK(codes_seen == 0xff);

  DmScorePrior *prior = dm_score_prior_new(theory, N, N, 2.0, &error);
  CHECK_OK(prior != NULL, error);
  size_t n1 = 0, n3 = 0;
  float *w1 = prior ? trained_weights(one, prior, 1, &n1) : NULL;
  float *w3 = prior ? trained_weights(one, prior, 3, &n3) : NULL;
  bool same_weights = w1 && w3 && n1 == n3 && n1 > 0 && memcmp(w1, w3, n1 * sizeof(float)) == 0;
  printf("trainer with 1 and 3 threads: %zu weights identical after 2 steps: %s\n", n1,
         same_weights ? "yes" : "no");
  CHECK(same_weights);
  free(w1);
  free(w3);
  dm_score_prior_free(prior);

  DmScoreTrainPool *bad = dm_score_train_pool_new(&config, 0, 1, 1, 1, NULL, &error);
  CHECK_FAILS(bad != NULL, error, DM_ERROR_INVALID_ARGUMENT);
  bad = dm_score_train_pool_new(&config, 1, 1, 1, 0, NULL, &error);
  CHECK_FAILS(bad != NULL, error, DM_ERROR_INVALID_ARGUMENT);
  bad = dm_score_train_pool_new(NULL, 1, 1, 1, 1, NULL, &error);
  CHECK_FAILS(bad != NULL, error, DM_ERROR_INVALID_ARGUMENT);

  dm_score_train_pool_free(one);
  dm_score_train_pool_free(three);
  dm_theory_free(theory);
  return dm_test_result();
}

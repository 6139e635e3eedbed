/* The score network residual on grids the U-Net cannot take as they are
 * (sides not multiples of 2^depth): dm_score_network_forward must equal, on
 * a 30 × 26 map, the top-left 30 × 26 of its residual of the map's periodic
 * extension to 32 × 28 (a grid the U-Net takes directly, depth 2), and, on
 * that grid, the U-Net's output for c_in kappa divided by sigma. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/nn-ops.h"
#include "darkmap/nn-params.h"
#include "darkmap/rng.h"
#include "darkmap/score-network.h"
#include "test-util.h"

enum { H = 30, W = 26, HP = 32, WP = 28 };
static const double SIGMA = 0.02, VARIANCE = 4e-4;

static double max_difference(const float *a, const float *b, size_t n) {
  double worst = 0.0;
  for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - b[i]));
  return worst;
}

int main(void) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  if (!nn) return dm_test_result();
  DmNnParams *params = dm_nn_params_new(nn);
  const DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = 2, .base_width = 8,
                               .groups = 2, .slope = 0.2f, .noise_features = 8};
  DmUNet *unet = dm_unet_new(params, &config, 7, &error);
  CHECK_OK(unet != NULL, error);
  if (!unet) return dm_test_result();
  DmScoreNetwork network = {.nn = nn, .unet = unet, .data_variance = VARIANCE};

  float *map = malloc(sizeof(float) * H * W), *extended = malloc(sizeof(float) * HP * WP);
  float *residual = malloc(sizeof(float) * H * W), *residual_ext = malloc(sizeof(float) * HP * WP);
  float *direct = malloc(sizeof(float) * HP * WP);
  DmRng rng;
  dm_rng_init(&rng, 3, 0);
  for (int i = 0; i < H * W; i++) map[i] = (float)(0.02 * dm_rng_normal(&rng));
  for (int y = 0; y < HP; y++)
    for (int x = 0; x < WP; x++) extended[y * WP + x] = map[(y % H) * W + x % W];

  CHECK_OK(dm_score_network_residual(&network, map, 1, W, H, SIGMA, residual, &error), error);
  CHECK_OK(dm_score_network_residual(&network, extended, 1, WP, HP, SIGMA, residual_ext, &error),
           error);
  float *crop = malloc(sizeof(float) * H * W);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) crop[y * W + x] = residual_ext[y * WP + x];
  double pad_difference = max_difference(residual, crop, (size_t)H * W);

  /* The U-Net itself on the extended map. */
  double c_in = 1.0 / sqrt(VARIANCE + SIGMA * SIGMA);
  for (int i = 0; i < HP * WP; i++) extended[i] = (float)(c_in * extended[i]);
  DmTensor *x = dm_tensor_temp(nn, 1, 1, HP, WP), *s = dm_tensor_temp(nn, 1, 1, 1, 1);
  CHECK(x && s && dm_tensor_upload(x, extended, (size_t)HP * WP) && dm_tensor_fill(s, (float)SIGMA));
  DmTensor *out = dm_unet_forward(unet, x, s);
  CHECK(out && dm_tensor_download(out, direct, (size_t)HP * WP));
  double scale = 0.0;
  for (int i = 0; i < HP * WP; i++) {
    direct[i] = (float)(direct[i] / SIGMA);
    scale = fmax(scale, fabs(direct[i]));
  }
  double unet_difference = max_difference(residual_ext, direct, (size_t)HP * WP);
  printf("30x26 residual vs the crop of its periodic extension's: max |difference| %.3g\n",
         pad_difference);
  printf("32x28 residual vs U-Net output / sigma: max |difference| %.3g (scale %.3g)\n",
         unet_difference, scale);
  CHECK(scale > 0.0);
  CHECK(pad_difference <= 1e-5 * scale);
  CHECK(unet_difference <= 1e-5 * scale);

  dm_nn_clear(nn);
  free(map);
  free(extended);
  free(residual);
  free(residual_ext);
  free(direct);
  free(crop);
  dm_unet_free(unet);
  dm_nn_params_free(params);
  dm_nn_free(nn);
  return dm_test_result();
}

/* Helpers shared by the network tests: a CPU context, tensors filled from a
 * seeded host generator, and host copies of tensors. */
#ifndef DARKMAP_NN_TEST_UTIL_H
#define DARKMAP_NN_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include "darkmap/nn-modules.h"
#include "darkmap/nn.h"
#include "darkmap/rng.h"
#include "test-util.h"

static inline DmNn *nn_test_cpu(void) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  if (!nn) exit(1);
  return nn;
}

/* The small U-Net whose memory the tests count in activations: 2 input
 * channels, depth 3, base width 8, 4 groups, slope 0.2, no noise
 * conditioning; its parameters in *params (free both).  NULL after a
 * failed check. */
enum { NN_TEST_UNET_DEPTH = 3, NN_TEST_UNET_WIDTH = 8 };

static inline DmUNet *nn_test_small_unet(DmNn *nn, DmNnParams **params) {
  DmError *error = NULL;
  DmUNetConfig config = {.in_channels = 2, .out_channels = 1, .depth = NN_TEST_UNET_DEPTH,
                         .base_width = NN_TEST_UNET_WIDTH, .groups = 4, .slope = 0.2f,
                         .noise_features = 0};
  *params = dm_nn_params_new(nn);
  DmUNet *unet = dm_unet_new(*params, &config, 7, &error);
  CHECK_OK(unet != NULL, error);
  return unet;
}

/* A host copy of t (malloc'd, numel floats). */
static inline float *nn_test_download(const DmTensor *t) {
  size_t n = (size_t)dm_tensor_numel(t);
  float *host = malloc(n * sizeof *host);
  if (!host || !dm_tensor_download(t, host, n)) {
    fprintf(stderr, "download of %zu floats failed\n", n);
    exit(1);
  }
  return host;
}

/* Fills t with N(0, std^2) values from (seed, stream). */
static inline void nn_test_fill_normal(DmTensor *t, uint64_t seed, uint64_t stream, double std) {
  size_t n = (size_t)dm_tensor_numel(t);
  float *host = malloc(n * sizeof *host);
  DmRng rng;
  dm_rng_init(&rng, seed, stream);
  for (size_t i = 0; i < n; i++) host[i] = (float)(std * dm_rng_normal(&rng));
  CHECK(dm_tensor_upload(t, host, n));
  free(host);
}

/* Fills t with U(lo, hi) values from (seed, stream). */
static inline void nn_test_fill_uniform(DmTensor *t, uint64_t seed, uint64_t stream, double lo,
                                        double hi) {
  size_t n = (size_t)dm_tensor_numel(t);
  float *host = malloc(n * sizeof *host);
  DmRng rng;
  dm_rng_init(&rng, seed, stream);
  for (size_t i = 0; i < n; i++) host[i] = (float)(lo + (hi - lo) * dm_rng_uniform(&rng));
  CHECK(dm_tensor_upload(t, host, n));
  free(host);
}

#endif

/* What the CosmoGAN tests share: a tiny generator (16² maps, width 2,
 * latent size 8) with the transform of lognormal-like maps, on one CPU
 * thread, and exact comparisons of maps. */
#ifndef DARKMAP_COSMOGAN_TEST_UTIL_H
#define DARKMAP_COSMOGAN_TEST_UTIL_H

#include <string.h>

#include "darkmap/cosmogan.h"
#include "darkmap/nn-autograd.h"
#include "test-util.h"

/* 16 × 16 maps of 4′, width 2, latent size 8, a = 0.03, c = 0.02. */
static inline DmCosmoganConfig cosmogan_test_config(void) {
  DmCosmoganConfig c;
  dm_cosmogan_config_init(&c);
  c.size = 16;
  c.base_width = 2;
  c.z_dim = 8;
  c.pixel_arcmin = 4.0;
  c.transform_a = 0.03;
  c.transform_offset = 0.02;
  return c;
}

/* A CPU context of one thread (NULL, the failure counted, when none). */
static inline DmNn *cosmogan_test_nn(void) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  return nn;
}

/* A generator of the test configuration with weights from seed, its batch
 * norms' running statistics those of its own outputs (30 passes of 16
 * latent vectors in training mode), as after training: with the initial
 * ones (mean 0, variance 1) the untrained layers grow and tanh saturates. */
static inline DmCosmogan *cosmogan_test_model(DmNn *nn, uint64_t seed) {
  DmError *error = NULL;
  DmCosmoganConfig c = cosmogan_test_config();
  DmCosmogan *m = nn ? dm_cosmogan_new(nn, &c, false, seed, &error) : NULL;
  CHECK_OK(m != NULL, error);
  bool recording = m ? dm_nn_set_recording(nn, false) : false;
  for (int pass = 0; m && pass < 30; pass++) {
    DmTensor *z = dm_tensor_temp(nn, 16, c.z_dim, 1, 1);
    CHECK(z && dm_cosmogan_fill_latent(m, z, seed + 1000, 16 * (uint64_t)pass) &&
          dm_cosmogan_forward_generator(m, z, true) != NULL);
    dm_nn_clear(nn);
  }
  if (m) dm_nn_set_recording(nn, recording);
  return m;
}

/* Whether n floats of a and b are the same bits. */
static inline bool cosmogan_test_same(const float *a, const float *b, size_t n) {
  return memcmp(a, b, n * sizeof(float)) == 0;
}

#endif

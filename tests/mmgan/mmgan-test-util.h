/* A tiny MMGAN generator for tests that need a model file quickly. */
#ifndef DARKMAP_TESTS_MMGAN_TEST_UTIL_H
#define DARKMAP_TESTS_MMGAN_TEST_UTIL_H

#include <stdbool.h>

#include "darkmap/mmgan.h"
#include "test-util.h"

/* A generator of depth 2 and width 4 for nx × ny pixels of pixel_arcmin,
 * initialised from seed, saved to path; false (the failure counted) when
 * it cannot be made or written. */
static inline bool dm_test_save_tiny_mmgan(DmNn *nn, int nx, int ny, double pixel_arcmin,
                                           uint64_t seed, const char *path) {
  DmError *error = NULL;
  DmMmganConfig config;
  dm_mmgan_config_init(&config);
  config.nx = nx;
  config.ny = ny;
  config.pixel_arcmin = pixel_arcmin;
  config.depth = 2;
  config.base_width = 4;
  config.groups = 2;
  config.kappa_std = 0.02;
  DmMmgan *m = dm_mmgan_new(nn, &config, false, seed, &error);
  CHECK_OK(m != NULL, error);
  bool ok = m && dm_mmgan_save(m, path, &error);
  if (m) CHECK_OK(ok, error);
  dm_mmgan_free(m);
  return ok;
}

#endif

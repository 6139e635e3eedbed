/* The MMGAN weights file and sampler: a saved generator loads back and
 * draws the same samples; samples do not depend on the batch they are
 * drawn in; the posterior file carries METHOD = 'MMGAN'; and hostile or
 * wrong weights files are rejected with a clear error. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/mmgan.h"
#include "darkmap/nn-ops.h"
#include "darkmap/nn-params.h"
#include "../nn/nn-test-util.h"

enum { SIDE = 10, KEYS = 15, N_SAMPLES = 7 };

static const char *keys[KEYS] = {"arch", "in_channels", "out_channels", "depth", "base_width",
                                 "groups", "slope", "noise_features", "nx", "ny", "pixel_arcmin",
                                 "z_channels", "kappa_mean", "kappa_std", "shear_scale"};
static const char *good[KEYS] = {"mmgan", "6", "1", "2", "4", "2", "0.2", "0", "10", "10",
                                 "2", "2", "0.01", "0.02", "0.03"};

/* m's generator written with the good metadata, key `key` replaced by
 * value (NULL: left out). */
static void write_variant(const DmMmgan *m, const char *path, const char *key, const char *value) {
  DmNnMetadata meta[KEYS];
  int n = 0;
  for (int i = 0; i < KEYS; i++) {
    bool replaced = key && strcmp(keys[i], key) == 0;
    if (replaced && !value) continue;
    meta[n++] = (DmNnMetadata){keys[i], replaced ? value : good[i]};
  }
  DmError *error = NULL;
  CHECK_OK(dm_nn_params_save(m->generator_params, path, meta, n, false, &error), error);
}

static void check_rejected(DmNn *nn, const char *path, const char *what) {
  DmError *error = NULL;
  DmMmgan *m = dm_mmgan_load(nn, path, &error);
  CHECK(m == NULL && error && error->message[0]);
  if (error) printf("%-28s rejected: %s\n", what, error->message);
  else printf("%-28s NOT rejected\n", what);
  dm_error_free(error);
  dm_mmgan_free(m);
  CHECK(dm_nn_ok(nn));
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  DmError *error = NULL;
  DmMmganConfig c;
  dm_mmgan_config_init(&c);
  c.nx = c.ny = SIDE;
  c.pixel_arcmin = 2.0;
  c.depth = 2;
  c.base_width = 4;
  c.groups = 2;
  c.kappa_mean = 0.01;
  c.kappa_std = 0.02;
  c.shear_scale = 0.03;
  DmMmgan *m = dm_mmgan_new(nn, &c, false, 5, &error);
  CHECK_OK(m != NULL, error);
  if (!m) return dm_test_result();
  CHECK(m->px == 12 && m->py == 12);
  /* The host padding of the inputs is the engine's periodic window. */
  {
    float plane[SIDE * SIDE], padded[12 * 12], windowed[12 * 12];
    for (int i = 0; i < SIDE * SIDE; i++) plane[i] = (float)i;
    dm_mmgan_pad(SIDE, SIDE, 12, 12, plane, padded);
    DmTensor *x = dm_tensor_temp(nn, 1, 1, SIDE, SIDE);
    CHECK(x && dm_tensor_upload(x, plane, SIDE * SIDE));
    DmTensor *w = dm_nn_periodic_window(nn, x, 12, 12);
    CHECK(w && dm_tensor_download(w, windowed, 12 * 12));
    CHECK(memcmp(padded, windowed, sizeof padded) == 0);
    CHECK(padded[11 * 12 + 11] == plane[1 * SIDE + 1]);
    dm_nn_clear(nn);
  }
  /* Random weights well away from the initial ones, so that a wrong load
   * shows. */
  for (int i = 0; i < dm_nn_params_count(m->generator_params); i++)
    nn_test_fill_normal(dm_nn_params_tensor(m->generator_params, i), 17, (uint64_t)i, 0.3);
  const char *path = dm_test_tmp_path("mmgan.safetensors");
  char saved[4096];
  snprintf(saved, sizeof saved, "%s", path);
  CHECK_OK(dm_mmgan_save(m, saved, &error), error);

  size_t npix = (size_t)SIDE * SIDE;
  float g1[SIDE * SIDE], g2[SIDE * SIDE], mask[SIDE * SIDE];
  DmRng rng;
  dm_rng_init(&rng, 3, 0);
  for (size_t i = 0; i < npix; i++) {
    mask[i] = i % 7 == 3 ? 0.0f : 1.0f;
    g1[i] = mask[i] * (float)(0.03 * dm_rng_normal(&rng));
    g2[i] = mask[i] * (float)(0.03 * dm_rng_normal(&rng));
  }
  float *a = malloc(N_SAMPLES * npix * sizeof(float)), *b = malloc(N_SAMPLES * npix * sizeof(float));
  CHECK_OK(dm_mmgan_sample(m, g1, g2, mask, N_SAMPLES, 3, 42, a, NULL, &error), error);
  DmMmgan *loaded = dm_mmgan_load(nn, saved, &error);
  CHECK_OK(loaded != NULL, error);
  if (loaded) {
    CHECK(loaded->config.nx == SIDE && loaded->config.z_channels == 2 &&
          loaded->config.kappa_std == 0.02 && loaded->config.shear_scale == 0.03 &&
          loaded->critic == NULL);
    CHECK(dm_mmgan_generator_size(loaded) == dm_mmgan_generator_size(m));
    CHECK_OK(dm_mmgan_sample(loaded, g1, g2, mask, N_SAMPLES, N_SAMPLES, 42, b, NULL, &error),
             error);
    /* Same weights, same codes: the same samples, in batches of 3 + 3 + 1
     * and of 7. */
    CHECK(memcmp(a, b, N_SAMPLES * npix * sizeof(float)) == 0);
    /* Distinct samples, each with no grid mean (the k = 0 mode the shear
     * does not hold), whatever the training maps' mean kappa_mean. */
    CHECK(memcmp(a, a + npix, npix * sizeof(float)) != 0);
    for (int k = 0; k < N_SAMPLES; k++) {
      double sum = 0.0, sum2 = 0.0;
      for (size_t i = 0; i < npix; i++) {
        sum += a[(size_t)k * npix + i];
        sum2 += (double)a[(size_t)k * npix + i] * a[(size_t)k * npix + i];
      }
      CHECK(fabs(sum / npix) < 1e-6 * sqrt(sum2 / npix));
    }
    DmPosterior *p = dm_mmgan_posterior_new(loaded, b, N_SAMPLES, NULL, 42, &error);
    CHECK_OK(p != NULL, error);
    if (p) {
      const DmMetaCard *method = dm_map_find_card(p->mean, "METHOD");
      CHECK(method && method->text && strcmp(method->text, "MMGAN") == 0);
      CHECK(p->std && p->signif && p->samples && p->samples->nplanes == N_SAMPLES);
      const DmMetaCard *count = dm_map_find_card(p->mean, "NSAMPLES");
      CHECK(count && count->number == N_SAMPLES);
    }
    dm_posterior_free(p);
    dm_mmgan_free(loaded);
  }
  CHECK_FAILS(dm_mmgan_sample(m, g1, g2, mask, 0, 4, 1, b, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);

  /* Hostile and wrong files. */
  const char *bad = dm_test_tmp_path("mmgan-bad.safetensors");
  char bad_path[4096];
  snprintf(bad_path, sizeof bad_path, "%s", bad);
  check_rejected(nn, dm_test_tmp_path("does-not-exist.safetensors"), "missing file");
  const struct {
    const char *key, *value, *what;
  } variants[] = {
      {"arch", "unet", "a score U-Net (arch unet)"},
      {"kappa_std", NULL, "no kappa_std"},
      {"kappa_std", "-0.02", "negative kappa_std"},
      {"shear_scale", "nan", "NaN shear_scale"},
      {"nx", "0", "zero nx"},
      {"ny", "ten", "text ny"},
      {"z_channels", "3", "z_channels against weights"},
      {"in_channels", "7", "in_channels against z"},
      {"base_width", "8", "width against the tensors"},
      {"depth", "3", "depth against the tensors"},
      {"noise_features", "16", "noise conditioning"},
      {"slope", "0.1", "another slope"},
  };
  for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
    write_variant(m, bad_path, variants[i].key, variants[i].value);
    check_rejected(nn, bad_path, variants[i].what);
  }
  /* Truncated: the header promises more bytes than the file holds. */
  FILE *in = fopen(saved, "rb");
  char *bytes = malloc(1 << 20);
  size_t size = in && bytes ? fread(bytes, 1, 1 << 20, in) : 0;
  if (in) fclose(in);
  FILE *out = fopen(bad_path, "wb");
  CHECK(out && size > 100);
  if (out) {
    fwrite(bytes, 1, size - 64, out);
    fclose(out);
  }
  check_rejected(nn, bad_path, "truncated file");
  /* Garbage. */
  out = fopen(bad_path, "wb");
  if (out) {
    fputs("not a safetensors file at all", out);
    fclose(out);
  }
  check_rejected(nn, bad_path, "garbage");
  free(bytes);
  remove(bad_path);
  remove(saved);
  free(a);
  free(b);
  dm_mmgan_free(m);
  dm_nn_free(nn);
  return dm_test_result();
}

/* Emulated maps of a CosmoGAN generator and their cube.
 *
 * Sampling: map k of a seed is the same bits whatever the batch it is drawn
 * in (1, 3 or all 7 maps at once) and whatever the first map of the call
 * (maps 2 … 6 drawn alone equal those of the whole series); the same seed
 * gives the same maps and another seed others.
 *
 * The cube (dm_cosmogan_generate): its SAMPLES are the maps
 * dm_cosmogan_sample draws, its mean and STD their mean and std per pixel
 * (to float rounding), its TAN grid is centred on the given RA, Dec (to
 * 1e-9 degrees) with the model's pixel side, and its header names the
 * method, the weights and their SHA-256, the seed, the number of maps and
 * the transform; the maps kept in memory are the same.  A cancelled run
 * fails with DM_ERROR_CANCELLED and leaves no file; a model that is not a
 * CosmoGAN, no maps, or a centre off the sky are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosmogan-test-util.h"
#include "darkmap/fits.h"
#include "darkmap/posterior.h"
#include "darkmap/sha256.h"

enum { N = 7 };

static void check_batches(DmCosmogan *m) {
  DmError *error = NULL;
  size_t npix = (size_t)m->config.size * (size_t)m->config.size;
  float *all = malloc(N * npix * sizeof(float)), *other = malloc(N * npix * sizeof(float));
  if (!all || !other) {
    CHECK(false);
    free(all);
    free(other);
    return;
  }
  CHECK_OK(dm_cosmogan_sample(m, 0, N, N, 21, all, NULL, &error), error);
  int batches[] = {1, 3};
  for (int i = 0; i < 2; i++) {
    CHECK_OK(dm_cosmogan_sample(m, 0, N, batches[i], 21, other, NULL, &error), error);
    bool same = cosmogan_test_same(all, other, N * npix);
    printf("%d maps in batches of %d equal those of one batch: %s\n", N, batches[i],
           same ? "yes" : "no");
    CHECK(same);
  }
  CHECK_OK(dm_cosmogan_sample(m, 2, N - 2, 2, 21, other, NULL, &error), error);
  bool same = cosmogan_test_same(all + 2 * npix, other, (N - 2) * npix);
  printf("maps 2 to %d drawn alone equal the series': %s\n", N - 1, same ? "yes" : "no");
  CHECK(same);
  CHECK_OK(dm_cosmogan_sample(m, 0, N, 4, 21, other, NULL, &error), error);
  CHECK(cosmogan_test_same(all, other, N * npix));
  CHECK_OK(dm_cosmogan_sample(m, 0, N, N, 22, other, NULL, &error), error);
  printf("another seed: maps differ by up to %.3g; map 1 from map 0 by %.3g\n",
         dm_test_max_abs_difference(all, other, N * npix),
         dm_test_max_abs_difference(all, all + npix, npix));
  CHECK(dm_test_max_abs_difference(all, other, N * npix) > 1e-4);
  /* Maps are kappa: above −c, and not all alike. */
  double lo = INFINITY;
  for (size_t i = 0; i < N * npix; i++) lo = fmin(lo, all[i]);
  CHECK(lo > -m->config.transform_offset);
  CHECK(dm_test_max_abs_difference(all, all + npix, npix) > 1e-4);
  CHECK_FAILS(dm_cosmogan_sample(m, 0, 0, 1, 21, other, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  free(all);
  free(other);
}

static const DmMetaCard *card(const DmMap *map, const char *key) {
  const DmMetaCard *c = dm_map_find_card(map, key);
  if (!c) printf("no %s in the header\n", key);
  return c;
}

static void check_cube(DmCosmogan *m, const char *model_path, const char *cube_path) {
  DmError *error = NULL;
  CHECK_OK(dm_cosmogan_save(m, model_path, &error), error);
  DmCosmoganGenerateRequest r;
  dm_cosmogan_generate_request_init(&r);
  r.model_path = model_path;
  r.n_maps = N;
  r.seed = 9;
  r.batch = 3;
  r.device = "cpu";
  r.threads = 1;
  r.has_center = true;
  r.center_ra = 150.1;
  r.center_dec = 2.2;
  r.out_path = cube_path;
  DmCosmoganGenerateResult result;
  CHECK_OK(dm_cosmogan_generate(&r, NULL, &result, &error), error);
  size_t npix = (size_t)m->config.size * (size_t)m->config.size;
  float *expected = malloc(N * npix * sizeof(float));
  CHECK_OK(dm_cosmogan_sample(m, 0, N, N, 9, expected, NULL, &error), error);
  CHECK(result.maps && result.maps->nplanes == N && result.size == 16 && result.batch == 3);
  if (result.maps) CHECK(cosmogan_test_same(result.maps->data, expected, N * npix));
  DmPosterior *p = dm_posterior_read(cube_path, &error);
  CHECK_OK(p != NULL, error);
  if (p && expected) {
    CHECK(p->samples && p->std && !p->signif && p->samples->nplanes == N);
    if (p->samples) CHECK(cosmogan_test_same(p->samples->data, expected, N * npix));
    double worst_mean = 0.0, worst_std = 0.0;
    for (size_t i = 0; p->std && i < npix; i++) {
      double sum = 0.0, sum2 = 0.0;
      for (int k = 0; k < N; k++) sum += expected[k * npix + i];
      for (int k = 0; k < N; k++)
        sum2 += (expected[k * npix + i] - sum / N) * (expected[k * npix + i] - sum / N);
      worst_mean = fmax(worst_mean, fabs(p->mean->data[i] - sum / N));
      worst_std = fmax(worst_std, fabs(p->std->data[i] - sqrt(sum2 / (N - 1))));
    }
    printf("cube: mean and std within %.2g and %.2g of the maps'\n", worst_mean, worst_std);
    CHECK(worst_mean < 1e-7 && worst_std < 1e-7);
    const DmWcs *wcs = p->mean->wcs;
    CHECK(wcs && dm_wcs_projection(wcs) == DM_PROJECTION_TAN);
    if (wcs) {
      double x = 7.5, y = 7.5, ra, dec;
      CHECK(dm_wcs_pixel_to_world(wcs, 1, &x, &y, &ra, &dec, &error));
      printf("cube: centre at RA %.10f, Dec %.10f; pixel %.10f′\n", ra, dec,
             dm_wcs_pixel_scale_deg(wcs) * 60.0);
      CHECK_CLOSE(ra, 150.1, 1e-9);
      CHECK_CLOSE(dec, 2.2, 1e-9);
      CHECK_CLOSE(dm_wcs_pixel_scale_deg(wcs) * 60.0, 4.0, 1e-9);
    }
    char digest[65];
    CHECK_OK(dm_sha256_file(model_path, digest, &error), error);
    const DmMetaCard *method = card(p->mean, "METHOD"), *sha = card(p->mean, "MODELSHA");
    const DmMetaCard *seed = card(p->mean, "SEED"), *count = card(p->mean, "NSAMPLES");
    const DmMetaCard *a = card(p->mean, "TRANSFA"), *c = card(p->mean, "TRANSFC");
    CHECK(method && strcmp(method->text, "COSMOGAN") == 0);
    CHECK(sha && strcmp(sha->text, digest) == 0);
    CHECK(seed && seed->number == 9 && count && count->number == N);
    CHECK(a && a->number == m->config.transform_a && c && c->number == m->config.transform_offset);
  }
  dm_posterior_free(p);
  dm_cosmogan_generate_result_clear(&result);
  free(expected);
}

static void check_refusals(const char *model_path, const char *cube_path) {
  DmError *error = NULL;
  remove(cube_path);
  DmCosmoganGenerateRequest r;
  dm_cosmogan_generate_request_init(&r);
  r.model_path = model_path;
  r.device = "cpu";
  r.threads = 1;
  r.out_path = cube_path;
  r.keep_maps = false;
  DmCosmoganGenerateResult result;
  atomic_int cancel = 1;
  DmProgress progress = {NULL, NULL, &cancel};
  CHECK_FAILS(dm_cosmogan_generate(&r, &progress, &result, &error), error, DM_ERROR_CANCELLED);
  CHECK(result.maps == NULL);
  CHECK(access(cube_path, F_OK) != 0 && dm_test_count_temporaries(cube_path) == 0);
  DmCosmoganGenerateRequest bad = r;
  bad.n_maps = 0;
  CHECK_FAILS(dm_cosmogan_generate(&bad, NULL, &result, &error), error, DM_ERROR_INVALID_ARGUMENT);
  bad = r;
  bad.has_center = true;
  bad.center_dec = 91.0;
  CHECK_FAILS(dm_cosmogan_generate(&bad, NULL, &result, &error), error, DM_ERROR_INVALID_ARGUMENT);
  bad = r;
  bad.model_path = dm_test_app_data_path("models/mmgan-cosmos.safetensors");
  CHECK_FAILS(dm_cosmogan_generate(&bad, NULL, &result, &error), error, DM_ERROR_FORMAT);
  CHECK(access(cube_path, F_OK) != 0);
}

int main(void) {
  DmNn *nn = cosmogan_test_nn();
  DmCosmogan *m = nn ? cosmogan_test_model(nn, 5) : NULL;
  if (!m) return dm_test_result();
  char model_path[4096], cube_path[4096];
  snprintf(model_path, sizeof model_path, "%s", dm_test_tmp_path("cosmogan.safetensors"));
  snprintf(cube_path, sizeof cube_path, "%s", dm_test_tmp_path("cube.fits"));
  check_batches(m);
  check_cube(m, model_path, cube_path);
  check_refusals(model_path, cube_path);
  remove(model_path);
  remove(cube_path);
  dm_cosmogan_free(m);
  dm_nn_free(nn);
  return dm_test_result();
}

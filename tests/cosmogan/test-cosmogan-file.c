/* The CosmoGAN generator's weights file and its map transform.
 *
 * Round trip: a saved generator loads with the same configuration (a and c
 * to the last bit) and the same tensors, and draws the same maps bit for
 * bit; dm_model_info_read calls it a CosmoGAN of its map size and pixel.
 * Hostile files fail with DM_ERROR_FORMAT before any network is made: another
 * arch, no or another transform, a size that is not a multiple of 16, a
 * non-positive or non-finite a, a non-finite c, metadata asking for a network
 * larger than the file's tensors (no allocation of that size happens), a
 * missing, extra or truncated tensor.
 *
 * The transform: s(kappa) = 2 (kappa + c) / (kappa + c + a) − 1 inverts to
 * within 1e-15 relative, the fit puts the median pixel at s = 0 and the
 * least at 2 (0.1 std) / (0.1 std + a) − 1 > −1, and s = 1 (a saturated
 * tanh) inverts to a finite kappa. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosmogan-test-util.h"
#include "darkmap/model-info.h"
#include "darkmap/safetensors.h"

enum { MAPS = 3 };

/* Rewrites the valid file src as dst with metadata key set to value (NULL
 * removes it; key NULL changes none), tensor `drop` left out (NULL: none),
 * an extra tensor when extra, the last tensor cut short when cut. */
static void rewrite(const char *src, const char *dst, const char *key, const char *value,
                    const char *drop, bool extra, bool cut) {
  DmError *error = NULL;
  DmSafetensors *st = dm_safetensors_read(src, &error);
  CHECK_OK(st != NULL, error);
  if (!st) return;
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  bool ok = w != NULL;
  for (int i = 0; ok && i < dm_safetensors_metadata_count(st); i++) {
    const char *k = dm_safetensors_metadata_key(st, i);
    if (key && strcmp(k, key) == 0) continue;
    ok = dm_safetensors_writer_add_metadata(w, k, dm_safetensors_metadata(st, k), &error);
  }
  if (ok && key && value) ok = dm_safetensors_writer_add_metadata(w, key, value, &error);
  int n = dm_safetensors_count(st);
  for (int i = 0; ok && i < n; i++) {
    const DmStTensorInfo *t = dm_safetensors_info(st, i);
    if (drop && strcmp(t->name, drop) == 0) continue;
    ok = dm_safetensors_writer_add(w, t->name, t->dtype, t->ndim, t->shape,
                                   dm_safetensors_data(st, t), &error);
  }
  static const float bias[2] = {0.5f, 0.25f};
  if (ok && extra)
    ok = dm_safetensors_writer_add(w, "up.9.bias", DM_ST_F32, 1, (int64_t[]){2}, bias, &error);
  ok = ok && dm_safetensors_writer_write(w, dst, &error);
  CHECK_OK(ok, error);
  dm_safetensors_writer_free(w);
  dm_safetensors_free(st);
  if (cut) {
    FILE *f = fopen(dst, "r+b");
    CHECK(f != NULL);
    if (f) {
      fseek(f, 0, SEEK_END);
      long size = ftell(f);
      fclose(f);
      CHECK(truncate(dst, size - 16) == 0);
    }
  }
}

static void check_round_trip(DmNn *nn, const char *path) {
  DmError *error = NULL;
  DmCosmogan *m = cosmogan_test_model(nn, 11);
  if (!m) return;
  /* Running statistics that differ from their start, as after training. */
  for (int i = 0; i < dm_nn_params_count(m->generator_params); i++)
    if (!dm_nn_params_trainable(m->generator_params, i)) {
      DmTensor *t = dm_nn_params_tensor(m->generator_params, i);
      CHECK(dm_tensor_fill_uniform(t, 5, (uint64_t)i, 0.5f, 1.5f));
    }
  CHECK_OK(dm_cosmogan_save(m, path, &error), error);
  DmCosmogan *back = dm_cosmogan_load(nn, path, &error);
  CHECK_OK(back != NULL, error);
  if (back) {
    const DmCosmoganConfig *a = &m->config, *b = &back->config;
    CHECK(a->z_dim == b->z_dim && a->base_width == b->base_width && a->size == b->size &&
          a->pixel_arcmin == b->pixel_arcmin && a->transform_a == b->transform_a &&
          a->transform_offset == b->transform_offset);
    CHECK(back->discriminator == NULL);
    int n = dm_nn_params_count(m->generator_params);
    CHECK(n == dm_nn_params_count(back->generator_params));
    bool same = true;
    for (int i = 0; i < n && same; i++) {
      DmTensor *x = dm_nn_params_tensor(m->generator_params, i);
      DmTensor *y =
          dm_nn_params_find(back->generator_params, dm_nn_params_name(m->generator_params, i));
      size_t count = (size_t)dm_tensor_numel(x);
      float *hx = malloc(count * sizeof(float)), *hy = malloc(count * sizeof(float));
      same = y && hx && hy && dm_tensor_same_shape(x, y) && dm_tensor_download(x, hx, count) &&
             dm_tensor_download(y, hy, count) && cosmogan_test_same(hx, hy, count);
      free(hx);
      free(hy);
    }
    CHECK(same);
    size_t npix = (size_t)a->size * (size_t)a->size;
    float *maps_a = malloc(MAPS * npix * sizeof(float)),
          *maps_b = malloc(MAPS * npix * sizeof(float));
    CHECK_OK(dm_cosmogan_sample(m, 0, MAPS, MAPS, 4, maps_a, NULL, &error), error);
    CHECK_OK(dm_cosmogan_sample(back, 0, MAPS, MAPS, 4, maps_b, NULL, &error), error);
    bool same_maps = cosmogan_test_same(maps_a, maps_b, MAPS * npix);
    printf("round trip: configuration, %d tensors and %d maps the same: %s\n", n, MAPS,
           same && same_maps ? "yes" : "no");
    CHECK(same_maps);
    free(maps_a);
    free(maps_b);
  }
  DmModelInfo info;
  CHECK_OK(dm_model_info_read(path, &info, &error), error);
  CHECK(info.kind == DM_MODEL_COSMOGAN && info.nx == 16 && info.ny == 16 &&
        info.pixel_arcmin == 4.0 && !info.calibration.present);
  CHECK(info.n_parameters > dm_cosmogan_generator_size(m)); /* the buffers too */
  CHECK(strcmp(dm_model_kind_describe(info.kind), "CosmoGAN emulator") == 0);
  dm_cosmogan_free(back);
  dm_cosmogan_free(m);
}

static void check_hostile(DmNn *nn, const char *valid, const char *bad) {
  struct {
    const char *what, *key, *value, *drop;
    bool extra, cut;
  } cases[] = {
      {"another arch", "arch", "unet", NULL, false, false},
      {"no transform", "transform", NULL, NULL, false, false},
      {"another transform", "transform", "log(kappa+c)", NULL, false, false},
      {"a size not a multiple of 16", "size", "24", NULL, false, false},
      {"metadata larger than the tensors", "size", "4096", NULL, false, false},
      {"a width larger than the tensors", "base_width", "1024", NULL, false, false},
      {"a negative a", "transform_a", "-0.03", NULL, false, false},
      {"a = 0", "transform_a", "0", NULL, false, false},
      {"an infinite a", "transform_a", "inf", NULL, false, false},
      {"a NaN offset", "transform_offset", "nan", NULL, false, false},
      {"no pixel side", "pixel_arcmin", NULL, NULL, false, false},
      {"a missing tensor", NULL, NULL, "up.3.bias", false, false},
      {"an extra tensor", NULL, NULL, NULL, true, false},
      {"a truncated file", NULL, NULL, NULL, false, true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    DmError *error = NULL;
    rewrite(valid, bad, cases[i].key, cases[i].value, cases[i].drop, cases[i].extra, cases[i].cut);
    printf("%s: ", cases[i].what);
    DmCosmogan *m = dm_cosmogan_load(nn, bad, &error);
    CHECK(m == NULL);
    dm_cosmogan_free(m);
    CHECK_FAILS(false, error, DM_ERROR_FORMAT);
    dm_error_clear(&error);
  }
  /* A valid rewrite loads: the cases fail for what they change. */
  DmError *error = NULL;
  rewrite(valid, bad, NULL, NULL, NULL, false, false);
  DmCosmogan *m = dm_cosmogan_load(nn, bad, &error);
  CHECK_OK(m != NULL, error);
  dm_cosmogan_free(m);
  CHECK(dm_nn_ok(nn));
}

static void check_transform(void) {
  DmError *error = NULL;
  /* 1001 pixels −0.02 … 0.98 by 0.001, and one halo pixel. */
  enum { N = 1002 };
  float kappa[N];
  for (int i = 0; i < N - 1; i++) kappa[i] = (float)(-0.02 + 0.001 * i);
  kappa[N - 1] = 5.0f;
  DmCosmoganConfig c = cosmogan_test_config();
  CHECK_OK(dm_cosmogan_fit_transform(kappa, N, &c, &error), error);
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < N; i++) sum += kappa[i];
  for (int i = 0; i < N; i++) sum2 += (kappa[i] - sum / N) * (kappa[i] - sum / N);
  double std = sqrt(sum2 / N), median = 0.5 * ((double)kappa[500] + kappa[501]);
  CHECK_CLOSE(c.transform_offset, 0.02f + 0.1 * std, 1e-9); /* −min is the float 0.02 */
  CHECK_CLOSE(c.transform_a, median + c.transform_offset, 1e-12);
  CHECK_CLOSE(dm_cosmogan_transform(&c, median), 0.0, 1e-12);
  double lowest = dm_cosmogan_transform(&c, kappa[0]);
  CHECK(lowest > -1.0);
  CHECK_CLOSE(lowest, 2.0 * 0.1 * std / (0.1 * std + c.transform_a) - 1.0, 1e-9);
  double worst = 0.0;
  for (int i = 0; i < N; i++) {
    double back = dm_cosmogan_inverse(&c, dm_cosmogan_transform(&c, kappa[i]));
    worst = fmax(worst, fabs(back - kappa[i]) / fmax(fabs((double)kappa[i]), 1e-3));
  }
  printf("transform: c %.6f, a %.6f, round trip within %.2g\n", c.transform_offset, c.transform_a,
         worst);
  CHECK(worst < 1e-12);
  CHECK(isfinite(dm_cosmogan_inverse(&c, 1.0)) && dm_cosmogan_inverse(&c, 1.0) > 1e5);
  CHECK(dm_cosmogan_transform(&c, 1e9) < 1.0);
  /* Constant or non-finite pixels have no transform. */
  float flat[4] = {0.1f, 0.1f, 0.1f, 0.1f}, broken[2] = {0.1f, NAN};
  CHECK_FAILS(dm_cosmogan_fit_transform(flat, 4, &c, &error), error, DM_ERROR_NO_DATA);
  CHECK_FAILS(dm_cosmogan_fit_transform(broken, 2, &c, &error), error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_cosmogan_fit_transform(flat, 0, &c, &error), error, DM_ERROR_INVALID_ARGUMENT);
}

int main(void) {
  check_transform();
  DmNn *nn = cosmogan_test_nn();
  if (!nn) return dm_test_result();
  char valid[4096], bad[4096];
  snprintf(valid, sizeof valid, "%s", dm_test_tmp_path("cosmogan.safetensors"));
  snprintf(bad, sizeof bad, "%s", dm_test_tmp_path("hostile.safetensors"));
  check_round_trip(nn, valid);
  check_hostile(nn, valid, bad);
  /* A configuration the networks refuse. */
  DmError *error = NULL;
  DmCosmoganConfig c = cosmogan_test_config();
  c.size = 40;
  CHECK_FAILS(dm_cosmogan_new(nn, &c, true, 1, &error) != NULL, error, DM_ERROR_INVALID_ARGUMENT);
  remove(valid);
  remove(bad);
  dm_nn_free(nn);
  return dm_test_result();
}

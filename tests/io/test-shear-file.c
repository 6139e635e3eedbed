/* The binned-shear file: a small synthetic DmBinnedShear survives a write
 * and a read (pixels, WCS, sigma_e, counts of galaxies); files missing an
 * extension or a keyword, or with mismatched sizes, are refused clearly. */
#include <stdio.h>
#include <string.h>

#include "darkmap/binning.h"
#include "darkmap/fits.h"
#include "test-util.h"

enum { NX = 8, NY = 6 };

static DmBinnedShear *make_binned(DmError **error) {
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_FLAT, 150.0, 2.0, 0.5 / 60.0, NX, NY, false, error);
  if (!wcs) return NULL;
  DmBinnedShear *binned = calloc(1, sizeof *binned);
  binned->shear = dm_map_new(NX, NY, 2, wcs, error);
  binned->counts = dm_map_new(NX, NY, 1, wcs, error);
  binned->weight = dm_map_new(NX, NY, 1, wcs, error);
  binned->noise = dm_map_new(NX, NY, 2, wcs, error);
  binned->mask = dm_map_new(NX, NY, 1, wcs, error);
  dm_wcs_free(wcs);
  if (!binned->shear || !binned->counts || !binned->weight || !binned->noise ||
      !binned->mask) {
    dm_binned_shear_free(binned);
    return NULL;
  }
  for (int i = 0; i < NX * NY; i++) {
    int n = i % 3;
    binned->counts->data[i] = (float)n;
    binned->weight->data[i] = 0.75f * (float)n;
    binned->mask->data[i] = n > 0 ? 1.0f : 0.0f;
    binned->shear->data[i] = n ? 0.01f * (float)i : 0.0f;
    binned->shear->data[NX * NY + i] = n ? -0.02f * (float)i : 0.0f;
    binned->noise->data[i] = n ? 0.3f / (float)n : 0.0f;
    binned->noise->data[NX * NY + i] = n ? 0.31f / (float)n : 0.0f;
  }
  binned->sigma_e[0] = 0.30516;
  binned->sigma_e[1] = 0.30563;
  binned->n_binned = 48;
  binned->n_outside = 7;
  dm_map_set_string(binned->shear, "PROJECT", "FLAT", "grid projection", error);
  return binned;
}

static bool same_map(const DmMap *a, const DmMap *b) {
  return a->nx == b->nx && a->ny == b->ny && a->nplanes == b->nplanes &&
         memcmp(a->data, b->data, dm_map_plane_size(a) * (size_t)a->nplanes * sizeof(float)) ==
             0 &&
         b->wcs && dm_wcs_equal(a->wcs, b->wcs, a->nx, a->ny, 1e-6);
}

static void test_round_trip(const char *path) {
  DmError *error = NULL;
  DmBinnedShear *binned = make_binned(&error);
  CHECK_OK(binned, error);
  if (!binned) return;
  CHECK_OK(dm_binned_shear_write(path, binned, &error), error);
  DmBinnedShear *back = dm_binned_shear_read(path, &error);
  CHECK_OK(back, error);
  if (back) {
    CHECK(same_map(binned->shear, back->shear));
    CHECK(same_map(binned->counts, back->counts));
    CHECK(same_map(binned->weight, back->weight));
    CHECK(same_map(binned->noise, back->noise));
    CHECK(same_map(binned->mask, back->mask));
    CHECK(back->sigma_e[0] == 0.30516 && back->sigma_e[1] == 0.30563);
    CHECK(back->n_binned == 48 && back->n_outside == 7);
    const DmMetaCard *card = dm_map_find_card(back->shear, "PROJECT");
    CHECK(card && strcmp(card->text, "FLAT") == 0);

    /* Written again from what was read: the summary keywords are updated,
     * not duplicated. */
    back->n_outside = 9;
    CHECK_OK(dm_binned_shear_write(path, back, &error), error);
    DmBinnedShear *again = dm_binned_shear_read(path, &error);
    CHECK_OK(again, error);
    if (again) CHECK(again->n_outside == 9 && again->shear->n_cards == back->shear->n_cards);
    dm_binned_shear_free(again);
  }
  dm_binned_shear_free(back);
  dm_binned_shear_free(binned);
}

/* Writes the primary (with its keywords) and the given extensions only. */
static void write_partial(const char *path, const DmBinnedShear *binned, const DmMap *counts,
                          bool with_noise) {
  DmError *error = NULL;
  DmMap *shear = dm_map_copy(binned->shear, &error);
  CHECK_OK(shear, error);
  if (!shear) return;
  dm_map_set_double(shear, "SIGMAE1", 0.3, NULL, &error);
  dm_map_set_double(shear, "SIGMAE2", 0.3, NULL, &error);
  dm_map_set_int(shear, "NBINNED", 10, NULL, &error);
  dm_map_set_int(shear, "NOUTSIDE", 0, NULL, &error);
  DmFitsImageHdu hdus[5] = {{shear, NULL},
                            {counts, "COUNTS"},
                            {binned->weight, "WEIGHT"},
                            {binned->noise, "NOISE"},
                            {binned->mask, "MASK"}};
  if (!with_noise) hdus[3] = hdus[4];
  CHECK_OK(dm_fits_write_images(path, hdus, with_noise ? 5 : 4, &error), error);
  dm_map_free(shear);
}

static void test_malformed(const char *path) {
  DmError *error = NULL;
  DmBinnedShear *binned = make_binned(&error);
  CHECK_OK(binned, error);
  if (!binned) return;

  write_partial(path, binned, binned->counts, false);
  DmBinnedShear *back = dm_binned_shear_read(path, &error);
  CHECK(back == NULL);
  CHECK(error && error->code == DM_ERROR_FORMAT && strstr(error->message, "NOISE"));
  if (error) printf("expected failure: %s\n", error->message);
  dm_error_clear(&error);

  DmMap *small = dm_map_new(NX - 1, NY, 1, NULL, &error);
  CHECK_OK(small, error);
  if (small) {
    write_partial(path, binned, small, true);
    CHECK_FAILS(dm_binned_shear_read(path, &error), error, DM_ERROR_FORMAT);
    dm_map_free(small);
  }

  /* Only the g1/g2 cube: no summary keywords, no extensions. */
  CHECK_OK(dm_fits_write_map(path, binned->shear, &error), error);
  CHECK_FAILS(dm_binned_shear_read(path, &error), error, DM_ERROR_FORMAT);

  /* A single-plane image is not a shear cube. */
  CHECK_OK(dm_fits_write_map(path, binned->counts, &error), error);
  CHECK_FAILS(dm_binned_shear_read(path, &error), error, DM_ERROR_FORMAT);

  CHECK_FAILS(dm_binned_shear_read(dm_test_tmp_path("missing.fits"), &error), error,
              DM_ERROR_NOT_FOUND);

  /* Incomplete input writes nothing. */
  DmMap *mask = binned->mask;
  binned->mask = NULL;
  CHECK_FAILS(dm_binned_shear_write(path, binned, &error), error, DM_ERROR_INVALID_ARGUMENT);
  binned->mask = mask;
  dm_binned_shear_free(binned);
}

int main(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("shear.fits"));
  test_round_trip(path);
  test_malformed(path);
  remove(path);
  return dm_test_result();
}

/* Files that once broke a reader, found by the fuzz targets (tests/fuzz):
 * each is now refused with a clear error or read into something that can
 * be written back.
 *
 *   - An image header card whose keyword has characters FITS does not
 *     allow ("CR#AL2", a byte above 127) was kept as metadata, which the
 *     writer then refused: reading is fine, writing the map back failed.
 *     Such cards are now dropped on reading (a lower-case keyword, which
 *     FITS does not allow either but cfitsio reads, is still kept, in
 *     upper case, as before).
 *   - A lower-case WCS keyword with an alternate-description letter
 *     ("CRVAL2r") was not recognised as the WCS's, so it was kept as
 *     metadata, which the writer (upper case: "CRVAL2R") then refused.
 *   - A keyword with an undefined value ("EMPTY   =", blanks after), which
 *     is how the writer gives a NaN, was dropped unless a comment followed
 *     (cfitsio trims the blanks): a NaN card did not survive a write.
 *   - A posterior file whose STD extension is damaged (not merely absent)
 *     freed the extension's error twice.
 *   - A weights file with an empty tensor whose other dimensions are huge
 *     (the file's size bounds only non-empty tensors) made the model's
 *     parameter count multiply past INT64_MAX (undefined behaviour, caught
 *     by UBSan in the fuzz build); the count is now taken from the bytes.
 *   - A dataset file whose DSFIRST is not a tuple index (1e30, NaN) was
 *     converted to an integer regardless (undefined behaviour: on x86 the
 *     file then claimed tuples from index 0 or 2^63); it is refused.
 *   - An image whose WCS has CDELT1 = -1E200 and CDELT2 = 1E200 (finite,
 *     but their product is not) gave training maps of a CosmoGAN pixels of
 *     an infinite side; such a WCS is refused, as any reader of the image
 *     now refuses it.
 * (Headers that made cfitsio overflow its own buffers are refused before
 * cfitsio reads them: test-fits-header-scan.) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/dataset.h"
#include "darkmap/fits.h"
#include "darkmap/map-tiles.h"
#include "darkmap/model-info.h"
#include "darkmap/posterior.h"
#include "test-util.h"

enum { BLOCK = 2880, SIDE = 4 };

/* Writes a SIDE × SIDE float image of zeros whose header holds the given
 * extra cards (each at most 80 characters), by hand, so that the cards are
 * exactly these bytes. */
static bool write_image_with_cards(const char *path, const char *const *cards, int n_cards) {
  char header[BLOCK];
  memset(header, ' ', sizeof header);
  const char *structure[] = {"SIMPLE  =                    T", "BITPIX  =                  -32",
                             "NAXIS   =                    2", "NAXIS1  =                    4",
                             "NAXIS2  =                    4"};
  int k = 0;
  for (size_t i = 0; i < sizeof structure / sizeof *structure; i++, k++)
    memcpy(header + 80 * k, structure[i], strlen(structure[i]));
  for (int i = 0; i < n_cards; i++, k++) memcpy(header + 80 * k, cards[i], strlen(cards[i]));
  memcpy(header + 80 * k, "END", 3);
  char data[BLOCK] = {0};
  FILE *file = fopen(path, "wb");
  if (!file) return false;
  bool ok = fwrite(header, 1, BLOCK, file) == BLOCK && fwrite(data, 1, BLOCK, file) == BLOCK;
  return fclose(file) == 0 && ok;
}

static void test_invalid_keywords_dropped(const char *path, const char *rewrite) {
  const char *cards[] = {"CR#AL2  =                  1.5", "CU\xffIT1  = 'deg     '",
                         "lower   =                    3", "METHOD  = 'ks      '",
                         "CRVAL2r =                  2.2", "pc1_2b  =                  0.1",
                         "EMPTY   =                     "};
  CHECK(write_image_with_cards(path, cards, 7));
  DmError *error = NULL;
  DmMap *map = dm_fits_read_image(path, NULL, &error);
  CHECK_OK(map, error);
  if (!map) return;
  CHECK(dm_map_find_card(map, "CR#AL2") == NULL);
  CHECK(dm_map_find_card(map, "CU\xffIT1") == NULL);
  CHECK(dm_map_find_card(map, "CRVAL2R") == NULL);
  CHECK(dm_map_find_card(map, "PC1_2B") == NULL);
  const DmMetaCard *lower = dm_map_find_card(map, "LOWER");
  CHECK(lower && lower->type == DM_META_INT && lower->number == 3.0);
  const DmMetaCard *empty = dm_map_find_card(map, "EMPTY");
  CHECK(empty && empty->type == DM_META_DOUBLE && isnan(empty->number));
  const DmMetaCard *method = dm_map_find_card(map, "METHOD");
  CHECK(method && method->type == DM_META_STRING && strcmp(method->text, "ks") == 0);

  CHECK_OK(dm_fits_write_map(rewrite, map, &error), error);
  DmMap *again = dm_fits_read_image(rewrite, NULL, &error);
  CHECK_OK(again, error);
  if (again) {
    lower = dm_map_find_card(again, "LOWER");
    CHECK(lower && lower->type == DM_META_INT && lower->number == 3.0);
    empty = dm_map_find_card(again, "EMPTY");
    CHECK(empty && empty->type == DM_META_DOUBLE && isnan(empty->number));
    CHECK(again->nx == SIDE && again->ny == SIDE && again->data[0] == 0.0f);
  }
  dm_map_free(again);
  dm_map_free(map);
}

static void test_posterior_with_damaged_std(const char *path) {
  DmError *error = NULL;
  DmMap *mean = dm_map_new(SIDE, SIDE, 1, NULL, &error);
  DmMap *std = dm_map_new(SIDE, SIDE, 1, NULL, &error);
  CHECK_OK(mean && std, error);
  if (!mean || !std) {
    dm_map_free(mean);
    dm_map_free(std);
    return;
  }
  DmFitsImageHdu hdus[] = {{mean, NULL}, {std, "STD"}};
  CHECK_OK(dm_fits_write_images(path, hdus, 2, &error), error);
  dm_map_free(mean);
  dm_map_free(std);

  /* Cut the STD extension's data block: its header stays, its pixels go. */
  FILE *file = fopen(path, "r+b");
  CHECK(file && fseek(file, 0, SEEK_END) == 0);
  long size = file ? ftell(file) : 0;
  CHECK(size == 4 * BLOCK);
  if (file) fclose(file);
  CHECK(truncate(path, size - BLOCK) == 0);

  DmPosterior *posterior = dm_posterior_read(path, &error);
  CHECK(posterior == NULL);
  CHECK(error && error->code != DM_ERROR_NOT_FOUND && strstr(error->message, path));
  if (error) printf("expected failure: %s\n", error->message);
  dm_error_clear(&error);
  dm_posterior_free(posterior);
}

static void test_model_with_empty_huge_tensor(const char *path) {
  /* A 2-element F32 tensor and an empty one of 2^62 x 4 x 0. */
  const char header[] =
      "{\"__metadata__\":{\"arch\":\"unet\"},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4,0],"
      "\"data_offsets\":[8,8]}}";
  uint64_t header_size = sizeof header - 1;
  const float values[2] = {0.5f, -0.5f};
  FILE *file = fopen(path, "wb");
  CHECK(file && fwrite(&header_size, sizeof header_size, 1, file) == 1 &&
        fwrite(header, 1, header_size, file) == header_size &&
        fwrite(values, sizeof values, 1, file) == 1);
  if (file) fclose(file);

  DmError *error = NULL;
  DmModelInfo info;
  CHECK_OK(dm_model_info_read(path, &info, &error), error);
  CHECK(info.kind == DM_MODEL_SCORE_HYBRID);
  CHECK(info.n_parameters == 2);
}

static void test_dataset_with_bad_first_index(const char *path) {
  DmError *error = NULL;
  DmMap *kappa = dm_map_new(SIDE, SIDE, 1, NULL, &error);
  DmMap *shear = dm_map_new(SIDE, SIDE, 2, NULL, &error);
  DmMap *noise = dm_map_new(SIDE, SIDE, 2, NULL, &error);
  DmMap *mask = dm_map_new(SIDE, SIDE, 1, NULL, &error);
  CHECK_OK(kappa && shear && noise && mask, error);
  if (kappa && shear && noise && mask) {
    CHECK_OK(dm_map_set_double(kappa, "DSFIRST", 1e30, NULL, &error) &&
                 dm_map_set_int(kappa, "DSCOUNT", 1, NULL, &error),
             error);
    DmFitsImageHdu hdus[] = {{kappa, NULL}, {shear, "SHEAR"}, {noise, "NOISE"}, {mask, "MASK"}};
    CHECK_OK(dm_fits_write_images(path, hdus, 4, &error), error);
    DmDatasetFile *file = dm_dataset_file_read(path, &error);
    CHECK(file == NULL);
    CHECK(error && error->code == DM_ERROR_FORMAT &&
          strstr(error->message, "DSFIRST = 1e+30 is not a tuple index"));
    if (error) printf("expected failure: %s\n", error->message);
    dm_error_clear(&error);
    dm_dataset_file_free(file);
  }
  dm_map_free(kappa);
  dm_map_free(shear);
  dm_map_free(noise);
  dm_map_free(mask);
}

static void test_training_maps_with_infinite_pixels(const char *path) {
  DmError *error = NULL;
  const char *sizes[][2] = {{"-1E200", "1E200"}, {"-0.016666666666666667", "0.016666666666666667"}};
  for (int i = 0; i < 2; i++) {
    char cdelt[2][81];
    snprintf(cdelt[0], sizeof cdelt[0], "CDELT1  = %20s", sizes[i][0]);
    snprintf(cdelt[1], sizeof cdelt[1], "CDELT2  = %20s", sizes[i][1]);
    const char *cards[] = {"CTYPE1  = 'RA---TAN'", "CTYPE2  = 'DEC--TAN'",
                           "CRVAL1  =                150.0", "CRVAL2  =                  2.2",
                           cdelt[0], cdelt[1]};
    CHECK(write_image_with_cards(path, cards, 6));
    double pixel = -1.0;
    if (i == 0) {
      CHECK(!dm_map_tiles_probe(path, &pixel, &error));
      CHECK(error && error->code == DM_ERROR_WCS &&
            strstr(error->message, "pixels of inf degrees, not a finite size"));
      dm_error_clear(&error);
      CHECK(dm_map_tiles_read(path, SIDE, 1, 0.5, NULL, &error) == NULL);
      CHECK(error && error->code == DM_ERROR_WCS &&
            strstr(error->message, "Cannot read the WCS of") &&
            strstr(error->message, "pixels of inf degrees, not a finite size"));
      if (error) printf("expected failure: %s\n", error->message);
      dm_error_clear(&error);
    } else {
      /* The same image with pixels of 1′. */
      CHECK_OK(dm_map_tiles_probe(path, &pixel, &error), error);
      CHECK(fabs(pixel - 1.0) < 1e-12);
      DmMapTiles *maps = dm_map_tiles_read(path, SIDE, 1, 0.5, NULL, &error);
      CHECK_OK(maps, error);
      CHECK(maps && dm_map_tiles_count(maps) == 1 &&
            dm_map_tiles_pixel_arcmin(maps) == pixel);
      dm_map_tiles_free(maps);
    }
  }
}

int main(void) {
  char path[4096], rewrite[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("hostile.fits"));
  snprintf(rewrite, sizeof rewrite, "%s", dm_test_tmp_path("rewrite.fits"));
  test_invalid_keywords_dropped(path, rewrite);
  test_posterior_with_damaged_std(path);
  test_model_with_empty_huge_tensor(path);
  test_dataset_with_bad_first_index(path);
  test_training_maps_with_infinite_pixels(path);
  remove(path);
  remove(rewrite);
  return dm_test_result();
}

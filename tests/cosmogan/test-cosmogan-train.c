/* dm_train's COSMOGAN kind (darkmap/train.h, darkmap/cosmogan-train.h).
 *
 * Exact resume: 3 steps, a checkpoint, 3 more steps from the checkpoint
 * alone (its recorded request, the theory read from its path) give the
 * model file of 6 steps in one go byte for byte, and every tensor of the
 * checkpoint (generator, discriminator, both Adams, the generator kept at
 * the validations every 2 steps) bit for bit; the model
 * is a CosmoGAN of the request's maps and its card says so.  A checkpoint
 * of another latent size or other training maps is refused with both named;
 * one resumed with more maps per validation goes on (they are not training
 * data).
 *
 * Maps from files: a FITS cube of 2 planes of 40 × 35 pixels of 3′ (WCS)
 * gives 2 × 2 tiles of 16² per plane, one of them left out for its NaN: 7
 * tiles, trained at the files' 3′ whatever the request said; a folder with
 * that cube and an image of 32 × 16 pixels gives 9 tiles of 2 files; a file
 * of another pixel scale in the folder, a folder without FITS files and
 * images smaller than the maps are refused, as are maps whose side is not a
 * multiple of 16 and validations of fewer than 2 maps. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "darkmap/fits.h"
#include "darkmap/model-card.h"
#include "darkmap/model-info.h"
#include "train/train-test-util.h"

enum { HALF = 3 };

/* A CosmoGAN request on simulated maps: 16² maps of 4′, width 2, latent
 * size 8, 8 maps, 4 generated per validation, batch 4, seed 7. */
static void cosmogan_request(DmTrainRequest *r, const DmTheorySpectrum *theory) {
  dm_train_request_init(r, DM_TRAIN_COSMOGAN, DM_TRAIN_PRESET_QUICK);
  r->theory = theory;
  r->size = 16;
  r->pixel_arcmin = 4.0;
  r->width = 2;
  r->z_channels = 8;
  r->pool_maps = 8;
  r->validation = 4;
  r->batch = 4;
  r->seed = 7;
  train_test_run_settings(r, NULL, HALF);
}

/* A plane of nx × ny with a WCS of pixel_arcmin (none when 0), values a
 * smooth pattern, one NaN at (x, y) when x >= 0. */
static DmMap *image(int nx, int ny, int planes, double pixel_arcmin, int nan_x, int nan_y) {
  DmError *error = NULL;
  DmWcs *wcs = pixel_arcmin > 0.0 ? dm_wcs_new_grid(DM_PROJECTION_TAN, 30.0, -10.0,
                                                    pixel_arcmin / 60.0, nx, ny, true, &error)
                                  : NULL;
  DmMap *map = dm_map_new(nx, ny, planes, wcs, &error);
  CHECK_OK(map != NULL, error);
  dm_wcs_free(wcs);
  for (int p = 0; map && p < planes; p++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++)
        dm_map_plane(map, p)[y * nx + x] =
            (float)(0.01 * sin(0.3 * x + p) * cos(0.2 * y) + 0.002 * ((x * 7 + y * 13 + p) % 5));
  if (map && nan_x >= 0) map->data[nan_y * nx + nan_x] = NAN;
  return map;
}

static void write_image(const char *path, DmMap *map) {
  DmError *error = NULL;
  CHECK_OK(map && dm_fits_write_map(path, map, &error), error);
  dm_map_free(map);
}

static void check_resume(const DmTheorySpectrum *theory, const char *theory_path) {
  DmError *error = NULL;
  char straight[4096], halves[4096];
  snprintf(straight, sizeof straight, "%s", dm_test_tmp_path("straight.safetensors"));
  snprintf(halves, sizeof halves, "%s", dm_test_tmp_path("halves.safetensors"));
  DmTrainRequest r;
  cosmogan_request(&r, theory);
  r.theory_path = theory_path;
  r.validate_every = 2;
  DmTrainResult result;
  r.model_path = straight;
  r.steps = 2 * HALF;
  CHECK_OK(dm_train(&r, NULL, NULL, &result, &error), error);
  CHECK(result.steps == 2 * HALF && result.finished);
  CHECK(strcmp(result.maps, "8 simulated maps") == 0);
  CHECK(result.cosmogan.n_generated == 4 && result.cosmogan.n_reference == 8);
  /* The model is the generator kept at step 2, 4 or 6 (validations every 2). */
  CHECK(result.cosmogan.step > 0 && result.cosmogan.step % 2 == 0);
  CHECK(isfinite(result.last.validation_loss) && isfinite(result.last.critic_loss) &&
        isfinite(result.last.train_loss) && result.last.d_real > 0.0 && result.last.d_real < 1.0);

  r.model_path = halves;
  r.steps = HALF;
  CHECK_OK(dm_train(&r, NULL, NULL, &result, &error), error);
  char *a = dm_train_checkpoint_path(&(DmTrainRequest){.model_path = straight});
  char *b = dm_train_checkpoint_path(&(DmTrainRequest){.model_path = halves});
  DmTrainCheckpointInfo half;
  CHECK_OK(dm_train_checkpoint_read(b, &half, &error), error);
  DmTrainRequest resumed = half.request;
  CHECK(resumed.kind == DM_TRAIN_COSMOGAN && resumed.theory == NULL && half.step == HALF);
  CHECK(resumed.maps_path == NULL && resumed.z_channels == 8 && resumed.size == 16);
  train_test_check_resumed(&resumed, 2 * HALF, straight, halves, a, b, "CosmoGAN");

  DmModelInfo info;
  CHECK_OK(dm_model_info_read(halves, &info, &error), error);
  CHECK(info.kind == DM_MODEL_COSMOGAN && info.nx == 16 && info.pixel_arcmin == 4.0);
  char *card_path = dm_model_card_path(halves);
  FILE *f = card_path ? fopen(card_path, "rb") : NULL;
  char card[65536] = "";
  if (f) {
    size_t n = fread(card, 1, sizeof card - 1, f);
    card[n] = '\0';
    fclose(f);
  }
  CHECK(strstr(card, "CosmoGAN generator of 16 × 16 maps of 4′") != NULL);
  CHECK(strstr(card, "| CosmoGAN (this model) |") != NULL);
  CHECK(strstr(card, "smaller than the paper's generator") != NULL);
  CHECK(strstr(card, "| steps | 6 of 6 |") != NULL);
  free(card_path);

  /* A resume may draw more maps per validation: they are not training data. */
  DmTrainRequest more = resumed;
  more.steps = 2 * HALF + 2;
  more.validation = 6;
  CHECK_OK(dm_train(&more, NULL, NULL, &result, &error), error);
  CHECK(result.steps == 2 * HALF + 2 && result.cosmogan.n_generated == 6);

  /* Resumes that would not continue the same training. */
  char maps[4096];
  snprintf(maps, sizeof maps, "%s", dm_test_tmp_path("resume-maps.fits"));
  write_image(maps, image(16, 16, 2, 4.0, -1, -1));
  const char *fragments[] = {"latent size is 8; the request's is 16", "maps from the simulator"};
  for (int c = 0; c < 2; c++) {
    DmTrainRequest bad = resumed;
    bad.steps = 2 * HALF + 3;
    if (c == 0) bad.z_channels = 16;
    if (c == 1) bad.maps_path = maps;
    CHECK(!dm_train(&bad, NULL, NULL, NULL, &error));
    CHECK(error && strstr(error->message, fragments[c]) != NULL);
    printf("refused: %s\n", error ? error->message : "(no error)");
    dm_error_clear(&error);
  }
  remove(maps);
  free(a);
  free(b);
  train_test_remove(straight);
  train_test_remove(halves);
}

static void check_files(void) {
  DmError *error = NULL;
  char folder[4096], cube[4200], second[4200], other[4200], model[4200];
  snprintf(folder, sizeof folder, "%s", dm_test_tmp_path("maps"));
  CHECK(mkdir(folder, 0700) == 0 || errno == EEXIST);
  snprintf(cube, sizeof cube, "%s/a-cube.fits", folder);
  snprintf(second, sizeof second, "%s/b-image.fits", folder);
  snprintf(other, sizeof other, "%s/c-other.fits", folder);
  snprintf(model, sizeof model, "%s", dm_test_tmp_path("files.safetensors"));
  write_image(cube, image(40, 35, 2, 3.0, 20, 5)); /* the NaN is in plane 0's second tile */
  DmTrainRequest r;
  cosmogan_request(&r, NULL);
  r.theory = NULL;
  r.model_path = model;
  r.steps = 2;
  r.pool_maps = 100;
  r.maps_path = cube;
  r.pixel_arcmin = 1.0; /* the files' WCS says 3′ */
  DmTrainResult result;
  CHECK_OK(dm_train(&r, NULL, NULL, &result, &error), error);
  printf("cube: %s, validated against %d maps\n", result.maps, result.cosmogan.n_reference);
  CHECK(strcmp(result.maps, "7 tiles of 1 file") == 0 && result.cosmogan.n_reference == 7);
  DmModelInfo info;
  CHECK_OK(dm_model_info_read(model, &info, &error), error);
  CHECK(info.kind == DM_MODEL_COSMOGAN && fabs(info.pixel_arcmin - 3.0) < 1e-9);
  DmTrainCheckpointInfo checkpoint;
  char *checkpoint_path = dm_train_checkpoint_path(&r);
  CHECK_OK(dm_train_checkpoint_read(checkpoint_path, &checkpoint, &error), error);
  CHECK(checkpoint.request.maps_path && strcmp(checkpoint.request.maps_path, cube) == 0 &&
        fabs(checkpoint.request.pixel_arcmin - 3.0) < 1e-9);
  free(checkpoint_path);
  train_test_remove(model);

  write_image(second, image(32, 16, 1, 3.0, -1, -1));
  r.maps_path = folder;
  CHECK_OK(dm_train(&r, NULL, NULL, &result, &error), error);
  printf("folder: %s\n", result.maps);
  CHECK(strcmp(result.maps, "9 tiles of 2 files") == 0);
  train_test_remove(model);
  r.pool_maps = 5; /* at most 5 maps */
  CHECK_OK(dm_train(&r, NULL, NULL, &result, &error), error);
  CHECK(strcmp(result.maps, "5 tiles of 1 file") == 0);
  train_test_remove(model);
  r.pool_maps = 100;

  write_image(other, image(16, 16, 1, 2.0, -1, -1));
  CHECK_FAILS(dm_train(&r, NULL, NULL, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  remove(other);
  r.size = 48;
  CHECK_FAILS(dm_train(&r, NULL, NULL, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  r.size = 24;
  CHECK_FAILS(dm_train(&r, NULL, NULL, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  r.size = 16;
  r.validation = 1;
  CHECK_FAILS(dm_train(&r, NULL, NULL, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  r.validation = 4;
  remove(cube);
  remove(second);
  CHECK_FAILS(dm_train(&r, NULL, NULL, NULL, &error), error, DM_ERROR_NOT_FOUND);
  rmdir(folder);
  /* Without files the simulator needs its theory. */
  r.maps_path = NULL;
  CHECK_FAILS(dm_train(&r, NULL, NULL, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  train_test_remove(model);
}

int main(void) {
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  if (!theory) return dm_test_result();
  char theory_path[4096];
  snprintf(theory_path, sizeof theory_path, "%s",
           dm_test_app_data_path("theory/ktng_cl_theory.csv"));
  check_resume(theory, theory_path);
  check_files();
  dm_theory_free(theory);
  return dm_test_result();
}

/* Score and MMGAN trainings whose clean maps are tiles of a FITS cube
 * (maps_path, as darkmap-cli simulate --field nbody writes them): the score
 * pool's maps are the file's tiles less their means, the first pool_maps
 * training and the next validation ones validating; each trainer resumed
 * from its checkpoint equals the run without a stop bit for bit; the
 * checkpoint records the file's path and SHA-256 and a resume refuses a
 * changed file, or a folder whose file changed; too few finite tiles (a NaN
 * drops a tile), another pixel scale and a grid that is not square are
 * refused with their messages. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "darkmap/fft.h"
#include "darkmap/map-tiles.h"
#include "darkmap/map.h"
#include "darkmap/score-network.h"
#include "darkmap/score-train-pool.h"
#include "darkmap/sha256.h"
#include "map-cube-test.h"
#include "train-test-util.h"

enum { HALF = 3, SIDE = 16 };

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* Whether field (SIDE² floats) holds the pixels of tile t of the cube at
 * path less its mean, in some order (a draw is a shift, flip or transpose). */
static bool is_tile(const float *field, const char *path, int t) {
  DmError *error = NULL;
  DmMapTiles *maps = dm_map_tiles_read(path, SIDE, t + 1, 2.0, NULL, &error);
  CHECK_OK(maps != NULL, error);
  if (!maps) return false;
  float a[SIDE * SIDE], b[SIDE * SIDE];
  dm_plane_remove_mean(dm_map_tiles_data(maps) + (size_t)t * SIDE * SIDE, a, SIDE * SIDE);
  dm_map_tiles_free(maps);
  memcpy(b, field, sizeof b);
  qsort(a, SIDE * SIDE, sizeof(float), compare_floats);
  qsort(b, SIDE * SIDE, sizeof(float), compare_floats);
  return memcmp(a, b, sizeof a) == 0;
}

/* The pool of the cube's 4 + 2 tiles: training draws come from tiles 0-3,
 * validation draws from tiles 4-5. */
static void check_pool(const char *cube) {
  DmError *error = NULL;
  DmMapTiles *maps = dm_map_tiles_read(cube, SIDE, 6, 2.0, NULL, &error);
  CHECK_OK(maps != NULL, error);
  if (!maps) return;
  DmScoreTrainPool *pool = dm_score_train_pool_from_maps(dm_map_tiles_data(maps), SIDE, SIDE,
                                                         4, 2, 7, &error);
  dm_map_tiles_free(maps);
  CHECK_OK(pool != NULL, error);
  if (!pool) return;
  float field[SIDE * SIDE];
  for (uint64_t i = 0; i < 8; i++) {
    bool validation = i >= 4;
    uint64_t index = validation ? DM_SCORE_VALIDATION_INDEX + i : i;
    CHECK_OK(dm_score_train_pool_map(pool, index, field, &error), error);
    bool found = false;
    for (int t = validation ? 4 : 0; t < (validation ? 6 : 4); t++) found |= is_tile(field, cube, t);
    CHECK(found);
  }
  dm_score_train_pool_free(pool);
}

/* Trains request on the cube 2 HALF steps straight and HALF + HALF resumed:
 * the same files; the checkpoint records the cube and its digest; the
 * cube rewritten with other pixels is refused on a resume. */
static void check_resume(DmTrainRequest *request, const char *cube, double pixel_arcmin,
                         const char *what) {
  DmError *error = NULL;
  char straight[4096], halves[4096], digest[65];
  snprintf(straight, sizeof straight, "%s", dm_test_tmp_path("maps-straight.safetensors"));
  snprintf(halves, sizeof halves, "%s", dm_test_tmp_path("maps-halves.safetensors"));
  CHECK_OK(dm_sha256_file(cube, digest, &error), error);
  request->maps_path = cube;
  request->model_path = straight;
  request->steps = 2 * HALF;
  CHECK_OK(dm_train(request, NULL, NULL, NULL, &error), error);
  request->model_path = halves;
  request->steps = HALF;
  CHECK_OK(dm_train(request, NULL, NULL, NULL, &error), error);
  char *a = dm_train_checkpoint_path(&(DmTrainRequest){.model_path = straight});
  char *b = dm_train_checkpoint_path(&(DmTrainRequest){.model_path = halves});
  DmTrainCheckpointInfo half;
  CHECK_OK(dm_train_checkpoint_read(b, &half, &error), error);
  CHECK(half.request.maps_path && strcmp(half.request.maps_path, cube) == 0);
  CHECK(half.request.maps_sha256 && strcmp(half.request.maps_sha256, digest) == 0);
  DmTrainRequest resumed = half.request;
  resumed.theory = request->theory;
  resumed.catalog = request->catalog;
  train_test_check_resumed(&resumed, 2 * HALF, straight, halves, a, b, what);

  /* The card names the file and its digest. */
  char card[4200];
  snprintf(card, sizeof card, "%.*s.md", (int)(strlen(halves) - strlen(".safetensors")), halves);
  FILE *f = fopen(card, "r");
  char text[16384] = "";
  size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
  text[n] = '\0';
  if (f) fclose(f);
  char row[128];
  snprintf(row, sizeof row, "| maps' SHA-256 | %s |", digest);
  CHECK(strstr(text, row) != NULL && strstr(text, cube) != NULL);

  /* Other pixels in the same file: the resume is refused. */
  CHECK(map_cube_test_write("maps-cube.fits", 32, 2, pixel_arcmin, -1, 99) != NULL);
  resumed.steps = 2 * HALF + 1;
  CHECK(!dm_train(&resumed, NULL, NULL, NULL, &error));
  CHECK(error && error->code == DM_ERROR_INVALID_ARGUMENT &&
        strstr(error->message, "changed since the checkpoint (SHA-256") &&
        strstr(error->message, digest));
  printf("refused: %s\n", error ? error->message : "(no error)");
  dm_error_clear(&error);
  free(a);
  free(b);
  train_test_remove(straight);
  train_test_remove(halves);
}

/* A folder of two cubes trains as a cube does; its digest (of the files'
 * names and digests) is recorded, and a resume refuses a file changed. */
static void check_folder(const DmTrainRequest *request) {
  DmError *error = NULL;
  char folder[4096], model[4096];
  snprintf(folder, sizeof folder, "%s", dm_test_tmp_path("maps-folder"));
  snprintf(model, sizeof model, "%s", dm_test_tmp_path("maps-folder.safetensors"));
  CHECK(mkdir(folder, 0700) == 0);
  CHECK(map_cube_test_write("maps-folder/a.fits", 32, 1, 2.0, -1, 5) != NULL);
  CHECK(map_cube_test_write("maps-folder/b.fits", 32, 1, 2.0, -1, 6) != NULL);
  DmTrainRequest r = *request;
  r.maps_path = folder;
  r.model_path = model;
  r.steps = 1;
  CHECK_OK(dm_train(&r, NULL, NULL, NULL, &error), error);
  char *checkpoint = dm_train_checkpoint_path(&r);
  DmTrainCheckpointInfo info;
  char digest[65];
  CHECK_OK(dm_train_checkpoint_read(checkpoint, &info, &error), error);
  CHECK_OK(dm_map_tiles_digest(folder, digest, &error), error);
  CHECK(info.request.maps_sha256 && strcmp(info.request.maps_sha256, digest) == 0);
  CHECK(map_cube_test_write("maps-folder/b.fits", 32, 1, 2.0, -1, 7) != NULL);
  r.steps = 2;
  r.resume = true;
  CHECK(!dm_train(&r, NULL, NULL, NULL, &error));
  CHECK(error && strstr(error->message, "changed since the checkpoint"));
  dm_error_clear(&error);
  free(checkpoint);
  train_test_remove(model);
  remove(dm_test_tmp_path("maps-folder/a.fits"));
  remove(dm_test_tmp_path("maps-folder/b.fits"));
  CHECK(rmdir(folder) == 0);
}

/* request on a bad cube fails with message. */
static void check_refused(const DmTrainRequest *request, const char *message) {
  DmError *error = NULL;
  CHECK(!dm_train(request, NULL, NULL, NULL, &error));
  CHECK(error && error->code == DM_ERROR_INVALID_ARGUMENT && strstr(error->message, message));
  printf("refused: %s\n", error ? error->message : "(no error)");
  dm_error_clear(&error);
}

static void check_refusals(const DmTrainRequest *request, const char *cube) {
  char model[4096], text[256];
  snprintf(model, sizeof model, "%s", dm_test_tmp_path("maps-refused.safetensors"));
  DmTrainRequest r = *request;
  r.model_path = model;
  r.steps = 1;
  r.maps_path = cube;
  /* 8 tiles of 16² in the cube of two 32² maps: 7 + 2 are too many. */
  r.pool_maps = 7;
  snprintf(text, sizeof text,
           "%s holds 8 finite tiles of 16 × 16 pixels; the training pool and its validation "
           "need 9.",
           cube);
  check_refused(&r, text);
  /* A NaN in the second map drops one of its tiles. */
  const char *nan_cube = map_cube_test_write("maps-nan.fits", 32, 2,
                                             request->kind == DM_TRAIN_MMGAN ? 6.0 : 2.0, 1, 4);
  r.pool_maps = 6;
  r.maps_path = nan_cube;
  check_refused(&r, "holds 7 finite tiles of 16 × 16 pixels");
  /* Pixels of another side. */
  const char *wide = map_cube_test_write("maps-wide.fits", 32, 2, 3.0, -1, 4);
  r.pool_maps = request->pool_maps;
  r.maps_path = wide;
  snprintf(text, sizeof text, "has pixels of 3′; the training pool and its validation are of %g′",
           request->kind == DM_TRAIN_MMGAN ? 6.0 : 2.0);
  check_refused(&r, text);
  remove(dm_test_tmp_path("maps-nan.fits"));
  remove(dm_test_tmp_path("maps-wide.fits"));
  if (r.kind == DM_TRAIN_MMGAN) {
    r.maps_path = cube;
    r.grid.ny = 20;
    check_refused(&r, "cut into square tiles: the grid of 16 × 20 pixels is not square");
  }
  train_test_remove(model);
}

int main(void) {
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmCatalog *catalog = train_test_read_cosmos();
  if (!theory || !catalog) return dm_test_result();
  char cube[4096];
  const char *path = map_cube_test_write("maps-cube.fits", 32, 2, 2.0, -1, 1);
  if (!path) return dm_test_result();
  snprintf(cube, sizeof cube, "%s", path);
  check_pool(cube);

  DmTrainRequest request;
  train_test_score_request(&request, theory, NULL, 0);
  check_resume(&request, cube, 2.0, "score from a cube");
  check_refusals(&request, cube);
  check_folder(&request);

  CHECK(map_cube_test_write("maps-cube.fits", 32, 2, 6.0, -1, 2) != NULL);
  train_test_mmgan_request(&request, theory, catalog, NULL, 0);
  check_resume(&request, cube, 6.0, "MMGAN from a cube");
  check_refusals(&request, cube);
  remove(cube);
  dm_catalog_free(catalog);
  dm_theory_free(theory);
  return dm_test_result();
}

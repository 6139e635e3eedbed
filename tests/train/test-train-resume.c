/* dm_train resumed from its checkpoint equals the run without a stop, bit
 * for bit on the CPU, for a score network and an MMGAN (w_SD updated
 * between the halves): 3 steps, a checkpoint, 3 more steps from the file
 * give the model file of 6 steps in one go, byte for byte, and every
 * tensor of its checkpoint (weights, critic, Adam moments).  The second half
 * runs from the checkpoint alone, as the window resumes after a restart:
 * its recorded request, the theory table and the catalogue read from the
 * recorded paths with the recorded HDU and columns.  A checkpoint
 * of another kind, grid, network or seed, or past the steps asked for, is
 * refused with both named. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/fft.h"
#include "darkmap/model-info.h"
#include "train-test-util.h"

enum { HALF = 3 };

static void check_resume(DmTrainRequest *request, const char *what) {
  DmError *error = NULL;
  char straight[4096], halves[4096];
  snprintf(straight, sizeof straight, "%s", dm_test_tmp_path("straight.safetensors"));
  snprintf(halves, sizeof halves, "%s", dm_test_tmp_path("halves.safetensors"));
  DmTrainResult result;
  request->model_path = straight;
  request->steps = 2 * HALF;
  CHECK_OK(dm_train(request, NULL, NULL, &result, &error), error);
  CHECK(result.steps == 2 * HALF && result.finished);

  request->model_path = halves;
  request->steps = HALF;
  CHECK_OK(dm_train(request, NULL, NULL, &result, &error), error);
  CHECK(result.steps == HALF && result.finished);
  char *a = dm_train_checkpoint_path(&(DmTrainRequest){.model_path = straight});
  char *b = dm_train_checkpoint_path(&(DmTrainRequest){.model_path = halves});
  DmTrainCheckpointInfo half;
  CHECK_OK(dm_train_checkpoint_read(b, &half, &error), error);
  DmTrainRequest resumed = half.request;
  CHECK(resumed.theory == NULL && resumed.catalog == NULL && half.step == HALF);
  if (request->kind == DM_TRAIN_MMGAN)
    CHECK(resumed.catalog_hdu == 2 && strcmp(resumed.catalog_columns.ra, "RA") == 0 &&
          strcmp(resumed.catalog_columns.e2, "E2") == 0 &&
          strcmp(resumed.catalog_columns.weight, "WEIGHT") == 0);
  train_test_check_resumed(&resumed, 2 * HALF, straight, halves, a, b, what);

  /* The step count, the training time over both calls and the request
   * come back from the checkpoint alone; the model is what reconstructions
   * read. */
  DmTrainCheckpointInfo info;
  CHECK_OK(dm_train_checkpoint_read(b, &info, &error), error);
  CHECK(info.step == 2 * HALF && info.seconds > 0.0);
  CHECK(info.request.kind == request->kind && info.request.width == request->width &&
        info.request.seed == request->seed && info.request.steps == 2 * HALF);
  CHECK(strcmp(info.request.model_path, halves) == 0 && strcmp(info.checkpoint_path, b) == 0);
  DmModelInfo model;
  CHECK_OK(dm_model_info_read(halves, &model, &error), error);
  if (request->kind == DM_TRAIN_MMGAN) {
    CHECK(model.kind == DM_MODEL_MMGAN && model.nx == request->grid.nx &&
          model.pixel_arcmin == request->grid.pixel_arcmin);
    CHECK(info.request.grid.has_center && info.request.grid.nx == request->grid.nx);
  } else {
    CHECK(model.kind == DM_MODEL_SCORE_HYBRID && model.nx == 0 &&
          model.pixel_arcmin == request->pixel_arcmin);
  }
  free(a);
  free(b);
  train_test_remove(straight);
}

/* Resumes of halves' checkpoint (at 2 HALF steps) that do not continue it. */
static void check_refusals(const DmTrainRequest *request) {
  DmError *error = NULL;
  char halves[4096];
  snprintf(halves, sizeof halves, "%s", dm_test_tmp_path("halves.safetensors"));
  DmTrainRequest r = *request;
  r.model_path = halves;
  r.resume = true;
  r.steps = 2 * HALF + 1;
  struct {
    const char *fragment;
  } cases[] = {{"past the 5 steps"}, {"network width is 4; the request's is 8"},
               {"seed is"}, {request->kind == DM_TRAIN_MMGAN ? "the request is an MMGAN of 24 × 24"
                                                             : "the request is a plain score"}};
  for (int c = 0; c < 4; c++) {
    DmTrainRequest bad = r;
    if (c == 0) bad.steps = 2 * HALF - 1;
    if (c == 1) bad.width = 8;
    if (c == 2) bad.seed = 99;
    if (c == 3 && bad.kind == DM_TRAIN_MMGAN) bad.grid.nx = bad.grid.ny = 24;
    if (c == 3 && bad.kind != DM_TRAIN_MMGAN) bad.kind = DM_TRAIN_SCORE_PLAIN;
    CHECK(!dm_train(&bad, NULL, NULL, NULL, &error));
    CHECK(error && error->code == DM_ERROR_INVALID_ARGUMENT &&
          strstr(error->message, cases[c].fragment));
    printf("refused: %s\n", error ? error->message : "(no error)");
    dm_error_clear(&error);
  }
  /* The refused resumes left the checkpoint as it was. */
  DmTrainCheckpointInfo info;
  char *path = dm_train_checkpoint_path(&r);
  CHECK_OK(dm_train_checkpoint_read(path, &info, &error), error);
  CHECK(info.step == 2 * HALF);
  free(path);
  train_test_remove(halves);
}

int main(void) {
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmCatalog *catalog = train_test_read_cosmos();
  if (!theory || !catalog) return dm_test_result();
  char theory_path[4096], catalog_path[4096];
  snprintf(theory_path, sizeof theory_path, "%s",
           dm_test_app_data_path("theory/ktng_cl_theory.csv"));
  snprintf(catalog_path, sizeof catalog_path, "%s",
           dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits"));
  DmTrainRequest request;
  train_test_score_request(&request, theory, NULL, 0);
  request.theory_path = theory_path;
  check_resume(&request, "score");
  check_refusals(&request);
  train_test_mmgan_request(&request, theory, catalog, NULL, 0);
  request.theory_path = theory_path;
  request.catalog_path = catalog_path;
  check_resume(&request, "MMGAN");
  check_refusals(&request);
  dm_catalog_free(catalog);
  dm_theory_free(theory);
  return dm_test_result();
}

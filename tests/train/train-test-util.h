/* Tiny trainings for the dm_train tests: a score network on 16² maps and an
 * MMGAN on a 16² grid of 6′ pixels of the COSMOS catalogue, one CPU
 * thread, a few steps; and exact comparisons of safetensors files. */
#ifndef DARKMAP_TRAIN_TEST_UTIL_H
#define DARKMAP_TRAIN_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "darkmap/catalog.h"
#include "darkmap/safetensors.h"
#include "darkmap/train.h"
#include "test-util.h"

/* What the tests' runs share: steps, a report every step, validations and
 * checkpoints at the end only, one CPU thread, model_path. */
static inline void train_test_run_settings(DmTrainRequest *r, const char *model_path,
                                           int64_t steps) {
  r->steps = steps;
  r->report_every = 1;
  r->validate_every = 0;
  r->checkpoint_every = 0;
  r->device = "cpu";
  r->threads = 1;
  r->model_path = model_path;
}

/* A score request: 16² maps of 2′, width 4, depth 2, 4 + 2 pool maps,
 * batch 2, seed 3, reports every step, checkpoints at the end only. */
static inline void train_test_score_request(DmTrainRequest *r, const DmTheorySpectrum *theory,
                                            const char *model_path, int64_t steps) {
  dm_train_request_init(r, DM_TRAIN_SCORE_HYBRID, DM_TRAIN_PRESET_QUICK);
  r->theory = theory;
  r->size = 16;
  r->pixel_arcmin = 2.0;
  r->width = 4;
  r->depth = 2;
  r->pool_maps = 4;
  r->validation = 2;
  r->batch = 2;
  r->seed = 3;
  train_test_run_settings(r, model_path, steps);
}

/* An MMGAN request on the catalogue: 16² pixels of 6′, width 4, depth 2,
 * critic width 4, 4 maps, 2 noise realisations, 2 validation pairs, batch
 * 2, w_SD updated every 2 steps. */
static inline void train_test_mmgan_request(DmTrainRequest *r, const DmTheorySpectrum *theory,
                                            const DmCatalog *catalog, const char *model_path,
                                            int64_t steps) {
  dm_train_request_init(r, DM_TRAIN_MMGAN, DM_TRAIN_PRESET_QUICK);
  r->theory = theory;
  r->catalog = catalog;
  r->grid.nx = r->grid.ny = 16;
  r->grid.pixel_arcmin = 6.0;
  r->width = 4;
  r->depth = 2;
  r->critic_width = 4;
  r->pool_maps = 4;
  r->pool_noise = 2;
  r->validation = 2;
  r->batch = 2;
  r->adapt_every = 2;
  r->seed = 5;
  train_test_run_settings(r, model_path, steps);
}

static inline DmCatalog *train_test_read_cosmos(void) {
  DmError *error = NULL;
  DmCatalog *catalog = dm_catalog_read(
      dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits"), 0, NULL, NULL, &error);
  CHECK_OK(catalog != NULL, error);
  return catalog;
}

/* Whether every tensor of a is in b with the same dtype, shape and bytes,
 * and b has no other. */
static inline bool train_test_same_tensors(const char *path_a, const char *path_b) {
  DmError *error = NULL;
  DmSafetensors *a = dm_safetensors_read(path_a, &error);
  CHECK_OK(a != NULL, error);
  DmSafetensors *b = a ? dm_safetensors_read(path_b, &error) : NULL;
  CHECK_OK(!a || b != NULL, error);
  bool same = a && b && dm_safetensors_count(a) == dm_safetensors_count(b);
  for (int i = 0; same && i < dm_safetensors_count(a); i++) {
    const DmStTensorInfo *x = dm_safetensors_info(a, i);
    const DmStTensorInfo *y = dm_safetensors_find(b, x->name);
    same = y && x->dtype == y->dtype && x->ndim == y->ndim && x->nbytes == y->nbytes &&
           memcmp(x->shape, y->shape, (size_t)x->ndim * sizeof x->shape[0]) == 0 &&
           memcmp(dm_safetensors_data(a, x), dm_safetensors_data(b, y), x->nbytes) == 0;
    if (!same) printf("tensor %s differs between %s and %s\n", x->name, path_a, path_b);
  }
  dm_safetensors_free(a);
  dm_safetensors_free(b);
  return same;
}

/* Whether two files hold the same bytes. */
static inline bool train_test_same_file(const char *path_a, const char *path_b) {
  FILE *a = fopen(path_a, "rb"), *b = fopen(path_b, "rb");
  bool same = a && b;
  for (int ca = 0, cb = 0; same && ca != EOF;) {
    ca = fgetc(a);
    cb = fgetc(b);
    same = ca == cb;
  }
  if (a) fclose(a);
  if (b) fclose(b);
  return same;
}

/* Resumes a training from its checkpoint's request (*resumed, left set to
 * resume to `steps`) and checks that the model file of the resumed run (halves) and its
 * checkpoint's tensors (checkpoint_halves) equal those of the straight run
 * (straight, checkpoint_straight) bit for bit; what names the kind. */
static inline void train_test_check_resumed(DmTrainRequest *resumed, int64_t steps,
                                            const char *straight, const char *halves,
                                            const char *checkpoint_straight,
                                            const char *checkpoint_halves, const char *what) {
  DmError *error = NULL;
  DmTrainResult result;
  resumed->steps = steps;
  resumed->resume = true;
  CHECK_OK(dm_train(resumed, NULL, NULL, &result, &error), error);
  CHECK(result.steps == steps && result.finished);
  bool same_model = train_test_same_file(straight, halves);
  bool same_checkpoint = train_test_same_tensors(checkpoint_straight, checkpoint_halves);
  printf("%s: %lld + %lld steps resumed equal %lld steps: model %s, checkpoint tensors %s\n",
         what, (long long)(steps / 2), (long long)(steps - steps / 2), (long long)steps,
         same_model ? "yes" : "no", same_checkpoint ? "yes" : "no");
  CHECK(same_model && same_checkpoint);
}

/* Removes a training's files: the model, its card and its checkpoint. */
static inline void train_test_remove(const char *model_path) {
  char path[4200];
  size_t n = strlen(model_path) - strlen(".safetensors");
  remove(model_path);
  snprintf(path, sizeof path, "%.*s.md", (int)n, model_path);
  remove(path);
  snprintf(path, sizeof path, "%.*s.checkpoint.safetensors", (int)n, model_path);
  remove(path);
}

#endif

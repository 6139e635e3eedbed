/* dm_train's live controls and refusals, on a tiny score network:
 *  - cancelled from the report of step K, it saves K steps (checkpoint,
 *    model, card) and fails with DM_ERROR_CANCELLED; the model loads;
 *  - checkpoint_now raised at one report gives a checkpoint after the next
 *    step, and is lowered again;
 *  - paused, it waits (the pause not counted as training time), then goes
 *    on; cancelled while paused, it saves and stops;
 *  - max_seconds stops after the report that passes it, with a checkpoint;
 *  - the reports carry the step, rates and validation numbers;
 *  - checkpoints that are not (a model file, a truncated one, garbage, one
 *    with a malformed key, one with a negative training time) fail with
 *    DM_ERROR_FORMAT;
 *  - dm_train_check refuses bad requests with a sentence naming the
 *    problem. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "darkmap/fft.h"
#include "darkmap/model-card.h"
#include "darkmap/model-info.h"
#include "darkmap/monotonic-clock.h"
#include "train-test-util.h"

enum { K = 3, STEPS = 6 };

typedef struct {
  atomic_int cancel, pause, checkpoint_now;
  int64_t cancel_at, pause_at, checkpoint_at;  /* the step whose report raises each flag */
  bool resume_after_pause;                     /* a thread lowers the pause 0.3 s later */
  pthread_t thread;
  bool thread_started;
  double pause_report_time, next_report_time;
  int64_t checkpointed[16];                    /* the steps of the checkpointed reports */
  int n_checkpointed;
  int64_t checkpointed_step;                   /* the last of them */
  int64_t checkpoint_step_on_disk;             /* that checkpoint's step, read back then */
  const char *checkpoint_path;
  DmTrainReport last;
  int n_reports, n_validations;
} Controls;

static void *lower_pause(void *user_data) {
  Controls *c = user_data;
  nanosleep(&(struct timespec){0, 300000000L}, NULL);
  atomic_store(&c->pause, 0);
  return NULL;
}

static void on_report(void *user_data, const DmTrainReport *report) {
  Controls *c = user_data;
  double now = dm_monotonic_seconds();
  if (c->n_reports > 0 && report->step == c->pause_at + 1) c->next_report_time = now;
  c->n_reports++;
  c->n_validations += report->has_validation;
  c->last = *report;
  if (report->checkpointed) {
    DmTrainCheckpointInfo info;
    DmError *error = NULL;
    c->checkpointed_step = report->step;
    if (c->n_checkpointed < 16) c->checkpointed[c->n_checkpointed++] = report->step;
    CHECK_OK(dm_train_checkpoint_read(c->checkpoint_path, &info, &error), error);
    c->checkpoint_step_on_disk = info.step;
  }
  if (report->step == c->cancel_at) atomic_store(&c->cancel, 1);
  if (report->step == c->checkpoint_at) atomic_store(&c->checkpoint_now, 1);
  if (report->step == c->pause_at) {
    atomic_store(&c->pause, 1);
    c->pause_report_time = now;
    if (c->resume_after_pause)
      c->thread_started = pthread_create(&c->thread, NULL, lower_pause, c) == 0;
  }
}

/* Trains request (fresh) with controls c; returns dm_train's result. */
static bool run(DmTrainRequest *request, Controls *c, DmTrainResult *result, DmError **error) {
  char *checkpoint = dm_train_checkpoint_path(request);
  c->checkpoint_path = checkpoint;
  c->checkpointed_step = c->checkpoint_step_on_disk = -1;
  DmProgress progress = {NULL, NULL, &c->cancel};
  DmTrainMonitor monitor = {on_report, c, &c->pause, &c->checkpoint_now};
  bool ok = dm_train(request, &progress, &monitor, result, error);
  if (c->thread_started) pthread_join(c->thread, NULL);
  free(checkpoint);
  return ok;
}

static void check_cancel(DmTrainRequest *request) {
  DmError *error = NULL;
  Controls c = {.cancel_at = K, .pause_at = -1, .checkpoint_at = -1};
  DmTrainResult result;
  CHECK_FAILS(run(request, &c, &result, &error), error, DM_ERROR_CANCELLED);
  CHECK(result.steps == K && !result.finished);
  CHECK(c.checkpointed_step == K && c.checkpoint_step_on_disk == K);
  CHECK(c.last.step == K && c.last.checkpointed);
  DmModelInfo info;
  CHECK_OK(dm_model_info_read(request->model_path, &info, &error), error);
  CHECK(info.kind == DM_MODEL_SCORE_HYBRID && info.pixel_arcmin == request->pixel_arcmin);
  char *card = dm_model_card_path(request->model_path);
  CHECK(card && access(card, F_OK) == 0);
  free(card);
  /* Resumed, it finishes from there. */
  request->resume = true;
  Controls none = {.cancel_at = -1, .pause_at = -1, .checkpoint_at = -1};
  CHECK_OK(run(request, &none, &result, &error), error);
  request->resume = false;
  CHECK(result.steps == STEPS && result.finished && none.n_reports == STEPS - K);
  printf("cancel at step %d: saved, resumed to %lld\n", K, (long long)result.steps);
  /* The same without an error to fill. */
  Controls quiet = {.cancel_at = 2, .pause_at = -1, .checkpoint_at = -1};
  CHECK(!run(request, &quiet, &result, NULL));
  CHECK(result.steps == 2 && quiet.checkpoint_step_on_disk == 2);
}

static void check_checkpoint_now(DmTrainRequest *request) {
  DmError *error = NULL;
  Controls c = {.cancel_at = -1, .pause_at = -1, .checkpoint_at = 2};
  DmTrainResult result;
  request->steps = 4;
  /* Raised at the report of step 2: a checkpoint after step 3 (read back
   * from its report), then the end's. */
  request->validate_every = 2;
  CHECK_OK(run(request, &c, &result, &error), error);
  CHECK(result.steps == 4 && result.finished);
  CHECK(atomic_load(&c.checkpoint_now) == 0);
  CHECK(c.n_reports == 4 && c.n_validations == 2);
  CHECK(c.n_checkpointed == 2 && c.checkpointed[0] == 3 && c.checkpointed[1] == 4);
  CHECK(c.checkpoint_step_on_disk == 4);
  request->validate_every = 0;
  request->steps = STEPS;
  /* The report's numbers. */
  const DmTrainReport *r = &c.last;
  CHECK(r->step == 4 && r->total_steps == 4 && r->has_validation && r->checkpointed);
  CHECK(r->seconds > 0.0 && r->steps_per_second > 0.0 && r->seconds_left == 0.0);
  CHECK(isfinite(r->train_loss) && r->validation_loss > 0.0 && r->theory_loss > 0.0);
  CHECK(isnan(r->r) && isnan(r->std_ratio) && r->device_memory > 0);
}

static void check_pause(DmTrainRequest *request) {
  DmError *error = NULL;
  Controls c = {.cancel_at = -1, .pause_at = 2, .checkpoint_at = -1, .resume_after_pause = true};
  DmTrainResult result;
  double start = dm_monotonic_seconds();
  CHECK_OK(run(request, &c, &result, &error), error);
  double wall = dm_monotonic_seconds() - start;
  double waited = c.next_report_time - c.pause_report_time;
  printf("pause: the step after the paused one came %.3f s later; training time %.3f s of %.3f "
         "s wall\n",
         waited, c.last.seconds, wall);
  CHECK(result.steps == STEPS && result.finished);
  CHECK(waited >= 0.25);
  CHECK(c.last.seconds < wall - 0.25);
  /* Cancelled while paused: saved at the paused step. */
  Controls stuck = {.cancel_at = 2, .pause_at = 2, .checkpoint_at = -1};
  CHECK_FAILS(run(request, &stuck, &result, &error), error, DM_ERROR_CANCELLED);
  CHECK(result.steps == 2 && stuck.checkpoint_step_on_disk == 2);
}

static void check_max_seconds(DmTrainRequest *request) {
  DmError *error = NULL;
  Controls c = {.cancel_at = -1, .pause_at = -1, .checkpoint_at = -1};
  DmTrainResult result;
  request->max_seconds = 1e-9;
  request->report_every = 2;
  CHECK_OK(run(request, &c, &result, &error), error);
  CHECK(result.steps == 2 && !result.finished && c.n_reports == 1);
  CHECK(c.last.checkpointed && c.last.has_validation && c.checkpoint_step_on_disk == 2);
  request->max_seconds = 0.0;
  request->report_every = 1;
}

/* ---- Hostile checkpoints ------------------------------------------------- */

static void write_bytes(const char *path, const void *bytes, size_t n) {
  FILE *f = fopen(path, "wb");
  CHECK(f && fwrite(bytes, 1, n, f) == n);
  if (f) fclose(f);
}

/* Writes the checkpoint source again to path with the metadata key given
 * value instead of its own (the tensors as they were). */
static void rewrite_with(const char *source, const char *path, const char *key,
                         const char *value) {
  DmError *error = NULL;
  DmSafetensors *st = dm_safetensors_read(source, &error);
  CHECK_OK(st != NULL, error);
  if (!st) return;
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  bool ok = true;
  for (int i = 0; ok && i < dm_safetensors_metadata_count(st); i++) {
    const char *name = dm_safetensors_metadata_key(st, i);
    ok = dm_safetensors_writer_add_metadata(
        w, name, strcmp(name, key) == 0 ? value : dm_safetensors_metadata(st, name), &error);
  }
  for (int i = 0; ok && i < dm_safetensors_count(st); i++) {
    const DmStTensorInfo *t = dm_safetensors_info(st, i);
    ok = dm_safetensors_writer_add(w, t->name, t->dtype, t->ndim, t->shape,
                                   dm_safetensors_data(st, t), &error);
  }
  CHECK_OK(ok && dm_safetensors_writer_write(w, path, &error), error);
  dm_safetensors_writer_free(w);
  dm_safetensors_free(st);
}

static void check_hostile(const DmTrainRequest *request) {
  DmError *error = NULL;
  DmTrainCheckpointInfo info;
  char *checkpoint = dm_train_checkpoint_path(request);
  const char *bad = dm_test_tmp_path("bad.safetensors");
  /* A model file is a safetensors file, but no checkpoint. */
  CHECK_FAILS(dm_train_checkpoint_read(request->model_path, &info, &error), error,
              DM_ERROR_FORMAT);
  /* Truncated. */
  FILE *f = fopen(checkpoint, "rb");
  static unsigned char bytes[1 << 16];
  size_t n = f ? fread(bytes, 1, sizeof bytes, f) : 0;
  if (f) fclose(f);
  CHECK(n > 1000);
  size_t cuts[] = {0, 7, 100, n / 2, n - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    write_bytes(bad, bytes, cuts[i]);
    CHECK_FAILS(dm_train_checkpoint_read(bad, &info, &error), error, DM_ERROR_FORMAT);
  }
  /* Garbage. */
  for (size_t i = 0; i < 4096; i++) bytes[i] = (unsigned char)(i * 2654435761u >> 13);
  write_bytes(bad, bytes, 4096);
  CHECK_FAILS(dm_train_checkpoint_read(bad, &info, &error), error, DM_ERROR_FORMAT);
  /* A checkpoint's keys with one malformed, one missing. */
  const char *keys[][2] = {{"format", "darkmap-training-checkpoint"}, {"kind", "score-hybrid"},
                           {"step", "-3"}};
  for (int missing = 0; missing < 2; missing++) {
    DmSafetensorsWriter *w = dm_safetensors_writer_new();
    for (int k = 0; k < 3 - missing; k++)
      CHECK_OK(dm_safetensors_writer_add_metadata(w, keys[k][0], keys[k][1], &error), error);
    CHECK_OK(dm_safetensors_writer_write(w, bad, &error), error);
    dm_safetensors_writer_free(w);
    CHECK_FAILS(dm_train_checkpoint_read(bad, &info, &error), error, DM_ERROR_FORMAT);
  }
  /* A negative training time, the rest of the checkpoint as written (a
   * promise tests/fuzz/fuzz-train-checkpoint checks). */
  rewrite_with(checkpoint, bad, "seconds", "-0.5");
  CHECK(!dm_train_checkpoint_read(bad, &info, &error));
  CHECK(error && error->code == DM_ERROR_FORMAT &&
        strstr(error->message, "the checkpoint's \"seconds\" is \"-0.5\", which is out of "
                               "range"));
  dm_error_clear(&error);
  rewrite_with(checkpoint, bad, "seconds", "0.5");
  CHECK_OK(dm_train_checkpoint_read(bad, &info, &error), error);
  CHECK(info.seconds == 0.5);
  /* None at all: as dm_safetensors_read. */
  remove(bad);
  CHECK_FAILS(dm_train_checkpoint_read(bad, &info, &error), error, DM_ERROR_NOT_FOUND);
  free(checkpoint);
}

/* ---- Refused requests -------------------------------------------------------- */

static void check_refusals(const DmTrainRequest *good, const DmCatalog *catalog) {
  DmError *error = NULL;
  CHECK_OK(dm_train_check(good, &error), error);
  for (int c = 0; c < 11; c++) {
    DmTrainRequest r = *good;
    const char *fragment = NULL;
    switch (c) {
    case 0: r.theory = NULL; fragment = "theory"; break;
    case 1: r.model_path = NULL; fragment = "model path"; break;
    case 2: r.size = 18; fragment = "not divisible by 2^2 = 4"; break;
    case 3: r.lr = 0.0; fragment = "learning rate"; break;
    case 4: r.device = "tpu"; fragment = "auto, cpu or cuda"; break;
    case 5: r.batch = 0; fragment = "batch"; break;
    case 6: r.sigma_min = 0.5; fragment = "sigma_min"; break;
    case 7:
      r.resume = true;
      r.model_path = dm_test_tmp_path("never-trained.safetensors");
      fragment = "no checkpoint";
      break;
    case 8: r.kind = DM_TRAIN_MMGAN; fragment = "catalogue"; break;
    case 9:
      r.kind = DM_TRAIN_MMGAN;
      r.catalog = catalog;
      r.grid.nx = 2;
      fragment = "2 × 16 pixels";
      break;
    case 10: r.steps = 0; fragment = "at least one step"; break;
    }
    if (c == 9) r.grid.ny = 16, r.grid.pixel_arcmin = 6.0;
    CHECK(!dm_train_check(&r, &error));
    CHECK(error && error->code == DM_ERROR_INVALID_ARGUMENT && strstr(error->message, fragment));
    printf("refused: %s\n", error ? error->message : "(none)");
    dm_error_clear(&error);
    /* dm_train refuses the same before any work. */
    CHECK(!dm_train(&r, NULL, NULL, NULL, &error) && error &&
          error->code == DM_ERROR_INVALID_ARGUMENT);
    dm_error_clear(&error);
  }
}

int main(void) {
  dm_fft_set_threads(1);
  DmTheorySpectrum *theory = dm_test_load_ktng_theory();
  DmCatalog *catalog = train_test_read_cosmos();
  if (!theory || !catalog) return dm_test_result();
  char model[4096];
  snprintf(model, sizeof model, "%s", dm_test_tmp_path("control.safetensors"));
  DmTrainRequest request;
  train_test_score_request(&request, theory, model, STEPS);
  check_cancel(&request);
  check_checkpoint_now(&request);
  check_pause(&request);
  check_max_seconds(&request);
  check_hostile(&request);
  check_refusals(&request, catalog);
  train_test_remove(model);
  CHECK(dm_test_count_temporaries(model) == 0);
  dm_catalog_free(catalog);
  dm_theory_free(theory);
  return dm_test_result();
}

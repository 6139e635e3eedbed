/* Data-parallel training (darkmap/data-parallel.h) with two ranks played by
 * two threads whose sums meet at a barrier:
 *  - a score network and an MMGAN trained by 2 ranks with the batch split
 *    between them end with the weights of one process given the whole
 *    batch, to float rounding (the batch's sum is taken in another order),
 *    and the same reported losses;
 *  - rank 0 alone writes the model, card and checkpoint (rank 1, given
 *    another model path, writes nothing) and reports;
 *  - a cancel raised on rank 1 alone stops both ranks after the same step,
 *    which rank 0 saves; raised before the training maps are made, it
 *    waits for the first step (a rank stopping alone there would leave the
 *    other waiting in its first exchange);
 *  - refusals: a batch that does not split evenly, a CosmoGAN, several
 *    ranks without a sum. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "darkmap/data-parallel.h"
#include "train-test-util.h"

enum { RANKS = 2, STEPS = 5 };

/* The ranks' meeting place: each puts its vector there, both wait, each
 * adds them in rank order (so both get the same sum), both wait again. */
typedef struct {
  pthread_barrier_t barrier;
  float *values[RANKS];
  size_t n[RANKS];
} Exchange;

typedef struct {
  Exchange *exchange;
  int rank;
} Member;

static bool sum_by_threads(void *user_data, float *values, size_t n, DmError **error) {
  Member *member = user_data;
  Exchange *x = member->exchange;
  x->values[member->rank] = values;
  x->n[member->rank] = n;
  pthread_barrier_wait(&x->barrier);
  bool same = x->n[0] == x->n[1];
  float *sum = same ? malloc((n > 0 ? n : 1) * sizeof *sum) : NULL;
  for (size_t i = 0; sum && i < n; i++) sum[i] = x->values[0][i] + x->values[1][i];
  pthread_barrier_wait(&x->barrier);
  if (sum) memcpy(values, sum, n * sizeof *sum);
  free(sum);
  if (!same)
    return dm_error_set(error, DM_ERROR_FAILED, 0, "The ranks exchanged %zu and %zu numbers.",
                        x->n[0], x->n[1]);
  return true;
}

/* One rank's training. */
typedef struct {
  DmTrainRequest request;
  DmDataParallel parallel;
  Member member;
  atomic_int cancel;
  int64_t cancel_at;      /* the step whose progress report raises cancel; 0: never;
                             -1: raised from the start */
  int n_reports;
  DmTrainResult result;
  bool ok;
  DmError *error;
} Rank;

static void on_progress(void *user_data, double fraction, const char *stage) {
  (void)fraction;
  Rank *rank = user_data;
  long long step = 0;
  if (rank->cancel_at > 0 && sscanf(stage, "Step %lld of", &step) == 1 && step == rank->cancel_at)
    atomic_store(&rank->cancel, 1);
}

static void on_report(void *user_data, const DmTrainReport *report) {
  (void)report;
  ((Rank *)user_data)->n_reports++;
}

static void *train_rank(void *user_data) {
  Rank *rank = user_data;
  DmProgress progress = {on_progress, rank, &rank->cancel};
  DmTrainMonitor monitor = {on_report, rank, NULL, NULL};
  rank->ok = dm_train(&rank->request, &progress, &monitor, &rank->result, &rank->error);
  return NULL;
}

/* Trains request as RANKS ranks, rank r writing to model_paths[r]; rank 1
 * raises its cancel flag at step cancel_at (0: never; -1: from the start). */
static void train_ranks(const DmTrainRequest *request, const char *const *model_paths,
                        int64_t cancel_at, Rank *ranks) {
  Exchange exchange;
  pthread_barrier_init(&exchange.barrier, NULL, RANKS);
  pthread_t threads[RANKS];
  for (int r = 0; r < RANKS; r++) {
    Rank *rank = &ranks[r];
    *rank = (Rank){.request = *request, .member = {&exchange, r},
                   .cancel_at = r == 1 ? cancel_at : 0};
    rank->parallel = (DmDataParallel){r, RANKS, sum_by_threads, &rank->member};
    rank->request.parallel = &rank->parallel;
    rank->request.model_path = model_paths[r];
    atomic_init(&rank->cancel, rank->cancel_at < 0 ? 1 : 0);
  }
  for (int r = 0; r < RANKS; r++) pthread_create(&threads[r], NULL, train_rank, &ranks[r]);
  for (int r = 0; r < RANKS; r++) pthread_join(threads[r], NULL);
  pthread_barrier_destroy(&exchange.barrier);
}

/* The largest difference between the tensors of two weights files of the
 * same layout, and the largest magnitude in the first. */
static double largest_difference(const char *path_a, const char *path_b, double *largest) {
  DmError *error = NULL;
  DmSafetensors *a = dm_safetensors_read(path_a, &error);
  CHECK_OK(a != NULL, error);
  DmSafetensors *b = a ? dm_safetensors_read(path_b, &error) : NULL;
  CHECK_OK(!a || b != NULL, error);
  double worst = a && b && dm_safetensors_count(a) == dm_safetensors_count(b) ? 0.0 : INFINITY;
  *largest = 0.0;
  for (int i = 0; isfinite(worst) && i < dm_safetensors_count(a); i++) {
    const DmStTensorInfo *x = dm_safetensors_info(a, i);
    const DmStTensorInfo *y = dm_safetensors_find(b, x->name);
    if (!y || x->dtype != DM_ST_F32 || y->dtype != DM_ST_F32 || x->nbytes != y->nbytes) {
      worst = INFINITY;
      break;
    }
    const float *p = dm_safetensors_data(a, x), *q = dm_safetensors_data(b, y);
    for (size_t k = 0; k < x->nbytes / sizeof(float); k++) {
      worst = fmax(worst, fabs((double)p[k] - q[k]));
      *largest = fmax(*largest, fabs((double)p[k]));
    }
  }
  dm_safetensors_free(a);
  dm_safetensors_free(b);
  return worst;
}

static bool exists(const char *path) { return access(path, F_OK) == 0; }

/* The scratch path "dp-<what><suffix>" into out (4096 bytes). */
static void scratch(char *out, const char *what, const char *suffix) {
  char name[256];
  snprintf(name, sizeof name, "dp-%s%s", what, suffix);
  snprintf(out, 4096, "%s", dm_test_tmp_path(name));
}

/* request (batch divisible by RANKS) trained in one process and by RANKS
 * ranks: the same weights to float rounding, the same losses, one writer. */
static void check_split_equals_whole(DmTrainRequest *request, const char *what) {
  char whole[4096], split[4096], idle[4096], idle_card[4096], idle_checkpoint[4096];
  scratch(whole, what, "-whole.safetensors");
  scratch(split, what, "-split.safetensors");
  scratch(idle, what, "-rank1.safetensors");
  scratch(idle_card, what, "-rank1.md");
  scratch(idle_checkpoint, what, "-rank1.checkpoint.safetensors");
  train_test_remove(whole);
  train_test_remove(split);
  train_test_remove(idle);

  DmError *error = NULL;
  DmTrainResult one;
  request->model_path = whole;
  CHECK_OK(dm_train(request, NULL, NULL, &one, &error), error);

  Rank ranks[RANKS];
  const char *paths[RANKS] = {split, idle};
  train_ranks(request, paths, 0, ranks);
  for (int r = 0; r < RANKS; r++) {
    CHECK_OK(ranks[r].ok, ranks[r].error);
    CHECK(ranks[r].result.steps == STEPS && ranks[r].result.finished);
  }
  double largest = 0.0, worst = largest_difference(whole, split, &largest);
  double loss_one = one.last.train_loss, loss_split = ranks[0].result.last.train_loss;
  printf("%s: %d steps of batch %d in one process and over %d ranks: weights differ by at most "
         "%.3g (largest %.3g); last loss %.7f and %.7f (rank 1 %.7f)\n",
         what, STEPS, request->batch, RANKS, worst, largest, loss_one, loss_split,
         ranks[1].result.last.train_loss);
  CHECK(worst <= 1e-5 * fmax(largest, 1.0));
  CHECK(fabs(loss_one - loss_split) <= 1e-5 * fmax(fabs(loss_one), 1.0));
  /* Both ranks report the average over the ranks: the same number. */
  CHECK(loss_split == ranks[1].result.last.train_loss);
  CHECK(exists(split) && !exists(idle) && !exists(idle_card) && !exists(idle_checkpoint));
  CHECK(ranks[0].n_reports == STEPS && ranks[1].n_reports == 0);
  train_test_remove(whole);
  train_test_remove(split);
}

/* Rank 1 alone cancelled at step cancel_at (-1: before the maps are made,
 * which stops both after step 1): both stop after step `stop`, rank 0
 * saves it. */
static void check_cancel_on_one_rank(const DmTheorySpectrum *theory, int64_t cancel_at,
                                     int64_t stop) {
  char model[4096], idle[4096];
  scratch(model, "cancel", ".safetensors");
  scratch(idle, "cancel", "-rank1.safetensors");
  train_test_remove(model);
  DmTrainRequest request;
  train_test_score_request(&request, theory, model, STEPS);
  request.batch = 4;
  Rank ranks[RANKS];
  const char *paths[RANKS] = {model, idle};
  train_ranks(&request, paths, cancel_at, ranks);
  for (int r = 0; r < RANKS; r++) {
    CHECK(!ranks[r].ok && ranks[r].error && ranks[r].error->code == DM_ERROR_CANCELLED);
    CHECK(ranks[r].result.steps == stop);
    dm_error_free(ranks[r].error);
  }
  DmTrainCheckpointInfo info;
  DmError *error = NULL;
  char *checkpoint = dm_train_checkpoint_path(&request);
  CHECK_OK(dm_train_checkpoint_read(checkpoint, &info, &error), error);
  printf("cancel raised on rank 1 at step %lld: both ranks stopped at steps %lld and %lld, "
         "checkpoint at step %lld\n",
         (long long)cancel_at, (long long)ranks[0].result.steps,
         (long long)ranks[1].result.steps, (long long)info.step);
  CHECK(info.step == stop && !exists(idle));
  free(checkpoint);
  train_test_remove(model);
}

static void check_refusals(const DmTheorySpectrum *theory) {
  DmTrainRequest request;
  DmError *error = NULL;
  Exchange exchange;
  Member member = {&exchange, 0};
  DmDataParallel parallel = {0, RANKS, sum_by_threads, &member};
  train_test_score_request(&request, theory, "unused.safetensors", STEPS);
  request.parallel = &parallel;
  request.batch = 3;
  CHECK(!dm_train_check(&request, &error) && error &&
        strcmp(error->message,
               "The batch of 3 does not split evenly over 2 ranks: give a multiple of 2.") == 0);
  dm_error_free(error);
  error = NULL;
  request.batch = 4;
  parallel.sum = NULL;
  CHECK(!dm_train_check(&request, &error) && error &&
        strcmp(error->message,
               "A data-parallel training of 2 ranks needs a way to sum across them.") == 0);
  dm_error_free(error);
  error = NULL;
  parallel.sum = sum_by_threads;
  parallel.rank = 2;
  CHECK(!dm_train_check(&request, &error) && error &&
        strcmp(error->message, "Rank 2 of 2 is not a rank of a data-parallel training.") == 0);
  dm_error_free(error);
  error = NULL;
  parallel.rank = 0;
  CHECK_OK(dm_train_check(&request, &error), error);
  dm_train_request_init(&request, DM_TRAIN_COSMOGAN, DM_TRAIN_PRESET_QUICK);
  request.model_path = "unused.safetensors";
  request.theory = theory;
  request.parallel = &parallel;
  CHECK(!dm_train_check(&request, &error) && error &&
        strstr(error->message, "A CosmoGAN trains in one process") == error->message);
  dm_error_free(error);
}

int main(void) {
  DmError *error = NULL;
  DmTheorySpectrum *theory =
      dm_theory_read_csv(dm_test_app_data_path("theory/ktng_cl_theory.csv"), NULL, &error);
  CHECK_OK(theory != NULL, error);
  DmCatalog *catalog = train_test_read_cosmos();
  if (!theory || !catalog) return dm_test_result();

  DmTrainRequest request;
  train_test_score_request(&request, theory, NULL, STEPS);
  request.batch = 4;
  check_split_equals_whole(&request, "score");

  train_test_mmgan_request(&request, theory, catalog, NULL, STEPS);
  request.batch = 2;
  request.validate_every = 2;  /* w_SD's updates read validations: the ranks make the same */
  check_split_equals_whole(&request, "mmgan");

  check_cancel_on_one_rank(theory, 2, 2);
  check_cancel_on_one_rank(theory, -1, 1);
  check_refusals(theory);
  dm_catalog_free(catalog);
  dm_theory_free(theory);
  return dm_test_result();
}

/* The augmented pool of training maps of the score trainer
 * (darkmap/score-train-pool.h). */
#include "darkmap/score-train-pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "darkmap/rng.h"
#include "darkmap/score-network.h"

struct DmScoreTrainPool {
  int nx, ny;
  size_t npix;
  int n_train, n_validation;
  uint64_t seed;
  float *maps;  /* (n_train + n_validation) × npix: training maps, then validation maps */
};

/* What the threads share while the pool is made. */
typedef struct {
  DmScoreTrainPool *pool;
  const DmDataset *dataset;
  const DmProgress *progress;
  atomic_int next;     /* next tuple to make */
  atomic_int done;     /* tuples made */
  atomic_int failed;   /* non-zero: stop */
  pthread_mutex_t lock;
  DmError *error;      /* the first failure (under lock) */
} Maker;

/* The tuple's kappa, less its grid mean, into pool map `index`. */
static bool make_map(Maker *m, int index, DmError **error) {
  DmDatasetTuple *t = dm_dataset_tuple(m->dataset, (uint64_t)index, error);
  if (!t) return false;
  dm_plane_remove_mean(dm_map_plane(t->kappa, 0),
                       m->pool->maps + (size_t)index * m->pool->npix, m->pool->npix);
  dm_dataset_tuple_free(t);
  return true;
}

static void *maker_thread(void *user_data) {
  Maker *m = user_data;
  int total = m->pool->n_train + m->pool->n_validation;
  for (;;) {
    int index = atomic_fetch_add(&m->next, 1);
    if (index >= total || atomic_load(&m->failed)) break;
    DmError *error = NULL;
    if (!make_map(m, index, &error)) {
      dm_error_prefix(&error, "Training pool map %d", index);
      pthread_mutex_lock(&m->lock);
      if (!m->error) m->error = error;
      else dm_error_free(error);
      pthread_mutex_unlock(&m->lock);
      atomic_store(&m->failed, 1);
      break;
    }
    atomic_fetch_add(&m->done, 1);
  }
  return NULL;
}

void dm_score_train_pool_free(DmScoreTrainPool *pool) {
  if (!pool) return;
  free(pool->maps);
  free(pool);
}

/* Runs the threads; the calling thread reports progress and polls
 * cancellation until every map is made or one failed. */
static bool make_maps(Maker *m, int n_threads, DmError **error) {
  int total = m->pool->n_train + m->pool->n_validation;
  pthread_t *threads = malloc((size_t)n_threads * sizeof *threads);
  if (!threads) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  int started = 0;
  for (; started < n_threads; started++)
    if (pthread_create(&threads[started], NULL, maker_thread, m) != 0) break;
  bool ok = started > 0;
  if (!ok) dm_error_set(error, DM_ERROR_FAILED, 0, "Cannot start a thread for the pool.");
  DmError *cancelled = NULL;
  while (ok && atomic_load(&m->done) < total && !atomic_load(&m->failed)) {
    if (!dm_progress_check_cancel(m->progress, &cancelled)) {
      atomic_store(&m->failed, 1);
      break;
    }
    dm_progress_report(m->progress, (double)atomic_load(&m->done) / total, "Training maps");
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
  free(threads);
  if (!ok) return false;
  if (cancelled) {
    dm_error_free(m->error);
    dm_error_propagate(error, cancelled);
    return false;
  }
  if (m->error) {
    dm_error_propagate(error, m->error);
    return false;
  }
  dm_progress_report(m->progress, 1.0, "Training maps");
  return true;
}

/* A pool of n_train + n_validation maps of nx × ny, their pixels
 * uninitialised. */
static DmScoreTrainPool *pool_alloc(int nx, int ny, int n_train, int n_validation, uint64_t seed,
                                    DmError **error) {
  DmScoreTrainPool *pool = calloc(1, sizeof *pool);
  size_t npix = (size_t)nx * (size_t)ny;
  size_t total = (size_t)n_train + (size_t)n_validation;
  if (!pool || !(pool->maps = malloc(total * npix * sizeof(float)))) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %zu training maps of %d × %d.",
                 total, nx, ny);
    dm_score_train_pool_free(pool);
    return NULL;
  }
  *pool = (DmScoreTrainPool){nx, ny, npix, n_train, n_validation, seed, pool->maps};
  return pool;
}

DmScoreTrainPool *dm_score_train_pool_new(const DmDatasetConfig *config, int n_train,
                                          int n_validation, uint64_t seed, int n_threads,
                                          const DmProgress *progress, DmError **error) {
  if (!config || config->survey) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A training pool needs a dataset configuration without a survey.");
    return NULL;
  }
  if (n_train < 1 || n_validation < 1 || n_threads < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A training pool needs at least 1 training map, 1 validation map and 1 thread "
                 "(got %d, %d, %d).",
                 n_train, n_validation, n_threads);
    return NULL;
  }
  DmDataset *dataset = dm_dataset_new(config, error);
  if (!dataset) return NULL;
  DmScoreTrainPool *pool = pool_alloc(config->nx, config->ny, n_train, n_validation, seed, error);
  if (!pool) {
    dm_dataset_free(dataset);
    return NULL;
  }
  Maker maker = {.pool = pool, .dataset = dataset, .progress = progress};
  atomic_init(&maker.next, 0);
  atomic_init(&maker.done, 0);
  atomic_init(&maker.failed, 0);
  pthread_mutex_init(&maker.lock, NULL);
  bool ok = make_maps(&maker, n_threads, error);
  pthread_mutex_destroy(&maker.lock);
  dm_dataset_free(dataset);
  if (!ok) {
    dm_score_train_pool_free(pool);
    return NULL;
  }
  return pool;
}

DmScoreTrainPool *dm_score_train_pool_from_maps(const float *maps, int nx, int ny, int n_train,
                                                int n_validation, uint64_t seed,
                                                DmError **error) {
  if (nx < 1 || ny < 1 || n_train < 1 || n_validation < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A training pool needs maps of at least 1 pixel, 1 training map and 1 "
                 "validation map (got %d × %d, %d, %d).",
                 nx, ny, n_train, n_validation);
    return NULL;
  }
  DmScoreTrainPool *pool = pool_alloc(nx, ny, n_train, n_validation, seed, error);
  if (!pool) return NULL;
  for (int i = 0; i < n_train + n_validation; i++)
    dm_plane_remove_mean(maps + (size_t)i * pool->npix, pool->maps + (size_t)i * pool->npix,
                         pool->npix);
  return pool;
}

void dm_score_train_pool_size(const DmScoreTrainPool *pool, int *nx, int *ny) {
  *nx = pool->nx;
  *ny = pool->ny;
}

bool dm_score_train_pool_map(void *user_data, uint64_t index, float *field, DmError **error) {
  (void)error;
  const DmScoreTrainPool *pool = user_data;
  DmRng rng;
  dm_rng_init(&rng, pool->seed, index);
  bool validation = index >= DM_SCORE_VALIDATION_INDEX;
  int count = validation ? pool->n_validation : pool->n_train;
  int m = (int)(dm_rng_u32(&rng) % (uint32_t)count) + (validation ? pool->n_train : 0);
  int nx = pool->nx, ny = pool->ny;
  int dx = (int)(dm_rng_u32(&rng) % (uint32_t)nx), dy = (int)(dm_rng_u32(&rng) % (uint32_t)ny);
  uint32_t bits = dm_rng_u32(&rng);
  bool flip_x = bits & 1u, flip_y = bits & 2u, transpose = nx == ny && (bits & 4u);
  const float *src = pool->maps + (size_t)m * pool->npix;
  /* Output pixel (x, y) reads source (sx, sy): transposed, flipped, then
   * shifted periodically. */
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      int u = transpose ? y : x, v = transpose ? x : y;
      if (flip_x) u = nx - 1 - u;
      if (flip_y) v = ny - 1 - v;
      int sx = (u + dx) % nx, sy = (v + dy) % ny;
      field[(size_t)y * nx + x] = src[(size_t)sy * nx + sx];
    }
  return true;
}

/* A pool of clean convergence maps for the score trainer
 * (darkmap/score-network.h), made once and augmented on every draw.
 *
 * The pool holds n_train + n_validation maps of the dataset configuration
 * (darkmap/dataset.h: lognormal or Gaussian field, optionally NFW haloes; no
 * survey: the dataset's grid nx × ny and pixel_arcmin): training map j is
 * the dataset's tuple j, validation map j its tuple n_train + j; each map
 * has its mean over the grid removed (the k = 0 mode the theory prior fixes
 * to 0; haloes give it ~0.02 on COSMOS grids).  The fields are periodic
 * (the haloes are not wrapped: a profile cut by the grid's edge stays cut)
 * and their prior is isotropic and translation invariant, so every draw is
 * a symmetry of the grid applied to a pool map:
 *
 *   map `index` = T(pool map m), with m, a periodic shift (dx, dy), a flip
 *   of x and of y and (on square grids) a transpose drawn from
 *   DmRng(seed, index);
 *
 * indices below DM_SCORE_VALIDATION_INDEX draw from the training maps, those
 * from it on from the validation maps.  A draw is a pure function of the
 * index, as the trainer needs for an exact resume.  The maps are made by
 * n_threads threads, each tuple a pure function of (dataset seed, index), so
 * that the pool does not depend on the thread count. */
#ifndef DARKMAP_SCORE_TRAIN_POOL_H
#define DARKMAP_SCORE_TRAIN_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/dataset.h"
#include "darkmap/error.h"
#include "darkmap/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DmScoreTrainPool DmScoreTrainPool;

/* config->survey must be NULL (clean maps on config's grid).  n_train >= 1,
 * n_validation >= 1, n_threads >= 1.  Progress is reported per map;
 * cancellation fails with DM_ERROR_CANCELLED. */
DmScoreTrainPool *dm_score_train_pool_new(const DmDatasetConfig *config, int n_train,
                                          int n_validation, uint64_t seed, int n_threads,
                                          const DmProgress *progress, DmError **error);
/* A pool of given maps (the tiles of N-body maps, darkmap/train.h's
 * maps_path): maps holds n_train training maps then n_validation
 * validation maps of nx × ny, copied less their grid means; the draws are
 * the same as above. */
DmScoreTrainPool *dm_score_train_pool_from_maps(const float *maps, int nx, int ny, int n_train,
                                                int n_validation, uint64_t seed,
                                                DmError **error);
void dm_score_train_pool_free(DmScoreTrainPool *pool);

void dm_score_train_pool_size(const DmScoreTrainPool *pool, int *nx, int *ny);

/* A DmScoreDataFunc (user_data: the pool): map `index` (ny × nx floats)
 * into field. */
bool dm_score_train_pool_map(void *pool, uint64_t index, float *field, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

/* What the mock evaluation takes from the KS scoring beyond
 * darkmap/mock-evaluation.h: the best KS map itself. */
#ifndef DARKMAP_EVALUATION_PRIVATE_H
#define DARKMAP_EVALUATION_PRIVATE_H

#include <stdbool.h>

#include "darkmap/error.h"

/* dm_eval_best_ks, also writing the best-smoothed map into best (ny × nx;
 * NULL: the scores alone). */
bool dm_eval_best_ks_map(const float *truth, const float *g1, const float *g2,
                         const float *mask, int nx, int ny, float *best, double *r,
                         double *rmse, double *sigma_pixels, DmError **error);

#endif

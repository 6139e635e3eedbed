/* Moving a context's sticky error (darkmap/nn.h) into a caller's DmError,
 * for the functions above the ops that report through DmError ** (modules,
 * optimisers). */
#ifndef DARKMAP_NN_FAILURE_PRIVATE_H
#define DARKMAP_NN_FAILURE_PRIVATE_H

#include <stdbool.h>

#include "darkmap/nn.h"

/* Moves nn's pending error into *error, prefixed with "what: "; when none is
 * pending, sets a DM_ERROR_FAILED "what failed".  Always returns false. */
bool dm_nn_take_failure(DmNn *nn, DmError **error, const char *what);

#endif

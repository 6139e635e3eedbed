/* The context's sticky error as a DmError (nn-failure-private.h). */
#include "nn/nn-failure-private.h"

bool dm_nn_take_failure(DmNn *nn, DmError **error, const char *what) {
  DmError *local = NULL;
  if (dm_nn_take_error(nn, &local)) return dm_error_set(error, DM_ERROR_FAILED, 0, "%s failed", what);
  dm_error_prefix(&local, "%s", what);
  dm_error_propagate(error, local);
  return false;
}

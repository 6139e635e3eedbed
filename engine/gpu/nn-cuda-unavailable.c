/* The network engine's CUDA backend in an engine built without it (no CUDA
 * toolkit, or no cuBLAS / cuDNN beside it): asking for it reports that the
 * feature is not compiled in. */
#include "nn/nn-backend.h"

bool dm_nn_cuda_backend_new(bool allow_tf32, DmNnBackend *out, DmError **error) {
  (void)allow_tf32;
  (void)out;
  return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0,
                      "This build of Darkmap has no GPU support for networks: it was compiled "
                      "without the CUDA toolkit, cuBLAS or cuDNN.");
}

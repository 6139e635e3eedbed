/* darkmap/gpu.h in an engine built without CUDA: no device is ever
 * available and every GPU function reports that the feature is not
 * compiled in. */
#include "darkmap/gpu.h"

#include <stddef.h>

static bool not_compiled_in(DmError **error) {
  return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0,
                      "This build of Darkmap has no GPU support: it was compiled without "
                      "the CUDA toolkit.");
}

bool dm_gpu_available(void) { return false; }

DmGpuKsPlan *dm_gpu_ks_plan_new(int nx, int ny, DmError **error) {
  not_compiled_in(error);
  return NULL;
}

void dm_gpu_ks_plan_free(DmGpuKsPlan *plan) {}

bool dm_gpu_ks_shear_to_kappa(DmGpuKsPlan *plan, const float *g1, const float *g2,
                              float *kappa_e, float *kappa_b, DmError **error) {
  return not_compiled_in(error);
}

bool dm_gpu_ks_kappa_to_shear(DmGpuKsPlan *plan, const float *kappa_e, const float *kappa_b,
                              float *g1, float *g2, DmError **error) {
  return not_compiled_in(error);
}

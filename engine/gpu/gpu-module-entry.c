/* The GPU module's one exported symbol: the table of its functions (see
 * gpu-module.h).  DM_GPU_MODULE_HAS_NN (engine/meson.build) says whether
 * the network backend on cuBLAS and cuDNN was compiled in. */
#include "gpu/gpu-module.h"

static const DmGpuModule module = {
  .abi = DM_GPU_MODULE_ABI,
  .version = DM_VERSION,
  .available = dm_cuda_available,
  .ks_plan_new = dm_cuda_ks_plan_new,
  .ks_plan_free = dm_cuda_ks_plan_free,
  .ks_shear_to_kappa = dm_cuda_ks_shear_to_kappa,
  .ks_kappa_to_shear = dm_cuda_ks_kappa_to_shear,
#if DM_GPU_MODULE_HAS_NN
  .nn_backend_new = dm_cuda_nn_backend_new,
#endif
};

__attribute__((visibility("default"))) const DmGpuModule *dm_gpu_module_entry(void) {
  return &module;
}

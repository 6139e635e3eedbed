/* The GPU module: the engine's CUDA code in a library of its own,
 * libdarkmap-gpu.so, installed beside libdarkmap-engine and opened on first
 * use by gpu-loader.c (C and CUDA sources).
 *
 * The CUDA libraries (cudart, cuFFT, cuBLAS, cuDNN) take about 0.4 s and
 * 210 MB to load; linked into the engine, every process paid that, even on a
 * machine without a GPU.  In the module they are paid only by a process that
 * uses the GPU.  The module exports one symbol, DM_GPU_MODULE_ENTRY: a
 * function returning the table below; everything else in it is hidden.  Its
 * functions keep the contracts of darkmap/gpu.h and of
 * dm_nn_cuda_backend_new (nn/nn-backend.h), which the loader forwards to
 * them. */
#ifndef DARKMAP_GPU_MODULE_H
#define DARKMAP_GPU_MODULE_H

#include <stdbool.h>

#include "darkmap/error.h"
#include "darkmap/gpu.h"
#include "nn/nn-backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The module's file name, looked up in the engine library's folder. */
#define DM_GPU_MODULE_FILE "libdarkmap-gpu.so"
#define DM_GPU_MODULE_ENTRY "dm_gpu_module_entry"
/* Raised whenever DmGpuModule changes: a module of another layout is refused. */
#define DM_GPU_MODULE_ABI 1

typedef struct {
  int abi;                 /* DM_GPU_MODULE_ABI of the module's build */
  const char *version;     /* dm_version() of the module's build */
  bool (*available)(void);
  DmGpuKsPlan *(*ks_plan_new)(int nx, int ny, DmError **error);
  void (*ks_plan_free)(DmGpuKsPlan *plan);
  bool (*ks_shear_to_kappa)(DmGpuKsPlan *plan, const float *g1, const float *g2,
                            float *kappa_e, float *kappa_b, DmError **error);
  bool (*ks_kappa_to_shear)(DmGpuKsPlan *plan, const float *kappa_e, const float *kappa_b,
                            float *g1, float *g2, DmError **error);
  /* NULL when the module was built without cuBLAS and cuDNN. */
  bool (*nn_backend_new)(bool allow_tf32, DmNnBackend *out, DmError **error);
} DmGpuModule;

typedef const DmGpuModule *(*DmGpuModuleEntry)(void);
/* The entry, named DM_GPU_MODULE_ENTRY (gpu-module-entry.c). */
const DmGpuModule *dm_gpu_module_entry(void);

/* The module's implementations (gpu-device.cu, gpu-ks.cu,
 * nn-cuda-backend.cu), hidden inside it. */
bool dm_cuda_available(void);
DmGpuKsPlan *dm_cuda_ks_plan_new(int nx, int ny, DmError **error);
void dm_cuda_ks_plan_free(DmGpuKsPlan *plan);
bool dm_cuda_ks_shear_to_kappa(DmGpuKsPlan *plan, const float *g1, const float *g2,
                               float *kappa_e, float *kappa_b, DmError **error);
bool dm_cuda_ks_kappa_to_shear(DmGpuKsPlan *plan, const float *kappa_e, const float *kappa_b,
                               float *g1, float *g2, DmError **error);
bool dm_cuda_nn_backend_new(bool allow_tf32, DmNnBackend *out, DmError **error);

#ifdef __cplusplus
}
#endif

#endif

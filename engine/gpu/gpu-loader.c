/* The engine's GPU entry points (darkmap/gpu.h, and dm_nn_cuda_backend_new
 * of nn/nn-backend.h), forwarded to the GPU module (gpu-module.h), which is
 * opened on the first call that needs it.
 *
 * Loading happens once per process.  A machine without NVIDIA's driver
 * library (libcuda.so.1) has no usable device: that is found with one
 * failed dlopen, without opening the module and the CUDA libraries behind
 * it.  When the module cannot be used (not installed, a CUDA library
 * missing, another build's module), the reason is kept and every GPU call
 * reports it; dm_gpu_available() is then false.  An engine built without
 * CUDA (DM_WITH_CUDA = 0, engine/gpu/meson.build) never looks for it. */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/version.h"
#include "gpu/gpu-module.h"

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const DmGpuModule *module;  /* NULL when there is none to use */
static DmErrorCode unusable_code;  /* why not, when module is NULL */
static char unusable_reason[PATH_MAX + 512];

static void set_unusable(DmErrorCode code, const char *reason) {
  unusable_code = code;
  snprintf(unusable_reason, sizeof unusable_reason, "%s", reason);
}

#if DM_WITH_CUDA
/* The module's path: the folder of the library holding this code (the
 * engine, in the build tree or installed) + DM_GPU_MODULE_FILE.  False when
 * it does not fit. */
static bool module_path(char *path, size_t size) {
  static const char anchor = 0;
  Dl_info info;
  const char *folder_end = NULL;
  if (dladdr(&anchor, &info) && info.dli_fname) folder_end = strrchr(info.dli_fname, '/');
  int length = folder_end ? snprintf(path, size, "%.*s/%s", (int)(folder_end - info.dli_fname),
                                     info.dli_fname, DM_GPU_MODULE_FILE)
                          : snprintf(path, size, "%s", DM_GPU_MODULE_FILE);
  return length > 0 && (size_t)length < size;
}

static void load_module(void) {
  char reason[sizeof unusable_reason];
  /* The driver stays loaded: the CUDA runtime opens it again by this name. */
  if (!dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    snprintf(reason, sizeof reason,
             "No usable CUDA device: NVIDIA's driver is not installed on this machine (%s).",
             dlerror());
    set_unusable(DM_ERROR_GPU, reason);
    return;
  }
  char path[PATH_MAX];
  if (!module_path(path, sizeof path)) {
    set_unusable(DM_ERROR_GPU, "The GPU module's path is too long.");
    return;
  }
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    snprintf(reason, sizeof reason, "The GPU module of Darkmap cannot be loaded: %s.", dlerror());
    set_unusable(DM_ERROR_GPU, reason);
    return;
  }
  /* POSIX's way from an object pointer to a function pointer. */
  union {
    void *symbol;
    DmGpuModuleEntry entry;
  } found = {.symbol = dlsym(handle, DM_GPU_MODULE_ENTRY)};
  const DmGpuModule *candidate = found.symbol ? found.entry() : NULL;
  if (!candidate || candidate->abi != DM_GPU_MODULE_ABI ||
      strcmp(candidate->version, dm_version()) != 0) {
    snprintf(reason, sizeof reason,
             "The GPU module %s belongs to another build of Darkmap (this engine is version %s): "
             "reinstall Darkmap.",
             path, dm_version());
    set_unusable(DM_ERROR_GPU, reason);
    dlclose(handle);
    return;
  }
  module = candidate; /* the handle stays open for the process's lifetime */
}
#else
static void load_module(void) {
  set_unusable(DM_ERROR_UNSUPPORTED,
               "This build of Darkmap has no GPU support: it was compiled without the CUDA "
               "toolkit.");
}
#endif

/* The module, or NULL with *error set to the reason there is none. */
static const DmGpuModule *gpu_module(DmError **error) {
  pthread_once(&load_once, load_module);
  if (!module) dm_error_set(error, unusable_code, 0, "%s", unusable_reason);
  return module;
}

bool dm_gpu_available(void) {
  const DmGpuModule *gpu = gpu_module(NULL);
  return gpu && gpu->available();
}

DmGpuKsPlan *dm_gpu_ks_plan_new(int nx, int ny, DmError **error) {
  const DmGpuModule *gpu = gpu_module(error);
  return gpu ? gpu->ks_plan_new(nx, ny, error) : NULL;
}

void dm_gpu_ks_plan_free(DmGpuKsPlan *plan) {
  if (plan) module->ks_plan_free(plan); /* a plan exists only if the module does */
}

bool dm_gpu_ks_shear_to_kappa(DmGpuKsPlan *plan, const float *g1, const float *g2,
                              float *kappa_e, float *kappa_b, DmError **error) {
  const DmGpuModule *gpu = gpu_module(error);
  return gpu && gpu->ks_shear_to_kappa(plan, g1, g2, kappa_e, kappa_b, error);
}

bool dm_gpu_ks_kappa_to_shear(DmGpuKsPlan *plan, const float *kappa_e, const float *kappa_b,
                              float *g1, float *g2, DmError **error) {
  const DmGpuModule *gpu = gpu_module(error);
  return gpu && gpu->ks_kappa_to_shear(plan, kappa_e, kappa_b, g1, g2, error);
}

bool dm_nn_cuda_backend_new(bool allow_tf32, DmNnBackend *out, DmError **error) {
  const DmGpuModule *gpu = gpu_module(error);
  if (!gpu) return false;
  if (!gpu->nn_backend_new)
    return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0,
                        "This build of Darkmap has no GPU support for networks: it was compiled "
                        "without cuBLAS or cuDNN.");
  return gpu->nn_backend_new(allow_tf32, out, error);
}

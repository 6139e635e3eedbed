/* The CUDA libraries are loaded only by a process that uses the GPU
 * (engine/gpu/gpu-loader.c): CPU work maps none of them; asking for the GPU
 * on a machine without NVIDIA's driver maps none either and says why; an
 * engine built without CUDA says so.  Given the GPU module's path (argv[1],
 * in builds with CUDA), the module is also opened directly, as the loader
 * does on a machine with the driver: it must load against this engine and
 * carry this engine's version.
 *
 * Runs everywhere (no device needed). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/gpu.h"
#include "darkmap/ks.h"
#include "darkmap/nn.h"
#include "darkmap/version.h"
#include "gpu/gpu-module.h"
#include "test-util.h"

/* The first CUDA library in this process's memory map, or NULL.  Returns a
 * static string. */
static const char *mapped_cuda_library(void) {
  static const char *const names[] = {"libcudart", "libcufft", "libcublas", "libcudnn"};
  static char found[64];
  FILE *maps = fopen("/proc/self/maps", "r");
  if (!maps) return NULL;
  char line[4096];
  const char *result = NULL;
  while (!result && fgets(line, sizeof line, maps))
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
      if (strstr(line, names[i])) {
        snprintf(found, sizeof found, "%s", names[i]);
        result = found;
        break;
      }
  fclose(maps);
  return result;
}

static void check_no_cuda_library(const char *after) {
  const char *library = mapped_cuda_library();
  if (library) fprintf(stderr, "%s is mapped after %s\n", library, after);
  CHECK(library == NULL);
}

/* call failed with code and a message containing part. */
static void check_failure(bool succeeded, DmError **error, DmErrorCode code, const char *part) {
  CHECK(!succeeded);
  CHECK(*error && (*error)->code == code);
  if (*error) {
    printf("expected failure: %s\n", (*error)->message);
    if (!strstr((*error)->message, part))
      fprintf(stderr, "the message does not say '%s'\n", part);
    CHECK(strstr((*error)->message, part) != NULL);
  }
  dm_error_clear(error);
}

static void cpu_work(void) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn, error);
  dm_nn_free(nn);
  DmKsPlan *plan = dm_ks_plan_new(32, 32, &error);
  CHECK_OK(plan, error);
  float g1[32 * 32] = {0}, g2[32 * 32] = {0}, kappa_e[32 * 32], kappa_b[32 * 32];
  g1[33] = 0.1f;
  if (plan) dm_ks_plan_shear_to_kappa(plan, g1, g2, kappa_e, kappa_b);
  dm_ks_plan_free(plan);
}

static bool driver_installed(void) {
  void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver) dlclose(driver);
  return driver != NULL;
}

/* Opens the module as the loader would, and checks its table. */
static void check_module(const char *path) {
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) fprintf(stderr, "cannot open %s: %s\n", path, dlerror());
  CHECK(handle != NULL);
  if (!handle) return;
  union {
    void *symbol;
    DmGpuModuleEntry entry;
  } found = {.symbol = dlsym(handle, DM_GPU_MODULE_ENTRY)};
  CHECK(found.symbol != NULL);
  if (found.symbol) {
    const DmGpuModule *module = found.entry();
    CHECK(module->abi == DM_GPU_MODULE_ABI);
    CHECK(strcmp(module->version, dm_version()) == 0);
    CHECK(module->available && module->ks_plan_new && module->ks_plan_free &&
          module->ks_shear_to_kappa && module->ks_kappa_to_shear);
    CHECK(module->available() == dm_gpu_available());
  }
  /* Everything else in the module is hidden. */
  CHECK(dlsym(handle, "dm_cuda_available") == NULL);
  printf("module %s: loads, table of version %s\n", path, dm_version());
}

int main(int argc, char **argv) {
  DmError *error = NULL;
  cpu_work();
  check_no_cuda_library("CPU work");

  if (!dm_built_with_cuda()) {
    CHECK(!dm_gpu_available());
    check_failure(dm_gpu_ks_plan_new(64, 64, &error) != NULL, &error, DM_ERROR_UNSUPPORTED,
                  "compiled without the CUDA toolkit");
    check_failure(dm_nn_new(DM_NN_DEVICE_CUDA, 1, &error) != NULL, &error, DM_ERROR_UNSUPPORTED,
                  "compiled without the CUDA toolkit");
    check_no_cuda_library("asking for the GPU in a build without CUDA");
    return dm_test_result();
  }

  if (!driver_installed()) {
    CHECK(!dm_gpu_available());
    check_failure(dm_gpu_ks_plan_new(64, 64, &error) != NULL, &error, DM_ERROR_GPU,
                  "NVIDIA's driver is not installed");
    check_failure(dm_nn_new(DM_NN_DEVICE_CUDA, 1, &error) != NULL, &error, DM_ERROR_GPU,
                  "NVIDIA's driver is not installed");
    DmNn *automatic = dm_nn_new(DM_NN_DEVICE_AUTO, 1, &error);
    CHECK_OK(automatic, error);
    CHECK(automatic && !dm_nn_is_gpu(automatic));
    dm_nn_free(automatic);
    check_no_cuda_library("asking for the GPU without NVIDIA's driver");
  } else {
    /* With the driver, the first question loads the module and its libraries. */
    bool available = dm_gpu_available();
    printf("NVIDIA's driver is installed; a CUDA device is %susable\n", available ? "" : "not ");
    CHECK(mapped_cuda_library() != NULL);
  }
  if (argc > 1) check_module(argv[1]);
  return dm_test_result();
}

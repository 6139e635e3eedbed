/* GPU Kaiser-Squires (darkmap/gpu.h) against the CPU one (darkmap/ks.h).
 *
 * Without a usable device the test checks the failure it must give (not
 * compiled in, or no device) and is skipped.  With one, both directions are
 * compared with the CPU plan at 360², 1024², an odd × odd and an
 * even × odd grid (Nyquist on one axis only), as max |GPU − CPU| / max |CPU|
 * per output plane, which must be below 1e-5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/gpu.h"
#include "darkmap/ks.h"
#include "darkmap/rng.h"
#include "darkmap/version.h"
#include "test-util.h"

#define TOLERANCE 1e-5

static float *noise_plane(size_t n, uint64_t seed) {
  float *plane = malloc(n * sizeof *plane);
  if (!plane) return NULL;
  DmRng rng;
  dm_rng_init(&rng, seed, 0);
  for (size_t i = 0; i < n; i++) plane[i] = (float)(0.3 * dm_rng_normal(&rng));
  return plane;
}

static double relative_difference(const float *gpu, const float *cpu, size_t n) {
  double diff = 0.0, scale = 0.0;
  for (size_t i = 0; i < n; i++) {
    diff = fmax(diff, fabs((double)gpu[i] - (double)cpu[i]));
    scale = fmax(scale, fabs((double)cpu[i]));
  }
  return scale > 0.0 ? diff / scale : diff;
}

static void check_planes(const char *what, int nx, int ny, const float *gpu, const float *cpu,
                         size_t n) {
  double rel = relative_difference(gpu, cpu, n);
  printf("%d x %d %s: max |GPU - CPU| / max |CPU| = %.3g\n", nx, ny, what, rel);
  CHECK(rel < TOLERANCE);
}

static void compare_size(int nx, int ny) {
  DmError *error = NULL;
  size_t n = (size_t)nx * (size_t)ny;
  float *a = noise_plane(n, 11), *b = noise_plane(n, 12);
  float *cpu_1 = malloc(n * sizeof(float)), *cpu_2 = malloc(n * sizeof(float));
  float *gpu_1 = malloc(n * sizeof(float)), *gpu_2 = malloc(n * sizeof(float));
  DmKsPlan *cpu = dm_ks_plan_new(nx, ny, &error);
  CHECK_OK(cpu, error);
  DmGpuKsPlan *gpu = dm_gpu_ks_plan_new(nx, ny, &error);
  CHECK_OK(gpu, error);
  CHECK(a && b && cpu_1 && cpu_2 && gpu_1 && gpu_2);
  if (cpu && gpu && a && b && cpu_1 && cpu_2 && gpu_1 && gpu_2) {
    dm_ks_plan_shear_to_kappa(cpu, a, b, cpu_1, cpu_2);
    CHECK_OK(dm_gpu_ks_shear_to_kappa(gpu, a, b, gpu_1, gpu_2, &error), error);
    check_planes("shear -> kappa_E", nx, ny, gpu_1, cpu_1, n);
    check_planes("shear -> kappa_B", nx, ny, gpu_2, cpu_2, n);

    dm_ks_plan_kappa_to_shear(cpu, a, b, cpu_1, cpu_2);
    CHECK_OK(dm_gpu_ks_kappa_to_shear(gpu, a, b, gpu_1, gpu_2, &error), error);
    check_planes("kappa -> g1", nx, ny, gpu_1, cpu_1, n);
    check_planes("kappa -> g2", nx, ny, gpu_2, cpu_2, n);

    /* The optional planes: no kappa_B output, no kappa_B input. */
    dm_ks_plan_shear_to_kappa(cpu, a, b, cpu_1, NULL);
    CHECK_OK(dm_gpu_ks_shear_to_kappa(gpu, a, b, gpu_1, NULL, &error), error);
    check_planes("shear -> kappa_E only", nx, ny, gpu_1, cpu_1, n);
    dm_ks_plan_kappa_to_shear(cpu, a, NULL, cpu_1, cpu_2);
    CHECK_OK(dm_gpu_ks_kappa_to_shear(gpu, a, NULL, gpu_1, gpu_2, &error), error);
    check_planes("kappa_E only -> g1", nx, ny, gpu_1, cpu_1, n);
    check_planes("kappa_E only -> g2", nx, ny, gpu_2, cpu_2, n);
  }
  dm_gpu_ks_plan_free(gpu);
  dm_ks_plan_free(cpu);
  free(a);
  free(b);
  free(cpu_1);
  free(cpu_2);
  free(gpu_1);
  free(gpu_2);
}

int main(void) {
  DmError *error = NULL;
  if (!dm_gpu_available()) {
    /* Built without CUDA: "not compiled in"; built with it: the runtime's own
     * error (no driver, no device). */
    CHECK_FAILS(dm_gpu_ks_plan_new(64, 64, &error), error,
                dm_built_with_cuda() ? DM_ERROR_GPU : DM_ERROR_UNSUPPORTED);
    if (dm_test_failures) return dm_test_result();
    printf("no usable CUDA device (built with CUDA: %s): skipped\n",
           dm_built_with_cuda() ? "yes" : "no");
    return DM_TEST_SKIP;
  }

  CHECK_FAILS(dm_gpu_ks_plan_new(0, 64, &error), error, DM_ERROR_INVALID_ARGUMENT);
  DmGpuKsPlan *plan = dm_gpu_ks_plan_new(8, 8, &error);
  CHECK_OK(plan, error);
  float plane[64] = {0};
  CHECK_FAILS(dm_gpu_ks_shear_to_kappa(plan, plane, NULL, plane, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_gpu_ks_plan_free(plan);

  compare_size(360, 360);
  compare_size(1024, 1024);
  compare_size(255, 391);
  compare_size(256, 191);
  return dm_test_result();
}

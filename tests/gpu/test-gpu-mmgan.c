/* MMGAN on a CUDA context against the CPU (darkmap/mmgan.h,
 * darkmap/mmgan-train.h over the CUDA backend).  Skipped without a usable
 * device.  With one:
 *  1. a generator saved on the CPU and loaded on the GPU draws the same
 *     samples from the same codes (Philox noise codes agree across
 *     backends): max |CUDA − CPU| / max |CPU − kappa_mean| below 2e-2 (TF32
 *     tensor cores); on the GPU, batches of 3 + 3 + 1 and of 7 give the
 *     same samples up to rounding (cuDNN's algorithms depend on the batch),
 *     and the same batches give the same bits;
 *  2. the exact gradient penalty (double backward through the critic) and
 *     its gradient with respect to the critic's first and last weights
 *     agree to 2e-2 and 5e-2;
 *  3. a 300² generator of the full size pads to 304² and samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/gpu.h"
#include "darkmap/mmgan-train.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/rng.h"
#include "test-util.h"

enum { SIDE = 40, N_SAMPLES = 7 };

static DmMmganConfig small_config(void) {
  DmMmganConfig c;
  dm_mmgan_config_init(&c);
  c.nx = c.ny = SIDE;
  c.depth = 3;
  c.base_width = 8;
  c.critic_base = 4;
  c.kappa_mean = 0.01;
  c.kappa_std = 0.02;
  c.shear_scale = 0.05;
  return c;
}

static void make_shear(float *g1, float *g2, float *mask) {
  DmRng rng;
  dm_rng_init(&rng, 4, 0);
  for (int i = 0; i < SIDE * SIDE; i++) {
    mask[i] = i % 11 == 5 ? 0.0f : 1.0f;
    g1[i] = mask[i] * (float)(0.05 * dm_rng_normal(&rng));
    g2[i] = mask[i] * (float)(0.05 * dm_rng_normal(&rng));
  }
}

static double max_abs_diff(const float *a, const float *b, size_t n, double offset,
                           double *scale) {
  double d = 0.0, s = 0.0;
  for (size_t i = 0; i < n; i++) {
    d = fmax(d, fabs((double)a[i] - b[i]));
    s = fmax(s, fabs((double)b[i] - offset));
  }
  *scale = s;
  return d;
}

static void check_samples(DmNn *cpu, DmNn *gpu) {
  DmError *error = NULL;
  DmMmganConfig c = small_config();
  DmMmgan *m = dm_mmgan_new(cpu, &c, false, 3, &error);
  CHECK_OK(m != NULL, error);
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("gpu-mmgan.safetensors"));
  CHECK_OK(m && dm_mmgan_save(m, path, &error), error);
  DmMmgan *g = m ? dm_mmgan_load(gpu, path, &error) : NULL;
  CHECK_OK(g != NULL, error);
  remove(path);
  size_t npix = (size_t)SIDE * SIDE;
  float g1[SIDE * SIDE], g2[SIDE * SIDE], mask[SIDE * SIDE];
  make_shear(g1, g2, mask);
  float *a = malloc(N_SAMPLES * npix * sizeof(float)), *b = malloc(N_SAMPLES * npix * sizeof(float));
  float *b2 = malloc(N_SAMPLES * npix * sizeof(float));
  if (m && g) {
    CHECK_OK(dm_mmgan_sample(m, g1, g2, mask, N_SAMPLES, N_SAMPLES, 9, a, NULL, &error), error);
    CHECK_OK(dm_mmgan_sample(g, g1, g2, mask, N_SAMPLES, 3, 9, b, NULL, &error), error);
    CHECK_OK(dm_mmgan_sample(g, g1, g2, mask, N_SAMPLES, N_SAMPLES, 9, b2, NULL, &error), error);
    double scale, d = max_abs_diff(b, a, N_SAMPLES * npix, c.kappa_mean, &scale);
    printf("samples: max |CUDA - CPU| %.3g of %.3g (%.2e)\n", d, scale, d / scale);
    CHECK(scale > 0.0 && d / scale < 2e-2);
    /* cuDNN may pick other algorithms for another batch size: the same
     * samples up to rounding, and the same bits for the same batch. */
    double batch_d = max_abs_diff(b2, b, N_SAMPLES * npix, c.kappa_mean, &scale);
    printf("batch %d vs %d on CUDA: max |difference| %.3g of %.3g\n", N_SAMPLES, 3, batch_d, scale);
    CHECK(batch_d / scale < 2e-2);
    CHECK_OK(dm_mmgan_sample(g, g1, g2, mask, N_SAMPLES, 3, 9, b2, NULL, &error), error);
    CHECK(memcmp(b, b2, N_SAMPLES * npix * sizeof(float)) == 0);
  }
  free(a);
  free(b);
  free(b2);
  dm_mmgan_free(g);
  dm_mmgan_free(m);
}

/* The penalty and its gradients on context nn for fixed inputs. */
static double penalty(DmNn *nn, float *grad_first, float *grad_last) {
  DmError *error = NULL;
  DmMmganConfig c = small_config();
  DmMmgan *m = dm_mmgan_new(nn, &c, true, 5, &error);
  CHECK_OK(m != NULL, error);
  if (!m) return NAN;
  int count = dm_nn_params_count(m->critic_params);
  for (int i = 0; i < count; i++) {
    DmTensor *t = dm_nn_params_tensor(m->critic_params, i);
    CHECK(dm_tensor_fill_normal(t, 8, (uint64_t)i, 0.0f, 0.3f));
  }
  int p = m->py, q = m->px;
  DmTensor *kappa = dm_tensor_new(nn, 2, 1, p, q), *cond = dm_tensor_new(nn, 2, 4, p, q);
  CHECK(dm_tensor_fill_normal(kappa, 6, 0, 0.0f, 1.0f) &&
        dm_tensor_fill_normal(cond, 6, 1, 0.0f, 1.0f));
  dm_tensor_set_requires_grad(kappa, true);
  DmTensor *gp = dm_mmgan_gradient_penalty(m, kappa, cond);
  double value = gp ? dm_tensor_item(gp) : NAN;
  CHECK(gp && dm_nn_backward(nn, gp));
  DmTensor *first = dm_nn_params_find(m->critic_params, "conv.0.weight");
  DmTensor *last = dm_nn_params_find(m->critic_params, "fc.weight");
  CHECK(first && first->grad && last && last->grad);
  if (first && first->grad && last && last->grad) {
    CHECK(dm_tensor_download(first->grad, grad_first, (size_t)dm_tensor_numel(first)));
    CHECK(dm_tensor_download(last->grad, grad_last, (size_t)dm_tensor_numel(last)));
  }
  dm_nn_clear(nn);
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_tensor_free(kappa);
  dm_tensor_free(cond);
  dm_mmgan_free(m);
  return value;
}

static void check_penalty(DmNn *cpu, DmNn *gpu) {
  /* conv.0: 4 × 5 × 3 × 3, fc: 1 × 16. */
  float first_cpu[180], first_gpu[180], last_cpu[16], last_gpu[16];
  double a = penalty(cpu, first_cpu, last_cpu), b = penalty(gpu, first_gpu, last_gpu);
  printf("gradient penalty: CPU %.6f, CUDA %.6f\n", a, b);
  CHECK(fabs(a - b) <= 2e-2 * fabs(a));
  double scale, d = max_abs_diff(first_gpu, first_cpu, 180, 0.0, &scale);
  printf("d GP / d conv.0.weight: max |CUDA - CPU| %.3g of %.3g\n", d, scale);
  CHECK(scale > 0.0 && d <= 5e-2 * scale);
  d = max_abs_diff(last_gpu, last_cpu, 16, 0.0, &scale);
  printf("d GP / d fc.weight: max |CUDA - CPU| %.3g of %.3g\n", d, scale);
  CHECK(scale > 0.0 && d <= 5e-2 * scale);
}

static void check_full_size(DmNn *gpu) {
  DmError *error = NULL;
  DmMmganConfig c;
  dm_mmgan_config_init(&c);
  c.nx = c.ny = 300;
  DmMmgan *m = dm_mmgan_new(gpu, &c, false, 1, &error);
  CHECK_OK(m != NULL, error);
  if (!m) return;
  CHECK(m->px == 304 && m->py == 304);
  size_t npix = 300 * 300;
  float *g1 = calloc(npix, sizeof(float)), *g2 = calloc(npix, sizeof(float));
  float *mask = malloc(npix * sizeof(float)), *out = malloc(4 * npix * sizeof(float));
  for (size_t i = 0; i < npix; i++) mask[i] = 1.0f;
  CHECK_OK(dm_mmgan_sample(m, g1, g2, mask, 4, 4, 1, out, NULL, &error), error);
  bool finite = true;
  for (size_t i = 0; i < 4 * npix; i++) finite = finite && isfinite(out[i]);
  CHECK(finite);
  free(g1);
  free(g2);
  free(mask);
  free(out);
  dm_mmgan_free(m);
}

int main(void) {
  DmError *error = NULL;
  DmNn *gpu = dm_gpu_available() ? dm_nn_new(DM_NN_DEVICE_CUDA, 0, &error) : NULL;
  if (!gpu) {
    printf("no usable CUDA device: %s\n", error ? error->message : "none found");
    dm_error_free(error);
    return DM_TEST_SKIP;
  }
  DmNn *cpu = dm_nn_new(DM_NN_DEVICE_CPU, 0, &error);
  CHECK_OK(cpu != NULL, error);
  if (cpu) {
    check_samples(cpu, gpu);
    check_penalty(cpu, gpu);
    check_full_size(gpu);
  }
  dm_nn_free(cpu);
  dm_nn_free(gpu);
  return dm_test_result();
}

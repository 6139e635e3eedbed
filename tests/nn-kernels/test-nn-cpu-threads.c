/* The CPU backend's ops large enough for a second thread (two shares of
 * nn-cpu-private.h's DM_NN_CPU_ELEMENTS_PER_THREAD or
 * DM_NN_CPU_MACS_PER_THREAD) on a 2-thread context, against the same ops on a
 * 1-thread context.  The element-wise, norm and resampling kernels split
 * their work by element, plane or group, so both give the same bits; the
 * per-sample sum of squares and the convolution, whose partial sums follow
 * the threads, agree to float rounding. */
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-ops.h"
#include "darkmap/nn.h"
#include "darkmap/rng.h"
#include "nn/nn-cpu-private.h"
#include "test-util.h"

/* Element-wise ops on [SAMPLES, CHANNELS, SIDE, SIDE]: 2 shares of
 * elements.  The convolution: [8, 32, 128, 128] * [32, 32, 3, 3], 1.2 G
 * multiply-adds, 2 shares. */
enum { SAMPLES = 2, CHANNELS = 16, SIDE = 512, GROUPS = 4 };
enum { CONV_N = 8, CONV_C = 32, CONV_SIDE = 128 };

typedef enum { OP_SILU, OP_ADD, OP_GROUP_NORM, OP_AVG_POOL, OP_UPSAMPLE, OP_SUMSQ, OP_CONV } Op;

static const char *const op_names[] = {
    "SiLU",           "add",        "group norm", "average pool", "bilinear upsampling",
    "sum of squares", "convolution"};

/* op on the host data x (and weights w for the convolution) computed on nn;
 * the result downloaded (malloc'ed), its element count in *count. */
static float *apply(DmNn *nn, Op op, const float *x_host, const float *w_host, size_t *count) {
  DmTensor *x = op == OP_CONV ? dm_tensor_temp(nn, CONV_N, CONV_C, CONV_SIDE, CONV_SIDE)
                              : dm_tensor_temp(nn, SAMPLES, CHANNELS, SIDE, SIDE);
  DmTensor *w = op == OP_CONV ? dm_tensor_temp(nn, CONV_C, CONV_C, 3, 3) : NULL;
  if (!x || !dm_tensor_upload(x, x_host, (size_t)dm_tensor_numel(x)) ||
      (w && !dm_tensor_upload(w, w_host, (size_t)dm_tensor_numel(w))))
    return NULL;
  DmTensor *y = NULL;
  switch (op) {
  case OP_SILU: y = dm_nn_silu(nn, x); break;
  case OP_ADD: y = dm_nn_add(nn, x, x); break;
  case OP_GROUP_NORM: {
    DmTensor *gamma = dm_tensor_temp(nn, 1, CHANNELS, 1, 1);
    DmTensor *beta = dm_tensor_temp(nn, 1, CHANNELS, 1, 1);
    if (gamma && beta && dm_tensor_fill(gamma, 1.5f) && dm_tensor_fill(beta, 0.25f))
      y = dm_nn_group_norm(nn, x, gamma, beta, GROUPS, 1e-5f);
    break;
  }
  case OP_AVG_POOL: y = dm_nn_avg_pool(nn, x, 2); break;
  case OP_UPSAMPLE: y = dm_nn_upsample_bilinear(nn, dm_nn_avg_pool(nn, x, 2), 2); break;
  case OP_SUMSQ: y = dm_nn_sum_squares_per_sample(nn, x); break;
  case OP_CONV: y = dm_nn_conv2d(nn, x, w, NULL, 1, 1); break;
  }
  DmError *error = NULL;
  if (!y && !dm_nn_take_error(nn, &error)) {
    fprintf(stderr, "%s: %s\n", op_names[op], error->message);
    dm_error_free(error);
  }
  float *host = y ? malloc((size_t)dm_tensor_numel(y) * sizeof *host) : NULL;
  *count = y ? (size_t)dm_tensor_numel(y) : 0;
  if (host && !dm_tensor_download(y, host, *count)) {
    free(host);
    host = NULL;
  }
  dm_nn_clear(nn);
  return host;
}

int main(void) {
  CHECK((int64_t)SAMPLES * CHANNELS * SIDE * SIDE == 2 * (int64_t)DM_NN_CPU_ELEMENTS_PER_THREAD);
  CHECK((int64_t)CONV_N * CONV_C * CONV_SIDE * CONV_SIDE * CONV_C * 9 >=
        2 * (int64_t)DM_NN_CPU_MACS_PER_THREAD);
  DmError *error = NULL;
  DmNn *one = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(one != NULL, error);
  DmNn *two = one ? dm_nn_new(DM_NN_DEVICE_CPU, 2, &error) : NULL;
  CHECK_OK(two != NULL, error);
  const size_t n = (size_t)SAMPLES * CHANNELS * SIDE * SIDE, n_w = (size_t)CONV_C * CONV_C * 9;
  float *x = malloc(n * sizeof *x), *w = malloc(n_w * sizeof *w);
  if (!one || !two || !x || !w) {
    CHECK(false);
    return dm_test_result();
  }
  DmRng rng;
  dm_rng_init(&rng, 20261206, 0);
  for (size_t i = 0; i < n; i++) x[i] = (float)dm_rng_normal(&rng);
  for (size_t i = 0; i < n_w; i++) w[i] = (float)(dm_rng_normal(&rng) / 17.0);
  for (Op op = OP_SILU; op <= OP_CONV; op++) {
    size_t count_one = 0, count_two = 0;
    float *a = apply(one, op, x, w, &count_one), *b = apply(two, op, x, w, &count_two);
    CHECK(a && b && count_one == count_two && count_one > 0);
    if (!a || !b || count_one != count_two) {
      free(a);
      free(b);
      continue;
    }
    /* Largest difference relative to the RMS of the 1-thread result. */
    double sum_sq = 0.0, worst = 0.0;
    for (size_t i = 0; i < count_one; i++) {
      sum_sq += (double)a[i] * a[i];
      if (fabs((double)a[i] - b[i]) > worst) worst = fabs((double)a[i] - b[i]);
    }
    const double relative = worst / sqrt(sum_sq / (double)count_one);
    const bool exact = op != OP_SUMSQ && op != OP_CONV;
    if (exact)
      CHECK(memcmp(a, b, count_one * sizeof *a) == 0);
    else
      CHECK(relative < 1e-5);
    printf("%-20s %9zu values, 2 threads against 1: %s (largest difference %.2g of the RMS)\n",
           op_names[op], count_one, exact ? "bit for bit" : "to rounding", relative);
    free(a);
    free(b);
  }
  CHECK(dm_nn_take_error(one, &error));
  CHECK(dm_nn_take_error(two, &error));
  free(x);
  free(w);
  dm_nn_free(one);
  dm_nn_free(two);
  return dm_test_result();
}

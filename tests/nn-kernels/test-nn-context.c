/* The network context on the CPU: sticky error, temporaries and the caching
 * allocator, channel views with strided copies, and the deterministic
 * normal and uniform fills (Philox4x32-10 as nn-backend.h specifies). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn.h"
#include "darkmap/rng.h"
#include "test-util.h"

static DmNn *new_cpu(void) {
  DmError *error = NULL;
  DmNn *nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, &error);
  CHECK_OK(nn != NULL, error);
  return nn;
}

static void check_device(void) {
  DmNn *nn = new_cpu();
  CHECK(!dm_nn_is_gpu(nn));
  CHECK(strncmp(dm_nn_device_name(nn), "cpu: oneDNN ", 12) == 0);
  CHECK(strstr(dm_nn_device_name(nn), ", 1 thread") != NULL);
  dm_nn_free(nn);

  DmError *error = NULL;
  CHECK_FAILS(dm_nn_new(DM_NN_DEVICE_CPU, -1, &error), error, DM_ERROR_INVALID_ARGUMENT);
  /* Without a usable GPU, AUTO falls back to the CPU silently. */
  DmNn *automatic = dm_nn_new(DM_NN_DEVICE_AUTO, 1, &error);
  CHECK_OK(automatic != NULL, error);
  dm_nn_free(automatic);
}

static void check_sticky_error(void) {
  DmNn *nn = new_cpu();
  CHECK(dm_nn_ok(nn));
  DmError *error = NULL;
  CHECK(dm_nn_take_error(nn, &error) && error == NULL);

  DmTensor *a = dm_tensor_temp(nn, 2, 3, 4, 5);
  DmTensor *b = dm_tensor_temp(nn, 2, 3, 4, 4);
  CHECK(a && b);
  CHECK(!dm_tensor_copy(a, b));  /* shape mismatch: the first error */
  CHECK(!dm_nn_ok(nn));
  CHECK(!dm_nn_fail(nn, DM_ERROR_FAILED, "second %d", 2));  /* not kept */
  CHECK(dm_tensor_temp(nn, 1, 1, 1, 1) == NULL);             /* failed context: no-op */
  CHECK(!dm_tensor_fill(a, 1.0f));
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  CHECK(dm_nn_ok(nn));

  /* take_error without a destination frees the error. */
  CHECK(!dm_nn_fail(nn, DM_ERROR_NO_DATA, "nothing %s", "here"));
  CHECK(!dm_nn_take_error(nn, NULL));
  CHECK(dm_nn_ok(nn));

  /* A bad shape and a wrong transfer size are recorded too. */
  CHECK(dm_tensor_new(nn, 0, 1, 1, 1) == NULL);
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  float host[3] = {0};
  CHECK(!dm_tensor_upload(a, host, 3));
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  dm_nn_free(nn);
}

static void check_temporaries_and_allocator(void) {
  DmNn *nn = new_cpu();
  size_t in_use = 1, cached = 1;
  dm_nn_memory_stats(nn, &in_use, &cached);
  CHECK(in_use == 0 && cached == 0);

  DmTensor *persistent = dm_tensor_new(nn, 1, 1, 32, 32);  /* 4096 bytes */
  DmTensor *t1 = dm_tensor_temp(nn, 1, 1, 32, 32);
  DmTensor *t2 = dm_tensor_temp(nn, 1, 1, 30, 30);          /* 3600 bytes, rounds to 4096 */
  CHECK(persistent && t1 && t2);
  dm_nn_memory_stats(nn, &in_use, &cached);
  CHECK(in_use == 3 * 4096 && cached == 0);

  const float *first_t1 = t1->data, *first_t2 = t2->data;
  dm_nn_clear(nn);  /* both temporaries go back to the cache */
  dm_nn_memory_stats(nn, &in_use, &cached);
  CHECK(in_use == 4096 && cached == 2 * 4096);

  /* Same rounded size: a cached block is reused, nothing new is allocated. */
  DmTensor *t3 = dm_tensor_temp(nn, 4, 1, 16, 16);
  CHECK(t3 && (t3->data == first_t1 || t3->data == first_t2));
  dm_nn_memory_stats(nn, &in_use, &cached);
  CHECK(in_use == 2 * 4096 && cached == 4096);

  dm_tensor_free(persistent);
  dm_nn_memory_stats(nn, &in_use, &cached);
  CHECK(in_use == 4096 && cached == 2 * 4096);

  /* Freeing a temporary by hand is refused. */
  DmError *error = NULL;
  dm_tensor_free(t3);
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  dm_nn_clear(nn);
  dm_nn_memory_stats(nn, &in_use, &cached);
  CHECK(in_use == 0 && cached == 3 * 4096);
  dm_nn_free(nn);
}

static void check_views_and_copies(void) {
  DmNn *nn = new_cpu();
  enum { N = 2, C = 5, H = 3, W = 4 };
  float host[N * C * H * W];
  for (int i = 0; i < N * C * H * W; i++) host[i] = (float)i;
  DmTensor *t = dm_tensor_new(nn, N, C, H, W);
  CHECK(dm_tensor_upload(t, host, N * C * H * W));
  CHECK(dm_tensor_numel(t) == N * C * H * W && dm_tensor_is_contiguous(t));

  DmTensor *view = dm_tensor_channel_view(t, 1, 3);
  CHECK(view && view->shape[1] == 3 && !dm_tensor_is_contiguous(view) && view->block == NULL);
  /* A view of one sample's channels would be contiguous. */
  DmTensor *single = dm_tensor_temp(nn, 1, C, H, W);
  CHECK(dm_tensor_is_contiguous(dm_tensor_channel_view(single, 2, 2)));

  /* Strided -> contiguous. */
  DmTensor *dense = dm_tensor_temp(nn, N, 3, H, W);
  CHECK(dm_tensor_copy(dense, view));
  float out[N * 3 * H * W];
  CHECK(dm_tensor_download(dense, out, N * 3 * H * W));
  int mismatches = 0;
  for (int n = 0; n < N; n++)
    for (int c = 0; c < 3; c++)
      for (int i = 0; i < H * W; i++)
        mismatches += out[(n * 3 + c) * H * W + i] != host[(n * C + c + 1) * H * W + i];
  CHECK(mismatches == 0);

  /* Contiguous -> strided: channels 1..3 become -1, the others keep. */
  CHECK(dm_tensor_fill(dense, -1.0f));
  CHECK(dm_tensor_copy(view, dense));
  CHECK(!dm_tensor_download(view, out, N * 3 * H * W)); /* views are not contiguous */
  DmError *error = NULL;
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  float all[N * C * H * W];
  CHECK(dm_tensor_download(t, all, N * C * H * W));
  mismatches = 0;
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++)
      for (int i = 0; i < H * W; i++) {
        const int k = (n * C + c) * H * W + i;
        mismatches += all[k] != (c >= 1 && c <= 3 ? -1.0f : host[k]);
      }
  CHECK(mismatches == 0);

  /* Clone: persistent, contiguous, equal. */
  DmTensor *copy = dm_tensor_clone(view);
  CHECK(copy && copy->persistent && dm_tensor_is_contiguous(copy));
  CHECK(dm_tensor_item(copy) == -1.0f);
  CHECK(dm_tensor_item(t) == 0.0f);

  dm_tensor_set_requires_grad(copy, true);
  CHECK(copy->requires_grad);
  dm_tensor_free(copy);
  dm_tensor_free(t);
  CHECK(dm_nn_take_error(nn, &error));
  dm_nn_free(nn);
}

/* Element i of a normal fill, by the formula of nn-backend.h. */
static double reference_normal(uint64_t seed, uint64_t stream, uint64_t i) {
  const uint64_t j = i / 2;
  const uint32_t ctr[4] = {(uint32_t)j, (uint32_t)(j >> 32), (uint32_t)stream,
                           (uint32_t)(stream >> 32)};
  const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  uint32_t block[4];
  dm_philox4x32_10(ctr, key, block);
  const double u1 = (block[0] + 0.5) / 4294967296.0, u2 = (block[1] + 0.5) / 4294967296.0;
  const double r = sqrt(-2.0 * log(u1));
  return i % 2 ? r * sin(2.0 * M_PI * u2) : r * cos(2.0 * M_PI * u2);
}

static double reference_uniform(uint64_t seed, uint64_t stream, uint64_t i) {
  const uint64_t j = i / 4;
  const uint32_t ctr[4] = {(uint32_t)j, (uint32_t)(j >> 32), (uint32_t)stream,
                           (uint32_t)(stream >> 32)};
  const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  uint32_t block[4];
  dm_philox4x32_10(ctr, key, block);
  return (block[i % 4] + 0.5) / 4294967296.0;
}

static void check_random_fills(void) {
  DmNn *nn = new_cpu();
  enum { COUNT = 200001 };  /* odd: the last pair is cut */
  float *x = malloc(COUNT * sizeof *x), *y = malloc(COUNT * sizeof *y);
  DmTensor *t = dm_tensor_new(nn, COUNT, 1, 1, 1);
  const uint64_t seed = UINT64_C(0x123456789abcdef), stream = UINT64_C(0x100000003);

  CHECK(dm_tensor_fill_normal(t, seed, stream, 2.0f, 3.0f));
  CHECK(dm_tensor_download(t, x, COUNT));
  double sum = 0, sum2 = 0, worst = 0;
  for (int i = 0; i < COUNT; i++) {
    const double z = (x[i] - 2.0) / 3.0;
    sum += z;
    sum2 += z * z;
    const double expected = 2.0 + 3.0 * reference_normal(seed, stream, (uint64_t)i);
    if (fabs(x[i] - expected) > worst) worst = fabs(x[i] - expected);
  }
  CHECK(worst <= 1e-5 * 30.0);
  /* Five standard errors of the mean and of the variance. */
  CHECK_CLOSE(sum / COUNT, 0.0, 5.0 / sqrt(COUNT));
  CHECK_CLOSE(sum2 / COUNT, 1.0, 5.0 * sqrt(2.0 / COUNT));

  /* Deterministic: same (seed, stream) same numbers; another stream differs. */
  CHECK(dm_tensor_fill_normal(t, seed, stream, 2.0f, 3.0f));
  CHECK(dm_tensor_download(t, y, COUNT));
  CHECK(memcmp(x, y, COUNT * sizeof *x) == 0);
  CHECK(dm_tensor_fill_normal(t, seed, stream + 1, 2.0f, 3.0f));
  CHECK(dm_tensor_download(t, y, COUNT));
  int equal = 0;
  for (int i = 0; i < COUNT; i++) equal += x[i] == y[i];
  CHECK(equal < 10);

  CHECK(dm_tensor_fill_uniform(t, seed, stream, -1.5f, 0.5f));
  CHECK(dm_tensor_download(t, x, COUNT));
  double usum = 0, lo = 1e9, hi = -1e9;
  worst = 0;
  for (int i = 0; i < COUNT; i++) {
    usum += x[i];
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
    const double expected = -1.5 + 2.0 * reference_uniform(seed, stream, (uint64_t)i);
    if (fabs(x[i] - expected) > worst) worst = fabs(x[i] - expected);
  }
  CHECK(worst <= 1e-6);
  CHECK(lo >= -1.5 && hi <= 0.5 && lo < -1.49 && hi > 0.49);
  CHECK_CLOSE(usum / COUNT, -0.5, 5.0 * 2.0 * sqrt(1.0 / 12.0 / COUNT));

  dm_tensor_free(t);
  free(x);
  free(y);
  dm_nn_free(nn);
}

int main(void) {
  check_device();
  check_sticky_error();
  check_temporaries_and_allocator();
  check_views_and_copies();
  check_random_fills();
  return dm_test_result();
}

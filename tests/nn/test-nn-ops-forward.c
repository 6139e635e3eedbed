/* Forward values of the ops that the engine composes from kernels, against
 * direct loops in double: transposed convolution (PyTorch's definition,
 * with padding and output padding), linear, the broadcasting add/sub/mul,
 * channel concatenation and slicing, and the reductions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/nn-ops.h"
#include "nn-test-util.h"

static double max_rel(const float *a, const double *b, int64_t n) {
  double worst = 0, scale = 0;
  for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(b[i]));
  for (int64_t i = 0; i < n; i++) worst = fmax(worst, fabs(a[i] - b[i]));
  return worst / fmax(scale, 1e-30);
}

static void report(const char *what, const DmTensor *t, const double *expected) {
  CHECK(t != NULL);
  if (!t) return;
  float *host = nn_test_download(t);
  double err = max_rel(host, expected, dm_tensor_numel(t));
  printf("%-44s max |difference| / max |value| = %.1e\n", what, err);
  CHECK(err < 1e-6);
  free(host);
}

/* y[n,o,a s - p + ki, b s - p + kj] += x[n,c,a,b] w[c,o,ki,kj] + bias[o]. */
static void check_conv_transpose(DmNn *nn, int k, int s, int p, int op) {
  const int N = 2, C = 3, O = 2, H = 4, W = 3;
  int ho = (H - 1) * s - 2 * p + k + op, wo = (W - 1) * s - 2 * p + k + op;
  DmTensor *x = dm_tensor_new(nn, N, C, H, W), *w = dm_tensor_new(nn, C, O, k, k);
  DmTensor *b = dm_tensor_new(nn, O, 1, 1, 1);
  nn_test_fill_normal(x, 1, 0, 1.0);
  nn_test_fill_normal(w, 1, 1, 1.0);
  nn_test_fill_normal(b, 1, 2, 1.0);
  float *xh = nn_test_download(x), *wh = nn_test_download(w), *bh = nn_test_download(b);
  double *y = calloc((size_t)(N * O * ho * wo), sizeof *y);
  for (int n = 0; n < N; n++)
    for (int o = 0; o < O; o++)
      for (int i = 0; i < ho * wo; i++) y[(n * O + o) * ho * wo + i] = bh[o];
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++)
      for (int a = 0; a < H; a++)
        for (int bb = 0; bb < W; bb++)
          for (int o = 0; o < O; o++)
            for (int ki = 0; ki < k; ki++)
              for (int kj = 0; kj < k; kj++) {
                int i = a * s - p + ki, j = bb * s - p + kj;
                if (i < 0 || i >= ho || j < 0 || j >= wo) continue;
                y[((n * O + o) * ho + i) * wo + j] +=
                    (double)xh[((n * C + c) * H + a) * W + bb] * wh[((c * O + o) * k + ki) * k + kj];
              }
  DmTensor *out = dm_nn_conv_transpose2d(nn, x, w, b, s, p, op);
  CHECK(out && out->shape[2] == ho && out->shape[3] == wo);
  char what[64];
  snprintf(what, sizeof what, "conv_transpose2d k%d s%d p%d output_padding %d", k, s, p, op);
  if (out && out->shape[2] == ho && out->shape[3] == wo) report(what, out, y);
  free(xh);
  free(wh);
  free(bh);
  free(y);
  dm_nn_clear(nn);
  dm_tensor_free(x);
  dm_tensor_free(w);
  dm_tensor_free(b);
}

static void check_linear_and_elementwise(DmNn *nn) {
  DmTensor *x = dm_tensor_new(nn, 3, 2, 2, 1), *w = dm_tensor_new(nn, 5, 4, 1, 1);
  DmTensor *b = dm_tensor_new(nn, 5, 1, 1, 1), *s = dm_tensor_new(nn, 3, 1, 1, 1);
  DmTensor *one = dm_tensor_new(nn, 1, 1, 1, 1);
  nn_test_fill_normal(x, 2, 0, 1.0);
  nn_test_fill_normal(w, 2, 1, 1.0);
  nn_test_fill_normal(b, 2, 2, 1.0);
  nn_test_fill_normal(s, 2, 3, 1.0);
  nn_test_fill_normal(one, 2, 4, 1.0);
  float *xh = nn_test_download(x), *wh = nn_test_download(w), *bh = nn_test_download(b);
  float *sh = nn_test_download(s), *oh = nn_test_download(one);

  double y[15], add[12], sub[12], mul[12], ssq[3] = {0}, sum = 0, ps[3] = {0};
  for (int n = 0; n < 3; n++)
    for (int o = 0; o < 5; o++) {
      y[n * 5 + o] = bh[o];
      for (int f = 0; f < 4; f++) y[n * 5 + o] += (double)xh[n * 4 + f] * wh[o * 4 + f];
    }
  for (int i = 0; i < 12; i++) {
    add[i] = (double)xh[i] + sh[i / 4];
    sub[i] = (double)xh[i] - oh[0];
    mul[i] = (double)xh[i] * sh[i / 4];
    ssq[i / 4] += (double)xh[i] * xh[i];
    ps[i / 4] += xh[i];
    sum += xh[i];
  }
  double mean = sum / 12;
  report("linear", dm_nn_linear(nn, x, w, b), y);
  report("add, per-sample b", dm_nn_add(nn, x, s), add);
  report("sub, scalar b", dm_nn_sub(nn, x, one), sub);
  report("mul, per-sample b", dm_nn_mul(nn, x, s), mul);
  report("sum_squares_per_sample", dm_nn_sum_squares_per_sample(nn, x), ssq);
  report("sum_per_sample", dm_nn_sum_per_sample(nn, x), ps);
  report("sum", dm_nn_sum(nn, x), &sum);
  report("mean", dm_nn_mean(nn, x), &mean);

  /* concat [x, x*s] then slice channel 1..2 back. */
  DmTensor *cat = dm_nn_concat(nn, x, dm_nn_mul(nn, x, s));
  double expected_cat[24];
  for (int n = 0; n < 3; n++)
    for (int c = 0; c < 4; c++)
      for (int i = 0; i < 2; i++)
        expected_cat[(n * 4 + c) * 2 + i] = c < 2 ? xh[(n * 2 + c) * 2 + i] : mul[(n * 2 + c - 2) * 2 + i];
  report("concat", cat, expected_cat);
  double expected_slice[12];
  for (int n = 0; n < 3; n++)
    for (int c = 0; c < 2; c++)
      for (int i = 0; i < 2; i++) expected_slice[(n * 2 + c) * 2 + i] = expected_cat[(n * 4 + c + 1) * 2 + i];
  report("slice_channels [1, 3)", dm_nn_slice_channels(nn, cat, 1, 2), expected_slice);

  /* x [3, 2, 2, 1] periodically extended to 3 x 3 and cropped to 1 x 1. */
  double expected_window[54], expected_crop[6];
  for (int p = 0; p < 6; p++) {
    for (int i = 0; i < 9; i++) expected_window[p * 9 + i] = xh[p * 2 + (i / 3) % 2];
    expected_crop[p] = xh[p * 2];
  }
  report("periodic_window pad", dm_nn_periodic_window(nn, x, 3, 3), expected_window);
  report("periodic_window crop", dm_nn_periodic_window(nn, x, 1, 1), expected_crop);

  free(xh);
  free(wh);
  free(bh);
  free(sh);
  free(oh);
  dm_nn_clear(nn);
  dm_tensor_free(x);
  dm_tensor_free(w);
  dm_tensor_free(b);
  dm_tensor_free(s);
  dm_tensor_free(one);
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  check_conv_transpose(nn, 2, 2, 0, 0);
  check_conv_transpose(nn, 5, 2, 2, 1);
  check_conv_transpose(nn, 3, 1, 1, 0);
  check_conv_transpose(nn, 4, 3, 1, 2);
  check_linear_and_elementwise(nn);
  DmError *error = NULL;
  CHECK_OK(dm_nn_take_error(nn, &error), error);
  dm_nn_free(nn);
  return dm_test_result();
}

/* The tape's bookkeeping, on closed forms: gradients of a tensor used
 * several times add up, backward accumulates into ->grad until zeroed,
 * dm_nn_grad leaves ->grad alone and reaches intermediate results, no
 * recording means no tape, and dm_nn_clear empties the tape. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "nn-test-util.h"

#define N 6

static void upload(DmTensor *t, const float *values) { CHECK(dm_tensor_upload(t, values, N)); }

/* Checks that t (N elements) equals expected[i] to float rounding. */
static void check_values(const DmTensor *t, const double *expected, const char *what) {
  CHECK(t != NULL);
  if (!t) return;
  float *host = nn_test_download(t);
  double worst = 0;
  for (int i = 0; i < N; i++) worst = fmax(worst, fabs(host[i] - expected[i]) / fmax(1.0, fabs(expected[i])));
  printf("%-52s max relative difference %.1e\n", what, worst);
  CHECK(worst < 1e-6);
  free(host);
}

int main(void) {
  DmNn *nn = nn_test_cpu();
  DmError *error = NULL;
  const float xs[N] = {0.5f, -1.0f, 2.0f, 1.5f, -0.25f, 3.0f};
  const float ws[N] = {1.0f, 2.0f, -1.0f, 0.5f, 4.0f, -2.0f};
  DmTensor *x = dm_tensor_new(nn, 2, 3, 1, 1), *w = dm_tensor_new(nn, 2, 3, 1, 1);
  upload(x, xs);
  upload(w, ws);
  dm_tensor_set_requires_grad(x, true);
  dm_tensor_set_requires_grad(w, true);
  CHECK(dm_nn_is_recording(nn));

  /* L = sum(x*x*w + 3x): dL/dx = 2xw + 3, dL/dw = x^2; x used three times. */
  DmTensor *xx = dm_nn_mul(nn, x, x);
  DmTensor *loss = dm_nn_add(nn, dm_nn_sum(nn, dm_nn_mul(nn, xx, w)),
                             dm_nn_sum(nn, dm_nn_scale(nn, x, 3.0f, 0.0f)));
  CHECK(dm_nn_backward(nn, loss));
  double gx[N], gw[N];
  for (int i = 0; i < N; i++) {
    gx[i] = 2.0 * xs[i] * ws[i] + 3.0;
    gw[i] = (double)xs[i] * xs[i];
  }
  check_values(x->grad, gx, "dL/dx with x used three times");
  check_values(w->grad, gw, "dL/dw");

  /* A second backward over the same tape adds the same gradient again. */
  CHECK(dm_nn_backward(nn, loss));
  double gx2[N];
  for (int i = 0; i < N; i++) gx2[i] = 2 * gx[i];
  check_values(x->grad, gx2, "dL/dx after two backward passes (accumulated)");

  /* dm_nn_grad with respect to an intermediate result, ->grad untouched:
   * dL/d(xx) = w. */
  DmTensor *g = dm_nn_grad(nn, loss, xx, false);
  double expected_w[N];
  for (int i = 0; i < N; i++) expected_w[i] = ws[i];
  check_values(g, expected_w, "dm_nn_grad(L, x*x) = w");
  check_values(x->grad, gx2, "->grad unchanged by dm_nn_grad");

  /* Zeroing keeps the allocation. */
  DmTensor *leaves[] = {x, w};
  DmTensor *grad_before = x->grad;
  dm_nn_zero_grad(leaves, 2);
  double zeros[N] = {0};
  check_values(x->grad, zeros, "zeroed ->grad");
  CHECK(x->grad == grad_before);

  /* dm_nn_clear empties the tape: results made before it are gone, and a
   * new loss starts a new tape. */
  dm_nn_clear(nn);
  loss = dm_nn_sum(nn, dm_nn_mul(nn, x, w));
  CHECK(dm_nn_backward(nn, loss));
  check_values(x->grad, expected_w, "d sum(x w)/dx = w on a fresh tape");
  dm_nn_clear(nn);

  /* Without recording nothing is taped and backward refuses. */
  bool previous = dm_nn_set_recording(nn, false);
  CHECK(previous);
  CHECK(!dm_nn_is_recording(nn));
  loss = dm_nn_sum(nn, dm_nn_mul(nn, x, w));
  CHECK(loss && loss->grad_fn == NULL);
  CHECK(!dm_nn_backward(nn, loss));
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  dm_nn_set_recording(nn, true);
  dm_nn_clear(nn);

  /* A gradient of an output that does not depend on the input. */
  DmTensor *other = dm_tensor_new(nn, 2, 3, 1, 1);
  upload(other, ws);
  dm_tensor_set_requires_grad(other, true);
  CHECK(dm_nn_grad(nn, dm_nn_sum(nn, x), other, false) == NULL);
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_INVALID_ARGUMENT);
  dm_nn_clear(nn);

  dm_tensor_free(x);
  dm_tensor_free(w);
  dm_tensor_free(other);
  dm_nn_free(nn);
  return dm_test_result();
}

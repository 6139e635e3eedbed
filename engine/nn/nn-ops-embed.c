/* Noise-level embedding and spectral normalisation. */
#include <math.h>

#include "nn/nn-ops-private.h"

DmTensor *dm_nn_fourier_embedding(DmNn *nn, DmTensor *sigma, DmTensor *freqs) {
  DmTensor *inputs[2] = {sigma, freqs};
  if (!dm_nn_check_inputs(nn, "fourier_embedding", 2, 2, inputs)) return NULL;
  int64_t n = dm_tensor_numel(sigma), f = dm_tensor_numel(freqs);
  DmNnNode node = {.op = DM_NN_OP_FOURIER_EMBED};
  node.src[0] = sigma;
  node.src[1] = freqs;
  node.dst[0] = dm_tensor_temp(nn, n, 2 * f, 1, 1);
  return dm_nn_run(nn, &node);
}

/* ---- spectral normalisation -------------------------------------------- */

/* dst = op(a) op(b) on matrix views (dst preallocated). */
static bool matmul_into(DmNn *nn, DmTensor *dst, const DmTensor *a, const DmTensor *b,
                        bool trans_a, bool trans_b) {
  DmNnNode node = {.op = DM_NN_OP_MATMUL, .alpha = 1.0f, .trans_a = trans_a, .trans_b = trans_b};
  node.src[0] = a;
  node.src[1] = b;
  node.dst[0] = dst;
  return dm_nn_run(nn, &node) != NULL;
}

/* x /= max(|x|, 1e-12) in place (PyTorch's normalize). */
static bool normalize(DmNn *nn, DmTensor *x) {
  DmNnNode sumsq = {.op = DM_NN_OP_SUMSQ, .alpha = 1.0f};
  sumsq.src[0] = x;
  sumsq.dst[0] = dm_tensor_temp(nn, 1, 1, 1, 1);
  if (!dm_nn_run(nn, &sumsq)) return false;
  double norm = sqrt((double)dm_tensor_item(sumsq.dst[0]));
  DmNnNode scale = {.op = DM_NN_OP_AFFINE, .alpha = (float)(1.0 / fmax(norm, 1e-12))};
  scale.src[0] = x;
  scale.dst[0] = x;
  return dm_nn_run(nn, &scale) != NULL;
}

/* y = W / sigma with u, v constant: dW = G / sigma - <G, W> / sigma^2 u v^T.
 * entry->saved[0], saved[1]: u (O), v (K); f[0]: sigma. */
static bool spectral_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *g, const bool *needs,
                              DmTensor **grads) {
  if (!needs[0]) return true;
  DmTensor *w = e->inputs[0];
  double sigma = e->f[0];
  DmNnNode mul = {.op = DM_NN_OP_MUL};
  mul.src[0] = g;
  mul.src[1] = w;
  mul.dst[0] = dm_nn_temp_like(nn, w);
  DmNnNode sum = {.op = DM_NN_OP_SUM, .alpha = 1.0f};
  sum.src[0] = dm_nn_run(nn, &mul);
  sum.dst[0] = dm_tensor_temp(nn, 1, 1, 1, 1);
  if (!sum.src[0] || !dm_nn_run(nn, &sum)) return false;
  double dot = dm_tensor_item(sum.dst[0]);
  DmTensor *outer = dm_nn_temp_like(nn, w);  /* u v^T on w's matrix view */
  if (!outer || !matmul_into(nn, outer, e->saved[0], e->saved[1], false, true)) return false;
  DmNnNode add = {.op = DM_NN_OP_ADD, .alpha = (float)(1.0 / sigma),
                  .beta = (float)(-dot / (sigma * sigma))};
  add.src[0] = g;
  add.src[1] = outer;
  add.dst[0] = dm_nn_temp_like(nn, w);
  grads[0] = dm_nn_run(nn, &add);
  DmTensor *inputs[2] = {g, w};
  return dm_nn_tape_first_order_only(nn, "spectral_normalize", grads[0], 2, inputs);
}

DmTensor *dm_nn_spectral_normalize(DmNn *nn, DmTensor *w, DmTensor *u, int power_iterations,
                                   bool update_u) {
  DmTensor *inputs[2] = {w, u};
  if (!dm_nn_check_inputs(nn, "spectral_normalize", 2, 2, inputs)) return NULL;
  int64_t rows = w->shape[0], cols = w->shape[1] * w->shape[2] * w->shape[3];
  if (dm_tensor_numel(u) != rows)
    return dm_nn_invalid(nn, "spectral_normalize", "u has %lld elements for %lld rows",
                         (long long)dm_tensor_numel(u), (long long)rows);
  if (power_iterations < 0)
    return dm_nn_invalid(nn, "spectral_normalize", "%d power iterations", power_iterations);

  DmTensor *ut = dm_tensor_temp(nn, rows, 1, 1, 1);   /* u (O) */
  DmTensor *vt = dm_tensor_temp(nn, cols, 1, 1, 1);   /* v (K) */
  DmTensor *wv = dm_tensor_temp(nn, rows, 1, 1, 1);   /* W v (O) */
  if (!ut || !vt || !wv || !dm_tensor_copy(ut, u)) return NULL;
  /* Training: power iterations v = W^T u / |.|, u = W v / |.| (the last v
   * is kept, as in PyTorch); evaluation: v from the stored u. */
  int iterations = update_u ? power_iterations : 0;
  for (int it = 0; it < iterations; it++) {
    if (!matmul_into(nn, vt, w, ut, true, false) || !normalize(nn, vt)) return NULL;
    if (!matmul_into(nn, ut, w, vt, false, false) || !normalize(nn, ut)) return NULL;
  }
  if (iterations == 0 && (!matmul_into(nn, vt, w, ut, true, false) || !normalize(nn, vt)))
    return NULL;
  if (update_u && !dm_tensor_copy(u, ut)) return NULL;

  /* sigma = u . W v */
  DmTensor *dot = dm_tensor_temp(nn, 1, 1, 1, 1);
  if (!dot || !matmul_into(nn, wv, w, vt, false, false) ||
      !matmul_into(nn, dot, ut, wv, true, false))
    return NULL;
  float sigma = dm_tensor_item(dot);
  if (!(fabsf(sigma) > 0.0f))
    return dm_nn_invalid(nn, "spectral_normalize", "the weight's largest singular value is 0");

  DmNnNode scale = {.op = DM_NN_OP_AFFINE, .alpha = 1.0f / sigma};
  scale.src[0] = w;
  scale.dst[0] = dm_nn_temp_like(nn, w);
  DmTensor *y = dm_nn_run(nn, &scale);
  if (y && dm_nn_should_record(nn, 1, &w)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "spectral_normalize", spectral_backward, y, 1, &w);
    if (!e) return NULL;
    e->saved[0] = ut;
    e->saved[1] = vt;
    e->f[0] = sigma;
  }
  return y;
}

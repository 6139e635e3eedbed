/* Noise-level embedding and spectral normalisation. */
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

/* ---- spectral normalisation -------------------------------------------- *
 * Everything stays on the device (no read-back): scalars are 1-element
 * tensors broadcast by MUL, and 1/sqrt(s) is ACT_BWD of sqrt applied to 2
 * (2 * 0.5 / sqrt(s)).  sigma = u . W v is never negative (u is W v or v is
 * W^T u, normalised), so 1/sigma = 1/sqrt(sigma^2). */

/* Runs node into dst; returns dst, or NULL after recording an error. */
static DmTensor *run_into(DmNn *nn, DmNnNode *node, DmTensor *dst) {
  node->dst[0] = dst;
  return dm_nn_run(nn, node);
}

/* dst = op(a) op(b) on matrix views (dst preallocated). */
static bool matmul_into(DmNn *nn, DmTensor *dst, const DmTensor *a, const DmTensor *b,
                        bool trans_a, bool trans_b) {
  DmNnNode node = {.op = DM_NN_OP_MATMUL, .alpha = 1.0f, .trans_a = trans_a, .trans_b = trans_b};
  node.src[0] = a;
  node.src[1] = b;
  return run_into(nn, &node, dst) != NULL;
}

/* a * b, b one element (broadcast). */
static DmTensor *times_scalar(DmNn *nn, const DmTensor *a, const DmTensor *b) {
  DmNnNode node = {.op = DM_NN_OP_MUL};
  node.src[0] = a;
  node.src[1] = b;
  return run_into(nn, &node, dm_nn_temp_like(nn, a));
}

/* 1 / sqrt(s + 1e-24) for a one-element s (the 1e-24 keeps a zero vector
 * finite, as PyTorch's normalize clamps the norm to 1e-12). */
static DmTensor *rsqrt_scalar(DmNn *nn, const DmTensor *s) {
  int64_t one[4] = {1, 1, 1, 1};
  DmNnNode shift = {.op = DM_NN_OP_AFFINE, .alpha = 1.0f, .beta = 1e-24f};
  shift.src[0] = s;
  DmTensor *shifted = run_into(nn, &shift, dm_tensor_temp(nn, 1, 1, 1, 1));
  DmTensor *two = dm_nn_temp_filled(nn, one, 2.0f);
  if (!shifted || !two) return NULL;
  DmNnNode node = {.op = DM_NN_OP_ACT_BWD, .act = DM_NN_ACT_SQRT};
  node.src[0] = two;
  node.src[1] = shifted;
  return run_into(nn, &node, dm_tensor_temp(nn, 1, 1, 1, 1));
}

/* x / |x| in place. */
static bool normalize(DmNn *nn, DmTensor *x) {
  DmNnNode sumsq = {.op = DM_NN_OP_SUMSQ, .alpha = 1.0f};
  sumsq.src[0] = x;
  DmTensor *s = run_into(nn, &sumsq, dm_tensor_temp(nn, 1, 1, 1, 1));
  DmTensor *r = s ? rsqrt_scalar(nn, s) : NULL;
  if (!r) return false;
  DmNnNode scale = {.op = DM_NN_OP_MUL};
  scale.src[0] = x;
  scale.src[1] = r;
  return run_into(nn, &scale, x) != NULL;
}

/* y = W / sigma with u, v constant: dW = G / sigma - <G, W> / sigma^2 u v^T.
 * entry->saved[0], saved[1], saved[2]: u (O), v (K), 1/sigma (1). */
static bool spectral_backward(DmNn *nn, const DmNnTapeEntry *e, DmTensor *g, const bool *needs,
                              DmTensor **grads) {
  if (!needs[0]) return true;
  DmTensor *w = e->inputs[0], *r = e->saved[2];
  DmNnNode mul = {.op = DM_NN_OP_MUL};
  mul.src[0] = g;
  mul.src[1] = w;
  DmTensor *product = run_into(nn, &mul, dm_nn_temp_like(nn, w));
  DmNnNode sum = {.op = DM_NN_OP_SUM, .alpha = -1.0f};
  sum.src[0] = product;
  DmTensor *dot = product ? run_into(nn, &sum, dm_tensor_temp(nn, 1, 1, 1, 1)) : NULL;
  /* coef = -<G, W> / sigma^2 */
  DmTensor *coef = dot ? times_scalar(nn, times_scalar(nn, dot, r), r) : NULL;
  DmTensor *outer = dm_nn_temp_like(nn, w);  /* u v^T on w's matrix view */
  if (!coef || !outer || !matmul_into(nn, outer, e->saved[0], e->saved[1], false, true))
    return false;
  DmTensor *scaled = times_scalar(nn, g, r);
  DmTensor *correction = times_scalar(nn, outer, coef);
  if (!scaled || !correction) return false;
  DmNnNode add = {.op = DM_NN_OP_ADD, .alpha = 1.0f, .beta = 1.0f};
  add.src[0] = scaled;
  add.src[1] = correction;
  grads[0] = run_into(nn, &add, dm_nn_temp_like(nn, w));
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
  DmTensor *sigma = dm_tensor_temp(nn, 1, 1, 1, 1);   /* u . W v */
  if (!ut || !vt || !wv || !sigma || !dm_tensor_copy(ut, u)) return NULL;
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

  if (!matmul_into(nn, wv, w, vt, false, false) || !matmul_into(nn, sigma, ut, wv, true, false))
    return NULL;
  DmTensor *sigma2 = times_scalar(nn, sigma, sigma);
  DmTensor *inverse = sigma2 ? rsqrt_scalar(nn, sigma2) : NULL;  /* 1 / sigma */
  DmTensor *y = inverse ? times_scalar(nn, w, inverse) : NULL;
  if (y && dm_nn_should_record(nn, 1, &w)) {
    DmNnTapeEntry *e = dm_nn_tape_record(nn, "spectral_normalize", spectral_backward, y, 1, &w);
    if (!e) return NULL;
    dm_nn_tape_save(e, 0, ut);
    dm_nn_tape_save(e, 1, vt);
    dm_nn_tape_save(e, 2, inverse);
  }
  return y;
}

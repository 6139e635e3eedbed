/* MATMUL on cuBLAS (see nn-cuda.h): dst0 = alpha op(A) op(B) + beta dst0 on
 * row-major matrix views (rows = shape[0], cols = the rest).
 *
 * cuBLAS is column-major, and a row-major r x c matrix is, read
 * column-major, its c x r transpose.  So the row-major product
 * C (m x n) = op(A) (m x k) op(B) (k x n) is computed as the column-major
 * C^T = op(B)^T op(A)^T: cublasSgemm(opB, opA, n, m, k, B, A, C) with each
 * leading dimension the stored matrix's column count.  The handle's math
 * mode (TF32 tensor cores or pedantic fp32) was set when the backend was
 * made. */
#include "nn-cuda.h"

bool dm_nn_cuda_matmul(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *a = node->src[0], *b = node->src[1];
  DmTensor *c = node->dst[0];
  /* Stored (row-major) shapes; supports() checked they fit in int. */
  int a_rows = (int)a->shape[0], a_cols = a_rows ? (int)(dm_nn_cuda_numel(a) / a_rows) : 0;
  int b_rows = (int)b->shape[0], b_cols = b_rows ? (int)(dm_nn_cuda_numel(b) / b_rows) : 0;
  int m = node->trans_a ? a_cols : a_rows, k = node->trans_a ? a_rows : a_cols;
  int n = node->trans_b ? b_rows : b_cols;
  if (m == 0 || n == 0) return true;
  /* Leading dimensions must be at least 1 even when k = 0 (then cuBLAS
   * computes C = beta C). */
  float alpha = node->alpha, beta = node->beta;
  return DM_CUBLAS_CHECK(cublasSgemm(cuda->cublas, node->trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                     node->trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha,
                                     b->data, b_cols > 0 ? b_cols : 1, a->data,
                                     a_cols > 0 ? a_cols : 1, &beta, c->data, n),
                         error);
}

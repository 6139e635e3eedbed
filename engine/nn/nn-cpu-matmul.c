/* CPU matrix product on matrix views (rows = shape[0]) with OpenBLAS.
 *
 * Where the rows of the product are the rows of A (trans_a false: A's rows
 * are a batch's samples), each row is its own matrix-vector product, so that
 * a sample's result never depends on the batch it is in: OpenBLAS's matrix
 * kernels for x86 with AVX2 (Haswell, Zen) round a row differently by its
 * place among the rows, which made a CosmoGAN map differ with its batch.
 * Products that sum over the batch (trans_a: the weights' gradients) keep one
 * matrix product. */
#include <cblas.h>

#include "nn/nn-cpu-private.h"

void dm_nn_cpu_matmul(const DmNnNode *node) {
  const DmTensor *a = node->src[0], *b = node->src[1];
  DmTensor *c = node->dst[0];
  const int64_t a_rows = a->shape[0], a_cols = a->shape[1] * a->shape[2] * a->shape[3];
  const int64_t b_cols = b->shape[1] * b->shape[2] * b->shape[3];
  const int64_t m = node->trans_a ? a_cols : a_rows, k = node->trans_a ? a_rows : a_cols;
  const int64_t n = node->trans_b ? b->shape[0] : b_cols;
  if (node->trans_a) {
    cblas_sgemm(CblasRowMajor, CblasTrans, node->trans_b ? CblasTrans : CblasNoTrans,
                (blasint)m, (blasint)n, (blasint)k, node->alpha, a->data, (blasint)a_cols,
                b->data, (blasint)b_cols, node->beta, c->data, (blasint)n);
    return;
  }
  /* row r of C = alpha · op(B)ᵀ-times row r of A + beta · row r of C; op(B)
   * is k × n: B itself (k × n, read transposed by the matrix-vector product)
   * or Bᵀ of an n × k B */
  for (int64_t r = 0; r < m; r++) {
    const float *x = a->data + r * a_cols;
    float *y = c->data + r * n;
    if (node->trans_b)
      cblas_sgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)k, node->alpha, b->data,
                  (blasint)b_cols, x, 1, node->beta, y, 1);
    else
      cblas_sgemv(CblasRowMajor, CblasTrans, (blasint)k, (blasint)n, node->alpha, b->data,
                  (blasint)b_cols, x, 1, node->beta, y, 1);
  }
}

/* CPU matrix product on matrix views (rows = shape[0]) with OpenBLAS. */
#include <cblas.h>

#include "nn/nn-cpu-private.h"

void dm_nn_cpu_matmul(const DmNnNode *node) {
  const DmTensor *a = node->src[0], *b = node->src[1];
  DmTensor *c = node->dst[0];
  const int64_t a_rows = a->shape[0], a_cols = a->shape[1] * a->shape[2] * a->shape[3];
  const int64_t b_cols = b->shape[1] * b->shape[2] * b->shape[3];
  const int64_t m = node->trans_a ? a_cols : a_rows, k = node->trans_a ? a_rows : a_cols;
  const int64_t n = node->trans_b ? b->shape[0] : b_cols;
  cblas_sgemm(CblasRowMajor, node->trans_a ? CblasTrans : CblasNoTrans,
              node->trans_b ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n, (blasint)k,
              node->alpha, a->data, (blasint)a_cols, b->data, (blasint)b_cols, node->beta,
              c->data, (blasint)n);
}

/* The CPU backend: host memory, the kernel dispatch and what it supports.
 * Kernels live in nn-cpu-*.c by concern; OpenMP, oneDNN and OpenBLAS run
 * each op on the threads its work earns, at most the backend's count
 * (op_threads). */
#include <cblas.h>
#include <dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn-cpu-private.h"

enum { CPU_ALIGNMENT = 64 };

static int64_t numel(const DmTensor *t) {
  return t->shape[0] * t->shape[1] * t->shape[2] * t->shape[3];
}

static void cpu_destroy(void *ctx) {
  dm_nn_cpu_conv_destroy(ctx);
  free(ctx);
}

static void *cpu_alloc(void *ctx, size_t bytes, DmError **error) {
  (void)ctx;
  const size_t rounded = (bytes + CPU_ALIGNMENT - 1) / CPU_ALIGNMENT * CPU_ALIGNMENT;
  void *ptr = aligned_alloc(CPU_ALIGNMENT, rounded ? rounded : CPU_ALIGNMENT);
  if (!ptr)
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory: cannot allocate %zu bytes.",
                 bytes);
  return ptr;
}

static void cpu_release(void *ctx, void *ptr) {
  (void)ctx;
  free(ptr);
}

static bool cpu_copy_bytes(void *ctx, void *dst, const void *src, size_t bytes,
                           DmError **error) {
  (void)ctx;
  (void)error;
  memcpy(dst, src, bytes);
  return true;
}

static bool cpu_synchronize(void *ctx, DmError **error) {
  (void)ctx;
  (void)error;
  return true;
}

static bool all_contiguous(const DmNnNode *node) {
  for (int i = 0; i < 4; i++)
    if (node->src[i] && !dm_tensor_is_contiguous(node->src[i])) return false;
  for (int i = 0; i < 3; i++)
    if (node->dst[i] && !dm_tensor_is_contiguous(node->dst[i])) return false;
  return true;
}

/* Whether src1 broadcasts over src0 as ADD and MUL allow. */
static bool broadcastable(const DmTensor *src0, const DmTensor *src1) {
  const int64_t n1 = numel(src1);
  return n1 == numel(src0) || n1 == 1 || n1 == src0->shape[0];
}

static bool conv_shapes_agree(const DmTensor *x, const DmTensor *w, const DmTensor *y,
                              const DmNnNode *node) {
  if (node->stride < 1 || node->pad < 0) return false;
  if (x->shape[1] != w->shape[1] || y->shape[1] != w->shape[0] || x->shape[0] != y->shape[0])
    return false;
  const int64_t ho = (x->shape[2] + 2 * node->pad - w->shape[2]) / node->stride + 1;
  const int64_t wo = (x->shape[3] + 2 * node->pad - w->shape[3]) / node->stride + 1;
  return x->shape[2] + 2 * node->pad >= w->shape[2] &&
         x->shape[3] + 2 * node->pad >= w->shape[3] && y->shape[2] == ho && y->shape[3] == wo;
}

static bool cpu_supports(void *ctx, const DmNnNode *node) {
  (void)ctx;
  const DmTensor *const *src = node->src;
  DmTensor *const *dst = node->dst;
  if (!dst[0]) return false;
  if (node->op != DM_NN_OP_COPY && !all_contiguous(node)) return false;
  switch (node->op) {
  case DM_NN_OP_FILL:
  case DM_NN_OP_FILL_NORMAL:
  case DM_NN_OP_FILL_UNIFORM:
    return true;
  case DM_NN_OP_COPY:
    return src[0] && dm_tensor_same_shape(src[0], dst[0]);
  case DM_NN_OP_ADD:
  case DM_NN_OP_MUL:
    return src[0] && src[1] && numel(src[0]) == numel(dst[0]) && broadcastable(src[0], src[1]);
  case DM_NN_OP_AFFINE:
    return src[0] && numel(src[0]) == numel(dst[0]);
  case DM_NN_OP_ADD_CHANNEL:
  case DM_NN_OP_REDUCE_CHANNEL: {
    const DmTensor *big = src[0];
    const DmTensor *small = node->op == DM_NN_OP_ADD_CHANNEL ? src[1] : dst[0];
    if (!big || !small) return false;
    if (node->op == DM_NN_OP_ADD_CHANNEL && !dm_tensor_same_shape(big, dst[0])) return false;
    return numel(small) == big->shape[1] || numel(small) == big->shape[0] * big->shape[1];
  }
  case DM_NN_OP_SUM:
  case DM_NN_OP_SUMSQ:
    return src[0] && (numel(dst[0]) == 1 || numel(dst[0]) == src[0]->shape[0]);
  case DM_NN_OP_EXPAND:
    return src[0] && (numel(src[0]) == 1 || numel(src[0]) == dst[0]->shape[0]);
  case DM_NN_OP_ACT:
  case DM_NN_OP_ACT_BWD:
    return src[0] && numel(src[0]) == numel(dst[0]) && node->act >= DM_NN_ACT_RELU &&
           node->act <= DM_NN_ACT_SQRT &&
           (node->op == DM_NN_OP_ACT || (src[1] && numel(src[1]) == numel(dst[0])));
  case DM_NN_OP_CONV2D:
    return src[0] && src[1] && conv_shapes_agree(src[0], src[1], dst[0], node) &&
           (!src[2] || numel(src[2]) == src[1]->shape[0]);
  case DM_NN_OP_CONV2D_BWD_DATA:
    return src[0] && src[1] && conv_shapes_agree(dst[0], src[1], src[0], node);
  case DM_NN_OP_CONV2D_BWD_FILTER:
    return src[0] && src[1] && conv_shapes_agree(src[0], dst[0], src[1], node) &&
           (!dst[1] || numel(dst[1]) == dst[0]->shape[0]);
  case DM_NN_OP_MATMUL: {
    if (!src[0] || !src[1]) return false;
    const int64_t a_rows = src[0]->shape[0], a_cols = numel(src[0]) / a_rows;
    const int64_t b_rows = src[1]->shape[0], b_cols = numel(src[1]) / b_rows;
    const int64_t m = node->trans_a ? a_cols : a_rows, k = node->trans_a ? a_rows : a_cols;
    const int64_t kb = node->trans_b ? b_cols : b_rows, n = node->trans_b ? b_rows : b_cols;
    return k == kb && dst[0]->shape[0] == m && numel(dst[0]) == m * n;
  }
  case DM_NN_OP_GROUP_NORM:
  case DM_NN_OP_GROUP_NORM_BWD: {
    const DmTensor *x = node->op == DM_NN_OP_GROUP_NORM ? src[0] : src[1];
    const DmTensor *stats = node->op == DM_NN_OP_GROUP_NORM ? dst[1] : src[3];
    if (!x || node->groups < 1 || x->shape[1] % node->groups) return false;
    if (node->op == DM_NN_OP_GROUP_NORM_BWD && (!src[0] || !stats)) return false;
    return !stats || numel(stats) == 2 * x->shape[0] * node->groups;
  }
  case DM_NN_OP_BATCH_NORM:
    return src[0] && (node->training || src[3]) &&
           (!src[3] || numel(src[3]) == 2 * src[0]->shape[1]) && (!dst[1] || numel(dst[1]) == 2 * src[0]->shape[1]);
  case DM_NN_OP_BATCH_NORM_BWD:
    return src[0] && src[1] && src[3] && numel(src[3]) == 2 * src[1]->shape[1];
  case DM_NN_OP_UPSAMPLE:
  case DM_NN_OP_UPSAMPLE_BWD:
  case DM_NN_OP_AVG_POOL:
  case DM_NN_OP_AVG_POOL_BWD: {
    if (!src[0] || node->factor < 1) return false;
    if ((node->op == DM_NN_OP_UPSAMPLE || node->op == DM_NN_OP_UPSAMPLE_BWD) &&
        node->mode != DM_NN_UPSAMPLE_NEAREST && node->mode != DM_NN_UPSAMPLE_BILINEAR)
      return false;
    const bool dst_small = node->op == DM_NN_OP_UPSAMPLE_BWD || node->op == DM_NN_OP_AVG_POOL;
    const DmTensor *small = dst_small ? dst[0] : src[0], *large = dst_small ? src[0] : dst[0];
    return small->shape[0] == large->shape[0] && small->shape[1] == large->shape[1] &&
           small->shape[2] * node->factor == large->shape[2] &&
           small->shape[3] * node->factor == large->shape[3];
  }
  case DM_NN_OP_PERIODIC_WINDOW:
  case DM_NN_OP_PERIODIC_FOLD:
    return src[0] && src[0]->shape[0] == dst[0]->shape[0] &&
           src[0]->shape[1] == dst[0]->shape[1];
  case DM_NN_OP_LOSS:
  case DM_NN_OP_LOSS_BWD:
    if (node->mode != DM_NN_LOSS_MSE && node->mode != DM_NN_LOSS_L1) return false;
    if (!src[0] || !src[1] || numel(src[0]) != numel(src[1])) return false;
    return node->op == DM_NN_OP_LOSS ? numel(dst[0]) == 1
                                     : src[2] && numel(dst[0]) == numel(src[0]);
  case DM_NN_OP_FOURIER_EMBED:
    return src[0] && src[1] && dst[0]->shape[0] == numel(src[0]) &&
           numel(dst[0]) == 2 * numel(src[0]) * numel(src[1]);
  case DM_NN_OP_FOURIER_FILTER:
    return src[0] && src[1] && dm_nn_fourier_filter_shapes(src[0], src[1], dst[0]);
  case DM_NN_OP_ADAM:
    return src[0] && dst[1] && dst[2] && numel(src[0]) == numel(dst[0]) &&
           numel(dst[1]) == numel(dst[0]) && numel(dst[2]) == numel(dst[0]);
  case DM_NN_OP_COUNT:
    break;
  }
  return false;
}

/* Multiply-adds of a convolution whose output side is y (N, O, Ho, Wo) and
 * weights w (O, C, kh, kw), in any of its three directions. */
static int64_t conv_macs(const DmTensor *y, const DmTensor *w) {
  return numel(y) * w->shape[1] * w->shape[2] * w->shape[3];
}

/* The threads an op runs on: one per share of its work
 * (DM_NN_CPU_*_PER_THREAD: the elements of its largest tensor, or the
 * multiply-adds of a convolution or matrix product where they make more
 * shares), at least one, at most the backend's.
 *
 * libgomp's threads wait by spinning unless OMP_WAIT_POLICY=passive (read
 * once when the library loads: too late for a library to set): an idle
 * thread spins 3.4 ms here after every parallel region, and a region's
 * threads spin at its end for the last one.  Where other processes want the
 * cores, the thread that lost its core holds the team up a whole time slice
 * while the others burn theirs: an empty 2-thread region measured 0.9 to
 * 12 ms beside one busy process, against 8 to 15 us with the variable.  A
 * network of small tensors, a few hundred ops a step, then trained ten times
 * slower than with the variable; on the calling thread alone it needs no
 * team and trains as fast either way. */
static int op_threads(const DmNnCpu *cpu, const DmNnNode *node) {
  int64_t largest = numel(node->dst[0]);
  for (int i = 0; i < 4; i++)
    if (node->src[i] && numel(node->src[i]) > largest) largest = numel(node->src[i]);
  int64_t macs = 0;
  switch (node->op) {
  case DM_NN_OP_CONV2D: macs = conv_macs(node->dst[0], node->src[1]); break;
  case DM_NN_OP_CONV2D_BWD_DATA: macs = conv_macs(node->src[0], node->src[1]); break;
  case DM_NN_OP_CONV2D_BWD_FILTER: macs = conv_macs(node->src[1], node->dst[0]); break;
  case DM_NN_OP_MATMUL: {
    const DmTensor *a = node->src[0];
    macs = numel(node->dst[0]) * (node->trans_a ? a->shape[0] : numel(a) / a->shape[0]);
    break;
  }
  default: break;
  }
  int64_t shares = largest / DM_NN_CPU_ELEMENTS_PER_THREAD;
  if (macs / DM_NN_CPU_MACS_PER_THREAD > shares) shares = macs / DM_NN_CPU_MACS_PER_THREAD;
  return shares < 1 ? 1 : shares < cpu->threads ? (int)shares : cpu->threads;
}

static bool run_kernel(DmNnCpu *cpu, const DmNnNode *node, int threads, DmError **error) {
  switch (node->op) {
  case DM_NN_OP_FILL: dm_nn_cpu_fill(node); return true;
  case DM_NN_OP_FILL_NORMAL: dm_nn_cpu_fill_normal(node); return true;
  case DM_NN_OP_FILL_UNIFORM: dm_nn_cpu_fill_uniform(node); return true;
  case DM_NN_OP_COPY: dm_nn_cpu_copy(node); return true;
  case DM_NN_OP_ADD: dm_nn_cpu_add(node); return true;
  case DM_NN_OP_MUL: dm_nn_cpu_mul(node); return true;
  case DM_NN_OP_AFFINE: dm_nn_cpu_affine(node); return true;
  case DM_NN_OP_ADD_CHANNEL: dm_nn_cpu_add_channel(node); return true;
  case DM_NN_OP_REDUCE_CHANNEL: dm_nn_cpu_reduce_channel(node); return true;
  case DM_NN_OP_SUM: dm_nn_cpu_sum(node, false); return true;
  case DM_NN_OP_SUMSQ: dm_nn_cpu_sum(node, true); return true;
  case DM_NN_OP_EXPAND: dm_nn_cpu_expand(node); return true;
  case DM_NN_OP_ACT: dm_nn_cpu_act(node); return true;
  case DM_NN_OP_ACT_BWD: dm_nn_cpu_act_bwd(node); return true;
  case DM_NN_OP_CONV2D: return dm_nn_cpu_conv2d(cpu, node, error);
  case DM_NN_OP_CONV2D_BWD_DATA: return dm_nn_cpu_conv2d_bwd_data(cpu, node, error);
  case DM_NN_OP_CONV2D_BWD_FILTER: return dm_nn_cpu_conv2d_bwd_filter(cpu, node, error);
  case DM_NN_OP_MATMUL:
    /* OpenBLAS's count is process-wide: another context may have changed it. */
    openblas_set_num_threads(threads);
    dm_nn_cpu_matmul(node);
    return true;
  case DM_NN_OP_GROUP_NORM: dm_nn_cpu_group_norm(node); return true;
  case DM_NN_OP_GROUP_NORM_BWD: return dm_nn_cpu_group_norm_bwd(node, error);
  case DM_NN_OP_BATCH_NORM: dm_nn_cpu_batch_norm(node); return true;
  case DM_NN_OP_BATCH_NORM_BWD: dm_nn_cpu_batch_norm_bwd(node); return true;
  case DM_NN_OP_UPSAMPLE: dm_nn_cpu_upsample(node); return true;
  case DM_NN_OP_UPSAMPLE_BWD: dm_nn_cpu_upsample_bwd(node); return true;
  case DM_NN_OP_AVG_POOL: dm_nn_cpu_avg_pool(node); return true;
  case DM_NN_OP_AVG_POOL_BWD: dm_nn_cpu_avg_pool_bwd(node); return true;
  case DM_NN_OP_PERIODIC_WINDOW: dm_nn_cpu_periodic_window(node); return true;
  case DM_NN_OP_PERIODIC_FOLD: dm_nn_cpu_periodic_fold(node); return true;
  case DM_NN_OP_LOSS: dm_nn_cpu_loss(node); return true;
  case DM_NN_OP_LOSS_BWD: dm_nn_cpu_loss_bwd(node); return true;
  case DM_NN_OP_FOURIER_EMBED: dm_nn_cpu_fourier_embed(node); return true;
  case DM_NN_OP_FOURIER_FILTER: return dm_nn_cpu_fourier_filter(node, error);
  case DM_NN_OP_ADAM: dm_nn_cpu_adam(node); return true;
  case DM_NN_OP_COUNT: break;
  }
  return dm_error_set(error, DM_ERROR_UNSUPPORTED, 0, "The CPU backend has no kernel op %d.",
                      (int)node->op);
}

static bool cpu_compute(void *ctx, const DmNnNode *node, DmError **error) {
  DmNnCpu *cpu = ctx;
  /* OpenMP's thread count (which oneDNN follows) is the calling thread's:
   * set for this op, then the caller's given back. */
  const int caller_threads = omp_get_max_threads();
  const int threads = op_threads(cpu, node);
  omp_set_num_threads(threads);
  const bool ok = run_kernel(cpu, node, threads, error);
  omp_set_num_threads(caller_threads);
  return ok;
}

static const char *cpu_describe(void *ctx) { return ((DmNnCpu *)ctx)->description; }

static const DmNnBackendFuncs cpu_funcs = {
    .name = "cpu",
    .destroy = cpu_destroy,
    .alloc = cpu_alloc,
    .release = cpu_release,
    .upload = cpu_copy_bytes,
    .download = cpu_copy_bytes,
    .synchronize = cpu_synchronize,
    .supports = cpu_supports,
    .compute = cpu_compute,
    .describe = cpu_describe,
};

bool dm_nn_cpu_backend_new(int threads, DmNnBackend *out, DmError **error) {
  DmNnCpu *cpu = calloc(1, sizeof *cpu);
  if (!cpu)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the CPU backend.");
  cpu->threads = threads > 0 ? threads : omp_get_num_procs();
  openblas_set_num_threads(cpu->threads);
  if (!dm_nn_cpu_conv_init(cpu, error)) {
    free(cpu);
    return false;
  }
  const dnnl_version_t *version = dnnl_version();
  snprintf(cpu->description, sizeof cpu->description, "cpu: oneDNN %d.%d.%d, %d thread%s",
           version->major, version->minor, version->patch, cpu->threads,
           cpu->threads == 1 ? "" : "s");
  *out = (DmNnBackend){.funcs = &cpu_funcs, .ctx = cpu};
  return true;
}

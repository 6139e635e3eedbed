/* The CPU backend's private interface: its context and the kernels of
 * nn-cpu-*.c, one function per kernel op (nn-backend.h documents each op).
 * Kernels assume the node passed the backend's supports() check. */
#ifndef DARKMAP_NN_CPU_PRIVATE_H
#define DARKMAP_NN_CPU_PRIVATE_H

#include <stdbool.h>

#include "nn/nn-backend.h"

typedef struct DmNnCpuConv DmNnCpuConv;

/* The work that earns an op a thread (nn-cpu-backend.c gives each op one
 * thread per share, at least one, at most the backend's): elements of the
 * op's largest tensor, or multiply-adds of a convolution or matrix product
 * where they make more shares (a convolution with few channels, such as a
 * U-Net's stem, is bound by its large tensors, not by its multiply-adds).
 * A share is at least a scheduler time slice of work on one core here, so
 * that a thread that waits a time slice for its core loses no more than its
 * share gains (nn-cpu-backend.c, op_threads; bench/README.md, "CPU training
 * and OpenMP's waiting threads"): 2^22 elements take 1.7 ms at 0.4 ns an
 * element (addition) to 17 ms at 4 ns (SiLU); 2^29 multiply-adds take 10 ms
 * at oneDNN's 55 G/s a core, a convolution being several parallel regions
 * (the reorders into and out of oneDNN's layouts, Winograd's transforms),
 * each of which can wait.  With 2^28, train-score's full network (128²,
 * width 16, batch 8) ran its decoder's convolutions on 2 threads and,
 * beside other users' trainings, trained at half the speed it has with
 * OMP_WAIT_POLICY=passive. */
enum {
  DM_NN_CPU_ELEMENTS_PER_THREAD = 1 << 22,
  DM_NN_CPU_MACS_PER_THREAD = 1 << 29,
};

typedef struct {
  int threads;              /* most OpenMP, oneDNN and OpenBLAS threads of an op */
  DmNnCpuConv *conv;        /* oneDNN engine, stream and primitives (nn-cpu-conv.c) */
  char description[128];    /* describe() */
} DmNnCpu;

/* nn-cpu-elementwise.c */
void dm_nn_cpu_fill(const DmNnNode *node);
void dm_nn_cpu_fill_normal(const DmNnNode *node);
void dm_nn_cpu_fill_uniform(const DmNnNode *node);
void dm_nn_cpu_copy(const DmNnNode *node);
void dm_nn_cpu_add(const DmNnNode *node);
void dm_nn_cpu_mul(const DmNnNode *node);
void dm_nn_cpu_affine(const DmNnNode *node);
void dm_nn_cpu_add_channel(const DmNnNode *node);
void dm_nn_cpu_expand(const DmNnNode *node);
void dm_nn_cpu_act(const DmNnNode *node);
void dm_nn_cpu_act_bwd(const DmNnNode *node);
void dm_nn_cpu_fourier_embed(const DmNnNode *node);
void dm_nn_cpu_adam(const DmNnNode *node);

/* nn-cpu-reduce.c */
void dm_nn_cpu_reduce_channel(const DmNnNode *node);
void dm_nn_cpu_sum(const DmNnNode *node, bool squares);

/* Sum of n contiguous floats: float blocks of 1024 that vectorise, added
 * into a double (the reductions and the normalisations' statistics). */
double dm_nn_cpu_sum_floats(const float *x, int64_t n);
void dm_nn_cpu_loss(const DmNnNode *node);
void dm_nn_cpu_loss_bwd(const DmNnNode *node);

/* nn-cpu-conv.c: oneDNN state in cpu->conv, created by conv_init. */
bool dm_nn_cpu_conv_init(DmNnCpu *cpu, DmError **error);
void dm_nn_cpu_conv_destroy(DmNnCpu *cpu);
bool dm_nn_cpu_conv2d(DmNnCpu *cpu, const DmNnNode *node, DmError **error);
bool dm_nn_cpu_conv2d_bwd_data(DmNnCpu *cpu, const DmNnNode *node, DmError **error);
bool dm_nn_cpu_conv2d_bwd_filter(DmNnCpu *cpu, const DmNnNode *node, DmError **error);

/* nn-cpu-matmul.c */
void dm_nn_cpu_matmul(const DmNnNode *node);

/* nn-cpu-norm.c */
void dm_nn_cpu_group_norm(const DmNnNode *node);
bool dm_nn_cpu_group_norm_bwd(const DmNnNode *node, DmError **error);
void dm_nn_cpu_batch_norm(const DmNnNode *node);
void dm_nn_cpu_batch_norm_bwd(const DmNnNode *node);

/* nn-cpu-fourier.c (fails only when out of memory or FFTW cannot plan) */
bool dm_nn_cpu_fourier_filter(const DmNnNode *node, DmError **error);

/* nn-cpu-resample.c */
void dm_nn_cpu_upsample(const DmNnNode *node);
void dm_nn_cpu_upsample_bwd(const DmNnNode *node);
void dm_nn_cpu_avg_pool(const DmNnNode *node);
void dm_nn_cpu_avg_pool_bwd(const DmNnNode *node);
void dm_nn_cpu_periodic_window(const DmNnNode *node);
void dm_nn_cpu_periodic_fold(const DmNnNode *node);

#endif

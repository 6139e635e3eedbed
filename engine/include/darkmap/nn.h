/* The neural-network engine: a context bound to one device, and its tensors.
 *
 * A DmNn owns one backend (CPU with oneDNN, or CUDA with cuDNN/cuBLAS), a
 * caching allocator over that backend's memory, the autograd tape
 * (darkmap/nn-autograd.h) and a sticky error.  It is used from one thread at
 * a time (the worker thread that owns the GPU).
 *
 * Sticky error (as cairo's status): every op and tensor function records the
 * first failure in the context and returns NULL/false; later calls on a
 * failed context do nothing and return NULL/false.  Network code can then
 * chain ops and check once with dm_nn_take_error().
 *
 * Tensors are float32, logically NCHW with explicit element strides.  A
 * matrix is (rows, cols, 1, 1), a vector (n, 1, 1, 1), a scalar (1, 1, 1, 1).
 * Two lifetimes:
 *   - persistent tensors (dm_tensor_new): parameters, optimiser state, data;
 *     freed by dm_tensor_free();
 *   - temporaries: every op's result and every view; owned by the context and
 *     freed together by dm_nn_clear() (which also empties the tape), or one by
 *     one, earlier, by dm_tensor_release() (inference: see below).
 * Ops need contiguous inputs, except dm_tensor_copy() and the channel ops,
 * which accept strided views (dm_tensor_channel_view).
 *
 * Inference without keeping every intermediate: a forward pass that is done
 * with an intermediate temporary calls dm_tensor_release() on it, which gives
 * its memory back to the caching allocator at once, so that the next op of
 * that size reuses it.  The module forwards (darkmap/nn-modules.h) and the
 * ops that build on other ops release what they made as soon as it has been
 * consumed.  What may still be needed is kept until it is not, so the same
 * forward code serves training unchanged:
 *   - a tensor whose data a backward rule on the autograd tape will read
 *     (darkmap/nn-autograd.h: a convolution's input, a normalisation's input,
 *     a ReLU's output) lives until dm_nn_backward() has run the last of those
 *     rules, or until dm_nn_clear(); what no rule reads (an addition's
 *     operands, a normalisation's output) goes at once, as with recording
 *     off, where nothing is taped and a forward keeps only what is still to
 *     be used (the U-Net: its skip connections);
 *   - a tensor with views (dm_tensor_channel_view, dm_tensor_sample_view,
 *     dm_nn_reshape) not yet released when it is released itself lives
 *     until dm_nn_clear(): release the views first.
 * The results are the same bits either way; only the peak memory differs
 * (dm_nn_memory_peak). */
#ifndef DARKMAP_NN_H
#define DARKMAP_NN_H

#ifndef __cplusplus
#include <stdatomic.h>
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DM_NN_DEVICE_AUTO,  /* the GPU if one is usable, else the CPU */
  DM_NN_DEVICE_CPU,
  DM_NN_DEVICE_CUDA,  /* fails with DM_ERROR_UNSUPPORTED without CUDA */
} DmNnDevice;

typedef struct DmNn DmNn;
typedef struct DmTensor DmTensor;

struct DmTensor {
  /* Read-only for users. */
  int64_t shape[4];   /* N, C, H, W */
  int64_t stride[4];  /* in elements; contiguous: (C*H*W, H*W, W, 1) */
  float *data;        /* in the backend's memory (device pointer on CUDA); NULL once
                       * released (dm_tensor_release) */
  DmTensor *grad;     /* accumulated gradient of a persistent tensor, or NULL */
  bool requires_grad;
  bool persistent;

  /* Private to the engine. */
  DmNn *nn;
  void *block;        /* the allocation this tensor owns; NULL for views and once
                       * released */
  void *grad_fn;      /* tape entry that produced it (autograd); NULL for leaves */
  DmTensor *next_temporary; /* the context's list of temporaries */
  DmTensor *base;     /* a view of a temporary: that temporary (the block's owner) */
  int64_t views;      /* views of this temporary not yet released */
  int64_t tape_reads; /* backward rules on the tape that will read this temporary's data
                       * and have not run (dm_nn_backward): it is kept while any remains */
  int64_t grad_holds; /* places a backward pass keeps it as a gradient still to be used */
  bool release_wanted;  /* released while still kept: freed once nothing keeps it */
};

/* The device a name gives: "auto" (also NULL), "cpu" or "cuda";
 * DM_ERROR_INVALID_ARGUMENT naming the three otherwise. */
bool dm_nn_device_from_name(const char *name, DmNnDevice *device, DmError **error);

/* threads: the most CPU worker threads of an op (0 = all cores; an op
 * with little work runs on the calling thread alone); ignored on CUDA except
 * for host-side work. */
DmNn *dm_nn_new(DmNnDevice device, int threads, DmError **error);
/* The same on the device a name gives (dm_nn_device_from_name). */
DmNn *dm_nn_new_by_name(const char *device, int threads, DmError **error);
void dm_nn_free(DmNn *nn);

/* A cancel flag polled before every kernel op (borrowed; NULL: none).  When
 * it reads non-zero the op fails with DM_ERROR_CANCELLED, the context's
 * sticky error, so that a long network evaluation stops within one layer.
 * C only (C++ has no atomic_int before C++23; the CUDA sources never set
 * it). */
#ifndef __cplusplus
void dm_nn_set_cancel(DmNn *nn, atomic_int *cancel);
#endif

bool dm_nn_is_gpu(const DmNn *nn);
/* "cpu: oneDNN 2.6.3, 2 threads" or "cuda: NVIDIA H100 80GB HBM3 (cuDNN 9.x)". */
const char *dm_nn_device_name(const DmNn *nn);

/* Sticky error. */
bool dm_nn_ok(const DmNn *nn);
/* Returns true when no error is pending; else moves it into *error (or frees
 * it when error is NULL), clears the context's error and returns false. */
bool dm_nn_take_error(DmNn *nn, DmError **error);
/* Records an error in the context (the first one is kept); returns false. */
bool dm_nn_fail(DmNn *nn, DmErrorCode code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Frees every temporary tensor and empties the tape.  Persistent tensors and
 * their ->grad stay. */
void dm_nn_clear(DmNn *nn);

/* Waits for the device to finish queued work. */
bool dm_nn_synchronize(DmNn *nn);

/* Bytes held by the caching allocator (in use, and cached for reuse).  Their
 * sum is the backend memory the context holds: blocks are requested once and
 * kept until dm_nn_free(), so that sum only grows. */
void dm_nn_memory_stats(const DmNn *nn, size_t *in_use, size_t *cached);
/* The most bytes in use (blocks held by tensors, persistent or temporary,
 * rounded as the allocator rounds them) at any moment since dm_nn_new() or
 * the last dm_nn_memory_reset_peak(). */
size_t dm_nn_memory_peak(const DmNn *nn);
/* Starts a new peak measurement from the bytes in use now. */
void dm_nn_memory_reset_peak(DmNn *nn);

/* Tensors.  Shapes with fewer than 4 dims pass 1 for the rest. */
DmTensor *dm_tensor_new(DmNn *nn, int64_t n, int64_t c, int64_t h, int64_t w);
/* A temporary of that shape (contents undefined). */
DmTensor *dm_tensor_temp(DmNn *nn, int64_t n, int64_t c, int64_t h, int64_t w);
void dm_tensor_free(DmTensor *t);  /* persistent tensors only; frees ->grad too */
/* Gives a temporary's memory back to the allocator, for a caller that will
 * not use it again (see "Inference" above): at once, or, for a tensor a
 * backward rule will still read, once dm_nn_backward() has run the last of
 * them (else at dm_nn_clear()).  Does nothing for NULL, a tensor already
 * released or one with views not released (it lives until dm_nn_clear());
 * releasing a view frees nothing itself but lets its base go.  Once freed,
 * t->data is NULL and the record stays until dm_nn_clear(): an op given t
 * records DM_ERROR_INVALID_ARGUMENT.  A persistent tensor is refused
 * (DM_ERROR_INVALID_ARGUMENT; see dm_tensor_free). */
void dm_tensor_release(DmTensor *t);

int64_t dm_tensor_numel(const DmTensor *t);
bool dm_tensor_is_contiguous(const DmTensor *t);
bool dm_tensor_same_shape(const DmTensor *a, const DmTensor *b);

/* Host <-> tensor (count must equal numel; the tensor must be contiguous). */
bool dm_tensor_upload(DmTensor *t, const float *host, size_t count);
bool dm_tensor_download(const DmTensor *t, float *host, size_t count);
/* One element, synchronously (for losses and scalars). */
float dm_tensor_item(const DmTensor *t);

bool dm_tensor_fill(DmTensor *t, float value);
/* Deterministic normal / uniform numbers: element i is a pure function of
 * (seed, stream, i) through Philox4x32-10 (see nn-backend.h), the same on
 * every backend up to float rounding.  dst = mean + std * N(0,1) or
 * U(lo, hi). */
bool dm_tensor_fill_normal(DmTensor *t, uint64_t seed, uint64_t stream, float mean, float std);
bool dm_tensor_fill_uniform(DmTensor *t, uint64_t seed, uint64_t stream, float lo, float hi);

/* dst = src, any strides on both sides, same shape. */
bool dm_tensor_copy(DmTensor *dst, const DmTensor *src);
/* A persistent, contiguous copy of src (for snapshots; no autograd). */
DmTensor *dm_tensor_clone(const DmTensor *src);

/* A temporary strided view of channels [c0, c0 + nc) of t (shares memory;
 * never owns it; not tracked by autograd). */
DmTensor *dm_tensor_channel_view(DmTensor *t, int64_t c0, int64_t nc);

/* A temporary view of samples [n0, n0 + count) of a contiguous t (shares
 * memory; never owns it; not tracked by autograd): contiguous itself. */
DmTensor *dm_tensor_sample_view(DmTensor *t, int64_t n0, int64_t count);

void dm_tensor_set_requires_grad(DmTensor *t, bool requires_grad);

#ifdef __cplusplus
}
#endif

#endif

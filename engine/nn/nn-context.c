/* The network context: one backend, the sticky error, the temporaries and
 * the dispatch of kernel nodes (darkmap/nn.h, nn-backend.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn-context-private.h"

static const char *const op_names[DM_NN_OP_COUNT] = {
    [DM_NN_OP_FILL] = "fill",
    [DM_NN_OP_FILL_NORMAL] = "fill_normal",
    [DM_NN_OP_FILL_UNIFORM] = "fill_uniform",
    [DM_NN_OP_COPY] = "copy",
    [DM_NN_OP_ADD] = "add",
    [DM_NN_OP_MUL] = "mul",
    [DM_NN_OP_AFFINE] = "affine",
    [DM_NN_OP_ADD_CHANNEL] = "add_channel",
    [DM_NN_OP_REDUCE_CHANNEL] = "reduce_channel",
    [DM_NN_OP_SUM] = "sum",
    [DM_NN_OP_SUMSQ] = "sumsq",
    [DM_NN_OP_EXPAND] = "expand",
    [DM_NN_OP_ACT] = "act",
    [DM_NN_OP_ACT_BWD] = "act_bwd",
    [DM_NN_OP_CONV2D] = "conv2d",
    [DM_NN_OP_CONV2D_BWD_DATA] = "conv2d_bwd_data",
    [DM_NN_OP_CONV2D_BWD_FILTER] = "conv2d_bwd_filter",
    [DM_NN_OP_MATMUL] = "matmul",
    [DM_NN_OP_GROUP_NORM] = "group_norm",
    [DM_NN_OP_GROUP_NORM_BWD] = "group_norm_bwd",
    [DM_NN_OP_BATCH_NORM] = "batch_norm",
    [DM_NN_OP_BATCH_NORM_BWD] = "batch_norm_bwd",
    [DM_NN_OP_UPSAMPLE] = "upsample",
    [DM_NN_OP_UPSAMPLE_BWD] = "upsample_bwd",
    [DM_NN_OP_AVG_POOL] = "avg_pool",
    [DM_NN_OP_AVG_POOL_BWD] = "avg_pool_bwd",
    [DM_NN_OP_PERIODIC_WINDOW] = "periodic_window",
    [DM_NN_OP_PERIODIC_FOLD] = "periodic_fold",
    [DM_NN_OP_LOSS] = "loss",
    [DM_NN_OP_LOSS_BWD] = "loss_bwd",
    [DM_NN_OP_FOURIER_EMBED] = "fourier_embed",
    [DM_NN_OP_FOURIER_FILTER] = "fourier_filter",
    [DM_NN_OP_ADAM] = "adam",
};

const char *dm_nn_op_name(DmNnOp op) {
  return op >= 0 && op < DM_NN_OP_COUNT && op_names[op] ? op_names[op] : "unknown";
}

bool dm_nn_device_from_name(const char *name, DmNnDevice *device, DmError **error) {
  if (!name || strcmp(name, "auto") == 0) *device = DM_NN_DEVICE_AUTO;
  else if (strcmp(name, "cpu") == 0) *device = DM_NN_DEVICE_CPU;
  else if (strcmp(name, "cuda") == 0) *device = DM_NN_DEVICE_CUDA;
  else
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The device must be auto, cpu or cuda, not '%s'.", name);
  return true;
}

DmNn *dm_nn_new(DmNnDevice device, int threads, DmError **error) {
  if (threads < 0) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The network engine needs a thread count of 0 (all cores) or more, not %d.",
                 threads);
    return NULL;
  }
  DmNnBackend backend = {0};
  bool is_gpu = false;
  switch (device) {
  case DM_NN_DEVICE_AUTO: {
    DmError *gpu_error = NULL;
    is_gpu = dm_nn_cuda_backend_new(true, &backend, &gpu_error);
    dm_error_free(gpu_error); /* no usable GPU: the CPU it is */
    if (!is_gpu && !dm_nn_cpu_backend_new(threads, &backend, error)) return NULL;
    break;
  }
  case DM_NN_DEVICE_CPU:
    if (!dm_nn_cpu_backend_new(threads, &backend, error)) return NULL;
    break;
  case DM_NN_DEVICE_CUDA:
    if (!dm_nn_cuda_backend_new(true, &backend, error)) return NULL;
    is_gpu = true;
    break;
  default:
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Unknown network device %d.", (int)device);
    return NULL;
  }
  DmNn *nn = calloc(1, sizeof *nn);
  if (!nn) {
    backend.funcs->destroy(backend.ctx);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the network context.");
    return NULL;
  }
  nn->backend = backend;
  nn->is_gpu = is_gpu;
  nn->device_name = backend.funcs->describe(backend.ctx);
  nn->recording = true;
  return nn;
}

DmNn *dm_nn_new_by_name(const char *device, int threads, DmError **error) {
  DmNnDevice kind;
  return dm_nn_device_from_name(device, &kind, error) ? dm_nn_new(kind, threads, error) : NULL;
}

static void free_temporaries(DmNn *nn) {
  for (DmTensor *t = nn->temporaries, *next; t; t = next) {
    next = t->next_temporary;
    dm_nn_allocator_give(nn, t->block);
    free(t);
  }
  nn->temporaries = NULL;
}

void dm_nn_free(DmNn *nn) {
  if (!nn) return;
  if (nn->tape_destroy) nn->tape_destroy(nn);
  free_temporaries(nn);
  DmError *ignored = NULL;
  nn->backend.funcs->synchronize(nn->backend.ctx, &ignored);
  dm_error_free(ignored);
  dm_nn_allocator_release_all(nn);
  nn->backend.funcs->destroy(nn->backend.ctx);
  dm_error_free(nn->error);
  free(nn);
}

bool dm_nn_is_gpu(const DmNn *nn) { return nn && nn->is_gpu; }

const char *dm_nn_device_name(const DmNn *nn) { return nn ? nn->device_name : ""; }

bool dm_nn_ok(const DmNn *nn) { return nn && !nn->error; }

bool dm_nn_take_error(DmNn *nn, DmError **error) {
  if (!nn || !nn->error) return true;
  dm_error_propagate(error, nn->error);
  nn->error = NULL;
  return false;
}

bool dm_nn_fail(DmNn *nn, DmErrorCode code, const char *format, ...) {
  if (!nn || nn->error) return false;
  va_list args;
  va_start(args, format);
  char *message = NULL;
  int length = vasprintf(&message, format, args);
  va_end(args);
  dm_error_set(&nn->error, code, 0, "%s", length >= 0 ? message : "(unformattable message)");
  if (length >= 0) free(message);
  return false;
}

void dm_nn_clear(DmNn *nn) {
  if (!nn) return;
  if (nn->tape_reset) nn->tape_reset(nn);
  free_temporaries(nn);
}

bool dm_nn_synchronize(DmNn *nn) {
  if (!dm_nn_ok(nn)) return false;
  DmError *error = NULL;
  if (nn->backend.funcs->synchronize(nn->backend.ctx, &error)) return true;
  dm_error_propagate(&nn->error, error);
  return false;
}

void dm_nn_set_cancel(DmNn *nn, atomic_int *cancel) {
  if (nn) nn->cancel = cancel;
}

/* Whether a node names a tensor whose memory was released (dm_tensor_release). */
static bool uses_released(const DmNnNode *node) {
  for (int i = 0; i < 4; i++)
    if (node->src[i] && !node->src[i]->data) return true;
  for (int i = 0; i < 3; i++)
    if (node->dst[i] && !node->dst[i]->data) return true;
  return false;
}

bool dm_nn_compute(DmNn *nn, const DmNnNode *node) {
  if (!dm_nn_ok(nn)) return false;
  if (nn->cancel && atomic_load(nn->cancel)) return dm_nn_fail(nn, DM_ERROR_CANCELLED, "Cancelled.");
  if (uses_released(node))
    return dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT,
                      "Kernel op %s was given a tensor that was released (dm_tensor_release).",
                      dm_nn_op_name(node->op));
  const DmNnBackendFuncs *funcs = nn->backend.funcs;
  if (!funcs->supports(nn->backend.ctx, node))
    return dm_nn_fail(nn, DM_ERROR_UNSUPPORTED,
                      "The %s backend cannot run the kernel op %s with these shapes or "
                      "parameters.",
                      funcs->name, dm_nn_op_name(node->op));
  DmError *error = NULL;
  if (funcs->compute(nn->backend.ctx, node, &error)) return true;
  if (!error) return dm_nn_fail(nn, DM_ERROR_FAILED, "Kernel op %s failed.", dm_nn_op_name(node->op));
  dm_error_prefix(&error, "kernel op %s", dm_nn_op_name(node->op));
  dm_error_propagate(&nn->error, error);
  return false;
}

const DmNnBackend *dm_nn_backend(const DmNn *nn) { return &nn->backend; }

/* Tensors: creation and lifetimes (early release included), host transfers,
 * fills, copies and channel views (darkmap/nn.h).  Device work goes through
 * kernel nodes (nn-backend.h) so that every backend shares this file. */
#include <math.h>
#include <stdlib.h>

#include "nn/nn-context-private.h"

static void set_contiguous_strides(DmTensor *t) {
  t->stride[3] = 1;
  t->stride[2] = t->shape[3];
  t->stride[1] = t->shape[2] * t->shape[3];
  t->stride[0] = t->shape[1] * t->stride[1];
}

/* A tensor record with its own block of n*c*h*w floats; NULL with the
 * context's error set on a bad shape or no memory. */
static DmTensor *tensor_alloc(DmNn *nn, int64_t n, int64_t c, int64_t h, int64_t w,
                              bool persistent) {
  if (!dm_nn_ok(nn)) return NULL;
  const int64_t limit = INT64_C(1) << 40;
  if (n < 1 || c < 1 || h < 1 || w < 1 || n > limit / c || n * c > limit / h ||
      n * c * h > limit / w) {
    dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT,
               "Invalid tensor shape (%lld, %lld, %lld, %lld): every size must be at least 1 "
               "and the total at most 2^40 elements.",
               (long long)n, (long long)c, (long long)h, (long long)w);
    return NULL;
  }
  DmTensor *t = calloc(1, sizeof *t);
  if (!t) {
    dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "Out of memory for a tensor record.");
    return NULL;
  }
  t->shape[0] = n;
  t->shape[1] = c;
  t->shape[2] = h;
  t->shape[3] = w;
  set_contiguous_strides(t);
  t->nn = nn;
  t->persistent = persistent;
  DmNnBlock *block = dm_nn_allocator_take(nn, (size_t)(n * c * h * w) * sizeof(float));
  if (!block) {
    free(t);
    return NULL;
  }
  t->block = block;
  t->data = block->ptr;
  return t;
}

static void track_temporary(DmNn *nn, DmTensor *t) {
  t->next_temporary = nn->temporaries;
  nn->temporaries = t;
}

DmTensor *dm_tensor_new(DmNn *nn, int64_t n, int64_t c, int64_t h, int64_t w) {
  return tensor_alloc(nn, n, c, h, w, true);
}

DmTensor *dm_tensor_temp(DmNn *nn, int64_t n, int64_t c, int64_t h, int64_t w) {
  DmTensor *t = tensor_alloc(nn, n, c, h, w, false);
  if (t) track_temporary(nn, t);
  return t;
}

void dm_tensor_free(DmTensor *t) {
  if (!t) return;
  if (!t->persistent) {
    dm_nn_fail(t->nn, DM_ERROR_INVALID_ARGUMENT,
               "dm_tensor_free() was given a temporary tensor; temporaries are freed by "
               "dm_nn_clear().");
    return;
  }
  dm_tensor_free(t->grad);
  dm_nn_allocator_give(t->nn, t->block);
  free(t);
}

void dm_nn_tensor_free_if_unused(DmTensor *t) {
  if (!t->release_wanted || !t->data || t->tape_reads > 0 || t->grad_holds > 0 || t->views > 0)
    return;
  dm_nn_allocator_give(t->nn, t->block);
  t->block = NULL;
  t->data = NULL;
  if (t->base) {
    t->base->views--;
    dm_nn_tensor_free_if_unused(t->base);
  }
}

void dm_tensor_release(DmTensor *t) {
  if (!t || !t->data) return;
  if (t->persistent) {
    dm_nn_fail(t->nn, DM_ERROR_INVALID_ARGUMENT,
               "dm_tensor_release() was given a persistent tensor; persistent tensors are "
               "freed by dm_tensor_free().");
    return;
  }
  if (t->views > 0) return;
  t->release_wanted = true;
  dm_nn_tensor_free_if_unused(t);
}

int64_t dm_tensor_numel(const DmTensor *t) {
  return t ? t->shape[0] * t->shape[1] * t->shape[2] * t->shape[3] : 0;
}

bool dm_tensor_is_contiguous(const DmTensor *t) {
  if (!t) return false;
  int64_t expected = 1;
  for (int d = 3; d >= 0; d--) {
    if (t->shape[d] != 1 && t->stride[d] != expected) return false;
    expected *= t->shape[d];
  }
  return true;
}

bool dm_tensor_same_shape(const DmTensor *a, const DmTensor *b) {
  if (!a || !b) return false;
  for (int d = 0; d < 4; d++)
    if (a->shape[d] != b->shape[d]) return false;
  return true;
}

/* Whether t still has its memory; records the error naming `what` if not. */
static bool check_not_released(const DmTensor *t, const char *what) {
  if (t->data) return true;
  return dm_nn_fail(t->nn, DM_ERROR_INVALID_ARGUMENT,
                    "%s of a tensor that was released (dm_tensor_release).", what);
}

/* Checks a host transfer of `count` floats; records the error. */
static bool check_transfer(const DmTensor *t, size_t count, const char *what) {
  if (!t || !dm_nn_ok(t->nn) || !check_not_released(t, what)) return false;
  if (!dm_tensor_is_contiguous(t))
    return dm_nn_fail(t->nn, DM_ERROR_INVALID_ARGUMENT, "%s needs a contiguous tensor.", what);
  if ((int64_t)count != dm_tensor_numel(t))
    return dm_nn_fail(t->nn, DM_ERROR_INVALID_ARGUMENT,
                      "%s of %zu floats into a tensor of %lld elements.", what, count,
                      (long long)dm_tensor_numel(t));
  return true;
}

bool dm_tensor_upload(DmTensor *t, const float *host, size_t count) {
  if (!check_transfer(t, count, "Upload")) return false;
  DmNn *nn = t->nn;
  DmError *error = NULL;
  if (nn->backend.funcs->upload(nn->backend.ctx, t->data, host, count * sizeof(float), &error))
    return true;
  dm_error_propagate(&nn->error, error);
  return false;
}

bool dm_tensor_download(const DmTensor *t, float *host, size_t count) {
  if (!check_transfer(t, count, "Download")) return false;
  DmNn *nn = t->nn;
  DmError *error = NULL;
  if (nn->backend.funcs->download(nn->backend.ctx, host, t->data, count * sizeof(float), &error))
    return true;
  dm_error_propagate(&nn->error, error);
  return false;
}

float dm_tensor_item(const DmTensor *t) {
  if (!t || !dm_nn_ok(t->nn) || !check_not_released(t, "Item")) return NAN;
  DmNn *nn = t->nn;
  float value = NAN;
  DmError *error = NULL;
  if (!nn->backend.funcs->download(nn->backend.ctx, &value, t->data, sizeof value, &error))
    dm_error_propagate(&nn->error, error);
  return value;
}

/* Runs a fill node on a contiguous tensor. */
static bool fill_node(DmTensor *t, DmNnNode *node, const char *what) {
  if (!t || !dm_nn_ok(t->nn)) return false;
  if (!dm_tensor_is_contiguous(t))
    return dm_nn_fail(t->nn, DM_ERROR_INVALID_ARGUMENT, "%s needs a contiguous tensor.", what);
  node->dst[0] = t;
  return dm_nn_compute(t->nn, node);
}

bool dm_tensor_fill(DmTensor *t, float value) {
  return fill_node(t, &(DmNnNode){.op = DM_NN_OP_FILL, .alpha = value}, "Fill");
}

bool dm_tensor_fill_normal(DmTensor *t, uint64_t seed, uint64_t stream, float mean, float std) {
  return fill_node(t,
                   &(DmNnNode){.op = DM_NN_OP_FILL_NORMAL, .alpha = std, .beta = mean,
                               .seed = seed, .stream = stream},
                   "Normal fill");
}

bool dm_tensor_fill_uniform(DmTensor *t, uint64_t seed, uint64_t stream, float lo, float hi) {
  return fill_node(t,
                   &(DmNnNode){.op = DM_NN_OP_FILL_UNIFORM, .alpha = hi, .beta = lo,
                               .seed = seed, .stream = stream},
                   "Uniform fill");
}

bool dm_tensor_copy(DmTensor *dst, const DmTensor *src) {
  if (!dst || !src || !dm_nn_ok(dst->nn)) return false;
  if (!dm_tensor_same_shape(dst, src))
    return dm_nn_fail(dst->nn, DM_ERROR_INVALID_ARGUMENT,
                      "Copy between tensors of different shapes.");
  return dm_nn_compute(dst->nn, &(DmNnNode){.op = DM_NN_OP_COPY, .src = {src}, .dst = {dst}});
}

DmTensor *dm_tensor_clone(const DmTensor *src) {
  if (!src || !dm_nn_ok(src->nn)) return NULL;
  DmTensor *copy = dm_tensor_new(src->nn, src->shape[0], src->shape[1], src->shape[2],
                                 src->shape[3]);
  if (copy && !dm_tensor_copy(copy, src)) {
    dm_tensor_free(copy);
    return NULL;
  }
  return copy;
}

/* A view of t restricted to [start, start + count) along dim (checked by
 * the caller): same strides, shifted data.  A view of a temporary is counted
 * on the temporary that owns the memory, which is not released before the
 * view is. */
static DmTensor *view_along(DmTensor *t, int dim, int64_t start, int64_t count) {
  if (!check_not_released(t, "A view")) return NULL;
  DmTensor *view = calloc(1, sizeof *view);
  if (!view) {
    dm_nn_fail(t->nn, DM_ERROR_NO_MEMORY, "Out of memory for a tensor view.");
    return NULL;
  }
  for (int d = 0; d < 4; d++) {
    view->shape[d] = t->shape[d];
    view->stride[d] = t->stride[d];
  }
  view->shape[dim] = count;
  view->data = t->data + start * t->stride[dim];
  view->nn = t->nn;
  DmTensor *owner = t->block ? t : t->base;
  if (owner && !owner->persistent) {
    view->base = owner;
    owner->views++;
  }
  track_temporary(t->nn, view);
  return view;
}

DmTensor *dm_tensor_channel_view(DmTensor *t, int64_t c0, int64_t nc) {
  if (!t || !dm_nn_ok(t->nn)) return NULL;
  if (c0 < 0 || nc < 1 || c0 + nc > t->shape[1]) {
    dm_nn_fail(t->nn, DM_ERROR_INVALID_ARGUMENT,
               "Channel view [%lld, %lld) outside a tensor of %lld channels.", (long long)c0,
               (long long)(c0 + nc), (long long)t->shape[1]);
    return NULL;
  }
  return view_along(t, 1, c0, nc);
}

DmTensor *dm_tensor_sample_view(DmTensor *t, int64_t n0, int64_t count) {
  if (!t || !dm_nn_ok(t->nn)) return NULL;
  if (!dm_tensor_is_contiguous(t) || n0 < 0 || count < 1 || n0 + count > t->shape[0]) {
    dm_nn_fail(t->nn, DM_ERROR_INVALID_ARGUMENT,
               "Sample view [%lld, %lld) of a tensor of %lld samples%s.", (long long)n0,
               (long long)(n0 + count), (long long)t->shape[0],
               dm_tensor_is_contiguous(t) ? " is out of range" : " that is not contiguous");
    return NULL;
  }
  return view_along(t, 0, n0, count);
}

void dm_tensor_set_requires_grad(DmTensor *t, bool requires_grad) {
  if (t) t->requires_grad = requires_grad;
}

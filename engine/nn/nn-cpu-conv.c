/* CPU 2-D convolution and its two adjoints with oneDNN.
 *
 * Shapes: x [N,C,H,W], w [O,C,kh,kw], y [N,O,Ho,Wo] with
 * Ho = (H + 2 pad - kh) / stride + 1 (cross-correlation, zero padding,
 * equal stride and padding on both axes).
 *
 * One oneDNN primitive per (direction, shape), created on first use and
 * kept.  Tensors stay NCHW; each primitive runs in the memory layout that
 * oneDNN prefers for its shape on this processor (format "any"), and the
 * arguments whose preferred layout differs go through reorders into and out
 * of workspace buffers shared by all primitives (calls are sequential).
 * Weights are reordered on every call: they change after every optimiser
 * step, and the reorder costs little next to the convolution.
 *
 * 3x3 stride-1 convolutions with at least WINOGRAD_MIN_CHANNELS input and
 * output channels use oneDNN's Winograd F(4x4, 3x3) algorithm where it has
 * one (AVX-512 processors; others fall back to the direct algorithm): on
 * the U-Net's layers it takes about 60 % of the direct algorithm's time in
 * every direction, for a relative error of about 1e-5 of the output's RMS
 * instead of 2e-6 (bench/README.md).  With few channels (the U-Net's stem,
 * 2 -> 32) its transforms dominate and the direct algorithm is 3x faster. */
#include <dnnl.h>
#include <dnnl_debug.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn-cpu-private.h"

enum { WINOGRAD_MIN_CHANNELS = 16 };

typedef enum { CONV_FORWARD, CONV_BACKWARD_DATA, CONV_BACKWARD_FILTER } ConvDirection;

typedef struct {
  ConvDirection direction;
  int64_t n, c, h, w, o, kh, kw, ho, wo;
  int64_t stride, pad;
  bool bias;  /* forward: bias added; backward filter: bias gradient */
} ConvKey;

/* Workspace buffers, one per kind of argument (plus oneDNN's scratchpad). */
enum { SLOT_DATA, SLOT_WEIGHTS, SLOT_OUTPUT, SLOT_SCRATCHPAD, SLOT_COUNT };

/* One argument of a primitive.  `user` wraps the tensor (NCHW, OIHW or a
 * vector); `internal`, when not NULL, is the primitive's layout in a
 * workspace slot, reached through `reorder`. */
typedef struct {
  int role;                   /* DNNL_ARG_* */
  bool output;
  dnnl_memory_t user;
  dnnl_memory_t internal;
  dnnl_primitive_t reorder;   /* user -> internal (inputs), internal -> user (outputs) */
  int slot;
  size_t internal_bytes;
} ConvArg;

enum { MAX_ARGS = 4 };

typedef struct ConvEntry {
  ConvKey key;
  dnnl_primitive_t primitive;
  ConvArg args[MAX_ARGS];
  int arg_count;
  dnnl_memory_t scratchpad;
  size_t scratchpad_bytes;
  struct ConvEntry *next;
} ConvEntry;

struct DmNnCpuConv {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_attr_t attr;  /* user-managed scratchpad */
  ConvEntry *entries;
  void *slots[SLOT_COUNT];     /* 64-byte aligned, grown on demand */
  size_t slot_bytes[SLOT_COUNT];
};

/* Turns a oneDNN status into a DmError naming the call. */
static bool dnnl_check(dnnl_status_t status, const char *call, DmError **error) {
  if (status == dnnl_success) return true;
  return dm_error_set(error, status == dnnl_out_of_memory ? DM_ERROR_NO_MEMORY : DM_ERROR_FAILED,
                      (int)status, "oneDNN %s failed: %s", call, dnnl_status2str(status));
}

#define DNNL_TRY(call)                                   \
  do {                                                   \
    if (!dnnl_check((call), #call, error)) goto failed;  \
  } while (0)

bool dm_nn_cpu_conv_init(DmNnCpu *cpu, DmError **error) {
  DmNnCpuConv *conv = calloc(1, sizeof *conv);
  if (!conv)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the oneDNN state.");
  cpu->conv = conv;
  DNNL_TRY(dnnl_engine_create(&conv->engine, dnnl_cpu, 0));
  DNNL_TRY(dnnl_stream_create(&conv->stream, conv->engine, dnnl_stream_default_flags));
  DNNL_TRY(dnnl_primitive_attr_create(&conv->attr));
  DNNL_TRY(dnnl_primitive_attr_set_scratchpad_mode(conv->attr, dnnl_scratchpad_mode_user));
  return true;
failed:
  dm_nn_cpu_conv_destroy(cpu);
  return false;
}

static void conv_entry_free(ConvEntry *entry) {
  for (int i = 0; i < entry->arg_count; i++) {
    ConvArg *arg = &entry->args[i];
    if (arg->reorder) dnnl_primitive_destroy(arg->reorder);
    if (arg->internal) dnnl_memory_destroy(arg->internal);
    if (arg->user) dnnl_memory_destroy(arg->user);
  }
  if (entry->scratchpad) dnnl_memory_destroy(entry->scratchpad);
  if (entry->primitive) dnnl_primitive_destroy(entry->primitive);
  free(entry);
}

void dm_nn_cpu_conv_destroy(DmNnCpu *cpu) {
  DmNnCpuConv *conv = cpu->conv;
  if (!conv) return;
  for (ConvEntry *entry = conv->entries, *next; entry; entry = next) {
    next = entry->next;
    conv_entry_free(entry);
  }
  for (int i = 0; i < SLOT_COUNT; i++) free(conv->slots[i]);
  if (conv->attr) dnnl_primitive_attr_destroy(conv->attr);
  if (conv->stream) dnnl_stream_destroy(conv->stream);
  if (conv->engine) dnnl_engine_destroy(conv->engine);
  free(conv);
  cpu->conv = NULL;
}

/* The workspace slot's buffer, at least `bytes` long. */
static void *slot_buffer(DmNnCpuConv *conv, int slot, size_t bytes, DmError **error) {
  if (conv->slot_bytes[slot] >= bytes) return conv->slots[slot];
  free(conv->slots[slot]);
  const size_t rounded = (bytes + 63) / 64 * 64;
  conv->slots[slot] = aligned_alloc(64, rounded);
  conv->slot_bytes[slot] = conv->slots[slot] ? rounded : 0;
  if (!conv->slots[slot])
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                 "Out of memory: cannot allocate %zu bytes of convolution workspace.", bytes);
  return conv->slots[slot];
}

/* Sets up one argument: user memory in `user_tag`, and when the
 * primitive's descriptor differs, its internal memory and the reorder.
 * slot -1: the argument must be used in place (biases). */
static bool conv_arg_init(DmNnCpuConv *conv, ConvArg *arg, int role, bool output, int slot,
                          const dnnl_dims_t dims, int ndims, dnnl_format_tag_t user_tag,
                          const dnnl_memory_desc_t *wanted, DmError **error) {
  dnnl_memory_desc_t user_md;
  dnnl_primitive_desc_t reorder_pd = NULL;
  arg->role = role;
  arg->output = output;
  arg->slot = slot;
  DNNL_TRY(dnnl_memory_desc_init_by_tag(&user_md, ndims, dims, dnnl_f32, user_tag));
  DNNL_TRY(dnnl_memory_create(&arg->user, &user_md, conv->engine, DNNL_MEMORY_NONE));
  if (dnnl_memory_desc_equal(&user_md, wanted)) return true;
  if (slot < 0)
    return dm_error_set(error, DM_ERROR_FAILED, 0,
                        "oneDNN chose an unexpected layout for a convolution's bias.");
  arg->internal_bytes = dnnl_memory_desc_get_size(wanted);
  DNNL_TRY(dnnl_memory_create(&arg->internal, wanted, conv->engine, DNNL_MEMORY_NONE));
  if (output)
    DNNL_TRY(dnnl_reorder_primitive_desc_create(&reorder_pd, wanted, conv->engine, &user_md,
                                                conv->engine, NULL));
  else
    DNNL_TRY(dnnl_reorder_primitive_desc_create(&reorder_pd, &user_md, conv->engine, wanted,
                                                conv->engine, NULL));
  DNNL_TRY(dnnl_primitive_create(&arg->reorder, reorder_pd));
  dnnl_primitive_desc_destroy(reorder_pd);
  return true;
failed:
  if (reorder_pd) dnnl_primitive_desc_destroy(reorder_pd);
  return false;
}

/* The memory descriptor of a primitive's argument. */
static const dnnl_memory_desc_t *query_md(const_dnnl_primitive_desc_t pd, dnnl_query_t what) {
  return dnnl_primitive_desc_query_md(pd, what, 0);
}

static ConvEntry *conv_entry_create(DmNnCpuConv *conv, const ConvKey *key,
                                    dnnl_alg_kind_t algorithm, DmError **error) {
  ConvEntry *entry = calloc(1, sizeof *entry);
  if (!entry) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a convolution primitive.");
    return NULL;
  }
  entry->key = *key;
  const dnnl_dims_t x_dims = {key->n, key->c, key->h, key->w};
  const dnnl_dims_t w_dims = {key->o, key->c, key->kh, key->kw};
  const dnnl_dims_t b_dims = {key->o};
  const dnnl_dims_t y_dims = {key->n, key->o, key->ho, key->wo};
  const dnnl_dims_t strides = {key->stride, key->stride};
  const dnnl_dims_t pad_l = {key->pad, key->pad};
  const dnnl_dims_t pad_r = {(key->ho - 1) * key->stride + key->kh - key->h - key->pad,
                             (key->wo - 1) * key->stride + key->kw - key->w - key->pad};
  dnnl_memory_desc_t x_md, w_md, b_md, y_md;
  dnnl_convolution_desc_t forward_desc, desc;
  dnnl_primitive_desc_t forward_pd = NULL, pd = NULL;
  DNNL_TRY(dnnl_memory_desc_init_by_tag(&x_md, 4, x_dims, dnnl_f32, dnnl_format_tag_any));
  DNNL_TRY(dnnl_memory_desc_init_by_tag(&w_md, 4, w_dims, dnnl_f32, dnnl_format_tag_any));
  DNNL_TRY(dnnl_memory_desc_init_by_tag(&b_md, 1, b_dims, dnnl_f32, dnnl_x));
  DNNL_TRY(dnnl_memory_desc_init_by_tag(&y_md, 4, y_dims, dnnl_f32, dnnl_format_tag_any));
  DNNL_TRY(dnnl_convolution_forward_desc_init(&forward_desc, dnnl_forward_training,
                                              algorithm, &x_md, &w_md,
                                              key->bias ? &b_md : NULL, &y_md, strides, pad_l,
                                              pad_r));
  DNNL_TRY(dnnl_primitive_desc_create(&forward_pd, &forward_desc, conv->attr, conv->engine, NULL));

  switch (key->direction) {
  case CONV_FORWARD:
    pd = forward_pd;
    forward_pd = NULL;
    if (!conv_arg_init(conv, &entry->args[0], DNNL_ARG_SRC, false, SLOT_DATA, x_dims, 4,
                       dnnl_nchw, query_md(pd, dnnl_query_src_md), error) ||
        !conv_arg_init(conv, &entry->args[1], DNNL_ARG_WEIGHTS, false, SLOT_WEIGHTS, w_dims, 4,
                       dnnl_oihw, query_md(pd, dnnl_query_weights_md), error) ||
        !conv_arg_init(conv, &entry->args[2], DNNL_ARG_DST, true, SLOT_OUTPUT, y_dims, 4,
                       dnnl_nchw, query_md(pd, dnnl_query_dst_md), error))
      goto failed;
    entry->arg_count = 3;
    if (key->bias &&
        !conv_arg_init(conv, &entry->args[entry->arg_count++], DNNL_ARG_BIAS, false, -1, b_dims,
                       1, dnnl_x, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1),
                       error))
      goto failed;
    break;
  case CONV_BACKWARD_DATA:
    DNNL_TRY(dnnl_convolution_backward_data_desc_init(&desc, algorithm, &x_md,
                                                      &w_md, &y_md, strides, pad_l, pad_r));
    DNNL_TRY(dnnl_primitive_desc_create(&pd, &desc, conv->attr, conv->engine, forward_pd));
    if (!conv_arg_init(conv, &entry->args[0], DNNL_ARG_DIFF_DST, false, SLOT_DATA, y_dims, 4,
                       dnnl_nchw, query_md(pd, dnnl_query_diff_dst_md), error) ||
        !conv_arg_init(conv, &entry->args[1], DNNL_ARG_WEIGHTS, false, SLOT_WEIGHTS, w_dims, 4,
                       dnnl_oihw, query_md(pd, dnnl_query_weights_md), error) ||
        !conv_arg_init(conv, &entry->args[2], DNNL_ARG_DIFF_SRC, true, SLOT_OUTPUT, x_dims, 4,
                       dnnl_nchw, query_md(pd, dnnl_query_diff_src_md), error))
      goto failed;
    entry->arg_count = 3;
    break;
  case CONV_BACKWARD_FILTER:
    DNNL_TRY(dnnl_convolution_backward_weights_desc_init(&desc, algorithm, &x_md,
                                                         &w_md, key->bias ? &b_md : NULL, &y_md,
                                                         strides, pad_l, pad_r));
    DNNL_TRY(dnnl_primitive_desc_create(&pd, &desc, conv->attr, conv->engine, forward_pd));
    if (!conv_arg_init(conv, &entry->args[0], DNNL_ARG_SRC, false, SLOT_DATA, x_dims, 4,
                       dnnl_nchw, query_md(pd, dnnl_query_src_md), error) ||
        !conv_arg_init(conv, &entry->args[1], DNNL_ARG_DIFF_DST, false, SLOT_OUTPUT, y_dims, 4,
                       dnnl_nchw, query_md(pd, dnnl_query_diff_dst_md), error) ||
        !conv_arg_init(conv, &entry->args[2], DNNL_ARG_DIFF_WEIGHTS, true, SLOT_WEIGHTS, w_dims,
                       4, dnnl_oihw, query_md(pd, dnnl_query_diff_weights_md), error))
      goto failed;
    entry->arg_count = 3;
    if (key->bias &&
        !conv_arg_init(conv, &entry->args[entry->arg_count++], DNNL_ARG_DIFF_BIAS, true, -1,
                       b_dims, 1, dnnl_x,
                       dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 1), error))
      goto failed;
    break;
  }
  entry->scratchpad_bytes = dnnl_memory_desc_get_size(query_md(pd, dnnl_query_scratchpad_md));
  if (entry->scratchpad_bytes)
    DNNL_TRY(dnnl_memory_create(&entry->scratchpad, query_md(pd, dnnl_query_scratchpad_md),
                                conv->engine, DNNL_MEMORY_NONE));
  DNNL_TRY(dnnl_primitive_create(&entry->primitive, pd));
  dnnl_primitive_desc_destroy(pd);
  if (forward_pd) dnnl_primitive_desc_destroy(forward_pd);
  return entry;
failed:
  if (pd) dnnl_primitive_desc_destroy(pd);
  if (forward_pd) dnnl_primitive_desc_destroy(forward_pd);
  conv_entry_free(entry);
  return NULL;
}

static bool keys_equal(const ConvKey *a, const ConvKey *b) {
  return a->direction == b->direction && a->n == b->n && a->c == b->c && a->h == b->h &&
         a->w == b->w && a->o == b->o && a->kh == b->kh && a->kw == b->kw && a->ho == b->ho &&
         a->wo == b->wo && a->stride == b->stride && a->pad == b->pad && a->bias == b->bias;
}

static ConvEntry *conv_entry_lookup(DmNnCpuConv *conv, const ConvKey *key, DmError **error) {
  for (ConvEntry *entry = conv->entries; entry; entry = entry->next)
    if (keys_equal(&entry->key, key)) return entry;
  /* Winograd where oneDNN implements it for this shape, else direct. */
  ConvEntry *entry = NULL;
  if (key->kh == 3 && key->kw == 3 && key->stride == 1 && key->c >= WINOGRAD_MIN_CHANNELS &&
      key->o >= WINOGRAD_MIN_CHANNELS) {
    DmError *winograd_error = NULL;
    entry = conv_entry_create(conv, key, dnnl_convolution_winograd, &winograd_error);
    if (!entry && winograd_error->lib_code != (int)dnnl_unimplemented) {
      dm_error_propagate(error, winograd_error);
      return NULL;
    }
    dm_error_free(winograd_error);
  }
  if (!entry) entry = conv_entry_create(conv, key, dnnl_convolution_direct, error);
  if (!entry) return NULL;
  entry->next = conv->entries;
  conv->entries = entry;
  return entry;
}

/* Runs the primitive on the tensors' memory, handles[i] for args[i]. */
static bool conv_entry_execute(DmNnCpuConv *conv, ConvEntry *entry, void *const *handles,
                               DmError **error) {
  dnnl_exec_arg_t exec_args[MAX_ARGS + 1];
  int count = 0;
  for (int i = 0; i < entry->arg_count; i++) {
    ConvArg *arg = &entry->args[i];
    DNNL_TRY(dnnl_memory_set_data_handle(arg->user, handles[i]));
    if (arg->internal) {
      void *buffer = slot_buffer(conv, arg->slot, arg->internal_bytes, error);
      if (!buffer) return false;
      DNNL_TRY(dnnl_memory_set_data_handle(arg->internal, buffer));
      if (!arg->output) {
        const dnnl_exec_arg_t reorder_args[2] = {{DNNL_ARG_FROM, arg->user},
                                                 {DNNL_ARG_TO, arg->internal}};
        DNNL_TRY(dnnl_primitive_execute(arg->reorder, conv->stream, 2, reorder_args));
      }
    }
    exec_args[count++] = (dnnl_exec_arg_t){arg->role, arg->internal ? arg->internal : arg->user};
  }
  if (entry->scratchpad) {
    void *buffer = slot_buffer(conv, SLOT_SCRATCHPAD, entry->scratchpad_bytes, error);
    if (!buffer) return false;
    DNNL_TRY(dnnl_memory_set_data_handle(entry->scratchpad, buffer));
    exec_args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, entry->scratchpad};
  }
  DNNL_TRY(dnnl_primitive_execute(entry->primitive, conv->stream, count, exec_args));
  for (int i = 0; i < entry->arg_count; i++) {
    ConvArg *arg = &entry->args[i];
    if (!arg->output || !arg->internal) continue;
    const dnnl_exec_arg_t reorder_args[2] = {{DNNL_ARG_FROM, arg->internal},
                                             {DNNL_ARG_TO, arg->user}};
    DNNL_TRY(dnnl_primitive_execute(arg->reorder, conv->stream, 2, reorder_args));
  }
  DNNL_TRY(dnnl_stream_wait(conv->stream));
  return true;
failed:
  return false;
}

static ConvKey conv_key(ConvDirection direction, const DmTensor *x, const DmTensor *w,
                        const DmTensor *y, const DmNnNode *node, bool bias) {
  return (ConvKey){.direction = direction, .n = x->shape[0], .c = x->shape[1],
                   .h = x->shape[2], .w = x->shape[3], .o = w->shape[0], .kh = w->shape[2],
                   .kw = w->shape[3], .ho = y->shape[2], .wo = y->shape[3],
                   .stride = node->stride, .pad = node->pad, .bias = bias};
}

bool dm_nn_cpu_conv2d(DmNnCpu *cpu, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0], *w = node->src[1], *b = node->src[2];
  DmTensor *y = node->dst[0];
  const ConvKey key = conv_key(CONV_FORWARD, x, w, y, node, b != NULL);
  ConvEntry *entry = conv_entry_lookup(cpu->conv, &key, error);
  void *const handles[4] = {x->data, w->data, y->data, b ? b->data : NULL};
  return entry && conv_entry_execute(cpu->conv, entry, handles, error);
}

bool dm_nn_cpu_conv2d_bwd_data(DmNnCpu *cpu, const DmNnNode *node, DmError **error) {
  const DmTensor *gy = node->src[0], *w = node->src[1];
  DmTensor *gx = node->dst[0];
  const ConvKey key = conv_key(CONV_BACKWARD_DATA, gx, w, gy, node, false);
  ConvEntry *entry = conv_entry_lookup(cpu->conv, &key, error);
  void *const handles[3] = {gy->data, w->data, gx->data};
  return entry && conv_entry_execute(cpu->conv, entry, handles, error);
}

bool dm_nn_cpu_conv2d_bwd_filter(DmNnCpu *cpu, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0], *gy = node->src[1];
  DmTensor *gw = node->dst[0], *gb = node->dst[1];
  const ConvKey key = conv_key(CONV_BACKWARD_FILTER, x, gw, gy, node, gb != NULL);
  ConvEntry *entry = conv_entry_lookup(cpu->conv, &key, error);
  void *const handles[4] = {x->data, gy->data, gw->data, gb ? gb->data : NULL};
  return entry && conv_entry_execute(cpu->conv, entry, handles, error);
}

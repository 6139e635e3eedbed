/* Module tensors under PyTorch's names with its default initialisation
 * (nn-module-builder.h). */
#include <stdio.h>

#include "nn/nn-module-builder.h"

static DmTensor *add(DmNnBuilder *b, const char *prefix, const char *suffix, bool trainable,
                     int64_t n, int64_t c, int64_t h, int64_t w) {
  char name[160];
  snprintf(name, sizeof name, "%s.%s", prefix, suffix);
  b->stream++;
  return dm_nn_params_add(b->params, name, trainable, n, c, h, w);
}

static DmTensor *add_uniform(DmNnBuilder *b, const char *prefix, const char *suffix,
                             int64_t fan_in, int64_t n, int64_t c, int64_t h, int64_t w) {
  uint64_t stream = b->stream;
  DmTensor *t = add(b, prefix, suffix, true, n, c, h, w);
  if (t) dm_nn_params_init_uniform(t, fan_in, b->seed, stream);
  return t;
}

DmNnLayer dm_nn_build_conv(DmNnBuilder *b, const char *prefix, int64_t c, int64_t o, int k,
                           bool bias) {
  DmNnLayer layer = {NULL, NULL};
  layer.weight = add_uniform(b, prefix, "weight", c * k * k, o, c, k, k);
  if (bias) layer.bias = add_uniform(b, prefix, "bias", c * k * k, o, 1, 1, 1);
  return layer;
}

DmNnLayer dm_nn_build_conv_transpose(DmNnBuilder *b, const char *prefix, int64_t c, int64_t o,
                                     int k) {
  DmNnLayer layer;
  layer.weight = add_uniform(b, prefix, "weight", o * k * k, c, o, k, k);
  layer.bias = add_uniform(b, prefix, "bias", o * k * k, o, 1, 1, 1);
  return layer;
}

DmNnLayer dm_nn_build_linear(DmNnBuilder *b, const char *prefix, int64_t f, int64_t o) {
  DmNnLayer layer;
  layer.weight = add_uniform(b, prefix, "weight", f, o, f, 1, 1);
  if (layer.weight) dm_nn_params_set_file_dims(b->params, layer.weight, 2);  /* PyTorch: (O, F) */
  layer.bias = add_uniform(b, prefix, "bias", f, o, 1, 1, 1);
  return layer;
}

DmNnLayer dm_nn_build_norm(DmNnBuilder *b, const char *prefix, int64_t c) {
  DmNnLayer layer;
  layer.weight = add(b, prefix, "weight", true, c, 1, 1, 1);
  if (layer.weight) dm_tensor_fill(layer.weight, 1.0f);
  layer.bias = add(b, prefix, "bias", true, c, 1, 1, 1);
  if (layer.bias) dm_tensor_fill(layer.bias, 0.0f);
  return layer;
}

DmTensor *dm_nn_build_buffer(DmNnBuilder *b, const char *prefix, const char *suffix, int64_t n,
                             float value) {
  DmTensor *t = add(b, prefix, suffix, false, n, 1, 1, 1);
  if (t) dm_tensor_fill(t, value);
  return t;
}

/* Adding a module's tensors to a parameter set under PyTorch's names, with
 * PyTorch's default initialisation (darkmap/nn-params.h): the n-th tensor
 * added is drawn from stream n of the module's seed. */
#ifndef DARKMAP_NN_MODULE_BUILDER_H
#define DARKMAP_NN_MODULE_BUILDER_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/nn-params.h"

typedef struct {
  DmNnParams *params;
  uint64_t seed;
  uint64_t stream;  /* the next tensor's stream */
} DmNnBuilder;

/* A layer's weight and bias (bias NULL when the layer has none). */
typedef struct {
  DmTensor *weight, *bias;
} DmNnLayer;

/* prefix.weight [o, c, k, k] (+ prefix.bias [o]), fan-in c k k. */
DmNnLayer dm_nn_build_conv(DmNnBuilder *b, const char *prefix, int64_t c, int64_t o, int k,
                           bool bias);
/* prefix.weight [c, o, k, k] + prefix.bias [o], fan-in o k k. */
DmNnLayer dm_nn_build_conv_transpose(DmNnBuilder *b, const char *prefix, int64_t c, int64_t o,
                                     int k);
/* prefix.weight [o, f] + prefix.bias [o], fan-in f. */
DmNnLayer dm_nn_build_linear(DmNnBuilder *b, const char *prefix, int64_t f, int64_t o);
/* prefix.weight [c] = 1, prefix.bias [c] = 0. */
DmNnLayer dm_nn_build_norm(DmNnBuilder *b, const char *prefix, int64_t c);
/* A buffer (not trained) prefix.suffix of n elements filled with value. */
DmTensor *dm_nn_build_buffer(DmNnBuilder *b, const char *prefix, const char *suffix, int64_t n,
                             float value);

#endif

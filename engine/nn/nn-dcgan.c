/* DCGAN generator and discriminator (darkmap/nn-modules.h), CosmoGAN's
 * layout.  Tensor names, in order:
 *   generator:     fc.{weight,bias} (z_dim -> 8b s0 s0, s0 = size / 16),
 *                  norm.0.{weight,bias,running}, then for i = 0..3
 *                  up.i.{weight,bias} (5x5 stride 2, 8b -> 4b -> 2b -> b ->
 *                  out) and, for i < 3, norm.(i+1).*;
 *   discriminator: conv.i.{weight,bias} (5x5 stride 2, in -> b -> 2b -> 4b
 *                  -> 8b) and, for i >= 1, norm.i.*; fc.{weight,bias}
 *                  (8b s0 s0 -> 1).
 * Batch norms: momentum 0.1, eps 1e-5; "running" holds the running mean
 * (C) then variance (C), starting at 0 and 1.  The forwards release each
 * activation once the next is made (dm_tensor_release). */
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "nn/nn-failure-private.h"
#include "nn/nn-module-builder.h"
#include "nn/nn-ops-private.h"
#include "nn/nn-params-private.h"

#define LAYERS 4
#define MOMENTUM 0.1f
#define EPS 1e-5f

typedef struct {
  DmNnLayer affine;
  DmTensor *running;  /* (2C): mean, variance */
} BatchNorm;

struct DmDcganGenerator {
  DmDcganConfig config;
  DmNn *nn;
  DmNnLayer fc;
  DmNnLayer up[LAYERS];
  BatchNorm norm[LAYERS];  /* norm[0] after fc, norm[i] after up[i-1] */
};

struct DmDcganDiscriminator {
  DmDcganConfig config;
  DmNn *nn;
  DmNnLayer conv[LAYERS];
  BatchNorm norm[LAYERS];  /* norm[i] after conv[i], i >= 1 */
  DmNnLayer fc;
};

static bool config_valid(const DmDcganConfig *c, DmError **error) {
  if (c->z_dim < 1 || c->base < 1 || c->out_channels < 1 || c->image_size < 16 ||
      c->image_size % 16)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "DCGAN: invalid configuration (z %d, base %d, channels %d, size %d; the "
                        "size must be a multiple of 16)",
                        c->z_dim, c->base, c->out_channels, c->image_size);
  return true;
}

static BatchNorm build_batch_norm(DmNnBuilder *b, const char *prefix, int64_t c) {
  BatchNorm bn;
  bn.affine = dm_nn_build_norm(b, prefix, c);
  bn.running = dm_nn_build_buffer(b, prefix, "running", 2 * c, 0.0f);
  float *host = malloc((size_t)(2 * c) * sizeof *host);
  if (bn.running && host) {
    for (int64_t i = 0; i < 2 * c; i++) host[i] = i < c ? 0.0f : 1.0f;
    dm_tensor_upload(bn.running, host, (size_t)(2 * c));
  } else if (bn.running) {
    dm_nn_fail(bn.running->nn, DM_ERROR_NO_MEMORY, "DCGAN: out of memory");
  }
  free(host);
  return bn;
}

static DmTensor *batch_norm(DmNn *nn, const BatchNorm *bn, DmTensor *x, bool training) {
  return dm_nn_batch_norm(nn, x, bn->affine.weight, bn->affine.bias, bn->running, training,
                          MOMENTUM, EPS);
}

DmDcganGenerator *dm_dcgan_generator_new(DmNnParams *params, const DmDcganConfig *config,
                                         uint64_t seed, DmError **error) {
  if (!config_valid(config, error)) return NULL;
  DmDcganGenerator *g = calloc(1, sizeof *g);
  if (!g) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "DCGAN: out of memory");
    return NULL;
  }
  g->config = *config;
  g->nn = dm_nn_params_context(params);
  DmNnBuilder b = {params, seed, 0};
  int64_t base = config->base, s0 = config->image_size / 16;
  int64_t widths[LAYERS + 1] = {8 * base, 4 * base, 2 * base, base, config->out_channels};
  char name[32];
  g->fc = dm_nn_build_linear(&b, "fc", config->z_dim, widths[0] * s0 * s0);
  g->norm[0] = build_batch_norm(&b, "norm.0", widths[0]);
  for (int i = 0; i < LAYERS; i++) {
    snprintf(name, sizeof name, "up.%d", i);
    g->up[i] = dm_nn_build_conv_transpose(&b, name, widths[i], widths[i + 1], 5);
    if (i < LAYERS - 1) {
      snprintf(name, sizeof name, "norm.%d", i + 1);
      g->norm[i + 1] = build_batch_norm(&b, name, widths[i + 1]);
    }
  }
  if (!dm_nn_ok(g->nn)) {
    dm_nn_take_failure(g->nn, error, "DCGAN generator: creating the parameters");
    free(g);
    return NULL;
  }
  return g;
}

void dm_dcgan_generator_free(DmDcganGenerator *g) { free(g); }

DmTensor *dm_dcgan_generator_forward(DmDcganGenerator *g, DmTensor *z, bool training) {
  DmNn *nn = g->nn;
  if (!z || !dm_nn_ok(nn)) return NULL;
  int64_t s0 = g->config.image_size / 16;
  DmTensor *flat = dm_nn_linear(nn, z, g->fc.weight, g->fc.bias);
  DmTensor *h = dm_nn_reshape(nn, flat, z->shape[0], 8 * (int64_t)g->config.base, s0, s0);
  dm_nn_advance(&h, batch_norm(nn, &g->norm[0], h, training));
  dm_tensor_release(flat);  /* after its view h */
  dm_nn_advance(&h, dm_nn_relu(nn, h));
  for (int i = 0; i < LAYERS; i++) {
    dm_nn_advance(&h, dm_nn_conv_transpose2d(nn, h, g->up[i].weight, g->up[i].bias, 2, 2, 1));
    if (i < LAYERS - 1) {
      dm_nn_advance(&h, batch_norm(nn, &g->norm[i + 1], h, training));
      dm_nn_advance(&h, dm_nn_relu(nn, h));
    } else {
      dm_nn_advance(&h, dm_nn_tanh(nn, h));
    }
  }
  return h;
}

DmDcganDiscriminator *dm_dcgan_discriminator_new(DmNnParams *params, const DmDcganConfig *config,
                                                 uint64_t seed, DmError **error) {
  if (!config_valid(config, error)) return NULL;
  DmDcganDiscriminator *d = calloc(1, sizeof *d);
  if (!d) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "DCGAN: out of memory");
    return NULL;
  }
  d->config = *config;
  d->nn = dm_nn_params_context(params);
  DmNnBuilder b = {params, seed, 0};
  int64_t base = config->base, s0 = config->image_size / 16;
  int64_t widths[LAYERS + 1] = {config->out_channels, base, 2 * base, 4 * base, 8 * base};
  char name[32];
  for (int i = 0; i < LAYERS; i++) {
    snprintf(name, sizeof name, "conv.%d", i);
    d->conv[i] = dm_nn_build_conv(&b, name, widths[i], widths[i + 1], 5, true);
    if (i > 0) {
      snprintf(name, sizeof name, "norm.%d", i);
      d->norm[i] = build_batch_norm(&b, name, widths[i + 1]);
    }
  }
  d->fc = dm_nn_build_linear(&b, "fc", widths[LAYERS] * s0 * s0, 1);
  if (!dm_nn_ok(d->nn)) {
    dm_nn_take_failure(d->nn, error, "DCGAN discriminator: creating the parameters");
    free(d);
    return NULL;
  }
  return d;
}

void dm_dcgan_discriminator_free(DmDcganDiscriminator *d) { free(d); }

DmTensor *dm_dcgan_discriminator_forward(DmDcganDiscriminator *d, DmTensor *x, bool training) {
  DmNn *nn = d->nn;
  if (!x || !dm_nn_ok(nn)) return NULL;
  int size = d->config.image_size;
  if (x->shape[1] != d->config.out_channels || x->shape[2] != size || x->shape[3] != size) {
    dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT,
               "DCGAN discriminator: input %lldx%lldx%lld, expected %dx%dx%d",
               (long long)x->shape[1], (long long)x->shape[2], (long long)x->shape[3],
               d->config.out_channels, size, size);
    return NULL;
  }
  DmTensor *h = NULL;
  for (int i = 0; i < LAYERS; i++) {
    dm_nn_advance(&h, dm_nn_conv2d(nn, i == 0 ? x : h, d->conv[i].weight, d->conv[i].bias, 2, 2));
    if (i > 0) dm_nn_advance(&h, batch_norm(nn, &d->norm[i], h, training));
    dm_nn_advance(&h, dm_nn_leaky_relu(nn, h, 0.2f));
  }
  DmTensor *logit = dm_nn_linear(nn, h, d->fc.weight, d->fc.bias);
  dm_tensor_release(h);
  return logit;
}

/* CNN critic for a Wasserstein GAN (darkmap/nn-modules.h).  Tensor names,
 * in order: conv.i.{weight,bias} (3x3, pad 1; widths b, b, 2b, 2b, 4b, 4b;
 * stride 2 for i = 1, 3, 5), each followed by conv.i.u [widths[i]] with
 * spectral normalisation; fc.{weight,bias} (4b -> 1) and fc.u [1].
 * Forward: LeakyReLU 0.2 after every conv, the mean over H and W of each
 * channel, the linear layer.  Spectral normalisation runs one power
 * iteration per call in training (updating u) and none otherwise.  Each
 * activation is released once the next is made (dm_tensor_release). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "nn/nn-failure-private.h"
#include "nn/nn-module-builder.h"
#include "nn/nn-ops-private.h"
#include "nn/nn-params-private.h"

#define CONVS 6

struct DmCritic {
  DmCriticConfig config;
  DmNn *nn;
  DmNnLayer conv[CONVS];
  DmTensor *conv_u[CONVS];  /* [widths[i]] unit vectors; NULL without spectral norm */
  DmNnLayer fc;
  DmTensor *fc_u;           /* [1] */
};

/* u: a unit vector from N(0, 1) draws (PyTorch's initial u). */
static DmTensor *build_u(DmNnBuilder *b, const char *prefix, int64_t n) {
  uint64_t stream = b->stream;
  DmTensor *u = dm_nn_build_buffer(b, prefix, "u", n, 0.0f);
  if (!u || !dm_tensor_fill_normal(u, b->seed, stream, 0.0f, 1.0f)) return u;
  float *host = malloc((size_t)n * sizeof *host);
  if (!host) {
    dm_nn_fail(u->nn, DM_ERROR_NO_MEMORY, "critic: out of memory");
    return u;
  }
  double norm = 0;
  if (dm_tensor_download(u, host, (size_t)n)) {
    for (int64_t i = 0; i < n; i++) norm += (double)host[i] * host[i];
    for (int64_t i = 0; i < n; i++) host[i] = (float)(host[i] / fmax(sqrt(norm), 1e-12));
    dm_tensor_upload(u, host, (size_t)n);
  }
  free(host);
  return u;
}

DmCritic *dm_critic_new(DmNnParams *params, const DmCriticConfig *config, uint64_t seed,
                        DmError **error) {
  if (config->in_channels < 1 || config->base < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "critic: invalid configuration (%d input channels, base %d)",
                 config->in_channels, config->base);
    return NULL;
  }
  DmCritic *c = calloc(1, sizeof *c);
  if (!c) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "critic: out of memory");
    return NULL;
  }
  c->config = *config;
  c->nn = dm_nn_params_context(params);
  DmNnBuilder b = {params, seed, 0};
  int64_t base = config->base;
  int64_t widths[CONVS] = {base, base, 2 * base, 2 * base, 4 * base, 4 * base};
  int64_t in = config->in_channels;
  char name[32];
  for (int i = 0; i < CONVS; i++) {
    snprintf(name, sizeof name, "conv.%d", i);
    c->conv[i] = dm_nn_build_conv(&b, name, in, widths[i], 3, true);
    if (config->spectral_norm) c->conv_u[i] = build_u(&b, name, widths[i]);
    in = widths[i];
  }
  c->fc = dm_nn_build_linear(&b, "fc", in, 1);
  if (config->spectral_norm) c->fc_u = build_u(&b, "fc", 1);
  if (!dm_nn_ok(c->nn)) {
    dm_nn_take_failure(c->nn, error, "critic: creating the parameters");
    free(c);
    return NULL;
  }
  return c;
}

void dm_critic_free(DmCritic *c) { free(c); }

static DmTensor *weight(DmCritic *c, DmTensor *w, DmTensor *u, bool training) {
  return u ? dm_nn_spectral_normalize(c->nn, w, u, 1, training) : w;
}

DmTensor *dm_critic_forward(DmCritic *c, DmTensor *x, bool training) {
  DmNn *nn = c->nn;
  if (!x || !dm_nn_ok(nn)) return NULL;
  if (x->shape[1] != c->config.in_channels) {
    dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT, "critic: input has %lld channels, expected %d",
               (long long)x->shape[1], c->config.in_channels);
    return NULL;
  }
  DmTensor *h = NULL;
  for (int i = 0; i < CONVS; i++) {
    int stride = i % 2 ? 2 : 1;
    DmTensor *w = weight(c, c->conv[i].weight, c->conv_u[i], training);
    dm_nn_advance(&h, dm_nn_conv2d(nn, i == 0 ? x : h, w, c->conv[i].bias, stride, 1));
    dm_nn_advance(&h, dm_nn_leaky_relu(nn, h, 0.2f));
  }
  if (!h) return NULL;
  /* Global average: per-sample channel sums / (H W), (N, 4b, 1, 1). */
  float inverse_area = (float)(1.0 / (double)(h->shape[2] * h->shape[3]));
  DmTensor *pooled = dm_nn_channel_sum(nn, h, true);
  dm_tensor_release(h);
  dm_nn_advance(&pooled, dm_nn_scale(nn, pooled, inverse_area, 0.0f));
  DmTensor *score =
      dm_nn_linear(nn, pooled, weight(c, c->fc.weight, c->fc_u, training), c->fc.bias);
  dm_tensor_release(pooled);
  return score;
}

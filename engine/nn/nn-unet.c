/* The residual U-Net (darkmap/nn-modules.h), with the tensors under the
 * state_dict names of the PyTorch UNet of bench/peers_torch.py and
 * tests/nn-io/torch_unet.py, in the same order:
 *   stem.{weight,bias}
 *   enc.l.{conv1.weight, norm1.weight, norm1.bias, conv2.weight,
 *          norm2.weight, norm2.bias}                      l = 0 .. depth-1
 *   down.l.{weight,bias}
 *   mid.*                                              (a ResBlock)
 *   up.j.{weight,bias}, dec.j.* (+ dec.j.skip.weight)  j = 0: deepest level
 *   head.{weight,bias}
 * With noise conditioning, embed.freqs (buffer), embed.linear.{weight,bias}
 * follow head, and each block has <block>.noise.{weight,bias} after its
 * norm1.
 *
 * The forward releases every intermediate once it is consumed
 * (dm_tensor_release; nothing is released while the tape holds it): with
 * recording off it keeps only the running activation, the skip connections
 * still to be concatenated and the block being computed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-modules.h"
#include "darkmap/nn-ops.h"
#include "nn/nn-failure-private.h"
#include "nn/nn-module-builder.h"
#include "nn/nn-ops-private.h"
#include "nn/nn-params-private.h"

typedef struct {
  DmTensor *conv1;         /* [o, c, 3, 3] */
  DmTensor *norm1_w, *norm1_b;  /* [o] */
  DmTensor *noise_w, *noise_b;  /* [o, 4 w0], [o]; NULL without conditioning */
  DmTensor *conv2;         /* [o, o, 3, 3] */
  DmTensor *norm2_w, *norm2_b;  /* [o] */
  DmTensor *skip;          /* [o, c, 1, 1]; NULL when c == o */
} ResBlock;

struct DmUNet {
  DmUNetConfig config;
  DmNnParams *params;  /* borrowed */
  DmNn *nn;
  DmNnLayer stem, head;
  ResBlock *enc, *dec; /* depth each */
  DmNnLayer *down, *up;    /* depth each */
  ResBlock mid;
  DmTensor *freqs;     /* [F] buffer; NULL without conditioning */
  DmNnLayer embed;        /* 2F -> 4 w0 */
};

DmUNetConfig dm_unet_config_unet4_32(int in_channels) {
  return (DmUNetConfig){.in_channels = in_channels, .out_channels = 1, .depth = 4,
                        .base_width = 32, .groups = 8, .slope = 0.2f, .noise_features = 0};
}

const DmUNetConfig *dm_unet_config(const DmUNet *unet) { return &unet->config; }

static void add_block(DmNnBuilder *b, ResBlock *block, const char *prefix, int64_t c, int64_t o,
                      int64_t embed_width) {
  char name[128];
  memset(block, 0, sizeof *block);
  snprintf(name, sizeof name, "%s.conv1", prefix);
  block->conv1 = dm_nn_build_conv(b, name, c, o, 3, false).weight;
  snprintf(name, sizeof name, "%s.norm1", prefix);
  DmNnLayer norm = dm_nn_build_norm(b, name, o);
  block->norm1_w = norm.weight;
  block->norm1_b = norm.bias;
  if (embed_width > 0) {
    snprintf(name, sizeof name, "%s.noise", prefix);
    DmNnLayer noise = dm_nn_build_linear(b, name, embed_width, o);
    block->noise_w = noise.weight;
    block->noise_b = noise.bias;
  }
  snprintf(name, sizeof name, "%s.conv2", prefix);
  block->conv2 = dm_nn_build_conv(b, name, o, o, 3, false).weight;
  snprintf(name, sizeof name, "%s.norm2", prefix);
  norm = dm_nn_build_norm(b, name, o);
  block->norm2_w = norm.weight;
  block->norm2_b = norm.bias;
  if (c != o) {
    snprintf(name, sizeof name, "%s.skip", prefix);
    block->skip = dm_nn_build_conv(b, name, c, o, 1, false).weight;
  }
}

void dm_unet_free(DmUNet *unet) {
  if (!unet) return;
  free(unet->enc);
  free(unet->dec);
  free(unet->down);
  free(unet->up);
  free(unet);
}

static bool config_valid(const DmUNetConfig *c, DmError **error) {
  if (c->in_channels < 1 || c->out_channels < 1 || c->depth < 1 || c->depth > 12 ||
      c->base_width < 1 || c->groups < 1 || c->noise_features < 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "U-Net: invalid configuration (in %d, out %d, depth %d, width %d, "
                        "groups %d, noise features %d)",
                        c->in_channels, c->out_channels, c->depth, c->base_width, c->groups,
                        c->noise_features);
  if (c->base_width % c->groups)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "U-Net: width %d is not divisible into %d groups", c->base_width, c->groups);
  return true;
}

DmUNet *dm_unet_new(DmNnParams *params, const DmUNetConfig *config, uint64_t seed,
                    DmError **error) {
  if (!config_valid(config, error)) return NULL;
  DmUNet *unet = calloc(1, sizeof *unet);
  int depth = config->depth;
  if (unet) {
    unet->enc = calloc((size_t)depth, sizeof *unet->enc);
    unet->dec = calloc((size_t)depth, sizeof *unet->dec);
    unet->down = calloc((size_t)depth, sizeof *unet->down);
    unet->up = calloc((size_t)depth, sizeof *unet->up);
  }
  if (!unet || !unet->enc || !unet->dec || !unet->down || !unet->up) {
    dm_unet_free(unet);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "U-Net: out of memory");
    return NULL;
  }
  unet->config = *config;
  unet->params = params;
  unet->nn = dm_nn_params_context(params);

  DmNnBuilder b = {params, seed, 0};
  int64_t w0 = config->base_width;
  int64_t embed_width = config->noise_features > 0 ? 4 * w0 : 0;
  char name[64];
  unet->stem = dm_nn_build_conv(&b, "stem", config->in_channels, w0, 3, true);
  for (int l = 0; l < depth; l++) {
    int64_t c = w0 << l;
    snprintf(name, sizeof name, "enc.%d", l);
    add_block(&b, &unet->enc[l], name, c, c, embed_width);
  }
  for (int l = 0; l < depth; l++) {
    int64_t c = w0 << l;
    snprintf(name, sizeof name, "down.%d", l);
    unet->down[l] = dm_nn_build_conv(&b, name, c, 2 * c, 3, true);
  }
  int64_t deepest = w0 << (depth - 1);
  add_block(&b, &unet->mid, "mid", 2 * deepest, 2 * deepest, embed_width);
  for (int j = 0; j < depth; j++) {
    int64_t c = w0 << (depth - 1 - j);
    snprintf(name, sizeof name, "up.%d", j);
    unet->up[j] = dm_nn_build_conv_transpose(&b, name, 2 * c, c, 2);
  }
  for (int j = 0; j < depth; j++) {
    int64_t c = w0 << (depth - 1 - j);
    snprintf(name, sizeof name, "dec.%d", j);
    add_block(&b, &unet->dec[j], name, 2 * c, c, embed_width);
  }
  unet->head = dm_nn_build_conv(&b, "head", w0, config->out_channels, 1, true);
  if (config->noise_features > 0) {
    int64_t f = config->noise_features;
    uint64_t stream = b.stream;
    unet->freqs = dm_nn_build_buffer(&b, "embed", "freqs", f, 0.0f);
    if (unet->freqs) dm_tensor_fill_normal(unet->freqs, seed, stream, 0.0f, 1.0f);
    unet->embed = dm_nn_build_linear(&b, "embed.linear", 2 * f, embed_width);
  }
  if (!dm_nn_ok(unet->nn)) {
    dm_nn_take_failure(unet->nn, error, "U-Net: creating the parameters");
    dm_unet_free(unet);
    return NULL;
  }
  return unet;
}

/* ResBlock(c, o): h = act(GN(conv1(x)) [+ noise(emb)]); h = GN(conv2(h));
 * out = act(h + skip(x)).  x stays the caller's; the block's intermediates
 * are released as they are consumed, so that with recording off at most
 * three tensors of the output's size live beside x. */
static DmTensor *block_forward(const DmUNet *unet, const ResBlock *b, DmTensor *x, DmTensor *emb) {
  DmNn *nn = unet->nn;
  int groups = unet->config.groups;
  float slope = unet->config.slope;
  DmTensor *h = dm_nn_conv2d(nn, x, b->conv1, NULL, 1, 1);
  dm_nn_advance(&h, dm_nn_group_norm(nn, h, b->norm1_w, b->norm1_b, groups, 1e-5f));
  if (b->noise_w) {
    DmTensor *noise = dm_nn_linear(nn, emb, b->noise_w, b->noise_b);
    dm_nn_advance(&h, dm_nn_add_channel(nn, h, noise));
    dm_tensor_release(noise);
  }
  dm_nn_advance(&h, dm_nn_leaky_relu(nn, h, slope));
  dm_nn_advance(&h, dm_nn_conv2d(nn, h, b->conv2, NULL, 1, 1));
  dm_nn_advance(&h, dm_nn_group_norm(nn, h, b->norm2_w, b->norm2_b, groups, 1e-5f));
  DmTensor *skip = b->skip ? dm_nn_conv2d(nn, x, b->skip, NULL, 1, 0) : x;
  dm_nn_advance(&h, dm_nn_add(nn, h, skip));
  if (skip != x) dm_tensor_release(skip);
  dm_nn_advance(&h, dm_nn_leaky_relu(nn, h, slope));
  return h;
}

DmTensor *dm_unet_forward(DmUNet *unet, DmTensor *x, DmTensor *sigma) {
  DmNn *nn = unet->nn;
  const DmUNetConfig *c = &unet->config;
  if (!x || !dm_nn_ok(nn)) return NULL;
  int64_t multiple = (int64_t)1 << c->depth;
  if (x->shape[1] != c->in_channels || x->shape[2] % multiple || x->shape[3] % multiple) {
    dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT,
               "U-Net: input %lldx%lldx%lld needs %d channels and sides divisible by %lld",
               (long long)x->shape[1], (long long)x->shape[2], (long long)x->shape[3],
               c->in_channels, (long long)multiple);
    return NULL;
  }
  DmTensor *emb = NULL;
  if (c->noise_features > 0) {
    if (!sigma || dm_tensor_numel(sigma) != x->shape[0]) {
      dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT, "U-Net: one noise level per sample is needed");
      return NULL;
    }
    emb = dm_nn_fourier_embedding(nn, sigma, unet->freqs);
    dm_nn_advance(&emb, dm_nn_linear(nn, emb, unet->embed.weight, unet->embed.bias));
    dm_nn_advance(&emb, dm_nn_silu(nn, emb));
  }
  DmTensor *skips[12];
  DmTensor *h = dm_nn_conv2d(nn, x, unet->stem.weight, unet->stem.bias, 1, 1);
  for (int l = 0; l < c->depth; l++) {
    dm_nn_advance(&h, block_forward(unet, &unet->enc[l], h, emb));
    skips[l] = h;  /* kept for the decoder */
    h = dm_nn_conv2d(nn, skips[l], unet->down[l].weight, unet->down[l].bias, 2, 1);
  }
  dm_nn_advance(&h, block_forward(unet, &unet->mid, h, emb));
  for (int j = 0; j < c->depth; j++) {
    DmTensor *skip = skips[c->depth - 1 - j];
    dm_nn_advance(&h, dm_nn_conv_transpose2d(nn, h, unet->up[j].weight, unet->up[j].bias, 2, 0, 0));
    dm_nn_advance(&h, dm_nn_concat(nn, h, skip));
    dm_tensor_release(skip);
    dm_nn_advance(&h, block_forward(unet, &unet->dec[j], h, emb));
  }
  dm_nn_advance(&h, dm_nn_conv2d(nn, h, unet->head.weight, unet->head.bias, 1, 0));
  dm_tensor_release(emb);
  return h;
}

int dm_unet_config_to_metadata(const DmUNetConfig *config, DmNnMetadata **out) {
  enum { COUNT = 8 };
  const char *keys[COUNT] = {"arch", "in_channels", "out_channels", "depth",
                             "base_width", "groups", "slope", "noise_features"};
  char values[COUNT][32];
  snprintf(values[0], sizeof values[0], "unet");
  snprintf(values[1], sizeof values[1], "%d", config->in_channels);
  snprintf(values[2], sizeof values[2], "%d", config->out_channels);
  snprintf(values[3], sizeof values[3], "%d", config->depth);
  snprintf(values[4], sizeof values[4], "%d", config->base_width);
  snprintf(values[5], sizeof values[5], "%d", config->groups);
  snprintf(values[6], sizeof values[6], "%g", config->slope);
  snprintf(values[7], sizeof values[7], "%d", config->noise_features);
  DmNnMetadata *items = calloc(COUNT, sizeof *items);
  bool ok = items != NULL;
  for (int i = 0; ok && i < COUNT; i++) {
    items[i].key = strdup(keys[i]);
    items[i].value = strdup(values[i]);
    ok = items[i].key && items[i].value;
  }
  if (!ok) {
    for (int i = 0; items && i < COUNT; i++) {
      free((char *)items[i].key);
      free((char *)items[i].value);
    }
    free(items);
    *out = NULL;
    return 0;
  }
  *out = items;
  return COUNT;
}

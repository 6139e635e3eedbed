/* Network building blocks: residual block, U-Net (with optional noise-level
 * conditioning), DCGAN generator and discriminator, CNN critic.
 *
 * A module adds its tensors to a DmNnParams under PyTorch's state_dict names
 * of the equivalent torch.nn module, so that weights move between the two
 * unchanged.  Forward functions are differentiable (darkmap/nn-ops.h).
 * They release each intermediate once it is consumed (darkmap/nn.h,
 * "Inference"): with recording off a forward keeps only what it still needs,
 * and returns its output as the one temporary it leaves; the input stays the
 * caller's. */
#ifndef DARKMAP_NN_MODULES_H
#define DARKMAP_NN_MODULES_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/nn-params.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The U-Net of ../shared/bench/README.md ("UNet4-32" with depth 4,
 * base_width 32, groups 8, slope 0.2):
 *   stem conv3x3(in, w0, bias); for each level l < depth: ResBlock(w_l, w_l),
 *   skip, conv3x3 stride 2 (w_l -> 2 w_l, bias); middle ResBlock(2 w_last);
 *   for each level going up: ConvTranspose2d(2c, c, 2, stride 2, bias),
 *   concat [up, skip], ResBlock(2c, c); head conv1x1(w0, out, bias).
 *   w_l = base_width * 2^l.  ResBlock(c, o): h = act(GN(conv3x3(c,o)(x)));
 *   h = GN(conv3x3(o,o)(h)); out = act(h + skip(x)), skip = 1x1 conv when
 *   c != o.  Names: stem.*, enc.l.conv1.weight, enc.l.norm1.{weight,bias},
 *   enc.l.conv2.weight, enc.l.norm2.*, dec.l.skip.weight, down.l.*, mid.*,
 *   up.l.*, dec.l.* (up.0 / dec.0 is the deepest level), head.*.
 * Noise conditioning (noise_features > 0): the Fourier embedding of sigma
 * (F fixed frequencies, buffer "embed.freqs") goes through a linear layer
 * "embed.linear" (2F -> 4 w0) and SiLU, and each ResBlock adds a per-channel
 * bias from its own linear layer ("<block>.noise.{weight,bias}") after its
 * first normalisation. */
typedef struct {
  int in_channels;
  int out_channels;
  int depth;           /* down/up levels, >= 1 */
  int base_width;      /* channels at full resolution */
  int groups;          /* GroupNorm groups; every width must be divisible */
  float slope;         /* LeakyReLU slope */
  int noise_features;  /* 0: no sigma input */
} DmUNetConfig;

DmUNetConfig dm_unet_config_unet4_32(int in_channels);

typedef struct DmUNet DmUNet;

/* Adds the network's tensors to params, initialised with PyTorch's defaults
 * from seed.  The U-Net borrows params. */
DmUNet *dm_unet_new(DmNnParams *params, const DmUNetConfig *config, uint64_t seed,
                    DmError **error);
void dm_unet_free(DmUNet *unet);
const DmUNetConfig *dm_unet_config(const DmUNet *unet);
/* x [N, in, H, W] with H, W divisible by 2^depth; sigma (N) when
 * noise_features > 0, else NULL.  Returns [N, out, H, W].  With recording
 * off its peak memory beyond the parameters and x is 5 A, A = the bytes of
 * one full-resolution activation (N base_width H W floats): the last
 * decoder block's input [up, skip] (2 A) and three of its output's size
 * (tests/nn/test-nn-inference-memory.c derives it); with the tape, every
 * activation is kept (about 36 A at depth 3). */
DmTensor *dm_unet_forward(DmUNet *unet, DmTensor *x, DmTensor *sigma);

/* The architecture as safetensors metadata and back ("arch": "unet",
 * "in_channels": "2", ...).  The strings are owned by the caller (free each
 * key and value, then the array). */
int dm_unet_config_to_metadata(const DmUNetConfig *config, DmNnMetadata **out);

/* DCGAN (CosmoGAN, Mustafa et al. 2019): generator z (z_dim) -> linear to
 * 8*base x 16 x 16 (here base 64: 512) -> BN + ReLU -> four 5x5 stride-2
 * transposed convs (4b, 2b, b, out) with BN + ReLU between, tanh out;
 * output 16 * 2^4 = 256 pixels square.  Discriminator: four 5x5 stride-2
 * convs (b, 2b, 4b, 8b) with LeakyReLU 0.2 and BN after the first, linear to
 * 1 logit (the sigmoid is in the loss). */
typedef struct {
  int z_dim;       /* 64 */
  int base;        /* 64 */
  int out_channels;/* 1 */
  int image_size;  /* 256: 16 * 2^4 */
} DmDcganConfig;

typedef struct DmDcganGenerator DmDcganGenerator;
typedef struct DmDcganDiscriminator DmDcganDiscriminator;
DmDcganGenerator *dm_dcgan_generator_new(DmNnParams *params, const DmDcganConfig *config,
                                         uint64_t seed, DmError **error);
void dm_dcgan_generator_free(DmDcganGenerator *g);
/* z (N, z_dim) -> (N, out, size, size); training selects batch statistics. */
DmTensor *dm_dcgan_generator_forward(DmDcganGenerator *g, DmTensor *z, bool training);
DmDcganDiscriminator *dm_dcgan_discriminator_new(DmNnParams *params, const DmDcganConfig *config,
                                                 uint64_t seed, DmError **error);
void dm_dcgan_discriminator_free(DmDcganDiscriminator *d);
DmTensor *dm_dcgan_discriminator_forward(DmDcganDiscriminator *d, DmTensor *x, bool training);

/* CNN critic for a Wasserstein GAN (MMGAN): six 3x3 convs (widths base,
 * base, 2 base, 2 base, 4 base, 4 base; stride 2 on the 2nd, 4th and 6th)
 * with LeakyReLU 0.2 and no normalisation, global average, linear to 1.
 * spectral_norm wraps every conv and the linear layer (buffers "*.u").
 * Input (N, in_channels, H, W). */
typedef struct {
  int in_channels;
  int base;
  bool spectral_norm;
} DmCriticConfig;

typedef struct DmCritic DmCritic;
DmCritic *dm_critic_new(DmNnParams *params, const DmCriticConfig *config, uint64_t seed,
                        DmError **error);
void dm_critic_free(DmCritic *c);
/* Returns (N, 1, 1, 1) scores. */
DmTensor *dm_critic_forward(DmCritic *c, DmTensor *x, bool training);

#ifdef __cplusplus
}
#endif

#endif

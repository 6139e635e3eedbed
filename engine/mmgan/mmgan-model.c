/* MMGAN networks: construction, the generator and critic passes, the noise
 * code and the condition (darkmap/mmgan.h). */
#include "darkmap/mmgan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-ops.h"

void dm_mmgan_config_init(DmMmganConfig *c) {
  *c = (DmMmganConfig){.nx = 0, .ny = 0, .pixel_arcmin = 0.29, .depth = 4, .base_width = 16,
                       .groups = 4, .z_channels = 2, .critic_base = 16, .kappa_mean = 0.0,
                       .kappa_std = 1.0, .shear_scale = 1.0};
}

/* n rounded up to a multiple of 2^depth. */
static int padded_side(int n, int depth) {
  int m = 1 << depth;
  return (n + m - 1) / m * m;
}

static bool config_valid(const DmMmganConfig *c, DmError **error) {
  bool ok = c->nx >= 4 && c->ny >= 4 && c->nx <= 8192 && c->ny <= 8192 && c->depth >= 1 &&
            c->depth <= 6 && c->base_width >= 1 && c->base_width <= 1024 && c->groups >= 1 &&
            c->base_width % c->groups == 0 && c->z_channels >= 1 && c->z_channels <= 64 &&
            c->critic_base >= 1 && c->critic_base <= 1024 && isfinite(c->kappa_mean) &&
            isfinite(c->kappa_std) && c->kappa_std > 0.0 && isfinite(c->shear_scale) &&
            c->shear_scale > 0.0 && isfinite(c->pixel_arcmin) && c->pixel_arcmin > 0.0;
  if (!ok)
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Invalid MMGAN configuration: grid %d x %d, pixel %g', depth %d, width %d, "
                 "groups %d, %d code channels, critic width %d, kappa std %g, shear scale %g.",
                 c->nx, c->ny, c->pixel_arcmin, c->depth, c->base_width, c->groups,
                 c->z_channels, c->critic_base, c->kappa_std, c->shear_scale);
  return ok;
}

void dm_mmgan_free(DmMmgan *m) {
  if (!m) return;
  dm_unet_free(m->generator);
  dm_critic_free(m->critic);
  dm_nn_params_free(m->generator_params);
  dm_nn_params_free(m->critic_params);
  free(m);
}

DmMmgan *dm_mmgan_new(DmNn *nn, const DmMmganConfig *config, bool with_critic, uint64_t seed,
                      DmError **error) {
  if (!config_valid(config, error)) return NULL;
  DmMmgan *m = calloc(1, sizeof *m);
  if (!m) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the MMGAN networks.");
    return NULL;
  }
  m->nn = nn;
  m->config = *config;
  m->px = padded_side(config->nx, config->depth);
  m->py = padded_side(config->ny, config->depth);
  DmUNetConfig unet = {.in_channels = DM_MMGAN_CONDITION_CHANNELS + config->z_channels,
                       .out_channels = 1, .depth = config->depth,
                       .base_width = config->base_width, .groups = config->groups,
                       .slope = 0.2f, .noise_features = 0};
  DmCriticConfig critic = {.in_channels = 1 + DM_MMGAN_CONDITION_CHANNELS,
                           .base = config->critic_base, .spectral_norm = false};
  bool ok = (m->generator_params = dm_nn_params_new(nn)) &&
            (m->generator = dm_unet_new(m->generator_params, &unet, seed, error));
  if (ok && with_critic)
    ok = (m->critic_params = dm_nn_params_new(nn)) &&
         (m->critic = dm_critic_new(m->critic_params, &critic, seed ^ 0x5DEECE66Dull, error));
  if (!ok) {
    if (dm_nn_take_error(nn, error) && !(error && *error))
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the MMGAN networks.");
    dm_mmgan_free(m);
    return NULL;
  }
  return m;
}

int64_t dm_mmgan_generator_size(const DmMmgan *m) {
  return dm_nn_params_numel(m->generator_params);
}

void dm_mmgan_pad(int nx, int ny, int px, int py, const float *src, float *dst) {
  for (int i = 0; i < py; i++) {
    const float *row = src + (size_t)(i % ny) * (size_t)nx;
    float *out = dst + (size_t)i * (size_t)px;
    for (int j = 0; j < px; j++) out[j] = row[j % nx];
  }
}

void dm_mmgan_condition(const DmMmgan *m, DmKsPlan *plan, const float *g1, const float *g2,
                        const float *mask, float *condition) {
  int nx = m->config.nx, ny = m->config.ny, px = m->px, py = m->py;
  size_t npix = (size_t)nx * (size_t)ny, plane = (size_t)px * (size_t)py;
  /* The KS map goes through the last plane as scratch before its padding. */
  float *ks = condition + 3 * plane;
  dm_ks_plan_shear_to_kappa(plan, g1, g2, ks, NULL);
  float inv = (float)(1.0 / m->config.shear_scale);
  for (size_t i = 0; i < npix; i++) ks[i] *= inv;
  dm_mmgan_pad(nx, ny, px, py, ks, condition + 2 * plane);
  dm_mmgan_pad(nx, ny, px, py, g1, condition);
  dm_mmgan_pad(nx, ny, px, py, g2, condition + plane);
  for (size_t i = 0; i < 2 * plane; i++) condition[i] *= inv;
  dm_mmgan_pad(nx, ny, px, py, mask, condition + 3 * plane);
}

DmTensor *dm_mmgan_generate(DmMmgan *m, DmTensor *condition, DmTensor *z) {
  return dm_unet_forward(m->generator, dm_nn_concat(m->nn, condition, z), NULL);
}

bool dm_mmgan_fill_code(DmMmgan *m, DmTensor *z, uint64_t seed, uint64_t first) {
  DmNn *nn = m->nn;
  int64_t n = z->shape[0], c = z->shape[1];
  /* Sample b is the channel block [b c, (b + 1) c) of z seen as one sample. */
  DmTensor *flat = dm_nn_reshape(nn, z, 1, n * c, z->shape[2], z->shape[3]);
  DmTensor *one = dm_tensor_temp(nn, 1, c, z->shape[2], z->shape[3]);
  bool ok = flat && one;
  for (int64_t b = 0; ok && b < n; b++)
    ok = dm_tensor_fill_normal(one, seed, first + (uint64_t)b, 0.0f, 1.0f) &&
         dm_tensor_copy(dm_tensor_channel_view(flat, b * c, c), one);
  return ok;
}

DmTensor *dm_mmgan_critic(DmMmgan *m, DmTensor *kappa, DmTensor *condition) {
  if (!m->critic) {
    dm_nn_fail(m->nn, DM_ERROR_INVALID_ARGUMENT, "This MMGAN has no critic.");
    return NULL;
  }
  return dm_critic_forward(m->critic, dm_nn_concat(m->nn, kappa, condition), true);
}

/* CosmoGAN networks and the map transform (darkmap/cosmogan.h): the
 * configuration, construction, the latent vectors and the two passes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/cosmogan.h"
#include "darkmap/nn-ops.h"

/* Most training pixels the transform's median is taken over (a regular
 * subsample of a larger set). */
enum { MEDIAN_SAMPLE = 1 << 20 };

void dm_cosmogan_config_init(DmCosmoganConfig *c) {
  *c = (DmCosmoganConfig){.z_dim = 64,
                          .base_width = 64,
                          .size = 256,
                          .pixel_arcmin = 0.29,
                          .transform_a = 1.0,
                          .transform_offset = 0.0};
}

bool dm_cosmogan_config_check(const DmCosmoganConfig *c, DmError **error) {
  if (c->z_dim < 1 || c->z_dim > 4096)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "CosmoGAN: the latent size must be 1 to 4096, not %d.", c->z_dim);
  if (c->base_width < 1 || c->base_width > 1024)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "CosmoGAN: the base width must be 1 to 1024, not %d.", c->base_width);
  if (c->size < 16 || c->size > 4096 || c->size % 16 != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "CosmoGAN: the map side must be a multiple of 16 from 16 to 4096 (four "
                        "stride-2 layers from a 1/16 grid), not %d.",
                        c->size);
  if (!(c->pixel_arcmin > 0.0) || !isfinite(c->pixel_arcmin))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "CosmoGAN: the pixel side must be positive, not %g′.", c->pixel_arcmin);
  if (!(c->transform_a > 0.0) || !isfinite(c->transform_a) || !isfinite(c->transform_offset))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "CosmoGAN: the transform needs a finite a > 0 and a finite offset c, not "
                        "a = %g, c = %g.",
                        c->transform_a, c->transform_offset);
  return true;
}

/* ---- The map transform ---------------------------------------------------------- */

double dm_cosmogan_transform(const DmCosmoganConfig *c, double kappa) {
  double x = kappa + c->transform_offset;
  return 2.0 * x / (x + c->transform_a) - 1.0;
}

double dm_cosmogan_inverse(const DmCosmoganConfig *c, double s) {
  const double largest = 1.0 - 0x1p-24;
  if (s > largest) s = largest;
  return c->transform_a * (1.0 + s) / (1.0 - s) - c->transform_offset;
}

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

bool dm_cosmogan_fit_transform(const float *kappa, size_t n, DmCosmoganConfig *c, DmError **error) {
  if (n == 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "CosmoGAN: no training pixels to fit the transform to.");
  double lo = INFINITY, sum = 0.0, sum2 = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(kappa[i]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "CosmoGAN: training pixel %zu is not finite.", i);
    lo = fmin(lo, kappa[i]);
    sum += kappa[i];
  }
  double mean = sum / (double)n;
  for (size_t i = 0; i < n; i++) sum2 += (kappa[i] - mean) * (kappa[i] - mean);
  double std = sqrt(sum2 / (double)n);
  if (!(std > 0.0))
    return dm_error_set(error, DM_ERROR_NO_DATA, 0,
                        "CosmoGAN: the training pixels are all %g: nothing to learn.", lo);
  size_t stride = n > MEDIAN_SAMPLE ? (n + MEDIAN_SAMPLE - 1) / MEDIAN_SAMPLE : 1;
  size_t m = (n + stride - 1) / stride;
  float *sample = malloc(m * sizeof *sample);
  if (!sample) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  for (size_t i = 0; i < m; i++) sample[i] = kappa[i * stride];
  qsort(sample, m, sizeof *sample, compare_floats);
  double median = m % 2 ? sample[m / 2] : 0.5 * ((double)sample[m / 2 - 1] + sample[m / 2]);
  free(sample);
  c->transform_offset = -lo + 0.1 * std;
  c->transform_a = median + c->transform_offset;
  return true;
}

/* ---- The networks ------------------------------------------------------------------- */

void dm_cosmogan_free(DmCosmogan *m) {
  if (!m) return;
  dm_dcgan_generator_free(m->generator);
  dm_dcgan_discriminator_free(m->discriminator);
  dm_nn_params_free(m->generator_params);
  dm_nn_params_free(m->discriminator_params);
  free(m);
}

static DmDcganConfig dcgan_config(const DmCosmoganConfig *c) {
  return (DmDcganConfig){
      .z_dim = c->z_dim, .base = c->base_width, .out_channels = 1, .image_size = c->size};
}

DmCosmogan *dm_cosmogan_new(DmNn *nn, const DmCosmoganConfig *config, bool with_discriminator,
                            uint64_t seed, DmError **error) {
  if (!dm_cosmogan_config_check(config, error)) return NULL;
  DmCosmogan *m = calloc(1, sizeof *m);
  if (!m) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the CosmoGAN networks.");
    return NULL;
  }
  m->nn = nn;
  m->config = *config;
  DmDcganConfig dcgan = dcgan_config(config);
  bool ok = (m->generator_params = dm_nn_params_new(nn)) &&
            (m->generator = dm_dcgan_generator_new(m->generator_params, &dcgan, seed, error));
  if (ok && with_discriminator)
    ok = (m->discriminator_params = dm_nn_params_new(nn)) &&
         (m->discriminator = dm_dcgan_discriminator_new(m->discriminator_params, &dcgan,
                                                        seed ^ 0x5DEECE66Dull, error));
  if (!ok) {
    if (dm_nn_take_error(nn, error) && !(error && *error))
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the CosmoGAN networks.");
    dm_cosmogan_free(m);
    return NULL;
  }
  return m;
}

int64_t dm_cosmogan_generator_size(const DmCosmogan *m) {
  return dm_nn_params_numel(m->generator_params);
}

bool dm_cosmogan_fill_latent(DmCosmogan *m, DmTensor *z, uint64_t seed, uint64_t first) {
  DmNn *nn = m->nn;
  int64_t n = z->shape[0], c = z->shape[1];
  /* Row b is the channel block [b c, (b + 1) c) of z seen as one sample. */
  DmTensor *flat = dm_nn_reshape(nn, z, 1, n * c, 1, 1);
  DmTensor *one = dm_tensor_temp(nn, 1, c, 1, 1);
  bool ok = flat && one;
  for (int64_t b = 0; ok && b < n; b++) {
    DmTensor *row = dm_tensor_channel_view(flat, b * c, c);
    ok = dm_tensor_fill_normal(one, seed, first + (uint64_t)b, 0.0f, 1.0f) &&
         dm_tensor_copy(row, one);
    dm_tensor_release(row);
  }
  dm_tensor_release(one);
  dm_tensor_release(flat);
  return ok;
}

DmTensor *dm_cosmogan_forward_generator(DmCosmogan *m, DmTensor *z, bool training) {
  return dm_dcgan_generator_forward(m->generator, z, training);
}

DmTensor *dm_cosmogan_forward_discriminator(DmCosmogan *m, DmTensor *maps, bool training) {
  if (!m->discriminator) {
    dm_nn_fail(m->nn, DM_ERROR_INVALID_ARGUMENT, "This CosmoGAN has no discriminator.");
    return NULL;
  }
  return dm_dcgan_discriminator_forward(m->discriminator, maps, training);
}

DmWcs *dm_cosmogan_wcs(const DmCosmoganConfig *c, double ra, double dec, DmError **error) {
  return dm_wcs_new_grid(DM_PROJECTION_TAN, ra, dec, c->pixel_arcmin / 60.0, c->size, c->size, true,
                         error);
}

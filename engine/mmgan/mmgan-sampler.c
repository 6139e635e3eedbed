/* Posterior samples from a trained MMGAN generator, and their posterior
 * file (darkmap/mmgan.h). */
#include "darkmap/mmgan.h"

#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"

/* The first count samples of a batch of conditions, as a new temporary. */
static DmTensor *first_samples(DmMmgan *m, DmTensor *condition, int batch, int count) {
  DmNn *nn = m->nn;
  int64_t c = DM_MMGAN_CONDITION_CHANNELS;
  DmTensor *flat = dm_nn_reshape(nn, condition, 1, batch * c, m->py, m->px);
  DmTensor *part = dm_tensor_temp(nn, 1, count * c, m->py, m->px);
  if (!flat || !part || !dm_tensor_copy(part, dm_tensor_channel_view(flat, 0, count * c)))
    return NULL;
  return dm_nn_reshape(nn, part, count, c, m->py, m->px);
}

bool dm_mmgan_sample(DmMmgan *m, const float *g1, const float *g2, const float *mask, int n,
                     int batch, uint64_t seed, float *samples, const DmProgress *progress,
                     DmError **error) {
  if (n < 1 || batch < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "MMGAN sampling needs at least one sample and a positive batch (%d, %d).",
                        n, batch);
  if (batch > n) batch = n;
  DmNn *nn = m->nn;
  size_t plane = (size_t)m->px * (size_t)m->py;
  size_t cond_size = DM_MMGAN_CONDITION_CHANNELS * plane;
  float *one = malloc(cond_size * sizeof(float));
  float *host_cond = malloc((size_t)batch * cond_size * sizeof(float));
  DmKsPlan *plan = one && host_cond ? dm_ks_plan_new(m->config.nx, m->config.ny, error) : NULL;
  if (!plan) {
    free(one);
    free(host_cond);
    if (!(error && *error))
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for MMGAN sampling.");
    return false;
  }
  dm_mmgan_condition(m, plan, g1, g2, mask, one);
  dm_ks_plan_free(plan);
  for (int b = 0; b < batch; b++)
    memcpy(host_cond + (size_t)b * cond_size, one, cond_size * sizeof(float));
  free(one);
  /* The condition of a full batch stays on the device for every call. */
  DmTensor *condition = dm_tensor_new(nn, batch, DM_MMGAN_CONDITION_CHANNELS, m->py, m->px);
  bool ok = condition && dm_tensor_upload(condition, host_cond, (size_t)batch * cond_size);
  free(host_cond);
  bool recording = dm_nn_set_recording(nn, false);
  for (int first = 0; ok && first < n; first += batch) {
    if (!dm_progress_check_cancel(progress, error)) {
      ok = false;
      break;
    }
    int count = n - first < batch ? n - first : batch;
    DmTensor *cond = count == batch ? condition : first_samples(m, condition, batch, count);
    DmTensor *z = dm_tensor_temp(nn, count, m->config.z_channels, m->py, m->px);
    ok = cond && z && dm_mmgan_fill_code(m, z, seed, (uint64_t)first);
    DmTensor *kappa = ok ? dm_mmgan_generate(m, cond, z) : NULL;
    /* Cropped back to the survey grid and denormalised on the device. */
    if (m->px != m->config.nx || m->py != m->config.ny)
      kappa = dm_nn_periodic_window(nn, kappa, m->config.ny, m->config.nx);
    kappa = dm_nn_scale(nn, kappa, (float)m->config.kappa_std, (float)m->config.kappa_mean);
    size_t npix = (size_t)m->config.nx * (size_t)m->config.ny;
    ok = kappa && dm_tensor_download(kappa, samples + (size_t)first * npix, (size_t)count * npix);
    for (int j = 0; ok && j < count; j++) {
      float *sample = samples + (size_t)(first + j) * npix;
      dm_plane_remove_mean(sample, sample, npix);
    }
    dm_nn_clear(nn);
    dm_progress_report(progress, (double)(first + count) / n, "MMGAN sampling");
  }
  dm_nn_set_recording(nn, recording);
  dm_tensor_free(condition);
  if (!dm_nn_take_error(nn, error)) return false;
  if (!ok && !(error && *error))
    dm_error_set(error, DM_ERROR_FAILED, 0, "The MMGAN generator did not run.");
  return ok;
}

DmPosterior *dm_mmgan_posterior_new(const DmMmgan *m, const float *samples, int n,
                                    const DmWcs *wcs, uint64_t seed, DmError **error) {
  const DmMmganConfig *c = &m->config;
  if (n < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "An MMGAN posterior needs samples.");
    return NULL;
  }
  DmMap *cube = dm_map_new(c->nx, c->ny, n, wcs, error);
  if (!cube) return NULL;
  memcpy(cube->data, samples, (size_t)n * dm_map_plane_size(cube) * sizeof(float));
  DmPosterior *p = dm_posterior_new(NULL, cube, error);
  DmMap *mean = p ? p->mean : NULL;
  bool ok = mean &&
            dm_map_set_string(mean, "METHOD", "MMGAN", "conditional GAN posterior samples",
                              error) &&
            dm_map_set_int(mean, "GDEPTH", c->depth, "generator U-Net levels", error) &&
            dm_map_set_int(mean, "GWIDTH", c->base_width, "generator U-Net base width", error) &&
            dm_map_set_int(mean, "ZCHAN", c->z_channels, "noise code channels", error) &&
            dm_map_set_int(mean, "GPARAMS", (long)dm_mmgan_generator_size(m),
                           "generator parameters", error) &&
            dm_map_set_double(mean, "KAPMEAN", c->kappa_mean, "training kappa mean", error) &&
            dm_map_set_double(mean, "KAPSTD", c->kappa_std, "training kappa std", error) &&
            dm_map_set_double(mean, "SHSCALE", c->shear_scale, "shear input scale", error) &&
            dm_map_set_int(mean, "SEED", (long)seed, "seed of the noise codes", error) &&
            dm_map_set_int(mean, "NSAMPLES", n, "generator samples", error) &&
            dm_map_set_bool(mean, "ZEROMEAN", true, "each sample's grid mean removed", error);
  if (!ok) {
    dm_posterior_free(p);
    return NULL;
  }
  return p;
}

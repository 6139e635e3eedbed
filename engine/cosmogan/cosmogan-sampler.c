/* Maps of kappa from a trained CosmoGAN generator (darkmap/cosmogan.h). */
#include <stdlib.h>

#include "darkmap/cosmogan.h"
#include "darkmap/nn-autograd.h"

bool dm_cosmogan_sample(DmCosmogan *m, uint64_t first_map, int n, int batch, uint64_t seed,
                        float *maps, const DmProgress *progress, DmError **error) {
  if (n < 1 || batch < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "CosmoGAN sampling needs at least one map and a positive batch (%d, %d).",
                        n, batch);
  if (batch > n) batch = n;
  DmNn *nn = m->nn;
  size_t npix = (size_t)m->config.size * (size_t)m->config.size;
  bool recording = dm_nn_set_recording(nn, false);
  bool ok = true;
  for (int first = 0; ok && first < n; first += batch) {
    if (!dm_progress_check_cancel(progress, error)) {
      ok = false;
      break;
    }
    int count = n - first < batch ? n - first : batch;
    DmTensor *z = dm_tensor_temp(nn, count, m->config.z_dim, 1, 1);
    ok = z && dm_cosmogan_fill_latent(m, z, seed, first_map + (uint64_t)first);
    DmTensor *s = ok ? dm_cosmogan_forward_generator(m, z, false) : NULL;
    float *out = maps + (size_t)first * npix;
    ok = s && dm_tensor_download(s, out, (size_t)count * npix);
    dm_nn_clear(nn);
    /* The inverse transform on the host, in double. */
    for (size_t i = 0; ok && i < (size_t)count * npix; i++)
      out[i] = (float)dm_cosmogan_inverse(&m->config, out[i]);
    dm_progress_report(progress, (double)(first + count) / n, "CosmoGAN sampling");
  }
  dm_nn_set_recording(nn, recording);
  if (!dm_nn_take_error(nn, error)) return false;
  if (!ok && !(error && *error))
    dm_error_set(error, DM_ERROR_FAILED, 0, "The CosmoGAN generator did not run.");
  return ok;
}

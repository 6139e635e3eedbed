/* The network residual of the hybrid prior score (darkmap/score-network.h). */
#include "darkmap/score-network.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"

/* The next multiple of m from n. */
static int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

DmTensor *dm_score_network_forward(DmScoreNetwork *network, DmTensor *kappa, double sigma) {
  DmNn *nn = network->nn;
  if (!kappa || !dm_nn_ok(nn)) return NULL;
  const int64_t n = kappa->shape[0], h = kappa->shape[2], w = kappa->shape[3];
  const int64_t multiple = (int64_t)1 << dm_unet_config(network->unet)->depth;
  const int64_t hp = round_up(h, multiple), wp = round_up(w, multiple);

  /* Each intermediate is released once consumed (darkmap/nn.h, "Inference"). */
  DmTensor *x = dm_nn_scale(nn, kappa, (float)(1.0 / sqrt(network->data_variance + sigma * sigma)),
                            0.0f);
  if (hp != h || wp != w) {
    DmTensor *padded = dm_nn_periodic_window(nn, x, hp, wp);
    dm_tensor_release(x);
    x = padded;
  }
  DmTensor *sigmas = dm_tensor_temp(nn, n, 1, 1, 1);
  if (!sigmas || !dm_tensor_fill(sigmas, (float)sigma)) return NULL;
  DmTensor *out = dm_unet_forward(network->unet, x, sigmas);
  dm_tensor_release(x);
  dm_tensor_release(sigmas);
  if (hp != h || wp != w) {
    DmTensor *cropped = dm_nn_periodic_window(nn, out, h, w);
    dm_tensor_release(out);
    out = cropped;
  }
  DmTensor *residual = dm_nn_scale(nn, out, (float)(1.0 / sigma), 0.0f);
  dm_tensor_release(out);
  return residual;
}

bool dm_score_network_residual(void *user_data, const float *kappa, int n, int nx, int ny,
                               double sigma, float *residual, DmError **error) {
  DmScoreNetwork *net = user_data;
  DmNn *nn = net->nn;
  size_t total = (size_t)n * (size_t)nx * (size_t)ny;
  bool recording = dm_nn_is_recording(nn);
  dm_nn_set_recording(nn, false);
  DmTensor *x = dm_tensor_temp(nn, n, 1, ny, nx);
  bool ok = x && dm_tensor_upload(x, kappa, total);
  DmTensor *out = ok ? dm_score_network_forward(net, x, sigma) : NULL;
  ok = out && dm_tensor_download(out, residual, total);
  dm_nn_clear(nn);
  dm_nn_set_recording(nn, recording);
  if (!dm_nn_take_error(nn, error)) return false;
  if (!ok) return dm_error_set(error, DM_ERROR_FAILED, 0, "The score network did not run.");
  return true;
}

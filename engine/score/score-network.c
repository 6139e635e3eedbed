/* The network residual of the hybrid prior score (darkmap/score-network.h). */
#include "darkmap/score-network.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap/nn-autograd.h"

bool dm_score_network_residual(void *user_data, const float *kappa, int n, int nx, int ny,
                               double sigma, float *residual, DmError **error) {
  DmScoreNetwork *net = user_data;
  DmNn *nn = net->nn;
  size_t total = (size_t)n * (size_t)nx * (size_t)ny;
  float *input = malloc(total * sizeof(float)), *sigmas = malloc((size_t)n * sizeof(float));
  if (!input || !sigmas) {
    free(input);
    free(sigmas);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the network input.");
  }
  double c_in = 1.0 / sqrt(net->data_variance + sigma * sigma);
  for (size_t i = 0; i < total; i++) input[i] = (float)(c_in * kappa[i]);
  for (int b = 0; b < n; b++) sigmas[b] = (float)sigma;

  bool recording = dm_nn_is_recording(nn);
  dm_nn_set_recording(nn, false);
  DmTensor *x = dm_tensor_temp(nn, n, 1, ny, nx), *s = dm_tensor_temp(nn, n, 1, 1, 1);
  bool ok = x && s && dm_tensor_upload(x, input, total) &&
            dm_tensor_upload(s, sigmas, (size_t)n);
  DmTensor *out = ok ? dm_unet_forward(net->unet, x, s) : NULL;
  ok = out && dm_tensor_download(out, residual, total);
  dm_nn_clear(nn);
  dm_nn_set_recording(nn, recording);
  free(input);
  free(sigmas);
  if (!dm_nn_take_error(nn, error)) return false;
  if (!ok) return dm_error_set(error, DM_ERROR_FAILED, 0, "The score network did not run.");
  for (size_t i = 0; i < total; i++) residual[i] = (float)(residual[i] / sigma);
  return true;
}

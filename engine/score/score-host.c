/* The host samplers' CPU context and residual adapter (score-host-private.h). */
#include <stdlib.h>
#include <string.h>

#include "score/score-host-private.h"

/* r(kappa, sigma) of the host callback for the chains kappa [n, 1, ny, nx]. */
static DmTensor *host_residual(void *user_data, DmTensor *kappa, double sigma) {
  DmScoreHost *h = user_data;
  DmNn *nn = h->nn;
  size_t total = (size_t)dm_tensor_numel(kappa);
  if (total > h->capacity) {
    float *k = realloc(h->kappa, total * sizeof *k);
    if (k) h->kappa = k;
    float *o = k ? realloc(h->out, total * sizeof *o) : NULL;
    if (o) h->out = o;
    if (!k || !o) {
      dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "Out of memory for the network residual.");
      return NULL;
    }
    h->capacity = total;
  }
  if (!dm_tensor_download(kappa, h->kappa, total)) return NULL;
  DmError *error = NULL;
  if (!h->residual(h->residual_data, h->kappa, (int)kappa->shape[0], (int)kappa->shape[3],
                   (int)kappa->shape[2], sigma, h->out, &error)) {
    dm_nn_fail(nn, error ? error->code : DM_ERROR_FAILED, "Network residual of the prior score: %s",
               error ? error->message : "failed");
    dm_error_clear(&error);
    return NULL;
  }
  DmTensor *out = dm_tensor_temp(nn, kappa->shape[0], 1, kappa->shape[2], kappa->shape[3]);
  return out && dm_tensor_upload(out, h->out, total) ? out : NULL;
}

bool dm_score_host_init(DmScoreHost *h, DmScorePrior *prior, DmScoreLikelihood *likelihood,
                        DmScoreResidualFunc residual, void *residual_data, DmError **error) {
  memset(h, 0, sizeof *h);
  h->residual = residual;
  h->residual_data = residual_data;
  h->nn = dm_nn_new(DM_NN_DEVICE_CPU, 1, error);
  h->device = h->nn ? dm_score_device_new(h->nn, prior, likelihood,
                                          residual ? host_residual : NULL, h, error)
                    : NULL;
  if (!h->device) {
    dm_score_host_clear(h);
    return false;
  }
  return true;
}

void dm_score_host_clear(DmScoreHost *h) {
  dm_score_device_free(h->device);
  dm_nn_free(h->nn);
  free(h->kappa);
  free(h->out);
  memset(h, 0, sizeof *h);
}

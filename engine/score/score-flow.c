/* Probability-flow ODE sampling with Heun steps (darkmap/score-flow.h) on
 * host arrays: the device flow on a CPU context (score-host-private.h). */
#include "darkmap/score-flow.h"

#include <math.h>

#include "score/score-host-private.h"

void dm_score_flow_options_init(DmScoreFlowOptions *options) {
  *options = (DmScoreFlowOptions){.sigma_max = 0.2, .sigma_min = 1e-3, .n_steps = 32,
                                  .n_corrector = 2, .corrector_scale = 0.7, .seed = 1};
}

bool dm_score_flow_options_check(const DmScoreFlowOptions *o, DmError **error) {
  if (!(o->sigma_min > 0.0 && o->sigma_max > o->sigma_min && isfinite(o->sigma_max)) ||
      o->n_steps < 1 || o->n_corrector < 0 ||
      !(o->corrector_scale > 0.0 && o->corrector_scale < 1.0))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The flow needs 0 < sigma_min < sigma_max, a step, correctors >= 0 and a "
                        "corrector scale in (0, 1).");
  return true;
}

double dm_score_flow_sigma(const DmScoreFlowOptions *o, int k) {
  return o->sigma_max * exp(log(o->sigma_min / o->sigma_max) / o->n_steps * k);
}

bool dm_score_flow_run(DmScorePrior *prior, DmScoreLikelihood *likelihood,
                       DmScoreResidualFunc residual, void *residual_data,
                       const DmScoreFlowOptions *options, int first_chain, int n_chains,
                       float *samples, long *gradients, const DmProgress *progress,
                       DmError **error) {
  DmScoreHost host;
  if (!dm_score_host_init(&host, prior, likelihood, residual, residual_data, error)) return false;
  bool ok = dm_score_device_flow(host.device, options, first_chain, n_chains, samples, gradients,
                                 progress, error);
  dm_score_host_clear(&host);
  return ok;
}

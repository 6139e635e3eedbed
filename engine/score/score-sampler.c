/* Annealed Hamiltonian Monte Carlo on the score of the smoothed posterior
 * (darkmap/score.h), on host arrays: the device sampler on a CPU context
 * (score-host-private.h). */
#include "darkmap/score.h"

#include <math.h>
#include <stdlib.h>

#include "score/score-host-private.h"

struct DmScoreSampler {
  DmScoreHost host;
  DmScoreSamplerOptions options;
};

void dm_score_sampler_options_init(DmScoreSamplerOptions *o) {
  o->sigma_max = 0.2;
  o->sigma_min = 1e-3;
  o->n_levels = 40;
  o->n_leapfrog = 10;
  o->step_scale = 0.5;
  o->n_final = 20;
  o->metropolis = false;
  o->seed = 1;
}

bool dm_score_sampler_options_check(const DmScoreSamplerOptions *o, DmError **error) {
  if (!(o->sigma_max >= o->sigma_min) || !(o->sigma_min > 0.0) || !isfinite(o->sigma_max) ||
      o->n_levels < 2 || o->n_leapfrog < 1 || !(o->step_scale > 0.0) ||
      !isfinite(o->step_scale) || o->n_final < 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Invalid sampler settings: sigma %g to %g over %d levels, %d leapfrog "
                        "steps of %g sigma, %d final trajectories.",
                        o->sigma_max, o->sigma_min, o->n_levels, o->n_leapfrog, o->step_scale,
                        o->n_final);
  return true;
}

double dm_score_sampler_sigma(const DmScoreSamplerOptions *o, int t) {
  int level = t < o->n_levels ? t : o->n_levels - 1;
  return o->sigma_max *
         pow(o->sigma_min / o->sigma_max, (double)level / (double)(o->n_levels - 1));
}

DmScoreSampler *dm_score_sampler_new(DmScorePrior *prior, DmScoreLikelihood *likelihood,
                                     DmScoreResidualFunc residual, void *residual_data,
                                     const DmScoreSamplerOptions *options, DmError **error) {
  DmScoreSamplerOptions o;
  if (options) o = *options;
  else dm_score_sampler_options_init(&o);
  if (!dm_score_sampler_options_check(&o, error)) return NULL;
  DmScoreSampler *s = calloc(1, sizeof *s);
  if (!s) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the sampler.");
    return NULL;
  }
  s->options = o;
  if (!dm_score_host_init(&s->host, prior, likelihood, residual, residual_data, error)) {
    free(s);
    return NULL;
  }
  return s;
}

void dm_score_sampler_free(DmScoreSampler *sampler) {
  if (!sampler) return;
  dm_score_host_clear(&sampler->host);
  free(sampler);
}

bool dm_score_sampler_run(DmScoreSampler *s, int first_chain, int n_chains, float *samples,
                          DmScoreSamplerStats *stats, const DmProgress *progress,
                          DmError **error) {
  return dm_score_device_hmc(s->host.device, &s->options, first_chain, n_chains, samples, stats,
                             progress, error);
}

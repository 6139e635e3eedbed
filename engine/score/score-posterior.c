/* The posterior file of score-based samples (darkmap/score.h). */
#include "darkmap/score-flow.h"
#include "darkmap/score.h"

#include <string.h>

/* The sampler's settings on the mean map. */
static bool describe(DmMap *mean, const DmScoreSamplerOptions *o, int n_samples, bool hybrid,
                     DmError **error) {
  return dm_map_set_string(mean, "METHOD", "SCORE-HMC", "annealed HMC on the posterior score",
                           error) &&
         dm_map_set_bool(mean, "HYBRID", hybrid, "prior: theory score + network residual",
                         error) &&
         dm_map_set_double(mean, "SIGMAX", o->sigma_max, "first noise level", error) &&
         dm_map_set_double(mean, "SIGMIN", o->sigma_min, "last noise level", error) &&
         dm_map_set_int(mean, "NLEVELS", o->n_levels, "geometric noise levels", error) &&
         dm_map_set_int(mean, "NLEAP", o->n_leapfrog, "leapfrog steps per trajectory", error) &&
         dm_map_set_double(mean, "STEPSC", o->step_scale, "step size / sigma", error) &&
         dm_map_set_int(mean, "NFINAL", o->n_final, "trajectories at the last level", error) &&
         dm_map_set_bool(mean, "METROP", o->metropolis, "Gaussian Metropolis correction",
                         error) &&
         dm_map_set_int(mean, "SEED", (long)o->seed, "seed of the chains", error) &&
         dm_map_set_int(mean, "NSAMPLES", n_samples, "chains (one sample each)", error);
}

static bool describe_flow(DmMap *mean, const DmScoreFlowOptions *o, int n_samples, bool hybrid,
                          DmError **error) {
  return dm_map_set_string(mean, "METHOD", "SCORE-FLOW",
                           "probability flow + Langevin correctors on the score", error) &&
         dm_map_set_bool(mean, "HYBRID", hybrid, "prior: theory score + network residual",
                         error) &&
         dm_map_set_double(mean, "SIGMAX", o->sigma_max, "first noise level", error) &&
         dm_map_set_double(mean, "SIGMIN", o->sigma_min, "last noise level", error) &&
         dm_map_set_int(mean, "NSTEPS", o->n_steps, "Heun steps", error) &&
         dm_map_set_int(mean, "NCORR", o->n_corrector, "Langevin correctors per step", error) &&
         dm_map_set_double(mean, "CORRSC", o->corrector_scale, "corrector step / sigma", error) &&
         dm_map_set_int(mean, "SEED", (long)o->seed, "seed of the chains", error) &&
         dm_map_set_int(mean, "NSAMPLES", n_samples, "chains (one sample each)", error);
}

/* The posterior of n_samples maps, without its provenance. */
static DmPosterior *posterior_of(const float *samples, int n_samples, int nx, int ny,
                                 const DmWcs *wcs, DmError **error) {
  if (n_samples < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "A score posterior needs samples.");
    return NULL;
  }
  DmMap *cube = dm_map_new(nx, ny, n_samples, wcs, error);
  if (!cube) return NULL;
  memcpy(cube->data, samples, (size_t)n_samples * dm_map_plane_size(cube) * sizeof(float));
  return dm_posterior_new(NULL, cube, error);
}

DmPosterior *dm_score_flow_posterior_new(const float *samples, int n_samples, int nx, int ny,
                                         const DmWcs *wcs, const DmScoreFlowOptions *options,
                                         bool hybrid, DmError **error) {
  DmPosterior *posterior = posterior_of(samples, n_samples, nx, ny, wcs, error);
  if (posterior && !describe_flow(posterior->mean, options, n_samples, hybrid, error)) {
    dm_posterior_free(posterior);
    return NULL;
  }
  return posterior;
}

DmPosterior *dm_score_posterior_new(const float *samples, int n_samples, int nx, int ny,
                                    const DmWcs *wcs, const DmScoreSamplerOptions *options,
                                    bool hybrid, DmError **error) {
  DmPosterior *posterior = posterior_of(samples, n_samples, nx, ny, wcs, error);
  if (posterior && !describe(posterior->mean, options, n_samples, hybrid, error)) {
    dm_posterior_free(posterior);
    return NULL;
  }
  return posterior;
}

/* Probability-flow ODE sampling with Heun steps (darkmap/score-flow.h). */
#include "darkmap/score-flow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/rng.h"

void dm_score_flow_options_init(DmScoreFlowOptions *options) {
  *options = (DmScoreFlowOptions){.sigma_max = 0.2, .sigma_min = 1e-3, .n_steps = 32,
                                  .n_corrector = 2, .corrector_scale = 0.7, .seed = 1};
}

typedef struct {
  DmScorePrior *prior;
  DmScoreLikelihood *likelihood;
  DmScoreResidualFunc residual;
  void *residual_data;
  int n, nx, ny;
  size_t npix;
  float *work;  /* npix */
  float *res;   /* n × npix, residual only */
} Flow;

/* d = −sigma × score of the n maps x: the ODE's velocity dx/dsigma. */
static bool velocity(Flow *f, const float *x, double sigma, float *d, DmError **error) {
  for (int c = 0; c < f->n; c++) {
    const float *xc = x + (size_t)c * f->npix;
    float *dc = d + (size_t)c * f->npix;
    dm_score_likelihood_gradient(f->likelihood, xc, sigma, dc);
    dm_score_prior_score(f->prior, xc, sigma, f->work);
    for (size_t i = 0; i < f->npix; i++) dc[i] += f->work[i];
  }
  size_t total = (size_t)f->n * f->npix;
  if (f->residual) {
    if (!f->residual(f->residual_data, x, f->n, f->nx, f->ny, sigma, f->res, error)) {
      dm_error_prefix(error, "Network residual of the prior score");
      return false;
    }
    for (size_t i = 0; i < total; i++) d[i] += f->res[i];
  }
  for (size_t i = 0; i < total; i++) d[i] = (float)(-sigma * d[i]);
  return true;
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

static bool check(DmScorePrior *prior, DmScoreLikelihood *likelihood,
                  const DmScoreFlowOptions *o, int n_chains, const float *samples,
                  DmError **error) {
  if (!prior || !likelihood || !o || !samples || n_chains < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The flow sampler needs a prior, a likelihood, options and chains.");
  if (!dm_score_flow_options_check(o, error)) return false;
  int nx, ny, lx, ly;
  dm_score_prior_size(prior, &nx, &ny);
  dm_score_likelihood_size(likelihood, &lx, &ly);
  if (nx != lx || ny != ly)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The prior (%d × %d) and the likelihood (%d × %d) differ in grid.", nx,
                        ny, lx, ly);
  return true;
}

bool dm_score_flow_run(DmScorePrior *prior, DmScoreLikelihood *likelihood,
                       DmScoreResidualFunc residual, void *residual_data,
                       const DmScoreFlowOptions *options, int first_chain, int n_chains,
                       float *samples, long *gradients, const DmProgress *progress,
                       DmError **error) {
  if (!check(prior, likelihood, options, n_chains, samples, error)) return false;
  Flow f = {prior, likelihood, residual, residual_data, n_chains, 0, 0, 0, NULL, NULL};
  dm_score_prior_size(prior, &f.nx, &f.ny);
  f.npix = (size_t)f.nx * f.ny;
  size_t total = (size_t)n_chains * f.npix;
  float *x = malloc(total * sizeof(float)), *d0 = malloc(total * sizeof(float));
  float *x1 = malloc(total * sizeof(float)), *d1 = malloc(total * sizeof(float));
  f.work = malloc(f.npix * sizeof(float));
  f.res = residual ? malloc(total * sizeof(float)) : NULL;
  bool ok = x && d0 && x1 && d1 && f.work && (!residual || f.res);
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %d chains.", n_chains);
  const DmScoreFlowOptions *o = options;
  DmRng *rng = ok ? malloc((size_t)n_chains * sizeof(DmRng)) : NULL;
  if (ok && !rng) ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  double start_std = sqrt(dm_score_prior_variance(prior, o->sigma_max));
  for (int c = 0; ok && c < n_chains; c++) {
    dm_rng_init(&rng[c], o->seed, (uint64_t)first_chain + (uint64_t)c);
    for (size_t i = 0; i < f.npix; i++)
      x[(size_t)c * f.npix + i] = (float)(start_std * dm_rng_normal(&rng[c]));
  }
  long evaluations = 0;
  for (int step = 0; ok && step < o->n_steps; step++) {
    double s0 = dm_score_flow_sigma(o, step), s1 = dm_score_flow_sigma(o, step + 1);
    double h = s1 - s0;
    ok = velocity(&f, x, s0, d0, error);
    evaluations++;
    for (size_t i = 0; ok && i < total; i++) x1[i] = (float)(x[i] + h * d0[i]);
    /* Heun's correction, except on the last step (Karras et al. 2022). */
    if (ok && step + 1 < o->n_steps) {
      ok = velocity(&f, x1, s1, d1, error);
      evaluations++;
      for (size_t i = 0; ok && i < total; i++) x1[i] = (float)(x[i] + 0.5 * h * (d0[i] + d1[i]));
    }
    float *swap = x;
    x = x1;
    x1 = swap;
    /* Langevin corrector steps at s1: x += eps s + sqrt(2 eps) z, where
     * d = −s1 s. */
    double eps = (o->corrector_scale * s1) * (o->corrector_scale * s1);
    for (int k = 0; ok && k < o->n_corrector; k++) {
      ok = velocity(&f, x, s1, d1, error);
      evaluations++;
      for (int c = 0; ok && c < n_chains; c++)
        for (size_t i = 0; i < f.npix; i++) {
          size_t j = (size_t)c * f.npix + i;
          x[j] = (float)(x[j] - eps / s1 * d1[j] + sqrt(2.0 * eps) * dm_rng_normal(&rng[c]));
        }
    }
    ok = ok && dm_progress_check_cancel(progress, error);
    dm_progress_report(progress, (step + 1.0) / o->n_steps, "Probability flow");
  }
  if (ok) memcpy(samples, x, total * sizeof(float));
  if (ok && gradients) *gradients = evaluations;
  free(x);
  free(x1);
  free(d0);
  free(d1);
  free(f.work);
  free(f.res);
  free(rng);
  return ok;
}

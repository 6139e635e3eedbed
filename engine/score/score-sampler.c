/* Annealed Hamiltonian Monte Carlo on the score of the smoothed posterior
 * (darkmap/score.h). */
#include "darkmap/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/rng.h"

struct DmScoreSampler {
  DmScorePrior *prior;            /* borrowed */
  DmScoreLikelihood *likelihood;  /* borrowed */
  DmScoreResidualFunc residual;   /* may be NULL */
  void *residual_data;
  DmScoreSamplerOptions options;
  int nx, ny;
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
  int nx, ny, lx, ly;
  dm_score_prior_size(prior, &nx, &ny);
  dm_score_likelihood_size(likelihood, &lx, &ly);
  if (nx != lx || ny != ly) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The prior (%d × %d) and the likelihood (%d × %d) are not on one grid.", nx, ny,
                 lx, ly);
    return NULL;
  }
  DmScoreSampler *s = calloc(1, sizeof *s);
  if (!s) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the sampler.");
    return NULL;
  }
  s->prior = prior;
  s->likelihood = likelihood;
  s->residual = residual;
  s->residual_data = residual_data;
  s->options = o;
  s->nx = nx;
  s->ny = ny;
  return s;
}

void dm_score_sampler_free(DmScoreSampler *sampler) {
  free(sampler);
}

/* Work of one batch: n chains of npix pixels. */
typedef struct {
  int n;
  size_t npix;
  float *x, *p, *g;     /* state, momentum, score at x: n * npix each */
  float *x0, *g0;       /* state and score at the start of a trajectory: n * npix each */
  float *res;           /* network residual, n * npix */
  float *prior_score;   /* npix, work */
  double *h0;           /* Hamiltonian at the start of a trajectory, n */
  DmRng *rng;           /* one per chain, n */
} Batch;

static void batch_free(Batch *b) {
  float *arrays[] = {b->x, b->p, b->g, b->x0, b->g0, b->res, b->prior_score};
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) free(arrays[i]);
  free(b->h0);
  free(b->rng);
}

static bool batch_init(Batch *b, int n, size_t npix, DmError **error) {
  memset(b, 0, sizeof *b);
  b->n = n;
  b->npix = npix;
  size_t total = (size_t)n * npix;
  float **arrays[] = {&b->x, &b->p, &b->g, &b->x0, &b->g0, &b->res};
  bool ok = true;
  for (size_t i = 0; ok && i < sizeof arrays / sizeof arrays[0]; i++)
    ok = (*arrays[i] = malloc(total * sizeof(float))) != NULL;
  ok = ok && (b->prior_score = malloc(npix * sizeof(float))) &&
       (b->h0 = malloc((size_t)n * sizeof(double))) && (b->rng = malloc((size_t)n * sizeof(DmRng)));
  if (!ok) {
    batch_free(b);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %d chains.", n);
  }
  return true;
}

/* b->g = score of the smoothed posterior at b->x for every chain. */
static bool score(DmScoreSampler *s, Batch *b, double sigma, DmError **error) {
  for (int c = 0; c < b->n; c++) {
    float *x = b->x + (size_t)c * b->npix, *g = b->g + (size_t)c * b->npix;
    dm_score_likelihood_gradient(s->likelihood, x, sigma, g);
    dm_score_prior_score(s->prior, x, sigma, b->prior_score);
    for (size_t i = 0; i < b->npix; i++) g[i] += b->prior_score[i];
  }
  if (!s->residual) return true;
  size_t total = (size_t)b->n * b->npix;
  if (!s->residual(s->residual_data, b->x, b->n, s->nx, s->ny, sigma, b->res, error)) {
    dm_error_prefix(error, "Network residual of the prior score");
    return false;
  }
  for (size_t i = 0; i < total; i++) b->g[i] += b->res[i];
  return true;
}

/* H = −log p_Gauss(x) + |p|²/2 of chain c (the Gaussian part only). */
static double hamiltonian(DmScoreSampler *s, Batch *b, int c, double sigma) {
  const float *x = b->x + (size_t)c * b->npix, *p = b->p + (size_t)c * b->npix;
  double kinetic = 0.0;
  for (size_t i = 0; i < b->npix; i++) kinetic += 0.5 * (double)p[i] * p[i];
  return kinetic - dm_score_prior_log_density(s->prior, x, sigma) -
         dm_score_likelihood_log(s->likelihood, x, sigma);
}

/* One trajectory of every chain at noise level sigma; b->g holds the score
 * at b->x on entry and on return. */
static bool trajectory(DmScoreSampler *s, Batch *b, double sigma, DmScoreSamplerStats *stats,
                       DmError **error) {
  const DmScoreSamplerOptions *o = &s->options;
  size_t total = (size_t)b->n * b->npix;
  double eps = o->step_scale * sigma;
  for (int c = 0; c < b->n; c++) {
    float *p = b->p + (size_t)c * b->npix;
    for (size_t i = 0; i < b->npix; i++) p[i] = (float)dm_rng_normal(&b->rng[c]);
  }
  if (o->metropolis) {
    for (int c = 0; c < b->n; c++) b->h0[c] = hamiltonian(s, b, c, sigma);
    memcpy(b->x0, b->x, total * sizeof(float));
    memcpy(b->g0, b->g, total * sizeof(float));
  }
  for (int step = 0; step < o->n_leapfrog; step++) {
    for (size_t i = 0; i < total; i++) {
      b->p[i] += (float)(0.5 * eps) * b->g[i];
      b->x[i] += (float)eps * b->p[i];
    }
    if (!score(s, b, sigma, error)) return false;
    stats->gradients++;
    for (size_t i = 0; i < total; i++) b->p[i] += (float)(0.5 * eps) * b->g[i];
  }
  for (int c = 0; c < b->n; c++) {
    bool accept = true;
    if (o->metropolis) {
      double dh = hamiltonian(s, b, c, sigma) - b->h0[c];
      double u = dm_rng_uniform(&b->rng[c]);
      accept = isfinite(dh) && (dh <= 0.0 || u < exp(-dh));
    }
    stats->trajectories++;
    if (accept) {
      stats->accepted++;
    } else {
      size_t off = (size_t)c * b->npix;
      memcpy(b->x + off, b->x0 + off, b->npix * sizeof(float));
      memcpy(b->g + off, b->g0 + off, b->npix * sizeof(float));
    }
  }
  return true;
}

bool dm_score_sampler_run(DmScoreSampler *s, int first_chain, int n_chains, float *samples,
                          DmScoreSamplerStats *stats, const DmProgress *progress,
                          DmError **error) {
  const DmScoreSamplerOptions *o = &s->options;
  if (n_chains < 1 || first_chain < 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Invalid chains %d (first %d).",
                        n_chains, first_chain);
  Batch b;
  if (!batch_init(&b, n_chains, (size_t)s->nx * (size_t)s->ny, error)) return false;
  DmScoreSamplerStats st = {0, 0, 0};
  double start_std = sqrt(dm_score_prior_variance(s->prior, o->sigma_max));
  for (int c = 0; c < n_chains; c++) {
    dm_rng_init(&b.rng[c], o->seed, (uint64_t)first_chain + (uint64_t)c);
    float *x = b.x + (size_t)c * b.npix;
    for (size_t i = 0; i < b.npix; i++) x[i] = (float)(start_std * dm_rng_normal(&b.rng[c]));
  }
  int total = o->n_levels + o->n_final;
  bool ok = true;
  double sigma_prev = 0.0;
  for (int t = 0; ok && t < total; t++) {
    double sigma = dm_score_sampler_sigma(o, t);
    ok = dm_progress_check_cancel(progress, error);
    if (ok && sigma != sigma_prev) {
      ok = score(s, &b, sigma, error);
      st.gradients++;
    }
    sigma_prev = sigma;
    ok = ok && trajectory(s, &b, sigma, &st, error);
    dm_progress_report(progress, (double)(t + 1) / total, "Score sampling");
  }
  if (ok) memcpy(samples, b.x, (size_t)n_chains * b.npix * sizeof(float));
  if (ok && stats) *stats = st;
  batch_free(&b);
  return ok;
}

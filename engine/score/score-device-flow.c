/* The probability flow of every chain of a batch at once on the device
 * (darkmap/score-device.h): the steps and options of darkmap/score-flow.h. */
#include <math.h>

#include "score/score-device-private.h"

typedef struct {
  DmScoreDevice *device;
  DmScoreDeviceBatch batch;
  const DmProgress *progress;  /* cancel polled before every score evaluation */
  DmError **cancelled;         /* receives the cancellation */
  DmTensor *x, *x1, *d0, *d1;  /* [n, 1, ny, nx]: state, Heun's state or noise, velocities */
  long evaluations;
} Flow;

/* v = −sigma s(x): the ODE's velocity dx/dsigma. */
static bool velocity(Flow *f, DmTensor *x, double sigma, DmTensor *v) {
  f->evaluations++;
  return dm_progress_check_cancel(f->progress, f->cancelled) &&
         dm_score_device_score(f->device, &f->batch, x, sigma, v) &&
         dm_score_device_axpby(f->device->nn, v, -sigma, v, 0.0);
}

/* Heun's step from s0 to s1 (Euler on the last step), x1 then swapped in. */
static bool heun_step(Flow *f, double s0, double s1, bool last) {
  DmNn *nn = f->device->nn;
  double h = s1 - s0;
  bool ok = velocity(f, f->x, s0, f->d0) && dm_tensor_copy(f->x1, f->x) &&
            dm_score_device_axpby(nn, f->x1, 1.0, f->d0, h);
  /* Heun's correction, except on the last step (Karras et al. 2022). */
  if (ok && !last)
    ok = velocity(f, f->x1, s1, f->d1) && dm_tensor_copy(f->x1, f->x) &&
         dm_score_device_axpby(nn, f->x1, 1.0, f->d0, 0.5 * h) &&
         dm_score_device_axpby(nn, f->x1, 1.0, f->d1, 0.5 * h);
  DmTensor *swap = f->x;
  f->x = f->x1;
  f->x1 = swap;
  return ok;
}

/* Langevin corrector steps at sigma: x += eps s + sqrt(2 eps) z, where
 * d1 = −sigma s; the noise z of corrector step `draw` goes through x1. */
static bool correct(Flow *f, const DmScoreFlowOptions *o, double sigma, uint32_t draw) {
  DmNn *nn = f->device->nn;
  double eps = (o->corrector_scale * sigma) * (o->corrector_scale * sigma);
  return velocity(f, f->x, sigma, f->d1) &&
         dm_score_device_fill_normal(f->device, &f->batch, f->x1, o->seed, draw,
                                     sqrt(2.0 * eps)) &&
         dm_score_device_axpby(nn, f->x, 1.0, f->d1, -eps / sigma) &&
         dm_score_device_axpby(nn, f->x, 1.0, f->x1, 1.0);
}

bool dm_score_device_flow(DmScoreDevice *d, const DmScoreFlowOptions *options, int first_chain,
                          int n_chains, float *samples, long *gradients,
                          const DmProgress *progress, DmError **error) {
  if (!d || !options || !samples)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The device flow needs a model, options and a sample buffer.");
  const DmScoreFlowOptions *o = options;
  if (!dm_score_flow_options_check(o, error)) return false;
  DmError *local = NULL;
  Flow f = {.device = d, .progress = progress, .cancelled = &local};
  if (!dm_score_device_batch_begin(d, first_chain, n_chains, &f.batch, error)) return false;
  f.x = dm_score_device_chains(d, &f.batch);
  f.x1 = dm_score_device_chains(d, &f.batch);
  f.d0 = dm_score_device_chains(d, &f.batch);
  f.d1 = dm_score_device_chains(d, &f.batch);
  bool ok = f.x && f.x1 && f.d0 && f.d1 &&
            dm_score_device_fill_normal(d, &f.batch, f.x, o->seed, 0,
                                        sqrt(dm_score_prior_variance(d->prior, o->sigma_max)));
  uint32_t draw = 1;
  for (int step = 0; ok && step < o->n_steps; step++) {
    double s1 = dm_score_flow_sigma(o, step + 1);
    ok = heun_step(&f, dm_score_flow_sigma(o, step), s1, step + 1 == o->n_steps);
    for (int k = 0; ok && k < o->n_corrector; k++) ok = correct(&f, o, s1, draw++);
    ok = ok && dm_progress_check_cancel(progress, &local);
    dm_progress_report(progress, (step + 1.0) / o->n_steps, "Probability flow");
  }
  ok = ok && dm_tensor_download(f.x, samples, (size_t)n_chains * d->npix);
  ok = dm_score_device_finish(d, ok, local, error);
  dm_tensor_free(f.x);
  dm_tensor_free(f.x1);
  dm_tensor_free(f.d0);
  dm_tensor_free(f.d1);
  dm_score_device_batch_end(d, &f.batch);
  if (ok && gradients) *gradients = f.evaluations;
  return ok;
}

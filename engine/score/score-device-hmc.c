/* Annealed HMC of every chain of a batch at once on the device
 * (darkmap/score-device.h): the schedule and options of darkmap/score.h. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/rng.h"
#include "score/score-device-private.h"

typedef struct {
  DmScoreDevice *device;
  DmScoreDeviceBatch batch;
  const DmScoreSamplerOptions *o;
  const DmProgress *progress; /* cancel polled before every score evaluation */
  DmTensor *x, *p, *g;      /* state, momenta, score at x: [n, 1, ny, nx] */
  DmTensor *x0, *g0;        /* state and score at a trajectory's start (Metropolis) */
  double *h0, *h1;          /* energies at a trajectory's start and end (Metropolis), n */
  DmRng *rng;               /* the Metropolis tests' numbers, one per chain (Metropolis) */
  DmScoreSamplerStats stats;
} Hmc;

/* Copies chain c of src into dst (both [n, 1, ny, nx]). */
static bool copy_chain(DmTensor *dst, DmTensor *src, int c) {
  return dm_tensor_copy(dm_tensor_sample_view(dst, c, 1), dm_tensor_sample_view(src, c, 1));
}

/* One trajectory of every chain at sigma (draw: the momenta's draw); h->g
 * holds the score at h->x on entry and on return. */
static bool trajectory(Hmc *h, double sigma, uint32_t draw, DmError **error) {
  DmScoreDevice *d = h->device;
  DmNn *nn = d->nn;
  const DmScoreSamplerOptions *o = h->o;
  double eps = o->step_scale * sigma;
  if (!dm_score_device_fill_normal(d, &h->batch, h->p, o->seed, draw, 1.0)) return false;
  if (o->metropolis &&
      (!dm_score_device_energy(d, &h->batch, h->x, h->p, sigma, h->h0, error) ||
       !dm_tensor_copy(h->x0, h->x) || !dm_tensor_copy(h->g0, h->g)))
    return false;
  for (int step = 0; step < o->n_leapfrog; step++) {
    if (!dm_progress_check_cancel(h->progress, error)) return false;
    if (!dm_score_device_axpby(nn, h->p, 1.0, h->g, 0.5 * eps) ||
        !dm_score_device_axpby(nn, h->x, 1.0, h->p, eps) ||
        !dm_score_device_score(d, &h->batch, h->x, sigma, h->g) ||
        !dm_score_device_axpby(nn, h->p, 1.0, h->g, 0.5 * eps))
      return false;
    h->stats.gradients++;
  }
  int n = h->batch.n;
  h->stats.trajectories += n;
  if (!o->metropolis) {
    h->stats.accepted += n;
    return true;
  }
  if (!dm_score_device_energy(d, &h->batch, h->x, h->p, sigma, h->h1, error)) return false;
  for (int c = 0; c < n; c++) {
    double dh = h->h1[c] - h->h0[c];
    double u = dm_rng_uniform(&h->rng[c]);
    if (isfinite(dh) && (dh <= 0.0 || u < exp(-dh))) {
      h->stats.accepted++;
    } else if (!copy_chain(h->x, h->x0, c) || !copy_chain(h->g, h->g0, c)) {
      return false;
    }
  }
  dm_nn_clear(nn);
  return true;
}

static void hmc_free(Hmc *h) {
  DmTensor *tensors[] = {h->x, h->p, h->g, h->x0, h->g0};
  for (size_t i = 0; i < sizeof tensors / sizeof tensors[0]; i++) dm_tensor_free(tensors[i]);
  free(h->h0);
  free(h->h1);
  free(h->rng);
  dm_score_device_batch_end(h->device, &h->batch);
}

/* The tensors and host arrays of a run. */
static bool hmc_init(Hmc *h, DmError **error) {
  DmScoreDevice *d = h->device;
  int n = h->batch.n;
  h->x = dm_score_device_chains(d, &h->batch);
  h->p = dm_score_device_chains(d, &h->batch);
  h->g = dm_score_device_chains(d, &h->batch);
  if (h->o->metropolis) {
    h->x0 = dm_score_device_chains(d, &h->batch);
    h->g0 = dm_score_device_chains(d, &h->batch);
    h->h0 = malloc((size_t)n * sizeof *h->h0);
    h->h1 = malloc((size_t)n * sizeof *h->h1);
    h->rng = malloc((size_t)n * sizeof *h->rng);
    if (!h->h0 || !h->h1 || !h->rng)
      return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %d chains.", n);
    for (int c = 0; c < n; c++)
      dm_rng_init(&h->rng[c], h->o->seed, (uint64_t)h->batch.first_chain + (uint64_t)c);
  }
  return h->x && h->p && h->g && (!h->o->metropolis || (h->x0 && h->g0));
}

bool dm_score_device_hmc(DmScoreDevice *d, const DmScoreSamplerOptions *options, int first_chain,
                         int n_chains, float *samples, DmScoreSamplerStats *stats,
                         const DmProgress *progress, DmError **error) {
  if (!d || !options || !samples)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The device HMC needs a model, options and a sample buffer.");
  if (!dm_score_sampler_options_check(options, error)) return false;
  Hmc h = {.device = d, .o = options, .progress = progress};
  if (!dm_score_device_batch_begin(d, first_chain, n_chains, &h.batch, error)) return false;
  DmError *local = NULL;
  const DmScoreSamplerOptions *o = options;
  bool ok = hmc_init(&h, &local) &&
            dm_score_device_fill_normal(d, &h.batch, h.x, o->seed, 0,
                                        sqrt(dm_score_prior_variance(d->prior, o->sigma_max)));
  int total = o->n_levels + o->n_final;
  double sigma_prev = 0.0;
  for (int t = 0; ok && t < total; t++) {
    double sigma = dm_score_sampler_sigma(o, t);
    ok = dm_progress_check_cancel(progress, &local);
    if (ok && sigma != sigma_prev) {
      ok = dm_score_device_score(d, &h.batch, h.x, sigma, h.g);
      h.stats.gradients++;
    }
    sigma_prev = sigma;
    ok = ok && trajectory(&h, sigma, (uint32_t)t + 1, &local);
    dm_progress_report(progress, (double)(t + 1) / total, "Score sampling");
  }
  ok = ok && dm_tensor_download(h.x, samples, (size_t)n_chains * d->npix);
  ok = dm_score_device_finish(d, ok, local, error);
  hmc_free(&h);
  if (ok && stats) *stats = h.stats;
  return ok;
}

/* Denoising score matching of the hybrid prior's residual
 * (darkmap/score-network.h). */
#include "darkmap/score-network.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/monotonic-clock.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "darkmap/rng.h"
#include "darkmap/safetensors.h"

struct DmScoreTrainer {
  DmScorePrior *prior;        /* borrowed */
  DmScoreNetwork *network;    /* borrowed */
  DmNnParams *params;         /* borrowed */
  DmAdam *adam;               /* borrowed */
  DmScoreDataFunc data;
  void *data_user;
  DmScoreTrainOptions options;
  int nx, ny;
  size_t npix;
  float *input, *target, *output;  /* batch * npix each: c_in x~, t, o */
  float *sigmas;                   /* batch */
  double *theory_sq;               /* batch: sum over a map of the theory score's target² */
  DmScorePrior **priors;           /* threads: the borrowed prior, then owned copies */
  DmTensor **trainable;            /* the params' trainable tensors */
  int n_trainable;
  int share;                       /* this rank's maps of a step's batch (the batch for one
                                      process) */
  uint64_t share_first;            /* their first index within the batch */
  DmGradientAverage *average;      /* the gradients and the loss over the ranks */
};

void dm_score_train_options_init(DmScoreTrainOptions *o) {
  o->batch = 8;
  o->sigma_min = 1e-3;
  o->sigma_max = 0.2;
  o->seed = 1;
  o->validation_maps = 64;
  o->threads = 1;
  o->schedule = (DmLrSchedule){.kind = DM_LR_CONSTANT, .base_lr = 1e-3f};
  o->parallel = NULL;
}

void dm_score_trainer_free(DmScoreTrainer *t) {
  if (!t) return;
  free(t->input);
  free(t->target);
  free(t->output);
  free(t->sigmas);
  free(t->theory_sq);
  for (int i = 1; t->priors && i < t->options.threads; i++) dm_score_prior_free(t->priors[i]);
  free(t->priors);
  free(t->trainable);
  dm_gradient_average_free(t->average);
  free(t);
}

DmScoreTrainer *dm_score_trainer_new(DmScorePrior *prior, DmScoreNetwork *network,
                                     DmNnParams *params, DmAdam *adam, DmScoreDataFunc data,
                                     void *data_user, const DmScoreTrainOptions *options,
                                     DmError **error) {
  DmScoreTrainOptions o;
  if (options) o = *options;
  else dm_score_train_options_init(&o);
  const DmUNetConfig *config = dm_unet_config(network->unet);
  if (config->noise_features <= 0 || config->in_channels != 1 || config->out_channels != 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The score network must be a 1 -> 1 channel U-Net with noise conditioning.");
    return NULL;
  }
  if (o.batch < 1 || o.validation_maps < 1 || o.threads < 1 || !(o.sigma_min > 0.0) ||
      !(o.sigma_max >= o.sigma_min) || !isfinite(o.sigma_max)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Invalid training settings: batch %d, %d validation maps, sigma %g to %g.",
                 o.batch, o.validation_maps, o.sigma_min, o.sigma_max);
    return NULL;
  }
  if (!dm_data_parallel_check(o.parallel, o.batch, error)) return NULL;
  DmScoreTrainer *t = calloc(1, sizeof *t);
  if (!t) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the score trainer.");
    return NULL;
  }
  t->prior = prior;
  t->network = network;
  t->params = params;
  t->adam = adam;
  t->data = data;
  t->data_user = data_user;
  t->options = o;
  dm_score_prior_size(prior, &t->nx, &t->ny);
  t->npix = (size_t)t->nx * (size_t)t->ny;
  size_t total = (size_t)o.batch * t->npix;
  int count = dm_nn_params_count(params);
  bool ok = (t->input = malloc(total * sizeof(float))) &&
            (t->target = malloc(total * sizeof(float))) &&
            (t->output = malloc(total * sizeof(float))) &&
            (t->sigmas = malloc((size_t)o.batch * sizeof(float))) &&
            (t->theory_sq = malloc((size_t)o.batch * sizeof(double))) &&
            (t->priors = calloc((size_t)o.threads, sizeof(DmScorePrior *))) &&
            (t->trainable = malloc((size_t)(count > 0 ? count : 1) * sizeof(DmTensor *)));
  if (!ok) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the score trainer.");
    dm_score_trainer_free(t);
    return NULL;
  }
  t->priors[0] = prior;
  for (int i = 1; i < o.threads; i++)
    if (!(t->priors[i] = dm_score_prior_copy(prior, error))) {
      dm_score_trainer_free(t);
      return NULL;
    }
  for (int i = 0; i < count; i++)
    if (dm_nn_params_trainable(params, i))
      t->trainable[t->n_trainable++] = dm_nn_params_tensor(params, i);
  int ranks = dm_data_parallel_active(o.parallel) ? o.parallel->ranks : 1;
  t->share = o.batch / ranks;
  t->share_first = ranks > 1 ? (uint64_t)o.parallel->rank * (uint64_t)t->share : 0;
  if (!(t->average = dm_gradient_average_new(o.parallel, t->trainable, t->n_trainable, 1,
                                             error))) {
    dm_score_trainer_free(t);
    return NULL;
  }
  return t;
}

/* Input c_in x~, target t and sigma of map b of a batch from data index
 * first, with the theory score of prior. */
static bool prepare_map(DmScoreTrainer *t, DmScorePrior *prior, uint64_t first, int b,
                        DmError **error) {
  const DmScoreTrainOptions *o = &t->options;
  double v = dm_score_prior_variance(prior, 0.0);
  double log_min = log(o->sigma_min), log_span = log(o->sigma_max) - log_min;
  uint64_t index = first + (uint64_t)b;
  float *x = t->input + (size_t)b * t->npix, *target = t->target + (size_t)b * t->npix;
  /* The noise u is kept in the output buffer until the target is made. */
  float *noise = t->output + (size_t)b * t->npix;
  if (!t->data(t->data_user, index, x, error)) {
    dm_error_prefix(error, "Training map %llu", (unsigned long long)index);
    return false;
  }
  DmRng rng;
  dm_rng_init(&rng, o->seed, index);
  double sigma = exp(log_min + log_span * dm_rng_uniform(&rng));
  for (size_t i = 0; i < t->npix; i++) {
    noise[i] = (float)dm_rng_normal(&rng);
    x[i] += (float)(sigma * noise[i]);
  }
  dm_score_prior_score(prior, x, sigma, target);
  double c_in = 1.0 / sqrt(v + sigma * sigma), theory_sq = 0.0;
  for (size_t i = 0; i < t->npix; i++) {
    target[i] = -(noise[i] + (float)sigma * target[i]);
    theory_sq += (double)target[i] * target[i];
    if (t->network->plain) target[i] = -noise[i];
    x[i] = (float)(c_in * x[i]);
  }
  t->theory_sq[b] = theory_sq;
  t->sigmas[b] = (float)sigma;
  return true;
}

/* One thread's share of a batch: maps b = worker, worker + threads, ... */
typedef struct {
  DmScoreTrainer *trainer;
  uint64_t first;
  int n, worker;
  bool ok;
  DmError *error;
} PrepareJob;

static void *prepare_thread(void *user_data) {
  PrepareJob *job = user_data;
  DmScoreTrainer *t = job->trainer;
  for (int b = job->worker; job->ok && b < job->n; b += t->options.threads)
    job->ok = prepare_map(t, t->priors[job->worker], job->first, b, &job->error);
  return NULL;
}

/* Inputs c_in x~, targets t and sigmas of n maps from data index first,
 * made by the trainer's threads (each map a pure function of its index, so
 * the result does not depend on the thread count). */
static bool prepare(DmScoreTrainer *t, uint64_t first, int n, DmError **error) {
  int threads = t->options.threads < n ? t->options.threads : n;
  PrepareJob jobs[threads];
  pthread_t ids[threads];
  bool started[threads];
  for (int w = 0; w < threads; w++) {
    jobs[w] = (PrepareJob){t, first, n, w, true, NULL};
    started[w] = w > 0 && pthread_create(&ids[w], NULL, prepare_thread, &jobs[w]) == 0;
  }
  for (int w = 1; w < threads; w++)
    if (!started[w]) prepare_thread(&jobs[w]);
  prepare_thread(&jobs[0]);
  bool ok = true;
  for (int w = 0; w < threads; w++) {
    if (started[w]) pthread_join(ids[w], NULL);
    if (!jobs[w].ok && ok) {
      ok = false;
      dm_error_propagate(error, jobs[w].error);
    } else {
      dm_error_free(jobs[w].error);
    }
  }
  return ok;
}

/* Uploads the prepared n maps and runs the U-Net; returns its output. */
static DmTensor *forward(DmScoreTrainer *t, int n) {
  DmNn *nn = t->network->nn;
  size_t total = (size_t)n * t->npix;
  DmTensor *x = dm_tensor_temp(nn, n, 1, t->ny, t->nx), *s = dm_tensor_temp(nn, n, 1, 1, 1);
  if (!x || !s || !dm_tensor_upload(x, t->input, total) ||
      !dm_tensor_upload(s, t->sigmas, (size_t)n))
    return NULL;
  return dm_unet_forward(t->network->unet, x, s);
}

bool dm_score_trainer_run(DmScoreTrainer *t, int64_t n_steps, double *last_loss,
                          const DmProgress *progress, DmError **error) {
  DmNn *nn = t->network->nn;
  const double start = dm_monotonic_seconds();
  const DmScoreTrainOptions *o = &t->options;
  size_t total = (size_t)t->share * t->npix;
  for (int64_t k = 0; k < n_steps; k++) {
    if (!dm_progress_check_cancel(progress, error)) return false;
    int64_t step = dm_adam_steps(t->adam);
    if (!prepare(t, (uint64_t)step * (uint64_t)o->batch + t->share_first, t->share, error))
      return false;
    dm_nn_zero_grad(t->trainable, t->n_trainable);
    dm_nn_set_recording(nn, true);
    DmTensor *target = dm_tensor_temp(nn, t->share, 1, t->ny, t->nx);
    DmTensor *out = forward(t, t->share);
    DmTensor *loss = (target && out && dm_tensor_upload(target, t->target, total))
                         ? dm_nn_mse_loss(nn, out, target)
                         : NULL;
    bool ok = loss && dm_nn_backward(nn, loss);
    double value = ok ? dm_tensor_item(loss) : NAN;
    dm_nn_clear(nn);
    if (!dm_nn_take_error(nn, error)) return false;
    if (!ok) return dm_error_set(error, DM_ERROR_FAILED, 0, "Score training step failed.");
    if (!dm_gradient_average_run(t->average, &value, error)) return false;
    if (!isfinite(value))
      return dm_error_set(error, DM_ERROR_FAILED, 0,
                          "The score matching loss is not finite at step %lld.",
                          (long long)step);
    if (!dm_adam_step(t->adam, dm_lr_at(&o->schedule, step), NULL, error)) return false;
    if (last_loss) *last_loss = value;
    /* The stage names the step, its loss and the throughput so far. */
    char stage[128];
    snprintf(stage, sizeof stage, "Score matching: step %lld, loss %.4f, %.1f steps/s",
             (long long)step + 1, value, (double)(k + 1) / fmax(dm_monotonic_seconds() - start, 1e-9));
    dm_progress_report(progress, (double)(k + 1) / (double)n_steps, stage);
  }
  return true;
}

bool dm_score_trainer_validate(DmScoreTrainer *t, double *loss, double *theory_loss,
                               DmError **error) {
  DmNn *nn = t->network->nn;
  const DmScoreTrainOptions *o = &t->options;
  bool recording = dm_nn_is_recording(nn);
  dm_nn_set_recording(nn, false);
  double sum = 0.0, sum_theory = 0.0;
  bool ok = true;
  for (int first = 0; ok && first < o->validation_maps; first += o->batch) {
    int n = o->validation_maps - first < o->batch ? o->validation_maps - first : o->batch;
    size_t total = (size_t)n * t->npix;
    ok = prepare(t, DM_SCORE_VALIDATION_INDEX + (uint64_t)first, n, error);
    DmTensor *out = ok ? forward(t, n) : NULL;
    ok = ok && out && dm_tensor_download(out, t->output, total);
    dm_nn_clear(nn);
    if (!dm_nn_take_error(nn, error)) ok = false;
    else if (!ok && !(error && *error))
      dm_error_set(error, DM_ERROR_FAILED, 0, "Score validation failed.");
    for (size_t i = 0; ok && i < total; i++) {
      double d = (double)t->output[i] - t->target[i];
      sum += d * d;
    }
    for (int b = 0; ok && b < n; b++) sum_theory += t->theory_sq[b];
  }
  dm_nn_set_recording(nn, recording);
  if (!ok) return false;
  double count = (double)o->validation_maps * (double)t->npix;
  *loss = sum / count;
  *theory_loss = sum_theory / count;
  return true;
}

bool dm_score_trainer_write_state(const DmScoreTrainer *t, DmSafetensorsWriter *writer,
                                  DmError **error) {
  return dm_nn_params_write(t->params, writer, "network.", false, error) &&
         dm_adam_write(t->adam, writer, "adam.", error);
}

bool dm_score_trainer_read_state(DmScoreTrainer *t, const DmSafetensors *st, DmError **error) {
  return dm_nn_params_read(t->params, st, "network.", true, error) &&
         dm_adam_read(t->adam, st, "adam.", error);
}

/* MMGAN training: WGAN-GP critic steps and rcGAN generator steps on pairs
 * from the pool, validation, w_SD adaptation and checkpoints
 * (darkmap/mmgan-train.h). */
#include "darkmap/mmgan-train.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/mock-evaluation.h"
#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "darkmap/rng.h"
#include "darkmap/safetensors.h"

/* Philox keys of the noise codes, one per use, derived from the seed. */
enum { CODE_CRITIC = 1, CODE_GENERATOR = 2, CODE_VALIDATION = 3 };

/* The generator's loss terms averaged with its gradients: adversarial, L1, L_SD. */
enum { N_GENERATOR_LOSSES = 3 };

static uint64_t code_seed(uint64_t seed, uint64_t use, uint64_t extra) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + use * 0xBF58476D1CE4E5B9ull + extra;
  x ^= x >> 31;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 29);
}

struct DmMmganTrainer {
  DmMmgan *m;                /* borrowed */
  const DmMmganPool *pool;   /* borrowed */
  DmMmganTrainOptions o;
  int share;                 /* this rank's conditions of a step's batch (the batch for one
                                process); the buffers below hold `share` */
  uint64_t share_first;      /* their first index within the batch */
  DmGradientAverage *average_g, *average_c;  /* over the ranks: the generator's gradients
                                                and its losses, the critic's and its */
  DmAdam *adam_g, *adam_c;
  DmKsPlan **plans;         /* share plans: one per condition of a step */
  int nx, ny;
  size_t npix, plane, cond_size;
  float *kappa, *g1, *g2;    /* share × npix each: the pairs of a step */
  float *cond;               /* share × p conditions (4 padded planes each) */
  float *truth;              /* share padded normalised truths */
  float *eps;                /* share interpolation weights */
  float *samples;            /* validation_p maps (nx × ny) */
  DmTensor *kappa_hat;       /* [share, 1, py, px], requires a gradient */
  DmTensor **gen_trainable, **critic_trainable;
  int n_gen, n_critic;
  double std_weight;
};

void dm_mmgan_train_options_init(DmMmganTrainOptions *o) {
  *o = (DmMmganTrainOptions){.batch = 4, .p = 2, .lr = 1e-3f, .beta1 = 0.0f, .beta2 = 0.99f,
                             .beta_adv = 1e-5, .gp_weight = 10.0, .drift = 1e-3, .std_weight = 1.0,
                             .mu_sd = 0.02, .validation_p = 8, .adapt_every = 0, .seed = 1,
                             .parallel = NULL};
}

void dm_mmgan_trainer_free(DmMmganTrainer *t) {
  if (!t) return;
  dm_gradient_average_free(t->average_g);
  dm_gradient_average_free(t->average_c);
  dm_adam_free(t->adam_g);
  dm_adam_free(t->adam_c);
  for (int b = 0; t->plans && b < t->share; b++) dm_ks_plan_free(t->plans[b]);
  free(t->plans);
  free(t->kappa);
  free(t->g1);
  free(t->g2);
  free(t->cond);
  free(t->truth);
  free(t->eps);
  free(t->samples);
  dm_tensor_free(t->kappa_hat);
  free(t->gen_trainable);
  free(t->critic_trainable);
  free(t);
}

DmMmganTrainer *dm_mmgan_trainer_new(DmMmgan *m, const DmMmganPool *pool,
                                     const DmMmganTrainOptions *options, DmError **error) {
  DmMmganTrainOptions o;
  if (options) o = *options;
  else dm_mmgan_train_options_init(&o);
  int nx, ny;
  dm_mmgan_pool_size(pool, &nx, &ny);
  if (!m->critic || nx != m->config.nx || ny != m->config.ny) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The MMGAN to train needs a critic and the pool's grid (%d x %d, not %d x %d).",
                 nx, ny, m->config.nx, m->config.ny);
    return NULL;
  }
  if (o.batch < 1 || o.p < 2 || o.validation_p < 2 || !(o.lr > 0.0f) || o.adapt_every < 0 ||
      !(o.beta_adv >= 0.0) || !(o.gp_weight >= 0.0) || !(o.drift >= 0.0) ||
      !isfinite(o.std_weight) || !(o.mu_sd >= 0.0)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Invalid MMGAN training settings (batch %d, P %d, validation P %d, lr %g).",
                 o.batch, o.p, o.validation_p, (double)o.lr);
    return NULL;
  }
  if (!dm_data_parallel_check(o.parallel, o.batch, error)) return NULL;
  DmMmganTrainer *t = calloc(1, sizeof *t);
  if (!t) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the MMGAN trainer.");
    return NULL;
  }
  t->m = m;
  t->pool = pool;
  t->o = o;
  int ranks = dm_data_parallel_active(o.parallel) ? o.parallel->ranks : 1;
  t->share = o.batch / ranks;
  t->share_first = ranks > 1 ? (uint64_t)o.parallel->rank * (uint64_t)t->share : 0;
  t->std_weight = o.std_weight;
  t->nx = nx;
  t->ny = ny;
  t->npix = (size_t)nx * (size_t)ny;
  t->plane = (size_t)m->px * (size_t)m->py;
  t->cond_size = DM_MMGAN_CONDITION_CHANNELS * t->plane;
  size_t rows = (size_t)t->share * (size_t)o.p;
  DmAdamConfig adam = dm_adam_config_default();
  adam.lr = o.lr;
  adam.beta1 = o.beta1;
  adam.beta2 = o.beta2;
  size_t pairs = (size_t)t->share * t->npix;
  bool ok = (t->kappa = malloc(pairs * sizeof(float))) &&
            (t->g1 = malloc(pairs * sizeof(float))) && (t->g2 = malloc(pairs * sizeof(float))) &&
            (t->plans = calloc((size_t)t->share, sizeof *t->plans)) &&
            (t->cond = malloc(rows * t->cond_size * sizeof(float))) &&
            (t->truth = malloc((size_t)t->share * t->plane * sizeof(float))) &&
            (t->eps = malloc((size_t)t->share * sizeof(float))) &&
            (t->samples = malloc((size_t)o.validation_p * t->npix * sizeof(float))) &&
            (t->gen_trainable = dm_nn_params_trainable_tensors(m->generator_params, &t->n_gen)) &&
            (t->critic_trainable = dm_nn_params_trainable_tensors(m->critic_params, &t->n_critic));
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the MMGAN trainer.");
  for (int b = 0; ok && b < t->share; b++) ok = (t->plans[b] = dm_ks_plan_new(nx, ny, error));
  ok = ok && (t->adam_g = dm_adam_new(m->generator_params, &adam, error)) &&
       (t->adam_c = dm_adam_new(m->critic_params, &adam, error)) &&
       (t->average_g = dm_gradient_average_new(o.parallel, t->gen_trainable, t->n_gen,
                                               N_GENERATOR_LOSSES, error)) &&
       (t->average_c = dm_gradient_average_new(o.parallel, t->critic_trainable, t->n_critic, 2,
                                               error));
  if (ok) {
    t->kappa_hat = dm_tensor_new(m->nn, t->share, 1, m->py, m->px);
    dm_tensor_set_requires_grad(t->kappa_hat, true);
    ok = dm_nn_take_error(m->nn, error);
  }
  if (!ok) {
    dm_mmgan_trainer_free(t);
    return NULL;
  }
  return t;
}

int64_t dm_mmgan_trainer_steps(const DmMmganTrainer *t) { return dm_adam_steps(t->adam_g); }

double dm_mmgan_trainer_std_weight(const DmMmganTrainer *t) { return t->std_weight; }

/* Map pixels of a batch that earn its preparation a thread: about 4.5 ms
 * of drawing and conditioning a pair on one core (34 ns a pixel at 64²), a
 * scheduler time slice, so that a thread that waits for its core does not
 * cost more than it gains (OpenMP's threads spin while they wait; see
 * nn-cpu-private.h). */
enum { PREPARE_PIXELS_PER_THREAD = 1 << 17 };

/* Conditions, normalised truths and ε of this rank's share of the batch of
 * step `step` (the whole batch for one process), one
 * condition per thread (each with its own KS plan and scratch), on one
 * thread per PREPARE_PIXELS_PER_THREAD, at most OpenMP's count. */
static void prepare(DmMmganTrainer *t, int64_t step) {
  const DmMmganConfig *c = &t->m->config;
  const float *mask = dm_mmgan_pool_mask(t->pool);
  float mean = (float)c->kappa_mean, inv_std = (float)(1.0 / c->kappa_std);
  const size_t shares = (size_t)t->share * t->npix / PREPARE_PIXELS_PER_THREAD;
  int threads = omp_get_max_threads();
  if (shares < (size_t)threads) threads = shares > 0 ? (int)shares : 1;
#pragma omp parallel for schedule(static, 1) num_threads(threads)
  for (int b = 0; b < t->share; b++) {
    uint64_t index = (uint64_t)step * (uint64_t)t->o.batch + t->share_first + (uint64_t)b;
    float *kappa = t->kappa + (size_t)b * t->npix, *g1 = t->g1 + (size_t)b * t->npix,
          *g2 = t->g2 + (size_t)b * t->npix;
    dm_mmgan_pool_training_pair(t->pool, t->plans[b], t->o.seed, index, kappa, g1, g2);
    dm_mmgan_condition(t->m, t->plans[b], g1, g2, mask, t->cond + (size_t)b * t->cond_size);
    for (size_t q = 0; q < t->npix; q++) kappa[q] = (kappa[q] - mean) * inv_std;
    dm_mmgan_pad(t->nx, t->ny, t->m->px, t->m->py, kappa, t->truth + (size_t)b * t->plane);
    DmRng rng;
    dm_rng_init(&rng, code_seed(t->o.seed, CODE_CRITIC, 1), index);
    t->eps[b] = (float)dm_rng_uniform(&rng);
  }
}

/* A new temporary [n, c, py, px] holding host. */
static DmTensor *upload(DmMmganTrainer *t, const float *host, int64_t n, int64_t c) {
  DmTensor *x = dm_tensor_temp(t->m->nn, n, c, t->m->py, t->m->px);
  return x && dm_tensor_upload(x, host, (size_t)dm_tensor_numel(x)) ? x : NULL;
}

/* One critic update; *loss and *penalty get its loss and gradient penalty. */
static bool critic_step(DmMmganTrainer *t, int64_t step, double *loss, double *penalty) {
  DmMmgan *m = t->m;
  DmNn *nn = m->nn;
  int64_t b = t->share;
  dm_nn_set_recording(nn, false);
  DmTensor *cond = upload(t, t->cond, b, DM_MMGAN_CONDITION_CHANNELS);
  DmTensor *real = upload(t, t->truth, b, 1);
  DmTensor *eps = dm_tensor_temp(nn, b, 1, 1, 1);
  DmTensor *z = dm_tensor_temp(nn, b, m->config.z_channels, m->py, m->px);
  bool ok = cond && real && eps && z && dm_tensor_upload(eps, t->eps, (size_t)b) &&
            dm_mmgan_fill_code(m, z, code_seed(t->o.seed, CODE_CRITIC, 0),
                               (uint64_t)step * (uint64_t)t->o.batch + t->share_first);
  /* The generator runs unrecorded: its output is a constant here. */
  DmTensor *fake = ok ? dm_mmgan_generate(m, cond, z) : NULL;
  DmTensor *hat = dm_nn_add(nn, dm_nn_mul(nn, real, eps),
                            dm_nn_mul(nn, fake, dm_nn_scale(nn, eps, -1.0f, 1.0f)));
  ok = hat && dm_tensor_copy(t->kappa_hat, hat);
  dm_nn_set_recording(nn, true);
  dm_nn_zero_grad(t->critic_trainable, t->n_critic);
  dm_nn_zero_grad(&t->kappa_hat, 1);
  DmTensor *d_real = ok ? dm_mmgan_critic(m, real, cond) : NULL;
  DmTensor *d_fake = ok ? dm_mmgan_critic(m, fake, cond) : NULL;
  DmTensor *gp = ok ? dm_mmgan_gradient_penalty(m, t->kappa_hat, cond) : NULL;
  DmTensor *total = dm_nn_add(
      nn, dm_nn_sub(nn, dm_nn_mean(nn, d_fake), dm_nn_mean(nn, d_real)),
      dm_nn_add(nn, dm_nn_scale(nn, gp, (float)t->o.gp_weight, 0.0f),
                dm_nn_scale(nn, dm_nn_mean(nn, dm_nn_mul(nn, d_real, d_real)),
                            (float)t->o.drift, 0.0f)));
  ok = total && dm_nn_backward(nn, total);
  *loss = ok ? dm_tensor_item(total) : NAN;
  *penalty = ok ? dm_tensor_item(gp) : NAN;
  dm_nn_clear(nn);
  return ok;
}

/* One generator update; l gets its loss terms. */
static bool generator_step(DmMmganTrainer *t, int64_t step, DmMmganLosses *l) {
  DmMmgan *m = t->m;
  DmNn *nn = m->nn;
  int64_t b = t->share, p = t->o.p;
  double sd_unit = sqrt(2.0 / (M_PI * (double)p * (double)(p + 1)));
  /* Condition b repeated at rows b P … b P + P − 1, filled from the back so
   * that the batch's own conditions are read before being overwritten. */
  for (int64_t i = b * p - 1; i >= 0; i--)
    if (i != i / p)
      memcpy(t->cond + (size_t)i * t->cond_size, t->cond + (size_t)(i / p) * t->cond_size,
             t->cond_size * sizeof(float));
  dm_nn_set_recording(nn, true);
  dm_nn_zero_grad(t->gen_trainable, t->n_gen);
  DmTensor *cond = upload(t, t->cond, b * p, DM_MMGAN_CONDITION_CHANNELS);
  DmTensor *real = upload(t, t->truth, b, 1);
  DmTensor *z = dm_tensor_temp(nn, b * p, m->config.z_channels, m->py, m->px);
  bool ok = cond && real && z &&
            dm_mmgan_fill_code(m, z, code_seed(t->o.seed, CODE_GENERATOR, 0),
                               ((uint64_t)step * (uint64_t)t->o.batch + t->share_first) *
                                   (uint64_t)p);
  DmTensor *samples = ok ? dm_mmgan_generate(m, cond, z) : NULL;
  DmTensor *adv = dm_nn_scale(nn, dm_nn_mean(nn, dm_mmgan_critic(m, samples, cond)), -1.0f, 0.0f);
  DmTensor *mean = NULL;
  DmTensor *sd = dm_mmgan_std_reward(nn, samples, (int)p, &mean);
  DmTensor *l1 = dm_nn_l1_loss(nn, mean, real);
  DmTensor *total = dm_nn_add(nn, dm_nn_add(nn, dm_nn_scale(nn, adv, (float)t->o.beta_adv, 0.0f), l1),
                              dm_nn_scale(nn, sd, (float)-(t->std_weight * sd_unit), 0.0f));
  ok = total && dm_nn_backward(nn, total);
  if (ok) {
    l->adversarial = dm_tensor_item(adv);
    l->l1 = dm_tensor_item(l1);
    l->std_reward = dm_tensor_item(sd);
  }
  dm_nn_clear(nn);
  return ok;
}

/* Updates w_SD from the validation PSNRs (rcGAN's rule). */
static bool adapt(DmMmganTrainer *t, DmError **error) {
  DmMmganValidation v;
  if (!dm_mmgan_trainer_validate(t, &v, error)) return false;
  t->std_weight += t->o.mu_sd * (v.psnr_single + v.psnr_gain_target - v.psnr_mean);
  return true;
}

bool dm_mmgan_trainer_run(DmMmganTrainer *t, int64_t n_steps, DmMmganLosses *losses,
                          const DmProgress *progress, DmError **error) {
  DmNn *nn = t->m->nn;
  for (int64_t k = 0; k < n_steps; k++) {
    if (!dm_progress_check_cancel(progress, error)) return false;
    int64_t step = dm_adam_steps(t->adam_g);
    prepare(t, step);
    DmMmganLosses l = {0};
    bool ok = critic_step(t, step, &l.critic, &l.gradient_penalty);
    if (!dm_nn_take_error(nn, error)) return false;
    if (!ok) return dm_error_set(error, DM_ERROR_FAILED, 0, "MMGAN critic step failed.");
    double critic_terms[2] = {l.critic, l.gradient_penalty};
    if (!dm_gradient_average_run(t->average_c, critic_terms, error)) return false;
    l.critic = critic_terms[0];
    l.gradient_penalty = critic_terms[1];
    if (!isfinite(l.critic))
      return dm_error_set(error, DM_ERROR_FAILED, 0,
                          "The critic loss is not finite at step %lld.", (long long)step);
    if (!dm_adam_step(t->adam_c, t->o.lr, NULL, error)) return false;
    ok = generator_step(t, step, &l);
    if (!dm_nn_take_error(nn, error)) return false;
    if (!ok) return dm_error_set(error, DM_ERROR_FAILED, 0, "MMGAN generator step failed.");
    double generator_terms[N_GENERATOR_LOSSES] = {l.adversarial, l.l1, l.std_reward};
    if (!dm_gradient_average_run(t->average_g, generator_terms, error)) return false;
    l.adversarial = generator_terms[0];
    l.l1 = generator_terms[1];
    l.std_reward = generator_terms[2];
    if (!isfinite(l.l1) || !isfinite(l.std_reward) || !isfinite(l.adversarial))
      return dm_error_set(error, DM_ERROR_FAILED, 0,
                          "The generator loss is not finite at step %lld.", (long long)step);
    if (!dm_adam_step(t->adam_g, t->o.lr, NULL, error)) return false;
    if (t->o.adapt_every > 0 && dm_adam_steps(t->adam_g) % t->o.adapt_every == 0 &&
        !adapt(t, error))
      return false;
    l.std_weight = t->std_weight;
    if (losses) *losses = l;
    dm_progress_report(progress, (double)(k + 1) / (double)n_steps, "MMGAN training");
  }
  return true;
}

/* The validation_p samples of validation pair j into t->samples; the truth
 * into the first map of t->kappa (nx × ny, kappa units). */
static bool validation_samples(DmMmganTrainer *t, int j, DmError **error) {
  dm_mmgan_pool_validation_pair(t->pool, t->plans[0], j, t->kappa, t->g1, t->g2);
  return dm_mmgan_sample(t->m, t->g1, t->g2, dm_mmgan_pool_mask(t->pool), t->o.validation_p,
                         t->o.validation_p, code_seed(t->o.seed, CODE_VALIDATION, (uint64_t)j),
                         t->samples, NULL, error);
}

static double psnr(double peak, double mse) { return 10.0 * log10(peak * peak / mse); }

bool dm_mmgan_trainer_validate(DmMmganTrainer *t, DmMmganValidation *v, DmError **error) {
  int n_val = dm_mmgan_pool_validation_count(t->pool), p = t->o.validation_p;
  size_t npix = t->npix;
  float *means = malloc((size_t)n_val * npix * sizeof(float));
  float *truths = malloc((size_t)n_val * npix * sizeof(float));
  float *masks = malloc((size_t)n_val * npix * sizeof(float));
  bool ok = means && truths && masks;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the validation.");
  double psnr_p = 0.0, psnr_1 = 0.0, variance = 0.0, error2 = 0.0, r_map = 0.0, r_ks = 0.0;
  for (int j = 0; ok && j < n_val; j++) {
    ok = validation_samples(t, j, error);
    if (!ok) break;
    float *mean = means + (size_t)j * npix, *truth = truths + (size_t)j * npix;
    memcpy(truth, t->kappa, npix * sizeof(float));
    memcpy(masks + (size_t)j * npix, dm_mmgan_pool_mask(t->pool), npix * sizeof(float));
    float lo = truth[0], hi = truth[0];
    double mse_p = 0.0, mse_1 = 0.0;
    for (size_t q = 0; q < npix; q++) {
      double sum = 0.0, sum2 = 0.0;
      for (int k = 0; k < p; k++) sum += t->samples[(size_t)k * npix + q];
      double mu = sum / p;
      for (int k = 0; k < p; k++) {
        double d = t->samples[(size_t)k * npix + q] - mu;
        sum2 += d * d;
      }
      mean[q] = (float)mu;
      variance += sum2 / (p - 1);
      double e = mu - truth[q], e1 = t->samples[q] - truth[q];
      mse_p += e * e;
      mse_1 += e1 * e1;
      lo = fminf(lo, truth[q]);
      hi = fmaxf(hi, truth[q]);
    }
    double r = 0.0, rmse = 0.0, r_best = 0.0, rmse_best = 0.0, sigma = 0.0;
    const float *mask = dm_mmgan_pool_mask(t->pool);
    ok = dm_eval_compare(truth, mean, mask, npix, &r, &rmse, error) &&
         dm_eval_best_ks(truth, t->g1, t->g2, mask, t->nx, t->ny, &r_best, &rmse_best, &sigma,
                         error);
    r_map += r;
    r_ks += r_best;
    error2 += mse_p;
    psnr_p += psnr(hi - lo, mse_p / (double)npix);
    psnr_1 += psnr(hi - lo, mse_1 / (double)npix);
  }
  ok = ok && dm_eval_compare(truths, means, masks, (size_t)n_val * npix, &v->r, &v->rmse, error);
  if (ok) {
    v->psnr_mean = psnr_p / n_val;
    v->psnr_single = psnr_1 / n_val;
    v->psnr_gain = v->psnr_mean - v->psnr_single;
    v->psnr_gain_target = 10.0 * log10(2.0 * p / (p + 1.0));
    v->std_ratio = sqrt((1.0 + 1.0 / p) * variance / error2);
    v->r_map = r_map / n_val;
    v->r_ks = r_ks / n_val;
  }
  free(means);
  free(truths);
  free(masks);
  return ok;
}

bool dm_mmgan_trainer_validation_mean(DmMmganTrainer *t, int j, float *mean, float *truth,
                                      DmError **error) {
  if (j < 0 || j >= dm_mmgan_pool_validation_count(t->pool))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No validation pair %d.", j);
  if (!validation_samples(t, j, error)) return false;
  int p = t->o.validation_p;
  for (size_t q = 0; q < t->npix; q++) {
    double sum = 0.0;
    for (int k = 0; k < p; k++) sum += t->samples[(size_t)k * t->npix + q];
    mean[q] = (float)(sum / p);
  }
  memcpy(truth, t->kappa, t->npix * sizeof(float));
  return true;
}

bool dm_mmgan_trainer_write_state(const DmMmganTrainer *t, DmSafetensorsWriter *writer,
                                  DmError **error) {
  char std_weight[64];
  snprintf(std_weight, sizeof std_weight, "%.17g", t->std_weight);
  return dm_safetensors_writer_add_metadata(writer, "std_weight", std_weight, error) &&
         dm_nn_params_write(t->m->generator_params, writer, "generator.", false, error) &&
         dm_nn_params_write(t->m->critic_params, writer, "critic.", false, error) &&
         dm_adam_write(t->adam_g, writer, "adam_g.", error) &&
         dm_adam_write(t->adam_c, writer, "adam_c.", error);
}

bool dm_mmgan_trainer_read_state(DmMmganTrainer *t, const DmSafetensors *st, DmError **error) {
  double std_weight = 0.0;
  if (!dm_safetensors_metadata_double(st, "the checkpoint", "std_weight", &std_weight, error) ||
      !dm_nn_params_read(t->m->generator_params, st, "generator.", true, error) ||
      !dm_nn_params_read(t->m->critic_params, st, "critic.", true, error) ||
      !dm_adam_read(t->adam_g, st, "adam_g.", error) ||
      !dm_adam_read(t->adam_c, st, "adam_c.", error))
    return false;
  t->std_weight = std_weight;
  return true;
}

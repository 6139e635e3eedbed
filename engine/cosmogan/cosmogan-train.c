/* CosmoGAN training: DCGAN steps with the non-saturating loss and label
 * flips, validation against the training maps, and the state of a
 * checkpoint (darkmap/cosmogan-train.h). */
#include "darkmap/cosmogan-train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "darkmap/rng.h"

/* Most training maps the validation reference holds. */
enum { REFERENCE_MAPS = 2000 };

/* Philox keys of the step's draws, one per use, derived from the seed. */
enum { KEY_BATCH = 1, KEY_LATENT = 2, KEY_FLIP = 3, KEY_VALIDATION = 4 };

static uint64_t key_of(uint64_t seed, uint64_t use) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + use * 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 29);
}

struct DmCosmoganTrainer {
  DmCosmogan *m;              /* borrowed */
  const DmMapTiles *maps; /* borrowed */
  DmCosmoganTrainOptions o;
  DmAdam *adam_g, *adam_d;
  DmTensor **gen_trainable, **disc_trainable;
  int n_gen, n_disc;
  int size;
  size_t npix;
  float *batch;         /* batch × npix: the step's real maps, transformed */
  float *logits, *grad; /* batch each */
  float *generated;     /* validation_maps × npix */
  DmCosmoganReference *reference;
  DmCosmogan *kept; /* a generator: the best validated one when kept_step >= 0 */
  int64_t kept_step;
  DmCosmoganValidation kept_validation;
};

void dm_cosmogan_train_options_init(DmCosmoganTrainOptions *o) {
  *o = (DmCosmoganTrainOptions){.batch = 64,
                                .lr = 2e-4f,
                                .beta1 = 0.5f,
                                .beta2 = 0.999f,
                                .flip = 0.01,
                                .validation_maps = 1000,
                                .seed = 1};
}

void dm_cosmogan_trainer_free(DmCosmoganTrainer *t) {
  if (!t) return;
  dm_adam_free(t->adam_g);
  dm_adam_free(t->adam_d);
  free(t->gen_trainable);
  free(t->disc_trainable);
  free(t->batch);
  free(t->logits);
  free(t->grad);
  free(t->generated);
  dm_cosmogan_reference_free(t->reference);
  dm_cosmogan_free(t->kept);
  free(t);
}

static bool options_valid(const DmCosmoganTrainOptions *o, DmError **error) {
  if (o->batch < 1 || !(o->lr > 0.0f) || !(o->beta1 >= 0.0f && o->beta1 < 1.0f) ||
      !(o->beta2 >= 0.0f && o->beta2 < 1.0f) || !(o->flip >= 0.0 && o->flip <= 1.0) ||
      o->validation_maps < 2)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Invalid CosmoGAN training settings (batch %d, lr %g, betas %g and %g, "
                        "label flips %g, %d validation maps: at least 2).",
                        o->batch, (double)o->lr, (double)o->beta1, (double)o->beta2, o->flip,
                        o->validation_maps);
  return true;
}

DmCosmoganTrainer *dm_cosmogan_trainer_new(DmCosmogan *m, const DmMapTiles *maps,
                                           const DmCosmoganTrainOptions *options,
                                           const DmProgress *progress, DmError **error) {
  DmCosmoganTrainOptions o;
  if (options)
    o = *options;
  else
    dm_cosmogan_train_options_init(&o);
  if (!options_valid(&o, error)) return NULL;
  int size = dm_map_tiles_size(maps);
  if (dm_map_tiles_count(maps) < 2) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "A CosmoGAN learns from 2 training maps or more, not from %s.",
                 dm_map_tiles_describe(maps));
    return NULL;
  }
  if (!m->discriminator || size != m->config.size) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The CosmoGAN to train needs a discriminator and the maps' size (%d, not %d).",
                 size, m->config.size);
    return NULL;
  }
  DmCosmoganTrainer *t = calloc(1, sizeof *t);
  if (!t) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the CosmoGAN trainer.");
    return NULL;
  }
  t->m = m;
  t->maps = maps;
  t->o = o;
  t->kept_step = -1;
  t->size = size;
  t->npix = (size_t)size * (size_t)size;
  bool ok = (t->batch = malloc((size_t)o.batch * t->npix * sizeof(float))) &&
            (t->logits = malloc((size_t)o.batch * sizeof(float))) &&
            (t->grad = malloc((size_t)o.batch * sizeof(float))) &&
            (t->generated = malloc((size_t)o.validation_maps * t->npix * sizeof(float))) &&
            (t->gen_trainable = dm_nn_params_trainable_tensors(m->generator_params, &t->n_gen)) &&
            (t->disc_trainable =
                 dm_nn_params_trainable_tensors(m->discriminator_params, &t->n_disc));
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the CosmoGAN trainer.");
  DmAdamConfig adam = dm_adam_config_default();
  adam.lr = o.lr;
  adam.beta1 = o.beta1;
  adam.beta2 = o.beta2;
  ok = ok && (t->adam_g = dm_adam_new(m->generator_params, &adam, error)) &&
       (t->adam_d = dm_adam_new(m->discriminator_params, &adam, error)) &&
       (t->kept = dm_cosmogan_new(m->nn, &m->config, false, 0, error));
  int n_reference = dm_map_tiles_count(maps);
  if (n_reference > REFERENCE_MAPS) n_reference = REFERENCE_MAPS;
  ok = ok && (t->reference =
                  dm_cosmogan_reference_new(dm_map_tiles_data(maps), n_reference, size,
                                            dm_map_tiles_pixel_arcmin(maps), progress, error));
  if (!ok) {
    dm_cosmogan_trainer_free(t);
    return NULL;
  }
  return t;
}

int64_t dm_cosmogan_trainer_steps(const DmCosmoganTrainer *t) { return dm_adam_steps(t->adam_g); }

/* The real maps of step `step`, transformed, into t->batch. */
static void prepare(DmCosmoganTrainer *t, int64_t step) {
  const float *data = dm_map_tiles_data(t->maps);
  uint32_t count = (uint32_t)dm_map_tiles_count(t->maps);
  int s = t->size;
  const DmCosmoganConfig *c = &t->m->config;
  for (int b = 0; b < t->o.batch; b++) {
    DmRng rng;
    dm_rng_init(&rng, key_of(t->o.seed, KEY_BATCH), (uint64_t)step * t->o.batch + b);
    const float *map = data + (size_t)(dm_rng_u32(&rng) % count) * t->npix;
    uint32_t transform = dm_rng_u32(&rng) % 8u;
    bool flip_x = transform & 1u, flip_y = transform & 2u, transpose = transform & 4u;
    float *out = t->batch + (size_t)b * t->npix;
    for (int i = 0; i < s; i++)
      for (int j = 0; j < s; j++) {
        int si = transpose ? j : i, sj = transpose ? i : j;
        if (flip_y) si = s - 1 - si;
        if (flip_x) sj = s - 1 - sj;
        out[(size_t)i * s + j] = (float)dm_cosmogan_transform(c, map[(size_t)si * s + sj]);
      }
  }
}

static double softplus(double x) { return fmax(x, 0.0) + log1p(exp(-fabs(x))); }
static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* The mean binary cross-entropy of logits (n, host) with label y, and its
 * gradient (sigmoid(l) − y) / n as a new temporary [n, 1, 1, 1]; *probability
 * gets the mean sigmoid(l). */
static DmTensor *cross_entropy(DmNn *nn, const float *logits, float *grad, int n, double y,
                               double *loss, double *probability) {
  double sum = 0.0, p_sum = 0.0;
  for (int i = 0; i < n; i++) {
    double p = sigmoid(logits[i]);
    sum += softplus(logits[i]) - y * logits[i];
    p_sum += p;
    grad[i] = (float)((p - y) / n);
  }
  *loss = sum / n;
  *probability = p_sum / n;
  DmTensor *g = dm_tensor_temp(nn, n, 1, 1, 1);
  return g && dm_tensor_upload(g, grad, (size_t)n) ? g : NULL;
}

/* sum(logits × grad): its gradient with respect to the logits is grad. */
static DmTensor *surrogate(DmNn *nn, DmTensor *logits, DmTensor *grad) {
  return dm_nn_sum(nn, dm_nn_mul(nn, logits, grad));
}

/* One step (see the header); l gets its losses.  Failures of the network
 * engine stay in its sticky error; the optimisers' come in *error. */
static bool train_step(DmCosmoganTrainer *t, int64_t step, DmCosmoganLosses *l, DmError **error) {
  DmCosmogan *m = t->m;
  DmNn *nn = m->nn;
  int n = t->o.batch;
  DmRng rng;
  dm_rng_init(&rng, key_of(t->o.seed, KEY_FLIP), (uint64_t)step);
  l->flipped = dm_rng_uniform(&rng) < t->o.flip;
  double y_real = l->flipped ? 0.0 : 1.0;
  dm_nn_set_recording(nn, true);
  DmTensor *z = dm_tensor_temp(nn, n, m->config.z_dim, 1, 1);
  bool ok = z && dm_cosmogan_fill_latent(m, z, key_of(t->o.seed, KEY_LATENT), (uint64_t)step * n);
  DmTensor *fake = ok ? dm_cosmogan_forward_generator(m, z, true) : NULL;
  /* The discriminator's update sees a copy: no gradient into the generator. */
  DmTensor *copy = fake ? dm_tensor_temp(nn, n, 1, t->size, t->size) : NULL;
  DmTensor *real = fake ? dm_tensor_temp(nn, n, 1, t->size, t->size) : NULL;
  ok = copy && real && dm_tensor_copy(copy, fake) &&
       dm_tensor_upload(real, t->batch, (size_t)n * t->npix);
  dm_nn_zero_grad(t->disc_trainable, t->n_disc);
  DmTensor *l_real = ok ? dm_cosmogan_forward_discriminator(m, real, true) : NULL;
  DmTensor *l_fake = ok ? dm_cosmogan_forward_discriminator(m, copy, true) : NULL;
  double loss_real = NAN, loss_fake = NAN;
  DmTensor *g_real = l_real && dm_tensor_download(l_real, t->logits, (size_t)n)
                         ? cross_entropy(nn, t->logits, t->grad, n, y_real, &loss_real, &l->d_real)
                         : NULL;
  DmTensor *g_fake =
      g_real && l_fake && dm_tensor_download(l_fake, t->logits, (size_t)n)
          ? cross_entropy(nn, t->logits, t->grad, n, 1.0 - y_real, &loss_fake, &l->d_fake)
          : NULL;
  DmTensor *d_total = dm_nn_add(nn, surrogate(nn, l_real, g_real), surrogate(nn, l_fake, g_fake));
  ok = d_total && dm_nn_backward(nn, d_total) && dm_adam_step(t->adam_d, t->o.lr, NULL, error);
  l->discriminator = loss_real + loss_fake;
  /* The generator through the updated discriminator. */
  dm_nn_zero_grad(t->gen_trainable, t->n_gen);
  DmTensor *l_gen = ok ? dm_cosmogan_forward_discriminator(m, fake, true) : NULL;
  double unused;
  DmTensor *g_gen = l_gen && dm_tensor_download(l_gen, t->logits, (size_t)n)
                        ? cross_entropy(nn, t->logits, t->grad, n, 1.0, &l->generator, &unused)
                        : NULL;
  DmTensor *g_total = g_gen ? surrogate(nn, l_gen, g_gen) : NULL;
  ok = g_total && dm_nn_backward(nn, g_total);
  dm_nn_clear(nn);
  return ok && dm_adam_step(t->adam_g, t->o.lr, NULL, error);
}

bool dm_cosmogan_trainer_step(DmCosmoganTrainer *t, DmCosmoganLosses *losses, DmError **error) {
  DmNn *nn = t->m->nn;
  int64_t step = dm_adam_steps(t->adam_g);
  prepare(t, step);
  DmCosmoganLosses l = {0};
  bool ok = train_step(t, step, &l, error);
  if (!dm_nn_take_error(nn, error)) return false;
  if (!ok && !(error && *error))
    dm_error_set(error, DM_ERROR_FAILED, 0, "CosmoGAN step %lld failed.", (long long)step);
  if (!ok) return false;
  if (!isfinite(l.discriminator) || !isfinite(l.generator))
    return dm_error_set(error, DM_ERROR_FAILED, 0,
                        "The CosmoGAN losses are not finite at step %lld.", (long long)step);
  if (losses) *losses = l;
  return true;
}

/* The validation of generator m at the trainer's step into v. */
static bool validate_generator(DmCosmoganTrainer *t, DmCosmogan *m, DmCosmoganValidation *v,
                               DmError **error) {
  if (!dm_cosmogan_sample(m, 0, t->o.validation_maps, t->o.batch,
                          key_of(t->o.seed, KEY_VALIDATION), t->generated, NULL, error) ||
      !dm_cosmogan_validate(t->reference, t->generated, t->o.validation_maps, v, error))
    return false;
  v->step = dm_cosmogan_trainer_steps(t);
  return true;
}

/* Copies every tensor of the generator of from into to's (same layout). */
static bool copy_generator(DmCosmogan *to, const DmCosmogan *from, DmError **error) {
  bool ok = true;
  for (int i = 0; ok && i < dm_nn_params_count(from->generator_params); i++)
    ok = dm_tensor_copy(dm_nn_params_tensor(to->generator_params, i),
                        dm_nn_params_tensor(from->generator_params, i));
  return dm_nn_take_error(to->nn, error) && ok;
}

bool dm_cosmogan_trainer_validate(DmCosmoganTrainer *t, DmCosmoganValidation *v, bool keep,
                                  DmError **error) {
  if (!validate_generator(t, t->m, v, error)) return false;
  /* NaN (no resolved bin) is never better, but better than nothing. */
  double now = v->cl_mean_difference, best = t->kept_validation.cl_mean_difference;
  bool better = t->kept_step < 0 || (!isnan(now) && (isnan(best) || now < best));
  if (!keep || !better) return true;
  if (!copy_generator(t->kept, t->m, error)) return false;
  t->kept_step = v->step;
  t->kept_validation = *v;
  return true;
}

DmCosmogan *dm_cosmogan_trainer_kept(DmCosmoganTrainer *t,
                                     const DmCosmoganValidation **validation) {
  *validation = t->kept_step >= 0 ? &t->kept_validation : NULL;
  return t->kept_step >= 0 ? t->kept : t->m;
}

bool dm_cosmogan_trainer_write_state(const DmCosmoganTrainer *t, DmSafetensorsWriter *writer,
                                     DmError **error) {
  char kept_step[32];
  snprintf(kept_step, sizeof kept_step, "%lld", (long long)t->kept_step);
  return dm_safetensors_writer_add_metadata(writer, "kept_step", kept_step, error) &&
         dm_nn_params_write(t->kept->generator_params, writer, "kept.", false, error) &&
         dm_nn_params_write(t->m->generator_params, writer, "generator.", false, error) &&
         dm_nn_params_write(t->m->discriminator_params, writer, "discriminator.", false, error) &&
         dm_adam_write(t->adam_g, writer, "adam_g.", error) &&
         dm_adam_write(t->adam_d, writer, "adam_d.", error);
}

bool dm_cosmogan_trainer_read_state(DmCosmoganTrainer *t, const DmSafetensors *st,
                                    DmError **error) {
  const char *text = dm_safetensors_metadata(st, "kept_step");
  char *end = NULL;
  long long kept_step = text ? strtoll(text, &end, 10) : -2;
  if (!text || end == text || *end || kept_step < -1)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "The checkpoint's \"kept_step\" is %s%s%s, not a step or -1.",
                        text ? "\"" : "", text ? text : "missing", text ? "\"" : "");
  if (!dm_nn_params_read(t->kept->generator_params, st, "kept.", true, error) ||
      !dm_nn_params_read(t->m->generator_params, st, "generator.", true, error) ||
      !dm_nn_params_read(t->m->discriminator_params, st, "discriminator.", true, error) ||
      !dm_adam_read(t->adam_g, st, "adam_g.", error) ||
      !dm_adam_read(t->adam_d, st, "adam_d.", error))
    return false;
  if (kept_step > dm_cosmogan_trainer_steps(t))
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "The checkpoint kept a generator of step %lld, after its own step %lld.",
                        kept_step, (long long)dm_cosmogan_trainer_steps(t));
  t->kept_step = kept_step;
  if (kept_step < 0) return true;
  if (!validate_generator(t, t->kept, &t->kept_validation, error)) return false;
  t->kept_validation.step = kept_step;
  return true;
}

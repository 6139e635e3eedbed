/* Adam / AdamW (darkmap/nn-optim.h) with bias correction and global-norm
 * gradient clipping, and its state file.
 *
 * One update, as torch.optim.Adam / AdamW and torch.nn.utils.clip_grad_norm_:
 *   norm = sqrt(sum over trainable tensors of sum(grad^2));
 *   scale = clip_norm / (norm + 1e-6) when clip_norm > 0 and that is < 1,
 *   else 1; then the ADAM kernel op (nn-backend.h) on each tensor with
 *   step t = steps + 1, bias1 = 1 / (1 - beta1^t), bias2 = 1 / (1 - beta2^t).
 *
 * State file (safetensors): "m.<name>" and "v.<name>" (F32, the tensor's
 * four dims) for each trainable tensor; metadata "format" = "darkmap-adam",
 * "step", and the configuration ("lr", "beta1", "beta2", "eps",
 * "weight_decay", "decoupled", "clip_norm"), floats written with 9
 * significant digits so that they read back exactly.  Inside a larger file
 * (dm_adam_write, dm_adam_read) every name and key has a prefix
 * ("adam_g.m.<name>", "adam_g.step"). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-optim.h"
#include "darkmap/safetensors.h"
#include "nn/nn-backend.h"
#include "nn/nn-failure-private.h"
#include "nn/nn-params-private.h"

typedef struct {
  DmTensor *param;  /* borrowed from the set */
  const char *name; /* borrowed from the set */
  DmTensor *m, *v;  /* owned, persistent, param's shape */
} AdamSlot;

struct DmAdam {
  DmNnParams *params;  /* borrowed */
  DmNn *nn;
  DmAdamConfig config;
  AdamSlot *slots;     /* one per trainable tensor, in the set's order */
  int n_slots;
  DmTensor *scratch;   /* (1, n_slots, 1, 1), persistent: each tensor's sum of squares */
  int64_t steps;
};

DmAdamConfig dm_adam_config_default(void) {
  return (DmAdamConfig){.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                        .weight_decay = 0.0f, .decoupled = false, .clip_norm = 0.0f};
}

void dm_adam_free(DmAdam *adam) {
  if (!adam) return;
  for (int i = 0; i < adam->n_slots; i++) {
    dm_tensor_free(adam->slots[i].m);
    dm_tensor_free(adam->slots[i].v);
  }
  free(adam->slots);
  dm_tensor_free(adam->scratch);
  free(adam);
}

static DmTensor *zeros_like(DmNn *nn, const DmTensor *t) {
  DmTensor *z = dm_tensor_new(nn, t->shape[0], t->shape[1], t->shape[2], t->shape[3]);
  if (z && !dm_tensor_fill(z, 0.0f)) {
    dm_tensor_free(z);
    return NULL;
  }
  return z;
}

DmAdam *dm_adam_new(DmNnParams *params, const DmAdamConfig *config, DmError **error) {
  if (!(config->lr >= 0) || !(config->beta1 >= 0 && config->beta1 < 1) ||
      !(config->beta2 >= 0 && config->beta2 < 1) || !(config->eps >= 0) ||
      !(config->weight_decay >= 0) || !(config->clip_norm >= 0)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Adam: invalid configuration (lr %g, betas %g %g, eps %g, decay %g, clip %g)",
                 config->lr, config->beta1, config->beta2, config->eps, config->weight_decay,
                 config->clip_norm);
    return NULL;
  }
  DmAdam *adam = calloc(1, sizeof *adam);
  int count = dm_nn_params_count(params);
  if (!adam || !(adam->slots = calloc((size_t)(count ? count : 1), sizeof *adam->slots))) {
    free(adam);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Adam: out of memory");
    return NULL;
  }
  adam->params = params;
  adam->config = *config;
  DmNn *nn = dm_nn_params_context(params);
  adam->nn = nn;
  for (int i = 0; i < count; i++) {
    if (!dm_nn_params_trainable(params, i)) continue;
    AdamSlot *slot = &adam->slots[adam->n_slots++];
    slot->param = dm_nn_params_tensor(params, i);
    slot->name = dm_nn_params_name(params, i);
    slot->m = zeros_like(nn, slot->param);
    slot->v = zeros_like(nn, slot->param);
  }
  adam->scratch = dm_tensor_new(nn, 1, adam->n_slots > 0 ? adam->n_slots : 1, 1, 1);
  if (!dm_nn_ok(nn)) {
    dm_adam_free(adam);
    dm_nn_take_failure(nn, error, "Adam: creating the moments");
    return NULL;
  }
  return adam;
}

int64_t dm_adam_steps(const DmAdam *adam) { return adam->steps; }

/* sqrt(sum of squares of every gradient), in double; missing grads count 0.
 * Each tensor's sum goes to its own element of the scratch vector, read
 * back once. */
static bool global_norm(DmAdam *adam, double *norm) {
  DmNn *nn = adam->nn;
  *norm = 0;
  if (adam->n_slots == 0) return true;
  if (!dm_tensor_fill(adam->scratch, 0.0f)) return false;
  for (int i = 0; i < adam->n_slots; i++) {
    const DmTensor *g = adam->slots[i].param->grad;
    if (!g) continue;
    DmNnNode node = {.op = DM_NN_OP_SUMSQ, .alpha = 1.0f};
    node.src[0] = g;
    node.dst[0] = dm_tensor_channel_view(adam->scratch, i, 1);
    if (!node.dst[0] || !dm_nn_compute(nn, &node)) return false;
  }
  float *sums = malloc((size_t)adam->n_slots * sizeof *sums);
  if (!sums) return dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "out of memory");
  bool ok = dm_tensor_download(adam->scratch, sums, (size_t)adam->n_slots);
  double total = 0;
  for (int i = 0; ok && i < adam->n_slots; i++) total += sums[i];
  free(sums);
  *norm = sqrt(total);
  return ok && dm_nn_ok(nn);
}

bool dm_adam_step(DmAdam *adam, float lr, float *grad_norm, DmError **error) {
  DmNn *nn = adam->nn;
  if (!dm_nn_ok(nn)) return dm_nn_take_failure(nn, error, "Adam step");
  const DmAdamConfig *c = &adam->config;
  double norm = 0, scale = 1;
  if (grad_norm || c->clip_norm > 0) {
    if (!global_norm(adam, &norm)) return dm_nn_take_failure(nn, error, "Adam: gradient norm");
    if (grad_norm) *grad_norm = (float)norm;
    if (c->clip_norm > 0) {
      double coef = c->clip_norm / (norm + 1e-6);
      if (coef < 1) scale = coef;
    }
  }
  int64_t t = adam->steps + 1;
  double bias1 = 1.0 / (1.0 - pow(c->beta1, (double)t));
  double bias2 = 1.0 / (1.0 - pow(c->beta2, (double)t));
  for (int i = 0; i < adam->n_slots; i++) {
    AdamSlot *slot = &adam->slots[i];
    if (!slot->param->grad && !(slot->param->grad = zeros_like(nn, slot->param)))
      return dm_nn_take_failure(nn, error, "Adam: a missing gradient");
    DmNnNode node = {.op = DM_NN_OP_ADAM, .lr = lr, .beta1 = c->beta1, .beta2 = c->beta2,
                     .eps = c->eps, .weight_decay = c->weight_decay, .grad_scale = (float)scale,
                     .bias1 = (float)bias1, .bias2 = (float)bias2, .decoupled = c->decoupled};
    node.src[0] = slot->param->grad;
    node.dst[0] = slot->param;
    node.dst[1] = slot->m;
    node.dst[2] = slot->v;
    if (!dm_nn_compute(nn, &node)) return dm_nn_take_failure(nn, error, "Adam step");
  }
  adam->steps = t;
  return true;
}

/* ---- state file --------------------------------------------------------- */

bool dm_adam_write(const DmAdam *adam, DmSafetensorsWriter *w, const char *prefix,
                   DmError **error) {
  const DmAdamConfig *c = &adam->config;
  char step[32], lr[32], beta1[32], beta2[32], eps[32], decay[32], clip[32];
  snprintf(step, sizeof step, "%" PRId64, adam->steps);
  snprintf(lr, sizeof lr, "%.9g", c->lr);
  snprintf(beta1, sizeof beta1, "%.9g", c->beta1);
  snprintf(beta2, sizeof beta2, "%.9g", c->beta2);
  snprintf(eps, sizeof eps, "%.9g", c->eps);
  snprintf(decay, sizeof decay, "%.9g", c->weight_decay);
  snprintf(clip, sizeof clip, "%.9g", c->clip_norm);
  const char *keys[] = {"format", "step", "lr", "beta1", "beta2", "eps", "weight_decay",
                        "decoupled", "clip_norm"};
  const char *values[] = {"darkmap-adam", step, lr, beta1, beta2, eps, decay,
                          c->decoupled ? "true" : "false", clip};
  bool ok = true;
  for (size_t i = 0; ok && i < sizeof keys / sizeof keys[0]; i++) {
    char *key = dm_nn_prefixed_name(prefix, "", keys[i]);
    ok = key ? dm_safetensors_writer_add_metadata(w, key, values[i], error)
             : dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Adam state: out of memory");
    free(key);
  }
  /* Host copies go to the writer, which owns them. */
  for (int i = 0; ok && i < 2 * adam->n_slots; i++) {
    const AdamSlot *slot = &adam->slots[i / 2];
    const DmTensor *t = i % 2 ? slot->v : slot->m;
    size_t count = (size_t)dm_tensor_numel(t);
    char *name = dm_nn_prefixed_name(prefix, i % 2 ? "v." : "m.", slot->name);
    float *host = malloc(count * sizeof(float));
    if (!name || !host) {
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Adam state: out of memory");
      free(host);
    } else if (!dm_tensor_download(t, host, count)) {
      ok = dm_nn_take_failure(adam->nn, error, "Adam state: reading the moments");
      free(host);
    } else {
      ok = dm_safetensors_writer_add_owned(w, name, DM_ST_F32, 4, t->shape, host, error);
    }
    free(name);
  }
  return ok;
}

bool dm_adam_save(const DmAdam *adam, const char *path, DmError **error) {
  DmSafetensorsWriter *w = dm_safetensors_writer_new();
  if (!w) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Adam state: out of memory");
  bool ok = dm_adam_write(adam, w, "", error) && dm_safetensors_writer_write(w, path, error);
  dm_safetensors_writer_free(w);
  return ok;
}

static bool parse_float(const DmSafetensors *st, const char *prefix, const char *key, float *out,
                        DmError **error) {
  char *full = dm_nn_prefixed_name(prefix, "", key);
  const char *s = full ? dm_safetensors_metadata(st, full) : NULL;
  char *end = NULL;
  float value = s ? strtof(s, &end) : 0.0f;
  bool ok = s && end != s && !*end;
  if (!ok)
    dm_error_set(error, DM_ERROR_FORMAT, 0, "Adam state: metadata %s is missing or not a number",
                 full ? full : key);
  else
    *out = value;
  free(full);
  return ok;
}

/* The metadata value prefix + key (NULL when absent or out of memory). */
static const char *metadata(const DmSafetensors *st, const char *prefix, const char *key) {
  char *full = dm_nn_prefixed_name(prefix, "", key);
  const char *value = full ? dm_safetensors_metadata(st, full) : NULL;
  free(full);
  return value;
}

bool dm_adam_read(DmAdam *adam, const DmSafetensors *st, const char *prefix, DmError **error) {
  DmAdamConfig c = adam->config;
  const char *format = metadata(st, prefix, "format");
  const char *step = metadata(st, prefix, "step");
  const char *decoupled = metadata(st, prefix, "decoupled");
  char *end = NULL;
  long long steps = step ? strtoll(step, &end, 10) : -1;
  bool ok = true;
  if (!format || strcmp(format, "darkmap-adam") != 0)
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "The file holds no Darkmap Adam state%s%s",
                      prefix[0] ? " under " : "", prefix);
  else if (!step || end == step || *end || steps < 0)
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "Adam state: the step count is missing or invalid");
  else if (!decoupled || (strcmp(decoupled, "true") && strcmp(decoupled, "false")))
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "Adam state: metadata decoupled is missing");
  ok = ok && parse_float(st, prefix, "lr", &c.lr, error) &&
       parse_float(st, prefix, "beta1", &c.beta1, error) &&
       parse_float(st, prefix, "beta2", &c.beta2, error) &&
       parse_float(st, prefix, "eps", &c.eps, error) &&
       parse_float(st, prefix, "weight_decay", &c.weight_decay, error) &&
       parse_float(st, prefix, "clip_norm", &c.clip_norm, error);
  if (ok) c.decoupled = strcmp(decoupled, "true") == 0;

  /* Validate every moment before changing anything. */
  int n = 2 * adam->n_slots;
  float **host = calloc((size_t)(n ? n : 1), sizeof *host);
  if (ok && !host) ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Adam state: out of memory");
  for (int i = 0; ok && i < n; i++) {
    const AdamSlot *slot = &adam->slots[i / 2];
    const DmTensor *t = i % 2 ? slot->v : slot->m;
    char *name = dm_nn_prefixed_name(prefix, i % 2 ? "v." : "m.", slot->name);
    const DmStTensorInfo *info = name ? dm_safetensors_find(st, name) : NULL;
    size_t count = (size_t)dm_tensor_numel(t);
    size_t file_count = info ? dm_safetensors_numel(info) : 0;
    if (!name) {
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Adam state: out of memory");
    } else if (!info) {
      ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "Adam state: %s is missing", name);
    } else if (file_count != count) {
      ok = dm_error_set(error, DM_ERROR_FORMAT, 0, "Adam state: %s has %zu elements, expected %zu",
                        name, file_count, count);
    } else if (!(host[i] = malloc(count * sizeof(float)))) {
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Adam state: out of memory");
    } else {
      ok = dm_safetensors_to_f32(st, info, host[i], count, error);
    }
    free(name);
  }
  for (int i = 0; ok && i < n; i++) {
    const AdamSlot *slot = &adam->slots[i / 2];
    DmTensor *t = i % 2 ? slot->v : slot->m;
    if (!dm_tensor_upload(t, host[i], (size_t)dm_tensor_numel(t)))
      ok = dm_nn_take_failure(adam->nn, error, "Adam state: writing the moments");
  }
  if (ok) {
    adam->config = c;
    adam->steps = steps;
  }
  for (int i = 0; host && i < n; i++) free(host[i]);
  free(host);
  return ok;
}

bool dm_adam_load(DmAdam *adam, const char *path, DmError **error) {
  DmSafetensors *st = dm_safetensors_read(path, error);
  if (!st) return false;
  bool ok = dm_adam_read(adam, st, "", error);
  if (!ok) dm_error_prefix(error, "%s", path);
  dm_safetensors_free(st);
  return ok;
}

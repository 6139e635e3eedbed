/* Training a score network (the hybrid prior's residual or the plain
 * score) for dm_train (train-private.h): the pool of clean maps
 * (darkmap/score-train-pool.h), the theory prior, the U-Net, Adam with the
 * gradient norm clipped to 1 and the denoising score matching trainer
 * (darkmap/score-network.h). */
#include <stdlib.h>
#include <unistd.h>

#include "darkmap/map-tiles.h"
#include "darkmap/score-network.h"
#include "darkmap/score-train-pool.h"
#include "train/train-private.h"

typedef struct {
  DmScoreTrainPool *pool;
  DmScorePrior *prior;
  DmNn *nn;
  DmNnParams *params;
  DmUNet *unet;
  DmAdam *adam;
  DmScoreNetwork network;
  DmScoreTrainer *trainer;
  double pixel_arcmin;    /* of the training maps, recorded in the model */
} ScoreState;

static void score_free(void *state) {
  ScoreState *s = state;
  if (!s) return;
  dm_score_trainer_free(s->trainer);
  dm_adam_free(s->adam);
  dm_unet_free(s->unet);
  dm_nn_params_free(s->params);
  dm_nn_free(s->nn);
  dm_score_prior_free(s->prior);
  dm_score_train_pool_free(s->pool);
  free(s);
}

static int64_t score_steps(const void *state) {
  const ScoreState *s = state;
  return dm_adam_steps(s->adam);
}

static bool score_step(void *state, DmTrainReport *report, DmError **error) {
  ScoreState *s = state;
  return dm_score_trainer_run(s->trainer, 1, &report->train_loss, NULL, error);
}

static bool score_validate(void *state, DmTrainReport *report, DmError **error) {
  ScoreState *s = state;
  if (!dm_score_trainer_validate(s->trainer, &report->validation_loss, &report->theory_loss,
                                 error))
    return false;
  report->has_validation = true;
  return true;
}

static bool score_write_state(const void *state, DmSafetensorsWriter *writer, DmError **error) {
  const ScoreState *s = state;
  return dm_score_trainer_write_state(s->trainer, writer, error);
}

static bool score_read_state(void *state, const DmSafetensors *st, DmError **error) {
  ScoreState *s = state;
  return dm_score_trainer_read_state(s->trainer, st, error);
}

static bool score_save_model(const void *state, const char *path, DmError **error) {
  const ScoreState *s = state;
  return dm_score_network_save(&s->network, s->params, s->pixel_arcmin, path, error);
}

/* Threads making the maps: the request's, or every core. */
static int data_threads(const DmTrainRequest *r) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return r->threads > 0 ? r->threads : cpus > 0 && cpus < 1024 ? (int)cpus : 1;
}

bool dm_train_score_new(const DmTrainRequest *r, const DmProgress *pool_progress,
                        DmTrainMethod *method, DmError **error) {
  ScoreState *s = calloc(1, sizeof *s);
  if (!s) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the training.");
  s->pixel_arcmin = r->pixel_arcmin;
  DmDatasetConfig fields;
  dm_train_fields(r, r->size, r->size, r->pixel_arcmin, &fields);
  int threads = data_threads(r);
  if (r->maps_path) {
    DmMapTiles *maps =
        dm_map_tiles_read_grid(r->maps_path, r->size, r->pool_maps + r->validation,
                               r->pixel_arcmin, "the training pool and its validation",
                               pool_progress, error);
    s->pool = maps ? dm_score_train_pool_from_maps(dm_map_tiles_data(maps), r->size, r->size,
                                                   r->pool_maps, r->validation, r->seed, error)
                   : NULL;
    dm_map_tiles_free(maps);
  } else {
    s->pool = dm_score_train_pool_new(&fields, r->pool_maps, r->validation, r->seed, threads,
                                      pool_progress, error);
  }
  s->prior = s->pool ? dm_score_prior_new(r->theory, r->size, r->size, r->pixel_arcmin, error)
                     : NULL;
  s->nn = s->prior ? dm_nn_new_by_name(r->device, r->threads, error) : NULL;
  s->params = s->nn ? dm_nn_params_new(s->nn) : NULL;
  DmUNetConfig config = {.in_channels = 1, .out_channels = 1, .depth = r->depth,
                         .base_width = r->width,
                         .groups = dm_train_norm_groups(r->width),
                         .slope = 0.2f, .noise_features = 16};
  s->unet = s->params ? dm_unet_new(s->params, &config, r->seed, error) : NULL;
  DmAdamConfig adam = dm_adam_config_default();
  adam.lr = (float)r->lr;
  adam.clip_norm = 1.0f;
  s->adam = s->unet ? dm_adam_new(s->params, &adam, error) : NULL;
  if (s->adam) {
    s->network = (DmScoreNetwork){s->nn, s->unet, dm_score_prior_variance(s->prior, 0.0),
                                  r->kind == DM_TRAIN_SCORE_PLAIN};
    DmScoreTrainOptions options;
    dm_score_train_options_init(&options);
    options.batch = r->batch;
    options.sigma_min = r->sigma_min;
    options.sigma_max = r->sigma_max;
    options.seed = r->seed;
    options.validation_maps = r->validation;
    options.threads = threads;
    options.parallel = r->parallel;
    options.schedule = (DmLrSchedule){.kind = DM_LR_CONSTANT, .base_lr = (float)r->lr};
    if (r->cosine > 0)
      options.schedule = (DmLrSchedule){.kind = DM_LR_WARMUP_COSINE, .base_lr = (float)r->lr,
                                        .warmup = r->cosine / 50, .total = r->cosine,
                                        .min_factor = 0.05f};
    s->trainer = dm_score_trainer_new(s->prior, &s->network, s->params, s->adam,
                                      dm_score_train_pool_map, s->pool, &options, error);
  }
  if (s->nn && !s->params && dm_nn_take_error(s->nn, error))
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the score network.");
  if (!s->trainer) {
    score_free(s);
    return false;
  }
  *method = (DmTrainMethod){.state = s,
                            .nn = s->nn,
                            .n_parameters = dm_nn_params_numel(s->params),
                            .steps = score_steps,
                            .step = score_step,
                            .validate = score_validate,
                            .write_state = score_write_state,
                            .read_state = score_read_state,
                            .save_model = score_save_model,
                            .free = score_free};
  return true;
}

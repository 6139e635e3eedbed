/* Training an MMGAN for one survey for dm_train (train-private.h): the
 * survey of the catalogue on the request's grid (rotated real noise), the
 * pool of pairs (darkmap/mmgan-train.h), the generator and critic and the
 * trainer with its two Adams. */
#include <math.h>
#include <stdlib.h>

#include "darkmap/dataset.h"
#include "darkmap/map-tiles.h"
#include "darkmap/mmgan-train.h"
#include "darkmap/mock-survey.h"
#include "train/train-private.h"

typedef struct {
  DmMmganPool *pool;
  DmNn *nn;
  DmMmgan *mmgan;
  DmMmganTrainer *trainer;
} MmganState;

static void mmgan_free(void *state) {
  MmganState *s = state;
  if (!s) return;
  dm_mmgan_trainer_free(s->trainer);
  dm_mmgan_free(s->mmgan);
  dm_nn_free(s->nn);
  dm_mmgan_pool_free(s->pool);
  free(s);
}

static int64_t mmgan_steps(const void *state) {
  const MmganState *s = state;
  return dm_mmgan_trainer_steps(s->trainer);
}

static bool mmgan_step(void *state, DmTrainReport *report, DmError **error) {
  MmganState *s = state;
  DmMmganLosses l;
  if (!dm_mmgan_trainer_run(s->trainer, 1, &l, NULL, error)) return false;
  report->train_loss = l.l1;
  report->critic_loss = l.critic;
  report->gradient_penalty = l.gradient_penalty;
  report->adversarial_loss = l.adversarial;
  report->std_reward = l.std_reward;
  report->std_weight = l.std_weight;
  return true;
}

static bool mmgan_validate(void *state, DmTrainReport *report, DmError **error) {
  MmganState *s = state;
  DmMmganValidation v;
  if (!dm_mmgan_trainer_validate(s->trainer, &v, error)) return false;
  report->has_validation = true;
  report->validation_loss = v.rmse;
  report->theory_loss = NAN;
  report->r = v.r_map;
  report->r_ks = v.r_ks;
  report->std_ratio = v.std_ratio;
  report->psnr_gain = v.psnr_gain;
  report->psnr_gain_target = v.psnr_gain_target;
  return true;
}

static bool mmgan_write_state(const void *state, DmSafetensorsWriter *writer, DmError **error) {
  const MmganState *s = state;
  return dm_mmgan_trainer_write_state(s->trainer, writer, error);
}

static bool mmgan_read_state(void *state, const DmSafetensors *st, DmError **error) {
  MmganState *s = state;
  return dm_mmgan_trainer_read_state(s->trainer, st, error);
}

static bool mmgan_save_model(const void *state, const char *path, DmError **error) {
  const MmganState *s = state;
  return dm_mmgan_save(s->mmgan, path, error);
}

/* The pool of the survey the catalogue gives on the request's grid, its
 * maps simulated or the tiles of maps_path (square grids only). */
static DmMmganPool *make_pool(const DmTrainRequest *r, const DmProgress *progress,
                              DmError **error) {
  DmMockSurvey *survey = dm_mock_survey_new_rotated(r->catalog, &r->grid, error);
  DmDatasetConfig dc;
  dm_train_fields(r, r->grid.nx, r->grid.ny, r->grid.pixel_arcmin, &dc);
  DmDataset *dataset = NULL;
  DmMapTiles *maps = NULL;
  if (survey && r->maps_path)
    maps = dm_map_tiles_read_grid(r->maps_path, r->grid.nx, r->pool_maps + r->validation,
                                  r->grid.pixel_arcmin,
                                  "the training pool and its validation", progress, error);
  else if (survey)
    dataset = dm_dataset_new(&dc, error);
  DmMmganPoolOptions po;
  dm_mmgan_pool_options_init(&po);
  po.n_kappa = r->pool_maps;
  po.n_noise = r->pool_noise;
  po.n_validation = r->validation;
  po.noise_seed = r->seed;
  po.maps = maps ? dm_map_tiles_data(maps) : NULL;
  DmMmganPool *pool =
      dataset || maps ? dm_mmgan_pool_new(dataset, survey, &po, progress, error) : NULL;
  dm_map_tiles_free(maps);
  dm_dataset_free(dataset);
  dm_mock_survey_free(survey);
  return pool;
}

bool dm_train_mmgan_new(const DmTrainRequest *r, const DmProgress *pool_progress,
                        DmTrainMethod *method, DmError **error) {
  MmganState *s = calloc(1, sizeof *s);
  if (!s) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the training.");
  s->pool = make_pool(r, pool_progress, error);
  s->nn = s->pool ? dm_nn_new_by_name(r->device, r->threads, error) : NULL;
  if (s->nn) {
    DmMmganConfig config;
    dm_mmgan_config_init(&config);
    dm_mmgan_pool_size(s->pool, &config.nx, &config.ny);
    config.pixel_arcmin = r->grid.pixel_arcmin;
    config.depth = r->depth;
    config.base_width = r->width;
    config.groups = dm_train_norm_groups(r->width);
    config.z_channels = r->z_channels;
    config.critic_base = r->critic_width;
    dm_mmgan_pool_statistics(s->pool, &config.kappa_mean, &config.kappa_std,
                             &config.shear_scale);
    s->mmgan = dm_mmgan_new(s->nn, &config, true, r->seed, error);
  }
  if (s->mmgan) {
    DmMmganTrainOptions o;
    dm_mmgan_train_options_init(&o);
    o.batch = r->batch;
    o.lr = (float)r->lr;
    o.beta_adv = r->beta_adv;
    o.adapt_every = r->adapt_every;
    o.seed = r->seed;
    o.parallel = r->parallel;
    s->trainer = dm_mmgan_trainer_new(s->mmgan, s->pool, &o, error);
  }
  if (!s->trainer) {
    mmgan_free(s);
    return false;
  }
  *method = (DmTrainMethod){.state = s,
                            .nn = s->nn,
                            .n_parameters = dm_mmgan_generator_size(s->mmgan),
                            .steps = mmgan_steps,
                            .step = mmgan_step,
                            .validate = mmgan_validate,
                            .write_state = mmgan_write_state,
                            .read_state = mmgan_read_state,
                            .save_model = mmgan_save_model,
                            .free = mmgan_free};
  return true;
}

/* Training a CosmoGAN for dm_train (train-private.h): the training maps
 * (simulated, or read from the request's maps_path), the generator and
 * discriminator and the trainer with its two Adams and its validation
 * reference (darkmap/cosmogan-train.h). */
#include <math.h>
#include <stdlib.h>

#include "darkmap/cosmogan-train.h"
#include "train/train-private.h"

/* The share of the pool's progress the maps take; the reference's
 * statistics take the rest. */
#define MAPS_SHARE 0.7

typedef struct {
  DmMapTiles *maps;
  DmNn *nn;
  DmCosmogan *model;
  DmCosmoganTrainer *trainer;
  int validate_every;          /* the request's: validations at its multiples keep */
  DmCosmoganValidation shown;  /* the model's: the kept generator's validation, else the
                                  last one (n_generated 0 before the first) */
} CosmoganState;

static void cosmogan_free(void *state) {
  CosmoganState *s = state;
  if (!s) return;
  dm_cosmogan_trainer_free(s->trainer);
  dm_cosmogan_free(s->model);
  dm_nn_free(s->nn);
  dm_map_tiles_free(s->maps);
  free(s);
}

static int64_t cosmogan_steps(const void *state) {
  const CosmoganState *s = state;
  return dm_cosmogan_trainer_steps(s->trainer);
}

static bool cosmogan_step(void *state, DmTrainReport *report, DmError **error) {
  CosmoganState *s = state;
  DmCosmoganLosses l;
  if (!dm_cosmogan_trainer_step(s->trainer, &l, error)) return false;
  report->train_loss = l.generator;
  report->critic_loss = l.discriminator;
  report->d_real = l.d_real;
  report->d_fake = l.d_fake;
  return true;
}

/* What the card shows: the kept generator's validation, else last (NULL:
 * none yet). */
static void update_shown(CosmoganState *s, const DmCosmoganValidation *last) {
  const DmCosmoganValidation *kept;
  dm_cosmogan_trainer_kept(s->trainer, &kept);
  if (kept) s->shown = *kept;
  else if (last) s->shown = *last;
}

static bool cosmogan_validate(void *state, DmTrainReport *report, DmError **error) {
  CosmoganState *s = state;
  /* Only validations at multiples of validate_every keep a generator, so
   * that the model depends neither on when a time limit or a cancellation
   * stopped a run nor on the steps a resumed run was first asked for. */
  int64_t step = dm_cosmogan_trainer_steps(s->trainer);
  bool keep = s->validate_every > 0 && step % s->validate_every == 0;
  DmCosmoganValidation last;
  DmCosmoganValidation *v = &last;
  if (!dm_cosmogan_trainer_validate(s->trainer, v, keep, error)) return false;
  update_shown(s, v);
  int points = 0, inside = 0;
  for (int c = DM_COSMOGAN_V0; c <= DM_COSMOGAN_V2; c++) {
    points += DM_COSMOGAN_THRESHOLDS;
    inside += v->n_inside[c];
  }
  report->has_validation = true;
  report->validation_loss = v->cl_mean_difference;
  report->cl_inside = v->n_resolved > 0 ? (double)v->n_cl_inside / v->n_resolved : NAN;
  report->pdf_inside = (double)v->n_inside[DM_COSMOGAN_PDF] / DM_COSMOGAN_THRESHOLDS;
  report->mf_inside = (double)inside / points;
  report->pixel_ks = v->ks_d;
  return true;
}

static bool cosmogan_write_state(const void *state, DmSafetensorsWriter *writer, DmError **error) {
  const CosmoganState *s = state;
  return dm_cosmogan_trainer_write_state(s->trainer, writer, error);
}

static bool cosmogan_read_state(void *state, const DmSafetensors *st, DmError **error) {
  CosmoganState *s = state;
  if (!dm_cosmogan_trainer_read_state(s->trainer, st, error)) return false;
  update_shown(s, NULL);
  return true;
}

/* The generator kept (the live one before any validation kept one). */
static bool cosmogan_save_model(const void *state, const char *path, DmError **error) {
  const CosmoganState *s = state;
  const DmCosmoganValidation *kept;
  return dm_cosmogan_save(dm_cosmogan_trainer_kept(s->trainer, &kept), path, error);
}

/* A part [lo, lo + share) of the pool's progress. */
typedef struct {
  const DmProgress *outer;
  double lo, share;
} Part;

static void part_report(void *user_data, double fraction, const char *stage) {
  const Part *part = user_data;
  dm_progress_report(part->outer, part->lo + part->share * fraction, stage);
}

/* The training maps of the request: read from maps_path, or simulated. */
static DmMapTiles *make_maps(const DmTrainRequest *r, const DmProgress *progress,
                             DmError **error) {
  if (r->maps_path)
    return dm_map_tiles_read(r->maps_path, r->size, r->pool_maps, r->pixel_arcmin, progress,
                             error);
  DmDatasetConfig fields;
  dm_train_fields(r, r->size, r->size, r->pixel_arcmin, &fields);
  return dm_map_tiles_simulate(&fields, r->pool_maps, progress, error);
}

bool dm_train_cosmogan_new(const DmTrainRequest *r, const DmProgress *pool_progress,
                           DmTrainMethod *method, DmError **error) {
  CosmoganState *s = calloc(1, sizeof *s);
  if (!s) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the training.");
  atomic_int *cancel = pool_progress ? pool_progress->cancel : NULL;
  Part maps_part = {pool_progress, 0.0, MAPS_SHARE};
  Part reference_part = {pool_progress, MAPS_SHARE, 1.0 - MAPS_SHARE};
  DmProgress maps_progress = {part_report, &maps_part, cancel};
  DmProgress reference_progress = {part_report, &reference_part, cancel};
  s->maps = make_maps(r, &maps_progress, error);
  s->nn = s->maps ? dm_nn_new_by_name(r->device, r->threads, error) : NULL;
  if (s->nn) {
    DmCosmoganConfig config;
    dm_cosmogan_config_init(&config);
    config.z_dim = r->z_channels;
    config.base_width = r->width;
    config.size = r->size;
    config.pixel_arcmin = dm_map_tiles_pixel_arcmin(s->maps);
    const float *data = dm_map_tiles_data(s->maps);
    size_t pixels = (size_t)dm_map_tiles_count(s->maps) * (size_t)r->size * (size_t)r->size;
    if (dm_cosmogan_fit_transform(data, pixels, &config, error))
      s->model = dm_cosmogan_new(s->nn, &config, true, r->seed, error);
  }
  if (s->model) {
    DmCosmoganTrainOptions o;
    dm_cosmogan_train_options_init(&o);
    o.batch = r->batch;
    o.lr = (float)r->lr;
    o.validation_maps = r->validation;
    o.seed = r->seed;
    s->validate_every = r->validate_every;
    s->trainer = dm_cosmogan_trainer_new(s->model, s->maps, &o, &reference_progress, error);
  }
  if (!s->trainer) {
    cosmogan_free(s);
    return false;
  }
  *method = (DmTrainMethod){.state = s,
                            .nn = s->nn,
                            .n_parameters = dm_cosmogan_generator_size(s->model),
                            .steps = cosmogan_steps,
                            .step = cosmogan_step,
                            .validate = cosmogan_validate,
                            .write_state = cosmogan_write_state,
                            .read_state = cosmogan_read_state,
                            .save_model = cosmogan_save_model,
                            .free = cosmogan_free,
                            .curves = &s->shown,
                            .data = dm_map_tiles_describe(s->maps)};
  return true;
}

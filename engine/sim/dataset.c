/* Simulated training tuples, made on the fly from (seed, index) (see
 * darkmap/dataset.h; the file format is in dataset-file.c). */
#include "darkmap/dataset.h"

#include <stdlib.h>
#include <string.h>

#include "darkmap/field-from-power.h"
#include "darkmap/lognormal.h"
#include "darkmap/mass-function.h"
#include "dataset-private.h"

/* Steps whose seeds are derived per tuple. */
enum { STEP_FIELD = 1, STEP_HALOES = 2, STEP_NOISE = 3 };

void dm_dataset_config_init(DmDatasetConfig *config) {
  *config = (DmDatasetConfig){
      .nx = 256, .ny = 256, .pixel_arcmin = 0.29, .field = DM_FIELD_LOGNORMAL, .shift = 0.02,
      .box_factor = 1, .haloes = false, .seed = 0};
  dm_halo_population_options_init(&config->halo_options);
  dm_nfw_paint_options_init(&config->paint);
  dm_cosmology_init(&config->cosmology);
}

/* splitmix64's finaliser (Steele, Lea & Flood 2014): a bijective mixer. */
static uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static uint64_t derive_seed(uint64_t seed, uint64_t index, int step) {
  return mix64(seed ^ mix64(index * 4u + (uint64_t)step));
}

void dm_dataset_free(DmDataset *dataset) {
  if (!dataset) return;
  dm_lognormal_model_free(dataset->lognormal);
  dm_mass_function_free(dataset->mass_function);
  dm_mock_survey_free(dataset->own_survey);
  free(dataset);
}

DmDataset *dm_dataset_new(const DmDatasetConfig *config, DmError **error) {
  if (!config->theory) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "A dataset needs a theory spectrum.");
    return NULL;
  }
  if (config->field != DM_FIELD_GAUSSIAN && config->field != DM_FIELD_LOGNORMAL) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Unknown field type %d.", (int)config->field);
    return NULL;
  }
  DmDataset *d = calloc(1, sizeof *d);
  if (!d) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a dataset.");
    return NULL;
  }
  d->config = *config;
  d->survey = config->survey;
  bool ok = true;
  if (!d->survey) {
    d->own_survey = dm_mock_survey_new_noiseless(config->nx, config->ny, NULL, error);
    d->survey = d->own_survey;
    ok = d->survey != NULL;
  }
  if (ok) {
    const DmMap *grid = dm_mock_survey_template(d->survey)->mask;
    d->nx = grid->nx;
    d->ny = grid->ny;
    d->wcs = grid->wcs;
    d->pixel_arcmin = grid->wcs ? dm_wcs_pixel_scale_deg(grid->wcs) * 60.0 : config->pixel_arcmin;
  }
  if (ok && config->field == DM_FIELD_LOGNORMAL) {
    DmLognormalOptions options = {config->shift, config->box_factor};
    ok = (d->lognormal = dm_lognormal_model_new(config->theory, d->nx, d->ny, d->pixel_arcmin,
                                                &options, error)) != NULL;
  }
  if (ok && config->field == DM_FIELD_GAUSSIAN &&
      (config->box_factor < 1 || config->box_factor > DM_MAX_BOX_FACTOR))
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Box factor %d is out of range (1 to %d).",
                      config->box_factor, DM_MAX_BOX_FACTOR);
  if (ok && config->haloes)
    ok = (d->mass_function = dm_mass_function_new(&config->cosmology, error)) != NULL;
  if (!ok) {
    dm_dataset_free(d);
    return NULL;
  }
  return d;
}

void dm_dataset_tuple_free(DmDatasetTuple *tuple) {
  if (!tuple) return;
  dm_map_free(tuple->kappa);
  dm_map_free(tuple->shear);
  dm_map_free(tuple->noise);
  dm_map_free(tuple->mask);
  free(tuple);
}

/* The convergence of tuple `index`: field, then haloes. */
static DmMap *make_kappa(const DmDataset *d, uint64_t index, long *n_haloes, DmError **error) {
  const DmDatasetConfig *c = &d->config;
  DmMap *kappa = dm_map_new(d->nx, d->ny, 1, d->wcs, error);
  if (!kappa) return NULL;
  uint64_t field_seed = derive_seed(c->seed, index, STEP_FIELD);
  bool ok = c->field == DM_FIELD_LOGNORMAL
                ? dm_lognormal_model_draw(d->lognormal, field_seed, kappa->data, error)
                : dm_gaussian_field_cropped(c->theory, d->nx, d->ny, d->pixel_arcmin,
                                            c->box_factor, field_seed, kappa->data, error);
  *n_haloes = 0;
  if (ok && c->haloes) {
    DmNfwPaintOptions paint = c->paint;
    paint.pixel_arcmin = d->pixel_arcmin;
    DmHaloPopulation *pop = dm_halo_population_draw(
        d->mass_function, &c->halo_options, d->nx, d->ny, d->pixel_arcmin,
        derive_seed(c->seed, index, STEP_HALOES), 0, error);
    ok = pop && dm_halo_population_paint(pop, kappa, 0, &c->cosmology, &paint, error);
    if (pop) *n_haloes = (long)pop->n;
    dm_halo_population_free(pop);
  }
  ok = ok && dm_map_set_int(kappa, "DSINDEX", (long)index, "tuple index", error) &&
       dm_map_set_int(kappa, "NHALOES", *n_haloes, "NFW haloes added", error);
  if (!ok) {
    dm_map_free(kappa);
    return NULL;
  }
  return kappa;
}

/* Tuple `index` around kappa (taken, freed on failure): the survey's shear
 * of it with the noise of the index. */
static DmDatasetTuple *observe(const DmDataset *d, DmMap *kappa, long n_haloes, uint64_t index,
                               DmError **error) {
  DmDatasetTuple *t = calloc(1, sizeof *t);
  if (!t) {
    dm_map_free(kappa);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a tuple.");
    return NULL;
  }
  t->kappa = kappa;
  t->n_haloes = n_haloes;
  DmBinnedShear *mock = dm_mock_survey_make(
      d->survey, t->kappa, derive_seed(d->config.seed, index, STEP_NOISE), 0, error);
  bool ok = mock != NULL;
  if (mock) {
    /* Keep the maps a tuple needs; the survey's counts and weight go. */
    t->shear = mock->shear;
    t->noise = mock->noise;
    t->mask = mock->mask;
    mock->shear = mock->noise = mock->mask = NULL;
    dm_binned_shear_free(mock);
  }
  if (!ok) {
    dm_dataset_tuple_free(t);
    return NULL;
  }
  return t;
}

DmDatasetTuple *dm_dataset_tuple(const DmDataset *d, uint64_t index, DmError **error) {
  long n_haloes = 0;
  DmMap *kappa = make_kappa(d, index, &n_haloes, error);
  return kappa ? observe(d, kappa, n_haloes, index, error) : NULL;
}

DmDatasetTuple *dm_dataset_tuple_with_kappa(const DmDataset *d, const float *kappa,
                                            uint64_t index, DmError **error) {
  DmMap *map = dm_map_new(d->nx, d->ny, 1, d->wcs, error);
  if (!map) return NULL;
  memcpy(map->data, kappa, (size_t)d->nx * (size_t)d->ny * sizeof(float));
  return observe(d, map, -1, index, error);
}
